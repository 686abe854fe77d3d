"""The engine's semantics, as tables: precedence, limits, duties, routes, defaults, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from studio.clock import MICROS_PER_HOUR
from studio.decision import Effect, Verdict
from studio.engine import Policy
from studio.request import Request
from tests.conftest import NOW, tiny_policy

CUSTOMER = {"id": "c1", "arr": 50_000.0, "stage": "pipeline", "vip": False, "tz": "UTC", "tags": (), "since": 0}


def ask(
    policy: Policy,
    agent: str,
    action: str,
    *,
    params: dict[str, Any] | None = None,
    history: tuple[dict[str, Any], ...] = (),
    **attributes: Any,
) -> Any:
    customer = {**CUSTOMER, **attributes}
    if params is None:
        params = {"pct": 10.0} if action == "offer_discount" else {}
    return policy.decide(Request(agent, action, params, customer, history, NOW))


def event(
    hours_ago: float,
    *,
    team: str = "sales",
    kind: str = "call",
    purpose: str = "sales",
    agent: str = "",
    discount: float = 0,
) -> dict[str, Any]:
    return {
        "at": NOW - round(hours_ago * MICROS_PER_HOUR),
        "agent": agent,
        "team": team,
        "kind": kind,
        "channel": "phone",
        "purpose": purpose,
        "payload": {"discount_pct": discount},
    }


MAY_DISCOUNT = """
- id: may-discount
  kind: may
  owner: sales
  rationale: small discounts
  agents: [sdr]
  actions: [offer_discount]
  when: customer.stage == 'pipeline'
  limits: [params.pct <= 15]
  route: desk
"""
NEVER_LEGAL = """
- id: never-legal
  kind: never
  owner: sales
  rationale: legal hold
  when: "'legal' in customer.tags"
"""
MUST_VIP = """
- id: must-vip
  kind: must
  owner: marketing
  rationale: vip accounts are reviewed
  when: customer.vip
  duties:
    - {do: flag, to: owner}
    - {do: notify, to: service}
    - {do: log}
    - {do: disclose, text: Terms apply}
"""


@pytest.mark.parametrize(
    ("attributes", "pct", "verdict", "routes", "rules"),
    [
        ({}, 10.0, Verdict.GO, (), ("may-discount",)),
        ({}, 15.0, Verdict.GO, (), ("may-discount",)),  # the limit itself is within
        ({}, 15.5, Verdict.FLAG, ("desk",), ("may-discount",)),
        ({"stage": "renewal"}, 10.0, Verdict.FLAG, ("sales",), ()),  # uncovered: AI default flags to the owner
        ({"tags": ("legal",)}, 10.0, Verdict.STOP, (), ("may-discount", "never-legal")),
        ({"vip": True}, 10.0, Verdict.FLAG, ("sales",), ("may-discount", "must-vip")),
        ({"vip": True, "tags": ("legal",)}, 10.0, Verdict.STOP, (), ("may-discount", "must-vip", "never-legal")),
        ({"vip": True}, 50.0, Verdict.FLAG, ("sales", "desk"), ("may-discount", "must-vip")),
    ],
    ids=["within", "at-limit", "over-limit", "uncovered", "never", "must-flag", "never-beats-must", "must-and-limit"],
)
def test_precedence_limits_and_routes(
    attributes: dict[str, Any], pct: float, verdict: Verdict, routes: tuple[str, ...], rules: tuple[str, ...]
) -> None:
    policy = tiny_policy(MAY_DISCOUNT + NEVER_LEGAL + MUST_VIP)
    decision = ask(policy, "sdr", "offer_discount", params={"pct": pct}, **attributes)
    assert decision.verdict is verdict
    assert decision.routes == routes
    assert decision.rule_ids == rules


def test_must_duties_become_obligations_with_resolved_targets() -> None:
    decision = ask(tiny_policy(MAY_DISCOUNT + MUST_VIP), "sdr", "offer_discount", vip=True)
    assert [(o.duty, o.to, o.text) for o in decision.obligations] == [
        ("notify", "service", ""),
        ("log", "", ""),
        ("disclose", "", "Terms apply"),
    ]
    flag = next(rule for rule in decision.fired if rule.rule_id == "must-vip")
    assert flag.effect is Effect.FLAG and flag.routes == ("sales",)


def test_over_limit_stop_and_the_mildest_of_several_may_rules() -> None:
    rules = (
        MAY_DISCOUNT
        + """
- id: may-strict
  kind: may
  owner: sales
  rationale: strict
  agents: [sdr]
  actions: [offer_discount]
  limits: [params.pct <= 5]
  over_limit: stop
