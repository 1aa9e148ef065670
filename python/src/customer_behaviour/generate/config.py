"""What to generate: the configuration and its checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from customer_behaviour.errors import UserError

SECONDS_PER_DAY = 86_400
_SESSIONS_PER_CUSTOMER = 3.0


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

    @property
    def period_seconds(self) -> int:
        """Length of the generated period in seconds."""
        return self.days * SECONDS_PER_DAY


def validate(config: GeneratorConfig) -> dt.date:
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
    return _start_date(config)


def _start_date(config: GeneratorConfig) -> dt.date:
    """The start date, if it is a YYYY-MM-DD date and the period stays in 1901-2198."""
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
