"""The data generator: output shape, determinism, planted behaviour and injected defects.

The defect tests re-apply docs/data_contract.md with a small, independent pandas/Python
implementation of its value rules and rejection order, and compare the outcome with the
generator's manifest.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from customer_behaviour.errors import UserError
from customer_behaviour.generate import (
    MANIFEST_NAME,
    GeneratorConfig,
    generate_tables,
    generate_to_folder,
    planted_pairs,
)
from support.paths import PROJECT_DIR

CONTRACT = PROJECT_DIR / "docs" / "data_contract.md"
FUNNEL = ["page_view", "add_to_cart", "checkout", "purchase"]
CLEAN = GeneratorConfig(n_sessions=5_000, seed=7)
DEFECTIVE = GeneratorConfig(n_sessions=3_000, seed=11, defect_rate=0.02)


def contract_columns() -> dict[str, list[str]]:
    """The file -> columns table of the contract document."""
    columns = {}
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\| `(\w+)\.csv` \| ([\w, ]+) \|", line.strip())
        if match:
            columns[match[1]] = [name.strip() for name in match[2].split(",")]
    return columns


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def clean() -> dict[str, pd.DataFrame]:
    return generate_tables(CLEAN)


@pytest.fixture(scope="module")
def defective_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("defective")
    generate_to_folder(DEFECTIVE, out, progress=False)
    return out


# --------------------------------------------------------------------------------------------
# Shape, determinism, configuration
# --------------------------------------------------------------------------------------------


def test_files_have_exactly_the_contract_columns(defective_folder: Path) -> None:
    expected = contract_columns()
    assert len(expected) == 6
    for table, columns in expected.items():
        with open(defective_folder / f"{table}.csv", encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == columns, table


def test_same_seed_gives_the_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    config = GeneratorConfig(n_sessions=2_000, seed=3, defect_rate=0.01)
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    counts = generate_to_folder(config, first, progress=False)
    generate_to_folder(config, second, progress=False)
    generate_to_folder(GeneratorConfig(n_sessions=2_000, seed=4, defect_rate=0.01), other, False)
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted([f"{t}.csv" for t in contract_columns()] + [f"{MANIFEST_NAME}.csv"])
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "events.csv").read_bytes() != (other / "events.csv").read_bytes()
    for name in names:
        assert counts[name.removesuffix(".csv")] == len(read_csv(first / name)), name


def test_generate_tables_returns_what_is_written(defective_folder: Path) -> None:
    tables = generate_tables(DEFECTIVE)
    for name, frame in tables.items():
        written = read_csv(defective_folder / f"{name}.csv")
        expected = frame.astype(str) if name == MANIFEST_NAME else frame
        pd.testing.assert_frame_equal(written, expected, check_dtype=False, obj=name)


def test_bad_configuration_is_a_user_error(tmp_path: Path) -> None:
    for config in (
        GeneratorConfig(n_sessions=0),
        GeneratorConfig(n_sessions=10, defect_rate=0.7),
        GeneratorConfig(n_sessions=10, start_date="2024-13-01"),
        GeneratorConfig(n_sessions=10, days=0),
    ):
        with pytest.raises(UserError, match=";"):
            generate_tables(config)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(UserError, match="--out"):
        generate_to_folder(GeneratorConfig(n_sessions=10), blocker / "out", progress=False)


def test_planted_pairs_are_deterministic_sorted_products() -> None:
    pairs = planted_pairs(CLEAN)
    assert pairs == planted_pairs(CLEAN)
    assert 3 <= len(pairs) <= 5
    assert pairs == sorted(pairs)
    assert all(a < b for a, b in pairs)
    assert len({p for pair in pairs for p in pair}) == 2 * len(pairs)


def test_no_defects_gives_an_empty_manifest(clean: dict[str, pd.DataFrame]) -> None:
    assert clean[MANIFEST_NAME].empty
    assert list(clean[MANIFEST_NAME].columns) == [
        "table",
        "record_key",
        "defect_kind",
        "expected_reason",
        "line_number",
        "column",
        "expected_value",
    ]


# --------------------------------------------------------------------------------------------
# Clean data is valid
# --------------------------------------------------------------------------------------------


def test_clean_data_has_unique_ids_and_resolving_references(
    clean: dict[str, pd.DataFrame],
) -> None:
    keys = {"customers": "customer_id", "products": "product_id", "sessions": "session_id"}
    keys |= {"events": "event_id", "orders": "order_id"}
    for table, key in keys.items():
        frame = clean[table]
        assert frame[key].is_unique, table
        assert (frame[key] != "").all(), table
        assert not frame.duplicated().any(), table
    assert not clean["order_items"].duplicated(["order_id", "product_id"]).any()

    sessions = set(clean["sessions"].session_id)
    assert set(clean["events"].session_id) <= sessions
    order_sessions = clean["orders"].session_id
    assert set(order_sessions[order_sessions != ""]) <= sessions
    assert set(clean["order_items"].order_id) == set(clean["orders"].order_id)
    products = set(clean["products"].product_id)
    assert set(clean["order_items"].product_id) <= products
    event_products = clean["events"].product_id
    assert set(event_products[event_products != ""]) <= products
    reasons = contract_reasons(clean)
    assert all(reasons[table].isna().all() for table in contract_columns())


def test_orders_match_their_lines_and_purchase_events(clean: dict[str, pd.DataFrame]) -> None:
    items = clean["order_items"]
    line_amount = items.quantity.astype(int) * items.unit_price_usd.map(Decimal)
    totals = line_amount.groupby(items.order_id).sum()
    orders = clean["orders"].set_index("order_id")
    assert (orders.order_total_usd.map(Decimal) == totals.reindex(orders.index)).all()
    assert orders.order_total_usd.str.fullmatch(r"\d+\.\d\d").all()
    price = clean["products"].set_index("product_id").price_usd
    assert (items.unit_price_usd == items.product_id.map(price)).all()

    events = clean["events"]
    purchases = events[events.event_type == "purchase"]
    assert purchases.session_id.is_unique
    in_session = orders[orders.session_id != ""]
    assert in_session.session_id.is_unique
    assert set(in_session.session_id) == set(purchases.session_id)
    purchase_at = utc(purchases.set_index("session_id").event_at)
    ordered_at = utc(in_session.set_index("session_id").ordered_at)
    assert (ordered_at == purchase_at.reindex(ordered_at.index)).all()
    offline = orders[orders.session_id == ""]
    assert 0.003 < len(offline) / len(orders) < 0.03
    assert set(offline.customer_id) <= set(clean["customers"].customer_id)
    assert 0.02 < (orders.status == "cancelled").mean() < 0.09


# --------------------------------------------------------------------------------------------
# Planted behaviour
# --------------------------------------------------------------------------------------------


def utc(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text, utc=True, format="ISO8601")


@pytest.fixture(scope="module")
def sessions(clean: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per session with its engagement, funnel, timing and purchase outcome."""
    events = clean["events"].assign(at=lambda e: utc(e.event_at))
    frame = clean["sessions"].set_index("session_id")
    frame["start"] = utc(frame.session_start_at)
    by_session = events.groupby("session_id")
    frame["event_count"] = by_session.size().reindex(frame.index, fill_value=0)
    frame["first_at"] = by_session["at"].min()
    frame["last_at"] = by_session["at"].max()
    for step in FUNNEL:
        first = events[events.event_type == step].groupby("session_id")["at"].min()
        frame[f"{step}_at"] = first
    frame["start"] = frame[["start", "first_at"]].min(axis=1)
    frame["seconds"] = (frame.last_at - frame.start).dt.total_seconds()
    active = (frame.last_at - frame.first_at).dt.total_seconds()
    frame["idle"] = active / (frame.event_count - 1).where(frame.event_count > 1)

    orders = clean["orders"]
    items = clean["order_items"].assign(
        units=lambda i: i.quantity.astype(int),
        amount=lambda i: i.quantity.astype(int) * i.unit_price_usd.astype(float),
    )
    per_order = items.groupby("order_id")[["units", "amount"]].sum()
    completed = orders[(orders.status == "completed") & (orders.session_id != "")]
    per_session = completed.join(per_order, on="order_id").groupby("session_id")
    frame["amount"] = per_session.amount.sum()
    frame["units"] = per_session.units.sum()
    frame["did_purchase"] = frame.amount.notna()
    known = frame[frame.customer_id != ""].sort_values(["start", "session_id"])
    frame["session_number"] = known.groupby("customer_id").cumcount() + 1
    return frame


