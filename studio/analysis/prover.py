"""The symbolic machinery for one stack: space, solver session, encoder, formulas and witnesses.

Built once and kept while the stack is edited: `fits(stack)` says whether an edited stack can
reuse it (same schema, names and history bound), so an edit to a rule re-encodes only that
rule and asks the solver only the questions that involve it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import z3

from studio.analysis.cells import Layout
from studio.analysis.encode import Encoder, Env, conditions_literals
from studio.analysis.formulas import Formulas, RuleKey, rule_key, rule_need
from studio.analysis.formulas import rule_trees as trees_of
from studio.analysis.history import History
from studio.analysis.session import Session
from studio.analysis.space import Space
from studio.analysis.symbolic import SStr, Term
from studio.analysis.witness import WitnessBuilder, Witnesses
from studio.clock import MICROS_PER_DAY, from_micros, is_zone, zone
from studio.stack import ItemType, Rule, Stack, ValueType

HISTORY_CAP = 12
"""The most history events the solver considers (see history.py for when fewer are exact)."""


_LITERALS: dict[RuleKey, frozenset[str]] = {}


def rules_literals(rules: Iterable[Rule]) -> set[str]:
    """Every string literal in the rules' conditions and limits (`conditions_literals`), read once
    per distinct rule text: `fits` asks after every edit, and most rules didn't change."""
    literals: set[str] = set()
    for rule in rules:
        key = rule_key(rule)
        found = _LITERALS.get(key)
        if found is None:
            if len(_LITERALS) > 20_000:
                _LITERALS.clear()
            found = frozenset(conditions_literals(trees_of(rule)))
            _LITERALS[key] = found
        literals |= found
    return literals


def signature(stacks: Iterable[Stack], literals: Iterable[str]) -> str:
    """What a space depends on besides the rules: schema, names, zones (and literals, for string lists)."""
    parts = []
    for stack in stacks:
        string_lists = any(
            spec.type is ValueType.LIST and (spec.items or ItemType.STRING) is ItemType.STRING
            for spec in stack.customer.attributes.values()
        )
        parts.append(
            {
                "customer": stack.customer.model_dump(mode="json"),
                "agents": [(agent.id, agent.team) for agent in stack.agents],
                "teams": [team.id for team in stack.teams],
                "actions": [
                    action.model_dump(mode="json", include={"id", "channel", "purpose", "params"})
                    for action in stack.actions
                ],
                "channels": stack.channels,
                "purposes": stack.purposes,
                "timezone": stack.timezone,
                "samples": [customer.attributes for customer in stack.customers],
                "zones": sorted(value for value in literals if is_zone(value)),
                "literals": sorted(literals) if string_lists else [],
            }
        )
    return json.dumps(parts, sort_keys=True, default=str)


def _schema_parts(stack: Stack) -> tuple[object, ...]:
    """What `signature` reads of a stack besides the rules."""
    return (
        stack.customer,
        stack.agents,
        stack.teams,
        stack.actions,
        stack.channels,
        stack.purposes,
        stack.timezone,
        stack.customers,
    )


def _same_objects(first: list[tuple[object, ...]], second: list[tuple[object, ...]]) -> bool:
    """The very same objects (equal strings), part by part."""
    if len(first) != len(second):
        return False
    return all(
        len(mine) == len(theirs)
        and all(a is b or (isinstance(a, str) and a == b) for a, b in zip(mine, theirs, strict=True))
        for mine, theirs in zip(first, second, strict=True)
    )


def history_bound(stack: Stack, cap: int) -> int:
    """K: enough history events for every cell's verdict to be decided exactly, at most `cap`."""
    needs: dict[int, int] = {}  # by rule object: a rule binds many cells

    def need_of(rule: Rule) -> int:
        found = needs.get(id(rule))
        if found is None:
            found = needs[id(rule)] = rule_need(rule, when=None, limits=None)
        return found

    largest = 1
    for cell in Layout.of(stack).cells:
        largest = max(largest, sum(need_of(rule) for rule in cell.rules))
    return min(cap, largest)


