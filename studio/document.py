"""Stack files as people keep them: load with positions, save without losing a thing.

Loading keeps ruamel.yaml's round-trip tree beside the validated `Stack`, so every problem
points at file:line:column, and a save patches only what changed into the original tree:
comments, key order, quoting and layout of untouched parts survive any number of cycles, and
an unedited file saves byte for byte the same. Saves are atomic (temporary file, fsync,
rename) and refuse to overwrite a file that changed on disk since it was loaded.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml import resolver as ruamel_resolver
from ruamel.yaml.comments import CommentedMap, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from studio.errors import Issue, Problem, SaveConflictError, StackFileError, StackInvalidError, StudioError
from studio.locate import locate, pydantic_issues
from studio.stack import Stack
from studio.tree_patch import patch
from studio.validate import validate

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Larger files are refused before parsing: a stack is hand-edited, not a data dump."""
MAX_EXPANDED_NODES = 2_000_000
"""Aliases may repeat parts of a document; beyond this many nodes it is refused (alias bombs)."""
MAX_DEPTH = 64
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap")


@dataclass(frozen=True)
class StackDocument:
    """A validated stack together with the file text and YAML tree it came from."""

    stack: Stack
    parsed: CommentedMap | None = field(compare=False, repr=False)
    """The round-trip tree of `text`, or None until `tree` is first asked for."""
    text: str
    source: str
    """The file name shown in messages (`<text>` when loaded from a string)."""
    path: Path | None = None
    digest: str = ""
    """SHA-256 of the file's bytes when loaded or last saved: a save checks the file still has it."""

    @property
    def tree(self) -> CommentedMap:
        """The round-trip YAML tree of `text`. A file that loads without a problem is read by
        the quick reader (see `load_text`); its tree is parsed when first needed, to locate a
        problem of an edit or to save, and then kept."""
        parsed = self.parsed
        if parsed is None:
            parsed = parse_yaml(self.text, self.source)
            object.__setattr__(self, "parsed", parsed)  # a cache: the document stays the same value
        return parsed

    def render(self, stack: Stack) -> str:
        """The file text for `stack`, patched onto this document's tree."""
        if stack == self.stack:
            return self.text
        tree = _fresh_tree(self.text, self.source)
        patch(tree, self.stack, stack)
        return _dump(tree, self.text)

    def save(self, stack: Stack, path: Path | None = None, *, force: bool = False) -> StackDocument:
        """Write `stack` atomically; SaveConflictError if the file changed since it was loaded.

        Saving to a new path (save as) checks nothing on disk unless that file exists.
        """
        target = path or self.path
        if target is None:
            raise StackFileError("This stack has no file yet: give a path to save it to.")
        text = self.render(stack)
        if not force:
            self._check_unchanged(target)
        try:
            write_atomically(target, text)
        except OSError as error:
            raise StackFileError(
                f"Can't save {target}: {error.strerror or error}; the file on disk is unchanged."
            ) from None
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return StackDocument(stack, None, text, str(target), target, digest)

    def _check_unchanged(self, target: Path) -> None:
        if target != self.path:
            if target.exists():
                raise SaveConflictError(f"{target} already exists; saving would replace it.")
            return
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            raise SaveConflictError(f"{target} was deleted or moved since it was loaded.") from None
        if hashlib.sha256(current).hexdigest() != self.digest:
            raise SaveConflictError(
                f"{target} changed on disk since it was loaded; reload it, or save anyway to replace that change."
            )

    def changed_on_disk(self) -> bool:
        """True when the file no longer has the bytes this document was loaded from."""
        if self.path is None:
            return False
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest() != self.digest
        except OSError:
            return True

    def problems(self, issues: list[Issue]) -> list[Problem]:
        """Issues found on a stack (edited or not) located in this document's text."""
        return [locate(self.tree, self.text, issue, self.source) for issue in issues]


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a user's long line
    return yaml


def _dump(tree: CommentedMap, original: str) -> str:
    yaml = _yaml()
    mapping, sequence, offset = guess_indent(original)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    buffer = io.StringIO()
    yaml.dump(tree, buffer)
    return buffer.getvalue()


