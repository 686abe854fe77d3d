"""A stack's rules as one SQL query: every proposal decided at once, as the engine decides one.

`compile_stack(stack)` builds a sqlglot tree over the canonical tables (`layout.py`) that
renders as DuckDB or Spark SQL. The (agent, action) cells, their defaults and their resolved
routes are taken from the engine's own `Policy`, so routing can't drift from it:

```
px   proposals + their customer + their cell (default verdict and route)    one row each
xN   per (proposal, event): counts for history macros inside history macros  second join
hx   per proposal: counts over its earlier events (e.at < p.at)              one join
fx   px + hx: per rule "applies" (binds the cell and its condition holds)   conditions
     and "within limits"
gx   never fired; may rules allowing / over limit (flag, stop); covered;     precedence
     must flags
vx   the verdict: stop > flag > go, with the default when no may rule covers
out  verdict, routes (must targets in rule-id order, then the permission's, no repeats),
     fired / over-limit / decisive rule ids, default applied, refusal
```

"History as it stood" is the events strictly before the proposal's time: an event at the
same microsecond (often the proposal itself, logged once it went out) is not yet history.

A rule whose condition or limits can't be compiled exactly (see `cel_sql.py`) is listed in
`uncompiled`; the cells it binds are left to the engine (their verdict is NULL here, and
`run.py` decides those proposals one by one), so nothing is silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from sqlglot import exp

from studio.backtest.cel_sql import (
    COUNTS,
    EVENT,
    INNER_EVENT,
    PROPOSAL,
    CelToSql,
    HistoryCount,
    PairCount,
    UnsupportedError,
)
from studio.backtest.layout import CUSTOMERS, EVENTS, PROPOSALS, Layout, layout
from studio.backtest.sql import (
    BIGINT,
    VARCHAR,
    Dialect,
    LocalMicros,
    and_,
    boolean,
    case,
    column,
    integer,
    not_,
    or_,
    render,
    string,
    table,
)
from studio.cel.parse import parse
from studio.clock import MICROS_PER_DAY
from studio.condition import text_of, to_tree
from studio.decision import Verdict
from studio.engine import Policy, compile_policy
from studio.environment import base_environment, covered_actions, rule_environment
from studio.stack import Rule, RuleKind, Stack

OUTPUT_COLUMNS = (
    "pid",
    "prow",
    "cid",
    "at",
    "day",
    "agent",
    "action",
    "team",
    "verdict",
    "routes",
    "fired",
    "over_limit",
    "decisive",
    "default_applied",
    "refusal",
)
"""The decisions table: ids, when (epoch µs, and the day in the stack's zone as days since
1970), who and what, then the decision. Lists (routes, fired, ...) are comma-separated ids."""

_DAY_SHIFT = 5_200 * 7
"""Whole weeks added before dividing, so days are counted from positive numbers."""


@dataclass(frozen=True, slots=True)
class Uncompiled:
    """A rule (or one of its limits) that SQL can't decide exactly, and why."""

    rule_id: str
    part: str
    """`when` or `limits[i]`."""
    text: str
    reason: str
    line: int
    column: int

    def describe(self) -> str:
        return f"{self.rule_id} {self.part} ({self.line}:{self.column}): {self.reason}: {self.text}"


@dataclass(frozen=True)
class CompiledPolicy:
    """The decision query of a stack, with what couldn't be compiled."""

    stack: Stack
    policy: Policy
    layout: Layout
    query: exp.Select
    uncompiled: tuple[Uncompiled, ...]
    engine_cells: frozenset[tuple[str, str]]
    """(agent, action) cells bound by an uncompiled rule: decided by the engine, not by SQL."""

    def sql(self, dialect: Dialect, *, pretty: bool = True) -> str:
        """The query as SQL text of `dialect`."""
        return render(self.query, dialect, pretty=pretty)


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    fires: exp.Expression
    within: exp.Expression
    history: bool


