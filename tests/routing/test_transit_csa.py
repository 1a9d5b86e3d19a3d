"""Connection scan engine: exact answers on the tiny feed, and the reference router on the STAR feed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from devkit.reference_router import INF as REF_INF
from devkit.reference_router import ReferenceRouter, load_feed
from routing.constants import UNREACHABLE
from routing.transit import csa
from routing.transit.timetable import build_timetable
from tests.factories import make_gtfs_dir

TUESDAY = dt.date(2024, 3, 5)
A, B, C, D = range(4)


def _h(hms: str) -> int:
    h, m, *s = (int(x) for x in hms.split(":"))
    return h * 3600 + m * 60 + (s[0] if s else 0)


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory):
    return load_feed(make_gtfs_dir(tmp_path_factory.mktemp("csa") / "gtfs"))


@pytest.fixture(scope="module")
def tt(feed):
    return build_timetable(feed, TUESDAY)


def test_earliest_arrival_direct_and_waiting(tt) -> None:
    res = csa.earliest_arrival(tt, [(A, _h("08:00"))])
    assert res.time[D] == _h("08:15")
    assert res.time[A] == _h("08:00")
    # one second late: the next trip, T2
    assert csa.earliest_arrival_time(tt, A, D, _h("08:00:01")) == _h("08:35")
    # after the last trip of the day: N1 past midnight, times beyond 24h; leaving N1 at C
    # (24:06) and walking 458 s beats staying on to D (25:00)
    assert csa.earliest_arrival_time(tt, A, D, _h("20:00")) == _h("24:06") + 458
    assert csa.earliest_arrival_time(tt, A, C, _h("20:00")) == _h("24:06")
    # nothing after N1
    assert csa.earliest_arrival_time(tt, A, D, _h("23:51")) == UNREACHABLE


def test_yesterdays_late_trip_is_usable_after_midnight(feed) -> None:
    no_walk = pd.DataFrame({"from_stop_id": [], "to_stop_id": [], "duration_s": []})
    tt = build_timetable(feed, TUESDAY, transfers=no_walk)
    assert tt.n_footpaths == 0
    # Monday's N1 leaves C at 24:06 = Tuesday 00:06 and reaches D at 01:00
    assert csa.earliest_arrival_time(tt, C, D, 0) == _h("01:00")
    legs = csa.journey(tt, csa.earliest_arrival(tt, [(C, 0)]), D)
    assert [leg.row(tt)["trip_id"] for leg in legs] == ["N1"]
    assert tt.trip_day_offset[legs[0].trip] == -1


def test_journey_legs_with_footpath(tt) -> None:
    # from A at 08:00 to B: T1 arrives 08:05; to C 08:10
    res = csa.earliest_arrival(tt, [(A, _h("08:00"))])
    legs = csa.journey(tt, res, C)
    assert [(lg.mode, lg.from_stop, lg.to_stop, lg.dep_time_s, lg.arr_time_s) for lg in legs] == [
        ("transit", A, C, _h("08:00"), _h("08:10"))]
    row = legs[0].row(tt)
    assert row["trip_id"] == "T1" and row["route_short_name"] == "1"
    assert row["n_hops"] == 2 and row["route_color"] == "E3051B"
    # from D at 08:00, T3 to C (08:06) then walk C -> B is 486 s, later than T3 reaching B at 08:12;
    # with a fast transfer C -> B of 60 s, walking wins
    fast = build_timetable_with(tt, "C", "B", 60)
    res = csa.earliest_arrival(fast, [(D, _h("08:00"))])
    assert res.time[B] == _h("08:07")
    legs = csa.journey(fast, res, B)
    assert [(lg.mode, lg.from_stop, lg.to_stop, lg.dep_time_s, lg.arr_time_s) for lg in legs] == [
        ("transit", D, C, _h("08:00"), _h("08:06")), ("walk", C, B, _h("08:06"), _h("08:07"))]


def build_timetable_with(tt, a: str, b: str, dur: int):
    return tt.replace(fp_offsets=np.array([0, 0, 0, 1, 1], dtype=np.int64),
                      fp_to=np.array([tt.stop_index(b)], dtype=np.int32),
                      fp_dur_s=np.array([dur], dtype=np.int32)) if a == "C" else tt


def test_initial_footpath_and_multi_source(tt) -> None:
    # a source at B at 08:24 walks to C (486 s) -> 08:32:06, T2 leaves C at 08:30: too late; walk to D?
    # B has no footpath to D; T2 from B at 08:25 reaches D at 08:35
    res = csa.earliest_arrival(tt, [(B, _h("08:24"))])
    assert res.time[C] == _h("08:30")  # riding T2 beats walking (08:32:06)
    assert res.time[D] == _h("08:35")
    # door-to-door: two access labels, the better one wins
    res = csa.earliest_arrival(tt, [(A, _h("08:05")), (C, _h("08:09"))], targets=[D])
    assert res.time[D] == _h("08:15")
    legs = csa.journey(tt, res, D)
    assert legs[0].from_stop == C and legs[0].dep_time_s == _h("08:10")
    # a source reaches a stop by walking only
    res = csa.earliest_arrival(tt, [(C, _h("23:59"))])
    assert res.time[D] == _h("23:59") + 458
    assert [lg.mode for lg in csa.journey(tt, res, D)] == ["walk"]


def test_footpath_after_a_later_vehicle_arrival(feed) -> None:
    walks = pd.DataFrame({"from_stop_id": ["A", "C"], "to_stop_id": ["C", "D"], "duration_s": [60, 60]})
    tt = build_timetable(feed, TUESDAY, transfers=walks)
    res = csa.earliest_arrival(tt, [(A, _h("08:00"))])
    # C is first reached on foot (08:01); footpaths are not chained, so D is not 08:02 ...
    assert res.time[C] == _h("08:01")
    # ... but T1 arriving at C at 08:10 (later than 08:01) still gets the C -> D walk: 08:11 < 08:15
    assert res.time[D] == _h("08:11")
    modes = [(lg.mode, lg.from_stop, lg.to_stop) for lg in csa.journey(tt, res, D)]
    assert modes == [("transit", A, C), ("walk", C, D)]
    ref = ReferenceRouter(tt)
    assert ref.earliest_arrival([(A, _h("08:00"))], D) == _h("08:11")


def test_targets_early_termination_gives_same_answer(tt) -> None:
    full = csa.earliest_arrival(tt, [(A, _h("07:00"))])
    early = csa.earliest_arrival(tt, [(A, _h("07:00"))], targets=[B])
    assert early.time[B] == full.time[B]
    assert early.scanned < full.scanned


def test_empty_and_bad_inputs(tt) -> None:
    res = csa.earliest_arrival(tt, np.zeros((0, 2)))
    assert (res.time == UNREACHABLE).all() and csa.journey(tt, res, A) == []
    with pytest.raises(ValueError, match="out of range"):
        csa.earliest_arrival(tt, [(9, 0)])
    with pytest.raises(ValueError, match="pairs"):
        csa.earliest_arrival(tt, [(1, 2, 3)])


def test_latest_departure(tt) -> None:
    res = csa.latest_departure(tt, [(D, _h("08:20"))])
    assert res.time[A] == _h("08:00")
    assert res.time[D] == _h("08:20")
    assert csa.latest_departure(tt, [(D, _h("08:35"))], sources=[A]).time[A] == _h("08:20")
    legs = csa.journey(tt, res, A)
    assert [(lg.mode, lg.from_stop, lg.to_stop, lg.dep_time_s, lg.arr_time_s) for lg in legs] == [
        ("transit", A, D, _h("08:00"), _h("08:15"))]
    # nothing reaches D by 08:14 from A
    res = csa.latest_departure(tt, [(D, _h("08:14"))], sources=[A])
    assert not res.reached(A) and csa.journey(tt, res, A) == []
    # final walk: C -> D 458 s; to be at D by 08:20 from B, T1 leaves B 08:05 (08:15 at D)
    res = csa.latest_departure(tt, [(D, _h("08:20"))])
    assert res.time[C] == _h("08:20") - 458  # walking beats T1 leaving C at 08:10
    assert [lg.mode for lg in csa.journey(tt, res, C)] == ["walk"]


def test_profile_over_a_window(tt) -> None:
    prof = csa.profile(tt, [A], _h("07:30"), _h("08:30"), D)
    assert list(prof.columns) == list(csa.PROFILE_COLUMNS)
    assert prof[["departure_s", "arrival_s", "transfers", "walk_s"]].values.tolist() == [
        [_h("08:00"), _h("08:15"), 0, 0], [_h("08:20"), _h("08:35"), 0, 0]]
    assert [lg.trip for lg in prof.legs[1]] == tt.trip_indices("T2")
    # door-to-door access offset: leaving the door 120 s before the stop
    prof = csa.profile(tt, [(A, 120)], _h("07:30"), _h("08:30"), D)
    assert prof.departure_s.tolist() == [_h("07:58"), _h("08:18")]
    assert csa.profile(tt, [A], _h("09:00"), _h("10:00"), D).empty


def _bounded(tt, s: int, t0: int, slack: int) -> np.ndarray:
    """Arrivals by vehicle (then one footpath) of the accessibility engine's bounded scan."""
    n = tt.n_stops
    out = np.full(n, UNREACHABLE, dtype=np.int64)
    csa.bounded_scan(tt.arrays, np.array([s]), np.array([t0]), csa.time_index(tt.dep_time, t0),
                     np.int64(48 * 3600), 1, csa.scan_work(tt), out, np.int64(slack))
    return np.where(out < UNREACHABLE, out, REF_INF)


