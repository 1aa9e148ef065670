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
    shows for it, as (section id, notice) pairs (docs/data_contract.md lists them)."""

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


BUILDS = [
    ShapeBuild(
        "orders_and_customers_only",
        ("orders and customers only",),
        orders_and_customers_only,
        (),
    ),
    ShapeBuild(
        "sessions_without_orders",
        ("sessions and events without orders",),
        sessions_without_orders,
        (),
    ),
    ShapeBuild(
        "no_products_all_anonymous",
        ("no products", "all sessions anonymous"),
        _combined(no_products, all_sessions_anonymous),
        (),
    ),
    ShapeBuild(
        "one_of_everything",
        ("one product", "one customer", "one day", "one device and one country"),
        _combined(one_product, one_customer, one_device_one_country),
        (),
        days=1,
    ),
    ShapeBuild("every_file_empty", ("every file empty",), every_file_empty, ()),
]
"""The matrix: every shape of the issue, in five builds."""
