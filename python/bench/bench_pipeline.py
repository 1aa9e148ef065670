"""The pipeline benchmark behind ``make bench SESSIONS=N TARGET=duckdb|postgres``.

One run, on this machine, in a warehouse of its own (DuckDB: <workdir>/bench.duckdb;
PostgreSQL: database ``customer_behaviour_bench`` on the server the libpq variables name),
every step on the same generated CSVs:

1. generate N sessions without defects (the generator's wall time and peak memory);
2. split off the last generated day (about 1% of the events) as "the new day";
3. load the rest with ``customer-behaviour load`` and time a *floor* query on the same data:
   one GROUP BY of all raw events per session computing the event counts;
4. full build: ``dbt run`` (models only: no data tests; seconds per model from
   run_results.json);
5. the two anchors on the loaded CSVs: the hand-written SQL of the core marts on the same
   engine (anchor_sql.py, reading the CSVs itself, COPY included on PostgreSQL) and the
   notebook way, pandas (anchor_notebook.py; with ``--notebook auto``, the default, only up to
   NOTEBOOK_MAX_SESSIONS sessions: beyond that pandas needs more memory than the machine
   has, which is the notebook's limit, not a figure); then anchor_check.py, which stops the
   bench unless the SQL anchor equals the marts and the notebook equals the SQL anchor;
6. the Python layer (``customer-behaviour analyze``: time and peak memory);
7. append the new day (``load --append``) and run ``dbt run`` again (incremental);
8. rows per table, the budgets as ratios, and the whole record as JSON (raw seconds, peak
   memory, the machine's load average before and after, the git commit).

Budgets (issue 15 item 2, docs/scale.md): load + full build <= 2x the SQL anchor;
incremental run <= 10% of the full build; on DuckDB, load + full build >= 5x faster than
the notebook; every step's peak memory <= 8 GB; at 10M sessions, load + full build <= 12x
the 1M record's; Python layer <= 60 s and <= 4 GB; generator <= 60 s. Peak memory is the
peak resident set of the step's own process tree (os.wait4); PostgreSQL's server processes
are not counted.
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
GB = 1e9
BENCH_DIR = Path(__file__).resolve().parent
# The notebook anchor reads whole CSVs into pandas: about 2.8 GB at 1M sessions, so about
# 28 GB at 10M, more than this 24 GB machine. `--notebook auto` runs it up to this size.
NOTEBOOK_MAX_SESSIONS = 2_000_000


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

    from customer_behaviour.profile import load_target

    base.mkdir(parents=True, exist_ok=True)
    new_day.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    # The DuckDB profile's memory limit: at 10M sessions the split would otherwise take most
    # of the machine, and every step of the bench keeps to the same limit.
    load_target("duckdb").apply_duckdb_settings(connection)

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
        " where table_schema in"
        " ('raw', 'manifest', 'staging', 'intermediate', 'marts', 'analytics')"
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


def ratios(record: dict[str, Any]) -> dict[str, float]:
    steps = record["steps"]
    load_and_build = steps["load"]["seconds"] + steps["full_build"]["seconds"]
    notebook = steps.get("notebook_anchor")
    return {
        "load_and_full_build_over_sql_anchor": load_and_build / steps["sql_anchor"]["seconds"],
        "notebook_over_load_and_full_build": (
            notebook["seconds"] / load_and_build if notebook else float("nan")
        ),
        "incremental_over_full_build": steps["incremental_run"]["seconds"]
        / steps["full_build"]["seconds"],
        "full_build_over_floor": steps["full_build"]["seconds"] / record["floor_seconds"],
    }


def previous_record(target: str, sessions: int) -> dict[str, Any] | None:
    """The committed record at `sessions` on `target`, if there is one."""
    path = PROJECT_DIR / "reports" / "bench" / f"{target}_{sessions}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def budgets(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Each budget of issue 15 item 2 with the measured figure; `met` is None where the
    budget does not apply to this run."""
    steps, ratio = record["steps"], record["ratios"]
    python = steps["python_layer"]
    load_and_build = steps["load"]["seconds"] + steps["full_build"]["seconds"]
    peak_step = max(steps, key=lambda name: steps[name]["peak_gib"])
    scale: float | None = None
    if record["sessions"] == 10_000_000:
        small = previous_record(record["target"], 1_000_000)
        if small:
            small_steps = small["steps"]
            scale = load_and_build / (
                small_steps["load"]["seconds"] + small_steps["full_build"]["seconds"]
            )
    # (name, measured, limit, unit, "max" = at most / "min" = at least, applies)
    checks = [
        (
            "load + full build <= 2x SQL anchor",
            ratio["load_and_full_build_over_sql_anchor"],
            2.0,
            "x anchor",
            "max",
            True,
        ),
        (
            "incremental <= 10% of full build",
            ratio["incremental_over_full_build"],
            0.10,
            "of full",
            "max",
            True,
        ),
        (
            "load + full build >= 5x faster than notebook (DuckDB)",
            ratio["notebook_over_load_and_full_build"],
            5.0,
            "x faster",
            "min",
            record["target"] == "duckdb" and "notebook_anchor" in steps,
        ),
        (
            f"every step's peak <= 8 GB ({peak_step})",
            steps[peak_step]["peak_gib"] * GIB / GB,
            8.0,
            "GB",
            "max",
            True,
        ),
        (
            "10M / 1M load + full build <= 12",
            scale if scale is not None else float("nan"),
            12.0,
            "x",
            "max",
            scale is not None,
        ),
        ("python layer <= 60 s", python["seconds"], 60.0, "s", "max", True),
        ("python layer <= 4 GB peak", python["peak_gib"] * GIB / GB, 4.0, "GB", "max", True),
        ("generator <= 60 s", steps["generate"]["seconds"], 60.0, "s", "max", True),
    ]
    return [
        {
            "budget": name,
            "measured": round(value, 3),
            "limit": limit,
            "unit": unit,
            "met": (value <= limit if kind == "max" else value >= limit) if applies else None,
        }
        for name, value, limit, unit, kind, applies in checks
    ]


