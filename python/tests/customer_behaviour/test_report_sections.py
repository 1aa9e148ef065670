"""The report's sections on a built target, in this process: they are independent of each other
(any build order gives the same report), they read exactly what the dbt exposure lists, the
segment breakdowns follow the dbt variable, and odd data ends in notices, never in a crash or
in `nan`/`inf` on the page."""

from __future__ import annotations

import json
import random
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from customer_behaviour.profile import load_target
from customer_behaviour.report.build import SECTIONS, build_sections, render_html
from support.analytics import run_cli
from support.build import Build, run_dbt
from support.report import BuiltReport, parse_report, report_data, visible_text

GENERATED_AT = datetime(2024, 5, 1, tzinfo=timezone.utc)
EXPOSURE = "exposure.customer_behaviour.insight_report"
NOT_A_NUMBER = re.compile(r"\b(nan|inf|infinity)\b|Traceback", re.IGNORECASE)
MIN_SEGMENT_SESSIONS = 30


def _html(build: Build, sections: list) -> str:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in build.env.items():
            patch.setenv(name, value)
        target = load_target(build.target)
    return render_html(sections, target, GENERATED_AT)


def _exposure(build: Build) -> dict:
    manifest = Path(build.env["DBT_TARGET_PATH"]) / "manifest.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["exposures"][EXPOSURE]


@pytest.mark.parametrize("build", ["duckdb"], indirect=True)
def test_the_sections_build_in_any_order_to_the_same_report(built_report: BuiltReport) -> None:
    """Conclusions first, evidence last, in a shuffled order: the same page, chart for chart."""
    shuffled = list(SECTIONS)
    # A seed that puts a conclusion first and evidence last (the assertion checks it).
    random.Random(2).shuffle(shuffled)
    assert shuffled[0].id == "insights", [section.id for section in shuffled]
    with report_data(built_report.build) as data:
        in_order = build_sections(data, say=lambda _: None)
    with report_data(built_report.build) as data:
        built = {s.id: s for s in build_sections(data, shuffled, say=lambda _: None)}
    reordered = [built[section.id] for section in SECTIONS]
    assert reordered == in_order
    assert _html(built_report.build, reordered) == _html(built_report.build, in_order)


def test_the_report_reads_exactly_what_its_exposure_lists(built_report: BuiltReport) -> None:
    exposure = _exposure(built_report.build)
    assert exposure["type"] in {"analysis", "dashboard"} and exposure["owner"]["name"]
    listed = {ref["name"] for ref in exposure["refs"]} | {
        f"{source}.{table}" for source, table in exposure["sources"]
    }
    with report_data(built_report.build) as data:
        build_sections(data, say=lambda _: None)
        assert data.read_names == listed


def test_the_report_shows_no_nan_inf_or_traceback(built_report: BuiltReport) -> None:
    text = visible_text(built_report.html)
    assert not NOT_A_NUMBER.findall(text), NOT_A_NUMBER.findall(text)[:5]


@pytest.mark.parametrize("build", ["duckdb"], indirect=True)
def test_the_segment_breakdowns_follow_the_dbt_variable(
    built_report: BuiltReport, tmp_path: Path
) -> None:
    """`dbt parse --vars` with two of the three funnel segments: the insights compare only
    those, and the worst-converting segment is the worst of them (pandas)."""
    build = built_report.build
    env = {**build.env, "DBT_TARGET_PATH": str(tmp_path / "target")}
    segments = ["device", "traffic_source"]
    run_dbt(env, "parse", "--vars", f"{{customer_behaviour__funnel_segments: {segments}}}")
    out = tmp_path / "insights.html"
    result = run_cli(env, "report", "--target", "duckdb", "--quiet", "--out", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    chart = re.search(
        r'<figure class="chart" id="chart-insights-segments">(.*?)</figure>', html, re.S
    )
    assert chart is not None
    labels = set(re.findall(r"\b(device|traffic_source|country): ", visible_text(chart.group(1))))
    assert labels == set(segments)

    sessions = build.frame("select device, traffic_source, did_purchase from marts.fct_sessions")
    sessions["did_purchase"] = sessions["did_purchase"].astype(bool)
    rates = []
    for column in segments:
        grouped = sessions.groupby(sessions[column].fillna("unknown"))["did_purchase"]
        for value, part in grouped:
            if len(part) >= MIN_SEGMENT_SESSIONS:
                rates.append((part.mean(), -len(part), column, str(value)))
    _, _, column, value = min(rates)
    card = parse_report(html).texts["insight-worst-segment"]
    assert card.startswith(f"{column.replace('_', ' ').capitalize()} {value} converts worst.")


@pytest.mark.parametrize("build", ["duckdb"], indirect=True)
def test_empty_marts_become_notices_not_nan(built_report: BuiltReport, tmp_path: Path) -> None:
    """Every mart and analytics table present but empty (a load with no usable row): the
    report is written, every section says what is missing, and no number reads nan or inf."""
    import duckdb

    build = built_report.build
    copy = tmp_path / "empty.duckdb"
    shutil.copy(build.duckdb_path, copy)
    with duckdb.connect(str(copy)) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('marts', 'analytics') and table_type = 'BASE TABLE'"
        ).fetchall()
        for schema, name in tables:
            connection.execute(f'delete from "{schema}"."{name}"')
    env = {**build.env, "CUSTOMER_BEHAVIOUR_DUCKDB_PATH": str(copy)}
    out = tmp_path / "empty.html"
    result = run_cli(env, "report", "--target", "duckdb", "--quiet", "--out", str(out))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    html = out.read_text(encoding="utf-8")
    parsed = parse_report(html)
    assert [section.id for section in parsed.sections] == [section.id for section in SECTIONS]
    notices = {section.id: section.notices for section in parsed.sections}
    assert any("holds no session" in notice for notice in notices["overview"])
    assert any("No insight could be generated" in notice for notice in notices["insights"])
    for section_id in (
        "features",
        "funnels",
        "sequences",
        "associations",
        "segmentation",
        "enrichment",
    ):
        assert notices[section_id], section_id
    assert not NOT_A_NUMBER.findall(visible_text(html)), NOT_A_NUMBER.findall(visible_text(html))


