"""Markov channel attribution: removal effects of channels on the journeys' channel paths,
solved exactly on the absorbing chain, with bootstrap intervals for the shares.

The input is the touch grain of the dbt mart ``fct_conversion_touches``: one row per
(journey, touch) with the touch's position and channel group and whether the journey
converted. Each journey is a walk ``(start) > channel > … > channel`` that ends in
``(conversion)`` or ``(exit)``; the transition counts of all walks make the chain that
:func:`customer_behaviour.markov.removal_effects` solves (the same solver as the step-level
removal effects, so nothing is simulated). A channel's **share** of the conversions is its
removal effect over the sum of all channels' removal effects (the usual normalisation, as in
the ``channelattribution`` package); the attributed conversions are the share times the
conversions, the attributed revenue the share times the conversions' revenue.

The **interval** of each share resamples the journeys with replacement (a seeded
``numpy.random.Generator``), rebuilds the chain and solves it again; the bounds are the
2.5th and 97.5th percentiles over the resamples (the journeys, not the touches, are the
independent units). A channel missing from a resample has share 0 there; a resample that
draws no conversion has no shares and is left out.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from customer_behaviour.markov import CONVERSION, EXIT, START, removal_effects
from customer_behaviour.warehouse import Columns, conform, empty_frame

TOUCH_COLUMNS = ("journey_id", "touch_position", "channel_group", "is_converted", "revenue_usd")
INTERVAL_LEVEL = 0.95

MARKOV_COLUMNS: Columns = {
    "channel_group": "text",
    "removal_effect": "float",
    "share_of_conversions": "float",
    "share_low": "float",
    "share_high": "float",
    "attributed_conversions": "float",
    "attributed_revenue_usd": "float",
    "conversion_probability": "float",
    "conversion_probability_without_channel": "float",
    "n_journeys": "integer",
    "n_conversions": "integer",
    "n_resamples": "integer",
    "interval_level": "float",
}


@dataclass(frozen=True)
class BootstrapSettings:
    """How the intervals are drawn: resamples (0 = no intervals) and the generator's seed."""

    resamples: int
    seed: int

    def validate(self) -> None:
        if self.resamples < 0:
            raise ValueError(f"bootstrap resamples must be 0 or more, not {self.resamples}")


@dataclass
class MarkovResult:
    frame: pd.DataFrame
    messages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Journeys:
    """The journeys as a journey x transition count matrix, for fast resampling."""

    transitions: pd.DataFrame
    """One row per distinct (from_step, to_step)."""
    counts: sparse.csr_matrix
    """journeys x transitions: how often each journey makes each transition."""
    converted: np.ndarray
    revenue: np.ndarray


def channel_transitions(touches: pd.DataFrame) -> pd.DataFrame:
    """The chain of the journeys in ``touches``: from_step, to_step, transitions."""
    journeys = _journeys(touches)
    return journeys.transitions.assign(transitions=np.asarray(journeys.counts.sum(axis=0)).ravel())


