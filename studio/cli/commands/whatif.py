"""`studio whatif`: vary one number of a rule and count the sample decisions that change.

studio whatif stack.yaml --rule B3-sdr-discounts --vary 10..25
studio whatif stack.yaml --rule B3-sdr-discounts --number limits.1 --vary 10000..40000:5000
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from studio import wording
from studio.cli.common import JsonOption, NowOption, StackPath
from studio.cli.output import print_json, stdout
from studio.cli.workshop_session import open_workshop
from studio.decision import Verdict
from studio.errors import did_you_mean
from studio.whatif import Sweep, parse_values


def whatif_command(
    file: StackPath,
    rule: Annotated[str, typer.Option(help="The rule whose number varies.", show_default=False)],
    vary: Annotated[
        str,
        typer.Option(help="The values: a range 10..25 (step 1), 10..25:5, or a list 10,12.5,15.", show_default=False),
    ],
    number: Annotated[
        str | None,
        typer.Option(
            help="Which number of the rule (limits.0, when, when.all.1; default: its first limit).", show_default=False
        ),
    ] = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> int:
    """Sweep one number of a rule (a limit, a window, a cap) and show, per value, which sample decisions change verdict."""
    try:
        values = parse_values(vary)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--vary") from None
    workshop = open_workshop(file, now)
    rule_ids = [r.id for r in workshop.stack.rules]
    if rule not in rule_ids:
        raise typer.BadParameter(f"no rule {rule!r} ({did_you_mean(rule, rule_ids)})", param_hint="--rule")
    result = workshop.whatif(rule, values, number)
    if as_json:
        print_json(result.to_json())
    else:
        _print(result)
    return 0


def _print(result: Sweep) -> None:
    console = stdout()
    knob = result.knob
    console.print(
        Text(f"{knob.rule_id}: {knob.words}", style="bold")
        + Text(f"  (number {knob.key}, as written {wording.number(knob.value)})", style="dim")
    )
    table = Table(header_style="bold")
    table.add_column("value", justify="right")
    for verdict in Verdict:
        table.add_column(f"{verdict.symbol} {verdict.value}", justify="right")
    table.add_column("changed", justify="right")
    table.add_column("which (customer: agent → action, before → after)", overflow="fold")
    for point in result.points:
        marker = " (as written)" if point.value == knob.value else ""
        which = "; ".join(
            f"{c.customer}: {c.column.agent} → {c.column.action} "
            f"{c.before.verdict.value if c.before else '-'}→{c.after.verdict.value if c.after else '-'}"
            for c in point.changed[:6]
        )
        if len(point.changed) > 6:
            which += f"; … {len(point.changed) - 6} more"
        table.add_row(
            wording.number(point.value) + marker,
            *(str(point.counts[verdict]) for verdict in Verdict),
            str(len(point.changed)),
            which,
        )
    console.print(table)
    if result.others:
        listed = ", ".join(f"{k.key} ({k.words})" for k in result.others)
        console.print(Text(f"  other numbers of {knob.rule_id}: {listed}", style="dim"))


def register(app: typer.Typer) -> None:
    app.command("whatif")(whatif_command)