@pytest.mark.parametrize("build", ["duckdb"], indirect=True)
def test_enrichment_without_reference_data_says_what_to_run(
    built_report: BuiltReport, tmp_path: Path
) -> None:
    """Sessions whose countries have no reference data (enrich not run, or no ISO codes): the
    section's local-time, holiday and continent parts are one notice each, naming enrich."""
    import duckdb

    build = built_report.build
    copy = tmp_path / "no_reference.duckdb"
    shutil.copy(build.duckdb_path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("update marts.fct_sessions_local_time set has_local_time = false")
    env = {**build.env, "CUSTOMER_BEHAVIOUR_DUCKDB_PATH": str(copy)}
    out = tmp_path / "no_reference.html"
    result = run_cli(env, "report", "--target", "duckdb", "--quiet", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    html = out.read_text(encoding="utf-8")
    section = next(s for s in parse_report(html).sections if s.id == "enrichment")
    naming = [notice for notice in section.notices if "customer-behaviour enrich" in notice]
    assert len(naming) == 3, section.notices
    assert not NOT_A_NUMBER.findall(visible_text(html))


def test_the_holiday_paragraph_matches_pandas(built_report: BuiltReport) -> None:
    """The pooled holiday and ordinary-day conversion the report states, recomputed from the
    sessions in local time."""
    sessions = built_report.build.frame(
        "select is_public_holiday, did_purchase from marts.fct_sessions_local_time "
        "where is_public_holiday is not null"
    )
    holiday = sessions["is_public_holiday"].astype(bool)
    bought = sessions["did_purchase"].astype(bool)
    text = parse_report(built_report.html).texts["fact-holidays"]
    assert text.startswith(f"{holiday.sum():,} sessions in ")
    assert (
        f"converted at {bought[holiday].mean():.1%} against {bought[~holiday].mean():.1%}" in text
    )


def test_the_attribution_section_matches_pandas(
    built_report: BuiltReport, staged_reference: dict
) -> None:
    """The journeys paragraph and the models table, against the journeys recomputed from the
    raw CSVs (support/reference_attribution.py); the Markov table against the analytics
    table analyze wrote."""
    from support import reference
    from support import reference_attribution as ra

    touches = ra.touches(reference.sessions(staged_reference))
    paths = ra.paths(touches)
    converted = paths[paths["is_converted"]]
    texts = parse_report(built_report.html).texts
    journeys = texts["fact-attribution-paths"]
    assert journeys.startswith(
        f"Cutting each customer's sessions after every purchase gives {len(paths):,} journeys: "
        f"{len(converted):,} conversions and {len(paths) - len(converted):,} journeys"
    )
    assert f"{int(paths['is_anonymous'].sum()):,} of the journeys are anonymous" in journeys
    multi = (converted["path_length"] > 1).mean()
    assert f"{multi:.1%} of the conversions followed more than one visit" in journeys
    shares = ra.channel_attribution(touches)
    table = texts["table-attribution-models"]
    for row in shares[shares["attribution_model"] == "last_touch"].itertuples():
        assert f"{row.channel_group} " in table
    last = shares[shares["attribution_model"] == "last_touch"].set_index("channel_group")
    best = last["share_of_conversions"].idxmax()
    assert texts["fact-attribution-models"].startswith(
        f"Last touch credits {best} with the most conversions "
        f"({last.loc[best, 'share_of_conversions']:.1%})"
    )
    markov = built_report.build.frame("select * from analytics.channel_attribution_markov")
    top = markov.sort_values("share_of_conversions", ascending=False).iloc[0]
    text = texts["fact-attribution-markov"]
    assert f"fitted to the {len(paths):,} journeys" in text
    assert f"Without {top['channel_group']}, {float(top['removal_effect']):.1%}" in text
    assert f"95% interval {float(top['share_low']):.1%} – {float(top['share_high']):.1%}" in text
