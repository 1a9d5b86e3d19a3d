"""The benches' exact baseline for the timetable engine: NetworkX Dijkstra on a time-expanded graph.

It answers the question of :func:`routing.transit.csa.earliest_arrival` with a completely
different method, on the same :class:`routing.Timetable` (connections and footpaths), under the
same rules: changing vehicles at one stop takes 0 s (arrive at t, board at t); after leaving a
vehicle, one footpath may be walked (no chaining); from the initial labels, one footpath may be
walked. ``bench_csa.py`` times it against the engine stop to stop, ``bench_door_to_door.py`` with
walking at both ends; both count the answers equal to the engine's.

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

Edge weights are time differences, so a node's Dijkstra distance from a source at time 0 is the
absolute time at which it is reached. A query adds a source node and a sink node, then removes them.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from routing import Timetable

#: "not reached" of the reference (the engine's own sentinel may differ)
INF = 2**31 - 1


class ReferenceRouter:
    """Time-expanded graph of ``tt`` and Dijkstra queries on it."""

    def __init__(self, tt: Timetable) -> None:
        self.tt = tt
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
        g.add_weighted_edges_from(zip(a_nodes.tolist(), self._wait_at(a_stop, a_time).tolist(),
                                      [0] * len(a_stop), strict=True))
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
                tgt = self._first_wait(v, times + d)
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

    # -- query scaffolding (bench_door_to_door.py adds its own sink) ---------------------------
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
