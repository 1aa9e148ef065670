"""What the sections found, as typed and frozen results: the only thing sections share.

A section reads its tables and returns its blocks together with the findings that other parts
of the report may use (the biggest funnel leak, the driver estimates, the experiment size...).
The insights, recommendations and next steps are pure functions of :class:`Findings`, the
bundle of every section's findings, so no section depends on another having run before it.
Each finding holds plain numbers and strings, never a table, and says how sure it is where
the report prints a certainty next to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from customer_behaviour.report.stats import (
    Certainty,
    certainty_from_p,
    exact_certainty,
    fmt_int,
)


@dataclass(frozen=True)
class Period:
    """How many calendar days the sessions span."""

    days: int


@dataclass(frozen=True)
class FunnelLeak:
    """The overall funnel step that loses most sessions."""

    transition: str
    from_step: str
    lost: float
    previous: float
    """Sessions that reached the step before the loss."""
    drop_off: float
    low: float
    high: float
    """95% Wilson interval of the drop-off."""


@dataclass(frozen=True)
class SegmentLeak:
    """The segment and step losing most sessions beyond the overall drop-off of that step."""

    segment_type: str
    segment_value: str
    transition: str
    drop_off: float
    overall_drop_off: float
    rest_drop_off: float
    """Drop-off of all other sessions at the step (the comparison of the test)."""
    gap: float
    excess: float
    """Sessions lost beyond what the overall drop-off would lose."""
    previous: float
    certainty: Certainty


@dataclass(frozen=True)
class WorstSegment:
    """The segment (of at least the minimum size) with the lowest session conversion."""

    segment_type: str
    segment_value: str
    rate: float
    low: float
    high: float
    n: float
    rest: float
    """Conversion of all other sessions."""
    certainty: Certainty


@dataclass(frozen=True)
class Trend:
    """Conversion over the first and the last days of the period."""

    window: int
    first: float
    last: float
    certainty: Certainty


@dataclass(frozen=True)
class DriverTerm:
    """One regression term on the coefficient scale, with its 95% interval and p-value."""

    coef: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class ConversionDrivers:
    """The purchase model's events term and, when the model has it, its time-on-site term,
    from the specification named (drivers.SPECIFICATIONS: pre_intent when it was fitted, as it
    does not count the purchase itself)."""

    events: DriverTerm
    seconds: DriverTerm | None
    specification: str = "all_events"

    @property
    def engaged(self) -> bool:
        """More events go with more purchases, beyond sampling noise."""
        return self.events.coef > 0 and self.events.p_value < 0.05

    @property
    def time_flat(self) -> bool:
        """Time on site has no clear effect (its interval spans zero)."""
        return self.seconds is not None and self.seconds.ci_low <= 0 <= self.seconds.ci_high

    @property
    def certainty(self) -> Certainty:
        return certainty_from_p(self.events.p_value)


@dataclass(frozen=True)
class SpendDrivers:
    """The spend model's events term and how much of log spend the model explains."""

    events: DriverTerm
    r_squared: float

    @property
    def certainty(self) -> Certainty:
        return certainty_from_p(self.events.p_value)


@dataclass(frozen=True)
class Levels:
    """Conversion counted per session and per identified customer."""

    session_rate: float
    customer_rate: float
    ratio: float
    sessions_per_customer: float
    n_sessions: float
    n_customers: float

    @property
    def certainty(self) -> Certainty:
        return exact_certainty(
            f"{fmt_int(self.n_sessions)} sessions, {fmt_int(self.n_customers)} customers"
        )


@dataclass(frozen=True)
class StylePrice:
    """How the purchase styles differ in average item price."""

    cohens_d: float
    welch_p_value: float


@dataclass(frozen=True)
class Styles:
    """The metrics in which the two purchase styles are alike and those in which they differ."""

    alike: tuple[str, ...]
    differ: tuple[str, ...]
    price: StylePrice | None

    @property
    def certainty(self) -> Certainty | None:
        return None if self.price is None else certainty_from_p(self.price.welch_p_value)


