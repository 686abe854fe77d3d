"""What a stack's tests exercised: the rules that fired and the (agent, action) cells touched.

Suites that test the same stack are counted together, so a stack may spread its tests over
several files. A rule that never fires in any test is untested however many tests pass; a cell
no test touches is a combination whose verdicts nobody has written down.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from studio.suites.run import SuiteResult


@dataclass(frozen=True, slots=True)
class Coverage:
    """The rules and cells of one stack, and which of them its tests reached."""

    stack: str
    """The stack's file (or name)."""
    name: str
    rules: tuple[str, ...]
    """Every rule id, in the stack's order."""
    fired: frozenset[str]
    cells: tuple[tuple[str, str], ...]
    """Every (agent, action) an agent declares, in the stack's order."""
    touched: frozenset[tuple[str, str]]

    @property
    def never_fired(self) -> tuple[str, ...]:
        return tuple(rule for rule in self.rules if rule not in self.fired)

    @property
    def untouched(self) -> tuple[tuple[str, str], ...]:
        return tuple(cell for cell in self.cells if cell not in self.touched)

    @property
    def complete(self) -> bool:
        return not self.never_fired and not self.untouched

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of a stack's coverage."""
        return {
            "stack": self.stack,
            "name": self.name,
            "rules": {
                "total": len(self.rules),
                "fired": len(self.rules) - len(self.never_fired),
                "never_fired": list(self.never_fired),
            },
            "cells": {
                "total": len(self.cells),
                "touched": len(self.cells) - len(self.untouched),
                "untouched": [{"agent": agent, "action": action} for agent, action in self.untouched],
            },
        }


def coverage(runs: Iterable[SuiteResult]) -> list[Coverage]:
    """Coverage per stack, over every suite run against it (in the order stacks first appear)."""
    fired: dict[str, set[str]] = {}
    touched: dict[str, set[tuple[str, str]]] = {}
    first: dict[str, SuiteResult] = {}
    for run in runs:
        key = run.suite.stack_source
        first.setdefault(key, run)
        fired.setdefault(key, set()).update(rule for result in run.results for rule in result.decision.rule_ids)
        touched.setdefault(key, set()).update(result.probe.cell for result in run.results)
    reports = []
    for key, run in first.items():
        stack = run.suite.stack
        reports.append(
            Coverage(
                key,
                stack.name,
                tuple(rule.id for rule in stack.rules),
                frozenset(fired[key]),
                tuple(run.suite.policy.cells),
                frozenset(touched[key]),
            )
        )
    return reports
