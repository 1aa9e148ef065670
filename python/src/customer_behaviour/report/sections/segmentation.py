"""7. Customer segmentation: conversion over visits, value segments, retention, repeat purchase
and purchase styles (marts.fct_conversion_levels, fct_customer_rfm, fct_cohort_retention,
fct_repeat_purchase, fct_purchase_styles, analytics.purchase_style_comparison)."""

from __future__ import annotations

import pandas as pd

from customer_behaviour.analytics_tables import PURCHASE_STYLE_COMPARISON
from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Chart, Paragraph, Table, notice_block
from customer_behaviour.report.data import MissingData, ReportData, numeric
from customer_behaviour.report.figures import embed
from customer_behaviour.report.findings import (
    AtRiskBuyers,
    Findings,
    Levels,
    Repeat,
    Retention,
    Rfm,
    StylePrice,
    Styles,
)
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import (
    fmt_date,
    fmt_int,
    fmt_month,
    fmt_num,
    fmt_pct,
    fmt_ratio,
    fmt_usd,
    is_missing,
    join_words,
    rate_table,
)

# --------------------------------------------------------------------------------------------
# Session-level versus customer-level conversion


def _levels_paragraph(row: pd.Series) -> Paragraph:
    ratio = row["customer_to_session_conversion_ratio"]
    # No session converts: the ratio of the two rates is undefined, so it is not quoted.
    comparison = (
        f"and {fmt_pct(row['customer_conversion_rate'])} of the "
        f"{fmt_int(row['n_customers'])} identified customers order in at least one of "
        f"their sessions; a customer has {fmt_num(row['avg_sessions_per_customer'], 1)} "
        "sessions on average."
        if is_missing(ratio)
        else f"but {fmt_pct(row['customer_conversion_rate'])} of the "
        f"{fmt_int(row['n_customers'])} identified customers order in at least one of "
        f"their sessions: {fmt_ratio(ratio)} as high, because a customer has "
        f"{fmt_num(row['avg_sessions_per_customer'], 1)} sessions on average."
    )
    return Paragraph(
        f"{fmt_pct(row['session_conversion_rate'])} of sessions end in a completed order, "
        f"{comparison} {fmt_pct(row['anonymous_session_share'])} of sessions are anonymous "
        "and count at session level only.",
        key="conversion-levels",
    )


def _levels_chart(overall: pd.DataFrame, levels: pd.DataFrame) -> Chart:
    devices = levels[
        (levels["segment_type"] == "preferred_device") & (levels["n_customers"] > 0)
    ].sort_values("n_sessions", ascending=False)
    rows = []
    for label, part in [
        ("all", overall),
        *[
            (value, devices[devices["segment_value"] == value])
            for value in devices["segment_value"]
        ],
    ]:
        item = part.iloc[0]
        rows.append((label, "per session", item["n_purchase_sessions"], item["n_sessions"]))
        rows.append((label, "per customer", item["n_converted_customers"], item["n_customers"]))
    counts = pd.DataFrame(rows, columns=["segment", "level", "k", "n"])
    return embed(
        "conversion-levels",
        charts.grouped_rates(
            rate_table(counts, "k", "n"),
            "segment",
            "level",
            "Conversion per session and per customer, by preferred device",
            "converted",
        ),
        "The same sessions counted per session and per customer, overall and by the "
        "customer's preferred device, with 95% Wilson intervals "
        "(marts.fct_conversion_levels).",
    )


def levels_block(data: ReportData) -> Evidence:
    levels = numeric(
        data.model("fct_conversion_levels"),
        "n_sessions",
        "n_purchase_sessions",
        "session_conversion_rate",
        "n_anonymous_sessions",
        "anonymous_session_share",
        "n_customers",
        "n_converted_customers",
        "customer_conversion_rate",
        "customer_to_session_conversion_ratio",
        "avg_sessions_per_customer",
    )
    overall = levels[levels["segment_type"] == "overall"]
    if overall.empty or overall["n_sessions"].iloc[0] == 0:
        return Evidence(notice_block("fct_conversion_levels has no sessions."))
    row = overall.iloc[0]
    if row["n_customers"] == 0:
        return Evidence(
            notice_block(
                f"fct_conversion_levels has no identified customer: all "
                f"{fmt_int(row['n_sessions'])} sessions are anonymous, so conversion is known "
                f"per session only ({fmt_pct(row['session_conversion_rate'])})."
            )
        )
    found = Levels(
        session_rate=float(row["session_conversion_rate"]),
        customer_rate=float(row["customer_conversion_rate"]),
        ratio=float(row["customer_to_session_conversion_ratio"]),
        sessions_per_customer=float(row["avg_sessions_per_customer"]),
        n_sessions=float(row["n_sessions"]),
        n_customers=float(row["n_customers"]),
    )
    block = Block(paragraphs=(_levels_paragraph(row),), charts=(_levels_chart(overall, levels),))
    return Evidence(block, Findings(levels=found))


