"""The SQL analyses (analyses/*.sql) on both targets: `dbt compile` turns each into plain SQL a
user can paste into DBeaver, and running that SQL gives what an independent pandas
computation over the marts gives (and what the mart it summarises says, where one exists)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from support.build import Build
from support.paths import PROJECT_DIR

ANALYSES = {
    "biggest_drop_off_by_segment",
    "top_converting_paths",
    "session_vs_customer_conversion",
    "repeat_purchase_rates",
}
FUNNEL_STEPS = ["page_view", "add_to_cart", "checkout", "purchase"]
SEGMENTS = ["device", "country", "traffic_source"]
MIN_PATH_SESSIONS = 10
TOP_PATHS = 25
Z = 1.96


@pytest.fixture(scope="session")
def compiled(build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every analysis compiled for the build's target: name -> SQL."""
    target_path = tmp_path_factory.mktemp(f"compiled_{build.target}")
    build.dbt(
        "compile",
        "--target",
        build.target,
        "--select",
        "resource_type:analysis",
        "--target-path",
        str(target_path),
    )
    folder = target_path / "compiled" / "customer_behaviour" / "analyses"
    return {path.stem: path.read_text(encoding="utf-8") for path in folder.glob("*.sql")}


def _run(build: Build, compiled: dict[str, str], name: str) -> pd.DataFrame:
    return build.frame(compiled[name])


def _close(actual: float, expected: float) -> bool:
    if pd.isna(expected):
        return pd.isna(actual)
    return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-9)


def test_every_analysis_compiles_to_plain_sql(compiled: dict[str, str]) -> None:
    on_disk = {path.stem for path in (PROJECT_DIR / "analyses").glob("*.sql")}
    assert ANALYSES <= on_disk
    assert set(compiled) == on_disk
    for name, sql in compiled.items():
        assert "{{" not in sql and "{%" not in sql and "{#" not in sql, name
        header = sql.lstrip().splitlines()[0]
        assert header.startswith("-- ") and header.endswith("?"), (name, header)
        assert "marts" in sql, name


def _funnel_drop_offs(frame: pd.DataFrame) -> list[dict[str, object]]:
    reached = [int((frame["funnel_step_reached"] >= k).sum()) for k in range(1, 5)]
    return [
        {
            "step": k,
            "transition": f"{FUNNEL_STEPS[k]} > {FUNNEL_STEPS[k + 1]}",
            "before": reached[k],
            "lost": reached[k] - reached[k + 1],
            "rate": (reached[k] - reached[k + 1]) / reached[k],
        }
        for k in range(3)
        if reached[k] > 0
    ]


def test_biggest_drop_off_by_segment(build: Build, compiled: dict[str, str]) -> None:
    sessions = build.frame(
        "select device, country, traffic_source, funnel_step_reached from marts.fct_sessions"
    )
    sessions["funnel_step_reached"] = sessions["funnel_step_reached"].astype(int)
    overall_steps = _funnel_drop_offs(sessions)
    overall = {step["step"]: step["rate"] for step in overall_steps}
    expected = {}
    groups = [("overall", "all", sessions)] + [
        (column, str(value), frame)
        for column in SEGMENTS
        for value, frame in sessions.groupby(column)
    ]
    for segment_type, segment_value, frame in groups:
        steps = [step for step in _funnel_drop_offs(frame) if step["step"] in overall]
        if not steps:
            continue
        for step in steps:
            step["gap"] = step["rate"] - overall[step["step"]]
            step["excess"] = step["before"] * step["gap"]
        worst = max(steps, key=lambda step: (step["excess"], -step["step"]))
        biggest = max(steps, key=lambda step: (step["rate"], -step["step"]))
        expected[(segment_type, segment_value)] = (worst, biggest)

    result = _run(build, compiled, "biggest_drop_off_by_segment")
    assert len(result) == len(expected)
    assert list(result["excess_sessions_lost"]) == sorted(
        result["excess_sessions_lost"], reverse=True
    )
    for row in result.itertuples(index=False):
        worst, biggest = expected[(row.segment_type, row.segment_value)]
        assert row.funnel_transition == worst["transition"], row
        assert int(row.previous_step_sessions) == worst["before"]
        assert int(row.sessions_lost) == worst["lost"]
        assert _close(row.drop_off_rate, worst["rate"])
        assert _close(row.drop_off_gap, worst["gap"])
        assert _close(row.excess_sessions_lost, worst["excess"])
        assert row.biggest_drop_off_transition == biggest["transition"]
        assert _close(row.biggest_drop_off_rate, biggest["rate"])
    # On the sample, mobile checkouts are planted to fail: the analysis must put them first.
    first = result.iloc[0]
    assert (first["segment_type"], first["segment_value"]) == ("device", "mobile")
    assert first["funnel_transition"] == "checkout > purchase"


def _wilson(successes: int, trials: int) -> tuple[float, float]:
    rate = successes / trials
    centre = rate + Z * Z / (2 * trials)
    margin = Z * math.sqrt(rate * (1 - rate) / trials + Z * Z / (4 * trials * trials))
    denominator = 1 + Z * Z / trials
    low = 0.0 if successes == 0 else (centre - margin) / denominator
    high = 1.0 if successes == trials else (centre + margin) / denominator
    return low, high


