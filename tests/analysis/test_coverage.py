"""The coverage map: every agent x action, marked by what decides it."""

from __future__ import annotations

from studio.analysis.coverage import STATUSES
from tests.analysis.conftest import tiny_report

RULES = """
- id: y-small
  kind: may
  owner: sales
  rationale: small discounts
  agents: [sdr]
  actions: [offer_discount]
  limits: [params.pct <= 10]
- id: n-churned
  kind: never
  owner: marketing
  rationale: no win-back of churned customers by the bot
  agents: [bot]
  actions: [winback]
  when: customer.stage == 'churned'
- id: y-mkt
  kind: may
  owner: marketing
  rationale: marketing emails
  agents: [mkt]
  actions: [send_email]
- id: y-mkt-limit
  kind: may
  owner: marketing
  rationale: only non-VIP
  agents: [mkt]
  actions: [send_email]
  when: "!customer.vip"
  limits: [customer.arr < 1000]
"""


def test_each_cell_says_what_decides_it() -> None:
    coverage = tiny_report(RULES).coverage
    assert coverage.agents == ("sdr", "mkt", "bot", "desk")
    assert coverage.actions == ("offer_discount", "send_email", "winback")
    assert {cell.status for cell in coverage.cells} <= set(STATUSES)
    discount = coverage.cell("sdr", "offer_discount")
    assert discount.status == "may" and discount.mays[0].limits == ("params.pct <= 10",)
    assert discount.mays[0].route == "sales"  # an over-limit flag goes to the decision's owner
    assert set(discount.verdicts) == {"go", "flag"}
    assert discount.default_reachable is False  # y-small covers every request
    assert coverage.cell("bot", "winback").status == "never"
    assert coverage.cell("sdr", "send_email").status == "default"
    assert coverage.cell("mkt", "send_email").status == "contested"  # two may rules, different limits
    assert coverage.cell("sdr", "winback").status == "undeclared"
    assert coverage.cell("desk", "offer_discount").declared is False


def test_the_map_as_json() -> None:
    data = tiny_report(RULES).coverage.to_json()
    assert set(data) == {"agents", "actions", "cells"}
    cell = next(c for c in data["cells"] if c["agent"] == "sdr" and c["action"] == "offer_discount")
    assert cell["status"] == "may"
    assert cell["may"] == [
        {
            "rule": "y-small",
            "owner": "sales",
            "limits": ["params.pct <= 10"],
            "over_limit": "flag",
            "route": "sales",
            "allows": True,
        }
    ]
    assert cell["default"] == {"verdict": "flag", "route": "sales", "reachable": False}
