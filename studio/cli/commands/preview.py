"""`studio preview`: the grid of sample customers x (agent, action), each cell decided."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from studio.cli.common import JsonOption, NowOption, StackPath, clock, open_stack
from studio.cli.output import print_decision, print_json, stdout, verdict_text
from studio.clock import iso
from studio.decision import Verdict
from studio.errors import did_you_mean
from studio.samples import PreviewGrid, preview


def preview_command(
    file: StackPath,
    customer: Annotated[
        str | None,
        typer.Option(help="Show one sample customer, with the reasons for each verdict.", show_default=False),
    ] = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> int:
    """Preview verdicts: every sample customer against every action each agent can take."""
    document, policy = open_stack(file)
    stack = document.stack
    if customer is not None and customer not in [c.id for c in stack.customers]:
        raise typer.BadParameter(
            f"no sample customer {customer!r} ({did_you_mean(customer, [c.id for c in stack.customers])})",
            param_hint="--customer",
        )
    at = clock(document, now)
    grid = preview(policy, at=at, customers=[customer] if customer else None)
    if as_json:
        print_json(_grid_json(grid))
    elif customer:
        _print_customer(grid, customer, stack.timezone)
    else:
        _print_grid(grid, stack.timezone, [c.name or c.id for c in stack.customers])
    return 0


def _grid_json(grid: PreviewGrid) -> dict[str, Any]:
    return {
        "at": iso(grid.at),
        "customers": list(grid.customers),
        "columns": [{"agent": column.agent, "action": column.action} for column in grid.columns],
        "cells": [
            {
                "customer": customer,
                "agent": column.agent,
                "action": column.action,
                **grid.decision(customer, column).to_json(),
            }
            for customer in grid.customers
            for column in grid.columns
        ],
        "counts": {verdict.value: count for verdict, count in grid.counts().items()},
    }


def _print_grid(grid: PreviewGrid, tz: str, names: list[str]) -> None:
    console = stdout()
    table = Table(title=f"Preview at {iso(grid.at, tz)}", title_justify="left", header_style="bold", show_lines=False)
    table.add_column("agent → action", no_wrap=True)
    for customer in grid.customers:
        table.add_column(customer, justify="center", overflow="fold")
    for column in grid.columns:
        cells = [verdict_text(grid.decision(customer, column).verdict, word=False) for customer in grid.customers]
        table.add_row(f"{column.agent} → {column.action}", *cells)
    console.print(table)
    counts = grid.counts()
    legend = Text("  ")
    for verdict in Verdict:
        legend += verdict_text(verdict) + Text(f" {counts[verdict]}   ")
    console.print(legend)
    console.print(Text("  `studio preview FILE --customer ID` explains each verdict.", style="dim"))
    del names


def _print_customer(grid: PreviewGrid, customer: str, tz: str) -> None:
    stdout().print(Text(f"{customer} at {iso(grid.at, tz)}", style="bold"))
    for column in grid.columns:
        print_decision(grid.decision(customer, column), title=f"\n{column.agent} → {column.action}")


def register(app: typer.Typer) -> None:
    app.command("preview")(preview_command)
