"""E-mail addresses become HMAC-SHA256 under a secret key on every target, and no build runs
without a key (issue 18).

Checked against Python's own ``hmac`` on the raw CSV, on DuckDB and PostgreSQL: every staged
row's hash, unkeyed SHA-256 and md5 nowhere, the same hashes on a second run, other hashes under
another key. Without a key, `make run` and a plain `dbt build` stop before touching anything;
on DuckDB the first `make run` creates a random key in `.email_hash_key` and the next one reuses
it. The key is in no artefact `dbt compile` / `dbt docs generate` write and in no catalog text
the PostgreSQL `reporting` role can read.
"""

from __future__ import annotations

import hashlib
import hmac
import stat
import subprocess
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from support import reference
from support.analytics import assert_clean_error, run_cli_in_process
from support.build import TARGETS, Build, base_env, private_build, run_dbt
from support.paths import PROJECT_DIR
from support.security import (
    KEY_VARIABLE,
    SALT_VARIABLE,
    connect_as_reporting,
    run_make,
    without_key,
)

OTHER_KEY = "Another_key-for.the~test+only/0123456789="
CUSTOMERS_ONLY = (
    "--select",
    "+stg_shop__customers",
    "--exclude-resource-type",
    "test",
    "unit_test",
)
"""The customers seed and its staging model: all a hash check needs, in seconds."""


def hmac_hex(key: str, address: str) -> str:
    return hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest()


def key_pads(key: str) -> list[str]:
    """The key as dbt compiles it into SQL: the HMAC inner and outer pads, in hex."""
    block = key.encode().ljust(64, b"\0")
    return [bytes(byte ^ pad for byte in block).hex() for pad in (0x36, 0x5C)]


def raw_addresses(raw: pd.DataFrame) -> list[str]:
    """Every raw customers row's address as the contract normalises it (trimmed, lower case)."""
    cleaned = (reference.clean(value) for value in raw["email"])
    return [address.lower() for address in cleaned if address is not None]


def staged_hashes(build: Build) -> pd.DataFrame:
    return build.frame(
        "select customer_id, is_accepted, email_hash from staging.stg_shop__customers"
    )


def test_every_staged_hash_is_hmac_sha256_of_the_address(build: Build, raw_tables) -> None:
    """One staged row per raw row: the hashes are exactly Python's HMAC of the raw addresses."""
    addresses = raw_addresses(raw_tables["customers"])
    assert len(addresses) > 1000
    staged = staged_hashes(build)["email_hash"].dropna()
    assert Counter(staged) == Counter(hmac_hex(reference.EMAIL_HASH_KEY, a) for a in addresses)
    unkeyed = {hashlib.sha256(a.encode()).hexdigest() for a in addresses}
    unkeyed |= {hashlib.md5(a.encode()).hexdigest() for a in addresses}
    assert not unkeyed & set(staged), "an unkeyed SHA-256 or md5 of an address is in staging"
    marts = build.frame("select email_hash from marts.dim_customers")["email_hash"].dropna()
    assert len(marts) > 1000 and set(marts) <= set(staged)


@pytest.fixture(scope="module", params=TARGETS)
def three_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The customers staged three times: twice with the tests' key, then with another."""
    target = request.param
    build = private_build(tmp_path_factory.mktemp(f"keyed_{target}"), target, "keyed")
    runs = []
    for key in (reference.EMAIL_HASH_KEY, reference.EMAIL_HASH_KEY, OTHER_KEY):
        build.env[KEY_VARIABLE] = key
        run_dbt(build.env, "build", "--target", target, *CUSTOMERS_ONLY)
        runs.append(staged_hashes(build))
    return build, runs


@pytest.mark.warehouse
def test_hashes_are_stable_across_runs_and_change_with_the_key(three_runs, raw_tables) -> None:
    build, (first, second, rekeyed) = three_runs
    columns = list(first.columns)
    pd.testing.assert_frame_equal(
        first.sort_values(columns, ignore_index=True),
        second.sort_values(columns, ignore_index=True),
        obj=f"email_hash of two runs with one key on {build.target}",
    )
    accepted = {
        run: frame[frame["is_accepted"] & frame["email_hash"].notna()].set_index("customer_id")
        for run, frame in (("first", first), ("rekeyed", rekeyed))
    }
    common = accepted["first"].index.intersection(accepted["rekeyed"].index)
    assert len(common) > 1000
    changed = (
        accepted["first"].loc[common, "email_hash"] != accepted["rekeyed"].loc[common, "email_hash"]
    )
    assert changed.all(), f"{(~changed).sum()} hashes stayed the same under another key"
    addresses = raw_addresses(raw_tables["customers"])
    assert Counter(rekeyed["email_hash"].dropna()) == Counter(
        hmac_hex(OTHER_KEY, address) for address in addresses
    )


