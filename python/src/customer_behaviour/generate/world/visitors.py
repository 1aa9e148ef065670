"""Customers and their sessions: who visits when, how engaged, and how far down the funnel.

Two streams: the customers stream draws the customer pool (and, once the sessions are
known, signups and e-mail details); the sessions stream draws everything per session.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customer_behaviour.generate.config import SECONDS_PER_DAY, GeneratorConfig
from customer_behaviour.generate.world.draws import categorical, sigmoid
from customer_behaviour.generate.world.vocabulary import (
    COUNTRY_LOGIT,
    COUNTRY_WEIGHTS,
    DEVICE_CHECKOUT_TO_PURCHASE,
    DEVICE_WEIGHTS,
    EMAIL_CASE_WEIGHTS,
    EMAIL_DOMAINS,
    HOUR_WEIGHTS,
    PLAIN_TIMESTAMP_SHARE,
    SOURCE_LOGIT,
    SOURCE_WEIGHTS,
)

_RETURNING_LOGIT = 1.1  # conversion lift of a returning visit (session_number >= 2)
_GHOST_SESSION_SHARE = 0.01  # sessions naming a customer that customers.csv does not list
_GHOST_CUSTOMER_SHARE = 0.01  # unlisted customers, as a share of the listed ones
_EMPTY_SESSION_SHARE = 0.01
_BOUNCE_SHARE = 0.22
_MAX_EVENTS = 40
_EARLY_FIRST_EVENT_SHARE = 0.01
_CART_BEFORE_VIEW_SHARE = 0.01
_TIED_EVENTS_SHARE = 0.01

NO_QUIRK, CART_BEFORE_VIEW, TIED_EVENTS = 0, 1, 2
PURCHASED = 4  # the last funnel stage: 0 none, 1 page_view ... 4 purchase


@dataclass(frozen=True)
class Customers:
    listed: np.ndarray  # pool indices written to customers.csv, ascending
    country: np.ndarray
    style: np.ndarray
    signup: np.ndarray  # seconds from the start of the period
    email_domain: np.ndarray
    email_case: np.ndarray  # 0 lower, 1 capitalised, 2 upper
    plain_timestamp: np.ndarray


@dataclass(frozen=True)
class Sessions:
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
    quirk: np.ndarray  # NO_QUIRK, CART_BEFORE_VIEW or TIED_EVENTS
    plain_timestamp: np.ndarray


@dataclass(frozen=True)
class _Pool:
    """Every customer a session can name, listed in customers.csv or not."""

    listed: np.ndarray  # bool per pool member
    activity: np.ndarray  # relative visit frequency
    country: np.ndarray
    style: np.ndarray


@dataclass(frozen=True)
class _Visits:
    """Who visits when, from where, on what."""

    start: np.ndarray
    customer: np.ndarray
    is_known: np.ndarray
    device: np.ndarray
    source: np.ndarray
    country: np.ndarray
    tier: np.ndarray


@dataclass(frozen=True)
class _Engagement:
    n_events: np.ndarray
    idle: np.ndarray
    delay: np.ndarray


def make_visitors(
    rng_customers: np.random.Generator,
    rng: np.random.Generator,
    config: GeneratorConfig,
) -> tuple[Sessions, Customers]:
    """Session attributes, funnel stage and timing plan; customers and their signup."""
    n = config.n_sessions
    pool = _draw_pool(rng_customers, config)
    visits = _draw_visits(rng, config, pool)
    session_number = _session_numbers(visits)
    engagement = _draw_engagement(rng, n)
    stage = _walk_funnel(rng, visits, session_number, engagement.n_events)
    quirk = _draw_quirks(rng, stage, engagement.n_events)
    signup = _draw_signups(rng_customers, pool, visits, config.period_seconds)
    sessions = Sessions(
        start=visits.start,
        customer=visits.customer,
        device=visits.device,
        source=visits.source,
        country=visits.country.astype(np.int8),
        session_number=session_number,
        n_events=engagement.n_events.astype(np.int64),
        stage=stage,
        delay=engagement.delay,
        idle=engagement.idle,
        tier=visits.tier,
        quirk=quirk,
        plain_timestamp=rng.random(n) < PLAIN_TIMESTAMP_SHARE,
    )
    n_pool = len(pool.listed)
    customers = Customers(
        listed=np.flatnonzero(pool.listed),
        country=pool.country,
        style=pool.style,
        signup=signup,
        email_domain=rng_customers.integers(0, len(EMAIL_DOMAINS), n_pool).astype(np.int8),
        email_case=categorical(rng_customers, EMAIL_CASE_WEIGHTS, n_pool).astype(np.int8),
        plain_timestamp=rng_customers.random(n_pool) < PLAIN_TIMESTAMP_SHARE,
    )
    return sessions, customers


def _draw_pool(rng: np.random.Generator, config: GeneratorConfig) -> _Pool:
    """The listed customers plus about 1% more that customers.csv leaves out."""
    n_listed = config.customer_count
    n_pool = n_listed + max(1, round(n_listed * _GHOST_CUSTOMER_SHARE))
    listed = np.ones(n_pool, dtype=bool)
    listed[rng.choice(n_pool, size=n_pool - n_listed, replace=False)] = False
    return _Pool(
        listed=listed,
        activity=rng.gamma(0.7, 1.0, n_pool) + 1e-9,
        country=categorical(rng, COUNTRY_WEIGHTS, n_pool).astype(np.int8),
        style=(rng.random(n_pool) < 0.5).astype(np.int8),
    )


def _draw_visits(rng: np.random.Generator, config: GeneratorConfig, pool: _Pool) -> _Visits:
    """Sessions in chronological order (so session ids follow time) and who they belong to."""
    n = config.n_sessions
    n_pool = len(pool.listed)
    day = rng.integers(0, config.days, n)
    hour = categorical(rng, HOUR_WEIGHTS, n)
    start = np.sort(day * SECONDS_PER_DAY + hour * 3_600 + rng.integers(0, 3_600, n))
    is_known = rng.random(n) >= config.anonymous_share
    is_unlisted = is_known & (rng.random(n) < _GHOST_SESSION_SHARE / (1 - config.anonymous_share))
    activity_listed = np.where(pool.listed, pool.activity, 0.0)
    activity_unlisted = np.where(pool.listed, 0.0, pool.activity)
    customer = np.where(
        is_unlisted,
        rng.choice(n_pool, size=n, p=activity_unlisted / activity_unlisted.sum()),
        rng.choice(n_pool, size=n, p=activity_listed / activity_listed.sum()),
    )
    customer = np.where(is_known, customer, -1).astype(np.int64)
    device = categorical(rng, DEVICE_WEIGHTS, n).astype(np.int8)
    source = categorical(rng, SOURCE_WEIGHTS, n).astype(np.int8)
    random_country = categorical(rng, COUNTRY_WEIGHTS, n).astype(np.int8)
    own_country = is_known & (rng.random(n) < 0.95)
    known = np.maximum(customer, 0)
    return _Visits(
        start=start,
        customer=customer,
        is_known=is_known,
        device=device,
        source=source,
        country=np.where(own_country, pool.country[known], random_country),
        tier=np.where(is_known, pool.style[known], rng.random(n) < 0.5).astype(np.int8),
    )


def _session_numbers(visits: _Visits) -> np.ndarray:
    """Rank of each visit among its customer's sessions (start order); 0 for anonymous."""
    customer = visits.customer
    session_number = np.zeros(len(customer), dtype=np.int64)
    known_idx = np.flatnonzero(visits.is_known)
    by_customer = known_idx[np.argsort(customer[known_idx], kind="stable")]
    sorted_customers = customer[by_customer]
    group_start = np.r_[0, np.flatnonzero(np.diff(sorted_customers)) + 1]
    group_sizes = np.diff(np.r_[group_start, len(by_customer)])
    ranks = np.arange(len(by_customer)) - np.repeat(group_start, group_sizes)
    session_number[by_customer] = ranks + 1
    return session_number


