"""The Cedar peer of the benchmark: a stack's rules translated into Cedar, decided by cedarpy.

Cedar has two verdicts and no quantifier over a list (see perf-anchors.md), so a stack becomes:

- a **main policy set** (Allow = not stop): every never rule is a `forbid`; every may rule is
  a `permit` (over-limit flag: when its condition holds; over-limit stop: when its condition
  and its limits hold); an agent whose kind defaults to flag has a `permit ... unless { some
  over-limit-stop may rule binding it holds }` (the default applies only when no may rule does);
- a **flag policy set**, asked only when the main set allows (Allow = flag): every must rule
  with a flag duty is a `permit`, and every agent has `permit ... unless { one of its may
  rules holds within its limits }` (covered but beyond every limit, or uncovered, is a flag).

Whatever Cedar can't express natively becomes a **context feature** computed in Python before
the call: `history.exists(...)`, `history.filter(...).size()`, `now.getHours(tz)` and the like.
The features a request needs are those of the rules binding its (agent, action) cell; their
Python cost is part of the peer's measured time, as it would be in a real deployment.

Runtime mapping: agents are `Agent` entities (attributes id, team, kind; parent `Team`),
actions are `Action` entities (id, decision, channel, purpose), the customer is the resource;
the context holds `customer` (attributes, numbers as Long), `params`, `now` (µs) and `f`
(the features). Cedar has no floating point: numbers must be whole (the benchmark's requests
and the generated stack use whole numbers; anything else raises `UntranslatableError`).

Feature conditions are evaluated by a small closure compiler written here, independently of
`studio.cel.compile`, so that agreement between the two engines checks both.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import cedarpy

from studio.cel.ast import (
    Binary,
    Call,
    Comprehension,
    Conditional,
    Ident,
    ListLiteral,
    Literal,
    Node,
    Operator,
    Quantifier,
    Select,
    Unary,
)
from studio.cel.parse import parse
from studio.cel.printer import to_cel
from studio.clock import parse_duration, parse_instant
from studio.condition import to_tree
from studio.request import Request
from studio.stack import Agent, ItemType, Rule, RuleKind, Stack, ValueSpec, ValueType

MICROS = {"days": 86_400_000_000, "hours": 3_600_000_000, "minutes": 60_000_000}


class UntranslatableError(ValueError):
    """A construct or value the Cedar peer can't represent."""


# -- Cedar text ---------------------------------------------------------------------------------


def cedar_string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append(f"\\u{{{ord(char):x}}}")
    return '"' + "".join(out) + '"'


def uid(kind: str, ident: str) -> str:
    return f"{kind}::{cedar_string(ident)}"


_CEDAR_OPS = {
    Operator.EQ: "==",
    Operator.NE: "!=",
    Operator.LT: "<",
    Operator.LE: "<=",
    Operator.GT: ">",
    Operator.GE: ">=",
    Operator.ADD: "+",
    Operator.SUB: "-",
    Operator.MUL: "*",
}
_ROOTS = {"customer": "context.customer", "params": "context.params", "agent": "principal", "action": "action"}


SCALE = 10_000
"""Numbers are passed to Cedar as whole multiples of 1/10,000 (Cedar has Long, not floats)."""


