"""An independent pandas implementation of the named funnels (fct_named_funnels).

Written from the rules of the `named_funnels` doc block, not from the SQL: each unit's events
are walked in order in plain Python, one loop per order mode (sequential, strict, any), with
the per-step maximum time, the conversion window from step 1 and the exclusions. Session level
and customer level (a customer's events across their sessions within the customer window of
fct_funnel_customers), broken down as the funnel marts are. A unit whose window is still open
at the end of the data (a session within the timeout of it, a customer whose conversion window
ends after it) and that has not completed a funnel is in progress at its next step; the closed_
columns count the other units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd

from support import reference_behaviour as rb


@dataclass(frozen=True)
class Step:
    """One step: an event type, optionally narrowed to a page or a product category."""

    event_type: str
    page: str | None = None
    product_category: str | None = None
    max_seconds_from_previous: int | None = None

    @property
    def name(self) -> str:
        narrowed = self.page if self.page is not None else self.product_category
        return self.event_type if narrowed is None else f"{self.event_type}: {narrowed}"

    def as_variable(self) -> dict[str, object] | str:
        entry: dict[str, object] = {"event_type": self.event_type}
        if self.page is not None:
            entry["page"] = self.page
        if self.product_category is not None:
            entry["product_category"] = self.product_category
        if self.max_seconds_from_previous is not None:
            entry["max_seconds_from_previous"] = self.max_seconds_from_previous
        return entry if len(entry) > 1 else self.event_type


@dataclass(frozen=True)
class NamedFunnel:
    """One funnel of customer_behaviour__funnels."""

    name: str
    steps: tuple[Step, ...]
    order: str = "sequential"
    conversion_window_seconds: int | None = None
    exclusions: tuple[str, ...] = field(default_factory=tuple)

    def as_variable(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "name": self.name,
            "order": self.order,
            "steps": [step.as_variable() for step in self.steps],
        }
        if self.conversion_window_seconds is not None:
            entry["conversion_window_seconds"] = self.conversion_window_seconds
        if self.exclusions:
            entry["exclusions"] = list(self.exclusions)
        return entry


def default_funnel(steps: list[str]) -> NamedFunnel:
    """The `default` funnel: customer_behaviour__funnel_steps, sequential, no limits."""
    return NamedFunnel("default", tuple(Step(step) for step in steps))


class Event(NamedTuple):
    at: datetime
    event_id: str
    event_type: str
    page: str | None
    product_category: str | None


def _matches(event: Event, step: Step) -> bool:
    return (
        event.event_type == step.event_type
        and (step.page is None or event.page == step.page)
        and (step.product_category is None or event.product_category == step.product_category)
    )


def _within(at: datetime, since: datetime, seconds: int | None) -> bool:
    return seconds is None or at <= since + timedelta(seconds=seconds)


def _sequential(events: list[Event], funnel: NamedFunnel) -> list[datetime]:
    times: list[datetime] = []
    for step in funnel.steps:
        candidates = [
            event.at
            for event in events
            if _matches(event, step)
            and (
                not times
                or (
                    event.at >= times[-1]
                    and _within(event.at, times[-1], step.max_seconds_from_previous)
                    and _within(event.at, times[0], funnel.conversion_window_seconds)
                )
            )
        ]
        if not candidates:
            break
        times.append(min(candidates))
    return times


def _strict(events: list[Event], funnel: NamedFunnel) -> list[datetime]:
    best: list[datetime] = []
    for start, event in enumerate(events):
        if not _matches(event, funnel.steps[0]):
            continue
        times = [event.at]
        for offset, step in enumerate(funnel.steps[1:], start=1):
            if start + offset >= len(events):
                break
            following = events[start + offset]
            if not (
                _matches(following, step)
                and _within(following.at, times[-1], step.max_seconds_from_previous)
                and _within(following.at, times[0], funnel.conversion_window_seconds)
            ):
                break
            times.append(following.at)
        if len(times) > len(best):
            best = times
    return best


def _any_order(events: list[Event], funnel: NamedFunnel) -> list[datetime]:
    firsts = []
    for step in funnel.steps:
        done = [event.at for event in events if _matches(event, step)]
        if done:
            firsts.append(min(done))
    if not firsts:
        return []
    start = min(firsts)
    return sorted(at for at in firsts if _within(at, start, funnel.conversion_window_seconds))


def reach_times(events: list[Event], funnel: NamedFunnel) -> list[datetime]:
    """When the unit reached each step it reached, in step order, after the exclusions.
    `events` are the unit's events in order (event_at, then event_id)."""
    walk = {"sequential": _sequential, "strict": _strict, "any": _any_order}[funnel.order]
    times = walk(events, funnel)
    excluded = [event.at for event in events if event.event_type in funnel.exclusions]
    for k in range(len(times) - 1):
        if any(times[k] < at < times[k + 1] for at in excluded):
            return times[: k + 1]
    return times


