"""In-place edits of clean rows that staging must clean, not reject."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customer_behaviour.generate.defects.kinds import UTC_OFFSETS
from customer_behaviour.generate.defects.picking import RowPicker
from customer_behaviour.generate.defects.values import (
    case_variant,
    padded,
    parse_clean_timestamps,
    utc_text,
)
from customer_behaviour.generate.formats import record_keys, table_rows
from customer_behaviour.generate.world import World


@dataclass(frozen=True)
class Edits:
    """Edits of one column: the clean rows, the text written instead, the value staging
    must produce and the rows' record keys."""

    rows: np.ndarray
    raw: np.ndarray
    expected: np.ndarray
    keys: np.ndarray


def accepted_edits(
    world: World,
    table: str,
    kind: str,
    column: str,
    count: int,
    picker: RowPicker,
    rng: np.random.Generator,
) -> Edits:
    """Up to ``count`` edits of ``column`` (rows where it is empty are skipped)."""
    parts: list[Edits] = []
    needed = count
    while needed > 0:
        rows = picker.take(max(4 * needed, 16))
        if len(rows) == 0:
            break
        columns = table_rows(world, table, rows)
        values = np.asarray(columns[column], dtype=str)
        usable = np.flatnonzero(values != "")[:needed]
        rows, values = rows[usable], values[usable]
        keys = record_keys(table, {k: np.asarray(v)[usable] for k, v in columns.items()})
        raw, expected = _edited(rng, kind, column, values)
        parts.append(Edits(rows=rows, raw=raw, expected=expected, keys=keys))
        needed -= len(rows)
    if not parts:
        empty = np.array([], dtype=str)
        return Edits(rows=np.array([], dtype=np.int64), raw=empty, expected=empty, keys=empty)
    return Edits(
        rows=np.concatenate([part.rows for part in parts]),
        raw=np.concatenate([part.raw for part in parts]),
        expected=np.concatenate([part.expected for part in parts]),
        keys=np.concatenate([part.keys for part in parts]),
    )


def _edited(
    rng: np.random.Generator, kind: str, column: str, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(text written, value staging must produce) for clean values of one column."""
    if kind == "timestamp_offset":  # the same instant in another zone
        moments = parse_clean_timestamps(values)
        choice = rng.integers(0, len(UTC_OFFSETS), len(values))
        minutes = np.array([m for m, _ in UTC_OFFSETS])[choice]
        local = np.datetime_as_string(moments + (minutes * 60).astype("timedelta64[s]"), unit="s")
        raw = np.strings.add(local, np.array([z for _, z in UTC_OFFSETS])[choice])
        return raw, utc_text(moments)
    if kind == "mixed_case_enum":
        return case_variant(rng, column, values), values
    return padded(rng, values), values  # surrounding_whitespace
