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
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from operator import add, contains, eq, ge, gt, le, lt, mul, ne, not_, sub, truth
from typing import Any

from studio.cel.ast import (
    COMPARISONS,
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


def compile_condition(node: Node, constants: Mapping[str, Mapping[str, Any]] | None = None) -> Compiled:
    """A closure computing `node` for given variables; `node` must have passed the checker.

    `constants` gives fields known when compiling (the engine passes a cell's `agent` and
    `action`): `action.purpose` then compiles to its value and the condition is folded, so
    `action.purpose != 'service' && x` becomes `x`, or false, for that cell. Folding only drops
    work whose result is already known: the value for any valid request is the same.
    """
    return _Compiler(constants).compile(node)


def is_constant(compiled: Compiled) -> bool:
    """True when `compiled` was folded to a value known at compile time."""
    return isinstance(compiled, _Constant)


def constant_value(compiled: Compiled) -> Any:
    """The value of a folded closure (see `is_constant`)."""
    assert isinstance(compiled, _Constant)
    return compiled.value


def comprehension_depth(node: Node) -> int:
    """How many comprehension variables can be bound at once (size of the locals list)."""
    deepest = 0
    for child in node.children():
        deepest = max(deepest, comprehension_depth(child))
    return deepest + 1 if isinstance(node, Comprehension) else deepest


class _Compiler:
    def __init__(self, constants: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.scopes: list[str] = []
        self.constants = constants or {}

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
            case Binary(op=Operator.AND | Operator.OR):
                return self._logical(node)
            case Binary(op=op, left=left, right=right):
                shaped = self._shaped(node)
                if shaped is not None:
                    return shaped
                return self._binary(op, self.compile(left), self.compile(right))
            case Conditional(condition=condition, then=then, otherwise=otherwise):
                test = self.compile(condition)
                if isinstance(test, _Constant):
                    return self.compile(then) if test.value else self.compile(otherwise)
                return _conditional(test, self.compile(then), self.compile(otherwise))
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
            known = self.constants.get(name)
            if known is not None and field in known:
                return _Constant(known[field])
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
        tests = self._item_tests(node)
        if tests is not None:
            return _over_items(node.quantifier, target, self._variable(node.target), *tests)
        depth = len(self.scopes)
        self.scopes.append(node.variable)
        try:
            body = self.compile(node.body)
        finally:
            self.scopes.pop()
        return _QUANTIFIERS[node.quantifier](target, body, depth)

    def _call(self, node: Call) -> Compiled:
        counted = node.target if node.target is not None else (node.args[0] if node.args else None)
        if node.function == "size" and isinstance(counted, Comprehension) and counted.quantifier is Quantifier.FILTER:
            return self._count(counted, None)  # size(filter(...)) counts, without building the list
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

    # -- shapes compiled to a single closure ---------------------------------------------------
    # The generic closures above cost one call per node. The shapes below are most of what
    # stack conditions are made of (`customer.tier == 'gold'`, `e.team in [...]`, `now - e.at
    # <= days(7)`, `a && b && c`, `history.filter(...).size() >= 2`); each becomes one closure
    # doing the same operations in the same order.

    def _shaped(self, node: Binary) -> Compiled | None:
        op, left, right = node.op, node.left, node.right
        if op is Operator.IN:
            if not isinstance(right, ListLiteral):
                item = self.compile(left)
                access = self._access(right)
                if isinstance(item, _Constant) and access is not None and access[0] == "var" and not access[3]:
                    return _contains_test(item.value, access[1], access[2])  # 'legal' in customer.holds
                return None
            members = self.compile(right)
            if not isinstance(members, _Constant):
                return None
            access = self._access(left)
            if access is None:
                return None
            return _member_test(access, frozenset(members.value))
        if op not in COMPARISONS:
            return None
        if isinstance(left, Call) and left.function == "size":
            subject = left.target if left.target is not None else (left.args[0] if left.args else None)
            if isinstance(subject, Comprehension) and subject.quantifier is Quantifier.FILTER:
                bound = self.compile(right)
                if isinstance(bound, _Constant) and op in (Operator.GE, Operator.GT):
                    least = bound.value
                    if type(least) in (int, float) and least % 1 == 0:  # a count >= n (> n: >= n + 1)
                        return self._count(subject, int(least) + (1 if op is Operator.GT else 0))
                return None
        value = self.compile(right)
        if not isinstance(value, _Constant):
            return None
        if isinstance(left, Binary) and left.op is Operator.SUB:
            window = self._window(left)
            if window is not None:
                return _window_test(op, *window, value.value)
            difference = self._difference(left)
            if difference is not None:
                return _difference_test(_OPERATORS[op], *difference, value.value)
        if isinstance(left, Call) and left.function == "size" and left.target is None and len(left.args) == 1:
            access = self._access(left.args[0])
            if access is not None and access[0] == "var" and not access[3]:
                return _size_test(_OPERATORS[op], access[1], access[2], value.value)  # size(customer.holds) > 0
            return None
        access = self._access(left)
        if access is None:
            return None
        return _field_test(op, access, value.value)

    def _access(self, node: Node) -> tuple[str, Any, str, str] | None:
        """("var"|"local", name or depth, field, subfield) for `x.f` / `x.f.g`, when not constant."""
        if not isinstance(node, Select):
            return None
        operand, field = node.operand, node.field
        if isinstance(operand, Select) and isinstance(operand.operand, Ident):
            root = operand.operand.name
            if root in self.scopes:
                return ("local", self._depth(root), operand.field, field)
            if root in self.constants:
                return None
            return ("var", root, operand.field, field)
        if not isinstance(operand, Ident):
            return None
        if operand.name in self.scopes:
            return ("local", self._depth(operand.name), field, "")
        known = self.constants.get(operand.name)
        if known is not None and field in known:
            return None
        return ("var", operand.name, field, "")

    def _difference(self, node: Binary) -> tuple[str, str, str, bool] | None:
        """`x.f - y` or `y - x.f` (variables, e.g. `customer.renewal_date - now`): (x, f, y, field first)."""
        for field_side, other, first in ((node.left, node.right, True), (node.right, node.left, False)):
            access = self._access(field_side)
            if access is None or access[0] != "var" or access[3]:
                continue
            if isinstance(other, Ident) and self._variable(other):
                return (access[1], access[2], other.name, first)
        return None

    def _depth(self, name: str) -> int:
        return len(self.scopes) - 1 - self.scopes[::-1].index(name)

    def _window(self, node: Binary) -> tuple[str, str, int, str] | None:
        """`now - e.at` (a variable minus a comprehension item's field): (variable, "", depth, field)."""
        left, right = node.left, node.right
        if not (isinstance(left, Ident) and left.name not in self.scopes and left.name not in self.constants):
            return None
        access = self._access(right)
        if access is None or access[0] != "local" or access[3]:
            return None
        return (left.name, "", access[1], access[2])

    def _count(self, node: Comprehension, least: int | None) -> Compiled:
        """`size(xs.filter(v, body))`, or with `least`, `... >= least` stopping once it is reached."""
        target = self.compile(node.target)
        tests = self._item_tests(node)
        if tests is not None:
            return _count_items(target, self._variable(node.target), least, *tests)
        depth = len(self.scopes)
        self.scopes.append(node.variable)
        try:
            body = self.compile(node.body)
        finally:
            self.scopes.pop()
        if least is None:

            def count(variables: Variables, local: Locals) -> int:
                found = 0
                for item in target(variables, local):
                    local[depth] = item
                    if body(variables, local):
                        found += 1
                return found

            return count

        def at_least(variables: Variables, local: Locals) -> bool:
            found = 0
            for item in target(variables, local):
                local[depth] = item
                if body(variables, local):
                    found += 1
                    if found >= least:
                        return True
            return found >= least

        return at_least

    def _variable(self, node: Node) -> str:
        """The name of a condition variable (`history`) that `node` simply is, else ""."""
        if isinstance(node, Ident) and node.name not in self.scopes and node.name not in self.constants:
            return node.name
        return ""

    def _item_tests(
        self, node: Comprehension
    ) -> tuple[tuple[ItemTest, ...], str | None, tuple[FlatTest, ...] | None] | None:
        """A comprehension's body as tests on the item alone (and `now`), when it is a conjunction
        of `e.f op constant`, `e.f.g op constant`, `e.f in [constants]` and `now - e.f op constant`.

        Such a body needs no locals slot: each test takes the item and the value of `now`.
        Returns (tests, the name of the variable in `now - e.f`, if any, the same tests as
        `FlatTest`s when none reads a sub-field), or None.
        """
        parts: list[Node] = []

        def flatten(part: Node) -> None:
            if isinstance(part, Binary) and part.op is Operator.AND:
                flatten(part.left)
                flatten(part.right)
            else:
                parts.append(part)

        flatten(node.body)
        tests: list[ItemTest] = []
        flat: list[FlatTest] | None = []
        outer: str | None = None
        for part in parts:
            if not isinstance(part, Binary) or not (part.op in COMPARISONS or part.op is Operator.IN):
                return None
            value = self.compile(part.right)  # the item isn't in scope here: a use of it isn't constant
            if not isinstance(value, _Constant) or _mentions(part.right, node.variable):
                return None
            item = _item_field(part.left, node.variable)
            if item is not None:
                tests.append(_item_test(part.op, item, value.value))
                if flat is not None and not item[1]:
                    flat.append(_flat_test(part.op, item[0], value.value, False))
                else:
                    flat = None
                continue
            left = part.left
            if part.op is Operator.IN or not (isinstance(left, Binary) and left.op is Operator.SUB):
                return None
            name = left.left.name if isinstance(left.left, Ident) else None
            field = _item_field(left.right, node.variable)
            if name is None or name in self.scopes or name in self.constants or name == node.variable:
                return None
            if field is None or field[1] or outer not in (None, name):
                return None
            outer = name
            tests.append(_age_test(part.op, field[0], value.value))
            if flat is not None:
                flat.append(_flat_test(part.op, field[0], value.value, True))
        return tuple(tests), outer, tuple(flat) if flat is not None else None

    def _logical(self, node: Binary) -> Compiled:
        """`a && b && c` (or `||`) as one closure, folding operands known at compile time."""
        op = node.op
        operands: list[Node] = []

        def flatten(part: Node) -> None:
            if isinstance(part, Binary) and part.op is op:
                flatten(part.left)
                flatten(part.right)
            else:
                operands.append(part)

        flatten(node)
        decisive = op is Operator.OR  # the value that ends the chain: true for ||, false for &&
        parts: list[Compiled] = []
        simple: list[SimpleTest | None] = []  # for each part, its simple test if it is a lone one
        run: list[SimpleTest] = []  # consecutive simple tests, fused
        for operand in operands:
            compiled = self.compile(operand)
            if isinstance(compiled, _Constant):
                if bool(compiled.value) is decisive:
                    if not parts and not run:
                        return _Constant(compiled.value)
                    return _Constant(decisive)  # the operands before it can't change the outcome
                continue  # true in a conjunction, false in a disjunction: no effect
            test = self._simple_test(operand)
            if test is not None:
                run.append(test)
                parts.append(compiled)
                simple.append(test)
                continue
            if len(run) > 1:
                parts[-len(run) :] = [_fused(run, decisive)]
                simple[-len(run) :] = [None]
            run = []
            parts.append(compiled)
            simple.append(None)
        if len(run) > 1:
            parts[-len(run) :] = [_fused(run, decisive)]
            simple[-len(run) :] = [None]
        if not parts:
            return _Constant(not decisive)
        if len(parts) == 2 and simple[0] is not None:
            return _led(simple[0], parts[1], decisive)  # `customer.x in [...] && <anything>`
        return _chain(parts, decisive)

    def _simple_test(self, node: Node) -> SimpleTest | None:
        """`x.f op constant`, `x.f in [constants]`, `x.f` or `!x.f` on a variable, as (x, f, test):
        `test(variables[x][f])` has the value's truth. Comparisons are asked the other way round
        (`15 >= params.pct` for `params.pct <= 15`), which Python answers the same for the
        numbers and strings conditions compare."""
        if isinstance(node, Unary) and node.op is Operator.NOT:
            access = self._access(node.operand)
            return (access[1], access[2], not_) if access and access[0] == "var" and not access[3] else None
        if isinstance(node, Select):
            access = self._access(node)
            return (access[1], access[2], truth) if access and access[0] == "var" and not access[3] else None
        if not isinstance(node, Binary) or not (node.op in COMPARISONS or node.op is Operator.IN):
            return None
        access = self._access(node.left)
        if access is None or access[0] != "var" or access[3]:
            return None
        if node.op is Operator.IN and not isinstance(node.right, ListLiteral):
            return None
        value = self.compile(node.right)
        if not isinstance(value, _Constant):
            return None
        if node.op is Operator.IN:
            return (access[1], access[2], frozenset(value.value).__contains__)
        return (access[1], access[2], partial(_REFLECTED[node.op], value.value))


def _divide(left: float, right: float) -> float:
    # CEL numbers are doubles: dividing by zero gives an infinity or NaN, never an error.
    if right == 0:
        if left == 0 or math.isnan(left):
            return math.nan
        return math.copysign(math.inf, left) * math.copysign(1.0, right)
    return left / right


_OPERATORS: dict[Operator, Callable[[Any, Any], Any]] = {
    # The `operator` module's functions are `a == b`, `a + b`, ... in C: no Python frame per use.
    Operator.EQ: eq,
    Operator.NE: ne,
    Operator.LT: lt,
    Operator.LE: le,
    Operator.GT: gt,
    Operator.GE: ge,
    Operator.ADD: add,
    Operator.SUB: sub,
    Operator.MUL: mul,
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
        if isinstance(left, _Constant):
            return _Constant(left.value in members)
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


def _chain(parts: list[Compiled], decisive: bool) -> Compiled:
    """`p1 && p2 && ...` (decisive false) or `p1 || p2 || ...` (decisive true), left to right."""
    if len(parts) == 1:
        return parts[0]
    if not decisive:
        if len(parts) == 2:
            a, b = parts
            return lambda variables, local: a(variables, local) and b(variables, local)
        if len(parts) == 3:
            a, b, c = parts
            return lambda variables, local: a(variables, local) and b(variables, local) and c(variables, local)

        def every(variables: Variables, local: Locals) -> Any:
            result: Any = True
            for part in parts:
                result = part(variables, local)
                if not result:
                    return result
            return result

        return every
    if len(parts) == 2:
        a, b = parts
        return lambda variables, local: a(variables, local) or b(variables, local)
    if len(parts) == 3:
        a, b, c = parts
        return lambda variables, local: a(variables, local) or b(variables, local) or c(variables, local)

    def some(variables: Variables, local: Locals) -> Any:
        result: Any = False
        for part in parts:
            result = part(variables, local)
            if result:
                return result
        return result

    return some


Access = tuple[str, Any, str, str]


def _getter(access: Access) -> Compiled:
    kind, where, field, sub = access
    if kind == "var":
        if sub:
            return lambda variables, local: variables[where][field][sub]
        return lambda variables, local: variables[where][field]
    if sub:
        return lambda variables, local: local[where][field][sub]
    return lambda variables, local: local[where][field]


def _member_test(access: Access, members: frozenset[Any]) -> Compiled:
    """`x.f in [constants]`."""
    kind, where, field, sub = access
    if sub:
        get = _getter(access)
        return lambda variables, local: get(variables, local) in members
    if kind == "var":
        return lambda variables, local: variables[where][field] in members
    return lambda variables, local: local[where][field] in members


def _field_test(op: Operator, access: Access, value: Any) -> Compiled:
    """`x.f op constant`, `x` a variable or a comprehension's item."""
    kind, where, field, sub = access
    if sub:
        return _with_constant_right(op, _getter(access), value)
    if kind == "var":
        name = where
        if op is Operator.EQ:
            return lambda variables, local: variables[name][field] == value
        if op is Operator.NE:
            return lambda variables, local: variables[name][field] != value
        if op is Operator.LT:
            return lambda variables, local: variables[name][field] < value
        if op is Operator.LE:
            return lambda variables, local: variables[name][field] <= value
        if op is Operator.GT:
            return lambda variables, local: variables[name][field] > value
        return lambda variables, local: variables[name][field] >= value
    depth = where
    if op is Operator.EQ:
        return lambda variables, local: local[depth][field] == value
    if op is Operator.NE:
        return lambda variables, local: local[depth][field] != value
    if op is Operator.LT:
        return lambda variables, local: local[depth][field] < value
    if op is Operator.LE:
        return lambda variables, local: local[depth][field] <= value
    if op is Operator.GT:
        return lambda variables, local: local[depth][field] > value
    return lambda variables, local: local[depth][field] >= value


def _window_test(op: Operator, name: str, _: str, depth: int, field: str, value: Any) -> Compiled:
    """`now - e.at op constant`: how long ago a comprehension's item happened."""
    if op is Operator.LE:
        return lambda variables, local: variables[name] - local[depth][field] <= value
    if op is Operator.LT:
        return lambda variables, local: variables[name] - local[depth][field] < value
    if op is Operator.GE:
        return lambda variables, local: variables[name] - local[depth][field] >= value
    if op is Operator.GT:
        return lambda variables, local: variables[name] - local[depth][field] > value
    if op is Operator.EQ:
        return lambda variables, local: variables[name] - local[depth][field] == value
    return lambda variables, local: variables[name] - local[depth][field] != value


ItemTest = Callable[[Any, Any], Any]
"""A test on a comprehension's item: `test(item, now)`."""


def _mentions(node: Node, name: str) -> bool:
    return any(isinstance(part, Ident) and part.name == name for part in node.walk())


def _item_field(node: Node, variable: str) -> tuple[str, str] | None:
    """("f", "") for `e.f`, ("f", "g") for `e.f.g`, `e` being the comprehension's variable."""
    if not isinstance(node, Select):
        return None
    if isinstance(node.operand, Ident) and node.operand.name == variable:
        return (node.field, "")
    inner = node.operand
    if isinstance(inner, Select) and isinstance(inner.operand, Ident) and inner.operand.name == variable:
        return (inner.field, node.field)
    return None


def _item_test(op: Operator, item: tuple[str, str], value: Any) -> ItemTest:
    field, sub = item
    if op is Operator.IN:
        members = frozenset(value)
        if sub:
            return lambda item, now: item[field][sub] in members
        return lambda item, now: item[field] in members
    if sub:
        function = _OPERATORS[op]
        return lambda item, now: function(item[field][sub], value)
    if op is Operator.EQ:
        return lambda item, now: item[field] == value
    if op is Operator.NE:
        return lambda item, now: item[field] != value
    if op is Operator.LT:
        return lambda item, now: item[field] < value
    if op is Operator.LE:
        return lambda item, now: item[field] <= value
    if op is Operator.GT:
        return lambda item, now: item[field] > value
    return lambda item, now: item[field] >= value


def _age_test(op: Operator, field: str, value: Any) -> ItemTest:
    """`now - e.f op constant`."""
    if op is Operator.LE:
        return lambda item, now: now - item[field] <= value
    if op is Operator.LT:
        return lambda item, now: now - item[field] < value
    if op is Operator.GE:
        return lambda item, now: now - item[field] >= value
    if op is Operator.GT:
        return lambda item, now: now - item[field] > value
    if op is Operator.EQ:
        return lambda item, now: now - item[field] == value
    return lambda item, now: now - item[field] != value


def _all_of(tests: tuple[ItemTest, ...]) -> ItemTest:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda item, now: a(item, now) and b(item, now)

    def every(item: Any, now: Any) -> bool:
        for test in tests:  # noqa: SIM110 - a plain loop is faster than all() over a generator
            if not test(item, now):
                return False
        return True

    return every


def _over_items(
    quantifier: Quantifier,
    target: Compiled,
    source: str,
    tests: tuple[ItemTest, ...],
    outer: str | None,
    flat: tuple[FlatTest, ...] | None,
) -> Compiled:
    """exists / all / exists_one / filter whose body is `tests` on the item."""
    if quantifier is Quantifier.EXISTS and flat is not None and len(flat) <= 3:
        return _flat_items(target, source, flat, outer, None)
    if quantifier is Quantifier.EXISTS and len(tests) <= 3:
        return _exists_items(target, source, tests, outer)
    test = _all_of(tests)
    if quantifier is Quantifier.EXISTS:

        def exists(variables: Variables, local: Locals) -> bool:
            now = variables[outer] if outer else None
            for item in variables[source] if source else target(variables, local):  # noqa: SIM110 - faster than any() over a generator
                if test(item, now):
                    return True
            return False

        return exists
    if quantifier is Quantifier.ALL:

        def every(variables: Variables, local: Locals) -> bool:
            now = variables[outer] if outer else None
            for item in variables[source] if source else target(variables, local):  # noqa: SIM110 - faster than all() over a generator
                if not test(item, now):
                    return False
            return True

        return every
    if quantifier is Quantifier.EXISTS_ONE:

        def exactly_one(variables: Variables, local: Locals) -> bool:
            now = variables[outer] if outer else None
            found = 0
            for item in variables[source] if source else target(variables, local):
                if test(item, now):
                    found += 1
                    if found > 1:
                        return False
            return found == 1

        return exactly_one

    def kept(variables: Variables, local: Locals) -> list[Any]:
        now = variables[outer] if outer else None
        return [item for item in (variables[source] if source else target(variables, local)) if test(item, now)]

    return kept


def _exists_items(target: Compiled, source: str, tests: tuple[ItemTest, ...], outer: str | None) -> Compiled:
    if len(tests) == 1:
        (a,) = tests

        def exists1(variables: Variables, local: Locals) -> bool:
            now = variables[outer] if outer else None
            for item in variables[source] if source else target(variables, local):  # noqa: SIM110 - faster than any() over a generator
                if a(item, now):
                    return True
            return False

        return exists1
    if len(tests) == 2:
        a, b = tests

        def exists2(variables: Variables, local: Locals) -> bool:
            now = variables[outer] if outer else None
            for item in variables[source] if source else target(variables, local):
                if a(item, now) and b(item, now):
                    return True
            return False

        return exists2
    a, b, c = tests

    def exists3(variables: Variables, local: Locals) -> bool:
        now = variables[outer] if outer else None
        for item in variables[source] if source else target(variables, local):
            if a(item, now) and b(item, now) and c(item, now):
                return True
        return False

    return exists3


def _count_items(
    target: Compiled,
    source: str,
    least: int | None,
    tests: tuple[ItemTest, ...],
    outer: str | None,
    flat: tuple[FlatTest, ...] | None,
) -> Compiled:
    """`size(xs.filter(e, tests))`, or `... >= least` stopping once it is reached."""
    if least is not None and flat is not None and len(flat) <= 3:
        return _flat_items(target, source, flat, outer, least)
    if least is None:
        test = _all_of(tests)

        def count(variables: Variables, local: Locals) -> int:
            now = variables[outer] if outer else None
            found = 0
            for item in variables[source] if source else target(variables, local):
                if test(item, now):
                    found += 1
            return found

        return count
    if len(tests) == 3:
        a, b, c = tests

        def at_least3(variables: Variables, local: Locals) -> bool:
            now = variables[outer] if outer else None
            found = 0
            for item in variables[source] if source else target(variables, local):
                if a(item, now) and b(item, now) and c(item, now):
                    found += 1
                    if found >= least:
                        return True
            return found >= least

        return at_least3
    if len(tests) == 2:
        a, b = tests

        def at_least2(variables: Variables, local: Locals) -> bool:
            now = variables[outer] if outer else None
            found = 0
            for item in variables[source] if source else target(variables, local):
                if a(item, now) and b(item, now):
                    found += 1
                    if found >= least:
                        return True
            return found >= least

        return at_least2
    test = _all_of(tests)

    def at_least(variables: Variables, local: Locals) -> bool:
        now = variables[outer] if outer else None
        found = 0
        for item in variables[source] if source else target(variables, local):
            if test(item, now):
                found += 1
                if found >= least:
                    return True
        return found >= least

    return at_least


_REFLECTED: dict[Operator, Callable[[Any, Any], Any]] = {
    Operator.EQ: eq,
    Operator.NE: ne,
    Operator.LT: gt,
    Operator.LE: ge,
    Operator.GT: lt,
    Operator.GE: le,
}
"""`x op c` asked as `c reflected(op) x`, so a test can be `partial(reflected(op), c)`."""


SimpleTest = tuple[str, str, Callable[[Any], Any]]
"""(x, f, test) for a test on a variable's field: `test(variables[x][f])` (`_simple_test`)."""


def _led(first: SimpleTest, then: Compiled, decisive: bool) -> Compiled:
    """`first && then` (or `||`), the simple test done in this closure rather than its own."""
    name, field, test = first
    if decisive:
        return lambda variables, local: test(variables[name][field]) or then(variables, local)
    return lambda variables, local: test(variables[name][field]) and then(variables, local)


def _fused(tests: list[SimpleTest], decisive: bool) -> Compiled:
    """Consecutive simple tests of a conjunction (or disjunction) as one closure."""
    if len(tests) == 2:
        (n1, f1, t1), (n2, f2, t2) = tests
        if decisive:
            return lambda variables, local: t1(variables[n1][f1]) or t2(variables[n2][f2])
        return lambda variables, local: t1(variables[n1][f1]) and t2(variables[n2][f2])
    if len(tests) == 3:
        (n1, f1, t1), (n2, f2, t2), (n3, f3, t3) = tests
        if decisive:
            return lambda variables, local: t1(variables[n1][f1]) or t2(variables[n2][f2]) or t3(variables[n3][f3])
        return lambda variables, local: t1(variables[n1][f1]) and t2(variables[n2][f2]) and t3(variables[n3][f3])

    def fused(variables: Variables, local: Locals) -> Any:
        result: Any = not decisive
        for name, field, test in tests:
            result = test(variables[name][field])
            if bool(result) is decisive:
                return result
        return result

    return fused


def _contains_test(value: Any, name: str, field: str) -> Compiled:
    """`constant in x.f`."""
    return lambda variables, local: value in variables[name][field]


def _size_test(op: Callable[[Any, Any], Any], name: str, field: str, value: Any) -> Compiled:
    """`size(x.f) op constant`."""
    return lambda variables, local: op(len(variables[name][field]), value)


def _difference_test(
    op: Callable[[Any, Any], Any], name: str, field: str, other: str, field_first: bool, value: Any
) -> Compiled:
    """`x.f - y op constant` or `y - x.f op constant`."""
    if field_first:
        return lambda variables, local: op(variables[name][field] - variables[other], value)
    return lambda variables, local: op(variables[other] - variables[name][field], value)


FlatTest = tuple[Callable[[Any, Any], Any], Any, str, bool]
"""A test on an item done with C functions only: (function, constant, field, age):
`function(constant, now - item[field] if age else item[field])`."""


def _flat_test(op: Operator, field: str, value: Any, age: bool) -> FlatTest:
    """`e.f op c` as `reflected(op)(c, e.f)` (`c >= e.f` for `e.f <= c`), `e.f in [...]` as
    `contains(members, e.f)`: Python answers these the same for the numbers and strings
    conditions compare, and no Python frame is needed per item."""
    if op is Operator.IN:
        return (contains, frozenset(value), field, age)
    return (_REFLECTED[op], value, field, age)


def _flat_items(
    target: Compiled, source: str, flat: tuple[FlatTest, ...], outer: str | None, least: int | None
) -> Compiled:
    """`xs.exists(e, t1 && t2 && t3)` (least None) or `size(xs.filter(e, ...)) >= least`, the
    tests written out in the loop (one, two or three of them)."""
    tests = list(flat) + [(_true_of, None, "", False)] * (3 - len(flat))
    (f1, k1, a1, g1), (f2, k2, a2, g2), (f3, k3, a3, g3) = tests
    if least is None:

        def exists(variables: Variables, local: Locals) -> bool:
            now = variables[outer] if outer else None
            for item in variables[source] if source else target(variables, local):
                if (
                    f1(k1, now - item[a1] if g1 else item[a1])
                    and f2(k2, now - item[a2] if g2 else item[a2] if a2 else None)
                    and f3(k3, now - item[a3] if g3 else item[a3] if a3 else None)
                ):
                    return True
            return False

        return exists

    def at_least(variables: Variables, local: Locals) -> bool:
        now = variables[outer] if outer else None
        found = 0
        for item in variables[source] if source else target(variables, local):
            if (
                f1(k1, now - item[a1] if g1 else item[a1])
                and f2(k2, now - item[a2] if g2 else item[a2] if a2 else None)
                and f3(k3, now - item[a3] if g3 else item[a3] if a3 else None)
            ):
                found += 1
                if found >= least:
                    return True
        return found >= least

    return at_least


def _true_of(constant: Any, value: Any) -> bool:
    return True
