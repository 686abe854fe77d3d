"""CEL syntax trees → Rego v1 expressions that decide exactly as `studio/cel/compile.py` does.

Every condition becomes a Rego *value*: a term that evaluates to `true` or `false` (never
undefined, because every field a condition reads is present in the prepared input; see
`rego_input.py`). A condition's top-level `&&` becomes separate statements and its top-level
`||` separate rule bodies, so Rego short-circuits them as the engine does.

What is exact, and what is refused (an `ExportError`, never a silent difference):

- times and durations are integer microseconds, so window arithmetic (`now - e.at <= days(7)`)
  is exact integer arithmetic in Rego too;
- numbers are compared in Rego, never computed there: Rego engines do decimal or reduced-precision
  arithmetic (rego-cpp keeps about 16 digits) while the studio uses binary doubles, so
  `0.1 + 0.2 <= 0.3` and `amount <= order * 0.1` can differ. Arithmetic on whole numbers (counts,
  clock parts, integer literals) and on times is exact and stays in Rego. A comparison that
  involves arithmetic on fractional numbers (or a literal that needs more than 15 digits) is
  *derived*: the prepared input carries its true/false value, computed by the studio's own
  engine (`rego_input.py`), as `r.derived["dN"]`, or `e.derived["dN"]` on each history event
  when it depends on the event. `days(x)` of a fractional number is derived the same way, as
  integer microseconds. What depends on two comprehension variables at once is refused;
- `getHours` / `getMinutes` / `getDayOfWeek` use Rego's `time.clock` and `time.weekday` with
  the IANA zone (nanoseconds = microseconds × 1000);
- string literals are written as JSON text without `\\u` escapes (rego-cpp does not decode
  escapes, so both sides must keep the same raw form); a string function (`size`, `startsWith`,
  `endsWith`, `contains`) given a literal with a quote, backslash or control character is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
from studio.cel.printer import to_cel
from studio.cel.types import BOOL, DURATION, NUMBER, STRING, TIMESTAMP, Environment, Kind, Type, list_of
from studio.clock import MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, parse_duration, parse_instant
from studio.errors import StudioError

VARIABLES = {
    "customer": "r.customer",
    "params": "r.params",
    "history": "r.history",
    "now": "r.at",
    "agent": "cell.agent",
    "action": "cell.action",
}
"""How a condition's variables read in Rego: `r` is the prepared request, `cell` the data of its
(agent, action) cell; every condition function takes `(r, cell)`."""

_LENGTHS = {"days": MICROS_PER_DAY, "hours": MICROS_PER_HOUR, "minutes": MICROS_PER_MINUTE}
_CLOCK_HELPERS = {"getHours": "_hours", "getMinutes": "_minutes", "getDayOfWeek": "_weekday"}
_STRING_TESTS = {"startsWith": "startswith", "endsWith": "endswith", "contains": "contains"}
_COMPARE = {
    Operator.EQ: "==",
    Operator.NE: "!=",
    Operator.LT: "<",
    Operator.LE: "<=",
    Operator.GT: ">",
    Operator.GE: ">=",
}


@dataclass
class ExportError(StudioError):
    """A stack that can't be exported faithfully; the problems say which condition and why."""

    title: str = "Can't export the stack"


class UntranslatableError(Exception):
    """A construct the Rego export can't reproduce exactly (caught and located by the caller)."""

    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.message = message
        self.line = node.line
        self.column = node.column


class _InexactError(UntranslatableError):
    """Arithmetic Rego can't do exactly: the nearest enclosing comparison is derived instead."""


