"""Empty and tiny inputs: empty results and a clear diagnostic, never a crash.

The analyses (baskets, drivers, styles, experiment) are called on edge-case frames directly;
no database is needed. test_analyze_tiny_marts.py runs ``analyze`` end to end on such marts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_behaviour import baskets, drivers, experiment, funnel_comparisons, styles
from customer_behaviour.errors import UserError


def _basket_items(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(baskets.BASKET_COLUMNS))


def test_no_baskets_gives_no_rules_and_says_why() -> None:
    result = baskets.mine_baskets(_basket_items([]), baskets.BasketOptions())
    assert result.rules.empty
    assert list(result.rules.columns) == list(baskets.RULE_COLUMNS)
    assert result.diagnostics["level"].tolist() == ["product", "category"]
    assert (result.diagnostics["n_baskets"] == 0).all()
    assert result.diagnostics["verdict"].str.startswith("No baskets").all()
    assert any("no baskets" in message for message in result.messages)


def test_a_single_basket_of_two_products() -> None:
    items = _basket_items([("o1", "p1", "toys"), ("o1", "p2", "books")])
    result = baskets.mine_baskets(items, baskets.BasketOptions())
    product = result.rules[result.rules["level"] == "product"]
    assert sorted(zip(product["antecedents"], product["consequents"], strict=True)) == [
        ("p1", "p2"),
        ("p2", "p1"),
    ]
    assert (product["confidence"] == 1.0).all() and (product["lift"] == 1.0).all()
    assert product["conviction"].isna().all(), "infinite conviction is stored as NULL"
    diagnostics = result.diagnostics.set_index("level")
    assert diagnostics.loc["product", "n_baskets"] == 1
    assert diagnostics.loc["product", "covered_share"] == 1.0


def test_single_item_baskets_give_no_rules_and_a_verdict() -> None:
    items = _basket_items([(f"o{i}", f"p{i % 3}", "toys") for i in range(50)])
    result = baskets.mine_baskets(items, baskets.BasketOptions())
    assert result.rules.empty
    verdict = result.diagnostics.set_index("level").loc["product", "verdict"]
    assert verdict.startswith("100% of the 50 baskets hold a single product")
    assert "No rule reaches" in verdict


def test_repeated_lines_count_once_per_basket() -> None:
    items = _basket_items(
        [("o1", "p1", "toys"), ("o1", "p1", "toys"), ("o1", "p2", "toys"), ("o2", "p1", "toys")]
    )
    result = baskets.mine_baskets(items, baskets.BasketOptions(min_confidence=0.0))
    rule = result.rules[
        (result.rules["antecedents"] == "p1") & (result.rules["level"] == "product")
    ]
    assert rule["support"].tolist() == [0.5] and rule["confidence"].tolist() == [0.5]
    category = result.diagnostics.set_index("level").loc["category"]
    assert category["n_multi_item_baskets"] == 0


def test_result_frames_keep_their_row_order_and_types() -> None:
    from customer_behaviour.warehouse import conform

    frame = pd.DataFrame(
        {"name": ["b", "a", None], "share": [0.5, np.inf, np.nan], "n": [3, 1, 2]},
        index=[7, 3, 5],
    )
    typed = conform(frame, {"name": "text", "share": "float", "n": "integer"})
    assert typed["name"].tolist() == ["b", "a", None]
    assert typed["share"].iloc[0] == 0.5 and typed["share"].iloc[1:].isna().all()
    assert typed["n"].tolist() == [3, 1, 2] and str(typed["n"].dtype) == "Int64"


@pytest.mark.parametrize(
    "options",
    [
        baskets.BasketOptions(min_support=0.0),
        baskets.BasketOptions(min_confidence=1.5),
        baskets.BasketOptions(max_len=1),
    ],
)
def test_invalid_thresholds_are_user_errors(options: baskets.BasketOptions) -> None:
    with pytest.raises(UserError):
        baskets.mine_baskets(_basket_items([]), options)


def _sessions(n: int, purchased: np.ndarray | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    purchased = np.zeros(n, dtype=bool) if purchased is None else purchased
    return pd.DataFrame(
        {
            "session_id": [f"s{i}" for i in range(n)],
            "customer_id": [f"c{i % 7}" if i % 3 else None for i in range(n)],
            "did_purchase": purchased,
            "amount_usd": np.where(purchased, 20.0, 0.0),
            "event_count": rng.integers(1, 20, n),
            "session_seconds": rng.integers(0, 600, n),
            "pre_intent_event_count": rng.integers(0, 10, n),
            "pre_intent_seconds": rng.integers(0, 300, n),
            "first_event_delay_seconds": rng.integers(0, 60, n),
            "device": rng.choice(["desktop", "mobile"], n),
            "traffic_source": rng.choice(["direct", "paid"], n),
            "purchase_style": None,
            "events_per_minute": rng.random(n),
            "avg_item_price_usd": np.nan,
            "session_start_at": pd.Timestamp("2024-01-01"),
        }
    )


@pytest.mark.parametrize("n_sessions", [0, 1, 500])
def test_drivers_without_buyers_are_not_fitted(n_sessions: int) -> None:
    sessions = _sessions(n_sessions)
    conversion = drivers.conversion_drivers(sessions)
    spend = drivers.spend_drivers(sessions)
    assert conversion.frame.empty and list(conversion.frame.columns) == list(
        drivers.CONVERSION_COLUMNS
    )
    assert spend.frame.empty and list(spend.frame.columns) == list(drivers.SPEND_COLUMNS)
    assert conversion.calibration is not None and conversion.calibration.empty
    assert list(conversion.calibration.columns) == list(drivers.CALIBRATION_COLUMNS)
    for spec in drivers.SPECIFICATIONS:
        assert any(
            f"conversion model ({spec.name}) not fitted" in message
            for message in conversion.messages
        )
        assert any(f"spend model ({spec.name}) not fitted" in message for message in spend.messages)


def test_styles_without_styled_sessions_are_not_compared() -> None:
    result = styles.compare_styles(_sessions(20))
    assert result.frame.empty
    assert "not compared" in result.messages[0]


def test_a_sessions_mart_without_purchase_style_is_a_user_error() -> None:
    with pytest.raises(UserError, match="purchase_style"):
        styles.compare_styles(_sessions(5).drop(columns="purchase_style"))


@pytest.mark.parametrize("purchased", [[], [False] * 10, [True] * 10])
def test_experiment_without_a_usable_baseline_is_not_sized(purchased: list[bool]) -> None:
    sessions = _sessions(len(purchased), np.array(purchased, dtype=bool))
    result = experiment.experiment_sizing(sessions)
    assert result.frame.empty
    assert "not sized" in result.messages[0]
    # The reason names what is missing, never a baseline of nan.
    assert "nan" not in result.messages[0]
    assert ("no sessions" in result.messages[0]) == (not purchased)


# ----------------------------------------------------------------------------------------------
# Funnel comparisons


def _funnel(rows: list[tuple[str, str, int, list[int]]]) -> pd.DataFrame:
    """fct_funnel-shaped rows from (segment_type, segment_value, segment_sessions, counts)."""
    steps = ["view", "buy"]
    return pd.DataFrame(
        [
            {
                "segment_type": segment_type,
                "segment_value": value,
                "step_number": number,
                "step_name": steps[number - 1],
                "segment_sessions": total,
                "sessions": counts[number - 1],
            }
            for segment_type, value, total, counts in rows
            for number in (1, 2)
        ]
    )


def _periods(previous: dict[str, tuple[int, int]], current: dict[str, tuple[int, int]]):
    """fct_funnel_periods-shaped rows, breakdown `device`: value -> (sessions, buyers)."""
    frames = []
    for period, values, start in (
        ("previous", previous, "2024-01-01"),
        ("current", current, "2024-01-08"),
    ):
        rows = [("device", value, n, [n, c]) for value, (n, c) in values.items()]
        total = sum(n for n, _ in values.values())
        bought = sum(c for _, c in values.values())
        rows.append(("overall", "all", total, [total, bought]))
        frame = _funnel(rows).assign(period=period, period_start=start, period_end=start)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_segment_comparison_without_sessions_or_breakdowns_says_why() -> None:
    empty = funnel_comparisons.segment_comparison(_funnel([]))
    assert empty.frame.empty and "no sessions" in empty.messages[0]
    # Orders only: fct_funnel holds the overall steps with 0 sessions and no breakdown.
    no_sessions = funnel_comparisons.segment_comparison(_funnel([("overall", "all", 0, [0, 0])]))
    assert no_sessions.frame.empty and "no sessions" in no_sessions.messages[0]
    overall_only = funnel_comparisons.segment_comparison(_funnel([("overall", "all", 9, [9, 3])]))
    assert overall_only.frame.empty and "no breakdown" in overall_only.messages[0]
    assert list(overall_only.frame.columns) == list(funnel_comparisons.SEGMENT_COMPARISON_COLUMNS)


def test_segment_comparison_with_one_value_or_no_variation_is_undefined_not_a_crash() -> None:
    one_value = funnel_comparisons.segment_comparison(
        _funnel([("overall", "all", 10, [10, 4]), ("device", "mobile", 10, [10, 4])])
    )
    # Nothing to compare with: no rest, no test, flagged as unable to detect anything.
    assert one_value.frame["rest_entered"].eq(0).all()
    assert one_value.frame["p_value"].isna().all()
    assert one_value.frame["is_underpowered"].all()
    assert not one_value.frame["is_significant"].any()
    everyone = funnel_comparisons.segment_comparison(
        _funnel([("device", "a", 5, [5, 5]), ("device", "b", 7, [7, 7])])
    )
    # Every session converts on both sides: the difference is 0, the test undefined.
    assert everyone.frame["difference"].eq(0).all()
    assert everyone.frame["p_value"].isna().all()


def test_segment_comparison_finds_a_large_gap_and_flags_a_tiny_cell() -> None:
    frame = funnel_comparisons.segment_comparison(
        _funnel(
            [
                ("device", "desktop", 40000, [40000, 8000]),
                ("device", "mobile", 40000, [40000, 4000]),
                ("device", "tablet", 12, [12, 2]),
            ]
        )
    ).frame.set_index(["segment_value", "step_number"])
    assert frame.loc[("mobile", 2), "is_significant"]
    assert (
        frame.loc[("mobile", 2), "difference_high"]
        < 0
        < frame.loc[("desktop", 2), "difference_low"]
    )
    assert frame.loc[("tablet", 2), "is_underpowered"]
    assert not frame.loc[("desktop", 2), "is_underpowered"]


def test_period_change_without_a_previous_period_says_so() -> None:
    result = funnel_comparisons.period_change(_periods({}, {"mobile": (10, 2)}))
    assert result.frame.empty
    assert "previous period (2024-01-01 to 2024-01-01) has no sessions" in result.messages[0]
    # Orders only: the periods exist (dated by orders) but hold no session at all.
    no_sessions = funnel_comparisons.period_change(_periods({}, {}))
    assert no_sessions.frame.empty
    assert "no session started in either period" in no_sessions.messages[0]
    assert "comparison_period_days" not in no_sessions.messages[0]
    empty = funnel_comparisons.period_change(pd.DataFrame())
    assert empty.frame.empty and "no events or orders" in empty.messages[0]


def test_period_change_of_a_segment_in_one_period_only_is_all_mix() -> None:
    frame = funnel_comparisons.period_change(
        _periods({"desktop": (100, 20)}, {"desktop": (100, 20), "tablet": (100, 0)})
    ).frame.set_index(["segment_type", "segment_value"])
    tablet = frame.loc[("device", "tablet")]
    assert tablet["rate_effect"] == 0
    assert tablet["mix_effect"] == pytest.approx(0.5 * 0.0 - 0.0)
    total = frame.loc[("device", "(total)")]
    # 20% -> 10%: all of it because tablet (converting 0%) took half the traffic.
    assert total["mix_effect"] + total["rate_effect"] == pytest.approx(-0.10)
    assert total["rate_effect"] == pytest.approx(0.0)
    assert total["mix_effect"] == pytest.approx(-0.10)
    # Desktop lost half its share at an unchanged 20%.
    assert frame.loc[("device", "desktop"), "mix_effect"] == pytest.approx(-0.5 * 0.2)
