"""Opening a stack as a workshop for the commands that use one (whatif, load, explain, signoff)."""

from __future__ import annotations

from pathlib import Path

from studio.cli.common import clock
from studio.workshop import Workshop


def open_workshop(path: Path, now: str | None) -> Workshop:
    """A workshop on `path`, deciding at the sample clock `--now` gives (or the stack's own)."""
    workshop = Workshop.open(path)
    if now is not None:
        workshop.set_sample_now(clock(workshop.document, now))
    return workshop