def git_commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain"))}


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


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
    print(f"\n{'ratio':<40}{'measured':>12}")
    for name, value in record["ratios"].items():
        print(f"{name:<40}{value:>12.3f}")
    print(f"\n{'budget':<56}{'measured':>10}{'limit':>8}  {'unit':<9} met")
    for item in record["budgets"]:
        met = {True: "met", False: "MISSED", None: "n/a"}[item["met"]]
        print(
            f"{item['budget']:<56}{item['measured']:>10.3f}{item['limit']:>8}  "
            f"{item['unit']:<9} {met}"
        )
    print(
        f"\nload average (1, 5, 15 min) before {record['load_average']['before']},"
        f" after {record['load_average']['after']}; commit {record['git']['commit']}"
        f"{' (uncommitted changes)' if record['git']['dirty'] else ''}"
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
    parser.add_argument(
        "--notebook",
        choices=["auto", "always", "never"],
        default="auto",
        help=f"run the pandas notebook anchor (auto: up to {NOTEBOOK_MAX_SESSIONS:,} sessions)",
    )
    args = parser.parse_args(argv)
    run_notebook = args.notebook == "always" or (
        args.notebook == "auto" and args.sessions <= NOTEBOOK_MAX_SESSIONS
    )
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
    # This process reads the profile too (split_new_day, the DuckDB settings).
    os.environ.setdefault("DBT_PROFILES_DIR", env["DBT_PROFILES_DIR"])
    os.environ.setdefault("CUSTOMER_BEHAVIOUR_PROJECT_DIR", str(PROJECT_DIR))
    warehouse = Warehouse(args.target, workdir)
    warehouse.reset(env)
    load_before = load_average()
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
            # Clean data: the anchors do no validation (anchor_check.py).
            "--defect-rate",
            "0",
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
    python = sys.executable
    base = str(workdir / "base")
    duckdb_file = ["--duckdb", str(warehouse.duckdb_path)] if args.target == "duckdb" else []
    steps["sql_anchor"] = timed(
        "SQL anchor",
        [python, str(BENCH_DIR / "anchor_sql.py"), "--target", args.target, "--data", base]
        + duckdb_file,
        env,
    )
    notebook = workdir / "notebook"
    check = [
        python,
        str(BENCH_DIR / "anchor_check.py"),
        "--target",
        args.target,
        "--manifest",
        str(workdir / "dbt_target" / "manifest.json"),
        *duckdb_file,
    ]
    if run_notebook:
        steps["notebook_anchor"] = timed(
            "notebook anchor",
            [python, str(BENCH_DIR / "anchor_notebook.py"), "--data", base, "--out", str(notebook)],
            env,
        )
        check += ["--notebook", str(notebook)]
        log("anchor check: SQL anchor against the marts, notebook against the SQL anchor")
        checked = "passed: SQL anchor = marts, notebook = SQL anchor"
    else:
        log(f"notebook anchor not run ({args.sessions:,} sessions, --notebook {args.notebook})")
        log("anchor check: SQL anchor against the marts")
        checked = "passed: SQL anchor = marts (notebook anchor not run)"
    if subprocess.run(check, cwd=PROJECT_DIR, env=env, check=False).returncode != 0:
        sys.exit("bench: the anchors are not the same job as the marts (see above); no record")
    steps["python_layer"] = timed(
        "python layer", [cli, "analyze", "--target", args.target, "--quiet"], env
    )
    steps["load_new_day"] = timed(
        "load new day", [*load, str(workdir / "new_day"), "--append"], env
    )
    steps["incremental_run"] = timed("incremental run (dbt run)", run, env)
    models_incremental = model_seconds(workdir / "dbt_target")
    changed, changed_inputs = warehouse.query(
        "select count(*), sum(case when is_input_changed then 1 else 0 end)"
        " from manifest.base_sessions_changed"
    )[0]

    record: dict[str, Any] = {
        "sessions": args.sessions,
        "target": args.target,
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        **split,
        # Every session of a customer with a changed session (int_sessions_measured);
        # the sessions whose own inputs changed (every other session table).
        "incremental_sessions_recomputed": changed,
        "incremental_sessions_with_changed_inputs": int(changed_inputs or 0),
        "floor_seconds": floor,
        "full_build_command": "dbt run (models only, no data tests)",
        "anchor_check": checked,
        "load_average": {"before": load_before, "after": load_average()},
        "git": git_commit(),
        "steps": steps,
        "models_full": models_full,
        "models_incremental": models_incremental,
        "rows": table_rows(warehouse),
    }
    record["ratios"] = {name: round(value, 4) for name, value in ratios(record).items()}
    record["budgets"] = budgets(record)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print_report(record)
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
