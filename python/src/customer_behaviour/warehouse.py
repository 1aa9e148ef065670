"""Reading marts into pandas and writing result tables back, on DuckDB, PostgreSQL and Spark.

Result tables are replaced atomically: every new table is first written completely under a
staging name (``<table>__staged``) and committed; then one short transaction drops the old
tables and renames the staged ones. A reader therefore sees either the old table or the new
one, never a half-written or missing one:

* PostgreSQL: the swap holds an ACCESS EXCLUSIVE lock; a query that arrives meanwhile waits
  and, once the swap commits, reads the new table (PostgreSQL looks the name up again after
  waiting for the lock). The swap waits at most ``SWAP_LOCK_TIMEOUT`` for readers that hold
  the old table in an open transaction.
* DuckDB: DDL is transactional (MVCC catalog), so connections of the same process see the
  old or the new catalog. Another *process* cannot read the file while it is being written at
  all: DuckDB allows one writing process and no readers beside it.

A run that dies half-way (killed, or its PostgreSQL connection dropped) therefore leaves the
previous tables in place; at most some ``__staged`` tables remain, and the next run replaces
them. A dropped connection ends in one line saying so (a :class:`UserError`), not a traceback.
* Spark: DDL is not transactional and there is no multi-table swap. Each new table is still
  written completely under its staging name first (a failed write leaves the old tables
  untouched); then, table by table, the old table is renamed aside, the staged one renamed in,
  and the old one dropped. Between two renames (metadata operations, milliseconds) a reader
  can find the table missing, and a failure during the swap can leave some tables from the new
  run and the rest from the old one: rerun ``analyze`` to finish it.

Identifiers are quoted by the drivers' own tools (``psycopg2.sql.Identifier`` and DuckDB's
``ColumnExpression``; on Spark, backticks with embedded backticks doubled, as Spark's parser
defines them), never by pasting names in unquoted. Table and column comments come from the
dbt source descriptions, so DBeaver shows the same text as dbt docs.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from customer_behaviour.errors import UserError
from customer_behaviour.manifest import BUILD_HINT, Relation, SourceTable
from customer_behaviour.profile import WarehouseTarget

ColumnType = Literal["text", "float", "integer", "boolean"]
Columns = dict[str, ColumnType]
"""Column name -> logical type, in table order."""

STAGING_SUFFIX = "__staged"
SWAP_LOCK_TIMEOUT = "30s"

_DUCKDB_TYPES: dict[ColumnType, str] = {
    "text": "varchar",
    "float": "double",
    "integer": "bigint",
    "boolean": "boolean",
}
_POSTGRES_TYPES: dict[ColumnType, str] = {
    "text": "text",
    "float": "double precision",
    "integer": "bigint",
    "boolean": "boolean",
}
_SPARK_TYPES: dict[ColumnType, str] = {
    "text": "string",
    "float": "double",
    "integer": "bigint",
    "boolean": "boolean",
}
_POSTGRES_NUMERIC_OID = 1700
PREVIOUS_SUFFIX = "__previous"


@dataclass(frozen=True)
class TableWrite:
    """One result table to replace: where (from the dbt source), what, and its columns."""

    table: SourceTable
    frame: pd.DataFrame
    columns: Columns


def empty_frame(columns: Columns) -> pd.DataFrame:
    """A frame with no rows and the given columns, typed for writing."""
    return conform(pd.DataFrame({name: [] for name in columns}), columns)


def conform(frame: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    """Exactly the given columns, in order, with a dtype per logical type (NaN/inf -> NULL)."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(f"result frame lacks columns {missing}")
    frame = frame.reset_index(drop=True)
    typed: dict[str, pd.Series] = {}
    for name, kind in columns.items():
        values = frame[name]
        if kind == "float":
            numbers = pd.to_numeric(values, errors="raise").astype("float64")
            typed[name] = numbers.where(np.isfinite(numbers))
        elif kind == "integer":
            typed[name] = pd.to_numeric(values, errors="raise").astype("Int64")
        elif kind == "boolean":
            typed[name] = values.astype("boolean")
        else:
            typed[name] = pd.Series(
                [None if pd.isna(value) else str(value) for value in values], dtype=object
            )
    return pd.DataFrame(typed)


