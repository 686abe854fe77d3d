"""Following a rename into condition text: the string literals that name the renamed thing.

Renaming a team, agent, action or decision follows its id through every structural reference
(`studio.edits`); this follows it into conditions too, where ids appear as quoted names:
`agent.team == 'sales'`, `e.team in ['sales', 'success']`, `e.kind == 'offer_discount'`,
`action.decision != 'pricing'`. Only a literal compared with a field that holds that kind of
id is rewritten (a rationale or a payload value that happens to spell the same word is left
alone), and only its characters change: the rest of the text keeps its spacing and layout.
A condition that doesn't parse is left as it is; validation reports it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal as Kind

from studio.cel.ast import Binary, Comprehension, Ident, ListLiteral, Literal, Node, Operator, Select
from studio.cel.parse import CelSyntaxError, parse
from studio.stack import AllOf, AnyOf, Condition, NoneOf

Renamed = Kind["team", "agent", "action", "decision"]

_FIELDS: dict[Renamed, frozenset[tuple[str, str]]] = {
    "team": frozenset({("agent", "team"), ("event", "team")}),
    "agent": frozenset({("agent", "id"), ("event", "agent")}),
    "action": frozenset({("action", "id"), ("event", "kind")}),  # an event's kind may be an action id
    "decision": frozenset({("action", "decision")}),
}
"""(record, field) pairs whose values are ids of each kind; `event` is a history item."""


def rename_in_condition(condition: Condition, renamed: Renamed, old: str, new: str) -> Condition:
    """The condition with every literal naming `old` (as a `renamed` id) spelled `new`."""
    if isinstance(condition, str):
        return rename_in_text(condition, renamed, old, new)
    if isinstance(condition, AllOf):
        return _same_or(condition, all=[rename_in_condition(c, renamed, old, new) for c in condition.all])
    if isinstance(condition, AnyOf):
        return _same_or(condition, any=[rename_in_condition(c, renamed, old, new) for c in condition.any])
    return _same_or(condition, none=[rename_in_condition(c, renamed, old, new) for c in condition.none])


def _same_or(condition: AllOf | AnyOf | NoneOf, **items: list[Condition]) -> Condition:
    ((key, value),) = items.items()
    return condition if getattr(condition, key) == value else condition.model_copy(update=items)


def rename_in_text(text: str, renamed: Renamed, old: str, new: str) -> str:
    """`text` with every literal naming `old` spelled `new` (unchanged when it doesn't parse, or
    when `new` can't be written inside the literal's quotes as it is)."""
    if old not in text or "\\" in new or "'" in new or '"' in new:
        return text
    try:
        tree = parse(text)
    except CelSyntaxError:
        return text
    starts = _line_starts(text)
    spans = []
    for literal in _naming(tree, _FIELDS[renamed], old, {}):
        start = starts[literal.line - 1] + literal.column - 1 if literal.line <= len(starts) else -1
        end = _closing_quote(text, start, old)
        if end is not None:
            spans.append((start + 1, end))
    for start, end in sorted(set(spans), reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _naming(node: Node, fields: frozenset[tuple[str, str]], old: str, scope: Mapping[str, str]) -> Iterator[Literal]:
    """The literals equal to `old` compared (==, !=, in [...]) with one of `fields`."""
    if isinstance(node, Comprehension):
        yield from _naming(node.target, fields, old, scope)
        inner = {**scope, node.variable: "event" if _over_history(node.target, scope) else ""}
        yield from _naming(node.body, fields, old, inner)
        return
    if isinstance(node, Binary) and node.op in (Operator.EQ, Operator.NE):
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if _field(side, scope) in fields and isinstance(other, Literal) and other.value == old:
                yield other
    if isinstance(node, Binary) and node.op is Operator.IN:
        yield from _listed(node, fields, old, scope)
    for child in node.children():
        yield from _naming(child, fields, old, scope)


def _listed(node: Binary, fields: frozenset[tuple[str, str]], old: str, scope: Mapping[str, str]) -> Iterator[Literal]:
    """`x in ['a', 'b']` with x one of `fields`: the items equal to `old`."""
    if isinstance(node.right, ListLiteral) and _field(node.left, scope) in fields:
        yield from (item for item in node.right.items if isinstance(item, Literal) and item.value == old)


def _field(node: Node, scope: Mapping[str, str]) -> tuple[str, str] | None:
    """(record, field) for `agent.team`, `action.id`, `e.kind` (e an event), ...; else None."""
    if not (isinstance(node, Select) and isinstance(node.operand, Ident)):
        return None
    name = node.operand.name
    record = scope.get(name, name if name in ("agent", "action") else "")
    return (record, node.field) if record else None


def _over_history(node: Node, scope: Mapping[str, str]) -> bool:
    """Whether a comprehension's items are history events: `history.q(...)`, or a filter of it."""
    if isinstance(node, Ident):
        return node.name == "history" and "history" not in scope
    return isinstance(node, Comprehension) and _over_history(node.target, scope)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for index, character in enumerate(text):
        if character == "\n":
            starts.append(index + 1)
    return starts


def _closing_quote(text: str, start: int, old: str) -> int | None:
    """Where the literal opening at `start` closes, if it is a plain quoted `old` (no prefix,
    no triple quotes, no escapes): the index of its closing quote."""
    if not 0 <= start < len(text) or text[start] not in "'\"":
        return None
    quote = text[start]
    end = start + 1 + len(old)
    if text[start + 1 : end] != old or text[end : end + 1] != quote or text[start : start + 3] == quote * 3:
        return None
    return end
