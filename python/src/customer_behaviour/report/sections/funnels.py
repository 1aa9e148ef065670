"""4. Behaviour funnels: where sessions drop off, by segment and over time (marts.fct_funnel,
fct_funnel_customers, fct_funnel_time_to_convert and its histogram, fct_funnel_daily), every
configured funnel side by side (fct_named_funnels), which segment gaps hold up and what
changed since the previous period
(analytics.funnel_segment_comparison, analytics.funnel_period_change, which ``analyze``
computes; these blocks only choose and word them).

Sessions and customers whose window is still open at the end of the data are shown as in
progress (the marts' in_progress_ and closed_ columns), not as lost.

Drop-off rates are read from ``fct_funnel.drop_off_from_previous``, the one definition of the
rule (the macro ``funnel_step_rates``); the report only derives the session counts a rate
rests on (sessions at the previous step, sessions lost) for its intervals and tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_behaviour.analytics_tables import FUNNEL_PERIOD_CHANGE, FUNNEL_SEGMENT_COMPARISON
from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Paragraph, Table, notice_block
from customer_behaviour.report.data import MissingData, ReportData, numeric
from customer_behaviour.report.figures import embed
from customer_behaviour.report.findings import Findings, FunnelLeak, SegmentLeak, Trend
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import (
    MIN_SEGMENT_SESSIONS,
    arrow,
    certainty_from_p,
    fmt_int,
    fmt_pct,
    fmt_pp,
    format_p,
    is_missing,
    join_words,
    rate_table,
    two_proportion_test,
    wilson_interval,
)

SPREAD_BREAKDOWNS = (("device", "device"), ("country", "country"))
"""The breakdowns charted in "Drop-off by device and by country" (segment type, label)."""


def _funnel(data: ReportData) -> pd.DataFrame:
    frame = numeric(
        data.model("fct_funnel"),
        "step_number",
        "segment_sessions",
        "sessions",
        "conversion_from_previous",
        "conversion_from_start",
        "drop_off_from_previous",
        "in_progress_sessions",
        "segment_closed_sessions",
        "closed_sessions",
    )
    return frame.sort_values(["segment_type", "segment_value", "step_number"])


def _transitions(funnel: pd.DataFrame) -> pd.DataFrame:
    """One row per segment and step after the first: sessions before, lost, and the mart's
    drop-off rate."""
    frame = funnel.copy()
    group = frame.groupby(["segment_type", "segment_value"], sort=False)
    frame["previous_sessions"] = group["sessions"].shift(1)
    frame["previous_step"] = group["step_name"].shift(1)
    frame = frame[frame["previous_sessions"].notna() & (frame["previous_sessions"] > 0)].copy()
    frame["lost"] = frame["previous_sessions"] - frame["sessions"]
    frame["drop_off"] = frame["drop_off_from_previous"]
    frame["transition"] = [
        arrow(a, b) for a, b in zip(frame["previous_step"], frame["step_name"], strict=True)
    ]
    return frame


# --------------------------------------------------------------------------------------------
# The funnel


def _biggest_leak(overall: pd.DataFrame) -> FunnelLeak:
    transitions = _transitions(overall)
    leak = transitions.sort_values(["lost", "step_number"], ascending=[False, True]).iloc[0]
    low, high = wilson_interval(leak["lost"], leak["previous_sessions"])
    return FunnelLeak(
        transition=leak["transition"],
        from_step=leak["previous_step"],
        lost=float(leak["lost"]),
        previous=float(leak["previous_sessions"]),
        drop_off=float(leak["drop_off"]),
        low=low,
        high=high,
    )


def _funnel_paragraphs(steps: list, leak: FunnelLeak) -> tuple[Paragraph, Paragraph]:
    reached = [
        f"{fmt_int(step.sessions)} ({fmt_pct(step.conversion_from_start)}) reached {step.step_name}"
        for step in steps[1:]
    ]
    overall = Paragraph(
        f"Of {fmt_int(steps[0].segment_sessions)} sessions, {fmt_int(steps[0].sessions)} "
        f"reached {steps[0].step_name}; of those, {join_words(reached)}. A session counts "
        "at a step only if it reached every step before it, in order.",
        key="funnel-overall",
    )
    loss = Paragraph(
        f"The step that loses most sessions is {leak.transition}: "
        f"{fmt_int(leak.lost)} sessions, {fmt_pct(leak.drop_off)} of the "
        f"{fmt_int(leak.previous)} that reached {leak.from_step} "
        f"(95% interval {fmt_pct(leak.low)} to {fmt_pct(leak.high)}).",
        key="funnel-biggest-loss",
    )
    return overall, loss


def _timing(data: ReportData, first_step: str) -> Block:
    """Time to convert, overall (fct_funnel_time_to_convert), or a notice when it is missing."""
    try:
        timing = numeric(
            data.model("fct_funnel_time_to_convert"),
            "step_number",
            "converted_sessions",
            "median_seconds_to_convert",
            "p90_seconds_to_convert",
            "mean_seconds_to_convert",
        )
    except MissingData as missing:
        return notice_block(missing.notice)
    timing = timing[timing["segment_type"] == "overall"].sort_values("step_number")
    if timing.empty:
        return Block()
    last = timing.iloc[-1]
    paragraph = Paragraph(
        f"Sessions that get there take a median of "
        f"{fmt_int(last['median_seconds_to_convert'])} seconds from the first "
        f"{first_step} to {last['step_name']}; 90% of them within "
        f"{fmt_int(last['p90_seconds_to_convert'])} seconds.",
        key="funnel-timing",
    )
    table = Table(
        headers=("step", "sessions", "median seconds", "90th percentile", "mean"),
        rows=tuple(
            (
                str(row.step_name),
                fmt_int(row.converted_sessions),
                fmt_int(row.median_seconds_to_convert),
                fmt_int(row.p90_seconds_to_convert),
                fmt_int(row.mean_seconds_to_convert),
            )
            for row in timing.itertuples(index=False)
        ),
        caption="Time from the first funnel step to each later step "
        "(marts.fct_funnel_time_to_convert).",
    )
    return Block(paragraphs=(paragraph,), tables=(table,)).then(_timing_histogram(data))


def _timing_histogram(data: ReportData) -> Block:
    """The overall distribution of time to convert per step
    (fct_funnel_time_to_convert_histogram), or a notice when it is missing."""
    try:
        histogram = numeric(
            data.model("fct_funnel_time_to_convert_histogram"),
            "step_number",
            "bucket_number",
            "converted_sessions",
            "step_converted_sessions",
            "share_of_step_conversions",
        )
    except MissingData as missing:
        return notice_block(missing.notice)
    overall = histogram[
        (histogram["segment_type"] == "overall") & (histogram["step_converted_sessions"] > 0)
    ]
    if overall.empty:
        return Block()
    last_step = overall["step_number"].max()
    last = overall[overall["step_number"] == last_step].sort_values("bucket_number")
    top = last.sort_values(["converted_sessions", "bucket_number"], ascending=[False, True]).iloc[0]
    chart = embed(
        "funnel-time-histogram",
        charts.time_to_convert_histogram(overall),
        "Share of each step's converting sessions by time from the first funnel step, in "
        "buckets of seconds (marts.fct_funnel_time_to_convert_histogram, overall).",
    )
    paragraph = Paragraph(
        f"The most common time to reach {top['step_name']} is {top['bucket_label']}: "
        f"{fmt_int(top['converted_sessions'])} of {fmt_int(top['step_converted_sessions'])} "
        f"sessions ({fmt_pct(top['share_of_step_conversions'])}).",
        key="funnel-time-histogram",
    )
    return Block(paragraphs=(paragraph,), charts=(chart,))


def _sessions_in_progress(overall: pd.DataFrame) -> tuple[Paragraph, ...]:
    """A sentence on the sessions still running at the end of the data, when there are any."""
    running = overall["segment_sessions"].iloc[0] - overall["segment_closed_sessions"].iloc[0]
    if running <= 0:
        return ()
    in_progress = overall["in_progress_sessions"].sum()
    last = overall.iloc[-1]
    return (
        Paragraph(
            f"{fmt_int(running)} sessions may still be running when the data ends (their last "
            f"event is within the session timeout of it); {fmt_int(in_progress)} of them have "
            f"not finished the funnel and count as in progress, not as drop-offs. Over the "
            f"{fmt_int(last['segment_closed_sessions'])} finished sessions, "
            f"{fmt_int(last['closed_sessions'])} reached {last['step_name']}.",
            key="funnel-in-progress",
        ),
    )


def _customers_in_progress(data: ReportData) -> Block:
    """Customers whose conversion window is still open (fct_funnel_customers), beside the
    conversion of the customers whose window has closed."""
    try:
        customers = numeric(
            data.model("fct_funnel_customers"),
            "step_number",
            "segment_customers",
            "customers",
            "in_progress_customers",
            "segment_closed_customers",
            "closed_customers",
            "closed_conversion_from_start",
        )
    except MissingData as missing:
        return notice_block(missing.notice)
    overall = customers[customers["segment_type"] == "overall"].sort_values("step_number")
    if overall.empty or overall["segment_customers"].iloc[0] == 0:
        return Block()
    first, last = overall.iloc[0], overall.iloc[-1]
    total, closed = first["segment_customers"], first["segment_closed_customers"]
    overall_rate = last["customers"] / total
    if closed > 0:
        closed_rate = last["closed_customers"] / closed
        closed_text = (
            f"Of the {fmt_int(closed)} customers whose window has closed, "
            f"{fmt_int(last['closed_customers'])} ({fmt_pct(closed_rate)}) reached "
            f"{last['step_name']}, against {fmt_pct(overall_rate)} counting every customer."
        )
    else:
        closed_text = "No customer's window has closed yet, so no conversion is final."
    paragraph = Paragraph(
        f"Per customer (all their sessions within the conversion window from their first "
        f"visit), {fmt_int(total - closed)} of {fmt_int(total)} customers still had an open "
        f"window when the data ends; {fmt_int(overall['in_progress_customers'].sum())} of "
        f"them have not completed the funnel yet and count as in progress, not as lost. "
        f"{closed_text}",
        key="funnel-customers-in-progress",
    )
    return Block(paragraphs=(paragraph,))


def funnel_block(data: ReportData) -> Evidence:
    funnel = _funnel(data)
    overall = funnel[funnel["segment_type"] == "overall"].sort_values("step_number")
    if overall.empty or overall["segment_sessions"].iloc[0] == 0:
        return Evidence(notice_block("fct_funnel has no overall funnel (no sessions)."))
    steps = list(overall.itertuples(index=False))
    leak = _biggest_leak(overall)
    chart = embed(
        "funnel-overall",
        charts.funnel_bars(overall),
        "Sessions reaching each funnel step, with the share continuing and dropping off "
        "(marts.fct_funnel, overall).",
    )
    block = Block(
        paragraphs=_funnel_paragraphs(steps, leak) + _sessions_in_progress(overall),
        charts=(chart,),
    )
    block = block.then(_customers_in_progress(data)).then(_timing(data, steps[0].step_name))
    return Evidence(block, Findings(funnel_leak=leak))


# --------------------------------------------------------------------------------------------
# Drop-off by segment


def _segment_leak(transitions: pd.DataFrame) -> SegmentLeak | None:
    """The segment and step that lose most sessions beyond the overall drop-off of the step,
    with a two-proportion test of the segment against all other sessions (the same rule as
    analyses/biggest_drop_off_by_segment.sql)."""
    overall = transitions[transitions["segment_type"] == "overall"].set_index("step_number")
    segments = transitions[
        (transitions["segment_type"] != "overall")
        & (transitions["previous_sessions"] >= MIN_SEGMENT_SESSIONS)
    ].copy()
    if segments.empty or overall.empty:
        return None
    segments["overall_drop_off"] = segments["step_number"].map(overall["drop_off"])
    segments["gap"] = segments["drop_off"] - segments["overall_drop_off"]
    segments["excess"] = segments["previous_sessions"] * segments["gap"]
    worst = segments.sort_values(["excess", "step_number"], ascending=[False, True]).iloc[0]
    total = overall.loc[worst["step_number"]]
    test = two_proportion_test(
        worst["lost"],
        worst["previous_sessions"],
        total["lost"] - worst["lost"],
        total["previous_sessions"] - worst["previous_sessions"],
    )
    return SegmentLeak(
        segment_type=str(worst["segment_type"]),
        segment_value=str(worst["segment_value"]),
        transition=str(worst["transition"]),
        drop_off=float(worst["drop_off"]),
        overall_drop_off=float(worst["overall_drop_off"]),
        rest_drop_off=test.rate_b,
        gap=float(worst["gap"]),
        excess=float(worst["excess"]),
        previous=float(worst["previous_sessions"]),
        certainty=certainty_from_p(test.p_value, comparisons=len(segments)),
    )


def _segment_leak_paragraph(leak: SegmentLeak) -> Paragraph:
    return Paragraph(
        f"Compared with all sessions, the largest excess loss is at "
        f"{leak.transition} for {leak.segment_type} {leak.segment_value}: "
        f"{fmt_pct(leak.drop_off)} of its {fmt_int(leak.previous)} sessions drop "
        f"off there against {fmt_pct(leak.overall_drop_off)} overall, about "
        f"{fmt_int(leak.excess)} sessions more than the overall rate would lose. "
        f"{leak.certainty.text}",
        key="funnel-worst-segment",
    )


def _breakdown(part: pd.DataFrame, segment_type: str, label: str) -> Block:
    """The drop-off chart of one breakdown and where its segments differ most."""
    rates = rate_table(part, "lost", "previous_sessions").assign(rate=part["drop_off"])
    chart = embed(
        f"funnel-{segment_type}",
        charts.grouped_rates(
            rates,
            "transition",
            "segment_value",
            f"Drop-off at each step, by {label}",
            "sessions lost at the step",
        ),
        f"Share of sessions lost at each funnel step, by {label}, with 95% Wilson "
        "intervals (marts.fct_funnel).",
    )
    spread = (
        part.groupby("transition", sort=False)["drop_off"]
        .agg(["min", "max", "idxmin", "idxmax"])
        .assign(width=lambda frame: frame["max"] - frame["min"])
        .sort_values("width", ascending=False)
    )
    widest = spread.iloc[0]
    paragraph = Paragraph(
        f"By {label}, drop-off differs most at {spread.index[0]}: from "
        f"{fmt_pct(widest['min'])} ({part.loc[widest['idxmin'], 'segment_value']}) to "
        f"{fmt_pct(widest['max'])} ({part.loc[widest['idxmax'], 'segment_value']}).",
        key=f"funnel-{segment_type}-spread",
    )
    return Block(paragraphs=(paragraph,), charts=(chart,))


def funnel_segments_block(data: ReportData) -> Evidence:
    transitions = _transitions(_funnel(data))
    leak = _segment_leak(transitions)
    block = Block(paragraphs=() if leak is None else (_segment_leak_paragraph(leak),))
    for segment_type, label in SPREAD_BREAKDOWNS:
        part = transitions[transitions["segment_type"] == segment_type]
        if part.empty:
            block = block.then(notice_block(f"fct_funnel has no breakdown by {segment_type}."))
        else:
            block = block.then(_breakdown(part, segment_type, label))
    return Evidence(block, Findings(segment_leak=leak))


# --------------------------------------------------------------------------------------------
# Conversion over time


def _daily_conversion(daily: pd.DataFrame, first_step: float, last_step: float) -> pd.DataFrame:
    """Per day: sessions at the first and the last step, the rate with its interval, and the
    7-day rolling rate."""

    def at(step: float, name: str) -> pd.DataFrame:
        part = daily[daily["step_number"] == step][["session_date", "sessions"]]
        return part.rename(columns={"sessions": name})

    per_day = at(first_step, "started").merge(at(last_step, "converted"), on="session_date")
    per_day["session_date"] = pd.to_datetime(per_day["session_date"])
    per_day = per_day.sort_values("session_date").reset_index(drop=True)
    per_day = rate_table(per_day, "converted", "started")
    rolling = per_day["converted"].rolling(7, min_periods=1).sum() / per_day["started"].rolling(
        7, min_periods=1
    ).sum().replace(0, np.nan)
    per_day["rolling"] = rolling
    return per_day


def _trend(per_day: pd.DataFrame) -> Trend:
    """The last days against the first days (up to 14 each), with a two-proportion test."""
    window = max(1, min(14, len(per_day) // 2))
    head, tail = per_day.head(window), per_day.tail(window)
    test = two_proportion_test(
        tail["converted"].sum(),
        tail["started"].sum(),
        head["converted"].sum(),
        head["started"].sum(),
    )
    return Trend(
        window=window, first=test.rate_b, last=test.rate_a, certainty=certainty_from_p(test.p_value)
    )


def _step_name(daily: pd.DataFrame, step: float) -> str:
    return str(daily.loc[daily["step_number"] == step, "step_name"].iloc[0])


def funnel_trend_block(data: ReportData) -> Evidence:
    daily = numeric(data.model("fct_funnel_daily"), "step_number", "day_sessions", "sessions")
    if daily.empty:
        return Evidence(notice_block("fct_funnel_daily is empty."))
    first_step, last_step = daily["step_number"].min(), daily["step_number"].max()
    first_name, last_name = _step_name(daily, first_step), _step_name(daily, last_step)
    per_day = _daily_conversion(daily, first_step, last_step)
    chart = embed(
        "funnel-trend",
        charts.conversion_over_time(per_day),
        f"Daily share of sessions that went from {first_name} to {last_name}, its 7-day "
        "average and each day's 95% interval (marts.fct_funnel_daily).",
    )
    trend = _trend(per_day)
    valid = per_day[per_day["started"] > 0]
    direction = "up" if trend.last > trend.first else "down"
    paragraph = Paragraph(
        f"Day by day, {first_name} → {last_name} conversion ranged from "
        f"{fmt_pct(valid['rate'].min())} to {fmt_pct(valid['rate'].max())}. Over the first "
        f"{fmt_int(trend.window)} days it was {fmt_pct(trend.first)}, over the last "
        f"{fmt_int(trend.window)} days {fmt_pct(trend.last)} ({direction} "
        f"{fmt_pp(abs(trend.last - trend.first))}). {trend.certainty.text}",
        key="funnel-trend",
    )
    return Evidence(Block(paragraphs=(paragraph,), charts=(chart,)), Findings(trend=trend))


MAX_GAPS_SHOWN = 8
TOTAL_VALUE = "(total)"
NO_SESSIONS = "is empty: fct_funnel has no sessions to compare."


def _has_sessions(data: ReportData) -> bool:
    """Whether the funnel has sessions at all."""
    funnel = numeric(data.model("fct_funnel"), "segment_sessions")
    overall = funnel[funnel["segment_type"] == "overall"]
    return not overall.empty and float(overall["segment_sessions"].iloc[0]) > 0


def _signed_pp(value: float) -> str:
    """+1.2 points, −0.4 points, 0.0 points (the sign of what is shown, not of the noise)."""
    shown = round(float(value) * 100, 1)
    return ("+" if shown > 0 else "−" if shown < 0 else "") + fmt_pp(abs(value))


# --------------------------------------------------------------------------------------------
# Segment gaps that hold up: each segment against the rest of its breakdown
# (analytics.funnel_segment_comparison, computed by `analyze`)


def _gap_table(gaps: pd.DataFrame) -> Table:
    return Table(
        headers=(
            "segment",
            "step",
            "segment rate",
            "rest",
            "difference (95% interval)",
            "adjusted p",
        ),
        rows=tuple(
            (
                f"{row.segment_type} {row.segment_value}",
                arrow(row.from_step, row.step_name),
                fmt_pct(row.segment_rate),
                fmt_pct(row.rest_rate),
                f"{_signed_pp(row.difference)} ({_signed_pp(row.difference_low)} to "
                f"{_signed_pp(row.difference_high)})",
                format_p(row.p_value_adjusted),
            )
            for row in gaps.itertuples(index=False)
        ),
        caption="Step conversion of a segment against all other sessions of its breakdown; "
        "p-values adjusted for every comparison in the table (Holm) "
        "(analytics.funnel_segment_comparison).",
        key="funnel-segment-gaps",
        text_columns=2,
    )


def segment_gaps_block(data: ReportData) -> Evidence:
    table = numeric(
        data.analytics(FUNNEL_SEGMENT_COMPARISON),
        "step_number",
        "segment_rate",
        "rest_rate",
        "difference",
        "difference_low",
        "difference_high",
        "p_value_adjusted",
        "relative_lift",
    )
    if table.empty:
        if not _has_sessions(data):
            return Evidence(notice_block(f"analytics.{FUNNEL_SEGMENT_COMPARISON} {NO_SESSIONS}"))
        return Evidence(
            notice_block(
                "analytics.funnel_segment_comparison is empty: "
                "customer_behaviour__funnel_segments names no breakdown to compare."
            )
        )
    significant = table[table["is_significant"].astype(bool)].sort_values(
        ["p_value_adjusted", "segment_type", "segment_value", "step_number"]
    )
    underpowered = int(table["is_underpowered"].astype(bool).sum())
    lift = fmt_pct(table["relative_lift"].iloc[0], 0)
    small = (
        f" {fmt_int(underpowered)} of them rest on too few sessions to detect a {lift} "
        "relative change: there, no significant gap means too few sessions to tell, not no gap."
        if underpowered
        else ""
    )
    if significant.empty:
        paragraph = Paragraph(
            f"No segment's step conversion differs from the rest of its breakdown once the "
            f"{fmt_int(len(table))} comparisons are accounted for (Holm's adjustment).{small}",
            key="funnel-segment-gaps",
        )
        return Evidence(Block(paragraphs=(paragraph,)))
    top = significant.iloc[0]
    paragraph = Paragraph(
        f"Of {fmt_int(len(table))} comparisons of a segment with the rest of its breakdown, "
        f"{fmt_int(len(significant))} hold up after adjusting for their number (Holm). The "
        f"clearest: {top['segment_type']} {top['segment_value']} at "
        f"{arrow(top['from_step'], top['step_name'])}, {fmt_pct(top['segment_rate'])} against "
        f"{fmt_pct(top['rest_rate'])} for the rest.{small}",
        key="funnel-segment-gaps",
    )
    block = Block(paragraphs=(paragraph,), tables=(_gap_table(significant.head(MAX_GAPS_SHOWN)),))
    return Evidence(block)


# --------------------------------------------------------------------------------------------
# This period against the previous one (analytics.funnel_period_change), split into mix and rate


def _breakdown_sentence(segment_type: str, total: pd.Series, rows: pd.DataFrame) -> str:
    driver = rows.assign(size=(rows["mix_effect"] + rows["rate_effect"]).abs()).sort_values(
        ["size", "segment_value"], ascending=[False, True]
    )
    main = driver.iloc[0]
    return (
        f"by {segment_type}, {_signed_pp(total['mix_effect'])} come from the segments' shares "
        f"moving and {_signed_pp(total['rate_effect'])} from completion within them, most of it "
        f"in {main['segment_value']} ({_signed_pp(main['mix_effect'] + main['rate_effect'])})"
    )


def period_change_block(data: ReportData) -> Evidence:
    table = numeric(
        data.analytics(FUNNEL_PERIOD_CHANGE),
        "previous_sessions",
        "current_sessions",
        "previous_completion",
        "current_completion",
        "completion_change",
        "mix_effect",
        "rate_effect",
        "p_value",
    )
    if table.empty:
        if not _has_sessions(data):
            return Evidence(notice_block(f"analytics.{FUNNEL_PERIOD_CHANGE} {NO_SESSIONS}"))
        return Evidence(
            notice_block(
                "analytics.funnel_period_change is empty: one of the two periods compared has "
                "no sessions (`analyze` says which); set "
                "customer_behaviour__comparison_period_days to fit the data's span."
            )
        )
    totals = table[table["segment_value"] == TOTAL_VALUE].set_index("segment_type")
    overall = totals.loc["overall"]
    sure = "" if is_missing(overall["p_value"]) else certainty_from_p(overall["p_value"]).text
    parts = [
        _breakdown_sentence(
            str(segment_type),
            total,
            table[
                (table["segment_type"] == segment_type) & (table["segment_value"] != TOTAL_VALUE)
            ],
        )
        for segment_type, total in totals.drop(index="overall").iterrows()
    ]
    split = f" Of that change, {'; '.join(parts)}." if parts else ""
    paragraph = Paragraph(
        f"Funnel completion went from {fmt_pct(overall['previous_completion'])} of "
        f"{fmt_int(overall['previous_sessions'])} sessions ({overall['previous_start']} to "
        f"{overall['previous_end']}) to {fmt_pct(overall['current_completion'])} of "
        f"{fmt_int(overall['current_sessions'])} ({overall['current_start']} to "
        f"{overall['current_end']}), {_signed_pp(overall['completion_change'])}. "
        f"{sure}{split}",
        key="funnel-period-change",
    )
    return Evidence(Block(paragraphs=(paragraph,), tables=_period_tables(totals)))


def _period_tables(totals: pd.DataFrame) -> tuple[Table, ...]:
    """The mix / rate split per breakdown (none when overall is the only breakdown)."""
    rows = tuple(
        (
            str(segment_type),
            _signed_pp(total["mix_effect"]),
            _signed_pp(total["rate_effect"]),
            _signed_pp(total["completion_change"]),
        )
        for segment_type, total in totals.drop(index="overall").iterrows()
    )
    if not rows:
        return ()
    return (
        Table(
            headers=("breakdown", "mix (shares moved)", "rate (within segments)", "change"),
            rows=rows,
            caption="The change in funnel completion between the two periods, split per "
            "breakdown into mix and rate; the two parts add up to the change "
            "(analytics.funnel_period_change).",
            key="funnel-period-change",
        ),
    )


# --------------------------------------------------------------------------------------------
# Every configured funnel side by side (fct_named_funnels)

DEFAULT_FUNNEL = "default"
"""The funnel of customer_behaviour__funnel_steps in fct_named_funnels."""


def _named_funnel_rows(overall: pd.DataFrame) -> list[tuple[str, ...]]:
    """Per funnel: its steps, then per level the units at step 1, at the last step, the
    conversion from step 1 to the last step (the mart's conversion_from_start), the units in
    progress (in_progress_units over the steps: open windows that have not completed the
    funnel) and the conversion over closed windows (closed_conversion_from_start)."""
    rows = []
    for name, frame in overall.groupby("funnel_name", sort=False):
        cells = [str(name)]
        steps = frame[frame["funnel_level"] == "session"].sort_values("step_number")
        cells.append(" → ".join(steps["step_name"]))
        for level in ("session", "customer"):
            level_rows = frame[frame["funnel_level"] == level].sort_values("step_number")
            first, last = level_rows.iloc[0], level_rows.iloc[-1]
            cells += [
                fmt_int(first["reaching_units"]),
                fmt_int(last["reaching_units"]),
                fmt_pct(last["conversion_from_start"]),
                fmt_int(level_rows["in_progress_units"].sum()),
                fmt_pct(last["closed_conversion_from_start"]),
            ]
        rows.append(tuple(cells))
    return rows


def named_funnels_block(data: ReportData) -> Evidence:
    """Nothing unless customer_behaviour__funnels configures funnels besides the default."""
    table = numeric(
        data.model("fct_named_funnels"),
        "step_number",
        "reaching_units",
        "conversion_from_start",
        "in_progress_units",
        "closed_conversion_from_start",
    )
    overall = table[table["segment_type"] == "overall"]
    names = sorted(set(overall["funnel_name"]))
    if names == [DEFAULT_FUNNEL] or not names:
        return Evidence(Block())
    ordered = [DEFAULT_FUNNEL, *[name for name in names if name != DEFAULT_FUNNEL]]
    overall = overall.assign(
        funnel_order=overall["funnel_name"].map({name: i for i, name in enumerate(ordered)})
    ).sort_values(["funnel_order", "funnel_level", "step_number"])
    paragraph = Paragraph(
        f"{fmt_int(len(ordered))} funnels are configured (customer_behaviour__funnels besides "
        "the default one). Each counts a session, or a customer across sessions, by its own "
        "order, time limits and exclusions. Conversion is the share of the units at step 1 "
        "that reached the last step. Units whose window is still open when the data ends "
        "(a session within the session timeout of it, a customer within the conversion "
        "window) and that have not completed the funnel are in progress, not lost; the "
        "conversion over closed windows counts only the units whose window has closed.",
        key="named-funnels",
    )
    headers = ("funnel", "steps")
    for level in ("sessions", "customers"):
        headers += (
            f"{level} at step 1",
            f"{level} at the last step",
            "conversion",
            f"{level} in progress",
            "conversion over closed windows",
        )
    return Evidence(
        Block(
            paragraphs=(paragraph,),
            tables=(
                Table(
                    headers=headers,
                    rows=tuple(_named_funnel_rows(overall)),
                    caption="Every configured funnel's overall conversion, with the units in "
                    "progress and the conversion over closed windows, at session and at "
                    "customer level (marts.fct_named_funnels, segment overall).",
                    key="named-funnels",
                    text_columns=2,
                ),
            ),
        )
    )


SECTION = SectionSpec(
    "funnels",
    "Behaviour funnels",
    "Where visitors drop off between viewing, adding to cart, checking out and buying.",
    (
        BlockSpec("The funnel", funnel_block),
        BlockSpec("Drop-off by device and by country", funnel_segments_block),
        BlockSpec("Conversion over time", funnel_trend_block),
        BlockSpec("Every configured funnel side by side", named_funnels_block),
        BlockSpec("Segment gaps that hold up", segment_gaps_block),
        BlockSpec("This period against the previous one", period_change_block),
    ),
)
