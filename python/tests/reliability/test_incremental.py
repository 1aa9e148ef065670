"""Incremental runs equal a full rebuild.

A generated clickstream (with defect rows) is split into days and loaded day by day with
`customer-behaviour load --append`, running `dbt run` after each load, the way a daily job
would. The loads include what breaks clickstream packages in practice:

* sessions that are still open at the end of a load (their later events come next day),
* a late delivery: part of one day's events arrives three loads later, with event_at earlier
  than everything processed since,
* events re-sent in a later load (exact duplicates of rows already processed),
* a conflicting duplicate in a later load: an event_id already processed in one session
  arrives again in another session with an earlier time, so the earlier-processed row must
  turn into a rejected duplicate.

After the last load every table of the marts, staging and intermediate schemas must equal
what `dbt run --full-refresh` computes from the same raw data, on both targets; and the
incremental runs must really have recomputed only part of the sessions.

Each load is a batch (raw.load_batches, `_load_id` on its rows) and the change list reads
only the rows of batches the last complete run did not process: the last load's run is
first stopped before it writes its record (as if killed at the end), and the run after it
must read the same batch and recompute the same sessions; a run with no new batch reads
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from customer_behaviour.contract import TABLE_COLUMNS
from support.analytics import run_cli_ok
from support.build import TARGETS, Build, private_build, run_dbt

pytestmark = pytest.mark.warehouse

SESSIONS = 1_500
DAYS = 6
START = "2024-03-01"
NO_SEEDS = "{customer_behaviour__use_seeds: false}"
# Tables that describe the run, not the data: what this run recomputed.
RUN_STATE_TABLES = {"base_sessions_changed", "base_load_batches"}
RECORD = "int_load_batches_processed"


def _day_index(texts: pd.Series, first_day: pd.Timestamp) -> pd.Series:
    """0-based day of each raw timestamp text; unreadable or out-of-period text goes to day 0."""
    dates = pd.to_datetime(texts.str.strip().str[:10], format="%Y-%m-%d", errors="coerce")
    days = (dates - first_day).dt.days
    return days.where(days.between(0, DAYS - 1), 0).fillna(0).astype(int)


def _split_by_day(data: Path) -> dict[str, pd.DataFrame]:
    """Each raw table with a `_day` column: the day its rows are delivered."""
    first_day = pd.Timestamp(START)
    tables = {
        table: pd.read_csv(data / f"{table}.csv", dtype=str, keep_default_na=False)
        for table in TABLE_COLUMNS
    }
    tables["customers"]["_day"] = _day_index(tables["customers"]["signup_at"], first_day)
    tables["products"]["_day"] = 0
    tables["sessions"]["_day"] = _day_index(tables["sessions"]["session_start_at"], first_day)
    tables["events"]["_day"] = _day_index(tables["events"]["event_at"], first_day)
    tables["orders"]["_day"] = _day_index(tables["orders"]["ordered_at"], first_day)
    order_days = tables["orders"].groupby("order_id")["_day"].min()
    tables["order_items"]["_day"] = (
        tables["order_items"]["order_id"].map(order_days).fillna(0).astype(int)
    )
    return tables


def _loads(tables: dict[str, pd.DataFrame]) -> list[dict[str, pd.DataFrame]]:
    """Four deliveries: days 0-1, day 2 minus a late slice, days 3-4, day 5 plus the late
    slice, re-sent events and a conflicting duplicate."""
    events = tables["events"]
    day2 = events["_day"] == 2
    late = day2 & (events["session_id"].str.strip().str[-1:].isin(["1", "4", "7"]))
    assert late.sum() > 20, "the late slice should hold a fair number of events"

    day0 = events[events["_day"] == 0]
    resent = day0.head(5)
    stolen = day0.iloc[[10]].copy()
    day5_session = tables["sessions"].loc[tables["sessions"]["_day"] == 5, "session_id"].iloc[0]
    stolen["session_id"] = day5_session
    stolen["event_at"] = f"{START}T00:00:01Z"

    def select(days: set[int]) -> dict[str, pd.DataFrame]:
        return {name: frame[frame["_day"].isin(days)] for name, frame in tables.items()}

    loads = [select({0, 1}), select({2}), select({3, 4}), select({5})]
    loads[1]["events"] = loads[1]["events"][~late[loads[1]["events"].index]]
    loads[3]["events"] = pd.concat([loads[3]["events"], events[late], resent, stolen])
    return loads


def _write(load: dict[str, pd.DataFrame], folder: Path) -> None:
    folder.mkdir(parents=True)
    for table, columns in TABLE_COLUMNS.items():
        load[table][list(columns)].to_csv(folder / f"{table}.csv", index=False)


def _schema_tables(build: Build) -> list[tuple[str, str]]:
    frame = build.frame(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in ('manifest', 'staging', 'intermediate', 'marts')"
        " and table_type in ('BASE TABLE', 'VIEW')"
    )
    pairs = {
        (schema, name)
        for schema, name in zip(frame["table_schema"], frame["table_name"], strict=True)
    }
    return sorted(pair for pair in pairs if pair[1] not in RUN_STATE_TABLES)


def _snapshot(build: Build) -> dict[tuple[str, str], pd.DataFrame]:
    snapshot = {}
    for schema, table in _schema_tables(build):
        frame = build.frame(f"select * from {schema}.{table}")
        text = frame.astype(str)
        order = text.sort_values(list(text.columns)).index
        snapshot[(schema, table)] = frame.loc[order].reset_index(drop=True)
    return snapshot


def _changed_sessions(build: Build) -> int:
    return int(build.frame("select count(*) as n from manifest.base_sessions_changed")["n"][0])


def _new_batches(build: Build) -> list[str]:
    frame = build.frame("select load_id from manifest.base_load_batches where is_new")
    return sorted(frame["load_id"])


@dataclass(frozen=True)
class Replay:
    """The replayed deliveries: the build, the sessions each run recomputed (one per load,
    then a run without new data), and what the stopped run and its redo read."""

    build: Build
    changed: list[int]
    total: int
    stopped_batches: list[str]
    stopped_changed: int
    rerun_batches: list[str]


@pytest.fixture(scope="module", params=TARGETS)
def incremental_build(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Replay:
    """Loads the four deliveries one after another, `dbt run` after each."""
    target = request.param
    tmp = tmp_path_factory.mktemp(f"incremental_{target}")
    env = private_build(tmp, target, "incremental").env
    data = tmp / "generated"
    run_cli_ok(
        env,
        *("generate", "--sessions", str(SESSIONS), "--seed", "11", "--defect-rate", "0.01"),
        *("--start-date", START, "--days", str(DAYS), "--out", str(data), "--quiet"),
    )
    build = Build(target=target, env=env, duckdb_path=tmp / "warehouse.duckdb")
    # `dbt run` loads no seed: the configuration seed (channel mapping) once, first.
    run_dbt(env, "seed", "--target", target, "--vars", NO_SEEDS)
    changed = []
    loads = _loads(_split_by_day(data))
    for number, load in enumerate(loads):
        folder = tmp / f"load_{number}"
        _write(load, folder)
        append = ["--append"] if number else []
        run_cli_ok(env, "load", "--data", str(folder), "--target", target, "--quiet", *append)
        if number == len(loads) - 1:
            # A run that stops before its record, as one killed at the very end.
            run_dbt(env, "run", "--target", target, "--vars", NO_SEEDS, "--exclude", RECORD)
            stopped_batches = _new_batches(build)
            stopped_changed = _changed_sessions(build)
        run_dbt(env, "run", "--target", target, "--vars", NO_SEEDS)
        changed.append(_changed_sessions(build))
        if number == len(loads) - 1:
            rerun_batches = _new_batches(build)
    # A run without new data recomputes nothing.
    run_dbt(env, "run", "--target", target, "--vars", NO_SEEDS)
    changed.append(_changed_sessions(build))
    total = int(build.frame("select count(*) as n from marts.fct_sessions")["n"][0])
    return Replay(build, changed, total, stopped_batches, stopped_changed, rerun_batches)


def test_incremental_runs_recompute_only_the_touched_sessions(
    incremental_build: Replay,
) -> None:
    *loads, rerun = incremental_build.changed
    total = incremental_build.total
    assert loads[0] > 0
    for number, count in enumerate(loads[1:], start=1):
        assert 0 < count < total, f"load {number} recomputed {count} of {total} sessions"
    assert rerun == 0, f"a run without new data recomputed {rerun} sessions"


def test_each_load_is_one_batch_read_once(incremental_build: Replay) -> None:
    """raw.load_batches lists the four loads with the rows each wrote (counted from raw's
    `_load_id`); the record lists them all; the change list fingerprints nothing."""
    build = incremental_build.build
    batches = build.frame(
        "select load_id, load_mode, events_row_count, sessions_row_count"
        " from raw.load_batches order by load_id"
    )
    assert list(batches["load_mode"]) == ["replace", "append", "append", "append"]
    for table in ("events", "sessions"):
        stamped = build.frame(
            f"select _load_id as load_id, count(*) as n from raw.{table} group by _load_id"
        ).set_index("load_id")["n"]
        recorded = batches.set_index("load_id")[f"{table}_row_count"]
        assert stamped.sort_index().to_dict() == recorded.sort_index().to_dict(), table
    processed = build.frame(f"select load_id from intermediate.{RECORD}")
    assert sorted(processed["load_id"]) == sorted(batches["load_id"])
    assert _new_batches(build) == [], "a run without new data still listed new batches"
    fingerprints = build.frame("select count(*) as n from manifest.base_session_fingerprints")
    assert int(fingerprints["n"][0]) == 0


def test_a_stopped_run_is_redone_whole(incremental_build: Replay) -> None:
    """The run after one stopped before its record reads the same batch again and
    recomputes the same sessions (crash safety)."""
    replay = incremental_build
    last_batch = replay.build.frame("select max(load_id) as load_id from raw.load_batches")
    assert replay.stopped_batches == [last_batch["load_id"][0]]
    assert replay.rerun_batches == replay.stopped_batches
    assert replay.changed[-2] == replay.stopped_changed > 0


def test_incremental_runs_equal_a_full_refresh(
    incremental_build: Replay,
) -> None:
    build = incremental_build.build
    incremental = _snapshot(build)
    assert ("marts", "fct_sessions") in incremental
    assert ("staging", "stg_shop__events") in incremental
    run_dbt(build.env, "run", "--full-refresh", "--target", build.target, "--vars", NO_SEEDS)
    full = _snapshot(build)
    assert sorted(full) == sorted(incremental)
    differing = []
    for name, frame in full.items():
        try:
            pd.testing.assert_frame_equal(incremental[name], frame, check_dtype=False)
        except AssertionError as error:
            differing.append(f"{name[0]}.{name[1]}: {str(error).splitlines()[0:4]}")
    assert not differing, "incremental != full refresh:\n" + "\n".join(differing)


def test_late_and_conflicting_events_are_counted_once(
    incremental_build: Replay,
) -> None:
    """The re-sent events are duplicates and the moved event is a conflicting duplicate."""
    build = incremental_build.build
    reasons = build.frame(
        "select rejection_reason, count(*) as n from intermediate.int_events_validated"
        " group by rejection_reason"
    ).set_index("rejection_reason")["n"]
    assert reasons.get("duplicate_row", 0) >= 5
    assert reasons.get("conflicting_duplicate", 0) >= 1
    per_session = build.frame(
        "select count(*) as n from marts.fct_sessions s"
        " where event_count <> (select count(*) from intermediate.int_events_sequenced e"
        " where e.session_id = s.session_id)"
    )
    assert int(per_session["n"][0]) == 0