def test_bounded_scan_equals_reference_on_tiny_feed(tt) -> None:
    ref = ReferenceRouter(tt)
    for s in range(4):
        for t0 in range(0, 26 * 3600, 1800):
            got = _bounded(tt, s, t0, 0)
            assert got.tolist() == [ref.vehicle_arrival([(s, t0)], t) for t in range(4)], (s, t0)


def test_reference_router_on_tiny_feed(tt) -> None:
    ref = ReferenceRouter(tt)
    for s in range(4):
        for t in range(4):
            for t0 in range(0, 26 * 3600, 1800):
                got = csa.earliest_arrival_time(tt, s, t, t0)
                exp = ref.earliest_arrival([(s, t0)], t)
                assert (got if got < UNREACHABLE else REF_INF) == exp, (s, t, t0)


@pytest.mark.slow
@pytest.mark.bundle
def test_engine_equals_reference_on_star_2011(bundle_dir: Path) -> None:
    feed = load_feed(bundle_dir / "gtfs" / "star-2011-11-14.zip")
    tt = build_timetable(feed, dt.date(2011, 11, 15))
    ref = ReferenceRouter(tt)
    rng = np.random.default_rng(20111115)
    served = np.unique(np.concatenate([tt.dep_stop, tt.arr_stop]))
    rows = []
    for _ in range(30):
        a, b = (int(x) for x in rng.choice(served, 2, replace=False))
        t0 = int(rng.integers(5 * 3600, 22 * 3600))
        got = csa.earliest_arrival_time(tt, a, b, t0)
        exp = ref.earliest_arrival([(a, t0)], b)
        rows.append((a, b, t0, got if got < UNREACHABLE else REF_INF, exp))
    table = pd.DataFrame(rows, columns=["a", "b", "t0", "engine", "reference"])
    assert (table.engine == table.reference).all(), table[table.engine != table.reference]
    assert (table.engine < REF_INF).sum() >= 20  # most random pairs are connected


