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
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from timing import latency  # noqa: E402

from routing import departure_board, find_stop, line_explorer, lines_table, next_departures  # noqa: E402
from routing.transit import (  # noqa: E402
    build_timetable,  # noqa: E402
    day_of_buses,
    stop_timetable,
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
    for t0 in times:
        s = time.perf_counter()
        deps = next_departures(tt, find_stop(tt, "République"), int(t0))
        departure_board(deps, int(t0))
        ours.append(time.perf_counter() - s)
        s = time.perf_counter()
        ref = conns[conns["dep_stop_id"].isin(ids) & (conns["dep_time_s"] >= t0)
                    & (conns["dep_time_s"] < t0 + 7200)].sort_values("dep_time_s")
        base.append(time.perf_counter() - s)
        assert len(ref) == len(deps)
    print(f"next departures République (search + 2 h + board), n={len(times)}: {_ms(ours)}")
    print(f"  pandas filter of the connections, same window:        {_ms(base)}  "
          f"(ratio {statistics.median(base) / statistics.median(ours):.1f} x)")

    # -- line explorer -----------------------------------------------------------------------------
    lines = lines_table(tt)
    ours, base = [], []
    for route in lines["route"].tolist():
        s = time.perf_counter()
        view = line_explorer(tt, route)
        first = view.patterns.loc[0, "stops"][0]
        stop_timetable(tt, route, int(first), direction=view.patterns.loc[0, "direction"])
        ours.append(time.perf_counter() - s)
        s = time.perf_counter()
        trip_ids = tt.trip_ids[(tt.trip_route == route) & (tt.trip_day_offset == 0)]
        sub = conns[conns["trip_id"].isin(trip_ids)].sort_values(["trip_id", "seq"])
        sub.groupby("trip_id")["dep_stop_id"].agg(tuple).value_counts()
        base.append(time.perf_counter() - s)
    print(f"line explorer, every line ({len(lines)}), patterns + summary + per hour + a stop timetable: "
          f"{_ms(ours)}")
    print(f"  pandas groupby of the line's patterns alone:          {_ms(base)}  "
          f"(ratio {statistics.median(base) / statistics.median(ours):.1f} x)")

    # -- a day of buses ----------------------------------------------------------------------------
    from dashboard.transit import day_deck_json

    ours, prep, base = [], [], []
    for _ in range(5):
        fresh = tt.replace()  # no derived index (trip CSR, termini) carried over
        s = time.perf_counter()
        day = day_of_buses(fresh)
        ours.append(time.perf_counter() - s)
        s = time.perf_counter()
        payload = day_deck_json(fresh, day)
        prep.append(time.perf_counter() - s + ours[-1])
        s = time.perf_counter()
        c = fresh.connections_frame().sort_values(["trip_id", "seq"])
        c.groupby("trip_id").agg(stops=("dep_stop_id", list), times=("dep_time_s", list))
        base.append(time.perf_counter() - s)
    print(f"day of buses, {len(day.trips)} trips, {sum(len(p) for p in day.trips['path']):,} vertices: "
          f"{_ms(ours)}")
    print(f"  + the page's JSON ({len(payload) / 1e6:.1f} MB), all the animation's data: {_ms(prep)}")
    print(f"  pandas: connections grouped per trip into lists:      {_ms(base)}  "
          f"(ratio {statistics.median(base) / statistics.median(ours):.1f} x)")
    # along the streets: the legs matched to the car layer of the built network (disk cache)
    from routing.network import load_network
    from routing.transit import street_segments

    net = load_network(bundle=bundle)
    street_segments(net.timetable, net.graphs["car"])  # numba kernels and the kd-tree, as the planner's warm-up
    s = time.perf_counter()
    segs = street_segments(net.timetable, net.graphs["car"])
    match_s = time.perf_counter() - s
    s = time.perf_counter()
    day = day_of_buses(net.timetable, segments=segs)
    payload = day_deck_json(net.timetable, day)
    along_s = time.perf_counter() - s
    pairs = len(set(zip(net.timetable.dep_stop.tolist(), net.timetable.arr_stop.tolist(), strict=True)))
    print(f"  along the car layer: {len(segs)} of {pairs} stop pairs matched in {match_s:.2f} s; day + JSON "
          f"({sum(len(p) for p in day.trips['path']):,} vertices, {len(payload) / 1e6:.1f} MB) {along_s:.2f} s; "
          f"total {match_s + along_s:.2f} s")
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from dashboard import state

    s = time.perf_counter()
    state.day_of_buses(net.timetable, net.graphs["car"])
    first = time.perf_counter() - s
    s = time.perf_counter()
    state.day_of_buses(net.timetable, net.graphs["car"])
    second = time.perf_counter() - s
    print(f"  through the dashboard cache: first call {first * 1000:.0f} ms, second {second * 1000:.3f} ms")


if __name__ == "__main__":
    main()
