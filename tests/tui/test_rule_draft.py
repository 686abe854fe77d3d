"""`studio.rule_draft` and `studio.matrix`: a rule as a form, checked field by field, and the
rule matrix (shared by both studios)."""

from __future__ import annotations

import pytest

from studio import edits, rule_draft
from studio.document import load_file
from studio.matrix import UNBOUND, gist, rule_matrix, rules_for_cell, short_names
from studio.stack import RuleKind, Stack
from tests.tui.conftest import B2B


@pytest.fixture(scope="module")
def stack() -> Stack:
    return load_file(B2B).stack


def rule(stack: Stack, rule_id: str):  # type: ignore[no-untyped-def]
    return next(r for r in stack.rules if r.id == rule_id)


def test_every_rule_of_the_sample_round_trips_through_its_form(stack: Stack) -> None:
    for original in stack.rules:
        draft = rule_draft.draft_of(original)
        assert rule_draft.check(stack, draft) == ()
        assert edits.update_rule(stack, original.id, **rule_draft.to_data(draft)) == stack


def test_problems_are_reported_by_field_with_cel_columns(stack: Stack) -> None:
    draft = rule_draft.draft_of(rule(stack, "B3-sdr-discounts")).with_(
        owner="salez", limits=("params.discount_pt <= 15", "params.acv_impact_usd <= 20000")
    )
    problems = {p.field: p for p in rule_draft.check(stack, draft)}
    assert problems["owner"].hint == "did you mean 'sales'?"
    assert (problems["limits.0"].column, problems["limits.0"].hint) == (8, "did you mean 'discount_pct'?")


def test_a_structured_condition_is_edited_leaf_by_leaf(stack: Stack) -> None:
    original = rule(stack, "B1-renewal-window")
    draft = rule_draft.draft_of(original)
    assert draft.leaf_paths == (("all", 0), ("all", 1), ("all", 2))
    broken = draft.with_(when=(draft.when[0], "customer.foo > 1", draft.when[2]))
    assert [(p.field, p.column) for p in rule_draft.check(stack, broken)] == [("when.1", 10)]


def test_duties_are_written_one_per_line(stack: Stack) -> None:
    draft = rule_draft.new_draft(stack, RuleKind.MUST, "ai-sdr-agent").with_(
        rationale="Tell finance.", duties=("flag deal-desk", "notify finance", "log", "disclose Rates vary.", "shout")
    )
    assert [p.field for p in rule_draft.check(stack, draft)] == ["duties.4"]
    data = rule_draft.to_data(draft.with_(duties=draft.duties[:4]))
    assert data["duties"] == [
        {"do": "flag", "to": "deal-desk"},
        {"do": "notify", "to": "finance"},
        {"do": "log"},
        {"do": "disclose", "text": "Rates vary."},
    ]


def test_a_new_rule_needs_a_rationale_and_a_free_id(stack: Stack) -> None:
    draft = rule_draft.new_draft(stack, RuleKind.MAY, "ai-sdr-agent")
    assert (draft.id, draft.owner, draft.agents) == ("ai-sdr-agent-may", "sales", "ai-sdr-agent")
    assert [p.field for p in rule_draft.check(stack, draft)] == ["rationale"]
    assert [p.field for p in rule_draft.check(stack, draft.with_(rationale="Why.", id="B3-sdr-discounts"))] == ["id"]
    assert rule_draft.copy_of(stack, rule(stack, "B3-sdr-discounts")).id == "B3-sdr-discounts-copy"


def test_an_expression_is_checked_in_the_environment_of_the_drafts_actions(stack: Stack) -> None:
    draft = rule_draft.draft_of(rule(stack, "B3-sdr-discounts"))
    assert rule_draft.check_expression(stack, draft, "params.discount_pct <= 20") == []
    elsewhere = draft.with_(actions="send_marketing_email")
    assert "has no" in rule_draft.check_expression(stack, elsewhere, "params.discount_pct <= 20")[0].message


def test_the_matrix_lists_each_agents_rules_by_kind(stack: Stack) -> None:
    rows = {row.agent: row for row in rule_matrix(stack)}
    sdr = rows["ai-sdr-agent"]
    assert sdr.rules[RuleKind.MAY] == ("B3-sdr-discounts", "B14-sdr-meetings")
    assert "B6-holds-and-freezes" in sdr.rules[RuleKind.NEVER]
    assert UNBOUND not in rows, "every sample rule binds some agent"
    assert rules_for_cell(stack, "ai-sdr-agent", "offer_discount")[:2] == ["B1-renewal-window", "B5-weekly-touch-cap"]
    assert short_names(stack)["B3-sdr-discounts"] == "B3"
    assert gist(stack, rule(stack, "B3-sdr-discounts")) == (
        "offer_discount · when !customer.cancellation_notice · go within discount at most 10%, "
        "ACV impact at most $20,000, else flag → Deal desk (Sales)"
    )


def test_a_rule_binding_no_agent_gets_a_row_of_its_own(stack: Stack) -> None:
    lonely = rule_draft.to_data(
        rule_draft.new_draft(stack, RuleKind.NEVER).with_(rationale="x", agents="", actions="unknown_action")
    )
    changed = edits.add_rule(stack, lonely)
    assert rule_matrix(changed)[-1].agent == UNBOUND
