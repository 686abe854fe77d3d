"""The studio's checking views with Pilot: findings that jump to their rules, the coverage view,
the diff in plain words, the replay, and export from the command palette."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from textual.command import CommandList
from textual.widgets import Input, Static

from studio import edits
from studio.workshop import Workshop
from tests.tui.conftest import cell, type_text, until
from tui.app import StudioApp
from tui.dialogs.path_dialog import PathDialog
from tui.screens.rule_editor_screen import RuleEditorScreen
from tui.widgets.coverage_table import CoverageTable
from tui.widgets.findings_table import FindingsTable
from tui.widgets.replay_timeline import ReplayTimeline
from tui.widgets.rule_list import RuleList


@pytest.mark.asyncio
async def test_findings_jump_to_their_rules_and_coverage_shows_beside_the_matrix(workshop: Workshop) -> None:
    app = StudioApp(workshop, watch_interval=None)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.studio.report is not None, seconds=60)
        report = app.studio.report
        assert report is not None and report.findings
        coverage = app.studio.query_one(CoverageTable)
        assert coverage.display and coverage.row_count == 5, "beside the matrix on a wide terminal"
        assert cell(coverage, "ai-sdr-agent", "offer_discount").strip() == "✔"
        await pilot.press("4")
        assert isinstance(app.focused, FindingsTable) and app.focused.row_count == len(report.findings)
        await pilot.press("enter")
        assert isinstance(app.focused, RuleList)
        assert app.focused.current() == report.findings[0].rules[0]
        await pilot.press("e")
        assert isinstance(app.screen, RuleEditorScreen)
        assert app.screen.initial.original == report.findings[0].rules[0]


@pytest.mark.asyncio
async def test_diff_in_plain_words_and_the_replay_with_and_without_the_policy(app: StudioApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        text = str(app.studio.query_one("#diff-text", Static).content)
        assert text.startswith("No changes since b2b.yaml was loaded or saved.")
        app.apply_edit(
            partial(edits.set_limit, rule_id="B3-sdr-discounts", index=0, text="params.discount_pct <= 20"), "raise"
        )
        app.apply_edit(
            partial(edits.set_limit, rule_id="B3-sdr-discounts", index=1, text="params.acv_impact_usd <= 50000"),
            "raise",
        )
        await pilot.pause()
        text = str(app.studio.query_one("#diff-text", Static).content)
        assert "Sales' discount limit on B3-sdr-discounts rose from 10% to 20%" in text
        assert "Sample decisions that change (8; 4 change verdict)" in text
        assert "birch-health · ai-sdr-agent → offer_discount: ⚑ flag → ✔ go" in text
        await pilot.press("3")
        timeline = app.studio.query_one(ReplayTimeline)
        assert timeline.row_count == 3
        rows = [[str(value) for value in timeline.get_row_at(i)] for i in range(3)]
        assert [row[2] for row in rows] == ["✔ go"] * 3, "without the policy everything goes"
        assert [row[3].split()[0:2] for row in rows] == [["⚑", "flag"], ["⚑", "flag"], ["✖", "stop"]]


@pytest.mark.asyncio
async def test_export_from_the_command_palette(app: StudioApp, tmp_path: Path) -> None:
    target = tmp_path / "out" / "bundle.tar.gz"
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("ctrl+p")
        await type_text(pilot, "export")
        results = app.screen.query_one(CommandList)

        def export_highlighted() -> bool:
            index = results.highlighted
            return index is not None and "export" in str(results.get_option_at_index(index).prompt).lower()

        await until(pilot, export_highlighted)  # the palette searches in the background
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await until(pilot, target.exists)
        assert target.stat().st_size > 1000
