"""Does a decision meet an expectation? Each difference as a `Mismatch`: what, expected, actual.

`default` is the Cerbos rule carried over: an action no may rule covers gets the stack's
default for the agent's kind, so a test expecting `default` passes only when no may rule
covered the action and the verdict is that default (a never rule's stop still shows as a stop).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from studio.decision import Decision, DefaultApplied, Effect, Obligation, Verdict
from studio.suites.model import Expectation


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One way a decision differs from what the test expected."""

    field: str
    """The expectation's key: verdict, routes, rules, includes_rules, excludes_rules, reasons or obligations."""
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.field}: expected {self.expected}, got {self.actual}"


def compare(expect: Expectation, decision: Decision, default: DefaultApplied) -> tuple[Mismatch, ...]:
    """Every difference between `decision` and `expect`; `default` is what the cell's default would be."""
    mismatches = [mismatch for mismatch in (_verdict(expect, decision, default),) if mismatch]
    if expect.routes is not None and list(decision.routes) != expect.routes:
        mismatches.append(Mismatch("routes", _listed(expect.routes), _listed(decision.routes)))
    fired = set(decision.rule_ids)
    if expect.rules is not None and fired != set(expect.rules):
        mismatches.append(Mismatch("rules", _listed(sorted(expect.rules)), _listed(sorted(fired), set(expect.rules))))
    missing = [rule for rule in expect.includes_rules if rule not in fired]
    if missing:
        mismatches.append(Mismatch("includes_rules", f"{_listed(missing)} to fire", _listed(sorted(fired))))
    unwanted = [rule for rule in expect.excludes_rules if rule in fired]
    if unwanted:
        mismatches.append(Mismatch("excludes_rules", f"{_listed(unwanted)} not to fire", "them fired"))
    texts = [reason.text.casefold() for reason in decision.reasons]
    for wanted in expect.reasons:
        if not any(wanted.casefold() in text for text in texts):
            mismatches.append(Mismatch("reasons", f"a reason mentioning {wanted!r}", "no reason mentions it"))
    if expect.obligations is not None:
        actual = obligation_words(decision.obligations)
        if actual != {" ".join(text.split()) for text in expect.obligations}:
            mismatches.append(Mismatch("obligations", _listed(sorted(expect.obligations)), _listed(sorted(actual))))
    return tuple(mismatches)


def expected_words(expect: Expectation, default: DefaultApplied) -> str:
    """The expected verdict as a reader says it: `flag → csm-renewals`, `default (stop)`."""
    if expect.verdict == "default":
        return f"default ({verdict_words(default.verdict, (default.route,) if default.route else ())})"
    return verdict_words(Verdict(expect.verdict), tuple(expect.routes or ()))


def verdict_words(verdict: Verdict, routes: Iterable[str] = ()) -> str:
    """`flag → a, b`, `go`, `stop`."""
    shown = ", ".join(routes)
    return f"{verdict.value} → {shown}" if shown else verdict.value


def obligation_words(obligations: Iterable[Obligation]) -> set[str]:
    """Obligations as tests spell them: `log`, `disclose`, `notify <team>`."""
    return {f"{o.duty} {o.to}" if o.duty == "notify" else o.duty for o in obligations}


def _verdict(expect: Expectation, decision: Decision, default: DefaultApplied) -> Mismatch | None:
    if expect.verdict != "default":
        if decision.verdict is Verdict(expect.verdict):
            return None
        return Mismatch("verdict", expect.verdict, _actual(decision))
    if decision.default is not None and decision.verdict is default.verdict:
        return None
    expected = f"default ({default.verdict.value}: no may rule covering it)"
    return Mismatch("verdict", expected, _actual(decision))


def _actual(decision: Decision) -> str:
    covering = [rule.rule_id for rule in decision.fired if rule.effect in (Effect.ALLOW, Effect.OVER_LIMIT)]
    if decision.default is not None:
        note = " (by default: no may rule covers it)"
    elif covering:
        note = f" (covered by {', '.join(covering)})"
    else:
        note = ""
    return verdict_words(decision.verdict, decision.routes) + note


def _listed(items: Iterable[str], expected: set[str] | None = None) -> str:
    shown = list(items)
    text = f"[{', '.join(shown)}]"
    if expected is not None:
        extra = [item for item in shown if item not in expected]
        gone = sorted(expected - set(shown))
        notes = [f"missing {', '.join(gone)}" if gone else "", f"unexpected {', '.join(extra)}" if extra else ""]
        text += f" ({'; '.join(note for note in notes if note)})" if any(notes) else ""
    return text
