"""What a backtest found: verdicts by agent, action and team; flags per day per reviewing team
against its review capacity; the rules that fire most, with example customers; what the policy
would have stopped.

`summarise()` asks the engine (DuckDB or Spark, the same query trees) two questions: the
decisions grouped by everything the summary reads (day, agent, action, verdict, routes, rule
ids...: a few thousand groups however many proposals there are), and the first stopped
proposals. Everything else is counted from the groups here, so a Spark run pays for two jobs,
not one per table. The result, `Summary`, is plain data: `to_json()` for the CLI and files,
`chart_tables()` for the browser studio (long-form records, one table per chart).

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
from studio.backtest.sql import column, string, table
from studio.clock import iso
from studio.stack import AgentKind, Stack

DECISIONS = "bt_decisions"
GROUPED = (
    "day",
    "agent",
    "action",
    "team",
    "verdict",
    "routes",
    "fired",
    "over_limit",
    "decisive",
    "refusal",
    "default_applied",
)
"""The decisions' columns the summary reads; grouped by these, with a count and two customer ids."""


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

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON data (what `--json` prints and summary.json holds)."""
        data = asdict(self)
        for key in ("by_agent", "by_action", "by_team"):
            data[key] = [{**row, "total": row["go"] + row["flag"] + row["stop"]} for row in data[key]]
        data["uncompiled"] = [asdict(u) for u in self.uncompiled]
        return data

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


def _ids(text: Any) -> list[str]:
    return [item for item in str(text or "").split(",") if item]


def team_of_route(stack: Stack) -> dict[str, str]:
    """Each route target's reviewing team: a team itself, or a human queue's team."""
    targets = {team.id: team.id for team in stack.teams}
    for agent in stack.agents:
        if agent.kind is AgentKind.HUMAN_QUEUE:
            targets[agent.id] = agent.team
    return targets


@dataclass(frozen=True, slots=True)
class _Group:
    """Decisions alike in everything the summary reads."""

    day: int
    agent: str
    action: str
    team: str
    verdict: str
    routes: list[str]
    fired: list[str]
    over_limit: list[str]
    decisive: list[str]
    refusal: str
    default_applied: bool
    count: int
    first: str
    last: str


def _groups(session: Session) -> list[_Group]:
    query = (
        exp.select(
            *[column(name) for name in GROUPED],
            exp.Count(this=exp.Star()),
            exp.Min(this=column("cid")),
            exp.Max(this=column("cid")),
        )
        .from_(table(DECISIONS))
        .group_by(*[column(name) for name in GROUPED])
    )
    groups = []
    for row in session.rows(query):
        day, agent, action, team, verdict, routes, fired, over, decisive, refusal, default, count, first, last = row
        groups.append(
            _Group(
                int(day),
                str(agent),
                str(action),
                str(team),
                str(verdict),
                _ids(routes),
                _ids(fired),
                _ids(over),
                _ids(decisive),
                str(refusal or ""),
                bool(default),
                int(count),
                str(first),
                str(last),
            )
        )
    return groups


def _by(groups: list[_Group], key: str) -> tuple[VerdictCounts, ...]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for group in groups:
        counts[getattr(group, key)][group.verdict] += group.count
    return tuple(VerdictCounts(k, c["go"], c["flag"], c["stop"]) for k, c in sorted(counts.items()))


def _flags(groups: list[_Group], stack: Stack, days: list[int]) -> tuple[tuple[FlagDay, ...], tuple[TeamLoad, ...]]:
    """Flags per day per team (a flag counts once per team it reaches), against capacity."""
    routes = team_of_route(stack)
    per_day: Counter[tuple[int, str]] = Counter()
    for group in groups:
        if group.verdict == "flag":
            for reached in {routes[target] for target in group.routes if target in routes}:
                per_day[(group.day, reached)] += group.count
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


def _rules(groups: list[_Group], stack: Stack) -> tuple[RuleFiring, ...]:
    """Per rule: fired, decisive and over-limit counts, and the first and last customer it fired on."""
    fired: Counter[str] = Counter()
    decisive: Counter[str] = Counter()
    over: Counter[str] = Counter()
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for group in groups:
        for rule in group.fired:
            fired[rule] += group.count
            first[rule] = min(first.get(rule, group.first), group.first)
            last[rule] = max(last.get(rule, group.last), group.last)
        for rule in group.decisive:
            decisive[rule] += group.count
        for rule in group.over_limit:
            over[rule] += group.count
    result = [
        RuleFiring(
            rule.id,
            rule.kind.value,
            rule.owner,
            fired[rule.id],
            decisive[rule.id],
            over[rule.id],
            tuple(dict.fromkeys(c for c in (first.get(rule.id), last.get(rule.id)) if c is not None)),
        )
        for rule in stack.rules
    ]
    result.sort(key=lambda r: (-r.fired, r.rule))
    return tuple(result)


def _stopped_by(groups: list[_Group]) -> dict[str, int]:
    """Stops per decisive rule (`refused` for refusals, `default` for the stack's default)."""
    counts: Counter[str] = Counter()
    for group in groups:
        if group.verdict == "stop":
            for key in ["refused"] if group.refusal else group.decisive or ["(none)"]:
                counts[key] += group.count
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


def _routing(groups: list[_Group]) -> tuple[tuple[tuple[str, str, int], ...], dict[str, int]]:
    """Flags per (route target, decisive rule), and per route target."""
    pairs: Counter[tuple[str, str]] = Counter()
    targets: Counter[str] = Counter()
    for group in groups:
        if group.verdict != "flag":
            continue
        for target in group.routes:
            targets[target] += group.count
            for rule in group.decisive:
                pairs[(target, rule)] += group.count
    return tuple((t, r, n) for (t, r), n in sorted(pairs.items())), dict(sorted(targets.items()))


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
    """The summary of the decisions table `bt_decisions` in `session` (two queries)."""
    stack = compiled.stack
    groups = _groups(session)
    verdicts: Counter[str] = Counter()
    for group in groups:
        verdicts[group.verdict] += group.count
    total = sum(verdicts.values())
    first = min((g.day for g in groups), default=0)
    last = max((g.day for g in groups), default=0)
    days = list(range(first, last + 1)) if total else []
    flag_days, loads = _flags(groups, stack, days)
    drivers, by_route = _routing(groups)
    return Summary(
        stack=stack.name,
        engine=session.dialect,
        proposals=total,
        customers=customers,
        events=events,
        first_day=_day_text(first) if total else "",
        last_day=_day_text(last) if total else "",
        verdicts={v: verdicts[v] for v in ("go", "flag", "stop")},
        refused=sum(g.count for g in groups if g.refusal),
        default_applied=sum(g.count for g in groups if g.default_applied),
        by_agent=_by(groups, "agent"),
        by_action=_by(groups, "action"),
        by_team=_by(groups, "team"),
        flags_per_day=flag_days,
        review_load=loads,
        top_rules=_rules(groups, stack),
        stopped_by=_stopped_by(groups),
        stopped_examples=_stopped(session, examples) if verdicts["stop"] else (),
        route_drivers=drivers,
        flags_by_route=by_route,
        uncompiled=compiled.uncompiled,
        engine_decided=engine_decided,
        notes=notes,
    )


__all__ = ["DECISIONS", "FlagDay", "RuleFiring", "Stopped", "Summary", "TeamLoad", "VerdictCounts", "summarise"]
