"""The impact of a change: what the rules now say, and which sample decisions it changes.

`impact(old, new, at=...)` compares two versions of a stack: the changes in plain words
(`studio.changes`), then every preview cell (sample customer x agent x action) and every
scenario step whose decision changes (verdict, routes, rules that fired or reasons), each
with the decision before and after. `studio diff` prints it; the workshop shows it against
the file as saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.changes import StackChange, describe
from studio.clock import iso
from studio.decision import Decision
from studio.engine import Policy, compile_policy
from studio.live_grid import same_decision
from studio.samples import Column, PreviewGrid, Replay, preview, replay
from studio.stack import Stack


@dataclass(frozen=True, slots=True)
class CellChange:
    """A preview cell whose decision changed (None: the cell exists on one side only)."""

    customer: str
    column: Column
    before: Decision | None
    after: Decision | None

    @property
    def verdict_changed(self) -> bool:
        """True when the verdict itself changed (not only routes or reasons)."""
        return _verdict(self.before) != _verdict(self.after)

    def to_json(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "agent": self.column.agent,
            "action": self.column.action,
            "verdict_changed": self.verdict_changed,
            "before": self.before.to_json() if self.before else None,
            "after": self.after.to_json() if self.after else None,
        }


@dataclass(frozen=True, slots=True)
class StepChange:
    """A scenario step whose decision changed."""

    scenario: str
    index: int
    label: str
    agent: str
    action: str
    before: Decision | None
    after: Decision | None

    @property
    def verdict_changed(self) -> bool:
        """True when the verdict itself changed."""
        return _verdict(self.before) != _verdict(self.after)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "step": self.index,
            "label": self.label,
            "agent": self.agent,
            "action": self.action,
            "verdict_changed": self.verdict_changed,
            "before": self.before.to_json() if self.before else None,
            "after": self.after.to_json() if self.after else None,
        }


def _verdict(decision: Decision | None) -> str:
    return decision.verdict.value if decision is not None else ""


@dataclass(frozen=True, slots=True)
class Impact:
    """Two versions of a stack compared."""

    at: int
    """The sample clock both were decided at."""
    changes: tuple[StackChange, ...]
    cells: tuple[CellChange, ...]
    steps: tuple[StepChange, ...]

    @property
    def empty(self) -> bool:
        """Nothing changed at all."""
        return not (self.changes or self.cells or self.steps)

    def to_json(self) -> dict[str, Any]:
        """Data for front ends and `studio diff --json`."""
        return {
            "at": iso(self.at),
            "changes": [{"part": c.part, "item": c.item, "kind": c.kind, "words": c.words} for c in self.changes],
            "cells": [cell.to_json() for cell in self.cells],
            "steps": [step.to_json() for step in self.steps],
        }


def impact(old: Stack, new: Stack, *, at: int) -> Impact:
    """Compare two valid stacks at the sample clock `at`; StackInvalidError if either has problems."""
    changes = tuple(describe(old, new))
    if old == new:
        return Impact(at, changes, (), ())
    old_policy, new_policy = compile_policy(old), compile_policy(new)
    cells = grid_changes(preview(old_policy, at=at), preview(new_policy, at=at))
    return Impact(at, changes, tuple(cells), tuple(replay_changes(old_policy, new_policy, at=at)))


def grid_changes(old: PreviewGrid, new: PreviewGrid) -> list[CellChange]:
    """Cells whose decision differs between two grids, in the new grid's order (then removed ones)."""
    found = []
    for customer in new.customers:
        for column in new.columns:
            after = new.decisions[(customer, column)]
            before = old.decisions.get((customer, column))
            if before is None or not same_decision(before, after):
                found.append(CellChange(customer, column, before, after))
    for (customer, column), before in old.decisions.items():
        if (customer, column) not in new.decisions:
            found.append(CellChange(customer, column, before, None))
    return found


def replay_changes(old: Policy, new: Policy, *, at: int) -> list[StepChange]:
    """Scenario steps (replayed with the policy) whose decision differs."""
    before = {s.id: replay(old, s.id, now=at) for s in old.stack.scenarios}
    after = {s.id: replay(new, s.id, now=at) for s in new.stack.scenarios}
    found = []
    for scenario_id in [*after, *(s for s in before if s not in after)]:
        old_steps = _steps(before.get(scenario_id))
        new_steps = _steps(after.get(scenario_id))
        for index in sorted(old_steps.keys() | new_steps.keys()):
            was, now = old_steps.get(index), new_steps.get(index)
            if was is not None and now is not None and same_decision(was[1], now[1]):
                continue
            step = now or was
            assert step is not None
            label, agent, action = step[0]
            found.append(
                StepChange(scenario_id, index, label, agent, action, was[1] if was else None, now[1] if now else None)
            )
    return found


def _steps(result: Replay | None) -> dict[int, tuple[tuple[str, str, str], Decision]]:
    if result is None:
        return {}
    return {step.index: ((step.label, step.agent, step.action), step.decision) for step in result.steps}
