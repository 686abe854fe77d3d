"""Opening stack files that have problems, to fix them in the studio.

`document.load_file` refuses a file with any problem. A workshop opens one whose structure is
sound (it parses as a `Stack`) even when its names, types or conditions have problems, so the
problems can be listed, located and fixed there; only a file that isn't a readable stack
structure is refused, with the load's located error.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import ValidationError

from studio.document import StackDocument, load_file, load_text, parse_yaml
from studio.errors import StackFileError, StackInvalidError
from studio.stack import Stack


def open_document(path: Path) -> StackDocument:
    """Load a stack file; one whose structure is sound but whose names, types or conditions
    have problems is returned anyway (the workshop lists them); otherwise the load's error."""
    try:
        return load_file(path)
    except StackInvalidError as error:
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            raise error from None
        document = _structured(text, str(path), path, hashlib.sha256(data).hexdigest())
        if document is None:
            raise
        return document


def document_from_text(text: str, *, source: str = "<text>") -> StackDocument:
    """Like `open_document`, for text with no file."""
    try:
        return load_text(text, source=source)
    except StackInvalidError:
        document = _structured(text, source, None, hashlib.sha256(text.encode("utf-8")).hexdigest())
        if document is None:
            raise
        return document


def _structured(text: str, source: str, path: Path | None, digest: str) -> StackDocument | None:
    try:
        tree = parse_yaml(text, source)
        stack = Stack.model_validate(tree)
    except (StackFileError, ValidationError):
        return None
    return StackDocument(stack, tree, text, source, path, digest)
