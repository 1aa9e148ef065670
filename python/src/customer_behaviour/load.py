"""Bulk-load a folder of input CSVs into schema ``raw`` (COPY on PostgreSQL, read_csv on DuckDB).

dbt seeds insert row by row and suit the committed sample only. This loader
puts the six files of the input contract into ``raw`` as text columns, so that
staging's validation and quarantine apply exactly as they do to seeds:

* every file must be present, UTF-8 (a BOM is accepted), with a header of
  exactly the contract's columns (in any order), and every record must have as
  many fields as the header, quotes only around whole values and closed, no
  blank line, no NUL byte, one kind of line ending. PostgreSQL's COPY and
  DuckDB's CSV reader disagree on several of these (DuckDB skips blank lines
  and keeps NUL bytes, COPY rejects both; COPY drops a quote inside an unquoted
  value, DuckDB keeps it; their messages name different lines), so the loader
  decides, the same way on both targets, and names the line and column. It
  does so in two steps: before anything is written, a whole-file byte scan
  (csv_scan) clears the rules about bytes, quotes and lines and counts the
  records; the database's strict CSV reader then holds each record to the
  header's number of fields. A file the scan does not clear, or that the
  database refuses, is read record by record (check_csv) for the message
  naming its line and column;
* all six tables are replaced (or appended to) in ONE transaction: a file that
  fails half-way (a row with too many fields, say) rolls everything back and
  ``raw`` stays as it was;
* the rows each table received are compared with the records the check
  counted: a row the database skipped stops the load instead of going missing;
* values are stored as dbt seeds store them: a field that is blank or the word
  ``null`` (any case) becomes NULL, everything else is kept verbatim, so a
  load and a seed of the same files give the same marts;
* every load is a batch: each row it writes carries the batch id and load time
  (``_load_id``, ``_loaded_at``: the loader's columns, not the contract's), and
  ``raw.load_batches`` gets one row (id, time, mode, rows per file), in the same
  transaction. A replacing load empties it first, as it empties the tables: it
  lists the batches raw holds. Incremental runs read only the rows of batches
  they have not processed (models/base/manifest).

Errors name the file, the line and, where the database says, the column, and
end with what to do.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from tqdm import tqdm

from customer_behaviour.contract import (
    LOAD_BATCHES_TABLE,
    LOAD_ID_COLUMN,
    LOADED_AT_COLUMN,
    RAW_SCHEMA,
    TABLE_COLUMNS,
)
from customer_behaviour.csv_scan import scan_csv
from customer_behaviour.errors import UserError
from customer_behaviour.profile import WarehouseTarget

Mode = Literal["replace", "append"]
_BOM = codecs.BOM_UTF8
_CHUNK = 1 << 22
# COPY takes a field of up to 1 GB; DuckDB's reader stops at 2 MB lines unless told.
# Over-long values are loaded and quarantined by staging (oversized_<column>).
_DUCKDB_MAX_LINE_BYTES = 1 << 30
_LINE_ENDINGS = {"\r\n": "CRLF (Windows)", "\n": "LF (Unix)", "\r": "CR (old Mac)"}
_FIX = "fix the file and load again; nothing was changed in raw"


@dataclass(frozen=True)
class Batch:
    """One load: its id (sortable by time), when it ran (UTC) and its mode."""

    load_id: str
    loaded_at: datetime
    mode: Mode

    @classmethod
    def new(cls, mode: Mode) -> Batch:
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        return cls(f"{loaded_at:%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}", loaded_at, mode)


def batch_columns() -> tuple[tuple[str, str], ...]:
    """raw.load_batches' columns and their SQL types (the same on DuckDB and PostgreSQL)."""
    return (
        ("load_id", "varchar"),
        ("loaded_at", "timestamp"),
        ("load_mode", "varchar"),
        *((f"{table}_row_count", "bigint") for table in TABLE_COLUMNS),
    )


@dataclass(frozen=True)
class InputFile:
    """A checked input file: its table, path, header in file order, size and data records;
    `read_in_full` when check_csv has read every record (else the byte scan cleared it and
    the database's strict reader checks the fields per record)."""

    table: str
    path: Path
    header: tuple[str, ...]
    size: int
    records: int
    read_in_full: bool = True

    @property
    def has_bom(self) -> bool:
        with self.path.open("rb") as handle:
            return handle.read(len(_BOM)) == _BOM


