"""The defect catalogue: which kinds each table gets, and the bad values they are made of."""

from __future__ import annotations

REJECTED_KINDS: dict[str, tuple[str, ...]] = {
    "customers": ("duplicate_row", "missing_customer_id", "invalid_signup_at"),
    "products": ("negative_price_usd", "duplicate_row"),
    "sessions": (
        "duplicate_row",
        "conflicting_duplicate",
        "missing_session_id",
        "invalid_session_start_at",
    ),
    "events": (
        "duplicate_row",
        "conflicting_duplicate",
        "missing_event_id",
        "missing_session_id",
        "missing_event_at",
        "invalid_event_at",
        "missing_event_type",
        "unknown_session",
    ),
    "orders": (
        "duplicate_row",
        "missing_order_id",
        "invalid_ordered_at",
        "negative_order_total_usd",
        "invalid_status",
        "unknown_session",
    ),
    "order_items": (
        "unknown_order",
        "non_positive_quantity",
        "invalid_quantity",
        "negative_unit_price_usd",
        "duplicate_row",
        "missing_product_id",
    ),
}
"""Rejected defects per table; each kind is the rejection reason staging must give."""

ACCEPTED_KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {
        "timestamp_offset": ("signup_at",),
        "mixed_case_enum": ("country",),
        "surrounding_whitespace": ("customer_id", "country"),
    },
    "products": {
        "mixed_case_enum": ("category",),
        "surrounding_whitespace": ("product_id", "category"),
    },
    "sessions": {
        "timestamp_offset": ("session_start_at",),
        "mixed_case_enum": ("device", "traffic_source", "country"),
        "surrounding_whitespace": ("session_id", "customer_id", "device", "traffic_source"),
    },
    "events": {
        "timestamp_offset": ("event_at",),
        "mixed_case_enum": ("event_type", "page"),
        "surrounding_whitespace": ("event_id", "session_id", "event_type", "product_id"),
    },
    "orders": {
        "timestamp_offset": ("ordered_at",),
        "mixed_case_enum": ("status",),
        "surrounding_whitespace": ("order_id", "session_id", "customer_id", "status"),
    },
    "order_items": {"surrounding_whitespace": ("order_id", "product_id")},
}
"""Defects applied in place that staging must clean, not reject: kind -> columns."""

CASE_FREE_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("country", "email"),
    "products": ("category",),
    "sessions": ("device", "traffic_source", "country"),
    "events": ("event_type", "page"),
    "orders": ("status",),
    "order_items": (),
}
"""Columns whose letter case staging ignores (ids: their surrounding spaces)."""

UPPER_CASE_COLUMNS = ("country",)
TIMESTAMP_COLUMN = {
    "customers": "signup_at",
    "sessions": "session_start_at",
    "events": "event_at",
    "orders": "ordered_at",
}

MISSING_VALUES = ("", " ", "null", "NULL")
INVALID_TIMESTAMPS = (
    "2024-13-45T99:00:00",
    "yesterday",
    "2024-02-30 10:00:00",
    "2023-02-29T12:00:00Z",
    "2024-04-31T08:15:00Z",
    "2024-01-05T24:00:00",
    "2024-01-05 10:61:00",
    "1899-12-31 10:00:00",
    "05/01/2024 10:00",
    "2024-01-05T10:00:00.1234567Z",
    "2024-01-05T10:00:00+25:00",
    "2024-1-5",
)
INVALID_QUANTITIES = ("two", "1.5", "2 pcs", "1e2", "+-1")
NON_POSITIVE_QUANTITIES = ("0", "-1", "-2")
INVALID_STATUSES = ("shipped", "refunded", "pending", "returned")
UTC_OFFSETS = ((120, "+02:00"), (-300, "-05:00"), (330, "+0530"), (60, "+01:00"), (-420, "-0700"))
"""Offsets a timestamp_offset defect writes the same instant with: (minutes, suffix)."""
