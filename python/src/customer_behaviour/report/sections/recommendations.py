"""10. Recommendations: what to do about the findings, and how to test it.

The experiment sizing is read from analytics.experiment_sizing; every recommendation is a
small pure function of the sections' findings, carrying the certainty of the finding it rests
on (the same statement as the insight drawn from that finding).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from customer_behaviour.analytics_tables import EXPERIMENT_SIZING
from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Chart, Recommendation, Table, notice_block
from customer_behaviour.report.data import ReportData, numeric
from customer_behaviour.report.figures import embed
from customer_behaviour.report.findings import Experiment, Findings
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import (
    Certainty,
    exact_certainty,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_ratio,
    is_missing,
    join_words,
)

MAX_EXPERIMENT_DAYS = 90
"""The proposed experiment is the smallest lift it can detect within this many days."""
NO_RECOMMENDATION = (
    "No recommendation could be generated: the results they rest on are missing or inconclusive."
)


# --------------------------------------------------------------------------------------------
# The experiment (the evidence of this section)


def _sizing_table(sizing: pd.DataFrame) -> Table:
    return Table(
        headers=(
            "relative lift",
            "conversion from → to",
            "sessions per arm",
            "sessions in total",
            "days at today's traffic",
        ),
        rows=tuple(
            (
                f"+{fmt_pct(row.relative_lift, 0)}",
                f"{fmt_pct(row.baseline_conversion, 2)} → {fmt_pct(row.target_conversion, 2)}",
                fmt_int(row.sessions_per_arm),
                fmt_int(row.total_sessions),
                fmt_int(row.days_at_observed_traffic),
            )
            for row in sizing.itertuples(index=False)
        ),
        caption="Experiment sizing: two arms, alpha 0.05 (two-sided), power 0.8 "
        "(analytics.experiment_sizing).",
        key="experiment-sizing",
    )


def _days_chart(sizing: pd.DataFrame) -> Chart:
    return embed(
        "experiment-days",
        charts.experiment_days(
            sizing.assign(days=sizing["days_at_observed_traffic"])[
                ["relative_lift", "days", "sessions_per_arm"]
            ]
        ),
        "Days the proposed experiment needs at the observed traffic, per lift to detect "
        "(analytics.experiment_sizing).",
    )


def _proposed(sizing: pd.DataFrame) -> Experiment:
    feasible = sizing[sizing["days_at_observed_traffic"] <= MAX_EXPERIMENT_DAYS]
    chosen = feasible.iloc[0] if not feasible.empty else sizing.iloc[-1]
    return Experiment(
        lift=float(chosen["relative_lift"]),
        baseline=float(chosen["baseline_conversion"]),
        target=float(chosen["target_conversion"]),
        per_arm=float(chosen["sessions_per_arm"]),
        days=float(chosen["days_at_observed_traffic"]),
        per_day=float(chosen["observed_sessions_per_day"]),
        feasible=not feasible.empty,
    )


def experiment_block(data: ReportData) -> Evidence:
    sizing = numeric(
        data.analytics(EXPERIMENT_SIZING),
        "relative_lift",
        "baseline_conversion",
        "target_conversion",
        "sessions_per_arm",
        "total_sessions",
        "observed_sessions_per_day",
        "days_at_observed_traffic",
    ).sort_values("relative_lift")
    if sizing.empty:
        return Evidence(
            notice_block(
                "analytics.experiment_sizing is empty: sizing needs sessions whose conversion "
                "rate lies strictly between 0 and 1."
            )
        )
    block = Block(tables=(_sizing_table(sizing),), charts=(_days_chart(sizing),))
    return Evidence(block, Findings(experiment=_proposed(sizing)))


# --------------------------------------------------------------------------------------------
# The recommendations, one function each


def segment_leak(findings: Findings) -> Recommendation | None:
    leak = findings.segment_leak
    if leak is None or not leak.gap > 0 or leak.certainty.level == "low":
        return None
    days = findings.period.days if findings.period else None
    return Recommendation(
        "recommend-segment-leak",
        f"Fix {leak.transition} for {leak.segment_type} {leak.segment_value} first.",
        f"At the overall drop-off rate, about {fmt_int(leak.excess)} more of its "
        f"sessions would have passed that step over the {fmt_int(days)} "
        "days. Start with a usability review of that step on that segment.",
        leak.certainty,
    )


def _experiment_text(experiment: Experiment) -> str:
    text = (
        f" Test it before rolling it out: detecting a +{fmt_pct(experiment.lift, 0)} "
        f"relative lift ({fmt_pct(experiment.baseline, 2)} → "
        f"{fmt_pct(experiment.target, 2)}) needs {fmt_int(experiment.per_arm)} "
        f"sessions per arm, about {fmt_int(experiment.days)} days at the observed "
        f"{fmt_int(experiment.per_day)} sessions a day with all traffic in the test."
    )
    if not experiment.feasible:
        text += " Even that is long: consider a bigger change or more traffic."
    return text


def interaction(findings: Findings) -> Recommendation | None:
    """Design for interaction when it drives purchase; else, when there is an experiment to
    propose, test changes with it."""
    drivers, experiment = findings.drivers, findings.experiment
    if drivers is not None and drivers.engaged:
        reason = (
            "Interaction predicts purchase"
            + (" and time on site does not" if drivers.time_flat else "")
            + ": prompts that turn idle time into actions (compare, expand details, save) "
            "should raise conversion without longer sessions."
        )
        if experiment is not None:
            reason += _experiment_text(experiment)
        return Recommendation(
            "recommend-interaction",
            "Design for interaction density"
            + (", not time on site." if drivers.time_flat else "."),
            reason,
            drivers.certainty,
        )
    if experiment is None:
        return None
    return Recommendation(
        "recommend-experiment",
        "Test changes with a sized experiment rather than before/after comparisons.",
        f"A +{fmt_pct(experiment.lift, 0)} relative lift needs "
        f"{fmt_int(experiment.per_arm)} sessions per arm "
        f"({fmt_int(experiment.days)} days at today's traffic).",
        Certainty("moderate", "A power calculation: it assumes today's conversion rate."),
    )


def price_framing(findings: Findings) -> Recommendation | None:
    styles = findings.styles
    if styles is None or styles.certainty is None or "avg_item_price_usd" not in styles.differ:
        return None
    return Recommendation(
        "recommend-price-framing",
        "Sell expensive items through price framing and value, not more browsing.",
        "The two purchase styles differ in the price of what they pick"
        + (f" but not in {join_words(styles.alike)}" if styles.alike else "")
        + ": the lever is how value is presented, not how long people browse.",
        styles.certainty,
    )


def cross_sell(findings: Findings) -> Recommendation | None:
    baskets = findings.baskets
    if baskets is None or not baskets.multi_share < 0.5:
        return None
    return Recommendation(
        "recommend-cross-sell",
        "Do not build cross-selling on association rules alone.",
        f"{fmt_pct(1 - baskets.multi_share)} of baskets hold one product; use the "
        "rules with high lift for a few bundles and test them, and recommend by "
        "category or popularity elsewhere.",
        baskets.certainty,
    )


def customer_level(findings: Findings) -> Recommendation | None:
    levels = findings.levels
    if levels is None or is_missing(levels.ratio) or not levels.ratio > 1.5:
        return None
    return Recommendation(
        "recommend-customer-level",
        "Report conversion per customer next to conversion per session.",
        f"Customers buy across sessions ({fmt_ratio(levels.ratio)} higher conversion "
        "per customer): judge campaigns and channels on customers, and keep session "
        "conversion for page and funnel changes.",
        levels.certainty,
    )


def win_back(findings: Findings) -> Recommendation | None:
    rfm = findings.rfm
    if rfm is None or rfm.at_risk is None:
        return None
    risk = rfm.at_risk
    return Recommendation(
        "recommend-win-back",
        f"Win back the {fmt_int(risk.customers)} at_risk buyers.",
        f"They ordered {fmt_num(risk.frequency, 1)} times on average but not for a "
        f"median of {fmt_int(risk.recency)} days, and hold "
        f"{fmt_pct(risk.revenue_share)} of the revenue.",
        exact_certainty(f"{fmt_int(rfm.n_buyers)} buyers scored"),
    )


RECOMMENDATIONS: tuple[Callable[[Findings], Recommendation | None], ...] = (
    segment_leak,
    interaction,
    price_framing,
    cross_sell,
    customer_level,
    win_back,
)
"""Every recommendation the report can make, in the order the cards are numbered."""


def recommendations(findings: Findings) -> tuple[Recommendation, ...]:
    """The recommendations the findings support."""
    made = (recommend(findings) for recommend in RECOMMENDATIONS)
    return tuple(recommendation for recommendation in made if recommendation is not None)


def recommendation_cards(findings: Findings) -> Block:
    cards = recommendations(findings)
    return Block(recommendations=cards, notices=() if cards else (NO_RECOMMENDATION,))


SECTION = SectionSpec(
    "recommendations",
    "Recommendations",
    "What to do about it, following from the insights, and how to test it.",
    (BlockSpec(None, experiment_block, recommendation_cards),),
)
