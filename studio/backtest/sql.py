"""One SQL tree, two dialects: the studio's few portable nodes and their DuckDB and Spark spellings.

The backtest builds every query as a sqlglot expression tree (never by pasting text). Most nodes
are sqlglot's own and transpile as they are; the few things the two engines spell differently,
or where sqlglot's generic spelling would not mean the same thing in both, are nodes defined
here and lowered per dialect just before the tree is printed:

- `LocalMicros(t, zone)`: the wall-clock time of instant `t` (epoch µs) in an IANA zone, as
  epoch µs (DuckDB's ICU `timezone()`, Spark's `from_utc_timestamp` with the session in UTC);
- `DateToEpochDay(d)`, `TimestampToMicros(t)`, `WallClockMicros(t)`: reading dates and
  timestamps (zone-aware or not) of the exports as days and epoch µs;
- `MicrosToTimestamp(t)` and `EpochDayToDate(d)`: output columns as real timestamps and dates.

sqlglot prints operators as the tree nests them, without regard to precedence, so `render`
puts parentheses around every operand that is itself an operator. DuckDB 2 refuses the arrow
lambda (`x -> ...`) sqlglot writes, so DuckDB gets its `lambda x: ...` form.

Literals go through the builders here so numbers keep the studio's semantics: every
non-integral number is a DOUBLE (`0.1` is a DECIMAL in both engines otherwise).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal, cast

from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.dialects.spark import Spark
from sqlglot.errors import ErrorLevel
from sqlglot.generators.duckdb import DuckDBGenerator

Dialect = Literal["duckdb", "spark"]
DIALECTS: tuple[Dialect, ...] = ("duckdb", "spark")

DOUBLE = exp.DataType.build("DOUBLE")
BIGINT = exp.DataType.build("BIGINT")
VARCHAR = exp.DataType.build("VARCHAR")
BOOLEAN = exp.DataType.build("BOOLEAN")
DATE = exp.DataType.build("DATE")
LIST_VARCHAR = exp.DataType.build("ARRAY<VARCHAR>")
LIST_DOUBLE = exp.DataType.build("ARRAY<DOUBLE>")


class LocalMicros(exp.Expression, exp.Func):
    """Wall-clock microseconds of instant `this` in zone `expression` (an IANA name)."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True, "expression": True}


class MicrosToTimestamp(exp.Expression, exp.Func):
    """Epoch microseconds as a UTC timestamp (for output files)."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True}


class EpochDayToDate(exp.Expression, exp.Func):
    """Days since 1970-01-01 as a DATE (for output files)."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True}


class DateToEpochDay(exp.Expression, exp.Func):
    """A DATE as days since 1970-01-01."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True}


class TimestampToMicros(exp.Expression, exp.Func):
    """A time-zone-aware timestamp as epoch microseconds (UTC)."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True}


class WallClockMicros(exp.Expression, exp.Func):
    """A timestamp without a zone as the microseconds its wall-clock reading would have in UTC."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True}


_CUSTOM = (LocalMicros, MicrosToTimestamp, EpochDayToDate, DateToEpochDay, TimestampToMicros, WallClockMicros)


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _lower_duckdb(node: exp.Expression) -> exp.Expression:
    if isinstance(node, LocalMicros):
        instant = exp.cast(_call("make_timestamp", node.this), "TIMESTAMPTZ")
        return _call("epoch_us", _call("timezone", node.expression, instant))
    if isinstance(node, MicrosToTimestamp):
        return exp.cast(_call("make_timestamp", node.this), "TIMESTAMPTZ")
    if isinstance(node, EpochDayToDate):
        days = exp.cast(node.this, "INT")
        return exp.cast(exp.Add(this=exp.cast(exp.Literal.string("1970-01-01"), DATE), expression=days), DATE)
    if isinstance(node, DateToEpochDay):
        return exp.Sub(this=node.this, expression=exp.cast(exp.Literal.string("1970-01-01"), DATE))
    if isinstance(node, TimestampToMicros | WallClockMicros):
        return _call("epoch_us", node.this)
    return node


def _lower_spark(node: exp.Expression) -> exp.Expression:
    if isinstance(node, LocalMicros):
        return _call("unix_micros", _call("from_utc_timestamp", _call("timestamp_micros", node.this), node.expression))
    if isinstance(node, MicrosToTimestamp):
        return _call("timestamp_micros", node.this)
    if isinstance(node, EpochDayToDate):
        return _call("date_from_unix_date", exp.cast(node.this, "INT"))
    if isinstance(node, DateToEpochDay):
        return _call("unix_date", node.this)
    if isinstance(node, TimestampToMicros):
        return _call("unix_micros", node.this)
    if isinstance(node, WallClockMicros):
        return _call("unix_micros", exp.cast(node.this, "TIMESTAMP"))
    return node


class _DuckDBGenerator(DuckDBGenerator):
    def lambda_sql(self, expression: exp.Lambda, arrow_sep: str = "->", wrap: bool = True) -> str:
        # DuckDB 1.3+ spells lambdas `lambda x: body`; the arrow form is refused from 2.0 on.
        names = self.expressions(expression, flat=True)
        return f"(lambda {names}: {self.sql(expression, 'this')})"


class StudioDuckDB(DuckDB):
    """DuckDB as sqlglot writes it, with today's lambda syntax."""

    Generator = _DuckDBGenerator


