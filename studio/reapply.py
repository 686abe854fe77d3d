"""When two people edit one stack: see what the other saved, and re-apply your edits on top.

The file on disk is the shared truth. A workshop's save refuses to overwrite a file that
changed since it was loaded (`SaveConflictError`). Edits are pure functions that name what
they change by id (`studio.edits`), so the later person's edits can be replayed on the newer
file instead of either version being lost: `reapply` reloads the file and applies each edit
again, in order. An edit that no longer applies (the other person removed its rule) is
skipped and reported; one that changes nothing (they made the same change) is reported as
already there. The workshop's undo still holds the version from before the reload.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studio.changes import StackChange, describe
from studio.edits import Edit
from studio.errors import StudioError
from studio.opening import open_document
from studio.workshop import Workshop


@dataclass(frozen=True, slots=True)
class Reapplied:
    """What re-applying a session's edits on the file as it is now did."""

    theirs: tuple[StackChange, ...]
    """What changed on disk since this workshop loaded or saved the file."""
    applied: tuple[str, ...]
    """Labels of the edits applied again."""
    already: tuple[str, ...]
    """Labels of edits the file already had (applying them changed nothing)."""
    failed: tuple[tuple[str, StudioError], ...]
    """Edits that no longer apply, with why."""

    @property
    def complete(self) -> bool:
        """Every edit is in the stack now (applied again or already there)."""
        return not self.failed


def disk_changes(workshop: Workshop) -> list[StackChange]:
    """What someone else changed in the file since this workshop loaded or saved it (StudioError
    if the file can't be read now)."""
    path = workshop.path
    if path is None:
        return []
    return describe(workshop.document.stack, open_document(path).stack)


def reapply(workshop: Workshop, edits: Sequence[tuple[Edit, str]]) -> Reapplied:
    """Reload the workshop's file and apply `edits` (edit, label) again, in order.

    StudioError, and nothing changes, if the file can't be read."""
    theirs = tuple(disk_changes(workshop))
    workshop.reload()
    applied: list[str] = []
    already: list[str] = []
    failed: list[tuple[str, StudioError]] = []
    for edit, label in edits:
        before = workshop.stack
        try:
            workshop.apply(edit, label)
        except StudioError as error:
            failed.append((label, error))
            continue
        (applied if workshop.stack != before else already).append(label)
    return Reapplied(theirs, tuple(applied), tuple(already), tuple(failed))
