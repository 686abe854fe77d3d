"""Render helpers: how the core's results look on the page. They format; they never decide.

Every verdict is shown as colour *and* symbol (✔ go, ⚑ flag, ✖ stop), with the colours of
`web.theme`. HTML built here escapes every text that comes from a stack file.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import cast

import altair as alt
import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from studio import wording
from studio.decision import Verdict
from studio.errors import Problem, StudioError
from studio.explain import Explanation
from studio.samples import Column, PreviewGrid, Replay
from studio.stack import Stack
from web import state, theme

VERDICT_ORDER = [Verdict.GO.value, Verdict.FLAG.value, Verdict.STOP.value]


def inject_css(projector: bool) -> None:
    """The studio's styles (and large type on a projector), once per run."""
    st.html(theme.css(projector))


def badge(verdict: Verdict, words: str = "") -> str:
    """`✔ go` on its colour, as inline HTML."""
    text = html.escape(words or f"{verdict.symbol} {verdict.value}")
    return f'<span class="studio-verdict" style="background:{theme.FILL[verdict]}">{text}</span>'


def legend(counts: Mapping[Verdict, int] | None = None) -> str:
    """The three verdicts with their symbols (and how many cells have each)."""
    parts = []
    for verdict in Verdict:
        count = f" {counts[verdict]}" if counts is not None else ""
        parts.append(badge(verdict, f"{verdict.symbol} {verdict.value}{count}"))
    return '<div class="studio-legend">' + "".join(parts) + "</div>"


def column_label(stack: Stack, column: Column) -> str:
    """`AI sales assistant → Offer a discount`."""
    agents = {agent.id: agent for agent in stack.agents}
    actions = {action.id: action for action in stack.actions}
    agent = agents.get(column.agent)
    action = actions.get(column.action)
    return f"{(agent.name if agent else '') or column.agent} → {(action.name if action else '') or column.action}"


def customer_label(stack: Stack, customer_id: str) -> str:
    found = next((c for c in stack.customers if c.id == customer_id), None)
    return (found.name or found.id) if found is not None else customer_id


def choose_cell(
    stack: Stack,
    customers: Sequence[str],
    columns: Sequence[Column],
    *,
    keys: tuple[str, str],
    focus: tuple[str | None, Column],
    customer_label: Callable[[str], str] = str,
) -> tuple[str, Column] | None:
    """A customer and an (agent, action) picked from two select boxes (`keys`: their widget keys),
    starting at `focus` when the grid has it, else at its first customer and column (None: the
    grid is empty)."""
    if not customers or not columns:
        return None
    customer_key, column_key = keys
    if state.widget(customer_key, None) not in customers:
        state.set_widget(customer_key, focus[0] if focus[0] in customers else customers[0])
    column_ids = [f"{c.agent}|{c.action}" for c in columns]
    wanted = f"{focus[1].agent}|{focus[1].action}"
    if state.widget(column_key, None) not in column_ids:
        state.set_widget(column_key, wanted if wanted in column_ids else column_ids[0])
    left, right = st.columns(2)
    customer = left.selectbox("Customer", customers, format_func=customer_label, key=customer_key)
    chosen = right.selectbox(
        "Agent → action",
        column_ids,
        format_func=lambda c: column_label(stack, Column(*c.split("|", 1))),
        key=column_key,
    )
    agent, action = chosen.split("|", 1)
    return customer, Column(agent, action)


def verdict_grid(
    stack: Stack,
    grid: PreviewGrid,
    *,
    selected: tuple[str, Column] | None = None,
    changed: Iterable[tuple[str, Column]] = (),
    label: Callable[[str], str] | None = None,
) -> str:
    """The preview grid as an HTML table: a row per (agent, action), a column per customer.

    Each cell is the verdict's colour with its symbol; hovering tells the verdict and routes.
    The selected cell has a thick blue outline; cells an edit just flipped have a blue ring.
    Customers are named by `label` (default: the sample customer's name)."""
    flipped = set(changed)
    name = label or (lambda customer: customer_label(stack, customer))
    head = "".join(f'<th class="customer" title="{html.escape(c)}">{html.escape(name(c))}</th>' for c in grid.customers)
    rows = []
    for column in grid.columns:
        cells = []
        for customer in grid.customers:
            decision = grid.decision(customer, column)
            verdict = decision.verdict
            classes = ["cell"]
            if selected == (customer, column):
                classes.append("selected")
            if (customer, column) in flipped:
                classes.append("flipped")
            routes = f" → {', '.join(decision.routes)}" if decision.routes else ""
            tip = html.escape(f"{name(customer)} · {column_label(stack, column)}: {verdict}{routes}")
            cells.append(
                f'<td class="{" ".join(classes)}" style="background:{theme.FILL[verdict]}" title="{tip}" '
                f'data-verdict="{verdict.value}" data-cell="{html.escape(customer)}|{html.escape(column.agent)}|'
                f'{html.escape(column.action)}">{verdict.symbol}</td>'
            )
        heading = html.escape(column_label(stack, column))
        ids = html.escape(f"{column.agent} · {column.action}")
        rows.append(f'<tr><td class="row">{heading}<br><small>{ids}</small></td>{"".join(cells)}</tr>')
    return f'<table class="studio-grid"><thead><tr><th></th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def explanation(explained: Explanation) -> None:
    """A decision explained: the verdict as a badge with whom it goes to, why (the decisive
    rules first), and what would flip it, side by side."""
    verdict = explained.decision.verdict
    headline = explained.headline.replace(verdict.value, f"{verdict.symbol} {verdict.value}", 1)
    st.markdown(f'<div style="font-size:1.4em">{badge(verdict, headline)}</div>', unsafe_allow_html=True)
    why, flips = st.columns(2)
    with why:
        _why(explained)
    with flips:
        _flips(explained)


