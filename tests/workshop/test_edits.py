"""Edits are pure: a new stack comes back, the old one is untouched, and bad edits say where."""

from __future__ import annotations

from typing import Any

import pytest

from studio import edits
from studio.document import load_file
from studio.errors import EditError
from studio.stack import AgentKind, AnyOf, FlagDuty, Rule, Stack
from studio.validate import validate
from tests.workshop.conftest import B2B


@pytest.fixture(scope="module")
def stack() -> Stack:
    return load_file(B2B).stack


def rule(stack: Stack, rule_id: str) -> Rule:
    return next(r for r in stack.rules if r.id == rule_id)


def test_an_edit_returns_a_new_stack_and_leaves_the_old_one_as_it_was(stack: Stack) -> None:
    before = stack.model_dump()
    changed = edits.set_limit(stack, "B3-sdr-discounts", 0, "params.discount_pct <= 15")
    assert rule(changed, "B3-sdr-discounts").limits[0] == "params.discount_pct <= 15"
    assert stack.model_dump() == before
    assert changed.rules[0] is stack.rules[0]  # untouched parts are shared, not copied


@pytest.mark.parametrize(
    ("edit", "arguments", "message"),
    [
        (edits.remove_rule, {"rule_id": "B99"}, "There is no rule 'B99'"),
        (edits.set_limit, {"rule_id": "B3-sdr-discounts", "index": 5, "text": "true"}, "There is no item 5"),
        (edits.add_team, {"team": {"id": "sales"}}, "There already is a team 'sales'"),
        (edits.add_team, {"team": {"id": "9lives"}}, "doesn't fit the stack format"),
        (edits.update_rule, {"rule_id": "B1-renewal-window", "kind": "maybe"}, "doesn't fit the stack format"),
        (edits.update_rule, {"rule_id": "B1-renewal-window", "colour": "red"}, "doesn't fit the stack format"),
        (edits.update_rule, {"rule_id": "B1-renewal-window", "id": "B3-sdr-discounts"}, "already is a rule"),
        (edits.move_rule, {"rule_id": "B1-renewal-window", "position": 99}, "Position 99 is outside"),
        (edits.remove_step, {"scenario_id": "renewal-week", "step_index": 7}, "There is no item 7"),
        (edits.take_action, {"agent_id": "billing-bot", "action_id": "offer_discount"}, "doesn't propose"),
        (edits.update_stack, {"rules": []}, "changed item by item"),
        (
            edits.set_attribute,
            {"customer_id": "acme-logistics", "name": "health", "value": object()},
            "can't be written",
        ),
    ],
)
def test_an_edit_that_cant_apply_raises_edit_error_with_a_located_problem(
    stack: Stack, edit: Any, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(EditError) as caught:
        edit(stack, **arguments)
    assert message in str(caught.value)


def test_a_field_that_doesnt_fit_is_located_at_its_document_path(stack: Stack) -> None:
    with pytest.raises(EditError) as caught:
        edits.update_rule(stack, "B1-renewal-window", kind="maybe")
    [problem] = caught.value.problems
    index = [r.id for r in stack.rules].index("B1-renewal-window")
    assert problem.path == ("rules", index, "kind")
    assert "may" in problem.message


def test_an_edit_may_leave_the_stack_invalid_for_validation_to_report(stack: Stack) -> None:
    changed = edits.set_decision_owner(stack, "pricing", "nobody")
    assert any("unknown team 'nobody'" in issue.message for issue in validate(changed))


def test_renaming_a_team_follows_it_through_the_stack(stack: Stack) -> None:
    renamed = edits.rename_team(stack, "success", "cs")
    assert not validate(renamed)
    # Condition text follows where a team is compared with it, and only there: 'success' is
    # also a purpose in another rule, which stays as it was.
    changed = [(a.when, b.when) for a, b in zip(stack.rules, renamed.rules, strict=True) if a.when != b.when]
    assert changed == [
        (
            "history.exists(e, e.team in ['sales', 'success'] && e.purpose != 'service' && now - e.at <= days(7))",
            "history.exists(e, e.team in ['sales', 'cs'] && e.purpose != 'service' && now - e.at <= days(7))",
        )
    ]
    assert next(d for d in renamed.decisions if d.id == "renewal-conversation").owner == "cs"
    assert next(a for a in renamed.agents if a.id == "csm-renewals").team == "cs"
    assert rule(renamed, "B1-renewal-window").owner == "cs"
    assert rule(renamed, "B13-success-outreach").teams == ["cs"]


def test_renaming_an_action_follows_it_through_agents_rules_events_and_scenarios(stack: Stack) -> None:
    renamed = edits.rename_action(stack, "offer_discount", "offer_price_cut")
    assert not validate(renamed)  # the event kind named in B7's condition text follows the action
    assert "e.kind in ['offer_made', 'offer_price_cut']" in str(rule(renamed, "B7-offer-consistency").when)
    sdr = next(a for a in renamed.agents if a.id == "ai-sdr-agent")
    assert "offer_price_cut" in sdr.actions and "offer_price_cut" in sdr.daily_volume
    assert rule(renamed, "B3-sdr-discounts").actions == ["offer_price_cut"]
    assert renamed.scenarios[0].steps[1].action == "offer_price_cut"


def test_renaming_an_agent_follows_it_through_rules_routes_and_scenarios(stack: Stack) -> None:
    renamed = edits.rename_agent(stack, "deal-desk", "pricing-desk")
    assert not validate(renamed)
    assert rule(renamed, "B3-sdr-discounts").route == "pricing-desk"
    renamed = edits.update_agent(stack, "ai-sdr-agent", id="sdr")
    assert not validate(renamed)
    assert rule(renamed, "B3-sdr-discounts").agents == ["sdr"]


def test_a_decision_or_customer_renamed_through_update_is_followed(stack: Stack) -> None:
    assert not validate(edits.update_decision(stack, "pricing", id="prices"))
    assert not validate(edits.update_customer(stack, "acme-logistics", id="acme"))


def test_removing_an_action_takes_it_out_of_agents_but_not_out_of_rules(stack: Stack) -> None:
    removed = edits.remove_action(stack, "send_dunning")
    bot = next(a for a in removed.agents if a.id == "billing-bot")
    assert bot.actions == [] and bot.daily_volume == {}
    assert any("unknown action 'send_dunning'" in issue.message for issue in validate(removed))


def test_rules_limits_and_conditions(stack: Stack) -> None:
    changed = edits.add_limit(stack, "B11-support-credits", "params.amount_usd >= 10")
    assert rule(changed, "B11-support-credits").limits == ["params.amount_usd <= 1000", "params.amount_usd >= 10"]
    changed = edits.remove_limit(changed, "B11-support-credits", 0)
    assert rule(changed, "B11-support-credits").limits == ["params.amount_usd >= 10"]
    changed = edits.set_condition(changed, "B10-support-replies", AnyOf(any=["customer.health == 'red'", "false"]))
    assert rule(changed, "B10-support-replies").when is not None
    assert not validate(changed)
    changed = edits.set_condition(changed, "B10-support-replies", None)
    assert rule(changed, "B10-support-replies").when is None


def test_add_move_and_remove_a_rule(stack: Stack) -> None:
    new = Rule(
        id="N1",
        kind="must",
        owner="legal",
        rationale="Legal hears of everything.",
        duties=[FlagDuty(do="flag", to="legal")],
    )
    added = edits.add_rule(stack, new, position=0)
    assert added.rules[0].id == "N1" and not validate(added)
    moved = edits.move_rule(added, "N1", len(added.rules) - 1)
    assert moved.rules[-1].id == "N1"
    assert edits.remove_rule(moved, "N1").rules == stack.rules


def test_customers_events_and_attributes(stack: Stack) -> None:
    changed = edits.set_attribute(stack, "acme-logistics", "renewal_stage", "committed")
    assert changed.customers[0].attributes["renewal_stage"] == "committed"
    changed = edits.set_attribute(changed, "acme-logistics", "open_case_severity", None)
    assert "open_case_severity" not in changed.customers[0].attributes
    changed = edits.add_event(changed, "birch-health", {"at": "-1d", "kind": "call_outbound", "team": "sales"})
    assert len(changed.customers[1].history) == 2 and not validate(changed)
    changed = edits.remove_event(changed, "birch-health", 1)
    assert changed.customers[1].history == stack.customers[1].history
    moved = edits.move_customer(stack, "harbor-clinics", 0)
    assert moved.customers[0].id == "harbor-clinics"


def test_scenario_steps(stack: Stack) -> None:
    step = {"at": "+5d@10:00", "agent": "cs-health-agent", "action": "send_checkin", "label": "Saturday"}
    changed = edits.add_step(stack, "renewal-week", step)
    assert len(changed.scenarios[0].steps) == 4 and not validate(changed)
    changed = edits.update_step(changed, "renewal-week", 3, label="Sunday")
    assert changed.scenarios[0].steps[3].label == "Sunday"
    changed = edits.move_step(changed, "renewal-week", 3, 0)
    assert changed.scenarios[0].steps[0].label == "Sunday"
    changed = edits.remove_step(changed, "renewal-week", 0)
    assert changed.scenarios == stack.scenarios


def test_defaults_volumes_capacities_and_owners(stack: Stack) -> None:
    changed = edits.set_default(stack, AgentKind.AUTOMATION, "flag")
    assert changed.defaults.automation == "flag"
    changed = edits.set_daily_volume(changed, "billing-bot", "send_dunning", None)
    assert next(a for a in changed.agents if a.id == "billing-bot").daily_volume == {}
    changed = edits.set_review_capacity(changed, "legal", 12)
    assert next(t for t in changed.teams if t.id == "legal").review_capacity_per_day == 12
    changed = edits.set_decision_owner(changed, "win-back", "marketing")
    assert next(d for d in changed.decisions if d.id == "win-back").owner == "marketing"
    changed = edits.give_action(changed, "cs-health-agent", "propose_meeting")
    assert not validate(changed)
    assert edits.take_action(changed, "cs-health-agent", "propose_meeting").agents == [
        *changed.agents[:3],
        next(a for a in stack.agents if a.id == "cs-health-agent"),
        *changed.agents[4:],
    ]
