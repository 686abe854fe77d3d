"""One z3 solver for a whole analysis, asked small questions.

Measured here: a solver holding every rule's formula (assumption literals) or the whole domain
answers in milliseconds, while a solver that sees only what a question needs answers in a
fraction of one. So the session keeps one solver with nothing asserted permanently, and asks
each question in a `push`/`pop` scope holding:

- the formulas of the question;
- the domain constraints of the variables they reach (their *groups*, see space.py): a
  question about `customer.arr_usd` never sees the history's constraints;
- when the formulas read the history, only the first n slots, n = the question's *need*
  (history.py): the later slots are substituted away (absent) and their domain constraints
  left out. A question that needs two events is asked over two slots, which is exact, and its
  witness has at most two events.

A formula's need is registered with it by the encoder (from its syntax tree, per polarity);
for formulas the checks combine from registered ones (`and`, `or`, `not`), it is derived:
`not` swaps the needs when true and when false, `and` / `or` add them up.

Answers are memoised by the formulas' identities (z3 shares structurally equal terms), so
asking again about an unchanged rule, after another rule was edited, costs a lookup.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import z3

from studio.analysis.space import Space
from studio.analysis.symbolic import CTX, Term, ast_array

CHECK_TIMEOUT_MS = 5_000
"""A single question that takes longer is answered 'unknown' (and reported as such)."""
HISTORY = "h"
"""The marker group of "reads the primary history"; slot i's constraints are group `h<i>`."""
UNBOUNDED = 1_000_000
QUICK_SLOTS = 2
"""History slots of the quick first try for questions that are probably satisfiable."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to one question: a model when the formulas can hold together."""

    model: z3.ModelRef | None
    slots: int | None = None
    """How many history slots the question was asked over (None: it doesn't read the history)."""
    bounded: bool = False
    """No model within the history bound, but the question needs more events to be exact."""
    unknown: bool = False
    """The solver gave up (timeout): neither a witness nor a proof."""

    @property
    def sat(self) -> bool:
        return self.model is not None


UNSAT = Outcome(None)


@dataclass(slots=True)
class Stats:
    """What the solver did: questions asked, answered from memory, and the time spent."""

    checks: int = 0
    memo_hits: int = 0
    folded: int = 0
    """Questions answered without the solver because a formula folded to false."""
    unknown: int = 0
    bounded: int = 0
    seconds: float = 0.0


