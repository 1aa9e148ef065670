"""Channel attribution recomputed in pandas and plain Python from the reference fct_sessions
(reference.sessions, itself from the raw CSVs): the journeys, their touches with every
heuristic model's credit, the paths, and the per-channel sums.

Written from the documented rules (doc blocks attribution_journey and attribution_models),
not from the SQL: each customer's sessions are walked in order and cut after every
purchasing session; anonymous sessions are journeys of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MODELS = ("first_touch", "last_touch", "last_non_direct", "linear", "position_based", "time_decay")


@dataclass(frozen=True)
class Settings:
    lookback_days: float = 30
    direct_channels: tuple[str, ...] = ("direct",)
    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4)
    half_life_days: float = 7


def _journeys(sessions: pd.DataFrame) -> list[list[dict]]:
    """Every journey as its sessions in order, before the lookback cut."""
    rows = sessions.sort_values(["session_start_at", "session_id"]).to_dict("records")
    journeys: list[list[dict]] = []
    open_by_customer: dict[str, list[dict]] = {}
    for row in rows:
        customer = row["customer_id"]
        if customer is None or pd.isna(customer):
            journeys.append([row])
            continue
        current = open_by_customer.setdefault(customer, [])
        current.append(row)
        if row["did_purchase"]:
            journeys.append(current)
            open_by_customer[customer] = []
    journeys.extend(current for current in open_by_customer.values() if current)
    return journeys


def _position_credit(position: int, length: int, weights: tuple[float, float, float]) -> float:
    first, middle, last = weights
    if length == 1:
        return 1.0
    if length == 2:
        return (first if position == 1 else last) / (first + last)
    if position == 1:
        return first
    if position == length:
        return last
    return middle / (length - 2)


def touches(sessions: pd.DataFrame, settings: Settings = Settings()) -> pd.DataFrame:
    """fct_conversion_touches."""
    out = []
    for journey in _journeys(sessions):
        end = journey[-1]
        end_at = end["session_start_at"]
        kept = [
            row
            for row in journey
            if (end_at - row["session_start_at"]).total_seconds() <= settings.lookback_days * 86400
        ]
        length = len(kept)
        direct = [row["channel_group"] in settings.direct_channels for row in kept]
        non_direct = [number for number, is_direct in enumerate(direct, 1) if not is_direct]
        last_non_direct = non_direct[-1] if non_direct else length
        days = [(end_at - row["session_start_at"]).total_seconds() / 86400 for row in kept]
        decay = [0.5 ** (value / settings.half_life_days) for value in days]
        converted = bool(end["did_purchase"])
        for position, row in enumerate(kept, start=1):
            out.append(
                {
                    "journey_id": end["session_id"],
                    "session_id": row["session_id"],
                    "customer_id": row["customer_id"],
                    "touch_position": position,
                    "path_length": length,
                    "channel_group": row["channel_group"],
                    "is_direct": direct[position - 1],
                    "touched_at": row["session_start_at"],
                    "journey_end_at": end_at,
                    "days_before_end": days[position - 1],
                    "is_converted": converted,
                    "revenue_usd": float(end["amount_usd"]) if converted else 0.0,
                    "first_touch_credit": float(position == 1),
                    "last_touch_credit": float(position == length),
                    "last_non_direct_credit": float(position == last_non_direct),
                    "linear_credit": 1 / length,
                    "position_based_credit": _position_credit(
                        position, length, settings.position_weights
                    ),
                    "time_decay_credit": decay[position - 1] / sum(decay),
                }
            )
    return pd.DataFrame(out)


def paths(touch_frame: pd.DataFrame) -> pd.DataFrame:
    """fct_conversion_paths, from the touches."""
    rows = []
    for journey_id, group in touch_frame.groupby("journey_id", sort=True):
        ordered = group.sort_values("touch_position")
        customer = ordered["customer_id"].iloc[0]
        rows.append(
            {
                "journey_id": journey_id,
                "customer_id": customer,
                "is_anonymous": customer is None or pd.isna(customer),
                "is_converted": bool(ordered["is_converted"].iloc[0]),
                "revenue_usd": float(ordered["revenue_usd"].iloc[0]),
                "channel_path": " > ".join(ordered["channel_group"]),
                "path_length": len(ordered),
                "distinct_channel_count": ordered["channel_group"].nunique(),
                "first_channel_group": ordered["channel_group"].iloc[0],
                "last_channel_group": ordered["channel_group"].iloc[-1],
                "first_touch_at": ordered["touched_at"].iloc[0],
                "last_touch_at": ordered["touched_at"].iloc[-1],
                "path_days": float(ordered["days_before_end"].iloc[0]),
            }
        )
    return pd.DataFrame(rows)


def channel_attribution(touch_frame: pd.DataFrame) -> pd.DataFrame:
    """fct_channel_attribution, from the touches."""
    converting = touch_frame[touch_frame["is_converted"]]
    conversions = converting["journey_id"].nunique()
    revenue = converting.drop_duplicates("journey_id")["revenue_usd"].sum()
    rows = []
    for order, model in enumerate(MODELS, start=1):
        for channel, group in touch_frame.groupby("channel_group"):
            won = group[group["is_converted"]]
            credit = won[f"{model}_credit"]
            attributed = float(credit.sum())
            attributed_revenue = float((credit * won["revenue_usd"]).sum())
            rows.append(
                {
                    "attribution_model": model,
                    "channel_group": channel,
                    "model_order": order,
                    "attributed_conversions": attributed,
                    "attributed_revenue_usd": attributed_revenue,
                    "share_of_conversions": attributed / conversions if conversions else None,
                    "share_of_revenue": attributed_revenue / revenue if revenue else None,
                    "touches": len(group),
                    "converting_journeys": won["journey_id"].nunique(),
                }
            )
    return pd.DataFrame(rows)