def scaled(value: Any) -> int:
    """A number as a Cedar Long, in units of 1/SCALE; UntranslatableError when that isn't exact."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UntranslatableError(f"not a number: {value!r}")
    exact = value * SCALE
    whole = round(exact)
    if abs(exact - whole) > 1e-6:
        raise UntranslatableError(f"{value!r} has more than four decimals")
    return int(whole)


class _Translator:
    """CEL trees to Cedar expressions; what Cedar can't say becomes a named feature.

    Every number-valued expression carries a scale k (its Cedar value is the real value times
    SCALE**k): context numbers and literals have k = 1, a product adds the scales, and the two
    sides of a comparison or a sum are brought to the same scale first, so `a <= b * 0.1`
    stays exact. Times and durations are whole microseconds and are never scaled.
    """

    def __init__(self, stack: Stack) -> None:
        self.features: dict[Node, str] = {}
        self.number_features: set[str] = set()
        self.attributes = {name: spec.type for name, spec in stack.customer.attributes.items()}
        self.params: dict[str, ValueType] = {}
        for action in stack.actions:
            for name, spec in action.params.items():
                self.params.setdefault(name, spec.type)

    def feature(self, node: Node) -> tuple[str, int]:
        name = self.features.setdefault(node, f"f{len(self.features)}")
        if self.is_number(node):
            self.number_features.add(name)
            return f"context.f.{name}", 1
        return f"context.f.{name}", 0

    def is_number(self, node: Node) -> bool:
        match node:
            case Literal(value=value):
                return isinstance(value, int | float) and not isinstance(value, bool)
            case Select(operand=Ident(name="customer"), field=field):
                return self.attributes.get(field) is ValueType.NUMBER
            case Select(operand=Ident(name="params"), field=field):
                return self.params.get(field) is ValueType.NUMBER
            case Call(function=name):
                return name in ("size", "getHours", "getMinutes", "getDayOfWeek")
            case Binary(op=Operator.ADD | Operator.SUB | Operator.MUL | Operator.DIV, left=left):
                return self.is_number(left)
            case Unary(op=Operator.NEG, operand=operand):
                return self.is_number(operand)
            case Conditional(then=then):
                return self.is_number(then)
        return False

    def condition(self, node: Node) -> str:
        return self.boolean(node)

    def boolean(self, node: Node) -> str:
        match node:
            case Binary(op=Operator.AND | Operator.OR, left=left, right=right):
                op = "&&" if node.op is Operator.AND else "||"  # type: ignore[attr-defined]
                return f"({self.boolean(left)} {op} {self.boolean(right)})"
            case Unary(op=Operator.NOT, operand=operand):
                return f"!({self.boolean(operand)})"
            case Conditional(condition=condition, then=then, otherwise=otherwise) if not self.is_number(then):
                return f"(if {self.boolean(condition)} then {self.boolean(then)} else {self.boolean(otherwise)})"
        return self.expr(node)[0]

    def expr(self, node: Node) -> tuple[str, int]:
        match node:
            case Literal(value=bool(value)):
                return ("true" if value else "false"), 0
            case Literal(value=str(value)):
                return cedar_string(value), 0
            case Literal(value=value):
                return str(scaled(value)), 1
            case ListLiteral(items=items):
                parts = [self.expr(item) for item in items]
                scales = {scale for _, scale in parts}
                if len(scales) > 1:
                    raise UntranslatableError(f"a list mixes numbers and other values: {node!r}")
                return "[" + ", ".join(text for text, _ in parts) + "]", scales.pop() if scales else 0
            case Ident(name="now"):
                return "context.now", 0
            case Select(operand=Ident(name=root), field=field) if root in _ROOTS:
                return f"{_ROOTS[root]}.{field}", 1 if self.is_number(node) else 0
            case Binary(op=Operator.IN, left=left, right=right):
                (item, a), (items, b) = self.expr(left), self.expr(right)
                if a != b:
                    return self.feature(node)
                return f"{items}.contains({item})", 0
            case Binary(op=Operator.AND | Operator.OR) | Unary(op=Operator.NOT):
                return self.boolean(node), 0
            case Conditional() if not self.is_number(node):
                return self.boolean(node), 0
            case Binary(op=Operator.MUL, left=left, right=right):
                (x, a), (y, b) = self.expr(left), self.expr(right)
                return f"({x} * {y})", a + b
            case Binary(op=op, left=left, right=right) if op in _CEDAR_OPS:
                empty = self._emptiness(op, left, right)
                if empty is not None:
                    return empty, 0
                (x, a), (y, b) = self.expr(left), self.expr(right)
                if (a == 0) != (b == 0):
                    raise UntranslatableError(f"a number meets a non-number in {node!r}")
                if a < b:
                    x = f"({x} * {SCALE ** (b - a)})"
                elif b < a:
                    y = f"({y} * {SCALE ** (a - b)})"
                comparison = op not in (Operator.ADD, Operator.SUB)
                return f"({x} {_CEDAR_OPS[op]} {y})", 0 if comparison else max(a, b)
            case Unary(op=Operator.NEG, operand=operand):
                text, scale = self.expr(operand)
                return f"(-{text})", scale
            case Call(function=name, args=(Literal(value=amount),)) if name in MICROS:
                return str(round(amount * MICROS[name])), 0  # type: ignore[operator]
            case Call(function="duration", args=(Literal(value=str(text)),)):
                return str(parse_duration(text, allow_days=False)), 0
            case Call(function="timestamp", args=(Literal(value=str(text)),)):
                return str(parse_instant(text, now=0)), 0
        return self.feature(node)

    def _emptiness(self, op: Operator, left: Node, right: Node) -> str | None:
        """`size(list) > 0` and friends, as Cedar's isEmpty()."""
        if not (isinstance(left, Call) and left.function == "size" and isinstance(right, Literal)):
            return None
        subject = left.target if left.target is not None else left.args[0]
        if isinstance(subject, Comprehension):
            return None
        if (op, right.value) in ((Operator.GT, 0), (Operator.GE, 1), (Operator.NE, 0)):
            return f"!({self.expr(subject)[0]}.isEmpty())"
        if (op, right.value) in ((Operator.EQ, 0), (Operator.LT, 1), (Operator.LE, 0)):
            return f"{self.expr(subject)[0]}.isEmpty()"
        return None


