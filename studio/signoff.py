"""Sign-off: each team's lead agrees to the current revision, and sees when that lapses.

A sign-off (`SignOff` in the stack file's `signoffs:` list) records who signed for a team,
when, the stack's revision and the fingerprint of the team's *scope*: the rules it owns or
that bind its agents, the decisions it owns, its agents and their defaults
(`studio.revision.team_scope`). A later change inside that scope makes the sign-off
*stale*: it stays in the file as the record of what was signed, but counts as cleared, and
`status` says what changed since, when the signed version is at hand (the workshop keeps
every version of the session; the CLI looks in the file's git history). A change outside
the scope leaves it signed.

`sign` and `unsign` are pure edits, applied through the workshop like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from studio import edits, wording
from studio.changes import StackChange, describe
from studio.clock import MICROS_PER_SECOND, iso, parse_instant
from studio.errors import EditError, did_you_mean
from studio.revision import revision, team_fingerprint, team_scope
from studio.stack import SignOff, Stack

SignedVersions = Callable[[str], Stack | None]
"""Finds the stack a revision names (None when it isn't at hand)."""


class SignOffState(StrEnum):
    """Where a team stands."""

    SIGNED = "signed"
    """Signed, and nothing the team signed for changed since."""
    STALE = "stale"
    """Signed, but something the team signed for changed: the sign-off is cleared."""
    MISSING = "missing"
    """Nobody signed for the team."""


@dataclass(frozen=True, slots=True)
class TeamSignOff:
    """One team's sign-off status."""

    team: str
    name: str
    lead: str
    state: SignOffState
    signoff: SignOff | None
    changes: tuple[StackChange, ...]
    """For a stale sign-off: what changed in the team's scope since (when the signed version is known)."""
    words: str

    def to_json(self) -> dict[str, Any]:
        """Data for front ends and `studio signoff --status --json`."""
        signed = self.signoff
        return {
            "team": self.team,
            "name": self.name,
            "lead": self.lead,
            "state": self.state.value,
            "signed_by": signed.name if signed else None,
            "signed_at": signed.at if signed else None,
            "revision": signed.revision if signed else None,
            "changes": [change.words for change in self.changes],
            "words": self.words,
        }


def sign(stack: Stack, team: str, name: str, at: int) -> Stack:
    """`name` signs the current revision for `team` at time `at` (replacing the team's earlier sign-off)."""
    teams = [t.id for t in stack.teams]
    if team not in teams:
        raise EditError(f"There is no team '{team}' ({did_you_mean(team, teams)})")
    if not name.strip():
        raise EditError("A sign-off needs the name of who signs")
    signoff = SignOff(
        team=team,
        name=name.strip(),
        at=iso(at - at % MICROS_PER_SECOND),
        revision=revision(stack),
        scope=team_fingerprint(stack, team),
    )
    others = [s for s in stack.signoffs if s.team != team]
    return edits.replace_signoffs(stack, [*others, signoff])


def unsign(stack: Stack, team: str) -> Stack:
    """Withdraw `team`'s sign-off."""
    if not any(s.team == team for s in stack.signoffs):
        raise EditError(f"Team '{team}' has no sign-off to withdraw")
    return edits.replace_signoffs(stack, [s for s in stack.signoffs if s.team != team])


def is_current(stack: Stack, signoff: SignOff) -> bool:
    """Whether nothing the sign-off covers changed (its scope, or without one the whole revision)."""
    if signoff.scope:
        return signoff.scope == team_fingerprint(stack, signoff.team)
    return signoff.revision == revision(stack)


def status(stack: Stack, versions: SignedVersions | None = None) -> tuple[TeamSignOff, ...]:
    """Every team's sign-off state, with what changed for stale ones when `versions` finds the signed stack."""
    latest = {s.team: s for s in stack.signoffs}
    result = []
    for team in stack.teams:
        name = team.name or team.id
        signoff = latest.get(team.id)
        if signoff is None:
            words = f"{name}: not signed" + (f" (lead: {team.lead})" if team.lead else "")
            result.append(TeamSignOff(team.id, name, team.lead, SignOffState.MISSING, None, (), words))
            continue
        when = _when(signoff.at, stack.timezone)
        if is_current(stack, signoff):
            words = f"{name}: signed by {signoff.name} on {when}"
            result.append(TeamSignOff(team.id, name, team.lead, SignOffState.SIGNED, signoff, (), words))
            continue
        signed = versions(signoff.revision) if versions is not None else None
        changes = tuple(scope_changes(signed, stack, team.id)) if signed is not None else ()
        words = f"{name}: {signoff.name}'s sign-off of {when} was cleared: "
        if changes:
            words += changes[0].words + (f" (and {len(changes) - 1} more)" if len(changes) > 1 else "")
        else:
            words += "what the team signed for has changed since"
        result.append(TeamSignOff(team.id, name, team.lead, SignOffState.STALE, signoff, changes, words))
    return tuple(result)


def _when(at: str, tz: str) -> str:
    try:
        return wording.moment(parse_instant(at, now=0, tz=tz), tz)
    except ValueError:
        return at


def scope_changes(old: Stack, new: Stack, team: str) -> list[StackChange]:
    """The changes between two stacks that touch what `team` signs for."""
    before, after = team_scope(old, team), team_scope(new, team)
    rules = {r["id"] for r in before["rules"]} | {r["id"] for r in after["rules"]}
    decisions = {d["id"] for d in before["decisions"]} | {d["id"] for d in after["decisions"]}
    agents = {a["id"] for a in before["agents"]} | {a["id"] for a in after["agents"]}
    wanted = {"rules": rules, "decisions": decisions, "agents": agents, "teams": {team}}
    return [
        change
        for change in describe(old, new)
        if (change.part in wanted and change.item in wanted[change.part])
        or (change.part == "defaults" and change.item in after["defaults"] | before["defaults"])
    ]
