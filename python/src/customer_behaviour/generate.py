"""Synthetic clickstream: the six input CSVs of docs/data_contract.md, with planted behaviour.

The generator writes ``customers``, ``products``, ``sessions``, ``events``, ``orders`` and
``order_items`` exactly as the input contract describes them (every value is text), plus a
``defects_manifest`` that lists every defect it injected and what staging must make of it.
Everything is drawn from ``numpy.random.default_rng(seed)`` (one spawned stream per concern,
one per chunk of sessions), so a configuration always gives the same bytes.

Planted behaviour (what the analytics layer should find)
--------------------------------------------------------
Sessions and events
    Each session has a latent engagement that sets its ``event_count`` (1 to 40; 1% of
    sessions have no events at all). The ordered funnel page_view -> add_to_cart ->
    checkout -> purchase is walked step by step with logistic probabilities that rise
    with the event count, so purchase is strongly (and logistically) driven by
    ``event_count``. Idle time between events is drawn independently of the outcome,
    so session duration adds nothing once the event count is known, and the delay
    between ``session_start_at`` and the first event (0-120 s; for 1% of sessions a
    few seconds *before* the start) is unrelated to purchase. Buyers' sessions hold
    page_view, add_to_cart, checkout and purchase in that order (purchase last);
    non-buyers drop off after the page views (most), after the cart or after checkout.
    Non-funnel interactions are ``search``, ``wishlist_add`` and ``review_read``; page
    views carry a lower-case ``page`` and product-related events a ``product_id``.
Segments
    The checkout -> purchase rate on mobile is about half of desktop's (tablet in
    between). Countries (8 ISO codes) and traffic sources shift conversion up or down.
Customers
    About 15% of sessions are anonymous (empty customer_id); known customers have several
    sessions, and returning visits (session_number >= 2) convert clearly better than
    first visits, so customer-level conversion is far above session-level conversion.
    About 1% of sessions name a customer_id that is absent from customers.csv (valid,
    kept by staging). ``signup_at`` is at least a minute before a customer's first session.
Quirks (valid data)
    About 1% of sessions log an add_to_cart that is timestamped before the first
    page_view (written after it in the file: the ordered funnel must not count it), and
    about 1% hold two events with the same ``event_at``. About 5% of timestamps are
    written without a zone (``2024-01-03 10:15:42``, UTC by the contract).
Orders and baskets
    Every purchase session has exactly one order (ordered_at = the purchase event time);
    about 5% of them are cancelled, and about 1% extra orders are placed outside web
    sessions (empty session_id, a listed customer). At least 75% of orders have a single
    line, the rest 2-4; quantities are mostly 1. ``planted_pairs`` names 4 product pairs:
    an order holding one of a pair holds the other about 60% of the time (lift >> 1).
    Order totals are the sum of quantity x unit price, and unit price is the product's
    price.
Purchase styles
    Buyers (customers; anonymous visitors per session) are ``cheap_many`` (cheap tier,
    $2-49, more lines and units) or ``expensive_few`` (expensive tier, $89-1,999, mostly
    single units), half and half. Styles do not change browsing: the event-count
    distribution is the same for both, and the number of lines and units depends on the
    style only. Among buyers, spend rises with the event count and falls with idle time
    (mean seconds between events) at equal engagement: a spend drive (+ log event count,
    - log idle time) raises the price rank within the tier, in both tiers. The quarter of
    each tier nearest the other tier is priced without the drive, so splitting buyers by
    item count and average item price (at the medians, as fct_sessions.purchase_style
    does) does not split them by engagement.

Defects (only when ``defect_rate > 0``)
---------------------------------------
Each table gets about ``defect_rate x rows`` defects of each of two families (split evenly
over that family's kinds, at least one per kind):

Rejected rows, *added* as extra rows so no other row is affected (fresh ids start with ``x``):
    events: duplicate_row, conflicting_duplicate (same event_id, strictly later event_at,
    maybe another type: the original is kept), missing_event_id, missing_session_id,
    missing_event_at, invalid_event_at, missing_event_type, unknown_session.
    sessions: duplicate_row, conflicting_duplicate (later start, another device),
    missing_session_id, invalid_session_start_at.
    orders: duplicate_row, missing_order_id, invalid_ordered_at, negative_order_total_usd,
    invalid_status, unknown_session (fresh orders never have items).
    order_items: unknown_order, non_positive_quantity, invalid_quantity,
    negative_unit_price_usd, duplicate_row, missing_product_id.
    customers: duplicate_row, missing_customer_id, invalid_signup_at.
    products: negative_price_usd (fresh product, never referenced), duplicate_row.
    The defect kind is the contract's rejection reason. Missing values are written as an
    empty field, a space, ``null`` or ``NULL``. A duplicate_row copy may differ from
    its original in letter case of an enum or spaces around an id (equal after cleaning);
    the contract keeps one of two equal rows without saying which, so the manifest line is
    the added copy but staging may reject either physical line.
Accepted after cleaning, applied *in place* to existing rows (``expected_reason`` empty):
    timestamp_offset (same instant written with +02:00, -05:00, +0530, ...),
    mixed_case_enum (``Mobile``, ``Add_To_Cart``, ``COMPLETED``, country ``de``), and
    surrounding_whitespace (spaces around an id or enum). ``expected_value`` is the value
    staging must produce (timestamps as ``YYYY-MM-DDTHH:MM:SSZ``).

Manifest columns: table, record_key (the trimmed key, ``(missing)`` when missing; for
order_items ``order_id|product_id`` as staging builds it), defect_kind, expected_reason,
line_number (the line in the CSV file counting the header as line 1, so the first data row
is line 2), column (the column the defect is in; empty for whole-row duplicates) and
expected_value.

Files are UTF-8 with a header row, commas and ``\n`` line ends; no generated value holds a
comma, quote or line break, so nothing is quoted and every row is one line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from customer_behaviour.contract import KEY_COLUMNS, TABLE_COLUMNS
from customer_behaviour.errors import UserError

# --------------------------------------------------------------------------------------------
# The defect manifest (the contract's tables and columns live in contract.py)
# --------------------------------------------------------------------------------------------

MANIFEST_NAME = "defects_manifest"
_META_COLUMNS = ("record_key", "defect_kind", "expected_reason", "column", "expected_value")
MANIFEST_COLUMNS: tuple[str, ...] = (
    "table",
    "record_key",
    "defect_kind",
    "expected_reason",
    "line_number",
    "column",
    "expected_value",
)


# --------------------------------------------------------------------------------------------
# Vocabularies and planted effect sizes
# --------------------------------------------------------------------------------------------

COUNTRIES = ("NL", "DE", "GB", "FR", "BE", "US", "ES", "IT")
_COUNTRY_WEIGHTS = np.array([0.22, 0.20, 0.14, 0.12, 0.08, 0.12, 0.07, 0.05])
_COUNTRY_LOGIT = np.array([0.35, 0.25, 0.10, -0.10, 0.15, 0.0, -0.40, -0.55])

DEVICES = ("desktop", "mobile", "tablet")
_DEVICE_WEIGHTS = np.array([0.45, 0.45, 0.10])
_DEVICE_CHECKOUT_TO_PURCHASE = np.array([0.88, 0.44, 0.70])  # times a logistic term <= 1

TRAFFIC_SOURCES = ("direct", "organic", "paid", "email", "social", "referral")
_SOURCE_WEIGHTS = np.array([0.22, 0.30, 0.18, 0.10, 0.12, 0.08])
_SOURCE_LOGIT = np.array([0.20, 0.0, -0.10, 0.50, -0.45, 0.10])

EVENT_TYPES = (
    "page_view",
    "add_to_cart",
    "checkout",
    "purchase",
    "search",
    "wishlist_add",
    "review_read",
)
_PAGE_VIEW, _ADD_TO_CART, _CHECKOUT, _PURCHASE, _SEARCH, _WISHLIST_ADD, _REVIEW_READ = range(7)
_PRODUCT_EVENT_TYPES = (_ADD_TO_CART, _WISHLIST_ADD, _REVIEW_READ)

PAGES = ("home", "category", "product", "search", "cart", "checkout", "account", "help")
_PRODUCT_PAGE = PAGES.index("product")

CATEGORIES = ("electronics", "home", "fashion", "beauty", "sports", "toys", "books", "garden")
_CATEGORY_WEIGHTS_BY_TIER = np.array(
    [
        [0.06, 0.12, 0.14, 0.18, 0.10, 0.14, 0.18, 0.08],  # cheap tier
        [0.30, 0.20, 0.14, 0.04, 0.16, 0.04, 0.02, 0.10],  # expensive tier
    ]
)
_CATEGORY_NOUNS = {
    "electronics": ("Headphones", "Speaker", "Charger", "Monitor", "Keyboard", "Camera"),
    "home": ("Lamp", "Cushion", "Kettle", "Rug", "Vase", "Blender"),
    "fashion": ("Jacket", "Scarf", "Sneakers", "Belt", "Backpack", "Hat"),
    "beauty": ("Serum", "Lipstick", "Shampoo", "Perfume", "Face Mask", "Lotion"),
    "sports": ("Yoga Mat", "Dumbbell", "Bike Light", "Running Shirt", "Tent", "Racket"),
    "toys": ("Puzzle", "Robot", "Board Game", "Plush Bear", "Kite", "Train Set"),
    "books": ("Novel", "Cookbook", "Atlas", "Notebook", "Comic", "Guide"),
    "garden": ("Planter", "Hose", "Pruner", "Bird Feeder", "Lantern", "Seed Kit"),
}
_ADJECTIVES = (
    "Classic",
    "Compact",
    "Deluxe",
    "Eco",
    "Essential",
    "Smart",
    "Vintage",
    "Urban",
    "Nordic",
    "Premium",
    "Mini",
    "Pro",
    "Soft",
    "Bold",
    "Travel",
    "Everyday",
)
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")

STYLES = ("cheap_many", "expensive_few")
_CHEAP, _EXPENSIVE = 0, 1

# Filler event types between the funnel steps, per phase of the session:
# 0 = before the first add_to_cart, 1 = after it, 2 = after checkout.
_FILLER_TYPE_PROBS = np.array(
    [
        # page_view, add_to_cart, checkout, purchase, search, wishlist_add, review_read
        [0.70, 0.00, 0.0, 0.0, 0.14, 0.06, 0.10],
        [0.55, 0.20, 0.0, 0.0, 0.10, 0.05, 0.10],
        [0.75, 0.00, 0.0, 0.0, 0.08, 0.07, 0.10],
    ]
)
# Page of a page_view: first event of the session, then per phase as above.
_FIRST_PAGE_PROBS = np.array([0.45, 0.25, 0.20, 0.10, 0.0, 0.0, 0.0, 0.0])
_PAGE_PROBS = np.array(
    [
        # home, category, product, search, cart, checkout, account, help
        [0.10, 0.30, 0.40, 0.12, 0.00, 0.00, 0.05, 0.03],
        [0.05, 0.20, 0.40, 0.05, 0.20, 0.00, 0.05, 0.05],
        [0.05, 0.05, 0.25, 0.00, 0.25, 0.30, 0.05, 0.05],
    ]
)
_HOUR_WEIGHTS = np.array(
    [1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.2, 2.6, 2.8, 3.0]
    + [3.2, 3.0, 2.8, 2.7, 2.8, 3.0, 3.4, 3.8, 4.0, 3.6, 2.6, 1.6]
)

_SESSIONS_PER_CUSTOMER = 3.0
_RETURNING_LOGIT = 1.1  # conversion lift of a returning visit (session_number >= 2)
_GHOST_SESSION_SHARE = 0.01  # sessions naming a customer that customers.csv does not list
_GHOST_CUSTOMER_SHARE = 0.01  # unlisted customers, as a share of the listed ones
_EMPTY_SESSION_SHARE = 0.01
_BOUNCE_SHARE = 0.22
_MAX_EVENTS = 40
_EARLY_FIRST_EVENT_SHARE = 0.01
_CART_BEFORE_VIEW_SHARE = 0.01
_TIED_EVENTS_SHARE = 0.01
_PLAIN_TIMESTAMP_SHARE = 0.05
_CANCELLED_SHARE = 0.05
_OFFLINE_ORDER_SHARE = 0.01
_PAIR_COMPLETION = 0.45  # gives P(other | one of a pair) of about 0.6
_EXPENSIVE_TIER_SHARE = 0.4
# Spend drive of a buyer's session: + log event count, - log idle time (standardised;
# the weights' squares sum to 1, so the drive is about standard normal).
_SPEND_EVENTS_WEIGHT = 0.55
_SPEND_IDLE_WEIGHT = 0.835
_PRICE_DRIVE = 0.95  # correlation of the price rank within a tier with the spend drive
_NEUTRAL_PRICE_BAND = 0.25  # share of each tier, next to the other, priced without the drive
_SECONDS_PER_DAY = 86_400

_CHUNK_SESSIONS = 200_000  # sessions per event-generation chunk (fixed: output must not vary)
_WRITE_BLOCK_ROWS = 500_000  # rows per formatted block when writing
_PROGRESS_MIN_SESSIONS = 50_000


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate.

    ``n_customers`` (customers.csv rows; default: about three sessions per known visitor)
    and ``n_products`` (default: 200 at 10,000 sessions, growing with the fourth root of
    ``n_sessions``, 40-1,000) are derived when left as None. ``anonymous_share`` is the
    share of sessions without a customer_id.
    """

    n_sessions: int
    seed: int = 42
    defect_rate: float = 0.0
    start_date: str = "2024-01-01"
    days: int = 90
    n_customers: int | None = None
    n_products: int | None = None
    anonymous_share: float = 0.15

    @property
    def customer_count(self) -> int:
        """Customers in customers.csv: about three sessions per known visitor."""
        if self.n_customers is not None:
            return self.n_customers
        known_sessions = self.n_sessions * (1.0 - self.anonymous_share)
        return max(1, round(known_sessions / _SESSIONS_PER_CUSTOMER))

    @property
    def product_count(self) -> int:
        """200 products at 10,000 sessions, growing with the fourth root (40-1,000)."""
        if self.n_products is not None:
            return self.n_products
        return int(np.clip(round(200 * (self.n_sessions / 10_000) ** 0.25), 40, 1_000))


