"""The same project on Apache Spark (dbt-spark, method session) gives the same marts as DuckDB.

One ``dbt build`` on Spark of the committed sample seeds (seeds, models, data tests and unit
tests) into a temporary warehouse folder and Derby metastore; then every model under
models/marts (as listed in the Spark build's manifest) is read back and compared with the
DuckDB build of the same seeds, table by table: the same columns, the same number of rows and
the same values, whatever the row order (floats within a relative 1e-9, timestamps as UTC).
The Python layer runs on both targets too (``customer-behaviour analyze``) and its tables,
written back to Spark, are compared the same way.

The Spark build configures named funnels besides the default (``SPARK_FUNNELS``: the three
order modes, a page- and a category-narrowed step, per-step time limits, conversion windows and
exclusions), so fct_named_funnels is compared for non-default funnels too. The DuckDB side is a
private copy of the shared DuckDB build with just the named-funnel models rebuilt under the
same variable, so the other tests sharing that build keep the default configuration.

Needs the ``spark`` extra and Java 17+: without them these tests are skipped with the reason
locally, and fail under CI=true.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from support.analytics import ANALYZE_OPTIONS, run_cli, run_cli_in_process
from support.build import Build, base_env, build_with_enrich, run_dbt
from support.compare import values_equal

pytestmark = [pytest.mark.warehouse, pytest.mark.spark]

SPARK_TARGET = "spark"
RTOL = 1e-9
ATOL = 1e-9

SPARK_FUNNELS: list[dict[str, Any]] = [
    {
        "name": "product_to_purchase",
        "conversion_window_seconds": 3600,
        "exclusions": ["search"],
        "steps": [
            {"event_type": "page_view", "page": "product"},
            {"event_type": "add_to_cart", "max_seconds_from_previous": 900},
            "checkout",
            "purchase",
        ],
    },
    {
        "name": "straight_to_cart",
        "order": "strict",
        "steps": [
            {"event_type": "page_view", "page": "product"},
            {"event_type": "add_to_cart", "max_seconds_from_previous": 300},
        ],
    },
    {
        "name": "electronics_interest",
        "order": "any",
        "conversion_window_seconds": 1800,
        "exclusions": ["checkout"],
        "steps": [
            {"event_type": "add_to_cart", "product_category": "electronics"},
            "wishlist_add",
            "review_read",
        ],
    },
]
"""customer_behaviour__funnels of the Spark build and of the DuckDB copy it is compared with."""
FUNNEL_VARS = json.dumps({"customer_behaviour__funnels": SPARK_FUNNELS})
NAMED_FUNNEL_MODELS = "int_named_funnels_evaluated+"
"""What reads customer_behaviour__funnels: rebuilt on the DuckDB copy under FUNNEL_VARS."""


@dataclass
class SparkBuild:
    """The Spark build: its environment, manifest, and how long `dbt build` took."""

    env: dict[str, str]
    manifest: dict[str, Any]
    seconds: float


def _require_spark() -> None:
    from customer_behaviour.spark import missing_requirement

    problem = missing_requirement()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{problem}; CI requires the Spark check")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory: pytest.TempPathFactory) -> SparkBuild:
    """One ``dbt build`` on Spark, as users run it: seeds, models, data and unit tests."""
    _require_spark()
    tmp = tmp_path_factory.mktemp("build_spark")
    env = base_env(tmp, SPARK_TARGET)
    started = time.monotonic()
    build_with_enrich(env, SPARK_TARGET, "--vars", FUNNEL_VARS)
    seconds = time.monotonic() - started
    print(f"\ndbt build on Spark: {seconds:.0f} s")
    manifest = json.loads((tmp / "target" / "manifest.json").read_text(encoding="utf-8"))
    return SparkBuild(env=env, manifest=manifest, seconds=seconds)


@pytest.fixture(scope="module")
def spark_analyzed(spark_build: SparkBuild) -> SparkBuild:
    """``analyze`` on the Spark build, as a user runs it (its own process, its own session)."""
    result = run_cli(spark_build.env, "analyze", "--target", SPARK_TARGET, *ANALYZE_OPTIONS)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return spark_build


@pytest.fixture(scope="module")
def duckdb_compared(duckdb_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """A private copy of the shared DuckDB build with the named-funnel models (and their data
    tests) rebuilt under the Spark build's customer_behaviour__funnels: the same configuration
    as Spark, without a second full build and without changing the shared one."""
    tmp = tmp_path_factory.mktemp("duckdb_named_funnels")
    shutil.copy(duckdb_build.duckdb_path, tmp / "warehouse.duckdb")
    env = {
        **duckdb_build.env,
        "CUSTOMER_BEHAVIOUR_DUCKDB_PATH": str(tmp / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(tmp / "target"),
        "DBT_LOG_PATH": str(tmp / "logs"),
    }
    run_dbt(
        env,
        *("build", "--target", "duckdb", "--vars", FUNNEL_VARS),
        *("--select", NAMED_FUNNEL_MODELS),
    )
    return Build(target="duckdb", env=env, duckdb_path=tmp / "warehouse.duckdb")


@pytest.fixture(scope="module")
def duckdb_analyzed(duckdb_compared: Build, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """``analyze`` with the same options on a private copy of the compared DuckDB build."""
    tmp = tmp_path_factory.mktemp("duckdb_for_spark")
    shutil.copy(duckdb_compared.duckdb_path, tmp / "warehouse.duckdb")
    env = {**duckdb_compared.env, "CUSTOMER_BEHAVIOUR_DUCKDB_PATH": str(tmp / "warehouse.duckdb")}
    result = run_cli(env, "analyze", "--target", "duckdb", *ANALYZE_OPTIONS)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return Build(target="duckdb", env=env, duckdb_path=tmp / "warehouse.duckdb")


@pytest.fixture(scope="module")
def spark_warehouse(spark_analyzed: SparkBuild) -> Iterator[Any]:
    """The Python layer's own Spark warehouse on the built metastore (after dbt has exited:
    Derby lets one process at a time open it)."""
    from customer_behaviour.profile import load_target
    from customer_behaviour.spark import start_session
    from customer_behaviour.warehouse import SparkWarehouse

    with mock.patch.dict(os.environ, spark_analyzed.env):
        target = load_target(SPARK_TARGET)
        session = start_session(target.spark_conf)
        warehouse = SparkWarehouse(target)
        try:
            yield warehouse
        finally:
            warehouse.close()
            session.stop()


def _mart_relations(manifest: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Every model under models/marts: name -> (schema, table)."""
    return {
        node["name"]: (node["schema"], node.get("alias") or node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and Path(node["original_file_path"]).parts[:2] == ("models", "marts")
    }


def _analytics_relations(manifest: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        source["name"]: (source["schema"], source.get("identifier") or source["name"])
        for source in manifest["sources"].values()
        if source["source_name"] == "analytics"
    }


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Comparable columns: numbers as float, timestamps and dates as naive UTC datetime64,
    booleans and text as objects with None for missing."""
    columns = {}
    for name in frame.columns:
        series = frame[name]
        values = series.dropna()
        if pd.api.types.is_datetime64_any_dtype(series):
            if series.dt.tz is not None:
                series = series.dt.tz_convert("UTC").dt.tz_localize(None)
            columns[name] = series.astype("datetime64[us]")
        elif pd.api.types.is_bool_dtype(series) or (
            len(values) and all(isinstance(value, bool | np.bool_) for value in values)
        ):
            columns[name] = (
                series.astype(object)
                .where(series.notna(), None)
                .map(lambda value: None if value is None else bool(value))
            )
        elif pd.api.types.is_numeric_dtype(series) or (
            len(values) and all(isinstance(value, int | float | np.number) for value in values)
        ):
            columns[name] = pd.to_numeric(series.astype(object), errors="raise").astype(float)
        elif len(values) and all(isinstance(value, dt.date) for value in values):
            columns[name] = pd.to_datetime(series).astype("datetime64[us]")
        else:
            columns[name] = series.astype(object).where(series.notna(), None)
    return pd.DataFrame(columns)


def _sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a canonical order: by every non-float column, then by floats rounded to 9
    significant digits (so a last-digit difference does not reorder rows)."""
    keys = {}
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_float_dtype(series):
            rounded = series.map(lambda value: float(f"{value:.9g}") if pd.notna(value) else None)
            keys[f"~{name}"] = rounded.map(lambda value: (value is None, value or 0.0))
        else:
            keys[name] = series.map(lambda value: (value is None, "" if value is None else value))
    order = pd.DataFrame(keys)
    ordered_columns = [c for c in order.columns if not c.startswith("~")] + [
        c for c in order.columns if c.startswith("~")
    ]
    positions = order.sort_values(ordered_columns, kind="stable").index
    return frame.loc[positions].reset_index(drop=True)


def assert_same_table(spark: pd.DataFrame, duckdb: pd.DataFrame, label: str) -> None:
    """Same columns, same row count, same rows whatever their order (floats within RTOL)."""
    assert sorted(spark.columns) == sorted(duckdb.columns), (
        f"{label}: columns differ: only on Spark {sorted(set(spark.columns) - set(duckdb.columns))}"
        f", only on DuckDB {sorted(set(duckdb.columns) - set(spark.columns))}"
    )
    assert len(spark) == len(duckdb), (
        f"{label}: {len(spark)} rows on Spark, {len(duckdb)} on DuckDB"
    )
    columns = list(duckdb.columns)
    left = _sorted_rows(_normalised(spark[columns]))
    right = _sorted_rows(_normalised(duckdb[columns]))
    problems = []
    for name in columns:
        got, want = left[name], right[name]
        equal = values_equal(got, want, rtol=RTOL, atol=ATOL)
        if not equal.all():
            differing = pd.DataFrame({"spark": got[~equal], "duckdb": want[~equal]})
            problems.append(
                f"{name}: {int((~equal).sum())} of {len(got)} rows differ "
                f"(spark {got.dtype}, duckdb {want.dtype}), e.g.\n{differing.head(5)}"
            )
    assert not problems, f"{label}:\n" + "\n".join(problems)


def test_spark_build_lists_the_same_marts(spark_build: SparkBuild, duckdb_build: Build) -> None:
    duckdb_manifest = json.loads(
        (Path(duckdb_build.env["DBT_TARGET_PATH"]) / "manifest.json").read_text(encoding="utf-8")
    )
    marts = _mart_relations(spark_build.manifest)
    assert len(marts) >= 10, sorted(marts)
    assert marts == _mart_relations(duckdb_manifest)


def test_every_mart_equals_the_duckdb_build(
    spark_build: SparkBuild, spark_warehouse: Any, duckdb_compared: Build
) -> None:
    from customer_behaviour.manifest import Relation

    marts = _mart_relations(spark_build.manifest)
    problems = []
    for name, (schema, table) in sorted(marts.items()):
        spark = spark_warehouse.read(Relation(schema, table))
        duckdb = duckdb_compared.frame(f'select * from "{schema}"."{table}"')
        assert len(duckdb) > 0, f"{name} is empty on DuckDB: the comparison would prove little"
        try:
            assert_same_table(spark, duckdb, f"{schema}.{table}")
        except AssertionError as error:
            problems.append(str(error))
    assert not problems, "\n\n".join(problems)


def test_spark_builds_every_configured_named_funnel(
    spark_build: SparkBuild, spark_warehouse: Any
) -> None:
    """Guards the mart comparison above for fct_named_funnels: Spark holds every funnel of
    SPARK_FUNNELS besides the default, each reached past step 1 by some units at both levels,
    so a difference in the order modes, limits or exclusions would show."""
    from customer_behaviour.manifest import Relation

    schema, table = _mart_relations(spark_build.manifest)["fct_named_funnels"]
    frame = spark_warehouse.read(Relation(schema, table))
    overall = frame[(frame["segment_type"] == "overall") & (frame["step_number"] == 2)]
    names = {funnel["name"] for funnel in SPARK_FUNNELS}
    assert set(frame["funnel_name"]) == {"default", *names}
    for name in names:
        for level in ("session", "customer"):
            row = overall[(overall["funnel_name"] == name) & (overall["funnel_level"] == level)]
            assert len(row) == 1 and int(row["reaching_units"].iloc[0]) > 0, (name, level)


def test_analytics_written_back_to_spark_equal_duckdb(
    spark_build: SparkBuild, spark_warehouse: Any, duckdb_analyzed: Build
) -> None:
    from customer_behaviour.manifest import Relation

    tables = _analytics_relations(spark_build.manifest)
    assert tables, "the manifest declares no analytics tables"
    problems = []
    for schema, table in sorted(tables.values()):
        relation = Relation(schema, table)
        assert spark_warehouse.exists(relation), f"analyze wrote no {relation} on Spark"
        spark = spark_warehouse.read(relation)
        duckdb = duckdb_analyzed.frame(f'select * from "{schema}"."{table}"')
        try:
            assert_same_table(spark, duckdb, f"{schema}.{table}")
        except AssertionError as error:
            problems.append(str(error))
    assert not problems, "\n\n".join(problems)


def test_analytics_tables_carry_the_dbt_descriptions(
    spark_build: SparkBuild, spark_warehouse: Any
) -> None:
    """Spark keeps the source descriptions as table and column comments, as DBeaver shows."""
    source = next(
        node
        for node in spark_build.manifest["sources"].values()
        if node["source_name"] == "analytics" and node["name"] == "association_rules"
    )
    name = f"`{source['schema']}`.`{source['identifier'] or source['name']}`"
    session = spark_warehouse._spark
    details = session.sql(f"describe table extended {name}").collect()
    table_comment = next(row.data_type for row in details if row.col_name == "Comment")
    assert table_comment == " ".join(source["description"].split())
    described = session.sql(f"describe {name}").collect()
    column_comments = {row.col_name: row.comment for row in described}
    for column, spec in source["columns"].items():
        assert column_comments[column] == " ".join(spec["description"].split()), column


def _words(text: str) -> list[str]:
    """The words of a text in sorted order, without sentence-ending punctuation."""
    return sorted(word.strip(".,;") for word in text.split())


def test_report_from_spark_says_what_the_duckdb_report_says(
    spark_analyzed: SparkBuild,
    spark_warehouse: Any,
    duckdb_analyzed: Build,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """``report --target spark`` (in this process, on the running session) renders the same
    sections, charts and texts as the report of the DuckDB build. Texts are compared as bags of
    words (every number must match): the report lists groups (association levels, regression
    terms) in the order the warehouse returns rows, which is not the same on the two engines."""
    from support.report import parse_report

    reports = {}
    for target, env in (("spark", spark_analyzed.env), ("duckdb", duckdb_analyzed.env)):
        out = tmp_path / f"{target}.html"
        result = run_cli_in_process(
            monkeypatch, capsys, env, "report", "--target", target, "--out", str(out)
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        reports[target] = parse_report(out.read_text(encoding="utf-8"))
    spark, duckdb = reports["spark"], reports["duckdb"]
    assert [(x.id, x.heading, x.svg_count) for x in spark.sections] == [
        (x.id, x.heading, x.svg_count) for x in duckdb.sections
    ]
    assert len(spark.sections) >= 5
    assert set(spark.texts) == set(duckdb.texts)
    differing = {
        key: (spark.texts[key], duckdb.texts[key])
        for key in duckdb.texts
        if _words(spark.texts[key]) != _words(duckdb.texts[key])
    }
    assert not differing, differing