# -- features: an independent closure compiler for what Cedar can't say --------------------------

Env = dict[str, Any]
Fn = Callable[[Env], Any]
_UNSET = object()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local(micros: int, tz: str) -> datetime:
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC).astimezone(_zone(tz))


def _py(node: Node) -> Fn:
    match node:
        case Literal(value=value):
            return lambda env: value
        case ListLiteral(items=items):
            parts = [_py(item) for item in items]
            return lambda env: [part(env) for part in parts]
        case Ident(name=name):
            return lambda env: env[name]
        case Select(operand=operand, field=field):
            inner = _py(operand)
            return lambda env: inner(env)[field]
        case Unary(op=Operator.NOT, operand=operand):
            inner = _py(operand)
            return lambda env: not inner(env)
        case Unary(operand=operand):
            inner = _py(operand)
            return lambda env: -inner(env)
        case Conditional(condition=condition, then=then, otherwise=otherwise):
            c, t, o = _py(condition), _py(then), _py(otherwise)
            return lambda env: t(env) if c(env) else o(env)
        case Binary(op=op, left=left, right=right):
            a, b = _py(left), _py(right)
            if op is Operator.AND:
                return lambda env: a(env) and b(env)
            if op is Operator.OR:
                return lambda env: a(env) or b(env)
            function = _PY_OPS[op]
            return lambda env: function(a(env), b(env))
        case Comprehension(quantifier=quantifier, target=target, variable=variable, body=body):
            items, test = _py(target), _py(body)

            def bound(env: Env, item: Any) -> Any:
                saved = env.get(variable, _UNSET)
                env[variable] = item
                try:
                    return test(env)
                finally:
                    if saved is _UNSET:
                        del env[variable]
                    else:
                        env[variable] = saved

            if quantifier is Quantifier.EXISTS:
                return lambda env: any(bound(env, item) for item in items(env))
            if quantifier is Quantifier.ALL:
                return lambda env: all(bound(env, item) for item in items(env))
            if quantifier is Quantifier.EXISTS_ONE:
                return lambda env: sum(1 for item in items(env) if bound(env, item)) == 1
            return lambda env: [item for item in items(env) if bound(env, item)]
        case Call(function="size", target=target, args=args):
            subject = _py(target if target is not None else args[0])
            return lambda env: len(subject(env))
        case Call(function="duration", args=(Literal(value=str(text)),)):
            micros = parse_duration(text, allow_days=False)
            return lambda env: micros
        case Call(function="timestamp", args=(Literal(value=str(text)),)):
            instant = parse_instant(text, now=0)
            return lambda env: instant
        case Call(function=name, args=(amount,)) if name in MICROS:
            scale, inner = MICROS[name], _py(amount)
            return lambda env: round(inner(env) * scale)
        case Call(function="getHours" | "getMinutes" | "getDayOfWeek", target=target, args=args):
            moment = _py(target)  # type: ignore[arg-type]
            tz = _py(args[0]) if args else (lambda env: "UTC")
            part = {
                "getHours": lambda d: d.hour,
                "getMinutes": lambda d: d.minute,
                "getDayOfWeek": lambda d: (d.weekday() + 1) % 7,
            }[node.function]  # type: ignore[attr-defined]
            return lambda env: part(_local(moment(env), tz(env)))
        case Call(function="startsWith" | "endsWith" | "contains", target=target, args=(argument,)):
            subject, other = _py(target), _py(argument)  # type: ignore[arg-type]
            test = {"startsWith": str.startswith, "endsWith": str.endswith, "contains": lambda s, p: p in s}[
                node.function  # type: ignore[attr-defined]
            ]
            return lambda env: test(subject(env), other(env))
    raise UntranslatableError(f"the Cedar peer can't compute {type(node).__name__} {node!r}")


