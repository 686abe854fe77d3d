"""What a stack's conditions can see: the CEL environment built from the stack's schema."""

from __future__ import annotations

from collections.abc import Iterable

from studio.cel.types import (
    BOOL,
    NUMBER,
    STRING,
    TIMESTAMP,
    TIMEZONE,
    Environment,
    Type,
    enum,
    list_of,
    record,
)
from studio.stack import AgentKind, ItemType, Rule, Stack, ValueSpec, ValueType

_SCALARS = {
    ValueType.NUMBER: NUMBER,
    ValueType.BOOL: BOOL,
    ValueType.STRING: STRING,
    ValueType.TIMESTAMP: TIMESTAMP,
    ValueType.TIMEZONE: TIMEZONE,
}
_ITEMS = {ItemType.STRING: STRING, ItemType.NUMBER: NUMBER}


def value_type(spec: ValueSpec, name: str) -> Type:
    """The CEL type of a declared attribute, parameter or payload field."""
    if spec.type is ValueType.ENUM:
        return enum(name, tuple(spec.values))
    if spec.type is ValueType.LIST:
        if spec.items is ItemType.ENUM:
            return list_of(enum(name, tuple(spec.values)))
        return list_of(_ITEMS.get(spec.items or ItemType.STRING, STRING))
    return _SCALARS[spec.type]


def _fields(specs: dict[str, ValueSpec]) -> dict[str, Type]:
    return {name: value_type(spec, name) for name, spec in specs.items()}


def event_kinds(stack: Stack) -> tuple[str, ...]:
    """Every kind a history event can have: the declared kinds and the stack's action ids."""
    return tuple(dict.fromkeys([*stack.customer.history.kinds, *(action.id for action in stack.actions)]))


def base_environment(stack: Stack) -> Environment:
    """The variables every condition sees; `params` is empty until narrowed to a rule's actions."""
    ids = _Ids(stack)
    customer = record("customer", {"id": STRING, **_fields(stack.customer.attributes)})
    payload = record("payload", _fields(stack.customer.history.payload))
    event = record(
        "event",
        {
            "at": TIMESTAMP,
            "agent": enum("agent", ids.agents),
            "team": enum("team", ids.teams),
            "kind": enum("event kind", event_kinds(stack)),
            "channel": enum("channel", tuple(stack.channels)),
            "purpose": enum("purpose", tuple(stack.purposes)),
            "payload": payload,
        },
    )
    agent = record(
        "agent",
        {
            "id": enum("agent", ids.agents),
            "team": enum("team", ids.teams),
            "kind": enum("agent kind", tuple(k.value for k in AgentKind)),
        },
    )
    action = record(
        "action",
        {
            "id": enum("action", ids.actions),
            "decision": enum("decision", ids.decisions),
            "channel": enum("channel", tuple(stack.channels)),
            "purpose": enum("purpose", tuple(stack.purposes)),
        },
    )
    return Environment(
        {
            "customer": customer,
            "params": record("params", {}),
            "history": list_of(event),
            "agent": agent,
            "action": action,
            "now": TIMESTAMP,
        }
    )


def covered_actions(stack: Stack, rule: Rule) -> list[str]:
    """The ids of the actions a rule covers (all of them when it names none)."""
    if rule.actions:
        return list(rule.actions)
    return [action.id for action in stack.actions]


def shared_params(stack: Stack, action_ids: Iterable[str]) -> dict[str, Type]:
    """The parameters every one of the actions has, with the same type."""
    by_id = {action.id: action for action in stack.actions}
    shared: dict[str, Type] | None = None
    for action_id in action_ids:
        action = by_id.get(action_id)
        if action is None:
            continue
        fields = _fields(action.params)
        shared = fields if shared is None else {name: t for name, t in shared.items() if fields.get(name) == t}
    return shared or {}


def rule_environment(stack: Stack, rule: Rule, base: Environment | None = None) -> Environment:
    """The environment of one rule's conditions: `params` holds what its actions share."""
    environment = base or base_environment(stack)
    return environment.with_params(record("params", shared_params(stack, covered_actions(stack, rule))))


class _Ids:
    def __init__(self, stack: Stack) -> None:
        self.agents = tuple(agent.id for agent in stack.agents)
        self.teams = tuple(team.id for team in stack.teams)
        self.actions = tuple(action.id for action in stack.actions)
        self.decisions = tuple(decision.id for decision in stack.decisions)
