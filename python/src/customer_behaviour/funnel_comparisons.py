"""Funnel comparisons that say how sure they are.

Two tables, both from funnel marts that SQL has already aggregated (so they cost the same at
10k and at 10M sessions):

* **segment against the rest** (``analytics.funnel_segment_comparison``, from
  ``marts.fct_funnel``): for every breakdown value and step, the step conversion of the
  segment's sessions against that of all other sessions of the same breakdown. The difference
  with its 95% Newcombe (hybrid score) interval, the pooled two-proportion z-test, the p-value
  adjusted for the number of comparisons in the table (Holm), and the minimum detectable
  difference at that size (alpha 0.05, power 0.8, Cohen's h): a cell whose minimum detectable
  difference exceeds :data:`RELATIVE_LIFT` of the rest's rate is flagged ``is_underpowered``,
  so "no significant gap" there means "too small to tell", not "no gap".
* **period over period** (``analytics.funnel_period_change``, from
  ``marts.fct_funnel_periods``): the change in funnel completion (sessions reaching the last
  step / all sessions) between the previous and the current period, split per breakdown into
  a mix effect (segment shares moved) and a rate effect (completion within segments moved).
  The split is the symmetric one, ``mix = sum((w1 - w0) * (r0 + r1) / 2)`` and
  ``rate = sum((r1 - r0) * (w0 + w1) / 2)``, whose two parts add up to the change exactly; a
  segment absent from one period takes its other period's rate there, so its whole
  contribution is mix.

The tests recompute both from the marts with plain formulas (Wilson bounds, Holm's step-down
rule, the arcsine transform) rather than statsmodels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from customer_behaviour.warehouse import Columns, conform, empty_frame

ALPHA = 0.05
POWER = 0.8
RELATIVE_LIFT = 0.10
"""A cell is flagged underpowered when it cannot detect a 10% relative change of the rest's
rate at ALPHA and POWER."""

ENTRY_STEP = "(session start)"
"""The from-step of step 1: its conversion is step-1 sessions over all sessions."""
TOTAL_VALUE = "(total)"
"""segment_value of the row per breakdown that sums the period change over its segments."""

FUNNEL_COLUMNS = ("segment_type", "segment_value", "step_number", "step_name")
FUNNEL_COUNT_COLUMNS = ("segment_sessions", "sessions")
PERIOD_COLUMNS = ("period", "period_start", "period_end")

SEGMENT_COMPARISON_COLUMNS: Columns = {
    "segment_type": "text",
    "segment_value": "text",
    "step_number": "integer",
    "from_step": "text",
    "step_name": "text",
    "segment_entered": "integer",
    "segment_converted": "integer",
    "segment_rate": "float",
    "rest_entered": "integer",
    "rest_converted": "integer",
    "rest_rate": "float",
    "difference": "float",
    "difference_low": "float",
    "difference_high": "float",
    "z": "float",
    "p_value": "float",
    "p_value_adjusted": "float",
    "is_significant": "boolean",
    "minimum_detectable_difference": "float",
    "is_underpowered": "boolean",
    "alpha": "float",
    "power": "float",
    "relative_lift": "float",
}

PERIOD_CHANGE_COLUMNS: Columns = {
    "segment_type": "text",
    "segment_value": "text",
    "previous_start": "text",
    "previous_end": "text",
    "current_start": "text",
    "current_end": "text",
    "previous_sessions": "integer",
    "current_sessions": "integer",
    "previous_share": "float",
    "current_share": "float",
    "previous_completion": "float",
    "current_completion": "float",
    "completion_change": "float",
    "mix_effect": "float",
    "rate_effect": "float",
    "p_value": "float",
}


@dataclass
class ComparisonResult:
    frame: pd.DataFrame
    messages: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Segment against the rest


def _step_counts(funnel: pd.DataFrame) -> pd.DataFrame:
    """Per breakdown value and step: sessions entering the step (at the previous step, or all
    sessions for step 1) and converting (at the step)."""
    frame = funnel.sort_values(["segment_type", "segment_value", "step_number"]).copy()
    for column in ("step_number", *FUNNEL_COUNT_COLUMNS):
        frame[column] = pd.to_numeric(frame[column]).astype("int64")
    group = frame.groupby(["segment_type", "segment_value"], sort=False)
    previous = group["sessions"].shift(1)
    frame["entered"] = previous.fillna(frame["segment_sessions"]).astype("int64")
    frame["from_step"] = group["step_name"].shift(1).fillna(ENTRY_STEP)
    frame["converted"] = frame["sessions"]
    return frame


def minimum_detectable_difference(
    rest_rate: float, n_segment: float, n_rest: float, alpha: float = ALPHA, power: float = POWER
) -> float:
    """The smallest rise over ``rest_rate`` a two-sided test of this size detects: Cohen's h
    from statsmodels' NormalIndPower, turned back into a rate on the arcsine scale."""
    from statsmodels.stats.power import NormalIndPower

    if n_segment <= 0 or n_rest <= 0 or not 0.0 <= rest_rate <= 1.0:
        return float("nan")
    h = NormalIndPower().solve_power(
        nobs1=n_segment, ratio=n_rest / n_segment, alpha=alpha, power=power, effect_size=None
    )
    angle = math.asin(math.sqrt(rest_rate)) + float(h) / 2.0
    detectable = 1.0 if angle >= math.pi / 2 else math.sin(angle) ** 2
    return detectable - rest_rate


