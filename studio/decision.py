"""What the engine answers: a verdict with everything behind it.

Plain frozen dataclasses rather than pydantic models: one is built per decision on the hot
path. `to_json()` gives the documented JSON shape (`docs/semantics.md`), the same one the
exported bundle's schema, the Rego policy and the decision service produce.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """go: the action may proceed; flag: a named human reviews it first; stop: it must not happen."""

    GO = "go"
    FLAG = "flag"
    STOP = "stop"

    @property
    def severity(self) -> int:
        """stop > flag > go."""
        return _SEVERITY[self]

    @property
    def symbol(self) -> str:
        """A mark readable without colour: ✔ go, ⚑ flag, ✖ stop."""
        return _SYMBOLS[self]


_SEVERITY = {Verdict.GO: 0, Verdict.FLAG: 1, Verdict.STOP: 2}
_SYMBOLS = {Verdict.GO: "✔", Verdict.FLAG: "⚑", Verdict.STOP: "✖"}


class Effect(StrEnum):
    """What a fired rule did to the decision."""

    ALLOW = "allow"
    """A may rule held and the action is within its limits."""
    OVER_LIMIT = "over_limit"
    """A may rule held but a limit was exceeded: flag or stop, as the rule says."""
    FLAG = "flag"
    """A must rule's flag duty."""
    DUTY = "duty"
    """A must rule's other duties (notify, log, disclose): obligations only."""
    STOP = "stop"
    """A never rule."""


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule whose condition held for this request."""

    rule_id: str
    kind: str
    owner: str
    effect: Effect
    verdict: Verdict
    """The verdict this rule alone asks for."""
    rationale: str
    condition: str
    """The condition that held, as written."""
    routes: tuple[str, ...] = ()
    exceeded: tuple[str, ...] = ()
    """For over-limit: the limits that weren't met."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule_id,
            "kind": self.kind,
            "owner": self.owner,
            "effect": self.effect.value,
            "verdict": self.verdict.value,
            "rationale": self.rationale,
            "condition": self.condition,
        }
        if self.routes:
            data["routes"] = list(self.routes)
        if self.exceeded:
            data["exceeded"] = list(self.exceeded)
        return data


@dataclass(frozen=True, slots=True)
class Obligation:
    """A duty the enforcing service performs: notify a team, log, attach a disclosure."""

    duty: str
    rule_id: str
    to: str = ""
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"duty": self.duty, "rule": self.rule_id}
        if self.to:
            data["to"] = self.to
        if self.text:
            data["text"] = self.text
        return data


@dataclass(frozen=True, slots=True)
class DefaultApplied:
    """No may rule covered the action, so the stack's default for the agent's kind applied."""

    verdict: Verdict
    agent_kind: str
    route: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"verdict": self.verdict.value, "agent_kind": self.agent_kind}
        if self.route:
            data["route"] = self.route
        return data


class ReasonKind(StrEnum):
    """Why a reason is there; reasons are listed stop first, then flag, duties, permissions."""

    REFUSAL = "refusal"
    STOP = "stop"
    FLAG = "flag"
    DUTY = "duty"
    ALLOW = "allow"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Reason:
    """One line of the decision in plain words."""

    kind: ReasonKind
    verdict: Verdict
    """The verdict this reason asks for."""
    text: str
    rule_id: str = ""
    when_stopped: str = field(default="", compare=False)
    """For a flag: how to say it when the action is stopped anyway (no one needs to review it)."""


_KIND_ORDER = (
    ReasonKind.REFUSAL,
    ReasonKind.STOP,
    ReasonKind.FLAG,
    ReasonKind.DUTY,
    ReasonKind.ALLOW,
    ReasonKind.DEFAULT,
)
REASON_RANK: dict[tuple[ReasonKind, Verdict], int] = {
    (kind, verdict): (2 - verdict.severity) * len(_KIND_ORDER) + _KIND_ORDER.index(kind)
    for kind in ReasonKind
    for verdict in Verdict
}
"""Reading order of reasons: what asks for the most severe verdict first, then by kind
(stop, flag, duties, permissions, the default). Sorting by it is stable, so rule ids stay in order."""


