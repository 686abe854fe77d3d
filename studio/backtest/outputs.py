"""Writing a backtest's results: decisions and stopped proposals, the summary's tables, summary.json.

Decisions and stopped proposals are written by the engine (DuckDB: one file each; Spark: its
output folders of part files); the summary's tables are small and written here, as Parquet
and CSV, list cells joined with `;`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from sqlglot import exp

from studio.backtest.engines import Session
from studio.backtest.report import DECISIONS, Summary
from studio.backtest.sql import EpochDayToDate, MicrosToTimestamp, column, string, table


def _public_decisions(where: exp.Expression | None = None) -> exp.Select:
    query = exp.select(
        exp.alias_(column("pid"), "proposal_id", quoted=True),
        exp.alias_(column("cid"), "customer_id", quoted=True),
        exp.alias_(MicrosToTimestamp(this=column("at")), "at", quoted=True),
        exp.alias_(EpochDayToDate(this=column("day")), "day", quoted=True),
        *[column(name) for name in ("agent", "action", "team", "verdict", "routes", "fired", "over_limit", "decisive")],
        column("default_applied"),
        column("refusal"),
    ).from_(table(DECISIONS))
    if where is not None:
        query = query.where(where)
    return query.order_by(column("prow"))


def write_outputs(session: Session, summary: Summary, out_dir: Path) -> dict[str, Path]:
    """decisions and stopped (Parquet and CSV), the summary's tables (CSV and Parquet), summary.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    stopped = exp.EQ(this=column("verdict"), expression=string("stop"))
    for name, query in (("decisions", _public_decisions()), ("stopped", _public_decisions(stopped))):
        for format, suffix in (("parquet", "parquet"), ("csv", "csv")):
            files[f"{name}.{suffix}"] = session.write(query, out_dir / f"{name}.{suffix}", format)
    for name, records in summary.chart_tables().items():
        if not records:
            continue
        flat = [{k: ";".join(v) if isinstance(v, list | tuple) else v for k, v in row.items()} for row in records]
        data = pa.Table.from_pylist(flat)
        pq.write_table(data, out_dir / f"{name}.parquet")
        with (out_dir / f"{name}.csv").open("w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(flat[0]))
            writer.writeheader()
            writer.writerows(flat)
        files[f"{name}.parquet"] = out_dir / f"{name}.parquet"
        files[f"{name}.csv"] = out_dir / f"{name}.csv"
    files["summary"] = out_dir / "summary.json"
    return files


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
