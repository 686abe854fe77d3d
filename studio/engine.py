"""The go / flag / stop engine.

`compile_policy(stack)` turns a valid stack into a `Policy`: every condition compiled to
closures once, and for each (agent, action) the rules that bind it, in rule-id order, with
routes resolved. `Policy.decide(request)` is then pure (no I/O, no clock) and cheap.

Semantics (docs/semantics.md has the full text):
- never: when its condition holds, the verdict is stop;
- must: when its trigger holds, a flag duty raises the verdict to at least flag, routed as
  it says; notify, log and disclose duties become obligations;
- may: when its condition holds the action is covered; within its limits it may go, beyond
  them it is flagged (routed) or stopped, as the rule says. Several may rules: the action may
  go if any of them allows it, else the mildest over-limit outcome applies;
- no may rule covers the action: the stack's default for the agent's kind (flag to the
  owner of the action's decision, or stop);
- the verdict is the most severe of all of these (stop > flag > go), whatever the rule order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter
from typing import Any

from studio.cel.ast import Ident, Node, Select
from studio.cel.compile import Compiled, compile_condition, comprehension_depth, constant_value, is_constant
from studio.cel.parse import parse
from studio.condition import text_of, to_tree
from studio.decision import (
    REASON_RANK,
    Decision,
    DefaultApplied,
    Effect,
    FiredRule,
    Obligation,
    Reason,
    ReasonKind,
    Verdict,
    decided,
    worded,
)
from studio.errors import StackInvalidError
from studio.history_needs import events_needed, history_reach, history_window
from studio.request import Request
from studio.stack import (
    Action,
    Agent,
    DiscloseDuty,
    FlagDuty,
    LogDuty,
    NotifyDuty,
    Rule,
    RuleKind,
    Stack,
    ValueSpec,
)
from studio.step_index import StepIndex, guards_of, index_steps
from studio.validate import OWNER, validate

_NEVER, _MUST, _MAY = RuleKind.NEVER, RuleKind.MUST, RuleKind.MAY


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule as it applies to one (agent, action) cell: compiled, with routes resolved."""

    rule: Rule
    condition: Compiled | None
    limits: tuple[tuple[str, Compiled], ...]
    flag_routes: tuple[str, ...]
    """must: where its flag duties go; may: where an over-limit flag goes."""
    obligations: tuple[Obligation, ...]
    condition_text: str
    reason: Reason | None
    """The plain-words reason when the rule fires as usual (precomputed: off the hot path)."""
    owner_name: str


@dataclass(frozen=True, slots=True)
class Cell:
    """Everything needed to decide one agent proposing one action."""

    agent: Mapping[str, str]
    action: Mapping[str, str]
    rules: tuple[CompiledRule, ...]
    """Every rule binding this agent and action, ordered by id."""
    default: DefaultApplied
    default_reason: Reason


