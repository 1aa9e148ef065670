"""Markov channel attribution (customer_behaviour.attribution) on small journeys, without a
warehouse: against channelattribution's simulated markov_model, against a hand-solved chain,
and on the awkward inputs (no journey, no conversion, one channel, an unknown channel)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_behaviour.attribution import (
    MARKOV_COLUMNS,
    BootstrapSettings,
    channel_transitions,
    markov_attribution,
)

NO_BOOTSTRAP = BootstrapSettings(resamples=0, seed=1)


def _touches(journeys: list[tuple[str, bool, float]]) -> pd.DataFrame:
    """(path 'a > b', converted, revenue) per journey -> the touch grain of the mart."""
    rows = []
    for number, (path, converted, revenue) in enumerate(journeys):
        for position, channel in enumerate(path.split(" > "), start=1):
            rows.append(
                {
                    "journey_id": f"j{number:04d}",
                    "touch_position": position,
                    "channel_group": channel,
                    "is_converted": converted,
                    "revenue_usd": revenue if converted else 0.0,
                }
            )
    return pd.DataFrame(rows)


def _random_journeys(seed: int, n: int = 3000) -> list[tuple[str, bool, float]]:
    generator = np.random.default_rng(seed)
    channels = ["direct", "email", "paid_search", "organic_search", "unknown"]
    lift = {"direct": 0.05, "email": 0.15, "paid_search": 0.1, "organic_search": 0.08}
    journeys = []
    for _ in range(n):
        length = int(generator.integers(1, 5))
        path = list(generator.choice(channels, size=length))
        chance = min(0.9, 0.05 + sum(lift.get(channel, 0.0) for channel in set(path)))
        journeys.append((" > ".join(path), bool(generator.random() < chance), 50.0))
    return journeys


def test_hand_solved_chain() -> None:
    """Journeys a (converts), b (exits) and a > b (converts), solved by hand."""
    touches = _touches([("a", True, 10.0), ("b", False, 0.0), ("a > b", True, 20.0)])
    result = markov_attribution(touches, NO_BOOTSTRAP).frame.set_index("channel_group")
    # a: moves to (conversion) 1/2, to b 1/2; b: to (exit) 1/2, to (conversion) 1/2.
    # From (start): 2/3 to a, 1/3 to b. P(b) = 1/2, P(a) = 1/2 + 1/2 × 1/2 = 3/4.
    baseline = 2 / 3 * 3 / 4 + 1 / 3 * 1 / 2
    without_a = 1 / 3 * 1 / 2
    without_b = 2 / 3 * 1 / 2
    assert np.isclose(result.loc["a", "conversion_probability"], baseline)
    assert np.isclose(result.loc["a", "removal_effect"], 1 - without_a / baseline)
    assert np.isclose(result.loc["b", "removal_effect"], 1 - without_b / baseline)
    total = (1 - without_a / baseline) + (1 - without_b / baseline)
    assert np.isclose(result.loc["a", "share_of_conversions"], (1 - without_a / baseline) / total)
    assert np.isclose(result["attributed_conversions"].sum(), 2)
    assert np.isclose(result["attributed_revenue_usd"].sum(), 30)
    assert result["share_low"].isna().all()


@pytest.mark.parametrize("seed", [1, 2])
def test_shares_match_channelattribution(seed: int) -> None:
    from ChannelAttribution import markov_model

    journeys = _random_journeys(seed)
    ours = markov_attribution(_touches(journeys), NO_BOOTSTRAP).frame.set_index("channel_group")
    paths = pd.DataFrame(journeys, columns=["path", "converted", "value"])
    paths["conversions"] = paths["converted"].astype(int)
    paths["nulls"] = 1 - paths["conversions"]
    grouped = paths.groupby("path", as_index=False)[["conversions", "nulls"]].sum()
    theirs = markov_model(
        grouped, "path", "conversions", var_null="nulls", seed=seed, verbose=False, flg_pro=False
    ).set_index("channel_name")
    their_shares = theirs["total_conversions"] / theirs["total_conversions"].sum()
    assert set(ours.index) == set(their_shares.index)
    gap = (ours["share_of_conversions"] - their_shares.reindex(ours.index)).abs()
    assert (gap < 0.02).all(), gap.to_dict()


def test_the_chain_is_the_journeys_walks() -> None:
    touches = _touches([("a > a > b", True, 1.0), ("b", False, 0.0)])
    transitions = channel_transitions(touches).set_index(["from_step", "to_step"])["transitions"]
    assert transitions.to_dict() == {
        ("(start)", "a"): 1.0,
        ("(start)", "b"): 1.0,
        ("a", "a"): 1.0,
        ("a", "b"): 1.0,
        ("b", "(conversion)"): 1.0,
        ("b", "(exit)"): 1.0,
    }


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    touches = _touches(_random_journeys(3, n=800))
    settings = BootstrapSettings(resamples=60, seed=9)
    first = markov_attribution(touches, settings).frame
    again = markov_attribution(touches, settings).frame
    pd.testing.assert_frame_equal(first, again)
    other = markov_attribution(touches, BootstrapSettings(resamples=60, seed=10)).frame
    assert not np.allclose(first["share_low"], other["share_low"])
    assert (first["share_low"] <= first["share_of_conversions"]).all()
    assert (first["share_of_conversions"] <= first["share_high"]).all()
    assert (first["share_high"] - first["share_low"] > 0).all()
    assert (first["n_resamples"] == 60).all()


def test_one_channel_gets_everything() -> None:
    touches = _touches([("email", True, 5.0), ("email > email", False, 0.0)])
    frame = markov_attribution(touches, BootstrapSettings(resamples=20, seed=1)).frame
    assert frame["channel_group"].tolist() == ["email"]
    assert frame["share_of_conversions"].tolist() == [1.0]
    assert frame["removal_effect"].tolist() == [1.0]
    assert frame["share_low"].tolist() == [1.0] and frame["share_high"].tolist() == [1.0]


@pytest.mark.parametrize(
    ("journeys", "message"),
    [
        ([], "no Markov attribution: there are no journeys (no accepted session)"),
        (
            [("direct", False, 0.0), ("email > direct", False, 0.0)],
            "no Markov attribution: no journey converts (no purchasing session)",
        ),
    ],
)
def test_nothing_to_attribute_says_why_in_one_line(
    journeys: list[tuple[str, bool, float]], message: str
) -> None:
    touches = _touches(journeys) if journeys else pd.DataFrame(columns=list(MARKOV_COLUMNS)[:0])
    result = markov_attribution(touches, BootstrapSettings(resamples=10, seed=1))
    assert result.frame.empty
    assert list(result.frame.columns) == list(MARKOV_COLUMNS)
    assert result.messages == [message]


def test_negative_resamples_are_rejected() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        markov_attribution(_touches([("a", True, 1.0)]), BootstrapSettings(-1, 1))
