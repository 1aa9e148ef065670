"""``customer-behaviour report``: the insight report, one self-contained HTML file.

The report tells the story of the source documents for people who will not open DBeaver:
data overview, cleaning and transformation (with the data-quality figures), feature
engineering, behaviour funnels, sequence analysis, product associations, customer
segmentation, insights, recommendations and next steps. It is built from the marts and the
analytics tables of one dbt target, found through dbt's manifest like every other part of the
Python layer. Every number in the text is computed from those tables when the report is
written; insights and recommendations are generated from the results and each says how sure
it is (95% Wilson intervals for rates, two-proportion tests with a Bonferroni adjustment when
the worst of many segments is singled out, the confidence intervals and p-values of the
analytics tables). A table that is missing (for example ``analyze`` has not run yet) turns
its part of the report into a notice saying what to run; the rest is still written.

Charting library: matplotlib, each chart rendered to SVG and inlined in the page. Why:

* self-contained by construction: the SVG is markup inside the HTML file, so the report opens
  offline, from an e-mail attachment or a file share, with no JavaScript, CDN or fonts to
  fetch (libraries that write standalone HTML, such as Plotly or Bokeh, either embed a
  multi-megabyte JavaScript bundle per file or load it from a CDN);
* vector output that stays sharp when zoomed and prints well (stakeholders print reports);
* text in the SVG stays text (``svg.fonttype = none``), so numbers on charts are searchable
  and the file stays small;
* matplotlib is already a dependency of the analytics layer and draws everything needed here,
  including a hand-made Sankey flow and heat maps, so no new package is installed.

The price is no interactivity (no hover tool-tips); every chart states its key numbers in the
text next to it instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from customer_behaviour import report_charts as charts
from customer_behaviour.errors import UserError
from customer_behaviour.manifest import BUILD_HINT, Manifest, Relation, load_manifest
from customer_behaviour.profile import WarehouseTarget, load_target
from customer_behaviour.report_stats import (
    Certainty,
    certainty_from_p,
    exact_certainty,
    fmt_date,
    fmt_int,
    fmt_month,
    fmt_num,
    fmt_pct,
    fmt_pp,
    fmt_ratio,
    fmt_usd,
    format_p,
    is_missing,
    two_proportion_test,
    wilson_interval,
)
from customer_behaviour.warehouse import Warehouse, connect

TEMPLATE = "insights.html.j2"

SESSION_COLUMNS = (
    "session_id",
    "customer_id",
    "session_start_at",
    "device",
    "traffic_source",
    "country",
    "session_seconds",
    "first_event_delay_seconds",
    "event_count",
    "events_per_minute",
    "did_purchase",
    "n_orders",
    "amount_usd",
)
MARTS_READ = (
    "fct_sessions",
    "dq_load_summary",
    "fct_funnel",
    "fct_funnel_daily",
    "fct_funnel_time_to_convert",
    "fct_session_paths",
    "fct_path_transitions",
    "fct_step_transitions_by_position",
    "fct_product_funnel",
    "fct_conversion_levels",
    "fct_customer_rfm",
    "fct_cohort_retention",
    "fct_repeat_purchase",
    "fct_purchase_styles",
)
"""Every mart the report reads; the dbt exposure insight_report lists the same."""
ANALYTICS_READ = (
    "association_rules",
    "association_diagnostics",
    "conversion_drivers",
    "spend_drivers",
    "purchase_style_comparison",
    "experiment_sizing",
    "path_removal_effects",
)
"""Every table of the dbt source analytics the report reads (also in the exposure)."""
EXPOSURE_HINT = (
    "add it to MARTS_READ / ANALYTICS_READ and to models/exposures/_report__exposures.yml"
)
SEGMENT_COLUMNS = ("device", "traffic_source", "country")
"""The session breakdowns compared in the insights (columns of fct_sessions)."""
MIN_SEGMENT_SESSIONS = 30
"""Segments with fewer sessions are shown but never singled out as best or worst."""
TOP_PATHS = 12
TOP_TRANSITIONS = 25
MIN_PATH_SESSIONS = 10


class MissingData(Exception):
    """A table a part of the report needs is not there; the message says what to run."""


# --------------------------------------------------------------------------------------------
# What the report is made of


@dataclass
class Paragraph:
    """A paragraph of generated text; ``key`` gives it a stable id (fact-<key>) for tests."""

    text: str
    key: str | None = None


@dataclass
class Chart:
    """An inline SVG chart with its caption."""

    key: str
    svg: str
    caption: str


@dataclass
class Table:
    """A small HTML table: headers, rows of already formatted cells, and a caption."""

    headers: list[str]
    rows: list[list[str]]
    caption: str = ""
    key: str | None = None
    text_columns: int = 1
    """How many leading columns hold text (left-aligned); the others are numbers."""


@dataclass
class Insight:
    """A generated insight: a headline, the evidence, and how sure it is."""

    key: str
    headline: str
    evidence: str
    certainty: Certainty


@dataclass
class Recommendation:
    """A generated recommendation, the insight it rests on, and its certainty."""

    key: str
    action: str
    reason: str
    certainty: Certainty


@dataclass
class Block:
    """One part of a section; built on its own so a missing table only blanks this part."""

    heading: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    insights: list[Insight] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A numbered section of the report."""

    id: str
    title: str
    lead: str
    blocks: list[Block]

    @property
    def charts(self) -> list[Chart]:
        return [chart for block in self.blocks for chart in block.charts]

    @property
    def notices(self) -> list[str]:
        return [notice for block in self.blocks for notice in block.notices]


@dataclass
class Findings:
    """Results the sections hand on to the insights and recommendations."""

    period_days: int | None = None
    funnel_leak: dict[str, Any] | None = None
    segment_leak: dict[str, Any] | None = None
    worst_segment: dict[str, Any] | None = None
    trend: dict[str, Any] | None = None
    drivers: dict[str, Any] | None = None
    spend: dict[str, Any] | None = None
    levels: dict[str, Any] | None = None
    styles: dict[str, Any] | None = None
    baskets: dict[str, Any] | None = None
    removal: dict[str, Any] | None = None
    rfm: dict[str, Any] | None = None
    retention: dict[str, Any] | None = None
    repeat: dict[str, Any] | None = None
    experiment: dict[str, Any] | None = None
    insights: list[Insight] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Reading the tables


