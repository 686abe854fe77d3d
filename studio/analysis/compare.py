"""Comparing two versions of a stack, semantically, cell by cell (as Cedar's analysis compares policies).

For each (agent, action) the new version is, over every request both versions can receive:

- `same`: every request gets the same verdict;
- `more`: some request gets a more permissive verdict (go > flag > stop) and none a less
  permissive one;
- `less`: the reverse;
- `incomparable`: both happen.

Each difference comes with a witness: a request, the new version's decision on it and the old
one's (`Witness.compared`), both from the engine. A cell only one version has is refused
(stop) by the other. Only verdicts are compared: a flag routed to another team is "the same".

The requests compared are those of the new version's schema (an attribute only the old version
has keeps its old declaration): both versions read one symbolic request (space.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from studio.analysis.cells import Cell, CellKey, Layout
from studio.analysis.findings import Witness
from studio.analysis.formulas import VerdictTerms
from studio.analysis.prover import HISTORY_CAP, Prover
from studio.analysis.symbolic import Term, and_, not_, or_
from studio.decision import Decision, Verdict
from studio.engine import Policy, compile_policy
from studio.request import Request
from studio.samples import real_now
from studio.stack import Stack

RELATIONS = ("same", "more", "less", "incomparable")


@dataclass(frozen=True, slots=True)
class CellChange:
    """How one (agent, action) cell changed between two versions."""

    agent: str
    action: str
    relation: str
    """`same`, `more`, `less` or `incomparable` (more or less permissive in the new version)."""
    more: Witness | None = None
    """A request the new version treats more permissively (decision: new; compared: old)."""
    less: Witness | None = None
    """A request the new version treats less permissively."""
    in_old: bool = True
    in_new: bool = True
    bounded: bool = False
    """"No difference" was checked for histories up to the analysis's bound only."""

    def to_json(self, stack: Stack) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "action": self.action,
            "relation": self.relation,
            "in_old": self.in_old,
            "in_new": self.in_new,
            "more": _witness_json(self.more, stack),
            "less": _witness_json(self.less, stack),
            "bounded": self.bounded,
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """Every cell of two versions, compared."""

    old: Stack
    new: Stack
    cells: tuple[CellChange, ...]

    @property
    def changed(self) -> tuple[CellChange, ...]:
        """The cells whose relation isn't `same`."""
        return tuple(cell for cell in self.cells if cell.relation != "same")

    def cell(self, agent: str, action: str) -> CellChange:
        """The change of one cell."""
        return next(cell for cell in self.cells if cell.agent == agent and cell.action == action)

    def to_json(self) -> dict[str, Any]:
        """`{"old": name, "new": name, "cells": [...]}` (docs/analysis.md)."""
        counts = {relation: sum(cell.relation == relation for cell in self.cells) for relation in RELATIONS}
        return {
            "old": self.old.name,
            "new": self.new.name,
            "counts": counts,
            "cells": [cell.to_json(self.new) for cell in self.cells],
        }


def compare(
    old: Stack,
    new: Stack,
    *,
    reference: int | None = None,
    old_policy: Policy | None = None,
    new_policy: Policy | None = None,
) -> Comparison:
    """Compare two versions of a stack cell by cell (both must be valid)."""
    old_policy = old_policy or compile_policy(old)
    new_policy = new_policy or compile_policy(new)
    prover = Prover([old, new], reference=real_now() if reference is None else reference, cap=HISTORY_CAP)
    old_layout, new_layout = Layout(old), Layout(new)
    keys: list[CellKey] = list(dict.fromkeys([*(c.key for c in new_layout.cells), *(c.key for c in old_layout.cells)]))
    cells = [
        _compare_cell(prover, old_layout.by_key.get(key), new_layout.by_key.get(key), old_policy, new_policy, key)
        for key in keys
    ]
    return Comparison(old, new, tuple(cells))


def _compare_cell(
    prover: Prover,
    old: Cell | None,
    new: Cell | None,
    old_policy: Policy,
    new_policy: Policy,
    key: CellKey,
) -> CellChange:
    if old is not None and new is not None and _same_cell(old, new):
        return CellChange(key[0], key[1], "same")
    old_rank = _rank(prover.formulas.verdict(old)) if old is not None else _STOP
    new_rank = _rank(prover.formulas.verdict(new)) if new is not None else _STOP
    step = new or old
    assert step is not None
    witnesses: dict[str, Witness | None] = {}
    bounded = False
    for direction, terms in (("more", _above(new_rank, old_rank)), ("less", _above(old_rank, new_rank))):
        witness, outcome_bounded = _witness(prover, terms, step, old_policy, new_policy, direction)
        witnesses[direction] = witness
        bounded = bounded or outcome_bounded
    more, less = witnesses["more"], witnesses["less"]
    relation = "incomparable" if more and less else "more" if more else "less" if less else "same"
    return CellChange(key[0], key[1], relation, more, less, old is not None, new is not None, bounded)


def _same_cell(old: Cell, new: Cell) -> bool:
    """Same rules, same cell: every request gets the same decision, no question needed."""
    same_setting = (old.context, old.owner, old.default, old.default_route) == (
        new.context,
        new.owner,
        new.default,
        new.default_route,
    )
    return same_setting and [rule.model_dump() for rule in old.rules] == [rule.model_dump() for rule in new.rules]


Rank = tuple[Term | bool, Term | bool, Term | bool]
"""(go, flag, stop) formulas."""
_STOP: Rank = (False, False, True)


def _rank(verdict: VerdictTerms) -> Rank:
    return (verdict.go, verdict.flag, verdict.stop)


def _above(first: Rank, second: Rank) -> Term | bool:
    """`first` is strictly more permissive than `second` (go > flag > stop)."""
    first_go, first_flag, _ = first
    second_go, _, second_stop = second
    return or_(and_(first_go, not_(second_go)), and_(first_flag, second_stop))


_RANKS = {Verdict.STOP: 0, Verdict.FLAG: 1, Verdict.GO: 2}


def _witness(
    prover: Prover,
    term: Term | bool,
    cell: Cell,
    old_policy: Policy,
    new_policy: Policy,
    direction: str,
) -> tuple[Witness | None, bool]:
    def holds(requests: Sequence[Request]) -> bool:
        new_rank = _RANKS[new_policy.decide(requests[0]).verdict]
        old_rank = _RANKS[old_policy.decide(requests[0]).verdict]
        return new_rank > old_rank if direction == "more" else new_rank < old_rank

    outcome, requests = prover.witnesses.find([term], [(cell, prover.primary)], holds, label=f"compare:{direction}")
    if requests is None:
        return None, outcome.bounded
    request = requests[0]
    new_decision: Decision = new_policy.decide(request)
    return Witness(request, new_decision, compared=old_policy.decide(request)), False


def _witness_json(witness: Witness | None, stack: Stack) -> dict[str, Any] | None:
    if witness is None:
        return None
    data = witness.to_json(stack)
    data["old_decision"] = data.pop("compared", None)
    data["new_decision"] = data.pop("decision")
    return data
