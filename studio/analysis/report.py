"""An analysis's result: findings, the coverage map, and what the solver did."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from studio.analysis.coverage import CoverageMap
from studio.analysis.findings import Finding, Severity
from studio.clock import iso
from studio.stack import Stack


@dataclass(frozen=True, slots=True)
class Stats:
    """Figures about one analysis run."""

    rules: int
    cells: int
    seconds: float
    """Wall time of the run (encoding, solving, engine confirmations, tidying)."""
    solver_checks: int
    """Questions the solver answered in this run (the rest came from memory or folded away)."""
    memo_hits: int
    folded: int
    solver_seconds: float
    history_bound: int
    """K: the history events the solver considered."""
    bounded: int
    """Questions answered "no" that would need more than K events to be exact."""
    unknown: int
    """Questions the solver gave up on (timeouts)."""
    rebuilt: bool
    """True when this run built the solver from scratch (first run, or the schema changed)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": self.rules,
            "cells": self.cells,
            "seconds": round(self.seconds, 4),
            "solver_checks": self.solver_checks,
            "memo_hits": self.memo_hits,
            "folded": self.folded,
            "solver_seconds": round(self.solver_seconds, 4),
            "history_bound": self.history_bound,
            "bounded": self.bounded,
            "unknown": self.unknown,
            "rebuilt": self.rebuilt,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one analysis found about a stack."""

    stack: Stack
    findings: tuple[Finding, ...]
    coverage: CoverageMap
    stats: Stats
    reference: int
    """The time witnesses are placed near (µs)."""
    approximated: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Rule id -> how its encoding was approximated (its findings are still engine-confirmed)."""
    unconfirmed: tuple[str, ...] = ()
    """Solver candidates the engine didn't confirm (through an approximation); not reported as findings."""

    @property
    def errors(self) -> tuple[Finding, ...]:
        return self.of_severity(Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return self.of_severity(Severity.WARNING)

    @property
    def infos(self) -> tuple[Finding, ...]:
        return self.of_severity(Severity.INFO)

    def of_severity(self, severity: Severity) -> tuple[Finding, ...]:
        """The findings of one severity."""
        return tuple(finding for finding in self.findings if finding.severity is severity)

    def by_code(self, code: str) -> tuple[Finding, ...]:
        """The findings with a code (`conflict.must-never`), or a code family (`conflict`)."""
        return tuple(f for f in self.findings if f.code == code or f.code.startswith(f"{code}."))

    def about_rule(self, rule_id: str) -> tuple[Finding, ...]:
        """The findings involving a rule (for a rule editor's side panel)."""
        return tuple(finding for finding in self.findings if rule_id in finding.rules)

    def to_json(self) -> dict[str, Any]:
        """The report's JSON shape (docs/analysis.md): `studio analyze --json` prints it."""
        counts = {severity.value: len(self.of_severity(severity)) for severity in Severity}
        return {
            "stack": self.stack.name,
            "reference": iso(self.reference),
            "counts": counts,
            "findings": [finding.to_json(self.stack) for finding in self.findings],
            "coverage": self.coverage.to_json(),
            "approximated": {rule: list(notes) for rule, notes in sorted(self.approximated.items())},
            "unconfirmed": list(self.unconfirmed),
            "stats": self.stats.to_json(),
        }
