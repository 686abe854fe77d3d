"""The backtest section: the current policy run over real exports (`studio.backtest`), with the
summary drawn as charts: verdicts by team, flags per day per team against review capacity,
the rules that fire most, and examples of what would have been stopped.

Exports are uploaded (CSV or Parquet) or named in the studio's folder (checked by
`StackFolder.data_file`: nothing outside it can be read). Uploads are handed to the core's
`Source.from_bytes` in a temporary folder that is removed when the run ends.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import altair as alt
import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from studio.decision import Verdict
from studio.errors import StudioError
from studio.stack import Stack
from studio.workshop import Workshop
from web import components, state, theme

if TYPE_CHECKING:
    from studio.backtest.report import Summary
    from studio.backtest.run import BacktestResult

EXPORTS = ("customers", "events", "proposals")
WORDS = {
    "customers": "Customers (one row per customer)",
    "events": "Contact history (one row per event)",
    "proposals": "Proposed actions (one row per proposal)",
}


def render(workshop: Workshop) -> None:
    st.header("On real data: backtest")
    try:
        from studio.backtest.run import run_backtest  # noqa: F401 - only to know it is installed
    except ImportError:
        st.info("Backtests need the backtest extra (`pip install coordination-studio[backtest]`).")
        return
    st.caption(
        "Three exports from your tools (CSV or Parquet): customers, their contact history and the actions tools "
        "proposed. The policy as it stands decides every proposal; the room sees what it would have done."
    )
    where = st.radio("Exports", ["Upload", "Files in the studio's folder"], horizontal=True, key="backtest.where")
    if where == "Upload":
        files = {
            name: st.file_uploader(WORDS[name], type=["csv", "parquet", "pq"], key=f"backtest.{name}")
            for name in EXPORTS
        }
        mapping = st.file_uploader("Column mapping (YAML, optional)", type=["yaml", "yml"], key="backtest.mapping")
        ready = all(files.values())
    else:
        names = {name: st.text_input(WORDS[name], value=f"{name}.csv", key=f"backtest.path.{name}") for name in EXPORTS}
        mapping_name = st.text_input("Column mapping (YAML in the folder, optional)", key="backtest.path.mapping")
        ready = all(names.values())
    if st.button("Run the backtest", key="backtest.run", type="primary", disabled=not ready):
        with st.spinner("Deciding every proposal…"):
            if where == "Upload":
                result = _run_uploads(workshop, files, mapping)
            else:
                result = _run_paths(workshop, names, mapping_name)
        if result is not None:
            state.keep_backtest(result.summary, result.compiled, workshop.revision)
            st.rerun()  # the review load above the backtest shows the observed volumes too
    kept = state.backtest()
    if kept is not None:
        if kept.revision != workshop.revision:
            st.caption("The stack changed since this run: run it again to see the current rules on the same data.")
        _summary(workshop.stack, kept.summary)


def _run_uploads(workshop: Workshop, files: dict[str, Any], mapping: Any) -> BacktestResult | None:
    from studio.backtest.inputs import Source
    from studio.backtest.mapping import parse_mapping
    from studio.backtest.run import Inputs, run_backtest

    try:
        with tempfile.TemporaryDirectory(prefix="studio-backtest-") as scratch:
            sources = {
                name: Source.from_bytes(upload.name, upload.getvalue(), Path(scratch)) for name, upload in files.items()
            }
            chosen = parse_mapping(mapping.getvalue().decode("utf-8"), mapping.name) if mapping is not None else None
            result = run_backtest(
                workshop.policy.stack,
                Inputs(sources["customers"], sources["events"], sources["proposals"]),
                mapping=chosen,
                mapping_source=mapping.name if mapping is not None else "(no mapping file)",
                policy=workshop.policy,
            )
    except (StudioError, UnicodeDecodeError) as error:
        _failed(error)
        return None
    return result


def _run_paths(workshop: Workshop, names: dict[str, str], mapping_name: str) -> BacktestResult | None:
    from studio.backtest.inputs import Source
    from studio.backtest.mapping import load_mapping
    from studio.backtest.run import Inputs, run_backtest

    try:
        folder = state.folder()
        sources = {name: Source.from_path(folder.data_file(text)) for name, text in names.items()}
        mapping_path = folder.mapping_file(mapping_name) if mapping_name.strip() else None
        chosen, source = load_mapping(mapping_path)
        result = run_backtest(
            workshop.policy.stack,
            Inputs(sources["customers"], sources["events"], sources["proposals"]),
            mapping=chosen,
            mapping_source=source,
            policy=workshop.policy,
        )
    except StudioError as error:
        _failed(error)
        return None
    return result


def _failed(error: Exception) -> None:
    if isinstance(error, StudioError):
        components.error(error)
    else:
        st.error(f"**Can't read the upload**: {components.md(str(error))}")


def _summary(stack: Stack, summary: Summary) -> None:
    verdicts = summary.verdicts
    columns = st.columns(4)
    columns[0].metric("Proposals", f"{summary.proposals:,}")
    for column, verdict in zip(columns[1:], Verdict, strict=True):
        column.metric(f"{verdict.symbol} {verdict.value}", f"{verdicts.get(verdict.value, 0):,}")
    refused = (
        f" · {summary.refused:,} refused: agent or action not in the stack (counted as stop)" if summary.refused else ""
    )
    st.caption(
        f"{summary.first_day} to {summary.last_day} · {summary.customers:,} customers · {summary.events:,} events"
        + refused
    )
    tables = _named(stack, summary.chart_tables())
    left, right = st.columns(2)
    with left:
        st.subheader("Verdicts by team")
        st.altair_chart(_verdicts_chart(tables["verdicts"]), width="stretch")
    with right:
        st.subheader("Rules that fired most")
        st.altair_chart(_rules_chart(tables["top_rules"]), width="stretch")
    if tables["flags_per_day"]:
        st.subheader("Flags per day per team, against review capacity")
        st.caption(
            "Each cell: the flags a team would have reviewed that day; beside its name, what it can review in a day."
        )
        st.altair_chart(_flags_chart(tables["flags_per_day"]), width="stretch")
        st.caption("Review load, above, now shows these observed volumes beside the forecast from declared ones.")
    for load in summary.review_load:
        if load.days_over_capacity:
            st.markdown(
                f"- ✖ {components.md(load.name)}: over capacity on {load.days_over_capacity} of {load.days} days "
                f"(peak {load.peak_per_day} on {load.peak_day}, capacity {load.capacity})"
            )
    if summary.stopped_examples:
        st.subheader("What would have been stopped")
        st.dataframe(pd.DataFrame(tables["stopped_examples"]), hide_index=True, width="stretch")
    for note in summary.notes:
        st.caption(note)


def _named(stack: Stack, tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Teams by their names, as the room knows them (refused proposals have no team)."""
    names = {team.id: team.name or team.id for team in stack.teams}

    def name(team: str) -> str:
        return names.get(team, team) if team else "(not in the stack)"

    verdicts = [{**row, "key": name(row["key"])} if row["by"] == "team" else row for row in tables["verdicts"]]
    days = [{**row, "team": name(row["team"])} for row in tables["flags_per_day"]]
    return {**tables, "verdicts": verdicts, "flags_per_day": days}


