"""Symbolic values: what a CEL expression denotes inside the solver.

Each value is either a folded Python constant (known whatever the request) or a z3 term:

- `SBool`: a z3 Bool or a Python bool;
- `SNum`: a stack number, as a z3 Real (exact rationals) or a `Fraction`;
- `STime`: a timestamp or a duration, as a z3 Int of microseconds or a Python int;
- `SStr`: a string: a constant, an enum *code* (a z3 Int indexing a `Domain`'s values), or a
  free z3 String;
- `SList`: a list as guarded items (`(guard, value)`: the item is in the list when the guard
  holds), with a size term; history, list literals and enum lists all take this shape;
- `SRecord`: an object whose fields are read lazily (customer, params, an event, ...).

Folding constants here keeps rule formulas small: `action.purpose == 'sales'` is `True` or
`False` once the cell is known, and a rule that can't apply to a cell needs no solver call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import z3

Term = Any
"""A z3 expression (z3 ships no type information)."""


@dataclass(frozen=True, slots=True)
class Domain:
    """A finite set of strings coded as 0..n-1 (enums, agents, teams, event kinds, zones)."""

    name: str
    values: tuple[str, ...]

    def code(self, value: str) -> int | None:
        """The code of `value`, None when it isn't in the domain."""
        try:
            return self.values.index(value)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class SBool:
    term: Term | bool


@dataclass(frozen=True, slots=True)
class SNum:
    term: Term | Fraction
    count: tuple[Term | bool, ...] | None = None
    """For `size()` of a list whose items are exact: the guards being counted (compared with a
    constant, the count becomes a pseudo-boolean constraint, which z3 decides much faster)."""


@dataclass(frozen=True, slots=True)
class STime:
    term: Term | int


@dataclass(frozen=True, slots=True)
class SStr:
    const: str | None = None
    code: Term | None = None
    domain: Domain | None = None
    text: Term | None = None


@dataclass(frozen=True, slots=True)
class SList:
    items: tuple[tuple[Term | bool, Value], ...]
    size: Term | int
    members: dict[str, Term | bool] | None = None
    """For lists of enums or of strings: membership of each known value."""
    exact_counts: bool = True
    """False when `items` don't stand for every element one-for-one (duplicates, unknown strings)."""
    closed: bool = True
    """True when `members` (or the items) cover every value an element can have."""


@dataclass(frozen=True, slots=True)
class SRecord:
    name: str
    read: Callable[[str], Value] = field(compare=False)
    key: tuple[str, int] | None = None
    """For history events: which slot of which history (identifies the event in encodings)."""


Value = SBool | SNum | STime | SStr | SList | SRecord


class UnsupportedError(Exception):
    """A construct the encoding doesn't represent exactly; the encoder substitutes a fresh variable."""


# -- fast term construction -------------------------------------------------------------------------
# z3's Python helpers (`z3.And`, `==` on terms, ...) coerce and check every argument, which
# dominates encoding time; these build the same terms through the C API directly.

CTX = z3.main_ctx()
"""The z3 context every term of the analysis lives in."""
_INTS: dict[int, Term] = {}
_REALS: dict[Fraction, Term] = {}


def ast_array(terms: list[Term]) -> Any:
    """The terms as a C array of ASTs (for z3's C API)."""
    array = (z3.Ast * len(terms))()
    for index, term in enumerate(terms):
        array[index] = term.as_ast()
    return array


def mk_and(terms: list[Term]) -> Term:
    """And of z3 Bool terms."""
    return z3.BoolRef(z3.Z3_mk_and(CTX.ref(), len(terms), ast_array(terms)), CTX)


def mk_or(terms: list[Term]) -> Term:
    """Or of z3 Bool terms."""
    return z3.BoolRef(z3.Z3_mk_or(CTX.ref(), len(terms), ast_array(terms)), CTX)


def mk_not(term: Term) -> Term:
    """Not of a z3 Bool term."""
    return z3.BoolRef(z3.Z3_mk_not(CTX.ref(), term.as_ast()), CTX)


