"""Decision logs: one JSON line per decision, carrying the bundle revision that made it.

Lines are buffered and written by a background task a few times a second (and on shutdown),
so logging costs a request a `json.dumps` and a list append, never a disk write. Each line:

    {"time": "2026-11-23T15:00:00.123456Z", "decision_id": "…", "revision": "sha256:…",
     "path": "/access/v1/evaluation", "agent": "ai-sdr-agent", "action": "offer_discount",
     "customer": "acme", "verdict": "flag", "routes": ["deal-desk"], "rules": ["B3-sdr-discounts"],
     "obligations": [...], "refusal": "", "micros": 412}

Customer attributes and history are not logged (they are personal data); the rule ids, the
revision and the customer id are enough to replay a decision against the bundle.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import Any

from studio.clock import iso
from studio.samples import real_now


class DecisionLog:
    """Buffered JSON-lines writer to a file (appended) or to standard error (`-`)."""

    def __init__(self, target: str | None) -> None:
        self.target = target
        self._fd: int | None = None
        self._owned = False
        if target == "-":
            self._fd = sys.stderr.fileno()
        elif target:
            # O_APPEND and one write per flush: several worker processes can share the file
            # without tearing each other's lines.
            self._fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self._owned = True
        self._pending: list[str] = []
        self._lock = threading.Lock()
        self.written = 0

    @property
    def enabled(self) -> bool:
        return self._fd is not None

    def record(self, entry: dict[str, Any]) -> None:
        """Queue one line (the time is added here)."""
        if self._fd is None:
            return
        entry = {"time": iso(real_now()), **entry}
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._pending.append(line)

    def event(self, message: str, **fields: Any) -> None:
        """A service event (start, reload, rejected bundle) in the same stream."""
        self.record({"event": message, **fields})

    def flush(self) -> None:
        """Write the queued lines (one `write` call, so concurrent writers never interleave lines)."""
        if self._fd is None:
            return
        with self._lock:
            lines, self._pending = self._pending, []
        if not lines:
            return
        data = ("\n".join(lines) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        self.written += len(lines)

    def close(self) -> None:
        self.flush()
        if self._owned and self._fd is not None:
            os.close(self._fd)
        self._fd = None
