"""Agents as rows, MAY / MUST / NEVER as columns; each cell lists the rules that bind, in short."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from studio.matrix import MatrixRow
from studio.stack import RuleKind
from tui.messages import AddRule
from tui.render import cut, room

KINDS = (RuleKind.MAY, RuleKind.MUST, RuleKind.NEVER)
AGENT_COLUMN = "agent"


class MatrixTable(DataTable[Text]):
    """The rule matrix; the highlighted cell is the (agent, kind) the rule list below shows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "matrix-table--may",
        "matrix-table--must",
        "matrix-table--never",
        "matrix-table--empty",
    }

    @dataclass
    class CellChosen(Message):
        """The highlighted cell changed: an agent and a kind (None: the agent's column, every kind)."""

        agent: str
        kind: RuleKind | None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell", zebra_stripes=True)
        self._rows: tuple[MatrixRow, ...] = ()

    def show(self, rows: tuple[MatrixRow, ...], short: dict[str, str]) -> None:
        """Draw these rows (rules by their `short` names), keeping the cursor where it was."""
        self._rows = rows
        cursor = self.cursor_coordinate
        self.clear(columns=True)
        wide = self.screen.has_class("-wide")
        width = max(int(self.app.size.width * 0.6) if wide else room(self), 60)
        agent_width = min(34 if wide else 26, max((len(row.label) for row in rows), default=10) + 1)
        texts = [[_words(row, kind, short) for kind in KINDS] for row in rows]
        widths = _widths([max((len(t[i]) for t in texts), default=5) for i in range(3)], width - agent_width - 8)
        self.add_column(Text("agent (tool)"), key=AGENT_COLUMN, width=agent_width)
        for kind, column_width in zip(KINDS, widths, strict=True):
            self.add_column(Text(kind.value.upper()), key=kind.value, width=column_width)
        for row, words in zip(rows, texts, strict=True):
            cells = [Text(cut(row.label, agent_width))]
            for kind, text, column_width in zip(KINDS, words, widths, strict=True):
                style = self.get_component_rich_style(
                    f"matrix-table--{kind.value}" if row.rules[kind] else "matrix-table--empty", partial=True
                )
                cells.append(Text(cut(text, column_width), style=style))
            self.add_row(*cells, key=row.agent or "-")
        if rows:
            self.move_cursor(row=min(cursor.row, len(rows) - 1), column=cursor.column, animate=False)

    def chosen(self) -> tuple[str, RuleKind | None]:
        """The agent and kind under the cursor."""
        if not self._rows:
            return "", None
        row = self._rows[min(self.cursor_row, len(self._rows) - 1)]
        column = self.cursor_column
        return row.agent, KINDS[column - 1] if column > 0 else None

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        self.post_message(self.CellChosen(*self.chosen()))

    def action_add(self) -> None:
        agent, kind = self.chosen()
        self.post_message(AddRule(agent, kind))


def _words(row: MatrixRow, kind: RuleKind, short: dict[str, str]) -> str:
    ids = row.rules[kind]
    if ids:
        return " ".join(short.get(rule_id, rule_id) for rule_id in ids)
    if kind is RuleKind.MAY and row.actions:
        return "(default)"
    return "·"


def _widths(needs: list[int], space: int) -> list[int]:
    """Column widths: what each needs when there is room, else shares of the room by need."""
    needs = [max(7, need) for need in needs]
    if sum(needs) <= space:
        return needs
    total = sum(needs)
    return [max(7, space * need // total) for need in needs]
