"""`studio load`: forecast flags per day for each reviewing team, against its capacity.

Exit 1 when a team's forecast exceeds its capacity ("review everything becomes review nothing").
"""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from studio import wording
from studio.cli.common import JsonOption, NowOption, StackPath
from studio.cli.output import print_json, stdout
from studio.cli.workshop_session import open_workshop
from studio.clock import iso
from studio.review_load import LoadReport


def load_command(file: StackPath, now: NowOption = None, as_json: JsonOption = False) -> int:
    """Forecast review load: flags per day per team (from agents' daily volumes and customers' weights) against capacity."""
    workshop = open_workshop(file, now)
    report = workshop.review_load()
    if as_json:
        print_json(report.to_json())
    else:
        _print(report, workshop.stack.timezone)
    return 1 if report.over_capacity else 0


def _print(report: LoadReport, tz: str) -> None:
    console = stdout()
    per_day = report.verdicts_per_day
    console.print(
        Text(f"Review load on a day like {iso(report.at, tz)[:16].replace('T', ' ')}", style="bold")
        + Text(
            f"  ({wording.number(round(report.proposals_per_day))} proposals a day: "
            + ", ".join(f"{v.symbol} {wording.number(round(n, 1))} {v.value}" for v, n in per_day.items())
            + ")",
            style="dim",
        )
    )
    table = Table(header_style="bold")
    for title, justify in (
        ("team", "left"),
        ("flags/day", "right"),
        ("capacity", "right"),
        ("load", "right"),
        ("driven by", "left"),
    ):
        table.add_column(title, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for team in report.teams:
        utilisation = team.utilisation
        load = "—" if utilisation is None else f"{utilisation:.0%}"
        style = "bold red" if team.over else ""
        drivers = "\n".join(f"{wording.number(round(d.per_day, 1))}  {d.rule_id}" for d in team.drivers[:4])
        table.add_row(
            Text(f"{team.name}" + (f" ({team.lead})" if team.lead else ""), style=style),
            wording.number(round(team.per_day, 1)),
            "—" if team.capacity is None else str(team.capacity),
            Text(load + (" ✖ over" if team.over else ""), style=style),
            drivers,
        )
    console.print(table)
    for team in report.over_capacity:
        console.print(Text("✖ ", style="bold red") + Text(team.words()))
        top = team.drivers[0] if team.drivers else None
        if top is not None:
            console.print(Text(f"    mostly {top.words}", style="dim"))
    for line in (*report.notes, *(f"no daily volume for {c}; left out" for c in report.unforecast)):
        console.print(Text(f"  note: {line}", style="dim"))


def register(app: typer.Typer) -> None:
    app.command("load")(load_command)
