"""The channel attribution marts on both targets: fct_conversion_touches, fct_conversion_paths
and fct_channel_attribution against a pandas recomputation from the seed CSVs
(support/reference_attribution.py), the heuristic models against the ``channelattribution``
package's ``heuristic_models`` and the Markov shares of the Python layer against its
``markov_model``, on the same paths."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from customer_behaviour.attribution import BootstrapSettings, markov_attribution
from support import reference
from support import reference_attribution as ra
from support.build import Build
from support.compare import assert_frames_match

RTOL = 1e-9
MARKOV_TOLERANCE = 0.02
"""channelattribution simulates the chain (1e5+ walks, stopping once the estimates move by
less than its conv_par of 5 %); the exact shares must agree within 2 points."""


@pytest.fixture(scope="module")
def reference_touches(staged_reference: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return ra.touches(reference.sessions(staged_reference))


def _touches(build: Build) -> pd.DataFrame:
    return build.frame("select * from marts.fct_conversion_touches")


def _paths(build: Build) -> pd.DataFrame:
    return build.frame("select * from marts.fct_conversion_paths")


def test_conversion_touches_match_pandas(build: Build, reference_touches: pd.DataFrame) -> None:
    actual = _touches(build)
    assert list(actual.columns) == list(reference_touches.columns)
    assert_frames_match(
        actual,
        reference_touches,
        ["journey_id", "touch_position"],
        rtol=RTOL,
        label=f"fct_conversion_touches on {build.target}",
    )


def test_conversion_paths_match_pandas(build: Build, reference_touches: pd.DataFrame) -> None:
    expected = ra.paths(reference_touches)
    actual = _paths(build)
    assert list(actual.columns) == list(expected.columns)
    assert_frames_match(
        actual, expected, ["journey_id"], rtol=RTOL, label=f"fct_conversion_paths on {build.target}"
    )


def test_the_sample_holds_the_awkward_journeys(
    build: Build, staged_reference: dict[str, pd.DataFrame]
) -> None:
    """The comparisons above cover one-session journeys, customers who never buy, anonymous
    conversions, repeat buyers and sessions dropped by the lookback window."""
    paths = _paths(build)
    touches = _touches(build)
    sessions = reference.sessions(staged_reference)
    assert (paths["path_length"] == 1).sum() > 0
    assert ((paths["path_length"] > 1) & paths["is_converted"].astype(bool)).sum() > 0
    buyers = set(paths.loc[paths["is_converted"].astype(bool), "customer_id"].dropna())
    assert set(paths["customer_id"].dropna()) - buyers, "no customer without a purchase"
    assert (paths["is_anonymous"].astype(bool) & paths["is_converted"].astype(bool)).any()
    assert paths.loc[paths["is_converted"].astype(bool), "customer_id"].dropna().duplicated().any()
    outside = set(sessions["session_id"]) - set(touches["session_id"])
    assert outside, "no session fell outside the lookback window"
    assert float(touches["days_before_end"].max()) <= 30


def test_channel_attribution_matches_pandas(build: Build, reference_touches: pd.DataFrame) -> None:
    expected = ra.channel_attribution(reference_touches)
    actual = build.frame("select * from marts.fct_channel_attribution")
    assert list(actual.columns) == list(expected.columns)
    assert_frames_match(
        actual,
        expected,
        ["attribution_model", "channel_group"],
        rtol=RTOL,
        atol=1e-6,
        label=f"fct_channel_attribution on {build.target}",
    )
    # Every model gives away exactly the conversions and the revenue there are.
    converting = reference_touches[reference_touches["is_converted"]]
    totals = actual.groupby("attribution_model")[
        ["attributed_conversions", "attributed_revenue_usd"]
    ].sum()
    assert np.allclose(totals["attributed_conversions"], converting["journey_id"].nunique())
    revenue = converting.drop_duplicates("journey_id")["revenue_usd"].sum()
    assert np.allclose(totals["attributed_revenue_usd"], revenue)


def _path_counts(build: Build) -> pd.DataFrame:
    """The journeys as channelattribution takes them: one row per distinct path."""
    paths = _paths(build)
    paths["conversions"] = paths["is_converted"].astype(bool).astype(int)
    paths["nulls"] = 1 - paths["conversions"]
    paths["value"] = paths["revenue_usd"].astype(float)
    return paths.groupby("channel_path", as_index=False)[["conversions", "nulls", "value"]].sum()


def test_heuristic_models_equal_channelattribution(build: Build) -> None:
    from ChannelAttribution import heuristic_models

    expected = heuristic_models(
        _path_counts(build), "channel_path", "conversions", var_value="value", flg_pro=False
    ).set_index("channel_name")
    actual = build.frame("select * from marts.fct_channel_attribution")
    for ours, theirs in (
        ("first_touch", "first_touch"),
        ("last_touch", "last_touch"),
        ("linear", "linear_touch"),
    ):
        model = actual[actual["attribution_model"] == ours].set_index("channel_group")
        model = model[model["attributed_conversions"].astype(float) > 0]
        assert set(model.index) == set(expected.index), ours
        got = model.loc[expected.index]
        assert np.allclose(
            got["attributed_conversions"].astype(float),
            expected[f"{theirs}_conversions"],
            rtol=RTOL,
        ), ours
        assert np.allclose(
            got["attributed_revenue_usd"].astype(float), expected[f"{theirs}_value"], rtol=1e-9
        ), ours


def test_markov_shares_match_channelattribution(build: Build) -> None:
    from ChannelAttribution import markov_model

    touches = build.frame(
        "select journey_id, touch_position, channel_group, is_converted, revenue_usd "
        "from marts.fct_conversion_touches"
    )
    ours = markov_attribution(touches, BootstrapSettings(resamples=50, seed=7)).frame
    ours = ours.set_index("channel_group")
    theirs = markov_model(
        _path_counts(build),
        "channel_path",
        "conversions",
        var_null="nulls",
        seed=11,
        verbose=False,
        flg_pro=False,
    ).set_index("channel_name")
    assert set(ours.index) == set(theirs.index)
    their_shares = theirs["total_conversions"] / theirs["total_conversions"].sum()
    gap = (ours["share_of_conversions"] - their_shares.reindex(ours.index)).abs()
    assert (gap < MARKOV_TOLERANCE).all(), gap.to_dict()
    assert np.isclose(ours["attributed_conversions"].sum(), theirs["total_conversions"].sum())
    # The interval brackets the estimate.
    assert (ours["share_low"] <= ours["share_of_conversions"] + 1e-12).all()
    assert (ours["share_of_conversions"] <= ours["share_high"] + 1e-12).all()


def _show(build: Build, model: str, variables: str) -> pd.DataFrame:
    """All rows of `dbt show` for a model compiled with the given --vars."""
    result = build.dbt(
        "show",
        "--select",
        model,
        "--vars",
        variables,
        "--limit",
        "-1",
        "--output",
        "json",
        "--target",
        build.target,
    )
    text = result.stdout
    return pd.DataFrame(json.loads(text[text.index("{") : text.rindex("}") + 1])["show"])


@pytest.mark.parametrize("direct", ["[]", "[no_such_channel]"])
def test_without_a_direct_channel_last_non_direct_is_last_touch(build: Build, direct: str) -> None:
    touches = _show(
        build,
        "fct_conversion_touches",
        f"{{customer_behaviour__attribution_direct_channels: {direct}}}",
    )
    assert len(touches) == len(_touches(build))
    assert not touches["is_direct"].any()
    assert (touches["last_non_direct_credit"] == touches["last_touch_credit"]).all()


def test_the_variables_change_the_models(
    build: Build, staged_reference: dict[str, pd.DataFrame]
) -> None:
    """A shorter lookback, other position weights and half-life, recomputed in pandas."""
    settings = ra.Settings(lookback_days=3, position_weights=(0.3, 0.4, 0.3), half_life_days=1)
    variables = (
        "{customer_behaviour__attribution_lookback_days: 3, "
        "customer_behaviour__attribution_position_weights: [0.3, 0.4, 0.3], "
        "customer_behaviour__attribution_half_life_days: 1}"
    )
    expected = ra.touches(reference.sessions(staged_reference), settings)
    actual = _show(build, "fct_conversion_touches", variables)
    actual["touched_at"] = pd.to_datetime(actual["touched_at"])
    actual["journey_end_at"] = pd.to_datetime(actual["journey_end_at"])
    columns = ["path_length", "position_based_credit", "time_decay_credit", "days_before_end"]
    assert_frames_match(
        actual,
        expected,
        ["journey_id", "touch_position"],
        columns=columns,
        rtol=1e-6,
        label=f"fct_conversion_touches with {variables} on {build.target}",
    )
    assert len(actual) < len(_touches(build))


def test_bad_position_weights_stop_the_build_with_one_line(build: Build) -> None:
    bad = build.dbt(
        "compile",
        "--select",
        "fct_conversion_touches",
        "--vars",
        "{customer_behaviour__attribution_position_weights: [0.5, 0.5, 0.5]}",
        "--target",
        build.target,
        check=False,
    )
    assert bad.returncode != 0
    assert "must be three shares" in bad.stdout
