"""`studio tui`: loading the CLI (every command registered) loads no UI toolkit, and without an
interactive terminal the command refuses to start instead of writing escape codes forever."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from studio.cli.main import run


def test_building_the_cli_with_the_tui_command_loads_no_textual() -> None:
    probe = (
        "import sys; from studio.cli.main import build_app; build_app(); "
        "print(','.join(m for m in ('textual', 'tui') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""


def test_without_a_terminal_the_studio_refuses_to_start(b2b_path: Path) -> None:
    assert run(["tui", str(b2b_path)]) == 2
