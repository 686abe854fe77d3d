"""The Preview page's population: the stack's sample customers, or a customer export.

A customer export (CSV or Parquet, uploaded or named in the studio's folder, with its contact
history and a column mapping optional) is read and checked by the core
(`studio.population_grid.load_population`, the backtest's reader) and decided at the sample
clock (`decide_population`). A big export is shown as counts per (agent, action) over the
customers decided, then its first customers as cells, like the sample grid; any of its cells
can be explained. Names in the folder are checked by `StackFolder.data_file` / `mapping_file`.
"""

from __future__ import annotations

from typing import Any, cast

import altair as alt
import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from studio import wording
from studio.decision import Verdict
from studio.errors import StudioError
from studio.population_grid import SHOWN, LoadedPopulation, PopulationFiles, PopulationGrid
from studio.samples import Column
from studio.stack import Stack
from studio.workshop import Workshop
from web import components, state, theme

WHERE_KEY = "population.where"
CUSTOMER_KEY = "population.customer"
COLUMN_KEY = "population.column"
FOCUS = Column("ai-sdr-agent", "offer_discount")
WORDS = {
    "customers": "Customers (one row per customer)",
    "events": "Contact history (one row per event, optional)",
}


def header(workshop: Workshop) -> LoadedPopulation | None:
    """Which population the preview decides, with the way to change it. The export in use, or
    None for the sample customers."""
    loaded = state.population()
    if loaded is not None:
        left, right = st.columns([4, 1.2], vertical_alignment="center")
        history = f"contact history: {loaded.files.events_name}" if loaded.files.events else "no contact history given"
        mapping = f" · mapping: {loaded.files.mapping_name}" if loaded.files.mapping is not None else ""
        left.markdown(
            f'<div class="studio-population"><b>Population: {components.md(loaded.files.name)}, '
            f"{loaded.total:,} customer{'s' if loaded.total != 1 else ''}</b> · {components.md(history)}"
            f"{components.md(mapping)}</div>",
            unsafe_allow_html=True,
        )
        right.button("← Back to the samples", key="population.back", on_click=state.drop_population, width="stretch")
        return loaded
    count = len(workshop.stack.customers)
    st.markdown(
        f'<div class="studio-population"><b>Population: the stack\'s {count} sample '
        f"customer{'s' if count != 1 else ''}</b></div>",
        unsafe_allow_html=True,
    )
    with st.expander("Preview on your own customers instead (a customer export)"):
        _loader(workshop)
    return None


def _loader(workshop: Workshop) -> None:
    try:
        import studio.backtest  # noqa: F401 - only to know the backtest extra is installed
    except ImportError:
        st.info("Reading exports needs the backtest extra (`pip install coordination-studio[backtest]`).")
        return
    st.caption(
        "A customers export from your CRM (CSV or Parquet), and optionally their contact history and a column "
        "mapping (the backtest's). Every customer is decided against every action, at the sample clock."
    )
    where = st.radio("Export", ["Upload", "Files in the studio's folder"], horizontal=True, key=WHERE_KEY)
    if where == "Upload":
        customers = st.file_uploader(WORDS["customers"], type=["csv", "parquet", "pq"], key="population.customers")
        events = st.file_uploader(WORDS["events"], type=["csv", "parquet", "pq"], key="population.events")
        mapping = st.file_uploader("Column mapping (YAML, optional)", type=["yaml", "yml"], key="population.mapping")
        ready = customers is not None
    else:
        customers_name = st.text_input(WORDS["customers"], value="customers.csv", key="population.path.customers")
        events_name = st.text_input(WORDS["events"], placeholder="events.csv", key="population.path.events")
        mapping_name = st.text_input("Column mapping (YAML in the folder, optional)", key="population.path.mapping")
        ready = bool(customers_name.strip())
    if not st.button("Preview on these customers", key="population.load", type="primary", disabled=not ready):
        return
    try:
        files = (
            _uploaded(customers, events, mapping)
            if where == "Upload"
            else _named(customers_name, events_name, mapping_name)
        )
        with st.spinner("Reading and checking the export…"):
            from studio.population_grid import load_population

            loaded = load_population(workshop.policy.stack, files)
    except StudioError as error:
        components.error(error)
        return
    except UnicodeDecodeError as error:
        st.error(f"**Can't read the mapping**: {components.md(str(error))}")
        return
    state.use_population(loaded)
    st.rerun()


def _uploaded(customers: Any, events: Any, mapping: Any) -> PopulationFiles:
    return PopulationFiles(
        (customers.name, customers.getvalue()),
        (events.name, events.getvalue()) if events is not None else None,
        mapping.getvalue().decode("utf-8") if mapping is not None else None,
        mapping.name if mapping is not None else "(no mapping file)",
    )


def _named(customers: str, events: str, mapping: str) -> PopulationFiles:
    folder = state.folder()
    mapping_path = folder.mapping_file(mapping) if mapping.strip() else None
    return PopulationFiles(
        folder.data_file(customers),
        folder.data_file(events) if events.strip() else None,
        mapping_path.read_text(encoding="utf-8") if mapping_path is not None else None,
        mapping_path.name if mapping_path is not None else "(no mapping file)",
    )


