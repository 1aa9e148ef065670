"""Hand-made sessions with the awkward cases of the named funnels, and the three funnels
configured on top of the GA4-style funnel of test_funnel_configuration.py.

The rows are raw CSV rows (text, as an export holds them) appended to a generated export
whose event types are the GA4 ones (view_item, add_to_cart, begin_checkout, purchase, ...).
`EXPECTED` is what each case must give, worked out by hand from the rules of the
`named_funnels` doc block: it guards the comparison with the pandas reference (a case the
data did not exercise would pass unnoticed otherwise).

The last sessions come the day after the generated 90 days, so their events end the data
(`DATA_ENDS_AT`, the latest event): they test the open windows. `EXPECTED_OPEN` says which
units are still open there.
"""

from __future__ import annotations

from support.reference_named_funnels import NamedFunnel, Step

FUNNELS = [
    NamedFunnel(
        "cart_checkout",
        (
            Step("view_item"),
            Step("add_to_cart", max_seconds_from_previous=60),
            Step("begin_checkout"),
            Step("purchase"),
        ),
        conversion_window_seconds=600,
        exclusions=("search",),
    ),
    NamedFunnel(
        "strict_cart",
        (
            Step("view_item", page="product"),
            Step("add_to_cart"),
            Step("begin_checkout", max_seconds_from_previous=120),
        ),
        order="strict",
    ),
    NamedFunnel(
        "any_order",
        (
            Step("add_to_cart", product_category="gadgets"),
            Step("page_view", page="help"),
            Step("wishlist_add"),
        ),
        order="any",
        conversion_window_seconds=300,
        exclusions=("review_read",),
    ),
]

PRODUCTS = [
    {"product_id": "px_hand", "product_name": "Hand Gadget", "category": " Gadgets ",
     "price_usd": "10.00", "cost_usd": "4.00"},
    {"product_id": "px_other", "product_name": "Hand Toy", "category": "Toys",
     "price_usd": "5.00", "cost_usd": "2.00"},
]  # fmt: skip

# session: (customer, start); each customer's first session is its first listed.
SESSIONS = {
    "hx_s01": ("hx_c01", "2024-01-10T09:59:00Z"),
    "hx_s02": ("hx_c02", "2024-01-10T09:59:00Z"),
    "hx_s03": ("hx_c03", "2024-01-10T09:59:00Z"),
    "hx_s04": ("hx_c04", "2024-01-10T09:59:00Z"),
    "hx_s05": ("hx_c05", "2024-01-10T09:59:00Z"),
    "hx_s06": ("hx_c06", "2024-01-10T09:59:00Z"),
    "hx_s07": ("hx_c07", "2024-01-10T09:59:00Z"),
    "hx_s08": ("hx_c08", "2024-01-10T09:59:00Z"),
    "hx_s09": ("hx_c09", "2024-01-10T09:59:00Z"),
    "hx_s10": ("hx_c10", "2024-01-10T09:59:00Z"),
    "hx_s11": ("hx_c11", "2024-01-10T09:59:00Z"),
    "hx_s20": ("hx_c20", "2024-01-10T09:59:00Z"),
    "hx_s21": ("hx_c20", "2024-01-11T09:00:00Z"),
    "hx_s22": ("hx_c22", "2024-01-10T11:00:00Z"),
    "hx_s23": ("hx_c22", "2024-01-10T11:01:00Z"),
    # The day after the generated period: the end of the data.
    "hx_s30": ("hx_c30", "2024-04-01T10:00:00Z"),
    "hx_s31": ("hx_c31", "2024-04-01T10:01:00Z"),
    "hx_s32": ("hx_c32", "2024-04-01T09:35:00Z"),
    "hx_s33": ("hx_c33", "2024-04-01T09:35:01Z"),
    "hx_s34": ("hx_c34", "2024-04-01T09:50:00Z"),
}

DATA_ENDS_AT = "2024-04-01T10:05:00Z"
"""The latest event of all (hx_e31d): the end of the data of the build with these rows."""

