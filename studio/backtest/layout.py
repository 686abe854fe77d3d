"""The canonical tables a compiled policy reads, whatever the exports looked like.

Reading the exports (`inputs.py`) produces three tables with fixed column names and types;
the compiled policy (`compile_sql.py`) and the one-by-one reference (`reference.py`) read only
these. Names are positional (`a3`, `pl0`, `pa2`) so no attribute name from a stack or a file
ever has to be spelled as an identifier, and Spark's case-insensitive columns can't collide.

| table | columns |
| --- | --- |
| customers | `cid` VARCHAR, `crow` BIGINT, `a<i>` one per attribute |
| events | `cid`, `erow` BIGINT, `at` BIGINT µs, `agent`, `team`, `kind`, `channel`, `purpose` VARCHAR, `pl<i>` one per payload field |
| proposals | `pid` VARCHAR, `prow` BIGINT, `cid`, `at` BIGINT µs, `agent`, `action` VARCHAR, `pa<i>` one per parameter group |

Times are whole microseconds since the epoch (UTC), numbers DOUBLE, lists arrays. A parameter
group is a parameter name with one storage type: actions sharing a name and type share a column.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from studio.backtest.sql import BIGINT, BOOLEAN, DOUBLE, LIST_DOUBLE, LIST_VARCHAR, VARCHAR
from studio.stack import ItemType, Stack, ValueSpec, ValueType

CUSTOMERS, EVENTS, PROPOSALS = "bt_customers", "bt_events", "bt_proposals"
"""Names of the canonical tables (views or temporary tables) in the engine's session."""

EVENT_NAMES = ("agent", "team", "kind", "channel", "purpose")
"""The event fields that are names (VARCHAR), in the order of the events table."""


def storage(spec: ValueSpec) -> str:
    """How a value of `spec` is stored: number, bool, text, time, text list or number list."""
    if spec.type is ValueType.NUMBER:
        return "number"
    if spec.type is ValueType.BOOL:
        return "bool"
    if spec.type is ValueType.TIMESTAMP:
        return "time"
    if spec.type is ValueType.LIST:
        return "numbers" if spec.items is ItemType.NUMBER else "texts"
    return "text"


_SQL_TYPES = {
    "number": DOUBLE,
    "bool": BOOLEAN,
    "time": BIGINT,
    "text": VARCHAR,
    "texts": LIST_VARCHAR,
    "numbers": LIST_DOUBLE,
}


def sql_type(spec: ValueSpec) -> exp.DataType:
    """The SQL type a value of `spec` is stored as."""
    return _SQL_TYPES[storage(spec)]


@dataclass(frozen=True, slots=True)
class ParamGroup:
    """A parameter name with one storage type, and the actions that declare it so."""

    column: str
    name: str
    storage: str
    actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Layout:
    """Column names of the canonical tables for one stack."""

    attributes: dict[str, str]
    """Attribute name -> column."""
    payload: dict[str, str]
    """Payload field -> column."""
    params: tuple[ParamGroup, ...]

    def param_column(self, action: str, name: str) -> str | None:
        """The column holding parameter `name` of `action`."""
        for group in self.params:
            if group.name == name and action in group.actions:
                return group.column
        return None

    def param_columns(self, name: str, actions: list[str]) -> set[str]:
        """The columns holding parameter `name` for any of `actions`."""
        return {group.column for group in self.params if group.name == name and set(group.actions) & set(actions)}


def layout(stack: Stack) -> Layout:
    """The canonical column names for `stack`."""
    attributes = {name: f"a{index}" for index, name in enumerate(stack.customer.attributes)}
    payload = {name: f"pl{index}" for index, name in enumerate(stack.customer.history.payload)}
    groups: dict[tuple[str, str], list[str]] = {}
    for action in stack.actions:
        for name, spec in action.params.items():
            groups.setdefault((name, storage(spec)), []).append(action.id)
    params = tuple(
        ParamGroup(f"pa{index}", name, kind, tuple(actions))
        for index, ((name, kind), actions) in enumerate(groups.items())
    )
    return Layout(attributes, payload, params)
