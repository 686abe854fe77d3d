"""A scenario's steps in time order: when, who proposes what, and the verdict without and with the policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from studio.decision import Verdict
from studio.explain import headline
from studio.stack import Stack
from studio.wording import moment
from studio.workshop import ReplayPair
from tui.render import VERDICT_CLASSES, cut, room, verdict_text


class ReplayTimeline(DataTable[Text]):
    """One row per step."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*VERDICT_CLASSES, *{"replay-timeline--dim"}}

    @dataclass
    class StepChosen(Message):
        """The highlighted step changed (its index in the replay's order)."""

        position: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def show(self, stack: Stack, pair: ReplayPair) -> None:
        """Draw the replay of one scenario, with and without the policy."""
        row = self.cursor_row
        self.clear(columns=True)
        wide = room(self) >= 110
        verdict_width = max(34, min(72, room(self) - 84)) if wide else 16
        self.add_column("when", key="when")
        self.add_column("agent → action", key="step")
        self.add_column("no policy", key="without")
        self.add_column("with the policy", key="with", width=verdict_width)
        for free, ruled in zip(pair.without_policy.steps, pair.with_policy.steps, strict=True):
            when = ruled.label or moment(ruled.at, stack.timezone)
            step = f"{ruled.agent} → {ruled.action}"
            words = headline(stack, ruled.decision) if wide else ruled.decision.verdict.value
            self.add_row(
                Text(cut(when, 14)),
                Text(cut(step, 48 if wide else 30)),
                verdict_text(self, free.decision.verdict if free.decision else Verdict.GO),
                verdict_text(self, ruled.decision.verdict, cut(words, verdict_width - 2)),
            )
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1), animate=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.StepChosen(event.cursor_row))
