"""Readers and writers (issue 18).

DuckDB: while another process holds the warehouse file (DBeaver keeps its connection open,
read-write or read-only), `make run` stops before dbt starts with one line naming the process
and what to do; `analyze`, `report`, `load` and a plain `dbt build` name it too. Tested with
a real second process holding the file.

PostgreSQL: a `reporting` session counts the rows of every mart and analytics table in a loop
while `dbt build` and `customer-behaviour analyze` (what `make run` runs) rebuild all of them;
it never gets an error or an empty table.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support.analytics import assert_clean_error, minimal_manifest, run_cli
from support.build import Build, base_env, build_with_enrich, private_build, run_dbt
from support.paths import SEEDS_DIR
from support.security import connect_as_reporting, run_make

# Every test here opens a DuckDB file or the PostgreSQL server.
pytestmark = pytest.mark.warehouse

HOLDER = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read-only")
connection.execute("select count(*) from marts.fct_sessions").fetchall()
print("holding", flush=True)
sys.stdin.read()
"""
"""A DBeaver stand-in: opens the file, queries it, and keeps it open until stdin closes."""


@dataclass
class HeldFile:
    env: dict[str, str]
    path: Path
    holder: subprocess.Popen[str]


@pytest.fixture(params=["read-write", "read-only"])
def held_file(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HeldFile]:
    import duckdb

    env = base_env(tmp_path, "duckdb")
    path = Path(env["CUSTOMER_BEHAVIOUR_DUCKDB_PATH"])
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.fct_sessions as select 1 as session_id")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), request.param],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield HeldFile(env, path, holder)
    finally:
        holder.kill()
        holder.wait()


def assert_names_the_holder(line: str, held: HeldFile) -> None:
    for fragment in (str(held.path), f"PID {held.holder.pid}", "DBeaver", "Disconnect"):
        assert fragment in line, (fragment, line)


def test_make_run_stops_with_one_line_naming_the_holder(held_file: HeldFile) -> None:
    result = run_make(held_file.env, "run", "TARGET=duckdb")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert_names_the_holder(errors[0], held_file)
    assert "Running with dbt" not in result.stdout, "dbt started against a held file"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("analyze",),
        ("report", "--out", "insights.html"),
        ("load", "--data", str(SEEDS_DIR), "--quiet"),
    ],
    ids=lambda command: command[0],
)
def test_the_python_commands_name_the_holder(held_file: HeldFile, command: tuple[str]) -> None:
    minimal_manifest(Path(held_file.env["DBT_TARGET_PATH"]), {"fct_sessions": "marts"})
    result = run_cli(held_file.env, *command, "--target", "duckdb")
    assert_clean_error(result)
    assert_names_the_holder(result.stderr, held_file)


def test_dbt_called_directly_fails_naming_the_holder(held_file: HeldFile) -> None:
    """No preflight there: dbt's own error, which carries DuckDB's, names the process."""
    result = run_dbt(held_file.env, "build", "--target", "duckdb", check=False)
    assert result.returncode != 0
    assert f"PID {held_file.holder.pid}" in result.stdout, result.stdout[-3000:]


def test_preflight_passes_once_the_holder_disconnects(held_file: HeldFile) -> None:
    held_file.holder.kill()
    held_file.holder.wait()
    result = run_cli(held_file.env, "preflight", "--target", "duckdb")
    assert result.returncode == 0, result.stderr
    assert "is free to build" in result.stdout


@dataclass
class ReaderLog:
    """What the reporting session saw: row counts per table, every error, the longest wait."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    longest_wait_seconds: float = 0.0


def read_in_a_loop(database: str, tables: list[str], stop: threading.Event, log: ReaderLog):
    """Count the rows of each table in turn, as a DBeaver user refreshing them would."""
    import psycopg2

    connection = connect_as_reporting(database)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            while not stop.is_set():
                for table in tables:
                    started = time.monotonic()
                    try:
                        cursor.execute(f"select count(*) from {table}")
                        log.counts.setdefault(table, []).append(cursor.fetchone()[0])
                    except psycopg2.Error as error:
                        log.errors.append(f"{table}: {' '.join(str(error).split())}")
                    waited = time.monotonic() - started
                    log.longest_wait_seconds = max(log.longest_wait_seconds, waited)
    finally:
        connection.close()


def table_oids(build: Build, tables: list[str]) -> dict[str, int]:
    frame = build.frame(
        "select " + ", ".join(f"'{table}'::regclass::oid as \"{table}\"" for table in tables)
    )
    return {table: int(frame.loc[0, table]) for table in tables}


@pytest.fixture(scope="module")
def rebuild_under_a_reader(tmp_path_factory: pytest.TempPathFactory):
    build = private_build(tmp_path_factory.mktemp("readers"), "postgres", "readers")

    def make_run() -> None:
        build_with_enrich(build.env, "postgres")  # make run's build: models, enrich, the rest
        result = run_cli(build.env, "analyze", "--target", "postgres", "--quiet")
        assert result.returncode == 0, result.stderr

    make_run()
    listed = build.frame(
        "select table_schema || '.' || table_name as name from information_schema.tables"
        " where table_schema in ('marts', 'analytics') and table_name not like '%\\_\\_%'"
        " order by 1"
    )
    tables = list(listed["name"])
    before = table_oids(build, tables)
    log = ReaderLog()
    stop = threading.Event()
    reader = threading.Thread(
        target=read_in_a_loop, args=(build.env["PGDATABASE"], tables, stop, log)
    )
    reader.start()
    started = time.monotonic()
    try:
        make_run()
    finally:
        stop.set()
        reader.join(timeout=120)
    return tables, before, table_oids(build, tables), log, time.monotonic() - started


@pytest.mark.postgres
def test_a_reporting_session_never_sees_an_error_or_an_empty_table(rebuild_under_a_reader):
    tables, before, after, log, seconds = rebuild_under_a_reader
    assert any(t.startswith("marts.") for t in tables) and "analytics.conversion_drivers" in tables
    replaced = [table for table in tables if before[table] != after[table]]
    assert replaced == tables, f"not rebuilt: {sorted(set(tables) - set(replaced))}"
    assert not log.errors, f"{len(log.errors)} errors, first: {log.errors[:5]}"
    reads = Counter({table: len(log.counts.get(table, [])) for table in tables})
    assert min(reads.values()) >= 3, f"too few reads during the {seconds:.0f} s rebuild: {reads}"
    empty = {table: counts.count(0) for table, counts in log.counts.items() if 0 in counts}
    assert not empty, f"empty tables seen (times): {empty}"
    print(
        f"{sum(reads.values())} reads of {len(tables)} tables during a {seconds:.0f} s rebuild;"
        f" longest wait {log.longest_wait_seconds:.2f} s"
    )
