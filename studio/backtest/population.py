"""Real customers as a preview population: a customer export (and its history) read as the
engine's runtime values.

Sample customers tell a story; a room also wants to see the grid on its own customers. This
reads a customers export (and, optionally, the contact-history export) through the same
mapping and checks as a backtest (every bad value named by file, row and column), and gives
each customer as the engine sees one: the attributes plus `id`, and the events in time order,
ready for `studio.request.Request(...)` at whatever moment a preview decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from studio.backtest.checks import read_exports
from studio.backtest.engines import DuckDBSession
from studio.backtest.layout import CUSTOMERS, EVENTS, layout
from studio.backtest.mapping import BacktestMapping, Input
from studio.backtest.reference import History, customers_by_id, histories
from studio.backtest.sources import Source
from studio.backtest.sql import column, integer, table
from studio.request import Event
from studio.stack import Stack


@dataclass(frozen=True)
class Population:
    """Customers of an export, as runtime values, with their histories (empty without events)."""

    customers: tuple[Mapping[str, Any], ...]
    """Attributes plus `id`, in the export's order."""
    histories: Mapping[str, History]

    def history(self, customer_id: str, before: int | None = None) -> tuple[Event, ...]:
        """A customer's events, all of them or those strictly before `before` (µs)."""
        found = self.histories.get(customer_id)
        if found is None:
            return ()
        return tuple(found.events) if before is None else found.before(before)


def read_population(
    stack: Stack,
    customers: Source,
    events: Source | None = None,
    *,
    mapping: BacktestMapping | None = None,
    mapping_source: str = "(no mapping file)",
    limit: int | None = None,
) -> Population:
    """The customers of an export (the first `limit` of them), checked, as runtime values."""
    session = DuckDBSession()
    try:
        sources = {Input.CUSTOMERS: customers} | ({Input.EVENTS: events} if events is not None else {})
        cols = layout(stack)
        read_exports(session, stack, mapping or BacktestMapping(), mapping_source, sources, cols, lambda *_: None)
        query = exp.select(exp.Star()).from_(table(CUSTOMERS)).order_by(column("crow"))
        if limit is not None:
            query = query.limit(integer(limit))
        rows = session.arrow(query)
        by_id = customers_by_id(stack, cols, rows)
        found: dict[str, History] = {}
        if events is not None:
            session.register_arrow("population_customers", rows)
            wanted = exp.In(
                this=column("cid"),
                query=exp.Subquery(this=exp.select(column("cid")).from_(table("population_customers"))),
            )
            found = histories(stack, cols, session.arrow(exp.select(exp.Star()).from_(table(EVENTS)).where(wanted)))
        return Population(tuple(by_id.values()), found)
    finally:
        session.close()
