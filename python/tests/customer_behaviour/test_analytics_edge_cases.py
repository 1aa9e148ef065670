"""Empty and tiny inputs: empty results and a clear diagnostic, never a crash.

The analyses (baskets, drivers, styles, experiment) are called on edge-case frames directly;
no database is needed. test_analyze_tiny_marts.py runs ``analyze`` end to end on such marts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_behaviour import baskets, drivers, experiment, styles
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
    assert any("not fitted" in message for message in conversion.messages)
    assert any("not fitted" in message for message in spend.messages)


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