def worded(reason: Reason, verdict: Verdict) -> Reason:
    """The reason as the decision says it: a flag in a stopped decision no longer matters."""
    if verdict is Verdict.STOP and reason.when_stopped:
        return Reason(reason.kind, reason.verdict, reason.when_stopped, reason.rule_id)
    return reason


def ordered(reasons: list[Reason], verdict: Verdict) -> tuple[Reason, ...]:
    """Reasons in reading order (`REASON_RANK`), worded for a decision with this verdict."""
    ranked = sorted(reasons, key=lambda reason: REASON_RANK[(reason.kind, reason.verdict)])
    return tuple(worded(reason, verdict) for reason in ranked)


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict on one proposed action, and everything that led to it."""

    verdict: Verdict
    routes: tuple[str, ...] = ()
    """Whom a flag goes to (teams or human queues); empty unless the verdict is flag."""
    obligations: tuple[Obligation, ...] = ()
    fired: tuple[FiredRule, ...] = ()
    """Every rule whose condition held, ordered by rule id."""
    default: DefaultApplied | None = None
    refusal: str = ""
    """Set when the request itself is refused (unknown agent or action, an action the agent
    doesn't declare): the verdict is stop and this says why."""
    reasons: tuple[Reason, ...] = field(default=(), compare=False)
    """The decision in plain words, the decisive reasons first."""

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Ids of the rules that fired."""
        return tuple(rule.rule_id for rule in self.fired)

    @property
    def decisive_reasons(self) -> tuple[Reason, ...]:
        """The reasons that ask for the verdict given (why it is a stop, a flag or a go)."""
        return tuple(reason for reason in self.reasons if reason.verdict is self.verdict)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of a decision."""
        data: dict[str, Any] = {
            "verdict": self.verdict.value,
            "routes": list(self.routes),
            "obligations": [obligation.to_json() for obligation in self.obligations],
            "fired": [rule.to_json() for rule in self.fired],
            "default": self.default.to_json() if self.default else None,
            "reasons": [reason.text for reason in self.reasons],
        }
        if self.refusal:
            data["refusal"] = self.refusal
        return data


_new_object = object.__new__
_DECIDED_FIELDS = ("verdict", "routes", "obligations", "fired", "default", "refusal", "reasons")
if tuple(sorted(f.name for f in fields(Decision))) != tuple(sorted(_DECIDED_FIELDS)):  # `decided` sets every field
    raise RuntimeError("Decision's fields changed: update studio.decision.decided")
_SET_VERDICT, _SET_ROUTES, _SET_OBLIGATIONS, _SET_FIRED, _SET_DEFAULT, _SET_REFUSAL, _SET_REASONS = (
    Decision.__dict__[name].__set__  # the slots' own setters (frozen only blocks `decision.x = ...`)
    for name in _DECIDED_FIELDS
)


def decided(
    verdict: Verdict,
    routes: tuple[str, ...],
    obligations: tuple[Obligation, ...],
    fired: tuple[FiredRule, ...],
    default: DefaultApplied | None,
    reasons: tuple[Reason, ...],
) -> Decision:
    """`Decision(verdict, routes, obligations, fired, default, reasons=reasons)`, for the engine's
    hot path: a frozen dataclass's `__init__` goes through `object.__setattr__` field by field,
    which cost about a tenth of a decision on a large stack; setting the slots directly gives the
    same object in half the time."""
    decision: Decision = _new_object(Decision)
    _SET_VERDICT(decision, verdict)
    _SET_ROUTES(decision, routes)
    _SET_OBLIGATIONS(decision, obligations)
    _SET_FIRED(decision, fired)
    _SET_DEFAULT(decision, default)
    _SET_REFUSAL(decision, "")
    _SET_REASONS(decision, reasons)
    return decision
