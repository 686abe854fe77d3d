"""Rules that meet on the same request: `conflict.must-never`, `shadowed.may-by-never`,
`overlap.may-limits` and `overlap.may-duplicate`.

Only rules that bind the same cell and can fire there (see reachability.py) are paired, and
each pair is decided once per distinct pair of formulas. A pair's finding lists every cell
where the two meet; its witness comes from the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from studio.analysis.cells import Cell, flag_targets
from studio.analysis.findings import CODES, Finding, Severity, Witness
from studio.analysis.questions import Words, must_never, overlap_duplicate, overlap_limits, shadowed
from studio.analysis.run import Bundle, DecisionTest, Run, fired, owners
from studio.analysis.symbolic import Term, not_, or_
from studio.analysis.witness import Draft, draft_of
from studio.decision import Decision, Effect
from studio.stack import Rule, RuleKind


@dataclass(slots=True)
class _Group:
    """Cells where a pair of rules meets, and the first witness."""

    cells: list[Cell] = field(default_factory=list)
    witness: Witness | None = None
    witness_cell: Cell | None = None
    code: str = ""
    laxer: Rule | None = None


def check(run: Run) -> list[Finding]:
    """All findings about rules meeting on one request."""
    return [*must_never_conflicts(run), *shadowed_mays(run), *may_overlaps(run)]


# -- must vs never ------------------------------------------------------------------------------


def must_never_conflicts(run: Run) -> list[Finding]:
    """For each must rule, the never rules that fire on some of the same requests (one finding per must rule)."""
    words = Words(run.layout)
    findings: list[Finding] = []
    for must in (rule for rule in run.stack.rules if rule.kind is RuleKind.MUST):
        cells = [cell for cell in run.layout.rule_cells[must.id] if run.is_live(must, cell)]
        key = ("must-never-rule", run.fingerprint(must), *(run.cell_key(cell, RuleKind.NEVER) for cell in cells))
        findings += run.unit(key, partial(_must_never, run, words, must, cells)).findings
    return findings


def _nevers(run: Run, cell: Cell) -> list[Rule]:
    """The never rules that can fire in the cell (once per run: every must and may rule of the cell asks)."""
    key = ("nevers", cell.key)
    found: list[Rule] | None = run.memo.get(key)
    if found is None:
        found = [rule for rule in run.live_rules(cell) if rule.kind is RuleKind.NEVER]
        run.memo[key] = found
    return found


def _never_ids(run: Run, cell: Cell) -> dict[str, None]:
    """The ids of the cell's never rules that can fire, in order (once per run)."""
    key = ("never-ids", cell.key)
    found: dict[str, None] | None = run.memo.get(key)
    if found is None:
        found = dict.fromkeys(never.id for never in _nevers(run, cell))
        run.memo[key] = found
    return found


Found = dict[str, tuple[Cell, Draft, tuple[object, ...]]]
"""Never rule id -> where the engine confirmed it fires with the must rule: (cell, request, question key)."""


@dataclass(frozen=True, slots=True)
class _MustCell:
    """What the check of one must rule in one cell established."""

    found: Found
    """Never rules confirmed to fire with the must rule here."""
    cleared: frozenset[str]
    """Never rules shown not to (no confirmed request)."""
    met: bool
    """Some never rule fires with the must rule here."""
    fingerprints: tuple[tuple[str, str], ...]
    """The cell's never rules (id, content) it was established for."""


