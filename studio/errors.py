"""Errors a user can act on.

Every failure caused by input (a file, an edit, a request) is a `StudioError`. It carries a
short title and a list of `Problem`s, each pointing at a file, line and column, so the CLI,
the terminal studio and the browser studio can all show the same precise message. Anything
else that escapes the core is a bug and is left to surface as such.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, and where. Lines and columns are 1-based; 0 means unknown."""

    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    hint: str = ""
    path: tuple[str | int, ...] = ()
    """Where in the document's structure (keys and list indexes), for front ends that
    jump to the field rather than to the text."""

    def location(self) -> str:
        """`file:line:column`, leaving out the parts that are unknown ("" when all are)."""
        if not self.file and not self.line:
            return ""
        parts = [self.file or "<input>"]
        if self.line:
            parts.append(str(self.line))
            if self.column:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        location = self.location()
        text = f"{location}: {self.message}" if location else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def at(self, file: str) -> Problem:
        """The same problem, attributed to `file` when it names none yet."""
        if self.file:
            return self
        return Problem(self.message, file, self.line, self.column, self.hint, self.path)


@dataclass
class StudioError(Exception):
    """A failure the user can fix; front ends render `title`, `message` and `problems`."""

    message: str
    problems: Sequence[Problem] = field(default_factory=tuple)
    title: str = "Error"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return "\n".join([self.message, *(f"  {problem}" for problem in self.problems)])


@dataclass
class StackFileError(StudioError):
    """The file can't be read or isn't well-formed YAML."""

    title: str = "Can't read the stack file"


@dataclass
class StackInvalidError(StudioError):
    """The file is YAML but not a valid stack: structure, names, types or conditions."""

    title: str = "The stack has problems"


@dataclass
class RequestError(StudioError):
    """A decision request that doesn't fit the stack's schema."""

    title: str = "Invalid decision request"


@dataclass
class EditError(StudioError):
    """An edit that can't be applied; the open stack is left unchanged."""

    title: str = "Can't apply the edit"


@dataclass
class SaveConflictError(StudioError):
    """The file changed on disk since it was loaded; saving would overwrite someone's work."""

    title: str = "The file changed on disk"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest valid choice, or listing the choices when none is close."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if not options:
        return "none are defined"
    listed = ", ".join(options[:12])
    more = f", … ({len(options) - 12} more)" if len(options) > 12 else ""
    return f"valid: {listed}{more}"


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found in a parsed stack, located by its path in the document.

    Validation works on models, which don't know lines and columns; the document that was
    loaded turns each issue into a `Problem` by looking the path up in its YAML tree.
    `offset` is the (line, column) inside a condition's text, for errors within CEL.
    """

    path: tuple[str | int, ...]
    message: str
    hint: str = ""
    offset: tuple[int, int] | None = None
    at_key: bool = False
    """Point at the key itself (an unknown key) rather than at its value."""

    def unlocated(self, file: str = "") -> Problem:
        """A Problem with no line or column, naming the path instead."""
        where = ".".join(str(part) for part in self.path)
        message = f"{where}: {self.message}" if where else self.message
        return Problem(message, file, hint=self.hint, path=self.path)
