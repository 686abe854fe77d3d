"""`studio schema`: the JSON Schemas of the stack file, a decision request and a decision."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from studio.cli.output import print_json
from studio.json_schema import decision_schema, request_schema, stack_schema


class SchemaKind(StrEnum):
    STACK = "stack"
    REQUEST = "request"
    DECISION = "decision"


def schema(
    kind: Annotated[SchemaKind, typer.Option("--kind", help="Which schema to print.")] = SchemaKind.STACK,
) -> int:
    """Print a JSON Schema: the stack file's (for editors), or the request's or decision's (for services)."""
    builders = {
        SchemaKind.STACK: stack_schema,
        SchemaKind.REQUEST: request_schema,
        SchemaKind.DECISION: decision_schema,
    }
    print_json(builders[kind]())
    return 0


def register(app: typer.Typer) -> None:
    app.command()(schema)
