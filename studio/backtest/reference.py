"""Deciding proposals one by one with the core engine, from the backtest's canonical tables.

The reference the compiled SQL is measured against (speed) and falls back to (rules SQL can't
decide exactly): each proposal becomes a `Request` with its customer's attributes and the
events strictly before its time, exactly as the SQL sees them, and `Policy.decide` answers.
`decision_row` turns a `Decision` into the same columns as the SQL decisions table.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from studio.backtest.layout import EVENT_NAMES, Layout
from studio.clock import MICROS_PER_DAY, from_micros, zone
from studio.decision import Decision, Effect
from studio.engine import Policy
from studio.request import Event, Request
from studio.stack import Stack, ValueType


@dataclass
class History:
    """A customer's events in time order, for slicing "before time t" quickly."""

    times: list[int]
    events: list[Event]

    def before(self, at: int) -> tuple[Event, ...]:
        return tuple(self.events[: bisect.bisect_left(self.times, at)])


def customers_by_id(stack: Stack, layout: Layout, customers: pa.Table) -> dict[str, dict[str, Any]]:
    """Canonical customers as the engine's customer dicts (attributes plus `id`)."""
    columns = {name: customers.column(col).to_pylist() for name, col in layout.attributes.items()}
    specs = stack.customer.attributes
    result: dict[str, dict[str, Any]] = {}
    for index, cid in enumerate(customers.column("cid").to_pylist()):
        customer: dict[str, Any] = {"id": cid}
        for name, values in columns.items():
            customer[name] = _runtime(specs[name].type, values[index])
        result[cid] = customer
    return result


def histories(stack: Stack, layout: Layout, events: pa.Table) -> dict[str, History]:
    """Canonical events grouped by customer, in time order."""
    ordered = events.sort_by([("cid", "ascending"), ("at", "ascending")])
    cids = ordered.column("cid").to_pylist()
    times = ordered.column("at").to_pylist()
    names = {key: ordered.column(key).to_pylist() for key in EVENT_NAMES}
    payload_specs = stack.customer.history.payload
    payload = {name: ordered.column(col).to_pylist() for name, col in layout.payload.items()}
    result: dict[str, History] = {}
    for index, cid in enumerate(cids):
        event = {
            "at": times[index],
            **{key: names[key][index] for key in EVENT_NAMES},
            "payload": {name: _runtime(payload_specs[name].type, values[index]) for name, values in payload.items()},
        }
        history = result.setdefault(cid, History([], []))
        history.times.append(times[index])
        history.events.append(event)
    return result


def _runtime(kind: ValueType, value: Any) -> Any:
    if kind is ValueType.LIST:
        return tuple(value) if value is not None else ()
    return value


def requests(
    stack: Stack,
    layout: Layout,
    proposals: pa.Table,
    customers: Mapping[str, Mapping[str, Any]],
    history: Mapping[str, History],
) -> Iterator[tuple[dict[str, Any], Request]]:
    """(the proposal's id columns, its request) for every proposal, in table order."""
    actions = {action.id: action for action in stack.actions}
    data = {name: proposals.column(name).to_pylist() for name in ("pid", "prow", "cid", "at", "agent", "action")}
    groups = {g.column: proposals.column(g.column).to_pylist() for g in layout.params}
    empty = History([], [])
    for index in range(proposals.num_rows):
        action_id = data["action"][index]
        action = actions.get(action_id)
        params: dict[str, Any] = {}
        if action is not None:
            for name, spec in action.params.items():
                column = layout.param_column(action_id, name)
                assert column is not None
                params[name] = _runtime(spec.type, groups[column][index])
        cid, at = data["cid"][index], data["at"][index]
        events = history.get(cid, empty).before(at)
        request = Request(data["agent"][index], action_id, params, customers[cid], events, at)
        yield {key: data[key][index] for key in ("pid", "prow", "cid", "at", "agent", "action")}, request


def decision_row(policy: Policy, ids: Mapping[str, Any], decision: Decision, tz: str) -> dict[str, Any]:
    """A decision as a row of the decisions table (the same columns the SQL produces)."""
    agent = policy.agents.get(ids["agent"])
    verdict = decision.verdict.value
    decisive = [rule.rule_id for rule in decision.fired if rule.verdict is decision.verdict]
    if decision.default is not None and decision.default.verdict is decision.verdict:
        decisive.append("default")
    return {
        **ids,
        "day": _day(ids["at"], tz),
        "team": agent.team if agent is not None else "",
        "verdict": verdict,
        "routes": ",".join(decision.routes),
        "fired": ",".join(decision.rule_ids),
        "over_limit": ",".join(r.rule_id for r in decision.fired if r.effect is Effect.OVER_LIMIT),
        "decisive": ",".join(decisive),
        "default_applied": decision.default is not None,
        "refusal": decision.refusal,
    }


def _day(at: int, tz: str) -> int:
    """The day (since 1970-01-01) of instant `at` on the wall clock of `tz`."""
    local = from_micros(at).astimezone(zone(tz))
    offset = local.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return (at + seconds * 1_000_000) // MICROS_PER_DAY


def decide_all(
    policy: Policy, layout: Layout, customers: pa.Table, events: pa.Table, proposals: pa.Table
) -> list[dict[str, Any]]:
    """Every proposal decided by the engine, as decisions-table rows."""
    stack = policy.stack
    by_id = customers_by_id(stack, layout, customers)
    history = histories(stack, layout, events)
    return [
        decision_row(policy, ids, policy.decide(request), stack.timezone)
        for ids, request in requests(stack, layout, proposals, by_id, history)
    ]
