"""A decision request: which agent proposes which action, with what parameters, on which
customer (attributes and contact history), at what time.

`Request` holds runtime values ready for the engine. `RequestReader` turns the documented
JSON shape into one, checking every value against the stack's schema and naming the exact
field of anything that doesn't fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from studio.clock import iso
from studio.environment import event_kinds
from studio.errors import Problem, RequestError, did_you_mean
from studio.stack import Stack, ValueSpec, ValueType
from studio.values import InvalidValueError, coerce

Event = Mapping[str, Any]
"""A history event: at (µs), agent, team, kind, channel, purpose (strings, "" when not
given) and payload (a mapping with every declared payload field)."""


@dataclass(frozen=True, slots=True)
class Request:
    """One proposed action, with runtime values (see the module doc)."""

    agent: str
    action: str
    params: Mapping[str, Any]
    customer: Mapping[str, Any]
    """Every declared attribute, plus `id`."""
    history: tuple[Event, ...]
    at: int
    """The decision time, microseconds since the epoch (UTC)."""

    def to_json(self, stack: Stack) -> dict[str, Any]:
        """The documented JSON shape of this request."""
        specs = stack.customer.attributes
        payload_specs = stack.customer.history.payload
        action = next((a for a in stack.actions if a.id == self.action), None)
        param_specs = action.params if action else {}
        return {
            "agent": self.agent,
            "action": self.action,
            "params": {name: _to_json(param_specs.get(name), value) for name, value in self.params.items()},
            "customer": {
                "id": self.customer["id"],
                "attributes": {
                    name: _to_json(specs.get(name), value) for name, value in self.customer.items() if name != "id"
                },
                "history": [_event_json(event, payload_specs) for event in self.history],
            },
            "at": iso(self.at),
        }


def _to_json(spec: ValueSpec | None, value: Any) -> Any:
    if spec is not None and spec.type is ValueType.TIMESTAMP:
        return iso(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _event_json(event: Event, payload_specs: Mapping[str, ValueSpec]) -> dict[str, Any]:
    data: dict[str, Any] = {"at": iso(event["at"]), "kind": event["kind"]}
    for key in ("agent", "team", "channel", "purpose"):
        if event[key]:
            data[key] = event[key]
    data["payload"] = {name: _to_json(payload_specs.get(name), value) for name, value in event["payload"].items()}
    return data


_TIMESTAMP = ValueSpec(type=ValueType.TIMESTAMP)
"""Built once: a pydantic model per time read cost a quarter of reading a request."""


class RequestReader:
    """Reads decision requests in the documented JSON shape for one stack."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.attributes = stack.customer.attributes
        self.payload = stack.customer.history.payload
        self.actions = {action.id: action for action in stack.actions}
        self.agent_teams = {agent.id: agent.team for agent in stack.agents}
        self.teams = [team.id for team in stack.teams]
        self.kinds = event_kinds(stack)
        self.channels = list(stack.channels)
        self.purposes = list(stack.purposes)

    def read(self, data: Any, *, source: str = "request") -> Request:
        """A Request from JSON data; RequestError listing every field that doesn't fit."""
        problems: list[Problem] = []

        def fail(where: str, message: str, hint: str = "") -> None:
            problems.append(Problem(f"{where}: {message}", source, hint=hint))

        if not isinstance(data, dict):
            raise RequestError("A decision request is a JSON object", [Problem("expected an object", source)])
        for key in data:
            if key not in ("agent", "action", "params", "customer", "at"):
                fail(
                    key,
                    "unknown field",
                    did_you_mean(key, ["agent", "action", "params", "customer", "at"]),
                )
        agent = self._text(data, "agent", fail)
        action = self._text(data, "action", fail)
        at = self._time(data.get("at"), "at", fail)
        params = self._params(action, data.get("params", {}), fail)
        customer, history = self._customer(data.get("customer"), fail)
        if problems:
            raise RequestError(f"The {source} doesn't fit the stack", problems)
        return Request(agent, action, params, customer, history, at)

    def _text(self, data: Mapping[str, Any], key: str, fail: Any) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            fail(key, "missing or not a string")
            return ""
        return value

    def _time(self, raw: Any, where: str, fail: Any) -> int:
        try:
            return int(coerce(_TIMESTAMP, raw, name=where))
        except InvalidValueError as error:
            fail(where, str(error).removeprefix(f"{where}: ").removeprefix(f"{where} "), error.hint)
            return 0

    def _params(self, action_id: str, raw: Any, fail: Any) -> dict[str, Any]:
        action = self.actions.get(action_id)
        if not isinstance(raw, dict):
            fail("params", "must be an object")
            return {}
        if action is None:
            return dict(raw)  # an unknown action is refused by the engine, with a reason
        return self._values(raw, action.params, "params", fail, require=True)

    def _values(
        self,
        raw: Mapping[str, Any],
        specs: Mapping[str, ValueSpec],
        where: str,
        fail: Any,
        *,
        require: bool,
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, value in raw.items():
            spec = specs.get(name)
            if spec is None:
                fail(f"{where}.{name}", "unknown field", did_you_mean(name, specs))
                continue
            try:
                values[name] = coerce(spec, value, name=f"{where}.{name}", tz=self.stack.timezone)
            except InvalidValueError as error:
                fail(
                    f"{where}.{name}",
                    str(error).removeprefix(f"{where}.{name}").lstrip(": "),
                    error.hint,
                )
        for name, spec in specs.items():
            if name in values or name in raw:
                continue
            if spec.default is not None:
                values[name] = coerce(spec, spec.default, name=name, now=0, tz=self.stack.timezone)
            elif require:
                fail(f"{where}.{name}", "missing, and it has no default")
        return values

    def _customer(self, raw: Any, fail: Any) -> tuple[dict[str, Any], tuple[Event, ...]]:
        if not isinstance(raw, dict):
            fail("customer", "missing or not an object")
            return {}, ()
        for key in raw:
            if key not in ("id", "attributes", "history"):
                fail(
                    f"customer.{key}",
                    "unknown field",
                    did_you_mean(key, ["id", "attributes", "history"]),
                )
        customer_id = raw.get("id")
        if not isinstance(customer_id, str):
            fail("customer.id", "missing or not a string")
            customer_id = ""
        attributes = raw.get("attributes", {})
        if not isinstance(attributes, dict):
            fail("customer.attributes", "must be an object")
            attributes = {}
        customer = {
            "id": customer_id,
            **self._values(attributes, self.attributes, "customer.attributes", fail, require=True),
        }
        events = raw.get("history", [])
        if not isinstance(events, list):
            fail("customer.history", "must be a list")
            events = []
        history = tuple(self._event(event, f"customer.history[{index}]", fail) for index, event in enumerate(events))
        return customer, history

    def _event(self, raw: Any, where: str, fail: Any) -> Event:
        if not isinstance(raw, dict):
            fail(where, "must be an object")
            return {}
        known = ("at", "agent", "team", "kind", "channel", "purpose", "payload", "note")
        for key in raw:
            if key not in known:
                fail(f"{where}.{key}", "unknown field", did_you_mean(key, known))
        agent = raw.get("agent") or ""
        team = raw.get("team") or self.agent_teams.get(agent, "")
        checks = (
            ("agent", agent, list(self.agent_teams)),
            ("team", team, self.teams),
            ("kind", raw.get("kind"), list(self.kinds)),
            ("channel", raw.get("channel") or "", self.channels),
            ("purpose", raw.get("purpose") or "", self.purposes),
        )
        for key, value, valid in checks:
            if key == "kind" and not value:
                fail(f"{where}.kind", "missing")
            elif value and value not in valid:
                fail(f"{where}.{key}", f"unknown {key} {value!r}", did_you_mean(str(value), valid))
        if not team:
            fail(where, "an event names its agent or its team")
        payload = raw.get("payload", {})
        if not isinstance(payload, dict):
            fail(f"{where}.payload", "must be an object")
            payload = {}
        return {
            "at": self._time(raw.get("at"), f"{where}.at", fail),
            "agent": agent,
            "team": team,
            "kind": raw.get("kind") or "",
            "channel": raw.get("channel") or "",
            "purpose": raw.get("purpose") or "",
            "payload": self._values(payload, self.payload, f"{where}.payload", fail, require=False)
            | self._payload_defaults(payload),
        }

    def _payload_defaults(self, given: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: default_value(spec, self.stack.timezone) for name, spec in self.payload.items() if name not in given
        }


def default_value(spec: ValueSpec, tz: str = "UTC") -> Any:
    """A payload field's value when an event leaves it out: its default, else the type's zero."""
    if spec.default is not None:
        return coerce(spec, spec.default, name="default", now=0, tz=tz)
    zero: dict[ValueType, Any] = {
        ValueType.NUMBER: 0.0,
        ValueType.BOOL: False,
        ValueType.STRING: "",
        ValueType.ENUM: "",
        ValueType.TIMEZONE: "UTC",
        ValueType.TIMESTAMP: 0,
        ValueType.LIST: (),
    }
    return zero[spec.type]
