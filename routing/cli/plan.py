"""``python -m routing plan``: door-to-door itineraries between two places.

``--at`` is a time of day on the network's service day (``--day``, default the feed's
representative weekday; 08:00 when omitted) or an ISO date-time.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
    served = None
    if day is not None:  # --day, or the date of --at: outside the feed, the same kind of day in it
        from routing.network.inputs import service_day_for

        served = service_day_for(day, bundle=args.bundle, cache=args.cache)
        day = served.used
    updates = None
    if args.trip_updates:  # parsed (and its budgets checked) before the network is loaded
        from sources.loaders.gtfs_rt import load_trip_updates

        updates = load_trip_updates(args.trip_updates)
    planner = Planner.from_bundle(args.bundle, cache=args.cache, scenario=args.scenario)
    if day is not None:  # that day's timetable on the cached streets: no network built for the day
        planner = planner.on_day(day, bundle=args.bundle, cache=args.cache, scenario=args.scenario)
    # a time of day (or none: 08:00) on the network's service day, the one that answers for --at's date
    when = at_on(planner.date, when.time() if isinstance(when, dt.datetime) else when)
    if updates is not None:
        planner = planner.with_trip_updates(updates)
    result = planner.plan(args.origin, args.destination, when, arrive_by=args.arrive_by, modes=modes,
                          params=params)
    banner = served.message() if served is not None else None
    if banner is not None:
        result.notes.insert(0, banner)
    if args.json:
        print(plan_json(result, args.lang, served))
    elif args.geojson:
        print(json.dumps(result.to_geojson(), ensure_ascii=False))
    else:
        print_plan(result, args.lang)
    return 0 if result.ok else 1


def plan_json(result: Any, lang: str, served: Any = None) -> str:
    """``result.to_json()`` with every message (steps, notes, reasons, price basis) as plain text in
    ``lang``, and the service day used."""
    from routing.messages import render

    doc = json.loads(result.to_json())
    originals = result.itineraries
    doc["reason"] = render(result.reason, lang) if result.reason else None
    doc["notes"] = [render(n, lang) for n in result.notes]
    doc["reasons"] = {m: render(r, lang) for m, r in result.reasons.items()}
    for it_doc, it in zip(doc["itineraries"], originals, strict=True):
        it_doc["notes"] = [render(n, lang) for n in it.notes]
        it_doc["price_basis"] = render(it.price.basis, lang) if it.price is not None else None
        for leg_doc, leg in zip(it_doc["legs"], it.legs, strict=True):
            leg_doc["steps"] = [render(s, lang) for s in leg.steps]
            leg_doc["notes"] = [render(n, lang) for n in leg.notes]
    if served is not None:
        doc["service_day"] = {"requested": served.requested.isoformat(), "used": served.used.isoformat(),
                              "kind": served.kind}
    return json.dumps(doc, default=str, ensure_ascii=False, indent=2)


def print_plan(result: Any, lang: str) -> None:
    """The itineraries as text: a line per itinerary (times, duration, transfers, walk, price, CO2),
    a line per leg and its steps below, in ``lang``."""
    from routing.messages import render
    from sources.i18n import format_co2, format_distance, format_money, mode_name, plural, translate

    if not result.ok:
        print(translate("cli.no_route", lang, reason=render(result.reason, lang)))
    for it in result.itineraries:
        s = it.summary()
        price = format_money(it.price.euros, lang) if it.price is not None else "?"
        print(f"{mode_name(s['label'], lang):<18} {s['departure']:%H:%M} -> {s['arrival']:%H:%M}  "
              f"{s['duration_s'] / 60:5.0f} min  {plural('unit.transfers', s['transfers'], lang)}  "
              f"{translate('cli.walk', lang, distance=format_distance(s['walk_m'], lang))}  {price}  "
              f"CO2 {format_co2(it.co2_g, lang)}")
        if it.next_departures:
            times = ", ".join(f"{t:%H:%M}" for t in it.next_departures)
            print(f"    {translate('cli.next_departures', lang, times=times)}")
        if it.price is not None:
            print(f"    {translate('cli.price', lang, basis=render(it.price.basis, lang))}")
        for leg in it.legs:
            route = f" [{leg.route}]" if leg.route else ""
            approx = f" ({translate('cli.approximate', lang)})" if leg.approximate else ""
            print(f"    {leg.departure:%H:%M} {mode_name(leg.mode, lang):<10}{route} {leg.from_name} -> "
                  f"{leg.to_name} ({format_distance(leg.distance_m, lang)}){approx}")
            for step in leg.steps:
                print(f"        - {render(step, lang)}")
        for note in it.notes:
            print(f"    {translate('cli.note', lang)}: {render(note, lang)}")
    for mode, why in result.reasons.items():
        print(f"{translate('cli.no_mode', lang, mode=mode_name(mode, lang))}: {render(why, lang)}")
    for note in result.notes:
        print(f"{translate('cli.note', lang)}: {render(note, lang)}")


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
    p.add_argument("--lang", choices=("fr", "en"), default="fr",
                   help="language of the steps, notes and reasons (default fr)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--geojson", action="store_true")
    p.set_defaults(func=cmd_plan)
