"""Edits: pure functions from one stack to the next.

Every edit takes a `Stack` and typed arguments and returns a new `Stack`; nothing is changed
in place, so the workshop keeps the previous stack for undo and compares stacks by value for
its dirty flag. An edit that can't apply (an unknown id, a duplicate id, a value of the wrong
shape) raises `EditError` with the problem located by document path; the stack passed in is
untouched. An edit may leave the stack *invalid* (a rule naming a team that doesn't exist yet,
a condition with a typo): that is validation's job to report, not the edit's to refuse, so a
room can edit in whatever order it thinks.

Front ends bind arguments with `functools.partial` and hand the edit to `Workshop.apply`:

    workshop.apply(partial(edits.set_limit, rule_id="B3-sdr-discounts", index=0,
                           text="params.discount_pct <= 15"))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticSerializationError

from studio.condition_rename import Renamed, rename_in_condition, rename_in_text
from studio.errors import EditError, Problem, did_you_mean
from studio.locate import pydantic_issues
from studio.stack import (
    Action,
    Agent,
    AgentKind,
    Condition,
    CustomerDecision,
    Defaults,
    FlagDuty,
    NotifyDuty,
    Rule,
    SampleCustomer,
    SampleEvent,
    Scenario,
    ScenarioStep,
    SignOff,
    Stack,
    Team,
)

Edit = Callable[[Stack], Stack]
"""An edit with its arguments bound: what `Workshop.apply` takes."""

Model = TypeVar("Model", bound=BaseModel)
Path = tuple[str | int, ...]

_COLLECTIONS: dict[str, tuple[type[BaseModel], str]] = {
    "teams": (Team, "team"),
    "decisions": (CustomerDecision, "decision"),
    "actions": (Action, "action"),
    "agents": (Agent, "agent"),
    "rules": (Rule, "rule"),
    "customers": (SampleCustomer, "sample customer"),
    "scenarios": (Scenario, "scenario"),
}
"""The lists of things with ids that edits add to, change, remove from and reorder."""


# -- building blocks ------------------------------------------------------------------------


def build(model: type[Model], data: dict[str, Any], path: Path = ()) -> Model:
    """`model` from `data`; EditError naming every field that doesn't fit (at `path` + field)."""
    try:
        built = model.model_validate(data)
    except ValidationError as error:
        issues = pydantic_issues(error, root=model)
        problems = [issue_at(path + issue.path, issue.message, issue.hint) for issue in issues]
        raise EditError(f"That {_label(model)} doesn't fit the stack format", problems) from None
    try:  # free-form values (attributes, parameters, payloads) must be writable to the file
        built.model_dump(mode="json")
    except PydanticSerializationError as error:
        message = f"a value can't be written to a stack file ({str(error).splitlines()[0]})"
        raise EditError(f"That {_label(model)} doesn't fit the stack format", [issue_at(path, message)]) from None
    return built


def issue_at(path: Path, message: str, hint: str = "") -> Problem:
    """A problem with an edit, placed at a document path (front ends jump to the field)."""
    where = ".".join(str(part) for part in path)
    return Problem(f"{where}: {message}" if where else message, hint=hint, path=path)


def _label(model: type[BaseModel]) -> str:
    for candidate, label in _COLLECTIONS.values():
        if candidate is model:
            return label
    return model.__name__.lower()


def _items(stack: Stack, key: str) -> list[Any]:
    return list(getattr(stack, key))


def _with(stack: Stack, **parts: Any) -> Stack:
    return stack.model_copy(update=parts)


def position_of(stack: Stack, key: str, item_id: str) -> int:
    """Where the item called `item_id` sits in `stack.<key>`; EditError if there is none."""
    items = getattr(stack, key)
    for index, item in enumerate(items):
        if item.id == item_id:
            return int(index)
    what = _COLLECTIONS[key][1]
    raise EditError(
        f"There is no {what} '{item_id}'",
        [issue_at((key,), f"no {what} '{item_id}'", did_you_mean(item_id, [i.id for i in items]))],
    )


def _check_new_id(stack: Stack, key: str, item_id: str, path: Path) -> None:
    if any(item.id == item_id for item in getattr(stack, key)):
        what = _COLLECTIONS[key][1]
        raise EditError(f"There already is a {what} '{item_id}'", [issue_at(path, f"'{item_id}' is already used")])


def _check_position(position: int, size: int, path: Path) -> None:
    if not 0 <= position <= size:
        raise EditError(f"Position {position} is outside 0..{size}", [issue_at(path, "no such position")])


