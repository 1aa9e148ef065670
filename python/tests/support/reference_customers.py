"""An independent pandas implementation of the customer marts.

Written from the model descriptions and the doc blocks in
models/docs/_customers_definitions.md, on top of reference.stage_all() (the
staged tables, `reason` NULL = accepted) and reference.sessions() (fct_sessions
recomputed). It shares no code with the SQL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

STYLES = ["cheap_many", "expensive_few", "mixed", "unknown"]


def _accepted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["reason"].isna()]


def _month(value: datetime | date) -> date:
    return date(value.year, value.month, 1)


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if len(values) else None


def customer_orders(staged: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Completed accepted orders with their customer (own, else the session's), items, amount."""
    sessions = _accepted(staged["sessions"])
    session_customer = dict(zip(sessions["session_id"], sessions["customer_id"], strict=True))
    items = _accepted(staged["order_items"])
    per_order: dict[str, tuple[int, Decimal]] = {}
    for order_id, quantity, price in items[["order_id", "quantity", "unit_price_usd"]].itertuples(
        index=False
    ):
        count, amount = per_order.get(order_id, (0, Decimal(0)))
        per_order[order_id] = (count + quantity, amount + quantity * price)
    orders = _accepted(staged["orders"])
    orders = orders[orders["status"] == "completed"]
    rows = []
    for order in orders.to_dict("records"):
        customer = order["customer_id"]
        if customer is None and order["session_id"] is not None:
            customer = session_customer.get(order["session_id"])
        if customer is None:
            continue
        count, amount = per_order.get(order["order_id"], (0, Decimal(0)))
        rows.append(
            {
                "order_id": order["order_id"],
                "customer_id": customer,
                "session_id": order["session_id"],
                "ordered_at": order["ordered_at"],
                "order_date": order["ordered_at"].date(),
                "items": count,
                "amount": amount,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "order_id",
            "customer_id",
            "session_id",
            "ordered_at",
            "order_date",
            "items",
            "amount",
        ],
    )
    # Python compares str by code point: the byte order of UTF-8.
    frame = frame.sort_values(["customer_id", "ordered_at", "order_id"], kind="mergesort")
    frame["order_number"] = frame.groupby("customer_id").cumcount() + 1
    return frame.reset_index(drop=True)


def customer_ids(staged: dict[str, pd.DataFrame]) -> set[str]:
    """Every customer_id of accepted customers, sessions and orders (any status)."""
    ids: set[str] = set()
    for table in ("customers", "sessions", "orders"):
        ids |= set(_accepted(staged[table])["customer_id"].dropna())
    return ids


