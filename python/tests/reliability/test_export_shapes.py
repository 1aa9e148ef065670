"""Exports of every shape the input contract allows, through the whole `make run` path.

The shapes (support/shapes.py) are small generated shops reshaped the way other exports look:
orders and customers only (sessions and events header only), sessions and events without
orders, no products, one product, one customer, one day, one device and one country, all
sessions anonymous, every file empty. Each is loaded as a user does (`customer-behaviour load
--data DIR`), built with `dbt build --full-refresh` and seeds off, as `make load` does (models and
data tests; the dbt unit tests hold fixed rows, the same for any data, and run in the sample
builds), then `customer-behaviour analyze` and `customer-behaviour report`
run. Each step exits 0 without a traceback; every block of every report section shows its
result or a one-line notice, and the notices are exactly those docs/data_contract.md lists for
the shape; the page shows no `nan` or `inf`; every analytics table is written, and every
empty one comes with the reason `analyze` printed for it. The counts the report and the marts
show are checked against the CSVs (pandas).

Time budget (at most ~6 minutes of `make test` for both targets): the shapes that reshape
different parts of the data share a build (no products with all sessions anonymous; one
product, one customer, one day, one device and one country in one shop), so the nine shapes
take five builds on DuckDB; PostgreSQL runs the two whose SQL differs most (every table
empty: aggregates over nothing; a single value everywhere: stddev and ratios of one row).
The builds of a target share one warehouse and one dbt target folder, reloaded and fully
refreshed for each shape as a user reloading their exports would (partial parsing makes the
later builds skip the parse); analyze and report run in this process.

Measured on the project's 2-core machine, shared with other engineers' builds: the whole
module (`pytest python/tests/reliability/test_export_shapes.py -m "not spark"`, 7 builds, 28
tests) took 195 s of wall time at a load average of 3 to 5 (DuckDB 17 to 47 s per build, the
first one parsing the project; PostgreSQL 18 and 23 s), and 335 s at a load average of 5 to 8
with `make lint` running alongside. An earlier layout (8 builds, PostgreSQL on orders only as
well, dbt unit tests included) took 357 s, so orders-only runs on DuckDB only and the unit
tests stay out of these builds.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
import traceback
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from customer_behaviour.analytics_tables import (
    ASSOCIATION_DIAGNOSTICS,
    ASSOCIATION_RULES,
    CHANNEL_ATTRIBUTION_MARKOV,
    CONVERSION_CALIBRATION,
    CONVERSION_DRIVERS,
    EXPERIMENT_SIZING,
    PATH_REMOVAL_EFFECTS,
    PURCHASE_STYLE_COMPARISON,
    SPEND_DRIVERS,
)
from customer_behaviour.contract import TABLE_COLUMNS
from customer_behaviour.report.build import SECTIONS
from support.build import REFERENCE_MODELS, Build, private_build, run_dbt
from support.report import numbers, parse_report, visible_text
from support.shapes import BUILDS, ShapeBuild

pytestmark = pytest.mark.warehouse

POSTGRES_BUILDS = {"every_file_empty", "one_of_everything"}
"""The builds PostgreSQL runs too: those whose SQL behaves differently on it (aggregates over
no rows; a single value everywhere, where ratios and spreads divide by zero or by one row).
Orders outside a web session, the rest of the orders-only shape, are in the sample build."""

ANALYTICS_TABLES = (
    ASSOCIATION_RULES,
    ASSOCIATION_DIAGNOSTICS,
    CONVERSION_DRIVERS,
    CONVERSION_CALIBRATION,
    SPEND_DRIVERS,
    PURCHASE_STYLE_COMPARISON,
    EXPERIMENT_SIZING,
    PATH_REMOVAL_EFFECTS,
    CHANNEL_ATTRIBUTION_MARKOV,
)
NOT_A_NUMBER = re.compile(r"\b(nan|inf|infinity)\b|Traceback", re.IGNORECASE)
STEPS = ("load", "build", "enrich", "build reference models", "analyze", "report")


@dataclass(frozen=True)
class Step:
    command: str
    returncode: int
    output: str
    seconds: float


@dataclass(frozen=True)
class ShapeRun:
    """One shape through the `make run` path on one target."""

    shape: ShapeBuild
    build: Build
    data: Path
    steps: dict[str, Step]
    html: str

    def frame(self, sql: str) -> pd.DataFrame:
        return self.build.frame(sql)

    def csv(self, table: str) -> pd.DataFrame:
        return pd.read_csv(self.data / f"{table}.csv", dtype=str, keep_default_na=False)


def _in_process(env: dict[str, str], *args: str) -> Step:
    """`customer-behaviour <args>` in this process (no interpreter start-up): the same code path
    as the command; an exception becomes a failed step whose output holds the traceback."""
    from customer_behaviour.cli import main

    out = io.StringIO()
    started = time.perf_counter()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.chdir(env["CUSTOMER_BEHAVIOUR_PROJECT_DIR"])
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                code = main(list(args))
            except BaseException:  # noqa: BLE001 - the test reports it as the step's output
                traceback.print_exc(file=out)
                code = 1
    return Step(" ".join(args), code, out.getvalue(), time.perf_counter() - started)


def _dbt(env: dict[str, str], *args: str) -> Step:
    started = time.perf_counter()
    result = run_dbt(env, *args, check=False)
    return Step(
        "dbt " + " ".join(args),
        result.returncode,
        result.stdout + result.stderr,
        time.perf_counter() - started,
    )


def _make_run(build: Build, data: Path, report: Path) -> dict[str, Step]:
    """What `make load DATA=<data>` runs: load, a full-refresh build with seeds off, analyze,
    report; a step after a failed one is not run."""
    target = build.target
    commands = {
        "load": lambda: _in_process(build.env, "load", "--data", str(data), "--target", target),
        "build": lambda: _dbt(
            build.env,
            *("build", "--target", target, "--full-refresh"),
            *("--vars", json.dumps({"customer_behaviour__use_seeds": False})),
            # The unit tests hold fixed rows, the same for any data (the sample build runs them).
            *("--exclude-resource-type", "unit_test", "--exclude", REFERENCE_MODELS),
        ),
        "enrich": lambda: _in_process(build.env, "enrich", "--target", target),
        "build reference models": lambda: _dbt(
            build.env,
            *("build", "--target", target, "--full-refresh", "--select", REFERENCE_MODELS),
            *("--vars", json.dumps({"customer_behaviour__use_seeds": False})),
            *("--exclude-resource-type", "unit_test"),
        ),
        "analyze": lambda: _in_process(build.env, "analyze", "--target", target),
        "report": lambda: _in_process(
            build.env, "report", "--target", target, "--out", str(report)
        ),
    }
    steps: dict[str, Step] = {}
    for name, command in commands.items():
        steps[name] = command()
        if steps[name].returncode != 0:
            break
    return steps


class _Warehouses(dict):
    """One warehouse and one dbt target folder per target, made on first use and shared by the
    target's shapes in turn."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.tmp_path_factory = tmp_path_factory

    def __missing__(self, target: str) -> Build:
        tmp = self.tmp_path_factory.mktemp(f"shapes_{target}")
        self[target] = private_build(tmp, target, "shapes")
        return self[target]


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    return _Warehouses(tmp_path_factory)


