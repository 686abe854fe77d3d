"""The bundle manifest: what the bundle is (revision, versions, stack, sign-offs) and the
SHA-256 of every file in it.

The bundle revision is a digest of the content: SHA-256 of the canonical JSON of the file table
(path → digest), leaving out `opa/.manifest`, which carries that revision itself. Identical
content gives an identical revision; any change to any file gives another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from studio.errors import Problem
from studio.export.canonical import compact_json_bytes, sha256
from studio.export.layout import BUNDLE_FORMAT, OPA_MANIFEST, SEMANTICS
from studio.revision import revision as stack_revision
from studio.revision import team_fingerprint
from studio.stack import Stack


class ManifestError(ValueError):
    """A manifest that isn't the expected JSON structure; the message names the field."""


@dataclass(frozen=True, slots=True)
class SignOffEntry:
    """A team's sign-off as the bundle records it."""

    team: str
    name: str
    at: str
    revision: str
    current: bool
    """True when the team signed this very revision of the stack."""
    scope_current: bool
    """True when nothing the team signed for changed since (its scope fingerprint still matches)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "name": self.name,
            "at": self.at,
            "revision": self.revision,
            "current": self.current,
            "scope_current": self.scope_current,
        }


@dataclass(frozen=True, slots=True)
class Manifest:
    """`manifest.json`."""

    revision: str
    stack_name: str
    stack_revision: str
    vectors_at: str
    signoffs: tuple[SignOffEntry, ...]
    files: Mapping[str, str]
    """Path → `sha256:<hex>`, for every file but the manifest and its signature."""
    generator: str
    bundle_format: str = BUNDLE_FORMAT
    semantics: str = SEMANTICS
    stack_format: str = "coordination-studio/v1"

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle_format": self.bundle_format,
            "semantics": self.semantics,
            "revision": self.revision,
            "stack": {"name": self.stack_name, "format": self.stack_format, "revision": self.stack_revision},
            "signoffs": [entry.to_json() for entry in self.signoffs],
            "vectors_at": self.vectors_at,
            "generator": self.generator,
            "files": dict(sorted(self.files.items())),
        }

    @staticmethod
    def from_json(data: Any) -> Manifest:
        """A Manifest from parsed JSON; ManifestError naming the first field that doesn't fit."""
        if not isinstance(data, dict):
            raise ManifestError("the manifest is not a JSON object")
        stack = _field(data, "stack", dict)
        files = _field(data, "files", dict)
        for path, digest in files.items():
            if not isinstance(digest, str) or not digest.startswith("sha256:"):
                raise ManifestError(f"files.{path}: expected 'sha256:<hex>'")
        signoffs = []
        for index, raw in enumerate(_field(data, "signoffs", list)):
            if not isinstance(raw, dict):
                raise ManifestError(f"signoffs[{index}] is not an object")
            signoffs.append(
                SignOffEntry(
                    str(raw.get("team", "")),
                    str(raw.get("name", "")),
                    str(raw.get("at", "")),
                    str(raw.get("revision", "")),
                    raw.get("current") is True,
                    raw.get("scope_current") is True,
                )
            )
        return Manifest(
            revision=_field(data, "revision", str),
            stack_name=_field(stack, "name", str, "stack."),
            stack_revision=_field(stack, "revision", str, "stack."),
            vectors_at=_field(data, "vectors_at", str),
            signoffs=tuple(signoffs),
            files=dict(files),
            generator=_field(data, "generator", str),
            bundle_format=_field(data, "bundle_format", str),
            semantics=_field(data, "semantics", str),
            stack_format=_field(stack, "format", str, "stack."),
        )


def _field(data: dict[str, Any], name: str, kind: type, prefix: str = "") -> Any:
    value = data.get(name)
    if not isinstance(value, kind):
        raise ManifestError(f"{prefix}{name}: missing or not a {kind.__name__}")
    return value


def content_revision(files: Mapping[str, str]) -> str:
    """The bundle revision: a digest of the file table without `opa/.manifest`."""
    table = {path: digest for path, digest in files.items() if path != OPA_MANIFEST}
    return sha256(compact_json_bytes(table))


def signoff_entries(stack: Stack) -> tuple[SignOffEntry, ...]:
    """The stack's sign-offs, each marked current or stale against this revision."""
    current = stack_revision(stack)
    entries = []
    for signoff in stack.signoffs:
        scope_current = bool(signoff.scope) and signoff.scope == team_fingerprint(stack, signoff.team)
        entries.append(
            SignOffEntry(
                signoff.team, signoff.name, signoff.at, signoff.revision, signoff.revision == current, scope_current
            )
        )
    return tuple(entries)


def check_versions(manifest: Manifest) -> list[Problem]:
    """Problems when the bundle was made for another layout or semantics than this studio's."""
    problems = []
    if manifest.bundle_format != BUNDLE_FORMAT:
        problems.append(
            Problem(
                f"bundle format {manifest.bundle_format!r}; this studio reads {BUNDLE_FORMAT!r}",
                "manifest.json",
                hint="re-export the stack with this version of the studio",
            )
        )
    if manifest.semantics != SEMANTICS:
        problems.append(
            Problem(
                f"decision semantics {manifest.semantics!r}; this studio decides by {SEMANTICS!r}",
                "manifest.json",
                hint="re-export the stack with this version of the studio",
            )
        )
    return problems
