"""1. Data overview: the period, the sessions and who they come from (marts.fct_sessions)."""

from __future__ import annotations

import pandas as pd

from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Chart, Paragraph, notice_block
from customer_behaviour.report.data import ReportData
from customer_behaviour.report.figures import embed
from customer_behaviour.report.findings import Findings, Period
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import fmt_date, fmt_int, fmt_pct, fmt_usd, join_words

MIX_COLUMNS = (
    ("device", "devices"),
    ("traffic_source", "traffic sources"),
    ("country", "countries"),
)
"""The session attributes whose leading value the overview names, with their plural."""


def _totals(sessions: pd.DataFrame, days: int) -> Paragraph:
    n_sessions = len(sessions)
    n_purchase = int(sessions["did_purchase"].sum())
    first = sessions["session_start_at"].min()
    last = sessions["session_start_at"].max()
    return Paragraph(
        f"The data covers {fmt_int(days)} days of sessions, from {fmt_date(first)} to "
        f"{fmt_date(last)} (UTC): {fmt_int(n_sessions)} sessions with "
        f"{fmt_int(sessions['event_count'].sum())} events, of which "
        f"{fmt_int(n_purchase)} ({fmt_pct(n_purchase / n_sessions)}) placed a completed "
        f"order, for {fmt_usd(sessions['amount_usd'].sum())} of revenue.",
        key="overview-totals",
    )


def _visitors(sessions: pd.DataFrame) -> Paragraph:
    identified = sessions["customer_id"].notna()
    return Paragraph(
        f"{fmt_int(identified.sum())} sessions ({fmt_pct(identified.mean())}) belong to "
        f"{fmt_int(sessions.loc[identified, 'customer_id'].nunique())} identified customers; "
        f"the other {fmt_int((~identified).sum())} are anonymous visitors.",
        key="overview-visitors",
    )


def _mix(sessions: pd.DataFrame) -> Paragraph:
    shares = []
    for column, label in MIX_COLUMNS:
        counts = sessions[column].fillna("unknown").value_counts()
        shares.append(
            f"{counts.index[0]} leads the {fmt_int(len(counts))} {label} with "
            f"{fmt_pct(counts.iloc[0] / len(sessions))}"
        )
    return Paragraph(f"Of all sessions, {join_words(shares)}.", key="overview-mix")


def _daily_chart(sessions: pd.DataFrame) -> Chart:
    daily = (
        sessions.assign(
            session_date=sessions["session_start_at"].dt.normalize(),
            device=sessions["device"].fillna("unknown"),
        )
        .groupby(["session_date", "device"])
        .size()
        .rename("sessions")
        .reset_index()
    )
    return embed(
        "overview-daily",
        charts.daily_sessions(daily),
        "Sessions per day, stacked by device (marts.fct_sessions).",
    )


def overview_block(data: ReportData) -> Evidence:
    sessions = data.sessions()
    if sessions.empty:
        return Evidence(
            notice_block(
                "fct_sessions holds no session (no accepted row in sessions.csv), so there is "
                "no period, device or country to describe."
            )
        )
    starts = sessions["session_start_at"]
    days = (starts.max().normalize() - starts.min().normalize()).days + 1
    block = Block(
        paragraphs=(_totals(sessions, days), _visitors(sessions), _mix(sessions)),
        charts=(_daily_chart(sessions),),
    )
    return Evidence(block, Findings(period=Period(days=days)))


SECTION = SectionSpec(
    "overview",
    "Data overview",
    "What the data holds: the period, the sessions and who they come from.",
    (BlockSpec(None, overview_block),),
)
