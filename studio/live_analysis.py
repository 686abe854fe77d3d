"""The policy analysis of an open stack, kept up to date on demand (`Workshop.findings`).

A workshop holds one `LiveAnalysis`. It creates a `studio.analysis.Analyzer` the first time it
is asked (the `analysis` extra, z3, is imported then, not before), and after that re-analyses
incrementally (`Analyzer.update`) with each new valid version of the stack and its compiled
policy: only the questions an edit changed reach the solver. Asked again about the version it
analysed last, it answers at once with the same report.

Threading: `bring_up_to` may run on any thread, one call at a time (a lock serialises calls;
the analyzer is never used by two threads at once). Everything it is given is immutable (a
frozen `Stack`, a `Policy`), so the thread that edits the workshop can go on editing while an
analysis runs; `last` may be read from any thread at any time (one attribute, replaced whole).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studio.engine import Policy
from studio.errors import StudioError
from studio.stack import Stack

if TYPE_CHECKING:
    from studio.analysis import Analyzer, Report


@dataclass(frozen=True, slots=True)
class Findings:
    """The policy analysis of one version of a workshop's stack."""

    report: Report
    """Findings, coverage and figures (`studio.analysis.Report`)."""
    version: int
    """The workshop version whose stack was analysed (`Workshop.version` when that stack became current)."""
    stale: bool
    """The workshop's stack is not the one analysed (it is invalid, or was edited since): the
    report is of an earlier version (the last valid one analysed)."""


@dataclass(frozen=True, slots=True)
class Analysed:
    """One finished analysis: the report and the stack and version it is of."""

    report: Report
    stack: Stack
    version: int


@dataclass
class AnalysisUnavailableError(StudioError):
    """The analysis extra (z3) isn't installed."""

    title: str = "Analysis not installed"


class LiveAnalysis:
    """One analyzer for one workshop, brought up to date when asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._analyzer: Analyzer | None = None
        self._last: Analysed | None = None

    @property
    def last(self) -> Analysed | None:
        """The latest finished analysis (None before the first); never waits, any thread."""
        return self._last

    def bring_up_to(self, stack: Stack, policy: Callable[[], Policy], version: int, reference: int) -> Analysed:
        """The analysis of `stack` (valid), with witnesses near `reference` (µs): the last one if it
        is of this very stack and reference, else analysed now (incrementally when an analyzer
        exists for the reference). `policy()` compiles the stack; it is called only when needed.

        Blocks while analysing; concurrent calls wait for each other. AnalysisUnavailableError
        without z3; a StudioError from the analysis goes on (and the next call starts afresh).
        """
        with self._lock:
            last = self._last
            if last is not None and last.stack is stack and last.report.reference == reference:
                return last
            try:
                from studio.analysis import Analyzer
            except ImportError as error:
                raise AnalysisUnavailableError(
                    "The analysis needs z3: pip install 'coordination-studio[analysis]'"
                ) from error
            try:
                if self._analyzer is None or self._analyzer.reference != reference:
                    self._analyzer = Analyzer(stack, policy=policy(), reference=reference)
                    report = self._analyzer.report
                else:
                    report = self._analyzer.update(stack, policy=policy())
            except BaseException:
                self._analyzer = None  # its caches may be half updated: start afresh next time
                raise
            self._last = Analysed(report, stack, version)
            return self._last
