"""Type-check a condition against a stack's environment.

Catches, before anyone relies on a rule: unknown variables, attributes and parameters (with
"did you mean"), wrong types (`customer.arr_usd == 'big'`), enum values that aren't in the
list (`customer.renewal_stage == 'negotation'`), functions that don't exist or get the wrong
arguments, and conditions that aren't true-or-false. All problems in an expression are
reported, each at its own line and column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from studio.cel.ast import (
    COMPARISONS,
    ORDERINGS,
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
from studio.cel.types import (
    BOOL,
    DURATION,
    ERROR,
    NUMBER,
    STRING,
    TIMESTAMP,
    Environment,
    Kind,
    Type,
    list_of,
)
from studio.clock import TimeFormatError, is_zone, parse_duration, parse_instant
from studio.errors import did_you_mean


@dataclass(frozen=True, slots=True)
class TypeProblem:
    """One problem in an expression, at a line and column within it."""

    message: str
    line: int
    column: int
    hint: str = ""


@dataclass(slots=True)
class _Checker:
    environment: Environment
    problems: list[TypeProblem] = field(default_factory=list)
    scopes: list[dict[str, Type]] = field(default_factory=list)

    def report(self, node: Node, message: str, hint: str = "") -> Type:
        self.problems.append(TypeProblem(message, node.line, node.column, hint))
        return ERROR

    def check(self, node: Node) -> Type:
        handler = _HANDLERS[type(node)]
        return handler(self, node)

    # -- leaves --------------------------------------------------------------------------

    def literal(self, node: Literal) -> Type:
        if isinstance(node.value, bool):
            return BOOL
        if isinstance(node.value, int | float):
            return NUMBER
        return STRING

    def list_literal(self, node: ListLiteral) -> Type:
        types = [self.check(item) for item in node.items]
        known = [t for t in types if t.kind is not Kind.ERROR]
        if not known:
            return list_of(ERROR)
        first = known[0]
        for item, item_type in zip(node.items, types, strict=True):
            if item_type.kind is not Kind.ERROR and not _comparable(first, item_type):
                return self.report(
                    item,
                    f"list items must all be of one type: {first.describe()} and {item_type.describe()}",
                )
        if first.is_stringish:
            return list_of(STRING)
        return list_of(first)

    def ident(self, node: Ident) -> Type:
        for scope in reversed(self.scopes):
            if node.name in scope:
                return scope[node.name]
        variables = self.environment.variables
        if node.name in variables:
            return variables[node.name]
        names = [*variables, *(name for scope in self.scopes for name in scope)]
        return self.report(node, f"unknown variable '{node.name}'", did_you_mean(node.name, names))

    def select(self, node: Select) -> Type:
        operand = self.check(node.operand)
        if operand.kind is Kind.ERROR:
            return ERROR
        if operand.kind is not Kind.OBJECT:
            return self.report(node, f"'{node.field}' can't be read from a {operand.describe()}")
        if node.field not in operand.fields:
            what = "parameter" if operand.name == "params" else "attribute" if operand.name == "customer" else "field"
            hint = did_you_mean(node.field, operand.fields)
            if operand.name == "params" and not operand.fields:
                hint = "the actions this rule covers share no parameters"
            return self.report(node, f"{operand.name} has no {what} '{node.field}'", hint)
        return operand.fields[node.field]

    # -- operators -----------------------------------------------------------------------

    def unary(self, node: Unary) -> Type:
        operand = self.check(node.operand)
        if operand.kind is Kind.ERROR:
            return ERROR
        if node.op is Operator.NOT:
            return (
                BOOL
                if operand.kind is Kind.BOOL
                else self.report(node, f"'!' needs true or false, not a {operand.describe()}")
            )
        if operand.kind in (Kind.NUMBER, Kind.DURATION):
            return operand
        return self.report(node, f"'-' needs a number or a duration, not a {operand.describe()}")

    def binary(self, node: Binary) -> Type:
        left, right = self.check(node.left), self.check(node.right)
        if left.kind is Kind.ERROR or right.kind is Kind.ERROR:
            return BOOL if node.op in COMPARISONS or node.op in (Operator.AND, Operator.OR, Operator.IN) else ERROR
        if node.op in (Operator.AND, Operator.OR):
            for side, side_type in ((node.left, left), (node.right, right)):
                if side_type.kind is not Kind.BOOL:
                    self.report(
                        side,
                        f"'{node.op}' needs true or false on both sides, not a {side_type.describe()}",
                    )
            return BOOL
        if node.op is Operator.IN:
            return self._membership(node, left, right)
        if node.op in COMPARISONS:
            return self._comparison(node, left, right)
        return self._arithmetic(node, left, right)

    def _comparison(self, node: Binary, left: Type, right: Type) -> Type:
        if not _comparable(left, right):
            return self.report(node, f"can't compare a {left.describe()} with a {right.describe()}")
        if node.op in ORDERINGS and left.kind not in (Kind.NUMBER, Kind.TIMESTAMP, Kind.DURATION):
            return self.report(node, f"'{node.op}' orders numbers, times and durations, not a {left.describe()}")
        if left.kind in (Kind.LIST, Kind.OBJECT):
            return self.report(node, f"a {left.describe()} can't be compared with '{node.op}'")
        self._check_enum_literal(left, node.right)
        self._check_enum_literal(right, node.left)
        return BOOL

    def _membership(self, node: Binary, left: Type, right: Type) -> Type:
        if right.kind is not Kind.LIST or right.element is None:
            return self.report(node.right, f"'in' needs a list on its right, not a {right.describe()}")
        element = right.element
        if element.kind is not Kind.ERROR and not _comparable(left, element):
            return self.report(node, f"can't look for a {left.describe()} in a {right.describe()}")
        if isinstance(node.right, ListLiteral):
            for item in node.right.items:
                self._check_enum_literal(left, item)
        if element.kind is Kind.ENUM:
            self._check_enum_literal(element, node.left)
        return BOOL

    def _arithmetic(self, node: Binary, left: Type, right: Type) -> Type:
        kinds = (left.kind, right.kind)
        result = _ARITHMETIC.get((node.op, *kinds))
        if result is None:
            return self.report(node, f"can't apply '{node.op}' to a {left.describe()} and a {right.describe()}")
        return result

    def _check_enum_literal(self, enum_type: Type, node: Node) -> None:
        """An enum compared with a string literal: the literal must be one of its values."""
        if enum_type.kind is not Kind.ENUM or not isinstance(node, Literal) or not isinstance(node.value, str):
            return
        if node.value not in enum_type.values:
            label = enum_type.name or "this enum"
            self.report(
                node,
                f"'{node.value}' is not a value of {label}",
                did_you_mean(node.value, enum_type.values),
            )

    def conditional(self, node: Conditional) -> Type:
        condition = self.check(node.condition)
        if condition.kind not in (Kind.BOOL, Kind.ERROR):
            self.report(
                node.condition,
                f"the test before '?' must be true or false, not a {condition.describe()}",
            )
        then, otherwise = self.check(node.then), self.check(node.otherwise)
        if Kind.ERROR in (then.kind, otherwise.kind):
            return then if otherwise.kind is Kind.ERROR else otherwise
        if not _comparable(then, otherwise):
            return self.report(
                node,
                f"both branches must have one type: {then.describe()} and {otherwise.describe()}",
            )
        return then

    # -- macros and calls ----------------------------------------------------------------

    def comprehension(self, node: Comprehension) -> Type:
        target = self.check(node.target)
        if target.kind is Kind.ERROR:
            return ERROR
        if target.kind is not Kind.LIST or target.element is None:
            return self.report(node, f"{node.quantifier}() works on a list, not a {target.describe()}")
        if node.variable in self.environment.variables:
            return self.report(node, f"'{node.variable}' is already a variable; pick another name, like 'e'")
        self.scopes.append({node.variable: target.element})
        try:
            body = self.check(node.body)
        finally:
            self.scopes.pop()
        if body.kind not in (Kind.BOOL, Kind.ERROR):
            self.report(
                node.body,
                f"the condition of {node.quantifier}() must be true or false, not a {body.describe()}",
            )
        return target if node.quantifier is Quantifier.FILTER else BOOL

    def call(self, node: Call) -> Type:
        signature = _FUNCTIONS.get(node.function)
        if signature is None:
            return self.report(node, f"unknown function '{node.function}'", did_you_mean(node.function, _FUNCTIONS))
        return signature(self, node)


def _comparable(left: Type, right: Type) -> bool:
    if left.is_stringish and right.is_stringish:
        return True
    if left.kind is Kind.LIST and right.kind is Kind.LIST:
        return left.element is None or right.element is None or _comparable(left.element, right.element)
    return left.kind is right.kind


_ARITHMETIC: dict[tuple[Operator, Kind, Kind], Type] = {
    (Operator.ADD, Kind.NUMBER, Kind.NUMBER): NUMBER,
    (Operator.SUB, Kind.NUMBER, Kind.NUMBER): NUMBER,
    (Operator.MUL, Kind.NUMBER, Kind.NUMBER): NUMBER,
    (Operator.DIV, Kind.NUMBER, Kind.NUMBER): NUMBER,
    (Operator.ADD, Kind.STRING, Kind.STRING): STRING,
    (Operator.ADD, Kind.TIMESTAMP, Kind.DURATION): TIMESTAMP,
    (Operator.ADD, Kind.DURATION, Kind.TIMESTAMP): TIMESTAMP,
    (Operator.ADD, Kind.DURATION, Kind.DURATION): DURATION,
    (Operator.SUB, Kind.TIMESTAMP, Kind.TIMESTAMP): DURATION,
    (Operator.SUB, Kind.TIMESTAMP, Kind.DURATION): TIMESTAMP,
    (Operator.SUB, Kind.DURATION, Kind.DURATION): DURATION,
}


# -- function signatures -----------------------------------------------------------------

_Signature = Callable[[_Checker, Call], Type]


def _arity(checker: _Checker, node: Call, count: int, *, method: bool) -> bool:
    if method and node.target is None:
        checker.report(node, f"{node.function}() is called on a value, like x.{node.function}(...)")
        return False
    if not method and node.target is not None:
        checker.report(node, f"{node.function}() is a function: write {node.function}(...)")
        return False
    if len(node.args) != count:
        checker.report(
            node,
            f"{node.function}() takes {count} argument{'s' if count != 1 else ''}, not {len(node.args)}",
        )
        return False
    return True


def _size(checker: _Checker, node: Call) -> Type:
    if node.target is not None:
        subject, args_ok = node.target, len(node.args) == 0
    else:
        subject, args_ok = (node.args[0] if node.args else node), len(node.args) == 1
    if not args_ok:
        return checker.report(node, "size() takes one list or string: size(x) or x.size()")
    subject_type = checker.check(subject)
    if subject_type.kind not in (Kind.LIST, Kind.ERROR) and not subject_type.is_stringish:
        return checker.report(node, f"size() counts a list or a string, not a {subject_type.describe()}")
    return NUMBER


def _string_literal_argument(checker: _Checker, node: Call) -> str | None:
    if not _arity(checker, node, 1, method=False):
        return None
    argument = node.args[0]
    if not isinstance(argument, Literal) or not isinstance(argument.value, str):
        checker.report(argument, f"{node.function}() takes a quoted literal, like {node.function}('24h')")
        return None
    return argument.value


def _duration(checker: _Checker, node: Call) -> Type:
    text = _string_literal_argument(checker, node)
    if text is None:
        return DURATION
    try:
        parse_duration(text, allow_days=False)
    except TimeFormatError as error:
        checker.report(node.args[0], str(error))
    return DURATION


def _timestamp(checker: _Checker, node: Call) -> Type:
    text = _string_literal_argument(checker, node)
    if text is None:
        return TIMESTAMP
    if "T" not in text or not (text.endswith("Z") or "+" in text[10:] or "-" in text[10:]):
        checker.report(
            node.args[0],
            f"timestamp() takes an RFC 3339 time with its offset, like '2026-11-23T10:00:00Z', not {text!r}",
        )
        return TIMESTAMP
    try:
        parse_instant(text, now=0)
    except TimeFormatError as error:
        checker.report(node.args[0], str(error))
    return TIMESTAMP


def _length_of_time(checker: _Checker, node: Call) -> Type:
    """days(n), hours(n), minutes(n): durations from numbers, so nobody converts 7 days to 168h."""
    if _arity(checker, node, 1, method=False):
        argument = checker.check(node.args[0])
        if argument.kind not in (Kind.NUMBER, Kind.ERROR):
            checker.report(node.args[0], f"{node.function}() takes a number, not a {argument.describe()}")
    return DURATION


def _clock_part(checker: _Checker, node: Call) -> Type:
    """ts.getHours(tz), ts.getMinutes(tz), ts.getDayOfWeek(tz): parts of a time in a zone."""
    if node.target is None:
        return checker.report(node, f"{node.function}() is called on a time, like now.{node.function}(customer.tz)")
    target = checker.check(node.target)
    if target.kind not in (Kind.TIMESTAMP, Kind.ERROR):
        return checker.report(node, f"{node.function}() reads a time, not a {target.describe()}")
    if len(node.args) > 1:
        return checker.report(node, f"{node.function}() takes at most a time zone")
    if node.args:
        zone = checker.check(node.args[0])
        argument = node.args[0]
        if isinstance(argument, Literal) and isinstance(argument.value, str):
            if not is_zone(argument.value):
                checker.report(
                    argument,
                    f"unknown time zone {argument.value!r}",
                    "use an IANA name such as 'Europe/Paris'",
                )
        elif zone.kind not in (Kind.TIMEZONE, Kind.ERROR):
            checker.report(
                argument,
                f"the time zone must be a timezone attribute or a quoted zone name, not a {zone.describe()}",
            )
    return NUMBER


def _string_test(checker: _Checker, node: Call) -> Type:
    if node.target is None:
        return checker.report(node, f"{node.function}() is called on a string, like x.{node.function}('abc')")
    target = checker.check(node.target)
    if len(node.args) != 1:
        return checker.report(node, f"{node.function}() takes one string")
    argument = checker.check(node.args[0])
    for part, part_type in ((node.target, target), (node.args[0], argument)):
        if part_type.kind is not Kind.ERROR and not part_type.is_stringish:
            checker.report(part, f"{node.function}() works on strings, not a {part_type.describe()}")
    return BOOL


_FUNCTIONS: Mapping[str, _Signature] = {
    "size": _size,
    "duration": _duration,
    "timestamp": _timestamp,
    "days": _length_of_time,
    "hours": _length_of_time,
    "minutes": _length_of_time,
    "getHours": _clock_part,
    "getMinutes": _clock_part,
    "getDayOfWeek": _clock_part,
    "startsWith": _string_test,
    "endsWith": _string_test,
    "contains": _string_test,
}
FUNCTIONS = tuple(_FUNCTIONS)
"""Every function a condition may call."""

_HANDLERS: Mapping[type, Callable[[_Checker, Node], Type]] = {
    Literal: _Checker.literal,  # type: ignore[dict-item]
    ListLiteral: _Checker.list_literal,  # type: ignore[dict-item]
    Ident: _Checker.ident,  # type: ignore[dict-item]
    Select: _Checker.select,  # type: ignore[dict-item]
    Unary: _Checker.unary,  # type: ignore[dict-item]
    Binary: _Checker.binary,  # type: ignore[dict-item]
    Conditional: _Checker.conditional,  # type: ignore[dict-item]
    Comprehension: _Checker.comprehension,  # type: ignore[dict-item]
    Call: _Checker.call,  # type: ignore[dict-item]
}


def check(node: Node, environment: Environment, *, expect: Kind = Kind.BOOL) -> list[TypeProblem]:
    """Every type problem in `node`; an empty list when it is a well-typed `expect`."""
    checker = _Checker(environment)
    result = checker.check(node)
    if result.kind not in (expect, Kind.ERROR):
        checker.report(node, f"a condition must be true or false, but this is a {result.describe()}")
    return sorted(checker.problems, key=lambda problem: (problem.line, problem.column))


def infer(node: Node, environment: Environment) -> Type:
    """The type of a well-typed expression (ERROR when it has problems)."""
    return _Checker(environment).check(node)
