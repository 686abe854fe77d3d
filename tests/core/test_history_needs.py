"""What a rule needs of the history: how many events (so short histories skip it) and how far
back it looks (so older events are dropped before a cell is decided)."""

from __future__ import annotations

import pytest

from studio.clock import MICROS_PER_DAY
from studio.history_needs import MOST_EVENTS_NEEDED, events_needed, history_reach, history_window
from studio.stack import Rule, RuleKind

RECENT = "now - e.at <= days(7)"


def _rule(when: str | None, limits: tuple[str, ...] = ()) -> Rule:
    return Rule(id="r", kind=RuleKind.NEVER, owner="t", rationale="-", when=when, limits=list(limits))


@pytest.mark.parametrize(
    ("when", "needed"),
    [
        (None, 0),
        ("customer.vip", 0),
        (f"history.exists(e, e.team == 'sales' && {RECENT})", 1),
        ("history.exists_one(e, e.kind == 'call')", 1),
        ("history.filter(e, e.kind == 'email').size() >= 3", 3),
        ("size(history.filter(e, e.kind == 'email')) > 2", 3),
        ("history.filter(e, e.kind == 'email').size() >= 2.5", 3),
        ("history.filter(e, e.kind == 'email').size() > 2.5", 3),
        ("history.filter(e, e.kind == 'email').size() >= 0", 0),
        ("history.filter(e, e.kind == 'email').size() >= 1000", MOST_EVENTS_NEEDED),
        ("history.filter(e, e.kind == 'email').size() >= 1e999", MOST_EVENTS_NEEDED),
        ("history.filter(e, e.kind == 'email').size() > 1e999", MOST_EVENTS_NEEDED),
        ("customer.vip && history.filter(e, e.kind == 'email').size() >= 2", 2),
        # Not required: a disjunction, a negation, a count compared the other way.
        ("customer.vip || history.exists(e, e.kind == 'call')", 0),
        ("!history.exists(e, e.kind == 'call')", 0),
        ("history.filter(e, e.kind == 'email').size() < 3", 0),
    ],
)
def test_events_needed(when: str | None, needed: int) -> None:
    assert events_needed(_rule(when)) == needed


def test_reach_is_known_only_when_every_use_of_the_history_is_bounded_in_time() -> None:
    assert history_reach(_rule(f"history.exists(e, e.team == 'sales' && {RECENT})")) == (7 * MICROS_PER_DAY,)
    assert history_reach(_rule("customer.vip")) == ()
    assert history_reach(_rule("history.exists(e, e.team == 'sales')")) is None
    assert history_reach(_rule(f"size(history) > 2 && history.exists(e, {RECENT})")) is None


def test_a_cells_window_is_its_longest_reach_or_none() -> None:
    assert history_window([(3,), (), (7, 1)]) == 7
    assert history_window([(3,), None]) is None
    assert history_window([(), ()]) is None