# -- the generic operations on lists of things with ids ------------------------------------


def add(stack: Stack, key: str, item: BaseModel | dict[str, Any], position: int | None = None) -> Stack:
    """Add `item` to `stack.<key>` (teams, decisions, actions, agents, rules, customers, scenarios)."""
    model, _ = _collection(key)
    items = _items(stack, key)
    at = len(items) if position is None else position
    _check_position(at, len(items), (key,))
    built = build(model, item if isinstance(item, dict) else dict(item.__dict__), (key, at))
    _check_new_id(stack, key, built.id, (key, at, "id"))  # type: ignore[attr-defined]
    items.insert(at, built)
    return _with(stack, **{key: items})


def update(stack: Stack, key: str, item_id: str, **changes: Any) -> Stack:
    """Change fields of the item called `item_id` (a changed `id` must stay unique)."""
    model, _ = _collection(key)
    index = position_of(stack, key, item_id)
    items = _items(stack, key)
    built = build(model, {**items[index].__dict__, **changes}, (key, index))
    if built.id != item_id:  # type: ignore[attr-defined]
        _check_new_id(stack, key, built.id, (key, index, "id"))  # type: ignore[attr-defined]
    items[index] = built
    return _with(stack, **{key: items})


def remove(stack: Stack, key: str, item_id: str) -> Stack:
    """Remove the item called `item_id`. What referred to it is reported by validation."""
    index = position_of(stack, key, item_id)
    items = _items(stack, key)
    del items[index]
    return _with(stack, **{key: items})


def move(stack: Stack, key: str, item_id: str, position: int) -> Stack:
    """Move the item called `item_id` to `position` (0 is first) among the others."""
    index = position_of(stack, key, item_id)
    items = _items(stack, key)
    item = items.pop(index)
    _check_position(position, len(items), (key,))
    items.insert(position, item)
    return _with(stack, **{key: items})


def _collection(key: str) -> tuple[type[BaseModel], str]:
    if key not in _COLLECTIONS:
        raise EditError(
            f"'{key}' is not a list of things with ids",
            [issue_at((key,), "unknown list", did_you_mean(key, _COLLECTIONS))],
        )
    return _COLLECTIONS[key]


# -- the stack itself ---------------------------------------------------------------------------


def update_stack(stack: Stack, **changes: Any) -> Stack:
    """Change top-level fields: name, description, timezone, preview_at, channels, purposes."""
    lists = set(_COLLECTIONS) | {"signoffs"}
    for key in changes:
        if key in lists:
            raise EditError(f"'{key}' is changed item by item", [issue_at((key,), "use the edits for that list")])
    return build(Stack, {**stack.__dict__, **changes})


def set_default(stack: Stack, kind: AgentKind | str, verdict: Literal["flag", "stop"]) -> Stack:
    """What an uncovered action of this kind of agent gets: flag (to the decision's owner) or stop."""
    field = AgentKind(kind).value if kind in {k.value for k in AgentKind} else str(kind)
    defaults = build(Defaults, {**stack.defaults.__dict__, field: verdict}, ("defaults",))
    return _with(stack, defaults=defaults)


# -- teams and decisions ------------------------------------------------------------------------


def add_team(stack: Stack, team: Team | dict[str, Any], position: int | None = None) -> Stack:
    """Add a team."""
    return add(stack, "teams", team, position)


def update_team(stack: Stack, team_id: str, **changes: Any) -> Stack:
    """Change a team's name, lead, review capacity or description (`rename_team` for its id)."""
    if "id" in changes and changes["id"] != team_id:
        return update(rename_team(stack, team_id, str(changes["id"])), "teams", str(changes["id"]), **changes)
    return update(stack, "teams", team_id, **changes)


def remove_team(stack: Stack, team_id: str) -> Stack:
    """Remove a team; rules, agents and decisions still naming it are reported by validation."""
    return remove(stack, "teams", team_id)


def move_team(stack: Stack, team_id: str, position: int) -> Stack:
    """Reorder the teams."""
    return move(stack, "teams", team_id, position)


