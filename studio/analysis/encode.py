"""CEL syntax trees -> z3 formulas over a `Space`, for one (agent, action) cell.

A condition is encoded for the cell it is evaluated in: `agent.*` and `action.*` are the
cell's constants (folded away, so `action.purpose in ['marketing']` is simply true or false),
`params.x` is the cell action's parameter, `history` the symbolic history of the request, and
`now` its decision time. Encodings are memoised by sub-tree and by the parts of the cell the
sub-tree reads, so a history predicate shared by fifty rules is built once.

Exact: booleans, numbers (as rationals), enums and the stack's names (as codes), strings,
timestamps and durations (integer µs, so windows like `now - e.at <= days(7)` are exact),
lists of enums, `in`, `exists` / `all` / `exists_one` / `filter` / `size` over the history and
over list literals, string tests, `days()` of constants.

Approximated soundly (the solver may consider more cases than exist, never fewer; a witness
found through an approximation is confirmed by the engine or dropped):
- `getHours` / `getMinutes` / `getDayOfWeek` in a zone with daylight saving: the offset is any
  of the zone's offsets, not the one in force at that instant; a time-zone attribute ranges
  over the named zones plus one representative per UTC offset;
- counting inside lists that may repeat values (lists of enums or strings), strings in lists
  beyond the literals the conditions mention, lists of numbers;
- division by a non-constant (z3 leaves x/0 unspecified; the engine gives inf or NaN), and
  `days(x)` of a non-constant (rounding);
- any construct outside these: the sub-condition becomes a fresh true-or-false variable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import z3

from studio.analysis.history import History
from studio.analysis.space import Space, zone_offsets
from studio.analysis.symbolic import (
    SBool,
    SList,
    SNum,
    SRecord,
    SStr,
    STime,
    Term,
    UnsupportedError,
    Value,
    and_,
    boolean,
    count,
    equal,
    integer,
    is_const,
    ite,
    member,
    mk_add,
    mk_compare,
    mk_sub,
    not_,
    or_,
    real,
    text,
)
from studio.cel.ast import (
    MIRRORED,
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
from studio.clock import MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, parse_duration, parse_instant

_UNITS = {"days": MICROS_PER_DAY, "hours": MICROS_PER_HOUR, "minutes": MICROS_PER_MINUTE}


@dataclass(frozen=True, slots=True)
class Env:
    """One request's free parts: its history, its decision time and its parameters' namespace."""

    name: str
    history: History
    now: Term
    params: str = ""
    history_groups: frozenset[str] = frozenset({"h"})
    """The domain groups reading the history reaches."""
    now_group: str = "now"


@dataclass(frozen=True, slots=True)
class Context:
    """Where a condition is evaluated: a cell's agent and action (constants) and a request (`env`)."""

    agent: Mapping[str, str]
    action: Mapping[str, str]
    env: Env
    param_names: frozenset[str] = frozenset()

    def key(self, deps: frozenset[str]) -> tuple[Any, ...]:
        """The parts of the context a sub-tree reading `deps` depends on."""
        return (
            tuple(self.agent.values()) if "agent" in deps else None,
            tuple(self.action.values()) if "action" in deps or "params" in deps else None,
            self.env.name if deps & _REQUEST_PARTS else None,
            self.env.params if "params" in deps else None,
        )


_REQUEST_PARTS = frozenset({"history", "now", "params"})


@dataclass(frozen=True, slots=True)
class Encoded:
    """A condition's formula (or a folded constant) and the approximations it went through."""

    term: Term | bool
    approximations: tuple[str, ...] = ()
    uses: frozenset[str] = frozenset()
    """The domain groups (space.py) the formula reaches."""

    @property
    def exact(self) -> bool:
        return not self.approximations


@dataclass(slots=True)
class _Binding:
    value: Value
    key: tuple[Any, ...] | None
    """Identifies the bound item for memoisation; None: don't memoise below this binding."""