def render(workshop: Workshop, loaded: LoadedPopulation) -> None:
    """The export decided: counts per column, the first customers as cells, one cell explained."""
    stack = workshop.stack
    with st.spinner("Deciding every customer…"):
        found = state.population_grid(workshop)
    if found is None:
        st.info("Nothing to decide yet: the stack has never been valid.")
        return
    grid, flipped = found
    if not grid.customers or not grid.columns:
        st.info("Nothing to preview: the export has no customers, or the stack no agents with actions.")
        return
    partial = f" (the first {len(grid.customers):,} of them)" if grid.partial else ""
    st.caption(
        f"Every customer{partial} against every action its agents can take, with each action's example "
        f"parameters, decided at {wording.moment(grid.at, stack.timezone)} ({stack.timezone}). "
        + grid.clock_note(stack.timezone)
    )
    st.markdown(components.legend(grid.counts()), unsafe_allow_html=True)
    st.subheader(f"Customers by verdict, per agent → action{partial}")
    st.altair_chart(_counts_chart(stack, grid), width="stretch")
    if flipped:
        st.caption(
            f"{len(flipped):,} decision{'s' if len(flipped) != 1 else ''} changed since these customers were last "
            "decided here (blue ring below, where shown)."
        )
    shown = grid.first()
    st.subheader(
        f"The first {len(shown.customers)} customers" if grid.total > len(shown.customers) else "Every customer"
    )
    selected = _choose_cell(stack, grid)
    cells = components.verdict_grid(stack, shown, selected=selected, changed=flipped, label=str)
    st.markdown(f'<div class="studio-scroll">{cells}</div>', unsafe_allow_html=True)
    if len(grid.customers) > SHOWN:
        st.caption(f"Cells for the first {SHOWN}; the counts above are over all {len(grid.customers):,} decided.")
    if selected is not None:
        _explanation(workshop, loaded, grid, *selected)


def _choose_cell(stack: Stack, grid: PopulationGrid) -> tuple[str, Column] | None:
    return components.choose_cell(
        stack, list(grid.customers), list(grid.columns), keys=(CUSTOMER_KEY, COLUMN_KEY), focus=(None, FOCUS)
    )


def _explanation(
    workshop: Workshop, loaded: LoadedPopulation, grid: PopulationGrid, customer: str, column: Column
) -> None:
    stack = workshop.stack
    try:
        request = loaded.request(workshop.policy.stack, customer, column, grid.at)
        explained = workshop.explain_request(request)
    except StudioError as error:
        components.error(error)
        return
    except KeyError:
        return
    st.subheader(f"{customer} · {components.column_label(stack, column)}")
    events = len(request.history)
    st.caption(f"From {loaded.files.name}; {events} event{'s' if events != 1 else ''} of contact history before then.")
    components.explanation(explained)


def _counts_chart(stack: Stack, grid: PopulationGrid) -> alt.LayerChart:
    """A stacked bar per (agent, action): how many customers get each verdict, the numbers
    written in; hovering adds where the flags go."""
    counts = grid.column_counts()
    routes = grid.flag_routes()
    order = [components.column_label(stack, column) for column in grid.columns]
    records = []
    for column in grid.columns:
        label = components.column_label(stack, column)
        to = ", ".join(f"{wording.route(stack, r)} {n:,}" for r, n in routes[column].most_common(3))
        total = sum(counts[column].values()) or 1
        for rank, verdict in enumerate(Verdict):
            count = counts[column][verdict]
            wide = count / total >= 0.05  # a number fits in its bar
            records.append(
                {
                    "column": label,
                    "verdict": f"{verdict.symbol} {verdict.value}",
                    "rank": rank,
                    "customers": count,
                    "text": f"{count:,}" if count and wide else "",
                    "flags go to": to,
                }
            )
    data = pd.DataFrame(records)
    domain = [f"{v.symbol} {v.value}" for v in Verdict]
    base = alt.Chart(data).encode(
        y=alt.Y("column:N", sort=order, title=None, axis=alt.Axis(labelFontSize=13, labelLimit=320)),
        x=alt.X("customers:Q", stack="zero", title="customers", axis=alt.Axis(tickMinStep=1, format=",d")),
        order=alt.Order("rank:Q"),
    )
    bars = base.mark_bar(stroke="#111111", strokeWidth=0.5).encode(
        color=alt.Color(
            "verdict:N",
            sort=domain,
            scale=alt.Scale(domain=domain, range=[theme.FILL[v] for v in Verdict]),
            legend=alt.Legend(title=None, orient="top", labelFontSize=14),
        ),
        tooltip=["column:N", "verdict:N", "customers:Q", "flags go to:N"],
    )
    labels = (
        alt.Chart(data)
        .transform_stack(stack="customers", groupby=["column"], sort=[alt.SortField("rank")], as_=["start", "end"])
        .transform_calculate(middle="(datum.start + datum.end) / 2")
        .mark_text(fontSize=12, fontWeight="bold", color=theme.INK)
        .encode(y=alt.Y("column:N", sort=order), x="middle:Q", text="text:N")
    )
    return cast(alt.LayerChart, alt.layer(bars, labels).properties(height=60 + 30 * len(order)))
