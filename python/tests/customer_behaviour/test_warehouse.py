"""Writing result tables back: atomic replacement, driver quoting, nothing half-done.

A second connection polls a table while it is replaced again and again; it must always see
one complete version, never a missing or partial table, and never an older version after a
newer one. On PostgreSQL the poller is a separate server session. On DuckDB it is a second
connection in the same process: DuckDB lets only one process open a file for writing, and no
other process can read it meanwhile, so within that process is where a reader can overlap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from customer_behaviour.manifest import Relation, SourceTable
from customer_behaviour.profile import WarehouseTarget, load_target
from customer_behaviour.warehouse import Columns, TableWrite, Warehouse, connect
from support.build import Build

SCHEMA = "writeback_test"
PROBE_ROWS = 5_000
SWAPS = 25
PROBE_COLUMNS: Columns = {"version": "integer", "row_number": "integer", "label": "text"}


def _probe(version: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "version": version,
            "row_number": range(PROBE_ROWS),
            "label": [f"v{version}"] * PROBE_ROWS,
        }
    )


def _table(name: str, schema: str = SCHEMA) -> SourceTable:
    return SourceTable(
        relation=Relation(schema, name),
        description="A table written by the write-back tests.",
        column_descriptions={"version": "Which write produced the row."},
    )


@pytest.fixture
def target(
    build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WarehouseTarget]:
    """The build's target as the profile gives it; DuckDB in a fresh file of its own."""
    for name, value in build.env.items():
        monkeypatch.setenv(name, value)
    if build.target == "duckdb":
        import duckdb

        path = tmp_path / "writeback.duckdb"
        duckdb.connect(str(path)).close()
        monkeypatch.setenv("CUSTOMER_BEHAVIOUR_DUCKDB_PATH", str(path))
    warehouse_target = load_target(build.target)
    yield warehouse_target
    with connect(warehouse_target) as warehouse:
        _drop_schemas(warehouse_target, warehouse, [SCHEMA, 'odd "schema"'])


def _drop_schemas(target: WarehouseTarget, warehouse: Warehouse, schemas: list[str]) -> None:
    connection: Any = warehouse._connection  # noqa: SLF001 - test cleanup only
    for schema in schemas:
        if target.adapter_type == "duckdb":
            connection.execute(f"drop schema if exists {warehouse.quote(schema)} cascade")
        else:
            from psycopg2 import sql

            with connection, connection.cursor() as cursor:
                cursor.execute(
                    sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema))
                )


def _poll_connection(target: WarehouseTarget) -> tuple[Any, Any]:
    """A second connection and a function that reads (rows, min version, max version)."""
    query = (
        f'select count(*), min(version), max(version), count(distinct label) from "{SCHEMA}".probe'
    )
    if target.adapter_type == "duckdb":
        import duckdb

        connection = duckdb.connect(str(target.duckdb_path))
        return connection, lambda: connection.execute(query).fetchone()
    import psycopg2

    connection = psycopg2.connect(
        host=target.host,
        port=target.port,
        user=target.user,
        password=target.password,
        dbname=target.database,
    )
    connection.autocommit = True

    def read() -> tuple[int, int, int, int]:
        with connection.cursor() as cursor:
            cursor.execute(query)
            return cursor.fetchone()

    return connection, read


def test_a_reader_never_sees_a_missing_or_partial_table(target: WarehouseTarget) -> None:
    probe = _table("probe")
    with connect(target) as warehouse:
        warehouse.replace_tables([TableWrite(probe, _probe(0), PROBE_COLUMNS)])
        connection, read = _poll_connection(target)
        observations: list[tuple[int, int, int, int]] = []
        errors: list[BaseException] = []
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                try:
                    observations.append(read())
                except BaseException as error:  # noqa: BLE001 - report whatever happens
                    errors.append(error)
                    return

        poller = threading.Thread(target=poll)
        poller.start()
        try:
            for version in range(1, SWAPS + 1):
                warehouse.replace_tables([TableWrite(probe, _probe(version), PROBE_COLUMNS)])
            time.sleep(0.05)
        finally:
            done.set()
            poller.join(timeout=60)
            connection.close()
    assert not errors, errors
    assert len(observations) > SWAPS
    for rows, low, high, labels in observations:
        assert (rows, labels) == (PROBE_ROWS, 1) and low == high
    versions = [low for _, low, _, _ in observations]
    assert versions == sorted(versions), "an older version was seen after a newer one"
    assert len(set(versions)) > 1, "the poller never overlapped a swap"
    assert versions[-1] == SWAPS


def test_a_failed_run_leaves_every_old_table_in_place(target: WarehouseTarget) -> None:
    first, second = _table("probe"), _table("other_probe")
    with connect(target) as warehouse:
        warehouse.replace_tables(
            [
                TableWrite(first, _probe(1), PROBE_COLUMNS),
                TableWrite(second, _probe(1), PROBE_COLUMNS),
            ]
        )
        broken = _probe(2).assign(version="not a number")
        with pytest.raises(ValueError):
            warehouse.replace_tables(
                [
                    TableWrite(first, _probe(2), PROBE_COLUMNS),
                    TableWrite(second, broken, PROBE_COLUMNS),
                ]
            )
        for table in (first, second):
            assert set(warehouse.read(table.relation)["version"]) == {1}


def test_identifiers_are_quoted_by_the_driver(target: WarehouseTarget) -> None:
    table = _table('odd "table"; drop table x', schema='odd "schema"')
    columns: Columns = {"a b": "text", "select": "float", 'quote"d': "boolean"}
    frame = pd.DataFrame({"a b": ["x", None], "select": [1.5, None], 'quote"d': [True, False]})
    with connect(target) as warehouse:
        warehouse.replace_tables([TableWrite(table, frame, columns)])
        warehouse.replace_tables([TableWrite(table, frame, columns)])
        assert warehouse.column_names(table.relation) == list(columns)
        back = warehouse.read(table.relation)
    assert back["a b"].tolist()[0] == "x" and pd.isna(back["a b"].tolist()[1])
    assert back["select"].tolist()[0] == 1.5 and pd.isna(back["select"].tolist()[1])
    assert back['quote"d'].astype(bool).tolist() == [True, False]


def test_an_empty_result_is_an_empty_typed_table(target: WarehouseTarget) -> None:
    table = _table("empty_probe")
    with connect(target) as warehouse:
        warehouse.replace_tables([TableWrite(table, _probe(0).head(0), PROBE_COLUMNS)])
        assert warehouse.exists(table.relation)
        assert warehouse.column_names(table.relation) == list(PROBE_COLUMNS)
        assert warehouse.read(table.relation).empty
