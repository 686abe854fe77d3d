"""Seeded, realistic decision requests for any stack, drawn from its schema.

Every declared (agent, action) cell is asked about equally often. Customers get every
declared attribute, numbers near the thresholds the stack's conditions compare them with half
of the time (so limits and windows are exercised on both sides), and 0-12 history events
spread over the 60 days before the decision. Numbers are whole, or have two decimals when
their range is small (scores, rates): the Cedar peer passes numbers as Long in 1/10,000.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from studio.cel.ast import Binary, Ident, Literal, Node, Select
from studio.cel.parse import parse
from studio.clock import MICROS_PER_DAY, MICROS_PER_HOUR, parse_instant
from studio.condition import to_tree
from studio.environment import event_kinds
from studio.request import Request
from studio.stack import ItemType, Stack, ValueSpec, ValueType

NOW = parse_instant("2026-11-23T15:00:00Z", now=0)
ZONES = ("UTC", "America/New_York", "America/Chicago", "Europe/Paris", "Asia/Tokyo", "America/Denver")
HISTORY_DAYS = 60
MAX_EVENTS = 12


def thresholds(stack: Stack) -> dict[tuple[str, str], list[float]]:
    """(root, field) -> the numbers conditions compare it with: `params.discount_pct <= 10` etc."""
    found: dict[tuple[str, str], list[float]] = defaultdict(list)

    def visit(node: Node) -> None:
        for part in node.walk():
            if not isinstance(part, Binary):
                continue
            for side, other in ((part.left, part.right), (part.right, part.left)):
                if isinstance(side, Select) and isinstance(other, Literal):
                    value = other.value
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        root = side.operand.name if isinstance(side.operand, Ident) else "e.payload"
                        found[(root, side.field)].append(float(value))

    for rule in stack.rules:
        if rule.when is not None:
            visit(to_tree(rule.when))
        for limit in rule.limits:
            visit(parse(limit))
    return found


class RequestMaker:
    """Draws requests for one stack from a seeded random generator."""

    def __init__(self, stack: Stack, seed: int = 42, now: int = NOW) -> None:
        self.stack = stack
        self.rng = random.Random(seed)
        self.now = now
        self.near = thresholds(stack)
        self.cells = [(agent.id, action) for agent in stack.agents for action in agent.actions]
        self.actions = {action.id: action for action in stack.actions}
        self.teams = {agent.id: agent.team for agent in stack.agents}
        self.kinds = event_kinds(stack)
        self.doers: dict[str, list[str]] = defaultdict(list)
        for agent in stack.agents:
            for action in agent.actions:
                self.doers[action].append(agent.id)

    def number(self, spec: ValueSpec, key: tuple[str, str]) -> float:
        rng = self.rng
        low = spec.min if spec.min is not None else 0.0
        near = self.near.get(key) or []
        high = spec.max if spec.max is not None else max([low + 100.0, *(3 * abs(n) for n in near)])
        fine = high - low <= 10  # scores and rates: two decimals; anything larger: whole numbers
        if near and rng.random() < 0.5:
            step = 0.01 if fine else 1.0
            value = rng.choice(near) + rng.choice((-step, 0.0, 0.0, step))
        elif low >= 0 and high > 1000 * (low + 1):  # money: log-uniform, most customers are small
            value = math.exp(rng.uniform(math.log(low + 1), math.log(high + 1))) - 1
        else:
            value = rng.uniform(low, high)
        if spec.min is not None:
            value = max(spec.min, value)
        if spec.max is not None:
            value = min(spec.max, value)
        return float(round(value, 2) if fine else round(value))

    def value(self, spec: ValueSpec, key: tuple[str, str]) -> Any:
        rng = self.rng
        kind = spec.type
        if kind is ValueType.NUMBER:
            return self.number(spec, key)
        if kind is ValueType.BOOL:
            if isinstance(spec.default, bool) and rng.random() < 0.9:
                return spec.default
            return rng.random() < 0.5
        if kind is ValueType.ENUM:
            return rng.choice(spec.values)
        if kind is ValueType.STRING:
            return rng.choice(("alpha", "beta", "gamma"))
        if kind is ValueType.TIMEZONE:
            return rng.choice(ZONES)
        if kind is ValueType.TIMESTAMP:
            return self.now + rng.randint(-60, 400) * MICROS_PER_DAY + rng.randint(0, 23) * MICROS_PER_HOUR
        if spec.items is ItemType.ENUM and rng.random() < 0.05:
            return tuple(rng.sample(spec.values, rng.randint(1, min(2, len(spec.values)))))
        return ()

    def event(self, at: int) -> dict[str, Any]:
        rng = self.rng
        stack = self.stack
        kind = rng.choice(self.kinds)
        action = self.actions.get(kind)
        if action is not None and self.doers[kind] and rng.random() < 0.8:
            agent = rng.choice(self.doers[kind])
        else:
            agent = rng.choice(stack.agents).id if rng.random() < 0.6 else ""
        team = self.teams[agent] if agent else rng.choice(stack.teams).id
        channel = (action.channel if action else None) or rng.choice(stack.channels or [""])
        purpose = (action.purpose if action else None) or rng.choice(stack.purposes or [""])
        payload = {
            name: self.value(spec, ("e.payload", name)) if rng.random() < 0.5 else _zero(spec)
            for name, spec in stack.customer.history.payload.items()
        }
        return {
            "at": at,
            "agent": agent,
            "team": team,
            "kind": kind,
            "channel": channel,
            "purpose": purpose,
            "payload": payload,
        }

    def request(self, agent: str, action_id: str) -> Request:
        rng = self.rng
        at = self.now + rng.randint(-12 * 3600, 12 * 3600) * 1_000_000  # any hour of the day
        customer: dict[str, Any] = {"id": f"c{rng.randrange(1_000_000):06d}"}
        for name, spec in self.stack.customer.attributes.items():
            customer[name] = self.value(spec, ("customer", name))
        params = {name: self.value(spec, ("params", name)) for name, spec in self.actions[action_id].params.items()}
        span = HISTORY_DAYS * MICROS_PER_DAY
        times = sorted(at - rng.randrange(span) for _ in range(rng.randint(0, MAX_EVENTS)))
        history = tuple(self.event(moment) for moment in times)
        return Request(agent, action_id, params, customer, history, at)

    def requests(self, count: int) -> list[Request]:
        """`count` requests, every cell in turn (shuffled), each with a fresh customer."""
        return list(self._draw(count))

    def _draw(self, count: int) -> Iterator[Request]:
        order: list[tuple[str, str]] = []
        while len(order) < count:
            batch = list(self.cells)
            self.rng.shuffle(batch)
            order.extend(batch)
        for agent, action in order[:count]:
            yield self.request(agent, action)


def _zero(spec: ValueSpec) -> Any:
    if spec.default is not None:
        return float(spec.default) if spec.type is ValueType.NUMBER else spec.default
    return {ValueType.NUMBER: 0.0, ValueType.BOOL: False, ValueType.ENUM: ""}.get(spec.type, "")


def make_requests(stack: Stack, count: int, seed: int = 42) -> list[Request]:
    """`count` seeded requests for `stack` (see the module doc)."""
    return RequestMaker(stack, seed).requests(count)
