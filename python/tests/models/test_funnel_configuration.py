"""A configured funnel, end to end, on both targets.

Two funnels other than the default are built from generated data whose event types are
renamed and extended to match them (the generator's output post-processed here), with
traffic sources of every kind (the six defaults' variants, source / medium pairs, made-up
channels): a six-step GA4-style funnel broken down by channel group, and a two-step funnel
of renamed events whose second step needs the fallback column name. Each is loaded with the
bulk loader and built with `dbt build` (models, data tests and unit tests: the unit tests pin
the variables they depend on, so they hold under the user's config), then fct_sessions,
every funnel mart (the in-progress counts and the time-to-convert histogram under
non-default settings for the second), the paths, the product and category funnels and the
channel mapping are compared with the pandas references (reference.py, reference_behaviour.py,
reference_channels.py), which take the steps as parameters.

The GA4-style build also configures three named funnels (customer_behaviour__funnels) and
carries the hand-made awkward sessions of support/named_funnel_cases.py: fct_named_funnels,
its per-unit model and the report's side-by-side block are compared with the pandas walk of
support/reference_named_funnels.py.

Bad values of the funnel variables stop the build with one line saying what to write.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from support import named_funnel_cases, reference, reference_channels
from support import reference_behaviour as rb
from support import reference_named_funnels as rnf
from support.analytics import run_cli_ok
from support.build import TARGETS, Build, private_build, run_dbt
from support.compare import assert_frames_match
from support.report import report_data

# Every test here runs dbt; the configured builds' PostgreSQL parameters are marked below.
pytestmark = pytest.mark.warehouse

RTOL = 1e-9
SESSIONS = 2500

TRAFFIC_SOURCES = [
    # The six defaults and variants of them (case, spaces).
    "direct",
    "Organic",
    " referral ",
    "PAID",
    "social",
    "Email",
    # Source / medium pairs and single names of other exports.
    "google / cpc",
    "Google / Organic",
    "bing / cpc",
    "(direct) / (none)",
    "facebook / cpc",
    "m.facebook.com / referral",
    "t.co / referral",
    "instagram",
    "newsletter",
    "mailchimp / email",
    "affiliate",
    "awin / affiliate",
    "criteo / cpm",
    "display",
    "blog.example.com",
    "paid_search",
    # Made-up channels, and a missing value.
    "tv_spot",
    "Partner Portal",
    "podcast-promo / audio",
    "",
]


@dataclass(frozen=True)
class Funnel:
    """A configured funnel: the dbt variables, and how generated events are renamed to it."""

    name: str
    steps: list[str]
    product_steps: list[str] | None
    segments: list[str]
    renamed: dict[str, str]
    stems: list[str]
    payment_step: str | None = None
    # The in-progress and histogram settings (None: the variable's default).
    as_of_date: str | None = None
    window_days: int = rb.CONVERSION_WINDOW_DAYS
    timeout_minutes: int = rb.SESSION_TIMEOUT_MINUTES
    bucket_seconds: list[float] = field(default_factory=lambda: list(rb.BUCKET_SECONDS))
    # Named funnels besides the default (customer_behaviour__funnels), with the hand-made
    # sessions of named_funnel_cases appended to the export.
    named: tuple[rnf.NamedFunnel, ...] = ()

    @property
    def dbt_vars(self) -> dict[str, object]:
        return {
            "customer_behaviour__funnels": [funnel.as_variable() for funnel in self.named] or None,
            "customer_behaviour__use_seeds": False,
            "customer_behaviour__funnel_steps": self.steps,
            "customer_behaviour__product_funnel_steps": self.product_steps,
            "customer_behaviour__funnel_segments": self.segments,
            "customer_behaviour__as_of_date": self.as_of_date,
            "customer_behaviour__conversion_window_days": self.window_days,
            "customer_behaviour__session_timeout_minutes": self.timeout_minutes,
            "customer_behaviour__time_to_convert_bucket_seconds": self.bucket_seconds,
        }

    @property
    def as_of(self) -> date | None:
        return None if self.as_of_date is None else date.fromisoformat(self.as_of_date)

    @property
    def product_funnel_steps(self) -> tuple[str, str]:
        view, cart = self.product_steps or self.steps[:2]
        return view, cart


FUNNELS = [
    # Six steps named as in a GA4 export: product-page views become view_item, checkout
    # becomes begin_checkout, and most checkouts get an add_payment_info event.
    Funnel(
        name="ga4",
        steps=[
            "page_view",
            "view_item",
            "add_to_cart",
            "begin_checkout",
            "add_payment_info",
            "purchase",
        ],
        product_steps=["view_item", "add_to_cart"],
        segments=["device", "channel_group"],
        renamed={"checkout": "begin_checkout"},
        stems=[
            "page_view",
            "view_item",
            "add_to_cart",
            "begin_checkout",
            "add_payment_info",
            "purchase",
        ],
        payment_step="add_payment_info",
        named=tuple(named_funnel_cases.FUNNELS),
    ),
    # Two steps of renamed events; `event` cannot be a stem (event_count exists), so its
    # columns are step_2_event_count and has_step_2_event. The product steps are the first
    # two funnel steps (the variable is null). Checkouts and purchases become other events.
    Funnel(
        name="two_steps",
        steps=["view", "event"],
        product_steps=None,
        segments=["device", "country", "traffic_source"],
        renamed={
            "page_view": "view",
            "add_to_cart": "event",
            "checkout": "check-out",
            "purchase": "order placed",
        },
        stems=["view", "step_2_event"],
        # The data ends at an as-of date inside the generated period, so many customer
        # windows and sessions are open there; other windows, timeout and buckets (one
        # edge not a whole number).
        as_of_date="2024-02-20",
        window_days=10,
        timeout_minutes=240,
        bucket_seconds=[0, 5, 60, 600.5, 7200],
    ),
]


def _pick(key: str, values: list[str]) -> str:
    """A value chosen by a stable hash of the key (exact duplicate rows stay duplicates)."""
    return values[int(hashlib.md5(key.strip().encode()).hexdigest(), 16) % len(values)]


def _post_process(generated: Path, folder: Path, funnel: Funnel) -> None:
    """The generated CSVs with the event types of `funnel` and varied traffic sources."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        path.stem: pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
        for path in generated.glob("*.csv")
        if path.stem != "defects_manifest"
    }
    events = tables["events"]
    kind = events["event_type"].str.strip().str.lower()
    renamed = events["event_type"].where(~kind.isin(list(funnel.renamed)), kind.map(funnel.renamed))
    if "view_item" in funnel.steps:
        product_view = (kind == "page_view") & (events["page"].str.strip().str.lower() == "product")
        renamed = renamed.where(~product_view, "view_item")
    events["event_type"] = renamed
    if funnel.payment_step:
        checkouts = events[kind == "checkout"]
        paying = checkouts[[_pick(i, ["yes", "yes", "no"]) == "yes" for i in checkouts["event_id"]]]
        payments = paying.assign(
            event_id="pay_" + paying["event_id"].str.strip(), event_type=funnel.payment_step
        )
        events = pd.concat([events, payments], ignore_index=True)
    tables["events"] = events
    sessions = tables["sessions"]
    sessions["traffic_source"] = [
        _pick(funnel.name + session_id, TRAFFIC_SOURCES) for session_id in sessions["session_id"]
    ]
    if funnel.named:
        for name, rows in named_funnel_cases.ROWS.items():
            tables[name] = pd.concat([tables[name], pd.DataFrame(rows)], ignore_index=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)


