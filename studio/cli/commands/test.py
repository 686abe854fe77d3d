"""`studio test PATH...`: run a stack's test suites; actual verdicts beside expected ones, and coverage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from studio.cli.common import JsonOption, NowOption, read_time
from studio.cli.output import print_error, print_json, stdout, verdict_text
from studio.clock import iso
from studio.decision import Verdict
from studio.document import write_atomically
from studio.errors import StudioError
from studio.samples import real_now
from studio.suites import Coverage, ProbeResult, SuiteNotFoundError, SuiteResult, SuitesReport, junit_xml, run_paths

PASS_STYLE, FAIL_STYLE = "green", "bold red"


def run_tests(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Tests files (*.tests.yaml), stack files (their <stem>.tests.yaml is run) or folders.",
            metavar="PATH",
            show_default=False,
        ),
    ],
    junit: Annotated[
        Path | None,
        typer.Option("--junit", help="Also write the results as JUnit XML to this file.", show_default=False),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every test, not only the failures.")] = False,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> int:
    """Run test suites: each case's actual verdict beside the expected one, and rule and cell coverage. Exit 1 on failures."""
    pinned = None if now is None else read_time(now, now=real_now(), tz="UTC", option="--now")
    try:
        report = run_paths(paths, now=pinned)
    except SuiteNotFoundError as error:
        raise typer.BadParameter(error.message, param_hint="PATH") from None
    if as_json:
        print_json(report.to_json())
    else:
        _print_report(report, verbose=verbose)
    if junit is not None:
        _write_junit(junit, report)
    return 0 if report.passed else 1


def _write_junit(path: Path, report: SuitesReport) -> None:
    try:
        write_atomically(path, junit_xml(report.runs, report.errors))
    except OSError as error:
        raise StudioError(f"Can't write the JUnit report to {path}: {error.strerror or error}") from None


def _print_report(report: SuitesReport, *, verbose: bool) -> None:
    for _, error in report.errors:
        print_error(error)
    for run in report.runs:
        _print_run(run, verbose=verbose)
    for coverage in report.coverage:
        _print_coverage(coverage)
    stdout().print(_summary(report))


def _print_run(run: SuiteResult, *, verbose: bool) -> None:
    console = stdout()
    suite = run.suite
    tz = suite.stack.timezone
    failed = len(run.failures)
    head = Text(f"{suite.name}", style="bold") + Text(f"  {suite.document.source}", style="dim")
    console.print(Text("\n") + head)
    clock = iso(run.clock, tz)[:16].replace("T", " ")
    console.print(Text(f"  against {suite.stack_source}, sample clock {clock} {tz}", style="dim"))
    counts = Text("  ") + Text(f"{len(run.results) - failed} passed", style=PASS_STYLE)
    if failed:
        counts += Text("   ") + Text(f"{failed} failed", style=FAIL_STYLE)
    console.print(counts)
    shown = run.results if verbose else run.failures
    if shown:
        console.print(_table(shown, tz))
    for result in run.failures:
        _print_failure(result, suite.document.source)


def _table(results: tuple[ProbeResult, ...], tz: str) -> Table:
    table = Table(header_style="bold", expand=True)
    table.add_column("", no_wrap=True)
    table.add_column("test", ratio=5, overflow="fold")
    table.add_column("agent → action, customer, when", ratio=4, overflow="fold")
    table.add_column("expected", ratio=2, overflow="fold")
    table.add_column("actual", ratio=2, overflow="fold")
    for result in results:
        probe = result.probe
        when = iso(result.at, tz)[:16].replace("T", " ")
        table.add_row(
            Text("ok", style=PASS_STYLE) if result.passed else Text("FAIL", style=FAIL_STYLE),
            Text(probe.label),
            Text(f"{probe.agent} → {probe.action}\n") + Text(f"{probe.customer}, {when}", style="dim"),
            _expected(result),
            _actual(result),
        )
    return table


def _expected(result: ProbeResult) -> Text:
    verdict = result.probe.expect.verdict
    if verdict == "default":
        return Text("default (") + verdict_text(result.default.verdict) + Text(")")
    text = verdict_text(Verdict(verdict))
    routes = result.probe.expect.routes
    return text + Text(f" → {', '.join(routes)}", style="yellow") if routes else text


def _actual(result: ProbeResult) -> Text:
    decision = result.decision
    text = verdict_text(decision.verdict)
    if decision.routes:
        text += Text(f" → {', '.join(decision.routes)}", style="yellow")
    if decision.default is not None:
        text += Text(" (default)", style="dim")
    return text


def _print_failure(result: ProbeResult, source: str) -> None:
    console = stdout()
    probe = result.probe
    where = f"{source}:{probe.line}" if probe.line else source
    console.print(Text("  FAIL ", style=FAIL_STYLE) + Text(probe.name, style="bold") + Text(f"  {where}", style="dim"))
    for mismatch in result.mismatches:
        console.print(Text(f"    {mismatch}"))
    for reason in result.decision.reasons:
        console.print(Text(f"      • {reason.text}", style="dim"))


def _print_coverage(coverage: Coverage) -> None:
    console = stdout()
    console.print(Text("\nCoverage of ", style="bold") + Text(coverage.name, style="bold"))
    rules = len(coverage.rules) - len(coverage.never_fired)
    cells = len(coverage.cells) - len(coverage.untouched)
    console.print(_ratio("rules fired", rules, len(coverage.rules)))
    console.print(_ratio("(agent, action) cells touched", cells, len(coverage.cells)))
    if coverage.never_fired:
        console.print(Text(f"  never fired: {', '.join(coverage.never_fired)}", style="yellow"))
    if coverage.untouched:
        listed = ", ".join(f"{agent} → {action}" for agent, action in coverage.untouched)
        console.print(Text(f"  no test touches: {listed}", style="yellow"))


def _ratio(label: str, count: int, total: int) -> Text:
    style = PASS_STYLE if count == total else "yellow"
    return Text("  ") + Text(f"{count} of {total}", style=style) + Text(f" {label}")


def _summary(report: SuitesReport) -> Text:
    suites = len(report.runs) + len(report.errors)
    total = f"{suites} suite{'s' if suites != 1 else ''}, {report.tests} test{'s' if report.tests != 1 else ''}"
    if report.passed:
        return Text("\n") + Text("PASSED", style=PASS_STYLE) + Text(f"  {total}, all as expected")
    parts = []
    if report.failed:
        parts.append(f"{report.failed} failed")
    if report.errors:
        parts.append(f"{len(report.errors)} tests file{'s' if len(report.errors) != 1 else ''} didn't load")
    return Text("\n") + Text("FAILED", style=FAIL_STYLE) + Text(f"  {total}: {', '.join(parts)}")


def register(app: typer.Typer) -> None:
    app.command("test")(run_tests)
