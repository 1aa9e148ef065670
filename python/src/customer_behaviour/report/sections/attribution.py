"""6. Channel attribution: which channels bring the customers who buy (marts.fct_conversion_paths,
fct_channel_attribution, analytics.channel_attribution_markov)."""

from __future__ import annotations

import pandas as pd

from customer_behaviour.analytics_tables import CHANNEL_ATTRIBUTION_MARKOV
from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Paragraph, Table, notice_block
from customer_behaviour.report.data import MissingData, ReportData, numeric
from customer_behaviour.report.figures import embed
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import fmt_int, fmt_num, fmt_pct, fmt_usd

MODEL_LABELS = {
    "first_touch": "first touch",
    "last_touch": "last touch",
    "last_non_direct": "last non-direct",
    "linear": "linear",
    "position_based": "position-based",
    "time_decay": "time decay",
}
MARKOV_LABEL = "Markov"
NO_JOURNEY = (
    "fct_conversion_paths is empty (no accepted session): there is no journey to attribute."
)
NO_CONVERSION = (
    "No journey converts (no purchasing session), so no channel can be credited with a conversion."
)


def _paths(data: ReportData) -> pd.DataFrame:
    paths = numeric(
        data.model("fct_conversion_paths"), "path_length", "revenue_usd", "distinct_channel_count"
    )
    for column in ("is_converted", "is_anonymous"):
        paths[column] = paths[column].astype(bool)
    return paths


# --------------------------------------------------------------------------------------------
# The journeys


def _paths_text(paths: pd.DataFrame) -> str:
    converted = paths[paths["is_converted"]]
    text = (
        f"Cutting each customer's sessions after every purchase gives {fmt_int(len(paths))} "
        f"journeys: {fmt_int(len(converted))} conversions and "
        f"{fmt_int(len(paths) - len(converted))} journeys that did not (or not yet) convert. "
        f"{fmt_int(int(paths['is_anonymous'].sum()))} of the journeys are anonymous sessions, "
        "each counted on its own because visits are not yet stitched to customers."
    )
    if not converted.empty:
        multi = converted[converted["path_length"] > 1]
        text += (
            f" {fmt_pct(len(multi) / len(converted))} of the conversions followed more than "
            f"one visit within the lookback window (on average "
            f"{fmt_num(converted['path_length'].mean(), 1)} visits per conversion)"
        )
        mixed = converted[converted["distinct_channel_count"] > 1]
        text += (
            f", and {fmt_pct(len(mixed) / len(converted))} came through more than one "
            "channel: only for those do the attribution models below disagree."
        )
    return text


def paths_block(data: ReportData) -> Evidence:
    paths = _paths(data)
    if paths.empty:
        return Evidence(notice_block(NO_JOURNEY))
    return Evidence(Block(paragraphs=(Paragraph(_paths_text(paths), key="attribution-paths"),)))


# --------------------------------------------------------------------------------------------
# The models side by side

# The numeric columns of analytics.channel_attribution_markov (as written by analyze).
MARKOV_NUMERIC_COLUMNS = (
    "removal_effect",
    "share_of_conversions",
    "share_low",
    "share_high",
    "attributed_conversions",
    "attributed_revenue_usd",
    "conversion_probability",
    "conversion_probability_without_channel",
    "n_resamples",
    "n_conversions",
    "n_journeys",
)


def _markov(data: ReportData) -> pd.DataFrame | None:
    """The Markov shares, or None while analyze has not written them (or found none)."""
    try:
        markov = data.analytics(CHANNEL_ATTRIBUTION_MARKOV)
    except MissingData:
        return None
    markov = numeric(markov, *MARKOV_NUMERIC_COLUMNS)
    return None if markov.empty else markov.set_index("channel_group")


def _shares(attribution: pd.DataFrame, markov: pd.DataFrame | None) -> pd.DataFrame:
    ordered = attribution.sort_values("model_order")
    shares = ordered.pivot_table(
        index="channel_group",
        columns="attribution_model",
        values="share_of_conversions",
        aggfunc="sum",
        sort=False,
    )
    models = list(dict.fromkeys(ordered["attribution_model"]))
    shares = shares[models].rename(columns=MODEL_LABELS)
    if markov is not None:
        shares[MARKOV_LABEL] = markov["share_of_conversions"].reindex(shares.index).fillna(0.0)
    return shares.sort_values(shares.columns[-1], ascending=False)


def _models_text(shares: pd.DataFrame) -> str:
    last, first = shares["last touch"], shares["first touch"]
    spread = shares.max(axis=1) - shares.min(axis=1)
    moving = str(spread.idxmax())
    high_model, low_model = shares.loc[moving].idxmax(), shares.loc[moving].idxmin()
    return (
        f"Last touch credits {last.idxmax()} with the most conversions "
        f"({fmt_pct(last.max())}); first touch credits {first.idxmax()} "
        f"({fmt_pct(first.max())}). The models disagree most on {moving}: from "
        f"{fmt_pct(shares.loc[moving, low_model])} ({low_model}) to "
        f"{fmt_pct(shares.loc[moving, high_model])} ({high_model})."
    )


