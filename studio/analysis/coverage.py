"""The coverage map: agents x actions, each cell marked by what decides it.

For the UIs' heatmap. Every (agent, action) pair of the stack is a cell; its `status` is one
word to colour by:

- `undeclared`: the agent doesn't propose the action (the engine refuses such requests);
- `contested`: teams' rules disagree about who decides the cell: it is in a finding of code
  `shadowed.may-by-never` (a permission another rule always cancels), `overlap.may-limits`
  (two may rules, different limits) or `ownership.contested` (agents of several teams act on
  the decision on their own);
- `may`: a may rule lets the agent act on its own (within its limits) on some requests;
- `never`: no may rule lets it act, and a never rule stops it on some requests;
- `default`: nothing but the default (flag to the owner, or stop) ever decides it.

The details say which rules can fire (`may` with their limits, `never`, `must`), whether some
requests fall to the default, which verdicts the cell can reach at all, `overridden_by`: the
(may, never) pairs of *different* teams that meet on some request (one team allows, another
stops it; confirmed by the engine), and the codes of the findings that involve it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from studio.analysis.cells import Cell, flag_targets
from studio.analysis.findings import Finding
from studio.analysis.run import DecisionTest, Run, fired
from studio.analysis.symbolic import Term, and_, not_, or_
from studio.analysis.witness import Draft, draft_of
from studio.decision import Decision, Effect
from studio.stack import RuleKind


@dataclass(frozen=True, slots=True)
class CoverageRule:
    """A rule that can fire in a cell."""

    rule: str
    owner: str
    limits: tuple[str, ...] = ()
    over_limit: str = ""
    route: str = ""
    """Where its flags go (resolved: a team or a human queue)."""
    allows: bool = False
    """For may rules: can it let the action go (its limits can be met)?"""


@dataclass(frozen=True, slots=True)
class CoverageCell:
    """One agent x action cell of the map."""

    agent: str
    action: str
    status: str
    declared: bool
    mays: tuple[CoverageRule, ...] = ()
    nevers: tuple[CoverageRule, ...] = ()
    musts: tuple[CoverageRule, ...] = ()
    default: str = ""
    """The default's verdict for this agent (flag or stop)."""
    default_route: str = ""
    default_reachable: bool = False
    """Some requests are covered by no may rule and get the default."""
    verdicts: tuple[str, ...] = ()
    """The verdicts some request gets here."""
    overridden_by: tuple[tuple[str, str], ...] = ()
    """(may rule, never rule) pairs of different teams that meet on one request: the never wins."""
    findings: tuple[str, ...] = ()
    """Codes of the findings involving this cell."""

    def to_json(self) -> dict[str, Any]:
        def rules(items: tuple[CoverageRule, ...]) -> list[dict[str, Any]]:
            return [
                {
                    key: value
                    for key, value in (
                        ("rule", item.rule),
                        ("owner", item.owner),
                        ("limits", list(item.limits)),
                        ("over_limit", item.over_limit),
                        ("route", item.route),
                        ("allows", item.allows),
                    )
                    if value not in ("", [], None) or key == "allows"
                }
                for item in items
            ]

        return {
            "agent": self.agent,
            "action": self.action,
            "status": self.status,
            "declared": self.declared,
            "may": rules(self.mays),
            "never": rules(self.nevers),
            "must": rules(self.musts),
            "default": {"verdict": self.default, "route": self.default_route, "reachable": self.default_reachable}
            if self.declared
            else None,
            "verdicts": list(self.verdicts),
            "overridden_by": [{"may": may, "never": never} for may, never in self.overridden_by],
            "findings": list(self.findings),
        }


@dataclass(frozen=True, slots=True)
class CoverageMap:
    """Agents (rows) x actions (columns), in the file's order."""

    agents: tuple[str, ...]
    actions: tuple[str, ...]
    cells: tuple[CoverageCell, ...]

    def cell(self, agent: str, action: str) -> CoverageCell:
        """The cell for an agent and an action."""
        return next(cell for cell in self.cells if cell.agent == agent and cell.action == action)

    def to_json(self) -> dict[str, Any]:
        """`{"agents": [...], "actions": [...], "cells": [...]}` (docs/analysis.md)."""
        return {"agents": list(self.agents), "actions": list(self.actions), "cells": [c.to_json() for c in self.cells]}


STATUSES = ("undeclared", "contested", "may", "never", "default")
CONTESTED = frozenset({"shadowed.may-by-never", "overlap.may-limits", "ownership.contested"})
"""Finding codes that make a cell `contested`."""


