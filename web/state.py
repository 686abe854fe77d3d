"""This browser session's state: the only module that touches `st.session_state`.

Each browser session holds its own `Workshop` (never shared through `st.cache_resource`); the
file on disk is what sessions share. Views read through the functions here and change things
through the callbacks here, which turn every `StudioError` into a message shown once on the
next run. Edits applied since the file was last loaded or saved are remembered (with undo and
redo), so that when someone else saved first, this session can reload their version and
re-apply its own edits (`studio.reapply`) rather than lose either.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

import streamlit as st

from studio.changes import StackChange
from studio.edits import Edit
from studio.errors import SaveConflictError, StudioError
from studio.folder import StackFolder
from studio.live_grid import GridDelta
from studio.population_grid import Cell, LoadedPopulation, PopulationGrid
from studio.reapply import Reapplied, disk_changes, reapply
from studio.samples import real_now
from studio.workshop import Workshop
from web.settings import WebSettings

if TYPE_CHECKING:
    from studio.backtest.compile_sql import CompiledPolicy
    from studio.backtest.report import Summary

T = TypeVar("T")

WORKSHOP = "studio.workshop"
NAME = "studio.name"
EDITS = "studio.edits"
ERROR = "studio.error"
NOTICE = "studio.notice"
CONFLICT = "studio.conflict"
DISK = "studio.disk_changed"
PROJECTOR = "studio.projector"
ADMITTED = "studio.admitted"
FLIPPED = "studio.flipped"
BACKTEST = "studio.backtest"
POPULATION = "studio.population"
POPULATION_GRID = "studio.population_grid"
QUERY_STACK = "stack"
"""The URL query parameter naming the open stack (`?stack=b2c_retail.yaml`), so a link opens it."""


@dataclass
class Pending:
    """The edits applied since the file was loaded or saved: what `retry` re-applies."""

    done: list[tuple[Edit, str]] = field(default_factory=list)
    undone: list[tuple[Edit, str]] = field(default_factory=list)
    complete: bool = True
    """False once undo went further back than these edits (re-applying them would not give
    this session's version); then only 'keep mine' or 'take theirs' are offered."""


@dataclass(frozen=True)
class Conflict:
    """A save refused because someone else saved the file first."""

    message: str
    theirs: tuple[StackChange, ...]
    can_reapply: bool


# -- settings, access and display ------------------------------------------------------------------


def settings() -> WebSettings:
    """The server-wide settings `studio web` started with."""
    return WebSettings.from_env()


def folder() -> StackFolder:
    """The folder whose stacks this studio serves."""
    return StackFolder.at(settings().root)


def admitted() -> bool:
    """Whether this browser may see the studio (always, unless shared with a passcode)."""
    return not settings().needs_passcode or bool(st.session_state.get(ADMITTED))


def admit(passcode: str) -> bool:
    """Check a passcode; remember success for this browser session."""
    if settings().admits(passcode):
        st.session_state[ADMITTED] = True
        return True
    time.sleep(0.5)  # a wrong guess costs a moment
    return False


def projector() -> bool:
    """Large-type mode (starts as `--projector` said)."""
    return bool(st.session_state.setdefault(PROJECTOR, settings().projector))


def set_projector(on: bool) -> None:
    st.session_state[PROJECTOR] = on


def widget(key: str, default: T) -> T:
    """The current value of a widget by key (or `default` before it first renders)."""
    return cast(T, st.session_state.get(key, default))


def set_widget(key: str, value: Any) -> None:
    """Set a widget's value before it renders (a view's "jump to" links)."""
    st.session_state[key] = value


# -- the open stack --------------------------------------------------------------------------------


def workshop() -> Workshop | None:
    """This session's open stack (None until one opened)."""
    found = st.session_state.get(WORKSHOP)
    return found if isinstance(found, Workshop) else None


def name() -> str:
    """The open stack's name in the folder (`b2b_saas_renewals.yaml`)."""
    return str(st.session_state.get(NAME, ""))


def ensure_open() -> Workshop | None:
    """Open the stack the URL names, else the one `studio web` was given, else the first one
    (a URL naming something that can't be opened says why, and the default opens instead)."""
    current = workshop()
    wanted = str(st.query_params.get(QUERY_STACK, "") or "")
    if current is not None and (not wanted or wanted == name()):
        return current
    if current is not None and current.dirty:
        st.query_params[QUERY_STACK] = name()
        return current  # never drop unsaved edits because of a URL
    if wanted and open_stack(wanted):
        return workshop()
    if current is not None:
        st.query_params[QUERY_STACK] = name()
        return current
    choice = settings().first
    if not choice:
        stacks = folder().stacks()
        choice = folder().relative(stacks[0]) if stacks else ""
    if choice:
        open_stack(choice)
    return workshop()


def open_stack(choice: str) -> bool:
    """Open a stack of the folder by name; a refused name or a broken file is reported (False)."""
    try:
        path = folder().resolve(choice)
        opened = Workshop.open(path)
    except StudioError as error:
        _report(error)
        if st.query_params.get(QUERY_STACK):
            del st.query_params[QUERY_STACK]
        return False
    st.session_state[WORKSHOP] = opened
    st.session_state[NAME] = folder().relative(path)
    st.session_state[EDITS] = Pending()
    for key in (CONFLICT, DISK, FLIPPED, BACKTEST, POPULATION, POPULATION_GRID):
        st.session_state.pop(key, None)
    st.query_params[QUERY_STACK] = folder().relative(path)
    return True


def _pending() -> Pending:
    found = st.session_state.get(EDITS)
    if not isinstance(found, Pending):
        found = Pending()
        st.session_state[EDITS] = found
    return found


def _open_workshop() -> Workshop:
    found = workshop()
    if found is None:
        raise StudioError("No stack is open", title="Nothing open")
    return found


# -- changes -----------------------------------------------------------------------------------------


def apply(edit: Edit, label: str = "") -> None:
    """Apply an edit to the open stack (widget callback); if it can't, the reason is shown."""
    applied(edit, label)


def applied(edit: Edit, label: str = "") -> bool:
    """Apply an edit; False, with the reason shown on the next run, if it can't."""
    current = _open_workshop()
    before = current.stack
    try:
        change = current.apply(edit, label)
    except StudioError as error:
        _report(error)
        return False
    if current.stack is before:
        return True  # nothing changed (a field submitted twice): keep the last change's highlights
    pending = _pending()
    pending.done.append((edit, change.label))
    pending.undone.clear()
    _remember(change.delta)
    return True


def undo() -> None:
    pending = _pending()
    try:
        change = _open_workshop().undo()
    except StudioError as error:
        _report(error)
        return
    if pending.done:
        pending.undone.append(pending.done.pop())
    else:
        pending.complete = False
    _remember(change.delta)
    notify(f"Undone: {change.label.removeprefix('undo ')}")


def redo() -> None:
    pending = _pending()
    try:
        change = _open_workshop().redo()
    except StudioError as error:
        _report(error)
        return
    if pending.undone:
        pending.done.append(pending.undone.pop())
    _remember(change.delta)
    notify(f"Redone: {change.label}")


def flipped() -> GridDelta:
    """The preview cells the last change in this session touched."""
    found = st.session_state.get(FLIPPED)
    return found if isinstance(found, GridDelta) else GridDelta.none()


def _remember(delta: GridDelta) -> None:
    st.session_state[FLIPPED] = delta


def _fresh_start() -> None:
    st.session_state[EDITS] = Pending()
    st.session_state.pop(CONFLICT, None)
    st.session_state.pop(DISK, None)


# -- saving, and other people's saves ----------------------------------------------------------------


def save() -> None:
    """Save the open stack (button callback); see `saved`."""
    saved()


def saved() -> bool:
    """Save the open stack; True if it was written. A file someone else saved meanwhile is not
    overwritten: the conflict is kept for the page to offer retry, keep mine or take theirs."""
    current = _open_workshop()
    try:
        current.save()
    except SaveConflictError as error:
        _conflict(current, error)
        return False
    except StudioError as error:
        _report(error)
        return False
    _fresh_start()
    notify(f"Saved {name()}")
    return True


def _conflict(current: Workshop, error: SaveConflictError) -> None:
    try:
        theirs = tuple(disk_changes(current))
    except StudioError:
        theirs = ()
    pending = _pending()
    st.session_state[CONFLICT] = Conflict(error.message, theirs, pending.complete and bool(pending.done))


def conflict() -> Conflict | None:
    found = st.session_state.get(CONFLICT)
    return found if isinstance(found, Conflict) else None


def retry(save_after: bool = True) -> None:
    """Reload the file as someone else saved it, re-apply this session's edits, and (after a
    refused save) save the result."""
    current = _open_workshop()
    pending = _pending()
    try:
        result = reapply(current, list(pending.done))
    except StudioError as error:
        _report(error)
        return
    st.session_state.pop(CONFLICT, None)
    st.session_state.pop(DISK, None)
    st.session_state[EDITS] = Pending(done=[e for e in pending.done if e[1] in result.applied])
    _remember(current.last_delta)
    if result.failed:
        _report_reapplied(result)
        return
    if not save_after:
        notify(
            f"Took their version of {name()} and re-applied {_count(result.applied, 'edit')} of yours (not saved yet)"
        )
        return
    if saved():
        notify(f"Saved {name()} with their changes and yours ({_count(result.applied, 'edit')} re-applied)")


def _report_reapplied(result: Reapplied) -> None:
    lines = "; ".join(f"{label}: {error.message}" for label, error in result.failed)
    _report(
        StudioError(
            f"Reloaded their version; {_count(result.failed, 'edit')} of yours no longer apply ({lines}). "
            "The rest are applied: check, then save.",
            title="Some edits no longer apply",
        )
    )


def keep_mine() -> None:
    """Save this session's version over the one on disk."""
    try:
        _open_workshop().keep_mine()
    except StudioError as error:
        _report(error)
        return
    _fresh_start()
    notify(f"Saved {name()}: your version replaced the one on disk")


def take_theirs() -> None:
    """Drop this session's unsaved edits and take the file as it is on disk (undo brings them back)."""
    try:
        change = _open_workshop().reload()
    except StudioError as error:
        _report(error)
        return
    _fresh_start()
    _remember(change.delta)
    notify(f"Reloaded {name()} from disk")


def watch() -> bool:
    """Notice a save by someone else (polled every couple of seconds). With no unsaved edits the
    file is reloaded at once; otherwise the change is flagged for the page to offer a reload.
    True when the page should be drawn again."""
    current = workshop()
    if current is None or not current.changed_on_disk():
        return False
    if current.dirty:
        if st.session_state.get(DISK):
            return False
        try:
            st.session_state[DISK] = tuple(disk_changes(current))
        except StudioError:
            st.session_state[DISK] = ()
        return True
    try:
        theirs = disk_changes(current)
        change = current.reload()
    except StudioError as error:
        st.session_state[DISK] = ()
        _report(error)
        return True
    _fresh_start()
    _remember(change.delta)
    said = "; ".join(c.words for c in theirs[:3]) or "the file changed on disk"
    notify(f"Someone saved {name()}: {said}")
    return True


def disk_changed() -> tuple[StackChange, ...] | None:
    """What someone else saved while this session has unsaved edits (None: nothing)."""
    found = st.session_state.get(DISK)
    return found if isinstance(found, tuple) else None


# -- backtests ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeptBacktest:
    """This session's last backtest: its summary, the policy it compiled, the revision it ran on."""

    summary: Summary
    compiled: CompiledPolicy
    revision: str


def keep_backtest(summary: Summary, compiled: CompiledPolicy, revision: str) -> None:
    """Remember this session's last backtest (for its summary and the observed review load)."""
    st.session_state[BACKTEST] = KeptBacktest(summary, compiled, revision)


def backtest() -> KeptBacktest | None:
    found = st.session_state.get(BACKTEST)
    return found if isinstance(found, KeptBacktest) else None


# -- the preview's population ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Decided:
    """The population grid last decided, and what it was decided for."""

    loaded: LoadedPopulation
    policy: object
    at: int
    grid: PopulationGrid
    flipped: frozenset[Cell]


def population() -> LoadedPopulation | None:
    """The customer export the Preview decides instead of the sample customers (None: the samples)."""
    found = st.session_state.get(POPULATION)
    return found if isinstance(found, LoadedPopulation) else None


def use_population(loaded: LoadedPopulation) -> None:
    st.session_state[POPULATION] = loaded
    st.session_state.pop(POPULATION_GRID, None)


def drop_population() -> None:
    """Back to the sample customers."""
    st.session_state.pop(POPULATION, None)
    st.session_state.pop(POPULATION_GRID, None)


def population_grid(current: Workshop) -> tuple[PopulationGrid, frozenset[Cell]] | None:
    """The population decided with the open stack's last valid policy at the sample clock, and
    the cells that changed since it was last decided here. Decided again only when the policy or
    the clock changed; read again when the customer schema changed (a read that now fails is
    reported and the samples come back)."""
    from studio.population_grid import decide_population, load_population

    loaded = population()
    if loaded is None:
        return None
    try:
        policy = current.policy
    except StudioError:
        return None
    if not loaded.fits(policy.stack):
        try:
            loaded = load_population(policy.stack, loaded.files)
        except StudioError as error:
            _report(error)
            drop_population()
            return None
        st.session_state[POPULATION] = loaded
    at = current.sample_now
    found = st.session_state.get(POPULATION_GRID)
    last = found if isinstance(found, _Decided) and found.loaded is loaded and found.at == at else None
    if last is not None and last.policy is policy:
        return last.grid, last.flipped
    grid = decide_population(policy, loaded, at)
    flipped = grid.changed_from(last.grid if last is not None else None)
    st.session_state[POPULATION_GRID] = _Decided(loaded, policy, at, grid, flipped)
    return grid, flipped


# -- messages ------------------------------------------------------------------------------------------


def notify(message: str) -> None:
    """A short message shown once on the next run."""
    st.session_state[NOTICE] = message


def take_notice() -> str:
    return str(st.session_state.pop(NOTICE, "") or "")


def take_error() -> StudioError | None:
    found = st.session_state.pop(ERROR, None)
    return found if isinstance(found, StudioError) else None


def report(error: StudioError) -> None:
    """Show a user's mistake (or a refused change) once, at the top of the next run."""
    st.session_state[ERROR] = error


_report = report


def attempt(action: Callable[[], T]) -> T | None:
    """Run a core call for a view; a StudioError is reported (shown once) and None returned."""
    try:
        return action()
    except StudioError as error:
        _report(error)
        return None


def now() -> int:
    """The real time, for sign-offs."""
    return real_now()


def _count(items: tuple[Any, ...] | list[Any], word: str) -> str:
    return f"{len(items)} {word}{'s' if len(items) != 1 else ''}"
