"""Next departures, line explorer and a day of buses (routing.transit.departures).

Exact answers on the 4-stop feed of tests/factories.py, and on the real STAR 2011 feed of the
bundle checked against an independent pandas computation from ``stop_times.txt``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routing.places import PlaceNotFound
from routing.transit import departures as dep
from routing.transit.realtime import apply_trip_updates
from routing.transit.timetable import build_timetable
from sources.loaders.gtfs import load_gtfs
from tests.factories import make_gtfs_zip

DEFAULT_DAY = dt.date(2011, 11, 15)  # test data: the bundle feed's representative weekday

DAY = dt.date(2024, 3, 5)  # a Tuesday of the factories feed
H8 = 8 * 3600


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    path = make_gtfs_zip(tmp_path_factory.mktemp("gtfs") / "tiny.zip")
    return build_timetable(load_gtfs(path).data, DAY)


# -- tiny feed: exact answers ------------------------------------------------------------------------

def test_next_departures_at_a_stop_by_name_and_id(tiny):
    deps = dep.next_departures(tiny, "republique", dt.datetime.combine(DAY, dt.time(8, 0)))
    # T3 ends at A (an arrival, not a departure); N1 leaves at 23:50, beyond the 2 h horizon
    assert deps[["trip_id", "line", "direction", "scheduled_s", "wait_min", "status"]].values.tolist() == [
        ["T1", "1", "Clemenceau", H8, 0, "scheduled"], ["T2", "1", "Clemenceau", H8 + 1200, 20, "scheduled"]]
    assert dep.next_departures(tiny, "A", H8 + 60)["trip_id"].tolist() == ["T2"]
    late = dep.next_departures(tiny, "B", dt.time(23, 0), horizon_s=3 * 3600)
    assert late[["trip_id", "scheduled_s"]].values.tolist() == [["N1", 23 * 3600 + 58 * 60]]
    with pytest.raises(PlaceNotFound):
        dep.find_stop(tiny, "Zzyzx Road")
    with pytest.raises(ValueError, match="service day"):
        dep.next_departures(tiny, "A", dt.datetime(2030, 1, 1, 8))


def test_board_groups_per_line_and_direction_with_headway(tiny):
    deps = dep.next_departures(tiny, "A", H8)
    board = dep.departure_board(deps, H8)
    assert board[["line", "direction", "waits_min", "times", "n_next_hour", "headway_min"]].values.tolist() == [
        ["1", "Clemenceau", [0, 20], ["08:00", "08:20"], 2, 20.0]]
    assert dep.departure_board(deps.iloc[:0], H8).empty


def test_real_time_delay_cancellation_and_skipped_stop(tiny):
    updates = pd.DataFrame([
        {"trip_id": "T1", "stop_sequence": 1, "departure_delay_s": 180},
        {"trip_id": "T2", "trip_schedule_relationship": "CANCELED"},
    ])
    live = apply_trip_updates(tiny, updates)
    deps = dep.next_departures(tiny, "A", H8, live=live)
    assert deps[["trip_id", "expected_s", "delay_s", "wait_min", "status"]].values.tolist() == [
        ["T1", H8 + 180, 180, 3, "delayed"], ["T2", H8 + 1200, 0, 20, "canceled"]]
    board = dep.departure_board(deps, H8)
    assert board.loc[0, "n_delayed"] == 1 and board.loc[0, "n_canceled"] == 1
    assert board.loc[0, "waits_min"] == [3]  # a cancelled bus is not announced
    skipped = apply_trip_updates(tiny, pd.DataFrame([{"trip_id": "T1", "stop_sequence": 2,
                                                      "schedule_relationship": "SKIPPED"}]))
    at_b = dep.next_departures(tiny, "B", H8, live=skipped)
    assert at_b.set_index("trip_id")["status"].to_dict() == {"T1": "skipped", "T2": "on_time", "T3": "on_time"}


def test_line_explorer_patterns_timetable_and_trips_per_hour(tiny):
    view = dep.line_explorer(tiny, "1")
    assert view.route_id == "L1" and view.color == "E3051B"
    pats = view.patterns
    assert pats[["direction", "origin", "n_trips"]].values.tolist() == [["Clemenceau", "République", 3]]
    assert dep.pattern_stops(tiny, pats.loc[0, "stops"])["stop_id"].tolist() == ["A", "B", "C", "D"]
    assert pats.loc[0, "color"] == "E3051B" and len(pats.loc[0, "path"]) == 4
    assert view.summary[["direction", "n_trips", "first", "last"]].values.tolist() == [
        ["Clemenceau", 3, "08:00", "23:50"]]
    assert view.per_hour.values.tolist() == [[8, "Clemenceau", 2], [23, "Clemenceau", 1]]
    table = dep.stop_timetable(tiny, "L1", "C")
    assert table.values.tolist() == [[8, [10, 30], 2], [24, [6], 1]]
    assert dep.stop_timetable(tiny, "1", "D").empty  # terminus: no departure
    assert dep.lines_table(tiny)["line"].tolist() == ["1", "2"]
    with pytest.raises(KeyError):
        dep.route_of(tiny, "99")


def _positions(day, t_s: int) -> dict[str, tuple[float, float]]:
    """Where each running vehicle of a day of buses is at ``t_s``, linear between its path's timed
    vertices (as the page's animation draws it)."""
    out = {}
    for trip_id, path, stamps in zip(day.trips["trip_id"], day.trips["path"], day.trips["timestamps"], strict=True):
        ts, xy = np.asarray(stamps, dtype=float), np.asarray(path, dtype=float)
        if ts[0] <= t_s <= ts[-1]:
            out[trip_id] = (float(np.interp(t_s, ts, xy[:, 0])), float(np.interp(t_s, ts, xy[:, 1])))
    return out


def test_day_of_buses_paths_timestamps_and_positions(tiny):
    day = dep.day_of_buses(tiny)
    t1 = day.trips.set_index("trip_id").loc["T1"]
    assert t1["timestamps"] == [H8, H8 + 300, H8 + 600, H8 + 900]
    assert t1["path"][0] == [-1.678, 48.11] and t1["color"] == "E3051B"
    # the day starts with yesterday's N1 still running after midnight (C 24:06 -> D 25:00)
    assert (day.start_s, day.end_s) == (360, 25 * 3600)
    at = _positions(day, H8 + 150)
    assert sorted(at) == ["T1", "T3"]
    assert at["T1"] == pytest.approx(((-1.678 - 1.673) / 2, (48.11 + 48.105) / 2))
    per_hour = day.per_hour.set_index("hour")["vehicles"]
    assert per_hour[0] == 1 and per_hour[8] == 3 and per_hour[23] == 1 and per_hour[12] == 0
    # a street segment between A and B: two inner vertices, times in proportion to distance
    bend = [[-1.678, 48.11], [-1.678, 48.105], [-1.6755, 48.105], [-1.673, 48.105]]
    curved = dep.day_of_buses(tiny, segments={("A", "B"): bend})
    c1 = curved.trips.set_index("trip_id").loc["T1"]
    assert curved.n_matched_segments == 3  # T1, T2 and N1 run A -> B
    assert c1["path"][:5] == [[-1.678, 48.11], [-1.678, 48.105], [-1.6755, 48.105], [-1.673, 48.105],
                              [-1.67, 48.101]]
    ts = c1["timestamps"]
    assert ts[0] == H8 and ts[3] == H8 + 300 and ts[0] < ts[1] < ts[2] < ts[3]


# -- the real STAR feed against stop_times.txt --------------------------------------------------------

def _hms(values: pd.Series) -> pd.Series:
    parts = values.str.strip().str.split(":", expand=True).astype(float)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


@pytest.fixture(scope="module")
def star(bundle_dir: Path):
    path = bundle_dir / "gtfs" / "star-2011-11-14.zip"
    with zipfile.ZipFile(path) as z:
        raw = {name: pd.read_csv(z.open(name), dtype=str) for name in
               ("stops.txt", "routes.txt", "trips.txt", "calendar.txt", "stop_times.txt")}
    tt = build_timetable(load_gtfs(path).data, DEFAULT_DAY)
    return tt, raw


def _feed_departures(raw: dict[str, pd.DataFrame], day: dt.date) -> pd.DataFrame:
    """Departure events of ``day``'s trips, straight from the text files (last stop of a trip excluded)."""
    cal = raw["calendar.txt"]
    ymd = day.strftime("%Y%m%d")
    weekday = day.strftime("%A").lower()
    active = cal.loc[(cal[weekday] == "1") & (cal["start_date"] <= ymd) & (cal["end_date"] >= ymd), "service_id"]
    trips = raw["trips.txt"][raw["trips.txt"]["service_id"].isin(active)]
    st = raw["stop_times.txt"].merge(trips[["trip_id", "route_id"]], on="trip_id")
    st["seq"] = st["stop_sequence"].astype(int)
    st = st[st["seq"] < st.groupby("trip_id")["seq"].transform("max")]
    st = st[st["departure_time"].notna()]
    return st.assign(dep_s=_hms(st["departure_time"]).astype(int))


@pytest.mark.bundle
def test_next_departures_at_republique_match_stop_times(star):
    tt, raw = star
    at = dt.datetime.combine(DEFAULT_DAY, dt.time(8, 0))
    got = dep.next_departures(tt, "République", at, horizon_s=3600)
    stops = raw["stops.txt"]
    ids = set(stops.loc[stops["stop_name"] == "République", "stop_id"])
    feed = _feed_departures(raw, DEFAULT_DAY)
    want = feed[feed["stop_id"].isin(ids) & feed["dep_s"].between(H8, H8 + 3599)]
    assert len(want) > 50
    key = ["trip_id", "stop_id", "dep_s"]
    assert sorted(got.rename(columns={"scheduled_s": "dep_s"})[key].values.tolist()) == \
        sorted(want[key].values.tolist())
    assert got["scheduled_s"].is_monotonic_increasing
    assert (got["wait_min"] == (got["scheduled_s"] - H8) // 60).all()
    # line names as in routes.txt
    short = raw["routes.txt"].set_index("route_id")["route_short_name"]
    assert (got["line"] == got["route_id"].map(short)).all()


@pytest.mark.bundle
def test_line_1_stop_timetable_matches_stop_times(star):
    tt, raw = star
    view = dep.line_explorer(tt, "1")
    stop_idx = view.patterns.loc[0, "stops"][5]
    stop_id = str(tt.stop_ids[stop_idx])
    table = dep.stop_timetable(tt, "1", stop_id)
    route_id = raw["routes.txt"].set_index("route_short_name").loc["1", "route_id"]
    feed = _feed_departures(raw, DEFAULT_DAY)
    want = np.sort(feed.loc[(feed["route_id"] == route_id) & (feed["stop_id"] == stop_id), "dep_s"].to_numpy())
    got = np.array([h * 3600 + m * 60 for h, ms in zip(table["hour"], table["minutes"], strict=True) for m in ms])
    assert len(want) > 50
    assert got.tolist() == (want // 60 * 60).tolist()
    assert table["n"].sum() == len(want)
    # every trip of the day is counted once, with its first departure
    trips = feed[feed["route_id"] == route_id].groupby("trip_id")["dep_s"].min()
    assert view.summary["n_trips"].sum() == len(trips)
    assert view.summary["first_s"].min() == trips.min() and view.summary["last_s"].max() == trips.max()
    assert view.per_hour["n_trips"].sum() == len(trips)


@pytest.mark.bundle
def test_day_of_buses_on_the_real_day(star):
    tt, _ = star
    day = dep.day_of_buses(tt)
    assert len(day.trips) == (np.diff(tt.trip_connections[0]) > 0).sum()
    assert all(np.all(np.diff(ts) >= 0) for ts in day.trips["timestamps"].head(500))
    peak = int(day.per_hour.set_index("hour").loc[8, "vehicles"])
    assert 200 < peak < 1000
    assert len(_positions(day, H8)) > 100


@pytest.mark.bundle
def test_cli_departures_json_and_text(bundle_dir: Path):
    from routing.cli.main import main

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["departures", "--bundle", str(bundle_dir), "--stop", "République",
                     "--at", f"{DEFAULT_DAY.isoformat()}T08:00", "--json"])
    assert code == 0
    doc = json.loads(out.getvalue())
    assert doc["stop"] == "République" and len(doc["stop_ids"]) == 10
    assert doc["departures"][0]["scheduled_s"] >= H8 and doc["lines"]
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["departures", "--bundle", str(bundle_dir), "--stop", "Republiqe",
                     "--at", f"{DEFAULT_DAY.isoformat()}T08:00"]) == 0
    assert "République" in out.getvalue() and "next hour" in out.getvalue()
    assert main(["departures", "--bundle", str(bundle_dir), "--stop", "Nowhere-at-all xq",
                 "--at", f"{DEFAULT_DAY.isoformat()}T08:00"]) == 1


@pytest.mark.bundle
def test_cli_departures_with_trip_updates(bundle_dir: Path, tmp_path: Path):
    """A GTFS-RT TripUpdates file: one bus of line 4 at République 5 min late, one cancelled."""
    from google.transit import gtfs_realtime_pb2 as rt

    from routing.cli.main import main

    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    late = msg.entity.add(id="late").trip_update
    late.trip.trip_id = "4298"  # line 4 -> Beauregard, République (1052) at 08:00
    stu = late.stop_time_update.add(stop_id="1052")
    stu.departure.delay = 300
    gone = msg.entity.add(id="gone").trip_update
    gone.trip.trip_id = "3068"  # line 3 -> Saint Laurent, République (1550) at 08:00
    gone.trip.schedule_relationship = rt.TripDescriptor.CANCELED
    path = tmp_path / "updates.pb"
    path.write_bytes(msg.SerializeToString())
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["departures", "--bundle", str(bundle_dir), "--stop", "République",
                     "--at", f"{DEFAULT_DAY.isoformat()}T08:00", "--trip-updates", str(path), "--json"])
    assert code == 0
    doc = json.loads(out.getvalue())
    by_trip = {d["trip_id"]: d for d in doc["departures"]}
    assert by_trip["4298"]["status"] == "delayed" and by_trip["4298"]["delay_s"] == 300
    assert by_trip["4298"]["wait_min"] == 5
    assert by_trip["3068"]["status"] == "canceled"
    line4 = next(x for x in doc["lines"] if x["line"] == "4" and x["direction"] == "Beauregard")
    assert line4["n_delayed"] == 1


