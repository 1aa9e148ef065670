"""All defects of one table: the rejected extra rows and the in-place edits, placed in the file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_behaviour.contract import TABLE_COLUMNS
from customer_behaviour.generate.defects.accepted import accepted_edits
from customer_behaviour.generate.defects.kinds import ACCEPTED_KINDS, REJECTED_KINDS
from customer_behaviour.generate.defects.picking import FreshIds, RowPicker, kind_count
from customer_behaviour.generate.defects.rejected import rejected_rows
from customer_behaviour.generate.formats import Columns, record_keys
from customer_behaviour.generate.world import World

META_COLUMNS = ("record_key", "defect_kind", "expected_reason", "column", "expected_value")
"""The manifest columns a defect knows of itself (table and line_number come from where
it is written)."""


@dataclass(frozen=True)
class TableDefects:
    """Extra (rejected) rows and in-place edits of one table, with their manifest rows."""

    extra: Columns  # contract columns of the extra rows, in file order
    extra_meta: pd.DataFrame  # META_COLUMNS of each extra row, same order
    extra_positions: np.ndarray  # sorted 0-based positions of the extra rows in the file
    edit_rows: np.ndarray  # sorted clean row indices edited in place
    edit_column: np.ndarray  # column name per edit
    edit_raw: np.ndarray  # text written instead
    edit_meta: pd.DataFrame

    @property
    def n_extra(self) -> int:
        return len(self.extra_positions)

    def file_position(self, clean_rows: np.ndarray) -> np.ndarray:
        """0-based position in the written file of clean rows (extra rows interleaved)."""
        before = self.extra_positions - np.arange(self.n_extra)
        return clean_rows + np.searchsorted(before, clean_rows, side="right")


@dataclass(frozen=True)
class _ExtraRows:
    columns: list[Columns]  # one part per kind
    meta: pd.DataFrame


@dataclass(frozen=True)
class _InPlaceEdits:
    rows: np.ndarray
    column: np.ndarray
    raw: np.ndarray
    meta: pd.DataFrame


def make_defects(
    world: World, table: str, rng: np.random.Generator, fresh: FreshIds
) -> TableDefects:
    """All defects of one table (nothing when defect_rate is 0 or the table is empty)."""
    rate = world.config.defect_rate
    n_rows = world.n_rows(table)
    if rate <= 0 or n_rows == 0:
        return _no_defects(table)
    picker = RowPicker(rng, n_rows)  # shared: no row is both a copy's source and edited
    extra = _rejected_family(world, table, picker, fresh, rng)
    edits = _accepted_family(world, table, picker, rng)

    # extra rows in random order, at random places of the file
    shuffle = rng.permutation(len(extra.meta))
    columns = {
        name: np.concatenate(
            [np.asarray(part[name], dtype=object) for part in extra.columns]
            or [np.array([], dtype=object)]
        )[shuffle]
        for name in TABLE_COLUMNS[table]
    }
    n_extra = len(extra.meta)
    positions = np.sort(rng.choice(n_rows + n_extra, size=n_extra, replace=False))

    by_row = np.argsort(edits.rows, kind="stable")
    return TableDefects(
        extra=columns,
        extra_meta=extra.meta.iloc[shuffle].reset_index(drop=True),
        extra_positions=positions.astype(np.int64),
        edit_rows=edits.rows[by_row],
        edit_column=edits.column[by_row],
        edit_raw=edits.raw[by_row],
        edit_meta=edits.meta.iloc[by_row].reset_index(drop=True),
    )


def _rejected_family(
    world: World, table: str, picker: RowPicker, fresh: FreshIds, rng: np.random.Generator
) -> _ExtraRows:
    """Family 1: about rate x rows extra rows, split evenly over the table's kinds."""
    kinds = REJECTED_KINDS[table]
    count = kind_count(world.config.defect_rate, world.n_rows(table), len(kinds))
    parts: list[Columns] = []
    meta: list[pd.DataFrame] = []
    for kind in kinds:
        built = rejected_rows(world, table, kind, count, picker, fresh, rng)
        if built is None:
            continue
        keys = record_keys(table, built.columns)
        parts.append(built.columns)
        meta.append(defect_meta(keys, kind, kind, built.column, np.full(len(keys), "")))
    return _ExtraRows(columns=parts, meta=concat_meta(meta))


def _accepted_family(
    world: World, table: str, picker: RowPicker, rng: np.random.Generator
) -> _InPlaceEdits:
    """Family 2: about rate x rows in-place edits, split evenly over the table's kinds and
    at random over each kind's columns."""
    accepted = ACCEPTED_KINDS[table]
    count = kind_count(world.config.defect_rate, world.n_rows(table), len(accepted))
    rows: list[np.ndarray] = [np.array([], dtype=np.int64)]
    column_names: list[np.ndarray] = [np.array([], dtype=object)]
    raw: list[np.ndarray] = [np.array([], dtype=object)]
    meta: list[pd.DataFrame] = []
    for kind, kind_columns in accepted.items():
        per_column = np.bincount(
            rng.integers(0, len(kind_columns), count), minlength=len(kind_columns)
        )
        for column, column_count in zip(kind_columns, per_column, strict=True):
            if column_count == 0:
                continue
            edits = accepted_edits(world, table, kind, column, int(column_count), picker, rng)
            rows.append(edits.rows)
            column_names.append(np.full(len(edits.rows), column, dtype=object))
            raw.append(edits.raw.astype(object))
            meta.append(defect_meta(edits.keys, kind, "", column, edits.expected))
    return _InPlaceEdits(
        rows=np.concatenate(rows),
        column=np.concatenate(column_names),
        raw=np.concatenate(raw),
        meta=concat_meta(meta),
    )


def _no_defects(table: str) -> TableDefects:
    empty = np.array([], dtype=np.int64)
    return TableDefects(
        extra={name: np.array([], dtype=object) for name in TABLE_COLUMNS[table]},
        extra_meta=concat_meta([]),
        extra_positions=empty,
        edit_rows=empty,
        edit_column=np.array([], dtype=object),
        edit_raw=np.array([], dtype=object),
        edit_meta=concat_meta([]),
    )


def defect_meta(
    keys: np.ndarray, kind: str, reason: str, column: str, expected: np.ndarray
) -> pd.DataFrame:
    """Manifest rows (without table and line_number) for defects of one kind and column."""
    return pd.DataFrame(
        {
            "record_key": np.asarray(keys, dtype=str),
            "defect_kind": kind,
            "expected_reason": reason,
            "column": column,
            "expected_value": np.asarray(expected, dtype=str),
        },
        dtype=str,
    )


def concat_meta(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts as one frame; an empty frame with META_COLUMNS when there are none."""
    if not parts:
        return pd.DataFrame({name: pd.Series(dtype=str) for name in META_COLUMNS})
    return pd.concat(parts, ignore_index=True)
