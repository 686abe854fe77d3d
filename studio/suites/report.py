"""Several suites run together, as `studio test PATH...` does: results, load errors and coverage.

One tests file that doesn't load doesn't stop the others: its error is kept beside the runs
of the rest, and the report as a whole fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import Problem, StudioError
from studio.suites.coverage import Coverage, coverage
from studio.suites.load import discover, load_suite
from studio.suites.run import SuiteResult, run_suite


@dataclass(frozen=True)
class SuitesReport:
    """The outcome of running suites: a run per suite that loaded, an error per suite that didn't."""

    runs: tuple[SuiteResult, ...]
    errors: tuple[tuple[str, StudioError], ...] = ()
    """(file, error) for each tests file that couldn't be read or bound to its stack."""
    coverage: tuple[Coverage, ...] = field(default=())

    @property
    def tests(self) -> int:
        return sum(len(run.results) for run in self.runs)

    @property
    def failed(self) -> int:
        return sum(len(run.failures) for run in self.runs)

    @property
    def passed(self) -> bool:
        """True when every suite loaded and every test passed."""
        return not self.errors and not self.failed

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of `studio test --json`."""
        return {
            "passed": self.passed,
            "summary": {
                "suites": len(self.runs) + len(self.errors),
                "tests": self.tests,
                "passed": self.tests - self.failed,
                "failed": self.failed,
                "errors": len(self.errors),
            },
            "suites": [run.to_json() for run in self.runs],
            "errors": [_error_json(file, error) for file, error in self.errors],
            "coverage": [report.to_json() for report in self.coverage],
        }


def run_paths(paths: Sequence[Path], *, now: int | None = None) -> SuitesReport:
    """Find the suites `paths` stand for, load and run each; SuiteNotFoundError if a path has none."""
    runs: list[SuiteResult] = []
    errors: list[tuple[str, StudioError]] = []
    for path in discover(paths):
        try:
            suite = load_suite(path)
        except StudioError as error:
            errors.append((str(path), error))
            continue
        runs.append(run_suite(suite, now=now))
    return SuitesReport(tuple(runs), tuple(errors), tuple(coverage(runs)))


def _error_json(file: str, error: StudioError) -> dict[str, Any]:
    return {
        "file": file,
        "title": error.title,
        "message": error.message,
        "problems": [_problem(p) for p in error.problems],
    }


def _problem(problem: Problem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
        "hint": problem.hint,
    }
