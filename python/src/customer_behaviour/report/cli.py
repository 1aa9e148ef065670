"""The ``report`` subcommand: ``customer-behaviour report --target T --out reports/insights.html``.

Kept apart from the rest of :mod:`customer_behaviour.report` so that building the command line
does not import pandas and matplotlib; the report is imported when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_OUT = Path("reports/insights.html")


def add_report_parser(subparsers: argparse._SubParsersAction) -> None:
    """The ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="write the insight report: one self-contained HTML file with charts",
        description=(
            "Read the marts and analytics tables of a dbt target (run `dbt build` and "
            "`customer-behaviour analyze` first) and write the story-driven insight report as "
            "one HTML file that opens offline: charts are embedded, every number comes from "
            "the tables, insights and recommendations say how sure they are."
        ),
    )
    parser.add_argument("--target", help="dbt target (default: the profile's)")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"the HTML file to write (default {DEFAULT_OUT})",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")

    def run(args: argparse.Namespace) -> int:
        from customer_behaviour.report.build import write_report

        result = write_report(args.target, args.out, say=(lambda _: None) if args.quiet else print)
        incomplete = (
            f"; {result.notices} part(s) incomplete, see the notices in the report"
            if result.notices
            else ""
        )
        print(
            f"wrote {result.path} ({result.sections} sections, {result.charts} charts{incomplete})"
        )
        return 0

    parser.set_defaults(func=run)
