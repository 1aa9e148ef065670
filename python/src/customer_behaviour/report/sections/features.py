"""3. Feature engineering: the session features, and which of them drive purchase and spend
(marts.fct_sessions, analytics.conversion_drivers, analytics.spend_drivers,
analytics.conversion_calibration), on the whole session and before purchase intent."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from customer_behaviour.analytics_tables import (
    CONVERSION_CALIBRATION,
    CONVERSION_DRIVERS,
    SPEND_DRIVERS,
)
from customer_behaviour.drivers import ALL_EVENTS, PRE_INTENT, SPECIFICATIONS, Specification
from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Chart, Paragraph, Table, notice_block
from customer_behaviour.report.data import MissingData, ReportData, numeric
from customer_behaviour.report.figures import embed
from customer_behaviour.report.findings import ConversionDrivers, DriverTerm, Findings, SpendDrivers
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import (
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_pp,
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
SPEC_LABELS = {ALL_EVENTS.name: "whole session", PRE_INTENT.name: "before intent"}
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
    notes = []
    for row in frame.itertuples(index=False):
        if is_missing(row.note) or not str(row.note).strip():
            continue
        spec = str(getattr(row, "specification", ALL_EVENTS.name))
        model = MODEL_NAMES.get(str(row.model), str(row.model))
        notes.append(f"{model} ({SPEC_LABELS.get(spec, spec)}), {row.term}: {row.note}.")
    return notes


def _by_specification(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of each specification that has any, indexed by term, in drivers' order (a
    table written before the specifications existed holds all_events only)."""
    if "specification" not in frame.columns:
        frame = frame.assign(specification=ALL_EVENTS.name)
    return {
        spec.name: rows.set_index("term")
        for spec in SPECIFICATIONS
        if not (rows := frame[frame["specification"] == spec.name]).empty
    }


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


def _auc_sentence(terms: pd.DataFrame) -> str:
    auc = terms["auc_out_of_sample"].iloc[0] if "auc_out_of_sample" in terms else None
    if is_missing(auc):
        return " Its out-of-sample AUC could not be computed (`analyze` prints why)."
    return (
        f" Out of sample ({fmt_int(terms['cv_folds'].iloc[0])}-fold cross-validation by "
        f"customer) it ranks a buyer above a non-buyer in {fmt_pct(auc)} of pairs "
        f"(AUC {fmt_num(auc, 3)})."
    )


def _conversion_paragraph(terms: pd.DataFrame, spec: Specification) -> Paragraph:
    return Paragraph(
        f"A logistic regression over {fmt_int(terms['n_obs'].iloc[0])} sessions "
        f"(standard errors clustered by customer, {fmt_int(terms['n_clusters'].iloc[0])} "
        f"clusters) asks who purchases: {_odds_effect(terms, spec.events, 'events')}; "
        f"{_odds_effect(terms, spec.seconds, 'seconds on site')}; "
        f"{_odds_effect(terms, spec.delay, 'seconds before the first event')}"
        ", each with the other terms, device and traffic source held equal. McFadden's "
        f"pseudo R² is {fmt_num(terms['pseudo_r_squared'].iloc[0])}." + _auc_sentence(terms),
        key="drivers-conversion",
    )


def _per_unit_coef(row: pd.Series, unit: float) -> float:
    """The log-odds coefficient per ``unit`` of the term's own scale (one event, a minute)."""
    return float(row["coef"]) / float(row["raw_std"]) * unit


def survival(leaky: pd.Series, clean: pd.Series) -> str:
    """What becomes of a finding of the all_events model once only pre-intent engagement
    counts: 'survives', 'vanishes', 'reverses', 'appears' (only the pre-intent term is clear)
    or 'absent' (neither is); a finding is a coefficient with p < 0.05."""
    leaky_clear, clean_clear = leaky["p_value"] < 0.05, clean["p_value"] < 0.05
    if leaky_clear and clean_clear:
        return "survives" if np.sign(leaky["coef"]) == np.sign(clean["coef"]) else "reverses"
    if leaky_clear:
        return "vanishes"
    return "appears" if clean_clear else "absent"


def _survival_text(leaky: pd.Series, clean: pd.Series, unit: tuple[str, float], label: str) -> str:
    unit_name, unit_size = unit
    per_unit = _per_unit_coef(leaky, unit_size), _per_unit_coef(clean, unit_size)
    outcome = survival(leaky, clean)
    numbers = (
        f"one {unit_name} more multiplies the odds of purchase by "
        f"{fmt_num(math.exp(per_unit[0]), 3)} counting the whole session and by "
        f"{fmt_num(math.exp(per_unit[1]), 3)} counting only what happens before intent "
        f"(before intent, per standard deviation: 95% CI {fmt_num(math.exp(clean['ci_low']))} "
        f"to {fmt_num(math.exp(clean['ci_high']))}, p {format_p(clean['p_value'])})"
    )
    if outcome == "survives":
        share = per_unit[1] / per_unit[0]
        strength = (
            "at about the same strength"
            if 0.8 <= share <= 1.25
            else f"with {fmt_pct(share, 0)} of its effect per {unit_name} on the log-odds scale"
        )
        verdict = f"the {label} finding survives, {strength}"
    elif outcome == "reverses":
        verdict = f"the {label} finding reverses direction"
    elif outcome == "vanishes":
        verdict = f"the {label} finding does not survive: it was the purchase itself"
    elif outcome == "appears":
        verdict = f"the whole-session model hid an effect of the {label} before intent"
    else:
        verdict = f"neither model finds a clear effect of the {label}"
    return f"{numbers}: {verdict}"


