"""The symbolic request space: every value a request can carry, as solver variables with their domains.

One `Space` serves a stack (or, for comparisons, two versions of it): customer attributes,
action parameters, the decision time and the contact history are z3 variables, created when a
condition first reads them, each with the constraints its declaration implies (number ranges,
enum values, valid agents, teams and event kinds).

Domain constraints are kept in *groups* (one per attribute, parameter, the history, the
decision time, each auxiliary variable), with the groups each one mentions: a question to the
solver carries only the groups its formulas reach (see session.py).

Time values are confined to 2000-01-01 .. 2100-01-01 (µs), events happen at or before the
decision time, and an event's team is its agent's team: a witness must look like a request a
real stack could receive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import z3

from studio.analysis.symbolic import Domain, SBool, SList, SNum, SStr, STime, Term, Value
from studio.clock import MICROS_PER_HOUR, MICROS_PER_MINUTE, is_zone, to_micros, zone
from studio.environment import event_kinds
from studio.stack import ItemType, Stack, ValueSpec, ValueType

T_MIN = to_micros(datetime(2000, 1, 1, tzinfo=UTC))
T_MAX = to_micros(datetime(2100, 1, 1, tzinfo=UTC))

# One zone per UTC offset any IANA zone uses (whole hours as Etc/GMT zones; Etc signs are
# inverted), so a time zone attribute can stand for every zone's clock in the solver.
REPRESENTATIVE_ZONES: dict[str, tuple[int, ...]] = {
    **{(f"Etc/GMT{-hours:+d}" if hours else "Etc/GMT"): (hours * MICROS_PER_HOUR,) for hours in range(-12, 15)},
    "Pacific/Marquesas": (-(9 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE),),
    "America/St_Johns": (
        -(3 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE),
        -(2 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE),
    ),
    "Asia/Kabul": (4 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE,),
    "Asia/Kolkata": (5 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE,),
    "Asia/Kathmandu": (5 * MICROS_PER_HOUR + 45 * MICROS_PER_MINUTE,),
    "Asia/Yangon": (6 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE,),
    "Australia/Eucla": (8 * MICROS_PER_HOUR + 45 * MICROS_PER_MINUTE,),
    "Australia/Darwin": (9 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE,),
    "Australia/Lord_Howe": (10 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE, 11 * MICROS_PER_HOUR),
    "Pacific/Chatham": (
        12 * MICROS_PER_HOUR + 45 * MICROS_PER_MINUTE,
        13 * MICROS_PER_HOUR + 45 * MICROS_PER_MINUTE,
    ),
    "Asia/Tehran": (3 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE, 4 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE),
}


@lru_cache(maxsize=256)
def zone_offsets(name: str) -> tuple[int, ...]:
    """Every UTC offset (µs) the zone has in 2000–2040, sampled weekly (rules repeat after 2037)."""
    if name in REPRESENTATIVE_ZONES:
        return REPRESENTATIVE_ZONES[name]
    tz = zone(name)
    moment = datetime(2000, 1, 1, tzinfo=UTC)
    offsets: set[int] = set()
    while moment.year < 2041:
        offset = moment.astimezone(tz).utcoffset()
        assert offset is not None
        offsets.add(round(offset.total_seconds()) * 1_000_000)
        moment += timedelta(days=7)
    return tuple(sorted(offsets))


def _merge(specs: Iterable[dict[str, ValueSpec]]) -> dict[str, ValueSpec]:
    """Declarations of several versions: the last version's spec wins, enum values are united."""
    merged: dict[str, ValueSpec] = {}
    for version in specs:
        for name, spec in version.items():
            old = merged.get(name)
            if old is not None and old.type is spec.type and old.values and spec.values:
                values = [*spec.values, *(value for value in old.values if value not in spec.values)]
                spec = spec.model_copy(update={"values": values})
            merged[name] = spec
    return merged


def _allowed(specs: Sequence[dict[str, ValueSpec]], name: str) -> int | None:
    """How many leading values of a merged enum the latest version allows (None: all)."""
    latest = specs[-1].get(name)
    return len(latest.values) if latest is not None and latest.values else None


