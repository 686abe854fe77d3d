"""The Replay tab: a scenario as a timeline, with and without the policy, and a step's reasons."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Select, Static

from studio.errors import StudioError
from studio.explain import headline
from studio.wording import amount, label, moment
from studio.workshop import ReplayPair, Workshop
from tui.render import VERDICT_CLASSES, verdict_text
from tui.widgets.replay_timeline import ReplayTimeline


class ReplayPane(Vertical):
    """Pick a scenario; read what happens with and without the policy."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*VERDICT_CLASSES, *{"replay-pane--dim"}}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._workshop: Workshop | None = None
        self._pair: ReplayPair | None = None
        self._scenario_ids: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="replay-bar"):
            yield Label("scenario", classes="filter-label")
            yield Select[str]([], compact=True, prompt="choose a scenario", id="replay-scenario")
        yield Static("", id="replay-about")
        yield ReplayTimeline(id="replay-timeline")
        with VerticalScroll(id="replay-step-box"):
            yield Static("", id="replay-step")

    def show(self, workshop: Workshop) -> None:
        """Replay the chosen scenario against the workshop's last valid version."""
        self._workshop = workshop
        selector = self.query_one("#replay-scenario", Select)
        options = [(s.title or s.id, s.id) for s in workshop.stack.scenarios]
        current = selector.value
        if [value for _, value in options] != self._scenario_ids:
            self._scenario_ids = [value for _, value in options]
            selector.set_options(options)
            if options:
                selector.value = current if any(v == current for _, v in options) else options[0][1]
        self._replay()

    @on(Select.Changed, "#replay-scenario")
    def _chosen(self) -> None:
        self._replay()

    @on(ReplayTimeline.StepChosen)
    def _step(self, message: ReplayTimeline.StepChosen) -> None:
        self._describe(message.position)

    def _replay(self) -> None:
        workshop = self._workshop
        about = self.query_one("#replay-about", Static)
        if workshop is None:
            return
        value = self.query_one("#replay-scenario", Select).value
        if not isinstance(value, str):
            about.update("This stack has no scenarios: add some to the file to replay them here.")
            return
        try:
            self._pair = workshop.replay(value)
        except StudioError as error:
            about.update(error.message)
            return
        scenario = self._pair.with_policy.scenario
        words = f"{scenario.title or scenario.id}: {scenario.customer}"
        if scenario.description:
            words += f" · {scenario.description}"
        stopped = sum(1 for step in self._pair.with_policy.steps if not step.went_ahead)
        words += f"\nWithout the policy every step reaches the customer; with it, {stopped} of {len(scenario.steps)} wait or stop."
        about.update(words)
        self.query_one(ReplayTimeline).show(workshop.stack, self._pair)
        self._describe(self.query_one(ReplayTimeline).cursor_row)

    def _describe(self, position: int) -> None:
        pair, workshop = self._pair, self._workshop
        box = self.query_one("#replay-step", Static)
        if pair is None or workshop is None or not 0 <= position < len(pair.with_policy.steps):
            box.update("")
            return
        step = pair.with_policy.steps[position]
        stack = workshop.stack
        dim = self.get_component_rich_style("replay-pane--dim", partial=True)
        text = Text(f"{step.label or 'Step'} · {moment(step.at, stack.timezone)} · {step.agent} → {step.action}")
        if step.params:
            text.append(
                "  (" + ", ".join(f"{label(k)} {amount(k, v)}" for k, v in step.params.items()) + ")", style=dim
            )
        text.append("\n")
        text.append_text(verdict_text(self, step.decision.verdict, headline(stack, step.decision)))
        text.append("  reaches the customer" if step.went_ahead else "  does not reach the customer (yet)", style=dim)
        for reason in step.decision.reasons:
            text.append(f"\n • {reason.text}")
        box.update(text)
