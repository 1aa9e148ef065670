"""Exports of other shapes than the sample's, all within the input contract (docs/data_contract.md).

Each shape is a small generated shop (the generator's tables, clean) reshaped the way another
export would look: orders without web analytics, web analytics without orders, a catalogue of
one product or none, one customer, one day, one device and one country, anonymous visitors
only, or six header-only files. They are written as the six CSVs a user would load with
``customer-behaviour load``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from customer_behaviour.contract import TABLE_COLUMNS
from customer_behaviour.generate import GeneratorConfig, generate_tables

Tables = dict[str, pd.DataFrame]

SESSIONS = 300
"""Sessions of the generated shop each shape starts from: enough for every analysis to have
something to fit, small enough for a build in seconds."""
DAYS = 14


def _empty(tables: Tables, *names: str) -> Tables:
    return {name: frame.iloc[0:0] if name in names else frame for name, frame in tables.items()}


def orders_and_customers_only(tables: Tables) -> Tables:
    """A shop system's export: customers, products, orders and their items; no web sessions
    or events (both files header only), so every order is placed outside a web session."""
    orders = tables["orders"].assign(session_id="")
    return {**_empty(tables, "sessions", "events"), "orders": orders}


def sessions_without_orders(tables: Tables) -> Tables:
    """A web-analytics export: sessions and events, no orders or order items."""
    return _empty(tables, "orders", "order_items")


def no_products(tables: Tables) -> Tables:
    """No product catalogue: products.csv header only (order items and events keep their
    product ids, which the contract allows)."""
    return _empty(tables, "products")


def one_product(tables: Tables) -> Tables:
    """A shop selling a single product: every product id is the first product's, one order
    line per order."""
    products = tables["products"].iloc[:1]
    only = products["product_id"].iloc[0]
    events = tables["events"].copy()
    events["product_id"] = events["product_id"].where(events["product_id"] == "", only)
    items = tables["order_items"].assign(product_id=only).drop_duplicates("order_id")
    return {**tables, "products": products, "events": events, "order_items": items}


def one_customer(tables: Tables) -> Tables:
    """A single known customer: every identified session and every order is theirs."""
    customers = tables["customers"].iloc[:1]
    only = customers["customer_id"].iloc[0]
    sessions = tables["sessions"].copy()
    sessions["customer_id"] = sessions["customer_id"].where(sessions["customer_id"] == "", only)
    orders = tables["orders"].assign(customer_id=only)
    return {**tables, "customers": customers, "sessions": sessions, "orders": orders}


def one_device_one_country(tables: Tables) -> Tables:
    """Every session on the same device from the same country (and every customer there)."""
    sessions = tables["sessions"].assign(device="mobile", country="DE")
    customers = tables["customers"].assign(country="DE")
    return {**tables, "sessions": sessions, "customers": customers}


def all_sessions_anonymous(tables: Tables) -> Tables:
    """No session carries a customer id (orders still name their customer)."""
    return {**tables, "sessions": tables["sessions"].assign(customer_id="")}


def every_file_empty(tables: Tables) -> Tables:
    """Six header-only files."""
    return _empty(tables, *tables)


def _combined(*reshapes: Callable[[Tables], Tables]) -> Callable[[Tables], Tables]:
    def reshape(tables: Tables) -> Tables:
        for step in reshapes:
            tables = step(tables)
        return tables

    return reshape


@dataclass(frozen=True)
class ShapeBuild:
    """One build of the matrix: the shapes it covers (shapes that reshape different parts of
    the data share a build), how the generated shop is reshaped, and the notices the report
    shows for it, as (section id, notice) pairs (docs/data_contract.md lists them); a notice
    that quotes the data has `{sessions}` and `{conversion}` in their place, which the test
    fills from the files."""

    name: str
    covers: tuple[str, ...]
    reshape: Callable[[Tables], Tables]
    notices: tuple[tuple[str, str], ...]
    days: int = DAYS

    def tables(self, seed: int = 16) -> Tables:
        config = GeneratorConfig(n_sessions=SESSIONS, seed=seed, days=self.days)
        generated = generate_tables(config)
        reshaped = self.reshape(generated)
        return {name: frame for name, frame in reshaped.items() if name in TABLE_COLUMNS}

    def write(self, folder: Path, seed: int = 16) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in self.tables(seed).items():
            frame.to_csv(folder / f"{name}.csv", index=False)
        return folder


DRIVERS_NOT_FITTED = (
    "features",
    "analytics.conversion_drivers is empty: the model needs sessions with events that purchase "
    "and sessions that do not (`analyze` prints why it was not fitted).",
)
NOT_SIZED = (
    "recommendations",
    "analytics.experiment_sizing is empty: sizing needs sessions whose conversion rate lies "
    "strictly between 0 and 1.",
)
STYLES_NOT_COMPARED = (
    "segmentation",
    "analytics.purchase_style_comparison has no usable comparison (too few sessions of one style).",
)
NO_CUSTOMER_ID = (
    "segmentation",
    "fct_cohort_retention is empty: no session carries a customer_id.",
)
NO_RECOMMENDATION = (
    "recommendations",
    "No recommendation could be generated: the results they rest on are missing or inconclusive.",
)
NO_SESSION_NOTICES = (
    (
        "overview",
        "fct_sessions holds no session (no accepted row in sessions.csv), so there is "
        "no period, device or country to describe.",
    ),
    ("features", "No session has events, so there is nothing to compare."),
    DRIVERS_NOT_FITTED,
    ("funnels", "fct_funnel has no overall funnel (no sessions)."),
    ("funnels", "fct_funnel has no breakdown by device."),
    ("funnels", "fct_funnel has no breakdown by country."),
    ("funnels", "fct_funnel_daily is empty."),
    (
        "funnels",
        "analytics.funnel_segment_comparison is empty: fct_funnel has no sessions to compare.",
    ),
    ("funnels", "analytics.funnel_period_change is empty: fct_funnel has no sessions to compare."),
    ("sequences", "fct_session_paths is empty (no session has events)."),
    ("sequences", "fct_paths_to_conversion is empty: no session completed the funnel."),
    ("sequences", "fct_paths_from_entry is empty: no session starts at an entry step."),
    ("sequences", "fct_path_transitions is empty."),
    ("sequences", "fct_step_transitions_by_position is empty."),
    ("sequences", "analytics.path_removal_effects is empty: no session has events."),
    (
        "attribution",
        "fct_conversion_paths is empty (no accepted session): there is no journey to attribute.",
    ),
    ("associations", "No category was viewed."),
    ("segmentation", "fct_conversion_levels has no sessions."),
    ("enrichment", "fct_sessions_local_time has no sessions: nothing to put in local time."),
    NO_CUSTOMER_ID,
    STYLES_NOT_COMPARED,
    NOT_SIZED,
)
"""What the report cannot show without web sessions."""
NO_ORDER_NOTICES = (
    DRIVERS_NOT_FITTED,
    ("sequences", "No removal effect could be computed: no session path converts."),
    (
        "attribution",
        "No journey converts (no purchasing session), so no channel can be credited with a "
        "conversion.",
    ),
    ("associations", "There are no baskets (no completed orders with lines)."),
    ("segmentation", "fct_customer_rfm is empty: no buyer yet."),
    ("segmentation", "fct_repeat_purchase is empty: no buyer yet."),
    STYLES_NOT_COMPARED,
    NOT_SIZED,
    NO_RECOMMENDATION,
)
"""What the report cannot show without orders."""
EMPTY_NOTICES = (
    *NO_SESSION_NOTICES,
    *(notice for notice in NO_ORDER_NOTICES if notice[0] not in ("sequences", "attribution")),
    (
        "insights",
        "No insight could be generated: the tables they come from are missing (see the "
        "notices above).",
    ),
)

BUILDS = [
    ShapeBuild(
        "orders_and_customers_only",
        ("orders and customers only",),
        orders_and_customers_only,
        NO_SESSION_NOTICES,
    ),
    ShapeBuild(
        "sessions_without_orders",
        ("sessions and events without orders",),
        sessions_without_orders,
        NO_ORDER_NOTICES,
    ),
    ShapeBuild(
        "no_products_all_anonymous",
        ("no products", "all sessions anonymous"),
        _combined(no_products, all_sessions_anonymous),
        (
            NO_CUSTOMER_ID,
            (
                "segmentation",
                "fct_conversion_levels has no identified customer: all {sessions} sessions are "
                "anonymous, so conversion is known per session only ({conversion}).",
            ),
        ),
    ),
    ShapeBuild(
        "one_of_everything",
        ("one product", "one customer", "one day", "one device and one country"),
        _combined(one_product, one_customer, one_device_one_country),
        (
            ("associations", "No rule reaches the thresholds: nothing to plot."),
            (
                "funnels",
                "analytics.funnel_period_change is empty: one of the two periods compared has "
                "no sessions (`analyze` says which); set "
                "customer_behaviour__comparison_period_days to fit the data's span.",
            ),
        ),
        days=1,
    ),
    ShapeBuild("every_file_empty", ("every file empty",), every_file_empty, EMPTY_NOTICES),
]
"""The matrix: every shape of the issue, in five builds."""