def _python_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows as tuples of plain Python values (None for missing), for DB-API drivers."""

    def plain(value: Any) -> Any:
        if value is None or value is pd.NA:
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, np.generic):
            return value.item()
        return value

    return [tuple(plain(value) for value in row) for row in frame.astype(object).itertuples(False)]


def comment_text(description: str) -> str:
    """A dbt description as a one-paragraph table or column comment."""
    return " ".join(description.split())


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def _identifier(name: str) -> str:
    """A column name a row filter may use: lower case letters, digits and underscores (the
    marts' own columns), so that the filter's SQL is the same on every target."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain column name: {name!r}")
    return name


@dataclass(frozen=True)
class KeySample:
    """A deterministic sample of about ``fraction`` of a relation's rows, whole keys at a time:
    a row is kept when the first 8 hex digits of the MD5 of its key fall below the fraction
    of 16^8. The key is the first of ``columns`` that is not null, prefixed by its position
    (so a customer id and a session id never hash alike); md5, substr, coalesce and || mean
    the same on DuckDB, PostgreSQL and Spark, so every target keeps the same rows."""

    columns: tuple[str, ...]
    fraction: float

    def __post_init__(self) -> None:
        if not 0.0 < self.fraction < 1.0:
            raise ValueError(
                f"a sample keeps a fraction strictly between 0 and 1, not {self.fraction}"
            )

    @property
    def threshold(self) -> str:
        return f"{max(int(self.fraction * 16**8), 1):08x}"

    def key(self) -> str:
        parts = ", ".join(
            f"'{number}:' || {_identifier(c)}" for number, c in enumerate(self.columns)
        )
        return f"coalesce({parts})" if len(self.columns) > 1 else parts

    def predicate(self) -> str:
        return f"substr(md5({self.key()}), 1, 8) < '{self.threshold}'"


@dataclass(frozen=True)
class ValueIn:
    """Rows whose ``column`` holds one of ``values`` (text)."""

    column: str
    values: tuple[str, ...]

    def predicate(self) -> str:
        literals = ", ".join("'" + value.replace("'", "''") + "'" for value in self.values)
        return f"{_identifier(self.column)} in ({literals})"


RowFilter = KeySample | ValueIn


def _staging_relation(relation: Relation) -> Relation:
    return Relation(relation.schema, relation.name + STAGING_SUFFIX)


