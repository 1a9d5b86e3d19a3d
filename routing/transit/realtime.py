"""Real time: GTFS-RT trip updates applied to a compiled timetable, without rebuilding from GTFS.

:func:`apply_trip_updates` returns a new :class:`routing.transit.timetable.Timetable`
(arrays copied, the input is not modified):

* a trip whose TripDescriptor is CANCELED loses all its connections;
* a stop update SKIPPED removes that stop from the trip: the vehicle runs from
  the previous kept stop to the next one (the delay keeps propagating);
* delays follow the GTFS-RT propagation rule: an update's delay applies to its
  stop and to every following stop until the next update; stops before the first
  update keep their schedule; NO_DATA resets to the schedule from that stop on.
  A missing arrival delay takes the departure delay of the same update and vice
  versa; absolute times (POSIX ``arrival_time``/``departure_time``) are turned into
  delays against the schedule, with the timetable's day in ``tz``;
* the resulting times are made non-decreasing along the trip (a vehicle never
  leaves before it arrives), and connections are re-sorted only when the scan
  order changed.

Values are checked where they enter: a delay or an absolute time is an exact integer (never a
cast that can wrap), and an update that would move a stop time outside the service day's window
(:data:`WINDOW_BEFORE_S` before its midnight to :data:`WINDOW_AFTER_S` after it: the day ± 48 h)
is dropped and counted in ``stats["updates_out_of_window"]``; when the delay it propagates would
carry a later stop out of the window, the trip's updates are all dropped (and counted). The result
keeps the timetable's invariant: every connection arrives at or after it departs, all times fit
int32 (checked before the cast; a :class:`~routing.errors.TimetableError` otherwise).

Updates are matched to trips by ``trip_id`` (the day's trip; the previous day's
trip running after midnight when ``start_date`` is the day before) and to stops
by ``stop_sequence``, else by ``stop_id``. Rows that match nothing are counted in
``stats`` (when a dict is passed) and otherwise ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from routing.errors import TimetableError
from routing.transit.timetable import Timetable, order_connections

#: the window a stop time may be moved within, around the service day's midnight (the day ± 48 h)
WINDOW_BEFORE_S = 48 * 3600
WINDOW_AFTER_S = 24 * 3600 + 48 * 3600

CANCELED = "CANCELED"
SKIPPED = "SKIPPED"
NO_DATA = "NO_DATA"


def _na(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _seconds(v: Any) -> int | None:
    """A delay or a POSIX time as an exact int (None when absent); a non-finite float is a value
    out of any window (returned as a huge int, then refused by the window check)."""
    if _na(v):
        return None
    if isinstance(v, float) and not np.isfinite(v):
        return 1 << 80 if v > 0 else -(1 << 80)
    return int(v) if isinstance(v, (int, np.integer)) else int(round(float(v)))


def _in_window(*times_s: int) -> bool:
    return all(-WINDOW_BEFORE_S <= t <= WINDOW_AFTER_S for t in times_s)


def _trip_index(tt: Timetable, trip_id: str, start_date: Any) -> int:
    cands = tt.trip_indices(trip_id)
    if not cands:
        return -1
    want = 0
    if not _na(start_date) and str(start_date):
        try:
            d = dt.datetime.strptime(str(start_date), "%Y%m%d").date()
        except ValueError:
            d = tt.day
        want = (d - tt.day).days
    for t in cands:
        if int(tt.trip_day_offset[t]) == want:
            return t
    return -1


def apply_trip_updates(tt: Timetable, updates: pd.DataFrame, *, tz: str = "Europe/Paris",
                       stats: dict[str, int] | None = None) -> Timetable:
    """A new timetable with the delays, skipped stops and cancellations of ``updates`` applied.

    Parameters
    ----------
    tt : the day's timetable (not modified).
    updates : table as returned by :func:`sources.loaders.gtfs_rt.load_trip_updates`; only
        ``trip_id`` is required; start_date, trip_schedule_relationship, stop_id, stop_sequence,
        arrival_delay_s, departure_delay_s, arrival_time, departure_time, schedule_relationship
        are used when present.
    tz : time zone of the feed (to read absolute POSIX times).
    stats : when a dict is given, it receives counts: trips_delayed, trips_canceled,
        stops_skipped, rows_unmatched, updates_out_of_window (rows dropped: they would move a stop
        time outside the service day ± 48 h), resorted (0/1).

    Returns
    -------
    Timetable with the same stops, trips and footpaths; an empty ``updates`` returns an
    equal copy.
    """
    if "trip_id" not in updates.columns:
        raise TimetableError("trip updates lack the trip_id column", field="trip_id")
    counts = {"trips_delayed": 0, "trips_canceled": 0, "stops_skipped": 0, "rows_unmatched": 0,
              "updates_out_of_window": 0, "resorted": 0}
    cols = ["start_date", "trip_schedule_relationship", "stop_id", "stop_sequence", "arrival_delay_s",
            "departure_delay_s", "arrival_time", "departure_time", "schedule_relationship"]
    upd = updates.copy()
    for c in cols:
        if c not in upd.columns:
            upd[c] = None
    midnight = int(dt.datetime.combine(tt.day, dt.time(12), tzinfo=ZoneInfo(tz)).timestamp()) - 43200

    offsets, conn_order = tt.trip_connections
    dep_time = tt.dep_time.astype(np.int64).copy()
    arr_time = tt.arr_time.astype(np.int64).copy()
    remove = np.zeros(tt.n_connections, dtype=bool)
    changed_pos: list[np.ndarray] = []
    added: dict[str, list[np.ndarray]] = {k: [] for k in ("dep_stop", "arr_stop", "dep_time", "arr_time",
                                                          "trip", "seq", "arr_seq")}

    for (trip_id, start_date), grp in upd.groupby(["trip_id", upd["start_date"].fillna("")],
                                                  sort=False, dropna=False):
        t = _trip_index(tt, str(trip_id), start_date)
        if t < 0:
            counts["rows_unmatched"] += len(grp)
            continue
        cs = conn_order[offsets[t]:offsets[t + 1]]
        if len(cs) == 0:
            continue
        if (grp["trip_schedule_relationship"].astype(str) == CANCELED).any():
            remove[cs] = True
            counts["trips_canceled"] += 1
            continue
        stops = np.concatenate([tt.dep_stop[cs[:1]], tt.arr_stop[cs]]).astype(np.int64)
        seqs = np.concatenate([tt.seq[cs[:1]], tt.arr_seq[cs]]).astype(np.int64)
        s_arr = np.concatenate([tt.dep_time[cs[:1]], tt.arr_time[cs]]).astype(np.int64)
        s_dep = np.concatenate([tt.dep_time[cs], tt.arr_time[cs[-1:]]]).astype(np.int64)
        n_ev = len(stops)
        # match each stop update to an event
        ev_upd: dict[int, dict[str, Any]] = {}
        for row in grp.to_dict("records"):
            if _na(row["stop_sequence"]) and _na(row["stop_id"]):
                continue  # a trip-level row without stop updates
            i = -1
            if not _na(row["stop_sequence"]):
                hit = np.flatnonzero(seqs == int(row["stop_sequence"]))
                i = int(hit[0]) if len(hit) else -1
            elif not _na(row["stop_id"]):
                try:
                    sidx = tt.stop_index(str(row["stop_id"]))
                except KeyError:
                    sidx = -1
                hit = np.flatnonzero(stops == sidx)
                later = hit[hit > max(ev_upd, default=-1)]
                i = int(later[0]) if len(later) else (int(hit[0]) if len(hit) else -1)
            if i < 0:
                counts["rows_unmatched"] += 1
                continue
            ev_upd[i] = row
        if not ev_upd:
            continue
        new_arr, new_dep = s_arr.copy(), s_dep.copy()
        skip = np.zeros(n_ev, dtype=bool)
        delay = 0
        for i in range(n_ev):
            row = ev_upd.get(i)
            if row is not None:
                rel = str(row["schedule_relationship"])
                if rel == SKIPPED:
                    skip[i] = True
                elif rel == NO_DATA:
                    delay = 0
                else:
                    # exact Python ints: a time of 2**63-1 is out of the window, never wrapped
                    ad, dd = _seconds(row["arrival_delay_s"]), _seconds(row["departure_delay_s"])
                    at, dtime = _seconds(row["arrival_time"]), _seconds(row["departure_time"])
                    if ad is None and at is not None:
                        ad = at - midnight - int(s_arr[i])
                    if dd is None and dtime is not None:
                        dd = dtime - midnight - int(s_dep[i])
                    if ad is None and dd is None:
                        ad = dd = delay
                    ad = dd if ad is None else ad
                    dd = ad if dd is None else dd
                    if _in_window(int(s_arr[i]) + ad, int(s_dep[i]) + dd):
                        new_arr[i] = int(s_arr[i]) + ad
                        new_dep[i] = int(s_dep[i]) + dd
                        delay = dd
                        continue
                    counts["updates_out_of_window"] += 1  # dropped: the previous delay goes on
            new_arr[i] = s_arr[i] + delay
            new_dep[i] = s_dep[i] + delay
        if not (_in_window(int(new_arr.min()), int(new_dep.min()))
                and _in_window(int(new_arr.max()), int(new_dep.max()))):
            counts["updates_out_of_window"] += len(ev_upd)  # a propagated delay left the window
            new_arr, new_dep = s_arr.copy(), s_dep.copy()
        # non-decreasing along the trip
        ev = np.empty(2 * n_ev, dtype=np.int64)
        ev[0::2], ev[1::2] = new_arr, new_dep
        ev = np.maximum.accumulate(ev)
        new_arr, new_dep = ev[0::2], ev[1::2]
        counts["trips_delayed"] += int(np.any(new_arr != s_arr) or np.any(new_dep != s_dep))
        counts["stops_skipped"] += int(skip.sum())
        if not skip.any():
            dep_time[cs] = new_dep[:-1]
            arr_time[cs] = new_arr[1:]
            changed_pos.append(cs)
            continue
        remove[cs] = True
        kept = np.flatnonzero(~skip)
        if len(kept) < 2:
            continue
        a, b = kept[:-1], kept[1:]
        added["dep_stop"].append(stops[a])
        added["arr_stop"].append(stops[b])
        added["dep_time"].append(new_dep[a])
        added["arr_time"].append(new_arr[b])
        added["trip"].append(np.full(len(a), t, dtype=np.int64))
        added["seq"].append(seqs[a])
        added["arr_seq"].append(seqs[b])

    if stats is not None:
        stats.update(counts)
    conn = {"dep_stop": tt.dep_stop, "arr_stop": tt.arr_stop, "dep_time": dep_time, "arr_time": arr_time,
            "trip": tt.trip, "seq": tt.seq, "arr_seq": tt.arr_seq}
    structural = bool(remove.any()) or any(len(v) for v in added.values())
    if structural:
        keep = ~remove
        conn = {k: np.concatenate([v[keep], *added[k]]) for k, v in conn.items()}
        neg = conn["dep_time"] < 0  # a previous-day trip moved before midnight
        if neg.any():
            conn = {k: v[~neg] for k, v in conn.items()}
    resort = structural
    if not resort and changed_pos:
        d, a = conn["dep_time"], conn["arr_time"]
        ok = np.all((d[1:] > d[:-1]) | ((d[1:] == d[:-1]) & (a[1:] >= a[:-1])))
        pos = np.concatenate(changed_pos)
        resort = (not ok) or bool(np.any(d[pos] == a[pos]))
    if resort:
        order = order_connections(conn["dep_time"], conn["arr_time"], conn["trip"], conn["seq"],
                                  conn["dep_stop"], conn["arr_stop"])
        conn = {k: v[order] for k, v in conn.items()}
        counts["resorted"] = 1
        if stats is not None:
            stats["resorted"] = 1
    _check_connections(conn["dep_time"], conn["arr_time"])
    out = {k: np.ascontiguousarray(v, dtype=np.int32) for k, v in conn.items()}
    return tt.replace(**out)


def _check_connections(dep_time: np.ndarray, arr_time: np.ndarray) -> None:
    """The timetable's invariants after an update, checked in int64 before the int32 cast: no
    connection arrives before it departs, every time fits int32 (both hold by construction: a
    failure here is a bug, reported as a TimetableError rather than a wrong answer)."""
    d, a = np.asarray(dep_time, dtype=np.int64), np.asarray(arr_time, dtype=np.int64)
    if len(d) and (np.any(a < d) or min(d.min(), a.min()) < np.iinfo(np.int32).min
                   or max(d.max(), a.max()) > np.iinfo(np.int32).max):
        bad = int(np.flatnonzero((a < d) | (d < np.iinfo(np.int32).min) | (a > np.iinfo(np.int32).max))[0])
        raise TimetableError(f"trip updates made connection {bad} arrive at {a[bad]} s before it departs at "
                             f"{d[bad]} s, or out of the int32 range", field="arrival_time")
