"""3. Feature engineering: the session features, and which of them drive purchase and spend
(marts.fct_sessions, analytics.conversion_drivers, analytics.spend_drivers)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from customer_behaviour.analytics_tables import CONVERSION_DRIVERS, SPEND_DRIVERS
from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Chart, Paragraph, notice_block
from customer_behaviour.report.data import MissingData, ReportData, numeric
from customer_behaviour.report.figures import embed
from customer_behaviour.report.findings import ConversionDrivers, DriverTerm, Findings, SpendDrivers
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import (
    fmt_int,
    fmt_num,
    fmt_pct,
    format_p,
    is_missing,
    rate_table,
)

FEATURES_TEXT = (
    "Every session becomes one row of marts.fct_sessions, the gold table: time "
    "features (session_seconds, first_event_delay_seconds), engagement (event_count, "
    "events_per_minute and a count per event type), the funnel step reached, and the "
    "outcome (did_purchase, n_orders, amount_usd)."
)
MODEL_NAMES = {"conversion_logit": "purchase model", "spend_ols_log_amount": "spend model"}
DRIVER_NUMBERS = ("coef", "ci_low", "ci_high", "p_value", "raw_std", "n_obs")


# --------------------------------------------------------------------------------------------
# The session features


def _buckets(values: pd.Series, outcome: pd.Series, n_buckets: int, unit: str) -> pd.DataFrame:
    """Conversion per quantile bucket of a whole-number feature (equal-count buckets where ties
    allow), labelled with the whole numbers each holds ("4–5")."""
    edges = np.unique(np.nanquantile(values.to_numpy(dtype=float), np.linspace(0, 1, n_buckets)))
    if len(edges) < 2:
        edges = np.array([values.min(), values.max() + 1])
    bucket = pd.cut(values, bins=edges, include_lowest=True, duplicates="drop")
    grouped = (
        pd.DataFrame({"bucket": bucket, "purchase": outcome.astype(int)})
        .groupby("bucket", observed=True)["purchase"]
        .agg(["sum", "count"])
        .reset_index()
    )
    labels = []
    for position, interval in enumerate(grouped["bucket"]):
        low = math.ceil(edges[0]) if position == 0 else math.floor(interval.left) + 1
        high = math.floor(interval.right)
        labels.append(f"{low:,}{unit}" if low >= high else f"{low:,}–{high:,}{unit}")
    grouped["bucket"] = labels
    return rate_table(grouped, "sum", "count")


def _medians(active: pd.DataFrame) -> Paragraph:
    buyers = active[active["did_purchase"]]
    others = active[~active["did_purchase"]]
    if buyers.empty or others.empty:
        # One outcome only: describe the sessions, there is nothing to compare them with.
        outcome = "purchased" if others.empty else "did not purchase"
        return Paragraph(
            f"All {fmt_int(len(active))} sessions with at least one event {outcome}, so "
            f"there is no other group to compare with: they have a median of "
            f"{fmt_num(active['event_count'].median(), 0)} events and last a median of "
            f"{fmt_int(active['session_seconds'].median())} seconds.",
            key="features-medians",
        )
    return Paragraph(
        f"Among the {fmt_int(len(active))} sessions with at least one event, the "
        f"{fmt_int(len(buyers))} that purchased have a median of "
        f"{fmt_num(buyers['event_count'].median(), 0)} events against "
        f"{fmt_num(others['event_count'].median(), 0)} for the others, and last a median of "
        f"{fmt_int(buyers['session_seconds'].median())} seconds against "
        f"{fmt_int(others['session_seconds'].median())}.",
        key="features-medians",
    )


def _buckets_chart(active: pd.DataFrame) -> Chart:
    panels = [
        ("by number of events", _buckets(active["event_count"], active["did_purchase"], 7, "")),
        (
            "by time on site",
            _buckets(active["session_seconds"], active["did_purchase"], 7, " s"),
        ),
    ]
    return embed(
        "features-buckets",
        charts.rate_by_bucket(panels),
        "Share of sessions that purchased, by equal-count buckets of the number of events "
        "and of the time on site (bars: 95% Wilson intervals).",
    )


def session_features_block(data: ReportData) -> Evidence:
    sessions = data.sessions()
    active = sessions[sessions["event_count"] > 0]
    intro = Paragraph(FEATURES_TEXT)
    if active.empty:
        return Evidence(
            Block(
                paragraphs=(intro,),
                notices=("No session has events, so there is nothing to compare.",),
            )
        )
    return Evidence(Block(paragraphs=(intro, _medians(active)), charts=(_buckets_chart(active),)))


# --------------------------------------------------------------------------------------------
# What drives purchase and spend


def _term_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The terms but the intercept, with their effects on the multiplicative scale."""
    terms = frame[frame["term"] != "intercept"].copy()
    terms = numeric(terms, "coef", "ci_low", "ci_high", "p_value")
    terms["estimate"] = np.exp(terms["coef"])
    terms["low"] = np.exp(terms["ci_low"])
    terms["high"] = np.exp(terms["ci_high"])
    return terms.reset_index(drop=True)


def _term_notes(frame: pd.DataFrame) -> list[str]:
    """The notes of a driver table (collinearity warnings), one per term that has one."""
    return [
        f"{MODEL_NAMES.get(str(row.model), str(row.model))}, {row.term}: {row.note}."
        for row in frame.itertuples(index=False)
        if not is_missing(row.note) and str(row.note).strip()
    ]


