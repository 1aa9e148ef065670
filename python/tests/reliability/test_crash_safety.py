"""Killed runs and dropped connections on PostgreSQL leave every table complete.

Starting from a copy of the planted build's database (data A, built twice), the raw tables
are reloaded with a different shop (data B). Then:

* `dbt build` is killed (SIGKILL) once a mart has been rebuilt: every table of marts,
  intermediate and analytics must equal its state before (A) or after a clean run on B;
  the next run completes normally and leaves no ``__dbt_tmp``/``__dbt_backup`` behind.
* `customer-behaviour analyze` is killed while writing its staged tables, and again inside
  the swap; its connection is also terminated by the server (pg_terminate_backend) in both
  places. The analytics tables stay exactly as they were, a dropped connection gives one
  `error:` line that says to run again, and the next run writes the new results.

To stop `analyze` at a known point, a second session holds a lock on one of its tables:
the command waits there, is killed (or disconnected), then the lock is released.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.analytics import assert_clean_error
from support.build import TEST_DATABASE, Build, dbt_executable, pg_params
from support.checksums import Snapshot, differences, snapshot, transient_tables
from support.reliability import NEW_DATA_SEED, NO_SEEDS, RUN_SCHEMAS, generate_base, load

pytestmark = [pytest.mark.warehouse, pytest.mark.postgres]

TABLE_SCHEMAS = ("marts", "intermediate", "analytics")
"""Every schema of tables the pipeline builds (raw is the input, staging holds views)."""
ANALYZE_APPLICATION = "customer-behaviour analyze"
WAIT_SECONDS = 600


def _admin() -> Any:
    import psycopg2

    connection = psycopg2.connect(**pg_params(os.environ.get("PGDATABASE", "postgres")))
    connection.autocommit = True
    return connection


def _sessions_on(database: str) -> list[tuple[int, str]]:
    with _admin() as connection, connection.cursor() as cursor:
        cursor.execute(
            "select pid, application_name from pg_stat_activity "
            "where datname = %s and pid <> pg_backend_pid()",
            (database,),
        )
        rows = cursor.fetchall()
    connection.close()
    return rows


def _wait_until_no_session(database: str) -> None:
    """The server has finished with (and rolled back) a killed client's transaction."""
    deadline = time.monotonic() + WAIT_SECONDS
    while _sessions_on(database):
        assert time.monotonic() < deadline, f"sessions stay open on {database}"
        time.sleep(0.2)


@dataclass
class CrashBuild:
    """The copied database, and its tables' state (data A) before anything was interrupted."""

    build: Build
    old: Snapshot


@pytest.fixture(scope="module")
def crash_build(planted_builds, tmp_path_factory: pytest.TempPathFactory) -> CrashBuild:
    """A copy of the planted PostgreSQL build (data A, run twice) with data B loaded in raw."""
    import psycopg2

    planted = planted_builds("postgres")
    source = planted.build.env["PGDATABASE"]
    database = f"{TEST_DATABASE}_crash"
    _wait_until_no_session(source)
    connection = _admin()
    with connection.cursor() as cursor:
        cursor.execute(f'drop database if exists "{database}" with (force)')
        try:
            cursor.execute(f'create database "{database}" template "{source}"')
        except psycopg2.errors.ObjectInUse:
            pytest.fail(f"{source} is still in use; cannot copy it")
    connection.close()
    tmp = tmp_path_factory.mktemp("crash")
    env = dict(planted.build.env, PGDATABASE=database)
    build = Build(target="postgres", env=env)
    old = planted.runs[-1] | snapshot(build, ("intermediate",))
    load(build, generate_base(tmp / "data_b", seed=NEW_DATA_SEED), "--quiet")
    return CrashBuild(build, old)


def _log_path(build: Build) -> Path:
    return Path(build.env["DBT_LOG_PATH"]) / "dbt.log"