class Policy:
    """A compiled stack: decides any request for it. Safe to share across threads: what it
    compiled never changes, and the decisions its cells remember (at most `_MOST_REMEMBERED`
    each) are immutable values that any thread may reuse."""

    def __init__(self, stack: Stack) -> None:
        issues = validate(stack)
        if issues:
            raise StackInvalidError(
                "The stack has problems; fix them before deciding",
                [issue.unlocated() for issue in issues],
            )
        self.stack = stack
        self.teams = {team.id: team for team in stack.teams}
        compiled = {rule.id: _compile_rule(rule) for rule in stack.rules}
        self.depth = max([depth for _, _, depth in compiled.values()] + [1])
        self.cells: dict[tuple[str, str], Cell] = {}
        actions = {action.id: action for action in stack.actions}
        owners = {decision.id: decision.owner for decision in stack.decisions}
        by_id = sorted(stack.rules, key=lambda r: r.id)
        self._by_action = {a: [r for r in by_id if not r.actions or a in r.actions] for a in actions}
        self._made: dict[tuple[str, str | None], CompiledRule] = {}
        for agent in stack.agents:
            for action_id in agent.actions:
                action = actions[action_id]
                self.cells[(agent.id, action_id)] = self._cell(agent, action, owners.get(action.decision), compiled)
        self.agents = {agent.id: agent for agent in stack.agents}
        self.actions = actions
        self._plans = _plans(self.cells, {rule.id: rule for rule in stack.rules}, compiled, stack.customer.attributes)

    def _cell(
        self,
        agent: Agent,
        action: Action,
        decision_owner: str | None,
        compiled: dict[str, tuple[Compiled | None, tuple[tuple[str, Compiled], ...], int]],
    ) -> Cell:
        rules = []
        for rule in self._by_action.get(action.id, ()):  # every rule that may bind the action, by id
            if binds(rule, agent, action.id):
                made = self._made.get((rule.id, decision_owner))  # the same for every cell with this owner
                if made is None:
                    condition, limits, _ = compiled[rule.id]
                    made = self._made[(rule.id, decision_owner)] = self._cell_rule(
                        rule, condition, limits, decision_owner
                    )
                rules.append(made)
        default_verdict = Verdict(getattr(self.stack.defaults, agent.kind.value))
        route = (decision_owner or agent.team) if default_verdict is Verdict.FLAG else ""
        default = DefaultApplied(default_verdict, agent.kind.value, route)
        return Cell(
            agent={"id": agent.id, "team": agent.team, "kind": agent.kind.value},
            action={
                "id": action.id,
                "decision": action.decision,
                "channel": action.channel or "",
                "purpose": action.purpose or "",
            },
            rules=tuple(rules),
            default=default,
            default_reason=_default_reason(agent, action, default, decision_owner),
        )

    def _cell_rule(
        self,
        rule: Rule,
        condition: Compiled | None,
        limits: tuple[tuple[str, Compiled], ...],
        decision_owner: str | None,
    ) -> CompiledRule:
        def resolve(target: str) -> str:
            return (decision_owner or rule.owner) if target == OWNER else target

        routes: tuple[str, ...] = ()
        obligations: list[Obligation] = []
        if rule.kind is _MAY:
            routes = (resolve(rule.route),) if rule.over_limit == "flag" else ()
        for duty in rule.duties:
            if isinstance(duty, FlagDuty):
                routes = (*routes, resolve(duty.to))
            elif isinstance(duty, NotifyDuty):
                obligations.append(Obligation("notify", rule.id, to=resolve(duty.to)))
            elif isinstance(duty, LogDuty):
                obligations.append(Obligation("log", rule.id))
            elif isinstance(duty, DiscloseDuty):
                obligations.append(Obligation("disclose", rule.id, text=duty.text))
        compiled = CompiledRule(
            rule,
            condition,
            limits,
            tuple(dict.fromkeys(routes)),
            tuple(obligations),
            text_of(rule.when),
            None,
            self._team_name(rule.owner),
        )
        return _with_reason(compiled)

    def _team_name(self, team_id: str) -> str:
        team = self.teams.get(team_id)
        return team.name if team is not None and team.name else team_id

    def cell(self, agent: str, action: str) -> Cell | None:
        """The compiled cell for an agent and action, if the agent declares the action."""
        return self.cells.get((agent, action))

    def remembered(self) -> int:
        """How many decisions the cells remember (`decide` reuses them): one per combination of
        rules that fired in a cell, so far."""
        return sum(len(plan[5]) for plan in self._plans.values())

    def decide(self, request: Request) -> Decision:
        """The verdict on one request. Pure: the same request always gets the same decision."""
        plan = self._plans.get((request.agent, request.action))
        if plan is None:
            return self._refuse(request)
        cell, by_count, window, default_note, index, decisions = plan
        if index is not None:  # only the rules a customer with this attribute value could fire
            by_count = index.lookup(request.customer)
        history: Sequence[Any] = request.history
        if window is not None and history:
            # Every use of the history in this cell looks only at events at most `window` old
            # (see `history_window`): the others can't change any condition's value.
            # `now - at <= window` as `at >= now - window`: the same for times in whole microseconds.
            oldest = request.at - window
            history = [event for event in history if event["at"] >= oldest]
        # Rules needing more events than the history has can't fire (`events_needed`).
        steps = by_count[len(history)] if len(history) < len(by_count) else by_count[-1]
        variables: dict[str, Any] = {
            "customer": request.customer,
            "params": request.params,
            "history": history,
            "agent": cell.agent,
            "action": cell.action,
            "now": request.at,
        }
        local: list[Any] = [None] * self.depth
        # Each step is a rule of the cell (by id) that can fire there, its condition specialised
        # to the cell; what it adds when it fires is prepared in advance (`_plans`). The
        # conditions are asked in one comprehension (the tightest loop Python has); the few
        # rules that fired are then checked against their limits.
        firings: list[_Firing] = []
        prepared = True
        for usual, limits, beyond in [step for condition, step in steps if condition(variables, local)]:
            if limits and (exceeded := _exceeded(limits, variables, local)):
                firing = beyond.get(exceeded)
                if firing is None:
                    firing, prepared = _beyond(usual.rule, exceeded), False
                firings.append(firing)
            else:
                firings.append(usual)
        if not prepared:
            return _combine(firings, cell.default, default_note)
        # The decision depends on nothing but what fired (a cell's firings are prepared objects,
        # compared by identity): decisions already made are reused, as building one is about a
        # seventh of the work. The cache is bounded; entries are immutable, so threads may share it.
        made = tuple(firings)
        decision = decisions.get(made)
        if decision is None:
            decision = _combine(firings, cell.default, default_note)
            if len(decisions) < _MOST_REMEMBERED:
                decisions[made] = decision
        return decision

    def _refuse(self, request: Request) -> Decision:
        if request.agent not in self.agents:
            why = f"'{request.agent}' is not an agent or tool of this stack"
        elif request.action not in self.actions:
            why = f"'{request.action}' is not an action of this stack"
        else:
            why = f"{request.agent} doesn't declare '{request.action}' among its actions"
        return Decision(
            Verdict.STOP, refusal=why, reasons=(Reason(ReasonKind.REFUSAL, Verdict.STOP, f"Refused: {why}."),)
        )


