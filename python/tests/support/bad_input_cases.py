"""The bad-input suite as data: every malformed input we try, and what must happen to it.

Two kinds of case:

* ``FileCase``: a whole file is malformed (a header, an encoding, a delimiter, a record that
  cannot be parsed). The loader must stop with one line naming the file, the line and, where
  there is one, the column, and change nothing; or, for the cases marked ``loads``, load
  every record.
* ``RowCase``: one planted row whose values are odd but parseable (timestamps in mixed formats,
  huge numbers, enormous or SQL-looking text, duplicates across two loads). The row must be
  kept with the expected value, or quarantined in ``marts.dq_rejected_rows`` with the expected
  reason; never lost.

``python/tests/reliability/test_bad_input.py`` runs every case on DuckDB and PostgreSQL.
docs/reliability.md holds :func:`documented_counts`, and a test keeps the two equal.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from customer_behaviour.contract import TABLE_COLUMNS

MAX_TEXT_LENGTH = 500
"""dbt variable customer_behaviour__max_text_length (its default in dbt_project.yml)."""

ENORMOUS = 3_000_000
"""Characters of the enormous values: more than DuckDB's default 2 MB line limit."""

Mutation = Callable[[bytes], bytes | None]
"""A file's bytes -> the malformed bytes (None: the file is deleted)."""


@dataclass(frozen=True)
class FileCase:
    """A malformed file and the one-line error it must give (or ``loads``: rows it must load)."""

    name: str
    table: str
    mutate: Mutation
    line: int | None = None
    column: str | None = None
    fragment: str = ""
    loads: bool = False


@dataclass(frozen=True)
class RowCase:
    """A planted raw row and its outcome: ``accepted`` (``value`` in ``column``) or a reason."""

    name: str
    table: str
    row: dict[str, str]
    outcome: str
    column: str | None = None
    value: object = None
    batch: int = 1
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def key(self) -> str:
        if self.table == "order_items":
            return f"{self.row['order_id']}|{self.row['product_id']}"
        return self.row[TABLE_COLUMNS[self.table][0]].strip()


# -- file cases -----------------------------------------------------------------------------


def _lines(content: bytes) -> list[bytes]:
    return content.split(b"\n")


def _replace_line(number: int, change: Callable[[bytes], bytes]) -> Mutation:
    def mutate(content: bytes) -> bytes:
        lines = _lines(content)
        lines[number - 1] = change(lines[number - 1])
        return b"\n".join(lines)

    return mutate


def _header(new_header: bytes, row_suffix: bytes = b"") -> Mutation:
    def mutate(content: bytes) -> bytes:
        lines = _lines(content)
        body = [line + row_suffix if line else line for line in lines[1:]]
        return b"\n".join([new_header, *body])

    return mutate


