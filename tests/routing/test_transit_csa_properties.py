"""Property tests of the connection scan engine on the tiny feed and on small random feeds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.reference_router import INF as REF_INF
from devkit.reference_router import ReferenceRouter, load_feed
from routing.constants import UNREACHABLE
from routing.transit import csa
from routing.transit.timetable import build_timetable
from sources.loaders.gtfs import GtfsFeed
from tests.factories import make_gtfs_dir

DAY = dt.date(2024, 3, 5)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@st.composite
def random_feeds(draw: st.DrawFn) -> GtfsFeed:
    """A small feed: 3-7 stops within ~1.5 km (some footpaths), 1-8 trips on minute-rounded times."""
    n_stops = draw(st.integers(3, 7))
    lat = [48.11 + draw(st.integers(0, 12)) * 0.001 for _ in range(n_stops)]
    lon = [-1.68 + draw(st.integers(0, 12)) * 0.001 for _ in range(n_stops)]
    stops = pd.DataFrame({"stop_id": [f"S{i}" for i in range(n_stops)],
                          "stop_name": [f"Stop {i}" for i in range(n_stops)],
                          "stop_lat": lat, "stop_lon": lon, "location_type": 0, "parent_station": ""})
    n_trips = draw(st.integers(1, 8))
    trips, rows = [], []
    for t in range(n_trips):
        seq = draw(st.lists(st.integers(0, n_stops - 1), min_size=2, max_size=5, unique=True))
        time = 8 * 3600 + 60 * draw(st.integers(0, 60))
        for k, s in enumerate(seq):
            if k:
                time += 60 * draw(st.integers(0, 8))
            arr = time
            time += 60 * draw(st.integers(0, 1))
            rows.append({"trip_id": f"T{t}", "stop_id": f"S{s}", "stop_sequence": k + 1,
                         "arrival_time_s": float(arr), "departure_time_s": float(time)})
        trips.append({"trip_id": f"T{t}", "route_id": f"R{t % 2}", "service_id": "WK",
                      "direction_id": 0, "trip_headsign": ""})
    routes = pd.DataFrame({"route_id": ["R0", "R1"], "agency_id": "X", "route_short_name": ["0", "1"],
                           "route_long_name": "", "route_type": 3, "route_color": "FF0000",
                           "route_text_color": "FFFFFF"})
    empty = pd.DataFrame()
    return GtfsFeed(agency=empty, stops=stops, routes=routes, trips=pd.DataFrame(trips),
                    stop_times=pd.DataFrame(rows), calendar=empty, calendar_dates=empty, feed_info=empty,
                    services_by_date={DAY: frozenset({"WK"})})


def _without_trip(feed: GtfsFeed, trip_id: str) -> GtfsFeed:
    return GtfsFeed(agency=feed.agency, stops=feed.stops, routes=feed.routes,
                    trips=feed.trips[feed.trips.trip_id != trip_id],
                    stop_times=feed.stop_times[feed.stop_times.trip_id != trip_id],
                    calendar=feed.calendar, calendar_dates=feed.calendar_dates, feed_info=feed.feed_info,
                    services_by_date=feed.services_by_date)


times = st.integers(7 * 3600 + 50 * 60, 10 * 3600)


@SETTINGS
@given(feed=random_feeds(), data=st.data())
def test_engine_equals_reference_on_random_feeds(feed: GtfsFeed, data: st.DataObject) -> None:
    tt = build_timetable(feed, DAY)
    ref = ReferenceRouter(tt)
    for _ in range(4):
        s = data.draw(st.integers(0, tt.n_stops - 1))
        t = data.draw(st.integers(0, tt.n_stops - 1))
        t0 = data.draw(times)
        got = csa.earliest_arrival_time(tt, s, t, t0)
        assert (got if got < UNREACHABLE else REF_INF) == ref.earliest_arrival([(s, t0)], t)


@SETTINGS
@given(feed=random_feeds(), data=st.data())
def test_later_departure_never_arrives_earlier(feed: GtfsFeed, data: st.DataObject) -> None:
    tt = build_timetable(feed, DAY)
    s = data.draw(st.integers(0, tt.n_stops - 1))
    t1 = data.draw(times)
    t2 = t1 + data.draw(st.integers(0, 3600))
    a1 = csa.earliest_arrival(tt, [(s, t1)]).time
    a2 = csa.earliest_arrival(tt, [(s, t2)]).time
    assert (a1 <= a2).all()


@SETTINGS
@given(feed=random_feeds(), data=st.data())
def test_removing_a_trip_never_makes_an_arrival_earlier(feed: GtfsFeed, data: st.DataObject) -> None:
    tt = build_timetable(feed, DAY)
    trip_id = data.draw(st.sampled_from(sorted(feed.trips.trip_id)))
    fewer = build_timetable(_without_trip(feed, trip_id), DAY)
    s = data.draw(st.integers(0, tt.n_stops - 1))
    t0 = data.draw(times)
    before = csa.earliest_arrival(tt, [(s, t0)]).time
    after = csa.earliest_arrival(fewer, [(s, t0)]).time
    assert (after >= before).all()


@SETTINGS
@given(feed=random_feeds(), data=st.data())
def test_arrive_by_meets_the_deadline(feed: GtfsFeed, data: st.DataObject) -> None:
    tt = build_timetable(feed, DAY)
    target = data.draw(st.integers(0, tt.n_stops - 1))
    deadline = data.draw(st.integers(8 * 3600, 10 * 3600))
    res = csa.latest_departure(tt, [(target, deadline)])
    for s in range(tt.n_stops):
        if not res.reached(s):
            # unreachable by the deadline: no departure at all gets there in time
            assert csa.earliest_arrival_time(tt, s, target, 0) > deadline
            continue
        ld = int(res.time[s])
        assert ld <= deadline
        legs = csa.journey(tt, res, s)
        if s != target or legs:
            assert legs[0].from_stop == s and legs[0].dep_time_s == ld
            assert legs[-1].to_stop == target and legs[-1].arr_time_s <= deadline
        # departing at the latest departure reaches the target in time; one second later does not
        assert csa.earliest_arrival_time(tt, s, target, ld) <= deadline
        if s != target:
            assert csa.earliest_arrival_time(tt, s, target, ld + 1) > deadline


@SETTINGS
@given(feed=random_feeds(), data=st.data())
def test_profile_rows_are_real_and_cover_earliest_arrival(feed: GtfsFeed, data: st.DataObject) -> None:
    tt = build_timetable(feed, DAY)
    s = data.draw(st.integers(0, tt.n_stops - 1))
    t = data.draw(st.integers(0, tt.n_stops - 1))
    ws, we = 8 * 3600, 9 * 3600
    prof = csa.profile(tt, [s], ws, we, t, max_transfers=8)
    for row in prof.itertuples():
        assert ws <= row.departure_s <= we
        # a row is a real journey: departing then, the earliest arrival is no later
        assert csa.earliest_arrival_time(tt, s, t, row.departure_s) <= row.arrival_s
        assert sum(lg.mode == "transit" for lg in row.legs) == row.transfers + 1
        assert row.legs[-1].arr_time_s == row.arrival_s
    # for every departure time of the window, the earliest arrival is in the profile
    for d in sorted(set(prof.departure_s.tolist()) | {ws}):
        res = csa.earliest_arrival(tt, [(s, d)])
        legs = csa.journey(tt, res, t)
        if not legs or not any(lg.mode == "transit" for lg in legs) or legs[0].dep_time_s > we:
            continue
        later = prof[prof.departure_s >= d]
        assert later.arrival_s.min() == res.time[t]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    return build_timetable(load_feed(make_gtfs_dir(tmp_path_factory.mktemp("prop") / "g")), DAY)


@SETTINGS
@given(data=st.data())
def test_tiny_feed_monotone_and_arrive_by(tiny, data: st.DataObject) -> None:
    s = data.draw(st.integers(0, 3))
    t = data.draw(st.integers(0, 3))
    t1 = data.draw(st.integers(0, 26 * 3600))
    t2 = data.draw(st.integers(t1, 26 * 3600))
    assert csa.earliest_arrival_time(tiny, s, t, t1) <= csa.earliest_arrival_time(tiny, s, t, t2)
    res = csa.latest_departure(tiny, [(t, t2)], sources=[s])
    if res.reached(s):
        assert csa.earliest_arrival_time(tiny, s, t, int(res.time[s])) <= t2
    assert np.all(res.time <= t2)
