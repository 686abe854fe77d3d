"""Who owns customer decisions: `ownership.unowned-decision`, `ownership.contested`, `route.not-owner`.

Contested ownership is decided as the room would see it in a replay: agents of two teams act
on the same decision, one after the other within a week, and *both go ahead on their own*:
the first action enters the customer's history and the second request is decided with it
there. If some rule stops or flags the second one whenever the first happened (or reviews
either), a team leads and there is nothing to report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from studio.analysis.cells import Cell, flag_targets
from studio.analysis.findings import CODES, Finding, Witness
from studio.analysis.questions import Words, contested, not_owner, unowned
from studio.analysis.run import Bundle, DecisionTest, Run, fired
from studio.analysis.symbolic import not_
from studio.analysis.witness import Draft, DraftStep, draft_of
from studio.clock import MICROS_PER_HOUR as HOUR
from studio.decision import Decision, Effect, Verdict
from studio.request import Request
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
    observed = _observed_witness(run, cells, _defaulted_flag, f"unowned:{decision.id}")
    witness = observed[1] if observed is not None else None
    for cell in cells if witness is None else ():  # a request on which the default flags it to the agent's team
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


def _observed_witness(run: Run, cells: list[Cell], test: DecisionTest, label: str) -> tuple[Cell, Witness] | None:
    """A cell and a witness there among the requests already decided in any of the cells (looked
    at before asking the solver about the first cell: the finding is about all of them, and a
    witness in any one shows it)."""
    for cell in cells:
        observed = run.observed_example(cell, test)
        if observed is not None:
            return cell, run.finish(draft_of(observed), [cell], test, (label, "observed", cell.key))
    return None


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
        compute = partial(_contested, run, words, decision, cells)
        revise = partial(_contest_revise, run, words, decision, cells)
        findings += run.unit(key, compute, shape=shape, revise=revise)
    return findings


def _contest_revise(
    run: Run, words: Words, decision: CustomerDecision, cells: list[Cell], earlier: list[Finding]
) -> list[Finding]:
    """After an edit that left the decision's cells' settings alone: an earlier contest stands if
    both of its requests still go ahead on their own; else the decision is looked at again, trying
    requests already decided in both cells before asking the solver about a pair."""
    if (
        earlier
        and earlier[0].witness is not None
        and len(earlier[0].witness.confirmed) == 2
        and all(run.decide(request).verdict is Verdict.GO for request in earlier[0].witness.confirmed)
    ):
        return earlier
    return _contested(run, words, decision, cells, eager=True)


def _contested(
    run: Run, words: Words, decision: CustomerDecision, cells: list[Cell], *, eager: bool = False
) -> list[Finding]:
    acting = [cell for cell in cells if run.seen(cell, "go") or _goes(run, cell)]
    teams = tuple(dict.fromkeys(cell.agent.team for cell in acting))
    if len(teams) < 2:
        return []
    found = _contest(run, acting, decision.owner, eager=eager)
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
    run: Run, acting: list[Cell], owner: str | None, *, eager: bool = False
) -> tuple[tuple[Cell, Cell], Draft, tuple[object, ...]] | None:
    """The first pair of acting cells (of different teams) with a story where both go ahead: replays
    of decided requests first, then the solver for at most `MAX_CONTEST_PAIRS` pairs (`eager`:
    before asking about a pair, replay requests that went ahead in each of its cells together)."""
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
            mixed = _mixed_replay(run, first, second) if eager else None
            if mixed is not None:
                return (first, second), *mixed
            later = run.prover.formulas.after(first.agent, first.action)
            before, after = run.verdict(first), run.verdict(second, later)
            # Not `likely`: replays find most contests, so the pairs left for the solver are
            # mostly ones where no story exists, and a quick try over two events is asked in vain.
            draft, key = run.example(
                [before.go, after.go],
                [first, second],
                _both_go,
                label=f"contested:{first.key}:{second.key}",
                envs=[run.prover.primary, later],
                likely=False,
            )
            if draft is not None:
                return (first, second), draft, key
    return None


MIXED_REPLAYS = 4
"""Requests that went ahead, per cell, a mixed replay combines."""


def _mixed_replay(run: Run, first: Cell, second: Cell) -> tuple[Draft, tuple[object, ...]] | None:
    """Without the solver: a request on which the first agent went ahead, then the second agent's
    request (parameters) from one on which it went ahead, an hour later on the same customer."""
    seconds = _went_ahead(run, second)
    for request in _went_ahead(run, first)[:MIXED_REPLAYS]:
        for other in seconds[:MIXED_REPLAYS]:
            later = DraftStep(second.agent.id, second.action.id, dict(other.params), request.at + HOUR)
            draft = replace(draft_of(request), steps=(*draft_of(request).steps, later))
            if _then_goes(run, draft):
                return draft, ("contested", "mixed", first.key, second.key)
    return None


def _went_ahead(run: Run, cell: Cell) -> list[Request]:
    """The distinct requests that went ahead among those decided in the cell (a snapshot: replays
    decide more requests in the cell while they run)."""
    went = {id(request): request for request, decision in run.examples(cell) if decision.verdict is Verdict.GO}
    return list(went.values())


def _then_goes(run: Run, draft: Draft) -> bool:
    """Does the draft's second request go ahead too? Its first request is one the engine already
    let go in its cell (so it isn't decided again)."""
    return run.decide(run.prover.builder.requests(draft)[1]).verdict is Verdict.GO


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
    for request in _went_ahead(run, first):
        draft = draft_of(request)
        later = DraftStep(second.agent.id, second.action.id, builder.params_for(second.action), request.at + HOUR)
        draft = replace(draft, steps=(*draft.steps, later))
        if _then_goes(run, draft):
            return draft, ("contested", "replay", first.key, second.key)
    return None


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
            compute = partial(_routes, run, words, rule, cells)
            revise = partial(_routes_revise, run, words, rule, cells)
            findings += run.unit(key, compute, shape=shape, revise=revise).findings
    return findings


RouteGroup = tuple[str, str]
"""(resolved route target, decision): one route finding."""


def _groups(run: Run, rule: Rule, cells: list[Cell]) -> dict[RouteGroup, list[Cell]]:
    groups: dict[RouteGroup, list[Cell]] = {}
    for cell in cells:
        for target in flag_targets(rule):
            resolved = cell.resolve(rule, target)
            if run.layout.team_of(resolved) != cell.owner:
                groups.setdefault((resolved, cell.action.decision), []).append(cell)
    return groups


def _routes(
    run: Run,
    words: Words,
    rule: Rule,
    cells: list[Cell],
    kept: dict[RouteGroup, Finding] | None = None,
) -> Bundle:
    """One finding per route target and decision that some request shows. `kept`: findings of an
    earlier run whose witnesses still show them (after an edit); the other groups are searched
    cheapest first (requests already decided in any of their cells, then the solver)."""
    findings: list[Finding] = []
    tags: list[RouteGroup] = []
    for group, group_cells in _groups(run, rule, cells).items():
        target, decision = group
        found = kept.get(group) if kept is not None else None
        if found is None:
            witnessed = _route_witness(run, rule, target, group_cells)
            if witnessed is not None:
                witness_cell, witness = witnessed
                owner = witness_cell.owner
                assert owner is not None
                title, question = not_owner(words, rule, target, witness_cell, owner)
                found = Finding(
                    "route.not-owner",
                    CODES["route.not-owner"].severity,
                    title,
                    question,
                    rules=(rule.id,),
                    teams=tuple(dict.fromkeys([rule.owner, run.layout.team_of(target), owner])),
                    cells=tuple(cell.key for cell in group_cells),
                    decision=decision,
                    witness=witness,
                )
        if found is not None:
            findings.append(found)
            tags.append(group)
    return Bundle(findings, tags=tuple(tags))


def _route_witness(run: Run, rule: Rule, target: str, cells: list[Cell]) -> tuple[Cell, Witness] | None:
    """A cell with a request the rule flags to `target`, and that request: first among the
    requests already decided in all the cells (any cell's witness shows the finding, and the
    solver is asked only when none does), then the first cell (in order) the solver finds one in."""
    test = _routed(rule.id, target)
    observed = _observed_witness(run, cells, test, f"route:{rule.id}")
    if observed is not None:
        return observed
    for cell in cells:
        terms = run.terms(rule, cell)
        verdict = run.verdict(cell)
        if rule.kind is RuleKind.MUST:
            flagged = [terms.when, not_(verdict.stop)]
        else:
            flagged = [terms.when, not_(terms.limits), not_(verdict.allowed), not_(verdict.stop)]
        label = f"route:{rule.id}:{target}:{cell.key}"
        witness = run.witness(flagged, [cell], test, label=label, merge=(rule,))
        if witness is not None:
            return cell, witness
    return None


def _routes_revise(run: Run, words: Words, rule: Rule, cells: list[Cell], earlier: Bundle) -> Bundle:
    """After an edit that left the rule and its cells' settings alone: earlier findings whose
    witnesses still show the flag are kept; the other groups are searched again."""
    kept: dict[RouteGroup, Finding] = {}
    for tag, finding in zip(earlier.tags, earlier.findings, strict=True):
        witness = finding.witness
        assert isinstance(tag, tuple)
        if witness is not None and witness.confirmed and _routed(rule.id, tag[0])([run.decide(witness.confirmed[-1])]):
            kept[(tag[0], tag[1])] = finding
    return _routes(run, words, rule, cells, kept)


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