def _verdicts_chart(rows: list[dict[str, Any]]) -> alt.Chart:
    data = pd.DataFrame([row for row in rows if row["by"] == "team"])
    order = [v.value for v in Verdict]
    teams = data["key"].nunique() if not data.empty else 1
    chart = (
        alt.Chart(data)
        .mark_bar(stroke="#111111", strokeWidth=0.5)
        .encode(
            y=alt.Y("key:N", title=None, axis=alt.Axis(labelFontSize=14, labelLimit=220)),
            x=alt.X("count:Q", stack="zero", title="proposals"),
            color=alt.Color(
                "verdict:N",
                sort=order,
                scale=alt.Scale(domain=order, range=[theme.FILL[v] for v in Verdict]),
                legend=alt.Legend(title=None, orient="top", labelExpr=_SYMBOL_LABELS),
            ),
            order=alt.Order("rank:Q"),
            tooltip=["key:N", "verdict:N", "count:Q"],
        )
        .transform_calculate(rank="indexof(['go','flag','stop'], datum.verdict)")
        .properties(height=110 + 42 * teams)
    )
    return cast(alt.Chart, chart)


_SYMBOL_LABELS = "datum.label == 'go' ? '✔ go' : datum.label == 'flag' ? '⚑ flag' : '✖ stop'"


