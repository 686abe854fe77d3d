"""The live grid decides only what an edit may have changed, and says which cells changed."""

from __future__ import annotations

from functools import partial

from studio import edits
from studio.decision import Verdict
from studio.samples import Column
from studio.workshop import Workshop

DISCOUNT = Column("ai-sdr-agent", "offer_discount")


def test_a_limit_edit_decides_only_the_cells_its_rule_binds(workshop: Workshop) -> None:
    change = workshop.apply(
        partial(edits.set_limit, rule_id="B3-sdr-discounts", index=0, text="params.discount_pct <= 20")
    )
    assert 0 < change.delta.decided <= 9  # one column of nine customers, at most
    assert {column for _, column in change.delta.changed} == {DISCOUNT}
    assert not change.delta.reshaped


def test_the_changed_cells_are_exactly_those_whose_decision_changed(workshop: Workshop) -> None:
    before = dict(workshop.grid.decisions)
    change = workshop.apply(partial(edits.set_condition, rule_id="B8-quiet-hours", when="false"))
    after = workshop.grid.decisions
    differing = {cell for cell in before if before[cell].reasons != after[cell].reasons or before[cell] != after[cell]}
    assert change.delta.changed == differing
    assert {customer for customer, _ in differing} == {"sakura-robotics"}
    assert all(after[cell].verdict is not Verdict.STOP or cell[1].action == "trigger_winback" for cell in differing)


def test_edits_that_decide_nothing_decide_nothing(workshop: Workshop) -> None:
    for edit in (
        partial(edits.set_daily_volume, agent_id="ai-sdr-agent", action_id="offer_discount", per_day=99),
        partial(edits.set_review_capacity, team_id="sales", per_day=99),
        partial(edits.update_customer, customer_id="acme-logistics", weight=0.5),
        partial(edits.update_step, scenario_id="renewal-week", step_index=0, label="Lundi"),
        partial(edits.update_team, team_id="sales", lead="Someone Else"),
    ):
        change = workshop.apply(edit)
        assert change.delta.changed == frozenset()
        assert change.delta.decided <= 11  # a customer edit decides its row again (weight changes nothing)


def test_a_customer_edit_decides_its_row(workshop: Workshop) -> None:
    change = workshop.apply(
        partial(edits.set_attribute, customer_id="acme-logistics", name="renewal_stage", value="closed_won")
    )
    assert change.delta.decided == 11
    assert {customer for customer, _ in change.delta.changed} == {"acme-logistics"}


def test_a_default_matters_only_where_it_applied(workshop: Workshop) -> None:
    change = workshop.apply(partial(edits.set_default, kind="ai_agent", verdict="stop"))
    defaulted = [cell for cell, decision in workshop.grid.decisions.items() if decision.default is not None]
    assert change.delta.decided == len(defaulted) < len(workshop.grid.decisions)
    assert all(workshop.grid.decisions[cell].verdict is Verdict.STOP for cell in change.delta.changed)


def test_new_rows_and_columns_reshape_the_grid(workshop: Workshop) -> None:
    change = workshop.apply(partial(edits.give_action, agent_id="cs-health-agent", action_id="propose_meeting"))
    assert change.delta.reshaped and change.delta.decided == 9
    assert Column("cs-health-agent", "propose_meeting") in workshop.grid.columns
    copy = workshop.stack.customers[0].model_copy(update={"id": "acme-2"})
    change = workshop.apply(partial(edits.add_customer, customer=copy))
    assert change.delta.reshaped and workshop.grid.customers[-1] == "acme-2"
    change = workshop.undo()
    assert change.delta.reshaped and "acme-2" not in workshop.grid.customers