def dim_customers(staged: dict[str, pd.DataFrame], sessions: pd.DataFrame) -> pd.DataFrame:
    customers = _accepted(staged["customers"]).set_index("customer_id")
    orders = customer_orders(staged)
    identified = sessions[sessions["customer_id"].notna()]
    sessions_by_customer = dict(tuple(identified.groupby("customer_id")))
    orders_by_customer = dict(tuple(orders.groupby("customer_id")))
    rows = []
    for customer_id in sorted(customer_ids(staged)):
        known = customer_id in customers.index
        own_sessions = sessions_by_customer.get(customer_id)
        own_orders = orders_by_customer.get(customer_id)
        row: dict[str, object] = {
            "customer_id": customer_id,
            "is_known_customer": known,
            "country": customers.loc[customer_id, "country"] if known else None,
            "signup_at": customers.loc[customer_id, "signup_at"] if known else None,
            "email_hash": customers.loc[customer_id, "email_hash"] if known else None,
            "first_session_at": None,
            "last_session_at": None,
            "n_sessions": 0,
            "n_purchase_sessions": 0,
            "preferred_device": None,
            "n_orders": 0,
            "total_revenue_usd": 0.0,
            "avg_order_value_usd": None,
            "first_order_at": None,
            "last_order_at": None,
            "distinct_order_days": 0,
            "sessions_before_first_purchase": None,
            "days_from_first_session_to_first_order": None,
        }
        if own_sessions is not None:
            counts = own_sessions["device"].value_counts()
            row.update(
                first_session_at=own_sessions["session_start_at"].min(),
                last_session_at=own_sessions["session_start_at"].max(),
                n_sessions=len(own_sessions),
                n_purchase_sessions=int(own_sessions["did_purchase"].sum()),
                preferred_device=min(counts.index, key=lambda device: (-counts[device], device)),
            )
        if own_orders is not None:
            revenue = sum(own_orders["amount"], Decimal(0))
            first = own_orders.iloc[0]
            before = 0
            if own_sessions is not None:
                before = int(
                    (
                        (own_sessions["session_start_at"] < first["ordered_at"])
                        & (own_sessions["session_id"] != first["session_id"])
                    ).sum()
                )
            row.update(
                n_orders=len(own_orders),
                total_revenue_usd=float(revenue),
                avg_order_value_usd=float(revenue / len(own_orders)),
                first_order_at=first["ordered_at"],
                last_order_at=own_orders["ordered_at"].max(),
                distinct_order_days=own_orders["order_date"].nunique(),
                sessions_before_first_purchase=before,
            )
            if row["first_session_at"] is not None:
                row["days_from_first_session_to_first_order"] = (
                    first["ordered_at"].date() - row["first_session_at"].date()
                ).days
        row["is_buyer"] = row["n_orders"] > 0
        row["is_repeat_buyer"] = row["n_orders"] >= 2
        rows.append(row)
    return pd.DataFrame(rows)


def as_of_date(staged: dict[str, pd.DataFrame]) -> date | None:
    """The date of the latest accepted event or order (any status)."""
    times = list(_accepted(staged["events"])["event_at"]) + list(
        _accepted(staged["orders"])["ordered_at"]
    )
    return max(times).date() if times else None


def _quintiles(values: pd.Series, ids: pd.Series, descending: bool) -> pd.Series:
    """ntile(5) over (value, id), then equal values share the lowest quintile."""
    frame = pd.DataFrame({"value": values.to_numpy(), "id": ids.to_numpy()})
    frame["sort_value"] = -frame["value"] if descending else frame["value"]
    ordered = frame.sort_values(["sort_value", "id"], kind="mergesort")
    n = len(ordered)
    size, extra = divmod(n, 5)
    bucket = []
    for group in range(1, 6):
        bucket += [group] * (size + (1 if group <= extra else 0))
    ordered["quintile"] = bucket
    ordered["score"] = ordered.groupby("value")["quintile"].transform("min")
    return ordered["score"].reindex(frame.index).set_axis(values.index)


def rfm_segment(r: int, f: int, m: int) -> str:
    if r >= 4 and f >= 4 and m >= 4:
        return "champions"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4:
        return "new"
    if r == 3:
        return "promising"
    if f >= 3:
        return "at_risk"
    return "hibernating"


def customer_rfm(staged: dict[str, pd.DataFrame], as_of: date | None = None) -> pd.DataFrame:
    as_of = as_of or as_of_date(staged)
    orders = customer_orders(staged)
    orders = orders[orders["order_date"] <= as_of] if as_of else orders.iloc[0:0]
    grouped = orders.groupby("customer_id")
    frame = pd.DataFrame(
        {
            "last_order_at": grouped["ordered_at"].max(),
            "frequency": grouped.size(),
            "monetary": grouped["amount"].agg(lambda s: sum(s, Decimal(0))),
        }
    ).reset_index()
    frame["as_of_date"] = as_of
    frame["recency_days"] = [(as_of - at.date()).days for at in frame["last_order_at"]]
    frame["r_score"] = _quintiles(frame["recency_days"], frame["customer_id"], descending=True)
    frame["f_score"] = _quintiles(frame["frequency"], frame["customer_id"], descending=False)
    frame["m_score"] = _quintiles(
        frame["monetary"].map(float), frame["customer_id"], descending=False
    )
    frame["rfm_code"] = [
        f"{r}{f}{m}"
        for r, f, m in zip(frame["r_score"], frame["f_score"], frame["m_score"], strict=True)
    ]
    frame["rfm_segment"] = [
        rfm_segment(r, f, m)
        for r, f, m in zip(frame["r_score"], frame["f_score"], frame["m_score"], strict=True)
    ]
    frame["monetary_usd"] = frame["monetary"].map(float)
    return frame.drop(columns="monetary")