@pytest.mark.bundle
def test_cli_journeys_between_two_stops(bundle_dir: Path):
    """``python -m routing journeys``: the range query from every stop of a name to any stop of
    another, over a window; bad arguments refused before any work."""
    from routing.cli.main import main

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["journeys", "--bundle", str(bundle_dir), "--from", "République", "--to", "Villejean Universite",
                     "--at", f"{DEFAULT_DAY.isoformat()}T07:00", "--window-min", "60", "--json"])
    assert code == 0
    doc = json.loads(out.getvalue())
    assert doc["from"] == "République" and doc["to"] == "Villejean-Université" and doc["window"] == ["07:00", "08:00"]
    journeys = doc["journeys"]
    assert len(journeys) >= 5
    assert [j["departure"] for j in journeys] == sorted(j["departure"] for j in journeys)
    for j in journeys:
        assert "07:00" <= j["departure"] <= "08:00" and j["transfers"] + 1 == sum(
            leg["mode"] == "transit" for leg in j["legs"])
        assert j["legs"][0]["from_name"] == "République" and j["legs"][-1]["to_name"] == "Villejean-Université"
    assert any(j["transfers"] == 0 and j["legs"][0]["route_short_name"] == "4" for j in journeys)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["journeys", "--bundle", str(bundle_dir), "--from", "République", "--to", "Villejean-Université",
                     "--at", f"{DEFAULT_DAY.isoformat()}T07:00"]) == 0
    assert f"{len(journeys)} journeys" in out.getvalue()
    assert main(["journeys", "--from", "République", "--to", "Gares", "--at", "2011-11-15T07:00",
                 "--window-min", "999"]) == 2
