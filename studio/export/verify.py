"""Check a bundle: every digest, the revision, the signature, the stack, and the vectors.

In order, stopping at the first layer that fails (there is no point deciding vectors from files
that were tampered with):
1. `manifest.json` reads, and was written for this studio's bundle format and semantics;
2. every listed file is there with its SHA-256, nothing unlisted was added, and the revision is
   the digest of the file table;
3. `signature.json`, when present (or required), signs the manifest: with a trusted public key
   when one is given, else with the key the bundle names (integrity, not authorship);
4. the stack is valid and has the revision the manifest names;
5. the core engine, as installed here, gives every conformance vector its recorded decision.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from studio.engine import compile_policy
from studio.errors import Problem, StudioError
from studio.export import layout
from studio.export.archive import read_files
from studio.export.canonical import sha256
from studio.export.manifest import Manifest, ManifestError, check_versions, content_revision
from studio.request import RequestReader
from studio.revision import revision as stack_revision
from studio.stack import Stack
from studio.validate import validate

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from studio.export.signing import SignatureCheck


@dataclass(frozen=True)
class VerifyReport:
    """What `verify` found; `ok` only when there are no problems."""

    source: str
    problems: tuple[Problem, ...]
    manifest: Manifest | None = None
    signature: SignatureCheck | None = None
    files_checked: int = 0
    vectors_checked: int = 0
    stack: Stack | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        manifest = self.manifest
        return {
            "source": self.source,
            "ok": self.ok,
            "revision": manifest.revision if manifest else None,
            "stack": manifest.stack_name if manifest else None,
            "stack_revision": manifest.stack_revision if manifest else None,
            "signed": self.signature is not None,
            "signature": None
            if self.signature is None
            else {
                "ok": self.signature.ok,
                "key_id": self.signature.key_id,
                "trusted": self.signature.trusted,
                "message": self.signature.message,
            },
            "files_checked": self.files_checked,
            "vectors_checked": self.vectors_checked,
            "problems": [{"file": p.file, "message": p.message, "hint": p.hint} for p in self.problems],
        }


class BundleVerifyError(StudioError):
    """A bundle that failed verification; `problems` says what."""


def verify_bundle(
    path: Path,
    *,
    public_key: Ed25519PublicKey | None = None,
    require_signature: bool = False,
    check_vectors: bool = True,
) -> VerifyReport:
    """Verify a bundle folder or `.tar.gz` (BundleReadError when it can't be read at all)."""
    return verify_files(
        read_files(path),
        source=str(path),
        public_key=public_key,
        require_signature=require_signature,
        check_vectors=check_vectors,
    )


def verify_files(
    files: Mapping[str, bytes],
    *,
    source: str = "bundle",
    public_key: Ed25519PublicKey | None = None,
    require_signature: bool = False,
    check_vectors: bool = True,
) -> VerifyReport:
    """Verify a bundle's files (as `read_files` or `Bundle.files` give them)."""
    try:
        manifest = Manifest.from_json(json.loads(files[layout.MANIFEST]))
    except KeyError:
        return VerifyReport(source, (Problem("the bundle has no manifest.json", source),))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return VerifyReport(source, (Problem(f"manifest.json is not valid JSON ({error})", source),))
    except ManifestError as error:
        return VerifyReport(source, (Problem(f"manifest.json: {error}", source),))
    problems = check_versions(manifest) + _integrity(files, manifest)
    signature = _signature(files, public_key, require_signature, problems)
    if problems:
        return VerifyReport(source, tuple(problems), manifest, signature, len(manifest.files))
    stack = _stack(files, manifest, problems)
    checked = 0
    if stack is not None and check_vectors:
        checked = _vectors(files, stack, problems)
    return VerifyReport(source, tuple(problems), manifest, signature, len(manifest.files), checked, stack)


def _integrity(files: Mapping[str, bytes], manifest: Manifest) -> list[Problem]:
    problems = []
    for path, expected in sorted(manifest.files.items()):
        data = files.get(path)
        if data is None:
            problems.append(Problem("listed in the manifest but missing", path))
        elif sha256(data) != expected:
            problems.append(
                Problem(
                    "changed since export: its SHA-256 doesn't match the manifest",
                    path,
                    hint=f"manifest {expected[:19]}…, file {sha256(data)[:19]}…",
                )
            )
    for path in sorted(files):
        if path not in manifest.files and path not in (layout.MANIFEST, layout.SIGNATURE):
            problems.append(Problem("not listed in the manifest (added after export?)", path))
    if content_revision(manifest.files) != manifest.revision:
        problems.append(Problem("the revision is not the digest of the file table (manifest edited?)", layout.MANIFEST))
    opa = files.get(layout.OPA_MANIFEST)
    if opa is not None and not problems:
        try:
            opa_revision = json.loads(opa).get("revision")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            opa_revision = None
        if opa_revision != manifest.revision:
            problems.append(Problem("its revision differs from manifest.json's", layout.OPA_MANIFEST))
    return problems


def _signature(
    files: Mapping[str, bytes],
    public_key: Ed25519PublicKey | None,
    require_signature: bool,
    problems: list[Problem],
) -> SignatureCheck | None:
    raw = files.get(layout.SIGNATURE)
    if raw is None:
        if require_signature or public_key is not None:
            problems.append(
                Problem(
                    "the bundle is not signed, but a signature is required", layout.SIGNATURE, hint="export with --sign"
                )
            )
        return None
    try:
        from studio.export.signing import check_signature
    except ImportError:  # pragma: no cover - cryptography is a core dependency
        problems.append(Problem("can't check the signature: the 'cryptography' package is missing", layout.SIGNATURE))
        return None
    check = check_signature(files[layout.MANIFEST], raw, public_key)
    if not check.ok:
        problems.append(Problem(check.message, layout.SIGNATURE))
    return check


def _stack(files: Mapping[str, bytes], manifest: Manifest, problems: list[Problem]) -> Stack | None:
    try:
        stack = Stack.model_validate(json.loads(files[layout.STACK_JSON]))
    except (KeyError, json.JSONDecodeError, UnicodeDecodeError, ValidationError) as error:
        problems.append(Problem(f"not a valid stack ({type(error).__name__})", layout.STACK_JSON))
        return None
    issues = validate(stack)
    if issues:
        problems.extend(issue.unlocated(layout.STACK_JSON) for issue in issues[:10])
        return None
    if stack_revision(stack) != manifest.stack_revision:
        problems.append(Problem("the stack's revision differs from the manifest's", layout.STACK_JSON))
        return None
    return stack


def _vectors(files: Mapping[str, bytes], stack: Stack, problems: list[Problem]) -> int:
    try:
        data = json.loads(files[layout.VECTORS])
        items = data["vectors"]
    except (KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        problems.append(Problem("not a readable vectors file", layout.VECTORS))
        return 0
    policy = compile_policy(stack)
    reader = RequestReader(stack)
    mismatches = 0
    for item in items:
        try:
            decision = policy.decide(reader.read(item["request"], source=str(item.get("id")))).to_json()
        except (StudioError, KeyError, TypeError) as error:
            problems.append(
                Problem(f"vector {item.get('id') if isinstance(item, dict) else '?'}: {error}", layout.VECTORS)
            )
            mismatches += 1
            continue
        if decision != item.get("decision"):
            mismatches += 1
            if mismatches <= 5:
                problems.append(
                    Problem(
                        f"vector {item['id']}: this engine decides {decision['verdict']}, the bundle expects "
                        f"{item.get('decision', {}).get('verdict')} (or another detail differs)",
                        layout.VECTORS,
                    )
                )
    if mismatches > 5:
        problems.append(Problem(f"{mismatches} vectors differ in all", layout.VECTORS))
    return len(items)