def _must_never(run: Run, words: Words, must: Rule, cells: list[Cell]) -> Bundle:
    found: Found = {}
    met_cells: list[Cell] = []
    parts: list[tuple[tuple[object, ...], tuple[object, ...] | None, object]] = []
    for cell in cells:
        nevers = _nevers(run, cell)
        never_ids = _never_ids(run, cell)
        known = frozenset(found.keys() & never_ids.keys())
        key = ("must-never", run.fingerprint(must), run.cell_key(cell, RuleKind.NEVER), known)
        shape = ("must-never", run.fingerprint(must), cell.context, tuple(never_ids))
        result = run.unit(
            key,
            partial(_must_never_cell, run, must, cell, nevers, known),
            shape=shape,
            revise=partial(_must_never_revise, run, must, cell, nevers, known),
        )
        parts.append((key, shape, result))
        for never_id, where in result.found.items():
            found.setdefault(never_id, where)
        if result.met:
            met_cells.append(cell)
    if not found:
        return Bundle([], tuple(parts))
    nevers_found = [run.layout.rules[never_id] for never_id in sorted(found)]
    first = nevers_found[0]
    cell, draft, question_key = found[first.id]
    witness = run.finish(draft, [cell], _both_fired(must.id, first.id), question_key)
    targets = flag_targets(must)
    title, question = must_never(words, must, nevers_found, cell, targets)
    cross_team = any(never.owner != must.owner for never in nevers_found)
    severity = CODES["conflict.must-never"].severity if targets and cross_team else Severity.INFO
    finding = Finding(
        "conflict.must-never",
        severity,
        title,
        question,
        rules=(must.id, *(never.id for never in nevers_found)),
        teams=owners([must, *nevers_found]),
        cells=tuple(cell.key for cell in met_cells),
        witness=witness,
    )
    return Bundle([finding], tuple(parts))


def _must_never_cell(run: Run, must: Rule, cell: Cell, nevers: list[Rule], known: frozenset[str]) -> _MustCell:
    """The never rules meeting the must rule in one cell (those in `known` were found in earlier
    cells: only whether one of them meets it here too is asked)."""
    return _settle(run, must, cell, nevers, known, {}, set(), nevers)


def _must_never_revise(
    run: Run, must: Rule, cell: Cell, nevers: list[Rule], known: frozenset[str], earlier: _MustCell
) -> _MustCell:
    """The cell's result after an edit to some of its never rules (the must rule and the cell are
    unchanged): what earlier established about unchanged never rules still holds (a rule fires
    on a request whatever the other rules say), so only the changed ones, and those `known`
    spared earlier but not now, are looked at."""
    current = _never_fingerprints(run, cell, nevers)
    before = dict(earlier.fingerprints)
    changed = {never_id for never_id, printed in current if before.get(never_id) != printed}
    found = {never_id: where for never_id, where in earlier.found.items() if never_id not in changed}
    cleared = {never_id for never_id in earlier.cleared if never_id not in changed}
    todo = [never for never in nevers if never.id not in found and never.id not in cleared and never.id not in known]
    return _settle(run, must, cell, nevers, known, found, cleared, todo)


def _settle(
    run: Run,
    must: Rule,
    cell: Cell,
    nevers: list[Rule],
    known: frozenset[str],
    found: Found,
    cleared: set[str],
    todo: list[Rule],
) -> _MustCell:
    """Decide, for each never rule of `todo`, whether it fires with the must rule in the cell:
    seen in decided requests, merged models, then the solver. `known` ones (found in earlier
    cells) only matter for whether the must rule meets some never rule here."""
    if todo:
        _harvest(run, must, todo, cell, found)
        _batch(run, must, [never for never in todo if never.id not in found and never.id not in known], cell, found)
        for never in todo:
            if never.id in found or never.id in known:
                continue
            terms = [run.terms(must, cell).when, run.terms(never, cell).when]
            test = _both_fired(must.id, never.id)
            label = f"must-never:{must.id}:{never.id}"
            draft, key = run.example(terms, [cell], test, label=label, merge=(must, never))
            if draft is None:
                cleared.add(never.id)
                continue
            found[never.id] = (cell, draft, key)
            decision = run.decide(run.prover.builder.requests(draft)[0])
            for entry in decision.fired:  # every never rule firing here is a confirmed pair too
                if entry.kind == RuleKind.NEVER.value and entry.rule_id not in found:
                    found[entry.rule_id] = (cell, draft, key)
    met = bool(found)
    if not met and known:
        met = _meets_known(run, must, [never for never in nevers if never.id in known], cell)
    return _MustCell(found, frozenset(cleared), met, _never_fingerprints(run, cell, nevers))


