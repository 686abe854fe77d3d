"""The bundle a service decides with, and swapping it for a new one without a gap.

`holder.current` is one immutable `LoadedBundle`. A request reads it once and decides
everything (a whole batch included) with that object, so no decision ever mixes two revisions.
A reload reads, verifies and compiles the new bundle off to the side and then replaces the
reference in one assignment: requests in flight finish with the old bundle, later ones get the
new one, and none is dropped or refused. A bundle that fails verification is not loaded; the
service keeps deciding with the one it has and logs why.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from studio.clock import iso
from studio.errors import StudioError
from studio.export.load import LoadedBundle, load_bundle
from studio.samples import real_now
from studio.serve.decision_log import DecisionLog

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@dataclass(frozen=True, slots=True)
class ReloadOutcome:
    """What a reload did."""

    swapped: bool
    revision: str
    message: str


class BundleHolder:
    """Holds the current bundle; `reload()` swaps in the bundle now at `path` if it verifies."""

    def __init__(
        self,
        path: Path,
        *,
        public_key: Ed25519PublicKey | None = None,
        require_signature: bool = False,
        log: DecisionLog | None = None,
    ) -> None:
        self.path = path
        self.public_key = public_key
        self.require_signature = require_signature
        self.log = log or DecisionLog(None)
        self.current: LoadedBundle | None = None
        self.loaded_at = ""
        self.reloads = 0
        self.rejected = 0
        self.last_error = ""
        self._lock = threading.Lock()
        self._seen = self.fingerprint()

    def load(self) -> LoadedBundle:
        """Load the bundle at `path` (first start): BundleReadError / BundleVerifyError if it can't be."""
        bundle = self._read()
        self._install(bundle)
        return bundle

    def reload(self) -> ReloadOutcome:
        """Load the bundle at `path` again; swap it in when it verifies, else keep the current one."""
        with self._lock:
            started = time.perf_counter()
            self._seen = self.fingerprint()
            try:
                bundle = self._read()
            except StudioError as error:
                self.rejected += 1
                self.last_error = str(error)
                revision = self.current.revision if self.current else ""
                self.log.event(
                    "bundle rejected; still deciding with the current one", revision=revision, error=str(error)
                )
                return ReloadOutcome(False, revision, str(error))
            previous = self.current.revision if self.current else ""
            self._install(bundle)
            self.reloads += 1
            took = round((time.perf_counter() - started) * 1000)
            self.log.event("bundle loaded", revision=bundle.revision, previous=previous, load_ms=took)
            return ReloadOutcome(True, bundle.revision, f"now deciding with {bundle.revision} (loaded in {took} ms)")

    def changed(self) -> bool:
        """True when the bundle on disk changed since it was last read (for polling watchers)."""
        return self.fingerprint() != self._seen

    def fingerprint(self) -> tuple[int, ...]:
        """Size, modification time and inode of the bundle file (or of a folder's manifest)."""
        target = self.path / "manifest.json" if self.path.is_dir() else self.path
        try:
            stat = target.stat()
        except OSError:
            return ()
        return (stat.st_size, stat.st_mtime_ns, stat.st_ino)

    def _read(self) -> LoadedBundle:
        return load_bundle(self.path, public_key=self.public_key, require_signature=self.require_signature)

    def _install(self, bundle: LoadedBundle) -> None:
        self.current = bundle  # one reference assignment: atomic for every reader
        self.loaded_at = iso(real_now())
