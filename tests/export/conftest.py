"""Fixtures for the export tests: each sample stack's bundle, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.document import StackDocument, load_file
from studio.export import Bundle, build_bundle
from tests.conftest import STACK_FILES

_BUILT: dict[Path, tuple[StackDocument, Bundle]] = {}


def built(path: Path) -> tuple[StackDocument, Bundle]:
    """The sample stack at `path` and its bundle (cached)."""
    if path not in _BUILT:
        document = load_file(path)
        _BUILT[path] = (document, build_bundle(document))
    return _BUILT[path]


@pytest.fixture(params=STACK_FILES, ids=lambda path: path.stem)
def sample_bundle(request: pytest.FixtureRequest) -> tuple[StackDocument, Bundle]:
    """Each sample stack with its bundle."""
    path: Path = request.param
    return built(path)
