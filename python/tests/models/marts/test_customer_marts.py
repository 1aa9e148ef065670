"""The customer marts on both targets against an independent pandas computation
from the seed CSVs: dim_customers, fct_customer_rfm, fct_conversion_levels,
fct_cohort_retention, fct_repeat_purchase, fct_sessions.purchase_style and
fct_purchase_styles."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from support import reference, reference_customers
from support.build import Build
from support.compare import assert_frames_match


@pytest.fixture(scope="module")
def staged(staged_reference) -> dict[str, pd.DataFrame]:
    """The staged reference tables, with quantity as Python ints (pandas makes the column
    float when a rejected row has none, and float × Decimal fails)."""
    tables = dict(staged_reference)
    items = tables["order_items"].copy()
    items["quantity"] = pd.Series(
        [None if pd.isna(q) else int(q) for q in items["quantity"]], index=items.index, dtype=object
    )
    tables["order_items"] = items
    return tables


@pytest.fixture(scope="module")
def reference_sessions(staged) -> pd.DataFrame:
    return reference.sessions(staged)


@pytest.fixture(scope="module")
def reference_dim(staged, reference_sessions) -> pd.DataFrame:
    return reference_customers.dim_customers(staged, reference_sessions)


def _as_datetimes(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """DATE columns as datetime64 (DuckDB returns datetime64, psycopg2 and pandas date)."""
    return frame.assign(**{column: pd.to_datetime(frame[column]) for column in columns})


def test_every_customer_id_appears_exactly_once(build: Build, staged) -> None:
    ids = build.frame("select customer_id from marts.dim_customers")["customer_id"]
    assert not ids.duplicated().any(), f"duplicated: {sorted(ids[ids.duplicated()])[:10]}"
    expected = reference_customers.customer_ids(staged)
    assert set(ids) == expected, (
        f"missing: {sorted(expected - set(ids))[:10]}, extra: {sorted(set(ids) - expected)[:10]}"
    )
    # The sample has customers that appear only in sessions or orders: they must be kept.
    unknown = build.frame(
        "select count(*) as n from marts.dim_customers where not is_known_customer"
    )
    customers_file = set(staged["customers"]["customer_id"].dropna())
    assert int(unknown["n"].iloc[0]) == len(expected - customers_file) > 0


def test_dim_customers_matches_pandas(build: Build, reference_dim) -> None:
    actual = build.frame("select * from marts.dim_customers")
    assert len(actual) == len(reference_dim) > 0
    assert reference_dim["is_repeat_buyer"].any() and (~reference_dim["is_known_customer"]).any()
    assert_frames_match(
        actual,
        reference_dim,
        ["customer_id"],
        atol=1e-6,
        label=f"dim_customers on {build.target}",
    )


def test_dim_customers_has_no_raw_email(build: Build) -> None:
    columns = build.frame("select * from marts.dim_customers where 1 = 0").columns
    assert "email" not in columns and "email_hash" in columns
    hashes = build.frame("select email_hash from marts.dim_customers")["email_hash"].dropna()
    assert len(hashes) > 0 and hashes.str.fullmatch("[0-9a-f]{64}").all()


def test_customer_rfm_matches_pandas(build: Build, staged) -> None:
    actual = _as_datetimes(build.frame("select * from marts.fct_customer_rfm"), ["as_of_date"])
    expected = _as_datetimes(reference_customers.customer_rfm(staged), ["as_of_date"])
    assert len(expected) > 0
    assert_frames_match(
        actual,
        expected,
        ["customer_id"],
        columns=[
            "as_of_date",
            "last_order_at",
            "recency_days",
            "frequency",
            "monetary_usd",
            "r_score",
            "f_score",
            "m_score",
            "rfm_code",
            "rfm_segment",
        ],
        atol=1e-6,
        label=f"fct_customer_rfm on {build.target}",
    )


def test_conversion_levels_matches_pandas(build: Build, reference_sessions, reference_dim) -> None:
    actual = build.frame("select * from marts.fct_conversion_levels")
    expected = reference_customers.conversion_levels(reference_sessions, reference_dim)
    assert_frames_match(
        actual,
        expected,
        ["segment_type", "segment_value"],
        label=f"fct_conversion_levels on {build.target}",
    )
    # Within a segment type, sessions add up to the overall row.
    totals = actual.groupby("segment_type")["n_sessions"].sum()
    assert (totals == len(reference_sessions)).all(), totals
    overall = actual[actual["segment_type"] == "overall"].iloc[0]
    # The point of the table: customers convert far more often than sessions do.
    assert overall["customer_conversion_rate"] > overall["session_conversion_rate"]


def test_cohort_retention_matches_pandas(build: Build, reference_sessions) -> None:
    months = ["cohort_month", "activity_month"]
    actual = _as_datetimes(build.frame("select * from marts.fct_cohort_retention"), months)
    expected = _as_datetimes(reference_customers.cohort_retention(reference_sessions), months)
    assert len(expected) > 1
    assert_frames_match(
        actual,
        expected,
        ["cohort_month", "months_since_first_session"],
        label=f"fct_cohort_retention on {build.target}",
    )


def test_repeat_purchase_matches_pandas(build: Build, staged) -> None:
    months = ["first_order_month"]
    actual = _as_datetimes(build.frame("select * from marts.fct_repeat_purchase"), months)
    expected = _as_datetimes(reference_customers.repeat_purchase(staged), months)
    assert len(expected) > 0 and expected["n_repeat_buyers"].sum() > 0
    assert_frames_match(
        actual,
        expected,
        ["first_order_month"],
        label=f"fct_repeat_purchase on {build.target}",
    )


def test_purchase_style_matches_pandas(build: Build, reference_sessions) -> None:
    actual = build.frame("select session_id, purchase_style from marts.fct_sessions")
    styles, _, _ = reference_customers.purchase_styles(reference_sessions)
    expected = styles.rename_axis("session_id").reset_index()
    assert {"cheap_many", "expensive_few", "mixed"} <= set(expected["purchase_style"].dropna())
    assert_frames_match(actual, expected, ["session_id"], label=f"purchase_style on {build.target}")


def test_purchase_styles_summary_matches_pandas(build: Build, reference_sessions) -> None:
    actual = build.frame("select * from marts.fct_purchase_styles")
    expected = reference_customers.purchase_style_summary(reference_sessions)
    assert_frames_match(
        actual,
        expected,
        ["purchase_style"],
        atol=1e-6,
        label=f"fct_purchase_styles on {build.target}",
    )


def _show(build: Build, model: str, variables: str) -> list[dict[str, object]]:
    """The rows of `dbt show` for a model compiled with the given --vars."""
    result = build.dbt(
        "show", "--select", model, "--vars", variables, "--output", "json", "--target", build.target
    )
    text = result.stdout
    payload = json.loads(text[text.index("{") : text.rindex("}") + 1])
    return payload["show"]


def test_as_of_date_variable(build: Build) -> None:
    """The variable overrides the as-of date (the default is checked by the RFM test)."""
    chosen = _show(build, "int_as_of_date_resolved", "{customer_behaviour__as_of_date: 2024-02-15}")
    assert [str(row["as_of_date"])[:10] for row in chosen] == ["2024-02-15"]
    assert chosen[0]["is_from_variable"] is True
    bad = build.dbt(
        "compile",
        "--select",
        "int_as_of_date_resolved",
        "--vars",
        "{customer_behaviour__as_of_date: 15/02/2024}",
        "--target",
        build.target,
        check=False,
    )
    assert bad.returncode != 0 and "must be a date YYYY-MM-DD" in bad.stdout