def _journeys(touches: pd.DataFrame) -> _Journeys:
    # Integer codes instead of a sorted copy of the frame: at 10M sessions the 7.6M touches'
    # journey ids and channel names are Python strings, and sorting the frame copied them
    # (the Python layer peaked at 4.2 GB here). sort=True numbers the journeys in the order
    # of their ids, and the stable lexsort keeps touch order within a journey, so the
    # journeys (and the bootstrap's draws of them) are numbered exactly as a sort of the
    # frame by (journey_id, touch_position) numbers them.
    journey_codes, _ = pd.factorize(touches["journey_id"], sort=True, use_na_sentinel=False)
    order = np.lexsort((touches["touch_position"].to_numpy(), journey_codes))
    journey_codes = journey_codes[order]
    changes = journey_codes[1:] != journey_codes[:-1]
    first = np.concatenate([[True], changes])
    last = np.concatenate([changes, [True]])
    # States as integer codes: (start), (conversion), (exit), then the channels.
    channel_codes, channel_names = pd.factorize(
        touches["channel_group"].astype(str).to_numpy()[order]
    )
    names = np.array([START, CONVERSION, EXIT, *channel_names], dtype=object)
    channels = channel_codes + 3
    previous = np.where(first, 0, np.concatenate([[0], channels[:-1]]))
    last_touches = order[last]
    converted = touches["is_converted"].astype(bool).to_numpy()[last_touches]
    ends = np.where(converted, 1, 2)
    # Each touch is entered from the touch before it (or from (start)); each journey's last
    # touch then moves to (conversion) or (exit).
    journey_of_touch = np.cumsum(first) - 1
    n_journeys = int(first.sum())
    journey_index = np.concatenate([journey_of_touch, np.arange(n_journeys)])
    from_code = np.concatenate([previous, channels[last]])
    to_code = np.concatenate([channels, ends])
    pair_codes, pair_index = np.unique(from_code * len(names) + to_code, return_inverse=True)
    pairs = pd.DataFrame(
        {
            "from_step": names[pair_codes // len(names)].astype(str),
            "to_step": names[pair_codes % len(names)].astype(str),
        }
    )
    # Sparse: a journey makes a handful of the transitions (1M sessions: ~400k journeys).
    counts = sparse.csr_matrix(
        (np.ones(len(journey_index)), (journey_index, pair_index)),
        shape=(n_journeys, len(pairs)),
    )
    revenue = pd.to_numeric(touches["revenue_usd"].iloc[last_touches], errors="coerce")
    return _Journeys(
        transitions=pairs,
        counts=counts,
        converted=converted,
        revenue=revenue.fillna(0.0).astype(float).to_numpy(),
    )


def _shares(journeys: _Journeys, weights: np.ndarray) -> pd.DataFrame:
    """Removal effects and normalised shares of the chain of the weighted journeys."""
    transitions = journeys.transitions.assign(transitions=journeys.counts.T @ weights)
    effects = removal_effects(transitions)
    total = effects["removal_effect"].sum()
    effects["share_of_conversions"] = effects["removal_effect"] / total if total > 0 else np.nan
    return effects


def markov_attribution(touches: pd.DataFrame, settings: BootstrapSettings) -> MarkovResult:
    """One row per channel group of the journeys in ``touches``; empty, with the reason, when
    there is no journey or no conversion."""
    settings.validate()
    if touches.empty:
        return MarkovResult(
            empty_frame(MARKOV_COLUMNS),
            ["no Markov attribution: there are no journeys (no accepted session)"],
        )
    journeys = _journeys(touches)
    n_journeys = len(journeys.converted)
    n_conversions = int(journeys.converted.sum())
    if n_conversions == 0:
        return MarkovResult(
            empty_frame(MARKOV_COLUMNS),
            ["no Markov attribution: no journey converts (no purchasing session)"],
        )
    observed = _shares(journeys, np.ones(n_journeys))
    observed = observed.rename(
        columns={"step": "channel_group", "conversion_probability_without_step": "without"}
    )
    low = high = pd.Series(np.nan, index=observed["channel_group"])
    if settings.resamples > 0:
        generator = np.random.default_rng(settings.seed)
        draws = np.zeros((settings.resamples, len(observed)))
        channels = list(observed["channel_group"])
        for number in range(settings.resamples):
            picked = generator.integers(0, n_journeys, size=n_journeys)
            weights = np.bincount(picked, minlength=n_journeys).astype(float)
            sample = _shares(journeys, weights).set_index("step")["share_of_conversions"]
            if sample.isna().all():
                # No conversion was drawn: the shares are undefined, not 0.
                draws[number] = np.nan
            else:
                draws[number] = sample.reindex(channels).fillna(0.0).to_numpy()
        tail = (1.0 - INTERVAL_LEVEL) / 2 * 100
        with warnings.catch_warnings():
            # A channel of a tiny data set may have no defined draw at all: NaN, said below.
            warnings.simplefilter("ignore", RuntimeWarning)
            low = pd.Series(np.nanpercentile(draws, tail, axis=0), index=channels)
            high = pd.Series(np.nanpercentile(draws, 100 - tail, axis=0), index=channels)
    revenue = float(journeys.revenue[journeys.converted].sum())
    share = observed["share_of_conversions"]
    frame = pd.DataFrame(
        {
            "channel_group": observed["channel_group"],
            "removal_effect": observed["removal_effect"],
            "share_of_conversions": share,
            "share_low": observed["channel_group"].map(low),
            "share_high": observed["channel_group"].map(high),
            "attributed_conversions": share * n_conversions,
            "attributed_revenue_usd": share * revenue,
            "conversion_probability": observed["conversion_probability"],
            "conversion_probability_without_channel": observed["without"],
            "n_journeys": n_journeys,
            "n_conversions": n_conversions,
            "n_resamples": settings.resamples,
            "interval_level": INTERVAL_LEVEL,
        }
    )
    messages = [
        f"{len(frame):,} channels over {n_journeys:,} journeys ({n_conversions:,} conversions), "
        f"{settings.resamples:,} bootstrap resamples"
    ]
    return MarkovResult(conform(frame, MARKOV_COLUMNS), messages)
