"""The events of every session, drawn vectorised chunk by chunk of sessions.

Each chunk has its own random stream (spawned from the events stream), and the chunk size
is fixed, so the output does not depend on memory or on how the work is split.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from customer_behaviour.generate.world.draws import categorical
from customer_behaviour.generate.world.products import Products, pick_products
from customer_behaviour.generate.world.visitors import CART_BEFORE_VIEW, TIED_EVENTS, Sessions
from customer_behaviour.generate.world.vocabulary import (
    ADD_TO_CART,
    CHECKOUT,
    FILLER_TYPE_PROBS,
    FIRST_PAGE_PROBS,
    PAGE_PROBS,
    PAGE_VIEW,
    PRODUCT_EVENT_TYPES,
    PRODUCT_PAGE,
    PURCHASE,
)

_CHUNK_SESSIONS = 200_000  # sessions per event-generation chunk (fixed: output must not vary)
_OTHER_TIER_SHARE = 0.2  # browsed products from the other price tier


@dataclass(frozen=True)
class Events:
    session: np.ndarray
    at: np.ndarray
    event_type: np.ndarray
    page: np.ndarray
    product: np.ndarray


@dataclass(frozen=True)
class _Layout:
    """Where the events of a chunk's sessions sit: sessions' events are contiguous."""

    n: np.ndarray  # events per session
    local: np.ndarray  # per event: its session, counted from the chunk's first
    first: np.ndarray  # per session: the row of its first event
    position: np.ndarray  # per event: its place in the session, from 0


@dataclass(frozen=True)
class _Steps:
    """Per event: the position of its session's add_to_cart, checkout and purchase (-1:
    the session does not reach it)."""

    cart: np.ndarray
    checkout: np.ndarray
    purchase: np.ndarray


@dataclass(frozen=True)
class _Kinds:
    event_type: np.ndarray
    page: np.ndarray  # -1 = not a page_view


@dataclass(frozen=True)
class _Browsed:
    product: np.ndarray  # -1 = no product
    tier: np.ndarray  # the price tier each event browses


def make_events(
    rng: np.random.Generator,
    sessions: Sessions,
    cart_product: np.ndarray,
    products: Products,
    on_sessions: Callable[[int], object],
) -> Events:
    """All events, in session order; ``on_sessions(k)`` is told of each chunk of k sessions.

    ``cart_product``: per session, the product its first add_to_cart must hold (a buyer's
    first order line), else -1.
    """
    n = len(sessions.start)
    chunk_rngs = rng.spawn(max(1, -(-n // _CHUNK_SESSIONS)))
    parts = []
    for chunk, low in enumerate(range(0, n, _CHUNK_SESSIONS)):
        high = min(n, low + _CHUNK_SESSIONS)
        parts.append(_chunk_events(chunk_rngs[chunk], sessions, cart_product, products, low, high))
        on_sessions(high - low)
    return Events(
        **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Events)}
    )


def last_event_at(sessions: Sessions, events: Events) -> np.ndarray:
    """Per session: the time of its last event (in file order), -1 without events."""
    n = sessions.n_events
    last_at = np.full(len(n), -1, dtype=np.int64)
    has_events = n > 0
    last_at[has_events] = events.at[(np.cumsum(n) - 1)[has_events]]
    return last_at


def _chunk_events(
    rng: np.random.Generator,
    sessions: Sessions,
    cart_product: np.ndarray,
    products: Products,
    low: int,
    high: int,
) -> Events:
    """Events of sessions low..high-1 (vectorised)."""
    chunk = slice(low, high)
    layout = _layout(sessions.n_events[chunk])
    steps = _step_positions(rng, layout, sessions.stage[chunk])
    kinds = _kinds(rng, layout, steps)
    browsed = _browse(rng, products, layout, kinds, sessions.tier[chunk])
    quirk = sessions.quirk[chunk]
    at = _times(rng, layout, sessions, chunk, quirk)
    # the chunk's working columns, finished in place below
    event_type, page, product = kinds.event_type, kinds.page, browsed.product

    # a buyer's first add_to_cart holds the first line of the order
    first_cart = cart_product[chunk][layout.local]
    rows = np.flatnonzero((layout.position == steps.cart) & (first_cart >= 0))
    product[rows] = first_cart[rows]

    # quirk: second event is an add_to_cart logged before the first page_view
    early = np.flatnonzero(quirk == CART_BEFORE_VIEW)
    rows = layout.first[early] + 1
    event_type[rows] = ADD_TO_CART
    page[rows] = -1
    product[rows] = pick_products(rng, products, browsed.tier[rows])
    at[rows] = at[layout.first[early]] - rng.integers(1, 31, len(early))
    return Events(
        session=(layout.local + low).astype(np.int32),
        at=at,
        event_type=event_type,
        page=page,
        product=product.astype(np.int32),
    )


def _layout(n: np.ndarray) -> _Layout:
    total = int(n.sum())
    local = np.repeat(np.arange(len(n)), n)
    first = np.cumsum(n) - n
    return _Layout(n=n, local=local, first=first, position=np.arange(total) - first[local])


def _step_positions(rng: np.random.Generator, layout: _Layout, stage: np.ndarray) -> _Steps:
    """Positions of the funnel steps: purchase last, checkout just before it, the first
    add_to_cart somewhere after the first page_view."""
    n = layout.n
    k = len(n)
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
    local = layout.local
    return _Steps(cart=cart[local], checkout=checkout[local], purchase=purchase[local])


def _kinds(rng: np.random.Generator, layout: _Layout, steps: _Steps) -> _Kinds:
    """Event types (the funnel steps at their positions, fillers by phase between them)
    and the page of each page_view."""
    position = layout.position
    total = len(position)
    phase = np.zeros(total, dtype=np.int8)
    phase[(steps.cart >= 0) & (position > steps.cart)] = 1
    phase[(steps.checkout >= 0) & (position > steps.checkout)] = 2
    event_type = np.empty(total, dtype=np.int8)
    page = np.full(total, -1, dtype=np.int8)
    for p in range(3):
        rows = np.flatnonzero(phase == p)
        event_type[rows] = categorical(rng, FILLER_TYPE_PROBS[p], len(rows))
    event_type[position == 0] = PAGE_VIEW
    event_type[position == steps.cart] = ADD_TO_CART
    event_type[position == steps.checkout] = CHECKOUT
    event_type[position == steps.purchase] = PURCHASE
    is_view = event_type == PAGE_VIEW
    for p in range(3):
        rows = np.flatnonzero(is_view & (phase == p) & (position > 0))
        page[rows] = categorical(rng, PAGE_PROBS[p], len(rows))
    rows = np.flatnonzero(position == 0)
    page[rows] = categorical(rng, FIRST_PAGE_PROBS, len(rows))
    return _Kinds(event_type=event_type, page=page)


def _browse(
    rng: np.random.Generator,
    products: Products,
    layout: _Layout,
    kinds: _Kinds,
    session_tier: np.ndarray,
) -> _Browsed:
    """Products of product events and product page views, mostly from the visitor's tier."""
    tier = session_tier[layout.local]
    browse_tier = np.where(rng.random(len(tier)) < _OTHER_TIER_SHARE, 1 - tier, tier)
    product = np.full(len(tier), -1, dtype=np.int64)
    is_product_view = (kinds.event_type == PAGE_VIEW) & (kinds.page == PRODUCT_PAGE)
    rows = np.flatnonzero(np.isin(kinds.event_type, PRODUCT_EVENT_TYPES) | is_product_view)
    product[rows] = pick_products(rng, products, browse_tier[rows])
    return _Browsed(product=product, tier=browse_tier)


def _times(
    rng: np.random.Generator, layout: _Layout, sessions: Sessions, chunk: slice, quirk: np.ndarray
) -> np.ndarray:
    """Event times: the first event after the session's delay, then idle gaps of at least
    a second (none at a tie)."""
    n, first, local = layout.n, layout.first, layout.local
    gaps = np.maximum(1, np.rint(rng.exponential(sessions.idle[chunk][local]))).astype(np.int64)
    gaps[first[n > 0]] = 0
    tied = np.flatnonzero(quirk == TIED_EVENTS)
    gaps[first[tied] + 1 + (rng.random(len(tied)) * (n[tied] - 1)).astype(np.int64)] = 0
    elapsed = np.cumsum(gaps)
    has_events = n > 0
    elapsed -= np.repeat(elapsed[first[has_events]], n[has_events])
    return (sessions.start[chunk] + sessions.delay[chunk])[local] + elapsed