@dataclass(frozen=True, slots=True)
class Derived:
    """A sub-expression whose value the prepared input carries (see the module doc)."""

    id: str
    rule_id: str
    node: Node
    variable: str
    """The comprehension variable (a history event) it depends on, or "" for the whole request."""
    kind: str
    """`bool` (a comparison) or `duration` (integer microseconds)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule_id,
            "scope": "event" if self.variable else "request",
            "variable": self.variable,
            "kind": self.kind,
            "cel": to_cel(self.node),
        }


@dataclass
class DerivedRegistry:
    """Every derived sub-expression of a module, numbered in the order met."""

    items: list[Derived] = field(default_factory=list)
    rule_id: str = ""

    def add(self, node: Node, variable: str, kind: str) -> str:
        derived = Derived(f"d{len(self.items)}", self.rule_id, node, variable, kind)
        self.items.append(derived)
        return derived.id


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    type: Type
    whole: bool = False
    """A number that is always a whole number (a count, a clock part, an integer literal)."""


@dataclass
class Translator:
    """Translates the conditions of one rule; `environment` is the rule's CEL environment."""

    environment: Environment
    counter: list[int] = field(default_factory=lambda: [0])
    """Shared between translators so comprehension variables are unique in the module."""
    scopes: list[tuple[str, str, Type]] = field(default_factory=list)
    uses_string_functions: bool = False
    derived: DerivedRegistry = field(default_factory=DerivedRegistry)

    # -- statements ---------------------------------------------------------------------------

    def bodies(self, node: Node) -> list[list[str]]:
        """Rule bodies (lists of statements) whose union holds exactly when `node` is true."""
        if isinstance(node, Binary) and node.op is Operator.OR:
            return self.bodies(node.left) + self.bodies(node.right)
        return [self.statements(node)]

    def statements(self, node: Node) -> list[str]:
        """Statements that all hold exactly when `node` is true."""
        if isinstance(node, Binary) and node.op is Operator.AND:
            return self.statements(node.left) + self.statements(node.right)
        if isinstance(node, Literal) and node.value is True:
            return ["true"]
        text = self.term(node).text
        if "[" in text or "_if(" in text:
            # rego-cpp treats a comparison nested in an array as a guard when the array is part of
            # a body statement (the statement fails where it should be true); in an assignment it
            # is a plain value. So compound terms are assigned first, then tested.
            self.counter[0] += 1
            name = f"__b{self.counter[0]}"
            return [f"{name} := {text}", f"{name} == true"]
        # A bare reference or call followed by a line starting with "(" would read as one call.
        return [text if text.startswith("(") and text.endswith(")") else f"({text} == true)"]

    # -- terms --------------------------------------------------------------------------------

    def term(self, node: Node) -> _Term:
        if isinstance(node, Literal):
            return self._literal(node)
        if isinstance(node, ListLiteral):
            return self._list(node)
        if isinstance(node, Ident):
            return self._ident(node)
        if isinstance(node, Select):
            operand = self.term(node.operand)
            return _Term(f"{operand.text}[{_string(node.field)}]", operand.type.fields[node.field])
        if isinstance(node, Unary):
            return self._unary(node)
        if isinstance(node, Binary) and (node.op in _COMPARE or node.op is Operator.IN):
            mark = len(self.derived.items)
            try:
                return self._binary(node)
            except _InexactError:
                del self.derived.items[mark:]
                return self._derive(node, BOOL, "bool")
        if isinstance(node, Binary):
            return self._binary(node)
        if isinstance(node, Conditional):
            condition = self.term(node.condition)
            then, otherwise = self.term(node.then), self.term(node.otherwise)
            return _Term(
                f"_if({condition.text}, {then.text}, {otherwise.text})", then.type, then.whole and otherwise.whole
            )
        if isinstance(node, Comprehension):
            return self._comprehension(node)
        if isinstance(node, Call):
            return self._call(node)
        raise UntranslatableError(f"{type(node).__name__} has no Rego form", node)

    def _literal(self, node: Literal) -> _Term:
        value = node.value
        if isinstance(value, bool):
            return _Term("true" if value else "false", BOOL)
        if isinstance(value, int):
            return _Term(str(value), NUMBER, whole=True)
        if isinstance(value, float):
            return _Term(number_text(value, node), NUMBER, whole=value.is_integer())
        return _Term(_string(value), STRING)

    def _list(self, node: ListLiteral) -> _Term:
        items = [self.term(item) for item in node.items]
        element = items[0].type if items else STRING
        if element.is_stringish:
            element = STRING
        return _Term("[" + ", ".join(item.text for item in items) + "]", list_of(element))

    def _ident(self, node: Ident) -> _Term:
        for name, rego_name, kind in reversed(self.scopes):
            if name == node.name:
                return _Term(rego_name, kind)
        return _Term(VARIABLES[node.name], self.environment.variables[node.name])

    def _unary(self, node: Unary) -> _Term:
        operand = self.term(node.operand)
        if node.op is Operator.NOT:
            return _Term(f"({operand.text} == false)", BOOL)
        if isinstance(node.operand, Literal) and isinstance(node.operand.value, int | float):
            return self._literal(Literal(-node.operand.value, line=node.line, column=node.column))
        if operand.type.kind is Kind.NUMBER and not operand.whole:
            raise _InexactError(_ARITHMETIC_REFUSED, node)
        return _Term(f"(0 - {operand.text})", operand.type, operand.whole)

    def _binary(self, node: Binary) -> _Term:
        left, right = self.term(node.left), self.term(node.right)
        op = node.op
        if op is Operator.AND:
            return _Term(f"([{left.text}, {right.text}] == [true, true])", BOOL)
        if op is Operator.OR:
            return _Term(f"(true in [{left.text}, {right.text}])", BOOL)
        if op is Operator.IN:
            return _Term(f"({left.text} in {right.text})", BOOL)
        if op in _COMPARE:
            return _Term(f"({left.text} {_COMPARE[op]} {right.text})", BOOL)
        if op is Operator.ADD and left.type.is_stringish:
            return _Term(f'concat("", [{left.text}, {right.text}])', STRING)
        kinds = {left.type.kind, right.type.kind}
        if op is Operator.DIV:
            raise _InexactError(_ARITHMETIC_REFUSED, node)
        if Kind.NUMBER in kinds and not (left.whole and right.whole):
            raise _InexactError(_ARITHMETIC_REFUSED, node)
        symbol = {Operator.ADD: "+", Operator.SUB: "-", Operator.MUL: "*"}[op]
        result = _arithmetic_type(op, left.type, right.type)
        return _Term(f"({left.text} {symbol} {right.text})", result, left.whole and right.whole)

    def _comprehension(self, node: Comprehension) -> _Term:
        target = self.term(node.target)
        element = target.type.element or STRING
        self.counter[0] += 1
        variable = f"__v{self.counter[0]}"
        self.scopes.append((node.variable, variable, element))
        try:
            body = self.term(node.body) if node.quantifier is Quantifier.ALL else None
            statements = "; ".join(self.statements(node.body)) if body is None else ""
        finally:
            self.scopes.pop()
        source = f"some {variable} in {target.text}"
        if node.quantifier is Quantifier.EXISTS:
            return _Term(f"(count([1 | {source}; {statements}]) > 0)", BOOL)
        if node.quantifier is Quantifier.EXISTS_ONE:
            return _Term(f"(count([1 | {source}; {statements}]) == 1)", BOOL)
        if node.quantifier is Quantifier.ALL:
            assert body is not None
            self.counter[0] += 1
            held = f"__b{self.counter[0]}"
            return _Term(f"(count([1 | {source}; {held} := {body.text}; {held} == false]) == 0)", BOOL)
        return _Term(f"[{variable} | {source}; {statements}]", target.type)

    def _call(self, node: Call) -> _Term:
        name = node.function
        if name == "size":
            subject_node = node.target if node.target is not None else node.args[0]
            subject = self.term(subject_node)
            if subject.type.is_stringish:
                self._string_function(node, subject_node)
            return _Term(f"count({subject.text})", NUMBER, whole=True)
        if name == "duration":
            text = _literal_text(node)
            return _Term(str(parse_duration(text, allow_days=False)), DURATION)
        if name == "timestamp":
            return _Term(str(parse_instant(_literal_text(node), now=0)), TIMESTAMP)
        if name in _LENGTHS:
            return self._length(node, _LENGTHS[name])
        if name in _CLOCK_HELPERS:
            assert node.target is not None
            moment = self.term(node.target)
            zone = self.term(node.args[0]).text if node.args else '"UTC"'
            return _Term(f"{_CLOCK_HELPERS[name]}({moment.text}, {zone})", NUMBER, whole=True)
        if name in _STRING_TESTS:
            assert node.target is not None
            self._string_function(node, node.target, node.args[0])
            subject, part = self.term(node.target), self.term(node.args[0])
            return _Term(f"{_STRING_TESTS[name]}({subject.text}, {part.text})", BOOL)
        raise UntranslatableError(f"{name}() has no Rego form", node)

    def _length(self, node: Call, unit: int) -> _Term:
        argument = node.args[0]
        if isinstance(argument, Literal) and isinstance(argument.value, int | float):
            return _Term(str(round(argument.value * unit)), DURATION)
        mark = len(self.derived.items)
        try:
            amount = self.term(argument)
        except _InexactError:
            amount = _Term("", NUMBER)
        if not amount.whole:
            del self.derived.items[mark:]
            return self._derive(node, DURATION, "duration")
        return _Term(f"({amount.text} * {unit})", DURATION)

    def _derive(self, node: Node, kind: Type, label: str) -> _Term:
        """A read of the derived value of `node` (see the module doc)."""
        bound = {name: (rego_name, element) for name, rego_name, element in self.scopes}
        free = sorted(_free_names(node) & set(bound))
        if not free:
            return _Term(f'r.derived["{self.derived.add(node, "", label)}"]', kind)
        if len(free) > 1:
            raise UntranslatableError(
                f"this depends on {' and '.join(free)} at once and computes with fractional numbers, which Rego "
                "can't do exactly; compare the values without arithmetic",
                node,
            )
        rego_name, element = bound[free[0]]
        if element.kind is not Kind.OBJECT or element.name != "event":
            raise UntranslatableError(
                f"arithmetic on fractional numbers over the items of {free[0]} can't be exported exactly "
                "(only history events can carry precomputed values)",
                node,
            )
        return _Term(f'{rego_name}["derived"]["{self.derived.add(node, free[0], label)}"]', kind)

    def _string_function(self, node: Call, *parts: Node) -> None:
        self.uses_string_functions = True
        for part in parts:
            if isinstance(part, Literal) and isinstance(part.value, str) and not plain_string(part.value):
                raise UntranslatableError(
                    f"{node.function}() on a literal with a quote, backslash or control character can't be "
                    "exported exactly (rego-cpp keeps string escapes as written)",
                    part,
                )


