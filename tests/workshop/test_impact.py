"""The impact of a change: the rules in plain words, and every sample decision it changes."""

from __future__ import annotations

import shutil
import subprocess
from functools import partial
from pathlib import Path

import pytest

from studio import edits
from studio.changes import describe
from studio.decision import Verdict
from studio.document import load_file
from studio.git_file import GitError
from studio.impact import impact
from studio.stack import Stack
from studio.workshop import Workshop
from tests.conftest import NOW
from tests.workshop.conftest import B2B


@pytest.fixture(scope="module")
def stack() -> Stack:
    return load_file(B2B).stack


def words(old: Stack, new: Stack) -> list[str]:
    return [change.words for change in describe(old, new)]


def test_a_limit_change_is_told_with_its_numbers(stack: Stack) -> None:
    new = edits.set_limit(stack, "B3-sdr-discounts", 0, "params.discount_pct <= 15")
    assert words(stack, new) == ["Sales' discount limit on B3-sdr-discounts rose from 10% to 15%"]
    new = edits.set_limit(stack, "B11-support-credits", 0, "params.amount_usd <= 500")
    assert words(stack, new) == ["Customer Support's amount limit on B11-support-credits fell from $1,000 to $500"]


def test_numbers_inside_conditions_are_told_as_thresholds_and_windows(stack: Stack) -> None:
    new = edits.set_condition(stack, "B12-winback-lapsed", "customer.usage_trend_pct <= -50")
    assert words(stack, new) == [
        "In Customer Support's rule B12-winback-lapsed, the threshold `usage trend at most -40%` fell to -50%"
    ]
    when = "history.exists(e, e.team in ['sales', 'success'] && e.purpose != 'service' && now - e.at <= days(14))"
    new = edits.set_condition(stack, "B2-no-winback-after-sales-touch", when)
    assert words(stack, new) == [
        "In Sales' rule B2-no-winback-after-sales-touch, the window widened from 7 days to 14 days"
    ]


def test_other_condition_changes_are_quoted_before_and_after(stack: Stack) -> None:
    new = edits.set_condition(stack, "B9-marketing-nurture", "customer.health == 'green'")
    assert words(stack, new) == [
        "B9-marketing-nurture's condition is now `customer.health == 'green'` (was `customer.health != 'red'`)"
    ]


def test_owners_kinds_bindings_routes_defaults_and_rules_added_or_removed(stack: Stack) -> None:
    new = edits.set_decision_owner(stack, "renewal-conversation", "sales")
    new = edits.update_rule(new, "B3-sdr-discounts", route="sales", over_limit="stop", agents=[])
    new = edits.set_default(new, "ai_agent", "stop")
    new = edits.remove_rule(new, "B17-no-dunning-during-sev1")
    new = edits.update_team(new, "legal", review_capacity_per_day=8)
    new = edits.set_daily_volume(new, "billing-bot", "send_dunning", 40)
    assert words(stack, new) == [
        "Legal's review capacity rose from 5 a day to 8 a day",
        "The renewal conversation is now owned by Sales (was Customer Success)",
        "billing-bot's expected send_dunning volume rose from 25 a day to 40 a day",
        "Uncovered ai agent actions are now stopped (were flagged to the decision's owner)",
        "B3-sdr-discounts now binds every agent (was agent ai-sdr-agent)",
        "Beyond its limits B3-sdr-discounts now stops (was: flags)",
        "B3-sdr-discounts's over-limit flags now go to Sales (Marco Diaz) (were going to Deal desk (Sales))",
        "Removed rule B17-no-dunning-during-sev1 (NEVER, owned by service): "
        "No payment reminders while the customer is living through a Sev1.",
    ]


def test_impact_lists_every_sample_decision_and_step_that_changes(stack: Stack) -> None:
    new = edits.set_limit(stack, "B3-sdr-discounts", 0, "params.discount_pct <= 15")
    new = edits.set_limit(new, "B3-sdr-discounts", 1, "params.acv_impact_usd <= 40000")
    result = impact(stack, new, at=NOW)
    went = {cell.customer for cell in result.cells if cell.verdict_changed}
    assert went == {"birch-health", "delta-freight", "fjord-media", "harbor-clinics"}
    for cell in result.cells:
        assert cell.column.action == "offer_discount"
        if cell.verdict_changed:
            assert cell.before is not None and cell.after is not None
            assert (cell.before.verdict, cell.after.verdict) == (Verdict.FLAG, Verdict.GO)
    [step] = result.steps
    assert step.label == "Wednesday" and not step.verdict_changed
    assert step.before is not None and step.after is not None
    assert step.before.routes == ("csm-renewals", "deal-desk") and step.after.routes == ("csm-renewals",)
    data = result.to_json()
    assert data["changes"][0]["item"] == "B3-sdr-discounts" and len(data["cells"]) == len(result.cells)


def test_no_change_no_impact(stack: Stack) -> None:
    assert impact(stack, stack, at=NOW).empty


def test_the_workshop_shows_the_impact_against_the_file(workshop: Workshop) -> None:
    assert workshop.impact().empty
    workshop.apply(partial(edits.set_condition, rule_id="B8-quiet-hours", when="false"))
    result = workshop.impact()
    assert {cell.customer for cell in result.cells if cell.verdict_changed} == {"sakura-robotics"}
    assert result.changes[0].item == "B8-quiet-hours"


def test_the_workshop_compares_with_a_git_revision(b2b_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    folder = b2b_path.parent
    for args in (
        ["init", "-q"],
        ["add", b2b_path.name],
        ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "x"],
    ):
        subprocess.run([git, *args], cwd=folder, check=True)
    workshop = Workshop.open(b2b_path, now=NOW)
    workshop.apply(partial(edits.set_review_capacity, team_id="legal", per_day=6))
    workshop.save()
    result = workshop.impact_against("HEAD")
    assert [c.words for c in result.changes] == ["Legal's review capacity rose from 5 a day to 6 a day"]
    with pytest.raises(GitError, match="unknown revision"):
        workshop.impact_against("nope")
