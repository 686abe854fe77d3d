"""What would flip a decision: the smallest changes to a request that give another verdict.

Searched, not templated. The rules binding the request's (agent, action) are read for the
numbers, windows and facts they test; each candidate change is applied to the request and
decided by the engine, and only changes that give another verdict are kept, each with the
decision it gives. Three kinds of change:

- a parameter: the thresholds its comparisons state (`params.discount_pct <= 10` suggests
  10 and just above it), every other value of an enum, the other truth value;
- time: the moments the verdict can change (an event's time plus a window the rules use,
  a timestamp attribute minus one, clock-hour edges when rules read the hour), scanned in
  order, the first change pinned to the microsecond by bisection, and told relative to the
  event that causes it;
- a customer fact the rules read: other enum values, the other truth value, thresholds of
  numbers, a list with one item fewer or more.

For each other verdict the smallest change of each kind is kept (a parameter pair is tried
when no single parameter is enough), smallest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from studio import wording
from studio.cel.ast import Call, Node
from studio.cel.parse import CelSyntaxError
from studio.clock import MICROS_PER_DAY, MICROS_PER_MINUTE, parse_duration
from studio.condition import to_tree
from studio.decision import Decision, Verdict
from studio.engine import Policy
from studio.request import Request
from studio.stack import Action, ItemType, Stack, ValueSpec, ValueType

HORIZON = 400 * MICROS_PER_DAY
"""How far ahead time flips are looked for."""
_CLOCK_DAYS = 8
"""Rules that read the hour or weekday are scanned quarter-hour by quarter-hour this many days."""
_CLOCK_CALLS = frozenset({"getHours", "getMinutes", "getDayOfWeek"})


@dataclass(frozen=True, slots=True)
class ParamChange:
    """Give the action another parameter value."""

    name: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class TimeChange:
    """Propose the action at another moment."""

    before: int
    after: int


@dataclass(frozen=True, slots=True)
class AttributeChange:
    """The customer with another attribute value (a fact that may change: a renewal closing)."""

    name: str
    before: Any
    after: Any


Change = ParamChange | TimeChange | AttributeChange


@dataclass(frozen=True, slots=True)
class Flip:
    """Changes to a request that give another verdict, checked by deciding."""

    kind: str
    """`parameter`, `time` or `customer`."""
    verdict: Verdict
    changes: tuple[Change, ...]
    words: str
    """In business words: `go if the discount is at most 10% (now 15%)`."""
    decision: Decision
    """The decision the changed request gets (its verdict is `verdict`)."""
    cost: float
    """How big the change is, for ordering (smaller first); comparable within a kind."""


def apply_changes(request: Request, changes: Iterable[Change]) -> Request:
    """The request with the changes applied."""
    params, customer, at = dict(request.params), dict(request.customer), request.at
    for change in changes:
        if isinstance(change, ParamChange):
            params[change.name] = change.after
        elif isinstance(change, AttributeChange):
            customer[change.name] = change.after
        else:
            at = change.after
    return replace(request, params=params, customer=customer, at=at)


@dataclass(frozen=True, slots=True)
class _Context:
    policy: Policy
    stack: Stack
    request: Request
    base: Decision
    trees: tuple[Node, ...]

    def decide(self, changes: Sequence[Change]) -> Decision:
        return self.policy.decide(apply_changes(self.request, changes))


def flips(policy: Policy, request: Request, *, base: Decision | None = None) -> tuple[Flip, ...]:
    """Every smallest change found that gives `request` another verdict, smallest first."""
    cell = policy.cell(request.agent, request.action)
    if cell is None:
        return ()
    trees = tuple(_trees(compiled.rule.when, compiled.rule.limits) for compiled in cell.rules)
    context = _Context(
        policy, policy.stack, request, base or policy.decide(request), tuple(t for ts in trees for t in ts)
    )
    found = [*_param_flips(context), *_time_flips(context), *_attribute_flips(context)]
    return tuple(sorted(found, key=lambda flip: (len(flip.changes), _KIND_ORDER[flip.kind], flip.cost, flip.words)))


_KIND_ORDER = {"parameter": 0, "time": 1, "customer": 2}


def _trees(when: Any, limits: Sequence[str]) -> list[Node]:
    trees = []
    for condition in ([when] if when is not None else []) + list(limits):
        try:
            trees.append(to_tree(condition))
        except CelSyntaxError:  # a compiled policy has none; be safe for callers passing raw rules
            continue
    return trees


# -- candidates shared by parameters and attributes -------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    value: Any
    cost: float
    threshold: float | None = None
    """The number in a rule this candidate sits just beside (for `above 10%` rather than `11%`)."""


def _thresholds(context: _Context, subject: str) -> dict[float, float]:
    """Numbers the rules compare `subject` with, and the values just either side, each with its number."""
    values: dict[float, float] = {}
    for tree in context.trees:
        for node in tree.walk():
            found = wording.comparison(node)
            if found is not None and found.subject == subject:
                step = 1.0 if found.value.is_integer() else max(abs(found.value) * 0.01, 0.01)
                for value in (found.value, found.value - step, found.value + step):
                    values.setdefault(value, found.value)
    return values


def _in_range(spec: ValueSpec, value: float) -> bool:
    return (spec.min is None or value >= spec.min) and (spec.max is None or value <= spec.max)


def _scale(spec: ValueSpec, before: float) -> float:
    if spec.min is not None and spec.max is not None and spec.max > spec.min:
        return spec.max - spec.min
    return max(abs(before), 1.0)


def _candidates(context: _Context, spec: ValueSpec, subject: str, before: Any) -> list[_Candidate]:
    """Values to try for one parameter or attribute."""
    if spec.type is ValueType.NUMBER and isinstance(before, int | float):
        found = _thresholds(context, subject)
        scale = _scale(spec, float(before))
        return [
            _Candidate(v, abs(v - before) / scale, t)
            for v, t in sorted(found.items())
            if v != before and _in_range(spec, v)
        ]
    if spec.type is ValueType.ENUM:
        order = list(spec.values)
        here = order.index(before) if before in order else 0
        return [_Candidate(v, abs(i - here) + (0.5 if i < here else 0.0)) for i, v in enumerate(order) if v != before]
    if spec.type is ValueType.BOOL and isinstance(before, bool):
        return [_Candidate(not before, 0.5)]
    if spec.type is ValueType.LIST and spec.items is ItemType.ENUM and isinstance(before, tuple):
        fewer = [_Candidate(tuple(x for x in before if x != item), 0.5) for item in before]
        none = [_Candidate((), 0.6)] if len(before) > 1 else []
        more = [_Candidate((*before, item), 0.75) for item in spec.values if item not in before]
        return [*fewer, *none, *more]
    return []


def _keep_smallest(flips: Iterable[Flip]) -> list[Flip]:
    """The cheapest flip per (verdict, what was changed)."""
    best: dict[tuple[Verdict, tuple[str, ...]], Flip] = {}
    for flip in flips:
        key = (flip.verdict, tuple(_target(change) for change in flip.changes))
        if key not in best or flip.cost < best[key].cost:
            best[key] = flip
    return list(best.values())


def _target(change: Change) -> str:
    return "at" if isinstance(change, TimeChange) else change.name


# -- parameters --------------------------------------------------------------------------------


def _param_flips(context: _Context) -> list[Flip]:
    action = next((a for a in context.stack.actions if a.id == context.request.action), None)
    if action is None:
        return []
    options = {
        name: _candidates(context, spec, f"params.{name}", context.request.params.get(name))
        for name, spec in action.params.items()
    }
    singles = [flip for name, tried in options.items() for flip in _tried(context, action, [(name, tried)])]
    found = _keep_smallest(singles)
    reached = {flip.verdict for flip in found}
    numeric = [name for name, spec in action.params.items() if spec.type is ValueType.NUMBER and options[name]]
    for index, first in enumerate(numeric):
        for second in numeric[index + 1 :]:
            pairs = _tried(context, action, [(first, options[first]), (second, options[second])])
            found.extend(flip for flip in _keep_smallest(pairs) if flip.verdict not in reached)
    return found


def _tried(context: _Context, action: Action, options: list[tuple[str, list[_Candidate]]]) -> Iterator[Flip]:
    params = context.request.params
    combos: list[list[tuple[str, _Candidate]]] = [[]]
    for name, tried in options:
        combos = [[*combo, (name, candidate)] for combo in combos for candidate in tried]
    for combo in combos:
        changes = tuple(ParamChange(name, params.get(name), candidate.value) for name, candidate in combo)
        decision = context.decide(changes)
        if decision.verdict is not context.base.verdict:
            thresholds = {name: candidate.threshold for name, candidate in combo}
            words = _param_words(context, action, changes, decision.verdict, thresholds)
            yield Flip("parameter", decision.verdict, changes, words, decision, sum(c.cost for _, c in combo))


def _param_words(
    context: _Context,
    action: Action,
    changes: tuple[ParamChange, ...],
    verdict: Verdict,
    thresholds: dict[str, float | None],
) -> str:
    parts = []
    for change in changes:
        spec = action.params[change.name]
        if spec.type is ValueType.NUMBER:
            value = _range_words(context, spec, change, verdict, changes, thresholds.get(change.name))
        else:
            value = wording.amount(change.name, change.after)
        article = "" if spec.type is ValueType.BOOL else "the "
        before = wording.amount(change.name, change.before)
        parts.append(f"{article}{wording.label(change.name)} is {value} (now {before})")
    return f"{verdict.value} if " + " and ".join(parts)


def _range_words(
    context: _Context,
    spec: ValueSpec,
    change: ParamChange | AttributeChange,
    verdict: Verdict,
    changes: tuple[ParamChange, ...] | tuple[AttributeChange, ...],
    threshold: float | None,
) -> str:
    """`above 10%`, `at most 10%` or `10%`: the range claimed is the range checked (at its edge,
    halfway to the far end, and at the far end)."""
    after = float(change.after)
    lower = after < float(change.before)
    far = spec.min if lower else spec.max
    if far is None:
        far = after + (-1 if lower else 1) * max(abs(after), 1.0)

    def holds(points: list[float]) -> bool:
        trials = [tuple(replace(c, after=p) if c.name == change.name else c for c in changes) for p in points]
        return all(context.decide(trial).verdict is verdict for trial in trials)

    name = change.name
    if threshold is not None and threshold != after:
        edge = threshold + (-1 if lower else 1) * 1e-6 * max(abs(threshold), 1.0)
        if holds([edge, (after + far) / 2, far]):
            return f"{'below' if lower else 'above'} {wording.amount(name, threshold)}"
    if holds([(after + far) / 2, far]):
        return f"{'at most' if lower else 'at least'} {wording.amount(name, after)}"
    return wording.amount(name, after)


# -- time ---------------------------------------------------------------------------------------


def _time_flips(context: _Context) -> list[Flip]:
    start = context.request.at
    moments = sorted(m for m in _moments(context) if start < m <= start + HORIZON)
    found: list[Flip] = []
    seen = {context.base.verdict}
    previous = start
    current = context.base.verdict
    for moment in moments:
        decision = context.decide((TimeChange(start, moment),))
        if decision.verdict is not current:
            exact = _earliest(context, previous, moment, current)
            exact_decision = context.decide((TimeChange(start, exact),))
            if exact_decision.verdict not in seen:
                seen.add(exact_decision.verdict)
                found.append(_time_flip(context, exact, exact_decision))
            current = decision.verdict
        previous = moment
        if len(seen) == len(Verdict):
            break
    return found


def _earliest(context: _Context, low: int, high: int, verdict: Verdict) -> int:
    """The first moment after `low` whose verdict isn't `verdict` (it isn't at `high`)."""
    while high - low > 1:
        middle = (low + high) // 2
        if context.decide((TimeChange(context.request.at, middle),)).verdict is verdict:
            low = middle
        else:
            high = middle
    return high


def _windows(context: _Context) -> set[int]:
    lengths: set[int] = set()
    for tree in context.trees:
        for node in tree.walk():
            length = wording.window(node)
            if length is not None:
                lengths.add(length)
            elif isinstance(node, Call) and node.function == "duration" and node.args:
                text = getattr(node.args[0], "value", None)
                if isinstance(text, str):
                    lengths.add(parse_duration(text, allow_days=False))
    return lengths


def _reads_clock(context: _Context) -> bool:
    return any(isinstance(n, Call) and n.function in _CLOCK_CALLS for tree in context.trees for n in tree.walk())


def _moments(context: _Context) -> set[int]:
    windows = _windows(context) | {0}
    anchors = [int(event["at"]) for event in context.request.history]
    anchors += [int(v) for v in _timestamps(context)]
    moments = {
        anchor + sign * window + nudge
        for anchor in anchors
        for window in windows
        for sign in (1, -1)
        for nudge in (0, 1)
    }
    if _reads_clock(context):
        quarter = 15 * MICROS_PER_MINUTE
        first = (context.request.at // quarter + 1) * quarter
        moments.update(first + i * quarter for i in range(_CLOCK_DAYS * 96))
    return moments


def _timestamps(context: _Context) -> list[int]:
    specs = context.stack.customer.attributes
    return [
        value
        for name, value in context.request.customer.items()
        if name in specs and specs[name].type is ValueType.TIMESTAMP and isinstance(value, int)
    ]


def _time_flip(context: _Context, at: int, decision: Decision) -> Flip:
    start = context.request.at
    tz = context.stack.timezone
    cause = _cause(context, at)
    preposition = "after" if at % MICROS_PER_MINUTE == 1 else "from"
    words = f"{decision.verdict.value} {preposition} {wording.moment(at, tz)} (in {wording.duration(at - start)})"
    return Flip(
        "time",
        decision.verdict,
        (TimeChange(start, at),),
        words + (f", {cause}" if cause else ""),
        decision,
        (at - start) / MICROS_PER_DAY,
    )


def _cause(context: _Context, at: int) -> str:
    """Which event and window (or attribute) puts the change at `at`, in words."""
    stack = context.stack
    for window in sorted(_windows(context)):
        for event in reversed(context.request.history):
            if at - int(event["at"]) - window in (0, 1):
                who = wording.team(stack, event["team"]) if event["team"] else event["agent"]
                what = wording.label(str(event["kind"]))
                when = wording.moment(int(event["at"]), stack.timezone)
                return f"{wording.duration(window)} after the {what} by {who} ({when})"
        for name, value in context.request.customer.items():
            if isinstance(value, int) and not isinstance(value, bool) and name in _timestamp_names(stack):
                if at - (value - window) in (0, 1):
                    return f"{wording.duration(window)} before the {wording.label(name)}"
                if at - (value + window) in (0, 1):
                    return f"{wording.duration(window)} after the {wording.label(name)}"
    if _reads_clock(context):
        zones = [v for n, v in context.request.customer.items() if n in _zone_names(stack) and isinstance(v, str)]
        if zones:
            return f"{wording.moment(at, zones[0]).split(' ', 3)[-1]} in the customer's time zone ({zones[0]})"
    return ""


def _timestamp_names(stack: Stack) -> set[str]:
    return {name for name, spec in stack.customer.attributes.items() if spec.type is ValueType.TIMESTAMP}


def _zone_names(stack: Stack) -> set[str]:
    return {name for name, spec in stack.customer.attributes.items() if spec.type is ValueType.TIMEZONE}


# -- customer facts -------------------------------------------------------------------------------


def _attribute_flips(context: _Context) -> list[Flip]:
    specs = context.stack.customer.attributes
    read = _customer_fields(context.trees)
    found = []
    for name in sorted(read):
        spec = specs.get(name)
        if spec is None:
            continue
        before = context.request.customer.get(name)
        tried = _candidates(context, spec, f"customer.{name}", before)
        if spec.type is ValueType.TIMESTAMP and isinstance(before, int):
            tried = _timestamp_candidates(context, before)
        for candidate in tried:
            change = AttributeChange(name, before, candidate.value)
            decision = context.decide((change,))
            if decision.verdict is not context.base.verdict:
                words = f"{decision.verdict.value} if {_fact_words(context, spec, change, decision.verdict, candidate)}"
                found.append(Flip("customer", decision.verdict, (change,), words, decision, 1 + candidate.cost))
    return _keep_smallest(found)


def _timestamp_candidates(context: _Context, before: int) -> list[_Candidate]:
    now = context.request.at
    values = {now + sign * window + nudge for window in _windows(context) for sign in (1, -1) for nudge in (-1, 0, 1)}
    return [_Candidate(v, abs(v - before) / MICROS_PER_DAY / 30) for v in sorted(values) if v != before]


def _fact_words(
    context: _Context, spec: ValueSpec, change: AttributeChange, verdict: Verdict, candidate: _Candidate
) -> str:
    """`the customer's renewal stage is committed (now negotiation)`, `the customer's holds include legal`."""
    what = f"the customer's {wording.label(change.name)}"
    if spec.type is ValueType.NUMBER and isinstance(change.after, int | float):
        value = _range_words(context, spec, change, verdict, (change,), candidate.threshold)
        return f"{what} is {value} (now {wording.amount(change.name, change.before)})"
    if spec.type is ValueType.LIST and isinstance(change.after, tuple) and isinstance(change.before, tuple):
        added = [v for v in change.after if v not in change.before]
        dropped = [v for v in change.before if v not in change.after]
        now = f"(now {wording.amount(change.name, change.before)})"
        if added:
            return f"{what} include {wording.amount(change.name, tuple(added))} {now}"
        return f"{what} no longer include {wording.amount(change.name, tuple(dropped))} {now}"
    return f"{what} is {_fact(change.name, change.after, context)} (now {_fact(change.name, change.before, context)})"


def _fact(name: str, value: Any, context: _Context) -> str:
    spec = context.stack.customer.attributes.get(name)
    if spec is not None and spec.type is ValueType.TIMESTAMP and isinstance(value, int):
        return wording.moment(value, context.stack.timezone)
    return wording.amount(name, value)


def _customer_fields(trees: Iterable[Node]) -> set[str]:
    fields = set()
    for tree in trees:
        for node in tree.walk():
            path = wording.dotted(node)
            if path is not None and path.startswith("customer.") and path.count(".") == 1:
                fields.add(path.split(".", 1)[1])
    return fields
