"""GTFS-RT: feeds built here with gtfs-realtime-bindings, parsed, and applied to the tiny timetable."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from google.transit import gtfs_realtime_pb2 as rt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.reference_router import load_feed
from routing.transit import csa
from routing.transit import realtime as rt_mod
from routing.transit.realtime import apply_trip_updates
from routing.transit.timetable import build_timetable
from sources.errors import UnusableInputError
from sources.loaders.gtfs_rt import (
    TRIP_UPDATE_COLUMNS,
    VEHICLE_POSITION_COLUMNS,
    load_trip_updates,
    load_vehicle_positions,
)
from tests.factories import make_gtfs_dir

TUESDAY = dt.date(2024, 3, 5)
A, B, C, D = range(4)
NO_WALK = pd.DataFrame({"from_stop_id": [], "to_stop_id": [], "duration_s": []})
STU = rt.TripUpdate.StopTimeUpdate


def _h(hms: str) -> int:
    h, m = (int(x) for x in hms.split(":"))
    return h * 3600 + m * 60


@pytest.fixture(scope="module")
def tt(tmp_path_factory: pytest.TempPathFactory):
    feed = load_feed(make_gtfs_dir(tmp_path_factory.mktemp("rt") / "gtfs"))
    return build_timetable(feed, TUESDAY, transfers=NO_WALK)


def _feed(updates: list[dict]) -> bytes:
    """A TripUpdates FeedMessage: each dict has trip_id, optional canceled / stops [(seq|stop_id, ...)]."""
    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.timestamp = 1709622000
    for i, u in enumerate(updates):
        ent = msg.entity.add()
        ent.id = f"e{i}"
        tu = ent.trip_update
        tu.trip.trip_id = u["trip_id"]
        if u.get("start_date"):
            tu.trip.start_date = u["start_date"]
        if u.get("canceled"):
            tu.trip.schedule_relationship = rt.TripDescriptor.CANCELED
        for stop in u.get("stops", []):
            stu = tu.stop_time_update.add()
            if "seq" in stop:
                stu.stop_sequence = stop["seq"]
            if "stop_id" in stop:
                stu.stop_id = stop["stop_id"]
            if "arr" in stop:
                stu.arrival.delay = stop["arr"]
            if "dep" in stop:
                stu.departure.delay = stop["dep"]
            if "arr_time" in stop:
                stu.arrival.time = stop["arr_time"]
            if "dep_time" in stop:
                stu.departure.time = stop["dep_time"]
            if "rel" in stop:
                stu.schedule_relationship = getattr(STU, stop["rel"])
    return msg.SerializeToString()


def _trip_times(tt, trip_id: str) -> list[tuple[str, str, int, int]]:
    f = tt.connections_frame()
    f = f[(f.trip_id == trip_id) & (tt.trip_day_offset[tt.trip] == 0)].sort_values("seq")
    return list(zip(f.dep_stop_id, f.arr_stop_id, f.dep_time_s.tolist(), f.arr_time_s.tolist(), strict=True))


def test_load_trip_updates_columns(tmp_path: Path) -> None:
    path = tmp_path / "tu.pb"
    path.write_bytes(_feed([{"trip_id": "T1", "stops": [{"seq": 2, "arr": 120}]},
                            {"trip_id": "T2", "canceled": True}]))
    df = load_trip_updates(path)
    assert list(df.columns) == TRIP_UPDATE_COLUMNS
    assert df.trip_id.tolist() == ["T1", "T2"]
    assert df.loc[0, "stop_sequence"] == 2 and df.loc[0, "arrival_delay_s"] == 120
    assert pd.isna(df.loc[0, "departure_delay_s"])
    assert df.loc[0, "schedule_relationship"] == "SCHEDULED"
    assert df.loc[1, "trip_schedule_relationship"] == "CANCELED" and pd.isna(df.loc[1, "stop_sequence"])
    assert df.timestamp.tolist() == [1709622000, 1709622000]
    assert df.source.tolist() == [str(path)] * 2
    # several inputs, bytes too
    both = load_trip_updates([path, path.read_bytes()])
    assert len(both) == 4 and both.source.iloc[-1] == "<bytes #1>"
    assert load_trip_updates(_feed([])).empty


def test_bad_protobuf_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pb"
    bad.write_bytes(b"\x0a\xff\xff\xff garbage, not protobuf")
    with pytest.raises(UnusableInputError, match="broken.pb") as err:
        load_trip_updates(bad)
    assert err.value.file == str(bad)
    with pytest.raises(UnusableInputError, match="missing.pb"):
        load_vehicle_positions(tmp_path / "missing.pb")
    with pytest.raises(UnusableInputError, match="header"):
        load_trip_updates(b"")


def test_load_vehicle_positions() -> None:
    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    ent = msg.entity.add()
    ent.id = "v1"
    vp = ent.vehicle
    vp.vehicle.id = "bus-42"
    vp.trip.trip_id = "T1"
    vp.position.latitude, vp.position.longitude = 48.105, -1.673
    vp.position.bearing = 90.0
    vp.current_stop_sequence = 2
    vp.stop_id = "B"
    vp.current_status = rt.VehiclePosition.STOPPED_AT
    vp.timestamp = 1709622300
    df = load_vehicle_positions(msg.SerializeToString())
    assert list(df.columns) == VEHICLE_POSITION_COLUMNS
    row = df.iloc[0]
    assert (row.vehicle_id, row.trip_id, row.stop_id, row.current_status) == ("bus-42", "T1", "B", "STOPPED_AT")
    assert row.lat == pytest.approx(48.105) and row.lon == pytest.approx(-1.673)
    assert row.current_stop_sequence == 2 and row.timestamp == 1709622300 and np.isnan(row.speed_ms)


def test_delay_propagates_downstream(tt) -> None:
    before = tt.dep_time.copy()
    stats: dict[str, int] = {}
    new = apply_trip_updates(tt, load_trip_updates(_feed([
        {"trip_id": "T1", "stops": [{"seq": 2, "arr": 120, "dep": 180}]}])), stats=stats)
    assert _trip_times(new, "T1") == [("A", "B", _h("08:00"), _h("08:07")),
                                      ("B", "C", _h("08:08"), _h("08:13")),
                                      ("C", "D", _h("08:13"), _h("08:18"))]
    assert stats["trips_delayed"] == 1 and stats["rows_unmatched"] == 0
    np.testing.assert_array_equal(tt.dep_time, before)  # input untouched
    assert csa.earliest_arrival_time(new, A, D, _h("08:00")) == _h("08:18")
    assert csa.earliest_arrival_time(tt, A, D, _h("08:00")) == _h("08:15")
    assert (np.diff(new.dep_time) >= 0).all() and new.digest != tt.digest


def test_second_update_overrides_and_no_data_resets(tt) -> None:
    new = apply_trip_updates(tt, load_trip_updates(_feed([
        {"trip_id": "T2", "stops": [{"stop_id": "A", "dep": 300}, {"stop_id": "C", "arr": 60}]},
        {"trip_id": "T3", "stops": [{"seq": 1, "dep": 120}, {"seq": 3, "rel": "NO_DATA"}]},
    ])))
    assert _trip_times(new, "T2") == [("A", "B", _h("08:25"), _h("08:30")),
                                      ("B", "C", _h("08:30"), _h("08:31")),
                                      ("C", "D", _h("08:31"), _h("08:36"))]
    assert _trip_times(new, "T3") == [("D", "C", _h("08:02"), _h("08:08")),
                                      ("C", "B", _h("08:08"), _h("08:12")),
                                      ("B", "A", _h("08:12"), _h("08:18"))]


def test_cancelled_trip_and_skipped_stop(tt) -> None:
    stats: dict[str, int] = {}
    new = apply_trip_updates(tt, load_trip_updates(_feed([
        {"trip_id": "T1", "canceled": True},
        {"trip_id": "T2", "stops": [{"seq": 3, "rel": "SKIPPED"}]},
        {"trip_id": "NOPE", "stops": [{"seq": 1, "arr": 60}]},
    ])), stats=stats)
    assert stats == {"trips_delayed": 0, "trips_canceled": 1, "stops_skipped": 1, "rows_unmatched": 1,
                     "updates_out_of_window": 0,
                     "resorted": 1}
    assert _trip_times(new, "T1") == []
    assert _trip_times(new, "T2") == [("A", "B", _h("08:20"), _h("08:25")),
                                      ("B", "D", _h("08:25"), _h("08:35"))]
    assert new.n_connections == tt.n_connections - 4
    # T1 gone: from A at 08:00, D is reached by T2 at 08:35; C no longer served by T2, next is N1
    assert csa.earliest_arrival_time(new, A, D, _h("08:00")) == _h("08:35")
    assert csa.earliest_arrival_time(tt, A, C, _h("08:15")) == _h("08:30")
    assert csa.earliest_arrival_time(new, A, C, _h("08:15")) == _h("24:06")
    assert (np.diff(new.dep_time) >= 0).all()


def test_absolute_time_and_previous_day_trip(tt) -> None:
    midnight = dt.datetime.combine(TUESDAY, dt.time(0), tzinfo=ZoneInfo("Europe/Paris")).timestamp()
    new = apply_trip_updates(tt, load_trip_updates(_feed([
        {"trip_id": "T1", "stops": [{"seq": 4, "arr_time": int(midnight) + _h("08:20")}]},
        {"trip_id": "N1", "start_date": "20240304", "stops": [{"seq": 4, "arr": 600}]},
    ])))
    assert _trip_times(new, "T1")[-1] == ("C", "D", _h("08:10"), _h("08:20"))
    f = new.connections_frame()
    yday = f[(f.trip_id == "N1") & (new.trip_day_offset[new.trip] == -1)]
    assert yday[["dep_time_s", "arr_time_s"]].values.tolist() == [[360, 3600 + 600]]
    # today's N1 untouched
    assert _trip_times(new, "N1")[-1] == ("C", "D", _h("24:06") - 0, 90000)


def test_empty_updates_copy(tt) -> None:
    new = apply_trip_updates(tt, load_trip_updates(_feed([])))
    assert new is not tt and new.digest == tt.digest


# -- hostile values: checked where they enter, dropped and counted, never wrapped --------------------

MIDNIGHT = int(dt.datetime.combine(TUESDAY, dt.time(12), tzinfo=ZoneInfo("Europe/Paris")).timestamp()) - 43200
I32 = np.iinfo(np.int32)


def _invariants(new) -> None:
    """Every connection arrives at or after it leaves, within the day ± 48 h, sorted by departure."""
    d, a = new.dep_time.astype(np.int64), new.arr_time.astype(np.int64)
    assert np.all(a >= d)
    assert np.all(d >= -rt_mod.WINDOW_BEFORE_S) and np.all(a <= rt_mod.WINDOW_AFTER_S)
    assert np.all(np.diff(d) >= 0)


@pytest.mark.parametrize("stop", [
    {"seq": 2, "arr_time": 2**40},  # wrapped on an int32 cast: 07:37 -> 01:00, -22022317 min
    {"seq": 2, "arr": 2**31 - 1},
    {"seq": 2, "arr": -(2**31 - 1)},
    {"seq": 2, "dep": 2**31 - 1},
    {"seq": 2, "arr_time": 2**63 - 1},  # was a TypeError traceback in the loader
    {"seq": 2, "arr_time": -(2**63)},  # was an OverflowError
    {"seq": 2, "dep_time": MIDNIGHT + 73 * 3600},  # just past the window
], ids=["time 2**40", "delay 2**31-1", "delay -(2**31-1)", "departure delay 2**31-1", "time 2**63-1",
        "time -2**63", "time day+73h"])
def test_an_update_out_of_the_window_is_dropped_and_counted(tt, stop: dict) -> None:
    updates = load_trip_updates(_feed([{"trip_id": "T1", "stops": [stop]}]))
    field = next(k for k in stop if k != "seq")
    column = {"arr": "arrival_delay_s", "dep": "departure_delay_s", "arr_time": "arrival_time",
              "dep_time": "departure_time"}[field]
    assert updates.loc[0, column] == stop[field]  # exact: never through a float
    stats: dict[str, int] = {}
    new = apply_trip_updates(tt, updates, stats=stats)
    assert stats["updates_out_of_window"] == 1 and stats["trips_delayed"] == 0
    assert _trip_times(new, "T1") == _trip_times(tt, "T1")
    _invariants(new)
    assert csa.earliest_arrival_time(new, A, D, _h("07:30")) == _h("08:15")


def test_a_delay_inside_the_window_is_kept_and_one_carried_out_of_it_drops_the_trip(tt) -> None:
    stats: dict[str, int] = {}
    new = apply_trip_updates(tt, load_trip_updates(_feed([
        {"trip_id": "T1", "stops": [{"seq": 4, "arr": 47 * 3600}]},  # 08:15 + 47 h: inside
        # 23:50 + 47 h 30 is inside, but carried to 25:00 it leaves the window
        {"trip_id": "N1", "stops": [{"seq": 1, "dep": 47 * 3600 + 1800}]},
    ])), stats=stats)
    assert _trip_times(new, "T1")[-1] == ("C", "D", _h("08:10"), _h("08:15") + 47 * 3600)
    assert _trip_times(new, "N1") == _trip_times(tt, "N1")
    assert stats["updates_out_of_window"] == 1 and stats["trips_delayed"] == 1
    _invariants(new)


def test_an_extreme_vehicle_timestamp_is_not_a_traceback() -> None:
    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.timestamp = 2**64 - 1  # uint64: over int64
    ent = msg.entity.add()
    ent.id = "v"
    ent.vehicle.timestamp = 2**63
    df = load_vehicle_positions(msg.SerializeToString())
    assert pd.isna(df.loc[0, "timestamp"])


REL = st.sampled_from(["SCHEDULED", "SCHEDULED", "SKIPPED", "NO_DATA"])
SECONDS = st.one_of(st.integers(-900, 3600), st.sampled_from([2**31 - 1, -(2**31 - 1), 47 * 3600, -47 * 3600]))
TIMES = st.one_of(st.integers(MIDNIGHT - 3600, MIDNIGHT + 30 * 3600),
                  st.sampled_from([0, 2**40, 2**63 - 1, -(2**63), MIDNIGHT - 49 * 3600]))
STOP_UPDATE = st.fixed_dictionaries({"seq": st.integers(1, 5), "rel": REL},
                                    optional={"arr": SECONDS, "dep": SECONDS, "arr_time": TIMES, "dep_time": TIMES})
TRIP_UPDATE = st.fixed_dictionaries({"trip_id": st.sampled_from(["T1", "T2", "T3", "N1", "NOPE"]),
                                     "stops": st.lists(STOP_UPDATE, max_size=5)},
                                    optional={"canceled": st.booleans(),
                                              "start_date": st.sampled_from(["20240305", "20240304", "bad"])})


@settings(max_examples=int(os.environ.get("SPMD_FUZZ_EXAMPLES", "60")), deadline=None, database=None,
          derandomize="SPMD_FUZZ_EXAMPLES" not in os.environ,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(TRIP_UPDATE, max_size=6))
def test_no_trip_update_makes_time_run_backwards(tt, updates: list[dict]) -> None:
    """Any trip updates: connections arrive at or after they leave, inside the window, sorted; every
    journey found on the result arrives at or after it leaves."""
    for u in updates:
        for s in u["stops"]:
            s["rel"] = s["rel"] if s["rel"] != "SCHEDULED" else None
            if s["rel"] is None:
                del s["rel"]
    new = apply_trip_updates(tt, load_trip_updates(_feed(updates)))
    _invariants(new)
    for src in (A, D):
        res = csa.earliest_arrival(new, [(src, _h("07:00"))])
        for stop in np.flatnonzero(res.time < csa.UNREACHABLE):
            assert res.time[stop] >= _h("07:00")
            legs = csa.journey(new, res, int(stop))
            assert all(leg.arr_time_s >= leg.dep_time_s for leg in legs)
            assert all(b.dep_time_s >= a.arr_time_s for a, b in zip(legs, legs[1:], strict=False))
