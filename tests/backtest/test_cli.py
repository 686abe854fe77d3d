"""`studio backtest` as a user meets it: the example data, JSON, files, errors and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from studio.cli.main import run
from tests.conftest import ROOT, SAMPLES

B2B = str(SAMPLES / "b2b_saas_renewals.yaml")
EXAMPLE = ROOT / "examples" / "backtest"
EXPORTS = [
    "--mapping",
    str(EXAMPLE / "mapping.yaml"),
    "--customers",
    str(EXAMPLE / "customers.csv"),
    "--events",
    str(EXAMPLE / "events.csv"),
    "--proposals",
    str(EXAMPLE / "proposals.csv"),
]


def studio(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_example_prints_a_summary_and_writes_results(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = studio(capsys, "backtest", B2B, *EXPORTS, "--out", str(tmp_path))
    assert code == 0, err
    assert "Backtest of Northwind Analytics" in out
    assert "300 proposals from 2026-10-01 to 2026-10-31 · 40 customers · 260 events" in out
    for heading in (
        "Verdicts by team",
        "Flags per day per reviewing team",
        "Rules that fire most",
        "Would have been stopped",
    ):
        assert heading in out
    assert "6 refused" in out
    decisions = pq.read_table(tmp_path / "decisions.parquet")
    assert decisions.num_rows == 300
    assert decisions.column_names[:4] == ["proposal_id", "customer_id", "at", "day"]
    stopped = pq.read_table(tmp_path / "stopped.parquet")
    assert set(stopped.column("verdict").to_pylist()) == {"stop"}
    assert (
        (tmp_path / "decisions.csv").read_text().startswith("proposal_id,customer_id,at,day,agent,action,team,verdict")
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["proposals"] == 300 and sum(summary["verdicts"].values()) == 300
    for table in ("flags_per_day", "top_rules", "verdicts", "review_load"):
        assert (tmp_path / f"{table}.csv").exists() and (tmp_path / f"{table}.parquet").exists()


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "backtest", B2B, *EXPORTS, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["proposals"] == 300 and data["refused"] == 6
    assert {"by_agent", "by_action", "by_team", "flags_per_day", "review_load", "top_rules", "stopped_by"} <= set(data)
    day = data["flags_per_day"][0]
    assert set(day) == {"day", "team", "flags", "capacity", "over_capacity"}
    assert data["files"] == {}


def test_bad_data_exits_1_naming_file_row_and_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for name in ("customers.csv", "events.csv", "mapping.yaml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    rows = (EXAMPLE / "proposals.csv").read_text().splitlines()
    header = rows[0].split(",")
    fields = rows[3].split(",")
    fields[header.index("Cadence Days")] = "weekly"
    fields[header.index("Action")] = "enroll_nurture"
    fields[header.index("Agent")] = "mkt-nurture-agent"
    rows[3] = ",".join(fields)
    (tmp_path / "proposals.csv").write_text("\n".join(rows) + "\n")
    args = [a.replace(str(EXAMPLE), str(tmp_path)) for a in EXPORTS]
    code, _, err = studio(capsys, "backtest", B2B, *args)
    assert code == 1
    assert "proposals.csv: row 3, column 'Cadence Days' (params.cadence_days): 'weekly' is not a number" in err


def test_usage_mistakes_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = studio(capsys, "backtest", B2B, *EXPORTS, "--engine", "oracle")
    assert code == 2
    code, _, _ = studio(capsys, "backtest", B2B, "--customers", "x.csv")
    assert code == 2


def test_a_missing_file_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = studio(
        capsys, "backtest", B2B, *EXPORTS[:2], "--customers", str(tmp_path / "none.csv"), *EXPORTS[4:]
    )
    assert code == 1 and "none.csv: no such file" in err


def test_show_sql(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = studio(capsys, "backtest", B2B, *EXPORTS, "--show-sql")
    assert code == 0 and "WITH px AS" in out and "COUNT_IF" in out
    code, out, _ = studio(capsys, "backtest", B2B, *EXPORTS, "--show-sql", "--engine", "spark")
    assert code == 0 and "`cell`" in out


def test_review_load_from_a_backtests_observed_volumes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`studio load --backtest DIR` reports the load the backtest saw, and says where it comes from."""
    assert studio(capsys, "backtest", B2B, *EXPORTS, "--out", str(tmp_path))[0] == 0
    code, out, err = studio(capsys, "load", B2B, "--backtest", str(tmp_path))
    assert code == 0, err  # a month of 300 proposals is far under every team's capacity
    assert "Review load observed from 2026-10-01" in out
    assert "observed volumes: a backtest" in out and "300 proposals" in out and "31 days" in out
    code, out, _ = studio(capsys, "load", B2B, "--backtest", str(tmp_path / "summary.json"), "--json")
    report = json.loads(out)
    assert report["volumes"]["kind"] == "observed" and report["volumes"]["proposals"] == 300
    assert not report["volumes"]["stack_changed"]
    declared = json.loads(studio(capsys, "load", B2B, "--json")[1])
    assert declared["volumes"] == {"kind": "declared"}
    assert declared["teams"] != report["teams"]


def test_review_load_from_a_summary_that_isnt_one_names_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = studio(capsys, "load", B2B, "--backtest", str(tmp_path))
    assert code == 1 and "no such file" in err and "summary.json" in err
    broken = tmp_path / "summary.json"
    broken.write_text('{"proposals": 3,\n  "review_load": [}\n')
    code, _, err = studio(capsys, "load", B2B, "--backtest", str(broken))
    assert code == 1 and f"{broken}:2:" in err and "Traceback" not in err
    broken.write_text('{"proposals": "many", "review_load": []}')
    code, _, err = studio(capsys, "load", B2B, "--backtest", str(broken))
    assert code == 1 and "proposals" in err and "Traceback" not in err
