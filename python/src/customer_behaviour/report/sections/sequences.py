"""5. Sequence analysis: the paths sessions take and which steps conversions depend on
(marts.fct_session_paths, fct_paths_to_conversion, fct_paths_from_entry, fct_path_transitions,
fct_step_transitions_by_position, analytics.path_removal_effects)."""

from __future__ import annotations

import pandas as pd

from customer_behaviour.analytics_tables import PATH_REMOVAL_EFFECTS
from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Paragraph, Table, notice_block
from customer_behaviour.report.data import ReportData, numeric
from customer_behaviour.report.figures import embed
from customer_behaviour.report.findings import Findings, Removal
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import (
    arrow,
    fmt_int,
    fmt_pct,
    fmt_usd,
    join_words,
    rate_table,
)

TOP_PATHS = 12
TOP_TRANSITIONS = 25
MIN_PATH_SESSIONS = 10
MIN_EXIT_TRANSITIONS = 30
"""A step needs this many moves out of it before it can be named the commonest exit."""
TOP_QUESTION_PATHS = 8
"""Rows shown of the paths to a conversion and of the paths from each entry step."""
OTHER_PATHS = "(other)"
"""The row in which the question-path marts group the paths beyond their top N."""
MANDATORY = 0.999
"""A removal effect from which a step counts as one every conversion passes through."""


# --------------------------------------------------------------------------------------------
# The most common paths


def _paths_paragraph(paths: pd.DataFrame) -> Paragraph:
    total = paths["sessions"].sum()
    top10 = paths.head(10)["sessions"].sum()
    first = paths.iloc[0]
    single = paths[paths["path_length"] == 1]
    return Paragraph(
        f"The {fmt_int(total)} sessions with events took {fmt_int(len(paths))} distinct "
        f"paths (consecutive repeats of a step collapsed); the ten most common cover only "
        f"{fmt_pct(top10 / total)} of sessions. The most common path, '{first['path']}', "
        f"is taken by {fmt_int(first['sessions'])} sessions "
        f"({fmt_pct(first['share_of_sessions'])}). Single-step paths account for "
        f"{fmt_pct(single['sessions'].sum() / total)} of sessions, and "
        f"{fmt_int(single['purchase_sessions'].sum())} of them purchased.",
        key="paths-top",
    )


def _converting_paths(paths: pd.DataFrame) -> tuple[Table, ...]:
    """The best-converting frequent paths by the lower bound of their interval (if any)."""
    frequent = rate_table(
        paths[paths["sessions"] >= MIN_PATH_SESSIONS], "purchase_sessions", "sessions"
    )
    converting = frequent[frequent["purchase_sessions"] > 0].sort_values(
        ["low", "sessions"], ascending=[False, False]
    )
    if converting.empty:
        return ()
    table = Table(
        headers=("path", "sessions", "purchased", "rate", "95% interval"),
        rows=tuple(
            (
                str(row.path),
                fmt_int(row.sessions),
                fmt_int(row.purchase_sessions),
                fmt_pct(row.rate),
                f"{fmt_pct(row.low)} – {fmt_pct(row.high)}",
            )
            for row in converting.head(5).itertuples(index=False)
        ),
        caption=f"Best-converting paths taken by at least {MIN_PATH_SESSIONS} sessions, "
        "ranked by the lower bound of their 95% interval "
        "(analyses/top_converting_paths.sql gives the same in SQL).",
        key="paths-converting",
    )
    return (table,)


def paths_block(data: ReportData) -> Evidence:
    paths = numeric(
        data.model("fct_session_paths"),
        "sessions",
        "share_of_sessions",
        "purchase_sessions",
        "purchase_rate",
        "path_rank",
        "path_length",
    ).sort_values("path_rank")
    if paths.empty:
        return Evidence(notice_block("fct_session_paths is empty (no session has events)."))
    chart = embed(
        "paths-top",
        charts.top_paths(paths.head(TOP_PATHS)),
        f"The {TOP_PATHS} most common session paths, with the share of their sessions "
        "that purchased (marts.fct_session_paths).",
    )
    block = Block(
        paragraphs=(_paths_paragraph(paths),), charts=(chart,), tables=_converting_paths(paths)
    )
    return Evidence(block)


# --------------------------------------------------------------------------------------------
# Paths that answer questions: to a conversion, from the entry step


def _other_share(frame: pd.DataFrame, share: str) -> float:
    return float(frame.loc[frame["path"] == OTHER_PATHS, share].sum())


def _conversion_paths_paragraph(paths: pd.DataFrame) -> Paragraph:
    named = paths[paths["path"] != OTHER_PATHS]
    first = named.iloc[0]
    text = (
        f"{fmt_int(paths['sessions'].sum())} sessions completed the funnel. The most common "
        f"way there, the last steps before the conversion, is '{first['path']}' "
        f"({fmt_int(first['sessions'])} sessions, {fmt_pct(first['share_of_conversions'])} "
        "of conversions)."
    )
    other = _other_share(paths, "share_of_conversions")
    if other > 0:
        text += (
            f" The {fmt_int(len(named))} paths shown in the mart cover "
            f"{fmt_pct(1 - other)} of conversions; the rest are grouped as {OTHER_PATHS}."
        )
    return Paragraph(text, key="paths-to-conversion")


