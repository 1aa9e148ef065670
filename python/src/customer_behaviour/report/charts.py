"""The charts of the insight report, drawn with matplotlib.

Every function takes the numbers to draw (already read from the marts and analytics tables)
and returns a matplotlib ``Figure`` in the report's style; :mod:`.figures` embeds it in the
page as inline SVG (and says why matplotlib).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter

from customer_behaviour.report.figures import DARK, GREY, PALETTE, chart_style, new_figure


def _percent_axis(axis, decimals: int = 0) -> None:
    axis.set_major_formatter(PercentFormatter(1.0, decimals=decimals))


def _thousands(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))


def _log_ticks(axes, values: np.ndarray) -> None:
    """Readable ticks (0.5, 1, 2, ...) on a logarithmic axis spanning the given values."""
    values = values[np.isfinite(values) & (values > 0)]
    low, high = float(values.min()) / 1.15, float(values.max()) * 1.15
    candidates = [0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 50, 100]
    ticks = [tick for tick in candidates if low <= tick <= high]
    axes.set_xlim(low, high)
    axes.set_xticks(ticks, [f"{tick:g}" for tick in ticks])
    axes.xaxis.set_minor_formatter(FuncFormatter(lambda value, _: ""))


def _short(text: str, limit: int = 46) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def daily_sessions(frame: pd.DataFrame) -> Figure:
    """Sessions per day (``session_date``), stacked by ``device`` (column ``sessions``)."""
    with chart_style():
        figure = new_figure(2.8)
        axes = figure.subplots()
        pivot = frame.pivot_table(
            index="session_date", columns="device", values="sessions", aggfunc="sum", fill_value=0
        ).sort_index()
        bottom = np.zeros(len(pivot))
        dates = pd.to_datetime(pivot.index)
        for position, device in enumerate(pivot.columns):
            values = pivot[device].to_numpy(dtype=float)
            axes.bar(
                dates,
                values,
                bottom=bottom,
                width=0.9,
                color=PALETTE[position % len(PALETTE)],
                label=str(device),
            )
            bottom += values
        axes.set_ylabel("sessions per day")
        figure.legend(loc="outside lower center", ncols=min(len(pivot.columns), 6), fontsize=8)
        axes.set_title("Sessions per day, by device")
        figure.autofmt_xdate()
        return figure


def rejected_by_reason(frame: pd.DataFrame) -> Figure:
    """Rejected rows by ``outcome`` (reason), stacked by ``source_table`` (``n_rows``)."""
    with chart_style():
        pivot = frame.pivot_table(
            index="outcome", columns="source_table", values="n_rows", aggfunc="sum", fill_value=0
        )
        pivot = pivot.loc[pivot.sum(axis=1).sort_values().index]
        figure = new_figure(max(2.2, 0.28 * len(pivot) + 1.0))
        axes = figure.subplots()
        left = np.zeros(len(pivot))
        for position, table in enumerate(pivot.columns):
            values = pivot[table].to_numpy(dtype=float)
            axes.barh(
                pivot.index,
                values,
                left=left,
                color=PALETTE[position % len(PALETTE)],
                label=str(table),
            )
            left += values
        for y, total in enumerate(left):
            axes.text(total, y, f" {total:,.0f}", va="center", fontsize=8, color=DARK)
        axes.set_xlabel("rejected rows")
        axes.legend(title="input file", fontsize=8, loc="lower right")
        axes.set_title("Rows quarantined, by rejection reason")
        _thousands(axes.xaxis)
        return figure


def rate_by_bucket(panels: Sequence[tuple[str, pd.DataFrame]]) -> Figure:
    """One panel per feature: conversion (``rate`` with ``low``/``high``) per ``bucket``."""
    with chart_style():
        figure = new_figure(2.9)
        axes_list = figure.subplots(1, len(panels), sharey=True, squeeze=False)[0]
        for position, (axes, (title, frame)) in enumerate(zip(axes_list, panels, strict=True)):
            x = np.arange(len(frame))
            rate = frame["rate"].to_numpy(dtype=float)
            errors = np.vstack([rate - frame["low"], frame["high"] - rate])
            axes.bar(x, rate, color=PALETTE[position], alpha=0.85)
            axes.errorbar(x, rate, yerr=errors, fmt="none", ecolor=DARK, elinewidth=0.8)
            axes.set_xticks(x, frame["bucket"], rotation=45, ha="right", fontsize=7)
            axes.set_title(title)
            _percent_axis(axes.yaxis)
        axes_list[0].set_ylabel("sessions that purchased")
        return figure


def coefficient_forest(panels: Sequence[tuple[str, str, pd.DataFrame]]) -> Figure:
    """Forest plots: per panel (title, x label, frame with term/estimate/low/high/p_value) the
    multiplicative effect of each term with its 95% confidence interval (log scale)."""
    with chart_style():
        rows = max(len(frame) for _, _, frame in panels)
        figure = new_figure(max(2.4, 0.32 * rows + 1.2))
        axes_list = figure.subplots(1, len(panels), squeeze=False)[0]
        for axes, (title, label, frame) in zip(axes_list, panels, strict=True):
            y = rows - 1 - np.arange(len(frame))
            axes.set_ylim(-0.6, rows - 0.4)
            significant = frame["p_value"].to_numpy(dtype=float) < 0.05
            colours = [PALETTE[0] if flag else GREY for flag in significant]
            estimate = frame["estimate"].to_numpy(dtype=float)
            axes.hlines(y, frame["low"], frame["high"], colors=colours, linewidth=2)
            axes.scatter(estimate, y, color=colours, zorder=3, s=22)
            axes.axvline(1.0, color=DARK, linewidth=0.8, linestyle="--")
            axes.set_yticks(y, frame["term"], fontsize=8)
            axes.set_xscale("log")
            _log_ticks(axes, np.concatenate([frame["low"], frame["high"], [1.0]]))
            axes.set_xlabel(label)
            axes.set_title(title)
        return figure


def funnel_bars(frame: pd.DataFrame) -> Figure:
    """The overall funnel: ``step_name``, ``sessions``, ``conversion_from_previous``."""
    with chart_style():
        figure = new_figure(2.8)
        axes = figure.subplots()
        x = np.arange(len(frame))
        sessions = frame["sessions"].to_numpy(dtype=float)
        axes.bar(x, sessions, color=PALETTE[0], width=0.6)
        top = sessions.max() if len(sessions) else 1.0
        for index, (count, rate) in enumerate(
            zip(sessions, frame["conversion_from_previous"], strict=True)
        ):
            axes.text(index, count + top * 0.02, f"{count:,.0f}", ha="center", fontsize=8)
            if index > 0 and not pd.isna(rate):
                axes.annotate(
                    f"{rate:.0%} continue\n{1 - rate:.0%} drop off",
                    xy=(index - 0.5, top * 0.55),
                    ha="center",
                    fontsize=7,
                    color=PALETTE[3],
                )
        axes.set_xticks(x, frame["step_name"])
        axes.set_ylabel("sessions reaching the step")
        axes.set_ylim(0, top * 1.15)
        _thousands(axes.yaxis)
        axes.set_title("The session funnel")
        return figure


def time_to_convert_histogram(frame: pd.DataFrame) -> Figure:
    """Grouped bars: per ``bucket_label`` (in ``bucket_number`` order), the
    ``share_of_step_conversions`` of each ``step_name``."""
    with chart_style():
        figure = new_figure(2.8)
        axes = figure.subplots()
        labels = frame.sort_values("bucket_number").drop_duplicates("bucket_number")["bucket_label"]
        steps = list(dict.fromkeys(frame.sort_values("step_number")["step_name"]))
        x = np.arange(len(labels))
        width = 0.8 / max(len(steps), 1)
        for index, step in enumerate(steps):
            part = frame[frame["step_name"] == step].sort_values("bucket_number")
            axes.bar(
                x - 0.4 + width * (index + 0.5),
                part["share_of_step_conversions"].fillna(0).to_numpy(dtype=float),
                width=width,
                color=PALETTE[index % len(PALETTE)],
                label=f"to {step}",
            )
        axes.set_xticks(x, list(labels), fontsize=7)
        axes.set_xlabel("seconds from the first funnel step")
        axes.set_ylabel("share of the step's conversions")
        _percent_axis(axes.yaxis)
        axes.legend(fontsize=8, loc="upper left", ncols=min(len(steps), 4))
        axes.set_title("How long conversion takes")
        return figure


def grouped_rates(
    frame: pd.DataFrame, group_column: str, series_column: str, title: str, ylabel: str
) -> Figure:
    """Grouped bars of ``rate`` (with ``low``/``high`` 95% bounds): one group per value of
    ``group_column`` (in frame order), one bar per value of ``series_column``."""
    with chart_style():
        groups = list(dict.fromkeys(frame[group_column]))
        series = list(dict.fromkeys(frame[series_column]))
        figure = new_figure(3.0)
        axes = figure.subplots()
        width = 0.8 / max(len(series), 1)
        for position, name in enumerate(series):
            part = frame[frame[series_column] == name].set_index(group_column).reindex(groups)
            x = np.arange(len(groups)) - 0.4 + width * (position + 0.5)
            rate = part["rate"].to_numpy(dtype=float)
            errors = np.vstack([rate - part["low"], part["high"] - rate])
            axes.bar(x, rate, width=width, color=PALETTE[position % len(PALETTE)], label=str(name))
            axes.errorbar(x, rate, yerr=errors, fmt="none", ecolor=DARK, elinewidth=0.7)
        axes.set_xticks(np.arange(len(groups)), groups)
        axes.set_ylabel(ylabel)
        _percent_axis(axes.yaxis)
        if len(series) > 1:
            figure.legend(loc="outside lower center", ncols=min(len(series), 9), fontsize=8)
        axes.set_ylim(0, min(1.0, float(np.nanmax(frame["high"])) * 1.25 + 0.02))
        axes.set_title(title)
        return figure


def conversion_over_time(frame: pd.DataFrame) -> Figure:
    """Daily conversion (``rate``, ``low``, ``high`` per ``session_date``) and its 7-day
    rolling mean (``rolling``)."""
    with chart_style():
        figure = new_figure(2.8)
        axes = figure.subplots()
        dates = pd.to_datetime(frame["session_date"])
        axes.fill_between(
            dates, frame["low"], frame["high"], color=PALETTE[0], alpha=0.15, linewidth=0
        )
        axes.plot(dates, frame["rate"], color=PALETTE[0], linewidth=0.8, alpha=0.7, label="day")
        axes.plot(dates, frame["rolling"], color=PALETTE[3], linewidth=2, label="7-day average")
        axes.set_ylabel("sessions reaching purchase")
        _percent_axis(axes.yaxis)
        axes.legend(fontsize=8, loc="upper left", ncols=2)
        axes.set_title("Conversion over time (band: 95% interval of each day)")
        figure.autofmt_xdate()
        return figure


def top_paths(frame: pd.DataFrame) -> Figure:
    """Horizontal bars of ``sessions`` per ``path``, labelled with ``purchase_rate``."""
    with chart_style():
        figure = new_figure(max(2.4, 0.3 * len(frame) + 0.9))
        axes = figure.subplots()
        y = np.arange(len(frame))[::-1]
        sessions = frame["sessions"].to_numpy(dtype=float)
        rate = frame["purchase_rate"].to_numpy(dtype=float)
        colours = [PALETTE[2] if value > 0 else PALETTE[0] for value in rate]
        axes.barh(y, sessions, color=colours)
        for row, count, value in zip(y, sessions, rate, strict=True):
            axes.text(
                count, row, f" {count:,.0f} · {value:.0%} buy", va="center", fontsize=7, color=DARK
            )
        axes.set_yticks(y, [_short(path, 52) for path in frame["path"]], fontsize=7)
        axes.set_xlabel("sessions")
        axes.set_xlim(0, sessions.max() * 1.3 if len(sessions) else 1)
        _thousands(axes.xaxis)
        axes.set_title("Most common session paths (green: some sessions purchase)")
        return figure


def _band(
    axes, x0: float, x1: float, left: tuple[float, float], right: tuple[float, float], colour
):
    """A smooth band from a slot on the left to a slot on the right (a Sankey link)."""
    t = np.linspace(0, 1, 40)
    smooth = 3 * t**2 - 2 * t**3
    x = x0 + (x1 - x0) * t
    lower = left[0] + (right[0] - left[0]) * smooth
    upper = left[1] + (right[1] - left[1]) * smooth
    axes.fill_between(x, lower, upper, color=colour, alpha=0.45, linewidth=0)


def _slots(totals: pd.Series, scale: float, gap: float) -> dict[str, list[float]]:
    """Each name's [bottom, top] on a column of the Sankey, from the top down."""
    positions: dict[str, list[float]] = {}
    top = 1.0
    for name, value in totals.items():
        height = float(value) * scale
        positions[str(name)] = [top - height, top]
        top -= height + gap
    return positions


