"""Keep the anchors the same job: the SQL anchor equals the marts, the notebook equals the SQL.

On the same data, each table of the SQL anchor (schema ``anchor``, anchor_sql.py) must equal
the corresponding mart on the columns they share, as multisets (EXCEPT ALL both ways, in the
warehouse), and each table of the notebook anchor (anchor_notebook.py) must equal the SQL
anchor's (EXCEPT ALL both ways, in an in-memory DuckDB over both frames, after the values are
put in one type per column: numbers to 6 decimals, timestamps without zone). The marts are
looked up in dbt's manifest. This holds on clean input only: the anchors do no validation, so
the benchmark generates its data without defects.

    python python/bench/anchor_check.py --target duckdb --duckdb FILE --manifest FILE \
        [--notebook DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

ANCHOR_SCHEMA = "anchor"
SAMPLE_ROWS = 3

Query = Callable[[str], list[tuple]]


@dataclass(frozen=True)
class Comparison:
    """An anchor table, its mart, and the shared columns with their kind (for the notebook
    comparison: text, int, number, timestamp or bool)."""

    table: str
    mart: str
    columns: tuple[tuple[str, str], ...]

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]


COMPARISONS = (
    Comparison(
        "sessions",
        "fct_sessions",
        (
            ("session_id", "text"),
            ("customer_id", "text"),
            ("device", "text"),
            ("traffic_source", "text"),
            ("country", "text"),
            ("session_start_at", "timestamp"),
            ("first_event_at", "timestamp"),
            ("last_event_at", "timestamp"),
            ("event_count", "int"),
            ("page_view_count", "int"),
            ("add_to_cart_count", "int"),
            ("checkout_count", "int"),
            ("purchase_count", "int"),
            ("funnel_step_reached", "int"),
            ("n_orders", "int"),
            ("did_purchase", "bool"),
            ("items_purchased", "int"),
            ("amount_usd", "number"),
            ("session_number", "int"),
        ),
    ),
    Comparison(
        "funnel",
        "fct_funnel",
        (
            ("segment_type", "text"),
            ("segment_value", "text"),
            ("step_number", "int"),
            ("step_name", "text"),
            ("segment_sessions", "int"),
            ("sessions", "int"),
        ),
    ),
    Comparison(
        "paths",
        "fct_session_paths",
        (
            ("path", "text"),
            ("path_length", "int"),
            ("is_truncated", "bool"),
            ("sessions", "int"),
            ("purchase_sessions", "int"),
            ("path_rank", "int"),
        ),
    ),
    Comparison(
        "customers",
        "dim_customers",
        (
            ("customer_id", "text"),
            ("is_known_customer", "bool"),
            ("country", "text"),
            ("signup_at", "timestamp"),
            ("first_session_at", "timestamp"),
            ("last_session_at", "timestamp"),
            ("n_sessions", "int"),
            ("n_purchase_sessions", "int"),
            ("n_orders", "int"),
            ("total_revenue_usd", "number"),
            ("first_order_at", "timestamp"),
            ("last_order_at", "timestamp"),
            ("distinct_order_days", "int"),
            ("preferred_device", "text"),
        ),
    ),
)


@dataclass(frozen=True)
class Difference:
    """Rows of one side that the other side lacks (counted with multiplicity)."""

    what: str
    rows: int
    sample: tuple[tuple, ...]

    def __str__(self) -> str:
        shown = "; ".join(str(row) for row in self.sample)
        return f"{self.what}: {self.rows} row(s), for example {shown}"


def except_all(query: Query, left: str, right: str, columns: list[str]) -> tuple[int, list]:
    listed = ", ".join(columns)
    difference = f"select {listed} from {left} except all select {listed} from {right}"
    rows = query(f"select count(*) from ({difference}) as difference")[0][0]
    sample = query(f"{difference} limit {SAMPLE_ROWS}") if rows else []
    return rows, sample


def two_ways(query: Query, names: tuple[str, str], relations: tuple[str, str], columns):
    differences = []
    for (left_name, right_name), (left, right) in (
        (names, relations),
        (names[::-1], relations[::-1]),
    ):
        rows, sample = except_all(query, left, right, columns)
        if rows:
            differences.append(
                Difference(f"in {left_name}, not in {right_name}", rows, tuple(sample))
            )
    return differences


def compare_sql_with_marts(query: Query, mart_relation: Callable[[str], str]) -> list[Difference]:
    """The SQL anchor against the marts, in the warehouse both are in."""
    differences = []
    for comparison in COMPARISONS:
        differences += two_ways(
            query,
            (f"{ANCHOR_SCHEMA}.{comparison.table}", comparison.mart),
            (f"{ANCHOR_SCHEMA}.{comparison.table}", mart_relation(comparison.mart)),
            comparison.names,
        )
    return differences


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Decimals (PostgreSQL numeric) as floats, nullable integers as floats, so that DuckDB
    reads every column with one type."""
    plain = frame.copy()
    for column in plain.columns:
        series = plain[column]
        if series.dtype == object and any(isinstance(v, Decimal) for v in series.head(100)):
            plain[column] = pd.to_numeric(series, errors="coerce").astype(float)
        elif isinstance(series.dtype, pd.Int64Dtype):
            plain[column] = series.astype(float)
    return plain