def test_purchase_rises_steeply_with_event_count(sessions: pd.DataFrame) -> None:
    bins = pd.cut(sessions.event_count, [0, 3, 6, 10, 16, 40])
    rate = sessions.groupby(bins, observed=True).did_purchase.mean()
    assert rate.is_monotonic_increasing, rate
    assert rate.iloc[-1] > 0.35 and rate.iloc[-1] > 3 * rate.iloc[1], rate
    assert 0.06 < sessions.did_purchase.mean() < 0.16


def test_duration_and_first_event_delay_add_nothing_given_event_count(
    sessions: pd.DataFrame,
) -> None:
    engaged = sessions[sessions.event_count.between(4, 40)].copy()
    engaged["band"] = pd.cut(engaged.event_count, [3, 6, 10, 40])
    idle_ratio = engaged.groupby(["band", "did_purchase"], observed=True).idle.mean().unstack()
    assert ((idle_ratio[True] / idle_ratio[False]).between(0.85, 1.15)).all(), idle_ratio
    delay = (sessions.first_at - sessions.start).dt.total_seconds()
    late = delay > delay.median()
    assert abs(sessions.did_purchase[late].mean() - sessions.did_purchase[~late].mean()) < 0.02


def test_buyers_pass_the_ordered_funnel_and_quirks_exist(sessions: pd.DataFrame) -> None:
    buyers = sessions[sessions.purchase_at.notna()]
    ordered = (
        (buyers.page_view_at <= buyers.add_to_cart_at)
        & (buyers.add_to_cart_at <= buyers.checkout_at)
        & (buyers.checkout_at <= buyers.purchase_at)
    )
    assert ordered.all()
    cart_first = (sessions.add_to_cart_at < sessions.page_view_at).mean()
    assert 0.005 < cart_first < 0.02
    assert 0.005 < (sessions.event_count == 0).mean() < 0.02
    delay = (sessions.first_at - sessions.start).dt.total_seconds().dropna()
    assert delay.between(0, 120).all()


