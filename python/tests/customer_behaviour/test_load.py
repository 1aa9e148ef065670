"""The bulk loader: bad files stop with a clear message and change nothing; a load of the
sample gives exactly the marts that seeding it gives; each load is a batch (its rows
stamped, raw.load_batches), and seeding after loading replaces the loaded data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from customer_behaviour.contract import TABLE_COLUMNS
from customer_behaviour.csv_scan import scan_csv
from customer_behaviour.errors import UserError
from customer_behaviour.load import check_csv, check_folder, load_folder
from customer_behaviour.profile import WarehouseTarget
from support.build import (
    EXAMPLE_STATISTICS,
    REFERENCE_MODELS,
    TEST_DATABASE,
    Build,
    base_env,
    private_build,
    recreate_postgres_database,
    run_dbt,
    run_enrich,
)
from support.paths import SEEDS_DIR


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("customer-behaviour")), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "csv"
    folder.mkdir()
    for table in TABLE_COLUMNS:
        shutil.copy(SEEDS_DIR / f"{table}.csv", folder / f"{table}.csv")
    return folder


def _write(path: Path, content: bytes) -> None:
    path.write_bytes(content)


@pytest.mark.parametrize(
    ("table", "content", "expected"),
    [
        (
            "events",
            b"event_id,session_id,event_at,event_type,product_id\n",
            "column 'page' is missing",
        ),
        (
            "orders",
            b"order_id,session_id,customer_id,ordered_at,order_total_usd,status,note\n",
            "column 'note' is not in the input contract",
        ),
        (
            "products",
            b"product_id;product_name;category;price_usd;cost_usd\n",
            "not comma-separated",
        ),
        ("customers", b"customer_id,signup_at,country,email\nc1,2024-01-01,DE,\xe9@x\n", "line 2"),
        ("sessions", b"", "no header row"),
    ],
)
def test_malformed_file_is_named_with_line_and_column(
    sample_copy: Path, table: str, content: bytes, expected: str
) -> None:
    _write(sample_copy / f"{table}.csv", content)
    with pytest.raises(UserError) as error:
        check_folder(sample_copy)
    message = str(error.value)
    assert f"{table}.csv" in message
    assert expected in message


def test_missing_file_is_named(sample_copy: Path) -> None:
    (sample_copy / "order_items.csv").unlink()
    with pytest.raises(UserError, match="order_items.csv"):
        check_folder(sample_copy)


def test_header_with_bom_and_reordered_columns_is_accepted(sample_copy: Path) -> None:
    frame = pd.read_csv(sample_copy / "products.csv", dtype=str, keep_default_na=False)
    reordered = frame[list(reversed(frame.columns))]
    text = reordered.to_csv(index=False)
    _write(sample_copy / "products.csv", b"\xef\xbb\xbf" + text.encode())
    files = {item.table: item for item in check_folder(sample_copy)}
    assert files["products"].has_bom
    assert files["products"].header == tuple(reversed(TABLE_COLUMNS["products"]))


@pytest.fixture(params=["duckdb", "postgres"])
def empty_target(request: pytest.FixtureRequest, tmp_path: Path) -> WarehouseTarget:
    if request.param == "duckdb":
        return WarehouseTarget("duckdb", "duckdb", duckdb_path=tmp_path / "load.duckdb")
    database = f"{TEST_DATABASE}_load"
    recreate_postgres_database(database)
    env = base_env(tmp_path, "postgres")
    return WarehouseTarget(
        "postgres",
        "postgres",
        host=env["PGHOST"],
        port=int(env.get("PGPORT", "5432")),
        user=env["PGUSER"],
        password=env.get("PGPASSWORD") or None,
        database=database,
    )


def _raw_counts(target: WarehouseTarget) -> dict[str, int]:
    queries = {table: f"select count(*) from raw.{table}" for table in TABLE_COLUMNS}
    if target.adapter_type == "duckdb":
        import duckdb

        with duckdb.connect(str(target.duckdb_path)) as connection:
            return {t: connection.execute(q).fetchone()[0] for t, q in queries.items()}
    import psycopg2

    with (
        psycopg2.connect(
            host=target.host, port=target.port, user=target.user, dbname=target.database
        ) as connection,
        connection.cursor() as cursor,
    ):
        counts = {}
        for table, query in queries.items():
            cursor.execute(query)
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.mark.warehouse
def test_bad_row_rolls_back_the_whole_load(
    empty_target: WarehouseTarget, sample_copy: Path
) -> None:
    first = load_folder(empty_target, sample_copy, progress=False, log=lambda _: None)
    with (sample_copy / "customers.csv").open("ab") as handle:
        handle.write(b"c999999,2024-01-01,DE,x@example.com,EXTRA\n")
    with pytest.raises(UserError) as error:
        load_folder(empty_target, sample_copy, progress=False, log=lambda _: None)
    message = str(error.value)
    assert "customers.csv" in message and "line" in message
    assert "nothing was changed" in message
    assert _raw_counts(empty_target) == first


@pytest.mark.warehouse
@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (b"c999999,2024-01-01,DE\n", "3 field(s) where the header has 4 (column 'email'"),
        # COPY ends its input at a line '\.' and reads no error: the row count stops it.
        (
            b"\\.\nc999999,2024-01-01,DE,x@example.com\n",
            "1 field(s) where the header has 4 (column 'signup_at'",
        ),
    ],
    ids=["a field missing", "COPY's end-of-data marker"],
)
def test_a_file_the_scan_clears_but_the_database_refuses_gets_the_checks_message(
    empty_target: WarehouseTarget, sample_copy: Path, row: bytes, expected: str
) -> None:
    """The byte scan leaves the fields per record to the database: when it refuses the file
    (or reads fewer rows than the scan counted), the load rolls back and the message is the
    record-by-record check's, naming the line and the column."""
    first = load_folder(empty_target, sample_copy, progress=False, log=lambda _: None)
    path = sample_copy / "customers.csv"
    with path.open("ab") as handle:
        handle.write(row)
    assert scan_csv(path) is not None, "the scan should clear this file"
    with pytest.raises(UserError) as checked:
        check_csv(path, TABLE_COLUMNS["customers"])
    assert expected in str(checked.value)
    with pytest.raises(UserError) as error:
        load_folder(empty_target, sample_copy, progress=False, log=lambda _: None)
    assert str(error.value) == f"{checked.value}; nothing was changed in raw"
    assert _raw_counts(empty_target) == first


