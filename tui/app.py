"""The terminal studio's app: it owns the workshop and is the only part that changes it.

Widgets post what the user asked for (`tui.messages`, their own messages); the app applies
the core's edits, saves, reloads, undoes and exports through the workshop, reports every
`StudioError` in one place (`_reported`), and tells the studio screen what changed. The
analysis runs in a worker thread after edits settle; the file is watched for changes on disk.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from studio import edits, rule_draft
from studio.edits import Edit
from studio.engine import Policy
from studio.errors import SaveConflictError, StackInvalidError, StudioError
from studio.rule_draft import RuleDraft
from studio.workshop import Change, Workshop
from tui.dialogs.choice_dialog import ChoiceDialog
from tui.dialogs.path_dialog import PathDialog
from tui.messages import AddRule, DeleteRule, DuplicateRule, EditRule
from tui.screens.help_screen import HelpScreen
from tui.screens.rule_editor_screen import RuleEditorScreen
from tui.screens.studio_screen import TABS, StudioScreen
from tui.widgets.matrix_pane import MatrixPane
from tui.widgets.problems_pane import ProblemsPane

if TYPE_CHECKING:
    from studio.analysis import Analyzer, Report

ANALYSIS_DELAY = 0.6
"""Seconds of quiet after an edit before the analysis runs again."""


class AnalysisDone(Message):
    """A worker finished analysing one version of the stack."""

    def __init__(self, report: Report | None, version: int, error: str = "") -> None:
        super().__init__()
        self.report = report
        self.version = version
        self.error = error


class StudioApp(App[None]):
    """Edit, preview and check one stack file."""

    TITLE = "Coordination Studio"
    CSS_PATH = "app.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]  # noqa: RUF012 - overrides App's
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, workshop: Workshop, *, analysis: bool = True, watch_interval: float | None = 1.5) -> None:
        """`analysis`: run the policy analysis (findings, coverage); `watch_interval`: seconds
        between checks of the file on disk (None: don't watch)."""
        super().__init__()
        self.workshop = workshop
        self.analysis_enabled = analysis
        self.watch_interval = watch_interval
        self.studio = StudioScreen(workshop)
        self._analyzer: Analyzer | None = None
        self._analysing = False
        self._analysis_wanted = False
        self._analysis_timer: Timer | None = None
        self._asking_about_disk = False
        self._disk_answered_later = False

    def get_default_screen(self) -> Screen[Any]:
        return self.studio

    def on_mount(self) -> None:
        if self.watch_interval:
            self.set_interval(self.watch_interval, self.check_disk)
        if not self.analysis_enabled:
            self.studio.show_analysis(None, "analysis off")
        elif not self._can_analyse():
            self.studio.show_analysis(None, "analysis needs `pip install coordination-studio[analysis]`")
        else:
            self._schedule_analysis(1.0)

    # -- reporting ----------------------------------------------------------------------------------------

    @contextmanager
    def _reported(self) -> Iterator[None]:
        """Show a StudioError as a notification; anything else is a bug and surfaces."""
        try:
            yield
        except StudioError as error:
            self.notify(_message(error), title=error.title, severity="error", timeout=8)

    def _changed(self, change: Change) -> None:
        self.studio.show_change(change)
        self._schedule_analysis()

    def apply_edit(self, edit: Edit, label: str) -> Change | None:
        """Apply one of the core's edits and redraw (None: it couldn't apply; the reason is shown)."""
        try:
            change = self.workshop.apply(edit, label)
        except StudioError as error:
            self.notify(_message(error), title=error.title, severity="error", timeout=8)
            return None
        self._changed(change)
        return change

    # -- the stack's file ---------------------------------------------------------------------------------

    def action_save(self) -> None:
        try:
            self.workshop.save()
        except SaveConflictError:
            self._ask_about_disk(saving=True)
            return
        except StackInvalidError as error:
            self._ask_to_save_invalid(error)
            return
        except StudioError as error:
            self.notify(_message(error), title=error.title, severity="error", timeout=8)
            return
        self._saved()

    def _saved(self) -> None:
        self._disk_answered_later = False
        self.studio.show_change(None)
        name = self.workshop.path.name if self.workshop.path is not None else "the file"
        self.notify(f"Saved {name}.", timeout=3)

    def _ask_to_save_invalid(self, error: StackInvalidError) -> None:
        count = len(error.problems)

        def answered(choice: str | None) -> None:
            if choice == "s":
                with self._reported():
                    self.workshop.save(allow_invalid=True)
                    self._saved()
            elif choice == "p":
                self.studio.action_show_tab("problems")

        self.push_screen(
            ChoiceDialog(
                "Not saved: the stack has problems",
                f"{count} problem{'s' if count != 1 else ''} (Problems tab). Saved as it is, the file won't load in "
                "enforcement services or pass `studio check` until they are fixed.",
                [("p", "Show the problems"), ("s", "Save anyway"), ("escape", "Cancel")],
            ),
            answered,
        )

    def check_disk(self) -> None:
        """Ask what to do when the file changed on disk (at most one question at a time)."""
        if self._asking_about_disk or self._disk_answered_later or self.workshop.path is None:
            return
        if self.workshop.changed_on_disk():
            self._ask_about_disk(saving=False)

    def _ask_about_disk(self, *, saving: bool) -> None:
        if self._asking_about_disk:
            return
        self._asking_about_disk = True
        name = self.workshop.path.name if self.workshop.path is not None else "The file"
        mine = "your unsaved changes" if self.workshop.dirty else "the version open here"
        message = (
            f"{name} changed on disk since it was loaded or saved here"
            + (", so it wasn't saved." if saving else ".")
            + f"\nReload takes the disk version (undo brings back {mine}); keep mine saves over it."
        )

        def answered(choice: str | None) -> None:
            self._asking_about_disk = False
            if choice == "r":
                self.action_reload()
            elif choice == "k":
                with self._reported():
                    self.workshop.keep_mine()
                    self._saved()
            else:
                self._disk_answered_later = True

        self.push_screen(
            ChoiceDialog("The file changed on disk", message, [("r", "Reload"), ("k", "Keep mine"), ("l", "Later")]),
            answered,
        )

    def action_reload(self) -> None:
        with self._reported():
            change = self.workshop.reload()
            self._disk_answered_later = False
            self._changed(change)
            self.notify("Reloaded from disk; ctrl+z brings back the version you had.", timeout=5)

    # -- undo ---------------------------------------------------------------------------------------------

    def action_undo(self) -> None:
        if not self.workshop.can_undo:
            self.notify("Nothing to undo.", timeout=2)
            return
        with self._reported():
            self._changed(self.workshop.undo())

    def action_redo(self) -> None:
        if not self.workshop.can_redo:
            self.notify("Nothing to redo.", timeout=2)
            return
        with self._reported():
            self._changed(self.workshop.redo())

    # -- rules --------------------------------------------------------------------------------------------

    @on(EditRule)
    def _edit_rule(self, message: EditRule) -> None:
        rule = next((r for r in self.workshop.stack.rules if r.id == message.rule_id), None)
        if rule is None:
            self.notify(f"There is no rule {message.rule_id} any more.", severity="warning")
            return
        self.open_editor(rule_draft.draft_of(rule))

    @on(AddRule)
    def _add_rule(self, message: AddRule) -> None:
        kind = message.kind.value if message.kind is not None else "may"
        self.open_editor(rule_draft.new_draft(self.workshop.stack, kind, message.agent))

    @on(DuplicateRule)
    def _duplicate_rule(self, message: DuplicateRule) -> None:
        rule = next((r for r in self.workshop.stack.rules if r.id == message.rule_id), None)
        if rule is not None:
            self.open_editor(rule_draft.copy_of(self.workshop.stack, rule))

    @on(DeleteRule)
    def _delete_rule(self, message: DeleteRule) -> None:
        if self.apply_edit(partial(edits.remove_rule, rule_id=message.rule_id), f"delete rule {message.rule_id}"):
            self.notify(f"Deleted {message.rule_id}; ctrl+z brings it back.", timeout=4)

    @on(ProblemsPane.ProblemChosen)
    def _problem_rule(self, message: ProblemsPane.ProblemChosen) -> None:
        self.post_message(EditRule(message.rule_id))

    def open_editor(self, draft: RuleDraft) -> None:
        """Edit a rule; what the editor returns is applied as one edit."""
        self.push_screen(RuleEditorScreen(self.workshop.stack, draft), self._apply_draft)

    def _apply_draft(self, draft: RuleDraft | None) -> None:
        if draft is None:
            return
        data = rule_draft.to_data(draft)
        if draft.original is None:
            self.apply_edit(partial(edits.add_rule, rule=data), f"add rule {data['id']}")
        else:
            self.apply_edit(partial(edits.update_rule, rule_id=draft.original, **data), f"edit rule {draft.original}")
        self.studio.query_one(MatrixPane).focus_rule(data["id"])

    # -- analysis -----------------------------------------------------------------------------------------

    def _can_analyse(self) -> bool:
        """Whether the analysis extra (z3) is installed; it is imported in the worker, off the UI's path."""
        return importlib.util.find_spec("z3") is not None

    def _schedule_analysis(self, delay: float = ANALYSIS_DELAY) -> None:
        if not self.analysis_enabled:
            return
        if self._analysis_timer is not None:
            self._analysis_timer.stop()
        self._analysis_timer = self.set_timer(delay, self._start_analysis)

    def _start_analysis(self) -> None:
        if self._analysing:
            self._analysis_wanted = True
            return
        try:
            policy = self.workshop.policy
        except StudioError:
            self.studio.show_analysis(None, "the stack has never been valid: fix its problems to analyse it")
            return
        self._analysing, self._analysis_wanted = True, False
        if self.studio.report is None:
            self.studio.show_analysis(None, "analysing…")
        self._analyse(policy, self.workshop.version, self.workshop.sample_now)

    @work(thread=True, exit_on_error=False, group="analysis")
    def _analyse(self, policy: Policy, version: int, reference: int) -> None:
        """In a worker thread: analyse the policy's stack (one analysis at a time)."""
        from studio.analysis import Analyzer

        try:
            if self._analyzer is None:
                self._analyzer = Analyzer(policy.stack, policy=policy, reference=reference)
                report = self._analyzer.report
            else:
                report = self._analyzer.update(policy.stack, policy=policy)
        except StudioError as error:
            self.post_message(AnalysisDone(None, version, _message(error)))
            return
        self.post_message(AnalysisDone(report, version))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A bug in the analysis is shown where its findings would be; editing goes on."""
        if event.worker.group == "analysis" and event.state is WorkerState.ERROR:
            self._analysing = False
            error = event.worker.error
            self.studio.show_analysis(None, f"the analysis failed: {type(error).__name__}: {error}")

    def on_analysis_done(self, message: AnalysisDone) -> None:
        self._analysing = False
        if message.report is None:
            self.studio.show_analysis(None, message.error)
        else:
            note = (
                "" if message.version == self.workshop.version and self.workshop.valid else "of the last valid version"
            )
            self.studio.show_analysis(message.report, note)
        if self._analysis_wanted or (message.version != self.workshop.version and self.workshop.valid):
            self._schedule_analysis(0.05)

    # -- other screens, export, quitting ------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_export(self) -> None:
        path = self.workshop.path
        default = str(path.with_name(f"{path.stem}-bundle.tar.gz")) if path is not None else "stack-bundle.tar.gz"
        note = " It is the file as saved: save first to include your unsaved changes." if self.workshop.dirty else ""
        self.push_screen(
            PathDialog(
                "Export the decision bundle",
                "The policy for OPA, the stack, JSON Schemas, conformance vectors and the operating rules, with a "
                f"manifest of digests. A folder, or a file ending in .tar.gz.{note}",
                default,
            ),
            self._export_to,
        )

    def _export_to(self, target: str | None) -> None:
        if not target:
            return
        from studio.export import build_bundle

        with self._reported():
            bundle = build_bundle(self.workshop.document)
            bundle.write(Path(target).expanduser())
            self.notify(f"Exported to {target} (revision {bundle.revision.removeprefix('sha256:')[:12]}).", timeout=6)

    async def action_quit(self) -> None:
        if not self.workshop.dirty:
            self.exit()
            return

        def answered(choice: str | None) -> None:
            if choice == "s":
                self.action_save()
                if not self.workshop.dirty:
                    self.exit()
            elif choice == "q":
                self.exit()

        self.push_screen(
            ChoiceDialog(
                "Quit with unsaved changes?",
                "The stack has changes that aren't saved to its file.",
                [("s", "Save and quit"), ("q", "Quit without saving"), ("escape", "Cancel")],
            ),
            answered,
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Save", "Save the stack to its file (ctrl+s)", self.action_save)
        yield SystemCommand("Undo", "Take back the last edit (ctrl+z)", self.action_undo)
        yield SystemCommand("Redo", "Do again what undo took back (ctrl+y)", self.action_redo)
        yield SystemCommand("Reload from disk", "Take the file as it is on disk (undoable)", self.action_reload)
        yield SystemCommand(
            "Export the decision bundle",
            "Write the bundle enforcement runs (OPA policy, vectors, rules)",
            self.action_export,
        )
        yield SystemCommand("New rule", "Open the rule editor on a new MAY rule", lambda: self.post_message(AddRule()))
        for tab in TABS:
            yield SystemCommand(f"Go to {tab.capitalize()}", f"Show the {tab} tab", _go(self.studio, tab))
        yield SystemCommand("Help", "Every key, screen by screen (f1)", self.action_help)


def _go(screen: StudioScreen, tab: str) -> Callable[[], None]:
    def go() -> None:
        screen.action_show_tab(tab)

    return go


def _message(error: StudioError) -> str:
    """The error's message and its first problems, short enough for a notification."""
    lines = [error.message, *(f"• {problem}" for problem in list(error.problems)[:3])]
    if len(error.problems) > 3:
        lines.append(f"… and {len(error.problems) - 3} more")
    return "\n".join(lines)