def conversion_levels(sessions: pd.DataFrame, dim: pd.DataFrame) -> pd.DataFrame:
    preferred = dict(zip(dim["customer_id"], dim["preferred_device"], strict=True))
    base = sessions[["session_id", "customer_id", "country", "did_purchase"]]
    segments = {
        "overall": pd.Series("all", index=base.index),
        "country": base["country"],
        # The breakdown rule of every segmented mart: a missing value is 'unknown' (anonymous
        # sessions have no customer, so no preferred device).
        "preferred_device": base["customer_id"]
        .map(lambda c: None if c is None or pd.isna(c) else preferred[c])
        .fillna("unknown"),
    }
    rows = []
    for segment_type, values in segments.items():
        for segment_value, part in base.groupby(values):
            identified = part[part["customer_id"].notna()]
            per_customer = identified.groupby("customer_id")["did_purchase"].any()
            n_sessions = len(part)
            n_purchase = int(part["did_purchase"].sum())
            n_customers = len(per_customer)
            session_rate = n_purchase / n_sessions
            customer_rate = per_customer.mean() if n_customers else None
            rows.append(
                {
                    "segment_type": segment_type,
                    "segment_value": segment_value,
                    "n_sessions": n_sessions,
                    "n_purchase_sessions": n_purchase,
                    "session_conversion_rate": session_rate,
                    "n_anonymous_sessions": n_sessions - len(identified),
                    "anonymous_session_share": (n_sessions - len(identified)) / n_sessions,
                    "n_identified_sessions": len(identified),
                    "n_identified_purchase_sessions": int(identified["did_purchase"].sum()),
                    "identified_session_conversion_rate": (
                        identified["did_purchase"].mean() if len(identified) else None
                    ),
                    "n_customers": n_customers,
                    "n_converted_customers": int(per_customer.sum()),
                    "customer_conversion_rate": customer_rate,
                    "customer_to_session_conversion_ratio": (
                        customer_rate / session_rate
                        if customer_rate is not None and session_rate > 0
                        else None
                    ),
                    "avg_sessions_per_customer": (
                        len(identified) / n_customers if n_customers else None
                    ),
                }
            )
    return pd.DataFrame(rows)


def cohort_retention(sessions: pd.DataFrame) -> pd.DataFrame:
    if sessions.empty:
        return pd.DataFrame()
    last_month = _month(sessions["session_start_at"].max())
    identified = sessions[sessions["customer_id"].notna()]
    cohort_of = identified.groupby("customer_id")["session_start_at"].min().map(_month)
    active: dict[tuple[date, int], set[str]] = {}
    for customer_id, start in identified[["customer_id", "session_start_at"]].itertuples(
        index=False
    ):
        cohort = cohort_of[customer_id]
        offset = _months_between(cohort, _month(start))
        active.setdefault((cohort, offset), set()).add(customer_id)
    rows = []
    for cohort, size in cohort_of.value_counts().items():
        for offset in range(_months_between(cohort, last_month) + 1):
            n_active = len(active.get((cohort, offset), set()))
            year, month = divmod(cohort.month - 1 + offset, 12)
            rows.append(
                {
                    "cohort_month": cohort,
                    "months_since_first_session": offset,
                    "activity_month": date(cohort.year + year, month + 1, 1),
                    "n_cohort_customers": size,
                    "n_active_customers": n_active,
                    "retention_rate": n_active / size,
                }
            )
    return pd.DataFrame(rows)