def check_folder(folder: Path) -> list[InputFile]:
    """Every contract file present, UTF-8, with the contract's columns and clean bytes, quotes
    and lines (records read one by one where the byte scan does not clear the file); else a
    UserError. The number of fields per record is left to the database's strict reader."""
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
    expected = TABLE_COLUMNS[table]
    scan = scan_csv(path)
    if scan is None:
        header, records = check_csv(path, expected)
        return InputFile(table, path, header, path.stat().st_size, records)
    header = _check_header(path, expected)
    return InputFile(table, path, header, path.stat().st_size, scan.records, read_in_full=False)


def check_csv(path: Path, expected: tuple[str, ...]) -> tuple[tuple[str, ...], int]:
    """A UTF-8 CSV with exactly the expected columns (any order) and well-formed records:
    its header and number of records, else a UserError naming the file, line and column."""
    _check_utf8(path)
    header = _check_header(path, expected)
    return header, _check_records(path, header)


def _check_header(path: Path, expected: tuple[str, ...]) -> tuple[str, ...]:
    """The header of a UTF-8 file if it names exactly the expected columns, else a UserError."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
    if not first_line.strip():
        raise UserError(
            f"{path}: line 1: no header row; the first line must name the columns "
            f"{','.join(expected)}"
        )
    header = tuple(next(csv.reader([first_line])))
    header = tuple(name.strip() for name in header)
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        raise UserError(
            f"{path}: line 1: the header is not comma-separated ({header[0][:60]!r}); "
            "save the file as CSV with commas"
        )
    unknown = [name for name in header if name not in expected]
    absent = [name for name in expected if name not in header]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if len(absent) == len(expected):
        raise UserError(
            f"{path}: line 1: no header row (line 1 holds {first_line.strip()[:60]!r}, not "
            f"column names); add the header {','.join(expected)} as the first line"
        )
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
    return header


class _LineEndings:
    """The file's lines (for csv.reader), remembering the current record's text and ending."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self.last_ending = ""
        self.line = 0
        self.record: list[str] = []

    def __iter__(self) -> _LineEndings:
        return self

    def __next__(self) -> str:
        text = next(self._handle)
        self.line += 1
        self.record.append(text)
        if text.endswith("\r\n"):
            self.last_ending = "\r\n"
        elif text.endswith(("\n", "\r")):
            self.last_ending = text[-1]
        else:
            self.last_ending = ""
        return text


def _check_records(path: Path, header: tuple[str, ...]) -> int:
    """Every record has the header's fields, closed quotes, no NUL; return the data records."""
    # Python's csv stops at 128 KiB fields; COPY and DuckDB (as configured) take 1 GiB.
    csv.field_size_limit(max(csv.field_size_limit(), _DUCKDB_MAX_LINE_BYTES))
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        lines = _LineEndings(handle)
        reader = csv.reader(lines, strict=True)
        records = 0
        ending = None
        while True:
            start = lines.line + 1
            lines.record = []
            try:
                fields = next(reader)
            except StopIteration:
                return records
            except csv.Error as error:
                column = _quote_problem_column(path, start, header)
                raise UserError(
                    f"{path}: line {start}{column}: a quoted value is not closed or has text "
                    f"after its closing quote ({error}); quote the whole value and double the "
                    'quotes inside it ("")'
                ) from error
            if ending is None:
                ending = lines.last_ending
                continue
            if lines.last_ending and ending and lines.last_ending != ending:
                found, wanted = _LINE_ENDINGS[lines.last_ending], _LINE_ENDINGS[ending]
                raise UserError(
                    f"{path}: line {lines.line}: the line ends in {found} but the header in "
                    f"{wanted}; save the file with one kind of line ending"
                )
            records += 1
            if not fields:
                raise UserError(
                    f"{path}: line {start}: blank line; delete it (a row of missing values is "
                    "a line of commas)"
                )
            if len(fields) != len(header):
                if len(fields) > len(header):
                    where = f"{len(fields) - len(header)} field(s) after column {header[-1]!r}"
                else:
                    where = f"column {header[len(fields)]!r} and after are missing"
                raise UserError(
                    f"{path}: line {start}: {len(fields)} field(s) where the header has "
                    f"{len(header)} ({where}); quote values that contain commas and check the "
                    "delimiter"
                )
            for name, value in zip(header, fields, strict=True):
                if "\x00" in value:
                    raise UserError(
                        f"{path}: line {start}, column {name!r}: a NUL byte (0x00); remove it "
                        "(PostgreSQL cannot store it in text)"
                    )
            if any('"' in value for value in fields):
                stray = _quote_problem_field("".join(lines.record))
                if stray is not None:
                    # COPY would drop such a quote and DuckDB keep it: neither guess is safe.
                    raise UserError(
                        f"{path}: line {start}, column {header[stray]!r}: a quote inside a value "
                        "that does not start with one; quote the whole value and double the "
                        'quotes inside it ("")'
                    )


