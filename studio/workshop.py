"""The workshop: one open stack, as every front end holds it.

The terminal studio, the browser studio and the CLI's editing commands are thin clients of
this one object; none of them edits, decides, validates or saves by itself. A `Workshop`
holds the file it came from (`StackDocument`), the current `Stack`, undo and redo, the
problems of the current stack, the compiled policy and the live preview grid.

Edits are pure functions `Stack -> Stack` (`studio.edits`, `studio.signoff`) passed to
`apply`. An edit that can't apply raises `EditError` and changes nothing. An edit that
applies but leaves the stack *invalid* (a condition with a typo, a rule naming a team not
added yet) is kept: `problems` lists what is wrong, each located at the file, line and
column the stack will have when saved, and `valid` is False. Meanwhile the policy, the grid
and every analysis keep the last valid version and say so (`stale`); the next valid edit
brings them up to date. A room can then edit in the order it thinks, and never loses what it
typed.

Saving goes through the document's round-trip writer: only what changed is patched into the
file, atomically, and a file changed on disk since it was loaded is not overwritten
(`SaveConflictError`): `reload()` takes the disk version (undoable), `keep_mine()` saves over
it. An invalid stack is not saved unless asked (`allow_invalid=True`): the file on disk stays
loadable by enforcement services and other studios.

Time: the workshop decides at a fixed sample clock (the stack's `preview_at`, read relative
to the moment the workshop opened, or a moment the front end sets), so the grid never moves
by itself.

Threads: one thread edits and reads the workshop (a UI's own thread). A few members may also be
called from other threads meanwhile, because they work on an immutable snapshot of the last
valid version (its `Stack` and compiled `Policy`, replaced whole after each valid edit):
`findings()` (one analysis at a time; concurrent calls wait for each other), `last_findings`,
`explain_request`, `decide`, `policy` and `disk_digest`. Everything else belongs to the
editing thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from studio import signoff as signoffs
from studio import whatif as whatifs
from studio.clock import TimeFormatError
from studio.decision import Decision
from studio.document import StackDocument, load_text, parse_yaml
from studio.edits import Edit
from studio.engine import Policy, recompile_policy
from studio.errors import EditError, Issue, Problem, StackFileError, StackInvalidError, StudioError, did_you_mean
from studio.explain import Explanation, explain
from studio.git_file import text_at
from studio.impact import Impact, impact
from studio.live_analysis import Findings, LiveAnalysis
from studio.live_grid import GridDelta, LiveGrid, without_samples
from studio.live_validate import LiveValidator
from studio.locate import locate, pydantic_issues
from studio.opening import document_from_text as document_from_text
from studio.opening import open_document as open_document
from studio.request import Request
from studio.review_load import LoadReport, review_load
from studio.revision import revision
from studio.samples import Column, PreviewGrid, Replay, real_now, replay, sample_now, sample_request
from studio.stack import Stack
from studio.validate import validate


@dataclass(frozen=True, slots=True)
class Change:
    """What one workshop operation did, for the front end to repaint."""

    label: str
    valid: bool
    """Whether the stack is valid now (if not, read `Workshop.problems`)."""
    delta: GridDelta
    """Which preview cells changed (none while the stack is invalid: the grid is stale)."""
    version: int
    """Increases with every change of the stack or the clock (a cache key for front ends)."""


@dataclass(frozen=True, slots=True)
class ReplayPair:
    """A scenario replayed with the policy and without it (everything goes)."""

    with_policy: Replay
    without_policy: Replay


@dataclass(frozen=True, slots=True)
class _Entry:
    stack: Stack
    label: str


@dataclass(frozen=True, slots=True)
class _Valid:
    """The last valid version, as other threads may read it (one attribute, replaced whole)."""

    stack: Stack
    policy: Policy
    """`stack` compiled without its sample customers, scenarios and sign-offs (see `live_grid`)."""
    version: int
    """The workshop version at which `stack` became current."""
    at: int
    """The sample moment the grid was decided at."""


class Workshop:
    """An open stack: edits with undo and redo, live problems and preview, and the file behind it."""

    def __init__(self, document: StackDocument, *, now: int | None = None) -> None:
        """Open `document`; `now` is the moment relative sample times are read from (default: the clock)."""
        self._document = document
        self._stack = document.stack
        self._undo: list[_Entry] = []
        self._redo: list[_Entry] = []
        self._reference = real_now() if now is None else now
        self._clock: int | None = None
        self._version = 0
        self._issues: tuple[Issue, ...] = ()
        self._problems: tuple[Problem, ...] | None = None
        self._valid: _Valid | None = None
        self._grid: LiveGrid | None = None
        self._last = GridDelta.none()
        self._validator = LiveValidator()
        self._analysis = LiveAnalysis()
        self._seen: list[StackDocument] = [document]
        """Versions loaded or saved in this session, newest last (see `_base`)."""
        self._settle("open")

    # -- opening ------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, now: int | None = None) -> Workshop:
        """Open a stack file. A file with problems in names, types or conditions opens (its
        problems listed, to be fixed here); one that isn't a readable stack structure raises
        StackFileError or StackInvalidError with every problem located."""
        return cls(open_document(path), now=now)

    @classmethod
    def from_text(cls, text: str, *, source: str = "<text>", now: int | None = None) -> Workshop:
        """A workshop on stack text with no file yet (an upload); save it with `save_as`."""
        return cls(document_from_text(text, source=source), now=now)

    # -- what front ends read -------------------------------------------------------------------------

    @property
    def stack(self) -> Stack:
        """The current stack (frozen; change it with `apply`)."""
        return self._stack

    @property
    def document(self) -> StackDocument:
        """The file as last loaded or saved."""
        return self._document

    @property
    def path(self) -> Path | None:
        """The file's path (None for a workshop opened from text)."""
        return self._document.path

    @property
    def dirty(self) -> bool:
        """The stack differs from the file as last loaded or saved."""
        return self._stack != self._document.stack

    @property
    def valid(self) -> bool:
        """The current stack has no problems."""
        return not self._issues

    @property
    def stale(self) -> bool:
        """The policy, grid and analyses show the last valid version, not the current stack."""
        valid = self._valid
        return valid is None or valid.stack is not self._stack

    @property
    def issues(self) -> tuple[Issue, ...]:
        """The current stack's problems by document path (cheap; `problems` adds lines and columns)."""
        return self._issues

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The current stack's problems, each at the file, line and column the saved file will have."""
        if self._problems is None:
            self._problems = self._locate(self._issues)
        return self._problems

    @property
    def version(self) -> int:
        """Increases with every change (a cache key for front ends)."""
        return self._version

    @property
    def revision(self) -> str:
        """The current stack's revision digest (what sign-offs and bundles name)."""
        return revision(self._stack)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def history(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The labels of what `undo` and `redo` would take back or do again, most recent first."""
        return tuple(e.label for e in reversed(self._undo)), tuple(e.label for e in reversed(self._redo))

    @property
    def sample_now(self) -> int:
        """The moment the grid, explanations and analyses decide at."""
        clock = self._clock_for(self._stack)
        if clock is not None:
            return clock
        return self._grid.at if self._grid is not None else self._reference

    @property
    def policy(self) -> Policy:
        """The compiled policy of the last valid version (without its sample customers, scenarios
        and sign-offs, which don't change decisions); StackInvalidError if there never was one.
        Safe from any thread."""
        valid = self._valid
        if valid is None:
            problems = [issue.unlocated(self._document.source) for issue in self._issues]
            raise StackInvalidError("The stack has problems; fix them first", problems)
        return valid.policy

    @property
    def grid(self) -> PreviewGrid:
        """Sample customers x (agent, action), decided (empty until the stack is first valid)."""
        if self._grid is None:
            return PreviewGrid(self.sample_now, (), (), MappingProxyType({}))
        return self._grid.grid

    @property
    def last_delta(self) -> GridDelta:
        """The cells the last change touched."""
        return self._last

    # -- edits ------------------------------------------------------------------------------------------

    def apply(self, edit: Edit, label: str = "") -> Change:
        """Apply a pure edit; EditError (and nothing changes) if it can't apply."""
        label = label or _label_of(edit)
        try:
            new = edit(self._stack)
        except ValidationError as error:
            problems = [issue.unlocated() for issue in pydantic_issues(error)]
            raise EditError(f"Can't {label}: a value doesn't fit the stack format", problems) from None
        except (TypeError, ValueError) as error:
            raise EditError(f"Can't {label}: {error}") from None
        if not isinstance(new, Stack):
            raise EditError(f"Can't {label}: the edit gave {type(new).__name__}, not a stack")
        if new == self._stack:
            return Change(label, self.valid, GridDelta.none(), self._version)
        previous = self._stack
        self._become(new, label)
        self._undo.append(_Entry(previous, label))
        self._redo.clear()
        return self._changed(label)

    def undo(self) -> Change:
        """Take back the last edit (EditError if there is none)."""
        if not self._undo:
            raise EditError("Nothing to undo")
        entry = self._undo.pop()
        self._redo.append(_Entry(self._stack, entry.label))
        self._become(entry.stack, f"undo {entry.label}")
        return self._changed(f"undo {entry.label}")

    def redo(self) -> Change:
        """Do again what `undo` took back (EditError if there is none)."""
        if not self._redo:
            raise EditError("Nothing to redo")
        entry = self._redo.pop()
        self._undo.append(_Entry(self._stack, entry.label))
        self._become(entry.stack, entry.label)
        return self._changed(entry.label)

    def set_sample_now(self, at: int | None) -> Change:
        """Decide at moment `at` (None: back to the stack's `preview_at`); the grid follows."""
        self._clock = at
        self._settle("set the sample clock")
        return self._changed("set the sample clock")

    # -- the file ---------------------------------------------------------------------------------------

    def save(self, *, force: bool = False, allow_invalid: bool = False) -> None:
        """Write the stack to its file, atomically, patching only what changed.

        StackInvalidError (nothing written) while the stack has problems, unless
        `allow_invalid`; SaveConflictError if the file changed on disk since it was loaded,
        unless `force` (see `keep_mine`).
        """
        self._check_saveable(allow_invalid)
        self._document = self._base().save(self._stack, force=force)
        self._remember(self._document)
        self._problems = None

    def save_as(self, path: Path, *, allow_invalid: bool = False) -> None:
        """Write the stack to a new file (SaveConflictError if that file exists)."""
        self._check_saveable(allow_invalid)
        self._document = self._base().save(self._stack, path)
        self._remember(self._document)
        self._problems = None

    def keep_mine(self) -> None:
        """Save over a file that changed on disk: this workshop's version wins."""
        self.save(force=True, allow_invalid=not self.valid)

    def changed_on_disk(self) -> bool:
        """Whether someone changed (or removed) the file since it was loaded or saved here."""
        return self._document.changed_on_disk()

    def disk_digest(self) -> str:
        """The SHA-256 of the file's bytes on disk now: "" when it is missing or unreadable, or the
        workshop has no file. Equal to `document.digest` while nobody changed the file.

        A front end that answered "later" to a change on disk keeps this digest and asks again only
        when it differs (`changed_since`): the file changed *again*. Safe from any thread.
        """
        path = self._document.path
        if path is None:
            return ""
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return ""

    def changed_since(self, digest: str) -> bool:
        """Whether the file on disk differs from the bytes it had when `disk_digest()` gave `digest`."""
        return self.disk_digest() != digest

    def reload(self) -> Change:
        """Take the file as it is on disk now (undo gets this workshop's version back).

        StackFileError or StackInvalidError, and nothing changes, if it can't be read.
        """
        if self._document.path is None:
            raise StackFileError("This stack has no file to reload from.")
        fresh = open_document(self._document.path)
        previous = self._stack
        self._document = fresh
        self._remember(fresh)
        if fresh.stack != previous:
            self._become(fresh.stack, "reload from disk")
            self._undo.append(_Entry(previous, "reload from disk"))
            self._redo.clear()
        self._problems = None
        return self._changed("reload from disk")

    def text(self) -> str:
        """The file text the current stack saves as (comments and layout kept)."""
        return self._base().render(self._stack)

    def _base(self) -> StackDocument:
        """The document to render the stack onto: the current file, or, when the stack is one
        this session loaded or saved before (undone to), that version's exact text, checked
        against the current file's bytes for changes on disk."""
        current = self._document
        if self._stack == current.stack:
            return current
        for seen in reversed(self._seen):
            if seen.stack == self._stack:
                return StackDocument(seen.stack, seen.parsed, seen.text, current.source, current.path, current.digest)
        return current

    def _remember(self, document: StackDocument) -> None:
        self._seen = [*[d for d in self._seen if d.stack != document.stack][-7:], document]

    def _check_saveable(self, allow_invalid: bool) -> None:
        if not self.valid and not allow_invalid:
            count = len(self._issues)
            raise StackInvalidError(
                f"Not saved: the stack has {count} problem{'s' if count != 1 else ''}; fix them, or save anyway",
                list(self.problems),
                title="Not saved",
            )

    # -- decisions and analyses (of the last valid version) ---------------------------------------

    def decision(self, customer: str, agent: str, action: str) -> Decision:
        """One preview cell's decision."""
        grid = self._require()[1]
        found = grid.decision(customer, Column(agent, action))
        if found is None:
            raise StudioError(self._no_cell(customer, agent, action), title="No such preview cell")
        return found

    def decide(self, request: Request) -> Decision:
        """Decide any request with the policy."""
        return self.policy.decide(request)

    def request(
        self, customer: str, agent: str, action: str, params: Mapping[str, Any] | None = None, at: int | None = None
    ) -> Request:
        """The request a preview cell stands for, with other parameters or another time if given."""
        _, grid, stack = self._require()
        self.decision(customer, agent, action)
        if params is None and at is None:
            return grid.request(customer, Column(agent, action))
        return sample_request(stack, customer, agent, action, params or {}, grid.at if at is None else at, now=grid.at)

    def explain(
        self,
        customer: str,
        agent: str,
        action: str,
        params: Mapping[str, Any] | None = None,
        at: int | None = None,
        *,
        flips: bool = True,
    ) -> Explanation:
        """A cell's decision in business words, and what would flip it.

        `flips=False` leaves out the search for what would flip it (`flips` is empty and
        `searched` False): the reasons at once (well under a millisecond), for front ends that
        show them first and ask `explain_request(explanation.request)` for the flips a moment
        later (that search decides the request a thousand times or so; it may run on a worker
        thread).
        """
        return explain(self.policy, self.request(customer, agent, action, params, at), search=flips)

    def explain_request(self, request: Request, *, flips: bool = True) -> Explanation:
        """Any request's decision in business words, and what would flip it (unless `flips` is
        False). Safe from any thread: it decides with the last valid version's policy."""
        return explain(self.policy, request, search=flips)

    def replay(self, scenario: str) -> ReplayPair:
        """A scenario with the policy and without it, side by side."""
        policy = self._scenario_policy(scenario)
        at = self.sample_now
        return ReplayPair(replay(policy, scenario, now=at), replay(policy, scenario, now=at, enforced=False))

    def _scenario_policy(self, scenario: str) -> Policy:
        """A policy holding just one scenario and its customer (what `samples.replay` reads)."""
        stack = self._require_stack()
        found = next((s for s in stack.scenarios if s.id == scenario), None)
        if found is None:
            ids = [s.id for s in stack.scenarios]
            raise StudioError(f"No scenario '{scenario}' ({did_you_mean(scenario, ids)})", title="No such scenario")
        customers = [c for c in stack.customers if c.id == found.customer]
        scenario_stack = stack.model_copy(update={"customers": customers, "scenarios": [found], "signoffs": []})
        return recompile_policy(self.policy, scenario_stack)  # every cell is the policy's: nothing to compile

    def explain_step(self, scenario: str, index: int, *, flips: bool = True) -> Explanation:
        """A scenario step's decision (with the policy, against the history as it stood then),
        in business words, and what would flip it (unless `flips` is False). `index` is the
        step's place in the file."""
        policy = self._scenario_policy(scenario)
        recorder = _Recording(policy)
        replayed = replay(recorder, scenario, now=self.sample_now)
        for position, step in enumerate(replayed.steps):
            if step.index == index:
                return explain(policy, recorder.requests[position], search=flips)
        raise EditError(f"Scenario {scenario} has no step {index} (valid: 0..{len(replayed.steps) - 1})")

    def knobs(self, rule_id: str) -> list[whatifs.Knob]:
        """The numbers of a rule a what-if sweep can vary."""
        stack = self._require_stack()
        rule = next((r for r in stack.rules if r.id == rule_id), None)
        if rule is None:
            raise EditError(f"No rule '{rule_id}' ({did_you_mean(rule_id, [r.id for r in stack.rules])})")
        return whatifs.knobs(rule)

    def whatif(self, rule_id: str, values: Sequence[float], number: str | None = None) -> whatifs.Sweep:
        """Sweep one number of a rule (`number` is a knob key; default: its first limit) across `values`."""
        self.knobs(rule_id)
        _, grid, stack = self._require()
        rule = next(r for r in stack.rules if r.id == rule_id)
        return whatifs.sweep(stack, whatifs.knob(rule, number), values, at=self.sample_now, grid=grid.fork())

    def review_load(self) -> LoadReport:
        """Forecast flags per day per reviewing team against its capacity."""
        stack, grid = self._require_stack(), self._require()[1]
        return review_load(stack, grid.grid)

    def impact(self, against: Stack | None = None) -> Impact:
        """What changed since `against` (default: the file as loaded or saved), and which
        sample decisions and scenario steps it changes."""
        old = self._document.stack if against is None else against
        issues = validate(old)
        if issues:
            problems = [issue.unlocated(self._document.source) for issue in issues]
            raise StackInvalidError("The version to compare with has problems", problems)
        return impact(old, self._require_stack(), at=self.sample_now)

    def impact_against(self, rev: str) -> Impact:
        """What changed since the file's version at git revision `rev` (HEAD, a branch, a commit)."""
        if self._document.path is None:
            raise StackFileError("This stack has no file, so git has no version of it.")
        text = text_at(self._document.path, rev)
        return self.impact(load_text(text, source=f"{self._document.source}@{rev}").stack)

    # -- the policy analysis (findings, coverage) ------------------------------------------------------

    def findings(self) -> Findings:
        """The policy analysis of the last valid version: findings, coverage (`Findings.report`).

        Analyses first when that version hasn't been analysed yet (one `studio.analysis.Analyzer`
        per workshop, created on the first call, then updated incrementally with each new valid
        version and its compiled policy: about 0.1-0.5 s after an edit on the sample stacks, more
        the first time). While the stack is invalid it is the last valid version's, `stale`.
        Witnesses happen near the sample moment (`sample_now`); moving it starts a new analyzer.

        May run on a worker thread while the editing thread goes on editing (it works on an
        immutable snapshot; calls wait for each other). StackInvalidError if the stack has never
        been valid; `live_analysis.AnalysisUnavailableError` (a StudioError) without the
        `analysis` extra.
        """
        valid = self._valid
        if valid is None:
            raise StackInvalidError(
                "The stack has problems; fix them to analyse it",
                [issue.unlocated(self._document.source) for issue in self._issues],
            )
        done = self._analysis.bring_up_to(
            valid.stack, partial(recompile_policy, valid.policy, valid.stack), valid.version, valid.at
        )
        return Findings(done.report, done.version, done.stack is not self._stack)

    @property
    def last_findings(self) -> Findings | None:
        """The latest finished analysis, without running one (None before `findings()` first
        finished); `stale` as of now. Never waits; any thread."""
        done = self._analysis.last
        if done is None:
            return None
        return Findings(done.report, done.version, done.stack is not self._stack)

    # -- sign-off ---------------------------------------------------------------------------------------

    def sign(self, team: str, name: str, at: int | None = None) -> Change:
        """`name` signs the current revision for `team` (now, or at `at`)."""
        moment = real_now() if at is None else at
        return self.apply(partial(signoffs.sign, team=team, name=name, at=moment), f"sign off for {team}")

    def unsign(self, team: str) -> Change:
        """Withdraw a team's sign-off."""
        return self.apply(partial(signoffs.unsign, team=team), f"withdraw {team}'s sign-off")

    def signoffs(self) -> tuple[signoffs.TeamSignOff, ...]:
        """Every team's sign-off: signed, stale (cleared by a change, with what changed) or missing."""
        return signoffs.status(self._stack, self._version_with)

    def _version_with(self, wanted: str) -> Stack | None:
        candidates = [self._document.stack, *(e.stack for e in self._undo), *(e.stack for e in self._redo)]
        return next((stack for stack in candidates if revision(stack) == wanted), None)

    # -- internals ----------------------------------------------------------------------------------

    def _become(self, stack: Stack, label: str) -> None:
        """Make `stack` current; if bringing everything up to it fails (a bug), the workshop is
        put back as it was, grid decided afresh, and the error goes on."""
        previous = self._stack
        self._stack = stack
        try:
            self._settle(label)
        except BaseException:
            self._stack, self._grid, self._valid = previous, None, None
            self._settle("restore")
            raise

    def _settle(self, label: str) -> None:
        """Validate the current stack and, when valid, bring the policy and grid up to it."""
        self._issues = tuple(self._validator.issues(self._stack))
        self._problems = None
        self._version += 1
        clock = self._clock_for(self._stack)
        if self._issues:
            self._last = GridDelta.none()
            return
        previous = self._valid.policy if self._valid is not None else None
        policy = recompile_policy(previous, without_samples(self._stack))  # only what the edit changed
        at = clock if clock is not None else self.sample_now
        if self._grid is None:
            self._grid = LiveGrid(self._stack, policy, at)
            self._last = GridDelta(frozenset(), len(self._grid.grid.decisions), True)
        else:
            self._last = self._grid.refresh(self._stack, policy, at)
        self._valid = _Valid(self._stack, policy, self._version, self._grid.at)

    def _clock_for(self, stack: Stack) -> int | None:
        if self._clock is not None:
            return self._clock
        try:
            return sample_now(stack, self._reference)
        except (TimeFormatError, ValueError):
            return None

    def _changed(self, label: str) -> Change:
        return Change(label, self.valid, self._last, self._version)

    def _require(self) -> tuple[Policy, LiveGrid, Stack]:
        valid, grid = self._valid, self._grid
        if valid is None or grid is None:
            raise StackInvalidError("The stack has problems; fix them first", list(self.problems))
        return valid.policy, grid, valid.stack

    def _require_stack(self) -> Stack:
        return self._require()[2]

    def _locate(self, issues: Sequence[Issue]) -> tuple[Problem, ...]:
        if not issues:
            return ()
        document = self._base()
        if self._stack is document.stack:
            tree, text = document.tree, document.text
        else:
            text = document.render(self._stack)
            tree = parse_yaml(text, document.source)
        return tuple(sorted((locate(tree, text, i, document.source) for i in issues), key=_order))

    def _no_cell(self, customer: str, agent: str, action: str) -> str:
        stack = self._require_stack()
        customers = [c.id for c in stack.customers]
        if customer not in customers:
            return f"No sample customer '{customer}' ({did_you_mean(customer, customers)})"
        agents = {a.id: a for a in stack.agents}
        if agent not in agents:
            return f"No agent '{agent}' ({did_you_mean(agent, agents)})"
        return f"{agent} doesn't propose '{action}' ({did_you_mean(action, agents[agent].actions)})"


class _Recording(Policy):
    """A compiled policy that keeps the requests it decides, in step order (for `explain_step`:
    the requests a replay makes carry the history as it stood at each step)."""

    def __init__(self, policy: Policy) -> None:  # wraps a compiled policy: nothing to compile again
        self.__dict__.update(policy.__dict__)
        self.requests: list[Request] = []

    def decide(self, request: Request) -> Decision:
        """Decide as the policy does, keeping the request."""
        self.requests.append(request)
        return super().decide(request)


def _order(problem: Problem) -> tuple[int, int]:
    return (problem.line, problem.column)


def _label_of(edit: Callable[..., Any]) -> str:
    function = edit.func if isinstance(edit, partial) else edit
    name = getattr(function, "__name__", "edit")
    return name.replace("_", " ") if name != "<lambda>" else "edit"
