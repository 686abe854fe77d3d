"""Who owns customer decisions: `ownership.unowned-decision`, `ownership.contested`, `route.not-owner`.

Contested ownership is decided as the room would see it in a replay: agents of two teams act
on the same decision, one after the other within a week, and *both go ahead on their own*:
the first action enters the customer's history and the second request is decided with it
there. If some rule stops or flags the second one whenever the first happened (or reviews
either), a team leads and there is nothing to report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from studio.analysis.cells import Cell, flag_targets
from studio.analysis.findings import CODES, Finding, Witness
from studio.analysis.questions import Words, contested, not_owner, unowned
from studio.analysis.run import DecisionTest, Run, fired
from studio.analysis.symbolic import not_
from studio.analysis.witness import Draft, DraftStep, draft_of
from studio.clock import MICROS_PER_HOUR as HOUR
from studio.decision import Decision, Effect, Verdict
from studio.stack import CustomerDecision, Rule, RuleKind

MAX_CONTEST_PAIRS = 8
"""Cell pairs the solver tries per decision (after replaying decided requests) before giving up."""


def check(run: Run) -> list[Finding]:
    """Ownership findings."""
    return [*unowned_decisions(run), *contested_decisions(run), *routes_to_non_owners(run)]


def unowned_decisions(run: Run) -> list[Finding]:
    """Decisions no team owns, with a request on which that matters (a flag goes to the acting team)."""
    words = Words(run.layout)
    findings: list[Finding] = []
    for decision in run.stack.decisions:
        if decision.owner is not None:
            continue
        cells = [cell for cell in run.layout.cells if cell.action.decision == decision.id]
        key = ("unowned", decision.model_dump_json(), *(run.cell_key(cell) for cell in cells))
        findings += run.unit(key, partial(_unowned, run, words, decision, cells))
    return findings


def _unowned(run: Run, words: Words, decision: CustomerDecision, cells: list[Cell]) -> list[Finding]:
    teams = tuple(dict.fromkeys(cell.agent.team for cell in cells))
    witness = None
    for cell in cells:  # a request on which the default flags it to the acting agent's own team
        verdict = run.verdict(cell)
        terms = [verdict.flag, not_(verdict.covered)]
        witness = run.witness(terms, [cell], _defaulted_flag, label=f"unowned:{decision.id}:{cell.key}")
        if witness is not None:
            break
    for cell in cells if witness is None else ():
        verdict = run.verdict(cell)
        witness = run.witness([verdict.flag], [cell], _flagged, label=f"unowned-flag:{decision.id}:{cell.key}")
        if witness is not None:
            break
    if witness is None and cells:
        witness = run.witness([True], [cells[0]], lambda _: True, label=f"unowned-any:{decision.id}")
    title, question = unowned(words, decision.id, teams)
    return [
        Finding(
            "ownership.unowned-decision",
            CODES["ownership.unowned-decision"].severity,
            title,
            question,
            teams=teams,
            cells=tuple(cell.key for cell in cells),
            decision=decision.id,
            witness=witness,
            evidence="" if cells else "no action belongs to it yet",
        )
    ]


def contested_decisions(run: Run) -> list[Finding]:
    """Decisions on which agents of two teams can each act on their own, one after the other."""
    words = Words(run.layout)
    findings: list[Finding] = []
    for decision in run.stack.decisions:
        cells = [cell for cell in run.layout.cells if cell.action.decision == decision.id]
        if len({cell.agent.team for cell in cells}) < 2:
            continue
        key = ("contested", decision.model_dump_json(), *(run.cell_key(cell) for cell in cells))
        shape = ("contested", decision.model_dump_json(), *((cell.context, cell.owner) for cell in cells))
        still = partial(_contest_still, run)
        findings += run.unit(key, partial(_contested, run, words, decision, cells), shape=shape, still=still)
    return findings


def _contest_still(run: Run, findings: list[Finding]) -> bool:
    """An earlier contest still stands: both of its requests still go ahead on their own."""
    if not findings or findings[0].witness is None or len(findings[0].witness.confirmed) != 2:
        return False
    return all(run.decide(request).verdict is Verdict.GO for request in findings[0].witness.confirmed)


def _contested(run: Run, words: Words, decision: CustomerDecision, cells: list[Cell]) -> list[Finding]:
    acting = [cell for cell in cells if run.seen(cell, "go") or _goes(run, cell)]
    teams = tuple(dict.fromkeys(cell.agent.team for cell in acting))
    if len(teams) < 2:
        return []
    found = _contest(run, acting, decision.owner)
    if found is None:
        return []
    (first, second), draft, key = found
    decisions = [run.decide(request) for request in run.prover.builder.requests(draft)]
    rules = tuple(dict.fromkeys(r.rule_id for d in decisions for r in d.fired if r.effect is Effect.ALLOW))
    title, question = contested(words, decision.id, first, second, decision.owner)
    return [
        Finding(
            "ownership.contested",
            CODES["ownership.contested"].severity,
            title,
            question,
            rules=rules,
            teams=tuple(dict.fromkeys([*((decision.owner,) if decision.owner else ()), *teams])),
            cells=tuple(cell.key for cell in acting),
            decision=decision.id,
            witness=run.finish(draft, [first, second], _both_go, key),
        )
    ]


def _contest(
    run: Run, acting: list[Cell], owner: str | None
) -> tuple[tuple[Cell, Cell], Draft, tuple[object, ...]] | None:
    # Non-owners acting first, then the owner's agents: the story the room recognises.
    ordered = sorted(acting, key=lambda cell: cell.agent.team == owner)
    tried = 0
    for first in ordered:
        for second in acting:
            if second.agent.team == first.agent.team:
                continue
            replayed = _replay(run, first, second)
            if replayed is not None:
                return (first, second), *replayed
    for first in ordered:
        for second in acting:
            if second.agent.team == first.agent.team:
                continue
            tried += 1
            if tried > MAX_CONTEST_PAIRS:
                return None
            later = run.prover.formulas.after(first.agent, first.action)
            before, after = run.verdict(first), run.verdict(second, later)
            draft, key = run.example(
                [before.go, after.go],
                [first, second],
                _both_go,
                label=f"contested:{first.key}:{second.key}",
                envs=[run.prover.primary, later],
            )
            if draft is not None:
                return (first, second), draft, key
    return None


def _goes(run: Run, cell: Cell) -> bool:
    """Can the agent act on its own in the cell? Only if a may rule can allow it (the default
    never does); the engine's confirmation is kept as an example for replays."""
    if not any(run.allows.get((rule.id, cell.key)) for rule in cell.of_kind(RuleKind.MAY)):
        return False
    draft, _ = run.example([run.verdict(cell).go], [cell], _both_go, label=f"go:{cell.key}")
    return draft is not None


