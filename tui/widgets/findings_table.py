"""The analysis's findings, one per row: severity, code and what is the case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tui.render import cut, room

if TYPE_CHECKING:
    from studio.analysis import Finding

MARKS = {"error": "✖", "warning": "⚠", "info": "ℹ"}
"""Severity symbols, readable without colour."""


class FindingsTable(DataTable[Text]):
    """Conflicts, gaps and ownership questions."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"findings-table--error", "findings-table--warning", "findings-table--info"}

    @dataclass
    class FindingChosen(Message):
        """The highlighted finding changed (its position in the list)."""

        position: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def show(self, findings: Sequence[Finding]) -> None:
        """List the findings, keeping the cursor on the same row number."""
        row = self.cursor_row
        self.clear(columns=True)
        title_width = max(20, room(self) - 38)
        self.add_column("", key="severity", width=9)
        self.add_column("code", key="code", width=22)
        self.add_column("what is the case", key="title", width=title_width)
        for finding in findings:
            severity = finding.severity.value
            style = self.get_component_rich_style(f"findings-table--{severity}", partial=True)
            self.add_row(
                Text(f"{MARKS.get(severity, '?')} {severity}", style=style),
                Text(cut(finding.code, 22)),
                Text(cut(finding.title, title_width)),
            )
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1), animate=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.FindingChosen(event.cursor_row))
