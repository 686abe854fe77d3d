"""The line at the top: which file, whether it is saved, valid and analysed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from tui.render import cut


@dataclass(frozen=True)
class StatusFacts:
    """What the status bar says (set by the app after every change)."""

    file: str
    dirty: bool = False
    problems: int = 0
    stale: bool = False
    analysis: str = ""
    """`analysing…`, `40 findings`, `analysis off`."""
    last: str = ""
    """What undo would take back."""


class StatusBar(Static):
    """File, saved or not, problems, analysis, and what undo would take back."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-bar--dirty",
        "status-bar--problems",
        "status-bar--ok",
        "status-bar--dim",
    }

    _line: Text | None = None

    def show(self, facts: StatusFacts) -> None:
        """Say these facts."""
        line = Text()
        line.append(f" {facts.file}", style="bold")
        if facts.dirty:
            line.append(" ● unsaved", style=self.get_component_rich_style("status-bar--dirty", partial=True))
        if facts.problems:
            count = facts.problems
            word = f"  ✖ {count} problem{'s' if count != 1 else ''}"
            line.append(word, style=self.get_component_rich_style("status-bar--problems", partial=True))
        else:
            line.append("  ✔ valid", style=self.get_component_rich_style("status-bar--ok", partial=True))
        if facts.analysis:
            line.append(f"  · {facts.analysis}")
        room = self.size.width - line.cell_len - 3
        if facts.last and room > 12:
            line.append(
                f"  · undo: {cut(facts.last, room - 10)}",
                style=self.get_component_rich_style("status-bar--dim", partial=True),
            )
        if line != self._line:
            self._line = line
            self.update(line, layout=False)  # one line, as wide as the screen: its size never changes
