"""Rule and verdict formulas: what the engine computes for a cell, as solver terms.

For a rule in a cell: `when` (its condition, true when absent) and `limits` (the conjunction
of a may rule's limits). For a cell, the engine's combination (docs/semantics.md §3):

    allowed   = any may rule fires within its limits
    over_flag = any may rule fires beyond its limits, with over_limit: flag
    covered   = any may rule fires
    permission: go if allowed; else flag if over_flag; else stop if an over-limit stop fired;
                else the default (flag or stop) when nothing covers the action
    stop = any never rule fires, or the permission is stop
    flag = not stop, and a must rule's flag duty fires or the permission is flag
    go   = neither

Each formula carries its history *need* (how many events make a "no" exact, see history.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction

import z3

from studio.analysis.cells import Cell, flag_targets
from studio.analysis.encode import Context, Encoder, Env
from studio.analysis.history import History, constant_slot, need
from studio.analysis.session import Session
from studio.analysis.space import Space
from studio.analysis.symbolic import SBool, SList, SNum, SStr, STime, Term, Value, and_, not_, or_
from studio.cel.ast import Node, conjunction
from studio.cel.parse import parse
from studio.clock import MICROS_PER_DAY
from studio.condition import to_tree
from studio.decision import Verdict
from studio.request import default_value
from studio.stack import Action, Agent, Rule, RuleKind, ValueType

CONTEST_WINDOW = 7 * MICROS_PER_DAY
"""How far apart the two steps of a contested-ownership witness may be: within a week."""

RuleKey = tuple[str | None, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class RuleParts:
    """A rule's condition and limits as trees, with their history needs (true, false)."""

    when: Node | None
    limits: Node | None
    when_need: tuple[int, int]
    limits_need: tuple[int, int]


@dataclass(frozen=True, slots=True)
class RuleTerms:
    """A rule's formulas in one cell and request."""

    when: Term | bool
    limits: Term | bool
    approximations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VerdictTerms:
    """The engine's combination for one cell and request (see the module doc)."""

    stop: Term | bool
    flag: Term | bool
    go: Term | bool
    allowed: Term | bool
    covered: Term | bool
    never: Term | bool
    need: int
    approximations: tuple[str, ...]


_KEYS: dict[int, tuple[Rule, RuleKey]] = {}


def rule_key(rule: Rule) -> RuleKey:
    """What a rule's formulas depend on: its condition and limits, exactly as written."""
    found = _KEYS.get(id(rule))
    if found is not None and found[0] is rule:
        return found[1]
    when = rule.when
    if when is None or isinstance(when, str):
        key: RuleKey = (when, tuple(rule.limits))
    else:
        key = (json.dumps(when.model_dump(mode="json"), sort_keys=True), tuple(rule.limits))
    if len(_KEYS) > 50_000:
        _KEYS.clear()
    _KEYS[id(rule)] = (rule, key)
    return key


_PARTS: dict[RuleKey, RuleParts] = {}


def rule_parts(rule: Rule) -> RuleParts:
    """The rule's trees and needs (parsed once per distinct condition and limits)."""
    key = rule_key(rule)
    found = _PARTS.get(key)
    if found is None:
        when = to_tree(rule.when) if rule.when is not None else None
        limits = conjunction([parse(text) for text in rule.limits]) if rule.limits else None
        found = RuleParts(when, limits, _needs(when), _needs(limits))
        if len(_PARTS) > 20_000:
            _PARTS.clear()
        _PARTS[key] = found
    return found


def rule_trees(rule: Rule) -> list[Node]:
    """The rule's condition and limits as trees (cached)."""
    parts = rule_parts(rule)
    return [tree for tree in (parts.when, parts.limits) if tree is not None]


def rule_need(rule: Rule, *, when: bool | None = True, limits: bool | None = None) -> int:
    """Events needed to decide the rule's condition (and limits) with the given truth values (None: either)."""
    parts = rule_parts(rule)
    return _pick(parts.when_need, when) + _pick(parts.limits_need, limits)


