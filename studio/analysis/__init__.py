"""Policy analysis: conflicts, shadowed rules, gaps and ownership questions, each with a witness.

    from studio.analysis import Analyzer, analyze, compare

    report = analyze(stack)                     # every finding, and the coverage map
    analyzer = Analyzer(stack, policy=policy)   # keep it to re-analyse after each edit:
    report = analyzer.update(edited, policy=edited_policy)
    comparison = compare(old_stack, new_stack)  # cell by cell: same / more / less / incomparable

Findings carry a stable `code` (see `CODES`), a `severity`, the rules, teams and cells
involved, a question for the room and a witness (a request the engine decided). The exact
method, what is approximated and the JSON shapes are in docs/analysis.md. Needs z3-solver
(the `analysis` extra).
"""

from studio.analysis.analyzer import Analyzer, analyze
from studio.analysis.compare import CellChange, Comparison, compare
from studio.analysis.coverage import STATUSES, CoverageCell, CoverageMap, CoverageRule
from studio.analysis.describe import rule_locations, witness_lines
from studio.analysis.findings import CODES, Code, Finding, Severity, Witness, WitnessStep
from studio.analysis.report import Report, Stats

__all__ = [
    "CODES",
    "STATUSES",
    "Analyzer",
    "CellChange",
    "Code",
    "Comparison",
    "CoverageCell",
    "CoverageMap",
    "CoverageRule",
    "Finding",
    "Report",
    "Severity",
    "Stats",
    "Witness",
    "WitnessStep",
    "analyze",
    "compare",
    "rule_locations",
    "witness_lines",
]
