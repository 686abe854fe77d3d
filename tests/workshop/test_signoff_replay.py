"""Sign-off (signed, cleared by a change, missing) and the replay, with and without the policy."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from studio import edits
from studio.decision import Verdict
from studio.errors import EditError, StudioError
from studio.flip import apply_changes
from studio.signoff import SignOffState, is_current, sign
from studio.workshop import Workshop
from tests.conftest import NOW


def states(workshop: Workshop) -> dict[str, SignOffState]:
    return {team.team: team.state for team in workshop.signoffs()}


def test_a_sign_off_is_saved_in_the_file(workshop: Workshop, b2b_path: Path) -> None:
    workshop.sign("sales", "Marco Diaz", at=NOW)
    assert states(workshop)["sales"] is SignOffState.SIGNED
    assert states(workshop)["legal"] is SignOffState.MISSING
    workshop.save()
    reopened = Workshop.open(b2b_path, now=NOW)
    [signoff] = reopened.stack.signoffs
    assert (signoff.team, signoff.name, signoff.at) == ("sales", "Marco Diaz", "2026-11-23T15:00:00Z")
    assert signoff.revision == reopened.revision  # signing doesn't change the revision
    assert states(reopened)["sales"] is SignOffState.SIGNED


def test_a_change_to_what_a_team_signed_for_clears_it_and_says_what_changed(workshop: Workshop) -> None:
    workshop.sign("sales", "Marco Diaz", at=NOW)
    workshop.sign("finance", "Sam Ortiz", at=NOW)
    workshop.apply(partial(edits.set_limit, rule_id="B3-sdr-discounts", index=0, text="params.discount_pct <= 12"))
    status = {team.team: team for team in workshop.signoffs()}
    assert status["sales"].state is SignOffState.STALE
    assert status["sales"].words == (
        "Sales: Marco Diaz's sign-off of Monday 23 Nov 10:00 was cleared: "
        "Sales' discount limit on B3-sdr-discounts rose from 10% to 12%"
    )
    assert status["finance"].state is SignOffState.SIGNED  # nothing Finance signed for changed
    workshop.undo()
    assert states(workshop)["sales"] is SignOffState.SIGNED  # back to what was signed


def test_a_rule_binding_everyone_is_in_every_teams_scope(workshop: Workshop) -> None:
    workshop.sign("finance", "Sam Ortiz", at=NOW)
    workshop.apply(partial(edits.set_condition, rule_id="B6-holds-and-freezes", when="size(customer.holds) > 1"))
    assert states(workshop)["finance"] is SignOffState.STALE


def test_signing_again_replaces_the_teams_sign_off_and_unsign_withdraws_it(workshop: Workshop) -> None:
    workshop.sign("sales", "Marco Diaz", at=NOW)
    workshop.apply(partial(edits.set_limit, rule_id="B3-sdr-discounts", index=0, text="params.discount_pct <= 12"))
    workshop.sign("sales", "Marco Diaz", at=NOW + 1)
    assert len(workshop.stack.signoffs) == 1 and states(workshop)["sales"] is SignOffState.SIGNED
    workshop.unsign("sales")
    assert states(workshop)["sales"] is SignOffState.MISSING
    with pytest.raises(EditError):
        workshop.unsign("sales")


def test_signing_for_an_unknown_team_or_without_a_name_is_refused(workshop: Workshop) -> None:
    with pytest.raises(EditError, match="no team 'sale'"):
        workshop.sign("sale", "Marco", at=NOW)
    with pytest.raises(EditError, match="name of who signs"):
        workshop.sign("sales", "  ", at=NOW)


def test_a_sign_off_without_a_scope_falls_back_to_the_revision(workshop: Workshop) -> None:
    signed = sign(workshop.stack, "legal", "Dana", NOW).signoffs[0].model_copy(update={"scope": ""})
    assert is_current(workshop.stack, signed)
    changed = edits.update_stack(workshop.stack, description="another")
    assert not is_current(changed, signed)


def test_the_renewal_week_without_the_policy_goes_out_and_with_it_flag_flag_stop(workshop: Workshop) -> None:
    pair = workshop.replay("renewal-week")
    assert [step.decision.verdict for step in pair.without_policy.steps] == [Verdict.GO] * 3
    assert [step.went_ahead for step in pair.without_policy.steps] == [True] * 3
    assert [step.decision.verdict for step in pair.with_policy.steps] == [Verdict.FLAG, Verdict.FLAG, Verdict.STOP]
    assert [step.label for step in pair.with_policy.steps] == ["Monday", "Wednesday", "Friday"]


def test_replay_of_an_unknown_scenario(workshop: Workshop) -> None:
    with pytest.raises(StudioError, match="No scenario 'renewal'"):
        workshop.replay("renewal")


def test_a_scenario_step_is_explained_against_the_history_as_it_stood(workshop: Workshop) -> None:
    friday = workshop.explain_step("renewal-week", 2)
    assert friday.decision.verdict is Verdict.STOP
    assert friday.request.at > workshop.sample_now  # Friday, four days on
    time_flips = [flip for flip in friday.flips if flip.kind == "time"]
    assert all(workshop.decide(apply_changes(friday.request, f.changes)).verdict is f.verdict for f in friday.flips)
    assert not any(flip.verdict is Verdict.GO for flip in time_flips)  # the renewal stays open: B2b still stops it
    wednesday = workshop.explain_step("renewal-week", 1)
    assert {line.rule_id for line in wednesday.rules if line.decisive} == {"B1-renewal-window", "B3-sdr-discounts"}
    with pytest.raises(EditError, match="no step 5"):
        workshop.explain_step("renewal-week", 5)
