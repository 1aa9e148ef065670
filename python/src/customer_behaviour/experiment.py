"""Sizing the proposed experiment: raise interaction density to raise conversion.

From the observed session conversion rate, the number of sessions per arm a two-arm test
needs to detect a relative lift in conversion (two-sided, normal approximation on Cohen's h,
``statsmodels`` ``NormalIndPower``), and how many days of the observed traffic that takes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from customer_behaviour.warehouse import Columns, conform, empty_frame

RELATIVE_LIFTS = (0.02, 0.05, 0.10)
ALPHA = 0.05
POWER = 0.8
SESSION_COLUMNS = ("did_purchase", "session_start_at")
HYPOTHESIS = (
    "Prompts that turn idle time into interaction (compare, expand details, save) raise "
    "events per minute and, with it, session conversion, without longer sessions"
)

SIZING_COLUMNS: Columns = {
    "relative_lift": "float",
    "baseline_conversion": "float",
    "target_conversion": "float",
    "absolute_lift": "float",
    "effect_size_h": "float",
    "alpha": "float",
    "power": "float",
    "sessions_per_arm": "integer",
    "total_sessions": "integer",
    "observed_sessions": "integer",
    "observed_sessions_per_day": "float",
    "days_at_observed_traffic": "float",
    "hypothesis": "text",
}


@dataclass
class SizingResult:
    frame: pd.DataFrame
    messages: list[str] = field(default_factory=list)


def sessions_per_arm(baseline: float, relative_lift: float, alpha: float, power: float) -> int:
    """Sessions per arm to detect baseline -> baseline x (1 + lift), two-sided."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    effect = proportion_effectsize(baseline * (1.0 + relative_lift), baseline)
    n = NormalIndPower().solve_power(
        effect_size=effect, alpha=alpha, power=power, ratio=1.0, alternative="two-sided"
    )
    return math.ceil(float(n))


def experiment_sizing(
    sessions: pd.DataFrame,
    lifts: tuple[float, ...] = RELATIVE_LIFTS,
    alpha: float = ALPHA,
    power: float = POWER,
) -> SizingResult:
    """One row per relative lift; empty (with a message) when there is no usable baseline."""
    from statsmodels.stats.proportion import proportion_effectsize

    n_sessions = len(sessions)
    baseline = float(sessions["did_purchase"].astype(bool).mean()) if n_sessions else float("nan")
    too_high = [lift for lift in lifts if baseline * (1.0 + lift) >= 1.0]
    if not n_sessions:
        return SizingResult(
            empty_frame(SIZING_COLUMNS), ["experiment not sized: there are no sessions"]
        )
    if not 0.0 < baseline < 1.0 or too_high:
        return SizingResult(
            empty_frame(SIZING_COLUMNS),
            [
                f"experiment not sized: the baseline conversion is {baseline:.3g} over "
                f"{n_sessions:,} sessions; it must lie strictly between 0 and 1 with room "
                "for the lift"
            ],
        )
    started = pd.to_datetime(sessions["session_start_at"])
    span_days = (started.max() - started.min()) / pd.Timedelta(days=1)
    per_day = n_sessions / max(float(span_days), 1.0)
    rows = []
    for lift in lifts:
        per_arm = sessions_per_arm(baseline, lift, alpha, power)
        rows.append(
            {
                "relative_lift": lift,
                "baseline_conversion": baseline,
                "target_conversion": baseline * (1.0 + lift),
                "absolute_lift": baseline * lift,
                "effect_size_h": float(proportion_effectsize(baseline * (1.0 + lift), baseline)),
                "alpha": alpha,
                "power": power,
                "sessions_per_arm": per_arm,
                "total_sessions": 2 * per_arm,
                "observed_sessions": n_sessions,
                "observed_sessions_per_day": per_day,
                "days_at_observed_traffic": 2 * per_arm / per_day,
                "hypothesis": HYPOTHESIS,
            }
        )
    frame = conform(pd.DataFrame(rows), SIZING_COLUMNS)
    summary = ", ".join(
        f"+{row.relative_lift:.0%}: {row.sessions_per_arm:,}/arm" for row in frame.itertuples()
    )
    return SizingResult(frame, [f"experiment sizing at baseline {baseline:.2%}: {summary}"])
