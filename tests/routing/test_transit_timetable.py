"""Timetable compilation: connections, after-midnight trips, footpaths, cache round trip."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from devkit.reference_router import load_feed
from routing.errors import TimetableError
from routing.transit.timetable import Timetable, build_timetable, straight_line_footpaths
from tests.factories import STOPS, make_gtfs_dir

TUESDAY = dt.date(2024, 3, 5)
MONDAY = dt.date(2024, 3, 4)


@pytest.fixture()
def feed(tmp_path: Path):
    return load_feed(make_gtfs_dir(tmp_path / "gtfs"))


def _h(hms: str) -> int:
    h, m, s = (int(x) for x in hms.split(":"))
    return h * 3600 + m * 60 + s


def test_connections_of_a_weekday_include_yesterdays_late_trip(feed) -> None:
    tt = build_timetable(feed, TUESDAY)
    conns = tt.connections_frame()
    # 4 trips of the day x 3 hops + Monday's N1 hop C 24:06 -> D 25:00 shifted to 00:06 -> 01:00
    assert len(conns) == 13
    assert (np.diff(tt.dep_time) >= 0).all()
    first = conns.iloc[0]
    assert (first.dep_stop_id, first.arr_stop_id, first.trip_id) == ("C", "D", "N1")
    assert (first.dep_time_s, first.arr_time_s) == (_h("24:06:00") - 86400, _h("25:00:00") - 86400)
    # the part of yesterday's trip before midnight is not included
    n1 = conns[conns.trip_id == "N1"]
    assert sorted(n1.dep_time_s.tolist()) == [360, _h("23:50:00"), _h("23:58:00"), _h("24:06:00")]
    # today's N1 keeps its after-midnight times as they are
    assert n1.arr_time_s.max() == 90000
    offsets = tt.trip_day_offset[tt.trip_indices("N1")]
    assert sorted(offsets.tolist()) == [-1, 0]


def test_first_day_has_no_yesterday_and_sunday_is_empty(feed) -> None:
    assert build_timetable(feed, MONDAY).n_connections == 12
    sunday = build_timetable(feed, dt.date(2024, 3, 10))
    # Saturday has no service either, so nothing at all
    assert sunday.n_connections == 0
    assert sunday.n_stops == 4


def test_trip_and_route_attributes(feed) -> None:
    tt = build_timetable(feed, TUESDAY)
    t3 = tt.trip_indices("T3")[0]
    route = tt.trip_route[t3]
    assert tt.route_short_names[route] == "2"
    assert tt.route_colors[route] == "0067B1"
    assert tt.route_types[route] == 3
    assert list(tt.stop_ids) == ["A", "B", "C", "D"]
    assert tt.stop_names[0] == "République"
    assert tt.dep_time.dtype == np.int32 and tt.dep_stop.dtype == np.int32


def _dist_m(a: dict, b: dict) -> float:
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in
                              (a["stop_lat"], a["stop_lon"], b["stop_lat"], b["stop_lon"]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def test_straight_line_fallback_footpaths(feed) -> None:
    tt = build_timetable(feed, TUESDAY)
    fp = tt.footpaths_frame()
    by = {s["stop_id"]: s for s in STOPS}
    got = {(r.from_stop_id, r.to_stop_id): r.duration_s for r in fp.itertuples()}
    for a in "ABCD":
        for b in "ABCD":
            if a == b:
                continue
            expected = math.ceil(_dist_m(by[a], by[b]) * 1.3 / (4.8 / 3.6))
            if expected <= 595:
                assert abs(got[(a, b)] - expected) <= 2, (a, b)
            elif expected > 605:
                assert (a, b) not in got
    # A-B is about 670 m apart: 650 s of walking, over the 600 s cap
    assert ("A", "B") not in got and ("B", "C") in got
    # a larger cap adds it
    wide = build_timetable(feed, TUESDAY, max_transfer_s=900)
    assert ("A", "B") in {(r.from_stop_id, r.to_stop_id) for r in wide.footpaths_frame().itertuples()}


def test_straight_line_footpaths_empty_and_nan() -> None:
    out = straight_line_footpaths(np.array([-1.6, np.nan]), np.array([48.1, 48.1]))
    assert list(out.columns) == ["from_stop", "to_stop", "distance_m", "duration_s"] and out.empty


def test_given_transfers_table(feed) -> None:
    transfers = pd.DataFrame({
        "from_stop_id": ["A", "A", "B", "A", "Z", "C"],
        "to_stop_id": ["B", "B", "B", "D", "A", "D"],
        "duration_s": [300, 240, 60, 2000, 10, 0.2],
    })
    tt = build_timetable(feed, TUESDAY, transfers=transfers)
    got = {(r.from_stop_id, r.to_stop_id): r.duration_s for r in tt.footpaths_frame().itertuples()}
    # duplicate keeps the shortest; self-pair, unknown stop and over-cap rows are ignored;
    # durations are whole seconds, at least 1
    assert got == {("A", "B"): 240, ("C", "D"): 1}
    assert tt.footpaths_in[0].tolist() == [0, 0, 1, 1, 2]
    with pytest.raises(TimetableError, match="duration_s"):
        build_timetable(feed, TUESDAY, transfers=transfers.drop(columns="duration_s"))


def test_npz_round_trip_and_digest(feed, tmp_path: Path) -> None:
    tt = build_timetable(feed, TUESDAY)
    path = tt.save_npz(tmp_path / "tt.npz")
    back = Timetable.load_npz(path)
    assert back.digest == tt.digest
    assert back.day == TUESDAY
    for name, arr in tt.to_arrays().items():
        np.testing.assert_array_equal(back.to_arrays()[name], arr)
    assert back.trip_ids.dtype == object and back.stop_index("C") == 2
    other = build_timetable(feed, MONDAY)
    assert other.digest != tt.digest
    arrays = tt.to_arrays()
    del arrays["fp_to"]
    with pytest.raises(TimetableError, match="fp_to"):
        Timetable.from_arrays(arrays)


def test_input_feed_not_mutated(feed) -> None:
    before = feed.stop_times.copy()
    build_timetable(feed, TUESDAY)
    pd.testing.assert_frame_equal(feed.stop_times, before)


@pytest.mark.slow
@pytest.mark.bundle
def test_star_2011_tuesday(bundle_dir: Path) -> None:
    feed = load_feed(bundle_dir / "gtfs" / "star-2011-11-14.zip")
    tt = build_timetable(feed, dt.date(2011, 11, 15))
    today = tt.trip_day_offset[tt.trip] == 0
    assert int(today.sum()) == 94330
    assert (~today).sum() > 0  # Monday's trips after midnight
    assert tt.dep_time[~today].min() >= 0
    assert tt.n_stops == 1350
    assert (np.diff(tt.dep_time) >= 0).all()
    assert (tt.arr_time >= tt.dep_time).all()
    assert tt.n_footpaths > 0 and tt.fp_dur_s.max() <= 600 and tt.fp_dur_s.min() >= 1


def test_timetable_derived_arrays_are_computed_once_and_not_carried_over(tmp_path: Path) -> None:
    tt = build_timetable(load_feed(make_gtfs_dir(tmp_path / "gtfs")), dt.date(2024, 3, 5))
    assert tt.arr_order is tt.arr_order and tt.trip_connections is tt.trip_connections
    assert tt.digest is tt.digest
    assert {"arr_order", "trip_connections", "digest"} <= {key.__name__ for key in tt._derived if callable(key)}
    offsets, order = tt.trip_connections
    for trip in range(tt.n_trips):  # each trip's connections, in stop sequence
        conns = order[offsets[trip]:offsets[trip + 1]]
        assert (tt.trip[conns] == trip).all() and (np.diff(tt.seq[conns]) > 0).all()
        assert [tt.seq_position(int(c)) for c in conns] == list(range(len(conns)))
    offsets, order = tt.stop_departures
    assert offsets[-1] == tt.n_connections
    for stop in range(tt.n_stops):
        assert (tt.dep_stop[order[offsets[stop]:offsets[stop + 1]]] == stop).all()
    f_off, f_from, f_dur = tt.footpaths_in
    assert f_off[-1] == tt.n_footpaths and sorted(f_dur.tolist()) == sorted(tt.fp_dur_s.tolist())
    later = tt.replace(dep_time=tt.dep_time + 60, arr_time=tt.arr_time + 60)
    assert later._derived == {} and later.digest != tt.digest
    assert later.stop_index("C") == tt.stop_index("C") == 2
    assert tt.trip_indices("no such trip") == []
