"""The benchmark's notebook anchor: pandas computing the same core marts from the CSVs.

    python python/bench/anchor_notebook.py --data DIR --out DIR

What an analyst's notebook does with the six CSVs and no warehouse: read them whole, then
the sessions gold table with the ordered funnel, funnels by segment, paths and customers, by
the same rules as the SQL anchor (python/bench/anchors/) and the marts, on clean input and
the default funnel and path settings. ``--out`` receives one pickle per table
(sessions.pkl, funnel.pkl, paths.pkl, customers.pkl) for anchor_check.py. The benchmark
times the whole process and its peak memory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

FUNNEL_STEPS = ("page_view", "add_to_cart", "checkout", "purchase")
SEGMENTS = ("device", "country", "traffic_source")
PATH_MAX_STEPS = 10


def read(data: Path, table: str, timestamps: tuple[str, ...] = ()) -> pd.DataFrame:
    path = data / f"{table}.csv"
    if not path.is_file():
        sys.exit(f"notebook: {path} is missing (the folder must hold the six CSVs)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    for column in timestamps:
        # Timestamps without an offset are UTC (the input contract).
        parsed = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        frame[column] = parsed.dt.tz_localize(None)
    return frame


def completed_orders(orders: pd.DataFrame, order_items: pd.DataFrame) -> pd.DataFrame:
    items = order_items.assign(
        quantity=order_items["quantity"].astype("int64"),
        unit_price_usd=order_items["unit_price_usd"].astype(float),
    )
    items["line_amount_usd"] = items["quantity"] * items["unit_price_usd"]
    lines = items.groupby("order_id").agg(
        items_purchased=("quantity", "sum"), amount_usd=("line_amount_usd", "sum")
    )
    completed = orders[orders["status"] == "completed"]
    completed = completed.merge(lines, how="left", left_on="order_id", right_index=True)
    completed["items_purchased"] = completed["items_purchased"].fillna(0).astype("int64")
    completed["amount_usd"] = completed["amount_usd"].fillna(0.0)
    return completed


def funnel_step_reached(events: pd.DataFrame, session_ids: pd.Series) -> pd.Series:
    """Per session: the last ordered step reached (an event of step k's type at or after
    the moment step k-1 was first reached)."""
    reached = pd.Series(0, index=session_ids, dtype="int64")
    previous: pd.DataFrame | None = None
    for number, step in enumerate(FUNNEL_STEPS, start=1):
        candidates = events.loc[events["event_type"] == step, ["session_id", "event_at"]]
        if previous is not None:
            candidates = candidates.merge(previous, on="session_id")
            candidates = candidates[candidates["event_at"] >= candidates["reached_at"]]
        previous = (
            candidates.groupby("session_id", as_index=False)["event_at"]
            .min()
            .rename(columns={"event_at": "reached_at"})
        )
        reached[reached.index.isin(previous["session_id"])] = number
    return reached


def sessions_table(
    sessions: pd.DataFrame, events: pd.DataFrame, completed: pd.DataFrame
) -> pd.DataFrame:
    per_session = events.groupby("session_id").agg(
        first_event_at=("event_at", "min"),
        last_event_at=("event_at", "max"),
        event_count=("event_id", "size"),
    )
    type_counts = pd.crosstab(events["session_id"], events["event_type"])
    for step in FUNNEL_STEPS:
        counts = type_counts[step] if step in type_counts else 0
        per_session[f"{step}_count"] = counts
    orders = (
        completed[completed["session_id"].notna()]
        .groupby("session_id")
        .agg(
            n_orders=("order_id", "size"),
            items_purchased=("items_purchased", "sum"),
            amount_usd=("amount_usd", "sum"),
        )
    )
    table = sessions.merge(per_session, how="left", left_on="session_id", right_index=True)
    table = table.merge(orders, how="left", left_on="session_id", right_index=True)
    for column in ("device", "country"):
        table[column] = table[column].fillna("unknown")
    table["traffic_source"] = table["traffic_source"].str.lower().fillna("unknown")
    table["session_start_at"] = table[["session_start_at", "first_event_at"]].min(axis=1)
    count_columns = ["event_count", *[f"{step}_count" for step in FUNNEL_STEPS]]
    for column in [*count_columns, "n_orders", "items_purchased"]:
        table[column] = table[column].fillna(0).astype("int64")
    table["amount_usd"] = table["amount_usd"].fillna(0.0)
    table["did_purchase"] = table["n_orders"] > 0
    reached = funnel_step_reached(events, table["session_id"])
    table["funnel_step_reached"] = reached.loc[table["session_id"]].to_numpy()
    ordered = table.sort_values(["session_start_at", "session_id"], kind="mergesort")
    known = ordered["customer_id"].notna()
    numbers = ordered[known].groupby("customer_id").cumcount() + 1
    table["session_number"] = numbers.reindex(table.index).astype("Int64")
    return table[
        [
            "session_id",
            "customer_id",
            "device",
            "traffic_source",
            "country",
            "session_start_at",
            "first_event_at",
            "last_event_at",
            *count_columns,
            "funnel_step_reached",
            "n_orders",
            "did_purchase",
            "items_purchased",
            "amount_usd",
            "session_number",
        ]
    ]


def funnel_table(sessions: pd.DataFrame) -> pd.DataFrame:
    breakdowns = [sessions.assign(segment_type="overall", segment_value="all")]
    breakdowns += [
        sessions.assign(segment_type=segment, segment_value=sessions[segment])
        for segment in SEGMENTS
    ]
    long = pd.concat(breakdowns)[["segment_type", "segment_value", "funnel_step_reached"]]
    grouped = long.groupby(["segment_type", "segment_value"])["funnel_step_reached"]
    rows = []
    for number, step in enumerate(FUNNEL_STEPS, start=1):
        counted = grouped.agg(
            segment_sessions="size", sessions=lambda reached, k=number: int((reached >= k).sum())
        ).reset_index()
        rows.append(counted.assign(step_number=number, step_name=step))
    funnel = pd.concat(rows, ignore_index=True)
    columns = ["segment_type", "segment_value", "step_number", "step_name"]
    return funnel[[*columns, "segment_sessions", "sessions"]]


def paths_table(events: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    label = np.where(
        (events["event_type"] == "page_view") & events["page"].notna(),
        events["page"],
        events["event_type"],
    )
    ordered = events.assign(label=label)
    same_session = ordered["session_id"].eq(ordered["session_id"].shift())
    new_step = ~(same_session & ordered["label"].eq(ordered["label"].shift()))
    steps = ordered.loc[new_step, ["session_id", "label"]]
    steps = steps.assign(step_position=steps.groupby("session_id").cumcount() + 1)
    step_count = steps.groupby("session_id").size()
    shown = steps[steps["step_position"] <= PATH_MAX_STEPS].groupby("session_id")["label"]
    per_session = pd.DataFrame({"shown": shown.agg(" > ".join), "step_count": step_count})
    per_session["is_truncated"] = per_session["step_count"] > PATH_MAX_STEPS
    per_session["path"] = per_session["shown"].where(
        ~per_session["is_truncated"], per_session["shown"] + " > ..."
    )
    per_session["path_length"] = per_session["step_count"].clip(upper=PATH_MAX_STEPS)
    purchased = sessions.set_index("session_id")["did_purchase"]
    per_session["did_purchase"] = purchased.reindex(per_session.index).to_numpy()
    paths = (
        per_session.groupby("path")
        .agg(
            path_length=("path_length", "max"),
            is_truncated=("is_truncated", "any"),
            sessions=("path_length", "size"),
            purchase_sessions=("did_purchase", "sum"),
        )
        .reset_index()
    )
    paths = paths.sort_values(["sessions", "path"], ascending=[False, True], kind="mergesort")
    paths["path_rank"] = np.arange(1, len(paths) + 1)
    return paths


def customers_table(
    customers: pd.DataFrame,
    sessions_raw: pd.DataFrame,
    orders: pd.DataFrame,
    completed: pd.DataFrame,
    sessions: pd.DataFrame,
) -> pd.DataFrame:
    ids = pd.concat([customers["customer_id"], sessions_raw["customer_id"], orders["customer_id"]])
    table = pd.DataFrame({"customer_id": ids.dropna().unique()})
    table["is_known_customer"] = table["customer_id"].isin(customers["customer_id"])
    table = table.merge(
        customers[["customer_id", "country", "signup_at"]], how="left", on="customer_id"
    )
    identified = sessions[sessions["customer_id"].notna()]
    session_figures = identified.groupby("customer_id").agg(
        first_session_at=("session_start_at", "min"),
        last_session_at=("session_start_at", "max"),
        n_sessions=("session_id", "size"),
        n_purchase_sessions=("did_purchase", "sum"),
    )
    devices = identified.groupby(["customer_id", "device"]).size().reset_index(name="n")
    devices = devices.sort_values(
        ["customer_id", "n", "device"], ascending=[True, False, True], kind="mergesort"
    )
    preferred = devices.drop_duplicates("customer_id").set_index("customer_id")["device"]
    session_customers = sessions_raw.set_index("session_id")["customer_id"]
    attributed = completed.assign(
        customer_id=completed["customer_id"].fillna(completed["session_id"].map(session_customers)),
        order_date=completed["ordered_at"].dt.normalize(),
    )
    attributed = attributed[attributed["customer_id"].notna()]
    order_figures = attributed.groupby("customer_id").agg(
        n_orders=("order_id", "size"),
        total_revenue_usd=("amount_usd", "sum"),
        first_order_at=("ordered_at", "min"),
        last_order_at=("ordered_at", "max"),
        distinct_order_days=("order_date", "nunique"),
    )
    table = table.merge(session_figures, how="left", left_on="customer_id", right_index=True)
    table = table.merge(order_figures, how="left", left_on="customer_id", right_index=True)
    for column in ("n_sessions", "n_purchase_sessions", "n_orders", "distinct_order_days"):
        table[column] = table[column].fillna(0).astype("int64")
    table["total_revenue_usd"] = table["total_revenue_usd"].fillna(0.0)
    table["preferred_device"] = table["customer_id"].map(preferred)
    return table


def core_marts(data: Path) -> dict[str, pd.DataFrame]:
    """The four core tables, computed from the CSVs in `data`."""
    events = read(data, "events", ("event_at",))
    events = events.sort_values(["session_id", "event_at", "event_id"], kind="mergesort")
    sessions_raw = read(data, "sessions", ("session_start_at",))
    orders = read(data, "orders", ("ordered_at",))
    order_items = read(data, "order_items")
    customers = read(data, "customers", ("signup_at",))
    completed = completed_orders(orders, order_items)
    sessions = sessions_table(sessions_raw, events, completed)
    return {
        "sessions": sessions,
        "funnel": funnel_table(sessions),
        "paths": paths_table(events, sessions),
        "customers": customers_table(customers, sessions_raw, orders, completed, sessions),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of the six CSVs")
    parser.add_argument("--out", type=Path, required=True, help="folder for the results")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, frame in core_marts(args.data).items():
        frame.to_pickle(args.out / f"{name}.pkl")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
