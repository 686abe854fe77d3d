"""What the analysis finds: codes, severities, findings and their witnesses.

UIs and tests key on `Finding.code` (stable, dotted) and on `rules` / `cells`, never on the
prose. Every finding about something that *happens* carries a witness: a concrete request
(customer, history, parameters, time) on which the engine itself was run and did what the
finding says. Findings about something that can *never* happen (a rule that can't fire)
carry `evidence` instead, since no request can show an absence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from studio.decision import Decision
from studio.request import Request
from studio.stack import Stack


class Severity(StrEnum):
    """error: the policy doesn't do what its text says (the CLI exits 1); warning: the room
    must answer a question; info: worth knowing."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for errors, 1 for warnings, 2 for infos (sort order)."""
        return _RANK[self]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True)
class Code:
    """A kind of finding."""

    code: str
    severity: Severity
    """The usual severity (some findings are milder, e.g. between rules of one team)."""
    summary: str


CODES: dict[str, Code] = {
    code.code: code
    for code in (
        Code(
            "conflict.must-never",
            Severity.WARNING,
            "A must rule and a never rule apply to the same request: the stop wins and the duty is moot.",
        ),
        Code(
            "shadowed.may-by-never",
            Severity.ERROR,
            "A may rule never takes effect: never rules stop every request it covers.",
        ),
        Code("unsatisfiable.rule", Severity.ERROR, "A rule's condition can never hold under the stack's schema."),
        Code(
            "unsatisfiable.limits",
            Severity.WARNING,
            "A may rule's limits can never be met: it never lets the action go.",
        ),
        Code(
            "unbound.rule",
            Severity.ERROR,
            "A rule binds no (agent, action) cell: no agent it names proposes an action it covers.",
        ),
        Code(
            "overlap.may-limits",
            Severity.WARNING,
            "Two may rules cover the same request with different limits: the laxer one decides.",
        ),
        Code("overlap.may-duplicate", Severity.INFO, "Two may rules cover the same requests with the same effect."),
        Code(
            "gap.action-no-agent-may",
            Severity.WARNING,
            "No agent may take the action on its own: it is always left to the default.",
        ),
        Code("gap.action-no-agent", Severity.INFO, "No agent proposes the action."),
        Code(
            "gap.cell-default",
            Severity.INFO,
            "An (agent, action) cell no may rule covers: every proposal gets the default.",
        ),
        Code("ownership.unowned-decision", Severity.WARNING, "A customer decision has no owning team."),
        Code(
            "ownership.contested",
            Severity.WARNING,
            "Agents of several teams act on one customer decision on their own, with no rule saying who leads.",
        ),
        Code("route.not-owner", Severity.WARNING, "Flags go to a team that doesn't own the decision."),
    )
}
"""Every finding code, with its usual severity and what it means."""


@dataclass(frozen=True, slots=True)
class WitnessStep:
    """An earlier request of a witness (what happened first), with the engine's decision."""

    label: str
    request: Request
    decision: Decision


Shown = tuple[Request, Decision, tuple[WitnessStep, ...]]


class Witness:
    """A concrete request on which the finding happens, and the engine's decision on it.

    The engine confirmed the finding on a request when the analysis ran; making that request
    readable (tidying, see witness.py) is done the first time the witness is looked at, so an
    analysis of hundreds of findings doesn't tidy witnesses nobody opens.
    """

    __slots__ = ("_make", "_shown", "compared", "confirmed")

    def __init__(
        self,
        request: Request | None = None,
        decision: Decision | None = None,
        earlier: tuple[WitnessStep, ...] = (),
        compared: Decision | None = None,
        *,
        make: Callable[[], Shown] | None = None,
        confirmed: tuple[Request, ...] = (),
    ) -> None:
        self._shown: Shown | None = None
        if request is not None and decision is not None:
            self._shown = (request, decision, earlier)
        self._make = make
        self.compared = compared
        """For version comparisons: the other version's decision on the same request."""
        self.confirmed = confirmed or ((*(step.request for step in earlier), request) if request is not None else ())
        """The requests as the engine confirmed them (before tidying): cheap to check again."""

    def _get(self) -> Shown:
        if self._shown is None:
            assert self._make is not None
            self._shown = self._make()
        return self._shown

    @property
    def request(self) -> Request:
        """The request (customer, history, parameters, time)."""
        return self._get()[0]

    @property
    def decision(self) -> Decision:
        """The engine's decision on it."""
        return self._get()[1]

    @property
    def earlier(self) -> tuple[WitnessStep, ...]:
        """Requests decided before this one (their actions went ahead and are in its history)."""
        return self._get()[2]

    def to_json(self, stack: Stack) -> dict[str, Any]:
        """The request (documented request JSON, replayable with `studio decide --request`) and decisions."""
        data: dict[str, Any] = {"request": self.request.to_json(stack), "decision": self.decision.to_json()}
        if self.earlier:
            data["earlier"] = [
                {"label": step.label, "request": step.request.to_json(stack), "decision": step.decision.to_json()}
                for step in self.earlier
            ]
        if self.compared is not None:
            data["compared"] = self.compared.to_json()
        return data


_KEYED_WITHOUT_RULES = frozenset({"ownership.contested"})
"""Codes whose findings are identified by decision and cells alone (see `Finding.key`)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the room should know or decide, with the rules and teams involved."""

    code: str
    severity: Severity
    title: str
    """One line: what is the case."""
    question: str
    """The question for the room, in plain words."""
    rules: tuple[str, ...] = ()
    """Rule ids involved (UIs jump to them; the CLI shows their file:line)."""
    teams: tuple[str, ...] = ()
    """Team ids involved: rule owners, decision owners, acting teams."""
    cells: tuple[tuple[str, str], ...] = ()
    """(agent, action) cells where it happens."""
    decision: str = ""
    """The customer decision concerned, when there is one."""
    witness: Witness | None = field(default=None, compare=False)
    evidence: str = ""
    """Why, when no request can show it (e.g. the parts of a condition that contradict each other)."""
    bounded: bool = False
    """The claim "no request does X" was checked for histories up to the analysis's bound only."""

    @property
    def key(self) -> str:
        """A stable identity across runs and edits: code, rules and cells (not the prose). A
        contested decision is the decision and the cells acting on it: the rules its witness
        happened to fire are left out, as another witness (after an edit, say) may fire others."""
        cells = ",".join(f"{agent}/{action}" for agent, action in self.cells)
        rules = "" if self.code in _KEYED_WITHOUT_RULES else ",".join(self.rules)
        return f"{self.code}|{rules}|{self.decision}|{cells}"

    def to_json(self, stack: Stack) -> dict[str, Any]:
        """The finding's JSON shape (docs/analysis.md)."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "key": self.key,
            "title": self.title,
            "question": self.question,
            "rules": list(self.rules),
            "teams": list(self.teams),
            "cells": [{"agent": agent, "action": action} for agent, action in self.cells],
            "decision": self.decision or None,
            "witness": self.witness.to_json(stack) if self.witness is not None else None,
            "evidence": self.evidence or None,
            "bounded": self.bounded,
        }


def ordered(findings: list[Finding]) -> tuple[Finding, ...]:
    """Errors first, then warnings, then infos; within a severity by code, then rules."""
    return tuple(sorted(findings, key=lambda f: (f.severity.rank, f.code, f.rules, f.decision, f.cells)))