@dataclass(frozen=True)
class ConfiguredBuild:
    funnel: Funnel
    build: Build
    staged: dict[str, pd.DataFrame]
    sessions: pd.DataFrame


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("funnel_generated")
    run_cli_ok(
        dict(os.environ),
        *("generate", "--sessions", str(SESSIONS), "--seed", "23", "--defect-rate", "0.005"),
        *("--out", str(folder), "--quiet"),
    )
    return folder


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(
            (funnel, target),
            id=f"{funnel.name}-{target}",
            marks=[pytest.mark.postgres] if target == "postgres" else [],
        )
        for funnel in FUNNELS
        for target in TARGETS
    ],
)
def configured(
    request: pytest.FixtureRequest, generated: Path, tmp_path_factory: pytest.TempPathFactory
) -> ConfiguredBuild:
    funnel, target = request.param
    tmp = tmp_path_factory.mktemp(f"funnel_{funnel.name}_{target}")
    data = tmp / "csv"
    _post_process(generated, data, funnel)
    build = private_build(tmp, target, f"funnel_{funnel.name}")
    run_cli_ok(build.env, "load", "--data", str(data), "--target", target, "--quiet")
    if target == "duckdb":
        # As a user's warehouse would, it first holds the session models built with the default
        # funnel; the configured build below, without --full-refresh, must rebuild them under the
        # new settings (macro should_full_refresh), or the comparisons with pandas fail. DuckDB
        # only: the rule is Jinja over adapter calls both targets share.
        defaults = json.dumps({"customer_behaviour__use_seeds": False})
        run_dbt(build.env, "seed", "--target", target, "--vars", defaults)
        run_dbt(
            build.env,
            *("run", "--target", target, "--vars", defaults),
            *("--select", "+int_load_batches_processed"),
        )
    run_dbt(build.env, "build", "--target", target, "--vars", json.dumps(funnel.dbt_vars))
    staged = reference.stage_all(reference.read_raw(data))
    return ConfiguredBuild(
        funnel=funnel,
        build=build,
        staged=staged,
        sessions=reference.sessions(staged, funnel.steps),
    )


