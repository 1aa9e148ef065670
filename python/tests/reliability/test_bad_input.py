"""The bad-input suite (python/tests/support/bad_input_cases.py) on DuckDB and PostgreSQL.

Malformed files: `customer-behaviour load` exits 2 with one line naming the file, the line
and the column, and raw is left exactly as it was; awkward but valid files load every record.
Planted rows: each is kept with the expected value or quarantined with the expected reason,
and raw = accepted + rejected for every table.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from customer_behaviour.contract import TABLE_COLUMNS
from support.analytics import run_cli_in_process
from support.bad_input_cases import (
    BOM_TABLE,
    CRLF_TABLE,
    ENORMOUS,
    FILE_CASES,
    HEADER_ONLY_TABLES,
    MAX_TEXT_LENGTH,
    ROW_CASES,
    FileCase,
    RowCase,
    documented_counts,
    first_key,
)
from support.build import TARGETS, Build, private_build
from support.checksums import snapshot
from support.paths import PROJECT_DIR
from support.reliability import generate_base

ACCEPTED_RELATIONS = {
    "customers": "staging.stg_shop__customers",
    "products": "staging.stg_shop__products",
    "sessions": "staging.stg_shop__sessions",
    "events": "intermediate.int_events_validated",
    "orders": "intermediate.int_orders_validated",
    "order_items": "intermediate.int_order_items_validated",
}
"""Where a row's final outcome is (events, orders and items are also reference-checked)."""


# -- malformed files: the loader alone ------------------------------------------------------


@pytest.fixture(scope="module")
def base_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_base(tmp_path_factory.mktemp("bad_files_base"))


