"""``python -m routing build``: build (or reuse) the network from the bundle and print its size."""

from __future__ import annotations

import argparse
import time
from typing import Any

from routing import args as A
from routing.cli.options import add_data_options


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cmd_build(args: argparse.Namespace) -> int:
    from routing.network.inputs import load_network

    t0 = time.perf_counter()
    net = load_network(bundle=args.bundle, cache=args.cache, day=args.day, use_cache=not args.no_cache,
                       progress=True)
    elapsed = time.perf_counter() - t0
    summary = net.summary()
    for key, value in summary.items():
        print(f"{key:>18}: {value:,}" if isinstance(value, int) else f"{key:>18}: {value}")
    for note in net.notes:
        print(f"{'note':>18}: {note}")
    if net.components:
        print("street layers (largest strongly connected component; 'before' = the first layer alone, "
              "'joined' = layers merged, 'after' = with the roads approximated from bus lines):")
        for mode, stages in net.components.items():
            for stage, st in stages.items():
                print(f"{mode:>8} {stage:<7} {st['nodes']:>7,} nodes {st['arcs']:>7,} arcs "
                      f"{st['islands']:>5,} islands  largest {st['largest_share']:.1%}")
    print(f"{'time_s':>18}: {elapsed:.2f}")
    print(f"{'peak_rss_mb':>18}: {_peak_rss_mb():.0f}")
    if args.graphml:
        import networkx as nx

        from routing.network.inputs import networkx_graph

        graph = networkx_graph(net, cache=args.cache)
        nx.write_graphml(graph, args.graphml)
        print(f"{'networkx':>18}: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges")
        print(f"{'graphml':>18}: {args.graphml}")
    if args.gpkg:
        print(f"{'geopackage':>18}: {net.write_geopackage(args.gpkg)}")
    return 0



def register(sub: Any) -> None:
    """Add the ``build`` command to the routing CLI."""
    b = sub.add_parser("build", help="build (or reuse) the network from the bundle and print its size")
    add_data_options(b)
    b.add_argument("--no-cache", action="store_true", help="rebuild even when a cached network exists")
    b.add_argument("--graphml", type=A.typed(A.parse_output, "--graphml", suffixes=(".graphml", ".xml")),
                   help="also export the network as GraphML to this file")
    b.add_argument("--gpkg", type=A.typed(A.parse_output, "--gpkg", suffixes=(".gpkg",)),
                   help="also export streets, stops and points as GeoPackage to this file")
    b.set_defaults(func=cmd_build)
