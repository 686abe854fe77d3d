"""How the CLI shows things: consoles, colours, and the shared renderers for decisions and errors.

Verdicts always carry a symbol as well as a colour (✔ go, ⚑ flag, ✖ stop), so output reads
the same without colour, in a log, or to a colour-blind reader.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from studio.decision import Decision, Verdict
from studio.errors import StudioError

VERDICT_STYLE = {Verdict.GO: "bold green", Verdict.FLAG: "bold yellow", Verdict.STOP: "bold red"}


def _console(stream: Any) -> Console:
    # CI logs and pipes get plain text; a terminal gets colour. NO_COLOR is honoured by Rich.
    return Console(file=stream, highlight=False, soft_wrap=False, width=None if stream.isatty() else 160)


def stdout() -> Console:
    """A console on standard output (made per call, so tests capturing output see it)."""
    return _console(sys.stdout)


def stderr() -> Console:
    """A console on standard error."""
    return _console(sys.stderr)


def verdict_text(verdict: Verdict, *, word: bool = True) -> Text:
    """`✔ go` in green, `⚑ flag` in amber, `✖ stop` in red."""
    label = f"{verdict.symbol} {verdict.value}" if word else verdict.symbol
    return Text(label, style=VERDICT_STYLE[verdict])


def print_json(data: Any) -> None:
    """Data on stdout as JSON: stable key order, readable, UTF-8."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def print_error(error: StudioError) -> None:
    """`error: <message>` and one `file:line:column: problem` line per problem, on stderr.

    Never wrapped, however long: editors and CI annotations read these lines one by one."""
    console = stderr()
    console.print(Text("error: ", style="bold red") + Text(error.message), soft_wrap=True)
    for problem in error.problems:
        location = problem.location()
        line = Text("  ") + (Text(location, style="bold") + Text(": ") if location else Text()) + Text(problem.message)
        if problem.hint:
            line += Text(f" ({problem.hint})", style="dim")
        console.print(line, soft_wrap=True)


def print_decision(decision: Decision, *, title: str = "") -> None:
    """A decision in plain words: verdict, routes, obligations and the reasons behind it."""
    console = stdout()
    head = Text()
    if title:
        head += Text(f"{title}\n", style="bold")
    head += verdict_text(decision.verdict)
    if decision.routes:
        head += Text(f"  → {', '.join(decision.routes)}", style="yellow")
    console.print(head)
    for reason in decision.reasons:
        console.print(Text("  • ") + Text(reason.text))
    if decision.obligations:
        console.print(Text("  obligations:", style="dim"))
        for obligation in decision.obligations:
            target = f" {obligation.to}" if obligation.to else ""
            text = f": {obligation.text}" if obligation.text else ""
            console.print(Text(f"    {obligation.duty}{target}{text}  ({obligation.rule_id})"))
    if decision.fired:
        table = Table(box=None, show_header=True, header_style="dim", pad_edge=False)
        for column in ("rule", "kind", "owner", "effect", "condition"):
            table.add_column(column, overflow="fold")
        for rule in decision.fired:
            table.add_row(
                rule.rule_id,
                rule.kind,
                rule.owner,
                verdict_text(rule.verdict, word=False) + f" {rule.effect.value}",
                rule.condition,
            )
        console.print(Text("  rules that fired:", style="dim"))
        console.print(table)


def color_enabled() -> bool:
    """Whether stdout gets colour (for renderers that build their own strings)."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ
