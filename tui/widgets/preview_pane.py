"""The Preview tab: filters, the live grid, and the highlighted cell explained."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Static

from studio.decision import Verdict
from studio.errors import StudioError
from studio.explain import Explanation
from studio.request import Request
from studio.samples import Column
from studio.stack import Stack
from studio.wording import moment
from studio.workshop import Change, Workshop
from tui.widgets.explanation_panel import ExplanationPanel
from tui.widgets.preview_filters import PreviewFilters
from tui.widgets.preview_grid import PreviewGrid

EXPLAIN_DELAY = 0.2
"""Seconds after the last edit or cursor move before the highlighted cell is explained again."""


class PreviewPane(Vertical):
    """Sample customers x (agent, action), decided as the stack stands."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._workshop: Workshop | None = None
        self._explained: tuple[int, str, Column] | None = None
        self._summary = ""
        self._explain_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield PreviewFilters(id="preview-filters")
        yield Static("", id="preview-summary")
        yield PreviewGrid(id="preview-grid")
        with VerticalScroll(id="explanation-box"):
            yield ExplanationPanel(id="explanation")

    def show(self, workshop: Workshop, change: Change | None) -> None:
        """Draw the workshop's grid; `change` says which cells moved (None: draw everything)."""
        first = self._workshop is None
        self._workshop = workshop
        if first or change is None or change.delta.reshaped:
            self.query_one(PreviewFilters).show(workshop.stack)
        self._draw(change)

    def _draw(self, change: Change | None) -> None:
        workshop = self._workshop
        if workshop is None:
            return
        grid = workshop.grid
        view = self.query_one(PreviewFilters).current
        delta = change.delta if change is not None else None
        self.query_one(PreviewGrid).show(grid, workshop.stack, view, delta, workshop.version)
        counts = grid.counts()
        summary = "   ".join(f"{v.symbol} {counts[v]} {v.value}" for v in Verdict)
        if grid.decisions:
            summary += f"   · decided at {moment(grid.at, workshop.stack.timezone)}"
        if workshop.stale and grid.decisions:
            summary += "   · the stack has problems: this is its last valid version"
        if not grid.decisions:
            summary = (
                "Nothing to preview yet: fix the stack's problems (Problems tab) to decide its sample customers."
                if workshop.stale
                else "Nothing to preview: the stack has no sample customers or no agent proposes an action."
            )
        if summary != self._summary:
            self._summary = summary
            # One line high, as wide as the pane: no layout needed (it would cost a reflow per edit).
            self.query_one("#preview-summary", Static).update(summary, layout=False)
        self._explain_soon()

    @on(PreviewFilters.Changed)
    def _filtered(self) -> None:
        self._draw(None)

    @on(PreviewGrid.CellChosen)
    def _cell(self) -> None:
        self._explain_soon()

    def _explain_soon(self) -> None:
        """Explain the highlighted cell once edits and cursor moves pause (searching what would
        flip a decision decides it a thousand times or so: the grid is redrawn first)."""
        if self._explain_timer is not None:
            self._explain_timer.stop()
        self._explain_timer = self.set_timer(EXPLAIN_DELAY, self._explain_current)

    def _explain_current(self) -> None:
        """Show the highlighted cell's verdict and reasons at once (well under a millisecond), and
        search what would flip it on a worker thread (40-70 ms on the samples: keys stay live)."""
        workshop = self._workshop
        panel = self.query_one(ExplanationPanel)
        chosen = self.query_one(PreviewGrid).chosen()
        if workshop is None or chosen is None:
            panel.show_message("Move the cursor onto a cell to see why it has its verdict.")
            return
        key = (workshop.version, chosen[0], chosen[1])
        if key == self._explained:
            return
        customer, column = chosen
        try:
            explanation = workshop.explain(customer, column.agent, column.action, flips=False)
        except StudioError as error:
            panel.show_message(error.message)
            return
        self._explained = key
        panel.show(workshop.stack, customer, explanation)
        self._search_flips(workshop, key, workshop.stack, customer, explanation.request)

    @work(thread=True, exclusive=True, group="flips", exit_on_error=False)
    def _search_flips(
        self, workshop: Workshop, key: tuple[int, str, Column], stack: Stack, customer: str, request: Request
    ) -> None:
        """In a worker thread: what would flip the cell's decision (`explain_request` decides with
        the last valid version's immutable policy, so it is safe while the UI thread edits)."""
        try:
            explanation = workshop.explain_request(request)
        except StudioError as error:
            self.app.call_from_thread(self._flips_failed, key, error.message)
            return
        self.app.call_from_thread(self._flips_found, key, stack, customer, explanation)

    def _flips_found(self, key: tuple[int, str, Column], stack: Stack, customer: str, explanation: Explanation) -> None:
        if key == self._explained:  # else the cursor moved or the stack changed meanwhile
            self.query_one(ExplanationPanel).show(stack, customer, explanation)

    def _flips_failed(self, key: tuple[int, str, Column], message: str) -> None:
        if key == self._explained:
            self.query_one(ExplanationPanel).show_message(message)
