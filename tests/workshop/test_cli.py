"""The workshop's commands as a user meets them: diff, whatif, load, explain and signoff."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from studio.cli.main import run
from tests.workshop.conftest import B2B

NOW = ["--now", "2026-11-23T15:00:00Z"]


def studio(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def edited(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = B2B.read_text()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "new.yaml"
    path.write_text(text)
    return path


def test_diff_of_two_files_tells_rules_and_decisions(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    new = edited(
        tmp_path,
        ("params.discount_pct <= 10", "params.discount_pct <= 15"),
        ("params.acv_impact_usd <= 20000", "params.acv_impact_usd <= 40000"),
    )
    code, out, _ = studio(capsys, "diff", str(B2B), str(new), *NOW)
    assert code == 1
    assert "Sales' discount limit on B3-sdr-discounts rose from 10% to 15%" in out
    assert "Sample decisions that change (" in out and "birch-health" in out
    assert "Scenario steps that change (1)" in out and "Wednesday" in out
    code, out, _ = studio(capsys, "diff", str(B2B), str(new), "--json", *NOW)
    data = json.loads(out)
    assert code == 1 and data["changes"][0]["item"] == "B3-sdr-discounts"
    assert {c["customer"] for c in data["cells"] if c["verdict_changed"]} >= {"birch-health", "delta-freight"}


def test_diff_of_identical_files_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "diff", str(B2B), str(B2B), *NOW)
    assert code == 0 and "No changes." in out


def test_diff_against_a_git_revision(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    path = tmp_path / "stack.yaml"
    shutil.copyfile(B2B, path)
    for args in (
        ["init", "-q"],
        ["add", "stack.yaml"],
        ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "x"],
    ):
        subprocess.run([git, *args], cwd=tmp_path, check=True)
    path.write_text(path.read_text().replace("review_capacity_per_day: 5", "review_capacity_per_day: 7"))
    code, out, _ = studio(capsys, "diff", str(path), "--against", "HEAD", *NOW)
    assert code == 1 and "Legal's review capacity rose from 5 a day to 7 a day" in out
    assert "Sample decisions that change (0)" in out
    code, _, err = studio(capsys, "diff", str(path), "--against", "no-such-rev")
    assert code == 1 and "unknown revision 'no-such-rev'" in err
    (tmp_path / "other.yaml").write_text(B2B.read_text())
    code, _, err = studio(capsys, "diff", str(tmp_path / "other.yaml"), "--against", "HEAD")
    assert code == 1 and "other.yaml is not in revision 'HEAD'" in err


def test_diff_outside_git_and_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    alone = tmp_path / "alone" / "stack.yaml"
    alone.parent.mkdir()
    shutil.copyfile(B2B, alone)
    code, _, err = studio(capsys, "diff", str(alone), "--against", "HEAD")
    assert code == 1 and ("not in a git repository" in err or "not in revision" in err)
    assert studio(capsys, "diff", str(B2B))[0] == 2
    assert studio(capsys, "diff", str(B2B), str(B2B), "--against", "HEAD")[0] == 2


def test_whatif_sweeps_a_window(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(
        capsys, "whatif", str(B2B), "--rule", "B2-no-winback-after-sales-touch", "--vary", "1..8", *NOW
    )
    assert code == 0 and "window of 7 days" in out and "7 (as written)" in out
    assert "harbor-clinics: support-agent → trigger_winback stop→go" in out
    code, out, _ = studio(
        capsys,
        "whatif",
        str(B2B),
        "--rule",
        "B3-sdr-discounts",
        "--number",
        "limits.1",
        "--vary",
        "10000,30000",
        "--json",
        *NOW,
    )
    data = json.loads(out)
    assert code == 0 and data["number"] == "limits.1" and [p["value"] for p in data["points"]] == [10000, 30000]


def test_whatif_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert studio(capsys, "whatif", str(B2B), "--rule", "B3-sdr-discounts", "--vary", "a..b")[0] == 2
    assert studio(capsys, "whatif", str(B2B), "--rule", "B3", "--vary", "1..2")[0] == 2
    code, _, err = studio(capsys, "whatif", str(B2B), "--rule", "B3-sdr-discounts", "--number", "x", "--vary", "1")
    assert code == 1 and "has no number 'x'" in err


def test_load_reports_the_team_over_capacity(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "load", str(B2B), *NOW)
    assert code == 1
    assert "Customer Success reviews 26.3 flags a day against a capacity of 20: over by 6.3 (131%)" in out
    assert "mostly B1-renewal-window" in out
    code, out, _ = studio(capsys, "load", str(B2B), "--json", *NOW)
    assert code == 1 and json.loads(out)["over_capacity"] == ["success"]


def test_explain_says_what_would_flip_it(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--customer", "harbor-clinics", "--agent", "support-agent", "--action", "trigger_winback"]
    code, out, _ = studio(capsys, "explain", str(B2B), *args, *NOW)
    assert code == 0 and "✖ stop" in out
    assert "Sales' never rule B2-no-winback-after-sales-touch stops it" in out
    assert "go after Friday 27 Nov 11:00 (in 4 days 1 hour), 7 days after the call outbound by Sales" in out
    code, out, _ = studio(capsys, "explain", str(B2B), *args, "--json", *NOW)
    data = json.loads(out)
    assert data["verdict"] == "stop" and data["flips"][0]["changes"][0]["change"] == "time"
    code, out, _ = studio(
        capsys,
        "explain",
        str(B2B),
        "--customer",
        "birch-health",
        "--agent",
        "ai-sdr-agent",
        "--action",
        "offer_discount",
        "--param",
        "discount_pct=5",
        "--param",
        "acv_impact_usd=5",
        *NOW,
    )
    assert code == 0 and out.splitlines()[1] == "✔ go"


def test_explain_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["explain", str(B2B), "--agent", "support-agent", "--action", "reply_case"]
    assert studio(capsys, *base, "--customer", "acme")[0] == 2
    code, _, err = studio(capsys, *base, "--customer", "acme-logistics", "--param", "x=1")
    assert code == 1 and "unknown parameter 'x'" in err


def test_signoff_then_status(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    shutil.copyfile(B2B, path)
    code, out, _ = studio(capsys, "signoff", str(path), "--team", "sales", "--name", "Marco Diaz")
    assert code == 0 and "✔ Sales: signed by Marco Diaz" in out
    assert "signoffs:\n  - team: sales\n    name: Marco Diaz\n" in path.read_text()
    code, out, _ = studio(capsys, "signoff", str(path), "--status", "--json")
    teams = {t["team"]: t["state"] for t in json.loads(out)["teams"]}
    assert code == 1 and teams["sales"] == "signed" and teams["legal"] == "missing"
    path.write_text(path.read_text().replace("params.discount_pct <= 10", "params.discount_pct <= 12"))
    code, out, _ = studio(capsys, "signoff", str(path), "--status")
    assert code == 1 and "⚠ Sales: Marco Diaz's sign-off of" in out and "was cleared" in out


def test_signoff_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    shutil.copyfile(B2B, path)
    assert studio(capsys, "signoff", str(path))[0] == 2
    assert studio(capsys, "signoff", str(path), "--team", "sales")[0] == 2
    code, _, err = studio(capsys, "signoff", str(path), "--team", "salez", "--name", "x")
    assert code == 1 and "did you mean 'sales'" in err
    assert path.read_bytes() == B2B.read_bytes()


def test_the_commands_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "--help")
    assert code == 0
    for command in ("diff", "whatif", "load", "explain", "signoff"):
        assert command in out