# --------------------------------------------------------------------------------------------
# RFM segments


def _rfm_segments(rfm: pd.DataFrame) -> pd.DataFrame:
    """Buyers, revenue and typical recency, frequency and value per segment, by revenue."""
    total_revenue = rfm["monetary_usd"].sum()
    segments = (
        rfm.groupby("rfm_segment")
        .agg(
            customers=("customer_id", "count"),
            revenue=("monetary_usd", "sum"),
            recency=("recency_days", "median"),
            frequency=("frequency", "mean"),
            monetary=("monetary_usd", "mean"),
        )
        .reset_index()
    )
    segments["revenue_share"] = segments["revenue"] / total_revenue if total_revenue else 0.0
    return segments.sort_values("revenue_share", ascending=False).reset_index(drop=True)


def _rfm_text(rfm: pd.DataFrame, segments: pd.DataFrame, at_risk: AtRiskBuyers | None) -> str:
    top = segments.iloc[0]
    largest = segments.sort_values("customers", ascending=False).iloc[0]
    text = (
        f"As of {fmt_date(rfm['as_of_date'].iloc[0])}, {fmt_int(len(rfm))} buyers are scored "
        f"on recency, frequency and monetary value. The {fmt_int(top['customers'])} "
        f"{top['rfm_segment']} ({fmt_pct(top['customers'] / len(rfm))} of buyers) bring "
        f"{fmt_pct(top['revenue_share'])} of the revenue; the largest group is "
        f"{largest['rfm_segment']} ({fmt_int(largest['customers'])} buyers)."
    )
    if at_risk is not None:
        text += (
            f" {fmt_int(at_risk.customers)} at_risk buyers, who ordered "
            f"{fmt_num(at_risk.frequency, 1)} times on average, have not ordered for a median "
            f"of {fmt_int(at_risk.recency)} days; they hold {fmt_pct(at_risk.revenue_share)} "
            "of the revenue."
        )
    return text


def _rfm_table(segments: pd.DataFrame) -> Table:
    return Table(
        headers=(
            "segment",
            "buyers",
            "median days since last order",
            "mean orders",
            "mean revenue",
        ),
        rows=tuple(
            (
                str(row.rfm_segment),
                fmt_int(row.customers),
                fmt_int(row.recency),
                fmt_num(row.frequency, 1),
                fmt_usd(row.monetary),
            )
            for row in segments.itertuples(index=False)
        ),
        caption="RFM segments.",
    )


def rfm_block(data: ReportData) -> Evidence:
    rfm = numeric(data.model("fct_customer_rfm"), "recency_days", "frequency", "monetary_usd")
    if rfm.empty:
        return Evidence(notice_block("fct_customer_rfm is empty: no buyer yet."))
    segments = _rfm_segments(rfm)
    risk = segments[segments["rfm_segment"] == "at_risk"]
    at_risk = None
    if not risk.empty:
        row = risk.iloc[0]
        at_risk = AtRiskBuyers(
            customers=float(row["customers"]),
            frequency=float(row["frequency"]),
            recency=float(row["recency"]),
            revenue_share=float(row["revenue_share"]),
        )
    chart = embed(
        "rfm-segments",
        charts.rfm_segments(segments),
        "Buyers and revenue per RFM segment (marts.fct_customer_rfm).",
    )
    block = Block(
        paragraphs=(Paragraph(_rfm_text(rfm, segments, at_risk), key="rfm"),),
        charts=(chart,),
        tables=(_rfm_table(segments),),
    )
    return Evidence(block, Findings(rfm=Rfm(n_buyers=len(rfm), at_risk=at_risk)))


# --------------------------------------------------------------------------------------------
# Cohort retention and repeat purchase