def transition_flow(frame: pd.DataFrame) -> Figure:
    """A two-column Sankey of the given transitions (``from_step``, ``to_step``,
    ``transitions``): band width proportional to the number of transitions."""
    with chart_style():
        figure = new_figure(5.2)
        axes = figure.subplots()
        axes.set_axis_off()
        gap = 0.02
        total = float(frame["transitions"].sum()) or 1.0
        sources = frame.groupby("from_step")["transitions"].sum().sort_values(ascending=False)
        targets = frame.groupby("to_step")["transitions"].sum().sort_values(ascending=False)
        scale = (1 - gap * max(len(sources), len(targets))) / total
        left_slots = _slots(sources, scale, gap)
        right_slots = _slots(targets, scale, gap)
        colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(left_slots)}
        left_next = {name: bounds[1] for name, bounds in left_slots.items()}
        right_next = {name: bounds[1] for name, bounds in right_slots.items()}
        ordered = frame.sort_values("transitions", ascending=False)
        for row in ordered.itertuples(index=False):
            height = float(row.transitions) * scale
            source, target = str(row.from_step), str(row.to_step)
            left = (left_next[source] - height, left_next[source])
            right = (right_next[target] - height, right_next[target])
            left_next[source] -= height
            right_next[target] -= height
            _band(axes, 0.22, 0.78, left, right, colours[source])
        for name, (low, high) in left_slots.items():
            axes.add_patch(Rectangle((0.2, low), 0.02, high - low, color=colours[name]))
            axes.text(
                0.19,
                (low + high) / 2,
                f"{name} ({sources[name]:,.0f})",
                ha="right",
                va="center",
                fontsize=8,
            )
        for name, (low, high) in right_slots.items():
            axes.add_patch(Rectangle((0.78, low), 0.02, high - low, color=DARK))
            axes.text(
                0.81,
                (low + high) / 2,
                f"{name} ({targets[name]:,.0f})",
                ha="left",
                va="center",
                fontsize=8,
            )
        axes.set_xlim(0, 1)
        axes.set_ylim(min(min(b[0] for b in left_slots.values()), 0) - 0.01, 1.01)
        axes.text(0.21, 1.03, "from", ha="center", fontsize=8, color=GREY)
        axes.text(0.79, 1.03, "to", ha="center", fontsize=8, color=GREY)
        axes.set_title(f"The {len(frame)} most frequent step transitions")
        return figure


