"""Next departures, the line explorer and "a day of buses", read from the compiled timetable.

Everything here is a pure computation on a :class:`routing.transit.timetable.Timetable` (the service
day's connections, sorted by departure); with a real-time layer (the timetable returned by
:func:`routing.transit.realtime.apply_trip_updates`, passed as ``live``) expected times, delays,
skipped stops and cancellations are read from it against the schedule.

Model
-----
* A **stop** as people name it ("République") is a :class:`StopGroup`: every timetable stop
  sharing the normalised name (both sides of the street, every platform); a stop id names
  one stop. Names are searched with :mod:`routing.places` (accents and typos tolerated).
* A **departure** is a connection leaving one of the group's stops: the last stop of a trip
  (an arrival only) is never a departure. Its **direction** is the name of the trip's last
  stop (its terminus); its **line** the route's short name.
* Times are seconds since midnight of ``tt.day`` (a trip after midnight stays > 86400).
* A **pattern** of a line is one distinct ordered list of stops of its trips.
* **A day of buses**: each trip is a path of its stop positions with a timestamp at each
  vertex (arrival and departure; one vertex when they coincide); positions between two stop
  times are linear in time along the segment: a straight line between stops, or the street
  geometry given for that pair of stops (``segments``).

Derived per-timetable indexes (trip termini, name index, line order) are kept by the timetable
(:mod:`routing.derived`): built on first use, gone with it.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from routing.clock import SERVICE_DAY_H, format_clock, seconds_of_day
from routing.derived import derived
from routing.places import PlaceIndex, PlaceNotFound, normalise
from routing.transit.timetable import DAY_S, Timetable

#: departures looked at after the asked time (and delayed ones scheduled up to this before it)
DEFAULT_HORIZON_S = 2 * 3600
LATE_LOOKBACK_S = 3600
#: a real-time departure counts as delayed from this many seconds late
DELAYED_FROM_S = 60
DEPARTURE_COLUMNS = ("line", "route_id", "color", "direction", "stop_id", "stop_name", "trip_id",
                     "scheduled_s", "expected_s", "delay_s", "wait_min", "status")
BOARD_COLUMNS = ("line", "route_id", "color", "direction", "waits_min", "times", "n_next_hour",
                 "headway_min", "n_delayed", "n_canceled")

@dataclass(frozen=True)
class StopGroup:
    """The timetable stops a person means by one name (or one stop id)."""

    name: str
    stops: tuple[int, ...]
    stop_ids: tuple[str, ...]
    lon: float
    lat: float


def seconds_of(tt: Timetable, at: dt.datetime | dt.time | int | float) -> int:
    """Seconds since midnight of ``tt.day`` of a date-time (a time of day, or seconds, pass through).

    Raises ValueError when ``at`` is more than a day away from the service day.
    """
    if isinstance(at, dt.datetime):
        s = int((at.replace(tzinfo=None) - dt.datetime.combine(tt.day, dt.time())).total_seconds())
    else:
        s = seconds_of_day(at, max_hours=SERVICE_DAY_H)
    if not -DAY_S <= s < 2 * DAY_S:
        raise ValueError(f"{at} is not on the timetable's service day {tt.day.isoformat()}")
    return s


# -- derived indexes ----------------------------------------------------------------------------------

def _trips(tt: Timetable) -> dict[str, np.ndarray]:
    """Per trip: first and last connection, start and end time, terminus stop, number of connections."""
    return derived(tt, _trip_table)


def _trip_table(tt: Timetable) -> dict[str, np.ndarray]:
    offsets, order = tt.trip_connections
    n = np.diff(offsets)
    has = n > 0
    first = np.full(tt.n_trips, -1, dtype=np.int64)
    last = np.full(tt.n_trips, -1, dtype=np.int64)
    first[has] = order[offsets[:-1][has]]
    last[has] = order[offsets[1:][has] - 1]
    start, end, terminus = (np.full(tt.n_trips, -1, dtype=np.int64) for _ in range(3))
    start[has] = tt.dep_time[first[has]]
    end[has] = tt.arr_time[last[has]]
    terminus[has] = tt.arr_stop[last[has]]
    return {"n": n, "first": first, "last": last, "start_s": start, "end_s": end, "terminus": terminus}


def _stop_index(tt: Timetable) -> tuple[PlaceIndex, dict[str, np.ndarray]]:
    """The stop names as a place index, and the stops of each normalised name."""
    return derived(tt, _stop_name_index)


def _stop_name_index(tt: Timetable) -> tuple[PlaceIndex, dict[str, np.ndarray]]:
    names = pd.Series(tt.stop_names.astype(str))
    keys = names.map(normalise)
    frame = pd.DataFrame({"name": names, "kind": "stop", "lon": tt.stop_lon, "lat": tt.stop_lat,
                          "id": tt.stop_ids.astype(str)})
    by_key = {k: np.asarray(v, dtype=np.int64) for k, v in keys.groupby(keys).groups.items()}
    return PlaceIndex(frame), by_key


def find_stop(tt: Timetable, text: str | int) -> StopGroup:
    """The stops meant by ``text``: a stop id (exactly), else a name searched among the stop names.

    Raises :class:`routing.places.PlaceNotFound` (with near misses) when nothing matches.
    """
    if isinstance(text, (int, np.integer)):
        idx = np.array([int(text)])
        if not 0 <= idx[0] < tt.n_stops:
            raise PlaceNotFound(str(text), [])
    else:
        try:
            idx = np.array([tt.stop_index(str(text).strip())])
        except KeyError:
            index, by_key = _stop_index(tt)
            exact = by_key.get(normalise(str(text)))
            if exact is not None:  # the exact name (accents and case aside): no fuzzy search
                return _group(tt, exact)
            place = index.resolve(str(text), kinds=("stop",))
            idx = by_key.get(normalise(place.name))
            if idx is None or place.kind != "stop":
                raise PlaceNotFound(str(text), []) from None
    idx = np.sort(idx)
    return StopGroup(name=str(tt.stop_names[idx[0]]), stops=tuple(int(i) for i in idx),
                     stop_ids=tuple(str(tt.stop_ids[i]) for i in idx),
                     lon=float(np.nanmean(tt.stop_lon[idx])), lat=float(np.nanmean(tt.stop_lat[idx])))


def search_stops(tt: Timetable, text: str, *, limit: int = 8) -> list[StopGroup]:
    """Stop groups whose name matches ``text``, best first (empty when nothing is close)."""
    index, by_key = _stop_index(tt)
    out = []
    for place in index.search(str(text), limit=limit, kinds=("stop",)):
        idx = by_key.get(normalise(place.name))
        if place.kind == "stop" and idx is not None:
            out.append(find_stop(tt, int(idx[0])) if len(idx) == 1 else _group(tt, idx))
    return out


def _group(tt: Timetable, idx: np.ndarray) -> StopGroup:
    idx = np.sort(idx)
    return StopGroup(name=str(tt.stop_names[idx[0]]), stops=tuple(int(i) for i in idx),
                     stop_ids=tuple(str(tt.stop_ids[i]) for i in idx),
                     lon=float(np.nanmean(tt.stop_lon[idx])), lat=float(np.nanmean(tt.stop_lat[idx])))


def _as_group(tt: Timetable, stop: StopGroup | str | int) -> StopGroup:
    return stop if isinstance(stop, StopGroup) else find_stop(tt, stop)


def _line_order(tt: Timetable) -> np.ndarray:
    """Rank of each route for display: numbers in numeric order, then names."""
    return derived(tt, _line_ranks)


def _line_ranks(tt: Timetable) -> np.ndarray:
    names = [str(s) for s in tt.route_short_names]
    keys = [(0, int(n), "") if n.isdigit() else (1, 0, n.lower()) for n in names]
    order = sorted(range(len(names)), key=keys.__getitem__)
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return rank


# -- next departures -------------------------------------------------------------------------------------

def _events_at(tt: Timetable, stops: tuple[int, ...], lo_s: int, hi_s: int) -> np.ndarray:
    """Connections leaving ``stops`` with lo_s <= departure < hi_s, by departure time."""
    offsets, order = tt.stop_departures
    parts = []
    for s in stops:
        conns = order[offsets[s]:offsets[s + 1]]
        times = tt.dep_time[conns]
        a, b = np.searchsorted(times, lo_s, "left"), np.searchsorted(times, hi_s, "left")
        parts.append(conns[a:b])
    conns = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return conns[np.argsort(tt.dep_time[conns], kind="stable")]


def next_departures(tt: Timetable, stop: StopGroup | str | int, at: dt.datetime | dt.time | int, *,
                    live: Timetable | None = None, horizon_s: int = DEFAULT_HORIZON_S,
                    limit: int | None = None) -> pd.DataFrame:
    """Departures from ``stop`` at or after ``at``, within ``horizon_s``, soonest first.

    Parameters
    ----------
    tt : the day's timetable (the schedule).
    stop : a :class:`StopGroup`, a stop id, a stop name, or a stop index.
    at : a date-time on the service day (or seconds since its midnight).
    live : the same timetable with trip updates applied (:func:`routing.transit.realtime.apply_trip_updates`);
        expected times, delays and cancellations come from it.
    horizon_s : how far after ``at`` to look; limit : at most this many rows.

    Returns
    -------
    DataFrame with columns line, route_id, color (hex), direction (terminus name), stop_id, stop_name,
    trip_id, scheduled_s, expected_s, delay_s (int), wait_min (whole minutes until the expected time),
    status ("scheduled" without ``live``; else "on_time", "delayed", "early", "canceled", "skipped").
    Canceled and skipped rows keep their scheduled time. Empty (those columns) when nothing leaves.
    """
    group = _as_group(tt, stop)
    t0 = seconds_of(tt, at)
    lookback = LATE_LOOKBACK_S if live is not None else 0
    conns = _events_at(tt, group.stops, t0 - lookback, t0 + horizon_s)
    trip = tt.trip[conns].astype(np.int64)
    sched = tt.dep_time[conns].astype(np.int64)
    expected = sched.copy()
    status = np.full(len(conns), "scheduled", dtype=object)
    if live is not None:
        if live.n_trips != tt.n_trips:
            raise ValueError("the live timetable must be the schedule with trip updates applied")
        key = trip * 1_000_000 + tt.seq[conns].astype(np.int64)
        lconns = _events_at(live, group.stops, t0 - 2 * lookback - horizon_s, t0 + 2 * horizon_s + lookback)
        lkey = live.trip[lconns].astype(np.int64) * 1_000_000 + live.seq[lconns].astype(np.int64)
        lorder = np.argsort(lkey, kind="stable")
        pos = np.searchsorted(lkey[lorder], key)
        found = (pos < len(lkey)) & (lkey[lorder][np.minimum(pos, max(len(lkey) - 1, 0))] == key) \
            if len(lkey) else np.zeros(len(key), dtype=bool)
        ltime = live.dep_time[lconns][lorder] if len(lkey) else np.zeros(0, dtype=np.int32)
        expected = np.where(found, ltime[np.minimum(pos, max(len(ltime) - 1, 0))] if len(ltime) else sched,
                            sched).astype(np.int64)
        delay = expected - sched
        live_running = _trips(live)["n"][trip] > 0
        status[:] = "on_time"
        status[delay >= DELAYED_FROM_S] = "delayed"
        status[delay <= -DELAYED_FROM_S] = "early"
        status[~found] = "skipped"
        status[~live_running] = "canceled"
    delay = expected - sched
    keep = expected >= t0
    conns, trip, sched, expected, delay, status = (a[keep] for a in (conns, trip, sched, expected, delay, status))
    order = np.lexsort((sched, expected))
    conns, trip, sched, expected, delay, status = (a[order] for a in (conns, trip, sched, expected, delay, status))
    if limit is not None:
        conns, trip, sched, expected, delay, status = (a[:limit] for a in
                                                        (conns, trip, sched, expected, delay, status))
    route = tt.trip_route[trip]
    terminus = _trips(tt)["terminus"][trip]
    stop_idx = tt.dep_stop[conns]
    return pd.DataFrame({
        "line": tt.route_short_names[route].astype(str), "route_id": tt.route_ids[route].astype(str),
        "color": tt.route_colors[route].astype(str), "direction": tt.stop_names[terminus].astype(str),
        "stop_id": tt.stop_ids[stop_idx].astype(str), "stop_name": tt.stop_names[stop_idx].astype(str),
        "trip_id": tt.trip_ids[trip].astype(str), "scheduled_s": sched, "expected_s": expected,
        "delay_s": delay, "wait_min": (expected - t0) // 60, "status": status.astype(str),
    }, columns=list(DEPARTURE_COLUMNS))


def departure_board(departures: pd.DataFrame, at_s: int, *, per_line: int = 3) -> pd.DataFrame:
    """Departures grouped per line and direction: the next few and the headway pattern of the next hour.

    Parameters
    ----------
    departures : the table of :func:`next_departures`.
    at_s : the asked time (seconds since midnight of the service day).
    per_line : how many next departures to list per line and direction.

    Returns
    -------
    DataFrame with columns line, route_id, color, direction, waits_min (list of int), times (list of
    "HH:MM", expected), n_next_hour (departures in the next 60 min, canceled ones excluded),
    headway_min (median gap between those, None with fewer than two), n_delayed, n_canceled;
    lines in numeric order, then by direction. Empty (those columns) for an empty input.
    """
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    cols = [departures[c].tolist() for c in ("expected_s", "scheduled_s", "line", "direction", "route_id",
                                                "color", "wait_min", "status")]
    for exp, _, line, direction, route_id, color, wait, status in sorted(zip(*cols, strict=True),
                                                                          key=lambda r: (r[0], r[1])):
        g = groups.setdefault((line, direction), {"route_id": route_id, "color": color, "waits": [], "times": [],
                                                  "hour": [], "delayed": 0, "canceled": 0})
        g["delayed"] += status == "delayed"
        if status in ("canceled", "skipped"):
            g["canceled"] += 1
            continue
        if len(g["waits"]) < per_line:
            g["waits"].append(int(wait))
            g["times"].append(format_clock(exp))
        if exp < at_s + 3600:
            g["hour"].append(exp)
    rows = []
    for (line, direction), g in groups.items():
        hour = g["hour"]
        gaps = [b - a for a, b in zip(hour, hour[1:], strict=False)]
        rows.append({"line": line, "route_id": g["route_id"], "color": g["color"], "direction": direction,
                     "waits_min": g["waits"], "times": g["times"], "n_next_hour": len(hour),
                     "headway_min": statistics.median(gaps) / 60 if gaps else None,
                     "n_delayed": int(g["delayed"]), "n_canceled": int(g["canceled"])})
    rows.sort(key=lambda r: ((0, int(r["line"]), "") if str(r["line"]).isdigit() else (1, 0, str(r["line"]).lower()),
                             r["direction"]))
    board = pd.DataFrame(rows, columns=list(BOARD_COLUMNS))
    return board.reset_index(drop=True)


# -- line explorer ---------------------------------------------------------------------------------------

def lines_table(tt: Timetable) -> pd.DataFrame:
    """The lines running on the service day.

    Returns
    -------
    DataFrame with columns route (index), route_id, line (short name), color (hex), route_type,
    n_trips (trips of the day, not counting the previous day's trips after midnight);
    numeric lines first, in order. Routes without a trip are left out.
    """
    today = tt.trip_day_offset == 0
    counts = np.bincount(tt.trip_route[today & (tt.trip_route >= 0)], minlength=len(tt.route_ids))
    idx = np.flatnonzero(counts > 0)
    idx = idx[np.argsort(_line_order(tt)[idx], kind="stable")]
    return pd.DataFrame({"route": idx, "route_id": tt.route_ids[idx].astype(str),
                         "line": tt.route_short_names[idx].astype(str), "color": tt.route_colors[idx].astype(str),
                         "route_type": tt.route_types[idx].astype(int), "n_trips": counts[idx]})


def route_of(tt: Timetable, line: str | int) -> int:
    """Route index of a route id or a line short name (the id wins); KeyError when unknown."""
    if isinstance(line, (int, np.integer)):
        if 0 <= int(line) < len(tt.route_ids):
            return int(line)
        raise KeyError(f"no route {line}")
    text = str(line).strip()
    for arr in (tt.route_ids, tt.route_short_names):
        hit = np.flatnonzero(arr.astype(str) == text)
        if len(hit):
            return int(hit[0])
    raise KeyError(f"no line {text!r}")


def _trip_stops(tt: Timetable, trip: int) -> np.ndarray:
    offsets, order = tt.trip_connections
    cs = order[offsets[trip]:offsets[trip + 1]]
    if not len(cs):
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([tt.dep_stop[cs[:1]], tt.arr_stop[cs]]).astype(np.int64)


def _route_trips(tt: Timetable, route: int) -> np.ndarray:
    trips = np.flatnonzero((tt.trip_route == route) & (tt.trip_day_offset == 0))
    return trips[_trips(tt)["n"][trips] > 0]


def line_patterns(tt: Timetable, line: str | int) -> pd.DataFrame:
    """The distinct stop sequences (patterns) of a line's trips of the day, most frequent first.

    Returns
    -------
    DataFrame with columns pattern (0 = most trips), direction (terminus name), origin (first stop
    name), n_trips, stops (tuple of stop indices), path (list of [lon, lat]), color (hex, as in the feed).
    """
    route = route_of(tt, line)
    seqs: dict[tuple[int, ...], int] = {}
    for trip in _route_trips(tt, route).tolist():
        key = tuple(_trip_stops(tt, trip).tolist())
        seqs[key] = seqs.get(key, 0) + 1
    color = str(tt.route_colors[route])
    rows = sorted(seqs.items(), key=lambda kv: (-kv[1], kv[0]))
    return pd.DataFrame({
        "pattern": np.arange(len(rows)),
        "direction": [str(tt.stop_names[s[-1]]) for s, _ in rows],
        "origin": [str(tt.stop_names[s[0]]) for s, _ in rows],
        "n_trips": [n for _, n in rows], "stops": [s for s, _ in rows],
        "path": [[[round(float(tt.stop_lon[i]), 6), round(float(tt.stop_lat[i]), 6)] for i in s] for s, _ in rows],
        "color": [color for _ in rows]},
        columns=["pattern", "direction", "origin", "n_trips", "stops", "path", "color"])


def pattern_stops(tt: Timetable, stops: tuple[int, ...]) -> pd.DataFrame:
    """The ordered stops of a pattern: order (1-based), stop_id, stop_name, lon, lat."""
    idx = np.asarray(stops, dtype=np.int64)
    return pd.DataFrame({"order": np.arange(1, len(idx) + 1), "stop_id": tt.stop_ids[idx].astype(str),
                         "stop_name": tt.stop_names[idx].astype(str), "lon": tt.stop_lon[idx],
                         "lat": tt.stop_lat[idx]})


def line_stop_departures(tt: Timetable, line: str | int, stop: StopGroup | str | int, *,
                         direction: str | None = None) -> np.ndarray:
    """Departure times (seconds, sorted) of the line's trips of the day from ``stop``
    (optionally only towards the terminus named ``direction``)."""
    route = route_of(tt, line)
    group = _as_group(tt, stop)
    conns = _events_at(tt, group.stops, -DAY_S, 3 * DAY_S)
    trip = tt.trip[conns]
    keep = (tt.trip_route[trip] == route) & (tt.trip_day_offset[trip] == 0)
    if direction is not None:
        keep &= tt.stop_names[_trips(tt)["terminus"][trip]].astype(str) == direction
    return np.sort(tt.dep_time[conns[keep]].astype(np.int64))


def stop_timetable(tt: Timetable, line: str | int, stop: StopGroup | str | int, *,
                   direction: str | None = None) -> pd.DataFrame:
    """A stop's timetable for a line, as printed at bus stops: one row per hour, its minutes.

    Returns
    -------
    DataFrame with columns hour (int, past 23 after midnight), minutes (list of int, sorted),
    n (departures in the hour); hours without a departure are left out; empty when none.
    """
    times = line_stop_departures(tt, line, stop, direction=direction)
    hours = times // 3600
    rows = [{"hour": int(h), "minutes": [int(m) for m in (times[hours == h] % 3600) // 60],
             "n": int((hours == h).sum())} for h in np.unique(hours)]
    return pd.DataFrame(rows, columns=["hour", "minutes", "n"])


def line_summary(tt: Timetable, line: str | int) -> pd.DataFrame:
    """Per direction of a line: n_trips, first and last departures from its first stop (seconds).

    Returns
    -------
    DataFrame with columns direction, n_trips, first_s, last_s, first, last ("HH:MM").
    """
    route = route_of(tt, line)
    trips = _route_trips(tt, route)
    info = _trips(tt)
    frame = pd.DataFrame({"direction": tt.stop_names[info["terminus"][trips]].astype(str),
                          "start_s": info["start_s"][trips]})
    out = frame.groupby("direction", sort=True)["start_s"].agg(n_trips="size", first_s="min", last_s="max")
    out = out.reset_index()
    out["first"] = out["first_s"].map(format_clock)
    out["last"] = out["last_s"].map(format_clock)
    return out.sort_values(["n_trips", "direction"], ascending=[False, True], kind="stable").reset_index(drop=True)


def trips_per_hour(tt: Timetable, line: str | int) -> pd.DataFrame:
    """Trips of a line starting in each hour, per direction: columns hour, direction, n_trips."""
    route = route_of(tt, line)
    trips = _route_trips(tt, route)
    info = _trips(tt)
    frame = pd.DataFrame({"hour": info["start_s"][trips] // 3600,
                          "direction": tt.stop_names[info["terminus"][trips]].astype(str)})
    out = frame.groupby(["hour", "direction"]).size().rename("n_trips").reset_index()
    return out.astype({"hour": int, "n_trips": int})


@dataclass(frozen=True)
class LineView:
    """Everything the line explorer shows for one line."""

    route: int
    line: str
    route_id: str
    color: str
    patterns: pd.DataFrame
    summary: pd.DataFrame
    per_hour: pd.DataFrame


def line_explorer(tt: Timetable, line: str | int) -> LineView:
    """The line explorer's data for one line (patterns, first/last departures, trips per hour)."""
    route = route_of(tt, line)
    return LineView(route=route, line=str(tt.route_short_names[route]), route_id=str(tt.route_ids[route]),
                    color=str(tt.route_colors[route]), patterns=line_patterns(tt, route),
                    summary=line_summary(tt, route), per_hour=trips_per_hour(tt, route))


# -- a day of buses --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DayOfBuses:
    """Every vehicle of the service day as a timed path (the data of an animated TripsLayer).

    ``trips``: DataFrame with columns trip_id, line, color (hex, as in the feed), path (list of [lon, lat]),
    timestamps (list of int seconds, one per vertex, non-decreasing), start_s, end_s.
    ``per_hour``: DataFrame with columns hour, vehicles (trips running at some moment of the hour).
    ``start_s``/``end_s``: the first departure and the last arrival of the day.
    """

    trips: pd.DataFrame
    per_hour: pd.DataFrame
    start_s: int
    end_s: int
    n_matched_segments: int = 0


def day_of_buses(tt: Timetable, *, segments: Mapping[tuple[str, str], Any] | None = None,
                 digits: int = 5) -> DayOfBuses:
    """Every trip of the day as a path with a timestamp per vertex.

    Parameters
    ----------
    tt : the day's timetable.
    segments : optional street geometry per consecutive pair of stops, keyed by (from stop id,
        to stop id): an (n, 2) sequence of [lon, lat] from the first stop to the second (e.g. the
        car-layer path a bus follows). Vertices inside a segment get times in proportion to the
        distance along it. Pairs not given are straight lines.
    digits : decimals kept on coordinates (5 = about 1 m).

    Returns
    -------
    :class:`DayOfBuses`; an empty day gives empty tables.
    """
    _, cs = tt.trip_connections  # connections grouped by trip, in trip order
    n_c = len(cs)
    # two vertices per connection (departure, arrival); an arrival equal to the next departure
    # (same stop, same time) is dropped
    stop = np.empty(2 * n_c, dtype=np.int64)
    time = np.empty(2 * n_c, dtype=np.int64)
    stop[0::2], stop[1::2] = tt.dep_stop[cs], tt.arr_stop[cs]
    time[0::2], time[1::2] = tt.dep_time[cs], tt.arr_time[cs]
    trip_of = np.repeat(tt.trip[cs].astype(np.int64), 2)
    keep = np.ones(2 * n_c, dtype=bool)
    if n_c > 1:
        arr_pos = np.arange(1, 2 * n_c - 1, 2)
        dup = (trip_of[arr_pos] == trip_of[arr_pos + 1]) & (stop[arr_pos] == stop[arr_pos + 1]) \
            & (time[arr_pos] == time[arr_pos + 1])
        keep[arr_pos[dup]] = False
    lon = np.round(tt.stop_lon[stop], digits)
    lat = np.round(tt.stop_lat[stop], digits)
    ok = keep & np.isfinite(lon) & np.isfinite(lat)
    n_matched = 0
    stop_k, time_k, trip_k = stop[ok], time[ok], trip_of[ok]
    lon_k, lat_k = lon[ok], lat[ok]
    if segments:
        lon_k, lat_k, time_k, trip_k, n_matched = _insert_segments(tt, stop_k, time_k, trip_k, lon_k, lat_k,
                                                                   segments, digits)
    bounds = np.flatnonzero(np.diff(trip_k)) + 1
    starts = np.concatenate([[0], bounds]) if len(trip_k) else np.zeros(0, dtype=np.int64)
    ends = np.concatenate([bounds, [len(trip_k)]]) if len(trip_k) else np.zeros(0, dtype=np.int64)
    trip_ids = trip_k[starts]
    coords = np.column_stack([lon_k, lat_k]).tolist()
    times = time_k.tolist()
    paths = [coords[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    stamps = [times[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    route = tt.trip_route[trip_ids]
    info = _trips(tt)
    frame = pd.DataFrame({"trip_id": tt.trip_ids[trip_ids].astype(str),
                          "line": tt.route_short_names[route].astype(str),
                          "color": tt.route_colors[route].astype(str), "path": paths, "timestamps": stamps,
                          "start_s": info["start_s"][trip_ids], "end_s": info["end_s"][trip_ids]})
    start_s = int(frame["start_s"].min()) if len(frame) else 0
    end_s = int(frame["end_s"].max()) if len(frame) else 0
    return DayOfBuses(trips=frame, per_hour=vehicles_per_hour(frame), start_s=start_s, end_s=end_s,
                      n_matched_segments=n_matched)


def _insert_segments(tt: Timetable, stop: np.ndarray, time: np.ndarray, trip: np.ndarray, lon: np.ndarray,
                     lat: np.ndarray, segments: Mapping[tuple[str, str], Any], digits: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    # per segment, once: inner vertices and their share of the distance
    prepared: dict[tuple[int, int], tuple[list[float], list[float], list[float]]] = {}
    index = {str(v): i for i, v in enumerate(tt.stop_ids.tolist())}
    for (a, b), geom in segments.items():
        if a not in index or b not in index:
            continue
        pts = np.asarray(geom, dtype=float).reshape(-1, 2)
        if len(pts) < 3:
            continue
        step = np.hypot(*np.diff(pts, axis=0).T)
        total = float(step.sum())
        if not total > 0:
            continue
        inner = np.round(pts[1:-1], digits)
        prepared[(index[a], index[b])] = (inner[:, 0].tolist(), inner[:, 1].tolist(),
                                          (np.cumsum(step)[:-1] / total).tolist())
    out_lon, out_lat, out_t, out_trip = [], [], [], []
    matched = 0
    s_l, t_l, r_l, x_l, y_l = stop.tolist(), time.tolist(), trip.tolist(), lon.tolist(), lat.tolist()
    n = len(s_l)
    for i in range(n):
        out_lon.append(x_l[i])
        out_lat.append(y_l[i])
        out_t.append(t_l[i])
        out_trip.append(r_l[i])
        if i + 1 < n and r_l[i + 1] == r_l[i]:
            seg = prepared.get((s_l[i], s_l[i + 1]))
            if seg is not None:
                t0, dt_s = t_l[i], t_l[i + 1] - t_l[i]
                out_lon.extend(seg[0])
                out_lat.extend(seg[1])
                out_t.extend([int(t0 + f * dt_s) for f in seg[2]])
                out_trip.extend([r_l[i]] * len(seg[2]))
                matched += 1
    return (np.asarray(out_lon), np.asarray(out_lat), np.asarray(out_t, dtype=np.int64),
            np.asarray(out_trip, dtype=np.int64), matched)


def vehicles_per_hour(trips: pd.DataFrame) -> pd.DataFrame:
    """Vehicles running at some moment of each hour: columns hour, vehicles (hours from the first to the last)."""
    if not len(trips):
        return pd.DataFrame({"hour": np.zeros(0, dtype=int), "vehicles": np.zeros(0, dtype=int)})
    start = trips["start_s"].to_numpy(dtype=np.int64)
    end = trips["end_s"].to_numpy(dtype=np.int64)
    hours = np.arange(start.min() // 3600, end.max() // 3600 + 1)
    h0 = hours[:, None] * 3600
    running = (start[None, :] < h0 + 3600) & (end[None, :] >= h0)
    return pd.DataFrame({"hour": hours.astype(int), "vehicles": running.sum(axis=1).astype(int)})


def street_segments(tt: Timetable, graph: Any, *, max_snap_m: float = 60.0, max_detour: float = 1.8,
                    simplify_m: float = 15.0) -> dict[tuple[str, str], np.ndarray]:
    """The street geometry of the day's stop-to-stop legs, where they can be matched to a street layer.

    For every pair of consecutive stops of the day's trips, the shortest path by length on
    ``graph`` (a :class:`routing.streets.graph.ModeGraph`, the car layer in the dashboard) between the
    street nodes nearest to the two stops. A pair is matched only when both stops lie within
    ``max_snap_m`` of the layer and the path is at most ``max_detour`` times the straight line
    (plus the two snaps): elsewhere the bus keeps the straight segment. Geometry is simplified
    (Douglas-Peucker, ``simplify_m``) to keep the animation light.

    Returns
    -------
    dict (from stop id, to stop id) -> (n, 2) float array of [lon, lat], from the first stop to the
    second (the stops themselves included), for :func:`day_of_buses` ``segments``.
    """
    import shapely

    from routing.streets.graph import nearest_nodes, one_to_all, path_coords
    from sources.geo import M_PER_DEG, haversine_m

    if tt.n_connections == 0 or getattr(graph, "n_arcs", 0) == 0:
        return {}
    pairs = np.unique(np.column_stack([tt.dep_stop, tt.arr_stop]).astype(np.int64), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    stops = np.unique(pairs)
    snap = nearest_nodes(graph, tt.stop_lon[stops], tt.stop_lat[stops], max_distance_m=max_snap_m)
    node_of = {int(s): int(n) for s, n, ok in zip(stops, snap.node, snap.snapped, strict=True) if ok}
    out: dict[tuple[str, str], np.ndarray] = {}
    for a in np.unique(pairs[:, 0]).tolist():
        if a not in node_of:
            continue
        targets = [int(b) for b in pairs[pairs[:, 0] == a, 1] if int(b) in node_of]
        if not targets:
            continue
        straight = haversine_m(tt.stop_lon[a], tt.stop_lat[a], tt.stop_lon[targets], tt.stop_lat[targets])
        limits = max_detour * straight + 2 * max_snap_m
        tree = one_to_all(graph, node_of[a], cutoff=float(limits.max()), weight="length_m")
        for b, limit in zip(targets, limits.tolist(), strict=True):
            path = tree.path_to(node_of[b])
            if not path.found or path.length_m > limit:
                continue
            ends = np.array([[tt.stop_lon[a], tt.stop_lat[a]], [tt.stop_lon[b], tt.stop_lat[b]]])
            xy = np.vstack([ends[:1], path_coords(graph, path), ends[1:]])
            line = shapely.simplify(shapely.LineString(xy), simplify_m / M_PER_DEG)
            out[(str(tt.stop_ids[a]), str(tt.stop_ids[b]))] = shapely.get_coordinates(line)
    return out