def _retention_pivot(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Cohort (with its size) x months since the first session: the retention rate."""
    pivot = cohorts.pivot_table(
        index="cohort", columns="months_since_first_session", values="retention_rate", sort=False
    )
    pivot.columns = [int(column) for column in pivot.columns]
    sizes = cohorts.drop_duplicates("cohort").set_index("cohort")["n_cohort_customers"]
    pivot.index = [f"{cohort} ({fmt_int(sizes[cohort])})" for cohort in pivot.index]
    return pivot


def _retention_text(following: pd.DataFrame) -> str:
    if following.empty:
        return "The data spans a single month, so no cohort can be followed to a second month yet."
    first = following.iloc[0]
    text = (
        f"Of the {fmt_int(first['n_cohort_customers'])} customers whose first session was "
        f"in {fmt_month(first['cohort_month'])}, {fmt_int(first['n_active_customers'])} "
        f"({fmt_pct(first['retention_rate'])}) had a session in the following month."
    )
    if len(following) > 1:
        later = following.iloc[-1]
        text += (
            f" For the {fmt_month(later['cohort_month'])} cohort it was "
            f"{fmt_pct(later['retention_rate'])}."
        )
    return text


def retention_block(data: ReportData) -> Evidence:
    cohorts = numeric(
        data.model("fct_cohort_retention"),
        "months_since_first_session",
        "n_cohort_customers",
        "n_active_customers",
        "retention_rate",
    )
    if cohorts.empty:
        return Evidence(
            notice_block("fct_cohort_retention is empty: no session carries a customer_id.")
        )
    cohorts["cohort"] = [fmt_month(value) for value in cohorts["cohort_month"]]
    cohorts = cohorts.sort_values(["cohort_month", "months_since_first_session"])
    following = cohorts[cohorts["months_since_first_session"] == 1]
    chart = embed(
        "cohort-retention",
        charts.heat_map(
            _retention_pivot(cohorts),
            "Share of each cohort active N months after its first session",
            "months since the first session",
            "cohort (customers)",
        ),
        "Cohort retention: customers grouped by the month of their first session; cells "
        "show the share with a session in that month (marts.fct_cohort_retention). Months "
        "after the end of the data are blank.",
    )
    findings = Findings()
    if not following.empty:
        first = following.iloc[0]
        retention = Retention(
            first["cohort_month"],
            float(first["retention_rate"]),
            float(first["n_cohort_customers"]),
        )
        findings = Findings(retention=retention)
    paragraph = Paragraph(_retention_text(following), key="retention")
    return Evidence(Block(paragraphs=(paragraph,), charts=(chart,)), findings)


def _repeat_text(repeat: pd.DataFrame) -> str:
    buyers, repeaters = repeat["n_buyers"].sum(), repeat["n_repeat_buyers"].sum()
    first = repeat.iloc[0]
    text = (
        f"{fmt_int(repeaters)} of {fmt_int(buyers)} buyers ({fmt_pct(repeaters / buyers)}) "
        f"placed a second order. Of the buyers whose first order was in "
        f"{fmt_month(first['first_order_month'])}, {fmt_pct(first['repeat_rate'])} came back"
    )
    if not is_missing(first["median_days_first_to_second_order"]):
        text += f", after a median of {fmt_int(first['median_days_first_to_second_order'])} days"
    text += "."
    if len(repeat) > 1:
        last = repeat.iloc[-1]
        text += (
            f" Later cohorts had less time to come back: the "
            f"{fmt_month(last['first_order_month'])} cohort stands at "
            f"{fmt_pct(last['repeat_rate'])} so far."
        )
    return text


def repeat_block(data: ReportData) -> Evidence:
    repeat = numeric(
        data.model("fct_repeat_purchase"),
        "n_buyers",
        "n_repeat_buyers",
        "repeat_rate",
        "median_days_first_to_second_order",
    ).sort_values("first_order_month")
    if repeat.empty:
        return Evidence(notice_block("fct_repeat_purchase is empty: no buyer yet."))
    rates = rate_table(
        repeat.assign(
            month=[fmt_month(value) for value in repeat["first_order_month"]],
            series="repeat buyers",
        ),
        "n_repeat_buyers",
        "n_buyers",
    )
    chart = embed(
        "repeat-purchase",
        charts.grouped_rates(
            rates,
            "month",
            "series",
            "Buyers who ordered again, by month of first order",
            "repeat buyers",
        ),
        "Share of buyers with a second completed order, by month of the first, with 95% "
        "Wilson intervals (marts.fct_repeat_purchase). Recent months are right-censored.",
    )
    latest = repeat.iloc[-1]
    found = Repeat(latest["first_order_month"], float(latest["repeat_rate"]))
    block = Block(paragraphs=(Paragraph(_repeat_text(repeat), key="repeat"),), charts=(chart,))
    return Evidence(block, Findings(repeat=found))


# --------------------------------------------------------------------------------------------
# Purchase styles


def _styles_text(usable: pd.DataFrame, alike: list[str], differ: list[str]) -> str:
    first = usable.iloc[0]
    text = (
        f"{fmt_int(first['cheap_many_n'])} purchasing sessions bought many cheap items "
        f"(cheap_many) and {fmt_int(first['expensive_few_n'])} few expensive ones "
        "(expensive_few)."
    )
    if alike:
        text += f" They are alike (|Cohen's d| < 0.2) in {join_words(alike)}"
        text += f" and differ in {join_words(differ)}." if differ else "."
    elif differ:
        text += f" They differ in {join_words(differ)}."
    by_metric = usable.set_index("metric")
    if "avg_item_price_usd" in by_metric.index:
        price = by_metric.loc["avg_item_price_usd"]
        text += (
            f" The average item price is {fmt_usd(price['cheap_many_mean'], 2)} against "
            f"{fmt_usd(price['expensive_few_mean'], 2)}"
        )
        if "session_seconds" in by_metric.index:
            seconds = by_metric.loc["session_seconds"]
            text += (
                f", while mean time on site is {fmt_int(seconds['cheap_many_mean'])} against "
                f"{fmt_int(seconds['expensive_few_mean'])} seconds"
            )
        text += "."
    return text


def _styles_table(data: ReportData) -> Block:
    """Purchasing sessions by style (fct_purchase_styles), or a notice when it is missing."""
    try:
        summary = data.model("fct_purchase_styles")
    except MissingData as missing:
        return notice_block(missing.notice)
    summary = numeric(
        summary,
        "n_sessions",
        "median_session_seconds",
        "median_event_count",
        "median_items_purchased",
        "median_avg_item_price_usd",
        "style_order",
    ).sort_values("style_order")
    table = Table(
        headers=(
            "style",
            "sessions",
            "median seconds",
            "median events",
            "median items",
            "median item price",
        ),
        rows=tuple(
            (
                str(row.purchase_style),
                fmt_int(row.n_sessions),
                fmt_int(row.median_session_seconds),
                fmt_num(row.median_event_count, 0),
                fmt_num(row.median_items_purchased, 0),
                fmt_usd(row.median_avg_item_price_usd, 2),
            )
            for row in summary.itertuples(index=False)
        ),
        caption="Purchasing sessions by style (marts.fct_purchase_styles).",
    )
    return Block(tables=(table,))


def _styles_finding(usable: pd.DataFrame, alike: list[str], differ: list[str]) -> Styles:
    by_metric = usable.set_index("metric")
    price = None
    if "avg_item_price_usd" in by_metric.index:
        row = by_metric.loc["avg_item_price_usd"]
        price = StylePrice(float(row["cohens_d"]), float(row["welch_p_value"]))
    return Styles(alike=tuple(alike), differ=tuple(differ), price=price)


def styles_block(data: ReportData) -> Evidence:
    comparison = numeric(
        data.analytics(PURCHASE_STYLE_COMPARISON),
        "cheap_many_n",
        "cheap_many_mean",
        "cheap_many_median",
        "expensive_few_n",
        "expensive_few_mean",
        "expensive_few_median",
        "welch_p_value",
        "cohens_d",
    )
    usable = comparison.dropna(subset=["cohens_d"])
    if usable.empty:
        return Evidence(
            notice_block(
                "analytics.purchase_style_comparison has no usable comparison (too few "
                "sessions of one style)."
            )
        )
    alike = list(usable.loc[usable["finding"] == "alike", "metric"])
    differ = list(usable.loc[usable["finding"] == "differ", "metric"])
    chart = embed(
        "purchase-styles",
        charts.effect_sizes(usable),
        "Standardised difference (Cohen's d) between the styles per metric, with the "
        "finding of analytics.purchase_style_comparison.",
    )
    paragraph = Paragraph(_styles_text(usable, alike, differ), key="styles")
    block = Block(paragraphs=(paragraph,), charts=(chart,)).then(_styles_table(data))
    return Evidence(block, Findings(styles=_styles_finding(usable, alike, differ)))


SECTION = SectionSpec(
    "segmentation",
    "Customer segmentation",
    "Customers rather than sessions: conversion over visits, value segments, retention, "
    "repeat purchase and purchase styles.",
    (
        BlockSpec("Session-level versus customer-level conversion", levels_block),
        BlockSpec("RFM segments", rfm_block),
        BlockSpec("Cohort retention", retention_block),
        BlockSpec("Repeat purchase", repeat_block),
        BlockSpec("Purchase styles: cheap-many versus expensive-few", styles_block),
    ),
)
