"""Explanations and "what would flip it": computed, and every promise checked by deciding."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.decision import Verdict
from studio.explain import explain
from studio.flip import AttributeChange, ParamChange, TimeChange, apply_changes
from studio.workshop import Workshop
from tests.conftest import NOW, STACK_FILES
from tests.workshop.conftest import B2B


@pytest.fixture(scope="module")
def b2b() -> Workshop:
    return Workshop.open(B2B, now=NOW)


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.stem)
def test_every_flip_of_every_sample_decision_gives_the_verdict_it_promises(path: Path) -> None:
    workshop = Workshop.open(path, now=NOW)
    policy, grid = workshop.policy, workshop.grid
    flipped = 0
    for customer in grid.customers:
        for column in grid.columns:
            explanation = workshop.explain(customer, column.agent, column.action)
            assert explanation.decision == grid.decision(customer, column)
            for flip in explanation.flips:
                assert flip.verdict is not explanation.decision.verdict, flip.words
                changed = apply_changes(explanation.request, flip.changes)
                assert policy.decide(changed).verdict is flip.verdict, flip.words
                assert flip.words.startswith(flip.verdict.value), flip.words
                flipped += 1
    assert flipped > len(grid.customers)  # the search finds something for most rows


BIG_DISCOUNT = {"discount_pct": 15, "acv_impact_usd": 30000}


def test_fired_rules_read_in_business_words_with_the_limit_asked(b2b: Workshop) -> None:
    explanation = b2b.explain("birch-health", "ai-sdr-agent", "offer_discount", params=BIG_DISCOUNT)
    assert explanation.headline == "flag → Deal desk (Sales)"
    [line] = explanation.rules
    assert line.words.startswith("Sales' may rule B3-sdr-discounts is over its limits, to Deal desk (Sales)")
    assert line.details == (
        "discount must be at most 10% (asked: 15%)",
        "ACV impact must be at most $20,000 (asked: $30,000)",
    )


def test_a_parameter_flip_names_the_threshold(b2b: Workshop) -> None:
    explanation = b2b.explain("birch-health", "support-agent", "issue_credit")
    assert explanation.decision.verdict is Verdict.GO
    flip = next(f for f in explanation.flips if f.kind == "parameter")
    assert flip.words == "flag if the amount is above $1,000 (now $500)"
    assert flip.changes == (ParamChange("amount_usd", 500.0, 1001.0),)


def test_two_parameters_together_when_neither_alone_is_enough(b2b: Workshop) -> None:
    explanation = b2b.explain("birch-health", "ai-sdr-agent", "offer_discount", params=BIG_DISCOUNT)
    flip = next(f for f in explanation.flips if f.verdict is Verdict.GO)
    assert (
        flip.words == "go if the discount is at most 10% (now 15%) and the ACV impact is at most $20,000 (now $30,000)"
    )


def test_a_time_flip_is_the_exact_moment_told_relative_to_the_event_behind_it(b2b: Workshop) -> None:
    explanation = b2b.explain("harbor-clinics", "support-agent", "trigger_winback")
    assert explanation.decision.verdict is Verdict.STOP
    [flip] = [f for f in explanation.flips if f.kind == "time"]
    assert flip.verdict is Verdict.GO
    assert flip.words == (
        "go after Friday 27 Nov 11:00 (in 4 days 1 hour), 7 days after the call outbound by Sales (Friday 20 Nov 11:00)"
    )
    [change] = flip.changes
    assert isinstance(change, TimeChange)
    request = explanation.request
    assert b2b.decide(apply_changes(request, [TimeChange(request.at, change.after - 1)])).verdict is Verdict.STOP


def test_quiet_hours_start_in_the_customers_time_zone(b2b: Workshop) -> None:
    explanation = b2b.explain("birch-health", "cs-health-agent", "send_checkin")
    flip = next(f for f in explanation.flips if f.kind == "time")
    assert flip.verdict is Verdict.STOP
    assert "20:00 in the customer's time zone (America/New_York)" in flip.words


def test_a_customer_fact_flip_reads_like_the_room_says_it(b2b: Workshop) -> None:
    explanation = b2b.explain("acme-logistics", "mkt-nurture-agent", "enroll_nurture")
    words = [f.words for f in explanation.flips if f.kind == "customer"]
    assert "go if the customer's renewal stage is committed (now negotiation)" in words
    assert "stop if the customer's holds include legal (now none)" in words
    flip = next(f for f in explanation.flips if f.words.startswith("go if the customer's renewal stage"))
    assert flip.changes == (AttributeChange("renewal_stage", "negotiation", "committed"),)


def test_flips_are_ordered_smallest_first(b2b: Workshop) -> None:
    explanation = b2b.explain("acme-logistics", "ai-sdr-agent", "offer_discount")
    sizes = [len(f.changes) for f in explanation.flips]
    assert sizes == sorted(sizes)


def test_explain_with_other_parameters_and_time(b2b: Workshop) -> None:
    explanation = b2b.explain(
        "birch-health", "ai-sdr-agent", "offer_discount", {"discount_pct": 5, "acv_impact_usd": 100}
    )
    assert explanation.decision.verdict is Verdict.GO
    later = b2b.explain("birch-health", "ai-sdr-agent", "offer_discount", at=NOW + 12 * 3_600_000_000)
    assert later.decision.verdict is Verdict.STOP  # 22:00 in New York: quiet hours
    assert later.to_json()["rules"][0]["rule"] == "B3-sdr-discounts"


def test_explain_without_search_and_as_json(b2b: Workshop) -> None:
    request = b2b.request("acme-logistics", "support-agent", "trigger_winback")
    explanation = explain(b2b.policy, request, search=False)
    assert explanation.flips == ()
    data = b2b.explain_request(request).to_json()
    assert data["verdict"] == "stop" and {r["rule"] for r in data["rules"] if r["decisive"]} == {
        "B2-no-winback-after-sales-touch",
        "B2b-no-winback-in-renewal",
    }