def _events(staged: dict[str, pd.DataFrame]) -> pd.DataFrame:
    events = rb.accepted(staged, "events")
    products = rb.accepted(staged, "products")
    category = dict(zip(products["product_id"], products["category"], strict=True))
    events["product_category"] = [
        category.get(product) if rb._present(product) else None for product in events["product_id"]
    ]
    events["page"] = [page if rb._present(page) else None for page in events["page"]]
    return events.sort_values(["event_at", "event_id"], kind="mergesort")


def _event(row: tuple) -> Event:
    _, at, event_id, kind, page, category = row
    return Event(at, event_id, kind, page, category)


def _session_open(start: datetime, last: datetime | None, end: datetime, timeout: int) -> bool:
    """The session's last event (its start without events) is less than the timeout before
    the end of the data."""
    latest = start if last is None or pd.isna(last) else last
    return latest + timedelta(minutes=timeout) > end


def units(
    staged: dict[str, pd.DataFrame],
    sessions: pd.DataFrame,
    window_days: int,
    end: datetime | None = None,
    timeout_minutes: int = rb.SESSION_TIMEOUT_MINUTES,
) -> dict[str, tuple[pd.DataFrame, dict[str, list[Event]]]]:
    """Per level: the units (unit_id, is_open and the breakdown columns of the session they
    take them from) and each unit's ordered events. `end` is the end of the data (None: no
    window is open)."""
    events = _events(staged)
    columns = ["session_id", "event_at", "event_id", "event_type", "page", "product_category"]
    by_session: dict[str, list[Event]] = {}
    for row in events[columns].itertuples(index=False):
        by_session.setdefault(row[0], []).append(_event(row))
    session_units = sessions.assign(
        unit_id=sessions["session_id"],
        is_open=[
            end is not None and _session_open(start, last, end, timeout_minutes)
            for start, last in zip(
                sessions["session_start_at"], sessions["last_event_at"], strict=True
            )
        ],
    )

    known = sessions[sessions["customer_id"].notna()]
    first = known.sort_values(
        ["customer_id", "session_start_at", "session_id"], kind="mergesort"
    ).drop_duplicates("customer_id")
    start = dict(zip(first["customer_id"], first["session_start_at"], strict=True))
    customer_of = dict(zip(known["session_id"], known["customer_id"], strict=True))
    by_customer: dict[str, list[Event]] = {}
    for row in events[columns].itertuples(index=False):
        customer = customer_of.get(row[0])
        if customer is not None and (
            start[customer] <= row[1] <= start[customer] + timedelta(days=window_days)
        ):
            by_customer.setdefault(customer, []).append(_event(row))
    customer_units = first.assign(
        unit_id=first["customer_id"],
        is_open=[
            end is not None and at + timedelta(days=window_days) > end
            for at in first["session_start_at"]
        ],
    )
    return {
        "session": (session_units, by_session),
        "customer": (customer_units, by_customer),
    }


