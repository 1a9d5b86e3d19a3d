"""``python -m routing scenario list | show | apply | compare | rank-stops``: scenarios from the command line.

``rank-stops --top 20 [--json]`` ranks the stops to make wheelchair-accessible first
(:mod:`routing.scenarios.rank`).

``compare BASE NEW --opportunity jobs --window 08:00-09:00 --out diff.geojson`` writes the cells
(before, after, difference) as GeoJSON (or .csv / .parquet) and prints the per-commune table,
the equity figures and, with ``--pairs FILE.csv`` (from_lon, from_lat, to_lon, to_lat, name),
the travel times of those pairs before and after.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from routing import args as A
from routing.cli.options import add_data_options


def cmd_list(args: argparse.Namespace) -> int:
    from routing.scenarios.scenario import available_scenarios, load_scenario

    for path in available_scenarios():
        sc = load_scenario(path)
        print(f"{path.stem:<14} {sc.name}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from routing.scenarios.scenario import load_scenario

    sc = load_scenario(args.scenario)
    print(f"name:        {sc.name}\nfile:        {sc.file}\ndigest:      {sc.digest}")
    print(f"description: {sc.description}")
    for src in sc.sources:
        print(f"source:      {src.get('title')} {src.get('url', '')}".rstrip())
    for m in sc.modifications:
        extra = f" {len(m['stops'])} stops, {len(m['runs'])} runs per direction" if m["type"] == "add_line" else ""
        print(f"modification {m['label']}{extra}")
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    from routing.network.inputs import load_network
    from routing.scenarios.scenario import apply_scenario_full, load_scenario

    sc = load_scenario(args.scenario)  # read and counted before the network is loaded
    net = load_network(bundle=args.bundle, cache=args.cache, day=args.day)
    t0 = time.perf_counter()
    applied = apply_scenario_full(net.timetable, sc)
    elapsed = time.perf_counter() - t0
    print(f"baseline: {net.timetable}\nscenario: {applied.timetable}")
    for k, v in applied.stats.items():
        print(f"{k:>20}: {v:,}")
    print(f"{'apply_s':>20}: {elapsed:.3f}")
    return 0


def _pairs(path: str | None) -> Any:
    if not path:
        return None
    import pandas as pd

    return pd.read_csv(path, nrows=1000)


def _scenario_or_none(name: str) -> Any:
    """A scenario argument read and validated (ranges, budget, extends) before any data is loaded."""
    from routing.scenarios.scenario import load_scenario

    return name if name.lower() == "none" else load_scenario(name)


def cmd_compare(args: argparse.Namespace) -> int:
    from routing.network.inputs import load_frame, load_network, rennes_metropole_grid
    from routing.scenarios.compare import compare_scenarios

    base, new = _scenario_or_none(args.base), _scenario_or_none(args.new)
    net = load_network(bundle=args.bundle, cache=args.cache, day=args.day)
    grid = rennes_metropole_grid(bundle=args.bundle, cache=args.cache)
    names = None
    try:
        import pandas as pd

        communes = load_frame("communes", bundle=args.bundle, cache=args.cache)
        names = pd.Series(communes["name"].astype(str).to_numpy(), index=communes["insee"].astype(str).to_numpy())
    except Exception:  # noqa: BLE001 - names are a nicety
        names = None
    cmp = compare_scenarios(net, base, new, grid=grid, opportunity=args.opportunity, window=args.window,
                            cutoff_min=args.cutoff, threshold=args.threshold, commune_names=names,
                            pairs=_pairs(args.pairs), bundle=args.bundle, cache=args.cache, scheduler=args.dask)
    print(f"base:        {cmp.base_name}\nscenario:    {cmp.new_name}")
    print(f"opportunity: {cmp.opportunity_label}\nwindow:      {cmp.window}, within {cmp.cutoff_min} min (median)")
    for note in cmp.notes:
        print(f"note:        {note}")
    for k, v in cmp.equity.items():
        print(f"{k:>26}: {v:,.3f}" if isinstance(v, float) and abs(v) < 100 else f"{k:>26}: {v:,.0f}")
    print(f"{'threshold':>26}: {cmp.threshold:,.0f}")
    cols = [c for c in ("name", "insee", "population", "before", "after", "change", "change_pct")
            if c in cmp.communes.columns]
    print(cmp.communes[cols].head(args.top).round(1).to_string(index=False))
    if len(cmp.pairs):
        cols = [c for c in cmp.pairs.columns if c not in ("from_lon", "from_lat", "to_lon", "to_lat")]
        print(cmp.pairs[cols].round(1).to_string(index=False))
    print(f"{'time_s':>26}: {cmp.stats['total_s']:.1f}")
    if args.out:
        path = Path(args.out)
        suffix = path.suffix.lower()
        if suffix in (".geojson", ".json"):
            path.write_text(json.dumps(cmp.to_geojson(), ensure_ascii=False))
        elif suffix == ".csv":
            cmp.cells.drop(columns=["geometry"], errors="ignore").to_csv(path, index=False)
        elif suffix == ".parquet":
            cmp.cells.drop(columns=["geometry"], errors="ignore").to_parquet(path)
        else:
            raise ValueError(f"{args.out}: unknown output suffix {suffix!r} (use .geojson, .csv or .parquet)")
        print(f"{'written':>26}: {path}")
    return 0


def cmd_rank_stops(args: argparse.Namespace) -> int:
    from routing.accessibility.engine import opportunities
    from routing.network.inputs import load_network, rennes_metropole_grid
    from routing.scenarios.rank import rank_stops
    from routing.scenarios.scenario import network_with_scenario

    t0 = time.perf_counter()
    net = network_with_scenario(load_network(bundle=args.bundle, cache=args.cache, day=args.day), args.scenario)
    grid = rennes_metropole_grid(bundle=args.bundle, cache=args.cache)
    opp = opportunities(args.opportunity, net, grid=grid, bundle=args.bundle, cache=args.cache)
    t1 = time.perf_counter()
    ranking = rank_stops(net, grid, opp, top=args.top, candidates=args.candidates, window=args.window,
                         cutoff_min=args.cutoff, opportunity=args.opportunity)
    load_s, total_s = t1 - t0, time.perf_counter() - t0
    if args.json:
        print(json.dumps({**ranking.to_json(), "load_s": round(load_s, 1), "total_s": round(total_s, 1)},
                         ensure_ascii=False))
        return 0
    print(f"wheelchair profile, {args.opportunity} reached within {ranking.cutoff_min} min, window {ranking.window}")
    print(f"baseline (people x opportunities): {ranking.baseline:,.0f}; {ranking.candidates} candidates, "
          f"{ranking.evaluations} evaluations")
    cols = ["rank", "stop_id", "name", "departures", "people_nearby", "gain", "people_gaining", "cumulative_gain"]
    print(ranking.table[cols].round(0).to_string(index=False))
    if ranking.note() is not None:
        print(f"note: {ranking.note()}")
    print(f"time: {total_s:.1f} s (network and data {load_s:.1f} s, ranking {ranking.stats['total_s']:.1f} s)")
    return 0


def register(sub: Any) -> None:
    s = sub.add_parser("scenario", help="scenarios: list, show, apply, compare before/after")
    ss = s.add_subparsers(dest="scenario_command", required=True)
    p = ss.add_parser("list", help="the scenarios versioned in assets/scenarios")
    p.set_defaults(func=cmd_list)
    p = ss.add_parser("show", help="read and validate a scenario file")
    p.add_argument("scenario", help="a name of assets/scenarios or a .toml path")
    p.set_defaults(func=cmd_show)
    p = ss.add_parser("apply", help="apply a scenario to the service day and print what changed")
    add_data_options(p)
    p.add_argument("scenario")
    p.set_defaults(func=cmd_apply)
    p = ss.add_parser("compare", help="accessibility of every cell before and after")
    add_data_options(p)
    p.add_argument("base", help='baseline scenario (name, .toml path, or "none")')
    p.add_argument("new", help="scenario compared with the baseline")
    p.add_argument("--opportunity", default="jobs",
                   help="jobs (proxy: commuter-survey respondents by employer site), employers, business_zones, "
                        "population, stops, ...")
    # checked before anything is loaded (routing.args)
    p.add_argument("--window", default="08:00-09:00", type=A.typed(A.parse_window, "--window"))
    p.add_argument("--cutoff", type=A.typed(A.parse_count, "--cutoff", lo=1, hi=600), default=30, help="minutes")
    p.add_argument("--threshold", type=A.typed(A.parse_number, "--threshold", lo=0, hi=1e9),
                   help="gain of access to at least this many opportunities")
    p.add_argument("--pairs", type=A.typed(A.parse_input_file, "--pairs"),
                   help="CSV of origin-destination pairs (from_lon, from_lat, to_lon, to_lat, name)")
    p.add_argument("--top", type=A.typed(A.parse_count, "--top", lo=1, hi=10_000), default=15, help="communes printed")
    p.add_argument("--out", type=A.typed(A.parse_output, "--out", suffixes=(".geojson", ".csv", ".parquet")),
                   help="cells as .geojson, .csv or .parquet")
    p.add_argument("--dask", nargs="?", const="local", default=None, metavar="ADDRESS",
                   help="origin batches on Dask: a LocalCluster or a scheduler address")
    p.set_defaults(func=cmd_compare)
    p = ss.add_parser("rank-stops", help="the stops to make wheelchair-accessible first (greedy, by the gain "
                                         "in people x opportunities within 30 min)")
    add_data_options(p)
    p.add_argument("--top", type=A.typed(A.parse_count, "--top", lo=1, hi=200), default=20)
    p.add_argument("--candidates", type=A.typed(A.parse_count, "--candidates", lo=1, hi=10_000), default=None,
                   help="evaluate only this many inaccessible stops (most departures near most people; default: "
                        "every one an accessible route serves in the window)")
    p.add_argument("--opportunity", default="employers", choices=("employers", "business_zones", "population"))
    p.add_argument("--window", default="08:00-08:05", type=A.typed(A.parse_window, "--window"))
    p.add_argument("--cutoff", type=A.typed(A.parse_count, "--cutoff", lo=1, hi=600), default=30, help="minutes")
    p.add_argument("--scenario", default="default", help='network scenario (default: metro a on the 2011 feed)')
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rank_stops)
