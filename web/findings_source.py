"""Analysis findings for the Findings and Stack pages, from the core's analysis (`studio.analysis`).

Findings are computed by the core (`Workshop.findings()`: the workshop's own analyzer, brought
up to date incrementally with each valid version); this module shows them, grouped as the room
thinks of them, each with the edit that resolves its kind: an owner to pick, a rule to add, a
route to change, or the rules involved opened for editing right there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import streamlit as st

from studio import edits, wording
from studio.errors import StackInvalidError, StudioError
from studio.live_analysis import AnalysisUnavailableError
from studio.stack import FlagDuty, Rule, RuleKind, Stack
from studio.workshop import Workshop
from web import components, editors, state

if TYPE_CHECKING:
    from studio.analysis import Finding, Report

GROUPS = (
    ("Conflicts", ("conflict", "shadowed", "overlap", "unsatisfiable", "unbound")),
    ("Gaps", ("gap",)),
    ("Ownership questions", ("ownership", "route")),
)
MARK = {"error": "✖", "warning": "⚑", "info": "ℹ"}


@dataclass(frozen=True)
class Question:
    """An ownership question for the Stack page."""

    title: str
    question: str
    decision: str


def report(workshop: Workshop) -> Report | None:
    """The analysis of the open stack's last valid version; None when the stack was never valid
    or the analysis extra (z3) isn't installed, or when it failed (the error is shown once)."""
    try:
        return workshop.findings().report
    except (AnalysisUnavailableError, StackInvalidError):
        return None
    except StudioError as error:
        state.report(error)
        return None


def contested(workshop: Workshop) -> list[Question]:
    """Contested customer decisions (analysis code `ownership.contested`)."""
    found = report(workshop)
    if found is None:
        return []
    return [Question(f.title, f.question, f.decision) for f in found.by_code("ownership.contested")]


def render(workshop: Workshop) -> None:
    """Every finding, grouped, each with its resolving edit."""
    found = report(workshop)
    if found is None:
        st.info("Conflict and gap analysis needs the analysis extra (`pip install coordination-studio[analysis]`).")
        return
    counts = [(len(found.errors), "error"), (len(found.warnings), "question"), (len(found.infos), "note")]
    summary = ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in counts if n)
    took = f"{found.stats.seconds:.1f} s" if found.stats.seconds >= 0.1 else "under 0.1 s"
    st.caption(
        f"Every possible request checked (not just the samples) in {took}: "
        f"{summary or 'nothing to report'}. Each finding comes with an example the engine decided."
    )
    if not found.findings:
        st.success("✔ No conflicts, gaps or ownership questions.")
    for title, families in GROUPS:
        items = [f for f in found.findings if f.code.split(".")[0] in families]
        if not items:
            continue
        st.header(f"{title} ({len(items)})")
        for index, finding in enumerate(items):
            _finding(workshop, finding, f"{title[:4].lower()}{index}")


def _finding(workshop: Workshop, finding: Finding, slot: str) -> None:
    severity = finding.severity.value
    expanded = severity != "info" and finding.code.startswith(("ownership", "gap", "shadowed", "unsatisfiable"))
    with st.expander(f"{MARK.get(severity, '·')} {finding.title}", expanded=expanded):
        st.markdown(f"**{components.md(finding.question)}**")
        st.caption(f"{finding.code} · {severity}" + (" · checked for short histories only" if finding.bounded else ""))
        if finding.witness is not None:
            _witness(workshop.stack, finding)
        elif finding.evidence:
            st.markdown(f"Why: {components.md(finding.evidence)}")
        key = f"findings.{slot}.{workshop.version}"
        family = finding.code.split(".")[0]
        if family == "ownership":
            _owner(workshop, finding, key)
        if finding.code == "ownership.contested":
            _lead_rule(workshop, finding, key)
        if family == "gap":
            _may_rule(workshop, finding, key)
        if family == "route":
            _route_to_owner(workshop, finding, key)
        _rules(workshop, finding, key)


def _witness(stack: Stack, finding: Finding) -> None:
    witness = finding.witness
    assert witness is not None
    request, decision = witness.request, witness.decision
    moment = wording.moment(request.at, stack.timezone)
    lines = [f"{step.label}: {components.badge(step.decision.verdict)}" for step in witness.earlier]
    lines.append(
        f"{components.md(components.column_label(stack, _column(request.agent, request.action)))} "
        f"on {components.md(moment)}: {components.badge(decision.verdict)}"
    )
    st.markdown("For example: " + " → ".join(lines), unsafe_allow_html=True)
    for reason in decision.decisive_reasons[:3]:
        st.caption(reason.text)


def _column(agent: str, action: str) -> Any:
    from studio.samples import Column

    return Column(agent, action)


