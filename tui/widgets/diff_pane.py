"""The Diff tab: what changed since the file was loaded or saved, in plain words, and which
sample decisions and scenario steps it changes."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from studio.changes import describe
from studio.decision import Decision
from studio.errors import StudioError
from studio.workshop import Workshop
from tui.render import VERDICT_CLASSES, verdict_text


class DiffPane(VerticalScroll):
    """Changes since the last load or save."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*VERDICT_CLASSES, *{"diff-pane--heading", "diff-pane--dim"}}

    def compose(self) -> ComposeResult:
        yield Static("", id="diff-text")

    def show(self, workshop: Workshop) -> None:
        """Compare the workshop's stack with its file as last loaded or saved."""
        heading = self.get_component_rich_style("diff-pane--heading", partial=True)
        dim = self.get_component_rich_style("diff-pane--dim", partial=True)
        name = workshop.path.name if workshop.path is not None else "the stack"
        text = Text()
        if not workshop.dirty:
            text.append(f"No changes since {name} was loaded or saved.", style=heading)
            text.append("\nEdit a rule (Matrix tab) and its effect on the sample decisions shows here.", style=dim)
            self.query_one("#diff-text", Static).update(text)
            return
        changes = describe(workshop.document.stack, workshop.stack)
        text.append(
            f"Since {name} was loaded or saved ({len(changes)} change{'s' if len(changes) != 1 else ''}):",
            style=heading,
        )
        for change in changes:
            text.append(f"\n • {change.words}")
        if not workshop.valid:
            text.append(
                "\n\nThe stack has problems: the decisions below are those of its last valid version.", style=dim
            )
        try:
            impact = workshop.impact()
        except StudioError as error:
            text.append(f"\n\nThe sample decisions can't be compared: {error.message.lower()}.", style=dim)
            self.query_one("#diff-text", Static).update(text)
            return
        flipped = [cell for cell in impact.cells if cell.verdict_changed]
        text.append(
            f"\n\nSample decisions that change ({len(impact.cells)}; {len(flipped)} change verdict):", style=heading
        )
        for cell in sorted(impact.cells, key=lambda c: not c.verdict_changed):
            text.append(f"\n {cell.customer} · {cell.column.agent} → {cell.column.action}: ")
            self._pair(text, cell.before, cell.after)
            if not cell.verdict_changed:
                text.append("  (same verdict; routes or reasons change)", style=dim)
        if not impact.cells:
            text.append("\n none", style=dim)
        text.append(f"\n\nScenario steps that change ({len(impact.steps)}):", style=heading)
        for step in impact.steps:
            text.append(f"\n {step.scenario} · {step.label or step.index} · {step.agent} → {step.action}: ")
            self._pair(text, step.before, step.after)
        if not impact.steps:
            text.append("\n none", style=dim)
        self.query_one("#diff-text", Static).update(text)

    def _pair(self, text: Text, before: Decision | None, after: Decision | None) -> None:
        text.append_text(verdict_text(self, before.verdict) if before is not None else Text("(new)"))
        text.append(" → ")
        text.append_text(verdict_text(self, after.verdict) if after is not None else Text("(gone)"))