def conversion_paths_block(data: ReportData) -> Evidence:
    paths = numeric(
        data.model("fct_paths_to_conversion"),
        "path_rank",
        "sessions",
        "share_of_conversions",
        "amount_usd",
        "amount_per_session_usd",
    ).sort_values("path_rank")
    if paths.empty:
        return Evidence(
            notice_block("fct_paths_to_conversion is empty: no session completed the funnel.")
        )
    with_revenue = paths["amount_usd"].sum() > 0
    headers = ("path before the conversion", "conversions", "share of conversions")
    table = Table(
        headers=headers + (("revenue", "per session") if with_revenue else ()),
        rows=tuple(
            (str(row.path), fmt_int(row.sessions), fmt_pct(row.share_of_conversions))
            + (
                (fmt_usd(row.amount_usd), fmt_usd(row.amount_per_session_usd, 2))
                if with_revenue
                else ()
            )
            for row in paths.head(TOP_QUESTION_PATHS).itertuples(index=False)
        ),
        caption=f"The {TOP_QUESTION_PATHS} most common paths of the last steps before a "
        "conversion (consecutive repeats collapsed; '... >' marks earlier steps cut off, "
        "'(none)' a conversion that was the session's first event); marts.fct_paths_to_conversion.",
        key="paths-to-conversion",
    )
    return Evidence(Block(paragraphs=(_conversion_paths_paragraph(paths),), tables=(table,)))


def _entry_paths_paragraph(paths: pd.DataFrame) -> Paragraph:
    entries = (
        paths.groupby("entry_step")["entry_sessions"]
        .max()
        .sort_values(ascending=False, kind="mergesort")
    )
    entry = str(entries.index[0])
    of_entry = paths[(paths["entry_step"] == entry) & (paths["path"] != OTHER_PATHS)]
    of_entry = of_entry.sort_values("path_rank")
    first = of_entry.iloc[0]
    text = (
        f"{fmt_int(entries.iloc[0])} sessions start at {entry}. The commonest path from "
        f"there is '{first['path']}' ({fmt_pct(first['share_of_entry_sessions'])} of them; "
        f"{fmt_pct(first['conversion_rate'])} of those complete the funnel)."
    )
    frequent = of_entry[of_entry["sessions"] >= MIN_PATH_SESSIONS].sort_values(
        ["conversion_rate", "sessions"], ascending=False, kind="mergesort"
    )
    if not frequent.empty:
        best = frequent.iloc[0]
        text += (
            f" Of the paths taken by at least {MIN_PATH_SESSIONS} sessions, '{best['path']}' "
            f"converts best ({fmt_pct(best['conversion_rate'])} of "
            f"{fmt_int(best['sessions'])} sessions)."
        )
    return Paragraph(text, key="paths-from-entry")


def entry_paths_block(data: ReportData) -> Evidence:
    paths = numeric(
        data.model("fct_paths_from_entry"),
        "path_rank",
        "sessions",
        "entry_sessions",
        "share_of_entry_sessions",
        "converted_sessions",
        "conversion_rate",
    ).sort_values(["entry_sessions", "entry_step", "path_rank"], ascending=[False, True, True])
    if paths.empty:
        return Evidence(
            notice_block("fct_paths_from_entry is empty: no session starts at an entry step.")
        )
    shown = paths.groupby("entry_step", sort=False).head(TOP_QUESTION_PATHS)
    table = Table(
        headers=("entry step", "first steps", "sessions", "share", "completed the funnel"),
        rows=tuple(
            (
                str(row.entry_step),
                str(row.path),
                fmt_int(row.sessions),
                fmt_pct(row.share_of_entry_sessions),
                fmt_pct(row.conversion_rate),
            )
            for row in shown.itertuples(index=False)
        ),
        caption=f"Per entry step, the {TOP_QUESTION_PATHS} most common paths of the first steps "
        "('> ...' marks later steps cut off), with the share of the sessions taking each that "
        "completed the funnel; marts.fct_paths_from_entry.",
        key="paths-from-entry",
        text_columns=2,
    )
    return Evidence(Block(paragraphs=(_entry_paths_paragraph(paths),), tables=(table,)))


# --------------------------------------------------------------------------------------------
# Transitions and the step matrix


def _transitions_text(transitions: pd.DataFrame) -> str:
    moves = transitions[~transitions["from_step"].isin(["(start)"])]
    first = moves.sort_values("transitions", ascending=False).iloc[0]
    exits = transitions[
        (transitions["to_step"] == "(exit)")
        & (transitions["from_step_transitions"] >= MIN_EXIT_TRANSITIONS)
    ].sort_values("transition_probability", ascending=False)
    text = (
        f"Between steps, the most frequent move is {arrow(first['from_step'], first['to_step'])} "
        f"({fmt_int(first['transitions'])} times, {fmt_pct(first['transition_probability'])} of "
        f"the moves out of {first['from_step']})."
    )
    if not exits.empty:
        text += (
            f" Sessions leave most often from {exits.iloc[0]['from_step']}: "
            f"{fmt_pct(exits.iloc[0]['transition_probability'])} of the moves out of it end the "
            "session."
        )
    return text


