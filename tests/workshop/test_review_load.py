"""Review load: flags per day per team, from volumes, weights and the grid's decisions."""

from __future__ import annotations

from functools import partial

import pytest

from studio import edits
from studio.decision import Verdict
from studio.document import load_text
from studio.review_load import DEFAULT
from studio.workshop import Workshop
from tests.conftest import NOW, tiny_text

RULES = """
- id: may-discount
  kind: may
  owner: sales
  rationale: Small discounts for renewals.
  agents: [sdr]
  actions: [offer_discount]
  when: customer.stage == 'renewal'
  limits: ["params.pct <= 5"]
  route: desk
"""
EXTRA = """
customers:
  - {id: c1, weight: 3, attributes: {arr: 100, stage: renewal}}
  - {id: c2, weight: 1, attributes: {arr: 100, stage: pipeline}}
"""


@pytest.fixture
def tiny() -> Workshop:
    text = tiny_text(RULES, EXTRA)
    text = text.replace(
        "- {id: sdr, team: sales, kind: ai_agent, actions: [offer_discount, send_email]}",
        "- {id: sdr, team: sales, kind: ai_agent, actions: [offer_discount, send_email], "
        "daily_volume: {offer_discount: 100, send_email: 40}}",
    )
    text = text.replace(
        "- {id: sales, name: Sales}", "- {id: sales, name: Sales, lead: Sam, review_capacity_per_day: 80}"
    )
    return Workshop(load_text(text, source="tiny.yaml"), now=NOW)


def test_flags_per_day_by_team_with_their_drivers_and_queues(tiny: Workshop) -> None:
    report = tiny.review_load()
    sales = next(t for t in report.teams if t.team == "sales")
    assert sales.per_day == pytest.approx(100)  # 75% of 100 to the desk (a sales queue), 25% by default to sales
    assert [(d.rule_id, round(d.per_day, 6)) for d in sales.drivers] == [("may-discount", 75), (DEFAULT, 25)]
    assert [(queue, round(n, 6)) for queue, n in sales.queues] == [("desk", 75)]
    assert sales.over and sales.utilisation == pytest.approx(1.25)
    assert sales.words() == "Sales reviews 100 flags a day against a capacity of 80: over by 20 (125%)"
    marketing = next(t for t in report.teams if t.team == "marketing")
    assert marketing.per_day == pytest.approx(40) and not marketing.over and marketing.capacity is None
    assert report.teams[0] is sales  # the most pressed first
    assert report.over_capacity == (sales,)
    assert report.proposals_per_day == 140
    assert report.verdicts_per_day[Verdict.FLAG] == pytest.approx(140)
    assert "mkt → send_email" in report.unforecast


def test_a_limit_raised_takes_the_load_off(tiny: Workshop) -> None:
    tiny.apply(partial(edits.set_limit, rule_id="may-discount", index=0, text="params.pct <= 20"))
    sales = next(t for t in tiny.review_load().teams if t.team == "sales")
    assert sales.per_day == pytest.approx(25) and not sales.over


def test_weights_that_dont_add_up_to_one_are_read_as_shares(tiny: Workshop) -> None:
    assert tiny.review_load().notes == ("Sample weights add up to 4, not 1; read as relative shares.",)


def test_the_b2b_renewal_desk_is_over_capacity(workshop: Workshop) -> None:
    report = workshop.review_load()
    [success] = report.over_capacity
    assert success.team == "success" and success.drivers[0].rule_id == "B1-renewal-window"
    assert success.queues[0][0] == "csm-renewals"
    data = report.to_json()
    assert data["over_capacity"] == ["success"] and data["teams"][0]["drivers"][0]["rule"] == "B1-renewal-window"