def _raw_query(target: WarehouseTarget, query: str) -> list[tuple]:
    if target.adapter_type == "duckdb":
        import duckdb

        with duckdb.connect(str(target.duckdb_path)) as connection:
            return connection.execute(query).fetchall()
    import psycopg2

    with (
        psycopg2.connect(
            host=target.host, port=target.port, user=target.user, dbname=target.database
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(query)
        return cursor.fetchall()


@pytest.mark.warehouse
def test_append_adds_rows(empty_target: WarehouseTarget, sample_copy: Path) -> None:
    first = load_folder(empty_target, sample_copy, progress=False, log=lambda _: None)
    load_folder(empty_target, sample_copy, mode="append", progress=False, log=lambda _: None)
    assert _raw_counts(empty_target) == {table: 2 * n for table, n in first.items()}


@pytest.mark.warehouse
def test_each_load_is_a_batch_stamped_on_its_rows(
    empty_target: WarehouseTarget, sample_copy: Path
) -> None:
    """raw.load_batches lists the loads raw holds with the rows each wrote, and every row
    carries its batch; a replacing load starts the list again."""
    quiet = {"progress": False, "log": lambda _: None}
    load_folder(empty_target, sample_copy, **quiet)
    first = load_folder(empty_target, sample_copy, **quiet)
    second = load_folder(empty_target, sample_copy, mode="append", **quiet)
    batches = _raw_query(
        empty_target,
        "select load_id, load_mode, events_row_count, order_items_row_count"
        " from raw.load_batches order by load_id",
    )
    assert [row[1:] for row in batches] == [
        ("replace", first["events"], first["order_items"]),
        ("append", second["events"], second["order_items"]),
    ]
    for table in ("events", "order_items"):
        stamped = _raw_query(
            empty_target,
            f"select _load_id, count(*), count(_loaded_at) from raw.{table}"
            " group by _load_id order by _load_id",
        )
        assert stamped == [
            (batches[0][0], first[table], first[table]),
            (batches[1][0], second[table], second[table]),
        ], table


def test_a_file_with_the_loader_columns_is_refused(sample_copy: Path) -> None:
    """_load_id and _loaded_at are the loader's, not the user's: a file cannot bring them."""
    _write(
        sample_copy / "products.csv",
        b"product_id,product_name,category,price_usd,cost_usd,_load_id\np1,a,b,1,1,x\n",
    )
    with pytest.raises(UserError, match="column '_load_id' is not in the input contract"):
        check_folder(sample_copy)


def test_cli_reports_bad_file_in_one_line(tmp_path: Path, sample_copy: Path) -> None:
    _write(sample_copy / "events.csv", b"event_id,session_id\n")
    env = base_env(tmp_path, "duckdb")
    result = _cli(env, "load", "--data", str(sample_copy), "--quiet")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "events.csv" in result.stderr and "column 'event_at' is missing" in result.stderr


def _table_names(build: Build) -> list[str]:
    frame = build.frame(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    )
    return sorted(frame["table_name"])


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    text = frame.astype(str)
    order = text.sort_values(list(text.columns)).index
    return frame.loc[order].reset_index(drop=True)


def test_loading_gives_the_same_marts_as_seeding(
    build: Build, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp(f"loaded_{build.target}")
    loaded = private_build(tmp, build.target, "loaded")
    env = loaded.env
    result = _cli(env, "load", "--data", str(SEEDS_DIR), "--target", build.target, "--quiet")
    assert result.returncode == 0, result.stderr
    # `dbt run` loads no seed: the configuration seed (channel mapping) first. Then the steps of
    # `make run` that the seeded build took too: the models, enrich, the models that read it.
    no_seeds = ("--target", build.target, "--vars", "{customer_behaviour__use_seeds: false}")
    run_dbt(env, "seed", *no_seeds)
    run_dbt(env, "run", *no_seeds, "--exclude", REFERENCE_MODELS)
    run_enrich(env, build.target, "--statistics", str(EXAMPLE_STATISTICS))
    run_dbt(env, "run", *no_seeds, "--select", REFERENCE_MODELS)
    tables = _table_names(build)
    assert "fct_sessions" in tables and _table_names(loaded) == tables
    for table in tables:
        seeded = _sorted(build.frame(f"select * from marts.{table}"))
        from_load = _sorted(loaded.frame(f"select * from marts.{table}"))
        pd.testing.assert_frame_equal(from_load, seeded, check_dtype=False, obj=table)


def test_seeding_after_loading_replaces_the_loaded_data(
    build: Build, tmp_path_factory: pytest.TempPathFactory, sample_copy: Path
) -> None:
    """Loaded data holding a session the sample lacks, built; then the sample seeded over
    it and built again without --full-refresh: raw no longer holds the processed batch, so
    the session models are rebuilt whole and equal the seeded build's."""
    tmp = tmp_path_factory.mktemp(f"reseeded_{build.target}")
    reseeded = private_build(tmp, build.target, "reseeded")
    env = reseeded.env
    with (sample_copy / "sessions.csv").open("a", encoding="utf-8") as handle:
        handle.write("zz_extra,,2024-01-01T10:00:00Z,desktop,direct,DE\n")
    with (sample_copy / "events.csv").open("a", encoding="utf-8") as handle:
        handle.write("zz_extra_1,zz_extra,2024-01-01T10:00:05Z,page_view,home,\n")
    result = _cli(env, "load", "--data", str(sample_copy), "--target", build.target, "--quiet")
    assert result.returncode == 0, result.stderr
    no_seeds = ("--target", build.target, "--vars", "{customer_behaviour__use_seeds: false}")
    run_dbt(env, "seed", *no_seeds)
    run_dbt(env, "run", *no_seeds, "--exclude", REFERENCE_MODELS)
    extra = "select count(*) as n from marts.fct_sessions where session_id = 'zz_extra'"
    assert int(reseeded.frame(extra)["n"][0]) == 1
    run_dbt(env, "seed", "--target", build.target)
    run_dbt(env, "run", "--target", build.target, "--exclude", REFERENCE_MODELS)
    assert int(reseeded.frame("select count(*) as n from raw.load_batches")["n"][0]) == 0
    assert int(reseeded.frame(extra)["n"][0]) == 0
    for table in ("marts.fct_sessions", "staging.stg_shop__events"):
        seeded = _sorted(build.frame(f"select * from {table}"))
        again = _sorted(reseeded.frame(f"select * from {table}"))
        pd.testing.assert_frame_equal(again, seeded, check_dtype=False, obj=table)