class ReportData:
    """The marts and analytics tables of one target, read once each, by dbt name."""

    def __init__(self, warehouse: Warehouse, manifest: Manifest, target: WarehouseTarget):
        self.warehouse = warehouse
        self.manifest = manifest
        self.target = target
        self._cache: dict[tuple[str, tuple[str, ...] | None], pd.DataFrame] = {}
        self._analytics = manifest.analytics_tables()

    def _read(self, relation: Relation, columns: Sequence[str] | None, what: str) -> pd.DataFrame:
        key = (str(relation), tuple(columns) if columns else None)
        if key not in self._cache:
            if not self.warehouse.exists(relation):
                raise MissingData(f"{relation} does not exist yet: {what}")
            if columns:
                available = set(self.warehouse.column_names(relation))
                missing = [column for column in columns if column not in available]
                if missing:
                    raise MissingData(
                        f"{relation} lacks column(s) {', '.join(missing)}: it was built by an "
                        f"older version; {what}"
                    )
            self._cache[key] = self.warehouse.read(relation, columns)
        return self._cache[key].copy()

    def model(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A mart by model name; MissingData when the project or the target lacks it."""
        if name not in MARTS_READ:
            raise ValueError(f"the report reads {name}: {EXPOSURE_HINT}")
        rebuild = f"run `make run TARGET={self.target.target_name}` (or `dbt build`)"
        if not self.manifest.has_model(name):
            raise MissingData(f"the dbt project has no model {name} here; {rebuild}")
        return self._read(self.manifest.model(name), columns, rebuild)

    def analytics(self, name: str) -> pd.DataFrame:
        """A table of the dbt source ``analytics``; MissingData until ``analyze`` has run."""
        analyze = (
            f"run `customer-behaviour analyze --target {self.target.target_name}` "
            "(`make run` does it)"
        )
        if name not in ANALYTICS_READ:
            raise ValueError(f"the report reads analytics.{name}: {EXPOSURE_HINT}")
        if name not in self._analytics:
            raise MissingData(f"source analytics declares no table {name}; {BUILD_HINT}")
        return self._read(self._analytics[name].relation, None, analyze)

    def sessions(self) -> pd.DataFrame:
        frame = self.model("fct_sessions", SESSION_COLUMNS)
        for column in (
            "session_seconds",
            "first_event_delay_seconds",
            "event_count",
            "events_per_minute",
            "n_orders",
            "amount_usd",
        ):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        frame["did_purchase"] = frame["did_purchase"].astype(bool)
        frame["session_start_at"] = pd.to_datetime(frame["session_start_at"])
        return frame


def _missing_notice(missing: MissingData) -> str:
    """The notice a part of the report shows instead of its content."""
    return f"This part is missing: {missing}."


def _numeric(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The given columns as floats (PostgreSQL and DuckDB return different Python types)."""
    for column in columns:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def _chart(key: str, figure: Any, caption: str) -> Chart:
    return Chart(key=key, svg=charts.to_svg(figure, key, caption), caption=caption)


def _rate_table(frame: pd.DataFrame, successes: str, trials: str) -> pd.DataFrame:
    """Adds rate, low and high (95% Wilson) from two count columns."""
    frame = frame.copy()
    bounds = [
        wilson_interval(float(k), float(n))
        for k, n in zip(frame[successes], frame[trials], strict=True)
    ]
    frame["rate"] = [
        float(k) / float(n) if float(n) > 0 else math.nan
        for k, n in zip(frame[successes], frame[trials], strict=True)
    ]
    frame["low"] = [low for low, _ in bounds]
    frame["high"] = [high for _, high in bounds]
    return frame


def _join_words(items: Sequence[str]) -> str:
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _arrow(from_step: str, to_step: str) -> str:
    return f"{from_step} → {to_step}"


# --------------------------------------------------------------------------------------------
# 1. Data overview


def overview_block(data: ReportData, findings: Findings) -> Block:
    sessions = data.sessions()
    block = Block()
    n_sessions = len(sessions)
    if n_sessions == 0:
        block.notices.append("fct_sessions holds no session: load data and rebuild.")
        return block
    first = sessions["session_start_at"].min()
    last = sessions["session_start_at"].max()
    days = (last.normalize() - first.normalize()).days + 1
    findings.period_days = days
    n_purchase = int(sessions["did_purchase"].sum())
    identified = sessions["customer_id"].notna()
    block.paragraphs.append(
        Paragraph(
            f"The data covers {fmt_int(days)} days of sessions, from {fmt_date(first)} to "
            f"{fmt_date(last)} (UTC): {fmt_int(n_sessions)} sessions with "
            f"{fmt_int(sessions['event_count'].sum())} events, of which "
            f"{fmt_int(n_purchase)} ({fmt_pct(n_purchase / n_sessions)}) placed a completed "
            f"order, for {fmt_usd(sessions['amount_usd'].sum())} of revenue.",
            key="overview-totals",
        )
    )
    block.paragraphs.append(
        Paragraph(
            f"{fmt_int(identified.sum())} sessions ({fmt_pct(identified.mean())}) belong to "
            f"{fmt_int(sessions.loc[identified, 'customer_id'].nunique())} identified customers; "
            f"the other {fmt_int((~identified).sum())} are anonymous visitors.",
            key="overview-visitors",
        )
    )
    shares = []
    for column, label in (
        ("device", "devices"),
        ("traffic_source", "traffic sources"),
        ("country", "countries"),
    ):
        counts = sessions[column].fillna("unknown").value_counts()
        shares.append(
            f"{counts.index[0]} leads the {fmt_int(len(counts))} {label} with "
            f"{fmt_pct(counts.iloc[0] / n_sessions)}"
        )
    block.paragraphs.append(
        Paragraph(f"Of all sessions, {_join_words(shares)}.", key="overview-mix")
    )
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
    block.charts.append(
        _chart(
            "overview-daily",
            charts.daily_sessions(daily),
            "Sessions per day, stacked by device (marts.fct_sessions).",
        )
    )
    return block


# --------------------------------------------------------------------------------------------
# 2. Cleaning and transformation: data quality


def quality_block(data: ReportData, findings: Findings) -> Block:
    summary = _numeric(
        data.model("dq_load_summary"),
        "n_rows",
        "raw_rows",
        "accepted_rows",
        "rejected_rows",
        "table_order",
    )
    block = Block(heading="Data quality: every raw row accounted for")
    tables = summary.drop_duplicates("source_table").sort_values("table_order")
    raw = tables["raw_rows"].sum()
    accepted = tables["accepted_rows"].sum()
    rejected = tables["rejected_rows"].sum()
    balanced = bool((tables["raw_rows"] == tables["accepted_rows"] + tables["rejected_rows"]).all())
    balance_text = (
        "For every file, raw rows = accepted + rejected: nothing was dropped silently."
        if balanced
        else "Warning: for some files raw rows differ from accepted + rejected; check "
        "dq_load_summary before trusting the figures below."
    )
    block.paragraphs.append(
        Paragraph(
            f"{fmt_int(raw)} raw rows were read from the {fmt_int(len(tables))} input files; "
            f"{fmt_int(accepted)} ({fmt_pct(accepted / raw if raw else math.nan)}) passed "
            f"every check and {fmt_int(rejected)} "
            f"({fmt_pct(rejected / raw if raw else math.nan, 2)}) were quarantined in "
            f"marts.dq_rejected_rows with their reason. {balance_text}",
            key="dq-totals",
        )
    )
    reasons = summary[summary["outcome"] != "accepted"]
    if len(reasons):
        by_reason = reasons.groupby("outcome")["n_rows"].sum().sort_values(ascending=False)
        top_reason = by_reason.index[0]
        in_tables = sorted(reasons.loc[reasons["outcome"] == top_reason, "source_table"])
        worst = tables.assign(share=tables["rejected_rows"] / tables["raw_rows"]).sort_values(
            "share", ascending=False
        )
        block.paragraphs.append(
            Paragraph(
                f"{fmt_int(len(by_reason))} different reasons occur. The most frequent is "
                f"{top_reason} ({fmt_int(by_reason.iloc[0])} rows, in "
                f"{_join_words(in_tables)}); the file with the highest rejected share is "
                f"{worst['source_table'].iloc[0]} ({fmt_pct(worst['share'].iloc[0], 2)} of its "
                "rows).",
                key="dq-reasons",
            )
        )
        block.charts.append(
            _chart(
                "dq-reasons",
                charts.rejected_by_reason(reasons),
                "Rejected rows by reason and input file (marts.dq_load_summary).",
            )
        )
    else:
        block.paragraphs.append(Paragraph("No row was rejected.", key="dq-reasons"))
    block.tables.append(
        Table(
            headers=["input file", "raw rows", "accepted", "rejected", "rejected share"],
            rows=[
                [
                    str(row.source_table),
                    fmt_int(row.raw_rows),
                    fmt_int(row.accepted_rows),
                    fmt_int(row.rejected_rows),
                    fmt_pct(row.rejected_rows / row.raw_rows if row.raw_rows else math.nan, 2),
                ]
                for row in tables.itertuples(index=False)
            ],
            caption="Load outcome per input file.",
            key="dq-files",
        )
    )
    return block


def cleaning_rules_block(data: ReportData, findings: Findings) -> Block:
    block = Block(heading="How the raw files become the marts")
    block.bullets = [
        "Staging reads every column as text, trims it, converts timestamps to UTC and "
        "lower-cases categories; unknown devices, traffic sources and countries become "
        "'unknown' instead of being rejected.",
        "A row is rejected, with its reason, when its key or timestamp is missing or "
        "unparseable, a quantity or price is invalid, a reference points nowhere, or it "
        "duplicates another row; e-mail addresses are replaced by a salted hash.",
        "Intermediate models validate references, order each session's events and evaluate "
        "the funnel; the marts are wide tables per entity (sessions, customers, baskets) "
        "that this report and DBeaver users read.",
    ]
    return block


# --------------------------------------------------------------------------------------------
# 3. Feature engineering


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
    return _rate_table(grouped, "sum", "count")


def session_features_block(data: ReportData, findings: Findings) -> Block:
    sessions = data.sessions()
    active = sessions[sessions["event_count"] > 0]
    block = Block(heading="The session features")
    block.paragraphs.append(
        Paragraph(
            "Every session becomes one row of marts.fct_sessions, the gold table: time "
            "features (session_seconds, first_event_delay_seconds), engagement (event_count, "
            "events_per_minute and a count per event type), the funnel step reached, and the "
            "outcome (did_purchase, n_orders, amount_usd)."
        )
    )
    if active.empty:
        block.notices.append("No session has events, so there is nothing to compare.")
        return block
    buyers = active[active["did_purchase"]]
    others = active[~active["did_purchase"]]
    events_b, events_o = buyers["event_count"].median(), others["event_count"].median()
    seconds_b, seconds_o = buyers["session_seconds"].median(), others["session_seconds"].median()
    block.paragraphs.append(
        Paragraph(
            f"Among the {fmt_int(len(active))} sessions with at least one event, the "
            f"{fmt_int(len(buyers))} that purchased have a median of {fmt_num(events_b, 0)} "
            f"events against {fmt_num(events_o, 0)} for the others, and last a median of "
            f"{fmt_int(seconds_b)} seconds against {fmt_int(seconds_o)}.",
            key="features-medians",
        )
    )
    panels = [
        ("by number of events", _buckets(active["event_count"], active["did_purchase"], 7, "")),
        (
            "by time on site",
            _buckets(active["session_seconds"], active["did_purchase"], 7, " s"),
        ),
    ]
    block.charts.append(
        _chart(
            "features-buckets",
            charts.rate_by_bucket(panels),
            "Share of sessions that purchased, by equal-count buckets of the number of events "
            "and of the time on site (bars: 95% Wilson intervals).",
        )
    )
    return block


def _term_frame(frame: pd.DataFrame) -> pd.DataFrame:
    terms = frame[frame["term"] != "intercept"].copy()
    terms = _numeric(terms, "coef", "ci_low", "ci_high", "p_value")
    terms["estimate"] = np.exp(terms["coef"])
    terms["low"] = np.exp(terms["ci_low"])
    terms["high"] = np.exp(terms["ci_high"])
    return terms.reset_index(drop=True)


def _term_notes(frame: pd.DataFrame) -> list[str]:
    """The notes of a driver table (collinearity warnings), one per term that has one."""
    model = {"conversion_logit": "purchase model", "spend_ols_log_amount": "spend model"}
    return [
        f"{model.get(str(row.model), str(row.model))}, {row.term}: {row.note}."
        for row in frame.itertuples(index=False)
        if not is_missing(row.note) and str(row.note).strip()
    ]


def drivers_block(data: ReportData, findings: Findings) -> Block:
    conversion = _numeric(
        data.analytics("conversion_drivers"),
        "coef",
        "ci_low",
        "ci_high",
        "p_value",
        "raw_std",
        "n_obs",
        "n_clusters",
        "pseudo_r_squared",
    )
    block = Block(heading="What drives purchase and spend")
    if conversion.empty:
        block.notices.append(
            "analytics.conversion_drivers is empty: too few sessions to fit the model."
        )
        return block
    terms = conversion.set_index("term")

    def effect(term: str, label: str) -> str:
        if term not in terms.index:
            return f"{label}: not in the model"
        row = terms.loc[term]
        return (
            f"one standard deviation more {label} ({fmt_num(row['raw_std'], 1)}) multiplies the "
            f"odds of purchase by {fmt_num(math.exp(row['coef']))} (95% CI "
            f"{fmt_num(math.exp(row['ci_low']))} to {fmt_num(math.exp(row['ci_high']))}, "
            f"p {format_p(row['p_value'])})"
        )

    block.paragraphs.append(
        Paragraph(
            f"A logistic regression over {fmt_int(terms['n_obs'].iloc[0])} sessions "
            f"(standard errors clustered by customer, {fmt_int(terms['n_clusters'].iloc[0])} "
            f"clusters) asks who purchases: {effect('event_count', 'events')}; "
            f"{effect('session_seconds', 'seconds on site')}; "
            f"{effect('first_event_delay_seconds', 'seconds before the first event')}, "
            "each with the other terms, device and traffic source held equal. McFadden's "
            f"pseudo R² is {fmt_num(terms['pseudo_r_squared'].iloc[0])}.",
            key="drivers-conversion",
        )
    )
    findings.drivers = {"terms": terms}
    notes = _term_notes(conversion)
    panels = [("Who purchases", "odds ratio (per SD, or vs reference)", _term_frame(conversion))]
    try:
        spend = _numeric(
            data.analytics("spend_drivers"),
            "coef",
            "ci_low",
            "ci_high",
            "p_value",
            "raw_std",
            "n_obs",
            "r_squared",
        )
    except MissingData as missing:
        block.notices.append(_missing_notice(missing))
        spend = pd.DataFrame()
    if not spend.empty:
        spend_terms = spend.set_index("term")

        def spend_effect(term: str, label: str) -> str:
            if term not in spend_terms.index:
                return f"{label}: not in the model"
            row = spend_terms.loc[term]
            return (
                f"{fmt_pct(math.exp(row['coef']) - 1)} per standard deviation more {label} "
                f"(95% CI {fmt_pct(math.exp(row['ci_low']) - 1)} to "
                f"{fmt_pct(math.exp(row['ci_high']) - 1)}, p {format_p(row['p_value'])})"
            )

        block.paragraphs.append(
            Paragraph(
                f"Among the {fmt_int(spend_terms['n_obs'].iloc[0])} purchasing sessions, a "
                "regression of log spend asks who spends more: spend changes by "
                f"{spend_effect('event_count', 'events')} and by "
                f"{spend_effect('session_seconds', 'seconds on site')}. The model explains "
                f"{fmt_pct(spend_terms['r_squared'].iloc[0])} of the variation in log spend, "
                "so most of what a buyer spends is not explained by how they browse.",
                key="drivers-spend",
            )
        )
        findings.spend = {"terms": spend_terms}
        notes += _term_notes(spend)
        panels.append(("Who spends more", "spend ratio (per SD)", _term_frame(spend)))
    if notes:
        block.bullets = list(dict.fromkeys(notes))
    block.charts.append(
        _chart(
            "drivers-coefficients",
            charts.coefficient_forest(panels),
            "Regression coefficients as multiplicative effects with 95% confidence intervals "
            "(analytics.conversion_drivers, analytics.spend_drivers); 1 = no effect, blue = "
            "p < 0.05, grey = not distinguishable from no effect.",
        )
    )
    return block


# --------------------------------------------------------------------------------------------
# 4. Behaviour funnels


def _funnel(data: ReportData) -> pd.DataFrame:
    frame = _numeric(
        data.model("fct_funnel"),
        "step_number",
        "segment_sessions",
        "sessions",
        "conversion_from_previous",
        "conversion_from_start",
        "drop_off_from_previous",
    )
    return frame.sort_values(["segment_type", "segment_value", "step_number"])


def _transitions(funnel: pd.DataFrame) -> pd.DataFrame:
    """One row per segment and step after the first: sessions before, after, lost."""
    frame = funnel.copy()
    group = frame.groupby(["segment_type", "segment_value"], sort=False)
    frame["previous_sessions"] = group["sessions"].shift(1)
    frame["previous_step"] = group["step_name"].shift(1)
    frame = frame[frame["previous_sessions"].notna() & (frame["previous_sessions"] > 0)].copy()
    frame["lost"] = frame["previous_sessions"] - frame["sessions"]
    frame["drop_off"] = frame["lost"] / frame["previous_sessions"]
    frame["transition"] = [
        _arrow(a, b) for a, b in zip(frame["previous_step"], frame["step_name"], strict=True)
    ]
    return frame


def funnel_block(data: ReportData, findings: Findings) -> Block:
    funnel = _funnel(data)
    overall = funnel[funnel["segment_type"] == "overall"].sort_values("step_number")
    block = Block(heading="The funnel")
    if overall.empty or overall["segment_sessions"].iloc[0] == 0:
        block.notices.append("fct_funnel has no overall funnel (no sessions).")
        return block
    steps = list(overall.itertuples(index=False))
    reached = [
        f"{fmt_int(step.sessions)} ({fmt_pct(step.conversion_from_start)}) reached {step.step_name}"
        for step in steps[1:]
    ]
    block.paragraphs.append(
        Paragraph(
            f"Of {fmt_int(steps[0].segment_sessions)} sessions, {fmt_int(steps[0].sessions)} "
            f"reached {steps[0].step_name}; of those, {_join_words(reached)}. A session counts "
            "at a step only if it reached every step before it, in order.",
            key="funnel-overall",
        )
    )
    transitions = _transitions(overall)
    leak = transitions.sort_values(["lost", "step_number"], ascending=[False, True]).iloc[0]
    low, high = wilson_interval(leak["lost"], leak["previous_sessions"])
    findings.funnel_leak = {
        "transition": leak["transition"],
        "from": leak["previous_step"],
        "lost": leak["lost"],
        "previous": leak["previous_sessions"],
        "drop_off": leak["drop_off"],
        "low": low,
        "high": high,
    }
    block.paragraphs.append(
        Paragraph(
            f"The step that loses most sessions is {leak['transition']}: "
            f"{fmt_int(leak['lost'])} sessions, {fmt_pct(leak['drop_off'])} of the "
            f"{fmt_int(leak['previous_sessions'])} that reached {leak['previous_step']} "
            f"(95% interval {fmt_pct(low)} to {fmt_pct(high)}).",
            key="funnel-biggest-loss",
        )
    )
    block.charts.append(
        _chart(
            "funnel-overall",
            charts.funnel_bars(overall),
            "Sessions reaching each funnel step, with the share continuing and dropping off "
            "(marts.fct_funnel, overall).",
        )
    )
    try:
        timing = _numeric(
            data.model("fct_funnel_time_to_convert"),
            "step_number",
            "converted_sessions",
            "median_seconds_to_convert",
            "p90_seconds_to_convert",
            "mean_seconds_to_convert",
        )
    except MissingData as missing:
        block.notices.append(_missing_notice(missing))
        return block
    timing = timing[timing["segment_type"] == "overall"].sort_values("step_number")
    if not timing.empty:
        last = timing.iloc[-1]
        block.paragraphs.append(
            Paragraph(
                f"Sessions that get there take a median of "
                f"{fmt_int(last['median_seconds_to_convert'])} seconds from the first "
                f"{steps[0].step_name} to {last['step_name']}; 90% of them within "
                f"{fmt_int(last['p90_seconds_to_convert'])} seconds.",
                key="funnel-timing",
            )
        )
        block.tables.append(
            Table(
                headers=["step", "sessions", "median seconds", "90th percentile", "mean"],
                rows=[
                    [
                        str(row.step_name),
                        fmt_int(row.converted_sessions),
                        fmt_int(row.median_seconds_to_convert),
                        fmt_int(row.p90_seconds_to_convert),
                        fmt_int(row.mean_seconds_to_convert),
                    ]
                    for row in timing.itertuples(index=False)
                ],
                caption="Time from the first funnel step to each later step "
                "(marts.fct_funnel_time_to_convert).",
            )
        )
    return block


def _segment_leak(transitions: pd.DataFrame) -> dict[str, Any] | None:
    """The segment and step that lose most sessions beyond the overall drop-off rate, with a
    two-proportion test of the segment against all other sessions (the same logic as
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
    return {
        "segment_type": worst["segment_type"],
        "segment_value": worst["segment_value"],
        "transition": worst["transition"],
        "drop_off": worst["drop_off"],
        "overall_drop_off": worst["overall_drop_off"],
        "rest_drop_off": test.rate_b,
        "gap": worst["gap"],
        "excess": worst["excess"],
        "previous": worst["previous_sessions"],
        "test": test,
        "certainty": certainty_from_p(test.p_value, comparisons=len(segments)),
    }


def funnel_segments_block(data: ReportData, findings: Findings) -> Block:
    funnel = _funnel(data)
    transitions = _transitions(funnel)
    block = Block(heading="Drop-off by device and by country")
    leak = _segment_leak(transitions)
    findings.segment_leak = leak
    if leak is not None:
        block.paragraphs.append(
            Paragraph(
                f"Compared with all sessions, the largest excess loss is at "
                f"{leak['transition']} for {leak['segment_type']} {leak['segment_value']}: "
                f"{fmt_pct(leak['drop_off'])} of its {fmt_int(leak['previous'])} sessions drop "
                f"off there against {fmt_pct(leak['overall_drop_off'])} overall, about "
                f"{fmt_int(leak['excess'])} sessions more than the overall rate would lose. "
                f"{leak['certainty'].text}",
                key="funnel-worst-segment",
            )
        )
    for segment_type, label in (("device", "device"), ("country", "country")):
        part = transitions[transitions["segment_type"] == segment_type]
        if part.empty:
            block.notices.append(f"fct_funnel has no breakdown by {segment_type}.")
            continue
        rates = _rate_table(part, "lost", "previous_sessions")
        block.charts.append(
            _chart(
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
        )
        spread = (
            part.groupby("transition", sort=False)["drop_off"]
            .agg(["min", "max", "idxmin", "idxmax"])
            .assign(width=lambda frame: frame["max"] - frame["min"])
            .sort_values("width", ascending=False)
        )
        widest = spread.iloc[0]
        block.paragraphs.append(
            Paragraph(
                f"By {label}, drop-off differs most at {spread.index[0]}: from "
                f"{fmt_pct(widest['min'])} ({part.loc[widest['idxmin'], 'segment_value']}) to "
                f"{fmt_pct(widest['max'])} ({part.loc[widest['idxmax'], 'segment_value']}).",
                key=f"funnel-{segment_type}-spread",
            )
        )
    return block


def funnel_trend_block(data: ReportData, findings: Findings) -> Block:
    daily = _numeric(data.model("fct_funnel_daily"), "step_number", "day_sessions", "sessions")
    block = Block(heading="Conversion over time")
    if daily.empty:
        block.notices.append("fct_funnel_daily is empty.")
        return block
    first_step = daily["step_number"].min()
    last_step = daily["step_number"].max()
    last_name = daily.loc[daily["step_number"] == last_step, "step_name"].iloc[0]
    first_name = daily.loc[daily["step_number"] == first_step, "step_name"].iloc[0]
    per_day = (
        daily[daily["step_number"] == first_step][["session_date", "sessions"]]
        .rename(columns={"sessions": "started"})
        .merge(
            daily[daily["step_number"] == last_step][["session_date", "sessions"]].rename(
                columns={"sessions": "converted"}
            ),
            on="session_date",
        )
    )
    per_day["session_date"] = pd.to_datetime(per_day["session_date"])
    per_day = per_day.sort_values("session_date").reset_index(drop=True)
    per_day = _rate_table(per_day, "converted", "started")
    rolling = per_day["converted"].rolling(7, min_periods=1).sum() / per_day["started"].rolling(
        7, min_periods=1
    ).sum().replace(0, np.nan)
    per_day["rolling"] = rolling
    block.charts.append(
        _chart(
            "funnel-trend",
            charts.conversion_over_time(per_day),
            f"Daily share of sessions that went from {first_name} to {last_name}, its 7-day "
            "average and each day's 95% interval (marts.fct_funnel_daily).",
        )
    )
    window = max(1, min(14, len(per_day) // 2))
    head, tail = per_day.head(window), per_day.tail(window)
    test = two_proportion_test(
        tail["converted"].sum(),
        tail["started"].sum(),
        head["converted"].sum(),
        head["started"].sum(),
    )
    certainty = certainty_from_p(test.p_value)
    direction = "up" if test.rate_a > test.rate_b else "down"
    findings.trend = {
        "window": window,
        "first": test.rate_b,
        "last": test.rate_a,
        "certainty": certainty,
    }
    valid = per_day[per_day["started"] > 0]
    block.paragraphs.append(
        Paragraph(
            f"Day by day, {first_name} → {last_name} conversion ranged from "
            f"{fmt_pct(valid['rate'].min())} to {fmt_pct(valid['rate'].max())}. Over the first "
            f"{fmt_int(window)} days it was {fmt_pct(test.rate_b)}, over the last "
            f"{fmt_int(window)} days {fmt_pct(test.rate_a)} ({direction} "
            f"{fmt_pp(abs(test.rate_a - test.rate_b))}). {certainty.text}",
            key="funnel-trend",
        )
    )
    return block


# --------------------------------------------------------------------------------------------
# 5. Sequence analysis


def paths_block(data: ReportData, findings: Findings) -> Block:
    paths = _numeric(
        data.model("fct_session_paths"),
        "sessions",
        "share_of_sessions",
        "purchase_sessions",
        "purchase_rate",
        "path_rank",
        "path_length",
    ).sort_values("path_rank")
    block = Block(heading="The most common paths")
    if paths.empty:
        block.notices.append("fct_session_paths is empty (no session has events).")
        return block
    total = paths["sessions"].sum()
    top10 = paths.head(10)["sessions"].sum()
    first = paths.iloc[0]
    single = paths[paths["path_length"] == 1]
    block.paragraphs.append(
        Paragraph(
            f"The {fmt_int(total)} sessions with events took {fmt_int(len(paths))} distinct "
            f"paths (consecutive repeats of a step collapsed); the ten most common cover only "
            f"{fmt_pct(top10 / total)} of sessions. The most common path, '{first['path']}', "
            f"is taken by {fmt_int(first['sessions'])} sessions "
            f"({fmt_pct(first['share_of_sessions'])}). Single-step paths account for "
            f"{fmt_pct(single['sessions'].sum() / total)} of sessions, and "
            f"{fmt_int(single['purchase_sessions'].sum())} of them purchased.",
            key="paths-top",
        )
    )
    block.charts.append(
        _chart(
            "paths-top",
            charts.top_paths(paths.head(TOP_PATHS)),
            f"The {TOP_PATHS} most common session paths, with the share of their sessions "
            "that purchased (marts.fct_session_paths).",
        )
    )
    frequent = _rate_table(
        paths[paths["sessions"] >= MIN_PATH_SESSIONS], "purchase_sessions", "sessions"
    )
    converting = frequent[frequent["purchase_sessions"] > 0].sort_values(
        ["low", "sessions"], ascending=[False, False]
    )
    if not converting.empty:
        block.tables.append(
            Table(
                headers=["path", "sessions", "purchased", "rate", "95% interval"],
                rows=[
                    [
                        str(row.path),
                        fmt_int(row.sessions),
                        fmt_int(row.purchase_sessions),
                        fmt_pct(row.rate),
                        f"{fmt_pct(row.low)} – {fmt_pct(row.high)}",
                    ]
                    for row in converting.head(5).itertuples(index=False)
                ],
                caption=f"Best-converting paths taken by at least {MIN_PATH_SESSIONS} sessions, "
                "ranked by the lower bound of their 95% interval "
                "(analyses/top_converting_paths.sql gives the same in SQL).",
                key="paths-converting",
            )
        )
    return block


def transitions_block(data: ReportData, findings: Findings) -> Block:
    transitions = _numeric(
        data.model("fct_path_transitions"),
        "transitions",
        "from_step_transitions",
        "transition_probability",
    )
    block = Block(heading="How sessions move between steps")
    if transitions.empty:
        block.notices.append("fct_path_transitions is empty.")
        return block
    top = transitions.sort_values("transitions", ascending=False).head(TOP_TRANSITIONS)
    moves = transitions[~transitions["from_step"].isin(["(start)"])]
    first = moves.sort_values("transitions", ascending=False).iloc[0]
    exits = transitions[
        (transitions["to_step"] == "(exit)") & (transitions["from_step_transitions"] >= 30)
    ].sort_values("transition_probability", ascending=False)
    text = (
        f"Between steps, the most frequent move is {_arrow(first['from_step'], first['to_step'])} "
        f"({fmt_int(first['transitions'])} times, {fmt_pct(first['transition_probability'])} of "
        f"the moves out of {first['from_step']})."
    )
    if not exits.empty:
        text += (
            f" Sessions leave most often from {exits.iloc[0]['from_step']}: "
            f"{fmt_pct(exits.iloc[0]['transition_probability'])} of the moves out of it end the "
            "session."
        )
    block.paragraphs.append(Paragraph(text, key="transitions-top"))
    block.charts.append(
        _chart(
            "transitions-flow",
            charts.transition_flow(top),
            f"The {len(top)} most frequent transitions between steps, from '(start)' to "
            "'(conversion)' or '(exit)'; band width = number of transitions "
            "(marts.fct_path_transitions).",
        )
    )
    return block


def step_matrix_block(data: ReportData, findings: Findings) -> Block:
    matrix = _numeric(
        data.model("fct_step_transitions_by_position"),
        "step_position",
        "sessions",
        "sessions_at_position",
        "share_of_position",
        "share_of_sessions",
    )
    block = Block(heading="The step matrix")
    if matrix.empty:
        block.notices.append("fct_step_transitions_by_position is empty.")
        return block
    pivot = matrix.pivot_table(
        index="step_label", columns="step_position", values="share_of_position", aggfunc="sum"
    )
    order = matrix.groupby("step_label")["sessions"].sum().sort_values(ascending=False).index
    pivot = pivot.loc[order]
    pivot.columns = [int(column) for column in pivot.columns]
    at_position = (
        matrix.sort_values("step_position")
        .drop_duplicates("step_position")
        .set_index("step_position")
    )
    first = matrix[matrix["step_position"] == matrix["step_position"].min()].sort_values(
        "sessions", ascending=False
    )
    last_position = int(matrix["step_position"].max())
    starting = at_position["sessions_at_position"].iloc[0]
    block.paragraphs.append(
        Paragraph(
            f"{first.iloc[0]['step_label']} opens {fmt_pct(first.iloc[0]['share_of_position'])} "
            f"of the sessions with events. By step {fmt_int(last_position)}, "
            f"{fmt_int(at_position.loc[last_position, 'sessions_at_position'])} of the "
            f"{fmt_int(starting)} sessions "
            f"({fmt_pct(at_position.loc[last_position, 'sessions_at_position'] / starting)}) "
            "are still going.",
            key="step-matrix",
        )
    )
    block.charts.append(
        _chart(
            "step-matrix",
            charts.heat_map(
                pivot,
                "Which step sessions are at, by position in the path",
                "position in the collapsed path",
                "step",
                minimum_label=0.01,
            ),
            "Share of the sessions still going at each position that are at each step "
            "(marts.fct_step_transitions_by_position).",
        )
    )
    return block


def removal_block(data: ReportData, findings: Findings) -> Block:
    effects = _numeric(
        data.analytics("path_removal_effects"),
        "removal_effect",
        "conversion_probability",
        "conversion_probability_without_step",
    )
    block = Block(heading="Which steps conversions depend on (removal effects)")
    effects = effects.dropna(subset=["removal_effect"]).sort_values(
        "removal_effect", ascending=False
    )
    if effects.empty:
        block.notices.append("No removal effect could be computed (nothing converts).")
        return block
    mandatory = effects[effects["removal_effect"] >= 0.999]
    optional = effects[effects["removal_effect"] < 0.999]
    text = (
        f"In a Markov chain fitted to the transitions, a session converts with probability "
        f"{fmt_pct(effects['conversion_probability'].iloc[0])}."
    )
    if not mandatory.empty:
        text += (
            f" Every conversion passes through {_join_words(list(mandatory['step']))}, so "
            "removing them would lose all conversions."
        )
    if not optional.empty:
        best = optional.iloc[0]
        text += (
            f" Of the other steps, {best['step']} matters most: without it "
            f"{fmt_pct(best['removal_effect'])} of conversions would be lost (conversion "
            f"{fmt_pct(best['conversion_probability_without_step'])} instead of "
            f"{fmt_pct(best['conversion_probability'])})."
        )
        findings.removal = {
            "step": best["step"],
            "effect": best["removal_effect"],
            "mandatory": list(mandatory["step"]),
        }
    block.paragraphs.append(Paragraph(text, key="removal-top"))
    block.charts.append(
        _chart(
            "removal-effects",
            charts.horizontal_bars(
                effects,
                "step",
                "removal_effect",
                "Conversions lost if a step could not be reached",
                "removal effect",
                highlight=[value < 0.999 for value in effects["removal_effect"]],
            ),
            "Removal effect of each step (analytics.path_removal_effects); grey: steps every "
            "conversion passes through.",
        )
    )
    return block


# --------------------------------------------------------------------------------------------
# 6. Product associations


def associations_block(data: ReportData, findings: Findings) -> Block:
    diagnostics = _numeric(
        data.analytics("association_diagnostics"),
        "n_baskets",
        "n_multi_item_baskets",
        "multi_item_share",
        "n_rules",
        "covered_share",
        "max_lift",
        "min_support",
        "min_confidence",
    )
    block = Block(heading="What is bought together")
    if diagnostics.empty or diagnostics["n_baskets"].sum() == 0:
        block.notices.append("There are no baskets (no completed orders with lines).")
        return block
    by_level = diagnostics.set_index("level")
    product = by_level.loc["product"] if "product" in by_level.index else by_level.iloc[0]
    findings.baskets = {
        "multi_share": product["multi_item_share"],
        "n_baskets": product["n_baskets"],
        "n_multi": product["n_multi_item_baskets"],
        "covered": product["covered_share"],
    }
    block.paragraphs.append(
        Paragraph(
            f"{fmt_pct(1 - product['multi_item_share'])} of the {fmt_int(product['n_baskets'])} "
            f"baskets hold a single product: only {fmt_int(product['n_multi_item_baskets'])} "
            f"({fmt_pct(product['multi_item_share'])}) can show two products bought together, "
            "and no rule can say anything about the others.",
            key="baskets-single",
        )
    )
    levels = [
        f"{fmt_int(row.n_rules)} at {level} level covering {fmt_pct(row.covered_share)} of "
        f"baskets (highest lift {fmt_num(row.max_lift)})"
        for level, row in by_level.iterrows()
    ]
    block.paragraphs.append(
        Paragraph(
            f"With a minimum support of {fmt_pct(product['min_support'])} and a minimum "
            f"confidence of {fmt_pct(product['min_confidence'])}, the rules found are "
            f"{_join_words(levels)}.",
            key="baskets-rules",
        )
    )
    block.charts.append(
        _chart(
            "baskets-sizes",
            charts.basket_sizes(diagnostics),
            "Share of baskets with one versus several distinct items "
            "(analytics.association_diagnostics).",
        )
    )
    rules = _numeric(
        data.analytics("association_rules"),
        "support",
        "confidence",
        "lift",
        "n_rule_baskets",
    )
    if rules.empty:
        block.notices.append("No rule reaches the thresholds: nothing to plot.")
        return block
    block.charts.append(
        _chart(
            "rules-scatter",
            charts.rules_scatter(rules),
            "Every association rule: how many baskets it concerns (support) against how much "
            "more often than chance its items go together (lift) (analytics.association_rules).",
        )
    )
    strongest = rules.sort_values(["lift", "support"], ascending=False).head(8)
    block.tables.append(
        Table(
            headers=["level", "rule", "support", "confidence", "lift", "baskets"],
            text_columns=2,
            rows=[
                [
                    str(row.level),
                    f"{row.antecedents} → {row.consequents}",
                    fmt_pct(row.support, 2),
                    fmt_pct(row.confidence),
                    fmt_num(row.lift),
                    fmt_int(row.n_rule_baskets),
                ]
                for row in strongest.itertuples(index=False)
            ],
            caption="The rules with the highest lift.",
            key="rules-top",
        )
    )
    return block


def product_funnel_block(data: ReportData, findings: Findings) -> Block:
    products = _numeric(
        data.model("fct_product_funnel"),
        "viewed_sessions",
        "view_to_cart_rate",
        "cart_to_purchase_rate",
        "revenue_usd",
    )
    block = Block(heading="The funnel per product category")
    categories = products[
        (products["aggregation_level"] == "category") & (products["viewed_sessions"] > 0)
    ].sort_values("view_to_cart_rate", ascending=False)
    if categories.empty:
        block.notices.append("No category was viewed.")
        return block
    best, worst = categories.iloc[0], categories.iloc[-1]
    revenue = categories.sort_values("revenue_usd", ascending=False).iloc[0]
    block.paragraphs.append(
        Paragraph(
            f"Viewers of {best['category']} add it to the cart most often "
            f"({fmt_pct(best['view_to_cart_rate'])} of sessions that viewed it), viewers of "
            f"{worst['category']} least often ({fmt_pct(worst['view_to_cart_rate'])}). "
            f"{revenue['category']} brings the most revenue "
            f"({fmt_usd(revenue['revenue_usd'])}).",
            key="product-funnel",
        )
    )
    block.charts.append(
        _chart(
            "product-funnel",
            charts.paired_rates(categories, "View → cart and cart → purchase, by category"),
            "Per category, the share of sessions that viewed it and added it to the cart, and "
            "of those that added it and bought it (marts.fct_product_funnel).",
        )
    )
    return block


# --------------------------------------------------------------------------------------------
# 7. Customer segmentation


def levels_block(data: ReportData, findings: Findings) -> Block:
    levels = _numeric(
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
    block = Block(heading="Session-level versus customer-level conversion")
    overall = levels[levels["segment_type"] == "overall"]
    if overall.empty or overall["n_sessions"].iloc[0] == 0:
        block.notices.append("fct_conversion_levels has no sessions.")
        return block
    row = overall.iloc[0]
    findings.levels = {
        "session_rate": row["session_conversion_rate"],
        "customer_rate": row["customer_conversion_rate"],
        "ratio": row["customer_to_session_conversion_ratio"],
        "sessions_per_customer": row["avg_sessions_per_customer"],
        "anonymous_share": row["anonymous_session_share"],
        "n_sessions": row["n_sessions"],
        "n_customers": row["n_customers"],
    }
    block.paragraphs.append(
        Paragraph(
            f"{fmt_pct(row['session_conversion_rate'])} of sessions end in a completed order, "
            f"but {fmt_pct(row['customer_conversion_rate'])} of the "
            f"{fmt_int(row['n_customers'])} identified customers order in at least one of "
            f"their sessions: {fmt_ratio(row['customer_to_session_conversion_ratio'])} as high, "
            f"because a customer has {fmt_num(row['avg_sessions_per_customer'], 1)} sessions on "
            f"average. {fmt_pct(row['anonymous_session_share'])} of sessions are anonymous and "
            "count at session level only.",
            key="conversion-levels",
        )
    )
    devices = levels[
        (levels["segment_type"] == "preferred_device") & (levels["n_customers"] > 0)
    ].sort_values("n_sessions", ascending=False)
    rows = []
    for label, part in [
        ("all", overall),
        *[(v, devices[devices["segment_value"] == v]) for v in devices["segment_value"]],
    ]:
        item = part.iloc[0]
        rows.append(
            {
                "segment": label,
                "level": "per session",
                "k": item["n_purchase_sessions"],
                "n": item["n_sessions"],
            }
        )
        rows.append(
            {
                "segment": label,
                "level": "per customer",
                "k": item["n_converted_customers"],
                "n": item["n_customers"],
            }
        )
    rates = _rate_table(pd.DataFrame(rows), "k", "n")
    block.charts.append(
        _chart(
            "conversion-levels",
            charts.grouped_rates(
                rates,
                "segment",
                "level",
                "Conversion per session and per customer, by preferred device",
                "converted",
            ),
            "The same sessions counted per session and per customer, overall and by the "
            "customer's preferred device, with 95% Wilson intervals "
            "(marts.fct_conversion_levels).",
        )
    )
    return block


def rfm_block(data: ReportData, findings: Findings) -> Block:
    rfm = _numeric(data.model("fct_customer_rfm"), "recency_days", "frequency", "monetary_usd")
    block = Block(heading="RFM segments")
    if rfm.empty:
        block.notices.append("fct_customer_rfm is empty: no buyer yet.")
        return block
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
    segments = segments.sort_values("revenue_share", ascending=False).reset_index(drop=True)
    top = segments.iloc[0]
    largest = segments.sort_values("customers", ascending=False).iloc[0]
    as_of = rfm["as_of_date"].iloc[0]
    text = (
        f"As of {fmt_date(as_of)}, {fmt_int(len(rfm))} buyers are scored on recency, frequency "
        f"and monetary value. The {fmt_int(top['customers'])} {top['rfm_segment']} "
        f"({fmt_pct(top['customers'] / len(rfm))} of buyers) bring "
        f"{fmt_pct(top['revenue_share'])} of the revenue; the largest group is "
        f"{largest['rfm_segment']} ({fmt_int(largest['customers'])} buyers)."
    )
    at_risk = segments[segments["rfm_segment"] == "at_risk"]
    if not at_risk.empty:
        risk = at_risk.iloc[0]
        text += (
            f" {fmt_int(risk['customers'])} at_risk buyers, who ordered "
            f"{fmt_num(risk['frequency'], 1)} times on average, have not ordered for a median "
            f"of {fmt_int(risk['recency'])} days; they hold {fmt_pct(risk['revenue_share'])} "
            "of the revenue."
        )
    findings.rfm = {
        "top": top.to_dict(),
        "at_risk": at_risk.iloc[0].to_dict() if not at_risk.empty else None,
        "n_buyers": len(rfm),
    }
    block.paragraphs.append(Paragraph(text, key="rfm"))
    block.charts.append(
        _chart(
            "rfm-segments",
            charts.rfm_segments(segments),
            "Buyers and revenue per RFM segment (marts.fct_customer_rfm).",
        )
    )
    block.tables.append(
        Table(
            headers=[
                "segment",
                "buyers",
                "median days since last order",
                "mean orders",
                "mean revenue",
            ],
            rows=[
                [
                    str(row.rfm_segment),
                    fmt_int(row.customers),
                    fmt_int(row.recency),
                    fmt_num(row.frequency, 1),
                    fmt_usd(row.monetary),
                ]
                for row in segments.itertuples(index=False)
            ],
            caption="RFM segments.",
        )
    )
    return block


def retention_block(data: ReportData, findings: Findings) -> Block:
    cohorts = _numeric(
        data.model("fct_cohort_retention"),
        "months_since_first_session",
        "n_cohort_customers",
        "n_active_customers",
        "retention_rate",
    )
    block = Block(heading="Cohort retention")
    if cohorts.empty:
        block.notices.append("fct_cohort_retention is empty: no identified customer.")
        return block
    cohorts["cohort"] = [fmt_month(value) for value in cohorts["cohort_month"]]
    cohorts = cohorts.sort_values(["cohort_month", "months_since_first_session"])
    pivot = cohorts.pivot_table(
        index="cohort", columns="months_since_first_session", values="retention_rate", sort=False
    )
    pivot.columns = [int(column) for column in pivot.columns]
    sizes = cohorts.drop_duplicates("cohort").set_index("cohort")["n_cohort_customers"]
    pivot.index = [f"{cohort} ({fmt_int(sizes[cohort])})" for cohort in pivot.index]
    following = cohorts[cohorts["months_since_first_session"] == 1]
    if not following.empty:
        first = following.iloc[0]
        text = (
            f"Of the {fmt_int(first['n_cohort_customers'])} customers whose first session was "
            f"in {fmt_month(first['cohort_month'])}, {fmt_int(first['n_active_customers'])} "
            f"({fmt_pct(first['retention_rate'])}) had a session in the following month."
        )
        later = following.iloc[-1]
        if len(following) > 1:
            text += (
                f" For the {fmt_month(later['cohort_month'])} cohort it was "
                f"{fmt_pct(later['retention_rate'])}."
            )
        findings.retention = {
            "cohort": first["cohort_month"],
            "rate": first["retention_rate"],
            "n": first["n_cohort_customers"],
        }
    else:
        text = "The data spans a single month, so no cohort can be followed to a second month yet."
    block.paragraphs.append(Paragraph(text, key="retention"))
    block.charts.append(
        _chart(
            "cohort-retention",
            charts.heat_map(
                pivot,
                "Share of each cohort active N months after its first session",
                "months since the first session",
                "cohort (customers)",
            ),
            "Cohort retention: customers grouped by the month of their first session; cells "
            "show the share with a session in that month (marts.fct_cohort_retention). Months "
            "after the end of the data are blank.",
        )
    )
    return block


def repeat_block(data: ReportData, findings: Findings) -> Block:
    repeat = _numeric(
        data.model("fct_repeat_purchase"),
        "n_buyers",
        "n_repeat_buyers",
        "repeat_rate",
        "median_days_first_to_second_order",
    ).sort_values("first_order_month")
    block = Block(heading="Repeat purchase")
    if repeat.empty:
        block.notices.append("fct_repeat_purchase is empty: no buyer yet.")
        return block
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
    findings.repeat = {
        "rate": repeaters / buyers,
        "buyers": buyers,
        "latest": repeat.iloc[-1]["first_order_month"],
        "latest_rate": repeat.iloc[-1]["repeat_rate"],
    }
    block.paragraphs.append(Paragraph(text, key="repeat"))
    rates = _rate_table(
        repeat.assign(
            month=[fmt_month(value) for value in repeat["first_order_month"]],
            series="repeat buyers",
        ),
        "n_repeat_buyers",
        "n_buyers",
    )
    block.charts.append(
        _chart(
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
    )
    return block


def styles_block(data: ReportData, findings: Findings) -> Block:
    comparison = _numeric(
        data.analytics("purchase_style_comparison"),
        "cheap_many_n",
        "cheap_many_mean",
        "cheap_many_median",
        "expensive_few_n",
        "expensive_few_mean",
        "expensive_few_median",
        "welch_p_value",
        "cohens_d",
    )
    block = Block(heading="Purchase styles: cheap-many versus expensive-few")
    usable = comparison.dropna(subset=["cohens_d"])
    if usable.empty:
        block.notices.append(
            "analytics.purchase_style_comparison has no usable comparison (too few sessions "
            "of one style)."
        )
        return block
    first = usable.iloc[0]
    alike = list(usable.loc[usable["finding"] == "alike", "metric"])
    differ = list(usable.loc[usable["finding"] == "differ", "metric"])
    text = (
        f"{fmt_int(first['cheap_many_n'])} purchasing sessions bought many cheap items "
        f"(cheap_many) and {fmt_int(first['expensive_few_n'])} few expensive ones "
        "(expensive_few)."
    )
    if alike:
        text += f" They are alike (|Cohen's d| < 0.2) in {_join_words(alike)}"
        text += f" and differ in {_join_words(differ)}." if differ else "."
    elif differ:
        text += f" They differ in {_join_words(differ)}."
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
    findings.styles = {"alike": alike, "differ": differ, "by_metric": by_metric}
    block.paragraphs.append(Paragraph(text, key="styles"))
    block.charts.append(
        _chart(
            "purchase-styles",
            charts.effect_sizes(usable),
            "Standardised difference (Cohen's d) between the styles per metric, with the "
            "finding of analytics.purchase_style_comparison.",
        )
    )
    try:
        summary = _numeric(
            data.model("fct_purchase_styles"),
            "n_sessions",
            "median_session_seconds",
            "median_event_count",
            "median_items_purchased",
            "median_avg_item_price_usd",
            "style_order",
        ).sort_values("style_order")
    except MissingData as missing:
        block.notices.append(_missing_notice(missing))
        return block
    block.tables.append(
        Table(
            headers=[
                "style",
                "sessions",
                "median seconds",
                "median events",
                "median items",
                "median item price",
            ],
            rows=[
                [
                    str(row.purchase_style),
                    fmt_int(row.n_sessions),
                    fmt_int(row.median_session_seconds),
                    fmt_num(row.median_event_count, 0),
                    fmt_num(row.median_items_purchased, 0),
                    fmt_usd(row.median_avg_item_price_usd, 2),
                ]
                for row in summary.itertuples(index=False)
            ],
            caption="Purchasing sessions by style (marts.fct_purchase_styles).",
        )
    )
    return block


# --------------------------------------------------------------------------------------------
# 8. Insights


def _segment_rates(sessions: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for column in SEGMENT_COLUMNS:
        grouped = sessions.groupby(sessions[column].fillna("unknown"))["did_purchase"].agg(
            ["sum", "count"]
        )
        for value, row in grouped.iterrows():
            rows.append(
                {
                    "segment_type": column,
                    "segment_value": str(value),
                    "label": f"{column}: {value}",
                    "k": row["sum"],
                    "n": row["count"],
                }
            )
    return _rate_table(pd.DataFrame(rows), "k", "n")


def _interval_certainty(low: float, high: float, n: float, unit: str = "sessions") -> Certainty:
    half = (high - low) / 2
    text = (
        f"The 95% interval is {fmt_pct(low)} to {fmt_pct(high)} (±{fmt_pp(half)}, "
        f"{fmt_int(n)} {unit})"
    )
    if half < 0.02:
        return Certainty("high", text + ": the size is well known.")
    if half < 0.05:
        return Certainty("moderate", text + ": the direction is clear, the size less so.")
    return Certainty("low", text + ": too few sessions to pin it down.")


def _worst_segment(rates: pd.DataFrame, sessions: pd.DataFrame) -> dict[str, Any] | None:
    candidates = rates[rates["n"] >= MIN_SEGMENT_SESSIONS]
    if candidates.empty:
        return None
    worst = candidates.sort_values(["rate", "n"], ascending=[True, False]).iloc[0]
    total_k, total_n = float(sessions["did_purchase"].sum()), float(len(sessions))
    test = two_proportion_test(worst["k"], worst["n"], total_k - worst["k"], total_n - worst["n"])
    return {
        "segment_type": worst["segment_type"],
        "segment_value": worst["segment_value"],
        "rate": worst["rate"],
        "low": worst["low"],
        "high": worst["high"],
        "n": worst["n"],
        "rest": test.rate_b,
        "certainty": certainty_from_p(test.p_value, comparisons=len(candidates)),
    }


def _generate_insights(findings: Findings) -> list[Insight]:
    insights: list[Insight] = []
    leak = findings.funnel_leak
    if leak:
        insights.append(
            Insight(
                "insight-funnel-leak",
                f"The funnel leaks most at {leak['transition']}.",
                f"{fmt_int(leak['lost'])} sessions ({fmt_pct(leak['drop_off'])} of those that "
                f"reached {leak['from']}) go no further.",
                _interval_certainty(leak["low"], leak["high"], leak["previous"]),
            )
        )
    segment = findings.segment_leak
    if segment and segment["gap"] > 0:
        insights.append(
            Insight(
                "insight-segment-leak",
                f"{segment['segment_type'].capitalize()} {segment['segment_value']} loses "
                f"sessions at {segment['transition']} far more than the rest.",
                f"{fmt_pct(segment['drop_off'])} drop off there against "
                f"{fmt_pct(segment['rest_drop_off'])} for all other sessions, about "
                f"{fmt_int(segment['excess'])} sessions more than the overall rate would lose.",
                segment["certainty"],
            )
        )
    worst = findings.worst_segment
    if worst:
        insights.append(
            Insight(
                "insight-worst-segment",
                f"{worst['segment_type'].replace('_', ' ').capitalize()} "
                f"{worst['segment_value']} converts worst.",
                f"{fmt_pct(worst['rate'])} of its {fmt_int(worst['n'])} sessions purchase "
                f"(95% interval {fmt_pct(worst['low'])} to {fmt_pct(worst['high'])}) against "
                f"{fmt_pct(worst['rest'])} for all other sessions.",
                worst["certainty"],
            )
        )
    drivers = findings.drivers
    if drivers and "event_count" in drivers["terms"].index:
        terms = drivers["terms"]
        events = terms.loc["event_count"]
        evidence = (
            f"Per standard deviation more events the odds of purchase are multiplied by "
            f"{fmt_num(math.exp(events['coef']))} (95% CI {fmt_num(math.exp(events['ci_low']))} "
            f"to {fmt_num(math.exp(events['ci_high']))})"
        )
        time_flat = False
        if "session_seconds" in terms.index:
            seconds = terms.loc["session_seconds"]
            time_flat = seconds["ci_low"] <= 0 <= seconds["ci_high"]
            evidence += (
                f"; per standard deviation more time on site by "
                f"{fmt_num(math.exp(seconds['coef']))} (95% CI "
                f"{fmt_num(math.exp(seconds['ci_low']))} to "
                f"{fmt_num(math.exp(seconds['ci_high']))}, p {format_p(seconds['p_value'])})"
            )
        evidence += "."
        engaged = events["coef"] > 0 and events["p_value"] < 0.05
        headline = (
            "Sessions convert because they interact, not because they last longer."
            if engaged and time_flat
            else "More interaction goes with more purchases."
            if engaged
            else "The number of events does not clearly predict purchase."
        )
        insights.append(
            Insight(
                "insight-drivers",
                headline,
                evidence,
                certainty_from_p(float(events["p_value"])),
            )
        )
        drivers["engaged"] = engaged
        drivers["time_flat"] = time_flat
    spend = findings.spend
    if spend and "event_count" in spend["terms"].index:
        events = spend["terms"].loc["event_count"]
        insights.append(
            Insight(
                "insight-spend",
                "Among buyers, more interaction goes with higher spend."
                if events["coef"] > 0 and events["p_value"] < 0.05
                else "Among buyers, interaction does not clearly explain spend.",
                f"Spend changes by {fmt_pct(math.exp(events['coef']) - 1)} per standard "
                f"deviation more events (95% CI {fmt_pct(math.exp(events['ci_low']) - 1)} to "
                f"{fmt_pct(math.exp(events['ci_high']) - 1)}), but the model explains only "
                f"{fmt_pct(events['r_squared'])} of the variation in spend.",
                certainty_from_p(float(events["p_value"])),
            )
        )
    levels = findings.levels
    if levels and not is_missing(levels["ratio"]):
        insights.append(
            Insight(
                "insight-levels",
                "Counting sessions understates how many customers buy.",
                f"Session conversion is {fmt_pct(levels['session_rate'])}, customer conversion "
                f"{fmt_pct(levels['customer_rate'])}: {fmt_ratio(levels['ratio'])} as high, "
                f"because customers return ({fmt_num(levels['sessions_per_customer'], 1)} "
                "sessions each on average).",
                exact_certainty(
                    f"{fmt_int(levels['n_sessions'])} sessions, "
                    f"{fmt_int(levels['n_customers'])} customers"
                ),
            )
        )
    styles = findings.styles
    if styles and "avg_item_price_usd" in styles["by_metric"].index:
        price = styles["by_metric"].loc["avg_item_price_usd"]
        insights.append(
            Insight(
                "insight-styles",
                "Cheap-many and expensive-few buyers differ in what they pick"
                + (f", not in {_join_words(styles['alike'])}." if styles["alike"] else "."),
                f"Their average item price differs by Cohen's d = {fmt_num(price['cohens_d'])}"
                + (
                    f"; in {_join_words(styles['alike'])} the difference is negligible (|d| < 0.2)."
                    if styles["alike"]
                    else "."
                ),
                certainty_from_p(float(price["welch_p_value"])),
            )
        )
    baskets = findings.baskets
    if baskets:
        insights.append(
            Insight(
                "insight-baskets",
                "Association rules speak for a minority of orders."
                if baskets["multi_share"] < 0.5
                else "Many baskets hold several products: rules are informative.",
                f"Only {fmt_pct(baskets['multi_share'])} of {fmt_int(baskets['n_baskets'])} "
                f"baskets hold two or more products; the rules found cover "
                f"{fmt_pct(baskets['covered'])} of baskets.",
                exact_certainty(f"{fmt_int(baskets['n_baskets'])} baskets"),
            )
        )
    trend = findings.trend
    if trend:
        change = "rose" if trend["last"] > trend["first"] else "fell"
        insights.append(
            Insight(
                "insight-trend",
                f"Conversion {change} from {fmt_pct(trend['first'])} to {fmt_pct(trend['last'])} "
                "over the period.",
                f"Comparing the first and the last {fmt_int(trend['window'])} days of "
                "fct_funnel_daily.",
                trend["certainty"],
            )
        )
    removal = findings.removal
    if removal:
        insights.append(
            Insight(
                "insight-removal",
                f"The {removal['step']} step is the optional step conversions depend on most.",
                f"Without it, the Markov model of the paths loses "
                f"{fmt_pct(removal['effect'])} of conversions.",
                Certainty(
                    "moderate",
                    "A model estimate without an interval: it assumes the next step depends "
                    "only on the current one.",
                ),
            )
        )
    retention = findings.retention
    if retention:
        insights.append(
            Insight(
                "insight-retention",
                f"{fmt_pct(retention['rate'])} of new customers come back the next month.",
                f"Measured on the {fmt_month(retention['cohort'])} cohort "
                f"({fmt_int(retention['n'])} customers); later cohorts may differ.",
                _interval_certainty(
                    *wilson_interval(retention["rate"] * retention["n"], retention["n"]),
                    retention["n"],
                    "customers",
                ),
            )
        )
    return insights


def insights_block(data: ReportData, findings: Findings) -> Block:
    block = Block()
    try:
        sessions = data.sessions()
        rates = _segment_rates(sessions).sort_values(["segment_type", "rate"])
        findings.worst_segment = _worst_segment(rates, sessions)
        overall = float(sessions["did_purchase"].mean()) if len(sessions) else math.nan
        block.charts.append(
            _chart(
                "insights-segments",
                charts.segment_forest(rates, overall),
                "Share of sessions with a completed order per segment, with 95% Wilson "
                "intervals: where intervals do not overlap the dashed line, the segment "
                "differs from the average beyond sampling noise (marts.fct_sessions).",
            )
        )
    except MissingData as missing:
        block.notices.append(_missing_notice(missing))
    findings.insights = _generate_insights(findings)
    block.insights = findings.insights
    if not block.insights:
        block.notices.append(
            "No insight could be generated: the tables they come from are missing (see the "
            "notices above)."
        )
    return block


# --------------------------------------------------------------------------------------------
# 9. Recommendations and 10. next steps


def _experiment(data: ReportData, findings: Findings, block: Block) -> None:
    sizing = _numeric(
        data.analytics("experiment_sizing"),
        "relative_lift",
        "baseline_conversion",
        "target_conversion",
        "sessions_per_arm",
        "total_sessions",
        "observed_sessions_per_day",
        "days_at_observed_traffic",
    ).sort_values("relative_lift")
    if sizing.empty:
        block.notices.append("analytics.experiment_sizing is empty.")
        return
    block.tables.append(
        Table(
            headers=[
                "relative lift",
                "conversion from → to",
                "sessions per arm",
                "sessions in total",
                "days at today's traffic",
            ],
            rows=[
                [
                    f"+{fmt_pct(row.relative_lift, 0)}",
                    f"{fmt_pct(row.baseline_conversion, 2)} → {fmt_pct(row.target_conversion, 2)}",
                    fmt_int(row.sessions_per_arm),
                    fmt_int(row.total_sessions),
                    fmt_int(row.days_at_observed_traffic),
                ]
                for row in sizing.itertuples(index=False)
            ],
            caption="Experiment sizing: two arms, alpha 0.05 (two-sided), power 0.8 "
            "(analytics.experiment_sizing).",
            key="experiment-sizing",
        )
    )
    block.charts.append(
        _chart(
            "experiment-days",
            charts.experiment_days(
                sizing.assign(days=sizing["days_at_observed_traffic"])[
                    ["relative_lift", "days", "sessions_per_arm"]
                ]
            ),
            "Days the proposed experiment needs at the observed traffic, per lift to detect "
            "(analytics.experiment_sizing).",
        )
    )
    feasible = sizing[sizing["days_at_observed_traffic"] <= 90]
    chosen = feasible.iloc[0] if not feasible.empty else sizing.iloc[-1]
    findings.experiment = {
        "hypothesis": str(sizing["hypothesis"].iloc[0]),
        "lift": chosen["relative_lift"],
        "baseline": chosen["baseline_conversion"],
        "target": chosen["target_conversion"],
        "per_arm": chosen["sessions_per_arm"],
        "days": chosen["days_at_observed_traffic"],
        "per_day": chosen["observed_sessions_per_day"],
        "feasible": not feasible.empty,
        "smallest_lift": sizing.iloc[0]["relative_lift"],
        "smallest_days": sizing.iloc[0]["days_at_observed_traffic"],
    }


def recommendations_block(data: ReportData, findings: Findings) -> Block:
    block = Block()
    try:
        _experiment(data, findings, block)
    except MissingData as missing:
        block.notices.append(_missing_notice(missing))
    by_key = {insight.key: insight for insight in findings.insights}
    recommendations: list[Recommendation] = []
    segment = findings.segment_leak
    if segment and "insight-segment-leak" in by_key and segment["certainty"].level != "low":
        recommendations.append(
            Recommendation(
                "recommend-segment-leak",
                f"Fix {segment['transition']} for {segment['segment_type']} "
                f"{segment['segment_value']} first.",
                f"At the overall drop-off rate, about {fmt_int(segment['excess'])} more of its "
                f"sessions would have passed that step over the {fmt_int(findings.period_days)} "
                "days. Start with a usability review of that step on that segment.",
                segment["certainty"],
            )
        )
    drivers = findings.drivers
    experiment = findings.experiment
    if drivers and drivers.get("engaged"):
        reason = (
            "Interaction predicts purchase"
            + (" and time on site does not" if drivers.get("time_flat") else "")
            + ": prompts that turn idle time into actions (compare, expand details, save) "
            "should raise conversion without longer sessions."
        )
        if experiment:
            reason += (
                f" Test it before rolling it out: detecting a +{fmt_pct(experiment['lift'], 0)} "
                f"relative lift ({fmt_pct(experiment['baseline'], 2)} → "
                f"{fmt_pct(experiment['target'], 2)}) needs {fmt_int(experiment['per_arm'])} "
                f"sessions per arm, about {fmt_int(experiment['days'])} days at the observed "
                f"{fmt_int(experiment['per_day'])} sessions a day with all traffic in the test."
            )
            if not experiment["feasible"]:
                reason += " Even that is long: consider a bigger change or more traffic."
        recommendations.append(
            Recommendation(
                "recommend-interaction",
                "Design for interaction density, not time on site.",
                reason,
                by_key["insight-drivers"].certainty,
            )
        )
    elif experiment:
        recommendations.append(
            Recommendation(
                "recommend-experiment",
                "Test changes with a sized experiment rather than before/after comparisons.",
                f"A +{fmt_pct(experiment['lift'], 0)} relative lift needs "
                f"{fmt_int(experiment['per_arm'])} sessions per arm "
                f"({fmt_int(experiment['days'])} days at today's traffic).",
                Certainty("moderate", "A power calculation: it assumes today's conversion rate."),
            )
        )
    styles = findings.styles
    if styles and "insight-styles" in by_key and "avg_item_price_usd" in styles["differ"]:
        recommendations.append(
            Recommendation(
                "recommend-price-framing",
                "Sell expensive items through price framing and value, not more browsing.",
                "The two purchase styles differ in the price of what they pick"
                + (f" but not in {_join_words(styles['alike'])}" if styles["alike"] else "")
                + ": the lever is how value is presented, not how long people browse.",
                by_key["insight-styles"].certainty,
            )
        )
    baskets = findings.baskets
    if baskets and baskets["multi_share"] < 0.5:
        recommendations.append(
            Recommendation(
                "recommend-cross-sell",
                "Do not build cross-selling on association rules alone.",
                f"{fmt_pct(1 - baskets['multi_share'])} of baskets hold one product; use the "
                "rules with high lift for a few bundles and test them, and recommend by "
                "category or popularity elsewhere.",
                by_key["insight-baskets"].certainty,
            )
        )
    levels = findings.levels
    if levels and not is_missing(levels["ratio"]) and levels["ratio"] > 1.5:
        recommendations.append(
            Recommendation(
                "recommend-customer-level",
                "Report conversion per customer next to conversion per session.",
                f"Customers buy across sessions ({fmt_ratio(levels['ratio'])} higher conversion "
                "per customer): judge campaigns and channels on customers, and keep session "
                "conversion for page and funnel changes.",
                by_key["insight-levels"].certainty,
            )
        )
    rfm = findings.rfm
    if rfm and rfm.get("at_risk"):
        risk = rfm["at_risk"]
        recommendations.append(
            Recommendation(
                "recommend-win-back",
                f"Win back the {fmt_int(risk['customers'])} at_risk buyers.",
                f"They ordered {fmt_num(risk['frequency'], 1)} times on average but not for a "
                f"median of {fmt_int(risk['recency'])} days, and hold "
                f"{fmt_pct(risk['revenue_share'])} of the revenue.",
                exact_certainty(f"{fmt_int(rfm['n_buyers'])} buyers scored"),
            )
        )
    block.recommendations = recommendations
    if not recommendations:
        block.notices.append(
            "No recommendation could be generated: the results they rest on are missing or "
            "inconclusive."
        )
    return block


def next_steps_block(data: ReportData, findings: Findings) -> Block:
    block = Block()
    steps = []
    experiment = findings.experiment
    if experiment:
        steps.append(
            f"Run the experiment proposed above for at least {fmt_int(experiment['days'])} days "
            "and re-run this report on its data; guard against longer sessions "
            "(session_seconds) while conversion and events per minute are the success metrics."
        )
    repeat = findings.repeat
    if repeat:
        steps.append(
            "Collect more months before judging repeat purchase: the "
            f"{fmt_month(repeat['latest'])} cohort stands at {fmt_pct(repeat['latest_rate'])} "
            "only because it had little time to come back."
        )
    if findings.levels:
        steps.append(
            "Model sequences per customer across sessions (not only within a session), since "
            "customers buy over several visits."
        )
    steps.append(
        "Enrich with external data (for example CBS or other official regional statistics "
        "for the customers' countries) to see whether regional differences reflect the "
        "population or the shop."
    )
    steps.append(
        "Recreate any finding in SQL: analyses/ holds the queries (compile them with "
        "`dbt compile` and paste them into DBeaver)."
    )
    steps.append(
        "Rebuild this report after every data load: `make run` rebuilds the marts, reruns "
        "the analyses and writes it again."
    )
    block.bullets = steps
    return block


# --------------------------------------------------------------------------------------------
# The sections, in the order of the source documents' final report


BlockBuilder = Callable[[ReportData, Findings], Block]

SECTIONS: list[tuple[str, str, str, list[tuple[str | None, BlockBuilder]]]] = [
    (
        "overview",
        "Data overview",
        "What the data holds: the period, the sessions and who they come from.",
        [(None, overview_block)],
    ),
    (
        "cleaning",
        "Cleaning and transformation",
        "How raw exports become trustworthy tables, and how many rows could not be used.",
        [
            ("Data quality: every raw row accounted for", quality_block),
            ("How the raw files become the marts", cleaning_rules_block),
        ],
    ),
    (
        "features",
        "Feature engineering",
        "The session-level features every analysis uses, and which of them drive purchase and "
        "spend.",
        [
            ("The session features", session_features_block),
            ("What drives purchase and spend", drivers_block),
        ],
    ),
    (
        "funnels",
        "Behaviour funnels",
        "Where visitors drop off between viewing, adding to cart, checking out and buying.",
        [
            ("The funnel", funnel_block),
            ("Drop-off by device and by country", funnel_segments_block),
            ("Conversion over time", funnel_trend_block),
        ],
    ),
    (
        "sequences",
        "Sequence analysis",
        "The paths sessions take through the site, and which steps conversions depend on.",
        [
            ("The most common paths", paths_block),
            ("How sessions move between steps", transitions_block),
            ("The step matrix", step_matrix_block),
            ("Which steps conversions depend on (removal effects)", removal_block),
        ],
    ),
    (
        "associations",
        "Product associations",
        "Which products are bought together, and how far association rules can be trusted here.",
        [
            ("What is bought together", associations_block),
            ("The funnel per product category", product_funnel_block),
        ],
    ),
    (
        "segmentation",
        "Customer segmentation",
        "Customers rather than sessions: conversion over visits, value segments, retention, "
        "repeat purchase and purchase styles.",
        [
            ("Session-level versus customer-level conversion", levels_block),
            ("RFM segments", rfm_block),
            ("Cohort retention", retention_block),
            ("Repeat purchase", repeat_block),
            ("Purchase styles: cheap-many versus expensive-few", styles_block),
        ],
    ),
    (
        "insights",
        "Insights",
        "What the results say, generated from the tables above, each with how sure it is.",
        [(None, insights_block)],
    ),
    (
        "recommendations",
        "Recommendations",
        "What to do about it, following from the insights, and how to test it.",
        [(None, recommendations_block)],
    ),
    (
        "next-steps",
        "Next steps",
        "What would make the next version of this report better.",
        [(None, next_steps_block)],
    ),
]

SECTION_TITLES = [title for _, title, _, _ in SECTIONS]
"""The section headings, in order (the tests look for each)."""


def build_sections(data: ReportData, say: Callable[[str], None] = print) -> list[Section]:
    """Every section; a missing table turns its block into a notice instead of failing."""
    findings = Findings()
    sections = []
    for number, (section_id, title, lead, builders) in enumerate(SECTIONS, start=1):
        say(f"[{number}/{len(SECTIONS)}] {title}")
        blocks = []
        for heading, builder in builders:
            try:
                block = builder(data, findings)
            except MissingData as missing:
                block = Block(notices=[_missing_notice(missing)])
            block.heading = heading
            blocks.append(block)
        sections.append(Section(section_id, title, lead, blocks))
    return sections


# --------------------------------------------------------------------------------------------
# Rendering and the command


def render_html(sections: list[Section], target: WarehouseTarget, generated_at: datetime) -> str:
    """The report as one HTML document (Jinja2 template, auto-escaped)."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup

    environment = Environment(
        loader=PackageLoader("customer_behaviour", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = environment.get_template(TEMPLATE)
    return template.render(
        sections=sections,
        svg=Markup,
        target=target,
        generated_at=generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        n_charts=sum(len(section.charts) for section in sections),
    )


@dataclass
class ReportResult:
    path: Path
    sections: int
    charts: int
    notices: int


def write_report(
    target_name: str | None, out: Path, say: Callable[[str], None] = print
) -> ReportResult:
    """Read the target's tables, build every section and write the HTML file."""
    target = load_target(target_name)
    manifest = load_manifest()
    with connect(target) as warehouse:
        say(f"reading the marts and analytics tables of {target.describe()}")
        data = ReportData(warehouse, manifest, target)
        warehouse.require(manifest.model("fct_sessions"))
        sections = build_sections(data, say)
    html = render_html(sections, target, datetime.now(timezone.utc))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = out.with_name(out.name + ".tmp")
        staged.write_text(html, encoding="utf-8")
        staged.replace(out)
    except OSError as error:
        raise UserError(
            f"cannot write the report to {out} ({error.strerror or error}); choose another "
            "place with --out"
        ) from error
    return ReportResult(
        path=out,
        sections=len(sections),
        charts=sum(len(section.charts) for section in sections),
        notices=sum(len(section.notices) for section in sections),
    )
