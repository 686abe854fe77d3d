"""The engine's rule index: which conjuncts count as guards, and what an index keeps per value.

Whole decisions with the index are compared with a plain evaluation of every rule in
`tests/benchmarks/test_bench_fixtures.py` (sample stacks, the generated stack, odd values)."""

from __future__ import annotations

from typing import Any

import pytest

from studio.cel.parse import parse
from studio.stack import ValueSpec, ValueType
from studio.step_index import Guard, StepIndex, guards_of, index_steps

ATTRIBUTES = {
    "tier": ValueSpec(type=ValueType.ENUM, values=["free", "pro", "enterprise"]),
    "stage": ValueSpec(type=ValueType.ENUM, values=["open", "won", "lost"]),
    "vip": ValueSpec(type=ValueType.BOOL),
    "arr": ValueSpec(type=ValueType.NUMBER),
    "holds": ValueSpec(type=ValueType.LIST, items="enum", values=["legal", "credit"]),
}
ANY: frozenset[Any] = frozenset()


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("customer.tier == 'pro'", {"tier": Guard(frozenset({"pro"}), ANY, 2)}),
        ("'pro' == customer.tier", {"tier": Guard(frozenset({"pro"}), ANY, 2)}),
        ("customer.tier != 'pro'", {"tier": Guard(None, frozenset({"pro"}), 1)}),
        ("customer.tier in ['pro', 'free'] && customer.arr > 5", {"tier": Guard(frozenset({"pro", "free"}), ANY, 1)}),
        ("!(customer.tier in ['pro', 'free'])", {"tier": Guard(None, frozenset({"pro", "free"}), 2)}),
        (
            "customer.vip && customer.stage == 'open'",
            {"vip": Guard(frozenset({True}), ANY, 1), "stage": Guard(frozenset({"open"}), ANY, 2)},
        ),
        ("!customer.vip", {"vip": Guard(frozenset({False}), ANY, 1)}),
        (
            "!(customer.vip || customer.tier == 'free')",
            {"vip": Guard(frozenset({False}), ANY, 1), "tier": Guard(None, frozenset({"free"}), 1)},
        ),
        (
            "customer.tier == 'pro' && customer.tier != 'free'",
            {"tier": Guard(frozenset({"pro"}), frozenset({"free"}), 2)},
        ),
        # Not guards: a disjunction, numbers, lists, a test inside a comprehension.
        ("customer.tier == 'pro' || customer.vip", {}),
        ("customer.arr > 5", {}),
        ("'legal' in customer.holds", {}),
        ("history.exists(e, e.kind == 'call') && customer.arr > 1", {}),
        ("customer.tier != 'pro' || customer.tier == 'pro'", {}),
    ],
)
def test_guards_are_the_top_level_tests_on_enum_and_bool_attributes(condition: str, expected: dict[str, Guard]) -> None:
    assert guards_of(parse(condition), ATTRIBUTES) == expected


def _leaf(entries: Any) -> tuple[str, ...]:
    return tuple(entries)


def test_an_index_keeps_per_value_the_rules_that_could_fire_in_their_order() -> None:
    conditions = {
        "a": "customer.tier == 'pro'",
        "b": "customer.arr > 5",
        "c": "customer.tier in ['free', 'pro']",
        "d": "customer.tier != 'free'",
        "e": "customer.tier == 'enterprise'",
    }
    guards = [guards_of(parse(text), ATTRIBUTES) for text in conditions.values()]
    index = index_steps(list(conditions), guards, ATTRIBUTES, _leaf)
    assert isinstance(index, StepIndex)
    assert index.lookup({"tier": "free"}) == ("b", "c")
    assert index.lookup({"tier": "pro"}) == ("a", "b", "c", "d")
    assert index.lookup({"tier": "enterprise"}) == ("b", "d", "e")
    assert index.lookup({"tier": "gold"}) == ("b", "d")  # unknown: every == and in fails, != holds
    assert index.lookup({}) == tuple(conditions)  # absent: nothing ruled out
    assert index.lookup({"tier": ["pro"]}) == tuple(conditions)  # unhashable: nothing ruled out


def test_a_bool_index_rules_out_nothing_for_a_value_that_is_not_a_bool() -> None:
    guards = [guards_of(parse(text), ATTRIBUTES) for text in ("customer.vip", "!customer.vip", "customer.arr > 1")]
    index = index_steps(["yes", "no", "any"], guards, ATTRIBUTES, _leaf)
    assert isinstance(index, StepIndex)
    assert index.lookup({"vip": True}) == index.lookup({"vip": 1}) == ("yes", "any")
    assert index.lookup({"vip": False}) == index.lookup({"vip": 0}) == ("no", "any")
    assert index.lookup({"vip": "sometimes"}) == ("yes", "no", "any")


def test_no_index_when_it_would_skip_less_than_one_rule_per_decision() -> None:
    guards = [guards_of(parse(text), ATTRIBUTES) for text in ("customer.tier != 'free'", "customer.arr > 1")]
    assert index_steps(["a", "b"], guards, ATTRIBUTES, _leaf) is None


def test_indexes_nest_on_a_second_attribute_where_that_pays() -> None:
    conditions = [
        "customer.tier == 'pro' && customer.stage == 'open'",
        "customer.tier == 'pro' && customer.stage == 'won'",
        "customer.tier == 'free' && customer.stage == 'lost'",
        "customer.tier == 'enterprise'",
    ]
    guards = [guards_of(parse(text), ATTRIBUTES) for text in conditions]
    index = index_steps(list(range(4)), guards, ATTRIBUTES, _leaf)
    assert isinstance(index, StepIndex)
    assert index.lookup({"tier": "pro", "stage": "won"}) == (1,)
    # One rule left for free customers: asking their stage too would save less than it costs.
    assert index.lookup({"tier": "free", "stage": "won"}) == (2,)
    assert index.lookup({"tier": "enterprise", "stage": "won"}) == (3,)
