"""2. Cleaning and transformation: every raw row accounted for (marts.dq_load_summary)."""

from __future__ import annotations

import math

import pandas as pd

from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Chart, Paragraph, Table
from customer_behaviour.report.data import ReportData, numeric
from customer_behaviour.report.figures import embed
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import fmt_int, fmt_pct, join_words

CLEANING_RULES = (
    "Staging reads every column as text, trims it, converts timestamps to UTC and "
    "lower-cases categories; unknown devices, traffic sources and countries become "
    "'unknown' instead of being rejected.",
    "A row is rejected, with its reason, when its key or timestamp is missing or "
    "unparseable, a quantity or price is invalid, a reference points nowhere, or it "
    "duplicates another row; e-mail addresses are replaced by a keyed hash (HMAC-SHA256).",
    "Intermediate models validate references, order each session's events and evaluate "
    "the funnel; the marts are wide tables per entity (sessions, customers, baskets) "
    "that this report and DBeaver users read.",
)


def _share(part: float, whole: float) -> float:
    return part / whole if whole else math.nan


def _totals(files: pd.DataFrame) -> Paragraph:
    raw = files["raw_rows"].sum()
    accepted = files["accepted_rows"].sum()
    rejected = files["rejected_rows"].sum()
    balanced = bool((files["raw_rows"] == files["accepted_rows"] + files["rejected_rows"]).all())
    balance_text = (
        "For every file, raw rows = accepted + rejected: nothing was dropped silently."
        if balanced
        else "Warning: for some files raw rows differ from accepted + rejected; check "
        "dq_load_summary before trusting the figures below."
    )
    if not raw:
        return Paragraph(
            f"No raw row was read: the {fmt_int(len(files))} input files hold a header "
            f"only, so nothing was accepted or quarantined. {balance_text}",
            key="dq-totals",
        )
    return Paragraph(
        f"{fmt_int(raw)} raw rows were read from the {fmt_int(len(files))} input files; "
        f"{fmt_int(accepted)} ({fmt_pct(_share(accepted, raw))}) passed "
        f"every check and {fmt_int(rejected)} "
        f"({fmt_pct(_share(rejected, raw), 2)}) were quarantined in "
        f"marts.dq_rejected_rows with their reason. {balance_text}",
        key="dq-totals",
    )


def _reasons(reasons: pd.DataFrame, files: pd.DataFrame) -> tuple[Paragraph, Chart]:
    by_reason = reasons.groupby("outcome")["n_rows"].sum().sort_values(ascending=False)
    top_reason = by_reason.index[0]
    in_tables = sorted(reasons.loc[reasons["outcome"] == top_reason, "source_table"])
    worst = files.assign(share=files["rejected_rows"] / files["raw_rows"]).sort_values(
        "share", ascending=False
    )
    paragraph = Paragraph(
        f"{fmt_int(len(by_reason))} different reasons occur. The most frequent is "
        f"{top_reason} ({fmt_int(by_reason.iloc[0])} rows, in "
        f"{join_words(in_tables)}); the file with the highest rejected share is "
        f"{worst['source_table'].iloc[0]} ({fmt_pct(worst['share'].iloc[0], 2)} of its "
        "rows).",
        key="dq-reasons",
    )
    chart = embed(
        "dq-reasons",
        charts.rejected_by_reason(reasons),
        "Rejected rows by reason and input file (marts.dq_load_summary).",
    )
    return paragraph, chart


def _files_table(files: pd.DataFrame) -> Table:
    return Table(
        headers=("input file", "raw rows", "accepted", "rejected", "rejected share"),
        rows=tuple(
            (
                str(row.source_table),
                fmt_int(row.raw_rows),
                fmt_int(row.accepted_rows),
                fmt_int(row.rejected_rows),
                fmt_pct(_share(row.rejected_rows, row.raw_rows), 2),
            )
            for row in files.itertuples(index=False)
        ),
        caption="Load outcome per input file.",
        key="dq-files",
    )


def quality_block(data: ReportData) -> Evidence:
    summary = numeric(
        data.model("dq_load_summary"),
        "n_rows",
        "raw_rows",
        "accepted_rows",
        "rejected_rows",
        "table_order",
    )
    files = summary.drop_duplicates("source_table").sort_values("table_order")
    reasons = summary[summary["outcome"] != "accepted"]
    if len(reasons):
        reason, chart = _reasons(reasons, files)
        found: tuple[Chart, ...] = (chart,)
    else:
        reason, found = Paragraph("No row was rejected.", key="dq-reasons"), ()
    block = Block(paragraphs=(_totals(files), reason), charts=found, tables=(_files_table(files),))
    return Evidence(block)


def cleaning_rules_block(data: ReportData) -> Evidence:
    """The cleaning rules in plain words (the same for every data set)."""
    return Evidence(Block(bullets=CLEANING_RULES))


SECTION = SectionSpec(
    "cleaning",
    "Cleaning and transformation",
    "How raw exports become trustworthy tables, and how many rows could not be used.",
    (
        BlockSpec("Data quality: every raw row accounted for", quality_block),
        BlockSpec("How the raw files become the marts", cleaning_rules_block),
    ),
)
