"""Injected defects and their manifest (only when ``defect_rate > 0``).

``kinds`` is the catalogue; ``rejected`` and ``accepted`` hold the recipes of the two
families; ``table`` draws one table's defects and places them in its file; ``manifest``
lists them all.

Each table gets about ``defect_rate x rows`` defects of each of two families (split evenly
over that family's kinds, at least one per kind):

Rejected rows, *added* as extra rows so no other row is affected (fresh ids start with ``x``):
    events: duplicate_row, conflicting_duplicate (same event_id, strictly later event_at,
    maybe another type: the original is kept), missing_event_id, missing_session_id,
    missing_event_at, invalid_event_at, missing_event_type, unknown_session.
    sessions: duplicate_row, conflicting_duplicate (later start, another device),
    missing_session_id, invalid_session_start_at.
    orders: duplicate_row, missing_order_id, invalid_ordered_at, negative_order_total_usd,
    invalid_status, unknown_session (fresh orders never have items).
    order_items: unknown_order, non_positive_quantity, invalid_quantity,
    negative_unit_price_usd, duplicate_row, missing_product_id.
    customers: duplicate_row, missing_customer_id, invalid_signup_at.
    products: negative_price_usd (fresh product, never referenced), duplicate_row.
    The defect kind is the contract's rejection reason. Missing values are written as an
    empty field, a space, ``null`` or ``NULL``. A duplicate_row copy may differ from
    its original in letter case of an enum or spaces around an id (equal after cleaning);
    the contract keeps one of two equal rows without saying which, so the manifest line is
    the added copy but staging may reject either physical line.
Accepted after cleaning, applied *in place* to existing rows (``expected_reason`` empty):
    timestamp_offset (same instant written with +02:00, -05:00, +0530, ...),
    mixed_case_enum (``Mobile``, ``Add_To_Cart``, ``COMPLETED``, country ``de``), and
    surrounding_whitespace (spaces around an id or enum). ``expected_value`` is the value
    staging must produce (timestamps as ``YYYY-MM-DDTHH:MM:SSZ``).

Manifest columns: table, record_key (the trimmed key, ``(missing)`` when missing; for
order_items ``order_id|product_id`` as staging builds it), defect_kind, expected_reason,
line_number (the line in the CSV file counting the header as line 1, so the first data row
is line 2), column (the column the defect is in; empty for whole-row duplicates) and
expected_value.
"""

from customer_behaviour.generate.defects.manifest import (
    MANIFEST_COLUMNS,
    MANIFEST_NAME,
    build_manifest,
)
from customer_behaviour.generate.defects.picking import FreshIds
from customer_behaviour.generate.defects.table import TableDefects, make_defects

__all__ = [
    "MANIFEST_COLUMNS",
    "MANIFEST_NAME",
    "FreshIds",
    "TableDefects",
    "build_manifest",
    "make_defects",
]