def _fresh_tree(text: str, source: str) -> CommentedMap:
    """A tree of `text` to patch: a fresh parse is the one copy of a tree ruamel guarantees
    keeps every comment in place."""
    return parse_yaml(text, source)


def guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as the file uses them, so a save keeps its layout."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    mapping = next(
        (len(line) - len(line.lstrip()) for line in lines if line[:1] == " " and not line.lstrip().startswith("- ")),
        2,
    )
    offset = next(
        (len(line) - len(line.lstrip()) for line in lines if line.lstrip().startswith("- ") and line[:1] in " -"),
        2,
    )
    return mapping or 2, offset + 2, offset


def load_file(path: Path) -> StackDocument:
    """Read and validate a stack file; StackFileError or StackInvalidError with locations."""
    text, digest = read_text_file(path, kind="a stack file")
    return load_text(text, source=str(path), path=path, digest=digest)


def read_text_file(path: Path, *, kind: str, error: type[StudioError] = StackFileError) -> tuple[str, str]:
    """The UTF-8 text of a hand-kept file and the SHA-256 of its bytes.

    Refuses, as `error` with a location where there is one: a missing file, a folder, a file
    over MAX_FILE_BYTES, and bytes that aren't UTF-8. `kind` names the file in messages."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise error(f"{path} is {size:,} bytes; {kind} may be at most {MAX_FILE_BYTES:,}.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path} is a folder, not {kind}") from None
    except OSError as failure:
        raise error(f"Can't read {path}: {failure.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as failure:
        line = data[: failure.start].count(b"\n") + 1
        column = failure.start - (data.rfind(b"\n", 0, failure.start) + 1) + 1
        raise error(
            f"{path} isn't UTF-8 text", [Problem("the file isn't UTF-8 text", str(path), line, column)]
        ) from None
    return text, hashlib.sha256(data).hexdigest()


def load_text(text: str, *, source: str = "<text>", path: Path | None = None, digest: str = "") -> StackDocument:
    """Parse and validate stack text; every failure is a StudioError with locations."""
    if len(text) > MAX_FILE_BYTES:
        raise StackFileError(f"{source} is too large for a stack ({len(text):,} characters).")
    digest = digest or hashlib.sha256(text.encode("utf-8")).hexdigest()
    quick = _quick_stack(text)
    if quick is not None:
        return StackDocument(quick, None, text, source, path, digest)
    tree = parse_yaml(text, source)
    try:
        stack = Stack.model_validate(tree)
    except ValidationError as error:
        problems = [locate(tree, text, issue, source) for issue in pydantic_issues(error)]
        raise StackInvalidError(f"{source}: {_count(problems)}", sorted(problems, key=_order)) from None
    issues = validate(stack)
    if issues:
        problems = [locate(tree, text, issue, source) for issue in issues]
        raise StackInvalidError(f"{source}: {_count(problems)}", sorted(problems, key=_order))
    return StackDocument(stack, tree, text, source, path, digest)


def load_stack(text: str, *, source: str = "<text>") -> Stack:
    """The validated `Stack` of stack text: `load_text(text).stack`, for code that only decides
    (an enforcement service, a benchmark, a batch check)."""
    return load_text(text, source=source).stack


def _quick_stack(text: str) -> Stack | None:
    """The valid stack of `text` read without a round-trip tree, or None when that can't be
    vouched for: then `load_text` parses the tree, which also locates every problem.

    The YAML is read by libyaml (PyYAML's C parser) with the YAML 1.2 rules ruamel applies;
    anything that reader can't vouch for (anchors and aliases, tags, directives, duplicate keys,
    numbers or dates in unusual spellings, any problem at all) is left to ruamel, as is a stack
    with any problem. Without PyYAML's C extension, always None. The same stack either way
    (`tests/benchmarks/test_bench_fixtures.py` compares them)."""
    data = _quick_data(text)
    if data is None:
        return None
    try:
        stack = Stack.model_validate(data)
    except ValidationError:
        return None
    return None if validate(stack) else stack


class _UnsureError(Exception):
    """The quick YAML reader can't be sure it reads this as ruamel would."""


