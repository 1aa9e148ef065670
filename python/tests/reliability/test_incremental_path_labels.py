"""The question-paths' steps under every label rule, across incremental runs.

int_path_steps_collapsed is incremental by session under the event_type and page rules and
a table under product_category (whose labels read the product catalogue, which no session
change reveals). A generated shop is loaded in three daily deliveries, and after each run
the table must equal a full refresh of it on the same data, through this sequence:

1. the first delivery under the default rule (event_type);
2. the rule changed to page with no new data: the kept rows carry the old labels, so the
   run must rebuild the table whole (the rule is part of session_configuration_hash);
3. the second delivery under page: only the changed sessions are recomputed;
4. the rule changed to product_category, then a category renamed in raw.products with no
   new data: the table is rebuilt and shows the new name;
5. back to page with the third delivery: the rows from the product_category table must
   not survive the incremental run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from customer_behaviour.contract import TABLE_COLUMNS
from support.analytics import run_cli_ok
from support.build import Build, private_build, run_dbt

pytestmark = pytest.mark.warehouse

SESSIONS = 600
DAYS = 5
# Days 0-2 are the first delivery, days 3 and 4 one delivery each.
DELIVERIES = 3
START = "2024-05-01"
MODEL = "int_path_steps_collapsed"
# The path model, what it reads, and the record of the run (which stores the settings hash).
RUN_SELECTION = ("--select", f"+{MODEL}", "+int_load_batches_processed")
RENAMED = "renamed "


def _deliveries(data: Path, tmp: Path) -> list[Path]:
    """Three folders of the six CSVs: each session's rows (its events and orders too) in the
    delivery of its start day (days 0-2, 3, 4); customers and products all in the first."""
    tables = {
        table: pd.read_csv(data / f"{table}.csv", dtype=str, keep_default_na=False)
        for table in TABLE_COLUMNS
    }
    sessions = tables["sessions"]
    dates = pd.to_datetime(
        sessions["session_start_at"].str.strip().str[:10], format="%Y-%m-%d", errors="coerce"
    )
    days = (dates - pd.Timestamp(START)).dt.days
    delivery = (days.where(days.between(0, DAYS - 1), 0).fillna(0) - (DAYS - DELIVERIES)).clip(0)
    session_delivery = dict(zip(sessions["session_id"], delivery, strict=True))
    delivery_of = {
        "customers": pd.Series(0, index=tables["customers"].index),
        "products": pd.Series(0, index=tables["products"].index),
        "sessions": tables["sessions"]["session_id"].map(session_delivery).fillna(0),
        "events": tables["events"]["session_id"].map(session_delivery).fillna(0),
        "orders": tables["orders"]["session_id"].map(session_delivery).fillna(0),
    }
    order_delivery = (
        tables["orders"]
        .assign(_delivery=delivery_of["orders"])
        .groupby("order_id")["_delivery"]
        .min()
    )
    delivery_of["order_items"] = tables["order_items"]["order_id"].map(order_delivery).fillna(0)
    folders = []
    for number in range(DELIVERIES):
        folder = tmp / f"delivery_{number}"
        folder.mkdir()
        for table, columns in TABLE_COLUMNS.items():
            rows = tables[table][delivery_of[table].astype(int) == number]
            rows[list(columns)].to_csv(folder / f"{table}.csv", index=False)
        folders.append(folder)
    return folders


def _execute(build: Build, sql: str) -> None:
    import duckdb

    with duckdb.connect(str(build.duckdb_path)) as connection:
        connection.execute(sql)


def _steps(build: Build) -> pd.DataFrame:
    frame = build.frame(f"select * from intermediate.{MODEL}")
    return frame.sort_values(["session_id", "step_position"]).reset_index(drop=True)


def _vars(rule: str) -> str:
    return json.dumps(
        {"customer_behaviour__use_seeds": False, "customer_behaviour__path_label": rule}
    )


@dataclass(frozen=True)
class Stage:
    """One run: the rule it ran under, the table it left, the same after a full refresh, and
    how many sessions the change list held."""

    name: str
    rule: str
    after_run: pd.DataFrame
    after_full_refresh: pd.DataFrame
    changed_sessions: int
    total_sessions: int


# DuckDB only: what this sequence checks (which materialization the rule picks, and that a
# rule change rebuilds the table) is decided in Jinja, the same on every target; the
# incremental delete and insert of this model on PostgreSQL is checked by test_incremental,
# which compares every intermediate table with a full refresh on both targets.
@pytest.fixture(scope="module", params=["duckdb"])
def stages(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Stage]:
    target = request.param
    tmp = tmp_path_factory.mktemp(f"path_labels_{target}")
    build = private_build(tmp, target, "path_labels")
    data = tmp / "generated"
    run_cli_ok(
        build.env,
        *("generate", "--sessions", str(SESSIONS), "--seed", "13", "--defect-rate", "0.005"),
        *("--start-date", START, "--days", str(DAYS), "--out", str(data), "--quiet"),
    )
    deliveries = _deliveries(data, tmp)
    run_dbt(build.env, "seed", "--target", target, "--vars", _vars("event_type"))
    results: dict[str, Stage] = {}

    def run(name: str, rule: str, delivery: int | None = None) -> None:
        if delivery is not None:
            append = ["--append"] if delivery else []
            folder = str(deliveries[delivery])
            run_cli_ok(build.env, "load", "--data", folder, "--target", target, "--quiet", *append)
        run_dbt(build.env, "run", "--target", target, "--vars", _vars(rule), *RUN_SELECTION)
        after_run = _steps(build)
        changed = build.frame(
            "select count(*) as n from manifest.base_sessions_changed where is_input_changed"
        )
        total = build.frame("select count(*) as n from intermediate.int_sessions_measured")
        run_dbt(
            build.env,
            *("run", "--full-refresh", "--target", target, "--vars", _vars(rule)),
            *("--select", MODEL),
        )
        results[name] = Stage(
            name, rule, after_run, _steps(build), int(changed["n"][0]), int(total["n"][0])
        )

    run("first delivery", "event_type", 0)
    run("rule changed to page", "page")
    run("second delivery under page", "page", 1)
    run("rule changed to product_category", "product_category")
    _execute(build, f"update raw.products set category = '{RENAMED}' || category")
    run("catalogue renamed", "product_category")
    run("third delivery, back to page", "page", 2)
    return results


def test_each_run_equals_a_full_refresh(stages: dict[str, Stage]) -> None:
    differing = []
    for stage in stages.values():
        try:
            pd.testing.assert_frame_equal(
                stage.after_run, stage.after_full_refresh, check_dtype=False
            )
        except AssertionError as error:
            differing.append(f"{stage.name} ({stage.rule}): {str(error).splitlines()[:4]}")
    assert not differing, f"{MODEL} != its full refresh:\n" + "\n".join(differing)


def test_the_data_exercises_each_rule(stages: dict[str, Stage]) -> None:
    """Guards the comparison: each rule's labels are there, and the renamed category shows."""
    for stage in stages.values():
        labels = stage.after_run["step_label"]
        has_detail = labels.str.contains(": ", regex=False).sum()
        if stage.rule == "event_type":
            assert has_detail == 0, stage.name
        else:
            assert has_detail > 50, f"{stage.name}: {has_detail} labels with a page or category"
    renamed = stages["catalogue renamed"].after_run["step_label"]
    assert renamed.str.contains(f": {RENAMED}", regex=False).sum() > 50
    before = stages["rule changed to product_category"].after_run["step_label"]
    assert not before.str.contains(RENAMED, regex=False).any()


def test_the_new_day_under_page_recomputes_only_its_sessions(stages: dict[str, Stage]) -> None:
    stage = stages["second delivery under page"]
    assert 0 < stage.changed_sessions < stage.total_sessions / 2, (
        f"{stage.changed_sessions} of {stage.total_sessions} sessions listed"
    )
    assert stages["rule changed to page"].changed_sessions == 0
