"""`studio load`: forecast flags per day for each reviewing team, against its capacity.

The forecast uses the volumes the stack declares (agents' daily volumes, customers' weights);
with `--backtest DIR` (a backtest's `--out` folder, or its summary.json) it uses the volumes the
backtest observed instead. Exit 1 when a team's load exceeds its capacity ("review everything
becomes review nothing"), or when the summary can't be read (the message names file, line and
column).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from studio import wording
from studio.cli.common import JsonOption, NowOption, StackPath
from studio.cli.output import print_json, stdout
from studio.cli.workshop_session import open_workshop
from studio.clock import iso
from studio.errors import StudioError
from studio.review_load import LoadReport
from studio.revision import revision

if TYPE_CHECKING:
    from studio.backtest.review import Volumes

BacktestOption = Annotated[
    Path | None,
    typer.Option(
        "--backtest",
        help="A backtest's --out folder (or its summary.json): report the volumes it observed instead of declared ones.",
        show_default=False,
    ),
]


def load_command(
    file: StackPath, now: NowOption = None, backtest: BacktestOption = None, as_json: JsonOption = False
) -> int:
    """Forecast review load: flags per day per team (from agents' daily volumes and customers' weights) against capacity."""
    workshop = open_workshop(file, now)
    try:  # the backtest extra (sqlglot, DuckDB) reads a backtest's summary; a forecast needs none of it
        from studio.backtest.review import Volumes, load_report
        from studio.backtest.saved import read_summary, summary_path
    except ImportError:
        if backtest is not None:
            raise StudioError(
                "--backtest needs the backtest extra: pip install 'coordination-studio[backtest]'"
            ) from None
        report, volumes = workshop.review_load(), None
    else:
        if backtest is None:
            report, volumes = workshop.review_load(), Volumes.declared()
        else:
            summary = read_summary(backtest)
            report = load_report(summary, workshop.policy)
            volumes = Volumes.observed(summary, source=str(summary_path(backtest)), revision=revision(workshop.stack))
    if as_json:
        print_json({**report.to_json(), **({"volumes": volumes.to_json()} if volumes is not None else {})})
    else:
        _print(report, workshop.stack.timezone, volumes)
    return 1 if report.over_capacity else 0


def _print(report: LoadReport, tz: str, volumes: Volumes | None) -> None:
    console = stdout()
    per_day = report.verdicts_per_day
    observed = volumes is not None and volumes.kind == "observed"
    day = iso(report.at, tz)[:10] if observed else iso(report.at, tz)[:16].replace("T", " ")
    title = "Review load observed from" if observed else "Review load on a day like"
    console.print(
        Text(f"{title} {day}", style="bold")
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
        drivers = "\n".join(f"{wording.rate(d.per_day)}  {d.rule_id}" for d in team.drivers[:4])
        table.add_row(
            Text(f"{team.name}" + (f" ({team.lead})" if team.lead else ""), style=style),
            wording.rate(team.per_day),
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
    if volumes is not None:
        console.print(Text(f"  {volumes.words()}", style="yellow" if volumes.stale else "dim"))
    for line in (*report.notes, *(f"no daily volume for {c}; left out" for c in report.unforecast)):
        console.print(Text(f"  note: {line}", style="dim"))


def register(app: typer.Typer) -> None:
    app.command("load")(load_command)
