"""Connection Scan Algorithm on a compiled :class:`routing.timetable.Timetable` (numba kernels).

Queries
-------
* :func:`earliest_arrival` — one forward scan from (stop, time) labels (several
  for door-to-door access), early termination once every target is settled.
* :func:`latest_departure` — arrive-by: one backward scan from (stop, deadline) labels.
* :func:`profile` — range query over a departure window: Pareto set over
  (departure, arrival, transfers, walking time), by transfer-bounded scans
  repeated for each departure time of the window in descending order (labels
  kept between runs, rRAPTOR style, so later runs prune earlier ones).
* :func:`journey` — legs of the best journey of a forward or backward result.

Rules shared with the reference router in the tests
---------------------------------------------------
* Changing vehicles takes ``transfer_slack_s`` (0 by default; the planner passes
  :data:`routing.linking.LINK`'s 60 s): a vehicle arriving at t connects to every
  departure at t + slack or later, after the footpath if one is walked; the range query
  (:func:`profile`) uses no slack.
* After leaving a vehicle one footpath may be walked; from an initial label one
  footpath may be walked; footpaths are never chained (see the timetable model).
* Staying seated in a trip is always possible (trip continuation).

Times are int64 seconds since midnight of ``tt.day``; :data:`INF` means unreachable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np
import pandas as pd

from routing.timetable import Timetable

INF = np.int64(2**62)
NEG_INF = -INF
TRANSIT, WALK = "transit", "walk"


# ---------------------------------------------------------------------------
# kernels
# ---------------------------------------------------------------------------

@nb.njit(cache=True)
def _ea_kernel(dep_stop, arr_stop, dep_time, arr_time, trip, fp_off, fp_to, fp_dur,
               n_stops, n_trips, src_stop, src_time, targets, start, init_fp, slack):
    tau = np.full(n_stops, INF, dtype=np.int64)
    tau_v = np.full(n_stops, INF, dtype=np.int64)  # earliest arrival by vehicle or as a source
    j_enter = np.full(n_stops, -1, dtype=np.int32)
    j_exit = np.full(n_stops, -1, dtype=np.int32)
    j_fp = np.full(n_stops, -1, dtype=np.int32)
    # ready to board: an arrival by vehicle (then a footpath) waits the transfer slack first
    ready = np.full(n_stops, INF, dtype=np.int64)
    q_enter = np.full(n_stops, -1, dtype=np.int32)
    q_exit = np.full(n_stops, -1, dtype=np.int32)
    q_fp = np.full(n_stops, -1, dtype=np.int32)
    trip_enter = np.full(n_trips, -1, dtype=np.int32)
    is_target = np.zeros(n_stops, dtype=np.bool_)
    for i in range(len(targets)):
        is_target[targets[i]] = True
    for i in range(len(src_stop)):
        s = src_stop[i]
        if src_time[i] < tau[s]:
            tau[s] = src_time[i]
            tau_v[s] = src_time[i]
            ready[s] = src_time[i]
    for i in range(len(src_stop) if init_fp else 0):
        s = src_stop[i]
        t = src_time[i]
        if t > tau_v[s]:
            continue
        for k in range(fp_off[s], fp_off[s + 1]):
            v = fp_to[k]
            nt = t + fp_dur[k]
            if nt < tau[v]:
                tau[v] = nt
                j_enter[v] = -1
                j_exit[v] = -1
                j_fp[v] = s
            if nt < ready[v]:
                ready[v] = nt
                q_enter[v] = -1
                q_exit[v] = -1
                q_fp[v] = s
    bound = INF
    if len(targets) > 0:
        bound = NEG_INF
        for i in range(len(targets)):
            if tau[targets[i]] > bound:
                bound = tau[targets[i]]
    m = len(dep_time)
    scanned = 0
    for c in range(start, m):
        dtime = dep_time[c]
        if dtime >= bound:
            break
        scanned += 1
        t = trip[c]
        e = trip_enter[t]
        if e < 0:
            if ready[dep_stop[c]] <= dtime:
                trip_enter[t] = c
                e = c
            else:
                continue
        at = np.int64(arr_time[c])
        a = arr_stop[c]
        if at < tau_v[a]:
            tau_v[a] = at
            changed = False
            if at < tau[a]:
                tau[a] = at
                j_enter[a] = e
                j_exit[a] = c
                j_fp[a] = -1
                changed = is_target[a]
            if at + slack < ready[a]:
                ready[a] = at + slack
                q_enter[a] = e
                q_exit[a] = c
                q_fp[a] = -1
            for k in range(fp_off[a], fp_off[a + 1]):
                v = fp_to[k]
                nt = at + fp_dur[k]
                if nt < tau[v]:
                    tau[v] = nt
                    j_enter[v] = e
                    j_exit[v] = c
                    j_fp[v] = a
                    if is_target[v]:
                        changed = True
                if nt + slack < ready[v]:
                    ready[v] = nt + slack
                    q_enter[v] = e
                    q_exit[v] = c
                    q_fp[v] = a
            if changed:
                bound = NEG_INF
                for i in range(len(targets)):
                    if tau[targets[i]] > bound:
                        bound = tau[targets[i]]
    return tau, j_enter, j_exit, j_fp, scanned, ready, q_enter, q_exit, q_fp


@nb.njit(cache=True)
def _ld_kernel(dep_stop, arr_stop, dep_time, arr_time, trip, order, in_off, in_from, in_dur,
               n_stops, n_trips, tgt_stop, tgt_time, sources, start, init_fp, slack):
    ld = np.full(n_stops, NEG_INF, dtype=np.int64)
    ld_v = np.full(n_stops, NEG_INF, dtype=np.int64)  # latest departure by boarding there / as a target
    r_enter = np.full(n_stops, -1, dtype=np.int32)
    r_exit = np.full(n_stops, -1, dtype=np.int32)
    r_fp = np.full(n_stops, -1, dtype=np.int32)
    # latest arrival by vehicle that still works: a transfer to another vehicle keeps the slack
    ready = np.full(n_stops, NEG_INF, dtype=np.int64)
    q_enter = np.full(n_stops, -1, dtype=np.int32)
    q_exit = np.full(n_stops, -1, dtype=np.int32)
    q_fp = np.full(n_stops, -1, dtype=np.int32)
    trip_exit = np.full(n_trips, -1, dtype=np.int32)
    is_source = np.zeros(n_stops, dtype=np.bool_)
    for i in range(len(sources)):
        is_source[sources[i]] = True
    for i in range(len(tgt_stop)):
        s = tgt_stop[i]
        if tgt_time[i] > ld[s]:
            ld[s] = tgt_time[i]
            ld_v[s] = tgt_time[i]
            ready[s] = tgt_time[i]
    for i in range(len(tgt_stop) if init_fp else 0):
        s = tgt_stop[i]
        t = tgt_time[i]
        if t < ld_v[s]:
            continue
        for k in range(in_off[s], in_off[s + 1]):
            u = in_from[k]
            nt = t - in_dur[k]
            if nt > ld[u]:
                ld[u] = nt
                r_enter[u] = -1
                r_exit[u] = -1
                r_fp[u] = s
            if nt > ready[u]:
                ready[u] = nt
                q_enter[u] = -1
                q_exit[u] = -1
                q_fp[u] = s
    bound = NEG_INF
    if len(sources) > 0:
        bound = INF
        for i in range(len(sources)):
            if ld[sources[i]] < bound:
                bound = ld[sources[i]]
    m = len(order)
    for p in range(start, m):
        c = order[p]
        atime = np.int64(arr_time[c])
        if atime <= bound:
            break
        t = trip[c]
        x = trip_exit[t]
        if x < 0:
            if ready[arr_stop[c]] >= atime:
                trip_exit[t] = c
                x = c
            else:
                continue
        dtime = np.int64(dep_time[c])
        d = dep_stop[c]
        if dtime > ld_v[d]:
            ld_v[d] = dtime
            changed = False
            if dtime > ld[d]:
                ld[d] = dtime
                r_enter[d] = c
                r_exit[d] = x
                r_fp[d] = -1
                changed = is_source[d]
            if dtime - slack > ready[d]:
                ready[d] = dtime - slack
                q_enter[d] = c
                q_exit[d] = x
                q_fp[d] = -1
            for k in range(in_off[d], in_off[d + 1]):
                u = in_from[k]
                nt = dtime - in_dur[k]
                if nt > ld[u]:
                    ld[u] = nt
                    r_enter[u] = c
                    r_exit[u] = x
                    r_fp[u] = d
                    if is_source[u]:
                        changed = True
                if nt - slack > ready[u]:
                    ready[u] = nt - slack
                    q_enter[u] = c
                    q_exit[u] = x
                    q_fp[u] = d
            if changed:
                bound = INF
                for i in range(len(sources)):
                    if ld[sources[i]] < bound:
                        bound = ld[sources[i]]
    return ld, r_enter, r_exit, r_fp, ready, q_enter, q_exit, q_fp


@nb.njit(cache=True)
def _fp_duration(fp_off, fp_to, fp_dur, a, b):
    for k in range(fp_off[a], fp_off[a + 1]):
        if fp_to[k] == b:
            return np.int64(fp_dur[k])
    return np.int64(-1)


@nb.njit(cache=True)
def _profile_kernel(dep_stop, arr_stop, dep_time, arr_time, trip, fp_off, fp_to, fp_dur,
                    n_stops, n_trips, src_stop, src_off, cand, target, max_legs, limit_s, trip_last):
    L = max_legs + 1  # levels 0..max_legs (number of vehicle legs, "at most")
    tau = np.full((L, n_stops), INF, dtype=np.int64)
    tau_v = np.full((L, n_stops), INF, dtype=np.int64)
    p_enter = np.full((L, n_stops), -1, dtype=np.int32)
    p_exit = np.full((L, n_stops), -1, dtype=np.int32)
    p_fp = np.full((L, n_stops), -1, dtype=np.int32)
    p_lvl = np.full((L, n_stops), -1, dtype=np.int32)  # level at the boarding stop
    trip_lvl = np.zeros(n_trips, dtype=np.int32)  # legs count once boarded
    trip_enter = np.full(n_trips, -1, dtype=np.int32)
    trip_run = np.full(n_trips, -1, dtype=np.int32)
    lab_run = np.full((L, n_stops), -1, dtype=np.int32)  # run that last improved tau[lv, s]
    nc = len(cand)
    # output: per (run, level) journeys found in that run
    out_n = 0
    out_dep = np.empty(nc * L, dtype=np.int64)
    out_arr = np.empty(nc * L, dtype=np.int64)
    out_legs = np.empty(nc * L, dtype=np.int32)
    out_walk = np.empty(nc * L, dtype=np.int64)
    out_src = np.empty(nc * L, dtype=np.int32)
    out_path = np.full((nc * L, L, 4), -1, dtype=np.int64)  # (enter, exit, fp_to_stop, fp_dur)
    out_first_walk = np.full((nc * L, 3), -1, dtype=np.int64)  # (from, to, dur) initial footpath
    m = len(dep_time)
    scanned = 0
    for r in range(nc):
        d0 = cand[r]
        before = tau[:, target].copy()
        tmin = INF
        # self-pruning (rRAPTOR): a label improved in this run from an old value o only changes
        # boardings departing before o (later ones were already possible in an earlier run), and a
        # trip boarded thanks to it runs until its last departure: past both, the run can stop
        bound = np.int64(-1)
        for i in range(len(src_stop)):
            s = src_stop[i]
            t = d0 + src_off[i]
            if t < tmin:
                tmin = t
            for lv in range(L):
                if t < tau[lv, s]:
                    bound = max(bound, tau[lv, s])
                    lab_run[lv, s] = r
                    tau[lv, s] = t
                    tau_v[lv, s] = t
                    p_enter[lv, s] = -1
                    p_exit[lv, s] = -1
                    p_fp[lv, s] = -1
            for k in range(fp_off[s], fp_off[s + 1]):
                v = fp_to[k]
                nt = t + fp_dur[k]
                for lv in range(L):
                    if nt < tau[lv, v]:
                        bound = max(bound, tau[lv, v])
                        lab_run[lv, v] = r
                        tau[lv, v] = nt
                        p_enter[lv, v] = -1
                        p_exit[lv, v] = -1
                        p_fp[lv, v] = s
                    else:
                        break
        # first connection departing at or after tmin
        lo, hi = 0, m
        while lo < hi:
            mid = (lo + hi) // 2
            if dep_time[mid] < tmin:
                lo = mid + 1
            else:
                hi = mid
        end_t = tmin + limit_s
        for c in range(lo, m):
            dtime = np.int64(dep_time[c])
            if dtime > end_t or dtime > bound or dtime >= tau[1, target]:
                break
            scanned += 1
            t = trip[c]
            if trip_run[t] != r:
                trip_run[t] = r
                trip_enter[t] = -1
                trip_lvl[t] = L
            cur = trip_lvl[t]
            ds = dep_stop[c]
            # fewest legs with which this connection can be boarded here (tau is non-increasing
            # in the level: when the most permissive useful level cannot board, none can)
            if cur < 2 or tau[cur - 2, ds] > dtime:
                if cur >= L:
                    continue
            else:
                for lv in range(cur - 1):
                    if tau[lv, ds] <= dtime:
                        trip_lvl[t] = lv + 1
                        trip_enter[t] = c
                        if lab_run[lv, ds] == r and trip_last[t] > bound:
                            bound = np.int64(trip_last[t])
                        break
            kk = trip_lvl[t]
            if kk >= L:
                continue
            e = trip_enter[t]
            at = np.int64(arr_time[c])
            a = arr_stop[c]
            for lv in range(kk, L):
                if at >= tau[lv, target] or at >= tau_v[lv, a]:
                    break
                tau_v[lv, a] = at
                if at < tau[lv, a]:
                    bound = max(bound, tau[lv, a])
                    lab_run[lv, a] = r
                    tau[lv, a] = at
                    p_enter[lv, a] = e
                    p_exit[lv, a] = c
                    p_fp[lv, a] = -1
                    p_lvl[lv, a] = kk - 1
                for k in range(fp_off[a], fp_off[a + 1]):
                    v = fp_to[k]
                    nt = at + fp_dur[k]
                    if nt < tau[lv, v] and nt < tau[lv, target]:
                        bound = max(bound, tau[lv, v])
                        lab_run[lv, v] = r
                        tau[lv, v] = nt
                        p_enter[lv, v] = e
                        p_exit[lv, v] = c
                        p_fp[lv, v] = a
                        p_lvl[lv, v] = kk - 1
        # record the journeys to the target improved in this run
        for lv in range(1, L):
            if tau[lv, target] >= before[lv] or tau[lv, target] >= tau[lv - 1, target]:
                continue
            s = target
            level = lv
            legs = 0
            walk = np.int64(0)
            dep = np.int64(-1)
            src = -1
            guard = 0
            while guard < 4 * L:
                guard += 1
                e = p_enter[level, s]
                if e < 0:
                    f = p_fp[level, s]
                    if f >= 0:
                        w = _fp_duration(fp_off, fp_to, fp_dur, f, s)
                        walk += w
                        out_first_walk[out_n, 0] = f
                        out_first_walk[out_n, 1] = s
                        out_first_walk[out_n, 2] = w
                        dep = (dep if dep >= 0 else tau[level, s]) - w
                        src = f
                    else:
                        src = s
                        if dep < 0:
                            dep = tau[level, s]
                    break
                x = p_exit[level, s]
                f = p_fp[level, s]
                out_path[out_n, legs, 0] = e
                out_path[out_n, legs, 1] = x
                if f >= 0:
                    w = _fp_duration(fp_off, fp_to, fp_dur, f, s)
                    walk += w
                    out_path[out_n, legs, 2] = s
                    out_path[out_n, legs, 3] = w
                legs += 1
                dep = np.int64(dep_time[e])
                nl = p_lvl[level, s]
                s = dep_stop[e]
                level = nl
            # door departure: subtract the access offset of the source stop used
            off = np.int64(0)
            for i in range(len(src_stop)):
                if src_stop[i] == src:
                    off = src_off[i]
                    break
            out_dep[out_n] = dep - off
            out_arr[out_n] = tau[lv, target]
            out_legs[out_n] = legs
            out_walk[out_n] = walk
            out_src[out_n] = src
            out_n += 1
    return (out_dep[:out_n], out_arr[:out_n], out_legs[:out_n], out_walk[:out_n], out_src[:out_n],
            out_path[:out_n], out_first_walk[:out_n], scanned)


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------

@dataclass(eq=False)
class ScanResult:
    """Labels of one scan.

    Forward (``direction == "forward"``): ``time[s]`` earliest arrival at stop s (INF when
    unreachable); the journey to s ends with the transit leg ``enter[s]..exit[s]`` (connection
    indices; -1 when s was reached by walking from a source or is a source) followed by a
    footpath from ``fp[s]`` when ``fp[s] >= 0``.

    Backward: ``time[s]`` latest departure from s that still meets a deadline (-INF when none);
    the journey from s starts with a footpath to ``fp[s]`` (when >= 0) then the leg
    ``enter[s]..exit[s]``.
    """

    direction: str
    time: np.ndarray
    enter: np.ndarray
    exit: np.ndarray
    fp: np.ndarray
    labels: np.ndarray  # (k, 2) int64 initial (stop, time) labels
    scanned: int = -1
    #: with a transfer slack: the labels and pointers of "ready to board" (forward) or "latest
    #: arrival that still connects" (backward), used for the stops where the journey changes
    #: vehicle; None means the same as time/enter/exit/fp
    ready: np.ndarray | None = None
    ready_enter: np.ndarray | None = None
    ready_exit: np.ndarray | None = None
    ready_fp: np.ndarray | None = None

    def reached(self, stop: int) -> bool:
        t = self.time[stop]
        return bool(t < INF) if self.direction == "forward" else bool(t > NEG_INF)


@dataclass(frozen=True)
class JourneyLeg:
    """One leg of a journey: ``mode`` is "transit" or "walk"; trip is -1 for walks."""

    mode: str
    from_stop: int
    to_stop: int
    dep_time_s: int
    arr_time_s: int
    trip: int = -1
    enter_conn: int = -1
    exit_conn: int = -1

    COLUMNS = ("mode", "from_stop_id", "to_stop_id", "from_name", "to_name", "dep_time_s",
               "arr_time_s", "trip_id", "route_short_name", "route_color", "route_type", "n_hops")

    def row(self, tt: Timetable) -> dict[str, Any]:
        route = int(tt.trip_route[self.trip]) if self.trip >= 0 else -1
        return {
            "mode": self.mode,
            "from_stop_id": str(tt.stop_ids[self.from_stop]), "to_stop_id": str(tt.stop_ids[self.to_stop]),
            "from_name": str(tt.stop_names[self.from_stop]), "to_name": str(tt.stop_names[self.to_stop]),
            "dep_time_s": int(self.dep_time_s), "arr_time_s": int(self.arr_time_s),
            "trip_id": str(tt.trip_ids[self.trip]) if self.trip >= 0 else None,
            "route_short_name": str(tt.route_short_names[route]) if route >= 0 else None,
            "route_color": str(tt.route_colors[route]) if route >= 0 else None,
            "route_type": int(tt.route_types[route]) if route >= 0 else None,
            "n_hops": self.n_hops(tt),
        }

    def n_hops(self, tt: Timetable) -> int:
        if self.mode != TRANSIT:
            return 0
        return int(tt.seq_position(self.exit_conn) - tt.seq_position(self.enter_conn) + 1)


def legs_frame(tt: Timetable, legs: list[JourneyLeg]) -> pd.DataFrame:
    """Legs as a table with :attr:`JourneyLeg.COLUMNS` (empty table for an empty list)."""
    return pd.DataFrame([leg.row(tt) for leg in legs], columns=list(JourneyLeg.COLUMNS))


# ---------------------------------------------------------------------------
# public queries
# ---------------------------------------------------------------------------

def _labels(labels: Any, n_stops: int, what: str) -> np.ndarray:
    arr = np.asarray(labels, dtype=np.int64)
    if arr.ndim == 1 and arr.size == 2:
        arr = arr.reshape(1, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{what} must be (stop, time) pairs, got shape {arr.shape}")
    if len(arr) and (arr[:, 0].min() < 0 or arr[:, 0].max() >= n_stops):
        raise ValueError(f"{what}: stop index out of range 0..{n_stops - 1}")
    return arr


def _stops(stops: Any, n_stops: int, what: str) -> np.ndarray:
    if stops is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.atleast_1d(np.asarray(stops, dtype=np.int64))
    if len(arr) and (arr.min() < 0 or arr.max() >= n_stops):
        raise ValueError(f"{what}: stop index out of range 0..{n_stops - 1}")
    return arr


def earliest_arrival(tt: Timetable, sources: Any, *, targets: Any = None,
                     initial_footpaths: bool = True, transfer_slack_s: int = 0) -> ScanResult:
    """Earliest arrival at every stop from initial (stop, time) labels.

    Parameters
    ----------
    tt : the compiled timetable.
    sources : (k, 2) array-like of (stop index, time_s): e.g. one label for a stop-to-stop query,
        or one per stop reachable from a door with its walking time added (door-to-door access).
        Footpaths from every label are walked once before the scan.
    targets : stop indices; when given, the scan stops as soon as all of them are settled
        (labels of other stops are then only upper bounds).
    initial_footpaths : walk the footpaths from the labels before the scan (stop-to-stop
        queries); door-to-door queries whose labels already cover every stop within the walk
        cap pass False, so that the cap holds (:mod:`routing.linking`).
    transfer_slack_s : minimum time between leaving a vehicle (after its footpath, if any) and
        boarding another (OpenTripPlanner's transfer slack); 0 by default.

    Returns
    -------
    ScanResult (forward): ``time`` int64 per stop (:data:`INF` unreachable) and journey pointers
    for :func:`journey`. An empty ``sources`` gives everything unreachable.
    """
    src = _labels(sources, tt.n_stops, "sources")
    tg = _stops(targets, tt.n_stops, "targets")
    if len(src) == 0:
        n = tt.n_stops
        return ScanResult("forward", np.full(n, INF), *(np.full(n, -1, dtype=np.int32) for _ in range(3)),
                          src, 0)
    start = int(np.searchsorted(tt.dep_time, src[:, 1].min(), side="left"))
    tau, je, jx, jf, scanned, rd, qe, qx, qf = _ea_kernel(
        tt.dep_stop, tt.arr_stop, tt.dep_time, tt.arr_time, tt.trip, tt.fp_offsets, tt.fp_to, tt.fp_dur_s,
        tt.n_stops, tt.n_trips, src[:, 0].copy(), src[:, 1].copy(), tg, start, initial_footpaths,
        np.int64(transfer_slack_s))
    return ScanResult("forward", tau, je, jx, jf, src, int(scanned), rd, qe, qx, qf)


def earliest_arrival_time(tt: Timetable, source: int, target: int, time_s: int) -> int:
    """Stop-to-stop earliest arrival time (INF when unreachable): the fast path of benchmarks."""
    res = earliest_arrival(tt, [(source, time_s)], targets=[target])
    return int(res.time[target])


def latest_departure(tt: Timetable, targets: Any, *, sources: Any = None,
                     initial_footpaths: bool = True, transfer_slack_s: int = 0) -> ScanResult:
    """Arrive-by: latest departure from every stop that reaches a target by its deadline.

    Parameters
    ----------
    targets : (k, 2) array-like of (stop index, deadline_s); several labels for door-to-door
        egress (deadline minus the walk from the stop to the door). Footpaths into every label
        are walked once.
    sources : stop indices; when given the backward scan stops once all are settled.

    Returns
    -------
    ScanResult (backward): ``time`` int64 per stop (-INF when the deadline cannot be met).
    """
    tgt = _labels(targets, tt.n_stops, "targets")
    srcs = _stops(sources, tt.n_stops, "sources")
    n = tt.n_stops
    if len(tgt) == 0:
        return ScanResult("backward", np.full(n, NEG_INF), *(np.full(n, -1, dtype=np.int32) for _ in range(3)),
                          tgt, 0)
    order = tt.arr_order
    # arr_time[order] is non-increasing: skip connections arriving after the last deadline
    rev = tt.arr_time[order][::-1]
    start = len(order) - int(np.searchsorted(rev, tgt[:, 1].max(), side="right"))
    in_off, in_from, in_dur = tt.footpaths_in
    ld, re, rx, rf, rd, qe, qx, qf = _ld_kernel(
        tt.dep_stop, tt.arr_stop, tt.dep_time, tt.arr_time, tt.trip, order, in_off, in_from, in_dur,
        n, tt.n_trips, tgt[:, 0].copy(), tgt[:, 1].copy(), srcs, start, initial_footpaths,
        np.int64(transfer_slack_s))
    return ScanResult("backward", ld, re, rx, rf, tgt, -1, rd, qe, qx, qf)


def _fp_dur(tt: Timetable, a: int, b: int) -> int:
    lo, hi = tt.fp_offsets[a], tt.fp_offsets[a + 1]
    hits = np.flatnonzero(tt.fp_to[lo:hi] == b)
    if len(hits) == 0:
        raise ValueError(f"no footpath {a} -> {b}")
    return int(tt.fp_dur_s[lo + hits[0]])


def journey(tt: Timetable, result: ScanResult, stop: int) -> list[JourneyLeg]:
    """Legs of the best journey to ``stop`` (forward result) or from ``stop`` (backward result).

    The last leg (forward) or the first (backward) follows the scan's own labels; the stops where
    the journey changes vehicle follow the "ready" labels, which keep the transfer slack.

    Returns
    -------
    list of JourneyLeg in travel order; empty when ``stop`` is itself a label of the scan with
    nothing to ride or walk, or unreachable (check ``result.reached(stop)``).
    """
    if not result.reached(stop):
        return []
    legs: list[JourneyLeg] = []
    s = int(stop)
    guard = 0
    time_, enter, exit_, fp = result.time, result.enter, result.exit, result.fp

    def to_ready() -> tuple[np.ndarray, ...]:
        if result.ready is None:
            return time_, enter, exit_, fp
        return result.ready, result.ready_enter, result.ready_exit, result.ready_fp

    if result.direction == "forward":
        while guard <= tt.n_stops + 2:
            guard += 1
            e, x, f = int(enter[s]), int(exit_[s]), int(fp[s])
            if e < 0:
                if f >= 0:
                    d = _fp_dur(tt, f, s)
                    t = int(time_[s])
                    legs.append(JourneyLeg(WALK, f, s, t - d, t))
                break
            if f >= 0:
                t0 = int(tt.arr_time[x])
                legs.append(JourneyLeg(WALK, f, s, t0, t0 + _fp_dur(tt, f, s)))
            legs.append(JourneyLeg(TRANSIT, int(tt.dep_stop[e]), int(tt.arr_stop[x]), int(tt.dep_time[e]),
                                   int(tt.arr_time[x]), int(tt.trip[e]), e, x))
            s = int(tt.dep_stop[e])
            time_, enter, exit_, fp = to_ready()
        legs.reverse()
        return legs
    while guard <= tt.n_stops + 2:
        guard += 1
        e, x, f = int(enter[s]), int(exit_[s]), int(fp[s])
        if e < 0:
            if f >= 0:
                d = _fp_dur(tt, s, f)
                t = int(time_[s])
                legs.append(JourneyLeg(WALK, s, f, t, t + d))
            break
        if f >= 0:
            t0 = int(tt.dep_time[e])
            d = _fp_dur(tt, s, f)
            legs.append(JourneyLeg(WALK, s, f, t0 - d, t0))
        legs.append(JourneyLeg(TRANSIT, int(tt.dep_stop[e]), int(tt.arr_stop[x]), int(tt.dep_time[e]),
                               int(tt.arr_time[x]), int(tt.trip[e]), e, x))
        s = int(tt.arr_stop[x])
        time_, enter, exit_, fp = to_ready()
    return legs


def _trip_last_departure(tt: Timetable) -> np.ndarray:
    last = tt._cache.get("trip_last_dep")
    if last is None:
        last = np.full(tt.n_trips, -1, dtype=np.int64)
        np.maximum.at(last, tt.trip, tt.dep_time.astype(np.int64))
        tt._cache["trip_last_dep"] = last
    return last


PROFILE_COLUMNS = ("departure_s", "arrival_s", "duration_s", "transfers", "walk_s", "legs")


def profile(tt: Timetable, sources: Any, window_start_s: int, window_end_s: int, target: int, *,
            max_transfers: int = 5, max_duration_s: int = 3 * 3600,
            stats: dict[str, int] | None = None) -> pd.DataFrame:
    """Range query: Pareto set of journeys leaving in ``[window_start_s, window_end_s]``.

    Parameters
    ----------
    sources : stop indices, or (k, 2) array-like of (stop index, access_s) where access_s is the
        time from the door to that stop (0 for a stop-to-stop query).
    target : stop index.
    max_transfers : at most this many changes of vehicle (max_transfers + 1 transit legs).
    max_duration_s : each run scans connections departing up to this long after it starts
        (journeys longer than this may be missed).
    stats : when a dict is given, receives runs (departure times tried) and scanned (connections).

    Returns
    -------
    DataFrame with columns departure_s (leaving the door), arrival_s, duration_s, transfers,
    walk_s (footpaths walked between or to stops, access excluded), legs (list of JourneyLeg),
    sorted by departure then arrival: every row is Pareto-optimal over (later departure, earlier
    arrival, fewer transfers, less walking) among the journeys the transfer-bounded scans find
    (earliest arrival for each departure time and each transfer count). Walking to the target
    without any vehicle is not part of the profile. Empty table when nothing reaches the target.
    """
    src = np.asarray(sources, dtype=np.int64)
    if src.ndim == 1:
        src = np.column_stack([src, np.zeros(len(src), dtype=np.int64)])
    src = _labels(src, tt.n_stops, "sources")
    if not 0 <= int(target) < tt.n_stops:
        raise ValueError(f"target out of range 0..{tt.n_stops - 1}")
    empty = pd.DataFrame({c: pd.Series(dtype=object if c == "legs" else np.int64) for c in PROFILE_COLUMNS})
    if len(src) == 0 or window_end_s < window_start_s:
        return empty
    # candidate departure times: when a vehicle can be caught from a source stop (or its footpaths)
    dep_off, dep_conn = tt.stop_departures
    cands = []
    for s, off in src.tolist():
        stops_d = [(s, 0)] + [(int(tt.fp_to[k]), int(tt.fp_dur_s[k]))
                              for k in range(tt.fp_offsets[s], tt.fp_offsets[s + 1])]
        for v, d in stops_d:
            times = tt.dep_time[dep_conn[dep_off[v]:dep_off[v + 1]]].astype(np.int64) - off - d
            cands.append(times[(times >= window_start_s) & (times <= window_end_s)])
    cand = np.unique(np.concatenate(cands))[::-1].copy() if cands else np.zeros(0, dtype=np.int64)
    if len(cand) == 0:
        return empty
    dep, arr, nlegs, walk, srcs, path, first, scanned = _profile_kernel(
        tt.dep_stop, tt.arr_stop, tt.dep_time, tt.arr_time, tt.trip, tt.fp_offsets, tt.fp_to, tt.fp_dur_s,
        tt.n_stops, tt.n_trips, src[:, 0].copy(), src[:, 1].copy(), cand, int(target), int(max_transfers) + 1,
        int(max_duration_s), _trip_last_departure(tt))
    if stats is not None:
        stats["runs"] = len(cand)
        stats["scanned"] = int(scanned)
    rows = []
    for i in range(len(dep)):
        if dep[i] < window_start_s or dep[i] > window_end_s:
            continue
        rows.append((int(dep[i]), int(arr[i]), int(nlegs[i]) - 1, int(walk[i]), i))
    # Pareto filter: later departure, earlier arrival, fewer transfers, less walking
    keep = []
    for r in rows:
        dominated = False
        for q in rows:
            if q is r:
                continue
            better_eq = q[0] >= r[0] and q[1] <= r[1] and q[2] <= r[2] and q[3] <= r[3]
            strictly = q[0] > r[0] or q[1] < r[1] or q[2] < r[2] or q[3] < r[3]
            if better_eq and strictly:
                dominated = True
                break
        if not dominated and all(k[:4] != r[:4] for k in keep):
            keep.append(r)
    out = []
    for d0, a0, tr, w, i in sorted(keep):
        legs: list[JourneyLeg] = []
        if first[i, 0] >= 0:
            f, s, w0 = (int(v) for v in first[i])
        else:
            f = -1
        hops = [tuple(int(v) for v in path[i, j]) for j in range(int(nlegs[i]))][::-1]
        for j, (e, x, fs, fd) in enumerate(hops):
            if j == 0 and f >= 0:
                legs.append(JourneyLeg(WALK, f, s, int(tt.dep_time[e]) - w0, int(tt.dep_time[e])))
            legs.append(JourneyLeg(TRANSIT, int(tt.dep_stop[e]), int(tt.arr_stop[x]), int(tt.dep_time[e]),
                                   int(tt.arr_time[x]), int(tt.trip[e]), e, x))
            if fs >= 0:
                legs.append(JourneyLeg(WALK, int(tt.arr_stop[x]), fs, int(tt.arr_time[x]),
                                       int(tt.arr_time[x]) + fd))
        out.append((d0, a0, a0 - d0, tr, w, legs))
    return pd.DataFrame(out, columns=list(PROFILE_COLUMNS)).astype(
        {c: np.int64 for c in PROFILE_COLUMNS if c != "legs"})
