"""GTFS static feeds, read through partridge, validated, for one service date.

Column contract of :class:`GtfsFeed` (whole feed, every service):

* stops: stop_id (str), stop_name (str), stop_lat, stop_lon (float64, WGS84), location_type (int), parent_station (str)
* routes: route_id, agency_id, route_short_name, route_long_name (str), route_type (int), route_color, route_text_color (hex, no '#')
* trips: trip_id, route_id, service_id (str), direction_id (int, -1 when absent), trip_headsign (str)
* stop_times: trip_id, stop_id (str), stop_sequence (int64), arrival_time_s, departure_time_s (float64 seconds since
  the service day's noon-minus-12h, i.e. "25:00:00" -> 90000.0), sorted by trip_id, stop_sequence
* calendar, calendar_dates: as in GTFS, dates as datetime.date

Additions to that contract (see :data:`COLUMNS`): stop_times also carries
``pickup_type``, ``drop_off_type`` (int8, 0 when absent) and ``shape_dist_traveled``
(float64, NaN when absent); the small tables keep their extra GTFS columns as str
(``stop_code``, ``shape_id``, ...). Every kept stop_time has both times (an empty
time between two timed stops is interpolated linearly by stop order, with an
``info`` notice); ``route_color``/``route_text_color`` default to ``FFFFFF``/``000000``.

Reading goes through a partridge :class:`partridge.gtfs.Feed` (lazy per-file
reading, encoding detection, ``empty_df`` for absent optional files) whose CSV
reader is given explicit dtypes: every field as ``str`` with only the empty
string as missing (a stop id ``"NA"`` stays ``"NA"``), BOM, CRLF and quoting
handled, values stripped. Times are converted with partridge's ``parse_time``
after a format check. The service calendar (:func:`service_ids_by_date`) follows
partridge's ``read_service_ids_by_date`` rules (calendar ranges by weekday, then
calendar_dates additions, then removals) but over every service, not only those
with trips; the busiest date follows ``read_busiest_date`` (most trips, earliest
on ties).

Validation (quarantined rows keep file, 1-based data row, field, code, value; each
quarantined row is counted once, so ``rows_read == rows_kept + quarantined``):

=====================================================  ==========================================
code                                                   what
=====================================================  ==========================================
``missing_required_field``                             an id / required value is empty
``duplicate_key``                                      a repeated key (stop_id, route_id, trip_id,
                                                       service_id, (service_id, date),
                                                       (trip_id, stop_sequence)); the first is kept
``foreign_key_violation``                              trips -> unknown route/service;
                                                       stop_times -> unknown (or quarantined) trip/stop
``invalid_time``                                       unparseable time, or a time >= 48:00:00
``invalid_integer`` / ``invalid_date``                 stop_sequence, route_type / calendar dates
``unexpected_enum_value``                              calendar day flags, exception_type
``start_and_end_range_out_of_order``                   calendar end_date before start_date
``missing_trip_edge``                                  first/last stop of a trip without any time
``stop_time_with_arrival_before_previous_departure_time``
                                                       times going backwards within a trip (arrival
                                                       before the previous departure, or departure
                                                       before arrival): the WHOLE trip is dropped,
                                                       every one of its stop_times rows and its
                                                       trips.txt row carry this code, because which
                                                       of the two times is wrong cannot be told
``unusable_trip``                                      a trip left with fewer than 2 stop_times
                                                       (the trip row and its remaining stop_times)
``missing_coordinates`` / ``point_near_origin`` /      stops, through :func:`sources.validate.check_coordinates`
``point_outside_area``                                 with ``settings.FRANCE_BBOX``
``invalid_row_length``                                 a CSV line with too many fields
=====================================================  ==========================================

Notices (not quarantine): ``swapped_coordinates`` (fixed), ``service_never_active``
(warning), ``unsafe_zip_entry``, ``feed_in_subfolder``, ``missing_required_file``
(agency.txt absent), ``decreasing_or_equal_stop_time_distance``, ``invalid_color``,
``not_routable`` (static loader), ``times_interpolated`` (info).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from partridge.config import empty_config
from partridge.gtfs import Feed as _PartridgeFeed
from partridge.parsers import parse_time
from partridge.utilities import detect_encoding, empty_df

from sources import settings
from sources.budgets import BudgetExceeded, budgets
from sources.errors import SchemaError, UnusableInputError
from sources.loaders import gtfs_accessibility
from sources.loaders._csv import read_bytes, read_csv_bytes
from sources.loaders._zip import open_feed_folder
from sources.messages import Fmt, Msg
from sources.validate import ERROR, INFO, WARNING, Loaded, Report, check_coordinates, strict_error

TABLES = ("agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates", "feed_info")

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: Column contract per table ({column: dtype}); "object" columns hold str (dates: datetime.date).
COLUMNS: dict[str, dict[str, str]] = {
    "agency": {"agency_id": "object", "agency_name": "object", "agency_url": "object",
               "agency_timezone": "object"},
    "stops": {"stop_id": "object", "stop_name": "object", "stop_lat": "float64",
              "stop_lon": "float64", "location_type": "int64", "parent_station": "object",
              **gtfs_accessibility.COLUMNS["stops"]},
    "routes": {"route_id": "object", "agency_id": "object", "route_short_name": "object",
               "route_long_name": "object", "route_type": "int64", "route_color": "object",
               "route_text_color": "object", **gtfs_accessibility.COLUMNS["routes"]},
    "trips": {"trip_id": "object", "route_id": "object", "service_id": "object",
              "direction_id": "int64", "trip_headsign": "object"},
    "stop_times": {"trip_id": "object", "stop_id": "object", "stop_sequence": "int64",
                   "arrival_time_s": "float64", "departure_time_s": "float64",
                   "pickup_type": "int8", "drop_off_type": "int8",
                   "shape_dist_traveled": "float64"},
    "calendar": {"service_id": "object", **{d: "int8" for d in DAY_NAMES},
                 "start_date": "object", "end_date": "object"},
    "calendar_dates": {"service_id": "object", "date": "object", "exception_type": "int8"},
    "feed_info": {"feed_publisher_name": "object", "feed_publisher_url": "object",
                  "feed_lang": "object"},
    "services_by_date": {"date": "object", "service_id": "object"},
    "frequencies": {"trip_id": "object", "start_time_s": "float64", "end_time_s": "float64",
                    "headway_secs": "int64", "exact_times": "int8"},
}

#: Columns a file must have (else SchemaError naming file and field).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency.txt": ("agency_name",),
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
    "calendar.txt": ("service_id", *DAY_NAMES, "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "feed_info.txt": (),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
}
GTFS_FILES = frozenset(REQUIRED_COLUMNS) | {"shapes.txt", "frequencies.txt", "transfers.txt",
                                            "fare_attributes.txt", "fare_rules.txt"}
MAX_TIME_S = 48 * 3600
_TIME_RE = r"^\d{1,3}:[0-5]\d:[0-5]\d$"
_HEX_RE = re.compile(r"^[0-9A-Fa-f]{6}$")
_ROW = "_row"


class ServiceDateError(UnusableInputError):
    """The service date asked for is outside the calendar, or has no service.

    Attributes ``busiest_date``, ``first_date``, ``last_date`` (datetime.date or None)
    let the caller offer another date.
    """

    def __init__(self, message: str, *, file: str | None = None,
                 busiest_date: dt.date | None = None, first_date: dt.date | None = None,
                 last_date: dt.date | None = None) -> None:
        self.busiest_date, self.first_date, self.last_date = busiest_date, first_date, last_date
        super().__init__(message, file=file)


@dataclass
class GtfsFeed:
    agency: pd.DataFrame
    stops: pd.DataFrame
    routes: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame
    feed_info: pd.DataFrame
    path: str = ""
    date: dt.date | None = None  # the service date chosen: asked for, or the feed's busiest
    services_by_date: dict[dt.date, frozenset[str]] = field(default_factory=dict)
    #: frequencies.txt (optional): trip_id, start_time_s, end_time_s, headway_secs, exact_times;
    #: a trip listed here is a template that :func:`routing.transit.timetable.build_timetable` expands
    frequencies: pd.DataFrame = field(default_factory=lambda: _empty("frequencies"))

    def service_ids_on(self, day: dt.date) -> frozenset[str]:
        """Service ids active on ``day`` (calendar + calendar_dates exceptions)."""
        return self.services_by_date.get(day, frozenset())

    def trips_on(self, day: dt.date) -> pd.DataFrame:
        return self.trips[self.trips["service_id"].isin(self.service_ids_on(day))]

    @property
    def first_date(self) -> dt.date | None:
        return min(self.services_by_date) if self.services_by_date else None

    @property
    def last_date(self) -> dt.date | None:
        return max(self.services_by_date) if self.services_by_date else None

    # -- additions (H2) ----------------------------------------------------------
    def trip_counts_by_date(self) -> dict[dt.date, int]:
        """Number of trips running on each date with service (partridge ``read_trip_counts_by_date``)."""
        per_service = self.trips["service_id"].value_counts()
        return {day: int(per_service.reindex(list(ids)).fillna(0).sum()) if ids else 0
                for day, ids in self.services_by_date.items()}

    def busiest_date(self) -> dt.date | None:
        """The earliest date with the most trips (partridge ``read_busiest_date``).

        For a feed without trips, the earliest date with the most active services.
        None when no date has service.
        """
        if not self.services_by_date:
            return None
        if len(self.trips):
            counts = self.trip_counts_by_date()
        else:
            counts = {d: len(ids) for d, ids in self.services_by_date.items()}
        day, n = max(counts.items(), key=lambda kv: (kv[1], -kv[0].toordinal()))
        return day if n > 0 else None

    def representative_date(self) -> dt.date | None:
        """The feed's representative weekday (see :func:`representative_date`), else its busiest
        date; the default service day of the routing network."""
        counts = self.trip_counts_by_date() if len(self.trips) else {}
        return representative_date(counts) or self.busiest_date()

    def to_meta(self) -> dict[str, Any]:
        """JSON-friendly metadata to pass back to :meth:`from_frames` (``path``, ``date`` iso)."""
        return {"path": self.path, "date": self.date.isoformat() if self.date else None}

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The feed as plain tables, for the parquet frame cache.

        Returns every table of :data:`TABLES` plus ``services_by_date`` (columns
        ``date`` (datetime.date), ``service_id``), one row per active (date, service).
        Frames are copies; dates stay datetime.date objects.
        """
        frames = {name: getattr(self, name).copy() for name in TABLES}
        frames["frequencies"] = self.frequencies.copy()
        pairs = [(d, s) for d, ids in sorted(self.services_by_date.items()) for s in sorted(ids)]
        frames["services_by_date"] = pd.DataFrame(pairs, columns=["date", "service_id"],
                                                  dtype=object)
        return frames

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame], **meta: Any) -> GtfsFeed:
        """Rebuild a feed from :meth:`to_frames` output; ``meta``: ``path``, ``date`` (date or iso str).

        Absent tables become empty frames with the contract columns. Dates read back
        as Timestamps / datetime64 (parquet round trips) are turned into datetime.date.
        """
        tables: dict[str, pd.DataFrame] = {}
        for name in TABLES:
            frame = frames.get(name)
            tables[name] = _empty(name) if frame is None else frame.copy()
        for name, cols in (("calendar", ("start_date", "end_date")), ("calendar_dates", ("date",))):
            for col in cols:
                if col in tables[name].columns:
                    tables[name][col] = _as_dates(tables[name][col])
        sbd: dict[dt.date, set[str]] = {}
        table = frames.get("services_by_date")
        if table is not None and len(table):
            for day, sid in zip(_as_dates(table["date"]), table["service_id"].astype(str), strict=True):
                sbd.setdefault(day, set()).add(sid)
        day = meta.get("date")
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        elif isinstance(day, dt.datetime):
            day = day.date()
        freq = frames.get("frequencies")
        return cls(**tables, path=str(meta.get("path") or ""), date=day,
                   services_by_date={d: frozenset(s) for d, s in sbd.items()},
                   frequencies=_empty("frequencies") if freq is None else freq.copy())


