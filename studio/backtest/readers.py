r"""One raw value read as a stack value, in SQL: the value, and what is wrong with it if anything.

For each stack type and each kind of raw column (`sources.RawType`), a reader gives two SQL
expressions over the raw cell: the canonical value (numbers DOUBLE, times epoch µs, names
translated by the mapping's `values:`), and a problem code, NULL when the value is fine
(`number`, `min`, `max`, `bool`, `values`, `time`, `item`, `type`, `missing`, ...).
`messages()` says what each code means for a field, in words for the error a user reads.

What counts as a value (docs/backtest.md has the full list): numbers in decimal or scientific
notation; booleans `true/false/yes/no/1/0`; times as ISO 8601 (with `Z`, an offset, or none:
then read in the mapping's time zone, as Python's zoneinfo reads it) or epoch seconds / ms /
µs; lists in CSV separated by `list_separator`. Regular expressions are written so RE2 (DuckDB)
and Java (Spark) read them alike (`\A...\z`, ASCII digits).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence

from sqlglot import exp

from studio.backtest.mapping import FieldRead, TimeFormat
from studio.backtest.sources import RawType
from studio.backtest.sql import (
    BIGINT,
    DOUBLE,
    LIST_VARCHAR,
    VARCHAR,
    DateToEpochDay,
    LocalMicros,
    TimestampToMicros,
    WallClockMicros,
    and_,
    case,
    integer,
    literal_of,
    not_,
    regexp,
    string,
)
from studio.clock import MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND
from studio.stack import ItemType, ValueSpec, ValueType

_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_ISO = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
_EPOCH = {
    TimeFormat.EPOCH_S: (r"[0-9]+(?:\.[0-9]{1,6})?", MICROS_PER_SECOND, 6),
    TimeFormat.EPOCH_MS: (r"[0-9]+(?:\.[0-9]{1,3})?", 1_000, 3),
    TimeFormat.EPOCH_US: (r"[0-9]+", 1, 0),
}
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_MAX_DOUBLE = 1.7976931348623157e308
ZONES = frozenset(zoneinfo.available_timezones()) - {"localtime", "Factory"}
"""Zones a time-zone value may name (IANA names every engine knows; not the machine's `localtime`)."""

Reader = tuple[exp.Expression, exp.Expression]
"""(value, problem code or NULL) for one field of one row."""


def _true(condition: exp.Expression) -> exp.Expression:
    """`condition`, with NULL read as false."""
    return exp.Coalesce(this=condition, expressions=[exp.false()])


def is_present(raw: exp.Expression, raw_type: RawType, *, text_value: bool) -> exp.Expression:
    """Whether a cell holds a value (an empty CSV cell doesn't; a blank one doesn't unless text)."""
    given = exp.not_(exp.Is(this=raw.copy(), expression=exp.Null()))
    if raw_type is RawType.TEXT and not text_value:
        return and_(given, exp.NEQ(this=exp.Trim(this=raw.copy()), expression=string("")))
    return given


def _mapped(raw: exp.Expression, read: FieldRead) -> exp.Expression:
    """Text with the mapping's `values:` translations applied."""
    if not read.values:
        return raw
    return case([(exp.EQ(this=raw.copy(), expression=string(key)), string(value)) for key, value in read.values], raw)


def _as_text(raw: exp.Expression, raw_type: RawType) -> exp.Expression:
    return raw if raw_type is RawType.TEXT else exp.cast(raw, VARCHAR)


def _number(raw: exp.Expression, raw_type: RawType, spec: ValueSpec) -> Reader:
    if raw_type is RawType.TEXT:
        trimmed = exp.Trim(this=raw.copy())
        value: exp.Expression = exp.TryCast(this=trimmed, to=DOUBLE)
        shape = regexp(trimmed.copy(), _NUMBER)
    elif raw_type in (RawType.INTEGER, RawType.NUMBER):
        value, shape = exp.cast(raw.copy(), DOUBLE), exp.true()
    else:
        return exp.Null(), string("type")
    finite = _true(exp.Between(this=value.copy(), low=literal_of(-_MAX_DOUBLE), high=literal_of(_MAX_DOUBLE)))
    branches = [(not_(shape), string("number")), (not_(finite), string("finite"))]
    if spec.min is not None:
        branches.append((exp.LT(this=value.copy(), expression=literal_of(float(spec.min))), string("min")))
    if spec.max is not None:
        branches.append((exp.GT(this=value.copy(), expression=literal_of(float(spec.max))), string("max")))
    return value, case(branches, None)


def _bool(raw: exp.Expression, raw_type: RawType) -> Reader:
    if raw_type is RawType.BOOL:
        return raw, exp.Null()
    if raw_type is RawType.INTEGER:
        ok = exp.In(this=raw.copy(), expressions=[integer(0), integer(1)])
        return exp.EQ(this=raw.copy(), expression=integer(1)), case([(not_(ok), string("bool"))], None)
    if raw_type is not RawType.TEXT:
        return exp.Null(), string("type")
    word = exp.Lower(this=exp.Trim(this=raw.copy()))
    ok = exp.In(this=word.copy(), expressions=[string(w) for w in (*_TRUE, *_FALSE)])
    return exp.In(this=word, expressions=[string(w) for w in _TRUE]), case([(not_(ok), string("bool"))], None)


def read_name(raw: exp.Expression, raw_type: RawType, read: FieldRead, valid: Sequence[str] | None) -> Reader:
    """Text, translated by `values:`, and (for enums and names) checked against `valid`."""
    if raw_type not in (RawType.TEXT, RawType.INTEGER, RawType.NUMBER, RawType.BOOL):
        return exp.Null(), string("type")
    value = _mapped(_as_text(raw.copy(), raw_type), read)
    if valid is None or read.keep_other:
        return value, exp.Null()
    if not valid:
        return value, string("values")
    ok = exp.In(this=value.copy(), expressions=[string(v) for v in valid])
    return value, case([(not_(ok), string("values"))], None)


def _zone(raw: exp.Expression, raw_type: RawType, read: FieldRead) -> Reader:
    # Whether each distinct zone exists is asked once per run (`run.py`), not per row.
    return read_name(raw, raw_type, read, None)


def _digits(text: exp.Expression) -> exp.Expression:
    """A run of ASCII digits ('' = 0) as a BIGINT."""
    return case([(exp.EQ(this=text.copy(), expression=string("")), integer(0))], exp.cast(text, BIGINT))


def _substr(text: exp.Expression, start: int, length: int) -> exp.Expression:
    return exp.Substring(this=text.copy(), start=integer(start), length=integer(length))


def _extract(text: exp.Expression, pattern: str) -> exp.Expression:
    return exp.RegexpExtract(this=text.copy(), expression=string(pattern), group=integer(1))


def local_to_utc(local: exp.Expression, zone: str | exp.Expression) -> exp.Expression:
    """The instant a wall-clock reading in `zone` stands for, as Python's zoneinfo reads it
    (fold=0): in a repeated hour the first occurrence, in a skipped hour the offset before
    the change. Built from `LocalMicros` (instant -> wall clock), which both engines do exactly."""
    zone_expr = string(zone) if isinstance(zone, str) else zone
    if isinstance(zone, str) and zone == "UTC":
        return local

    def offset_at(instant: exp.Expression) -> exp.Expression:
        return exp.Sub(this=LocalMicros(this=instant, expression=zone_expr.copy()), expression=instant.copy())

    two_days = integer(2 * MICROS_PER_DAY)
    before = offset_at(exp.Sub(this=local.copy(), expression=two_days.copy()))
    after = offset_at(exp.Add(this=local.copy(), expression=two_days))
    with_before = exp.Sub(this=local.copy(), expression=exp.paren(before.copy()))
    with_after = exp.Sub(this=local.copy(), expression=exp.paren(after.copy()))

    def reads_back(instant: exp.Expression) -> exp.Expression:
        return exp.EQ(this=LocalMicros(this=instant.copy(), expression=zone_expr.copy()), expression=local.copy())

    return case(
        [
            (exp.EQ(this=before.copy(), expression=after.copy()), with_before.copy()),
            (reads_back(with_before), with_before.copy()),
            (reads_back(with_after), with_after.copy()),
        ],
        with_before,
    )


def _iso(text: exp.Expression, zone: str) -> Reader:
    """ISO 8601 text -> epoch µs: date, optional time, optional fraction and offset."""
    shape = regexp(text.copy(), _ISO)
    day = exp.TryCast(this=_substr(text, 1, 10), to=exp.DataType.build("DATE"))
    has_time = exp.GT(this=exp.Length(this=text.copy()), expression=integer(10))
    has_seconds = and_(has_time.copy(), exp.EQ(this=_substr(text, 17, 1), expression=string(":")))
    hours = case([(has_time.copy(), exp.cast(_substr(text, 12, 2), BIGINT))], integer(0))
    minutes = case([(has_time.copy(), exp.cast(_substr(text, 15, 2), BIGINT))], integer(0))
    seconds = case([(has_seconds.copy(), exp.cast(_substr(text, 18, 2), BIGINT))], integer(0))
    fraction = _extract(text, r"\.([0-9]{1,6})")
    fraction_us = _digits(exp.Pad(this=fraction, expression=integer(6), fill_pattern=string("0"), is_left=False))
    zone_text = case([(has_time.copy(), _extract(text, r"(Z|[+-][0-9]{2}(?::?[0-9]{2})?)\z"))], string(""))
    offset_hours = _digits(_substr(zone_text, 2, 2))
    offset_minutes = case(
        [
            (
                exp.GT(this=exp.Length(this=zone_text.copy()), expression=integer(3)),
                _digits(_extract(zone_text, r"([0-9]{2})\z")),
            )
        ],
        integer(0),
    )
    offset_abs = exp.Add(
        this=exp.Mul(this=offset_hours.copy(), expression=integer(MICROS_PER_HOUR)),
        expression=exp.Mul(this=offset_minutes.copy(), expression=integer(MICROS_PER_MINUTE)),
    )
    offset = case(
        [(exp.EQ(this=_substr(zone_text, 1, 1), expression=string("-")), exp.Neg(this=exp.paren(offset_abs.copy())))],
        offset_abs,
    )
    wall = _sum(
        exp.Mul(this=DateToEpochDay(this=day.copy()), expression=integer(MICROS_PER_DAY)),
        exp.Mul(this=hours.copy(), expression=integer(MICROS_PER_HOUR)),
        exp.Mul(this=minutes.copy(), expression=integer(MICROS_PER_MINUTE)),
        exp.Mul(this=seconds.copy(), expression=integer(MICROS_PER_SECOND)),
        fraction_us,
    )
    no_offset = exp.EQ(this=zone_text.copy(), expression=string(""))
    instant = case(
        [(no_offset, local_to_utc(wall.copy(), zone))],
        exp.Sub(this=wall.copy(), expression=exp.paren(offset)),
    )
    valid = and_(
        shape,
        _true(exp.not_(exp.Is(this=day, expression=exp.Null()))),
        exp.LTE(this=hours, expression=integer(23)),
        exp.LTE(this=minutes, expression=integer(59)),
        exp.LTE(this=seconds, expression=integer(59)),
        exp.LTE(this=offset_hours, expression=integer(23)),
        exp.LTE(this=offset_minutes, expression=integer(59)),
    )
    return instant, case([(not_(valid), string("time"))], None)


def _sum(*terms: exp.Expression) -> exp.Expression:
    total = terms[0]
    for term in terms[1:]:
        total = exp.Add(this=total, expression=term)
    return total


def _epoch(text: exp.Expression, time_format: TimeFormat) -> Reader:
    pattern, unit, fraction_digits = _EPOCH[time_format]
    whole = _extract(text, r"\A([0-9]+)")
    value: exp.Expression = exp.Mul(this=_digits(whole), expression=integer(unit))
    if fraction_digits:
        fraction = _extract(text, r"\.([0-9]+)\z")
        padded = exp.Pad(this=fraction, expression=integer(fraction_digits), fill_pattern=string("0"), is_left=False)
        scale = unit // 10**fraction_digits
        value = exp.Add(this=value, expression=exp.Mul(this=_digits(padded), expression=integer(scale)))
    return value, case([(not_(regexp(text.copy(), pattern)), string("time"))], None)


def _time(raw: exp.Expression, raw_type: RawType, read: FieldRead) -> Reader:
    if raw_type is RawType.TIMESTAMP:
        return TimestampToMicros(this=raw), exp.Null()
    if raw_type is RawType.LOCAL_TIMESTAMP:
        return local_to_utc(WallClockMicros(this=raw), read.timezone), exp.Null()
    if raw_type is RawType.DATE:
        wall = exp.Mul(this=DateToEpochDay(this=raw), expression=integer(MICROS_PER_DAY))
        return local_to_utc(wall, read.timezone), exp.Null()
    if raw_type is RawType.INTEGER and read.time_format is not TimeFormat.ISO:
        unit = _EPOCH[read.time_format][1]
        return exp.Mul(this=exp.cast(raw, BIGINT), expression=integer(unit)), exp.Null()
    if raw_type is not RawType.TEXT:
        return exp.Null(), string("type")
    text = exp.Trim(this=raw)
    if read.time_format is TimeFormat.ISO:
        return _iso(text, read.timezone)
    return _epoch(text, read.time_format)


def _split(raw: exp.Expression, separator: str) -> exp.Expression:
    """A CSV cell's list: split on the separator, items trimmed, a blank cell is empty."""
    items = exp.Split(this=raw.copy(), expression=string(separator))
    trimmed = exp.Transform(
        this=items,
        expression=exp.Lambda(this=exp.Trim(this=exp.to_identifier("item")), expressions=[exp.to_identifier("item")]),
    )
    empty = exp.cast(exp.Array(expressions=[]), LIST_VARCHAR)
    return case([(exp.EQ(this=exp.Trim(this=raw.copy()), expression=string("")), empty)], trimmed)


def _list(raw: exp.Expression, raw_type: RawType, spec: ValueSpec, read: FieldRead) -> Reader:
    numbers = spec.items is ItemType.NUMBER
    if raw_type is RawType.TEXT:
        items = _split(raw, read.separator)
    elif raw_type in (RawType.TEXT_LIST, RawType.NUMBER_LIST):
        items = raw
    else:
        return exp.Null(), string("type")
    variable = exp.to_identifier("item")
    if numbers:
        if raw_type is RawType.NUMBER_LIST:
            cast = exp.Transform(
                this=items, expression=exp.Lambda(this=exp.cast(variable.copy(), DOUBLE), expressions=[variable.copy()])
            )
            return cast, exp.Null()
        text = exp.cast(variable.copy(), VARCHAR) if raw_type is not RawType.TEXT else variable.copy()
        bad = not_(regexp(text, _NUMBER))
        value = exp.Transform(
            this=items.copy(),
            expression=exp.Lambda(this=exp.TryCast(this=variable.copy(), to=DOUBLE), expressions=[variable.copy()]),
        )
    else:
        if raw_type is RawType.NUMBER_LIST:
            return exp.Null(), string("type")
        mapped = _mapped(variable.copy(), read)
        value = exp.Transform(this=items.copy(), expression=exp.Lambda(this=mapped, expressions=[variable.copy()]))
        if spec.items is ItemType.ENUM and not read.keep_other:
            bad = exp.not_(exp.In(this=variable.copy(), expressions=[string(v) for v in spec.values]))
            items = value.copy()
        else:
            return value, exp.Null()
    failing = exp.ArrayFilter(this=items, expression=exp.Lambda(this=bad, expressions=[variable.copy()]))
    problem = case([(exp.GT(this=exp.ArraySize(this=failing), expression=integer(0)), string("item"))], None)
    return value, problem


def messages_for(spec: ValueSpec | None, label: str, read: FieldRead, valid: Sequence[str] | None) -> dict[str, str]:
    shown = ", ".join(list(valid or [])[:12]) + (", …" if valid and len(valid) > 12 else "")
    how_time = {
        TimeFormat.ISO: "an ISO 8601 time like 2026-11-23T10:00:00Z",
        TimeFormat.EPOCH_S: "whole (or decimal) seconds since 1970",
        TimeFormat.EPOCH_MS: "milliseconds since 1970",
        TimeFormat.EPOCH_US: "microseconds since 1970",
    }[read.time_format]
    messages = {
        "missing": f"is empty, and {label} has no default",
        "type": "has a column type that can't hold this field",
        "number": "is not a number",
        "finite": "is not a finite number",
        "bool": "is not true or false (true/false, yes/no, 1/0)",
        "values": f"is not one of the values of {label} ({shown})" if shown else f"{label} has no values to match",
        "zone": "is not an IANA time zone (like Europe/Paris)",
        "time": f"is not {how_time}",
        "item": f"has an item that doesn't fit {label}" + (f" ({shown})" if shown else ""),
        "no_team": "names neither an agent nor a team (an event needs one)",
        "nocolumn": f"is needed, but the file has no column for {label} and it has no default (map one)",
    }
    if spec is not None and spec.min is not None:
        messages["min"] = f"is below the minimum {spec.min:g}"
    if spec is not None and spec.max is not None:
        messages["max"] = f"is above the maximum {spec.max:g}"
    return messages


def read_value(
    raw: exp.Expression, raw_type: RawType, spec: ValueSpec, read: FieldRead, valid: Sequence[str] | None
) -> Reader:
    """(value, problem) of a raw cell read as a value of `spec` (`valid`: the names allowed)."""
    kind = spec.type
    if kind is ValueType.NUMBER:
        return _number(raw, raw_type, spec)
    if kind is ValueType.BOOL:
        return _bool(raw, raw_type)
    if kind is ValueType.TIMESTAMP:
        return _time(raw, raw_type, read)
    if kind is ValueType.TIMEZONE:
        return _zone(raw, raw_type, read)
    if kind is ValueType.LIST:
        return _list(raw, raw_type, spec, read)
    if kind is ValueType.ENUM:
        return read_name(raw, raw_type, read, valid if valid is not None else spec.values)
    return read_name(raw, raw_type, read, valid)
