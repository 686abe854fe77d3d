"""Page 2 · Matrix: MAY / MUST / NEVER per agent, editable.

The overview shows, for every agent, the rules that bind it by kind. Below, one agent's
rules are edited: conditions and limits as CEL (checked on Enter, problems shown at the
field) or built with pickers, routes and outcomes with selects; a rule can be added."""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from studio import edits, matrix, rule_draft
from studio.stack import Agent, Rule, RuleKind, Stack
from studio.workshop import Workshop
from web import components, editors, state

AGENT_KEY = "matrix.agent"


def render() -> None:
    workshop = state.workshop()
    if workshop is None:
        st.info("No stack is open: choose one in the sidebar.")
        return
    stack = workshop.stack
    st.title("MAY / MUST / NEVER")
    st.caption(
        "MAY: what an agent does on its own, within limits. MUST: what applies while a trigger holds. "
        "NEVER: what it must not do."
    )
    if not stack.agents:
        st.info("This stack has no agents yet.")
        return
    st.dataframe(_overview(stack), hide_index=True, width="stretch")
    agents = [agent.id for agent in stack.agents if agent.actions]
    names = {agent.id: f"{agent.name or agent.id} ({agent.team})" for agent in stack.agents}
    if state.widget(AGENT_KEY, "") not in agents:
        state.set_widget(AGENT_KEY, "ai-sdr-agent" if "ai-sdr-agent" in agents else agents[0])
    chosen = st.selectbox("Agent", agents, format_func=lambda a: names[a], key=AGENT_KEY)
    agent = next(a for a in stack.agents if a.id == chosen)
    if agent.description:
        st.markdown(
            f"**{components.md(agent.name or agent.id)}** ({components.md(agent.tool or agent.kind.value)}): "
            f"{components.md(agent.description)}"
        )
    binding = _binding(stack, agent)
    tabs = st.tabs([f"{editors.KIND_WORDS[kind]} ({len(binding[kind])})" for kind in RuleKind])
    for tab, kind in zip(tabs, RuleKind, strict=True):
        with tab:
            if not binding[kind]:
                st.caption(f"No {kind.value.upper()} rule binds {agent.name or agent.id}.")
            for rule in binding[kind]:
                problems = " ✖" if editors.rule_issues(workshop, rule.id) else ""
                label = f"{rule.id} · {matrix.gist(stack, rule)}"
                with st.expander(f"{label[:150]}{problems}", expanded=len(binding[kind]) <= 2):
                    editors.rule_editor(workshop, rule, "matrix")
    _new_rule(workshop, agent)


def _binding(stack: Stack, agent: Agent) -> dict[RuleKind, list[Rule]]:
    found: dict[RuleKind, list[Rule]] = {kind: [] for kind in RuleKind}
    for rule in matrix.rules_binding(stack, agent):
        found[rule.kind].append(rule)
    return found


def _overview(stack: Stack) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for row in matrix.rule_matrix(stack):
        if not row.actions and row.agent != matrix.UNBOUND:
            continue
        rows.append(
            {
                "Agent": row.label,
                "Team": row.team,
                "MAY": ", ".join(row.rules[RuleKind.MAY]) or "— (default applies)",
                "MUST": ", ".join(row.rules[RuleKind.MUST]),
                "NEVER": ", ".join(row.rules[RuleKind.NEVER]),
            }
        )
    return pd.DataFrame(rows)


def _new_rule(workshop: Workshop, agent: Agent) -> None:
    stack = workshop.stack
    with (
        st.expander(f"+ Add a rule for {agent.name or agent.id}"),
        st.form(f"matrix.new.{agent.id}", clear_on_submit=False),
    ):
        base = f"matrix.new.{agent.id}"
        left, right = st.columns(2)
        rule_id = left.text_input("Rule id", placeholder="e.g. B20-sdr-quiet-after-case", key=f"{base}.id")
        kind = right.selectbox("Kind", [k.value for k in RuleKind], format_func=str.upper, key=f"{base}.kind")
        teams = [t.id for t in stack.teams]
        owner = left.selectbox("Owner team", teams, index=_team_index(stack, agent.team), key=f"{base}.owner")
        actions = right.multiselect(
            "Actions it covers", agent.actions, default=list(agent.actions[:1]), key=f"{base}.actions"
        )
        rationale = st.text_input("Why (in plain words)", key=f"{base}.why")
        when = st.text_input(
            "When (CEL, optional)", placeholder="customer.renewal_stage == 'negotiation'", key=f"{base}.when"
        )
        limit = st.text_input(
            "Limit (MAY only, CEL, optional)", placeholder="params.discount_pct <= 10", key=f"{base}.limit"
        )
        if st.form_submit_button("Add the rule", type="primary"):
            blank = rule_draft.new_draft(stack, kind, agent.id)
            draft = blank.with_(
                id=rule_id.strip() or blank.id,
                owner=owner,
                actions=", ".join(actions),
                rationale=rationale,
                when=(when.strip(),),
                limits=(limit.strip(),) if limit.strip() and kind == RuleKind.MAY.value else (),
            )
            problems = rule_draft.check(stack, draft)
            if problems:
                st.error("The rule wasn't added:\n" + "\n".join(f"- {components.md(str(p))}" for p in problems))
            else:
                state.apply(partial(edits.add_rule, rule=rule_draft.to_data(draft)), f"add rule {draft.id}")
                st.rerun()


def _team_index(stack: Stack, team: str) -> int:
    ids = [t.id for t in stack.teams]
    return ids.index(team) if team in ids else 0


render()