# -- public loaders --------------------------------------------------------------------


def representative_date(trip_counts: Mapping[dt.date, int]) -> dt.date | None:
    """The representative weekday of a timetable, from its number of trips per date.

    Rule: among Monday-Friday dates with trips, take the most common number of trips (the
    regular weekday timetable: a Friday with extra late trips or a holiday is not typical);
    among the dates with that count, the earliest whose previous day also has trips (its
    after-midnight trips then run in that day's timetable), else the earliest. Ties between
    counts go to the larger. None when no weekday has trips.

    For the 2011 STAR feed (Mon 14 to Sun 20 November 2011; 3,764 trips on Monday, Tuesday and
    Thursday, 3,758 on Wednesday, 3,853 on Friday, the busiest) this is Tuesday 2011-11-15.
    """
    weekdays = {d: n for d, n in trip_counts.items() if d.weekday() < 5 and n > 0}
    if not weekdays:
        return None
    freq: dict[int, int] = {}
    for n in weekdays.values():
        freq[n] = freq.get(n, 0) + 1
    typical = max(freq, key=lambda n: (freq[n], n))
    days = sorted(d for d, n in weekdays.items() if n == typical)
    covered = [d for d in days if trip_counts.get(d - dt.timedelta(days=1), 0) > 0]
    return (covered or days)[0]


