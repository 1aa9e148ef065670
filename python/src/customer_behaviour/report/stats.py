"""Small statistics and number formatting for the insight report.

The report compares rates between segments; whether a difference is worth acting on depends on
how much of it sampling noise could explain. These helpers give the 95% Wilson interval of a
rate, a two-proportion z-test, and the plain-language certainty statement the report prints
next to every generated insight. Formatting lives here too, so that a number reads the same
wherever the report shows it (and tests can parse it back).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import pandas as pd

Z_95 = 1.959963984540054
"""The standard normal quantile of 0.975: 95% two-sided intervals."""

MIN_SEGMENT_SESSIONS = 30
"""Segments with fewer sessions (at a step, for drop-off) are shown but never singled out as
the best or the worst: too few to tell a difference from noise."""

CertaintyLevel = Literal["high", "moderate", "low", "exact"]


@dataclass(frozen=True)
class Certainty:
    """How sure a statement is: a level for the badge and a sentence saying why."""

    level: CertaintyLevel
    text: str


@dataclass(frozen=True)
class ProportionTest:
    """Two-sided two-proportion z-test of rate_a = rate_b (pooled standard error)."""

    rate_a: float
    rate_b: float
    z: float
    p_value: float


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def wilson_interval(successes: float, trials: float, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of successes / trials (NaN, NaN without trials)."""
    if trials <= 0:
        return (math.nan, math.nan)
    rate = successes / trials
    denominator = 1 + z * z / trials
    centre = rate + z * z / (2 * trials)
    margin = z * math.sqrt(rate * (1 - rate) / trials + z * z / (4 * trials * trials))
    low = 0.0 if successes <= 0 else max(0.0, (centre - margin) / denominator)
    high = 1.0 if successes >= trials else min(1.0, (centre + margin) / denominator)
    return (low, high)


def two_proportion_test(
    successes_a: float, trials_a: float, successes_b: float, trials_b: float
) -> ProportionTest:
    """z-test of two independent proportions; p = 1 when either group is empty."""
    if trials_a <= 0 or trials_b <= 0:
        return ProportionTest(math.nan, math.nan, 0.0, 1.0)
    rate_a = successes_a / trials_a
    rate_b = successes_b / trials_b
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    variance = pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b)
    if variance <= 0:
        return ProportionTest(rate_a, rate_b, 0.0, 1.0)
    z = (rate_a - rate_b) / math.sqrt(variance)
    return ProportionTest(rate_a, rate_b, z, math.erfc(abs(z) / math.sqrt(2)))


def rate_table(frame: pd.DataFrame, successes: str, trials: str) -> pd.DataFrame:
    """The frame with ``rate``, ``low`` and ``high`` (95% Wilson) from two count columns."""
    frame = frame.copy()
    bounds = [
        wilson_interval(float(k), float(n))
        for k, n in zip(frame[successes], frame[trials], strict=True)
    ]
    frame["rate"] = [
        float(k) / float(n) if float(n) > 0 else math.nan
        for k, n in zip(frame[successes], frame[trials], strict=True)
    ]
    frame["low"] = [low for low, _ in bounds]
    frame["high"] = [high for _, high in bounds]
    return frame


def interval_certainty(low: float, high: float, n: float, unit: str = "sessions") -> Certainty:
    """The certainty of an estimated rate from the width of its 95% interval."""
    half = (high - low) / 2
    text = (
        f"The 95% interval is {fmt_pct(low)} to {fmt_pct(high)} (±{fmt_pp(half)}, "
        f"{fmt_int(n)} {unit})"
    )
    if half < 0.02:
        return Certainty("high", text + ": the size is well known.")
    if half < 0.05:
        return Certainty("moderate", text + ": the direction is clear, the size less so.")
    return Certainty("low", text + ": too few sessions to pin it down.")


def certainty_from_p(p_value: float, comparisons: int = 1) -> Certainty:
    """The certainty of a difference from its p-value, Bonferroni-adjusted when the difference
    was picked as the largest of ``comparisons`` candidates."""
    adjusted = min(1.0, p_value * max(comparisons, 1))
    how = (
        f"p {format_p(adjusted)} after a Bonferroni adjustment for picking it among "
        f"{comparisons} comparisons"
        if comparisons > 1
        else f"p {format_p(adjusted)}"
    )
    if adjusted < 0.001:
        return Certainty("high", f"Far beyond sampling noise ({how}).")
    if adjusted < 0.05:
        return Certainty(
            "moderate", f"Probably real, but sampling noise could explain part of it ({how})."
        )
    return Certainty(
        "low", f"Within sampling noise ({how}): treat it as a hint to check, not a finding."
    )


def exact_certainty(what: str) -> Certainty:
    """A count or share that describes the data exactly (no sampling question)."""
    return Certainty("exact", f"An exact count over the data ({what}); it describes this period.")


def format_p(p_value: float) -> str:
    """'< 0.001' or '= 0.023' (for 'p < 0.001')."""
    if is_missing(p_value):
        return "unknown"
    if p_value < 0.001:
        return "< 0.001"
    return f"= {p_value:.3f}"


def fmt_int(value: object) -> str:
    """12,345 (rounded to a whole number); 'n/a' when missing."""
    if is_missing(value):
        return "n/a"
    return f"{round(float(value)):,}"


def fmt_pct(value: object, digits: int = 1) -> str:
    """A share as a percentage: 0.1188 -> '11.9%'."""
    if is_missing(value):
        return "n/a"
    return f"{float(value) * 100:.{digits}f}%"


def fmt_pp(value: object, digits: int = 1) -> str:
    """A difference of shares in percentage points: 0.178 -> '17.8 points'."""
    if is_missing(value):
        return "n/a"
    return f"{float(value) * 100:.{digits}f} points"


def fmt_num(value: object, digits: int = 2) -> str:
    """A plain number with thousands separators and fixed decimals."""
    if is_missing(value):
        return "n/a"
    return f"{float(value):,.{digits}f}"


def fmt_usd(value: object, digits: int = 0) -> str:
    """Money in US dollars: '$1,234'."""
    if is_missing(value):
        return "n/a"
    return f"${float(value):,.{digits}f}"


def fmt_ratio(value: object, digits: int = 2) -> str:
    """A multiplicative factor: '2.92x'."""
    if is_missing(value):
        return "n/a"
    return f"{float(value):.{digits}f}x"


def fmt_date(value: object) -> str:
    """A calendar date as YYYY-MM-DD."""
    if is_missing(value):
        return "n/a"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return pd.Timestamp(value).date().isoformat()


def fmt_month(value: object) -> str:
    """A month as 'Jan 2024'."""
    if is_missing(value):
        return "n/a"
    return pd.Timestamp(value).strftime("%b %Y")


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def arrow(from_step: str, to_step: str) -> str:
    """A transition between two steps: 'page_view → add_to_cart'."""
    return f"{from_step} → {to_step}"
