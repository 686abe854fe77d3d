"""Time as the studio keeps it: exact microseconds, durations, and sample times relative to now."""

from __future__ import annotations

import pytest

from studio.clock import (
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    TimeFormatError,
    cel_duration_literal,
    describe_duration,
    iso,
    parse_duration,
    parse_instant,
)

NOW = parse_instant("2026-11-23T15:30:00Z", now=0)  # 10:30 in New York


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("24h", 24 * MICROS_PER_HOUR),
        ("7d", 7 * MICROS_PER_DAY),
        ("1h30m", 90 * 60 * 1_000_000),
        ("-90m", -90 * 60 * 1_000_000),
        ("0.5h", 30 * 60 * 1_000_000),
        ("250ms", 250_000),
        ("86400s", MICROS_PER_DAY),
    ],
)
def test_durations(text: str, micros: int) -> None:
    assert parse_duration(text) == micros


@pytest.mark.parametrize("text", ["", "24", "h", "1 day", "24hours", "1h-30m"])
def test_unreadable_durations_say_what_is_expected(text: str) -> None:
    with pytest.raises(TimeFormatError, match="duration"):
        parse_duration(text)


def test_cel_durations_have_no_day_unit_and_the_message_says_what_to_write() -> None:
    with pytest.raises(TimeFormatError, match=r"'168h' or days\(7\)"):
        parse_duration("7d", allow_days=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", "2026-11-23T15:30:00Z"),
        ("-1d", "2026-11-22T15:30:00Z"),
        ("+45d", "2027-01-07T15:30:00Z"),
        ("-2h30m", "2026-11-23T13:00:00Z"),
        ("@10:00", "2026-11-23T15:00:00Z"),
        ("-3d@14:30", "2026-11-20T19:30:00Z"),
        ("+0d@09:00", "2026-11-23T14:00:00Z"),
        ("2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z"),
        ("2026-12-01T09:00:00+01:00", "2026-12-01T08:00:00Z"),
        ("2026-12-01T09:00:00", "2026-12-01T14:00:00Z"),  # no offset: read in the stack's zone
    ],
)
def test_instants_absolute_and_relative(text: str, expected: str) -> None:
    assert iso(parse_instant(text, now=NOW, tz="America/New_York")) == expected


def test_clock_times_follow_the_zone_across_daylight_saving() -> None:
    # 2026-03-08 is the US spring-forward day: 10:00 local is 14:00 UTC after it, 15:00 before.
    now = parse_instant("2026-03-09T12:00:00Z", now=0)
    assert iso(parse_instant("@10:00", now=now, tz="America/New_York")) == "2026-03-09T14:00:00Z"
    assert iso(parse_instant("-2d@10:00", now=now, tz="America/New_York")) == "2026-03-07T15:00:00Z"


@pytest.mark.parametrize("text", ["-1d2h@09:00", "@25:00", "yesterday", "2026-13-01T00:00:00Z"])
def test_unreadable_instants(text: str) -> None:
    with pytest.raises(TimeFormatError):
        parse_instant(text, now=NOW, tz="UTC")


def test_unknown_zone() -> None:
    with pytest.raises(TimeFormatError, match="IANA"):
        parse_instant("@10:00", now=NOW, tz="Mars/Olympus")


@pytest.mark.parametrize(
    ("micros", "words", "cel"),
    [
        (MICROS_PER_DAY, "1 day", "86400s"),
        (7 * MICROS_PER_DAY, "7 days", "604800s"),
        (90 * 60 * 1_000_000, "90 minutes", "5400s"),
        (1_500_000, "1.5 seconds", "1.500000s"),
    ],
)
def test_durations_in_words_and_in_cel(micros: int, words: str, cel: str) -> None:
    assert describe_duration(micros) == words
    assert cel_duration_literal(micros) == cel
    assert parse_duration(cel, allow_days=False) == micros
