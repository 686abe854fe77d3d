"""Messages any part of the studio posts up to the app, which alone calls the workshop.

Rules are edited from the matrix, the findings and the problems list alike, so the requests
to edit, add, duplicate or delete one are app-wide messages rather than one widget's.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from studio.stack import RuleKind


@dataclass
class EditRule(Message):
    """Open the rule editor on a rule."""

    rule_id: str


@dataclass
class AddRule(Message):
    """Open the rule editor on a new rule (of a kind, binding an agent, when known)."""

    agent: str = ""
    kind: RuleKind | None = None


@dataclass
class DuplicateRule(Message):
    """Open the rule editor on a copy of a rule."""

    rule_id: str


@dataclass
class DeleteRule(Message):
    """Remove a rule (undo brings it back)."""

    rule_id: str
