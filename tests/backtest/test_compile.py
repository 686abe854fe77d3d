"""The CEL -> SQL compiler, construct by construct, against the engine (DuckDB, and Spark once).

A small stack whose rules use every construct conditions may use (each rule a `must` with a
`log` duty, so every rule's firing is compared on its own), decided on generated data by the
engine and by the compiled SQL; then clock parts across daylight-saving changes, strings SQL
might mis-quote, and what can't be compiled: reported, and decided by the engine instead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate_backtest_data import Dataset, edge_dataset, tables, write
from studio.backtest import Inputs, Source, compile_stack, load_mapping, run_backtest
from studio.backtest.engines import Session
from studio.backtest.sql import DIALECTS
from studio.clock import MICROS_PER_HOUR, to_micros, zone
from studio.engine import compile_policy
from studio.stack import Stack
from tests.backtest.parity import backtest_rows, differences, engine_rows
from tests.conftest import tiny

CONDITIONS = {
    "arith": "customer.arr * 2 + 1 > 100001 && -customer.arr < -10 && customer.arr / 4 >= 12500",
    "ternary": "(customer.vip ? 10 : 20) >= params.pct",
    "strings": "customer.id.startsWith('c1') || customer.id.endsWith('7') || customer.id.contains('23')",
    "string-size": "size(customer.id) > 3 && (customer.id + '-x').endsWith('1-x')",
    "list-in": "'legal' in customer.tags || customer.stage in ['renewal', 'churned']",
    "list-macros": "customer.tags.exists(t, t == 'fraud') && customer.tags.all(t, t != 'legal')",
    "list-one": "customer.tags.exists_one(t, t.startsWith('f')) || customer.tags.filter(t, t == 'legal').size() == 1",
    "list-literal": "[customer.stage, 'x'].exists(s, s == 'churned') && size(customer.tags) >= 0",
    "times": "customer.since + days(365) < now && now - customer.since > duration('8760h')",
    "instant": "timestamp('2026-11-23T00:00:00Z') < now",
    "hours": "now.getHours(customer.tz) >= 20 || now.getHours(customer.tz) < 8",
    "minutes": "now.getMinutes('Asia/Kolkata') == 30 || now.getMinutes() == 0",
    "weekday": "now.getDayOfWeek(customer.tz) == 0 || now.getDayOfWeek() == 6",
    "rounding": "days(params.pct / 10) >= days(1.5) && hours(customer.arr / 100000) > minutes(30)",
    "exists": "history.exists(e, e.kind == 'call' && now - e.at <= days(1))",
    "all": "history.all(e, e.team != 'marketing')",
    "one": "history.exists_one(e, e.payload.discount_pct > 0)",
    "count": "history.filter(e, e.purpose == 'sales').size() >= 2 || size(history) > 5",
    "chained": "history.filter(e, e.channel == 'email').exists(f, f.at > customer.since && f.at >= now - hours(24))",
    "agent-team": "history.exists(e, e.team == agent.team && e.at > now - days(7))",
    "nested": "history.exists(c, c.kind == 'call' && !history.exists(o, o.kind == 'meeting' && o.at > c.at))",
    "lambda-in-history": "history.exists(e, customer.tags.exists(t, t == 'legal') && e.kind == 'call')",
    "objects": "agent.kind == 'ai_agent' && action.channel == 'email' && (action.decision == 'pricing') == (params.pct > 20)",
}
UNCOMPILABLE = {
    "divide-by-value": ("customer.arr / params.pct > 1000", "dividing by a value that may be zero"),
    "three-deep": (
        "history.exists(a, history.exists(b, history.exists(c, c.at > b.at && b.at > a.at)))",
        "history macros nested three deep",
    ),
    "infinite": ("1 / 0 > customer.arr", "infinite"),
}


def _rules(conditions: dict[str, str]) -> str:
    lines = []
    for name, condition in conditions.items():
        quoted = condition.replace("'", "''")
        lines.append(
            f"- id: t-{name}\n  kind: must\n  owner: sales\n  rationale: {name}\n"
            f"  actions: [offer_discount]\n  when: '{quoted}'\n  duties: [{{do: log}}]"
        )
    return "\n".join(lines)


def _stack(conditions: dict[str, str]) -> Stack:
    base = """
