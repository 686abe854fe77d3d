"""`studio analyze` as a user meets it: grouped output with questions, JSON, exit codes, --against."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.analysis import CODES
from studio.cli.main import run
from tests.conftest import SAMPLES, tiny_text

B2B = str(SAMPLES / "b2b_saas_renewals.yaml")
NOW = ["--now", "2026-11-23T15:00:00Z"]
BROKEN_RULE = """
- id: n-impossible
  kind: never
  owner: sales
  rationale: a typo nobody noticed
  when: customer.arr > 100 && customer.arr < 50
"""


def studio(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_b2b_sample_reads_as_questions_for_the_room(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "analyze", B2B, *NOW)
    assert code == 0  # warnings and notes are questions, not failures
    assert out.splitlines()[0].startswith("Northwind Analytics (B2B SaaS renewals): ")
    assert "⚠ warnings" in out and "ownership.contested" in out and "? " in out
    assert "b2b_saas_renewals.yaml:" in out  # rules located at file:line
    assert "witness:" in out


def test_errors_exit_1_and_json_has_the_documented_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(tiny_text(BROKEN_RULE), encoding="utf-8")
    code, out, _ = studio(capsys, "analyze", str(path), *NOW)
    assert code == 1
    assert "✖ errors" in out and "unsatisfiable.rule" in out and "why:" in out
    code, out, _ = studio(capsys, "analyze", str(path), "--json", *NOW)
    assert code == 1
    data = json.loads(out)
    assert set(data) >= {"findings", "coverage", "counts", "stats", "approximated", "unconfirmed"}
    assert data["counts"]["error"] >= 1
    for finding in data["findings"]:
        assert finding["code"] in CODES
        assert finding["severity"] in ("error", "warning", "info")
        assert set(finding) >= {"key", "title", "question", "rules", "teams", "cells", "witness", "evidence"}
        if finding["witness"] is not None:
            assert set(finding["witness"]["request"]) == {"agent", "action", "params", "customer", "at"}
    cells = data["coverage"]["cells"]
    assert len(cells) == len(data["coverage"]["agents"]) * len(data["coverage"]["actions"])


def test_a_witness_replays_with_studio_decide(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = studio(capsys, "analyze", B2B, "--json", *NOW)
    finding = next(f for f in json.loads(out)["findings"] if f["code"] == "overlap.may-limits")
    request = tmp_path / "witness.json"
    request.write_text(json.dumps(finding["witness"]["request"]), encoding="utf-8")
    code, out, _ = studio(capsys, "decide", B2B, "--request", str(request), "--json")
    assert code == 0
    assert json.loads(out)["decision"] == finding["witness"]["decision"]


def test_against_an_older_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    rule = """
- id: y-small
  kind: may
  owner: sales
  rationale: small discounts
  agents: [sdr]
  actions: [offer_discount]
  limits: ["params.pct <= LIMIT"]
"""
    old.write_text(tiny_text(rule.replace("LIMIT", "10")), encoding="utf-8")
    new.write_text(tiny_text(rule.replace("LIMIT", "25")), encoding="utf-8")
    code, out, _ = studio(capsys, "analyze", str(new), "--against", str(old), *NOW)
    assert code == 0
    assert "1 of 6 cells changed" in out and "sdr/offer_discount: more permissive" in out
    code, out, _ = studio(capsys, "analyze", str(new), "--against", str(old), "--json", *NOW)
    comparison = json.loads(out)["comparison"]
    [changed] = [cell for cell in comparison["cells"] if cell["relation"] != "same"]
    assert changed["more"]["old_decision"]["verdict"] == "flag" and changed["more"]["new_decision"]["verdict"] == "go"
