"""Fixtures for the workshop's tests: sample stacks copied to a temporary folder, a fixed clock."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from studio.workshop import Workshop
from tests.conftest import NOW, SAMPLES

B2B = SAMPLES / "b2b_saas_renewals.yaml"


@pytest.fixture
def b2b_path(tmp_path: Path) -> Path:
    """A copy of the B2B sample in a temporary folder (saves are safe)."""
    target = tmp_path / "b2b.yaml"
    shutil.copyfile(B2B, target)
    return target


@pytest.fixture
def workshop(b2b_path: Path) -> Workshop:
    """A workshop on a copy of the B2B sample, at the tests' fixed clock."""
    return Workshop.open(b2b_path, now=NOW)
