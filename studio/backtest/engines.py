"""The two engines a backtest runs on, behind one small interface.

`DuckDBSession` is the embedded default: it reads CSV and Parquet files directly and keeps
intermediate tables in memory. `SparkSession` runs the same SQL (rendered in Spark's dialect)
on a `pyspark.sql.SparkSession`, for data that lives in a cluster; tests run it in local mode.

Both give each raw export a row-number column (`__row`, 1-based) so problems name the row:
DuckDB from the file itself; Spark from `monotonically_increasing_id()`, turned into row
numbers only when a problem has to be shown.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa  # type: ignore[import-untyped]
from sqlglot import exp

from studio.backtest.sources import ROW, InputError, RawColumn, RawType, Source
from studio.backtest.sql import Dialect, render

Progress = Callable[[str, float | None], None]
"""Told (phase, fraction done or None) as a run goes; a CLI draws a bar from it."""


class Session(Protocol):
    """What the backtest needs from an engine."""

    dialect: Dialect

    def register_raw(self, name: str, source: Source) -> dict[str, RawColumn]:
        """A view called `name` over the file, with `__row`; its columns and their types."""

    def materialize(self, name: str, query: exp.Expression, *, progress: Progress | None = None) -> None:
        """Run `query` once and keep its result as table `name`."""

    def view(self, name: str, query: exp.Expression) -> None:
        """Name `query` as a view (evaluated when used)."""

    def rows(self, query: exp.Expression) -> list[tuple[Any, ...]]:
        """The result of a (small) query."""

    def arrow(self, query: exp.Expression) -> pa.Table:
        """The result of a query as an Arrow table."""

    def register_arrow(self, name: str, data: pa.Table) -> None:
        """An Arrow table under `name`."""

    def write(self, query: exp.Expression, path: Path, format: str) -> Path:
        """Write the query's result as Parquet or CSV (with a header) at `path`."""

    def row_numbers(self, raw_name: str, ids: Sequence[int]) -> dict[int, int]:
        """Row numbers (1-based, in file order) for `__row` values of a raw view."""

    def close(self) -> None: ...


# -- DuckDB -----------------------------------------------------------------------------------


_DUCK_TYPES = {
    "VARCHAR": RawType.TEXT,
    "BOOLEAN": RawType.BOOL,
    "DOUBLE": RawType.NUMBER,
    "FLOAT": RawType.NUMBER,
    "DATE": RawType.DATE,
    "TIMESTAMP WITH TIME ZONE": RawType.TIMESTAMP,
}
_DUCK_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


def _duck_type(name: str) -> RawType:
    upper = name.upper()
    if upper in _DUCK_TYPES:
        return _DUCK_TYPES[upper]
    if upper in _DUCK_INTEGERS:
        return RawType.INTEGER
    if upper.startswith("DECIMAL"):
        return RawType.NUMBER
    if upper.startswith("TIMESTAMP"):
        return RawType.LOCAL_TIMESTAMP
    if upper.endswith("[]"):
        inner = _duck_type(upper[:-2])
        if inner is RawType.TEXT:
            return RawType.TEXT_LIST
        if inner in (RawType.INTEGER, RawType.NUMBER):
            return RawType.NUMBER_LIST
    return RawType.OTHER


