"""Which rules can fire at all: `unbound.rule`, `unsatisfiable.rule`, `unsatisfiable.limits`.

This check runs first: it records, for every rule and cell it binds, whether the rule's
condition can hold there (`run.live`) and, for may rules, whether it can hold within its
limits (`run.allows`). Later checks only pair rules that can fire, which is most of the
pre-filtering the analysis needs: a blanket rule whose condition folds to false in a cell
(`action.purpose == 'service'` in a marketing cell) never reaches the solver again.
"""

from __future__ import annotations

from functools import partial

from studio.analysis.cells import Cell, CellKey
from studio.analysis.encode import Context
from studio.analysis.findings import CODES, Finding
from studio.analysis.formulas import rule_parts
from studio.analysis.questions import Words, unbound, unsatisfiable, unsatisfiable_limits
from studio.analysis.run import Run
from studio.cel.ast import Binary, Node, Operator
from studio.cel.printer import to_cel
from studio.stack import Rule, RuleKind

Entry = tuple[CellKey, bool, bool, object]
"""(cell, live, allows, model or decided request): what a rule's unit records per cell."""


def check(run: Run) -> list[Finding]:
    """Record which rules can fire where; report those that never can."""
    words = Words(run.layout)
    findings: list[Finding] = []
    for rule in run.stack.rules:
        cells = run.layout.rule_cells[rule.id]
        key = ("reach", run.fingerprint(rule), tuple(cell.context for cell in cells))
        found, entries, notes = run.unit(key, partial(_rule, run, words, rule, cells))
        for cell_key, live, allows, model in entries:
            run.live[(rule.id, cell_key)] = live
            if rule.kind is RuleKind.MAY:
                run.allows[(rule.id, cell_key)] = allows
            if model is not None:
                run.models[(rule.id, cell_key)] = model  # type: ignore[assignment]
        if notes:
            run.approximated[rule.id] = notes
        findings.extend(found)
    return findings


def _rule(run: Run, words: Words, rule: Rule, cells: list[Cell]) -> tuple[list[Finding], list[Entry], tuple[str, ...]]:
    if not cells:
        title, question = unbound(words, rule)
        evidence = "no agent it binds proposes an action it covers"
        return [_finding("unbound.rule", title, question, rule, evidence=evidence)], [], ()
    entries: list[Entry] = []
    live_somewhere = allows_somewhere = undecided = bounded = False
    notes: tuple[str, ...] = ()
    for cell in cells:
        terms = run.terms(rule, cell)
        notes = notes or terms.approximations
        seen = run.observed_firing(rule, cell)
        if seen is not None:
            allows = False
            if rule.kind is RuleKind.MAY:
                allows = run.observed_firing(rule, cell, allowed=True) is not None
                allows = allows or run.sat([terms.when, terms.limits]).sat
                allows_somewhere |= allows
            live_somewhere = True
            entries.append((cell.key, True, allows, seen))
            continue
        outcome = run.sat([terms.when])
        live = outcome.sat or outcome.unknown
        undecided |= outcome.unknown
        bounded |= outcome.bounded
        live_somewhere |= live
        allows = False
        if rule.kind is RuleKind.MAY and live:
            within = run.sat([terms.when, terms.limits])
            allows = within.sat or within.unknown
            undecided |= within.unknown
            bounded |= within.bounded
            allows_somewhere |= allows
        model = (outcome.model, outcome.slots) if outcome.model is not None else None
        entries.append((cell.key, live, allows, model))
    findings: list[Finding] = []
    if undecided:
        return findings, entries, notes
    if not live_somewhere:
        evidence = _evidence(run, rule, cells)
        title, question = unsatisfiable(words, rule, evidence)
        findings.append(_finding("unsatisfiable.rule", title, question, rule, cells, evidence, bounded))
    elif rule.kind is RuleKind.MAY and rule.limits and not allows_somewhere:
        live_cells = [cell for cell, (_, live, _, _) in zip(cells, entries, strict=True) if live]
        title, question = unsatisfiable_limits(words, rule, live_cells[0])
        evidence = f"its limits ({'; '.join(rule.limits)}) contradict its condition or the parameters' ranges"
        findings.append(_finding("unsatisfiable.limits", title, question, rule, live_cells, evidence, bounded))
    return findings, entries, notes


def _finding(
    code: str,
    title: str,
    question: str,
    rule: Rule,
    cells: list[Cell] | None = None,
    evidence: str = "",
    bounded: bool = False,
) -> Finding:
    return Finding(
        code,
        CODES[code].severity,
        title,
        question,
        rules=(rule.id,),
        teams=(rule.owner,),
        cells=tuple(cell.key for cell in cells or ()),
        evidence=evidence,
        bounded=bounded,
    )


def _evidence(run: Run, rule: Rule, cells: list[Cell]) -> str:
    """The parts of the condition that contradict each other (a minimal set), in the first cell."""
    parts = rule_parts(rule)
    assert parts.when is not None  # a rule without a condition always fires
    cell = cells[0]
    conjuncts = _conjuncts(parts.when)
    context = Context(cell.agent_values, cell.action_values, run.prover.primary)
    encoded = [run.prover.encoder.condition(node, context).term for node in conjuncts]
    kept = list(range(len(conjuncts)))
    for index in list(kept):
        trial = [position for position in kept if position != index]
        if trial and not run.sat([encoded[position] for position in trial]).sat:
            kept = trial
    texts = [f"`{to_cel(conjuncts[position])}`" for position in kept]
    where = "" if len(cells) == 1 else f" in any of the {len(cells)} cells it binds"
    cell_words = " for its agents and actions" if any(_reads_cell(conjuncts[p]) for p in kept) else ""
    if len(texts) == 1:
        return f"{texts[0]} can never hold{cell_words}{where}"
    return f"{' and '.join(texts)} can't all hold at once{cell_words}{where}"


def _conjuncts(node: Node) -> list[Node]:
    if isinstance(node, Binary) and node.op is Operator.AND:
        return [*_conjuncts(node.left), *_conjuncts(node.right)]
    return [node]


def _reads_cell(node: Node) -> bool:
    from studio.cel.ast import Ident

    return any(isinstance(part, Ident) and part.name in ("agent", "action") for part in node.walk())
