"""Page 6 · Sign-off: each team's lead signs the current revision (name, team, time). A later
change to anything a team signed for clears its sign-off, visibly, with what changed."""

from __future__ import annotations

from functools import partial

import streamlit as st

from studio import signoff, wording
from studio.clock import parse_instant
from studio.signoff import SignOffState, TeamSignOff
from studio.workshop import Workshop
from web import components, state

MARKS = {SignOffState.SIGNED: "✔", SignOffState.STALE: "✖", SignOffState.MISSING: "○"}


def render() -> None:
    workshop = state.workshop()
    if workshop is None:
        st.info("No stack is open: choose one in the sidebar.")
        return
    st.title("Sign-off")
    teams = workshop.signoffs()
    signed = sum(1 for t in teams if t.state is SignOffState.SIGNED)
    st.markdown(
        f"**{signed} of {len(teams)} teams** have signed revision "
        f"`{workshop.revision.removeprefix('sha256:')[:12]}`. A team signs for the rules it owns or that bind its "
        "agents, the decisions it owns and its agents; changing any of them clears its sign-off."
    )
    blocked = _blocked(workshop)
    if blocked:
        st.warning(blocked)
    for team in teams:
        _team(workshop, team, blocked)


def _blocked(workshop: Workshop) -> str:
    """Why nobody can sign right now ("" when they can)."""
    if not workshop.valid:
        return "The stack has problems (see Findings): fix them before anyone signs."
    if workshop.dirty:
        return "There are unsaved changes: save them first, so everyone signs the version on disk."
    return ""


def _team(workshop: Workshop, team: TeamSignOff, blocked: str) -> None:
    css = {SignOffState.SIGNED: "studio-signed", SignOffState.STALE: "studio-cleared"}.get(
        team.state, "studio-question"
    )
    lead = f" · lead: {components.md(team.lead)}" if team.lead else ""
    st.markdown(
        f'<div class="{css}"><b>{MARKS[team.state]} {components.md(team.name)}</b>{lead}<br>'
        f"{components.md(_words(workshop, team))}</div>",
        unsafe_allow_html=True,
    )
    if team.state is SignOffState.STALE and team.changes:
        st.markdown("Changed since they signed:\n" + "\n".join(f"- {components.md(c.words)}" for c in team.changes))
    key = f"signoff.{team.team}.{workshop.version}"
    left, middle, right = st.columns([3, 2, 2], vertical_alignment="bottom")
    left.text_input("Signing", value=team.lead, key=f"{key}.name", label_visibility="collapsed", placeholder="Name")
    middle.button(
        f"Sign for {team.name}" if team.state is not SignOffState.SIGNED else "Sign again",
        key=f"{key}.sign",
        type="primary" if team.state is not SignOffState.SIGNED else "secondary",
        disabled=bool(blocked),
        on_click=_sign,
        args=(team.team, f"{key}.name"),
    )
    if team.signoff is not None:
        right.button(
            "Withdraw",
            key=f"{key}.withdraw",
            disabled=bool(blocked),
            on_click=_withdraw,
            args=(team.team,),
        )


def _words(workshop: Workshop, team: TeamSignOff) -> str:
    if team.state is SignOffState.MISSING or team.signoff is None:
        return "Not signed yet."
    at = parse_instant(team.signoff.at, now=0)
    when = wording.moment(at, workshop.stack.timezone)
    if team.state is SignOffState.SIGNED:
        return f"Signed by {team.signoff.name} on {when}."
    return f"Cleared: {team.signoff.name} signed on {when}, and something the team signed for has changed since."


def _sign(team: str, name_key: str) -> None:
    name = str(state.widget(name_key, "")).strip()
    if state.applied(partial(signoff.sign, team=team, name=name, at=state.now()), f"sign off for {team}"):
        state.save()


def _withdraw(team: str) -> None:
    if state.applied(partial(signoff.unsign, team=team), f"withdraw {team}'s sign-off"):
        state.save()


render()
