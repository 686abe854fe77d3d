"""The three exports as canonical tables: each column checked against the stack's schema.

Everything here is a SQL tree, so DuckDB and Spark read and check the exports the same way.
For each export a `TablePlan` gives, over the raw file:

- the canonical columns of `layout.py` (times as epoch µs, numbers DOUBLE, names mapped);
- one check per field: a problem code per row (NULL when the value is fine, see `readers.py`).

`describe()` turns a bad value into a message naming the file, the row, the column and the
field: `proposals.csv: row 17, column 'Discount' (params.discount_pct): 'abc' is not a
number`. CSV rows are counted from 1 after the header; Parquet rows from 1. An empty CSV cell
is a missing value: the declared default applies, else it is a problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from studio.backtest.layout import EVENT_NAMES, Layout, sql_type, storage
from studio.backtest.mapping import FieldRead, Input, MappingError, Resolved
from studio.backtest.readers import ZONES, is_present, messages_for, read_name, read_value
from studio.backtest.sources import ROW, Format, InputError, RawColumn, RawType, Source
from studio.backtest.sql import (
    BIGINT,
    LIST_DOUBLE,
    LIST_VARCHAR,
    VARCHAR,
    case,
    column,
    integer,
    literal_of,
    not_,
    or_,
    string,
)
from studio.environment import event_kinds
from studio.errors import Problem
from studio.request import default_value
from studio.stack import Stack, ValueSpec, ValueType
from studio.values import InvalidValueError, coerce


@dataclass(frozen=True, slots=True)
class Check:
    """One field's check: the problem code of a row (NULL when fine), and what codes mean."""

    field: str
    column: str | None
    problem: exp.Expression
    """Over the raw table."""
    messages: dict[str, str]


@dataclass(frozen=True, slots=True)
class TablePlan:
    """How one export becomes a canonical table: its columns and the checks on its rows."""

    input: Input
    source: Source
    values: tuple[tuple[str, exp.Expression], ...]
    """Canonical column -> its value, over the raw table."""
    checks: tuple[Check, ...]
    zones: tuple[tuple[str, Check], ...] = ()
    """Canonical columns holding time zones, checked by their distinct values."""

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.values)

    def canonical(self, raw: str) -> exp.Select:
        """The canonical table, computed from raw table `raw`."""
        return exp.select(*[exp.alias_(value.copy(), name, quoted=True) for name, value in self.values]).from_(raw)

    def checked(self, raw: str) -> exp.Select:
        """Canonical columns, a problem column per check (`__p<i>`) and the row number."""
        problems = [exp.alias_(c.problem.copy(), f"__p{i}", quoted=True) for i, c in enumerate(self.checks)]
        return self.canonical(raw).select(*problems, exp.column(ROW, quoted=True))

    def problems(self, *, materialized: bool) -> list[exp.Expression]:
        """Each check's problem: a column of `checked()` when materialized, else its expression."""
        if materialized:
            return [exp.column(f"__p{i}", quoted=True) for i in range(len(self.checks))]
        return [c.problem.copy() for c in self.checks]


# -- plans ------------------------------------------------------------------------------------