"""
    )
    policy = tiny_policy(rules)
    assert ask(policy, "sdr", "offer_discount", params={"pct": 4.0}).verdict is Verdict.GO
    # may-discount allows 10%: one permission is enough.
    assert ask(policy, "sdr", "offer_discount", params={"pct": 10.0}).verdict is Verdict.GO
    # both exceeded: may-discount flags, may-strict stops; the mildest applies.
    decision = ask(policy, "sdr", "offer_discount", params={"pct": 40.0})
    assert (decision.verdict, decision.routes) == (Verdict.FLAG, ("desk",))
    # Only may-strict covers a renewal: beyond its limit, stop.
    assert ask(policy, "sdr", "offer_discount", params={"pct": 40.0}, stage="renewal").verdict is Verdict.STOP


@pytest.mark.parametrize(
    ("agent", "action", "verdict", "route"),
    [
        ("mkt", "send_email", Verdict.FLAG, "marketing"),
        ("bot", "winback", Verdict.STOP, ""),
        ("mkt", "winback", Verdict.FLAG, "marketing"),
    ],
    ids=["ai-flags-to-owner", "automation-stops", "unowned-decision-goes-to-own-team"],
)
def test_defaults_by_agent_kind(agent: str, action: str, verdict: Verdict, route: str) -> None:
    decision = ask(tiny_policy(), agent, action)
    assert decision.verdict is verdict
    assert decision.default is not None and decision.default.verdict is verdict
    assert decision.routes == ((route,) if route else ())


@pytest.mark.parametrize(
    ("agent", "action", "why"),
    [
        ("ghost", "send_email", "not an agent"),
        ("sdr", "teleport", "not an action"),
        ("sdr", "winback", "doesn't declare"),
    ],
)
def test_requests_outside_the_stack_are_refused_with_a_reason(agent: str, action: str, why: str) -> None:
    decision = ask(tiny_policy(), agent, action)
    assert decision.verdict is Verdict.STOP
    assert why in decision.refusal


RECENT_SALES = """
- id: never-after-sales
  kind: never
  owner: sales
  rationale: no win-back after a sales touch
  actions: [winback]
  when: history.exists(e, e.team == 'sales' && now - e.at <= hours(24))
- id: cap
  kind: never
  owner: marketing
  rationale: at most two marketing touches a week
  actions: [send_email]
  when: history.filter(e, e.purpose == 'marketing' && now - e.at <= days(7)).size() >= 2
"""


@pytest.mark.parametrize(
    ("hours_ago", "stopped"),
    [(23.99, True), (24.0, True), (24.0 + 1 / 3600, False), (48, False)],
    ids=["inside", "exactly-24h", "one-second-outside", "well-outside"],
)
def test_history_windows_are_exact(hours_ago: float, stopped: bool) -> None:
    decision = ask(tiny_policy(RECENT_SALES), "mkt", "winback", history=(event(hours_ago),))
    assert (decision.verdict is Verdict.STOP) is stopped


def test_history_counts() -> None:
    policy = tiny_policy(RECENT_SALES)
    one = (event(10, team="marketing", purpose="marketing"),)
    two = (*one, event(100, team="marketing", purpose="marketing"))
    old = (*one, event(24 * 8, team="marketing", purpose="marketing"))
    assert ask(policy, "mkt", "send_email", history=one).verdict is Verdict.FLAG
    assert ask(policy, "mkt", "send_email", history=two).verdict is Verdict.STOP
    assert ask(policy, "mkt", "send_email", history=old).verdict is Verdict.FLAG


def test_reasons_list_the_decisive_ones_first() -> None:
    decision = ask(
        tiny_policy(MAY_DISCOUNT + NEVER_LEGAL + MUST_VIP), "sdr", "offer_discount", vip=True, tags=("legal",)
    )
    assert decision.reasons[0].text.startswith("Stopped by never-legal (Sales)")
    assert [reason.verdict for reason in decision.decisive_reasons] == [Verdict.STOP]


def test_decision_json_shape() -> None:
    decision = ask(tiny_policy(MAY_DISCOUNT + MUST_VIP), "sdr", "offer_discount", vip=True, params={"pct": 20.0})
    data = decision.to_json()
    assert set(data) == {"verdict", "routes", "obligations", "fired", "default", "reasons"}
    assert data["verdict"] == "flag"
    assert data["routes"] == ["sales", "desk"]
    assert data["fired"][0] == {
        "rule": "may-discount",
        "kind": "may",
        "owner": "sales",
        "effect": "over_limit",
        "verdict": "flag",
        "rationale": "small discounts",
        "condition": "customer.stage == 'pipeline'",
        "routes": ["desk"],
        "exceeded": ["params.pct <= 15"],
    }