def rename_team(stack: Stack, old: str, new: str) -> Stack:
    """Give a team a new id, and follow it everywhere the stack names the team: decisions'
    owners, agents, rules (owner, teams, routes, duty targets, conditions comparing a team
    with it), sample events and sign-offs."""
    renamed = update(stack, "teams", old, id=new)
    swap = _swapper(old, new)
    return _with(
        renamed,
        decisions=[_changed(d, owner=swap(d.owner)) for d in renamed.decisions],
        agents=[_changed(a, team=swap(a.team)) for a in renamed.agents],
        rules=[_conditions_renamed(_rule_with_team(rule, swap), "team", old, new) for rule in renamed.rules],
        customers=[_customer_events(c, lambda e: _changed(e, team=swap(e.team))) for c in renamed.customers],
        signoffs=[_changed(s, team=swap(s.team)) for s in renamed.signoffs],
    )


def add_decision(stack: Stack, decision: CustomerDecision | dict[str, Any], position: int | None = None) -> Stack:
    """Add a customer decision (its owner may be left open)."""
    return add(stack, "decisions", decision, position)


def update_decision(stack: Stack, decision_id: str, **changes: Any) -> Stack:
    """Change a customer decision's name, owner or description."""
    if "id" in changes and changes["id"] != decision_id:
        new = str(changes["id"])
        stack = _with(
            stack,
            actions=[_changed(a, decision=new if a.decision == decision_id else a.decision) for a in stack.actions],
            rules=[_conditions_renamed(rule, "decision", decision_id, new) for rule in stack.rules],
        )
    return update(stack, "decisions", decision_id, **changes)


def remove_decision(stack: Stack, decision_id: str) -> Stack:
    """Remove a customer decision."""
    return remove(stack, "decisions", decision_id)


def set_decision_owner(stack: Stack, decision_id: str, owner: str | None) -> Stack:
    """Who owns a decision (None: open, a question for the room)."""
    return update(stack, "decisions", decision_id, owner=owner)


# -- actions and agents -------------------------------------------------------------------------


def add_action(stack: Stack, action: Action | dict[str, Any], position: int | None = None) -> Stack:
    """Add an action (give it to agents with `update_agent(actions=...)`)."""
    return add(stack, "actions", action, position)


def update_action(stack: Stack, action_id: str, **changes: Any) -> Stack:
    """Change an action's decision, channel, purpose, parameters or words (`rename_action` for its id)."""
    if "id" in changes and changes["id"] != action_id:
        return update(rename_action(stack, action_id, str(changes["id"])), "actions", str(changes["id"]), **changes)
    return update(stack, "actions", action_id, **changes)


def remove_action(stack: Stack, action_id: str) -> Stack:
    """Remove an action, and take it out of every agent's actions and daily volumes."""
    removed = remove(stack, "actions", action_id)
    return _with(removed, agents=[_without_action(agent, action_id) for agent in removed.agents])


def move_action(stack: Stack, action_id: str, position: int) -> Stack:
    """Reorder the actions."""
    return move(stack, "actions", action_id, position)


def rename_action(stack: Stack, old: str, new: str) -> Stack:
    """Give an action a new id, following it through agents, rules (their actions, and
    conditions comparing an action or an event's kind with it), sample events and scenarios."""
    renamed = update(stack, "actions", old, id=new)
    swap = _swapper(old, new)
    return _with(
        renamed,
        agents=[
            _changed(
                a, actions=[swap(x) for x in a.actions], daily_volume={swap(k): v for k, v in a.daily_volume.items()}
            )
            for a in renamed.agents
        ],
        rules=[
            _conditions_renamed(_changed(r, actions=[swap(x) for x in r.actions]), "action", old, new)
            for r in renamed.rules
        ],
        customers=[_customer_events(c, lambda e: _changed(e, kind=swap(e.kind))) for c in renamed.customers],
        scenarios=[
            _scenario_steps(s, lambda step: _changed(step, action=swap(step.action))) for s in renamed.scenarios
        ],
    )


def add_agent(stack: Stack, agent: Agent | dict[str, Any], position: int | None = None) -> Stack:
    """Add an agent, automation or human queue."""
    return add(stack, "agents", agent, position)


def update_agent(stack: Stack, agent_id: str, **changes: Any) -> Stack:
    """Change an agent's team, kind, tool, actions, daily volumes or words (`rename_agent` for its id)."""
    if "id" in changes and changes["id"] != agent_id:
        return update(rename_agent(stack, agent_id, str(changes["id"])), "agents", str(changes["id"]), **changes)
    return update(stack, "agents", agent_id, **changes)


def remove_agent(stack: Stack, agent_id: str) -> Stack:
    """Remove an agent; rules and scenarios still naming it are reported by validation."""
    return remove(stack, "agents", agent_id)


