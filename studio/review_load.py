"""Review load: will the flags of a policy fit in the reviewing teams' day?

"Review everything" becomes "review nothing" when flags outrun the people reading them. From
what the stack declares (each agent's expected proposals per day, by action; each team's
review capacity per day; each sample customer's weight, its share of the population) and the
preview grid's decisions, forecast per day:

    flags for a column = volume(agent, action) x sum over samples of share x [decision is flag]

Every flag counts once for each team it is routed to (a human queue counts for its team),
and is credited to the rules that routed it there (or to the stack's default): the
*drivers*. A flag may have several drivers, so drivers can add up to more than the total.
Teams whose forecast exceeds their capacity are over capacity. The forecast is for a day
like the sample clock's moment (quiet hours, windows and renewals as they stand then).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from studio import wording
from studio.clock import iso
from studio.decision import Decision, Verdict
from studio.samples import PreviewGrid
from studio.stack import AgentKind, Stack

DEFAULT = "default"
"""The driver id of flags that no rule routed (the stack's default for uncovered actions)."""


@dataclass(frozen=True, slots=True)
class Driver:
    """A rule (or the default) and the flags per day it sends to one team."""

    rule_id: str
    per_day: float
    words: str


@dataclass(frozen=True, slots=True)
class TeamLoad:
    """One team's forecast review load."""

    team: str
    name: str
    lead: str
    per_day: float
    capacity: int | None
    drivers: tuple[Driver, ...]
    """Largest first."""
    queues: tuple[tuple[str, float], ...]
    """Flags per day by human queue of the team (the rest go to the team itself)."""

    @property
    def over(self) -> bool:
        """Forecast above capacity (teams without a declared capacity are never over)."""
        return self.capacity is not None and self.per_day > self.capacity

    @property
    def utilisation(self) -> float | None:
        """Forecast / capacity (None when no capacity is declared; infinite for a capacity of 0)."""
        if self.capacity is None:
            return None
        return self.per_day / self.capacity if self.capacity else (float("inf") if self.per_day else 0.0)

    def words(self) -> str:
        """`Sales reviews 31.5 flags a day against a capacity of 25: over by 6.5 (126%)`."""
        load = f"{wording.number(round(self.per_day, 1))} flag{'s' if round(self.per_day, 1) != 1 else ''} a day"
        if self.capacity is None:
            return f"{self.name} reviews {load}; no capacity declared"
        if self.over:
            over = wording.number(round(self.per_day - self.capacity, 1))
            share = f" ({self.utilisation:.0%})" if self.capacity else ""
            return f"{self.name} reviews {load} against a capacity of {self.capacity}: over by {over}{share}"
        return f"{self.name} reviews {load} of its {self.capacity}"


@dataclass(frozen=True, slots=True)
class LoadReport:
    """The review-load forecast of a stack."""

    at: int
    teams: tuple[TeamLoad, ...]
    """Every team, the most loaded (relative to capacity) first."""
    proposals_per_day: float
    verdicts_per_day: dict[Verdict, float]
    unforecast: tuple[str, ...]
    """`agent → action` columns with no declared daily volume (left out of the forecast)."""
    notes: tuple[str, ...]

    @property
    def over_capacity(self) -> tuple[TeamLoad, ...]:
        """The teams whose forecast exceeds their capacity."""
        return tuple(team for team in self.teams if team.over)

    def to_json(self) -> dict[str, Any]:
        """Data for front ends and `studio load --json`."""
        return {
            "at": iso(self.at),
            "proposals_per_day": round(self.proposals_per_day, 4),
            "verdicts_per_day": {v.value: round(n, 4) for v, n in self.verdicts_per_day.items()},
            "teams": [
                {
                    "team": t.team,
                    "name": t.name,
                    "lead": t.lead,
                    "flags_per_day": round(t.per_day, 4),
                    "capacity": t.capacity,
                    "over": t.over,
                    "utilisation": None if t.utilisation is None else round(t.utilisation, 4),
                    "words": t.words(),
                    "drivers": [
                        {"rule": d.rule_id, "flags_per_day": round(d.per_day, 4), "words": d.words} for d in t.drivers
                    ],
                    "queues": {queue: round(n, 4) for queue, n in t.queues},
                }
                for t in self.teams
            ],
            "over_capacity": [t.team for t in self.over_capacity],
            "unforecast": list(self.unforecast),
            "notes": list(self.notes),
        }


def review_load(stack: Stack, grid: PreviewGrid) -> LoadReport:
    """Forecast flags per day per reviewing team from `stack`'s declarations and `grid`."""
    shares, notes = _shares(stack, grid)
    queues = {a.id: a.team for a in stack.agents if a.kind is AgentKind.HUMAN_QUEUE}
    agents = {agent.id: agent for agent in stack.agents}
    load: dict[str, float] = defaultdict(float)
    by_queue: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    drivers: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    verdicts = dict.fromkeys(Verdict, 0.0)
    unforecast = []
    total = 0.0
    for column in grid.columns:
        volume = agents[column.agent].daily_volume.get(column.action)
        if volume is None:
            unforecast.append(f"{column.agent} → {column.action}")
            continue
        total += volume
        for customer, share in shares.items():
            decision = grid.decisions[(customer, column)]
            flags = volume * share
            verdicts[decision.verdict] += flags
            if decision.verdict is not Verdict.FLAG or not flags:
                continue
            for team, causes in _routed(decision, queues).items():
                load[team] += flags
                for target in causes["queues"]:
                    by_queue[team][target] += flags
                for rule_id in causes["rules"]:
                    drivers[team][rule_id] += flags
    teams = [_team_load(stack, team.id, load, by_queue, drivers) for team in stack.teams]
    teams.sort(key=_pressure, reverse=True)
    return LoadReport(grid.at, tuple(teams), total, verdicts, tuple(unforecast), tuple(notes))


def _shares(stack: Stack, grid: PreviewGrid) -> tuple[dict[str, float], list[str]]:
    weights = {c.id: c.weight for c in stack.customers if c.id in grid.customers}
    total = sum(weights.values())
    notes = []
    if total <= 0:
        notes.append("No sample customer has a weight; each counts equally.")
        return {cid: 1 / len(weights) for cid in weights} if weights else {}, notes
    if abs(total - 1) > 0.01:
        notes.append(f"Sample weights add up to {wording.number(round(total, 3))}, not 1; read as relative shares.")
    return {cid: weight / total for cid, weight in weights.items()}, notes


def _routed(decision: Decision, queues: dict[str, str]) -> dict[str, dict[str, set[str]]]:
    """For each team a flag reaches: the queues it goes through and the rules that sent it."""
    teams: dict[str, dict[str, set[str]]] = {}
    for target in decision.routes:
        team = queues.get(target, target)
        entry = teams.setdefault(team, {"queues": set(), "rules": set()})
        if target in queues:
            entry["queues"].add(target)
        causes = {r.rule_id for r in decision.fired if r.verdict is Verdict.FLAG and target in r.routes}
        if not causes and decision.default is not None and decision.default.route == target:
            causes = {DEFAULT}
        entry["rules"] |= causes
    return teams


def _team_load(
    stack: Stack,
    team_id: str,
    load: dict[str, float],
    by_queue: dict[str, dict[str, float]],
    drivers: dict[str, dict[str, float]],
) -> TeamLoad:
    team = next(t for t in stack.teams if t.id == team_id)
    rules = {rule.id: rule for rule in stack.rules}
    listed = []
    for rule_id, per_day in sorted(drivers[team_id].items(), key=lambda item: (-item[1], item[0])):
        if rule_id == DEFAULT:
            words = "the default for uncovered actions (no may rule covers them)"
        else:
            rule = rules[rule_id]
            words = f"{rule_id} ({wording.team(stack, rule.owner)}): {rule.rationale}"
        listed.append(Driver(rule_id, per_day, words))
    queues = tuple(sorted(by_queue[team_id].items(), key=lambda item: -item[1]))
    return TeamLoad(
        team.id,
        team.name or team.id,
        team.lead,
        load.get(team_id, 0.0),
        team.review_capacity_per_day,
        tuple(listed),
        queues,
    )


def _pressure(team: TeamLoad) -> tuple[int, float, float]:
    utilisation = team.utilisation
    return (1 if team.over else 0, utilisation if utilisation is not None else -1.0, team.per_day)