def _validate(config: GeneratorConfig) -> dt.date:
    """Check the configuration; return the start date. Raises UserError."""
    if not isinstance(config.n_sessions, (int, np.integer)) or config.n_sessions < 1:
        raise UserError(f"n_sessions is {config.n_sessions!r}; use a whole number of at least 1")
    if not 0.0 <= config.defect_rate < 0.5:
        raise UserError(f"defect_rate is {config.defect_rate}; use a value from 0 up to 0.5")
    if not 0.0 <= config.anonymous_share < 1.0:
        raise UserError(f"anonymous_share is {config.anonymous_share}; use a value from 0 up to 1")
    if config.days < 1:
        raise UserError(f"days is {config.days}; use at least 1 day")
    if config.n_customers is not None and config.n_customers < 1:
        raise UserError(f"n_customers is {config.n_customers}; use at least 1 or leave it unset")
    if config.n_products is not None and config.n_products < 20:
        raise UserError(f"n_products is {config.n_products}; use at least 20 or leave it unset")
    try:
        start = dt.date.fromisoformat(config.start_date)
    except ValueError:
        start = None
    if start is None or len(config.start_date) != 10:
        raise UserError(f"start date {config.start_date!r} is not a date; write it as YYYY-MM-DD")
    end = start + dt.timedelta(days=config.days)
    if start.year < 1901 or end.year > 2198:
        raise UserError(
            f"the period {start} + {config.days} days leaves 1901-2198; "
            "choose a start date and length inside those years"
        )
    return start


# --------------------------------------------------------------------------------------------
# The generated world, as numbers (strings are only made when a block is written)
# --------------------------------------------------------------------------------------------


@dataclass
class _Products:
    price_cents: np.ndarray
    cost_cents: np.ndarray
    category: np.ndarray
    name: np.ndarray
    tier: np.ndarray
    pairs: np.ndarray  # (n_pairs, 2) product indices
    partner: np.ndarray  # partner product of a pair member, else -1
    tier_members: list[np.ndarray]  # per tier: its product indices, by price
    tier_cumulative: list[np.ndarray]  # per tier: cumulative popularity share, same order


@dataclass
class _Customers:
    listed: np.ndarray  # pool indices written to customers.csv, ascending
    country: np.ndarray
    style: np.ndarray
    signup: np.ndarray  # seconds from the start of the period
    email_domain: np.ndarray
    email_case: np.ndarray  # 0 lower, 1 capitalised, 2 upper
    plain_timestamp: np.ndarray


@dataclass
class _Sessions:
    start: np.ndarray
    customer: np.ndarray  # pool index, -1 = anonymous
    device: np.ndarray
    source: np.ndarray
    country: np.ndarray
    session_number: np.ndarray  # 0 for anonymous
    n_events: np.ndarray
    stage: np.ndarray  # last funnel step: 0 none, 1 page_view ... 4 purchase
    delay: np.ndarray  # first event - session start, seconds
    idle: np.ndarray  # mean seconds between events
    tier: np.ndarray  # price tier the visitor browses
    quirk: np.ndarray  # 0 none, 1 add_to_cart before the first page_view, 2 tied events
    plain_timestamp: np.ndarray
    cart_product: np.ndarray  # product of the first add_to_cart (buyers), else -1


@dataclass
class _Events:
    session: np.ndarray
    at: np.ndarray
    event_type: np.ndarray
    page: np.ndarray
    product: np.ndarray


@dataclass
class _Orders:
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