class Warehouse(ABC):
    """A connection to the target's warehouse. Use :func:`connect`."""

    target: WarehouseTarget

    def describe(self) -> str:
        return self.target.describe()

    @abstractmethod
    def exists(self, relation: Relation) -> bool:
        """True when the table or view exists."""

    @abstractmethod
    def column_names(self, relation: Relation) -> list[str]:
        """The relation's columns in order (a UserError when it does not exist)."""

    @abstractmethod
    def read(
        self,
        relation: Relation,
        columns: Sequence[str] | None = None,
        where: RowFilter | None = None,
    ) -> pd.DataFrame:
        """The relation (or some of its columns, of the rows ``where`` keeps) as a DataFrame;
        numerics as floats."""

    @abstractmethod
    def count_rows(self, relation: Relation) -> int:
        """How many rows the relation holds."""

    @abstractmethod
    def replace_tables(self, writes: Sequence[TableWrite]) -> None:
        """Stage every table, then swap them all in in one transaction."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def connection_lost(self, error: BaseException) -> bool:
        """True when `error` says the server or the connection to it went away."""
        return False

    def require(self, relation: Relation) -> None:
        """A UserError unless the relation exists (the mart was built on this target)."""
        if not self.exists(relation):
            raise UserError(
                f"{relation} does not exist in {self.describe()}: the project has not been "
                f"built on target '{self.target.target_name}'; {BUILD_HINT} with "
                f"--target {self.target.target_name}"
            )


class DuckDBWarehouse(Warehouse):
    def __init__(self, target: WarehouseTarget) -> None:
        import duckdb

        self.target = target
        path = target.duckdb_path
        if path is None or not path.is_file():
            raise UserError(
                f"no DuckDB database at {path}: the project has not been built on target "
                f"'{target.target_name}'; {BUILD_HINT}"
            )
        try:
            self._connection = duckdb.connect(str(path))
        except duckdb.Error as error:
            from customer_behaviour.preflight import duckdb_open_error

            raise duckdb_open_error(path, error) from error
        target.apply_duckdb_settings(self._connection)

    @staticmethod
    def quote(*parts: str) -> str:
        import duckdb

        return str(duckdb.ColumnExpression(*parts))

    @staticmethod
    def literal(text: str) -> str:
        import duckdb

        return str(duckdb.ConstantExpression(text))

    def _name(self, relation: Relation) -> str:
        return self.quote(relation.schema, relation.name)

    def exists(self, relation: Relation) -> bool:
        found = self._connection.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [relation.schema, relation.name],
        ).fetchone()
        return bool(found and found[0])

    def column_names(self, relation: Relation) -> list[str]:
        self.require(relation)
        rows = self._connection.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [relation.schema, relation.name],
        ).fetchall()
        return [row[0] for row in rows]

    def read(
        self,
        relation: Relation,
        columns: Sequence[str] | None = None,
        where: RowFilter | None = None,
    ) -> pd.DataFrame:
        self.require(relation)
        selected = ", ".join(self.quote(column) for column in columns) if columns else "*"
        condition = f" where {where.predicate()}" if where else ""
        return self._connection.execute(
            f"select {selected} from {self._name(relation)}{condition}"
        ).df()

    def count_rows(self, relation: Relation) -> int:
        self.require(relation)
        return int(
            self._connection.execute(f"select count(*) from {self._name(relation)}").fetchone()[0]
        )

    def replace_tables(self, writes: Sequence[TableWrite]) -> None:
        connection = self._connection
        frames = [conform(write.frame, write.columns) for write in writes]  # fail before writing
        for write, frame in zip(writes, frames, strict=True):
            relation = write.table.relation
            staged = _staging_relation(relation)
            definition = ", ".join(
                f"{self.quote(name)} {_DUCKDB_TYPES[kind]}" for name, kind in write.columns.items()
            )
            column_list = ", ".join(self.quote(name) for name in write.columns)
            connection.execute(f"create schema if not exists {self.quote(relation.schema)}")
            connection.execute("begin transaction")
            try:
                connection.execute(f"drop table if exists {self._name(staged)}")
                connection.execute(f"create table {self._name(staged)} ({definition})")
                connection.register("customer_behaviour_result", frame)
                try:
                    connection.execute(
                        f"insert into {self._name(staged)} ({column_list}) "
                        f"select {column_list} from customer_behaviour_result"
                    )
                finally:
                    connection.unregister("customer_behaviour_result")
                for statement in self._comments(staged, write):
                    connection.execute(statement)
                connection.execute("commit")
            except BaseException:
                connection.execute("rollback")
                raise
        connection.execute("begin transaction")
        try:
            for write in writes:
                relation = write.table.relation
                connection.execute(f"drop table if exists {self._name(relation)}")
                connection.execute(
                    f"alter table {self._name(_staging_relation(relation))} "
                    f"rename to {self.quote(relation.name)}"
                )
            connection.execute("commit")
        except BaseException:
            connection.execute("rollback")
            raise

    def _comments(self, staged: Relation, write: TableWrite) -> Iterator[str]:
        table = write.table
        if table.description:
            text = comment_text(table.description)
            yield f"comment on table {self._name(staged)} is {self.literal(text)}"
        for name in write.columns:
            description = table.column_descriptions.get(name)
            if description:
                column = self.quote(staged.schema, staged.name, name)
                yield f"comment on column {column} is {self.literal(comment_text(description))}"

    def close(self) -> None:
        self._connection.close()


class PostgresWarehouse(Warehouse):
    def __init__(self, target: WarehouseTarget) -> None:
        import psycopg2

        self.target = target
        try:
            self._connection = psycopg2.connect(
                host=target.host,
                port=target.port,
                user=target.user,
                password=target.password,
                dbname=target.database,
                connect_timeout=10,
                application_name="customer-behaviour analyze",
            )
        except psycopg2.OperationalError as error:
            message = " ".join(str(error).split())
            raise UserError(
                f"cannot connect to {target.describe()} ({message}); start PostgreSQL "
                "(docker compose up -d), check the PG* variables, and build it with "
                f"`make run TARGET={target.target_name}`"
            ) from error

    def _name(self, relation: Relation) -> Any:
        from psycopg2 import sql

        return sql.Identifier(relation.schema, relation.name)

    def exists(self, relation: Relation) -> bool:
        with self._connection, self._connection.cursor() as cursor:
            cursor.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = %s and table_name = %s",
                (relation.schema, relation.name),
            )
            return bool(cursor.fetchone()[0])

    def column_names(self, relation: Relation) -> list[str]:
        self.require(relation)
        with self._connection, self._connection.cursor() as cursor:
            cursor.execute(
                "select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position",
                (relation.schema, relation.name),
            )
            return [row[0] for row in cursor.fetchall()]

    def read(
        self,
        relation: Relation,
        columns: Sequence[str] | None = None,
        where: RowFilter | None = None,
    ) -> pd.DataFrame:
        from psycopg2 import sql

        self.require(relation)
        selected = (
            sql.SQL(", ").join(sql.Identifier(column) for column in columns)
            if columns
            else sql.SQL("*")
        )
        condition = sql.SQL(f" where {where.predicate()}" if where else "")
        with self._connection, self._connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("select {} from {}{}").format(selected, self._name(relation), condition)
            )
            names = [column.name for column in cursor.description]
            numeric = [
                column.name
                for column in cursor.description
                if column.type_code == _POSTGRES_NUMERIC_OID
            ]
            frame = pd.DataFrame.from_records(cursor.fetchall(), columns=names)
        for name in numeric:
            frame[name] = pd.to_numeric(frame[name].astype("float64"))
        return frame

    def count_rows(self, relation: Relation) -> int:
        from psycopg2 import sql

        self.require(relation)
        with self._connection, self._connection.cursor() as cursor:
            cursor.execute(sql.SQL("select count(*) from {}").format(self._name(relation)))
            return int(cursor.fetchone()[0])

    def replace_tables(self, writes: Sequence[TableWrite]) -> None:
        import psycopg2
        from psycopg2 import sql
        from psycopg2.extras import execute_values

        connection = self._connection
        frames = [conform(write.frame, write.columns) for write in writes]  # fail before writing
        for write, frame in zip(writes, frames, strict=True):
            relation = write.table.relation
            staged = self._name(_staging_relation(relation))
            definition = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(_POSTGRES_TYPES[kind]))
                for name, kind in write.columns.items()
            )
            column_list = sql.SQL(", ").join(sql.Identifier(name) for name in write.columns)
            with connection, connection.cursor() as cursor:
                cursor.execute(
                    sql.SQL("create schema if not exists {}").format(
                        sql.Identifier(relation.schema)
                    )
                )
                cursor.execute(sql.SQL("drop table if exists {}").format(staged))
                cursor.execute(sql.SQL("create table {} ({})").format(staged, definition))
                insert = sql.SQL("insert into {} ({}) values %s").format(staged, column_list)
                execute_values(
                    cursor, insert.as_string(cursor), _python_rows(frame), page_size=2000
                )
                self._comment(cursor, write)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute("set local lock_timeout = %s", (SWAP_LOCK_TIMEOUT,))
                for write in writes:
                    relation = write.table.relation
                    cursor.execute(sql.SQL("drop table if exists {}").format(self._name(relation)))
                    cursor.execute(
                        sql.SQL("alter table {} rename to {}").format(
                            self._name(_staging_relation(relation)),
                            sql.Identifier(relation.name),
                        )
                    )
        except psycopg2.errors.DependentObjectsStillExist as error:
            raise UserError(
                f"cannot replace a table in schema {writes[0].table.relation.schema}: "
                f"{' '.join(str(error).split())}; drop the dependent view (or point it at a "
                "mart) and rerun"
            ) from error
        except psycopg2.errors.LockNotAvailable as error:
            raise UserError(
                f"a result table in {self.describe()} is locked by another session for more "
                f"than {SWAP_LOCK_TIMEOUT} (an open DBeaver transaction?): commit or close it "
                "and rerun"
            ) from error

    def connection_lost(self, error: BaseException) -> bool:
        import psycopg2

        # OperationalError: the server ended the session (restart, pg_terminate_backend) or
        # the network dropped it; InterfaceError: the connection was already closed.
        return isinstance(error, psycopg2.OperationalError | psycopg2.InterfaceError) and (
            self._connection.closed != 0 or isinstance(error, psycopg2.InterfaceError)
        )

    def _comment(self, cursor: Any, write: TableWrite) -> None:
        from psycopg2 import sql

        staged = _staging_relation(write.table.relation)
        if write.table.description:
            cursor.execute(
                sql.SQL("comment on table {} is {}").format(
                    self._name(staged), sql.Literal(comment_text(write.table.description))
                )
            )
        for name in write.columns:
            description = write.table.column_descriptions.get(name)
            if description:
                cursor.execute(
                    sql.SQL("comment on column {} is {}").format(
                        sql.Identifier(staged.schema, staged.name, name),
                        sql.Literal(comment_text(description)),
                    )
                )

    def close(self) -> None:
        self._connection.close()


class SparkWarehouse(Warehouse):
    """Spark through a SparkSession configured like dbt's (method ``session``)."""

    def __init__(self, target: WarehouseTarget) -> None:
        from customer_behaviour.spark import start_session

        self.target = target
        if target.spark_method != "session":
            raise UserError(
                f"target '{target.target_name}' reaches Spark through {target.spark_method}; the "
                "Python layer reads Spark with a SparkSession: run it with a profile output of "
                "method `session` whose settings reach the same metastore (on a cluster: through "
                "spark-submit, see docs/spark.md)"
            )
        from pyspark.sql import SparkSession

        self._started_here = SparkSession.getActiveSession() is None
        self._spark = start_session(target.spark_conf)

    @staticmethod
    def quote(*parts: str) -> str:
        return ".".join("`" + part.replace("`", "``") + "`" for part in parts)

    @staticmethod
    def literal(text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def _name(self, relation: Relation) -> str:
        return self.quote(relation.schema, relation.name)

    def exists(self, relation: Relation) -> bool:
        if not self._spark.catalog.databaseExists(relation.schema):
            return False
        return bool(self._spark.catalog.tableExists(self._name(relation)))

    def column_names(self, relation: Relation) -> list[str]:
        self.require(relation)
        return list(self._spark.table(self._name(relation)).columns)

    def read(
        self,
        relation: Relation,
        columns: Sequence[str] | None = None,
        where: RowFilter | None = None,
    ) -> pd.DataFrame:
        from pyspark.sql import functions
        from pyspark.sql.types import DecimalType

        self.require(relation)
        table = self._spark.table(self._name(relation))
        if where:
            table = table.where(where.predicate())
        if columns:
            table = table.select(*[functions.col(self.quote(column)) for column in columns])
        # Decimals as floats, as the other targets return them; timestamps arrive as naive
        # datetimes in the session time zone (UTC, from the profile).
        table = table.select(
            *[
                functions.col(self.quote(field.name)).cast("double").alias(field.name)
                if isinstance(field.dataType, DecimalType)
                else functions.col(self.quote(field.name))
                for field in table.schema.fields
            ]
        )
        return table.toPandas()

    def count_rows(self, relation: Relation) -> int:
        self.require(relation)
        return int(self._spark.table(self._name(relation)).count())

    def replace_tables(self, writes: Sequence[TableWrite]) -> None:
        from pyspark.sql.types import (
            BooleanType,
            DoubleType,
            LongType,
            StringType,
            StructField,
            StructType,
        )

        spark_types = {
            "text": StringType(),
            "float": DoubleType(),
            "integer": LongType(),
            "boolean": BooleanType(),
        }
        frames = [conform(write.frame, write.columns) for write in writes]  # fail before writing
        for write, frame in zip(writes, frames, strict=True):
            relation = write.table.relation
            staged = _staging_relation(relation)
            self._spark.sql(f"create database if not exists {self.quote(relation.schema)}")
            self._spark.sql(f"drop table if exists {self._name(staged)}")
            self._spark.sql(self._create_statement(staged, write))
            schema = StructType(
                [StructField(name, spark_types[kind], True) for name, kind in write.columns.items()]
            )
            rows = self._spark.createDataFrame(_python_rows(frame), schema=schema)
            rows.write.insertInto(self._name(staged), overwrite=True)
        for write in writes:
            relation = write.table.relation
            previous = Relation(relation.schema, relation.name + PREVIOUS_SUFFIX)
            self._spark.sql(f"drop table if exists {self._name(previous)}")
            if self.exists(relation):
                self._spark.sql(
                    f"alter table {self._name(relation)} rename to {self._name(previous)}"
                )
            self._spark.sql(
                f"alter table {self._name(_staging_relation(relation))} "
                f"rename to {self._name(relation)}"
            )
            self._spark.sql(f"drop table if exists {self._name(previous)}")

    def _create_statement(self, staged: Relation, write: TableWrite) -> str:
        """create table with the dbt descriptions as table and column comments."""
        table = write.table
        columns = []
        for name, kind in write.columns.items():
            column = f"{self.quote(name)} {_SPARK_TYPES[kind]}"
            description = table.column_descriptions.get(name)
            if description:
                column += f" comment {self.literal(comment_text(description))}"
            columns.append(column)
        statement = f"create table {self._name(staged)} ({', '.join(columns)}) using parquet"
        if table.description:
            statement += f" comment {self.literal(comment_text(table.description))}"
        return statement

    def close(self) -> None:
        # A session this warehouse started ends with it (and releases the Derby metastore);
        # one that was already running (a test's, a notebook's) is left as it was.
        if self._started_here:
            self._spark.stop()


@contextmanager
def connect(target: WarehouseTarget) -> Iterator[Warehouse]:
    """Open the target's warehouse (a UserError when it is missing or unreachable)."""
    warehouse: Warehouse
    if target.adapter_type == "duckdb":
        warehouse = DuckDBWarehouse(target)
    elif target.adapter_type == "postgres":
        warehouse = PostgresWarehouse(target)
    elif target.adapter_type == "spark":
        warehouse = SparkWarehouse(target)
    else:
        raise UserError(f"target '{target.target_name}' is of type {target.adapter_type}")
    try:
        yield warehouse
    except Exception as error:
        if not warehouse.connection_lost(error):
            raise
        message = " ".join(str(error).split())
        raise UserError(
            f"lost the connection to {warehouse.describe()} ({message}); result tables are "
            "replaced all at once or not at all, so the previous ones are intact: check that "
            "the server is up and run the command again"
        ) from error
    finally:
        warehouse.close()
