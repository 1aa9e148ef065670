"""Random streams and the small numeric helpers every part of the simulation uses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Streams:
    """One independent random stream per concern, so that changing how one part draws
    leaves every other part's values as they were."""

    products: np.random.Generator
    customers: np.random.Generator
    sessions: np.random.Generator
    orders: np.random.Generator
    events: np.random.Generator
    defects: np.random.Generator


def streams(seed: int) -> Streams:
    """The six streams, spawned from ``default_rng(seed)`` in a fixed order."""
    products, customers, sessions, orders, events, defects = np.random.default_rng(seed).spawn(6)
    return Streams(
        products=products,
        customers=customers,
        sessions=sessions,
        orders=orders,
        events=events,
        defects=defects,
    )


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def standardise(x: np.ndarray) -> np.ndarray:
    """Zero mean, unit standard deviation; zeros when there is no spread."""
    if len(x) < 2 or float(np.std(x)) == 0.0:
        return np.zeros_like(x, dtype=float)
    return (x - x.mean()) / x.std()


def categorical(rng: np.random.Generator, probabilities: np.ndarray, size: int) -> np.ndarray:
    """``size`` codes drawn with the given (not necessarily normalised) probabilities."""
    cumulative = np.cumsum(probabilities) / np.sum(probabilities)
    return np.minimum(
        np.searchsorted(cumulative, rng.random(size), side="right"), len(probabilities) - 1
    )
