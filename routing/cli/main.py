"""``python -m routing``: build the network, plan trips (and, with routing.accessibility.engine, more).

Exit codes: 0 ok, 1 no route / nothing found, 2 unusable input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Sequence

from routing import args as A
from routing.constants import DEFAULT_MODES, TRIP_MODES


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bundle", help="offline bundle directory (default $SPMD_BUNDLE)")
    p.add_argument("--cache", help="cache directory (default $SPMD_CACHE or data/)")
    p.add_argument("--day", type=A.typed(A.parse_date, "--day"), help="service day (default: the feed's representative weekday)")


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


def cmd_plan(args: argparse.Namespace) -> int:
    from routing.planner.planner import Planner, PlanParams

    # every argument was checked by the parser (routing.args) before this point
    modes, when, partner = args.modes, args.at, args.partner
    params = PlanParams(carpool_partner=partner, battery_kwh=args.battery_kwh, soc_start=args.soc,
                        transit_alternatives=args.alternatives)
    planner = Planner.from_bundle(args.bundle, day=args.day, cache=args.cache, scenario=args.scenario)
    if when is None:
        when = dt.datetime.combine(planner.date, dt.time(8, 0))
    if args.trip_updates:
        from sources.loaders.gtfs_rt import load_trip_updates

        planner = planner.with_trip_updates(load_trip_updates(args.trip_updates))
    result = planner.plan(args.origin, args.destination, when, arrive_by=args.arrive_by, modes=modes,
                          params=params)
    if args.json:
        print(result.to_json())
    elif args.geojson:
        print(json.dumps(result.to_geojson(), ensure_ascii=False))
    else:
        if not result.ok:
            print(f"no route: {result.reason}")
        for it in result.itineraries:
            s = it.summary()
            print(f"{s['label']:<18} {s['departure']:%H:%M} -> {s['arrival']:%H:%M}  "
                  f"{s['duration_s'] / 60:5.0f} min  {s['transfers']} transfer(s)  walk {s['walk_m']} m  "
                  f"CO2 {s['co2_g']} g")
            for leg in it.legs:
                route = f" [{leg.route}]" if leg.route else ""
                approx = " (approximate)" if leg.approximate else ""
                print(f"    {leg.departure:%H:%M} {leg.mode:<10}{route} {leg.from_name} -> {leg.to_name} "
                      f"({leg.distance_m:.0f} m){approx}")
            for note in it.notes:
                print(f"    note: {note}")
        for mode, why in result.reasons.items():
            print(f"no {mode}: {why}")
        for note in result.notes:
            print(f"note: {note}")
    return 0 if result.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = A.Parser(prog="python -m routing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build (or reuse) the network from the bundle and print its size")
    _common(b)
    b.add_argument("--no-cache", action="store_true", help="rebuild even when a cached network exists")
    b.add_argument("--graphml", type=A.typed(A.parse_output, "--graphml", suffixes=(".graphml", ".xml")),
                   help="also export the network as GraphML to this file")
    b.add_argument("--gpkg", type=A.typed(A.parse_output, "--gpkg", suffixes=(".gpkg",)),
                   help="also export streets, stops and points as GeoPackage to this file")
    b.set_defaults(func=cmd_build)
    p = sub.add_parser("plan", help="plan a trip")
    _common(p)
    p.add_argument("--from", dest="origin", required=True, type=A.typed(A.parse_place, "--from"),
                   help='"lat,lon" or a place name')
    p.add_argument("--to", dest="destination", required=True, type=A.typed(A.parse_place, "--to"),
                   help='"lat,lon" or a place name')
    p.add_argument("--at", default=None, type=A.typed(A.parse_datetime, "--at"),
                   help="ISO date-time, local or with an offset (departure, or arrival with --arrive-by); "
                        "default 08:00 on the network's service day")
    p.add_argument("--arrive-by", action="store_true")
    p.add_argument("--modes", default=",".join(DEFAULT_MODES),
                   type=A.typed(A.parse_modes, "--modes", allowed=TRIP_MODES),
                   help=f"comma-separated, among {', '.join(TRIP_MODES)}")
    p.add_argument("--partner", type=A.typed(A.parse_lat_lon, "--partner"), help='carpool passenger start "lat,lon"')
    from routing.planner.ev import EVParams

    p.add_argument("--battery-kwh", type=A.typed(A.parse_number, "--battery-kwh", lo=1, hi=300),
                   default=EVParams.battery_kwh)
    p.add_argument("--soc", type=A.typed(A.parse_number, "--soc", lo=0, hi=1, lo_open=True), default=EVParams.soc_start,
                   help="electric car state of charge at departure (0-1)")
    p.add_argument("--alternatives", type=A.typed(A.parse_count, "--alternatives", hi=10), default=0,
                   help="more transit itineraries (leaving later)")
    p.add_argument("--trip-updates", type=A.typed(A.parse_input_file, "--trip-updates"),
                   help="a GTFS-RT TripUpdates file (.pb) applied to the timetable")
    p.add_argument("--scenario", default="default",
                   help='scenario applied to the timetable: a name of assets/scenarios, a .toml path, or "none" '
                        "(default: metro a, estimated, on the 2011 bus-only feed)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--geojson", action="store_true")
    p.set_defaults(func=cmd_plan)
    try:
        from routing.cli import accessibility as accessibility_cli  # noqa: F401 - optional commands (issue 4)

        accessibility_cli.register(sub)
    except ImportError:
        pass
    from routing.planner import (
        simulate,  # trace simulation (moved from sources.traces: it drives the planner)
    )

    simulate.register(sub)
    from routing.cli import departures as departures_cli  # next departures (issue 13)

    departures_cli.register(sub)
    from routing.cli import scenario as scenario_cli  # scenario commands (issue 11)

    scenario_cli.register(sub)
    from routing.cli import journeys as journeys_cli  # range queries between two stops (issue 10)

    journeys_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # every argument checked here, before any data is loaded
    except SystemExit as exc:  # a bad argument (one line on stderr) or --help
        return exc.code if isinstance(exc.code, int) else 2
    from routing.places import PlaceNotFound
    from sources.errors import SourceError

    try:
        return int(args.func(args))
    except PlaceNotFound as exc:  # an unknown place, with suggestions
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
