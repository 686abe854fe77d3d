"""The operating rules for people: per agent, what it may do alone (and its limits), what it
must do, and what it must never do, with owners and rationale.

`rulebook(policy)` gathers this once from the compiled stack (so routes are resolved exactly as
decisions resolve them); `rules_markdown.py` and `rules_html.py` only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.condition import text_of
from studio.engine import Policy, binds
from studio.stack import AgentKind, DiscloseDuty, FlagDuty, LogDuty, NotifyDuty, Rule, RuleKind, Stack

KIND_WORDS = {
    AgentKind.AI_AGENT: "AI agent",
    AgentKind.AUTOMATION: "automation",
    AgentKind.HUMAN_QUEUE: "human review queue",
}


@dataclass(frozen=True, slots=True)
class RuleLine:
    """One rule as it reads in an agent's section."""

    rule_id: str
    kind: RuleKind
    owner: str
    """The owning team's name."""
    actions: tuple[str, ...]
    """The agent's actions it covers (names), or empty when it covers all of them."""
    condition: str
    """The condition as written, or `always`."""
    limits: tuple[str, ...]
    beyond: str
    """May rules with limits: what happens beyond them, in words."""
    duties: tuple[str, ...]
    """Must rules: what applies, in words."""
    rationale: str


@dataclass(frozen=True, slots=True)
class AgentSection:
    """Everything one agent or tool is bound by."""

    id: str
    name: str
    kind: str
    team: str
    tool: str
    description: str
    actions: tuple[str, ...]
    may: tuple[RuleLine, ...]
    must: tuple[RuleLine, ...]
    never: tuple[RuleLine, ...]
    otherwise: str
    """What happens to an action no may rule covers."""
    reviews: tuple[str, ...]
    """Human queues: the rules that route flags to it."""


@dataclass(frozen=True, slots=True)
class Ownership:
    """A customer decision and the team that owns it."""

    decision: str
    owner: str


@dataclass(frozen=True, slots=True)
class Rulebook:
    """The operating rules of a stack, for people."""

    name: str
    description: str
    stack_revision: str
    signoffs: tuple[tuple[str, str, str, bool], ...]
    """(team, who, when, signed this revision)."""
    teams: tuple[tuple[str, str], ...]
    """(team name, lead)."""
    ownership: tuple[Ownership, ...]
    agents: tuple[AgentSection, ...]


class _Names:
    def __init__(self, stack: Stack) -> None:
        self.teams = {team.id: team.name or team.id for team in stack.teams}
        self.agents = {agent.id: agent.name or agent.id for agent in stack.agents}
        self.actions = {action.id: action.name or action.id for action in stack.actions}
        self.decisions = {decision.id: decision.name or decision.id for decision in stack.decisions}

    def target(self, target: str) -> str:
        """A team or human queue by name."""
        return self.teams.get(target) or self.agents.get(target) or target


def rulebook(policy: Policy, *, stack_revision: str) -> Rulebook:
    """The operating rules of a compiled stack."""
    stack = policy.stack
    names = _Names(stack)
    signoffs = tuple(
        (names.teams.get(s.team, s.team), s.name, s.at, s.revision == stack_revision) for s in stack.signoffs
    )
    teams = tuple((team.name or team.id, team.lead) for team in stack.teams)
    ownership = tuple(
        Ownership(
            decision.name or decision.id,
            names.teams.get(decision.owner, "no owner yet") if decision.owner else "no owner yet",
        )
        for decision in stack.decisions
    )
    sections = tuple(_section(policy, agent.id, names) for agent in stack.agents)
    return Rulebook(stack.name, stack.description, stack_revision, signoffs, teams, ownership, sections)


def _section(policy: Policy, agent_id: str, names: _Names) -> AgentSection:
    stack = policy.stack
    agent = policy.agents[agent_id]
    lines: dict[RuleKind, list[RuleLine]] = {RuleKind.MAY: [], RuleKind.MUST: [], RuleKind.NEVER: []}
    for rule in sorted(stack.rules, key=lambda r: r.id):
        covered = [action for action in agent.actions if binds(rule, agent, action)]
        if covered:
            lines[rule.kind].append(_line(policy, rule, agent_id, covered, names))
    default = getattr(stack.defaults, agent.kind.value)
    kind = KIND_WORDS[agent.kind]
    if not agent.actions:
        otherwise = ""
    elif default == "flag":
        otherwise = (
            f"Anything no may rule covers is flagged to the owner of the customer decision (default for an {kind})."
        )
    else:
        otherwise = f"Anything no may rule covers is stopped (default for an {kind})."
    reviews = tuple(
        f"{rule.id} ({names.teams.get(rule.owner, rule.owner)})"
        for rule in sorted(stack.rules, key=lambda r: r.id)
        if agent.kind is AgentKind.HUMAN_QUEUE and _routes_to(rule, agent_id)
    )
    return AgentSection(
        agent.id,
        agent.name or agent.id,
        kind,
        names.teams.get(agent.team, agent.team),
        agent.tool,
        agent.description,
        tuple(names.actions.get(action, action) for action in agent.actions),
        tuple(lines[RuleKind.MAY]),
        tuple(lines[RuleKind.MUST]),
        tuple(lines[RuleKind.NEVER]),
        otherwise,
        reviews,
    )


def _routes_to(rule: Rule, target: str) -> bool:
    if rule.kind is RuleKind.MAY and rule.limits and rule.over_limit == "flag" and rule.route == target:
        return True
    return any(isinstance(duty, FlagDuty) and duty.to == target for duty in rule.duties)


def _line(policy: Policy, rule: Rule, agent_id: str, covered: list[str], names: _Names) -> RuleLine:
    agent = policy.agents[agent_id]
    everything = set(covered) == set(agent.actions) and not rule.actions
    actions = () if everything else tuple(names.actions.get(action, action) for action in covered)
    routes: list[str] = []
    notified: list[str] = []
    for action in covered:
        cell = policy.cell(agent_id, action)
        assert cell is not None
        compiled = next(item for item in cell.rules if item.rule.id == rule.id)
        routes.extend(route for route in compiled.flag_routes if route not in routes)
        notified.extend(o.to for o in compiled.obligations if o.duty == "notify" and o.to not in notified)
    to = ", ".join(names.target(route) for route in routes)
    beyond = ""
    if rule.kind is RuleKind.MAY and rule.limits:
        beyond = f"beyond them: flagged to {to}" if rule.over_limit == "flag" else "beyond them: stopped"
    duties: list[str] = []
    for duty in rule.duties:
        if isinstance(duty, FlagDuty):
            duties.append(f"flag to {to} for review first")
        elif isinstance(duty, NotifyDuty):
            target = names.target(duty.to) if duty.to != "owner" else ", ".join(names.target(t) for t in notified)
            duties.append(f"notify {target}")
        elif isinstance(duty, LogDuty):
            duties.append("log the action and this rule")
        elif isinstance(duty, DiscloseDuty):
            duties.append(f'attach the disclosure "{duty.text}"')
    return RuleLine(
        rule.id,
        rule.kind,
        names.teams.get(rule.owner, rule.owner),
        actions,
        text_of(rule.when),
        tuple(" ".join(limit.split()) for limit in rule.limits),
        beyond,
        tuple(duties),
        rule.rationale,
    )
