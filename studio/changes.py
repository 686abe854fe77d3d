"""What changed between two versions of a stack, in plain words.

`describe(old, new)` lists every change a reviewer cares about, one `StackChange` each, in the
order of the file: `Sales' discount limit on B3-sdr-discounts rose from 10% to 15%`, `The
renewal conversation is now owned by Sales (was Customer Success)`. Numbers changed inside
an otherwise identical condition are told as numbers (thresholds, windows); any other change
to a condition quotes it before and after. Lists of things are matched by id, so reordering
is not a change of content (and is said separately). Sign-offs are not content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from studio import wording
from studio.cel.ast import COMPARISONS, Binary, Literal, Node
from studio.cel.parse import CelSyntaxError
from studio.cel.printer import to_cel
from studio.condition import text_of, to_tree
from studio.stack import Agent, CustomerDecision, Rule, Stack, Team


@dataclass(frozen=True, slots=True)
class StackChange:
    """One change between two stacks."""

    part: str
    """The stack's list or section: `rules`, `decisions`, `teams`, `agents`, `actions`,
    `customers`, `scenarios`, `defaults`, `customer` (the schema) or `stack`."""
    item: str
    """The id of the changed item ("" for sections without ids)."""
    kind: str
    """`added`, `removed`, `changed` or `moved`."""
    words: str


def describe(old: Stack, new: Stack) -> list[StackChange]:
    """Every change from `old` to `new`, in plain words."""
    changes: list[StackChange] = []
    changes += _top(old, new)
    changes += _by_id("teams", old.teams, new.teams, "team", _team)
    changes += _by_id("decisions", old.decisions, new.decisions, "decision", _decision(old, new))
    changes += _schema(old, new)
    changes += _by_id("actions", old.actions, new.actions, "action", _fields("action"))
    changes += _by_id("agents", old.agents, new.agents, "agent", _agent)
    changes += _defaults(old, new)
    changes += _by_id("rules", old.rules, new.rules, "rule", _rule(old, new))
    changes += _by_id("customers", old.customers, new.customers, "sample customer", _fields("sample customer"))
    changes += _by_id("scenarios", old.scenarios, new.scenarios, "scenario", _fields("scenario"))
    return changes


Describer = Callable[[Any, Any], list[str]]


def _by_id(part: str, old: Sequence[Any], new: Sequence[Any], what: str, describer: Describer) -> list[StackChange]:
    before = {item.id: item for item in old}
    after = {item.id: item for item in new}
    changes = []
    for item in new:
        if item.id not in before:
            changes.append(StackChange(part, item.id, "added", f"New {what} {item.id}{_summary(item)}"))
        elif before[item.id] != item:
            for words in describer(before[item.id], item):
                changes.append(StackChange(part, item.id, "changed", words))
    for item in old:
        if item.id not in after:
            changes.append(StackChange(part, item.id, "removed", f"Removed {what} {item.id}{_summary(item)}"))
    kept_old = [i.id for i in old if i.id in after]
    kept_new = [i.id for i in new if i.id in before]
    if kept_old != kept_new:
        changes.append(StackChange(part, "", "moved", f"The {part} are in a new order"))
    return changes


def _summary(item: Any) -> str:
    if isinstance(item, Rule):
        return f" ({item.kind.value.upper()}, owned by {item.owner}): {item.rationale}"
    name = getattr(item, "name", "") or getattr(item, "title", "")
    return f" ({name})" if name else ""


def _fields(what: str) -> Describer:
    """A generic describer: the fields that changed, old and new value."""

    def describer(old: BaseModel, new: BaseModel) -> list[str]:
        item = getattr(new, "id", "")
        return [
            f"{what.capitalize()} {item}: {name.replace('_', ' ')} {_before_after(getattr(old, name), getattr(new, name))}"
            for name in type(new).model_fields
            if getattr(old, name) != getattr(new, name)
        ]

    return describer


def _before_after(old: Any, new: Any) -> str:
    return f"is now {_shown(new)} (was {_shown(old)})"


def _shown(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, list) and all(isinstance(v, BaseModel) for v in value):
        value = [v.model_dump(mode="json", exclude_defaults=True) for v in value]
    if value is None or value == [] or value == {}:
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


# -- top level, teams, decisions, schema, agents, defaults ----------------------------------------


def _top(old: Stack, new: Stack) -> list[StackChange]:
    keys = ("name", "description", "timezone", "preview_at", "channels", "purposes")
    return [
        StackChange(
            "stack",
            "",
            "changed",
            f"The stack's {key.replace('_', ' ')} {_before_after(getattr(old, key), getattr(new, key))}",
        )
        for key in keys
        if getattr(old, key) != getattr(new, key)
    ]


def _team(old: Team, new: Team) -> list[str]:
    name = new.name or new.id
    lines = []
    if old.review_capacity_per_day != new.review_capacity_per_day:
        verb = _verb(old.review_capacity_per_day, new.review_capacity_per_day)
        lines.append(
            f"{wording.possessive(name)} review capacity {verb} from {_per_day(old.review_capacity_per_day)} "
            f"to {_per_day(new.review_capacity_per_day)}"
        )
    for field in ("name", "lead", "description"):
        if getattr(old, field) != getattr(new, field):
            lines.append(
                f"{wording.possessive(name)} {field} {_before_after(getattr(old, field), getattr(new, field))}"
            )
    return lines


def _per_day(value: float | None) -> str:
    return "none" if value is None else f"{wording.number(value)} a day"


def _verb(old: float | None, new: float | None) -> str:
    if old is None or new is None:
        return "changed"
    return "rose" if new > old else "fell"


def _decision(old_stack: Stack, new_stack: Stack) -> Describer:
    def describer(old: CustomerDecision, new: CustomerDecision) -> list[str]:
        name = new.name or new.id
        lines = []
        if old.owner != new.owner:
            was = wording.team(old_stack, old.owner) if old.owner else "nobody: it was open"
            now = wording.team(new_stack, new.owner) if new.owner else "nobody: it is open"
            lines.append(f"{name} is now owned by {now} (was {was})")
        lines += [line for line in _fields("decision")(old, new) if " owner " not in line]
        return lines

    return describer


def _schema(old: Stack, new: Stack) -> list[StackChange]:
    changes = []
    for section, before, after in (
        ("attribute", old.customer.attributes, new.customer.attributes),
        ("history payload field", old.customer.history.payload, new.customer.history.payload),
    ):
        for name in after.keys() - before.keys():
            changes.append(StackChange("customer", name, "added", f"New customer {section} {name}"))
        for name in before.keys() - after.keys():
            changes.append(StackChange("customer", name, "removed", f"Removed customer {section} {name}"))
        for name in sorted(before.keys() & after.keys()):
            if before[name] != after[name]:
                words = f"Customer {section} {name} {_before_after(before[name], after[name])}"
                changes.append(StackChange("customer", name, "changed", words))
    if old.customer.history.kinds != new.customer.history.kinds:
        words = f"History event kinds {_before_after(old.customer.history.kinds, new.customer.history.kinds)}"
        changes.append(StackChange("customer", "", "changed", words))
    return changes


def _agent(old: Agent, new: Agent) -> list[str]:
    lines = []
    added = [a for a in new.actions if a not in old.actions]
    dropped = [a for a in old.actions if a not in new.actions]
    if added:
        lines.append(f"{new.id} now proposes {', '.join(added)}")
    if dropped:
        lines.append(f"{new.id} no longer proposes {', '.join(dropped)}")
    for action in dict.fromkeys([*old.daily_volume, *new.daily_volume]):
        before, after = old.daily_volume.get(action), new.daily_volume.get(action)
        if before != after:
            lines.append(
                f"{new.id}'s expected {action} volume {_verb(before, after)} from {_per_day(before)} to {_per_day(after)}"
            )
    skip = {"actions", "daily_volume"}
    lines += [line for line, field in _field_lines("agent", old, new) if field not in skip]
    return lines


def _field_lines(what: str, old: BaseModel, new: BaseModel) -> Iterator[tuple[str, str]]:
    item = getattr(new, "id", "")
    for name in type(new).model_fields:
        if getattr(old, name) != getattr(new, name):
            words = f"{what.capitalize()} {item}: {name.replace('_', ' ')} {_before_after(getattr(old, name), getattr(new, name))}"
            yield words, name


def _defaults(old: Stack, new: Stack) -> list[StackChange]:
    changes = []
    for kind in type(new.defaults).model_fields:
        before, after = getattr(old.defaults, kind), getattr(new.defaults, kind)
        if before != after:
            words = f"Uncovered {kind.replace('_', ' ')} actions are now {_verdict_word(after)} (were {_verdict_word(before)})"
            changes.append(StackChange("defaults", kind, "changed", words))
    return changes


def _verdict_word(verdict: str) -> str:
    return "flagged to the decision's owner" if verdict == "flag" else "stopped"


# -- rules -----------------------------------------------------------------------------------------


def _rule(old_stack: Stack, new_stack: Stack) -> Describer:
    def describer(old: Rule, new: Rule) -> list[str]:
        owner = wording.possessive(wording.team(new_stack, new.owner))
        lines = []
        if old.kind != new.kind:
            lines.append(f"{new.id} is now a {new.kind.value.upper()} rule (was {old.kind.value.upper()})")
        if old.owner != new.owner:
            lines.append(
                f"{new.id} is now owned by {wording.team(new_stack, new.owner)} (was {wording.team(old_stack, old.owner)})"
            )
        if (old.agents, old.teams) != (new.agents, new.teams):
            lines.append(f"{new.id} now binds {_binding(new)} (was {_binding(old)})")
        if old.actions != new.actions:
            lines.append(f"{new.id} now covers {_actions(new)} (was {_actions(old)})")
        if old.when != new.when:
            lines.append(_condition_words(new.id, owner, old.when, new.when))
        lines += _limit_lines(new.id, owner, old.limits, new.limits)
        if old.over_limit != new.over_limit:
            lines.append(f"Beyond its limits {new.id} now {_over(new.over_limit)} (was: {_over(old.over_limit)})")
        if old.route != new.route:
            lines.append(
                f"{new.id}'s over-limit flags now go to {wording.route(new_stack, new.route)} "
                f"(were going to {wording.route(old_stack, old.route)})"
            )
        if old.duties != new.duties:
            lines.append(f"{new.id}'s duties are now {_duties(new)} (were {_duties(old)})")
        if old.rationale != new.rationale:
            lines.append(f"{new.id}'s rationale now reads: {new.rationale}")
        return lines

    return describer


def _binding(rule: Rule) -> str:
    if not rule.agents and not rule.teams:
        return "every agent"
    parts = []
    if rule.agents:
        parts.append(f"agent{'s' if len(rule.agents) > 1 else ''} {', '.join(rule.agents)}")
    if rule.teams:
        parts.append(f"team{'s' if len(rule.teams) > 1 else ''} {', '.join(rule.teams)}")
    return " and ".join(parts)


def _actions(rule: Rule) -> str:
    return "every action" if not rule.actions else ", ".join(rule.actions)


def _over(outcome: str) -> str:
    return "flags" if outcome == "flag" else "stops"


def _duties(rule: Rule) -> str:
    words = []
    for duty in rule.duties:
        target = getattr(duty, "to", "")
        words.append(f"{duty.do} {target}".strip())
    return ", ".join(words) if words else "none"


def _condition_words(rule_id: str, owner: str, old: Any, new: Any) -> str:
    if old is None:
        return f"{rule_id} now applies only when {text_of(new)} (it applied always)"
    if new is None:
        return f"{rule_id} now applies always (it applied when {text_of(old)})"
    numbers = number_changes(_tree(text_of(old)), _tree(text_of(new)))
    if numbers:
        return f"In {owner} rule {rule_id}, " + "; ".join(numbers)
    return f"{rule_id}'s condition is now `{text_of(new)}` (was `{text_of(old)}`)"


def _limit_lines(rule_id: str, owner: str, old: Sequence[str], new: Sequence[str]) -> list[str]:
    lines = []
    for index in range(max(len(old), len(new))):
        before = old[index] if index < len(old) else None
        after = new[index] if index < len(new) else None
        if before == after:
            continue
        if before is None:
            lines.append(f"{rule_id} has a new limit: {after}")
        elif after is None:
            lines.append(f"{rule_id} no longer has the limit {before}")
        else:
            lines.append(_limit_words(rule_id, owner, before, after))
    return lines


def _limit_words(rule_id: str, owner: str, before: str, after: str) -> str:
    old_tree, new_tree = _tree(before), _tree(after)
    old_cmp = wording.comparison(old_tree) if old_tree else None
    new_cmp = wording.comparison(new_tree) if new_tree else None
    if old_cmp and new_cmp and old_cmp.subject == new_cmp.subject and old_cmp.op == new_cmp.op:
        verb = "rose" if new_cmp.value > old_cmp.value else "fell"
        field = new_cmp.field
        return (
            f"{owner} {wording.label(field)} limit on {rule_id} {verb} from "
            f"{wording.amount(field, old_cmp.value)} to {wording.amount(field, new_cmp.value)}"
        )
    numbers = number_changes(old_tree, new_tree)
    if numbers:
        return f"In {owner} limit on {rule_id}, " + "; ".join(numbers)
    return f"{rule_id}'s limit `{before}` is now `{after}`"


def _tree(text: str) -> Node | None:
    try:
        return to_tree(text)
    except CelSyntaxError:
        return None


def number_changes(old: Node | None, new: Node | None) -> list[str]:
    """When two conditions differ only in numbers: each change in words (a threshold or a window)."""
    if old is None or new is None:
        return []
    found: list[str] = []
    return found if _same_but_numbers(old, new, found, None) else []


def _same_but_numbers(old: Node, new: Node, found: list[str], context: Node | None) -> bool:
    if type(old) is not type(new):
        return False
    old_window, new_window = wording.window(old), wording.window(new)
    if old_window is not None and new_window is not None:
        if old_window != new_window:
            verb = "widened" if new_window > old_window else "narrowed"
            found.append(f"the window {verb} from {wording.duration(old_window)} to {wording.duration(new_window)}")
        return True
    old_cmp, new_cmp = wording.comparison(old), wording.comparison(new)
    if old_cmp and new_cmp and old_cmp.subject == new_cmp.subject and old_cmp.op == new_cmp.op:
        if old_cmp.value != new_cmp.value:
            verb = "rose" if new_cmp.value > old_cmp.value else "fell"
            found.append(f"the threshold `{old_cmp.words()}` {verb} to {wording.amount(new_cmp.field, new_cmp.value)}")
        return True
    if isinstance(old, Literal) and isinstance(new, Literal) and _is_number(old) and _is_number(new):
        if old.value != new.value:
            where = f" in `{to_cel(context)}`" if context is not None else ""
            found.append(f"{wording.number(float(old.value))} became {wording.number(float(new.value))}{where}")
        return True
    if _own_fields(old) != _own_fields(new):
        return False
    old_children, new_children = old.children(), new.children()
    if len(old_children) != len(new_children):
        return False
    inner = old if isinstance(old, Binary) and old.op in COMPARISONS else context
    return all(_same_but_numbers(a, b, found, inner) for a, b in zip(old_children, new_children, strict=True))


def _is_number(node: Literal) -> bool:
    return isinstance(node.value, int | float) and not isinstance(node.value, bool)


def _own_fields(node: Node) -> tuple[Any, ...]:
    """A node's values that aren't sub-expressions (operator, name, field, literal value)."""
    names = [name for name in getattr(node, "__slots__", ()) if name not in ("line", "column")]
    return tuple(getattr(node, name) for name in names if not isinstance(getattr(node, name), Node | tuple))
