"""Reading and checking the three exports, on the engine, before anything is decided.

For each export: register the file with the engine, resolve the mapping against its columns,
build its plan (`inputs.py`), count the problems of every row in one query, and only when
there are some, look up the first rows and their raw values to name them. Then the checks
across exports: customer and proposal ids unique, every proposal's customer known (events of
unknown customers are only noted). Every problem names the file, the row and the column.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from studio.backtest.engines import Progress, Session
from studio.backtest.inputs import PLANS, Check, TablePlan, any_problem, describe
from studio.backtest.inputs import summarise as input_error
from studio.backtest.layout import CUSTOMERS, EVENTS, PROPOSALS, Layout
from studio.backtest.mapping import BacktestMapping, Input, resolve
from studio.backtest.readers import ZONES
from studio.backtest.sources import ROW, InputError, Source
from studio.backtest.sql import VARCHAR, column, integer, string, table
from studio.errors import Problem
from studio.stack import Stack

CANONICAL = {Input.CUSTOMERS: CUSTOMERS, Input.EVENTS: EVENTS, Input.PROPOSALS: PROPOSALS}
MAX_PROBLEM_ROWS = 20


def read_exports(
    session: Session,
    stack: Stack,
    mapping: BacktestMapping,
    mapping_source: str,
    sources: dict[Input, Source],
    layout: Layout,
    tell: Progress,
) -> tuple[dict[Input, int], list[str]]:
    """Read and check every export given into its canonical table; (rows per export, notes).

    With all three exports, the checks across them follow (ids unique, proposals' customers known)."""
    rows = {}
    for input_ in Input:
        source = sources.get(input_)
        if source is None:
            continue
        tell(f"read {input_.value}", None)
        raw_name = f"raw_{input_.value}"
        raw = session.register_raw(raw_name, source)
        resolved = resolve(mapping, stack, input_, list(raw), source.name, mapping_source)
        plan = PLANS[input_](stack, layout, resolved, raw, source)
        rows[input_] = _check(session, plan, raw_name)
    return rows, _cross_checks(session, sources) if len(sources) == len(Input) else []


def _check(session: Session, plan: TablePlan, raw_name: str) -> int:
    """Check every row; raise InputError naming the first bad ones; name the canonical table;
    the number of rows.

    Parquet is read twice (once to check, once when deciding) rather than copied: its typed
    columns convert cheaply. A CSV is parsed once, into a checked table the rest reads."""
    materialized = plan.source.format == "csv"
    if materialized:
        checked = f"chk_{plan.input.value}"
        session.materialize(checked, plan.checked(raw_name))
        canonical = exp.select(*[column(name) for name in plan.columns]).from_(table(checked))
        source = checked
    else:
        canonical, source = plan.canonical(raw_name), raw_name
    problems = plan.problems(materialized=materialized)
    counts_query = exp.select(
        exp.Count(this=exp.Star()),
        *[exp.CountIf(this=exp.not_(exp.Is(this=p, expression=exp.Null()))) for p in problems],
    ).from_(table(source))
    ((rows, *counts),) = session.rows(counts_query)
    if any(counts):
        raise _problems(session, plan, source, raw_name, problems, [int(c) for c in counts])
    session.view(CANONICAL[plan.input], canonical)
    for name, check in plan.zones:
        _check_zones(session, plan, raw_name, name, check)
    return int(rows)


def _problems(
    session: Session,
    plan: TablePlan,
    source: str,
    raw_name: str,
    problems: list[exp.Expression],
    counts: list[int],
) -> InputError:
    """The first rows with a problem, as messages with their raw values."""
    query = (
        exp.select(column(ROW), *problems)
        .from_(table(source))
        .where(any_problem(problems))
        .order_by(column(ROW))
        .limit(MAX_PROBLEM_ROWS)
    )
    rows = session.rows(query)
    raw_columns = sorted({c.column for c in plan.checks if c.column is not None})
    texts: dict[int, dict[str, Any]] = {}
    if rows and raw_columns:
        picked = exp.In(this=column(ROW), expressions=[integer(int(r[0])) for r in rows])
        wanted = [exp.alias_(exp.cast(column(c), VARCHAR), f"v{i}", quoted=True) for i, c in enumerate(raw_columns)]
        for found in session.rows(exp.select(column(ROW), *wanted).from_(table(raw_name)).where(picked)):
            texts[int(found[0])] = dict(zip(raw_columns, found[1:], strict=True))
    numbers = session.row_numbers(raw_name, [int(row[0]) for row in rows])
    described: list[Problem] = []
    for row in rows:
        for index, check in enumerate(plan.checks):
            code = row[1 + index]
            if code is not None and len(described) < MAX_PROBLEM_ROWS:
                raw = texts.get(int(row[0]), {}).get(check.column) if check.column else None
                described.append(describe(plan, check, str(code), numbers[int(row[0])], raw))
    by_field: dict[str, int] = {}
    for check, count in zip(plan.checks, counts, strict=True):
        by_field[check.field] = by_field.get(check.field, 0) + count
    return input_error(plan, by_field, described)


def _check_zones(session: Session, plan: TablePlan, raw_name: str, name: str, check: Check) -> None:
    """Every distinct value of a time-zone column must be a zone (asked once per value)."""
    canonical = CANONICAL[plan.input]
    values = [row[0] for row in session.rows(exp.select(column(name)).from_(table(canonical)).distinct())]
    unknown = sorted(str(v) for v in values if v is not None and v not in ZONES)
    if not unknown:
        return
    bad = exp.In(this=column(name), expressions=[string(v) for v in unknown])
    row_column = {Input.CUSTOMERS: "crow", Input.EVENTS: "erow", Input.PROPOSALS: "prow"}[plan.input]
    query = (
        exp.select(column(row_column), column(name))
        .from_(table(canonical))
        .where(bad)
        .order_by(column(row_column))
        .limit(MAX_PROBLEM_ROWS)
    )
    rows = session.rows(query)
    numbers = session.row_numbers(raw_name, [int(r[0]) for r in rows])
    problems = [describe(plan, check, "zone", numbers[int(r[0])], str(r[1])) for r in rows]
    raise input_error(plan, {check.field: len(unknown)}, problems)


def _cross_checks(session: Session, sources: dict[Input, Source]) -> list[str]:
    """Ids unique, every proposal's customer known; events of unknown customers are noted.

    One query counts all four; the rows behind a problem are looked up only when there is one."""
    customers, proposals, events = (sources[i].name for i in (Input.CUSTOMERS, Input.PROPOSALS, Input.EVENTS))
    repeated_customers = _repeated(CUSTOMERS, "cid", "crow")
    repeated_proposals = _repeated(PROPOSALS, "pid", "prow")
    unknown = _unknown_customer(PROPOSALS, "p", [column("prow", "p"), column("cid", "p")]).order_by(column("prow", "p"))
    orphans = _unknown_customer(EVENTS, "e", [exp.Count(this=exp.Star())])

    def count(query: exp.Select) -> exp.Expression:
        return exp.Subquery(this=exp.select(exp.Count(this=exp.Star())).from_(exp.Subquery(this=query, alias="q")))

    checks = exp.select(
        count(repeated_customers), count(unknown), count(repeated_proposals), exp.Subquery(this=orphans)
    )
    ((twice, missing, duplicated, orphaned),) = session.rows(checks)
    if twice:
        rows = session.rows(repeated_customers.order_by(exp.Min(this=column("crow"))).limit(MAX_PROBLEM_ROWS))
        raise InputError(
            f"{customers}: customer ids must be unique ({int(twice):,} repeated)",
            [_repeat(session, "raw_customers", "customer", row, customers) for row in rows],
        )
    if missing:
        rows = session.rows(unknown.limit(MAX_PROBLEM_ROWS))
        numbers = session.row_numbers("raw_proposals", [int(r[0]) for r in rows])
        problems = [
            Problem(f"row {numbers[int(r)]}: customer {cid!r} is not in {customers}", proposals) for r, cid in rows
        ]
        raise InputError(f"{proposals}: {int(missing):,} proposals name customers {customers} doesn't have", problems)
    if duplicated:
        rows = session.rows(repeated_proposals.order_by(exp.Min(this=column("prow"))).limit(MAX_PROBLEM_ROWS))
        raise InputError(
            f"{proposals}: proposal ids must be unique ({int(duplicated):,} repeated)",
            [_repeat(session, "raw_proposals", "proposal", row, proposals) for row in rows],
        )
    if orphaned:
        return [f"{int(orphaned):,} events in {events} name customers not in {customers}; they were ignored"]
    return []


def _repeat(session: Session, raw_name: str, what: str, row: tuple[Any, ...], file: str) -> Problem:
    key, first, last, count = row
    numbers = session.row_numbers(raw_name, [int(first), int(last)])
    rows = (
        f"rows {numbers[int(first)]} and {numbers[int(last)]}"
        if count == 2
        else (f"rows {numbers[int(first)]} to {numbers[int(last)]}")
    )
    return Problem(f"{what} id {key!r} appears {int(count)} times ({rows})", file)


def _repeated(name: str, key: str, row: str) -> exp.Select:
    return (
        exp.select(column(key), exp.Min(this=column(row)), exp.Max(this=column(row)), exp.Count(this=exp.Star()))
        .from_(table(name))
        .group_by(column(key))
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=integer(1)))
    )


def _unknown_customer(name: str, alias: str, wanted: list[exp.Expression]) -> exp.Select:
    on = exp.EQ(this=column("cid", "c"), expression=column("cid", alias))
    return (
        exp.select(*wanted)
        .from_(table(name, alias))
        .join(table(CUSTOMERS, "c"), on=on, join_type="left")
        .where(exp.Is(this=column("cid", "c"), expression=exp.Null()))
    )