def _combine(firings: list[_Firing], default: DefaultApplied, default_note: _Note) -> Decision:
    """The decision from the rules that fired, in rule-id order (`_decision` combines them)."""
    stop = allowed = over_limit_flag = over_limit_stop = False
    obligations: tuple[Obligation, ...] = ()
    must_routes: tuple[str, ...] = ()
    over_limit_routes: tuple[str, ...] = ()
    for firing in firings:
        code, rule = firing.code, firing.rule
        if code is _STEP_NEVER:
            stop = True
        elif code is _STEP_MUST:
            obligations += rule.obligations
            must_routes += rule.flag_routes
        elif code is _STEP_MAY:
            allowed = True
        elif rule.rule.over_limit == "flag":
            over_limit_flag = True
            over_limit_routes += rule.flag_routes
        else:
            over_limit_stop = True
    fired = [firing.as_fired for firing in firings]
    notes = [firing.note for firing in firings]
    if allowed:
        return _decision(Verdict.GO, (), stop, must_routes, obligations, fired, notes)
    if over_limit_flag:
        return _decision(Verdict.FLAG, over_limit_routes, stop, must_routes, obligations, fired, notes)
    if over_limit_stop:
        return _decision(Verdict.STOP, (), stop, must_routes, obligations, fired, notes)
    notes.append(default_note)
    routes = (default.route,) if default.route else ()
    return _decision(default.verdict, routes, stop, must_routes, obligations, fired, notes, default)


