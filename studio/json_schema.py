"""JSON Schemas: the stack file's (generated from the models, for editors and CI), and the
documented shapes of a decision request and a decision (for enforcement services).

The request and decision schemas are generic: a stack's own schema (its attributes, actions,
parameters) is checked by `RequestReader` when a request arrives.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from studio.stack import Stack

_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def stack_schema() -> dict[str, Any]:
    """The JSON Schema of a stack file."""
    schema = Stack.model_json_schema()
    return {"$schema": _SCHEMA_DIALECT, "$id": "https://coordination.studio/schema/stack.schema.json", **schema}


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class HistoryEvent(_Wire):
    """One entry of the customer's contact history."""

    at: str = Field(description="RFC 3339 time, e.g. 2026-11-23T10:00:00Z")
    kind: str
    """An action id of the stack, or one of its declared event kinds."""
    agent: str = ""
    team: str = ""
    """Defaults to the agent's team."""
    channel: str = ""
    purpose: str = ""
    payload: dict[str, Any] = {}
    note: str = ""


class CustomerData(_Wire):
    """The customer the action is proposed for."""

    id: str
    attributes: dict[str, Any] = {}
    """Every attribute the stack declares (those with defaults may be left out)."""
    history: list[HistoryEvent] = []


class DecisionRequest(_Wire):
    """A proposed action, to be decided."""

    agent: str
    action: str
    params: dict[str, Any] = {}
    customer: CustomerData
    at: str = Field(description="The decision time, RFC 3339")


class FiredRuleData(_Wire):
    """A rule whose condition held."""

    rule: str
    kind: Literal["may", "must", "never"]
    owner: str
    effect: Literal["allow", "over_limit", "flag", "duty", "stop"]
    verdict: Literal["go", "flag", "stop"]
    rationale: str
    condition: str
    routes: list[str] = []
    exceeded: list[str] = []


class ObligationData(_Wire):
    """A duty the enforcing service performs."""

    duty: Literal["notify", "log", "disclose"]
    rule: str
    to: str = ""
    text: str = ""


class DefaultData(_Wire):
    """The default that applied when no may rule covered the action."""

    verdict: Literal["flag", "stop"]
    agent_kind: str
    route: str = ""


class DecisionData(_Wire):
    """The verdict on a request and everything behind it."""

    verdict: Literal["go", "flag", "stop"]
    routes: list[str]
    obligations: list[ObligationData]
    fired: list[FiredRuleData]
    default: DefaultData | None
    reasons: list[str]
    refusal: str = ""


def request_schema() -> dict[str, Any]:
    """The JSON Schema of a decision request."""
    return {"$schema": _SCHEMA_DIALECT, **DecisionRequest.model_json_schema()}


def decision_schema() -> dict[str, Any]:
    """The JSON Schema of a decision."""
    return {"$schema": _SCHEMA_DIALECT, **DecisionData.model_json_schema()}