FILE_CASES: list[FileCase] = [
    FileCase(
        "missing column",
        "events",
        _header(b"event_id,session_id,event_at,event_type,product_id"),
        line=1,
        column="page",
        fragment="is missing",
    ),
    FileCase(
        "extra column",
        "orders",
        _header(b"order_id,session_id,customer_id,ordered_at,order_total_usd,status,note", b",x"),
        line=1,
        column="note",
        fragment="not in the input contract",
    ),
    FileCase(
        "column named twice",
        "customers",
        _header(b"customer_id,signup_at,country,email,email", b",x"),
        line=1,
        column="email",
        fragment="appears twice",
    ),
    FileCase(
        "semicolon delimiter",
        "products",
        lambda content: content.replace(b",", b";"),
        line=1,
        fragment="not comma-separated",
    ),
    FileCase(
        "tab delimiter",
        "sessions",
        lambda content: content.replace(b",", b"\t"),
        line=1,
        fragment="not comma-separated",
    ),
    FileCase(
        "one row with semicolons",
        "sessions",
        _replace_line(5, lambda line: line.replace(b",", b";")),
        line=5,
        column="customer_id",
        fragment="1 field(s) where the header has 6",
    ),
    FileCase(
        "row with an extra field (unquoted comma)",
        "events",
        _replace_line(10, lambda line: line + b",extra"),
        line=10,
        column="product_id",
        fragment="7 field(s) where the header has 6",
    ),
    FileCase(
        "row with a field missing",
        "order_items",
        _replace_line(4, lambda line: line.rsplit(b",", 1)[0]),
        line=4,
        column="unit_price_usd",
        fragment="3 field(s) where the header has 4",
    ),
    FileCase(
        "Latin-1 byte (not UTF-8)",
        "customers",
        _replace_line(7, lambda line: line.replace(b"@", b"\xe9@", 1)),
        line=7,
        column="email",
        fragment="is not UTF-8",
    ),
    FileCase(
        "UTF-16 file",
        "events",
        lambda content: content.decode("utf-8").encode("utf-16"),
        line=1,
        fragment="is not UTF-8",
    ),
    FileCase(
        "NUL byte",
        "customers",
        _replace_line(6, lambda line: line + b"\x00"),
        line=6,
        column="email",
        fragment="NUL byte",
    ),
    FileCase(
        "quote never closed",
        "products",
        _replace_line(3, lambda _: b'p9999,"Widget, large,fashion,1.00,0.50'),
        line=3,
        column="product_name",
        fragment="quoted value is not closed",
    ),
    FileCase(
        "text after a closing quote",
        "products",
        _replace_line(3, lambda _: b'p9999,"Widget" large,fashion,1.00,0.50'),
        line=3,
        column="product_name",
        fragment="text after its closing quote",
    ),
    FileCase(
        "quote inside an unquoted value",
        "products",
        _replace_line(3, lambda _: b'p9999,Widget "large",fashion,1.00,0.50'),
        line=3,
        column="product_name",
        fragment="a quote inside a value",
    ),
    FileCase(
        "blank line",
        "events",
        _replace_line(10, lambda _: b""),
        line=10,
        fragment="blank line",
    ),
    FileCase(
        "mixed line endings",
        "orders",
        _replace_line(3, lambda line: line + b"\r"),
        line=3,
        fragment="one kind of line ending",
    ),
    FileCase(
        "no header row",
        "sessions",
        lambda content: b"\n".join(_lines(content)[1:]),
        line=1,
        fragment="no header row",
    ),
    FileCase("empty file (0 bytes)", "order_items", lambda _: b"", line=1, fragment="no header"),
    FileCase("file missing", "order_items", lambda _: None, fragment="missing order_items.csv"),
    FileCase("header only", "orders", lambda content: _lines(content)[0] + b"\n", loads=True),
    FileCase("byte-order mark", "customers", lambda content: b"\xef\xbb\xbf" + content, loads=True),
    FileCase(
        "Windows line endings (CRLF)",
        "products",
        lambda content: content.replace(b"\n", b"\r\n"),
        loads=True,
    ),
    FileCase(
        "old Mac line endings (CR)",
        "orders",
        lambda content: content.replace(b"\n", b"\r"),
        loads=True,
    ),
    FileCase(
        "line over 2 MB",
        "products",
        lambda content: content + b"p_enormous," + b"n" * ENORMOUS + b",home,1.00,0.50\n",
        loads=True,
    ),
]


# -- row cases ------------------------------------------------------------------------------

UTC = "%Y-%m-%d %H:%M:%S.%f"


def _at(text: str) -> datetime:
    return datetime.strptime(text, UTC if "." in text else "%Y-%m-%d %H:%M:%S")


def _session(name: str, start: str, outcome: str, value: object = None) -> RowCase:
    row = {
        "session_id": f"ts_{name}",
        "customer_id": "",
        "session_start_at": start,
        "device": "desktop",
        "traffic_source": "direct",
        "country": "DE",
    }
    column = "session_start_at" if outcome == "accepted" else None
    return RowCase(f"session_start_at {start.strip()!r}", "sessions", row, outcome, column, value)


