"""What callers run: the tables in memory or as CSV files, with progress; the planted pairs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from customer_behaviour.contract import TABLE_COLUMNS
from customer_behaviour.errors import UserError
from customer_behaviour.generate.config import GeneratorConfig, validate
from customer_behaviour.generate.defects import (
    MANIFEST_NAME,
    FreshIds,
    TableDefects,
    build_manifest,
    make_defects,
)
from customer_behaviour.generate.formats import frame, ids, table_rows
from customer_behaviour.generate.world import World, make_world, product_ids
from customer_behaviour.generate.world.draws import streams
from customer_behaviour.generate.world.products import make_products

_WRITE_BLOCK_ROWS = 500_000  # rows per formatted block when writing
_PROGRESS_MIN_SESSIONS = 50_000


@dataclass(frozen=True)
class _Generated:
    world: World
    defects: dict[str, TableDefects]  # per contract table
    manifest: pd.DataFrame

    def n_written(self, table: str) -> int:
        """Rows of the table's file: the clean rows and the extra defect rows."""
        return self.world.n_rows(table) + self.defects[table].n_extra


def generate_tables(config: GeneratorConfig, progress: bool = False) -> dict[str, pd.DataFrame]:
    """The six contract tables (text columns, contract order) and ``defects_manifest``.

    Rows are in the order they are written by :func:`generate_to_folder`. The manifest's
    ``line_number`` is an integer; every other column is text.
    """
    generated = _generate(config, _show_progress(config, progress))
    tables = {
        table: pd.concat(list(_blocks(generated, table)), ignore_index=True)
        for table in TABLE_COLUMNS
    }
    tables[MANIFEST_NAME] = generated.manifest
    return tables


def generate_to_folder(config: GeneratorConfig, out: Path, progress: bool) -> dict[str, int]:
    """Write the six CSVs and ``defects_manifest.csv`` into ``out``; rows written per file."""
    show = _show_progress(config, progress)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(
            f"cannot create the output folder {out}: {error.strerror}; "
            "choose a writable folder with --out"
        ) from error
    generated = _generate(config, show)
    counts: dict[str, int] = {}
    total_rows = sum(generated.n_written(table) for table in TABLE_COLUMNS)
    bar = tqdm(total=total_rows, desc="writing", unit="row", disable=not show, leave=False)
    try:
        for table in TABLE_COLUMNS:
            counts[table] = 0
            with open(out / f"{table}.csv", "w", encoding="utf-8", newline="") as handle:
                for k, block in enumerate(_blocks(generated, table)):
                    block.to_csv(handle, header=k == 0, index=False, lineterminator="\n")
                    counts[table] += len(block)
                    bar.update(len(block))
        generated.manifest.to_csv(out / f"{MANIFEST_NAME}.csv", index=False, lineterminator="\n")
    except OSError as error:
        raise UserError(
            f"cannot write to {out}: {error.strerror}; choose a writable folder with --out"
        ) from error
    finally:
        bar.close()
    counts[MANIFEST_NAME] = len(generated.manifest)
    return counts


def planted_pairs(config: GeneratorConfig) -> list[tuple[str, str]]:
    """The product_id pairs planted to be bought together, sorted within and across pairs."""
    validate(config)
    products = make_products(streams(config.seed).products, config.product_count)
    spec = product_ids(len(products.price_cents))
    pair_ids = ids(spec, products.pairs.reshape(-1) + 1).reshape(-1, 2)
    return sorted((str(a), str(b)) for a, b in pair_ids)


def _show_progress(config: GeneratorConfig, progress: bool) -> bool:
    return progress and config.n_sessions >= _PROGRESS_MIN_SESSIONS


def _generate(config: GeneratorConfig, show: bool) -> _Generated:
    """The world, every table's defects (one spawned stream per table) and the manifest."""
    validate(config)  # before the progress bar, so a bad configuration shows no bar
    with tqdm(
        total=config.n_sessions,
        desc="generating sessions",
        unit="session",
        disable=not show,
        leave=False,
    ) as bar:
        world = make_world(config, bar.update)
    table_rngs = streams(config.seed).defects.spawn(len(TABLE_COLUMNS))
    fresh = FreshIds()  # shared, so fresh ids are unique across tables too
    defects = {
        table: make_defects(world, table, table_rng, fresh)
        for table, table_rng in zip(TABLE_COLUMNS, table_rngs, strict=True)
    }
    return _Generated(world=world, defects=defects, manifest=build_manifest(defects))


def _blocks(generated: _Generated, table: str) -> Iterator[pd.DataFrame]:
    """The table as written, block by block: clean rows with edits, extra rows interleaved."""
    world, defects = generated.world, generated.defects[table]
    total = generated.n_written(table)
    positions = defects.extra_positions
    for low in range(0, max(total, 1), _WRITE_BLOCK_ROWS):
        high = min(total, low + _WRITE_BLOCK_ROWS)
        first_extra, end_extra = np.searchsorted(positions, [low, high])
        clean_low, clean_high = low - first_extra, high - end_extra
        clean_rows = np.arange(clean_low, clean_high)
        columns = {
            name: np.asarray(values, dtype=object)
            for name, values in table_rows(world, table, clean_rows).items()
        }
        e_low, e_high = np.searchsorted(defects.edit_rows, [clean_low, clean_high])
        edit_rows = defects.edit_rows[e_low:e_high] - clean_low
        edit_column = defects.edit_column[e_low:e_high]
        for name in np.unique(edit_column):
            is_name = edit_column == name
            columns[str(name)][edit_rows[is_name]] = defects.edit_raw[e_low:e_high][is_name]
        place = np.r_[defects.file_position(clean_rows), positions[first_extra:end_extra]]
        arrangement = np.argsort(place, kind="stable")
        merged = {
            name: np.r_[columns[name], defects.extra[name][first_extra:end_extra]][arrangement]
            for name in TABLE_COLUMNS[table]
        }
        yield frame(merged, table)
