"""A suite's own customers: resolved (`like:` another customer) and checked as the stack's are.

Fixture customers have the shape of a stack's sample customers, so they are checked by the
stack's own validator: the stack is copied with them added to its customers, and the issues
found on them are moved back to where they sit in the tests file. Nothing checks a customer
twice, and a fixture gets exactly the messages a sample customer would.
"""

from __future__ import annotations

from collections.abc import Sequence

from studio.errors import Issue, did_you_mean
from studio.stack import SampleCustomer, Stack
from studio.suites.model import FixtureCustomer
from studio.validate import validate

Path = tuple[str | int, ...]


def fixture_customers(
    fixtures: Sequence[FixtureCustomer], stack: Stack
) -> tuple[dict[str, SampleCustomer], list[Issue]]:
    """Every customer a suite's tests may name, by id (the stack's first), and the issues of the fixtures."""
    customers = {customer.id: customer for customer in stack.customers}
    issues: list[Issue] = []
    added: list[tuple[int, FixtureCustomer, SampleCustomer | None, SampleCustomer]] = []
    stack_ids = set(customers)
    for index, fixture in enumerate(fixtures):
        path: Path = ("fixtures", "customers", index)
        if fixture.id in customers:
            what = "a customer of the stack" if fixture.id in stack_ids else "another fixture customer"
            hint = f"to vary it, give another id and like: {fixture.id}"
            issues.append(Issue((*path, "id"), f"'{fixture.id}' is already {what}", hint))
            continue
        base = None
        if fixture.like is not None:
            base = customers.get(fixture.like)
            if base is None:
                later = (
                    " (a fixture can only be like an earlier one)" if fixture.like in {f.id for f in fixtures} else ""
                )
                issues.append(
                    Issue(
                        (*path, "like"),
                        f"unknown customer '{fixture.like}'{later}",
                        did_you_mean(fixture.like, customers),
                    )
                )
        resolved = _merged(fixture, base)
        customers[fixture.id] = resolved
        if fixture.like is None or base is not None:  # without its base, every missing attribute would be reported
            added.append((index, fixture, base, resolved))
    if added:
        issues.extend(_checked(stack, added))
    return customers, issues


def _merged(fixture: FixtureCustomer, base: SampleCustomer | None) -> SampleCustomer:
    """The fixture as a plain sample customer: a base's attributes and history, varied by its own."""
    given = fixture.model_fields_set
    if base is None:
        return SampleCustomer(**{name: getattr(fixture, name) for name in SampleCustomer.model_fields})
    return SampleCustomer(
        id=fixture.id,
        name=fixture.name if "name" in given else base.name,
        story=fixture.story if "story" in given else base.story,
        weight=fixture.weight if "weight" in given else base.weight,
        attributes={**base.attributes, **fixture.attributes},
        history=[*base.history, *fixture.history],
    )


def _checked(
    stack: Stack, added: list[tuple[int, FixtureCustomer, SampleCustomer | None, SampleCustomer]]
) -> list[Issue]:
    """The stack validator's issues on the fixtures, at their places in the tests file."""
    first = len(stack.customers)
    trial = stack.model_copy(update={"customers": [*stack.customers, *(resolved for *_, resolved in added)]})
    issues = []
    for issue in validate(trial):
        path = issue.path
        if len(path) < 2 or path[0] != "customers" or not isinstance(path[1], int) or path[1] < first:
            continue  # the stack's own issues: reported when the stack is loaded
        index, fixture, base, _ = added[path[1] - first]
        rest = _own_part(path[2:], fixture, base)
        if rest is not None:
            issues.append(Issue(("fixtures", "customers", index, *rest), issue.message, issue.hint, issue.offset))
    return issues


def _own_part(rest: Path, fixture: FixtureCustomer, base: SampleCustomer | None) -> Path | None:
    """Where an issue on the merged customer sits in the fixture; None when it comes from the base."""
    inherited = len(base.history) if base is not None else 0
    if len(rest) >= 2 and rest[0] == "history" and isinstance(rest[1], int):
        if rest[1] < inherited:
            return None
        return ("history", rest[1] - inherited, *rest[2:])
    if len(rest) >= 2 and rest[0] == "attributes" and rest[1] not in fixture.attributes:
        return None
    if rest == ("attributes",) and "attributes" not in fixture.model_fields_set:
        return ()  # "gives no value for ...": point at the customer, which has no attributes key
    return rest
