"""A rule's condition as written (CEL text, or all/any/none lists) and as one syntax tree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from studio.cel.ast import Node, conjunction, disjunction, negation
from studio.cel.parse import CelSyntaxError, parse
from studio.errors import Issue
from studio.stack import AllOf, AnyOf, Condition, NoneOf

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Leaf:
    """One CEL expression of a condition, and where it sits in the document."""

    text: str
    path: Path


def leaves(condition: Condition, path: Path) -> Iterator[Leaf]:
    """Every CEL expression in a condition, with its document path."""
    if isinstance(condition, str):
        yield Leaf(condition, path)
        return
    key, items = _parts(condition)
    for index, item in enumerate(items):
        yield from leaves(item, (*path, key, index))


def _parts(condition: AllOf | AnyOf | NoneOf) -> tuple[str, list[Condition]]:
    if isinstance(condition, AllOf):
        return "all", condition.all
    if isinstance(condition, AnyOf):
        return "any", condition.any
    return "none", condition.none


def to_tree(condition: Condition) -> Node:
    """The whole condition as one expression (`all` is &&, `any` is ||, `none` is !(a || b)).

    Raises CelSyntaxError for the first bad leaf; validation reports all of them first.
    """
    if isinstance(condition, str):
        return parse(condition)
    key, items = _parts(condition)
    nodes = [to_tree(item) for item in items]
    if key == "all":
        return conjunction(nodes)
    if key == "any":
        return disjunction(nodes)
    return negation(disjunction(nodes))


def syntax_issues(condition: Condition, path: Path) -> list[Issue]:
    """A located issue for every leaf that doesn't parse, and for empty lists."""
    issues: list[Issue] = []
    if not isinstance(condition, str):
        key, items = _parts(condition)
        if not items:
            issues.append(Issue((*path, key), f"'{key}' lists no conditions"))
    for leaf in leaves(condition, path):
        try:
            parse(leaf.text)
        except CelSyntaxError as error:
            issues.append(Issue(leaf.path, error.message, error.hint, (error.line, error.column)))
    return issues


def text_of(condition: Condition | None) -> str:
    """The condition as one line of CEL-like text, for explanations."""
    if condition is None:
        return "always"
    if isinstance(condition, str):
        return " ".join(condition.split())
    key, items = _parts(condition)
    joined = f" {'&&' if key == 'all' else '||'} ".join(f"({text_of(item)})" for item in items)
    return f"!({joined})" if key == "none" else joined
