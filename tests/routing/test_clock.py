"""routing.clock: one parser and one formatter of clock times, with one range rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from routing.clock import (
    SERVICE_DAY_H,
    TIME_OF_DAY_H,
    ClockError,
    format_clock,
    parse_clock,
    seconds_of_day,
)


@pytest.mark.parametrize("text, secs", [("00:00", 0), ("8:05", 29100), ("08:05:30", 29130), ("23:59:59", 86399)])
def test_a_time_of_day(text: str, secs: int) -> None:
    assert parse_clock(text) == secs
    assert parse_clock(text, max_hours=SERVICE_DAY_H) == secs


@pytest.mark.parametrize("text", ["25:99", "08:60", "08:00:60", "24:00", "24:05", "8h", "08", "-1:00", " 08:00",
                                  "08:00 ", "100:00", "08:5", "０８:００", "", None, 480])
def test_refused_as_a_time_of_day(text: object) -> None:
    with pytest.raises(ClockError):
        parse_clock(text, max_hours=TIME_OF_DAY_H)


def test_after_midnight_only_where_the_timetable_allows_it() -> None:
    assert parse_clock("24:05", max_hours=SERVICE_DAY_H) == 86700
    assert parse_clock("47:59:59", max_hours=SERVICE_DAY_H) == 48 * 3600 - 1
    for text in ("25:99", "48:00", "24:60"):
        with pytest.raises(ClockError):
            parse_clock(text, max_hours=SERVICE_DAY_H)
    with pytest.raises(ValueError):  # ClockError is a ValueError
        parse_clock("24:05")


def test_seconds_of_day_of_every_form() -> None:
    assert seconds_of_day("08:00") == 28800
    assert seconds_of_day(" 08:00 ") == 28800
    assert seconds_of_day(dt.time(8, 0, 5)) == 28805
    assert seconds_of_day(dt.datetime(2011, 11, 15, 8, 0)) == 28800
    assert seconds_of_day("2011-11-15T08:00") == 28800
    assert seconds_of_day(28800) == 28800 and seconds_of_day(np.int64(90000)) == 90000
    assert seconds_of_day(28800.7) == 28800
    for bad in ("25:99", "2011-11-15T25:00", True, "soon"):
        with pytest.raises(ClockError):
            seconds_of_day(bad)


def test_format_clock() -> None:
    assert format_clock(29130) == "08:05"
    assert format_clock(29130, seconds=True) == "08:05:30"
    assert format_clock(29100, seconds=True) == "08:05:00"
    assert format_clock(29100, seconds=None) == "08:05" and format_clock(29130, seconds=None) == "08:05:30"
    assert format_clock(25 * 3600 + 60) == "25:01"  # GTFS hours past midnight
    assert format_clock(29130.9) == "08:05"
    for secs in (0, 29130, 86399, 90061):
        assert parse_clock(format_clock(secs, seconds=True), max_hours=SERVICE_DAY_H) == secs
