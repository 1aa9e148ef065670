"""Row counts and order-independent checksums of every table in some schemas.

A table's checksum is the sum (mod 2**64) of the md5 of each row's canonical text: the same
rows in any order give the same checksum, one changed value gives another. Floats are
rounded to 9 significant digits, so a sum computed in a different order (the last bits of a
double) does not count as a change, while any real change does. Tables are listed from the
database's own catalogue, never from a list kept here.
"""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal
from typing import Any

import pandas as pd

from support.build import Build

MASK = (1 << 64) - 1
TRANSIENT_SUFFIXES = ("__dbt_tmp", "__dbt_backup", "__staged")
"""Names dbt and the Python layer give tables while they replace one; not a project table."""

Snapshot = dict[str, tuple[int, int]]
"""schema.table -> (rows, checksum)."""


def list_tables(build: Build, schemas: tuple[str, ...]) -> list[str]:
    """Every base table in the schemas, as schema.table, sorted (transient ones included)."""
    listed = ", ".join(f"'{schema}'" for schema in schemas)
    catalogue = "and table_catalog = current_database()" if build.target == "duckdb" else ""
    frame = build.frame(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({listed}) and table_type = 'BASE TABLE' {catalogue}"
    )
    return sorted(f"{row.table_schema}.{row.table_name}" for row in frame.itertuples())


def transient_tables(build: Build, schemas: tuple[str, ...]) -> list[str]:
    """Tables left by an interrupted replacement (``__dbt_tmp``, ``__dbt_backup``, ``__staged``)."""
    return [name for name in list_tables(build, schemas) if name.endswith(TRANSIENT_SUFFIXES)]


def _canonical(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        if math.isnan(value):
            return "\\N"
        if value == 0:
            return "0"
        return f"{value:.9g}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return pd.Timestamp(value).isoformat()
    if hasattr(value, "item"):
        return _canonical(value.item())
    return str(value)


def table_checksum(frame: pd.DataFrame) -> tuple[int, int]:
    """(rows, order-independent checksum) of a table read into pandas."""
    total = 0
    columns = sorted(frame.columns)
    for row in frame[columns].astype(object).itertuples(index=False, name=None):
        text = "\x1f".join(_canonical(value) for value in row)
        total = (total + int(hashlib.md5(text.encode()).hexdigest()[:16], 16)) & MASK
    return len(frame), total


def snapshot(build: Build, schemas: tuple[str, ...]) -> Snapshot:
    """Rows and checksum of every project table in the schemas (transient tables left out)."""
    result: Snapshot = {}
    for name in list_tables(build, schemas):
        if name.endswith(TRANSIENT_SUFFIXES):
            continue
        schema, table = name.split(".", 1)
        result[name] = table_checksum(build.frame(f'select * from "{schema}"."{table}"'))
    return result


def differences(first: Snapshot, second: Snapshot) -> list[str]:
    """Readable differences between two snapshots (empty when identical)."""
    problems = [f"{name}: only in the first" for name in sorted(set(first) - set(second))]
    problems += [f"{name}: only in the second" for name in sorted(set(second) - set(first))]
    for name in sorted(set(first) & set(second)):
        if first[name] != second[name]:
            (rows_a, sum_a), (rows_b, sum_b) = first[name], second[name]
            problems.append(f"{name}: {rows_a} rows #{sum_a:016x} then {rows_b} rows #{sum_b:016x}")
    return problems
