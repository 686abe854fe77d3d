"""Sample customers x (agent, action), each cell's verdict as a symbol and a word, coloured.

Redrawn cell by cell from the workshop's `GridDelta` when only decisions changed (and only
those cells are rendered again, see `_replace_cells`); rebuilt when rows or columns did, or
when a verdict filter decides which rows show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from studio.decision import Decision
from studio.live_grid import GridDelta
from studio.samples import Column
from studio.samples import PreviewGrid as Grid
from studio.stack import Stack
from tui.render import VERDICT_CLASSES, cut, room, verdict_text
from tui.widgets.preview_filters import PreviewFilter

CUSTOMER_COLUMN = "customer"


def column_key(column: Column) -> str:
    return f"{column.agent}/{column.action}"


class PreviewGrid(DataTable[Text]):
    """The live preview grid."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*VERDICT_CLASSES, *{"preview-grid--muted"}}

    @dataclass
    class CellChosen(Message):
        """The highlighted cell changed."""

        customer: str
        agent: str
        action: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell", header_height=2, fixed_columns=1)
        self.shown_version = -1
        """The workshop version drawn (benchmarks and tests wait for it)."""
        self._layout: tuple[object, ...] = ()
        self._customers: list[str] = []
        self._columns: list[Column] = []
        self._filter = PreviewFilter()

    def show(self, grid: Grid, stack: Stack, view: PreviewFilter, delta: GridDelta | None, version: int) -> None:
        """Draw `grid` as `view` filters it; only the changed cells when `delta` allows."""
        teams = {agent.id: agent.team for agent in stack.agents}
        columns = [
            c
            for c in grid.columns
            if (not view.agent or c.agent == view.agent) and (not view.team or teams.get(c.agent) == view.team)
        ]
        customers = list(grid.customers)
        if view.verdict:
            customers = [
                cid for cid in customers if any(grid.decisions[(cid, c)].verdict.value == view.verdict for c in columns)
            ]
        width = self._cell_width(len(columns))
        layout = (tuple(customers), tuple(columns), width, view)
        if layout == self._layout and delta is not None and not delta.reshaped and not view.verdict:
            self._update_cells(grid, delta)
        else:
            self._rebuild(grid, customers, columns, width, view)
            self._layout = layout
        self.shown_version = version

    def chosen(self) -> tuple[str, Column] | None:
        """The (customer, column) under the cursor."""
        if not self._customers or not self._columns:
            return None
        row, column = self.cursor_coordinate
        customer = self._customers[min(row, len(self._customers) - 1)]
        return customer, self._columns[max(0, min(column - 1, len(self._columns) - 1))]

    def _cell_width(self, count: int) -> int:
        space = max(room(self), 78) - 20
        return max(8, min(18, space // max(count, 1) - 2))

    def _rebuild(
        self, grid: Grid, customers: list[str], columns: list[Column], width: int, view: PreviewFilter
    ) -> None:
        before = self.chosen()
        self.clear(columns=True)
        self._customers, self._columns, self._filter = customers, columns, view
        name_width = min(20, max((len(c) for c in customers), default=8))
        self.add_column(Text("customer"), key=CUSTOMER_COLUMN, width=name_width)
        previous = ""
        for column in columns:
            agent = cut(column.agent, width) if column.agent != previous else ""
            previous = column.agent
            self.add_column(Text(f"{agent}\n{cut(column.action, width)}"), key=column_key(column), width=width)
        for customer in customers:
            cells = [self._cell(grid.decisions[(customer, column)]) for column in columns]
            self.add_row(Text(cut(customer, name_width)), *cells, key=customer)
        if before is not None and before[0] in customers and before[1] in columns:
            self.move_cursor(row=customers.index(before[0]), column=columns.index(before[1]) + 1, animate=False)
        elif columns and customers:
            self.move_cursor(row=0, column=1, animate=False)

    def _update_cells(self, grid: Grid, delta: GridDelta) -> None:
        """Put the changed decisions in their cells; a cell whose verdict stayed (its routes or
        reasons changed) looks the same and is left alone."""
        changed: dict[tuple[str, str], Text] = {}
        for customer, column in delta.changed:
            if customer in self._customers and column in self._columns:
                key = column_key(column)
                text = self._cell(grid.decisions[(customer, column)])
                shown = self.get_cell(customer, key)
                if (text.plain, text.style) != (shown.plain, shown.style):  # Text's == ignores the style
                    changed[(customer, key)] = text
        if changed:
            self._replace_cells(changed)

    def _replace_cells(self, cells: dict[tuple[str, str], Text]) -> None:
        """Put new values in these (customer, column key) cells and repaint their rows only.

        `DataTable.update_cell` bumps the table's update count, which is part of every render
        cache key: each edit then rendered every visible cell again (about 20 ms for a screen of
        cells, where an edit flips a few). Here only the changed cells' cached renders and their
        rows' and lines' are dropped; the other cells' renders are reused.
        The caches are DataTable's own (Textual 8.2): a test checks that a grid updated this way
        renders as one drawn afresh.
        """
        rows = {customer for customer, _ in cells}
        for (customer, key), value in cells.items():
            self._data[RowKey(customer)][ColumnKey(key)] = value
        indexes = {index for customer in rows if (index := self._row_locations.get(RowKey(customer))) is not None}
        lines = {
            (self.header_height if self.show_header else 0) + y
            for y, (row, _) in enumerate(self._y_offsets)
            if row.value in rows
        }
        # Cache keys start with the row key, column key (cells), row index or line number; a key's
        # `.value` is its string (comparing the keys themselves calls Python's __eq__, slower).
        _discard(self._cell_render_cache, lambda k: (k[0].value, k[1].value) in cells)
        _discard(self._row_render_cache, lambda k: k[0].value in rows)
        _discard(self._row_renderable_cache, lambda k: k[1] in indexes)
        _discard(self._line_cache, lambda k: k[0] in lines)
        for index in indexes:
            self.refresh_row(index)

    def _cell(self, decision: Decision) -> Text:
        if self._filter.verdict and decision.verdict.value != self._filter.verdict:
            return Text(
                f"{decision.verdict.symbol} {decision.verdict.value}",
                style=self.get_component_rich_style("preview-grid--muted", partial=True),
            )
        return verdict_text(self, decision.verdict)

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        found = self.chosen()
        if found is not None and event.coordinate.column > 0:
            customer, column = found
            self.post_message(self.CellChosen(customer, column.agent, column.action))

    def move_to(self, customer: str, column: Column) -> None:
        """Put the cursor on a cell, if it shows."""
        if customer in self._customers and column in self._columns:
            self.cursor_coordinate = Coordinate(self._customers.index(customer), self._columns.index(column) + 1)


def _discard(cache: LRUCache[Any, Any], stale: Callable[[Any], bool]) -> None:
    """Drop a DataTable render cache's stale entries (LRUCache can't be iterated, only its keys)."""
    for key in [key for key in cache.keys() if stale(key)]:  # noqa: SIM118
        cache.discard(key)