@dataclass
class _World:
    config: GeneratorConfig
    epoch: np.datetime64
    products: _Products
    customers: _Customers
    sessions: _Sessions
    events: _Events
    orders: _Orders
    id_widths: dict[str, int] = field(default_factory=dict)

    def n_rows(self, table: str) -> int:
        """Clean rows of a table."""
        return {
            "customers": len(self.customers.listed),
            "products": len(self.products.price_cents),
            "sessions": len(self.sessions.start),
            "events": len(self.events.session),
            "orders": len(self.orders.session),
            "order_items": len(self.orders.line_order),
        }[table]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _standardise(x: np.ndarray) -> np.ndarray:
    if len(x) < 2 or float(np.std(x)) == 0.0:
        return np.zeros_like(x, dtype=float)
    return (x - x.mean()) / x.std()


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent random stream per concern, all from default_rng(seed)."""
    names = ("products", "customers", "sessions", "orders", "events", "defects")
    return dict(zip(names, np.random.default_rng(seed).spawn(len(names)), strict=True))


def _make_products(rng: np.random.Generator, n_products: int) -> _Products:
    """Two price tiers, Zipf-like popularity, and two planted pairs per tier."""
    n_expensive = round(n_products * _EXPENSIVE_TIER_SHARE)
    tier = np.zeros(n_products, dtype=np.int8)
    tier[rng.permutation(n_products)[:n_expensive]] = _EXPENSIVE
    is_expensive = tier == _EXPENSIVE

    base = np.where(
        is_expensive,
        np.exp(rng.normal(np.log(220.0), 0.6, n_products)),
        np.exp(rng.normal(np.log(14.0), 0.5, n_products)),
    )
    base = np.where(is_expensive, np.clip(base, 89, 1_999), np.clip(base, 2, 48))
    endings = np.array([99, 49, 95, 0])[rng.integers(0, 4, n_products)]
    price_cents = np.floor(base).astype(np.int64) * 100 + endings
    cost_cents = np.floor(price_cents * rng.uniform(0.35, 0.75, n_products)).astype(np.int64)

    category = np.empty(n_products, dtype=np.int8)
    for t in (_CHEAP, _EXPENSIVE):
        members = np.flatnonzero(tier == t)
        category[members] = rng.choice(
            len(CATEGORIES), size=len(members), p=_CATEGORY_WEIGHTS_BY_TIER[t]
        )
    name = np.empty(n_products, dtype=object)
    for c, category_name in enumerate(CATEGORIES):
        members = np.flatnonzero(category == c)
        nouns = _CATEGORY_NOUNS[category_name]
        combos = rng.permutation(len(_ADJECTIVES) * len(nouns))
        combos = combos[np.arange(len(members)) % len(combos)]
        name[members] = [f"{_ADJECTIVES[k // len(nouns)]} {nouns[k % len(nouns)]}" for k in combos]

    popularity = np.empty(n_products)
    pairs = []
    tier_members, tier_cumulative = [], []
    for t in (_CHEAP, _EXPENSIVE):
        members = np.flatnonzero(tier == t)
        by_rank = members[rng.permutation(len(members))]  # by_rank[0] is the bestseller
        popularity[by_rank] = 1.0 / np.arange(1, len(members) + 1) ** 0.9
        pairs += [(by_rank[1], by_rank[4]), (by_rank[2], by_rank[3])]
        by_price = members[np.argsort(price_cents[members], kind="stable")]
        cumulative = np.cumsum(popularity[by_price])
        tier_members.append(by_price)
        tier_cumulative.append(cumulative / cumulative[-1])
    pair_array = np.sort(np.array(pairs, dtype=np.int64), axis=1)
    partner = np.full(n_products, -1, dtype=np.int64)
    partner[pair_array[:, 0]] = pair_array[:, 1]
    partner[pair_array[:, 1]] = pair_array[:, 0]
    return _Products(
        price_cents=price_cents,
        cost_cents=cost_cents,
        category=category,
        name=name.astype(str),
        tier=tier,
        pairs=pair_array,
        partner=partner,
        tier_members=tier_members,
        tier_cumulative=tier_cumulative,
    )


def _pick_products(
    rng: np.random.Generator,
    products: _Products,
    tier: np.ndarray,
    quantile: np.ndarray | None = None,
) -> np.ndarray:
    """One product per row from its price tier, by popularity.

    ``quantile`` (0-1, one per row) replaces the uniform draw: the tier's products are
    ordered by price, so a higher quantile picks a dearer product, and a uniform quantile
    still respects popularity.
    """
    chosen = np.empty(len(tier), dtype=np.int64)
    for t in (_CHEAP, _EXPENSIVE):
        rows = np.flatnonzero(tier == t)
        u = rng.random(len(rows)) if quantile is None else quantile[rows]
        at = np.searchsorted(products.tier_cumulative[t], u, side="right")
        chosen[rows] = products.tier_members[t][np.minimum(at, len(products.tier_members[t]) - 1)]
    return chosen


def _categorical(rng: np.random.Generator, probabilities: np.ndarray, size: int) -> np.ndarray:
    cumulative = np.cumsum(probabilities) / np.sum(probabilities)
    return np.minimum(
        np.searchsorted(cumulative, rng.random(size), side="right"), len(probabilities) - 1
    )


def _make_sessions_and_customers(
    rng_customers: np.random.Generator,
    rng: np.random.Generator,
    config: GeneratorConfig,
) -> tuple[_Sessions, _Customers]:
    """Session attributes, funnel stage and timing plan; customers and their signup."""
    n = config.n_sessions
    n_pool = config.customer_count + max(1, round(config.customer_count * _GHOST_CUSTOMER_SHARE))
    period = config.days * _SECONDS_PER_DAY

    # customers (signup is set once their first session is known)
    listed_mask = np.ones(n_pool, dtype=bool)
    listed_mask[
        rng_customers.choice(n_pool, size=n_pool - config.customer_count, replace=False)
    ] = False
    activity = rng_customers.gamma(0.7, 1.0, n_pool) + 1e-9
    activity_listed = np.where(listed_mask, activity, 0.0)
    activity_unlisted = np.where(listed_mask, 0.0, activity)
    customer_country = _categorical(rng_customers, _COUNTRY_WEIGHTS, n_pool).astype(np.int8)
    style = (rng_customers.random(n_pool) < 0.5).astype(np.int8)

    # sessions, in chronological order (so session ids follow time)
    day = rng.integers(0, config.days, n)
    hour = _categorical(rng, _HOUR_WEIGHTS, n)
    start = np.sort(day * _SECONDS_PER_DAY + hour * 3_600 + rng.integers(0, 3_600, n))
    is_known = rng.random(n) >= config.anonymous_share
    is_unlisted = is_known & (rng.random(n) < _GHOST_SESSION_SHARE / (1 - config.anonymous_share))
    customer = np.where(
        is_unlisted,
        rng.choice(n_pool, size=n, p=activity_unlisted / activity_unlisted.sum()),
        rng.choice(n_pool, size=n, p=activity_listed / activity_listed.sum()),
    )
    customer = np.where(is_known, customer, -1).astype(np.int64)
    device = _categorical(rng, _DEVICE_WEIGHTS, n).astype(np.int8)
    source = _categorical(rng, _SOURCE_WEIGHTS, n).astype(np.int8)
    random_country = _categorical(rng, _COUNTRY_WEIGHTS, n).astype(np.int8)
    own_country = is_known & (rng.random(n) < 0.95)
    country = np.where(own_country, customer_country[np.maximum(customer, 0)], random_country)
    tier = np.where(is_known, style[np.maximum(customer, 0)], rng.random(n) < 0.5).astype(np.int8)

    # session_number: rank of the visit among the customer's sessions (start order)
    session_number = np.zeros(n, dtype=np.int64)
    known_idx = np.flatnonzero(is_known)
    by_customer = known_idx[np.argsort(customer[known_idx], kind="stable")]
    sorted_customers = customer[by_customer]
    group_start = np.r_[0, np.flatnonzero(np.diff(sorted_customers)) + 1]
    group_sizes = np.diff(np.r_[group_start, len(by_customer)])
    ranks = np.arange(len(by_customer)) - np.repeat(group_start, group_sizes)
    session_number[by_customer] = ranks + 1

    # engagement -> event count; idle time and first-event delay drawn independently
    engagement = rng.normal(size=n)
    n_events = 2 + rng.poisson(np.exp(1.35 + 0.75 * engagement))
    n_events = np.minimum(n_events, _MAX_EVENTS)
    n_events[rng.random(n) < _BOUNCE_SHARE] = 1
    n_events[rng.choice(n, size=round(n * _EMPTY_SESSION_SHARE), replace=False)] = 0
    idle = np.exp(rng.normal(np.log(25.0), 0.55, n))
    delay = rng.integers(0, 121, n)
    early = rng.choice(n, size=round(n * _EARLY_FIRST_EVENT_SHARE), replace=False)
    delay[early] = -rng.integers(1, 11, len(early))

    # the ordered funnel, step by step
    lift = (
        _COUNTRY_LOGIT[country] + _SOURCE_LOGIT[source] + _RETURNING_LOGIT * (session_number >= 2)
    )
    p_cart = _sigmoid(-3.0 + 0.30 * n_events + lift) * (n_events >= 2)
    p_checkout = _sigmoid(-0.8 + 0.10 * n_events + 0.5 * lift) * (n_events >= 3)
    p_purchase = (
        _DEVICE_CHECKOUT_TO_PURCHASE[device]
        * _sigmoid(0.8 + 0.08 * n_events + 0.5 * lift)
        * (n_events >= 4)
    )
    u = rng.random((3, n))
    reached_cart = u[0] < p_cart
    reached_checkout = reached_cart & (u[1] < p_checkout)
    purchased = reached_checkout & (u[2] < p_purchase)
    stage = (1 + reached_cart + reached_checkout + purchased).astype(np.int8)
    stage[n_events == 0] = 0

    # quirks: a fixed count drawn among the sessions that can carry them
    quirk = np.zeros(n, dtype=np.int8)
    can_cart_early = np.flatnonzero((stage == 1) & (n_events >= 2))
    n_cart_early = min(len(can_cart_early), round(n * _CART_BEFORE_VIEW_SHARE))
    quirk[rng.choice(can_cart_early, size=n_cart_early, replace=False)] = 1
    can_tie = np.flatnonzero((quirk == 0) & (n_events >= 2))
    n_tie = min(len(can_tie), round(n * _TIED_EVENTS_SHARE))
    quirk[rng.choice(can_tie, size=n_tie, replace=False)] = 2

    # signup: at least a minute before the first session, up to a year earlier
    first_start = np.full(n_pool, np.iinfo(np.int64).max)
    np.minimum.at(first_start, customer[known_idx], start[known_idx])
    has_session = first_start < np.iinfo(np.int64).max
    before = 60 + np.floor(rng_customers.random(n_pool) ** 2 * 365 * _SECONDS_PER_DAY)
    anytime = rng_customers.integers(-365 * _SECONDS_PER_DAY, period, n_pool)
    signup = np.where(has_session, first_start - before.astype(np.int64), anytime)

    sessions = _Sessions(
        start=start,
        customer=customer,
        device=device,
        source=source,
        country=country.astype(np.int8),
        session_number=session_number,
        n_events=n_events.astype(np.int64),
        stage=stage,
        delay=delay,
        idle=idle,
        tier=tier,
        quirk=quirk,
        plain_timestamp=rng.random(n) < _PLAIN_TIMESTAMP_SHARE,
        cart_product=np.full(n, -1, dtype=np.int64),
    )
    customers = _Customers(
        listed=np.flatnonzero(listed_mask),
        country=customer_country,
        style=style,
        signup=signup,
        email_domain=rng_customers.integers(0, len(_EMAIL_DOMAINS), n_pool).astype(np.int8),
        email_case=_categorical(rng_customers, np.array([0.88, 0.09, 0.03]), n_pool).astype(
            np.int8
        ),
        plain_timestamp=rng_customers.random(n_pool) < _PLAIN_TIMESTAMP_SHARE,
    )
    return sessions, customers


def _make_order_lines(
    rng: np.random.Generator,
    products: _Products,
    style: np.ndarray,
    spend_drive: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lines of each order: (order index, product, quantity), ordered by order.

    Products come from the style's price tier. ``spend_drive`` (about standard normal, from
    the session's event count and idle time) raises the price rank within the tier; the
    chance of several lines and of a quantity above 1 depends on the style only, so the
    styles' item counts say nothing about engagement. Planted pairs are completed
    afterwards (at most 4 lines per order).
    """
    n_orders = len(style)
    n_products = len(products.price_cents)
    multi_logit = np.where(style == _CHEAP, -1.6, -3.1)
    is_multi = rng.random(n_orders) < _sigmoid(multi_logit)
    n_lines = 1 + is_multi * (1 + rng.binomial(2, 0.25, n_orders))
    order = np.repeat(np.arange(n_orders), n_lines)
    line_tier = style[order]
    line_drive = spend_drive[order]

    def draw(rows: np.ndarray) -> np.ndarray:
        # Price quantile within the tier: uniform overall (popularity holds), rising with
        # the drive, except in the band next to the other tier (the cheap tier's dearest
        # products, the expensive tier's cheapest), which is drawn independently of it. So
        # splitting buyers by item price, even off-centre, does not split them by engagement.
        size = len(rows)
        x = _PRICE_DRIVE * line_drive[rows] + np.sqrt(1 - _PRICE_DRIVE**2) * rng.normal(size=size)
        driven = _sigmoid(1.702 * x) * (1 - _NEUTRAL_PRICE_BAND)  # ~ normal CDF of x
        in_band = rng.random(size) < _NEUTRAL_PRICE_BAND
        neutral = rng.random(size) * _NEUTRAL_PRICE_BAND
        is_cheap = line_tier[rows] == _CHEAP
        # Both tiers: a higher drive means a dearer product. The neutral band sits at the
        # bottom of the expensive tier and at the top of the cheap tier.
        expensive_quantile = np.where(in_band, neutral, _NEUTRAL_PRICE_BAND + driven)
        cheap_quantile = np.where(in_band, 1 - _NEUTRAL_PRICE_BAND + neutral, driven)
        quantile = np.where(is_cheap, cheap_quantile, expensive_quantile)
        return _pick_products(rng, products, line_tier[rows], quantile)

    product = draw(np.arange(len(order)))
    for _ in range(5):  # redraw products repeated within an order, then drop leftovers
        key = order * n_products + product
        first = np.zeros(len(order), dtype=bool)
        first[np.unique(key, return_index=True)[1]] = True
        repeated = np.flatnonzero(~first)
        if len(repeated) == 0:
            break
        product[repeated] = draw(repeated)
    key = order * n_products + product
    first = np.zeros(len(order), dtype=bool)
    first[np.unique(key, return_index=True)[1]] = True
    order, product = order[first], product[first]

    # planted pairs: a pair member pulls in its partner
    partner = products.partner[product]
    wants = (partner >= 0) & (rng.random(len(product)) < _PAIR_COMPLETION)
    present = np.isin(order * n_products + partner, order * n_products + product)
    add = np.flatnonzero(wants & ~present)
    # at most 4 lines per order: keep the first additions that fit
    rank = np.arange(len(add)) - np.searchsorted(order[add], order[add])
    add = add[rank < 4 - np.bincount(order, minlength=n_orders)[order[add]]]
    order = np.r_[order, order[add]]
    product = np.r_[product, partner[add]]
    arrangement = np.argsort(order, kind="stable")
    order, product = order[arrangement], product[arrangement]

    is_cheap = style[order] == _CHEAP
    several = rng.random(len(order)) < _sigmoid(np.where(is_cheap, -1.3, -3.0))
    quantity = 1 + several * (1 + (is_cheap & (rng.random(len(order)) < 0.35)))
    return order, product, quantity.astype(np.int64)


