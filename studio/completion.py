"""Completion for conditions being typed: what may come next at the cursor, from the stack's schema.

A front end passes the text of a condition (or a limit), the cursor position and the CEL
environment the rule's conditions see (`environment_for`); `complete` answers with the span
of text to replace and the candidates, each with the text to insert and a short description:

- after `customer.`, `params.`, `agent.`, `action.`, `e.` (a history event inside
  `history.exists(e, ...)` and the other macros) and `e.payload.`: the fields of that object;
- after `history.`: the macros (`exists(e, `) and `size()`; after a moment, a string or a
  list: the methods that apply to it (`getHours(`, `startsWith(`, `size()`);
- after `==` / `!=` or inside `in [...]` on an enum field (`customer.renewal_stage == '`):
  the enum's values, quoted;
- elsewhere: the variables, the macro variables in scope and the functions.

Candidates come from the same environment the checker uses (`studio.environment`), so the
terminal and the browser studio offer exactly the names validation accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from studio.cel.check import FUNCTIONS
from studio.cel.types import VARIABLES, Environment, Kind, Type, record
from studio.environment import base_environment, shared_params
from studio.stack import Stack

MACROS = ("exists", "all", "exists_one", "filter")
"""The comprehension macros on lists."""
GLOBAL_FUNCTIONS = ("size", "days", "hours", "minutes", "duration", "timestamp")
"""Functions called on their own: `days(7)`, `size(customer.holds)`."""
_METHODS: dict[Kind, tuple[str, ...]] = {
    Kind.TIMESTAMP: ("getHours", "getMinutes", "getDayOfWeek"),
    Kind.STRING: ("startsWith", "endsWith", "contains", "size"),
    Kind.ENUM: ("startsWith", "endsWith", "contains", "size"),
    Kind.TIMEZONE: ("startsWith", "endsWith", "contains", "size"),
    Kind.LIST: ("size",),
}
_FUNCTION_WORDS = {
    "size": "number of items or characters",
    "days": "a length of time: days(7)",
    "hours": "a length of time: hours(24)",
    "minutes": "a length of time: minutes(30)",
    "duration": "a length of time: duration('36h')",
    "timestamp": "a moment: timestamp('2026-01-01T00:00:00Z')",
    "getHours": "the hour (0-23) in a time zone: now.getHours(customer.tz)",
    "getMinutes": "the minute (0-59) in a time zone",
    "getDayOfWeek": "the weekday in a time zone (0 = Sunday)",
    "startsWith": "starts with a text",
    "endsWith": "ends with a text",
    "contains": "contains a text",
}
_VARIABLE_WORDS = {
    "customer": "the customer's attributes",
    "params": "the action's parameters",
    "history": "the contact history (a list of events)",
    "agent": "the proposing agent",
    "action": "the proposed action",
    "now": "the moment of the decision",
}

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_CHAIN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*$")
_MACRO = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\.(exists_one|exists|all|filter)\(\s*([A-Za-z_]\w*)\s*,"
)
_EQUALS = re.compile(r"(!=|==)\s*$")
_IN_LIST = re.compile(r"\bin\s*\[[^\]\[]*$")


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something that may come next."""

    insert: str
    """The text that replaces the span (`renewal_stage`, `'negotiation'`, `exists(e, `)."""
    label: str
    """How a list shows it (`renewal_stage`)."""
    detail: str = ""
    """What it is: `enum: not_started, open, …`, `number`, `function`."""


@dataclass(frozen=True, slots=True)
class Completion:
    """The candidates at a cursor, and the span of text a chosen one replaces."""

    start: int
    end: int
    candidates: tuple[Candidate, ...]

    def apply(self, text: str, candidate: Candidate) -> tuple[str, int]:
        """The text with `candidate` inserted, and where the cursor goes (after it)."""
        new = text[: self.start] + candidate.insert + text[self.end :]
        return new, self.start + len(candidate.insert)