def _rules_chart(rows: list[dict[str, Any]]) -> alt.Chart:
    data = pd.DataFrame([row for row in rows if row["fired"]][:12])
    if data.empty:
        return cast(alt.Chart, alt.Chart(pd.DataFrame({"rule": [], "fired": []})).mark_bar())
    chart = (
        alt.Chart(data)
        .mark_bar(color=theme.CHANGED)
        .encode(
            y=alt.Y("rule:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("fired:Q", title="times fired"),
            tooltip=["rule:N", "owner:N", "fired:Q", "decisive:Q", "over_limit:Q"],
        )
        .properties(height=70 + 30 * len(data))
    )
    return cast(alt.Chart, chart)


def _flags_chart(rows: list[dict[str, Any]]) -> alt.LayerChart:
    """A team x day grid: each cell the flags that day, coloured against the team's capacity
    (within ✔, over ✖), the capacity beside the team's name. Over a long period only the days
    with flags are written in (31 numbers a row don't fit a projector's width)."""
    data = pd.DataFrame(rows)
    data["state"] = [
        "over capacity" if over else ("within capacity" if flags else "no flags")
        for over, flags in zip(data["over_capacity"], data["flags"], strict=True)
    ]
    many = data["day"].nunique() > 14
    data["label"] = [
        "" if many and not flags else f"{'✖' if over else ''}{flags}"
        for over, flags in zip(data["over_capacity"], data["flags"], strict=True)
    ]
    data["team"] = [
        f"{team} · {int(capacity)}/day" if pd.notna(capacity) else team
        for team, capacity in zip(data["team"], data["capacity"], strict=True)
    ]
    if many:  # shorter day labels, the period being in the caption above
        one_month = data["day"].str[:7].nunique() == 1
        data["day"] = [str(day)[-2:] if one_month else str(day)[5:] for day in data["day"]]
    busy = data.groupby("team")["flags"].transform("sum") > 0
    data = data[busy] if busy.any() else data
    base = alt.Chart(data).encode(
        x=alt.X("day:O", title=None, axis=alt.Axis(labelAngle=0, labelFontSize=13)),
        y=alt.Y("team:N", title=None, axis=alt.Axis(labelFontSize=14, labelLimit=220)),
    )
    cells = base.mark_rect(stroke="#ffffff", strokeWidth=2).encode(
        color=alt.Color(
            "state:N",
            scale=alt.Scale(
                domain=["no flags", "within capacity", "over capacity"],
                range=["#EEEEEE", theme.FILL[Verdict.GO], theme.FILL[Verdict.STOP]],
            ),
            legend=alt.Legend(title=None, orient="top"),
        ),
        tooltip=["team:N", "day:O", "flags:Q", "capacity:Q"],
    )
    text = base.mark_text(fontSize=12 if many else 14, fontWeight="bold", color=theme.INK).encode(text="label:N")
    teams = data["team"].nunique()
    return cast(alt.LayerChart, alt.layer(cells, text).properties(height=110 + 50 * teams))
