"""One analysis run: the stack, its policy, the prover, and what the checks share.

Checks ask two kinds of questions through a `Run`: "can these formulas hold together?"
(`run.sat`) and "show me a request on which this happens" (`run.witness`, `run.example`),
which also runs the engine and keeps the request only if the engine agrees.

Two shortcuts spare the solver. Every decision the engine makes during the run is recorded
per cell (`examples`), starting with cheap seeded requests (seeding.py): a verdict already
seen is reachable, and a finding already seen has its witness. And rules whose conditions read
different variables hold together exactly when each holds alone: the models that showed each
rule can fire are merged into one request, and if the engine confirms it, the solver isn't asked.

Checks are split into *units* (one rule, one decision, ...) whose results are cached under a
key of everything they read (rule contents, cells, defaults): after an edit, units whose key
didn't change are reused from the previous run, with their witnesses re-decided by the new
policy. That is what makes re-analysis after a one-rule edit cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from studio.analysis.cells import Cell, CellKey, Layout
from studio.analysis.encode import Env
from studio.analysis.findings import Finding, Witness, WitnessStep
from studio.analysis.formulas import RuleTerms, VerdictTerms, rule_trees
from studio.analysis.prover import Prover
from studio.analysis.seeding import Seeder
from studio.analysis.session import Outcome
from studio.analysis.symbolic import Term
from studio.analysis.witness import Draft, Model, draft_of
from studio.decision import Decision, Effect, FiredRule
from studio.engine import Policy
from studio.errors import StudioError
from studio.request import Event, Request
from studio.samples import Column, customer_values, preview_request
from studio.stack import Rule, RuleKind, Stack

DecisionTest = Callable[[Sequence[Decision]], bool]
"""A finding's test on the engine's decisions for the witness's requests, in order."""
EXAMPLES_PER_CELL = 48
"""Decided requests kept per cell (more are kept when they show a verdict not seen yet)."""
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Bundle:
    """A unit's findings with the finer units it was computed from (`(key, shape, result)`), so
    that reusing the whole keeps the parts for a later, partial recomputation."""

    findings: list[Finding]
    parts: tuple[tuple[tuple[object, ...], tuple[object, ...] | None, object], ...] = ()
    tags: tuple[object, ...] = ()
    """What each finding stands for, when a unit needs to tell them apart (e.g. a route's target)."""


