"""What-if sweeps: a rule's numbers, rewritten one at a time, and the decisions that move."""

from __future__ import annotations

import pytest

from studio.decision import Verdict
from studio.engine import compile_policy
from studio.errors import EditError
from studio.samples import preview
from studio.whatif import knob, knobs, parse_values, with_value
from studio.workshop import Workshop
from tests.conftest import NOW, STACK_FILES


def rule_of(workshop: Workshop, rule_id: str):  # type: ignore[no-untyped-def]
    return next(r for r in workshop.stack.rules if r.id == rule_id)


def test_a_rules_numbers_are_its_knobs(workshop: Workshop) -> None:
    found = knobs(rule_of(workshop, "B3-sdr-discounts"))
    assert [(k.key, k.value, k.words) for k in found] == [
        ("limits.0", 10.0, "discount at most 10%"),
        ("limits.1", 20000.0, "ACV impact at most $20,000"),
    ]
    [window] = knobs(rule_of(workshop, "B1-renewal-window"))
    assert window.key == "when.all.1" and window.words == "window of 90 days in customer.renewal_date - now <= days(90)"
    cap = [k.key for k in knobs(rule_of(workshop, "B5-weekly-touch-cap"))]
    assert cap == ["when#1", "when#2"]
    assert knobs(rule_of(workshop, "B10-support-replies")) == []


def test_a_knob_rewrites_only_its_number(workshop: Workshop) -> None:
    stack = workshop.stack
    rule = rule_of(workshop, "B12-winback-lapsed")
    changed = with_value(stack, knob(rule, "when"), -55)
    assert next(r for r in changed.rules if r.id == rule.id).when == "customer.usage_trend_pct <= -55"
    window = knob(rule_of(workshop, "B1-renewal-window"), None)
    changed = with_value(stack, window, 30)
    when = next(r for r in changed.rules if r.id == "B1-renewal-window").when
    assert when is not None and when.all[1] == "customer.renewal_date - now <= days(30)"  # type: ignore[union-attr]
    positive = with_value(stack, knob(rule_of(workshop, "B3-sdr-discounts"), None), -2.5)
    assert next(r for r in positive.rules if r.id == "B3-sdr-discounts").limits[0] == "params.discount_pct <= (-2.5)"


def test_an_unknown_number_says_which_there_are(workshop: Workshop) -> None:
    with pytest.raises(EditError, match=r"did you mean 'limits\.1'"):
        workshop.whatif("B3-sdr-discounts", [1], number="limits.7")
    with pytest.raises(EditError, match="no numbers to vary"):
        workshop.whatif("B10-support-replies", [1])
    with pytest.raises(EditError, match="No rule 'B3'"):
        workshop.whatif("B3", [1])


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.stem)
def test_a_sweep_counts_what_deciding_from_scratch_finds(path: object) -> None:
    workshop = Workshop.open(path, now=NOW)  # type: ignore[arg-type]
    stack = workshop.stack
    rule = next(r for r in stack.rules if knobs(r))
    chosen = knobs(rule)[0]
    values = [chosen.value - 3, chosen.value, chosen.value + 3]
    sweep = workshop.whatif(rule.id, values, chosen.key)
    baseline = preview(compile_policy(stack), at=workshop.sample_now)
    for point in sweep.points:
        grid = preview(compile_policy(with_value(stack, chosen, point.value)), at=workshop.sample_now)
        expected = {cell for cell, d in grid.decisions.items() if d.verdict is not baseline.decisions[cell].verdict}
        assert {(c.customer, c.column) for c in point.changed} == expected
        assert sum(point.counts.values()) == len(grid.decisions)
        assert point.counts[Verdict.GO] == sum(d.verdict is Verdict.GO for d in grid.decisions.values())
    assert workshop.stack is stack  # a sweep changes nothing in the workshop


def test_the_b2b_win_back_window_sweep(workshop: Workshop) -> None:
    sweep = workshop.whatif("B2-no-winback-after-sales-touch", parse_values("1..10"))
    moved = {point.value: [(c.customer, c.column.action) for c in point.changed] for point in sweep.points}
    assert moved[1.0] == moved[2.0] == [("harbor-clinics", "trigger_winback")]  # its sales call was 3 days ago
    assert all(not moved[float(days)] for days in range(3, 11))
    data = sweep.to_json()
    assert data["number"] == "when" and data["points"][0]["changed"] == 1


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("10..13", [10, 11, 12, 13]),
        ("10..25:5", [10, 15, 20, 25]),
        ("0..1:0.25", [0, 0.25, 0.5, 0.75, 1]),
        ("5..3", [5, 4, 3]),
        ("10, 12.5,15", [10, 12.5, 15]),
    ],
)
def test_values_to_sweep(text: str, values: list[float]) -> None:
    assert parse_values(text) == values


@pytest.mark.parametrize("text", ["10..x", "", "1..1000", "1..5:0", "1..5:-1"])
def test_values_that_cant_be_swept(text: str) -> None:
    with pytest.raises(ValueError):
        parse_values(text)