_WRITERS = {"duckdb": StudioDuckDB, "spark": Spark}
_LOWER = {"duckdb": _lower_duckdb, "spark": _lower_spark}


_OPERATORS = (exp.Binary, exp.Unary, exp.In, exp.Between, exp.Is)


def _parenthesize(node: exp.Expression) -> exp.Expression:
    """Operands that are operators get parentheses: the tree's shape is the meaning, and
    sqlglot prints operators without regard to precedence."""
    if isinstance(node, _OPERATORS) and not isinstance(node, exp.Paren):
        for key in ("this", "expression", "low", "high"):
            child = node.args.get(key)
            if isinstance(child, _OPERATORS) and not isinstance(child, exp.Paren):
                node.set(key, exp.Paren(this=child))
    return node


def render(tree: exp.Expression, dialect: Dialect, *, pretty: bool = False) -> str:
    """The tree as SQL text of `dialect`."""
    lowered = tree.copy()
    while any(isinstance(node, _CUSTOM) for node in lowered.walk()):  # custom nodes may nest
        lowered = lowered.transform(_LOWER[dialect], copy=False)
    lowered = lowered.transform(_parenthesize, copy=False)
    return lowered.sql(dialect=_WRITERS[dialect], pretty=pretty, unsupported_level=ErrorLevel.RAISE)


# -- literals and small builders ----------------------------------------------------------


def string(value: str) -> exp.Expression:
    """A string literal (sqlglot escapes it for each dialect)."""
    return exp.Literal.string(value)


def integer(value: int) -> exp.Expression:
    """An exact integer literal (BIGINT where it matters)."""
    literal: exp.Expression = exp.Literal.number(abs(value))
    if abs(value) > 2_147_483_647:
        literal = exp.cast(literal, BIGINT)
    return exp.Neg(this=literal) if value < 0 else literal


def double(value: float) -> exp.Expression:
    """A DOUBLE literal, parsed from its shortest exact text by the engine."""
    if not math.isfinite(value):
        raise ValueError("non-finite numbers have no portable SQL literal")
    return exp.cast(exp.Literal.string(repr(float(value))), DOUBLE)


def boolean(value: bool) -> exp.Expression:
    return exp.Boolean(this=value)


def column(name: str, table: str | None = None) -> exp.Column:
    """A quoted column reference (names come from files and stacks; quoting keeps them data)."""
    return exp.column(exp.to_identifier(name, quoted=True), table=exp.to_identifier(table) if table else None)


def func(name: str, *args: exp.Expression) -> exp.Expression:
    """A function both dialects spell the same way."""
    return exp.Anonymous(this=name, expressions=list(args))


def and_(*conditions: exp.Expression) -> exp.Expression:
    items = [c for c in conditions if not (isinstance(c, exp.Boolean) and c.this is True)]
    if any(isinstance(c, exp.Boolean) and c.this is False for c in items):
        return boolean(False)
    if not items:
        return boolean(True)
    return cast(exp.Expression, exp.and_(*[exp.paren(c, copy=False) for c in items], copy=False))


def or_(*conditions: exp.Expression) -> exp.Expression:
    items = [c for c in conditions if not (isinstance(c, exp.Boolean) and c.this is False)]
    if any(isinstance(c, exp.Boolean) and c.this is True for c in items):
        return boolean(True)
    if not items:
        return boolean(False)
    return cast(exp.Expression, exp.or_(*[exp.paren(c, copy=False) for c in items], copy=False))


def not_(condition: exp.Expression) -> exp.Expression:
    if isinstance(condition, exp.Boolean):
        return boolean(not condition.this)
    return exp.Not(this=exp.paren(condition, copy=False))


def case(branches: list[tuple[exp.Expression, exp.Expression]], default: exp.Expression | None) -> exp.Expression:
    """CASE WHEN c1 THEN v1 ... ELSE default END (just `default` when there are no branches)."""
    if not branches:
        return default if default is not None else exp.Null()
    node = exp.Case()
    for condition, value in branches:
        node = node.when(condition, value, copy=False)
    if default is not None:
        node = node.else_(default, copy=False)
    return node


def regexp(value: exp.Expression, pattern: str) -> exp.Expression:
    """Whether the whole of `value` matches `pattern` (RE2 and Java agree on `\\A...\\z`)."""
    return exp.RegexpLike(this=value, expression=string(rf"\A(?:{pattern})\z"))


def literal_of(value: Any) -> exp.Expression:
    """A Python constant (bool, int, float, str) as a SQL literal."""
    if isinstance(value, bool):
        return boolean(value)
    if isinstance(value, int):
        return integer(value)
    if isinstance(value, float):
        return double(value)
    if isinstance(value, str):
        return string(value)
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def table(name: str, alias: str | None = None) -> exp.Table:
    """A table (or CTE) reference, optionally aliased."""
    return exp.Table(
        this=exp.to_identifier(name), alias=exp.TableAlias(this=exp.to_identifier(alias)) if alias else None
    )
