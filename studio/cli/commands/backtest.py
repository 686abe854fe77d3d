"""`studio backtest FILE --customers C --events E --proposals P`: the policy on real exports.

Every proposed action in the exports is decided against its customer's history as it stood
(events strictly before it), in SQL on DuckDB (default) or Spark. The summary is printed
(or given as JSON); with `--out` the decisions, the stopped proposals and the summary's tables
are written as Parquet and CSV, with summary.json. docs/backtest.md explains the mapping file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from studio.cli.common import JsonOption, StackPath, open_stack
from studio.cli.output import print_json, stderr, stdout
from studio.decision import Verdict

_PHASES = {
    "read customers": "Reading customers",
    "read events": "Reading contact history",
    "read proposals": "Reading proposals",
    "decide": "Deciding every proposal",
    "summarise": "Summarising",
    "write": "Writing results",
}


def backtest_command(
    file: StackPath,
    customers: Annotated[Path, typer.Option(help="Customers export (CSV or Parquet).", show_default=False)],
    events: Annotated[Path, typer.Option(help="Contact-history export (CSV or Parquet).", show_default=False)],
    proposals: Annotated[Path, typer.Option(help="Proposed-actions export (CSV or Parquet).", show_default=False)],
    mapping: Annotated[
        Path | None,
        typer.Option(help="Column mapping (YAML); without it every field is read from a column of its own name."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for decisions, stopped proposals and summary tables.")
    ] = None,
    engine: Annotated[str, typer.Option(help="duckdb (embedded) or spark (local session).")] = "duckdb",
    show_sql: Annotated[bool, typer.Option("--show-sql", help="Print the compiled SQL and stop.")] = False,
    as_json: JsonOption = False,
) -> int:
    """Backtest the policy on exported data: the verdict every proposal would have had, summarised."""
    from studio.backtest import Inputs, Source, compile_stack, load_mapping, run_backtest

    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter(f"{engine!r} is not an engine: use duckdb or spark", param_hint="--engine")
    document, policy = open_stack(file)
    stack = document.stack
    if show_sql:
        stdout().print(compile_stack(stack, policy).sql("spark" if engine == "spark" else "duckdb"), markup=False)
        return 0
    chosen, mapping_source = load_mapping(mapping)
    inputs = Inputs(Source.from_path(customers), Source.from_path(events), Source.from_path(proposals))
    with _Bar(stderr()) as bar:
        result = run_backtest(
            stack,
            inputs,
            mapping=chosen,
            mapping_source=mapping_source,
            engine="spark" if engine == "spark" else "duckdb",
            out_dir=out,
            progress=bar.update,
            policy=policy,
        )
    summary = result.summary
    if as_json:
        print_json({**summary.to_json(), "files": {name: str(path) for name, path in result.files.items()}})
    else:
        _print(summary, result.files)
    return 0


class _Bar:
    """A Rich progress bar on standard error, one task per phase (only on a terminal)."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Bar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def update(self, phase: str, done: float | None) -> None:
        for other, task in self.tasks.items():
            if other != phase:
                self.progress.update(task, completed=100)
        if phase not in self.tasks:
            self.tasks[phase] = self.progress.add_task(_PHASES.get(phase, phase), total=100)
        task = self.tasks[phase]
        if done is None:
            self.progress.update(task, total=None)
        else:
            self.progress.update(task, total=100, completed=round(done * 100))


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"


def _verdict_table(title: str, rows: Any, limit: int | None = None) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", header_style="bold")
    table.add_column(title.split()[-1].rstrip("s"))
    for verdict in Verdict:
        table.add_column(f"{verdict.symbol} {verdict.value}", justify="right")
    table.add_column("total", justify="right")
    ordered = sorted(rows, key=lambda r: (-r.total, r.key))
    for row in ordered[:limit] if limit else ordered:
        table.add_row(
            row.key or "(not in the stack)", f"{row.go:,}", f"{row.flag:,}", f"{row.stop:,}", f"{row.total:,}"
        )
    return table