def _divide(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 else math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


_PY_OPS: dict[Operator, Callable[[Any, Any], Any]] = {
    Operator.EQ: lambda a, b: a == b,
    Operator.NE: lambda a, b: a != b,
    Operator.LT: lambda a, b: a < b,
    Operator.LE: lambda a, b: a <= b,
    Operator.GT: lambda a, b: a > b,
    Operator.GE: lambda a, b: a >= b,
    Operator.IN: lambda a, b: a in b,
    Operator.ADD: lambda a, b: a + b,
    Operator.SUB: lambda a, b: a - b,
    Operator.MUL: lambda a, b: a * b,
    Operator.DIV: _divide,
}


def _scaled_feature(function: Fn) -> Fn:
    return lambda env: scaled(function(env))


def _checked_feature(function: Fn) -> Fn:
    def value(env: Env) -> Any:
        result = function(env)
        if not isinstance(result, bool | str):
            raise UntranslatableError(f"a feature's value can't go into a Cedar context: {result!r}")
        return result

    return value


Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _scaled_list(value: Any) -> Any:
    return [scaled(item) for item in value]


def _converter(spec: ValueSpec) -> Convert:
    """How a runtime value of this spec goes into the Cedar context."""
    if spec.type is ValueType.NUMBER:
        return scaled
    if spec.type is ValueType.LIST:
        return _scaled_list if spec.items is ItemType.NUMBER else list
    return _identity


# -- the peer ------------------------------------------------------------------------------------


def _binds(rule: Rule, agent: Agent, action_id: str) -> bool:
    if rule.actions and action_id not in rule.actions:
        return False
    return (not rule.agents and not rule.teams) or agent.id in rule.agents or agent.team in rule.teams


@dataclass(frozen=True, slots=True)
class _Cell:
    principal: dict[str, str]
    action: dict[str, str]
    agent: dict[str, str]
    action_values: dict[str, str]
    features: tuple[tuple[str, Fn], ...]
    params: tuple[tuple[str, Convert], ...]


@dataclass(frozen=True, slots=True)
class CedarTexts:
    main: str
    flag: str
    entities: list[dict[str, Any]]
    features: dict[str, str]
    """Feature name -> the CEL subexpression it stands for (printed for humans)."""


class CedarPeer:
    """Decides a stack's requests with cedarpy: go / flag / stop, like `Policy.decide(...).verdict`."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        translator = _Translator(stack)
        self.texts = _translate(stack, translator)
        self.main = cedarpy.PolicySet.from_str(self.texts.main)
        self.flag = cedarpy.PolicySet.from_str(self.texts.flag)
        self.entities = cedarpy.Entities.from_json_str(json.dumps(self.texts.entities))
        names = dict(translator.features)
        compiled = {
            name: _scaled_feature(_py(node)) if name in translator.number_features else _checked_feature(_py(node))
            for node, name in names.items()
        }
        self.customer = (
            ("id", _identity),
            *((name, _converter(spec)) for name, spec in stack.customer.attributes.items()),
        )
        rule_features: dict[str, list[str]] = {}
        for rule in stack.rules:
            nodes = _rule_nodes(rule)
            rule_features[rule.id] = [name for node, name in names.items() if any(_contains(n, node) for n in nodes)]
        actions = {action.id: action for action in stack.actions}
        self.cells: dict[tuple[str, str], _Cell] = {}
        for agent in stack.agents:
            for action_id in agent.actions:
                action = actions[action_id]
                wanted = dict.fromkeys(
                    name for rule in stack.rules if _binds(rule, agent, action_id) for name in rule_features[rule.id]
                )
                self.cells[(agent.id, action_id)] = _Cell(
                    {"type": "Agent", "id": agent.id},
                    {"type": "Action", "id": action_id},
                    {"id": agent.id, "team": agent.team, "kind": agent.kind.value},
                    {
                        "id": action.id,
                        "decision": action.decision,
                        "channel": action.channel or "",
                        "purpose": action.purpose or "",
                    },
                    tuple((name, compiled[name]) for name in wanted),
                    tuple((name, _converter(spec)) for name, spec in action.params.items()),
                )

    def context(self, request: Request, cell: _Cell) -> dict[str, Any]:
        """The Cedar context of a request: the Python part of the peer's cost."""
        values = request.customer
        customer = {name: convert(values[name]) for name, convert in self.customer}
        given = request.params
        params = {name: convert(given[name]) for name, convert in cell.params}
        env = {
            "customer": request.customer,
            "params": request.params,
            "history": request.history,
            "agent": cell.agent,
            "action": cell.action_values,
            "now": request.at,
        }
        features = {name: function(env) for name, function in cell.features}
        return {"customer": customer, "params": params, "now": request.at, "f": features}

    def decide(self, request: Request, *, check: bool = False) -> str:
        """ "go", "flag" or "stop". With check=True, Cedar evaluation errors raise (a translation bug)."""
        cell = self.cells.get((request.agent, request.action))
        if cell is None:
            return "stop"  # the engine refuses a request outside the stack's matrix
        cedar_request = {
            "principal": cell.principal,
            "action": cell.action,
            "resource": {"type": "Customer", "id": request.customer["id"]},
            "context": json.dumps(self.context(request, cell)),  # serialised once for both sets
        }
        main = cedarpy.is_authorized(cedar_request, self.main, self.entities)
        if check and main.diagnostics.errors:
            raise UntranslatableError(f"Cedar errors in the main set: {main.diagnostics.errors}")
        if not main.allowed:
            return "stop"
        flag = cedarpy.is_authorized(cedar_request, self.flag, self.entities)
        if check and flag.diagnostics.errors:
            raise UntranslatableError(f"Cedar errors in the flag set: {flag.diagnostics.errors}")
        return "flag" if flag.allowed else "go"


def _rule_nodes(rule: Rule) -> list[Node]:
    nodes = [to_tree(rule.when)] if rule.when is not None else []
    return nodes + [parse(limit) for limit in rule.limits]


def _contains(tree: Node, node: Node) -> bool:
    return any(part == node for part in tree.walk())


def _translate(stack: Stack, translator: _Translator) -> CedarTexts:
    agents = {agent.id: agent for agent in stack.agents}
    main: list[str] = []
    flag: list[str] = []

    def head(effect: str, rule_id: str, rule: Rule) -> str:
        actions = "action"
        if rule.actions:
            actions = "action in [" + ", ".join(uid("Action", a) for a in rule.actions) + "]"
        return f"@id({cedar_string(rule_id)})\n{effect} (principal, {actions}, resource)"

    def principal_guard(rule: Rule) -> list[str]:
        if not rule.agents and not rule.teams:
            return []
        members = [uid("Agent", a) for a in rule.agents] + [uid("Team", t) for t in rule.teams]
        return ["principal in [" + ", ".join(members) + "]"]

    def when(parts: Sequence[str]) -> str:
        return " when { " + (" && ".join(parts) if parts else "true") + " };"

    def condition(rule: Rule) -> list[str]:
        return [translator.condition(to_tree(rule.when))] if rule.when is not None else []

    def limits(rule: Rule) -> list[str]:
        return [translator.condition(parse(limit)) for limit in rule.limits]

    def action_guard(rule: Rule) -> list[str]:
        if not rule.actions:
            return []
        return ["action in [" + ", ".join(uid("Action", a) for a in rule.actions) + "]"]

    for rule in sorted(stack.rules, key=lambda r: r.id):
        guard = principal_guard(rule)
        if rule.kind is RuleKind.NEVER:
            main.append(head("forbid", rule.id, rule) + when(guard + condition(rule)))
        elif rule.kind is RuleKind.MUST:
            if any(duty.do == "flag" for duty in rule.duties):
                flag.append(head("permit", rule.id, rule) + when(guard + condition(rule)))
        else:
            within = guard + condition(rule) + (limits(rule) if rule.over_limit == "stop" else [])
            main.append(head("permit", rule.id, rule) + when(within))

    defaults = stack.defaults
    for agent in stack.agents:
        if not agent.actions:
            continue
        may = [r for r in sorted(stack.rules, key=lambda r: r.id) if r.kind is RuleKind.MAY and _binds_agent(r, agent)]
        principal = uid("Agent", agent.id)
        if getattr(defaults, agent.kind.value) == "flag":
            stops = [r for r in may if r.over_limit == "stop" and r.limits]
            covered = [" && ".join(action_guard(r) + condition(r)) or "true" for r in stops]
            unless = f" unless {{ {' || '.join(f'({c})' for c in covered)} }};" if covered else ";"
            main.append(
                f"@id({cedar_string('default-' + agent.id)})\npermit (principal == {principal}, action, resource)"
                f"{unless}"
            )
        allowed = [" && ".join(action_guard(r) + condition(r) + limits(r)) or "true" for r in may]
        unless = f" unless {{ {' || '.join(f'({c})' for c in allowed)} }};" if allowed else ";"
        flag.append(
            f"@id({cedar_string('not-allowed-' + agent.id)})\npermit (principal == {principal}, action, resource)"
            f"{unless}"
        )

    entities: list[dict[str, Any]] = [
        {"uid": {"type": "Team", "id": team.id}, "attrs": {}, "parents": []} for team in stack.teams
    ]
    for agent in agents.values():
        entities.append(
            {
                "uid": {"type": "Agent", "id": agent.id},
                "attrs": {"id": agent.id, "team": agent.team, "kind": agent.kind.value},
                "parents": [{"type": "Team", "id": agent.team}],
            }
        )
    for action in stack.actions:
        entities.append(
            {
                "uid": {"type": "Action", "id": action.id},
                "attrs": {
                    "id": action.id,
                    "decision": action.decision,
                    "channel": action.channel or "",
                    "purpose": action.purpose or "",
                },
                "parents": [],
            }
        )
    features = {name: to_cel(node) for node, name in translator.features.items()}
    return CedarTexts("\n\n".join(main) + "\n", "\n\n".join(flag) + "\n", entities, features)


def _binds_agent(rule: Rule, agent: Agent) -> bool:
    return (not rule.agents and not rule.teams) or agent.id in rule.agents or agent.team in rule.teams


def agreement(peer: CedarPeer, verdicts: Sequence[str], requests: Sequence[Request]) -> list[int]:
    """Indexes of the requests where Cedar's verdict differs from the expected one."""
    return [
        index
        for index, (request, expected) in enumerate(zip(requests, verdicts, strict=True))
        if peer.decide(request, check=True) != expected
    ]


def features_of(peer: CedarPeer) -> Mapping[str, str]:
    return peer.texts.features
