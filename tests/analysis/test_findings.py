"""Each kind of finding on small purpose-built stacks: found (with a witness the engine
confirms) where it must be, absent where it must not be."""

from __future__ import annotations

from studio.analysis import CODES, Severity, analyze
from studio.decision import Effect, Verdict
from studio.engine import compile_policy
from tests.analysis.conftest import absent, confirmed, found, tiny_report
from tests.conftest import NOW, tiny

MUST_FLAG = """
- id: m-renewal
  kind: must
  owner: sales
  rationale: renewal touches are reviewed
  actions: [send_email]
  when: customer.stage == 'renewal'
  duties: [{do: flag, to: sales}]
"""


def fired_ids(decision: object) -> set[str]:
    return {rule.rule_id for rule in decision.fired}  # type: ignore[attr-defined]


# -- conflict.must-never -----------------------------------------------------------------------


def test_must_and_never_on_the_same_request_are_a_conflict_with_a_confirmed_witness() -> None:
    rules = (
        MUST_FLAG
        + """
- id: n-vip
  kind: never
  owner: marketing
  rationale: no email to VIPs
  actions: [send_email]
  when: customer.vip && customer.arr >= 100000
"""
    )
    report = tiny_report(rules)
    finding = found(report, "conflict.must-never", "m-renewal", "n-vip")
    assert finding.severity is Severity.WARNING  # a flag the other team's stop makes moot
    assert set(finding.teams) == {"sales", "marketing"}
    decision = confirmed(tiny(rules).stack, finding)[-1]
    assert {"m-renewal", "n-vip"} <= fired_ids(decision)
    assert decision.verdict is Verdict.STOP  # type: ignore[attr-defined]
    customer = finding.witness.request.customer  # type: ignore[union-attr]
    assert customer["stage"] == "renewal" and customer["vip"] and customer["arr"] >= 100000
    assert "?" in finding.question and "Sales" in finding.question


def test_must_and_never_that_cannot_meet_are_no_conflict() -> None:
    report = tiny_report(
        MUST_FLAG
        + """
- id: n-churned
  kind: never
  owner: marketing
  rationale: no email to churned customers
  actions: [send_email]
  when: customer.stage == 'churned'
"""
    )
    absent(report, "conflict.must-never", "m-renewal")


def test_a_conflict_through_the_history_needs_the_events_and_gets_them() -> None:
    rules = """
- id: m-after-call
  kind: must
  owner: sales
  rationale: after a call, sales reviews
  actions: [send_email]
  when: history.exists(e, e.kind == 'call' && now - e.at <= hours(24))
  duties: [{do: flag, to: sales}]
- id: n-busy
  kind: never
  owner: marketing
  rationale: three meetings in a week is enough
  actions: [send_email]
  when: history.filter(e, e.kind == 'meeting' && now - e.at <= days(7)).size() >= 3
"""
    report = tiny_report(rules)
    finding = found(report, "conflict.must-never", "m-after-call", "n-busy")
    confirmed(tiny(rules).stack, finding)
    history = finding.witness.request.history  # type: ignore[union-attr]
    assert sum(event["kind"] == "meeting" for event in history) >= 3
    assert any(event["kind"] == "call" for event in history)


def test_must_and_never_of_one_team_or_without_flag_duties_are_only_notes() -> None:
    report = tiny_report("""
- id: m-log
  kind: must
  owner: sales
  rationale: log renewal emails
  actions: [send_email]
  when: customer.stage == 'renewal'
  duties: [{do: log}]
- id: n-renewal
  kind: never
  owner: marketing
  rationale: no email in renewal
  actions: [send_email]
  when: customer.stage == 'renewal'
""")
    assert found(report, "conflict.must-never", "m-log", "n-renewal").severity is Severity.INFO


# -- shadowed.may-by-never ----------------------------------------------------------------------

MAY_RENEWAL = """
- id: y-renewal
  kind: may
  owner: sales
  rationale: sales may discount in renewal
  agents: [sdr]
  actions: [offer_discount]
  when: customer.stage == 'renewal'
"""


def test_a_may_rule_always_stopped_by_never_rules_is_shadowed() -> None:
    rules = (
        MAY_RENEWAL
        + """
- id: n-no-discount
  kind: never
  owner: marketing
  rationale: no discounts outside the pipeline
  actions: [offer_discount]
  when: customer.stage in ['renewal', 'churned']
"""
    )
    report = tiny_report(rules)
    finding = found(report, "shadowed.may-by-never", "y-renewal", "n-no-discount")
    assert finding.severity is Severity.ERROR
    decision = confirmed(tiny(rules).stack, finding)[-1]
    assert {"y-renewal", "n-no-discount"} <= fired_ids(decision)


def test_shadowing_by_several_never_rules_together() -> None:
    rules = (
        MAY_RENEWAL
        + """
- id: n-small
  kind: never
  owner: marketing
  rationale: no discounts for small accounts
  actions: [offer_discount]
  when: customer.arr < 5000
- id: n-large
  kind: never
  owner: service
  rationale: large accounts get a person
  actions: [offer_discount]
  when: customer.arr >= 5000
"""
    )
    finding = found(tiny_report(rules), "shadowed.may-by-never", "y-renewal")
    assert {"n-small", "n-large"} <= set(finding.rules)


