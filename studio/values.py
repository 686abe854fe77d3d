"""Typed values: checking what a file or a request gives against a declared `ValueSpec`.

Shared by sample customers, scenario steps and decision requests, so that "15", a missing
attribute or an unknown enum value gets the same clear message wherever it appears.
Runtime forms: numbers float, times int microseconds, lists tuples.
"""

from __future__ import annotations

import math
from typing import Any

from studio.clock import TimeFormatError, is_zone, parse_instant
from studio.errors import did_you_mean
from studio.stack import ItemType, ValueSpec, ValueType


class InvalidValueError(ValueError):
    """A value that doesn't fit its spec; the message names what was expected."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def coerce(spec: ValueSpec, raw: Any, *, name: str, now: int | None = None, tz: str = "UTC") -> Any:
    """`raw` as the runtime value of `spec`; InvalidValueError when it doesn't fit.

    `now` enables relative times (`-1d`): sample data may use them, decision requests may not.
    """
    kind = spec.type
    if kind is ValueType.NUMBER:
        return _number(spec, raw, name)
    if kind is ValueType.BOOL:
        if not isinstance(raw, bool):
            raise InvalidValueError(f"{name} must be true or false, not {_show(raw)}")
        return raw
    if kind is ValueType.STRING:
        return _string(raw, name)
    if kind is ValueType.ENUM:
        return _enum(spec.values, raw, name)
    if kind is ValueType.TIMEZONE:
        text = _string(raw, name)
        if not is_zone(text):
            raise InvalidValueError(f"{name}: unknown time zone {text!r}", "use an IANA name such as 'Europe/Paris'")
        return text
    if kind is ValueType.TIMESTAMP:
        return _timestamp(raw, name, now, tz)
    return _list(spec, raw, name)


def _show(raw: Any) -> str:
    if isinstance(raw, str):
        return repr(raw)
    if raw is None:
        return "nothing (null)"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, list | tuple):
        return "a list"
    if isinstance(raw, dict):
        return "a mapping"
    return str(raw)


def _number(spec: ValueSpec, raw: Any, name: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidValueError(f"{name} must be a number, not {_show(raw)}")
    value = float(raw)
    if not math.isfinite(value):
        raise InvalidValueError(f"{name} must be a finite number, not {raw}")
    if spec.min is not None and value < spec.min:
        raise InvalidValueError(f"{name} is {raw:g}, below its minimum {spec.min:g}")
    if spec.max is not None and value > spec.max:
        raise InvalidValueError(f"{name} is {raw:g}, above its maximum {spec.max:g}")
    return value


def _string(raw: Any, name: str) -> str:
    if not isinstance(raw, str):
        raise InvalidValueError(f"{name} must be a string, not {_show(raw)}")
    return raw


def _enum(values: list[str], raw: Any, name: str) -> str:
    text = _string(raw, name)
    if text not in values:
        raise InvalidValueError(f"{name}: {text!r} is not one of its values", did_you_mean(text, values))
    return text


def _timestamp(raw: Any, name: str, now: int | None, tz: str) -> int:
    if not isinstance(raw, str):
        raise InvalidValueError(f"{name} must be a time like '2026-11-23T10:00:00Z', not {_show(raw)}")
    if now is None:
        try:
            return parse_instant(raw, now=0, tz=tz) if _is_absolute(raw) else _refuse_relative(raw, name)
        except TimeFormatError as error:
            raise InvalidValueError(f"{name}: {error}") from error
    try:
        return parse_instant(raw, now=now, tz=tz)
    except TimeFormatError as error:
        raise InvalidValueError(f"{name}: {error}") from error


def _is_absolute(text: str) -> bool:
    return len(text) >= 10 and text[:4].isdigit() and text[4] == "-"


def _refuse_relative(raw: str, name: str) -> int:
    raise InvalidValueError(f"{name}: {raw!r} is not an absolute time; requests give times like '2026-11-23T10:00:00Z'")


def _list(spec: ValueSpec, raw: Any, name: str) -> tuple[Any, ...]:
    if not isinstance(raw, list | tuple):
        raise InvalidValueError(f"{name} must be a list, not {_show(raw)}")
    items = spec.items or ItemType.STRING
    result: list[Any] = []
    for index, item in enumerate(raw):
        label = f"{name}[{index}]"
        if items is ItemType.ENUM:
            result.append(_enum(spec.values, item, label))
        elif items is ItemType.NUMBER:
            result.append(_number(ValueSpec(type=ValueType.NUMBER), item, label))
        else:
            result.append(_string(item, label))
    return tuple(result)


def spec_problems(spec: ValueSpec, name: str) -> list[str]:
    """What is wrong with a declaration itself (an enum without values, min above max, ...)."""
    problems: list[str] = []
    enum_like = spec.type is ValueType.ENUM or (spec.type is ValueType.LIST and spec.items is ItemType.ENUM)
    if enum_like and not spec.values:
        problems.append(f"{name} is an enum but lists no values")
    if spec.values and not enum_like:
        problems.append(f"{name} lists values but isn't an enum")
    if len(set(spec.values)) != len(spec.values):
        problems.append(f"{name} lists a value twice")
    if spec.items is not None and spec.type is not ValueType.LIST:
        problems.append(f"{name} gives 'items' but isn't a list")
    if (spec.min is not None or spec.max is not None) and spec.type is not ValueType.NUMBER:
        problems.append(f"{name} gives min/max but isn't a number")
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        problems.append(f"{name}: min {spec.min:g} is above max {spec.max:g}")
    for label, value in (("default", spec.default), ("example", spec.example)):
        if value is None:
            continue
        try:
            coerce(spec, value, name=f"{name} {label}", now=0)
        except InvalidValueError as error:
            problems.append(str(error))
    return problems
