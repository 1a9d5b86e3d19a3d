"""Scenario benchmarks on the Rennes bundle (``uv run python bench/bench_scenarios.py``).

1. Applying a scenario to the compiled 2011 service day (metro a, then metro b on top of it):
   timetable only (:func:`routing.scenarios.apply_scenario`) and whole network
   (:func:`routing.scenarios.with_scenario`: new stations snapped and linked on the walk graph,
   places re-indexed). Target <= 1 s.
2. Whole-grid before/after comparison (every 200 m cell x 60 departures 08:00-09:00, 30 min,
   commuter-survey respondents by employer site): :func:`routing.scenarios.compare_scenarios`
   metro-a -> metro-b, against ONE accessibility run on the metro-a network (fresh engine) measured
   in the same process. Target <= 2.5 x the baseline.

Env: SPMD_BUNDLE (default the shared bundle), SPMD_CACHE (network and grid caches).
"""

from __future__ import annotations

import os

import numpy as np
from timing import clock, latency, median

os.environ.setdefault("SPMD_BUNDLE", "/work/shared/data/rennes")


def main() -> None:
    from routing import accessibility as acc
    from routing.accessibility import rennes_metropole_grid
    from routing.network import load_network
    from routing.scenarios import (
        apply_scenario,
        compare_scenarios,
        load_scenario,
        opportunity_points,
        with_scenario,
    )

    t_load, (net, grid) = clock(lambda: (load_network(), rennes_metropole_grid()))
    print(f"network + grid loaded in {t_load:.1f} s: {len(grid):,} cells, "
          f"{net.timetable.n_connections:,} connections")
    a, b = load_scenario("metro-a"), load_scenario("metro-b")

    # -- 1. applying -------------------------------------------------------------------------------
    with_scenario(net, a)  # first call builds the walk graph's kd-tree and compiles the street search
    for label, sc in (("metro-a", a), ("metro-b (a + b)", b)):
        tt_times, net_times = [], []
        for _ in range(7):
            tt_times.append(clock(apply_scenario, net.timetable, sc)[0])
            net_times.append(clock(with_scenario, net, sc)[0])
        print(f"[apply {label:<16}] timetable {latency(tt_times)}")
        print(f"[apply {label:<16}] network   {latency(net_times)}; target <= 1 s -> "
              f"{'OK' if median(net_times) <= 1.0 else 'MISSED'}")

    # -- 2. before/after on the whole grid ----------------------------------------------------------
    net_a = with_scenario(net, a)
    cells = acc.Points.from_frame(grid, id_col="cell_id")
    opp, used, label, _ = opportunity_points("jobs", net, grid=grid)
    measure = acc.Measure(cutoff_s=1800)
    acc.accessibility(acc.AccessibilityEngine(net_a), cells.take(np.arange(50)), opp, window="08:00-08:05",
                      measure=measure)  # compile the kernels outside the timings
    base_s, _ = clock(lambda: acc.accessibility(acc.AccessibilityEngine(net_a), cells, opp, window="08:00-09:00",
                                                measure=measure))
    cmp_s, cmp = clock(compare_scenarios, net, a, b, grid=grid, opportunity="jobs", window="08:00-09:00",
                       cutoff_min=30)
    ratio = cmp_s / base_s
    print(f"\n[compare] {len(cells):,} cells x 60 departures, {label}, 30 min:")
    print(f"  one accessibility run (baseline, fresh engine): {base_s:.2f} s")
    print(f"  before/after comparison metro-a -> metro-b:     {cmp_s:.2f} s "
          f"(apply + engines {cmp.stats['apply_and_engines_s']:.2f} s, two runs {cmp.stats['accessibility_s']:.2f} s)")
    print(f"  ratio {ratio:.2f} x; target <= 2.5 x -> {'OK' if ratio <= 2.5 else 'MISSED'}")
    eq = cmp.equity
    print(f"  mean per inhabitant {eq['mean_before']:.0f} -> {eq['mean_after']:.0f}; Gini {eq['gini_before']:.3f} -> "
          f"{eq['gini_after']:.3f}; people better off {eq['people_better_off']:,.0f}; "
          f"reaching >= {cmp.threshold:,.0f}: +{eq['people_gaining_threshold']:,.0f}")


if __name__ == "__main__":
    main()
