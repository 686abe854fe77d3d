"""`studio tui [FILE]`: the terminal studio, to edit, preview and check a stack in the terminal.

Given no file, it opens a scratch copy of the bundled B2B sample (so a demo never edits the
samples). Textual (and the `tui` package) are imported only inside `tui_command`, so loading
the CLI never loads a UI toolkit.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from studio.cli.common import NowOption
from studio.cli.workshop_session import open_workshop
from studio.errors import StackFileError

SAMPLE = Path(__file__).resolve().parents[3] / "sample_stacks" / "b2b_saas_renewals.yaml"
"""The stack opened when no file is given (a copy of it)."""


def tui_command(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="The stack file to open. Default: a scratch copy of the bundled B2B sample.",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    now: NowOption = None,
    no_analysis: Annotated[
        bool, typer.Option("--no-analysis", help="Don't run the policy analysis (findings and the coverage view).")
    ] = False,
) -> int:
    """Start the terminal studio: matrix, rule editor, live preview, replay, findings and diff."""
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise typer.BadParameter("the terminal studio needs an interactive terminal", param_hint="FILE")
    target = _scratch_sample() if path is None else path
    workshop = open_workshop(target, now)
    from tui.app import StudioApp

    StudioApp(workshop, analysis=not no_analysis).run()
    return 0


def _scratch_sample() -> Path:
    if not SAMPLE.is_file():
        raise StackFileError("The bundled samples aren't installed here: give a stack file.")
    scratch = Path(tempfile.mkdtemp(prefix="coordination-studio-")) / SAMPLE.name
    shutil.copy2(SAMPLE, scratch)
    return scratch


def register(app: typer.Typer) -> None:
    app.command("tui")(tui_command)
