"""Backtests: what a policy would have done to real customer data, decided in SQL.

Three exports from the tools (customers, their contact history, the actions tools and agents
took or proposed; CSV or Parquet) are read through a column mapping, every proposal is decided
against its customer's history as it stood at the proposal's time (events strictly before),
and the results are summarised: verdicts by agent, action and team, flags per day per team
against review capacity, the rules that fire most, what would have been stopped.

The stack's rules are compiled into one SQL query (a sqlglot tree) that runs on DuckDB (the
embedded default) or Spark, and decides exactly as the core engine does (the parity tests
prove it). docs/backtest.md is the user's guide; the modules, one concept each:

| module | concept |
| --- | --- |
| `mapping.py` | the mapping file: which column is which field |
| `sources.py` | the exports as files an engine reads, and their columns' types |
| `readers.py` | one raw value read as a stack value, in SQL, with what's wrong with it |
| `inputs.py` | each export as a canonical table, every field checked |
| `checks.py` | reading and checking the exports on the engine (errors name file, row, column) |
| `layout.py` | the canonical tables the compiled policy reads |
| `sql.py` | one SQL tree, two dialects |
| `cel_sql.py` | CEL conditions as SQL over a proposal and its events |
| `compile_sql.py` | a stack's rules as one decision query |
| `engines.py` | DuckDB and Spark sessions |
| `run.py` | a run: read, check, decide, summarise, write |
| `report.py` | the summary |
| `outputs.py` | the result files |
| `review.py` | observed review load, as `studio.review_load` reports it |
| `population.py` | a customer export as a preview population |
| `reference.py` | the core engine, proposal by proposal, on the same tables |

For front ends (the browser studio shows the summary as charts):

    from studio.backtest import backtest
    result = backtest(stack, customers=("customers.csv", data), events=path, proposals=path,
                      mapping=yaml_text_or_path, policy=policy)
    result.summary.chart_tables()      # long-form tables, one per chart
    result.summary.flags_per_day       # per team and day, against capacity
    load_report(result.summary, result.compiled)   # studio.review_load.LoadReport, observed
    read_population(stack, Source.from_path(customers_csv), events)  # real customers to preview on
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from studio.backtest.compile_sql import CompiledPolicy, Uncompiled, compile_stack
from studio.backtest.engines import Progress
from studio.backtest.mapping import BacktestMapping, MappingError, load_mapping, parse_mapping
from studio.backtest.population import Population, read_population
from studio.backtest.report import FlagDay, RuleFiring, Stopped, Summary, TeamLoad, VerdictCounts
from studio.backtest.review import load_report
from studio.backtest.run import BacktestResult, Engine, Inputs, run_backtest
from studio.backtest.sources import InputError, Source
from studio.engine import Policy
from studio.stack import Stack

Export = Path | str | tuple[str, bytes] | Source
"""A path, an upload as (file name, bytes), or a ready `Source`."""
MappingInput = BacktestMapping | Path | str | None
"""A parsed mapping, a path to a mapping file, YAML text, or None (every field by its own name)."""


def backtest(
    stack: Stack,
    *,
    customers: Export,
    events: Export,
    proposals: Export,
    mapping: MappingInput = None,
    engine: Engine = "duckdb",
    out_dir: Path | None = None,
    progress: Progress | None = None,
    policy: Policy | None = None,
    spark: Any | None = None,
) -> BacktestResult:
    """Backtest `stack` on three exports given as paths or uploaded bytes (see the module doc).

    Uploads are written to a temporary folder that is removed when the run ends. Raises
    `InputError` / `MappingError` (both `StudioError`s) for data or mappings that don't fit.
    """
    chosen, source = _mapping(mapping)
    with tempfile.TemporaryDirectory(prefix="studio-backtest-") as scratch:
        folder = Path(scratch)
        inputs = Inputs(_source(customers, folder), _source(events, folder), _source(proposals, folder))
        return run_backtest(
            stack,
            inputs,
            mapping=chosen,
            mapping_source=source,
            engine=engine,
            out_dir=out_dir,
            progress=progress,
            spark=spark,
            policy=policy,
        )


def _source(export: Export, folder: Path) -> Source:
    if isinstance(export, Source):
        return export
    if isinstance(export, tuple):
        name, data = export
        return Source.from_bytes(name, data, folder)
    return Source.from_path(export)


def _mapping(mapping: MappingInput) -> tuple[BacktestMapping | None, str]:
    if mapping is None or isinstance(mapping, BacktestMapping):
        return mapping, "(mapping given)" if mapping is not None else "(no mapping file)"
    if isinstance(mapping, Path):
        return load_mapping(mapping)
    if "\n" not in mapping and mapping.endswith((".yaml", ".yml")):
        return load_mapping(Path(mapping))
    return parse_mapping(mapping, "<mapping>"), "<mapping>"


__all__ = [
    "BacktestMapping",
    "BacktestResult",
    "CompiledPolicy",
    "Engine",
    "FlagDay",
    "InputError",
    "Inputs",
    "MappingError",
    "Population",
    "RuleFiring",
    "Source",
    "Stopped",
    "Summary",
    "TeamLoad",
    "Uncompiled",
    "VerdictCounts",
    "backtest",
    "compile_stack",
    "load_mapping",
    "load_report",
    "parse_mapping",
    "read_population",
    "run_backtest",
]