def _quote_problem_field(text: str) -> int | None:
    """Index of the first field of a record's text whose quoting is wrong, if any: a quote
    inside a value that does not start with one, text after a closing quote, or a quote that
    is never closed (the field it opens)."""
    field = 0
    quoted = False
    at_field_start = True
    position = 0
    while position < len(text):
        char = text[position]
        position += 1
        if quoted:
            if char == '"':
                if text[position : position + 1] == '"':
                    position += 1
                else:
                    quoted = False
                    if text[position : position + 1] not in (",", "\r", "\n", ""):
                        return field
            continue
        if char == '"':
            if not at_field_start:
                return field
            quoted = True
        elif char == ",":
            field += 1
            at_field_start = True
            continue
        at_field_start = False
    return field if quoted else None


def _quote_problem_column(path: Path, line_number: int, header: tuple[str, ...]) -> str:
    """', column <name>' of the field whose quoting is wrong on that line, if known."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        text = next(itertools.islice(handle, line_number - 1, None), "")
    problem = _quote_problem_field(text)
    if problem is None or problem >= len(header):
        return ""
    return f", column {header[problem]!r}"


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
                line_start = chunk.rfind(b"\n", 0, error.start) + 1
                column = _column_before(path, chunk[line_start : error.start]) if line > 1 else ""
                raise UserError(
                    f"{path}: line {line}{column}: byte {offset + error.start + 1} is not UTF-8 "
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


def _column_before(path: Path, prefix: bytes) -> str:
    """', column <name>' of the field a line's bytes `prefix` ends in (header names, if any)."""
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader([handle.readline()]), [])
    field = 0
    quoted = False
    for char in prefix.decode("utf-8", errors="replace"):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            field += 1
    return f", column {header[field].strip()!r}" if field < len(header) else ""


