"""Compile a checked condition into plain Python closures.

Each node becomes a small function `(variables, locals) -> value`, built once when the stack is
loaded; deciding then costs a few closure calls per rule, with no parsing, no type dispatch
and no interpretation of text. No policy text ever reaches `eval` or `exec`: the closures are
fixed functions of this module, parameterised by the tree's constants and names.

Runtime values: numbers are int or float, strings are str, times and durations are int
microseconds, lists are tuples or lists, and objects (customer, params, events, agent,
action) are dicts. `variables` is a dict of the six condition variables; `locals` is a list
holding the current item of each enclosing comprehension, by nesting depth.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

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
    Quantifier,
    Select,
    Unary,
)
from studio.clock import (
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    MICROS_PER_MINUTE,
    from_micros,
    parse_duration,
    parse_instant,
    zone,
)

Variables = dict[str, Any]
Locals = list[Any]
Compiled = Callable[[Variables, Locals], Any]


class _Constant:
    """Marks a compiled node whose value is known at compile time (folded)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, variables: Variables, local: Locals) -> Any:
        return self.value


def compile_condition(node: Node) -> Compiled:
    """A closure computing `node` for given variables; `node` must have passed the checker."""
    return _Compiler().compile(node)


def comprehension_depth(node: Node) -> int:
    """How many comprehension variables can be bound at once (size of the locals list)."""
    deepest = 0
    for child in node.children():
        deepest = max(deepest, comprehension_depth(child))
    return deepest + 1 if isinstance(node, Comprehension) else deepest


class _Compiler:
    def __init__(self) -> None:
        self.scopes: list[str] = []

    def compile(self, node: Node) -> Compiled:
        match node:
            case Literal(value=value):
                return _Constant(value)
            case ListLiteral(items=items):
                return self._list(items)
            case Ident(name=name):
                return self._ident(name)
            case Select(operand=operand, field=field):
                return self._select(operand, field)
            case Unary(op=op, operand=operand):
                return self._unary(op, self.compile(operand))
            case Binary(op=op, left=left, right=right):
                return self._binary(op, self.compile(left), self.compile(right))
            case Conditional(condition=condition, then=then, otherwise=otherwise):
                return _conditional(self.compile(condition), self.compile(then), self.compile(otherwise))
            case Comprehension():
                return self._comprehension(node)
            case Call():
                return self._call(node)
        raise TypeError(f"can't compile {type(node).__name__}")  # unreachable after the checker

    # -- names -----------------------------------------------------------------------------

    def _ident(self, name: str) -> Compiled:
        if name in self.scopes:
            depth = len(self.scopes) - 1 - self.scopes[::-1].index(name)
            return lambda variables, local: local[depth]
        return lambda variables, local: variables[name]

    def _select(self, operand: Node, field: str) -> Compiled:
        if isinstance(operand, Ident) and operand.name not in self.scopes:
            name = operand.name
            return lambda variables, local: variables[name][field]
        if isinstance(operand, Ident):
            depth = len(self.scopes) - 1 - self.scopes[::-1].index(operand.name)
            return lambda variables, local: local[depth][field]
        inner = self.compile(operand)
        return lambda variables, local: inner(variables, local)[field]

    def _list(self, items: Sequence[Node]) -> Compiled:
        compiled = [self.compile(item) for item in items]
        if all(isinstance(item, _Constant) for item in compiled):
            return _Constant(tuple(item.value for item in compiled))  # type: ignore[attr-defined]
        return lambda variables, local: tuple(item(variables, local) for item in compiled)

    # -- operators -------------------------------------------------------------------------

    def _unary(self, op: Operator, operand: Compiled) -> Compiled:
        if isinstance(operand, _Constant):
            return _Constant(not operand.value if op is Operator.NOT else -operand.value)
        if op is Operator.NOT:
            return lambda variables, local: not operand(variables, local)
        return lambda variables, local: -operand(variables, local)

    def _binary(self, op: Operator, left: Compiled, right: Compiled) -> Compiled:
        if op is Operator.AND:
            return lambda variables, local: left(variables, local) and right(variables, local)
        if op is Operator.OR:
            return lambda variables, local: left(variables, local) or right(variables, local)
        if op is Operator.IN:
            return _membership(left, right)
        function = _OPERATORS[op]
        if isinstance(left, _Constant) and isinstance(right, _Constant):
            return _Constant(function(left.value, right.value))
        if isinstance(right, _Constant):
            return _with_constant_right(op, left, right.value)
        return lambda variables, local: function(left(variables, local), right(variables, local))

    # -- macros and calls ------------------------------------------------------------------

    def _comprehension(self, node: Comprehension) -> Compiled:
        target = self.compile(node.target)
        depth = len(self.scopes)
        self.scopes.append(node.variable)
        try:
            body = self.compile(node.body)
        finally:
            self.scopes.pop()
        return _QUANTIFIERS[node.quantifier](target, body, depth)

    def _call(self, node: Call) -> Compiled:
        args = [self.compile(arg) for arg in node.args]
        target = self.compile(node.target) if node.target is not None else None
        name = node.function
        if name == "size":
            subject = target if target is not None else args[0]
            return lambda variables, local: len(subject(variables, local))
        if name in ("duration", "timestamp"):
            text = node.args[0].value  # type: ignore[attr-defined]  # the checker requires a literal
            value = parse_duration(text, allow_days=False) if name == "duration" else parse_instant(text, now=0)
            return _Constant(value)
        if name in _LENGTHS:
            return _length(_LENGTHS[name], args[0])
        if name in _CLOCK_PARTS:
            assert target is not None
            return _clock_part(_CLOCK_PARTS[name], target, args[0] if args else None)
        assert target is not None
        method = _STRING_TESTS[name]
        argument = args[0]
        return lambda variables, local: method(target(variables, local), argument(variables, local))