def _owner(workshop: Workshop, finding: Finding, key: str) -> None:
    stack = workshop.stack
    decision = next((d for d in stack.decisions if d.id == finding.decision), None)
    if decision is None:
        return
    teams = [team.id for team in stack.teams]
    names = {team.id: team.name or team.id for team in stack.teams}
    current = decision.owner if decision.owner in teams else None
    label = "Who leads it?" if finding.code == "ownership.contested" else "Who owns it?"
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    left.selectbox(
        label,
        teams,
        index=teams.index(current) if current else 0,
        format_func=lambda t: names.get(t, t),
        key=f"{key}.owner",
    )
    right.button(
        "Make it the owner",
        key=f"{key}.owner.set",
        type="primary",
        on_click=lambda: state.apply(
            partial(edits.set_decision_owner, decision_id=decision.id, owner=str(state.widget(f"{key}.owner", ""))),
            f"give {decision.id} an owner",
        ),
    )


def _lead_rule(workshop: Workshop, finding: Finding, key: str) -> None:
    """A MUST rule: the other teams' agents flag this decision's actions to its owner first."""
    stack = workshop.stack
    decision = next((d for d in stack.decisions if d.id == finding.decision), None)
    if decision is None or decision.owner is None:
        st.caption("Pick an owner first; then the others can be asked to flag to it.")
        return
    agents = {a.id: a for a in stack.agents}
    others = sorted({agent for agent, _ in finding.cells if agents[agent].team != decision.owner})
    actions = sorted({action for agent, action in finding.cells if agent in others})
    if not others:
        return
    owner = wording.team(stack, decision.owner)
    rule = {
        "id": _free_id(stack, f"lead-{decision.id}"),
        "kind": "must",
        "owner": decision.owner,
        "rationale": f"{owner} leads {decision.name or decision.id}: other teams' agents check with it first.",
        "agents": others,
        "actions": actions,
        "duties": [{"do": "flag", "to": "owner"}],
    }
    st.button(
        f"Add a MUST rule: {', '.join(others)} flag {', '.join(actions)} to {owner}",
        key=f"{key}.lead",
        on_click=state.apply,
        args=(partial(edits.add_rule, rule=rule), f"add rule {rule['id']}"),
    )


def _may_rule(workshop: Workshop, finding: Finding, key: str) -> None:
    """A MAY rule for an uncovered (agent, action): what it may do on its own."""
    stack = workshop.stack
    agents = {a.id: a for a in stack.agents}
    cells = [cell for cell in finding.cells if cell[0] in agents]
    if not cells:
        return
    agent, action = cells[0]
    with st.form(f"{key}.may"):
        st.markdown(f"Let **{components.md(agent)}** take **{components.md(action)}** on its own:")
        rationale = st.text_input("Why (in plain words)", key=f"{key}.may.why")
        when = st.text_input("When (CEL, optional)", key=f"{key}.may.when")
        limit = st.text_input("Within this limit (CEL, optional)", key=f"{key}.may.limit")
        if st.form_submit_button("Add the MAY rule"):
            rule: dict[str, Any] = {
                "id": _free_id(stack, f"may-{agent}-{action}"),
                "kind": "may",
                "owner": agents[agent].team,
                "rationale": rationale.strip() or f"{agent} may {action.replace('_', ' ')} on its own.",
                "agents": [agent],
                "actions": [action],
            }
            if when.strip():
                rule["when"] = when.strip()
            if limit.strip():
                rule["limits"] = [limit.strip()]
            state.apply(partial(edits.add_rule, rule=rule), f"add rule {rule['id']}")
            st.rerun()


def _route_to_owner(workshop: Workshop, finding: Finding, key: str) -> None:
    stack = workshop.stack
    for rule_id in finding.rules:
        rule = next((r for r in stack.rules if r.id == rule_id), None)
        if rule is None:
            continue
        changes = _owner_route(rule)
        if changes:
            st.button(
                f"Send {rule.id}'s flags to the decision's owner instead",
                key=f"{key}.route.{rule.id}",
                on_click=state.apply,
                args=(partial(edits.update_rule, rule_id=rule.id, **changes), f"route {rule.id} to the owner"),
            )


def _owner_route(rule: Rule) -> dict[str, Any]:
    if rule.kind is RuleKind.MAY:
        return {"route": "owner"} if rule.route != "owner" else {}
    duties = [FlagDuty(do="flag", to="owner") if isinstance(d, FlagDuty) else d for d in rule.duties]
    return {"duties": duties} if duties != list(rule.duties) else {}


def _rules(workshop: Workshop, finding: Finding, key: str) -> None:
    stack = workshop.stack
    rules = [rule for rule_id in finding.rules for rule in stack.rules if rule.id == rule_id]
    if not rules:
        return
    names = [rule.id for rule in rules]
    chosen = st.selectbox("Edit a rule involved", ["", *names], format_func=lambda r: r or "—", key=f"{key}.rule")
    if chosen:
        rule = next(r for r in rules if r.id == chosen)
        st.markdown(f"**{components.md(editors.rule_heading(workshop, rule))}**")
        editors.rule_editor(workshop, rule, f"{key}.edit")


def _free_id(stack: Stack, base: str) -> str:
    taken = {rule.id for rule in stack.rules}
    candidate, number = base[:60], 2
    while candidate in taken:
        candidate, number = f"{base[:56]}-{number}", number + 1
    return candidate
