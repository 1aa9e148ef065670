"""The simulated shop, as numbers: products, customers, sessions, events and orders.

``make_world`` draws it (``assemble``) from one random stream per concern (``draws``); the
parts are ``products``, ``visitors`` (customers and sessions), ``orders`` and ``events``,
drawing from the vocabularies in ``vocabulary``. Text is made later, by ``formats``.

Planted behaviour (what the analytics layer should find)
--------------------------------------------------------
Sessions and events
    Each session has a latent engagement that sets its ``event_count`` (1 to 40; 1% of
    sessions have no events at all). The ordered funnel page_view -> add_to_cart ->
    checkout -> purchase is walked step by step with logistic probabilities that rise
    with the event count, so purchase is strongly (and logistically) driven by
    ``event_count``. Idle time between events is drawn independently of the outcome,
    so session duration adds nothing once the event count is known, and the delay
    between ``session_start_at`` and the first event (0-120 s; for 1% of sessions a
    few seconds *before* the start) is unrelated to purchase. Buyers' sessions hold
    page_view, add_to_cart, checkout and purchase in that order (purchase last);
    non-buyers drop off after the page views (most), after the cart or after checkout.
    Non-funnel interactions are ``search``, ``wishlist_add`` and ``review_read``; page
    views carry a lower-case ``page`` and product-related events a ``product_id``.
Segments
    The checkout -> purchase rate on mobile is about half of desktop's (tablet in
    between). Countries (8 ISO codes) and traffic sources shift conversion up or down.
Customers
    About 15% of sessions are anonymous (empty customer_id); known customers have several
    sessions, and returning visits (session_number >= 2) convert clearly better than
    first visits, so customer-level conversion is far above session-level conversion.
    About 1% of sessions name a customer_id that is absent from customers.csv (valid,
    kept by staging). ``signup_at`` is at least a minute before a customer's first session.
Quirks (valid data)
    About 1% of sessions log an add_to_cart that is timestamped before the first
    page_view (written after it in the file: the ordered funnel must not count it), and
    about 1% hold two events with the same ``event_at``. About 5% of timestamps are
    written without a zone (``2024-01-03 10:15:42``, UTC by the contract).
Orders and baskets
    Every purchase session has exactly one order (ordered_at = the purchase event time);
    about 5% of them are cancelled, and about 1% extra orders are placed outside web
    sessions (empty session_id, a listed customer). At least 75% of orders have a single
    line, the rest 2-4; quantities are mostly 1. ``planted_pairs`` names 4 product pairs:
    an order holding one of a pair holds the other about 60% of the time (lift >> 1).
    Order totals are the sum of quantity x unit price, and unit price is the product's
    price.
Purchase styles
    Buyers (customers; anonymous visitors per session) are ``cheap_many`` (cheap tier,
    $2-49, more lines and units) or ``expensive_few`` (expensive tier, $89-1,999, mostly
    single units), half and half. Styles do not change browsing: the event-count
    distribution is the same for both, and the number of lines and units depends on the
    style only. Among buyers, spend rises with the event count and falls with idle time
    (mean seconds between events) at equal engagement: a spend drive (+ log event count,
    - log idle time) raises the price rank within the tier, in both tiers. The quarter of
    each tier nearest the other tier is priced without the drive, so splitting buyers by
    item count and average item price (at the medians, as fct_sessions.purchase_style
    does) does not split them by engagement.
"""

from customer_behaviour.generate.world.assemble import IdSpec, World, make_world, product_ids

__all__ = ["IdSpec", "World", "make_world", "product_ids"]
