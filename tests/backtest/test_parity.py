"""Parity: the DuckDB backtest, the Spark backtest and the core engine give identical decisions.

Per sample stack (every `sample_stacks/*.yaml`, found by glob), a seeded data set aimed at the
stack's edges (`benchmarks/generate_backtest_data.py`): numbers on and beside every threshold,
events exactly a window's length before a proposal, 1 µs inside and 1 µs outside it, and at
the proposal's own microsecond (not yet history), decision times on the hour in customers'
zones, refusals. The engine decides each proposal from the generated Python values, with the
customer's events strictly before it; the backtest reads the written exports through the
mapping file and decides in SQL. Verdict, routes, fired rule ids (in order), over-limit and
decisive rule ids, default applied, refusal text, team and day must all be equal.

- DuckDB vs engine: 100,000 proposals per stack (Parquet), plus 10,000 from CSV.
- Spark vs DuckDB vs engine: 20,000 proposals per stack, one Spark session for the run (a
  Spark run costs seconds per query whatever the size; 100,000 per stack would not fit CI's
  budget, and DuckDB is held to the engine on the full 100,000 above).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate_backtest_data import Dataset, edge_dataset, tables, write
from studio.backtest import Inputs, Source, load_mapping, run_backtest
from studio.backtest.engines import Session
from studio.document import load_file
from studio.engine import compile_policy
from studio.generate import stack_edges
from tests.backtest.parity import COMPARED, backtest_rows, differences, engine_rows
from tests.conftest import ROOT, SAMPLES, STACK_FILES

pytestmark = pytest.mark.slow


def _run(
    path: Path, data: Dataset, directory: Path, *, format: str = "parquet", **options: Any
) -> tuple[dict[str, Any], Any]:
    stack = data.stack
    paths = write(tables(data, csv=format == "csv"), stack, directory, format=format)
    mapping, source = load_mapping(paths["mapping"])
    inputs = Inputs(*(Source.from_path(paths[name]) for name in ("customers", "events", "proposals")))
    got: dict[str, Any] = {}

    def keep(session: Session) -> None:
        got.update(backtest_rows(session))

    result = run_backtest(stack, inputs, mapping=mapping, mapping_source=source, keep=keep, **options)
    return got, result


def _edges_covered(data: Dataset) -> Counter[str]:
    """How often the data set hits each time edge (so the parity run is known to test them)."""
    windows = set(stack_edges(data.stack).windows)
    events: dict[str, list[int]] = {}
    for event in data.events:
        events.setdefault(event["customer"], []).append(int(event["at"]))
    hits: Counter[str] = Counter()
    for proposal in data.proposals:
        for at in events.get(proposal["customer"], []):
            age = int(proposal["at"]) - at
            if age == 0:
                hits["same instant"] += 1
            elif age in windows:
                hits["exactly a window"] += 1
            elif age - 1 in windows:
                hits["1 µs outside"] += 1
            elif age + 1 in windows:
                hits["1 µs inside"] += 1
    return hits


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.stem)
def test_duckdb_decides_as_the_engine_on_100k_proposals(path: Path, tmp_path: Path) -> None:
    stack = load_file(path).stack
    data = edge_dataset(stack, 100_000, seed=11)
    assert len(data.proposals) == 100_000
    policy = compile_policy(stack)
    expected = engine_rows(policy, data)
    got, result = _run(path, data, tmp_path, policy=policy)
    assert not result.summary.uncompiled, [u.describe() for u in result.summary.uncompiled]
    assert result.summary.engine_decided == 0
    problems = differences(expected, got)
    assert not problems, f"{len(problems)} differences, first: " + "\n".join(problems[:20])
    covered = _edges_covered(data)
    for edge in ("same instant", "exactly a window", "1 µs inside", "1 µs outside"):
        assert covered[edge] > 100, (edge, covered)
    fired = Counter(rule for row in expected.values() for rule in row["fired"].split(",") if rule)
    assert not [rule.id for rule in stack.rules if not fired[rule.id]], "every rule fires somewhere in the data"
    verdicts = Counter(row["verdict"] for row in expected.values())
    assert min(verdicts[v] for v in ("go", "flag", "stop")) > 1_000, verdicts


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.stem)
def test_duckdb_reads_csv_exports_as_parquet_ones(path: Path, tmp_path: Path) -> None:
    stack = load_file(path).stack
    data = edge_dataset(stack, 10_000, seed=12)
    policy = compile_policy(stack)
    got, _ = _run(path, data, tmp_path, format="csv", policy=policy)
    problems = differences(engine_rows(policy, data), got)
    assert not problems, f"{len(problems)} differences, first: " + "\n".join(problems[:20])


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.stem)
def test_spark_decides_as_duckdb_and_the_engine_on_100k_proposals(path: Path, tmp_path: Path, spark: Any) -> None:
    stack = load_file(path).stack
    data = edge_dataset(stack, 100_000, seed=13)
    policy = compile_policy(stack)
    expected = engine_rows(policy, data)
    on_spark, spark_result = _run(path, data, tmp_path / "spark", engine="spark", spark=spark, policy=policy)
    on_duckdb, duckdb_result = _run(path, data, tmp_path / "duckdb", policy=policy)
    problems = differences(expected, on_spark)
    assert not problems, f"{len(problems)} differences from the engine, first: " + "\n".join(problems[:20])
    problems = differences(on_duckdb, on_spark, fields=("prow", "cid", "at", *COMPARED))
    assert not problems, f"{len(problems)} differences from DuckDB, first: " + "\n".join(problems[:20])
    assert spark_result.summary.to_json() | {"engine": "", "timings": {}} == duckdb_result.summary.to_json() | {
        "engine": "",
        "timings": {},
    }


def test_spark_reads_csv_exports_as_duckdb(spark: Any) -> None:
    """The example exports (CSV: local times in a zone, value translations, yes/no, lists)."""
    stack = load_file(SAMPLES / "b2b_saas_renewals.yaml").stack
    example = ROOT / "examples" / "backtest"
    mapping, source = load_mapping(example / "mapping.yaml")
    inputs = Inputs(*(Source.from_path(example / f"{name}.csv") for name in ("customers", "events", "proposals")))
    rows: dict[str, dict[str, Any]] = {}
    for engine in ("duckdb", "spark"):
        got: dict[str, Any] = {}
        run_backtest(
            stack,
            inputs,
            mapping=mapping,
            mapping_source=source,
            engine=engine,  # type: ignore[arg-type]
            spark=spark,
            keep=lambda session, got=got: got.update(backtest_rows(session)),
        )
        rows[engine] = got
    assert len(rows["duckdb"]) == 300
    assert not differences(rows["duckdb"], rows["spark"], fields=("prow", "cid", "at", *COMPARED))
