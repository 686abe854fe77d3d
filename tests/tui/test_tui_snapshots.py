"""SVG snapshots of the studio's main screens (few on purpose: they change with every Textual
release). Update after a deliberate change with `pytest tests/tui --snapshot-update`, look at
the SVGs, and commit them."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from studio.workshop import Workshop
from tests.tui.conftest import until
from tui.app import StudioApp
from tui.widgets.explanation_panel import ExplanationPanel


def test_matrix_at_80x24(snap_compare: Any, workshop: Workshop) -> None:
    app = StudioApp(workshop, analysis=False, watch_interval=None)
    assert snap_compare(app, press=["down", "right"], terminal_size=(80, 24))


def test_preview_at_80x24(snap_compare: Any, workshop: Workshop) -> None:
    app = StudioApp(workshop, analysis=False, watch_interval=None)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("2", "right", "right")
        panel = app.studio.query_one(ExplanationPanel)

        def settled() -> bool:  # the explanation follows the cursor once it rests, what would flip it later
            text = str(panel.content)
            return "offer_discount" in text and "searching…" not in text

        await until(pilot, settled, state=lambda: panel.content)

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_rule_editor_with_a_bad_condition(snap_compare: Any, workshop: Workshop) -> None:
    app = StudioApp(workshop, analysis=False, watch_interval=None)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("down", "right", "enter", "e")
        field = pilot.app.screen.query_one("#f-when-0 Input", Input)
        field.cursor_blink = False  # the focused field's cursor would show in some snapshots, not in others
        field.value = "customer.renewl_stage == 'negotiation'"
        error = pilot.app.screen.query_one("#f-when-0 .condition-error", Static)
        problems = pilot.app.screen.query_one("#editor-problems", Static)
        # the error shows once typing pauses (0.4 s), the editor's check of the whole rule 0.15 s after a change
        await until(pilot, lambda: bool(error.display and str(error.content)))
        await until(pilot, lambda: str(problems.content).startswith("✖"), state=lambda: problems.content)

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_wide_terminal_shows_coverage_beside_the_matrix(snap_compare: Any, workshop: Workshop) -> None:
    """Analysis off, so the snapshot doesn't move with the analysis's findings (tested with Pilot)."""
    app = StudioApp(workshop, analysis=False, watch_interval=None)
    assert snap_compare(app, press=["down", "right"], terminal_size=(160, 48))