def test_mobile_converts_about_half_as_well_at_checkout(sessions: pd.DataFrame) -> None:
    at_checkout = sessions[sessions.checkout_at.notna()]
    rate = at_checkout.groupby("device").purchase_at.apply(lambda at: at.notna().mean())
    assert rate["mobile"] < 0.65 * rate["desktop"], rate
    assert rate["mobile"] > 0.3 * rate["desktop"], rate


def test_returning_visits_and_customers_convert_better(
    sessions: pd.DataFrame, clean: dict[str, pd.DataFrame]
) -> None:
    known = sessions[sessions.customer_id != ""]
    first_visit = known[known.session_number == 1].did_purchase.mean()
    returning = known[known.session_number >= 2].did_purchase.mean()
    assert returning > 1.4 * first_visit
    by_customer = known.groupby("customer_id").did_purchase.max().mean()
    assert by_customer > 2 * sessions.did_purchase.mean()
    assert 0.12 < (sessions.customer_id == "").mean() < 0.18
    unlisted = ~known.customer_id.isin(clean["customers"].customer_id)
    assert 0.004 < unlisted.sum() / len(sessions) < 0.02


def test_most_orders_have_one_line_and_planted_pairs_have_lift(
    clean: dict[str, pd.DataFrame],
) -> None:
    items = clean["order_items"]
    lines = items.groupby("order_id").size()
    assert (lines == 1).mean() >= 0.75
    assert lines.max() <= 4
    assert (items.quantity == "1").mean() > 0.75
    baskets = items.groupby("order_id").product_id.agg(set)
    for a, b in planted_pairs(CLEAN):
        has_a, has_b = baskets.map(lambda s, p=a: p in s), baskets.map(lambda s, p=b: p in s)
        lift = (has_a & has_b).mean() / (has_a.mean() * has_b.mean())
        assert lift > 2, (a, b, lift)
        assert (has_a & has_b).sum() / has_a.sum() > 0.4


