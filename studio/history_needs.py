"""What a rule needs of the contact history, so the engine can skip work that can't matter.

Two facts, both read from a rule's conditions at compile time:
- its *reach* (`history_reach`): how far back its history conditions look, when every use
  of `history` is an `exists`, `exists_one` or `filter` bounded by `now - e.at <= W`. The
  events older than a cell's longest reach (`history_window`) satisfy none of its conditions,
  so `Policy.decide` drops them before evaluating any;
- how many events it *needs* (`events_needed`): a rule whose condition requires
  `history.exists(...)` or `history.filter(...).size() >= n` can't fire on a shorter history,
  so `Policy.decide` doesn't evaluate it there.
"""

from __future__ import annotations

import math
from typing import Any

from studio.cel.ast import Binary, Call, Comprehension, Ident, Literal, Node, Operator, Quantifier, Select
from studio.cel.compile import compile_condition, constant_value, is_constant
from studio.cel.parse import parse
from studio.condition import to_tree
from studio.stack import Rule


def events_needed(rule: Rule) -> int:
    """How many events the history must have for the rule's condition to hold: n when one of its
    top-level conjuncts is `history.filter(...).size() >= n` (or `> n - 1`), 1 when one is
    `history.exists(...)` or `history.exists_one(...)`, else 0 (at most `MOST_EVENTS_NEEDED`).

    A request whose history has fewer events (or fewer recent enough to matter: `history_window`)
    can't make such a rule fire, so `Policy.decide` doesn't evaluate it."""
    if rule.when is None:
        return 0
    needed = 0
    parts = [to_tree(rule.when)]
    while parts:
        part = parts.pop()
        if isinstance(part, Binary) and part.op is Operator.AND:
            parts += [part.left, part.right]
        elif _on_history(part, (Quantifier.EXISTS, Quantifier.EXISTS_ONE)):
            needed = max(needed, 1)
        else:
            needed = max(needed, _events_counted(part))
    return min(needed, MOST_EVENTS_NEEDED)


MOST_EVENTS_NEEDED = 16
"""Rules needing more events than this are evaluated on any history of this many: the plans keep
one list of steps per history length up to it."""


def _on_history(node: Node, quantifiers: tuple[Quantifier, ...]) -> bool:
    """`history.q(e, ...)` for a quantifier q of `quantifiers` (`history` itself, at top level: no
    comprehension around it rebinds the name)."""
    return (
        isinstance(node, Comprehension)
        and node.quantifier in quantifiers
        and isinstance(node.target, Ident)
        and node.target.name == "history"
    )


def _events_counted(node: Node) -> int:
    """n when `node` is `size(history.filter(e, ...)) >= n` (or the method form, or `> n - 1`),
    so the history needs n events for it to hold; else 0."""
    if not (isinstance(node, Binary) and node.op in (Operator.GE, Operator.GT)):
        return 0
    count, bound = node.left, node.right
    if not (isinstance(count, Call) and count.function == "size"):
        return 0
    counted = count.target if count.target is not None else (count.args[0] if count.args else None)
    if counted is None or not _on_history(counted, (Quantifier.FILTER,)):
        return 0
    if not isinstance(bound, Literal) or isinstance(bound.value, bool | str) or bound.value < 0:
        return 0
    if not math.isfinite(bound.value):
        return MOST_EVENTS_NEEDED  # `>= 1e999`: no history is that long
    least = math.floor(bound.value) + 1 if node.op is Operator.GT else math.ceil(bound.value)
    return min(least, MOST_EVENTS_NEEDED)


def history_window(reaches: list[tuple[Any, ...] | None]) -> Any:
    """The longest look-back of a cell's history conditions (each rule's from `history_reach`),
    or None when a rule uses the history otherwise (or not at all)."""
    windows: list[Any] = []
    for reach in reaches:
        if reach is None:
            return None
        windows.extend(reach)
    return max(windows) if windows else None


def history_reach(rule: Rule) -> tuple[Any, ...] | None:
    """The windows of a rule's history conditions, when every use of `history` in it is
    `history.exists(e, ...)`, `.exists_one` or `.filter` whose condition includes, at its top
    level, `now - e.at <= window` (or `<`) with a constant window; else None.

    An event older than the longest such window of a cell satisfies none of its conditions, so
    leaving it out changes no exists or exists_one, and no filter's result (the same events,
    in order): `Policy.decide` leaves such events out before evaluating the cell.
    """
    trees = _rule_trees(rule)
    eligible: set[int] = set()
    windows: list[Any] = []
    for tree in trees:
        for node in tree.walk():
            if not isinstance(node, Comprehension):
                continue
            if node.variable in ("history", "now"):
                return None  # shadowing: not worth reasoning about
            if isinstance(node.target, Ident) and node.target.name == "history" and node.quantifier in _NARROWABLE:
                window = _age_bound(node)
                if window is not None:
                    eligible.add(id(node.target))
                    windows.append(window)
    for tree in trees:
        for node in tree.walk():
            if isinstance(node, Ident) and node.name == "history" and id(node) not in eligible:
                return None
    return tuple(windows)


_NARROWABLE = frozenset({Quantifier.EXISTS, Quantifier.EXISTS_ONE, Quantifier.FILTER})


def _age_bound(node: Comprehension) -> Any:
    """W when the comprehension's condition is `... && now - e.at <= W && ...` (or `<`)."""
    parts = [node.body]
    bounds = []
    while parts:
        part = parts.pop()
        if isinstance(part, Binary) and part.op is Operator.AND:
            parts += [part.left, part.right]
            continue
        if not (isinstance(part, Binary) and part.op in (Operator.LE, Operator.LT)):
            continue
        age = part.left
        if not (isinstance(age, Binary) and age.op is Operator.SUB):
            continue
        if not (isinstance(age.left, Ident) and age.left.name == "now"):
            continue
        item = age.right
        if not (isinstance(item, Select) and item.field == "at" and isinstance(item.operand, Ident)):
            continue
        if item.operand.name != node.variable or _binds(node.body, "now"):
            continue
        bound = compile_condition(part.right)
        if is_constant(bound) and isinstance(constant_value(bound), int):
            bounds.append(constant_value(bound))
    return min(bounds) if bounds else None


def _binds(node: Node, name: str) -> bool:
    """Whether a comprehension inside `node` binds `name`."""
    return any(isinstance(part, Comprehension) and part.variable == name for part in node.walk())


def _rule_trees(rule: Rule) -> list[Node]:
    return ([to_tree(rule.when)] if rule.when is not None else []) + [parse(text) for text in rule.limits]
