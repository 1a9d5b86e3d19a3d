"""GTFS-Realtime feeds (protobuf, through gtfs-realtime-bindings) loaded into tables.

Two loaders, each taking one or several files (paths) or raw bytes:

* :func:`load_trip_updates` — one row per StopTimeUpdate, plus one row per trip
  without stop updates (a CANCELED trip, typically).
* :func:`load_vehicle_positions` — one row per VehiclePosition entity.

A file that is not a GTFS-RT FeedMessage raises
:class:`sources.errors.UnusableInputError` naming the file. The work a feed asks for is bounded
before any row is built (:mod:`sources.budgets`): its entities (``max_rt_entities``, counted right
after the parse) and its stop time updates (``max_rt_stop_updates``); over either,
:class:`~sources.budgets.BudgetExceeded` names the limit and its setting. Integers stay exact
(int64, never through a float); whether a time or a delay is plausible for the service day is
decided where the updates are applied (:func:`routing.transit.realtime.apply_trip_updates`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources.budgets import budgets
from sources.errors import UnusableInputError
from sources.loaders._csv import read_bytes
from sources.messages import Msg

#: columns of :func:`load_trip_updates`
TRIP_UPDATE_COLUMNS = ["trip_id", "route_id", "start_date", "trip_schedule_relationship", "stop_id",
                       "stop_sequence", "arrival_delay_s", "departure_delay_s", "arrival_time",
                       "departure_time", "schedule_relationship", "timestamp", "source"]
#: columns of :func:`load_vehicle_positions`
VEHICLE_POSITION_COLUMNS = ["vehicle_id", "vehicle_label", "trip_id", "route_id", "start_date", "lat", "lon",
                            "bearing", "speed_ms", "current_stop_sequence", "stop_id", "current_status",
                            "timestamp", "source"]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_INT_COLS = ("stop_sequence", "arrival_delay_s", "departure_delay_s", "arrival_time", "departure_time",
             "timestamp", "current_stop_sequence")


def _inputs(paths_or_bytes: str | Path | bytes | Iterable[str | Path | bytes]) -> list[tuple[str, bytes]]:
    if isinstance(paths_or_bytes, (str, Path, bytes, bytearray)):
        items: list = [paths_or_bytes]
    else:
        items = list(paths_or_bytes)
    out = []
    for i, item in enumerate(items):
        if isinstance(item, (bytes, bytearray)):
            out.append((f"<bytes #{i}>", bytes(item)))
        else:
            path = Path(item)
            out.append((str(path), read_bytes(path)))  # within the max_file_bytes budget
    return out


def _messages(paths_or_bytes: Any) -> list[tuple[str, Any]]:
    """(input name, FeedMessage) of every input, parsed, with the entity budget checked on all the
    inputs together before anything is built from them."""
    messages, entities = [], 0
    for name, data in _inputs(paths_or_bytes):
        msg = _parse(name, data)
        entities += len(msg.entity)  # known right after the parse: no entity is visited yet
        budgets().check("max_rt_entities", entities, what=name)
        messages.append((name, msg))
    return messages


def _entities(messages: list[tuple[str, Any]], kind: str) -> Iterator[tuple[str, int | None, Any]]:
    """(input name, header timestamp, entity) of every entity carrying ``kind`` in the messages."""
    for name, msg in messages:
        header_ts = _int64(msg.header.timestamp) if msg.header.HasField("timestamp") else None
        for ent in msg.entity:
            if ent.HasField(kind):
                yield name, header_ts, ent


def _int64(value: int) -> int | None:
    """A protobuf integer as an int64 (None when it cannot be one: a uint64 timestamp over 2**63-1).
    Times and delays stay exact here (never through a float); their range against the service day
    is checked where they are applied (:mod:`routing.transit.realtime`)."""
    return int(value) if _INT64_MIN <= value <= _INT64_MAX else None


def _parse(name: str, data: bytes):
    from google.protobuf.message import DecodeError
    from google.transit import gtfs_realtime_pb2

    msg = gtfs_realtime_pb2.FeedMessage()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise UnusableInputError(Msg("error.not_gtfs_rt", detail=str(exc)), file=name) from exc
    if not msg.HasField("header") or not msg.header.gtfs_realtime_version:
        raise UnusableInputError(Msg("error.gtfs_rt_no_header"), file=name, field="header")
    return msg


def _frame(rows: dict[str, list], columns: list[str]) -> pd.DataFrame:
    """Columns (lists of equal length) as a table: integers as exact Int64, floats as float64."""
    data: dict[str, Any] = {}
    for c in columns:
        if c in _INT_COLS:
            data[c] = pd.array(rows[c], dtype="Int64")
        elif c in ("lat", "lon", "bearing", "speed_ms"):
            data[c] = np.asarray(rows[c], dtype=float)
        else:
            data[c] = pd.Series(rows[c], dtype=object)
    return pd.DataFrame(data, columns=columns)


def load_trip_updates(paths_or_bytes: str | Path | bytes | Iterable[str | Path | bytes]) -> pd.DataFrame:
    """Stop time updates of GTFS-RT TripUpdates feeds.

    Returns
    -------
    DataFrame with :data:`TRIP_UPDATE_COLUMNS`: trip_id, route_id, start_date (YYYYMMDD str or None),
    trip_schedule_relationship (SCHEDULED, ADDED, UNSCHEDULED, CANCELED, ...), stop_id (None when
    absent), stop_sequence (Int64, NA when absent), arrival_delay_s, departure_delay_s (Int64, NA
    when not given), arrival_time, departure_time (POSIX seconds, Int64, NA when not given),
    schedule_relationship (of the stop update: SCHEDULED, SKIPPED, NO_DATA; for a trip row without
    stop updates: the trip's relationship), timestamp (POSIX s of the update, else of the feed
    header), source (file name). Empty table with those columns when the feeds carry no update.
    """
    from google.transit import gtfs_realtime_pb2 as rt

    trip_rel = rt.TripDescriptor.ScheduleRelationship
    stop_rel = rt.TripUpdate.StopTimeUpdate.ScheduleRelationship
    messages = _messages(paths_or_bytes)
    n_updates = sum(max(1, len(ent.trip_update.stop_time_update))
                    for _, _, ent in _entities(messages, "trip_update"))
    budgets().check("max_rt_stop_updates", n_updates, what=messages[-1][0] if messages else None)
    rows: dict[str, list] = {c: [] for c in TRIP_UPDATE_COLUMNS}

    def add(**row: Any) -> None:
        for c in TRIP_UPDATE_COLUMNS:
            rows[c].append(row[c])

    def event_value(ev: Any, field: str) -> int | None:
        return _int64(getattr(ev, field)) if ev is not None and ev.HasField(field) else None

    for name, header_ts, ent in _entities(messages, "trip_update"):
        tu = ent.trip_update
        td = tu.trip
        base = {
            "trip_id": td.trip_id or None,
            "route_id": td.route_id or None,
            "start_date": td.start_date or None,
            "trip_schedule_relationship": trip_rel.Name(td.schedule_relationship),
            "timestamp": _int64(tu.timestamp) if tu.HasField("timestamp") else header_ts,
            "source": name,
        }
        if not tu.stop_time_update:
            add(**base, stop_id=None, stop_sequence=None, arrival_delay_s=None, departure_delay_s=None,
                arrival_time=None, departure_time=None, schedule_relationship=base["trip_schedule_relationship"])
            continue
        for stu in tu.stop_time_update:
            arr = stu.arrival if stu.HasField("arrival") else None
            dep = stu.departure if stu.HasField("departure") else None
            add(**base, stop_id=stu.stop_id or None,
                stop_sequence=stu.stop_sequence if stu.HasField("stop_sequence") else None,
                arrival_delay_s=event_value(arr, "delay"), departure_delay_s=event_value(dep, "delay"),
                arrival_time=event_value(arr, "time"), departure_time=event_value(dep, "time"),
                schedule_relationship=stop_rel.Name(stu.schedule_relationship))
    return _frame(rows, TRIP_UPDATE_COLUMNS)


def load_vehicle_positions(paths_or_bytes: str | Path | bytes | Iterable[str | Path | bytes]) -> pd.DataFrame:
    """Vehicle positions of GTFS-RT VehiclePositions feeds.

    Returns
    -------
    DataFrame with :data:`VEHICLE_POSITION_COLUMNS`: vehicle_id, vehicle_label, trip_id, route_id,
    start_date (str or None), lat, lon (float64 WGS84, NaN without position), bearing (degrees),
    speed_ms (m/s), current_stop_sequence (Int64), stop_id, current_status (INCOMING_AT,
    STOPPED_AT, IN_TRANSIT_TO), timestamp (POSIX s, Int64), source. Empty table when none.
    """
    from google.transit import gtfs_realtime_pb2 as rt

    status = rt.VehiclePosition.VehicleStopStatus
    rows: dict[str, list] = {c: [] for c in VEHICLE_POSITION_COLUMNS}
    for name, header_ts, ent in _entities(_messages(paths_or_bytes), "vehicle"):
        vp = ent.vehicle
        pos = vp.position if vp.HasField("position") else None
        row = {
            "vehicle_id": vp.vehicle.id or ent.id or None,
            "vehicle_label": vp.vehicle.label or None,
            "trip_id": vp.trip.trip_id or None,
            "route_id": vp.trip.route_id or None,
            "start_date": vp.trip.start_date or None,
            "lat": pos.latitude if pos is not None else np.nan,
            "lon": pos.longitude if pos is not None else np.nan,
            "bearing": pos.bearing if pos is not None and pos.HasField("bearing") else np.nan,
            "speed_ms": pos.speed if pos is not None and pos.HasField("speed") else np.nan,
            "current_stop_sequence": vp.current_stop_sequence if vp.HasField("current_stop_sequence") else None,
            "stop_id": vp.stop_id or None,
            "current_status": status.Name(vp.current_status),
            "timestamp": _int64(vp.timestamp) if vp.HasField("timestamp") else header_ts,
            "source": name,
        }
        for c in VEHICLE_POSITION_COLUMNS:
            rows[c].append(row[c])
    return _frame(rows, VEHICLE_POSITION_COLUMNS)


def _as_loaded(frame: pd.DataFrame, dataset_id: str, paths: Any) -> Any:
    from sources.validate import Loaded, Report

    files = [str(p) for p in (paths if isinstance(paths, (list, tuple)) else [paths])
             if not isinstance(p, bytes)]
    report = Report(dataset_id, files=files, rows_read=len(frame), rows_kept=len(frame))
    report.stats = {"rows": len(frame), "trips": int(frame["trip_id"].nunique()) if len(frame) else 0}
    return Loaded(frame, report)


def load_trip_updates_dataset(paths: Any, *, strict: bool = False) -> Any:
    """Catalogue loader: :func:`load_trip_updates` wrapped in a :class:`~sources.validate.Loaded`."""
    return _as_loaded(load_trip_updates(paths), "star-gtfs-rt-trip-updates", paths)


def load_vehicle_positions_dataset(paths: Any, *, strict: bool = False) -> Any:
    """Catalogue loader: :func:`load_vehicle_positions` wrapped in a :class:`~sources.validate.Loaded`."""
    return _as_loaded(load_vehicle_positions(paths), "star-gtfs-rt-vehicle-positions", paths)
