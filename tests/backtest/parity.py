"""What the parity tests share: decide a generated data set with the core engine, row by row,
independently of the backtest's reading and SQL; compare decisions tables field by field."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
from sqlglot import exp

from benchmarks.generate_backtest_data import Dataset
from studio.backtest.engines import Session
from studio.backtest.reference import decision_row
from studio.backtest.report import DECISIONS
from studio.backtest.sql import column, table
from studio.engine import Policy
from studio.request import Request

COMPARED = ("verdict", "routes", "fired", "over_limit", "decisive", "default_applied", "refusal", "team", "day")


def engine_rows(policy: Policy, data: Dataset) -> dict[str, dict[str, Any]]:
    """Every proposal decided by `Policy.decide`, history = the customer's events strictly before."""
    customers = {c["id"]: c for c in data.customers}
    by_customer: dict[str, list[Mapping[str, Any]]] = {}
    for event in sorted(data.events, key=lambda e: int(e["at"])):
        by_customer.setdefault(event["customer"], []).append(event)
    times = {cid: [int(e["at"]) for e in events] for cid, events in by_customer.items()}
    rows = {}
    for proposal in data.proposals:
        cid, at = proposal["customer"], int(proposal["at"])
        events = by_customer.get(cid, [])
        cut = bisect.bisect_left(times.get(cid, []), at)
        history = tuple({k: v for k, v in e.items() if k != "customer"} for e in events[:cut])
        request = Request(proposal["agent"], proposal["action"], proposal["params"], customers[cid], history, at)
        ids = {
            "pid": proposal["id"],
            "prow": 0,
            "cid": cid,
            "at": at,
            "agent": proposal["agent"],
            "action": proposal["action"],
        }
        rows[proposal["id"]] = decision_row(policy, ids, policy.decide(request), policy.stack.timezone)
    return rows


def backtest_rows(session: Session) -> dict[str, dict[str, Any]]:
    """The decisions table of a finished backtest, by proposal id."""
    data: pa.Table = session.arrow(exp.select(exp.Star()).from_(table(DECISIONS)).order_by(column("prow")))
    return {row["pid"]: row for row in data.to_pylist()}


def differences(
    expected: Mapping[str, Mapping[str, Any]], got: Mapping[str, Mapping[str, Any]], fields: Sequence[str] = COMPARED
) -> list[str]:
    """Every field that differs, as readable lines (empty when identical)."""
    problems = []
    if set(expected) != set(got):
        problems.append(f"proposal ids differ: {len(set(expected) ^ set(got))} not in both")
    for pid in sorted(set(expected) & set(got)):
        for name in fields:
            if expected[pid][name] != got[pid][name]:
                problems.append(f"{pid} {name}: expected {expected[pid][name]!r}, got {got[pid][name]!r}")
    return problems
