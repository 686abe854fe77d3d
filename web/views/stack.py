"""Page 1 · Stack: who owns what. The register of tools and agents, the teams, and the customer
decisions with their owners; unowned and contested decisions come first, as open questions
the room answers here."""

from __future__ import annotations

from functools import partial

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from studio import edits
from studio.stack import CustomerDecision, Stack
from studio.workshop import Workshop
from web import components, findings_source, state


def render() -> None:
    workshop = state.workshop()
    if workshop is None:
        st.info("No stack is open: choose one in the sidebar.")
        return
    stack = workshop.stack
    st.title(stack.name)
    if stack.description:
        st.markdown(components.md(stack.description))
    unowned = [d for d in stack.decisions if d.owner is None]
    contested = findings_source.contested(workshop)
    columns = st.columns(4)
    columns[0].metric("Teams", len(stack.teams))
    columns[1].metric("Tools and agents", len(stack.agents))
    columns[2].metric("Customer decisions", len(stack.decisions))
    columns[3].metric("Open questions", len(unowned) + len(contested))
    _open_questions(workshop, unowned, contested)
    st.header("Tools and agents")
    st.dataframe(_register(stack), hide_index=True, width="stretch")
    left, right = st.columns([2, 3])
    with left:
        st.header("Teams")
        st.dataframe(_teams(stack), hide_index=True, width="stretch")
    with right:
        st.header("Customer decisions")
        st.dataframe(_decisions(stack), hide_index=True, width="stretch")


def _open_questions(
    workshop: Workshop, unowned: list[CustomerDecision], contested: list[findings_source.Question]
) -> None:
    stack = workshop.stack
    st.header("Open questions")
    if not unowned and not contested:
        st.markdown("✔ Every customer decision has an owner, and no decision is contested.")
        return
    teams = [team.id for team in stack.teams]
    names = {team.id: team.name or team.id for team in stack.teams}
    for decision in stack.decisions:
        if decision.owner is not None:
            continue
        actors = _actors(stack, decision.id)
        st.markdown(
            f'<div class="studio-question"><b>Who owns “{components.md(decision.name or decision.id)}”?</b> '
            f"Nobody does yet. {components.md(actors)}</div>",
            unsafe_allow_html=True,
        )
        _owner_picker(workshop, decision.id, teams, names, "Make this team the owner")
    for question in contested:
        st.markdown(
            f'<div class="studio-question"><b>{components.md(question.title)}</b> {components.md(question.question)}</div>',
            unsafe_allow_html=True,
        )
        if question.decision:
            _owner_picker(workshop, question.decision, teams, names, "This team leads")


def _owner_index(workshop: Workshop, decision_id: str, teams: list[str]) -> int:
    owner = next((d.owner for d in workshop.stack.decisions if d.id == decision_id), None)
    return teams.index(owner) if owner in teams else 0


def _owner_picker(workshop: Workshop, decision_id: str, teams: list[str], names: dict[str, str], label: str) -> None:
    key = f"stack.owner.{decision_id}.{workshop.version}"
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    left.selectbox(
        label, teams, index=_owner_index(workshop, decision_id, teams), format_func=lambda t: names.get(t, t), key=key
    )
    right.button(
        "Assign",
        key=f"{key}.assign",
        type="primary",
        on_click=lambda: state.apply(
            partial(edits.set_decision_owner, decision_id=decision_id, owner=str(state.widget(key, teams[0]))),
            f"make {state.widget(key, teams[0])} own {decision_id}",
        ),
    )


def _actors(stack: Stack, decision_id: str) -> str:
    actions = [a.id for a in stack.actions if a.decision == decision_id]
    acting = [f"{agent.name or agent.id} ({agent.team})" for agent in stack.agents if set(agent.actions) & set(actions)]
    if not acting:
        return "No agent acts on it."
    return "Acting on it: " + ", ".join(acting) + "."


def _register(stack: Stack) -> pd.DataFrame:
    teams = {team.id: team.name or team.id for team in stack.teams}
    actions = {action.id: action.name or action.id for action in stack.actions}
    return pd.DataFrame(
        [
            {
                "Tool or agent": agent.name or agent.id,
                "Team": teams.get(agent.team, agent.team),
                "Kind": agent.kind.value.replace("_", " "),
                "Runs in": agent.tool,
                "What it does": agent.description,
                "Actions": ", ".join(actions.get(a, a) for a in agent.actions),
            }
            for agent in stack.agents
        ]
    )


def _teams(stack: Stack) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Team": team.name or team.id,
                "Lead": team.lead,
                "Reviews a day": team.review_capacity_per_day,
            }
            for team in stack.teams
        ]
    )


def _decisions(stack: Stack) -> pd.DataFrame:
    teams = {team.id: team.name or team.id for team in stack.teams}
    return pd.DataFrame(
        [
            {
                "Decision": decision.name or decision.id,
                "Owner": teams.get(decision.owner, decision.owner) if decision.owner else "❓ nobody",
                "Actions": ", ".join(a.name or a.id for a in stack.actions if a.decision == decision.id),
            }
            for decision in stack.decisions
        ]
    )


render()
