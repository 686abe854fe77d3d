"""CEL conditions as SQL expressions over one proposal (and, inside history macros, one event).

Each condition of a rule becomes a boolean SQL expression over the row of a proposal joined with
its customer (table alias `p`). `history.exists(e, ...)`, `all`, `exists_one` and
`filter(...).size()` become counts over the proposal's events (alias `e`), gathered once by
`compile_sql.py` in a join: a macro here registers a `HistoryCount` and reads its column.

Semantics follow the engine exactly (`cel/compile.py`): numbers are DOUBLE unless both sides
are exact integers (`size()`, counts), times and durations are BIGINT microseconds, constant
parts are computed by the engine's own closures and written as literals, `days(x)` rounds half
to even as Python's `round` does. What SQL can't do exactly raises `UnsupportedError`, which the
backtest reports for that rule (and decides its proposals with the engine instead):

- dividing by something that isn't a non-zero constant (CEL gives infinities and NaN, SQL
  engines an error or NULL);
- history macros nested three deep, or inside a macro over a list;
- integers beyond 2^53 and non-finite constants, which have no exact DOUBLE.

A history macro inside another's condition (`history.exists(c, c.kind == 'cart_abandoned' &&
!history.exists(o, o.kind == 'order_placed' && o.at > c.at))`) becomes a `PairCount`: per
proposal and outer event, how many events pass the inner condition, from a second join.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, cast

from sqlglot import exp

from studio.backtest.layout import Layout
from studio.backtest.sql import (
    BIGINT,
    DOUBLE,
    LocalMicros,
    and_,
    boolean,
    case,
    column,
    integer,
    literal_of,
    not_,
    or_,
)
from studio.cel.ast import (
    COMPARISONS,
    Binary,
    Call,
    Comprehension,
    Conditional,
    Ident,
    ListLiteral,
    Node,
    Operator,
    Quantifier,
    Select,
    Unary,
)
from studio.cel.check import infer
from studio.cel.compile import compile_condition
from studio.cel.types import Environment, Kind, Type
from studio.clock import MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE
from studio.stack import ItemType, Stack, ValueSpec, ValueType

PROPOSAL, EVENT, INNER_EVENT, COUNTS = "p", "e", "e2", "h"
"""Table aliases: the proposal joined with its customer, one of its events, a second event
(for a history macro inside another's condition), the history counts."""

_MAX_EXACT = 2**53
_WEEKS_SHIFT = 5_200 * 7 * MICROS_PER_DAY
"""Added before dividing clock times, so division is of positive numbers (any time after 1870)
and whole weeks keep the day of the week."""
_THURSDAY = 4
"""1970-01-01 was a Thursday (Sunday = 0)."""


class UnsupportedError(Exception):
    """A construct the SQL backtest can't decide exactly, at a node of the condition."""

    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass(frozen=True, slots=True)
class HistoryCount:
    """How many of a proposal's earlier events satisfy `predicate` (over `p` and `e`)."""

    predicate: exp.Expression
    window: int | None
    """When every counted event is at most this old (µs): the join can skip older ones."""


@dataclass
class PairCount:
    """Per proposal and one of its events (`e`), how many of its events (`e2`) pass `predicate`."""

    predicate: exp.Expression
    window: int | None
    """Inner events are at most this old (µs), when the inner condition says so."""
    outer_filter: exp.Expression = field(default_factory=lambda: boolean(True))
    """Outer events that can matter: the event-only conjuncts of the outer condition."""
    outer_window: int | None = None


@dataclass(frozen=True)
class Value:
    """A compiled sub-expression: its SQL, or its constant, and what kind of value it is."""

    kind: str
    """bool, number, text, time, duration, list, object or history."""
    sql: exp.Expression | None = None
    const: Any = None
    is_const: bool = False
    integral: bool = False
    """Numbers: always an exact integer (BIGINT) rather than a DOUBLE."""
    element: str = ""
    """Lists: the kind of their items."""
    items: tuple[Value, ...] | None = None
    """List literals with non-constant items."""
    obj: str = ""
    """Objects: customer, params, agent, action, event or payload."""
    alias: str = ""
    """Events and payloads: the table alias of the event (`e` or `e2`)."""
    filters: tuple[tuple[exp.Expression, Node, str], ...] = ()
    """History (possibly filtered): the filters' SQL, their CEL body and variable."""

    def expression(self) -> exp.Expression:
        """The SQL of this value (a literal for constants)."""
        if self.is_const:
            return _literal(self.const, self.kind)
        assert self.sql is not None
        return self.sql.copy()


def _literal(value: Any, kind: str) -> exp.Expression:
    if isinstance(value, tuple):
        return exp.Array(expressions=[literal_of(_exact(item)) for item in value])
    if kind in ("time", "duration"):
        return exp.cast(integer(int(value)), BIGINT)
    return literal_of(_exact(value))


def _exact(value: Any) -> Any:
    if isinstance(value, float) and value != value:  # NaN
        raise ValueError("NaN")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_EXACT:
        raise ValueError("too large")
    return value


_KINDS = {
    Kind.BOOL: "bool",
    Kind.NUMBER: "number",
    Kind.STRING: "text",
    Kind.ENUM: "text",
    Kind.TIMEZONE: "text",
    Kind.TIMESTAMP: "time",
    Kind.DURATION: "duration",
    Kind.LIST: "list",
    Kind.OBJECT: "object",
}


def _spec_value(spec: ValueSpec, sql: exp.Expression) -> Value:
    kind = spec.type
    if kind is ValueType.NUMBER:
        return Value("number", sql)
    if kind is ValueType.BOOL:
        return Value("bool", sql)
    if kind is ValueType.TIMESTAMP:
        return Value("time", sql)
    if kind is ValueType.LIST:
        return Value("list", sql, element="number" if spec.items is ItemType.NUMBER else "text")
    return Value("text", sql)


_AGENT_COLUMNS = {"id": "agent", "team": "ag_team", "kind": "ag_kind"}
_ACTION_COLUMNS = {"id": "action", "decision": "ac_decision", "channel": "ac_channel", "purpose": "ac_purpose"}
_EVENT_TEXT = ("agent", "team", "kind", "channel", "purpose")


@dataclass
class CelToSql:
    """Compiles the conditions of one rule (its environment, its actions' parameter columns)."""

    stack: Stack
    layout: Layout
    environment: Environment
    actions: list[str]
    register: Callable[[HistoryCount], exp.Expression]
    """Records a history count and returns the SQL that reads it for the proposal."""
    register_pair: Callable[[PairCount], exp.Expression]
    """Records a count per (proposal, event) and returns the SQL that reads it in the join."""
    register_local: Callable[[exp.Expression], exp.Expression] = lambda local: local
    """Given a `LocalMicros` over the proposal alone, the SQL reading it once computed per
    proposal (the same wall clock, e.g. `now` in the customer's zone, is converted once)."""
    scopes: list[tuple[str, str, str]] = field(default_factory=list)
    """Bound macro variables: (name, "event" and its alias, or "item" and "kind:sql name")."""
    lambdas: int = 0
    open_pairs: list[PairCount] = field(default_factory=list)

    # -- entry ---------------------------------------------------------------------------------

    def condition(self, node: Node) -> exp.Expression:
        """A boolean SQL expression for a checked condition."""
        value = self.compile(node)
        if value.kind != "bool":
            raise UnsupportedError("a condition must be true or false", node)
        return value.expression()

    def compile(self, node: Node) -> Value:
        if _is_constant(node):
            return self._constant(node)
        match node:
            case ListLiteral(items=items):
                compiled = tuple(self.compile(item) for item in items)
                element = compiled[0].kind if compiled else "text"
                return Value(
                    "list", exp.Array(expressions=[v.expression() for v in compiled]), element=element, items=compiled
                )
            case Ident(name=name):
                return self._ident(node, name)
            case Select(operand=operand, field=field_name):
                return self._select(node, self.compile(operand), field_name)
            case Unary(op=op, operand=operand):
                return self._unary(node, op, self.compile(operand))
            case Binary(op=op, left=left, right=right):
                return self._binary(node, op, left, right)
            case Conditional(condition=condition, then=then, otherwise=otherwise):
                return self._conditional(node, condition, then, otherwise)
            case Comprehension():
                return self._comprehension(node)
            case Call():
                return self._call(node)
        raise UnsupportedError(f"can't compile {type(node).__name__}", node)

    def _constant(self, node: Node) -> Value:
        try:
            value = compile_condition(node)({}, [])
            kind_type: Type = infer(node, self.environment)
        except Exception as error:  # the engine's own closures; anything odd is "not compilable"
            raise UnsupportedError(f"can't evaluate a constant part ({error})", node) from None
        kind = _KINDS.get(kind_type.kind, "text")
        element = ""
        if kind == "list" and kind_type.element is not None:
            element = _KINDS.get(kind_type.element.kind, "text")
        try:
            for item in value if isinstance(value, tuple) else (value,):
                _exact(item)
        except ValueError:
            raise UnsupportedError("a constant with no exact SQL value (NaN, infinite or beyond 2^53)", node) from None
        if isinstance(value, float) and value in (float("inf"), float("-inf")):
            raise UnsupportedError("an infinite constant (a division by zero?)", node)
        integral = isinstance(value, int) and not isinstance(value, bool)
        return Value(kind, None, value, True, integral=integral, element=element)

    # -- names ---------------------------------------------------------------------------------

    def _ident(self, node: Ident, name: str) -> Value:
        for bound, role, extra in reversed(self.scopes):
            if bound == name:
                if role == "event":
                    return Value("object", obj="event", alias=extra)
                kind, sql_name = extra.split(":", 1)
                return Value(kind, exp.to_identifier(sql_name), integral=False)
        if name == "customer":
            return Value("object", obj="customer")
        if name in ("params", "agent", "action"):
            return Value("object", obj=name)
        if name == "now":
            return Value("time", column("at", PROPOSAL))
        if name == "history":
            if any(role == "item" for _, role, _ in self.scopes):
                raise UnsupportedError("a history macro inside a macro over a list", node)
            if self._event_depth() > 1:
                raise UnsupportedError("history macros nested three deep", node)
            return Value("history")
        raise UnsupportedError(f"unknown variable '{name}'", node)

    def _select(self, node: Select, operand: Value, name: str) -> Value:
        if operand.kind != "object":
            raise UnsupportedError(f"'{name}' can't be read from a {operand.kind}", node)
        if operand.obj == "customer":
            if name == "id":
                return Value("text", column("cid", PROPOSAL))
            spec = self.stack.customer.attributes[name]
            return _spec_value(spec, column(self.layout.attributes[name], PROPOSAL))
        if operand.obj == "params":
            columns = sorted(self.layout.param_columns(name, self.actions))
            spec = next(a.params[name] for a in self.stack.actions if a.id in self.actions and name in a.params)
            if len(columns) != 1:
                raise UnsupportedError(f"parameter '{name}' is stored differently by this rule's actions", node)
            return _spec_value(spec, column(columns[0], PROPOSAL))
        if operand.obj == "agent":
            return Value("text", column(_AGENT_COLUMNS[name], PROPOSAL))
        if operand.obj == "action":
            return Value("text", column(_ACTION_COLUMNS[name], PROPOSAL))
        if operand.obj == "event":
            if name == "at":
                return Value("time", column("at", operand.alias))
            if name == "payload":
                return Value("object", obj="payload", alias=operand.alias)
            if name in _EVENT_TEXT:
                return Value("text", column(name, operand.alias))
        if operand.obj == "payload":
            spec = self.stack.customer.history.payload[name]
            return _spec_value(spec, column(self.layout.payload[name], operand.alias))
        raise UnsupportedError(f"can't read '{name}' here", node)

    # -- operators -----------------------------------------------------------------------------

    def _unary(self, node: Unary, op: Operator, operand: Value) -> Value:
        if op is Operator.NOT:
            return Value("bool", not_(operand.expression()))
        return replace(operand, sql=exp.Neg(this=exp.paren(operand.expression())), is_const=False, const=None)

    def _binary(self, node: Binary, op: Operator, left_node: Node, right_node: Node) -> Value:
        left = self.compile(left_node)
        if op in (Operator.AND, Operator.OR):
            right = self.compile(right_node)
            combine = and_ if op is Operator.AND else or_
            return Value("bool", combine(left.expression(), right.expression()))
        right = self.compile(right_node)
        if op is Operator.IN:
            return self._membership(node, left, right)
        if op in COMPARISONS:
            return Value("bool", _COMPARE[op](this=left.expression(), expression=right.expression()))
        return self._arithmetic(node, op, left, right)

    def _membership(self, node: Binary, left: Value, right: Value) -> Value:
        if right.kind != "list":
            raise UnsupportedError("'in' needs a list of values here", node)
        if right.is_const:
            if not right.const:
                return Value("bool", boolean(False))
            items = [_literal(item, left.kind) for item in right.const]
            return Value("bool", exp.In(this=left.expression(), expressions=items))
        if right.items is not None:
            if not right.items:
                return Value("bool", boolean(False))
            return Value(
                "bool", exp.In(this=left.expression(), expressions=[item.expression() for item in right.items])
            )
        needle = left.expression()
        if right.element == "number" and left.kind == "number":
            needle = exp.cast(needle, DOUBLE)
        return Value("bool", exp.ArrayContains(this=right.expression(), expression=needle))

    def _arithmetic(self, node: Binary, op: Operator, left: Value, right: Value) -> Value:
        kinds = (left.kind, right.kind)
        if op is Operator.ADD and kinds == ("text", "text"):
            return Value("text", exp.DPipe(this=left.expression(), expression=right.expression(), safe=True))
        if op is Operator.DIV:
            if not right.is_const or not isinstance(right.const, int | float) or right.const == 0:
                raise UnsupportedError(
                    "dividing by a value that may be zero (CEL gives infinity or NaN, SQL errors)", node
                )
            quotient = exp.Div(this=exp.cast(left.expression(), DOUBLE), expression=literal_of(float(right.const)))
            return Value("number", quotient)
        result_kind = _ARITHMETIC.get((op, *kinds))
        if result_kind is None:
            raise UnsupportedError(f"can't apply '{op}' to a {kinds[0]} and a {kinds[1]}", node)
        builder = {Operator.ADD: exp.Add, Operator.SUB: exp.Sub, Operator.MUL: exp.Mul}[op]
        sql = cast(exp.Expression, builder(this=exp.paren(left.expression()), expression=exp.paren(right.expression())))
        integral = result_kind != "number" or (left.integral and right.integral)
        return Value(result_kind, sql, integral=integral)

    def _conditional(self, node: Conditional, condition: Node, then: Node, otherwise: Node) -> Value:
        test, yes, no = self.compile(condition), self.compile(then), self.compile(otherwise)
        sql = case([(test.expression(), yes.expression())], no.expression())
        return Value(yes.kind, sql, integral=yes.integral and no.integral, element=yes.element or no.element)

    # -- macros --------------------------------------------------------------------------------

    def _comprehension(self, node: Comprehension) -> Value:
        target = self.compile(node.target)
        if target.kind == "history":
            return self._history_macro(node, target)
        if target.kind != "list":
            raise UnsupportedError(f"{node.quantifier}() works on a list", node)
        return self._list_macro(node, target)

    def _event_depth(self) -> int:
        return sum(1 for _, role, _ in self.scopes if role == "event")

    def _history_macro(self, node: Comprehension, target: Value) -> Value:
        nested = self._event_depth() == 1
        alias = INNER_EVENT if nested else EVENT
        opened = len(self.open_pairs)
        self.scopes.append((node.variable, "event", alias))
        try:
            body = self.condition(node.body)
            if not nested:
                self._close_pairs(node, opened)
        finally:
            self.scopes.pop()
        filters = (*target.filters, (body, node.body, node.variable))
        if node.quantifier is Quantifier.FILTER:
            return Value("history", filters=filters)
        if node.quantifier is Quantifier.ALL:
            counted = [*(f for f, _, _ in target.filters), not_(body)]
            count = self._count(and_(*counted), _window(target.filters))
            return Value("bool", exp.EQ(this=count, expression=integer(0)))
        count = self._count(and_(*(f for f, _, _ in filters)), _window(filters))
        wanted = 0 if node.quantifier is Quantifier.EXISTS else 1
        compare = exp.GT if node.quantifier is Quantifier.EXISTS else exp.EQ
        return Value("bool", compare(this=count, expression=integer(wanted)))

    def _count(self, predicate: exp.Expression, window: int | None) -> exp.Expression:
        """How many events pass `predicate`: per proposal, or per (proposal, outer event)."""
        if self._event_depth() == 1:
            pair = PairCount(predicate, window)
            self.open_pairs.append(pair)
            return self.register_pair(pair)
        return self.register(HistoryCount(predicate, window))

    def _close_pairs(self, node: Comprehension, opened: int) -> None:
        """Give the pair counts made inside this (outer) macro its event-only conjuncts."""
        pairs = self.open_pairs[opened:]
        if not pairs:
            return
        simple = [c for c in _conjuncts(node.body) if not _mentions_history(c)]
        outer_filter = and_(*[self.condition(c) for c in simple])
        outer_window = _window(((boolean(True), node.body, node.variable),))
        for pair in pairs:
            pair.outer_filter = outer_filter
            pair.outer_window = outer_window
        del self.open_pairs[opened:]

    def _history_size(self, target: Value) -> Value:
        predicate = and_(*(f for f, _, _ in target.filters))
        return Value("number", self._count(predicate, _window(target.filters)), integral=True)

    def _list_macro(self, node: Comprehension, target: Value) -> Value:
        name = f"lv{self.lambdas}"
        self.lambdas += 1
        self.scopes.append((node.variable, "item", f"{target.element or 'text'}:{name}"))
        try:
            body = self.condition(node.body)
        finally:
            self.scopes.pop()
        variable = exp.to_identifier(name)

        def kept(predicate: exp.Expression) -> exp.Expression:
            return exp.ArrayFilter(
                this=target.expression(), expression=exp.Lambda(this=predicate, expressions=[variable.copy()])
            )

        if node.quantifier is Quantifier.FILTER:
            return Value("list", kept(body), element=target.element)
        if node.quantifier is Quantifier.ALL:
            return Value("bool", exp.EQ(this=exp.ArraySize(this=kept(not_(body))), expression=integer(0)))
        wanted = 0 if node.quantifier is Quantifier.EXISTS else 1
        compare = exp.GT if node.quantifier is Quantifier.EXISTS else exp.EQ
        return Value("bool", compare(this=exp.ArraySize(this=kept(body)), expression=integer(wanted)))

    # -- calls ---------------------------------------------------------------------------------

    def _call(self, node: Call) -> Value:
        name = node.function
        target = self.compile(node.target) if node.target is not None else None
        args = [self.compile(arg) for arg in node.args]
        if name == "size":
            subject = target if target is not None else args[0]
            if subject.kind == "history":
                return self._history_size(subject)
            if subject.kind == "list":
                return Value("number", exp.ArraySize(this=subject.expression()), integral=True)
            return Value("number", exp.Length(this=subject.expression()), integral=True)
        if name in ("days", "hours", "minutes"):
            unit = {"days": MICROS_PER_DAY, "hours": MICROS_PER_HOUR, "minutes": MICROS_PER_MINUTE}[name]
            return Value("duration", _round_half_even(args[0], unit), integral=True)
        if name in ("getHours", "getMinutes", "getDayOfWeek"):
            assert target is not None
            part = _clock_part(name, target, args[0] if args else None, self.register_local)
            return Value("number", part, integral=True)
        if name in ("startsWith", "endsWith", "contains"):
            assert target is not None
            builder = {"startsWith": exp.StartsWith, "endsWith": exp.EndsWith, "contains": exp.Contains}[name]
            tested = builder(this=target.expression(), expression=args[0].expression())
            return Value("bool", cast(exp.Expression, tested))
        raise UnsupportedError(f"{name}() can't be compiled to SQL here", node)


_COMPARE: dict[Operator, Any] = {
    Operator.EQ: exp.EQ,
    Operator.NE: exp.NEQ,
    Operator.LT: exp.LT,
    Operator.LE: exp.LTE,
    Operator.GT: exp.GT,
    Operator.GE: exp.GTE,
}

_ARITHMETIC = {
    (Operator.ADD, "number", "number"): "number",
    (Operator.SUB, "number", "number"): "number",
    (Operator.MUL, "number", "number"): "number",
    (Operator.ADD, "time", "duration"): "time",
    (Operator.ADD, "duration", "time"): "time",
    (Operator.ADD, "duration", "duration"): "duration",
    (Operator.SUB, "time", "time"): "duration",
    (Operator.SUB, "time", "duration"): "time",
    (Operator.SUB, "duration", "duration"): "duration",
}


def _mentions_history(node: Node) -> bool:
    return any(isinstance(child, Ident) and child.name == "history" for child in node.walk())


def _is_constant(node: Node) -> bool:
    return not any(isinstance(child, Ident) for child in node.walk())


def _round_half_even(amount: Value, unit: int) -> exp.Expression:
    """round(amount * unit) as Python rounds (half to even), exactly, as a BIGINT."""
    if amount.integral:
        return exp.Mul(this=exp.cast(amount.expression(), BIGINT), expression=integer(unit))
    scaled = exp.Mul(this=exp.cast(amount.expression(), DOUBLE), expression=literal_of(float(unit)))
    floor = exp.cast(exp.Floor(this=scaled.copy()), DOUBLE)
    rest = exp.Sub(this=scaled, expression=floor.copy())
    half = literal_of(0.5)
    odd = exp.NEQ(
        this=exp.Sub(
            this=floor.copy(),
            expression=exp.Mul(
                this=literal_of(2.0), expression=exp.Floor(this=exp.Div(this=floor.copy(), expression=literal_of(2.0)))
            ),
        ),
        expression=literal_of(0.0),
    )
    up = exp.Add(this=floor.copy(), expression=literal_of(1.0))
    rounded = case(
        [
            (exp.GT(this=rest.copy(), expression=half.copy()), up.copy()),
            (exp.LT(this=rest.copy(), expression=half.copy()), floor.copy()),
            (odd, up),
        ],
        floor,
    )
    return exp.cast(rounded, BIGINT)


def _clock_part(
    name: str, moment: Value, zone: Value | None, local_time: Callable[[exp.Expression], exp.Expression]
) -> exp.Expression:
    """getHours / getMinutes / getDayOfWeek of a time, in a zone (UTC when none)."""
    local = moment.expression()
    if zone is not None and not (zone.is_const and zone.const == "UTC"):
        local = local_time(LocalMicros(this=local, expression=zone.expression()))
    shifted = exp.paren(exp.Add(this=local, expression=integer(_WEEKS_SHIFT)))
    if name == "getHours":
        return exp.Mod(this=exp.IntDiv(this=shifted, expression=integer(MICROS_PER_HOUR)), expression=integer(24))
    if name == "getMinutes":
        return exp.Mod(this=exp.IntDiv(this=shifted, expression=integer(MICROS_PER_MINUTE)), expression=integer(60))
    days = exp.IntDiv(this=shifted, expression=integer(MICROS_PER_DAY))
    return exp.Mod(this=exp.paren(exp.Add(this=days, expression=integer(_THURSDAY))), expression=integer(7))


def _window(filters: tuple[tuple[exp.Expression, Node, str], ...]) -> int | None:
    """The age beyond which no event can pass these filters (µs), when one of them says so
    (`now - e.at <= days(7)`, `now - e.at < X`, `e.at >= now - X`, `e.at > now - X`)."""
    found: list[int] = []
    for _, body, variable in filters:
        for conjunct in _conjuncts(body):
            age = _max_age(conjunct, variable)
            if age is not None:
                found.append(age)
    return min(found) if found else None


def _conjuncts(node: Node) -> list[Node]:
    if isinstance(node, Binary) and node.op is Operator.AND:
        return [*_conjuncts(node.left), *_conjuncts(node.right)]
    return [node]


def _max_age(node: Node, variable: str) -> int | None:
    if not isinstance(node, Binary):
        return None

    def is_at(candidate: Node) -> bool:
        return (
            isinstance(candidate, Select)
            and candidate.field == "at"
            and isinstance(candidate.operand, Ident)
            and candidate.operand.name == variable
        )

    def is_now(candidate: Node) -> bool:
        return isinstance(candidate, Ident) and candidate.name == "now"

    def constant(candidate: Node) -> int | None:
        if not _is_constant(candidate):
            return None
        try:
            value = compile_condition(candidate)({}, [])
        except Exception:
            return None
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else None

    left, right = node.left, node.right
    if node.op in (Operator.LE, Operator.LT) and _is_sub(left, is_now, is_at):  # now - e.at <= X
        return constant(right)
    if node.op in (Operator.GE, Operator.GT) and is_at(left) and _is_sub(right, is_now, None):  # e.at >= now - X
        assert isinstance(right, Binary)
        return constant(right.right)
    return None


def _is_sub(node: Node, left: Callable[[Node], bool], right: Callable[[Node], bool] | None) -> bool:
    """`node` is `a - b` with `left(a)` (and `right(b)` when given)."""
    if not isinstance(node, Binary) or node.op is not Operator.SUB:
        return False
    return left(node.left) and (right is None or right(node.right))