def heat_map(
    pivot: pd.DataFrame,
    title: str,
    xlabel: str,
    ylabel: str,
    value_format: str = "{:.0%}",
    minimum_label: float = 0.0,
) -> Figure:
    """A heat map of a pivot table of shares (rows x columns), cells labelled."""
    with chart_style():
        figure = new_figure(max(2.4, 0.3 * len(pivot) + 1.2))
        axes = figure.subplots()
        values = pivot.to_numpy(dtype=float)
        image = axes.imshow(
            np.ma.masked_invalid(values), aspect="auto", cmap="Blues", vmin=0, vmax=1
        )
        for (row, column), value in np.ndenumerate(values):
            if not np.isnan(value) and value >= minimum_label:
                axes.text(
                    column,
                    row,
                    value_format.format(value),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if value > 0.55 else DARK,
                )
        axes.set_xticks(np.arange(pivot.shape[1]), [str(c) for c in pivot.columns], fontsize=8)
        axes.set_yticks(np.arange(pivot.shape[0]), [str(i) for i in pivot.index], fontsize=8)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.spines[:].set_visible(False)
        figure.colorbar(image, ax=axes, format=PercentFormatter(1.0), shrink=0.8)
        axes.set_title(title)
        return figure


def horizontal_bars(
    frame: pd.DataFrame,
    label_column: str,
    value_column: str,
    title: str,
    xlabel: str,
    highlight: Sequence[bool] | None = None,
    as_percent: bool = True,
) -> Figure:
    """Sorted horizontal bars, values printed at the bar ends."""
    with chart_style():
        figure = new_figure(max(2.2, 0.3 * len(frame) + 0.9))
        axes = figure.subplots()
        y = np.arange(len(frame))[::-1]
        values = frame[value_column].to_numpy(dtype=float)
        flags = list(highlight) if highlight is not None else [True] * len(frame)
        colours = [PALETTE[3] if flag else GREY for flag in flags]
        axes.barh(y, values, color=colours)
        for row, value in zip(y, values, strict=True):
            text = f" {value:.1%}" if as_percent else f" {value:,.0f}"
            axes.text(value, row, text, va="center", fontsize=8)
        axes.set_yticks(y, frame[label_column], fontsize=8)
        axes.set_xlabel(xlabel)
        if as_percent:
            _percent_axis(axes.xaxis)
            axes.set_xlim(0, max(1.0, float(np.nanmax(values)) * 1.15) if len(values) else 1)
        axes.set_title(title)
        return figure