def _label(configured: ConfiguredBuild, table: str) -> str:
    return f"{table} for the {configured.funnel.name} funnel on {configured.build.target}"


def test_the_data_exercises_the_configured_funnel(configured: ConfiguredBuild) -> None:
    """Guards the comparisons below: every step is reached, and sources vary."""
    reached = configured.sessions["funnel_step_reached"]
    assert (reached == len(configured.funnel.steps)).sum() > 10
    assert configured.sessions["traffic_source"].nunique() >= 20
    assert configured.sessions["channel_group"].nunique() >= 10


def test_fct_sessions_has_a_count_and_a_flag_per_step(configured: ConfiguredBuild) -> None:
    actual = configured.build.frame("select * from marts.fct_sessions")
    stems = reference.step_stems(configured.funnel.steps)
    assert stems == configured.funnel.stems
    step_columns = {
        column
        for column in actual.columns
        if column.startswith("has_")
        or (
            column.endswith("_count")
            and column not in {"event_count", "other_event_count", "pre_intent_event_count"}
        )
    }
    assert step_columns == {f"{s}_count" for s in stems} | {f"has_{s}" for s in stems}
    assert_frames_match(
        actual,
        configured.sessions,
        ["session_id"],
        rtol=RTOL,
        atol=1e-6,
        label=_label(configured, "fct_sessions"),
    )


def test_session_funnels_match_pandas(configured: ConfiguredBuild) -> None:
    funnel, build = configured.funnel, configured.build
    end = rb.data_end(configured.staged, funnel.as_of)
    expected = rb.funnel(
        configured.sessions, funnel.steps, funnel.segments, end, funnel.timeout_minutes
    )
    assert set(expected["segment_type"]) == {"overall", *funnel.segments}
    key = ["segment_type", "segment_value", "step_number"]
    actual = build.frame("select * from marts.fct_funnel")
    assert_frames_match(actual, expected, key, rtol=RTOL, label=_label(configured, "fct_funnel"))
    if funnel.as_of_date is not None:
        # Sessions after the as-of date are open: the in-progress rule is exercised.
        assert expected["in_progress_sessions"].sum() > 10

    daily = build.frame("select * from marts.fct_funnel_daily")
    daily["session_date"] = pd.to_datetime(daily["session_date"]).dt.strftime("%Y-%m-%d")
    assert_frames_match(
        daily,
        rb.funnel_daily(configured.sessions, funnel.steps),
        ["session_date", "step_number"],
        rtol=RTOL,
        label=_label(configured, "fct_funnel_daily"),
    )


def test_time_to_convert_and_customer_funnel_match_pandas(configured: ConfiguredBuild) -> None:
    funnel, build = configured.funnel, configured.build
    key = ["segment_type", "segment_value", "step_number"]
    expected = rb.time_to_convert(
        configured.staged, configured.sessions, funnel.steps, funnel.segments
    )
    assert expected["converted_sessions"].sum() > 0
    assert_frames_match(
        build.frame("select * from marts.fct_funnel_time_to_convert"),
        expected,
        key,
        rtol=RTOL,
        label=_label(configured, "fct_funnel_time_to_convert"),
    )
    histogram = rb.time_to_convert_histogram(
        configured.staged, configured.sessions, funnel.steps, funnel.segments, funnel.bucket_seconds
    )
    assert histogram["bucket_number"].max() == len(funnel.bucket_seconds)
    assert_frames_match(
        build.frame("select * from marts.fct_funnel_time_to_convert_histogram"),
        histogram,
        [*key, "bucket_number"],
        rtol=RTOL,
        label=_label(configured, "fct_funnel_time_to_convert_histogram"),
    )
    customers = rb.customer_funnel(
        configured.staged,
        configured.sessions,
        funnel.steps,
        funnel.segments,
        rb.data_end(configured.staged, funnel.as_of),
        funnel.window_days,
    )
    assert customers["in_progress_customers"].sum() > 0
    assert_frames_match(
        build.frame("select * from marts.fct_funnel_customers"),
        customers,
        key,
        rtol=RTOL,
        label=_label(configured, "fct_funnel_customers"),
    )


