"""What `studio web` tells the app it starts: the folder, the first stack, sharing and passcode.

The command line and the Streamlit script run in one process; the command puts these in the
environment before starting the server and the script reads them back. Only a digest of the
passcode is passed, never the passcode itself. This module imports no UI toolkit, so the
command can use it without loading Streamlit.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT_VARIABLE = "STUDIO_WEB_ROOT"
FILE_VARIABLE = "STUDIO_WEB_FILE"
PASSCODE_VARIABLE = "STUDIO_WEB_PASSCODE_SHA256"
PROJECTOR_VARIABLE = "STUDIO_WEB_PROJECTOR"
POLL_VARIABLE = "STUDIO_WEB_POLL_SECONDS"

SAMPLES = Path(__file__).resolve().parent.parent / "sample_stacks"
"""The bundled sample stacks (present in a clone or an editable install)."""
DEFAULT_SAMPLE = "b2b_saas_renewals.yaml"
_PASSCODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a projector


@dataclass(frozen=True)
class WebSettings:
    """The server-wide settings of one `studio web` run (the same for every browser)."""

    root: Path
    """The folder whose stack files the app may list, open and save."""
    first: str = ""
    """The stack opened when a browser arrives (relative to `root`); empty: the first one listed."""
    passcode_digest: str = ""
    """SHA-256 (hex) of the passcode browsers must give first; empty: no passcode (loopback only)."""
    projector: bool = False
    """Start every browser in large-type mode."""
    poll_seconds: float = 2.0
    """How often a browser checks whether its stack changed on disk."""

    def to_env(self) -> dict[str, str]:
        """The environment variables that carry these settings to the app."""
        return {
            ROOT_VARIABLE: str(self.root),
            FILE_VARIABLE: self.first,
            PASSCODE_VARIABLE: self.passcode_digest,
            PROJECTOR_VARIABLE: "1" if self.projector else "",
            POLL_VARIABLE: f"{self.poll_seconds:g}",
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WebSettings:
        """Settings from the environment; without any, the bundled samples (as in development)."""
        env = os.environ if environ is None else environ
        root = env.get(ROOT_VARIABLE, "")
        try:
            poll = float(env.get(POLL_VARIABLE, "") or 2.0)
        except ValueError:
            poll = 2.0
        return cls(
            root=Path(root) if root else SAMPLES,
            first=env.get(FILE_VARIABLE, "") if root else DEFAULT_SAMPLE,
            passcode_digest=env.get(PASSCODE_VARIABLE, ""),
            projector=bool(env.get(PROJECTOR_VARIABLE, "")),
            poll_seconds=max(0.5, poll),
        )

    @property
    def needs_passcode(self) -> bool:
        return bool(self.passcode_digest)

    def admits(self, given: str) -> bool:
        """True when `given` is the passcode (case, spaces and dashes don't matter)."""
        return bool(self.passcode_digest) and hmac.compare_digest(digest(given), self.passcode_digest)


def new_passcode() -> str:
    """A fresh passcode to read off the screen: `K7QM-4XPA-92HD` (60 random bits)."""
    letters = "".join(secrets.choice(_PASSCODE_LETTERS) for _ in range(12))
    return "-".join(letters[i : i + 4] for i in range(0, 12, 4))


def digest(passcode: str) -> str:
    """The SHA-256 (hex) of a passcode as typed, normalised."""
    normal = "".join(character for character in passcode.upper() if character.isalnum())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()
