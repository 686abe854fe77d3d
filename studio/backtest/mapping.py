"""The column mapping: which column of each export is which field of the stack's schema.

A backtest reads three exports (customers, their contact history, the proposed actions), each
CSV or Parquet, whose column names are the CRM's, not the stack's. The mapping file (YAML,
documented in docs/backtest.md) says which column is which field, how times are written, and
how the export's values translate into the stack's names. Everything has a default: a field
is looked for in a column of its own name, so an export already using the stack's names
needs no mapping file at all.

```yaml
format: coordination-studio/backtest-mapping/v1
time_format: iso            # iso | epoch_s | epoch_ms | epoch_us
timezone: UTC               # how times without an offset are read
list_separator: ";"         # how list attributes are written in CSV cells
customers:
  id: Account ID
  attributes:
    arr_usd: ARR
    segment: {column: Segment, values: {Enterprise: enterprise, Mid-Market: mid_market}}
events:
  customer: Account ID
  at: Occurred At
  kind: {column: Type, other: keep}
proposals:
  customer: Account ID
  at: Proposed At
  params:
    discount_pct: Discount
```
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from studio.clock import is_zone
from studio.errors import Issue, Problem, StudioError, did_you_mean
from studio.locate import locate, pydantic_issues
from studio.stack import Stack

FORMAT: Literal["coordination-studio/backtest-mapping/v1"] = "coordination-studio/backtest-mapping/v1"
MAX_MAPPING_BYTES = 1024 * 1024


@dataclass
class MappingError(StudioError):
    """The mapping file can't be read, or names columns or fields that aren't there."""

    title: str = "The backtest mapping has problems"


class TimeFormat(StrEnum):
    """How a time column is written when it isn't a Parquet timestamp."""

    ISO = "iso"
    """ISO 8601 text: `2026-11-23T10:00:00Z`, `2026-11-23 10:00:00+01:00`, `2026-11-23`."""
    EPOCH_S = "epoch_s"
    EPOCH_MS = "epoch_ms"
    EPOCH_US = "epoch_us"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ColumnSpec(_Model):
    """One field read from one column, with how to read it."""

    column: str = Field(min_length=1)
    """The column's name in the export, exactly as in its header."""
    values: dict[str, str] = {}
    """Export values and the stack's names for them (`Enterprise: enterprise`)."""
    other: Literal["error", "keep"] = "error"
    """For names (enums, agents, kinds, ...): what a value outside the stack's list does:
    `error` stops the backtest naming the row; `keep` keeps it (it matches no rule's literal)."""
    time_format: TimeFormat | None = None
    """For times: overrides the file-wide `time_format`."""
    timezone: str | None = None
    """For times without an offset: overrides the file-wide `timezone`."""
    separator: str | None = None
    """For lists in CSV: overrides the file-wide `list_separator`."""


Field_ = Annotated[str | ColumnSpec, Field(union_mode="left_to_right")]
"""A column name, or a mapping with `column:` and options."""


class CustomersMap(_Model):
    """The customers export: one row per customer."""

    id: Field_ | None = None
    """Defaults to a column called `customer_id`."""
    attributes: dict[str, Field_] = {}
    """Attribute name -> column. Attributes not listed are read from a column of their own name,
    else take their declared default."""


class EventsMap(_Model):
    """The contact-history export: one row per event (what was done to a customer, and when)."""

    customer: Field_ | None = None
    """Defaults to a column called `customer_id`."""
    at: Field_ | None = None
    """Defaults to a column called `at`."""
    agent: Field_ | None = None
    """Defaults to a column called `agent`, if there is one."""
    team: Field_ | None = None
    """Defaults to a column called `team`; else the event's agent's team."""
    kind: Field_ | None = None
    """Defaults to a column called `kind`."""
    channel: Field_ | None = None
    purpose: Field_ | None = None
    payload: dict[str, Field_] = {}


class ProposalsMap(_Model):
    """The proposed-actions export: one row per action a tool or agent took or proposed."""

    id: Field_ | None = None
    """Defaults to a column called `proposal_id`, else the row number."""
    customer: Field_ | None = None
    """Defaults to a column called `customer_id`; `at`, `agent` and `action` likewise."""
    at: Field_ | None = None
    agent: Field_ | None = None
    action: Field_ | None = None
    params: dict[str, Field_] = {}