class Session:
    """The solver, the groups each formula reaches, and the memo of answers."""

    def __init__(self, space: Space, history_bound: int, present: Sequence[Term] = ()) -> None:
        self.space = space
        self.history_bound = history_bound
        self.present = list(present)
        """The primary history's presence flags, slot by slot."""
        self.solver = z3.Solver()
        self.solver.set("timeout", CHECK_TIMEOUT_MS)
        self._uses: dict[int, tuple[frozenset[str], Term]] = {}
        self._needs: dict[int, tuple[tuple[int, int], Term]] = {}
        self._cut: dict[tuple[int, int], Term] = {}
        self._cut_arrays: dict[int, tuple[int, Any, Any]] = {}
        self.slot_groups = {f"{HISTORY}{index}": index for index in range(len(self.present))}
        self._answers: dict[tuple[object, ...], tuple[Outcome, tuple[Term, ...]]] = {}
        self._group_terms: dict[str, tuple[int, Term]] = {}
        self._ids: dict[int, tuple[Term, int]] = {}
        self.stats = Stats()

    def _id(self, term: Term) -> int:
        """z3's id of a term (cached by Python object: most terms are asked about many times)."""
        found = self._ids.get(id(term))
        if found is None or found[0] is not term:
            found = (term, term.get_id())
            self._ids[id(term)] = found
        return found[1]

    # -- what formulas reach --------------------------------------------------------------------

    def register(self, term: Term | bool, uses: Iterable[str], needs: tuple[int, int]) -> None:
        """Record the groups a formula reaches and its history needs (true, false), known from its tree."""
        if isinstance(term, bool):
            return
        key = term.get_id()
        self._uses[key] = (frozenset(uses), term)
        old = self._needs.get(key)
        if old is not None:
            needs = (max(old[0][0], needs[0]), max(old[0][1], needs[1]))
        self._needs[key] = (needs, term)

    def needs_of(self, term: Term) -> tuple[int, int]:
        """Events needed to decide the formula (true, false): registered, or derived from its parts."""
        key = self._id(term)
        found = self._needs.get(key)
        if found is not None:
            return found[0]
        kind, _, children = _parts(term)
        if kind == z3.Z3_OP_NOT:
            inner = self.needs_of(children[0])
            result = (inner[1], inner[0])
        elif kind in (z3.Z3_OP_AND, z3.Z3_OP_OR):
            parts = [self.needs_of(child) for child in children]
            result = (sum(part[0] for part in parts), sum(part[1] for part in parts))
        elif kind == z3.Z3_OP_IMPLIES:
            first, second = self.needs_of(children[0]), self.needs_of(children[1])
            result = (first[1] + second[0], first[0] + second[1])
        elif self._reads_history(self.uses_of(term)):
            both = sum(max(self.needs_of(child)) for child in children) if children else UNBOUNDED
            result = (both, both)
        else:
            result = (0, 0)
        self._needs[key] = (result, term)
        return result

    def _reads_history(self, groups: Iterable[str]) -> bool:
        return any(group == HISTORY or group in self.slot_groups for group in groups)

    def uses_of(self, term: Term) -> frozenset[str]:
        """The groups a formula reaches: registered, or found by walking down to registered parts."""
        key = self._id(term)
        found = self._uses.get(key)
        if found is not None:
            return found[0]
        _, name, children = _parts(term)
        if name is not None:
            group = self.space.group_of.get(name)
            uses = frozenset({group}) if group else frozenset()
        else:
            uses = frozenset().union(*(self.uses_of(child) for child in children))
        self._uses[key] = (uses, term)
        return uses

    def _closure(self, uses: Iterable[str]) -> list[str]:
        seen: set[str] = set()
        stack = list(uses)
        while stack:
            group = stack.pop()
            if group in seen:
                continue
            seen.add(group)
            stack.extend(self.space.links.get(group, ()))
        return sorted(seen)

    def _group_term(self, group: str) -> Term | None:
        constraints = self.space.groups.get(group)
        if not constraints:
            return None
        cached = self._group_terms.get(group)
        if cached is None or cached[0] != len(constraints):
            cached = (len(constraints), z3.And(*constraints))
            self._group_terms[group] = cached
        return cached[1]

    # -- questions ------------------------------------------------------------------------------

    def key(self, terms: Sequence[Term | bool]) -> tuple[int, ...]:
        """The identity of a question (its formulas), as memoised."""
        return tuple(sorted({self._id(term) for term in terms if not isinstance(term, bool)}))

    def check(self, terms: Sequence[Term | bool], *, likely: bool = False) -> Outcome:
        """Can all `terms` hold at once? `likely`: the answer is probably yes, so first try a
        short history (a model found there is a model), and the full one only if that fails."""
        if any(term is False for term in terms):
            self.stats.folded += 1
            return UNSAT
        real = [term for term in terms if not isinstance(term, bool)]
        key = tuple(sorted({self._id(term) for term in real}))
        found = self._answers.get(key)
        if found is not None:
            self.stats.memo_hits += 1
            return found[0]
        outcome = self._ask(real, QUICK_SLOTS) if likely else UNSAT
        if outcome.model is None:
            outcome = self._ask(real)
        self._answers[key] = (outcome, tuple(real))
        return outcome

    def check_fresh(self, terms: Sequence[Term | bool], blocking: Sequence[Term]) -> Outcome:
        """Like `check`, with extra constraints that rule out earlier models (not memoised)."""
        if any(term is False for term in terms):
            return UNSAT
        return self._ask([term for term in terms if not isinstance(term, bool)] + list(blocking))

    def _ask(self, terms: list[Term], most: int | None = None) -> Outcome:
        uses = frozenset().union(*(self.uses_of(term) for term in terms))
        history = self._reads_history(uses)
        need = sum(self.needs_of(term)[0] for term in terms) if history else 0
        if most is not None and (not history or need <= most):
            return UNSAT  # the quick try would be the full question
        slots = min(need, self.history_bound, most if most is not None else need) if history else None
        groups = [group for group in self._closure(uses - {HISTORY}) if group not in self.slot_groups]
        if slots is not None:
            groups += [f"{HISTORY}{index}" for index in range(slots)]
            groups += [g for g in self._closure(f"{HISTORY}{index}" for index in range(slots)) if g not in groups]
            terms = [self._cut_history(term, slots) for term in terms]
        # The C API directly: z3's Python helpers re-check every argument's sort, which costs
        # more than asserting. The calls (and so the solver's answers) are the same.
        ctx, solver = CTX.ref(), self.solver.solver
        z3.Z3_solver_push(ctx, solver)
        try:
            for group in groups:
                constraint = self._group_term(group)
                if constraint is not None:
                    z3.Z3_solver_assert(ctx, solver, constraint.as_ast())
            for term in terms:
                z3.Z3_solver_assert(ctx, solver, term.as_ast())
            started = time.perf_counter()
            result = z3.Z3_solver_check_assumptions(ctx, solver, 0, None)
            self.stats.seconds += time.perf_counter() - started
            self.stats.checks += 1
            model = z3.ModelRef(z3.Z3_solver_get_model(ctx, solver), CTX) if result == z3.Z3_L_TRUE else None
        finally:
            z3.Z3_solver_pop(ctx, solver, 1)
        if model is not None:
            return Outcome(model, slots)
        if result == z3.Z3_L_UNDEF:
            self.stats.unknown += 1
            return Outcome(None, slots, unknown=True)
        bounded = need > self.history_bound
        if most is not None:
            return Outcome(None, slots)
        if bounded:
            self.stats.bounded += 1
        return Outcome(None, slots, bounded=bounded)

    def _cut_history(self, term: Term, slots: int) -> Term:
        """The formula with history slots from `slots` on absent."""
        if slots >= len(self.present):
            return term
        key = (self._id(term), slots)
        found = self._cut.get(key)
        if found is None:
            arrays = self._cut_arrays.get(slots)
            if arrays is None:
                flags = self.present[slots:]
                arrays = (len(flags), ast_array(flags), ast_array([z3.BoolVal(False)] * len(flags)))
                self._cut_arrays[slots] = arrays
            count, sources, targets = arrays
            found = z3.BoolRef(z3.Z3_substitute(CTX.ref(), term.as_ast(), count, sources, targets), CTX)
            self._cut[key] = found
        return found


