"""Revisions: a digest of what a stack says, so sign-offs and bundles name exactly what was agreed.

The revision covers the stack's content, not its formatting: reordering keys, changing
comments or quoting keeps the revision; changing any rule, name or sample changes it. Sign-offs
are left out (signing must not change what was signed), and so is anything about layout.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from studio.stack import AgentKind, Stack


def canonical_json(data: Any) -> str:
    """JSON with sorted keys, no spaces and UTF-8 text: the same data always gives the same bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content(stack: Stack) -> dict[str, Any]:
    """The stack as plain data, without sign-offs."""
    return stack.model_dump(mode="json", exclude={"signoffs"})


def revision(stack: Stack) -> str:
    """`sha256:<hex>` of the stack's canonical content."""
    return "sha256:" + hashlib.sha256(canonical_json(content(stack)).encode("utf-8")).hexdigest()


def team_scope(stack: Stack, team: str) -> dict[str, Any]:
    """What a team signs for: the rules it owns or that bind its agents, the decisions it owns,
    and its agents. A change here clears the team's sign-off; a change elsewhere doesn't."""
    agents = [agent for agent in stack.agents if agent.team == team]
    agent_ids = {agent.id for agent in agents}
    rules = [
        rule
        for rule in stack.rules
        if rule.owner == team or team in rule.teams or agent_ids & set(rule.agents) or _binds_everyone(rule, agents)
    ]
    return {
        "team": next((t.model_dump(mode="json") for t in stack.teams if t.id == team), None),
        "decisions": [d.model_dump(mode="json") for d in stack.decisions if d.owner == team],
        "agents": [agent.model_dump(mode="json") for agent in agents],
        "rules": [rule.model_dump(mode="json") for rule in rules],
        "defaults": {
            kind.value: getattr(stack.defaults, kind.value) for kind in AgentKind if any(a.kind is kind for a in agents)
        },
    }


def _binds_everyone(rule: Any, agents: list[Any]) -> bool:
    return bool(agents) and not rule.agents and not rule.teams


def team_fingerprint(stack: Stack, team: str) -> str:
    """A digest of `team_scope`: equal fingerprints mean nothing the team signed for changed."""
    return "sha256:" + hashlib.sha256(canonical_json(team_scope(stack, team)).encode("utf-8")).hexdigest()
