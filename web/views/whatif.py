"""Page 5 · What-if and review load: slide a rule's number (a limit, a window, a cap) and see
how many sample decisions change, drawn as a chart; then the flags per day each team would
review against its capacity, forecast from declared volumes and, once a backtest ran in this
session, observed in its real volumes beside it; then the backtest itself."""

from __future__ import annotations

from functools import partial
from typing import cast

import altair as alt
import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from studio import whatif, wording
from studio.decision import Verdict
from studio.errors import StudioError
from studio.review_load import LoadReport
from studio.workshop import Workshop
from web import backtest_view, components, state, theme

RULE_KEY = "whatif.rule"
POINTS = 21


def render() -> None:
    workshop = state.workshop()
    if workshop is None:
        st.info("No stack is open: choose one in the sidebar.")
        return
    st.title("What-if and review load")
    _what_if(workshop)
    _review_load(workshop)
    backtest_view.render(workshop)


def _what_if(workshop: Workshop) -> None:
    st.header("What if a number changed?")
    stack = workshop.stack
    rules = [rule for rule in stack.rules if whatif.knobs(rule)]
    if not rules:
        st.info("No rule has a number to vary.")
        return
    ids = [rule.id for rule in rules]
    if state.widget(RULE_KEY, None) not in ids:
        state.set_widget(RULE_KEY, "B3-sdr-discounts" if "B3-sdr-discounts" in ids else ids[0])
    left, right = st.columns(2)
    rule_id = left.selectbox(
        "Rule", ids, format_func=lambda r: f"{r} · {next(x.rationale for x in rules if x.id == r)[:60]}", key=RULE_KEY
    )
    knobs = whatif.knobs(next(rule for rule in rules if rule.id == rule_id))
    keys = [knob.key for knob in knobs]
    number = right.selectbox(
        "Number", keys, format_func=lambda k: next(x.words for x in knobs if x.key == k), key=f"whatif.number.{rule_id}"
    )
    knob = next(k for k in knobs if k.key == number)
    low, high, step = _span(knob.value)
    chosen = st.slider(
        f"Try: {knob.words}",
        min_value=low,
        max_value=high,
        value=float(knob.value),
        step=step,
        format="%g",
        key=f"whatif.value.{rule_id}.{number}.{workshop.version}",
    )
    values = sorted({*(low + i * (high - low) / (POINTS - 1) for i in range(POINTS)), float(knob.value), chosen})
    try:
        sweep = workshop.whatif(rule_id, values, number)
    except StudioError as error:
        components.error(error)
        return
    st.altair_chart(_sweep_chart(sweep, knob.value, chosen), width="stretch")
    point = next(p for p in sweep.points if p.value == chosen)
    if not point.changed:
        st.markdown(f"At {wording.number(chosen)} no sample decision changes.")
    else:
        st.markdown(f"At **{wording.number(chosen)}**, {len(point.changed)} sample decisions change:")
        rows = [
            {
                "Customer": components.customer_label(stack, change.customer),
                "Agent → action": components.column_label(stack, change.column),
                "As written": _verdict(change.before.verdict if change.before else None),
                f"At {wording.number(chosen)}": _verdict(change.after.verdict if change.after else None),
            }
            for change in point.changed
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if chosen != knob.value:
        st.button(
            f"Make it {wording.number(chosen)} in {rule_id}",
            key=f"whatif.apply.{rule_id}.{number}.{workshop.version}",
            type="primary",
            on_click=state.apply,
            args=(partial(whatif.with_value, knob=knob, value=chosen), f"set {knob.words} to {chosen:g}"),
        )


def _span(value: float) -> tuple[float, float, float]:
    """A slider range around the number as written."""
    magnitude = abs(value) or 10.0
    high = value + magnitude
    low = 0.0 if value >= 0 else value - magnitude
    step = 1.0 if magnitude <= 200 else round(magnitude / 100)
    if magnitude < 2:
        step = 0.05
    return low, high, step


def _verdict(verdict: Verdict | None) -> str:
    return f"{verdict.symbol} {verdict.value}" if verdict is not None else "—"


def _sweep_chart(sweep: whatif.Sweep, written: float, chosen: float) -> alt.LayerChart:
    """Stacked bars of go / flag / stop sample decisions at each value; the value as written
    and the one being tried stand out, and each bar says how many decisions changed."""
    records = []
    for point in sweep.points:
        mark = "as written" if point.value == written else ("trying" if point.value == chosen else "")
        for verdict, count in point.counts.items():
            records.append(
                {
                    "value": wording.number(point.value),
                    "order": point.value,
                    "verdict": f"{verdict.symbol} {verdict.value}",
                    "rank": list(Verdict).index(verdict),
                    "decisions": count,
                    "changed": len(point.changed),
                    "mark": mark,
                }
            )
    data = pd.DataFrame(records)
    order = [f"{v.symbol} {v.value}" for v in Verdict]
    values = list(dict.fromkeys(data.sort_values("order")["value"]))
    x = alt.X(
        "value:N", sort=values, title=_axis_title(sweep.knob.words), axis=alt.Axis(labelAngle=0, labelFontSize=13)
    )
    bars = (
        alt.Chart(data)
        .mark_bar(stroke="#111111", strokeWidth=0.5)
        .encode(
            x=x,
            y=alt.Y("decisions:Q", stack="zero", title="sample decisions"),
            color=alt.Color(
                "verdict:N",
                sort=order,
                scale=alt.Scale(domain=order, range=[theme.FILL[v] for v in Verdict]),
                legend=alt.Legend(title=None, orient="top", labelFontSize=14),
            ),
            order=alt.Order("rank:Q"),
            opacity=alt.condition(alt.datum.mark != "", alt.value(1.0), alt.value(0.55)),
            tooltip=["value:N", "verdict:N", "decisions:Q", "changed:Q"],
        )
    )
    tops = data.groupby(["value", "order", "mark", "changed"], as_index=False)["decisions"].sum()
    tops["label"] = tops.apply(lambda row: row["mark"] or (f"Δ{row['changed']}" if row["changed"] else ""), axis=1)
    labels = (
        alt.Chart(tops)
        .mark_text(dy=-8, fontSize=13, fontWeight="bold")
        .encode(x=alt.X("value:N", sort=values), y="decisions:Q", text="label:N")
    )
    return cast(alt.LayerChart, alt.layer(bars, labels).properties(height=320))


def _axis_title(words: str) -> str:
    """`discount at most 10%` -> `discount limit (at most …)`: what the x axis varies."""
    for word in (" at most ", " at least ", " below ", " above ", " exactly "):
        if word in words:
            return words.split(word)[0] + word.rstrip() + " …"
    return words


def _review_load(workshop: Workshop) -> None:
    st.header("Review load")
    try:
        declared = workshop.review_load()
    except StudioError as error:
        components.error(error)
        return
    forecast = (
        f"Flags a day each team would review, from each agent's declared daily volume and the sample customers' "
        f"weights, on a day like {wording.moment(declared.at, workshop.stack.timezone)}."
    )
    kept = state.backtest()
    if kept is None:
        st.caption(forecast)
        _load(declared, _scale(declared))
        if declared.unforecast:
            st.caption("No daily volume declared for: " + ", ".join(declared.unforecast))
        return
    from studio.backtest import load_report

    observed = load_report(kept.summary, kept.compiled)
    scale = _scale(declared, observed)
    left, right = st.columns(2)
    with left:
        st.subheader("Forecast: declared volumes")
        st.caption(forecast)
        _load(declared, scale)
        if declared.unforecast:
            st.caption("No daily volume declared for: " + ", ".join(declared.unforecast))
    with right:
        st.subheader("Observed: the backtest's real volumes")
        summary = kept.summary
        st.caption(
            f"Mean flags a day each team would have reviewed over the backtest's {summary.proposals:,} real "
            f"proposals, {summary.first_day} to {summary.last_day}."
            + (
                " The stack changed since that run: these are the rules as they were then."
                if kept.revision != workshop.revision
                else ""
            )
        )
        _load(observed, scale)


def _scale(*reports: LoadReport) -> float:
    """One x axis for the charts side by side: the largest load or capacity shown."""
    values = [t.per_day for r in reports for t in r.teams] + [
        float(t.capacity) for r in reports for t in r.teams if t.capacity is not None
    ]
    return max([*values, 1.0]) * 1.05


def _load(report: LoadReport, scale: float) -> None:
    """A report's chart, then each loaded team in words with the rules driving its flags."""
    st.altair_chart(_load_chart(report, scale), width="stretch")
    st.caption("Bars: flags a day. Black tick: the team's review capacity a day.")
    for team in report.teams:
        if team.per_day <= 0 and not team.over:
            continue
        mark = "✖" if team.over else "✔"
        drivers = "; ".join(f"{d.rule_id}: {wording.rate(d.per_day)}" for d in team.drivers[:3])
        st.markdown(
            f"- {mark} {components.md(team.words())}" + (f" — driven by {components.md(drivers)}" if drivers else "")
        )


def _load_chart(report: LoadReport, scale: float) -> alt.LayerChart:
    data = pd.DataFrame(
        [
            {
                "team": team.name,
                "flags a day": round(team.per_day, 1),
                "capacity": team.capacity,
                "state": "over capacity" if team.over else "within capacity",
            }
            for team in report.teams
        ]
    )
    order = list(data["team"])
    x_scale = alt.Scale(domain=[0, scale])
    bars = (
        alt.Chart(data)
        .mark_bar(stroke="#111111", strokeWidth=1)
        .encode(
            y=alt.Y("team:N", sort=order, title=None, axis=alt.Axis(labelFontSize=14, labelLimit=260)),
            x=alt.X("flags a day:Q", title="flags a day", scale=x_scale),
            color=alt.Color(
                "state:N",
                scale=alt.Scale(
                    domain=["within capacity", "over capacity"],
                    range=[theme.FILL[Verdict.GO], theme.FILL[Verdict.STOP]],
                ),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=["team:N", "flags a day:Q", "capacity:Q", "state:N"],
        )
    )
    capacity = (
        alt.Chart(data.dropna(subset=["capacity"]))
        .mark_tick(color="#111111", thickness=5, size=30)
        .encode(y=alt.Y("team:N", sort=order), x=alt.X("capacity:Q", scale=x_scale), tooltip=["team:N", "capacity:Q"])
    )
    return cast(alt.LayerChart, alt.layer(bars, capacity).properties(height=110 + 44 * len(order)))


render()
