"""`customer-behaviour analyze` when something is missing: one clear line, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.analytics import assert_clean_error, minimal_manifest, run_cli, run_cli_in_process
from support.build import Build, base_env

Capture = pytest.CaptureFixture[str]


def test_an_unbuilt_project_says_to_run_dbt_build_first(tmp_path: Path) -> None:
    """As a user meets it, in a process of its own: no manifest yet."""
    env = base_env(tmp_path, "duckdb")
    result = run_cli(env, "analyze")
    assert_clean_error(result, "no dbt manifest at", str(tmp_path / "target"), "make run")


def test_a_missing_profile_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    env = {**base_env(tmp_path, "duckdb"), "DBT_PROFILES_DIR": str(tmp_path / "nowhere")}
    result = run_cli_in_process(monkeypatch, capsys, env, "analyze")
    assert_clean_error(result, "no profiles.yml in", "make install")


def test_invalid_thresholds_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    env = base_env(tmp_path, "duckdb")
    for option, value in (("--min-support", "0"), ("--min-confidence", "2"), ("--max-len", "1")):
        result = run_cli_in_process(monkeypatch, capsys, env, "analyze", option, value)
        assert_clean_error(result, option)


def test_a_missing_duckdb_file_is_named_and_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    missing = tmp_path / "missing.duckdb"
    env = {
        **base_env(tmp_path, "duckdb"),
        "DBT_TARGET_PATH": str(minimal_manifest(tmp_path / "target")),
        "CUSTOMER_BEHAVIOUR_DUCKDB_PATH": str(missing),
    }
    result = run_cli_in_process(monkeypatch, capsys, env, "analyze", "--target", "duckdb")
    assert_clean_error(result, f"no DuckDB database at {missing}", "make run")
    assert not missing.exists()


@pytest.mark.parametrize(
    ("setting", "fragments"),
    [
        ({"PGDATABASE": "customer_behaviour_no_such_db"}, ["customer_behaviour_no_such_db"]),
        ({"PGHOST": "127.0.0.1", "PGPORT": "1"}, ["127.0.0.1:1", "docker compose up -d"]),
    ],
    ids=["missing_database", "unreachable_server"],
)
def test_a_postgres_that_cannot_be_reached_is_named(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Capture,
    setting: dict[str, str],
    fragments: list[str],
) -> None:
    env = {
        **base_env(tmp_path, "postgres"),
        "DBT_TARGET_PATH": str(minimal_manifest(tmp_path / "target")),
        **setting,
    }
    result = run_cli_in_process(monkeypatch, capsys, env, "analyze", "--target", "postgres")
    assert_clean_error(result, "cannot connect to PostgreSQL", *fragments)


def test_a_target_without_marts_says_to_build_it(
    build: Build, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """The project is built, but the warehouse the target points at holds no marts."""
    env = dict(build.env)
    if build.target == "duckdb":
        import duckdb

        empty = Path(env["DBT_TARGET_PATH"]).parent / "empty.duckdb"
        duckdb.connect(str(empty)).close()
        env["CUSTOMER_BEHAVIOUR_DUCKDB_PATH"] = str(empty)
    else:
        env["PGDATABASE"] = "postgres"
    result = run_cli_in_process(monkeypatch, capsys, env, "analyze", "--target", build.target)
    assert_clean_error(result, "fct_sessions does not exist in", f"--target {build.target}")
