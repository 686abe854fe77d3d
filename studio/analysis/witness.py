"""From a solver model to a real request the engine confirms, tidied so a room can read it.

A model assigns every variable a condition read; `WitnessBuilder.draft` turns it into a
customer (every declared attribute, within its range and values), a history (the present
slots, with valid agents, teams, kinds and payloads), parameters and a time, and `requests`
into `studio.request.Request`s. The finding's own test (`holds`) then runs `Policy.decide` on
them: a candidate the engine doesn't confirm (possible only through an approximation, see
encode.py) is retried with that model blocked, and dropped after a few tries.

Tidying makes a confirmed witness readable without changing what it shows: every step is kept
only if the engine still confirms the finding. The whole story moves by whole weeks to the
analysis's reference time (clock times and weekdays unchanged), events are dropped one by one,
attributes take the first sample customer's values (or their defaults), parameters their
examples, and numbers are rounded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, ClassVar

import z3

from studio.analysis.cells import Cell
from studio.analysis.encode import Env
from studio.analysis.session import Outcome, Session
from studio.analysis.space import Space
from studio.analysis.symbolic import CTX, SBool, SList, SNum, SStr, STime, Term, Value
from studio.clock import MICROS_PER_DAY, MICROS_PER_MINUTE
from studio.errors import StudioError
from studio.request import Event, Request, default_value
from studio.samples import customer_values, example_params
from studio.stack import Action, ItemType, Stack, ValueSpec, ValueType
from studio.values import coerce

WEEK = 7 * MICROS_PER_DAY
RETRIES = 3
"""How many other models to try when the engine doesn't confirm one."""

Holds = Callable[[Sequence[Request]], bool]
"""A finding's test on the witness's requests (it runs the engine on them)."""


@dataclass(frozen=True, slots=True)
class DraftStep:
    """One request of a witness: who proposes what, with which parameters, when."""

    agent: str
    action: str
    params: dict[str, Any]
    at: int


@dataclass(frozen=True, slots=True)
class Draft:
    """A witness under construction: one customer, their history, and one or more requests."""

    customer: dict[str, Any]
    history: tuple[dict[str, Any], ...]
    steps: tuple[DraftStep, ...]


def draft_of(request: Request) -> Draft:
    """A decided request as a one-step draft (to tidy it like a solver's witness)."""
    step = DraftStep(request.agent, request.action, dict(request.params), request.at)
    return Draft(dict(request.customer), tuple(dict(event) for event in request.history), (step,))