def _parts(term: Term) -> tuple[int | None, str | None, list[Term]]:
    """A term's operator (a `Z3_OP_*` kind; None if it isn't an application), its name if it is an
    uninterpreted constant (a variable), and its arguments.

    Read through the C API: z3's `children()` and `is_and()` wrap every argument in the class
    of its sort and re-check it, which costs more than the walks over formulas themselves."""
    ctx, ast = CTX.ref(), term.as_ast()
    ast_kind = z3.Z3_get_ast_kind(ctx, ast)
    if ast_kind != z3.Z3_APP_AST:
        return None, None, z3.QuantifierRef(ast, CTX).children() if ast_kind == z3.Z3_QUANTIFIER_AST else []
    app = z3.Z3_to_app(ctx, ast)
    declaration = z3.Z3_get_app_decl(ctx, app)
    kind = z3.Z3_get_decl_kind(ctx, declaration)
    count = z3.Z3_get_app_num_args(ctx, app)
    if count == 0:
        return kind, _name(declaration) if kind == z3.Z3_OP_UNINTERPRETED else None, []
    return kind, None, [z3.ExprRef(z3.Z3_get_app_arg(ctx, app, index), CTX) for index in range(count)]


def _name(declaration: Any) -> str:
    """A declaration's name, as `FuncDeclRef.name()` gives it."""
    ctx = CTX.ref()
    symbol = z3.Z3_get_decl_name(ctx, declaration)
    if z3.Z3_get_symbol_kind(ctx, symbol) == z3.Z3_INT_SYMBOL:
        return f"k!{z3.Z3_get_symbol_int(ctx, symbol)}"
    return str(z3.Z3_get_symbol_string(ctx, symbol))