@dataclass(slots=True)
class Run:
    """The state one analysis shares between its checks."""

    stack: Stack
    policy: Policy
    prover: Prover
    layout: Layout
    previous: Mapping[tuple[object, ...], Any] = field(default_factory=dict)
    """Unit results of the previous run (reused when their key is unchanged)."""
    units: dict[tuple[object, ...], Any] = field(default_factory=dict)
    """Unit results of this run (the next run's `previous`)."""
    previous_examples: Mapping[tuple[object, ...], tuple[list[tuple[Request, Decision]], set[str]]] = field(
        default_factory=dict
    )
    """Decided requests of the previous run by cell key (reused for cells whose rules didn't change)."""
    previous_requests: Mapping[CellKey, Sequence[Request]] = field(default_factory=dict)
    """The previous run's decided requests by cell: decided again, by this run's policy, in cells
    whose rules changed (they still show what happens there, at the cost of deciding them)."""
    live: dict[tuple[str, CellKey], bool] = field(default_factory=dict)
    """(rule id, cell): can the rule's condition hold in the cell?"""
    allows: dict[tuple[str, CellKey], bool] = field(default_factory=dict)
    """(may rule id, cell): can it hold within its limits?"""
    models: dict[tuple[str, CellKey], tuple[Model, int | None] | Request] = field(default_factory=dict)
    """(rule id, cell) -> a model on which the rule fires there (and its history slots), or a
    decided request on which it fired (read as a model when needed: `model_of`)."""
    approximated: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Rule id -> the approximations its encoding went through."""
    observed: dict[CellKey, set[str]] = field(default_factory=dict)
    """Cell -> the verdicts (and "default" when it applied) of every decision the engine made in it."""
    merge_failed: set[tuple[object, ...]] = field(default_factory=set)
    """Questions (by formulas) whose merged models the engine didn't confirm: not merged again."""
    memo: dict[tuple[object, ...], Any] = field(default_factory=dict)
    """What checks derive from the stack alone, once per run (keys start with the check's name)."""
    _decided: dict[CellKey, list[tuple[Request, Decision]]] = field(default_factory=dict)
    _firing: dict[CellKey, tuple[int, dict[tuple[str, bool], Request]]] = field(default_factory=dict)
    _seeder: Seeder | None = None
    _samples: list[tuple[str, tuple[dict[str, Any], tuple[Event, ...]]]] | None = None
    _cell_keys: dict[tuple[CellKey, RuleKind | None], tuple[object, ...]] = field(default_factory=dict)
    _live_rules: dict[CellKey, list[Rule]] = field(default_factory=dict)

    # -- units ---------------------------------------------------------------------------------

    def unit(
        self,
        key: tuple[object, ...],
        compute: Callable[[], T],
        *,
        shape: tuple[object, ...] | None = None,
        still: Callable[[T], bool] | None = None,
        revise: Callable[[T], T] | None = None,
    ) -> T:
        """A unit's result: the previous run's if its key is unchanged, else computed now.

        With `shape` (the key without what only the witnesses depend on) and `still`: when the
        key changed but the shape didn't, the previous result is kept if `still` confirms it
        with the current policy (its witnesses still show it). With `shape` and `revise`: the
        previous result is brought up to date by `revise` (which redoes only what changed)."""
        if key in self.previous:
            result: T = self._reused(self.previous[key])
            if isinstance(result, Bundle):
                for part_key, part_shape, part in result.parts:
                    self.units[part_key] = part
                    if part_shape is not None:
                        self.units[("~", *part_shape)] = part
        elif shape is not None and (still is not None or revise is not None) and ("~", *shape) in self.previous:
            earlier: T = self._reused(self.previous[("~", *shape)])
            if revise is not None:
                result = revise(earlier)
            else:
                assert still is not None
                result = earlier if still(earlier) else compute()
        else:
            result = compute()
        self.units[key] = result
        if shape is not None:
            self.units[("~", *shape)] = result
        return result

    def _reused(self, result: T) -> T:
        if isinstance(result, list) and all(isinstance(item, Finding) for item in result):
            return [rebind(finding, self.policy) for finding in result]  # type: ignore[return-value]
        if isinstance(result, Bundle):
            return replace(result, findings=[rebind(finding, self.policy) for finding in result.findings])
        return result

    def fingerprint(self, rule: Rule) -> str:
        """A rule's whole content, as text (cached per rule object)."""
        return fingerprint(rule)

    def cell_key(self, cell: Cell, kind: RuleKind | None = None) -> tuple[object, ...]:
        """Everything a cell-level answer depends on: the cell, its owner and default, and its rules
        (only those of one kind that can fire, with `kind`)."""
        cache_key = (cell.key, kind)
        found = self._cell_keys.get(cache_key)
        if found is None:
            listed = cell.rules if kind is None else [rule for rule in self.live_rules(cell) if rule.kind is kind]
            fingerprints = tuple(self.fingerprint(rule) for rule in listed)
            found = (cell.context, cell.owner, cell.default, cell.default_route, fingerprints)
            self._cell_keys[cache_key] = found
        return found

    # -- observations ----------------------------------------------------------------------------

    def decide(self, request: Request) -> Decision:
        """The engine's decision, recorded for the cell."""
        decision = self.policy.decide(request)
        key = (request.agent, request.action)
        seen = self.observed.setdefault(key, set())
        new = decision.verdict.value not in seen or (decision.default is not None and "default" not in seen)
        seen.add(decision.verdict.value)
        if decision.default is not None:
            seen.add("default")
        examples = self._decided.setdefault(key, [])
        if new or len(examples) < EXAMPLES_PER_CELL:
            examples.append((request, decision))
        return decision

    def examples(self, cell: Cell) -> list[tuple[Request, Decision]]:
        """The decided (request, decision) pairs of a cell; seeded on first use (seeding.py), or
        taken from the previous run when none of the cell's rules changed."""
        if cell.key not in self._decided:
            kept = self.previous_examples.get(self.cell_key(cell))
            if kept is not None:
                self._decided[cell.key] = list(kept[0])
                self.observed.setdefault(cell.key, set()).update(kept[1])
            else:
                self._decided[cell.key] = []
                earlier = self.previous_requests.get(cell.key)
                if earlier:
                    for request in earlier:
                        self.decide(request)
                else:
                    self._seed(cell)
        return self._decided[cell.key]

    def kept_examples(self) -> dict[tuple[object, ...], tuple[list[tuple[Request, Decision]], set[str]]]:
        """This run's observations by cell key (the next run's `previous_examples`); cells this run
        didn't look at keep the previous run's."""
        kept = {}
        for cell in self.layout.cells:
            key = self.cell_key(cell)
            examples = self._decided.get(cell.key)
            if examples is not None:
                kept[key] = (examples, set(self.observed.get(cell.key, ())))
            elif key in self.previous_examples:
                kept[key] = self.previous_examples[key]
        return kept

    def kept_requests(self) -> dict[CellKey, list[Request]]:
        """This run's decided requests by cell (the next run's `previous_requests`); cells this run
        didn't look at keep the previous run's."""
        kept: dict[CellKey, list[Request]] = {}
        for cell in self.layout.cells:
            examples = self._decided.get(cell.key)
            if examples is not None:
                kept[cell.key] = [request for request, _ in examples]
            elif cell.key in self.previous_requests:
                kept[cell.key] = list(self.previous_requests[cell.key])
        return kept

    def _seed(self, cell: Cell) -> None:
        builder = self.prover.builder
        reference = self.prover.reference
        if self._samples is None:
            self._samples = []
            for sample in self.stack.customers:
                try:
                    self._samples.append((sample.id, customer_values(self.stack, sample, reference)))
                except (StudioError, ValueError):
                    continue
        samples = {sample.id: sample for sample in self.stack.customers}
        column = Column(cell.agent.id, cell.action.id)
        for sample_id, values in self._samples:
            try:
                self.decide(preview_request(self.stack, samples[sample_id], column, reference, values=values))
            except (StudioError, ValueError):
                continue
        plain = {"id": "witness", **builder.baseline}
        self.decide(Request(cell.agent.id, cell.action.id, builder.params_for(cell.action), plain, (), reference))
        if self._seeder is None:
            trees = [tree for rule in self.stack.rules for tree in rule_trees(rule)]
            self._seeder = Seeder(self.stack, trees, reference, builder.baseline)
        for request in self._seeder.requests(cell):
            self.decide(request)

    def observed_example(self, cell: Cell, test: DecisionTest, *, most_events: int | None = None) -> Request | None:
        """A request the engine already decided in the cell on which `test` passes (with at most
        `most_events` history events, if given)."""
        for request, decision in self.examples(cell):
            if most_events is not None and len(request.history) > most_events:
                continue
            if test([decision]):
                return request
        return None

    def observed_firing(self, rule: Rule, cell: Cell, *, allowed: bool = False) -> Request | None:
        """The decided request with the shortest history on which the rule fired in the cell (within
        its limits, if `allowed`)."""
        examples = self.examples(cell)
        index = self._firing.get(cell.key)
        if index is None or index[0] != len(examples):
            index = (len(examples), self._index(examples))
            self._firing[cell.key] = index
        return index[1].get((rule.id, allowed))

    def _index(self, examples: list[tuple[Request, Decision]]) -> dict[tuple[str, bool], Request]:
        slots = len(self.prover.primary.history.slots)
        best: dict[tuple[str, bool], Request] = {}
        for request, decision in examples:
            if len(request.history) > slots:
                continue
            for entry in decision.fired:
                keys = [(entry.rule_id, False)] + ([(entry.rule_id, True)] if entry.effect is Effect.ALLOW else [])
                for key in keys:
                    known = best.get(key)
                    if known is None or len(request.history) < len(known.history):
                        best[key] = request
        return best

    def seen(self, cell: Cell, what: str) -> bool:
        """Has the engine already given this verdict (or applied the default) in the cell?"""
        self.examples(cell)
        return what in self.observed.get(cell.key, ())

    def model_of(self, rule: Rule, cell: Cell) -> tuple[Model, int | None] | None:
        """A model on which the rule fires in the cell, if one is known."""
        found = self.models.get((rule.id, cell.key))
        if isinstance(found, Request):
            # A decided request proves the rule fires, but its (random) history and attributes
            # rarely merge well: the solver's model of the rule alone is minimal (memoised by formula).
            outcome = self.sat([self.terms(rule, cell).when])
            converted: tuple[Model, int | None] | None = (outcome.model, outcome.slots) if outcome.model else None
            if converted is None:
                converted = self.prover.builder.assignment_of(found, self.prover.primary)
            if converted is None:
                return None
            self.models[(rule.id, cell.key)] = converted
            return converted
        return found

    # -- formulas ------------------------------------------------------------------------------

    def terms(self, rule: Rule, cell: Cell, env: Env | None = None) -> RuleTerms:
        """The rule's formulas in the cell (remembering any approximation)."""
        terms = self.prover.formulas.rule(rule, cell, env)
        if terms.approximations:
            self.approximated[rule.id] = terms.approximations
        return terms

    def verdict(self, cell: Cell, env: Env | None = None) -> VerdictTerms:
        """The cell's verdict formulas."""
        return self.prover.formulas.verdict(cell, env)

    def is_live(self, rule: Rule, cell: Cell) -> bool:
        """Can the rule fire in the cell (its condition hold)?"""
        return self.live.get((rule.id, cell.key), False)

    def live_rules(self, cell: Cell) -> list[Rule]:
        """The rules that can fire in the cell (after reachability.py recorded `live`)."""
        found = self._live_rules.get(cell.key)
        if found is None:
            found = [rule for rule in cell.rules if self.is_live(rule, cell)]
            self._live_rules[cell.key] = found
        return found

    # -- questions -----------------------------------------------------------------------------

    def sat(self, terms: Sequence[Term | bool], *, likely: bool = False) -> Outcome:
        """Can all the formulas hold at once? (`likely`: probably yes; see `Session.check`.)"""
        return self.prover.session.check(terms, likely=likely)

    def witness(
        self,
        terms: Sequence[Term | bool],
        cells: Sequence[Cell],
        test: DecisionTest,
        *,
        label: str,
        envs: Sequence[Env] | None = None,
        merge: Sequence[Rule] = (),
    ) -> Witness | None:
        """A witness: requests (one per cell) on which `terms` hold and the engine passes `test`
        (confirmed now, tidied when first looked at); None when there is none."""
        draft, key = self.example(terms, cells, test, label=label, envs=envs, merge=merge)
        if draft is None:
            return None
        return self.finish(draft, cells, test, key)

    def example(
        self,
        terms: Sequence[Term | bool],
        cells: Sequence[Cell],
        test: DecisionTest,
        *,
        label: str,
        envs: Sequence[Env] | None = None,
        merge: Sequence[Rule] = (),
        likely: bool = True,
    ) -> tuple[Draft | None, tuple[object, ...]]:
        """A confirmed, untidied draft on which `terms` hold and `test` passes (None: there is none).

        Cheapest first: a request the engine already decided in the cell; the liveness models
        of the `merge` rules, merged (both orders); the solver (`likely`: first over a short
        history, see `Session.check`)."""
        steps = self._steps(cells, envs)
        holds = self.holds(test)
        witnesses = self.prover.witnesses
        if len(cells) == 1:
            observed = self.observed_example(cells[0], test)
            if observed is not None:
                return draft_of(observed), (label, "observed", cells[0].key)
        attempt = (label.split(":")[0], tuple(self.prover.session.key(terms)))
        models = [self.model_of(rule, cells[0]) for rule in merge] if attempt not in self.merge_failed else []
        if merge and models and all(model is not None for model in models):
            present = [model for model in models if model is not None]
            for order in (present, present[::-1]) if len(present) > 1 else (present,):
                draft = witnesses.merge(order, steps, holds)
                if draft is not None:
                    return draft, (label, "merged", tuple(cell.key for cell in cells))
            self.merge_failed.add(attempt)
        _, draft, key = witnesses.example(terms, steps, holds, label=label, likely=likely)
        return draft, key

    def finish(self, draft: Draft, cells: Sequence[Cell], test: DecisionTest, key: tuple[object, ...]) -> Witness:
        """A witness from a confirmed draft, tidied the first time it is looked at."""
        witnesses = self.prover.witnesses
        holds = self.holds(test)

        def make() -> tuple[Request, Decision, tuple[WitnessStep, ...]]:
            requests = witnesses.finish(draft, holds, key)
            decisions = [self.decide(request) for request in requests]
            earlier = tuple(
                WitnessStep(f"step {index + 1}", request, decision)
                for index, (request, decision) in enumerate(zip(requests[:-1], decisions[:-1], strict=True))
            )
            return requests[-1], decisions[-1], earlier

        return Witness(make=make, confirmed=tuple(self.prover.builder.requests(draft)))

    def _steps(self, cells: Sequence[Cell], envs: Sequence[Env] | None) -> list[tuple[Cell, Env]]:
        steps_envs = list(envs) if envs is not None else [self.prover.primary]
        return list(zip(cells, steps_envs, strict=True))

    def holds(self, test: DecisionTest) -> Callable[[Sequence[Request]], bool]:
        """`test` on the engine's decisions for the requests."""

        def holds(requests: Sequence[Request]) -> bool:
            return test([self.decide(request) for request in requests])

        return holds