def _decision(
    permission: Verdict,
    permission_routes: tuple[str, ...],
    stop: bool,
    must_routes: tuple[str, ...],
    obligations: tuple[Obligation, ...],
    fired: list[FiredRule],
    notes: list[_Note],
    default: DefaultApplied | None = None,
) -> Decision:
    """The decision from what fired: stop > flag > go (docs/semantics.md, "Combining")."""
    if stop or permission is Verdict.STOP:
        verdict = Verdict.STOP
        routes: tuple[str, ...] = ()
    elif must_routes or permission is Verdict.FLAG:
        verdict = Verdict.FLAG
        routes = tuple(dict.fromkeys(must_routes + permission_routes))
    else:
        verdict = Verdict.GO
        routes = ()
    # The reasons: `decision.ordered` of the notes' reasons, from what was prepared in advance.
    if len(notes) > 1:
        notes.sort(key=_RANK)  # stable, like ordered()
    reasons = tuple(map(_STOPPED if verdict is Verdict.STOP else _AS_USUAL, notes))
    return decided(verdict, routes, obligations, tuple(fired), default, reasons)


def _exceeded(limits: tuple[tuple[str, Compiled], ...], variables: dict[str, Any], local: list[Any]) -> tuple[str, ...]:
    """The limits (their texts) that don't hold, in order."""
    exceeded: tuple[str, ...] = ()
    for text, limit in limits:
        if not limit(variables, local):
            exceeded += (text,)
    return exceeded


def _beyond(compiled: CompiledRule, exceeded: tuple[str, ...]) -> _Firing:
    """A may rule over its limits: what it adds to a decision (prepared in advance by `_plans`
    for every set of exceeded limits of a rule with a few of them)."""
    outcome = Verdict.FLAG if compiled.rule.over_limit == "flag" else Verdict.STOP
    as_fired = _fired(compiled, Effect.OVER_LIMIT, outcome, compiled.flag_routes, exceeded)
    return _Firing(_STEP_OVER_LIMIT, compiled, as_fired, _note(_over_limit_reason(compiled, outcome, exceeded)))


_Note = tuple[int, Reason, Reason]
"""A reason on its way into a decision: its rank in reading order (`decision.REASON_RANK`),
and its wording in a decision that goes or flags, and in one that stops (see `decision.worded`).
Prepared when compiling, so ordering the reasons of a decision is one small stable sort."""


def _note(reason: Reason) -> _Note:
    return (REASON_RANK[(reason.kind, reason.verdict)], reason, worded(reason, Verdict.STOP))


_RANK, _AS_USUAL, _STOPPED = itemgetter(0), itemgetter(1), itemgetter(2)


def _fired(
    compiled: CompiledRule,
    effect: Effect,
    verdict: Verdict,
    routes: tuple[str, ...] = (),
    exceeded: tuple[str, ...] = (),
) -> FiredRule:
    rule = compiled.rule
    return FiredRule(
        rule.id,
        rule.kind.value,
        rule.owner,
        effect,
        verdict,
        rule.rationale,
        compiled.condition_text,
        routes,
        exceeded,
    )


def _with_reason(compiled: CompiledRule) -> CompiledRule:
    rule = compiled.rule
    who = f"{rule.id} ({compiled.owner_name})"
    duties = _duty_words(compiled)
    if rule.kind is _NEVER:
        reason = Reason(ReasonKind.STOP, Verdict.STOP, f"Stopped by {who}: {rule.rationale}", rule.id)
    elif rule.kind is _MUST and compiled.flag_routes:
        also = f" Also: {duties}." if duties else ""
        routes = ", ".join(compiled.flag_routes)
        text = f"Flagged to {routes} by {who}: {rule.rationale}{also}"
        stopped = f"{who} would flag it to {routes}, but it is stopped: {rule.rationale}{also}"
        reason = Reason(ReasonKind.FLAG, Verdict.FLAG, text, rule.id, stopped)
    elif rule.kind is _MUST:
        reason = Reason(ReasonKind.DUTY, Verdict.GO, f"{who} asks to {duties}: {rule.rationale}", rule.id)
    else:
        within = " within its limits" if compiled.limits else ""
        reason = Reason(ReasonKind.ALLOW, Verdict.GO, f"Allowed{within} by {who}: {rule.rationale}", rule.id)
    return CompiledRule(
        compiled.rule,
        compiled.condition,
        compiled.limits,
        compiled.flag_routes,
        compiled.obligations,
        compiled.condition_text,
        reason,
        compiled.owner_name,
    )


