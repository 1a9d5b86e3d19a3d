"""``python -m routing isochrone | accessibility | matrix``: accessibility from the command line.

Outputs go to ``--out`` by suffix: ``.geojson``/``.json`` (GeoJSON), ``.parquet``, ``.csv``;
without ``--out`` a short table (or the isochrone GeoJSON) is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from routing import args as A
from routing.cli.options import (
    add_at_option,
    add_data_options,
    add_place_option,
    add_scenario_option,
    service_day,
)
from routing.clock import seconds_of_day
from routing.constants import ACCESS_MODES, OPPORTUNITY_KINDS

#: the point sets of --origins / --destinations (--opportunities: an opportunity kind)
POINT_SETS = ("cells", "communes", "iris", *OPPORTUNITY_KINDS)

#: output suffixes of a table with geometries (isochrone, accessibility) and without (matrix)
GEO_SUFFIXES = (".geojson", ".json", ".parquet", ".csv")
TABLE_SUFFIXES = (".parquet", ".csv")


def _common(p: argparse.ArgumentParser, *, suffixes: tuple[str, ...] = GEO_SUFFIXES) -> None:
    add_data_options(p)
    add_scenario_option(p)
    p.add_argument("--mode", default="transit", choices=ACCESS_MODES)
    p.add_argument("--wheelchair", action="store_true",
                   help="the wheelchair profile: accessible stops and lines, reduced speed, steps avoided")
    p.add_argument("--out", type=A.typed(A.parse_output, "--out", suffixes=suffixes),
                   help=f"output file ({', '.join(suffixes)})")


def _dask(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dask", nargs="?", const="local", default=None, metavar="ADDRESS",
                   help="run origin batches on Dask: a LocalCluster (2 processes) or a scheduler address")


def _write(frame: Any, out: str | None, *, geo: bool = False) -> None:
    if out is None:
        if geo:
            print(frame.to_json(drop_id=True))
        else:
            cols = [c for c in frame.columns if c != "geometry"]
            print(frame[cols].head(20).to_string())
            print(f"({len(frame)} rows)")
        return
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        if not hasattr(frame, "geometry"):
            raise ValueError(f"{out}: GeoJSON needs geometries; use .csv or .parquet for this table")
        path.write_text(frame.to_json(drop_id=True))
    elif suffix == ".parquet":
        frame.to_parquet(path)
    elif suffix == ".csv":
        cols = [c for c in frame.columns if c != "geometry"]
        frame[cols].to_csv(path, index=False)
    else:
        raise ValueError(f"{out}: unknown output suffix {suffix!r} (use .geojson, .parquet or .csv)")
    print(f"wrote {path} ({len(frame)} rows)", file=sys.stderr)


def _network(args: argparse.Namespace) -> Any:
    """The network the planner answers on (``--scenario``, default metro a on the 2011 feed)."""
    from routing.network.inputs import load_network
    from routing.scenarios.scenario import network_with_scenario

    return network_with_scenario(load_network(bundle=args.bundle, cache=args.cache, day=args.day), args.scenario)


def _load(args: argparse.Namespace, net: Any = None, *, cells_request: str | None = None) -> tuple[Any, Any, Any]:
    """Network, engine and grid; ``cells_request`` (its name): the cells are the origins, and a
    request over the budget is refused before the network is loaded."""
    from routing.accessibility.engine import AccessibilityEngine
    from routing.network.inputs import rennes_metropole_grid

    grid = rennes_metropole_grid(bundle=args.bundle, cache=args.cache)
    if cells_request:
        _check_request(grid, args.window, cells_request)
    if net is None:
        net = _network(args)
    return net, AccessibilityEngine(net, wheelchair=getattr(args, "wheelchair", False)), grid


def cmd_isochrone(args: argparse.Namespace) -> int:
    from routing.accessibility.engine import isochrone
    from routing.planner.planner import Planner

    bands = args.bands
    secs, args.day = seconds_of_day(args.at), service_day(args)
    net = _network(args)
    place = Planner(net).resolve_place(args.origin)  # unknown: PlaceNotFound, exit 2 before the grid is built
    net, engine, grid = _load(args, net)
    iso = isochrone(engine, grid, (place.lon, place.lat), mode=args.mode, departure=secs, window=args.window,
                    bands_min=bands, arrive_by=args.arrive_by)
    iso["origin"] = place.name
    iso["mode"] = args.mode
    _write(iso, args.out, geo=True)
    return 0 if int(iso["cells"].max()) > 0 else 1


def _points(spec: str, net: Any, grid: Any, args: argparse.Namespace) -> Any:
    """Origins / destinations: cells, communes, iris, or an opportunity kind."""
    from routing.accessibility.engine import OPPORTUNITY_KINDS, Points, opportunities
    from routing.network.inputs import load_frame
    from routing.network.zones import commune_zones, iris_zones

    if spec == "cells":
        return Points.from_frame(grid, id_col="cell_id")
    if spec == "communes":
        return Points.from_frame(commune_zones(load_frame("communes", bundle=args.bundle, cache=args.cache)),
                                 id_col="zone_id")
    if spec == "iris":
        return Points.from_frame(iris_zones(load_frame("iris", bundle=args.bundle, cache=args.cache)),
                                 id_col="zone_id")
    if spec in OPPORTUNITY_KINDS:
        return opportunities(spec, net, grid=grid, bundle=args.bundle, cache=args.cache, window=args.window)
    raise ValueError(f"unknown points {spec!r}: cells, communes, iris or one of {', '.join(OPPORTUNITY_KINDS)}")


def _check_request(origins: Any, window: str, what: str) -> None:
    """Origins x departure minutes within ``budgets().max_cell_departures``, before any scan."""
    from sources.budgets import budgets

    budgets().check("max_cell_departures", len(origins) * A.window_minutes(window), what=what)


def cmd_accessibility(args: argparse.Namespace) -> int:
    from routing.accessibility.engine import Measure, accessibility

    percentiles = args.percentiles
    measure = Measure(kind=args.measure, cutoff_s=args.cutoff * 60, decay=args.decay, k=args.k)
    net, engine, grid = _load(args, cells_request="accessibility request")
    opp = _points(args.opportunities, net, grid, args)
    origins = _points("cells", net, grid, args)
    res = accessibility(engine, origins, opp, mode=args.mode, window=args.window, measure=measure,
                        percentiles=percentiles, scheduler=args.dask, destinations_key=args.opportunities)
    out = grid[["cell_id", "insee", "population", "geometry"]].copy()
    for col in res.columns:
        if col != "origin_id":
            out[col] = res[col].to_numpy()
    _write(out, args.out)
    return 0


def cmd_matrix(args: argparse.Namespace) -> int:
    from routing.accessibility.engine import travel_time_matrix

    percentiles = args.percentiles
    net, engine, grid = _load(args, cells_request="matrix request" if args.origins == "cells" else None)
    origins = _points(args.origins, net, grid, args)
    dests = _points(args.destinations, net, grid, args)
    _check_request(origins, args.window, "matrix request")
    res = travel_time_matrix(engine, origins, dests, mode=args.mode, window=args.window,
                             cutoff_s=args.cutoff * 60, percentiles=percentiles, scheduler=args.dask)
    _write(res, args.out)
    return 0 if len(res) else 1


def register(sub: Any) -> None:
    """Add the ``isochrone``, ``accessibility`` and ``matrix`` commands to the routing CLI."""
    p = sub.add_parser("isochrone", help="isochrone bands around a place (GeoJSON)")
    _common(p)
    add_place_option(p, "--from", "origin", help='"lat,lon" or a place name')
    add_at_option(p, default="08:00",
                  help="departure time: HH:MM on the service day, or an ISO date-time (local or with an offset)")
    p.add_argument("--window", type=A.typed(A.parse_window, "--window"),
                   help="departure window HH:MM-HH:MM (median over its minutes)")
    p.add_argument("--bands", default="10,20,30,45,60", type=A.typed(A.parse_bands, "--bands"),
                   help="minutes, comma-separated, increasing")
    p.add_argument("--arrive-by", action="store_true", help="bands of the places reaching --from by --at")
    p.set_defaults(func=cmd_isochrone)

    a = sub.add_parser("accessibility", help="accessibility of every 200 m cell of Rennes Métropole")
    _common(a)
    _dask(a)
    a.add_argument("--opportunities", default="bikeshare", choices=OPPORTUNITY_KINDS, metavar="KIND",
                   help="stops, bikeshare, carpool, charger, park_ride, employers, business_zones, population")
    a.add_argument("--window", default="08:00-09:00", type=A.typed(A.parse_window, "--window"))
    a.add_argument("--cutoff", type=A.typed(A.parse_number, "--cutoff", lo=0, hi=600, lo_open=True), default=30.0,
                   help="minutes")
    a.add_argument("--measure", default="cumulative", choices=("cumulative", "gravity", "nearest"))
    a.add_argument("--decay", default="step", choices=("step", "linear", "exponential", "logistic"))
    a.add_argument("--k", type=A.typed(A.parse_number, "--k", lo=0, hi=1e6, lo_open=True), default=1.0,
                   help="opportunities to gather (nearest)")
    a.add_argument("--percentiles", default="50", type=A.typed(A.parse_percentiles, "--percentiles"),
                   help="order statistics over the window, e.g. 25,50,75")
    a.set_defaults(func=cmd_accessibility)

    m = sub.add_parser("matrix", help="travel-time matrix between cells, zones or points")
    _common(m, suffixes=TABLE_SUFFIXES)
    _dask(m)
    m.add_argument("--origins", default="communes", choices=POINT_SETS, metavar="POINTS",
                   help="cells, communes, iris or an opportunity kind")
    m.add_argument("--destinations", default="communes", choices=POINT_SETS, metavar="POINTS")
    m.add_argument("--window", default="08:00-09:00", type=A.typed(A.parse_window, "--window"))
    m.add_argument("--cutoff", type=A.typed(A.parse_number, "--cutoff", lo=0, hi=600, lo_open=True), default=60.0,
                   help="minutes")
    m.add_argument("--percentiles", default="50", type=A.typed(A.parse_percentiles, "--percentiles"),
                   help="e.g. 25,50,75")
    m.set_defaults(func=cmd_matrix)

