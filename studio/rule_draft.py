"""A rule as it is being edited in a form: its fields as text, checked before anything is applied.

Front ends edit a rule field by field (`id`, `kind`, `owner`, the agents, teams and actions it
binds as comma-separated ids, each expression of its condition, its limits, what happens over
them, its duties one per line, its rationale). `RuleDraft` holds that text; `check` says what
is wrong, field by field, by building the rule and validating the stack it would make (the
same checks as loading a file), each CEL problem at its column; `to_data` gives what
`edits.add_rule` / `edits.update_rule` take once `check` is clean. A rule with problems is
never applied from a form.

Duties are written one per line: `flag csm-renewals` (or `flag` for the decision's owner),
`notify sales`, `log`, `disclose Rates are variable.`
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from studio import edits
from studio.condition import leaves
from studio.condition_builder import check_text, with_leaf
from studio.errors import EditError, Problem, did_you_mean
from studio.stack import Condition, DiscloseDuty, FlagDuty, NotifyDuty, Rule, RuleKind, Stack
from studio.validate import OWNER, validate

Path = tuple[str | int, ...]
DUTIES = ("flag", "notify", "log", "disclose")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """Something wrong with one field of the form."""

    field: str
    """`id`, `kind`, `owner`, `agents`, `teams`, `actions`, `when.0`, `limits.1`, `over_limit`,
    `route`, `duties.0`, `rationale` (list fields are numbered from 0)."""
    message: str
    column: int = 0
    """For CEL: the 1-based column in the field's text (0: the field as a whole)."""
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.field}:{self.column}" if self.column else self.field
        return f"{where}: {self.message}" + (f" ({self.hint})" if self.hint else "")


@dataclass(frozen=True, slots=True)
class RuleDraft:
    """A rule's fields as a form shows them."""

    id: str = ""
    kind: str = RuleKind.MAY.value
    owner: str = ""
    rationale: str = ""
    agents: str = ""
    """Comma-separated agent ids."""
    teams: str = ""
    actions: str = ""
    when: tuple[str, ...] = ("",)
    """The text of each expression of the condition (one for a plain CEL condition; "" is always)."""
    shape: Condition | None = None
    """The condition as loaded, when it is an all/any/none structure (its leaves are `when`)."""
    limits: tuple[str, ...] = ()
    over_limit: str = "flag"
    route: str = OWNER
    duties: tuple[str, ...] = ()
    """One duty per line: `flag csm-renewals`, `notify sales`, `log`, `disclose <text>`."""
    original: str | None = None
    """The id of the rule being edited (None: a new rule)."""
    leaf_paths: tuple[Path, ...] = ((),)
    """Where each `when` expression sits in `shape` (`()` for a plain condition)."""

    def with_(self, **changes: Any) -> RuleDraft:
        """The same draft with fields replaced."""
        return replace(self, **changes)

    @property
    def action_ids(self) -> list[str]:
        return split_ids(self.actions)


def split_ids(text: str) -> list[str]:
    """`a, b ,c` -> `[a, b, c]`."""
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def draft_of(rule: Rule) -> RuleDraft:
    """The form of an existing rule."""
    if rule.when is None or isinstance(rule.when, str):
        when: tuple[str, ...] = (rule.when or "",)
        paths: tuple[Path, ...] = ((),)
        shape = None
    else:
        found = list(leaves(rule.when, ()))
        when, paths, shape = tuple(leaf.text for leaf in found), tuple(leaf.path for leaf in found), rule.when
    return RuleDraft(
        id=rule.id,
        kind=rule.kind.value,
        owner=rule.owner,
        rationale=rule.rationale,
        agents=", ".join(rule.agents),
        teams=", ".join(rule.teams),
        actions=", ".join(rule.actions),
        when=when,
        shape=shape,
        limits=tuple(rule.limits),
        over_limit=rule.over_limit,
        route=rule.route,
        duties=tuple(duty_line(duty) for duty in rule.duties),
        original=rule.id,
        leaf_paths=paths,
    )


def new_draft(stack: Stack, kind: RuleKind | str = RuleKind.MAY, agent: str = "") -> RuleDraft:
    """A blank rule of `kind` binding `agent` (if given), owned by its team, with a free id."""
    found = next((a for a in stack.agents if a.id == agent), None)
    owner = found.team if found is not None else (stack.teams[0].id if stack.teams else "")
    kind_value = RuleKind(kind).value
    duties = ("flag",) if kind_value == RuleKind.MUST.value else ()
    return RuleDraft(
        id=free_id(stack, f"{agent or 'new'}-{kind_value}"),
        kind=kind_value,
        owner=owner,
        agents=agent,
        duties=duties,
    )


def copy_of(stack: Stack, rule: Rule) -> RuleDraft:
    """A new rule with everything of `rule` but a free id."""
    return draft_of(rule).with_(id=free_id(stack, f"{rule.id}-copy"), original=None)


