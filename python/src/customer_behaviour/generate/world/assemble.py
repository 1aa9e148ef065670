"""The whole world, drawn part by part: products, visitors, orders, events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from customer_behaviour.generate.config import GeneratorConfig, validate
from customer_behaviour.generate.world.draws import streams
from customer_behaviour.generate.world.events import Events, last_event_at, make_events
from customer_behaviour.generate.world.orders import Orders, place_orders, plan_orders
from customer_behaviour.generate.world.products import Products, make_products
from customer_behaviour.generate.world.visitors import Customers, Sessions, make_visitors


@dataclass(frozen=True)
class IdSpec:
    """How an entity's ids are written: ``prefix`` + the number zero-padded to ``width``."""

    prefix: str
    width: int

    @classmethod
    def sized(cls, prefix: str, min_width: int, count: int) -> IdSpec:
        """At least ``min_width`` digits, more when ``count`` needs them."""
        return cls(prefix, max(min_width, len(str(count))))


@dataclass(frozen=True)
class Ids:
    customer: IdSpec
    product: IdSpec
    session: IdSpec
    event: IdSpec
    order: IdSpec

    def of_table(self, table: str) -> IdSpec | None:
        """The ids of a table's single key column; None for order_items (two keys)."""
        return {
            "customers": self.customer,
            "products": self.product,
            "sessions": self.session,
            "events": self.event,
            "orders": self.order,
        }.get(table)


@dataclass(frozen=True)
class World:
    """Everything the tables hold, as numbers (text is only made when rows are written)."""

    config: GeneratorConfig
    epoch: np.datetime64
    products: Products
    customers: Customers
    sessions: Sessions
    events: Events
    orders: Orders
    ids: Ids

    def n_rows(self, table: str) -> int:
        """Clean rows of a table."""
        return {
            "customers": len(self.customers.listed),
            "products": len(self.products.price_cents),
            "sessions": len(self.sessions.start),
            "events": len(self.events.session),
            "orders": len(self.orders.session),
            "order_items": len(self.orders.line_order),
        }[table]


def product_ids(n_products: int) -> IdSpec:
    """Product ids: ``p`` and at least four digits."""
    return IdSpec.sized("p", 4, n_products)


def make_world(config: GeneratorConfig, on_sessions: Callable[[int], object]) -> World:
    """Draw everything the tables hold; ``on_sessions(k)`` hears of k more sessions' events."""
    start = validate(config)
    rng = streams(config.seed)
    products = make_products(rng.products, config.product_count)
    sessions, customers = make_visitors(rng.customers, rng.sessions, config)
    plan = plan_orders(rng.orders, config, products, sessions, customers)
    cart_product = plan.first_cart_products(config.n_sessions)
    events = make_events(rng.events, sessions, cart_product, products, on_sessions)
    orders = place_orders(plan, sessions, products, last_event_at(sessions, events))
    ids = Ids(
        customer=IdSpec.sized("c", 6, len(customers.signup)),
        product=product_ids(len(products.price_cents)),
        session=IdSpec.sized("s", 7, config.n_sessions),
        event=IdSpec.sized("e", 8, len(events.session)),
        order=IdSpec.sized("o", 7, len(orders.session)),
    )
    return World(
        config=config,
        epoch=np.datetime64(start.isoformat(), "s"),
        products=products,
        customers=customers,
        sessions=sessions,
        events=events,
        orders=orders,
        ids=ids,
    )
