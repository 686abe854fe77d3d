"""`studio decide`: one decision, explained: for a sample customer or any request in JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from studio.cli.common import JsonOption, NowOption, StackPath, clock, open_stack, parse_param, read_time
from studio.cli.output import print_decision, print_json
from studio.errors import RequestError, did_you_mean
from studio.request import Request, RequestReader
from studio.samples import sample_request


def decide(
    file: StackPath,
    agent: Annotated[
        str | None, typer.Option(help="The agent or tool proposing the action.", show_default=False)
    ] = None,
    action: Annotated[str | None, typer.Option(help="The action it proposes.", show_default=False)] = None,
    customer: Annotated[str | None, typer.Option(help="A sample customer of the stack.", show_default=False)] = None,
    param: Annotated[
        list[str] | None, typer.Option(help="A parameter, name=value (repeatable).", show_default=False)
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="When: ISO 8601, or relative to the sample clock (+2d@10:00).", show_default=False),
    ] = None,
    request: Annotated[
        Path | None,
        typer.Option(
            help="A decision request in JSON ('-' for standard input) instead of the options above.", show_default=False
        ),
    ] = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> int:
    """Decide one proposed action and explain the verdict: go, flag (to whom) or stop, and why."""
    document, policy = open_stack(file)
    stack = document.stack
    if request is not None:
        decided_request = _read_request(RequestReader(stack), request)
    else:
        missing = [
            name for name, value in (("--agent", agent), ("--action", action), ("--customer", customer)) if not value
        ]
        if missing:
            raise typer.BadParameter(f"give {', '.join(missing)} (or --request FILE)", param_hint=missing[0])
        assert agent is not None and action is not None and customer is not None
        _known(agent, [a.id for a in stack.agents], "--agent")
        _known(action, [a.id for a in stack.actions], "--action")
        sample_clock = clock(document, now)
        when = read_time(at, now=sample_clock, tz=stack.timezone, option="--at") if at else sample_clock
        params = dict(parse_param(text) for text in param or [])
        decided_request = sample_request(stack, customer, agent, action, params, when, now=sample_clock)
    decision = policy.decide(decided_request)
    if as_json:
        print_json({"request": decided_request.to_json(stack), "decision": decision.to_json()})
    else:
        title = f"{decided_request.agent} → {decided_request.action} for {decided_request.customer.get('id', '?')}"
        print_decision(decision, title=title)
    return 0


def _read_request(reader: RequestReader, path: Path) -> Request:
    source = "standard input" if str(path) == "-" else str(path)
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as error:
        raise RequestError(f"Can't read {source}: {error.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RequestError(f"{source}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from None
    return reader.read(data, source=source)


def _known(value: str, valid: list[str], option: str) -> None:
    if value not in valid:
        raise typer.BadParameter(
            f"unknown {option.lstrip('-')} {value!r} ({did_you_mean(value, valid)})", param_hint=option
        )


def register(app: typer.Typer) -> None:
    app.command()(decide)
