"""Agents x actions, each cell marked by what decides it (the analysis's coverage map)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from studio.stack import Stack
from tui.render import cut

if TYPE_CHECKING:
    from studio.analysis import CoverageMap

MARKS = {
    "may": "✔",
    "never": "✖",
    "default": "○",
    "contested": "‼",
    "undeclared": "·",
}
"""Symbols of the coverage statuses, readable without colour."""
LEGEND = "✔ may act on its own  ✖ a never rule stops it  ○ only the default  ‼ contested  · not proposed"


class CoverageTable(DataTable[Text]):
    """The (agent x action) coverage view; the highlighted cell is detailed below it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "choose", "Rules of the cell", show=False)]
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"coverage-table--{status}" for status in MARKS}

    @dataclass
    class CellChosen(Message):
        """The highlighted cell changed."""

        agent: str
        action: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell", header_height=3, fixed_columns=1)
        self._agents: list[str] = []
        self._actions: list[str] = []

    def show(self, stack: Stack, coverage: CoverageMap | None) -> None:
        """Draw the map (or the agents and actions with no marks while there is none yet)."""
        cursor = self.cursor_coordinate
        self.clear(columns=True)
        self._agents = [agent.id for agent in stack.agents if agent.actions]
        self._actions = [action.id for action in stack.actions]
        statuses = {(cell.agent, cell.action): cell.status for cell in coverage.cells} if coverage else {}
        self.add_column(Text("agent"), key="agent", width=min(20, max((len(a) for a in self._agents), default=8)))
        for action in self._actions:
            self.add_column(_header(action), key=action)
        for agent in self._agents:
            row = [Text(cut(agent, 20))]
            declared = next(a for a in stack.agents if a.id == agent).actions
            for action in self._actions:
                status = statuses.get((agent, action), "" if action in declared else "undeclared")
                mark = MARKS.get(status, "…")
                style = self.get_component_rich_style(f"coverage-table--{status}", partial=True) if status else None
                row.append(Text(f" {mark}", style=style or ""))
            self.add_row(*row, key=agent)
        if self._agents:
            self.move_cursor(row=min(cursor.row, len(self._agents) - 1), column=max(1, cursor.column), animate=False)

    def chosen(self) -> tuple[str, str]:
        """The (agent, action) under the cursor ("" when on the agent column)."""
        if not self._agents:
            return "", ""
        agent = self._agents[min(self.cursor_row, len(self._agents) - 1)]
        column = self.cursor_column
        return agent, self._actions[column - 1] if 0 < column <= len(self._actions) else ""

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        self.post_message(self.CellChosen(*self.chosen()))


def _header(action: str) -> Text:
    """An action id on up to three lines of at most 10 characters, broken at underscores."""
    lines: list[str] = []
    for word in action.split("_"):
        if lines and len(lines[-1]) + 1 + len(word) <= 10:
            lines[-1] += f"_{word}"
        else:
            lines.append(word)
    if len(lines) > 3:
        lines = [*lines[:2], "_".join(lines[2:])]
    return Text("\n".join(cut(line, 10) for line in lines))
