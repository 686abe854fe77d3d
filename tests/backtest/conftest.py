"""Backtest fixtures: one Spark session for the whole run, generated data sets written once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session (local[2], no UI, 127.0.0.1) for every Spark test of the run."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java")
    from studio.backtest.engines import local_spark

    session = local_spark("studio-backtest-tests")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("backtest-data")
