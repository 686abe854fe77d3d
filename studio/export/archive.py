"""Bundle files on disk: a folder, or a reproducible `.tar.gz` of it; and reading either back.

A tarball is byte-for-byte reproducible: entries in path order, mtime 0, uid/gid 0, no owner
names, mode 0644, and gzip with mtime 0 and no file name. Reading is defensive: regular files
only, no absolute paths or `..`, no duplicates, and a size cap (a bundle is kilobytes to a few
megabytes; anything far larger is not one).
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from studio.errors import StudioError
from studio.export.layout import MANIFEST, MAX_BUNDLE_BYTES, MAX_FILES


class BundleReadError(StudioError):
    """A bundle that can't be read at all (missing, not a bundle, unsafe or too large)."""


def is_tarball(path: Path) -> bool:
    """True for `*.tar.gz` / `*.tgz` paths."""
    return path.name.endswith((".tar.gz", ".tgz"))


def tarball_bytes(files: Mapping[str, bytes]) -> bytes:
    """The files as a reproducible gzip-compressed tar."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(files):
            data = files[path]
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0, compresslevel=9) as stream:
        stream.write(raw.getvalue())
    return packed.getvalue()


def write_files(files: Mapping[str, bytes], out: Path) -> None:
    """Write a bundle: a `.tar.gz` when `out` ends so, else a folder (replacing the files it lists)."""
    if is_tarball(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        _write_bytes(out, tarball_bytes(files))
        return
    if out.exists() and not out.is_dir():
        raise StudioError(f"{out} exists and is not a folder; give a new folder or a .tar.gz name")
    if out.is_dir():
        _clear_previous(out)
    for path in sorted(files):
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_bytes(target, files[path])


def _clear_previous(out: Path) -> None:
    """Remove a previous bundle's files from `out`; refuse a folder holding anything else."""
    previous = _read_folder(out)
    if not previous:
        return
    if MANIFEST not in previous:
        raise StudioError(
            f"{out} is a folder that holds other files; export into an empty folder or a bundle folder",
            title="Won't mix a bundle with other files",
        )
    for relative in previous:
        (out / relative).unlink()


def _write_bytes(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    temporary.replace(path)


def read_files(path: Path) -> dict[str, bytes]:
    """Every file of a bundle folder or tarball, by bundle path; BundleReadError if unsafe or not a bundle."""
    if not path.exists():
        raise BundleReadError(f"{path}: no such file or folder")
    files = _read_folder(path) if path.is_dir() else read_tarball(_read_capped(path), str(path))
    if MANIFEST not in files:
        raise BundleReadError(f"{path} is not a bundle: it has no {MANIFEST}", title="Not a bundle")
    return files


def _read_capped(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BUNDLE_BYTES:
            raise BundleReadError(f"{path} is {size:,} bytes; a bundle may be at most {MAX_BUNDLE_BYTES:,}")
        return path.read_bytes()
    except OSError as error:
        raise BundleReadError(f"Can't read {path}: {error.strerror}") from None


def _read_folder(root: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            raise BundleReadError(f"{path}: a bundle holds no symbolic links")
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if relative.split("/")[-1].startswith(".") and relative != "opa/.manifest":
            continue  # editor and OS droppings (.DS_Store, .swp); not part of the bundle
        total += path.stat().st_size
        if total > MAX_BUNDLE_BYTES or len(files) >= MAX_FILES:
            raise BundleReadError(f"{root} is too large to be a bundle")
        files[relative] = path.read_bytes()
    return files


def read_tarball(data: bytes, source: str = "bundle") -> dict[str, bytes]:
    """Files from tar.gz bytes; BundleReadError for anything unsafe or malformed."""
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar:
                name = member.name
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BundleReadError(f"{source}: {name} is not a regular file")
                clean = PurePosixPath(name)
                if clean.is_absolute() or ".." in clean.parts or not name:
                    raise BundleReadError(f"{source}: unsafe path {name!r}")
                key = clean.as_posix().removeprefix("./")
                if key in files:
                    raise BundleReadError(f"{source}: {key} appears twice")
                total += member.size
                if total > MAX_BUNDLE_BYTES or len(files) >= MAX_FILES:
                    raise BundleReadError(f"{source} is too large to be a bundle")
                stream = tar.extractfile(member)
                if stream is None:
                    raise BundleReadError(f"{source}: can't read {name}")
                files[key] = stream.read()
    except (tarfile.TarError, OSError, EOFError, gzip.BadGzipFile) as error:
        raise BundleReadError(f"{source} is not a readable .tar.gz ({error})", title="Not a bundle") from None
    return files