# (event_id, session, time on the session's day, event_type, page, product_id), in file order.
_EVENTS = [
    # Ties: four events in the same second; event_id puts the cart before the view.
    ("hx_e01b", "hx_s01", "10:00:00", "view_item", "product", "px_hand"),
    ("hx_e01a", "hx_s01", "10:00:00", "add_to_cart", "", "px_hand"),
    ("hx_e01c", "hx_s01", "10:00:00", "begin_checkout", "", ""),
    ("hx_e01d", "hx_s01", "10:00:30", "purchase", "", ""),
    # Rows out of order in the file.
    ("hx_e02d", "hx_s02", "10:03:00", "purchase", "", ""),
    ("hx_e02c", "hx_s02", "10:02:00", "begin_checkout", "", ""),
    ("hx_e02b", "hx_s02", "10:00:40", "add_to_cart", "", "px_other"),
    ("hx_e02a", "hx_s02", "10:00:00", "view_item", "product", "px_other"),
    # An excluded event between steps 1 and 2.
    ("hx_e03a", "hx_s03", "10:00:00", "view_item", "product", ""),
    ("hx_e03b", "hx_s03", "10:00:10", "search", "", ""),
    ("hx_e03c", "hx_s03", "10:00:20", "add_to_cart", "", ""),
    ("hx_e03d", "hx_s03", "10:00:30", "begin_checkout", "", ""),
    # An excluded event in the same second as step 2: not between two steps.
    ("hx_e04a", "hx_s04", "10:00:00", "view_item", "product", ""),
    ("hx_e04b", "hx_s04", "10:00:20", "add_to_cart", "", ""),
    ("hx_e04c", "hx_s04", "10:00:20", "search", "", ""),
    ("hx_e04d", "hx_s04", "10:00:40", "begin_checkout", "", ""),
    # Exactly at the edges: 60 s to the cart, 600 s from step 1 to the purchase.
    ("hx_e05a", "hx_s05", "10:00:00", "view_item", "product", ""),
    ("hx_e05b", "hx_s05", "10:01:00", "add_to_cart", "", ""),
    ("hx_e05c", "hx_s05", "10:09:59", "begin_checkout", "", ""),
    ("hx_e05d", "hx_s05", "10:10:00", "purchase", "", ""),
    # One second past the cart's limit; the strict checkout exactly 120 s after the cart.
    ("hx_e06a", "hx_s06", "10:00:00", "view_item", "product", ""),
    ("hx_e06b", "hx_s06", "10:01:01", "add_to_cart", "", ""),
    ("hx_e06c", "hx_s06", "10:03:01", "begin_checkout", "", ""),
    # One second past the conversion window.
    ("hx_e07a", "hx_s07", "10:00:00", "view_item", "product", ""),
    ("hx_e07b", "hx_s07", "10:00:30", "add_to_cart", "", ""),
    ("hx_e07c", "hx_s07", "10:05:00", "begin_checkout", "", ""),
    ("hx_e07d", "hx_s07", "10:10:01", "purchase", "", ""),
    # Strict broken by an intervening page view; a later attempt goes further, until its
    # checkout comes 121 s after the cart.
    ("hx_e08a", "hx_s08", "10:00:00", "view_item", "product", ""),
    ("hx_e08b", "hx_s08", "10:00:10", "page_view", "home", ""),
    ("hx_e08c", "hx_s08", "10:00:20", "add_to_cart", "", ""),
    ("hx_e08d", "hx_s08", "10:00:30", "begin_checkout", "", ""),
    ("hx_e08e", "hx_s08", "10:01:00", "view_item", "product", ""),
    ("hx_e08f", "hx_s08", "10:01:10", "add_to_cart", "", ""),
    ("hx_e08g", "hx_s08", "10:03:11", "begin_checkout", "", ""),
    # Any order: the second step exactly at the 300 s window, the third 1 s past it.
    ("hx_e09a", "hx_s09", "10:00:00", "add_to_cart", "", "px_hand"),
    ("hx_e09b", "hx_s09", "10:05:00", "page_view", "help", ""),
    ("hx_e09c", "hx_s09", "10:05:01", "wishlist_add", "", ""),
    # Any order: an excluded event between the first and second step; a cart of another
    # category is no step.
    ("hx_e10a", "hx_s10", "10:00:00", "wishlist_add", "", ""),
    ("hx_e10b", "hx_s10", "10:00:10", "add_to_cart", "", "px_other"),
    ("hx_e10c", "hx_s10", "10:00:30", "review_read", "", ""),
    ("hx_e10d", "hx_s10", "10:01:00", "page_view", "help", ""),
    # Any order: every step and an excluded event in one second.
    ("hx_e11a", "hx_s11", "10:00:00", "page_view", "help", ""),
    ("hx_e11b", "hx_s11", "10:00:00", "wishlist_add", "", ""),
    ("hx_e11c", "hx_s11", "10:00:00", "review_read", "", ""),
    ("hx_e11d", "hx_s11", "10:00:00", "add_to_cart", "", "px_hand"),
    # A customer across sessions: the checkout a day later, past the 600 s window.
    ("hx_e20a", "hx_s20", "10:00:00", "view_item", "product", ""),
    ("hx_e20b", "hx_s20", "10:00:50", "add_to_cart", "", ""),
    ("hx_e21a", "hx_s21", "09:00:10", "begin_checkout", "", ""),
    ("hx_e21b", "hx_s21", "09:01:00", "purchase", "", ""),
    # A customer whose strict funnel continues in the next session, 70 s after the cart.
    ("hx_e22a", "hx_s22", "11:00:10", "view_item", "product", ""),
    ("hx_e22b", "hx_s22", "11:00:20", "add_to_cart", "", ""),
    ("hx_e23a", "hx_s23", "11:01:30", "begin_checkout", "", ""),
    # Still running at the end of the data (last event 4.5 min before it), at the cart: in
    # progress at the checkout (cart_checkout) and at the checkout step (strict_cart).
    ("hx_e30a", "hx_s30", "10:00:00", "view_item", "product", ""),
    ("hx_e30b", "hx_s30", "10:00:30", "add_to_cart", "", ""),
    # Still running at the end (its purchase is the data's last event) but completed: not
    # in progress in cart_checkout or strict_cart, however open.
    ("hx_e31a", "hx_s31", "10:01:00", "view_item", "product", ""),
    ("hx_e31b", "hx_s31", "10:01:20", "add_to_cart", "", ""),
    ("hx_e31c", "hx_s31", "10:02:00", "begin_checkout", "", ""),
    ("hx_e31d", "hx_s31", "10:05:00", "purchase", "", ""),
    # Last event exactly the 30 min timeout before the end: closed; one second later: open.
    ("hx_e32a", "hx_s32", "09:35:00", "view_item", "product", ""),
    ("hx_e33a", "hx_s33", "09:35:01", "view_item", "product", ""),
    # hx_s34 has no event: open by its start, 15 min before the end.
]


