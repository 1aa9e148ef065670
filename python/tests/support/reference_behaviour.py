"""An independent pandas implementation of the behaviour marts (funnels, paths, products).

Written from the definitions in the issue and the dbt docs, on top of
reference.py's staged tables and fct_sessions recomputation. It shares no code
with the SQL, so a mistake on either side shows up as a difference. The funnel
steps, the breakdowns and the product funnel's steps are parameters (defaults:
the dbt variables' defaults), so any configured funnel can be recomputed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

FUNNEL_STEPS = ["page_view", "add_to_cart", "checkout", "purchase"]
"""Default of customer_behaviour__funnel_steps."""
SEGMENTS = ["device", "country", "traffic_source"]
"""Default of customer_behaviour__funnel_segments."""
PATH_MAX_STEPS = 10
CONVERSION_WINDOW_DAYS = 7
SESSION_TIMEOUT_MINUTES = 30
"""Default of customer_behaviour__session_timeout_minutes."""
BUCKET_SECONDS = [0, 10, 30, 60, 120, 300, 900, 1800, 3600]
"""Default of customer_behaviour__time_to_convert_bucket_seconds."""
RATES = ["conversion_from_previous", "conversion_from_start", "drop_off_from_previous"]


def _present(value: object) -> bool:
    """Not missing (the staged frames hold None or NaN for missing values)."""
    return not (value is None or (pd.api.types.is_scalar(value) and pd.isna(value)))


def accepted(staged: dict[str, pd.DataFrame], table: str) -> pd.DataFrame:
    frame = staged[table]
    return frame[frame["reason"].isna()].copy()


def ordered_events(
    staged: dict[str, pd.DataFrame], steps: list[str] = FUNNEL_STEPS
) -> pd.DataFrame:
    """Accepted events in session order (event_at, then event_id), with their path label:
    the page of an event of the first funnel step, else the event type."""
    events = accepted(staged, "events")
    events["label"] = [
        page if kind == steps[0] and _present(page) else kind
        for kind, page in zip(events["event_type"], events["page"], strict=True)
    ]
    return events.sort_values(["session_id", "event_at", "event_id"], kind="mergesort")


def collapsed_labels(events: pd.DataFrame) -> dict[str, list[str]]:
    """Per session with events: its labels with consecutive repeats collapsed."""
    paths: dict[str, list[str]] = {}
    for session_id, label in zip(events["session_id"], events["label"], strict=True):
        steps = paths.setdefault(session_id, [])
        if not steps or steps[-1] != label:
            steps.append(label)
    return paths


# ---------------------------------------------------------------- funnels


def _funnel_rows(
    groups: dict[tuple[str, str], list[int]], count_name: str, total_name: str, steps: list[str]
) -> pd.DataFrame:
    """Long funnel rows from the funnel_step_reached values of each group."""
    rows = []
    for (segment_type, segment_value), reached in groups.items():
        reached_array = np.asarray(reached)
        counts = [int((reached_array >= k).sum()) for k in range(1, len(steps) + 1)]
        for number, name in enumerate(steps, start=1):
            count = counts[number - 1]
            previous = counts[number - 2] if number > 1 else None
            rows.append(
                {
                    "segment_type": segment_type,
                    "segment_value": segment_value,
                    "step_number": number,
                    "step_name": name,
                    total_name: len(reached),
                    count_name: count,
                    "conversion_from_previous": count / previous if previous else np.nan,
                    "conversion_from_start": count / counts[0] if counts[0] else np.nan,
                    "drop_off_from_previous": 1 - count / previous if previous else np.nan,
                }
            )
    return pd.DataFrame(rows)


def _segment_value(value: object) -> str:
    """A breakdown value as text; 'unknown' when missing (the segments_unpivoted rule)."""
    return str(value) if _present(value) else "unknown"


def _segment_groups(
    frame: pd.DataFrame, segments: list[str], column: str = "funnel_step_reached"
) -> dict[tuple[str, str], list]:
    """Per breakdown (overall, then each segment value): the values of `column`, in row order."""
    groups: dict[tuple[str, str], list] = {("overall", "all"): []}
    for record in frame.to_dict("records"):
        groups[("overall", "all")].append(record[column])
        for segment in segments:
            key = (segment, _segment_value(record[segment]))
            groups.setdefault(key, []).append(record[column])
    return groups


def data_end(staged: dict[str, pd.DataFrame], as_of: date | None = None) -> datetime | None:
    """int_funnel_data_end_resolved: the end of the as-of day when given, else the latest
    accepted event (None without events)."""
    if as_of is not None:
        return datetime.combine(as_of + timedelta(days=1), time())
    events = accepted(staged, "events")
    return None if events.empty else events["event_at"].max()


def _with_in_progress(
    units: pd.DataFrame, segments: list[str], unit: str, steps: list[str]
) -> pd.DataFrame:
    """Funnel rows of `units` (funnel_step_reached, is_open, the segments) with the columns of
    the in-progress rule: a unit whose window is open and who reached step k - 1 < last step is
    in progress at step k; the closed_ columns are the funnel of the closed units alone."""
    reached = _segment_groups(units, segments)
    is_open = _segment_groups(units, segments, "is_open")
    rows = _funnel_rows(reached, unit, f"segment_{unit}", steps)
    closed = {
        key: [r for r, o in zip(values, is_open[key], strict=True) if not o]
        for key, values in reached.items()
    }
    closed_rows = _funnel_rows(closed, f"closed_{unit}", f"segment_closed_{unit}", steps)
    closed_rows = closed_rows.drop(columns="step_name").rename(
        columns={rate: f"closed_{rate}" for rate in RATES}
    )
    key = ["segment_type", "segment_value", "step_number"]
    rows = rows.merge(closed_rows, on=key, how="inner", validate="one_to_one")
    rows[f"in_progress_{unit}"] = [
        sum(
            1
            for r, o in zip(reached[(kind, value)], is_open[(kind, value)], strict=True)
            if o and r == number - 1
        )
        for kind, value, number in rows[key].itertuples(index=False)
    ]
    return rows


def session_is_open(
    sessions: pd.DataFrame, end: datetime | None, timeout_minutes: int = SESSION_TIMEOUT_MINUTES
) -> list[bool]:
    """Per session: its last event (its start without events) is less than the timeout
    before the end of the data."""
    if end is None:
        return [False] * len(sessions)
    return [
        (start if pd.isna(last) else last) + timedelta(minutes=timeout_minutes) > end
        for start, last in zip(sessions["session_start_at"], sessions["last_event_at"], strict=True)
    ]


def funnel(
    sessions: pd.DataFrame,
    steps: list[str] = FUNNEL_STEPS,
    segments: list[str] = SEGMENTS,
    end: datetime | None = None,
    timeout_minutes: int = SESSION_TIMEOUT_MINUTES,
) -> pd.DataFrame:
    """fct_funnel: sessions per segment reaching at least each step, with the sessions still
    running at `end` (the end of the data) in progress."""
    units = sessions.assign(is_open=session_is_open(sessions, end, timeout_minutes))
    return _with_in_progress(units, segments, "sessions", steps)


def funnel_daily(sessions: pd.DataFrame, steps: list[str] = FUNNEL_STEPS) -> pd.DataFrame:
    groups: dict[tuple[str, str], list[int]] = {}
    for start, reached in zip(
        sessions["session_start_at"], sessions["funnel_step_reached"], strict=True
    ):
        groups.setdefault(("day", start.date().isoformat()), []).append(reached)
    rows = _funnel_rows(groups, "sessions", "day_sessions", steps)
    return rows.rename(columns={"segment_value": "session_date"}).drop(columns="segment_type")


COMPARISON_PERIOD_DAYS = 7
"""Default of customer_behaviour__comparison_period_days."""


def funnel_periods(
    sessions: pd.DataFrame,
    as_of: date | None,
    period_days: int = COMPARISON_PERIOD_DAYS,
    steps: list[str] = FUNNEL_STEPS,
    segments: list[str] = SEGMENTS,
) -> pd.DataFrame:
    """fct_funnel_periods: fct_funnel over the last `period_days` days up to `as_of` and the
    `period_days` before them; every breakdown seen in either period is in both."""
    if as_of is None:
        return pd.DataFrame()
    bounds = {
        "current": (as_of - timedelta(days=period_days - 1), as_of),
        "previous": (
            as_of - timedelta(days=2 * period_days - 1),
            as_of - timedelta(days=period_days),
        ),
    }
    started = sessions[sessions["session_start_at"].notna()]
    days = pd.to_datetime(started["session_start_at"]).dt.date
    grouped = {
        period: _segment_groups(started[(days >= start) & (days <= end)], segments)
        for period, (start, end) in bounds.items()
    }
    keys = set(grouped["current"]) | set(grouped["previous"])
    frames = []
    for period, (start, end) in bounds.items():
        groups = {key: grouped[period].get(key, []) for key in sorted(keys)}
        rows = _funnel_rows(groups, "sessions", "segment_sessions", steps)
        frames.append(
            rows.drop(columns="drop_off_from_previous").assign(
                period=period, period_start=start.isoformat(), period_end=end.isoformat()
            )
        )
    return pd.concat(frames, ignore_index=True)


def _step_times(events: list[tuple[datetime, str]], steps: list[str]) -> list[datetime]:
    """When each ordered funnel step was first reached (stops at the first step missed)."""
    times: list[datetime] = []
    for step in steps:
        candidates = [at for at, kind in events if kind == step and (not times or at >= times[-1])]
        if not candidates:
            break
        times.append(min(candidates))
    return times


def _whole_seconds(start: datetime, end: datetime) -> int:
    return int((end.replace(microsecond=0) - start.replace(microsecond=0)).total_seconds())


def _conversion_seconds(
    staged: dict[str, pd.DataFrame],
    sessions: pd.DataFrame,
    steps: list[str],
    segments: list[str],
) -> tuple[dict[tuple[str, str, int], list[int]], set[tuple[str, str]]]:
    """Per (segment type, value, step > 1): the whole seconds from step 1 of each session that
    reached the step; and every breakdown that has sessions."""
    events = accepted(staged, "events")
    by_session: dict[str, list[tuple[datetime, str]]] = {}
    for session_id, at, kind in events[["session_id", "event_at", "event_type"]].itertuples(
        index=False
    ):
        by_session.setdefault(session_id, []).append((at, kind))
    seconds: dict[tuple[str, str, int], list[int]] = {}
    seen: set[tuple[str, str]] = set()
    for record in sessions.to_dict("records"):
        keys = [("overall", "all")] + [
            (segment, _segment_value(record[segment])) for segment in segments
        ]
        seen.update(keys)
        times = _step_times(by_session.get(record["session_id"], []), steps)
        for number in range(2, len(times) + 1):
            for key in keys:
                seconds.setdefault((*key, number), []).append(
                    _whole_seconds(times[0], times[number - 1])
                )
    return seconds, seen


def time_to_convert(
    staged: dict[str, pd.DataFrame],
    sessions: pd.DataFrame,
    steps: list[str] = FUNNEL_STEPS,
    segments: list[str] = SEGMENTS,
) -> pd.DataFrame:
    """fct_funnel_time_to_convert: seconds from step 1 to steps 2.. per segment."""
    seconds, seen = _conversion_seconds(staged, sessions, steps, segments)
    rows = []
    for segment_type, segment_value in seen:
        for number in range(2, len(steps) + 1):
            values = np.asarray(seconds.get((segment_type, segment_value, number), []), float)
            rows.append(
                {
                    "segment_type": segment_type,
                    "segment_value": segment_value,
                    "step_number": number,
                    "step_name": steps[number - 1],
                    "converted_sessions": len(values),
                    "p25_seconds_to_convert": np.percentile(values, 25) if len(values) else np.nan,
                    "median_seconds_to_convert": np.percentile(values, 50)
                    if len(values)
                    else np.nan,
                    "p75_seconds_to_convert": np.percentile(values, 75) if len(values) else np.nan,
                    "p90_seconds_to_convert": np.percentile(values, 90) if len(values) else np.nan,
                    "mean_seconds_to_convert": values.mean() if len(values) else np.nan,
                }
            )
    return pd.DataFrame(rows)


def _edge_text(edge: float) -> str:
    return str(int(edge)) if float(edge).is_integer() else str(edge)


def time_to_convert_histogram(
    staged: dict[str, pd.DataFrame],
    sessions: pd.DataFrame,
    steps: list[str] = FUNNEL_STEPS,
    segments: list[str] = SEGMENTS,
    edges: list[float] = BUCKET_SECONDS,
) -> pd.DataFrame:
    """fct_funnel_time_to_convert_histogram: conversions per bucket of seconds (numpy's
    histogram with an open last bucket), every bucket present."""
    seconds, seen = _conversion_seconds(staged, sessions, steps, segments)
    bins = [*map(float, edges), np.inf]
    rows = []
    for segment_type, segment_value in seen:
        for number in range(2, len(steps) + 1):
            values = np.asarray(seconds.get((segment_type, segment_value, number), []), float)
            counts, _ = np.histogram(values, bins=bins)
            for index, count in enumerate(counts):
                last = index == len(edges) - 1
                lower = _edge_text(edges[index])
                rows.append(
                    {
                        "segment_type": segment_type,
                        "segment_value": segment_value,
                        "step_number": number,
                        "step_name": steps[number - 1],
                        "bucket_number": index + 1,
                        "lower_seconds": float(edges[index]),
                        "upper_seconds": np.nan if last else float(edges[index + 1]),
                        "bucket_label": f">= {lower} s"
                        if last
                        else f"{lower}-{_edge_text(edges[index + 1])} s",
                        "converted_sessions": int(count),
                        "step_converted_sessions": len(values),
                        "share_of_step_conversions": count / len(values) if len(values) else np.nan,
                    }
                )
    return pd.DataFrame(rows)


def customer_funnel(
    staged: dict[str, pd.DataFrame],
    sessions: pd.DataFrame,
    steps: list[str] = FUNNEL_STEPS,
    segments: list[str] = SEGMENTS,
    end: datetime | None = None,
    window_days: int = CONVERSION_WINDOW_DAYS,
) -> pd.DataFrame:
    """fct_funnel_customers: the ordered funnel over each customer's events in the window,
    with the customers whose window is still open at `end` (the end of the data) in
    progress."""
    known = sessions[sessions["customer_id"].notna()]
    first = (
        known.sort_values(["customer_id", "session_start_at", "session_id"], kind="mergesort")
        .groupby("customer_id")
        .head(1)
        .set_index("customer_id")
    )
    customer_of_session = dict(zip(known["session_id"], known["customer_id"], strict=True))
    events = accepted(staged, "events")
    by_customer: dict[str, list[tuple[datetime, str]]] = {}
    for session_id, at, kind in events[["session_id", "event_at", "event_type"]].itertuples(
        index=False
    ):
        customer = customer_of_session.get(session_id)
        if customer is None:
            continue
        start = first.loc[customer, "session_start_at"]
        if start <= at <= start + timedelta(days=window_days):
            by_customer.setdefault(customer, []).append((at, kind))
    customers = first.reset_index()
    customers["funnel_step_reached"] = [
        len(_step_times(by_customer.get(customer, []), steps))
        for customer in customers["customer_id"]
    ]
    customers["is_open"] = [
        end is not None and start + timedelta(days=window_days) > end
        for start in customers["session_start_at"]
    ]
    return _with_in_progress(customers, segments, "customers", steps)


# ---------------------------------------------------------------- paths


def session_paths(paths: dict[str, list[str]], sessions: pd.DataFrame) -> pd.DataFrame:
    """fct_session_paths."""
    purchased = dict(zip(sessions["session_id"], sessions["did_purchase"], strict=True))
    counted: dict[str, list[int]] = {}
    lengths: dict[str, tuple[int, bool]] = {}
    for session_id, labels in paths.items():
        shown = labels[:PATH_MAX_STEPS]
        path = " > ".join(shown) + (" > ..." if len(labels) > PATH_MAX_STEPS else "")
        counted.setdefault(path, []).append(int(bool(purchased[session_id])))
        lengths[path] = (len(shown), len(labels) > PATH_MAX_STEPS)
    total = len(paths)
    frame = pd.DataFrame(
        [
            {
                "path": path,
                "path_length": lengths[path][0],
                "is_truncated": lengths[path][1],
                "sessions": len(flags),
                "share_of_sessions": len(flags) / total,
                "purchase_sessions": sum(flags),
                "purchase_rate": sum(flags) / len(flags),
            }
            for path, flags in counted.items()
        ]
    )
    if frame.empty:
        return frame
    # Byte order of the UTF-8 text, as the mart's tie-break.
    frame["_bytes"] = frame["path"].map(lambda text: text.encode("utf-8"))
    frame = frame.sort_values(["sessions", "_bytes"], ascending=[False, True])
    frame["path_rank"] = np.arange(1, len(frame) + 1)
    return frame.drop(columns="_bytes").reset_index(drop=True)


def path_transitions(paths: dict[str, list[str]], sessions: pd.DataFrame) -> pd.DataFrame:
    """fct_path_transitions: (start) -> steps -> (conversion) or (exit)."""
    purchased = dict(zip(sessions["session_id"], sessions["did_purchase"], strict=True))
    counts: Counter[tuple[str, str]] = Counter()
    for session_id, labels in paths.items():
        end = "(conversion)" if purchased[session_id] else "(exit)"
        chain = ["(start)", *labels, end]
        counts.update(zip(chain[:-1], chain[1:], strict=True))
    frame = pd.DataFrame(
        [(a, b, n) for (a, b), n in counts.items()], columns=["from_step", "to_step", "transitions"]
    )
    frame["from_step_transitions"] = frame.groupby("from_step")["transitions"].transform("sum")
    frame["transition_probability"] = frame["transitions"] / frame["from_step_transitions"]
    return frame


def step_matrix(paths: dict[str, list[str]]) -> pd.DataFrame:
    """fct_step_transitions_by_position."""
    counts: Counter[tuple[int, str]] = Counter()
    ending: Counter[tuple[int, str]] = Counter()
    reaching: Counter[int] = Counter()
    for labels in paths.values():
        for position, label in enumerate(labels[:PATH_MAX_STEPS], start=1):
            counts[(position, label)] += 1
            reaching[position] += 1
            if position == len(labels):
                ending[(position, label)] += 1
    total = len(paths)
    return pd.DataFrame(
        [
            {
                "step_position": position,
                "step_label": label,
                "sessions": n,
                "sessions_at_position": reaching[position],
                "share_of_position": n / reaching[position],
                "share_of_sessions": n / total,
                "ending_sessions": ending[(position, label)],
            }
            for (position, label), n in counts.items()
        ]
    )


# ---------------------------------------------------------------- paths that answer questions

PATH_STEPS_BEFORE_CONVERSION = 5
"""Default of customer_behaviour__path_steps_before_conversion."""
PATH_STEPS_FROM_ENTRY = 5
"""Default of customer_behaviour__path_steps_from_entry."""
PATH_TOP_N = 20
"""Default of customer_behaviour__path_top_n."""


def labelled_events(
    staged: dict[str, pd.DataFrame], rule: str = "event_type"
) -> dict[str, list[tuple[datetime, str, str]]]:
    """Per session, its accepted events in order (event_at, then event_id) as (event_at,
    event_type, label) under the label rule of customer_behaviour__path_label."""
    events = accepted(staged, "events").sort_values(
        ["session_id", "event_at", "event_id"], kind="mergesort"
    )
    products = accepted(staged, "products")
    categories = {
        product_id: category if _present(category) else "unknown"
        for product_id, category in zip(products["product_id"], products["category"], strict=True)
    }
    result: dict[str, list[tuple[datetime, str, str]]] = {}
    for session_id, at, kind, page, product_id in events[
        ["session_id", "event_at", "event_type", "page", "product_id"]
    ].itertuples(index=False):
        label = kind
        if rule == "page" and _present(page):
            label = f"{kind}: {page}"
        elif rule == "product_category" and _present(product_id):
            label = f"{kind}: {categories.get(product_id, 'unknown')}"
        result.setdefault(session_id, []).append((at, kind, label))
    return result


def _collapse(labels: list[str]) -> list[str]:
    steps: list[str] = []
    for label in labels:
        if not steps or steps[-1] != label:
            steps.append(label)
    return steps


def _top_paths(frame: pd.DataFrame, top_n: int, sums: list[str]) -> pd.DataFrame:
    """Rank paths by sessions then path bytes; keep top_n, group the rest as (other)."""
    frame = frame.assign(_bytes=frame["path"].map(lambda text: text.encode("utf-8")))
    frame = frame.sort_values(["sessions", "_bytes"], ascending=[False, True]).drop(
        columns="_bytes"
    )
    frame = frame.assign(path_rank=np.arange(1, len(frame) + 1), distinct_paths=1)
    top, rest = frame.iloc[:top_n], frame.iloc[top_n:]
    if rest.empty:
        return top.reset_index(drop=True)
    other = {column: rest[column].sum() for column in ["sessions", *sums]}
    other.update(
        path="(other)",
        path_rank=top_n + 1,
        path_length=None,
        is_truncated=None,
        distinct_paths=len(rest),
    )
    return pd.concat([top, pd.DataFrame([other])], ignore_index=True)


def paths_to_conversion(
    staged: dict[str, pd.DataFrame],
    sessions: pd.DataFrame,
    steps: list[str] = FUNNEL_STEPS,
    rule: str = "event_type",
    max_steps: int = PATH_STEPS_BEFORE_CONVERSION,
    top_n: int = PATH_TOP_N,
) -> pd.DataFrame:
    """fct_paths_to_conversion: the last steps before each funnel completion."""
    amounts = dict(zip(sessions["session_id"], sessions["amount_usd"], strict=True))
    rows = []
    for session_id, events in labelled_events(staged, rule).items():
        times = _step_times([(at, kind) for at, kind, _ in events], steps)
        if len(times) < len(steps):
            continue
        # The first event (in session order) of the last step's type at the moment it was reached.
        index = next(
            i for i, (at, kind, _) in enumerate(events) if kind == steps[-1] and at == times[-1]
        )
        before = _collapse([label for _, _, label in events[:index]])
        shown = before[-max_steps:]
        if not shown:
            path = "(none)"
        else:
            path = ("... > " if len(before) > max_steps else "") + " > ".join(shown)
        rows.append(
            {
                "path": path,
                "path_length": len(shown),
                "is_truncated": len(before) > max_steps,
                "amount_usd": float(amounts[session_id]),
            }
        )
    if not rows:
        return pd.DataFrame()
    counted = (
        pd.DataFrame(rows)
        .groupby(["path", "path_length", "is_truncated"], as_index=False)
        .agg(sessions=("amount_usd", "size"), amount_usd=("amount_usd", "sum"))
    )
    frame = _top_paths(counted, top_n, ["amount_usd"])
    total_amount = frame["amount_usd"].sum()
    return frame.assign(
        share_of_conversions=frame["sessions"] / frame["sessions"].sum(),
        share_of_amount=frame["amount_usd"] / total_amount if total_amount else np.nan,
        amount_per_session_usd=frame["amount_usd"] / frame["sessions"],
    )


def paths_from_entry(
    staged: dict[str, pd.DataFrame],
    steps: list[str] = FUNNEL_STEPS,
    rule: str = "event_type",
    entry_steps: list[str] | None = None,
    max_steps: int = PATH_STEPS_FROM_ENTRY,
    top_n: int = PATH_TOP_N,
) -> pd.DataFrame:
    """fct_paths_from_entry: the first steps of the sessions starting at an entry step."""
    entries = set(entry_steps or steps[:1])
    rows = []
    for events in labelled_events(staged, rule).values():
        labels = _collapse([label for _, _, label in events])
        if not (labels[0] in entries or events[0][1] in entries):
            continue
        shown = labels[:max_steps]
        times = _step_times([(at, kind) for at, kind, _ in events], steps)
        rows.append(
            {
                "entry_step": labels[0],
                "path": " > ".join(shown) + (" > ..." if len(labels) > max_steps else ""),
                "path_length": len(shown),
                "is_truncated": len(labels) > max_steps,
                "converted_sessions": int(len(times) == len(steps)),
            }
        )
    if not rows:
        return pd.DataFrame()
    counted = (
        pd.DataFrame(rows)
        .groupby(["entry_step", "path", "path_length", "is_truncated"], as_index=False)
        .agg(
            sessions=("converted_sessions", "size"),
            converted_sessions=("converted_sessions", "sum"),
        )
    )
    frames = []
    for entry, group in counted.groupby("entry_step"):
        frame = _top_paths(group, top_n, ["converted_sessions"]).assign(entry_step=entry)
        frames.append(
            frame.assign(
                entry_sessions=frame["sessions"].sum(),
                share_of_entry_sessions=frame["sessions"] / frame["sessions"].sum(),
                conversion_rate=frame["converted_sessions"] / frame["sessions"],
            )
        )
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------- products


PRODUCT_STEPS = ("page_view", "add_to_cart")
"""The product funnel's view and cart steps by default (the first two funnel steps)."""
PRODUCT_ONLY_COLUMNS = ["product_id", "product_name", "price_usd", "cost_usd", "unit_margin_usd"]


