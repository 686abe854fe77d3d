"""The summary's facts: everything `report.summarise` reads, counted by the engine in one query.

The decisions table has a row per proposal (a million, say); the summary needs a few hundred
numbers. One query (a sqlglot tree, so DuckDB and Spark run the same) groups the decisions four
narrow ways and unfolds the comma-separated lists (`routes`, `fired`, `over_limit`,
`decisive`) by joining the small groups with the ids a list can hold (the stack's rule ids,
`default`, the route targets the compiled policy can write), never row by row:

| fact | a | b | c | d | numbers |
| --- | --- | --- | --- | --- | --- |
| `verdict` | agent | action | team | verdict | n proposals, m refused, k default applied; day0/day1 first and last day |
| `team_day` | team | | | | day0 the day, n flags reaching the team that day (once per flag) |
| `fired` | rule | | | | n times fired; lo/hi the least and greatest customer id it fired on |
| `over` | rule | | | | n times over its limits |
| `decisive` | rule or `default` | | | | n times it decided the verdict |
| `stopped_by` | rule, `default`, `refused` or `(none)` | | | | n stops |
| `route` | target | | | | n flags routed to it |
| `driver` | target | rule or `default` | | | n flags routed to it that the rule decided |

A Spark run pays for one job here (and one for the first stopped proposals), whatever the
number of proposals. Every list holds each id at most once, so counting a group once per id
it contains is counting proposals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlglot import exp

from studio.backtest.compile_sql import CompiledPolicy
from studio.backtest.engines import Session
from studio.backtest.sql import BIGINT, VARCHAR, and_, column, or_, string, table
from studio.review_load import DEFAULT
from studio.stack import AgentKind, Stack

DECISIONS = "bt_decisions"
_TEXTS = ("a", "b", "c", "d")
_NUMBERS = ("day0", "day1", "n", "m", "k")
_EDGES = ("lo", "hi")
COLUMNS = ("fact", *_TEXTS, *_NUMBERS, *_EDGES)
"""The facts' columns (the table in the module doc)."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One row of the facts query (unused fields are None)."""

    fact: str
    a: str | None
    b: str | None
    c: str | None
    d: str | None
    day0: int | None
    day1: int | None
    n: int
    m: int | None
    k: int | None
    lo: str | None
    hi: str | None


def team_of_route(stack: Stack) -> dict[str, str]:
    """Each route target's reviewing team: a team itself, or a human queue's team."""
    targets = {team.id: team.id for team in stack.teams}
    for agent in stack.agents:
        if agent.kind is AgentKind.HUMAN_QUEUE:
            targets[agent.id] = agent.team
    return targets


def route_targets(compiled: CompiledPolicy) -> list[str]:
    """Every target a decision's `routes` can hold: the teams and queues, and whatever the
    compiled policy routes to (rules' flag routes and defaults' routes, as resolved per cell)."""
    targets = dict.fromkeys(team_of_route(compiled.stack))
    for cell in compiled.policy.cells.values():
        for rule in cell.rules:
            targets.update(dict.fromkeys(rule.flag_routes))
        if cell.default.route:
            targets[cell.default.route] = None
    return sorted(targets)


# -- the query --------------------------------------------------------------------------------


def _as(value: exp.Expression, name: str) -> exp.Expression:
    return cast(exp.Expression, exp.alias_(value, name, quoted=True))


def _sub(query: exp.Expression, alias: str = "q") -> exp.Subquery:
    return exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(alias)))