_QUICK_PLAIN, _QUICK_QUOTED, _QUICK_MAP, _QUICK_SEQ = "!plain", "!quoted", "!map", "!seq"
_YAML12_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_YAML12_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_SIMPLE_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_SIMPLE_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)")
_RESOLVED = tuple(regexp for versions, _, regexp, _ in ruamel_resolver.implicit_resolvers if (1, 2) in versions)
"""ruamel's YAML 1.2 patterns for plain scalars that aren't strings (numbers, dates, merge keys, ...)."""

_QUICK_LOADER: Any = None
"""libyaml's parser and composer (PyYAML, a dependency of cel-python); None without its C part."""
try:
    from yaml import CSafeLoader as _CSafeLoader  # type: ignore[import-untyped]
    from yaml.nodes import MappingNode as _MappingNode  # type: ignore[import-untyped]
    from yaml.nodes import ScalarNode as _ScalarNode

    class _QuickLoader(_CSafeLoader):  # type: ignore[misc]
        """Nodes keep their raw text; `_quick_value` resolves plain scalars as ruamel does."""

        def resolve(self, kind: Any, value: Any, implicit: tuple[bool, bool]) -> str:
            if kind is _ScalarNode:
                return _QUICK_PLAIN if implicit[0] else _QUICK_QUOTED
            return _QUICK_MAP if kind is _MappingNode else _QUICK_SEQ

    _QUICK_LOADER = _QuickLoader
except (ImportError, AttributeError):  # pragma: no cover - depends on the platform's wheels
    pass


def _quick_data(text: str) -> dict[str, Any] | None:
    """The document as plain dicts, lists and scalars, or None when only ruamel can tell."""
    if _QUICK_LOADER is None or text.startswith("%") or "\n%" in text:  # a directive (%YAML 1.1) changes the rules
        return None
    if _QUICK_UNSURE_CHARACTERS.search(text) or _NODE_TAG.search(text) or _odd_block_header(text):
        return None  # where the readers could differ: tabs, odd breaks, `!` tags, odd block headers
    loader = _QUICK_LOADER(text)
    try:
        node = loader.get_single_node()
        data = _quick_value(node, 0, set()) if node is not None else None
    except Exception:  # a YAML error, _UnsureError, a recursion error: ruamel decides and reports
        return None
    finally:
        loader.dispose()
    return data if isinstance(data, dict) else None


_QUICK_UNSURE_CHARACTERS = re.compile("[\t\x85\u2028\u2029\ufeff]")
"""Tabs, Unicode line breaks and byte-order marks: libyaml and ruamel read them differently."""
_NODE_TAG = re.compile(r"(?m)(?:^[ ]*|[:-][ ]+|[\[{,][ ]*)!")
"""A `!` where a node starts: a tag, which libyaml reads as no tag at all when it is a bare `!`
(a `!` inside a value, as in `a && !b` or `x != y`, doesn't match)."""
_BLOCK_HEADER = re.compile(r"(?m)(?::|^[ ]*-)[ ]+[|>](?P<header>[^\n]*)$|^[ ]*[|>](?P<top>[^|>\n][^\n]*)?$")
"""`key: |...`, `- >...`, or a header alone on its line (not a line of a block that starts `||`)."""
_PLAIN_BLOCK_HEADER = re.compile(r"(?:[1-9]?[+-]?|[+-][1-9])(?:[ ]+#[^\r]*)?[ ]*\r?")


def _odd_block_header(text: str) -> bool:
    """A literal or folded block header (`|`, `>-`, `|2+ # ...`) with anything else after it, or
    whose block starts with a line of spaces (where the two readers' indentation rules differ)."""
    for match in _BLOCK_HEADER.finditer(text):
        header = match.group("header") if match.group("header") is not None else match.group("top") or ""
        if not _PLAIN_BLOCK_HEADER.fullmatch(header) or _SPACES_LINE.match(text, match.end()):
            return True
    return False


_SPACES_LINE = re.compile(r"\n[ ]+\r?(?:\n|$)")


