"""Properties of the engine that must hold for any stack: order never matters, and a never rule
can only make things stricter."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.document import load_file
from studio.engine import compile_policy
from studio.samples import PreviewGrid, preview
from studio.stack import Rule, RuleKind, Stack
from tests.conftest import NOW, STACK_FILES

NEVER_CONDITIONS = [
    None,
    "customer.arr_usd > 100000",
    "history.exists(e, e.team == 'sales' && now - e.at <= days(3))",
    "action.purpose == 'marketing'",
    "now.getHours(customer.tz) < 9",
]


@cache
def _sample(path: Path) -> Stack:
    return load_file(path).stack


def _grid(stack: Stack) -> PreviewGrid:
    return preview(compile_policy(stack), at=NOW)


def _b2b() -> Stack:
    return _sample(next(path for path in STACK_FILES if path.stem == "b2b_saas_renewals"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), path=st.sampled_from(STACK_FILES))
def test_shuffling_rules_never_changes_a_decision(data: st.DataObject, path: Path) -> None:
    stack = _sample(path)
    shuffled = stack.model_copy(update={"rules": data.draw(st.permutations(stack.rules))})
    before, after = _grid(stack), _grid(shuffled)
    for key, decision in before.decisions.items():
        assert after.decisions[key].to_json() == decision.to_json()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    condition=st.sampled_from(NEVER_CONDITIONS),
    agents=st.lists(
        st.sampled_from(["mkt-nurture-agent", "ai-sdr-agent", "support-agent", "cs-health-agent", "billing-bot"]),
        max_size=2,
        unique=True,
    ),
    actions=st.lists(
        st.sampled_from(["send_marketing_email", "offer_discount", "trigger_winback", "issue_credit", "send_dunning"]),
        max_size=2,
        unique=True,
    ),
)
def test_adding_a_never_rule_never_makes_a_verdict_less_strict(
    condition: str | None, agents: list[str], actions: list[str]
) -> None:
    stack = _b2b()
    never = Rule(
        id="zz-added-never",
        kind=RuleKind.NEVER,
        owner="legal",
        rationale="added",
        agents=agents,
        actions=actions,
        when=condition,
    )
    stricter = stack.model_copy(update={"rules": [*stack.rules, never]})
    before, after = _grid(stack), _grid(stricter)
    for key, decision in before.decisions.items():
        assert after.decisions[key].verdict.severity >= decision.verdict.severity, key