def test_top_converting_paths(build: Build, compiled: dict[str, str]) -> None:
    paths = build.frame("select path, sessions, purchase_sessions from marts.fct_session_paths")
    frequent = paths[paths["sessions"] >= MIN_PATH_SESSIONS].copy()
    bounds = [
        _wilson(int(k), int(n))
        for k, n in zip(frequent["purchase_sessions"], frequent["sessions"], strict=True)
    ]
    frequent["low"] = [low for low, _ in bounds]
    frequent["high"] = [high for _, high in bounds]
    frequent["path_bytes"] = frequent["path"].map(lambda path: path.encode())
    expected = frequent.sort_values(
        ["low", "sessions", "path_bytes"], ascending=[False, False, True]
    ).head(TOP_PATHS)

    result = _run(build, compiled, "top_converting_paths")
    assert list(result["converting_rank"]) == list(range(1, len(expected) + 1))
    assert list(result["path"]) == list(expected["path"])
    for row, wanted in zip(
        result.itertuples(index=False), expected.itertuples(index=False), strict=True
    ):
        assert int(row.sessions) == int(wanted.sessions)
        assert _close(row.purchase_rate, wanted.purchase_sessions / wanted.sessions)
        assert math.isclose(row.purchase_rate_low_95, wanted.low, abs_tol=1e-9)
        assert math.isclose(row.purchase_rate_high_95, wanted.high, abs_tol=1e-9)
        assert row.purchase_rate_low_95 <= row.purchase_rate <= row.purchase_rate_high_95
    # Paths that convert come before paths that never do.
    converting = result["purchase_sessions"] > 0
    assert converting.any()
    assert list(converting) == sorted(converting, reverse=True)


def test_session_vs_customer_conversion(build: Build, compiled: dict[str, str]) -> None:
    sessions = build.frame(
        "select customer_id, device, country, did_purchase from marts.fct_sessions"
    )
    sessions["did_purchase"] = sessions["did_purchase"].astype(bool)
    groups = [("overall", "all", sessions)] + [
        (column, str(value), frame)
        for column in ("country", "device")
        for value, frame in sessions.groupby(column)
    ]
    expected = {}
    for segment_type, segment_value, frame in groups:
        identified = frame[frame["customer_id"].notna()]
        customers = identified.groupby("customer_id")["did_purchase"].any()
        expected[(segment_type, segment_value)] = {
            "n_sessions": len(frame),
            "n_purchase_sessions": int(frame["did_purchase"].sum()),
            "n_anonymous_sessions": int(frame["customer_id"].isna().sum()),
            "n_customers": len(customers),
            "n_converted_customers": int(customers.sum()),
        }
    result = _run(build, compiled, "session_vs_customer_conversion")
    assert len(result) == len(expected)
    for row in result.itertuples(index=False):
        wanted = expected[(row.segment_type, row.segment_value)]
        for column, value in wanted.items():
            assert int(getattr(row, column)) == value, (row, column)
        session_rate = wanted["n_purchase_sessions"] / wanted["n_sessions"]
        assert _close(row.session_conversion_rate, session_rate)
        if wanted["n_customers"]:
            customer_rate = wanted["n_converted_customers"] / wanted["n_customers"]
            assert _close(row.customer_conversion_rate, customer_rate)
            if session_rate:
                assert _close(row.customer_to_session_ratio, customer_rate / session_rate)
        else:
            assert pd.isna(row.customer_conversion_rate)
    # The curated mart says the same for the segments it shares with the analysis.
    levels = build.frame(
        "select segment_type, segment_value, n_sessions, n_purchase_sessions, n_customers, "
        "n_converted_customers from marts.fct_conversion_levels "
        "where segment_type in ('overall', 'country')"
    )
    for row in levels.itertuples(index=False):
        wanted = expected[(row.segment_type, row.segment_value)]
        assert int(row.n_sessions) == wanted["n_sessions"]
        assert int(row.n_purchase_sessions) == wanted["n_purchase_sessions"]
        assert int(row.n_customers) == wanted["n_customers"]
        assert int(row.n_converted_customers) == wanted["n_converted_customers"]


def test_repeat_purchase_rates(build: Build, compiled: dict[str, str]) -> None:
    customers = build.frame(
        "select customer_id, country, preferred_device, n_orders, first_order_at "
        "from marts.dim_customers where n_orders > 0"
    )
    customers["n_orders"] = customers["n_orders"].astype(int)
    customers["country"] = customers["country"].fillna("unknown")
    customers["preferred_device"] = customers["preferred_device"].fillna("unknown")
    customers["first_order_month"] = (
        pd.to_datetime(customers["first_order_at"]).dt.to_period("M").dt.start_time
    ).dt.strftime("%Y-%m-%d")
    groups = [("overall", "all", customers)] + [
        (column, str(value), frame)
        for column in ("first_order_month", "country", "preferred_device")
        for value, frame in customers.groupby(column)
    ]
    expected = {
        (segment_type, segment_value): (
            len(frame),
            int((frame["n_orders"] >= 2).sum()),
            frame["n_orders"].mean(),
        )
        for segment_type, segment_value, frame in groups
    }
    result = _run(build, compiled, "repeat_purchase_rates")
    assert len(result) == len(expected)
    for row in result.itertuples(index=False):
        buyers, repeaters, mean_orders = expected[(row.segment_type, str(row.segment_value))]
        assert (int(row.n_buyers), int(row.n_repeat_buyers)) == (buyers, repeaters), row
        assert _close(row.repeat_rate, repeaters / buyers)
        assert _close(row.avg_orders_per_buyer, mean_orders)
    # The cohort rows are the mart's repeat purchase by first-order month.
    mart = build.frame(
        "select first_order_month, n_buyers, n_repeat_buyers from marts.fct_repeat_purchase"
    )
    cohorts = result[result["segment_type"] == "first_order_month"]
    assert sorted(
        (str(pd.Timestamp(month).date()), int(buyers), int(repeaters))
        for month, buyers, repeaters in mart.itertuples(index=False)
    ) == sorted(
        (str(value), int(buyers), int(repeaters))
        for value, buyers, repeaters in cohorts[
            ["segment_value", "n_buyers", "n_repeat_buyers"]
        ].itertuples(index=False)
    )
