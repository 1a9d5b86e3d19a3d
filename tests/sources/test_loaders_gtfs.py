"""GTFS loader: contract, calendar, date choice, frames round trip, static feeds, and the real bundle."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import partridge as ptg
import pytest

from sources.errors import SchemaError
from sources.loaders.gtfs import (
    COLUMNS,
    GtfsFeed,
    ServiceDateError,
    load_gtfs,
    load_gtfs_static,
    representative_date,
    service_ids_by_date,
)
from sources.validate import Loaded
from tests.factories import CALENDAR, STOP_TIMES, TRIPS, make_gtfs_dir, make_gtfs_zip

WEEKDAYS = [dt.date(2024, 3, d) for d in range(4, 9)]


@pytest.fixture()
def tiny_zip(tmp_path: Path) -> Path:
    return make_gtfs_zip(tmp_path / "tiny.zip")


def test_accessibility_extensions_are_read_counted_and_checked(tmp_path: Path) -> None:
    tables = {"stops_extensions.txt": [{"stop_id": "A", "stop_accessible": "1"}, {"stop_id": "B", "stop_accessible": "0"},
                                       {"stop_id": "C", "stop_accessible": "yes"}, {"stop_id": "Z", "stop_accessible": "1"}],
              "routes_extensions.txt": [{"route_id": "L1", "route_accessible": "1"}]}
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "ext.zip", tables=tables))
    assert feed.stops["wheelchair_boarding"].tolist() == [1, 2, 0, 0]
    assert str(feed.stops["wheelchair_boarding"].dtype) == "int8"
    assert feed.routes["wheelchair_accessible"].tolist() == [1, 0]
    assert report.stats["wheelchair_stops"] == {"accessible": 1, "not_accessible": 1, "unknown": 2,
                                                "source": "stops_extensions.txt"}
    assert report.stats["wheelchair_routes"]["unknown"] == 1
    unknown = [(n.file, n.value) for n in report.notices if n.code == "accessibility_unknown"]
    assert unknown == [("stops_extensions.txt", "2"), ("routes_extensions.txt", "1")]
    bad = [(n.file, n.row, n.field, n.value) for n in report.notices if n.code == "unexpected_enum_value"]
    assert bad == [("stops_extensions.txt", 3, "stop_accessible", "yes")]
    orphan = [(n.file, n.value) for n in report.notices if n.code == "foreign_key_violation"]
    assert orphan == [("stops_extensions.txt", "Z")]
    assert report.rows_read == report.rows_kept + report.n_quarantined


def test_tiny_feed_contract(tiny_zip: Path) -> None:
    loaded = load_gtfs(tiny_zip)
    assert isinstance(loaded, Loaded)
    feed, report = loaded
    for table in ("stops", "routes", "trips", "stop_times", "calendar"):
        frame = getattr(feed, table)
        contract = COLUMNS[table]
        assert list(frame.columns[: len(contract)]) == list(contract), table
        for col, dtype in contract.items():
            assert str(frame[col].dtype) == dtype, (table, col)
    assert "_row" not in feed.calendar.columns and "_row" not in feed.stop_times.columns
    st = feed.stop_times
    assert list(st["trip_id"].unique()) == ["N1", "T1", "T2", "T3"]  # sorted by trip, sequence
    t1 = st[st["trip_id"] == "T1"]
    assert list(t1["stop_sequence"]) == [1, 2, 3, 4]
    assert list(t1["departure_time_s"]) == [28800.0, 29100.0, 29400.0, 29700.0]
    assert feed.calendar["start_date"].iloc[0] == dt.date(2024, 3, 4)
    assert feed.routes["route_color"].tolist() == ["E3051B", "0067B1"]
    assert report.stats == {
        "trips": 4, "stop_times": 16, "stops": 4, "routes": 2, "services": 1,
        "calendar_start": "2024-03-04", "calendar_end": "2024-03-10",
        "busiest_date": "2024-03-04", "busiest_date_trips": 4, "date": "2024-03-04",
        "date_trips": 4,
        # no accessibility information in the tiny feed: every stop and route unknown, and said
        "wheelchair_stops": {"accessible": 0, "not_accessible": 0, "unknown": 4, "source": "none"},
        "wheelchair_routes": {"accessible": 0, "not_accessible": 0, "unknown": 2, "source": "none"}}
    assert not [n for n in report.notices if n.code == "accessibility_unknown"]  # no flag at all: stats say so
    assert (report.rows_read, report.rows_kept, report.n_quarantined) == (28, 28, 0)
    assert report.ok and report.files == [str(tiny_zip)]
    assert report.bbox == (-1.678, 48.097, -1.668, 48.11)


def test_services_by_date_and_busiest_match_partridge(tmp_path: Path) -> None:
    cal = CALENDAR + [dict(CALENDAR[0], service_id="SAT", monday="0", tuesday="0", wednesday="0",
                           thursday="0", friday="0", saturday="1")]
    cd = [{"service_id": "WK", "date": "20240306", "exception_type": "2"},
          {"service_id": "SAT", "date": "20240307", "exception_type": "1"}]
    trips = TRIPS + [{"route_id": "L1", "service_id": "SAT", "trip_id": "S1"}]
    st = STOP_TIMES + [
        {"trip_id": "S1", "arrival_time": "10:00:00", "departure_time": "10:00:00", "stop_id": "A",
         "stop_sequence": "1"},
        {"trip_id": "S1", "arrival_time": "10:05:00", "departure_time": "10:05:00", "stop_id": "B",
         "stop_sequence": "2"}]
    folder = make_gtfs_dir(tmp_path / "feed", tables={"calendar.txt": cal, "calendar_dates.txt": cd,
                                                      "trips.txt": trips, "stop_times.txt": st})
    feed, report = load_gtfs(folder)
    assert feed.services_by_date == ptg.read_service_ids_by_date(str(folder))
    assert feed.services_by_date[dt.date(2024, 3, 7)] == frozenset({"WK", "SAT"})
    assert dt.date(2024, 3, 6) not in feed.services_by_date
    busiest, _ = ptg.read_busiest_date(str(folder))
    assert feed.busiest_date() == busiest == dt.date(2024, 3, 7) == feed.date
    assert feed.trip_counts_by_date() == ptg.read_trip_counts_by_date(str(folder))
    assert report.stats["busiest_date_trips"] == 5


def test_service_ids_by_date_direct() -> None:
    cal = pd.DataFrame({"service_id": ["A"], **{d: [1] for d in ("monday", "tuesday", "wednesday",
                                                                 "thursday", "friday")},
                        "saturday": [0], "sunday": [0],
                        "start_date": [dt.date(2024, 2, 29)], "end_date": [dt.date(2024, 3, 3)]})
    cd = pd.DataFrame({"service_id": ["B", "A"], "date": [dt.date(2024, 3, 2), dt.date(2024, 2, 29)],
                       "exception_type": [1, 2]})
    assert service_ids_by_date(cal, cd) == {dt.date(2024, 3, 1): frozenset({"A"}),
                                            dt.date(2024, 3, 2): frozenset({"B"})}
    assert service_ids_by_date(cal.iloc[:0], cd.iloc[:0]) == {}


def test_date_asked_for_is_used(tiny_zip: Path) -> None:
    feed, report = load_gtfs(tiny_zip, date=dt.date(2024, 3, 7))
    assert feed.date == dt.date(2024, 3, 7)
    assert report.stats["date"] == "2024-03-07" and report.stats["busiest_date"] == "2024-03-04"
    assert sorted(feed.services_by_date) == WEEKDAYS  # the whole span, not only the date
    assert len(feed.trips_on(dt.date(2024, 3, 10))) == 0
    assert (feed.first_date, feed.last_date) == (WEEKDAYS[0], WEEKDAYS[-1])


def test_service_date_error_when_no_date_has_service(tmp_path: Path) -> None:
    never = dict(CALENDAR[0], saturday="0", **{d: "0" for d in
                                               ("monday", "tuesday", "wednesday", "thursday", "friday")})
    with pytest.raises(ServiceDateError, match="no date with service") as err:
        load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"calendar.txt": [never]}))
    assert err.value.busiest_date is None


def test_frames_round_trip(tiny_zip: Path) -> None:
    feed, _ = load_gtfs(tiny_zip, date=dt.date(2024, 3, 5))
    frames = feed.to_frames()
    assert set(frames) == {"agency", "stops", "routes", "trips", "stop_times", "calendar",
                           "calendar_dates", "feed_info", "services_by_date", "frequencies"}
    sbd = frames["services_by_date"]
    assert list(sbd.columns) == ["date", "service_id"] and len(sbd) == 5
    assert sbd["date"].iloc[0] == dt.date(2024, 3, 4)
    back = GtfsFeed.from_frames(frames, **feed.to_meta())
    assert back.date == dt.date(2024, 3, 5) and back.path == feed.path
    assert back.services_by_date == feed.services_by_date
    for table in ("stops", "routes", "trips", "stop_times", "calendar", "calendar_dates"):
        pd.testing.assert_frame_equal(getattr(back, table), getattr(feed, table))
    # as a parquet reader would give them back: dates as Timestamps, meta date as str
    frames["calendar"] = frames["calendar"].assign(
        start_date=pd.to_datetime(frames["calendar"]["start_date"]),
        end_date=pd.to_datetime(frames["calendar"]["end_date"]))
    frames["services_by_date"] = sbd.assign(date=pd.to_datetime(sbd["date"]))
    back2 = GtfsFeed.from_frames(frames, path="x.zip", date="2024-03-05")
    assert back2.calendar["end_date"].iloc[0] == dt.date(2024, 3, 10)
    assert back2.services_by_date == feed.services_by_date
    assert back2.busiest_date() == dt.date(2024, 3, 4)
    empty = GtfsFeed.from_frames({})
    assert list(empty.stop_times.columns) == list(COLUMNS["stop_times"]) and empty.date is None


def test_frames_are_copies(tiny_zip: Path) -> None:
    feed, _ = load_gtfs(tiny_zip)
    frames = feed.to_frames()
    frames["stops"].loc[0, "stop_name"] = "changed"
    assert feed.stops.loc[0, "stop_name"] == "République"


def test_static_loader_on_a_feed_without_timetables(tmp_path: Path) -> None:
    z = make_gtfs_zip(tmp_path / "static.zip", tables={"trips.txt": None, "stop_times.txt": None})
    feed, report = load_gtfs_static(z)
    assert (len(feed.stops), len(feed.routes), len(feed.calendar)) == (4, 2, 1)
    assert len(feed.trips) == 0 and list(feed.trips.columns) == list(COLUMNS["trips"])
    assert list(feed.stop_times.columns) == list(COLUMNS["stop_times"])
    not_routable = [n for n in report.notices if n.code == "not_routable"]
    assert len(not_routable) == 1 and "timetables missing" in not_routable[0].message
    assert feed.date == dt.date(2024, 3, 4) and report.stats["services"] == 1
    assert report.rows_read == report.rows_kept == 8  # agency 1, stops 4, routes 2, calendar 1
    with pytest.raises(ServiceDateError, match="outside the calendar"):
        load_gtfs_static(z, date=dt.date(2030, 1, 1))


def test_static_loader_on_a_full_feed_does_not_read_timetables(tiny_zip: Path) -> None:
    feed, report = load_gtfs_static(tiny_zip)
    assert len(feed.trips) == 0
    assert [n.code for n in report.notices] == ["timetables_not_loaded"]


def test_one_element_sequence_and_too_many_paths(tiny_zip: Path) -> None:
    feed, _ = load_gtfs([tiny_zip])
    assert len(feed.trips) == 4
    with pytest.raises(ValueError, match="one file, zip or folder"):
        load_gtfs([tiny_zip, tiny_zip])


# -- the real bundle --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def star_2011(bundle_dir: Path) -> tuple[Loaded, float]:
    start = time.perf_counter()
    loaded = load_gtfs(bundle_dir / "gtfs" / "star-2011-11-14.zip")
    return loaded, time.perf_counter() - start


@pytest.mark.slow
@pytest.mark.bundle
def test_star_2011_acceptance_figures(star_2011: tuple[Loaded, float], bundle_dir: Path) -> None:
    (feed, report), seconds = star_2011
    print(f"star-2011-11-14.zip loaded in {seconds:.2f} s")
    assert (len(feed.trips), len(feed.stop_times), len(feed.stops)) == (19_721, 534_918, 1_350)
    assert report.stats["trips"] == 19_721 and report.stats["stop_times"] == 534_918
    assert report.stats["stops"] == 1_350 and report.stats["routes"] == 67
    assert report.stats["services"] == 21
    assert (report.stats["calendar_start"], report.stats["calendar_end"]) == ("2011-11-14", "2011-11-20")
    assert report.n_quarantined == 0 and report.ok
    # partridge agrees on the calendar and the busiest date (a Friday, 3,853 trips)
    path = str(bundle_dir / "gtfs" / "star-2011-11-14.zip")
    assert feed.services_by_date == ptg.read_service_ids_by_date(path)
    busiest, _ = ptg.read_busiest_date(path)
    assert feed.date == feed.busiest_date() == busiest == dt.date(2011, 11, 18)
    assert report.stats["busiest_date_trips"] == 3_853
    assert feed.routes["route_id"].iloc[0] == "0001"  # ids stay text (leading zeros)
    assert feed.stop_times["arrival_time_s"].max() < 48 * 3600


@pytest.mark.slow
@pytest.mark.bundle
def test_star_2011_tuesday_and_out_of_calendar(bundle_dir: Path) -> None:
    path = bundle_dir / "gtfs" / "star-2011-11-14.zip"
    feed, report = load_gtfs(path, date=dt.date(2011, 11, 15))
    assert feed.date.weekday() == 1 and report.stats["date_trips"] == 3_764
    assert len(feed.trips_on(feed.date)) == 3_764 and len(feed.trips) == 19_721
    with pytest.raises(ServiceDateError) as err:
        load_gtfs(path, date=dt.date(2024, 3, 4))
    assert err.value.busiest_date == dt.date(2011, 11, 18)
    assert "14 November 2011 to 20 November 2011" in str(err.value)


@pytest.mark.bundle
def test_star_2023_partial_feed_is_static(bundle_dir: Path) -> None:
    feed, report = load_gtfs_static(bundle_dir / "network" / "star-gtfs-2023-05-partial-no-trips.zip")
    assert (len(feed.stops), len(feed.routes)) == (1_792, 156)
    assert len(feed.trips) == 0 and len(feed.stop_times) == 0
    assert [n.code for n in report.notices] == ["not_routable", "accessibility_unknown"]
    # the 2023 feed has GTFS wheelchair_boarding: 22 stops without a value are reported
    assert report.stats["wheelchair_stops"] == {"accessible": 1_427, "not_accessible": 343, "unknown": 22,
                                                "source": "stops.txt"}
    assert {"1001", "1002"} <= set(feed.routes["route_id"])  # metro a and b
    assert report.stats["feed_start_date"] == "2023-05-01"
    assert report.stats["calendar_end"] == "2023-06-11"
    assert report.n_quarantined == 0
    with pytest.raises(SchemaError, match="load_gtfs_static"):
        load_gtfs(bundle_dir / "network" / "star-gtfs-2023-05-partial-no-trips.zip")


def test_representative_weekday_rule() -> None:
    week = {dt.date(2011, 11, 14) + dt.timedelta(days=i): n
            for i, n in enumerate([3764, 3764, 3758, 3764, 3853, 2517, 810])}
    # the usual weekday count (3,764), first day whose eve is in the feed: Tuesday, not Monday
    assert representative_date(week) == dt.date(2011, 11, 15)
    # a week starting on a Sunday: Monday's eve has service, Monday is the answer
    shifted = {**week, dt.date(2011, 11, 13): 800}
    assert representative_date(shifted) == dt.date(2011, 11, 14)
    assert representative_date({dt.date(2011, 11, 19): 10}) is None  # weekend only
    assert representative_date({}) is None