def evaluated(
    staged: dict[str, pd.DataFrame],
    sessions: pd.DataFrame,
    funnels: list[NamedFunnel],
    window_days: int = rb.CONVERSION_WINDOW_DAYS,
    end: datetime | None = None,
    timeout_minutes: int = rb.SESSION_TIMEOUT_MINUTES,
) -> pd.DataFrame:
    """int_named_funnels_evaluated: funnel_name, funnel_level, unit_id, funnel_step_reached,
    is_open, the reach times, and the unit's breakdown columns."""
    frames = []
    levels = units(staged, sessions, window_days, end, timeout_minutes)
    for level, (frame, events) in levels.items():
        for funnel in funnels:
            times = [reach_times(events.get(unit, []), funnel) for unit in frame["unit_id"]]
            frames.append(
                frame.assign(
                    funnel_name=funnel.name,
                    funnel_level=level,
                    funnel_step_reached=[len(reached) for reached in times],
                    reach_times=times,
                )
            )
    return pd.concat(frames, ignore_index=True)


def named_funnels(
    staged: dict[str, pd.DataFrame],
    sessions: pd.DataFrame,
    funnels: list[NamedFunnel],
    segments: list[str] = rb.SEGMENTS,
    window_days: int = rb.CONVERSION_WINDOW_DAYS,
    end: datetime | None = None,
    timeout_minutes: int = rb.SESSION_TIMEOUT_MINUTES,
) -> pd.DataFrame:
    """fct_named_funnels, with the units in progress at `end` (the end of the data)."""
    units_evaluated = evaluated(staged, sessions, funnels, window_days, end, timeout_minutes)
    steps = {funnel.name: [step.name for step in funnel.steps] for funnel in funnels}
    rows = []
    for (name, level), frame in units_evaluated.groupby(["funnel_name", "funnel_level"]):
        n_steps = len(steps[name])
        reached_groups = rb._segment_groups(frame, segments)
        open_groups = rb._segment_groups(frame, segments, "is_open")
        for (segment_type, segment_value), reached in reached_groups.items():
            is_open = open_groups[(segment_type, segment_value)]
            closed = [r for r, o in zip(reached, is_open, strict=True) if not o]
            counts = _reaching(reached, n_steps)
            closed_counts = _reaching(closed, n_steps)
            for number, step_name in enumerate(steps[name], start=1):
                count = counts[number - 1]
                previous = counts[number - 2] if number > 1 else None
                in_progress = sum(
                    1 for r, o in zip(reached, is_open, strict=True) if o and r == number - 1
                )
                rows.append(
                    {
                        "funnel_name": name,
                        "funnel_level": level,
                        "segment_type": segment_type,
                        "segment_value": segment_value,
                        "step_number": number,
                        "step_name": step_name,
                        "segment_units": len(reached),
                        "entering_units": len(reached) if previous is None else previous,
                        "reaching_units": count,
                        "conversion_from_previous": count / previous if previous else np.nan,
                        "conversion_from_start": count / counts[0] if counts[0] else np.nan,
                        "drop_off_from_previous": 1 - count / previous if previous else np.nan,
                        "in_progress_units": in_progress,
                        "segment_closed_units": len(closed),
                        "closed_units": closed_counts[number - 1],
                        **_rates(closed_counts, number, "closed_"),
                    }
                )
    return pd.DataFrame(rows)


def _reaching(reached: list[int], n_steps: int) -> list[int]:
    """Units at each step 1..n_steps: those whose furthest step is at least it."""
    return [sum(1 for r in reached if r >= k) for k in range(1, n_steps + 1)]


def _rates(counts: list[int], number: int, prefix: str) -> dict[str, float]:
    count, first = counts[number - 1], counts[0]
    previous = counts[number - 2] if number > 1 else None
    return {
        f"{prefix}conversion_from_previous": count / previous if previous else np.nan,
        f"{prefix}conversion_from_start": count / first if first else np.nan,
        f"{prefix}drop_off_from_previous": 1 - count / previous if previous else np.nan,
    }
