"""One line of pickers narrowing the preview grid: by agent, by team, by verdict."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label, Select

from studio.decision import Verdict
from studio.stack import Stack

ALL = ""


@dataclass(frozen=True)
class PreviewFilter:
    """What the grid shows: columns of one agent or team, cells of one verdict ("" for all)."""

    agent: str = ALL
    team: str = ALL
    verdict: str = ALL


class PreviewFilters(Horizontal):
    """Agent, team and verdict pickers."""

    @dataclass
    class Changed(Message):
        """The filter changed."""

        filter: PreviewFilter

    def compose(self) -> ComposeResult:
        yield Label("show", classes="filter-label")
        yield Select[str]([], prompt="every agent", compact=True, id="filter-agent", allow_blank=True)
        yield Select[str]([], prompt="every team", compact=True, id="filter-team", allow_blank=True)
        verdicts = [(f"{v.symbol} {v.value}", v.value) for v in Verdict]
        yield Select[str](verdicts, prompt="every verdict", compact=True, id="filter-verdict", allow_blank=True)

    def show(self, stack: Stack) -> None:
        """Offer the stack's agents (those that propose actions) and teams."""
        agents = [(agent.id, agent.id) for agent in stack.agents if agent.actions]
        teams = [(team.name or team.id, team.id) for team in stack.teams]
        for selector, options in (
            (self.query_one("#filter-agent", Select), agents),
            (self.query_one("#filter-team", Select), teams),
        ):
            current = selector.value
            selector.set_options(options)
            if isinstance(current, str) and any(value == current for _, value in options):
                selector.value = current

    @property
    def current(self) -> PreviewFilter:
        """The filter as picked."""
        values = [self.query_one(f"#filter-{name}", Select).value for name in ("agent", "team", "verdict")]
        agent, team, verdict = (value if isinstance(value, str) else ALL for value in values)
        return PreviewFilter(agent, team, verdict)

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self.current))
