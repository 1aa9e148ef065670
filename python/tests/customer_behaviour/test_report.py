"""`customer-behaviour report` on both targets: one self-contained HTML file with every section
and its charts, and the numbers in its key sentences equal to what the tables (or the seed
files) say, recomputed here independently of the report code."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from customer_behaviour.report.build import SECTION_TITLES, SECTIONS
from support import reference
from support import reference_behaviour as rb
from support.analytics import assert_clean_error, run_cli
from support.build import Build, base_env
from support.report import BuiltReport, numbers, parse_report

SECTIONS_WITHOUT_CHARTS = {"next-steps"}
FUNNEL_STEPS = ["page_view", "add_to_cart", "checkout", "purchase"]
SEGMENTS = ["device", "country", "traffic_source"]
MIN_SEGMENT_SESSIONS = 30


def _value(build: Build, sql: str) -> float:
    return float(build.frame(sql).iloc[0, 0])


def _pct(value: float, digits: int = 1) -> str:
    """A share as the report prints it, without the % sign: 0.1188 -> '11.9'."""
    return f"{value * 100:.{digits}f}"


def _sessions(build: Build) -> pd.DataFrame:
    frame = build.frame(
        "select session_id, customer_id, device, country, traffic_source, "
        "funnel_step_reached, did_purchase from marts.fct_sessions"
    )
    frame["funnel_step_reached"] = frame["funnel_step_reached"].astype(int)
    frame["did_purchase"] = frame["did_purchase"].astype(bool)
    return frame


# ----------------------------------------------------------------------------------------------
# The file as a whole
# ----------------------------------------------------------------------------------------------


def test_every_section_is_there_in_order_with_its_charts(built_report: BuiltReport) -> None:
    parsed = parse_report(built_report.html)
    headings = [section.heading for section in parsed.sections]
    assert headings == [f"{n}. {title}" for n, title in enumerate(SECTION_TITLES, start=1)]
    assert [section.id for section in parsed.sections] == [section.id for section in SECTIONS]
    for section in parsed.sections:
        if section.id not in SECTIONS_WITHOUT_CHARTS:
            assert section.svg_count >= 1, f"section {section.heading} has no chart"
    # With the marts built and `analyze` run, nothing is missing.
    notices = [notice for section in parsed.sections for notice in section.notices]
    assert notices == []
    total = sum(section.svg_count for section in parsed.sections)
    assert f"{total} charts" in built_report.stdout


def test_the_file_is_self_contained(built_report: BuiltReport) -> None:
    html = built_report.html
    assert not re.search(r"https?://", html), re.findall(r".{40}https?://.{40}", html)[:3]
    parsed = parse_report(html)
    # Nothing to fetch: no scripts, images, stylesheets, frames or fonts from elsewhere.
    assert not parsed.tags & {"script", "img", "link", "iframe", "object", "embed"}
    assert not re.search(r"""\b(src|srcset)\s*=|url\((?!#)|@import""", html)
    assert html.count("<svg") >= 15


def test_the_charts_the_issue_asks_for_are_drawn(built_report: BuiltReport) -> None:
    parsed = parse_report(built_report.html)
    wanted = [
        "chart-funnel-overall",
        "chart-funnel-device",
        "chart-funnel-country",
        "chart-funnel-trend",
        "chart-funnel-time-histogram",
        "chart-paths-top",
        "chart-transitions-flow",
        "chart-step-matrix",
        "chart-removal-effects",
        "chart-conversion-levels",
        "chart-rfm-segments",
        "chart-cohort-retention",
        "chart-rules-scatter",
        "chart-drivers-coefficients",
        "chart-purchase-styles",
        "chart-experiment-days",
        "chart-dq-reasons",
    ]
    missing = [key for key in wanted if key not in parsed.texts]
    assert missing == []
    assert "table-experiment-sizing" in parsed.texts


# ----------------------------------------------------------------------------------------------
# Numbers in the text equal the tables
# ----------------------------------------------------------------------------------------------


def test_overview_numbers_equal_fct_sessions(built_report: BuiltReport) -> None:
    build = built_report.build
    text = parse_report(built_report.html).texts["fact-overview-totals"]
    totals = build.frame(
        "select count(*) as n, sum(event_count) as events, "
        "sum(case when did_purchase then 1 else 0 end) as purchases, "
        "sum(amount_usd) as revenue from marts.fct_sessions"
    ).iloc[0]
    n, events, purchases = int(totals["n"]), int(totals["events"]), int(totals["purchases"])
    assert f"{n:,} sessions with {events:,} events" in text
    assert f"of which {purchases:,} ({_pct(purchases / n)}%) placed a completed order" in text
    assert f"${float(totals['revenue']):,.0f} of revenue" in text


def test_data_quality_numbers_equal_the_seed_files(
    built_report: BuiltReport, raw_tables: dict[str, pd.DataFrame]
) -> None:
    build = built_report.build
    text = parse_report(built_report.html).texts["fact-dq-totals"]
    raw = sum(len(frame) for frame in raw_tables.values())
    rejected = int(_value(build, "select count(*) from marts.dq_rejected_rows"))
    assert numbers(text)[:2] == [raw, len(raw_tables)]
    assert f"{raw - rejected:,} ({_pct((raw - rejected) / raw)}%) passed" in text
    assert f"{rejected:,} ({_pct(rejected / raw, 2)}%) were quarantined" in text
    assert "nothing was dropped silently" in text


def test_the_biggest_funnel_loss_is_recomputed_from_sessions(built_report: BuiltReport) -> None:
    sessions = _sessions(built_report.build)
    reached = [int((sessions["funnel_step_reached"] >= k).sum()) for k in range(1, 5)]
    losses = [(reached[k] - reached[k + 1], k) for k in range(3)]
    lost, k = max(losses, key=lambda item: (item[0], -item[1]))
    text = parse_report(built_report.html).texts["fact-funnel-biggest-loss"]
    assert f"{FUNNEL_STEPS[k]} → {FUNNEL_STEPS[k + 1]}: {lost:,} sessions" in text
    assert f"{_pct(lost / reached[k])}% of the {reached[k]:,} that reached" in text


def test_the_worst_segment_step_is_recomputed_from_sessions(built_report: BuiltReport) -> None:
    """The segment and step losing most sessions beyond the overall rate (pandas)."""
    sessions = _sessions(built_report.build)

    def drop_offs(frame: pd.DataFrame) -> list[tuple[int, int, int]]:
        reached = [int((frame["funnel_step_reached"] >= k).sum()) for k in range(1, 5)]
        return [(k, reached[k], reached[k] - reached[k + 1]) for k in range(3) if reached[k]]

    overall = {k: lost / before for k, before, lost in drop_offs(sessions)}
    candidates = []
    for column in SEGMENTS:
        for value, frame in sessions.groupby(column):
            for k, before, lost in drop_offs(frame):
                if before >= MIN_SEGMENT_SESSIONS:
                    excess = before * (lost / before - overall[k])
                    candidates.append((excess, -k, column, str(value), k, before, lost))
    excess, _, column, value, k, before, lost = max(candidates)
    text = parse_report(built_report.html).texts["fact-funnel-worst-segment"]
    assert text.startswith(
        f"Compared with all sessions, the largest excess loss is at "
        f"{FUNNEL_STEPS[k]} → {FUNNEL_STEPS[k + 1]} for {column} {value}: "
        f"{_pct(lost / before)}% of its {before:,} sessions drop off there against "
        f"{_pct(overall[k])}% overall, about {round(excess):,} sessions more"
    ), text
    assert re.search(r"\(p (<|=) [\d.]+", text), "the certainty statement is missing"
    # The insight compares the segment with all other sessions at that step.
    everyone = {step: (entering, losing) for step, entering, losing in drop_offs(sessions)}
    before_all, lost_all = everyone[k]
    rest = (lost_all - lost) / (before_all - before)
    card = parse_report(built_report.html).texts["insight-segment-leak"]
    assert f"{_pct(lost / before)}% drop off there against {_pct(rest)}% for all other" in card
    starts = pd.to_datetime(
        built_report.build.frame("select session_start_at from marts.fct_sessions")[
            "session_start_at"
        ]
    )
    days = (starts.max().normalize() - starts.min().normalize()).days + 1
    action = parse_report(built_report.html).texts["recommend-segment-leak"]
    assert f"about {round(excess):,} more of its sessions" in action
    assert f"over the {days:,} days" in action


def test_the_funnel_and_its_trend_are_recomputed_from_sessions(built_report: BuiltReport) -> None:
    sessions = built_report.build.frame(
        "select session_start_at, funnel_step_reached from marts.fct_sessions"
    )
    step = sessions["funnel_step_reached"].astype(int)
    reached = [int((step >= k).sum()) for k in range(1, 5)]
    texts = parse_report(built_report.html).texts
    later = [
        f"{reached[k]:,} ({_pct(reached[k] / reached[0])}%) reached {FUNNEL_STEPS[k]}"
        for k in range(1, 4)
    ]
    assert texts["fact-funnel-overall"].startswith(
        f"Of {len(sessions):,} sessions, {reached[0]:,} reached page_view; of those, "
        f"{later[0]}, {later[1]} and {later[2]}."
    )
    per_day = (
        sessions.assign(
            day=pd.to_datetime(sessions["session_start_at"]).dt.normalize(),
            started=step >= 1,
            converted=step >= 4,
        )
        .groupby("day")[["started", "converted"]]
        .sum()
        .sort_index()
    )
    window = max(1, min(14, len(per_day) // 2))
    first, last = per_day.head(window).sum(), per_day.tail(window).sum()
    assert (
        f"Over the first {window} days it was {_pct(first['converted'] / first['started'])}%, "
        f"over the last {window} days {_pct(last['converted'] / last['started'])}%"
    ) in texts["fact-funnel-trend"]


def test_the_in_progress_counts_are_recomputed_from_the_seed_files(
    built_report: BuiltReport, staged_reference: dict[str, pd.DataFrame]
) -> None:
    """The customers still inside their window and the sessions still running, as pandas
    recomputes them from the raw CSVs (reference_behaviour), are the report's numbers."""
    sessions = reference.sessions(staged_reference)
    end = rb.data_end(staged_reference)
    texts = parse_report(built_report.html).texts
    customers = rb.customer_funnel(staged_reference, sessions, end=end)
    overall = customers[customers["segment_type"] == "overall"].sort_values("step_number")
    total = int(overall["segment_customers"].iloc[0])
    closed = int(overall["segment_closed_customers"].iloc[0])
    in_progress = int(overall["in_progress_customers"].sum())
    last = overall.iloc[-1]
    assert 0 < in_progress <= total - closed
    text = texts["fact-funnel-customers-in-progress"]
    assert f"{total - closed:,} of {total:,} customers still had an open window" in text
    assert f"{in_progress:,} of them have not completed the funnel yet" in text
    assert (
        f"Of the {closed:,} customers whose window has closed, {int(last['closed_customers']):,} "
        f"({_pct(last['closed_customers'] / closed)}%) reached purchase, against "
        f"{_pct(last['customers'] / total)}% counting every customer."
    ) in text
    running = sum(rb.session_is_open(sessions, end))
    assert running > 0
    session_funnel = rb.funnel(sessions, end=end)
    at_sessions = session_funnel[session_funnel["segment_type"] == "overall"]
    assert texts["fact-funnel-in-progress"].startswith(
        f"{running:,} sessions may still be running when the data ends"
    )
    assert (
        f"{int(at_sessions['in_progress_sessions'].sum()):,} of them have not finished"
        in (texts["fact-funnel-in-progress"])
    )


def test_the_time_to_convert_histogram_sentence_is_recomputed(
    built_report: BuiltReport, staged_reference: dict[str, pd.DataFrame]
) -> None:
    sessions = reference.sessions(staged_reference)
    histogram = rb.time_to_convert_histogram(staged_reference, sessions)
    last = histogram[
        (histogram["segment_type"] == "overall") & (histogram["step_number"] == 4)
    ].sort_values(["converted_sessions", "bucket_number"], ascending=[False, True])
    top = last.iloc[0]
    text = parse_report(built_report.html).texts["fact-funnel-time-histogram"]
    assert text == (
        f"The most common time to reach purchase is {top['bucket_label']}: "
        f"{int(top['converted_sessions']):,} of {int(top['step_converted_sessions']):,} "
        f"sessions ({_pct(top['share_of_step_conversions'])}%)."
    )


def test_conversion_levels_are_recomputed_from_sessions(built_report: BuiltReport) -> None:
    sessions = _sessions(built_report.build)
    identified = sessions[sessions["customer_id"].notna()]
    session_rate = sessions["did_purchase"].mean()
    customers = identified.groupby("customer_id")["did_purchase"].any()
    text = parse_report(built_report.html).texts["fact-conversion-levels"]
    assert text.startswith(f"{_pct(session_rate)}% of sessions end in a completed order")
    assert f"but {_pct(customers.mean())}% of the {len(customers):,} identified customers" in text
    assert f"{customers.mean() / session_rate:.2f}x as high" in text
    assert f"{len(identified) / len(customers):.1f} sessions on average" in text


def test_the_worst_converting_segment_insight_is_recomputed(built_report: BuiltReport) -> None:
    sessions = _sessions(built_report.build)
    rates = []
    for column in SEGMENTS:
        grouped = sessions.groupby(column)["did_purchase"].agg(["mean", "count"])
        for value, row in grouped.iterrows():
            if row["count"] >= MIN_SEGMENT_SESSIONS:
                rates.append((row["mean"], -row["count"], column, str(value), int(row["count"])))
    rate, _, column, value, count = min(rates)
    card = parse_report(built_report.html).texts["insight-worst-segment"]
    label = column.replace("_", " ").capitalize()
    assert card.startswith(f"{label} {value} converts worst.")
    assert f"{_pct(rate)}% of its {count:,} sessions purchase" in card
    assert re.search(r"(HIGH|MODERATE|LOW|high|moderate|low)", card)


def _drivers(build: Build, specification: str) -> pd.DataFrame:
    frame = build.frame(
        "select term, coef, ci_low, ci_high, p_value, raw_std, n_obs, auc_out_of_sample "
        f"from analytics.conversion_drivers where specification = '{specification}'"
    )
    return frame.set_index("term").astype(float)


def test_driver_numbers_equal_the_analytics_table(built_report: BuiltReport) -> None:
    build = built_report.build
    drivers = _drivers(build, "all_events")
    events = drivers.loc["event_count"]
    text = parse_report(built_report.html).texts["fact-drivers-conversion"]
    assert f"A logistic regression over {int(events['n_obs']):,} sessions" in text
    assert (
        f"multiplies the odds of purchase by {math.exp(events['coef']):.2f} (95% CI "
        f"{math.exp(events['ci_low']):.2f} to {math.exp(events['ci_high']):.2f}"
    ) in text
    assert f"(AUC {events['auc_out_of_sample']:.3f})" in text


def test_the_leakage_paragraph_equals_both_specifications(built_report: BuiltReport) -> None:
    """Per-event odds ratios, the verdict and the AUCs of the drivers section, recomputed
    from analytics.conversion_drivers."""
    build = built_report.build
    leaky, clean = _drivers(build, "all_events"), _drivers(build, "pre_intent")
    text = parse_report(built_report.html).texts["fact-drivers-leakage"]
    events, pre_events = leaky.loc["event_count"], clean.loc["pre_intent_event_count"]
    per_event = (
        events["coef"] / events["raw_std"],
        pre_events["coef"] / pre_events["raw_std"],
    )
    assert (
        f"one event more multiplies the odds of purchase by {math.exp(per_event[0]):.3f} "
        f"counting the whole session and by {math.exp(per_event[1]):.3f}"
    ) in text
    clear = events["p_value"] < 0.05, pre_events["p_value"] < 0.05
    if all(clear) and per_event[0] * per_event[1] > 0:
        assert "the events finding survives" in text
    elif clear[0]:
        assert "the events finding does not survive" in text or "reverses" in text
    auc = leaky["auc_out_of_sample"].iloc[0], clean["auc_out_of_sample"].iloc[0]
    assert f"AUC is {auc[0]:.3f} with the whole session and {auc[1]:.3f} before intent" in text


def test_the_calibration_table_equals_the_analytics_table(built_report: BuiltReport) -> None:
    calibration = built_report.build.frame(
        "select specification, decile, n_sessions, mean_predicted, observed_rate "
        "from analytics.conversion_calibration order by decile, specification"
    )
    table = parse_report(built_report.html).texts["table-drivers-calibration"]
    for decile, rows in calibration.groupby("decile"):
        by_spec = rows.set_index("specification")
        cells = [str(int(decile))]
        for specification in ("all_events", "pre_intent"):
            row = by_spec.loc[specification]
            cells += [
                f"{int(row['n_sessions']):,}",
                f"{float(row['mean_predicted']) * 100:.1f}%",
                f"{float(row['observed_rate']) * 100:.1f}%",
            ]
        assert " ".join(cells) in table, cells


def test_experiment_sizing_table_equals_the_analytics_table(built_report: BuiltReport) -> None:
    sizing = built_report.build.frame(
        "select relative_lift, sessions_per_arm, total_sessions, days_at_observed_traffic "
        "from analytics.experiment_sizing order by relative_lift"
    )
    table = parse_report(built_report.html).texts["table-experiment-sizing"]
    for row in sizing.itertuples(index=False):
        assert (
            f"+{row.relative_lift * 100:.0f}% " in table
            and f"{int(row.sessions_per_arm):,} {int(row.total_sessions):,} "
            f"{round(row.days_at_observed_traffic):,}"
            in table
        ), table


def test_the_paths_to_conversion_and_from_entry_are_recomputed_from_the_seed_files(
    built_report: BuiltReport, staged_reference: dict[str, pd.DataFrame]
) -> None:
    texts = parse_report(built_report.html).texts
    to_conversion = rb.paths_to_conversion(staged_reference, reference.sessions(staged_reference))
    table = texts["table-paths-to-conversion"]
    for row in to_conversion.sort_values("path_rank").head(8).itertuples(index=False):
        assert (
            f"{row.path} {row.sessions:,} {_pct(row.share_of_conversions)}% "
            f"${row.amount_usd:,.0f} ${row.amount_per_session_usd:,.2f}" in table
        ), (row.path, table)
    assert (
        f"{to_conversion['sessions'].sum():,} sessions completed"
        in texts["fact-paths-to-conversion"]
    )
    from_entry = rb.paths_from_entry(staged_reference)
    named = from_entry[from_entry["path"] != "(other)"].sort_values("path_rank")
    first = named.iloc[0]
    frequent = named[named["sessions"] >= 10]
    best = frequent.sort_values(
        ["conversion_rate", "sessions"], ascending=False, kind="mergesort"
    ).iloc[0]
    fact = texts["fact-paths-from-entry"]
    assert f"{first['entry_sessions']:,} sessions start at {first['entry_step']}" in fact, fact
    assert f"is '{first['path']}' ({_pct(first['share_of_entry_sessions'])}% of them" in fact
    assert f"'{best['path']}' converts best ({_pct(best['conversion_rate'])}% of" in fact, fact


def _pp(value: float) -> str:
    """A difference as the report prints it: +1.2 points, −0.4 points, 0.0 points."""
    shown = round(value * 100, 1)
    return ("+" if shown > 0 else "−" if shown < 0 else "") + f"{abs(value) * 100:.1f} points"


def test_segment_gaps_equal_the_analytics_table(built_report: BuiltReport) -> None:
    build = built_report.build
    table = build.frame("select * from analytics.funnel_segment_comparison")
    significant = table[table["is_significant"].astype(bool)].copy()
    significant["p_value_adjusted"] = significant["p_value_adjusted"].astype(float)
    significant = significant.sort_values(
        ["p_value_adjusted", "segment_type", "segment_value", "step_number"]
    )
    parsed = parse_report(built_report.html)
    text = parsed.texts["fact-funnel-segment-gaps"]
    underpowered = int(table["is_underpowered"].astype(bool).sum())
    # The sample plants a mobile checkout problem: at least that gap must hold up.
    assert len(significant) > 0
    assert (
        f"Of {len(table):,} comparisons of a segment with the rest of its breakdown, "
        f"{len(significant):,} hold up" in text
    ), text
    top = significant.iloc[0]
    assert f"{top['segment_type']} {top['segment_value']} at" in text
    assert f"{_pct(float(top['segment_rate']))}% against {_pct(float(top['rest_rate']))}%" in text
    assert f"{underpowered:,} of them rest on too few sessions" in text
    shown = parsed.texts["table-funnel-segment-gaps"]
    for row in significant.head(8).itertuples(index=False):
        assert f"{row.segment_type} {row.segment_value} " in shown
        assert _pp(float(row.difference)) in shown


def test_period_change_equals_the_analytics_table(built_report: BuiltReport) -> None:
    build = built_report.build
    table = build.frame("select * from analytics.funnel_period_change")
    totals = table[table["segment_value"] == "(total)"].set_index("segment_type")
    overall = totals.loc["overall"]
    text = parse_report(built_report.html).texts["fact-funnel-period-change"]
    assert (
        f"from {_pct(float(overall['previous_completion']))}% of "
        f"{int(overall['previous_sessions']):,} sessions ({overall['previous_start']} to "
        f"{overall['previous_end']}) to {_pct(float(overall['current_completion']))}% of "
        f"{int(overall['current_sessions']):,} ({overall['current_start']} to "
        f"{overall['current_end']}), {_pp(float(overall['completion_change']))}" in text
    ), text
    shown = parse_report(built_report.html).texts["table-funnel-period-change"]
    for segment_type, total in totals.drop(index="overall").iterrows():
        mix, rate = float(total["mix_effect"]), float(total["rate_effect"])
        assert f"by {segment_type}, {_pp(mix)} come from the segments' shares" in text
        assert f"{segment_type} {_pp(mix)} {_pp(rate)}" in shown


def test_every_insight_and_recommendation_says_how_sure_it_is(built_report: BuiltReport) -> None:
    parsed = parse_report(built_report.html)
    insights = [key for key in parsed.texts if key.startswith("insight-")]
    recommendations = [key for key in parsed.texts if key.startswith("recommend-")]
    assert len(insights) >= 6 and len(recommendations) >= 3
    for key in insights + recommendations:
        text = parsed.texts[key]
        assert re.search(r"\b(high|moderate|low|exact)\b", text), (key, text)
    # The sample plants a mobile checkout problem: it must come out as the first recommendation.
    assert "recommend-segment-leak" in recommendations


# ----------------------------------------------------------------------------------------------
# When something is missing
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", ["duckdb"], indirect=True)
def test_missing_analytics_tables_become_notices_not_a_crash(
    built_report: BuiltReport, tmp_path: Path
) -> None:
    """On a copy of the DuckDB file without schema analytics (as before `analyze` runs)."""
    build = built_report.build
    import duckdb

    copy = tmp_path / "without_analytics.duckdb"
    shutil.copy(build.duckdb_path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("drop schema analytics cascade")
    env = {**build.env, "CUSTOMER_BEHAVIOUR_DUCKDB_PATH": str(copy)}
    out = tmp_path / "partial.html"
    result = run_cli(env, "report", "--target", "duckdb", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "incomplete" in result.stdout
    parsed = parse_report(out.read_text(encoding="utf-8"))
    notices = {section.id: section.notices for section in parsed.sections}
    for section_id in ("features", "sequences", "associations", "segmentation"):
        assert any(
            "customer-behaviour analyze --target duckdb" in notice for notice in notices[section_id]
        ), (section_id, notices[section_id])
    # The marts-only parts are still there.
    assert "fact-funnel-biggest-loss" in parsed.texts
    assert "fact-conversion-levels" in parsed.texts


def test_an_unbuilt_project_is_one_clear_line(tmp_path: Path) -> None:
    env = base_env(tmp_path, "duckdb")
    result = run_cli(env, "report", "--out", str(tmp_path / "x.html"))
    assert_clean_error(result, "no dbt manifest at", "make run")
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("build", ["duckdb"], indirect=True)
def test_an_unwritable_output_is_one_clear_line(built_report: BuiltReport, tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    result = run_cli(
        built_report.build.env, "report", "--quiet", "--out", str(blocker / "insights.html")
    )
    assert_clean_error(result, "cannot write the report to", "--out")
