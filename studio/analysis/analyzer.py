"""The analyzer: runs every check on a stack, and again, incrementally, after each edit.

    analyzer = Analyzer(stack)            # builds the solver, runs every check
    report = analyzer.report
    report = analyzer.update(edited)      # after an edit: only new questions reach the solver

An `Analyzer` keeps one z3 solver, the formulas of every rule in every cell, the answer to
every question asked and every confirmed witness. An edit changes some formulas; questions
about unchanged formulas are answered from memory, so re-analysing after a single-rule edit
asks the solver only about the edited rule. A change to the schema or names (attributes,
agents, actions, ...) rebuilds the solver.
"""

from __future__ import annotations

import gc
import json
import time

from studio.analysis import conflicts, gaps, ownership, reachability
from studio.analysis.cells import CellKey, Layout
from studio.analysis.coverage import coverage
from studio.analysis.findings import ordered
from studio.analysis.formulas import rule_key
from studio.analysis.prover import HISTORY_CAP, Prover
from studio.analysis.report import Report, Stats
from studio.analysis.run import Run
from studio.decision import Decision
from studio.engine import Policy, compile_policy
from studio.request import Request
from studio.samples import real_now
from studio.stack import Stack


class Analyzer:
    """Findings and coverage for a stack, kept up to date as the stack is edited."""

    def __init__(
        self,
        stack: Stack,
        *,
        policy: Policy | None = None,
        reference: int | None = None,
        history_cap: int = HISTORY_CAP,
    ) -> None:
        """Analyse `stack` (valid: StackInvalidError otherwise). `reference`: when witnesses happen
        (µs, default now); `policy`: the compiled stack, if the caller has it already."""
        self.reference = real_now() if reference is None else reference
        self.history_cap = history_cap
        self._prover: Prover | None = None
        self._units: dict[tuple[object, ...], object] = {}
        self._examples: dict[tuple[object, ...], tuple[list[tuple[Request, Decision]], set[str]]] = {}
        self._requests: dict[CellKey, list[Request]] = {}
        self._names = ""
        self._stack: Stack | None = None
        self.report = self.update(stack, policy=policy)

    def update(self, stack: Stack, *, policy: Policy | None = None) -> Report:
        """Re-analyse an edited stack, reusing everything the edit didn't change."""
        # The analysis keeps many long-lived objects (formulas, answers, models); the cyclic
        # garbage collector would walk them all, over and over, while it runs. It makes no
        # cycles worth collecting early, so collection waits until it is done.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._update(stack, policy)
        finally:
            if collecting:
                gc.enable()

    def _update(self, stack: Stack, policy: Policy | None) -> Report:
        started = time.perf_counter()
        policy = policy if policy is not None and policy.stack is stack else compile_policy(stack)
        rebuilt = self._prover is None or not self._prover.fits([stack])
        if rebuilt or self._prover is None:
            self._prover = Prover([stack], reference=self.reference, cap=self.history_cap)
        else:
            self._prover.use(stack)
        prover = self._prover
        _note_edited_rules(prover, None if rebuilt else self._stack, stack)
        self._stack = stack
        before = _snapshot(prover)
        names = _names(stack)
        renamed = names != self._names  # findings' words name teams, agents, actions, decisions
        self._names = names
        run = Run(
            stack,
            policy,
            prover,
            Layout.of(stack),
            previous=self._units if not (rebuilt or renamed) else {},
            previous_examples=self._examples if not rebuilt else {},
            previous_requests=self._requests if not rebuilt else {},
        )
        findings = [*reachability.check(run), *conflicts.check(run), *gaps.check(run), *ownership.check(run)]
        findings_sorted = ordered(findings)
        coverage_map = coverage(run, findings_sorted)
        after = _snapshot(prover)
        stats = Stats(
            rules=len(stack.rules),
            cells=len(run.layout.cells),
            seconds=time.perf_counter() - started,
            solver_checks=after[0] - before[0],
            memo_hits=after[1] - before[1],
            folded=after[2] - before[2],
            solver_seconds=after[3] - before[3],
            history_bound=prover.history_bound,
            bounded=after[4] - before[4],
            unknown=after[5] - before[5],
            rebuilt=rebuilt,
        )
        self._units = run.units
        self._examples = run.kept_examples()
        self._requests = run.kept_requests()
        self.report = Report(
            stack,
            findings_sorted,
            coverage_map,
            stats,
            self.reference,
            dict(run.approximated),
            tuple(prover.witnesses.unconfirmed),
        )
        return self.report


def _note_edited_rules(prover: Prover, earlier: Stack | None, stack: Stack) -> None:
    """Tell the formulas which rules' conditions or limits the edit changed (and from what), so
    that answers about the old versions can carry over (see `Session.replace`)."""
    prover.session.forget_replacements()
    before = {rule.id: rule for rule in earlier.rules} if earlier is not None else {}
    prover.formulas.earlier = {
        rule.id: old
        for rule in stack.rules
        if (old := before.get(rule.id)) is not None and old is not rule and rule_key(old) != rule_key(rule)
    }


def _names(stack: Stack) -> str:
    """The names findings are worded with (a renamed team rewords every finding)."""
    named = [
        [(team.id, team.name) for team in stack.teams],
        [(agent.id, agent.name) for agent in stack.agents],
        [(action.id, action.name) for action in stack.actions],
        [(decision.id, decision.name) for decision in stack.decisions],
    ]
    return json.dumps(named, default=str)


def _snapshot(prover: Prover) -> tuple[int, int, int, float, int, int]:
    stats = prover.session.stats
    return (stats.checks, stats.memo_hits, stats.folded, stats.seconds, stats.bounded, stats.unknown)


def analyze(stack: Stack, *, policy: Policy | None = None, reference: int | None = None) -> Report:
    """Every finding and the coverage map of a stack, in one call."""
    return Analyzer(stack, policy=policy, reference=reference).report
