"""Check a structurally valid tests file against the stack it tests.

Every agent, action, customer, rule, route, parameter and time is checked, and every issue is
returned at once, located by its document path (as `studio.validate` does for stacks), so
that a wrong name in a test is reported with its line and column rather than failing later as
a puzzling verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from studio.clock import TimeFormatError, parse_instant
from studio.errors import Issue, did_you_mean
from studio.stack import Action, AgentKind, SampleCustomer, Stack
from studio.suites.cells import chosen, claims, matrix_cells
from studio.suites.fixtures import fixture_customers
from studio.suites.model import ALL, Case, Expectation, Matrix, SuiteFile
from studio.values import InvalidValueError, coerce

Path = tuple[str | int, ...]

DUTIES = ("log", "disclose", "notify")
"""How an expected obligation starts: `log`, `disclose`, or `notify <team>`."""


def check_suite(suite: SuiteFile, stack: Stack) -> tuple[list[Issue], dict[str, SampleCustomer]]:
    """Every issue of `suite` against `stack`, and the customers its tests may name (the stack's
    sample customers, then the suite's fixture customers, resolved)."""
    customers, issues = fixture_customers(suite.fixtures.customers, stack)
    checker = _Checker(suite, stack, customers, issues)
    checker.fixtures()
    for index, case in enumerate(suite.cases):
        checker.case(("cases", index), case)
    for index, matrix in enumerate(suite.matrix):
        checker.matrix(("matrix", index), matrix)
    checker.names()
    if not suite.cases and not suite.matrix:
        checker.add((), "nothing to test: give some cases or a matrix")
    return checker.issues, customers


@dataclass
class _Checker:
    suite: SuiteFile
    stack: Stack
    customers: dict[str, SampleCustomer]
    issues: list[Issue] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.agents = {agent.id: agent for agent in self.stack.agents}
        self.actions = {action.id: action for action in self.stack.actions}
        self.rules = [rule.id for rule in self.stack.rules]
        self.teams = [team.id for team in self.stack.teams]
        queues = [agent.id for agent in self.stack.agents if agent.kind is AgentKind.HUMAN_QUEUE]
        self.routes = [*self.teams, *queues]

    def add(self, path: Path, message: str, hint: str = "") -> None:
        self.issues.append(Issue(path, message, hint))

    def reference(self, path: Path, name: str, valid: Sequence[str], what: str) -> bool:
        if name in valid:
            return True
        self.add(path, f"unknown {what} '{name}'", did_you_mean(name, valid))
        return False

    # -- fixtures ------------------------------------------------------------------------------

    def fixtures(self) -> None:
        every_param: dict[str, list[Action]] = {}
        for action in self.stack.actions:
            for name in action.params:
                every_param.setdefault(name, []).append(action)
        for set_name, values in self.suite.fixtures.params.items():
            path: Path = ("fixtures", "params", set_name)
            for name, raw in values.items():
                if name not in every_param:
                    self.add(
                        (*path, name), f"'{name}' is not a parameter of any action", did_you_mean(name, every_param)
                    )
                    continue
                self.value((*path, name), name, raw, every_param[name])
        for name, text in self.suite.fixtures.times.items():
            self.time_text(("fixtures", "times", name), text)

    # -- cases ---------------------------------------------------------------------------------

    def case(self, path: Path, case: Case) -> None:
        agent, action = case.agent, case.action
        known_agent = self.reference((*path, "agent"), agent, list(self.agents), "agent")
        known_action = self.reference((*path, "action"), action, list(self.actions), "action")
        self.reference((*path, "customer"), case.customer, list(self.customers), "customer")
        if known_agent and known_action and action not in self.agents[agent].actions:
            self.add(
                (*path, "action"),
                f"{agent} doesn't propose '{action}'",
                did_you_mean(action, self.agents[agent].actions),
            )
        if known_action:
            self.params(path, case.params, [self.actions[action]])
        self.at(path, case.at)
        self.expectation((*path, "expect"), case.expect)

    # -- matrices ------------------------------------------------------------------------------

    def matrix(self, path: Path, matrix: Matrix) -> None:
        agents = self.selection((*path, "agents"), matrix.agents, list(self.agents), "agent")
        actions = self.selection((*path, "actions"), matrix.actions, list(self.actions), "action")
        customers = self.selection((*path, "customers"), matrix.customers, list(self.customers), "customer")
        cells = matrix_cells(matrix, self.stack, list(self.customers))
        if not cells:
            why = "it selects no customer" if not customers else "none of its agents proposes any of its actions"
            self.add(path, f"this matrix has no cells: {why}")
            return
        if ALL not in matrix.actions:
            proposed = {cell.action for cell in cells}
            for position, action in enumerate(matrix.actions):
                if action in actions and action not in proposed:
                    self.add((*path, "actions", position), f"none of this matrix's agents proposes '{action}'")
        if ALL not in matrix.agents:
            proposing = {cell.agent for cell in cells}
            for position, agent in enumerate(matrix.agents):
                if agent in agents and agent not in proposing:
                    self.add((*path, "agents", position), f"{agent} proposes none of this matrix's actions")
        used_actions = [self.actions[action] for action in dict.fromkeys(cell.action for cell in cells)]
        self.params(path, matrix.params, used_actions)
        self.at(path, matrix.at)
        universe = {
            "customers": list(dict.fromkeys(cell.customer for cell in cells)),
            "agents": list(dict.fromkeys(cell.agent for cell in cells)),
            "actions": list(dict.fromkeys(cell.action for cell in cells)),
        }
        for position, (entry, claimed) in enumerate(zip(matrix.expect, claims(matrix, cells), strict=True)):
            entry_path: Path = (*path, "expect", position)
            outside = [
                (key, index, name)
                for key, names in universe.items()
                for index, name in enumerate(getattr(entry, key))
                if name != ALL and name not in names
            ]
            for key, index, name in outside:
                hint = did_you_mean(name, universe[key])
                self.add((*entry_path, key, index), f"'{name}' is not one of this matrix's {key}", hint)
            if not claimed and not outside:
                self.add(entry_path, "this entry selects no cell that an earlier entry hasn't already")
            self.expectation(entry_path, entry)

    def selection(self, path: Path, names: Sequence[str], valid: list[str], what: str) -> list[str]:
        for position, name in enumerate(names):
            if name != ALL:
                self.reference((*path, position), name, valid, what)
        return chosen(names, valid)

    # -- inputs --------------------------------------------------------------------------------

    def params(self, path: Path, params: str | dict[str, Any], actions: Sequence[Action]) -> None:
        """Values written inline must each belong to one of `actions`; a fixture's set (checked
        where it is defined) gives each action the ones it declares."""
        if isinstance(params, str):
            fixtures = self.suite.fixtures.params
            if not self.reference((*path, "params"), params, list(fixtures), "params fixture"):
                return
            given: Mapping[str, Any] = fixtures[params]
        else:
            given = params
            for name, raw in params.items():
                self.inline_value((*path, "params", name), name, raw, actions)
        for action in actions:
            for name, spec in action.params.items():
                if name not in given and spec.example is None and spec.default is None:
                    self.add(
                        (*path, "params") if given else path,
                        f"no value for parameter '{name}' of {action.id} (it has no example or default)",
                    )

    def inline_value(self, path: Path, name: str, raw: Any, actions: Sequence[Action]) -> None:
        declaring = [action for action in actions if name in action.params]
        if declaring:
            self.value(path, name, raw, declaring)
            return
        names = sorted({param for action in actions for param in action.params})
        where = actions[0].id if len(actions) == 1 else "this matrix's actions"
        self.add(path, f"'{name}' is not a parameter of {where}", did_you_mean(name, names))

    def value(self, path: Path, name: str, raw: Any, actions: Sequence[Action]) -> None:
        for action in actions:
            try:
                coerce(action.params[name], raw, name=name, now=0, tz=self.stack.timezone)
            except InvalidValueError as error:
                where = f" (for {action.id})" if len(actions) > 1 else ""
                self.add(path, f"{error}{where}", error.hint)
                return

    def at(self, path: Path, at: str | None) -> None:
        if at is not None and at not in self.suite.fixtures.times:
            self.time_text((*path, "at"), at, named=True)

    def time_text(self, path: Path, text: str, *, named: bool = False) -> None:
        try:
            parse_instant(text, now=0, tz=self.stack.timezone)
        except TimeFormatError as error:
            times = list(self.suite.fixtures.times)
            hint = f"or one of fixtures.times: {', '.join(times)}" if named and times else ""
            self.add(path, str(error), hint)

    # -- expectations --------------------------------------------------------------------------

    def expectation(self, path: Path, expect: Expectation) -> None:
        for position, route in enumerate(expect.routes or ()):
            self.reference((*path, "routes", position), route, self.routes, "team or human queue")
        for key in ("rules", "includes_rules", "excludes_rules"):
            for position, rule in enumerate(getattr(expect, key) or ()):
                self.reference((*path, key, position), rule, self.rules, "rule")
        for position, rule in enumerate(expect.excludes_rules):
            if rule in expect.includes_rules or rule in (expect.rules or ()):
                self.add((*path, "excludes_rules", position), f"'{rule}' is also expected to fire")
        for position, text in enumerate(expect.obligations or ()):
            self.obligation((*path, "obligations", position), text)

    def obligation(self, path: Path, text: str) -> None:
        words = text.split()
        duty = words[0] if words else ""
        if duty not in DUTIES:
            self.add(path, f"{text!r} is not an obligation", "write log, disclose, or notify <team>")
        elif duty == "notify" and len(words) != 2:
            self.add(path, "say whom: notify <team>", did_you_mean("", self.teams))
        elif duty == "notify":
            self.reference(path, words[1], self.teams, "team")
        elif len(words) != 1:
            self.add(path, f"'{duty}' takes no target", f"write just {duty}")

    # -- names ---------------------------------------------------------------------------------

    def names(self) -> None:
        seen: set[str] = set()
        for index, case in enumerate(self.suite.cases):
            if case.name and case.name in seen:
                self.add(("cases", index, "name"), f"another case is already called {case.name!r}")
            seen.add(case.name)
        for index, matrix in enumerate(self.suite.matrix):
            if matrix.name in seen:
                self.add(("matrix", index, "name"), f"another case or matrix is already called {matrix.name!r}")
            seen.add(matrix.name)
