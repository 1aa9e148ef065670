"""Run the benchmark's hand-written SQL anchor (python/bench/anchors/<target>.sql).

    python python/bench/anchor_sql.py --target duckdb --data DIR --duckdb FILE
    python python/bench/anchor_sql.py --target postgres --data DIR   # libpq variables

It reads the six CSVs of DIR itself (DuckDB: read_csv; PostgreSQL: client-side COPY into
temporary tables) and writes the core marts into the schema ``anchor`` of the same warehouse
(``anchor.sessions``, ``anchor.funnel``, ``anchor.paths``, ``anchor.customers``), where
anchor_check.py compares them with the marts. The benchmark times this whole process.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from customer_behaviour.profile import WarehouseTarget

ANCHOR_DIR = Path(__file__).resolve().parent / "anchors"
DATA_TOKEN = "__DATA__"
ANCHOR_SCHEMA = "anchor"
COPY_STATEMENT = re.compile(r"^copy\s+(\w+)\s+from\s+stdin\b", re.IGNORECASE)


def statements(sql: str) -> list[str]:
    """The script's statements: `;` at the end of a line ends one; comment lines dropped."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    parts = re.split(r";[ \t]*$", "\n".join(lines), flags=re.MULTILINE)
    return [part.strip() for part in parts if part.strip()]


def anchor_sql(target: str) -> str:
    return (ANCHOR_DIR / f"{target}.sql").read_text(encoding="utf-8")


def csv_file(data: Path, table: str) -> Path:
    path = data / f"{table}.csv"
    if not path.is_file():
        sys.exit(f"anchor: {path} is missing (the folder must hold the six CSVs)")
    return path


def run_duckdb(data: Path, database: Path, target: WarehouseTarget | None = None) -> None:
    """Run the DuckDB anchor; `target`: the dbt profile's DuckDB output, whose settings
    (memory_limit) the anchor keeps to, as the build does."""
    import duckdb

    for table in ("events", "sessions", "orders", "order_items", "customers"):
        csv_file(data, table)
    folder = str(data.resolve()).replace("'", "''")
    with duckdb.connect(str(database)) as connection:
        if target is not None:
            target.apply_duckdb_settings(connection)
        connection.execute(anchor_sql("duckdb").replace(DATA_TOKEN, folder))


def run_postgres(data: Path, connect_kwargs: dict[str, object] | None = None) -> None:
    import psycopg2

    connection = psycopg2.connect(**(connect_kwargs or {}))
    try:
        with connection.cursor() as cursor:
            for statement in statements(anchor_sql("postgres")):
                copy = COPY_STATEMENT.match(statement)
                if copy:
                    with csv_file(data, copy.group(1)).open(encoding="utf-8") as handle:
                        cursor.copy_expert(statement, handle)
                else:
                    cursor.execute(statement)
        connection.commit()
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=["duckdb", "postgres"], required=True)
    parser.add_argument("--data", type=Path, required=True, help="folder of the six CSVs")
    parser.add_argument("--duckdb", type=Path, help="DuckDB file (target duckdb)")
    args = parser.parse_args(argv)
    if args.target == "duckdb":
        if args.duckdb is None:
            parser.error("--duckdb FILE is required for --target duckdb")
        from customer_behaviour.profile import load_target

        run_duckdb(args.data, args.duckdb, load_target("duckdb"))
    else:
        run_postgres(args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
