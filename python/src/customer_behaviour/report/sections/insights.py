"""9. Insights: what the results say, each with how sure it is.

The segment chart and the worst-converting segment are read from marts.fct_sessions, broken
down by the dbt variable ``customer_behaviour__funnel_segments`` (the breakdowns of the funnel
marts). Every insight is a small pure function of the sections' findings; an insight whose
finding is missing is left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pandas as pd

from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Insight
from customer_behaviour.report.data import ReportData
from customer_behaviour.report.figures import embed
from customer_behaviour.report.findings import Findings, WorstSegment
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import (
    MIN_SEGMENT_SESSIONS,
    Certainty,
    certainty_from_p,
    fmt_int,
    fmt_month,
    fmt_num,
    fmt_pct,
    fmt_ratio,
    format_p,
    interval_certainty,
    is_missing,
    join_words,
    rate_table,
    two_proportion_test,
    wilson_interval,
)

NO_INSIGHT = (
    "No insight could be generated: the tables they come from are missing (see the notices above)."
)


# --------------------------------------------------------------------------------------------
# Conversion by segment (the evidence of this section)


def segment_rates(sessions: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Sessions (n) and purchasing sessions (k) per value of each segment column, with the
    rate and its 95% Wilson interval; NULL values count as 'unknown'."""
    rows = []
    for column in columns:
        grouped = sessions.groupby(sessions[column].fillna("unknown"))["did_purchase"].agg(
            ["sum", "count"]
        )
        for value, row in grouped.iterrows():
            rows.append((column, str(value), f"{column}: {value}", row["sum"], row["count"]))
    frame = pd.DataFrame(rows, columns=["segment_type", "segment_value", "label", "k", "n"])
    return rate_table(frame, "k", "n")


def worst_segment(rates: pd.DataFrame, sessions: pd.DataFrame) -> WorstSegment | None:
    """The lowest-converting segment of at least the minimum size, tested against all other
    sessions (Bonferroni-adjusted for picking it among the candidates)."""
    candidates = rates[rates["n"] >= MIN_SEGMENT_SESSIONS]
    if candidates.empty:
        return None
    worst = candidates.sort_values(["rate", "n"], ascending=[True, False]).iloc[0]
    total_k, total_n = float(sessions["did_purchase"].sum()), float(len(sessions))
    test = two_proportion_test(worst["k"], worst["n"], total_k - worst["k"], total_n - worst["n"])
    return WorstSegment(
        segment_type=str(worst["segment_type"]),
        segment_value=str(worst["segment_value"]),
        rate=float(worst["rate"]),
        low=float(worst["low"]),
        high=float(worst["high"]),
        n=float(worst["n"]),
        rest=test.rate_b,
        certainty=certainty_from_p(test.p_value, comparisons=len(candidates)),
    )


def segments_block(data: ReportData) -> Evidence:
    sessions = data.sessions()
    if sessions.empty:
        return Evidence(Block())
    rates = segment_rates(sessions, data.segment_columns).sort_values(["segment_type", "rate"])
    chart = embed(
        "insights-segments",
        charts.segment_forest(rates, float(sessions["did_purchase"].mean())),
        "Share of sessions with a completed order per segment, with 95% Wilson "
        "intervals: where intervals do not overlap the dashed line, the segment "
        "differs from the average beyond sampling noise (marts.fct_sessions).",
    )
    found = Findings(worst_segment=worst_segment(rates, sessions))
    return Evidence(Block(charts=(chart,)), found)


# --------------------------------------------------------------------------------------------
# The insights, one function each


def funnel_leak(findings: Findings) -> Insight | None:
    leak = findings.funnel_leak
    if leak is None:
        return None
    return Insight(
        "insight-funnel-leak",
        f"The funnel leaks most at {leak.transition}.",
        f"{fmt_int(leak.lost)} sessions ({fmt_pct(leak.drop_off)} of those that "
        f"reached {leak.from_step}) go no further.",
        interval_certainty(leak.low, leak.high, leak.previous),
    )


def segment_leak(findings: Findings) -> Insight | None:
    leak = findings.segment_leak
    if leak is None or not leak.gap > 0:
        return None
    return Insight(
        "insight-segment-leak",
        f"{leak.segment_type.capitalize()} {leak.segment_value} loses "
        f"sessions at {leak.transition} far more than the rest.",
        f"{fmt_pct(leak.drop_off)} drop off there against "
        f"{fmt_pct(leak.rest_drop_off)} for all other sessions, about "
        f"{fmt_int(leak.excess)} sessions more than the overall rate would lose.",
        leak.certainty,
    )


def worst_converting(findings: Findings) -> Insight | None:
    worst = findings.worst_segment
    if worst is None:
        return None
    return Insight(
        "insight-worst-segment",
        f"{worst.segment_type.replace('_', ' ').capitalize()} "
        f"{worst.segment_value} converts worst.",
        f"{fmt_pct(worst.rate)} of its {fmt_int(worst.n)} sessions purchase "
        f"(95% interval {fmt_pct(worst.low)} to {fmt_pct(worst.high)}) against "
        f"{fmt_pct(worst.rest)} for all other sessions.",
        worst.certainty,
    )


