"""GTFS-realtime feeds as an attacker writes them: budgets on the work a feed asks for (entities,
stop time updates) checked right after the parse, exact integers, and fuzzing (random bytes and
random FeedMessages built with gtfs-realtime-bindings): a table or a clean error, never a traceback.
How the values are applied to a timetable is tested in tests/routing/test_transit_realtime.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from google.transit import gtfs_realtime_pb2 as rt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.measure import run_measured
from sources.budgets import BudgetExceeded, budgets
from sources.errors import SourceError
from sources.loaders.gtfs_rt import TRIP_UPDATE_COLUMNS, load_trip_updates, load_vehicle_positions

FUZZ_EXAMPLES = int(os.environ.get("SPMD_FUZZ_EXAMPLES", "40"))
CI = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize="SPMD_FUZZ_EXAMPLES" not in os.environ,
              database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _header() -> bytes:
    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.timestamp = 1321340400
    return msg.SerializeToString()


def _entity(i: int = 0, *, stop_updates: int = 1) -> bytes:
    """One TripUpdate entity as FeedMessage bytes (repeated fields concatenate: a feed of n entities
    is the header followed by n of these)."""
    msg = rt.FeedMessage()
    ent = msg.entity.add()
    ent.id = str(i)
    ent.trip_update.trip.trip_id = f"t{i}"
    for seq in range(stop_updates):
        stu = ent.trip_update.stop_time_update.add()
        stu.stop_sequence = seq + 1
        stu.arrival.delay = 60
    return msg.SerializePartialToString()  # no header: the fragment after one


def test_entities_over_the_budget_are_refused_before_any_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPMD_BUDGET_MAX_RT_ENTITIES", "10")
    assert len(load_trip_updates(_header() + _entity() * 10)) == 10
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_RT_ENTITIES") as err:
        load_trip_updates(_header() + _entity() * 11)
    assert err.value.value == 11 and err.value.limit == 10
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_RT_ENTITIES"):  # counted over the inputs
        load_trip_updates([_header() + _entity() * 6] * 2)
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_RT_ENTITIES"):
        load_vehicle_positions(_header() + _entity() * 11)


def test_stop_updates_over_the_budget_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPMD_BUDGET_MAX_RT_STOP_UPDATES", "100")
    assert len(load_trip_updates(_header() + _entity(stop_updates=100))) == 100
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_RT_STOP_UPDATES"):
        load_trip_updates(_header() + _entity(stop_updates=101))  # one entity, many updates


@pytest.mark.slow
def test_a_million_entities_are_refused_quickly_and_small(tmp_path: Path) -> None:
    """Row 6: 10^6 entities (26 MB, under the file budget) took 44 s and 1.9 GB (~30 GB at the
    budget); now refused right after the parse."""
    feed = tmp_path / "million.pb"
    feed.write_bytes(_header() + _entity() * 1_000_000)
    assert budgets().max_file_bytes > feed.stat().st_size > 20e6
    run = run_measured(["-c", "import sys; from sources.loaders.gtfs_rt import load_trip_updates; "
                              "load_trip_updates(sys.argv[1])", str(feed)], timeout_s=120)
    assert run.code == 1 and "BudgetExceeded" in run.stderr and "SPMD_BUDGET_MAX_RT_ENTITIES" in run.stderr
    assert run.peak_mb < 1024, run.peak_mb


def test_integers_stay_exact() -> None:
    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.timestamp = 2**64 - 1  # uint64, beyond int64: not a time
    for i, (t, d) in enumerate([(2**63 - 1, 2**31 - 1), (-(2**63), -(2**31)), (2**40, 0)]):
        ent = msg.entity.add()
        ent.id = str(i)
        ent.trip_update.trip.trip_id = "T"
        stu = ent.trip_update.stop_time_update.add()
        stu.stop_sequence = 1
        stu.arrival.time, stu.departure.delay = t, d
    df = load_trip_updates(msg.SerializeToString())
    assert df["arrival_time"].tolist() == [2**63 - 1, -(2**63), 2**40]
    assert df["departure_delay_s"].tolist() == [2**31 - 1, -(2**31), 0]
    assert str(df["arrival_time"].dtype) == "Int64" and df["timestamp"].isna().all()


def _loaded_or_clean_error(data: bytes) -> None:
    for load in (load_trip_updates, load_vehicle_positions):
        try:
            df = load(data)
        except SourceError:
            continue
        if load is load_trip_updates:
            assert list(df.columns) == TRIP_UPDATE_COLUMNS


@CI
@given(st.one_of(st.binary(max_size=300), st.binary(max_size=200).map(lambda b: _header() + b)))
def test_random_bytes_give_a_table_or_a_clean_error(data: bytes) -> None:
    _loaded_or_clean_error(data)


INT64 = st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, 2**40, 2**63 - 1, -(2**63)]))
STOP = st.fixed_dictionaries({}, optional={
    "stop_sequence": st.integers(0, 2**32 - 1), "stop_id": st.text(max_size=8),
    "arrival_delay": st.integers(-(2**31), 2**31 - 1), "departure_delay": st.integers(-(2**31), 2**31 - 1),
    "arrival_time": INT64, "departure_time": INT64, "relationship": st.integers(0, 3)})
ENTITY = st.fixed_dictionaries({"trip_id": st.text(max_size=8), "stops": st.lists(STOP, max_size=4)}, optional={
    "start_date": st.text(max_size=10), "trip_relationship": st.sampled_from([0, 1, 2, 3, 5, 6]),
    "timestamp": st.integers(0, 2**64 - 1), "vehicle": st.tuples(st.floats(allow_nan=True), st.floats())})


def _message(entities: list[dict], header_ts: int | None) -> bytes:
    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    if header_ts is not None:
        msg.header.timestamp = header_ts
    for i, e in enumerate(entities):
        ent = msg.entity.add()
        ent.id = str(i)
        if "vehicle" in e:
            lat, lon = e["vehicle"]
            ent.vehicle.position.latitude, ent.vehicle.position.longitude = lat, lon
            ent.vehicle.trip.trip_id = e["trip_id"]
            continue
        tu = ent.trip_update
        tu.trip.trip_id = e["trip_id"]
        if "start_date" in e:
            tu.trip.start_date = e["start_date"]
        if "trip_relationship" in e:
            tu.trip.schedule_relationship = e["trip_relationship"]
        if "timestamp" in e:
            tu.timestamp = e["timestamp"]
        for s in e["stops"]:
            stu = tu.stop_time_update.add()
            for key in ("stop_sequence", "stop_id"):
                if key in s:
                    setattr(stu, key, s[key])
            if "relationship" in s:
                stu.schedule_relationship = s["relationship"]
            for ev in ("arrival", "departure"):
                for part in ("delay", "time"):
                    if f"{ev}_{part}" in s:
                        setattr(getattr(stu, ev), part, s[f"{ev}_{part}"])
    return msg.SerializeToString()


@CI
@given(st.lists(ENTITY, max_size=5), st.one_of(st.none(), st.integers(0, 2**64 - 1)))
def test_random_feed_messages_give_a_table_or_a_clean_error(entities: list[dict], header_ts: int | None) -> None:
    _loaded_or_clean_error(_message(entities, header_ts))
