"""The contact history as the solver sees it: K event slots, and how many the rules need.

A history is K *slots*. Each has a presence flag and typed fields (`at`, `agent`, `team`,
`kind`, `channel`, `purpose`, `payload`): present slots come first, newest first (order is
irrelevant to every history predicate, so fixing one breaks symmetry without losing a case),
happen at or before the decision time, and an event's team is its agent's team. Over them
`exists` is a disjunction over present slots, `all` a conjunction, and
`filter(...).size() op n` a sum of indicators.

Why K slots are enough: every history predicate of a condition is `exists`, `all`,
`exists_one` or a count compared with a constant. Take any real history that makes a set of
such predicates true or false; keep, for each predicate, the few events that decide it (one
witness for a true `exists`, one counterexample for a false `all`, n of the matching events
for a true `count >= n`, n+1 for a false `count <= n`, ...) and drop the others. Every
predicate keeps its truth value, so the shorter history decides the same way. `need()`
computes that number for a formula and its polarity; a check whose need is within K is
exact, and a larger need makes "no such request" a bounded claim (reported as such).
Nested history comprehensions and counts compared with non-constants have no such bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import z3

from studio.analysis.space import T_MIN, Space
from studio.analysis.symbolic import SList, SRecord, STime, Term, Value, count
from studio.cel.ast import (
    MIRRORED,
    Binary,
    Call,
    Comprehension,
    Conditional,
    Ident,
    Literal,
    Node,
    Operator,
    Quantifier,
    Unary,
)

UNBOUNDED = 1_000_000
"""The need of a predicate with no small-history bound."""


@dataclass(frozen=True, slots=True)
class Slot:
    """One event of a symbolic history."""

    present: Term | bool
    fields: dict[str, Value]
    key: tuple[str, int]
    """Identifies the slot in encodings (history name, index)."""

    def record(self, read_payload: Callable[[str], Value]) -> SRecord:
        """The event as the record a condition reads (`e.kind`, `e.payload.discount_pct`)."""
        fields = self.fields

        def read(name: str) -> Value:
            if name == "payload":
                return SRecord("payload", read_payload)
            return fields[name]

        return SRecord("event", read, self.key)


class History:
    """A symbolic history of `size` slots, decided at time `now`."""

    def __init__(self, space: Space, name: str, size: int, now: Term) -> None:
        self.space = space
        self.name = name
        self.now = now
        self.slots: list[Slot] = []
        self.records: list[SRecord] = []
        for index in range(size):
            self._add_slot(index)

    def _add_slot(self, index: int) -> None:
        space = self.space
        prefix = f"{self.name}{index}"
        present = z3.Bool(f"{prefix}.present")
        at = z3.Int(f"{prefix}.at")
        group = prefix
        agent = space.enum(f"{prefix}.agent", space.agents, group=group)
        team = space.enum(f"{prefix}.team", space.teams, group=group)
        fields: dict[str, Value] = {
            "at": STime(at),
            "agent": agent,
            "team": team,
            "kind": space.enum(f"{prefix}.kind", space.kinds, group=group),
            "channel": space.enum(f"{prefix}.channel", space.channels, group=group),
            "purpose": space.enum(f"{prefix}.purpose", space.purposes, group=group),
        }
        space.variable(f"{prefix}.present", group)
        space.variable(f"{prefix}.at", group)
        constraints = [z3.Implies(present, z3.And(at >= T_MIN, at <= self.now))]
        if self.slots:
            previous = self.slots[-1]
            previous_at = previous.fields["at"]
            assert isinstance(previous_at, STime)
            constraints += [z3.Implies(present, previous.present), z3.Implies(present, at <= previous_at.term)]
        team_of_agent = None
        for code, agent_id in reversed(list(enumerate(space.agents.values))):
            team_code = space.teams.code(space.agent_teams.get(agent_id, ""))
            if code and team_code is not None:
                team_of_agent = (
                    z3.IntVal(team_code)
                    if team_of_agent is None
                    else z3.If(agent.code == code, z3.IntVal(team_code), team_of_agent)
                )
        if team_of_agent is not None:  # an event names its agent (and then has its team) or only a team
            constraints.append(z3.Or(agent.code == 0, team.code == team_of_agent))
        space.constrain(group, *constraints, links=("now", f"{self.name}{index - 1}") if index else ("now",))
        slot = Slot(present, fields, (self.name, index))
        self.slots.append(slot)
        self.records.append(slot.record(lambda field: space.payload_field(prefix, field)))

    def with_event(self, name: str, slot: Slot) -> History:
        """The same history plus one known event (what a later request sees after an action went ahead)."""
        extended = History.__new__(History)
        extended.space = self.space
        extended.name = name
        extended.now = self.now
        extended.slots = [*self.slots, slot]
        extended.records = [*self.records, slot.record(lambda field: slot.fields[f"payload.{field}"])]
        return extended

    def as_list(self) -> SList:
        """The history as a list value of guarded events."""
        items = tuple((slot.present, record) for slot, record in zip(self.slots, self.records, strict=True))
        return SList(items, count(slot.present for slot in self.slots))


def constant_slot(space: Space, name: str, fields: dict[str, Value], payload: dict[str, Value]) -> Slot:
    """An event that is certainly present, with known fields (a witness's earlier step)."""
    merged: dict[str, Value] = {**fields, **{f"payload.{key}": value for key, value in payload.items()}}
    return Slot(True, merged, (name, 0))


# -- how many events a formula needs --------------------------------------------------------------


def need(node: Node, positive: bool) -> int:
    """How many history events decide `node` being true (positive) or false; UNBOUNDED if unknown."""
    return min(UNBOUNDED, _need(node, positive))


def _need(node: Node, positive: bool) -> int:
    if not _mentions_history(node):
        return 0
    match node:
        case Unary(op=Operator.NOT, operand=operand):
            return _need(operand, not positive)
        case Binary(op=Operator.AND | Operator.OR, left=left, right=right):
            return _need(left, positive) + _need(right, positive)
        case Binary(op=op, left=left, right=right) if op in MIRRORED:
            counted = _count_comparison(op, left, right)
            if counted is not None:
                return counted[0] if positive else counted[1]
            return _value_need(left) + _value_need(right)
        case Comprehension(quantifier=quantifier, target=target, body=body) if quantifier is not Quantifier.FILTER:
            if not _is_history(target) or _mentions_history(body) or _nested(target):
                return UNBOUNDED
            true_need, false_need = _QUANTIFIER_NEED[quantifier]
            return true_need if positive else false_need
        case Conditional(condition=condition, then=then, otherwise=otherwise):
            return _value_need(condition) + _need(then, positive) + _need(otherwise, positive)
    return _value_need(node)


def _value_need(node: Node) -> int:
    """The need of a sub-expression whose value (not only truth) matters."""
    if not _mentions_history(node):
        return 0
    if isinstance(node, Unary | Binary | Comprehension | Conditional) and not _is_history(node):
        if isinstance(node, Binary) and node.op not in MIRRORED and node.op not in (Operator.AND, Operator.OR):
            return UNBOUNDED
        return max(_need(node, True), _need(node, False))
    return UNBOUNDED


_QUANTIFIER_NEED = {
    Quantifier.EXISTS: (1, 0),
    Quantifier.ALL: (0, 1),
    Quantifier.EXISTS_ONE: (1, 2),
}


def _count_comparison(op: Operator, left: Node, right: Node) -> tuple[int, int] | None:
    """(need when true, need when false) of `count op n`, when one side counts history events."""
    if _is_count(right) and not _is_count(left):
        left, right, op = right, left, MIRRORED[op]
    if not _is_count(left):
        return None
    threshold = _number(right)
    if threshold is None:
        return (UNBOUNDED, UNBOUNDED)
    integral = float(threshold).is_integer()
    if op is Operator.GE:
        return (max(0, math.ceil(threshold)), 0)
    if op is Operator.GT:
        return (max(0, math.floor(threshold) + 1), 0)
    if op is Operator.LE:
        return (0, max(0, math.floor(threshold) + 1))
    if op is Operator.LT:
        return (0, max(0, math.ceil(threshold)))
    if not integral or threshold < 0:
        return (0, 0)
    amount = int(threshold)
    return (amount, amount + 1) if op is Operator.EQ else (amount + 1, amount)


def _is_count(node: Node) -> bool:
    """`size(L)` or `L.size()` where L is the history or a filter of it (with a history-free body)."""
    if not isinstance(node, Call) or node.function != "size":
        return False
    subject = node.target if node.target is not None else (node.args[0] if node.args else None)
    return subject is not None and _is_history(subject) and not _nested(subject)


def _nested(node: Node) -> bool:
    return isinstance(node, Comprehension) and (_mentions_history(node.body) or _nested(node.target))


def _is_history(node: Node) -> bool:
    if isinstance(node, Ident):
        return node.name == "history"
    return isinstance(node, Comprehension) and node.quantifier is Quantifier.FILTER and _is_history(node.target)


def _mentions_history(node: Node) -> bool:
    return any(isinstance(part, Ident) and part.name == "history" for part in node.walk())


def _number(node: Node) -> float | None:
    if isinstance(node, Literal) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, Unary) and node.op is Operator.NEG:
        inner = _number(node.operand)
        return None if inner is None else -inner
    return None
