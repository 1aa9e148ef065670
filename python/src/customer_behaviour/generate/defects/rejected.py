"""Extra rows that staging must reject, one recipe per rejection reason."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customer_behaviour.contract import KEY_COLUMNS
from customer_behaviour.generate.defects.kinds import (
    CASE_FREE_COLUMNS,
    INVALID_QUANTITIES,
    INVALID_STATUSES,
    INVALID_TIMESTAMPS,
    MISSING_VALUES,
    NON_POSITIVE_QUANTITIES,
    TIMESTAMP_COLUMN,
)
from customer_behaviour.generate.defects.picking import FreshIds, RowPicker
from customer_behaviour.generate.defects.values import (
    case_variant,
    padded,
    parse_clean_timestamps,
    pick,
    utc_text,
)
from customer_behaviour.generate.formats import Columns, table_rows
from customer_behaviour.generate.world import World
from customer_behaviour.generate.world.vocabulary import DEVICES, EVENT_TYPES


@dataclass(frozen=True)
class RejectedRows:
    columns: Columns  # the extra rows' text (object arrays)
    column: str  # the column the defect is in; empty for whole-row duplicates


def rejected_rows(
    world: World,
    table: str,
    kind: str,
    count: int,
    picker: RowPicker,
    fresh: FreshIds,
    rng: np.random.Generator,
) -> RejectedRows | None:
    """``count`` extra rows that staging must reject with reason ``kind``.

    Duplicates copy distinct rows (from ``picker``); every other kind starts from random
    clean rows. None when the table has no rows to start from.
    """
    n_rows = world.n_rows(table)
    if n_rows == 0:
        return None
    distinct_source = kind in ("duplicate_row", "conflicting_duplicate")
    rows = picker.take(count) if distinct_source else rng.integers(0, n_rows, count)
    if len(rows) == 0:
        return None
    columns = {
        name: np.asarray(values, dtype=object)
        for name, values in table_rows(world, table, rows).items()
    }
    if kind == "duplicate_row":
        return _duplicates(rng, table, columns)
    if kind == "conflicting_duplicate":
        return _conflicting_duplicates(rng, table, columns)
    return _bad_values(world, table, kind, columns, fresh, rng)


def _duplicates(rng: np.random.Generator, table: str, columns: Columns) -> RejectedRows:
    """Copies; half differ in a way cleaning removes: case of an enum, spaces on an id."""
    size = len(next(iter(columns.values())))
    vary = rng.random(size) < 0.5
    candidates = list(CASE_FREE_COLUMNS[table]) + list(KEY_COLUMNS[table])
    choice = rng.integers(0, len(candidates), size)
    for c, name in enumerate(candidates):
        rows_c = np.flatnonzero(vary & (choice == c))
        values = columns[name][rows_c].astype(str)
        if name in CASE_FREE_COLUMNS[table]:
            columns[name][rows_c] = case_variant(rng, name, values)
        else:
            columns[name][rows_c] = padded(rng, values)
    return RejectedRows(columns, "")


def _conflicting_duplicates(rng: np.random.Generator, table: str, columns: Columns) -> RejectedRows:
    """Same key, strictly later timestamp (the original is the earliest, so it is kept);
    sessions get another device, half of the events another type."""
    ts = TIMESTAMP_COLUMN[table]
    size = len(columns[ts])
    later = parse_clean_timestamps(columns[ts].astype(str)) + rng.integers(1, 3_601, size).astype(
        "timedelta64[s]"
    )
    columns[ts] = utc_text(later).astype(object)
    if table == "sessions":
        current = np.array([DEVICES.index(d) for d in columns["device"]])
        columns["device"] = np.array(DEVICES, dtype=object)[
            (current + rng.integers(1, len(DEVICES), size)) % len(DEVICES)
        ]
    elif table == "events":
        change = rng.random(size) < 0.5
        current = np.array([EVENT_TYPES.index(t) for t in columns["event_type"]])
        shifted = (current + rng.integers(1, len(EVENT_TYPES), size)) % len(EVENT_TYPES)
        columns["event_type"] = np.where(
            change, np.array(EVENT_TYPES, dtype=object)[shifted], columns["event_type"]
        )
    return RejectedRows(columns, ts)


def _bad_values(
    world: World,
    table: str,
    kind: str,
    columns: Columns,
    fresh: FreshIds,
    rng: np.random.Generator,
) -> RejectedRows:
    """A fresh key (single-key tables, unless the key is what is missing), then one bad
    value: missing, an invalid timestamp or status or quantity, a negative amount, or a
    reference to a session or order that does not exist."""
    key = KEY_COLUMNS[table][0]
    size = len(columns[key])
    spec = world.ids.of_table(table)
    if spec is not None and kind != f"missing_{key}":
        columns[key] = fresh.take(spec, size).astype(object)
    if kind.startswith("missing_"):
        column = kind.removeprefix("missing_")
        columns[column] = pick(rng, MISSING_VALUES, size)
        return RejectedRows(columns, column)
    if kind.startswith("invalid_") and kind.endswith("_at"):
        column = kind.removeprefix("invalid_")
        columns[column] = pick(rng, INVALID_TIMESTAMPS, size)
        return RejectedRows(columns, column)
    if kind.startswith("negative_"):
        column = kind.removeprefix("negative_")
        columns[column] = np.strings.add("-", columns[column].astype(str)).astype(object)
        return RejectedRows(columns, column)
    if kind == "invalid_status":
        columns["status"] = pick(rng, INVALID_STATUSES, size)
        return RejectedRows(columns, "status")
    if kind == "unknown_session":
        columns["session_id"] = fresh.take(world.ids.session, size).astype(object)
        return RejectedRows(columns, "session_id")
    if kind == "unknown_order":
        columns["order_id"] = fresh.take(world.ids.order, size).astype(object)
        return RejectedRows(columns, "order_id")
    if kind == "non_positive_quantity":
        columns["quantity"] = pick(rng, NON_POSITIVE_QUANTITIES, size)
        return RejectedRows(columns, "quantity")
    if kind == "invalid_quantity":
        columns["quantity"] = pick(rng, INVALID_QUANTITIES, size)
        return RejectedRows(columns, "quantity")
    raise ValueError(f"no recipe for defect kind {kind!r} in {table}")
