"""Renames followed into condition text: only literals compared with a field of the renamed kind."""

from __future__ import annotations

import pytest

from studio.condition_rename import Renamed, rename_in_condition, rename_in_text
from studio.stack import AllOf, NoneOf


@pytest.mark.parametrize(
    ("renamed", "text", "expected"),
    [
        ("team", "agent.team == 'sales'", "agent.team == 'revenue'"),
        ("team", "'sales' != agent.team", "'revenue' != agent.team"),
        ("team", 'agent.team == "sales"', 'agent.team == "revenue"'),
        (
            "team",
            "history.exists(e, e.team in ['sales', 'success'] && now - e.at <= days(1))",
            "history.exists(e, e.team in ['revenue', 'success'] && now - e.at <= days(1))",
        ),
        # A filter of the history is still events; layout and other literals are kept.
        (
            "team",
            "history.filter(x, x.kind == 'call').exists(y,\n    y.team ==   'sales')",
            "history.filter(x, x.kind == 'call').exists(y,\n    y.team ==   'revenue')",
        ),
        ("agent", "agent.id == 'sales' || e_free == 1", "agent.id == 'revenue' || e_free == 1"),
        ("action", "history.exists(e, e.kind == 'sales')", "history.exists(e, e.kind == 'revenue')"),
        ("action", "action.id in ['sales', 'x']", "action.id in ['revenue', 'x']"),
        ("decision", "action.decision != 'sales'", "action.decision != 'revenue'"),
        # Left alone: another kind's field, a purpose spelled the same, a payload value, a
        # customer attribute, a list that isn't compared with a team, a text that doesn't parse.
        ("team", "action.purpose == 'sales'", "action.purpose == 'sales'"),
        ("team", "history.exists(e, e.purpose == 'sales')", "history.exists(e, e.purpose == 'sales')"),
        ("team", "history.exists(e, e.payload.owner == 'sales')", "history.exists(e, e.payload.owner == 'sales')"),
        ("team", "customer.segment == 'sales'", "customer.segment == 'sales'"),
        ("agent", "agent.team == 'sales'", "agent.team == 'sales'"),
        ("team", "agent.team == 'sales' &&", "agent.team == 'sales' &&"),
        ("team", "agent.team == 'sale\\x73'", "agent.team == 'sale\\x73'"),  # an escape: not rewritten
    ],
)
def test_rename_in_text(renamed: Renamed, text: str, expected: str) -> None:
    assert rename_in_text(text, renamed, "sales", "revenue") == expected


def test_a_list_condition_is_rewritten_leaf_by_leaf_and_kept_when_nothing_changes() -> None:
    condition = AllOf(all=["agent.team == 'sales'", NoneOf(none=["customer.vip", "agent.team != 'sales'"])])
    assert rename_in_condition(condition, "team", "sales", "revenue") == AllOf(
        all=["agent.team == 'revenue'", NoneOf(none=["customer.vip", "agent.team != 'revenue'"])]
    )
    assert rename_in_condition(condition, "team", "support", "service") is condition


def test_a_new_name_that_cannot_be_quoted_as_it_is_leaves_the_text() -> None:
    assert rename_in_text("agent.team == 'sales'", "team", "sales", "it's") == "agent.team == 'sales'"
