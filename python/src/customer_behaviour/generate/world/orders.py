"""Orders and their lines: one order per purchase session plus orders outside web sessions.

Everything random about orders is drawn up front (:func:`plan_orders`), before the events:
a buyer's first add_to_cart holds the order's first product. Once the events are drawn,
:func:`place_orders` times each session order at its purchase event and numbers the orders
chronologically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customer_behaviour.generate.config import GeneratorConfig
from customer_behaviour.generate.world.draws import sigmoid, standardise
from customer_behaviour.generate.world.products import Products, pick_products
from customer_behaviour.generate.world.visitors import PURCHASED, Customers, Sessions
from customer_behaviour.generate.world.vocabulary import CHEAP, PLAIN_TIMESTAMP_SHARE

_CANCELLED_SHARE = 0.05
_OFFLINE_ORDER_SHARE = 0.01
_PAIR_COMPLETION = 0.45  # gives P(other | one of a pair) of about 0.6
_MAX_LINES = 4
# Spend drive of a buyer's session: + log event count, - log idle time (standardised;
# the weights' squares sum to 1, so the drive is about standard normal).
_SPEND_EVENTS_WEIGHT = 0.55
_SPEND_IDLE_WEIGHT = 0.835
_PRICE_DRIVE = 0.95  # correlation of the price rank within a tier with the spend drive
_NEUTRAL_PRICE_BAND = 0.25  # share of each tier, next to the other, priced without the drive


@dataclass(frozen=True)
class OrderLines:
    """Lines of each order, ordered by order (index into the plan's orders)."""

    order: np.ndarray
    product: np.ndarray
    quantity: np.ndarray


@dataclass(frozen=True)
class OrderPlan:
    """The orders before their times are known: the session orders (one per buyer, in
    session order), then the orders outside web sessions."""

    buyers: np.ndarray  # session of each session order
    offline_customer: np.ndarray  # pool index of each order outside a session
    offline_at: np.ndarray
    cancelled: np.ndarray
    plain_timestamp: np.ndarray
    lines: OrderLines

    def first_cart_products(self, n_sessions: int) -> np.ndarray:
        """Per session: the product of its order's first line (buyers), else -1."""
        first_line = np.unique(self.lines.order, return_index=True)[1]
        cart_product = np.full(n_sessions, -1, dtype=np.int64)
        cart_product[self.buyers] = self.lines.product[first_line[: len(self.buyers)]]
        return cart_product


@dataclass(frozen=True)
class Orders:
    session: np.ndarray  # -1 = outside a web session
    customer: np.ndarray  # -1 = anonymous
    ordered_at: np.ndarray
    cancelled: np.ndarray
    total_cents: np.ndarray
    plain_timestamp: np.ndarray
    line_order: np.ndarray
    line_product: np.ndarray
    line_quantity: np.ndarray
    line_price_cents: np.ndarray


def plan_orders(
    rng: np.random.Generator,
    config: GeneratorConfig,
    products: Products,
    sessions: Sessions,
    customers: Customers,
) -> OrderPlan:
    """Session orders with a spend drive of events (+) and idle time (-); orders outside
    web sessions for listed customers, cheap_many ones twice as often."""
    buyers = np.flatnonzero(sessions.stage == PURCHASED)
    drive = _SPEND_EVENTS_WEIGHT * standardise(np.log(sessions.n_events[buyers].astype(float)))
    drive -= _SPEND_IDLE_WEIGHT * standardise(np.log(sessions.idle[buyers]))

    n_offline = round(len(buyers) * _OFFLINE_ORDER_SHARE / (1 - _OFFLINE_ORDER_SHARE))
    listed = customers.listed
    weights = np.where(customers.style[listed] == CHEAP, 2.0, 1.0)
    offline_customer = rng.choice(listed, size=n_offline, p=weights / weights.sum())
    offline_at = np.maximum(
        rng.integers(0, config.period_seconds, n_offline), customers.signup[offline_customer] + 60
    )

    style = np.r_[sessions.tier[buyers], customers.style[offline_customer]].astype(np.int8)
    spend_drive = np.r_[drive, rng.normal(size=n_offline)]
    lines = _make_order_lines(rng, products, style, spend_drive)
    return OrderPlan(
        buyers=buyers,
        offline_customer=offline_customer,
        offline_at=offline_at,
        cancelled=rng.random(len(style)) < _CANCELLED_SHARE,
        plain_timestamp=rng.random(len(style)) < PLAIN_TIMESTAMP_SHARE,
        lines=lines,
    )


def place_orders(
    plan: OrderPlan, sessions: Sessions, products: Products, last_at: np.ndarray
) -> Orders:
    """Session orders at their purchase (the session's last event); totals from the lines;
    order ids following time (orders renumbered chronologically, lines kept grouped)."""
    n_offline = len(plan.offline_customer)
    n_orders = len(plan.buyers) + n_offline
    lines = plan.lines
    session = np.r_[plan.buyers, np.full(n_offline, -1)].astype(np.int64)
    customer = np.r_[sessions.customer[plan.buyers], plan.offline_customer].astype(np.int64)
    ordered_at = np.r_[last_at[plan.buyers], plan.offline_at].astype(np.int64)
    line_price = products.price_cents[lines.product]
    total = np.bincount(lines.order, weights=lines.quantity * line_price, minlength=n_orders)

    chronological = np.lexsort((np.arange(n_orders), ordered_at))
    new_index = np.empty(n_orders, dtype=np.int64)
    new_index[chronological] = np.arange(n_orders)
    line_new = new_index[lines.order]
    line_arrangement = np.argsort(line_new, kind="stable")
    return Orders(
        session=session[chronological],
        customer=customer[chronological],
        ordered_at=ordered_at[chronological],
        cancelled=plan.cancelled[chronological],
        total_cents=np.rint(total).astype(np.int64)[chronological],
        plain_timestamp=plan.plain_timestamp[chronological],
        line_order=line_new[line_arrangement],
        line_product=lines.product[line_arrangement],
        line_quantity=lines.quantity[line_arrangement],
        line_price_cents=line_price[line_arrangement],
    )


def _make_order_lines(
    rng: np.random.Generator,
    products: Products,
    style: np.ndarray,
    spend_drive: np.ndarray,
) -> OrderLines:
    """Lines of each order: (order index, product, quantity), ordered by order.

    Products come from the style's price tier. ``spend_drive`` (about standard normal, from
    the session's event count and idle time) raises the price rank within the tier; the
    chance of several lines and of a quantity above 1 depends on the style only, so the
    styles' item counts say nothing about engagement. Planted pairs are completed
    afterwards (at most 4 lines per order).
    """
    n_orders = len(style)
    multi_logit = np.where(style == CHEAP, -1.6, -3.1)
    is_multi = rng.random(n_orders) < sigmoid(multi_logit)
    n_lines = 1 + is_multi * (1 + rng.binomial(2, 0.25, n_orders))
    order = np.repeat(np.arange(n_orders), n_lines)
    order, product = _distinct_line_products(rng, products, order, style, spend_drive)
    order, product = _complete_pairs(rng, products, order, product, n_orders)

    is_cheap = style[order] == CHEAP
    several = rng.random(len(order)) < sigmoid(np.where(is_cheap, -1.3, -3.0))
    quantity = 1 + several * (1 + (is_cheap & (rng.random(len(order)) < 0.35)))
    return OrderLines(order=order, product=product, quantity=quantity.astype(np.int64))


def _distinct_line_products(
    rng: np.random.Generator,
    products: Products,
    order: np.ndarray,
    style: np.ndarray,
    spend_drive: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """A product per line; products repeated within an order are redrawn (five times at
    most), then the leftover repeats dropped. Returns the kept (order, product)."""
    n_products = len(products.price_cents)
    line_tier = style[order]
    line_drive = spend_drive[order]

    def draw(rows: np.ndarray) -> np.ndarray:
        quantile = _price_quantiles(rng, line_tier[rows], line_drive[rows])
        return pick_products(rng, products, line_tier[rows], quantile)

    product = draw(np.arange(len(order)))
    for _ in range(5):
        repeated = np.flatnonzero(~_first_in_order(order * n_products + product))
        if len(repeated) == 0:
            break
        product[repeated] = draw(repeated)
    first = _first_in_order(order * n_products + product)
    return order[first], product[first]


def _first_in_order(key: np.ndarray) -> np.ndarray:
    """True at the first line holding each (order, product) key."""
    first = np.zeros(len(key), dtype=bool)
    first[np.unique(key, return_index=True)[1]] = True
    return first


def _price_quantiles(rng: np.random.Generator, tier: np.ndarray, drive: np.ndarray) -> np.ndarray:
    """Price quantile within the tier: uniform overall (popularity holds), rising with the
    drive, except in the band next to the other tier (the cheap tier's dearest products,
    the expensive tier's cheapest), which is drawn independently of it. So splitting buyers
    by item price, even off-centre, does not split them by engagement."""
    size = len(tier)
    x = _PRICE_DRIVE * drive + np.sqrt(1 - _PRICE_DRIVE**2) * rng.normal(size=size)
    driven = sigmoid(1.702 * x) * (1 - _NEUTRAL_PRICE_BAND)  # ~ normal CDF of x
    in_band = rng.random(size) < _NEUTRAL_PRICE_BAND
    neutral = rng.random(size) * _NEUTRAL_PRICE_BAND
    is_cheap = tier == CHEAP
    # Both tiers: a higher drive means a dearer product. The neutral band sits at the
    # bottom of the expensive tier and at the top of the cheap tier.
    expensive_quantile = np.where(in_band, neutral, _NEUTRAL_PRICE_BAND + driven)
    cheap_quantile = np.where(in_band, 1 - _NEUTRAL_PRICE_BAND + neutral, driven)
    return np.where(is_cheap, cheap_quantile, expensive_quantile)


def _complete_pairs(
    rng: np.random.Generator,
    products: Products,
    order: np.ndarray,
    product: np.ndarray,
    n_orders: int,
) -> tuple[np.ndarray, np.ndarray]:
    """A planted pair's member pulls in its partner (keeping at most 4 lines per order:
    the first additions that fit); lines stay grouped by order."""
    n_products = len(products.price_cents)
    partner = products.partner[product]
    wants = (partner >= 0) & (rng.random(len(product)) < _PAIR_COMPLETION)
    present = np.isin(order * n_products + partner, order * n_products + product)
    add = np.flatnonzero(wants & ~present)
    rank = np.arange(len(add)) - np.searchsorted(order[add], order[add])
    add = add[rank < _MAX_LINES - np.bincount(order, minlength=n_orders)[order[add]]]
    order = np.r_[order, order[add]]
    product = np.r_[product, partner[add]]
    arrangement = np.argsort(order, kind="stable")
    return order[arrangement], product[arrangement]
