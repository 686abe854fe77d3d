"""The service's OpenAPI 3.1 document (served at `/openapi.json`)."""

from __future__ import annotations

from typing import Any

from studio.json_schema import DecisionData, DecisionRequest

_REF = "#/components/schemas/{model}"


def openapi(*, title: str, revision: str, max_body: int) -> dict[str, Any]:
    """The OpenAPI document for a service deciding with the bundle of `title` at `revision`."""
    schemas: dict[str, Any] = {}
    for model in (DecisionRequest, DecisionData):
        schema = model.model_json_schema(ref_template=_REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    schemas.update(_WIRE)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"Coordination Studio decision service: {title}",
            "version": revision,
            "description": (
                "Go / flag / stop decisions for a martech stack's agents, shaped like the OpenID AuthZEN "
                f"evaluation API. Request bodies are JSON, at most {max_body:,} bytes; clients over their "
                "rate limit get 429 with Retry-After."
            ),
        },
        "paths": {
            "/access/v1/evaluation": _post(
                "Decide one proposed action (AuthZEN evaluation)", "Evaluation", "EvaluationResponse"
            ),
            "/access/v1/evaluations": _post(
                "Decide many proposed actions with one bundle revision (AuthZEN batch evaluation)",
                "Evaluations",
                "EvaluationsResponse",
            ),
            "/v1/decide": _post(
                "Decide one request in the studio's own JSON shape", "DecisionRequest", "DecideResponse"
            ),
            "/healthz": _get("Liveness: the process answers", "Health"),
            "/readyz": _get("Readiness: a verified bundle is loaded (503 until then)", "Ready"),
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI"}}}},
            "/.well-known/authzen-configuration": _get("AuthZEN metadata: the evaluation endpoints", "Metadata"),
        },
        "components": {"schemas": schemas},
    }


def _post(summary: str, request: str, response: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": _REF.format(model=request)}}},
            },
            "responses": {
                "200": _json("The decision", response),
                "400": _json(
                    "Malformed JSON, or a request that doesn't fit the stack (every field at fault listed)", "Error"
                ),
                "413": _json("Body or batch too large", "Error"),
                "415": _json("Not JSON", "Error"),
                "429": _json("Rate limit exceeded (see Retry-After)", "Error"),
                "503": _json("No bundle loaded yet", "Error"),
            },
        }
    }


def _get(summary: str, response: str) -> dict[str, Any]:
    return {"get": {"summary": summary, "responses": {"200": _json(summary, response)}}}


def _json(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": _REF.format(model=schema)}}},
    }


_ENTITY = {
    "type": "object",
    "required": ["id"],
    "properties": {"type": {"type": "string"}, "id": {"type": "string"}, "properties": {"type": "object"}},
}
_WIRE: dict[str, Any] = {
    "Subject": {**_ENTITY, "description": "The agent or tool proposing the action (id: its agent id)."},
    "Action": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "description": "The action id"},
            "properties": {"type": "object", "description": "The action's parameters"},
        },
    },
    "Resource": {
        "type": "object",
        "required": ["id"],
        "description": "The customer: properties.attributes and properties.history as in a studio request.",
        "properties": {
            "type": {"type": "string"},
            "id": {"type": "string"},
            "properties": {
                "type": "object",
                "properties": {
                    "attributes": {"type": "object"},
                    "history": {"type": "array", "items": {"$ref": "#/components/schemas/HistoryEvent"}},
                },
                "additionalProperties": False,
            },
        },
    },
    "Context": {
        "type": "object",
        "required": ["time"],
        "properties": {"time": {"type": "string", "description": "The decision time, RFC 3339"}},
    },
    "Evaluation": {
        "type": "object",
        "required": ["subject", "action", "resource", "context"],
        "properties": {
            "subject": {"$ref": "#/components/schemas/Subject"},
            "action": {"$ref": "#/components/schemas/Action"},
            "resource": {"$ref": "#/components/schemas/Resource"},
            "context": {"$ref": "#/components/schemas/Context"},
        },
    },
    "Evaluations": {
        "type": "object",
        "required": ["evaluations"],
        "properties": {
            "subject": {"$ref": "#/components/schemas/Subject"},
            "action": {"$ref": "#/components/schemas/Action"},
            "resource": {"$ref": "#/components/schemas/Resource"},
            "context": {"$ref": "#/components/schemas/Context"},
            "evaluations": {"type": "array", "items": {"type": "object"}, "minItems": 1},
            "options": {
                "type": "object",
                "properties": {
                    "evaluations_semantic": {
                        "enum": ["execute_all", "deny_on_first_deny", "permit_on_first_permit"],
                    }
                },
            },
        },
    },
    "EvaluationResponse": {
        "type": "object",
        "required": ["decision", "context"],
        "properties": {
            "decision": {"type": "boolean", "description": "true only when the verdict is go"},
            "context": {
                "allOf": [{"$ref": "#/components/schemas/DecisionData"}],
                "properties": {"revision": {"type": "string"}, "decision_id": {"type": "string"}},
            },
        },
    },
    "EvaluationsResponse": {
        "type": "object",
        "properties": {
            "evaluations": {"type": "array", "items": {"$ref": "#/components/schemas/EvaluationResponse"}},
        },
    },
    "DecideResponse": {
        "type": "object",
        "properties": {
            "decision": {"$ref": "#/components/schemas/DecisionData"},
            "revision": {"type": "string"},
            "decision_id": {"type": "string"},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "problems": {"type": "array", "items": {"type": "string"}}},
    },
    "Health": {"type": "object", "properties": {"status": {"const": "ok"}}},
    "Ready": {
        "type": "object",
        "properties": {
            "status": {"const": "ready"},
            "revision": {"type": "string"},
            "stack": {"type": "string"},
            "loaded_at": {"type": "string"},
        },
    },
    "Metadata": {"type": "object"},
}
