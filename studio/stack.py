"""The stack file: one YAML document describing a martech stack and its operating rules.

These frozen pydantic models are the file's structure, field for field; `docs/stack-format.md`
explains each with examples, and `studio schema` prints the JSON Schema generated from them.
Structure is checked here; names, types and conditions are checked in `validate.py`, which
knows how the parts refer to each other.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag

FORMAT = "coordination-studio/v1"
"""The value of a stack file's `format` key; bumped when the format changes incompatibly."""

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")]
"""A name other parts refer to: letters, digits, `_`, `.`, `-`; starting with a letter."""


class StackModel(BaseModel):
    """Base of every part of the file: immutable, and strict about unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ValueType(StrEnum):
    """The type of a customer attribute, an action parameter or a history payload field."""

    NUMBER = "number"
    BOOL = "bool"
    STRING = "string"
    ENUM = "enum"
    TIMESTAMP = "timestamp"
    TIMEZONE = "timezone"
    LIST = "list"


class ItemType(StrEnum):
    """The type of a list's items."""

    STRING = "string"
    ENUM = "enum"
    NUMBER = "number"


class ValueSpec(StackModel):
    """A typed value: a customer attribute, an action parameter or a payload field."""

    type: ValueType
    values: list[str] = []
    """The allowed values of an enum (or of a list of enums)."""
    items: ItemType | None = None
    """For lists: the type of their items."""
    min: float | None = None
    """For numbers: the lowest allowed value."""
    max: float | None = None
    """For numbers: the highest allowed value."""
    default: Any = None
    """Used when a customer, event or request leaves the value out."""
    example: Any = None
    """For action parameters: the value previews use when nobody gives one."""
    description: str = ""


class Team(StackModel):
    """A team that owns decisions and rules and reviews flagged actions."""

    id: Id
    name: str = ""
    lead: str = ""
    """Who signs off for the team."""
    review_capacity_per_day: int | None = Field(default=None, ge=0)
    """How many flagged actions the team can review in a day."""
    description: str = ""


class CustomerDecision(StackModel):
    """A decision about a customer (the renewal conversation, pricing, win-back) and the team that owns it."""

    id: Id
    name: str = ""
    owner: Id | None = None
    """The owning team; leaving it out is an open question for the workshop."""
    description: str = ""


class HistorySchema(StackModel):
    """What the contact history records besides the stack's own actions."""

    kinds: list[Id] = []
    """Event kinds from outside the stack (`call_outbound`, `case_opened`); action ids are kinds too."""
    payload: dict[str, ValueSpec] = {}
    """Typed details an event may carry (`discount_pct`, `positioning`); missing ones take their default."""


class CustomerSchema(StackModel):
    """The customer as rules see it: typed attributes and the contact history."""

    attributes: dict[str, ValueSpec] = {}
    history: HistorySchema = HistorySchema()


class Action(StackModel):
    """Something an agent or tool can propose to do to a customer."""

    id: Id
    name: str = ""
    decision: Id
    """The customer decision it belongs to."""
    channel: Id | None = None
    purpose: Id | None = None
    params: dict[str, ValueSpec] = {}
    description: str = ""


class AgentKind(StrEnum):
    """What kind of actor proposes actions."""

    AI_AGENT = "ai_agent"
    AUTOMATION = "automation"
    HUMAN_QUEUE = "human_queue"


class Agent(StackModel):
    """An AI agent, an automation or a human queue."""

    id: Id
    name: str = ""
    team: Id
    kind: AgentKind
    tool: str = ""
    """The product it runs in (HubSpot, Zendesk, ...)."""
    description: str = ""
    actions: list[Id] = []
    """The actions it proposes: its row of the matrix."""
    daily_volume: dict[Id, float] = {}
    """Expected proposals per day, by action (for review-load forecasts)."""


class RuleKind(StrEnum):
    """The triad of delegated authority."""

    MAY = "may"
    MUST = "must"
    NEVER = "never"


class AllOf(StackModel):
    """True when every listed condition holds."""

    all: list[Condition]


class AnyOf(StackModel):
    """True when at least one listed condition holds."""

    any: list[Condition]


class NoneOf(StackModel):
    """True when no listed condition holds."""

    none: list[Condition]


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "cel"
    if isinstance(value, dict | AllOf | AnyOf | NoneOf):
        keys = set(value) if isinstance(value, dict) else set(type(value).model_fields)
        for key, tag in (("all", "all-of"), ("any", "any-of"), ("none", "none-of")):
            if key in keys:
                return tag
    return None


CONDITION_TAGS = frozenset({"cel", "all-of", "any-of", "none-of"})
"""Union tags pydantic adds to error locations; `document.py` drops them when locating errors."""

Condition = Annotated[
    Annotated[str, Tag("cel")]
    | Annotated[AllOf, Tag("all-of")]
    | Annotated[AnyOf, Tag("any-of")]
    | Annotated[NoneOf, Tag("none-of")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message="a condition is a CEL string or a mapping with one key: all, any or none",
    ),
]
"""A CEL expression, or `all:` / `any:` / `none:` with a list of conditions."""