def _product(
    name: str,
    case: str,
    outcome: str,
    column: str | None = None,
    value: object = None,
    **values: str,
) -> RowCase:
    """A planted product; an accepted one is checked for `value` (default: the raw text)."""
    row = {
        "product_id": f"pr_{name}",
        "product_name": "Planted product",
        "category": "home",
        "price_usd": "1.00",
        "cost_usd": "0.50",
    }
    row.update(values)
    if outcome == "accepted" and column is not None and value is None:
        value = row[column]
    return RowCase(case, "products", row, outcome, column, value)


def _random_text(seed: int, length: int, alphabet: list[str]) -> str:
    chooser = random.Random(seed)
    return "".join(chooser.choice(alphabet) for _ in range(length))


_EMOJI = [chr(code) for code in range(0x1F600, 0x1F650)]
_LETTERS = [chr(code) for code in range(ord("a"), ord("z") + 1)]
MAX_LENGTH_ID = "pr_" + _random_text(1, MAX_TEXT_LENGTH - 3, _EMOJI)
OVERSIZED_ID = "pr_" + _random_text(2, MAX_TEXT_LENGTH - 2, _LETTERS)
ENORMOUS_CATEGORY = _random_text(3, 10_000, _EMOJI)
SQL_ID = "s'); drop table marts.fct_sessions; --"