def mk_eq(left: Term, right: Term) -> Term:
    """`left == right` for two z3 terms of one sort."""
    return z3.BoolRef(z3.Z3_mk_eq(CTX.ref(), left.as_ast(), right.as_ast()), CTX)


def int_val(value: int) -> Term:
    """A (shared) z3 Int constant."""
    found = _INTS.get(value)
    if found is None:
        found = z3.IntVal(value)
        if len(_INTS) < 100_000:
            _INTS[value] = found
    return found


def real_val(value: Fraction) -> Term:
    """A (shared) z3 Real constant."""
    found = _REALS.get(value)
    if found is None:
        found = z3.Q(value.numerator, value.denominator)
        if len(_REALS) < 100_000:
            _REALS[value] = found
    return found


_MAKERS = {
    "<": z3.Z3_mk_lt,
    "<=": z3.Z3_mk_le,
    ">": z3.Z3_mk_gt,
    ">=": z3.Z3_mk_ge,
}


def mk_compare(op: str, left: Term, right: Term) -> Term:
    """`left op right` (op one of < <= > >=) for two arithmetic terms of one sort."""
    return z3.BoolRef(_MAKERS[op](CTX.ref(), left.as_ast(), right.as_ast()), CTX)


def mk_sub(left: Term, right: Term) -> Term:
    """`left - right` for two arithmetic terms of one sort."""
    made = z3.Z3_mk_sub(CTX.ref(), 2, ast_array([left, right]))
    return z3.ArithRef(made, CTX)


def mk_add(left: Term, right: Term) -> Term:
    """`left + right` for two arithmetic terms of one sort."""
    return z3.ArithRef(z3.Z3_mk_add(CTX.ref(), 2, ast_array([left, right])), CTX)


def mk_ite(condition: Term, then: Term, otherwise: Term) -> Term:
    """If-then-else on z3 terms (Bool or arithmetic branches of one sort)."""
    made = z3.Z3_mk_ite(CTX.ref(), condition.as_ast(), then.as_ast(), otherwise.as_ast())
    return z3.BoolRef(made, CTX) if z3.is_bool(then) else z3.ArithRef(made, CTX)


# -- constants and conversions ------------------------------------------------------------------


def is_const(term: object) -> bool:
    """True for folded Python constants (bool, int, Fraction)."""
    return isinstance(term, bool | int | Fraction)


def real(term: Term | Fraction) -> Term:
    """A z3 Real for a number term or constant."""
    if isinstance(term, Fraction):
        return real_val(term)
    return term


def integer(term: Term | int) -> Term:
    """A z3 Int for a time term or constant."""
    if isinstance(term, int) and not isinstance(term, bool):
        return int_val(term)
    return term


def boolean(term: Term | bool) -> Term:
    """A z3 Bool for a condition term or constant."""
    if isinstance(term, bool):
        return z3.BoolVal(term)
    return term


def text(value: SStr) -> Term:
    """A string value as a z3 String term (enum codes become a chain of Ifs)."""
    if value.const is not None:
        return z3.StringVal(value.const)
    if value.text is not None:
        return value.text
    assert value.code is not None and value.domain is not None
    values = value.domain.values
    result = z3.StringVal(values[-1] if values else "")
    for index in range(len(values) - 2, -1, -1):
        result = z3.If(value.code == index, z3.StringVal(values[index]), result)
    return result


# -- folding boolean connectives -----------------------------------------------------------------


def and_(*terms: Term | bool) -> Term | bool:
    """Conjunction, folding constants."""
    kept = []
    for term in terms:
        if term is True:
            continue
        if term is False:
            return False
        kept.append(term)
    if not kept:
        return True
    return kept[0] if len(kept) == 1 else mk_and(kept)


def or_(*terms: Term | bool) -> Term | bool:
    """Disjunction, folding constants."""
    kept = []
    for term in terms:
        if term is False:
            continue
        if term is True:
            return True
        kept.append(term)
    if not kept:
        return False
    return kept[0] if len(kept) == 1 else mk_or(kept)


def not_(term: Term | bool) -> Term | bool:
    """Negation, folding constants."""
    if isinstance(term, bool):
        return not term
    return mk_not(term)