def test_a_may_rule_a_never_rule_only_sometimes_stops_is_not_shadowed() -> None:
    report = tiny_report(
        MAY_RENEWAL
        + """
- id: n-vip
  kind: never
  owner: marketing
  rationale: no discounts for VIPs
  actions: [offer_discount]
  when: customer.vip
"""
    )
    absent(report, "shadowed.may-by-never", "y-renewal")


# -- unsatisfiable, unbound ------------------------------------------------------------------------


def test_a_condition_that_contradicts_itself_is_unsatisfiable_with_evidence() -> None:
    report = tiny_report("""
- id: n-impossible
  kind: never
  owner: sales
  rationale: typo
  when: customer.arr > 100 && customer.stage == 'renewal' && customer.arr < 50
""")
    finding = found(report, "unsatisfiable.rule", "n-impossible")
    assert finding.severity is Severity.ERROR
    assert finding.witness is None
    assert "customer.arr > 100" in finding.evidence and "customer.arr < 50" in finding.evidence
    assert "stage" not in finding.evidence  # only the parts that contradict each other


def test_a_condition_the_schema_rules_out_is_unsatisfiable() -> None:
    report = tiny_report("""
- id: n-negative
  kind: never
  owner: sales
  rationale: arr can't be negative
  when: customer.arr < 0
- id: n-tags
  kind: never
  owner: sales
  rationale: more tags than exist is impossible... unless they repeat
  when: size(customer.tags) > 2
""")
    found(report, "unsatisfiable.rule", "n-negative")
    absent(report, "unsatisfiable.rule", "n-tags")  # a list may repeat a value


def test_a_condition_that_can_hold_is_not_reported() -> None:
    absent(tiny_report(MAY_RENEWAL), "unsatisfiable.rule")


def test_limits_that_can_never_be_met() -> None:
    report = tiny_report("""
- id: y-big
  kind: may
  owner: sales
  rationale: discounts above the maximum
  agents: [sdr]
  actions: [offer_discount]
  limits: [params.pct > 100]
""")
    finding = found(report, "unsatisfiable.limits", "y-big")
    assert finding.cells == (("sdr", "offer_discount"),)


def test_a_rule_that_binds_no_cell_is_unbound() -> None:
    report = tiny_report("""
- id: y-desk
  kind: may
  owner: sales
  rationale: the desk may discount
  agents: [desk]
  actions: [offer_discount]
""")
    assert found(report, "unbound.rule", "y-desk").severity is CODES["unbound.rule"].severity


# -- overlapping may rules -----------------------------------------------------------------------


def overlap_rules(second_limit: str) -> str:
    return f"""
- id: y-small
  kind: may
  owner: sales
  rationale: small discounts
  agents: [sdr]
  actions: [offer_discount]
  limits: [params.pct <= 10]
- id: y-pipeline
  kind: may
  owner: marketing
  rationale: pipeline discounts
  agents: [sdr]
  actions: [offer_discount]
  when: customer.stage == 'pipeline'
  limits: [{second_limit}]
"""


def test_two_may_rules_with_different_limits_overlap_and_the_laxer_decides() -> None:
    rules = overlap_rules("params.pct <= 20")
    finding = found(tiny_report(rules), "overlap.may-limits", "y-small", "y-pipeline")
    decision = confirmed(tiny(rules).stack, finding)[-1]
    effects = {rule.rule_id: rule.effect for rule in decision.fired}  # type: ignore[attr-defined]
    assert effects == {"y-pipeline": Effect.ALLOW, "y-small": Effect.OVER_LIMIT}
    assert 10 < finding.witness.request.params["pct"] <= 20  # type: ignore[union-attr]


def test_two_may_rules_with_the_same_limits_are_a_duplicate_not_a_limit_question() -> None:
    report = tiny_report(overlap_rules("params.pct <= 10"))
    absent(report, "overlap.may-limits")
    finding = found(report, "overlap.may-duplicate", "y-small", "y-pipeline")
    assert finding.severity is Severity.INFO


# -- gaps ------------------------------------------------------------------------------------------


def test_actions_no_agent_may_take_and_cells_left_to_the_default() -> None:
    rules = """
- id: y-mkt-email
  kind: may
  owner: marketing
  rationale: marketing emails
  agents: [mkt]
  actions: [send_email]
"""
    report = tiny_report(rules)
    gap = found(report, "gap.action-no-agent-may")
    actions = {action for finding in report.by_code("gap.action-no-agent-may") for _, action in finding.cells}
    assert actions == {"offer_discount", "winback"}
    assert confirmed(tiny(rules).stack, gap)[-1].default is not None  # type: ignore[attr-defined]
    cells = {cell for finding in report.by_code("gap.cell-default") for cell in finding.cells}
    assert cells == {("sdr", "send_email"), ("bot", "send_email")}  # send_email is covered for mkt only
    assert not report.by_code("gap.action-no-agent")


