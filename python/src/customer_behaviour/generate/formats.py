"""How the world's numbers are written as contract text, value by value and row by row.

Files are UTF-8 with a header row, commas and ``\\n`` line ends; no generated value holds a
comma, quote or line break, so nothing is quoted and every row is one line.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from customer_behaviour.contract import KEY_COLUMNS, TABLE_COLUMNS
from customer_behaviour.generate.world import IdSpec, World
from customer_behaviour.generate.world.vocabulary import (
    CATEGORIES,
    COUNTRIES,
    DEVICES,
    EMAIL_DOMAINS,
    EVENT_TYPES,
    PAGES,
    TRAFFIC_SOURCES,
)

Columns = dict[str, np.ndarray]
"""Some rows of one table: contract column name -> the rows' text, in the same row order."""


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def zfill(numbers: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded text (numpy's zfill fails on empty arrays)."""
    if len(numbers) == 0:
        return np.array([], dtype=str)
    return np.strings.zfill(numbers.astype(str), width)


def ids(spec: IdSpec, numbers: np.ndarray) -> np.ndarray:
    """The spec's prefix + zero-padded number; empty where number < 1."""
    text = np.strings.add(spec.prefix, zfill(numbers, spec.width))
    return np.where(numbers >= 1, text, "")


def timestamps(epoch: np.datetime64, seconds: np.ndarray, plain: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DDTHH:MM:SSZ``, or ``YYYY-MM-DD HH:MM:SS`` (no zone) where ``plain``."""
    text = np.datetime_as_string(epoch + seconds.astype("timedelta64[s]"), unit="s")
    return np.where(plain, np.strings.replace(text, "T", " "), np.strings.add(text, "Z"))


def money(cents: np.ndarray) -> np.ndarray:
    """Non-negative cents as ``123.45``."""
    units = np.strings.add((cents // 100).astype(str), ".")
    return np.strings.add(units, zfill(cents % 100, 2))


def labels(codes: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Names for codes; -1 gives an empty string."""
    return np.array((*names, ""))[np.where(codes < 0, len(names), codes)]


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


def table_rows(world: World, table: str, rows: np.ndarray) -> Columns:
    """The clean text of some rows of a table, column by column."""
    if table not in _ROW_WRITERS:
        raise ValueError(f"unknown table {table!r}")
    if len(rows) == 0:  # numpy's string functions fail on empty arrays
        return {name: np.array([], dtype=str) for name in TABLE_COLUMNS[table]}
    return _ROW_WRITERS[table](world, rows)


def _product_rows(world: World, rows: np.ndarray) -> Columns:
    p = world.products
    return {
        "product_id": ids(world.ids.product, rows + 1),
        "product_name": p.name[rows],
        "category": labels(p.category[rows], CATEGORIES),
        "price_usd": money(p.price_cents[rows]),
        "cost_usd": money(p.cost_cents[rows]),
    }


def _customer_rows(world: World, rows: np.ndarray) -> Columns:
    c = world.customers
    pool = c.listed[rows]
    local = np.strings.add("user", (pool + 1).astype(str))
    email = np.strings.add(np.strings.add(local, "@"), labels(c.email_domain[pool], EMAIL_DOMAINS))
    email = np.where(c.email_case[pool] == 1, np.strings.capitalize(email), email)
    email = np.where(c.email_case[pool] == 2, np.strings.upper(email), email)
    return {
        "customer_id": ids(world.ids.customer, pool + 1),
        "signup_at": timestamps(world.epoch, c.signup[pool], c.plain_timestamp[pool]),
        "country": labels(c.country[pool], COUNTRIES),
        "email": email,
    }


def _session_rows(world: World, rows: np.ndarray) -> Columns:
    s = world.sessions
    return {
        "session_id": ids(world.ids.session, rows + 1),
        "customer_id": ids(world.ids.customer, s.customer[rows] + 1),
        "session_start_at": timestamps(world.epoch, s.start[rows], s.plain_timestamp[rows]),
        "device": labels(s.device[rows], DEVICES),
        "traffic_source": labels(s.source[rows], TRAFFIC_SOURCES),
        "country": labels(s.country[rows], COUNTRIES),
    }


def _event_rows(world: World, rows: np.ndarray) -> Columns:
    e = world.events
    session = e.session[rows].astype(np.int64)
    plain = world.sessions.plain_timestamp[session]  # an event is written like its session
    return {
        "event_id": ids(world.ids.event, rows + 1),
        "session_id": ids(world.ids.session, session + 1),
        "event_at": timestamps(world.epoch, e.at[rows], plain),
        "event_type": labels(e.event_type[rows], EVENT_TYPES),
        "page": labels(e.page[rows], PAGES),
        "product_id": ids(world.ids.product, e.product[rows].astype(np.int64) + 1),
    }


def _order_rows(world: World, rows: np.ndarray) -> Columns:
    o = world.orders
    return {
        "order_id": ids(world.ids.order, rows + 1),
        "session_id": ids(world.ids.session, o.session[rows] + 1),
        "customer_id": ids(world.ids.customer, o.customer[rows] + 1),
        "ordered_at": timestamps(world.epoch, o.ordered_at[rows], o.plain_timestamp[rows]),
        "order_total_usd": money(o.total_cents[rows]),
        "status": np.where(o.cancelled[rows], "cancelled", "completed"),
    }


def _order_item_rows(world: World, rows: np.ndarray) -> Columns:
    o = world.orders
    return {
        "order_id": ids(world.ids.order, o.line_order[rows] + 1),
        "product_id": ids(world.ids.product, o.line_product[rows] + 1),
        "quantity": o.line_quantity[rows].astype(str),
        "unit_price_usd": money(o.line_price_cents[rows]),
    }


_ROW_WRITERS: dict[str, Callable[[World, np.ndarray], Columns]] = {
    "customers": _customer_rows,
    "products": _product_rows,
    "sessions": _session_rows,
    "events": _event_rows,
    "orders": _order_rows,
    "order_items": _order_item_rows,
}


def frame(columns: Columns, table: str) -> pd.DataFrame:
    """The rows as a text DataFrame with the contract's columns in order."""
    return pd.DataFrame(
        {name: np.asarray(columns[name], dtype=object) for name in TABLE_COLUMNS[table]},
        dtype=str,
    )


def record_keys(table: str, columns: Columns) -> np.ndarray:
    """Trimmed key, ``(missing)`` when empty or 'null'; order_items joins its two with '|'."""
    parts = []
    for name in KEY_COLUMNS[table]:
        value = np.strings.strip(np.asarray(columns[name], dtype=str))
        is_missing = np.isin(np.strings.lower(value), ["", "null"])
        parts.append(np.where(is_missing, "(missing)", value))
    key = parts[0]
    for part in parts[1:]:
        key = np.strings.add(np.strings.add(key, "|"), part)
    return key
