"""The behaviour marts on both targets against an independent pandas computation.

Funnels (session, daily, customer, time to convert and its histogram, with the units still
in progress at the end of the data), session paths, the paths to conversion and from the
entry step, Markov transitions, the step matrix and the product funnel are recomputed from the
seed CSVs (reference.py's staging and fct_sessions, then reference_behaviour.py)
and compared row by row. Removal effects computed from each target's transitions
are checked against a brute-force propagation of the chain.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from customer_behaviour.markov import removal_effects
from support import reference, reference_customers
from support import reference_behaviour as rb
from support.build import Build
from support.compare import assert_frames_match

# Ratios are doubles on both targets; allow for summation order only.
RTOL = 1e-9


@pytest.fixture(scope="module")
def sessions(staged_reference: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return reference.sessions(staged_reference)


@pytest.fixture(scope="module")
def data_end(staged_reference: dict[str, pd.DataFrame]) -> datetime:
    end = rb.data_end(staged_reference)
    assert end is not None
    return end


@pytest.fixture(scope="module")
def customer_funnel(
    staged_reference: dict[str, pd.DataFrame], sessions: pd.DataFrame, data_end: datetime
) -> pd.DataFrame:
    return rb.customer_funnel(staged_reference, sessions, end=data_end)


@pytest.fixture(scope="module")
def time_to_convert(
    staged_reference: dict[str, pd.DataFrame], sessions: pd.DataFrame
) -> pd.DataFrame:
    return rb.time_to_convert(staged_reference, sessions)


@pytest.fixture(scope="module")
def product_funnel(staged_reference: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return rb.product_funnel(staged_reference)


@pytest.fixture(scope="module")
def category_funnel(staged_reference: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return rb.category_funnel(staged_reference)


@pytest.fixture(scope="module")
def paths(staged_reference: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    return rb.collapsed_labels(rb.ordered_events(staged_reference))


def test_funnel_matches_pandas(build: Build, sessions: pd.DataFrame, data_end: datetime) -> None:
    actual = build.frame("select * from marts.fct_funnel")
    expected = rb.funnel(sessions, end=data_end)
    assert set(expected["segment_type"]) == {"overall", *rb.SEGMENTS}
    # The sample ends with sessions still running: the in-progress rule is exercised.
    assert expected["in_progress_sessions"].sum() > 0
    assert_frames_match(
        actual,
        expected,
        ["segment_type", "segment_value", "step_number"],
        rtol=RTOL,
        label=f"fct_funnel on {build.target}",
    )


def test_funnel_steps_never_grow(build: Build) -> None:
    for table, count in [("fct_funnel", "sessions"), ("fct_funnel_customers", "customers")]:
        frame = build.frame(f"select * from marts.{table}").sort_values(
            ["segment_type", "segment_value", "step_number"]
        )
        growth = frame.groupby(["segment_type", "segment_value"])[count].diff()
        assert (growth.dropna() <= 0).all(), f"{table}: a step is larger than the one before"
        overall = frame[frame["segment_type"] == "overall"]
        assert len(overall) == len(rb.FUNNEL_STEPS)
        assert overall[count].iloc[-1] > 0, f"{table}: no one completes the funnel in the sample"


def test_funnel_segments_add_up_to_overall(build: Build) -> None:
    frame = build.frame("select * from marts.fct_funnel")
    overall = frame[frame["segment_type"] == "overall"].set_index("step_number")["sessions"]
    for segment in rb.SEGMENTS:
        part = frame[frame["segment_type"] == segment].groupby("step_number")["sessions"].sum()
        pd.testing.assert_series_equal(
            part.astype(int), overall.astype(int), check_names=False, check_index_type=False
        )


def test_funnel_daily_matches_pandas(build: Build, sessions: pd.DataFrame) -> None:
    actual = build.frame("select * from marts.fct_funnel_daily")
    actual["session_date"] = pd.to_datetime(actual["session_date"]).dt.strftime("%Y-%m-%d")
    expected = rb.funnel_daily(sessions)
    assert_frames_match(
        actual,
        expected,
        ["session_date", "step_number"],
        rtol=RTOL,
        label=f"fct_funnel_daily on {build.target}",
    )


def test_funnel_periods_match_pandas(
    build: Build, staged_reference: dict[str, pd.DataFrame], sessions: pd.DataFrame
) -> None:
    actual = build.frame("select * from marts.fct_funnel_periods")
    for column in ("period_start", "period_end"):
        actual[column] = pd.to_datetime(actual[column]).dt.strftime("%Y-%m-%d")
    expected = rb.funnel_periods(sessions, reference_customers.as_of_date(staged_reference))
    assert set(expected["period"]) == {"current", "previous"}
    assert expected.loc[expected["step_number"] == 1, "segment_sessions"].gt(0).any()
    assert_frames_match(
        actual,
        expected,
        ["period", "segment_type", "segment_value", "step_number"],
        rtol=RTOL,
        label=f"fct_funnel_periods on {build.target}",
    )


def test_time_to_convert_matches_pandas(build: Build, time_to_convert: pd.DataFrame) -> None:
    actual = build.frame("select * from marts.fct_funnel_time_to_convert")
    expected = time_to_convert
    assert expected["converted_sessions"].sum() > 0
    assert_frames_match(
        actual,
        expected,
        ["segment_type", "segment_value", "step_number"],
        rtol=RTOL,
        label=f"fct_funnel_time_to_convert on {build.target}",
    )


def test_time_to_convert_histogram_matches_pandas(
    build: Build, staged_reference: dict[str, pd.DataFrame], sessions: pd.DataFrame
) -> None:
    actual = build.frame("select * from marts.fct_funnel_time_to_convert_histogram")
    expected = rb.time_to_convert_histogram(staged_reference, sessions)
    # Empty buckets are rows too, and conversions fall in more than one bucket.
    assert (expected["converted_sessions"] == 0).any()
    assert (expected["converted_sessions"] > 0).sum() > len(rb.FUNNEL_STEPS)
    assert_frames_match(
        actual,
        expected,
        ["segment_type", "segment_value", "step_number", "bucket_number"],
        rtol=RTOL,
        label=f"fct_funnel_time_to_convert_histogram on {build.target}",
    )


def test_histogram_adds_up_to_time_to_convert(build: Build) -> None:
    """Each step's buckets hold exactly the conversions fct_funnel_time_to_convert counts."""
    histogram = build.frame("select * from marts.fct_funnel_time_to_convert_histogram")
    summary = build.frame("select * from marts.fct_funnel_time_to_convert")
    key = ["segment_type", "segment_value", "step_number"]
    totals = histogram.groupby(key)["converted_sessions"].sum().astype(int)
    converted = summary.set_index(key)["converted_sessions"].astype(int)
    pd.testing.assert_series_equal(
        totals.sort_index(), converted.sort_index(), check_names=False, check_index_type=False
    )