def load_folder(
    target: WarehouseTarget,
    folder: Path,
    *,
    mode: Mode = "replace",
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Load the six files into raw in one transaction; return the rows loaded per table."""
    try:
        files = check_folder(folder)
    except UserError as error:
        raise UserError(f"{error}; nothing was changed in raw") from error
    total = sum(item.size for item in files)
    bar = tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        desc=f"loading into {RAW_SCHEMA}",
        disable=not progress,
    )
    batch = Batch.new(mode)
    try:
        with bar:
            if target.adapter_type == "postgres":
                counts = _load_postgres(target, files, batch, bar.update)
            elif target.adapter_type == "duckdb":
                counts = _load_duckdb(target, files, batch, bar.update)
            else:
                raise UserError(
                    f"target '{target.target_name}' is of type {target.adapter_type}; the "
                    "loader supports duckdb and postgres"
                )
    except _Refused as refused:
        # Rolled back by now: read the file record by record for the line and column.
        raise refused.precise_error() from refused
    for table, n_rows in counts.items():
        log(f"{table:>12}: {n_rows:>12,} rows {'appended' if mode == 'append' else 'loaded'}")
    log(f"{'batch':>12}: {batch.load_id}")
    return counts


class _Refused(Exception):
    """The database refused a file (or read another number of rows than it holds): the load
    rolls back, then precise_error reads the file for the message."""

    def __init__(self, item: InputFile, message: str) -> None:
        super().__init__(message)
        self.item = item
        self.message = message

    def precise_error(self) -> UserError:
        """check_csv's message if it finds the problem (the line and column), else the
        database's."""
        if not self.item.read_in_full:
            try:
                check_csv(self.item.path, TABLE_COLUMNS[self.item.table])
            except UserError as error:
                return UserError(f"{error}; nothing was changed in raw")
        return UserError(self.message)


def _require_every_record(item: InputFile, loaded: int) -> None:
    """Refused (the load rolls back) unless the table received every record counted."""
    if loaded != item.records:
        raise _Refused(
            item,
            f"{item.path}: the database read {loaded:,} rows but the file holds "
            f"{item.records:,} records; nothing was changed in raw; please report this with "
            "the file's first lines",
        )


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
    target: WarehouseTarget, files: list[InputFile], batch: Batch, report: Callable[[int], Any]
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
                # Tables created by dbt seed or an older loader get the batch columns here.
                cursor.execute(
                    sql.SQL(
                        "alter table {} add column if not exists {} text, "
                        "add column if not exists {} timestamp"
                    ).format(
                        raw_table, sql.Identifier(LOAD_ID_COLUMN), sql.Identifier(LOADED_AT_COLUMN)
                    )
                )
                if batch.mode == "replace":
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
                    raise _Refused(item, _postgres_copy_message(item, error)) from error
                finally:
                    reader.close()
                counts[item.table] = cursor.rowcount
                _require_every_record(item, counts[item.table])
                cursor.execute(
                    sql.SQL("insert into {} ({}) select {}, %s, %s from {}").format(
                        raw_table,
                        sql.SQL(", ").join(
                            map(sql.Identifier, (*columns, LOAD_ID_COLUMN, LOADED_AT_COLUMN))
                        ),
                        sql.SQL(", ").join(
                            _blank_to_null_postgres(sql.Identifier(name)) for name in columns
                        ),
                        landing,
                    ),
                    (batch.load_id, batch.loaded_at),
                )
                # Planner statistics now, not when autovacuum gets to it: the first build
                # reads these tables right away.
                cursor.execute(sql.SQL("analyze {}").format(raw_table))
            batches = sql.Identifier(RAW_SCHEMA, LOAD_BATCHES_TABLE)
            for statement, parameters in _batch_statements(batch, counts, "%s"):
                cursor.execute(sql.SQL(statement).format(batches=batches), parameters)
    finally:
        connection.close()
    return counts


def _batch_statements(
    batch: Batch, counts: dict[str, int], placeholder: str
) -> list[tuple[str, tuple[Any, ...]]]:
    """SQL (a `{batches}` placeholder for the table, `placeholder` for the driver's parameter
    marker) recording the batch in raw.load_batches: created if need be, emptied by a
    replacing load, then the batch's row."""
    columns = batch_columns()
    values = (batch.load_id, batch.loaded_at, batch.mode, *(counts[t] for t in TABLE_COLUMNS))
    statements: list[tuple[str, tuple[Any, ...]]] = [
        (
            "create table if not exists {batches} ("
            + ", ".join(f"{name} {kind}" for name, kind in columns)
            + ")",
            (),
        )
    ]
    if batch.mode == "replace":
        statements.append(("delete from {batches}", ()))
    statements.append(
        (
            "insert into {batches} ("
            + ", ".join(name for name, _ in columns)
            + ") values ("
            + ", ".join(placeholder for _ in columns)
            + ")",
            values,
        )
    )
    return statements


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
    target: WarehouseTarget, files: list[InputFile], batch: Batch, report: Callable[[int], Any]
) -> dict[str, int]:
    import duckdb

    path = target.duckdb_path
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = duckdb.connect(str(path))
    except duckdb.Error as error:
        from customer_behaviour.preflight import duckdb_open_error

        raise duckdb_open_error(path, error) from error
    target.apply_duckdb_settings(connection)
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
            # Tables created by dbt seed or an older loader get the batch columns here.
            for name, kind in ((LOAD_ID_COLUMN, "varchar"), (LOADED_AT_COLUMN, "timestamp")):
                connection.execute(
                    f"alter table {raw_table} add column if not exists {quote(name)} {kind}"
                )
            if batch.mode == "replace":
                connection.execute(f"delete from {raw_table}")
            file_columns = (
                "{" + ", ".join(f"{_duckdb_literal(name)}: 'varchar'" for name in item.header) + "}"
            )
            reader = (
                f"read_csv({_duckdb_literal(str(item.path))}, header = true, delim = ',', "
                f"quote = '\"', escape = '\"', columns = {file_columns}, auto_detect = false, "
                "strict_mode = true, null_padding = false, encoding = 'utf-8', "
                f"max_line_size = {_DUCKDB_MAX_LINE_BYTES})"
            )
            converted = ", ".join(
                f"case when regexp_full_match(coalesce({quote(name)}, ''), '[[:space:]]*') "
                f"or lower(trim({quote(name)})) = 'null' then null else {quote(name)} end"
                for name in columns
            )
            try:
                before = _duckdb_count(connection, raw_table)
                stamped = (*columns, LOAD_ID_COLUMN, LOADED_AT_COLUMN)
                connection.execute(
                    f"insert into {raw_table} ({', '.join(map(quote, stamped))}) "
                    f"select {converted}, ?, ? from {reader}",
                    [batch.load_id, batch.loaded_at],
                )
                counts[item.table] = _duckdb_count(connection, raw_table) - before
                _require_every_record(item, counts[item.table])
            except duckdb.Error as error:
                raise _Refused(item, _duckdb_error_message(item, error)) from error
            report(item.size)
        batches = f"{quote(RAW_SCHEMA)}.{quote(LOAD_BATCHES_TABLE)}"
        for statement, parameters in _batch_statements(batch, counts, "?"):
            connection.execute(statement.format(batches=batches), list(parameters))
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
