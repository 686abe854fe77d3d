"""Review load from a backtest: the teams' real flag volumes in place of declared ones.

`studio.review_load` forecasts flags per day from what a stack declares (each agent's daily
volume, each sample customer's weight). Once a backtest has run, the volumes are known:
`load_report(summary, policy)` gives the same `LoadReport` (teams, flags per day against
capacity, the rules driving them, the human queues they go through) with each team's mean
flags per day over the backtest's period, so every front end that shows a forecast can show
the observed load instead, with a note saying where it comes from.

A flag's drivers are the rules that decided it (and `default` for the stack's default) whose
routes, in some cell, reach the flag's target: how `review_load` credits a forecast too.

`Volumes` says which volumes a report used, in words and as JSON: `Volumes.declared()` for a
forecast, `Volumes.observed(summary, ...)` for a backtest's (its period and row counts, where
its summary was read from, and whether the stack has changed since it ran).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from studio import wording
from studio.backtest.compile_sql import CompiledPolicy
from studio.backtest.report import Summary
from studio.clock import parse_instant
from studio.decision import Verdict
from studio.engine import Policy
from studio.review_load import DEFAULT, Driver, LoadReport, TeamLoad
from studio.stack import AgentKind


def _targets(policy: Policy) -> dict[str, set[str]]:
    """Rule id (or `default`) -> every target it can route a flag to, in any cell."""
    targets: dict[str, set[str]] = defaultdict(set)
    for cell in policy.cells.values():
        for rule in cell.rules:
            targets[rule.rule.id].update(rule.flag_routes)
        if cell.default.verdict is Verdict.FLAG and cell.default.route:
            targets[DEFAULT].add(cell.default.route)
    return targets


def _days(summary: Summary) -> int:
    return max(1, len({day.day for day in summary.flags_per_day}))


def load_report(summary: Summary, policy: CompiledPolicy | Policy) -> LoadReport:
    """The review load the backtest observed, as `studio.review_load` reports a forecast.

    `policy` is the backtest's compiled policy, or the current stack's `Policy` (a summary read
    back from summary.json): its teams, capacities and routes frame the observed volumes."""
    engine = policy.policy if isinstance(policy, CompiledPolicy) else policy
    stack = engine.stack
    days = _days(summary)
    queues = {agent.id: agent.team for agent in stack.agents if agent.kind is AgentKind.HUMAN_QUEUE}
    targets = _targets(engine)
    drivers: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    by_queue: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for target, rule_id, flags in summary.route_drivers:
        if target in targets.get(rule_id, ()):
            drivers[queues.get(target, target)][rule_id] += flags / days
    for target, flags in summary.flags_by_route.items():
        if target in queues:
            by_queue[queues[target]][target] += flags / days
    loads = {load.team: load for load in summary.review_load}
    rules = {rule.id: rule for rule in stack.rules}
    teams = []
    for team in stack.teams:
        observed = loads.get(team.id)
        listed = []
        for rule_id, per_day in sorted(drivers[team.id].items(), key=lambda item: (-item[1], item[0])):
            if rule_id == DEFAULT:
                words = "the default for uncovered actions (no may rule covers them)"
            else:
                rule = rules[rule_id]
                words = f"{rule_id} ({wording.team(stack, rule.owner)}): {rule.rationale}"
            listed.append(Driver(rule_id, per_day, words))
        per_day = observed.mean_per_day if observed is not None else 0.0
        teams.append(
            TeamLoad(
                team.id,
                team.name or team.id,
                team.lead,
                per_day,
                team.review_capacity_per_day,
                tuple(listed),
                tuple(sorted(by_queue[team.id].items(), key=lambda item: -item[1])),
            )
        )
    teams.sort(
        key=lambda t: (1 if t.over else 0, t.utilisation if t.utilisation is not None else -1.0, t.per_day),
        reverse=True,
    )
    verdicts = {Verdict(v): n / days for v, n in summary.verdicts.items()}
    note = (
        f"Observed in a backtest: {summary.proposals:,} proposals from {summary.first_day} to {summary.last_day}"
        f" ({days} days), not declared volumes."
    )
    start = parse_instant(f"{summary.first_day}T00:00:00", now=0, tz=stack.timezone) if summary.first_day else 0
    return LoadReport(start, tuple(teams), summary.proposals / days, verdicts, (), (note,))


@dataclass(frozen=True, slots=True)
class Volumes:
    """Which volumes a review-load report used: declared by the stack, or observed in a backtest."""

    kind: Literal["declared", "observed"]
    source: str = ""
    """Where the backtest's summary was read from ("" when it wasn't read from a file)."""
    first_day: str = ""
    last_day: str = ""
    days: int = 0
    proposals: int = 0
    customers: int = 0
    events: int = 0
    engine: str = ""
    stale: bool = False
    """The stack has changed since the backtest ran (its revision differs)."""

    @classmethod
    def declared(cls) -> Volumes:
        return cls("declared")

    @classmethod
    def observed(cls, summary: Summary, *, source: str = "", revision: str = "") -> Volumes:
        """A backtest's volumes; `revision`, the current stack's, tells whether it has changed since."""
        stale = bool(revision and summary.revision and revision != summary.revision)
        return cls(
            "observed",
            source,
            summary.first_day,
            summary.last_day,
            _days(summary),
            summary.proposals,
            summary.customers,
            summary.events,
            summary.engine,
            stale,
        )

    def words(self) -> str:
        """One line for a terminal: which volumes, from where, over what."""
        if self.kind == "declared":
            return "declared volumes: each agent's daily_volume, shared out by the sample customers' weights"
        where = f" ({self.source})" if self.source else ""
        text = (
            f"observed volumes: a backtest{where} of {self.proposals:,} proposals, {self.customers:,} customers and "
            f"{self.events:,} events, {self.first_day} to {self.last_day} ({self.days} days, {self.engine})"
        )
        if self.stale:
            text += "; the stack has changed since it ran, so these are the flags of the rules as they were then"
        return text

    def to_json(self) -> dict[str, Any]:
        if self.kind == "declared":
            return {"kind": "declared"}
        return {
            "kind": "observed",
            "source": self.source,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "days": self.days,
            "proposals": self.proposals,
            "customers": self.customers,
            "events": self.events,
            "engine": self.engine,
            "stack_changed": self.stale,
        }