def _params() -> list:
    params = []
    for target in ("duckdb", "postgres"):
        for shape in BUILDS:
            if target == "postgres" and shape.name not in POSTGRES_BUILDS:
                continue
            marks = [pytest.mark.postgres] if target == "postgres" else []
            params.append(pytest.param((shape, target), id=f"{shape.name}-{target}", marks=marks))
    return params


@pytest.fixture(scope="module", params=_params())
def shape_run(
    request: pytest.FixtureRequest,
    warehouses: dict[str, Build],
    tmp_path_factory: pytest.TempPathFactory,
) -> ShapeRun:
    shape, target = request.param
    build = warehouses[target]
    tmp = tmp_path_factory.mktemp(f"shape_{shape.name}_{target}")
    data = shape.write(tmp / "csv")
    report = tmp / "insights.html"
    steps = _make_run(build, data, report)
    html = report.read_text(encoding="utf-8") if report.exists() else ""
    return ShapeRun(shape, build, data, steps, html)


def test_every_step_of_make_run_exits_zero(shape_run: ShapeRun) -> None:
    for name in STEPS:
        step = shape_run.steps.get(name)
        assert step is not None, f"{name} did not run: an earlier step failed"
        assert step.returncode == 0, f"{step.command} exited {step.returncode}:\n{step.output}"
        assert "Traceback" not in step.output, step.output


