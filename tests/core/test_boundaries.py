"""The core stays a core: no UI import, no eval/exec, and a JSON Schema that matches the models."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from studio.json_schema import stack_schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["studio", "studio.engine", "studio.cli.main"])
def test_the_core_loads_no_user_interface(module: str) -> None:
    probe = (
        f"import sys, {module}; print(','.join(m for m in ('textual', 'streamlit', 'tui', 'web') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "", f"importing {module} loaded {loaded}"


def test_no_policy_text_can_reach_eval_or_exec() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "studio").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\b(eval|exec)\s*\(", line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = json.loads((ROOT / "schema" / "stack.schema.json").read_text())
    assert committed == stack_schema(), "regenerate with: studio schema > schema/stack.schema.json"


def test_every_sample_points_editors_at_the_schema() -> None:
    for path in (ROOT / "sample_stacks").glob("*.yaml"):
        if path.name.endswith(".tests.yaml"):
            continue
        assert path.read_text().startswith("# yaml-language-server: $schema=../schema/stack.schema.json"), path.name
