"""Purchase styles compared: do cheap-many and expensive-few buyers browse differently?

The source finding to test: the two styles browse alike (session length, interaction volume
and density) and differ in what they pick (average item price). For each metric the
purchasing sessions of style ``cheap_many`` and ``expensive_few`` (``fct_sessions``'s
``purchase_style``) are compared with Welch's t-test, the Mann-Whitney U test and Cohen's d.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from customer_behaviour.errors import UserError
from customer_behaviour.warehouse import Columns, conform, empty_frame

STYLE_COLUMN = "purchase_style"
STYLES = ("cheap_many", "expensive_few")
METRICS = ("session_seconds", "event_count", "events_per_minute", "avg_item_price_usd")
SESSION_COLUMNS = (STYLE_COLUMN, *METRICS)
ALPHA = 0.05
SMALL_EFFECT = 0.2
"""Cohen's d below this is a negligible difference, however significant."""

COMPARISON_COLUMNS: Columns = {
    "metric": "text",
    "cheap_many_n": "integer",
    "cheap_many_mean": "float",
    "cheap_many_median": "float",
    "expensive_few_n": "integer",
    "expensive_few_mean": "float",
    "expensive_few_median": "float",
    "mean_difference": "float",
    "relative_difference": "float",
    "welch_t": "float",
    "welch_p_value": "float",
    "mann_whitney_u": "float",
    "mann_whitney_p_value": "float",
    "cohens_d": "float",
    "finding": "text",
}


@dataclass
class StyleResult:
    frame: pd.DataFrame
    messages: list[str] = field(default_factory=list)


def require_style_column(available: list[str], where: str) -> None:
    """A UserError when the sessions mart has no purchase_style column."""
    if STYLE_COLUMN not in available:
        raise UserError(
            f"{where} has no column {STYLE_COLUMN}: the marts were built by an older version "
            "of the project; run `make run` (dbt build) again"
        )


def cohens_d(first: np.ndarray, second: np.ndarray) -> float:
    """(mean(second) - mean(first)) / pooled standard deviation; NaN when undefined."""
    n1, n2 = len(first), len(second)
    if n1 < 2 or n2 < 2:
        return float("nan")
    pooled = ((n1 - 1) * first.var(ddof=1) + (n2 - 1) * second.var(ddof=1)) / (n1 + n2 - 2)
    if pooled <= 0:
        return float("nan")
    return float((second.mean() - first.mean()) / np.sqrt(pooled))


def finding(p_value: float, d: float) -> str:
    """differ: significant and at least a small effect; alike: a negligible effect."""
    if not np.isfinite(d):
        return "insufficient data"
    if abs(d) < SMALL_EFFECT:
        return "alike"
    if np.isfinite(p_value) and p_value < ALPHA:
        return "differ"
    return "inconclusive"


def compare_metric(metric: str, cheap: np.ndarray, expensive: np.ndarray) -> dict[str, object]:
    """Means, medians, tests and effect size for one metric (expensive_few minus cheap_many)."""
    from scipy import stats

    enough = len(cheap) >= 2 and len(expensive) >= 2
    welch = stats.ttest_ind(expensive, cheap, equal_var=False) if enough else None
    mann_whitney = stats.mannwhitneyu(expensive, cheap, alternative="two-sided") if enough else None
    cheap_mean = float(cheap.mean()) if len(cheap) else np.nan
    expensive_mean = float(expensive.mean()) if len(expensive) else np.nan
    difference = expensive_mean - cheap_mean
    d = cohens_d(cheap, expensive)
    welch_p = float(welch.pvalue) if welch is not None else np.nan
    return {
        "metric": metric,
        "cheap_many_n": len(cheap),
        "cheap_many_mean": cheap_mean,
        "cheap_many_median": float(np.median(cheap)) if len(cheap) else np.nan,
        "expensive_few_n": len(expensive),
        "expensive_few_mean": expensive_mean,
        "expensive_few_median": float(np.median(expensive)) if len(expensive) else np.nan,
        "mean_difference": difference,
        "relative_difference": difference / cheap_mean if cheap_mean else np.nan,
        "welch_t": float(welch.statistic) if welch is not None else np.nan,
        "welch_p_value": welch_p,
        "mann_whitney_u": float(mann_whitney.statistic) if mann_whitney is not None else np.nan,
        "mann_whitney_p_value": float(mann_whitney.pvalue) if mann_whitney is not None else np.nan,
        "cohens_d": d,
        "finding": finding(welch_p, d),
    }


def compare_styles(sessions: pd.DataFrame) -> StyleResult:
    """One row per metric: cheap_many versus expensive_few purchasing sessions."""
    require_style_column(list(sessions.columns), "the sessions frame")
    styled = sessions[sessions[STYLE_COLUMN].isin(STYLES)]
    counts = styled[STYLE_COLUMN].value_counts()
    if any(counts.get(style, 0) < 2 for style in STYLES):
        return StyleResult(
            empty_frame(COMPARISON_COLUMNS),
            [
                "purchase styles not compared: it needs at least two purchasing sessions of "
                f"each style, found {', '.join(f'{s} {counts.get(s, 0)}' for s in STYLES)}"
            ],
        )
    rows = []
    for metric in METRICS:
        values = pd.to_numeric(styled[metric], errors="coerce").astype(float)
        cheap = values[styled[STYLE_COLUMN] == STYLES[0]].dropna().to_numpy()
        expensive = values[styled[STYLE_COLUMN] == STYLES[1]].dropna().to_numpy()
        rows.append(compare_metric(metric, cheap, expensive))
    frame = conform(pd.DataFrame(rows), COMPARISON_COLUMNS)
    summary = ", ".join(f"{row.metric} {row.finding}" for row in frame.itertuples())
    return StyleResult(frame, [f"purchase styles: {summary}"])
