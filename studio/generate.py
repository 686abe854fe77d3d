"""Seeded random decision requests for any stack: valid, realistic, and aimed at the edges.

Parity tests (Rego, SQL, SMT, backtests) need many requests that a real service could send,
with the boundaries of the stack's own conditions well covered:

    from studio.generate import RequestGenerator

    generator = RequestGenerator(stack, seed=7)
    for request in generator.requests(10_000):   # the same 10,000 for the same seed and stack
        policy.decide(request)

What is generated:
- agents and actions: mostly the cells the stack declares; a few refusals (an unknown agent, an
  unknown action, an action the agent doesn't declare), unless `refusals=0`;
- customers: half start from a sample customer with some attributes changed, half are drawn
  from the schema; numbers sit on, just under and just over every number the conditions
  compare with, within each attribute's min and max; enums, bools, lists and time zones vary;
- history: 0 to a dozen events of every kind, agent, team, channel and purpose, with payloads;
  their ages hit each window the conditions name (`days(7)`, `duration('24h')`) exactly, 1 µs
  inside and 1 µs outside, or fall anywhere up to twice the longest window;
- times: timestamp attributes sit exactly at, just inside and just outside each window from the
  decision time, and decision times often fall exactly on (or 1 µs beside) a whole hour in the
  customer's time zone, for conditions on `getHours`.

Every value fits the schema: `RequestReader(stack).read(request.to_json(stack))` gives the
request back. Numbers keep to 15 significant digits (so exported Rego reads them exactly).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from studio.cel.ast import Call, Literal, Node
from studio.cel.parse import parse
from studio.clock import (
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    MICROS_PER_MINUTE,
    from_micros,
    is_zone,
    parse_duration,
    parse_instant,
    to_micros,
    zone,
)
from studio.condition import to_tree
from studio.environment import event_kinds
from studio.request import Event, Request, default_value
from studio.samples import customer_values
from studio.stack import Action, ItemType, Stack, ValueSpec, ValueType
from studio.values import InvalidValueError, coerce

BASE_TIME = parse_instant("2026-11-23T15:00:00Z", now=0)
"""The default moment requests are generated around (fixed, so a seed always gives the same requests)."""

_ZONES = ("UTC", "America/New_York", "America/Los_Angeles", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney")
_LENGTHS = {"days": MICROS_PER_DAY, "hours": MICROS_PER_HOUR, "minutes": MICROS_PER_MINUTE}


@dataclass(frozen=True, slots=True)
class Edges:
    """What a stack's conditions compare with: the generator aims at these."""

    windows: tuple[int, ...]
    """Durations in µs (`days(7)`, `duration('24h')`), sorted."""
    instants: tuple[int, ...]
    """Absolute times (`timestamp('…')`)."""
    numbers: tuple[float, ...]
    """Numeric literals (limits, thresholds, counts)."""
    strings: tuple[str, ...]
    """String literals (enum values, prefixes)."""


def stack_edges(stack: Stack) -> Edges:
    """The windows, instants, numbers and strings that a stack's conditions mention."""
    windows: set[int] = set()
    instants: set[int] = set()
    numbers: set[float] = set()
    strings: set[str] = set()
    for node in _condition_nodes(stack):
        if isinstance(node, Call) and node.function in _LENGTHS and isinstance(node.args[0], Literal):
            amount = node.args[0].value
            if isinstance(amount, int | float) and not isinstance(amount, bool):
                windows.add(round(amount * _LENGTHS[node.function]))
        elif isinstance(node, Call) and node.function == "duration" and isinstance(node.args[0], Literal):
            windows.add(parse_duration(str(node.args[0].value), allow_days=False))
        elif isinstance(node, Call) and node.function == "timestamp" and isinstance(node.args[0], Literal):
            instants.add(parse_instant(str(node.args[0].value), now=0))
        elif isinstance(node, Literal) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            numbers.add(float(node.value))
        elif isinstance(node, Literal) and isinstance(node.value, str):
            strings.add(node.value)
    return Edges(
        tuple(sorted(w for w in windows if w > 0)),
        tuple(sorted(instants)),
        tuple(sorted(numbers)),
        tuple(sorted(strings)),
    )