def _duty_words(compiled: CompiledRule) -> str:
    words = []
    for obligation in compiled.obligations:
        if obligation.duty == "notify":
            words.append(f"notify {obligation.to}")
        elif obligation.duty == "disclose":
            words.append("attach a disclosure")
        else:
            words.append(obligation.duty)
    return ", ".join(words)


def _over_limit_reason(compiled: CompiledRule, outcome: Verdict, exceeded: tuple[str, ...]) -> Reason:
    rule = compiled.rule
    limits = "; ".join(exceeded)
    who = f"{rule.id} ({compiled.owner_name})"
    if outcome is Verdict.FLAG:
        routes = ", ".join(compiled.flag_routes)
        text = f"Flagged to {routes}: beyond the limits of {who}, not met: {limits}"
        stopped = f"Beyond the limits of {who} (not met: {limits}); it would go to {routes}, but it is stopped"
        return Reason(ReasonKind.FLAG, Verdict.FLAG, text, rule.id, stopped)
    return Reason(ReasonKind.STOP, Verdict.STOP, f"Stopped: beyond the limits of {who}, not met: {limits}", rule.id)


def _default_reason(agent: Agent, action: Action, default: DefaultApplied, decision_owner: str | None) -> Reason:
    kind = agent.kind.value.replace("_", " ")
    uncovered = f"no may rule covers {agent.id} doing {action.id} here"
    if default.verdict is Verdict.FLAG:
        whom = (
            "the decision's owner"
            if decision_owner
            else f"{agent.team} ({action.decision} has no owner, so the agent's own team)"
        )
        text = f"Flagged to {default.route} by default: {uncovered}, and uncovered {kind} actions go to {whom}"
        stopped = f"By default it would go to {default.route} ({uncovered}), but it is stopped"
        return Reason(ReasonKind.DEFAULT, Verdict.FLAG, text, "", stopped)
    return Reason(
        ReasonKind.DEFAULT, Verdict.STOP, f"Stopped by default: {uncovered}, and uncovered {kind} actions are stopped"
    )


_STEP_NEVER, _STEP_MUST, _STEP_MAY, _STEP_OVER_LIMIT = 0, 1, 2, 3


@dataclass(frozen=True, slots=True, eq=False)
class _Firing:
    """What a rule adds to a decision when it fires one way (as usual, or a may rule beyond a
    set of its limits): prepared when compiling. Equal only to itself, so a tuple of them is a
    cheap key for the decisions a cell has made (`Policy.decide`)."""

    code: int
    rule: CompiledRule
    as_fired: FiredRule
    note: _Note


_Beyond = dict[tuple[str, ...], _Firing]
_Step = tuple[_Firing, tuple[tuple[str, Compiled], ...], _Beyond]
"""(what the rule adds when it fires as usual, its limits, and for a may rule with limits, what
it adds for each set of limits it may exceed)."""
_ByCount = tuple[tuple[tuple[Compiled, _Step], ...], ...]
"""A cell's steps with their conditions, for each number of (recent) events in a request's
history: those that can fire on it (`events_needed`); the last for that many or more."""
_Plan = tuple[Cell, _ByCount, Any, "_Note", StepIndex | None, dict[tuple[_Firing, ...], Decision]]
"""A cell, its steps by history length, its history window (or None), its default's reason,
where that pays its steps by history length indexed by a customer attribute (`step_index`),
and the decisions it has made, by what fired."""
_MOST_REMEMBERED = 256
"""Decisions remembered per cell (each a different combination of rules that fired)."""