@pytest.fixture(scope="module", params=TARGETS)
def loader_build(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """An empty warehouse of each target; `raw` says what its raw schema holds (None: unknown)."""
    target = request.param
    tmp = tmp_path_factory.mktemp(f"bad_files_{target}")
    return {"build": private_build(tmp, target, "bad_files")}


def _records(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


@pytest.mark.warehouse
@pytest.mark.parametrize("case", FILE_CASES, ids=[case.name for case in FILE_CASES])
def test_malformed_file(
    case: FileCase,
    loader_build: dict[str, object],
    base_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build = loader_build["build"]
    assert isinstance(build, Build)
    env = build.env
    target = build.target
    load = ("load", "--data")
    if loader_build.get("raw") is None:
        result = run_cli_in_process(
            monkeypatch, capsys, env, *load, str(base_folder), "--target", target, "--quiet"
        )
        assert result.returncode == 0, result.stderr
        loader_build["raw"] = snapshot(build, ("raw",))
    before = loader_build["raw"]
    assert before, "the base files did not reach raw"
    # Until this case is known to leave raw as it was, nothing is known about raw.
    loader_build["raw"] = None

    folder = tmp_path / "csv"
    shutil.copytree(base_folder, folder)
    path = folder / f"{case.table}.csv"
    content = case.mutate(path.read_bytes())
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)
    result = run_cli_in_process(
        monkeypatch, capsys, env, *load, str(folder), "--target", target, "--quiet"
    )
    assert "Traceback" not in result.stdout + result.stderr

    if case.loads:
        assert result.returncode == 0, result.stderr
        rows = build.frame(f"select count(*) as n from raw.{case.table}")["n"].iloc[0]
        assert rows == _records(path) >= 0
        if case.name == "line over 2 MB":
            longest = build.frame("select max(length(product_name)) as n from raw.products")
            assert longest["n"].iloc[0] == ENORMOUS
        return
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    message = lines[0]
    assert message.startswith("error: ")
    assert f"{case.table}.csv" in message, message
    assert case.fragment in message, message
    if case.line is not None:
        assert f"line {case.line}" in message, message
    if case.column is not None:
        assert repr(case.column) in message, message
    assert "nothing was changed in raw" in message
    assert snapshot(build, ("raw",)) == before, "a failed load changed raw"
    loader_build["raw"] = before


# -- planted rows: one build per target --------------------------------------------------------


@pytest.fixture(scope="module", params=TARGETS)
def planted(request: pytest.FixtureRequest, planted_builds) -> object:
    return planted_builds(request.param)


def _accepted_rows(build: Build, table: str, keys: list[str]) -> pd.DataFrame:
    relation = ACCEPTED_RELATIONS[table]
    listed = ", ".join("'" + key.replace("'", "''") + "'" for key in keys)
    return build.frame(
        f"select * from {relation} where is_accepted and record_key in ({listed})"
    ).set_index("record_key", drop=False)


def _rejections(build: Build, table: str) -> Counter[tuple[str, str]]:
    frame = build.frame(
        f"select record_key, reason from marts.dq_rejected_rows where source_table = '{table}'"
    )
    return Counter(zip(frame["record_key"], frame["reason"], strict=True))


def _quarantine_key(case: RowCase) -> str:
    return case.key[:MAX_TEXT_LENGTH]


def test_every_planted_row_has_its_expected_outcome(planted) -> None:
    """Per key, the planted rows' outcomes are exactly what the build gave those keys."""
    build = planted.build
    problems = []
    for table in TABLE_COLUMNS:
        cases = [case for case in ROW_CASES if case.table == table]
        if not cases:
            continue
        accepted = _accepted_rows(build, table, sorted({case.key for case in cases}))
        rejected = _rejections(build, table)
        for key in sorted({case.key for case in cases}):
            wanted = Counter(case.outcome for case in cases if case.key == key)
            got = Counter(
                {"accepted": int((accepted["record_key"] == key).sum())}
                | {
                    reason: count
                    for (record_key, reason), count in rejected.items()
                    if record_key == _quarantine_key(next(c for c in cases if c.key == key))
                }
            )
            got = +got
            if got != wanted:
                problems.append(f"{table} {key[:40]!r}: expected {dict(wanted)}, got {dict(got)}")
    assert not problems, "\n".join(problems)


def _same(got: object, want: object) -> bool:
    if isinstance(want, Decimal):
        return got is not None and Decimal(str(got)) == want
    if hasattr(want, "isoformat"):
        return pd.Timestamp(got).tz_localize(None) == pd.Timestamp(want)
    return got == want


def test_kept_rows_have_the_expected_values(planted) -> None:
    build = planted.build
    checked = [case for case in ROW_CASES if case.outcome == "accepted" and case.column]
    problems = []
    for table in TABLE_COLUMNS:
        cases = [case for case in checked if case.table == table]
        if not cases:
            continue
        # Exact text for numbers (pandas would turn DuckDB decimals into floats).
        exact = {case.column for case in cases if isinstance(case.value, Decimal)}
        selected = ", ".join(
            f"cast({column} as varchar) as {column}" if column in exact else column
            for column in sorted({case.column for case in cases})
        )
        listed = ", ".join("'" + case.key.replace("'", "''") + "'" for case in cases)
        rows = build.frame(
            f"select record_key, {selected} from {ACCEPTED_RELATIONS[table]} "
            f"where is_accepted and record_key in ({listed})"
        )
        for case in cases:
            found = rows.loc[rows["record_key"] == case.key, case.column]
            if len(found) != 1:
                problems.append(f"{case.name}: {len(found)} accepted rows")
            elif not _same(found.iloc[0], case.value):
                problems.append(f"{case.name}: {found.iloc[0]!r}, expected {case.value!r}")
    assert not problems, "\n".join(problems)


def test_kept_rows_reach_the_marts(planted) -> None:
    """Accepted planted sessions and products are in the marts, with their text verbatim."""
    build = planted.build
    sessions = build.frame("select * from marts.fct_sessions").set_index("session_id")
    products = build.frame(
        "select product_id, product_name from marts.fct_product_funnel"
    ).set_index("product_id")
    for case in ROW_CASES:
        if case.outcome != "accepted":
            continue
        if case.table == "sessions":
            assert case.key in sessions.index, case.name
        if case.table == "products":
            assert case.key in products.index, case.name
            if case.column == "product_name":
                assert products.loc[case.key, "product_name"] == case.value, case.name
    mixed = next(case for case in ROW_CASES if "session_seconds" in case.extra)
    session = sessions.loc[mixed.row["session_id"]]
    for column, expected in mixed.extra.items():
        assert session[column] == expected, (column, session[column], expected)


def test_raw_rows_equal_kept_plus_quarantined(planted) -> None:
    """Nothing lost on the way: raw rows (counted from the files) = accepted + rejected."""
    build = planted.build
    summary = build.frame(
        "select source_table, max(raw_rows) as raw_rows, max(accepted_rows) as accepted_rows,"
        " max(rejected_rows) as rejected_rows from marts.dq_load_summary group by source_table"
    ).set_index("source_table")
    for table, records in planted.records.items():
        row = summary.loc[table]
        assert row["raw_rows"] == records, table
        assert row["raw_rows"] == row["accepted_rows"] + row["rejected_rows"], table
        planted_rejections = sum(
            1 for case in ROW_CASES if case.table == table and case.outcome != "accepted"
        )
        # The generated base is clean: every rejection is a planted one (a stray carriage
        # return or byte-order mark left in a value would add a rejection here).
        assert row["rejected_rows"] == planted_rejections, table


def test_bom_and_line_endings_leave_no_trace_in_values(planted) -> None:
    build = planted.build
    key = first_key(planted.folders[0].parent / "base", BOM_TABLE)
    rows = _accepted_rows(build, BOM_TABLE, [key])
    assert len(rows) == 1 and rows["record_key"].iloc[0] == key
    raw = build.frame(f"select * from raw.{CRLF_TABLE}")
    for column in raw.columns:
        values = raw[column].dropna().astype(str)
        carriage = values[values.str.endswith("\r")]
        assert carriage.empty, f"{CRLF_TABLE}.{column} kept a carriage return"


def test_header_only_files_append_nothing(planted) -> None:
    output = planted.loads[1].stdout
    for table in HEADER_ONLY_TABLES:
        assert f"{table}:            0 rows appended" in output, output


def test_the_reliability_doc_states_the_counts_of_the_case_tables() -> None:
    document = (PROJECT_DIR / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert documented_counts() in document, (
        "docs/reliability.md must hold these counts:\n" + documented_counts()
    )
