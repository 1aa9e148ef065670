"""An independent pandas implementation of docs/data_contract.md and of fct_sessions.

The tests compare the dbt marts with what this module computes from the raw
CSV files. It shares no code with the SQL: it is written from the written
definitions, in plain pandas and Python, so that a mistake in either shows up
as a difference.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from support import reference_channels

FUNNEL_STEPS = ["page_view", "add_to_cart", "checkout", "purchase"]
"""The default of dbt variable customer_behaviour__funnel_steps."""
DEVICES = {"desktop", "mobile", "tablet"}

COLUMNS = {
    "customers": ["customer_id", "signup_at", "country", "email"],
    "products": ["product_id", "product_name", "category", "price_usd", "cost_usd"],
    "sessions": [
        "session_id",
        "customer_id",
        "session_start_at",
        "device",
        "traffic_source",
        "country",
    ],
    "events": ["event_id", "session_id", "event_at", "event_type", "page", "product_id"],
    "orders": [
        "order_id",
        "session_id",
        "customer_id",
        "ordered_at",
        "order_total_usd",
        "status",
    ],
    "order_items": ["order_id", "product_id", "quantity", "unit_price_usd"],
}

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?([Zz]|[+-]\d{2}:?\d{2})?)?"
)
_DECIMAL = re.compile(r"[+-]?\d{1,12}(?:\.\d{1,6})?")
_INTEGER = re.compile(r"[+-]?\d{1,9}")
MAX_TEXT_LENGTH = 500
"""dbt variable customer_behaviour__max_text_length: longer cleaned values reject the row."""
EMAIL_HASH_KEY = "test-key-0123456789abcdefghijklmnopqrstuvwxyz"
"""CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY of every test build (support.build.base_env)."""


def email_hash(email: str | None, key: str = EMAIL_HASH_KEY) -> str | None:
    """HMAC-SHA256 of the lower-cased cleaned address under the key, as hex (RFC 2104)."""
    if email is None:
        return None
    return hmac.new(key.encode(), email.lower().encode(), hashlib.sha256).hexdigest()


def read_raw(folder: Path) -> dict[str, pd.DataFrame]:
    """The six CSVs exactly as text, with None where the loader stores NULL."""
    tables = {}
    for table, columns in COLUMNS.items():
        frame = pd.read_csv(
            folder / f"{table}.csv", dtype=str, keep_default_na=False, na_filter=False
        )
        assert list(frame.columns) == columns, f"{table}.csv columns differ from the contract"
        tables[table] = frame.astype(object)
    return tables


def clean(value: object) -> str | None:
    """Trim spaces; empty or 'null' in any case is missing."""
    if value is None:
        return None
    text = str(value).strip(" ")
    if text == "" or text.lower() == "null":
        return None
    return text


def parse_timestamp(text: str | None) -> datetime | None:
    """ISO-8601 of the contract to a naive UTC datetime, or None when invalid."""
    if text is None:
        return None
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    year, month, day = int(year), int(month), int(day)
    if not (1900 <= year <= 2199 and 1 <= month <= 12):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    hour, minute, second = int(hour or 0), int(minute or 0), int(second or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    micro = int((fraction or "").ljust(6, "0") or 0)
    value = datetime(year, month, day, hour, minute, second, micro)
    if offset and offset not in ("Z", "z"):
        digits = offset[1:].replace(":", "")
        off_hours, off_minutes = int(digits[:2]), int(digits[2:])
        if off_hours > 23 or off_minutes > 59:
            return None
        sign = 1 if offset[0] == "+" else -1
        value -= sign * timedelta(hours=off_hours, minutes=off_minutes)
    return value


def parse_decimal(text: str | None) -> Decimal | None:
    if text is None or not _DECIMAL.fullmatch(text):
        return None
    return Decimal(text)


def parse_integer(text: str | None) -> int | None:
    if text is None or not _INTEGER.fullmatch(text):
        return None
    return int(text)


def enum(text: str | None, accepted: set[str]) -> str:
    if text is not None and text.lower() in accepted:
        return text.lower()
    return "unknown"


def country(text: str | None) -> str:
    if text is not None and re.fullmatch(r"[A-Z]{2}", text.upper()):
        return text.upper()
    return "unknown"


def lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


def _sql_text(value: object) -> str:
    """How the SQL record hash renders a typed value as text."""
    if value is None:
        return "~"
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        if value.microsecond:
            text += f".{value.microsecond:06d}".rstrip("0")
        return text
    if isinstance(value, Decimal):
        return f"{value:.6f}"
    return str(value)


def record_hash(values: list[object]) -> str:
    return hashlib.md5("|".join(_sql_text(v) for v in values).encode()).hexdigest()


@dataclass
class TableRules:
    columns: list[str]
    key: str | None
    earliest: str | None


RULES = {
    "customers": TableRules(
        ["customer_id", "signup_at", "country", "email_hash"], "customer_id", "signup_at"
    ),
    "products": TableRules(
        ["product_id", "product_name", "category", "price_usd", "cost_usd"], "product_id", None
    ),
    "sessions": TableRules(COLUMNS["sessions"], "session_id", "session_start_at"),
    "events": TableRules(COLUMNS["events"], "event_id", "event_at"),
    "orders": TableRules(COLUMNS["orders"], "order_id", "ordered_at"),
    "order_items": TableRules(COLUMNS["order_items"], None, None),
}


def _clean_row(table: str, raw: dict[str, object]) -> tuple[dict[str, object], str | None]:
    """Cleaned, typed values of one raw row and its first failing row check."""
    c = {name: clean(value) for name, value in raw.items()}
    if table == "customers":
        signup = parse_timestamp(c["signup_at"])
        email = c["email"]
        row = {
            "customer_id": c["customer_id"],
            "signup_at": signup,
            "country": country(c["country"]),
            "email_hash": email_hash(email),
        }
        checks = [
            (c["customer_id"] is None, "missing_customer_id"),
            (c["signup_at"] is None, "missing_signup_at"),
            (signup is None, "invalid_signup_at"),
        ]
    elif table == "products":
        price, cost = parse_decimal(c["price_usd"]), parse_decimal(c["cost_usd"])
        row = {
            "product_id": c["product_id"],
            "product_name": c["product_name"],
            "category": lower(c["category"]),
            "price_usd": price,
            "cost_usd": cost,
        }
        checks = [
            (c["product_id"] is None, "missing_product_id"),
            (c["price_usd"] is not None and price is None, "invalid_price_usd"),
            (price is not None and price < 0, "negative_price_usd"),
            (c["cost_usd"] is not None and cost is None, "invalid_cost_usd"),
            (cost is not None and cost < 0, "negative_cost_usd"),
        ]
    elif table == "sessions":
        start = parse_timestamp(c["session_start_at"])
        row = {
            "session_id": c["session_id"],
            "customer_id": c["customer_id"],
            "session_start_at": start,
            "device": enum(c["device"], DEVICES),
            "traffic_source": reference_channels.traffic_source(c["traffic_source"]),
            "country": country(c["country"]),
        }
        checks = [
            (c["session_id"] is None, "missing_session_id"),
            (c["session_start_at"] is None, "missing_session_start_at"),
            (start is None, "invalid_session_start_at"),
        ]
    elif table == "events":
        event_at = parse_timestamp(c["event_at"])
        row = {
            "event_id": c["event_id"],
            "session_id": c["session_id"],
            "event_at": event_at,
            "event_type": lower(c["event_type"]),
            "page": lower(c["page"]),
            "product_id": c["product_id"],
        }
        checks = [
            (c["event_id"] is None, "missing_event_id"),
            (c["session_id"] is None, "missing_session_id"),
            (c["event_at"] is None, "missing_event_at"),
            (event_at is None, "invalid_event_at"),
            (c["event_type"] is None, "missing_event_type"),
        ]
    elif table == "orders":
        ordered_at = parse_timestamp(c["ordered_at"])
        total = parse_decimal(c["order_total_usd"])
        status = lower(c["status"])
        row = {
            "order_id": c["order_id"],
            "session_id": c["session_id"],
            "customer_id": c["customer_id"],
            "ordered_at": ordered_at,
            "order_total_usd": total,
            "status": status,
        }
        checks = [
            (c["order_id"] is None, "missing_order_id"),
            (c["ordered_at"] is None, "missing_ordered_at"),
            (ordered_at is None, "invalid_ordered_at"),
            (c["order_total_usd"] is not None and total is None, "invalid_order_total_usd"),
            (total is not None and total < 0, "negative_order_total_usd"),
            (status not in ("completed", "cancelled"), "invalid_status"),
        ]
    else:
        quantity = parse_integer(c["quantity"])
        price = parse_decimal(c["unit_price_usd"])
        row = {
            "order_id": c["order_id"],
            "product_id": c["product_id"],
            "quantity": quantity,
            "unit_price_usd": price,
        }
        checks = [
            (c["order_id"] is None, "missing_order_id"),
            (c["product_id"] is None, "missing_product_id"),
            (c["quantity"] is None, "missing_quantity"),
            (quantity is None, "invalid_quantity"),
            (quantity is not None and quantity <= 0, "non_positive_quantity"),
            (c["unit_price_usd"] is None, "missing_unit_price_usd"),
            (price is None, "invalid_unit_price_usd"),
            (price is not None and price < 0, "negative_unit_price_usd"),
        ]
    issue = next((reason for failed, reason in checks if failed), None)
    if issue is None:
        issue = next(
            (
                f"oversized_{name}"
                for name, value in row.items()
                if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH
            ),
            None,
        )
    return row, issue


def stage(table: str, raw: pd.DataFrame) -> pd.DataFrame:
    """Cleaned rows with rejection_reason after row checks and the duplicate rules."""
    rules = RULES[table]
    rows, issues = [], []
    for record in raw.to_dict("records"):
        row, issue = _clean_row(table, record)
        rows.append(row)
        issues.append(issue)
    frame = pd.DataFrame(rows, columns=rules.columns)
    frame["line_number"] = np.arange(len(frame)) + 2  # header is line 1
    frame["reason"] = issues
    if len(frame) == 0:
        return frame
    ok = frame["reason"].isna()
    values = frame[rules.columns].astype(object).where(frame[rules.columns].notna(), None)
    signature = values.apply(lambda r: tuple(_sql_text(v) for v in r), axis=1)
    # Exact copies among the rows that passed the row checks: one is kept.
    duplicate = signature[ok].duplicated()
    frame.loc[duplicate[duplicate].index, "reason"] = "duplicate_row"
    if rules.key is not None:
        candidates = frame[frame["reason"].isna()].copy()
        candidates["hash"] = [record_hash(list(values.loc[i])) for i in candidates.index]
        order = [rules.key] + ([rules.earliest] if rules.earliest else []) + ["hash"]
        candidates = candidates.sort_values(order, kind="mergesort")
        losers = candidates.index[candidates.duplicated(rules.key, keep="first")]
        frame.loc[losers, "reason"] = "conflicting_duplicate"
    return frame


def stage_all(raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every table staged, with reference checks applied (unknown_session / unknown_order)."""
    staged = {table: stage(table, frame) for table, frame in raw.items()}
    sessions = staged["sessions"]
    accepted_sessions = set(sessions.loc[sessions["reason"].isna(), "session_id"])
    events = staged["events"]
    unknown = events["reason"].isna() & ~events["session_id"].isin(accepted_sessions)
    events.loc[unknown, "reason"] = "unknown_session"
    orders = staged["orders"]
    unknown = (
        orders["reason"].isna()
        & orders["session_id"].notna()
        & ~orders["session_id"].isin(accepted_sessions)
    )
    orders.loc[unknown, "reason"] = "unknown_session"
    accepted_orders = set(orders.loc[orders["reason"].isna(), "order_id"])
    items = staged["order_items"]
    unknown = items["reason"].isna() & ~items["order_id"].isin(accepted_orders)
    items.loc[unknown, "reason"] = "unknown_order"
    return staged


