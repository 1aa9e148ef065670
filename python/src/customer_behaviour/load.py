"""Bulk-load a folder of input CSVs into schema ``raw`` (COPY on PostgreSQL, read_csv on DuckDB).

dbt seeds insert row by row and suit the committed sample only. This loader
puts the six files of the input contract into ``raw`` as text columns, so that
staging's validation and quarantine apply exactly as they do to seeds:

* every file is checked before anything is written: present, UTF-8 (a BOM is
  accepted), a header with exactly the contract's columns (in any order);
* all six tables are replaced (or appended to) in ONE transaction: a file that
  fails half-way (a row with too many fields, say) rolls everything back and
  ``raw`` stays as it was;
* values are stored as dbt seeds store them: a field that is blank or the word
  ``null`` (any case) becomes NULL, everything else is kept verbatim, so a
  load and a seed of the same files give the same marts.

Errors name the file, the line and, where the database says, the column, and
end with what to do.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tqdm import tqdm

from customer_behaviour.contract import RAW_SCHEMA, TABLE_COLUMNS
from customer_behaviour.errors import UserError
from customer_behaviour.profile import WarehouseTarget

Mode = Literal["replace", "append"]
_BOM = codecs.BOM_UTF8
_CHUNK = 1 << 22
_FIX = "fix the file and load again; nothing was changed in raw"


@dataclass(frozen=True)
class InputFile:
    """A checked input file: its table, path, header in file order and size."""

    table: str
    path: Path
    header: tuple[str, ...]
    size: int

    @property
    def has_bom(self) -> bool:
        with self.path.open("rb") as handle:
            return handle.read(len(_BOM)) == _BOM


def check_folder(folder: Path) -> list[InputFile]:
    """Every contract file present, UTF-8, with the contract's columns; else a UserError."""
    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder; pass the folder that holds the six CSV files")
    missing = [f"{table}.csv" for table in TABLE_COLUMNS if not (folder / f"{table}.csv").is_file()]
    if missing:
        raise UserError(
            f"{folder}: missing {', '.join(missing)}; the input contract needs all six files "
            "(an empty table is a file with only the header row)"
        )
    return [_check_file(table, folder / f"{table}.csv") for table in TABLE_COLUMNS]


def _check_file(table: str, path: Path) -> InputFile:
    _check_utf8(path)
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
    if not first_line.strip():
        raise UserError(
            f"{path}: line 1: no header row; the first line must name the columns "
            f"{','.join(TABLE_COLUMNS[table])}"
        )
    header = tuple(next(csv.reader([first_line])))
    header = tuple(name.strip() for name in header)
    expected = TABLE_COLUMNS[table]
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        raise UserError(
            f"{path}: line 1: the header is not comma-separated ({header[0][:60]!r}); "
            "save the file as CSV with commas"
        )
    unknown = [name for name in header if name not in expected]
    absent = [name for name in expected if name not in header]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if absent:
        raise UserError(
            f"{path}: line 1: column {absent[0]!r} is missing"
            + (f" (found {', '.join(unknown)})" if unknown else "")
            + f"; the header must be {','.join(expected)}"
        )
    if unknown or duplicated:
        name = (unknown or duplicated)[0]
        what = "is not in the input contract" if unknown else "appears twice"
        raise UserError(
            f"{path}: line 1: column {name!r} {what}; the header must be {','.join(expected)}"
        )
    return InputFile(table, path, header, path.stat().st_size)