- id: may-discount
  kind: may
  owner: sales
  rationale: small discounts
  agents: [sdr]
  actions: [offer_discount]
  when: customer.stage == 'pipeline'
  limits: [params.pct <= 15]
  route: desk
"""
    return tiny(base + _rules(conditions)).stack


def _backtest(stack: Stack, data: Dataset, folder: Path, **options: Any) -> tuple[dict[str, Any], Any]:
    paths = write(tables(data), stack, folder)
    mapping, source = load_mapping(paths["mapping"])
    got: dict[str, Any] = {}

    def keep(session: Session) -> None:
        got.update(backtest_rows(session))

    inputs = Inputs(*(Source.from_path(paths[name]) for name in ("customers", "events", "proposals")))
    result = run_backtest(stack, inputs, mapping=mapping, mapping_source=source, keep=keep, **options)
    return got, result


def test_every_construct_decides_as_the_engine(tmp_path: Path) -> None:
    stack = _stack(CONDITIONS)
    compiled = compile_stack(stack)
    assert not compiled.uncompiled, [u.describe() for u in compiled.uncompiled]
    data = edge_dataset(stack, 6_000, seed=5)
    expected = engine_rows(compile_policy(stack), data)
    got, _ = _backtest(stack, data, tmp_path)
    problems = differences(expected, got)
    assert not problems, "\n".join(problems[:20])
    offers = [row for row in expected.values() if row["action"] == "offer_discount" and not row["refusal"]]
    fired = {name: sum(f"t-{name}" in row["fired"].split(",") for row in offers) for name in CONDITIONS}
    untested = {name: count for name, count in fired.items() if not 0 < count < len(offers)}
    assert not untested, f"rules that always or never fire (of {len(offers)}), so not a test: {untested}"


def test_the_sql_renders_in_both_dialects() -> None:
    compiled = compile_stack(_stack(CONDITIONS))
    for dialect in DIALECTS:
        text = compiled.sql(dialect)
        assert "bt_proposals" in text and "bt_events" in text
    assert "lambda lv0:" in compiled.sql("duckdb") and "->" in compiled.sql("spark")


def test_what_sql_cant_decide_is_reported_and_left_to_the_engine(tmp_path: Path) -> None:
    conditions = {name: condition for name, (condition, _) in UNCOMPILABLE.items()}
    stack = _stack({**conditions, "exists": CONDITIONS["exists"]})
    compiled = compile_stack(stack)
    reported = {u.rule_id: u.reason for u in compiled.uncompiled}
    assert set(reported) == {f"t-{name}" for name in UNCOMPILABLE}
    for name, (_, reason) in UNCOMPILABLE.items():
        assert reason in reported[f"t-{name}"]
    assert compiled.engine_cells == {("sdr", "offer_discount")}
    data = edge_dataset(stack, 2_000, seed=6)
    expected = engine_rows(compile_policy(stack), data)
    got, result = _backtest(stack, data, tmp_path)
    assert result.summary.engine_decided == sum(
        1 for p in data.proposals if (p["agent"], p["action"]) == ("sdr", "offer_discount")
    )
    assert not differences(expected, got)


def _around_changes(zones: list[str]) -> list[int]:
    """Instants on, 1 µs around, and an hour around every offset change of 2026 in `zones`."""
    instants = []
    for name in zones:
        tz = zone(name)
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        while moment.year == 2026:
            later = moment + timedelta(hours=1)
            if moment.astimezone(tz).utcoffset() != later.astimezone(tz).utcoffset():
                step = to_micros(later)
                low = to_micros(moment)
                while step - low > 1:  # the exact microsecond the offset changes
                    middle = (low + step) // 2
                    same = (
                        datetime.fromtimestamp(middle / 1e6, UTC).astimezone(tz).utcoffset()
                        == moment.astimezone(tz).utcoffset()
                    )
                    low, step = (middle, step) if same else (low, middle)
                for delta in (-MICROS_PER_HOUR, -1, 0, 1, MICROS_PER_HOUR):
                    instants.append(step + delta)
            moment = later
    return instants


CLOCK = {
    "hour": "now.getHours(customer.tz) == 2 || now.getHours(customer.tz) == 3",
    "minute": "now.getMinutes(customer.tz) == 30 || now.getMinutes(customer.tz) == 0",
    "weekday": "now.getDayOfWeek(customer.tz) == 0",
}
ZONES = ["America/New_York", "Europe/Paris", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "UTC"]


def _clock_data(stack: Stack) -> Dataset:
    """Every zone's customer proposing at every offset change of 2026 (and around it)."""
    data = Dataset(stack)
    base = {"arr": 50_000.0, "stage": "pipeline", "vip": False, "tags": (), "since": 0}
    for index, name in enumerate(ZONES):
        data.customers.append({**base, "id": f"z{index}", "tz": name})
    for at in _around_changes(ZONES[:-2]):
        for index in range(len(ZONES)):
            data.proposals.append(
                {
                    "id": f"p{len(data.proposals)}",
                    "customer": f"z{index}",
                    "at": at,
                    "agent": "sdr",
                    "action": "offer_discount",
                    "params": {"pct": 10.0},
                }
            )
    return data