def coverage(run: Run, findings: Sequence[Finding]) -> CoverageMap:
    """The coverage map of the run's stack (after the checks filled `run.live` and `run.allows`)."""
    codes: dict[tuple[str, str], list[str]] = {}
    for finding in findings:
        for key in finding.cells:
            codes.setdefault(key, []).append(finding.code)
    cells = []
    for agent in run.stack.agents:
        for action in run.stack.actions:
            cell = run.layout.by_key.get((agent.id, action.id))
            if cell is None:
                cells.append(CoverageCell(agent.id, action.id, "undeclared", False))
                continue
            found = tuple(dict.fromkeys(codes.get(cell.key, ())))
            live = tuple(run.fingerprint(rule) for rule in run.live_rules(cell))
            unit = ("coverage", run.cell_key(cell), live, found)
            cells.append(run.unit(unit, partial(_cell, run, cell, found)))
    return CoverageMap(
        tuple(agent.id for agent in run.stack.agents),
        tuple(action.id for action in run.stack.actions),
        tuple(cells),
    )


def _cell(run: Run, cell: Cell, codes: tuple[str, ...]) -> CoverageCell:
    live = run.live_rules(cell)
    mays = [rule for rule in live if rule.kind is RuleKind.MAY]
    nevers = [rule for rule in live if rule.kind is RuleKind.NEVER]
    musts = [rule for rule in live if rule.kind is RuleKind.MUST]
    # The verdict formulas are built only for what the engine hasn't already shown in the cell.
    reachable = tuple(
        name
        for name in ("go", "flag", "stop")
        if run.seen(cell, name) or run.sat([_formula(run, cell, name)], likely=True).sat
    )
    default_reachable = run.seen(cell, "default") or run.sat([_formula(run, cell, "default")], likely=True).sat
    overridden_by = _overridden(run, cell, mays, nevers)
    allowing = [rule for rule in mays if run.allows.get((rule.id, cell.key))]
    if any(code in CONTESTED for code in codes):
        status = "contested"
    elif allowing:
        status = "may"
    elif nevers:
        status = "never"
    else:
        status = "default"
    return CoverageCell(
        cell.agent.id,
        cell.action.id,
        status,
        True,
        mays=tuple(
            CoverageRule(
                rule.id,
                rule.owner,
                tuple(rule.limits),
                rule.over_limit if rule.limits else "",
                cell.resolve(rule, rule.route) if rule.limits and rule.over_limit == "flag" else "",
                bool(run.allows.get((rule.id, cell.key))),
            )
            for rule in mays
        ),
        nevers=tuple(CoverageRule(rule.id, rule.owner) for rule in nevers),
        musts=tuple(
            CoverageRule(rule.id, rule.owner, route=", ".join(cell.resolve(rule, t) for t in flag_targets(rule)))
            for rule in musts
        ),
        default=cell.default.value,
        default_route=cell.default_route,
        default_reachable=default_reachable,
        verdicts=reachable,
        overridden_by=overridden_by,
        findings=codes,
    )


def _formula(run: Run, cell: Cell, what: str) -> Term | bool:
    """The formula of a verdict ("go", "flag", "stop") or of "default" (no may rule covers the request)."""
    verdict = run.verdict(cell)
    terms = {"go": verdict.go, "flag": verdict.flag, "stop": verdict.stop}
    return terms[what] if what in terms else not_(verdict.covered)


def _overridden(run: Run, cell: Cell, mays: list[Any], nevers: list[Any]) -> tuple[tuple[str, str], ...]:
    """Cross-team (may, never) pairs meeting on one request, confirmed by the engine on a witness."""
    pairs = [(may, never) for may in mays for never in nevers if may.owner != never.owner]
    pairs = [(may, never) for may, never in pairs if run.allows.get((may.id, cell.key))]
    if not pairs:
        return ()
    names = [(may.id, never.id) for may, never in pairs]
    partners: dict[str, set[str]] = {}
    for may_id, never_id in names:
        partners.setdefault(may_id, set()).add(never_id)

    def test(decisions: Sequence[Decision]) -> bool:
        allowed = [r.rule_id for r in decisions[0].fired if r.effect is Effect.ALLOW and r.rule_id in partners]
        if not allowed:
            return False
        stopped = {r.rule_id for r in decisions[0].fired if r.effect is Effect.STOP}
        return any(partners[may_id] & stopped for may_id in allowed)

    # A request the engine already decided here shows the pairs without building the formulas.
    observed = run.observed_example(cell, test)
    draft = draft_of(observed) if observed is not None else _overriding(run, cell, pairs, test)
    if draft is None:
        return ()
    decision = run.decide(run.prover.builder.requests(draft)[0])
    return tuple(pair for pair in names if _meet(decision, *pair))


def _overriding(run: Run, cell: Cell, pairs: list[tuple[Any, Any]], test: DecisionTest) -> Draft | None:
    """A confirmed request on which one of the (may, never) pairs meets, from the solver."""
    formulas = [
        and_(run.terms(may, cell).when, run.terms(may, cell).limits, run.terms(never, cell).when)
        for may, never in pairs
    ]
    draft, _ = run.example([or_(*formulas)], [cell], test, label=f"coverage-overridden:{cell.key}")
    return draft


def _meet(decision: Decision, may: str, never: str) -> bool:
    allowed, stopped = fired(decision, may), fired(decision, never)
    return allowed is not None and stopped is not None and allowed.effect is Effect.ALLOW
