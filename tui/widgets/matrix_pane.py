"""The Matrix tab: the rule matrix, the coverage view beside it (or instead, on a narrow
terminal), and the rules of the highlighted cell below."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from studio.matrix import MatrixRow, rule_matrix, rules_for_cell, short_names
from studio.stack import RuleKind, Stack
from studio.wording import route
from tui.widgets.coverage_table import LEGEND, CoverageTable
from tui.widgets.matrix_table import MatrixTable
from tui.widgets.rule_list import RuleList

if TYPE_CHECKING:
    from studio.analysis import CoverageCell, CoverageMap


class MatrixPane(Vertical):
    """MAY / MUST / NEVER per agent, coverage per (agent, action), and the rules of a cell."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("v", "toggle_view", "Coverage")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._stack: Stack | None = None
        self._rows: tuple[MatrixRow, ...] = ()
        self._coverage: CoverageMap | None = None
        self._coverage_note = ""
        self._focus_coverage = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="matrix-views"):
            yield MatrixTable(id="matrix-table")
            with Vertical(id="coverage-box"):
                yield Static(LEGEND, id="coverage-legend")
                yield CoverageTable(id="coverage-table")
        yield Static("", id="cell-heading")
        yield RuleList(id="cell-rules")

    def show(self, stack: Stack) -> None:
        """Draw the matrix of `stack` (coverage keeps its last map until `show_coverage`)."""
        self._stack = stack
        self._rows = rule_matrix(stack)
        self.query_one(MatrixTable).show(self._rows, short_names(stack))
        self.query_one(CoverageTable).show(stack, self._coverage)
        self._describe_current()

    def show_coverage(self, coverage: CoverageMap | None, note: str = "") -> None:
        """The analysis's coverage map (None while it runs or when it is off; `note` says which)."""
        self._coverage, self._coverage_note = coverage, note
        legend = LEGEND if coverage is not None else f"{LEGEND}\n{note}"
        self.query_one("#coverage-legend", Static).update(legend)
        if self._stack is not None:
            self.query_one(CoverageTable).show(self._stack, coverage)
            self._describe_current()

    def action_toggle_view(self) -> None:
        self.toggle_class("-coverage")
        showing = self.has_class("-coverage")
        target = self.query_one(CoverageTable) if showing else self.query_one(MatrixTable)
        target.focus()

    def focus_rule(self, rule_id: str) -> None:
        """Move the matrix cursor to a cell holding `rule_id`."""
        for row_index, row in enumerate(self._rows):
            for column, kind in enumerate((RuleKind.MAY, RuleKind.MUST, RuleKind.NEVER), start=1):
                if rule_id in row.rules[kind]:
                    table = self.query_one(MatrixTable)
                    table.move_cursor(row=row_index, column=column)
                    return

    def _describe_current(self) -> None:
        if self.query_one(CoverageTable).has_focus:
            self._describe_coverage(*self.query_one(CoverageTable).chosen())
        else:
            self._describe_matrix(*self.query_one(MatrixTable).chosen())

    @on(MatrixTable.CellChosen)
    def _matrix_cell(self, message: MatrixTable.CellChosen) -> None:
        if not self.query_one(CoverageTable).has_focus:
            self._describe_matrix(message.agent, message.kind)

    @on(CoverageTable.CellChosen)
    def _coverage_cell(self, message: CoverageTable.CellChosen) -> None:
        if self.query_one(CoverageTable).has_focus:
            self._describe_coverage(message.agent, message.action)

    def on_descendant_focus(self) -> None:
        if self._stack is not None and (
            self.query_one(CoverageTable).has_focus or self.query_one(MatrixTable).has_focus
        ):
            self._describe_current()

    @on(MatrixTable.CellSelected)
    @on(CoverageTable.CellSelected)
    def _into_rules(self) -> None:
        self.query_one(RuleList).focus()

    def _describe_matrix(self, agent: str, kind: RuleKind | None) -> None:
        stack = self._stack
        row = next((r for r in self._rows if r.agent == agent), None)
        if stack is None or row is None:
            return
        kinds = [kind] if kind is not None else [RuleKind.MAY, RuleKind.MUST, RuleKind.NEVER]
        ids = [rule_id for k in kinds for rule_id in row.rules[k]]
        what = kind.value.upper() if kind is not None else "all"
        heading = f"{row.label} · {what} rules ({len(ids)})"
        if kind is RuleKind.MAY and not ids and agent:
            default = getattr(stack.defaults, row.kind, "stop")
            heading += f": no MAY rule, so the default applies ({default})"
        self._list(heading, ids, agent, kind, "No rules here: press a to add one.")

    def _describe_coverage(self, agent: str, action: str) -> None:
        stack = self._stack
        if stack is None or not agent:
            return
        if not action:
            self._describe_matrix(agent, None)
            return
        cell = self._cell(agent, action)
        ids = rules_for_cell(stack, agent, action)
        heading = f"{agent} → {action}: " + (
            _coverage_words(stack, cell) if cell is not None else self._coverage_note or "…"
        )
        self._list(heading, ids, agent, None, "No rule binds this cell.")

    def _list(self, heading: str, ids: list[str], agent: str, kind: RuleKind | None, empty: str) -> None:
        assert self._stack is not None
        self.query_one("#cell-heading", Static).update(heading)
        rules = self.query_one(RuleList)
        rules.agent, rules.kind, rules.empty_text = agent, kind, empty
        rules.show(self._stack, ids)

    def _cell(self, agent: str, action: str) -> CoverageCell | None:
        if self._coverage is None:
            return None
        return next((c for c in self._coverage.cells if c.agent == agent and c.action == action), None)


def _coverage_words(stack: Stack, cell: CoverageCell) -> str:
    words = {
        "may": "may act on its own",
        "never": "no may rule lets it act; a never rule stops it",
        "default": "only the default decides",
        "contested": "contested between teams",
        "undeclared": "the agent doesn't propose this action",
    }
    parts = [words.get(cell.status, cell.status)]
    if cell.verdicts:
        parts.append("can end " + ", ".join(cell.verdicts))
    if cell.default_reachable and cell.default:
        target = f" → {route(stack, cell.default_route)}" if cell.default_route else ""
        parts.append(f"default {cell.default}{target} on some requests")
    if cell.overridden_by:
        parts.append("overridden: " + ", ".join(f"{may} by {never}" for may, never in cell.overridden_by))
    if cell.findings:
        parts.append("findings: " + ", ".join(sorted(set(cell.findings))))
    return " · ".join(parts)
