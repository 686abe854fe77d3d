"""What the commands share: options, loading a stack, and reading times given on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from studio.clock import TimeFormatError, parse_instant
from studio.document import StackDocument, load_file
from studio.engine import Policy, compile_policy
from studio.samples import real_now, sample_now

StackPath = Annotated[Path, typer.Argument(help="The stack file (YAML).", show_default=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
NowOption = Annotated[
    str | None,
    typer.Option(
        "--now",
        help="Pretend the current time is this (ISO 8601), so relative sample times resolve the same on every run.",
        show_default=False,
    ),
]


def open_stack(path: Path) -> tuple[StackDocument, Policy]:
    """Load, validate and compile a stack file."""
    document = load_file(path)
    return document, compile_policy(document.stack)


def clock(document: StackDocument, now: str | None) -> int:
    """The sample clock: the stack's `preview_at`, relative to --now or to the real time."""
    reference = (
        real_now() if now is None else read_time(now, now=real_now(), tz=document.stack.timezone, option="--now")
    )
    return sample_now(document.stack, reference)


def read_time(text: str, *, now: int, tz: str, option: str) -> int:
    """A time from the command line (ISO 8601 or relative to `now`); exit 2 if unreadable."""
    try:
        return parse_instant(text, now=now, tz=tz)
    except TimeFormatError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None


def parse_param(text: str) -> tuple[str, Any]:
    """`name=value`, the value read as JSON when it is (15, true, "x"), else as a string."""
    name, separator, raw = text.partition("=")
    if not separator or not name.strip():
        raise typer.BadParameter(f"{text!r} is not name=value", param_hint="--param")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name.strip(), value
