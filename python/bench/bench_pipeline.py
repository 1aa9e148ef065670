"""The pipeline benchmark behind ``make bench SESSIONS=N TARGET=duckdb|postgres``.

One run, on this machine, in a warehouse of its own (DuckDB: <workdir>/bench.duckdb;
PostgreSQL: database ``customer_behaviour_bench`` on the server the libpq variables name):

1. generate N sessions (the generator's wall time and peak memory);
2. split off the last generated day (about 1% of the events) as "the new day";
3. load the rest with ``customer-behaviour load`` and time a *floor* query on the same data:
   one GROUP BY of all raw events per session computing the event counts, what any
   session-level pipeline must at least do;
4. full ``dbt run`` (seconds per model from run_results.json);
5. the Python layer (``customer-behaviour analyze``: time and peak memory);
6. append the new day (``load --append``) and run ``dbt run`` again (incremental);
7. rows per table, the budgets, and the whole record as JSON.

Budgets (docs/scale.md): full build <= 4x the floor; incremental run <= 10% of the full
build; Python layer <= 60 s and <= 4 GB; generator <= 60 s. Peak memory is the peak
resident set of the step's own process tree (os.wait4); PostgreSQL's server processes are
not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TABLES = ("customers", "products", "sessions", "events", "orders", "order_items")
BENCH_DATABASE = "customer_behaviour_bench"
NO_SEEDS = "{customer_behaviour__use_seeds: false}"
GIB = 1024**3


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(label: str, command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run a command; its wall seconds and peak memory (GiB) of its process tree."""
    shown = [Path(command[0]).name, *command[1:]]
    log(f"{label}: {' '.join(shown)}")
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"bench: {label} failed (exit {code}); see the output above")
    peak = usage.ru_maxrss * 1024 / GIB  # ru_maxrss is in KiB on Linux
    log(f"{label}: {seconds:.1f} s, peak {peak:.2f} GiB")
    return {"seconds": round(seconds, 2), "peak_gib": round(peak, 3)}


def split_new_day(generated: Path, base: Path, new_day: Path) -> dict[str, Any]:
    """Rows of the last session day go to new_day (sessions, events, orders, lines)."""
    import duckdb

    base.mkdir(parents=True, exist_ok=True)
    new_day.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()

    def read(table: str) -> str:
        path = str(generated / f"{table}.csv").replace("'", "''")
        return f"read_csv('{path}', all_varchar = true, header = true)"

    # The last day on which sessions start: its sessions, and every event and order
    # dated that day or later, arrive as the new day.
    last_day = connection.execute(
        f"select max(substr(session_start_at, 1, 10)) from {read('sessions')}"
    ).fetchone()[0]
    day = f"substr({{column}}, 1, 10) >= '{last_day}'"
    rules = {
        "customers": None,
        "products": None,
        "sessions": day.format(column="session_start_at"),
        "events": day.format(column="event_at"),
        "orders": day.format(column="ordered_at"),
        "order_items": (
            f"order_id in (select order_id from {read('orders')}"
            f" where {day.format(column='ordered_at')})"
        ),
    }
    counts = {}
    for table, rule in rules.items():
        new_rule = rule or "false"
        for folder, where in ((base, f"not coalesce({new_rule}, false)"), (new_day, new_rule)):
            target = str(folder / f"{table}.csv").replace("'", "''")
            connection.execute(
                f"copy (select * from {read(table)} where {where}) to '{target}' (header)"
            )
        counts[table] = connection.execute(
            f"select count(*) from {read(table)} where {new_rule}"
        ).fetchone()[0]
    total_events = connection.execute(f"select count(*) from {read('events')}").fetchone()[0]
    return {
        "new_day": last_day,
        "new_day_rows": counts,
        "new_day_event_share": round(counts["events"] / total_events, 4),
    }