def test_spend_rises_with_events_and_falls_with_idle_time(sessions: pd.DataFrame) -> None:
    buyers = sessions[sessions.did_purchase & sessions.idle.notna()]
    design = np.column_stack([np.ones(len(buyers)), buyers.event_count, buyers.idle])
    coefficients = np.linalg.lstsq(design, np.log(buyers.amount), rcond=None)[0]
    assert coefficients[1] > 0 and coefficients[2] < 0, coefficients


def test_purchase_styles_differ_in_price_not_in_browsing(sessions: pd.DataFrame) -> None:
    buyers = sessions[sessions.did_purchase].copy()
    buyers["item_price"] = buyers.amount / buyers.units
    cheap = buyers.item_price <= buyers.item_price.median()
    events_cheap = buyers.event_count[cheap].mean()
    events_dear = buyers.event_count[~cheap].mean()
    assert abs(events_cheap - events_dear) / buyers.event_count.mean() < 0.12
    assert buyers.item_price[~cheap].mean() > 5 * buyers.item_price[cheap].mean()
    assert buyers.units[cheap].mean() > buyers.units[~cheap].mean()


# --------------------------------------------------------------------------------------------
# Defects: an independent reading of docs/data_contract.md
# --------------------------------------------------------------------------------------------

TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?([Zz]|[+-]\d{2}:?\d{2})?)?"
)
KEYS = {
    "customers": ["customer_id"],
    "products": ["product_id"],
    "sessions": ["session_id"],
    "events": ["event_id"],
    "orders": ["order_id"],
    "order_items": ["order_id", "product_id"],
}
EARLIEST = {
    "customers": "signup_at",
    "sessions": "session_start_at",
    "events": "event_at",
    "orders": "ordered_at",
}
REJECTED_KINDS = (
    {("customers", kind) for kind in ("duplicate_row", "missing_customer_id", "invalid_signup_at")}
    | {
        ("products", "negative_price_usd"),
        ("products", "duplicate_row"),
    }
    | {
        ("sessions", kind)
        for kind in (
            "duplicate_row",
            "conflicting_duplicate",
            "missing_session_id",
            "invalid_session_start_at",
        )
    }
    | {
        ("events", kind)
        for kind in (
            "duplicate_row",
            "conflicting_duplicate",
            "missing_event_id",
            "missing_session_id",
            "missing_event_at",
            "invalid_event_at",
            "missing_event_type",
            "unknown_session",
        )
    }
    | {
        ("orders", kind)
        for kind in (
            "duplicate_row",
            "missing_order_id",
            "invalid_ordered_at",
            "negative_order_total_usd",
            "invalid_status",
            "unknown_session",
        )
    }
    | {
        ("order_items", kind)
        for kind in (
            "unknown_order",
            "non_positive_quantity",
            "invalid_quantity",
            "negative_unit_price_usd",
            "duplicate_row",
            "missing_product_id",
        )
    }
)
LOWER_ENUMS = {"event_type", "device", "traffic_source", "status", "page", "category"}
DEVICES = {"desktop", "mobile", "tablet"}


def clean_text(value: str) -> str | None:
    value = value.strip()
    return None if value == "" or value.lower() == "null" else value