class Space:
    """Solver variables for every part of a request of one or more stack versions (the last is current)."""

    def __init__(self, stacks: Sequence[Stack], *, zones: Iterable[str] = (), literals: Iterable[str] = ()) -> None:
        self.stacks = tuple(stacks)
        latest = self.stacks[-1]
        self.groups: dict[str, list[Term]] = {}
        """Domain constraints by group (a variable's name, `h` for the history, `now`)."""
        self.links: dict[str, set[str]] = {}
        """The other groups a group's constraints mention."""
        self.group_of: dict[str, str] = {}
        """Variable name -> its group."""
        self.literals = tuple(sorted(set(literals)))
        """Every string literal of the stack's conditions: the known members of string lists."""
        attribute_specs = [stack.customer.attributes for stack in self.stacks]
        self.attributes = _merge(attribute_specs)
        self._attribute_allowed = {name: _allowed(attribute_specs, name) for name in self.attributes}
        payload_specs = [stack.customer.history.payload for stack in self.stacks]
        self.payload = _merge(payload_specs)
        self._payload_allowed = {name: _allowed(payload_specs, name) for name in self.payload}
        self.params: dict[tuple[str, str], ValueSpec] = {}
        for stack in self.stacks:
            for action in stack.actions:
                for name, spec in action.params.items():
                    self.params[(action.id, name)] = spec
        self.agent_teams: dict[str, str] = {}
        for stack in self.stacks:
            self.agent_teams.update({agent.id: agent.team for agent in stack.agents})
        teams = _united([team.id for team in stack.teams] for stack in self.stacks)
        teams += [team for team in dict.fromkeys(self.agent_teams.values()) if team not in teams]
        self.agents = Domain("agent", ("", *self.agent_teams))
        self.teams = Domain("team", tuple(teams))
        self.kinds = Domain("event kind", tuple(_united(list(event_kinds(stack)) for stack in self.stacks)))
        self.channels = Domain("channel", ("", *_united(stack.channels for stack in self.stacks)))
        self.purposes = Domain("purpose", ("", *_united(stack.purposes for stack in self.stacks)))
        named = [latest.timezone, "UTC", *zones]
        for stack in self.stacks:
            for customer in stack.customers:
                named.extend(value for value in customer.attributes.values() if isinstance(value, str))
            named.extend(str(spec.default) for spec in stack.customer.attributes.values() if spec.default)
        named_zones = [name for name in dict.fromkeys(named) if is_zone(name)]
        self.zones = Domain("time zone", tuple(dict.fromkeys([*named_zones, *REPRESENTATIVE_ZONES])))
        self.now = z3.Int("now")
        self.constrain("now", self.now >= T_MIN, self.now <= T_MAX)
        self._values: dict[str, Value] = {}
        self._fresh = 0

    # -- variables ---------------------------------------------------------------------------------

    def attribute(self, name: str) -> Value:
        """The customer attribute `name` (`id` is the customer's id, a free string)."""
        if name == "id":
            self.variable("customer.id", "customer.id")
            return self._cached("customer.id", lambda: SStr(text=z3.String("customer.id")))
        spec = self.attributes.get(name)
        if spec is None:
            raise KeyError(name)
        return self.value(f"customer.{name}", spec, allowed=self._attribute_allowed.get(name))

    def param(self, namespace: str, action: str, name: str) -> Value:
        """Parameter `name` of `action`; `namespace` separates the requests of a multi-step witness."""
        spec = self.params[(action, name)]
        return self.value(f"params{namespace}.{action}.{name}", spec)

    def payload_field(self, prefix: str, name: str) -> Value:
        """A payload field of one history event (`prefix` names the event)."""
        spec = self.payload[name]
        allowed = self._payload_allowed.get(name)
        return self.value(
            f"{prefix}.payload.{name}",
            spec,
            allowed=allowed,
            empty_enum=spec.default is None,
            group=prefix.rstrip("0123456789"),
        )

    def value(
        self,
        name: str,
        spec: ValueSpec,
        *,
        allowed: int | None = None,
        empty_enum: bool = False,
        group: str | None = None,
    ) -> Value:
        """The variable called `name` declared by `spec`, created (with its domain) on first use."""
        return self._cached(name, lambda: self._make(name, spec, allowed, empty_enum, group or name))

    def constrain(self, group: str, *constraints: Term, links: Iterable[str] = ()) -> None:
        """Record domain constraints of a group (and the groups they also mention)."""
        self.groups.setdefault(group, []).extend(constraints)
        self.links.setdefault(group, set()).update(link for link in links if link != group)

    def variable(self, name: str, group: str) -> None:
        """Record which group a variable's constraints live in."""
        self.group_of[name] = group

    def get(self, name: str) -> Value | None:
        """The variable called `name`, if a condition ever read it (None: any value will do)."""
        return self._values.get(name)

    def fresh_int(self, hint: str) -> Term:
        """A new unconstrained Int (for terms the encoding approximates); its own group."""
        self._fresh += 1
        name = f"~{hint}.{self._fresh}"
        self.variable(name, name)
        return z3.Int(name)

    def fresh_bool(self, hint: str) -> Term:
        """A new unconstrained Bool (for terms the encoding approximates); its own group."""
        self._fresh += 1
        name = f"~{hint}.{self._fresh}"
        self.variable(name, name)
        return z3.Bool(name)

    def enum(self, name: str, domain: Domain, allowed: int | None = None, group: str | None = None) -> SStr:
        """An Int code over `domain` (the first `allowed` values only, when given)."""
        code = z3.Int(name)
        self.variable(name, group or name)
        self.constrain(group or name, code >= 0, code < (allowed if allowed is not None else len(domain.values)))
        return SStr(code=code, domain=domain)

    def _cached(self, name: str, make: object) -> Value:
        found = self._values.get(name)
        if found is None:
            assert callable(make)
            found = make()
            self._values[name] = found
        return found

    def _make(self, name: str, spec: ValueSpec, allowed: int | None, empty_enum: bool, group: str) -> Value:
        kind = spec.type
        self.variable(name, group)
        if kind is ValueType.NUMBER:
            variable = z3.Real(name)
            if spec.min is not None:
                self.constrain(group, variable >= z3.RealVal(spec.min))
            if spec.max is not None:
                self.constrain(group, variable <= z3.RealVal(spec.max))
            return SNum(variable)
        if kind is ValueType.BOOL:
            return SBool(z3.Bool(name))
        if kind is ValueType.STRING:
            return SStr(text=z3.String(name))
        if kind is ValueType.ENUM:
            values = tuple(spec.values) + (("",) if empty_enum else ())
            domain = Domain(name, values)
            if empty_enum:  # a missing payload enum without a default reads as ""
                code = z3.Int(name)
                limit = allowed if allowed is not None else len(spec.values)
                self.constrain(group, code >= 0, code <= len(values) - 1, z3.Or(code < limit, code == len(values) - 1))
                return SStr(code=code, domain=domain)
            return self.enum(name, domain, allowed, group)
        if kind is ValueType.TIMESTAMP:
            variable = z3.Int(name)
            self.constrain(group, variable >= T_MIN, variable <= T_MAX)
            return STime(variable)
        if kind is ValueType.TIMEZONE:
            return self.enum(name, self.zones, group=group)
        return self._list(name, spec, group)

    def _list(self, name: str, spec: ValueSpec, group: str) -> Value:
        items = spec.items or ItemType.STRING
        size = z3.Int(f"{name}.size")
        for suffix in (".size", "[other]", ".other"):
            self.variable(name + suffix, group)
        if items is ItemType.ENUM:
            members = {value: z3.Bool(f"{name}[{value}]") for value in spec.values}
            for value in spec.values:
                self.variable(f"{name}[{value}]", group)
            distinct = sum((z3.If(flag, 1, 0) for flag in members.values()), z3.IntVal(0))
            self.constrain(group, size >= distinct, z3.Implies(distinct == 0, size == 0))
            element = Domain(name, tuple(spec.values))
            listed = tuple((flag, SStr(const=value, domain=element)) for value, flag in members.items())
            return SList(listed, size, dict(members), exact_counts=False, closed=True)
        if items is ItemType.STRING:
            members = {value: z3.Bool(f"{name}[{value!r}]") for value in self.literals}
            for value in self.literals:
                self.variable(f"{name}[{value!r}]", group)
            other = z3.Bool(f"{name}[other]")
            other_text = z3.String(f"{name}.other")
            self.constrain(group, *(other_text != z3.StringVal(value) for value in self.literals))
            flags = [*members.values(), other]
            distinct = sum((z3.If(flag, 1, 0) for flag in flags), z3.IntVal(0))
            self.constrain(group, size >= distinct, z3.Implies(distinct == 0, size == 0))
            listed = (
                *((flag, SStr(const=value)) for value, flag in members.items()),
                (other, SStr(text=other_text)),
            )
            return SList(tuple(listed), size, {**members}, exact_counts=False, closed=False)
        self.constrain(group, size >= 0)
        return SList((), size, None, exact_counts=False, closed=False)


def _united(lists: Iterable[Sequence[str]]) -> list[str]:
    result: list[str] = []
    for values in lists:
        result += [value for value in values if value not in result]
    return result
