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

After an edit, an answer can also be inherited (`replace`): the edited rule's new formula
`new` replaced `old`, and the same question with `old` in its place (the question before the
edit) was answered.

- It had a model, and the model gives `new` the value it gives `old` (and satisfies the domain
  constraints this question adds): that model is a model of this question too. If it doesn't
  (a model at the old condition's boundary), the variables of `new` are changed so that it does
  (a small question, the same for every model at that boundary), and the patched model is
  taken if the whole question holds in it.
- It had none, and this question holds only where that one does: then neither has this one.
  That is so when `new` occurs only un-negated and implies `old`, or only negated and is
  implied by `old` (a never rule that now fires on more requests: every request stopped before
  is stopped still, so no request that could not go ahead before can now). The occurrences'
  polarity is read from the formula; the implication is asked of the solver once per formula
  pair (memoised like any question). "No" stays exact or bounded as the solver would say: an
  implication holds over every history up to the bound, and no question looks further.
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
    inherited: int = 0
    """Questions answered "no" because an earlier question they imply had no model (see `replace`)."""
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
        self._replaced: dict[int, tuple[Term, Term]] = {}
        self._replaced_uses: frozenset[str] | None = frozenset()
        self._polarities: dict[tuple[int, int], dict[int, int]] = {}
        self._substitutions: dict[tuple[int, tuple[int, ...]], Term] = {}
        self._registered: set[int] = set()
        """Formulas the encoder registered (rule conditions and limits)."""
        self._holding: dict[int, bool] = {}
        """Registered formula -> does it hold a replaced one (for the current replacements)?"""
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
        self._registered.add(key)
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
        return self._answer([term for term in terms if not isinstance(term, bool)], likely=likely, inherit=True)

    def _answer(self, real: list[Term], *, likely: bool, inherit: bool) -> Outcome:
        """`check` of formulas that aren't constants (`inherit`: possibly from an earlier answer)."""
        key = tuple(sorted({self._id(term) for term in real}))
        found = self._answers.get(key)
        if found is not None:
            self.stats.memo_hits += 1
            return found[0]
        inherited = self._inherited(real) if inherit and self._replaced else None
        if inherited is not None:
            outcome = inherited
        else:
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

    # -- answers inherited after an edit -----------------------------------------------------------

    def replace(self, new: Term | bool, old: Term | bool) -> None:
        """Record that an edit turned formula `old` into `new` (a rule's condition or limits, in one
        cell and request), until `forget_replacements`."""
        if isinstance(new, bool) or isinstance(old, bool):
            return  # constants fold away: no question holds them as a part
        new_id = self._id(new)
        if new_id == self._id(old) or new_id in self._replaced:
            return
        self._replaced[new_id] = (new, old)
        self._polarities.clear()
        self._holding.clear()
        uses = self.uses_of(new)
        # Parts of a question that reach none of the replaced formulas' groups can't hold one
        # (a formula without variables has no groups: then every part is walked).
        self._replaced_uses = None if not uses or self._replaced_uses is None else self._replaced_uses | uses

    def forget_replacements(self) -> None:
        """A new edit: the replacements recorded for the previous one no longer apply."""
        self._replaced.clear()
        self._replaced_uses = frozenset()
        self._polarities.clear()
        self._substitutions.clear()
        self._holding.clear()

    def _inherited(self, terms: list[Term]) -> Outcome | None:
        """The answer to the question before the edit, when it carries over: its model if that is a
        model of this question too, or "no model" when this question implies it (see the module
        doc); None when neither can be shown without the solver."""
        polarities: dict[int, int] = {}
        for term in terms:
            for replaced_id, polarity in self._polarities_in(term, POSITIVE).items():
                polarities[replaced_id] = polarities.get(replaced_id, 0) | polarity
        if not polarities:
            return None
        earlier = self._answers.get(self.key(self._substituted(terms, list(polarities))))
        if earlier is None or earlier[0].unknown:
            return None
        if earlier[0].sat:
            replaced_ids = list(polarities)
            return self._same_model(terms, replaced_ids, earlier) or self._patched_model(terms, replaced_ids, earlier)
        if BOTH in polarities.values():
            return None
        for replaced_id, polarity in polarities.items():
            new, old = self._replaced[replaced_id]
            # Un-negated, `new` must imply `old`; negated, `old` must imply `new`.
            stronger, weaker = (new, old) if polarity == POSITIVE else (old, new)
            if not self._implies(stronger, weaker):
                return None
        self.stats.inherited += 1
        return self._no_model(terms)

    def _comparable(
        self, terms: list[Term], earlier: tuple[Outcome, tuple[Term, ...]]
    ) -> tuple[Outcome, tuple[Term, ...], z3.ModelRef, int | None] | None:
        """The earlier answer's outcome, formulas, model and history slots, if its model is over
        the same kind of question (reading the history or not) as this one."""
        outcome, earlier_terms = earlier
        model, slots = outcome.model, outcome.slots
        assert model is not None
        history, _ = self._extent(terms)
        if history != (slots is not None):
            return None
        return outcome, earlier_terms, model, slots

    def _same_model(
        self, terms: list[Term], replaced_ids: list[int], earlier: tuple[Outcome, tuple[Term, ...]]
    ) -> Outcome | None:
        """The earlier model, if everything `_ask` would assert for this question (over the same
        history slots) holds in it: the solver's answer to this question could have been it."""
        found = self._comparable(terms, earlier)
        if found is None:
            return None
        outcome, earlier_terms, model, slots = found
        # This question is the earlier one with new formulas in place of old ones: where the
        # model gives each new formula the old one's value, it makes both questions true alike.
        # (A model found at the old formula's boundary, the usual case, fails here, cheaply.)
        for replaced_id in replaced_ids:
            new, old = self._replaced[replaced_id]
            if slots is not None:
                new, old = self._cut_history(new, slots), self._cut_history(old, slots)
            if not self._same_value(model, new, old):
                return None
        # The domain constraints of groups only this question reaches must hold in it too.
        held = {constraint.get_id() for constraint in self._constraints(list(earlier_terms), slots)}
        for constraint in self._constraints(terms, slots):
            if constraint.get_id() not in held and not z3.is_true(model.evaluate(constraint, model_completion=False)):
                return None
        self.stats.inherited += 1
        return outcome

    def _patched_model(
        self, terms: list[Term], replaced_ids: list[int], earlier: tuple[Outcome, tuple[Term, ...]]
    ) -> Outcome | None:
        """The earlier model with the variables of the edited formulas changed so that each new
        formula takes the value the old one had (found by a small question, memoised: the same for
        every question whose model sat at the old formula's boundary), if this question's
        assertions all hold in it. Formulas over the history are left to the solver."""
        found = self._comparable(terms, earlier)
        if found is None:
            return None
        _, earlier_terms, model, slots = found
        wanted: list[Term] = []
        for replaced_id in replaced_ids:
            new, old = self._replaced[replaced_id]
            if self._reads_history(self.uses_of(new) | self.uses_of(old)):
                return None
            value = model.evaluate(old, model_completion=False)
            if not (z3.is_true(value) or z3.is_false(value)):
                return None
            wanted.append(new if z3.is_true(value) else z3.BoolRef(z3.Z3_mk_not(CTX.ref(), new.as_ast()), CTX))
        patch = self._answer(wanted, likely=False, inherit=False)
        if patch.model is None:
            return None
        patched = z3.ModelRef(z3.Z3_model_translate(CTX.ref(), model.model, CTX.ref()), CTX)
        changed: set[str] = set()
        for declaration in patch.model.decls():
            if declaration.arity() == 0:
                patched.update_value(declaration, patch.model[declaration])
                changed.add(self.space.group_of.get(declaration.name()) or "")
        # Constraints the earlier question asserted hold in its model, and still do unless they
        # read a changed variable; the others, and the question's own formulas, are evaluated.
        held = {constraint.get_id() for constraint in self._constraints(list(earlier_terms), slots)}
        linked = set(self._closure(changed)) if "" not in changed else None
        own = terms if slots is None else [self._cut_history(term, slots) for term in terms]
        to_check = [
            constraint
            for group, constraint in self._group_constraints(terms, slots)
            if constraint.get_id() not in held
            or linked is None
            or group in linked
            or not changed.isdisjoint(self._closure([group]))
        ]
        for assertion in [*own, *to_check]:
            if not z3.is_true(patched.evaluate(assertion, model_completion=False)):
                return None
        self.stats.inherited += 1
        return Outcome(patched, slots)

    @staticmethod
    def _same_value(model: z3.ModelRef, first: Term, second: Term) -> bool:
        """Do both formulas have one truth value in the model, whatever the variables it leaves unassigned?"""
        values = [model.evaluate(term, model_completion=False) for term in (first, second)]
        return all(z3.is_true(value) for value in values) or all(z3.is_false(value) for value in values)

    def _implies(self, stronger: Term, weaker: Term) -> bool:
        negated = z3.BoolRef(z3.Z3_mk_not(CTX.ref(), weaker.as_ast()), CTX)
        outcome = self._answer([stronger, negated], likely=False, inherit=False)
        return not outcome.sat and not outcome.unknown

    def _substituted(self, terms: list[Term], replaced_ids: list[int], *, walk: bool = True) -> list[Term]:
        """The terms with the old formulas back in place of the new ones (`walk`: skip the terms
        the polarity walk found none in)."""
        replaced_ids = sorted(replaced_ids)
        sources = ast_array([self._replaced[replaced_id][0] for replaced_id in replaced_ids])
        targets = ast_array([self._replaced[replaced_id][1] for replaced_id in replaced_ids])
        ctx, count = CTX.ref(), len(replaced_ids)
        substituted = []
        for term in terms:
            if walk and not self._polarities_in(term, POSITIVE):
                substituted.append(term)  # holds no replaced formula (z3 would walk it for nothing)
                continue
            # Many questions share a formula (a cell's verdict): substituted once per edit.
            key = (self._id(term), tuple(replaced_ids))
            found = self._substitutions.get(key)
            if found is None:
                found = z3.BoolRef(z3.Z3_substitute(ctx, term.as_ast(), count, sources, targets), CTX)
                self._substitutions[key] = found
            substituted.append(found)
        return substituted

    def _polarities_in(self, term: Term, polarity: int) -> dict[int, int]:
        """Replaced formulas occurring in `term` (itself occurring with `polarity`), each with the
        polarities of its occurrences (POSITIVE, NEGATIVE, or BOTH)."""
        term_id = self._id(term)
        key = (term_id, polarity)
        found = self._polarities.get(key)
        if found is not None:
            return found
        found = {term_id: polarity} if term_id in self._replaced else {}
        if self._may_hold_replaced(term, term_id):
            kind, _, children = _parts(term)
            for index, child in enumerate(children):
                for replaced_id, inner in self._polarities_in(child, _child_polarity(kind, index, polarity)).items():
                    found[replaced_id] = found.get(replaced_id, 0) | inner
        self._polarities[key] = found
        return found

    def _may_hold_replaced(self, term: Term, term_id: int) -> bool:
        """Can a replaced formula occur inside `term`? Not if it reaches none of their groups; and
        a registered formula (another rule's condition: large, over the history, say) is asked
        of z3 directly, once: does replacing every new formula by its old one change it?"""
        if self._replaced_uses is not None and not self._replaced_uses & self.uses_of(term):
            return False
        if term_id not in self._registered or term_id in self._replaced:
            return True
        found = self._holding.get(term_id)
        if found is None:
            found = self._id(self._substituted([term], sorted(self._replaced), walk=False)[0]) != term_id
            self._holding[term_id] = found
        return found

    def _no_model(self, terms: list[Term]) -> Outcome:
        """The outcome `_ask` gives a question without a model (bounded as it would say)."""
        history, need = self._extent(terms)
        slots = min(need, self.history_bound) if history else None
        bounded = need > self.history_bound
        if bounded:
            self.stats.bounded += 1
        return Outcome(None, slots, bounded=bounded)

    def _extent(self, terms: list[Term]) -> tuple[bool, int]:
        """Does the question read the history, and how many events does it need?"""
        uses = frozenset().union(*(self.uses_of(term) for term in terms))
        history = self._reads_history(uses)
        return history, sum(self.needs_of(term)[0] for term in terms) if history else 0

    def _ask(self, terms: list[Term], most: int | None = None) -> Outcome:
        history, need = self._extent(terms)
        if most is not None and (not history or need <= most):
            return UNSAT  # the quick try would be the full question
        slots = min(need, self.history_bound, most if most is not None else need) if history else None
        # The C API directly: z3's Python helpers re-check every argument's sort, which costs
        # more than asserting. The calls (and so the solver's answers) are the same.
        ctx, solver = CTX.ref(), self.solver.solver
        z3.Z3_solver_push(ctx, solver)
        try:
            for assertion in self._assertions(terms, slots):
                z3.Z3_solver_assert(ctx, solver, assertion.as_ast())
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

    def _assertions(self, terms: list[Term], slots: int | None) -> list[Term]:
        """What a question asserts: the domain constraints of the groups it reaches, and its
        formulas (over `slots` history slots, None: it doesn't read the history)."""
        cut = terms if slots is None else [self._cut_history(term, slots) for term in terms]
        return [*self._constraints(terms, slots), *cut]

    def _constraints(self, terms: list[Term], slots: int | None) -> list[Term]:
        """The domain constraints of the groups a question reaches (over `slots` history slots)."""
        return [constraint for _, constraint in self._group_constraints(terms, slots)]

    def _group_constraints(self, terms: list[Term], slots: int | None) -> list[tuple[str, Term]]:
        """`_constraints`, each with its group."""
        uses = frozenset().union(*(self.uses_of(term) for term in terms))
        groups = [group for group in self._closure(uses - {HISTORY}) if group not in self.slot_groups]
        if slots is not None:
            groups += [f"{HISTORY}{index}" for index in range(slots)]
            groups += [g for g in self._closure(f"{HISTORY}{index}" for index in range(slots)) if g not in groups]
        return [(group, constraint) for group in groups if (constraint := self._group_term(group)) is not None]

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


POSITIVE, NEGATIVE, BOTH = 1, 2, 3
"""Polarities of an occurrence: un-negated, negated, or either (under `ite`, `==`, ...)."""


def _child_polarity(kind: int | None, index: int, polarity: int) -> int:
    """The polarity of an operand, given its operator's: `not` and an implication's premise flip
    it, `and` and `or` keep it; anything else (`ite`, `==`, arithmetic, ...) makes it either."""
    if kind == z3.Z3_OP_NOT or (kind == z3.Z3_OP_IMPLIES and index == 0):
        return {POSITIVE: NEGATIVE, NEGATIVE: POSITIVE}.get(polarity, BOTH)
    if kind in (z3.Z3_OP_AND, z3.Z3_OP_OR, z3.Z3_OP_IMPLIES):
        return polarity
    return BOTH


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