def parse_timestamp(text: str) -> datetime | None:
    match = TIMESTAMP.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError:
        return None
    if not 1900 <= moment.year <= 2199:
        return None
    if zone and zone not in "Zz":
        hours, minutes = int(zone[1:3]), int(zone[-2:])
        if hours > 23 or minutes > 59:
            return None
        sign = 1 if zone[0] == "+" else -1
        moment -= sign * timedelta(hours=hours, minutes=minutes)
    return moment.replace(tzinfo=timezone.utc)


def parse_money(text: str) -> Decimal | None:
    return Decimal(text) if re.fullmatch(r"-?\d{1,12}(\.\d{1,6})?", text) else None


def clean_value(column: str, raw: str) -> object:
    """A raw field after the contract's value rules (what duplicates are compared on)."""
    value = clean_text(raw)
    if column.endswith("_at"):
        return None if value is None else parse_timestamp(value)
    if column == "country":
        return value.upper() if value and re.fullmatch(r"[A-Za-z]{2}", value) else "unknown"
    if column == "device":
        return value.lower() if value and value.lower() in DEVICES else "unknown"
    if column == "traffic_source":
        return value.lower() if value else "unknown"
    if column in LOWER_ENUMS or column == "email":
        return None if value is None else value.lower()
    if column.endswith("_usd"):
        return None if value is None else parse_money(value)
    if column == "quantity":
        return int(value) if value and re.fullmatch(r"[+-]?\d{1,9}", value) else None
    return value


def row_reason(table: str, raw: dict[str, str]) -> str | None:
    """The contract's row checks, in its order."""
    value = {column: clean_text(text) for column, text in raw.items()}

    def missing_or_invalid_timestamp(column: str) -> str | None:
        if value[column] is None:
            return f"missing_{column}"
        return None if parse_timestamp(value[column]) else f"invalid_{column}"

    def money(column: str, required: bool) -> str | None:
        if value[column] is None:
            return f"missing_{column}" if required else None
        amount = parse_money(value[column])
        if amount is None:
            return f"invalid_{column}"
        return f"negative_{column}" if amount < 0 else None

    checks: list = {
        "customers": [
            lambda: value["customer_id"] is None and "missing_customer_id",
            lambda: missing_or_invalid_timestamp("signup_at"),
        ],
        "products": [
            lambda: value["product_id"] is None and "missing_product_id",
            lambda: money("price_usd", required=False),
            lambda: money("cost_usd", required=False),
        ],
        "sessions": [
            lambda: value["session_id"] is None and "missing_session_id",
            lambda: missing_or_invalid_timestamp("session_start_at"),
        ],
        "events": [
            lambda: value["event_id"] is None and "missing_event_id",
            lambda: value["session_id"] is None and "missing_session_id",
            lambda: missing_or_invalid_timestamp("event_at"),
            lambda: value["event_type"] is None and "missing_event_type",
        ],
        "orders": [
            lambda: value["order_id"] is None and "missing_order_id",
            lambda: missing_or_invalid_timestamp("ordered_at"),
            lambda: money("order_total_usd", required=False),
            lambda: (
                (value["status"] or "").lower() not in ("completed", "cancelled")
                and "invalid_status"
            ),
        ],
        "order_items": [
            lambda: value["order_id"] is None and "missing_order_id",
            lambda: value["product_id"] is None and "missing_product_id",
            lambda: value["quantity"] is None and "missing_quantity",
            lambda: clean_value("quantity", raw["quantity"]) is None and "invalid_quantity",
            lambda: clean_value("quantity", raw["quantity"]) <= 0 and "non_positive_quantity",
            lambda: money("unit_price_usd", required=True),
        ],
    }[table]
    for check in checks:
        reason = check()
        if reason:
            return reason
    return None