def product_funnel(
    staged: dict[str, pd.DataFrame], product_steps: tuple[str, str] = PRODUCT_STEPS
) -> pd.DataFrame:
    """fct_product_funnel: one row per product."""
    rows = _product_funnel_rows(staged, product_steps)
    rows = rows[rows["level"] == "product"]
    return rows.drop(columns=["level", "n_products"]).reset_index(drop=True)


def category_funnel(
    staged: dict[str, pd.DataFrame], product_steps: tuple[str, str] = PRODUCT_STEPS
) -> pd.DataFrame:
    """fct_category_funnel: one row per category."""
    rows = _product_funnel_rows(staged, product_steps)
    rows = rows[rows["level"] == "category"]
    return rows.drop(columns=["level", *PRODUCT_ONLY_COLUMNS]).reset_index(drop=True)


def _product_funnel_rows(
    staged: dict[str, pd.DataFrame], product_steps: tuple[str, str]
) -> pd.DataFrame:
    """Product and category rows of the product funnel (column `level` says which)."""
    view_step, cart_step = product_steps
    products = accepted(staged, "products").set_index("product_id")
    events = accepted(staged, "events")
    orders = accepted(staged, "orders")
    items = accepted(staged, "order_items")
    completed = orders[orders["status"] == "completed"].set_index("order_id")
    lines = items[items["order_id"].isin(completed.index)].copy()
    lines["session_id"] = lines["order_id"].map(completed["session_id"])

    def category_of(product_id: str) -> str:
        if product_id in products.index:
            category = products.loc[product_id, "category"]
            return category if _present(category) else "unknown"
        return "unknown"

    product_ids = (
        set(products.index)
        | set(
            events.loc[
                events["product_id"].notna() & events["event_type"].isin([view_step, cart_step]),
                "product_id",
            ]
        )
        | set(lines["product_id"])
    )
    # (level, key) -> sets of sessions per action, and the sold lines.
    actions: dict[tuple[str, str], dict[str, set[str]]] = {}
    sold: dict[tuple[str, str], list[tuple[str, int, float, float | None]]] = {}

    def keys_of(product_id: str) -> list[tuple[str, str]]:
        return [("product", product_id), ("category", category_of(product_id))]

    for product_id in product_ids:
        for key in keys_of(product_id):
            actions.setdefault(key, {"view": set(), "cart": set(), "purchase": set()})
            sold.setdefault(key, [])
    for session_id, kind, product_id in events[
        ["session_id", "event_type", "product_id"]
    ].itertuples(index=False):
        if not _present(product_id) or kind not in (view_step, cart_step):
            continue
        for key in keys_of(product_id):
            actions[key]["view" if kind == view_step else "cart"].add(session_id)
    for order_id, product_id, quantity, price, session_id in lines[
        ["order_id", "product_id", "quantity", "unit_price_usd", "session_id"]
    ].itertuples(index=False):
        cost = products.loc[product_id, "cost_usd"] if product_id in products.index else None
        margin = float(int(quantity) * (price - cost)) if _present(cost) else None
        for key in keys_of(product_id):
            if _present(session_id):
                actions[key]["purchase"].add(session_id)
            sold[key].append((order_id, int(quantity), float(int(quantity) * price), margin))

    rows = []
    for (level, key), sets in actions.items():
        view, cart, purchase = sets["view"], sets["cart"], sets["purchase"]
        lines_sold = sold[(level, key)]
        margins = [line[3] for line in lines_sold]
        is_product = level == "product"
        in_catalogue = (
            key in products.index
            if is_product
            else any(category_of(p) == key for p in product_ids if p in products.index)
        )
        listed = is_product and key in products.index
        price = products.loc[key, "price_usd"] if listed else None
        cost = products.loc[key, "cost_usd"] if listed else None
        price, cost = (v if _present(v) else None for v in (price, cost))
        name = products.loc[key, "product_name"] if listed else None
        rows.append(
            {
                "level": level,
                "n_products": (
                    None if is_product else sum(category_of(p) == key for p in product_ids)
                ),
                "product_id": key if is_product else None,
                "product_name": name if _present(name) else None,
                "category": category_of(key) if is_product else key,
                "is_in_catalogue": in_catalogue,
                "price_usd": None if price is None else float(price),
                "cost_usd": None if cost is None else float(cost),
                "unit_margin_usd": (None if price is None or cost is None else float(price - cost)),
                "viewed_sessions": len(view),
                "carted_sessions": len(cart),
                "purchased_sessions": len(purchase),
                "viewed_and_carted_sessions": len(view & cart),
                "carted_and_purchased_sessions": len(cart & purchase),
                "view_to_cart_rate": len(view & cart) / len(view) if view else np.nan,
                "cart_to_purchase_rate": len(cart & purchase) / len(cart) if cart else np.nan,
                "n_orders": len({line[0] for line in lines_sold}),
                "units_purchased": sum(line[1] for line in lines_sold),
                "revenue_usd": sum(line[2] for line in lines_sold),
                "gross_margin_usd": (
                    None if any(m is None for m in margins) else float(sum(margins))
                ),
            }
        )
    return pd.DataFrame(rows)