def load_gtfs(paths: Path | str | Sequence[Path | str], *, date: dt.date | None = None,
              strict: bool = False, max_total_bytes: int | None = None,
              max_ratio: float | None = None) -> Loaded:
    """Load and validate a whole GTFS feed (zip or folder) and choose a service date.

    Parameters
    ----------
    paths : the feed, a ``.zip`` or a directory (or a one-element sequence of it).
        GTFS files in a subfolder of the archive are found.
    date : the service date wanted; default the feed's busiest date.
    strict : raise SchemaError (file, row, field) on the first quarantined row.
    max_total_bytes, max_ratio : zip bomb guard (see :mod:`sources.loaders._zip`); default the
        budgets ``max_archive_bytes`` / ``max_archive_ratio`` (:mod:`sources.budgets`).

    Returns
    -------
    Loaded
        ``data``: :class:`GtfsFeed` holding every service (columns: see :data:`COLUMNS`),
        ``services_by_date`` for every date with service, ``date`` the chosen date.
        ``report.stats``: trips, stop_times, stops, routes, services, calendar_start,
        calendar_end, busiest_date, busiest_date_trips, date, date_trips.

    Raises
    ------
    UnusableInputError : corrupt/truncated zip, zip bomb, unreadable CSV.
    SchemaError : a required file (stops, routes, trips, stop_times, calendar or
        calendar_dates) or a required column is missing.
    ServiceDateError : ``date`` is outside the calendar or has no trip (message and
        ``.busiest_date`` offer the busiest date); also when no date has service.

    A feed left without any usable trip is returned (with the stops, routes and
    calendar) and an error notice ``not_routable``.
    """
    path = _single_path(paths)
    report = Report(dataset_id="star-gtfs", files=[str(path)])
    raw = _read_feed(path, report, timetables=True, max_total_bytes=max_total_bytes,
                     max_ratio=max_ratio)
    feed = _validate(raw, report, path=path, timetables=True)
    if len(feed.trips) == 0:
        report.notice("not_routable", Msg("finding.no_usable_trip"), severity=ERROR,
                      file="trips.txt")
    _choose_date(feed, report, date, label=path.name, need_trips=len(feed.trips) > 0)
    _finish(report, raw, feed, strict=strict)
    return Loaded(feed, report)


def load_gtfs_static(paths: Path | str | Sequence[Path | str], *, date: dt.date | None = None,
                     strict: bool = False, max_total_bytes: int | None = None,
                     max_ratio: float | None = None) -> Loaded:
    """Load the static part of a GTFS feed (agency, stops, routes, calendar, feed_info).

    For feeds published without timetables (trips.txt / stop_times.txt absent), such as
    the 2023 STAR partial feed: ``trips`` and ``stop_times`` are empty frames with the
    contract columns and a notice ``not_routable`` (warning) says the timetables are
    missing. When they are present they are not read (info notice ``timetables_not_loaded``).
    ``date`` defaults to the date with most active services; a date outside the calendar
    raises :class:`ServiceDateError`. Other parameters and returns as :func:`load_gtfs`;
    ``report.stats``: stops, routes, services, calendar_start, calendar_end, busiest_date.
    """
    path = _single_path(paths)
    report = Report(dataset_id="star-gtfs-2023-partial", files=[str(path)])
    raw = _read_feed(path, report, timetables=False, max_total_bytes=max_total_bytes,
                     max_ratio=max_ratio)
    feed = _validate(raw, report, path=path, timetables=False)
    _choose_date(feed, report, date, label=path.name, need_trips=False)
    _finish(report, raw, feed, strict=strict)
    return Loaded(feed, report)


def service_ids_by_date(calendar: pd.DataFrame, calendar_dates: pd.DataFrame
                        ) -> dict[dt.date, frozenset[str]]:
    """Active service ids per date, for every service (partridge rules, vectorised).

    ``calendar`` needs service_id, the seven day flags (0/1) and start_date/end_date
    (datetime.date); ``calendar_dates`` service_id, date, exception_type (1 added,
    2 removed). Dates without any service are absent from the result.
    """
    chunks: list[pd.DataFrame] = []
    if len(calendar):
        flags = calendar[list(DAY_NAMES)].to_numpy(dtype=np.int8)
        starts = np.array([d.toordinal() for d in calendar["start_date"]], dtype=np.int64)
        ends = np.array([d.toordinal() for d in calendar["end_date"]], dtype=np.int64)
        lengths = np.maximum(ends - starts + 1, 0)
        # refused before expanding: a 200-line calendar over six centuries is 40 M pairs
        budgets().check("max_service_days", int(lengths.sum()) + len(calendar_dates),
                        what="calendar.txt")
        row = np.repeat(np.arange(len(calendar)), lengths)
        offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        ordinal = starts[row] + offset
        active = flags[row, (ordinal - 1) % 7] == 1  # date.fromordinal(1) is a Monday
        chunks.append(pd.DataFrame({"ordinal": ordinal[active],
                                    "service_id": calendar["service_id"].to_numpy()[row[active]]}))
    removed = pd.DataFrame({"ordinal": np.array([], dtype=np.int64), "service_id": []})
    if len(calendar_dates):
        ords = np.array([d.toordinal() for d in calendar_dates["date"]], dtype=np.int64)
        kind = calendar_dates["exception_type"].to_numpy()
        sids = calendar_dates["service_id"].to_numpy()
        chunks.append(pd.DataFrame({"ordinal": ords[kind == 1], "service_id": sids[kind == 1]}))
        removed = pd.DataFrame({"ordinal": ords[kind == 2], "service_id": sids[kind == 2]})
    if not chunks:
        return {}
    pairs = pd.concat(chunks, ignore_index=True).drop_duplicates()
    if len(removed):
        key = pd.MultiIndex.from_frame(pairs[["ordinal", "service_id"]])
        gone = pd.MultiIndex.from_frame(removed[["ordinal", "service_id"]].astype({"ordinal": "int64"}))
        pairs = pairs[~key.isin(gone)]
    out: dict[dt.date, frozenset[str]] = {}
    for ordinal, group in pairs.groupby("ordinal", sort=True)["service_id"]:
        out[dt.date.fromordinal(int(ordinal))] = frozenset(group.astype(str))
    return out


# -- reading ----------------------------------------------------------------------------


