"""The `studio` command line as a user meets it: outputs, JSON shapes and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cli.main import run
from tests.conftest import DATA, SAMPLES

B2B = str(SAMPLES / "b2b_saas_renewals.yaml")
NOW = ["--now", "2026-11-23T15:00:00Z"]


def studio(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_help_lists_the_core_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "--help")
    assert code == 0
    for command in ("check", "decide", "preview", "replay", "schema"):
        assert command in out


def test_check_passes_a_sample_and_fails_a_broken_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "check", B2B)
    assert code == 0 and "✔" in out and "21 rules" in out
    code, _, err = studio(capsys, "check", B2B, str(DATA / "invalid" / "unknown_key.yaml"))
    assert code == 1 and "unknown_key.yaml:42:1: unknown key 'agnets' (did you mean 'agents'?)" in err


def test_check_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "check", "--json", str(DATA / "invalid" / "unknown_team.yaml"))
    assert code == 1
    [result] = json.loads(out)
    assert result["ok"] is False
    assert result["problems"][0] | {"file": ""} == {
        "file": "",
        "line": 43,
        "column": 21,
        "message": "unknown team 'salez'",
        "hint": "did you mean 'sales'?",
    }


def test_decide_explains_a_sample_decision(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(
        capsys,
        "decide",
        B2B,
        "--agent",
        "ai-sdr-agent",
        "--action",
        "offer_discount",
        "--customer",
        "birch-health",
        "--param",
        "discount_pct=15",
        *NOW,
    )
    assert code == 0
    assert "⚑ flag  → deal-desk" in out
    assert "beyond the limits of B3-sdr-discounts (Sales), not met: params.discount_pct <= 10" in out


def test_decide_json_and_time(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(
        capsys,
        "decide",
        B2B,
        "--agent",
        "support-agent",
        "--action",
        "trigger_winback",
        "--customer",
        "acme-logistics",
        "--at",
        "+4d@11:00",
        "--json",
        *NOW,
    )
    assert code == 0
    data = json.loads(out)
    assert data["decision"]["verdict"] == "stop"
    assert data["request"]["at"] == "2026-11-27T16:00:00Z"
    assert {rule["rule"] for rule in data["decision"]["fired"]} >= {
        "B2-no-winback-after-sales-touch",
        "B2b-no-winback-in-renewal",
    }


def test_decide_from_a_json_request_round_trips(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, out, _ = studio(
        capsys,
        "decide",
        B2B,
        "--agent",
        "mkt-nurture-agent",
        "--action",
        "send_marketing_email",
        "--customer",
        "acme-logistics",
        "--json",
        *NOW,
    )
    first = json.loads(out)
    request = tmp_path / "request.json"
    request.write_text(json.dumps(first["request"]))
    code, out, _ = studio(capsys, "decide", B2B, "--request", str(request), "--json")
    assert code == 0
    assert json.loads(out) == first


def test_decide_reports_every_bad_field_of_a_request(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    request = tmp_path / "bad.json"
    request.write_text(
        json.dumps(
            {
                "agent": "ai-sdr-agent",
                "action": "offer_discount",
                "params": {"discount_pct": "15"},
                "customer": {"id": "x", "attributes": {"arr_usd": -1}},
                "at": "tomorrow",
            }
        )
    )
    code, _, err = studio(capsys, "decide", B2B, "--request", str(request))
    assert code == 1
    for expected in (
        "at: 'tomorrow' is not an absolute time",
        "params.discount_pct: must be a number, not '15'",
        "customer.attributes.arr_usd",
        "below its minimum 0",
        "customer.attributes.segment: missing",
    ):
        assert expected in err, err
    request.write_text("{not json")
    code, _, err = studio(capsys, "decide", B2B, "--request", str(request))
    assert code == 1 and "bad.json:1:2: not valid JSON" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--agent", "ai-sdr-agnt", "--action", "offer_discount", "--customer", "acme-logistics"],
            "did you mean 'ai-sdr-agent'?",
        ),
        (["--agent", "ai-sdr-agent", "--action", "offer_discount"], "give --customer"),
        (
            ["--agent", "ai-sdr-agent", "--action", "offer_discount", "--customer", "acme-logistics", "--at", "soon"],
            "is not a time",
        ),
        (
            [
                "--agent",
                "ai-sdr-agent",
                "--action",
                "offer_discount",
                "--customer",
                "acme-logistics",
                "--param",
                "nonsense",
            ],
            "is not name=value",
        ),
    ],
)
def test_usage_errors_exit_2_with_a_hint(capsys: pytest.CaptureFixture[str], args: list[str], words: str) -> None:
    code, out, err = studio(capsys, "decide", B2B, *args)
    assert code == 2
    assert words in out + err


def test_preview_grid_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "preview", B2B, *NOW)
    assert code == 0
    assert "Preview at 2026-11-23T10:00:00-05:00" in out and "support-agent → reply_case" in out and "✖ stop" in out
    code, out, _ = studio(capsys, "preview", B2B, "--json", *NOW)
    data = json.loads(out)
    assert len(data["cells"]) == len(data["customers"]) * len(data["columns"]) == 9 * 11
    assert sum(data["counts"].values()) == 99


def test_preview_one_customer_explains_each_cell(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "preview", B2B, "--customer", "evergreen-cu", *NOW)
    assert code == 0
    assert "Stopped by B6-holds-and-freezes (Legal)" in out


def test_replay_side_by_side(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "replay", B2B, "--scenario", "renewal-week", "--compare", *NOW)
    assert code == 0
    assert out.count("✔ go") == 3 and out.count("⚑ flag") == 2 and out.count("✖ stop") == 1
    code, out, _ = studio(capsys, "replay", B2B, "--scenario", "renewal-week", "--json", *NOW)
    data = json.loads(out)
    assert [step["decision"]["verdict"] for step in data["with_policy"]] == ["flag", "flag", "stop"]
    assert [step["decision"]["verdict"] for step in data["without_policy"]] == ["go", "go", "go"]
    code, _, err = studio(capsys, "replay", B2B, "--scenario", "renewal-wek")
    assert code == 2 and "did you mean 'renewal-week'?" in err


@pytest.mark.parametrize("kind", ["stack", "request", "decision"])
def test_schema(capsys: pytest.CaptureFixture[str], kind: str) -> None:
    code, out, _ = studio(capsys, "schema", "--kind", kind)
    assert code == 0
    assert json.loads(out)["$schema"].startswith("https://json-schema.org/")


def test_error_lines_are_never_wrapped_however_long_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 6) / ("and-another-one-" * 6)
    deep.mkdir(parents=True)
    broken = deep / "stack.yaml"
    broken.write_text("format: coordination-studio/v1\nname: [unclosed\n", encoding="utf-8")
    assert run(["check", str(broken)]) == 1
    located = [line for line in capsys.readouterr().err.splitlines() if f"{broken}:" in line]
    assert located and all(len(line) > 160 for line in located)