def free_id(stack: Stack, base: str) -> str:
    """`base`, or `base-2`, `base-3`, ... : a rule id the stack doesn't use yet."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "-", base).strip("-") or "rule"
    if not cleaned[0].isalpha():
        cleaned = f"r-{cleaned}"
    used = {rule.id for rule in stack.rules}
    candidate, number = cleaned[:60], 2
    while candidate in used:
        candidate = f"{cleaned[:56]}-{number}"
        number += 1
    return candidate


def duty_line(duty: object) -> str:
    """A duty as the form writes it."""
    if isinstance(duty, FlagDuty | NotifyDuty):
        return duty.do if duty.to == OWNER else f"{duty.do} {duty.to}"
    if isinstance(duty, DiscloseDuty):
        return f"disclose {duty.text}"
    return str(getattr(duty, "do", ""))


# -- from the form to rule data ------------------------------------------------------------------------


def to_data(draft: RuleDraft) -> dict[str, Any]:
    """The rule data the form stands for (for `edits.add_rule` or `edits.update_rule`).

    Lines that don't read as duties are left out here; `check` reports them."""
    data: dict[str, Any] = {
        "id": draft.id.strip(),
        "kind": draft.kind,
        "owner": draft.owner.strip(),
        "rationale": " ".join(draft.rationale.split()),
        "agents": split_ids(draft.agents),
        "teams": split_ids(draft.teams),
        "actions": split_ids(draft.actions),
        "when": _condition(draft),
    }
    if draft.kind == RuleKind.MAY.value:
        data["limits"] = [text.strip() for text in draft.limits if text.strip()]
        data["over_limit"] = draft.over_limit
        data["route"] = draft.route.strip() or OWNER
    else:
        data.update(limits=[], over_limit="flag", route=OWNER)
    data["duties"] = (
        [duty for duty, _ in (_duty(line) for line in draft.duties if line.strip()) if duty is not None]
        if draft.kind == RuleKind.MUST.value
        else []
    )
    return data


def _condition(draft: RuleDraft) -> Condition | None:
    if draft.shape is None:
        text = draft.when[0].strip() if draft.when else ""
        return text or None
    condition: Condition = draft.shape
    for path, text in zip(draft.leaf_paths, draft.when, strict=True):
        condition = with_leaf(condition, path, text.strip())
    return condition


def _duty(line: str) -> tuple[dict[str, Any] | None, str]:
    """A duty from one line, or None and what is wrong."""
    words = line.strip().split(None, 1)
    do = words[0].lower()
    rest = words[1].strip() if len(words) > 1 else ""
    if do in ("flag", "notify"):
        target = rest.removeprefix("to ").strip() if rest.startswith("to ") else rest
        return {"do": do, "to": target or OWNER}, ""
    if do == "log":
        return ({"do": "log"}, "") if not rest else (None, "'log' takes nothing after it")
    if do == "disclose":
        return ({"do": "disclose", "text": rest}, "") if rest else (None, "'disclose' needs the text to attach")
    return None, f"'{words[0]}' is not a duty ({did_you_mean(do, DUTIES)})"


# -- checking ----------------------------------------------------------------------------------------------


def check_expression(stack: Stack, draft: RuleDraft, text: str) -> list[Problem]:
    """The problems of one expression typed into the draft's condition or limits, at their columns
    (parsed and type-checked in the environment of the actions the draft covers)."""
    known = {action.id for action in stack.actions}
    actions = [action for action in draft.action_ids if action in known]
    probe = Rule(id="draft", kind=RuleKind.MAY, owner="draft", rationale="draft", actions=actions)
    return check_text(stack, probe, text)


def check(stack: Stack, draft: RuleDraft) -> tuple[FieldProblem, ...]:
    """Everything wrong with the draft, field by field (empty: it can be applied)."""
    problems = [
        FieldProblem(f"duties.{index}", message)
        for index, line in enumerate(draft.duties)
        if line.strip()
        for duty, message in [_duty(line)]
        if duty is None
    ]
    if not draft.id.strip():
        problems.append(FieldProblem("id", "the rule needs an id"))
    elif not _ID.match(draft.id.strip()):
        problems.append(FieldProblem("id", "letters, digits, '_', '.' and '-', starting with a letter"))
    if not draft.rationale.strip():
        problems.append(FieldProblem("rationale", "say why the rule exists, in plain words"))
    if problems:
        return tuple(problems)
    data = to_data(draft)
    try:
        if draft.original is None:
            candidate = edits.add_rule(stack, data)
        else:
            candidate = edits.update_rule(stack, draft.original, **data)
    except EditError as error:
        return tuple(_edit_problem(problem) for problem in error.problems) or (FieldProblem("id", error.message),)
    index = next(i for i, rule in enumerate(candidate.rules) if rule.id == data["id"])
    return tuple(
        _field_problem(draft, issue.path[2:], issue.message, issue.hint, issue.offset)
        for issue in validate(candidate)
        if issue.path[:2] == ("rules", index)
    )


def _edit_problem(problem: Problem) -> FieldProblem:
    path = problem.path[2:] if problem.path[:1] == ("rules",) else problem.path
    message = problem.message.split(": ", 1)[-1] if ": " in problem.message else problem.message
    name = str(path[0]) if path else "id"
    if name in ("limits", "duties") and len(path) > 1:
        name = f"{name}.{path[1]}"
    return FieldProblem(name, message, hint=problem.hint)


def _field_problem(
    draft: RuleDraft, path: Path, message: str, hint: str, offset: tuple[int, int] | None
) -> FieldProblem:
    column = offset[1] if offset is not None and offset[0] <= 1 else 0
    if not path:
        return FieldProblem("id", message, hint=hint)
    name = str(path[0])
    if name == "when":
        inner = path[1:]
        position = draft.leaf_paths.index(inner) if inner in draft.leaf_paths else 0
        return FieldProblem(f"when.{position}", message, column, hint)
    if name == "limits" and len(path) > 1:
        kept = [i for i, text in enumerate(draft.limits) if text.strip()]
        position = kept[int(path[1])] if int(path[1]) < len(kept) else int(path[1])
        return FieldProblem(f"limits.{position}", message, column, hint)
    if name == "duties" and len(path) > 1:
        kept = [i for i, text in enumerate(draft.duties) if text.strip()]
        position = kept[int(path[1])] if int(path[1]) < len(kept) else int(path[1])
        return FieldProblem(f"duties.{position}", message, hint=hint)
    return FieldProblem(name, message, hint=hint)
