"""A cell's rules indexed by one customer attribute, so a decision skips the rules that can't fire.

Many conditions start with a test on an enum or bool attribute: `customer.lifecycle ==
'renewal' && ...`, `customer.tier in ['free', 'starter'] && ...`, `customer.vip && ...`. Such a
top-level conjunct is a *guard*: when it is false, so is the whole condition, whatever the rest
says. For each cell, `index_steps` picks the attribute whose guards rule out the most rules on
average, and lists, for each of its values, the rules a customer with that value could fire.
`Policy.decide` then looks up the customer's value once and evaluates only those. This is what
policy engines call rule indexing (OPA indexes rules on equality tests the same way).

The index only leaves out rules whose condition is certainly false, and keeps the rest in their
order, so decisions are exactly those of evaluating every rule. Values the index doesn't know
(absent, unhashable, of another type) fall back to rules it can't rule out, or all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from studio.cel.ast import Binary, Ident, ListLiteral, Literal, Node, Operator, Select, Unary
from studio.stack import ValueSpec, ValueType

Entry = TypeVar("Entry")

_ABSENT = object()
"""The key under which an index keeps every rule: a customer without the attribute."""


@dataclass(frozen=True, slots=True)
class Guard:
    """What the top-level conjuncts of a condition require of one attribute: its value is in
    `allowed` (None: any) and not in `excluded`."""

    allowed: frozenset[Any] | None
    excluded: frozenset[Any]
    ruled_out: int = 0
    """How many of the attribute's values (true and false for a bool) it rules out."""

    def admits(self, value: Any) -> bool:
        return (self.allowed is None or value in self.allowed) and value not in self.excluded

    def both(self, other: Guard) -> Guard:
        if self.allowed is None:
            allowed = other.allowed
        else:
            allowed = self.allowed if other.allowed is None else self.allowed & other.allowed
        return Guard(allowed, self.excluded | other.excluded)


Guards = Mapping[str, Guard]
"""A condition's guards, by customer attribute."""


def guards_of(tree: Node | None, attributes: Mapping[str, ValueSpec]) -> dict[str, Guard]:
    """The guards of a condition on the enum and bool attributes of `attributes`."""
    found: dict[str, Guard] = {}
    if tree is None:
        return found
    parts = [tree]
    while parts:
        part = parts.pop()
        if isinstance(part, Binary) and part.op is Operator.AND:
            parts += [part.left, part.right]
            continue
        if isinstance(part, Unary) and part.op is Operator.NOT:
            inner = part.operand
            if isinstance(inner, Binary) and inner.op is Operator.OR:  # !(a || b): !a && !b (`none:`)
                parts += [_negated(inner.left), _negated(inner.right)]
                continue
        named = _guard(part, attributes)
        if named is not None:
            name, new = named
            found[name] = found[name].both(new) if name in found else new
    counted = {
        name: Guard(guard.allowed, guard.excluded, sum(not guard.admits(value) for value in _values(attributes[name])))
        for name, guard in found.items()
    }
    return {name: guard for name, guard in counted.items() if guard.ruled_out}


def _negated(node: Node) -> Node:
    return Unary(Operator.NOT, node, line=node.line, column=node.column)


def _guard(node: Node, attributes: Mapping[str, ValueSpec]) -> tuple[str, Guard] | None:
    """One conjunct as a guard: `customer.f == c`, `!= c`, `in [...]` on an enum attribute,
    `customer.f` or `!customer.f` on a bool one, each possibly negated."""
    negated = False
    while isinstance(node, Unary) and node.op is Operator.NOT:
        negated, node = not negated, node.operand
    name = _attribute(node, attributes, ValueType.BOOL)
    if name is not None:
        return name, Guard(frozenset({not negated}), frozenset())
    if not isinstance(node, Binary):
        return None
    if node.op is Operator.IN:
        name = _attribute(node.left, attributes, ValueType.ENUM)
        values = _strings(node.right)
        if name is None or values is None:
            return None
        return name, (Guard(None, values) if negated else Guard(values, frozenset()))
    if node.op not in (Operator.EQ, Operator.NE):
        return None
    name, value = _attribute(node.left, attributes, ValueType.ENUM), node.right
    if name is None:
        name, value = _attribute(node.right, attributes, ValueType.ENUM), node.left
    if name is None or not isinstance(value, Literal) or not isinstance(value.value, str):
        return None
    equal = (node.op is Operator.EQ) != negated
    single = frozenset({value.value})
    return name, (Guard(single, frozenset()) if equal else Guard(None, single))


def _attribute(node: Node, attributes: Mapping[str, ValueSpec], kind: ValueType) -> str | None:
    """`customer.f` when f is an attribute of type `kind`."""
    if not (isinstance(node, Select) and isinstance(node.operand, Ident) and node.operand.name == "customer"):
        return None
    spec = attributes.get(node.field)
    return node.field if spec is not None and spec.type is kind else None


def _strings(node: Node) -> frozenset[str] | None:
    if not isinstance(node, ListLiteral):
        return None
    values = [item.value for item in node.items if isinstance(item, Literal) and isinstance(item.value, str)]
    return frozenset(values) if len(values) == len(node.items) else None


