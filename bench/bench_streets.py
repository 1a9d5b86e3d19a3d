"""Street networks: build time of both bundle line layers, and Dijkstra query times vs networkx.

Run: ``uv run python bench/bench_streets.py [--bundle DIR] [--queries N]``.
Prints medians and p95 in ms, and the ratio to networkx measured in the same run.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import networkx as nx
import numpy as np
from timing import agreement, clock, each, median_p95

from routing.streets import build_mode_graph, many_to_many, one_to_all, one_to_one
from sources import settings
from sources.loaders.streets import load_streets

LAYERS = ("streets/osm-rennes-named-streets-2013.geojson",
          "streets/rm-main-roads-traffic-2025-11-04.csv")


def _networkx_length(ref: nx.DiGraph, a: int, b: int) -> float:
    try:
        return nx.dijkstra_path_length(ref, a, b, weight="weight")
    except nx.NetworkXNoPath:
        return math.inf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundle", default=None)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    bundle = settings.bundle_dir(args.bundle) or settings.default_bundle_candidate()
    rng = np.random.default_rng(42)
    for layer in LAYERS:
        path = Path(bundle) / layer
        t_load, loaded = clock(load_streets, path, tolerance_m=10)
        net = loaded.data
        t_build, graphs = clock(lambda net=net: {mode: build_mode_graph(net, mode) for mode in ("walk", "bike", "car")})
        s = loaded.report.stats
        print(f"\n== {layer}")
        print(f"load + topology {t_load:.2f} s; mode graphs {t_build * 1000:.0f} ms; "
              f"{s['nodes']} nodes, {s['edges']} edges, {s['length_km']} km, "
              f"{s['components']} component(s); car SCC share {s['car_largest_scc_share']:.3f}, "
              f"walk WCC share {s['walk_largest_wcc_share']:.3f}")
        for mode in ("walk", "car"):
            graph = graphs[mode]
            ref = graph.to_networkx("cost")
            active = np.flatnonzero(graph.active)
            pairs = rng.choice(active, (args.queries, 2))
            one_to_one(graph, int(pairs[0, 0]), int(pairs[0, 1]))  # compile / load the cache
            ours, theirs, agree = [], [], 0
            for a, b in pairs:
                t, path = clock(one_to_one, graph, int(a), int(b))
                ours.append(t)
                t, want = clock(_networkx_length, ref, int(a), int(b))
                theirs.append(t)
                agree += (path.cost == want) or abs(path.cost - want) < 1e-6
            o50, o95 = median_p95(ours)
            n50, n95 = median_p95(theirs)
            print(f"{mode:4s} one-to-one: numba {o50:.3f} ms median / {o95:.3f} p95; networkx "
                  f"{n50:.3f} / {n95:.3f}; ratio x{n50 / o50:.0f}; {agreement('equal', agree, len(pairs))}")
            sources = pairs[: max(10, args.queries // 10), 0]
            ours, _ = each(lambda a, g=graph: one_to_all(g, int(a)), sources)
            theirs, _ = each(lambda a, r=ref: nx.single_source_dijkstra_path_length(r, int(a), weight="weight"),
                             sources)
            o50, o95 = median_p95(ours)
            n50, n95 = median_p95(theirs)
            print(f"{mode:4s} one-to-all: numba {o50:.3f} ms median / {o95:.3f} p95; networkx "
                  f"{n50:.3f} / {n95:.3f}; ratio x{n50 / o50:.0f}")
            t_batch, _ = clock(many_to_many, graph, sources)
            print(f"{mode:4s} many-to-all ({len(sources)} sources, scipy csgraph): "
                  f"{t_batch * 1000:.1f} ms")


if __name__ == "__main__":
    main()
