"""GTFS-Realtime feeds (protobuf, through gtfs-realtime-bindings) loaded into tables.

Two loaders, each taking one or several files (paths) or raw bytes:

* :func:`load_trip_updates` — one row per StopTimeUpdate, plus one row per trip
  without stop updates (a CANCELED trip, typically).
* :func:`load_vehicle_positions` — one row per VehiclePosition entity.

A file that is not a GTFS-RT FeedMessage raises
:class:`sources.errors.UnusableInputError` naming the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources.errors import UnusableInputError
from sources.loaders._csv import read_bytes

#: columns of :func:`load_trip_updates`
TRIP_UPDATE_COLUMNS = ["trip_id", "route_id", "start_date", "trip_schedule_relationship", "stop_id",
                       "stop_sequence", "arrival_delay_s", "departure_delay_s", "arrival_time",
                       "departure_time", "schedule_relationship", "timestamp", "source"]
#: columns of :func:`load_vehicle_positions`
VEHICLE_POSITION_COLUMNS = ["vehicle_id", "vehicle_label", "trip_id", "route_id", "start_date", "lat", "lon",
                            "bearing", "speed_ms", "current_stop_sequence", "stop_id", "current_status",
                            "timestamp", "source"]

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


def _parse(name: str, data: bytes):
    from google.protobuf.message import DecodeError
    from google.transit import gtfs_realtime_pb2

    msg = gtfs_realtime_pb2.FeedMessage()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise UnusableInputError(f"not a GTFS-realtime FeedMessage: {exc}", file=name) from exc
    if not msg.HasField("header") or not msg.header.gtfs_realtime_version:
        raise UnusableInputError("not a GTFS-realtime FeedMessage: no header", file=name, field="header")
    return msg


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    for c in _INT_COLS:
        if c in df.columns:
            df[c] = pd.array(df[c].astype("Float64").round(), dtype="Int64")
    for c in ("lat", "lon", "bearing", "speed_ms"):
        if c in df.columns:
            df[c] = df[c].astype(float)
    return df


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
    rows: list[dict] = []
    for name, data in _inputs(paths_or_bytes):
        msg = _parse(name, data)
        header_ts = msg.header.timestamp if msg.header.HasField("timestamp") else None
        for ent in msg.entity:
            if not ent.HasField("trip_update"):
                continue
            tu = ent.trip_update
            td = tu.trip
            base = {
                "trip_id": td.trip_id or None,
                "route_id": td.route_id or None,
                "start_date": td.start_date or None,
                "trip_schedule_relationship": trip_rel.Name(td.schedule_relationship),
                "timestamp": tu.timestamp if tu.HasField("timestamp") else header_ts,
                "source": name,
            }
            if not tu.stop_time_update:
                rows.append({**base, "stop_id": None, "stop_sequence": None, "arrival_delay_s": None,
                             "departure_delay_s": None, "arrival_time": None, "departure_time": None,
                             "schedule_relationship": base["trip_schedule_relationship"]})
                continue
            for stu in tu.stop_time_update:
                arr = stu.arrival if stu.HasField("arrival") else None
                dep = stu.departure if stu.HasField("departure") else None
                rows.append({
                    **base,
                    "stop_id": stu.stop_id or None,
                    "stop_sequence": stu.stop_sequence if stu.HasField("stop_sequence") else None,
                    "arrival_delay_s": arr.delay if arr is not None and arr.HasField("delay") else None,
                    "departure_delay_s": dep.delay if dep is not None and dep.HasField("delay") else None,
                    "arrival_time": arr.time if arr is not None and arr.HasField("time") else None,
                    "departure_time": dep.time if dep is not None and dep.HasField("time") else None,
                    "schedule_relationship": stop_rel.Name(stu.schedule_relationship),
                })
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
    rows: list[dict] = []
    for name, data in _inputs(paths_or_bytes):
        msg = _parse(name, data)
        header_ts = msg.header.timestamp if msg.header.HasField("timestamp") else None
        for ent in msg.entity:
            if not ent.HasField("vehicle"):
                continue
            vp = ent.vehicle
            pos = vp.position if vp.HasField("position") else None
            rows.append({
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
                "timestamp": vp.timestamp if vp.HasField("timestamp") else header_ts,
                "source": name,
            })
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