def _driver_term(terms: pd.DataFrame, name: str) -> DriverTerm | None:
    if name not in terms.index:
        return None
    row = terms.loc[name]
    return DriverTerm(
        coef=float(row["coef"]),
        ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]),
        p_value=float(row["p_value"]),
    )


def _odds_effect(terms: pd.DataFrame, term: str, label: str) -> str:
    if term not in terms.index:
        return f"{label}: not in the model"
    row = terms.loc[term]
    return (
        f"one standard deviation more {label} ({fmt_num(row['raw_std'], 1)}) multiplies the "
        f"odds of purchase by {fmt_num(math.exp(row['coef']))} (95% CI "
        f"{fmt_num(math.exp(row['ci_low']))} to {fmt_num(math.exp(row['ci_high']))}, "
        f"p {format_p(row['p_value'])})"
    )


def _spend_effect(terms: pd.DataFrame, term: str, label: str) -> str:
    if term not in terms.index:
        return f"{label}: not in the model"
    row = terms.loc[term]
    return (
        f"{fmt_pct(math.exp(row['coef']) - 1)} per standard deviation more {label} "
        f"(95% CI {fmt_pct(math.exp(row['ci_low']) - 1)} to "
        f"{fmt_pct(math.exp(row['ci_high']) - 1)}, p {format_p(row['p_value'])})"
    )


def _conversion_paragraph(terms: pd.DataFrame) -> Paragraph:
    return Paragraph(
        f"A logistic regression over {fmt_int(terms['n_obs'].iloc[0])} sessions "
        f"(standard errors clustered by customer, {fmt_int(terms['n_clusters'].iloc[0])} "
        f"clusters) asks who purchases: {_odds_effect(terms, 'event_count', 'events')}; "
        f"{_odds_effect(terms, 'session_seconds', 'seconds on site')}; "
        f"{_odds_effect(terms, 'first_event_delay_seconds', 'seconds before the first event')}"
        ", each with the other terms, device and traffic source held equal. McFadden's "
        f"pseudo R² is {fmt_num(terms['pseudo_r_squared'].iloc[0])}.",
        key="drivers-conversion",
    )


def _spend_paragraph(terms: pd.DataFrame) -> Paragraph:
    return Paragraph(
        f"Among the {fmt_int(terms['n_obs'].iloc[0])} purchasing sessions, a "
        "regression of log spend asks who spends more: spend changes by "
        f"{_spend_effect(terms, 'event_count', 'events')} and by "
        f"{_spend_effect(terms, 'session_seconds', 'seconds on site')}. The model explains "
        f"{fmt_pct(terms['r_squared'].iloc[0])} of the variation in log spend, "
        "so most of what a buyer spends is not explained by how they browse.",
        key="drivers-spend",
    )


def _conversion_findings(terms: pd.DataFrame) -> Findings:
    events = _driver_term(terms, "event_count")
    if events is None:
        return Findings()
    return Findings(drivers=ConversionDrivers(events, _driver_term(terms, "session_seconds")))


def _spend_findings(terms: pd.DataFrame) -> Findings:
    events = _driver_term(terms, "event_count")
    if events is None:
        return Findings()
    r_squared = float(terms.loc["event_count", "r_squared"])
    return Findings(spend=SpendDrivers(events, r_squared))


def _read_spend(data: ReportData) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """analytics.spend_drivers, or an empty frame and the notice saying why."""
    try:
        spend = data.analytics(SPEND_DRIVERS)
    except MissingData as missing:
        return pd.DataFrame(), (missing.notice,)
    return numeric(spend, *DRIVER_NUMBERS, "r_squared"), ()


def _coefficients_chart(panels: list[tuple[str, str, pd.DataFrame]]) -> Chart:
    return embed(
        "drivers-coefficients",
        charts.coefficient_forest(panels),
        "Regression coefficients as multiplicative effects with 95% confidence intervals "
        "(analytics.conversion_drivers, analytics.spend_drivers); 1 = no effect, blue = "
        "p < 0.05, grey = not distinguishable from no effect.",
    )


def drivers_block(data: ReportData) -> Evidence:
    conversion = numeric(
        data.analytics(CONVERSION_DRIVERS), *DRIVER_NUMBERS, "n_clusters", "pseudo_r_squared"
    )
    if conversion.empty:
        return Evidence(
            notice_block(
                "analytics.conversion_drivers is empty: the model needs sessions with events "
                "that purchase and sessions that do not (`analyze` prints why it was not fitted)."
            )
        )
    terms = conversion.set_index("term")
    paragraphs = [_conversion_paragraph(terms)]
    findings = [_conversion_findings(terms)]
    notes = _term_notes(conversion)
    panels = [("Who purchases", "odds ratio (per SD, or vs reference)", _term_frame(conversion))]
    spend, notices = _read_spend(data)
    if not spend.empty:
        spend_terms = spend.set_index("term")
        paragraphs.append(_spend_paragraph(spend_terms))
        findings.append(_spend_findings(spend_terms))
        notes += _term_notes(spend)
        panels.append(("Who spends more", "spend ratio (per SD)", _term_frame(spend)))
    block = Block(
        paragraphs=tuple(paragraphs),
        charts=(_coefficients_chart(panels),),
        bullets=tuple(dict.fromkeys(notes)),
        notices=notices,
    )
    return Evidence(block, Findings.combine(findings))


SECTION = SectionSpec(
    "features",
    "Feature engineering",
    "The session-level features every analysis uses, and which of them drive purchase and spend.",
    (
        BlockSpec("The session features", session_features_block),
        BlockSpec("What drives purchase and spend", drivers_block),
    ),
)