@dataclass
class _Rules:
    """Compiles rules one by one, collecting the history counts they need."""

    stack: Stack
    layout: Layout
    counts: list[HistoryCount] = field(default_factory=list)
    keys: dict[str, int] = field(default_factory=dict)
    pairs: list[PairCount] = field(default_factory=list)
    locals: dict[str, exp.Expression] = field(default_factory=dict)
    """Wall-clock times per proposal, by their SQL: computed once in `pt`."""
    uncompiled: list[Uncompiled] = field(default_factory=list)

    def register(self, count: HistoryCount) -> exp.Expression:
        key = render(count.predicate, "duckdb")
        index = self.keys.get(key)
        if index is None:
            index = len(self.counts)
            self.keys[key] = index
            self.counts.append(count)
        return exp.Coalesce(this=column(f"h{index}", COUNTS), expressions=[integer(0)])

    def register_local(self, local: exp.Expression) -> exp.Expression:
        columns = list(local.find_all(exp.Column))
        bare = [n for n in local.find_all(exp.Identifier) if not isinstance(n.parent, exp.Column)]
        if bare or any(c.table != PROPOSAL for c in columns):
            return local  # an event's time, or a macro's item: computed where it is read
        key = render(local, "duckdb")
        if key not in self.locals:
            self.locals[key] = local
        return column(f"lt{list(self.locals).index(key)}", PROPOSAL)

    def register_pair(self, pair: PairCount) -> exp.Expression:
        self.pairs.append(pair)
        return exp.Coalesce(this=column("n", f"x{len(self.pairs) - 1}"), expressions=[integer(0)])

    def rule(self, rule: Rule) -> _Compiled | None:
        """A rule's condition and limits as SQL, or None (recorded) when a part can't be compiled."""
        environment = rule_environment(self.stack, rule, base_environment(self.stack))
        actions = covered_actions(self.stack, rule)
        counts, keys, pairs, local_times = len(self.counts), dict(self.keys), len(self.pairs), dict(self.locals)
        compiler = CelToSql(
            self.stack, self.layout, environment, actions, self.register, self.register_pair, self.register_local
        )
        part, text = "when", text_of(rule.when)
        try:
            fires = boolean(True) if rule.when is None else compiler.condition(to_tree(rule.when))
            limits = []
            for index, limit in enumerate(rule.limits):
                part, text = f"limits[{index}]", limit
                limits.append(compiler.condition(parse(limit)))
        except UnsupportedError as error:
            del self.counts[counts:], self.pairs[pairs:]
            self.keys, self.locals = keys, local_times
            self.uncompiled.append(
                Uncompiled(rule.id, part, " ".join(text.split()), error.message, error.node.line, error.node.column)
            )
            return None
        history = len(self.counts) > counts or len(self.pairs) > pairs or _reads_counts(fires, *limits)
        return _Compiled(rule, fires, and_(*limits), history)


def _reads_counts(*parts: exp.Expression) -> bool:
    return any(isinstance(node, exp.Column) and node.table == COUNTS for part in parts for node in part.walk())


def compile_stack(stack: Stack, policy: Policy | None = None) -> CompiledPolicy:
    """The decision query for `stack` (valid: StackInvalidError otherwise)."""
    policy = policy or compile_policy(stack)
    cols = layout(stack)
    rules = _Rules(stack, cols)
    compiled = [c for rule in sorted(stack.rules, key=lambda r: r.id) if (c := rules.rule(rule)) is not None]
    failed = {u.rule_id for u in rules.uncompiled}
    cells = sorted(policy.cells)
    engine_cells = frozenset(key for key in cells if any(r.rule.id in failed for r in policy.cells[key].rules))
    query = _Query(stack, cols, policy, compiled, rules, {key: index for index, key in enumerate(cells)}, engine_cells)
    return CompiledPolicy(stack, policy, cols, query.build(), tuple(rules.uncompiled), engine_cells)


# -- the query ------------------------------------------------------------------------------


