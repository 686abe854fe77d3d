"""The workshop session: edits, undo and redo, live problems, dirty state, and saving safely."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

import pytest

from studio import edits
from studio.decision import Verdict
from studio.errors import EditError, SaveConflictError, StackFileError, StackInvalidError, StudioError
from studio.samples import Column
from studio.stack import Stack
from studio.workshop import Workshop
from tests.conftest import DATA, NOW, SAMPLES
from tests.workshop.conftest import B2B

RAISE_DISCOUNT = partial(edits.set_limit, rule_id="B3-sdr-discounts", index=0, text="params.discount_pct <= 15")
TYPO = partial(edits.set_limit, rule_id="B3-sdr-discounts", index=0, text="params.discount_pt <= 15")


def test_a_fresh_workshop_is_clean_valid_and_has_its_grid(workshop: Workshop) -> None:
    assert workshop.valid and not workshop.dirty and not workshop.stale
    assert not workshop.can_undo and not workshop.can_redo
    assert len(workshop.grid.decisions) == 9 * 11
    assert workshop.problems == ()


def test_an_edit_makes_it_dirty_and_undo_restores_the_stack_exactly(workshop: Workshop) -> None:
    original = workshop.stack
    change = workshop.apply(RAISE_DISCOUNT)
    assert workshop.dirty and change.valid and change.label == "set limit"
    assert workshop.history == (("set limit",), ())
    workshop.undo()
    assert workshop.stack is original
    assert (workshop.dirty, workshop.can_redo) == (False, True)
    workshop.redo()
    assert (workshop.dirty, "params.discount_pct <= 15" in workshop.text()) == (True, True)


def test_undo_and_redo_with_nothing_to_do_raise_edit_error(workshop: Workshop) -> None:
    with pytest.raises(EditError, match="Nothing to undo"):
        workshop.undo()
    with pytest.raises(EditError, match="Nothing to redo"):
        workshop.redo()


def test_a_new_edit_after_undo_forgets_the_redo(workshop: Workshop) -> None:
    workshop.apply(RAISE_DISCOUNT)
    workshop.undo()
    workshop.apply(partial(edits.set_review_capacity, team_id="legal", per_day=9))
    assert not workshop.can_redo


def test_an_edit_that_cant_apply_leaves_the_workshop_unchanged(workshop: Workshop) -> None:
    before, version = workshop.stack, workshop.version
    for edit in (
        partial(edits.remove_rule, rule_id="nope"),
        partial(edits.set_limit, rule_id="B3-sdr-discounts", index="0", text="x"),  # type: ignore[arg-type]
        partial(edits.update_team, team_id="sales", review_capacity_per_day=-3),
        lambda stack: "not a stack",
    ):
        with pytest.raises(EditError):
            workshop.apply(edit)  # type: ignore[arg-type]
        assert workshop.stack is before and workshop.version == version and not workshop.can_undo


def test_an_edit_that_changes_nothing_is_not_an_undo_step(workshop: Workshop) -> None:
    workshop.apply(partial(edits.set_review_capacity, team_id="sales", per_day=25))
    assert not workshop.can_undo and not workshop.dirty


def test_an_invalid_edit_is_kept_with_located_problems_and_a_stale_grid(workshop: Workshop) -> None:
    grid = workshop.grid
    change = workshop.apply(TYPO)
    assert not change.valid and not workshop.valid and workshop.stale
    [problem] = workshop.problems
    assert problem.message == "params has no parameter 'discount_pt'"
    assert problem.hint == "did you mean 'discount_pct'?"
    text_line = workshop.text().splitlines()[problem.line - 1]
    assert text_line[problem.column - 1 :].startswith("discount_pt <= 15")
    assert problem.path == ("rules", 12, "limits", 0)
    assert workshop.grid is grid  # the last valid grid, still shown
    workshop.apply(RAISE_DISCOUNT)
    assert (workshop.valid, workshop.stale, workshop.problems) == (True, False, ())


def test_problems_of_a_new_rule_point_where_it_will_be_saved(workshop: Workshop) -> None:
    rule = {"id": "N1", "kind": "never", "owner": "sales", "rationale": "x", "when": "customer.tier == 'gold'"}
    workshop.apply(partial(edits.add_rule, rule=rule))
    [problem] = workshop.problems
    lines = workshop.text().splitlines()
    assert "customer.tier" in lines[problem.line - 1]
    assert lines[problem.line - 1][problem.column - 1 :].startswith("tier")


def test_save_writes_only_the_change_and_clears_dirty(workshop: Workshop, b2b_path: Path) -> None:
    original = b2b_path.read_text()
    workshop.apply(RAISE_DISCOUNT)
    workshop.save()
    assert not workshop.dirty and not workshop.changed_on_disk()
    saved = b2b_path.read_text()
    assert saved == original.replace("params.discount_pct <= 10", "params.discount_pct <= 15")


def test_an_edit_then_undo_saves_byte_for_byte_the_same(workshop: Workshop, b2b_path: Path) -> None:
    original = b2b_path.read_bytes()
    workshop.apply(RAISE_DISCOUNT)
    workshop.apply(partial(edits.remove_rule, rule_id="B5-weekly-touch-cap"))
    workshop.undo()
    workshop.undo()
    workshop.save()
    assert b2b_path.read_bytes() == original


def test_saving_an_invalid_stack_is_refused_unless_asked(workshop: Workshop, b2b_path: Path) -> None:
    original = b2b_path.read_bytes()
    workshop.apply(TYPO)
    with pytest.raises(StackInvalidError) as caught:
        workshop.save()
    assert caught.value.problems and b2b_path.read_bytes() == original
    workshop.save(allow_invalid=True)
    assert b"discount_pt <= 15" in b2b_path.read_bytes()
    reopened = Workshop.open(b2b_path, now=NOW)
    assert not reopened.valid and reopened.problems[0].line == workshop.problems[0].line


def test_a_change_on_disk_is_detected_not_overwritten(workshop: Workshop, b2b_path: Path) -> None:
    workshop.apply(RAISE_DISCOUNT)
    theirs = b2b_path.read_text().replace("review_capacity_per_day: 5", "review_capacity_per_day: 6")
    b2b_path.write_text(theirs)
    assert workshop.changed_on_disk()
    with pytest.raises(SaveConflictError):
        workshop.save()
    assert b2b_path.read_text() == theirs


def test_reload_takes_the_disk_version_and_undo_gets_mine_back(workshop: Workshop, b2b_path: Path) -> None:
    workshop.apply(RAISE_DISCOUNT)
    mine = workshop.stack
    b2b_path.write_text(b2b_path.read_text().replace("review_capacity_per_day: 5", "review_capacity_per_day: 6"))
    workshop.reload()
    assert (workshop.dirty, workshop.changed_on_disk()) == (False, False)
    assert next(t for t in workshop.stack.teams if t.id == "legal").review_capacity_per_day == 6
    workshop.undo()
    assert (workshop.stack is mine, workshop.dirty) == (True, True)
    workshop.save()  # the disk version is the one loaded now: no conflict
    assert "discount_pct <= 15" in b2b_path.read_text() and "review_capacity_per_day: 6" not in b2b_path.read_text()


def test_keep_mine_saves_over_a_change_on_disk(workshop: Workshop, b2b_path: Path) -> None:
    workshop.apply(RAISE_DISCOUNT)
    b2b_path.write_text(b2b_path.read_text() + "\n# someone else\n")
    workshop.keep_mine()
    assert "someone else" not in b2b_path.read_text() and not workshop.changed_on_disk()


def test_reload_of_a_broken_file_changes_nothing(workshop: Workshop, b2b_path: Path) -> None:
    before = workshop.stack
    b2b_path.write_text("format: [unclosed\n")
    with pytest.raises(StackFileError):
        workshop.reload()
    assert workshop.stack is before


def test_save_as_a_new_file_and_refuse_to_overwrite_one(workshop: Workshop, tmp_path: Path) -> None:
    target = tmp_path / "copy.yaml"
    workshop.save_as(target)
    assert target.read_bytes() == B2B.read_bytes() and workshop.path == target
    with pytest.raises(SaveConflictError):
        workshop.save_as(B2B)


def test_a_file_with_problems_opens_and_can_be_fixed(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    shutil.copyfile(DATA / "invalid" / "unknown_team.yaml", path)
    workshop = Workshop.open(path, now=NOW)
    assert not workshop.valid and workshop.problems[0].message == "unknown team 'salez'"
    with pytest.raises(StackInvalidError, match="fix them first"):
        workshop.policy  # noqa: B018 - there is no policy yet
    assert workshop.grid.columns == ()
    agent = next(a for a in workshop.stack.agents if a.team == "salez")
    workshop.apply(partial(edits.update_agent, agent_id=agent.id, team="sales"))
    assert (workshop.valid, bool(workshop.grid.columns)) == (True, True)


def test_a_file_that_isnt_a_stack_doesnt_open(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(StackFileError):
        Workshop.open(path)
    path.write_text("format: coordination-studio/v1\nname: x\nrules: [{id: r}]\n")
    with pytest.raises(StackInvalidError):
        Workshop.open(path)


def test_from_text_then_save_as(tmp_path: Path) -> None:
    workshop = Workshop.from_text(B2B.read_text(), source="upload.yaml", now=NOW)
    assert workshop.path is None and workshop.valid
    with pytest.raises(StackFileError):
        workshop.save()
    workshop.save_as(tmp_path / "upload.yaml")
    assert (tmp_path / "upload.yaml").read_text() == B2B.read_text()


def test_the_sample_clock_is_fixed_and_can_be_moved(workshop: Workshop) -> None:
    cell = ("sakura-robotics", Column("mkt-nurture-agent", "send_marketing_email"))
    assert workshop.grid.decisions[cell].verdict is Verdict.STOP  # the middle of the night in Tokyo
    change = workshop.set_sample_now(NOW + 12 * 3_600_000_000)
    assert workshop.sample_now == NOW + 12 * 3_600_000_000 and cell in change.delta.changed
    workshop.set_sample_now(None)
    assert workshop.grid.decisions[cell].verdict is Verdict.STOP


def test_decision_and_request_errors_name_what_is_wrong(workshop: Workshop) -> None:
    assert workshop.decision("acme-logistics", "ai-sdr-agent", "offer_discount").verdict is Verdict.FLAG
    with pytest.raises(StudioError, match="No sample customer 'acme'"):
        workshop.decision("acme", "ai-sdr-agent", "offer_discount")
    with pytest.raises(StudioError, match="doesn't propose 'send_dunning'"):
        workshop.decision("acme-logistics", "ai-sdr-agent", "send_dunning")
    with pytest.raises(StudioError, match="unknown parameter 'discount'"):
        workshop.request("acme-logistics", "ai-sdr-agent", "offer_discount", {"discount": 5})


def test_every_sample_opens_and_an_unedited_one_saves_identically(tmp_path: Path) -> None:
    for sample in sorted(SAMPLES.glob("*.yaml")):
        if sample.name.endswith(".tests.yaml"):
            continue
        path = tmp_path / sample.name
        shutil.copyfile(sample, path)
        workshop = Workshop.open(path, now=NOW)
        assert workshop.valid, (sample.name, workshop.problems)
        workshop.save()
        assert path.read_bytes() == sample.read_bytes()


def test_the_workshop_imports_no_user_interface() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, studio.workshop; print([m for m in ('textual', 'streamlit', 'tui', 'web') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_stack_type_is_kept(workshop: Workshop) -> None:
    assert isinstance(workshop.stack, Stack)


def test_a_bug_while_refreshing_leaves_the_workshop_as_it_was(
    workshop: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studio.live_grid import LiveGrid

    before, grid = workshop.stack, dict(workshop.grid.decisions)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(LiveGrid, "refresh", broken)
    with pytest.raises(RuntimeError):
        workshop.apply(RAISE_DISCOUNT)
    assert workshop.stack is before and not workshop.can_undo
    assert dict(workshop.grid.decisions) == grid and workshop.valid
