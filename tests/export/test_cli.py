"""`studio export` and `studio verify`: outputs, exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cli.main import run
from studio.export.signing import generate_key
from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "b2b_saas_renewals.yaml"


def test_export_then_verify_a_tarball(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bundle.tar.gz"
    assert run(["export", str(SAMPLE), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Exported Northwind Analytics" in printed and "revision" in printed
    assert run(["verify", str(out)]) == 0
    assert "digests match" in capsys.readouterr().out


def test_export_json_and_verify_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["export", str(SAMPLE), "--out", str(tmp_path / "b"), "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["revision"].startswith("sha256:") and "opa/studio/policy.rego" in exported["files"]
    assert run(["verify", str(tmp_path / "b"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["revision"] == exported["revision"] and report["problems"] == []


def test_verify_names_a_tampered_file_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "b"
    run(["export", str(SAMPLE), "--out", str(out)])
    capsys.readouterr()
    policy = out / "opa" / "studio" / "policy.rego"
    policy.write_text(policy.read_text().replace('"stop"', '"go"', 1))
    assert run(["verify", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "failed verification" in printed
    assert "opa/studio/policy.rego: changed since export" in printed


def test_signing_and_verifying_with_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    private, public = generate_key()
    (tmp_path / "k.pem").write_bytes(private)
    (tmp_path / "k.pub.pem").write_bytes(public)
    out = tmp_path / "signed.tar.gz"
    assert run(["export", str(SAMPLE), "--out", str(out), "--sign", str(tmp_path / "k.pem")]) == 0
    assert "signed" in capsys.readouterr().out
    assert run(["verify", str(out), "--key", str(tmp_path / "k.pub.pem")]) == 0
    assert "trusted key" in capsys.readouterr().out
    unsigned = tmp_path / "plain.tar.gz"
    run(["export", str(SAMPLE), "--out", str(unsigned)])
    capsys.readouterr()
    assert run(["verify", str(unsigned), "--key", str(tmp_path / "k.pub.pem")]) == 1
    assert "not signed" in capsys.readouterr().out


def test_usage_and_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["export", str(SAMPLE)]) == 2  # --out is required
    assert run(["export", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "x")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert run(["verify", str(tmp_path / "nothing.tar.gz")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert run(["export", str(SAMPLE), "--out", str(tmp_path / "y"), "--sign", str(tmp_path / "nokey.pem")]) == 1
    assert "Can't read" in capsys.readouterr().err


def test_two_processes_export_the_same_bytes(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        command = [
            sys.executable,
            "-m",
            "studio.cli.main",
            "export",
            str(SAMPLE),
            "--out",
            str(tmp_path / f"{seed}.tar.gz"),
        ]
        subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT, timeout=120)
    assert (tmp_path / "1.tar.gz").read_bytes() == (tmp_path / "2.tar.gz").read_bytes()