CANONICAL = {
    "text": "cast({} as varchar)",
    "int": "cast({} as bigint)",
    "number": "round(cast({} as double), 6)",
    "timestamp": "cast({} as timestamp)",
    "bool": "cast({} as boolean)",
}


def compare_frames(
    sql_tables: dict[str, pd.DataFrame], notebook_tables: dict[str, pd.DataFrame]
) -> list[Difference]:
    """The notebook anchor against the SQL anchor, as multisets of canonical rows."""
    import duckdb

    differences = []
    with duckdb.connect() as connection:
        for comparison in COMPARISONS:
            for side, tables in (("sql", sql_tables), ("notebook", notebook_tables)):
                connection.register(f"{side}_raw", _plain(tables[comparison.table]))
                listed = ", ".join(
                    f"{CANONICAL[kind].format(name)} as {name}" for name, kind in comparison.columns
                )
                connection.execute(
                    f"create or replace temp table {side} as select {listed} from {side}_raw"
                )
                connection.unregister(f"{side}_raw")

            def query(sql: str) -> list[tuple]:
                return connection.execute(sql).fetchall()

            differences += two_ways(
                query,
                (f"sql anchor {comparison.table}", f"notebook {comparison.table}"),
                ("sql", "notebook"),
                comparison.names,
            )
    return differences


def read_anchor_tables(frame: Callable[[str], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {
        comparison.table: frame(
            f"select {', '.join(comparison.names)} from {ANCHOR_SCHEMA}.{comparison.table}"
        )
        for comparison in COMPARISONS
    }


def read_notebook_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        comparison.table: pd.read_pickle(folder / f"{comparison.table}.pkl")
        for comparison in COMPARISONS
    }


class Warehouse:
    """A connection to the bench warehouse: DuckDB file or the libpq database."""

    def __init__(self, target: str, duckdb_path: Path | None = None, **connect_kwargs) -> None:
        self.target = target
        if target == "duckdb":
            import duckdb

            self.connection = duckdb.connect(str(duckdb_path), read_only=True)
        else:
            import psycopg2

            self.connection = psycopg2.connect(**connect_kwargs)

    def query(self, sql: str) -> list[tuple]:
        if self.target == "duckdb":
            return self.connection.execute(sql).fetchall()
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def frame(self, sql: str) -> pd.DataFrame:
        if self.target == "duckdb":
            return self.connection.execute(sql).df()
        import warnings

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="pandas only supports SQLAlchemy")
            return pd.read_sql_query(sql, self.connection)

    def close(self) -> None:
        self.connection.close()


def check(
    warehouse: Warehouse,
    manifest_file: Path,
    notebook_tables: dict[str, pd.DataFrame] | None,
) -> list[Difference]:
    """Every difference between the SQL anchor and the marts, and between the notebook's
    tables and the SQL anchor; empty when the anchors do the same job."""
    from customer_behaviour.manifest import load_manifest

    manifest = load_manifest(manifest_file)
    differences = compare_sql_with_marts(warehouse.query, lambda name: str(manifest.model(name)))
    if notebook_tables is not None:
        differences += compare_frames(read_anchor_tables(warehouse.frame), notebook_tables)
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=["duckdb", "postgres"], required=True)
    parser.add_argument("--duckdb", type=Path, help="DuckDB file (target duckdb)")
    parser.add_argument("--manifest", type=Path, required=True, help="dbt's manifest.json")
    parser.add_argument("--notebook", type=Path, help="folder of the notebook's results")
    args = parser.parse_args(argv)
    warehouse = Warehouse(args.target, args.duckdb)
    try:
        notebook = read_notebook_tables(args.notebook) if args.notebook else None
        differences = check(warehouse, args.manifest, notebook)
    finally:
        warehouse.close()
    for difference in differences:
        print(f"anchor check: {difference}", file=sys.stderr)
    if differences:
        print("anchor check: the anchors and the marts differ (see above)", file=sys.stderr)
        return 1
    print("anchor check: SQL anchor = marts, notebook = SQL anchor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