@pytest.mark.warehouse
@pytest.mark.parametrize("target", TARGETS)
def test_dbt_build_without_a_key_stops_before_touching_anything(
    target: str, tmp_path: Path
) -> None:
    """Users who call dbt themselves get no unkeyed hash either: the run-start hook stops."""
    build = private_build(tmp_path, target, "nokey")
    result = run_dbt(without_key(build.env), "build", "--target", target, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert f"{KEY_VARIABLE} is not set" in output, output[-3000:]
    assert (".email_hash_key" if target == "duckdb" else "to .env") in output, output[-3000:]
    if target == "duckdb" and not build.duckdb_path.exists():
        return  # dbt did not even create the file
    tables = build.frame(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in ('raw', 'manifest', 'staging', 'intermediate', 'marts')"
    )
    assert tables.empty, f"built without a key: {tables.to_dict('records')}"


@pytest.mark.warehouse
def test_a_retired_salt_stops_dbt_with_the_migration(tmp_path: Path) -> None:
    env = {**base_env(tmp_path, "duckdb"), SALT_VARIABLE: "old-salt"}
    result = run_dbt(env, "build", "--target", "duckdb", *CUSTOMERS_ONLY, check=False)
    assert result.returncode != 0
    assert f"{SALT_VARIABLE} is no longer read" in result.stdout, result.stdout[-3000:]


def test_make_run_on_postgres_without_a_key_says_how_to_set_one(tmp_path: Path) -> None:
    env = without_key(base_env(tmp_path, "postgres"))
    result = run_make(env, "run", "TARGET=postgres")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for fragment in (f"{KEY_VARIABLE} is not set", "to .env", "secrets.token_hex(32)"):
        assert fragment in errors[0], (fragment, errors[0])
    assert "Running with dbt" not in result.stdout, "dbt started without a key"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("environment", "fragments"),
    [
        ({}, [f"{KEY_VARIABLE} is not set", "target postgres", ".env"]),
        ({SALT_VARIABLE: "old-salt"}, [f"{SALT_VARIABLE} is no longer read", KEY_VARIABLE]),
        ({KEY_VARIABLE: "too-short"}, [KEY_VARIABLE, "32 to 64", "9 characters"]),
        ({KEY_VARIABLE: "$" * 40}, [KEY_VARIABLE, "letters, digits"]),
    ],
    ids=["no-key", "retired-salt", "short-key", "bad-characters"],
)
def test_preflight_refuses_a_missing_or_unusable_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: dict[str, str],
    fragments: list[str],
) -> None:
    env = without_key(base_env(tmp_path, "postgres"))
    for name in (KEY_VARIABLE, SALT_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    result = run_cli_in_process(
        monkeypatch, capsys, {**env, **environment}, "preflight", "--target", "postgres"
    )
    assert_clean_error(result, *fragments)


@pytest.mark.warehouse
def test_first_make_run_on_duckdb_creates_a_key_and_the_next_reuses_it(
    tmp_path: Path, raw_tables
) -> None:
    env = without_key(base_env(tmp_path, "duckdb"))
    env["CUSTOMER_BEHAVIOUR_PROJECT_DIR"] = str(tmp_path)
    key_file = tmp_path / ".email_hash_key"
    build = Build("duckdb", env, duckdb_path=Path(env["CUSTOMER_BEHAVIOUR_DUCKDB_PATH"]))
    flags = f"DBT_FLAGS={' '.join(CUSTOMERS_ONLY)}"
    runs = []
    for _ in range(2):
        # dbt builds the customers only; analyze then stops for want of the other marts.
        result = run_make(env, "run", "TARGET=duckdb", flags)
        assert "Completed successfully" in result.stdout, result.stdout[-3000:] + result.stderr
        runs.append((result, staged_hashes(build)))
    (first, first_hashes), (second, second_hashes) = runs
    assert f"created a random e-mail hash key in {key_file}" in first.stderr
    assert "created" not in second.stderr
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64 and key != reference.EMAIL_HASH_KEY
    columns = list(first_hashes.columns)
    pd.testing.assert_frame_equal(
        first_hashes.sort_values(columns, ignore_index=True),
        second_hashes.sort_values(columns, ignore_index=True),
    )
    addresses = raw_addresses(raw_tables["customers"])
    assert Counter(first_hashes["email_hash"].dropna()) == Counter(
        hmac_hex(key, address) for address in addresses
    )
    assert "git-ignored" in first.stderr
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".email_hash_key"], cwd=PROJECT_DIR, check=False
    )
    assert ignored.returncode == 0, ".email_hash_key is not git-ignored"


def test_compile_and_docs_write_no_key(duckdb_build: Build, tmp_path: Path) -> None:
    """The pads are the key (XOR a constant): only what dbt executes may hold them."""
    env = {**duckdb_build.env, "DBT_TARGET_PATH": str(tmp_path / "target")}
    run_dbt(env, "compile", "--target", "duckdb", "--select", "stg_shop__customers")
    run_dbt(env, "docs", "generate", "--target", "duckdb")
    pads = key_pads(reference.EMAIL_HASH_KEY)
    written = [path for path in (tmp_path / "target").rglob("*") if path.is_file()]
    assert any(path.name == "manifest.json" for path in written)
    for path in written:
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in [*pads, reference.EMAIL_HASH_KEY]:
            assert secret not in text, f"the e-mail hash key is in {path}"
    compiled = next(path for path in written if path.name == "stg_shop__customers.sql")
    assert "key withheld" in compiled.read_text()


def test_reporting_reads_no_key_in_the_catalog(build: Build) -> None:
    """PostgreSQL shows every view's SQL to every role: the hashing model is a table."""
    if build.target != "postgres":
        pytest.skip("roles exist on PostgreSQL only")
    catalog_text = """
        select 'view ' || schemaname || '.' || viewname, definition from pg_views
        union all select 'matview ' || matviewname, definition from pg_matviews
        union all select 'function ' || proname, prosrc from pg_proc
        union all select 'rule ' || rulename, definition from pg_rules
        union all select 'comment', description from pg_description
    """
    with (
        connect_as_reporting(build.env["PGDATABASE"]) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(catalog_text)
        rows = cursor.fetchall()
    assert len(rows) > 1000, "the reporting role should see the catalog as any role does"
    for secret in [*key_pads(reference.EMAIL_HASH_KEY), reference.EMAIL_HASH_KEY]:
        leaks = [name for name, text in rows if text and secret in text]
        assert not leaks, f"the reporting role can read the e-mail hash key in {leaks}"
    kind = build.frame(
        "select relkind from pg_class where oid = 'staging.stg_shop__customers'::regclass"
    )
    assert kind.loc[0, "relkind"] == "r"