@dataclass(frozen=True)
class Baskets:
    """How many product baskets association rules can speak for."""

    multi_share: float
    n_baskets: float
    covered: float

    @property
    def certainty(self) -> Certainty:
        return exact_certainty(f"{fmt_int(self.n_baskets)} baskets")


@dataclass(frozen=True)
class Removal:
    """The optional step whose removal would lose most conversions (Markov model)."""

    step: str
    effect: float


@dataclass(frozen=True)
class AtRiskBuyers:
    """The RFM segment at_risk."""

    customers: float
    frequency: float
    recency: float
    revenue_share: float


@dataclass(frozen=True)
class Rfm:
    """The scored buyers, and the at_risk segment when there is one."""

    n_buyers: int
    at_risk: AtRiskBuyers | None


@dataclass(frozen=True)
class Retention:
    """Next-month retention of the first cohort."""

    cohort: object
    """The cohort's month (a date-like value)."""
    rate: float
    n: float


@dataclass(frozen=True)
class Repeat:
    """Repeat purchase of the latest first-order cohort (right-censored)."""

    latest: object
    """The cohort's month (a date-like value)."""
    latest_rate: float


@dataclass(frozen=True)
class Experiment:
    """The experiment the report proposes: the smallest lift it can detect within 90 days."""

    lift: float
    baseline: float
    target: float
    per_arm: float
    days: float
    per_day: float
    feasible: bool
    """False when even the largest lift needs more than 90 days."""


@dataclass(frozen=True)
class LocalTiming:
    """The local weekdays with the highest and the lowest session conversion."""

    best_weekday: str
    best_rate: float
    worst_weekday: str
    worst_rate: float
    n_sessions: float
    certainty: Certainty


@dataclass(frozen=True)
class HolidayEffect:
    """Conversion on local public holidays versus ordinary days, pooled over the countries."""

    holiday_rate: float
    ordinary_rate: float
    n_holiday_sessions: float
    n_holiday_dates: float
    n_countries: int
    holiday_share: float
    """Holiday sessions / all sessions of these countries."""
    certainty: Certainty


@dataclass(frozen=True)
class ContinentRates:
    """Session conversion per continent (by sessions, largest first)."""

    continents: tuple[str, ...]
    rates: tuple[float, ...]
    certainty: Certainty


@dataclass(frozen=True)
class OwnStatistics:
    """What the user's own statistics add: their metrics and countries."""

    metrics: tuple[str, ...]
    n_countries: int
    made_up: bool
    """True when a source says the numbers are made up (the shipped example)."""


@dataclass(frozen=True)
class Findings:
    """Every section's findings; a field is None when its section found nothing to say."""

    period: Period | None = None
    funnel_leak: FunnelLeak | None = None
    segment_leak: SegmentLeak | None = None
    worst_segment: WorstSegment | None = None
    trend: Trend | None = None
    drivers: ConversionDrivers | None = None
    spend: SpendDrivers | None = None
    levels: Levels | None = None
    styles: Styles | None = None
    baskets: Baskets | None = None
    removal: Removal | None = None
    rfm: Rfm | None = None
    retention: Retention | None = None
    repeat: Repeat | None = None
    experiment: Experiment | None = None
    local_timing: LocalTiming | None = None
    holiday_effect: HolidayEffect | None = None
    continents: ContinentRates | None = None
    own_statistics: OwnStatistics | None = None

    @staticmethod
    def combine(parts: Iterable[Findings]) -> Findings:
        """One bundle from the sections' findings; each finding comes from one section only,
        so the order of the parts does not matter (a ValueError when two set the same)."""
        merged: dict[str, object] = {}
        for part in parts:
            for item in fields(Findings):
                value = getattr(part, item.name)
                if value is None:
                    continue
                if item.name in merged:
                    raise ValueError(f"two sections report the finding {item.name}")
                merged[item.name] = value
        return Findings(**merged)  # type: ignore[arg-type]