def test_customer_funnel_matches_pandas(build: Build, customer_funnel: pd.DataFrame) -> None:
    actual = build.frame("select * from marts.fct_funnel_customers")
    expected = customer_funnel
    # Customers acquired in the sample's last week still have open windows.
    assert expected["in_progress_customers"].sum() > 0
    assert (expected["segment_closed_customers"] < expected["segment_customers"]).any()
    assert_frames_match(
        actual,
        expected,
        ["segment_type", "segment_value", "step_number"],
        rtol=RTOL,
        label=f"fct_funnel_customers on {build.target}",
    )


def test_session_paths_match_pandas(
    build: Build, paths: dict[str, list[str]], sessions: pd.DataFrame
) -> None:
    actual = build.frame("select * from marts.fct_session_paths")
    expected = rb.session_paths(paths, sessions)
    assert expected["is_truncated"].any(), "the sample should have paths longer than 10 steps"
    assert_frames_match(
        actual, expected, ["path"], rtol=RTOL, label=f"fct_session_paths on {build.target}"
    )
    assert actual["share_of_sessions"].sum() == pytest.approx(1, rel=1e-9)
    assert actual["sessions"].sum() == int((sessions["event_count"] > 0).sum())


def test_path_transitions_match_pandas(
    build: Build, paths: dict[str, list[str]], sessions: pd.DataFrame
) -> None:
    actual = build.frame("select * from marts.fct_path_transitions")
    expected = rb.path_transitions(paths, sessions)
    assert_frames_match(
        actual,
        expected,
        ["from_step", "to_step"],
        rtol=RTOL,
        label=f"fct_path_transitions on {build.target}",
    )
    sums = actual.groupby("from_step")["transition_probability"].sum()
    assert np.allclose(sums, 1, rtol=1e-9), "transition probabilities must sum to 1 per from_step"
    # Every session with events leaves (start) once and ends in exactly one terminal state.
    terminal = actual[actual["to_step"].isin(["(conversion)", "(exit)"])]["transitions"].sum()
    started = actual[actual["from_step"] == "(start)"]["transitions"].sum()
    assert terminal == started == len(paths)
    conversions = actual[actual["to_step"] == "(conversion)"]["transitions"].sum()
    with_events = sessions[sessions["event_count"] > 0]
    assert conversions == int(with_events["did_purchase"].sum())


def test_paths_to_conversion_match_pandas(
    build: Build, staged_reference: dict[str, pd.DataFrame], sessions: pd.DataFrame
) -> None:
    actual = build.frame("select * from marts.fct_paths_to_conversion")
    expected = rb.paths_to_conversion(staged_reference, sessions)
    # The sample exercises the cut to the last 5 steps and the (other) row.
    assert expected["is_truncated"].eq(True).any() and "(other)" in set(expected["path"])
    assert_frames_match(
        actual,
        expected,
        ["path"],
        rtol=RTOL,
        label=f"fct_paths_to_conversion on {build.target}",
    )
    completed = sessions["funnel_step_reached"] == len(rb.FUNNEL_STEPS)
    assert actual["sessions"].sum() == int(completed.sum())