@dataclass
class _Query:
    stack: Stack
    layout: Layout
    policy: Policy
    compiled: list[_Compiled]
    rules: _Rules
    numbered: dict[tuple[str, str], int]
    engine_cells: frozenset[tuple[str, str]]

    def cells_of(self, rule: Rule) -> list[int]:
        """The cells a rule binds (decided by SQL)."""
        return [
            index
            for key, index in self.numbered.items()
            if key not in self.engine_cells and any(r.rule.id == rule.id for r in self.policy.cells[key].rules)
        ]

    def history_cells(self) -> list[int]:
        return sorted({cell for c in self.compiled if c.history for cell in self.cells_of(c.rule)})

    # -- px: proposals, customers, cells -------------------------------------------------

    def cells_table(self) -> exp.Expression:
        rows = []
        for (agent, action), index in self.numbered.items():
            cell = self.policy.cells[(agent, action)]
            values = [
                integer(index),
                string(agent),
                string(action),
                string(cell.agent["team"]),
                string(cell.agent["kind"]),
                string(cell.action["decision"]),
                string(cell.action["channel"]),
                string(cell.action["purpose"]),
                string(cell.default.verdict.value),
                string(cell.default.route),
            ]
            rows.append(exp.Tuple(expressions=values))
        if not rows:  # a stack without agents: a row that matches nothing keeps the query valid
            rows.append(exp.Tuple(expressions=[integer(-1), *[exp.cast(exp.Null(), VARCHAR) for _ in range(9)]]))
        alias = exp.TableAlias(this=exp.to_identifier("cells"), columns=[exp.to_identifier(n) for n in _CELL_COLUMNS])
        return exp.Values(expressions=rows, alias=alias)

    def px(self) -> exp.Select:
        proposal = ["pid", "prow", "cid", "at", "agent", "action", *(g.column for g in self.layout.params)]
        select = exp.select(
            *[column(name, "pr") for name in proposal],
            *[column(name, "c") for name in self.layout.attributes.values()],
            *[column(name, "cells") for name in ("cell", *_CELL_COLUMNS[3:])],
        ).from_(table(PROPOSALS, "pr"))
        select = select.join(
            table(CUSTOMERS, "c"), on=exp.EQ(this=column("cid", "c"), expression=column("cid", "pr")), join_type="left"
        )
        on_cell = and_(
            exp.EQ(this=column("c_agent", "cells"), expression=column("agent", "pr")),
            exp.EQ(this=column("c_action", "cells"), expression=column("action", "pr")),
        )
        return select.join(self.cells_table(), on=on_cell, join_type="left")

    # -- history ---------------------------------------------------------------------------

    def event_join(self, alias: str, window: int | None) -> exp.Expression:
        """Events of the proposal's customer strictly before it (and within `window`)."""
        on: list[exp.Expression] = [
            exp.EQ(this=column("cid", alias), expression=column("cid", PROPOSAL)),
            exp.LT(this=column("at", alias), expression=column("at", PROPOSAL)),
        ]
        if window is not None:
            oldest = exp.Sub(this=column("at", PROPOSAL), expression=exp.cast(integer(window), BIGINT))
            on.append(exp.GTE(this=column("at", alias), expression=oldest))
        return and_(*on)

    def in_history_cells(self) -> exp.Expression:
        return exp.In(this=column("cell", PROPOSAL), expressions=[integer(c) for c in self.history_cells()])

    def pair(self, pair: PairCount) -> exp.Select:
        select = exp.select(
            column("prow", PROPOSAL), column("erow", EVENT), exp.alias_(exp.CountIf(this=pair.predicate.copy()), "n")
        ).from_(table("pt", PROPOSAL))
        select = select.join(table(EVENTS, EVENT), on=self.event_join(EVENT, pair.outer_window), join_type="inner")
        select = select.join(
            table(EVENTS, INNER_EVENT), on=self.event_join(INNER_EVENT, pair.window), join_type="inner"
        )
        select = select.where(and_(self.in_history_cells(), pair.outer_filter.copy()))
        return select.group_by(column("prow", PROPOSAL), column("erow", EVENT))

    def hx(self) -> exp.Select:
        counts = self.rules.counts
        aggregates = [
            exp.alias_(exp.CountIf(this=c.predicate.copy()), f"h{i}", quoted=True) for i, c in enumerate(counts)
        ]
        window = None if any(c.window is None for c in counts) else max(c.window or 0 for c in counts)
        select = exp.select(column("prow", PROPOSAL), *aggregates).from_(table("pt", PROPOSAL))
        on = and_(self.event_join(EVENT, window), _relevant(counts))
        select = select.join(table(EVENTS, EVENT), on=on, join_type="inner")
        for index in range(len(self.rules.pairs)):
            alias = f"x{index}"
            on = and_(
                exp.EQ(this=column("prow", alias), expression=column("prow", PROPOSAL)),
                exp.EQ(this=column("erow", alias), expression=column("erow", EVENT)),
            )
            select = select.join(table(alias, alias), on=on, join_type="left")
        return select.where(self.in_history_cells()).group_by(column("prow", PROPOSAL))

    # -- fx, gx, vx: conditions, precedence, verdict ---------------------------------------

    def fx(self, with_counts: bool) -> exp.Select:
        flags: list[exp.Expression] = []
        for index, compiled in enumerate(self.compiled):
            bound = exp.In(
                this=column("cell", PROPOSAL), expressions=[integer(c) for c in self.cells_of(compiled.rule)]
            )
            applies = and_(bound, compiled.fires.copy()) if self.cells_of(compiled.rule) else boolean(False)
            flags.append(_named(applies, f"f{index}"))
            if compiled.rule.kind is RuleKind.MAY:
                flags.append(_named(compiled.within.copy(), f"w{index}"))
        select = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(PROPOSAL)), *flags)
        select = select.from_(table("pt", PROPOSAL))
        if with_counts:
            on = exp.EQ(this=column("prow", COUNTS), expression=column("prow", PROPOSAL))
            select = select.join(table("hx", COUNTS), on=on, join_type="left")
        return select

    def applies(self, index: int) -> exp.Expression:
        return exp.Coalesce(this=column(f"f{index}"), expressions=[boolean(False)])

    def within(self, index: int) -> exp.Expression:
        return column(f"w{index}")

    def indices(self, kind: RuleKind, outcome: str | None = None) -> list[int]:
        return [
            i
            for i, c in enumerate(self.compiled)
            if c.rule.kind is kind and (outcome is None or c.rule.over_limit == outcome)
        ]

    def must_flags(self) -> list[int]:
        return [i for i in self.indices(RuleKind.MUST) if any(d.do == "flag" for d in self.compiled[i].rule.duties)]

    def gx(self) -> exp.Select:
        may = self.indices(RuleKind.MAY)
        over = {
            outcome: or_(*[and_(self.applies(i), not_(self.within(i))) for i in self.indices(RuleKind.MAY, outcome)])
            for outcome in ("flag", "stop")
        }
        return exp.select(
            exp.Star(),
            exp.alias_(or_(*[self.applies(i) for i in self.indices(RuleKind.NEVER)]), "g_never", quoted=True),
            exp.alias_(or_(*[and_(self.applies(i), self.within(i)) for i in may]), "g_allowed", quoted=True),
            exp.alias_(over["flag"], "g_over_flag", quoted=True),
            exp.alias_(over["stop"], "g_over_stop", quoted=True),
            exp.alias_(or_(*[self.applies(i) for i in may]), "g_covered", quoted=True),
            exp.alias_(or_(*[self.applies(i) for i in self.must_flags()]), "g_must_flag", quoted=True),
        ).from_("fx")

    def vx(self) -> exp.Select:
        g = {
            name: column(f"g_{name}") for name in ("never", "allowed", "over_flag", "over_stop", "covered", "must_flag")
        }
        uncovered = not_(g["covered"].copy())
        default_is = {
            verdict: and_(uncovered.copy(), exp.EQ(this=column("def_verdict"), expression=string(verdict)))
            for verdict in ("stop", "flag")
        }
        stop = or_(
            g["never"].copy(),
            and_(not_(g["allowed"].copy()), not_(g["over_flag"].copy()), g["over_stop"].copy()),
            default_is["stop"],
        )
        flag = or_(g["must_flag"].copy(), and_(not_(g["allowed"].copy()), g["over_flag"].copy()), default_is["flag"])
        branches: list[tuple[exp.Expression, exp.Expression]] = [
            (exp.Is(this=column("cell"), expression=exp.Null()), string("stop"))
        ]
        engine = [self.numbered[key] for key in sorted(self.engine_cells)]
        if engine:
            undecided = exp.In(this=column("cell"), expressions=[integer(c) for c in engine])
            branches.append((undecided, exp.cast(exp.Null(), VARCHAR)))
        branches += [(stop, string("stop")), (flag, string("flag"))]
        return exp.select(exp.Star(), exp.alias_(case(branches, string("go")), "verdict", quoted=True)).from_("gx")

    # -- out: the decision's lists ---------------------------------------------------------

    def routes(self) -> exp.Expression:
        """Must rules' flag targets in rule-id order, then the permission's routes, no repeats."""
        candidates: list[tuple[exp.Expression, str]] = []
        for index in self.must_flags():
            candidates += self.targets(index, self.applies(index))
        permission_flag = and_(not_(column("g_allowed")), column("g_over_flag"))
        for index in self.indices(RuleKind.MAY, "flag"):
            over = and_(permission_flag.copy(), self.applies(index), not_(self.within(index)))
            candidates += self.targets(index, over)
        parts = []
        for position, (condition, target) in enumerate(candidates):
            earlier = [c.copy() for c, t in candidates[:position] if t == target]
            parts.append(case([(and_(condition.copy(), not_(or_(*earlier))), string(target))], None))
        default_route = column("def_route")
        uses_default = and_(
            not_(column("g_covered")),
            exp.EQ(this=column("def_verdict"), expression=string("flag")),
            exp.NEQ(this=default_route.copy(), expression=string("")),
        )
        earlier = [and_(c.copy(), exp.EQ(this=default_route.copy(), expression=string(t))) for c, t in candidates]
        parts.append(case([(and_(uses_default, not_(or_(*earlier))), default_route)], None))
        flagged = exp.EQ(this=column("verdict"), expression=string("flag"))
        return case([(flagged, _joined(parts))], string(""))

    def targets(self, index: int, condition: exp.Expression) -> list[tuple[exp.Expression, str]]:
        """(condition, target) for a rule's flag routes; cells resolve `owner` differently."""
        rule = self.compiled[index].rule
        by_routes: dict[tuple[str, ...], list[int]] = {}
        for key, cell_index in self.numbered.items():
            if key in self.engine_cells:
                continue
            for compiled in self.policy.cells[key].rules:
                if compiled.rule.id == rule.id and compiled.flag_routes:
                    by_routes.setdefault(compiled.flag_routes, []).append(cell_index)
        result = []
        for routes, cells in by_routes.items():
            in_cells = exp.In(this=column("cell"), expressions=[integer(c) for c in cells])
            guard = and_(condition.copy(), in_cells) if len(by_routes) > 1 else condition.copy()
            result += [(guard.copy(), target) for target in routes]
        return result

    def fired(self) -> exp.Expression:
        return _joined([case([(self.applies(i), string(c.rule.id))], None) for i, c in enumerate(self.compiled)])

    def over_limit(self) -> exp.Expression:
        parts = [
            case([(and_(self.applies(i), not_(self.within(i))), string(self.compiled[i].rule.id))], None)
            for i in self.indices(RuleKind.MAY)
        ]
        return _joined(parts)

    def decisive(self) -> exp.Expression:
        """Rules whose own verdict is the decision's (and `default` when the default's is)."""
        verdict = column("verdict")
        must_flags = set(self.must_flags())
        parts = []
        for index, compiled in enumerate(self.compiled):
            rule, applies = compiled.rule, self.applies(index)
            if rule.kind is RuleKind.NEVER:
                own = [(applies, "stop")]
            elif rule.kind is RuleKind.MUST:
                own = [(applies, "flag" if index in must_flags else "go")]
            else:
                outcome = "flag" if rule.over_limit == "flag" else "stop"
                within = self.within(index)
                own = [(and_(applies, within), "go"), (and_(applies.copy(), not_(within.copy())), outcome)]
            condition = or_(*[and_(c, exp.EQ(this=verdict.copy(), expression=string(v))) for c, v in own])
            parts.append(case([(condition, string(rule.id))], None))
        default = and_(
            exp.not_(exp.Is(this=column("cell"), expression=exp.Null())),
            not_(column("g_covered")),
            exp.EQ(this=column("def_verdict"), expression=verdict.copy()),
        )
        parts.append(case([(default, string("default"))], None))
        return _joined(parts)

    def pt(self) -> exp.Select:
        """px with each proposal's wall-clock times (in the zones conditions read) computed once."""
        times = [exp.alias_(local.copy(), f"lt{i}", quoted=True) for i, local in enumerate(self.rules.locals.values())]
        return exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(PROPOSAL)), *times).from_(
            table("px", PROPOSAL)
        )

    def day(self) -> exp.Expression:
        stack_clock = LocalMicros(this=column("at", PROPOSAL), expression=string(self.stack.timezone))
        local = column(self.rules.register_local(stack_clock).name)
        shifted = exp.Add(this=local, expression=integer(_DAY_SHIFT * MICROS_PER_DAY))
        return exp.Sub(
            this=exp.IntDiv(this=shifted, expression=integer(MICROS_PER_DAY)), expression=integer(_DAY_SHIFT)
        )

    def out(self) -> exp.Select:
        known = exp.not_(exp.Is(this=column("cell"), expression=exp.Null()))
        return exp.select(
            *[column(name) for name in ("pid", "prow", "cid", "at")],
            exp.alias_(self.day(), "day", quoted=True),
            column("agent"),
            column("action"),
            exp.alias_(_agent_team(self.stack), "team", quoted=True),
            column("verdict"),
            exp.alias_(self.routes(), "routes", quoted=True),
            exp.alias_(self.fired(), "fired", quoted=True),
            exp.alias_(self.over_limit(), "over_limit", quoted=True),
            exp.alias_(self.decisive(), "decisive", quoted=True),
            exp.alias_(and_(known, not_(column("g_covered"))), "default_applied", quoted=True),
            exp.alias_(_refusal(self.stack), "refusal", quoted=True),
        ).from_("vx")

    def build(self) -> exp.Select:
        with_counts = bool(self.rules.counts) and bool(self.history_cells())
        out = self.out()  # first: registers the day's wall clock among the local times of `pt`
        query = out.with_("px", as_=self.px()).with_("pt", as_=self.pt())
        if with_counts:
            for index, pair in enumerate(self.rules.pairs):
                query = query.with_(f"x{index}", as_=self.pair(pair))
            query = query.with_("hx", as_=self.hx())
        query = query.with_("fx", as_=self.fx(with_counts)).with_("gx", as_=self.gx())
        return query.with_("vx", as_=self.vx())