def transitions_block(data: ReportData) -> Evidence:
    transitions = numeric(
        data.model("fct_path_transitions"),
        "transitions",
        "from_step_transitions",
        "transition_probability",
    )
    if transitions.empty:
        return Evidence(notice_block("fct_path_transitions is empty."))
    top = transitions.sort_values("transitions", ascending=False).head(TOP_TRANSITIONS)
    chart = embed(
        "transitions-flow",
        charts.transition_flow(top),
        f"The {len(top)} most frequent transitions between steps, from '(start)' to "
        "'(conversion)' or '(exit)'; band width = number of transitions "
        "(marts.fct_path_transitions).",
    )
    paragraph = Paragraph(_transitions_text(transitions), key="transitions-top")
    return Evidence(Block(paragraphs=(paragraph,), charts=(chart,)))


def _matrix_paragraph(matrix: pd.DataFrame) -> Paragraph:
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
    still_going = at_position.loc[last_position, "sessions_at_position"]
    return Paragraph(
        f"{first.iloc[0]['step_label']} opens {fmt_pct(first.iloc[0]['share_of_position'])} "
        f"of the sessions with events. By step {fmt_int(last_position)}, "
        f"{fmt_int(still_going)} of the {fmt_int(starting)} sessions "
        f"({fmt_pct(still_going / starting)}) are still going.",
        key="step-matrix",
    )


def step_matrix_block(data: ReportData) -> Evidence:
    matrix = numeric(
        data.model("fct_step_transitions_by_position"),
        "step_position",
        "sessions",
        "sessions_at_position",
        "share_of_position",
        "share_of_sessions",
    )
    if matrix.empty:
        return Evidence(notice_block("fct_step_transitions_by_position is empty."))
    pivot = matrix.pivot_table(
        index="step_label", columns="step_position", values="share_of_position", aggfunc="sum"
    )
    order = matrix.groupby("step_label")["sessions"].sum().sort_values(ascending=False).index
    pivot = pivot.loc[order]
    pivot.columns = [int(column) for column in pivot.columns]
    chart = embed(
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
    return Evidence(Block(paragraphs=(_matrix_paragraph(matrix),), charts=(chart,)))


# --------------------------------------------------------------------------------------------
# Removal effects


def _removal_text(effects: pd.DataFrame, mandatory: pd.DataFrame, optional: pd.DataFrame) -> str:
    text = (
        f"In a Markov chain fitted to the transitions, a session converts with probability "
        f"{fmt_pct(effects['conversion_probability'].iloc[0])}."
    )
    if not mandatory.empty:
        text += (
            f" Every conversion passes through {join_words(list(mandatory['step']))}, so "
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
    return text


def removal_block(data: ReportData) -> Evidence:
    effects = numeric(
        data.analytics(PATH_REMOVAL_EFFECTS),
        "removal_effect",
        "conversion_probability",
        "conversion_probability_without_step",
    )
    if effects.empty:
        return Evidence(
            notice_block("analytics.path_removal_effects is empty: no session has events.")
        )
    effects = effects.dropna(subset=["removal_effect"]).sort_values(
        "removal_effect", ascending=False
    )
    if effects.empty:
        return Evidence(
            notice_block("No removal effect could be computed: no session path converts.")
        )
    mandatory = effects[effects["removal_effect"] >= MANDATORY]
    optional = effects[effects["removal_effect"] < MANDATORY]
    chart = embed(
        "removal-effects",
        charts.horizontal_bars(
            effects,
            "step",
            "removal_effect",
            "Conversions lost if a step could not be reached",
            "removal effect",
            highlight=[value < MANDATORY for value in effects["removal_effect"]],
        ),
        "Removal effect of each step (analytics.path_removal_effects); grey: steps every "
        "conversion passes through.",
    )
    paragraph = Paragraph(_removal_text(effects, mandatory, optional), key="removal-top")
    findings = Findings()
    if not optional.empty:
        best = optional.iloc[0]
        findings = Findings(removal=Removal(str(best["step"]), float(best["removal_effect"])))
    return Evidence(Block(paragraphs=(paragraph,), charts=(chart,)), findings)


SECTION = SectionSpec(
    "sequences",
    "Sequence analysis",
    "The paths sessions take through the site, and which steps conversions depend on.",
    (
        BlockSpec("The most common paths", paths_block),
        BlockSpec("The paths that lead to a conversion", conversion_paths_block),
        BlockSpec("The paths from the entry step", entry_paths_block),
        BlockSpec("How sessions move between steps", transitions_block),
        BlockSpec("The step matrix", step_matrix_block),
        BlockSpec("Which steps conversions depend on (removal effects)", removal_block),
    ),
)
