"""What-if sweeps: vary one number in a rule and watch the sample decisions move.

A rule's numbers are its *knobs*: every number in its condition and limits (a limit's
threshold, a window's length, a cap). `knobs(rule)` lists them with a key (`limits.0`,
`when`, `when.all.2`, and `#2` for a leaf's second number) and their meaning in words.
`sweep(stack, knob, values, at=...)` sets the knob to each value in turn, by rewriting only
that number in the condition's text, and reports per value how many sample decisions change
verdict against the rule as written, and which. Only the cells the rule binds are decided
again (`LiveGrid`), so a sweep of twenty values costs little more than one preview.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from studio import edits, wording
from studio.cel.ast import COMPARISONS, Binary, Literal, Node
from studio.cel.parse import CelSyntaxError, parse
from studio.cel.printer import to_cel
from studio.condition import leaves
from studio.decision import Verdict
from studio.errors import EditError, did_you_mean
from studio.impact import CellChange
from studio.live_grid import LiveGrid, policy_for
from studio.stack import AllOf, AnyOf, Condition, NoneOf, Rule, Stack

_NUMBER = re.compile(r"-?\s*\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
MAX_POINTS = 200
"""A sweep tries at most this many values."""

LeafPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Knob:
    """One number in a rule that a sweep can vary."""

    rule_id: str
    key: str
    """`limits.0`, `when`, `when.all.2`; `#2` appended for a leaf's second number."""
    leaf: LeafPath
    """Where the condition text holding it sits in the rule: ("limits", 0), ("when", "all", 2)."""
    offset: int
    """Where the number starts in that text."""
    length: int
    value: float
    words: str
    """`discount at most 10%`, `window of 7 days in now - e.at <= days(7)`."""


def knobs(rule: Rule) -> list[Knob]:
    """Every number in a rule's condition and limits, in reading order."""
    found: list[Knob] = []
    texts: list[tuple[LeafPath, str]] = []
    if rule.when is not None:
        texts += [(leaf.path, leaf.text) for leaf in leaves(rule.when, ("when",))]
    texts += [(("limits", index), text) for index, text in enumerate(rule.limits)]
    for path, text in texts:
        numbers = list(_numbers(text))
        base = ".".join(str(part) for part in path)
        for position, (offset, length, value, words) in enumerate(numbers, start=1):
            key = base if len(numbers) == 1 else f"{base}#{position}"
            found.append(Knob(rule.id, key, path, offset, length, value, words))
    return found


def knob(rule: Rule, key: str | None) -> Knob:
    """The knob called `key` (default: the first limit's number, else the rule's first number)."""
    found = knobs(rule)
    if not found:
        raise EditError(f"Rule {rule.id} has no numbers to vary")
    if key is None:
        return next((k for k in found if k.leaf[0] == "limits"), found[0])
    for candidate in found:
        if candidate.key == key:
            return candidate
    raise EditError(f"Rule {rule.id} has no number '{key}' ({did_you_mean(key, [k.key for k in found])})")


def _numbers(text: str) -> Iterator[tuple[int, int, float, str]]:
    try:
        tree = parse(text)
    except CelSyntaxError:
        return
    parents = _parents(tree)
    starts = _line_starts(text)
    literals = [n for n in tree.walk() if isinstance(n, Literal) and _is_number(n.value)]
    for node in sorted(literals, key=lambda n: (n.line, n.column)):
        offset = starts[node.line - 1] + node.column - 1
        match = _NUMBER.match(text, offset)
        if match is None:
            continue
        yield offset, match.end() - offset, float(node.value), _words(node, parents, text)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    return starts


def _parents(tree: Node) -> dict[int, Node]:
    parents: dict[int, Node] = {}
    for node in tree.walk():
        for child in node.children():
            parents[id(child)] = node
    return parents


def _words(literal: Node, parents: Mapping[int, Node], text: str) -> str:
    parent = parents.get(id(literal))
    if parent is not None:
        length = wording.window(parent)
        if length is not None:
            return f"window of {wording.duration(length)} in {_context(parent, parents, text)}"
        found = wording.comparison(parent)
        if found is not None and found.literal is literal:
            return found.words()
    return f"the number {wording.number(float(literal.value))} in {_context(literal, parents, text)}"  # type: ignore[attr-defined]


def _context(node: Node, parents: Mapping[int, Node], text: str) -> str:
    """The comparison a number sits in, as CEL (the whole condition if there is none)."""
    current: Node | None = parents.get(id(node))
    while current is not None:
        if isinstance(current, Binary) and current.op in COMPARISONS:
            return to_cel(current)
        current = parents.get(id(current))
    return " ".join(text.split())


