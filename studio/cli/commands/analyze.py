"""`studio analyze FILE [--json] [--against OLD]`: conflicts, shadowed rules, gaps and ownership
questions, each with a witness the engine confirmed; with `--against`, how each (agent, action)
changed since an older version.

Exit codes: 1 when the stack has error-severity findings (rules that can never fire, or
permissions that never take effect: the file doesn't do what it says), else 0; warnings and
notes are questions for the room and never fail a run. A file that doesn't load exits 1 with
its problems, like every command.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from studio.cli.common import JsonOption, NowOption, StackPath, clock, open_stack
from studio.cli.output import print_json, stdout
from studio.document import StackDocument

if TYPE_CHECKING:  # the analysis needs z3 (the `analysis` extra): imported when the command runs
    from studio.analysis import Finding, Report
    from studio.analysis.compare import Comparison

_HEADINGS = {"error": "errors", "warning": "warnings", "info": "notes"}
_STYLES = {"error": "bold red", "warning": "bold yellow", "info": "bold cyan"}
_MARKS = {"error": "✖", "warning": "⚠", "info": "ℹ"}
MAX_CELLS = 4


def analyze(
    file: StackPath,
    against: Annotated[
        Path | None,
        typer.Option("--against", help="An older version of the stack: compare each (agent, action) with it."),
    ] = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> int:
    """Find conflicts, shadowed rules, gaps and ownership questions, each shown on a request the engine decided.

    Exit 1 when there are error findings (rules that can never apply, permissions that never take effect).
    """

    from studio.analysis import Analyzer
    from studio.analysis.compare import compare

    started = time.perf_counter()
    document, policy = open_stack(file)
    reference = clock(document, now)
    report = Analyzer(document.stack, policy=policy, reference=reference).report
    comparison = None
    if against is not None:
        old_document, old_policy = open_stack(against)
        comparison = compare(
            old_document.stack, document.stack, reference=reference, old_policy=old_policy, new_policy=policy
        )
    if as_json:
        data = report.to_json()
        if comparison is not None:
            data["comparison"] = comparison.to_json()
        print_json(data)
    else:
        _print_report(document, report, time.perf_counter() - started)
        if comparison is not None:
            _print_comparison(comparison, against)
    return 1 if report.errors else 0


def _print_report(document: StackDocument, report: Report, seconds: float) -> None:
    from studio.analysis import Severity
    from studio.analysis.describe import rule_locations

    console = stdout()
    stack = document.stack
    counts = ", ".join(
        f"{len(report.of_severity(severity))} {_HEADINGS[severity.value]}"
        for severity in Severity
        if report.of_severity(severity)
    )
    head = Text(f"{stack.name}: ", style="bold") + Text(counts or "no findings")
    head += Text(f"  ({len(stack.rules)} rules, {report.stats.cells} cells, {seconds:.2f} s)", style="dim")
    console.print(head)
    locations = rule_locations(document)
    for severity in Severity:
        findings = report.of_severity(severity)
        if not findings:
            continue
        console.print()
        console.print(Text(f"{_MARKS[severity.value]} {_HEADINGS[severity.value]}", style=_STYLES[severity.value]))
        for finding in findings:
            _print_finding(finding, locations, document)
    if report.unconfirmed:
        console.print()
        console.print(
            Text(
                f"{len(report.unconfirmed)} solver candidate(s) not confirmed by the engine (approximated conditions); "
                "not reported.",
                style="dim",
            )
        )
    if report.stats.bounded or report.stats.unknown:
        console.print(
            Text(
                f"{report.stats.bounded} check(s) limited to histories of {report.stats.history_bound} events; "
                f"{report.stats.unknown} check(s) timed out.",
                style="dim",
            )
        )


def _print_finding(finding: Finding, locations: dict[str, str], document: StackDocument) -> None:

    from studio.analysis.describe import witness_lines

    console = stdout()
    console.print(Text("  ") + Text(finding.code, style="bold") + Text(f"  {finding.title}"))
    if finding.rules:
        where = ", ".join(f"{rule} ({locations[rule]})" if locations.get(rule) else rule for rule in finding.rules)
        console.print(Text(f"    rules: {where}", style="dim"))
    if finding.cells:
        shown = ", ".join(f"{agent}/{action}" for agent, action in finding.cells[:MAX_CELLS])
        more = f" (+{len(finding.cells) - MAX_CELLS} more)" if len(finding.cells) > MAX_CELLS else ""
        console.print(Text(f"    cells: {shown}{more}", style="dim"))
    if finding.evidence:
        console.print(Text(f"    why: {finding.evidence}"))
    for line in witness_lines(document.stack, finding):
        console.print(
            Text(
                f"    witness: {line}" if not line.startswith(("customer", "history", "the other")) else f"      {line}"
            )
        )
    if finding.bounded:
        console.print(Text("    (checked for histories up to the analysis's bound)", style="dim"))
    console.print(Text("    ? ", style="bold") + Text(finding.question))


def _print_comparison(comparison: Comparison, against: Path | None) -> None:

    from studio.analysis.describe import read_fields

    console = stdout()
    console.print()
    changed = comparison.changed
    console.print(
        Text(f"Compared with {against}: ", style="bold")
        + Text(f"{len(changed)} of {len(comparison.cells)} cells changed" if changed else "no cell changed")
    )
    rules = [*comparison.old.rules, *comparison.new.rules]
    for cell in changed:
        console.print(Text(f"  {cell.agent}/{cell.action}: ", style="bold") + Text(_relation_words(cell.relation)))
        attributes, _ = read_fields(rule for rule in rules if not rule.actions or cell.action in rule.actions)
        for label, witness in (("more permissive", cell.more), ("less permissive", cell.less)):
            if witness is None or witness.compared is None:
                continue
            request = witness.request
            shown = ", ".join(
                f"{name}={value}" for name, value in request.customer.items() if name in attributes and name != "id"
            )
            params = ", ".join(
                f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
                for name, value in request.params.items()
            )
            console.print(
                Text(f"    {label}: was {witness.compared.verdict.value}, now {witness.decision.verdict.value}")
                + Text(f" — customer {shown}" if shown else "")
                + Text(f"; params {params}" if params else "")
                + Text(f"; {len(request.history)} history events" if request.history else "")
            )


def _relation_words(relation: str) -> str:
    return {
        "more": "more permissive",
        "less": "less permissive",
        "incomparable": "more permissive for some requests, less for others",
        "same": "the same",
    }[relation]


def register(app: typer.Typer) -> None:
    app.command(name="analyze")(analyze)
