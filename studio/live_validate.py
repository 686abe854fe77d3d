"""Validation of a stack edited one part at a time.

`validate(stack)` checks everything, and with hundreds of sample customers most of its time
goes to them (every attribute and every history event of every one). In a workshop most
edits don't touch customers, and a customer's problems depend only on the customer itself
and on what it is checked against: the customer schema, the time zone, the names of teams,
agents, actions, channels and purposes. `LiveValidator` therefore keeps each customer's
issues while that context is unchanged, checks only new or changed customers, and checks
the rest of the stack (rules, scenarios, ...) in full. Its issues are the same as
`validate(stack)`'s, in a different order (tests compare them after random edits).
"""

from __future__ import annotations

from typing import Any

from studio.errors import Issue, did_you_mean
from studio.stack import SampleCustomer, Stack
from studio.validate import validate

CustomerIssues = tuple[Issue, ...]
"""A customer's issues with paths relative to the customer (`("attributes", "tier")`)."""


def _context(stack: Stack) -> tuple[Any, ...]:
    """What a sample customer is checked against."""
    return (
        stack.timezone,
        stack.customer,
        [action.id for action in stack.actions],
        [agent.id for agent in stack.agents],
        [team.id for team in stack.teams],
        stack.channels,
        stack.purposes,
    )


class LiveValidator:
    """`validate`, remembering each sample customer's issues between edits."""

    def __init__(self) -> None:
        self._context: tuple[Any, ...] | None = None
        self._customers: dict[str, tuple[SampleCustomer, CustomerIssues]] = {}

    def issues(self, stack: Stack) -> list[Issue]:
        """Every issue of `stack` (the same as `validate(stack)`)."""
        context = _context(stack)
        if context != self._context:
            self._context = context
            self._customers.clear()
            return self._full(stack)
        referenced = {scenario.customer for scenario in stack.scenarios}
        rest = stack.model_copy(update={"customers": [c for c in stack.customers if c.id in referenced]})
        found = [issue for issue in validate(rest) if not _customer_related(issue)]
        found += _duplicates(stack) + _scenario_customers(stack)
        seen: set[str] = set()
        for index, customer in enumerate(stack.customers):
            duplicate = customer.id in seen
            seen.add(customer.id)
            issues = _alone(stack, customer) if duplicate else self._customer_issues(stack, customer)
            found += [_rooted(issue, index) for issue in issues]
        return found

    def _full(self, stack: Stack) -> list[Issue]:
        found = validate(stack)
        by_index: dict[int, list[Issue]] = {}
        for issue in found:
            if issue.path[:1] == ("customers",) and len(issue.path) > 1 and isinstance(issue.path[1], int):
                by_index.setdefault(issue.path[1], []).append(issue)
        ids = [customer.id for customer in stack.customers]
        for index, customer in enumerate(stack.customers):
            if ids.count(customer.id) == 1:
                relative = tuple(_relative(issue) for issue in by_index.get(index, []) if issue.path[2:] != ("id",))
                self._customers[customer.id] = (customer, relative)
        return found

    def _customer_issues(self, stack: Stack, customer: SampleCustomer) -> CustomerIssues:
        cached = self._customers.get(customer.id)
        if cached is not None and (cached[0] is customer or cached[0] == customer):
            return cached[1]
        issues = _alone(stack, customer)
        self._customers[customer.id] = (customer, issues)
        return issues


def _alone(stack: Stack, customer: SampleCustomer) -> CustomerIssues:
    """One customer's issues, checked against the rest of the stack."""
    alone = stack.model_copy(update={"customers": [customer], "rules": [], "scenarios": [], "signoffs": []})
    return tuple(_relative(i) for i in validate(alone) if i.path[:2] == ("customers", 0) and i.path[2:] != ("id",))


def _customer_related(issue: Issue) -> bool:
    """Issues of sample customers, and of scenarios naming one (checked against all of them below)."""
    path = issue.path
    return path[:1] == ("customers",) or (path[:1] == ("scenarios",) and path[2:] == ("customer",))


def _scenario_customers(stack: Stack) -> list[Issue]:
    """The sample-customer check of `validate` for scenarios (against every customer, for its hint)."""
    ids = [customer.id for customer in stack.customers]
    return [
        Issue(
            ("scenarios", index, "customer"), f"unknown sample customer '{s.customer}'", did_you_mean(s.customer, ids)
        )
        for index, s in enumerate(stack.scenarios)
        if s.customer not in ids
    ]


def _duplicates(stack: Stack) -> list[Issue]:
    """The unique-id check of `validate`, for sample customers."""
    seen: set[str] = set()
    found = []
    for index, customer in enumerate(stack.customers):
        if customer.id in seen:
            found.append(
                Issue(("customers", index, "id"), f"'{customer.id}' is already used by another entry of customers")
            )
        seen.add(customer.id)
    return found


def _relative(issue: Issue) -> Issue:
    return Issue(issue.path[2:], issue.message, issue.hint, issue.offset, issue.at_key)


def _rooted(issue: Issue, index: int) -> Issue:
    return Issue(("customers", index, *issue.path), issue.message, issue.hint, issue.offset, issue.at_key)
