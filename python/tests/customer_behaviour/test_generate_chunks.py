"""The generator's work split: events drawn chunk by chunk of sessions, files written block
by block. The sample and the other generator tests fit in one chunk and one block; here
both are made small so the seams between them are crossed many times.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from customer_behaviour.contract import TABLE_COLUMNS
from customer_behaviour.generate import MANIFEST_NAME, GeneratorConfig, generate_tables, writer
from customer_behaviour.generate import generate_to_folder as write
from customer_behaviour.generate import world as world_package

CONFIG = GeneratorConfig(n_sessions=1_500, seed=5, defect_rate=0.03)
CLEAN = GeneratorConfig(n_sessions=1_500, seed=5)
BLOCK_ROWS = 29


def test_written_bytes_do_not_depend_on_the_block_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(CONFIG, tmp_path / "one_block", progress=False)
    monkeypatch.setattr(writer, "_WRITE_BLOCK_ROWS", BLOCK_ROWS)
    write(CONFIG, tmp_path / "small_blocks", progress=False)
    for name in [*TABLE_COLUMNS, MANIFEST_NAME]:
        one = (tmp_path / "one_block" / f"{name}.csv").read_bytes()
        assert one == (tmp_path / "small_blocks" / f"{name}.csv").read_bytes(), name
    manifest = pd.read_csv(tmp_path / "one_block" / f"{MANIFEST_NAME}.csv")
    # every table's defects fall in several blocks, so the comparison crosses block seams
    block = (manifest.line_number - 2) // BLOCK_ROWS
    assert (block.groupby(manifest.table).nunique() >= 3).all()


def test_sessions_stay_whole_across_event_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    one_chunk = generate_tables(CLEAN)
    monkeypatch.setattr(world_package.events, "_CHUNK_SESSIONS", 333)
    tables = generate_tables(CLEAN)
    # each chunk has its own random stream, so the events change...
    assert not tables["events"].equals(one_chunk["events"])
    # ...but not what is drawn before them
    for table in ("customers", "products", "sessions"):
        pd.testing.assert_frame_equal(tables[table], one_chunk[table], obj=table)

    events = tables["events"]
    assert events.event_id.is_monotonic_increasing
    # every session's events are contiguous, and sessions come in id order
    assert events.session_id.is_monotonic_increasing
    last = events.groupby("session_id")[["event_type", "event_at"]].last()
    orders = tables["orders"]
    in_session = orders[orders.session_id != ""].set_index("session_id")
    assert len(in_session) > 100
    # a session order is placed at its purchase, the session's last event in the file
    assert (last.event_type.reindex(in_session.index) == "purchase").all()
    ordered_at = utc(in_session.ordered_at)
    assert (ordered_at == utc(last.event_at).reindex(in_session.index)).all()


def utc(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text, utc=True, format="ISO8601")