def _replay(run: Run, first: Cell, second: Cell) -> tuple[Draft, tuple[object, ...]] | None:
    """Without the solver: a request on which the first agent went ahead, then the second agent
    acting an hour later on the same customer (with that action in the history)."""
    builder = run.prover.builder
    for request, decision in run.examples(first):
        if decision.verdict is not Verdict.GO:
            continue
        draft = draft_of(request)
        later = DraftStep(second.agent.id, second.action.id, builder.params_for(second.action), request.at + HOUR)
        draft = replace(draft, steps=(*draft.steps, later))
        if run.holds(_both_go)(builder.requests(draft)):
            return draft, ("contested", "replay", first.key, second.key)
    return None


@dataclass(slots=True)
class _Routes:
    cells: list[Cell] = field(default_factory=list)
    witness: Witness | None = None
    witness_cell: Cell | None = None


def routes_to_non_owners(run: Run) -> list[Finding]:
    """Flags a rule sends to a team that doesn't own the action's decision. The finding lists the
    cells where the rule can fire with that route; its witness shows the flag on one of them."""
    words = Words(run.layout)
    findings: list[Finding] = []
    for rule in run.stack.rules:
        if not flag_targets(rule):
            continue
        cells = [cell for cell in run.layout.rule_cells[rule.id] if cell.owner is not None and run.is_live(rule, cell)]
        if cells:
            key = ("routes", run.fingerprint(rule), *(run.cell_key(cell) for cell in cells))
            shape = ("routes", run.fingerprint(rule), *((cell.context, cell.owner) for cell in cells))
            groups = {
                (cell.resolve(rule, target), cell.action.decision)
                for cell in cells
                for target in flag_targets(rule)
                if run.layout.team_of(cell.resolve(rule, target)) != cell.owner
            }
            still = partial(_routes_still, run, rule, len(groups))
            findings += run.unit(key, partial(_routes, run, words, rule, cells), shape=shape, still=still)
    return findings