def _leakage_paragraph(leaky: pd.DataFrame, clean: pd.DataFrame) -> Paragraph:
    """The two specifications compared: which finding survives and how strongly, from the
    rows themselves."""
    parts = []
    for spec_term, unit, label in (
        ((ALL_EVENTS.events, PRE_INTENT.events), ("event", 1.0), "events"),
        ((ALL_EVENTS.seconds, PRE_INTENT.seconds), ("minute", 60.0), "time"),
    ):
        if spec_term[0] in leaky.index and spec_term[1] in clean.index:
            parts.append(
                _survival_text(leaky.loc[spec_term[0]], clean.loc[spec_term[1]], unit, label)
            )
    auc_leaky = leaky["auc_out_of_sample"].iloc[0]
    auc_clean = clean["auc_out_of_sample"].iloc[0]
    auc = (
        ""
        if is_missing(auc_leaky) or is_missing(auc_clean)
        else f" Out of sample the AUC is {fmt_num(auc_leaky, 3)} with the whole session and "
        f"{fmt_num(auc_clean, 3)} before intent"
        + (
            f": counting the purchase itself ranks {fmt_pp(auc_leaky - auc_clean)} more of "
            "the buyer and non-buyer pairs right."
            if auc_leaky > auc_clean
            else "."
        )
    )
    return Paragraph(
        "event_count and session_seconds include the checkout and purchase events of the "
        "sessions that purchase, so part of their link with purchase is true by construction. "
        "Refitted on the engagement before a session's first event of funnel step 2 (its first "
        "add-to-cart by default; pre_intent_event_count, pre_intent_seconds): "
        + ("; ".join(parts) if parts else "the engagement terms are not in both models")
        + "."
        + auc,
        key="drivers-leakage",
    )


def _spend_paragraph(specs: dict[str, pd.DataFrame]) -> Paragraph:
    terms = specs.get(ALL_EVENTS.name, next(iter(specs.values())))
    spec = ALL_EVENTS if ALL_EVENTS.name in specs else PRE_INTENT
    text = (
        f"Among the {fmt_int(terms['n_obs'].iloc[0])} purchasing sessions, a "
        "regression of log spend asks who spends more: spend changes by "
        f"{_spend_effect(terms, spec.events, 'events')} and by "
        f"{_spend_effect(terms, spec.seconds, 'seconds on site')}. The model explains "
        f"{fmt_pct(terms['r_squared'].iloc[0])} of the variation in log spend, "
        "so most of what a buyer spends is not explained by how they browse."
    )
    if spec is ALL_EVENTS and PRE_INTENT.name in specs:
        clean = specs[PRE_INTENT.name]
        text += (
            " Before intent only, spend changes by "
            f"{_spend_effect(clean, PRE_INTENT.events, 'events')} and by "
            f"{_spend_effect(clean, PRE_INTENT.seconds, 'seconds')} (R² "
            f"{fmt_pct(clean['r_squared'].iloc[0])})."
        )
    return Paragraph(text, key="drivers-spend")


def _conversion_findings(specs: dict[str, pd.DataFrame]) -> Findings:
    """The findings the insights use: the pre-intent model's when it was fitted, since the
    whole-session one counts the purchase itself."""
    spec = PRE_INTENT if PRE_INTENT.name in specs else ALL_EVENTS
    terms = specs[spec.name]
    events = _driver_term(terms, spec.events)
    if events is None:
        return Findings()
    return Findings(drivers=ConversionDrivers(events, _driver_term(terms, spec.seconds), spec.name))


def _spend_findings(specs: dict[str, pd.DataFrame]) -> Findings:
    if ALL_EVENTS.name not in specs:
        return Findings()
    terms = specs[ALL_EVENTS.name]
    events = _driver_term(terms, ALL_EVENTS.events)
    if events is None:
        return Findings()
    r_squared = float(terms.loc[ALL_EVENTS.events, "r_squared"])
    return Findings(spend=SpendDrivers(events, r_squared))


def _read_spend(data: ReportData) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """analytics.spend_drivers, or an empty frame and the notice saying why."""
    try:
        spend = data.analytics(SPEND_DRIVERS)
    except MissingData as missing:
        return pd.DataFrame(), (missing.notice,)
    return numeric(spend, *DRIVER_NUMBERS, "r_squared"), ()


