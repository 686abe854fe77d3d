"""The terminal studio's flows, driven with Pilot: edit a limit and see the preview flip, a bad
condition shown at its column and not applied, the file changed on disk, undo, quitting."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static

from studio import edits
from studio.workshop import Workshop
from tests.tui.conftest import cell, type_text, until
from tui.app import StudioApp
from tui.dialogs.choice_dialog import ChoiceDialog
from tui.screens.rule_editor_screen import RuleEditorScreen
from tui.screens.studio_screen import StudioScreen
from tui.widgets.condition_field import ConditionField
from tui.widgets.explanation_panel import ExplanationPanel
from tui.widgets.preview_grid import PreviewGrid
from tui.widgets.preview_pane import EXPLAIN_DELAY
from tui.widgets.rule_list import RuleList

SDR_DISCOUNT = "ai-sdr-agent/offer_discount"
SDR_MEETING = "ai-sdr-agent/propose_meeting"


async def open_b3(pilot) -> RuleEditorScreen:  # type: ignore[no-untyped-def]
    """From the matrix: the AI sales assistant's MAY cell, its rules, edit the first (B3)."""
    await pilot.press("1", "down", "right", "enter")
    assert isinstance(pilot.app.focused, RuleList)
    assert pilot.app.focused.current() == "B3-sdr-discounts"
    await pilot.press("e")
    screen = pilot.app.screen
    assert isinstance(screen, RuleEditorScreen)
    return screen


