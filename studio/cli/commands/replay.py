"""`studio replay`: a scenario in time order, with the policy, without it, or side by side."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from studio.cli.common import JsonOption, NowOption, StackPath, clock, open_stack
from studio.cli.output import print_json, stdout, verdict_text
from studio.clock import iso
from studio.errors import did_you_mean
from studio.samples import Replay, ReplayStep, replay


def replay_command(
    file: StackPath,
    scenario: Annotated[str, typer.Option(help="The scenario to replay.", show_default=False)],
    compare: Annotated[bool, typer.Option("--compare", help="Show it without the policy beside it.")] = False,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> int:
    """Replay a scenario: each action decided against the history so far; what went ahead joins it."""
    document, policy = open_stack(file)
    stack = document.stack
    ids = [s.id for s in stack.scenarios]
    if scenario not in ids:
        raise typer.BadParameter(f"no scenario {scenario!r} ({did_you_mean(scenario, ids)})", param_hint="--scenario")
    at = clock(document, now)
    enforced = replay(policy, scenario, now=at)
    without = replay(policy, scenario, now=at, enforced=False)
    if as_json:
        print_json(
            {"scenario": scenario, "with_policy": _replay_json(enforced), "without_policy": _replay_json(without)}
        )
        return 0
    _print(enforced, without if compare else None, stack.timezone)
    return 0


def _replay_json(result: Replay) -> list[dict[str, Any]]:
    return [
        {
            "step": step.index,
            "label": step.label,
            "at": iso(step.at),
            "agent": step.agent,
            "action": step.action,
            "params": dict(step.params),
            "went_ahead": step.went_ahead,
            "decision": step.decision.to_json(),
        }
        for step in result.steps
    ]


def _print(enforced: Replay, without: Replay | None, tz: str) -> None:
    console = stdout()
    scenario = enforced.scenario
    console.print(Text(scenario.title or scenario.id, style="bold") + Text(f"  ({scenario.customer})", style="dim"))
    table = Table(header_style="bold", show_lines=True)
    table.add_column("when", no_wrap=True)
    table.add_column("agent → action")
    if without is not None:
        table.add_column("without policy", justify="center")
    table.add_column("with policy")
    for index, step in enumerate(enforced.steps):
        row: list[Any] = [_when(step, tz), f"{step.agent} → {step.action}{_params(step)}"]
        if without is not None:
            row.append(verdict_text(without.steps[index].decision.verdict))
        row.append(_outcome(step))
        table.add_row(*row)
    console.print(table)


def _when(step: ReplayStep, tz: str) -> str:
    local = iso(step.at, tz)[:16].replace("T", " ")
    return f"{step.label}\n{local}" if step.label else local


def _params(step: ReplayStep) -> str:
    if not step.params:
        return ""
    shown = ", ".join(
        f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}" for name, value in step.params.items()
    )
    return f"\n({shown})"


def _outcome(step: ReplayStep) -> Text:
    decision = step.decision
    text = verdict_text(decision.verdict)
    if decision.routes:
        text += Text(f" → {', '.join(decision.routes)}", style="yellow")
    for reason in decision.decisive_reasons:
        text += Text(f"\n{reason.text}", style="dim")
    return text


def register(app: typer.Typer) -> None:
    app.command("replay")(replay_command)