def _values(name: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> exp.Expression:
    """A small inline table (a row of NULLs that matches nothing when there are no rows)."""
    tuples = [exp.Tuple(expressions=[string(value) for value in row]) for row in rows]
    if not tuples:
        tuples = [exp.Tuple(expressions=[exp.cast(exp.Null(), VARCHAR) for _ in columns])]
    alias = exp.TableAlias(this=exp.to_identifier(name), columns=[exp.to_identifier(c) for c in columns])
    return exp.Values(expressions=tuples, alias=alias)


def _holds(items: exp.Expression, item: exp.Expression) -> exp.Expression:
    """Whether comma-separated `items` holds `item` (ids never contain commas)."""
    return exp.ArrayContains(this=exp.Split(this=items, expression=string(",")), expression=item)


def _is(name: str, value: str) -> exp.Expression:
    return exp.EQ(this=column(name), expression=string(value))


def _refused() -> exp.Expression:
    return exp.NEQ(this=exp.Coalesce(this=column("refusal"), expressions=[string("")]), expression=string(""))


def _grouped(keys: dict[str, exp.Expression], where: exp.Expression | None, **aggregates: exp.Expression) -> exp.Select:
    """The decisions grouped by `keys` (name -> value), with a count `n` and `aggregates`."""
    select = exp.select(
        *[_as(value, name) for name, value in keys.items()],
        _as(exp.Count(this=exp.Star()), "n"),
        *[_as(value, name) for name, value in aggregates.items()],
    ).from_(table(DECISIONS))
    if where is not None:
        select = select.where(where)
    return select.group_by(*[value.copy() for value in keys.values()])


def _groups() -> dict[str, exp.Select]:
    names = {name: column(name) for name in ("agent", "action", "team", "verdict", "day", "routes", "decisive")}
    return {
        "sf_cell": _grouped(
            {key: names[key] for key in ("agent", "action", "team", "verdict")},
            None,
            m=exp.CountIf(this=_refused()),
            k=exp.CountIf(this=exp.EQ(this=column("default_applied"), expression=exp.true())),
            day0=exp.Min(this=column("day")),
            day1=exp.Max(this=column("day")),
        ),
        "sf_day": _grouped({"day": names["day"], "routes": names["routes"]}, _is("verdict", "flag")),
        "sf_outcome": _grouped(
            {
                "verdict": names["verdict"],
                "routes": names["routes"],
                "decisive": names["decisive"],
                "refused": _refused(),
            },
            None,
        ),
        "sf_rules": _grouped(
            {"fired": column("fired"), "over_limit": column("over_limit")},
            None,
            lo=exp.Min(this=column("cid")),
            hi=exp.Max(this=column("cid")),
        ),
    }


def _unfolded(
    group: str, lists: str, ids: exp.Expression, id_column: str, where: exp.Expression | None = None
) -> exp.Select:
    """Rows of a grouping, once for each id of `ids` their list column `lists` holds."""
    on = _holds(column(lists, "g"), column(id_column, ids.alias_or_name))
    select = exp.select(exp.Star()).from_(table(group, "g")).join(ids, on=on, join_type="inner")
    return select.where(where) if where is not None else select


def _summed(rows: exp.Select, keys: tuple[str, ...], **more: exp.Expression) -> exp.Subquery:
    """`rows` summed (`n`) by `keys`, with `more` aggregates."""
    select = exp.select(
        *[column(key) for key in keys],
        _as(exp.Sum(this=column("n")), "n"),
        *[_as(value, name) for name, value in more.items()],
    )
    return _sub(select.from_(_sub(rows, "j")).group_by(*[column(key) for key in keys]))


def _fact(name: str, source: exp.Expression, **values: str) -> exp.Select:
    """A SELECT of every facts column: source columns by fact column (`a="agent"`), typed NULLs for the rest."""
    selected: list[exp.Expression] = [_as(string(name), "fact")]
    for key in COLUMNS[1:]:
        kind = BIGINT if key in _NUMBERS else VARCHAR
        value = column(values[key]) if key in values else exp.Null()
        selected.append(_as(exp.cast(value, kind), key))
    return exp.select(*selected).from_(source)


def facts_query(compiled: CompiledPolicy) -> exp.Select:
    """The facts of the decisions table `bt_decisions`, as one query (see the module doc)."""
    stack = compiled.stack
    rule_ids = [(rule.id,) for rule in sorted(stack.rules, key=lambda r: r.id)]
    rules = _values("ids", ("id",), rule_ids)
    deciders = _values("ids", ("id",), [*rule_ids, (DEFAULT,)])
    targets = _values("targets", ("target",), [(target,) for target in route_targets(compiled)])
    teams = _values("teams", ("team", "target"), sorted((t, target) for target, t in team_of_route(stack).items()))
    flagged, refused = _is("verdict", "flag"), column("refused")
    stopped = and_(_is("verdict", "stop"), exp.not_(refused.copy()))
    # a flag reaches a team once, however many of the team's targets it is routed to
    reached = exp.select(column("day"), column("routes"), column("n"), column("team")).distinct()
    reached = reached.from_(_sub(_unfolded("sf_day", "routes", teams, "target"), "j"))
    routed = _unfolded("sf_outcome", "routes", targets, "target", flagged)
    driven = routed.join(deciders.copy(), on=_holds(column("decisive", "g"), column("id", "ids")), join_type="inner")
    unlisted = exp.Case().when(refused.copy(), string("refused")).else_(string("(none)"))
    stops = exp.select(_as(unlisted, "key"), column("n")).from_(table("sf_outcome"))
    stops = stops.where(and_(_is("verdict", "stop"), or_(refused.copy(), _is("decisive", ""))))
    first, last = exp.Min(this=column("lo")), exp.Max(this=column("hi"))
    parts = [
        _fact(
            "verdict",
            table("sf_cell"),
            a="agent",
            b="action",
            c="team",
            d="verdict",
            n="n",
            m="m",
            k="k",
            day0="day0",
            day1="day1",
        ),
        _fact("team_day", _summed(reached, ("day", "team")), a="team", day0="day", n="n"),
        _fact(
            "fired",
            _summed(_unfolded("sf_rules", "fired", rules, "id"), ("id",), lo=first, hi=last),
            a="id",
            n="n",
            lo="lo",
            hi="hi",
        ),
        _fact("over", _summed(_unfolded("sf_rules", "over_limit", rules.copy(), "id"), ("id",)), a="id", n="n"),
        _fact("decisive", _summed(_unfolded("sf_outcome", "decisive", deciders, "id"), ("id",)), a="id", n="n"),
        _fact(
            "stopped_by",
            _summed(_unfolded("sf_outcome", "decisive", deciders.copy(), "id", stopped), ("id",)),
            a="id",
            n="n",
        ),
        _fact("stopped_by", _summed(stops, ("key",)), a="key", n="n"),
        _fact("route", _summed(routed, ("target",)), a="target", n="n"),
        _fact("driver", _summed(driven, ("target", "id")), a="target", b="id", n="n"),
    ]
    union: exp.Expression = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    query = exp.select(exp.Star()).from_(_sub(union))
    for name, grouped in _groups().items():
        query = query.with_(name, as_=grouped)
    return query


def facts(session: Session, compiled: CompiledPolicy) -> list[Fact]:
    """The facts of the decisions table in `session`."""
    return [_fact_of(row) for row in session.rows(facts_query(compiled))]


def _fact_of(row: tuple[Any, ...]) -> Fact:
    values = dict(zip(COLUMNS, row, strict=True))
    for key in _NUMBERS:
        values[key] = None if values[key] is None else int(values[key])
    values["n"] = values["n"] or 0
    return Fact(**values)


__all__ = ["COLUMNS", "DECISIONS", "Fact", "facts", "facts_query", "route_targets", "team_of_route"]
