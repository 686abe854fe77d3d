"""The bundle's files: where each lives and what it is for (`docs/bundle.md` shows the same table).

A bundle is a folder or a `.tar.gz` of it. `manifest.json` lists every other file with its
SHA-256; `signature.json`, when present, signs `manifest.json`.
"""

from __future__ import annotations

BUNDLE_FORMAT = "coordination-studio-bundle/1"
"""The bundle layout's version: bumped when files move or change meaning."""
SEMANTICS = "coordination-studio-decisions/1"
"""The decision semantics' version (docs/semantics.md): bumped when the same stack could decide differently."""

MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
STACK_JSON = "stack/stack.json"
STACK_YAML = "stack/stack.yaml"
STACK_SCHEMA = "schemas/stack.schema.json"
REQUEST_SCHEMA = "schemas/request.schema.json"
DECISION_SCHEMA = "schemas/decision.schema.json"
VECTORS = "conformance/vectors.json"
RULES_MARKDOWN = "rules/operating-rules.md"
RULES_HTML = "rules/operating-rules.html"
OPA_MANIFEST = "opa/.manifest"
OPA_POLICY = "opa/studio/policy.rego"
OPA_DATA = "opa/studio/stack/data.json"
README = "README.md"

DESCRIPTIONS: dict[str, str] = {
    MANIFEST: "revision, format and semantics versions, stack name, sign-offs, SHA-256 of every file",
    SIGNATURE: "optional: Ed25519 signature of manifest.json",
    README: "what the bundle holds and how to check it",
    STACK_JSON: "the stack as canonical JSON (what the revision is computed from)",
    STACK_YAML: "the stack file as people edit it",
    STACK_SCHEMA: "JSON Schema of the stack file",
    REQUEST_SCHEMA: "JSON Schema of a decision request",
    DECISION_SCHEMA: "JSON Schema of a decision",
    VECTORS: "conformance vectors: requests with the decision every enforcement service must give",
    RULES_MARKDOWN: "the operating rules for people, per agent (Markdown)",
    RULES_HTML: "the same, as a self-contained page that prints well",
    OPA_MANIFEST: "OPA bundle manifest (revision, roots)",
    OPA_POLICY: "Rego v1 policy: data.studio.policy.decision",
    OPA_DATA: "the policy's data: data.studio.stack",
}

MAX_BUNDLE_BYTES = 64 * 1024 * 1024
"""A bundle (all files together) larger than this is refused when read."""
MAX_FILES = 64