ROW_CASES: list[RowCase] = [
    # Timestamps in mixed formats and offsets: stored as UTC.
    _session("z", "2024-02-01T10:00:00Z", "accepted", _at("2024-02-01 10:00:00")),
    _session("space", "2024-02-01 10:00:00", "accepted", _at("2024-02-01 10:00:00")),
    _session("minutes", "2024-02-01T10:00", "accepted", _at("2024-02-01 10:00:00")),
    _session("date", "2024-02-01", "accepted", _at("2024-02-01 00:00:00")),
    _session("plus0230", "2024-02-01T12:30:00+02:30", "accepted", _at("2024-02-01 10:00:00")),
    _session("minus0500", "2024-02-01T05:00:00-0500", "accepted", _at("2024-02-01 10:00:00")),
    _session(
        "micros", "2024-02-01T10:00:00.123456z", "accepted", _at("2024-02-01 10:00:00.123456")
    ),
    _session(
        "fraction_offset", "2024-02-01T11:00:00.5+01:00", "accepted", _at("2024-02-01 10:00:00.5")
    ),
    _session("day_back", "2024-01-31T23:00:00-11:00", "accepted", _at("2024-02-01 10:00:00")),
    _session("leap_day", "2024-03-01T00:30:00+01:00", "accepted", _at("2024-02-29 23:30:00")),
    _session("plus1400", "2024-02-02T00:00:00+14:00", "accepted", _at("2024-02-01 10:00:00")),
    _session("padded", "   2024-02-01T10:00:00Z  ", "accepted", _at("2024-02-01 10:00:00")),
    _session("us_format", "02/01/2024 10:00", "invalid_session_start_at"),
    _session("epoch_seconds", "1706781600", "invalid_session_start_at"),
    _session("feb30", "2024-02-30T10:00:00Z", "invalid_session_start_at"),
    _session("hour24", "2024-02-01T24:00:00Z", "invalid_session_start_at"),
    _session("space_offset", "2024-02-01T10:00:00 +02:00", "invalid_session_start_at"),
    _session("offset25", "2024-02-01T10:00:00+25:00", "invalid_session_start_at"),
    _session("zone_name", "2024-02-01T10:00:00 CET", "invalid_session_start_at"),
    _session("lower_t", "2024-02-01t10:00:00Z", "invalid_session_start_at"),
    # 1970 and far-future: the contract's window is the years 1900-2199.
    _session("epoch", "1970-01-01T00:00:00Z", "accepted", _at("1970-01-01 00:00:00")),
    _session("first_year", "1900-01-01T00:00:00Z", "accepted", _at("1900-01-01 00:00:00")),
    _session("last_year", "2199-12-31T23:59:59Z", "accepted", _at("2199-12-31 23:59:59")),
    _session("before_1900", "1899-12-31T23:59:59Z", "invalid_session_start_at"),
    _session("year_2200", "2200-01-01T00:00:00Z", "invalid_session_start_at"),
    _session("year_9999", "9999-12-31T23:59:59Z", "invalid_session_start_at"),
    _session("year_0", "0000-01-01", "invalid_session_start_at"),
    # Events of session ts_z in three formats: ordered correctly once in UTC (checked in
    # fct_sessions: 600 seconds, funnel step 3).
    RowCase(
        "event_at with Z",
        "events",
        {
            "event_id": "ev_mixed_1",
            "session_id": "ts_z",
            "event_at": "2024-02-01T10:00:00Z",
            "event_type": "page_view",
            "page": "home",
            "product_id": "",
        },
        "accepted",
        "event_at",
        _at("2024-02-01 10:00:00"),
    ),
    RowCase(
        "event_at without offset",
        "events",
        {
            "event_id": "ev_mixed_2",
            "session_id": "ts_z",
            "event_at": "2024-02-01 10:05:00",
            "event_type": "add_to_cart",
            "page": "product",
            "product_id": "pr_sql_name",
        },
        "accepted",
        "event_at",
        _at("2024-02-01 10:05:00"),
    ),
    RowCase(
        "event_at with +02:00",
        "events",
        {
            "event_id": "ev_mixed_3",
            "session_id": "ts_z",
            "event_at": "2024-02-01T12:10:00+02:00",
            "event_type": "checkout",
            "page": "checkout",
            "product_id": "",
        },
        "accepted",
        "event_at",
        _at("2024-02-01 10:10:00"),
        extra={"session_seconds": 600, "funnel_step_reached": 3},
    ),
    RowCase(
        "page longer than the limit",
        "events",
        {
            "event_id": "ev_long_page",
            "session_id": "ts_z",
            "event_at": "2024-02-01T10:06:00Z",
            "event_type": "page_view",
            "page": "/search?q=" + "x" * MAX_TEXT_LENGTH,
            "product_id": "",
        },
        "oversized_page",
    ),
    # Text: SQL-looking, quoted commas and newlines, quotes, backslashes, Unicode: verbatim.
    _product(
        "sql_name",
        "SQL-looking product name",
        "accepted",
        "product_name",
        product_name="Robert'); DROP TABLE raw.products; --",
    ),
    _product(
        "comma",
        "comma inside a quoted field",
        "accepted",
        "product_name",
        product_name="Scarf, large",
    ),
    _product(
        "newline",
        "newline inside a quoted field",
        "accepted",
        "product_name",
        product_name="Line one\nLine two",
    ),
    _product(
        "crlf_inside",
        "CRLF inside a quoted field",
        "accepted",
        "product_name",
        product_name="Line one\r\nLine two",
    ),
    _product(
        "quotes",
        "doubled quotes inside a quoted field",
        "accepted",
        "product_name",
        product_name='He said "hi", twice',
    ),
    _product(
        "backslash_dot",
        r"a line '\.' inside a quoted field (COPY's end-of-data marker)",
        "accepted",
        "product_name",
        product_name="before\n\\.\nafter",
    ),
    _product(
        "backslashes",
        "backslashes",
        "accepted",
        "product_name",
        product_name=r"C:\new\table\t",
    ),
    _product(
        "unicode",
        "accents, CJK and emoji",
        "accepted",
        "product_name",
        product_name="Café ☕ 東京 🚀",
    ),
    _product(
        "template",
        "template-looking text",
        "accepted",
        "product_name",
        product_name="{{ 7 * 7 }} {% raw %}",
    ),
    _product(
        "max_length_id",
        f"product_id of exactly {MAX_TEXT_LENGTH} characters (4-byte emoji)",
        "accepted",
        "product_id",
        product_id=MAX_LENGTH_ID,
    ),
    _product(
        "oversized_id",
        f"product_id of {MAX_TEXT_LENGTH + 1} characters",
        "oversized_product_id",
        product_id=OVERSIZED_ID,
    ),
    _product(
        "enormous_name",
        f"product_name of {ENORMOUS:,} characters",
        "oversized_product_name",
        product_name="n" * ENORMOUS,
    ),
    _product(
        "enormous_category",
        "category of 10,000 random emoji",
        "oversized_category",
        category=ENORMOUS_CATEGORY,
    ),
    _product(
        "whitespace_padded",
        f"{ENORMOUS:,} spaces around a short name (trimmed)",
        "accepted",
        "product_name",
        "Padded",
        product_name=" " * ENORMOUS + "Padded" + " " * 10,
    ),
    RowCase(
        "SQL-looking session_id",
        "sessions",
        {
            "session_id": SQL_ID,
            "customer_id": "c'; delete from raw.customers; --",
            "session_start_at": "2024-02-01T10:00:00Z",
            "device": "mobile'; --",
            "traffic_source": "paid",
            "country": "US",
        },
        "accepted",
        "customer_id",
        "c'; delete from raw.customers; --",
    ),
    # Numbers: the contract's ranges (12 integer and 6 decimal digits; 9-digit quantities).
    _product(
        "max_price",
        "price 999999999999.999999 (largest allowed)",
        "accepted",
        "price_usd",
        Decimal("999999999999.999999"),
        price_usd="999999999999.999999",
    ),
    _product(
        "price_13_digits",
        "price with 13 integer digits",
        "invalid_price_usd",
        price_usd="1234567890123",
    ),
    _product("price_exponent", "price 1e5", "invalid_price_usd", price_usd="1e5"),
    _product(
        "price_7_decimals", "price with 7 decimals", "invalid_price_usd", price_usd="1.2345678"
    ),
    _product("price_grouped", "price 1,234.50", "invalid_price_usd", price_usd="1,234.50"),
    _product("price_nan", "price NaN", "invalid_price_usd", price_usd="NaN"),
    _product("cost_infinity", "cost Infinity", "invalid_cost_usd", cost_usd="Infinity"),
    RowCase(
        "order total with 20 digits",
        "orders",
        {
            "order_id": "or_total_overflow",
            "session_id": "",
            "customer_id": "c000001",
            "ordered_at": "2024-02-01T10:00:00Z",
            "order_total_usd": "99999999999999999999",
            "status": "completed",
        },
        "invalid_order_total_usd",
    ),
    RowCase(
        "largest order total, outside a web session",
        "orders",
        {
            "order_id": "or_max",
            "session_id": "",
            "customer_id": "c000001",
            "ordered_at": "2024-02-01T10:00:00Z",
            "order_total_usd": "999999999999.999999",
            "status": "completed",
        },
        "accepted",
        "order_total_usd",
        Decimal("999999999999.999999"),
    ),
    RowCase(
        "largest quantity × largest price",
        "order_items",
        {
            "order_id": "or_max",
            "product_id": "pr_max_price",
            "quantity": "999999999",
            "unit_price_usd": "999999999999.999999",
        },
        "accepted",
        "line_amount_usd",
        Decimal(999999999) * Decimal("999999999999.999999"),
    ),
    RowCase(
        "quantity 2147483648 (over 9 digits)",
        "order_items",
        {
            "order_id": "or_max",
            "product_id": "pr_quantity_overflow",
            "quantity": "2147483648",
            "unit_price_usd": "1.00",
        },
        "invalid_quantity",
    ),
    RowCase(
        "quantity 1.5",
        "order_items",
        {
            "order_id": "or_max",
            "product_id": "pr_quantity_fraction",
            "quantity": "1.5",
            "unit_price_usd": "1.00",
        },
        "invalid_quantity",
    ),
    # Duplicate keys across two loads (the second with --append).
    *[
        RowCase(
            f"exact copy in a later load ({label})",
            "sessions",
            {
                "session_id": "dup_exact",
                "customer_id": "c000001",
                "session_start_at": "2024-02-01T10:00:00Z",
                "device": "mobile",
                "traffic_source": "paid",
                "country": "FR",
            },
            outcome,
            batch=batch,
        )
        for batch, label, outcome in [(1, "first", "accepted"), (2, "copy", "duplicate_row")]
    ],
    *[
        RowCase(
            f"same session_id, {label}",
            "sessions",
            {
                "session_id": f"dup_{suffix}",
                "customer_id": "c000001",
                "session_start_at": start,
                "device": device,
                "traffic_source": "paid",
                "country": "FR",
            },
            outcome,
            "session_start_at" if outcome == "accepted" else None,
            _at(start.replace("T", " ").rstrip("Z")) if outcome == "accepted" else None,
            batch=batch,
        )
        for suffix, label, batch, start, device, outcome in [
            ("later", "first load", 1, "2024-02-01T10:00:00Z", "mobile", "accepted"),
            (
                "later",
                "later start in the next load",
                2,
                "2024-02-01T11:00:00Z",
                "tablet",
                "conflicting_duplicate",
            ),
            ("earlier", "first load", 1, "2024-02-01T10:00:00Z", "mobile", "conflicting_duplicate"),
            (
                "earlier",
                "earlier start in the next load",
                2,
                "2024-02-01T09:00:00Z",
                "tablet",
                "accepted",
            ),
        ]
    ],
    RowCase(
        "event copied into the next load",
        "events",
        {
            "event_id": "ev_mixed_1",
            "session_id": "ts_z",
            "event_at": "2024-02-01T10:00:00Z",
            "event_type": "page_view",
            "page": "home",
            "product_id": "",
        },
        "duplicate_row",
        batch=2,
    ),
]