@dataclass(slots=True)
class Formulas:
    """Builds and remembers the formulas of rules and cells (memoised across stack edits)."""

    space: Space
    session: Session
    encoder: Encoder
    primary: Env
    _terms: dict[tuple[object, ...], RuleTerms] = field(default_factory=dict)
    _verdicts: dict[tuple[object, ...], VerdictTerms] = field(default_factory=dict)
    _envs: dict[str, Env] = field(default_factory=dict)
    _verdict_keys: dict[int, tuple[Cell, tuple[object, ...]]] = field(default_factory=dict)
    earlier: dict[str, Rule] = field(default_factory=dict)
    """Rule id -> its version before the current edit, for rules whose condition or limits changed
    (set by the analyzer on each update): their new formulas are recorded as replacing the old
    ones, so the session can answer some questions from those asked before (`Session.replace`)."""

    # -- rules ---------------------------------------------------------------------------------

    def rule(self, rule: Rule, cell: Cell, env: Env | None = None) -> RuleTerms:
        """The rule's `when` and `limits` formulas in `cell` (for request `env`, the primary by default)."""
        env = env or self.primary
        key = (rule_key(rule), cell.context, env.name)
        found = self._terms.get(key)
        if found is None:
            parts = rule_parts(rule)
            context = Context(cell.agent_values, cell.action_values, env)
            when = self.encoder.condition(parts.when, context) if parts.when is not None else None
            limits = self.encoder.condition(parts.limits, context) if parts.limits is not None else None
            notes = (*(when.approximations if when else ()), *(limits.approximations if limits else ()))
            for encoded, needs in ((when, parts.when_need), (limits, parts.limits_need)):
                if encoded is not None:
                    self.session.register(encoded.term, encoded.uses, needs)
            found = RuleTerms(
                when.term if when is not None else True,
                limits.term if limits is not None else True,
                tuple(dict.fromkeys(notes)),
            )
            self._terms[key] = found
        before = self.earlier.get(rule.id)
        if before is not None and before is not rule:
            self._replaces(found, self.rule(before, cell, env))
        return found

    def _replaces(self, new: RuleTerms, old: RuleTerms) -> None:
        """Tell the session that an edit turned the old formulas into the new ones."""
        self.session.replace(new.when, old.when)
        self.session.replace(new.limits, old.limits)

    # -- cells ---------------------------------------------------------------------------------

    def verdict(self, cell: Cell, env: Env | None = None) -> VerdictTerms:
        """The engine's verdict formulas for `cell`."""
        env = env or self.primary
        key = (*self._verdict_key(cell), env.name)
        found = self._verdicts.get(key)
        if found is not None:
            return found
        terms = {rule.id: self.rule(rule, cell, env) for rule in cell.rules}
        nevers = [terms[rule.id].when for rule in cell.of_kind(RuleKind.NEVER)]
        musts = [terms[rule.id].when for rule in cell.of_kind(RuleKind.MUST) if flag_targets(rule)]
        mays = cell.of_kind(RuleKind.MAY)
        allowed = or_(*(and_(terms[r.id].when, terms[r.id].limits) for r in mays))
        beyond = {r.id: and_(terms[r.id].when, not_(terms[r.id].limits)) for r in mays if r.limits}
        over_flag = or_(*(beyond[r.id] for r in mays if r.id in beyond and r.over_limit == "flag"))
        over_stop = or_(*(beyond[r.id] for r in mays if r.id in beyond and r.over_limit == "stop"))
        covered = or_(*(terms[r.id].when for r in mays))
        uncovered_default = and_(not_(covered), cell.default is Verdict.STOP)
        permission_stop = and_(not_(allowed), not_(over_flag), or_(over_stop, uncovered_default))
        permission_flag = and_(not_(allowed), or_(over_flag, and_(not_(covered), cell.default is Verdict.FLAG)))
        never = or_(*nevers)
        stop = or_(never, permission_stop)
        flagged = or_(*musts, permission_flag)
        flag = and_(not_(stop), flagged)
        # The same as "neither stop nor flag", written so that each never and must rule occurs
        # only negated: `Session` can then tell that a never rule firing more often only takes
        # requests away from `go` (and reuse earlier "no such request" answers after an edit).
        go = and_(not_(stop), not_(flagged))
        need_total = sum(rule_need(rule, when=None, limits=None) for rule in cell.rules)
        notes = tuple(dict.fromkeys(note for term in terms.values() for note in term.approximations))
        found = VerdictTerms(stop, flag, go, allowed, covered, never, need_total, notes)
        self._verdicts[key] = found
        return found

    def _verdict_key(self, cell: Cell) -> tuple[object, ...]:
        """What a cell's verdict formulas depend on (remembered per cell object: checks ask for
        the verdict of the same cell many times in one run)."""
        found = self._verdict_keys.get(id(cell))
        if found is None or found[0] is not cell:
            rules = tuple(
                (*rule_key(rule), rule.kind, rule.over_limit, bool(flag_targets(rule))) for rule in cell.rules
            )
            found = (cell, (cell.key, cell.default, tuple(cell.agent_values.values()), rules))
            if len(self._verdict_keys) > 20_000:
                self._verdict_keys.clear()
            self._verdict_keys[id(cell)] = found
        return found[1]

    # -- a later request ----------------------------------------------------------------------

    def after(self, agent: Agent, action: Action) -> Env:
        """The request that follows `agent` doing `action` at the primary request's time, which
        went ahead: its history has that action's event, and it is decided up to a week later."""
        name = f"after:{agent.id}:{action.id}"
        found = self._envs.get(name)
        if found is not None:
            return found
        space = self.space
        fields: dict[str, Value] = {
            "at": STime(self.primary.now),
            "agent": SStr(const=agent.id),
            "team": SStr(const=agent.team),
            "kind": SStr(const=action.id),
            "channel": SStr(const=action.channel or ""),
            "purpose": SStr(const=action.purpose or ""),
        }
        payload: dict[str, Value] = {}
        for field_name, spec in space.payload.items():
            param = action.params.get(field_name)
            fits = param is not None and param.type is spec.type
            if fits and spec.values and param is not None:
                fits = set(param.values) <= set(spec.values)
            if fits and param is not None and spec.type is not ValueType.LIST:
                payload[field_name] = space.param("", action.id, field_name)
            else:
                payload[field_name] = _constant(space, field_name, default_value(spec, space.stacks[-1].timezone))
        slot = constant_slot(space, name, fields, payload)
        later = z3.Int("now.after")
        space.variable("now.after", "now.after")
        space.constrain(
            "now.after", later >= self.primary.now, later <= self.primary.now + CONTEST_WINDOW, links=("now",)
        )
        history: History = self.primary.history.with_event(name, slot)
        param_groups = {f"params.{action.id}.{param}" for param in action.params}
        groups = frozenset({*self.primary.history_groups, *param_groups})
        found = Env(name, history, later, params=".after", history_groups=groups, now_group="now.after")
        self._envs[name] = found
        return found


def _constant(space: Space, name: str, value: object) -> Value:
    spec = space.payload[name]
    if spec.type is ValueType.NUMBER:
        assert isinstance(value, int | float)
        return SNum(Fraction(value))
    if spec.type is ValueType.BOOL:
        return SBool(bool(value))
    if spec.type is ValueType.TIMESTAMP:
        assert isinstance(value, int)
        return STime(value)
    if spec.type is ValueType.LIST:
        assert isinstance(value, tuple)
        return SList(tuple((True, SStr(const=str(item))) for item in value), len(value))
    return SStr(const=str(value))


def _needs(node: Node | None) -> tuple[int, int]:
    if node is None:
        return (0, 0)
    return (need(node, True), need(node, False))


def _pick(needs: tuple[int, int], truth: bool | None) -> int:
    if truth is None:
        return max(needs)
    return needs[0] if truth else needs[1]
