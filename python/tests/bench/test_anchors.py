"""The benchmark's anchors (python/bench/) do the same job as the marts.

`make bench` compares the pipeline's time with a hand-written SQL of the core marts on the same
engine and with pandas doing them the notebook way; the comparison means something only while
all three compute the same tables. On a small clean generated shop (the anchors do no
validation, so no defects), loaded as a user loads it and built with `dbt run` (the compared
marts and their parents), the SQL anchor must equal the marts (EXCEPT ALL both ways on the
shared columns) and the notebook must equal the SQL anchor, on DuckDB and PostgreSQL. Timings
stay in `make bench`, out of pytest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from anchor_check import (
    COMPARISONS,
    Warehouse,
    check,
    compare_frames,
    compare_sql_with_marts,
    read_anchor_tables,
)
from anchor_notebook import core_marts
from anchor_sql import run_duckdb, run_postgres

from support.build import TARGETS, Build, pg_params, private_build, run_dbt
from support.reliability import NO_SEEDS, load

pytestmark = pytest.mark.warehouse

SESSIONS = 400
SEED = 3


@dataclass
class Anchored:
    build: Build
    data: Path
    manifest: Path
    notebook: dict[str, pd.DataFrame]

    def warehouse(self) -> Warehouse:
        if self.build.target == "duckdb":
            return Warehouse("duckdb", self.build.duckdb_path)
        return Warehouse("postgres", **pg_params(self.build.env["PGDATABASE"]))


@pytest.fixture(scope="module", params=TARGETS)
def anchored(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Anchored:
    """A clean generated shop, loaded and built with `dbt run`, then both anchors run on it."""
    from customer_behaviour.generate import GeneratorConfig, generate_to_folder

    target = request.param
    tmp = tmp_path_factory.mktemp(f"anchors_{target}")
    build = private_build(tmp, target, "anchors")
    data = tmp / "data"
    generate_to_folder(GeneratorConfig(n_sessions=SESSIONS, seed=SEED), data, False)
    (data / "defects_manifest.csv").unlink()
    load(build, data, "--quiet")
    run_dbt(build.env, "seed", "--target", target, "--vars", NO_SEEDS)
    # The compared marts and what they are built from (the bench builds everything).
    marts = [f"+{comparison.mart}" for comparison in COMPARISONS]
    run_dbt(build.env, "run", "--target", target, "--vars", NO_SEEDS, "--select", *marts)
    if target == "duckdb":
        run_duckdb(data, build.duckdb_path)
    else:
        run_postgres(data, pg_params(build.env["PGDATABASE"]))
    manifest = Path(build.env["DBT_TARGET_PATH"]) / "manifest.json"
    return Anchored(build, data, manifest, core_marts(data))


def test_the_anchors_compute_the_marts(anchored: Anchored) -> None:
    warehouse = anchored.warehouse()
    try:
        differences = check(warehouse, anchored.manifest, anchored.notebook)
        overall = warehouse.query(
            "select step_number, sessions from anchor.funnel"
            " where segment_type = 'overall' order by step_number"
        )
        shared = {
            comparison.table: warehouse.query(f"select count(*) from anchor.{comparison.table}")
            for comparison in COMPARISONS
        }
    finally:
        warehouse.close()
    assert differences == [], "\n".join(str(difference) for difference in differences)
    # Not vacuous: every session is there, and the funnel reaches its last step.
    sessions_csv = pd.read_csv(anchored.data / "sessions.csv", dtype=str)
    assert shared["sessions"][0][0] == len(sessions_csv) == SESSIONS
    assert shared["paths"][0][0] > 10 and shared["customers"][0][0] > 10
    assert [step for step, _ in overall] == [1, 2, 3, 4]
    assert overall[-1][1] > 0


def test_the_check_reports_a_changed_count(anchored: Anchored) -> None:
    """One session more at the last step of a mart, or one row different in the notebook,
    is reported: the check can fail."""
    from customer_behaviour.manifest import load_manifest

    manifest = load_manifest(anchored.manifest)
    warehouse = anchored.warehouse()
    try:
        funnel = str(manifest.model("fct_funnel"))
        altered = (
            "(select segment_type, segment_value, step_number, step_name, segment_sessions,"
            " sessions + case when segment_type = 'overall' and step_number = 4"
            f" then 1 else 0 end as sessions from {funnel}) as altered"
        )

        def relation(name: str) -> str:
            return altered if name == "fct_funnel" else str(manifest.model(name))

        mart_differences = compare_sql_with_marts(warehouse.query, relation)
        sql_tables = read_anchor_tables(warehouse.frame)
    finally:
        warehouse.close()
    assert [difference.what for difference in mart_differences] == [
        "in anchor.funnel, not in fct_funnel",
        "in fct_funnel, not in anchor.funnel",
    ]
    assert all(difference.rows == 1 for difference in mart_differences)

    notebook = dict(anchored.notebook)
    paths = notebook["paths"].copy()
    paths.loc[paths.index[0], "purchase_sessions"] += 1
    notebook["paths"] = paths
    notebook_differences = compare_frames(sql_tables, notebook)
    assert [(difference.what, difference.rows) for difference in notebook_differences] == [
        ("in sql anchor paths, not in notebook paths", 1),
        ("in notebook paths, not in sql anchor paths", 1),
    ]