class _PartridgeReader(_PartridgeFeed):
    """A partridge Feed over already located files, with an explicit-dtype CSV reader."""

    def __init__(self, files: dict[str, Path], report: Report) -> None:
        self._files = dict(files)
        self._report = report
        folder = str(next(iter(self._files.values())).parent)
        super().__init__(folder, config=empty_config())

    def _bootstrap(self, path: str) -> None:  # noqa: ARG002 - partridge hook
        from threading import RLock

        for name, file in self._files.items():
            self._pathmap[name] = str(file)
            self._locks[name] = RLock()

    def _read_csv(self, filename: str) -> pd.DataFrame:
        path = self._pathmap.get(filename)
        columns = REQUIRED_COLUMNS.get(filename, ())
        if path is None or Path(path).stat().st_size == 0:
            frame = empty_df([*columns])
            frame[_ROW] = pd.Series(dtype="int64")
            return frame
        return _read_csv(Path(path), filename, self._report)


def _read_csv(path: Path, label: str, report: Report) -> pd.DataFrame:
    """Every field as str (empty -> NaN), names and values stripped, ``_row`` = line number
    minus the header's (the 1-based data row for a regular file). Budgets (bytes, columns,
    rows) are checked first; a line with a stray quote or too many fields is quarantined with
    its line number and the rest of the file is kept (see :mod:`sources.loaders._csv`)."""
    data = read_bytes(path, label=label)
    head = data[:1 << 20]
    if len(data) > len(head) and b"\n" in head:
        head = head[:head.rfind(b"\n") + 1]
    encoding = detect_encoding(io.BytesIO(head)) or "latin-1"
    if encoding.lower().replace("_", "-") in {"utf-8", "ascii", "utf-8-sig"}:
        encoding = "utf-8-sig"
    frame = read_csv_bytes(data, label=label, report=report, sep=",", encoding=encoding,
                           keep_default_na=False, na_values=[""])
    rows = frame.pop(_ROW)
    rows_read = frame.attrs.get("rows_read", len(frame))
    frame = frame.rename(columns=lambda c: str(c).replace("\ufeff", "").strip())
    for col in frame.columns:
        frame[col] = _strip(frame[col])
    frame[_ROW] = rows.to_numpy(dtype="int64")
    frame.attrs["rows_read"] = rows_read
    return frame


def _strip(col: pd.Series) -> pd.Series:
    """Strip whitespace; blank -> NaN. Works on the unique values (fast for GTFS ids/times)."""
    codes, uniques = pd.factorize(col)
    if not len(uniques):
        return col
    u = pd.Index(uniques).astype(str)
    stripped = u.str.strip()
    if (stripped == u).all() and not (u == "").any():
        return col
    values = np.asarray(stripped, dtype=object)
    values[values == ""] = np.nan
    out = np.where(codes >= 0, values[np.maximum(codes, 0)], np.nan)
    return pd.Series(out, index=col.index, dtype=object)


def _as_dates(values: pd.Series) -> pd.Series:
    """datetime.date objects from dates, datetimes, Timestamps or ISO strings (None stays None)."""
    def one(v: Any) -> dt.date | None:
        if v is None or (not isinstance(v, (str, dt.date)) and pd.isna(v)):
            return None
        if isinstance(v, str):
            return dt.date.fromisoformat(v[:10])
        if isinstance(v, dt.datetime):  # includes pd.Timestamp
            return v.date()
        if isinstance(v, dt.date):
            return v
        return pd.Timestamp(v).date()

    return pd.Series([one(v) for v in values], index=values.index, dtype=object)


def _single_path(paths: Path | str | Sequence[Path | str]) -> Path:
    if isinstance(paths, (str, Path)):
        return Path(paths)
    items = [Path(p) for p in paths]
    if len(items) != 1:
        raise UnusableInputError(Msg("error.one_path", n=len(items)),
                                 file=", ".join(str(p) for p in items) or None)
    return items[0]


def _read_feed(path: Path, report: Report, *, timetables: bool, max_total_bytes: int | None,
               max_ratio: float | None) -> dict[str, pd.DataFrame]:
    wanted = set(REQUIRED_COLUMNS) | set(gtfs_accessibility.EXTENSION_FILES)
    required = ["stops.txt", "routes.txt"] + (["trips.txt", "stop_times.txt"] if timetables else [])
    with open_feed_folder(path, wanted=wanted, report=report, max_total_bytes=max_total_bytes,
                          max_ratio=max_ratio) as files:
        for name in required:
            if name not in files:
                key = "timetables_missing" if name in {"trips.txt", "stop_times.txt"} else "file_missing"
                raise SchemaError(Msg(f"error.gtfs_{key}"), file=f"{path.name}:{name}")
        if "calendar.txt" not in files and "calendar_dates.txt" not in files:
            raise SchemaError(Msg("error.gtfs_no_calendar"),
                              file=f"{path.name}:calendar.txt")
        if "agency.txt" not in files:
            report.notice("missing_required_file", Msg("finding.file_missing"), file="agency.txt")
        if not timetables:
            if "trips.txt" in files and "stop_times.txt" in files:
                report.notice("timetables_not_loaded", Msg("finding.timetables_not_loaded"),
                              severity=INFO, file=path.name)
            else:
                missing = [n for n in ("trips.txt", "stop_times.txt") if n not in files]
                report.notice("not_routable", Msg("finding.timetables_missing", files=", ".join(missing)),
                              severity=WARNING, file=path.name)
        reader = _PartridgeReader(files, report)
        names = ["agency.txt", "stops.txt", "routes.txt", "calendar.txt", "calendar_dates.txt",
                 "feed_info.txt"] + (["trips.txt", "stop_times.txt"] if timetables else [])
        if timetables and "frequencies.txt" in files:
            names.append("frequencies.txt")
        raw = {name: reader.get(name) for name in names}
        for name in gtfs_accessibility.EXTENSION_FILES:  # STAR's non-standard accessibility flags
            if name in files:
                raw[name] = _read_csv(files[name], name, report)
    for name, frame in raw.items():
        for col in REQUIRED_COLUMNS.get(name, ()):
            if col not in frame.columns:
                raise SchemaError(Msg("error.column_required"), file=name, field=col)
    return raw


# -- validation -------------------------------------------------------------------------