def _always(variables: dict[str, Any], local: list[Any]) -> bool:
    return True


def _plans(
    cells: dict[tuple[str, str], Cell],
    rules: dict[str, Rule],
    compiled: dict[str, tuple[Compiled | None, tuple[tuple[str, Compiled], ...], int]],
    attributes: Mapping[str, ValueSpec],
) -> dict[tuple[str, str], _Plan]:
    """For each cell, its rules with every condition specialised to the cell's agent and action.

    In a cell, `action.purpose` and `agent.team` are known: a condition on them is folded when
    compiling (`compile_condition(..., constants)`), a rule whose condition can't hold there is
    left out of the steps, and one that always holds has no condition to evaluate. Cells share
    a specialisation when the fields a rule reads have the same values. The decisions are the
    same as evaluating every rule of `cell.rules`; only work whose outcome is known is skipped.
    """
    uses = {rule_id: _agent_action_fields(rule) for rule_id, rule in rules.items()}
    reach = {rule_id: history_reach(rule) for rule_id, rule in rules.items()}
    needed = {rule_id: events_needed(rule) for rule_id, rule in rules.items()}
    guards = {rule_id: guards_of(_when_tree(rule), attributes) for rule_id, rule in rules.items()}

    def by_count(entries: Sequence[tuple[Compiled, _Step]]) -> _ByCount:
        """For n = 0, 1, ... the entries that can fire on a history of n events (the last: of more)."""
        needs = [needed[step[0].rule.rule.id] for _, step in entries]
        if not any(needs):
            return (tuple(entries),)
        levels = {level: tuple(compress(entries, map(level.__ge__, needs))) for level in set(needs)}
        steps: tuple[tuple[Compiled, _Step], ...] = ()
        counts = []
        for count in range(max(needs, default=0) + 1):
            steps = levels.get(count, steps)  # a count no rule needs exactly: as the one below it
            counts.append(steps)
        return tuple(counts)

    notes: dict[int, _Note] = {}  # by id of CompiledRule: cells share them
    specialised: dict[
        tuple[str, tuple[tuple[str, str, Any], ...]], tuple[Compiled | None, tuple[tuple[str, Compiled], ...]]
    ] = {}
    plans: dict[tuple[str, str], _Plan] = {}
    for key, cell in cells.items():
        known = {"agent": cell.agent, "action": cell.action}
        steps: list[_Step] = []
        conditions: list[Compiled] = []
        for made in cell.rules:
            rule = made.rule
            condition: Compiled | None = made.condition
            limits = made.limits
            fields = uses[rule.id]
            if fields:
                values = tuple((name, field, known[name].get(field)) for name, field in fields)
                entry = specialised.get((rule.id, values))
                if entry is None:
                    entry = specialised[(rule.id, values)] = _specialise(rule, known)
                condition, limits = entry
            if condition is not None and is_constant(condition):
                if not constant_value(condition):
                    continue  # can't hold in this cell: never fires here
                condition = None
            conditions.append(condition or _always)
            note = notes.get(id(made))
            if note is None:
                note = notes[id(made)] = _note(made.reason)  # type: ignore[arg-type]  # set for every rule
            if rule.kind is _NEVER:
                steps.append(
                    (_Firing(_STEP_NEVER, made, _fired(made, Effect.STOP, Verdict.STOP), note), (), _NO_BEYOND)
                )
            elif rule.kind is _MUST:
                as_fired = (
                    _fired(made, Effect.FLAG, Verdict.FLAG, made.flag_routes)
                    if made.flag_routes
                    else _fired(made, Effect.DUTY, Verdict.GO)
                )
                steps.append((_Firing(_STEP_MUST, made, as_fired, note), (), _NO_BEYOND))
            else:
                kept = tuple(
                    (text, limit) for text, limit in limits if not (is_constant(limit) and constant_value(limit))
                )
                allow = _Firing(_STEP_MAY, made, _fired(made, Effect.ALLOW, Verdict.GO), note)
                steps.append((allow, kept, _all_beyond(made, kept)))
        window = history_window([reach[made.rule.id] for made in cell.rules])
        planned = tuple(zip(conditions, steps, strict=True))
        index = index_steps(planned, [guards[step[0].rule.rule.id] for _, step in planned], attributes, by_count)
        plans[key] = (cell, by_count(planned), window, _note(cell.default_reason), index, {})
    return plans


