"""Business words for the studio's values: amounts, percentages, windows, moments and names.

Explanations, diffs, what-if sweeps and review-load reports all speak of the same things
("the discount", "15%", "Customer Success (Priya Raman)", "Thursday 26 Nov 10:00"), so they
take their words from here. Units come from the naming conventions of stack files: a field
ending `_pct` is a percentage, `_usd` an amount in dollars, `_days` a number of days.
"""

from __future__ import annotations

from typing import Any

from studio.cel.ast import MIRRORED, Binary, Call, Ident, Literal, Node, Operator, Select, Unary
from studio.clock import MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, describe_duration, from_micros, zone
from studio.stack import AgentKind, Stack

_ACRONYMS = {"arr", "acv", "mrr", "sla", "nps", "id", "ltv", "kyc", "aml", "apr"}
_UNITS = {"pct": "%", "usd": "$", "eur": "€", "gbp": "£", "days": " days", "hours": " hours"}
_OPERATOR_WORDS = {
    Operator.LT: "below",
    Operator.LE: "at most",
    Operator.GT: "above",
    Operator.GE: "at least",
    Operator.EQ: "exactly",
    Operator.NE: "anything but",
}


def label(name: str) -> str:
    """`discount_pct` -> `discount`, `acv_impact_usd` -> `ACV impact`, `renewal_stage` -> `renewal stage`."""
    parts = name.split("_")
    if len(parts) > 1 and parts[-1] in _UNITS:
        parts = parts[:-1]
    return " ".join(part.upper() if part in _ACRONYMS else part for part in parts)


def number(value: float) -> str:
    """`15`, `2.5`, `30,000`: integral values without a decimal point, thousands grouped."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6g}"


def rate(per_day: float) -> str:
    """A mean a day to one decimal: `2.5`, `30`; a small share is `<0.1`, never a misleading 0."""
    return "<0.1" if 0 < per_day < 0.05 else number(round(per_day, 1))


def amount(name: str, value: Any) -> str:
    """A value in its unit, as the field's name implies: `15%`, `$30,000`, `7 days`, `premium`."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        unit = _UNITS.get(name.rsplit("_", 1)[-1], "") if "_" in name else ""
        text = number(value)
        if unit in ("$", "€", "£"):
            return f"-{unit}{text.lstrip('-')}" if value < 0 else f"{unit}{text}"
        return f"{text}{unit}"
    if isinstance(value, tuple | list):
        return ", ".join(amount(name, item) for item in value) if value else "none"
    if isinstance(value, str):
        return value.replace("_", " ") if value else "(empty)"
    return str(value)


def team(stack: Stack, team_id: str) -> str:
    """A team's name, or its id when it has none."""
    found = next((t for t in stack.teams if t.id == team_id), None)
    return found.name or found.id if found is not None else team_id


def possessive(name: str) -> str:
    """`Sales'` and `Finance's`."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def route(stack: Stack, target: str) -> str:
    """Whom a flag goes to, with the named human: `Sales (Marco Diaz)`, `Renewal desk (Customer Success)`."""
    found = next((t for t in stack.teams if t.id == target), None)
    if found is not None:
        name = found.name or found.id
        return f"{name} ({found.lead})" if found.lead else name
    queue = next((a for a in stack.agents if a.id == target and a.kind is AgentKind.HUMAN_QUEUE), None)
    if queue is not None:
        return f"{queue.name or queue.id} ({team(stack, queue.team)})"
    return target


def moment(micros: int, tz: str) -> str:
    """`Thursday 26 Nov 10:00` in the stack's time zone."""
    local = from_micros(micros).astimezone(zone(tz))
    return f"{local:%A} {local.day} {local:%b %H:%M}"


def duration(micros: int) -> str:
    """`24 hours`, `7 days`, `1 day 6 hours`: a delay in the largest whole units."""
    if micros <= 0:
        return "now"
    if micros % MICROS_PER_HOUR and micros > MICROS_PER_DAY:
        micros = round(micros / MICROS_PER_HOUR) * MICROS_PER_HOUR
    days, rest = divmod(micros, MICROS_PER_DAY)
    if days and rest:
        hours = round(rest / MICROS_PER_HOUR)
        return f"{describe_duration(days * MICROS_PER_DAY)} {hours} hour{'s' if hours != 1 else ''}"
    if micros % MICROS_PER_MINUTE:
        return describe_duration(max(MICROS_PER_MINUTE, round(micros / MICROS_PER_MINUTE) * MICROS_PER_MINUTE))
    return describe_duration(micros)


class Comparison:
    """A condition of the shape `subject OP number` (or `number OP subject`): a threshold.

    `subject` is the dotted path read (`params.discount_pct`, `customer.arr_usd`), `op` the
    operator with the subject on the left, `value` the number and `literal` its node.
    """

    __slots__ = ("literal", "op", "subject", "value")

    def __init__(self, subject: str, op: Operator, value: float, literal: Node) -> None:
        self.subject = subject
        self.op = op
        self.value = value
        self.literal = literal

    @property
    def field(self) -> str:
        """The last part of the subject: `discount_pct`."""
        return self.subject.rsplit(".", 1)[-1]

    def words(self, value: float | None = None) -> str:
        """`discount at most 10%` (with another number if given)."""
        shown = self.value if value is None else value
        return f"{label(self.field)} {_OPERATOR_WORDS[self.op]} {amount(self.field, shown)}"

    def requirement(self) -> str:
        """`discount must be at most 10%`."""
        return f"{label(self.field)} must be {_OPERATOR_WORDS[self.op]} {amount(self.field, self.value)}"


def comparison(node: Node) -> Comparison | None:
    """The threshold a node states, if it is one (see `Comparison`)."""
    if not isinstance(node, Binary) or node.op not in MIRRORED:
        return None
    subject, op, literal = node.left, node.op, node.right
    if _number_of(subject) is not None:
        subject, op, literal = node.right, MIRRORED[node.op], node.left
    value = _number_of(literal)
    path = dotted(subject)
    if value is None or path is None:
        return None
    return Comparison(path, op, value, literal)


def dotted(node: Node) -> str | None:
    """`customer.arr_usd` for a chain of field reads from a variable, else None."""
    if isinstance(node, Select):
        inner = dotted(node.operand)
        return f"{inner}.{node.field}" if inner is not None else None
    return node.name if isinstance(node, Ident) else None


def _number_of(node: Node) -> float | None:
    if isinstance(node, Literal) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, Unary) and node.op is Operator.NEG:
        inner = _number_of(node.operand)
        return -inner if inner is not None else None
    return None


def window(node: Node) -> int | None:
    """The length of `days(7)`, `hours(24)`, `minutes(30)` in microseconds, else None."""
    scale = {"days": MICROS_PER_DAY, "hours": MICROS_PER_HOUR, "minutes": MICROS_PER_MINUTE}
    if isinstance(node, Call) and node.function in scale and node.target is None and len(node.args) == 1:
        value = _number_of(node.args[0])
        return round(value * scale[node.function]) if value is not None else None
    return None