def load_summary(staged: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows per table and outcome, as dq_load_summary defines them."""
    parts = []
    for table, frame in staged.items():
        outcome = frame["reason"].fillna("accepted") if len(frame) else pd.Series(dtype=object)
        counts = outcome.value_counts()
        if "accepted" not in counts.index:
            counts.loc["accepted"] = 0
        part = counts.rename_axis("outcome").reset_index(name="n_rows")
        part["source_table"] = table
        part["raw_rows"] = len(frame)
        part["accepted_rows"] = int((outcome == "accepted").sum())
        part["rejected_rows"] = len(frame) - part["accepted_rows"]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _whole_seconds(start: datetime, end: datetime) -> int:
    """Boundary count of seconds, as dbt.datediff(..., 'second')."""
    return int((end.replace(microsecond=0) - start.replace(microsecond=0)).total_seconds())


def _funnel_step(events: list[tuple[datetime, str]], steps: list[str]) -> int:
    """Ordered funnel: step k at the first event of its type at or after step k-1."""
    reached_at = None
    for step_number, step in enumerate(steps, start=1):
        times = [
            at for at, kind in events if kind == step and (reached_at is None or at >= reached_at)
        ]
        if not times:
            return step_number - 1
        reached_at = min(times)
    return len(steps)


def step_stems(steps: list[str]) -> list[str]:
    """The column stem of each funnel step, by the rule of doc block funnel_step_columns:
    the name cleaned to [a-z0-9_], unless that is empty, starts with a digit, is longer than
    40 characters, is `event` / `other_event` / `pre_intent_event`, looks like
    `step_<digit>...` or is shared by two steps; then `step_<k>` plus `_` and the cleaned
    name's first 40 characters."""
    cleaned = [re.sub(r"[^a-z0-9]+", "_", step).strip("_") for step in steps]
    stems = []
    for number, name in enumerate(cleaned, start=1):
        usable = (
            bool(re.fullmatch(r"[a-z][a-z0-9_]*", name))
            and len(name) <= 40
            and not re.match(r"step_[0-9]", name)
            and name not in ("event", "other_event", "pre_intent_event")
            and cleaned.count(name) == 1
        )
        cut = name[:40].strip("_")
        stems.append(name if usable else f"step_{number}" + (f"_{cut}" if cut else ""))
    return stems


def sessions(
    staged: dict[str, pd.DataFrame],
    steps: list[str] = FUNNEL_STEPS,
    channel_rules: reference_channels.ChannelRules | None = None,
) -> pd.DataFrame:
    """fct_sessions, recomputed for the funnel `steps` and the channel mapping (default: the
    committed seed)."""
    rules = channel_rules or reference_channels.load_rules()
    stems = step_stems(steps)
    session_rows = staged["sessions"][staged["sessions"]["reason"].isna()]
    events = staged["events"][staged["events"]["reason"].isna()]
    orders = staged["orders"][staged["orders"]["reason"].isna()]
    items = staged["order_items"][staged["order_items"]["reason"].isna()]

    events_by_session: dict[str, list[tuple[datetime, str]]] = {}
    for session_id, event_at, event_type in events[
        ["session_id", "event_at", "event_type"]
    ].itertuples(index=False):
        events_by_session.setdefault(session_id, []).append((event_at, event_type))

    completed = orders[(orders["status"] == "completed") & orders["session_id"].notna()]
    line_amount = items.assign(
        amount=[int(q) * p for q, p in zip(items["quantity"], items["unit_price_usd"], strict=True)]
    )
    per_order = line_amount.groupby("order_id").agg(
        items=("quantity", "sum"), amount=("amount", "sum")
    )
    completed = completed.join(per_order, on="order_id")
    per_session_orders = completed.groupby("session_id").agg(
        n_orders=("order_id", "count"),
        items_purchased=("items", "sum"),
        amount_usd=("amount", lambda s: sum((v for v in s if isinstance(v, Decimal)), Decimal(0))),
    )

    rows = []
    for session in session_rows.to_dict("records"):
        session_events = events_by_session.get(session["session_id"], [])
        start = session["session_start_at"]
        counts = {step: 0 for step in steps}
        for _, kind in session_events:
            if kind in counts:
                counts[kind] += 1
        named = list(zip(steps, stems, strict=True))
        step_columns = {f"{stem}_count": counts[step] for step, stem in named}
        step_columns |= {f"has_{stem}": counts[step] > 0 for step, stem in named}
        if session_events:
            first = min(at for at, _ in session_events)
            last = max(at for at, _ in session_events)
            start = min(start, first)
            delay = _whole_seconds(start, first)
            duration = _whole_seconds(start, last)
        else:
            first = last = None
            delay = None
            duration = 0
        n_events = len(session_events)
        # Pre-intent (doc block pre_intent): strictly before the first event of step 2's type.
        intent_times = [at for at, kind in session_events if kind == steps[1]]
        if intent_times:
            intent = min(intent_times)
            pre_intent_events = sum(1 for at, _ in session_events if at < intent)
            pre_intent_seconds = _whole_seconds(start, intent)
        else:
            pre_intent_events, pre_intent_seconds = n_events, duration
        order_stats = (
            per_session_orders.loc[session["session_id"]]
            if session["session_id"] in per_session_orders.index
            else None
        )
        n_orders = int(order_stats["n_orders"]) if order_stats is not None else 0
        items_purchased = int(order_stats["items_purchased"]) if order_stats is not None else 0
        amount = Decimal(order_stats["amount_usd"]) if order_stats is not None else Decimal(0)
        rows.append(
            {
                "session_id": session["session_id"],
                "customer_id": session["customer_id"],
                "device": session["device"],
                "traffic_source": session["traffic_source"],
                "country": session["country"],
                "session_start_at": start,
                "first_event_at": first,
                "last_event_at": last,
                "first_event_delay_seconds": delay,
                "session_seconds": duration,
                "event_count": n_events,
                **step_columns,
                "other_event_count": n_events - sum(counts.values()),
                "pre_intent_event_count": pre_intent_events,
                "pre_intent_seconds": pre_intent_seconds,
                "funnel_step_reached": _funnel_step(session_events, steps),
                "events_per_minute": n_events * 60 / duration if duration > 0 else None,
                "is_bounce": n_events == 1 and counts[steps[0]] == 1,
                "n_orders": n_orders,
                "did_purchase": n_orders > 0,
                "items_purchased": items_purchased,
                "amount_usd": float(amount),
                "avg_item_price_usd": float(amount) / items_purchased if items_purchased else None,
                "channel_group": reference_channels.channel_group(session["traffic_source"], rules),
            }
        )
    frame = pd.DataFrame(rows)
    known = frame["customer_id"].notna()
    frame["session_number"] = pd.array([None] * len(frame), dtype="Int64")
    numbered = frame[known].sort_values(["customer_id", "session_start_at", "session_id"])
    frame.loc[numbered.index, "session_number"] = (
        numbered.groupby("customer_id").cumcount().to_numpy() + 1
    )
    return frame.sort_values("session_id").reset_index(drop=True)
