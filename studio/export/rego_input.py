"""The input the exported Rego expects: a decision request *prepared* as the engine sees it.

A service reads a request in the documented JSON shape with `RequestReader` (which checks it
against the stack and fills defaults), then hands `RegoInput(policy, derived)(request)` (or
`load_bundle(path).rego_input(request)`) to OPA or rego-cpp:

    {"agent": "ai-sdr-agent", "action": "offer_discount", "at": 1795446000000000,
     "params": {"discount_pct": 15, "acv_impact_usd": 30000},
     "customer": {"id": "acme", "segment": "enterprise", "renewal_date": 1799335200000000, ...},
     "history": [{"at": 1795359600000000, "agent": "", "team": "sales", "kind": "call_outbound",
                  "channel": "phone", "purpose": "sales", "payload": {"discount_pct": 0, ...}}]}

- times are integer microseconds since the epoch (UTC): no RFC 3339 parsing in Rego, whose
  engines disagree on it;
- every declared attribute, parameter and payload field is present (defaults applied), lists
  are arrays, and an event's team is resolved from its agent;
- numbers must keep their value in 15 significant digits, and when the stack's conditions use
  string functions, strings must not need JSON escapes (rego-cpp keeps escapes as written).
  Anything else is refused with `RegoInputError` rather than decided differently.

Serialise with `dumps` (UTF-8 text, no `\\u` escapes) for the same reason.

Derived values: where a condition computes with fractional numbers (`amount <= order * 0.1`,
`days(e.payload.valid_days)`), Rego can't reproduce the studio's binary arithmetic, so the input
carries the result, computed here by the engine's own compiled closures: `"derived": {"d0":
true}` on the request, and on each history event for sub-expressions about one event. The
bundle's `opa/studio/stack/data.json` lists every derived value (`derived`: id, rule, scope,
CEL text, kind) so a service in another language can compute them the same way (IEEE doubles,
`days(x)` = round-half-even of x × 86,400,000,000 µs).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from studio.cel.compile import Compiled, compile_condition, comprehension_depth
from studio.cel.parse import parse
from studio.engine import Policy
from studio.errors import Problem, StudioError
from studio.export.rego_expr import Derived, exact_in_rego, plain_string
from studio.request import Event, Request


class RegoInputError(StudioError):
    """A request the Rego policy could not decide exactly as the engine does."""


class RegoInput:
    """Prepares requests for one exported policy: `RegoInput(policy, derived)(request)`."""

    def __init__(self, policy: Policy, derived: Sequence[Derived] = (), *, plain_strings: bool = False) -> None:
        self.policy = policy
        self.plain_strings = plain_strings
        self.derived = [(item, compile_condition(item.node), comprehension_depth(item.node) + 1) for item in derived]

    @staticmethod
    def from_data(policy: Policy, data: Mapping[str, Any]) -> RegoInput:
        """The preparer described by a bundle's Rego data (`opa/studio/stack/data.json`)."""
        derived = [
            Derived(item["id"], item["rule"], parse(item["cel"]), item["variable"], item["kind"])
            for item in data.get("derived", [])
        ]
        return RegoInput(policy, derived, plain_strings=bool(data.get("plain_strings")))

    def __call__(self, request: Request) -> dict[str, Any]:
        """The prepared input (RegoInputError when the Rego policy couldn't decide it exactly)."""
        return rego_input(request, plain_strings=self.plain_strings, derived=self._values(request))

    def json(self, request: Request) -> str:
        """The prepared input as JSON text for a Rego engine."""
        return dumps(self(request))

    def _values(self, request: Request) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        if not self.derived:
            return None
        cell = self.policy.cell(request.agent, request.action)
        if cell is None:
            return None  # refused: no condition is evaluated
        rules = {compiled.rule.id for compiled in cell.rules}
        variables: dict[str, Any] = {
            "customer": request.customer,
            "params": request.params,
            "history": request.history,
            "agent": cell.agent,
            "action": cell.action,
            "now": request.at,
        }
        top: dict[str, Any] = {}
        events: list[dict[str, Any]] = [{} for _ in request.history]
        for item, compiled, depth in self.derived:
            if item.rule_id not in rules:
                continue
            if not item.variable:
                top[item.id] = _evaluate(compiled, variables, depth)
                continue
            for index, event in enumerate(request.history):
                events[index][item.id] = _evaluate(compiled, {**variables, item.variable: event}, depth)
        return top, events


def _evaluate(compiled: Compiled, variables: dict[str, Any], depth: int) -> Any:
    value = compiled(variables, [None] * depth)
    return value if isinstance(value, bool) else int(value)


def rego_input(
    request: Request,
    *,
    plain_strings: bool = False,
    derived: tuple[dict[str, Any], list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The prepared Rego input for `request`; `plain_strings` also refuses strings with escapes.

    `derived` adds precomputed values (use `RegoInput`, which computes them for a policy)."""
    problems: list[Problem] = []
    check = _Checker(problems, plain_strings)
    data = {
        "agent": check.value(request.agent, "agent"),
        "action": check.value(request.action, "action"),
        "at": request.at,
        "params": check.value(request.params, "params"),
        "customer": check.value(request.customer, "customer"),
        "history": [_event(event, index, check) for index, event in enumerate(request.history)],
    }
    if derived is not None:
        data["derived"] = derived[0]
        for event, values in zip(data["history"], derived[1], strict=True):
            event["derived"] = values
    if problems:
        raise RegoInputError("The request can't be decided exactly by the Rego policy", problems)
    return data


def dumps(data: Any) -> str:
    """JSON text for Rego engines: compact, UTF-8, no ASCII escapes."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _event(event: Event, index: int, check: _Checker) -> dict[str, Any]:
    value = check.value(event, f"history[{index}]")
    assert isinstance(value, dict)
    return value


class _Checker:
    def __init__(self, problems: list[Problem], plain_strings: bool) -> None:
        self.problems = problems
        self.plain_strings = plain_strings

    def value(self, value: Any, where: str) -> Any:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return self._number(value, where)
        if isinstance(value, str):
            if self.plain_strings and not plain_string(value):
                self.problems.append(
                    Problem(f"{where}: {value!r} has a quote, backslash or control character", hint=_STRING_HINT)
                )
            return value
        if isinstance(value, Mapping):
            return {str(key): self.value(item, f"{where}.{key}") for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item, f"{where}[{index}]") for index, item in enumerate(value)]
        self.problems.append(Problem(f"{where}: a {type(value).__name__} has no JSON form"))
        return None

    def _number(self, value: float, where: str) -> int | float | None:
        if not math.isfinite(value):
            self.problems.append(Problem(f"{where}: {value} is not a finite number"))
            return None
        if not exact_in_rego(value):
            self.problems.append(
                Problem(
                    f"{where}: {value!r} has more than 15 significant digits",
                    hint="Rego engines would read a different number; round it",
                )
            )
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value


_STRING_HINT = "the stack's conditions use string functions, which rego-cpp applies to the escaped text"