def _slack_feed(tmp_path: Path):
    from tests.factories import ROUTES, STOP_TIMES, STOPS, TRIPS, _st

    stops = [*STOPS, {"stop_id": "E", "stop_name": "Beaulieu", "stop_lat": "48.1200", "stop_lon": "-1.6400"}]
    trips = [*TRIPS, {"route_id": "L2", "service_id": "WK", "trip_id": "X", "direction_id": "1"},
             {"route_id": "L2", "service_id": "WK", "trip_id": "Y", "direction_id": "1"}]
    times = [*STOP_TIMES, *_st("X", [("C", "08:10:30"), ("E", "08:15:00")]),
             *_st("Y", [("C", "08:12:00"), ("E", "08:18:00")])]
    assert ROUTES
    return load_feed(make_gtfs_dir(tmp_path / "gtfs", tables={"stops.txt": stops, "trips.txt": trips,
                                                              "stop_times.txt": times}))


@pytest.mark.parametrize("slack, arrival", [(0, "08:15"), (30, "08:15"), (60, "08:18"), (120, "08:18")])
def test_transfer_slack_forward_and_reference(tmp_path: Path, slack: int, arrival: str) -> None:
    tt = build_timetable(_slack_feed(tmp_path), TUESDAY)
    E = 4
    res = csa.earliest_arrival(tt, [(A, _h("08:00"))], transfer_slack_s=slack)
    assert res.time[E] == _h(arrival)
    legs = [lg for lg in csa.journey(tt, res, E) if lg.mode == "transit"]
    assert [tt.trip_ids[lg.trip] for lg in legs] == ["T1", "X" if arrival == "08:15" else "Y"]
    assert legs[1].dep_time_s - legs[0].arr_time_s >= slack  # the change keeps the slack
    ref = ReferenceRouter(tt, transfer_slack_s=slack)
    assert ref.earliest_arrival([(A, _h("08:00"))], E) == _h(arrival)