def _check_utf8(path: Path) -> None:
    """Stream the file through a strict UTF-8 decoder; name the line of the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    line = 1
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                line += chunk[: error.start].count(b"\n")
                raise UserError(
                    f"{path}: line {line}: byte {offset + error.start + 1} is not UTF-8 "
                    f"({chunk[error.start : error.start + 1]!r}); re-export the file as UTF-8"
                ) from error
            line += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise UserError(
                f"{path}: the file ends inside a UTF-8 character; re-export the file as UTF-8"
            ) from error


def load_folder(
    target: WarehouseTarget,
    folder: Path,
    *,
    mode: Mode = "replace",
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Load the six files into raw in one transaction; return the rows loaded per table."""
    files = check_folder(folder)
    total = sum(item.size for item in files)
    bar = tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        desc=f"loading into {RAW_SCHEMA}",
        disable=not progress,
    )
    with bar:
        if target.adapter_type == "postgres":
            counts = _load_postgres(target, files, mode, bar.update)
        elif target.adapter_type == "duckdb":
            counts = _load_duckdb(target, files, mode, bar.update)
        else:
            raise UserError(
                f"target '{target.target_name}' is of type {target.adapter_type}; the loader "
                "supports duckdb and postgres"
            )
    for table, n_rows in counts.items():
        log(f"{table:>12}: {n_rows:>12,} rows {'appended' if mode == 'append' else 'loaded'}")
    return counts


# -- PostgreSQL -------------------------------------------------------------------------------


class _ProgressReader:
    """A binary file that reports bytes read (COPY pulls it in chunks)."""

    def __init__(self, path: Path, skip: int, report: Callable[[int], Any]) -> None:
        self._handle = path.open("rb")
        self._handle.seek(skip)
        self._report = report
        report(skip)

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._report(len(data))
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._handle.readline(size)
        self._report(len(data))
        return data

    def close(self) -> None:
        self._handle.close()


def _blank_to_null_postgres(column: Any) -> Any:
    from psycopg2 import sql

    return sql.SQL(
        "case when {c} ~ '^[[:space:]]*$' or lower(btrim({c}, E' \\t\\r\\n')) = 'null' "
        "then null else {c} end"
    ).format(c=column)


def _load_postgres(
    target: WarehouseTarget, files: list[InputFile], mode: Mode, report: Callable[[int], Any]
) -> dict[str, int]:
    import psycopg2
    from psycopg2 import sql

    try:
        connection = psycopg2.connect(
            host=target.host,
            port=target.port,
            user=target.user,
            password=target.password,
            dbname=target.database,
            connect_timeout=10,
            application_name="customer-behaviour load",
        )
    except psycopg2.OperationalError as error:
        raise UserError(
            f"cannot connect to {target.describe()} ({' '.join(str(error).split())}); start "
            "PostgreSQL (docker compose up -d) and check the PG* variables"
        ) from error
    counts: dict[str, int] = {}
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("create schema if not exists {}").format(sql.Identifier(RAW_SCHEMA))
            )
            for item in files:
                columns = TABLE_COLUMNS[item.table]
                raw_table = sql.Identifier(RAW_SCHEMA, item.table)
                text_columns = sql.SQL(", ").join(
                    sql.SQL("{} text").format(sql.Identifier(name)) for name in columns
                )
                cursor.execute(
                    sql.SQL("create table if not exists {} ({})").format(raw_table, text_columns)
                )
                if mode == "replace":
                    # Emptied, not dropped: the staging views depend on it.
                    cursor.execute(sql.SQL("truncate table {}").format(raw_table))
                landing = sql.Identifier(f"landing_{item.table}")
                cursor.execute(
                    sql.SQL("create temporary table {} ({}) on commit drop").format(
                        landing,
                        sql.SQL(", ").join(
                            sql.SQL("{} text").format(sql.Identifier(name)) for name in item.header
                        ),
                    )
                )
                copy = sql.SQL(
                    "copy {} ({}) from stdin with (format csv, header true, encoding 'UTF8')"
                ).format(landing, sql.SQL(", ").join(map(sql.Identifier, item.header)))
                reader = _ProgressReader(item.path, len(_BOM) if item.has_bom else 0, report)
                try:
                    cursor.copy_expert(copy.as_string(connection), reader, size=_CHUNK)
                except psycopg2.Error as error:
                    raise UserError(_postgres_copy_message(item, error)) from error
                finally:
                    reader.close()
                counts[item.table] = cursor.rowcount
                cursor.execute(
                    sql.SQL("insert into {} ({}) select {} from {}").format(
                        raw_table,
                        sql.SQL(", ").join(map(sql.Identifier, columns)),
                        sql.SQL(", ").join(
                            _blank_to_null_postgres(sql.Identifier(name)) for name in columns
                        ),
                        landing,
                    )
                )
    finally:
        connection.close()
    return counts


