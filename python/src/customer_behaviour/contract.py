"""The input contract (docs/data_contract.md): the six files and their columns.

The one place in Python that names the input tables; the generator, the loader
and the tests read it from here.
"""

from __future__ import annotations

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id", "signup_at", "country", "email"),
    "products": ("product_id", "product_name", "category", "price_usd", "cost_usd"),
    "sessions": (
        "session_id",
        "customer_id",
        "session_start_at",
        "device",
        "traffic_source",
        "country",
    ),
    "events": ("event_id", "session_id", "event_at", "event_type", "page", "product_id"),
    "orders": (
        "order_id",
        "session_id",
        "customer_id",
        "ordered_at",
        "order_total_usd",
        "status",
    ),
    "order_items": ("order_id", "product_id", "quantity", "unit_price_usd"),
}
"""Every input table and its columns, in the order of the contract."""

KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "products": ("product_id",),
    "sessions": ("session_id",),
    "events": ("event_id",),
    "orders": ("order_id",),
    "order_items": ("order_id", "product_id"),
}
"""Columns of each table's record_key (order_items: ``order_id|product_id``, as staging)."""

RAW_SCHEMA = "raw"
"""Where the input files are loaded (dbt seeds or the bulk loader); dbt source `shop`."""

LOAD_ID_COLUMN = "_load_id"
LOADED_AT_COLUMN = "_loaded_at"
LOADER_COLUMNS: tuple[str, ...] = (LOAD_ID_COLUMN, LOADED_AT_COLUMN)
"""Columns the bulk loader adds to every raw row it writes (not the user's): the load's batch
id and time. Seeds have none; the change list of incremental runs reads them when present."""

LOAD_BATCHES_TABLE = "load_batches"
"""The loader's record in ``raw``: one row per load (id, time, mode, rows per file)."""