def models_block(data: ReportData) -> Evidence:
    attribution = numeric(
        data.model("fct_channel_attribution"),
        "model_order",
        "attributed_conversions",
        "share_of_conversions",
    )
    if attribution.empty:
        return Evidence(notice_block(NO_JOURNEY))
    if attribution["share_of_conversions"].isna().all():
        return Evidence(notice_block(NO_CONVERSION))
    markov = _markov(data)
    shares = _shares(attribution, markov)
    intervals = None
    if markov is not None and markov["share_low"].notna().any():
        intervals = markov[["share_low", "share_high"]].rename(
            columns={"share_low": "low", "share_high": "high"}
        )
    chart = embed(
        "attribution-models",
        charts.attribution_shares(shares, intervals),
        "Share of conversions attributed to each channel group by each model "
        "(marts.fct_channel_attribution"
        + (
            "; Markov: analytics.channel_attribution_markov, whisker = 95% bootstrap interval)."
            if markov is not None
            else ")."
        ),
    )
    table = Table(
        headers=("channel", *shares.columns),
        rows=tuple(
            (str(channel), *(fmt_pct(value) for value in row))
            for channel, row in zip(shares.index, shares.to_numpy(), strict=True)
        ),
        caption="Share of conversions per channel group under each attribution model.",
        key="attribution-models",
    )
    paragraph = Paragraph(_models_text(shares), key="attribution-models")
    return Evidence(Block(paragraphs=(paragraph,), charts=(chart,), tables=(table,)))


# --------------------------------------------------------------------------------------------
# The Markov model


def _markov_text(markov: pd.DataFrame) -> str:
    best = markov.sort_values("share_of_conversions", ascending=False).iloc[0]
    text = (
        f"In a Markov chain fitted to the {fmt_int(best['n_journeys'])} journeys, a journey "
        f"converts with probability {fmt_pct(best['conversion_probability'])}. Without "
        f"{best.name}, {fmt_pct(best['removal_effect'])} of conversions would be lost; "
        f"normalised over all channels that earns it {fmt_pct(best['share_of_conversions'])} "
        f"of the {fmt_int(best['n_conversions'])} conversions"
    )
    if pd.notna(best["share_low"]):
        text += (
            f" (95% interval {fmt_pct(best['share_low'])} – {fmt_pct(best['share_high'])}, "
            f"{fmt_int(best['n_resamples'])} bootstrap resamples of the journeys)."
        )
    else:
        text += " (no interval: the bootstrap was switched off)."
    return text


def _interval(low: float, high: float) -> str:
    return "–" if pd.isna(low) or pd.isna(high) else f"{fmt_pct(low)} – {fmt_pct(high)}"


def markov_block(data: ReportData) -> Evidence:
    paths = _paths(data)
    if paths.empty:
        return Evidence(notice_block(NO_JOURNEY))
    if not paths["is_converted"].any():
        return Evidence(notice_block(NO_CONVERSION))
    markov = numeric(data.analytics(CHANNEL_ATTRIBUTION_MARKOV), *MARKOV_NUMERIC_COLUMNS)
    if markov.empty:
        return Evidence(
            notice_block(
                "analytics.channel_attribution_markov is empty although journeys convert: "
                "run `customer-behaviour analyze` again."
            )
        )
    markov = markov.set_index("channel_group").sort_values("share_of_conversions", ascending=False)
    table = Table(
        headers=(
            "channel",
            "removal effect",
            "share",
            "95% interval",
            "conversions",
            "revenue",
        ),
        rows=tuple(
            (
                str(channel),
                fmt_pct(row.removal_effect),
                fmt_pct(row.share_of_conversions),
                _interval(row.share_low, row.share_high),
                fmt_num(row.attributed_conversions, 1),
                fmt_usd(row.attributed_revenue_usd),
            )
            for channel, row in zip(markov.index, markov.itertuples(index=False), strict=True)
        ),
        caption="Markov attribution (analytics.channel_attribution_markov): removal effect, "
        "share of conversions with its bootstrap interval, attributed conversions and revenue.",
        key="attribution-markov",
    )
    paragraph = Paragraph(_markov_text(markov), key="attribution-markov")
    return Evidence(Block(paragraphs=(paragraph,), tables=(table,)))


SECTION = SectionSpec(
    "attribution",
    "Channel attribution",
    "Which channels bring the customers who buy, across all the visits before a purchase.",
    (
        BlockSpec("Journeys to a purchase", paths_block),
        BlockSpec("The attribution models side by side", models_block),
        BlockSpec("The data-driven model (Markov removal effects)", markov_block),
    ),
)