def _draw_engagement(rng: np.random.Generator, n: int) -> _Engagement:
    """A latent engagement sets the event count; idle time and first-event delay are drawn
    independently of it (so duration adds nothing once the event count is known)."""
    engagement = rng.normal(size=n)
    n_events = 2 + rng.poisson(np.exp(1.35 + 0.75 * engagement))
    n_events = np.minimum(n_events, _MAX_EVENTS)
    n_events[rng.random(n) < _BOUNCE_SHARE] = 1
    n_events[rng.choice(n, size=round(n * _EMPTY_SESSION_SHARE), replace=False)] = 0
    idle = np.exp(rng.normal(np.log(25.0), 0.55, n))
    delay = rng.integers(0, 121, n)
    early = rng.choice(n, size=round(n * _EARLY_FIRST_EVENT_SHARE), replace=False)
    delay[early] = -rng.integers(1, 11, len(early))
    return _Engagement(n_events=n_events, idle=idle, delay=delay)


def _walk_funnel(
    rng: np.random.Generator, visits: _Visits, session_number: np.ndarray, n_events: np.ndarray
) -> np.ndarray:
    """The ordered funnel, step by step: the last stage each session reaches (0-4)."""
    n = len(n_events)
    lift = (
        COUNTRY_LOGIT[visits.country]
        + SOURCE_LOGIT[visits.source]
        + _RETURNING_LOGIT * (session_number >= 2)
    )
    p_cart = sigmoid(-3.0 + 0.30 * n_events + lift) * (n_events >= 2)
    p_checkout = sigmoid(-0.8 + 0.10 * n_events + 0.5 * lift) * (n_events >= 3)
    p_purchase = (
        DEVICE_CHECKOUT_TO_PURCHASE[visits.device]
        * sigmoid(0.8 + 0.08 * n_events + 0.5 * lift)
        * (n_events >= 4)
    )
    u = rng.random((3, n))
    reached_cart = u[0] < p_cart
    reached_checkout = reached_cart & (u[1] < p_checkout)
    purchased = reached_checkout & (u[2] < p_purchase)
    stage = (1 + reached_cart + reached_checkout + purchased).astype(np.int8)
    stage[n_events == 0] = 0
    return stage


