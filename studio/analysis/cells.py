"""The stack as the analysis walks it: (agent, action) cells and the rules that bind each.

The engine decides a request in its cell (`studio.engine`): the rules binding the agent and
action, the decision's owner (for `owner` routes) and the default for the agent's kind. This
module lays a stack out the same way, with plain data the checks can loop over cheaply on
every edit; the formulas live in `formulas.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from studio.decision import Verdict
from studio.stack import Action, Agent, AgentKind, CustomerDecision, FlagDuty, Rule, RuleKind, Stack, Team
from studio.validate import OWNER

CellKey = tuple[str, str]
"""(agent id, action id)."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One agent proposing one action it declares, with everything the verdict depends on."""

    agent: Agent
    action: Action
    owner: str | None
    """The team owning the action's decision (None: nobody does)."""
    rules: tuple[Rule, ...]
    """The rules binding the cell, by id."""
    default: Verdict
    default_route: str
    """Where a default flag goes: the decision's owner, else the agent's own team."""
    agent_values: Mapping[str, str] = field(compare=False)
    action_values: Mapping[str, str] = field(compare=False)
    context: tuple[str, ...] = field(default=(), compare=False)
    """The agent's and action's values, as one key (what a rule's formulas in the cell depend on)."""

    @property
    def key(self) -> CellKey:
        return (self.agent.id, self.action.id)

    def of_kind(self, kind: RuleKind) -> tuple[Rule, ...]:
        """The binding rules of one kind."""
        return tuple(rule for rule in self.rules if rule.kind is kind)

    def resolve(self, rule: Rule, target: str) -> str:
        """A route or duty target as the engine resolves it (`owner`: the decision's owner, else the rule's)."""
        return (self.owner or rule.owner) if target == OWNER else target


def _binds_agent(rule: Rule, agent: Agent) -> bool:
    if not rule.agents and not rule.teams:
        return True
    return agent.id in rule.agents or agent.team in rule.teams


def flag_targets(rule: Rule) -> tuple[str, ...]:
    """Where a rule sends flags: a must rule's flag duties, a may rule's over-limit route."""
    if rule.kind is RuleKind.MUST:
        return tuple(dict.fromkeys(duty.to for duty in rule.duties if isinstance(duty, FlagDuty)))
    if rule.kind is RuleKind.MAY and rule.over_limit == "flag" and rule.limits:
        return (rule.route,)
    return ()


_LAYOUTS: dict[int, tuple[Stack, Layout]] = {}


class Layout:
    """A stack's cells (in file order: agents, then each agent's actions) and lookups."""

    @staticmethod
    def of(stack: Stack) -> Layout:
        """The layout of a stack (remembered for the last few stacks: laying out is not free)."""
        found = _LAYOUTS.get(id(stack))
        if found is None or found[0] is not stack:
            if len(_LAYOUTS) > 8:
                _LAYOUTS.clear()
            found = (stack, Layout(stack))
            _LAYOUTS[id(stack)] = found
        return found[1]

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.teams: dict[str, Team] = {team.id: team for team in stack.teams}
        self.agents: dict[str, Agent] = {agent.id: agent for agent in stack.agents}
        self.actions: dict[str, Action] = {action.id: action for action in stack.actions}
        self.decisions: dict[str, CustomerDecision] = {decision.id: decision for decision in stack.decisions}
        self.rules: dict[str, Rule] = {rule.id: rule for rule in stack.rules}
        ordered = sorted(stack.rules, key=lambda rule: rule.id)
        by_action: dict[str, list[Rule]] = {action.id: [] for action in stack.actions}
        for rule in ordered:  # the same test as `studio.engine.binds`, indexed by action
            for action_id in dict.fromkeys(rule.actions) if rule.actions else list(by_action):
                if action_id in by_action:
                    by_action[action_id].append(rule)
        self.cells: list[Cell] = []
        for agent in stack.agents:
            for action_id in agent.actions:
                action = self.actions.get(action_id)
                if action is not None:
                    rules = [rule for rule in by_action[action_id] if _binds_agent(rule, agent)]
                    self.cells.append(self._cell(agent, action, rules))
        self.by_key: dict[CellKey, Cell] = {cell.key: cell for cell in self.cells}
        self.rule_cells: dict[str, list[Cell]] = {rule.id: [] for rule in stack.rules}
        for cell in self.cells:
            for rule in cell.rules:
                self.rule_cells[rule.id].append(cell)

    def _cell(self, agent: Agent, action: Action, rules: list[Rule]) -> Cell:
        decision = self.decisions.get(action.decision)
        owner = decision.owner if decision is not None else None
        default = Verdict(getattr(self.stack.defaults, agent.kind.value))
        route = (owner or agent.team) if default is Verdict.FLAG else ""
        return Cell(
            agent,
            action,
            owner,
            tuple(rules),
            default,
            route,
            {"id": agent.id, "team": agent.team, "kind": agent.kind.value},
            {
                "id": action.id,
                "decision": action.decision,
                "channel": action.channel or "",
                "purpose": action.purpose or "",
            },
            (
                agent.id,
                agent.team,
                agent.kind.value,
                action.id,
                action.decision,
                action.channel or "",
                action.purpose or "",
            ),
        )

    def team_of(self, target: str) -> str:
        """The team behind a route target: a team itself, or a human queue's team."""
        if target in self.teams:
            return target
        agent = self.agents.get(target)
        if agent is not None and agent.kind is AgentKind.HUMAN_QUEUE:
            return agent.team
        return target

    def team_name(self, team_id: str) -> str:
        """A team's name, or its id."""
        team = self.teams.get(team_id)
        return (team.name or team.id) if team is not None else team_id
