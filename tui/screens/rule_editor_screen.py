"""The rule editor: every field of one rule, checked as it is typed; a rule with problems can't
be applied, and the editor says why. Returns the draft to apply (None: cancelled)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Select, Static

from studio import rule_draft
from studio.completion import environment_for
from studio.errors import Problem
from studio.rule_draft import FieldProblem, RuleDraft
from studio.stack import AgentKind, RuleKind, Stack
from tui.dialogs.choice_dialog import ChoiceDialog
from tui.suggesters import DutySuggester, IdListSuggester
from tui.widgets.condition_field import ConditionField

_KIND_WORDS = {
    RuleKind.MAY.value: "MAY: what it may do on its own, within limits",
    RuleKind.MUST.value: "MUST: what applies while the condition holds",
    RuleKind.NEVER.value: "NEVER: what it must not do",
}


class RuleEditorScreen(Screen[RuleDraft | None]):
    """Edit one rule (or a new one) and apply it to the stack."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply rule", priority=True),
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+n", "add_line", "Add limit/duty"),
    ]

    def __init__(self, stack: Stack, draft: RuleDraft) -> None:
        super().__init__()
        self.stack = stack
        self.initial = draft
        self.problems: tuple[FieldProblem, ...] = ()
        self._check_timer: Timer | None = None
        self._targets = [
            "owner",
            *(t.id for t in stack.teams),
            *(a.id for a in stack.agents if a.kind is AgentKind.HUMAN_QUEUE),
        ]

    # -- layout --------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        draft = self.initial
        title = f"Edit rule {draft.original}" if draft.original else "New rule"
        yield Static(f" {title} · {self.stack.name}", id="editor-title")
        with VerticalScroll(id="editor-form", classes=f"-{draft.kind}"):
            yield _row("id", Input(draft.id, compact=True, id="f-id"))
            kinds = [(words, kind) for kind, words in _KIND_WORDS.items()]
            yield _row("kind", Select(kinds, value=draft.kind, allow_blank=False, compact=True, id="f-kind"))
            teams = [(team.name or team.id, team.id) for team in self.stack.teams]
            if draft.owner and draft.owner not in {t.id for t in self.stack.teams}:
                teams.append((draft.owner, draft.owner))
            owner = draft.owner if draft.owner else Select.BLANK
            yield _row("owner", Select(teams, value=owner, prompt="choose the owning team", compact=True, id="f-owner"))
            yield _id_list(
                "agents", draft.agents, "ids, comma-separated (none: every agent)", [a.id for a in self.stack.agents]
            )
            yield _id_list("teams", draft.teams, "team ids (binds their agents too)", [t.id for t in self.stack.teams])
            yield _id_list(
                "actions", draft.actions, "action ids (none: every action)", [a.id for a in self.stack.actions]
            )
            environment = environment_for(self.stack, self._known(draft.actions))
            for index, text in enumerate(draft.when):
                label = "when" if len(draft.when) == 1 else f"{_combiner(draft, index)} {index + 1}"
                field = ConditionField(
                    text,
                    name=f"when.{index}",
                    placeholder="CEL (empty: always), e.g. customer.renewal_stage == 'negotiation'",
                    environment=environment,
                )
                yield _row(label, field, name=f"when.{index}")
            with Vertical(id="f-limits", classes="may-only"):
                for index, text in enumerate(draft.limits):
                    yield _row(
                        f"limit {index + 1}",
                        ConditionField(text, name=f"limits.{index}", environment=environment),
                        name=f"limits.{index}",
                    )
            yield _row(
                "over limit",
                Select(
                    [("flag it for review", "flag"), ("stop it", "stop")],
                    value=draft.over_limit,
                    allow_blank=False,
                    compact=True,
                    id="f-over",
                ),
                classes="may-only",
            )
            yield _row(
                "route",
                Input(
                    draft.route,
                    placeholder="a team, a human queue, or owner",
                    compact=True,
                    id="f-route",
                    suggester=IdListSuggester(self._targets),
                ),
                classes="may-only",
            )
            with Vertical(id="f-duties", classes="must-only"):
                for index, text in enumerate(draft.duties):
                    yield self._duty_row(index, text)
            yield _row(
                "rationale",
                Input(
                    draft.rationale, placeholder="why the rule exists, in plain words", compact=True, id="f-rationale"
                ),
            )
            yield Static(self._hint(), id="editor-hint")
        yield Static("", id="editor-problems")
        yield Footer()

    def on_mount(self) -> None:
        for field in self.query(ConditionField):
            field.checker = self._check_expression
        self._kind_changed(self.initial.kind)
        self._run_check()
        if self.initial.original:
            self.query(ConditionField).first().query_one(Input).focus()
        else:
            self.query_one("#f-id", Input).focus()

    def _duty_row(self, index: int, text: str) -> Horizontal:
        field = Input(
            text,
            placeholder="flag TEAM · notify TEAM · log · disclose TEXT",
            compact=True,
            classes="f-duty",
            suggester=DutySuggester(self._targets),
        )
        return _row(f"duty {index + 1}", field, name=f"duties.{index}")

    def _hint(self) -> str:
        return "ctrl+s applies the rule · esc cancels · tab completes in conditions · ctrl+n adds a limit or duty · an empty limit or duty is dropped"

    # -- reading the form ------------------------------------------------------------------------------

    def draft(self) -> RuleDraft:
        """The rule as the form stands."""
        kind = self.query_one("#f-kind", Select).value
        owner = self.query_one("#f-owner", Select).value
        over = self.query_one("#f-over", Select).value
        conditions = {field.name: field.text for field in self.query(ConditionField)}
        whens = tuple(conditions[f"when.{i}"] for i in range(len(self.initial.when)))
        limits = tuple(text for name, text in conditions.items() if name and name.startswith("limits."))
        duties = tuple(field.value for field in self.query(".f-duty").results(Input))
        return self.initial.with_(
            id=self.query_one("#f-id", Input).value.strip(),
            kind=kind if isinstance(kind, str) else self.initial.kind,
            owner=owner if isinstance(owner, str) else "",
            agents=self.query_one("#f-agents", Input).value,
            teams=self.query_one("#f-teams", Input).value,
            actions=self.query_one("#f-actions", Input).value,
            when=whens,
            limits=limits,
            over_limit=over if isinstance(over, str) else "flag",
            route=self.query_one("#f-route", Input).value.strip(),
            duties=duties,
            rationale=self.query_one("#f-rationale", Input).value,
        )

    def _actions(self) -> list[str]:
        return self._known(self.query_one("#f-actions", Input).value)

    def _known(self, text: str) -> list[str]:
        """The ids in `text` that are actions of the stack (the rest are reported by the check)."""
        known = {action.id for action in self.stack.actions}
        return [action for action in rule_draft.split_ids(text) if action in known]

    def _check_expression(self, text: str) -> list[Problem]:
        return rule_draft.check_expression(self.stack, self.draft(), text)

    # -- reacting --------------------------------------------------------------------------------------

    @on(Select.Changed, "#f-kind")
    def _kind(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._kind_changed(event.value)
        self._soon()

    def _kind_changed(self, kind: str) -> None:
        form = self.query_one("#editor-form")
        for value in _KIND_WORDS:
            form.set_class(value == kind, f"-{value}")

    @on(Input.Changed, "#f-actions")
    def _actions_changed(self) -> None:
        environment = environment_for(self.stack, self._actions())
        for field in self.query(ConditionField):
            field.environment = environment
            field.recheck()

    @on(Input.Changed)
    @on(Select.Changed)
    @on(ConditionField.Changed)
    def _anything_changed(self) -> None:
        self._soon()

    def _soon(self) -> None:
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(0.15, self._run_check)

    def _run_check(self) -> None:
        self.problems = rule_draft.check(self.stack, self.draft())
        box = self.query_one("#editor-problems", Static)
        bad = {problem.field for problem in self.problems}
        for row in self.query(".field-row"):
            row.set_class(row.name in bad or (row.name or "").split(".")[0] in bad, "-invalid")
        if not self.problems:
            box.update("✔ ready: ctrl+s applies the rule")
            box.set_class(False, "-invalid")
            return
        box.set_class(True, "-invalid")
        count = len(self.problems)
        lines = [f"✖ {count} problem{'s' if count != 1 else ''}; the rule can't be applied until fixed:"]
        lines += [
            f"  {self._where(problem)}: {problem.message}" + (f" ({problem.hint})" if problem.hint else "")
            for problem in self.problems[:4]
        ]
        if count > 4:
            lines.append(f"  … and {count - 4} more")
        box.update("\n".join(lines))

    def _where(self, problem: FieldProblem) -> str:
        """`when, column 10`, `limit 2`, `duty 1`, `owner`: a field as the form labels it."""
        name, _, number = problem.field.partition(".")
        if name == "when":
            index = int(number or 0)
            label = "when" if len(self.initial.when) == 1 else f"{_combiner(self.initial, index)} {index + 1}"
        elif name in ("limits", "duties"):
            label = f"{'limit' if name == 'limits' else 'duty'} {int(number or 0) + 1}"
        else:
            label = name.replace("_", " ")
        return f"{label}, column {problem.column}" if problem.column else label

    # -- actions -----------------------------------------------------------------------------------------

    def action_apply(self) -> None:
        self._run_check()
        if self.problems:
            count = len(self.problems)
            self.notify(
                f"The rule has {count} problem{'s' if count != 1 else ''} (listed at the bottom): fix them, or esc to cancel.",
                title="Not applied",
                severity="error",
            )
            return
        self.dismiss(self.draft())

    def action_cancel(self) -> None:
        if self.draft() == self.initial:
            self.dismiss(None)
            return

        def answered(choice: str | None) -> None:
            if choice == "d":
                self.dismiss(None)

        self.app.push_screen(
            ChoiceDialog(
                "Discard your changes?",
                "This rule has changes that aren't applied.",
                [("d", "Discard them"), ("escape", "Keep editing")],
            ),
            answered,
        )

    async def action_add_line(self) -> None:
        kind = self.query_one("#f-kind", Select).value
        if kind == RuleKind.MAY.value:
            box = self.query_one("#f-limits")
            index = len(box.children)
            field = ConditionField(
                "",
                name=f"limits.{index}",
                environment=environment_for(self.stack, self._actions()),
                checker=self._check_expression,
            )
            await box.mount(_row(f"limit {index + 1}", field, name=f"limits.{index}"))
            field.query_one(Input).focus()
        elif kind == RuleKind.MUST.value:
            box = self.query_one("#f-duties")
            row = self._duty_row(len(box.children), "")
            await box.mount(row)
            row.query_one(Input).focus()
        else:
            self.notify("Never rules have no limits or duties: they stop the action when their condition holds.")


def _row(label: str, widget: Widget, *, name: str | None = None, classes: str = "") -> Horizontal:
    field_name = name or label.replace(" ", "_")
    if field_name == "over_limit" or label == "over limit":
        field_name = "over_limit"
    return Horizontal(
        Label(label, classes="field-label"), widget, classes=f"field-row {classes}".strip(), name=field_name
    )


def _id_list(name: str, value: str, placeholder: str, ids: list[str]) -> Horizontal:
    """A comma-separated list of ids (agents, teams, actions), completed from the stack's ids."""
    field = Input(
        value,
        placeholder=placeholder,
        compact=True,
        id=f"f-{name}",
        suggester=IdListSuggester(ids),
    )
    return _row(name, field)


def _combiner(draft: RuleDraft, index: int) -> str:
    path = draft.leaf_paths[index] if index < len(draft.leaf_paths) else ()
    return str(path[-2]) if len(path) >= 2 else "when"
