"""Reference router for the timetable engine: plain NetworkX Dijkstra on a time-expanded graph.

It answers the same question as :func:`routing.transit.csa.earliest_arrival` with a
completely different method, on the same :class:`routing.Timetable`
(connections and footpaths), under the same rules:

* changing vehicles at one stop takes 0 s (arrive at t, board at t);
* after leaving a vehicle, one footpath may be walked (no chaining);
* from the initial labels, one footpath may be walked.

Graph (integer nodes):

* ``dep(c)`` on board connection c at its departure, ``arr(c)`` at its arrival;
  edges dep(c)->arr(c) (ride) and dep(c)->dep(next connection of the trip) (stay seated);
* ``wait(s, t)``: one node per stop and distinct departure/arrival time there,
  chained in time order; wait(s, dep_time c)->dep(c) (board);
* ``alighted(s, t)``: one node per stop and distinct vehicle-arrival time, chained
  in time order; arr(c)->alighted(arr_stop, arr_time)->wait(arr_stop, arr_time);
* a footpath (s -> v, d) goes from alighted(s, t) to the first wait node of v at or
  after t + d (left out when the next alighted node of s reaches the same wait node:
  waiting before walking is equivalent).

Edge weights are time differences, so a node's Dijkstra distance from a source at
time 0 is the absolute time at which it is reached. For one query, a source node
(edges to the wait nodes of the labels and of their footpaths) and a sink node
(edges from the target's wait nodes and, weighted by the walk, from the alighted
nodes of stops with a footpath to the target) are added, then removed.

The tests check the engine's answers against it; ``bench/bench_csa.py`` times it against the
engine stop to stop, ``bench/bench_door_to_door.py`` with walking at both ends. Also
:class:`ReferenceProfile` (range queries) and :func:`load_feed`, the tests' way to get a GtfsFeed.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np

from routing import Timetable

#: "not reached" of the reference (the engine's own sentinel may differ)
INF = 2**31 - 1


def load_feed(path: str | Path):
    """The whole GtfsFeed at ``path`` (zip or folder), through the project's GTFS loader."""
    from sources.loaders.gtfs import load_gtfs

    return load_gtfs(path).data


