"""`studio explain`: one sample decision in business words, and the smallest changes that flip it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from studio.cli.common import JsonOption, NowOption, StackPath, parse_param, read_time
from studio.cli.output import VERDICT_STYLE, print_json, stdout, verdict_text
from studio.cli.workshop_session import open_workshop
from studio.errors import did_you_mean
from studio.explain import Explanation


def explain_command(
    file: StackPath,
    customer: Annotated[str, typer.Option(help="A sample customer of the stack.", show_default=False)],
    agent: Annotated[str, typer.Option(help="The agent or tool proposing the action.", show_default=False)],
    action: Annotated[str, typer.Option(help="The action it proposes.", show_default=False)],
    param: Annotated[
        list[str] | None, typer.Option(help="A parameter, name=value (repeatable).", show_default=False)
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="When: ISO 8601, or relative to the sample clock (+2d@10:00).", show_default=False),
    ] = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> int:
    """Explain a decision (the rules that fired, in business words) and what would flip it."""
    workshop = open_workshop(file, now)
    stack = workshop.stack
    for value, valid, option in (
        (customer, [c.id for c in stack.customers], "--customer"),
        (agent, [a.id for a in stack.agents], "--agent"),
        (action, [a.id for a in stack.actions], "--action"),
    ):
        if value not in valid:
            raise typer.BadParameter(
                f"unknown {option[2:]} {value!r} ({did_you_mean(value, valid)})", param_hint=option
            )
    when = read_time(at, now=workshop.sample_now, tz=stack.timezone, option="--at") if at else None
    params = dict(parse_param(text) for text in param or []) or None
    explanation = workshop.explain(customer, agent, action, params, when)
    if as_json:
        print_json({"request": explanation.request.to_json(stack), **explanation.to_json()})
    else:
        _print(explanation, f"{agent} → {action} for {customer}")
    return 0


def _print(explanation: Explanation, title: str) -> None:
    console = stdout()
    decision = explanation.decision
    console.print(Text(title, style="bold"))
    head = verdict_text(decision.verdict)
    if explanation.headline != decision.verdict.value:
        head += Text(explanation.headline.removeprefix(decision.verdict.value), style="yellow")
    console.print(head)
    if explanation.rules:
        console.print(Text("\nThe rules that fired", style="bold"))
        for line in explanation.rules:
            mark = verdict_text(line.verdict, word=False)
            style = "" if line.decisive else "dim"
            console.print(Text("  ") + mark + Text(f" {line.words}", style=style))
            for detail in line.details:
                console.print(Text(f"      {detail}", style=style))
    if explanation.default:
        console.print(Text("\nThe default applied", style="bold"))
        console.print(Text(f"  {explanation.default}"))
    console.print(Text("\nWhat would flip it", style="bold"))
    if not explanation.flips:
        console.print(Text("  nothing the search tried (parameters, time, customer facts) changes the verdict"))
    for flip in explanation.flips:
        console.print(
            Text("  ") + Text(flip.verdict.symbol, style=VERDICT_STYLE[flip.verdict]) + Text(f" {flip.words}")
        )


def register(app: typer.Typer) -> None:
    app.command("explain")(explain_command)