def rebind(finding: Finding, policy: Policy) -> Finding:
    """A finding from an earlier run, its witness decided again by the current policy."""
    old = finding.witness
    if old is None:
        return finding

    def make() -> tuple[Request, Decision, tuple[WitnessStep, ...]]:
        earlier = tuple(WitnessStep(step.label, step.request, policy.decide(step.request)) for step in old.earlier)
        return old.request, policy.decide(old.request), earlier

    return replace(finding, witness=Witness(make=make, compared=old.compared, confirmed=old.confirmed))


_FINGERPRINTS: dict[int, tuple[Rule, str]] = {}


def fingerprint(rule: Rule) -> str:
    """A rule's whole content, as text (cached per rule object: edits keep the unchanged ones)."""
    found = _FINGERPRINTS.get(id(rule))
    if found is None or found[0] is not rule:
        if len(_FINGERPRINTS) > 50_000:
            _FINGERPRINTS.clear()
        found = (rule, rule.model_dump_json())
        _FINGERPRINTS[id(rule)] = found
    return found[1]


_FIRED: dict[int, tuple[Decision, dict[str, FiredRule]]] = {}


def fired(decision: Decision, rule_id: str) -> FiredRule | None:
    """The rule's entry in the decision's fired rules, if it fired (indexed once per decision)."""
    found = _FIRED.get(id(decision))
    if found is None or found[0] is not decision:
        if len(_FIRED) > 200_000:
            _FIRED.clear()
        found = (decision, {rule.rule_id: rule for rule in decision.fired})
        _FIRED[id(decision)] = found
    return found[1].get(rule_id)


def owners(rules: Sequence[Rule]) -> tuple[str, ...]:
    """The rules' owning teams, without repeats."""
    return tuple(dict.fromkeys(rule.owner for rule in rules))
