"""customer_behaviour.enrich without a database: UTC offsets against zoneinfo, holidays
against the holidays package, the scope of the data, and the user's statistics file checked
like the input files (one line naming file, line and column)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pandas as pd
import pytest

from customer_behaviour import enrich
from customer_behaviour.cli import main
from customer_behaviour.errors import UserError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples/enrichment/country_statistics_made_up.csv"


@pytest.mark.parametrize(
    "zone", ["Europe/Amsterdam", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe"]
)
def test_offset_intervals_agree_with_zoneinfo_every_quarter_hour(zone: str) -> None:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    end = datetime(2025, 1, 1, tzinfo=timezone.utc)
    intervals = enrich.offset_intervals(zone, start, end)
    assert intervals[0][0] == start and intervals[-1][1] == end
    for (_, until, _), (following, _, _) in zip(intervals, intervals[1:], strict=False):
        assert until == following
    moment, index = start, 0
    while moment < end:
        while intervals[index][1] <= moment:
            index += 1
        expected = moment.astimezone(ZoneInfo(zone)).utcoffset()
        assert intervals[index][2] == expected.total_seconds() // 60, (zone, moment)
        moment += timedelta(minutes=15)


def test_holidays_frame_is_the_holidays_package_within_the_range() -> None:
    countries, messages = enrich.countries_frame(["NL", "US", "ZZ"])
    assert list(countries["country_code"]) == ["NL", "US"] and "ZZ" in messages[0]
    frame = enrich.holidays_frame(countries, date(2023, 12, 31), date(2024, 12, 31))
    for code in ("NL", "US"):
        expected = {
            day.isoformat()
            for day in holidays.country_holidays(code, years=[2023, 2024])
            if date(2023, 12, 31) <= day <= date(2024, 12, 31)
        }
        assert set(frame.loc[frame["country_code"] == code, "holiday_date"]) == expected
    us = countries.set_index("country_code").loc["US"]
    assert us["time_zone"] == "America/New_York" and us["n_time_zones"] > 1
    assert us["continent_code"] == "NA" and us["alpha3_code"] == "USA"


def test_scope_is_the_accepted_sessions_countries_and_dates() -> None:
    sessions = pd.DataFrame(
        {
            "country": ["NL", "unknown", "DE", "FR"],
            "session_start_at": pd.to_datetime(
                ["2024-01-02", "2024-01-01", "2024-02-01", "2023-01-01"]
            ),
            "is_accepted": [True, True, True, False],
        }
    )
    scope = enrich.data_scope(sessions)
    assert scope == enrich.DataScope(("DE", "NL"), date(2024, 1, 1), date(2024, 2, 1))
    assert enrich.data_scope(sessions.iloc[3:]) is None
    frames, messages = enrich.reference_frames(None, None)
    assert all(frame.empty for frame in frames.values()) and messages


def test_the_example_statistics_file_reads() -> None:
    frame = enrich.read_statistics(EXAMPLE)
    assert len(frame) == len(pd.read_csv(EXAMPLE))
    assert frame["source"].str.contains("MADE UP").all()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("XX,2024,share,0.5,office", "line 2, column 'country_code'"),
        ("NL,24,share,0.5,office", "line 2, column 'year'"),
        ("NL,2024,Share of X,0.5,office", "line 2, column 'metric'"),
        ("NL,2024,share,0,5,office", "line 2: 6 field(s)"),
        ("NL,2024,share,abc,office", "line 2, column 'value'"),
        ("NL,2024,share,0.5,", "line 2, column 'source'"),
    ],
)
def test_bad_statistics_give_one_line_naming_the_place(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "statistics.csv"
    path.write_text("country_code,year,metric,value,source\n" + line + "\n", encoding="utf-8")
    with pytest.raises(UserError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        enrich.read_statistics(path)


def test_duplicate_statistics_and_missing_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "statistics.csv"
    path.write_text(
        "country_code,year,metric,value,source\nNL,2024,a,1,x\nNL,2024,a,2,x\n", encoding="utf-8"
    )
    with pytest.raises(UserError, match="line 3: .* already appear on line 2"):
        enrich.read_statistics(path)
    path.write_text("country_code,year,metric,value\nNL,2024,a,1\n", encoding="utf-8")
    assert main(["enrich", "--statistics", str(path)]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "column 'source' is missing" in error