def _validate(raw: dict[str, pd.DataFrame], report: Report, *, path: Path,
              timetables: bool) -> GtfsFeed:
    agency = _clean_agency(raw["agency.txt"], report)
    flagged_stops, flagged_routes = gtfs_accessibility.add_accessibility(raw["stops.txt"], raw["routes.txt"], raw,
                                                                         report)
    stops = _clean_stops(flagged_stops, report)
    routes = _clean_routes(flagged_routes, report)
    gtfs_accessibility.count_accessibility(stops, routes, report)
    calendar = _clean_calendar(raw["calendar.txt"], report)
    calendar_dates = _clean_calendar_dates(raw["calendar_dates.txt"], report)
    feed_info = _clean_feed_info(raw["feed_info.txt"])
    if timetables:
        services = set(calendar["service_id"]) | set(calendar_dates["service_id"])
        trips = _clean_trips(raw["trips.txt"], report, routes=routes, services=services)
        stop_times, trips = _clean_stop_times(raw["stop_times.txt"], report, trips=trips,
                                              stops=stops)
    else:
        trips, stop_times = _empty("trips"), _empty("stop_times")
    frequencies = (_clean_frequencies(raw["frequencies.txt"], report, trips=trips, stop_times=stop_times)
                   if "frequencies.txt" in raw else _empty("frequencies"))
    sbd = service_ids_by_date(calendar, calendar_dates)
    active = set().union(*sbd.values()) if sbd else set()
    for table, label in ((calendar, "calendar.txt"), (calendar_dates, "calendar_dates.txt")):
        for sid, row in zip(table["service_id"], table[_ROW], strict=True):
            if sid not in active:
                active.add(sid)  # one notice per service
                report.notice("service_never_active", Msg("finding.service_never_active"), severity=WARNING,
                              file=label, row=int(row), field="service_id", value=sid)
    feed = GtfsFeed(agency=agency, stops=stops, routes=routes, trips=trips, stop_times=stop_times,
                    calendar=calendar, calendar_dates=calendar_dates, feed_info=feed_info,
                    path=str(path), services_by_date=sbd, frequencies=frequencies)
    return feed


def _require(frame: pd.DataFrame, cols: Sequence[str], label: str, report: Report) -> pd.DataFrame:
    for col in cols:
        frame = report.quarantine_mask(frame, frame[col].isna(), code="missing_required_field",
                                       message=Msg("finding.field_empty", field=col), field=col, file=label)
    return frame


def _dedupe(frame: pd.DataFrame, keys: list[str], label: str, report: Report) -> pd.DataFrame:
    return report.quarantine_mask(frame, frame.duplicated(keys, keep="first"), code="duplicate_key",
                                  message=Msg("finding.duplicate_first_kept", keys=", ".join(keys)),
                                  field=keys[-1], file=label)


def _int_or(frame: pd.DataFrame, col: str, default: int, label: str, report: Report,
            *, allowed: set[int] | None = None) -> pd.Series:
    """An optional integer column; empty -> default, invalid -> default with a notice."""
    if col not in frame.columns:
        return pd.Series(default, index=frame.index, dtype="int64")
    num = _numeric(frame[col])
    bad = frame[col].notna() & (num.isna() | (num % 1 != 0))
    if allowed is not None:
        bad |= num.notna() & ~num.isin(list(allowed))
    for row, value in zip(frame.loc[bad, _ROW], frame.loc[bad, col], strict=True):
        report.notice("unexpected_enum_value", Msg("finding.default_used", field=col, default=str(default)),
                      file=label, row=int(row), field=col, value=value)
    return num.where(~bad & num.notna(), default).astype("int64")


def _numeric(values: pd.Series) -> pd.Series:
    """``pd.to_numeric(errors="coerce")`` computed on the unique values (GTFS columns repeat a lot)."""
    codes, uniques = pd.factorize(values)
    if not len(uniques):
        return pd.Series(np.nan, index=values.index, dtype="float64")
    nums = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(dtype="float64")
    return pd.Series(np.where(codes >= 0, nums[np.maximum(codes, 0)], np.nan), index=values.index)


def _text(frame: pd.DataFrame, col: str, default: str = "") -> pd.Series:
    if col not in frame.columns:
        return pd.Series(default, index=frame.index, dtype=object)
    return frame[col].fillna(default).astype(object)