def move_agent(stack: Stack, agent_id: str, position: int) -> Stack:
    """Reorder the agents (the preview grid's columns follow)."""
    return move(stack, "agents", agent_id, position)


def rename_agent(stack: Stack, old: str, new: str) -> Stack:
    """Give an agent a new id, following it through rules (agents, routes, conditions comparing
    an agent with it), events and scenarios."""
    renamed = update(stack, "agents", old, id=new)
    swap = _swapper(old, new)
    return _with(
        renamed,
        rules=[
            _conditions_renamed(_changed(_rule_routes(r, swap), agents=[swap(x) for x in r.agents]), "agent", old, new)
            for r in renamed.rules
        ],
        customers=[_customer_events(c, lambda e: _changed(e, agent=swap(e.agent))) for c in renamed.customers],
        scenarios=[_scenario_steps(s, lambda step: _changed(step, agent=swap(step.agent))) for s in renamed.scenarios],
    )


def give_action(stack: Stack, agent_id: str, action_id: str) -> Stack:
    """Let an agent propose an action (a new column of the preview grid)."""
    agent = stack.agents[position_of(stack, "agents", agent_id)]
    if action_id in agent.actions:
        return stack
    return update(stack, "agents", agent_id, actions=[*agent.actions, action_id])


def take_action(stack: Stack, agent_id: str, action_id: str) -> Stack:
    """Stop an agent proposing an action (and forget its daily volume)."""
    agent = stack.agents[position_of(stack, "agents", agent_id)]
    if action_id not in agent.actions:
        raise EditError(
            f"{agent_id} doesn't propose '{action_id}'",
            [
                issue_at(
                    ("agents", position_of(stack, "agents", agent_id), "actions"),
                    f"no '{action_id}'",
                    did_you_mean(action_id, agent.actions),
                )
            ],
        )
    trimmed = _without_action(agent, action_id)
    return update(stack, "agents", agent_id, actions=trimmed.actions, daily_volume=trimmed.daily_volume)


def set_daily_volume(stack: Stack, agent_id: str, action_id: str, per_day: float | None) -> Stack:
    """How many proposals of an action an agent makes per day (None: not forecast)."""
    agent = stack.agents[position_of(stack, "agents", agent_id)]
    volumes = {k: v for k, v in agent.daily_volume.items() if k != action_id}
    if per_day is not None:
        volumes[action_id] = per_day
    ordered = {a: volumes[a] for a in [*agent.actions, *volumes] if a in volumes}
    return update(stack, "agents", agent_id, daily_volume=ordered)


def set_review_capacity(stack: Stack, team_id: str, per_day: int | None) -> Stack:
    """How many flagged actions a team can review in a day (None: not declared)."""
    return update(stack, "teams", team_id, review_capacity_per_day=per_day)


# -- rules ----------------------------------------------------------------------------------------


def add_rule(stack: Stack, rule: Rule | dict[str, Any], position: int | None = None) -> Stack:
    """Add a MAY, MUST or NEVER rule."""
    return add(stack, "rules", rule, position)


def update_rule(stack: Stack, rule_id: str, **changes: Any) -> Stack:
    """Change any of a rule's fields, its id included."""
    return update(stack, "rules", rule_id, **changes)


def remove_rule(stack: Stack, rule_id: str) -> Stack:
    """Remove a rule."""
    return remove(stack, "rules", rule_id)


def move_rule(stack: Stack, rule_id: str, position: int) -> Stack:
    """Reorder the rules (the engine doesn't care; readers do)."""
    return move(stack, "rules", rule_id, position)


def set_condition(stack: Stack, rule_id: str, when: Condition | None) -> Stack:
    """A rule's condition: CEL text, an all/any/none mapping, or None for always."""
    return update(stack, "rules", rule_id, when=when)


def set_limit(stack: Stack, rule_id: str, index: int, text: str) -> Stack:
    """Replace a MAY rule's limit number `index` (0 is the first) with the CEL condition `text`."""
    rule, path = _rule(stack, rule_id)
    _check_index(index, len(rule.limits), (*path, "limits"))
    limits = list(rule.limits)
    limits[index] = text
    return update(stack, "rules", rule_id, limits=limits)


