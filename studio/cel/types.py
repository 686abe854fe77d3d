"""The types a stack condition can use, and the variables it can see.

A stack's customer schema, its actions' parameters and its names (teams, agents, actions,
event kinds, channels, purposes) become an `Environment`: the checker uses it to catch an
unknown attribute, a wrong type or an enum value that isn't in the list, at load time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Kind(StrEnum):
    """What a value is. Enums are strings whose values are known; time zones are strings
    that name an IANA zone."""

    BOOL = "bool"
    NUMBER = "number"
    STRING = "string"
    ENUM = "enum"
    TIMEZONE = "timezone"
    TIMESTAMP = "timestamp"
    DURATION = "duration"
    LIST = "list"
    OBJECT = "object"
    ERROR = "error"
    """Produced after a problem was reported, so one mistake isn't reported twice."""


_STRINGISH = frozenset({Kind.STRING, Kind.ENUM, Kind.TIMEZONE})


@dataclass(frozen=True, slots=True)
class Type:
    """A value's type. `values` lists an enum's values; `element` is a list's item type;
    `fields` are an object's members."""

    kind: Kind
    name: str = ""
    """What the value is called in messages: `renewal_stage`, `a history event`."""
    values: tuple[str, ...] = ()
    element: Type | None = None
    fields: Mapping[str, Type] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_stringish(self) -> bool:
        """Strings, enums and time zones compare with each other and with string literals."""
        return self.kind in _STRINGISH

    def describe(self) -> str:
        """`number`, `list of enum`, `renewal_stage (enum)`."""
        if self.kind is Kind.LIST and self.element is not None:
            return f"list of {self.element.describe()}"
        if self.kind is Kind.OBJECT:
            return self.name or "object"
        return self.kind.value


BOOL = Type(Kind.BOOL)
NUMBER = Type(Kind.NUMBER)
STRING = Type(Kind.STRING)
TIMEZONE = Type(Kind.TIMEZONE)
TIMESTAMP = Type(Kind.TIMESTAMP)
DURATION = Type(Kind.DURATION)
ERROR = Type(Kind.ERROR)


def enum(name: str, values: tuple[str, ...]) -> Type:
    """An enum type called `name` with the given values."""
    return Type(Kind.ENUM, name=name, values=values)


def list_of(element: Type) -> Type:
    """A list whose items are `element`."""
    return Type(Kind.LIST, element=element)


def record(name: str, fields: Mapping[str, Type]) -> Type:
    """An object with named members (customer, params, an event, ...)."""
    return Type(Kind.OBJECT, name=name, fields=MappingProxyType(dict(fields)))


VARIABLES = ("customer", "params", "history", "agent", "action", "now")
"""Every variable a condition can use, in the order the docs present them."""


@dataclass(frozen=True, slots=True)
class Environment:
    """The variables a condition can see, with their types."""

    variables: Mapping[str, Type]

    def with_params(self, params: Type) -> Environment:
        """The same environment with `params` narrowed to the parameters a rule's actions share."""
        return Environment(MappingProxyType({**self.variables, "params": params}))
