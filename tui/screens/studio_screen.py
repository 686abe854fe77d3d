"""The studio: a status line, six tabs (Matrix, Preview, Replay, Findings, Diff, Problems) and the keys.

The app tells it what changed (`show_change`) and what the analysis found (`show_analysis`);
it redraws the visible tab at once and the others when they are opened."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from studio.workshop import Change, Workshop
from tui.widgets.diff_pane import DiffPane
from tui.widgets.findings_pane import FindingsPane
from tui.widgets.matrix_pane import MatrixPane
from tui.widgets.preview_pane import PreviewPane
from tui.widgets.problems_pane import ProblemsPane
from tui.widgets.replay_pane import ReplayPane
from tui.widgets.status_bar import StatusBar, StatusFacts

if TYPE_CHECKING:
    from studio.analysis import Report

TABS = ("matrix", "preview", "replay", "findings", "diff", "problems")


class StudioScreen(Screen[None]):
    """The main screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                str(number),
                f"show_tab('{tab}')",
                "Tabs" if number == 1 else tab.capitalize(),
                show=number == 1,
                key_display="1-6",
            )
            for number, tab in enumerate(TABS, start=1)
        ),
        Binding("ctrl+s", "app.save", "Save"),
        Binding("ctrl+z", "app.undo", "Undo"),
        Binding("ctrl+y", "app.redo", "Redo", show=False),
    ]

    def __init__(self, workshop: Workshop) -> None:
        super().__init__()
        self.workshop = workshop
        self.report: Report | None = None
        self.analysis_note = "analysing…"
        self._stale: set[str] = set(TABS)
        self._last_change: Change | None = None
        self._labels: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with TabbedContent(initial="matrix", id="tabs"):
            with TabPane("Matrix", id="matrix"):
                yield MatrixPane(id="matrix-pane")
            with TabPane("Preview", id="preview"):
                yield PreviewPane(id="preview-pane")
            with TabPane("Replay", id="replay"):
                yield ReplayPane(id="replay-pane")
            with TabPane("Findings", id="findings"):
                yield FindingsPane(id="findings-pane")
            with TabPane("Diff", id="diff"):
                yield DiffPane(id="diff-pane")
            with TabPane("Problems", id="problems"):
                yield ProblemsPane(id="problems-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.show_change(None)
        self.query_one("#matrix-table").focus()

    def on_resize(self) -> None:
        if self.is_mounted:
            self._stale = set(TABS)
            self._draw(self.active_tab, None)

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        targets = {
            "matrix": "#matrix-table",
            "preview": "#preview-grid",
            "replay": "#replay-timeline",
            "findings": "#findings-table",
            "diff": "#diff-pane",
            "problems": "#problems-pane",
        }
        self.query_one(targets[tab]).focus()

    # -- what the app tells it --------------------------------------------------------------------------

    def show_change(self, change: Change | None) -> None:
        """The stack (or the file, or the clock) changed: redraw the visible tab, mark the others."""
        self._last_change = change
        self.show_status()
        self._stale = set(TABS)
        self._label_tabs()
        self._draw(self.active_tab, change)

    def show_analysis(self, report: Report | None, note: str) -> None:
        """New findings and coverage (None: `note` says why there are none)."""
        self.report, self.analysis_note = report, note
        if not self.is_mounted:
            return
        self.show_status()
        self._label_tabs()
        for tab in ("findings", "matrix"):
            if tab == self.active_tab:
                self._draw_analysis(tab)
            else:
                self._stale.add(tab)

    def show_status(self) -> None:
        workshop = self.workshop
        undo, _ = workshop.history
        analysis = self.analysis_note if self.report is None else f"{len(self.report.findings)} findings"
        if self.report is not None and self.analysis_note:
            analysis += f" ({self.analysis_note})"
        self.query_one(StatusBar).show(
            StatusFacts(
                file=workshop.path.name if workshop.path is not None else workshop.document.source,
                dirty=workshop.dirty,
                problems=len(workshop.issues),
                stale=workshop.stale,
                analysis=analysis,
                last=undo[0] if undo else "",
            )
        )

    def _label_tabs(self) -> None:
        tabs = self.query_one(TabbedContent)
        problems = len(self.workshop.issues)
        findings = len(self.report.findings) if self.report is not None else 0
        labels = {
            "problems": f"Problems ({problems})" if problems else "Problems",
            "findings": f"Findings ({findings})" if self.report is not None else "Findings",
            "diff": "Diff ●" if self.workshop.dirty else "Diff",
        }
        for tab, label in labels.items():
            if labels[tab] != self._labels.get(tab):
                tabs.get_tab(tab).label = label
        self._labels = labels

    @on(TabbedContent.TabActivated)
    def _activated(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or ""
        if tab in self._stale:
            self._draw(tab, None)

    def _draw(self, tab: str, change: Change | None) -> None:
        self._stale.discard(tab)
        workshop = self.workshop
        if tab == "matrix":
            pane = self.query_one(MatrixPane)
            pane.show(workshop.stack)
            self._draw_analysis("matrix")
        elif tab == "preview":
            self.query_one(PreviewPane).show(workshop, change)
        elif tab == "replay":
            self.query_one(ReplayPane).show(workshop)
        elif tab == "findings":
            self._draw_analysis("findings")
        elif tab == "diff":
            self.query_one(DiffPane).show(workshop)
        elif tab == "problems":
            self.query_one(ProblemsPane).show(workshop.stack, workshop.problems)

    def _draw_analysis(self, tab: str) -> None:
        if tab == "findings":
            self.query_one(FindingsPane).show(self.workshop.stack, self.report, self.analysis_note)
        else:
            coverage = self.report.coverage if self.report is not None else None
            self.query_one(MatrixPane).show_coverage(coverage, self.analysis_note)