class DuckDBSession:
    """An in-memory DuckDB database for one backtest."""

    dialect: Dialect = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        import duckdb

        self.con = duckdb.connect(":memory:")
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET preserve_insertion_order = true")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit is not None:
            self.con.execute(f"SET memory_limit = '{_safe_size(memory_limit)}'")

    def register_raw(self, name: str, source: Source) -> dict[str, RawColumn]:
        import duckdb

        try:
            if source.format == "parquet":
                relation = self.con.read_parquet(source.location, file_row_number=True)
                described = [
                    (c, t) for c, t in zip(relation.columns, relation.types, strict=True) if c != "file_row_number"
                ]
                row = f"file_row_number + 1 AS {ROW}"
            else:
                # a CSV scan keeps file order (preserve_insertion_order), so row_number() is the row
                relation = self.con.read_csv(source.location, header=True, all_varchar=True)
                described = list(zip(relation.columns, relation.types, strict=True))
                row = f"row_number() OVER () AS {ROW}"
            relation.create_view(f"{name}_file", replace=True)
            listed = ", ".join(_quote(c) for c, _ in described)
            self.con.execute(
                f"CREATE OR REPLACE TEMP VIEW {_quote(name)} AS SELECT {listed}, {row} FROM {_quote(name + '_file')}"
            )
        except duckdb.Error as error:
            raise InputError(f"{source.name}: can't read it as {source.format.upper()}: {_first_line(error)}") from None
        columns = {column: RawColumn(column, _duck_type(str(kind)), str(kind)) for column, kind in described}
        if ROW in columns:
            raise InputError(f"{source.name}: a column is called {ROW}, which the backtest reserves")
        return columns

    def _sql(self, query: exp.Expression) -> str:
        return render(query, "duckdb")

    def materialize(self, name: str, query: exp.Expression, *, progress: Progress | None = None) -> None:
        statement = f"CREATE OR REPLACE TEMP TABLE {_quote(name)} AS {self._sql(query)}"
        self._run(statement, progress, name)

    def _run(self, statement: str, progress: Progress | None, phase: str) -> None:
        import duckdb

        if progress is None:
            self.con.execute(statement)
            return
        failure: list[BaseException] = []

        def work() -> None:
            try:
                self.con.execute(statement)
            except BaseException as error:  # handed to the caller's thread below
                failure.append(error)

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
            try:
                done = self.con.query_progress()
            except duckdb.Error:
                done = -1
            progress(phase, done / 100 if done is not None and done >= 0 else None)
        if failure:
            raise failure[0]
        progress(phase, 1.0)

    def view(self, name: str, query: exp.Expression) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {_quote(name)} AS {self._sql(query)}")

    def rows(self, query: exp.Expression) -> list[tuple[Any, ...]]:
        return self.con.execute(self._sql(query)).fetchall()

    def arrow(self, query: exp.Expression) -> pa.Table:
        result = self.con.sql(self._sql(query)).to_arrow_table()
        return result if isinstance(result, pa.Table) else pa.table(result)

    def register_arrow(self, name: str, data: pa.Table) -> None:
        self.con.register(name, data)

    def write(self, query: exp.Expression, path: Path, format: str) -> Path:
        relation = self.con.sql(self._sql(query))
        if format == "parquet":
            relation.write_parquet(str(path))
        else:
            relation.write_csv(str(path), header=True)
        return path

    def row_numbers(self, raw_name: str, ids: Sequence[int]) -> dict[int, int]:
        return {int(i): int(i) for i in ids}

    def close(self) -> None:
        self.con.close()


def _quote(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _safe_size(text: str) -> str:
    if not text.replace(".", "").replace(" ", "").isalnum():
        raise ValueError(f"not a memory size: {text!r}")
    return text


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# -- Spark ------------------------------------------------------------------------------------


def _spark_type(kind: Any) -> RawType:
    from pyspark.sql import types

    if isinstance(kind, types.StringType):
        return RawType.TEXT
    if isinstance(kind, types.BooleanType):
        return RawType.BOOL
    if isinstance(kind, types.ByteType | types.ShortType | types.IntegerType | types.LongType):
        return RawType.INTEGER
    if isinstance(kind, types.DoubleType | types.FloatType | types.DecimalType):
        return RawType.NUMBER
    if isinstance(kind, types.TimestampNTZType):
        return RawType.LOCAL_TIMESTAMP
    if isinstance(kind, types.TimestampType):
        return RawType.TIMESTAMP
    if isinstance(kind, types.DateType):
        return RawType.DATE
    if isinstance(kind, types.ArrayType):
        inner = _spark_type(kind.elementType)
        if inner is RawType.TEXT:
            return RawType.TEXT_LIST
        if inner in (RawType.INTEGER, RawType.NUMBER):
            return RawType.NUMBER_LIST
    return RawType.OTHER


def _numbered(frame: Any) -> Any:
    """`frame` with `__row`: its row number in the file (1-based), from the partition sizes.

    `monotonically_increasing_id()` is the partition index (high bits) and the position in the
    partition (low 33 bits); one job counts each partition, then each id is shifted by the
    rows before its partition. File scans split the same way every time, so this is stable."""
    from pyspark.sql import functions

    mid = "__mid"
    frame = frame.withColumn(mid, functions.monotonically_increasing_id())
    part = functions.shiftright(functions.col(mid), 33)
    sizes = sorted((int(p), int(n)) for p, n in frame.groupBy(part.alias("part")).count().collect())
    shifts: list[Any] = []
    before = 0
    for index, size in sizes:
        shifts += [functions.lit(index), functions.lit(before - (index << 33) + 1)]
        before += size
    shift = functions.element_at(functions.create_map(*shifts), part) if shifts else functions.lit(1)
    return frame.withColumn(ROW, functions.col(mid) + shift).drop(mid)


SPARK_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.caseSensitive": "true",
}
"""Settings the backtest needs on any Spark session (times read in UTC, columns that differ
only by case kept apart). Set at the start of each run."""