def contract_reasons(tables: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """Rejection reason of every raw row (None = accepted), by the contract's steps 1-4."""
    reasons: dict[str, pd.Series] = {}
    for table, frame in tables.items():
        if table not in KEYS:
            continue
        records = frame.to_dict("records")
        reason = [row_reason(table, row) for row in records]
        cleaned = [tuple(clean_value(c, v) for c, v in row.items()) for row in records]
        seen: set[tuple] = set()
        for index, record in enumerate(cleaned):
            if reason[index] is None:
                if record in seen:
                    reason[index] = "duplicate_row"
                seen.add(record)
        if table in EARLIEST or table == "products":
            key, columns = KEYS[table][0], list(frame.columns)
            earliest = EARLIEST.get(table)
            best: dict[str, tuple] = {}
            for index, record in enumerate(cleaned):
                if reason[index] is None:
                    rank = (record[columns.index(earliest)] if earliest else 0, repr(record))
                    key_value = record[columns.index(key)]
                    if key_value in best and best[key_value][0] <= rank:
                        reason[index] = "conflicting_duplicate"
                    else:
                        if key_value in best:
                            reason[best[key_value][1]] = "conflicting_duplicate"
                        best[key_value] = (rank, index)
        reasons[table] = pd.Series(reason, index=frame.index, dtype=object)

    def accepted(table: str, column: str) -> set:
        frame = tables[table]
        return set(frame[column][reasons[table].isna()].map(clean_text))

    sessions, orders = accepted("sessions", "session_id"), accepted("orders", "order_id")
    for table, column, known, reason_name in (
        ("events", "session_id", sessions, "unknown_session"),
        ("orders", "session_id", sessions, "unknown_session"),
        ("order_items", "order_id", orders, "unknown_order"),
    ):
        reference = tables[table][column].map(clean_text)
        dangling = reasons[table].isna() & reference.notna() & ~reference.isin(known)
        reasons[table][dangling] = reason_name
    return reasons


def record_key(table: str, row: pd.Series) -> str:
    return "|".join(clean_text(row[column]) or "(missing)" for column in KEYS[table])


def test_defects_get_exactly_the_reasons_the_manifest_expects(defective_folder: Path) -> None:
    tables = {table: read_csv(defective_folder / f"{table}.csv") for table in KEYS}
    manifest = read_csv(defective_folder / f"{MANIFEST_NAME}.csv")
    reasons = contract_reasons(tables)
    actual = Counter()
    for table, frame in tables.items():
        rejected = reasons[table].notna()
        for (_, row), reason in zip(
            frame[rejected].iterrows(), reasons[table][rejected], strict=True
        ):
            actual[(table, record_key(table, row), reason)] += 1
    rejected_manifest = manifest[manifest.expected_reason != ""]
    expected = Counter(
        zip(
            rejected_manifest.table,
            rejected_manifest.record_key,
            rejected_manifest.expected_reason,
            strict=True,
        )
    )
    assert actual == expected
    kinds = set(zip(rejected_manifest.table, rejected_manifest.defect_kind, strict=True))
    assert kinds == REJECTED_KINDS
    assert (rejected_manifest.defect_kind == rejected_manifest.expected_reason).all()


def test_manifest_lines_point_at_their_rows(defective_folder: Path) -> None:
    manifest = read_csv(defective_folder / f"{MANIFEST_NAME}.csv")
    assert set(manifest.defect_kind) >= {
        "timestamp_offset",
        "mixed_case_enum",
        "surrounding_whitespace",
    }
    for table, entries in manifest.groupby("table"):
        with open(defective_folder / f"{table}.csv", encoding="utf-8", newline="") as handle:
            lines = list(csv.reader(handle))  # lines[0] is line 1, the header
        header = lines[0]
        for entry in entries.itertuples():
            row = pd.Series(lines[int(entry.line_number) - 1], index=header)
            assert record_key(table, row) == entry.record_key, entry
            if entry.expected_reason == "":  # accepted after cleaning, edited in place
                raw = row[entry.column]
                value = clean_value(entry.column, raw)
                if isinstance(value, datetime):
                    value = value.strftime("%Y-%m-%dT%H:%M:%SZ")
                assert value == entry.expected_value, entry
                assert raw != entry.expected_value, entry
        assert entries.line_number.astype(int).between(2, len(lines)).all()
        assert entries.line_number.is_unique
