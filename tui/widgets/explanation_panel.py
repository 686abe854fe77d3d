"""One preview cell explained: the verdict and who reviews it, each rule that fired and why,
limits not met, the default, and what would flip it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from studio.decision import Verdict
from studio.explain import Explanation
from studio.stack import Stack
from studio.wording import amount, label
from tui.render import VERDICT_CLASSES, verdict_text


class ExplanationPanel(Static):
    """Why a cell has its verdict."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *VERDICT_CLASSES,
        *{"explanation-panel--dim", "explanation-panel--heading"},
    }

    def show(self, stack: Stack, customer: str, explanation: Explanation) -> None:
        """Explain one cell (what would flip it says `searching…` until `explanation.searched`)."""
        request = explanation.request
        dim = self.get_component_rich_style("explanation-panel--dim", partial=True)
        heading = self.get_component_rich_style("explanation-panel--heading", partial=True)
        text = Text()
        text.append(f"{customer} · {request.agent} → {request.action}", style=heading)
        if request.params:
            shown = ", ".join(f"{label(name)} {amount(name, value)}" for name, value in request.params.items())
            text.append(f"  ({shown})", style=dim)
        story = next((c.story for c in stack.customers if c.id == customer), "")
        if story:
            text.append(f"\n{story}", style=dim)
        text.append("\n")
        text.append_text(verdict_text(self, explanation.decision.verdict, explanation.headline))
        for line in explanation.rules:
            marker = "•" if line.decisive else "◦"
            text.append(f"\n {marker} {line.words}")
            for detail in line.details:
                text.append(f"\n     {detail}", style=dim)
        if explanation.default:
            text.append(f"\n • {explanation.default}")
        for obligation in explanation.decision.obligations:
            target = f" → {obligation.to}" if obligation.to else ""
            text.append(f"\n   duty: {obligation.duty}{target} ({obligation.rule_id})", style=dim)
        text.append("\nWhat would flip it:", style=heading)
        if not explanation.searched:
            text.append(" searching…", style=dim)
        elif not explanation.flips:
            text.append(" nothing small found", style=dim)
        for flip in explanation.flips:
            text.append("\n  ")
            text.append_text(verdict_text(self, flip.verdict, _without_verdict(flip.words, flip.verdict)))
            text.append(f"  ({flip.kind})", style=dim)
        self.update(text)

    def show_message(self, message: str) -> None:
        """Say why there is nothing to explain."""
        self.update(Text(message, style="italic"))


def _without_verdict(words: str, verdict: Verdict) -> str:
    """`stop from Monday…` is shown as `✖ stop from Monday…` (the word once)."""
    return words if words.startswith(verdict.value) else f"{verdict.value} {words}"
