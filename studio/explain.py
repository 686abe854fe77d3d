"""Explanations: a decision in business words, and what would flip it.

`explain(policy, request)` decides the request and says, for the room: the verdict and who
reviews it (by name), every rule that fired with its owner, what it did and why (its
rationale), the limits that weren't met with the number asked for, the default when it
applied, and the smallest changes that give another verdict (`studio.flip`), each checked by
deciding the changed request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio import wording
from studio.cel.parse import CelSyntaxError, parse
from studio.decision import Decision, Effect, FiredRule, Verdict
from studio.engine import Policy
from studio.flip import Flip, flips
from studio.request import Request
from studio.stack import Stack

_EFFECT_WORDS = {
    Effect.STOP: "stops it",
    Effect.FLAG: "sends it for review",
    Effect.OVER_LIMIT: "is over its limits",
    Effect.ALLOW: "allows it",
    Effect.DUTY: "adds duties",
}


@dataclass(frozen=True, slots=True)
class RuleLine:
    """One rule that fired, in business words."""

    rule_id: str
    kind: str
    owner: str
    """The owning team's name."""
    verdict: Verdict
    """What this rule alone asks for."""
    decisive: bool
    """Whether it asks for the verdict the decision has (it is one reason the verdict is what it is)."""
    words: str
    """`Sales' rule B3-sdr-discounts is over its limits: The AI sales assistant may offer ...`."""
    details: tuple[str, ...]
    """Limits not met, with the value asked for: `discount must be at most 10% (asked: 15%)`."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """A decision, why, and what would change it."""

    request: Request
    decision: Decision
    headline: str
    """`flag → Renewal desk (Customer Success)`, `stop`, `go`."""
    rules: tuple[RuleLine, ...]
    default: str
    """Why the default applied, when it did ("" otherwise)."""
    flips: tuple[Flip, ...]
    searched: bool = True
    """Whether what would flip it was searched (False: explained with `search=False`, `flips`
    not looked for yet; explain the same request again to have them)."""

    def to_json(self) -> dict[str, Any]:
        """Data for front ends and `studio explain --json`."""
        return {
            "verdict": self.decision.verdict.value,
            "headline": self.headline,
            "decision": self.decision.to_json(),
            "rules": [
                {
                    "rule": line.rule_id,
                    "kind": line.kind,
                    "owner": line.owner,
                    "verdict": line.verdict.value,
                    "decisive": line.decisive,
                    "words": line.words,
                    "details": list(line.details),
                }
                for line in self.rules
            ],
            "default": self.default,
            "flips": [flip_json(flip) for flip in self.flips],
        }


def flip_json(flip: Flip) -> dict[str, Any]:
    """A flip as data: its verdict, words and the changes to make."""
    changes = []
    for change in flip.changes:
        data = {"change": type(change).__name__.removesuffix("Change").lower()}
        data.update({key: _plain(getattr(change, key)) for key in change.__dataclass_fields__})
        changes.append(data)
    return {"kind": flip.kind, "verdict": flip.verdict.value, "words": flip.words, "changes": changes}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def explain(policy: Policy, request: Request, *, search: bool = True) -> Explanation:
    """Decide `request` and explain the decision (with flips unless `search` is False: then it
    decides the request once, instead of a thousand times or so). Pure, so safe on any thread."""
    stack = policy.stack
    decision = policy.decide(request)
    lines = tuple(_line(stack, rule, decision, request) for rule in decision.fired)
    default = ""
    if decision.default is not None:
        default = next((r.text for r in decision.reasons if r.kind.value == "default"), "")
    found = flips(policy, request, base=decision) if search else ()
    return Explanation(request, decision, headline(stack, decision), lines, default, found, search)


def headline(stack: Stack, decision: Decision) -> str:
    """The verdict, and for a flag whom it goes to, by name."""
    if decision.verdict is Verdict.FLAG and decision.routes:
        return "flag → " + ", ".join(wording.route(stack, r) for r in decision.routes)
    return decision.verdict.value


def _line(stack: Stack, fired: FiredRule, decision: Decision, request: Request) -> RuleLine:
    owner = wording.team(stack, fired.owner)
    effect = _EFFECT_WORDS[fired.effect]
    if fired.routes and fired.effect in (Effect.FLAG, Effect.OVER_LIMIT) and fired.verdict is Verdict.FLAG:
        effect += ", to " + ", ".join(wording.route(stack, r) for r in fired.routes)
    words = f"{wording.possessive(owner)} {fired.kind} rule {fired.rule_id} {effect}: {fired.rationale}"
    details = tuple(_limit_words(text, request) for text in fired.exceeded)
    return RuleLine(fired.rule_id, fired.kind, owner, fired.verdict, fired.verdict is decision.verdict, words, details)


def _limit_words(text: str, request: Request) -> str:
    """`discount must be at most 10% (asked: 15%)` for a simple threshold, else the limit as written."""
    try:
        found = wording.comparison(parse(text))
    except CelSyntaxError:
        found = None
    if found is None or not found.subject.startswith("params."):
        return f"not met: {text}"
    asked = request.params.get(found.field)
    return f"{found.requirement()} (asked: {wording.amount(found.field, asked)})"
