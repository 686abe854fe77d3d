"""Helpers for the analysis tests: requests as solver assignments, random requests."""

from __future__ import annotations

import random
from typing import Any

import z3

from studio.analysis.prover import Prover
from studio.analysis.prover import offset_at as zone_offset
from studio.analysis.space import REPRESENTATIVE_ZONES as REPRESENTATIVES
from studio.analysis.symbolic import SBool, SList, SNum, SStr, STime, Term
from studio.clock import MICROS_PER_DAY, MICROS_PER_HOUR, is_zone
from studio.request import Request, default_value
from studio.stack import ItemType, Stack, ValueSpec, ValueType


def assignment(prover: Prover, request: Request) -> list[tuple[Term, Term]]:
    """z3 substitutions that make the space's variables take the request's values."""
    space = prover.space
    pairs: list[tuple[Term, Term]] = [(space.now, z3.IntVal(request.at))]
    for name, value in request.customer.items():
        variable = space.get("customer.id" if name == "id" else f"customer.{name}")
        if variable is not None:
            pairs += _pairs(variable, value, request.at)
    for name, value in request.params.items():
        variable = space.get(f"params.{request.action}.{name}")
        if variable is not None:
            pairs += _pairs(variable, value)
    events = sorted(request.history, key=lambda event: -int(event["at"]))
    for index, slot in enumerate(prover.primary.history.slots):
        present = index < len(events)
        pairs.append((slot.present, z3.BoolVal(present)))
        if not present:
            continue
        event = events[index]
        for field in ("at", "agent", "team", "kind", "channel", "purpose"):
            pairs += _pairs(slot.fields[field], event[field])
        for field, value in event["payload"].items():
            variable = space.get(f"h{index}.payload.{field}")
            if variable is not None:
                pairs += _pairs(variable, value)
    return pairs


def _representative(name: str, at: int) -> str:
    offset = zone_offset(name, at)
    hours, rest = divmod(offset, MICROS_PER_HOUR)
    if not rest:
        return f"Etc/GMT{-hours:+d}" if hours else "Etc/GMT"
    return next(zone for zone, offsets in REPRESENTATIVES.items() if offset in offsets)


def _pairs(variable: Any, value: Any, at: int | None = None) -> list[tuple[Term, Term]]:
    if isinstance(variable, SNum):
        return [(variable.term, z3.RealVal(value))]
    if isinstance(variable, STime):
        return [(variable.term, z3.IntVal(int(value)))]
    if isinstance(variable, SBool):
        return [(variable.term, z3.BoolVal(bool(value)))]
    if isinstance(variable, SStr):
        if variable.code is not None and variable.domain is not None:
            code = variable.domain.code(value)
            if code is None and at is not None and is_zone(value):
                # A zone the stack never names stands for the representative zone of its offset.
                code = variable.domain.code(_representative(value, at))
            assert code is not None, (value, variable.domain)
            return [(variable.code, z3.IntVal(code))]
        return [(variable.text, z3.StringVal(value))]
    if isinstance(variable, SList):
        pairs: list[tuple[Term, Term]] = [(variable.size, z3.IntVal(len(value)))]
        for member, flag in (variable.members or {}).items():
            pairs.append((flag, z3.BoolVal(member in value)))
        return pairs
    raise AssertionError(variable)


def evaluate(term: Term | bool, pairs: list[tuple[Term, Term]]) -> bool | None:
    """The formula's value under the assignment (None if it still has free variables)."""
    if isinstance(term, bool):
        return term
    result = z3.simplify(z3.substitute(term, *pairs))
    if z3.is_true(result):
        return True
    if z3.is_false(result):
        return False
    return None


def random_value(rng: random.Random, spec: ValueSpec, now: int, interesting: list[float]) -> Any:
    """A random valid value for a declaration (numbers favour the thresholds conditions mention)."""
    kind = spec.type
    if kind is ValueType.NUMBER:
        low = spec.min if spec.min is not None else -1000.0
        high = spec.max if spec.max is not None else 500_000.0
        choices = [value for value in interesting if low <= value <= high] or [low]
        if rng.random() < 0.6:
            return float(rng.choice(choices))
        return float(round(rng.uniform(low, high), rng.choice([0, 0, 2])))
    if kind is ValueType.BOOL:
        return rng.random() < 0.5
    if kind is ValueType.STRING:
        return rng.choice(["", "a", "vip-1", "x"])
    if kind is ValueType.ENUM:
        return rng.choice(spec.values)
    if kind is ValueType.TIMESTAMP:
        return (
            now + rng.choice([-1, 1]) * rng.randint(0, 400) * MICROS_PER_DAY + rng.choice([0, 0, 7]) * MICROS_PER_HOUR
        )
    if kind is ValueType.TIMEZONE:
        return rng.choice(["UTC", "America/New_York", "Asia/Tokyo", "Europe/Oslo", "America/Chicago", "Asia/Kolkata"])
    if (spec.items or ItemType.STRING) is ItemType.ENUM:
        return tuple(rng.sample(spec.values, rng.randint(0, min(2, len(spec.values)))))
    return ()


def random_request(
    rng: random.Random, stack: Stack, agent: str, action_id: str, events: int, interesting: list[float]
) -> Request:
    """A random request for one cell, with up to `events` history events."""
    now = 1_790_000_000_000_000 + rng.randint(0, 365) * MICROS_PER_DAY + rng.randint(0, 23) * MICROS_PER_HOUR
    customer: dict[str, Any] = {"id": "c"}
    for name, spec in stack.customer.attributes.items():
        customer[name] = random_value(rng, spec, now, interesting)
    action = next(a for a in stack.actions if a.id == action_id)
    params = {name: random_value(rng, spec, now, interesting) for name, spec in action.params.items()}
    teams = {a.id: a.team for a in stack.agents}
    kinds = [*stack.customer.history.kinds, *(a.id for a in stack.actions)]
    history = []
    for _ in range(rng.randint(0, events)):
        who = rng.choice(["", *teams])
        history.append(
            {
                "at": now - rng.choice([0, 1, 24, 7 * 24, 30 * 24, rng.randint(0, 60 * 24)]) * MICROS_PER_HOUR,
                "agent": who,
                "team": teams[who] if who else rng.choice([t.id for t in stack.teams]),
                "kind": rng.choice(kinds),
                "channel": rng.choice(["", *stack.channels]),
                "purpose": rng.choice(["", *stack.purposes]),
                "payload": {
                    name: random_value(rng, spec, now, interesting) if rng.random() < 0.5 else default_value(spec)
                    for name, spec in stack.customer.history.payload.items()
                },
            }
        )
    return Request(agent, action_id, params, customer, tuple(history), now)