class BacktestMapping(_Model):
    """The mapping file."""

    format: Literal["coordination-studio/backtest-mapping/v1"] = FORMAT
    time_format: TimeFormat = TimeFormat.ISO
    timezone: str = "UTC"
    """The zone of times written without an offset (`2026-11-23 10:00`)."""
    list_separator: str = Field(default=";", min_length=1, max_length=4)
    customers: CustomersMap = CustomersMap()
    events: EventsMap = EventsMap()
    proposals: ProposalsMap = ProposalsMap()


# -- resolved fields ----------------------------------------------------------------------


class Input(StrEnum):
    """The three exports."""

    CUSTOMERS = "customers"
    EVENTS = "events"
    PROPOSALS = "proposals"


@dataclass(frozen=True, slots=True)
class FieldRead:
    """How one field of the canonical tables is read from an export's column."""

    field: str
    """The stack's name for it: `customer id`, `attributes.arr_usd`, `params.discount_pct`, `at`."""
    column: str | None
    """The export's column, or None when the field isn't in the export (default applies)."""
    values: tuple[tuple[str, str], ...] = ()
    keep_other: bool = False
    time_format: TimeFormat = TimeFormat.ISO
    timezone: str = "UTC"
    separator: str = ";"
    explicit: bool = False
    """Named in the mapping file (so the column must exist)."""


def load_mapping(path: Path | None) -> tuple[BacktestMapping, str]:
    """The mapping in `path` (all defaults when None), and its name for messages."""
    if path is None:
        return BacktestMapping(), "(no mapping file)"
    source = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MappingError(f"{source}: no such file") from None
    except OSError as error:
        raise MappingError(f"Can't read {source}: {error.strerror}") from None
    if len(data) > MAX_MAPPING_BYTES:
        raise MappingError(f"{source} is {len(data):,} bytes; a mapping file is a few lines of YAML")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MappingError(f"{source} isn't UTF-8 text") from None
    return parse_mapping(text, source), source


