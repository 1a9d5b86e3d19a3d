"""``python -m routing journeys``: every worthwhile transit journey between two stops over a window.

``python -m routing journeys --from "République" --to "Villejean-Université" --at 2011-11-15T07:00
--window-min 60 [--max-transfers 5] [--json]``: the range query of :func:`routing.transit.csa.profile_to_any`
(one backward connection scan per stop of the destination), from every stop of the origin's name to
whichever stop of the destination's name: the journeys leaving in the window that no other beats on
departure (later), arrival (earlier), transfers and walking (fewer). ``--at`` is the start of the
window: ``HH:MM`` on the service day (``--day``, default the feed's representative weekday) or an
ISO date-time, whose date is then the service day.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from routing import args as A
from routing.cli.options import (
    add_at_option,
    add_data_options,
    add_place_option,
    at_on,
    timetable_day,
)
from routing.clock import format_clock


def journey_rows(tt: Any, table: Any) -> list[dict[str, Any]]:
    """The journeys of a profile table as plain records: times as HH:MM[:SS], legs as
    :meth:`routing.transit.csa.JourneyLeg.row` (stop ids and names, trip, line)."""
    return [{"departure": format_clock(r.departure_s, seconds=None), "arrival": format_clock(r.arrival_s, seconds=None),
             "duration_min": round(r.duration_s / 60, 1), "transfers": int(r.transfers),
             "walk_min": round(r.walk_s / 60, 1), "legs": [leg.row(tt) for leg in r.legs]}
            for r in table.itertuples()]


def cmd_journeys(args: argparse.Namespace) -> int:
    from routing.network.inputs import load_timetable
    from routing.transit.csa import profile_to_any
    from routing.transit.departures import find_stop, seconds_of

    tt = load_timetable(bundle=args.bundle, cache=args.cache, day=timetable_day(args))
    origin, destination = find_stop(tt, args.origin), find_stop(tt, args.destination)
    start = seconds_of(tt, at_on(tt.day, args.at))
    end = start + int(args.window_min * 60)
    t0 = time.perf_counter()
    table = profile_to_any(tt, list(origin.stops), start, end, list(destination.stops),
                           max_transfers=args.max_transfers)
    elapsed_ms = 1000 * (time.perf_counter() - t0)
    rows = journey_rows(tt, table)
    if args.json:
        print(json.dumps({"from": origin.name, "to": destination.name, "day": tt.day.isoformat(),
                          "window": [format_clock(start, seconds=None), format_clock(end, seconds=None)], "journeys": rows},
                         ensure_ascii=False))
    else:
        print(f"{origin.name} -> {destination.name}, leaving {format_clock(start, seconds=None)}-{format_clock(end, seconds=None)} "
              f"on {tt.day.isoformat()}: {len(rows)} journeys ({elapsed_ms:.1f} ms)")
        for row in rows:
            lines = " > ".join(leg["route_short_name"] or "walk" for leg in row["legs"])
            print(f"  {row['departure']} -> {row['arrival']}  {row['duration_min']:5.0f} min  "
                  f"{row['transfers']} transfer(s)  walk {row['walk_min']:.0f} min  {lines}")
    return 0 if rows else 1


def register(sub: Any) -> None:
    """Add the ``journeys`` command to the routing CLI."""
    p = sub.add_parser("journeys", help="every worthwhile transit journey between two stops over a window")
    add_data_options(p)
    add_place_option(p, "--from", "origin", help="origin stop name (accents and typos tolerated) or stop id")
    add_place_option(p, "--to", "destination", help="destination stop name or stop id")
    add_at_option(p, required=True,
                  help="start of the window: HH:MM on the service day, or an ISO date-time (its date is the "
                       "service day)")
    p.add_argument("--window-min", type=A.typed(A.parse_number, "--window-min", lo=1, hi=240), default=60.0,
                   help="length of the departure window (minutes, at most 240)")
    p.add_argument("--max-transfers", type=A.typed(A.parse_count, "--max-transfers", hi=8), default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_journeys)
