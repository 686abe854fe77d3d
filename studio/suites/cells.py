"""Which cells a matrix crosses, and which of them each of its `expect` entries claims.

A matrix is customers x agents x actions, but only the actions an agent declares are crossed:
an agent proposing an action it doesn't declare is refused by the engine, which tests nothing
about the rules. The entries are read like a decision table with a "first hit" policy: the
first entry selecting a cell gives its expectation; cells no entry selects expect the default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studio.stack import Stack
from studio.suites.model import ALL, Matrix


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """One combination of a matrix."""

    customer: str
    agent: str
    action: str


def chosen(names: Sequence[str], universe: Sequence[str]) -> list[str]:
    """The names a selection stands for: all of `universe` for `*`, else the listed ones it knows."""
    if ALL in names:
        return list(universe)
    known = set(universe)
    return [name for name in dict.fromkeys(names) if name in known]


def matrix_cells(matrix: Matrix, stack: Stack, customers: Sequence[str]) -> list[MatrixCell]:
    """Every cell of `matrix`: by customer, then agent, then action; `customers` are all known ids."""
    declared = {agent.id: agent.actions for agent in stack.agents}
    every_action = [action.id for action in stack.actions]
    agents = chosen(matrix.agents, list(declared))
    actions = chosen(matrix.actions, every_action)
    cells: list[MatrixCell] = []
    for customer in chosen(matrix.customers, customers):
        for agent in agents:
            order = declared[agent] if ALL in matrix.actions else actions
            cells.extend(MatrixCell(customer, agent, action) for action in order if action in declared[agent])
    return cells


def claims(matrix: Matrix, cells: Sequence[MatrixCell]) -> list[list[MatrixCell]]:
    """For each `expect` entry, the cells it gives the expectation of (first hit wins).

    An entry's `*` means all of the matrix's customers, agents or actions, not the stack's.
    """
    customers = list(dict.fromkeys(cell.customer for cell in cells))
    agents = list(dict.fromkeys(cell.agent for cell in cells))
    actions = list(dict.fromkeys(cell.action for cell in cells))
    taken: set[MatrixCell] = set()
    result = []
    for entry in matrix.expect:
        selected = (
            set(chosen(entry.customers, customers)),
            set(chosen(entry.agents, agents)),
            set(chosen(entry.actions, actions)),
        )
        mine = [cell for cell in cells if cell not in taken and _selects(selected, cell)]
        taken.update(mine)
        result.append(mine)
    return result


def _selects(selected: tuple[set[str], set[str], set[str]], cell: MatrixCell) -> bool:
    customers, agents, actions = selected
    return cell.customer in customers and cell.agent in agents and cell.action in actions