def _why(explained: Explanation) -> None:
    st.markdown("**Why**")
    lines = sorted(explained.rules, key=lambda line: not line.decisive)
    for line in lines:
        mark = f"{line.verdict.symbol} " if line.decisive else "· "
        details = "".join(f"\n    - {md(d)}" for d in line.details)
        st.markdown(f"- {mark}{md(line.words)}{details}")
    if explained.default:
        st.markdown(f"- {md(explained.default)}")
    if not lines and not explained.default:
        st.markdown("- No rule fired.")


def _flips(explained: Explanation) -> None:
    st.markdown("**What would flip it**")
    if not explained.flips:
        st.markdown("Nothing within reach changes this verdict.")
        return
    for flip in explained.flips[:6]:
        words = flip.words.removeprefix(f"{flip.verdict.value} ")  # the badge already says it
        st.markdown(f"{badge(flip.verdict)} {md(words)}", unsafe_allow_html=True)


def timeline_chart(stack: Stack, enforced: Replay, without: Replay) -> alt.LayerChart:
    """The scenario as a week: one lane without the policy, one with it; a mark per step in
    its verdict's colour with its symbol, the day's label above, who proposed what on hover."""
    lanes = ("without the policy", "with the policy")
    records = []
    for lane, replay in zip(lanes, (without, enforced), strict=True):
        for step in replay.steps:
            decision = step.decision
            records.append(
                {
                    "lane": lane,
                    "when": _local(step.at, stack.timezone),
                    "label": (step.label or wording.moment(step.at, stack.timezone)) if lane == lanes[0] else "",
                    "step": column_label(stack, Column(step.agent, step.action)),
                    "verdict": decision.verdict.value,
                    "symbol": decision.verdict.symbol,
                    "routes": ", ".join(wording.route(stack, r) for r in decision.routes),
                }
            )
    data = pd.DataFrame.from_records(records)
    start = data["when"].min().normalize()
    end = max(data["when"].max().normalize() + pd.Timedelta(days=1), start + pd.Timedelta(days=7))
    colour = alt.Color(
        "verdict:N",
        scale=alt.Scale(domain=VERDICT_ORDER, range=[theme.FILL[Verdict(v)] for v in VERDICT_ORDER]),
        legend=None,
    )
    base = alt.Chart(data).encode(
        x=alt.X(
            "when:T",
            title=None,
            scale=alt.Scale(domain=[start.isoformat(), end.isoformat()]),
            axis=alt.Axis(format="%a %d %b", labelFontSize=14, tickCount={"interval": "day", "step": 1}, grid=True),
        ),
        y=alt.Y("lane:N", title=None, sort=list(lanes), axis=alt.Axis(labelFontSize=15, labelLimit=260)),
        tooltip=["step:N", "verdict:N", "routes:N"],
    )
    points = base.mark_circle(size=1400, opacity=1, stroke="#111111", strokeWidth=1).encode(color=colour)
    symbols = base.mark_text(fontSize=22, fontWeight="bold", color=theme.INK).encode(text="symbol:N")
    labels = base.mark_text(dy=-32, fontSize=14, fontWeight="bold").encode(text="label:N")
    chart = alt.layer(points, symbols, labels).properties(height=220).configure_view(strokeWidth=0)
    return cast(alt.LayerChart, chart)


def _local(micros: int, tz: str) -> pd.Timestamp:
    """A moment as the stack's local wall-clock time (how the room reads a week)."""
    return pd.Timestamp(micros, unit="us", tz="UTC").tz_convert(tz).tz_localize(None)


def problems(items: Sequence[Problem], *, limit: int = 12) -> None:
    """Problems as a list: location, message, hint."""
    for problem in items[:limit]:
        where = (
            f"line {problem.line}" + (f", column {problem.column}" if problem.column else "") if problem.line else ""
        )
        hint = f" — {problem.hint}" if problem.hint else ""
        st.markdown(f"- {'**' + where + '**: ' if where else ''}{md(problem.message)}{md(hint)}")
    if len(items) > limit:
        st.caption(f"… and {len(items) - limit} more")


def error(error: StudioError) -> None:
    """A user's mistake, said plainly: title, message, each problem (never a traceback)."""
    st.error(f"**{error.title}**: {md(error.message)}")
    problems(error.problems)


def md(text: str) -> str:
    """Text from a stack, safe inside Markdown: no accidental emphasis, links, HTML or maths ($)."""
    escaped = html.escape(text, quote=False)
    for character in "\\`*_[]#|$~":
        escaped = escaped.replace(character, "\\" + character)
    return escaped