def test_paths_from_entry_match_pandas(
    build: Build, staged_reference: dict[str, pd.DataFrame]
) -> None:
    actual = build.frame("select * from marts.fct_paths_from_entry")
    expected = rb.paths_from_entry(staged_reference)
    assert expected["converted_sessions"].gt(0).any() and "(other)" in set(expected["path"])
    assert_frames_match(
        actual,
        expected,
        ["entry_step", "path"],
        rtol=RTOL,
        label=f"fct_paths_from_entry on {build.target}",
    )


def test_step_matrix_matches_pandas(build: Build, paths: dict[str, list[str]]) -> None:
    actual = build.frame("select * from marts.fct_step_transitions_by_position")
    expected = rb.step_matrix(paths)
    assert_frames_match(
        actual,
        expected,
        ["step_position", "step_label"],
        rtol=RTOL,
        label=f"fct_step_transitions_by_position on {build.target}",
    )


def test_product_funnel_matches_pandas(build: Build, product_funnel: pd.DataFrame) -> None:
    actual = build.frame("select * from marts.fct_product_funnel")
    expected = product_funnel
    assert (expected["revenue_usd"] > 0).any()
    assert_frames_match(
        actual,
        expected,
        ["product_id"],
        rtol=RTOL,
        atol=1e-6,
        label=f"fct_product_funnel on {build.target}",
    )


def test_category_funnel_matches_pandas(build: Build, category_funnel: pd.DataFrame) -> None:
    actual = build.frame("select * from marts.fct_category_funnel")
    assert (category_funnel["revenue_usd"] > 0).any()
    assert_frames_match(
        actual,
        category_funnel,
        ["category"],
        rtol=RTOL,
        atol=1e-6,
        label=f"fct_category_funnel on {build.target}",
    )


def test_product_revenue_adds_up_to_completed_orders(
    build: Build, staged_reference: dict[str, pd.DataFrame]
) -> None:
    """The product funnel and the category funnel each hold all revenue of completed orders."""
    frame = build.frame(
        "select 'product' as level, sum(revenue_usd) as revenue_usd, sum(units_purchased) as units"
        " from marts.fct_product_funnel"
        " union all"
        " select 'category', sum(revenue_usd), sum(units_purchased) from marts.fct_category_funnel"
    ).set_index("level")
    orders = rb.accepted(staged_reference, "orders")
    items = rb.accepted(staged_reference, "order_items")
    completed = set(orders.loc[orders["status"] == "completed", "order_id"])
    sold = items[items["order_id"].isin(completed)]
    revenue = float(
        sum(int(q) * p for q, p in zip(sold["quantity"], sold["unit_price_usd"], strict=True))
    )
    for level in ("product", "category"):
        assert float(frame.loc[level, "revenue_usd"]) == pytest.approx(revenue, abs=1e-6)
        assert int(frame.loc[level, "units"]) == int(sold["quantity"].sum())


def _propagated_conversion(transitions: pd.DataFrame, removed: str | None = None) -> float:
    """P(conversion) from (start) by pushing probability mass through the chain (brute force)."""
    states = sorted(set(transitions["from_step"]) | set(transitions["to_step"]))
    position = {state: i for i, state in enumerate(states)}
    full = np.zeros((len(states), len(states)))
    for from_step, to_step, probability in transitions[
        ["from_step", "to_step", "transition_probability"]
    ].itertuples(index=False):
        target = "(exit)" if to_step == removed else to_step
        full[position[from_step], position[target]] += float(probability)
    for terminal in ("(conversion)", "(exit)"):
        full[position[terminal], position[terminal]] = 1.0
    mass = np.zeros(len(states))
    mass[position["(start)"]] = 1.0
    for _ in range(100_000):
        mass = mass @ full
        if mass.sum() - mass[position["(conversion)"]] - mass[position["(exit)"]] < 1e-13:
            break
    return float(mass[position["(conversion)"]])


def test_removal_effects_of_the_built_chain_match_brute_force(build: Build) -> None:
    transitions = build.frame("select * from marts.fct_path_transitions")
    effects = removal_effects(transitions).set_index("step")
    baseline = _propagated_conversion(transitions)
    assert baseline > 0
    steps = (set(transitions["from_step"]) | set(transitions["to_step"])) - {
        "(start)",
        "(conversion)",
        "(exit)",
    }
    assert set(effects.index) == steps
    for step in steps:
        expected = 1 - _propagated_conversion(transitions, step) / baseline
        assert effects.loc[step, "removal_effect"] == pytest.approx(expected, abs=1e-6), step
    # In the sample every purchase passes the purchase event, and that one matters most.
    assert effects["removal_effect"].max() <= 1.0
    assert effects.index[0] in {"purchase", "checkout"}
