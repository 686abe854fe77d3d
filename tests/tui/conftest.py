"""Fixtures for the terminal studio's tests: a copy of the B2B sample, a workshop at the fixed
clock, and the app on it (analysis off and no file watching unless a test asks)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from studio.workshop import Workshop
from tests.conftest import NOW, SAMPLES
from tui.app import StudioApp

B2B = SAMPLES / "b2b_saas_renewals.yaml"


@pytest.fixture
def b2b_path(tmp_path: Path) -> Path:
    """A copy of the B2B sample (saves are safe); always called b2b.yaml, for stable screens."""
    target = tmp_path / "b2b.yaml"
    shutil.copyfile(B2B, target)
    return target


@pytest.fixture
def workshop(b2b_path: Path) -> Workshop:
    return Workshop.open(b2b_path, now=NOW)


@pytest.fixture
def app(workshop: Workshop) -> StudioApp:
    return StudioApp(workshop, analysis=False, watch_interval=None)


def keys(text: str) -> Iterable[str]:
    """Key names that type `text` (pilot.press takes characters, except the space)."""
    return ["space" if char == " " else char for char in text]


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*keys(text))


def cell(table: DataTable[Any], row: str, column: str) -> str:
    """A table cell's text, by row and column key."""
    return str(table.get_cell(row, column))


async def until(
    pilot: Pilot[None], condition: Callable[[], bool], *, seconds: float = 20, state: Callable[[], object] = str
) -> None:
    """Let the app run until `condition` holds: what shows after a debounce or a worker shows
    later on a busy machine (CI has 2 cores), so a fixed pause would make the test flaky.
    On failure, `state()` says what the app showed instead."""
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await pilot.pause(0.1)
    assert condition(), f"the app did not reach the expected state in {seconds:g} s: {state()}"
