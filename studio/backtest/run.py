"""Running a backtest: read and check the exports, decide every proposal, summarise, write.

```
exports ──checks.read_exports──▶ canonical tables (customers, events, proposals)
                                        │
stack ──compile_sql.compile_stack──▶ decision query ──▶ bt_decisions ──▶ report.summarise ──▶ Summary
                                                             │
                                                             └──▶ outputs.write_outputs (--out)
```

The same trees run on DuckDB (default, embedded) or Spark (`engine="spark"`, with a given or
a local session). Proposals of cells bound by a rule SQL can't decide exactly are decided one
by one by the core engine and merged in (`Summary.engine_decided` says how many).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa  # type: ignore[import-untyped]
from sqlglot import exp

from studio.backtest.checks import read_exports
from studio.backtest.compile_sql import OUTPUT_COLUMNS, CompiledPolicy, compile_stack
from studio.backtest.engines import DuckDBSession, Progress, Session, SparkSession
from studio.backtest.layout import CUSTOMERS, EVENTS, PROPOSALS
from studio.backtest.mapping import BacktestMapping, Input
from studio.backtest.outputs import write_json, write_outputs
from studio.backtest.reference import decide_all
from studio.backtest.report import DECISIONS, Summary, summarise
from studio.backtest.sources import Source
from studio.backtest.sql import column, table
from studio.engine import Policy
from studio.stack import Stack

Engine = Literal["duckdb", "spark"]


@dataclass(frozen=True)
class Inputs:
    """The three exports of a backtest."""

    customers: Source
    events: Source
    proposals: Source

    def of(self, input_: Input) -> Source:
        return {Input.CUSTOMERS: self.customers, Input.EVENTS: self.events, Input.PROPOSALS: self.proposals}[input_]


@dataclass(frozen=True)
class BacktestResult:
    """A finished backtest: the summary, and the files written (when an output folder was given)."""

    summary: Summary
    compiled: CompiledPolicy
    files: dict[str, Path] = field(default_factory=dict)


def run_backtest(
    stack: Stack,
    inputs: Inputs,
    *,
    mapping: BacktestMapping | None = None,
    mapping_source: str = "(no mapping file)",
    engine: Engine = "duckdb",
    out_dir: Path | None = None,
    progress: Progress | None = None,
    spark: Any | None = None,
    policy: Policy | None = None,
    keep: Callable[[Session], None] | None = None,
) -> BacktestResult:
    """Backtest `stack` on the exports; InputError / MappingError for data that doesn't fit.

    `keep`, when given, is called with the session before it closes (tests read the decisions
    table `bt_decisions` through it).
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    compiled = compile_stack(stack, policy)
    timings["compile"] = time.perf_counter() - started
    session: Session = DuckDBSession() if engine == "duckdb" else SparkSession(spark)
    tell = progress or (lambda phase, done: None)
    try:
        mark = time.perf_counter()
        sources = {input_: inputs.of(input_) for input_ in Input}
        rows, notes = read_exports(
            session, stack, mapping or BacktestMapping(), mapping_source, sources, compiled.layout, tell
        )
        timings["read and check"] = time.perf_counter() - mark
        mark = time.perf_counter()
        tell("decide", 0.0)
        session.materialize(DECISIONS, compiled.query, progress=progress and (lambda _, done: tell("decide", done)))
        engine_decided = _engine_cells(session, compiled)
        timings["decide"] = time.perf_counter() - mark
        mark = time.perf_counter()
        tell("summarise", None)
        summary = summarise(
            session,
            compiled,
            customers=rows[Input.CUSTOMERS],
            events=rows[Input.EVENTS],
            engine_decided=engine_decided,
            notes=tuple(notes),
        )
        timings["summarise"] = time.perf_counter() - mark
        files: dict[str, Path] = {}
        if out_dir is not None:
            mark = time.perf_counter()
            tell("write", None)
            files = write_outputs(session, summary, out_dir)
            timings["write"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - started
        summary = replace(summary, timings={k: round(v, 3) for k, v in timings.items()})
        if files:
            write_json(files["summary"], summary.to_json())
        if keep is not None:
            keep(session)
        return BacktestResult(summary, compiled, files)
    finally:
        session.close()


# -- the engine's share -----------------------------------------------------------------------


def _engine_cells(session: Session, compiled: CompiledPolicy) -> int:
    """Decide the proposals SQL left undecided (cells of uncompiled rules) with the core engine."""
    if not compiled.engine_cells:
        return 0
    undecided = exp.Is(this=column("verdict"), expression=exp.Null())
    left = exp.select(column("prow")).from_(table(DECISIONS)).where(undecided.copy())
    session.materialize(
        "bt_pending",
        exp.select(exp.Star())
        .from_(table(PROPOSALS))
        .where(exp.In(this=column("prow"), query=exp.Subquery(this=left))),
    )
    proposals = session.arrow(exp.select(exp.Star()).from_(table("bt_pending")))
    if proposals.num_rows == 0:
        return 0
    theirs = exp.In(this=column("cid"), query=exp.Subquery(this=exp.select(column("cid")).from_(table("bt_pending"))))
    customers = session.arrow(exp.select(exp.Star()).from_(table(CUSTOMERS)).where(theirs.copy()))
    events = session.arrow(exp.select(exp.Star()).from_(table(EVENTS)).where(theirs))
    decided = decide_all(compiled.policy, compiled.layout, customers, events, proposals)
    data = pa.Table.from_pylist(decided).select(list(OUTPUT_COLUMNS))
    session.register_arrow("bt_engine_decided", data)
    merged = exp.union(
        exp.select(*[column(c) for c in OUTPUT_COLUMNS]).from_(table(DECISIONS)).where(exp.not_(undecided)),
        exp.select(*[column(c) for c in OUTPUT_COLUMNS]).from_(table("bt_engine_decided")),
        distinct=False,
    )
    session.materialize(f"{DECISIONS}_merged", merged)
    session.materialize(DECISIONS, exp.select(exp.Star()).from_(table(f"{DECISIONS}_merged")))
    return int(proposals.num_rows)


__all__ = ["BacktestResult", "Engine", "Inputs", "run_backtest", "write_outputs"]
