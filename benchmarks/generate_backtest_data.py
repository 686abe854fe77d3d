"""Seeded, reproducible backtest data sets for any stack: customers, events and proposals.

Two kinds, both written as the three exports a backtest reads (Parquet or CSV) plus the
mapping file that reads them:

- `edge_dataset(stack, proposals, seed)`: built from `studio.generate.RequestGenerator`, so
  values sit on, just inside and just outside every number, window and clock hour the
  stack's conditions name. Each generated request gives a customer, their history and a
  proposal; a third of the customers get a second proposal placed exactly on, 1 µs before
  or 1 µs after a window's edge from one of their events, or exactly at an event's time (an
  event at the proposal's own microsecond is not yet history). Kept as Python values too,
  so tests can decide every proposal with the core engine independently of the backtest.
- `bulk_dataset(stack, customers, proposals, events, seed)`: numpy-vectorised, for the
  1,000,000 / 200,000 / 5,000,000 benchmark; a fifth of the events are placed on window
  edges of a proposal of the same customer.

    .venv/bin/python -m benchmarks.generate_backtest_data sample_stacks/b2b_saas_renewals.yaml \
        --out /tmp/bt-data --customers 200000 --proposals 1000000 --events 5000000 --seed 1

Column names are the CRM's, not the stack's (`Account ID`, `Occurred At`, `attr:arr_usd`),
so every run also exercises the mapping file written beside the data.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from studio.clock import MICROS_PER_DAY, MICROS_PER_HOUR, iso
from studio.document import load_file
from studio.environment import event_kinds
from studio.generate import BASE_TIME, RequestGenerator, stack_edges
from studio.stack import ItemType, Stack, ValueSpec, ValueType

CUSTOMER_ID, EVENT_CUSTOMER, PROPOSAL_CUSTOMER = "Account ID", "Account ID", "Account ID"
EVENT_AT, PROPOSAL_AT, PROPOSAL_ID = "Occurred At", "Proposed At", "Proposal ID"
ATTRIBUTE, PAYLOAD, PARAM = "attr:", "detail:", "param:"


@dataclass
class Dataset:
    """A data set as Python values (runtime forms: numbers float, times µs, lists tuples)."""

    stack: Stack
    customers: list[dict[str, Any]] = field(default_factory=list)
    """Attributes plus `id`."""
    events: list[dict[str, Any]] = field(default_factory=list)
    """Event fields plus `customer`."""
    proposals: list[dict[str, Any]] = field(default_factory=list)
    """`id`, `customer`, `at`, `agent`, `action`, `params`."""


def edge_dataset(stack: Stack, proposals: int, *, seed: int = 0, per_customer: int = 4) -> Dataset:
    """About `proposals` proposals aimed at the stack's edges (see the module doc).

    Each generated request gives a customer, their history and a first proposal; up to
    `per_customer - 1` more proposals (another request's agent, action and parameters) follow
    for the same customer, timed exactly at one of their events, or a window's length after
    one (exactly, 1 µs less, 1 µs more), or within a day of the first."""
    generator = RequestGenerator(stack, seed=seed)
    rnd = random.Random(seed + 1)
    edges = stack_edges(stack)
    windows = list(edges.windows) or [MICROS_PER_DAY]
    counts = [int(n) for n in edges.numbers if float(n).is_integer() and 1 <= n <= 12] or [2, 3]
    data = Dataset(stack)
    pool: list[Any] = []
    while len(data.proposals) < proposals:
        request = generator.request()
        customer_id = f"c{len(data.customers)}"
        data.customers.append({**request.customer, "id": customer_id})
        history = [{**event, "customer": customer_id} for event in request.history]
        if history and rnd.random() < 0.2:
            history += _burst(rnd, rnd.choice(history), request.at, windows, counts)
        data.events.extend(history)
        pool.append(request)
        data.proposals.append(
            _proposal(len(data.proposals), customer_id, request.at, request.agent, request.action, request.params)
        )
        for _ in range(rnd.randrange(per_customer)):
            if len(data.proposals) >= proposals:
                break
            other = pool[rnd.randrange(len(pool))]
            roll = rnd.random()
            if history and roll < 0.2:
                at = int(rnd.choice(history)["at"])  # exactly at an event: not yet history
            elif history and roll < 0.8:
                at = int(rnd.choice(history)["at"]) + rnd.choice(windows) + rnd.choice((-1, 0, 1))
            else:
                at = request.at + rnd.randrange(-MICROS_PER_DAY, MICROS_PER_DAY)
            data.proposals.append(
                _proposal(len(data.proposals), customer_id, at, other.agent, other.action, other.params)
            )
    return data


def _burst(
    rnd: random.Random, template: dict[str, Any], at: int, windows: list[int], counts: list[int]
) -> list[dict[str, Any]]:
    """Copies of one event inside a window before `at`, as many as a count threshold (give or
    take one), the first exactly a window's length before: count rules (`size() >= 6`) fire."""
    window = rnd.choice(windows)
    count = max(0, rnd.choice(counts) + rnd.choice((-1, 0, 1)))
    return [{**template, "at": at - (window if index == 0 else rnd.randrange(window))} for index in range(count)]


def _proposal(index: int, customer: str, at: int, agent: str, action: str, params: Any) -> dict[str, Any]:
    return {"id": f"p{index}", "customer": customer, "at": at, "agent": agent, "action": action, "params": dict(params)}


# -- writing ----------------------------------------------------------------------------------


def _arrow_type(spec: ValueSpec, csv: bool) -> pa.DataType:
    if csv:
        return pa.string()
    kind = spec.type
    if kind is ValueType.NUMBER:
        return pa.float64()
    if kind is ValueType.BOOL:
        return pa.bool_()
    if kind is ValueType.TIMESTAMP:
        return pa.timestamp("us", tz="UTC")
    if kind is ValueType.LIST:
        return pa.list_(pa.float64() if spec.items is ItemType.NUMBER else pa.string())
    return pa.string()


def _cell(spec: ValueSpec, value: Any, csv: bool) -> Any:
    if value is None:
        return None
    kind = spec.type
    if not csv:
        if kind is ValueType.LIST:
            return list(value)
        if kind is ValueType.NUMBER:
            return float(value)
        return value
    if kind is ValueType.TIMESTAMP:
        return iso(int(value))
    if kind is ValueType.BOOL:
        return "true" if value else "false"
    if kind is ValueType.NUMBER:
        return repr(float(value))
    if kind is ValueType.LIST:
        return ";".join(repr(float(v)) if spec.items is ItemType.NUMBER else str(v) for v in value)
    return str(value)


def _time(value: int, csv: bool) -> Any:
    return iso(value) if csv else value


def tables(data: Dataset, *, csv: bool = False) -> dict[str, pa.Table]:
    """The three exports as Arrow tables (text columns for CSV)."""
    stack = data.stack
    time_type = pa.string() if csv else pa.timestamp("us", tz="UTC")
    customers: dict[str, Any] = {CUSTOMER_ID: pa.array([c["id"] for c in data.customers], pa.string())}
    for name, spec in stack.customer.attributes.items():
        customers[ATTRIBUTE + name] = pa.array(
            [_cell(spec, c[name], csv) for c in data.customers], _arrow_type(spec, csv)
        )
    events: dict[str, Any] = {
        EVENT_CUSTOMER: pa.array([e["customer"] for e in data.events], pa.string()),
        EVENT_AT: pa.array([_time(int(e["at"]), csv) for e in data.events], time_type),
    }
    for key in ("agent", "team", "kind", "channel", "purpose"):
        events[key.title()] = pa.array([e[key] or None for e in data.events], pa.string())
    for name, spec in stack.customer.history.payload.items():
        events[PAYLOAD + name] = pa.array(
            [_cell(spec, e["payload"][name], csv) for e in data.events], _arrow_type(spec, csv)
        )
    proposals: dict[str, Any] = {
        PROPOSAL_ID: pa.array([p["id"] for p in data.proposals], pa.string()),
        PROPOSAL_CUSTOMER: pa.array([p["customer"] for p in data.proposals], pa.string()),
        PROPOSAL_AT: pa.array([_time(int(p["at"]), csv) for p in data.proposals], time_type),
        "Agent": pa.array([p["agent"] for p in data.proposals], pa.string()),
        "Action": pa.array([p["action"] for p in data.proposals], pa.string()),
    }
    for name, spec in _param_specs(stack).items():
        proposals[PARAM + name] = pa.array(
            [_cell(spec, p["params"].get(name), csv) for p in data.proposals], _arrow_type(spec, csv)
        )
    return {"customers": pa.table(customers), "events": pa.table(events), "proposals": pa.table(proposals)}


def _param_specs(stack: Stack) -> dict[str, ValueSpec]:
    specs: dict[str, ValueSpec] = {}
    for action in stack.actions:
        for name, spec in action.params.items():
            specs.setdefault(name, spec)
    return specs


def mapping_text(stack: Stack) -> str:
    """The mapping file for data written by `write()`."""

    def block(title: str, entries: list[str]) -> list[str]:
        return [f"  {title}:", *entries] if entries else [f"  {title}: {{}}"]

    lines = [
        "format: coordination-studio/backtest-mapping/v1",
        "time_format: iso",
        "timezone: UTC",
        "customers:",
        f"  id: {CUSTOMER_ID!r}",
        *block("attributes", [f"    {name}: {ATTRIBUTE + name!r}" for name in stack.customer.attributes]),
        "events:",
        f"  customer: {EVENT_CUSTOMER!r}",
        f"  at: {EVENT_AT!r}",
        *[f"  {key}: {key.title()!r}" for key in ("agent", "team", "kind", "channel", "purpose")],
        *block("payload", [f"    {name}: {PAYLOAD + name!r}" for name in stack.customer.history.payload]),
        "proposals:",
        f"  id: {PROPOSAL_ID!r}",
        f"  customer: {PROPOSAL_CUSTOMER!r}",
        f"  at: {PROPOSAL_AT!r}",
        "  agent: Agent",
        "  action: Action",
        *block("params", [f"    {name}: {PARAM + name!r}" for name in _param_specs(stack)]),
    ]
    return "\n".join(lines) + "\n"


def write(arrow: dict[str, pa.Table], stack: Stack, directory: Path, *, format: str = "parquet") -> dict[str, Path]:
    """The exports and `mapping.yaml` in `directory`; their paths by name."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, data in arrow.items():
        path = directory / f"{name}.{format}"
        if format == "parquet":
            pq.write_table(data, path, row_group_size=256 * 1024)
        else:
            pa_csv.write_csv(data, path)
        paths[name] = path
    paths["mapping"] = directory / "mapping.yaml"
    paths["mapping"].write_text(mapping_text(stack), encoding="utf-8")
    return paths


# -- the bulk data set (numpy) ------------------------------------------------------------------


def bulk_dataset(stack: Stack, *, customers: int, proposals: int, events: int, seed: int = 1) -> dict[str, pa.Table]:
    """A large data set as Arrow tables (Parquet column types), fast: see the module doc."""
    rng = np.random.default_rng(seed)
    edges = stack_edges(stack)
    windows = np.array(edges.windows or (MICROS_PER_DAY,), dtype=np.int64)
    start = BASE_TIME - 90 * MICROS_PER_DAY
    span = 90 * MICROS_PER_DAY
    customer_ids = np.char.add("c", np.arange(customers).astype(str))
    table: dict[str, Any] = {CUSTOMER_ID: pa.array(customer_ids)}
    for name, spec in stack.customer.attributes.items():
        table[ATTRIBUTE + name] = _bulk_values(rng, spec, customers, edges.numbers, start, span, stack)
    customers_table = pa.table(table)

    cells = [(agent.id, action) for agent in stack.agents for action in agent.actions]
    cell_index = rng.integers(0, len(cells), proposals)
    agents = np.array([c[0] for c in cells])[cell_index]
    actions = np.array([c[1] for c in cells])[cell_index]
    refuse = rng.random(proposals) < 0.01
    agents = np.where(refuse, "unknown-agent", agents)
    proposal_customer = rng.integers(0, customers, proposals)
    proposal_at = start + rng.integers(0, span, proposals)
    on_hour = rng.random(proposals) < 0.3
    proposal_at = np.where(
        on_hour, proposal_at - proposal_at % MICROS_PER_HOUR + rng.integers(-1, 2, proposals), proposal_at
    )
    table = {
        PROPOSAL_ID: pa.array(np.char.add("p", np.arange(proposals).astype(str))),
        PROPOSAL_CUSTOMER: pa.array(customer_ids[proposal_customer]),
        PROPOSAL_AT: pa.array(proposal_at, pa.timestamp("us", tz="UTC")),
        "Agent": pa.array(agents),
        "Action": pa.array(actions),
    }
    action_specs = {action.id: action.params for action in stack.actions}
    for name, spec in _param_specs(stack).items():
        values = _bulk_values(rng, spec, proposals, edges.numbers, start, span, stack)
        has = np.isin(actions, [a for a, params in action_specs.items() if name in params])
        if pa.types.is_list(values.type):
            table[PARAM + name] = pa.ListArray.from_arrays(values.offsets, values.values, mask=pa.array(~has))
        else:
            table[PARAM + name] = pa.array(values.to_numpy(zero_copy_only=False), mask=~has, type=values.type)
    proposals_table = pa.table(table)

    edge_share = events // 5
    event_customer = rng.integers(0, customers, events)
    event_at = start - 30 * MICROS_PER_DAY + rng.integers(0, span + 30 * MICROS_PER_DAY, events)
    anchors = rng.integers(0, proposals, edge_share)
    event_customer[:edge_share] = proposal_customer[anchors]
    event_at[:edge_share] = (
        proposal_at[anchors] - windows[rng.integers(0, len(windows), edge_share)] + rng.integers(-1, 2, edge_share)
    )
    same_instant = rng.random(edge_share) < 0.05
    event_at[:edge_share] = np.where(same_instant, proposal_at[anchors], event_at[:edge_share])
    agent_vocabulary = np.array([*(agent.id for agent in stack.agents), ""])
    team_of_agent = np.array([*(agent.team for agent in stack.agents), ""])
    agent_code = rng.integers(0, len(agent_vocabulary), events)
    event_agent = agent_vocabulary[agent_code]
    random_team = np.array([team.id for team in stack.teams])[rng.integers(0, len(stack.teams), events)]
    event_team = np.where(team_of_agent[agent_code] == "", random_team, team_of_agent[agent_code])
    kinds = list(event_kinds(stack))
    table = {
        EVENT_CUSTOMER: pa.array(customer_ids[event_customer]),
        EVENT_AT: pa.array(event_at, pa.timestamp("us", tz="UTC")),
        "Agent": pa.array(np.where(event_agent == "", None, event_agent)),
        "Team": pa.array(event_team),
        "Kind": pa.array(np.array(kinds)[rng.integers(0, len(kinds), events)]),
        "Channel": pa.array(np.array([*stack.channels, ""])[rng.integers(0, len(stack.channels) + 1, events)]),
        "Purpose": pa.array(np.array([*stack.purposes, ""])[rng.integers(0, len(stack.purposes) + 1, events)]),
    }
    for name, spec in stack.customer.history.payload.items():
        table[PAYLOAD + name] = _bulk_values(rng, spec, events, edges.numbers, start, span, stack)
    events_table = pa.table(table)
    return {"customers": customers_table, "events": events_table, "proposals": proposals_table}


def _bulk_values(
    rng: np.random.Generator, spec: ValueSpec, n: int, numbers: tuple[float, ...], start: int, span: int, stack: Stack
) -> pa.Array:
    kind = spec.type
    if kind is ValueType.NUMBER:
        low = spec.min if spec.min is not None else min([*numbers, 0.0]) - 100
        high = spec.max if spec.max is not None else max([*numbers, 100.0]) * 2
        uniform = np.round(rng.uniform(low, high, n), 2)
        if numbers:
            near = np.array(numbers)[rng.integers(0, len(numbers), n)] + rng.choice(
                [0.0, 0.0, -1.0, 1.0, -0.01, 0.01], n
            )
            uniform = np.where(rng.random(n) < 0.6, near, uniform)
        return pa.array(np.clip(uniform, low, high), pa.float64())
    if kind is ValueType.BOOL:
        return pa.array(rng.random(n) < 0.5)
    if kind is ValueType.ENUM:
        return pa.array(np.array(spec.values)[rng.integers(0, len(spec.values), n)])
    if kind is ValueType.TIMEZONE:
        zones = ["UTC", "America/New_York", "America/Chicago", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney"]
        return pa.array(np.array(zones)[rng.integers(0, len(zones), n)])
    if kind is ValueType.TIMESTAMP:
        return pa.array(start + rng.integers(-span, 2 * span, n), pa.timestamp("us", tz="UTC"))
    if kind is ValueType.STRING:
        words = np.array(["alpha", "beta", "gamma", "delta", ""])
        return pa.array(words[rng.integers(0, len(words), n)])
    items = spec.values if spec.items is ItemType.ENUM else ["a", "b", "c"]
    sizes = rng.choice([0, 0, 0, 1, 2], n)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
    flat = np.array(items)[rng.integers(0, len(items), int(offsets[-1]))] if items else np.array([], dtype=str)
    if spec.items is ItemType.NUMBER:
        return pa.ListArray.from_arrays(pa.array(offsets), pa.array(rng.uniform(0, 100, int(offsets[-1]))))
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, pa.string()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--proposals", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--edges", action="store_true", help="an edge data set (RequestGenerator) of --proposals rows")
    args = parser.parse_args()
    stack = load_file(args.stack).stack
    started = time.perf_counter()
    if args.edges:
        arrow = tables(edge_dataset(stack, args.proposals, seed=args.seed), csv=args.format == "csv")
    else:
        arrow = bulk_dataset(
            stack, customers=args.customers, proposals=args.proposals, events=args.events, seed=args.seed
        )
        if args.format == "csv":
            arrow = {name: _as_text(data) for name, data in arrow.items()}
    paths = write(arrow, stack, args.out, format=args.format)
    rows = ", ".join(f"{name} {data.num_rows:,}" for name, data in arrow.items())
    print(f"wrote {rows} to {args.out} in {time.perf_counter() - started:.1f} s")
    for name, path in paths.items():
        print(f"  {name}: {path}")


def _as_text(data: pa.Table) -> pa.Table:
    """Parquet-typed columns as CSV text: times ISO 8601, lists joined with ';'."""
    columns = {}
    for name in data.column_names:
        column = data.column(name)
        if pa.types.is_timestamp(column.type):
            micros = column.cast(pa.int64()).to_numpy(zero_copy_only=False)
            columns[name] = pa.array([iso(int(v)) for v in micros])
        elif pa.types.is_list(column.type):
            columns[name] = pa.array([None if v is None else ";".join(str(x) for x in v) for v in column.to_pylist()])
        else:
            columns[name] = column
    return pa.table(columns)


if __name__ == "__main__":
    main()

__all__ = ["Dataset", "bulk_dataset", "edge_dataset", "mapping_text", "tables", "write"]