def test_an_action_no_agent_proposes() -> None:
    stack = tiny().stack
    orphan = stack.actions[0].model_copy(update={"id": "orphan"})
    report = analyze(stack.model_copy(update={"actions": [*stack.actions, orphan]}), reference=NOW)
    finding = found(report, "gap.action-no-agent")
    assert "orphan" in finding.question and finding.witness is None


# -- ownership ---------------------------------------------------------------------------------


def test_a_decision_without_owner_is_found_with_the_acting_team_flagged() -> None:
    report = tiny_report()
    finding = next(f for f in report.by_code("ownership.unowned-decision") if f.decision == "care")
    decision = confirmed(tiny().stack, finding)[-1]
    assert decision.verdict is Verdict.FLAG  # type: ignore[attr-defined]
    assert decision.routes == ("marketing",)  # type: ignore[attr-defined]  # the acting agent's own team


CONTESTED = """
- id: y-sdr-email
  kind: may
  owner: sales
  rationale: sales emails
  agents: [sdr]
  actions: [send_email]
- id: y-mkt-email
  kind: may
  owner: marketing
  rationale: marketing emails
  agents: [mkt]
  actions: [send_email]
"""


def test_two_teams_acting_on_one_decision_on_their_own_is_contested() -> None:
    report = tiny_report(CONTESTED)
    finding = next(f for f in report.by_code("ownership.contested") if f.decision == "messaging")
    decisions = confirmed(tiny(CONTESTED).stack, finding)
    assert [decision.verdict for decision in decisions] == [Verdict.GO, Verdict.GO]  # type: ignore[attr-defined]
    witness = finding.witness
    assert witness is not None and len(witness.earlier) == 1
    first = witness.earlier[0].request
    assert first.agent != witness.request.agent
    assert any(event["kind"] == "send_email" for event in witness.request.history)  # the first went ahead
    assert 0 <= witness.request.at - first.at <= 7 * 86_400_000_000


def test_a_rule_saying_who_leads_settles_the_contest() -> None:
    rules = (
        CONTESTED
        + """
- id: n-after-marketing
  kind: never
  owner: marketing
  rationale: sales doesn't email within a week of a marketing email
  agents: [sdr]
  actions: [send_email]
  when: history.exists(e, e.team == 'marketing' && now - e.at <= days(7))
- id: n-after-sales
  kind: never
  owner: marketing
  rationale: marketing waits a week after a sales email
  agents: [mkt]
  actions: [send_email]
  when: history.exists(e, e.team == 'sales' && now - e.at <= days(7))
"""
    )
    report = tiny_report(rules)
    assert not [f for f in report.by_code("ownership.contested") if f.decision == "messaging"]


def test_flags_routed_to_a_team_that_does_not_own_the_decision() -> None:
    rules = """
- id: m-discount-review
  kind: must
  owner: marketing
  rationale: marketing reviews discounts
  actions: [offer_discount]
  when: customer.vip
  duties: [{do: flag, to: marketing}]
- id: m-owner-review
  kind: must
  owner: marketing
  rationale: the owner reviews big ones
  actions: [offer_discount]
  when: params.pct > 50
  duties: [{do: flag, to: owner}]
"""
    report = tiny_report(rules)
    finding = found(report, "route.not-owner", "m-discount-review")
    assert finding.decision == "pricing" and "sales" in finding.teams
    decision = confirmed(tiny(rules).stack, finding)[-1]
    assert decision.verdict is Verdict.FLAG and "marketing" in decision.routes  # type: ignore[attr-defined]
    absent(report, "route.not-owner", "m-owner-review")  # `owner` is sales, who owns pricing


# -- every finding ------------------------------------------------------------------------------


def test_codes_are_stable_and_documented() -> None:
    assert set(CODES) == {
        "conflict.must-never",
        "shadowed.may-by-never",
        "unsatisfiable.rule",
        "unsatisfiable.limits",
        "unbound.rule",
        "overlap.may-limits",
        "overlap.may-duplicate",
        "gap.action-no-agent-may",
        "gap.action-no-agent",
        "gap.cell-default",
        "ownership.unowned-decision",
        "ownership.contested",
        "route.not-owner",
    }


def test_a_time_of_day_conflict_is_confirmed_across_daylight_saving() -> None:
    rules = (
        MUST_FLAG
        + """
- id: n-quiet
  kind: never
  owner: marketing
  rationale: quiet hours in the customer's zone
  actions: [send_email]
  when: now.getHours(customer.tz) >= 21 || now.getHours(customer.tz) < 8
"""
    )
    stack = tiny(rules).stack
    report = tiny_report(rules)
    finding = found(report, "conflict.must-never", "m-renewal", "n-quiet")
    confirmed(stack, finding)
    assert not report.unconfirmed
    assert "n-quiet" in report.approximated  # the zone's offset is approximated, the witness is exact


def test_every_reported_witness_replays_on_a_fresh_policy() -> None:
    rules = CONTESTED + MUST_FLAG + overlap_rules("params.pct <= 20")
    stack = tiny(rules).stack
    policy = compile_policy(stack)
    report = tiny_report(rules)
    for finding in report.findings:
        if finding.witness is not None:
            confirmed(stack, finding, policy)
