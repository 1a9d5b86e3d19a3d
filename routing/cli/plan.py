"""``python -m routing plan``: door-to-door itineraries between two places.

``--at`` is a time of day on the network's service day (``--day``, default the feed's
representative weekday; 08:00 when omitted) or an ISO date-time.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from routing import args as A
from routing.cli.options import (
    add_at_option,
    add_data_options,
    add_place_option,
    at_on,
    service_day,
)
from routing.constants import DEFAULT_MODES, TRIP_MODES


def cmd_plan(args: argparse.Namespace) -> int:
    from routing.planner.planner import Planner, PlanParams

    # every argument was checked by the parser (routing.args) before this point
    modes, when, partner = args.modes, args.at, args.partner
    params = PlanParams(carpool_partner=partner, battery_kwh=args.battery_kwh, soc_start=args.soc,
                        transit_alternatives=args.alternatives, wheelchair=args.wheelchair)
    day = service_day(args)
    if day is not None:  # --day, or the date of --at, outside the feed: refused before the network is built
        from routing.network.inputs import check_service_day

        check_service_day(day, bundle=args.bundle, cache=args.cache)
    updates = None
    if args.trip_updates:  # parsed (and its budgets checked) before the network is loaded
        from sources.loaders.gtfs_rt import load_trip_updates

        updates = load_trip_updates(args.trip_updates)
    planner = Planner.from_bundle(args.bundle, day=args.day, cache=args.cache, scenario=args.scenario)
    when = at_on(planner.date, when)  # a time of day (or none: 08:00) on the network's service day
    if updates is not None:
        planner = planner.with_trip_updates(updates)
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



def register(sub: Any) -> None:
    """Add the ``plan`` command to the routing CLI."""
    from routing.planner.ev import EVParams

    p = sub.add_parser("plan", help="plan a trip")
    add_data_options(p)
    add_place_option(p, "--from", "origin", help='"lat,lon" or a place name')
    add_place_option(p, "--to", "destination", help='"lat,lon" or a place name')
    add_at_option(p, default=None,
                  help="HH:MM on the network's service day, or an ISO date-time, local or with an offset "
                       "(departure, or arrival with --arrive-by); default 08:00 on the service day")
    p.add_argument("--arrive-by", action="store_true")
    p.add_argument("--modes", default=",".join(DEFAULT_MODES),
                   type=A.typed(A.parse_modes, "--modes", allowed=TRIP_MODES),
                   help=f"comma-separated, among {', '.join(TRIP_MODES)}")
    p.add_argument("--partner", type=A.typed(A.parse_lat_lon, "--partner"), help='carpool passenger start "lat,lon"')
    p.add_argument("--battery-kwh", type=A.typed(A.parse_number, "--battery-kwh", lo=1, hi=300),
                   default=EVParams.battery_kwh)
    p.add_argument("--soc", type=A.typed(A.parse_number, "--soc", lo=0, hi=1, lo_open=True), default=EVParams.soc_start,
                   help="electric car state of charge at departure (0-1)")
    p.add_argument("--wheelchair", action="store_true",
                   help="wheelchair profile: accessible stops and lines only, reduced speed, steps avoided")
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