def test_transfer_slack_backward(tmp_path: Path) -> None:
    tt = build_timetable(_slack_feed(tmp_path), TUESDAY)
    E = 4
    assert csa.latest_departure(tt, [(E, _h("08:16"))], sources=[A]).time[A] == _h("08:00")
    tight = csa.latest_departure(tt, [(E, _h("08:16"))], sources=[A], transfer_slack_s=60)
    assert not tight.reached(A)  # only X makes 08:16, 30 s after T1 at C
    ok = csa.latest_departure(tt, [(E, _h("08:18"))], sources=[A], transfer_slack_s=60)
    assert ok.time[A] == _h("08:00")
    legs = [lg for lg in csa.journey(tt, ok, A) if lg.mode == "transit"]
    assert [tt.trip_ids[lg.trip] for lg in legs] == ["T1", "Y"]
    assert csa.latest_departure(tt, [(E, _h("08:18"))], sources=[A], transfer_slack_s=121).reached(A) is False


@pytest.mark.slow
@pytest.mark.bundle
def test_engine_equals_reference_with_transfer_slack_on_star_2011(bundle_dir: Path) -> None:
    feed = load_feed(bundle_dir / "gtfs" / "star-2011-11-14.zip")
    tt = build_timetable(feed, dt.date(2011, 11, 15))
    ref = ReferenceRouter(tt, transfer_slack_s=60)
    rng = np.random.default_rng(60)
    served = np.unique(np.concatenate([tt.dep_stop, tt.arr_stop]))
    bad, connected = [], 0
    for _ in range(30):
        a, b = (int(x) for x in rng.choice(served, 2, replace=False))
        t0 = int(rng.integers(6 * 3600, 21 * 3600))
        got = int(csa.earliest_arrival(tt, [(a, t0)], targets=[b], transfer_slack_s=60).time[b])
        exp = ref.earliest_arrival([(a, t0)], b)
        got = got if got < UNREACHABLE else REF_INF
        connected += got < REF_INF
        if got != exp:
            bad.append((a, b, t0, got, exp))
        # the accessibility engine's bounded scan (vehicle arrivals, no initial footpath)
        by_vehicle = int(_bounded(tt, a, t0, 60)[b])
        if by_vehicle != ref.vehicle_arrival([(a, t0)], b):
            bad.append(("bounded", a, b, t0, by_vehicle))
    assert not bad
    assert connected >= 20


def test_kernels_compile_once_per_timetable_layout(tt) -> None:
    """The kernels take the timetable as typed tuples: another timetable of the same layout (a
    real-time copy) runs the code compiled for the first, with no new specialisation."""
    def queries(t) -> None:
        csa.earliest_arrival(t, [(A, _h("07:00"))], targets=[D])
        csa.latest_departure(t, [(D, _h("09:00"))], sources=[A])
        csa.profile(t, [A], _h("07:00"), _h("09:00"), D)
        _bounded(t, A, _h("07:00"), 60)

    kernels = (csa._ea_kernel, csa._ld_kernel, csa._ride_ok, csa._profile_kernel, csa._profile_sources,
               csa._profile_trace, csa.bounded_scan)
    queries(tt)
    before = [len(k.signatures) for k in kernels]
    later = tt.replace(dep_time=tt.dep_time + 60, arr_time=tt.arr_time + 60)
    assert later.arrays is later.arrays and later.arrays.dep_time is later.dep_time
    queries(later)
    assert [len(k.signatures) for k in kernels] == before