_ARITHMETIC_REFUSED = (
    "arithmetic on numbers that may have fractions can't be exported exactly: Rego engines compute in "
    "decimal or with fewer digits, the studio in binary doubles (0.1 + 0.2 differs); compare the "
    "values instead, or use whole counts"
)


def _free_names(node: Node, bound: frozenset[str] = frozenset()) -> set[str]:
    """Identifiers `node` reads that it doesn't bind itself (comprehension variables bind theirs)."""
    if isinstance(node, Ident):
        return set() if node.name in bound else {node.name}
    if isinstance(node, Comprehension):
        return _free_names(node.target, bound) | _free_names(node.body, bound | {node.variable})
    names: set[str] = set()
    for child in node.children():
        names |= _free_names(child, bound)
    return names


def _arithmetic_type(op: Operator, left: Type, right: Type) -> Type:
    kinds = (left.kind, right.kind)
    if kinds == (Kind.TIMESTAMP, Kind.TIMESTAMP):
        return DURATION
    if Kind.TIMESTAMP in kinds:
        return TIMESTAMP
    if Kind.DURATION in kinds:
        return DURATION
    return NUMBER


def _literal_text(node: Call) -> str:
    argument = node.args[0]
    assert isinstance(argument, Literal) and isinstance(argument.value, str)
    return argument.value


def _string(value: str) -> str:
    """A Rego string literal in the same raw form `json.dumps(ensure_ascii=False)` gives the input."""
    return json.dumps(value, ensure_ascii=False)


def plain_string(value: str) -> bool:
    """True when JSON writes `value` without escapes (no quote, backslash or control character)."""
    return json.dumps(value, ensure_ascii=False) == f'"{value}"'


SIGNIFICANT_DIGITS = 15
"""Numbers that round-trip through this many significant digits compare exactly in every Rego engine."""


def exact_in_rego(value: float) -> bool:
    """True when a number keeps its exact value in Rego engines (rego-cpp keeps about 16 digits)."""
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}") == value


def number_text(value: float, node: Node) -> str:
    """A float literal as Rego text; _InexactError when Rego would read a different number."""
    if not exact_in_rego(value):
        raise _InexactError(
            f"the number {value!r} has more than {SIGNIFICANT_DIGITS} significant digits; Rego engines would "
            "read a different value",
            node,
        )
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)
