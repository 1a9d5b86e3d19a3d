"""Which stops first: the wheelchair rank-stops ranking on the Rennes bundle
(``uv run python bench/bench_rank_stops.py [--runs 3]``).

1. The ranking in process, after the network, grid and opportunities are loaded
   (:func:`routing.scenarios.rank_stops`, top 20, every candidate, ``method="incremental"``):
   median wall time of ``--runs`` runs.
2. The baseline, measured in the same run: the straightforward evaluation (``method="rebuild"``:
   a new accessible timetable and every scan again for each candidate, the previous
   implementation) on the previous default of 30 candidates, against the incremental one on the
   same 30: ratio of medians and agreement of the two rankings (same stops in the same order,
   gains equal to 1e-9 relative). ``--full-baseline`` also runs the rebuild on every candidate
   (minutes).
3. ``python -m routing scenario rank-stops --top 20 --json`` from the shell, once: wall time
   including Python's start and imports (target <= 60 s).

Env: SPMD_BUNDLE (default the shared bundle), SPMD_CACHE (network and grid caches).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from timing import agreement, clock, load_average, median

os.environ.setdefault("SPMD_BUNDLE", "/work/shared/data/rennes")


def same_ranking(a, b) -> tuple[int, int]:
    """(rows agreeing, rows compared): same stop at the same rank, gain equal to 1e-9 relative."""
    n = max(len(a.table), len(b.table))
    equal = 0
    for (_, ra), (_, rb) in zip(a.table.iterrows(), b.table.iterrows(), strict=False):
        if ra["stop_id"] == rb["stop_id"] and abs(ra["gain"] - rb["gain"]) <= 1e-9 * max(1.0, abs(rb["gain"])):
            equal += 1
    return equal, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--full-baseline", action="store_true", help="also rebuild on every candidate (minutes)")
    ap.add_argument("--no-shell", action="store_true", help="skip the command-line run")
    args = ap.parse_args()

    from routing.accessibility import opportunities, rennes_metropole_grid
    from routing.network import load_network
    from routing.scenarios import network_with_scenario, rank_stops

    t_load, (net, grid) = clock(lambda: (network_with_scenario(load_network(), "default"), rennes_metropole_grid()))
    opp = opportunities("employers", net, grid=grid)
    print(f"network (+ metro a) and grid loaded in {t_load:.1f} s; {len(opp)} employer sites")
    rank_stops(net, grid, opp, top=1, candidates=3)  # compiles the kernels (numba cache) outside the timings

    # -- 1. the ranking -----------------------------------------------------------------------------
    times, cpu = [], []
    for _ in range(args.runs):
        c0 = time.process_time()
        dt, full = clock(rank_stops, net, grid, opp, top=20)
        times.append(dt)
        cpu.append(time.process_time() - c0)
    print(f"[rank-stops, every candidate] median {median(times):6.2f} s wall, {median(cpu):5.2f} s CPU "
          f"(n={len(times)}): {full.candidates} candidates, {full.evaluations} evaluations, "
          f"{len(full.table)} stops ranked")
    for _, r in full.table.head(5).iterrows():
        print(f"    #{r['rank']:<2} {r['name']:<22} ({r['stop_id']}) +{r['gain']:>10,.0f}  {r['people_gaining']:>7,.0f} people")

    # -- 2. against the rebuild, same run --------------------------------------------------------------
    inc_t, inc = [], None
    for _ in range(args.runs):
        dt, inc = clock(rank_stops, net, grid, opp, top=20, candidates=30)
        inc_t.append(dt)
    reb_t, reb = clock(rank_stops, net, grid, opp, top=20, candidates=30, method="rebuild")
    eq, n = same_ranking(inc, reb)
    print(f"[30 candidates] incremental median {median(inc_t):6.2f} s ({inc.evaluations} evaluations), "
          f"rebuild {reb_t:6.2f} s ({reb.evaluations} evaluations): x{reb_t / median(inc_t):.1f} faster; "
          f"{agreement('rankings agree', eq, n)}")
    print(f"[every candidate vs the rebuild on 30] x{reb_t / median(times):.1f} faster")
    if args.full_baseline:
        reb_all_t, reb_all = clock(rank_stops, net, grid, opp, top=20, method="rebuild")
        eq, n = same_ranking(full, reb_all)
        print(f"[every candidate] rebuild {reb_all_t:6.1f} s: x{reb_all_t / median(times):.1f} of the incremental; "
              f"{agreement('rankings agree', eq, n)}")

    # -- 3. the command line ---------------------------------------------------------------------------
    if not args.no_shell:
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "routing", "scenario", "rank-stops", "--top", "20", "--json"],
                             capture_output=True, text=True, check=True, env=os.environ.copy())
        wall = time.perf_counter() - t
        doc = json.loads(out.stdout)
        print(f"[shell] python -m routing scenario rank-stops --top 20 --json: {wall:.1f} s wall "
              f"(in process: data {doc['load_s']} s, ranking {doc['seconds']} s); target <= 60 s -> "
              f"{'OK' if wall <= 60 else 'MISSED'}")
    print(load_average())


if __name__ == "__main__":
    main()