def rules_scatter(frame: pd.DataFrame) -> Figure:
    """Association rules: ``support`` against ``lift``, one colour per ``level``, marker size
    by ``confidence``."""
    with chart_style():
        figure = new_figure(3.2)
        axes = figure.subplots()
        for position, (level, part) in enumerate(frame.groupby("level", sort=True)):
            axes.scatter(
                part["support"],
                part["lift"],
                s=20 + 180 * part["confidence"].to_numpy(dtype=float),
                color=PALETTE[position % len(PALETTE)],
                alpha=0.7,
                edgecolors="white",
                label=f"{level} rules",
            )
        axes.axhline(1.0, color=DARK, linewidth=0.8, linestyle="--")
        axes.text(axes.get_xlim()[1], 1.0, "lift 1 = chance ", ha="right", va="bottom", fontsize=7)
        axes.set_xlabel("support (share of baskets holding the rule's items)")
        axes.set_ylabel("lift")
        _percent_axis(axes.xaxis, decimals=1)
        axes.legend(fontsize=8, loc="upper right")
        axes.set_title("Association rules: support against lift (size: confidence)")
        return figure


def basket_sizes(frame: pd.DataFrame) -> Figure:
    """Stacked shares of single- and multi-item baskets per ``level``."""
    with chart_style():
        figure = new_figure(1.6)
        axes = figure.subplots()
        y = np.arange(len(frame))[::-1]
        multi = frame["multi_item_share"].to_numpy(dtype=float)
        axes.barh(y, 1 - multi, color=GREY, label="one item")
        axes.barh(y, multi, left=1 - multi, color=PALETTE[1], label="two or more items")
        for row, value in zip(y, multi, strict=True):
            axes.text(0.01, row, f"{1 - value:.0%} single", va="center", fontsize=8, color="white")
        axes.set_yticks(y, [f"{level} level" for level in frame["level"]])
        _percent_axis(axes.xaxis)
        axes.set_xlim(0, 1)
        axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncols=2)
        axes.set_title("Baskets by number of distinct items")
        return figure


