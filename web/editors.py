"""Editing widgets shared by the Matrix and Findings pages: a rule's condition, limits, route
and duties, typed as CEL or built with pickers. Every change is a pure edit from
`studio.edits` applied through `web.state`; problems come from the workshop's validation.

Widget keys carry the workshop's version, so after any change (theirs or ours) every field
shows the stack as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st

from studio import condition_builder, edits, wording
from studio.condition import leaves
from studio.errors import Issue, StudioError
from studio.stack import AllOf, AnyOf, Condition, Rule, RuleKind
from studio.workshop import Workshop
from web import components, live_check, state

KIND_WORDS = {RuleKind.MAY: "MAY", RuleKind.MUST: "MUST", RuleKind.NEVER: "NEVER"}
Path = tuple[str | int, ...]


def key(workshop: Workshop, *parts: object) -> str:
    """A widget key that changes whenever the stack does (fields always show the current stack)."""
    return ".".join(str(part) for part in (*parts, workshop.version))


def rule_issues(workshop: Workshop, rule_id: str) -> list[Issue]:
    """The workshop's validation issues inside one rule."""
    index = next((i for i, r in enumerate(workshop.stack.rules) if r.id == rule_id), None)
    return [issue for issue in workshop.issues if issue.path[:2] == ("rules", index)]


def rule_heading(workshop: Workshop, rule: Rule) -> str:
    teams = {team.id: team.name or team.id for team in workshop.stack.teams}
    return f"{KIND_WORDS[rule.kind]} · {rule.id} · {teams.get(rule.owner, rule.owner)}"


def rule_editor(workshop: Workshop, rule: Rule, where: str) -> None:
    """Everything about one rule that a room changes: condition, limits, route, duties."""
    st.markdown(f"_{components.md(rule.rationale)}_")
    scope = []
    if rule.agents or rule.teams:
        scope.append("binds " + ", ".join([*rule.agents, *(f"team {t}" for t in rule.teams)]))
    else:
        scope.append("binds every agent")
    scope.append("covers " + (", ".join(rule.actions) if rule.actions else "every action"))
    st.caption(" · ".join(scope))
    condition_fields(workshop, rule, where)
    if rule.kind is RuleKind.MAY:
        limit_fields(workshop, rule, where)
        route_fields(workshop, rule, where)
    if rule.kind is RuleKind.MUST:
        duty_lines(rule)
    problems = rule_issues(workshop, rule.id)
    if problems:
        located = {p.path: p for p in workshop.problems}
        for issue in problems:
            found = located.get(issue.path)
            where_text = f"line {found.line}: " if found is not None and found.line else ""
            hint = f" ({issue.hint})" if issue.hint else ""
            st.error(f"✖ {where_text}{components.md(issue.message + hint)}")
    picker(workshop, rule, where)
    st.button(
        f"Remove rule {rule.id}",
        key=key(workshop, where, rule.id, "remove"),
        on_click=state.apply,
        args=(partial(edits.remove_rule, rule_id=rule.id), f"remove rule {rule.id}"),
    )


def condition_fields(workshop: Workshop, rule: Rule, where: str) -> None:
    """One CEL box per expression of the condition (an all/any/none list has several)."""
    if rule.when is None:
        st.markdown("**When:** always")
        return
    items = list(leaves(rule.when, ("when",)))
    if len(items) > 1 and not isinstance(rule.when, str):
        st.markdown(f"**When {_combiner(rule.when)} of:**")
    for leaf in items:
        field_key = key(workshop, where, rule.id, *leaf.path)
        st.text_input(
            "When" if len(items) == 1 else f"condition {'.'.join(str(p) for p in leaf.path[1:])}",
            value=leaf.text,
            key=field_key,
            on_change=_set_leaf,
            args=(rule.id, leaf.path, field_key, leaf.text),
            help="CEL, checked as you type, applied on Enter: e.g. history.exists(e, e.team == 'sales' && now - e.at <= hours(24))",
        )
        _as_typed(workshop, rule, field_key, leaf.text)


def _as_typed(workshop: Workshop, rule: Rule, field_key: str, shown: str) -> None:
    """What is wrong with the text being typed in a CEL box, before Enter applies it."""
    text = live_check.typed(field_key)
    if text is None or text == shown or text == state.widget(field_key, shown):
        return  # not typed in, or already applied (its problems are listed under the rule)
    problems = condition_builder.check_text(workshop.stack, rule, text)
    if not problems:
        st.caption("✔ valid as typed: press Enter to apply")
        return
    for problem in problems:
        where = f"column {problem.column}: " if problem.column else ""
        hint = f" ({problem.hint})" if problem.hint else ""
        st.caption(f"✖ {components.md(where + problem.message + hint)}")


def _combiner(condition: Condition) -> str:
    if isinstance(condition, AllOf):
        return "all"
    return "any" if isinstance(condition, AnyOf) else "none"