def _compare_row(row: pd.Series) -> dict[str, float]:
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    c1, n1, c0, n0 = (int(row[k]) for k in ("converted", "entered", "rest_converted", "rest_n"))
    out = {name: float("nan") for name in ("difference", "low", "high", "z", "p_value", "mdd")}
    if n1 <= 0 or n0 <= 0:
        return out
    out["difference"] = c1 / n1 - c0 / n0
    low, high = confint_proportions_2indep(c1, n1, c0, n0, method="newcomb", compare="diff")
    out["low"], out["high"] = float(low), float(high)
    pooled = (c1 + c0) / (n1 + n0)
    if 0.0 < pooled < 1.0:
        z, p_value = proportions_ztest([c1, c0], [n1, n0])
        out["z"], out["p_value"] = float(z), float(p_value)
    out["mdd"] = minimum_detectable_difference(c0 / n0, n1, n0)
    return out


def segment_comparison(funnel: pd.DataFrame) -> ComparisonResult:
    """Every breakdown value against the rest of its breakdown, at every step."""
    from statsmodels.stats.multitest import multipletests

    if funnel.empty or pd.to_numeric(funnel["segment_sessions"]).max() == 0:
        return ComparisonResult(
            empty_frame(SEGMENT_COMPARISON_COLUMNS),
            ["segment comparison not computed: fct_funnel has no sessions"],
        )
    counts = _step_counts(funnel)
    counts = counts[counts["segment_type"] != "overall"].copy()
    if counts.empty:
        return ComparisonResult(
            empty_frame(SEGMENT_COMPARISON_COLUMNS),
            [
                "segment comparison not computed: fct_funnel has no breakdown besides overall "
                "(customer_behaviour__funnel_segments is empty)"
            ],
        )
    totals = counts.groupby(["segment_type", "step_number"])[["entered", "converted"]].transform(
        "sum"
    )
    counts["rest_n"] = totals["entered"] - counts["entered"]
    counts["rest_converted"] = totals["converted"] - counts["converted"]
    tested = pd.DataFrame([_compare_row(row) for _, row in counts.iterrows()], index=counts.index)
    counts = counts.join(tested)
    defined = counts["p_value"].notna()
    counts["p_value_adjusted"] = np.nan
    if defined.any():
        counts.loc[defined, "p_value_adjusted"] = multipletests(
            counts.loc[defined, "p_value"], alpha=ALPHA, method="holm"
        )[1]
    rest_rate = counts["rest_converted"] / counts["rest_n"].where(counts["rest_n"] > 0)
    frame = pd.DataFrame(
        {
            "segment_type": counts["segment_type"],
            "segment_value": counts["segment_value"],
            "step_number": counts["step_number"],
            "from_step": counts["from_step"],
            "step_name": counts["step_name"],
            "segment_entered": counts["entered"],
            "segment_converted": counts["converted"],
            "segment_rate": counts["converted"] / counts["entered"].where(counts["entered"] > 0),
            "rest_entered": counts["rest_n"],
            "rest_converted": counts["rest_converted"],
            "rest_rate": rest_rate,
            "difference": counts["difference"],
            "difference_low": counts["low"],
            "difference_high": counts["high"],
            "z": counts["z"],
            "p_value": counts["p_value"],
            "p_value_adjusted": counts["p_value_adjusted"],
            "is_significant": counts["p_value_adjusted"].lt(ALPHA),
            "minimum_detectable_difference": counts["mdd"],
            "is_underpowered": ~(counts["mdd"] <= RELATIVE_LIFT * rest_rate),
            "alpha": ALPHA,
            "power": POWER,
            "relative_lift": RELATIVE_LIFT,
        }
    )
    frame = conform(frame, SEGMENT_COMPARISON_COLUMNS)
    significant = int(frame["is_significant"].sum())
    underpowered = int(frame["is_underpowered"].sum())
    return ComparisonResult(
        frame,
        [
            f"{len(frame):,} segment-step comparisons: {significant:,} significant after Holm's "
            f"adjustment, {underpowered:,} too small to detect a {RELATIVE_LIFT:.0%} relative "
            "change"
        ],
    )


# --------------------------------------------------------------------------------------------
# Period over period