BOM_TABLE = "customers"
"""Batch 1 writes this file with a byte-order mark: its first row's key must come out clean."""
CRLF_TABLE = "products"
"""Batch 1 writes this file with CRLF line endings: no value may keep a carriage return."""
HEADER_ONLY_TABLES = ("customers", "products", "orders", "order_items")
"""Batch 2 (the appended load) holds only the header in these files."""


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    # The terminator's characters are what csv quotes besides commas and quotes.
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().removesuffix("\r\n")


def plant(base: Path, out: Path, batch: int) -> dict[str, int]:
    """Write batch 1 (the base files plus planted rows) or batch 2 (only planted rows).

    Returns the data records written per table (an independent count of raw rows).
    """
    out.mkdir(parents=True, exist_ok=True)
    records: dict[str, int] = {}
    for table, columns in TABLE_COLUMNS.items():
        if batch == 1:
            with (base / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))
            lines = [_csv_line(row) for row in rows]
        else:
            lines = [_csv_line(list(columns))]
        planted = [case for case in ROW_CASES if case.table == table and case.batch == batch]
        for case in planted:
            lines.append(_csv_line([case.row[name] for name in columns]))
        ending = "\r\n" if batch == 1 and table == CRLF_TABLE else "\n"
        text = ending.join(lines) + ending
        data = text.encode("utf-8")
        if batch == 1 and table == BOM_TABLE:
            data = b"\xef\xbb\xbf" + data
        (out / f"{table}.csv").write_bytes(data)
        records[table] = len(lines) - 1
    return records


def first_key(base: Path, table: str) -> str:
    """The key of the first data row of a base file (the row right after a BOM'd header)."""
    with (base / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return next(reader)[0]


def documented_counts() -> str:
    """The counts for docs/reliability.md, from the case tables."""
    errors = [case for case in FILE_CASES if not case.loads]
    loads = [case for case in FILE_CASES if case.loads]
    kept = [case for case in ROW_CASES if case.outcome == "accepted"]
    quarantined = [case for case in ROW_CASES if case.outcome != "accepted"]
    reasons = sorted({case.outcome for case in quarantined})
    return "\n".join(
        [
            "| bad input tried (on DuckDB and on PostgreSQL) | cases | outcome |",
            "| --- | --- | --- |",
            f"| malformed files | {len(errors)} | one-line loader error naming the file, line"
            " and column (where they apply); raw unchanged |",
            f"| awkward but valid files | {len(loads)} | loaded, every record kept |",
            f"| planted odd rows | {len(ROW_CASES)} | {len(kept)} kept with the expected value,"
            f" {len(quarantined)} quarantined ({len(reasons)} distinct reasons) |",
        ]
    )