def paired_rates(frame: pd.DataFrame, title: str) -> Figure:
    """Two rates per ``category`` row (``view_to_cart_rate`` and ``cart_to_purchase_rate``)."""
    with chart_style():
        figure = new_figure(max(2.4, 0.3 * len(frame) + 1.0))
        axes = figure.subplots()
        y = np.arange(len(frame))[::-1]
        axes.barh(y + 0.2, frame["view_to_cart_rate"], height=0.4, color=PALETTE[0])
        axes.barh(y - 0.2, frame["cart_to_purchase_rate"], height=0.4, color=PALETTE[2])
        axes.set_yticks(y, frame["category"], fontsize=8)
        _percent_axis(axes.xaxis)
        axes.legend(["viewed → added to cart", "added → purchased"], fontsize=8, loc="lower right")
        axes.set_title(title)
        return figure


def rfm_segments(frame: pd.DataFrame) -> Figure:
    """Customers and revenue share per ``rfm_segment`` (``customers``, ``revenue_share``)."""
    with chart_style():
        figure = new_figure(2.8)
        left, right = figure.subplots(1, 2, sharey=True)
        y = np.arange(len(frame))[::-1]
        left.barh(y, frame["customers"], color=PALETTE[0])
        right.barh(y, frame["revenue_share"], color=PALETTE[1])
        for row, count, share in zip(y, frame["customers"], frame["revenue_share"], strict=True):
            left.text(count, row, f" {count:,.0f}", va="center", fontsize=8)
            right.text(share, row, f" {share:.0%}", va="center", fontsize=8)
        left.set_yticks(y, frame["rfm_segment"])
        left.set_title("Buyers per RFM segment")
        right.set_title("Share of their revenue")
        left.set_xlim(0, float(frame["customers"].max()) * 1.25)
        right.set_xlim(0, min(1.0, float(frame["revenue_share"].max()) * 1.3))
        _percent_axis(right.xaxis)
        return figure