@dataclass(frozen=True, slots=True)
class StepIndex:
    """A node of a cell's index: for one attribute, what a customer with each value could fire
    (a leaf, or the next node to ask), and `others` for a value the node has no key for."""

    attribute: str
    by_value: dict[Any, Any]
    others: Any

    def lookup(self, customer: Mapping[str, Any]) -> Any:
        """The leaf for this customer: `leaf(entries)` of the entries it could fire."""
        node = self
        while True:
            try:
                found = node.by_value.get(customer.get(node.attribute, _ABSENT), node.others)
            except TypeError:  # an unhashable value (a hand-made request): nothing can be ruled out
                found = node.by_value[_ABSENT]
            if type(found) is not StepIndex:
                return found
            node = found


_WORTH_IT = 1.0
"""Split on an attribute only when that skips at least this many rules per decision on average."""
_DEEPEST = 2
"""At most this many attributes are looked up per decision."""


def index_steps(
    entries: Sequence[Entry],
    guards: Sequence[Guards],
    attributes: Mapping[str, ValueSpec],
    leaf: Callable[[Sequence[Entry]], Any],
) -> StepIndex | None:
    """An index of a cell's `entries` (each with its condition's `guards`) whose leaves are
    `leaf(kept entries)`; None when no attribute rules out enough to pay for a lookup.

    Each node splits on the attribute leaving the fewest entries on average over its values
    (each value of an enum counted once, as are true and false), then splits each part again
    on another attribute, while that pays and at most `_DEEPEST` deep."""
    splitter = _Splitter(list(guards), attributes, lambda kept: leaf([entries[position] for position in kept]))
    node = splitter.split(tuple(range(len(entries))), frozenset())
    return node if isinstance(node, StepIndex) else None


class _Splitter:
    """Builds an index; parts with the same entries share their leaf (and, at the same depth
    with the same attributes used, their node): the index stays small."""

    def __init__(
        self, guards: list[Guards], attributes: Mapping[str, ValueSpec], leaf: Callable[[tuple[int, ...]], Any]
    ) -> None:
        self.guards = guards
        self.attributes = attributes
        self.make_leaf = leaf
        self.leaves: dict[tuple[int, ...], Any] = {}
        self.nodes: dict[tuple[tuple[int, ...], frozenset[str]], Any] = {}
        self.refused: dict[tuple[str, Any], frozenset[int]] = {}
        self.guarded: dict[str, list[tuple[int, Guard]]] = {}  # by attribute: the entries guarding it
        for position, found in enumerate(guards):
            for name, guard in found.items():
                self.guarded.setdefault(name, []).append((position, guard))

    def refusing(self, name: str, value: Any) -> frozenset[int]:
        """The positions of the entries a customer with `value` for `name` can't fire (few: only
        the entries with a guard on `name` are asked)."""
        found = self.refused.get((name, value))
        if found is None:
            found = frozenset(p for p, guard in self.guarded.get(name, ()) if not guard.admits(value))
            self.refused[(name, value)] = found
        return found

    def leaf(self, kept: tuple[int, ...]) -> Any:
        found = self.leaves.get(kept)
        if found is None:
            found = self.leaves[kept] = self.make_leaf(kept)
        return found

    def split(self, kept: tuple[int, ...], used: frozenset[str]) -> Any:
        """The node (or leaf) for the entries at positions `kept`, `used` attributes asked above."""
        key = (kept, used)
        if key in self.nodes:
            return self.nodes[key]
        found = [self.guards[position] for position in kept]
        best = _best_attribute(found, self.attributes, used) if len(used) < _DEEPEST else None
        if best is None:
            node = self.leaf(kept)
        else:
            name, values = best
            deeper = used | {name}
            by_value: dict[Any, Any] = {_ABSENT: self.leaf(kept)}
            for value in values:
                refused = self.refusing(name, value)
                by_value[value] = self.split(tuple(position for position in kept if position not in refused), deeper)
            if self.attributes[name].type is ValueType.BOOL:
                others = by_value[_ABSENT]  # not a bool: truthiness decides, so rule nothing out
            else:  # a string outside the enum (or no string) fails every `==` and `in`, passes every `!=`
                unlisted = tuple(position for position in kept if self.guards[position].get(name, _ANY).allowed is None)
                others = self.split(unlisted, deeper)
            node = StepIndex(name, by_value, others)
        self.nodes[key] = node
        return node


def _best_attribute(
    guards: list[Guards], attributes: Mapping[str, ValueSpec], used: frozenset[str]
) -> tuple[str, tuple[Any, ...]] | None:
    """The attribute (and its values) whose split leaves the fewest entries on average, if that
    rules out at least `_WORTH_IT` of them."""
    ruled_out: dict[str, int] = {}  # by attribute: over its values, how many (entry, value) pairs
    for found in guards:
        for name, guard in found.items():
            if name not in used:
                ruled_out[name] = ruled_out.get(name, 0) + guard.ruled_out
    best: tuple[float, str] | None = None
    for name in sorted(ruled_out):
        average = ruled_out[name] / len(_values(attributes[name]))
        if best is None or average > best[0]:
            best = (average, name)
    if best is None or best[0] < _WORTH_IT:
        return None
    return best[1], _values(attributes[best[1]])


def _values(spec: ValueSpec) -> tuple[Any, ...]:
    return (True, False) if spec.type is ValueType.BOOL else tuple(spec.values)


_ANY = Guard(None, frozenset())
