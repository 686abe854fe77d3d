"""Embedding: the core alone loads, verifies and decides; the documented example runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from studio.export import build_bundle
from tests.conftest import ROOT, tiny

UI_AND_SERVER = ("textual", "streamlit", "uvicorn", "starlette", "regopy", "rich.live")


def test_the_example_service_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "embed_service.py")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert "loaded Northwind Analytics" in result.stdout
    assert "ai-sdr-agent / offer_discount: flag → csm-renewals, deal-desk" in result.stdout
    assert "support-agent / trigger_winback: stop" in result.stdout


def test_loading_and_deciding_imports_no_ui_or_server_package(tmp_path: Path) -> None:
    build_bundle(tiny()).write(tmp_path / "b.tar.gz")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from studio.export import load_bundle
        bundle = load_bundle(Path({str(tmp_path / "b.tar.gz")!r}))
        decision = bundle.decide({{"agent": "sdr", "action": "send_email", "at": "2026-11-23T15:00:00Z",
                                   "customer": {{"id": "c", "attributes": {{"arr": 1, "stage": "pipeline"}}}}}})
        loaded = sorted(name for name in sys.modules if name.split(".")[0] in {UI_AND_SERVER!r})
        print(decision.verdict.value, loaded)
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "flag []"