def _set_leaf(rule_id: str, path: Path, field_key: str, shown: str) -> None:
    text = str(state.widget(field_key, ""))
    rule = _still_as_shown(rule_id, lambda r: _leaf_text(r, path), shown, text, "a condition")
    if rule is None or rule.when is None:
        return
    when = condition_builder.with_leaf(rule.when, path[1:], text)
    state.apply(partial(edits.set_condition, rule_id=rule_id, when=when), f"change the condition of {rule_id}")


def _leaf_text(rule: Rule, path: Path) -> str | None:
    node: Any = rule.when
    for part in path[1:]:
        try:
            node = getattr(node, part) if isinstance(part, str) else node[part]
        except (AttributeError, IndexError, TypeError):
            return None
    return node if isinstance(node, str) else None


def _still_as_shown(rule_id: str, read: Callable[[Rule], Any], shown: Any, typed: Any, what: str) -> Rule | None:
    """The rule, if a field's change should be applied: the person changed the value they were
    shown (a rerun may echo back a field's old value: that is no change), and nobody changed it
    under them since (their text is then kept in the message, not written over the other change)."""
    if typed == shown:
        return None
    workshop = state.workshop()
    rule = next((r for r in workshop.stack.rules if r.id == rule_id), None) if workshop is not None else None
    if rule is None:
        state.report(
            StudioError(
                f"Rule {rule_id} is gone (someone removed it); your change wasn't applied.", title="Changed meanwhile"
            )
        )
        return None
    current = read(rule)
    if current != shown:
        state.report(
            StudioError(
                f"{what.capitalize()} of {rule_id} changed while you were editing it (now: {current}). "
                f"Yours wasn't applied: {typed}",
                title="Changed meanwhile",
            )
        )
        return None
    return rule


def limit_fields(workshop: Workshop, rule: Rule, where: str) -> None:
    """A MAY rule's limits, one CEL box each, and whether beyond them it flags or stops."""
    if not rule.limits:
        st.markdown("**Limits:** none (it may always go on its own when its condition holds)")
    for index, text in enumerate(rule.limits):
        field_key = key(workshop, where, rule.id, "limits", index)
        left, right = st.columns([6, 1], vertical_alignment="bottom")
        left.text_input(
            f"Limit {index + 1}",
            value=text,
            key=field_key,
            on_change=_set_limit,
            args=(rule.id, index, field_key, text),
        )
        with left:
            _as_typed(workshop, rule, field_key, text)
        right.button(
            "Remove",
            key=key(workshop, where, rule.id, "limits", index, "remove"),
            on_click=state.apply,
            args=(partial(edits.remove_limit, rule_id=rule.id, index=index), f"remove a limit of {rule.id}"),
        )


def _set_limit(rule_id: str, index: int, field_key: str, shown: str) -> None:
    text = str(state.widget(field_key, ""))
    limit = _still_as_shown(
        rule_id, lambda r: r.limits[index] if index < len(r.limits) else None, shown, text, "a limit"
    )
    if limit is None:
        return
    state.apply(partial(edits.set_limit, rule_id=rule_id, index=index, text=text), f"change a limit of {rule_id}")


def route_fields(workshop: Workshop, rule: Rule, where: str) -> None:
    """Beyond its limits: flag (to whom) or stop."""
    stack = workshop.stack
    targets = ["owner", *(t.id for t in stack.teams), *(a.id for a in stack.agents if a.kind.value == "human_queue")]
    if rule.route not in targets:
        targets.append(rule.route)
    left, right = st.columns(2)
    outcome_key = key(workshop, where, rule.id, "over_limit")
    left.selectbox(
        "Beyond its limits",
        ["flag", "stop"],
        index=0 if rule.over_limit == "flag" else 1,
        key=outcome_key,
        on_change=_update_rule_field,
        args=(rule.id, "over_limit", outcome_key, rule.over_limit),
    )
    route_key = key(workshop, where, rule.id, "route")
    right.selectbox(
        "Flag goes to",
        targets,
        index=targets.index(rule.route),
        format_func=lambda t: "the decision's owner" if t == "owner" else wording.route(stack, t),
        key=route_key,
        disabled=rule.over_limit == "stop",
        on_change=_update_rule_field,
        args=(rule.id, "route", route_key, rule.route),
    )


def _update_rule_field(rule_id: str, name: str, field_key: str, shown: str) -> None:
    value: Any = state.widget(field_key, None)
    if _still_as_shown(rule_id, lambda r: getattr(r, name), shown, value, name.replace("_", " ")) is None:
        return
    state.apply(partial(edits.update_rule, rule_id=rule_id, **{name: value}), f"change {name} of {rule_id}")


