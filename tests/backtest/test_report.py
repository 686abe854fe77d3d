"""The summary, recomputed in Python from the engine's own decisions, and the API front ends use."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from benchmarks.generate_backtest_data import Dataset, edge_dataset, tables, write
from studio.backtest import Source, backtest, load_mapping, load_report, read_population
from studio.backtest.report import team_of_route
from studio.document import load_file
from studio.engine import compile_policy
from studio.stack import Stack
from tests.backtest.parity import engine_rows
from tests.conftest import SAMPLES

B2B = SAMPLES / "b2b_saas_renewals.yaml"


def _data(tmp_path: Path) -> tuple[Stack, Dataset, dict[str, Path]]:
    stack = load_file(B2B).stack
    data = edge_dataset(stack, 4_000, seed=21)
    return stack, data, write(tables(data), stack, tmp_path)


def test_the_summary_counts_what_the_engine_decided(tmp_path: Path) -> None:
    stack, data, paths = _data(tmp_path)
    rows = list(engine_rows(compile_policy(stack), data).values())
    result = backtest(
        stack,
        customers=paths["customers"],
        events=paths["events"],
        proposals=paths["proposals"],
        mapping=paths["mapping"],
    )
    summary = result.summary
    assert (
        summary.proposals == len(rows)
        and summary.customers == len(data.customers)
        and summary.events == len(data.events)
    )
    verdicts = Counter(row["verdict"] for row in rows)
    assert summary.verdicts == {v: verdicts[v] for v in ("go", "flag", "stop")}
    assert summary.refused == sum(1 for row in rows if row["refusal"])
    for key, counted in (("agent", summary.by_agent), ("action", summary.by_action), ("team", summary.by_team)):
        expected = Counter((row[key], row["verdict"]) for row in rows)
        assert {(c.key, v): getattr(c, v) for c in counted for v in ("go", "flag", "stop") if getattr(c, v)} == dict(
            expected
        )

    teams = team_of_route(stack)
    flags: Counter[tuple[int, str]] = Counter()
    for row in rows:
        if row["verdict"] == "flag":
            for team in {teams[target] for target in row["routes"].split(",")}:
                flags[(row["day"], team)] += 1
    days = range(min(r["day"] for r in rows), max(r["day"] for r in rows) + 1)
    assert len(summary.flags_per_day) == len(days) * len(stack.teams)
    capacity = {team.id: team.review_capacity_per_day for team in stack.teams}
    by_key = {(day.day, day.team): day for day in summary.flags_per_day}
    for (number, team), count in flags.items():
        entry = by_key[((dt.date(1970, 1, 1) + dt.timedelta(days=number)).isoformat(), team)]
        assert entry.flags == count and entry.capacity == capacity[team]
        assert entry.over_capacity == (capacity[team] is not None and count > capacity[team])
    assert sum(day.flags for day in summary.flags_per_day) == sum(flags.values())
    for load in summary.review_load:
        team_days = [day.flags for day in summary.flags_per_day if day.team == load.team]
        assert load.flags == sum(team_days) and load.peak_per_day == max(team_days) and load.days == len(days)

    fired: dict[str, list[str]] = defaultdict(list)
    decisive: Counter[str] = Counter()
    over: Counter[str] = Counter()
    for row in rows:
        for rule in filter(None, row["fired"].split(",")):
            fired[rule].append(row["cid"])
        decisive.update(filter(None, row["decisive"].split(",")))
        over.update(filter(None, row["over_limit"].split(",")))
    for rule in summary.top_rules:
        customers = fired.get(rule.rule, [])
        assert (rule.fired, rule.decisive, rule.over_limit) == (len(customers), decisive[rule.rule], over[rule.rule])
        assert set(rule.examples) <= set(customers) and (not customers or min(customers) in rule.examples)
    assert [r.fired for r in summary.top_rules] == sorted((r.fired for r in summary.top_rules), reverse=True)

    stops: Counter[str] = Counter()
    for row in rows:
        if row["verdict"] == "stop":
            stops.update(["refused"] if row["refusal"] else row["decisive"].split(","))
    assert summary.stopped_by == dict(stops)
    assert all(example.proposal for example in summary.stopped_examples)


def test_uploads_as_bytes_and_the_mapping_as_text(tmp_path: Path) -> None:
    stack, _, paths = _data(tmp_path)
    uploads: dict[str, Any] = {
        name: (paths[name].name, paths[name].read_bytes()) for name in ("customers", "events", "proposals")
    }
    result = backtest(stack, **uploads, mapping=paths["mapping"].read_text())
    by_path = backtest(
        stack,
        customers=paths["customers"],
        events=paths["events"],
        proposals=paths["proposals"],
        mapping=paths["mapping"],
    )
    assert result.summary.to_json() | {"timings": {}} == by_path.summary.to_json() | {"timings": {}}
    tables = result.summary.chart_tables()
    assert {"verdicts", "flags_per_day", "review_load", "top_rules", "stopped_by", "stopped_examples"} == set(tables)
    assert {row["by"] for row in tables["verdicts"]} == {"agent", "action", "team"}


def test_the_observed_review_load_reads_like_a_forecast(tmp_path: Path) -> None:
    stack, _, paths = _data(tmp_path)
    result = backtest(
        stack,
        customers=paths["customers"],
        events=paths["events"],
        proposals=paths["proposals"],
        mapping=paths["mapping"],
    )
    report = load_report(result.summary, result.compiled)
    loads = {load.team: load for load in result.summary.review_load}
    assert {team.team for team in report.teams} == {team.id for team in stack.teams}
    for team in report.teams:
        assert team.per_day == loads[team.team].mean_per_day
        assert team.capacity == loads[team.team].capacity
    busiest = max(report.teams, key=lambda t: t.per_day)
    assert busiest.drivers, "flags are credited to the rules that sent them"
    data = report.to_json()
    assert data["notes"][0].startswith("Observed in a backtest")
    assert data["at"].startswith(result.summary.first_day)


def test_a_customer_export_as_a_preview_population(tmp_path: Path) -> None:
    stack, data, paths = _data(tmp_path)
    mapping, source = load_mapping(paths["mapping"])
    population = read_population(
        stack,
        Source.from_path(paths["customers"]),
        Source.from_path(paths["events"]),
        mapping=mapping,
        mapping_source=source,
        limit=50,
    )
    assert [c["id"] for c in population.customers] == [c["id"] for c in data.customers[:50]]
    expected = data.customers[0]
    assert dict(population.customers[0]) == {key: expected[key] for key in population.customers[0]}
    events = sorted((e for e in data.events if e["customer"] == expected["id"]), key=lambda e: int(e["at"]))
    history = population.history(expected["id"])
    assert [e["at"] for e in history] == [int(e["at"]) for e in events]
    if events:
        assert (
            population.history(expected["id"], before=int(events[-1]["at"]))
            == history[: len(history) - sum(1 for e in events if int(e["at"]) == int(events[-1]["at"]))]
        )