def add_limit(stack: Stack, rule_id: str, text: str, position: int | None = None) -> Stack:
    """Add a limit to a MAY rule."""
    rule, path = _rule(stack, rule_id)
    limits = list(rule.limits)
    at = len(limits) if position is None else position
    _check_position(at, len(limits), (*path, "limits"))
    limits.insert(at, text)
    return update(stack, "rules", rule_id, limits=limits)


def remove_limit(stack: Stack, rule_id: str, index: int) -> Stack:
    """Remove a MAY rule's limit number `index`."""
    rule, path = _rule(stack, rule_id)
    _check_index(index, len(rule.limits), (*path, "limits"))
    return update(stack, "rules", rule_id, limits=[t for i, t in enumerate(rule.limits) if i != index])


def _rule(stack: Stack, rule_id: str) -> tuple[Rule, Path]:
    index = position_of(stack, "rules", rule_id)
    return stack.rules[index], ("rules", index)


def _check_index(index: int, size: int, path: Path) -> None:
    if not 0 <= index < size:
        shown = f"0..{size - 1}" if size else "none: the list is empty"
        raise EditError(f"There is no item {index} (valid: {shown})", [issue_at(path, f"no item {index}")])


# -- sample customers -----------------------------------------------------------------------------


def add_customer(stack: Stack, customer: SampleCustomer | dict[str, Any], position: int | None = None) -> Stack:
    """Add a sample customer (a row of the preview grid)."""
    return add(stack, "customers", customer, position)


def update_customer(stack: Stack, customer_id: str, **changes: Any) -> Stack:
    """Change a sample customer's name, story, weight, attributes or history."""
    if "id" in changes and changes["id"] != customer_id:
        new = str(changes["id"])
        stack = _with(
            stack,
            scenarios=[_changed(s, customer=new if s.customer == customer_id else s.customer) for s in stack.scenarios],
        )
    return update(stack, "customers", customer_id, **changes)


def remove_customer(stack: Stack, customer_id: str) -> Stack:
    """Remove a sample customer; scenarios still about it are reported by validation."""
    return remove(stack, "customers", customer_id)


def move_customer(stack: Stack, customer_id: str, position: int) -> Stack:
    """Reorder the sample customers (the preview grid's rows follow)."""
    return move(stack, "customers", customer_id, position)


def set_attribute(stack: Stack, customer_id: str, name: str, value: Any) -> Stack:
    """Set one attribute of a sample customer (None removes it, so its default applies)."""
    customer = stack.customers[position_of(stack, "customers", customer_id)]
    attributes = dict(customer.attributes)
    if value is None:
        attributes.pop(name, None)
    else:
        attributes[name] = value
    return update(stack, "customers", customer_id, attributes=attributes)


def add_event(
    stack: Stack, customer_id: str, event: SampleEvent | dict[str, Any], position: int | None = None
) -> Stack:
    """Add an entry to a sample customer's contact history."""
    index = position_of(stack, "customers", customer_id)
    history = list(stack.customers[index].history)
    at = len(history) if position is None else position
    _check_position(at, len(history), ("customers", index, "history"))
    data = event if isinstance(event, dict) else dict(event.__dict__)
    history.insert(at, build(SampleEvent, data, ("customers", index, "history", at)))
    return update(stack, "customers", customer_id, history=history)


def remove_event(stack: Stack, customer_id: str, event_index: int) -> Stack:
    """Remove entry `event_index` of a sample customer's history."""
    index = position_of(stack, "customers", customer_id)
    history = list(stack.customers[index].history)
    _check_index(event_index, len(history), ("customers", index, "history"))
    del history[event_index]
    return update(stack, "customers", customer_id, history=history)


# -- scenarios ------------------------------------------------------------------------------------


def add_scenario(stack: Stack, scenario: Scenario | dict[str, Any], position: int | None = None) -> Stack:
    """Add a scenario (it needs at least one step)."""
    return add(stack, "scenarios", scenario, position)


def update_scenario(stack: Stack, scenario_id: str, **changes: Any) -> Stack:
    """Change a scenario's title, customer, description or steps."""
    return update(stack, "scenarios", scenario_id, **changes)


def remove_scenario(stack: Stack, scenario_id: str) -> Stack:
    """Remove a scenario."""
    return remove(stack, "scenarios", scenario_id)


def add_step(stack: Stack, scenario_id: str, step: ScenarioStep | dict[str, Any], position: int | None = None) -> Stack:
    """Add a step to a scenario's timeline."""
    index = position_of(stack, "scenarios", scenario_id)
    steps = list(stack.scenarios[index].steps)
    at = len(steps) if position is None else position
    _check_position(at, len(steps), ("scenarios", index, "steps"))
    data = step if isinstance(step, dict) else dict(step.__dict__)
    steps.insert(at, build(ScenarioStep, data, ("scenarios", index, "steps", at)))
    return update(stack, "scenarios", scenario_id, steps=steps)