def test_named_funnels_match_pandas(configured: ConfiguredBuild) -> None:
    """Every configured funnel, per unit and in the mart, against the pandas reference, with
    the units still open at the end of the data in progress; the hand-made awkward cases give
    what they were worked out to give."""
    funnel, build = configured.funnel, configured.build
    funnels = [rnf.default_funnel(funnel.steps), *funnel.named]
    end = rb.data_end(configured.staged, funnel.as_of)
    settings = (funnel.window_days, end, funnel.timeout_minutes)
    units = rnf.evaluated(configured.staged, configured.sessions, funnels, *settings)
    reached = {
        (name, level, unit): steps
        for name, level, unit, steps in units[
            ["funnel_name", "funnel_level", "unit_id", "funnel_step_reached"]
        ].itertuples(index=False)
    }
    is_open = {
        (level, unit): flag
        for level, unit, flag in units[["funnel_level", "unit_id", "is_open"]].itertuples(
            index=False
        )
    }
    if funnel.named:
        worked_out = {case: reached[case] for case in named_funnel_cases.EXPECTED}
        assert worked_out == named_funnel_cases.EXPECTED
        assert end == pd.Timestamp(named_funnel_cases.DATA_ENDS_AT).tz_localize(None)
        open_cases = {case: is_open[case] for case in named_funnel_cases.EXPECTED_OPEN}
        assert open_cases == named_funnel_cases.EXPECTED_OPEN
    times = [f"step_{k}_at" for k in range(1, max(len(f.steps) for f in funnels) + 1)]
    for k, column in enumerate(times):
        units[column] = pd.to_datetime(
            [at[k] if len(at) > k else None for at in units["reach_times"]]
        )
    columns = ["funnel_name", "funnel_level", "unit_id", "funnel_step_reached", "is_open", *times]
    assert_frames_match(
        build.frame(f"select {', '.join(columns)} from intermediate.int_named_funnels_evaluated"),
        units[columns],
        columns[:3],
        label=_label(configured, "int_named_funnels_evaluated"),
    )
    expected = rnf.named_funnels(
        configured.staged, configured.sessions, funnels, funnel.segments, *settings
    )
    assert set(expected["funnel_name"]) == {f.name for f in funnels}
    # Guards the open/closed comparison: units are in progress in every configured funnel,
    # at both levels, and open units are left out of the closed_ columns.
    overall = expected[(expected["segment_type"] == "overall") & (expected["step_number"] == 1)]
    by_funnel = overall.set_index(["funnel_name", "funnel_level"])
    for named in funnel.named:
        for level in ("session", "customer"):
            assert (
                expected.loc[
                    (expected["funnel_name"] == named.name) & (expected["funnel_level"] == level),
                    "in_progress_units",
                ].sum()
                > 0
            ), (named.name, level)
            row = by_funnel.loc[(named.name, level)]
            assert row["segment_closed_units"] < row["segment_units"], (named.name, level)
    assert_frames_match(
        build.frame("select * from marts.fct_named_funnels"),
        expected,
        ["funnel_name", "funnel_level", "segment_type", "segment_value", "step_number"],
        rtol=RTOL,
        label=_label(configured, "fct_named_funnels"),
    )


