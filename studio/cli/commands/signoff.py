"""`studio signoff`: a team's lead signs the current revision, or everyone's status is shown.

    studio signoff stack.yaml --team sales --name "Marco Diaz"
    studio signoff stack.yaml --status

Signing writes the stack file (only its `signoffs:` list changes, atomically). `--status`
exits 1 while a team's sign-off is missing or was cleared by a change to what it signed for;
for a cleared one it says what changed, looking for the signed version in the file's git
history.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from studio.cli.common import JsonOption, StackPath
from studio.cli.output import print_json, stdout
from studio.document import load_text
from studio.errors import StudioError
from studio.git_file import revisions, text_at
from studio.revision import revision
from studio.signoff import SignedVersions, SignOffState, TeamSignOff, status
from studio.stack import Stack
from studio.workshop import Workshop

_STYLE = {
    SignOffState.SIGNED: ("✔", "bold green"),
    SignOffState.STALE: ("⚠", "bold yellow"),
    SignOffState.MISSING: ("·", "dim"),
}


def signoff_command(
    file: StackPath,
    team: Annotated[str | None, typer.Option(help="The team signing.", show_default=False)] = None,
    name: Annotated[str | None, typer.Option(help="Who signs (the team's lead).", show_default=False)] = None,
    show_status: Annotated[bool, typer.Option("--status", help="Show every team's sign-off instead.")] = False,
    as_json: JsonOption = False,
) -> int:
    """Sign the current revision for a team, or show every team's sign-off (signed, cleared or missing)."""
    if show_status == (team is not None):
        raise typer.BadParameter("give --team and --name to sign, or --status", param_hint="--team")
    workshop = Workshop.open(file)
    if team is not None:
        if not name:
            raise typer.BadParameter("who signs? give --name", param_hint="--name")
        workshop.sign(team, name)
        workshop.save()
    teams = status(workshop.stack, _git_versions(file))
    if as_json:
        print_json({"revision": workshop.revision, "teams": [t.to_json() for t in teams]})
    else:
        _print(teams, workshop.revision, signed=team)
    if team is not None:
        return 0
    return 0 if all(t.state is SignOffState.SIGNED for t in teams) else 1


def _git_versions(path: Path) -> SignedVersions:
    """Finds a signed revision among the file's committed versions (read lazily)."""
    cache: dict[str, Stack] = {}

    def find(wanted: str) -> Stack | None:
        if not cache:
            for commit in revisions(path):
                try:
                    stack = load_text(text_at(path, commit), source=f"{path}@{commit[:8]}").stack
                except StudioError:
                    continue
                cache.setdefault(revision(stack), stack)
        return cache.get(wanted)

    return find


def _print(teams: tuple[TeamSignOff, ...], current: str, *, signed: str | None) -> None:
    console = stdout()
    if signed is not None:
        console.print(Text(f"Signed for {signed} at revision {current[:19]}…", style="bold"))
    else:
        console.print(Text(f"Sign-offs of revision {current[:19]}…", style="bold"))
    for entry in teams:
        mark, style = _STYLE[entry.state]
        console.print(Text(f"  {mark} ", style=style) + Text(entry.words))
        for change in entry.changes[1:]:
            console.print(Text(f"      also: {change.words}", style="dim"))


def register(app: typer.Typer) -> None:
    app.command("signoff")(signoff_command)