def drivers(findings: Findings) -> Insight | None:
    found = findings.drivers
    if found is None:
        return None
    events, seconds = found.events, found.seconds
    scope = (
        "Counting only what happens before a session's first event of funnel step 2 (its "
        "first add-to-cart by default), per standard deviation more events"
        if found.specification == "pre_intent"
        else "Per standard deviation more events"
    )
    evidence = (
        f"{scope} the odds of purchase are multiplied by "
        f"{fmt_num(math.exp(events.coef))} (95% CI {fmt_num(math.exp(events.ci_low))} "
        f"to {fmt_num(math.exp(events.ci_high))})"
    )
    if seconds is not None:
        evidence += (
            f"; per standard deviation more time on site by "
            f"{fmt_num(math.exp(seconds.coef))} (95% CI "
            f"{fmt_num(math.exp(seconds.ci_low))} to "
            f"{fmt_num(math.exp(seconds.ci_high))}, p {format_p(seconds.p_value)})"
        )
    headline = (
        "Sessions convert because they interact, not because they last longer."
        if found.engaged and found.time_flat
        else "More interaction goes with more purchases."
        if found.engaged
        else "The number of events does not clearly predict purchase."
    )
    return Insight("insight-drivers", headline, evidence + ".", found.certainty)


def spend(findings: Findings) -> Insight | None:
    found = findings.spend
    if found is None:
        return None
    events = found.events
    return Insight(
        "insight-spend",
        "Among buyers, more interaction goes with higher spend."
        if events.coef > 0 and events.p_value < 0.05
        else "Among buyers, interaction does not clearly explain spend.",
        f"Spend changes by {fmt_pct(math.exp(events.coef) - 1)} per standard "
        f"deviation more events (95% CI {fmt_pct(math.exp(events.ci_low) - 1)} to "
        f"{fmt_pct(math.exp(events.ci_high) - 1)}), but the model explains only "
        f"{fmt_pct(found.r_squared)} of the variation in spend.",
        found.certainty,
    )


def levels(findings: Findings) -> Insight | None:
    found = findings.levels
    if found is None or is_missing(found.ratio):
        return None
    return Insight(
        "insight-levels",
        "Counting sessions understates how many customers buy.",
        f"Session conversion is {fmt_pct(found.session_rate)}, customer conversion "
        f"{fmt_pct(found.customer_rate)}: {fmt_ratio(found.ratio)} as high, "
        f"because customers return ({fmt_num(found.sessions_per_customer, 1)} "
        "sessions each on average).",
        found.certainty,
    )


def styles(findings: Findings) -> Insight | None:
    found = findings.styles
    if found is None or found.price is None or found.certainty is None:
        return None
    alike = join_words(found.alike)
    return Insight(
        "insight-styles",
        "Cheap-many and expensive-few buyers differ in what they pick"
        + (f", not in {alike}." if found.alike else "."),
        f"Their average item price differs by Cohen's d = {fmt_num(found.price.cohens_d)}"
        + (f"; in {alike} the difference is negligible (|d| < 0.2)." if found.alike else "."),
        found.certainty,
    )


def baskets(findings: Findings) -> Insight | None:
    found = findings.baskets
    if found is None:
        return None
    return Insight(
        "insight-baskets",
        "Association rules speak for a minority of orders."
        if found.multi_share < 0.5
        else "Many baskets hold several products: rules are informative.",
        f"Only {fmt_pct(found.multi_share)} of {fmt_int(found.n_baskets)} "
        f"baskets hold two or more products; the rules found cover "
        f"{fmt_pct(found.covered)} of baskets.",
        found.certainty,
    )


def trend(findings: Findings) -> Insight | None:
    found = findings.trend
    if found is None:
        return None
    change = "rose" if found.last > found.first else "fell"
    return Insight(
        "insight-trend",
        f"Conversion {change} from {fmt_pct(found.first)} to {fmt_pct(found.last)} "
        "over the period.",
        f"Comparing the first and the last {fmt_int(found.window)} days of fct_funnel_daily.",
        found.certainty,
    )


def removal(findings: Findings) -> Insight | None:
    found = findings.removal
    if found is None:
        return None
    return Insight(
        "insight-removal",
        f"The {found.step} step is the optional step conversions depend on most.",
        f"Without it, the Markov model of the paths loses {fmt_pct(found.effect)} of conversions.",
        Certainty(
            "moderate",
            "A model estimate without an interval: it assumes the next step depends "
            "only on the current one.",
        ),
    )


def retention(findings: Findings) -> Insight | None:
    found = findings.retention
    if found is None:
        return None
    return Insight(
        "insight-retention",
        f"{fmt_pct(found.rate)} of new customers come back the next month.",
        f"Measured on the {fmt_month(found.cohort)} cohort "
        f"({fmt_int(found.n)} customers); later cohorts may differ.",
        interval_certainty(*wilson_interval(found.rate * found.n, found.n), found.n, "customers"),
    )


INSIGHTS: tuple[Callable[[Findings], Insight | None], ...] = (
    funnel_leak,
    segment_leak,
    worst_converting,
    drivers,
    spend,
    levels,
    styles,
    baskets,
    trend,
    removal,
    retention,
)
"""Every insight the report can draw, in the order the cards appear."""


def insights(findings: Findings) -> tuple[Insight, ...]:
    """The insights the findings support."""
    drawn = (insight(findings) for insight in INSIGHTS)
    return tuple(insight for insight in drawn if insight is not None)


def insight_cards(findings: Findings) -> Block:
    cards = insights(findings)
    return Block(insights=cards, notices=() if cards else (NO_INSIGHT,))


SECTION = SectionSpec(
    "insights",
    "Insights",
    "What the results say, generated from the tables above, each with how sure it is.",
    (BlockSpec(None, segments_block, insight_cards),),
)