_NO_BEYOND: _Beyond = {}  # shared by the steps without prepared outcomes; never changed
_MOST_PREPARED_LIMITS = 4
"""A may rule with at most this many limits has the outcome of each set of them exceeded
prepared (15 at most); beyond, it is worked out when it happens (`_beyond`)."""


def _all_beyond(made: CompiledRule, limits: tuple[tuple[str, Compiled], ...]) -> _Beyond:
    """For each non-empty set of `limits` (as `_exceeded` lists them: in order), what the rule adds
    to a decision when exactly those are exceeded."""
    if not limits or len(limits) > _MOST_PREPARED_LIMITS:
        return _NO_BEYOND
    texts = [text for text, _ in limits]
    subsets = (
        tuple(text for index, text in enumerate(texts) if mask >> index & 1) for mask in range(1, 1 << len(texts))
    )
    return {exceeded: _beyond(made, exceeded) for exceeded in subsets}


def _when_tree(rule: Rule) -> Node | None:
    return to_tree(rule.when) if rule.when is not None else None


def _agent_action_fields(rule: Rule) -> tuple[tuple[str, str], ...]:
    """The `agent.x` and `action.x` fields a rule's conditions read (sorted)."""
    trees = ([to_tree(rule.when)] if rule.when is not None else []) + [parse(text) for text in rule.limits]
    found = {
        (node.operand.name, node.field)
        for tree in trees
        for node in tree.walk()
        if isinstance(node, Select) and isinstance(node.operand, Ident) and node.operand.name in ("agent", "action")
    }
    return tuple(sorted(found))


def _specialise(
    rule: Rule, known: Mapping[str, Mapping[str, Any]]
) -> tuple[Compiled | None, tuple[tuple[str, Compiled], ...]]:
    condition = compile_condition(to_tree(rule.when), known) if rule.when is not None else None
    limits = tuple((" ".join(text.split()), compile_condition(parse(text), known)) for text in rule.limits)
    return condition, limits


def _compile_rule(rule: Rule) -> tuple[Compiled | None, tuple[tuple[str, Compiled], ...], int]:
    depth = 0
    condition: Compiled | None = None
    if rule.when is not None:
        tree = to_tree(rule.when)
        condition = compile_condition(tree)
        depth = comprehension_depth(tree)
    limits = []
    for text in rule.limits:
        tree = parse(text)
        depth = max(depth, comprehension_depth(tree))
        limits.append((" ".join(text.split()), compile_condition(tree)))
    return condition, tuple(limits), depth


def binds(rule: Rule, agent: Agent, action_id: str) -> bool:
    """Whether `rule` binds `agent` proposing `action_id`."""
    if rule.actions and action_id not in rule.actions:
        return False
    if not rule.agents and not rule.teams:
        return True
    return agent.id in rule.agents or agent.team in rule.teams


def compile_policy(stack: Stack) -> Policy:
    """A Policy for `stack`; StackInvalidError if the stack has problems."""
    return Policy(stack)


# -- recompiling after an edit (additive: the workshop's incremental compile) -------------------------


@dataclass(frozen=True, slots=True)
class _Reuse:
    """What `recompile_policy` kept of one compile, for the next: each rule with its compiled
    condition and limits, and each cell with what it was made of, its `Cell` and its plan."""

    rules: dict[str, tuple[Rule, tuple[Compiled | None, tuple[tuple[str, Compiled], ...], int]]]
    cells: dict[tuple[str, str], tuple[tuple[Any, ...], Cell, _Plan]]


