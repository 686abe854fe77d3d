"""The Problems tab: everything validation finds in the current stack, at its line and column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from studio.errors import Problem
from studio.stack import Stack
from tui.render import cut, room


class ProblemsPane(DataTable[Text]):
    """One row per problem; enter opens the rule it is in."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"problems-pane--where", "problems-pane--hint"}

    @dataclass
    class ProblemChosen(Message):
        """Enter on a problem inside a rule."""

        rule_id: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._problems: tuple[Problem, ...] = ()
        self._stack: Stack | None = None

    def show(self, stack: Stack, problems: tuple[Problem, ...]) -> None:
        """List the problems of `stack`."""
        self._stack, self._problems = stack, problems
        self.clear(columns=True)
        place_width = min(30, max((len(_place(stack, p.path)) for p in problems), default=5))
        width = max(30, room(self) - 16 - place_width)
        self.add_column("line:col", key="where", width=8)
        self.add_column("in", key="in", width=place_width)
        self.add_column("problem" if problems else "no problems: the stack is valid", key="what", width=width)
        where_style = self.get_component_rich_style("problems-pane--where", partial=True)
        hint_style = self.get_component_rich_style("problems-pane--hint", partial=True)
        for problem in problems:
            what = Text(cut(problem.message, width))
            if problem.hint:
                what.append(f"\n{cut(problem.hint, width)}", style=hint_style)
            self.add_row(
                Text(f"{problem.line}:{problem.column}", style=where_style),
                Text(cut(_place(stack, problem.path), place_width)),
                what,
                height=2 if problem.hint else 1,
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self._stack is None or not 0 <= event.cursor_row < len(self._problems):
            return
        path = self._problems[event.cursor_row].path
        if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int) and path[1] < len(self._stack.rules):
            self.post_message(self.ProblemChosen(self._stack.rules[path[1]].id))


def _place(stack: Stack, path: tuple[str | int, ...]) -> str:
    """`B3-sdr-discounts route`, `customers.2.attributes`: where in the stack a problem is."""
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int) and path[1] < len(stack.rules):
        rest = [str(part) for part in path[2:3]]
        return " ".join([stack.rules[path[1]].id, *rest])
    return ".".join(str(part) for part in path)