class FlagDuty(StackModel):
    """Route the action to a team or human queue before it goes ahead."""

    do: Literal["flag"]
    to: Id = "owner"
    """A team, a human-queue agent, or `owner` (the team owning the action's decision)."""


class NotifyDuty(StackModel):
    """Tell a team about the action."""

    do: Literal["notify"]
    to: Id = "owner"
    """A team, a human-queue agent, or `owner` (the team owning the action's decision)."""


class LogDuty(StackModel):
    """Record the action and the rule that applied."""

    do: Literal["log"]


class DiscloseDuty(StackModel):
    """Attach a disclosure to what the customer receives."""

    do: Literal["disclose"]
    text: str


Duty = Annotated[FlagDuty | NotifyDuty | LogDuty | DiscloseDuty, Field(discriminator="do")]


class Rule(StackModel):
    """One MAY, MUST or NEVER statement."""

    id: Id
    kind: RuleKind
    owner: Id
    """The team that owns the rule and answers for it."""
    rationale: str = Field(min_length=1)
    """Why the rule exists, in plain words; shown with every decision it affects."""
    agents: list[Id] = []
    """Agents it binds; with `teams`, a union. Both empty: it binds everyone."""
    teams: list[Id] = []
    actions: list[Id] = []
    """Actions it covers; empty: every action."""
    when: Condition | None = None
    """When the rule applies; left out: always."""
    limits: list[str] = []
    """MAY only: CEL conditions the action must meet to go ahead on its own."""
    over_limit: Literal["flag", "stop"] = "flag"
    """MAY only: what happens beyond the limits."""
    route: Id = "owner"
    """MAY only: where an over-limit flag goes (team, human queue or `owner`)."""
    duties: list[Duty] = []
    """MUST only: what applies while the condition holds."""


class Defaults(StackModel):
    """What happens to an action that no MAY rule covers, by kind of agent. A flag routes to
    the owner of the action's decision."""

    ai_agent: Literal["flag", "stop"] = "stop"
    automation: Literal["flag", "stop"] = "stop"
    human_queue: Literal["flag", "stop"] = "stop"


class SampleEvent(StackModel):
    """One entry of a sample customer's contact history."""

    at: str
    """When: ISO 8601, or relative to now (`-1d`, `-3d@14:30`)."""
    kind: Id
    agent: Id | None = None
    team: Id | None = None
    """Defaults to the agent's team."""
    channel: Id | None = None
    purpose: Id | None = None
    payload: dict[str, Any] = {}
    note: str = ""


class SampleCustomer(StackModel):
    """A customer to preview decisions on; times are relative so samples never go stale."""

    id: Id
    name: str = ""
    story: str = ""
    """One line that tells the room why this customer is here."""
    weight: float = Field(default=1.0, ge=0)
    """Share of the customer population this sample stands for (for review-load forecasts)."""
    attributes: dict[str, Any] = {}
    history: list[SampleEvent] = []


class ScenarioStep(StackModel):
    """One proposed action in a scenario's timeline."""

    at: str
    agent: Id
    action: Id
    params: dict[str, Any] = {}
    label: str = ""
    """How the story names the moment: `Monday`, `Wednesday 10:00`."""


class Scenario(StackModel):
    """A timeline of proposed actions against one customer."""

    id: Id
    title: str = ""
    customer: Id
    description: str = ""
    steps: list[ScenarioStep] = Field(min_length=1)


class SignOff(StackModel):
    """A team lead's agreement to one revision of the stack."""

    team: Id
    name: str
    at: str
    revision: str
    """The stack's revision (`studio.revision.revision`) when they signed."""
    scope: str = ""
    """The fingerprint of what the team signed for (`studio.revision.team_fingerprint`): when it
    no longer matches, something the team agreed to changed and the sign-off is stale."""


class Stack(StackModel):
    """A martech stack, its customer decisions, and the operating rules of its tools and agents."""

    format: Literal["coordination-studio/v1"]
    name: str
    description: str = ""
    timezone: str = "UTC"
    """The stack's business time zone: relative sample times like `-1d@09:00` are read in it."""
    preview_at: str = "now"
    """The moment previews decide at, relative to now (`@10:00` is today at 10:00)."""
    channels: list[Id] = []
    purposes: list[Id] = []
    teams: list[Team] = []
    decisions: list[CustomerDecision] = []
    customer: CustomerSchema = CustomerSchema()
    actions: list[Action] = []
    agents: list[Agent] = []
    defaults: Defaults = Defaults()
    rules: list[Rule] = []
    customers: list[SampleCustomer] = []
    scenarios: list[Scenario] = []
    signoffs: list[SignOff] = []


AllOf.model_rebuild()
AnyOf.model_rebuild()
NoneOf.model_rebuild()
Rule.model_rebuild()
