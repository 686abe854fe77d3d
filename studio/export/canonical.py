"""Canonical bytes: the same data always gives the same file, so bundles are reproducible.

JSON files in a bundle are UTF-8, keys sorted, two-space indented, with a final newline (easy
to read and to diff); digests are SHA-256 of the exact bytes written.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def json_bytes(data: Any) -> bytes:
    """Pretty canonical JSON: sorted keys, 2-space indent, UTF-8, final newline."""
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def compact_json_bytes(data: Any) -> bytes:
    """Compact canonical JSON (sorted keys, no spaces, UTF-8): for large machine-read files."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256(data: bytes) -> str:
    """`sha256:<hex>` of `data`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()
