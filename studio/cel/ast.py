"""The CEL syntax tree every part of the studio works from.

Parsed once from policy text (see `parse.py`), then type-checked (`check.py`), compiled to
Python closures for the engine (`compile.py`), printed back as CEL (`printer.py`), and
translated by analysis, export and backtest. Nodes are immutable; each knows the line and
column (1-based, within the expression) where it starts, so every message can point there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every syntax node."""

    line: int = field(default=1, kw_only=True, compare=False)
    column: int = field(default=1, kw_only=True, compare=False)

    def children(self) -> tuple[Node, ...]:
        """The direct sub-expressions, left to right."""
        return ()

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """`15`, `2.5`, `'premium'`, `true`. Integers and doubles are both numbers in a stack."""

    value: bool | int | float | str


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    """`['legal', 'procurement']`."""

    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class Ident(Node):
    """A variable: `customer`, `params`, `now`, or a comprehension's own variable `e`."""

    name: str


@dataclass(frozen=True, slots=True)
class Select(Node):
    """`operand.field`, e.g. `customer.arr_usd` or `e.payload.discount_pct`."""

    operand: Node
    field: str

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function call, `size(x)`, `days(7)`, or a method call, `now.getHours(customer.tz)`."""

    function: str
    args: tuple[Node, ...]
    target: Node | None = None

    def children(self) -> tuple[Node, ...]:
        return self.args if self.target is None else (self.target, *self.args)


class Quantifier(StrEnum):
    """CEL's comprehension macros over a list."""

    EXISTS = "exists"
    ALL = "all"
    EXISTS_ONE = "exists_one"
    FILTER = "filter"


@dataclass(frozen=True, slots=True)
class Comprehension(Node):
    """`history.exists(e, e.team == 'sales')` and the other macros: `all`, `exists_one`, `filter`."""

    quantifier: Quantifier
    target: Node
    variable: str
    body: Node

    def children(self) -> tuple[Node, ...]:
        return (self.target, self.body)


class Operator(StrEnum):
    """Binary and unary operators, spelled as in CEL."""

    OR = "||"
    AND = "&&"
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    NOT = "!"
    NEG = "-x"


COMPARISONS = frozenset({Operator.EQ, Operator.NE, Operator.LT, Operator.LE, Operator.GT, Operator.GE})
ORDERINGS = frozenset({Operator.LT, Operator.LE, Operator.GT, Operator.GE})
MIRRORED = {
    Operator.LT: Operator.GT,
    Operator.LE: Operator.GE,
    Operator.GT: Operator.LT,
    Operator.GE: Operator.LE,
    Operator.EQ: Operator.EQ,
    Operator.NE: Operator.NE,
}
"""The comparison read from the other side: `a < b` is `b > a`."""


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """`!x` or `-x`."""

    op: Operator
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """`left op right`."""

    op: Operator
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    """`condition ? then : otherwise`."""

    condition: Node
    then: Node
    otherwise: Node

    def children(self) -> tuple[Node, ...]:
        return (self.condition, self.then, self.otherwise)


def conjunction(nodes: list[Node]) -> Node:
    """`a && b && c` (true when the list is empty)."""
    if not nodes:
        return Literal(True)
    result = nodes[0]
    for node in nodes[1:]:
        result = Binary(Operator.AND, result, node, line=node.line, column=node.column)
    return result


def disjunction(nodes: list[Node]) -> Node:
    """`a || b || c` (false when the list is empty)."""
    if not nodes:
        return Literal(False)
    result = nodes[0]
    for node in nodes[1:]:
        result = Binary(Operator.OR, result, node, line=node.line, column=node.column)
    return result


def negation(node: Node) -> Node:
    """`!(node)`."""
    return Unary(Operator.NOT, node, line=node.line, column=node.column)
