"""Run a bound suite: decide every probe at the sample clock and compare with what it expects.

Samples and tests use times relative to "now", so a suite is run at a moment: the stack's
`preview_at` read relative to the `now` given (pinned for reproducible runs) or the real clock.
Sample and fixture customers are made concrete at that sample clock, as previews and scenario
replays do; each probe then decides at its own `at`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from studio.clock import iso, parse_instant
from studio.decision import Decision, DefaultApplied
from studio.request import Event, Request
from studio.samples import customer_values, example_params, sample_now
from studio.suites.expect import Mismatch, compare, expected_words, obligation_words, verdict_words
from studio.suites.load import Suite
from studio.suites.model import Expectation
from studio.suites.probes import Probe


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """A probe, the decision it got, and how that differs from what it expected."""

    probe: Probe
    at: int
    params: Mapping[str, Any]
    """The parameters decided with (the given ones, the rest from the action's examples)."""
    decision: Decision
    default: DefaultApplied
    """What the stack's default would be for this cell (what `verdict: default` expects)."""
    expected: str
    """The expected verdict in words (`flag → csm-renewals`, `default (stop)`)."""
    mismatches: tuple[Mismatch, ...]

    @property
    def passed(self) -> bool:
        return not self.mismatches

    @property
    def actual(self) -> str:
        """The actual verdict in words, with its routes."""
        return verdict_words(self.decision.verdict, self.decision.routes)

    def to_json(self, tz: str) -> dict[str, Any]:
        """The documented JSON shape of one test's result."""
        probe, decision = self.probe, self.decision
        return {
            "name": probe.name,
            "origin": probe.origin,
            "line": probe.line,
            "agent": probe.agent,
            "action": probe.action,
            "customer": probe.customer,
            "params": {name: list(value) if isinstance(value, tuple) else value for name, value in self.params.items()},
            "at": iso(self.at, tz),
            "passed": self.passed,
            "expected": {
                **probe.expect.model_dump(include=set(Expectation.model_fields), exclude_unset=True),
                "verdict": probe.expect.verdict,
                "words": self.expected,
            },
            "actual": {
                "verdict": decision.verdict.value,
                "routes": list(decision.routes),
                "rules": list(decision.rule_ids),
                "obligations": sorted(obligation_words(decision.obligations)),
                "default": decision.default is not None,
                "reasons": [reason.text for reason in decision.reasons],
            },
            "mismatches": [
                {"field": m.field, "expected": m.expected, "actual": m.actual, "message": str(m)}
                for m in self.mismatches
            ],
        }


@dataclass(frozen=True, slots=True)
class SuiteResult:
    """Every probe of a suite, decided at one sample clock."""

    suite: Suite
    clock: int
    """The sample clock the suite ran at (µs)."""
    results: tuple[ProbeResult, ...]

    @property
    def failures(self) -> tuple[ProbeResult, ...]:
        return tuple(result for result in self.results if not result.passed)

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of a suite's run."""
        suite = self.suite
        tz = suite.stack.timezone
        return {
            "file": suite.document.source,
            "name": suite.name,
            "stack": suite.stack_source,
            "clock": iso(self.clock, tz),
            "tests": len(self.results),
            "passed": len(self.results) - len(self.failures),
            "failed": len(self.failures),
            "results": [result.to_json(tz) for result in self.results],
        }


def run_suite(suite: Suite, *, now: int | None = None) -> SuiteResult:
    """Decide every probe of `suite`; `now` (µs) pins the moment the sample clock is read from."""
    stack = suite.stack
    clock = sample_now(stack, now)
    customers: dict[str, tuple[dict[str, Any], tuple[Event, ...]]] = {}
    results = []
    for probe in suite.probes:
        if probe.customer not in customers:
            customers[probe.customer] = customer_values(stack, suite.customers[probe.customer], clock)
        results.append(_run_probe(suite, probe, clock, customers[probe.customer]))
    return SuiteResult(suite, clock, tuple(results))


def _run_probe(
    suite: Suite, probe: Probe, clock: int, customer: tuple[dict[str, Any], tuple[Event, ...]]
) -> ProbeResult:
    stack, policy = suite.stack, suite.policy
    at = clock if probe.at is None else parse_instant(probe.at, now=clock, tz=stack.timezone)
    action = policy.actions[probe.action]
    given = {name: value for name, value in probe.params.items() if name in action.params}
    params = example_params(action, given, now=clock, tz=stack.timezone)
    attributes, history = customer
    decision = policy.decide(Request(probe.agent, probe.action, params, attributes, history, at))
    cell = policy.cell(probe.agent, probe.action)
    assert cell is not None  # checked when the suite was bound
    mismatches = compare(probe.expect, decision, cell.default)
    expected = expected_words(probe.expect, cell.default)
    return ProbeResult(probe, at, params, decision, cell.default, expected, mismatches)
