"""Conditions from pickers, and one condition checked as it is typed.

A workshop builds most conditions from a few choices: a fact (`customer.renewal_stage`,
`params.discount_pct`, `action.purpose`), a comparison and a value, or a question about the
contact history ("sales touched the customer in the last 24 hours"). `Fact`s list what a
rule can test with the comparisons that fit each type; `compare` and `history_touch` write the
CEL, printed from a syntax tree so values are always quoted correctly. Engineers type CEL
instead; `check_text` parses and type-checks one expression in the rule's environment and
returns its problems, so a front end can show them before anything is applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.cel.ast import (
    Binary,
    Call,
    Comprehension,
    Ident,
    ListLiteral,
    Literal,
    Node,
    Operator,
    Quantifier,
    Select,
    Unary,
    conjunction,
)
from studio.cel.check import check
from studio.cel.parse import CelSyntaxError, parse
from studio.cel.printer import to_cel
from studio.environment import covered_actions, event_kinds, rule_environment
from studio.errors import EditError, Problem, did_you_mean
from studio.stack import AllOf, AnyOf, Condition, ItemType, NoneOf, Rule, Stack, ValueSpec, ValueType
from studio.wording import label

COMPARISONS: dict[str, tuple[str, ...]] = {
    "number": ("at most", "below", "at least", "above", "is", "is not"),
    "enum": ("is", "is not", "is one of", "is none of"),
    "string": ("is", "is not", "starts with", "contains"),
    "bool": ("is true", "is false"),
    "list": ("includes", "doesn't include", "is empty", "is not empty"),
    "timestamp": ("within the next", "within the last", "more than ahead", "more than ago"),
}
"""The comparisons a front end offers per kind of fact (the keys of `Fact.kind`)."""
UNITS = ("hours", "days", "minutes")
"""Window units, as CEL's `hours(n)`, `days(n)`, `minutes(n)`."""
NO_VALUE = frozenset({"is true", "is false", "is empty", "is not empty"})
"""Comparisons that take no value."""
MANY_VALUES = frozenset({"is one of", "is none of"})
"""Comparisons whose value is a list."""
WINDOWS = frozenset(COMPARISONS["timestamp"])
"""Comparisons whose value is a length of time (a number and a unit)."""

_ORDERINGS = {
    "at most": Operator.LE,
    "below": Operator.LT,
    "at least": Operator.GE,
    "above": Operator.GT,
    "is": Operator.EQ,
    "is not": Operator.NE,
}


@dataclass(frozen=True, slots=True)
class Fact:
    """Something a rule's condition can test, and how pickers offer it."""

    path: str
    """`customer.arr_usd`, `params.discount_pct`, `action.purpose`."""
    label: str
    """For people: `customer: ARR`, `parameter: discount`."""
    kind: str
    """`number`, `enum`, `string`, `bool`, `list` or `timestamp` (see `COMPARISONS`)."""
    values: tuple[str, ...] = ()
    """The values an enum (or a list of enums) can take."""

    @property
    def comparisons(self) -> tuple[str, ...]:
        return COMPARISONS[self.kind]


def facts(stack: Stack, rule: Rule) -> list[Fact]:
    """What `rule` can test: customer attributes, the parameters its actions share, the
    action's and the agent's properties."""
    found = [
        _fact(f"customer.{name}", f"customer: {label(name)}", spec) for name, spec in stack.customer.attributes.items()
    ]
    actions = {action.id: action for action in stack.actions}
    covered = [actions[a] for a in covered_actions(stack, rule) if a in actions]
    if covered:
        shared = [name for name in covered[0].params if all(name in action.params for action in covered)]
        for name in shared:
            spec = covered[0].params[name]
            if all(action.params[name].type is spec.type for action in covered):
                found.append(_fact(f"params.{name}", f"parameter: {label(name)}", spec))
    found += [
        Fact("action.id", "action", "enum", tuple(actions)),
        Fact("action.purpose", "action: purpose", "enum", tuple(stack.purposes)),
        Fact("action.channel", "action: channel", "enum", tuple(stack.channels)),
        Fact("action.decision", "action: customer decision", "enum", tuple(d.id for d in stack.decisions)),
        Fact("agent.id", "agent", "enum", tuple(a.id for a in stack.agents)),
        Fact("agent.team", "agent: team", "enum", tuple(t.id for t in stack.teams)),
        Fact("agent.kind", "agent: kind", "enum", ("ai_agent", "automation", "human_queue")),
    ]
    return [fact for fact in found if fact.kind != "timezone"]