def _make_events(
    rngs: list[np.random.Generator],
    sessions: _Sessions,
    products: _Products,
    progress: bool,
) -> tuple[_Events, np.ndarray]:
    """All events, chunk by chunk of sessions; also each session's last event time."""
    n = len(sessions.start)
    parts: list[tuple[np.ndarray, ...]] = []
    last_at = np.full(n, -1, dtype=np.int64)
    bar = tqdm(
        total=n, desc="generating sessions", unit="session", disable=not progress, leave=False
    )
    for chunk, low in enumerate(range(0, n, _CHUNK_SESSIONS)):
        high = min(n, low + _CHUNK_SESSIONS)
        part = _chunk_events(rngs[chunk], sessions, products, low, high)
        parts.append(part[:5])
        last_at[low:high] = part[5]
        bar.update(high - low)
    bar.close()
    columns = [np.concatenate([p[k] for p in parts]) for k in range(5)]
    return _Events(*columns), last_at


def _chunk_events(
    rng: np.random.Generator, sessions: _Sessions, products: _Products, low: int, high: int
) -> tuple[np.ndarray, ...]:
    """Events of sessions low..high-1 (vectorised): session, at, type, page, product, last_at."""
    k = high - low
    n = sessions.n_events[low:high]
    stage = sessions.stage[low:high]
    total = int(n.sum())
    local = np.repeat(np.arange(k), n)
    first = np.cumsum(n) - n
    position = np.arange(total) - first[local]

    # positions of the funnel steps (purchase last, checkout just before it)
    u = rng.random((3, k))
    cart = np.full(k, -1)
    checkout = np.full(k, -1)
    purchase = np.full(k, -1)
    s4, s3, s2 = stage == 4, stage == 3, stage == 2
    purchase[s4] = n[s4] - 1
    checkout[s4] = n[s4] - 2
    cart[s4] = 1 + (u[0, s4] * (n[s4] - 3)).astype(np.int64)
    checkout[s3] = 2 + (u[1, s3] * (n[s3] - 2)).astype(np.int64)
    cart[s3] = 1 + (u[0, s3] * (checkout[s3] - 1)).astype(np.int64)
    cart[s2] = 1 + (u[0, s2] * (n[s2] - 1)).astype(np.int64)
    cart_row, checkout_row, purchase_row = cart[local], checkout[local], purchase[local]

    phase = np.zeros(total, dtype=np.int8)
    phase[(cart_row >= 0) & (position > cart_row)] = 1
    phase[(checkout_row >= 0) & (position > checkout_row)] = 2
    event_type = np.empty(total, dtype=np.int8)
    page = np.full(total, -1, dtype=np.int8)
    for p in range(3):
        rows = np.flatnonzero(phase == p)
        event_type[rows] = _categorical(rng, _FILLER_TYPE_PROBS[p], len(rows))
    event_type[position == 0] = _PAGE_VIEW
    event_type[position == cart_row] = _ADD_TO_CART
    event_type[position == checkout_row] = _CHECKOUT
    event_type[position == purchase_row] = _PURCHASE
    is_view = event_type == _PAGE_VIEW
    for p in range(3):
        rows = np.flatnonzero(is_view & (phase == p) & (position > 0))
        page[rows] = _categorical(rng, _PAGE_PROBS[p], len(rows))
    rows = np.flatnonzero(position == 0)
    page[rows] = _categorical(rng, _FIRST_PAGE_PROBS, len(rows))

    # products: mostly from the visitor's price tier; a buyer's first cart holds line 1
    session_tier = sessions.tier[low:high][local]
    browse_tier = np.where(rng.random(total) < 0.2, 1 - session_tier, session_tier)

    def product_for(rows: np.ndarray) -> np.ndarray:
        return _pick_products(rng, products, browse_tier[rows])

    product = np.full(total, -1, dtype=np.int64)
    needs = np.isin(event_type, _PRODUCT_EVENT_TYPES) | (is_view & (page == _PRODUCT_PAGE))
    rows = np.flatnonzero(needs)
    product[rows] = product_for(rows)
    cart_product = sessions.cart_product[low:high][local]
    rows = np.flatnonzero((position == cart_row) & (cart_product >= 0))
    product[rows] = cart_product[rows]

    # times: first event after the delay, then idle gaps of at least a second
    quirk = sessions.quirk[low:high]
    gaps = np.maximum(1, np.rint(rng.exponential(sessions.idle[low:high][local]))).astype(np.int64)
    gaps[first[n > 0]] = 0
    tied = np.flatnonzero(quirk == 2)
    gaps[first[tied] + 1 + (rng.random(len(tied)) * (n[tied] - 1)).astype(np.int64)] = 0
    elapsed = np.cumsum(gaps)
    has_events = n > 0
    elapsed -= np.repeat(elapsed[first[has_events]], n[has_events])
    at = (sessions.start[low:high] + sessions.delay[low:high])[local] + elapsed

    # quirk: second event is an add_to_cart logged before the first page_view
    early = np.flatnonzero(quirk == 1)
    rows = first[early] + 1
    event_type[rows] = _ADD_TO_CART
    page[rows] = -1
    product[rows] = product_for(rows)
    at[rows] = at[first[early]] - rng.integers(1, 31, len(early))

    last_at = np.full(k, -1, dtype=np.int64)
    last_at[has_events] = at[(first + n - 1)[has_events]]
    return (local + low).astype(np.int32), at, event_type, page, product.astype(np.int32), last_at


