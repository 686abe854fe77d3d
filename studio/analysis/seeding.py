"""Cheap observations before the solver: decided requests that show what can happen.

The engine decides a request in microseconds; the solver answers a question in milliseconds.
So before asking, the analysis decides a few hundred requests and records what it sees
(`Run.decide`): which rules fired together, which verdicts each cell reached, where the
default applied. Any finding whose witness is among them needs no solver question, and a
rule seen firing needs no "can it fire?" question. Nothing here decides a finding on its own:
an observation only ever *shows* that something happens (and the engine confirmed it).

The requests: every sample customer, a plain customer (the first sample's attributes, no
history), and random customers built from the values the conditions themselves mention
(thresholds and their neighbours, enum values, event kinds, teams and windows), with a fixed
random seed so a stack is always analysed the same way.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterable
from typing import Any

from studio.analysis.cells import Cell
from studio.cel.ast import Literal, Node
from studio.clock import MICROS_PER_DAY, MICROS_PER_HOUR, is_zone
from studio.request import Request, default_value
from studio.stack import ItemType, Stack, ValueSpec, ValueType

RANDOM_PER_CELL = 3
"""Random customers decided in each cell."""
_AGES_HOURS = (0, 1, 12, 24, 47, 72, 7 * 24, 14 * 24, 30 * 24, 31 * 24, 90 * 24)


class Seeder:
    """Random requests for a stack, drawing from the values its conditions mention."""

    def __init__(self, stack: Stack, trees: Iterable[Node], reference: int, baseline: dict[str, Any]) -> None:
        self.stack = stack
        self.reference = reference
        self.baseline = baseline
        self.rng = random.Random(0)
        numbers: set[float] = set()
        strings: set[str] = set()
        for tree in trees:
            for part in tree.walk():
                if (
                    isinstance(part, Literal)
                    and isinstance(part.value, int | float)
                    and not isinstance(part.value, bool)
                ):
                    numbers.update({float(part.value), float(part.value) + 1, float(part.value) - 1})
                elif isinstance(part, Literal) and isinstance(part.value, str):
                    strings.add(part.value)
        self.numbers = sorted(numbers)
        self.strings = sorted(strings)
        self.teams = {agent.id: agent.team for agent in stack.agents}
        self.agents = ["", *self.teams]
        self.team_ids = [team.id for team in stack.teams] or [""]
        self.channels = ["", *stack.channels]
        self.purposes = ["", *stack.purposes]
        self.kinds = [*stack.customer.history.kinds, *(action.id for action in stack.actions)]
        self._ranges: dict[tuple[float, float], list[float]] = {}
        self.zones = [stack.timezone, "UTC", *(text for text in self.strings if "/" in text and is_zone(text))]

    def requests(self, cell: Cell, count: int = RANDOM_PER_CELL) -> list[Request]:
        """`count` random requests for the cell (the same ones every time for the same stack and cell)."""
        self.rng.seed(zlib.crc32(f"{self.stack.name}|{cell.agent.id}|{cell.action.id}".encode()))
        return [self._request(cell, index) for index in range(count)]

    def _request(self, cell: Cell, index: int) -> Request:
        rng = self.rng
        now = self.reference - rng.choice((0, 3, 9, 14, 20)) * MICROS_PER_HOUR
        customer: dict[str, Any] = {"id": "witness"}
        for name, spec in self.stack.customer.attributes.items():
            keep = rng.random() < 0.4
            customer[name] = self.baseline[name] if keep else self._value(spec, now)
        params = {name: self._value(spec, now) for name, spec in cell.action.params.items()}
        history = []
        for _ in range(rng.choice((0, 1, 2, 3, 4, 6, 8)) if index else 0):
            history.append(self._event(now))
        history.sort(key=lambda event: int(event["at"]))
        return Request(cell.agent.id, cell.action.id, params, customer, tuple(history), now)

    def _event(self, now: int) -> dict[str, Any]:
        rng = self.rng
        agent = rng.choice(self.agents)
        team = self.teams[agent] if agent else rng.choice(self.team_ids)
        payload = {
            name: self._value(spec, now) if rng.random() < 0.5 else default_value(spec, self.stack.timezone)
            for name, spec in self.stack.customer.history.payload.items()
        }
        return {
            "at": now - rng.choice(_AGES_HOURS) * MICROS_PER_HOUR,
            "agent": agent,
            "team": team,
            "kind": rng.choice(self.kinds),
            "channel": rng.choice(self.channels),
            "purpose": rng.choice(self.purposes),
            "payload": payload,
        }

    def _value(self, spec: ValueSpec, now: int) -> Any:
        rng = self.rng
        kind = spec.type
        if kind is ValueType.NUMBER:
            low = spec.min if spec.min is not None else -1e9
            high = spec.max if spec.max is not None else 1e9
            choices = self._ranges.get((low, high))
            if choices is None:
                choices = [value for value in self.numbers if low <= value <= high]
                self._ranges[(low, high)] = choices
            if choices and rng.random() < 0.8:
                return rng.choice(choices)
            return float(max(low, min(high, 0.0)))
        if kind is ValueType.BOOL:
            return rng.random() < 0.5
        if kind is ValueType.ENUM:
            return rng.choice(spec.values)
        if kind is ValueType.STRING:
            return rng.choice(["", *self.strings])
        if kind is ValueType.TIMESTAMP:
            return now + rng.choice((-1, 1)) * rng.choice((0, 1, 7, 30, 60, 89, 90, 91, 120, 365)) * MICROS_PER_DAY
        if kind is ValueType.TIMEZONE:
            return rng.choice(self.zones)
        if (spec.items or ItemType.STRING) is ItemType.ENUM:
            return tuple(rng.sample(spec.values, rng.choice((0, 0, 1, 1, 2)) if spec.values else 0))
        if (spec.items or ItemType.STRING) is ItemType.STRING:
            return tuple(rng.sample(self.strings, min(len(self.strings), rng.choice((0, 0, 1)))))
        return ()