def repeat_purchase(staged: dict[str, pd.DataFrame]) -> pd.DataFrame:
    orders = customer_orders(staged)
    rows = []
    for customer_id, part in orders.groupby("customer_id"):
        first = part.iloc[0]["ordered_at"]
        second = part.iloc[1]["ordered_at"] if len(part) > 1 else None
        rows.append(
            {
                "customer_id": customer_id,
                "first_order_month": _month(first),
                "days": (second.date() - first.date()).days if second is not None else None,
            }
        )
    buyers = pd.DataFrame(rows, columns=["customer_id", "first_order_month", "days"])
    result = []
    for month, part in buyers.groupby("first_order_month"):
        repeat = part["days"].dropna()
        result.append(
            {
                "first_order_month": month,
                "n_buyers": len(part),
                "n_repeat_buyers": len(repeat),
                "repeat_rate": len(repeat) / len(part),
                "median_days_first_to_second_order": _median(list(repeat)),
            }
        )
    return pd.DataFrame(result)


def _price(amount: float, items: int) -> float:
    """avg_item_price_usd as stored: amount / items rounded to 6 decimals."""
    exact = Decimal(repr(amount)) / items
    return float(exact.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


def purchase_styles(sessions: pd.DataFrame) -> tuple[pd.Series, float | None, float | None]:
    """purchase_style per session_id, and the items and price medians it cuts at."""
    buying = sessions[sessions["n_orders"] > 0]
    priced = buying[buying["items_purchased"] > 0]
    prices = {
        session_id: _price(amount, items)
        for session_id, amount, items in priced[
            ["session_id", "amount_usd", "items_purchased"]
        ].itertuples(index=False)
    }
    items_median = _median(list(priced["items_purchased"].astype(float)))
    price_median = _median(list(prices.values()))
    styles = {}
    for session_id, n_orders, items in sessions[
        ["session_id", "n_orders", "items_purchased"]
    ].itertuples(index=False):
        if n_orders == 0:
            style = None
        elif items == 0:
            style = "unknown"
        elif items > items_median and prices[session_id] < price_median:
            style = "cheap_many"
        elif items <= items_median and prices[session_id] >= price_median:
            style = "expensive_few"
        else:
            style = "mixed"
        styles[session_id] = style
    return pd.Series(styles, name="purchase_style"), items_median, price_median


def purchase_style_summary(sessions: pd.DataFrame) -> pd.DataFrame:
    styles, items_median, price_median = purchase_styles(sessions)
    frame = sessions.assign(purchase_style=sessions["session_id"].map(styles))
    buying = frame[frame["purchase_style"].notna()]
    rows = []
    for order, style in enumerate(STYLES, start=1):
        part = buying[buying["purchase_style"] == style]
        prices = [
            _price(amount, items)
            for amount, items in part[["amount_usd", "items_purchased"]].itertuples(index=False)
            if items > 0
        ]
        row: dict[str, object] = {
            "purchase_style": style,
            "style_order": order,
            "n_sessions": len(part),
            "share_of_purchasing_sessions": len(part) / len(buying) if len(buying) else None,
            "total_amount_usd": float(part["amount_usd"].sum()),
            "median_items_purchased_threshold": items_median,
            "median_avg_item_price_usd_threshold": price_median,
            "mean_avg_item_price_usd": float(np.mean(prices)) if prices else None,
            "median_avg_item_price_usd": _median(prices),
        }
        for column in ("session_seconds", "event_count", "items_purchased", "amount_usd"):
            values = list(part[column].astype(float))
            row[f"mean_{column}"] = float(np.mean(values)) if values else None
            row[f"median_{column}"] = _median(values)
        rows.append(row)
    return pd.DataFrame(rows)
