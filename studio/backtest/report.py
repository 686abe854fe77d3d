"""What a backtest found: verdicts by agent, action and team; flags per day per reviewing team
against its review capacity; the rules that fire most, with example customers; what the policy
would have stopped.

`summarise()` asks the engine (DuckDB or Spark, the same query trees) two questions: the
summary's facts (`facts.py`: the decisions grouped four narrow ways, the comma-separated lists
unfolded by joining the groups with the ids they can hold; a few hundred rows however many
proposals there are), and the first stopped proposals. Here the facts are only put in order,
so a Spark run pays for two jobs, not one per table. The result, `Summary`, is plain data:
`to_json()` for the CLI and files, `chart_tables()` for the browser studio (long-form records,
one table per chart).

A flag routed to a human queue counts against the queue's team; a flag routed to two targets
of one team counts once for it. Days run midnight to midnight in the stack's time zone, and
every day from the first proposal to the last counts (a day without flags is a 0).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlglot import exp

from studio.backtest.compile_sql import CompiledPolicy, Uncompiled
from studio.backtest.engines import Session
from studio.backtest.facts import DECISIONS, Fact, facts, team_of_route
from studio.backtest.sql import column, string, table
from studio.clock import iso
from studio.revision import revision
from studio.stack import Stack


@dataclass(frozen=True, slots=True)
class VerdictCounts:
    """Verdicts of the proposals of one agent, action or team."""

    key: str
    go: int
    flag: int
    stop: int

    @property
    def total(self) -> int:
        return self.go + self.flag + self.stop


@dataclass(frozen=True, slots=True)
class FlagDay:
    """Flags one team would have reviewed on one day, against what it can review."""

    day: str
    team: str
    flags: int
    capacity: int | None
    over_capacity: bool


@dataclass(frozen=True, slots=True)
class TeamLoad:
    """A team's review load over the whole period: the real volumes behind a forecast."""

    team: str
    name: str
    days: int
    flags: int
    mean_per_day: float
    peak_per_day: int
    peak_day: str
    capacity: int | None
    days_over_capacity: int


@dataclass(frozen=True, slots=True)
class RuleFiring:
    """How often a rule fired, how often it decided the verdict, and on whom."""

    rule: str
    kind: str
    owner: str
    fired: int
    decisive: int
    over_limit: int
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Stopped:
    """One proposal the policy would have stopped."""

    proposal: str
    customer: str
    at: str
    agent: str
    action: str
    stopped_by: str
    refusal: str


@dataclass(frozen=True)
class Summary:
    """Everything the backtest reports, as plain data."""

    stack: str
    engine: str
    proposals: int
    customers: int
    events: int
    first_day: str
    last_day: str
    verdicts: dict[str, int]
    refused: int
    default_applied: int
    by_agent: tuple[VerdictCounts, ...]
    by_action: tuple[VerdictCounts, ...]
    by_team: tuple[VerdictCounts, ...]
    flags_per_day: tuple[FlagDay, ...]
    review_load: tuple[TeamLoad, ...]
    top_rules: tuple[RuleFiring, ...]
    stopped_by: dict[str, int]
    """Stops per decisive rule (`default` for the stack's default, `refused` for refusals)."""
    stopped_examples: tuple[Stopped, ...]
    route_drivers: tuple[tuple[str, str, int], ...] = ()
    """(route target, decisive rule id or `default`, flags): what sent flags where."""
    flags_by_route: dict[str, int] = field(default_factory=dict)
    """Flagged proposals per route target (team or human queue)."""
    uncompiled: tuple[Uncompiled, ...] = ()
    engine_decided: int = 0
    """Proposals decided one by one by the core engine (cells of uncompiled rules)."""
    notes: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    revision: str = ""
    """The stack's revision (`studio.revision.revision`) the backtest decided with."""

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON data (what `--json` prints and summary.json holds)."""
        data = asdict(self)
        for key in ("by_agent", "by_action", "by_team"):
            data[key] = [{**row, "total": row["go"] + row["flag"] + row["stop"]} for row in data[key]]
        data["uncompiled"] = [asdict(u) for u in self.uncompiled]
        return data

    @classmethod
    def from_json(cls, data: Any) -> Summary:
        """The summary `to_json()` gave (summary.json read back); pydantic's ValidationError
        naming the field when the data isn't one."""
        from pydantic import TypeAdapter

        return TypeAdapter(cls).validate_python(data)

    def chart_tables(self) -> dict[str, list[dict[str, Any]]]:
        """Long-form tables, one per chart (verdict mix, flags per day against capacity, ...)."""
        verdicts = []
        for dimension, rows in (("agent", self.by_agent), ("action", self.by_action), ("team", self.by_team)):
            for row in rows:
                for verdict in ("go", "flag", "stop"):
                    verdicts.append(
                        {"by": dimension, "key": row.key, "verdict": verdict, "count": getattr(row, verdict)}
                    )
        return {
            "verdicts": verdicts,
            "flags_per_day": [asdict(day) for day in self.flags_per_day],
            "review_load": [asdict(load) for load in self.review_load],
            "top_rules": [{**asdict(rule), "examples": list(rule.examples)} for rule in self.top_rules],
            "stopped_by": [{"stopped_by": key, "count": count} for key, count in self.stopped_by.items()],
            "stopped_examples": [asdict(row) for row in self.stopped_examples],
        }


