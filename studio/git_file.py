"""A stack file as git knows it: its text at a revision, and the revisions that touched it.

For `studio diff FILE --against REV` and for telling what changed since a team signed off.
Git is run as a subprocess, read-only (`git show`, `git log`, `git rev-parse`); every failure
(no git, not in a repository, an unknown revision, a file that wasn't there yet) is a
`GitError` saying which.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from studio.errors import StudioError

_TIMEOUT = 20


@dataclass
class GitError(StudioError):
    """Git can't give what was asked."""

    title: str = "Can't read from git"


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("git")
    if executable is None:
        raise GitError("git is not installed (or not on PATH)")
    try:
        return subprocess.run(
            [executable, *args], cwd=cwd, capture_output=True, text=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GitError(f"git failed: {error}") from None


def _repository_path(path: Path) -> tuple[Path, str]:
    """The repository's top folder and `path` relative to it (as git spells it)."""
    folder = path.resolve().parent
    if not folder.is_dir():
        raise GitError(f"{path}: no such folder")
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if top.returncode != 0:
        raise GitError(f"{path} is not in a git repository")
    root = Path(top.stdout.strip())
    return root, path.resolve().relative_to(root.resolve()).as_posix()


def text_at(path: Path, rev: str) -> str:
    """The text `path` had at revision `rev` (a commit, branch, tag or `HEAD~2`)."""
    if rev.startswith("-"):
        raise GitError(f"{rev!r} is not a revision")
    root, relative = _repository_path(path)
    commit = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root)
    if commit.returncode != 0:
        raise GitError(f"unknown revision {rev!r} in {root}")
    shown = _git(["show", f"{commit.stdout.strip()}:{relative}"], root)
    if shown.returncode != 0:
        raise GitError(f"{relative} is not in revision {rev!r} (added later, or under another name)")
    return shown.stdout


def revisions(path: Path, limit: int = 50) -> list[str]:
    """The commits that changed `path`, newest first (at most `limit`; [] outside git)."""
    try:
        root, relative = _repository_path(path)
    except GitError:
        return []
    log = _git(["log", f"--max-count={limit}", "--format=%H", "--", relative], root)
    return log.stdout.split() if log.returncode == 0 else []