def _divide(left: float, right: float) -> float:
    # CEL numbers are doubles: dividing by zero gives an infinity or NaN, never an error.
    if right == 0:
        if left == 0 or math.isnan(left):
            return math.nan
        return math.copysign(math.inf, left) * math.copysign(1.0, right)
    return left / right


_OPERATORS: dict[Operator, Callable[[Any, Any], Any]] = {
    Operator.EQ: lambda a, b: a == b,
    Operator.NE: lambda a, b: a != b,
    Operator.LT: lambda a, b: a < b,
    Operator.LE: lambda a, b: a <= b,
    Operator.GT: lambda a, b: a > b,
    Operator.GE: lambda a, b: a >= b,
    Operator.ADD: lambda a, b: a + b,
    Operator.SUB: lambda a, b: a - b,
    Operator.MUL: lambda a, b: a * b,
    Operator.DIV: _divide,
}


def _with_constant_right(op: Operator, left: Compiled, value: Any) -> Compiled:
    """The common `x <= 15` shape, without a second call for the constant."""
    if op is Operator.EQ:
        return lambda variables, local: left(variables, local) == value
    if op is Operator.NE:
        return lambda variables, local: left(variables, local) != value
    if op is Operator.LT:
        return lambda variables, local: left(variables, local) < value
    if op is Operator.LE:
        return lambda variables, local: left(variables, local) <= value
    if op is Operator.GT:
        return lambda variables, local: left(variables, local) > value
    if op is Operator.GE:
        return lambda variables, local: left(variables, local) >= value
    function = _OPERATORS[op]
    return lambda variables, local: function(left(variables, local), value)


def _membership(left: Compiled, right: Compiled) -> Compiled:
    if isinstance(right, _Constant):
        members = frozenset(right.value)
        return lambda variables, local: left(variables, local) in members
    return lambda variables, local: left(variables, local) in right(variables, local)


def _conditional(condition: Compiled, then: Compiled, otherwise: Compiled) -> Compiled:
    return lambda variables, local: (
        then(variables, local) if condition(variables, local) else otherwise(variables, local)
    )


def _exists(target: Compiled, body: Compiled, depth: int) -> Compiled:
    def exists(variables: Variables, local: Locals) -> bool:
        for item in target(variables, local):
            local[depth] = item
            if body(variables, local):
                return True
        return False

    return exists


def _all(target: Compiled, body: Compiled, depth: int) -> Compiled:
    def every(variables: Variables, local: Locals) -> bool:
        for item in target(variables, local):
            local[depth] = item
            if not body(variables, local):
                return False
        return True

    return every


def _exists_one(target: Compiled, body: Compiled, depth: int) -> Compiled:
    def exactly_one(variables: Variables, local: Locals) -> bool:
        found = 0
        for item in target(variables, local):
            local[depth] = item
            if body(variables, local):
                found += 1
                if found > 1:
                    return False
        return found == 1

    return exactly_one


def _filter(target: Compiled, body: Compiled, depth: int) -> Compiled:
    def kept(variables: Variables, local: Locals) -> list[Any]:
        result = []
        for item in target(variables, local):
            local[depth] = item
            if body(variables, local):
                result.append(item)
        return result

    return kept


_QUANTIFIERS: dict[Quantifier, Callable[[Compiled, Compiled, int], Compiled]] = {
    Quantifier.EXISTS: _exists,
    Quantifier.ALL: _all,
    Quantifier.EXISTS_ONE: _exists_one,
    Quantifier.FILTER: _filter,
}

_LENGTHS = {"days": MICROS_PER_DAY, "hours": MICROS_PER_HOUR, "minutes": MICROS_PER_MINUTE}


def _length(unit: int, amount: Compiled) -> Compiled:
    if isinstance(amount, _Constant):
        return _Constant(round(amount.value * unit))
    return lambda variables, local: round(amount(variables, local) * unit)


def _hour(moment: Any) -> int:
    return int(moment.hour)


def _minute(moment: Any) -> int:
    return int(moment.minute)


def _day_of_week(moment: Any) -> int:
    # CEL counts days of the week from Sunday = 0; Python's weekday() from Monday = 0.
    return (int(moment.weekday()) + 1) % 7


_CLOCK_PARTS: dict[str, Callable[[Any], int]] = {
    "getHours": _hour,
    "getMinutes": _minute,
    "getDayOfWeek": _day_of_week,
}


def _clock_part(part: Callable[[Any], int], target: Compiled, tz: Compiled | None) -> Compiled:
    if tz is None:
        return lambda variables, local: part(from_micros(target(variables, local)))
    return lambda variables, local: part(from_micros(target(variables, local)).astimezone(zone(tz(variables, local))))


_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "startsWith": str.startswith,
    "endsWith": str.endswith,
    "contains": lambda text, part: part in text,
}
