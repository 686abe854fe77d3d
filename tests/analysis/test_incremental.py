"""Re-analysis after an edit: the same findings as a fresh analysis, asking the solver only
about what changed."""

from __future__ import annotations

from studio.analysis import Analyzer, analyze
from studio.engine import compile_policy
from studio.stack import Rule, Stack
from tests.analysis.conftest import confirmed
from tests.conftest import NOW, tiny

RULES = """
- id: m-renewal
  kind: must
  owner: sales
  rationale: renewal touches are reviewed
  actions: [send_email]
  when: customer.stage == 'renewal'
  duties: [{do: flag, to: sales}]
- id: n-vip
  kind: never
  owner: marketing
  rationale: no email to VIPs
  actions: [send_email]
  when: customer.vip
- id: y-small
  kind: may
  owner: sales
  rationale: small discounts
  agents: [sdr]
  actions: [offer_discount]
  limits: [params.pct <= 10]
- id: y-mkt-email
  kind: may
  owner: marketing
  rationale: marketing emails
  agents: [mkt]
  actions: [send_email]
"""


def _edited(stack: Stack, rule_id: str, **update: object) -> Stack:
    rules: list[Rule] = [rule.model_copy(update=update) if rule.id == rule_id else rule for rule in stack.rules]
    return stack.model_copy(update={"rules": rules})


def keys(stack_report: object) -> list[str]:
    return sorted(finding.key for finding in stack_report.findings)  # type: ignore[attr-defined]


def test_an_unchanged_stack_is_answered_from_memory() -> None:
    stack = tiny(RULES).stack
    analyzer = Analyzer(stack, reference=NOW)
    again = analyzer.update(stack)
    assert again.stats.solver_checks == 0
    assert not again.stats.rebuilt
    assert keys(again) == keys(analyzer.report)


def test_an_edit_gives_the_findings_of_a_fresh_analysis() -> None:
    stack = tiny(RULES).stack
    analyzer = Analyzer(stack, reference=NOW)
    assert analyzer.report.by_code("conflict.must-never")
    edited = _edited(stack, "n-vip", when="customer.vip && customer.stage == 'pipeline'")
    report = analyzer.update(edited)
    assert not report.stats.rebuilt
    assert keys(report) == keys(analyze(edited, reference=NOW))
    assert not report.by_code("conflict.must-never")  # a VIP in the pipeline is never in renewal


def test_findings_kept_from_an_earlier_run_show_the_new_policy_decisions() -> None:
    stack = tiny(RULES).stack
    analyzer = Analyzer(stack, reference=NOW)
    edited = _edited(stack, "y-small", limits=["params.pct <= 20"])
    policy = compile_policy(edited)
    report = analyzer.update(edited, policy=policy)
    for finding in report.findings:
        if finding.witness is not None:
            confirmed(edited, finding, policy)


def test_a_schema_change_rebuilds_the_solver() -> None:
    stack = tiny(RULES).stack
    analyzer = Analyzer(stack, reference=NOW)
    attributes = {**stack.customer.attributes}
    attributes["score"] = attributes["arr"].model_copy()
    customer = stack.customer.model_copy(update={"attributes": attributes})
    edited = stack.model_copy(update={"customer": customer})
    report = analyzer.update(edited)
    assert report.stats.rebuilt
    assert keys(report) == keys(analyze(edited, reference=NOW))


def test_a_sequence_of_edits_keeps_the_findings_of_a_fresh_analysis() -> None:
    # Each edit reuses what the previous run established (kept witnesses re-decided, requests
    # decided before, routes and contests revised): the findings must not drift from a fresh run.
    stack = tiny(RULES).stack
    analyzer = Analyzer(stack, reference=NOW)
    edits = [
        ("n-vip", {"when": "customer.vip && customer.arr > 1000"}),
        ("m-renewal", {"when": "customer.stage == 'renewal' || customer.vip"}),
        ("y-small", {"limits": ["params.pct <= 5"]}),
        ("n-vip", {"when": "customer.vip"}),
    ]
    for rule_id, update in edits:
        stack = _edited(stack, rule_id, **update)
        policy = compile_policy(stack)
        report = analyzer.update(stack, policy=policy)
        assert keys(report) == keys(analyze(stack, policy=policy, reference=NOW)), rule_id
        for finding in report.findings:
            if finding.witness is not None:
                confirmed(stack, finding, policy)


def test_answers_inherited_after_widening_or_narrowing_a_rule_match_a_fresh_analysis() -> None:
    # A never rule that fires on more requests (or fewer) lets earlier "no" answers and models
    # carry over (Session.replace): a wrong carry-over shows as a finding a fresh run disagrees on.
    stack = tiny(RULES).stack
    analyzer = Analyzer(stack, reference=NOW)
    edits = [
        ("n-vip", {"when": "customer.vip && customer.arr > 1000"}),  # fires on fewer requests
        ("n-vip", {"when": "customer.vip && customer.arr > 500"}),  # on more
        ("n-vip", {"when": "customer.vip || customer.stage == 'renewal'"}),  # on more: meets the must rule
        ("n-vip", {"when": "customer.vip && customer.stage == 'pipeline'"}),  # on fewer: meets it no more
        ("y-small", {"limits": ["params.pct <= 3"]}),  # a may rule allowing less
        ("y-small", {"limits": ["params.pct <= 30"]}),  # and more
    ]
    for rule_id, update in edits:
        stack = _edited(stack, rule_id, **update)
        policy = compile_policy(stack)
        report = analyzer.update(stack, policy=policy)
        fresh = analyze(stack, policy=policy, reference=NOW)
        assert keys(report) == keys(fresh), (rule_id, update)
        assert [f.bounded for f in report.findings] == [f.bounded for f in fresh.findings]
        assert report.coverage.to_json() == fresh.coverage.to_json(), (rule_id, update)
        for finding in report.findings:
            if finding.witness is not None:
                confirmed(stack, finding, policy)


def test_widening_a_never_rule_on_the_generated_stack_inherits_answers_and_matches_a_fresh_analysis() -> None:
    # The benchmark's slowest edit: nv-042 fires on more requests (nps < 30 -> nps < 35).
    from benchmarks.bench_analysis import REFERENCE, _stack

    stack = _stack(300, 7)
    analyzer = Analyzer(stack, policy=compile_policy(stack), reference=REFERENCE)
    assert analyzer._prover is not None
    stats = analyzer._prover.session.stats
    before = stats.inherited
    edited = _edited(stack, "nv-042", when="customer.nps < 35 && customer.churn_risk < 30")
    policy = compile_policy(edited)
    report = analyzer.update(edited, policy=policy)
    assert stats.inherited > before  # earlier answers carried over
    fresh = analyze(edited, policy=policy, reference=REFERENCE)
    assert [(f.key, f.bounded) for f in report.findings] == [(f.key, f.bounded) for f in fresh.findings]
    # (Not the coverage map: its `overridden_by` lists the pairs one witness shows, which already
    # differed between kept and fresh witnesses before answers were inherited.)