def _routes(run: Run, words: Words, rule: Rule, cells: list[Cell]) -> list[Finding]:
    groups: dict[tuple[str, str, str], _Routes] = {}
    for cell in cells:
        for target in flag_targets(rule):
            resolved = cell.resolve(rule, target)
            if run.layout.team_of(resolved) == cell.owner:
                continue
            group = groups.setdefault((rule.id, resolved, cell.action.decision), _Routes())
            group.cells.append(cell)
            if group.witness is not None:
                continue
            terms = run.terms(rule, cell)
            verdict = run.verdict(cell)
            if rule.kind is RuleKind.MUST:
                flagged = [terms.when, not_(verdict.stop)]
            else:
                flagged = [terms.when, not_(terms.limits), not_(verdict.allowed), not_(verdict.stop)]
            test = _routed(rule.id, resolved)
            label = f"route:{rule.id}:{resolved}:{cell.key}"
            witness = run.witness(flagged, [cell], test, label=label, merge=(rule,))
            if witness is not None:
                group.witness, group.witness_cell = witness, cell
    findings = []
    for (rule_id, target, decision), group in groups.items():
        if group.witness is None or group.witness_cell is None:
            continue
        rule = run.layout.rules[rule_id]
        owner = group.witness_cell.owner
        assert owner is not None
        title, question = not_owner(words, rule, target, group.witness_cell, owner)
        findings.append(
            Finding(
                "route.not-owner",
                CODES["route.not-owner"].severity,
                title,
                question,
                rules=(rule.id,),
                teams=tuple(dict.fromkeys([rule.owner, run.layout.team_of(target), owner])),
                cells=tuple(cell.key for cell in group.cells),
                decision=decision,
                witness=group.witness,
            )
        )
    return findings


def _routes_still(run: Run, rule: Rule, groups: int, findings: list[Finding]) -> bool:
    """Earlier route findings still hold: one per group, each witness still routed (new policy)."""
    if len(findings) != groups:
        return False
    for finding in findings:
        witness = finding.witness
        if witness is None or not witness.confirmed:
            return False
        decision = run.decide(witness.confirmed[-1])
        entry = fired(decision, rule.id)
        if decision.verdict is not Verdict.FLAG or entry is None or not set(entry.routes) & set(decision.routes):
            return False
    return True


def _defaulted_flag(decisions: Sequence[Decision]) -> bool:
    """Flagged, and the default's route (the acting agent's own team, for an unowned decision) is among the routes."""
    decision = decisions[0]
    default = decision.default
    return decision.verdict is Verdict.FLAG and default is not None and default.route in decision.routes


def _flagged(decisions: Sequence[Decision]) -> bool:
    return decisions[0].verdict is Verdict.FLAG


def _both_go(decisions: Sequence[Decision]) -> bool:
    return all(decision.verdict is Verdict.GO for decision in decisions)


def _routed(rule_id: str, target: str) -> DecisionTest:
    def test(decisions: Sequence[Decision]) -> bool:
        decision = decisions[0]
        entry = fired(decision, rule_id)
        return (
            decision.verdict is Verdict.FLAG
            and target in decision.routes
            and entry is not None
            and target in entry.routes
        )

    return test