class Warehouse:
    def __init__(self, target: str, workdir: Path) -> None:
        self.target = target
        self.duckdb_path = workdir / "bench.duckdb"

    def reset(self, env: dict[str, str]) -> None:
        if self.target == "duckdb":
            self.duckdb_path.unlink(missing_ok=True)
            env["CUSTOMER_BEHAVIOUR_DUCKDB_PATH"] = str(self.duckdb_path)
            return
        import psycopg2

        admin = psycopg2.connect(dbname=os.environ.get("PGDATABASE") or "postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{BENCH_DATABASE}" with (force)')
            cursor.execute(f'create database "{BENCH_DATABASE}"')
        admin.close()
        env["PGDATABASE"] = BENCH_DATABASE

    def query(self, sql: str) -> list[tuple]:
        if self.target == "duckdb":
            import duckdb

            with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
                return connection.execute(sql).fetchall()
        import psycopg2

        with psycopg2.connect(dbname=BENCH_DATABASE) as connection:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()


FLOOR_QUERY = """
select count(*), sum(events), sum(purchases) from (
    select session_id,
           count(*) as events,
           sum(case when event_type = 'purchase' then 1 else 0 end) as purchases
    from raw.events
    group by session_id
) as per_session
"""


def floor_seconds(warehouse: Warehouse, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        warehouse.query(FLOOR_QUERY)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def model_seconds(target_path: Path) -> dict[str, float]:
    results = json.loads((target_path / "run_results.json").read_text())
    return {
        item["unique_id"].split(".")[-1]: round(item["execution_time"], 2)
        for item in results["results"]
    }


def table_rows(warehouse: Warehouse) -> dict[str, int]:
    tables = warehouse.query(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in ('raw', 'staging', 'intermediate', 'marts', 'analytics')"
        " and table_type = 'BASE TABLE' order by 1, 2"
    )
    return {
        f"{schema}.{name}": warehouse.query(f'select count(*) from {schema}."{name}"')[0][0]
        for schema, name in tables
    }


def machine() -> dict[str, Any]:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "memory_gib": round(memory, 1), "cpu": cpu}


def budgets(record: dict[str, Any]) -> list[dict[str, Any]]:
    steps = record["steps"]
    full, floor = steps["full_build"]["seconds"], record["floor_seconds"]
    incremental = steps["incremental_run"]["seconds"]
    python = steps["python_layer"]
    checks = [
        ("full build <= 4x floor", full / floor, 4.0, "x floor"),
        ("incremental <= 10% of full build", incremental / full, 0.10, "of full"),
        ("python layer <= 60 s", python["seconds"], 60.0, "s"),
        ("python layer <= 4 GB peak", python["peak_gib"], 4.0, "GiB"),
        ("generator <= 60 s", steps["generate"]["seconds"], 60.0, "s"),
    ]
    return [
        {
            "budget": name,
            "measured": round(value, 3),
            "limit": limit,
            "unit": unit,
            "met": value <= limit,
        }
        for name, value, limit, unit in checks
    ]


def print_report(record: dict[str, Any]) -> None:
    print()
    print(
        f"Benchmark: {record['sessions']:,} sessions on {record['target']}"
        f" ({record['machine']['cpus']} CPUs, {record['machine']['memory_gib']} GiB)"
    )
    print(f"{'step':<26}{'seconds':>10}{'peak GiB':>10}")
    for step, values in record["steps"].items():
        print(f"{step:<26}{values['seconds']:>10.1f}{values['peak_gib']:>10.2f}")
    print(f"{'floor query':<26}{record['floor_seconds']:>10.2f}")
    print(f"\n{'model':<40}{'full s':>10}{'incr. s':>10}")
    full, incremental = record["models_full"], record["models_incremental"]
    for model in sorted(full, key=lambda name: -full[name]):
        print(f"{model:<40}{full[model]:>10.2f}{incremental.get(model, float('nan')):>10.2f}")
    print(f"\n{'table':<50}{'rows':>12}")
    for table, rows in record["rows"].items():
        print(f"{table:<50}{rows:>12,}")
    print(f"\n{'budget':<36}{'measured':>12}{'limit':>10}  met")
    for item in record["budgets"]:
        print(
            f"{item['budget']:<36}{item['measured']:>12.3f}{item['limit']:>10}  "
            f"{'yes' if item['met'] else 'NO'}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "target" / "bench")
    parser.add_argument(
        "--out", type=Path, help="JSON file (default reports/bench/<target>_<N>.json)"
    )
    args = parser.parse_args(argv)
    out = args.out or PROJECT_DIR / "reports" / "bench" / f"{args.target}_{args.sessions}.json"

    workdir = args.workdir.resolve() / args.target
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    env = dict(os.environ)
    env.update(
        {
            "CUSTOMER_BEHAVIOUR_TARGET": args.target,
            "CUSTOMER_BEHAVIOUR_PROJECT_DIR": str(PROJECT_DIR),
            "DBT_TARGET_PATH": str(workdir / "dbt_target"),
            "DBT_LOG_PATH": str(workdir / "logs"),
            "DO_NOT_TRACK": "1",
        }
    )
    env.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))
    warehouse = Warehouse(args.target, workdir)
    warehouse.reset(env)
    cli, dbt = str(BIN / "customer-behaviour"), str(BIN / "dbt")
    steps: dict[str, dict[str, float]] = {}
    generated = workdir / "generated"

    steps["generate"] = timed(
        "generate",
        [
            cli,
            "generate",
            "--sessions",
            str(args.sessions),
            "--seed",
            str(args.seed),
            "--out",
            str(generated),
            "--quiet",
        ],
        env,
    )
    log("split off the last day as the new day")
    split = split_new_day(generated, workdir / "base", workdir / "new_day")
    log(f"new day {split['new_day']}: {split['new_day_event_share']:.2%} of the events")
    load = [cli, "load", "--target", args.target, "--quiet", "--data"]
    steps["load"] = timed("load", [*load, str(workdir / "base")], env)
    floor = floor_seconds(warehouse)
    log(f"floor query: {floor:.2f} s")
    run = [dbt, "run", "--target", args.target, "--vars", NO_SEEDS, "--quiet"]
    # `dbt run` loads no seed: the configuration seed (channel mapping) first, untimed.
    timed("configuration seed", [dbt, "seed", "--target", args.target, "--vars", NO_SEEDS], env)
    steps["full_build"] = timed("full build (dbt run)", run, env)
    models_full = model_seconds(workdir / "dbt_target")
    steps["python_layer"] = timed(
        "python layer", [cli, "analyze", "--target", args.target, "--quiet"], env
    )
    steps["load_new_day"] = timed(
        "load new day", [*load, str(workdir / "new_day"), "--append"], env
    )
    steps["incremental_run"] = timed("incremental run (dbt run)", run, env)
    models_incremental = model_seconds(workdir / "dbt_target")
    changed = warehouse.query("select count(*) from staging.stg_shop__sessions_changed")[0][0]

    record: dict[str, Any] = {
        "sessions": args.sessions,
        "target": args.target,
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        **split,
        "incremental_sessions_recomputed": changed,
        "floor_seconds": floor,
        "steps": steps,
        "models_full": models_full,
        "models_incremental": models_incremental,
        "rows": table_rows(warehouse),
    }
    record["budgets"] = budgets(record)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print_report(record)
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
