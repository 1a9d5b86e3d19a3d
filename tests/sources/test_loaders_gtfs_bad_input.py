"""Bad GTFS inputs, each built in the test from the tiny 4-stop feed of tests.factories.

Default feed: 4 stops, 2 routes, 4 trips (T1, T2, T3, N1) x 4 stop_times = 16, one
weekday service WK (2024-03-04..2024-03-10), no calendar_dates.txt. stop_times rows
1-4 are T1 (A 08:00, B 08:05, C 08:10, D 08:15), 5-8 T2, 9-12 T3, 13-16 N1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from sources.errors import SchemaError, UnusableInputError
from sources.loaders import _zip
from sources.loaders.gtfs import COLUMNS, ServiceDateError, load_gtfs
from sources.validate import WARNING, Report
from tests.factories import (
    CALENDAR,
    STOP_TIMES,
    STOPS,
    TRIPS,
    gtfs_tables,
    make_gtfs_dir,
    make_gtfs_zip,
)


def _q(report: Report, code: str) -> list[tuple[str | None, int | None, str | None]]:
    return [(n.file, n.row, n.field) for n in report.quarantined if n.code == code]


def _notices(report: Report, code: str) -> list:
    return [n for n in report.notices if n.code == code]


def _balanced(report: Report) -> bool:
    return report.rows_read == report.rows_kept + report.n_quarantined


def _st(trip: str, times: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"trip_id": trip, "arrival_time": t, "departure_time": t, "stop_id": s,
             "stop_sequence": str(i + 1)} for i, (s, t) in enumerate(times)]


def _with_time(row: int, arrival: str, departure: str | None = None) -> list[dict[str, str]]:
    """STOP_TIMES with 1-based data row ``row`` given other times."""
    rows = [dict(r) for r in STOP_TIMES]
    rows[row - 1]["arrival_time"] = arrival
    rows[row - 1]["departure_time"] = arrival if departure is None else departure
    return rows


# -- archives -------------------------------------------------------------------------


def test_truncated_zip_is_unusable_and_named(tmp_path: Path) -> None:
    good = make_gtfs_zip(tmp_path / "good.zip")
    bad = tmp_path / "cut.zip"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(UnusableInputError) as err:
        load_gtfs(bad)
    assert err.value.file == "cut.zip"
    assert "cut.zip" in str(err.value) and "truncated or corrupt" in str(err.value)


def test_corrupt_entry_data_is_unusable_and_names_the_entry(tmp_path: Path) -> None:
    z = make_gtfs_zip(tmp_path / "f.zip")
    data = bytearray(z.read_bytes())
    with zipfile.ZipFile(z) as zf:
        info = zf.getinfo("stop_times.txt")
    start = info.header_offset + 30 + len(info.filename.encode()) + 5
    for i in range(start, start + 40):
        data[i] ^= 0xFF
    z.write_bytes(bytes(data))
    with pytest.raises(UnusableInputError) as err:
        load_gtfs(z)
    assert err.value.file == "f.zip:stop_times.txt"


def test_not_a_zip_at_all(tmp_path: Path) -> None:
    page = tmp_path / "feed.zip"
    page.write_text("<html><body>503 Service Unavailable</body></html>")
    with pytest.raises(UnusableInputError, match="feed.zip"):
        load_gtfs(page)


def test_gtfs_inside_a_subfolder_of_the_zip(tmp_path: Path) -> None:
    z = make_gtfs_zip(tmp_path / "f.zip", prefix="export/gtfs/")
    feed, report = load_gtfs(z)
    assert (len(feed.trips), len(feed.stop_times), len(feed.stops)) == (4, 16, 4)
    assert [n.value for n in _notices(report, "feed_in_subfolder")] == ["export/gtfs"]


def test_gtfs_inside_a_subfolder_of_a_directory(tmp_path: Path) -> None:
    make_gtfs_dir(tmp_path / "feed" / "inner")
    feed, report = load_gtfs(tmp_path / "feed")
    assert (len(feed.trips), len(feed.stop_times)) == (4, 16)
    assert [n.value for n in _notices(report, "feed_in_subfolder")] == ["inner"]


def test_zip_entries_with_dotdot_or_absolute_names_are_never_written(tmp_path: Path) -> None:
    z = make_gtfs_zip(tmp_path / "f.zip", raw={"../../evil.txt": "pwned", "/abs/evil.txt": "x",
                                               "..\\win\\stops.txt": "stop_id\nEVIL\n",
                                               "../stops.txt": "stop_id\nEVIL\n"})
    feed, report = load_gtfs(z)
    assert sorted(feed.stops["stop_id"]) == ["A", "B", "C", "D"]
    unsafe = sorted(n.value for n in _notices(report, "unsafe_zip_entry"))
    assert unsafe == sorted(["../../evil.txt", "/abs/evil.txt", "..\\win\\stops.txt", "../stops.txt"])
    assert all(n.severity == WARNING for n in _notices(report, "unsafe_zip_entry"))
    # extracting into a known folder: only the feed files land there, nothing outside
    dest = tmp_path / "a" / "b" / "out"
    dest.mkdir(parents=True)
    files = _zip.extract_members(z, dest, wanted={"stops.txt", "trips.txt", "evil.txt"},
                                 report=Report("t"))
    assert sorted(files) == ["stops.txt", "trips.txt"]
    assert sorted(p.name for p in dest.iterdir()) == ["stops.txt", "trips.txt"]
    assert not list(tmp_path.rglob("evil.txt"))
    assert not (tmp_path / "a" / "stops.txt").exists()


def test_temporary_extraction_folder_is_removed(tmp_path: Path) -> None:
    z = make_gtfs_zip(tmp_path / "f.zip")
    with _zip.open_feed_folder(z, wanted={"stops.txt"}, report=Report("t")) as files:
        folder = files["stops.txt"].parent
        assert files["stops.txt"].read_text().startswith("stop_id")
    assert not folder.exists()
    with pytest.raises(UnusableInputError):  # also removed when the body raises
        with _zip.open_feed_folder(z, wanted={"stops.txt"}, report=Report("t")) as files:
            folder = files["stops.txt"].parent
            raise UnusableInputError("boom")
    assert not folder.exists()


def test_zip_bomb_guard_total_size_and_ratio(tmp_path: Path) -> None:
    z = make_gtfs_zip(tmp_path / "f.zip")
    with pytest.raises(UnusableInputError, match="zip bomb"):
        load_gtfs(z, max_total_bytes=500)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("stops.txt", "stop_id\n" + "0" * 300_000)
    with pytest.raises(UnusableInputError, match="zip bomb") as err:
        _zip.extract_members(bomb, tmp_path, wanted={"stops.txt"}, report=Report("t"),
                             ratio_min_bytes=100_000)
    assert err.value.file == "bomb.zip:stops.txt"
    assert not (tmp_path / "stops.txt").exists()


def test_archive_without_any_gtfs_file(tmp_path: Path) -> None:
    z = tmp_path / "photos.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.md", "hello")
    with pytest.raises(UnusableInputError, match="no feed file"):
        load_gtfs(z)


# -- CSV dialect -------------------------------------------------------------------------


def test_bom_crlf_and_every_field_quoted(tmp_path: Path) -> None:
    raw: dict[str, bytes] = {}
    for name, text in gtfs_tables().items():
        rows = list(csv.reader(io.StringIO(text)))
        buf = io.StringIO()
        csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
        raw[name] = ("\ufeff" + buf.getvalue()).encode("utf-8")
    plain, _ = load_gtfs(make_gtfs_zip(tmp_path / "plain.zip"))
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "bom.zip", raw=raw))
    assert list(feed.stops.columns)[:2] == ["stop_id", "stop_name"]
    assert report.n_quarantined == 0 and report.rows_read == 28
    for table in ("stops", "routes", "trips", "stop_times", "calendar"):
        assert getattr(feed, table).equals(getattr(plain, table)), table
    assert feed.stop_times["arrival_time_s"].iloc[3] == 25 * 3600.0  # N1 D at 25:00:00


def test_padded_values_and_na_ids_are_kept_as_text(tmp_path: Path) -> None:
    stops = [dict(s) for s in STOPS]
    stops[0]["stop_id"] = "NA"
    stops[1]["stop_name"] = "  Gares  "
    st = [dict(r, stop_id="NA") if r["stop_id"] == "A" else dict(r) for r in STOP_TIMES]
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"stops.txt": stops,
                                                                       "stop_times.txt": st}))
    assert report.n_quarantined == 0
    assert list(feed.stops["stop_id"]) == ["NA", "B", "C", "D"]
    assert feed.stops["stop_name"].iloc[1] == "Gares"
    assert (feed.stop_times["stop_id"] == "NA").sum() == 4


def test_line_with_too_many_fields_is_quarantined(tmp_path: Path) -> None:
    text = gtfs_tables()["stops.txt"].splitlines()
    text.insert(2, "X,Extra,48.1,-1.6,surplus")
    z = make_gtfs_zip(tmp_path / "f.zip", raw={"stops.txt": "\n".join(text) + "\n"})
    feed, report = load_gtfs(z)
    assert _q(report, "invalid_row_length") == [("stops.txt", 2, None)]
    assert list(feed.stops["stop_id"]) == ["A", "B", "C", "D"]
    assert _balanced(report)


def test_missing_optional_files_are_empty_frames_with_contract_columns(tmp_path: Path) -> None:
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"agency.txt": None}))
    assert list(feed.calendar_dates.columns) == list(COLUMNS["calendar_dates"])
    assert list(feed.feed_info.columns) == list(COLUMNS["feed_info"])
    assert list(feed.agency.columns) == list(COLUMNS["agency"]) and len(feed.agency) == 0
    assert [n.file for n in _notices(report, "missing_required_file")] == ["agency.txt"]
    assert len(feed.trips) == 4


def test_missing_required_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as err:
        load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"stop_times.txt": None}))
    assert err.value.file == "f.zip:stop_times.txt" and "load_gtfs_static" in str(err.value)
    with pytest.raises(SchemaError, match="calendar"):
        load_gtfs(make_gtfs_zip(tmp_path / "g.zip", tables={"calendar.txt": None}))


def test_missing_required_column_names_file_and_field(tmp_path: Path) -> None:
    stops = [{k: v for k, v in s.items() if k != "stop_lat"} for s in STOPS]
    with pytest.raises(SchemaError) as err:
        load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"stops.txt": stops}))
    assert (err.value.file, err.value.field) == ("stops.txt", "stop_lat")
    assert "stop_lat" in str(err.value) and "stops.txt" in str(err.value)


# -- references and keys -----------------------------------------------------------------


def test_stop_times_pointing_to_unknown_trip_or_stop(tmp_path: Path) -> None:
    st = STOP_TIMES + _st("GHOST", [("A", "09:00:00"), ("B", "09:05:00")])
    st = st + [{"trip_id": "T1", "arrival_time": "08:20:00", "departure_time": "08:20:00",
                "stop_id": "ZZ", "stop_sequence": "5"}]
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"stop_times.txt": st}))
    assert _q(report, "foreign_key_violation") == [
        ("stop_times.txt", 17, "trip_id"), ("stop_times.txt", 18, "trip_id"),
        ("stop_times.txt", 19, "stop_id")]
    assert len(feed.stop_times) == 16 and report.n_quarantined == 3 and _balanced(report)
    assert not report.ok


def test_trips_pointing_to_unknown_route_or_service(tmp_path: Path) -> None:
    trips = TRIPS + [{"route_id": "L9", "service_id": "WK", "trip_id": "X1", "direction_id": "0"},
                     {"route_id": "L1", "service_id": "NOPE", "trip_id": "X2", "direction_id": "0"}]
    st = STOP_TIMES + _st("X1", [("A", "09:00:00"), ("B", "09:05:00")])
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"trips.txt": trips,
                                                                       "stop_times.txt": st}))
    assert _q(report, "foreign_key_violation") == [
        ("trips.txt", 5, "route_id"), ("trips.txt", 6, "service_id"),
        ("stop_times.txt", 17, "trip_id"), ("stop_times.txt", 18, "trip_id")]
    assert sorted(feed.trips["trip_id"]) == ["N1", "T1", "T2", "T3"]
    assert _balanced(report)


def test_duplicate_keys_keep_the_first(tmp_path: Path) -> None:
    stops = STOPS + [dict(STOPS[0], stop_name="Doublon")]
    trips = TRIPS + [dict(TRIPS[0])]
    st = STOP_TIMES + [dict(STOP_TIMES[1], arrival_time="08:06:00", departure_time="08:06:00")]
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={
        "stops.txt": stops, "trips.txt": trips, "stop_times.txt": st}))
    assert _q(report, "duplicate_key") == [("stops.txt", 5, "stop_id"), ("trips.txt", 5, "trip_id"),
                                           ("stop_times.txt", 17, "stop_sequence")]
    assert feed.stops.set_index("stop_id").loc["A", "stop_name"] == "République"
    t1 = feed.stop_times[feed.stop_times["trip_id"] == "T1"]
    assert list(t1["arrival_time_s"]) == [28800.0, 29100.0, 29400.0, 29700.0]
    assert (len(feed.stops), len(feed.trips), len(feed.stop_times)) == (4, 4, 16)


# -- times --------------------------------------------------------------------------------


def test_after_midnight_25h_kept_and_100h_quarantined(tmp_path: Path) -> None:
    st = _with_time(8, "100:15:00")  # T2 at D
    st[15]["arrival_time"] = st[15]["departure_time"] = "47:59:59"  # N1 at D: still < 48 h
    st[14]["arrival_time"] = st[14]["departure_time"] = "25:00:00"  # N1 at C
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"stop_times.txt": st}))
    assert _q(report, "invalid_time") == [("stop_times.txt", 8, "arrival_time")]
    assert report.quarantined[0].value == "100:15:00"
    assert report.n_quarantined == 1 and _balanced(report)
    assert len(feed.stop_times) == 15
    t2 = feed.stop_times[feed.stop_times["trip_id"] == "T2"]
    assert list(t2["stop_id"]) == ["A", "B", "C"]
    n1 = feed.stop_times[feed.stop_times["trip_id"] == "N1"]
    assert list(n1["departure_time_s"])[2:] == [90000.0, 47 * 3600 + 59 * 60 + 59.0]


def test_25h_time_is_90000_seconds(tmp_path: Path) -> None:
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip"))
    n1 = feed.stop_times[feed.stop_times["trip_id"] == "N1"]
    assert list(n1["arrival_time_s"]) == [85800.0, 86280.0, 86760.0, 90000.0]
    assert report.n_quarantined == 0 and report.ok


def test_unparseable_times(tmp_path: Path) -> None:
    st = _with_time(2, "8h05")
    st[5]["departure_time"] = "08:25:61"  # T2 at B, arrival fine
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"stop_times.txt": st}))
    assert _q(report, "invalid_time") == [("stop_times.txt", 2, "arrival_time"),
                                          ("stop_times.txt", 6, "departure_time")]
    assert len(feed.stop_times) == 14 and _balanced(report)


def test_times_going_backwards_drop_the_whole_trip(tmp_path: Path) -> None:
    st = _with_time(3, "08:03:00")  # T1: A 08:00, B 08:05, C 08:03 (<- backwards), D 08:15
    st[9]["departure_time"] = "08:05:00"  # T3 at C: departure before its arrival 08:06
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"stop_times.txt": st}))
    code = "stop_time_with_arrival_before_previous_departure_time"
    assert _q(report, code) == (
        [("stop_times.txt", r, "arrival_time") for r in (1, 2, 3, 4, 9, 10, 11, 12)]
        + [("trips.txt", 1, "trip_id"), ("trips.txt", 3, "trip_id")])
    assert sorted(feed.trips["trip_id"]) == ["N1", "T2"]
    assert len(feed.stop_times) == 8 and _balanced(report)
    assert len(_q(report, "unusable_trip")) == 0


def test_one_time_given_and_untimed_stops(tmp_path: Path) -> None:
    st = [dict(r) for r in STOP_TIMES]
    st[1]["arrival_time"] = st[1]["departure_time"] = ""  # T1 at B: interpolated to 08:05
    st[6]["arrival_time"] = ""  # T2 at C: departure only -> both 08:30
    st[8]["arrival_time"] = st[8]["departure_time"] = ""  # T3 first stop untimed
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"stop_times.txt": st}))
    t1 = feed.stop_times[feed.stop_times["trip_id"] == "T1"]
    assert list(t1["arrival_time_s"]) == [28800.0, 29100.0, 29400.0, 29700.0]
    t2 = feed.stop_times[feed.stop_times["trip_id"] == "T2"]
    assert t2["arrival_time_s"].iloc[2] == t2["departure_time_s"].iloc[2] == 30600.0
    assert _q(report, "missing_trip_edge") == [("stop_times.txt", 9, "arrival_time")]
    assert len(_notices(report, "times_interpolated")) == 1
    assert not feed.stop_times[["arrival_time_s", "departure_time_s"]].isna().any().any()


def test_trips_left_with_fewer_than_two_stop_times(tmp_path: Path) -> None:
    trips = TRIPS + [{"route_id": "L1", "service_id": "WK", "trip_id": "SOLO"},
                     {"route_id": "L1", "service_id": "WK", "trip_id": "EMPTY"}]
    st = STOP_TIMES + _st("SOLO", [("A", "10:00:00")])
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"trips.txt": trips,
                                                                       "stop_times.txt": st}))
    assert sorted(_q(report, "unusable_trip")) == [
        ("stop_times.txt", 17, "trip_id"), ("trips.txt", 5, "trip_id"), ("trips.txt", 6, "trip_id")]
    assert len(feed.trips) == 4 and _balanced(report)
    assert feed.trips["direction_id"].tolist() == [0, 0, 1, 0]


def test_feed_without_any_usable_trip_is_not_routable(tmp_path: Path) -> None:
    header = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\r\n"
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", raw={"stop_times.txt": header}))
    assert report.reason_counts() == {"unusable_trip": 4}
    assert [(n.code, n.severity) for n in report.notices] == [("not_routable", "error")]
    assert len(feed.trips) == 0 and len(feed.stops) == 4 and not report.ok


# -- calendar ------------------------------------------------------------------------------


def test_calendar_dates_only_feed(tmp_path: Path) -> None:
    cd = [{"service_id": "WK", "date": "20240305", "exception_type": "1"},
          {"service_id": "WK", "date": "20240306", "exception_type": "1"},
          {"service_id": "WK", "date": "20240307", "exception_type": "2"}]
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={
        "calendar.txt": None, "calendar_dates.txt": cd}))
    assert sorted(feed.services_by_date) == [dt.date(2024, 3, 5), dt.date(2024, 3, 6)]
    assert feed.date == dt.date(2024, 3, 5) and len(feed.trips_on(feed.date)) == 4
    assert len(feed.calendar) == 0 and list(feed.calendar.columns) == list(COLUMNS["calendar"])
    assert report.stats["calendar_start"] == "2024-03-05"
    assert report.stats["calendar_end"] == "2024-03-07"
    assert report.n_quarantined == 0


def test_service_with_no_active_day_is_a_warning(tmp_path: Path) -> None:
    never = dict(CALENDAR[0], service_id="NEVER", **{d: "0" for d in
                                                     ("monday", "tuesday", "wednesday", "thursday", "friday")})
    weekend = dict(CALENDAR[0], service_id="WKEND", start_date="20240304", end_date="20240305",
                   monday="0", tuesday="0", saturday="1", sunday="1")
    gone = dict(CALENDAR[0], service_id="GONE", start_date="20240306", end_date="20240306")
    cd = [{"service_id": "GONE", "date": "20240306", "exception_type": "2"}]
    trips = TRIPS + [{"route_id": "L1", "service_id": "NEVER", "trip_id": "T9"}]
    st = STOP_TIMES + _st("T9", [("A", "12:00:00"), ("B", "12:05:00")])
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={
        "calendar.txt": CALENDAR + [never, weekend, gone], "calendar_dates.txt": cd,
        "trips.txt": trips, "stop_times.txt": st}))
    found = _notices(report, "service_never_active")
    assert sorted(n.value for n in found) == ["GONE", "NEVER", "WKEND"]
    assert all(n.severity == WARNING for n in found)
    assert report.n_quarantined == 0 and len(feed.trips) == 5 and report.ok
    assert report.stats["services"] == 4


def test_bad_calendar_rows(tmp_path: Path) -> None:
    cal = CALENDAR + [dict(CALENDAR[0], service_id="B1", monday="yes"),
                      dict(CALENDAR[0], service_id="B2", end_date="2024-03-10"),
                      dict(CALENDAR[0], service_id="B3", start_date="20240310", end_date="20240304")]
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"calendar.txt": cal}))
    assert report.reason_counts() == {"invalid_date": 1, "start_and_end_range_out_of_order": 1,
                                      "unexpected_enum_value": 1}
    assert _q(report, "invalid_date") == [("calendar.txt", 3, "end_date")]
    assert list(feed.calendar["service_id"]) == ["WK"]


# -- stops -----------------------------------------------------------------------------------


def test_stops_at_origin_and_swapped_coordinates(tmp_path: Path) -> None:
    stops = [dict(s) for s in STOPS]
    stops[1]["stop_lat"], stops[1]["stop_lon"] = "-1.6730", "48.1050"  # B swapped
    stops.append({"stop_id": "Z0", "stop_name": "Null Island", "stop_lat": "0", "stop_lon": "0"})
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"stops.txt": stops}))
    assert _q(report, "point_near_origin") == [("stops.txt", 5, "stop_lat")]
    swapped = _notices(report, "swapped_coordinates")
    assert [(n.file, n.row) for n in swapped] == [("stops.txt", 2)]
    b = feed.stops.set_index("stop_id").loc["B"]
    assert (b["stop_lat"], b["stop_lon"]) == (48.105, -1.673)
    assert len(feed.stops) == 4 and len(feed.stop_times) == 16
    assert report.bbox == (-1.678, 48.097, -1.668, 48.11)


def test_stop_at_origin_used_by_trips_cascades(tmp_path: Path) -> None:
    stops = [dict(s) for s in STOPS]
    stops[3].update(stop_lat="0.0", stop_lon="0.0")  # D, last stop of T1, T2, N1, first of T3
    feed, report = load_gtfs(make_gtfs_zip(tmp_path / "f.zip", tables={"stops.txt": stops}))
    assert report.reason_counts() == {"foreign_key_violation": 4, "point_near_origin": 1}
    assert len(feed.stop_times) == 12 and len(feed.trips) == 4 and _balanced(report)


# -- dates and strictness -----------------------------------------------------------------------


def test_date_outside_the_calendar_offers_the_busiest_date(tmp_path: Path) -> None:
    z = make_gtfs_zip(tmp_path / "f.zip")
    with pytest.raises(ServiceDateError) as err:
        load_gtfs(z, date=dt.date(2025, 1, 6))
    e = err.value
    assert isinstance(e, UnusableInputError)
    assert e.busiest_date == dt.date(2024, 3, 4)
    assert (e.first_date, e.last_date) == (dt.date(2024, 3, 4), dt.date(2024, 3, 10))
    msg = str(e)
    assert "6 January 2025" in msg and "outside the calendar" in msg
    assert "4 March 2024 to 10 March 2024" in msg and "busiest date is Monday, 4 March 2024" in msg
    with pytest.raises(ServiceDateError, match="without service") as err:
        load_gtfs(z, date=dt.date(2024, 3, 9))  # a Saturday inside the calendar
    assert err.value.busiest_date == dt.date(2024, 3, 4)


def test_strict_raises_on_the_first_bad_row(tmp_path: Path) -> None:
    z = make_gtfs_zip(tmp_path / "f.zip", tables={"stop_times.txt": _with_time(8, "100:15:00")})
    with pytest.raises(SchemaError) as err:
        load_gtfs(z, strict=True)
    assert (err.value.file, err.value.row, err.value.field) == ("stop_times.txt", 8, "arrival_time")
    assert str(err.value).startswith("invalid time: ")


def test_input_folder_is_not_modified(tmp_path: Path) -> None:
    folder = make_gtfs_dir(tmp_path / "feed", tables={"stop_times.txt": _with_time(8, "100:15:00")})
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    load_gtfs(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


# -- frequencies.txt: the work a row asks for is counted before anything is expanded ---------------

def _every_second(trips: list[str]) -> list[dict[str, str]]:
    return [{"trip_id": t, "start_time": "00:00:00", "end_time": "47:59:59", "headway_secs": "1"} for t in trips]


@pytest.mark.parametrize("trips", [["T1"], ["T1", "T2", "T3", "N1", "T1", "T2", "T3", "N1", "T1", "T2"]])
def test_frequencies_of_one_run_a_second_are_refused_naming_file_row_and_field(tmp_path: Path,
                                                                               trips: list[str]) -> None:
    import tracemalloc

    from sources.budgets import BudgetExceeded

    folder = make_gtfs_dir(tmp_path / "g", tables={"frequencies.txt": _every_second(trips)})
    tracemalloc.start()
    try:
        with pytest.raises(BudgetExceeded) as err:
            load_gtfs(folder)
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert peak_mb < 100  # one row was 395 MB and 9 s once expanded; ten rows 1.6 GB
    # 172,799 runs x 4 stop times per row
    assert (err.value.file, err.value.row, err.value.field) == ("frequencies.txt", 1, "headway_secs")
    assert f"{691_196 * len(trips):,} stop times" in str(err.value)
    assert "SPMD_BUDGET_MAX_FREQUENCY_STOP_TIMES" in str(err.value)


def test_the_frequency_budget_names_the_row_that_crosses_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sources.budgets import BudgetExceeded

    rows = [{"trip_id": t, "start_time": "07:00:00", "end_time": "08:00:00", "headway_secs": "600"}
            for t in ("T1", "T2", "T3")]  # 6 runs x 4 stop times each
    rows.insert(1, {"trip_id": "T1", "start_time": "9h", "end_time": "10:00:00", "headway_secs": "600"})
    folder = make_gtfs_dir(tmp_path / "g", tables={"frequencies.txt": rows})
    monkeypatch.setenv("SPMD_BUDGET_MAX_FREQUENCY_STOP_TIMES", "30")
    with pytest.raises(BudgetExceeded) as err:
        load_gtfs(folder)
    assert err.value.row == 3  # 24 after T1, 48 after T2 (row 2 is quarantined: no run)
    monkeypatch.setenv("SPMD_BUDGET_MAX_FREQUENCY_STOP_TIMES", "72")
    assert len(load_gtfs(folder).data.frequencies) == 3


@pytest.mark.parametrize(("headway", "start", "end", "field", "code"), [
    ("0", "07:00:00", "08:00:00", "headway_secs", "invalid_integer"),
    ("-600", "07:00:00", "08:00:00", "headway_secs", "invalid_integer"),
    ("1.5", "07:00:00", "08:00:00", "headway_secs", "invalid_integer"),
    ("1e9999", "07:00:00", "08:00:00", "headway_secs", "invalid_integer"),
    ("nan", "07:00:00", "08:00:00", "headway_secs", "invalid_integer"),
    ("six", "07:00:00", "08:00:00", "headway_secs", "invalid_integer"),
    ("600", "08:00:00", "07:00:00", "end_time", "start_and_end_range_out_of_order"),
    ("600", "08:00:00", "08:00:00", "end_time", "start_and_end_range_out_of_order"),
    ("600", "07:00:00", "48:00:00", "end_time", "invalid_time"),
])
def test_bad_frequency_values_are_quarantined_with_a_reason(tmp_path: Path, headway: str, start: str, end: str,
                                                            field: str, code: str) -> None:
    row = {"trip_id": "T1", "start_time": start, "end_time": end, "headway_secs": headway}
    loaded = load_gtfs(make_gtfs_dir(tmp_path / "g", tables={"frequencies.txt": [row]}))
    assert _q(loaded.report, code) == [("frequencies.txt", 1, field)]
    assert len(loaded.data.frequencies) == 0