def ite(condition: Term | bool, then: Term | bool, otherwise: Term | bool) -> Term | bool:
    """If-then-else on conditions, folding constants."""
    if condition is True:
        return then
    if condition is False:
        return otherwise
    if then is otherwise or (not isinstance(then, bool) and not isinstance(otherwise, bool) and then.eq(otherwise)):
        return then
    return mk_ite(condition, boolean(then), boolean(otherwise))


def count(guards: Iterable[Term | bool]) -> Term | int:
    """How many guards hold, as an Int term (an int when all are constants)."""
    constant = 0
    terms = []
    for guard in guards:
        if guard is True:
            constant += 1
        elif guard is not False:
            terms.append(mk_ite(guard, int_val(1), int_val(0)))
    if not terms:
        return constant
    total = z3.Sum(*terms) if len(terms) > 1 else terms[0]
    return total + constant if constant else total


# -- equality ------------------------------------------------------------------------------------


def equal(left: Value, right: Value) -> Term | bool:
    """`left == right` for two values of comparable types."""
    if isinstance(left, SBool) and isinstance(right, SBool):
        if isinstance(left.term, bool) and isinstance(right.term, bool):
            return left.term == right.term
        return mk_eq(boolean(left.term), boolean(right.term))
    if isinstance(left, SNum) and isinstance(right, SNum):
        if isinstance(left.term, Fraction) and isinstance(right.term, Fraction):
            return left.term == right.term
        return mk_eq(real(left.term), real(right.term))
    if isinstance(left, STime) and isinstance(right, STime):
        if is_const(left.term) and is_const(right.term):
            return bool(left.term == right.term)
        return mk_eq(integer(left.term), integer(right.term))
    if isinstance(left, SStr) and isinstance(right, SStr):
        return _string_equal(left, right)
    if isinstance(left, SList) and isinstance(right, SList):
        return _list_equal(left, right)
    raise UnsupportedError(f"comparing {type(left).__name__} with {type(right).__name__}")


def _string_equal(left: SStr, right: SStr) -> Term | bool:
    if left.const is not None and right.const is not None:
        return left.const == right.const
    if left.const is not None:
        left, right = right, left
    if right.const is not None:
        if left.code is not None and left.domain is not None:
            code = left.domain.code(right.const)
            return False if code is None else mk_eq(left.code, int_val(code))
        return text(left) == z3.StringVal(right.const)
    if left.code is not None and right.code is not None and left.domain is not None and right.domain is not None:
        if left.domain.values == right.domain.values:
            return mk_eq(left.code, right.code)
        pairs = [
            mk_and([mk_eq(left.code, int_val(index)), mk_eq(right.code, int_val(right.domain.values.index(value)))])
            for index, value in enumerate(left.domain.values)
            if value in right.domain.values
        ]
        return or_(*pairs)
    return text(left) == text(right)


def _list_equal(left: SList, right: SList) -> Term | bool:
    if not left.exact_counts or not right.exact_counts:
        raise UnsupportedError("comparing lists whose elements aren't all known")
    # Lists are equal when they hold the same items in the same order; with guarded items
    # that is only decidable here for constant lists.
    if all(guard is True for guard, _ in left.items) and all(guard is True for guard, _ in right.items):
        if len(left.items) != len(right.items):
            return False
        return and_(*(equal(a, b) for (_, a), (_, b) in zip(left.items, right.items, strict=True)))
    raise UnsupportedError("comparing lists")


def member(item: Value, items: SList) -> Term | bool:
    """`item in items`."""
    if items.members is not None and isinstance(item, SStr):
        if item.const is not None:
            known = items.members.get(item.const)
            if known is not None:
                return known
            if items.closed:
                return False
        elif item.code is not None and item.domain is not None and items.closed:
            return or_(
                *(
                    and_(mk_eq(item.code, int_val(index)), items.members[value])
                    for index, value in enumerate(item.domain.values)
                    if value in items.members
                )
            )
    return or_(*(and_(guard, equal(item, value)) for guard, value in items.items))


def fraction(value: float | int) -> Fraction:
    """A number literal as an exact fraction (floats keep their exact binary value)."""
    return Fraction(value)
