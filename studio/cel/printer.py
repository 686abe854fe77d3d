"""Print a syntax tree back as CEL text.

`to_cel` gives canonical text (for exports, explanations and diffs). `to_reference_cel`
gives the text cel-python's reference evaluator needs to agree with the studio's number
semantics: a stack has one number type, while CEL separates int and double, so every number
is written as a double and every count is wrapped in `double(...)`; the studio's `days(n)`
style helpers are spelled as standard `duration('…s')`.
"""

from __future__ import annotations

from studio.cel.ast import (
    Binary,
    Call,
    Comprehension,
    Conditional,
    Ident,
    ListLiteral,
    Literal,
    Node,
    Operator,
    Select,
    Unary,
)
from studio.clock import MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, cel_duration_literal

_PRECEDENCE = {
    Operator.OR: 2,
    Operator.AND: 3,
    Operator.EQ: 4,
    Operator.NE: 4,
    Operator.LT: 4,
    Operator.LE: 4,
    Operator.GT: 4,
    Operator.GE: 4,
    Operator.IN: 4,
    Operator.ADD: 5,
    Operator.SUB: 5,
    Operator.MUL: 6,
    Operator.DIV: 6,
}
_UNARY = 7
_ATOM = 8
_COUNTING_CALLS = frozenset({"size", "getHours", "getMinutes", "getDayOfWeek"})
_LENGTHS = {"days": MICROS_PER_DAY, "hours": MICROS_PER_HOUR, "minutes": MICROS_PER_MINUTE}


def to_cel(node: Node) -> str:
    """Canonical CEL text for `node`."""
    return _Printer(reference=False).text(node)


def to_reference_cel(node: Node) -> str:
    """CEL text that cel-python evaluates with the studio's semantics (see the module doc)."""
    return _Printer(reference=True).text(node)


class _Printer:
    def __init__(self, *, reference: bool) -> None:
        self.reference = reference

    def text(self, node: Node, parent: int = 0) -> str:
        rendered, precedence = self._render(node)
        return f"({rendered})" if precedence < parent else rendered

    def _render(self, node: Node) -> tuple[str, int]:
        match node:
            case Literal(value=value):
                return self._literal(value), _ATOM
            case ListLiteral(items=items):
                return "[" + ", ".join(self.text(item) for item in items) + "]", _ATOM
            case Ident(name=name):
                return name, _ATOM
            case Select(operand=operand, field=field):
                return f"{self.text(operand, _ATOM)}.{field}", _ATOM
            case Unary(op=op, operand=operand):
                symbol = "!" if op is Operator.NOT else "-"
                return f"{symbol}{self.text(operand, _UNARY)}", _UNARY
            case Binary(op=op, left=left, right=right):
                precedence = _PRECEDENCE[op]
                # Left-associative: the right side needs parentheses at equal precedence.
                return (
                    f"{self.text(left, precedence)} {op.value} {self.text(right, precedence + 1)}",
                    precedence,
                )
            case Conditional(condition=condition, then=then, otherwise=otherwise):
                return (
                    f"{self.text(condition, 2)} ? {self.text(then, 2)} : {self.text(otherwise, 1)}",
                    1,
                )
            case Comprehension(quantifier=quantifier, target=target, variable=variable, body=body):
                return (
                    f"{self.text(target, _ATOM)}.{quantifier.value}({variable}, {self.text(body)})",
                    _ATOM,
                )
            case Call():
                return self._call(node), _ATOM
        raise TypeError(f"can't print {type(node).__name__}")

    def _literal(self, value: bool | int | float | str) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            if self.reference or isinstance(value, float):
                return repr(float(value))
            return str(value)
        return _quote(value)

    def _call(self, node: Call) -> str:
        args = ", ".join(self.text(arg) for arg in node.args)
        if self.reference and node.function in _LENGTHS:
            scale = _LENGTHS[node.function]
            argument = node.args[0]
            if isinstance(argument, Literal) and isinstance(argument.value, int | float):
                return f"duration('{cel_duration_literal(round(argument.value * scale))}')"
            return f"duration(string({self.text(argument)} * {float(scale) / 1_000_000!r}) + 's')"
        if node.target is None:
            text = f"{node.function}({args})"
        else:
            text = f"{self.text(node.target, _ATOM)}.{node.function}({args})"
        if self.reference and node.function in _COUNTING_CALLS:
            return f"double({text})"
        return text


def _quote(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f"'{escaped}'"