class WitnessBuilder:
    """Builds drafts from models and requests from drafts for one stack."""

    def __init__(self, space: Space, stack: Stack, reference: int) -> None:
        self.space = space
        self.stack = stack
        self.reference = reference
        self.actions: dict[str, Action] = {action.id: action for action in stack.actions}
        self.teams = {agent.id: agent.team for agent in stack.agents}
        self.agent_actions = {agent.id: set(agent.actions) for agent in stack.agents}
        self.baseline = self._baseline()
        self._examples: dict[str, dict[str, Any]] = {}

    def _baseline(self) -> dict[str, Any]:
        values = {
            name: _plain(spec, self.reference, self.stack.timezone) for name, spec in self.space.attributes.items()
        }
        if self.stack.customers:
            try:
                attributes, _ = customer_values(self.stack, self.stack.customers[0], self.reference)
            except (StudioError, ValueError):
                attributes = {}
            values.update({name: value for name, value in attributes.items() if name in values})
        return values

    # -- model -> draft ------------------------------------------------------------------------------

    def draft(self, reading: Reading, steps: Sequence[tuple[Cell, Env]], slots: int | None = None) -> Draft:
        """The request(s) a model describes; `steps` are the cells and requests of the witness, in order;
        `slots`: how many history slots the question was asked over (the others are absent).

        The customer and history, and each step, are read once per reading (a model is drafted
        for many cells: its customer and history don't depend on the cell)."""
        customer, history = self._base(reading, steps[0][1], slots)
        drafted = []
        previous = self.reference
        for cell, env in steps:
            step = self._step(reading, cell, env, previous)
            previous = step.at
            drafted.append(step)
        return Draft(dict(customer), history, tuple(drafted))

    def _base(
        self, reading: Reading, first_env: Env, slots: int | None
    ) -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
        key = ("base", id(self), first_env.name, slots)
        found: tuple[dict[str, Any], tuple[dict[str, Any], ...]] | None = reading.memo.get(key)
        if found is not None:
            return found
        customer: dict[str, Any] = {"id": "witness"}
        for name, spec in self.space.attributes.items():
            customer[name] = self._read(reading, f"customer.{name}", spec, self.baseline[name])
        history: list[dict[str, Any]] = []
        now = reading.get(_name(first_env.now))
        for index, slot in enumerate(first_env.history.slots):
            if isinstance(slot.present, bool) or (slots is not None and index >= slots):
                continue
            if reading.get(_name(slot.present)) is not True:
                continue
            prefix = f"{slot.key[0]}{slot.key[1]}"
            event: dict[str, Any] = {
                name: self._read_value(reading, slot.fields[name], "")
                for name in ("agent", "team", "kind", "channel", "purpose")
            }
            event["at"] = self._read_value(reading, slot.fields["at"], now if now is not None else self.reference)
            event["payload"] = {
                name: self._read(reading, f"{prefix}.payload.{name}", spec, default_value(spec, self.stack.timezone))
                for name, spec in self.space.payload.items()
            }
            history.append(event)
        history.sort(key=lambda event: int(event["at"]))
        found = (customer, tuple(history))
        reading.memo[key] = found
        return found

    def _step(self, reading: Reading, cell: Cell, env: Env, previous: int) -> DraftStep:
        key = ("step", id(self), cell.key, env.name, previous)
        found: DraftStep | None = reading.memo.get(key)
        if found is None:
            action = cell.action
            params = {
                name: self._read(
                    reading, f"params{env.params}.{action.id}.{name}", spec, self._example(action, name, spec)
                )
                for name, spec in action.params.items()
            }
            at = self._read_value(reading, STime(env.now), previous)
            found = DraftStep(cell.agent.id, action.id, params, int(at))
            reading.memo[key] = found
        return found

    def params_for(self, action: Action) -> dict[str, Any]:
        """Plain parameters for an action: examples, else defaults, else plain values in range."""
        return {name: self._example(action, name, spec) for name, spec in action.params.items()}

    def _example(self, action: Action, name: str, spec: ValueSpec) -> Any:
        examples = self._examples.get(action.id)
        if examples is None:
            examples = {}
            for param, param_spec in action.params.items():
                try:
                    examples[param] = example_params(action, now=self.reference, tz=self.stack.timezone)[param]
                except (StudioError, ValueError, KeyError):
                    examples[param] = _plain(param_spec, self.reference, self.stack.timezone)
            self._examples[action.id] = examples
        return examples.get(name, _plain(spec, self.reference, self.stack.timezone))

    def _read(self, reading: Reading, name: str, spec: ValueSpec, fallback: Any) -> Any:
        variable = self.space.get(name)
        if variable is None:
            return fallback
        if isinstance(variable, SList):
            return self._read_list(reading, variable, spec, fallback)
        return self._read_value(reading, variable, fallback)

    def _read_value(self, reading: Reading, value: Value, fallback: Any) -> Any:
        if isinstance(value, SNum | STime | SBool):
            if isinstance(value.term, bool | int | Fraction):
                return float(value.term) if isinstance(value.term, Fraction) else value.term
            found = reading.get(_name(value.term))
            if found is None:
                return fallback
            if isinstance(value, SNum):
                return float(found)
            return int(found) if isinstance(value, STime) else bool(found)
        if isinstance(value, SStr):
            if value.const is not None:
                return value.const
            if value.code is not None and value.domain is not None:
                code = reading.get(_name(value.code))
                if code is None:
                    return fallback if fallback in value.domain.values else value.domain.values[0]
                return value.domain.values[code] if 0 <= code < len(value.domain.values) else fallback
            found = reading.get(_name(value.text))
            return fallback if found is None else str(found)
        return fallback

    def _read_list(self, reading: Reading, value: SList, spec: ValueSpec, fallback: Any) -> tuple[Any, ...]:
        if reading.get(_name(value.size)) is None:
            return tuple(fallback)
        items: list[Any] = []
        for guard, item in value.items:
            holds = guard if isinstance(guard, bool) else reading.get(_name(guard)) is True
            if holds:
                items.append(self._read_value(reading, item, ""))
        size = value.size if isinstance(value.size, int) else int(reading.get(_name(value.size)) or 0)
        filler: Any = items[0] if items else (0.0 if spec.items is ItemType.NUMBER else "")
        while len(items) < size:  # a list may repeat values: pad with the first one
            items.append(filler)
        return tuple(items)

    # -- request -> model ------------------------------------------------------------------------------

    def assignment_of(self, request: Request, env: Env) -> tuple[dict[str, Any], int] | None:
        """A request as a model (variable name -> value), so a decided request can stand in for a
        solver model; None if its history is longer than the solver's."""
        slots = env.history.slots
        events = sorted(request.history, key=lambda event: -int(event["at"]))
        if len(events) > len(slots):
            return None
        space = self.space
        values: dict[str, Any] = {_name(env.now): request.at}
        for name, value in request.customer.items():
            if name != "id" and name in space.attributes:
                self._assign(values, f"customer.{name}", value)
        for name, value in request.params.items():
            self._assign(values, f"params{env.params}.{request.action}.{name}", value)
        for index, slot in enumerate(slots):
            if isinstance(slot.present, bool):
                continue
            values[_name(slot.present)] = index < len(events)
            if index >= len(events):
                continue
            event = events[index]
            for field_name in ("at", "agent", "team", "kind", "channel", "purpose"):
                variable = slot.fields[field_name]
                if isinstance(variable, STime) and not isinstance(variable.term, int):
                    values[_name(variable.term)] = int(event["at"])
                elif isinstance(variable, SStr) and variable.code is not None and variable.domain is not None:
                    values[_name(variable.code)] = variable.domain.code(event[field_name]) or 0
            for name, value in event["payload"].items():
                self._assign(values, f"{slot.key[0]}{slot.key[1]}.payload.{name}", value)
        return values, len(events)

    def _assign(self, values: dict[str, Any], name: str, value: Any) -> None:
        variable = self.space.get(name)
        if variable is None:
            return
        if isinstance(variable, SNum) and not isinstance(variable.term, Fraction):
            values[name] = Fraction(value)
        elif isinstance(variable, STime | SBool) and not isinstance(variable.term, bool | int):
            values[name] = value
        elif isinstance(variable, SStr):
            if variable.code is not None and variable.domain is not None:
                code = variable.domain.code(value)
                if code is not None:
                    values[name] = code
            elif variable.text is not None:
                values[name] = value
        elif isinstance(variable, SList):
            listed = set(value)
            values[f"{name}.size"] = len(value)
            for member in variable.members or {}:
                values[f"{name}[{member}]" if f"{name}[{member}]" in self.space.group_of else f"{name}[{member!r}]"] = (
                    member in listed
                )

    # -- draft -> requests -----------------------------------------------------------------------------

    def requests(self, draft: Draft) -> list[Request]:
        """One request per step; each later step's history includes the earlier steps' actions."""
        history: list[Event] = [dict(event) for event in draft.history]
        result = []
        for step in draft.steps:
            ordered = tuple(sorted(history, key=lambda event: int(event["at"])))
            result.append(Request(step.agent, step.action, dict(step.params), dict(draft.customer), ordered, step.at))
            history.append(self.event_for(step))
        return result

    def event_for(self, step: DraftStep) -> dict[str, Any]:
        """The history entry a step leaves once it went ahead (as `studio.samples.replay` records it)."""
        action = self.actions[step.action]
        payload = {}
        for name, spec in self.space.payload.items():
            param = action.params.get(name)
            fits = param is not None and param.type is spec.type and name in step.params
            if fits and spec.values:
                fits = step.params[name] in spec.values
            payload[name] = step.params[name] if fits else default_value(spec, self.stack.timezone)
        return {
            "at": step.at,
            "agent": step.agent,
            "team": self.teams.get(step.agent, ""),
            "kind": action.id,
            "channel": action.channel or "",
            "purpose": action.purpose or "",
            "payload": payload,
        }

    # -- tidying ---------------------------------------------------------------------------------------

    def tidy(self, draft: Draft, holds: Holds) -> Draft:
        """A more readable draft on which `holds` is still true (see the module doc)."""
        best = draft

        def attempt(candidate: Draft) -> bool:
            nonlocal best
            if candidate != best and holds(self.requests(candidate)):
                best = candidate
                return True
            return False

        attempt(self._shifted(best, _week_shift(best.steps[-1].at, self.reference)))
        attempt(self._shifted(best, -(best.steps[-1].at % MICROS_PER_MINUTE)))
        index = 0
        while index < len(best.history):
            if not attempt(replace(best, history=best.history[:index] + best.history[index + 1 :])):
                index += 1
        for name, value in self.baseline.items():
            if best.customer.get(name) != value:
                attempt(replace(best, customer={**best.customer, name: value}))
        for position, step in enumerate(best.steps):
            action = self.actions.get(step.action)
            if action is None:
                continue
            for name, spec in action.params.items():
                example = self._example(action, name, spec)
                if step.params.get(name) != example:
                    changed = replace(step, params={**step.params, name: example})
                    attempt(replace(best, steps=(*best.steps[:position], changed, *best.steps[position + 1 :])))
        for index in range(len(best.history)):
            for coherent in self._coherent(best.history[index]):
                history = (*best.history[:index], coherent, *best.history[index + 1 :])
                if attempt(replace(best, history=history)):
                    break
        for name, value in list(best.customer.items()):
            if isinstance(value, float) and not value.is_integer():
                for whole in (round(value), math.floor(value), math.ceil(value)):
                    if attempt(replace(best, customer={**best.customer, name: float(whole)})):
                        break
        for position, step in enumerate(best.steps):
            for name, value in step.params.items():
                if isinstance(value, float) and not value.is_integer():
                    for whole in (round(value), math.floor(value), math.ceil(value)):
                        changed = replace(step, params={**step.params, name: float(whole)})
                        if attempt(replace(best, steps=(*best.steps[:position], changed, *best.steps[position + 1 :]))):
                            step = changed
                            break
        return best

    def _coherent(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """Readable variants of an event: an action's event by an agent that takes it, on its
        channel and purpose; another event recorded by its team alone."""
        action = self.actions.get(str(event["kind"]))
        if action is None:
            return [{**event, "agent": ""}] if event["agent"] else []
        variants = []
        for agent_id, actions in self.agent_actions.items():
            if action.id in actions:
                fields = {"agent": agent_id, "team": self.teams[agent_id]}
                variants.append({**event, **fields, "channel": action.channel or "", "purpose": action.purpose or ""})
        return variants[:2]

    def shifted(self, draft: Draft, delta: int) -> Draft:
        """The whole draft moved in time by `delta` µs."""
        return self._shifted(draft, delta)

    def _shifted(self, draft: Draft, delta: int) -> Draft:
        if not delta:
            return draft
        timestamps = {name for name, spec in self.space.attributes.items() if spec.type is ValueType.TIMESTAMP}
        customer = {name: value + delta if name in timestamps else value for name, value in draft.customer.items()}
        history = tuple({**event, "at": int(event["at"]) + delta} for event in draft.history)
        steps = tuple(replace(step, at=step.at + delta) for step in draft.steps)
        return Draft(customer, history, steps)


@dataclass(slots=True)
class Witnesses:
    """Finds confirmed witnesses: asks the solver, builds requests, runs the finding's test, retries.

    Confirmed requests are remembered by the question and the finding, so re-analysing an edited
    stack re-runs the engine on them (cheap) instead of building and tidying them again.
    """

    session: Session
    builder: WitnessBuilder
    unconfirmed: list[str] = field(default_factory=list)
    drafts: dict[tuple[object, ...], Draft] = field(default_factory=dict)
    """Confirmed (untidied) drafts by question; re-confirmed with the engine before reuse."""
    confirmed: dict[tuple[object, ...], list[Request]] = field(default_factory=dict)
    """Tidied witnesses by question."""
    window: Callable[[Sequence[Env]], Term | None] | None = None
    """Pins the requests' times to a day whose zone offsets are known (see `Prover.window`)."""
    _readings: dict[int, tuple[Model, Reading]] = field(default_factory=dict)
    """Model -> its reading (which remembers the drafts made from it)."""

    def find(
        self,
        terms: Sequence[Term | bool],
        steps: Sequence[tuple[Cell, Env]],
        holds: Holds,
        *,
        label: str = "",
        tidy: bool = True,
    ) -> tuple[Outcome, list[Request] | None]:
        """The solver's answer for `terms`, and confirmed (tidied) requests when it found a model."""
        outcome, draft, key = self.example(terms, steps, holds, label=label)
        if draft is None:
            return outcome, None
        return outcome, self.finish(draft, holds, key) if tidy else self.builder.requests(draft)

    def example(
        self,
        terms: Sequence[Term | bool],
        steps: Sequence[tuple[Cell, Env]],
        holds: Holds,
        *,
        label: str = "",
        likely: bool = True,
    ) -> tuple[Outcome, Draft | None, tuple[object, ...]]:
        """The solver's answer for `terms` and, when it has a model, a draft the engine confirms
        (`likely`: there probably is one, see `Session.check`)."""
        key = (
            label,
            tuple(sorted(term.get_id() for term in terms if not isinstance(term, bool))),
            tuple((cell.key, env.name) for cell, env in steps),
        )
        outcome = self.session.check(terms, likely=likely)
        if outcome.model is None:
            return outcome, None, key
        remembered = self.drafts.get(key)
        if remembered is not None and holds(self.builder.requests(remembered)):
            return outcome, remembered, key
        found = None
        pinned = self.window([env for _, env in steps]) if self.window is not None else None
        if pinned is not None:
            near = self.session.check([*terms, pinned], likely=True)
            if near.model is not None:
                found = self._confirm(near, [*terms, pinned], steps, holds, label, report=False)
        if found is None:
            found = self._confirm(outcome, terms, steps, holds, label, report=True)
        if found is not None:
            self.drafts[key] = found
        return outcome, found, key

    def merge(
        self, models: Sequence[tuple[Model, int | None]], steps: Sequence[tuple[Cell, Env]], holds: Holds
    ) -> Draft | None:
        """One draft from several models (each showed one rule can fire), kept if the engine confirms
        it: shows rules over different variables fire together without asking the solver.

        The first model's request is the base; each other model adds the attributes and parameters
        only it constrains, and its history events (moved to the same decision time), so "at
        least n events" conditions of both hold on the merged history."""
        builder = self.builder
        readings, drafts = [], []
        for model, slots in models:
            cached = self._readings.get(id(model))
            if cached is None or cached[0] is not model:
                cached = (model, Reading(model))
                self._readings[id(model)] = cached
            readings.append(cached[1])
            drafts.append(builder.draft(cached[1], steps, slots))
        merged = drafts[0]
        base_attributes = self._assigned_attributes(readings[0])
        for reading, draft in zip(readings[1:], drafts[1:], strict=True):
            draft = builder.shifted(draft, merged.steps[-1].at - draft.steps[-1].at)
            customer = dict(merged.customer)
            for name in self._assigned_attributes(reading):
                if name not in base_attributes:
                    customer[name] = draft.customer[name]
            merged_steps = []
            for (cell, env), mine, theirs in zip(steps, merged.steps, draft.steps, strict=True):
                params = dict(mine.params)
                for name in cell.action.params:
                    variable = f"params{env.params}.{cell.action.id}.{name}"
                    if not _assigns(readings[0], variable) and _assigns(reading, variable):
                        params[name] = theirs.params[name]
                merged_steps.append(replace(mine, params=params))
            history = tuple(sorted((*merged.history, *draft.history), key=lambda event: int(event["at"])))
            merged = Draft(customer, history, tuple(merged_steps))
        return merged if holds(builder.requests(merged)) else None

    def _assigned_attributes(self, reading: Reading) -> tuple[str, ...]:
        """The customer attributes a model constrains, in the space's order (read once per model:
        merges combine the same liveness models over and over)."""
        key = ("assigned", id(self.builder.space))
        found: tuple[str, ...] | None = reading.memo.get(key)
        if found is None:
            found = tuple(name for name in self.builder.space.attributes if _assigns(reading, f"customer.{name}"))
            reading.memo[key] = found
        return found

    def finish(self, draft: Draft, holds: Holds, key: tuple[object, ...]) -> list[Request]:
        """The tidied requests of a confirmed draft (remembered by question)."""
        remembered = self.confirmed.get(key)
        if remembered is not None and holds(remembered):
            return remembered
        requests = self.builder.requests(self.builder.tidy(draft, holds))
        self.confirmed[key] = requests
        return requests

    def _confirm(
        self,
        outcome: Outcome,
        terms: Sequence[Term | bool],
        steps: Sequence[tuple[Cell, Env]],
        holds: Holds,
        label: str,
        *,
        report: bool,
    ) -> Draft | None:
        model, slots = outcome.model, outcome.slots
        assert model is not None
        for attempt in range(RETRIES + 1):
            draft = self.builder.draft(Reading(model), steps, slots)
            if holds(self.builder.requests(draft)):
                return draft
            if attempt == RETRIES:
                break
            blocking = _blocking(model, steps)
            if blocking is None:
                break
            retry = self.session.check_fresh(terms, [blocking])
            if retry.model is None:
                break
            model, slots = retry.model, retry.slots
        if report:
            self.unconfirmed.append(label or "a candidate")
        return None


def _blocking(model: z3.ModelRef, steps: Sequence[tuple[Cell, Env]]) -> Term | None:
    """A constraint excluding this model's values of the approximated terms (and of the times)."""
    parts = []
    for declaration in model.decls():
        if declaration.name().startswith("~") and declaration.arity() == 0:
            variable = declaration()
            parts.append(variable != model[declaration])
    for _, env in steps:
        parts.append(env.now != model.evaluate(env.now, model_completion=True))
    return z3.Or(*parts) if parts else None


def _week_shift(at: int, reference: int) -> int:
    """Whole weeks that bring `at` into the week before `reference`."""
    return ((reference - at) // WEEK) * WEEK


Model = Any
"""A z3 model, or the same information as a dictionary (variable name -> Python value)."""


class Reading:
    """The values of variables in one or more models (earlier models win), read by name on demand."""

    def __init__(self, *models: Model) -> None:
        self._sources = [model if isinstance(model, dict) else _ModelValues.of(model) for model in models]
        self._values: dict[str, Any] = {}
        self.memo: dict[tuple[object, ...], Any] = {}
        """What was derived from the values (drafts' parts, see `WitnessBuilder.draft`)."""

    def get(self, name: str) -> Any:
        """A Python value (bool, int, Fraction, str), or None when no model assigns the variable."""
        if name in self._values:
            return self._values[name]
        value = None
        for source in self._sources:
            value = source.get(name)
            if value is not None:
                break
        self._values[name] = value
        return value


class _ModelValues:
    """One z3 model's values by variable name, converted when first read (shared per model)."""

    _cache: ClassVar[dict[int, _ModelValues]] = {}

    def __init__(self, model: z3.ModelRef) -> None:
        self.model = model
        # Through the C API: the Python wrappers build a reference object per declaration.
        ctx, raw = CTX.ref(), model.model
        self.decls: dict[str, Any] = {}
        for index in range(z3.Z3_model_get_num_consts(ctx, raw)):
            declaration = z3.Z3_model_get_const_decl(ctx, raw, index)
            self.decls[z3.Z3_get_symbol_string(ctx, z3.Z3_get_decl_name(ctx, declaration))] = declaration
        self.values: dict[str, Any] = {}

    @classmethod
    def of(cls, model: z3.ModelRef) -> _ModelValues:
        found = cls._cache.get(id(model))
        if found is None or found.model is not model:
            if len(cls._cache) > 20_000:
                cls._cache.clear()
            found = cls(model)
            cls._cache[id(model)] = found
        return found

    def get(self, name: str) -> Any:
        values = self.values
        if name in values:
            return values[name]
        declaration = self.decls.get(name)
        value = None if declaration is None else _value_of(self.model, declaration)
        values[name] = value
        return value


def _value_of(model: z3.ModelRef, declaration: Any) -> Any:
    """A constant's value in a model as a Python value (numerals and booleans read directly)."""
    ctx = CTX.ref()
    ast = z3.Z3_model_get_const_interp(ctx, model.model, declaration)
    if ast is None:
        return None
    kind = z3.Z3_get_sort_kind(ctx, z3.Z3_get_sort(ctx, ast))
    if kind == z3.Z3_BOOL_SORT:
        truth = z3.Z3_get_bool_value(ctx, ast)
        if truth != z3.Z3_L_UNDEF:
            return truth == z3.Z3_L_TRUE
    elif kind in (z3.Z3_INT_SORT, z3.Z3_REAL_SORT) and z3.Z3_is_numeral_ast(ctx, ast):
        text = z3.Z3_get_numeral_string(ctx, ast)
        return int(text) if kind == z3.Z3_INT_SORT else Fraction(text)
    return _python(z3._to_expr_ref(ast, CTX))


def assignment(model: z3.ModelRef) -> dict[str, Any]:
    """Every constant a model assigns, as Python values."""
    values = _ModelValues.of(model)
    return {name: values.get(name) for name in values.decls}


def _assigns(reading: Reading, name: str) -> bool:
    """Does the model constrain this variable (or, for a list, its size)?"""
    return reading.get(name) is not None or reading.get(f"{name}.size") is not None


def _python(value: Any) -> Any:
    if z3.is_true(value):
        return True
    if z3.is_false(value):
        return False
    if z3.is_int_value(value):
        return value.as_long()
    if z3.is_rational_value(value):
        return Fraction(value.numerator_as_long(), value.denominator_as_long())
    if z3.is_algebraic_value(value):
        return value.approx(20).as_fraction()
    if z3.is_string_value(value):
        return value.as_string()
    return None


_NAMES: dict[int, tuple[str, Term]] = {}


def _name(term: Term) -> str:
    """A variable's name (cached by object: asked for every variable of every witness)."""
    key = id(term)
    found = _NAMES.get(key)
    if found is None:
        found = (term.decl().name(), term)
        _NAMES[key] = found
    return found[0]


def _plain(spec: ValueSpec, reference: int, tz: str) -> Any:
    """A value for an attribute no condition constrains: its default, else a plain one in range."""
    if spec.default is not None:
        try:
            return coerce(spec, spec.default, name="default", now=reference, tz=tz)
        except ValueError:
            pass
    kind = spec.type
    if kind is ValueType.NUMBER:
        low = spec.min if spec.min is not None else None
        high = spec.max if spec.max is not None else None
        value = 0.0
        if low is not None and value < low:
            value = low
        if high is not None and value > high:
            value = high
        return float(value)
    plain: Mapping[ValueType, Any] = {
        ValueType.BOOL: False,
        ValueType.STRING: "",
        ValueType.ENUM: spec.values[0] if spec.values else "",
        ValueType.TIMESTAMP: reference,
        ValueType.TIMEZONE: tz,
        ValueType.LIST: (),
    }
    return plain[kind]