def _order(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Contract columns first (typed), then the extra file columns as str; no ``_row``."""
    cols = list(COLUMNS[table])
    extra = [c for c in frame.columns if c not in cols and c != _ROW]
    out = frame[cols + extra].reset_index(drop=True)
    for col, dtype in COLUMNS[table].items():
        if dtype != "object":
            out[col] = out[col].astype(dtype)
    return out


def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS[table].items()})


def _clean_agency(frame: pd.DataFrame, report: Report) -> pd.DataFrame:
    out = frame.copy()
    for col in COLUMNS["agency"]:
        out[col] = _text(out, col)
    out.attrs["rows_kept"] = len(out)
    return _order(out, "agency")


def _clean_feed_info(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in COLUMNS["feed_info"]:
        out[col] = _text(out, col)
    for col in ("feed_start_date", "feed_end_date"):
        if col in out.columns:
            parsed = pd.to_datetime(out[col], format="%Y%m%d", errors="coerce")
            out[col] = [d.date() if pd.notna(d) else None for d in parsed]
    return _order(out, "feed_info")


def _clean_stops(frame: pd.DataFrame, report: Report) -> pd.DataFrame:
    label = "stops.txt"
    out = _require(frame, ["stop_id"], label, report)
    out = _dedupe(out, ["stop_id"], label, report).copy()
    out["location_type"] = _int_or(out, "location_type", 0, label, report, allowed={0, 1, 2, 3, 4})
    out["stop_name"] = _text(out, "stop_name")
    out["parent_station"] = _text(out, "parent_station")
    # generic nodes / boarding areas (3, 4) may have no coordinates
    nodes = out["location_type"].isin([3, 4]) & (out["stop_lat"].isna() | out["stop_lon"].isna())
    located = check_coordinates(out.loc[~nodes], report, lon="stop_lon", lat="stop_lat",
                                bbox=settings.FRANCE_BBOX, file=label, row_column=_ROW)
    kept = out.loc[nodes].copy()
    for col in ("stop_lat", "stop_lon"):
        kept[col] = pd.to_numeric(kept[col], errors="coerce")
    out = pd.concat([located, kept]).sort_values(_ROW, kind="stable") if len(kept) else located
    orphan = (out["parent_station"] != "") & ~out["parent_station"].isin(out["stop_id"])
    for row, value in zip(out.loc[orphan, _ROW], out.loc[orphan, "parent_station"], strict=True):
        report.notice("foreign_key_violation", Msg("finding.parent_unknown"),
                      file=label, row=int(row), field="parent_station", value=value)
    out.loc[orphan, "parent_station"] = ""
    return _order(out, "stops")


def _colour(frame: pd.DataFrame, col: str, default: str, report: Report) -> pd.Series:
    values = _text(frame, col).str.lstrip("#").str.upper()
    bad = (values != "") & ~values.str.match(_HEX_RE)
    raw = frame[col] if col in frame.columns else values
    for row, value in zip(frame.loc[bad, _ROW], raw.loc[bad], strict=True):
        report.notice("invalid_color", Msg("finding.bad_colour", field=col, default=default),
                      file="routes.txt", row=int(row), field=col, value=value)
    return values.where((values != "") & ~bad, default)


def _clean_routes(frame: pd.DataFrame, report: Report) -> pd.DataFrame:
    label = "routes.txt"
    out = _require(frame, ["route_id", "route_type"], label, report)
    out = _dedupe(out, ["route_id"], label, report)
    num = pd.to_numeric(out["route_type"], errors="coerce")
    out = report.quarantine_mask(out, (num.isna() | (num % 1 != 0) | (num < 0)).to_numpy(),
                                 code="invalid_integer", message=Msg("finding.not_integer", field="route_type"),
                                 field="route_type", file=label).copy()
    out["route_type"] = pd.to_numeric(out["route_type"]).astype("int64")
    for col in ("agency_id", "route_short_name", "route_long_name"):
        out[col] = _text(out, col)
    out["route_color"] = _colour(out, "route_color", "FFFFFF", report)
    out["route_text_color"] = _colour(out, "route_text_color", "000000", report)
    return _order(out, "routes")


def _parse_dates(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, format="%Y%m%d", errors="coerce")
    return pd.Series([d.date() if pd.notna(d) else None for d in parsed], index=values.index,
                     dtype=object)


def _clean_calendar(frame: pd.DataFrame, report: Report) -> pd.DataFrame:
    label = "calendar.txt"
    out = _require(frame, ["service_id"], label, report)
    out = _dedupe(out, ["service_id"], label, report)
    for day in DAY_NAMES:
        out = report.quarantine_mask(out, ~out[day].isin(["0", "1"]), code="unexpected_enum_value",
                                     message=Msg("finding.zero_or_one", field=day), field=day, file=label)
    out = out.copy()
    for col in ("start_date", "end_date"):
        out[col] = _parse_dates(out[col])
        out = report.quarantine_mask(out, out[col].isna(), code="invalid_date",
                                     message=Msg("finding.bad_date", field=col), field=col, file=label)
    if len(out):
        out = report.quarantine_mask(out, (out["end_date"] < out["start_date"]).to_numpy(dtype=bool),
                                     code="start_and_end_range_out_of_order",
                                     message=Msg("finding.end_before_start", end="end_date", start="start_date"),
                                     field="end_date",
                                     file=label)
    out = out.copy()
    for day in DAY_NAMES:
        out[day] = out[day].astype("int8")
    return _order_keep_row(out, "calendar")


def _clean_calendar_dates(frame: pd.DataFrame, report: Report) -> pd.DataFrame:
    label = "calendar_dates.txt"
    out = _require(frame, ["service_id", "date"], label, report)
    out = report.quarantine_mask(out, ~out["exception_type"].isin(["1", "2"]),
                                 code="unexpected_enum_value", message=Msg("finding.one_or_two", field="exception_type"),
                                 field="exception_type", file=label).copy()
    out["date"] = _parse_dates(out["date"])
    out = report.quarantine_mask(out, out["date"].isna(), code="invalid_date",
                                 message=Msg("finding.bad_date", field="date"), field="date", file=label)
    out = _dedupe(out, ["service_id", "date"], label, report).copy()
    out["exception_type"] = out["exception_type"].astype("int8")
    return _order_keep_row(out, "calendar_dates")


def _order_keep_row(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Like :func:`_order` but keeps ``_row`` (for service notices); dropped in :func:`_finish`."""
    out = _order(frame, table)
    out[_ROW] = frame[_ROW].to_numpy()
    return out


def _clean_trips(frame: pd.DataFrame, report: Report, *, routes: pd.DataFrame,
                 services: set[str]) -> pd.DataFrame:
    label = "trips.txt"
    out = _require(frame, ["trip_id", "route_id", "service_id"], label, report)
    out = _dedupe(out, ["trip_id"], label, report)
    out = report.quarantine_mask(out, ~out["route_id"].isin(routes["route_id"]),
                                 code="foreign_key_violation", message=Msg("finding.not_in", field="route_id", other="routes.txt"),
                                 field="route_id", file=label)
    out = report.quarantine_mask(out, ~out["service_id"].isin(services), code="foreign_key_violation",
                                 message=Msg("finding.not_in", field="service_id",
                                             other="calendar.txt, calendar_dates.txt"),
                                 field="service_id", file=label).copy()
    out["direction_id"] = _int_or(out, "direction_id", -1, label, report, allowed={0, 1})
    out["trip_headsign"] = _text(out, "trip_headsign")
    return out  # typed/ordered after stop_times (keeps _row for unusable trips)


def _parse_time_column(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Seconds (NaN when empty) and a mask of unusable values (bad format or >= 48:00:00)."""
    codes, uniques = pd.factorize(values)
    secs_u = np.full(len(uniques), np.nan)
    ok_u = pd.Index(uniques).astype(str).str.match(_TIME_RE)
    for i in np.flatnonzero(ok_u):
        secs_u[i] = parse_time(uniques[i])
    secs = np.where(codes >= 0, secs_u[np.maximum(codes, 0)] if len(uniques) else np.nan, np.nan)
    bad = (codes >= 0) & (np.isnan(secs) | (secs >= MAX_TIME_S))
    return secs, bad


def frequency_stop_times(frequencies: pd.DataFrame, stop_times: pd.DataFrame) -> np.ndarray:
    """Stop times each frequencies.txt row expands into, counted from its period without expanding:
    ``ceil((end_time_s - start_time_s) / headway_secs)`` runs times the stop times of its trip
    (0 for a row that expands into nothing: no such trip, no positive headway, end not after start)."""
    per_trip = stop_times["trip_id"].value_counts()
    n_st = per_trip.reindex(frequencies["trip_id"].to_numpy()).fillna(0).to_numpy(dtype=float)
    start = pd.to_numeric(frequencies["start_time_s"], errors="coerce").to_numpy(dtype=float)
    end = pd.to_numeric(frequencies["end_time_s"], errors="coerce").to_numpy(dtype=float)
    head = pd.to_numeric(frequencies["headway_secs"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        runs = np.ceil((end - start) / head)
    runs[~(np.isfinite(runs) & (head > 0) & (end > start))] = 0
    return runs * n_st


def check_frequency_budget(frequencies: pd.DataFrame, stop_times: pd.DataFrame, *,
                           rows: Sequence[int] | None = None, file: str = "frequencies.txt") -> None:
    """Refuse (:class:`~sources.budgets.BudgetExceeded` ``max_frequency_stop_times``, naming the file,
    the row that crosses the limit and its ``headway_secs``) frequencies that would expand into more
    stop times than the budget, before anything is expanded. ``rows``: the file's row numbers
    (default: 1, 2, ... in order)."""
    if not len(frequencies):
        return
    counts = frequency_stop_times(frequencies, stop_times)
    limit = budgets().max_frequency_stop_times
    total = float(counts.sum())
    if total > limit:
        k = int(np.argmax(np.cumsum(counts) > limit))
        row = int(rows[k]) if rows is not None else k + 1
        raise BudgetExceeded("max_frequency_stop_times", int(total), limit, file=file, row=row,
                             field="headway_secs")


def _clean_frequencies(frame: pd.DataFrame, report: Report, *, trips: pd.DataFrame,
                       stop_times: pd.DataFrame) -> pd.DataFrame:
    """frequencies.txt: known trip, valid times (end after start), headway_secs > 0, exact_times 0/1;
    refused as a whole when its runs would expand into more stop times than the budget."""
    label = "frequencies.txt"
    out = _require(frame, ["trip_id", "start_time", "end_time", "headway_secs"], label, report)
    out = report.quarantine_mask(out, ~out["trip_id"].isin(trips["trip_id"]).to_numpy(),
                                 code="foreign_key_violation",
                                 message=Msg("finding.not_usable_in", field="trip_id", other="trips.txt"),
                                 field="trip_id", file=label)
    for col in ("start_time", "end_time"):
        _, bad = _parse_time_column(out[col])
        out = report.quarantine_mask(out, bad, code="invalid_time",
                                     message=Msg("finding.bad_clock", field=col), field=col, file=label)
    head = _numeric(out["headway_secs"])
    out = report.quarantine_mask(out, (head.isna() | (head % 1 != 0) | (head <= 0)).to_numpy(),
                                 code="invalid_integer", message=Msg("finding.not_positive_integer", field="headway_secs"),
                                 field="headway_secs", file=label).copy()
    out["start_time_s"], _ = _parse_time_column(out["start_time"])
    out["end_time_s"], _ = _parse_time_column(out["end_time"])
    out = report.quarantine_mask(out, (out["end_time_s"] <= out["start_time_s"]).to_numpy(),
                                 code="start_and_end_range_out_of_order",
                                 message=Msg("finding.end_not_after_start", end="end_time", start="start_time"),
                                 field="end_time",
                                 file=label).copy()
    out["headway_secs"] = _numeric(out["headway_secs"]).astype("int64")
    out["exact_times"] = _int_or(out, "exact_times", 0, label, report, allowed={0, 1})
    check_frequency_budget(out, stop_times, rows=out[_ROW].to_numpy(), file=label)
    return _order(out.drop(columns=["start_time", "end_time"]), "frequencies")


def _clean_stop_times(frame: pd.DataFrame, report: Report, *, trips: pd.DataFrame,
                      stops: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    label = "stop_times.txt"
    out = _require(frame, ["trip_id", "stop_id", "stop_sequence"], label, report)
    seq = _numeric(out["stop_sequence"])
    out = report.quarantine_mask(out, (seq.isna() | (seq % 1 != 0) | (seq < 0)).to_numpy(),
                                 code="invalid_integer",
                                 message=Msg("finding.not_natural", field="stop_sequence"),
                                 field="stop_sequence", file=label)
    out = report.quarantine_mask(out, ~out["trip_id"].isin(trips["trip_id"]).to_numpy(),
                                 code="foreign_key_violation",
                                 message=Msg("finding.not_usable_in", field="trip_id", other="trips.txt"),
                                 field="trip_id", file=label)
    out = report.quarantine_mask(out, ~out["stop_id"].isin(stops["stop_id"]).to_numpy(),
                                 code="foreign_key_violation",
                                 message=Msg("finding.not_usable_in", field="stop_id", other="stops.txt"),
                                 field="stop_id", file=label).copy()
    out["stop_sequence"] = _numeric(out["stop_sequence"]).astype("int64")
    out = _dedupe(out, ["trip_id", "stop_sequence"], label, report)
    arr, arr_bad = _parse_time_column(out["arrival_time"])
    dep, dep_bad = _parse_time_column(out["departure_time"])
    out = report.quarantine_mask(out, arr_bad, code="invalid_time",
                                 message=Msg("finding.bad_clock", field="arrival_time"),
                                 field="arrival_time", file=label)
    keep = ~arr_bad
    dep, dep_bad, arr = dep[keep], dep_bad[keep], arr[keep]
    out = report.quarantine_mask(out, dep_bad, code="invalid_time",
                                 message=Msg("finding.bad_clock", field="departure_time"),
                                 field="departure_time", file=label).copy()
    arr, dep = arr[~dep_bad], dep[~dep_bad]
    # one time given: use it for both
    arr, dep = np.where(np.isnan(arr), dep, arr), np.where(np.isnan(dep), arr, dep)
    out["arrival_time_s"], out["departure_time_s"] = arr, dep
    # sort by trip, stop_sequence (lexsort on factorised ids: fast)
    tcode, _ = pd.factorize(out["trip_id"], sort=True)
    order = np.lexsort((out["stop_sequence"].to_numpy(), tcode))
    out = out.iloc[order]
    tcode = tcode[order]
    # first / last stop of a trip must be timed
    timed = ~np.isnan(out["arrival_time_s"].to_numpy())
    pos = np.arange(len(out))
    first_timed = pd.Series(np.where(timed, pos, np.iinfo(np.int64).max)).groupby(tcode).transform("min")
    last_timed = pd.Series(np.where(timed, pos, -1)).groupby(tcode).transform("max")
    edge = (pos < first_timed.to_numpy()) | (pos > last_timed.to_numpy())
    out = report.quarantine_mask(out, edge, code="missing_trip_edge",
                                 message=Msg("finding.trip_edge_untimed"),
                                 field="arrival_time", file=label)
    tcode = tcode[~edge]
    # interpolate inner untimed stops linearly by stop order (trip edges are timed)
    untimed = int(np.isnan(out["arrival_time_s"].to_numpy()).sum())
    if untimed:
        out = out.copy()
        for col in ("arrival_time_s", "departure_time_s"):
            out[col] = out[col].interpolate(method="linear").to_numpy()
        report.notice("times_interpolated", Msg("finding.times_interpolated", n=untimed), severity=INFO,
                      file=label)
    # times going backwards: arrival before previous departure, or departure before arrival
    a = out["arrival_time_s"].to_numpy()
    d = out["departure_time_s"].to_numpy()
    back = d < a
    back[1:] |= (a[1:] < d[:-1]) & (tcode[1:] == tcode[:-1])
    bad_trip_codes = np.unique(tcode[back])
    in_bad = np.isin(tcode, bad_trip_codes)
    backwards_code = "stop_time_with_arrival_before_previous_departure_time"
    if in_bad.any():
        first_row = pd.Series(out[_ROW].to_numpy()[back], index=tcode[back]).groupby(level=0).min()
        bad_trips = set(out["trip_id"].to_numpy()[np.isin(tcode, first_row.index)])
        for row, tid, is_back, c in zip(out[_ROW].to_numpy()[in_bad], out["trip_id"].to_numpy()[in_bad],
                                        back[in_bad], tcode[in_bad], strict=True):
            msg = (Msg("finding.time_backwards") if is_back
                   else Msg("finding.trip_backwards_at", row=int(first_row[c])))
            report.quarantine(backwards_code, msg, file=label, row=int(row), field="arrival_time",
                              value=tid)
        out = out.loc[~in_bad]
    else:
        bad_trips = set()
    # trips with fewer than 2 stop_times
    counts = out["trip_id"].value_counts()
    short = ~trips["trip_id"].map(counts).fillna(0).ge(2)
    short_ids = set(trips.loc[short, "trip_id"])
    out = report.quarantine_mask(out, out["trip_id"].isin(short_ids).to_numpy(), code="unusable_trip",
                                 message=Msg("finding.trip_too_short"), field="trip_id",
                                 file=label)
    tri = trips
    backwards_trips = short & trips["trip_id"].isin(bad_trips)
    tri = report.quarantine_mask(tri, backwards_trips.to_numpy(), code=backwards_code,
                                 message=Msg("finding.trip_backwards"), field="trip_id",
                                 file="trips.txt")
    tri = report.quarantine_mask(tri, (short & ~backwards_trips).loc[tri.index].to_numpy(),
                                 code="unusable_trip",
                                 message=Msg("finding.trip_too_short"),
                                 field="trip_id", file="trips.txt")
    # optional columns
    out = out.copy()
    for col in ("pickup_type", "drop_off_type"):
        out[col] = _int_or(out, col, 0, label, report, allowed={0, 1, 2, 3}).astype("int8")
    if "shape_dist_traveled" in out.columns:
        dist = _numeric(out["shape_dist_traveled"]).to_numpy()
        t2 = pd.factorize(out["trip_id"])[0]
        dec = np.zeros(len(dist), dtype=bool)
        dec[1:] = (dist[1:] < dist[:-1]) & (t2[1:] == t2[:-1])
        for row in out[_ROW].to_numpy()[dec]:
            report.notice("decreasing_or_equal_stop_time_distance",
                          Msg("finding.distance_decreases"), file=label, row=int(row),
                          field="shape_dist_traveled")
        out["shape_dist_traveled"] = dist
    else:
        out["shape_dist_traveled"] = np.nan
    stop_times = out[list(COLUMNS["stop_times"])].reset_index(drop=True)
    for col, dtype in COLUMNS["stop_times"].items():
        if dtype != "object":
            stop_times[col] = stop_times[col].astype(dtype)
    return stop_times, _order(tri, "trips")


# -- date choice, stats ------------------------------------------------------------------


def _calendar_span(feed: GtfsFeed) -> tuple[dt.date | None, dt.date | None]:
    days = list(feed.calendar["start_date"]) + list(feed.calendar["end_date"]) + list(
        feed.calendar_dates["date"])
    days = [d for d in days if d is not None]
    return (min(days), max(days)) if days else (None, None)


def _choose_date(feed: GtfsFeed, report: Report, date: dt.date | None, *, label: str,
                 need_trips: bool) -> None:
    first, last = _calendar_span(feed)
    busiest = feed.busiest_date()
    counts = feed.trip_counts_by_date() if need_trips else {}
    report.stats.update({
        "calendar_start": first.isoformat() if first else None,
        "calendar_end": last.isoformat() if last else None,
        "busiest_date": busiest.isoformat() if busiest else None,
    })
    if need_trips:
        report.stats["busiest_date_trips"] = counts.get(busiest, 0) if busiest else 0
    span = Msg("error.calendar_span", first=Fmt("date", first), last=Fmt("date", last)) if first else \
        Msg("error.calendar_empty")
    if busiest is None:
        offer = Msg("error.no_busiest_date")
    elif need_trips:
        offer = Msg("error.busiest_date_trips", date=Fmt("day", busiest),
                    trips=Fmt("plural", counts.get(busiest, 0), key="unit.trips"))
    else:
        offer = Msg("error.busiest_date", date=Fmt("day", busiest))
    if isinstance(date, dt.datetime):
        date = date.date()
    if date is None:
        if busiest is None and need_trips:
            raise ServiceDateError(Msg("error.no_service_date", span=span),
                                   file=label, first_date=first, last_date=last)
        feed.date = busiest
    else:
        has = bool(counts.get(date, 0)) if need_trips else bool(feed.service_ids_on(date))
        if not has:
            where = "outside" if first is None or not first <= date <= last else "without_service"
            raise ServiceDateError(Msg(f"error.date_{where}", date=Fmt("date", date), span=span, offer=offer),
                                   file=label,
                                   busiest_date=busiest, first_date=first, last_date=last)
        feed.date = date
    if need_trips and feed.date is not None:
        report.stats["date"] = feed.date.isoformat()
        report.stats["date_trips"] = counts.get(feed.date, 0)
    elif feed.date is not None:
        report.stats["date"] = feed.date.isoformat()


def _finish(report: Report, raw: dict[str, pd.DataFrame], feed: GtfsFeed, *, strict: bool) -> None:
    for name in ("calendar", "calendar_dates"):
        table = getattr(feed, name)
        if _ROW in table.columns:
            setattr(feed, name, table.drop(columns=[_ROW]))
    report.rows_read = int(sum(f.attrs.get("rows_read", len(f)) for name, f in raw.items()
                               if name not in gtfs_accessibility.EXTENSION_FILES))
    report.rows_kept = int(sum(len(getattr(feed, name)) for name in (*TABLES, "frequencies")
                               if f"{name}.txt" in raw))
    report.stats = {
        "trips": len(feed.trips), "stop_times": len(feed.stop_times), "stops": len(feed.stops),
        "routes": len(feed.routes),
        "services": len(set(feed.calendar["service_id"]) | set(feed.calendar_dates["service_id"])),
        **report.stats,
    }
    for col in ("feed_start_date", "feed_end_date"):
        if col in feed.feed_info.columns and len(feed.feed_info) and feed.feed_info[col].iloc[0]:
            report.stats[col] = feed.feed_info[col].iloc[0].isoformat()
    if strict and report.quarantined:
        raise strict_error(report.quarantined[0])
    if strict:
        for n in report.notices:
            if n.severity == ERROR:
                raise strict_error(n)
