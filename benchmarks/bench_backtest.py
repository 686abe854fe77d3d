"""The SQL backtest against the core engine deciding one by one, side by side in one run.

A seeded data set (`generate_backtest_data.bulk_dataset`: by default 1,000,000 proposals over
200,000 customers with 5,000,000 history events, Parquet with the mapping file the generator
writes) is backtested end to end on DuckDB: read and check the three exports, compile and
run the decision query, summarise (and with `--write`, write decisions and summaries). Then
the core engine decides a subset of the same proposals one by one (`studio.backtest.reference`:
each proposal's request built from the same canonical tables, its customer's events strictly
before it), timed with and without building the requests; its throughput is extrapolated to
the whole data set, and said to be. Before any figure is printed, the engine's decisions on
the subset are checked against the backtest's, field by field.

Wall-clock and process CPU seconds are both printed: on a shared machine the wall clock
includes waiting for a core, the CPU time doesn't. The load average is printed before and
after. With `--spark N`, a Spark (local[2]) run on the first N proposals' data follows.

    .venv/bin/python -m benchmarks.bench_backtest                       # the full 1M / 200k / 5M run
    .venv/bin/python -m benchmarks.bench_backtest --quick               # a few seconds, for tests
    .venv/bin/python -m benchmarks.bench_backtest --data /tmp/bt-data   # reuse (or keep) the data set
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.generate_backtest_data import bulk_dataset, write
from studio.backtest import Inputs, Source, load_mapping, run_backtest
from studio.backtest.engines import Session
from studio.backtest.reference import customers_by_id, decision_row, histories, requests
from studio.backtest.report import DECISIONS
from studio.backtest.sql import column, integer, table
from studio.document import load_file
from studio.engine import compile_policy
from studio.request import RequestReader
from studio.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
COMPARED = ("verdict", "routes", "fired", "over_limit", "decisive", "default_applied", "refusal", "team", "day")


def _load() -> str:
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "?"


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def _data(stack: Stack, folder: Path, customers: int, proposals: int, events: int, seed: int) -> dict[str, Path]:
    paths = {name: folder / f"{name}.parquet" for name in ("customers", "events", "proposals")}
    paths["mapping"] = folder / "mapping.yaml"
    if all(path.exists() for path in paths.values()):
        print(f"data: reusing {folder}")
        return paths
    start = _clock()
    arrow = bulk_dataset(stack, customers=customers, proposals=proposals, events=events, seed=seed)
    written = write(arrow, stack, folder)
    print(
        f"data: generated {proposals:,} proposals / {customers:,} customers / {events:,} events in {_since(start)[0]:.1f} s"
    )
    return written


def _subset(session: Session, rows: int) -> dict[str, Any]:
    """The first `rows` proposals, their customers and all their events (canonical tables)."""
    from sqlglot import exp

    proposals = session.arrow(
        exp.select(exp.Star())
        .from_(table("bt_proposals"))
        .where(exp.LTE(this=column("prow"), expression=integer(rows)))
    )
    session.register_arrow("bench_subset", proposals)
    inside = exp.In(this=column("cid"), query=exp.Subquery(this=exp.select(column("cid")).from_(table("bench_subset"))))
    customers = session.arrow(exp.select(exp.Star()).from_(table("bt_customers")).where(inside.copy()))
    events = session.arrow(exp.select(exp.Star()).from_(table("bt_events")).where(inside))
    decided = session.arrow(
        exp.select(exp.Star()).from_(table(DECISIONS)).where(exp.LTE(this=column("prow"), expression=integer(rows)))
    )
    return {"proposals": proposals, "customers": customers, "events": events, "decided": decided}


def _engine(stack: Stack, compiled: Any, subset: dict[str, Any], service_sample: int) -> dict[str, float]:
    """The core engine on the subset, one by one, four ways (per-item CPU seconds):

    - `service`: each request as JSON, read by `RequestReader` and decided (a decision service);
    - `per_proposal`: each proposal's customer and history turned into a request on its own,
      then decided (the subset's customers rarely repeat, so this is the cost per proposal);
    - the parts, to extrapolate a loop that converts every customer and event once:
      `customer`, `event`, `request` (slice the history, build the request), `decide`.
    """
    policy = compile_policy(stack)
    layout = compiled.layout
    start = _clock()
    by_id = customers_by_id(stack, layout, subset["customers"])
    customers_s = _since(start)[1]
    start = _clock()
    history = histories(stack, layout, subset["events"])
    events_s = _since(start)[1]
    start = _clock()
    built = list(requests(stack, layout, subset["proposals"], by_id, history))
    request_s = _since(start)[1]
    start = _clock()
    decisions = [policy.decide(request) for _, request in built]
    decide_s = _since(start)[1]
    expected = {
        row["pid"]: row
        for row in (
            decision_row(policy, ids, decision, stack.timezone)
            for (ids, _), decision in zip(built, decisions, strict=True)
        )
    }
    got = {row["pid"]: row for row in subset["decided"].to_pylist()}
    wrong = [pid for pid in expected if any(expected[pid][k] != got[pid][k] for k in COMPARED)]
    if wrong or set(expected) != set(got):
        sys.exit(f"the engine and the backtest disagree on {len(wrong)} proposals (e.g. {wrong[:3]}); no figures")
    reader = RequestReader(stack)
    sample = [request.to_json(stack) for _, request in built[:service_sample]]
    start = _clock()
    for data in sample:
        policy.decide(reader.read(data))
    service_s = _since(start)[1]
    n = len(built)
    return {
        "n": n,
        "service_n": len(sample),
        "service": service_s / max(1, len(sample)),
        "per_proposal": (customers_s + events_s + request_s + decide_s) / n,
        "customer": customers_s / max(1, subset["customers"].num_rows),
        "event": events_s / max(1, subset["events"].num_rows),
        "request": request_s / n,
        "decide": decide_s / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", type=Path, default=ROOT / "sample_stacks" / "b2b_saas_renewals.yaml")
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--proposals", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--subset", type=int, default=20_000, help="proposals the engine decides one by one")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="folder for the data set (kept; reused when present)")
    parser.add_argument("--write", action="store_true", help="also write decisions and summaries (Parquet and CSV)")
    parser.add_argument("--spark", type=int, default=0, help="also run Spark local[2] on a data set of N proposals")
    parser.add_argument("--quick", action="store_true", help="20,000 / 4,000 / 100,000, subset 2,000")
    args = parser.parse_args()
    if args.quick:
        args.customers, args.proposals, args.events, args.subset = 4_000, 20_000, 100_000, 2_000
    stack = load_file(args.stack).stack
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"duckdb {version('duckdb')}, sqlglot {version('sqlglot')}, pyarrow {version('pyarrow')}; load average {_load()}"
    )
    print(f"stack: {stack.name} ({len(stack.rules)} rules)")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-backtest-") as scratch:
        folder = args.data or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        paths = _data(stack, folder, args.customers, args.proposals, args.events, args.seed)
        mapping, source = load_mapping(paths["mapping"])
        inputs = Inputs(*(Source.from_path(paths[name]) for name in ("customers", "events", "proposals")))
        kept: dict[str, Any] = {}
        marks: dict[str, float] = {}

        def keep(session: Session) -> None:
            marks["cpu"] = time.process_time()  # the run's CPU, before the subset is read out
            kept.update(_subset(session, args.subset))

        start = _clock()
        result = run_backtest(
            stack,
            inputs,
            mapping=mapping,
            mapping_source=source,
            out_dir=Path(scratch) / "out" if args.write else None,
            keep=keep,
        )
        cpu = marks["cpu"] - start[1]
        summary = result.summary
        engine = _engine(stack, result.compiled, kept, min(args.subset, 5_000))
        spark_figures = _spark(stack, args, folder) if args.spark else None
    n = summary.proposals
    wall = summary.timings["total"]
    amortised = summary.customers * engine["customer"] + summary.events * engine["event"]
    amortised += n * (engine["request"] + engine["decide"])
    print(f"\nDuckDB backtest, end to end: {n:,} proposals, {summary.customers:,} customers, {summary.events:,} events")
    print("  phases (wall s): " + ", ".join(f"{k} {v:.2f}" for k, v in summary.timings.items()))
    print(f"  verdicts: {summary.verdicts}")
    sampled = f"CPU on {engine['n']:,}, extrapolated"
    rows: list[tuple[str, float, float, str, int]] = [
        ("DuckDB backtest: read, check, decide, summarise", wall, cpu, "measured, all proposals", n),
        (
            "engine as a service: JSON request -> RequestReader -> decide",
            n * engine["service"],
            n * engine["service"],
            f"CPU on {engine['service_n']:,}, extrapolated",
            n,
        ),
        (
            "engine, one by one: build each proposal's request + decide",
            n * engine["per_proposal"],
            n * engine["per_proposal"],
            sampled,
            n,
        ),
        ("engine loop converting each customer and event once", amortised, amortised, sampled + " by part", n),
        ("engine, decide only (every request already built)", n * engine["decide"], n * engine["decide"], sampled, n),
    ]
    print(f"\n{'':64} {'wall s':>8} {'CPU s':>8} {'proposals/s':>12} {'DuckDB is':>10}")
    for label, seconds, cpu_seconds, note, count in rows:
        speedup = f"{seconds / wall:9.1f}x"
        print(f"{label:64} {seconds:8.1f} {cpu_seconds:8.1f} {count / seconds:12,.0f} {speedup}  {note}")
    if spark_figures is not None:
        label, seconds, cpu_seconds, note, count = spark_figures
        print(f"{label:64} {seconds:8.1f} {cpu_seconds:8.1f} {count / seconds:12,.0f} {'':>10}  {note}")
    print(
        f"\nDuckDB end to end: {wall:.1f} s wall ({cpu:.1f} s CPU); target <= 20 s. Throughput target: >= 30x the engine one by one"
    )
    print(
        f"load average now {_load()}; the engine agreed with the backtest on all {engine['n']:,} proposals it decided"
    )


def _spark(stack: Stack, args: argparse.Namespace, folder: Path) -> tuple[str, float, float, str, int]:
    """A Spark local[2] run on a smaller data set (same shape), end to end, session start excluded."""
    from studio.backtest.engines import local_spark

    scale = args.spark / args.proposals
    sub = folder / f"spark-{args.spark}"
    sub.mkdir(exist_ok=True)
    paths = _data(
        stack, sub, max(1, int(args.customers * scale)), args.spark, max(1, int(args.events * scale)), args.seed
    )
    mapping, source = load_mapping(paths["mapping"])
    inputs = Inputs(*(Source.from_path(paths[name]) for name in ("customers", "events", "proposals")))
    spark = local_spark("bench-backtest")
    try:
        start = _clock()
        result = run_backtest(stack, inputs, mapping=mapping, mapping_source=source, engine="spark", spark=spark)
        wall, cpu = _since(start)
    finally:
        spark.stop()
    n = result.summary.proposals
    return (f"Spark local[2] backtest on {n:,} proposals", wall, cpu, "JVM CPU not in 'CPU s'", n)


if __name__ == "__main__":
    main()