def update_step(stack: Stack, scenario_id: str, step_index: int, **changes: Any) -> Stack:
    """Change a scenario step's time, agent, action, parameters or label."""
    index = position_of(stack, "scenarios", scenario_id)
    steps = list(stack.scenarios[index].steps)
    path: Path = ("scenarios", index, "steps")
    _check_index(step_index, len(steps), path)
    steps[step_index] = build(ScenarioStep, {**steps[step_index].__dict__, **changes}, (*path, step_index))
    return update(stack, "scenarios", scenario_id, steps=steps)


def remove_step(stack: Stack, scenario_id: str, step_index: int) -> Stack:
    """Remove a scenario step (a scenario keeps at least one)."""
    index = position_of(stack, "scenarios", scenario_id)
    steps = list(stack.scenarios[index].steps)
    path: Path = ("scenarios", index, "steps")
    _check_index(step_index, len(steps), path)
    if len(steps) == 1:
        raise EditError("A scenario keeps at least one step", [issue_at(path, "the last step can't be removed")])
    del steps[step_index]
    return update(stack, "scenarios", scenario_id, steps=steps)


def move_step(stack: Stack, scenario_id: str, step_index: int, position: int) -> Stack:
    """Move a scenario step (replays order steps by time; this is the order in the file)."""
    index = position_of(stack, "scenarios", scenario_id)
    steps = list(stack.scenarios[index].steps)
    path: Path = ("scenarios", index, "steps")
    _check_index(step_index, len(steps), path)
    step = steps.pop(step_index)
    _check_position(position, len(steps), path)
    steps.insert(position, step)
    return update(stack, "scenarios", scenario_id, steps=steps)


# -- helpers for renames --------------------------------------------------------------------------


def _swapper(old: str, new: str) -> Callable[[Any], Any]:
    def swap(value: Any) -> Any:
        return new if value == old else value

    return swap


def _changed(model: Model, **changes: Any) -> Model:
    """The same model with fields replaced, reusing the object when nothing changes."""
    if all(getattr(model, name) == value for name, value in changes.items()):
        return model
    return model.model_copy(update=changes)


def _conditions_renamed(rule: Rule, renamed: Renamed, old: str, new: str) -> Rule:
    """The rule with `old` spelled `new` wherever its condition or limits compare a `renamed` id with it."""
    when = rename_in_condition(rule.when, renamed, old, new) if rule.when is not None else None
    return _changed(rule, when=when, limits=[rename_in_text(text, renamed, old, new) for text in rule.limits])


def _rule_with_team(rule: Rule, swap: Callable[[Any], Any]) -> Rule:
    duties = [
        _changed(duty, to=swap(duty.to)) if isinstance(duty, FlagDuty | NotifyDuty) else duty for duty in rule.duties
    ]
    return _changed(
        rule, owner=swap(rule.owner), teams=[swap(t) for t in rule.teams], route=swap(rule.route), duties=duties
    )


def _rule_routes(rule: Rule, swap: Callable[[Any], Any]) -> Rule:
    """Routes and flag targets may name a human queue (an agent)."""
    duties = [_changed(duty, to=swap(duty.to)) if isinstance(duty, FlagDuty) else duty for duty in rule.duties]
    return _changed(rule, route=swap(rule.route), duties=duties)


def _customer_events(customer: SampleCustomer, change: Callable[[SampleEvent], SampleEvent]) -> SampleCustomer:
    return _changed(customer, history=[change(event) for event in customer.history])


def _scenario_steps(scenario: Scenario, change: Callable[[ScenarioStep], ScenarioStep]) -> Scenario:
    return _changed(scenario, steps=[change(step) for step in scenario.steps])


def _without_action(agent: Agent, action_id: str) -> Agent:
    return _changed(
        agent,
        actions=[a for a in agent.actions if a != action_id],
        daily_volume={k: v for k, v in agent.daily_volume.items() if k != action_id},
    )


def replace_signoffs(stack: Stack, signoffs: Sequence[SignOff]) -> Stack:
    """The stack with this list of sign-offs (see `studio.signoff` for signing)."""
    return _with(stack, signoffs=list(signoffs))
