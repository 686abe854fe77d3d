"""Build a bundle in memory: every file's bytes, the manifest, and (optionally) its signature.

`build_bundle(stack)` is pure: the same stack (and text, key and reference time) always gives
the same bytes, because nothing reads the clock. Conformance vectors are decided at a fixed
reference moment (`VECTORS_NOW`, read through the stack's `preview_at`), recorded in the
manifest as `vectors_at`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML

from studio.clock import iso, parse_instant
from studio.document import StackDocument
from studio.engine import Policy, compile_policy
from studio.errors import Problem
from studio.export import layout
from studio.export.archive import tarball_bytes, write_files
from studio.export.canonical import compact_json_bytes, json_bytes, sha256
from studio.export.manifest import Manifest, content_revision, signoff_entries
from studio.export.rego_expr import ExportError
from studio.export.rego_input import RegoInput, RegoInputError
from studio.export.rego_policy import RegoExport, export_issues, rego_export
from studio.export.rulebook import rulebook
from studio.export.rules_html import rules_html
from studio.export.rules_markdown import rules_markdown
from studio.export.vectors import vectors, vectors_json
from studio.json_schema import decision_schema, request_schema, stack_schema
from studio.revision import revision as stack_revision
from studio.samples import sample_now
from studio.stack import Stack

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

VECTORS_NOW = parse_instant("2026-11-23T15:00:00Z", now=0)
"""The reference 'now' of the conformance vectors (a Monday); the stack's `preview_at` is read from it."""


@dataclass(frozen=True)
class Bundle:
    """A built bundle: `files` maps bundle paths to bytes (manifest and signature included)."""

    manifest: Manifest
    files: dict[str, bytes] = field(repr=False)

    @property
    def revision(self) -> str:
        return self.manifest.revision

    @property
    def signed(self) -> bool:
        return layout.SIGNATURE in self.files

    def tarball(self) -> bytes:
        """The bundle as reproducible `.tar.gz` bytes."""
        return tarball_bytes(self.files)

    def write(self, out: Path) -> None:
        """Write to a folder, or to a `.tar.gz` file when `out` ends so."""
        write_files(self.files, out)


def build_bundle(
    stack: Stack | StackDocument,
    *,
    text: str | None = None,
    now: int = VECTORS_NOW,
    signing_key: Ed25519PrivateKey | None = None,
) -> Bundle:
    """The bundle of a valid stack (or a loaded document, whose problems are located in its file).

    `text` is the stack file as people keep it (defaults to the document's text, else a YAML
    rendering). Raises StackInvalidError for an invalid stack and ExportError for a condition
    or sample value the Rego policy couldn't decide exactly.
    """
    document = stack if isinstance(stack, StackDocument) else None
    model = stack.stack if isinstance(stack, StackDocument) else stack
    if text is None and document is not None:
        text = document.text
    policy = compile_policy(model)
    issues = export_issues(policy)
    if issues:
        problems = document.problems(issues) if document else [issue.unlocated() for issue in issues]
        raise ExportError("Some conditions can't be exported to Rego exactly", problems)
    rego = rego_export(policy)
    at = sample_now(model, now)
    files = _content_files(policy, rego, text, at)
    digests = {path: sha256(data) for path, data in files.items()}
    revision = content_revision(digests)
    files[layout.OPA_MANIFEST] = json_bytes(_opa_manifest(model, revision))
    digests[layout.OPA_MANIFEST] = sha256(files[layout.OPA_MANIFEST])
    manifest = Manifest(
        revision=revision,
        stack_name=model.name,
        stack_revision=stack_revision(model),
        vectors_at=iso(at),
        signoffs=signoff_entries(model),
        files=digests,
        generator=generator(),
    )
    files[layout.MANIFEST] = json_bytes(manifest.to_json())
    if signing_key is not None:
        from studio.export.signing import sign_manifest

        files[layout.SIGNATURE] = json_bytes(sign_manifest(files[layout.MANIFEST], signing_key))
    return Bundle(manifest, dict(sorted(files.items())))


def generator() -> str:
    """`coordination-studio <version>`: which studio built the bundle."""
    try:
        version = metadata.version("coordination-studio")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return f"coordination-studio {version}"


def _content_files(policy: Policy, rego: RegoExport, text: str | None, at: int) -> dict[str, bytes]:
    stack = policy.stack
    current = stack_revision(stack)
    found = vectors(policy, at)
    prepare = RegoInput(policy, rego.derived, plain_strings=rego.uses_string_functions)
    _check_vector_inputs(found, prepare)
    book = rulebook(policy, stack_revision=current)
    return {
        layout.README: _readme(stack, current).encode("utf-8"),
        layout.STACK_JSON: json_bytes(stack.model_dump(mode="json")),
        layout.STACK_YAML: (text if text is not None else _yaml(stack)).encode("utf-8"),
        layout.STACK_SCHEMA: json_bytes(stack_schema()),
        layout.REQUEST_SCHEMA: json_bytes(request_schema()),
        layout.DECISION_SCHEMA: json_bytes(decision_schema()),
        layout.VECTORS: compact_json_bytes(vectors_json(stack, found, at, current, prepare)),
        layout.RULES_MARKDOWN: rules_markdown(book).encode("utf-8"),
        layout.RULES_HTML: rules_html(book).encode("utf-8"),
        layout.OPA_POLICY: rego.module.encode("utf-8"),
        layout.OPA_DATA: json_bytes(rego.data),
    }


def _check_vector_inputs(found: list[Any], prepare: RegoInput) -> None:
    problems: list[Problem] = []
    for vector in found:
        try:
            prepare(vector.request)
        except RegoInputError as error:
            problems.extend(Problem(f"{vector.id}: {p.message}", hint=p.hint) for p in error.problems)
    if problems:
        raise ExportError("Sample data the Rego policy couldn't decide exactly", problems[:20])


def _opa_manifest(stack: Stack, revision: str) -> dict[str, Any]:
    return {
        "revision": revision,
        "roots": ["studio"],
        "rego_version": 1,
        "metadata": {"stack": stack.name, "stack_revision": stack_revision(stack), "semantics": layout.SEMANTICS},
    }


def _yaml(stack: Stack) -> str:
    yaml = YAML()
    yaml.width = 4096
    buffer = StringIO()
    yaml.dump(stack.model_dump(mode="json", exclude_defaults=True), buffer)
    return buffer.getvalue()


def _readme(stack: Stack, current: str) -> str:
    rows = "\n".join(f"| `{path}` | {what} |" for path, what in layout.DESCRIPTIONS.items())
    return f"""# Decision bundle: {stack.name}

Exported by Coordination Studio from stack revision `{current}`.
`manifest.json` names the bundle revision and the SHA-256 of every file.

| file | what it is |
| --- | --- |
{rows}

Check it: `studio verify <this folder or .tar.gz> [--key signer.pub.pem]`.
Serve it: `studio serve <bundle>` (an AuthZEN-shaped decision API).
Embed it: `studio.export.load_bundle(path)` in Python, or run `opa/` with OPA
(`opa run --server --bundle opa/`, query `data.studio.policy.decision`).
See docs/bundle.md and docs/enforcement.md in the studio's repository.
"""
