"""Page 3 · Preview: sample customers x actions as a verdict grid (colour and symbol), the
explanation and "what would flip it" for a chosen cell, and a scenario replayed as a week,
with the policy and without it. A customer export can be the population instead of the
samples (`web.population_view`)."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from studio import wording
from studio.decision import Verdict
from studio.errors import StudioError
from studio.samples import Column
from studio.workshop import Workshop
from web import components, population_view, state

CUSTOMER_KEY = "preview.customer"
COLUMN_KEY = "preview.column"
SCENARIO_KEY = "preview.scenario"
# The cell the B2B sample's story is about, chosen first when the stack has it.
FOCUS = ("acme-logistics", Column("ai-sdr-agent", "offer_discount"))


def render() -> None:
    workshop = state.workshop()
    if workshop is None:
        st.info("No stack is open: choose one in the sidebar.")
        return
    st.title("Preview")
    loaded = population_view.header(workshop)
    if loaded is not None:
        population_view.render(workshop, loaded)
        return
    stack = workshop.stack
    grid = workshop.grid
    if not grid.customers or not grid.columns:
        st.info("Nothing to preview: the stack needs sample customers and agents with actions.")
        return
    st.caption(
        f"Every sample customer against every action its agents can take, decided at "
        f"{wording.moment(grid.at, stack.timezone)} ({stack.timezone})."
    )
    delta = state.flipped()
    selected = _choose_cell(workshop)
    st.markdown(components.legend(grid.counts()), unsafe_allow_html=True)
    st.markdown(components.verdict_grid(stack, grid, selected=selected, changed=delta.changed), unsafe_allow_html=True)
    if delta.changed:
        count = len(delta.changed)
        st.caption(
            f"Blue ring: {count} cell{'s' if count != 1 else ''} the last change flipped. Outline: the chosen cell."
        )
    if selected is not None:
        _explanation(workshop, *selected)
    _scenario(workshop)


def _choose_cell(workshop: Workshop) -> tuple[str, Column] | None:
    stack = workshop.stack
    return components.choose_cell(
        stack,
        list(workshop.grid.customers),
        list(workshop.grid.columns),
        keys=(CUSTOMER_KEY, COLUMN_KEY),
        focus=FOCUS,
        customer_label=lambda c: components.customer_label(stack, c),
    )


def _explanation(workshop: Workshop, customer: str, column: Column) -> None:
    stack = workshop.stack
    try:
        explanation = workshop.explain(customer, column.agent, column.action)
    except StudioError as error:
        components.error(error)
        return
    sample = next((c for c in stack.customers if c.id == customer), None)
    st.subheader(f"{components.customer_label(stack, customer)} · {components.column_label(stack, column)}")
    if sample is not None and sample.story:
        st.caption(sample.story)
    components.explanation(explanation)


def _scenario(workshop: Workshop) -> None:
    stack = workshop.stack
    if not stack.scenarios:
        return
    st.header("The scenario, replayed")
    ids = [s.id for s in stack.scenarios]
    titles = {s.id: s.title or s.id for s in stack.scenarios}
    chosen = st.selectbox("Scenario", ids, format_func=lambda s: titles[s], key=SCENARIO_KEY)
    try:
        pair = workshop.replay(chosen)
    except StudioError as error:
        components.error(error)
        return
    scenario = pair.with_policy.scenario
    customer = components.customer_label(stack, scenario.customer)
    st.caption(f"{components.md(scenario.description or '')} Customer: {components.md(customer)}.")
    st.altair_chart(components.timeline_chart(stack, pair.with_policy, pair.without_policy), width="stretch")
    rows = []
    for mine, bare in zip(pair.with_policy.steps, pair.without_policy.steps, strict=True):
        decision = mine.decision
        routes = ", ".join(wording.route(stack, r) for r in decision.routes)
        rows.append(
            {
                "When": mine.label or wording.moment(mine.at, stack.timezone),
                "Agent → action": components.column_label(stack, Column(mine.agent, mine.action)),
                "Without the policy": _verdict_words(bare.decision.verdict),
                "With the policy": _verdict_words(decision.verdict) + (f" → {routes}" if routes else ""),
                "Why": " ".join(r.text for r in decision.decisive_reasons[:2]),
            }
        )
    st.table(pd.DataFrame(rows).set_index("When"))


def _verdict_words(verdict: Verdict) -> str:
    return f"{verdict.symbol} {verdict.value}"


render()