def _never_fingerprints(run: Run, cell: Cell, nevers: list[Rule]) -> tuple[tuple[str, str], ...]:
    """The cell's never rules (id, content), once per run (every must rule of the cell asks)."""
    key = ("never-fingerprints", cell.key)
    found: tuple[tuple[str, str], ...] | None = run.memo.get(key)
    if found is None:
        found = tuple((never.id, run.fingerprint(never)) for never in nevers)
        run.memo[key] = found
    return found


def _harvest(
    run: Run, must: Rule, nevers: list[Rule], cell: Cell, found: dict[str, tuple[Cell, Draft, tuple[object, ...]]]
) -> bool:
    """Pairs the engine already showed: decided requests in the cell where the must rule fired
    with never rules (every firing never rule is a confirmed pair). True if any such request exists."""
    names = {never.id for never in nevers}
    met = False
    for request, decision in run.examples(cell):
        if fired(decision, must.id) is None:
            continue
        draft = None
        for entry in decision.fired:
            if entry.rule_id in names:
                met = True
                if entry.rule_id not in found:
                    draft = draft or draft_of(request)
                    found[entry.rule_id] = (cell, draft, ("must-never", must.id, entry.rule_id, cell.key))
    return met


def _batch(
    run: Run, must: Rule, nevers: list[Rule], cell: Cell, found: dict[str, tuple[Cell, Draft, tuple[object, ...]]]
) -> bool:
    """Many pairs at once: the must rule's model merged with several never rules' models; every
    never rule the engine sees firing with the must rule on the merged request is a confirmed pair."""
    must_model = run.model_of(must, cell)
    if must_model is None:
        return False
    pending = {never.id: model for never in nevers if (model := run.model_of(never, cell)) is not None}
    steps = [(cell, run.prover.primary)]
    builder = run.prover.builder
    met = False
    while pending:
        draft = run.prover.witnesses.merge([must_model, *pending.values()], steps, lambda _: True)
        if draft is None:
            break
        decision = run.decide(builder.requests(draft)[0])
        if fired(decision, must.id) is None:
            break
        newly = [entry.rule_id for entry in decision.fired if entry.rule_id in pending]
        if not newly:
            break
        met = True
        for never_id in newly:
            found[never_id] = (cell, draft, ("must-never", must.id, never_id, cell.key, "batch"))
            del pending[never_id]
    return met


def _meets_known(run: Run, must: Rule, nevers: list[Rule], cell: Cell) -> bool:
    """Does the must rule meet any of these (already known to conflict) never rules in this cell too?"""
    if run.observed_example(cell, _fired_with_any(must.id, {never.id for never in nevers})) is not None:
        return True
    for never in nevers:
        models = [run.model_of(rule, cell) for rule in (must, never)]
        if all(model is not None for model in models):
            steps = [(cell, run.prover.primary)]
            holds = run.holds(_both_fired(must.id, never.id))
            if run.prover.witnesses.merge([m for m in models if m is not None], steps, holds) is not None:
                return True
    either = or_(*(run.terms(never, cell).when for never in nevers))
    return run.sat([run.terms(must, cell).when, either]).sat


def _fired_with_any(first: str, others: set[str]) -> DecisionTest:
    """Did the first rule fire, and one of the others too?"""

    def test(decisions: Sequence[Decision]) -> bool:
        return fired(decisions[0], first) is not None and any(entry.rule_id in others for entry in decisions[0].fired)

    return test


def _both_fired(first: str, second: str) -> DecisionTest:
    def test(decisions: Sequence[Decision]) -> bool:
        return fired(decisions[0], first) is not None and fired(decisions[0], second) is not None

    return test


# -- may shadowed by never ------------------------------------------------------------------------


