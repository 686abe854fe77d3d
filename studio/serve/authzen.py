"""The AuthZEN evaluation API's shapes, mapped onto the studio's request and decision.

An evaluation names who acts (`subject`: the agent), what it wants to do (`action`: the
studio action, its `properties` the parameters), to whom (`resource`: the customer, its
`properties` holding `attributes` and `history`) and when (`context.time`, RFC 3339):

    {"subject": {"type": "agent", "id": "ai-sdr-agent"},
     "action": {"name": "offer_discount", "properties": {"discount_pct": 15, "acv_impact_usd": 30000}},
     "resource": {"type": "customer", "id": "acme",
                  "properties": {"attributes": {"segment": "enterprise", ...}, "history": [...]}},
     "context": {"time": "2026-11-23T15:00:00Z"}}

The answer's `decision` is true only for go (the agent may proceed on its own); flag and stop
are false, and `context` says which, with the routes, obligations, reasons, fired rules, the
default that applied, the bundle revision and the decision id. A batch
(`/access/v1/evaluations`) takes top-level subject/action/resource/context as defaults that each
entry of `evaluations` may replace, and `options.evaluations_semantic`: `execute_all`
(default), `deny_on_first_deny` or `permit_on_first_permit` (stop after the first such answer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from studio.decision import Decision, Verdict

SEMANTICS = ("execute_all", "deny_on_first_deny", "permit_on_first_permit")


@dataclass
class WireError(Exception):
    """A request the service can't evaluate: HTTP `status`, a message, and the fields at fault."""

    status: int
    message: str
    problems: list[str] = field(default_factory=list)
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    """Extra response headers (Retry-After, Allow)."""

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "problems": self.problems}


def studio_request(evaluation: Any, where: str = "") -> dict[str, Any]:
    """An AuthZEN evaluation as the studio's request JSON (RequestReader checks the rest)."""
    problems: list[str] = []
    if not isinstance(evaluation, dict):
        raise WireError(400, "an evaluation is a JSON object", [where or "body"])
    subject = _object(evaluation, "subject", where, problems)
    action = _object(evaluation, "action", where, problems)
    resource = _object(evaluation, "resource", where, problems)
    context = _object(evaluation, "context", where, problems)
    agent = _text(subject, "id", f"{where}subject", problems)
    name = _text(action, "name", f"{where}action", problems)
    customer_id = _text(resource, "id", f"{where}resource", problems)
    time = _text(context, "time", f"{where}context", problems)
    params = _optional_object(action, "properties", f"{where}action", problems)
    properties = _optional_object(resource, "properties", f"{where}resource", problems)
    for key in properties:
        if key not in ("attributes", "history"):
            problems.append(f"{where}resource.properties.{key}: unknown field (expected attributes and history)")
    if problems:
        raise WireError(400, "the evaluation doesn't have the AuthZEN shape the service reads", problems)
    customer: dict[str, Any] = {"id": customer_id}
    if "attributes" in properties:
        customer["attributes"] = properties["attributes"]
    if "history" in properties:
        customer["history"] = properties["history"]
    return {"agent": agent, "action": name, "params": params, "customer": customer, "at": time}


def batch(body: Any) -> tuple[list[dict[str, Any]], str]:
    """The evaluations of a batch request (defaults applied) and its semantic."""
    if not isinstance(body, dict):
        raise WireError(400, "the request body must be a JSON object")
    items = body.get("evaluations")
    if not isinstance(items, list) or not items:
        raise WireError(400, "'evaluations' must be a non-empty list", ["evaluations"])
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise WireError(400, "'options' must be an object", ["options"])
    semantic = options.get("evaluations_semantic", "execute_all")
    if semantic not in SEMANTICS:
        raise WireError(400, f"unknown evaluations_semantic {semantic!r}", [f"valid: {', '.join(SEMANTICS)}"])
    defaults = {key: body[key] for key in ("subject", "action", "resource", "context") if key in body}
    merged = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise WireError(400, "each evaluation is a JSON object", [f"evaluations[{index}]"])
        merged.append({**defaults, **item})
    return merged, semantic


def evaluation_response(decision: Decision, revision: str, decision_id: str) -> dict[str, Any]:
    """The AuthZEN answer: `decision` (go = true) and the studio decision in `context`."""
    return {
        "decision": decision.verdict is Verdict.GO,
        "context": {**decision.to_json(), "revision": revision, "decision_id": decision_id},
    }


def stops_batch(decision: Decision, semantic: str) -> bool:
    """Whether a batch with this semantic ends after this decision."""
    allowed = decision.verdict is Verdict.GO
    return (semantic == "deny_on_first_deny" and not allowed) or (semantic == "permit_on_first_permit" and allowed)


def _object(data: dict[str, Any], key: str, where: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        problems.append(f"{where}{key}: missing or not an object")
        return {}
    return value


def _optional_object(data: dict[str, Any], key: str, where: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"{where}.{key}: must be an object")
        return {}
    return value


def _text(data: dict[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        problems.append(f"{where}.{key}: missing or not a string")
        return ""
    return value
