"""The bundled sample stacks: they load, preview, replay, and tell the story they are there to tell."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.clock import parse_instant
from studio.decision import Verdict
from studio.document import load_file
from studio.engine import compile_policy
from studio.samples import preview, replay, sample_now
from tests.conftest import SAMPLES, STACK_FILES

# Days the renewal week must come out the same: a Monday, a Saturday, both US daylight-saving
# switches, midsummer, and a leap day.
NOWS = [
    "2026-11-23T15:00:00Z",
    "2026-11-28T03:00:00Z",
    "2026-03-08T12:00:00Z",
    "2026-11-01T06:30:00Z",
    "2026-06-21T23:59:00Z",
    "2028-02-29T10:00:00Z",
]


def test_there_are_three_samples_and_each_is_rich_enough() -> None:
    assert len(STACK_FILES) >= 3, [path.name for path in STACK_FILES]
    for path in STACK_FILES:
        stack = load_file(path).stack
        kinds = {rule.kind.value for rule in stack.rules}
        assert (
            len(stack.customers) >= 8 and len([a for a in stack.agents if a.actions]) >= 5 and len(stack.rules) >= 15
        ), path.name
        assert kinds == {"may", "must", "never"}, path.name
        assert stack.scenarios, path.name
        assert all(customer.story for customer in stack.customers), path.name


def test_every_sample_previews_with_all_three_verdicts(sample_path: Path) -> None:
    document = load_file(sample_path)
    grid = preview(compile_policy(document.stack), at=sample_now(document.stack, parse_instant(NOWS[0], now=0)))
    counts = grid.counts()
    assert all(counts[verdict] > 0 for verdict in Verdict), counts


@pytest.mark.parametrize("now", NOWS)
def test_the_renewal_week_is_flag_flag_stop_with_the_policy_and_three_touches_without(now: str) -> None:
    document = load_file(SAMPLES / "b2b_saas_renewals.yaml")
    policy = compile_policy(document.stack)
    at = sample_now(document.stack, parse_instant(now, now=0))
    enforced = replay(policy, "renewal-week", now=at)
    outcome = [(step.label, step.decision.verdict, step.decision.routes) for step in enforced.steps]
    assert outcome == [
        ("Monday", Verdict.FLAG, ("csm-renewals",)),
        ("Wednesday", Verdict.FLAG, ("csm-renewals", "deal-desk")),
        ("Friday", Verdict.STOP, ()),
    ]
    friday = enforced.steps[2].decision
    assert "B2-no-winback-after-sales-touch" in friday.rule_ids
    without = replay(policy, "renewal-week", now=at, enforced=False)
    assert [step.decision.verdict for step in without.steps] == [Verdict.GO] * 3
    assert all(step.went_ahead for step in without.steps)
