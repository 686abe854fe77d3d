"""Sample customers and scenarios made concrete at a moment in time, and decided.

A stack's samples use times relative to now, so they never go stale; `sample_now` fixes the
moment (the stack's `preview_at`, e.g. today at 10:00 in its time zone), and everything here
turns samples into engine requests at that moment: the preview grid and scenario replays.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from studio.clock import parse_instant
from studio.decision import Decision, Reason, ReasonKind, Verdict
from studio.engine import Policy
from studio.errors import Problem, RequestError, did_you_mean
from studio.request import Event, Request, default_value
from studio.stack import Action, SampleCustomer, Scenario, Stack, ValueSpec
from studio.values import InvalidValueError, coerce


def real_now() -> int:
    """The current time in microseconds (the only clock read; callers pass time on from here)."""
    return time.time_ns() // 1_000


def sample_now(stack: Stack, now: int | None = None) -> int:
    """The moment previews decide at: `preview_at` read relative to `now` (default: the clock)."""
    return parse_instant(stack.preview_at, now=real_now() if now is None else now, tz=stack.timezone)


def customer_values(stack: Stack, sample: SampleCustomer, now: int) -> tuple[dict[str, Any], tuple[Event, ...]]:
    """A sample customer's attributes (with defaults) and history, as runtime values at `now`."""
    tz = stack.timezone
    attributes: dict[str, Any] = {"id": sample.id}
    for name, spec in stack.customer.attributes.items():
        raw = sample.attributes.get(name, spec.default)
        attributes[name] = coerce(spec, raw, name=name, now=now, tz=tz)
    teams = {agent.id: agent.team for agent in stack.agents}
    payload_specs = stack.customer.history.payload
    events: list[dict[str, Any]] = []
    for event in sample.history:
        payload = {
            name: coerce(spec, event.payload[name], name=name, now=now, tz=tz)
            if name in event.payload
            else default_value(spec, tz)
            for name, spec in payload_specs.items()
        }
        events.append(
            {
                "at": parse_instant(event.at, now=now, tz=tz),
                "agent": event.agent or "",
                "team": event.team or teams.get(event.agent or "", ""),
                "kind": event.kind,
                "channel": event.channel or "",
                "purpose": event.purpose or "",
                "payload": payload,
            }
        )
    events.sort(key=lambda item: int(item["at"]))
    return attributes, tuple(events)


def example_params(
    action: Action, given: Mapping[str, Any] | None = None, *, now: int = 0, tz: str = "UTC"
) -> dict[str, Any]:
    """Parameters for a preview: those given, else each parameter's example, else its default."""
    given = given or {}
    params = {}
    for name, spec in action.params.items():
        raw = given.get(name, spec.example if spec.example is not None else spec.default)
        params[name] = coerce(spec, raw, name=name, now=now, tz=tz)
    return params


@dataclass(frozen=True, slots=True)
class Column:
    """One (agent, action) column of the preview grid."""

    agent: str
    action: str


@dataclass(frozen=True, slots=True)
class PreviewGrid:
    """Sample customers x (agent, action), each cell decided."""

    at: int
    customers: tuple[str, ...]
    columns: tuple[Column, ...]
    decisions: Mapping[tuple[str, Column], Decision]

    def decision(self, customer: str, column: Column) -> Decision:
        return self.decisions[(customer, column)]

    def counts(self) -> dict[Verdict, int]:
        """How many cells have each verdict."""
        totals = dict.fromkeys(Verdict, 0)
        for decision in self.decisions.values():
            totals[decision.verdict] += 1
        return totals


def columns(stack: Stack) -> tuple[Column, ...]:
    """Every (agent, action) an agent declares, in the file's order."""
    return tuple(Column(agent.id, action) for agent in stack.agents for action in agent.actions)


def sample_request(
    stack: Stack,
    customer_id: str,
    agent: str,
    action_id: str,
    params: Mapping[str, Any],
    at: int,
    *,
    now: int | None = None,
) -> Request:
    """The request for a sample customer at time `at`, with the given parameters (others from
    their examples); RequestError naming what doesn't fit.

    The customer's relative times (`-1d`) are read against `now`, the sample clock, so that a
    request two days later sees yesterday's call as three days old; `now` defaults to `at`.
    """
    sample = next((c for c in stack.customers if c.id == customer_id), None)
    if sample is None:
        choices = [c.id for c in stack.customers]
        raise RequestError(f"No sample customer '{customer_id}' ({did_you_mean(customer_id, choices)})")
    action = next((a for a in stack.actions if a.id == action_id), None)
    customer, history = customer_values(stack, sample, at if now is None else now)
    if action is None:
        return Request(agent, action_id, dict(params), customer, history, at)
    problems = [
        Problem(f"unknown parameter '{name}' of {action.id}", hint=did_you_mean(name, action.params))
        for name in params
        if name not in action.params
    ]
    try:
        values = example_params(action, params, now=at, tz=stack.timezone)
    except InvalidValueError as error:
        problems.append(Problem(str(error), hint=error.hint))
        values = {}
    if problems:
        raise RequestError(f"Parameters don't fit {action.id}", problems)
    return Request(agent, action_id, values, customer, history, at)


