"""A finding's witness in a few plain lines, and where its rules sit in the file.

Shared by the CLI and the studios: the request that shows the finding, reduced to what the
involved rules read (the attributes and parameters their conditions mention, the history
events), and the engine's verdict with the rules that fired.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from studio.analysis.findings import Finding, Witness
from studio.analysis.formulas import rule_trees
from studio.cel.ast import Ident, Select
from studio.clock import iso
from studio.decision import Decision
from studio.document import StackDocument
from studio.errors import Issue
from studio.request import Request
from studio.stack import Rule, Stack
from studio.wording import amount, duration

MAX_EVENTS = 4


def rule_locations(document: StackDocument) -> dict[str, str]:
    """Rule id -> `file:line` of the rule in the document it was loaded from."""
    issues = [Issue(("rules", index), "") for index in range(len(document.stack.rules))]
    located = document.problems(issues)
    return {rule.id: problem.location() for rule, problem in zip(document.stack.rules, located, strict=True)}


def read_fields(rules: Iterable[Rule]) -> tuple[set[str], set[str]]:
    """The customer attributes and the parameters the rules' conditions and limits read."""
    attributes: set[str] = set()
    params: set[str] = set()
    for rule in rules:
        for tree in rule_trees(rule):
            for part in tree.walk():
                if isinstance(part, Select) and isinstance(part.operand, Ident):
                    if part.operand.name == "customer":
                        attributes.add(part.field)
                    elif part.operand.name == "params":
                        params.add(part.field)
    return attributes, params


def witness_lines(stack: Stack, finding: Finding) -> list[str]:
    """The finding's witness in plain lines (empty when it has none)."""
    witness = finding.witness
    if witness is None:
        return []
    rules = [rule for rule in stack.rules if rule.id in finding.rules]
    attributes, params = read_fields(rules)
    if not rules:  # ownership findings name no rule: show what the rules that fired read
        decisions = [*(step.decision for step in witness.earlier), witness.decision]
        ids = {rule.rule_id for decision in decisions for rule in decision.fired}
        attributes, params = read_fields(rule for rule in stack.rules if rule.id in ids)
    lines = []
    for step in witness.earlier:
        lines.append(f"first, {_request(step.request, params)} → {_decision(step.decision)}")
    lead = "then, " if witness.earlier else ""
    lines.append(f"{lead}{_request(witness.request, params)} → {_decision(witness.decision)}")
    if witness.compared is not None:
        lines.append(f"the other version: {_decision(witness.compared)}")
    customer = _customer(witness.request, attributes)
    if customer:
        lines.append(f"customer: {customer}")
    history = _history(witness.request)
    if history:
        lines.append(f"history: {history}")
    return lines


def decision_words(decision: Decision) -> str:
    """`stop (fired: B1 flag, B6 stop)`."""
    return _decision(decision)


def _request(request: Request, params: set[str]) -> str:
    shown = {name: value for name, value in request.params.items() if name in params or len(request.params) <= 2}
    with_params = f" ({', '.join(f'{n}={_value(n, v)}' for n, v in shown.items())})" if shown else ""
    return f"{request.agent} proposes {request.action}{with_params} at {iso(request.at)}"


def _decision(decision: Decision) -> str:
    fired = ", ".join(f"{rule.rule_id} {rule.effect.value}" for rule in decision.fired)
    routes = f" to {', '.join(decision.routes)}" if decision.routes else ""
    default = " (the default)" if decision.default is not None and decision.default.verdict is decision.verdict else ""
    return f"{decision.verdict.symbol} {decision.verdict.value}{routes}{default}" + (
        f"; fired: {fired}" if fired else ""
    )


def _customer(request: Request, attributes: set[str]) -> str:
    items = [(name, value) for name, value in request.customer.items() if name in attributes]
    return ", ".join(f"{name}={_value(name, value, at=request.at)}" for name, value in items)


def _history(request: Request) -> str:
    events: Sequence[Any] = sorted(request.history, key=lambda event: -int(event["at"]))
    if not events:
        return ""
    parts = []
    for event in events[:MAX_EVENTS]:
        who = event["agent"] or event["team"]
        ago = duration(request.at - int(event["at"]))
        when = "just now" if ago == "now" else f"{ago} before"
        details = ", ".join(part for part in (event["channel"], event["purpose"]) if part)
        parts.append(f"{event['kind']} by {who}{f' ({details})' if details else ''} {when}")
    more = f" and {len(events) - MAX_EVENTS} more" if len(events) > MAX_EVENTS else ""
    return f"{len(events)} event{'s' if len(events) != 1 else ''}: " + "; ".join(parts) + more


def _value(name: str, value: Any, at: int | None = None) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value > 10**14 and at is not None:
        delta = value - at
        return f"{iso(value)} ({'in ' if delta >= 0 else ''}{duration(abs(delta))}{'' if delta >= 0 else ' ago'})"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return amount(name, value) if not isinstance(value, str) else value


def summary(witness: Witness) -> str:
    """One line: who proposes what, and the verdict."""
    return f"{witness.request.agent} → {witness.request.action}: {_decision(witness.decision)}"