def effect_sizes(frame: pd.DataFrame) -> Figure:
    """Cohen's d per ``metric`` with its ``finding``; the |d| < 0.2 band is 'alike'."""
    with chart_style():
        figure = new_figure(max(2.2, 0.35 * len(frame) + 1.0))
        axes = figure.subplots()
        y = np.arange(len(frame))[::-1]
        values = frame["cohens_d"].to_numpy(dtype=float)
        colours = [GREY if finding == "alike" else PALETTE[3] for finding in frame["finding"]]
        axes.axvspan(-0.2, 0.2, color=PALETTE[2], alpha=0.12, linewidth=0)
        axes.barh(y, values, color=colours)
        for row, value, finding in zip(y, values, frame["finding"], strict=True):
            axes.text(
                value,
                row,
                f" d = {value:.2f} ({finding}) ",
                va="center",
                ha="left" if value >= 0 else "right",
                fontsize=8,
            )
        axes.axvline(0, color=DARK, linewidth=0.8)
        axes.set_yticks(y, frame["metric"])
        limit = max(1.0, float(np.nanmax(np.abs(values))) * 1.6) if len(values) else 1.0
        axes.set_xlim(-limit, limit)
        axes.set_xlabel("Cohen's d, expensive_few minus cheap_many (green band: alike)")
        axes.set_title("How the two purchase styles differ")
        return figure