async def replace_text(pilot, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type `text` into a field over what differs from its end (as a person fixes a number)."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    same = 0
    while same < min(len(text), len(field.value)) and text[same] == field.value[same]:
        same += 1
    await pilot.press("end", *["backspace"] * (len(field.value) - same))
    await type_text(pilot, text[same:])


@pytest.mark.asyncio
async def test_editing_a_limit_flips_the_preview(app: StudioApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("2")
        grid = app.query_one(PreviewGrid)
        assert cell(grid, "birch-health", SDR_DISCOUNT) == "⚑ flag"
        editor = await open_b3(pilot)
        await replace_text(pilot, "#f-limits-0 Input", "params.discount_pct <= 20")
        await replace_text(pilot, "#f-limits-1 Input", "params.acv_impact_usd <= 50000")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is app.studio and not editor.is_attached
        assert app.workshop.dirty
        assert app.workshop.stack.rules[12].limits == ["params.discount_pct <= 20", "params.acv_impact_usd <= 50000"]
        await pilot.press("2")
        assert cell(grid, "birch-health", SDR_DISCOUNT) == "✔ go"
        assert grid.shown_version == app.workshop.version
        assert "edit rule B3-sdr-discounts" in str(app.query_one("#status", Static).content)


@pytest.mark.asyncio
async def test_a_bad_condition_shows_its_error_at_the_column_and_is_not_applied(app: StudioApp) -> None:
    original = app.workshop.stack
    async with app.run_test(size=(100, 32)) as pilot:
        editor = await open_b3(pilot)
        await replace_text(pilot, "#f-when-0 Input", "!customer.cancellation_notic")
        field = editor.query_one("#f-when-0", ConditionField)
        shown = editor.query_one("#f-when-0 .condition-error", Static)
        await until(pilot, lambda: bool(shown.display and str(shown.content)))  # once typing pauses
        assert field.has_class("-invalid")
        error = str(shown.content)
        caret, message = error.split("\n")
        assert caret == " " * 10 + "^", "the caret is under the column of the unknown attribute"
        assert message == "customer has no attribute 'cancellation_notic' (did you mean 'cancellation_notice'?)"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor, "a rule with problems is not applied"
        problems = str(editor.query_one("#editor-problems", Static).content)
        assert "1 problem" in problems and "when, column 11" in problems
        assert app.workshop.stack is original and not app.workshop.dirty
        completions = editor.query_one("#f-when-0 .condition-completions", OptionList)
        assert completions.display, "'cancellation_notice' is offered"
        await pilot.press("escape")
        assert not completions.display and app.screen is editor, "escape closes the completions first"
        await pilot.press("escape")
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("d")
        assert app.screen is app.studio
        assert app.workshop.stack is original


@pytest.mark.asyncio
async def test_conditions_complete_attribute_names_and_enum_values(app: StudioApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        editor = await open_b3(pilot)
        when = editor.query_one("#f-when-0 Input", Input)
        when.value = "customer.re"
        when.cursor_position = len(when.value)
        await pilot.press("n")
        options = editor.query_one("#f-when-0 .condition-completions", OptionList)
        assert options.display and options.option_count == 2
        await pilot.press("down", "tab")
        assert editor.query_one("#f-when-0 Input", Input).value == "customer.renewal_stage"
        await type_text(pilot, " == ")
        assert options.option_count == 6
        await pilot.press("down", "down", "tab")
        field = editor.query_one("#f-when-0", ConditionField)
        assert field.text == "customer.renewal_stage == 'negotiation'"
        assert field.problems == []


@pytest.mark.asyncio
async def test_a_change_on_disk_is_announced_and_reload_is_undoable(app: StudioApp, b2b_path: Path) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("1", "down", "right", "enter", "d")  # delete B3 here
        assert "B3-sdr-discounts" not in {r.id for r in app.workshop.stack.rules}
        text = b2b_path.read_text(encoding="utf-8")
        b2b_path.write_text(
            text.replace("bigger ones go to the deal desk", "bigger ones go to finance"), encoding="utf-8"
        )
        app.check_disk()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog) and "changed on disk" in dialog.title_text
        await pilot.press("r")
        await pilot.pause()
        rules = {r.id: r for r in app.workshop.stack.rules}
        assert rules["B3-sdr-discounts"].rationale.endswith("bigger ones go to finance.")
        assert not app.workshop.dirty
        await pilot.press("ctrl+z")
        assert "B3-sdr-discounts" not in {r.id for r in app.workshop.stack.rules}, "undo brings back my version"


@pytest.mark.asyncio
async def test_saving_over_a_file_changed_on_disk_asks_and_keep_mine_saves(app: StudioApp, b2b_path: Path) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("1", "down", "right", "enter", "d")
        b2b_path.write_text(b2b_path.read_text(encoding="utf-8") + "\n# someone else's comment\n", encoding="utf-8")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog), "never overwrite silently"
        assert "someone else's comment" in b2b_path.read_text(encoding="utf-8")
        await pilot.press("k")
        await pilot.pause()
        saved = b2b_path.read_text(encoding="utf-8")
        assert "id: B3-sdr-discounts" not in saved
        assert "# --- MAY: what agents do on their own" in saved, "comments are kept"
        assert not app.workshop.dirty


@pytest.mark.asyncio
async def test_undo_restores_a_deleted_rule_and_its_preview(app: StudioApp) -> None:
    original = app.workshop.stack
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("2")
        grid = app.query_one(PreviewGrid)
        assert cell(grid, "birch-health", SDR_MEETING) == "✔ go"
        await pilot.press("1", "down", "right", "enter", "down", "d")  # B14, the SDR's meetings
        assert app.workshop.dirty and "B14-sdr-meetings" not in {r.id for r in app.workshop.stack.rules}
        await pilot.press("2")
        assert cell(grid, "birch-health", SDR_MEETING) == "⚑ flag"
        await pilot.press("ctrl+z")
        assert app.workshop.stack == original and not app.workshop.dirty
        assert cell(grid, "birch-health", SDR_MEETING) == "✔ go"
        await pilot.press("ctrl+y")
        assert app.workshop.dirty


@pytest.mark.asyncio
async def test_quitting_with_unsaved_changes_asks(app: StudioApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("1", "down", "right", "enter", "d")
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("escape")
        assert isinstance(app.screen, StudioScreen) and app.is_running
        await pilot.press("ctrl+q", "q")
        await pilot.pause()
        assert not app.is_running


@pytest.mark.asyncio
async def test_saving_keeps_comments_and_a_clean_stack_quits_at_once(app: StudioApp, b2b_path: Path) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        editor = await open_b3(pilot)
        await replace_text(pilot, "#f-limits-0 Input", "params.discount_pct <= 12")
        await pilot.press("ctrl+s")
        assert app.screen is not editor
        await pilot.press("ctrl+s")
        saved = b2b_path.read_text(encoding="utf-8")
        assert "params.discount_pct <= 12" in saved and "# --- MAY: what agents do on their own" in saved
        assert Workshop.open(b2b_path).stack == app.workshop.stack
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


@pytest.mark.asyncio
async def test_an_edit_redraws_the_changed_cells_as_a_fresh_grid_would(app: StudioApp) -> None:
    """The grid repaints only the cells an edit changed, reusing the others' cached renders:
    what shows must be what a grid drawn afresh shows."""
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        grid = app.query_one(PreviewGrid)
        for text, verdict in (("params.discount_pct <= 20", "✔ go"), ("params.discount_pct <= 10", "⚑ flag")):
            change = app.apply_edit(partial(edits.set_limit, rule_id="B3-sdr-discounts", index=0, text=text), "set")
            assert change is not None and change.delta.changed and not change.delta.reshaped
            await settled_explanation(pilot)
            assert cell(grid, "birch-health", SDR_DISCOUNT) == verdict
            incremental = app.export_screenshot()
            assert verdict in _grid_lines(grid)[grid.get_row_index("birch-health") + grid.header_height]
            grid._clear_caches()  # what DataTable.update_cell would make it do: render every cell again
            grid.refresh()
            await pilot.pause()
            assert app.export_screenshot() == incremental


async def settled_explanation(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait for the explanation below the grid: the reasons, then what would flip it (a worker's search)."""
    panel = pilot.app.query_one(ExplanationPanel)
    await pilot.pause(EXPLAIN_DELAY)

    def settled() -> bool:
        text = str(panel.content)
        return "What would flip it" in text and "searching…" not in text

    await until(pilot, settled, state=lambda: panel.content)


def _grid_lines(grid: PreviewGrid) -> list[str]:
    return [grid.render_line(y).text for y in range(grid.size.height)]