def _draw_quirks(rng: np.random.Generator, stage: np.ndarray, n_events: np.ndarray) -> np.ndarray:
    """A fixed count of each quirk, drawn among the sessions that can carry it."""
    n = len(stage)
    quirk = np.full(n, NO_QUIRK, dtype=np.int8)
    can_cart_early = np.flatnonzero((stage == 1) & (n_events >= 2))
    n_cart_early = min(len(can_cart_early), round(n * _CART_BEFORE_VIEW_SHARE))
    quirk[rng.choice(can_cart_early, size=n_cart_early, replace=False)] = CART_BEFORE_VIEW
    can_tie = np.flatnonzero((quirk == NO_QUIRK) & (n_events >= 2))
    n_tie = min(len(can_tie), round(n * _TIED_EVENTS_SHARE))
    quirk[rng.choice(can_tie, size=n_tie, replace=False)] = TIED_EVENTS
    return quirk


def _draw_signups(
    rng: np.random.Generator, pool: _Pool, visits: _Visits, period: int
) -> np.ndarray:
    """Signup: at least a minute before the first session, up to a year earlier; customers
    without a session sign up any time from a year before the period to its end."""
    n_pool = len(pool.listed)
    known_idx = np.flatnonzero(visits.is_known)
    first_start = np.full(n_pool, np.iinfo(np.int64).max)
    np.minimum.at(first_start, visits.customer[known_idx], visits.start[known_idx])
    has_session = first_start < np.iinfo(np.int64).max
    before = 60 + np.floor(rng.random(n_pool) ** 2 * 365 * SECONDS_PER_DAY)
    anytime = rng.integers(-365 * SECONDS_PER_DAY, period, n_pool)
    return np.where(has_session, first_start - before.astype(np.int64), anytime)