def test_clock_parts_across_daylight_saving_changes(tmp_path: Path) -> None:
    stack = _stack(CLOCK)
    data = _clock_data(stack)
    expected = engine_rows(compile_policy(stack), data)
    got, _ = _backtest(stack, data, tmp_path)
    assert len(data.proposals) >= 40 * len(ZONES)
    assert not differences(expected, got)
    for name in CLOCK:
        fired = sum(f"t-{name}" in row["fired"] for row in expected.values())
        assert 0 < fired < len(expected), f"{name} fires on {fired} of {len(expected)}"


QUOTED = {
    "quotes": 'customer.id == "it\'s" || customer.id.contains(\'"\') || customer.id.endsWith("\'1")',
    "backslash": "customer.id.endsWith('\\\\') || customer.id.startsWith('a\\\\b')",
    "unicode": "customer.id.contains('é') || size(customer.id) == 2",
}


def _quoted_data(stack: Stack) -> Dataset:
    data = Dataset(stack)
    base = {"arr": 50_000.0, "stage": "pipeline", "vip": False, "tz": "UTC", "tags": (), "since": 0}
    for index, name in enumerate(["it's", 'say "hi"', "a\\b", "end\\", "café", "🦆é", "plain", "x' OR '1'='1"]):
        data.customers.append({**base, "id": name})
        data.proposals.append(
            {
                "id": f"p{index}",
                "customer": name,
                "at": 1_795_435_200_000_000,
                "agent": "sdr",
                "action": "offer_discount",
                "params": {"pct": 10.0},
            }
        )
    return data


def test_strings_sql_could_misquote(tmp_path: Path) -> None:
    stack = _stack(QUOTED)
    data = _quoted_data(stack)
    expected = engine_rows(compile_policy(stack), data)
    got, _ = _backtest(stack, data, tmp_path)
    assert not differences(expected, got)
    assert sum(bool(row["fired"]) for row in expected.values()) >= 5


@pytest.mark.slow
def test_every_construct_on_spark(tmp_path: Path, spark: Any) -> None:
    """One Spark run: every construct on generated data, odd strings, clocks across DST changes."""
    stack = _stack({**CONDITIONS, **QUOTED, **{f"clock-{k}": v for k, v in CLOCK.items()}})
    data = edge_dataset(stack, 3_000, seed=7)
    quoted = _quoted_data(stack)
    data.customers += quoted.customers
    data.proposals += [{**p, "id": f"q{i}"} for i, p in enumerate(quoted.proposals)]
    clocks = _clock_data(stack)
    data.customers += clocks.customers
    data.proposals += [{**p, "id": f"d{i}"} for i, p in enumerate(clocks.proposals)]
    expected = engine_rows(compile_policy(stack), data)
    got, _ = _backtest(stack, data, tmp_path, engine="spark", spark=spark)
    assert not differences(expected, got)


@pytest.mark.slow
def test_what_sql_cant_decide_is_left_to_the_engine_on_spark(tmp_path: Path, spark: Any) -> None:
    conditions = {name: condition for name, (condition, _) in UNCOMPILABLE.items()}
    stack = _stack({**conditions, "exists": CONDITIONS["exists"]})
    data = edge_dataset(stack, 2_000, seed=6)
    expected = engine_rows(compile_policy(stack), data)
    got, result = _backtest(stack, data, tmp_path, engine="spark", spark=spark)
    assert result.summary.engine_decided > 0
    assert not differences(expected, got)