def parse_mapping(text: str, source: str = "<mapping>") -> BacktestMapping:
    """A mapping from YAML text; MappingError naming file, line and column of each problem."""
    yaml = YAML(typ="rt")
    try:
        tree = yaml.load(text) if text.strip() else CommentedMap()
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        message = " ".join(part for part in (error.context, error.problem) if part) or "not valid YAML"
        raise MappingError(f"{source} is not valid YAML", [Problem(message.strip(), source, line, column)]) from None
    except (YAMLError, RecursionError) as error:
        raise MappingError(f"{source} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(tree, CommentedMap):
        raise MappingError(
            f"{source}: a mapping file is a YAML mapping (customers:, events:, proposals:)",
            [Problem("expected a mapping at the top", source, 1, 1)],
        )
    try:
        mapping = BacktestMapping.model_validate(tree)
    except ValidationError as error:
        issues = pydantic_issues(error, BacktestMapping)
        problems = [locate(tree, text, issue, source) for issue in issues]
        raise MappingError(f"{source}: {len(problems)} problem(s)", problems) from None
    problems = [locate(tree, text, issue, source) for issue in _zone_issues(mapping)]
    if problems:
        raise MappingError(f"{source}: {len(problems)} problem(s)", problems)
    return mapping


def _zone_issues(mapping: BacktestMapping) -> list[Issue]:
    issues = []
    if not is_zone(mapping.timezone):
        issues.append(Issue(("timezone",), f"unknown time zone {mapping.timezone!r}", "use an IANA name such as UTC"))
    sections: list[tuple[str, dict[str, Any]]] = [
        ("customers", dict(mapping.customers)),
        ("events", dict(mapping.events)),
        ("proposals", dict(mapping.proposals)),
    ]
    for section, fields in sections:
        for key, value in fields.items():
            specs = value.items() if isinstance(value, dict) else [(None, value)]
            for name, spec in specs:
                if isinstance(spec, ColumnSpec) and spec.timezone is not None and not is_zone(spec.timezone):
                    path: tuple[str | int, ...] = (section, key) if name is None else (section, key, name)
                    issues.append(Issue((*path, "timezone"), f"unknown time zone {spec.timezone!r}"))
    return issues


# -- resolving against a stack and the exports' columns -----------------------------------


def _read(
    mapping: BacktestMapping,
    field: str,
    given: str | ColumnSpec | None,
    default_column: str,
    columns: list[str],
    *,
    required_column: bool,
) -> FieldRead:
    spec = ColumnSpec(column=given) if isinstance(given, str) else given
    explicit = spec is not None
    if spec is None:
        spec = ColumnSpec(column=default_column)
    column: str | None = spec.column
    if column not in columns and not (explicit or required_column):
        column = None  # an optional field without its column: the default applies
    return FieldRead(
        field=field,
        column=column,
        values=tuple(spec.values.items()),
        keep_other=spec.other == "keep",
        time_format=spec.time_format or mapping.time_format,
        timezone=spec.timezone or mapping.timezone,
        separator=spec.separator or mapping.list_separator,
        explicit=explicit,
    )


@dataclass(frozen=True, slots=True)
class Resolved:
    """Every field of one export, resolved to its column (or to none: default applies)."""

    input: Input
    fields: dict[str, FieldRead]


def resolve(
    mapping: BacktestMapping,
    stack: Stack,
    input_: Input,
    columns: list[str],
    file: str,
    mapping_source: str,
) -> Resolved:
    """Which column feeds each field of `input_`; MappingError for a named column that isn't there."""
    fields: dict[str, FieldRead] = {}
    required: set[str] = set()

    def add(key: str, given: str | ColumnSpec | None, default: str, *, must: bool) -> None:
        fields[key] = _read(mapping, key, given, default, columns, required_column=must)
        if must:
            required.add(key)

    if input_ is Input.CUSTOMERS:
        section = mapping.customers
        add("id", section.id, "customer_id", must=True)
        _unknown_names(section.attributes, stack.customer.attributes, "customers.attributes", mapping_source)
        for name in stack.customer.attributes:
            add(f"attributes.{name}", section.attributes.get(name), name, must=False)
    elif input_ is Input.EVENTS:
        events = mapping.events
        add("customer", events.customer, "customer_id", must=True)
        add("at", events.at, "at", must=True)
        add("kind", events.kind, "kind", must=True)
        for key in ("agent", "team", "channel", "purpose"):
            add(key, getattr(events, key), key, must=False)
        _unknown_names(events.payload, stack.customer.history.payload, "events.payload", mapping_source)
        for name in stack.customer.history.payload:
            add(f"payload.{name}", events.payload.get(name), name, must=False)
    else:
        proposals = mapping.proposals
        add("id", proposals.id, "proposal_id", must=False)
        add("customer", proposals.customer, "customer_id", must=True)
        add("at", proposals.at, "at", must=True)
        add("agent", proposals.agent, "agent", must=True)
        add("action", proposals.action, "action", must=True)
        declared = {name: spec for action in stack.actions for name, spec in action.params.items()}
        _unknown_names(proposals.params, declared, "proposals.params", mapping_source)
        for name in declared:
            add(f"params.{name}", proposals.params.get(name), name, must=False)
    problems = []
    for key, read in fields.items():
        if read.column is not None and read.column not in columns:
            why = "named in the mapping" if read.explicit else "the default column name"
            problems.append(
                Problem(
                    f"no column {read.column!r} for {input_.value} {key} ({why})",
                    file,
                    hint=_closest(read.column, columns),
                )
            )
    if problems:
        raise MappingError(f"{file}: columns the mapping needs are missing", problems)
    return Resolved(input_, fields)


def _closest(name: str, columns: list[str]) -> str:
    """A "did you mean" that also catches a column spelt with other capitals or spaces."""
    folded = {column.casefold().replace(" ", "_"): column for column in columns}
    match = folded.get(name.casefold().replace(" ", "_"))
    return f"did you mean {match!r}?" if match is not None else did_you_mean(name, columns)


def _unknown_names(given: dict[str, Any], declared: Any, where: str, source: str) -> None:
    unknown = [name for name in given if name not in declared]
    if unknown:
        raise MappingError(
            f"{source}: {where} names fields the stack doesn't declare",
            [
                Problem(f"{where}.{name}: not declared in the stack", source, hint=did_you_mean(name, declared))
                for name in unknown
            ],
        )
