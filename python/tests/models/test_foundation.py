"""The foundation on both targets: fct_sessions, the quarantine and the load summary
against an independent pandas computation from the seed CSVs and the generator's
defect manifest."""

from __future__ import annotations

import pandas as pd

from support import reference
from support.build import Build
from support.compare import assert_frames_match
from support.paths import SEEDS_DIR


def test_fct_sessions_matches_pandas(build: Build, staged_reference) -> None:
    actual = build.frame("select * from marts.fct_sessions")
    expected = reference.sessions(staged_reference)
    assert len(actual) == len(expected) > 0
    # Money is numeric(28, 6) in the warehouse: compare to the micro-dollar.
    assert_frames_match(
        actual, expected, ["session_id"], atol=1e-6, label=f"fct_sessions on {build.target}"
    )


def test_dq_load_summary_matches_pandas(build: Build, staged_reference) -> None:
    actual = build.frame("select * from marts.dq_load_summary")
    expected = reference.load_summary(staged_reference)
    assert_frames_match(
        actual,
        expected,
        ["source_table", "outcome"],
        columns=["n_rows", "raw_rows", "accepted_rows", "rejected_rows"],
        label=f"dq_load_summary on {build.target}",
    )


def test_raw_rows_equal_accepted_plus_rejected(build: Build, raw_tables) -> None:
    summary = build.frame(
        "select source_table, max(raw_rows) as raw_rows, max(accepted_rows) as accepted_rows,"
        " max(rejected_rows) as rejected_rows, sum(n_rows) as outcome_rows"
        " from marts.dq_load_summary group by source_table"
    ).set_index("source_table")
    for table, frame in raw_tables.items():
        row = summary.loc[table]
        assert row["raw_rows"] == len(frame), f"{table}: raw rows lost before staging"
        assert row["raw_rows"] == row["accepted_rows"] + row["rejected_rows"]
        assert row["outcome_rows"] == row["raw_rows"]


def test_quarantine_matches_pandas(build: Build, staged_reference) -> None:
    actual = build.frame("select source_table, record_key, reason from marts.dq_rejected_rows")
    expected_parts = []
    for table, frame in staged_reference.items():
        rejected = frame[frame["reason"].notna()]
        key = reference.RULES[table].key
        if key is None:
            keys = (
                rejected["order_id"].fillna("(missing)")
                + "|"
                + rejected["product_id"].fillna("(missing)")
            )
        else:
            keys = rejected[key].fillna("(missing)")
        expected_parts.append(
            pd.DataFrame({"source_table": table, "record_key": keys, "reason": rejected["reason"]})
        )
    expected = pd.concat(expected_parts, ignore_index=True)
    count = ["source_table", "record_key", "reason"]
    actual_counts = actual.value_counts(count).sort_index()
    expected_counts = expected.value_counts(count).sort_index()
    pd.testing.assert_series_equal(actual_counts, expected_counts, check_names=False)


def test_every_injected_defect_is_quarantined_with_its_reason(
    build: Build, defects_manifest: pd.DataFrame
) -> None:
    rejected_defects = defects_manifest[defects_manifest["expected_reason"] != ""]
    assert len(rejected_defects) > 0, "the sample must contain injected defects"
    quarantine = build.frame("select source_table, record_key, reason from marts.dq_rejected_rows")
    found = quarantine.value_counts(["source_table", "record_key", "reason"])
    wanted = rejected_defects.value_counts(["table", "record_key", "expected_reason"])
    missing = [(key, n) for key, n in wanted.items() if found.get(key, 0) < n]
    assert not missing, f"defects not quarantined with the expected reason: {missing[:10]}"


def test_no_clean_row_is_lost(build: Build, raw_tables, defects_manifest: pd.DataFrame) -> None:
    """Rows the generator did not break are all accepted: rejected = injected defects."""
    rejected_defects = defects_manifest[defects_manifest["expected_reason"] != ""]
    expected = rejected_defects.groupby("table").size()
    summary = build.frame(
        "select source_table, max(rejected_rows) as rejected_rows, max(accepted_rows) as accepted"
        " from marts.dq_load_summary group by source_table"
    ).set_index("source_table")
    for table, frame in raw_tables.items():
        injected = int(expected.get(table, 0))
        assert summary.loc[table, "rejected_rows"] == injected, table
        assert summary.loc[table, "accepted"] == len(frame) - injected, table


def test_cleaned_defects_have_the_expected_values(
    build: Build, defects_manifest: pd.DataFrame
) -> None:
    """Offsets, mixed case and white space are repaired, not rejected."""
    cleaned = defects_manifest[defects_manifest["expected_reason"] == ""]
    assert len(cleaned) > 0
    key_columns = {
        "customers": "customer_id",
        "products": "product_id",
        "sessions": "session_id",
        "events": "event_id",
        "orders": "order_id",
    }
    mismatches = []
    for (table, column), group in cleaned.groupby(["table", "column"]):
        if table not in key_columns:
            continue
        key = key_columns[table]
        staged = build.frame(
            f"select {key} as record_key, {column} as value"
            f" from staging.stg_shop__{table} where is_accepted"
        )
        staged["value"] = staged["value"].map(_as_text)
        values = dict(zip(staged["record_key"], staged["value"], strict=True))
        for record_key, expected_value in zip(
            group["record_key"], group["expected_value"], strict=True
        ):
            got = values.get(record_key)
            if got != _as_text(expected_value):
                mismatches.append((table, record_key, column, got, expected_value))
    assert not mismatches, f"cleaned values differ: {mismatches[:10]}"


def _as_text(value: object) -> str | None:
    """Comparable text for a staged value: timestamps as ISO UTC without zone."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat"):
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    parsed = reference.parse_timestamp(text) if text[:4].isdigit() and "-" in text else None
    if parsed is not None:
        return parsed.strftime("%Y-%m-%d %H:%M:%S")
    return text


def test_marts_never_hold_raw_email_addresses(build: Build, raw_tables) -> None:
    emails = {e.strip(" ").lower() for e in raw_tables["customers"]["email"] if e and "@" in e}
    assert emails
    quarantined = build.frame("select raw_record from marts.dq_rejected_rows")
    leaked = [r for r in quarantined["raw_record"] if "@" in r.lower()]
    assert not leaked, f"raw e-mail in dq_rejected_rows: {leaked[:3]}"


def test_sample_seeds_are_the_committed_generator_output() -> None:
    """seeds/ is what `make sample` writes; the manifest belongs to it."""
    from customer_behaviour.generate import GeneratorConfig, generate_tables

    tables = generate_tables(GeneratorConfig(n_sessions=10_000, seed=42, defect_rate=0.005))
    for table in reference.COLUMNS:
        committed = pd.read_csv(
            SEEDS_DIR / f"{table}.csv", dtype=str, keep_default_na=False, na_filter=False
        )
        regenerated = tables[table].fillna("").astype(str).reset_index(drop=True)
        pd.testing.assert_frame_equal(committed, regenerated, check_dtype=False, obj=table)