def _kill_dbt_after_first_mart(build: Build) -> str:
    """Start `dbt build`, SIGKILL it once a mart table is created; return what it had logged."""
    log = _log_path(build)
    start = log.stat().st_size if log.exists() else 0
    process = subprocess.Popen(
        [dbt_executable(), "build", "--target", "postgres", "--vars", NO_SEEDS],
        cwd=build.env["CUSTOMER_BEHAVIOUR_PROJECT_DIR"],
        env=build.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    written = ""
    try:
        while "OK created sql table model marts." not in written:
            assert process.poll() is None, "dbt finished before a mart was rebuilt"
            assert time.monotonic() < deadline, "no mart was rebuilt in time"
            time.sleep(0.05)
            if log.exists():
                with log.open(encoding="utf-8", errors="replace") as handle:
                    handle.seek(start)
                    written = handle.read()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    return written


def test_a_killed_dbt_run_leaves_each_table_old_or_new(crash_build: CrashBuild) -> None:
    build, old = crash_build.build, crash_build.old
    logged = _kill_dbt_after_first_mart(build)
    _wait_until_no_session(build.env["PGDATABASE"])
    killed = snapshot(build, TABLE_SCHEMAS)
    leftovers = transient_tables(build, TABLE_SCHEMAS)

    result = build.dbt("build", "--target", "postgres", "--vars", NO_SEEDS, check=False)
    assert result.returncode == 0, "the run after the kill failed:\n" + result.stdout[-4000:]
    new = snapshot(build, TABLE_SCHEMAS) | {
        name: value for name, value in old.items() if name.startswith("analytics.")
    }
    assert not transient_tables(build, TABLE_SCHEMAS), "the next run left temporary tables"

    assert set(killed) == set(old) == set(new), differences(killed, old)
    torn = [
        f"{name}: {killed[name]} is neither the old {old[name]} nor the new {new[name]}"
        for name in killed
        if killed[name] not in (old[name], new[name])
    ]
    assert not torn, "\n".join(torn)
    changed = [name for name in old if old[name] != new[name]]
    assert len(changed) > len(old) // 2, "data B should change most tables"
    still_old = [name for name in changed if killed[name] == old[name]]
    already_new = [name for name in changed if killed[name] == new[name]]
    assert already_new and still_old, (
        f"the kill should land mid-run (new: {already_new}, old: {still_old}, "
        f"left behind: {leftovers}); dbt logged:\n{logged[-2000:]}"
    )


@contextmanager
def _lock_held(build: Build, setup: str, statement: str) -> Iterator[Any]:
    """A session that commits `setup`, then runs `statement` and keeps its transaction open."""
    import psycopg2

    connection = psycopg2.connect(**pg_params(build.env["PGDATABASE"]))
    try:
        with connection.cursor() as cursor:
            if setup:
                cursor.execute(setup)
                connection.commit()
            cursor.execute(statement)
        yield connection
    finally:
        connection.rollback()
        connection.close()


def _start_analyze(build: Build) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "customer_behaviour", "analyze", "--target", "postgres", "--quiet"],
        cwd=build.env["CUSTOMER_BEHAVIOUR_PROJECT_DIR"],
        env=build.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_lock_wait(build: Build, process: subprocess.Popen[str], query_start: str) -> int:
    """The pid of analyze's backend once it waits for a lock in a statement starting so."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        assert process.poll() is None, f"analyze ended before it blocked: {process.communicate()}"
        assert time.monotonic() < deadline, "analyze never reached the locked table"
        with _admin() as connection, connection.cursor() as cursor:
            cursor.execute(
                "select pid from pg_stat_activity where datname = %s and application_name = %s "
                "and wait_event_type = 'Lock' and query ilike %s",
                (build.env["PGDATABASE"], ANALYZE_APPLICATION, query_start + "%"),
            )
            row = cursor.fetchone()
        connection.close()
        if row:
            return int(row[0])
        time.sleep(0.1)


# Stop analyze while it writes staged tables (two are written, the third is locked), and
# inside the swap (three tables already dropped and renamed in the open transaction).
BLOCK_POINTS = {
    "staging": (
        "create table if not exists analytics.conversion_drivers__staged (x int)",
        "select * from analytics.conversion_drivers__staged",
    ),
    "swap": ("", "select * from analytics.spend_drivers"),
}


@pytest.mark.parametrize("how", ["killed", "disconnected"])
@pytest.mark.parametrize("where", list(BLOCK_POINTS))
def test_an_interrupted_analyze_leaves_the_old_tables(
    crash_build: CrashBuild, where: str, how: str
) -> None:
    build = crash_build.build
    before = snapshot(build, ("analytics",))
    with _lock_held(build, *BLOCK_POINTS[where]) as holder:
        process = _start_analyze(build)
        pid = _wait_for_lock_wait(build, process, "drop table if exists")
        if how == "killed":
            process.send_signal(signal.SIGKILL)
            process.wait()
        else:
            with holder.cursor() as cursor:
                cursor.execute("select pg_terminate_backend(%s)", (pid,))
            stdout, stderr = process.communicate(timeout=WAIT_SECONDS)
    _wait_until_no_session(build.env["PGDATABASE"])
    assert snapshot(build, ("analytics",)) == before, "the analytics tables changed"
    if how == "disconnected":
        result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        assert_clean_error(result, "lost the connection", "run the command again")


def test_analyze_runs_normally_after_interruptions(crash_build: CrashBuild) -> None:
    build = crash_build.build
    before = snapshot(build, ("analytics",))
    process = _start_analyze(build)
    stdout, stderr = process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 0, stderr
    after = snapshot(build, ("analytics",))
    assert set(after) == set(before)
    assert differences(before, after), "data B should give new analytics results"
    assert not transient_tables(build, RUN_SCHEMAS), "staged tables were left behind"