def _quick_value(node: Any, depth: int, seen: set[int]) -> Any:
    if depth > MAX_DEPTH or id(node) in seen or len(seen) >= MAX_EXPANDED_NODES:
        raise _UnsureError  # too deep, or an alias: the round-trip loader checks and reports
    seen.add(id(node))
    tag = node.tag
    if tag == _QUICK_PLAIN:
        return _plain_scalar(node.value)
    if tag == _QUICK_QUOTED:
        return node.value
    if tag == _QUICK_MAP:
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _quick_value(key_node, depth + 1, seen) if key_node.tag in (_QUICK_PLAIN, _QUICK_QUOTED) else None
            if not isinstance(key, str) or key in mapping:
                raise _UnsureError
            mapping[key] = _quick_value(value_node, depth + 1, seen)
        return mapping
    if tag == _QUICK_SEQ:
        return [_quick_value(item, depth + 1, seen) for item in node.value]
    raise _UnsureError  # an explicit tag


def _plain_scalar(value: str) -> Any:
    """A plain scalar as ruamel's YAML 1.2 round-trip loader reads it (simple spellings only)."""
    if value in _YAML12_BOOL:
        return _YAML12_BOOL[value]
    if value in _YAML12_NULL:
        return None
    if _SIMPLE_INT.fullmatch(value):
        return int(value)
    if _SIMPLE_FLOAT.fullmatch(value):
        return float(value)
    if any(regexp.match(value) for regexp in _RESOLVED):
        raise _UnsureError
    return value


def parse_yaml(text: str, source: str) -> CommentedMap:
    """The round-trip YAML tree of a stack file, refusing what isn't a safe, sane mapping."""
    try:
        tree = _yaml().load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        message = " ".join(part for part in (error.context, error.problem) if part) or "not valid YAML"
        raise StackFileError(f"{source} is not valid YAML", [Problem(message.strip(), source, line, column)]) from None
    except YAMLError as error:
        raise StackFileError(f"{source} is not valid YAML", [Problem(str(error).splitlines()[0], source)]) from None
    except RecursionError:
        raise StackFileError(f"{source} is nested too deeply to be a stack file") from None
    if not isinstance(tree, CommentedMap):
        found = "empty" if tree is None else f"a {type(tree).__name__.removeprefix('Commented').lower()}"
        raise StackFileError(
            f"{source}: a stack file is a mapping (format:, name:, rules:, ...), but this one is {found}",
            [Problem("expected a mapping at the top", source, 1, 1)],
        )
    _check_size(tree, source)
    return tree


def _check_size(tree: Any, source: str) -> None:
    """Refuse documents that expand too far through aliases, nest too deep, or use YAML tags
    (a stack is plain data: `!!python/...` and custom tags have no meaning in one)."""
    sizes: dict[int, int] = {}

    def size(node: Any, path: tuple[str | int, ...]) -> int:
        if len(path) > MAX_DEPTH:
            raise StackFileError(f"{source} is nested too deeply (at most {MAX_DEPTH} levels)")
        if id(node) in sizes:
            return sizes[id(node)]
        _refuse_tags(tree, node, path, source)
        if isinstance(node, dict):
            children: Any = ((key, value) for key, value in node.items())
        elif isinstance(node, list):
            children = enumerate(node)
        else:
            children = ()
        total = 1 + sum(size(child, (*path, key)) for key, child in children)
        if total > MAX_EXPANDED_NODES:
            raise StackFileError(f"{source} expands to more than {MAX_EXPANDED_NODES:,} values (through aliases?)")
        sizes[id(node)] = total
        return total

    size(tree, ())


def _refuse_tags(tree: CommentedMap, node: Any, path: tuple[str | int, ...], source: str) -> None:
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, TaggedScalar) or (tag is not None and not str(tag).startswith(_PLAIN_TAGS)):
        issue = Issue(path, f"YAML tags ({tag}) aren't allowed in a stack file: it holds plain data only")
        raise StackFileError(f"{source} uses a YAML tag", [locate(tree, "", issue, source)])


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash leaves either the old file or the new one."""
    directory = path.parent if str(path.parent) else Path()
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(mode)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _count(problems: list[Problem]) -> str:
    return f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"


def _order(problem: Problem) -> tuple[int, int]:
    return (problem.line, problem.column)


def revalidate(document: StackDocument, stack: Stack) -> list[Problem]:
    """Problems of an edited stack, located in the document (front ends call this after edits)."""
    return document.problems(validate(stack))
