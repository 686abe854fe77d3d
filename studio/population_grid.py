"""Real customers as the preview's population: a customer export decided at the sample clock.

The preview grid decides a stack's sample customers; a room also wants to see its own.
`load_population(stack, files)` reads a customers export (and, optionally, the contact-history
export) through `studio.backtest.read_population` — the backtest's mapping and checks, every
bad value named by file, row and column — keeping the first `DECIDED` customers, and says how
many the export holds. `decide_population(policy, loaded, at)` decides each of them against
every (agent, action) at `at`, with the history strictly before it and each action's example
parameters, exactly as the sample grid decides a sample customer.

A big export is not 200,000 columns of cells: `PopulationGrid` gives counts by verdict per
column over the customers decided, the first rows as a `samples.PreviewGrid` (drawn like the
sample grid), and the cells an edit flipped since an earlier grid of the same customers.

Uploads are kept as bytes in `PopulationFiles`, so the export can be read again when the
stack's customer schema changes (`LoadedPopulation.fits`); they are written to a temporary
folder only while being read.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from studio import wording
from studio.decision import Decision, Verdict
from studio.engine import Policy
from studio.live_grid import same_decision
from studio.request import Request
from studio.samples import Column, PreviewGrid, columns, example_params
from studio.stack import Stack

if TYPE_CHECKING:
    from studio.backtest import Population, Source

DECIDED = 2_000
"""Customers of an export decided at most (its first ones): 22,000 decisions for a stack of
eleven (agent, action) columns, about a quarter of a second on the development machine, again
after every edit."""
SHOWN = 15
"""Customers drawn as cells (the grid's columns); the rest are counted."""

Export = Path | tuple[str, bytes]
"""A file in the studio's folder, or an upload as (file name, bytes)."""
Cell = tuple[str, Column]


def _name(export: Export) -> str:
    return export[0] if isinstance(export, tuple) else export.name


@dataclass(frozen=True)
class PopulationFiles:
    """The exports a population is read from, kept so that it can be read again."""

    customers: Export
    events: Export | None = None
    mapping: str | None = None
    """The column mapping's YAML text (None: every field from a column of its own name)."""
    mapping_name: str = "(no mapping file)"

    @property
    def name(self) -> str:
        """The customers export's file name, as the user knows it."""
        return _name(self.customers)

    @property
    def events_name(self) -> str | None:
        return _name(self.events) if self.events is not None else None


def schema_key(stack: Stack) -> tuple[Any, ...]:
    """What reading an export depends on: the customer schema, the time zone, each agent's team
    (events name an agent, the team comes from it) and the vocabulary events are checked against."""
    return (
        stack.customer,
        stack.timezone,
        tuple((agent.id, agent.team) for agent in stack.agents),
        tuple(team.id for team in stack.teams),
        tuple(action.id for action in stack.actions),
        tuple(stack.channels),
        tuple(stack.purposes),
    )


@dataclass(frozen=True)
class LoadedPopulation:
    """An export read as runtime values: its first `DECIDED` customers and their histories."""

    files: PopulationFiles
    population: Population
    total: int
    """Customers in the export (all of them, not only those read)."""
    schema: tuple[Any, ...] = field(repr=False)

    @property
    def customers(self) -> tuple[Mapping[str, Any], ...]:
        """The customers read (attributes plus `id`), in the export's order."""
        return tuple(self.population.customers)

    def fits(self, stack: Stack) -> bool:
        """Whether these values were read for `stack`'s customer schema (else read it again)."""
        return self.schema == schema_key(stack)

    def customer(self, customer_id: str) -> Mapping[str, Any] | None:
        return next((c for c in self.population.customers if str(c["id"]) == customer_id), None)

    def request(self, stack: Stack, customer_id: str, column: Column, at: int) -> Request:
        """The request one cell stands for: the customer at `at`, the events strictly before,
        the action's example parameters. KeyError for a customer not read."""
        customer = self.customer(customer_id)
        if customer is None:
            raise KeyError(customer_id)
        action = next(a for a in stack.actions if a.id == column.action)
        params = example_params(action, now=at, tz=stack.timezone)
        history = self.population.history(customer["id"], before=at)
        return Request(column.agent, column.action, params, customer, history, at)


def load_population(stack: Stack, files: PopulationFiles, *, limit: int = DECIDED) -> LoadedPopulation:
    """Read and check the exports for `stack`; the first `limit` customers are kept.

    Raises the backtest's `InputError` / `MappingError` (both `StudioError`s, with file, row
    and column) for data or a mapping that doesn't fit. ImportError without the backtest extra."""
    from studio.backtest import Population, parse_mapping, read_population

    mapping = parse_mapping(files.mapping, files.mapping_name) if files.mapping is not None else None
    with tempfile.TemporaryDirectory(prefix="studio-population-") as scratch:
        customers = _source(files.customers, Path(scratch))
        events = _source(files.events, Path(scratch)) if files.events is not None else None
        population = read_population(
            stack, customers, events, mapping=mapping, mapping_source=files.mapping_name, limit=limit + 1
        )
        total = len(population.customers)
        if total > limit:
            total = _count(customers)
            kept = population.customers[:limit]
            ids = {customer["id"] for customer in kept}
            population = Population(kept, {key: h for key, h in population.histories.items() if key in ids})
    return LoadedPopulation(files, population, total, schema_key(stack))


def _source(export: Export, folder: Path) -> Source:
    from studio.backtest import Source

    if isinstance(export, tuple):
        name, data = export
        return Source.from_bytes(name, data, folder)
    return Source.from_path(export)


def _count(source: Source) -> int:
    """Rows in an export, read the way the backtest reads it."""
    from sqlglot import exp

    from studio.backtest.engines import DuckDBSession

    session = DuckDBSession()
    try:
        session.register_raw("population_count", source)
        ((rows,),) = session.rows(exp.select(exp.Count(this=exp.Star())).from_(exp.to_table("population_count")))
        return int(rows)
    finally:
        session.close()


@dataclass(frozen=True)
class PopulationGrid:
    """The customers of an export x (agent, action), each cell decided."""

    name: str
    """The customers export's file name."""
    total: int
    """Customers in the export."""
    at: int
    customers: tuple[str, ...]
    """The customers decided (the export's first ones), in its order."""
    columns: tuple[Column, ...]
    decisions: Mapping[Cell, Decision]
    later_events: int
    """Events of these customers at or after `at`: not yet history at the moment decided."""

    @property
    def partial(self) -> bool:
        """Only the export's first customers were decided."""
        return len(self.customers) < self.total

    def counts(self) -> dict[Verdict, int]:
        """Cells by verdict, over every customer decided."""
        totals = dict.fromkeys(Verdict, 0)
        for decision in self.decisions.values():
            totals[decision.verdict] += 1
        return totals

    def column_counts(self) -> dict[Column, dict[Verdict, int]]:
        """Per column, customers by verdict."""
        found = {column: dict.fromkeys(Verdict, 0) for column in self.columns}
        for (_, column), decision in self.decisions.items():
            found[column][decision.verdict] += 1
        return found

    def flag_routes(self) -> dict[Column, Counter[str]]:
        """Per column, how many of its flags go to each route (team or human queue)."""
        found: dict[Column, Counter[str]] = {column: Counter() for column in self.columns}
        for (_, column), decision in self.decisions.items():
            if decision.verdict is Verdict.FLAG:
                found[column].update(decision.routes)
        return found

    def first(self, rows: int = SHOWN) -> PreviewGrid:
        """The first `rows` customers, as the sample grid's `PreviewGrid` (drawn the same way)."""
        shown = self.customers[:rows]
        decisions = {(c, column): self.decisions[(c, column)] for c in shown for column in self.columns}
        return PreviewGrid(self.at, shown, self.columns, MappingProxyType(decisions))

    def changed_from(self, before: PopulationGrid | None) -> frozenset[Cell]:
        """Cells of both grids whose decision differs (verdict, routes, rules or reasons)."""
        if before is None or before is self:
            return frozenset()
        return frozenset(
            cell
            for cell, decision in self.decisions.items()
            if (was := before.decisions.get(cell)) is not None and not same_decision(was, decision)
        )

    def headline(self) -> str:
        """`customers.csv: 200,000 customers; the first 2,000 decided`."""
        customers = f"{self.total:,} customer{'s' if self.total != 1 else ''}"
        if self.partial:
            return f"{self.name}: {customers}; the first {len(self.customers):,} decided"
        return f"{self.name}: {customers}"

    def clock_note(self, tz: str) -> str:
        """What the moment decided at leaves out ("" when nothing)."""
        if not self.later_events:
            return ""
        return (
            f"{self.later_events:,} event{'s' if self.later_events != 1 else ''} of these customers "
            f"{'are' if self.later_events != 1 else 'is'} at or after {wording.moment(self.at, tz)}, "
            "so not yet history when deciding."
        )


def decide_population(policy: Policy, loaded: LoadedPopulation, at: int) -> PopulationGrid:
    """Every customer read x every (agent, action) of `policy`'s stack, decided at `at`."""
    stack = policy.stack
    grid_columns = columns(stack)
    actions = {action.id: action for action in stack.actions}
    params = {c: example_params(actions[c.action], now=at, tz=stack.timezone) for c in grid_columns}
    population = loaded.population
    decisions: dict[Cell, Decision] = {}
    ids: list[str] = []
    later = 0
    for customer in population.customers:
        raw = customer["id"]
        cid = str(raw)
        ids.append(cid)
        history = population.history(raw, before=at)
        later += len(population.history(raw)) - len(history)
        for column in grid_columns:
            request = Request(column.agent, column.action, params[column], customer, history, at)
            decisions[(cid, column)] = policy.decide(request)
    return PopulationGrid(
        loaded.files.name,
        loaded.total,
        at,
        tuple(ids),
        grid_columns,
        MappingProxyType(decisions),
        later,
    )