def _fact(path: str, words: str, spec: ValueSpec) -> Fact:
    if spec.type is ValueType.LIST:
        return Fact(path, words, "list", tuple(spec.values) if spec.items is ItemType.ENUM else ())
    kind = {ValueType.TIMEZONE: "timezone"}.get(spec.type, spec.type.value)
    return Fact(path, words, kind, tuple(spec.values))


def compare(fact: Fact, comparison: str, value: Any = None, unit: str = "days") -> str:
    """The CEL for `fact comparison value`: `params.discount_pct <= 10`,
    `customer.renewal_stage in ['open', 'negotiation']`, `customer.renewal_date - now <= days(90)`."""
    if comparison not in fact.comparisons:
        raise EditError(f"'{comparison}' doesn't apply to {fact.label}; choose one of {', '.join(fact.comparisons)}")
    subject = _path(fact.path)
    return to_cel(_comparison(fact, subject, comparison, value, unit))


def _comparison(fact: Fact, subject: Node, comparison: str, value: Any, unit: str) -> Node:
    if comparison == "is true":
        return subject
    if comparison == "is false":
        return Unary(Operator.NOT, subject)
    if comparison in WINDOWS:
        return _window(subject, comparison, _number(value), unit)
    if comparison in MANY_VALUES:
        items = ListLiteral(tuple(_literal(fact, item) for item in _listed(value)))
        member = Binary(Operator.IN, subject, items)
        return member if comparison == "is one of" else Unary(Operator.NOT, member)
    if comparison in ("includes", "doesn't include"):
        member = Binary(Operator.IN, _literal(fact, value), subject)
        return member if comparison == "includes" else Unary(Operator.NOT, member)
    if comparison in ("is empty", "is not empty"):
        size = Call("size", (subject,))
        return Binary(Operator.EQ if comparison == "is empty" else Operator.GT, size, Literal(0))
    if comparison == "starts with":
        return Call("startsWith", (Literal(str(value)),), subject)
    if comparison == "contains":
        return Call("contains", (Literal(str(value)),), subject)
    return Binary(_ORDERINGS[comparison], subject, _literal(fact, value))


def _window(subject: Node, comparison: str, amount: float, unit: str) -> Node:
    length = _length(amount, unit)
    now = Ident("now")
    if comparison == "within the next":  # the moment is ahead, at most `length` away
        return Binary(Operator.LE, Binary(Operator.SUB, subject, now), length)
    if comparison == "within the last":
        return Binary(Operator.LE, Binary(Operator.SUB, now, subject), length)
    if comparison == "more than ahead":
        return Binary(Operator.GT, Binary(Operator.SUB, subject, now), length)
    return Binary(Operator.GT, Binary(Operator.SUB, now, subject), length)