def shadowed_mays(run: Run) -> list[Finding]:
    """May rules that never take effect: whenever they apply, a never rule stops the request."""
    words = Words(run.layout)
    findings: list[Finding] = []
    for may in (rule for rule in run.stack.rules if rule.kind is RuleKind.MAY):
        cells = [cell for cell in run.layout.rule_cells[may.id] if run.is_live(may, cell)]
        key = ("shadowed", run.fingerprint(may), *(run.cell_key(cell, RuleKind.NEVER) for cell in cells))
        findings += run.unit(key, partial(_shadowed, run, words, may, cells))
    return findings


def _shadowed(run: Run, words: Words, may: Rule, live_cells: list[Cell]) -> list[Finding]:
    cells: list[Cell] = []
    bounded = False
    for cell in live_cells:
        nevers = _nevers(run, cell)
        if not nevers or _takes_effect(run, may, nevers, cell):
            continue
        terms = [run.terms(may, cell).when, *(not_(run.terms(never, cell).when) for never in nevers)]
        outcome = run.sat(terms)
        if outcome.sat or outcome.unknown:
            continue
        cells.append(cell)
        bounded = bounded or outcome.bounded
    findings: list[Finding] = []
    if cells:
        cell = cells[0]
        nevers = [rule for rule in run.live_rules(cell) if rule.kind is RuleKind.NEVER]
        co_firing = [never for never in nevers if _co_fires(run, may, never, cell)]
        witness = None
        for never in co_firing:
            terms = [run.terms(may, cell).when, run.terms(never, cell).when]
            test = _shadow_test(may.id, never.id)
            witness = run.witness(terms, [cell], test, label=f"shadowed:{may.id}:{never.id}", merge=(may, never))
            if witness is not None:
                break
        if witness is None:
            return findings
        everywhere = len(cells) == len(live_cells)
        title, question = shadowed(words, may, co_firing, cells, everywhere)
        findings.append(
            Finding(
                "shadowed.may-by-never",
                Severity.ERROR if everywhere else Severity.WARNING,
                title,
                question,
                rules=(may.id, *(never.id for never in co_firing)),
                teams=owners([may, *co_firing]),
                cells=tuple(cell.key for cell in cells),
                witness=witness,
                bounded=bounded,
            )
        )
    return findings


def _co_fires(run: Run, may: Rule, never: Rule, cell: Cell) -> bool:
    """Can both rules fire on one request in the cell? A request the engine already decided there,
    with no more events than the solver's history slots, shows it (the encoding over-approximates,
    so the solver would say yes too); else the solver is asked."""
    slots = len(run.prover.primary.history.slots)
    if run.observed_example(cell, _shadow_test(may.id, never.id), most_events=slots) is not None:
        return True
    return run.sat([run.terms(may, cell).when, run.terms(never, cell).when]).sat


def _takes_effect(run: Run, may: Rule, nevers: list[Rule], cell: Cell) -> bool:
    """Cheap evidence that the may rule isn't shadowed: a decision where it fired and no never rule did."""
    names = {never.id for never in nevers}

    def test(decisions: Sequence[Decision]) -> bool:
        return fired(decisions[0], may.id) is not None and not any(rule.rule_id in names for rule in decisions[0].fired)

    if run.observed_example(cell, test) is not None:
        return True
    model = run.model_of(may, cell)
    return (
        model is not None
        and run.prover.witnesses.merge([model], [(cell, run.prover.primary)], run.holds(test)) is not None
    )


def _shadow_test(may: str, never: str) -> DecisionTest:
    def test(decisions: Sequence[Decision]) -> bool:
        return fired(decisions[0], may) is not None and fired(decisions[0], never) is not None

    return test


# -- overlapping may rules --------------------------------------------------------------------------


