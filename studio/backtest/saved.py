"""A finished backtest read back: the `summary.json` that `--out DIR` wrote.

`read_summary(path)` takes the output folder (or the file itself) and gives the `Summary` the
run reported, so what the backtest observed (its real volumes, for one) can be used later and
elsewhere: `studio load FILE --backtest DIR` reports review load from it. A file that isn't a
backtest's summary raises `SummaryFileError`, naming the file and the line and column (bad
JSON) or the field (`review_load[0].flags: ...`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from studio.backtest.report import Summary
from studio.errors import Problem, StudioError

SUMMARY_FILE = "summary.json"
MAX_SUMMARY_BYTES = 64 * 1024 * 1024
"""A summary holds a few thousand rows at most; anything far larger isn't one."""


@dataclass
class SummaryFileError(StudioError):
    """A backtest summary that can't be read: missing, not JSON, or not a summary."""

    title: str = "Can't read the backtest's summary"


def summary_path(path: Path) -> Path:
    """`path` itself, or the `summary.json` in it when it is a folder."""
    return path / SUMMARY_FILE if path.is_dir() else path


def read_summary(path: Path) -> Summary:
    """The summary a backtest wrote: `DIR/summary.json`, given the folder or the file."""
    file = summary_path(path)
    name = str(file)
    if not file.exists():
        hint = f"run `studio backtest ... --out {path}` first" if path.is_dir() or not path.exists() else ""
        raise SummaryFileError(
            f"{name}: no such file", [Problem("a backtest's --out folder holds summary.json", name, hint=hint)]
        )
    if file.stat().st_size > MAX_SUMMARY_BYTES:
        raise SummaryFileError(f"{name}: too large to be a backtest summary")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SummaryFileError(f"{name}: not a text file") from None
    except json.JSONDecodeError as error:
        raise SummaryFileError(f"{name}: not JSON", [Problem(error.msg, name, error.lineno, error.colno)]) from None
    if not isinstance(data, dict) or "proposals" not in data or "review_load" not in data:
        raise SummaryFileError(f"{name}: not a backtest summary (no proposals or review_load)")
    try:
        return Summary.from_json(data)
    except ValidationError as error:
        problems = [Problem(f"{_where(item['loc'])}: {item['msg']}", name) for item in error.errors()[:20]]
        raise SummaryFileError(f"{name}: not a backtest summary", problems) from None


def _where(location: tuple[int | str, ...]) -> str:
    """`review_load[0].flags` from pydantic's ('review_load', 0, 'flags')."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(the whole file)"


__all__ = ["SUMMARY_FILE", "SummaryFileError", "read_summary", "summary_path"]
