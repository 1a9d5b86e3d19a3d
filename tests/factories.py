"""Tiny data made by the tests: a 4-stop GTFS feed, written as a zip or a folder.

The feed (agency STAR-TEST, one route ``L1``, four stops A-B-C-D in central
Rennes about 500 m apart) runs on weekdays of the week 2024-03-04..2024-03-10:

* trip T1  A 08:00 -> B 08:05 -> C 08:10 -> D 08:15
* trip T2  A 08:20 -> B 08:25 -> C 08:30 -> D 08:35
* trip T3  D 08:00 -> C 08:06 -> B 08:12 -> A 08:18   (route L2, the other way)
* trip N1  A 23:50 -> B 23:58 -> C 24:06 -> D 25:00 (after midnight)

Every table can be overridden with a list of dicts (``tables={"stops.txt": [...]}``)
or replaced with raw text (``raw={"stops.txt": "..."}``) to build bad inputs.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

STOPS = [
    {"stop_id": "A", "stop_name": "République", "stop_lat": "48.1100", "stop_lon": "-1.6780"},
    {"stop_id": "B", "stop_name": "Gares", "stop_lat": "48.1050", "stop_lon": "-1.6730"},
    {"stop_id": "C", "stop_name": "Jacques Cartier", "stop_lat": "48.1010", "stop_lon": "-1.6700"},
    {"stop_id": "D", "stop_name": "Clemenceau", "stop_lat": "48.0970", "stop_lon": "-1.6680"},
]
AGENCY = [{"agency_id": "STAR", "agency_name": "STAR-TEST", "agency_url": "https://www.star.fr",
           "agency_timezone": "Europe/Paris", "agency_lang": "fr"}]
ROUTES = [
    {"route_id": "L1", "agency_id": "STAR", "route_short_name": "1", "route_long_name": "A - D",
     "route_type": "3", "route_color": "E3051B", "route_text_color": "FFFFFF"},
    {"route_id": "L2", "agency_id": "STAR", "route_short_name": "2", "route_long_name": "D - A",
     "route_type": "3", "route_color": "0067B1", "route_text_color": "FFFFFF"},
]
CALENDAR = [{"service_id": "WK", "monday": "1", "tuesday": "1", "wednesday": "1", "thursday": "1",
             "friday": "1", "saturday": "0", "sunday": "0", "start_date": "20240304",
             "end_date": "20240310"}]
TRIPS = [
    {"route_id": "L1", "service_id": "WK", "trip_id": "T1", "direction_id": "0"},
    {"route_id": "L1", "service_id": "WK", "trip_id": "T2", "direction_id": "0"},
    {"route_id": "L2", "service_id": "WK", "trip_id": "T3", "direction_id": "1"},
    {"route_id": "L1", "service_id": "WK", "trip_id": "N1", "direction_id": "0"},
]


def _st(trip: str, times: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"trip_id": trip, "arrival_time": t, "departure_time": t, "stop_id": s,
             "stop_sequence": str(i + 1)} for i, (s, t) in enumerate(times)]


STOP_TIMES = (
    _st("T1", [("A", "08:00:00"), ("B", "08:05:00"), ("C", "08:10:00"), ("D", "08:15:00")])
    + _st("T2", [("A", "08:20:00"), ("B", "08:25:00"), ("C", "08:30:00"), ("D", "08:35:00")])
    + _st("T3", [("D", "08:00:00"), ("C", "08:06:00"), ("B", "08:12:00"), ("A", "08:18:00")])
    + _st("N1", [("A", "23:50:00"), ("B", "23:58:00"), ("C", "24:06:00"), ("D", "25:00:00")])
)

DEFAULT_TABLES: dict[str, list[dict[str, str]]] = {
    "agency.txt": AGENCY,
    "stops.txt": STOPS,
    "routes.txt": ROUTES,
    "trips.txt": TRIPS,
    "stop_times.txt": STOP_TIMES,
    "calendar.txt": CALENDAR,
}


def gtfs_tables(tables: dict[str, list[dict[str, Any]] | None] | None = None) -> dict[str, str]:
    """The feed as ``{filename: csv text}``; a table set to None is left out."""
    merged = {**DEFAULT_TABLES, **(tables or {})}
    out: dict[str, str] = {}
    for name, rows in merged.items():
        if rows is None:
            continue
        buf = io.StringIO()
        fields: list[str] = []
        for row in rows:
            fields += [k for k in row if k not in fields]
        writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        out[name] = buf.getvalue()
    return out


def make_gtfs_zip(path: Path, *, tables: dict[str, Any] | None = None, raw: dict[str, str | bytes] | None = None,
                  prefix: str = "") -> Path:
    """Write the tiny feed as a zip at ``path``; ``prefix`` puts the files in a subfolder."""
    files: dict[str, str | bytes] = {**gtfs_tables(tables), **(raw or {})}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(prefix + name, text)
    return path


def make_gtfs_dir(path: Path, *, tables: dict[str, Any] | None = None,
                  raw: dict[str, str | bytes] | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, text in {**gtfs_tables(tables), **(raw or {})}.items():
        (path / name).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path
