"""The catalogue: two price tiers, Zipf-like popularity, planted pairs; and picking from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customer_behaviour.generate.world.vocabulary import (
    ADJECTIVES,
    CATEGORIES,
    CATEGORY_NOUNS,
    CATEGORY_WEIGHTS_BY_TIER,
    CHEAP,
    EXPENSIVE,
)

_EXPENSIVE_TIER_SHARE = 0.4
_TIERS = (CHEAP, EXPENSIVE)


@dataclass(frozen=True)
class Products:
    price_cents: np.ndarray
    cost_cents: np.ndarray
    category: np.ndarray
    name: np.ndarray
    tier: np.ndarray
    pairs: np.ndarray  # (n_pairs, 2) product indices
    partner: np.ndarray  # partner product of a pair member, else -1
    tier_members: list[np.ndarray]  # per tier: its product indices, by price
    tier_cumulative: list[np.ndarray]  # per tier: cumulative popularity share, same order


@dataclass(frozen=True)
class _TierRanking:
    """A tier's popularity: its planted pairs and its products by price with their
    cumulative popularity share."""

    pairs: list[tuple[int, int]]
    by_price: np.ndarray
    cumulative: np.ndarray


def make_products(rng: np.random.Generator, n_products: int) -> Products:
    """Two price tiers, Zipf-like popularity, and two planted pairs per tier."""
    tier = _draw_tiers(rng, n_products)
    price_cents, cost_cents = _draw_prices(rng, tier)
    category = _draw_categories(rng, tier)
    name = _draw_names(rng, category)
    rankings = [_rank_tier(rng, np.flatnonzero(tier == t), price_cents) for t in _TIERS]
    pair_array = np.sort(
        np.array([pair for ranking in rankings for pair in ranking.pairs], dtype=np.int64),
        axis=1,
    )
    partner = np.full(n_products, -1, dtype=np.int64)
    partner[pair_array[:, 0]] = pair_array[:, 1]
    partner[pair_array[:, 1]] = pair_array[:, 0]
    return Products(
        price_cents=price_cents,
        cost_cents=cost_cents,
        category=category,
        name=name.astype(str),
        tier=tier,
        pairs=pair_array,
        partner=partner,
        tier_members=[ranking.by_price for ranking in rankings],
        tier_cumulative=[ranking.cumulative for ranking in rankings],
    )


def _draw_tiers(rng: np.random.Generator, n_products: int) -> np.ndarray:
    n_expensive = round(n_products * _EXPENSIVE_TIER_SHARE)
    tier = np.zeros(n_products, dtype=np.int8)
    tier[rng.permutation(n_products)[:n_expensive]] = EXPENSIVE
    return tier


def _draw_prices(rng: np.random.Generator, tier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Price and cost in cents: $2-48 or $89-1,999 by tier, with shop-like endings."""
    n_products = len(tier)
    is_expensive = tier == EXPENSIVE
    base = np.where(
        is_expensive,
        np.exp(rng.normal(np.log(220.0), 0.6, n_products)),
        np.exp(rng.normal(np.log(14.0), 0.5, n_products)),
    )
    base = np.where(is_expensive, np.clip(base, 89, 1_999), np.clip(base, 2, 48))
    endings = np.array([99, 49, 95, 0])[rng.integers(0, 4, n_products)]
    price_cents = np.floor(base).astype(np.int64) * 100 + endings
    cost_cents = np.floor(price_cents * rng.uniform(0.35, 0.75, n_products)).astype(np.int64)
    return price_cents, cost_cents


def _draw_categories(rng: np.random.Generator, tier: np.ndarray) -> np.ndarray:
    category = np.empty(len(tier), dtype=np.int8)
    for t in _TIERS:
        members = np.flatnonzero(tier == t)
        category[members] = rng.choice(
            len(CATEGORIES), size=len(members), p=CATEGORY_WEIGHTS_BY_TIER[t]
        )
    return category


def _draw_names(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    """Names of the form "Adjective Noun", each category's combinations in random order."""
    name = np.empty(len(category), dtype=object)
    for c, category_name in enumerate(CATEGORIES):
        members = np.flatnonzero(category == c)
        nouns = CATEGORY_NOUNS[category_name]
        combos = rng.permutation(len(ADJECTIVES) * len(nouns))
        combos = combos[np.arange(len(members)) % len(combos)]
        name[members] = [f"{ADJECTIVES[k // len(nouns)]} {nouns[k % len(nouns)]}" for k in combos]
    return name


def _rank_tier(
    rng: np.random.Generator, members: np.ndarray, price_cents: np.ndarray
) -> _TierRanking:
    """Popularity 1 / rank^0.9 in random rank order; ranks 2+5 and 3+4 are the pairs."""
    by_rank = members[rng.permutation(len(members))]  # by_rank[0] is the bestseller
    popularity = np.empty(len(price_cents))
    popularity[by_rank] = 1.0 / np.arange(1, len(members) + 1) ** 0.9
    by_price = members[np.argsort(price_cents[members], kind="stable")]
    cumulative = np.cumsum(popularity[by_price])
    return _TierRanking(
        pairs=[(by_rank[1], by_rank[4]), (by_rank[2], by_rank[3])],
        by_price=by_price,
        cumulative=cumulative / cumulative[-1],
    )


def pick_products(
    rng: np.random.Generator,
    products: Products,
    tier: np.ndarray,
    quantile: np.ndarray | None = None,
) -> np.ndarray:
    """One product per row from its price tier, by popularity.

    ``quantile`` (0-1, one per row) replaces the uniform draw: the tier's products are
    ordered by price, so a higher quantile picks a dearer product, and a uniform quantile
    still respects popularity.
    """
    chosen = np.empty(len(tier), dtype=np.int64)
    for t in _TIERS:
        rows = np.flatnonzero(tier == t)
        u = rng.random(len(rows)) if quantile is None else quantile[rows]
        at = np.searchsorted(products.tier_cumulative[t], u, side="right")
        chosen[rows] = products.tier_members[t][np.minimum(at, len(products.tier_members[t]) - 1)]
    return chosen
