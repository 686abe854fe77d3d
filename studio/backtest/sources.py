"""The exports as an engine reads them: files (or uploads), their format, their columns' types.

A `Source` is one export: a CSV or Parquet file on disk (an upload is written to a temporary
folder first), or a URI a Spark session can read (`hdfs://`, `s3a://`). The engine tells
the backtest each column's `RawType` (text, integer, timestamp, list of text, ...), which
decides how `readers.py` turns its values into the stack's.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from studio.errors import StudioError

Format = Literal["csv", "parquet"]
ROW = "__row"
"""The raw table's row-number column (1-based, in file order; added by the engine)."""


@dataclass
class InputError(StudioError):
    """An export that doesn't fit the stack: missing or mistyped columns, bad values."""

    title: str = "The backtest data has problems"


@dataclass(frozen=True, slots=True)
class Source:
    """One export: a file on disk (CSV or Parquet), named as the user knows it."""

    name: str
    path: Path
    format: Format

    @property
    def location(self) -> str:
        """Where an engine reads it: the file's path, or a cluster URI as given."""
        return self.name if "://" in self.name else str(self.path)

    @classmethod
    def from_path(cls, path: Path | str, *, format: Format | None = None) -> Source:
        """A file; its format from the suffix (`.csv`, `.parquet`/`.pq`) unless given."""
        text = str(path)
        if "://" in text:  # a cluster's storage (hdfs://, s3a://): Spark reads it, so it isn't checked here
            return cls(text, Path(text), format or _format_of(text))
        path = Path(path)
        if not path.exists():
            raise InputError(f"{path}: no such file")
        if path.is_dir():
            raise InputError(f"{path} is a folder; give the CSV or Parquet file")
        return cls(text, path, format or _format_of(path.name))

    @classmethod
    def from_bytes(cls, name: str, data: bytes, directory: Path, *, format: Format | None = None) -> Source:
        """An upload: written to `directory` so the engine can read it like any file."""
        kind = format or _format_of(name)
        suffix = ".csv.gz" if name.lower().endswith(".csv.gz") else f".{kind}"  # engines read .gz by its name
        handle, target = tempfile.mkstemp(prefix="upload-", suffix=suffix, dir=directory)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        return cls(name, Path(target), kind)


def _format_of(name: str) -> Format:
    lowered = name.lower()
    if lowered.endswith((".parquet", ".pq")):
        return "parquet"
    if lowered.endswith((".csv", ".txt", ".csv.gz")):
        return "csv"
    raise InputError(f"{name}: can't tell the format from the name; use a .csv or .parquet file")


class RawType(StrEnum):
    """What a raw column holds, as far as reading it goes."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    BOOL = "bool"
    TIMESTAMP = "timestamp"
    """A point in time (a zone-aware timestamp)."""
    LOCAL_TIMESTAMP = "local timestamp"
    """A wall-clock reading without a zone."""
    DATE = "date"
    TEXT_LIST = "list of text"
    NUMBER_LIST = "list of numbers"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class RawColumn:
    """A column of an export as the engine sees it."""

    name: str
    type: RawType
    engine_type: str
