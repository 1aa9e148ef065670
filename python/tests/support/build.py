"""Fixtures that build the dbt project on the real databases (a pytest plugin, registered in
python/tests/conftest.py).

Each target is built once per test session from the committed sample seeds:
DuckDB into a temporary file, PostgreSQL into a fresh database
``customer_behaviour_test`` on the server the libpq variables point at. A
missing PostgreSQL skips its tests locally and fails them under CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from support.paths import PROJECT_DIR
from support.reference import EMAIL_HASH_KEY

TEST_DATABASE = os.environ.get("CUSTOMER_BEHAVIOUR_TEST_DATABASE", "customer_behaviour_test")
TARGETS = ["duckdb", "postgres"]


@dataclass
class Build:
    """A built target: how to query it and the environment dbt ran with."""

    target: str
    env: dict[str, str]
    duckdb_path: Path | None = None

    def frame(self, sql: str) -> pd.DataFrame:
        if self.target == "duckdb":
            import duckdb

            with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
                return connection.sql(sql).df()
        import psycopg2

        with psycopg2.connect(**pg_params(self.env["PGDATABASE"])) as connection:
            return pd.read_sql_query(sql, connection)

    def dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_dbt(self.env, *args, check=check)


def pg_params(database: str) -> dict[str, object]:
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": int(os.environ.get("PGPORT", "5432")),
        "user": os.environ.get("PGUSER", "root"),
        "password": os.environ.get("PGPASSWORD") or None,
        "dbname": database,
        "connect_timeout": 5,
    }


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def run_dbt(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [dbt_executable(), *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
        )
    return result


def base_env(tmp: Path, target: str) -> dict[str, str]:
    """Environment for a dbt run that touches nothing of the user's."""
    profiles = tmp / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_DIR / "profiles.example.yml", profiles / "profiles.yml")
    env = dict(os.environ)
    env.pop("CUSTOMER_BEHAVIOUR_EMAIL_SALT", None)
    env.update(
        {
            "CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY": EMAIL_HASH_KEY,
            "DBT_PROFILES_DIR": str(profiles),
            "DBT_TARGET_PATH": str(tmp / "target"),
            "DBT_LOG_PATH": str(tmp / "logs"),
            "CUSTOMER_BEHAVIOUR_TARGET": target,
            "CUSTOMER_BEHAVIOUR_PROJECT_DIR": str(PROJECT_DIR),
            "DO_NOT_TRACK": "1",
        }
    )
    if target == "duckdb":
        env["CUSTOMER_BEHAVIOUR_DUCKDB_PATH"] = str(tmp / "warehouse.duckdb")
    elif target == "spark":
        # Warehouse folder, Derby metastore and derby.log (see profiles.example.yml).
        env["CUSTOMER_BEHAVIOUR_SPARK_DIR"] = str(tmp / "spark")
    else:
        env["PGDATABASE"] = TEST_DATABASE
        env.setdefault("PGHOST", "127.0.0.1")
        env.setdefault("PGUSER", "root")
    return env


def private_build(tmp: Path, target: str, name: str) -> Build:
    """A warehouse of its own for one test module: a DuckDB file under `tmp`, or the PostgreSQL
    database `<test database>_<name>`, dropped and created empty."""
    env = base_env(tmp, target)
    if target == "postgres":
        env["PGDATABASE"] = f"{TEST_DATABASE}_{name}"
        recreate_postgres_database(env["PGDATABASE"])
    return Build(target=target, env=env, duckdb_path=tmp / "warehouse.duckdb")


def recreate_postgres_database(name: str) -> None:
    """Drop and create the test database, or skip (fail under CI) without a server."""
    import psycopg2

    admin_database = os.environ.get("PGDATABASE", "postgres")
    if admin_database == name:
        admin_database = "postgres"
    try:
        connection = psycopg2.connect(**pg_params(admin_database))
    except psycopg2.OperationalError as error:
        message = f"PostgreSQL is not reachable ({' '.join(str(error).split())})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI requires it")
        pytest.skip(f"{message}; start it (docker compose up -d) to run these tests")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'drop database if exists "{name}" with (force)')
        cursor.execute(f'create database "{name}"')
    connection.close()


def build_target(tmp_path_factory: pytest.TempPathFactory, target: str) -> Build:
    """Build the project from the sample seeds on a target (dbt build: seeds, models, tests)."""
    tmp = tmp_path_factory.mktemp(f"build_{target}")
    if target == "postgres":
        recreate_postgres_database(TEST_DATABASE)
    env = base_env(tmp, target)
    build_with_enrich(env, target)
    return Build(target=target, env=env, duckdb_path=tmp / "warehouse.duckdb")


REFERENCE_MODELS = "source:reference+"
"""What reads the reference tables that `customer-behaviour enrich` writes."""
EXAMPLE_STATISTICS = PROJECT_DIR / "examples" / "enrichment" / "country_statistics_made_up.csv"
"""The made-up statistics file the project ships; the test builds load it."""


def run_enrich(env: dict[str, str], target: str, *args: str) -> subprocess.CompletedProcess:
    """``customer-behaviour enrich`` as ``make run`` runs it (a test failure when it fails)."""
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("customer-behaviour")),
            "enrich",
            "--target",
            target,
            "--quiet",
            *args,
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"enrich failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def build_with_enrich(env: dict[str, str], target: str, *dbt_args: str) -> None:
    """``make run``'s build: everything but the reference models, enrich, then those."""
    run_dbt(env, "build", "--target", target, *dbt_args, "--exclude", REFERENCE_MODELS)
    run_enrich(env, target, "--statistics", str(EXAMPLE_STATISTICS))
    run_dbt(env, "build", "--target", target, *dbt_args, "--select", REFERENCE_MODELS)


@pytest.fixture(scope="session")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The DuckDB build, shared by the per-target tests and the Spark equality check."""
    return build_target(tmp_path_factory, "duckdb")


@pytest.fixture(scope="session", params=TARGETS)
def build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The project built from the sample seeds on each target (dbt build: seeds, models, tests)."""
    if request.param == "duckdb":
        return request.getfixturevalue("duckdb_build")
    return build_target(tmp_path_factory, request.param)


@pytest.fixture(autouse=True)
def _no_user_profile_leaks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("CUSTOMER_BEHAVIOUR_EMAIL_SALT", raising=False)
    yield