def _condition_nodes(stack: Stack) -> Iterator[Node]:
    for rule in stack.rules:
        if rule.when is not None:
            yield from to_tree(rule.when).walk()
        for limit in rule.limits:
            yield from parse(limit).walk()


class RequestGenerator:
    """Valid, realistic random requests for one stack, reproducible from a seed (see the module doc)."""

    def __init__(
        self,
        stack: Stack,
        *,
        seed: int = 0,
        now: int = BASE_TIME,
        refusals: float = 0.03,
        max_events: int = 12,
    ) -> None:
        self.stack = stack
        self.random = random.Random(seed)
        self.now = now
        self.refusals = refusals
        self.max_events = max_events
        self.edges = stack_edges(stack)
        self.cells = [(agent.id, action) for agent in stack.agents for action in agent.actions]
        self.actions = {action.id: action for action in stack.actions}
        self.agent_teams = {agent.id: agent.team for agent in stack.agents}
        self.teams = [team.id for team in stack.teams]
        self.kinds = list(event_kinds(stack))
        self.mentioned_kinds = [kind for kind in self.kinds if kind in self.edges.strings]
        """Event kinds the conditions name: events of these kinds are drawn more often."""
        zones = {stack.timezone, *_ZONES, *(s for s in self.edges.strings if "/" in s)}
        for sample in stack.customers:
            zones.update(v for v in sample.attributes.values() if isinstance(v, str) and "/" in v)
        self.zones = sorted(z for z in zones if is_zone(z))
        longest = max(self.edges.windows, default=30 * MICROS_PER_DAY)
        self.span = max(2 * longest, 2 * MICROS_PER_DAY)

    # -- the API ------------------------------------------------------------------------------

    def requests(self, count: int) -> Iterator[Request]:
        """`count` requests, one after the other."""
        for _ in range(count):
            yield self.request()

    def request(self) -> Request:
        """One random request."""
        rnd = self.random
        agent, action_id = self._cell()
        customer = self._customer()
        at = self._decision_time(customer)
        customer = self._timestamps(customer, at)
        action = self.actions.get(action_id)
        params = self._params(action, at) if action is not None else {}
        history = self._history(at, params)
        if rnd.random() < 0.05:
            rnd.shuffle(history)
        else:
            history.sort(key=lambda event: int(event["at"]))
        return Request(agent, action_id, params, customer, tuple(history), at)

    # -- agents and actions -------------------------------------------------------------------

    def _cell(self) -> tuple[str, str]:
        rnd = self.random
        roll = rnd.random()
        if roll < self.refusals / 3 or not self.cells:
            return "unknown-agent", rnd.choice([*self.actions, "x"])
        if roll < 2 * self.refusals / 3:
            return rnd.choice([*self.agent_teams, "x"]), "unknown-action"
        if roll < self.refusals:
            agent = rnd.choice(self.stack.agents)
            undeclared = [action for action in self.actions if action not in agent.actions]
            if undeclared:
                return agent.id, rnd.choice(undeclared)
        return rnd.choice(self.cells)

    # -- customers ----------------------------------------------------------------------------

    def _customer(self) -> dict[str, Any]:
        rnd = self.random
        specs = self.stack.customer.attributes
        if self.stack.customers and rnd.random() < 0.5:
            sample = rnd.choice(self.stack.customers)
            values, _ = customer_values(self.stack, sample, self.now)
            customer = dict(values)
            for name in rnd.sample(sorted(specs), k=min(len(specs), rnd.randint(0, 3))):
                customer[name] = self._value(specs[name], name)
            customer["id"] = f"{sample.id}-{rnd.randrange(10_000)}"
            return customer
        customer = {"id": f"customer-{rnd.randrange(1_000_000)}"}
        for name, spec in specs.items():
            customer[name] = self._value(spec, name)
        return customer

    def _timestamps(self, customer: dict[str, Any], at: int) -> dict[str, Any]:
        """Timestamp attributes drawn around the decision time, often on a window's edge."""
        for name, spec in self.stack.customer.attributes.items():
            if spec.type is ValueType.TIMESTAMP and self.random.random() < 0.8:
                customer[name] = self._time_near(at)
        return customer

    def _decision_time(self, customer: dict[str, Any]) -> int:
        rnd = self.random
        at = self.now + rnd.randrange(-60 * MICROS_PER_DAY, 60 * MICROS_PER_DAY)
        roll = rnd.random()
        if self.edges.instants and roll < 0.1:
            return rnd.choice(self.edges.instants) + rnd.choice((-1, 0, 1))
        if roll < 0.4:
            zones = [v for v in customer.values() if isinstance(v, str) and v in self.zones] or [self.stack.timezone]
            local = from_micros(at).astimezone(zone(rnd.choice(zones)))
            hour = local.replace(hour=rnd.randrange(24), minute=0, second=0, microsecond=0)
            return to_micros(hour) + rnd.choice((-1, 0, 0, 1))
        return at

    def _time_near(self, at: int) -> int:
        rnd = self.random
        sign = rnd.choice((-1, 1))
        if self.edges.windows and rnd.random() < 0.6:
            return at + sign * rnd.choice(self.edges.windows) + rnd.choice((-1, 0, 1))
        return at + sign * rnd.randrange(self.span)

    # -- values -------------------------------------------------------------------------------

    def _value(self, spec: ValueSpec, name: str) -> Any:
        rnd = self.random
        if spec.default is not None and rnd.random() < 0.15:
            return coerce(spec, spec.default, name=name, now=self.now, tz=self.stack.timezone)
        kind = spec.type
        if kind is ValueType.NUMBER:
            return self._number(spec)
        if kind is ValueType.BOOL:
            return rnd.random() < 0.5
        if kind is ValueType.ENUM:
            return rnd.choice(spec.values)
        if kind is ValueType.STRING:
            return self._string()
        if kind is ValueType.TIMEZONE:
            return rnd.choice(self.zones)
        if kind is ValueType.TIMESTAMP:
            return self._time_near(self.now)
        return self._list(spec)

    def _number(self, spec: ValueSpec) -> float:
        rnd = self.random
        low = spec.min if spec.min is not None else None
        high = spec.max if spec.max is not None else None
        candidates = list(self.edges.numbers)
        roll = rnd.random()
        if candidates and roll < 0.6:
            base = rnd.choice(candidates)
            value = base + rnd.choice((0.0, 0.0, -1.0, 1.0, -0.01, 0.01, -0.5, 0.5))
        elif roll < 0.7 and (low is not None or high is not None):
            value = rnd.choice([bound for bound in (low, high) if bound is not None])
        else:
            top = high if high is not None else max([*candidates, 100.0]) * 2
            bottom = low if low is not None else min([*candidates, 0.0]) - abs(top)
            value = rnd.uniform(bottom, top)
            value = round(value) if rnd.random() < 0.5 else round(value, 2)
        if low is not None:
            value = max(value, low)
        if high is not None:
            value = min(value, high)
        return float(f"{value:.12g}")

    def _string(self) -> str:
        rnd = self.random
        pool = [s for s in self.edges.strings if s] or ["a"]
        choice = rnd.choice(pool)
        roll = rnd.random()
        if roll < 0.4:
            return choice
        if roll < 0.7:
            return choice + rnd.choice(("", "-x", "_2", " b"))
        return rnd.choice(("", "x")) + choice[: rnd.randrange(len(choice) + 1)]

    def _list(self, spec: ValueSpec) -> tuple[Any, ...]:
        rnd = self.random
        items = spec.items or ItemType.STRING
        size = rnd.choice((0, 0, 1, 1, 2, 3))
        if items is ItemType.ENUM:
            return tuple(rnd.sample(spec.values, k=min(size, len(spec.values))))
        if items is ItemType.NUMBER:
            return tuple(self._number(ValueSpec(type=ValueType.NUMBER)) for _ in range(size))
        return tuple(self._string() for _ in range(size))

    # -- parameters and history ---------------------------------------------------------------

    def _params(self, action: Action, at: int) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for name, spec in action.params.items():
            if spec.example is not None and self.random.random() < 0.2:
                params[name] = coerce(spec, spec.example, name=name, now=at, tz=self.stack.timezone)
            elif spec.type is ValueType.TIMESTAMP:
                params[name] = self._time_near(at)
            else:
                params[name] = self._value(spec, name)
        return params

    def _history(self, at: int, params: dict[str, Any]) -> list[Event]:
        rnd = self.random
        counts = [int(n) for n in self.edges.numbers if n.is_integer() and 1 <= n <= self.max_events]
        if counts and rnd.random() < 0.2:
            # A burst: as many recent events as a count threshold (`size() >= 6`), give or take one.
            count = max(0, min(self.max_events, rnd.choice(counts) + rnd.choice((-1, 0, 1))))
            window = min(self.edges.windows, default=7 * MICROS_PER_DAY)
            focus = rnd.sample(self.mentioned_kinds, k=min(2, len(self.mentioned_kinds)))
            return [self._event(at, params, recent=window, focus=focus) for _ in range(count)]
        count = min(self.max_events, int(rnd.expovariate(1 / 3.5)))
        return [self._event(at, params) for _ in range(count)]

    def _event(self, at: int, params: dict[str, Any], *, recent: int = 0, focus: list[str] | None = None) -> Event:
        rnd = self.random
        stack = self.stack
        if self.agent_teams and rnd.random() < 0.6:
            agent = rnd.choice(list(self.agent_teams))
            team = self.agent_teams[agent]
        else:
            agent, team = "", rnd.choice(self.teams) if self.teams else ""
        roll = rnd.random()
        if recent:
            age = rnd.randrange(recent + 1)
        elif self.edges.windows and roll < 0.45:
            age = rnd.choice(self.edges.windows) + rnd.choice((-1, 0, 1))
        elif roll < 0.5:
            age = 0
        else:
            age = rnd.randrange(self.span)
        if focus and rnd.random() < 0.8:
            kind = rnd.choice(focus)
        elif self.mentioned_kinds and rnd.random() < 0.35:
            kind = rnd.choice(self.mentioned_kinds)
        else:
            kind = rnd.choice(self.kinds) if self.kinds else ""
        action = self.actions.get(kind)
        channel = (action.channel if action is not None and rnd.random() < 0.7 else None) or self._maybe(stack.channels)
        purpose = (action.purpose if action is not None and rnd.random() < 0.7 else None) or self._maybe(stack.purposes)
        payload = {}
        for name, spec in stack.customer.history.payload.items():
            echo = params.get(name)
            if echo is not None and rnd.random() < 0.4 and _fits(spec, echo):
                payload[name] = echo  # the same product, offer or amount as the proposed action
            elif rnd.random() < 0.6:
                payload[name] = self._value(spec, name)
            else:
                payload[name] = default_value(spec, stack.timezone)
        return {
            "at": at - age,
            "agent": agent,
            "team": team,
            "kind": kind,
            "channel": channel,
            "purpose": purpose,
            "payload": payload,
        }

    def _maybe(self, values: list[str]) -> str:
        if not values or self.random.random() < 0.15:
            return ""
        return self.random.choice(values)


def _fits(spec: ValueSpec, value: Any) -> bool:
    """Whether a parameter's runtime value is also a valid value of a payload field."""
    if spec.type is ValueType.TIMESTAMP:
        return isinstance(value, int) and not isinstance(value, bool)
    try:
        coerce(spec, value, name="payload")
    except InvalidValueError:
        return False
    return True


def generate(stack: Stack, count: int, *, seed: int = 0, now: int = BASE_TIME) -> list[Request]:
    """`count` requests for `stack` (see `RequestGenerator`)."""
    return list(RequestGenerator(stack, seed=seed, now=now).requests(count))


__all__ = ["BASE_TIME", "Edges", "RequestGenerator", "generate", "stack_edges"]
