"""Benchmark of next departures, the line explorer and the day of buses on the 2011 STAR feed.

    uv run python bench/bench_departures.py [--queries 200]

Measured in one run on the timetable of the service day (the feed's representative weekday, ``GtfsFeed.representative_date``), each with a
pandas baseline doing the nearest equivalent work on the same connections table in the same process:

* next departures at "République" (name search + every departure of the 10 stops in the next 2 h +
  the per-line board), at random times of the day; baseline: a pandas filter of the connections
  (stop ids, time window) sorted by time;
* the line explorer of every line of the day (patterns, first/last departures, trips per hour) plus
  the timetable of its first stop; baseline: the line's patterns by a pandas groupby;
* the day of buses, the animation's data (every trip as a timed path, and the page's JSON), on a
  fresh copy of the timetable each time (no derived index reused); baseline: the connections grouped
  per trip into lists with pandas; then the second call through the dashboard's cache.

Targets: next departures <= 20 ms server time, line explorer <= 300 ms, the whole day's
animation data <= 3 s and cached.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from timing import clock, latency, ratio  # noqa: E402

from routing import (  # noqa: E402
    build_timetable,
    day_of_buses,
    departure_board,
    find_stop,
    line_explorer,
    lines_table,
    load_network,
    next_departures,
    stop_timetable,
    street_segments,
)
from sources import settings  # noqa: E402
from sources.loaders.gtfs import load_gtfs  # noqa: E402


def _ms(values: list[float]) -> str:
    return latency(values, width=7, decimals=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--bundle", default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    bundle = Path(args.bundle) if args.bundle else (settings.bundle_dir() or settings.default_bundle_candidate())
    feed = load_gtfs(bundle / "gtfs" / "star-2011-11-14.zip").data
    tt = build_timetable(feed, feed.representative_date())
    print(f"{tt}")
    conns = tt.connections_frame()
    rng = np.random.default_rng(13)

    # -- next departures ---------------------------------------------------------------------------
    find_stop(tt, "République")  # builds the name index once (per timetable)
    times = rng.integers(5 * 3600, 22 * 3600, args.queries).tolist()
    ours, base = [], []
    ids = list(find_stop(tt, "République").stop_ids)

    def board(t0: int):
        deps = next_departures(tt, find_stop(tt, "République"), t0)
        departure_board(deps, t0)
        return deps

    def pandas_window(t0: int):
        return conns[conns["dep_stop_id"].isin(ids) & (conns["dep_time_s"] >= t0)
                     & (conns["dep_time_s"] < t0 + 7200)].sort_values("dep_time_s")

    for t0 in times:
        s, deps = clock(board, int(t0))
        ours.append(s)
        s, ref = clock(pandas_window, t0)
        base.append(s)
        if len(ref) != len(deps):
            raise SystemExit(f"at {t0}: {len(deps)} departures, the pandas filter {len(ref)}")
    print(f"next departures République (search + 2 h + board), n={len(times)}: {_ms(ours)}")
    print(f"  pandas filter of the connections, same window:        {_ms(base)}  "
          f"(ratio {ratio(base, ours):.1f} x)")

    # -- line explorer -----------------------------------------------------------------------------
    lines = lines_table(tt)
    ours, base = [], []

    def explore(route: str) -> None:
        view = line_explorer(tt, route)
        first = view.patterns.loc[0, "stops"][0]
        stop_timetable(tt, route, int(first), direction=view.patterns.loc[0, "direction"])

    def pandas_patterns(route: str) -> None:
        trip_ids = tt.trip_ids[(tt.trip_route == route) & (tt.trip_day_offset == 0)]
        sub = conns[conns["trip_id"].isin(trip_ids)].sort_values(["trip_id", "seq"])
        sub.groupby("trip_id")["dep_stop_id"].agg(tuple).value_counts()

    for route in lines["route"].tolist():
        ours.append(clock(explore, route)[0])
        base.append(clock(pandas_patterns, route)[0])
    print(f"line explorer, every line ({len(lines)}), patterns + summary + per hour + a stop timetable: "
          f"{_ms(ours)}")
    print(f"  pandas groupby of the line's patterns alone:          {_ms(base)}  "
          f"(ratio {ratio(base, ours):.1f} x)")

    # -- a day of buses ----------------------------------------------------------------------------
    from dashboard.services.transit import day_deck_json

    def pandas_per_trip(fresh) -> None:
        c = fresh.connections_frame().sort_values(["trip_id", "seq"])
        c.groupby("trip_id").agg(stops=("dep_stop_id", list), times=("dep_time_s", list))

    ours, prep, base = [], [], []
    for _ in range(5):
        fresh = tt.replace()  # no derived index (trip CSR, termini) carried over
        s, day = clock(day_of_buses, fresh)
        ours.append(s)
        s, payload = clock(day_deck_json, fresh, day)
        prep.append(s + ours[-1])
        base.append(clock(pandas_per_trip, fresh)[0])
    print(f"day of buses, {len(day.trips)} trips, {sum(len(p) for p in day.trips['path']):,} vertices: "
          f"{_ms(ours)}")
    print(f"  + the page's JSON ({len(payload) / 1e6:.1f} MB), all the animation's data: {_ms(prep)}")
    print(f"  pandas: connections grouped per trip into lists:      {_ms(base)}  "
          f"(ratio {ratio(base, ours):.1f} x)")
    # along the streets: the legs matched to the car layer of the built network (disk cache)
    net = load_network(bundle=bundle)
    street_segments(net.timetable, net.graphs["car"])  # numba kernels and the kd-tree, as the planner's warm-up
    match_s, segs = clock(street_segments, net.timetable, net.graphs["car"])

    def day_and_json():
        day = day_of_buses(net.timetable, segments=segs)
        return day, day_deck_json(net.timetable, day)

    along_s, (day, payload) = clock(day_and_json)
    pairs = len(set(zip(net.timetable.dep_stop.tolist(), net.timetable.arr_stop.tolist(), strict=True)))
    print(f"  along the car layer: {len(segs)} of {pairs} stop pairs matched in {match_s:.2f} s; day + JSON "
          f"({sum(len(p) for p in day.trips['path']):,} vertices, {len(payload) / 1e6:.1f} MB) {along_s:.2f} s; "
          f"total {match_s + along_s:.2f} s")
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from dashboard import state

    first, _ = clock(state.day_of_buses, net.timetable, net.graphs["car"])
    second, _ = clock(state.day_of_buses, net.timetable, net.graphs["car"])
    print(f"  through the dashboard cache: first call {first * 1000:.0f} ms, second {second * 1000:.3f} ms")


if __name__ == "__main__":
    main()
