"""CEL conditions: what parses, what the checker refuses (and where), and how it prints back."""

from __future__ import annotations

import pytest

from studio.cel.check import check
from studio.cel.parse import CelSyntaxError, parse
from studio.cel.printer import to_cel
from studio.cel.types import Environment
from studio.environment import base_environment, rule_environment
from studio.stack import Rule, RuleKind
from tests.conftest import tiny


@pytest.fixture(scope="module")
def environment() -> Environment:
    """What a rule covering offer_discount sees in the tiny stack (params.pct among others)."""
    stack = tiny().stack
    covering = Rule(id="r", kind=RuleKind.MAY, owner="sales", rationale="x", actions=["offer_discount"])
    return rule_environment(stack, covering, base_environment(stack))


@pytest.mark.parametrize(
    "text",
    [
        "customer.arr >= 100000 && params.pct <= 15",
        "history.exists(e, e.team == 'sales' && now - e.at <= duration('24h'))",
        "history.filter(e, e.purpose == 'marketing' && e.at > now - days(7)).size() > 2",
        "customer.stage in ['pipeline', 'renewal'] ? customer.arr > 10 : customer.vip",
        "now.getHours(customer.tz) >= 20 || now.getHours('Europe/Paris') < 8",
        "'legal' in customer.tags && size(customer.tags) == 1",
        "!customer.vip && -customer.arr < 0.5",
        "customer.id.startsWith('acme') || customer.id.endsWith('-x') || customer.id.contains('y')",
        "history.all(e, e.kind != 'call') && history.exists_one(e, e.agent == 'sdr')",
        "customer.since < timestamp('2026-01-01T00:00:00Z') && now - customer.since >= hours(24 * 365)",
        "true",
    ],
)
def test_well_typed_conditions_have_no_problems(environment: Environment, text: str) -> None:
    assert check(parse(text), environment) == []


@pytest.mark.parametrize(
    ("text", "message", "column", "hint"),
    [
        ("customer.ar > 5", "customer has no attribute 'ar'", 10, "did you mean 'arr'?"),
        ("customer.stage == 'renewl'", "'renewl' is not a value of stage", 19, "did you mean 'renewal'?"),
        ("customer.stage in ['pipeline', 'lost']", "'lost' is not a value of stage", 32, ""),
        ("customer.arr == 'big'", "can't compare a number with a string", 10, ""),
        ("customer.arr", "a condition must be true or false, but this is a number", 10, ""),
        ("params.discount <= 15", "params has no parameter 'discount'", 8, "valid: pct"),
        ("custmer.vip", "unknown variable 'custmer'", 1, "did you mean 'customer'?"),
        ("size(customer.arr) > 1", "size() counts a list or a string, not a number", 1, ""),
        ("now - duration('7d') > customer.since", "CEL durations have no day unit", 16, ""),
        ("history.exists(e, e.teem == 'sales')", "event has no field 'teem'", 21, "did you mean 'team'?"),
        ("history.exists(e, e.team == 'salez')", "'salez' is not a value of team", 29, "did you mean 'sales'?"),
        ("now.getHours('Mars/Base') > 3", "unknown time zone 'Mars/Base'", 14, ""),
        ("frobnicate(1)", "unknown function 'frobnicate'", 1, ""),
        ("customer.vip && 3", "'&&' needs true or false on both sides, not a number", 17, ""),
        ("customer.stage < 'x'", "'<' orders numbers, times and durations", 10, ""),
    ],
)
def test_type_problems_name_the_column_and_the_fix(
    environment: Environment, text: str, message: str, column: int, hint: str
) -> None:
    problems = check(parse(text), environment)
    assert problems, text
    first = problems[0]
    assert message in first.message
    assert first.column == column
    if hint:
        assert first.hint == hint


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("customer.arr >", "ends too early", 15),
        ("customer.arr >= && 3", "unexpected '&&'", 17),
        ("customer.tags[0] == 'legal'", "indexing with [...] is not supported", 10),
        ("has(customer.vip)", "has() is not supported", 1),
        ("customer.arr % 2 == 0", "remainder operator", 10),
        ("{'a': 1}.a == 1", "map literal", 1),
        ("customer.arr @ 2", "unexpected character '@'", 14),
        ("", "empty", 1),
    ],
)
def test_syntax_errors_point_at_the_spot(text: str, message: str, column: int) -> None:
    with pytest.raises(CelSyntaxError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.column == column


def test_very_long_conditions_are_refused() -> None:
    with pytest.raises(CelSyntaxError, match="limit"):
        parse(" || ".join(["customer.vip"] * 400))


@pytest.mark.parametrize(
    "text",
    [
        "customer.arr >= 100000 && params.pct <= 15",
        "(a || b) && c",
        "a || b && c",
        "a - (b - c)",
        "a - b - c",
        "!(a && b)",
        "x ? y : z ? w : v",
        "history.filter(e, e.team == 'sales').size() > 2",
        "'it\\'s' == s",
    ],
)
def test_printing_round_trips_through_the_parser(text: str) -> None:
    tree = parse(text)
    assert parse(to_cel(tree)) == tree
