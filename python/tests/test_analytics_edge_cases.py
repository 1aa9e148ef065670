"""Empty and tiny inputs: empty result tables and a clear diagnostic, never a crash.

The analyses are called on edge-case frames directly, and ``analyze`` runs end to end on
both targets against copies of the marts holding no rows, no orders, or a single basket
(a copy of dbt's manifest points the models and the analytics source at scratch schemas).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analytics_support import run_cli_in_process
from conftest import Build, _pg_params
from customer_behaviour import analyze, baskets, drivers, experiment, styles
from customer_behaviour.errors import UserError

# ----------------------------------------------------------------------------------------------
# The analysis functions on edge-case frames
# ----------------------------------------------------------------------------------------------


def _basket_items(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(baskets.BASKET_COLUMNS))


def test_no_baskets_gives_no_rules_and_says_why() -> None:
    result = baskets.mine_baskets(_basket_items([]), baskets.BasketOptions())
    assert result.rules.empty
    assert list(result.rules.columns) == list(baskets.RULE_COLUMNS)
    assert result.diagnostics["level"].tolist() == ["product", "category"]
    assert (result.diagnostics["n_baskets"] == 0).all()
    assert result.diagnostics["verdict"].str.startswith("No baskets").all()
    assert any("no baskets" in message for message in result.messages)


def test_a_single_basket_of_two_products() -> None:
    items = _basket_items([("o1", "p1", "toys"), ("o1", "p2", "books")])
    result = baskets.mine_baskets(items, baskets.BasketOptions())
    product = result.rules[result.rules["level"] == "product"]
    assert sorted(zip(product["antecedents"], product["consequents"], strict=True)) == [
        ("p1", "p2"),
        ("p2", "p1"),
    ]
    assert (product["confidence"] == 1.0).all() and (product["lift"] == 1.0).all()
    assert product["conviction"].isna().all(), "infinite conviction is stored as NULL"
    diagnostics = result.diagnostics.set_index("level")
    assert diagnostics.loc["product", "n_baskets"] == 1
    assert diagnostics.loc["product", "covered_share"] == 1.0


def test_single_item_baskets_give_no_rules_and_a_verdict() -> None:
    items = _basket_items([(f"o{i}", f"p{i % 3}", "toys") for i in range(50)])
    result = baskets.mine_baskets(items, baskets.BasketOptions())
    assert result.rules.empty
    verdict = result.diagnostics.set_index("level").loc["product", "verdict"]
    assert verdict.startswith("100% of the 50 baskets hold a single product")
    assert "No rule reaches" in verdict


def test_repeated_lines_count_once_per_basket() -> None:
    items = _basket_items(
        [("o1", "p1", "toys"), ("o1", "p1", "toys"), ("o1", "p2", "toys"), ("o2", "p1", "toys")]
    )
    result = baskets.mine_baskets(items, baskets.BasketOptions(min_confidence=0.0))
    rule = result.rules[
        (result.rules["antecedents"] == "p1") & (result.rules["level"] == "product")
    ]
    assert rule["support"].tolist() == [0.5] and rule["confidence"].tolist() == [0.5]
    category = result.diagnostics.set_index("level").loc["category"]
    assert category["n_multi_item_baskets"] == 0


def test_result_frames_keep_their_row_order_and_types() -> None:
    from customer_behaviour.warehouse import conform

    frame = pd.DataFrame(
        {"name": ["b", "a", None], "share": [0.5, np.inf, np.nan], "n": [3, 1, 2]},
        index=[7, 3, 5],
    )
    typed = conform(frame, {"name": "text", "share": "float", "n": "integer"})
    assert typed["name"].tolist() == ["b", "a", None]
    assert typed["share"].iloc[0] == 0.5 and typed["share"].iloc[1:].isna().all()
    assert typed["n"].tolist() == [3, 1, 2] and str(typed["n"].dtype) == "Int64"


@pytest.mark.parametrize(
    "options",
    [
        baskets.BasketOptions(min_support=0.0),
        baskets.BasketOptions(min_confidence=1.5),
        baskets.BasketOptions(max_len=1),
    ],
)
def test_invalid_thresholds_are_user_errors(options: baskets.BasketOptions) -> None:
    with pytest.raises(UserError):
        baskets.mine_baskets(_basket_items([]), options)


def _sessions(n: int, purchased: np.ndarray | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    purchased = np.zeros(n, dtype=bool) if purchased is None else purchased
    return pd.DataFrame(
        {
            "session_id": [f"s{i}" for i in range(n)],
            "customer_id": [f"c{i % 7}" if i % 3 else None for i in range(n)],
            "did_purchase": purchased,
            "amount_usd": np.where(purchased, 20.0, 0.0),
            "event_count": rng.integers(1, 20, n),
            "session_seconds": rng.integers(0, 600, n),
            "first_event_delay_seconds": rng.integers(0, 60, n),
            "device": rng.choice(["desktop", "mobile"], n),
            "traffic_source": rng.choice(["direct", "paid"], n),
            "purchase_style": None,
            "events_per_minute": rng.random(n),
            "avg_item_price_usd": np.nan,
            "session_start_at": pd.Timestamp("2024-01-01"),
        }
    )


@pytest.mark.parametrize("n_sessions", [0, 1, 500])
def test_drivers_without_buyers_are_not_fitted(n_sessions: int) -> None:
    sessions = _sessions(n_sessions)
    conversion = drivers.conversion_drivers(sessions)
    spend = drivers.spend_drivers(sessions)
    assert conversion.frame.empty and list(conversion.frame.columns) == list(
        drivers.CONVERSION_COLUMNS
    )
    assert spend.frame.empty and list(spend.frame.columns) == list(drivers.SPEND_COLUMNS)
    assert any("not fitted" in message for message in conversion.messages)
    assert any("not fitted" in message for message in spend.messages)


def test_styles_without_styled_sessions_are_not_compared() -> None:
    result = styles.compare_styles(_sessions(20))
    assert result.frame.empty
    assert "not compared" in result.messages[0]


def test_a_sessions_mart_without_purchase_style_is_a_user_error() -> None:
    with pytest.raises(UserError, match="purchase_style"):
        styles.compare_styles(_sessions(5).drop(columns="purchase_style"))


@pytest.mark.parametrize("purchased", [[], [False] * 10, [True] * 10])
def test_experiment_without_a_usable_baseline_is_not_sized(purchased: list[bool]) -> None:
    sessions = _sessions(len(purchased), np.array(purchased, dtype=bool))
    result = experiment.experiment_sizing(sessions)
    assert result.frame.empty
    assert "not sized" in result.messages[0]


# ----------------------------------------------------------------------------------------------
# `analyze` end to end on scratch copies of the marts
# ----------------------------------------------------------------------------------------------

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

    connection = psycopg2.connect(**_pg_params(build.env["PGDATABASE"]))
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
            analyze.SPEND_DRIVERS,
            analyze.PURCHASE_STYLE_COMPARISON,
            analyze.EXPERIMENT_SIZING,
        ):
            assert table(name).empty, name
        assert "not fitted" in result.stdout and "not sized" in result.stdout
    else:
        assert not table(analyze.CONVERSION_DRIVERS).empty
    if scenario == "empty":
        assert table(analyze.PATH_REMOVAL_EFFECTS).empty
