"""`Workshop.findings()`: the workshop's own analysis, brought up to date after each edit."""

from __future__ import annotations

from functools import partial

import pytest

from studio import edits
from studio.workshop import Workshop

pytest.importorskip("z3")

from studio.analysis import Analyzer


def _keys(report: object) -> list[str]:
    return sorted(str(finding.key) for finding in report.findings)  # type: ignore[attr-defined]


def _fresh(workshop: Workshop) -> list[str]:
    return _keys(Analyzer(workshop.stack, reference=workshop.sample_now).report)


def test_findings_follow_each_edit_and_match_a_fresh_analysis(workshop: Workshop) -> None:
    first = workshop.findings()
    assert not first.stale and first.report.findings
    assert _keys(first.report) == _fresh(workshop)
    assert workshop.findings().report is first.report, "asked again about the same version: no new analysis"

    workshop.apply(partial(edits.remove_rule, rule_id="B2b-no-winback-in-renewal"))
    second = workshop.findings()
    assert not second.stale and second.version > first.version
    assert _keys(second.report) == _fresh(workshop)
    assert _keys(second.report) != _keys(first.report)
    assert workshop.last_findings is not None and workshop.last_findings.report is second.report


def test_an_invalid_stack_keeps_the_last_valid_versions_findings_marked_stale(workshop: Workshop) -> None:
    valid = workshop.findings()
    workshop.apply(partial(edits.set_limit, rule_id="B3-sdr-discounts", index=0, text="params.no_such_param <= 3"))
    assert not workshop.valid
    stale = workshop.findings()
    assert stale.stale and stale.report is valid.report and stale.version == valid.version
    workshop.undo()
    assert workshop.findings().stale is False