_CELL_COLUMNS = (
    "cell",
    "c_agent",
    "c_action",
    "ag_team",
    "ag_kind",
    "ac_decision",
    "ac_channel",
    "ac_purpose",
    "def_verdict",
    "def_route",
)


def _conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    """The parts of an AND chain (parentheses looked through)."""
    if isinstance(condition, exp.Paren):
        return _conjuncts(condition.this)
    if isinstance(condition, exp.And):
        return [*_conjuncts(condition.this), *_conjuncts(condition.expression)]
    return [condition]


def _relevant(counts: list[HistoryCount]) -> exp.Expression:
    """Events some count can use: for each count, the parts of its condition that read only the
    event, and its window. Joining only those keeps the join (and its grouping) small; an
    event passing none of them would be counted by no count anyway."""
    terms = []
    for count in counts:
        own = [
            c
            for c in _conjuncts(count.predicate)
            if all(column.table == EVENT for column in c.find_all(exp.Column)) and any(c.find_all(exp.Column))
        ]
        if count.window is not None:
            oldest = exp.Sub(this=column("at", PROPOSAL), expression=exp.cast(integer(count.window), BIGINT))
            own.append(exp.GTE(this=column("at", EVENT), expression=oldest))
        if not own:
            return boolean(True)
        terms.append(and_(*[c.copy() for c in own]))
    return or_(*terms)


