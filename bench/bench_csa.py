"""Benchmark of the timetable engine on the 2011 STAR feed, its representative weekday (Tuesday
2011-11-15, ``GtfsFeed.representative_date``).

    uv run python bench/bench_csa.py [--queries 1000] [--profiles 200] [--no-gtfs2nx]

Measured in one run, on the same seeded random stop pairs (stops served that day,
departure uniform in 07:00-09:00):

* the engine (``routing.transit.csa.earliest_arrival`` with a target, journey pointers kept);
* the exact NetworkX baseline (``devkit/reference_router.py``: Dijkstra on a time-expanded graph):
  ratio and equality count;
* a bare connection scan floor (numba, no footpaths, no pointers, early termination);
* gtfs2nx as an approximate Python peer (agreement rate printed: share of pairs whose travel
  time is within 5 min of the exact answer): its headway-averaged graph of the same feed for the
  07:00-09:00 window (built from the feed's busiest day, as gtfs2nx does), queried
  stop to stop (any route-stop node of the origin to any of the destination);
* the Pareto range query over a 60-minute window (07:00-08:00): the profile scan (one backward
  pass) against the previous per-departure forward scans (``bench/profile_baseline.py``), each
  over all the queries back to back in ``--rounds`` rounds (the round of median p95 is the
  figure: the machine's speed drifts over seconds), then alternating query by query (colder
  caches), and each query's best of 3 runs (its cost without the machine's noise); their
  agreement on the (departure, arrival, transfers) rows is printed.

Targets: stop-to-stop p95 <= 1 ms, floor ~0.08 ms median / 0.33 ms p95,
profile range query p95 <= 5 ms, faster than gtfs2nx on the same pairs.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import networkx as nx
import numba as nb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from profile_baseline import per_departure_profile  # noqa: E402
from timing import agreement, best_of, clock, each, line, load_average, median, median_p95  # noqa: E402

from devkit.reference_router import INF as REF_INF_TIME  # noqa: E402
from devkit.reference_router import ReferenceRouter  # noqa: E402
from routing import UNREACHABLE_I32, build_timetable  # noqa: E402
from routing.transit import csa  # noqa: E402
from sources import settings  # noqa: E402
from sources.loaders.gtfs import load_gtfs  # noqa: E402

INF32 = UNREACHABLE_I32


@nb.njit(cache=True)
def bare_scan(dep_stop, arr_stop, dep_time, arr_time, trip, n_stops, n_trips, source, target, t0, start):
    """Earliest arrival, no footpaths, no journey pointers: the floor of a connection scan."""
    tau = np.full(n_stops, INF32, dtype=np.int32)
    reached = np.zeros(n_trips, dtype=np.bool_)
    tau[source] = t0
    for c in range(start, len(dep_time)):
        d = dep_time[c]
        if d >= tau[target]:
            break
        t = trip[c]
        if reached[t] or tau[dep_stop[c]] <= d:
            reached[t] = True
            if arr_time[c] < tau[arr_stop[c]]:
                tau[arr_stop[c]] = arr_time[c]
    return tau[target]


#: well-known stop names of the 2011 feed (their platforms: 1 to 10 each)
NAMES = ("République", "Villejean-Université", "Gares", "Henri Fréville", "Longs Champs", "Bréquigny",
         "La Poterie", "Beaulieu-Chimie")


def by_name(tt: Any) -> None:
    """From stop name to stop name over 07:00-08:00 (the CLI's ``journeys`` and the next-departures
    page): ``profile_to_any`` (every origin platform a source of one scan per destination platform)
    against one profile per (origin platform, destination platform) pair merged the same way; their
    rows compared."""
    from routing import find_stop, pareto_journeys, profile, profile_to_any

    groups = [find_stop(tt, n) for n in NAMES]
    cols = ["departure_s", "arrival_s", "transfers", "walk_s"]
    mine_t, pair_t, same, n = [], [], 0, 0
    for a in groups:
        for b in groups:
            if a is b:
                continue
            t, mine = clock(profile_to_any, tt, list(a.stops), 7 * 3600, 8 * 3600, list(b.stops))
            mine_t.append(t)
            t, theirs = clock(lambda a=a, b=b: pareto_journeys(
                [profile(tt, [s], 7 * 3600, 8 * 3600, d) for s in a.stops for d in b.stops]))
            pair_t.append(t)
            same += mine[cols].values.tolist() == theirs[cols].values.tolist()
            n += len(mine)
    line("from stop name to stop name", mine_t, pair_t, of="one profile per platform pair")
    line("  one profile per platform pair", pair_t)
    print(f"  {len(mine_t)} pairs of {len(NAMES)} names, {n / len(mine_t):.1f} journeys per pair; "
          f"{agreement('the same rows', same, len(mine_t))} pairs")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--profiles", type=int, default=200)
    ap.add_argument("--no-gtfs2nx", action="store_true")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="back-to-back rounds of the range queries")
    args = ap.parse_args()

    bundle = Path(settings.default_bundle_candidate())
    gtfs = bundle / "gtfs" / "star-2011-11-14.zip"
    t_load, feed = clock(lambda: load_gtfs(gtfs).data)
    t_build, tt = clock(lambda: build_timetable(feed, feed.representative_date()))
    print(f"feed load {t_load:.2f} s, build_timetable {t_build:.2f} s: {tt}")

    rng = np.random.default_rng(20111115)
    served = np.unique(np.concatenate([tt.dep_stop, tt.arr_stop]))
    pairs = np.array([rng.choice(served, 2, replace=False) for _ in range(args.queries)])
    t0s = rng.integers(7 * 3600, 9 * 3600, size=args.queries)

    # warm up the kernels (compilation or cache load)
    csa.earliest_arrival_time(tt, int(pairs[0, 0]), int(pairs[0, 1]), int(t0s[0]))
    bare_scan(tt.dep_stop, tt.arr_stop, tt.dep_time, tt.arr_time, tt.trip, tt.n_stops, tt.n_trips,
              0, 1, 0, 0)

    queries = [(a, b, t0) for (a, b), t0 in zip(pairs.tolist(), t0s.tolist(), strict=True)]
    eng_t, found = each(lambda a, b, t0: csa.earliest_arrival(tt, [(a, t0)], targets=[b]), queries, star=True)
    eng = [int(r.time[b]) for r, (_, b, _) in zip(found, queries, strict=True)]
    line("engine earliest_arrival (stop-to-stop)", eng_t)

    floor_t = []
    for a, b, t0 in queries:
        start = int(np.searchsorted(tt.dep_time, t0))
        floor_t.append(clock(bare_scan, tt.dep_stop, tt.arr_stop, tt.dep_time, tt.arr_time, tt.trip, tt.n_stops,
                             tt.n_trips, a, b, t0, start)[0])
    line("bare connection scan floor", floor_t, eng_t, of="the engine's")

    if not args.no_reference:
        t_ref, ref = clock(ReferenceRouter, tt)
        print(f"reference graph: {ref.g.number_of_nodes():,} nodes, {ref.g.number_of_edges():,} edges, "
              f"built in {t_ref:.1f} s")
        ref_t, theirs = each(lambda a, b, t0: ref.earliest_arrival([(a, t0)], b), queries, star=True)
        equal = sum(int((e if e < csa.UNREACHABLE else REF_INF_TIME) == r) for e, r in zip(eng, theirs, strict=True))
        line("NetworkX time-expanded reference", ref_t, eng_t, of="the engine's")
        print(agreement("engine == reference", equal, len(eng)))
        del ref

    if not args.no_gtfs2nx:
        import gtfs2nx

        logging.getLogger("gtfs2nx").setLevel(logging.WARNING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_g, g = clock(gtfs2nx.transit_graph, str(gtfs), time_window=["07:00", "09:00"])
        from gtfs2nx.network import ID_SEP

        by_stop: dict[str, list] = {}
        for node in g.nodes:  # nodes are "<stop_id><ID_SEP><route_id>"
            by_stop.setdefault(str(node).split(ID_SEP)[0], []).append(node)
        print(f"gtfs2nx graph: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges, "
              f"built in {t_g:.1f} s")

        def peer(sa: str, sb: str) -> float | None:
            """gtfs2nx travel time from any route-stop node of ``sa`` to any of ``sb`` (None: no path)."""
            g.add_edges_from((("__src", n) for n in by_stop[sa]), weight=0.0)
            g.add_edges_from(((n, "__dst") for n in by_stop[sb]), weight=0.0)
            try:
                return nx.dijkstra_path_length(g, "__src", "__dst", weight="weight")
            except nx.NetworkXNoPath:
                return None
            finally:
                g.remove_nodes_from(["__src", "__dst"])

        peer_t, peer_eng_t, n_ok, agree = [], [], 0, 0
        for (a, b, t0), exact in zip(queries, eng, strict=True):
            sa, sb = str(tt.stop_ids[a]), str(tt.stop_ids[b])
            if sa not in by_stop or sb not in by_stop:
                continue
            t, approx = clock(peer, sa, sb)
            peer_t.append(t)
            if approx is not None:
                n_ok += 1
                agree += int(exact < csa.UNREACHABLE and abs(approx - (exact - t0)) <= 300)
            peer_eng_t.append(clock(csa.earliest_arrival, tt, [(a, t0)], targets=[b])[0])
        print(f"gtfs2nx queries on {len(peer_t)} of the pairs ({n_ok} connected in its graph)")
        line("engine on those pairs", peer_eng_t)
        line("gtfs2nx headway-averaged Dijkstra", peer_t, peer_eng_t, of="the engine's")
        print(f"gtfs2nx is APPROXIMATE (headway-averaged static graph): its travel time is within 5 min "
              f"of the exact earliest arrival on {agree}/{len(peer_t)} pairs ({agree / max(len(peer_t), 1):.0%})")

    per_departure_profile(tt, [int(pairs[0, 0])], 7 * 3600, 8 * 3600, int(pairs[0, 1]))  # warm up
    csa.profile(tt, [int(pairs[0, 0])], 7 * 3600, 8 * 3600, int(pairs[0, 1]))
    ranged = pairs[: args.profiles].tolist()
    cols = ["departure_s", "arrival_s", "transfers"]

    def timed_loop(fn) -> tuple[list[float], list[float], list[Any]]:
        wall, cpu, out = [], [], []
        for (a, b) in ranged:
            c = time.process_time()
            t, res = clock(fn, a, b)
            cpu.append(time.process_time() - c)
            wall.append(t)
            out.append(res)
        return wall, cpu, out

    def profile_scan(a: int, b: int, st: dict[str, int] | None = None):
        return csa.profile(tt, [a], 7 * 3600, 8 * 3600, b, stats=st)

    def per_departure(a: int, b: int):
        return per_departure_profile(tt, [a], 7 * 3600, 8 * 3600, b)

    # each method over all the queries back to back (a range-query service), in rounds (the
    # machine's own speed drifts over seconds: each round's ratio compares like with like), then
    # alternating (each query finds the caches as the other method left them)
    rounds = []
    for _ in range(max(1, args.rounds)):
        prof_t, prof_cpu, profs = timed_loop(profile_scan)
        old_t, old_cpu, olds = timed_loop(per_departure)
        rounds.append((prof_t, prof_cpu, old_t, old_cpu))
    def p95(ts: list[float]) -> float:
        return median_p95(ts)[1]

    mid = sorted(range(len(rounds)), key=lambda r: p95(rounds[r][0]))[len(rounds) // 2]
    prof_t, prof_cpu, old_t, old_cpu = rounds[mid]
    alt_prof, alt_old = [], []
    for (a, b) in ranged:
        alt_prof.append(clock(profile_scan, a, b)[0])
        alt_old.append(clock(per_departure, a, b)[0])
    # each query's own cost, with the machine's noise taken out
    best_of_3 = [best_of(lambda a=a, b=b: profile_scan(a, b), 3) for (a, b) in ranged]
    runs, scanned = [], []
    for (a, b) in ranged:
        st: dict[str, int] = {}
        profile_scan(a, b, st)
        runs.append(st.get("runs", 0))
        scanned.append(st.get("scanned", 0))
    same = found = extra = 0
    for p, o in zip(profs, olds, strict=True):
        mine, theirs = set(map(tuple, p[cols].values.tolist())), set(map(tuple, o[cols].values.tolist()))
        same += mine == theirs
        found += len(mine & theirs)
        extra += len(theirs - mine)
    rows = sum(len(p) for p in profs)
    line("range query, one forward scan per dep.", old_t, eng_t, of="the engine's")
    for r, (pt, _, ot, _) in enumerate(rounds):
        line(f"profile scan (one backward pass), #{r + 1}", pt, ot, of="the per-departure scans'")
    print(f"  the round of median p95 (#{mid + 1}) below and in the targets")
    line("profile scan (one backward pass)", prof_t, old_t, of="the per-departure scans'")
    line("  same, CPU time (process_time)", prof_cpu, old_cpu, of="their CPU time")
    line("  alternating with the baseline", alt_prof, alt_old, of="the baseline's, alternating")
    line("  each query's best of 3", best_of_3)
    print(f"range queries 07:00-08:00: {len(prof_t)}, {rows / max(len(prof_t), 1):.1f} Pareto journeys on "
          f"average, {median(runs):.0f} departure times and {median(scanned):,.0f} connections "
          f"scanned (medians)")
    print(f"the per-departure scans answer a narrower question (per departure, the earliest arrival for "
          f"each number of transfers; walking is not a criterion): they find {found:,} of the profile's "
          f"{rows:,} (departure, arrival, transfers) rows, {extra} rows the profile does not have, and the "
          f"same rows on {same}/{len(ranged)} queries; the profile's rows equal the layered reference "
          f"router's (tests/routing/test_transit_csa_profile.py)")
    by_name(tt)
    eng_p95 = p95(eng_t)
    print(load_average())
    print(f"targets: stop-to-stop p95 {eng_p95:.3f} ms (<= 1 ms: {'ok' if eng_p95 <= 1 else 'MISSED'}); "
          f"profile p95 {p95(prof_t):.1f} ms back to back (median of {len(rounds)} rounds: "
          f"{', '.join(f'{p95(r[0]):.1f}' for r in rounds)}), {p95(alt_prof):.1f} ms alternating, "
          f"{p95(best_of_3):.1f} ms best of 3 (<= 5 ms back to back: "
          f"{'ok' if p95(prof_t) <= 5 else 'MISSED'})")


if __name__ == "__main__":
    main()