def environment_for(stack: Stack, actions: Sequence[str] = ()) -> Environment:
    """The environment of a rule covering `actions` (none: every action), as validation builds it."""
    covered = list(actions) or [action.id for action in stack.actions]
    return base_environment(stack).with_params(record("params", shared_params(stack, covered)))


def complete(environment: Environment, text: str, cursor: int | None = None) -> Completion:
    """What may come next at `cursor` (default: the end of `text`)."""
    at = len(text) if cursor is None else max(0, min(cursor, len(text)))
    before = text[:at]
    scope = _macro_scope(environment, before)
    quoted = _open_quote(before)
    if quoted is not None:
        return _values_in_quote(environment, scope, before, quoted, at)
    word_match = _WORD.search(before)
    word = word_match.group(0) if word_match else ""
    start = at - len(word)
    head = before[:start].rstrip()
    if head.endswith("."):
        receiver = _receiver_type(environment, scope, head[:-1])
        return Completion(start, at, _matching(_members(receiver), word))
    if not word:
        enum_type = _compared_enum(environment, scope, before)
        if enum_type is not None:
            return Completion(at, at, tuple(Candidate(f"'{v}'", v, enum_type.name) for v in enum_type.values))
        if head and (head[-1].isalnum() or head[-1] in "_)]'\""):
            return Completion(at, at, ())
    return Completion(start, at, _matching(_names(environment, scope), word))


# -- the parts of the text before the cursor ------------------------------------------------------------


def _open_quote(before: str) -> int | None:
    """Where the string literal the cursor is in starts (the quote's offset), if it is in one."""
    quote: str | None = None
    opened = 0
    index = 0
    while index < len(before):
        char = before[index]
        if quote is not None and char == "\\":
            index += 2
            continue
        if quote is None and char in "'\"":
            quote, opened = char, index
        elif char == quote:
            quote = None
        index += 1
    return opened if quote is not None else None


def _macro_scope(environment: Environment, before: str) -> dict[str, Type]:
    """The macro variables (`e` in `history.exists(e, ...)`) whose parentheses are still open."""
    scope: dict[str, Type] = {}
    for match in _MACRO.finditer(before):
        opening = match.start(2) + len(match.group(2))
        if _closes(before, opening):
            continue
        listed = _chain_type(environment, scope, match.group(1))
        if listed is not None and listed.kind is Kind.LIST and listed.element is not None:
            scope[match.group(3)] = listed.element
    return scope


def _closes(before: str, opening: int) -> bool:
    """Whether the parenthesis at `opening` is closed before the end of `before` (outside strings)."""
    depth = 0
    quote: str | None = None
    for char in before[opening:]:
        if quote is not None:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return True
    return False


def _receiver_type(environment: Environment, scope: dict[str, Type], head: str) -> Type | None:
    """The type of the expression just before a `.`: a chain of names, or a call's result."""
    head = head.rstrip()
    if head.endswith(")"):
        opening = _matching_open(head)
        if opening is None:
            return None
        name = _WORD.search(head[:opening].rstrip())
        if name is None:
            return None
        function = name.group(0)
        if function == "filter":
            receiver = head[: name.start()].rstrip()
            if receiver.endswith("."):
                return _receiver_type(environment, scope, receiver[:-1])
            return None
        if function in ("timestamp",):
            return Type(Kind.TIMESTAMP)
        return None
    chain = _CHAIN.search(head)
    if chain is None:
        return None
    return _chain_type(environment, scope, chain.group(1))


def _matching_open(head: str) -> int | None:
    depth = 0
    for index in range(len(head) - 1, -1, -1):
        if head[index] == ")":
            depth += 1
        elif head[index] == "(":
            depth -= 1
            if depth == 0:
                return index
    return None