def _make_world(config: GeneratorConfig, progress: bool) -> _World:
    """Draw everything the tables hold, as numbers."""
    start = _validate(config)
    rng = _streams(config.seed)
    products = _make_products(rng["products"], config.product_count)
    sessions, customers = _make_sessions_and_customers(rng["customers"], rng["sessions"], config)

    # session orders: one per purchase session; spend driven by events (+) and idle (-)
    orders_rng = rng["orders"]
    buyers = np.flatnonzero(sessions.stage == 4)
    drive = _SPEND_EVENTS_WEIGHT * _standardise(np.log(sessions.n_events[buyers].astype(float)))
    drive -= _SPEND_IDLE_WEIGHT * _standardise(np.log(sessions.idle[buyers]))
    buyer_style = sessions.tier[buyers]

    # orders outside web sessions: listed customers, cheap_many ones twice as often
    n_offline = round(len(buyers) * _OFFLINE_ORDER_SHARE / (1 - _OFFLINE_ORDER_SHARE))
    listed = customers.listed
    weights = np.where(customers.style[listed] == _CHEAP, 2.0, 1.0)
    offline_customer = orders_rng.choice(listed, size=n_offline, p=weights / weights.sum())
    period = config.days * _SECONDS_PER_DAY
    offline_at = np.maximum(
        orders_rng.integers(0, period, n_offline), customers.signup[offline_customer] + 60
    )

    style = np.r_[buyer_style, customers.style[offline_customer]].astype(np.int8)
    spend_drive = np.r_[drive, orders_rng.normal(size=n_offline)]
    line_order, line_product, line_quantity = _make_order_lines(
        orders_rng, products, style, spend_drive
    )
    first_line = np.unique(line_order, return_index=True)[1]
    sessions.cart_product[buyers] = line_product[first_line[: len(buyers)]]

    event_rngs = rng["events"].spawn(max(1, -(-config.n_sessions // _CHUNK_SESSIONS)))
    events, last_at = _make_events(event_rngs, sessions, products, progress)

    n_orders = len(style)
    order_session = np.r_[buyers, np.full(n_offline, -1)].astype(np.int64)
    order_customer = np.r_[sessions.customer[buyers], offline_customer].astype(np.int64)
    ordered_at = np.r_[last_at[buyers], offline_at].astype(np.int64)
    cancelled = orders_rng.random(n_orders) < _CANCELLED_SHARE
    plain = orders_rng.random(n_orders) < _PLAIN_TIMESTAMP_SHARE
    line_price = products.price_cents[line_product]
    total = np.bincount(line_order, weights=line_quantity * line_price, minlength=n_orders)

    # order ids follow time: renumber orders chronologically, keep lines grouped
    chronological = np.lexsort((np.arange(n_orders), ordered_at))
    new_index = np.empty(n_orders, dtype=np.int64)
    new_index[chronological] = np.arange(n_orders)
    line_new = new_index[line_order]
    line_arrangement = np.argsort(line_new, kind="stable")
    orders = _Orders(
        session=order_session[chronological],
        customer=order_customer[chronological],
        ordered_at=ordered_at[chronological],
        cancelled=cancelled[chronological],
        total_cents=np.rint(total).astype(np.int64)[chronological],
        plain_timestamp=plain[chronological],
        line_order=line_new[line_arrangement],
        line_product=line_product[line_arrangement],
        line_quantity=line_quantity[line_arrangement],
        line_price_cents=line_price[line_arrangement],
    )
    world = _World(
        config=config,
        epoch=np.datetime64(start.isoformat(), "s"),
        products=products,
        customers=customers,
        sessions=sessions,
        events=events,
        orders=orders,
    )
    world.id_widths = {
        "c": max(6, len(str(len(customers.signup)))),
        "p": max(4, len(str(len(products.price_cents)))),
        "s": max(7, len(str(config.n_sessions))),
        "e": max(8, len(str(len(events.session)))),
        "o": max(7, len(str(n_orders))),
    }
    return world


# --------------------------------------------------------------------------------------------
# Formatting numbers as contract text
# --------------------------------------------------------------------------------------------


def _zfill(numbers: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded text (numpy's zfill fails on empty arrays)."""
    if len(numbers) == 0:
        return np.array([], dtype=str)
    return np.strings.zfill(numbers.astype(str), width)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """``prefix`` + zero-padded number; empty where number < 1."""
    text = np.strings.add(prefix, _zfill(numbers, width))
    return np.where(numbers >= 1, text, "")


def _timestamps(epoch: np.datetime64, seconds: np.ndarray, plain: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DDTHH:MM:SSZ``, or ``YYYY-MM-DD HH:MM:SS`` (no zone) where ``plain``."""
    text = np.datetime_as_string(epoch + seconds.astype("timedelta64[s]"), unit="s")
    return np.where(plain, np.strings.replace(text, "T", " "), np.strings.add(text, "Z"))


def _money(cents: np.ndarray) -> np.ndarray:
    """Non-negative cents as ``123.45``."""
    units = np.strings.add((cents // 100).astype(str), ".")
    return np.strings.add(units, _zfill(cents % 100, 2))


def _labels(codes: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Names for codes; -1 gives an empty string."""
    return np.array((*names, ""))[np.where(codes < 0, len(names), codes)]


def _format_rows(world: _World, table: str, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The clean text of some rows of a table, column by column."""
    if len(rows) == 0:  # numpy's string functions fail on empty arrays
        return {name: np.array([], dtype=str) for name in TABLE_COLUMNS[table]}
    w = world.id_widths
    if table == "products":
        p = world.products
        return {
            "product_id": _ids("p", rows + 1, w["p"]),
            "product_name": p.name[rows],
            "category": _labels(p.category[rows], CATEGORIES),
            "price_usd": _money(p.price_cents[rows]),
            "cost_usd": _money(p.cost_cents[rows]),
        }
    if table == "customers":
        c = world.customers
        pool = c.listed[rows]
        local = np.strings.add("user", (pool + 1).astype(str))
        email = np.strings.add(
            np.strings.add(local, "@"), _labels(c.email_domain[pool], _EMAIL_DOMAINS)
        )
        email = np.where(c.email_case[pool] == 1, np.strings.capitalize(email), email)
        email = np.where(c.email_case[pool] == 2, np.strings.upper(email), email)
        return {
            "customer_id": _ids("c", pool + 1, w["c"]),
            "signup_at": _timestamps(world.epoch, c.signup[pool], c.plain_timestamp[pool]),
            "country": _labels(c.country[pool], COUNTRIES),
            "email": email,
        }
    if table == "sessions":
        s = world.sessions
        return {
            "session_id": _ids("s", rows + 1, w["s"]),
            "customer_id": _ids("c", s.customer[rows] + 1, w["c"]),
            "session_start_at": _timestamps(world.epoch, s.start[rows], s.plain_timestamp[rows]),
            "device": _labels(s.device[rows], DEVICES),
            "traffic_source": _labels(s.source[rows], TRAFFIC_SOURCES),
            "country": _labels(s.country[rows], COUNTRIES),
        }
    if table == "events":
        e = world.events
        session = e.session[rows].astype(np.int64)
        return {
            "event_id": _ids("e", rows + 1, w["e"]),
            "session_id": _ids("s", session + 1, w["s"]),
            "event_at": _timestamps(
                world.epoch, e.at[rows], world.sessions.plain_timestamp[session]
            ),
            "event_type": _labels(e.event_type[rows], EVENT_TYPES),
            "page": _labels(e.page[rows], PAGES),
            "product_id": _ids("p", e.product[rows].astype(np.int64) + 1, w["p"]),
        }
    if table == "orders":
        o = world.orders
        return {
            "order_id": _ids("o", rows + 1, w["o"]),
            "session_id": _ids("s", o.session[rows] + 1, w["s"]),
            "customer_id": _ids("c", o.customer[rows] + 1, w["c"]),
            "ordered_at": _timestamps(world.epoch, o.ordered_at[rows], o.plain_timestamp[rows]),
            "order_total_usd": _money(o.total_cents[rows]),
            "status": np.where(o.cancelled[rows], "cancelled", "completed"),
        }
    if table == "order_items":
        o = world.orders
        return {
            "order_id": _ids("o", o.line_order[rows] + 1, w["o"]),
            "product_id": _ids("p", o.line_product[rows] + 1, w["p"]),
            "quantity": o.line_quantity[rows].astype(str),
            "unit_price_usd": _money(o.line_price_cents[rows]),
        }
    raise ValueError(f"unknown table {table!r}")


def _frame(columns: dict[str, np.ndarray], table: str) -> pd.DataFrame:
    return pd.DataFrame(
        {name: np.asarray(columns[name], dtype=object) for name in TABLE_COLUMNS[table]},
        dtype=str,
    )


def _record_keys(table: str, columns: dict[str, np.ndarray]) -> np.ndarray:
    """Trimmed key, ``(missing)`` when empty or 'null'; order_items joins its two with '|'."""
    parts = []
    for name in KEY_COLUMNS[table]:
        value = np.strings.strip(np.asarray(columns[name], dtype=str))
        is_missing = np.isin(np.strings.lower(value), ["", "null"])
        parts.append(np.where(is_missing, "(missing)", value))
    key = parts[0]
    for part in parts[1:]:
        key = np.strings.add(np.strings.add(key, "|"), part)
    return key


# --------------------------------------------------------------------------------------------
# Defects
# --------------------------------------------------------------------------------------------

_REJECTED_KINDS: dict[str, tuple[str, ...]] = {
    "customers": ("duplicate_row", "missing_customer_id", "invalid_signup_at"),
    "products": ("negative_price_usd", "duplicate_row"),
    "sessions": (
        "duplicate_row",
        "conflicting_duplicate",
        "missing_session_id",
        "invalid_session_start_at",
    ),
    "events": (
        "duplicate_row",
        "conflicting_duplicate",
        "missing_event_id",
        "missing_session_id",
        "missing_event_at",
        "invalid_event_at",
        "missing_event_type",
        "unknown_session",
    ),
    "orders": (
        "duplicate_row",
        "missing_order_id",
        "invalid_ordered_at",
        "negative_order_total_usd",
        "invalid_status",
        "unknown_session",
    ),
    "order_items": (
        "unknown_order",
        "non_positive_quantity",
        "invalid_quantity",
        "negative_unit_price_usd",
        "duplicate_row",
        "missing_product_id",
    ),
}
"""Rejected defects per table; each kind is the rejection reason staging must give."""

_ACCEPTED_KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {
        "timestamp_offset": ("signup_at",),
        "mixed_case_enum": ("country",),
        "surrounding_whitespace": ("customer_id", "country"),
    },
    "products": {
        "mixed_case_enum": ("category",),
        "surrounding_whitespace": ("product_id", "category"),
    },
    "sessions": {
        "timestamp_offset": ("session_start_at",),
        "mixed_case_enum": ("device", "traffic_source", "country"),
        "surrounding_whitespace": ("session_id", "customer_id", "device", "traffic_source"),
    },
    "events": {
        "timestamp_offset": ("event_at",),
        "mixed_case_enum": ("event_type", "page"),
        "surrounding_whitespace": ("event_id", "session_id", "event_type", "product_id"),
    },
    "orders": {
        "timestamp_offset": ("ordered_at",),
        "mixed_case_enum": ("status",),
        "surrounding_whitespace": ("order_id", "session_id", "customer_id", "status"),
    },
    "order_items": {"surrounding_whitespace": ("order_id", "product_id")},
}
"""Defects applied in place that staging must clean, not reject: kind -> columns."""

# Columns whose letter case (enums) or surrounding spaces (ids) staging ignores.
_CASE_FREE_COLUMNS = {
    "customers": ("country", "email"),
    "products": ("category",),
    "sessions": ("device", "traffic_source", "country"),
    "events": ("event_type", "page"),
    "orders": ("status",),
    "order_items": (),
}
_UPPER_CASE_COLUMNS = ("country",)
_TIMESTAMP_COLUMN = {
    "customers": "signup_at",
    "sessions": "session_start_at",
    "events": "event_at",
    "orders": "ordered_at",
}
_ID_PREFIX = {
    "customers": "c",
    "products": "p",
    "sessions": "s",
    "events": "e",
    "orders": "o",
}

MISSING_VALUES = ("", " ", "null", "NULL")
INVALID_TIMESTAMPS = (
    "2024-13-45T99:00:00",
    "yesterday",
    "2024-02-30 10:00:00",
    "2023-02-29T12:00:00Z",
    "2024-04-31T08:15:00Z",
    "2024-01-05T24:00:00",
    "2024-01-05 10:61:00",
    "1899-12-31 10:00:00",
    "05/01/2024 10:00",
    "2024-01-05T10:00:00.1234567Z",
    "2024-01-05T10:00:00+25:00",
    "2024-1-5",
)
INVALID_QUANTITIES = ("two", "1.5", "2 pcs", "1e2", "+-1")
NON_POSITIVE_QUANTITIES = ("0", "-1", "-2")
INVALID_STATUSES = ("shipped", "refunded", "pending", "returned")
_UTC_OFFSETS = ((120, "+02:00"), (-300, "-05:00"), (330, "+0530"), (60, "+01:00"), (-420, "-0700"))


@dataclass
class _TableDefects:
    """Extra (rejected) rows and in-place edits of one table, with their manifest rows."""

    extra: dict[str, np.ndarray]  # contract columns of the extra rows, in file order
    extra_meta: pd.DataFrame  # record_key, defect_kind, expected_reason, column, expected_value
    extra_positions: np.ndarray  # sorted 0-based positions of the extra rows in the file
    edit_rows: np.ndarray  # sorted clean row indices edited in place
    edit_column: np.ndarray  # column name per edit
    edit_raw: np.ndarray  # text written instead
    edit_meta: pd.DataFrame

    @property
    def n_extra(self) -> int:
        return len(self.extra_positions)

    def file_position(self, clean_rows: np.ndarray) -> np.ndarray:
        """0-based position in the written file of clean rows (extra rows interleaved)."""
        before = self.extra_positions - np.arange(self.n_extra)
        return clean_rows + np.searchsorted(before, clean_rows, side="right")


def _no_defects(table: str) -> _TableDefects:
    empty = np.array([], dtype=np.int64)
    return _TableDefects(
        extra={name: np.array([], dtype=object) for name in TABLE_COLUMNS[table]},
        extra_meta=_concat_meta([]),
        extra_positions=empty,
        edit_rows=empty,
        edit_column=np.array([], dtype=object),
        edit_raw=np.array([], dtype=object),
        edit_meta=_concat_meta([]),
    )


class _RowPicker:
    """Hands out distinct random rows of a table, so no row carries two defects."""

    def __init__(self, rng: np.random.Generator, n_rows: int) -> None:
        self._order = rng.permutation(n_rows)
        self._next = 0

    def take(self, count: int) -> np.ndarray:
        rows = self._order[self._next : self._next + count]
        self._next += len(rows)
        return rows


class _FreshIds:
    """Unique ids that exist nowhere in the clean data: ``x`` + prefix + number."""

    def __init__(self) -> None:
        self._used: dict[str, int] = {}

    def take(self, prefix: str, count: int, width: int) -> np.ndarray:
        first = self._used.get(prefix, 0) + 1
        self._used[prefix] = first + count - 1
        return _ids("x" + prefix, np.arange(first, first + count), width)


def _kind_counts(rate: float, n_rows: int, n_kinds: int) -> int:
    """Defects per kind: rate x rows spread over the family's kinds, at least one."""
    return max(1, round(rate * n_rows / n_kinds))


def _parse_clean_timestamps(text: np.ndarray) -> np.ndarray:
    """Seconds-precision datetimes of clean ``...Z`` or zone-less timestamps."""
    iso = np.strings.replace(np.strings.replace(text, "Z", ""), " ", "T")
    return iso.astype("datetime64[s]")


def _utc_text(moments: np.ndarray) -> np.ndarray:
    return np.strings.add(np.datetime_as_string(moments, unit="s"), "Z")


def _case_variant(rng: np.random.Generator, column: str, values: np.ndarray) -> np.ndarray:
    """Same value in another letter case (staging lower- or upper-cases it back)."""
    if column in _UPPER_CASE_COLUMNS:
        return np.strings.lower(values)
    return np.where(
        rng.random(len(values)) < 0.5, np.strings.upper(values), np.strings.title(values)
    )


def _padded(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    """Spaces (never tabs or newlines) around each value, at least one."""
    left = rng.integers(0, 3, len(values))
    right = np.where(left == 0, rng.integers(1, 3, len(values)), rng.integers(0, 3, len(values)))
    spaces = np.array(["", " ", "  "])
    return np.strings.add(np.strings.add(spaces[left], values), spaces[right])


def _rejected_rows(
    world: _World,
    table: str,
    kind: str,
    count: int,
    picker: _RowPicker,
    fresh: _FreshIds,
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], str] | None:
    """``count`` extra rows that staging must reject with reason ``kind``; and the column."""
    n_rows = world.n_rows(table)
    if n_rows == 0:
        return None
    distinct_source = kind in ("duplicate_row", "conflicting_duplicate")
    rows = picker.take(count) if distinct_source else rng.integers(0, n_rows, count)
    if len(rows) == 0:
        return None
    columns = {
        name: np.asarray(values, dtype=object)
        for name, values in _format_rows(world, table, rows).items()
    }
    size = len(rows)
    key = KEY_COLUMNS[table][0]
    prefix = _ID_PREFIX.get(table)
    widths = world.id_widths

    def pick(options: tuple[str, ...]) -> np.ndarray:
        return np.array(options, dtype=object)[rng.integers(0, len(options), size)]

    if kind == "duplicate_row":
        # half of the copies differ in a way cleaning removes: case of an enum, spaces on an id
        vary = rng.random(size) < 0.5
        candidates = list(_CASE_FREE_COLUMNS[table]) + list(KEY_COLUMNS[table])
        choice = rng.integers(0, len(candidates), size)
        for c, name in enumerate(candidates):
            rows_c = np.flatnonzero(vary & (choice == c))
            values = columns[name][rows_c].astype(str)
            if name in _CASE_FREE_COLUMNS[table]:
                columns[name][rows_c] = _case_variant(rng, name, values)
            else:
                columns[name][rows_c] = _padded(rng, values)
        return columns, ""
    if kind == "conflicting_duplicate":
        # same key, strictly later timestamp (the original is the earliest, so it is kept)
        ts = _TIMESTAMP_COLUMN[table]
        later = _parse_clean_timestamps(columns[ts].astype(str)) + rng.integers(
            1, 3_601, size
        ).astype("timedelta64[s]")
        columns[ts] = _utc_text(later).astype(object)
        if table == "sessions":
            current = np.array([DEVICES.index(d) for d in columns["device"]])
            columns["device"] = np.array(DEVICES, dtype=object)[
                (current + rng.integers(1, len(DEVICES), size)) % len(DEVICES)
            ]
        elif table == "events":
            change = rng.random(size) < 0.5
            current = np.array([EVENT_TYPES.index(t) for t in columns["event_type"]])
            shifted = (current + rng.integers(1, len(EVENT_TYPES), size)) % len(EVENT_TYPES)
            columns["event_type"] = np.where(
                change, np.array(EVENT_TYPES, dtype=object)[shifted], columns["event_type"]
            )
        return columns, ts

    # every other kind: a fresh key (single-key tables), then one bad value
    if prefix is not None and kind != f"missing_{key}":
        columns[key] = fresh.take(prefix, size, widths[prefix]).astype(object)
    if kind.startswith("missing_"):
        column = kind.removeprefix("missing_")
        columns[column] = pick(MISSING_VALUES)
        return columns, column
    if kind.startswith("invalid_") and kind.endswith("_at"):
        column = kind.removeprefix("invalid_")
        columns[column] = pick(INVALID_TIMESTAMPS)
        return columns, column
    if kind.startswith("negative_"):
        column = kind.removeprefix("negative_")
        columns[column] = np.strings.add("-", columns[column].astype(str)).astype(object)
        return columns, column
    if kind == "invalid_status":
        columns["status"] = pick(INVALID_STATUSES)
        return columns, "status"
    if kind == "unknown_session":
        columns["session_id"] = fresh.take("s", size, widths["s"]).astype(object)
        return columns, "session_id"
    if kind == "unknown_order":
        columns["order_id"] = fresh.take("o", size, widths["o"]).astype(object)
        return columns, "order_id"
    if kind == "non_positive_quantity":
        columns["quantity"] = pick(NON_POSITIVE_QUANTITIES)
        return columns, "quantity"
    if kind == "invalid_quantity":
        columns["quantity"] = pick(INVALID_QUANTITIES)
        return columns, "quantity"
    raise ValueError(f"no recipe for defect kind {kind!r} in {table}")


def _accepted_edits(
    world: _World,
    table: str,
    kind: str,
    column: str,
    count: int,
    picker: _RowPicker,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """In-place edits: (rows, raw text, expected clean value, record key)."""
    rows_out, raw_out, expected_out, keys_out = [], [], [], []
    needed = count
    while needed > 0:
        rows = picker.take(max(4 * needed, 16))
        if len(rows) == 0:
            break
        columns = _format_rows(world, table, rows)
        values = np.asarray(columns[column], dtype=str)
        usable = np.flatnonzero(values != "")[:needed]
        rows, values = rows[usable], values[usable]
        keys = _record_keys(table, {k: np.asarray(v)[usable] for k, v in columns.items()})
        if kind == "timestamp_offset":
            moments = _parse_clean_timestamps(values)
            choice = rng.integers(0, len(_UTC_OFFSETS), len(rows))
            minutes = np.array([m for m, _ in _UTC_OFFSETS])[choice]
            local = np.datetime_as_string(
                moments + (minutes * 60).astype("timedelta64[s]"), unit="s"
            )
            raw = np.strings.add(local, np.array([z for _, z in _UTC_OFFSETS])[choice])
            expected = _utc_text(moments)
        elif kind == "mixed_case_enum":
            raw, expected = _case_variant(rng, column, values), values
        else:  # surrounding_whitespace
            raw, expected = _padded(rng, values), values
        rows_out.append(rows)
        raw_out.append(raw)
        expected_out.append(expected)
        keys_out.append(keys)
        needed -= len(rows)
    if not rows_out:
        return (np.array([], dtype=np.int64),) + (np.array([], dtype=str),) * 3
    return tuple(np.concatenate(part) for part in (rows_out, raw_out, expected_out, keys_out))


def _meta(
    keys: np.ndarray, kind: str, reason: str, column: str, expected: np.ndarray
) -> pd.DataFrame:
    """Manifest rows (without table and line_number) for defects of one kind and column."""
    return pd.DataFrame(
        {
            "record_key": np.asarray(keys, dtype=str),
            "defect_kind": kind,
            "expected_reason": reason,
            "column": column,
            "expected_value": np.asarray(expected, dtype=str),
        },
        dtype=str,
    )


def _concat_meta(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({name: pd.Series(dtype=str) for name in _META_COLUMNS})
    return pd.concat(parts, ignore_index=True)


def _make_defects(
    world: _World, table: str, rng: np.random.Generator, fresh: _FreshIds
) -> _TableDefects:
    """All defects of one table (nothing when defect_rate is 0 or the table is empty)."""
    rate = world.config.defect_rate
    n_rows = world.n_rows(table)
    if rate <= 0 or n_rows == 0:
        return _no_defects(table)
    picker = _RowPicker(rng, n_rows)  # shared: no row is both a copy's source and edited

    # family 1: extra rows that staging rejects
    extra_parts: list[dict[str, np.ndarray]] = []
    extra_meta: list[pd.DataFrame] = []
    kinds = _REJECTED_KINDS[table]
    for kind in kinds:
        count = _kind_counts(rate, n_rows, len(kinds))
        built = _rejected_rows(world, table, kind, count, picker, fresh, rng)
        if built is None:
            continue
        columns, column = built
        keys = _record_keys(table, columns)
        extra_parts.append(columns)
        extra_meta.append(_meta(keys, kind, kind, column, np.full(len(keys), "")))

    # family 2: in-place edits that staging cleans
    edit_rows: list[np.ndarray] = [np.array([], dtype=np.int64)]
    edit_column: list[np.ndarray] = [np.array([], dtype=object)]
    edit_raw: list[np.ndarray] = [np.array([], dtype=object)]
    edit_meta: list[pd.DataFrame] = []
    accepted = _ACCEPTED_KINDS[table]
    for kind, kind_columns in accepted.items():
        count = _kind_counts(rate, n_rows, len(accepted))
        per_column = np.bincount(
            rng.integers(0, len(kind_columns), count), minlength=len(kind_columns)
        )
        for column, column_count in zip(kind_columns, per_column, strict=True):
            if column_count == 0:
                continue
            rows, raw, expected, keys = _accepted_edits(
                world, table, kind, column, int(column_count), picker, rng
            )
            edit_rows.append(rows)
            edit_column.append(np.full(len(rows), column, dtype=object))
            edit_raw.append(raw.astype(object))
            edit_meta.append(_meta(keys, kind, "", column, expected))

    # extra rows in random order, at random places of the file
    meta = _concat_meta(extra_meta)
    shuffle = rng.permutation(len(meta))
    extra = {
        name: np.concatenate(
            [np.asarray(part[name], dtype=object) for part in extra_parts]
            or [np.array([], dtype=object)]
        )[shuffle]
        for name in TABLE_COLUMNS[table]
    }
    positions = np.sort(rng.choice(n_rows + len(meta), size=len(meta), replace=False))

    rows = np.concatenate(edit_rows)
    by_row = np.argsort(rows, kind="stable")
    return _TableDefects(
        extra=extra,
        extra_meta=meta.iloc[shuffle].reset_index(drop=True),
        extra_positions=positions.astype(np.int64),
        edit_rows=rows[by_row],
        edit_column=np.concatenate(edit_column)[by_row],
        edit_raw=np.concatenate(edit_raw)[by_row],
        edit_meta=_concat_meta(edit_meta).iloc[by_row].reset_index(drop=True),
    )


def _manifest(defects: dict[str, _TableDefects]) -> pd.DataFrame:
    """One row per injected defect, with its line in the written file (header = line 1)."""
    parts = []
    for table, table_defects in defects.items():
        extra = table_defects.extra_meta.assign(
            table=table, line_number=table_defects.extra_positions + 2
        )
        edits = table_defects.edit_meta.assign(
            table=table, line_number=table_defects.file_position(table_defects.edit_rows) + 2
        )
        parts += [extra, edits]
    parts = [part for part in parts if len(part)]
    if not parts:
        empty = _concat_meta([]).assign(table="", line_number=np.array([], dtype=np.int64))
        return empty[list(MANIFEST_COLUMNS)]
    manifest = pd.concat(parts, ignore_index=True)[list(MANIFEST_COLUMNS)]
    order = {table: k for k, table in enumerate(TABLE_COLUMNS)}
    manifest = manifest.assign(_order=manifest["table"].map(order)).sort_values(
        ["_order", "line_number"], kind="stable"
    )
    manifest = manifest.drop(columns="_order").reset_index(drop=True)
    text_columns = [c for c in MANIFEST_COLUMNS if c != "line_number"]
    manifest[text_columns] = manifest[text_columns].astype(str)
    manifest["line_number"] = manifest["line_number"].astype(np.int64)
    return manifest


# --------------------------------------------------------------------------------------------
# Assembling and writing
# --------------------------------------------------------------------------------------------


def _blocks(world: _World, table: str, defects: _TableDefects) -> Iterator[pd.DataFrame]:
    """The table as written, block by block: clean rows with edits, extra rows interleaved."""
    n_clean = world.n_rows(table)
    total = n_clean + defects.n_extra
    positions = defects.extra_positions
    for low in range(0, max(total, 1), _WRITE_BLOCK_ROWS):
        high = min(total, low + _WRITE_BLOCK_ROWS)
        first_extra, end_extra = np.searchsorted(positions, [low, high])
        clean_low, clean_high = low - first_extra, high - end_extra
        clean_rows = np.arange(clean_low, clean_high)
        columns = {
            name: np.asarray(values, dtype=object)
            for name, values in _format_rows(world, table, clean_rows).items()
        }
        e_low, e_high = np.searchsorted(defects.edit_rows, [clean_low, clean_high])
        edit_rows = defects.edit_rows[e_low:e_high] - clean_low
        edit_column = defects.edit_column[e_low:e_high]
        for name in np.unique(edit_column):
            is_name = edit_column == name
            columns[str(name)][edit_rows[is_name]] = defects.edit_raw[e_low:e_high][is_name]
        place = np.r_[defects.file_position(clean_rows), positions[first_extra:end_extra]]
        arrangement = np.argsort(place, kind="stable")
        merged = {
            name: np.r_[columns[name], defects.extra[name][first_extra:end_extra]][arrangement]
            for name in TABLE_COLUMNS[table]
        }
        yield _frame(merged, table)


def _prepare(
    config: GeneratorConfig, progress: bool
) -> tuple[_World, dict[str, _TableDefects], pd.DataFrame]:
    world = _make_world(config, progress)
    rng = _streams(config.seed)["defects"]
    fresh = _FreshIds()  # shared, so fresh ids are unique across tables too
    defects = {
        table: _make_defects(world, table, table_rng, fresh)
        for table, table_rng in zip(TABLE_COLUMNS, rng.spawn(len(TABLE_COLUMNS)), strict=True)
    }
    return world, defects, _manifest(defects)


def _show_progress(config: GeneratorConfig, progress: bool) -> bool:
    return progress and config.n_sessions >= _PROGRESS_MIN_SESSIONS


def generate_tables(config: GeneratorConfig, progress: bool = False) -> dict[str, pd.DataFrame]:
    """The six contract tables (text columns, contract order) and ``defects_manifest``.

    Rows are in the order they are written by :func:`generate_to_folder`. The manifest's
    ``line_number`` is an integer; every other column is text.
    """
    world, defects, manifest = _prepare(config, _show_progress(config, progress))
    tables = {
        table: pd.concat(list(_blocks(world, table, defects[table])), ignore_index=True)
        for table in TABLE_COLUMNS
    }
    tables[MANIFEST_NAME] = manifest
    return tables


def generate_to_folder(config: GeneratorConfig, out: Path, progress: bool) -> dict[str, int]:
    """Write the six CSVs and ``defects_manifest.csv`` into ``out``; rows written per file."""
    show = _show_progress(config, progress)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(
            f"cannot create the output folder {out}: {error.strerror}; "
            "choose a writable folder with --out"
        ) from error
    world, defects, manifest = _prepare(config, show)
    counts: dict[str, int] = {}
    total_rows = sum(world.n_rows(t) + defects[t].n_extra for t in TABLE_COLUMNS)
    bar = tqdm(total=total_rows, desc="writing", unit="row", disable=not show, leave=False)
    try:
        for table in TABLE_COLUMNS:
            counts[table] = 0
            with open(out / f"{table}.csv", "w", encoding="utf-8", newline="") as handle:
                for k, block in enumerate(_blocks(world, table, defects[table])):
                    block.to_csv(handle, header=k == 0, index=False, lineterminator="\n")
                    counts[table] += len(block)
                    bar.update(len(block))
        manifest.to_csv(out / f"{MANIFEST_NAME}.csv", index=False, lineterminator="\n")
    except OSError as error:
        raise UserError(
            f"cannot write to {out}: {error.strerror}; choose a writable folder with --out"
        ) from error
    finally:
        bar.close()
    counts[MANIFEST_NAME] = len(manifest)
    return counts


def planted_pairs(config: GeneratorConfig) -> list[tuple[str, str]]:
    """The product_id pairs planted to be bought together, sorted within and across pairs."""
    _validate(config)
    products = _make_products(_streams(config.seed)["products"], config.product_count)
    width = max(4, len(str(len(products.price_cents))))
    ids = _ids("p", products.pairs.reshape(-1) + 1, width).reshape(-1, 2)
    return sorted((str(a), str(b)) for a, b in ids)