def _calibration_table(data: ReportData) -> tuple[tuple[Table, ...], tuple[str, ...]]:
    """analytics.conversion_calibration side by side per specification, or why not."""
    try:
        calibration = data.analytics(CONVERSION_CALIBRATION)
    except MissingData as missing:
        return (), (missing.notice,)
    if calibration.empty:
        return (), (
            "analytics.conversion_calibration is empty: the purchase model could not be "
            "cross-validated (`analyze` prints why).",
        )
    calibration = numeric(calibration, "decile", "n_sessions", "mean_predicted", "observed_rate")
    specs = [spec for spec in SPECIFICATIONS if spec.name in set(calibration["specification"])]
    wide = calibration.pivot(index="decile", columns="specification")
    headers = ["decile"]
    for spec in specs:
        label = SPEC_LABELS[spec.name]
        headers += [f"sessions ({label})", f"predicted ({label})", f"observed ({label})"]
    rows = []
    for decile in wide.index:
        cells = [fmt_int(decile)]
        for spec in specs:
            cells += [
                fmt_int(wide.at[decile, ("n_sessions", spec.name)]),
                fmt_pct(wide.at[decile, ("mean_predicted", spec.name)]),
                fmt_pct(wide.at[decile, ("observed_rate", spec.name)]),
            ]
        rows.append(tuple(cells))
    table = Table(
        headers=tuple(headers),
        rows=tuple(rows),
        caption="Calibration of the purchase model out of sample "
        "(analytics.conversion_calibration): sessions in deciles of their cross-validated "
        "predicted probability, the mean prediction against the observed purchase rate.",
        key="drivers-calibration",
    )
    return (table,), ()


def _coefficients_chart(key: str, panels: list[tuple[str, str, pd.DataFrame]], what: str) -> Chart:
    return embed(
        key,
        charts.coefficient_forest(panels),
        f"{what} as multiplicative effects with 95% confidence intervals, on the whole "
        "session and before intent; 1 = no effect, blue = p < 0.05, grey = not "
        "distinguishable from no effect.",
    )


def _spend_block(data: ReportData) -> tuple[Block, Findings]:
    """The spend model's paragraph, chart and notes, or the notice saying why not."""
    spend, notices = _read_spend(data)
    if spend.empty:
        return Block(notices=notices), Findings()
    specs = _by_specification(spend)
    panels = [
        (
            f"Who spends more ({SPEC_LABELS[name]})",
            "spend ratio (per SD)",
            _term_frame(terms.reset_index()),
        )
        for name, terms in specs.items()
    ]
    chart = _coefficients_chart(
        "drivers-spend-coefficients",
        panels,
        "The spend model among buyers (analytics.spend_drivers)",
    )
    block = Block(
        paragraphs=(_spend_paragraph(specs),),
        charts=(chart,),
        bullets=tuple(_term_notes(spend)),
        notices=notices,
    )
    return block, _spend_findings(specs)


def drivers_block(data: ReportData) -> Evidence:
    conversion = data.analytics(CONVERSION_DRIVERS)
    wanted = (*DRIVER_NUMBERS, "n_clusters", "pseudo_r_squared", "auc_out_of_sample", "cv_folds")
    # A table written before the out-of-sample columns existed lacks the last two.
    conversion = numeric(conversion, *(name for name in wanted if name in conversion.columns))
    if conversion.empty:
        return Evidence(
            notice_block(
                "analytics.conversion_drivers is empty: the model needs sessions with events "
                "that purchase and sessions that do not (`analyze` prints why it was not fitted)."
            )
        )
    specs = _by_specification(conversion)
    first = ALL_EVENTS if ALL_EVENTS.name in specs else PRE_INTENT
    paragraphs = [_conversion_paragraph(specs[first.name], first)]
    if first is ALL_EVENTS and PRE_INTENT.name in specs:
        paragraphs.append(_leakage_paragraph(specs[ALL_EVENTS.name], specs[PRE_INTENT.name]))
    panels = [
        (
            f"Who purchases ({SPEC_LABELS[name]})",
            "odds ratio (per SD, or vs reference)",
            _term_frame(terms.reset_index()),
        )
        for name, terms in specs.items()
    ]
    chart = _coefficients_chart(
        "drivers-coefficients", panels, "The purchase model (analytics.conversion_drivers)"
    )
    tables, calibration_notices = _calibration_table(data)
    conversion_block = Block(
        paragraphs=tuple(paragraphs),
        charts=(chart,),
        tables=tables,
        bullets=tuple(_term_notes(conversion)),
        notices=calibration_notices,
    )
    spend_block, spend_findings = _spend_block(data)
    block = conversion_block.then(spend_block)
    block = replace(block, bullets=tuple(dict.fromkeys(block.bullets)))
    return Evidence(block, Findings.combine([_conversion_findings(specs), spend_findings]))


SECTION = SectionSpec(
    "features",
    "Feature engineering",
    "The session-level features every analysis uses, and which of them drive purchase and spend.",
    (
        BlockSpec("The session features", session_features_block),
        BlockSpec("What drives purchase and spend", drivers_block),
    ),
)