def preview_request(
    stack: Stack,
    sample: SampleCustomer,
    column: Column,
    at: int,
    params: Mapping[str, Any] | None = None,
    *,
    values: tuple[dict[str, Any], tuple[Event, ...]] | None = None,
) -> Request:
    """The request a sample customer and column stand for at time `at`."""
    action = next(a for a in stack.actions if a.id == column.action)
    customer, history = values or customer_values(stack, sample, at)
    return Request(
        column.agent,
        column.action,
        example_params(action, params, now=at, tz=stack.timezone),
        customer,
        history,
        at,
    )


def preview(policy: Policy, *, at: int, customers: Sequence[str] | None = None) -> PreviewGrid:
    """Decide every sample customer (or the chosen ones) against every column, at time `at`."""
    stack = policy.stack
    samples = [sample for sample in stack.customers if customers is None or sample.id in customers]
    grid_columns = columns(stack)
    decisions: dict[tuple[str, Column], Decision] = {}
    for sample in samples:
        values = customer_values(stack, sample, at)
        for column in grid_columns:
            request = preview_request(stack, sample, column, at, values=values)
            decisions[(sample.id, column)] = policy.decide(request)
    return PreviewGrid(at, tuple(sample.id for sample in samples), grid_columns, decisions)


@dataclass(frozen=True, slots=True)
class ReplayStep:
    """One step of a scenario, decided against the history as it stood."""

    index: int
    at: int
    label: str
    agent: str
    action: str
    params: Mapping[str, Any]
    decision: Decision
    went_ahead: bool
    """True when the action reached the customer (go), so later steps see it in the history."""
    request: Request
    """The request decided: the step against the customer's history as it stood then."""


@dataclass(frozen=True, slots=True)
class Replay:
    """A scenario in time order, with the policy enforced or (for comparison) not."""

    scenario: Scenario
    enforced: bool
    steps: tuple[ReplayStep, ...]


def replay(policy: Policy, scenario_id: str, *, now: int, enforced: bool = True) -> Replay:
    """Replay a scenario: each step decided against the customer's history so far.

    Steps that go ahead join the history for the next ones. A flagged step waits for a human
    and a stopped one never happens, so neither joins. Without the policy (enforced=False)
    every step goes ahead, as in a stack that is integrated but not coordinated.
    """
    stack = policy.stack
    scenario = next((s for s in stack.scenarios if s.id == scenario_id), None)
    if scenario is None:
        raise KeyError(scenario_id)
    sample = next(c for c in stack.customers if c.id == scenario.customer)
    customer, history = customer_values(stack, sample, now)
    actions = {action.id: action for action in stack.actions}
    teams = {agent.id: agent.team for agent in stack.agents}
    timed = sorted(
        enumerate(scenario.steps),
        key=lambda pair: (parse_instant(pair[1].at, now=now, tz=stack.timezone), pair[0]),
    )
    steps = []
    for index, step in timed:
        at = parse_instant(step.at, now=now, tz=stack.timezone)
        action = actions[step.action]
        params = example_params(action, step.params, now=now, tz=stack.timezone)
        request = Request(step.agent, step.action, params, customer, history, at)
        decision = (
            policy.decide(request)
            if enforced
            else Decision(
                Verdict.GO, reasons=(Reason(ReasonKind.ALLOW, Verdict.GO, "No policy: every action goes out."),)
            )
        )
        went_ahead = decision.verdict is Verdict.GO
        if went_ahead:
            history = (
                *history,
                _event_for(
                    stack.customer.history.payload,
                    action,
                    step.agent,
                    teams.get(step.agent, ""),
                    params,
                    at,
                    stack.timezone,
                ),
            )
        steps.append(ReplayStep(index, at, step.label, step.agent, step.action, params, decision, went_ahead, request))
    return Replay(scenario, enforced, tuple(steps))


def _event_for(
    payload_specs: Mapping[str, ValueSpec],
    action: Action,
    agent: str,
    team: str,
    params: Mapping[str, Any],
    at: int,
    tz: str,
) -> Event:
    """The history entry an action leaves once it reaches the customer. Parameters that share a
    name and type with a payload field (a discount, a positioning) are recorded in it."""
    payload = {}
    for name, spec in payload_specs.items():
        param_spec = action.params.get(name)
        fits = param_spec is not None and param_spec.type is spec.type and name in params
        if fits and spec.values:
            fits = params[name] in spec.values
        payload[name] = params[name] if fits else default_value(spec, tz)
    return {
        "at": at,
        "agent": agent,
        "team": team,
        "kind": action.id,
        "channel": action.channel or "",
        "purpose": action.purpose or "",
        "payload": payload,
    }
