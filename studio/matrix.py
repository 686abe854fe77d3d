"""The rule matrix: agents as rows, MAY / MUST / NEVER as columns, each cell the rules that bind.

The studios show a stack's rules the way a room reads them: for each agent (AI agent,
automation or human queue, with the tool it runs in), which MAY rules let it act, which MUST
rules apply to it and which NEVER rules stop it. A rule binds an agent when it binds the agent
proposing at least one of its actions (`engine.binds`); a rule binding no agent of the stack
is listed on a row of its own so it can still be found and fixed. `gist` says a rule in one
short line for the matrix's cells and lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from studio import wording
from studio.cel.parse import CelSyntaxError, parse
from studio.condition import text_of
from studio.engine import binds
from studio.stack import Agent, FlagDuty, NotifyDuty, Rule, RuleKind, Stack

UNBOUND = ""
"""The `agent` of the row listing rules that bind no agent."""


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One agent's rules, by kind."""

    agent: str
    """The agent's id (`UNBOUND` for the row of rules binding no agent)."""
    label: str
    """For people: `AI SDR (Outreach)`, or `no agent` for the unbound row."""
    team: str
    kind: str
    """`ai_agent`, `automation` or `human_queue` ("" for the unbound row)."""
    rules: Mapping[RuleKind, tuple[str, ...]]
    """Rule ids binding the agent, by kind, in the file's order."""
    actions: tuple[str, ...] = ()
    """The actions the agent proposes (none for a human queue that only reviews)."""

    def count(self) -> int:
        """How many rules bind the agent."""
        return sum(len(ids) for ids in self.rules.values())


def rule_matrix(stack: Stack) -> tuple[MatrixRow, ...]:
    """Every agent's row, in the file's order, then the unbound rules' row when there are any."""
    rows = [_row(stack, agent) for agent in stack.agents]
    bound = {rule_id for row in rows for ids in row.rules.values() for rule_id in ids}
    unbound = [rule for rule in stack.rules if rule.id not in bound]
    if unbound:
        rows.append(MatrixRow(UNBOUND, "no agent", "", "", _by_kind(unbound)))
    return tuple(rows)


def rules_binding(stack: Stack, agent: Agent) -> list[Rule]:
    """The rules binding `agent` proposing any of its actions, in the file's order."""
    return [rule for rule in stack.rules if any(binds(rule, agent, action) for action in agent.actions)]


def short_names(stack: Stack) -> dict[str, str]:
    """A short name for each rule, for cells with little room: the part of its id before the first
    `-` when no other rule's id starts the same way (`B3-sdr-discounts` -> `B3`), else the id."""
    heads: dict[str, list[str]] = {}
    for rule in stack.rules:
        heads.setdefault(rule.id.split("-", 1)[0], []).append(rule.id)
    return {
        rule.id: head if len(heads[head]) == 1 and head != rule.id else rule.id
        for rule in stack.rules
        for head in [rule.id.split("-", 1)[0]]
    }


def rules_for_cell(stack: Stack, agent_id: str, action_id: str) -> list[str]:
    """The ids of the rules binding `agent_id` proposing `action_id` (none for an unknown agent)."""
    agent = next((a for a in stack.agents if a.id == agent_id), None)
    if agent is None:
        return []
    return [rule.id for rule in stack.rules if binds(rule, agent, action_id)]


def _row(stack: Stack, agent: Agent) -> MatrixRow:
    name = agent.name or agent.id
    label = f"{name} ({agent.tool})" if agent.tool else name
    return MatrixRow(
        agent.id, label, agent.team, agent.kind.value, _by_kind(rules_binding(stack, agent)), tuple(agent.actions)
    )


def _by_kind(rules: list[Rule]) -> Mapping[RuleKind, tuple[str, ...]]:
    return MappingProxyType({kind: tuple(rule.id for rule in rules if rule.kind is kind) for kind in RuleKind})


def gist(stack: Stack, rule: Rule) -> str:
    """A rule in one short line: what it covers, when, and what it does.

    `offer_discount · when !customer.cancellation_notice · discount at most 10%, ACV impact at
    most $20,000, else flag → Deal desk (Sales)`."""
    parts = [", ".join(rule.actions) if rule.actions else "every action"]
    if rule.when is not None:
        parts.append(f"when {text_of(rule.when)}")
    if rule.kind is RuleKind.MAY:
        parts.append(_permission(stack, rule))
    elif rule.kind is RuleKind.MUST:
        parts.append(", ".join(_duty(stack, duty) for duty in rule.duties) or "no duties")
    else:
        parts.append("stop")
    return " · ".join(parts)


def _permission(stack: Stack, rule: Rule) -> str:
    if not rule.limits:
        return "go"
    limits = ", ".join(_limit(text) for text in rule.limits)
    beyond = "stop" if rule.over_limit == "stop" else f"flag → {_target(stack, rule.route)}"
    return f"go within {limits}, else {beyond}"


def _limit(text: str) -> str:
    try:
        found = wording.comparison(parse(text))
    except CelSyntaxError:
        found = None
    return found.words() if found is not None else " ".join(text.split())


def _duty(stack: Stack, duty: object) -> str:
    if isinstance(duty, FlagDuty | NotifyDuty):
        return f"{duty.do} → {_target(stack, duty.to)}"
    text = getattr(duty, "text", "")
    kind = str(getattr(duty, "do", "duty"))
    return f"{kind} “{text}”" if text else kind


def _target(stack: Stack, target: str) -> str:
    return "the decision's owner" if target == "owner" else wording.route(stack, target)