def _named(value: exp.Expression, name: str) -> exp.Expression:
    return cast(exp.Expression, exp.alias_(value, name, quoted=True))


def _joined(parts: list[exp.Expression]) -> exp.Expression:
    """Comma-separated non-NULL parts ('' when none)."""
    if not parts:
        return string("")
    return exp.ConcatWs(expressions=[string(","), *parts], safe=True, coalesce=True)


def _agent_team(stack: Stack) -> exp.Expression:
    """The proposing agent's team ('' for an agent the stack doesn't know)."""
    agent = column("agent")
    return case(
        [(exp.EQ(this=agent.copy(), expression=string(a.id)), string(a.team)) for a in stack.agents], string("")
    )


def _refusal(stack: Stack) -> exp.Expression:
    """Why a proposal outside every cell is refused, in the engine's words."""
    agents = [string(a.id) for a in stack.agents]
    actions = [string(a.id) for a in stack.actions]
    agent, action = column("agent"), column("action")

    def text(*pieces: exp.Expression) -> exp.Expression:
        result = pieces[0]
        for piece in pieces[1:]:
            result = exp.DPipe(this=result, expression=piece, safe=True)
        return result

    unknown_agent = not_(exp.In(this=agent.copy(), expressions=agents)) if agents else boolean(True)
    unknown_action = not_(exp.In(this=action.copy(), expressions=actions)) if actions else boolean(True)
    return case(
        [
            (exp.not_(exp.Is(this=column("cell"), expression=exp.Null())), string("")),
            (unknown_agent, text(string("'"), agent.copy(), string("' is not an agent or tool of this stack"))),
            (unknown_action, text(string("'"), action.copy(), string("' is not an action of this stack"))),
        ],
        text(agent.copy(), string(" doesn't declare '"), action.copy(), string("' among its actions")),
    )


__all__ = ["OUTPUT_COLUMNS", "CompiledPolicy", "Uncompiled", "Verdict", "compile_stack"]