def segment_forest(frame: pd.DataFrame, overall: float) -> Figure:
    """Conversion per ``label`` with 95% interval (``rate``, ``low``, ``high``), coloured by
    ``segment_type``, against the ``overall`` rate."""
    with chart_style():
        figure = new_figure(max(2.6, 0.24 * len(frame) + 1.0))
        axes = figure.subplots()
        y = np.arange(len(frame))[::-1]
        types = list(dict.fromkeys(frame["segment_type"]))
        colour_of = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(types)}
        colours = [colour_of[name] for name in frame["segment_type"]]
        axes.hlines(y, frame["low"], frame["high"], colors=colours, linewidth=2)
        axes.scatter(frame["rate"], y, color=colours, zorder=3, s=18)
        axes.axvline(overall, color=DARK, linewidth=0.8, linestyle="--")
        axes.text(overall, -0.9, " all sessions", fontsize=7, va="top")
        axes.set_ylim(-1.6, len(frame) - 0.4)
        axes.set_yticks(y, frame["label"], fontsize=8)
        _percent_axis(axes.xaxis)
        axes.set_xlabel("sessions with a completed order (95% Wilson interval)")
        axes.set_title("Conversion by segment, and how sure each estimate is")
        return figure


def experiment_days(frame: pd.DataFrame) -> Figure:
    """Days of full traffic an A/B test needs per ``relative_lift`` (``days``)."""
    with chart_style():
        figure = new_figure(2.4)
        axes = figure.subplots()
        labels = [f"+{lift:.0%} lift" for lift in frame["relative_lift"]]
        y = np.arange(len(frame))[::-1]
        days = frame["days"].to_numpy(dtype=float)
        axes.barh(y, days, color=PALETTE[0])
        for row, value, sessions in zip(y, days, frame["sessions_per_arm"], strict=True):
            axes.text(
                value, row, f" {value:,.0f} days ({sessions:,.0f} per arm)", va="center", fontsize=8
            )
        axes.set_yticks(y, labels)
        axes.set_xscale("log")
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        axes.set_xlim(right=float(np.nanmax(days)) * 8 if len(days) else 10)
        axes.set_xlabel("days at today's traffic, all sessions in the test (log scale)")
        axes.set_title("How long the proposed experiment must run")
        return figure


def attribution_shares(shares: pd.DataFrame, intervals: pd.DataFrame | None) -> Figure:
    """Grouped horizontal bars: per channel (rows of ``shares``) the share of conversions each
    model (columns) attributes to it; ``intervals`` (columns low, high, indexed like
    ``shares``) draws the interval of the last model as a whisker."""
    with chart_style():
        channels = list(shares.index)
        models = list(shares.columns)
        figure = new_figure(max(2.6, 0.09 * len(channels) * len(models) + 1.2))
        axes = figure.subplots()
        height = 0.8 / len(models)
        base = np.arange(len(channels))[::-1].astype(float)
        for number, model in enumerate(models):
            y = base + 0.4 - height * (number + 0.5)
            values = shares[model].to_numpy(dtype=float)
            axes.barh(y, values, height=height * 0.95, color=PALETTE[number % len(PALETTE)])
            if intervals is not None and number == len(models) - 1:
                low = intervals["low"].reindex(channels).to_numpy(dtype=float)
                high = intervals["high"].reindex(channels).to_numpy(dtype=float)
                errors = np.vstack([values - low, high - values]).clip(min=0)
                axes.errorbar(values, y, xerr=errors, fmt="none", ecolor=DARK, elinewidth=0.8)
        axes.set_yticks(base, [_short(str(channel)) for channel in channels], fontsize=8)
        axes.set_xlabel("share of conversions")
        _percent_axis(axes.xaxis)
        axes.legend(models, fontsize=7, loc="lower right", frameon=False)
        axes.set_title("Share of conversions attributed to each channel, by model")
        return figure
