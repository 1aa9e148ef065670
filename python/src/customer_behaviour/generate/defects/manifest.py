"""The defect manifest: one row per injected defect, with its line in the written file."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from customer_behaviour.contract import TABLE_COLUMNS
from customer_behaviour.generate.defects.table import TableDefects, concat_meta

MANIFEST_NAME = "defects_manifest"
MANIFEST_COLUMNS: tuple[str, ...] = (
    "table",
    "record_key",
    "defect_kind",
    "expected_reason",
    "line_number",
    "column",
    "expected_value",
)
_FIRST_DATA_LINE = 2  # line_number of file position 0: the header is line 1


def build_manifest(defects: Mapping[str, TableDefects]) -> pd.DataFrame:
    """Every table's defects, in contract table order and then by line (header = line 1)."""
    parts = []
    for table, table_defects in defects.items():
        extra = table_defects.extra_meta.assign(
            table=table, line_number=table_defects.extra_positions + _FIRST_DATA_LINE
        )
        positions = table_defects.file_position(table_defects.edit_rows)
        edits = table_defects.edit_meta.assign(
            table=table, line_number=positions + _FIRST_DATA_LINE
        )
        parts += [extra, edits]
    parts = [part for part in parts if len(part)]
    if not parts:
        empty = concat_meta([]).assign(table="", line_number=np.array([], dtype=np.int64))
        return empty[list(MANIFEST_COLUMNS)]
    manifest = pd.concat(parts, ignore_index=True)[list(MANIFEST_COLUMNS)]
    order = {table: k for k, table in enumerate(TABLE_COLUMNS)}
    manifest = manifest.assign(_order=manifest["table"].map(order)).sort_values(
        ["_order", "line_number"], kind="stable"
    )
    manifest = manifest.drop(columns="_order").reset_index(drop=True)
    text_columns = [c for c in MANIFEST_COLUMNS if c != "line_number"]
    manifest[text_columns] = manifest[text_columns].astype(str)
    manifest["line_number"] = manifest["line_number"].astype(np.int64)
    return manifest
