"""The backtest benchmark runs (quick): its data set, its check against the engine, its figures.

Speed is measured by `benchmarks/bench_backtest.py` and printed, never asserted here."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_the_quick_benchmark_runs_and_checks_the_engine() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_backtest", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "the engine agreed with the backtest on all 2,000 proposals" in result.stdout
    for line in ("DuckDB backtest: read, check, decide, summarise", "engine, decide only", "engine as a service"):
        assert line in result.stdout
