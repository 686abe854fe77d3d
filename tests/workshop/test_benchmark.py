"""The workshop benchmark runs (quickly) and prints its figures."""

from __future__ import annotations

import pytest

from benchmarks.bench_workshop import main


def test_the_workshop_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert out.count("edit + refreshed grid: median") == 2
