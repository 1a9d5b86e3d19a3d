"""``python -m routing departures``: the next departures at a stop, per line and direction.

``python -m routing departures --stop "République" --at 2011-11-15T08:00 [--json]``; the service
day is ``--day``, else the date of an ISO ``--at``, else the feed's representative weekday (the
timetable is compiled from the GTFS of the catalogue for it); ``--at 08:00`` is a time on it.
"""

from __future__ import annotations

import argparse
import json
import sys
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

#: how far ahead departures are looked for, at most (minutes): the service day and its night
MAX_HORIZON_MIN = 24 * 60
#: departures listed per line and direction, at most
MAX_PER_LINE = 50


def cmd_departures(args: argparse.Namespace) -> int:
    from routing.network.inputs import load_timetable
    from routing.places import PlaceNotFound
    from routing.transit.departures import departure_board, find_stop, next_departures, seconds_of

    updates = None
    if args.trip_updates:  # parsed (and its budgets checked) before the timetable is loaded
        from sources.loaders.gtfs_rt import load_trip_updates

        updates = load_trip_updates(args.trip_updates)
    tt = load_timetable(bundle=args.bundle, cache=args.cache, day=timetable_day(args))
    at = at_on(tt.day, args.at)
    live = None
    if updates is not None:
        from routing.transit.realtime import apply_trip_updates

        stats: dict[str, int] = {}
        live = apply_trip_updates(tt, updates, stats=stats)
        if stats.get("updates_out_of_window"):
            print(f"note: {stats['updates_out_of_window']} trip update(s) dropped: they would move a stop time "
                  f"outside the service day ± 48 h", file=sys.stderr)
    try:
        stop = find_stop(tt, args.stop)
    except PlaceNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    deps = next_departures(tt, stop, at, live=live, horizon_s=int(args.horizon_min * 60))
    board = departure_board(deps, seconds_of(tt, at), per_line=args.per_line)
    elapsed_ms = 1000 * (time.perf_counter() - t0)
    if args.json:
        print(json.dumps({"stop": stop.name, "stop_ids": list(stop.stop_ids), "at": at.isoformat(),
                          "day": tt.day.isoformat(), "departures": deps.to_dict("records"),
                          "lines": board.to_dict("records")}, ensure_ascii=False, default=str))
    else:
        print(f"{stop.name} ({len(stop.stop_ids)} stops) at {at:%Y-%m-%d %H:%M}: {len(deps)} departures "
              f"in {args.horizon_min:.0f} min ({elapsed_ms:.1f} ms)")
        for row in board.itertuples():
            waits = ", ".join(f"{w} min" for w in row.waits_min)
            head = f"every {row.headway_min:.0f} min" if row.headway_min is not None else "—"
            extra = f"  {row.n_delayed} delayed" if row.n_delayed else ""
            extra += f"  {row.n_canceled} canceled" if row.n_canceled else ""
            print(f"  {row.line:>4} -> {row.direction:<28} {waits:<24} next hour {row.n_next_hour:>2} ({head}){extra}")
        if tt.n_connections == 0:
            print(f"note: the timetable has no service on {tt.day.isoformat()}")
    return 0 if len(deps) else 1


def register(sub: Any) -> None:
    """Add the ``departures`` command to the routing CLI."""
    p = sub.add_parser("departures", help="next departures at a stop, per line and direction")
    add_data_options(p)
    add_place_option(p, "--stop", "stop", help="stop name (accents and typos tolerated) or stop id")
    add_at_option(p, required=True,
                  help="HH:MM on the service day, or an ISO date-time, e.g. 2011-11-15T08:00 (its date is the "
                       "service day)")
    p.add_argument("--horizon-min", type=A.typed(A.parse_number, "--horizon-min", lo=1, hi=MAX_HORIZON_MIN),
                   default=120.0, help=f"how far ahead to look (minutes, at most {MAX_HORIZON_MIN})")
    p.add_argument("--per-line", type=A.typed(A.parse_count, "--per-line", lo=1, hi=MAX_PER_LINE), default=3,
                   help="next departures listed per line and direction")
    p.add_argument("--trip-updates", type=A.typed(A.parse_input_file, "--trip-updates"),
                   help="a GTFS-RT TripUpdates file (.pb): delays and cancellations")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_departures)
