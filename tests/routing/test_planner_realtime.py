"""Planner: GTFS-RT TripUpdates change the plan; direct walks and rides have a length cap."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.transit import gtfs_realtime_pb2 as rt

from routing.planner.planner import Planner
from sources.loaders.gtfs_rt import load_trip_updates, load_trip_updates_dataset
from tests.planner_fixtures import at, make_network, node_xy


@pytest.fixture(scope="module")
def planner(tmp_path_factory: pytest.TempPathFactory) -> Planner:
    return Planner(make_network(tmp_path_factory.mktemp("rt")))


def _feed(*, delay_s: int | None = None, cancel: bool = False) -> bytes:
    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.timestamp = 1709622000
    ent = msg.entity.add()
    ent.id = "t1"
    tu = ent.trip_update
    tu.trip.trip_id = "T1"
    if cancel:
        tu.trip.schedule_relationship = rt.TripDescriptor.CANCELED
    else:
        stu = tu.stop_time_update.add()
        stu.stop_sequence = 1
        stu.departure.delay = delay_s or 0
        stu.arrival.delay = delay_s or 0
    return msg.SerializeToString()


def _rides(res, label: str = "transit") -> list[tuple[str, object, object]]:
    it = next(i for i in res.itineraries if i.label == label)
    return [(leg.trip_id, leg.departure, leg.arrival) for leg in it.legs if leg.mode == "transit"]


def test_delay_moves_the_ride_and_the_static_planner_is_untouched(planner: Planner) -> None:
    before = planner.plan(node_xy(20), node_xy(13), at(7, 58), modes=("transit",))
    assert _rides(before) == [("T1", at(8, 5), at(8, 10))]
    late = planner.with_trip_updates(load_trip_updates(_feed(delay_s=30)))
    after = late.plan(node_xy(20), node_xy(13), at(7, 58), modes=("transit",))
    # 30 s late from the first stop on (a minute late, walking would win: see the next test)
    assert _rides(after) == [("T1", at(8, 5, 30), at(8, 10, 30))]
    assert any(n.startswith("real time:") for n in late.network.notes)
    # the planner it came from still answers with the timetable
    assert _rides(planner.plan(node_xy(20), node_xy(13), at(7, 58), modes=("transit",))) == _rides(before)


def test_cancelled_trip_is_never_offered(planner: Planner) -> None:
    cancelled = planner.with_trip_updates(load_trip_updates(_feed(cancel=True)))
    res = cancelled.plan(node_xy(20), node_xy(13), at(7, 58), modes=("transit",))
    # without T1 the next bus (T2, 08:25 at Gares) loses to walking: it is still offered, flagged
    assert [trip for trip, _, _ in _rides(res)] == ["T2"]
    assert any(getattr(n, "key", "") == "plan.walking_faster" for n in res.itineraries[0].notes)
    later = cancelled.plan(node_xy(20), node_xy(13), at(8, 18), modes=("transit",))
    assert [trip for trip, _, _ in _rides(later)] == ["T2"]


def test_catalogue_loader_wraps_trip_updates(tmp_path: Path) -> None:
    path = tmp_path / "trip-updates.pb"
    path.write_bytes(_feed(delay_s=60))
    loaded = load_trip_updates_dataset(path)
    assert loaded.report.rows_read == len(loaded.data) == 1
    assert loaded.data["arrival_delay_s"].tolist() == [60]
    assert loaded.report.stats == {"rows": 1, "trips": 1}
