"""Helpers for the analysis tests: analysing small stacks and checking witnesses with the engine."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from studio.analysis import Finding, Report, analyze
from studio.engine import Policy, compile_policy
from studio.request import RequestReader
from studio.stack import Stack
from tests.conftest import NOW, tiny


def tiny_report(rules: str = "", extra: str = "") -> Report:
    """The tiny stack (tests/conftest.py) with these rules, analysed, witnesses placed before NOW."""
    return analyze(tiny(rules, extra).stack, reference=NOW)


def found(report: Report, code: str, *rules: str) -> Finding:
    """The finding with this code involving these rules (fails the test if there is none)."""
    matches = [f for f in report.findings if f.code == code and all(rule in f.rules for rule in rules)]
    assert matches, f"no {code} with {rules}: {[(f.code, f.rules) for f in report.findings]}"
    return matches[0]


def absent(report: Report, code: str, *rules: str) -> None:
    """No finding with this code involving these rules."""
    matches = [f for f in report.findings if f.code == code and all(rule in f.rules for rule in rules)]
    assert not matches, f"unexpected {code}: {[(f.title, f.rules) for f in matches]}"


def confirmed(stack: Stack, finding: Finding, policy: Policy | None = None) -> Sequence[object]:
    """Re-run the engine on the witness: the same decisions as reported (returns them)."""
    policy = policy or compile_policy(stack)
    witness = finding.witness
    assert witness is not None, finding.code
    reader = RequestReader(stack)
    for step in witness.earlier:
        assert policy.decide(step.request) == step.decision
    decision = policy.decide(witness.request)
    assert decision == witness.decision
    # The witness is a valid request of the stack: its JSON reads back and decides the same.
    again = reader.read(json.loads(json.dumps(witness.request.to_json(stack))))
    assert policy.decide(again) == decision
    return [*(step.decision for step in witness.earlier), decision]


@pytest.fixture
def now() -> int:
    return NOW
