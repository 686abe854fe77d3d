"""Differential tests: the studio's compiled conditions against cel-python's evaluator.

cel-python is the reference oracle. Generated well-typed conditions over generated customers
must give the same answer in both. The condition is printed in the "reference" spelling
(every number a double), because a stack has one number type where CEL has two.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import celpy
import pytest
from celpy import celtypes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.cel.check import check
from studio.cel.compile import compile_condition, comprehension_depth
from studio.cel.parse import parse
from studio.cel.printer import to_cel, to_reference_cel
from studio.clock import MICROS_PER_HOUR, from_micros
from studio.environment import base_environment, rule_environment
from studio.stack import Rule, RuleKind
from tests.conftest import NOW, tiny

STACK = tiny().stack
ENVIRONMENT = rule_environment(
    STACK,
    Rule(id="r", kind=RuleKind.MAY, owner="sales", rationale="x", actions=["offer_discount"]),
    base_environment(STACK),
)
CEL = celpy.Environment()

# -- generated conditions -----------------------------------------------------------------------

numbers = st.sampled_from([0, 1, 2, 3, 10, 15, 15.5, 100, 5000, 50000, 100000])
hours = st.sampled_from([1, 12, 24, 48, 24 * 7, 24 * 30])
teams = st.sampled_from(["sales", "marketing", "service"])
kinds = st.sampled_from(["call", "meeting", "offer_discount", "send_email"])
comparison = st.sampled_from(["<", "<=", ">", ">=", "==", "!="])

event_atoms = st.one_of(
    st.builds(lambda t: f"e.team == '{t}'", teams),
    st.builds(lambda k: f"e.kind in ['{k}', 'call']", kinds),
    st.builds(lambda h, op: f"now - e.at {op} hours({h})", hours, comparison),
    st.builds(lambda n, op: f"e.payload.discount_pct {op} {n}", numbers, comparison),
    st.just("e.agent == 'sdr'"),
    st.just("e.purpose != 'service'"),
)


def _combine(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, b: f"({a} && {b})", parts, parts),
        st.builds(lambda a, b: f"({a} || {b})", parts, parts),
        st.builds(lambda a: f"!({a})", parts),
    )


event_conditions = st.recursive(event_atoms, _combine, max_leaves=3)
numeric_terms = st.one_of(
    st.just("customer.arr"),
    st.just("params.pct"),
    st.builds(lambda n: f"(customer.arr + {n})", numbers),
    st.builds(lambda n: f"(params.pct * {n})", numbers),
    # Never by zero here: cel-python answers 0.0 / 0.0 as if it were an infinity, where CEL (and
    # the studio) give NaN; division by zero has its own tests in test_cel.py.
    st.builds(lambda n: f"(customer.arr / {n})", numbers.filter(bool)),
    st.builds(lambda n: f"({n} - params.pct)", numbers),
)
atoms = st.one_of(
    st.just("customer.vip"),
    st.builds(lambda t, op, n: f"{t} {op} {n}", numeric_terms, comparison, numbers),
    st.builds(lambda s: f"customer.stage == '{s}'", st.sampled_from(["pipeline", "renewal", "churned"])),
    st.just("customer.stage in ['renewal', 'churned']"),
    st.builds(lambda tag: f"'{tag}' in customer.tags", st.sampled_from(["legal", "fraud"])),
    st.just("size(customer.tags) > 0"),
    st.builds(lambda c: f"history.exists(e, {c})", event_conditions),
    st.builds(lambda c: f"history.all(e, {c})", event_conditions),
    st.builds(lambda c: f"history.exists_one(e, {c})", event_conditions),
    st.builds(
        lambda c, op, n: f"history.filter(e, {c}).size() {op} {n}", event_conditions, comparison, st.integers(0, 3)
    ),
    st.builds(lambda op, h: f"now - customer.since {op} hours({h})", comparison, hours),
    st.builds(lambda op, h: f"now.getHours(customer.tz) {op} {h}", comparison, st.integers(0, 23)),
    st.builds(lambda op, d: f"now.getDayOfWeek(customer.tz) {op} {d}", comparison, st.integers(0, 6)),
    st.builds(lambda p: f"customer.id.startsWith('{p}')", st.sampled_from(["c", "acme", ""])),
    st.builds(lambda n, m: f"(customer.vip ? params.pct : customer.arr) > {n} || params.pct < {m}", numbers, numbers),
)
conditions = st.recursive(atoms, _combine, max_leaves=4)

# -- generated customers ------------------------------------------------------------------------


@st.composite
def customers(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], tuple[dict[str, Any], ...]]:
    customer = {
        "id": draw(st.sampled_from(["c1", "acme-1", "zed"])),
        "arr": float(draw(st.sampled_from([0, 15, 5000, 50000, 100000, 250000]))),
        "stage": draw(st.sampled_from(["pipeline", "renewal", "churned"])),
        "vip": draw(st.booleans()),
        "tz": draw(st.sampled_from(["UTC", "America/New_York", "Asia/Tokyo", "Europe/Paris"])),
        "tags": tuple(draw(st.lists(st.sampled_from(["legal", "fraud"]), max_size=2, unique=True))),
        "since": NOW - draw(st.sampled_from([1, 24, 24 * 400])) * MICROS_PER_HOUR,
    }
    params = {"pct": float(draw(st.sampled_from([0, 5, 10, 15, 15.5, 40])))}
    history = tuple(
        {
            "at": NOW - draw(st.sampled_from([0, 1, 12, 24, 25, 48, 24 * 7, 24 * 8, 24 * 40])) * MICROS_PER_HOUR,
            "agent": draw(st.sampled_from(["sdr", "mkt", ""])),
            "team": draw(teams),
            "kind": draw(kinds),
            "channel": "email",
            "purpose": draw(st.sampled_from(["sales", "marketing", "service"])),
            "payload": {"discount_pct": float(draw(st.sampled_from([0, 10, 15, 20])))},
        }
        for _ in range(draw(st.integers(0, 4)))
    )
    return customer, params, history


def _time(micros: int) -> celtypes.TimestampType:
    return celtypes.TimestampType(from_micros(micros).replace(tzinfo=dt.UTC))


def _value(value: Any, key: str = "") -> Any:
    if key in ("at", "since"):
        return _time(value)
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int | float):
        return celtypes.DoubleType(float(value))
    if isinstance(value, str):
        return celtypes.StringType(value)
    if isinstance(value, tuple | list):
        return celtypes.ListType([_value(item) for item in value])
    if isinstance(value, dict):
        return celtypes.MapType({celtypes.StringType(k): _value(v, k) for k, v in value.items()})
    raise TypeError(value)


def reference(text: str, customer: dict[str, Any], params: dict[str, Any], history: tuple[dict[str, Any], ...]) -> bool:
    program = CEL.program(CEL.compile(to_reference_cel(parse(text))))
    activation = {
        "customer": _value(customer),
        "params": _value(params),
        "history": _value(history),
        "agent": _value({"id": "sdr", "team": "sales", "kind": "ai_agent"}),
        "action": _value({"id": "offer_discount", "decision": "pricing", "channel": "email", "purpose": "sales"}),
        "now": _time(NOW),
    }
    result = program.evaluate(activation)
    assert isinstance(result, celtypes.BoolType), f"reference gave {result!r} for {to_reference_cel(parse(text))}"
    return bool(result)


def studio(text: str, customer: dict[str, Any], params: dict[str, Any], history: tuple[dict[str, Any], ...]) -> bool:
    tree = parse(text)
    assert check(tree, ENVIRONMENT) == [], text
    variables = {
        "customer": customer,
        "params": params,
        "history": history,
        "agent": {"id": "sdr", "team": "sales", "kind": "ai_agent"},
        "action": {"id": "offer_discount", "decision": "pricing", "channel": "email", "purpose": "sales"},
        "now": NOW,
    }
    return bool(compile_condition(tree)(variables, [None] * max(1, comprehension_depth(tree))))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=conditions, data=customers())
def test_compiled_conditions_agree_with_cel_python(
    text: str, data: tuple[dict[str, Any], dict[str, Any], tuple[dict[str, Any], ...]]
) -> None:
    customer, params, history = data
    assert studio(text, customer, params, history) == reference(text, customer, params, history), text


@pytest.mark.parametrize("hours_ago", [23, 24, 25])
def test_window_edges_agree_with_cel_python(hours_ago: int) -> None:
    customer = {"id": "c1", "arr": 1.0, "stage": "pipeline", "vip": False, "tz": "UTC", "tags": (), "since": 0}
    params = {"pct": 1.0}
    history = (
        {
            "at": NOW - hours_ago * MICROS_PER_HOUR,
            "agent": "",
            "team": "sales",
            "kind": "call",
            "channel": "phone",
            "purpose": "sales",
            "payload": {"discount_pct": 0.0},
        },
    )
    text = "history.exists(e, e.team == 'sales' && now - e.at <= duration('24h'))"
    assert studio(text, customer, params, history) == reference(text, customer, params, history) == (hours_ago <= 24)


def test_canonical_printing_is_what_users_wrote() -> None:
    assert (
        to_cel(parse("history.filter(e, e.purpose == 'marketing').size() >= 2"))
        == "history.filter(e, e.purpose == 'marketing').size() >= 2"
    )


@pytest.mark.parametrize(
    ("text", "arr", "expected"),
    [
        ("(customer.arr / 0) > 0", 5.0, True),  # +infinity
        ("(customer.arr / 0) < 0", -5.0, True),  # -infinity
        ("(customer.arr / 0) > 0", 0.0, False),  # NaN: no comparison holds...
        ("(customer.arr / 0) <= 0", 0.0, False),
        ("(customer.arr / 0) != (customer.arr / 0)", 0.0, True),  # ...but !=
    ],
)
def test_division_by_zero_is_ieee_as_cel_says(text: str, arr: float, expected: bool) -> None:
    customer = {"id": "c1", "arr": arr, "stage": "pipeline", "vip": False, "tz": "UTC", "tags": (), "since": 0}
    assert studio(text, customer, {"pct": 1.0}, ()) is expected
