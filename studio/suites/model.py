"""The tests file: expected verdicts for a stack, written beside it as `<stack>.tests.yaml`.

These frozen pydantic models are the file's structure, field for field (`docs/test-suites.md`
explains each with examples). Structure is checked here; names, parameters and times are
checked against the stack in `check.py`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, StringConstraints, Tag

from studio.stack import Id, SampleCustomer

FORMAT = "coordination-studio/tests/v1"
"""The value of a tests file's `format` key."""

ALL = "*"
"""In a selection of agents, actions or customers: every one of them."""

Name = Annotated[str, StringConstraints(pattern=r"^(\*|[A-Za-z][A-Za-z0-9_.-]{0,63})$")]
"""An id, or `*` for all."""


class SuiteModel(BaseModel):
    """Base of every part of the tests file: immutable, and strict about unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


def _one_or_many(value: Any) -> Any:
    # `agents: "*"` and `agents: support-agent` read as one-item lists: less to type in a grid.
    return [value] if isinstance(value, str) else value


def _quoted_time(value: Any) -> Any:
    # YAML reads an unquoted ISO time as a date; say how to write it rather than "not a string".
    if isinstance(value, date):
        raise ValueError('a time must be quoted text, like "2026-11-23T10:00:00Z"')
    return value


Selection = Annotated[list[Name], BeforeValidator(_one_or_many)]
"""One id, `*`, or a list of ids."""

Time = Annotated[str, BeforeValidator(_quoted_time)]
"""ISO 8601, relative to the sample clock (`+2d@10:00`), or the name of a `fixtures.times` entry."""


def _params_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "params-name"
    if isinstance(value, dict):
        return "params-values"
    return None


PARAMS_TAGS = frozenset({"params-name", "params-values"})
"""Union tags pydantic adds to error locations inside `params`; dropped when locating errors."""

Params = Annotated[
    Annotated[Id, Tag("params-name")] | Annotated[dict[str, Any], Tag("params-values")],
    Discriminator(
        _params_tag,
        custom_error_type="params",
        custom_error_message="params are a mapping (name: value) or the name of a params fixture",
    ),
]
"""Parameter values by name, or the name of a `fixtures.params` set."""

VerdictWord = Literal["go", "flag", "stop", "default"]


class Expectation(SuiteModel):
    """What a decision should be. Only `verdict` is always checked; left out, it means `default`."""

    verdict: VerdictWord = "default"
    """go, flag or stop; `default`: the stack's default for the agent's kind, with no may rule covering the action."""
    routes: list[Id] | None = None
    """Exactly these routes, in the decision's order (`[]`: none)."""
    rules: list[Id] | None = None
    """Exactly these rules fired (in any order)."""
    includes_rules: list[Id] = []
    """At least these rules fired."""
    excludes_rules: list[Id] = []
    """None of these rules fired."""
    reasons: list[str] = []
    """Each text appears in one of the decision's reasons (ignoring case)."""
    obligations: list[str] | None = None
    """Exactly these obligations, each as `log`, `disclose` or `notify <team>` (in any order)."""


class Case(SuiteModel):
    """One agent proposing one action to one customer, and the decision expected."""

    name: str = ""
    """What the case shows, in words; left out, it is named after the agent, action and customer."""
    agent: Id
    action: Id
    customer: Id
    """A sample customer of the stack, or one of the suite's fixture customers."""
    params: Params = {}
    """Left-out parameters take the action's examples (else their defaults)."""
    at: Time | None = None
    """When; left out: the sample clock (the stack's `preview_at`)."""
    expect: Expectation = Expectation()


class CellExpectation(Expectation):
    """The expectation for some cells of a matrix: those it selects that no earlier entry did."""

    agents: Selection = [ALL]
    """Within the matrix's agents; `*`: all of them."""
    actions: Selection = [ALL]
    customers: Selection = [ALL]


class Matrix(SuiteModel):
    """Customers x agents x actions, each cell decided; cells no `expect` entry selects expect the default."""

    name: str = Field(min_length=1)
    agents: Selection = [ALL]
    """`*`: every agent; only the actions each agent declares are crossed."""
    actions: Selection = [ALL]
    customers: Selection = [ALL]
    """`*`: the stack's sample customers and the suite's fixture customers."""
    params: Params = {}
    """Shared by every cell: each action takes the parameters it declares."""
    at: Time | None = None
    expect: list[CellExpectation] = []
    """Read top to bottom: the first entry selecting a cell gives its expectation."""


class FixtureCustomer(SampleCustomer):
    """A customer only this suite knows: a stack customer's shape, optionally varying another."""

    like: Id | None = None
    """Start from this customer (of the stack, or an earlier fixture): its attributes, with the
    ones given here replacing theirs, and its history, with the events given here added."""


class Fixtures(SuiteModel):
    """Named inputs shared by the cases and matrices of a suite."""

    params: dict[Id, dict[str, Any]] = {}
    """Parameter sets by name; each action takes the parameters it declares."""
    customers: list[FixtureCustomer] = []
    times: dict[Id, Time] = {}
    """Moments by name (`wednesday: +2d@10:00`), usable wherever a time is."""


class SuiteFile(SuiteModel):
    """A test suite for one stack."""

    format: Literal["coordination-studio/tests/v1"]
    stack: str = Field(min_length=1)
    """The stack file, relative to this file."""
    name: str = ""
    description: str = ""
    fixtures: Fixtures = Fixtures()
    cases: list[Case] = []
    matrix: list[Matrix] = []
