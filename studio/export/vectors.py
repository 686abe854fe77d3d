"""Conformance vectors: requests with the decision the studio gives, for any enforcement service
to replay and prove it decides the same.

Sources, in this order:
- `preview`: every sample customer × every (agent, action) an agent declares, at the moment
  previews decide (the stack's `preview_at` on the export's reference day);
- `scenario`: every step of every scenario, replayed with the policy enforced (steps that go
  ahead join the history of later ones);
- `refusal`: an unknown agent, an unknown action, and an action its agent doesn't declare;
- `generated`: seeded random requests aimed at the conditions' edges (`studio.generate`).

Each vector has the request in the documented JSON shape (`request`), the same request prepared
for the Rego policy (`input`), and the expected decision (`decision`, `Decision.to_json()`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.clock import iso
from studio.engine import Policy
from studio.export.rego_input import RegoInput
from studio.generate import RequestGenerator
from studio.request import Request
from studio.samples import columns, customer_values, example_params, preview_request, replay
from studio.stack import Stack

GENERATED = 120
"""How many generated requests join the sample-based vectors."""


@dataclass(frozen=True, slots=True)
class Vector:
    """One request and the decision the studio gives it."""

    id: str
    source: str
    request: Request
    decision: dict[str, Any]


def vectors(policy: Policy, at: int, *, generated: int = GENERATED) -> list[Vector]:
    """Every conformance vector of a compiled stack, decided at `at` (µs)."""
    stack = policy.stack
    found: list[Vector] = []

    def add(vector_id: str, source: str, request: Request) -> None:
        found.append(Vector(vector_id, source, request, policy.decide(request).to_json()))

    for sample in stack.customers:
        values = customer_values(stack, sample, at)
        for column in columns(stack):
            request = preview_request(stack, sample, column, at, values=values)
            add(f"preview/{sample.id}/{column.agent}/{column.action}", "preview", request)
    for scenario in stack.scenarios:
        for index, request in enumerate(_scenario_requests(policy, scenario.id, at)):
            add(f"scenario/{scenario.id}/{index + 1}", "scenario", request)
    for index, request in enumerate(_refusals(stack, at)):
        add(f"refusal/{index + 1}", "refusal", request)
    for index, request in enumerate(RequestGenerator(stack, seed=0, now=at).requests(generated)):
        add(f"generated/{index + 1}", "generated", request)
    return found


def vectors_json(stack: Stack, found: list[Vector], at: int, stack_revision: str, prepare: RegoInput) -> dict[str, Any]:
    """The vectors file's content; `prepare` gives each request's Rego input."""
    return {
        "stack_revision": stack_revision,
        "at": iso(at),
        "count": len(found),
        "how": "decide each `request` (or feed `input` to the Rego policy) and compare with `decision`",
        "vectors": [
            {
                "id": vector.id,
                "source": vector.source,
                "request": vector.request.to_json(stack),
                "input": prepare(vector.request),
                "decision": vector.decision,
            }
            for vector in found
        ],
    }


def _scenario_requests(policy: Policy, scenario_id: str, at: int) -> list[Request]:
    """The request behind each step of a scenario replayed with the policy enforced, in time order."""
    return [step.request for step in replay(policy, scenario_id, now=at).steps]


def _refusals(stack: Stack, at: int) -> list[Request]:
    if not stack.customers:
        return []
    customer, history = customer_values(stack, stack.customers[0], at)
    requests = []
    if stack.actions:
        action = stack.actions[0]
        params = example_params(action, now=at, tz=stack.timezone)
        requests.append(Request("no-such-agent", action.id, params, customer, history, at))
    if stack.agents:
        requests.append(Request(stack.agents[0].id, "no-such-action", {}, customer, history, at))
    for agent in stack.agents:
        undeclared = [action.id for action in stack.actions if action.id not in agent.actions]
        if undeclared:
            action = next(a for a in stack.actions if a.id == undeclared[0])
            params = example_params(action, now=at, tz=stack.timezone)
            requests.append(Request(agent.id, action.id, params, customer, history, at))
            break
    return requests