def _day(session: str) -> str:
    return SESSIONS[session][1][:10]


EVENTS = [
    {
        "event_id": event_id,
        "session_id": session,
        "event_at": f"{_day(session)}T{clock}Z",
        "event_type": kind,
        "page": page,
        "product_id": product,
    }
    for event_id, session, clock, kind, page, product in _EVENTS
]

CUSTOMERS = [
    {
        "customer_id": customer,
        "signup_at": "2024-01-01T00:00:00Z",
        "country": "NL",
        "email": f"{customer}@example.org",
    }
    for customer in dict.fromkeys(customer for customer, _ in SESSIONS.values())
]

SESSION_ROWS = [
    {
        "session_id": session,
        "customer_id": customer,
        "session_start_at": start,
        "device": "desktop",
        "traffic_source": "direct",
        "country": "NL",
    }
    for session, (customer, start) in SESSIONS.items()
]

ROWS = {
    "customers": CUSTOMERS,
    "products": PRODUCTS,
    "sessions": SESSION_ROWS,
    "events": EVENTS,
}
"""The rows to append, per file."""

# (funnel, level, unit) -> the furthest step reached.
EXPECTED = {
    ("cart_checkout", "session", "hx_s01"): 4,
    ("strict_cart", "session", "hx_s01"): 1,
    ("any_order", "session", "hx_s01"): 1,
    ("cart_checkout", "session", "hx_s02"): 4,
    ("strict_cart", "session", "hx_s02"): 3,
    ("cart_checkout", "session", "hx_s03"): 1,
    ("strict_cart", "session", "hx_s03"): 1,
    ("cart_checkout", "session", "hx_s04"): 3,
    ("strict_cart", "session", "hx_s04"): 2,
    ("cart_checkout", "session", "hx_s05"): 4,
    ("strict_cart", "session", "hx_s05"): 2,
    ("cart_checkout", "session", "hx_s06"): 1,
    ("strict_cart", "session", "hx_s06"): 3,
    ("cart_checkout", "session", "hx_s07"): 3,
    ("cart_checkout", "session", "hx_s08"): 3,
    ("strict_cart", "session", "hx_s08"): 2,
    ("any_order", "session", "hx_s09"): 2,
    ("any_order", "session", "hx_s10"): 1,
    ("any_order", "session", "hx_s11"): 3,
    ("cart_checkout", "session", "hx_s20"): 2,
    ("cart_checkout", "session", "hx_s21"): 0,
    ("cart_checkout", "customer", "hx_c20"): 2,
    ("strict_cart", "customer", "hx_c20"): 2,
    ("strict_cart", "session", "hx_s22"): 2,
    ("strict_cart", "session", "hx_s23"): 0,
    ("strict_cart", "customer", "hx_c22"): 3,
    ("cart_checkout", "session", "hx_s30"): 2,
    ("strict_cart", "session", "hx_s30"): 2,
    ("cart_checkout", "session", "hx_s31"): 4,
    ("strict_cart", "session", "hx_s31"): 3,
    ("cart_checkout", "session", "hx_s32"): 1,
    ("cart_checkout", "session", "hx_s34"): 0,
    ("cart_checkout", "customer", "hx_c30"): 2,
    ("cart_checkout", "customer", "hx_c31"): 4,
}

# (level, unit) -> whether its window is still open at DATA_ENDS_AT (the same for every
# funnel). Customers' windows are customer_behaviour__conversion_window_days (7) long.
EXPECTED_OPEN = {
    ("session", "hx_s01"): False,
    ("session", "hx_s30"): True,
    ("session", "hx_s31"): True,
    ("session", "hx_s32"): False,
    ("session", "hx_s33"): True,
    ("session", "hx_s34"): True,
    ("customer", "hx_c20"): False,
    ("customer", "hx_c30"): True,
    ("customer", "hx_c31"): True,
}