def recompile_policy(previous: Policy | None, stack: Stack) -> Policy:
    """`compile_policy(stack)`, reusing what `previous` compiled wherever its inputs are unchanged.

    For callers that recompile after every edit (the workshop). A rule's compiled condition and
    limits are reused when the rule is unchanged (the same object, or equal); a cell's rules,
    default and plan when everything the cell is made of is: the agent's id, team and kind, the
    action, its decision's owner, the default for the agent's kind, the rules binding it and
    their owners' names. Everything else is compiled as `Policy(stack)` compiles it, so the
    decisions are the same (a property test compares them after random edits). The result is an
    ordinary, immutable `Policy`; `previous` is not changed. With `previous` None (or a policy
    `compile_policy` made), everything is compiled, and kept for the next call.
    StackInvalidError if the stack has problems.
    """
    issues = validate(stack)
    if issues:
        raise StackInvalidError(
            "The stack has problems; fix them before deciding",
            [issue.unlocated() for issue in issues],
        )
    before: _Reuse | None = previous.__dict__.get("_reuse") if previous is not None else None
    policy = Policy.__new__(Policy)
    policy.stack = stack
    policy.teams = {team.id: team for team in stack.teams}
    kept_rules: dict[str, tuple[Rule, tuple[Compiled | None, tuple[tuple[str, Compiled], ...], int]]] = {}
    for rule in stack.rules:
        old = before.rules.get(rule.id) if before is not None else None
        same = old is not None and (old[0] is rule or old[0] == rule)
        kept_rules[rule.id] = (rule, old[1] if same and old is not None else _compile_rule(rule))
    compiled = {rule_id: entry for rule_id, (_, entry) in kept_rules.items()}
    policy.depth = max([depth for _, _, depth in compiled.values()] + [1])
    actions = {action.id: action for action in stack.actions}
    owners = {decision.id: decision.owner for decision in stack.decisions}
    by_id = sorted(stack.rules, key=lambda r: r.id)
    policy._by_action = {a: [r for r in by_id if not r.actions or a in r.actions] for a in actions}
    policy._made = {}
    policy.cells = {}
    kept_cells: dict[tuple[str, str], tuple[tuple[Any, ...], Cell, _Plan]] = {}
    fresh: dict[tuple[str, str], Cell] = {}
    signatures: dict[tuple[str, str], tuple[Any, ...]] = {}
    for agent in stack.agents:
        for action_id in agent.actions:
            action = actions[action_id]
            owner = owners.get(action.decision)
            bound = tuple(r for r in policy._by_action.get(action_id, ()) if binds(r, agent, action_id))
            signature = (
                agent.id,
                agent.team,
                agent.kind,
                action,
                owner,
                getattr(stack.defaults, agent.kind.value),
                bound,
                tuple(policy._team_name(rule.owner) for rule in bound),  # reasons name each rule's owner
            )
            key = (agent.id, action_id)
            old_cell = before.cells.get(key) if before is not None else None
            if old_cell is not None and old_cell[0] == signature:  # tuples compare items by identity first
                policy.cells[key] = old_cell[1]
                kept_cells[key] = old_cell
            else:
                policy.cells[key] = fresh[key] = policy._cell(agent, action, owner, compiled)
            signatures[key] = signature
    policy.agents = {agent.id: agent for agent in stack.agents}
    policy.actions = actions
    rules = {made.rule.id: made.rule for cell in fresh.values() for made in cell.rules}
    planned = _plans(fresh, rules, compiled, stack.customer.attributes)
    policy._plans = {key: kept_cells[key][2] if key in kept_cells else planned[key] for key in policy.cells}
    policy.__dict__["_reuse"] = _Reuse(  # for the next recompile only (not part of the Policy's interface)
        kept_rules,
        {key: (signatures[key], policy.cells[key], policy._plans[key]) for key in policy.cells},
    )
    return policy
