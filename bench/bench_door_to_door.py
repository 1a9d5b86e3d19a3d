"""Benchmark of door-to-door earliest arrival (walk + bus + walk) on the Rennes bundle.

    uv run python bench/bench_door_to_door.py [--queries 1000] [--reference 100] [--seed 7]
                                              [--bundle DIR] [--cache DIR]

Seeded random origin/destination points inside the street layer (a random node of the walk
layer moved by up to ~70 m, so some points fall a little off it), departure uniform in
07:00-09:00 on the feed's representative weekday (Tuesday 2011-11-15). Measured in one run, on the same queries:

* the planner: ``Planner.plan(o, d, when, modes=("transit",))`` (itinerary with legs and
  geometry, or "no route" when walking beats every bus);
* the engine path: link both ends to every street layer (as the planner does), the stops within
  a 15-min walk at both ends (``routing.linking.street_times``, what ``Planner.stop_access``
  runs: ``bench/access.py``), one ``csa.earliest_arrival`` from the access labels with the egress
  stops as targets, best arrival = min over egress stops of (stop arrival + walk to the door);
* a NetworkX reference for the same door-to-door question: the walk layer as a NetworkX
  graph (Dijkstra for access and egress), then the time-expanded graph of the timetable of
  ``devkit/reference_router.py`` extended with a source linked to the access labels and a
  sink linked from the egress stops (weighted by the walk to the door): ratio and equality.

Targets: engine p50 <= 2 ms, p95 <= 5 ms, >= 100x faster than the reference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
from pathlib import Path

import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from access import StopAccess  # noqa: E402
from timing import agreement, clock, each, line, load_average, median, median_p95, repeat  # noqa: E402

from devkit.reference_router import ReferenceRouter  # noqa: E402
from routing import linking  # noqa: E402
from routing.network import load_network  # noqa: E402
from routing.places import Place  # noqa: E402
from routing.planner import Planner, PlanParams  # noqa: E402
from routing.transit import csa  # noqa: E402
from sources.geo import haversine_m  # noqa: E402

INF = math.inf


def show(name: str, ts: list[float], base: list[float] | None = None) -> None:
    line(name, ts, base, of="reference", faster=True, name_width=44)


# -- the engine path ---------------------------------------------------------------------------

def engine_earliest_arrival(access: StopAccess, origin: Place, destination: Place, t_s: float,
                            max_walk_s: float) -> float:
    """Door-to-door earliest arrival (seconds since midnight, inf when none) on the arrays."""
    o = access.link(origin.lon, origin.lat)
    d = access.link(destination.lon, destination.lat)
    src, src_s = access.stops(origin.lon, origin.lat, o, max_walk_s)
    eg, eg_s = access.stops(destination.lon, destination.lat, d, max_walk_s)
    if not len(src) or not len(eg):
        return INF
    labels = np.column_stack([src, np.ceil(t_s + src_s)]).astype(np.int64)
    res = csa.earliest_arrival(access.network.timetable, labels, targets=eg)
    t = res.time[eg]
    ok = t < csa.UNREACHABLE
    return float((t[ok] + eg_s[ok]).min()) if ok.any() else INF


# -- the NetworkX reference --------------------------------------------------------------------

class DoorToDoorReference(ReferenceRouter):
    """The time-expanded reference, plus NetworkX walking at both ends.

    Same rules as the planner's engine path (:mod:`routing.linking`): each end and each stop
    link to the walk layer's main component (the linking rule is shared), the walk between them
    is searched here with NetworkX (connector + Dijkstra + connector), and the direct straight
    line x detour competes where either end is off the layer; access and egress are kept up to
    ``max_walk_s``, rounded up to the second as the planner does.
    """

    def __init__(self, access: StopAccess) -> None:
        net = access.network
        super().__init__(net.timetable)
        self.net = net
        self.walk_nx = net.graphs["walk"].to_networkx("travel_time_s")
        self.stop_links = access.stop_links
        self.stops_at: dict[int, list[int]] = {}
        for s in np.flatnonzero(self.stop_links.linked):
            self.stops_at.setdefault(int(self.stop_links.node[s]), []).append(int(s))

    def access(self, place: Place, links: dict[str, linking.Links], max_walk_s: float) -> dict[int, float]:
        ln, sl = links["walk"], self.stop_links
        out: dict[int, float] = {}
        if ln.linked[0]:
            start = float(ln.seconds[0])
            dist = nx.single_source_dijkstra_path_length(self.walk_nx, int(ln.node[0]),
                                                         cutoff=max_walk_s - start, weight="weight")
            for node, d in dist.items():
                for s in self.stops_at.get(node, ()):
                    t = start + d + float(sl.seconds[s])
                    if t <= max_walk_s and t < out.get(s, INF):
                        out[s] = t
        direct = linking.direct_s(haversine_m(place.lon, place.lat, self.tt.stop_lon, self.tt.stop_lat),
                                  "walk")
        for s in np.flatnonzero((ln.approximate[0] | sl.approximate) & (direct <= max_walk_s)):
            if direct[s] < out.get(int(s), INF):
                out[int(s)] = float(direct[s])
        return {s: float(math.ceil(t - 1e-9)) for s, t in out.items()}

    def door_to_door(self, o: tuple[Place, dict[str, linking.Links]], d: tuple[Place, dict[str, linking.Links]],
                     t_s: float, max_walk_s: float) -> float:
        tt, g = self.tt, self.g
        acc = self.access(*o, max_walk_s)
        egr = self.access(*d, max_walk_s)
        if not acc or not egr:
            return INF
        src_node, sink = "src", "sink"
        starts = self.expand_labels([(s, int(math.ceil(t_s + a))) for s, a in acc.items()])
        best = min([t + egr[s] for s, t in starts if s in egr], default=INF)
        added = self.link_sources(starts, src_node)
        in_off, in_from, in_dur = tt.footpaths_in
        for s, e in egr.items():
            for a in range(self.a_start[s], self.a_start[s + 1]):  # alight at s, walk to the door
                g.add_edge(self.abase + a, sink, weight=e)
                added.append((self.abase + a, sink))
            for k in range(in_off[s], in_off[s + 1]):  # alight at u, one footpath to s, walk on
                u, d = int(in_from[k]), int(in_dur[k])
                for a in range(self.a_start[u], self.a_start[u + 1]):
                    w = d + e
                    if not g.has_edge(self.abase + a, sink) or g[self.abase + a][sink]["weight"] > w:
                        g.add_edge(self.abase + a, sink, weight=w)
                        added.append((self.abase + a, sink))
        return min(best, self.shortest_and_restore(src_node, sink, added))


# -- the run -----------------------------------------------------------------------------------

def random_points(planner: Planner, n: int, rng: np.random.Generator) -> list[tuple[Place, Place, float]]:
    walk = planner.network.graphs["walk"]
    nodes = np.flatnonzero(walk.active)
    out = []
    for i in range(n):
        a, b = rng.choice(nodes, 2, replace=False)
        j = rng.uniform(-0.0006, 0.0006, 4)  # up to ~70 m
        o = Place(f"o{i}", "coordinates", float(walk.lon[a] + j[0]), float(walk.lat[a] + j[1]))
        d = Place(f"d{i}", "coordinates", float(walk.lon[b] + j[2]), float(walk.lat[b] + j[3]))
        out.append((o, d, float(rng.uniform(7 * 3600, 9 * 3600))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--reference", type=int, default=100, help="queries also run on the NetworkX reference")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3,
                        help="engine runs per query; the best is also reported (filters scheduler noise)")
    parser.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE", str(ROOT.parent / "shared/data/rennes")))
    parser.add_argument("--cache", default=None, help="cache directory (default $SPMD_CACHE or data/)")
    args = parser.parse_args()

    t_net, net = clock(load_network, bundle=args.bundle, cache=args.cache)
    print(f"network ready in {t_net:.2f} s: {net.summary()['stops']} stops, "
          f"{net.timetable.n_connections:,} connections, {net.graphs['walk'].n_nodes:,} street nodes")
    planner = Planner(net)
    access = StopAccess(net)
    params = PlanParams()
    rng = np.random.default_rng(args.seed)
    queries = random_points(planner, args.queries, rng)
    base = dt.datetime.combine(net.day, dt.time())

    def engine(o: Place, d: Place, t: float) -> float:
        return engine_earliest_arrival(access, o, d, t, params.max_walk_s)

    def plan(o: Place, d: Place, t: float):
        return planner.plan(o, d, base + dt.timedelta(seconds=t), modes=("transit",))

    # warm up (numba kernels, kd-trees)
    for o, d, t in queries[:5]:
        engine(o, d, t)
        plan(o, d, t)

    eng_t, eng_v, eng_best = [], [], []
    for q in queries:
        runs, v = repeat(lambda q=q: engine(*q), args.repeat)
        eng_t.append(runs[0])
        eng_best.append(min(runs))
        eng_v.append(v)
    plan_t, plans = each(plan, queries, star=True)
    n_ok = sum(res.ok for res in plans)
    reached = sum(math.isfinite(v) for v in eng_v)
    print(f"{len(queries)} door-to-door queries: {reached} reach the destination through stops, "
          f"{n_ok} with a bus itinerary (the others: walking is faster, or no stop within 15 min)")

    k = min(args.reference, len(queries))
    t_ref, ref = clock(DoorToDoorReference, access)
    print(f"reference: time-expanded graph {ref.g.number_of_nodes():,} nodes, {ref.g.number_of_edges():,} edges "
          f"+ walk graph {ref.walk_nx.number_of_nodes():,} nodes, built in {t_ref:.1f} s")

    def reference(o: Place, d: Place, t: float) -> float:
        return ref.door_to_door((o, access.link(o.lon, o.lat)), (d, access.link(d.lon, d.lat)), t,
                                params.max_walk_s)

    ref_t, ref_v = each(reference, queries[:k], star=True)
    equal, mismatches = 0, []
    for (o, d, t), v, r in zip(queries[:k], eng_v[:k], ref_v, strict=True):
        if (r == v) or (math.isfinite(r) and math.isfinite(v) and abs(r - v) < 1e-6):
            equal += 1
        else:
            mismatches.append((o, d, t, v, r))
    show("engine path (snap + access + CSA + egress)", eng_t)
    show(f"engine path, best of {args.repeat} runs per query", eng_best)
    show("engine path, same queries as the reference", eng_t[:k], ref_t)
    show("planner.plan(modes=('transit',))", plan_t)
    show("planner.plan, same queries as the reference", plan_t[:k], ref_t)
    show("NetworkX reference (walk + time-expanded)", ref_t)
    per_query = np.asarray(ref_t) / np.asarray(eng_t[:k])
    print(f"per-query ratio reference/engine: median x{median(per_query):,.0f}, min x{per_query.min():,.0f}")
    print(agreement("engine == reference", equal, k))
    for o, d, t, v, r in mismatches[:5]:
        print(f"  MISMATCH ({o.lat:.5f},{o.lon:.5f}) -> ({d.lat:.5f},{d.lon:.5f}) at {t:.0f}: engine {v} ref {r}")
    p50, p95 = median_p95(eng_t)
    ratio = median(ref_t) / median(eng_t[:k])
    print(load_average())
    print(f"targets: engine p50 {p50:.3f} ms (<= 2: {'ok' if p50 <= 2 else 'MISSED'}), "
          f"p95 {p95:.3f} ms (<= 5: {'ok' if p95 <= 5 else 'MISSED'}), "
          f"x{ratio:,.0f} faster than the reference (>= 100: {'ok' if ratio >= 100 else 'MISSED'}), "
          f"equal {equal}/{k}")


if __name__ == "__main__":
    main()
