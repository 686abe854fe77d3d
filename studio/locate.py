"""From a document path to a line and column, and from pydantic's errors to plain words."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from types import UnionType
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from studio.errors import Issue, Problem, did_you_mean
from studio.stack import CONDITION_TAGS, Stack

Path = tuple[str | int, ...]


def locate(tree: CommentedMap, text: str, issue: Issue, source: str) -> Problem:
    """The issue as a Problem at its file, line and column."""
    line, column, resolved = _position(tree, issue.path, at_key=issue.at_key)
    if issue.offset is not None and resolved and line:
        line, column = _inside_scalar(text, line, column, issue.offset)
    message = issue.message
    if not resolved and issue.path:
        message = f"{'.'.join(str(part) for part in issue.path)}: {message}"
    return Problem(message, source, line, column, issue.hint, issue.path)


def _position(tree: CommentedMap, path: Path, *, at_key: bool) -> tuple[int, int, bool]:
    """1-based (line, column) of the node at `path`, and whether the whole path resolved."""
    node: Any = tree
    line, column = 1, 1
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, CommentedMap) and part in node:
            key_line, key_column = node.lc.key(part)
            value_line, value_column = node.lc.value(part)
            use_key = (at_key and last) or isinstance(node[part], CommentedMap | CommentedSeq)
            line, column = (key_line, key_column) if use_key else (value_line, value_column)
            line, column = line + 1, column + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            item_line, item_column = node.lc.item(part)
            line, column = item_line + 1, item_column + 1
            node = node[part]
        else:
            return line, column, False
    return line, column, True


def _inside_scalar(text: str, line: int, column: int, offset: tuple[int, int]) -> tuple[int, int]:
    """Where character (line, column) of an expression sits in the file, for the scalar that
    starts at (line, column): plain, quoted, literal (|) or folded (>)."""
    lines = text.splitlines()
    if line > len(lines):
        return line, column
    first = lines[line - 1]
    start = column - 1
    marker = first[start : start + 1]
    expression_line, expression_column = offset
    if marker in ("|", ">"):
        body = lines[line:]
        indent = next((len(row) - len(row.lstrip()) for row in body if row.strip()), 0)
        if marker == "|":
            return line + expression_line, indent + expression_column
        return _walk_folded(body, line + 1, indent, expression_column)
    if marker in ("'", '"'):
        start += 1
    return _walk_folded([first[start:], *lines[line:]], line, start, expression_column, first_is_sliced=True)


def _walk_folded(
    rows: Sequence[str],
    first_line: int,
    first_start: int,
    character: int,
    *,
    first_is_sliced: bool = False,
) -> tuple[int, int]:
    """Follow a folded scalar's rows until `character` (1-based in the folded text) is reached."""
    remaining = character
    for number, row in enumerate(rows):
        if first_is_sliced and number == 0:
            content, start = row, first_start
        else:
            stripped = row.lstrip()
            content, start = stripped, len(row) - len(stripped)
        width = len(content) + 1  # folding turns the line break into one space
        if remaining <= width or number == len(rows) - 1:
            return first_line + number, start + remaining
        remaining -= width
    return first_line, first_start + character


# -- pydantic's errors, in the studio's words ---------------------------------------------------


def pydantic_issues(error: ValidationError, root: type[BaseModel] = Stack) -> list[Issue]:
    """One Issue per pydantic error, with the path cleaned of union tags and plain wording.

    `root` is the model of the whole document (a stack file unless told otherwise), for the
    "did you mean" of unknown keys.
    """
    issues = []
    for item in error.errors(include_url=False):
        path = tuple(part for part in item["loc"] if part not in CONDITION_TAGS)
        issues.append(_issue(item, path, root))
    return issues


def _issue(item: Any, path: Path, root: type[BaseModel] = Stack) -> Issue:
    kind = item["type"]
    name = str(path[-1]) if path else "the document"
    given = item.get("input")
    if kind == "extra_forbidden":
        return Issue(path, f"unknown key '{name}'", did_you_mean(name, fields_at(path[:-1], root)), at_key=True)
    if kind == "missing":
        return Issue(path[:-1], f"missing '{name}'", at_key=True)
    if kind == "string_pattern_mismatch":
        return Issue(
            path,
            f"{given!r} is not a valid name: use letters, digits, '_', '.' and '-', starting with a letter",
        )
    if kind in ("literal_error", "enum"):
        expected = item.get("ctx", {}).get("expected", "")
        return Issue(
            path,
            f"{name} should be {expected}, not {_shown(given)}",
            did_you_mean(str(given), _choices(expected)),
        )
    if kind == "condition":
        return Issue(path, "a condition is a CEL expression, or a mapping with one key: all, any or none")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return Issue(path, f"{name} should be a mapping (key: value lines), not {_shown(given)}")
    if kind == "list_type":
        return Issue(path, f"{name} should be a list, not {_shown(given)}")
    if kind == "union_tag_invalid":
        return Issue(path, f"{name} should say what to do with 'do:' flag, notify, log or disclose")
    if kind == "too_short" and item.get("ctx", {}).get("min_length") == 1:
        return Issue(path, f"{name} can't be empty")
    message = str(item["msg"]).replace("Input should be", f"{name} should be").replace("Value error, ", "")
    if given is not None and not isinstance(given, dict | list):
        message = f"{message}, not {_shown(given)}"
    return Issue(path, message)


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value) if isinstance(value, str) else str(value)


def _choices(expected: str) -> list[str]:
    return [part.strip(" '\"") for part in expected.replace(" or ", ",").split(",") if part.strip(" '\"")]


def fields_at(path: Path, root: type[BaseModel] = Stack) -> list[str]:
    """The keys valid at `path` of a stack file, or of another document modelled by `root` (for "did you mean")."""
    annotation: Any = root
    for part in path:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    model = _model_in(annotation)
    return list(model.model_fields) if model is not None and _model_in_dict(annotation) is None else []


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation one level down: a list's item, a dict's value, or a model's field."""
    if isinstance(part, int):
        return _container_item(annotation, list)
    if (value := _model_in_dict(annotation)) is not None:
        return value
    model = _model_in(annotation)
    if model is None or part not in model.model_fields:
        return None
    return model.model_fields[part].annotation


def _model_in_dict(annotation: Any) -> Any:
    return _container_item(annotation, dict)


def _container_item(annotation: Any, container: type) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _container_item(typing.get_args(annotation)[0], container)
    if origin is container:
        return typing.get_args(annotation)[-1]
    if origin is typing.Union or isinstance(annotation, UnionType):
        for argument in typing.get_args(annotation):
            found = _container_item(argument, container)
            if found is not None:
                return found
    return None


def _model_in(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if _is_model(annotation):
        return annotation
    if origin is typing.Annotated:
        return _model_in(typing.get_args(annotation)[0])
    if origin is typing.Union or isinstance(annotation, UnionType):
        for argument in reversed(typing.get_args(annotation)):
            found = _model_in(argument)
            if found is not None:
                return found
    return None


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)