def duty_lines(rule: Rule) -> None:
    words = []
    for duty in rule.duties:
        target = getattr(duty, "to", "")
        text = getattr(duty, "text", "")
        words.append(f"{duty.do}" + (f" → {target}" if target else "") + (f": “{text}”" if text else ""))
    st.markdown("**Duties:** " + components.md(", ".join(words) or "none"))


# -- building a condition with pickers -----------------------------------------------------------------


def picker(workshop: Workshop, rule: Rule, where: str) -> None:
    """Add to the rule's condition (or limits) without typing CEL."""
    with st.popover("+ Add a condition with pickers", width="content"):
        tab_fact, tab_history = st.tabs(["A fact", "The contact history"])
        with tab_fact:
            _fact_picker(workshop, rule, where)
        with tab_history:
            _history_picker(workshop, rule, where)


def _fact_picker(workshop: Workshop, rule: Rule, where: str) -> None:
    facts = condition_builder.facts(workshop.stack, rule)
    if not facts:
        st.caption("This rule has nothing to test.")
        return
    base = key(workshop, where, rule.id, "pick")
    fact = st.selectbox("Fact", facts, format_func=lambda f: f.label, key=f"{base}.fact")
    comparison = st.selectbox("Comparison", fact.comparisons, key=f"{base}.comparison.{fact.path}")
    value: Any = None
    unit = "days"
    if comparison in condition_builder.WINDOWS:
        amount, unit_column = st.columns(2)
        value = amount.number_input("How long", min_value=0.0, value=7.0, step=1.0, key=f"{base}.amount")
        unit = unit_column.selectbox("Unit", condition_builder.UNITS[::-1], key=f"{base}.unit")
    elif comparison in condition_builder.MANY_VALUES:
        value = st.multiselect("Values", fact.values, key=f"{base}.values.{fact.path}")
    elif comparison not in condition_builder.NO_VALUE:
        if fact.values:
            value = st.selectbox("Value", fact.values, key=f"{base}.value.{fact.path}")
        elif fact.kind == "number":
            value = st.number_input("Value", value=0.0, key=f"{base}.number.{fact.path}")
        else:
            value = st.text_input("Value", key=f"{base}.text.{fact.path}")
    try:
        text = condition_builder.compare(fact, comparison, value, unit)
    except StudioError as error:
        st.caption(f"✖ {components.md(error.message)}")
        return
    _add_buttons(workshop, rule, where, text, "fact")


def _history_picker(workshop: Workshop, rule: Rule, where: str) -> None:
    stack = workshop.stack
    base = key(workshop, where, rule.id, "history")
    who = ["", *(t.id for t in stack.teams), *(a.id for a in stack.agents)]
    by = st.selectbox("Who touched the customer", who, format_func=lambda w: w or "anyone", key=f"{base}.by")
    amount, unit = st.columns(2)
    window = amount.number_input("In the last", min_value=0.0, value=24.0, step=1.0, key=f"{base}.window")
    units = unit.selectbox("Unit", condition_builder.UNITS, key=f"{base}.unit")
    purpose = st.selectbox("Purpose", ["", *stack.purposes], format_func=lambda p: p or "any", key=f"{base}.purpose")
    channel = st.selectbox("Channel", ["", *stack.channels], format_func=lambda c: c or "any", key=f"{base}.channel")
    at_least = st.number_input("At least this many times", min_value=1, value=1, step=1, key=f"{base}.count")
    other = st.checkbox("Only another team than the proposing agent's", key=f"{base}.other")
    try:
        text = condition_builder.history_touch(
            stack,
            by=str(by),
            window=float(window),
            unit=str(units),
            purpose=str(purpose),
            channel=str(channel),
            at_least=int(at_least),
            other_team=bool(other),
        )
    except StudioError as error:
        st.caption(f"✖ {components.md(error.message)}")
        return
    _add_buttons(workshop, rule, where, text, "history")


def _add_buttons(workshop: Workshop, rule: Rule, where: str, text: str, kind: str) -> None:
    st.code(text, language="javascript", wrap_lines=True)
    problems = condition_builder.check_text(workshop.stack, rule, text)
    if problems:
        st.caption("✖ " + components.md("; ".join(p.message for p in problems)))
    left, right = st.columns(2)
    left.button(
        "Add to the condition (and)",
        key=key(workshop, where, rule.id, kind, "add-when"),
        on_click=state.apply,
        args=(
            partial(edits.set_condition, rule_id=rule.id, when=condition_builder.and_also(rule.when, text)),
            f"narrow {rule.id}",
        ),
    )
    if rule.kind is RuleKind.MAY:
        right.button(
            "Add as a limit",
            key=key(workshop, where, rule.id, kind, "add-limit"),
            on_click=state.apply,
            args=(partial(edits.add_limit, rule_id=rule.id, text=text), f"add a limit to {rule.id}"),
        )
