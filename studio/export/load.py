"""Load a bundle inside a Python service: verify it, then decide with the core engine.

    from studio.export import load_bundle

    bundle = load_bundle(Path("northwind.tar.gz"), public_key=Path("signer.pub.pem"))
    decision = bundle.decide(request_json)        # RequestError when the request doesn't fit
    log(bundle.revision, decision.to_json())

A bundle that fails verification never loads (BundleVerifyError lists why); a loaded bundle
is immutable and safe to share across threads, so swapping bundles is one reference swap.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.decision import Decision
from studio.engine import Policy, compile_policy
from studio.export.archive import read_files, read_tarball
from studio.export.layout import OPA_DATA
from studio.export.manifest import Manifest
from studio.export.rego_input import RegoInput
from studio.export.verify import BundleVerifyError, VerifyReport, verify_files
from studio.request import Request, RequestReader
from studio.stack import Stack

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@dataclass(frozen=True)
class LoadedBundle:
    """A verified bundle, compiled and ready to decide."""

    manifest: Manifest
    stack: Stack
    policy: Policy = field(repr=False)
    reader: RequestReader = field(repr=False)
    report: VerifyReport = field(repr=False)
    files: Mapping[str, bytes] = field(repr=False, default_factory=dict)
    source: str = ""

    @property
    def revision(self) -> str:
        """The bundle revision (what decision logs should carry)."""
        return self.manifest.revision

    def read(self, data: Any) -> Request:
        """A request in the documented JSON shape, checked against the stack (RequestError if not)."""
        return self.reader.read(data)

    def decide(self, data: Any) -> Decision:
        """The decision on a request in the documented JSON shape."""
        return self.policy.decide(self.reader.read(data))

    @cached_property
    def rego_input(self) -> RegoInput:
        """Prepares requests for the bundle's Rego policy: `bundle.rego_input(request)` (OPA's input)."""
        return RegoInput.from_data(self.policy, json.loads(self.files[OPA_DATA]))


def load_bundle(
    source: Path | bytes,
    *,
    public_key: Path | Ed25519PublicKey | None = None,
    require_signature: bool = False,
    check_vectors: bool = True,
) -> LoadedBundle:
    """Read, verify and compile a bundle (a folder, a `.tar.gz` path, or `.tar.gz` bytes).

    Raises BundleReadError when it can't be read and BundleVerifyError when it fails any check.
    """
    if isinstance(source, bytes):
        files, label = read_tarball(source), "bundle bytes"
    else:
        files, label = read_files(source), str(source)
    key = public_key
    if isinstance(public_key, Path):
        from studio.export.signing import load_public_key

        key = load_public_key(public_key)
    report = verify_files(
        files,
        source=label,
        public_key=key,  # type: ignore[arg-type]
        require_signature=require_signature,
        check_vectors=check_vectors,
    )
    if not report.ok or report.stack is None or report.manifest is None:
        raise BundleVerifyError(f"{label} failed verification", report.problems, title="Bundle rejected")
    stack = report.stack
    return LoadedBundle(report.manifest, stack, compile_policy(stack), RequestReader(stack), report, files, label)
