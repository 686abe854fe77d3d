"""`studio diff`: what a change to a stack says, and which sample decisions it changes.

    studio diff OLD.yaml NEW.yaml
    studio diff stack.yaml --against HEAD~1

Exit 0 when nothing changed, 1 when something did (like `diff`), 2 for usage errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from studio.cli.common import JsonOption, NowOption, clock
from studio.cli.output import print_json, stdout, verdict_text
from studio.decision import Decision
from studio.document import StackDocument, load_file, load_text
from studio.git_file import text_at
from studio.impact import Impact, impact


def diff_command(
    old: Annotated[
        Path, typer.Argument(help="The stack before (or the only file, with --against).", show_default=False)
    ],
    new: Annotated[Path | None, typer.Argument(help="The stack after.", show_default=False)] = None,
    against: Annotated[
        str | None,
        typer.Option(
            help="Compare FILE with its version at this git revision (HEAD, a branch, a commit).", show_default=False
        ),
    ] = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> int:
    """Show the rule changes in plain words, and every sample decision and scenario step they change."""
    before, after = _documents(old, new, against)
    result = impact(before.stack, after.stack, at=clock(after, now))
    if as_json:
        print_json({"old": before.source, "new": after.source, **result.to_json()})
    else:
        _print(result, before.source, after.source)
    return 0 if result.empty else 1


def _documents(old: Path, new: Path | None, against: str | None) -> tuple[StackDocument, StackDocument]:
    if against is not None and new is not None:
        raise typer.BadParameter("give NEW or --against, not both", param_hint="--against")
    if against is None and new is None:
        raise typer.BadParameter("give the new file, or --against REV to compare with git", param_hint="NEW")
    if against is not None:
        after = load_file(old)
        return load_text(text_at(old, against), source=f"{old}@{against}"), after
    assert new is not None
    return load_file(old), load_file(new)


def _print(result: Impact, old: str, new: str) -> None:
    console = stdout()
    console.print(Text(f"{old} → {new}", style="bold"))
    if result.empty:
        console.print("No changes.")
        return
    if result.changes:
        console.print(Text("\nWhat changed", style="bold"))
        for change in result.changes:
            console.print(Text("  • ") + Text(change.words))
    console.print(Text(f"\nSample decisions that change ({len(result.cells)})", style="bold"))
    if result.cells:
        table = _table("customer", "agent → action")
        for cell in result.cells:
            table.add_row(
                cell.customer,
                f"{cell.column.agent} → {cell.column.action}",
                _decision(cell.before),
                _decision(cell.after),
                _why(cell.before, cell.after, cell.verdict_changed),
            )
        console.print(table)
    else:
        console.print("  none")
    if result.steps:
        console.print(Text(f"\nScenario steps that change ({len(result.steps)})", style="bold"))
        table = _table("scenario", "step")
        for step in result.steps:
            name = f"{step.label or step.index}: {step.agent} → {step.action}"
            table.add_row(
                step.scenario,
                name,
                _decision(step.before),
                _decision(step.after),
                _why(step.before, step.after, step.verdict_changed),
            )
        console.print(table)


def _table(first: str, second: str) -> Table:
    table = Table(header_style="bold", show_lines=False)
    for title in (first, second, "before", "after", "why (after)"):
        table.add_column(title, overflow="fold")
    return table


def _decision(decision: Decision | None) -> Text:
    if decision is None:
        return Text("(none)", style="dim")
    text = verdict_text(decision.verdict)
    if decision.routes:
        text += Text(f" → {', '.join(decision.routes)}", style="yellow")
    return text


def _why(before: Decision | None, after: Decision | None, verdict_changed: bool) -> Text:
    """The decisive reasons of a new verdict; for the same verdict, the first reason that is new."""
    if after is None:
        return Text("")
    if verdict_changed:
        return Text("\n".join(reason.text for reason in after.decisive_reasons))
    if before is not None and before.routes != after.routes:
        return Text("routed differently", style="dim")
    known = {reason.text for reason in before.reasons} if before is not None else set()
    fresh = next((reason.text for reason in after.reasons if reason.text not in known), "")
    return Text(f"now: {fresh}" if fresh else "", style="dim")


def register(app: typer.Typer) -> None:
    app.command("diff")(diff_command)