def history_touch(
    stack: Stack,
    *,
    by: str = "",
    window: float = 24,
    unit: str = "hours",
    purpose: str = "",
    channel: str = "",
    kind: str = "",
    at_least: int = 1,
    other_team: bool = False,
) -> str:
    """A question about the contact history, as CEL:

    `history_touch(stack, by="sales", window=24, unit="hours")` is "sales touched the customer
    in the last 24 hours": `history.exists(e, e.team == 'sales' && now - e.at <= hours(24))`.
    `by` is a team or an agent id ("" for anyone); `purpose`, `channel` and `kind` narrow
    the events; `at_least` > 1 counts them; `other_team` asks for a team other than the
    proposing agent's."""
    event = Ident("e")
    tests: list[Node] = []
    if by:
        teams = {team.id for team in stack.teams}
        agents = {agent.id for agent in stack.agents}
        if by not in teams | agents:
            raise EditError(f"'{by}' is neither a team nor an agent ({did_you_mean(by, teams | agents)})")
        tests.append(Binary(Operator.EQ, Select(event, "team" if by in teams else "agent"), Literal(by)))
    if other_team:
        tests.append(Binary(Operator.NE, Select(event, "team"), Select(Ident("agent"), "team")))
    for name, wanted, valid in (
        ("purpose", purpose, stack.purposes),
        ("channel", channel, stack.channels),
        ("kind", kind, event_kinds(stack)),
    ):
        if wanted:
            if wanted not in valid:
                raise EditError(f"'{wanted}' is not a {name} of this stack ({did_you_mean(wanted, valid)})")
            tests.append(Binary(Operator.EQ, Select(event, name), Literal(wanted)))
    tests.append(Binary(Operator.LE, Binary(Operator.SUB, Ident("now"), Select(event, "at")), _length(window, unit)))
    body = conjunction(tests)
    history = Ident("history")
    if at_least <= 1:
        return to_cel(Comprehension(Quantifier.EXISTS, history, "e", body))
    count = Call("size", (), Comprehension(Quantifier.FILTER, history, "e", body))
    return to_cel(Binary(Operator.GE, count, Literal(int(at_least))))


def check_text(stack: Stack, rule: Rule, text: str) -> list[Problem]:
    """The problems of one CEL expression typed for `rule` (its condition or a limit): syntax,
    unknown names, wrong types, values not in an enum. Empty when it can be applied."""
    if not text.strip():
        return [Problem("the condition is empty")]
    try:
        node = parse(text)
    except CelSyntaxError as error:
        return [Problem(error.message, line=error.line, column=error.column, hint=error.hint)]
    environment = rule_environment(stack, rule)
    return [
        Problem(problem.message, line=problem.line, column=problem.column, hint=problem.hint)
        for problem in check(node, environment)
    ]


def with_leaf(condition: Condition, path: tuple[str | int, ...], text: str) -> Condition:
    """The condition with the expression at `path` inside it (`("all", 2)`; `()` for a plain
    CEL condition) replaced by `text`, keeping the all/any/none structure of the file."""
    if not path:
        return text
    part, index, rest = str(path[0]), int(path[1]), path[2:]
    if not isinstance(condition, AllOf | AnyOf | NoneOf) or part not in ("all", "any", "none"):
        raise EditError(f"The condition has no expression at {'.'.join(str(p) for p in path)}")
    items = list(getattr(condition, part))
    if not 0 <= index < len(items):
        raise EditError(f"The condition has no expression at {'.'.join(str(p) for p in path)}")
    items[index] = with_leaf(items[index], rest, text)
    return condition.model_copy(update={part: items})


def and_also(condition: Condition | None, text: str) -> Condition:
    """The condition with one more expression that must hold too (appended to an `all` list,
    else the two joined in a new one)."""
    if condition is None:
        return text
    if isinstance(condition, AllOf):
        return condition.model_copy(update={"all": [*condition.all, text]})
    return AllOf(all=[condition, text])


def _path(dotted: str) -> Node:
    head, *rest = dotted.split(".")
    node: Node = Ident(head)
    for part in rest:
        node = Select(node, part)
    return node


def _length(amount: float, unit: str) -> Node:
    if unit not in UNITS:
        raise EditError(f"'{unit}' is not a unit of time; use {', '.join(UNITS)}")
    if amount < 0:
        raise EditError("a length of time can't be negative")
    return Call(unit, (Literal(_int_if_whole(amount)),))


def _literal(fact: Fact, value: Any) -> Node:
    if fact.kind == "number" or (fact.kind == "list" and not fact.values and isinstance(value, int | float)):
        return Literal(_int_if_whole(_number(value)))
    text = str(value)
    if fact.values and text not in fact.values:
        raise EditError(f"'{text}' is not a value of {fact.label} ({did_you_mean(text, fact.values)})")
    return Literal(text)


def _listed(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise EditError("expected a number, not yes/no")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise EditError(f"'{value}' is not a number") from None


def _int_if_whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)