def test_the_report_shows_every_configured_funnel_side_by_side(
    configured: ConfiguredBuild,
) -> None:
    """The report's block: each funnel's steps, overall conversion, units in progress and
    conversion over closed windows per level, from pandas; nothing at all when only the
    default funnel is configured."""
    from customer_behaviour.report.content import Block
    from customer_behaviour.report.sections.funnels import named_funnels_block
    from customer_behaviour.report.stats import fmt_int, fmt_pct

    with report_data(configured.build) as data:
        block = named_funnels_block(data).block
    funnel = configured.funnel
    if not funnel.named:
        assert block == Block()
        return
    funnels = [rnf.default_funnel(funnel.steps), *funnel.named]
    expected = rnf.named_funnels(
        configured.staged,
        configured.sessions,
        funnels,
        funnel.segments,
        funnel.window_days,
        rb.data_end(configured.staged, funnel.as_of),
        funnel.timeout_minutes,
    )
    overall = expected[expected["segment_type"] == "overall"].set_index(
        ["funnel_name", "funnel_level", "step_number"]
    )
    rows = []
    # The default funnel first, then the others by name.
    for named in [funnels[0], *sorted(funnels[1:], key=lambda f: f.name)]:
        cells = [named.name, " → ".join(step.name for step in named.steps)]
        for level in ("session", "customer"):
            first = overall.loc[(named.name, level, 1)]
            last = overall.loc[(named.name, level, len(named.steps))]
            cells += [
                fmt_int(first["reaching_units"]),
                fmt_int(last["reaching_units"]),
                fmt_pct(last["conversion_from_start"]),
                fmt_int(
                    sum(
                        overall.loc[(named.name, level, k), "in_progress_units"]
                        for k in range(1, len(named.steps) + 1)
                    )
                ),
                fmt_pct(last["closed_conversion_from_start"]),
            ]
        rows.append(tuple(cells))
    assert [table.rows for table in block.tables] == [tuple(rows)]


def test_paths_show_pages_of_the_first_step(configured: ConfiguredBuild) -> None:
    paths = rb.collapsed_labels(rb.ordered_events(configured.staged, configured.funnel.steps))
    expected = rb.session_paths(paths, configured.sessions)
    # The renamed page views still show their pages ('home', 'product', ...).
    assert expected["path"].str.contains("home").any()
    assert_frames_match(
        configured.build.frame("select * from marts.fct_session_paths"),
        expected,
        ["path"],
        rtol=RTOL,
        label=_label(configured, "fct_session_paths"),
    )


def test_product_and_category_funnels_follow_the_product_steps(
    configured: ConfiguredBuild,
) -> None:
    steps = configured.funnel.product_funnel_steps
    products = rb.product_funnel(configured.staged, steps)
    categories = rb.category_funnel(configured.staged, steps)
    assert (products["viewed_and_carted_sessions"] > 0).any()
    assert_frames_match(
        configured.build.frame("select * from marts.fct_product_funnel"),
        products,
        ["product_id"],
        rtol=RTOL,
        atol=1e-6,
        label=_label(configured, "fct_product_funnel"),
    )
    assert_frames_match(
        configured.build.frame("select * from marts.fct_category_funnel"),
        categories,
        ["category"],
        rtol=RTOL,
        atol=1e-6,
        label=_label(configured, "fct_category_funnel"),
    )


