"""The timetable a wheelchair user can ride: boarding and alighting at accessible stops only.

Rules
-----
* A **stop** is accessible when its flag says so (:attr:`Timetable.stop_wheelchair` == 1, from
  GTFS ``wheelchair_boarding`` or STAR's ``stops_extensions.txt``), or when a metro route
  serves it (every STAR metro station is step-free: ``accespmr`` of the metro station
  topology, stated in the metro scenarios). Unknown (0) counts as **not accessible**.
* A **route** is accessible when its flag says so (:attr:`Timetable.route_wheelchair` == 1,
  STAR's ``routes_extensions.txt``) or it is a metro (route_type 1); unknown is not.
* A vehicle of an accessible route may be ridden **through** an inaccessible stop, but not
  boarded or left there.

Model: the connections of every trip of an accessible route are merged so that each runs
from one accessible stop to the next accessible stop of the trip (departure time, stop and
``seq`` of the first, arrival time, stop and ``arr_seq`` of the second); trips of other routes
lose their connections. The result is an ordinary :class:`Timetable` (same stops, trips and
routes, same indices), so every scan of :mod:`routing.transit.csa`, the planner and the
accessibility engine run on it unchanged: masking in the arrays instead of a second planner.
Footpaths between stops are walked (rolled) ``footpath_factor`` times slower.
"""

from __future__ import annotations

import numpy as np

from routing.transit.timetable import Timetable, _csr, order_connections

ACCESSIBLE = 1
METRO_ROUTE_TYPE = 1


def accessible_stops(tt: Timetable) -> np.ndarray:
    """bool (n_stops): stops flagged accessible, or served by a metro route (see the module rules)."""
    ok = tt.stop_wheelchair == ACCESSIBLE
    if tt.n_connections and (tt.route_types == METRO_ROUTE_TYPE).any():
        metro_conn = tt.route_types[tt.trip_route[tt.trip]] == METRO_ROUTE_TYPE
        ok = ok.copy()
        ok[tt.dep_stop[metro_conn]] = True
        ok[tt.arr_stop[metro_conn]] = True
    return ok


def accessible_routes(tt: Timetable) -> np.ndarray:
    """bool (n_routes): routes flagged accessible, or metro routes."""
    return (tt.route_wheelchair == ACCESSIBLE) | (tt.route_types == METRO_ROUTE_TYPE)


def accessible_timetable(tt: Timetable, *, stop_ok: np.ndarray | None = None, route_ok: np.ndarray | None = None,
                         footpath_factor: float = 1.0) -> Timetable:
    """The timetable of ``tt`` restricted to accessible boarding and alighting (module rules).

    Parameters
    ----------
    stop_ok, route_ok
        bool per stop / per route; default :func:`accessible_stops` / :func:`accessible_routes`.
    footpath_factor
        Footpath durations are multiplied by it (rounded up, at least 1 s).

    Returns
    -------
    A new :class:`Timetable` (``tt`` is not modified); with no accessible stop or route, it
    has no connection.
    """
    stop_ok = accessible_stops(tt) if stop_ok is None else np.asarray(stop_ok, dtype=bool)
    route_ok = accessible_routes(tt) if route_ok is None else np.asarray(route_ok, dtype=bool)
    trip_ok = np.zeros(tt.n_trips, dtype=bool)
    known = tt.trip_route >= 0
    trip_ok[known] = route_ok[tt.trip_route[known]]
    conn = accessible_connections(tt, stop_ok, trip_ok)
    if len(conn["trip"]):
        ordered = order_connections(conn["dep_time"], conn["arr_time"], conn["trip"], conn["seq"],
                                    conn["dep_stop"], conn["arr_stop"])
        conn = {key: v[ordered] for key, v in conn.items()}
    fp_offsets, fp_to, fp_dur = tt.fp_offsets, tt.fp_to, tt.fp_dur_s
    if footpath_factor != 1.0:
        src = np.repeat(np.arange(tt.n_stops, dtype=np.int64), np.diff(tt.fp_offsets))
        dur = np.maximum(np.ceil(tt.fp_dur_s * float(footpath_factor)), 1).astype(np.int64)
        fp_offsets, fp_to, fp_dur = _csr(src, tt.fp_to.astype(np.int64), dur, tt.n_stops)
    return tt.replace(**{k: v.astype(np.int32) for k, v in conn.items()},
                      fp_offsets=fp_offsets, fp_to=fp_to, fp_dur_s=fp_dur)


def accessible_connections(tt: Timetable, stop_ok: np.ndarray, trip_ok: np.ndarray) -> dict[str, np.ndarray]:
    """The merged connections (module rules) of the trips where ``trip_ok`` (bool per trip, or the
    trip indices, sorted), with ``stop_ok`` (bool per stop) the stops where one may board and alight.

    Returns
    -------
    dict of arrays ``dep_stop``, ``arr_stop``, ``dep_time``, ``arr_time``, ``trip``, ``seq``,
    ``arr_seq`` (the columns of :class:`Timetable`), by trip then sequence (not in scan order);
    empty arrays when no trip or stop qualifies.
    """
    ptr, order = tt.trip_connections
    trip_ok = np.asarray(trip_ok)
    if trip_ok.dtype == bool:
        c = order[trip_ok[tt.trip[order]]]  # connections of the chosen trips, by trip then sequence
    else:  # a few trips: their slices of the trip index
        n = ptr[trip_ok + 1] - ptr[trip_ok]
        c = order[np.repeat(ptr[trip_ok] - np.cumsum(n) + n, n) + np.arange(n.sum())]
    trip = tt.trip[c]
    start = np.flatnonzero(stop_ok[tt.dep_stop[c]])
    ends = np.flatnonzero(stop_ok[tt.arr_stop[c]])
    # each boarding position rides to the first alighting position at or after it, same trip
    k = np.searchsorted(ends, start)
    has = k < len(ends)
    start, end = start[has], ends[k[has]]
    same = trip[start] == trip[end]
    start, end = c[start[same]], c[end[same]]
    return {"dep_stop": tt.dep_stop[start], "arr_stop": tt.arr_stop[end], "dep_time": tt.dep_time[start],
            "arr_time": tt.arr_time[end], "trip": tt.trip[start], "seq": tt.seq[start], "arr_seq": tt.arr_seq[end]}