def may_overlaps(run: Run) -> list[Finding]:
    """Two may rules covering the same request: with different limits, or saying the same thing."""
    pairs: dict[tuple[str, str], list[Cell]] = {}
    for cell in run.layout.cells:
        mays = [rule for rule in run.live_rules(cell) if rule.kind is RuleKind.MAY]
        for index, first in enumerate(mays):
            for second in mays[index + 1 :]:
                pairs.setdefault((first.id, second.id), []).append(cell)
    words = Words(run.layout)
    findings: list[Finding] = []
    for (first_id, second_id), cells in pairs.items():
        first, second = run.layout.rules[first_id], run.layout.rules[second_id]
        key = (
            "overlap",
            run.fingerprint(first),
            run.fingerprint(second),
            *(run.cell_key(c, RuleKind.MAY) for c in cells),
        )
        findings += run.unit(key, partial(_pair, run, words, first, second, cells))
    return findings


def _pair(run: Run, words: Words, first: Rule, second: Rule, cells: list[Cell]) -> list[Finding]:
    group = _Group()
    for cell in cells:
        _overlap(run, cell, first, second, group)
    findings = []
    if group.witness is not None and group.witness_cell is not None:
        if group.code == "overlap.may-limits":
            title, question = overlap_limits(words, first, second, group.witness_cell, group.laxer)
        else:
            title, question = overlap_duplicate(words, first, second, group.witness_cell)
        findings.append(
            Finding(
                group.code,
                CODES[group.code].severity,
                title,
                question,
                rules=(first.id, second.id),
                teams=owners([first, second]),
                cells=tuple(cell.key for cell in group.cells),
                witness=group.witness,
            )
        )
    return findings


def _overlap(run: Run, cell: Cell, first: Rule, second: Rule, group: _Group) -> None:
    a, b = run.terms(first, cell), run.terms(second, cell)
    differing: list[tuple[list[Term | bool], Rule | None, DecisionTest]] = [
        ([a.when, b.when, a.limits, not_(b.limits)], first, _limit_test(first.id, second.id)),
        ([a.when, b.when, b.limits, not_(a.limits)], second, _limit_test(second.id, first.id)),
    ]
    beyond_differs = first.over_limit != second.over_limit or cell.resolve(first, first.route) != cell.resolve(
        second, second.route
    )
    if beyond_differs and first.limits and second.limits:
        differing.append(([a.when, b.when, not_(a.limits), not_(b.limits)], None, _beyond_test(first.id, second.id)))
    if group.code == "overlap.may-limits":
        if any(run.sat(terms).sat for terms, _, _ in differing):
            group.cells.append(cell)
        return
    for terms, laxer, test in differing:
        label = f"overlap.may-limits:{first.id}:{second.id}:{laxer.id if laxer else ''}"
        witness = run.witness(terms, [cell], test, label=label)
        if witness is not None:
            group.code, group.laxer, group.cells = "overlap.may-limits", laxer, [cell]
            group.witness, group.witness_cell = witness, cell
            return
    both = [a.when, b.when]
    if group.code == "overlap.may-duplicate":
        if run.sat(both).sat:
            group.cells.append(cell)
        return
    label = f"overlap.may-duplicate:{first.id}:{second.id}"
    witness = run.witness(both, [cell], _both_fired(first.id, second.id), label=label, merge=(first, second))
    if witness is not None:
        group.code, group.cells, group.witness, group.witness_cell = "overlap.may-duplicate", [cell], witness, cell


def _limit_test(within: str, beyond: str) -> DecisionTest:
    def test(decisions: Sequence[Decision]) -> bool:
        allowed, over = fired(decisions[0], within), fired(decisions[0], beyond)
        if allowed is None or over is None:
            return False
        return allowed.effect is Effect.ALLOW and over.effect is Effect.OVER_LIMIT

    return test


def _beyond_test(first: str, second: str) -> DecisionTest:
    def test(decisions: Sequence[Decision]) -> bool:
        a, b = fired(decisions[0], first), fired(decisions[0], second)
        return a is not None and b is not None and a.effect is b.effect is Effect.OVER_LIMIT

    return test
