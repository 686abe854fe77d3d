"""`studio.completion`: what the condition editors offer at the cursor (shared by both studios)."""

from __future__ import annotations

import pytest

from studio.cel.check import FUNCTIONS
from studio.completion import GLOBAL_FUNCTIONS, complete, environment_for
from studio.document import load_file
from studio.stack import Stack
from tests.tui.conftest import B2B


@pytest.fixture(scope="module")
def stack() -> Stack:
    return load_file(B2B).stack


def offered(
    stack: Stack, text: str, actions: tuple[str, ...] = ("offer_discount",), cursor: int | None = None
) -> list[str]:
    return [c.insert for c in complete(environment_for(stack, actions), text, cursor).candidates]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("customer.ren", ["renewal_date", "renewal_stage"]),
        ("params.", ["discount_pct", "acv_impact_usd"]),
        ("history.exists(e, e.payload.", ["discount_pct", "positioning"]),
        ("history.exists(e, e.te", ["team"]),
        ("agent.", ["id", "team", "kind"]),
        ("now.get", ["getHours(", "getMinutes(", "getDayOfWeek("]),
        ("customer.renewal_stage == 'ne", ["negotiation'"]),
        ("history.exists(e, e.team == 'sa", ["sales'"]),
    ],
)
def test_candidates_come_from_the_stacks_schema(stack: Stack, text: str, expected: list[str]) -> None:
    assert offered(stack, text) == expected


def test_enum_values_are_offered_quoted_after_a_comparison_and_in_a_list(stack: Stack) -> None:
    values = ["'not_started'", "'open'", "'negotiation'", "'committed'", "'closed_won'", "'closed_lost'"]
    assert offered(stack, "customer.renewal_stage == ") == values
    assert offered(stack, "customer.renewal_stage in ['open', ") == values


def test_history_offers_its_macros_and_macro_variables_are_in_scope(stack: Stack) -> None:
    assert offered(stack, "history.")[:4] == ["exists(e, ", "all(e, ", "exists_one(e, ", "filter(e, "]
    assert offered(stack, "history.exists(x, ")[0] == "x"
    assert "x" not in offered(stack, "history.exists(x, x.team == 'sales') && ")


def test_params_are_those_every_covered_action_shares(stack: Stack) -> None:
    assert offered(stack, "params.", actions=("offer_discount", "send_marketing_email")) == []


def test_nothing_is_offered_right_after_an_operand(stack: Stack) -> None:
    assert offered(stack, "customer.arr_usd ") == []


def test_a_completion_replaces_the_word_being_typed(stack: Stack) -> None:
    text = "customer.ren && true"
    completion = complete(environment_for(stack, ()), text, cursor=12)
    chosen = next(c for c in completion.candidates if c.insert == "renewal_stage")
    assert completion.apply(text, chosen) == ("customer.renewal_stage && true", 22)


def test_every_global_function_offered_exists() -> None:
    assert set(GLOBAL_FUNCTIONS) <= set(FUNCTIONS)
