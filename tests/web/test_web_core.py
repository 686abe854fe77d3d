"""The small core pieces the browser studio asked for: the served folder's path rules
(`studio.folder`), conditions from pickers (`studio.condition_builder`), and re-applying a
session's edits over someone else's save (`studio.reapply`)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from studio import condition_builder as builder
from studio import edits
from studio.document import load_file
from studio.errors import EditError
from studio.folder import FolderError, StackFolder
from studio.reapply import disk_changes, reapply
from studio.stack import AllOf, Rule
from studio.workshop import Workshop
from tests.web.support import B2B, copy_samples

# -- the folder ---------------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> StackFolder:
    return StackFolder.at(copy_samples(tmp_path / "served"))


def test_the_folder_lists_stacks_not_suites_or_hidden_files(folder: StackFolder) -> None:
    (folder.root / ".hidden").mkdir()
    (folder.root / ".hidden" / "x.yaml").write_text("format: x\n")
    (folder.root / "team").mkdir()
    (folder.root / "team" / "draft.yml").write_text("format: x\n")
    names = [folder.relative(path) for path in folder.stacks()]
    assert B2B in names and "team/draft.yml" in names
    assert not any(name.endswith(".tests.yaml") or name.startswith(".") for name in names)


@pytest.mark.parametrize(
    "name",
    ["../x.yaml", "../../etc/passwd", "/etc/hosts", "team/../../x.yaml", "notes.txt", "", "a\x00.yaml"],
)
def test_names_outside_the_folder_or_not_stacks_are_refused(folder: StackFolder, name: str) -> None:
    with pytest.raises(FolderError):
        folder.resolve(name)


def test_a_symlink_leading_out_is_refused_and_not_listed(folder: StackFolder, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text((folder.root / B2B).read_text())
    (folder.root / "link.yaml").symlink_to(outside)
    with pytest.raises(FolderError, match="outside the studio's folder"):
        folder.resolve("link.yaml")
    assert "link.yaml" not in [path.name for path in folder.stacks()]


def test_an_absolute_name_inside_the_folder_is_fine(folder: StackFolder) -> None:
    assert folder.resolve(folder.root / B2B) == folder.root / B2B
    assert folder.resolve("new-stack.yaml") == folder.root / "new-stack.yaml"  # save as


def test_a_file_argument_serves_its_folder(folder: StackFolder) -> None:
    served, first = StackFolder.around(folder.root / B2B)
    assert served.root == folder.root and first == folder.root / B2B
    served, first = StackFolder.around(folder.root)
    assert first is None
    with pytest.raises(FolderError, match="no such file or folder"):
        StackFolder.around(folder.root / "missing.yaml")


def test_exports_are_read_only_from_inside_the_folder(folder: StackFolder, tmp_path: Path) -> None:
    (folder.root / "customers.csv").write_text("customer_id\n")
    (tmp_path / "secret.csv").write_text("customer_id\n")
    assert folder.data_file("customers.csv") == folder.root / "customers.csv"
    for name in ("../secret.csv", str(tmp_path / "secret.csv"), B2B, "missing.csv"):
        with pytest.raises(FolderError):
            folder.data_file(name)


# -- conditions from pickers ----------------------------------------------------------------------------


@pytest.fixture
def b2b() -> Workshop:
    return Workshop.open(Path(__file__).resolve().parents[2] / "sample_stacks" / B2B)


def _rule(workshop: Workshop, rule_id: str) -> Rule:
    return next(rule for rule in workshop.stack.rules if rule.id == rule_id)


@pytest.mark.parametrize(
    ("path", "comparison", "value", "expected"),
    [
        ("params.discount_pct", "at most", 15, "params.discount_pct <= 15"),
        ("params.acv_impact_usd", "above", 2.5, "params.acv_impact_usd > 2.5"),
        (
            "customer.renewal_stage",
            "is one of",
            ["open", "negotiation"],
            "customer.renewal_stage in ['open', 'negotiation']",
        ),
        (
            "customer.renewal_stage",
            "is none of",
            "open, committed",
            "!(customer.renewal_stage in ['open', 'committed'])",
        ),
        ("customer.cancellation_notice", "is false", None, "!customer.cancellation_notice"),
        ("customer.holds", "includes", "legal", "'legal' in customer.holds"),
        ("customer.holds", "is empty", None, "size(customer.holds) == 0"),
        ("customer.renewal_date", "within the next", 90, "customer.renewal_date - now <= days(90)"),
        ("action.purpose", "is", "sales", "action.purpose == 'sales'"),
    ],
)
def test_pickers_write_cel_that_checks(b2b: Workshop, path: str, comparison: str, value: object, expected: str) -> None:
    rule = _rule(b2b, "B3-sdr-discounts")
    fact = next(f for f in builder.facts(b2b.stack, rule) if f.path == path)
    text = builder.compare(fact, comparison, value)
    assert text == expected
    assert builder.check_text(b2b.stack, rule, text) == []


def test_sales_touched_the_customer_in_the_last_24_hours(b2b: Workshop) -> None:
    text = builder.history_touch(b2b.stack, by="sales", window=24, unit="hours")
    assert text == "history.exists(e, e.team == 'sales' && now - e.at <= hours(24))"
    counted = builder.history_touch(b2b.stack, purpose="marketing", channel="email", window=7, unit="days", at_least=2)
    assert counted == (
        "history.filter(e, e.purpose == 'marketing' && e.channel == 'email' && now - e.at <= days(7)).size() >= 2"
    )
    assert builder.history_touch(b2b.stack, by="ai-sdr-agent", other_team=True, window=1, unit="days").startswith(
        "history.exists(e, e.agent == 'ai-sdr-agent' && e.team != agent.team"
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda stack, fact: builder.compare(fact, "starts with", "x"),
        lambda stack, fact: builder.compare(fact, "at most", "ten"),
        lambda stack, fact: builder.history_touch(stack, by="salez"),
        lambda stack, fact: builder.history_touch(stack, window=-1),
        lambda stack, fact: builder.history_touch(stack, unit="weeks"),
    ],
)
def test_picker_mistakes_are_edit_errors(b2b: Workshop, call: object) -> None:
    fact = next(f for f in builder.facts(b2b.stack, _rule(b2b, "B3-sdr-discounts")) if f.path == "params.discount_pct")
    with pytest.raises(EditError):
        call(b2b.stack, fact)  # type: ignore[operator]


def test_typed_cel_is_checked_in_the_rules_environment(b2b: Workshop) -> None:
    rule = _rule(b2b, "B3-sdr-discounts")
    assert builder.check_text(b2b.stack, rule, "params.discount_pct <= 10") == []
    [syntax] = builder.check_text(b2b.stack, rule, "params.discount_pct <= ")
    assert syntax.column > 1
    [typo] = builder.check_text(b2b.stack, rule, "customer.renewal_stage == 'renewl'")
    assert "renewl" in typo.message
    assert builder.check_text(b2b.stack, rule, "  ")[0].message == "the condition is empty"


def test_one_expression_of_an_all_list_is_replaced_in_place(b2b: Workshop) -> None:
    when = _rule(b2b, "B1-renewal-window").when
    assert isinstance(when, AllOf)
    changed = builder.with_leaf(when, ("all", 1), "customer.renewal_date - now <= days(60)")
    assert isinstance(changed, AllOf) and changed.all[1] == "customer.renewal_date - now <= days(60)"
    assert changed.all[0] == when.all[0] and changed.all[2] == when.all[2]
    with pytest.raises(EditError):
        builder.with_leaf(when, ("all", 9), "true")
    assert builder.and_also(None, "true") == "true"
    assert builder.and_also("a == 1", "b == 2") == AllOf(all=["a == 1", "b == 2"])
    assert isinstance(builder.and_also(when, "true"), AllOf) and len(builder.and_also(when, "true").all) == 4  # type: ignore[union-attr]


# -- re-applying edits over someone else's save -----------------------------------------------------------


def _limit(rule_id: str, index: int, text: str) -> tuple[edits.Edit, str]:
    return partial(edits.set_limit, rule_id=rule_id, index=index, text=text), f"limit {rule_id}"


def test_edits_are_reapplied_over_the_newer_file(folder: StackFolder) -> None:
    mine, theirs = Workshop.open(folder.root / B2B), Workshop.open(folder.root / B2B)
    edit = _limit("B3-sdr-discounts", 0, "params.discount_pct <= 15")
    mine.apply(*edit)
    theirs.apply(partial(edits.set_decision_owner, decision_id="win-back", owner="service"), "own win-back")
    theirs.save()
    assert mine.changed_on_disk()
    assert [change.words for change in disk_changes(mine)] != []
    result = reapply(mine, [edit])
    assert result.complete and result.applied == ("limit B3-sdr-discounts",)
    mine.save()
    saved = load_file(folder.root / B2B).stack
    assert next(d for d in saved.decisions if d.id == "win-back").owner == "service"
    assert next(r for r in saved.rules if r.id == "B3-sdr-discounts").limits[0] == "params.discount_pct <= 15"


def test_an_edit_that_no_longer_applies_is_reported_not_lost_silently(folder: StackFolder) -> None:
    mine, theirs = Workshop.open(folder.root / B2B), Workshop.open(folder.root / B2B)
    same = _limit("B3-sdr-discounts", 0, "params.discount_pct <= 12")
    gone = _limit("B16-dunning-steps", 0, "params.step <= 3")
    mine.apply(*same)
    mine.apply(*gone)
    theirs.apply(*same)
    theirs.apply(partial(edits.remove_rule, rule_id="B16-dunning-steps"), "remove B16")
    theirs.save()
    result = reapply(mine, [same, gone])
    assert result.already == ("limit B3-sdr-discounts",)
    assert [label for label, _ in result.failed] == ["limit B16-dunning-steps"]
    assert not result.complete
    assert mine.can_undo  # the version from before the reload is one undo away
