"""What nobody decided: `gap.action-no-agent`, `gap.action-no-agent-may`, `gap.cell-default`.

An action no agent may take on its own, and an (agent, action) cell no may rule ever covers,
are left to the stack's default (flag to the decision's owner, or stop): the witness is a
request on which the engine applies that default.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from studio.analysis.cells import Cell
from studio.analysis.findings import CODES, Finding, Witness
from studio.analysis.questions import Words, cell_default, no_agent, no_agent_may
from studio.analysis.run import Run
from studio.analysis.symbolic import not_
from studio.decision import Decision
from studio.stack import Action, RuleKind


def check(run: Run) -> list[Finding]:
    """Actions and cells left to the default."""
    words = Words(run.layout)
    findings: list[Finding] = []
    no_may: set[str] = set()
    for action in run.stack.actions:
        cells = [cell for cell in run.layout.cells if cell.action.id == action.id]
        if cells and not any(_allows(run, cell) for cell in cells):
            no_may.add(action.id)
        key = ("gap-action", action.model_dump_json(), *(run.cell_key(cell) for cell in cells), action.id in no_may)
        findings += run.unit(key, partial(_action, run, words, action, cells, action.id in no_may))
    for agent in run.stack.agents:
        cells = [
            cell
            for cell in run.layout.cells
            if cell.agent.id == agent.id
            and cell.action.id not in no_may
            and not any(run.is_live(rule, cell) for rule in cell.of_kind(RuleKind.MAY))
        ]
        if cells:
            key = ("gap-cells", agent.id, *(run.cell_key(cell) for cell in cells))
            findings += run.unit(key, partial(_cells, run, words, cells))
    return findings


def _allows(run: Run, cell: Cell) -> bool:
    return any(run.allows.get((rule.id, cell.key)) for rule in cell.of_kind(RuleKind.MAY))


def _action(run: Run, words: Words, action: Action, cells: list[Cell], no_may: bool) -> list[Finding]:
    owner = run.layout.decisions[action.decision].owner if action.decision in run.layout.decisions else None
    if not cells:
        title, question = no_agent(words, action)
        return [
            Finding(
                "gap.action-no-agent",
                CODES["gap.action-no-agent"].severity,
                title,
                question,
                teams=(owner,) if owner else (),
                decision=action.decision,
                evidence="no agent lists it among its actions",
            )
        ]
    if not no_may:
        return []
    witness = default_witness(run, cells[0])
    if witness is None:
        return []
    title, question = no_agent_may(words, action, cells)
    teams = tuple(dict.fromkeys([*((owner,) if owner else ()), *(cell.agent.team for cell in cells)]))
    return [
        Finding(
            "gap.action-no-agent-may",
            CODES["gap.action-no-agent-may"].severity,
            title,
            question,
            teams=teams,
            cells=tuple(cell.key for cell in cells),
            decision=action.decision,
            witness=witness,
        )
    ]


def _cells(run: Run, words: Words, cells: list[Cell]) -> list[Finding]:
    """One agent's cells no may rule ever covers (one finding, the witness in the first)."""
    witness = None
    for cell in cells:
        witness = default_witness(run, cell)
        if witness is not None:
            break
    if witness is None:
        return []
    title, question = cell_default(words, cells)
    owners = [cell.owner for cell in cells if cell.owner]
    return [
        Finding(
            "gap.cell-default",
            CODES["gap.cell-default"].severity,
            title,
            question,
            teams=tuple(dict.fromkeys([cells[0].agent.team, *owners])),
            cells=tuple(cell.key for cell in cells),
            witness=witness,
        )
    ]


def default_witness(run: Run, cell: Cell) -> Witness | None:
    """A request in the cell on which the default applies (one no never rule stops, if there is one)."""
    verdict = run.verdict(cell)
    for terms in ([not_(verdict.covered), not_(verdict.never)], [not_(verdict.covered)]):
        witness = run.witness(terms, [cell], _default_applied, label=f"default:{cell.key}")
        if witness is not None:
            return witness
    return None


def _default_applied(decisions: Sequence[Decision]) -> bool:
    return decisions[0].default is not None
