"""A CEL expression typed into the rule editor: checked as it is typed (the problem shown under
its column) and completed from the stack's schema (tab takes the highlighted candidate)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from studio.cel.types import Environment
from studio.completion import Completion, complete
from studio.errors import Problem

Checker = Callable[[str], list[Problem]]
ERROR_DELAY = 0.4
"""Seconds of pause in typing before a problem is shown (it is known, and blocks applying, at once)."""


def _no_problems(text: str) -> list[Problem]:
    return []


class ConditionField(Vertical):
    """An input for one condition or limit, its first problem, and what may come next."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "accept", "Complete", show=False),
        Binding("down", "next", "Next candidate", show=False),
        Binding("up", "previous", "Previous candidate", show=False),
        Binding("escape", "close", "Close completions", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "condition-field--caret",
        "condition-field--bad",
        "condition-field--detail",
    }

    @dataclass
    class Changed(Message):
        """The text changed (and was checked)."""

        field: ConditionField
        text: str
        problems: list[Problem]

    def __init__(
        self, text: str, *, name: str, placeholder: str = "", environment: Environment, checker: Checker = _no_problems
    ) -> None:
        """`name` is the form field (`when.0`, `limits.1`); the widget's id is made from it (`f-when-0`)."""
        super().__init__(name=name, id=f"f-{name.replace('.', '-')}", classes="condition-field")
        self.environment = environment
        """The variables the expression sees (set by the editor when the rule's actions change)."""
        self.checker = checker
        """Parses and checks a text in the rule's environment (set by the editor)."""
        self.problems: list[Problem] = []
        self._text = text
        self._placeholder = placeholder
        self._completion: Completion | None = None
        self._error_timer: Timer | None = None
        self._engaged = False
        """Typed into or chose among the completions since focusing: only then does tab take one."""

    def compose(self) -> ComposeResult:
        yield Input(self._text, placeholder=self._placeholder, compact=True, select_on_focus=False)
        yield Static("", classes="condition-error")
        yield OptionList(classes="condition-completions")

    def on_mount(self) -> None:
        self.query_one(".condition-completions", OptionList).can_focus = False
        self._check(self._text)

    @property
    def text(self) -> str:
        return self.query_one(Input).value

    def recheck(self) -> None:
        """Check the text again (the rule's actions, hence its parameters, changed)."""
        self._check(self.text)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._check(event.value, at_once=False)
        self._engaged = self.query_one(Input).has_focus
        self._complete()
        self.post_message(self.Changed(self, event.value, self.problems))

    def on_descendant_focus(self) -> None:
        self._engaged = False
        self._complete()

    def on_descendant_blur(self) -> None:
        self._show_candidates(None)

    def _check(self, text: str, *, at_once: bool = True) -> None:
        """Check `text` now; show its first problem now, or once typing pauses."""
        self.problems = self.checker(text) if text.strip() else []
        self.set_class(bool(self.problems), "-invalid")
        if self._error_timer is not None:
            self._error_timer.stop()
        if at_once or not self.problems:
            self._show_error()
        else:
            self._error_timer = self.set_timer(ERROR_DELAY, self._show_error)

    def _show_error(self) -> None:
        error = self.query_one(".condition-error", Static)
        error.display = bool(self.problems)
        error.update(self._caret(self.text, self.problems[0]) if self.problems else "")

    def _caret(self, text: str, problem: Problem) -> Text:
        """A caret under the problem's column, and the message. When the text is longer than the
        input, the part around the problem is shown above the caret, the bad part marked."""
        lines = text.split("\n")
        line = lines[min(max(problem.line, 1), len(lines)) - 1]
        column = max(problem.column, 1) - 1
        width = max(20, self.size.width - 1)
        caret_style = self.get_component_rich_style("condition-field--caret", partial=True)
        words = problem.message + (f" ({problem.hint})" if problem.hint and len(problem.hint) < 60 else "")
        more = len(self.problems) - 1
        if more:
            words += f" (+{more} more)"
        if len(line) < width and len(lines) == 1:
            if column + 2 + len(words) <= width:
                return Text(" " * column + "^ ", style=caret_style) + Text(words)
            return Text("\n").join([Text(" " * column + "^", style=caret_style), Text(words)])
        start = 0 if column < width - 8 else column - width // 2
        at = column - start
        shown = Text(line[start : start + width])
        shown.stylize(
            self.get_component_rich_style("condition-field--bad", partial=True),
            at,
            at + max(1, len(_token(line, column))),
        )
        caret = Text(" " * at + "^", style=caret_style)
        return Text("\n").join([shown, caret, Text(words)])

    # -- completion ------------------------------------------------------------------------------------

    def _complete(self) -> None:
        field = self.query_one(Input)
        if not field.has_focus:
            self._show_candidates(None)
            return
        self._show_candidates(complete(self.environment, field.value, field.cursor_position))

    def _show_candidates(self, completion: Completion | None) -> None:
        self._completion = completion if completion is not None and completion.candidates else None
        options = self.query_one(".condition-completions", OptionList)
        options.display = self._completion is not None
        if self._completion is None:
            options.clear_options()
            return
        detail = self.get_component_rich_style("condition-field--detail", partial=True)
        options.set_options(
            Option(Text(candidate.label) + Text(f"  {candidate.detail}", style=detail))
            for candidate in self._completion.candidates
        )
        options.highlighted = 0

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "accept":
            return self._completion is not None and self._engaged
        if action in ("next", "previous", "close"):
            return self._completion is not None
        return True

    def action_accept(self) -> None:
        options = self.query_one(".condition-completions", OptionList)
        if self._completion is None or options.highlighted is None:
            return
        field = self.query_one(Input)
        text, cursor = self._completion.apply(field.value, self._completion.candidates[options.highlighted])
        field.value = text
        field.cursor_position = cursor

    def action_next(self) -> None:
        self._engaged = True
        self.query_one(".condition-completions", OptionList).action_cursor_down()

    def action_previous(self) -> None:
        self._engaged = True
        self.query_one(".condition-completions", OptionList).action_cursor_up()

    def action_close(self) -> None:
        self._show_candidates(None)


def _token(line: str, column: int) -> str:
    """The word (or the single character) starting at `column`, to mark it."""
    rest = line[column:]
    word = ""
    for char in rest:
        if char.isalnum() or char in "_.'":
            word += char
        else:
            break
    return word or rest[:1]