@dataclass(slots=True)
class Encoder:
    """Encodes conditions for a `Space`; keeps its memo across calls (and across stack edits)."""

    space: Space
    memo: dict[tuple[Any, ...], tuple[Value, tuple[str, ...], frozenset[str]]] = field(default_factory=dict)
    _nodes: dict[int, tuple[Node, int, frozenset[str]]] = field(default_factory=dict)
    _interned: dict[Node, int] = field(default_factory=dict)
    _notes: list[str] = field(default_factory=list)
    _uses: set[str] = field(default_factory=set)
    _lists: dict[str, SList] = field(default_factory=dict)
    offsets: list[tuple[Term, Term | int, SStr]] = field(default_factory=list)
    """Every approximated zone offset: (offset variable, the time it is read at, the zone)."""

    def condition(self, node: Node, context: Context) -> Encoded:
        """The formula of a true-or-false condition in `context`."""
        notes, uses = self._notes, self._uses
        self._notes, self._uses = [], set()
        try:
            value = self._boolean(node, context, {})
            return Encoded(value.term, tuple(dict.fromkeys(self._notes)), frozenset(self._uses))
        finally:
            self._notes, self._uses = notes, uses

    # -- dispatch ----------------------------------------------------------------------------------

    def _encode(self, node: Node, context: Context, scope: dict[str, _Binding]) -> Value:
        shared, deps = self._info(node)
        bound = [name for name in deps if name in scope]
        key: tuple[Any, ...] | None = None
        if all(scope[name].key is not None for name in bound):
            key = (shared, context.key(deps), tuple((name, scope[name].key) for name in sorted(bound)))
            found = self.memo.get(key)
            if found is not None:
                self._notes.extend(found[1])
                self._uses.update(found[2])
                return found[0]
        outer, outer_uses = self._notes, self._uses
        self._notes, self._uses = [], set()
        try:
            value = self._dispatch(node, context, scope)
            notes, uses = tuple(self._notes), frozenset(self._uses)
        finally:
            self._notes = outer + self._notes
            self._uses = outer_uses | self._uses
        if key is not None:
            self.memo[key] = (value, notes, uses)
        return value

    def _dispatch(self, node: Node, context: Context, scope: dict[str, _Binding]) -> Value:
        if isinstance(node, Literal):
            return _literal(node.value)
        if isinstance(node, ListLiteral):
            items = [self._encode(item, context, scope) for item in node.items]
            members = (
                {item.const: True for item in items if isinstance(item, SStr) and item.const is not None}
                if all(isinstance(item, SStr) and item.const is not None for item in items)
                else None
            )
            return SList(tuple((True, item) for item in items), len(items), members)
        if isinstance(node, Ident):
            return self._ident(node.name, context, scope)
        if isinstance(node, Select):
            operand = self._encode(node.operand, context, scope)
            if not isinstance(operand, SRecord):
                raise UnsupportedError(f"reading '{node.field}' from a {type(operand).__name__}")
            return operand.read(node.field)
        if isinstance(node, Unary):
            return self._unary(node, context, scope)
        if isinstance(node, Binary):
            return self._binary(node, context, scope)
        if isinstance(node, Conditional):
            return self._conditional(node, context, scope)
        if isinstance(node, Comprehension):
            return self._comprehension(node, context, scope)
        if isinstance(node, Call):
            return self._call(node, context, scope)
        raise UnsupportedError(type(node).__name__)

    def _boolean(self, node: Node, context: Context, scope: dict[str, _Binding]) -> SBool:
        """A true-or-false sub-condition; an unsupported one becomes a fresh variable."""
        try:
            value = self._encode(node, context, scope)
        except UnsupportedError as error:
            self._notes.append(f"approximated: {error}")
            return SBool(self._fresh_bool("unsupported"))
        if not isinstance(value, SBool):
            raise UnsupportedError("a condition that isn't true or false")
        return value

    def _info(self, node: Node) -> tuple[int, frozenset[str]]:
        """(an id shared by structurally equal sub-trees, the free names it reads), computed once
        per node object: hashing a frozen tree walks it, so it is done once, not per lookup."""
        found = self._nodes.get(id(node))
        if found is None or found[0] is not node:
            if isinstance(node, Ident):
                deps = frozenset({node.name})
            elif isinstance(node, Comprehension):
                deps = self._info(node.target)[1] | (self._info(node.body)[1] - {node.variable})
            else:
                deps = frozenset().union(*(self._info(child)[1] for child in node.children()))
            shared = self._interned.setdefault(node, len(self._interned))
            found = (node, shared, deps)
            self._nodes[id(node)] = found
        return found[1], found[2]

    def _dependencies(self, node: Node) -> frozenset[str]:
        """The free names a sub-tree reads (variables and comprehension variables of enclosing scopes)."""
        return self._info(node)[1]

    # -- names -------------------------------------------------------------------------------------

    def _ident(self, name: str, context: Context, scope: dict[str, _Binding]) -> Value:
        if name in scope:
            return scope[name].value
        space = self.space
        if name == "customer":
            return SRecord("customer", lambda field: self._use(f"customer.{field}", space.attribute(field)))
        if name == "params":
            action = context.action["id"]
            namespace = context.env.params
            return SRecord(
                "params",
                lambda field: self._use(f"params{namespace}.{action}.{field}", space.param(namespace, action, field)),
            )
        if name == "history":
            self._uses.update(context.env.history_groups)
            cached = self._lists.get(context.env.name)
            if cached is None:
                cached = context.env.history.as_list()
                self._lists[context.env.name] = cached
            return cached
        if name == "now":
            self._uses.add(context.env.now_group)
            return STime(context.env.now)
        if name in ("agent", "action"):
            values = context.agent if name == "agent" else context.action
            return SRecord(name, lambda field: SStr(const=values[field]))
        raise UnsupportedError(f"the variable '{name}'")

    # -- operators ---------------------------------------------------------------------------------

    def _use(self, name: str, value: Value) -> Value:
        """Note that a formula reaches the variable `name` (its group, once it exists)."""
        group = self.space.group_of.get(name)
        if group is not None:
            self._uses.add(group)
        return value

    def _fresh_bool(self, hint: str) -> Term:
        variable = self.space.fresh_bool(hint)
        self._uses.add(variable.decl().name())
        return variable

    def _unary(self, node: Unary, context: Context, scope: dict[str, _Binding]) -> Value:
        if node.op is Operator.NOT:
            return SBool(not_(self._boolean(node.operand, context, scope).term))
        operand = self._encode(node.operand, context, scope)
        if isinstance(operand, SNum):
            return SNum(-operand.term)
        if isinstance(operand, STime):
            return STime(-operand.term)
        raise UnsupportedError("negating a non-number")

    def _binary(self, node: Binary, context: Context, scope: dict[str, _Binding]) -> Value:
        op = node.op
        if op is Operator.AND:
            left = self._boolean(node.left, context, scope).term
            if left is False:
                return SBool(False)
            return SBool(and_(left, self._boolean(node.right, context, scope).term))
        if op is Operator.OR:
            left = self._boolean(node.left, context, scope).term
            if left is True:
                return SBool(True)
            return SBool(or_(left, self._boolean(node.right, context, scope).term))
        if op in _COMPARE or op in (Operator.EQ, Operator.NE, Operator.IN):
            try:
                return SBool(self._comparison(node, context, scope))
            except UnsupportedError as error:
                self._notes.append(f"approximated: {error}")
                return SBool(self._fresh_bool("comparison"))
        return self._arithmetic(op, self._encode(node.left, context, scope), self._encode(node.right, context, scope))

    def _comparison(self, node: Binary, context: Context, scope: dict[str, _Binding]) -> Term | bool:
        left = self._encode(node.left, context, scope)
        right = self._encode(node.right, context, scope)
        op = node.op
        if op is Operator.IN:
            if not isinstance(right, SList):
                raise UnsupportedError("'in' on a non-list")
            if right.members is None and not right.closed:
                raise UnsupportedError("membership in a list whose items aren't known")
            return member(left, right)
        if isinstance(left, SNum) and isinstance(right, SNum):
            if left.count is not None and isinstance(right.term, Fraction):
                return _count_compare(op, left.count, right.term)
            if right.count is not None and isinstance(left.term, Fraction):
                return _count_compare(MIRRORED[op], right.count, left.term)
        if op is Operator.EQ:
            return equal(left, right)
        if op is Operator.NE:
            return not_(equal(left, right))
        if isinstance(left, SNum) and isinstance(right, SNum):
            if isinstance(left.term, Fraction) and isinstance(right.term, Fraction):
                return bool(_COMPARE[op](left.term, right.term))
            return mk_compare(op.value, real(left.term), real(right.term))
        if isinstance(left, STime) and isinstance(right, STime):
            if is_const(left.term) and is_const(right.term):
                return bool(_COMPARE[op](left.term, right.term))
            return mk_compare(op.value, integer(left.term), integer(right.term))
        raise UnsupportedError(f"ordering a {type(left).__name__}")

    def _arithmetic(self, op: Operator, left: Value, right: Value) -> Value:
        if isinstance(left, SNum) and isinstance(right, SNum):
            a, b = left.term, right.term
            if isinstance(a, Fraction) and isinstance(b, Fraction):
                if op is Operator.DIV and b == 0:
                    raise UnsupportedError("dividing by zero")
                return SNum(_ARITHMETIC[op](a, b))
            if op is Operator.DIV and not (isinstance(b, Fraction) and b != 0):
                self._notes.append("approximated: division by a value that may be zero")
            return SNum(_ARITHMETIC[op](real(a), real(b)))
        if isinstance(left, STime) and isinstance(right, STime) and op in (Operator.ADD, Operator.SUB):
            if is_const(left.term) and is_const(right.term):
                return STime(_ARITHMETIC[op](left.term, right.term))
            if op is Operator.SUB:
                return STime(mk_sub(integer(left.term), integer(right.term)))
            return STime(mk_add(integer(left.term), integer(right.term)))
        if isinstance(left, SStr) and isinstance(right, SStr) and op is Operator.ADD:
            if left.const is not None and right.const is not None:
                return SStr(const=left.const + right.const)
            return SStr(text=z3.Concat(text(left), text(right)))
        raise UnsupportedError(f"'{op}' on {type(left).__name__} and {type(right).__name__}")

    def _conditional(self, node: Conditional, context: Context, scope: dict[str, _Binding]) -> Value:
        condition = self._boolean(node.condition, context, scope).term
        if isinstance(condition, bool):
            return self._encode(node.then if condition else node.otherwise, context, scope)
        then = self._encode(node.then, context, scope)
        otherwise = self._encode(node.otherwise, context, scope)
        if isinstance(then, SBool) and isinstance(otherwise, SBool):
            return SBool(ite(condition, then.term, otherwise.term))
        if isinstance(then, SNum) and isinstance(otherwise, SNum):
            return SNum(z3.If(condition, real(then.term), real(otherwise.term)))
        if isinstance(then, STime) and isinstance(otherwise, STime):
            return STime(z3.If(condition, integer(then.term), integer(otherwise.term)))
        if isinstance(then, SStr) and isinstance(otherwise, SStr):
            if then.code is not None and otherwise.code is not None and then.domain == otherwise.domain:
                return SStr(code=z3.If(condition, then.code, otherwise.code), domain=then.domain)
            return SStr(text=z3.If(condition, text(then), text(otherwise)))
        raise UnsupportedError("a conditional over lists or records")

    # -- macros ------------------------------------------------------------------------------------

    def _comprehension(self, node: Comprehension, context: Context, scope: dict[str, _Binding]) -> Value:
        try:
            target = self._encode(node.target, context, scope)
        except UnsupportedError as error:
            if node.quantifier is Quantifier.FILTER:
                raise
            self._notes.append(f"approximated: {error}")
            return SBool(self._fresh_bool("comprehension"))
        if not isinstance(target, SList) or (not target.items and not target.closed):
            if node.quantifier is Quantifier.FILTER:
                raise UnsupportedError("filtering a list whose items aren't known")
            self._notes.append("approximated: a comprehension over a list whose items aren't known")
            return SBool(self._fresh_bool("comprehension"))
        if not target.closed:
            self._notes.append("approximated: strings in a list beyond those the conditions mention")
        kept: list[tuple[Term | bool, Value, Term | bool]] = []
        for index, (guard, item) in enumerate(target.items):
            if guard is False:
                continue
            inner = {
                **scope,
                node.variable: _Binding(item, _item_key(item, index, node.target, self._info(node.target)[0])),
            }
            kept.append((guard, item, self._boolean(node.body, context, inner).term))
        quantifier = node.quantifier
        if quantifier is Quantifier.EXISTS:
            return SBool(or_(*(and_(guard, body) for guard, _, body in kept)))
        if quantifier is Quantifier.ALL:
            return SBool(and_(*(or_(not_(guard), body) for guard, _, body in kept)))
        matches = [(and_(guard, body), item) for guard, item, body in kept]
        size: Term | int = count(match for match, _ in matches)
        if not target.exact_counts:
            size = self._at_least(size, "filtered list")
        if quantifier is Quantifier.EXISTS_ONE:
            return SBool(size == 1)
        return SList(tuple(matches), size, None, exact_counts=target.exact_counts, closed=target.closed)

    def _at_least(self, distinct: Term | int, hint: str) -> Term:
        """A count over a list that may repeat values: at least the distinct matches, zero only with none."""
        self._notes.append("approximated: counting in a list that may repeat values")
        size = self.space.fresh_int(hint)
        name = size.decl().name()
        constraints = (size >= integer(distinct), z3.Implies(integer(distinct) == 0, size == 0))
        self.space.constrain(name, *constraints, links=set(self._uses))
        self._uses.add(name)
        return size

    # -- functions ---------------------------------------------------------------------------------

    def _call(self, node: Call, context: Context, scope: dict[str, _Binding]) -> Value:
        name = node.function
        if name == "size":
            subject = self._encode(node.target if node.target is not None else node.args[0], context, scope)
            if isinstance(subject, SStr):
                if subject.const is not None:
                    return SNum(Fraction(len(subject.const)))
                return SNum(z3.ToReal(z3.Length(text(subject))))
            if isinstance(subject, SList):
                if isinstance(subject.size, int):
                    return SNum(Fraction(subject.size))
                guards = tuple(guard for guard, _ in subject.items) if subject.exact_counts else None
                return SNum(z3.ToReal(subject.size), guards)
            raise UnsupportedError("size() of a non-list")
        if name in ("duration", "timestamp"):
            literal = node.args[0]
            assert isinstance(literal, Literal) and isinstance(literal.value, str)
            if name == "duration":
                return STime(parse_duration(literal.value, allow_days=False))
            return STime(parse_instant(literal.value, now=0))
        if name in _UNITS:
            return self._length(_UNITS[name], self._encode(node.args[0], context, scope))
        if name in _CLOCK:
            return self._clock(node, context, scope)
        return SBool(self._string_test(node, context, scope))

    def _length(self, unit: int, amount: Value) -> STime:
        if not isinstance(amount, SNum):
            raise UnsupportedError("a length of time that isn't a number")
        if isinstance(amount.term, Fraction):
            return STime(round(float(amount.term) * unit))
        self._notes.append("approximated: rounding a computed length of time")
        micros = self.space.fresh_int("length")
        exact = amount.term * unit
        name = micros.decl().name()
        bounds = (z3.ToReal(micros) - exact <= Fraction(1, 2), exact - z3.ToReal(micros) <= Fraction(1, 2))
        self.space.constrain(name, *bounds, links=set(self._uses))
        self._uses.add(name)
        return STime(micros)

    def _clock(self, node: Call, context: Context, scope: dict[str, _Binding]) -> SNum:
        assert node.target is not None
        moment = self._encode(node.target, context, scope)
        if not isinstance(moment, STime):
            raise UnsupportedError("reading the clock of a non-time")
        offset = self._offset(node.args[0] if node.args else None, moment, context, scope)
        local = integer(moment.term) + integer(offset) if not (is_const(moment.term) and is_const(offset)) else None
        unit, modulus, shift = _CLOCK[node.function]
        if local is None:
            total = int(moment.term) + int(offset)
            return SNum(Fraction((total // unit + shift) % modulus))
        return SNum(z3.ToReal((local / unit + shift) % modulus))

    def _offset(
        self, zone_node: Node | None, moment: STime, context: Context, scope: dict[str, _Binding]
    ) -> Term | int:
        """The zone's UTC offset at `moment`: exact for fixed-offset zones, any of its offsets otherwise."""
        if zone_node is None:
            return 0
        zone_value = self._encode(zone_node, context, scope)
        if not isinstance(zone_value, SStr):
            raise UnsupportedError("a time zone that isn't a string")
        if zone_value.const is not None:
            choices = {zone_value.const: zone_offsets(zone_value.const)}
        elif zone_value.code is not None and zone_value.domain is not None:
            choices = {zone: zone_offsets(zone) for zone in zone_value.domain.values}
        else:
            raise UnsupportedError("a time zone computed from text")
        every = {offset for offsets in choices.values() for offset in offsets}
        if len(every) == 1:
            return next(iter(every))
        if any(len(offsets) > 1 for offsets in choices.values()):
            self._notes.append("approximated: a zone's daylight-saving offset is any of its offsets")
        key = (
            "offset",
            _term_key(moment.term),
            _term_key(zone_value.code if zone_value.code is not None else zone_value.const),
        )
        cached = self.memo.get(key)
        if cached is not None:
            value = cached[0]
            assert isinstance(value, STime)
            self._uses.update(cached[2])
            return value.term
        offset = self.space.fresh_int("offset")
        name = offset.decl().name()
        constraints = []
        for index, offsets in enumerate(choices.values()):
            options = z3.Or(*(offset == value for value in offsets))
            constraints.append(options if zone_value.code is None else z3.Implies(zone_value.code == index, options))
        zone_group = self.space.group_of.get(zone_value.code.decl().name()) if zone_value.code is not None else None
        self.space.constrain(name, *constraints, links={zone_group} if zone_group else set())
        self._uses.add(name)
        self.memo[key] = (STime(offset), (), frozenset({name}))
        self.offsets.append((offset, moment.term, zone_value))
        return offset

    def _string_test(self, node: Call, context: Context, scope: dict[str, _Binding]) -> Term | bool:
        assert node.target is not None
        try:
            subject = self._encode(node.target, context, scope)
            argument = self._encode(node.args[0], context, scope)
            if not isinstance(subject, SStr) or not isinstance(argument, SStr):
                raise UnsupportedError(f"{node.function}() on a non-string")
            test = _STRING_TESTS[node.function]
            if argument.const is not None:
                if subject.const is not None:
                    return bool(test(subject.const, argument.const))
                if subject.code is not None and subject.domain is not None:
                    return or_(
                        *(
                            subject.code == index
                            for index, value in enumerate(subject.domain.values)
                            if test(value, argument.const)
                        )
                    )
            return _Z3_STRING_TESTS[node.function](text(subject), text(argument))
        except UnsupportedError as error:
            self._notes.append(f"approximated: {error}")
            return self._fresh_bool("string test")


def _count_compare(op: Operator, guards: tuple[Term | bool, ...], value: Fraction) -> Term | bool:
    """`count(guards) op value` as pseudo-boolean constraints (AtLeast / AtMost)."""
    terms = [guard for guard in guards if not isinstance(guard, bool)]
    threshold = value - sum(1 for guard in guards if guard is True)

    def at_least(amount: int) -> Term | bool:
        if amount <= 0:
            return True
        return False if amount > len(terms) else z3.AtLeast(*terms, amount)

    def at_most(amount: int) -> Term | bool:
        if amount < 0:
            return False
        return True if amount >= len(terms) else z3.AtMost(*terms, amount)

    if op is Operator.GE:
        return at_least(math.ceil(threshold))
    if op is Operator.GT:
        return at_least(math.floor(threshold) + 1)
    if op is Operator.LE:
        return at_most(math.floor(threshold))
    if op is Operator.LT:
        return at_most(math.ceil(threshold) - 1)
    exactly = and_(at_least(int(threshold)), at_most(int(threshold))) if threshold.denominator == 1 else False
    return exactly if op is Operator.EQ else not_(exactly)


def _literal(value: bool | int | float | str) -> Value:
    if isinstance(value, bool):
        return SBool(value)
    if isinstance(value, int | float):
        return SNum(Fraction(value))
    return SStr(const=value)


def _item_key(item: Value, index: int, target: Node, shared: int) -> tuple[Any, ...] | None:
    if isinstance(item, SRecord) and item.key is not None:
        return ("event", *item.key)
    if isinstance(item, SStr) and item.const is not None:
        return ("const", item.const)
    if isinstance(target, ListLiteral) and all(isinstance(part, Literal) for part in target.items):
        return ("item", shared, index)
    return None


def _term_key(term: object) -> object:
    if term is None or isinstance(term, bool | int | str | Fraction):
        return term
    return ("z3", term.get_id())  # type: ignore[attr-defined]


_COMPARE: dict[Operator, Callable[[Any, Any], Any]] = {
    Operator.LT: lambda a, b: a < b,
    Operator.LE: lambda a, b: a <= b,
    Operator.GT: lambda a, b: a > b,
    Operator.GE: lambda a, b: a >= b,
}
_ARITHMETIC: dict[Operator, Callable[[Any, Any], Any]] = {
    Operator.ADD: lambda a, b: a + b,
    Operator.SUB: lambda a, b: a - b,
    Operator.MUL: lambda a, b: a * b,
    Operator.DIV: lambda a, b: a / b,
}
# (unit in µs, modulus, shift): getDayOfWeek counts from Sunday = 0 and 1970-01-01 was a Thursday.
_CLOCK: dict[str, tuple[int, int, int]] = {
    "getHours": (MICROS_PER_HOUR, 24, 0),
    "getMinutes": (MICROS_PER_MINUTE, 60, 0),
    "getDayOfWeek": (MICROS_PER_DAY, 7, 4),
}
_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "startsWith": str.startswith,
    "endsWith": str.endswith,
    "contains": lambda subject, part: part in subject,
}
_Z3_STRING_TESTS: dict[str, Callable[[Term, Term], Term]] = {
    "startsWith": lambda subject, part: z3.PrefixOf(part, subject),
    "endsWith": lambda subject, part: z3.SuffixOf(part, subject),
    "contains": lambda subject, part: z3.Contains(subject, part),
}


def conditions_literals(nodes: list[Node]) -> set[str]:
    """Every string literal in the given trees (the known members of string lists, named zones)."""
    return {
        part.value
        for node in nodes
        for part in node.walk()
        if isinstance(part, Literal) and isinstance(part.value, str)
    }


__all__ = ["Context", "Encoded", "Encoder", "Env", "boolean", "conditions_literals"]
