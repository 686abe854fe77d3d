"""The folder a studio serves: the only stack files it may list, open and save.

A front end that other people reach over the network (the browser studio) is given one root
folder. Through it, only `*.yaml` / `*.yml` stack files under that folder can be listed,
opened or written: every name is resolved (symlinks followed) before it is checked, so
neither `../` nor an absolute path nor a symlink pointing elsewhere gets out. Expected-verdict
suites (`*.tests.yaml`) live beside stacks but are not stacks, so they are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studio.errors import StudioError

STACK_SUFFIXES = (".yaml", ".yml")
DATA_SUFFIXES = (".csv", ".parquet", ".pq")
"""Customer exports a studio may read from its folder (backtests)."""
SUITE_SUFFIX = ".tests.yaml"
MAX_LISTED = 500
"""A folder with more stack files than this lists the first ones only (a studio isn't a file browser)."""


@dataclass
class FolderError(StudioError):
    """A stack name that isn't inside the served folder, or isn't a stack file."""

    title: str = "Not a stack in this folder"


@dataclass(frozen=True)
class StackFolder:
    """A root folder and the stack files under it (see the module docstring for the rules)."""

    root: Path

    @classmethod
    def at(cls, root: Path) -> StackFolder:
        """The folder `root` (resolved); FolderError if it isn't an existing folder."""
        resolved = root.expanduser().resolve()
        if not resolved.is_dir():
            raise FolderError(f"{root} is not a folder")
        return cls(resolved)

    @classmethod
    def around(cls, path: Path) -> tuple[StackFolder, Path | None]:
        """For a command-line argument: a folder serves itself (no file chosen); a stack file
        serves its own folder and is the one to open."""
        target = path.expanduser()
        if target.is_dir():
            return cls.at(target), None
        if not target.exists():
            raise FolderError(f"{path}: no such file or folder")
        folder = cls.at(target.resolve().parent)
        return folder, folder.resolve(target.resolve().name)

    def resolve(self, name: str | Path) -> Path:
        """The absolute path of the stack file `name` (relative to the root, or absolute but
        inside it); FolderError if it leads outside the root or isn't a stack file name.
        The file need not exist yet (save as)."""
        resolved = self._inside(name)
        if not _is_stack_name(resolved.name):
            raise FolderError(f"{name} is not a stack file (a stack file's name ends in .yaml or .yml)")
        if resolved.exists() and not resolved.is_file():
            raise FolderError(f"{name} is not a file")
        return resolved

    def data_file(self, name: str | Path) -> Path:
        """An existing export (CSV or Parquet) under the root, by the same rules as `resolve`
        (symlinks followed, nothing outside the root); FolderError otherwise."""
        resolved = self._inside(name)
        if not resolved.name.lower().endswith(DATA_SUFFIXES):
            raise FolderError(f"{name} is not a CSV or Parquet export")
        if not resolved.is_file():
            raise FolderError(f"{name}: no such file in {self.root}")
        return resolved

    def mapping_file(self, name: str | Path) -> Path:
        """An existing YAML file under the root (a backtest's column mapping)."""
        resolved = self._inside(name)
        if not resolved.name.endswith(STACK_SUFFIXES) or not resolved.is_file():
            raise FolderError(f"{name} is not a YAML file in {self.root}")
        return resolved

    def _inside(self, name: str | Path) -> Path:
        text = str(name).strip()
        if not text or "\x00" in text:
            raise FolderError("No file name given")
        candidate = Path(text).expanduser()
        resolved = (candidate if candidate.is_absolute() else self.root / candidate).resolve()
        if not resolved.is_relative_to(self.root):
            raise FolderError(f"{name} is outside the studio's folder ({self.root}); only files inside it can be used")
        return resolved

    def relative(self, path: Path) -> str:
        """How the studio names a stack file: its path under the root, with `/`."""
        return path.resolve().relative_to(self.root).as_posix()

    def stacks(self) -> list[Path]:
        """The stack files under the root, by name (hidden folders and suites left out)."""
        found: list[Path] = []
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root)
            if any(part.startswith(".") for part in relative.parts) or not _is_stack_name(path.name):
                continue
            try:
                resolved = self.resolve(relative)
            except FolderError:
                continue
            if resolved.is_file() and resolved not in found:
                found.append(resolved)
            if len(found) >= MAX_LISTED:
                break
        return found


def _is_stack_name(name: str) -> bool:
    return name.endswith(STACK_SUFFIXES) and not name.endswith(SUITE_SUFFIX)