def _chain_type(environment: Environment, scope: dict[str, Type], chain: str) -> Type | None:
    """The type of `customer.renewal_stage`, `e.payload.discount_pct`, `history`."""
    names = [part.strip() for part in chain.split(".")]
    found = scope.get(names[0]) or environment.variables.get(names[0])
    for name in names[1:]:
        if found is None or found.kind is not Kind.OBJECT:
            return None
        found = found.fields.get(name)
    return found


def _compared_enum(environment: Environment, scope: dict[str, Type], before: str) -> Type | None:
    """The enum type the cursor is being compared with (`x == `, `x in [`), if any."""
    equals = _EQUALS.search(before)
    if equals is not None:
        subject = before[: equals.start()].rstrip()
    else:
        listed = _IN_LIST.search(before)
        if listed is None:
            return None
        inside = before[listed.end() :].rstrip()
        if inside and not inside.endswith(","):
            return None
        subject = before[: listed.start()].rstrip()
    chain = _CHAIN.search(subject)
    if chain is None:
        return None
    found = _chain_type(environment, scope, chain.group(1))
    if found is not None and found.kind is Kind.LIST and found.element is not None:
        found = found.element
    return found if found is not None and found.kind is Kind.ENUM else None


def _values_in_quote(
    environment: Environment, scope: dict[str, Type], before: str, quote_at: int, at: int
) -> Completion:
    enum_type = _compared_enum(environment, scope, before[:quote_at])
    if enum_type is None:
        return Completion(at, at, ())
    typed = before[quote_at + 1 :]
    quote = before[quote_at]
    values = [Candidate(f"{value}{quote}", value, enum_type.name) for value in enum_type.values]
    return Completion(quote_at + 1, at, _matching(values, typed))


# -- candidates ----------------------------------------------------------------------------------------


def _members(receiver: Type | None) -> list[Candidate]:
    if receiver is None:
        return []
    if receiver.kind is Kind.OBJECT:
        return [Candidate(name, name, _describe(field)) for name, field in receiver.fields.items()]
    found = []
    if receiver.kind is Kind.LIST:
        variable = "e"
        found += [Candidate(f"{macro}({variable}, ", macro, "macro over the list") for macro in MACROS]
    for method in _METHODS.get(receiver.kind, ()):
        insert = "size()" if method == "size" else f"{method}("
        found.append(Candidate(insert, method, _FUNCTION_WORDS.get(method, "method")))
    return found


def _names(environment: Environment, scope: dict[str, Type]) -> list[Candidate]:
    found = [Candidate(name, name, f"{_describe(kind)} (in the macro)") for name, kind in scope.items()]
    ordered = [name for name in VARIABLES if name in environment.variables]
    ordered += [name for name in environment.variables if name not in ordered]
    found += [Candidate(name, name, _VARIABLE_WORDS.get(name, "")) for name in ordered if name not in scope]
    found += [
        Candidate(f"{function}(", function, _FUNCTION_WORDS.get(function, "function"))
        for function in GLOBAL_FUNCTIONS
        if function in FUNCTIONS
    ]
    found += [Candidate("true", "true", "yes"), Candidate("false", "false", "no")]
    return found


def _matching(candidates: Iterable[Candidate], word: str) -> tuple[Candidate, ...]:
    """Those starting with `word` (case-insensitive), exact-case matches first; all when `word` is empty."""
    if not word:
        return tuple(candidates)
    lowered = word.lower()
    found = [c for c in candidates if c.label.lower().startswith(lowered) and c.label != word]
    return tuple(sorted(found, key=lambda c: not c.label.startswith(word)))


def _describe(kind: Type) -> str:
    if kind.kind is Kind.ENUM and kind.values:
        shown = ", ".join(kind.values[:4])
        more = ", …" if len(kind.values) > 4 else ""
        return f"enum: {shown}{more}"
    if kind.kind is Kind.LIST and kind.element is not None and kind.element.kind is Kind.OBJECT:
        return f"list of {kind.element.name or 'objects'}"
    if kind.kind is Kind.OBJECT:
        return kind.name or "object"
    return kind.describe()