def test_channel_groups_follow_the_mapping_rule(configured: ConfiguredBuild) -> None:
    """Every traffic source of the build, grouped by the SQL, equals the Python rule."""
    rules = reference_channels.load_rules()
    grouped = configured.build.frame("select * from intermediate.int_traffic_sources_grouped")
    expected = {
        source: reference_channels.channel_group(source, rules)
        for source in configured.sessions["traffic_source"]
    }
    assert set(grouped["traffic_source"]) == set(expected)
    actual = dict(zip(grouped["traffic_source"], grouped["channel_group"], strict=True))
    differing = {s: (actual[s], expected[s]) for s in expected if actual[s] != expected[s]}
    assert not differing, f"{_label(configured, 'channel groups')}: {differing}"
    # Sources are kept as given (trimmed, lower case), not collapsed to 'unknown'.
    assert {"google / cpc", "partner portal", "podcast-promo / audio", "unknown"} <= set(expected)
    assert expected["tv_spot"] == "other"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"customer_behaviour__funnel_steps": ["page_view"]},
            "customer_behaviour__funnel_steps has 1 entry; a funnel has 2 to 10 steps",
        ),
        (
            {"customer_behaviour__funnel_steps": "page_view"},
            "customer_behaviour__funnel_steps must be a list of event types",
        ),
        (
            {"customer_behaviour__funnel_steps": ["page_view", "Add_To_Cart"]},
            "step 2 ('Add_To_Cart') must be an event type as staged (lower case, no "
            "surrounding spaces), for example 'add_to_cart'",
        ),
        (
            {"customer_behaviour__funnel_steps": ["page_view", "purchase", "page_view"]},
            "names an event type twice",
        ),
        (
            {"customer_behaviour__product_funnel_steps": ["view_item", "add_to_cart"]},
            "customer_behaviour__product_funnel_steps: 'view_item' is not a step of "
            "customer_behaviour__funnel_steps",
        ),
        (
            {"customer_behaviour__product_funnel_steps": ["add_to_cart", "page_view"]},
            "'add_to_cart' must come before 'page_view'",
        ),
        (
            {"customer_behaviour__time_to_convert_bucket_seconds": [0, 60, 30]},
            "customer_behaviour__time_to_convert_bucket_seconds: edges must be ascending "
            "without repeats, but 30 follows 60",
        ),
        (
            {"customer_behaviour__time_to_convert_bucket_seconds": [0, "ten"]},
            "edge 2 ('ten') must be a number of seconds, 0 or more",
        ),
        (
            {"customer_behaviour__time_to_convert_bucket_seconds": [10, 60]},
            "the first edge must be 0 so that every conversion has a bucket",
        ),
        (
            {"customer_behaviour__time_to_convert_bucket_seconds": 60},
            "customer_behaviour__time_to_convert_bucket_seconds must be a list of bucket edges",
        ),
        (
            {"customer_behaviour__session_timeout_minutes": "half an hour"},
            "customer_behaviour__session_timeout_minutes must be a whole number of minutes",
        ),
        (
            {"customer_behaviour__session_timeout_minutes": 7.5},
            "customer_behaviour__session_timeout_minutes must be a whole number of minutes",
        ),
        (
            {"customer_behaviour__path_label": "category"},
            "customer_behaviour__path_label must be one of event_type, page, product_category; "
            "it is category",
        ),
        (
            {"customer_behaviour__path_top_n": 0},
            "customer_behaviour__path_top_n must be a whole number of at least 1, for example 5",
        ),
        (
            {"customer_behaviour__path_entry_steps": "page_view"},
            "customer_behaviour__path_entry_steps must be null or a list of step labels or "
            "event types, for example [page_view]",
        ),
        (
            {"customer_behaviour__funnels": {"name": "cart"}},
            "customer_behaviour__funnels must be null or a list of funnels",
        ),
        (
            {"customer_behaviour__funnels": [{"name": "Cart Flow", "steps": ["a", "b"]}]},
            "customer_behaviour__funnels: funnel 1: name ('Cart Flow') must be lower case",
        ),
        (
            {"customer_behaviour__funnels": [{"name": "default", "steps": ["a", "b"]}]},
            "customer_behaviour__funnels: funnel 'default': name is used twice",
        ),
        (
            {
                "customer_behaviour__funnels": [
                    {"name": "cart", "order": "loose", "steps": ["a", "b"]}
                ]
            },
            "customer_behaviour__funnels: funnel 'cart': order ('loose') must be sequential,"
            " strict or any",
        ),
        (
            {
                "customer_behaviour__funnels": [
                    {"name": "cart", "steps": ["a", {"event_type": "b", "page": "Home"}]}
                ]
            },
            "customer_behaviour__funnels: funnel 'cart': step 2: page ('Home') must be written"
            " as staged",
        ),
        (
            {
                "customer_behaviour__funnels": [
                    {
                        "name": "cart",
                        "order": "any",
                        "steps": ["a", {"event_type": "b", "max_seconds_from_previous": 60}],
                    }
                ]
            },
            "customer_behaviour__funnels: funnel 'cart': step 2: max_seconds_from_previous"
            " needs a previous step",
        ),
    ],
    ids=[
        "one_step",
        "not_a_list",
        "upper_case",
        "repeated",
        "unknown_product_step",
        "order",
        "buckets_not_ascending",
        "bucket_not_a_number",
        "buckets_not_from_zero",
        "buckets_not_a_list",
        "timeout_not_a_number",
        "timeout_not_whole",
        "path_label_unknown",
        "path_top_n_zero",
        "path_entry_steps_not_a_list",
        "funnels_not_a_list",
        "funnel_name",
        "funnel_named_default",
        "funnel_order",
        "funnel_page_case",
        "funnel_max_seconds_any_order",
    ],
)
def test_a_bad_funnel_setting_stops_with_one_clear_line(
    variables: dict[str, object], message: str, tmp_path: Path
) -> None:
    build = private_build(tmp_path, "duckdb", "unused")
    result = run_dbt(
        build.env,
        "compile",
        "--target",
        "duckdb",
        "--select",
        "int_product_activity_joined fct_funnel fct_funnel_time_to_convert_histogram "
        "fct_paths_from_entry",
        "int_product_activity_joined fct_funnel fct_funnel_time_to_convert_histogram"
        " int_named_funnels_evaluated",
        "--vars",
        json.dumps(variables),
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stdout, result.stdout[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