def _print(summary: Any, files: dict[str, Path]) -> None:
    console = stdout()
    total = summary.proposals
    head = Text(f"Backtest of {summary.stack}", style="bold")
    head += Text(
        f"\n{total:,} proposals from {summary.first_day} to {summary.last_day} · {summary.customers:,} customers · "
        f"{summary.events:,} events · {summary.engine}, {summary.timings.get('total', 0):.1f} s",
        style="dim",
    )
    console.print(head)
    line = Text()
    styles = {"go": "bold green", "flag": "bold yellow", "stop": "bold red"}
    for verdict in Verdict:
        count = summary.verdicts.get(verdict.value, 0)
        line += Text(
            f"{verdict.symbol} {verdict.value} {count:,} ({_share(count, total)})   ", style=styles[verdict.value]
        )
    console.print(line)
    if summary.refused:
        console.print(
            Text(f"  {summary.refused:,} refused: agent or action not in the stack (counted as stop)", style="dim")
        )
    console.print(_verdict_table("Verdicts by team", summary.by_team))
    console.print(_verdict_table("Verdicts by agent", summary.by_agent))
    console.print(_verdict_table("Verdicts by action", summary.by_action, limit=12))
    _review_load(console, summary)
    _rules(console, summary)
    _stopped(console, summary)
    for rule in summary.uncompiled:
        console.print(Text(f"⚑ not compiled to SQL, decided by the core engine: {rule.describe()}", style="yellow"))
    if summary.engine_decided:
        console.print(
            Text(f"  {summary.engine_decided:,} proposals were decided one by one by the core engine", style="dim")
        )
    for note in summary.notes:
        console.print(Text(f"  note: {note}", style="dim"))
    if files:
        folder = next(iter(files.values())).parent
        console.print(
            Text(f"Results written to {folder}/: ", style="bold")
            + Text(", ".join(sorted(p.name for p in files.values())))
        )


def _review_load(console: Console, summary: Any) -> None:
    table = Table(
        title="Flags per day per reviewing team", title_justify="left", title_style="bold", header_style="bold"
    )
    for name, justify in (
        ("team", "left"),
        ("mean/day", "right"),
        ("peak (day)", "right"),
        ("capacity", "right"),
        ("days over", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for load in summary.review_load:
        over = load.days_over_capacity
        style = "bold red" if over else ""
        table.add_row(
            Text(load.name, style=style),
            f"{load.mean_per_day:,.1f}",
            f"{load.peak_per_day:,} ({load.peak_day})",
            "—" if load.capacity is None else str(load.capacity),
            Text(f"✖ {over} of {load.days}" if over else f"0 of {load.days}", style=style),
        )
    console.print(table)


def _rules(console: Console, summary: Any) -> None:
    table = Table(title="Rules that fire most", title_justify="left", title_style="bold", header_style="bold")
    for name, justify in (
        ("rule", "left"),
        ("kind", "left"),
        ("owner", "left"),
        ("fired", "right"),
        ("decided", "right"),
        ("e.g. customers", "left"),
    ):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for rule in [r for r in summary.top_rules if r.fired][:10]:
        table.add_row(
            rule.rule, rule.kind, rule.owner, f"{rule.fired:,}", f"{rule.decisive:,}", ", ".join(rule.examples)
        )
    console.print(table)
    silent = [r.rule for r in summary.top_rules if not r.fired]
    if silent:
        console.print(Text(f"  never fired: {', '.join(silent)}", style="dim"))


def _stopped(console: Console, summary: Any) -> None:
    stops = summary.verdicts.get("stop", 0)
    if not stops:
        return
    by = ", ".join(f"{key} {count:,}" for key, count in list(summary.stopped_by.items())[:6])
    console.print(Text("Would have been stopped: ", style="bold red") + Text(f"{stops:,} proposals ({by})"))
    table = Table(header_style="bold", box=None, pad_edge=False)
    for name in ("proposal", "customer", "at", "agent → action", "stopped by"):
        table.add_column(name, overflow="fold")
    for row in summary.stopped_examples[:5]:
        table.add_row(row.proposal, row.customer, row.at, f"{row.agent} → {row.action}", row.refusal or row.stopped_by)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest_command)
