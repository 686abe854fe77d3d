"""Properties of the workshop under random edits, on every sample stack.

- The live grid, refreshed incrementally, is always the grid `samples.preview` decides from
  scratch for the same stack (every decision, reasons included).
- The policy the workshop recompiles incrementally after each edit (`engine.recompile_policy`)
  decides every sample cell, and generated requests aimed at its conditions' edges, exactly as
  a policy compiled from scratch.
- Live validation always finds what `validate` finds.
- Validation never raises, whatever the edit did to the stack.
- Edits followed by as many undos restore the stack exactly, and save byte for byte.
- An edit saved, then undone and saved again, gives the original file back.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio import edits
from studio.document import load_file
from studio.engine import compile_policy, recompile_policy
from studio.errors import EditError
from studio.generate import generate
from studio.live_grid import without_samples
from studio.samples import preview
from studio.stack import AgentKind, Stack, ValueType
from studio.validate import validate
from studio.whatif import knobs, with_value
from studio.workshop import Workshop
from tests.conftest import NOW, STACK_FILES

Edit = Callable[[Stack], Stack]
PROPERTY = settings(
    max_examples=12, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SAVING = settings(PROPERTY, max_examples=6)  # a save parses the file twice: ruamel is slow


def _knob(stack: Stack, draw: Any, where: str) -> Edit | None:
    found = [k for rule in stack.rules for k in knobs(rule) if k.leaf[0] == where]
    if not found:
        return None
    knob = draw(st.sampled_from(found))
    value = draw(st.sampled_from([knob.value - 5, knob.value - 1, knob.value + 1, knob.value * 2, 0]))
    return partial(with_value, knob=knob, value=value)


def _binding(stack: Stack, draw: Any) -> Edit:
    rule = draw(st.sampled_from(stack.rules))
    agents = draw(st.lists(st.sampled_from([a.id for a in stack.agents]), max_size=2, unique=True))
    return partial(edits.update_rule, rule_id=rule.id, agents=agents)


def _new_rule(stack: Stack, draw: Any) -> Edit:
    enums = [(n, s) for n, s in stack.customer.attributes.items() if s.type is ValueType.ENUM]
    name, spec = draw(st.sampled_from(enums))
    rule = {
        "id": f"P{draw(st.integers(0, 3))}",
        "kind": draw(st.sampled_from(["never", "must", "may"])),
        "owner": stack.teams[0].id,
        "rationale": "property",
        "when": f"customer.{name} == '{draw(st.sampled_from(spec.values))}'",
    }
    if rule["kind"] == "must":
        rule["duties"] = [{"do": "flag", "to": "owner"}]
    return partial(edits.add_rule, rule=rule)


def _attribute(stack: Stack, draw: Any) -> Edit:
    customer = draw(st.sampled_from(stack.customers))
    enums = [(n, s) for n, s in stack.customer.attributes.items() if s.type is ValueType.ENUM]
    name, spec = draw(st.sampled_from(enums))
    value = draw(st.sampled_from([*spec.values, "not-a-value"]))
    return partial(edits.set_attribute, customer_id=customer.id, name=name, value=value)


def _owner(stack: Stack, draw: Any) -> Edit:
    decision = draw(st.sampled_from(stack.decisions))
    team = draw(st.sampled_from([None, "nobody", *(t.id for t in stack.teams)]))
    return partial(edits.set_decision_owner, decision_id=decision.id, owner=team)


def _default(stack: Stack, draw: Any) -> Edit:
    kind = draw(st.sampled_from(list(AgentKind)))
    return partial(edits.set_default, kind=kind, verdict=draw(st.sampled_from(["flag", "stop"])))


def _columns(stack: Stack, draw: Any) -> Edit:
    agent = draw(st.sampled_from([a for a in stack.agents if a.actions]))
    action = draw(st.sampled_from([a.id for a in stack.actions]))
    if action in agent.actions:
        return partial(edits.take_action, agent_id=agent.id, action_id=action)
    return partial(edits.give_action, agent_id=agent.id, action_id=action)


def _rows(stack: Stack, draw: Any) -> Edit:
    customer = draw(st.sampled_from(stack.customers))
    if draw(st.booleans()):
        return partial(edits.remove_customer, customer_id=customer.id)
    copy = customer.model_copy(update={"id": f"{customer.id}-copy"})
    return partial(edits.add_customer, customer=copy, position=0)


def _other(stack: Stack, draw: Any) -> Edit:
    choice = draw(st.integers(0, 5))
    if choice == 0:
        rule = draw(st.sampled_from(stack.rules))
        return partial(edits.remove_rule, rule_id=rule.id)
    if choice == 1:
        agent = draw(st.sampled_from(stack.agents))
        return partial(edits.move_agent, agent_id=agent.id, position=0)
    if choice == 2:
        team = draw(st.sampled_from(stack.teams))
        return partial(edits.update_team, team_id=team.id, name=draw(st.sampled_from(["", "Renamed"])))
    if choice == 3:
        rule = draw(st.sampled_from(stack.rules))
        return partial(edits.set_condition, rule_id=rule.id, when=draw(st.sampled_from([None, "false", "true &&"])))
    if choice == 4:
        team = draw(st.sampled_from(stack.teams))
        return partial(edits.rename_team, old=team.id, new=f"{team.id}2")
    action = draw(st.sampled_from(list(stack.actions)))
    return partial(edits.update_action, action_id=action.id, channel=None)


KINDS = [
    lambda s, d: _knob(s, d, "limits"),
    lambda s, d: _knob(s, d, "when"),
    _binding,
    _new_rule,
    _attribute,
    _owner,
    _default,
    _columns,
    _rows,
    _other,
]


def random_edit(stack: Stack, draw: Any) -> Edit | None:
    return draw(st.sampled_from(KINDS))(stack, draw)  # type: ignore[no-any-return]


@pytest.fixture(params=STACK_FILES, ids=lambda path: path.stem)
def sample_copy(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    target = tmp_path / Path(request.param).name
    shutil.copyfile(request.param, target)
    return target


def _apply_random(workshop: Workshop, draw: Any) -> None:
    move = draw(st.integers(0, 9))
    if move == 0 and workshop.can_undo:
        workshop.undo()
    elif move == 1 and workshop.can_redo:
        workshop.redo()
    elif move == 2:
        workshop.set_sample_now(NOW + draw(st.integers(-3, 3)) * 7 * 3_600_000_000)
    else:
        edit = random_edit(workshop.stack, draw)
        if edit is not None:
            with contextlib.suppress(EditError):
                workshop.apply(edit)


@PROPERTY
@given(data=st.data())
def test_the_live_grid_is_always_the_grid_decided_from_scratch(sample_copy: Path, data: st.DataObject) -> None:
    workshop = Workshop.open(sample_copy, now=NOW)
    for _ in range(data.draw(st.integers(1, 6))):
        _apply_random(workshop, data.draw)
        assert sorted(map(repr, workshop.issues)) == sorted(map(repr, validate(workshop.stack)))
        if workshop.valid:
            full = preview(compile_policy(workshop.stack), at=workshop.sample_now)
            live = workshop.grid
            assert live.customers == full.customers and live.columns == full.columns
            for cell, decision in full.decisions.items():
                assert live.decisions[cell] == decision, cell
                assert [r.text for r in live.decisions[cell].reasons] == [r.text for r in decision.reasons], cell


def _same_decisions(policy: Any, fresh: Any, requests: list[Any]) -> None:
    for request in requests:
        mine, theirs = policy.decide(request), fresh.decide(request)
        assert mine == theirs, request
        assert [r.text for r in mine.reasons] == [r.text for r in theirs.reasons], request


@PROPERTY
@given(data=st.data())
def test_the_incrementally_recompiled_policy_decides_as_a_fresh_compile(sample_copy: Path, data: st.DataObject) -> None:
    workshop = Workshop.open(sample_copy, now=NOW)
    chained = recompile_policy(None, workshop.stack)  # with the samples, from valid version to valid version
    for step in range(data.draw(st.integers(1, 6))):
        _apply_random(workshop, data.draw)
        if not workshop.valid:
            continue
        fresh = compile_policy(without_samples(workshop.stack))
        policy = workshop.policy  # what the workshop recompiled, edit by edit
        assert policy.cells.keys() == fresh.cells.keys() and policy.depth == fresh.depth
        cells = [
            workshop.request(customer, column.agent, column.action) for customer, column in workshop.grid.decisions
        ]
        edges = generate(workshop.stack, 60, seed=step, now=workshop.sample_now)
        _same_decisions(policy, fresh, cells + edges)
        chained = recompile_policy(chained, workshop.stack)
        _same_decisions(chained, compile_policy(workshop.stack), cells[:20] + edges[:20])


@SAVING
@given(data=st.data())
def test_edits_then_as_many_undos_restore_the_file_byte_for_byte(sample_copy: Path, data: st.DataObject) -> None:
    original = sample_copy.read_bytes()
    workshop = Workshop.open(sample_copy, now=NOW)
    stack = workshop.stack
    applied = 0
    for _ in range(data.draw(st.integers(1, 6))):
        edit = random_edit(workshop.stack, data.draw)
        if edit is None:
            continue
        try:
            workshop.apply(edit)
        except EditError:
            continue
        applied += 1
    for _ in range(len(workshop.history[0])):
        workshop.undo()
    assert workshop.stack == stack and not workshop.dirty
    workshop.save()
    assert sample_copy.read_bytes() == original


@SAVING
@given(data=st.data())
def test_an_edit_saved_then_undone_and_saved_gives_the_original_file(sample_copy: Path, data: st.DataObject) -> None:
    original = sample_copy.read_bytes()
    workshop = Workshop.open(sample_copy, now=NOW)
    edit = random_edit(workshop.stack, data.draw)
    if edit is None:
        return
    try:
        workshop.apply(edit)
    except EditError:
        return
    if not workshop.can_undo:  # the edit changed nothing
        return
    workshop.save(allow_invalid=True)
    assert load_file(sample_copy).stack == workshop.stack if workshop.valid else True
    workshop.undo()
    workshop.save(allow_invalid=True)
    assert sample_copy.read_bytes() == original
