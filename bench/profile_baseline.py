"""The range query as it was before the profile scan: one forward scan per departure time.

Kept only as the baseline of ``bench/bench_csa.py`` (a transfer-bounded scan repeated for every
candidate departure of the window, latest first, labels kept between runs, rRAPTOR style).
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
import pandas as pd

from routing.transit import JourneyLeg, Timetable, csa

INF, TRANSIT, WALK = csa.UNREACHABLE, csa.TRANSIT, csa.WALK
first_departure, footpath_duration = csa.first_departure, csa.footpath_duration
NEG_INF = -INF

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
        lo = first_departure(dep_time, tmin)
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
                        w = footpath_duration(fp_off, fp_to, fp_dur, f, s)
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
                    w = footpath_duration(fp_off, fp_to, fp_dur, f, s)
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


_LAST: dict[int, np.ndarray] = {}


def _trip_last_departure(tt: Timetable) -> np.ndarray:
    last = _LAST.get(id(tt))
    if last is None:
        last = np.full(tt.n_trips, -1, dtype=np.int64)
        np.maximum.at(last, tt.trip, tt.dep_time.astype(np.int64))
        _LAST[id(tt)] = last
    return last


PROFILE_COLUMNS = csa.PROFILE_COLUMNS


def per_departure_profile(tt: Timetable, sources: Any, window_start_s: int, window_end_s: int, target: int, *,
            max_transfers: int = 5, max_duration_s: int = 3 * 3600,
            stats: dict[str, int] | None = None) -> pd.DataFrame:
    """The question and the table of :func:`routing.transit.csa.profile`, answered by one
    transfer-bounded forward scan per candidate departure time (latest first).

    Differences: each run scans connections departing up to ``max_duration_s`` after it starts
    (longer journeys may be missed); ``stats`` receives runs (departure times tried) and scanned
    (connections); the rows are Pareto-optimal among the journeys the scans find (earliest arrival
    for each departure time and each transfer count).
    """
    src = np.asarray(sources, dtype=np.int64)
    if src.ndim == 1:
        src = np.column_stack([src, np.zeros(len(src), dtype=np.int64)])
    src = src.reshape(-1, 2)
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