def local_spark(app: str = "studio-backtest", partitions: int = 4) -> Any:
    """A local Spark session on this machine (2 cores, no UI, bound to 127.0.0.1)."""
    from pyspark.sql import SparkSession as PySparkSession

    builder = (
        PySparkSession.builder.master("local[2]")
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.driver.memory", "2g")
    )
    for key, value in SPARK_SETTINGS.items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():  # pyspark warns about pandas versions it doesn't use here
        warnings.simplefilter("ignore", FutureWarning)
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkSession:
    """A backtest on a `pyspark.sql.SparkSession` (given, or a local one)."""

    dialect: Dialect = "spark"

    def __init__(self, spark: Any | None = None) -> None:
        self.owned = spark is None
        self.spark = spark if spark is not None else local_spark()
        for key, value in SPARK_SETTINGS.items():
            self.spark.conf.set(key, value)
        self.frames: dict[str, Any] = {}

    def register_raw(self, name: str, source: Source) -> dict[str, RawColumn]:
        from pyspark.errors import PySparkException

        try:
            if source.format == "parquet":
                frame = self.spark.read.parquet(source.location)
            else:
                frame = (
                    self.spark.read.option("header", True)
                    .option("multiLine", True)
                    .option("escape", '"')
                    .option("mode", "FAILFAST")
                    .csv(source.location)
                )
            columns = {
                f.name: RawColumn(f.name, _spark_type(f.dataType), f.dataType.simpleString()) for f in frame.schema
            }
        except PySparkException as error:
            raise InputError(f"{source.name}: can't read it as {source.format.upper()}: {_first_line(error)}") from None
        if ROW in columns:
            raise InputError(f"{source.name}: a column is called {ROW}, which the backtest reserves")
        frame = _numbered(frame)
        frame.createOrReplaceTempView(name)
        self.frames[name] = frame
        return columns

    def _sql(self, query: exp.Expression) -> str:
        return render(query, "spark")

    def materialize(self, name: str, query: exp.Expression, *, progress: Progress | None = None) -> None:
        # Computed here and its lineage cut (a local checkpoint): the queries that read it then
        # plan against plain rows. A lazily cached plan read several ways in one query (the
        # summary's facts) trips Spark's adaptive planner (INTERNAL_ERROR_ATTRIBUTE_NOT_FOUND).
        frame = self.spark.sql(self._sql(query)).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        previous = self.frames.get(name)
        self.frames[name] = frame
        if previous is not None:
            previous.unpersist()

    def view(self, name: str, query: exp.Expression) -> None:
        self.spark.sql(self._sql(query)).createOrReplaceTempView(name)

    def rows(self, query: exp.Expression) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.spark.sql(self._sql(query)).collect()]

    def arrow(self, query: exp.Expression) -> pa.Table:
        table = self.spark.sql(self._sql(query)).toArrow()
        assert isinstance(table, pa.Table)
        return table

    def register_arrow(self, name: str, data: pa.Table) -> None:
        self.spark.createDataFrame(data).createOrReplaceTempView(name)

    def write(self, query: exp.Expression, path: Path, format: str) -> Path:
        frame = self.spark.sql(self._sql(query))
        writer = frame.write.mode("overwrite")
        if format == "parquet":
            writer.parquet(str(path))
        else:
            writer.option("header", True).csv(str(path))
        return path

    def row_numbers(self, raw_name: str, ids: Sequence[int]) -> dict[int, int]:
        return {int(i): int(i) for i in ids}

    def close(self) -> None:
        for frame in self.frames.values():
            frame.unpersist()
        if self.owned:
            self.spark.stop()
