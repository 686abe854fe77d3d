"""Apply the difference between two stacks to a round-trip YAML tree.

Only what differs between the old and the new stack touches the tree, so everything else
(comments, quoting, flow or block style, key order) is exactly as the user wrote it. Lists of
things with ids (rules, agents, ...) are matched by id, not by position, and comments travel
with their items when others are added, removed or moved.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from studio.stack import Stack

_STRING_STYLES = (
    SingleQuotedScalarString,
    DoubleQuotedScalarString,
    LiteralScalarString,
    FoldedScalarString,
)


def patch(tree: CommentedMap, old: Stack, new: Stack) -> None:
    """Change `tree` (which holds `old`) so that it holds `new`."""
    _patch_mapping(tree, _data(old), _data(new))


def _data(stack: Stack) -> dict[str, Any]:
    # exclude_defaults: a key absent from both versions stays absent from the file.
    return stack.model_dump(mode="json", exclude_defaults=True)


def _patch_mapping(node: CommentedMap, old: dict[str, Any], new: dict[str, Any]) -> None:
    for key in [key for key in old if key not in new]:
        if key in node:
            del node[key]
    for position, (key, value) in enumerate(new.items()):
        if key in old and old[key] == value and key in node:
            continue
        if key in node:
            node[key] = _patched(node[key], old.get(key), value)
        else:
            node.insert(_insert_position(node, new, position), key, _fresh(value))


def _insert_position(node: CommentedMap, new: dict[str, Any], position: int) -> int:
    """Just after the nearest key that comes before this one in the model's order."""
    earlier = list(new)[:position]
    keys = list(node)
    for key in reversed(earlier):
        if key in node:
            return keys.index(key) + 1
    return 0


def _patched(node: Any, old: Any, new: Any) -> Any:
    if old == new:
        return node
    if isinstance(node, CommentedMap) and isinstance(old, dict) and isinstance(new, dict):
        _patch_mapping(node, old, new)
        return node
    if isinstance(node, CommentedSeq) and isinstance(old, list) and isinstance(new, list):
        _patch_sequence(node, old, new)
        return node
    return _styled_like(node, new)


def _styled_like(node: Any, value: Any) -> Any:
    """A new scalar keeps the old one's quoting or block style."""
    if isinstance(value, str):
        for style in _STRING_STYLES:
            if isinstance(node, style):
                return style(value)
    return _fresh(value)


def _patch_sequence(node: CommentedSeq, old: list[Any], new: list[Any]) -> None:
    if _has_ids(old) and _has_ids(new):
        _patch_by_id(node, old, new)
    elif len(old) == len(new) == len(node):
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            if before != after:
                node[index] = _patched(node[index], before, after)
    else:
        _replace_items(node, [_fresh(item) for item in new])


def _has_ids(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(item, dict) and "id" in item for item in items)


def _patch_by_id(node: CommentedSeq, old: list[Any], new: list[Any]) -> None:
    old_index = {item["id"]: index for index, item in enumerate(old)}
    items: list[Any] = []
    origins: list[int | None] = []
    for item in new:
        index = old_index.get(item["id"])
        if index is None or index >= len(node):
            items.append(_fresh(item))
            origins.append(None)
        else:
            items.append(_patched(node[index], old[index], item))
            origins.append(index)
    kept = [index for index in origins if index is not None]
    for removed in sorted(set(range(len(node))) - set(kept)):
        _carry_comments(node, removed, kept)
    _carry_end(node, items, origins)
    _replace_items(node, items, origins)


def _carry_comments(node: CommentedSeq, removed: int, kept: list[int]) -> None:
    """A removed item's comments often head the next section: give them to a neighbour."""
    before = [index for index in kept if index < removed]
    after = [index for index in kept if index > removed]
    heading = node.ca.items.get(removed, [None, None])[1]
    if heading and after and not node.ca.items.get(after[0], [None, None])[1]:
        node.ca.items.setdefault(after[0], [None, None, None, None])[1] = heading
    trailing = _trailing(node[removed])
    if trailing is None or not _meaningful(trailing):
        return
    if before:
        _set_trailing(node[before[-1]], trailing)
    elif after and not node.ca.items.get(after[0], [None, None])[1]:
        node.ca.items.setdefault(after[0], [None, None, None, None])[1] = [trailing]


def _carry_end(node: CommentedSeq, items: list[Any], origins: list[int | None]) -> None:
    """Items appended after the old last one take over the gap that followed the list."""
    if not node or not items or origins[-1] is not None:
        return
    last_old = len(node) - 1
    if last_old not in origins:
        return
    trailing = _trailing(node[last_old])
    if trailing is not None:
        _set_trailing(node[last_old], None)
        _set_trailing(items[-1], trailing)


def _trailing(node: Any) -> Any:
    slot = _trailing_slot(node)
    if slot is None:
        return None
    container, key, position = slot
    entry = container.ca.items.get(key)
    return entry[position] if entry else None


def _set_trailing(node: Any, token: Any) -> None:
    slot = _trailing_slot(node)
    if slot is None:
        return
    container, key, position = slot
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    entry[position] = token


def _trailing_slot(node: Any) -> tuple[Any, Any, int] | None:
    """Where ruamel keeps the comment that follows a node's last line: on its deepest last
    block-style entry (index 2 of a mapping key's comments, index 0 of a sequence item's)."""
    if isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        value = node[key]
        if _is_block(value) and value:
            return _trailing_slot(value)
        return node, key, 2
    if isinstance(node, CommentedSeq) and node:
        index = len(node) - 1
        value = node[index]
        if _is_block(value) and value:
            return _trailing_slot(value)
        return node, index, 0
    return None


def _is_block(value: Any) -> bool:
    return isinstance(value, CommentedMap | CommentedSeq) and not value.fa.flow_style()


def _meaningful(token: Any) -> bool:
    text = str(getattr(token, "value", ""))
    return bool(text.strip()) or text.count("\n") > 1


def _replace_items(node: CommentedSeq, items: list[Any], origins: list[int | None] | None = None) -> None:
    """Set the sequence's items in place; comments kept by index move with their items."""
    if origins is None:
        origins = [None] * len(items)
    comments = dict(node.ca.items)
    node[:] = items
    node.ca.items.clear()
    for new_index, old_index in enumerate(origins):
        if old_index is not None and old_index in comments:
            node.ca.items[new_index] = comments[old_index]


def _fresh(value: Any) -> Any:
    """Plain data as YAML nodes: mappings in block style, short scalar lists in flow style."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _fresh(item)
        return mapping
    if isinstance(value, list):
        sequence = CommentedSeq(_fresh(item) for item in value)
        if all(not isinstance(item, dict | list) for item in value):
            sequence.fa.set_flow_style()
        return sequence
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # a stack has one number type: 20, as people write it, not 20.0
    return value
