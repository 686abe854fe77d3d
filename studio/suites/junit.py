"""Suite runs as JUnit XML, the report format CI servers read: one testcase per case or matrix cell.

A tests file that couldn't be loaded becomes a suite with one errored testcase, so a CI
dashboard shows it rather than silently counting fewer tests.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence

from studio.clock import iso
from studio.errors import StudioError
from studio.suites.run import ProbeResult, SuiteResult


def junit_xml(runs: Sequence[SuiteResult], errors: Iterable[tuple[str, StudioError]] = ()) -> str:
    """The JUnit XML report of `runs`, with `errors` as (file, error) for suites that didn't load."""
    errors = list(errors)
    root = ElementTree.Element("testsuites", name="studio test")
    total = failed = 0
    for run in runs:
        _suite_element(root, run)
        total += len(run.results)
        failed += len(run.failures)
    for file, error in errors:
        suite = ElementTree.SubElement(root, "testsuite", name=file, tests="1", failures="0", errors="1", file=file)
        case = ElementTree.SubElement(suite, "testcase", name="load", classname=file, file=file)
        ElementTree.SubElement(case, "error", message=error.message, type=error.title).text = str(error)
    root.set("tests", str(total + len(errors)))
    root.set("failures", str(failed))
    root.set("errors", str(len(errors)))
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite_element(root: ElementTree.Element, run: SuiteResult) -> None:
    suite = run.suite
    file = suite.document.source
    element = ElementTree.SubElement(
        root,
        "testsuite",
        name=suite.name,
        tests=str(len(run.results)),
        failures=str(len(run.failures)),
        errors="0",
        file=file,
    )
    properties = ElementTree.SubElement(element, "properties")
    ElementTree.SubElement(properties, "property", name="stack", value=suite.stack_source)
    ElementTree.SubElement(properties, "property", name="clock", value=iso(run.clock, suite.stack.timezone))
    for result in run.results:
        _case_element(element, result, suite.name, file)


def _case_element(suite: ElementTree.Element, result: ProbeResult, classname: str, file: str) -> None:
    probe = result.probe
    attributes = {"name": probe.name, "classname": classname, "file": file}
    if probe.line:
        attributes["line"] = str(probe.line)
    case = ElementTree.SubElement(suite, "testcase", attributes)
    if result.passed:
        return
    first, *more = result.mismatches
    message = str(first) + (f" (and {len(more)} more)" if more else "")
    lines = [str(mismatch) for mismatch in result.mismatches]
    lines += ["", "reasons:", *(f"  {reason.text}" for reason in result.decision.reasons)]
    failure = ElementTree.SubElement(case, "failure", message=message, type="mismatch")
    failure.text = "\n".join(lines)