@dataclass
class _Builder:
    stack: Stack
    resolved: Resolved
    raw_types: dict[str, RawColumn]
    source: Source
    values: list[tuple[str, exp.Expression]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    zones: list[tuple[str, Check]] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    """Fields with neither a column nor a default."""

    def raw(self, read: FieldRead) -> tuple[exp.Expression, RawType] | None:
        if read.column is None:
            return None
        return column(read.column), self.raw_types[read.column].type

    def add(
        self,
        name: str,
        value: exp.Expression,
        read: FieldRead | None,
        problem: exp.Expression,
        messages: dict[str, str],
    ) -> None:
        self.values.append((name, value))
        if isinstance(problem, exp.Null) or read is None:
            return
        self.checks.append(Check(read.field, read.column, problem, messages))

    def typed(
        self,
        name: str,
        read: FieldRead,
        spec: ValueSpec,
        label: str,
        default: Any,
        *,
        valid: Sequence[str] | None = None,
    ) -> tuple[exp.Expression, exp.Expression, dict[str, str]]:
        """Value, problem and messages of one typed field, with its default for empty cells."""
        messages = messages_for(spec, label, read, valid if valid is not None else (spec.values or None))
        fallback = _default_literal(spec, default)
        raw = self.raw(read)
        if raw is None:
            if fallback is None:
                self.unmapped.append(read.field)
                return exp.Null(), string("nocolumn"), messages
            return fallback, exp.Null(), messages
        expression, raw_type = raw
        value, problem = read_value(expression, raw_type, spec, read, valid)
        present = is_present(expression, raw_type, text_value=spec.type is ValueType.STRING)
        if fallback is None:
            value = case([(present.copy(), value)], None)
            problem = case([(not_(present), string("missing"))], problem)
        else:
            value = case([(present.copy(), value)], fallback)
            problem = exp.Null() if isinstance(problem, exp.Null) else case([(present, problem)], None)
        return value, problem, messages

    def plan(self, input_: Input) -> TablePlan:
        if self.unmapped and input_ is not Input.PROPOSALS:  # parameters: only their action's rows
            looked = ", ".join(f"{f} (looked for a column {f.rsplit('.', 1)[-1]!r})" for f in self.unmapped)
            raise MappingError(
                f"{self.source.name}: no column for {looked}, and no default in the stack",
                [Problem("name its column in the mapping file, or give it a default in the stack", self.source.name)],
            )
        return TablePlan(input_, self.source, tuple(self.values), tuple(self.checks), tuple(self.zones))


def _zone_check(read: FieldRead, messages: dict[str, str]) -> Check:
    return Check(read.field, read.column, exp.Null(), messages)


def _default_literal(spec: ValueSpec, default: Any) -> exp.Expression | None:
    """The SQL literal of a field's default value (None when it has none)."""
    if default is None:
        return None
    kind = storage(spec)
    if kind == "texts":
        return exp.cast(exp.Array(expressions=[string(str(v)) for v in default]), LIST_VARCHAR)
    if kind == "numbers":
        return exp.cast(exp.Array(expressions=[literal_of(float(v)) for v in default]), LIST_DOUBLE)
    if kind == "number":
        return literal_of(float(default))
    if kind == "time":
        return exp.cast(integer(int(default)), BIGINT)
    return literal_of(default)


def declared_default(spec: ValueSpec, tz: str) -> Any:
    """An attribute's or parameter's declared default as a runtime value (None when none)."""
    if spec.default is None:
        return None
    try:
        return coerce(spec, spec.default, name="default", now=0, tz=tz)
    except InvalidValueError:  # validate() refuses such stacks; be safe anyway
        return None


ID_SPEC = ValueSpec(type=ValueType.STRING)


def customers_plan(
    stack: Stack, layout_: Layout, resolved: Resolved, raw: dict[str, RawColumn], source: Source
) -> TablePlan:
    """The customers export -> `cid`, `crow`, `a<i>`."""
    builder = _Builder(stack, resolved, raw, source)
    _id(builder, "cid", resolved.fields["id"], "the customer id")
    builder.values.append(("crow", exp.column(ROW, quoted=True)))
    for name, spec in stack.customer.attributes.items():
        read = resolved.fields[f"attributes.{name}"]
        value, problem, messages = builder.typed(
            layout_.attributes[name], read, spec, name, declared_default(spec, stack.timezone)
        )
        builder.add(layout_.attributes[name], exp.cast(value, sql_type(spec)), read, problem, messages)
        if spec.type is ValueType.TIMEZONE:
            builder.zones.append((layout_.attributes[name], _zone_check(read, messages)))
    return builder.plan(Input.CUSTOMERS)


def _id(builder: _Builder, name: str, read: FieldRead, label: str) -> exp.Expression:
    """A name every row must have (ids, a proposal's agent and action): text, values mapped."""
    raw = builder.raw(read)
    assert raw is not None  # resolve() guarantees the column of a required field
    expression, raw_type = raw
    value, problem = read_name(expression, raw_type, read, None)
    present = is_present(expression, raw_type, text_value=False)
    problem = case([(not_(present), string("missing"))], problem)
    messages = messages_for(None, label, read, None) | {"missing": f"is empty: every row needs {label}"}
    builder.add(name, value, read, problem, messages)
    return value


def events_plan(
    stack: Stack, layout_: Layout, resolved: Resolved, raw: dict[str, RawColumn], source: Source
) -> TablePlan:
    """The contact-history export -> `cid`, `at`, names, `pl<i>`."""
    builder = _Builder(stack, resolved, raw, source)
    fields = resolved.fields
    _id(builder, "cid", fields["customer"], "the customer id")
    builder.values.append(("erow", exp.column(ROW, quoted=True)))
    time_spec = ValueSpec(type=ValueType.TIMESTAMP)
    value, problem, messages = builder.typed("at", fields["at"], time_spec, "the event time", None)
    builder.add("at", value, fields["at"], problem, messages)
    agent_teams = {agent.id: agent.team for agent in stack.agents}
    valid = {
        "agent": list(agent_teams),
        "team": [team.id for team in stack.teams],
        "kind": list(event_kinds(stack)),
        "channel": list(stack.channels),
        "purpose": list(stack.purposes),
    }
    names: dict[str, tuple[exp.Expression, exp.Expression, dict[str, str]]] = {}
    for key in EVENT_NAMES:
        spec = ValueSpec(type=ValueType.ENUM, values=valid[key])
        default = None if key == "kind" else ""
        names[key] = builder.typed(key, fields[key], spec, f"the event {key}", default, valid=valid[key])
    agent = names["agent"][0]
    team_value, team_problem, team_messages = names["team"]
    from_agent = case(
        [(exp.EQ(this=agent.copy(), expression=string(a)), string(t)) for a, t in agent_teams.items()], string("")
    )
    team = case([(exp.NEQ(this=team_value.copy(), expression=string("")), team_value.copy())], from_agent)
    no_team = case([(exp.EQ(this=team.copy(), expression=string("")), string("no_team"))], team_problem)
    names["team"] = (team, no_team, team_messages)
    for key in EVENT_NAMES:
        value, problem, messages = names[key]
        builder.add(key, value, fields[key], problem, messages)
    for name, spec in stack.customer.history.payload.items():
        read = fields[f"payload.{name}"]
        value, problem, messages = builder.typed(
            layout_.payload[name], read, spec, name, default_value(spec, stack.timezone)
        )
        builder.add(layout_.payload[name], exp.cast(value, sql_type(spec)), read, problem, messages)
        if spec.type is ValueType.TIMEZONE:
            builder.zones.append((layout_.payload[name], _zone_check(read, messages)))
    return builder.plan(Input.EVENTS)


def proposals_plan(
    stack: Stack, layout_: Layout, resolved: Resolved, raw: dict[str, RawColumn], source: Source
) -> TablePlan:
    """The proposals export -> `pid`, `prow`, `cid`, `at`, `agent`, `action`, `pa<i>`."""
    builder = _Builder(stack, resolved, raw, source)
    fields = resolved.fields
    row = exp.column(ROW, quoted=True)
    if fields["id"].column is not None:
        _id(builder, "pid", fields["id"], "the proposal id")
    else:
        builder.values.append(("pid", exp.cast(row.copy(), VARCHAR)))
    builder.values.append(("prow", row.copy()))
    _id(builder, "cid", fields["customer"], "the customer id")
    time_spec = ValueSpec(type=ValueType.TIMESTAMP)
    value, problem, messages = builder.typed("at", fields["at"], time_spec, "the proposal time", None)
    builder.add("at", value, fields["at"], problem, messages)
    # unknown agents and actions are not input errors: the engine refuses them (stop), and so does this
    _id(builder, "agent", fields["agent"], "the agent")
    action_value = _id(builder, "action", fields["action"], "the action")
    actions = {action.id: action for action in stack.actions}
    for group in layout_.params:
        read = fields[f"params.{group.name}"]
        branches_value: list[tuple[exp.Expression, exp.Expression]] = []
        branches_problem: list[tuple[exp.Expression, exp.Expression]] = []
        messages_all: dict[str, str] = {}
        for action_id in group.actions:
            spec = actions[action_id].params[group.name]
            value, problem, messages = builder.typed(
                group.column,
                read,
                spec,
                f"{action_id}'s parameter {group.name}",
                declared_default(spec, stack.timezone),
            )
            is_action = exp.EQ(this=action_value.copy(), expression=string(action_id))
            branches_value.append((is_action.copy(), value))
            branches_problem.append((is_action, problem))
            messages_all |= messages
        spec0 = actions[group.actions[0]].params[group.name]
        builder.add(
            group.column,
            exp.cast(case(branches_value, None), sql_type(spec0)),
            read,
            case(branches_problem, None),
            messages_all,
        )
    return builder.plan(Input.PROPOSALS)


PLANS: dict[Input, Callable[[Stack, Layout, Resolved, dict[str, RawColumn], Source], TablePlan]] = {
    Input.CUSTOMERS: customers_plan,
    Input.EVENTS: events_plan,
    Input.PROPOSALS: proposals_plan,
}


# -- problems as messages -------------------------------------------------------------------


def describe(plan: TablePlan, check: Check, code: str, row: int, raw: str | None) -> Problem:
    """One bad value as a Problem naming file, row, column and field."""
    where = f"column {check.column!r} ({check.field})" if check.column else f"{check.field} (no column)"
    shown = "the empty cell" if raw is None or raw == "" else repr(raw if len(raw) <= 60 else raw[:57] + "...")
    message = check.messages.get(code, f"doesn't fit ({code})")
    if code in ("missing", "nocolumn"):
        shown = "the empty cell" if check.column else "the value"
    return Problem(f"row {row}, {where}: {shown} {message}", plan.source.name)


def summarise(plan: TablePlan, counts: dict[str, int], examples: list[Problem]) -> InputError:
    """One error for an export: the first problems, and how many more there are."""
    total = sum(counts.values())
    per_field = ", ".join(f"{field}: {count:,}" for field, count in counts.items() if count)
    problems = list(examples)
    if total > len(examples):
        problems.append(Problem(f"… and {total - len(examples):,} more ({per_field})", plan.source.name))
    return InputError(f"{plan.source.name}: {total:,} value(s) don't fit the stack", problems)


def any_problem(problems: Sequence[exp.Expression]) -> exp.Expression:
    """True for a row with at least one problem."""
    return or_(*[exp.not_(exp.Is(this=p.copy(), expression=exp.Null())) for p in problems])


__all__ = ["ROW", "ZONES", "Check", "Format", "InputError", "RawColumn", "RawType", "Source", "TablePlan"]
