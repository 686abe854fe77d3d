"""Comparing two versions cell by cell: same, more or less permissive, or incomparable, with
a witness the engine confirms for every difference."""

from __future__ import annotations

from studio.analysis.compare import compare
from studio.decision import Verdict
from studio.engine import compile_policy
from studio.stack import Stack
from tests.conftest import NOW, tiny

OLD = """
- id: y-small
  kind: may
  owner: sales
  rationale: small discounts
  agents: [sdr]
  actions: [offer_discount]
  limits: [params.pct <= 10]
- id: y-mkt-email
  kind: may
  owner: marketing
  rationale: marketing emails
  agents: [mkt]
  actions: [send_email]
  when: customer.stage == 'pipeline'
- id: n-churned
  kind: never
  owner: marketing
  rationale: nothing to churned customers
  actions: [winback]
  when: customer.stage == 'churned'
"""
RANK = {Verdict.STOP: 0, Verdict.FLAG: 1, Verdict.GO: 2}


def _check_witnesses(old: Stack, new: Stack, comparison: object) -> None:
    old_policy, new_policy = compile_policy(old), compile_policy(new)
    for cell in comparison.cells:  # type: ignore[attr-defined]
        for direction, witness in (("more", cell.more), ("less", cell.less)):
            if witness is None:
                continue
            new_rank = RANK[new_policy.decide(witness.request).verdict]
            old_rank = RANK[old_policy.decide(witness.request).verdict]
            assert (new_rank > old_rank) if direction == "more" else (new_rank < old_rank)
            assert witness.decision == new_policy.decide(witness.request)
            assert witness.compared == old_policy.decide(witness.request)


def test_a_laxer_limit_is_more_permissive_and_nothing_else_changes() -> None:
    old = tiny(OLD).stack
    new = tiny(OLD.replace("params.pct <= 10", "params.pct <= 20")).stack
    comparison = compare(old, new, reference=NOW)
    assert comparison.cell("sdr", "offer_discount").relation == "more"
    witness = comparison.cell("sdr", "offer_discount").more
    assert witness is not None and 10 < witness.request.params["pct"] <= 20
    assert {cell.relation for cell in comparison.cells if (cell.agent, cell.action) != ("sdr", "offer_discount")} == {
        "same"
    }
    _check_witnesses(old, new, comparison)


def test_narrower_and_wider_at_once_is_incomparable() -> None:
    old = tiny(OLD).stack
    new = tiny(OLD.replace("customer.stage == 'pipeline'", "customer.stage == 'renewal'")).stack
    comparison = compare(old, new, reference=NOW)
    change = comparison.cell("mkt", "send_email")
    # pipeline customers lose the permission (go -> flag), renewal customers gain it.
    assert change.relation == "incomparable"
    assert change.more is not None and change.less is not None
    _check_witnesses(old, new, comparison)


def test_a_new_never_rule_is_less_permissive() -> None:
    old = tiny(OLD).stack
    new = tiny(OLD.replace("customer.stage == 'churned'", "customer.stage in ['churned', 'renewal']")).stack
    comparison = compare(old, new, reference=NOW)
    assert comparison.cell("mkt", "winback").relation == "less"  # flagged by default before, now stopped
    assert comparison.cell("bot", "winback").relation == "same"  # an automation's default was stop already
    assert [cell.relation for cell in comparison.changed] == ["less"]
    _check_witnesses(old, new, comparison)
    data = comparison.to_json()
    assert data["counts"]["less"] == 1


def test_identical_versions_are_the_same_everywhere() -> None:
    stack = tiny(OLD).stack
    assert not compare(stack, stack, reference=NOW).changed
