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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from studio.cel.compile import Compiled, compile_condition, comprehension_depth
from studio.cel.parse import parse
from studio.condition import text_of, to_tree
from studio.decision import (
    Decision,
    DefaultApplied,
    Effect,
    FiredRule,
    Obligation,
    Reason,
    ReasonKind,
    Verdict,
    ordered,
)
from studio.errors import StackInvalidError
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
)
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
    """A compiled stack: decides any request for it. Immutable and safe to share across threads."""

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
        for agent in stack.agents:
            for action_id in agent.actions:
                action = actions[action_id]
                self.cells[(agent.id, action_id)] = self._cell(agent, action, owners.get(action.decision), compiled)
        self.agents = {agent.id: agent for agent in stack.agents}
        self.actions = actions

    def _cell(
        self,
        agent: Agent,
        action: Action,
        decision_owner: str | None,
        compiled: dict[str, tuple[Compiled | None, tuple[tuple[str, Compiled], ...], int]],
    ) -> Cell:
        rules = []
        for rule in sorted(self.stack.rules, key=lambda r: r.id):
            if binds(rule, agent, action.id):
                condition, limits, _ = compiled[rule.id]
                rules.append(self._cell_rule(rule, condition, limits, decision_owner))
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

    def decide(self, request: Request) -> Decision:
        """The verdict on one request. Pure: the same request always gets the same decision."""
        cell = self.cells.get((request.agent, request.action))
        if cell is None:
            return self._refuse(request)
        variables: dict[str, Any] = {
            "customer": request.customer,
            "params": request.params,
            "history": request.history,
            "agent": cell.agent,
            "action": cell.action,
            "now": request.at,
        }
        local: list[Any] = [None] * self.depth
        fired: list[FiredRule] = []
        reasons: list[Reason] = []
        obligations: list[Obligation] = []
        stop = False
        must_routes: list[str] = []
        allowed = False
        over_limit_routes: list[str] = []
        over_limit_stop = over_limit_flag = False
        for compiled in cell.rules:
            condition = compiled.condition
            if condition is not None and not condition(variables, local):
                continue
            rule = compiled.rule
            kind = rule.kind
            if kind is _NEVER:
                stop = True
                fired.append(_fired(compiled, Effect.STOP, Verdict.STOP))
                reasons.append(compiled.reason)  # type: ignore[arg-type]  # set for every compiled rule
                continue
            if kind is _MUST:
                obligations.extend(compiled.obligations)
                if compiled.flag_routes:
                    must_routes.extend(compiled.flag_routes)
                    fired.append(_fired(compiled, Effect.FLAG, Verdict.FLAG, compiled.flag_routes))
                else:
                    fired.append(_fired(compiled, Effect.DUTY, Verdict.GO))
                reasons.append(compiled.reason)  # type: ignore[arg-type]
                continue
            exceeded = tuple(text for text, limit in compiled.limits if not limit(variables, local))
            if not exceeded:
                allowed = True
                fired.append(_fired(compiled, Effect.ALLOW, Verdict.GO))
                reasons.append(compiled.reason)  # type: ignore[arg-type]
                continue
            outcome = Verdict.FLAG if rule.over_limit == "flag" else Verdict.STOP
            if outcome is Verdict.FLAG:
                over_limit_flag = True
                over_limit_routes.extend(compiled.flag_routes)
            else:
                over_limit_stop = True
            fired.append(_fired(compiled, Effect.OVER_LIMIT, outcome, compiled.flag_routes, exceeded))
            reasons.append(_over_limit_reason(compiled, outcome, exceeded))
        return _combine(
            cell,
            fired,
            reasons,
            obligations,
            stop,
            must_routes,
            allowed,
            over_limit_flag,
            over_limit_stop,
            over_limit_routes,
        )

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


def _combine(
    cell: Cell,
    fired: list[FiredRule],
    reasons: list[Reason],
    obligations: list[Obligation],
    stop: bool,
    must_routes: list[str],
    allowed: bool,
    over_limit_flag: bool,
    over_limit_stop: bool,
    over_limit_routes: list[str],
) -> Decision:
    default: DefaultApplied | None = None
    if allowed:
        permission = Verdict.GO
        permission_routes: list[str] = []
    elif over_limit_flag:
        permission, permission_routes = Verdict.FLAG, over_limit_routes
    elif over_limit_stop:
        permission, permission_routes = Verdict.STOP, []
    else:
        default = cell.default
        permission = default.verdict
        permission_routes = [default.route] if default.route else []
        reasons.append(cell.default_reason)
    if stop or permission is Verdict.STOP:
        verdict = Verdict.STOP
    elif must_routes or permission is Verdict.FLAG:
        verdict = Verdict.FLAG
    else:
        verdict = Verdict.GO
    routes = tuple(dict.fromkeys(must_routes + permission_routes)) if verdict is Verdict.FLAG else ()
    return Decision(verdict, routes, tuple(obligations), tuple(fired), default, reasons=ordered(reasons, verdict))


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