class _Blocks(HTMLParser):
    """The report's blocks (`div.block`): section id, h3 heading, and the text under it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str, str]] = []
        self._section = ""
        self._depth = 0
        self._open: list[object] | None = None
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section":
            self._section = attributes.get("id") or ""
        elif tag == "h3":
            self._in_heading = True
        elif tag == "div":
            self._depth += 1
            if "block" in (attributes.get("class") or "").split():
                self._open = [self._section, self._depth, "", ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3":
            self._in_heading = False
        elif tag == "div":
            if self._open is not None and self._open[1] == self._depth:
                section, _, heading, text = self._open
                self.blocks.append((str(section), " ".join(str(heading).split()), str(text)))
                self._open = None
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[2 if self._in_heading else 3] += data  # type: ignore[operator]


def test_every_section_shows_its_result_or_a_one_line_notice(shape_run: ShapeRun) -> None:
    assert shape_run.html, "no report was written"
    parsed = parse_report(shape_run.html)
    assert len(parsed.sections) == len(SECTIONS)
    parser = _Blocks()
    parser.feed(shape_run.html)
    assert {section for section, _, _ in parser.blocks} >= {s.id for s in parsed.sections}
    for section, heading, text in parser.blocks:
        assert text.strip(), f"block {heading!r} of section {section} shows nothing"
    notices = {(s.id, notice) for s in parsed.sections for notice in s.notices}
    for _, notice in notices:
        assert "\n" not in notice and len(notice) < 300, notice
    shown = {(section, notice.removeprefix("Not available. ")) for section, notice in notices}
    facts = _facts(shape_run)
    expected = {(section, notice.format(**facts)) for section, notice in shape_run.shape.notices}
    assert shown == expected, (
        f"the notices of {shape_run.shape.name} changed; update support/shapes.py and "
        f"docs/data_contract.md:\n" + "\n".join(f"  {item}" for item in sorted(shown ^ expected))
    )
    assert not NOT_A_NUMBER.search(visible_text(shape_run.html))
    # A sentence built around a number that does not exist is a notice, not a fact.
    for key, text in parsed.texts.items():
        if key.startswith("fact-"):
            assert "n/a" not in text, (key, text)


def _facts(shape_run: ShapeRun) -> dict[str, str]:
    """The numbers a notice may quote, from the files (pandas): sessions, and the share of
    them with a completed order."""
    sessions = shape_run.csv("sessions")
    orders = shape_run.csv("orders")
    buying = set(orders.loc[orders["status"] == "completed", "session_id"]) - {""}
    converted = sessions["session_id"].isin(buying).mean() if len(sessions) else 0.0
    return {"sessions": f"{len(sessions):,}", "conversion": f"{converted:.1%}"}


def test_the_analytics_tables_are_written_empty_with_a_reason(shape_run: ShapeRun) -> None:
    analyze = shape_run.steps["analyze"].output
    for name in ANALYTICS_TABLES:
        rows = int(shape_run.frame(f"select count(*) as n from analytics.{name}")["n"].iloc[0])
        line = next(
            (
                line
                for line in analyze.splitlines()
                if line.strip().startswith(f"analytics.{name}:")
            ),
            None,
        )
        assert line is not None, f"analyze did not report analytics.{name}:\n{analyze}"
        assert numbers(line.split(":", 1)[1])[0] == rows, line
        if rows == 0:
            assert re.search(r"rows \(.+\)$", line), f"no reason for the empty {name}: {line}"


def test_the_counts_match_the_files(shape_run: ShapeRun) -> None:
    """raw = accepted + rejected per file, against the CSVs; the sessions and baskets the marts
    hold, and the report's raw-row total, against pandas."""
    summary = shape_run.frame(
        "select source_table, raw_rows, rejected_rows from marts.dq_load_summary"
    ).drop_duplicates()
    raw = {table: len(shape_run.csv(table)) for table in TABLE_COLUMNS}
    assert dict(zip(summary["source_table"], summary["raw_rows"].astype(int), strict=True)) == raw
    assert (summary["rejected_rows"].astype(int) == 0).all()
    sessions = shape_run.frame("select count(*) as n from marts.fct_sessions")["n"].iloc[0]
    assert sessions == raw["sessions"]
    orders = shape_run.csv("orders")
    items = shape_run.csv("order_items")
    completed = set(orders.loc[orders["status"] == "completed", "order_id"])
    expected_baskets = items.loc[items["order_id"].isin(completed), "order_id"].nunique()
    baskets = shape_run.frame("select count(distinct order_id) as n from marts.fct_basket_items")
    assert baskets["n"].iloc[0] == expected_baskets
    cleaning = parse_report(shape_run.html).texts.get("fact-dq-totals", "")
    if sum(raw.values()):
        assert numbers(cleaning)[:1] == [float(sum(raw.values()))], cleaning
    else:
        assert cleaning.startswith("No raw row was read"), cleaning
