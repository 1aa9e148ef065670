"""``analyze`` end to end on tiny marts: empty result tables and a clear diagnostic, never a crash.

It runs on both targets against copies of the marts holding no rows, no orders, or a single
basket (a copy of dbt's manifest points the models and the analytics source at scratch
schemas). test_analytics_edge_cases.py calls the analyses on such frames directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from customer_behaviour import analyze
from support.analytics import run_cli_in_process
from support.build import Build, pg_params

SCRATCH_MARTS = "edge_case_marts"
SCRATCH_ANALYTICS = "edge_case_analytics"
MODELS = (analyze.SESSIONS_MODEL, analyze.BASKET_ITEMS_MODEL, analyze.PATH_TRANSITIONS_MODEL)

SCENARIOS: dict[str, dict[str, str]] = {
    # the marts exist but hold no rows at all
    "empty": {model: "where 1 = 0" for model in MODELS},
    # sessions and paths as built, but no order was ever placed
    "no_orders": {
        analyze.BASKET_ITEMS_MODEL: "where 1 = 0",
    },
    # a single basket: the first order holding two products
    "single_basket": {
        analyze.BASKET_ITEMS_MODEL: (
            "where order_id = (select order_id from {marts}.fct_basket_items "
            "group by order_id having count(*) = 2 order by order_id limit 1)"
        ),
    },
}
NO_ORDER_UPDATE = (
    "update {schema}.fct_sessions set did_purchase = false, n_orders = 0, amount_usd = 0, "
    "items_purchased = 0, avg_item_price_usd = null, purchase_style = null"
)


def _execute(build: Build, statements: list[str]) -> None:
    if build.target == "duckdb":
        import duckdb

        with duckdb.connect(str(build.duckdb_path)) as connection:
            for statement in statements:
                connection.execute(statement)
        return
    import psycopg2

    connection = psycopg2.connect(**pg_params(build.env["PGDATABASE"]))
    try:
        with connection, connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


@pytest.fixture
def scratch(build: Build, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A manifest copy whose marts and analytics source live in scratch schemas."""
    manifest = json.loads((Path(build.env["DBT_TARGET_PATH"]) / "manifest.json").read_text())
    marts_schema = None
    for node in manifest["nodes"].values():
        if node.get("resource_type") == "model" and node["name"] in MODELS:
            marts_schema = node["schema"]
            node["schema"] = SCRATCH_MARTS
    for source in manifest["sources"].values():
        if source["source_name"] == "analytics":
            source["schema"] = SCRATCH_ANALYTICS
    target_path = tmp_path / "target"
    target_path.mkdir()
    (target_path / "manifest.json").write_text(json.dumps(manifest))
    env = {**build.env, "DBT_TARGET_PATH": str(target_path)}
    yield {"env": env, "marts": marts_schema}
    _execute(
        build,
        [
            f"drop schema if exists {SCRATCH_MARTS} cascade",
            f"drop schema if exists {SCRATCH_ANALYTICS} cascade",
        ],
    )


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_analyze_on_tiny_marts_writes_empty_tables_and_diagnostics(
    build: Build,
    scratch: dict[str, Any],
    scenario: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    marts = scratch["marts"]
    statements = [
        f"drop schema if exists {SCRATCH_MARTS} cascade",
        f"create schema {SCRATCH_MARTS}",
    ]
    for model in MODELS:
        condition = SCENARIOS[scenario].get(model, "").format(marts=marts)
        statements.append(
            f"create table {SCRATCH_MARTS}.{model} as select * from {marts}.{model} {condition}"
        )
    if scenario == "no_orders":
        statements.append(NO_ORDER_UPDATE.format(schema=SCRATCH_MARTS))
    _execute(build, statements)

    result = run_cli_in_process(
        monkeypatch, capsys, scratch["env"], "analyze", "--target", build.target
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr

    def table(name: str) -> pd.DataFrame:
        return build.frame(f"select * from {SCRATCH_ANALYTICS}.{name}")

    diagnostics = table(analyze.ASSOCIATION_DIAGNOSTICS).set_index("level")
    rules = table(analyze.ASSOCIATION_RULES)
    if scenario == "single_basket":
        assert diagnostics.loc["product", "n_baskets"] == 1
        assert len(rules[rules["level"] == "product"]) == 2
    else:
        assert (diagnostics["n_baskets"] == 0).all()
        assert diagnostics["verdict"].str.startswith("No baskets").all()
        assert rules.empty
        assert "no baskets" in result.stdout
    if scenario != "single_basket":
        for name in (
            analyze.CONVERSION_DRIVERS,
            analyze.CONVERSION_CALIBRATION,
            analyze.SPEND_DRIVERS,
            analyze.PURCHASE_STYLE_COMPARISON,
            analyze.EXPERIMENT_SIZING,
        ):
            assert table(name).empty, name
        assert "not fitted" in result.stdout and "not sized" in result.stdout
    else:
        assert not table(analyze.CONVERSION_DRIVERS).empty
        assert not table(analyze.CONVERSION_CALIBRATION).empty
    if scenario == "empty":
        assert table(analyze.PATH_REMOVAL_EFFECTS).empty
