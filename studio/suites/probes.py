"""A checked suite as a flat list of probes: each one decision to ask for, and what it expects.

A case is one probe; a matrix is one probe per cell. Fixture names are resolved here (parameter
sets, times), so running a probe needs nothing but the stack and a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from studio.stack import Stack
from studio.suites.cells import claims, matrix_cells
from studio.suites.model import Case, Expectation, Fixtures, Matrix, SuiteFile

DocumentPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Probe:
    """One decision a suite asks for, and the expectation it is checked against."""

    name: str
    """Unique in its suite: a case's name, or a matrix's name with the cell (`… [customer: agent → action]`)."""
    label: str
    """The name as written: the case's, or the matrix's (shared by its cells)."""
    origin: Literal["case", "matrix"]
    agent: str
    action: str
    customer: str
    params: Mapping[str, Any]
    """As written (or from a fixture); each action takes the ones it declares when the probe runs."""
    at: str | None
    """Time text relative to the sample clock (or ISO); None: the sample clock itself."""
    expect: Expectation
    path: DocumentPath
    """Where the probe is written: the case, or the matrix entry giving its expectation (else the matrix)."""
    line: int
    """The line of `path` in the tests file (0 when unknown)."""

    @property
    def cell(self) -> tuple[str, str]:
        """The (agent, action) cell of the stack's matrix this probe touches."""
        return (self.agent, self.action)


def build_probes(
    suite: SuiteFile, stack: Stack, customers: list[str], line: Callable[[DocumentPath], int]
) -> tuple[Probe, ...]:
    """Every probe of a checked suite, cases first, in file order; `line` locates a document path."""
    probes = [_case_probe(case, index, suite.fixtures, line) for index, case in enumerate(suite.cases)]
    for index, matrix in enumerate(suite.matrix):
        probes.extend(_matrix_probes(matrix, index, suite.fixtures, stack, customers, line))
    return tuple(probes)


def _case_probe(case: Case, index: int, fixtures: Fixtures, line: Callable[[DocumentPath], int]) -> Probe:
    path: DocumentPath = ("cases", index)
    at = _time(case.at, fixtures)
    name = case.name or f"{case.agent} → {case.action} for {case.customer}" + (f" at {case.at}" if case.at else "")
    params = _params(case.params, fixtures)
    return Probe(name, name, "case", case.agent, case.action, case.customer, params, at, case.expect, path, line(path))


def _matrix_probes(
    matrix: Matrix,
    index: int,
    fixtures: Fixtures,
    stack: Stack,
    customers: list[str],
    line: Callable[[DocumentPath], int],
) -> list[Probe]:
    cells = matrix_cells(matrix, stack, customers)
    expectations: dict[Any, tuple[DocumentPath, Expectation]] = {}
    for position, claimed in enumerate(claims(matrix, cells)):
        for cell in claimed:
            expectations[cell] = (("matrix", index, "expect", position), matrix.expect[position])
    params = _params(matrix.params, fixtures)
    at = _time(matrix.at, fixtures)
    lines: dict[DocumentPath, int] = {}
    probes = []
    for cell in cells:
        path, expect = expectations.get(cell, (("matrix", index), Expectation()))
        if path not in lines:
            lines[path] = line(path)
        name = f"{matrix.name} [{cell.customer}: {cell.agent} → {cell.action}]"
        probe = Probe(
            name, matrix.name, "matrix", cell.agent, cell.action, cell.customer, params, at, expect, path, lines[path]
        )
        probes.append(probe)
    return probes


def _params(params: str | dict[str, Any], fixtures: Fixtures) -> Mapping[str, Any]:
    return fixtures.params[params] if isinstance(params, str) else params


def _time(at: str | None, fixtures: Fixtures) -> str | None:
    return fixtures.times.get(at, at) if at is not None else None
