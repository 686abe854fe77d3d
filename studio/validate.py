"""Check a structurally valid stack: names, references, types and conditions.

Returns every issue at once, each located by its document path, so a user fixes a file in
one pass instead of one error per run. `document.py` turns paths into lines and columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from studio.cel.check import check
from studio.cel.parse import CelSyntaxError, parse
from studio.cel.types import Environment
from studio.clock import TimeFormatError, is_zone, parse_instant
from studio.condition import Path, leaves, syntax_issues
from studio.environment import base_environment, event_kinds, rule_environment
from studio.errors import Issue, did_you_mean
from studio.stack import (
    AgentKind,
    FlagDuty,
    NotifyDuty,
    Rule,
    RuleKind,
    SampleCustomer,
    Stack,
    ValueSpec,
)
from studio.values import InvalidValueError, coerce, spec_problems

CEL_NAME = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9]*$")
OWNER = "owner"
"""Route and notify targets may say `owner`: the team that owns the action's decision."""


@dataclass
class _Validator:
    stack: Stack
    issues: list[Issue] = field(default_factory=list)
    environments: dict[tuple[str, ...], Environment] = field(default_factory=dict)
    """Rule environments by the actions rules name (the same actions, the same `params`)."""

    def add(self, path: Path, message: str, hint: str = "", offset: tuple[int, int] | None = None) -> None:
        self.issues.append(Issue(path, message, hint, offset))

    def reference(self, path: Path, name: str, valid: Sequence[str], what: str) -> None:
        if name not in valid:
            self.add(path, f"unknown {what} '{name}'", did_you_mean(name, valid))

    # -- names -------------------------------------------------------------------------------

    def unique_ids(self) -> None:
        collections: dict[str, Sequence[Any]] = {
            "teams": self.stack.teams,
            "decisions": self.stack.decisions,
            "actions": self.stack.actions,
            "agents": self.stack.agents,
            "rules": self.stack.rules,
            "customers": self.stack.customers,
            "scenarios": self.stack.scenarios,
        }
        for key, items in collections.items():
            seen: set[str] = set()
            for index, item in enumerate(items):
                if item.id in seen:
                    self.add((key, index, "id"), f"'{item.id}' is already used by another entry of {key}")
                seen.add(item.id)
        queues = {agent.id for agent in self.stack.agents if agent.kind is AgentKind.HUMAN_QUEUE}
        for index, team in enumerate(self.stack.teams):
            if team.id == OWNER:
                self.add(
                    ("teams", index, "id"),
                    "'owner' is reserved: it means the team owning a decision",
                )
            if team.id in queues:
                self.add(
                    ("teams", index, "id"),
                    f"'{team.id}' names both a team and a human queue; flags could go to either",
                )

    def vocabulary(self) -> None:
        if not is_zone(self.stack.timezone):
            self.add(
                ("timezone",),
                f"unknown time zone '{self.stack.timezone}'",
                "use an IANA name such as 'Europe/Paris'",
            )
        else:
            try:
                parse_instant(self.stack.preview_at, now=0, tz=self.stack.timezone)
            except TimeFormatError as error:
                self.add(("preview_at",), str(error))
        for key in ("channels", "purposes"):
            values: list[str] = getattr(self.stack, key)
            if len(set(values)) != len(values):
                self.add((key,), f"{key} lists a value twice")

    # -- parts ---------------------------------------------------------------------------------

    def decisions(self) -> None:
        teams = self.team_ids
        for index, decision in enumerate(self.stack.decisions):
            if decision.owner is not None:
                self.reference(("decisions", index, "owner"), decision.owner, teams, "team")

    def schema(self) -> None:
        for name, spec in self.stack.customer.attributes.items():
            self.value_spec(("customer", "attributes", name), name, spec)
            if name == "id":
                self.add(
                    ("customer", "attributes", name),
                    "'id' is reserved: customer.id is every customer's id",
                )
        for name, spec in self.stack.customer.history.payload.items():
            self.value_spec(("customer", "history", "payload", name), name, spec)
        actions = set(self.action_ids)
        for index, kind in enumerate(self.stack.customer.history.kinds):
            if kind in actions:
                self.add(
                    ("customer", "history", "kinds", index),
                    f"'{kind}' is an action already; actions are event kinds by themselves",
                )

    def value_spec(self, path: Path, name: str, spec: ValueSpec) -> None:
        if not CEL_NAME.match(name):
            self.add(
                path,
                f"'{name}' can't be used in conditions: names are letters, digits and '_', starting with a letter",
            )
        for problem in spec_problems(spec, name):
            self.add(path, problem)

    def actions(self) -> None:
        for index, action in enumerate(self.stack.actions):
            path: Path = ("actions", index)
            self.reference((*path, "decision"), action.decision, self.decision_ids, "decision")
            if action.channel is not None:
                self.reference((*path, "channel"), action.channel, self.stack.channels, "channel")
            if action.purpose is not None:
                self.reference((*path, "purpose"), action.purpose, self.stack.purposes, "purpose")
            for name, spec in action.params.items():
                self.value_spec((*path, "params", name), name, spec)

    def agents(self) -> None:
        for index, agent in enumerate(self.stack.agents):
            path: Path = ("agents", index)
            self.reference((*path, "team"), agent.team, self.team_ids, "team")
            for position, action in enumerate(agent.actions):
                self.reference((*path, "actions", position), action, self.action_ids, "action")
            for action in agent.daily_volume:
                if action not in agent.actions:
                    self.add(
                        (*path, "daily_volume", action),
                        f"'{action}' isn't one of {agent.id}'s actions",
                        did_you_mean(action, agent.actions),
                    )

    # -- rules ---------------------------------------------------------------------------------

    def rules(self) -> None:
        base = base_environment(self.stack)
        for index, rule in enumerate(self.stack.rules):
            self.rule(("rules", index), rule, base)

    def rule(self, path: Path, rule: Rule, base: Environment) -> None:
        self.reference((*path, "owner"), rule.owner, self.team_ids, "team")
        for position, agent in enumerate(rule.agents):
            self.reference((*path, "agents", position), agent, self.agent_ids, "agent")
        for position, team in enumerate(rule.teams):
            self.reference((*path, "teams", position), team, self.team_ids, "team")
        for position, action in enumerate(rule.actions):
            self.reference((*path, "actions", position), action, self.action_ids, "action")
        self.kind_fields(path, rule)
        environment = self.environments.get(tuple(rule.actions))  # rules covering the same actions share it
        if environment is None:
            environment = self.environments[tuple(rule.actions)] = rule_environment(self.stack, rule, base)
        if rule.when is not None:
            self.condition((*path, "when"), rule.when, environment)
        for position, limit in enumerate(rule.limits):
            self.condition((*path, "limits", position), limit, environment)

    def kind_fields(self, path: Path, rule: Rule) -> None:
        defaults = Rule.model_fields
        if rule.kind is not RuleKind.MAY:
            for name in ("limits", "over_limit", "route"):
                if getattr(rule, name) != defaults[name].default:
                    self.add((*path, name), f"'{name}' belongs to may rules; this is a {rule.kind} rule")
        if rule.kind is not RuleKind.MUST and rule.duties:
            self.add((*path, "duties"), f"'duties' belong to must rules; this is a {rule.kind} rule")
        if rule.kind is RuleKind.MUST and not rule.duties:
            self.add(
                (*path, "kind"),
                "a must rule needs at least one duty (flag, notify, log or disclose)",
            )
        if rule.kind is RuleKind.MAY:
            self.route_target((*path, "route"), rule.route)
        for position, duty in enumerate(rule.duties):
            if isinstance(duty, FlagDuty | NotifyDuty):
                self.route_target((*path, "duties", position, "to"), duty.to)

    def route_target(self, path: Path, target: str) -> None:
        if target == OWNER:
            return
        valid = [*self.team_ids, *self.queue_ids]
        if target not in valid:
            self.add(
                path,
                f"'{target}' is neither a team nor a human queue",
                did_you_mean(target, [*valid, OWNER]),
            )

    def condition(self, path: Path, condition: object, environment: Environment) -> None:
        syntax = syntax_issues(condition, path)  # type: ignore[arg-type]
        self.issues.extend(syntax)
        if syntax:
            return
        for leaf in leaves(condition, path):  # type: ignore[arg-type]
            try:
                node = parse(leaf.text)
            except CelSyntaxError:  # reported above
                continue
            for problem in check(node, environment):
                self.add(leaf.path, problem.message, problem.hint, (problem.line, problem.column))

    # -- samples -------------------------------------------------------------------------------

    def customers(self, now: int) -> None:
        for index, customer in enumerate(self.stack.customers):
            self.customer(("customers", index), customer, now)

    def customer(self, path: Path, customer: SampleCustomer, now: int) -> None:
        schema = self.stack.customer.attributes
        for name, raw in customer.attributes.items():
            if name not in schema:
                self.add(
                    (*path, "attributes", name),
                    f"unknown attribute '{name}'",
                    did_you_mean(name, schema),
                )
                continue
            self.value((*path, "attributes", name), schema[name], raw, name, now)
        for name, spec in schema.items():
            if name not in customer.attributes and spec.default is None:
                self.add(
                    (*path, "attributes"),
                    f"{customer.id} gives no value for '{name}', which has no default",
                )
        kinds = event_kinds(self.stack)
        payload = self.stack.customer.history.payload
        for position, event in enumerate(customer.history):
            at: Path = (*path, "history", position)
            self.time((*at, "at"), event.at, now)
            self.reference((*at, "kind"), event.kind, kinds, "event kind")
            if event.agent is not None:
                self.reference((*at, "agent"), event.agent, self.agent_ids, "agent")
            if event.team is not None:
                self.reference((*at, "team"), event.team, self.team_ids, "team")
            if event.agent is None and event.team is None:
                self.add(at, "an event names its agent or its team")
            if event.channel is not None:
                self.reference((*at, "channel"), event.channel, self.stack.channels, "channel")
            if event.purpose is not None:
                self.reference((*at, "purpose"), event.purpose, self.stack.purposes, "purpose")
            for name, raw in event.payload.items():
                if name not in payload:
                    self.add(
                        (*at, "payload", name),
                        f"unknown payload field '{name}'",
                        did_you_mean(name, payload),
                    )
                else:
                    self.value((*at, "payload", name), payload[name], raw, name, now)

    def value(self, path: Path, spec: ValueSpec, raw: object, name: str, now: int) -> None:
        try:
            coerce(spec, raw, name=name, now=now, tz=self.stack.timezone)
        except InvalidValueError as error:
            self.add(path, str(error), error.hint)

    def time(self, path: Path, text: str, now: int) -> None:
        try:
            parse_instant(text, now=now, tz=self.stack.timezone)
        except TimeFormatError as error:
            self.add(path, str(error))

    def scenarios(self, now: int) -> None:
        customers = [customer.id for customer in self.stack.customers]
        agents = {agent.id: agent for agent in self.stack.agents}
        actions = {action.id: action for action in self.stack.actions}
        for index, scenario in enumerate(self.stack.scenarios):
            path: Path = ("scenarios", index)
            self.reference((*path, "customer"), scenario.customer, customers, "sample customer")
            for position, step in enumerate(scenario.steps):
                at: Path = (*path, "steps", position)
                self.time((*at, "at"), step.at, now)
                agent, action = agents.get(step.agent), actions.get(step.action)
                self.reference((*at, "agent"), step.agent, self.agent_ids, "agent")
                self.reference((*at, "action"), step.action, self.action_ids, "action")
                if agent is not None and action is not None and action.id not in agent.actions:
                    self.add(
                        (*at, "action"),
                        f"{agent.id} doesn't propose '{action.id}'",
                        did_you_mean(action.id, agent.actions),
                    )
                if action is not None:
                    self.params(at, step.params, action.params, now)

    def params(self, path: Path, given: dict[str, object], specs: dict[str, ValueSpec], now: int) -> None:
        for name, raw in given.items():
            if name not in specs:
                self.add(
                    (*path, "params", name),
                    f"unknown parameter '{name}'",
                    did_you_mean(name, specs),
                )
            else:
                self.value((*path, "params", name), specs[name], raw, name, now)
        for name, spec in specs.items():
            if name not in given and spec.example is None and spec.default is None:
                self.add(
                    (*path, "params"),
                    f"no value for parameter '{name}' (and it has no example or default)",
                )

    def signoffs(self) -> None:
        for index, signoff in enumerate(self.stack.signoffs):
            self.reference(("signoffs", index, "team"), signoff.team, self.team_ids, "team")

    # -- lookups -------------------------------------------------------------------------------

    @cached_property  # the stack doesn't change while it is checked
    def team_ids(self) -> list[str]:
        return [team.id for team in self.stack.teams]

    @cached_property  # the stack doesn't change while it is checked
    def agent_ids(self) -> list[str]:
        return [agent.id for agent in self.stack.agents]

    @cached_property  # the stack doesn't change while it is checked
    def queue_ids(self) -> list[str]:
        return [agent.id for agent in self.stack.agents if agent.kind is AgentKind.HUMAN_QUEUE]

    @cached_property  # the stack doesn't change while it is checked
    def action_ids(self) -> list[str]:
        return [action.id for action in self.stack.actions]

    @cached_property  # the stack doesn't change while it is checked
    def decision_ids(self) -> list[str]:
        return [decision.id for decision in self.stack.decisions]


def validate(stack: Stack, *, now: int = 0) -> list[Issue]:
    """Every issue in `stack`, in document order of the checks. Empty means valid.

    `now` resolves relative sample times; any value works, it only has to be fixed.
    """
    if now == 0 and _last_valid[0] is stack:
        return []  # a stack is immutable: loading checks it, then compiling asks again
    validator = _Validator(stack)
    validator.unique_ids()
    validator.vocabulary()
    validator.decisions()
    validator.schema()
    validator.actions()
    validator.agents()
    validator.rules()
    validator.customers(now)
    validator.scenarios(now)
    validator.signoffs()
    if now == 0 and not validator.issues:
        _last_valid[0] = stack
    return validator.issues


_last_valid: list[Stack | None] = [None]
"""The last stack found valid (by identity), kept so that checking it again is free."""


def issue_paths(issues: Iterable[Issue]) -> set[Path]:
    """The document paths that have issues (front ends mark those fields)."""
    return {issue.path for issue in issues}