def _completion_by_segment(periods: pd.DataFrame) -> pd.DataFrame:
    """Per period and breakdown value: all sessions and those reaching the last step."""
    frame = periods.copy()
    for column in ("step_number", *FUNNEL_COUNT_COLUMNS):
        frame[column] = pd.to_numeric(frame[column]).astype("int64")
    last = frame[frame["step_number"] == frame["step_number"].max()]
    return last[["period", "segment_type", "segment_value", "segment_sessions", "sessions"]].rename(
        columns={"segment_sessions": "all_sessions", "sessions": "completed"}
    )


def _decompose(part: pd.DataFrame) -> pd.DataFrame:
    """The mix / rate split of one breakdown's change (rows: its segments)."""
    n0, n1 = part["previous_sessions"], part["current_sessions"]
    w0, w1 = n0 / n0.sum(), n1 / n1.sum()
    r0 = part["previous_completed"] / n0.where(n0 > 0)
    r1 = part["current_completed"] / n1.where(n1 > 0)
    r0, r1 = r0.fillna(r1), r1.fillna(r0)
    return part.assign(
        previous_share=w0,
        current_share=w1,
        previous_completion=part["previous_completed"] / n0.where(n0 > 0),
        current_completion=part["current_completed"] / n1.where(n1 > 0),
        mix_effect=(w1 - w0) * (r0 + r1) / 2.0,
        rate_effect=(r1 - r0) * (w0 + w1) / 2.0,
    )


def period_change(periods: pd.DataFrame) -> ComparisonResult:
    """The previous period against the current one, per breakdown, split into mix and rate."""
    from statsmodels.stats.proportion import proportions_ztest

    if periods.empty:
        return ComparisonResult(
            empty_frame(PERIOD_CHANGE_COLUMNS),
            [
                "period comparison not computed: fct_funnel_periods is empty (no events or orders "
                "to date the periods by)"
            ],
        )
    bounds = periods.groupby("period")[["period_start", "period_end"]].first()
    dates = {
        f"{period}_{edge}": str(pd.Timestamp(bounds.loc[period, f"period_{edge}"]).date())
        for period in ("previous", "current")
        for edge in ("start", "end")
    }
    completion = _completion_by_segment(periods)
    wide = completion.pivot_table(
        index=["segment_type", "segment_value"],
        columns="period",
        values=["all_sessions", "completed"],
        aggfunc="sum",
        fill_value=0,
    )
    wide.columns = [f"{period}_{name}" for name, period in wide.columns]
    wide = wide.reset_index().rename(
        columns={
            "previous_all_sessions": "previous_sessions",
            "current_all_sessions": "current_sessions",
        }
    )
    overall = wide[wide["segment_type"] == "overall"].iloc[0]
    if overall["previous_sessions"] == 0 and overall["current_sessions"] == 0:
        return ComparisonResult(
            empty_frame(PERIOD_CHANGE_COLUMNS),
            [
                f"period comparison not computed: no session started in either period "
                f"({dates['previous_start']} to {dates['current_end']})"
            ],
        )
    for period in ("previous", "current"):
        if overall[f"{period}_sessions"] == 0:
            return ComparisonResult(
                empty_frame(PERIOD_CHANGE_COLUMNS),
                [
                    f"period comparison not computed: the {period} period "
                    f"({dates[f'{period}_start']} to {dates[f'{period}_end']}) has no sessions; "
                    "set customer_behaviour__comparison_period_days to fit the data's span"
                ],
            )
    c0, n0 = int(overall["previous_completed"]), int(overall["previous_sessions"])
    c1, n1 = int(overall["current_completed"]), int(overall["current_sessions"])
    pooled = (c0 + c1) / (n0 + n1)
    p_value = float(proportions_ztest([c1, c0], [n1, n0])[1]) if 0 < pooled < 1 else float("nan")
    rows = []
    for segment_type, part in wide.groupby("segment_type", sort=True):
        decomposed = _decompose(part)
        if segment_type != "overall":
            rows.append(decomposed)
        rows.append(
            pd.DataFrame(
                [
                    {
                        "segment_type": segment_type,
                        "segment_value": TOTAL_VALUE,
                        "previous_sessions": n0,
                        "current_sessions": n1,
                        "previous_share": 1.0,
                        "current_share": 1.0,
                        "previous_completion": c0 / n0,
                        "current_completion": c1 / n1,
                        "mix_effect": decomposed["mix_effect"].sum(),
                        "rate_effect": decomposed["rate_effect"].sum(),
                        "p_value": p_value,
                    }
                ]
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    frame["completion_change"] = frame["current_completion"] - frame["previous_completion"]
    for name, value in dates.items():
        frame[name] = value
    frame = conform(frame, PERIOD_CHANGE_COLUMNS)
    change = c1 / n1 - c0 / n0
    return ComparisonResult(
        frame,
        [
            f"funnel completion {c0 / n0:.2%} ({dates['previous_start']} to "
            f"{dates['previous_end']}) -> {c1 / n1:.2%} ({dates['current_start']} to "
            f"{dates['current_end']}): {change * 100:+.2f} points"
        ],
    )