class Prover:
    """Everything symbolic about one stack (or, for comparisons, several versions of it)."""

    def __init__(self, stacks: list[Stack], *, reference: int, cap: int = HISTORY_CAP) -> None:
        literals = rules_literals(rule for stack in stacks for rule in stack.rules)
        self.signature = signature(stacks, literals)
        self._literals = literals
        self._schema = [_schema_parts(stack) for stack in stacks]
        self.space = Space(stacks, zones=(value for value in literals if is_zone(value)), literals=literals)
        self.history_bound = max(history_bound(stack, cap) for stack in stacks)
        self.cap = cap
        history = History(self.space, "h", self.history_bound, self.space.now)
        self.primary = Env("", history, self.space.now)
        self.session = Session(self.space, self.history_bound, [slot.present for slot in history.slots])
        self.encoder = Encoder(self.space)
        self.formulas = Formulas(self.space, self.session, self.encoder, self.primary)
        self.reference = reference
        self.builder = WitnessBuilder(self.space, stacks[-1], reference)
        self.witnesses = Witnesses(self.session, self.builder, window=self.window)

    def window(self, envs: Sequence[Env]) -> Term | None:
        """Times pinned to a day before the reference whose zone offsets don't change, and the
        zone offsets read at those times set to their real values: with it, a witness's clock
        parts (`now.getHours(customer.tz)`) are exact, daylight saving included."""
        nows = {env.now.get_id() for env in envs}
        records = [
            (offset, moment, value)
            for offset, moment, value in self.encoder.offsets
            if not isinstance(moment, int) and moment.get_id() in nows
        ]
        if not records:
            return None
        zones = {zone for _, _, value in records for zone in _zones(value)}
        start, end = _stable_day(self.reference, zones)
        parts: list[Term] = [z3.And(env.now >= start, env.now <= end) for env in envs]
        for offset, _, value in records:
            if value.const is not None:
                parts.append(offset == offset_at(value.const, end))
            elif value.code is not None and value.domain is not None:
                parts += [
                    z3.Implies(value.code == index, offset == offset_at(zone, end))
                    for index, zone in enumerate(value.domain.values)
                ]
        return z3.And(*parts)

    def fits(self, stacks: list[Stack]) -> bool:
        """True when the edited stack(s) can reuse this prover."""
        literals = rules_literals(rule for stack in stacks for rule in stack.rules)
        parts = [_schema_parts(stack) for stack in stacks]
        # An edit to rules keeps the (immutable) schema objects: the signature can't have changed.
        unchanged = literals == self._literals and _same_objects(parts, self._schema)
        if not unchanged:
            if signature(stacks, literals) != self.signature:
                return False
            self._literals, self._schema = literals, parts
        bound = max(history_bound(stack, self.cap) for stack in stacks)
        return bound <= self.history_bound

    def use(self, stack: Stack) -> None:
        """Point witness building at an edited version of the stack (same signature)."""
        self.builder = WitnessBuilder(self.space, stack, self.reference)
        old = self.witnesses
        self.witnesses = Witnesses(
            self.session, self.builder, drafts=old.drafts, confirmed=old.confirmed, window=self.window
        )


def offset_at(name: str, moment: int) -> int:
    """The zone's UTC offset at `moment`, in µs."""
    offset = from_micros(moment).astimezone(zone(name)).utcoffset()
    assert offset is not None
    return round(offset.total_seconds()) * 1_000_000


def _zones(value: SStr) -> tuple[str, ...]:
    if value.const is not None:
        return (value.const,)
    return value.domain.values if value.domain is not None else ()


def _stable_day(reference: int, zones: set[str]) -> tuple[int, int]:
    """The latest day ending at reference minus whole weeks on which no zone changes its offset."""
    for weeks in range(8):
        end = reference - weeks * 7 * MICROS_PER_DAY
        start = end - MICROS_PER_DAY
        if all(offset_at(name, start) == offset_at(name, end) for name in zones):
            return start, end
    end = reference
    return end - MICROS_PER_DAY, end