def _postgres_copy_message(item: InputFile, error: Any) -> str:
    """'<file>: line N, column c: <what>' from a COPY error's CONTEXT."""
    primary = getattr(getattr(error, "diag", None), "message_primary", None) or str(error)
    context = getattr(getattr(error, "diag", None), "context", None) or ""
    where = ""
    match = re.search(r"line (\d+)(?:, column (\w+))?", context)
    if match:
        where = f"line {match.group(1)}" + (f", column {match.group(2)}" if match.group(2) else "")
    return f"{item.path}: {where + ': ' if where else ''}{primary.strip()}; {_FIX}"


# -- DuckDB -----------------------------------------------------------------------------------


def _load_duckdb(
    target: WarehouseTarget, files: list[InputFile], mode: Mode, report: Callable[[int], Any]
) -> dict[str, int]:
    import duckdb

    path = target.duckdb_path
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = duckdb.connect(str(path))
    except duckdb.Error as error:
        raise UserError(
            f"cannot open the DuckDB file {path} ({' '.join(str(error).split())}); close other "
            "programs that hold it (DBeaver, another run) and retry"
        ) from error
    quote = _duckdb_quote
    counts: dict[str, int] = {}
    try:
        connection.begin()
        connection.execute(f"create schema if not exists {quote(RAW_SCHEMA)}")
        for item in files:
            columns = TABLE_COLUMNS[item.table]
            raw_table = f"{quote(RAW_SCHEMA)}.{quote(item.table)}"
            connection.execute(
                f"create table if not exists {raw_table} "
                f"({', '.join(f'{quote(name)} varchar' for name in columns)})"
            )
            if mode == "replace":
                connection.execute(f"delete from {raw_table}")
            file_columns = (
                "{" + ", ".join(f"{_duckdb_literal(name)}: 'varchar'" for name in item.header) + "}"
            )
            reader = (
                f"read_csv({_duckdb_literal(str(item.path))}, header = true, delim = ',', "
                f"quote = '\"', escape = '\"', columns = {file_columns}, auto_detect = false, "
                "strict_mode = true, null_padding = false, encoding = 'utf-8')"
            )
            converted = ", ".join(
                f"case when regexp_full_match(coalesce({quote(name)}, ''), '[[:space:]]*') "
                f"or lower(trim({quote(name)})) = 'null' then null else {quote(name)} end"
                for name in columns
            )
            try:
                before = _duckdb_count(connection, raw_table)
                connection.execute(
                    f"insert into {raw_table} ({', '.join(map(quote, columns))}) "
                    f"select {converted} from {reader}"
                )
                counts[item.table] = _duckdb_count(connection, raw_table) - before
            except duckdb.Error as error:
                raise UserError(_duckdb_error_message(item, error)) from error
            report(item.size)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
    return counts


def _duckdb_count(connection: Any, table: str) -> int:
    return int(connection.execute(f"select count(*) from {table}").fetchone()[0])


def _duckdb_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _duckdb_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _duckdb_error_message(item: InputFile, error: Any) -> str:
    """'<file>: line N: <what>' from DuckDB's CSV error (its first lines say where and what)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = " ".join(lines)
    match = re.search(r"[Ll]ine:? (\d+)", text)
    where = f"line {match.group(1)}: " if match else ""
    details = [
        line
        for line in lines[1:]
        if not line.startswith(("Original Line", "Possible", "*", "file =", "delimiter"))
        and "=" not in line
    ]
    reason = "; ".join(details[:2]) or lines[0]
    return f"{item.path}: {where}{reason[:300]}; {_FIX}"