def with_value(stack: Stack, knob: Knob, value: float) -> Stack:
    """The stack with the knob's number set to `value` (only that number of the text changes)."""
    index = edits.position_of(stack, "rules", knob.rule_id)
    rule = stack.rules[index]
    text = _leaf_text(rule, knob.leaf)
    written = wording.number(value).replace(",", "")
    if value < 0 and not text[knob.offset :].startswith("-"):
        written = f"({written})"
    changed = text[: knob.offset] + written + text[knob.offset + knob.length :]
    if knob.leaf[0] == "limits":
        limits = list(rule.limits)
        limits[int(knob.leaf[1])] = changed
        return edits.update_rule(stack, rule.id, limits=limits)
    assert rule.when is not None
    return edits.set_condition(stack, rule.id, _replace_leaf(rule.when, knob.leaf[1:], changed))


def _leaf_text(rule: Rule, path: LeafPath) -> str:
    if path[0] == "limits":
        return rule.limits[int(path[1])]
    node: Any = rule.when
    for part in path[1:]:
        node = getattr(node, str(part)) if isinstance(part, str) else node[part]
    assert isinstance(node, str)
    return node


def _replace_leaf(condition: Condition, path: LeafPath, text: str) -> Condition:
    if not path:
        return text
    key, index, rest = str(path[0]), int(path[1]), path[2:]
    assert isinstance(condition, AllOf | AnyOf | NoneOf)
    items = list(getattr(condition, key))
    items[index] = _replace_leaf(items[index], rest, text)
    return condition.model_copy(update={key: items})


# -- sweeping -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """The sample decisions with the knob at one value."""

    value: float
    counts: Mapping[Verdict, int]
    changed: tuple[CellChange, ...]
    """Cells whose verdict differs from the rule as written."""


@dataclass(frozen=True, slots=True)
class Sweep:
    """A knob swept across values."""

    knob: Knob
    points: tuple[SweepPoint, ...]
    others: tuple[Knob, ...]
    """The rule's other numbers (to sweep next)."""

    def to_json(self) -> dict[str, Any]:
        """Data for the browser's chart and `studio whatif --json`."""
        return {
            "rule": self.knob.rule_id,
            "number": self.knob.key,
            "words": self.knob.words,
            "as_written": self.knob.value,
            "points": [
                {
                    "value": point.value,
                    "counts": {verdict.value: count for verdict, count in point.counts.items()},
                    "changed": len(point.changed),
                    "cells": [change.to_json() for change in point.changed],
                }
                for point in self.points
            ],
            "other_numbers": [{"number": k.key, "words": k.words} for k in self.others],
        }


def sweep(stack: Stack, knob: Knob, values: Sequence[float], *, at: int, grid: LiveGrid | None = None) -> Sweep:
    """Decide the sample grid with the knob at each value; `stack` must be valid.

    `grid` (a fork of the workshop's, for `stack` at `at`) saves deciding the baseline again.
    """
    grid = grid if grid is not None else LiveGrid(stack, policy_for(stack), at)
    baseline = grid.grid.decisions
    points = []
    for value in values:
        changed_stack = with_value(stack, knob, value)
        grid.refresh(changed_stack, policy_for(changed_stack))
        decisions = grid.grid.decisions
        counts = dict.fromkeys(Verdict, 0)
        changed = []
        for cell, decision in decisions.items():
            counts[decision.verdict] += 1
            before = baseline[cell]
            if before.verdict is not decision.verdict:
                changed.append(CellChange(cell[0], cell[1], before, decision))
        points.append(SweepPoint(value, counts, tuple(changed)))
    rule = next(r for r in stack.rules if r.id == knob.rule_id)
    return Sweep(knob, tuple(points), tuple(k for k in knobs(rule) if k.key != knob.key))


def parse_values(text: str) -> list[float]:
    """`10..25` (whole steps), `10..25:5` (steps of 5), `0..1:0.25` or `10,12.5,15`; ValueError if unreadable."""
    body = text.replace(" ", "")
    try:
        if ".." in body:
            span, _, step_text = body.partition(":")
            low_text, _, high_text = span.partition("..")
            low, high = float(low_text), float(high_text)
            step = float(step_text) if step_text else 1.0
            if step <= 0:
                raise ValueError("the step must be positive")
            count = int((abs(high - low) + 1e-9) // step) + 1
            direction = 1 if high >= low else -1
            values = [round(low + direction * i * step, 10) for i in range(count)]
        else:
            values = [float(part) for part in body.split(",") if part]
    except ValueError as error:
        raise ValueError(f"{text!r} is not a range like 10..25, 10..25:5 or a list like 10,15,20 ({error})") from None
    if not values:
        raise ValueError(f"{text!r} gives no values")
    if len(values) > MAX_POINTS:
        raise ValueError(f"{text!r} gives {len(values)} values; at most {MAX_POINTS} (use a larger step)")
    return values