class ReferenceRouter:
    """Time-expanded graph of ``tt`` and Dijkstra queries on it."""

    def __init__(self, tt: Timetable, *, transfer_slack_s: int = 0) -> None:
        self.tt = tt
        slack = int(transfer_slack_s)
        m = tt.n_connections
        self.m = m
        g = nx.DiGraph()
        dep_node = np.arange(m)
        arr_node = m + np.arange(m)
        # ride and stay-seated edges
        g.add_weighted_edges_from(zip(dep_node.tolist(), arr_node.tolist(),
                                      (tt.arr_time - tt.dep_time).tolist(), strict=True))
        offsets, conns = tt.trip_connections
        for t in range(tt.n_trips):
            cs = conns[offsets[t]:offsets[t + 1]]
            for a, b in zip(cs[:-1].tolist(), cs[1:].tolist(), strict=True):
                g.add_edge(a, b, weight=int(tt.dep_time[b] - tt.dep_time[a]))
        # wait timelines: per stop, sorted distinct event times
        ev_stop = np.concatenate([tt.dep_stop, tt.arr_stop]).astype(np.int64)
        ev_time = np.concatenate([tt.dep_time, tt.arr_time]).astype(np.int64)
        key = np.unique(ev_stop * (1 << 32) + ev_time)
        w_stop = (key >> 32).astype(np.int64)
        w_time = (key & 0xFFFFFFFF).astype(np.int64)
        base = 2 * m
        self.w_stop, self.w_time, self.base = w_stop, w_time, base
        self.w_start = np.searchsorted(w_stop, np.arange(tt.n_stops + 1))
        same = w_stop[:-1] == w_stop[1:]
        i = np.flatnonzero(same)
        g.add_weighted_edges_from(zip((base + i).tolist(), (base + i + 1).tolist(),
                                      (w_time[i + 1] - w_time[i]).tolist(), strict=True))
        dep_w = self._wait_at(tt.dep_stop, tt.dep_time)
        g.add_weighted_edges_from(zip(dep_w.tolist(), dep_node.tolist(), [0] * m, strict=True))
        # "alighted" timeline per stop: distinct vehicle-arrival times, chained, each
        # leading to the wait node of the same time; footpaths leave from these nodes
        akey = np.unique(tt.arr_stop.astype(np.int64) * (1 << 32) + tt.arr_time.astype(np.int64))
        a_stop = (akey >> 32).astype(np.int64)
        a_time = (akey & 0xFFFFFFFF).astype(np.int64)
        abase = base + len(w_stop)
        self.a_stop, self.a_time, self.abase = a_stop, a_time, abase
        self.a_start = np.searchsorted(a_stop, np.arange(tt.n_stops + 1))
        j = np.flatnonzero(a_stop[:-1] == a_stop[1:])
        g.add_weighted_edges_from(zip((abase + j).tolist(), (abase + j + 1).tolist(),
                                      (a_time[j + 1] - a_time[j]).tolist(), strict=True))
        a_nodes = abase + np.arange(len(a_stop))
        if slack == 0:
            g.add_weighted_edges_from(zip(a_nodes.tolist(), self._wait_at(a_stop, a_time).tolist(),
                                          [0] * len(a_stop), strict=True))
        else:  # boarding another vehicle waits the transfer slack first
            for s in range(tt.n_stops):
                lo, hi = self.a_start[s], self.a_start[s + 1]
                if lo == hi:
                    continue
                tgt = self._first_wait(s, a_time[lo:hi] + slack)
                for a, w in zip(range(lo, hi), tgt.tolist(), strict=True):
                    if w >= 0:
                        g.add_edge(abase + a, w, weight=int(self.w_time[w - base] - a_time[a]))
        c_al = abase + np.searchsorted(akey, tt.arr_stop.astype(np.int64) * (1 << 32)
                                       + tt.arr_time.astype(np.int64))
        g.add_weighted_edges_from(zip(arr_node.tolist(), c_al.tolist(), [0] * m, strict=True))
        for s in range(tt.n_stops):
            lo, hi = self.a_start[s], self.a_start[s + 1]
            if lo == hi:
                continue
            times = a_time[lo:hi]
            nodes = abase + np.arange(lo, hi)
            for k in range(tt.fp_offsets[s], tt.fp_offsets[s + 1]):
                v, d = int(tt.fp_to[k]), int(tt.fp_dur_s[k])
                tgt = self._first_wait(v, times + d + slack)
                # the next alighting time at s reaching the same wait node makes this edge redundant
                ok = (tgt >= 0) & (tgt != np.append(tgt[1:], -2))
                for a, w, t in zip(nodes[ok].tolist(), tgt[ok].tolist(), times[ok].tolist(), strict=True):
                    g.add_edge(a, w, weight=int(w_time[w - base] - t))
        self.g = g

    def _wait_at(self, stops: np.ndarray, times: np.ndarray) -> np.ndarray:
        key = stops.astype(np.int64) * (1 << 32) + times.astype(np.int64)
        allkey = self.w_stop * (1 << 32) + self.w_time
        return self.base + np.searchsorted(allkey, key)

    def _first_wait(self, stop: int, times: np.ndarray) -> np.ndarray:
        lo, hi = self.w_start[stop], self.w_start[stop + 1]
        pos = lo + np.searchsorted(self.w_time[lo:hi], times)
        return np.where(pos < hi, self.base + pos, -1)

    def earliest_arrival(self, sources: list[tuple[int, int]], target: int) -> int:
        """Earliest arrival time at stop ``target`` from (stop, time) labels; INF when unreachable."""
        src_node, sink = "src", "sink"
        starts = self.expand_labels(sources)
        best = min([t for s, t in starts if s == target], default=INF)
        added = self.link_sources(starts, src_node) + self.link_sink(target, sink, waiting=True)
        dist = self.shortest_and_restore(src_node, sink, added)
        return min(best, int(dist)) if dist != float("inf") else best

    def vehicle_arrival(self, labels: list[tuple[int, int]], target: int) -> int:
        """Earliest arrival at ``target`` by a vehicle, then at most one footpath, from (stop, time)
        labels without an initial footpath (what :func:`routing.transit.csa.bounded_scan` computes)."""
        starts = [(int(s), int(t)) for s, t in labels]
        added = self.link_sources(starts, "src") + self.link_sink(target, "sink", waiting=False)
        dist = self.shortest_and_restore("src", "sink", added)
        return int(dist) if dist != float("inf") else INF

    def link_sink(self, target: int, sink: object, *, waiting: bool) -> list[tuple[object, object]]:
        """Edges into ``sink``: leaving a vehicle at the target or walking one footpath into it
        after leaving one, and with ``waiting`` being there at all (a source)."""
        g, tt = self.g, self.tt
        added: list[tuple[object, object]] = []
        lo, hi = self.w_start[target], self.w_start[target + 1]
        for w in range(lo, hi) if waiting else ():
            g.add_edge(self.base + w, sink, weight=0)
            added.append((self.base + w, sink))
        for a in range(self.a_start[target], self.a_start[target + 1]):  # leaving a vehicle there
            g.add_edge(self.abase + a, sink, weight=0)
            added.append((self.abase + a, sink))
        in_off, in_from, in_dur = tt.footpaths_in
        for k in range(in_off[target], in_off[target + 1]):
            u, d = int(in_from[k]), int(in_dur[k])
            for a in range(self.a_start[u], self.a_start[u + 1]):
                g.add_edge(self.abase + a, sink, weight=d)
                added.append((self.abase + a, sink))
        return added

    # -- query scaffolding (bench/bench_door_to_door.py adds its own sink) ---------------------
    def expand_labels(self, labels: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """(stop, time) labels plus one footpath from each, as the engine walks them."""
        tt = self.tt
        starts: list[tuple[int, int]] = []
        for s, t in labels:
            starts.append((int(s), int(t)))
            for k in range(tt.fp_offsets[s], tt.fp_offsets[s + 1]):
                starts.append((int(tt.fp_to[k]), int(t + tt.fp_dur_s[k])))
        return starts

    def link_sources(self, starts: list[tuple[int, int]], src_node: object) -> list[tuple[object, object]]:
        """Edges from ``src_node`` to the first departure event at or after each start; returned
        so that :meth:`shortest_and_restore` can remove them."""
        added: list[tuple[object, object]] = []
        for s, t in starts:
            w = self._first_wait(s, np.array([t]))[0]
            if w >= 0:
                self.g.add_edge(src_node, int(w), weight=int(self.w_time[w - self.base]))
                added.append((src_node, int(w)))
        return added

    def shortest_and_restore(self, src_node: object, sink: object,
                             added: list[tuple[object, object]]) -> float:
        """Dijkstra from ``src_node`` to ``sink`` (inf when none), then the query edges and the two
        query nodes are removed so that the graph is as built."""
        g = self.g
        try:
            if src_node in g and sink in g:
                return float(nx.dijkstra_path_length(g, src_node, sink, weight="weight"))
            return float("inf")
        except nx.NetworkXNoPath:
            return float("inf")
        finally:
            g.remove_edges_from(added)
            for n in (src_node, sink):
                if n in g:
                    g.remove_node(n)


class ReferenceProfile:
    """Range queries by Dijkstra on a transfer-layered time-expanded graph (scipy), to check
    :func:`routing.transit.csa.profile`.

    The graph of :class:`ReferenceRouter` (dep, arr, wait, alighted nodes), restricted to the
    connections departing at or after ``t_lo`` and arriving by ``t_hi``, is copied once per
    number of legs still allowed after boarding (0..K-1); boarding moves down one layer. Edge
    weights are ``dt * KEY_W + walk`` so that one Dijkstra from the target over the reversed graph
    gives, at every node, the least (arrival, walking) key of reaching the target from it: for the
    departure node of every connection leaving a source stop (or a footpath neighbour) in the
    window, the best journey boarding it with each number of legs, in one search.
    """

    def __init__(self, tt: Timetable, t_lo: int, t_hi: int, K: int, key_w: int) -> None:
        import scipy.sparse as sp

        self.tt, self.K, self.W = tt, K, key_w
        c = np.flatnonzero((tt.dep_time >= t_lo) & (tt.arr_time <= t_hi))
        m = len(c)
        dep_t, arr_t = tt.dep_time[c].astype(np.int64), tt.arr_time[c].astype(np.int64)
        dep_s, arr_s = tt.dep_stop[c].astype(np.int64), tt.arr_stop[c].astype(np.int64)
        wkey = np.unique(np.concatenate([dep_s, arr_s]) * (1 << 32) + np.concatenate([dep_t, arr_t]))
        akey = np.unique(arr_s * (1 << 32) + arr_t)
        self.w_stop, self.w_time = wkey >> 32, wkey & 0xFFFFFFFF
        a_stop, a_time = akey >> 32, akey & 0xFFFFFFFF
        nw, na = len(wkey), len(akey)
        self.w_start = np.searchsorted(self.w_stop, np.arange(tt.n_stops + 1))
        a_start = np.searchsorted(a_stop, np.arange(tt.n_stops + 1))
        base, abase = 2 * m, 2 * m + nw
        n0 = abase + na
        self.n0, self.nw, self.base = n0, nw, base
        W = key_w
        src, dst, wt = [], [], []

        def add(a, b, w):
            src.append(np.asarray(a, np.int64))
            dst.append(np.asarray(b, np.int64))
            wt.append(np.asarray(w, np.float64))

        def wait_of(stop, time):
            return base + np.searchsorted(wkey, stop * (1 << 32) + time)

        # one boarded layer (offset added per layer below)
        ls, ld, lw = [], [], []

        def ladd(a, b, w):
            ls.append(np.asarray(a, np.int64))
            ld.append(np.asarray(b, np.int64))
            lw.append(np.asarray(w, np.float64))

        ladd(np.arange(m), m + np.arange(m), (arr_t - dep_t) * W)  # ride
        order = np.lexsort((tt.seq[c], tt.trip[c]))
        tr = tt.trip[c][order]
        nxt = np.flatnonzero(tr[:-1] == tr[1:])  # a trip's kept connections are consecutive
        a, b = order[nxt], order[nxt + 1]
        ladd(a, b, (dep_t[b] - dep_t[a]) * W)  # stay seated
        i = np.flatnonzero(self.w_stop[:-1] == self.w_stop[1:])
        wchain = (base + i, base + i + 1, (self.w_time[i + 1] - self.w_time[i]) * W)
        ladd(*wchain)
        ladd(m + np.arange(m), abase + np.searchsorted(akey, arr_s * (1 << 32) + arr_t), np.zeros(m))
        j = np.flatnonzero(a_stop[:-1] == a_stop[1:])
        ladd(abase + j, abase + j + 1, (a_time[j + 1] - a_time[j]) * W)
        ladd(abase + np.arange(na), wait_of(a_stop, a_time), np.zeros(na))
        for s in range(tt.n_stops):
            lo, hi = a_start[s], a_start[s + 1]
            if lo == hi:
                continue
            times = a_time[lo:hi]
            for k in range(tt.fp_offsets[s], tt.fp_offsets[s + 1]):
                v, d = int(tt.fp_to[k]), int(tt.fp_dur_s[k])
                wl, wh = self.w_start[v], self.w_start[v + 1]
                pos = wl + np.searchsorted(self.w_time[wl:wh], times + d)
                ok = pos < wh
                ladd(abase + np.arange(lo, hi)[ok], base + pos[ok],
                     (self.w_time[pos[ok]] - times[ok]) * W + d)
        ls, ld, lw = np.concatenate(ls), np.concatenate(ld), np.concatenate(lw)
        for r in range(K):
            add(ls + r * n0, ld + r * n0, lw)
        board_w = wait_of(dep_s, dep_t)
        for r in range(1, K):  # boarding from layer r (legs left) into layer r - 1
            add(board_w + r * n0, np.arange(m) + (r - 1) * n0, np.zeros(m))
        self.conn_node = np.full(tt.n_connections, -1, dtype=np.int64)
        self.conn_node[c] = np.arange(m)
        self.n = K * n0 + 1
        self.sink = self.n - 1
        self.edges = (np.concatenate(src), np.concatenate(dst), np.concatenate(wt))
        self.a_stop, self.a_time, self.abase = a_stop, a_time, abase
        self.a_start = a_start
        self._sp = sp

    def profile(self, sources: list[tuple[int, int]], ws: int, we: int, target: int,
                max_duration_s: int) -> list[tuple[int, int, int, int]]:
        """Pareto rows (departure, arrival, transfers, walk) as :func:`routing.transit.csa.profile` defines
        them, by brute force over every candidate departure time of the window."""
        from scipy.sparse.csgraph import dijkstra

        tt, K, W, n0 = self.tt, self.K, self.W, self.n0
        s_src, s_dst, s_w = self.edges
        ext_s, ext_w = [], []
        lo, hi = self.w_start[target], self.w_start[target + 1]
        in_off, in_from, in_dur = tt.footpaths_in
        for r in range(K):  # reach the target by vehicle, or walk there after alighting
            ext_s.append(self.base + np.arange(lo, hi) + r * n0)
            ext_w.append(np.zeros(hi - lo))
            for k in range(in_off[target], in_off[target + 1]):
                u, d = int(in_from[k]), int(in_dur[k])
                al = self.abase + np.arange(self.a_start[u], self.a_start[u + 1]) + r * n0
                ext_s.append(al)
                ext_w.append(np.full(len(al), d * (W + 1), dtype=np.float64))
        es = np.concatenate(ext_s)
        rows = np.concatenate([s_dst, np.full(len(es), self.sink)])  # reversed graph
        cols = np.concatenate([s_src, es])
        wts = np.concatenate([s_w, np.concatenate(ext_w)])
        wts = np.where(wts == 0, 1e-6, wts)
        g = self._sp.csr_matrix((wts, (rows, cols)), shape=(self.n, self.n))
        dist = dijkstra(g, directed=True, indices=self.sink)
        starts = []
        for s, off in sources:
            starts.append((int(off), 0, int(s)))
            for k in range(tt.fp_offsets[s], tt.fp_offsets[s + 1]):
                starts.append((int(off), int(tt.fp_dur_s[k]), int(tt.fp_to[k])))
        rows = set()
        for off, d, w in starts:
            for c in np.flatnonzero(tt.dep_stop == w).tolist():
                t0 = int(tt.dep_time[c]) - d - off
                node = self.conn_node[c]
                if not ws <= t0 <= we or node < 0:
                    continue
                prev = float("inf")
                for k in range(K):  # boarding c into layer k: k + 1 legs in all
                    dd = dist[node + k * n0]
                    if not np.isfinite(dd):
                        continue
                    key = round(dd) + int(tt.dep_time[c]) * W
                    if key < prev:  # exactly k + 1 legs
                        arr, walk = divmod(key + d, W)
                        if arr - t0 <= max_duration_s:
                            rows.add((t0, arr, k, walk))
                        prev = key
        return sorted(r for r in rows if not any(
            q[0] >= r[0] and q[1] <= r[1] and q[2] <= r[2] and q[3] <= r[3] and q != r for q in rows))
