"""Time as the studio keeps it: whole microseconds since the Unix epoch, UTC.

Integers make window arithmetic exact ("exactly 24 hours after the sales call" is exactly
86_400_000_000 µs, never off by a rounding error), and every backend (the engine, the SMT
encoding, Rego, SQL) can represent them the same way.

Sample data never goes stale because its times are written relative to "now":
`-1d`, `+45d`, `-3d@14:30` (three days ago at 14:30 in the stack's time zone), `now`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MICROS_PER_SECOND = 1_000_000
MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND
MICROS_PER_HOUR = 60 * MICROS_PER_MINUTE
MICROS_PER_DAY = 24 * MICROS_PER_HOUR

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNIT_MICROS = {
    "d": MICROS_PER_DAY,
    "h": MICROS_PER_HOUR,
    "m": MICROS_PER_MINUTE,
    "s": MICROS_PER_SECOND,
    "ms": 1_000,
    "us": 1,
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|us|ns|[dhms])")
_RELATIVE = re.compile(
    r"^\s*(?:now\s*)?(?:(?P<sign>[+-])\s*(?P<amount>(?:\d+(?:\.\d+)?(?:ms|us|[dhms]))+))?"
    r"\s*(?:@\s*(?P<clock>\d{1,2}:\d{2}))?\s*$"
)


class TimeFormatError(ValueError):
    """A time or duration that can't be read; the message says what is expected."""


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA time zone called `name` (`Europe/Paris`); TimeFormatError if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise TimeFormatError(f"unknown time zone {name!r} (use an IANA name such as 'Europe/Paris')") from error


def is_zone(name: str) -> bool:
    """True when `name` is a known IANA time zone."""
    try:
        zone(name)
    except TimeFormatError:
        return False
    return True


def parse_duration(text: str, *, allow_days: bool = True) -> int:
    """`24h`, `1h30m`, `7d`, `-90m`, `0.5h` -> microseconds.

    With allow_days=False only CEL's units are accepted (h, m, s, ms, us, ns): CEL itself has
    no day unit, and conditions must stay valid CEL for other engines.
    """
    body = text.strip()
    sign = -1 if body.startswith("-") else 1
    body = body.lstrip("+-")
    parts = _DURATION_PART.findall(body)
    if not body or "".join(number + unit for number, unit in parts) != body:
        units = "h, m, s" + (" or d" if allow_days else "")
        raise TimeFormatError(f"{text!r} is not a duration (write e.g. '24h', '90m', '30s'; units {units})")
    total = 0.0
    for number, unit in parts:
        if unit == "d" and not allow_days:
            raise TimeFormatError(
                f"{text!r}: CEL durations have no day unit; write '{int(float(number) * 24)}h' or days({number})"
            )
        scale = 0.001 if unit == "ns" else _UNIT_MICROS[unit]
        total += float(number) * scale
    return sign * round(total)


def parse_instant(text: str, *, now: int, tz: str = "UTC") -> int:
    """An absolute ISO 8601 time or a time relative to `now`, as microseconds.

    Relative forms: `now`, `-1d`, `+2h30m`, `-3d@14:30` (a whole number of days from today,
    at a clock time in `tz`), `@09:00` (today at 09:00). An ISO time without an offset is read
    in `tz`.
    """
    stripped = text.strip()
    match = _RELATIVE.match(stripped)
    if match and stripped:
        return _resolve_relative(match, stripped, now=now, tz=tz)
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError as error:
        raise TimeFormatError(
            f"{text!r} is not a time: use ISO 8601 ('2026-11-23T10:00:00Z') "
            "or a time relative to now ('-1d', '+45d', '-3d@14:30')"
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(tz))
    return to_micros(moment)


def _resolve_relative(match: re.Match[str], text: str, *, now: int, tz: str) -> int:
    sign = -1 if match["sign"] == "-" else 1
    amount = parse_duration(match["amount"]) if match["amount"] else 0
    if not match["clock"]:
        return now + sign * amount
    if amount % MICROS_PER_DAY:
        raise TimeFormatError(f"{text!r}: with '@HH:MM' the offset must be whole days, like '-3d@14:30'")
    hours, minutes = (int(part) for part in match["clock"].split(":"))
    if hours > 23 or minutes > 59:
        raise TimeFormatError(f"{text!r}: {match['clock']} is not a clock time")
    local = from_micros(now).astimezone(zone(tz))
    day = local.date() + timedelta(days=sign * amount // MICROS_PER_DAY)
    moment = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=zone(tz))
    return to_micros(moment)


def to_micros(moment: datetime) -> int:
    """An aware datetime as whole microseconds since the epoch."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * MICROS_PER_SECOND + delta.microseconds


def from_micros(micros: int) -> datetime:
    """Microseconds since the epoch as an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=micros)


def iso(micros: int, tz: str | None = None) -> str:
    """RFC 3339 text: UTC with `Z` by default, or local time with its offset in `tz`."""
    moment = from_micros(micros)
    if tz is None:
        return moment.isoformat().replace("+00:00", "Z")
    return moment.astimezone(zone(tz)).isoformat()


def describe_duration(micros: int) -> str:
    """Business words for a duration: `24 hours`, `7 days`, `90 minutes`."""
    magnitude = abs(micros)
    for unit, size in (
        ("day", MICROS_PER_DAY),
        ("hour", MICROS_PER_HOUR),
        ("minute", MICROS_PER_MINUTE),
    ):
        if magnitude and magnitude % size == 0:
            count = magnitude // size
            text = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"-{text}" if micros < 0 else text
    seconds = micros / MICROS_PER_SECOND
    return f"{seconds:g} seconds"


def cel_duration_literal(micros: int) -> str:
    """A duration as CEL's own string form, e.g. `86400s`, for `duration('…')`."""
    seconds, rest = divmod(abs(micros), MICROS_PER_SECOND)
    sign = "-" if micros < 0 else ""
    if rest:
        return f"{sign}{seconds}.{rest:06d}s"
    return f"{sign}{seconds}s"


__all__ = [
    "MICROS_PER_DAY",
    "MICROS_PER_HOUR",
    "MICROS_PER_MINUTE",
    "MICROS_PER_SECOND",
    "TimeFormatError",
    "cel_duration_literal",
    "describe_duration",
    "from_micros",
    "is_zone",
    "iso",
    "parse_duration",
    "parse_instant",
    "to_micros",
    "zone",
]