def _day_text(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def _by(rows: list[Fact], key: str) -> tuple[VerdictCounts, ...]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        counts[str(getattr(row, key) or "")][str(row.d)] += row.n
    return tuple(VerdictCounts(k, c["go"], c["flag"], c["stop"]) for k, c in sorted(counts.items()))


def _flags(
    per_day: Counter[tuple[int, str]], stack: Stack, days: list[int]
) -> tuple[tuple[FlagDay, ...], tuple[TeamLoad, ...]]:
    """Flags per day per team (a flag counts once per team it reaches), against capacity."""
    flag_days: list[FlagDay] = []
    loads: list[TeamLoad] = []
    for team in stack.teams if days else []:
        capacity = team.review_capacity_per_day
        series = [(day, per_day[(day, team.id)]) for day in days]
        for day, flags in series:
            flag_days.append(
                FlagDay(_day_text(day), team.id, flags, capacity, capacity is not None and flags > capacity)
            )
        total = sum(flags for _, flags in series)
        peak_day, peak = max(series, key=lambda pair: (pair[1], -pair[0]))
        over = sum(1 for _, flags in series if capacity is not None and flags > capacity)
        loads.append(
            TeamLoad(
                team.id,
                team.name or team.id,
                len(series),
                total,
                round(total / len(series), 2),
                peak,
                _day_text(peak_day),
                capacity,
                over,
            )
        )
    return tuple(flag_days), tuple(loads)


def _rules(by_fact: dict[str, dict[str, Fact]], stack: Stack) -> tuple[RuleFiring, ...]:
    """Per rule: fired, decisive and over-limit counts, and the first and last customer it fired on."""
    fired, decisive, over = by_fact["fired"], by_fact["decisive"], by_fact["over"]
    result = []
    for rule in stack.rules:
        firing = fired.get(rule.id)
        examples = (firing.lo, firing.hi) if firing is not None else ()
        result.append(
            RuleFiring(
                rule.id,
                rule.kind.value,
                rule.owner,
                firing.n if firing is not None else 0,
                decisive[rule.id].n if rule.id in decisive else 0,
                over[rule.id].n if rule.id in over else 0,
                tuple(dict.fromkeys(str(c) for c in examples if c is not None)),
            )
        )
    result.sort(key=lambda r: (-r.fired, r.rule))
    return tuple(result)


def _stopped(session: Session, limit: int) -> tuple[Stopped, ...]:
    examples = (
        exp.select(*[column(c) for c in ("pid", "cid", "at", "agent", "action", "decisive", "refusal")])
        .from_(table(DECISIONS))
        .where(exp.EQ(this=column("verdict"), expression=string("stop")))
        .order_by(column("at"), column("prow"))
        .limit(limit)
    )
    return tuple(
        Stopped(str(pid), str(cid), iso(int(at)), str(agent), str(action), str(decisive), str(refusal))
        for pid, cid, at, agent, action, decisive, refusal in session.rows(examples)
    )


def summarise(
    session: Session,
    compiled: CompiledPolicy,
    *,
    customers: int,
    events: int,
    engine_decided: int = 0,
    notes: tuple[str, ...] = (),
    examples: int = 10,
) -> Summary:
    """The summary of the decisions table `bt_decisions` in `session` (two queries: its facts,
    and the first stopped proposals)."""
    stack = compiled.stack
    rows = facts(session, compiled)
    cells = [row for row in rows if row.fact == "verdict"]
    by_fact: dict[str, dict[str, Fact]] = defaultdict(dict)
    for row in rows:
        if row.fact in ("fired", "over", "decisive", "route") and row.a is not None:
            by_fact[row.fact][row.a] = row
    verdicts: Counter[str] = Counter()
    for row in cells:
        verdicts[str(row.d)] += row.n
    total = sum(verdicts.values())
    first = min((row.day0 for row in cells if row.day0 is not None), default=0)
    last = max((row.day1 for row in cells if row.day1 is not None), default=0)
    days = list(range(first, last + 1)) if total else []
    per_day: Counter[tuple[int, str]] = Counter()
    for row in rows:
        if row.fact == "team_day" and row.day0 is not None:
            per_day[(row.day0, str(row.a))] += row.n
    flag_days, loads = _flags(per_day, stack, days)
    stopped_by = {str(row.a): row.n for row in rows if row.fact == "stopped_by" and row.n}
    drivers = sorted((str(row.a), str(row.b), row.n) for row in rows if row.fact == "driver" and row.n)
    return Summary(
        stack=stack.name,
        engine=session.dialect,
        proposals=total,
        customers=customers,
        events=events,
        first_day=_day_text(first) if total else "",
        last_day=_day_text(last) if total else "",
        verdicts={v: verdicts[v] for v in ("go", "flag", "stop")},
        refused=sum(row.m or 0 for row in cells),
        default_applied=sum(row.k or 0 for row in cells),
        by_agent=_by(cells, "a"),
        by_action=_by(cells, "b"),
        by_team=_by(cells, "c"),
        flags_per_day=flag_days,
        review_load=loads,
        top_rules=_rules(by_fact, stack),
        stopped_by=dict(sorted(stopped_by.items(), key=lambda pair: (-pair[1], pair[0]))),
        stopped_examples=_stopped(session, examples) if verdicts["stop"] else (),
        route_drivers=tuple(drivers),
        flags_by_route={t: row.n for t, row in sorted(by_fact["route"].items()) if row.n},
        uncompiled=compiled.uncompiled,
        engine_decided=engine_decided,
        notes=notes,
        revision=revision(stack),
    )


__all__ = [
    "DECISIONS",
    "FlagDay",
    "RuleFiring",
    "Stopped",
    "Summary",
    "TeamLoad",
    "VerdictCounts",
    "summarise",
    "team_of_route",
]
