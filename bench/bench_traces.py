"""Benchmark: 1 million GPS points cleaned and aggregated into flows; risk for 1,000 users;
the dashboard's analysis of 400 simulated people.

    uv run python bench/bench_traces.py [--points 1000000] [--risk-users 1000] [--repeats 3]
    uv run python bench/bench_traces.py --people 400 [--repeats 3]   # the dashboard's case only

``--people N``: the traces page's "Analyser" on N simulated commuters
(:func:`routing.planner.simulate.simulate_straight_commutes` on the bundle, then
:func:`sources.traces.pipeline.analyse_traces` with the page's defaults). Target <= 5 s. The
first call of a process (numba kernels loaded from their disk cache) and warm calls are
printed, beside the old path measured in the same run: home locations by scikit-mobility's
per-user ``home_location`` (what the pipeline called before), with the agreement of the two.

Points are generated (seeded): commuters with a home stay, a trip to work, a work stay
and a trip back, with GPS noise and jumps. Targets: 1M points cleaned + flows <= 120 s;
risk assessment of 1,000 users <= 60 s. Baselines measured in the same process:

- a plain pandas aggregation of the same points (grid cell per point, groupby user+cell),
  printed as a lower bound only: it does not do the same work (no cleaning, stays, trips or
  anonymisation);
- scikit-mobility itself doing the same work, measured (not extrapolated) at three sizes for
  the cleaning and three user counts for the attacks, with the fitted growth exponent,
  against the numba / numpy engines on the same inputs (same results checked).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from timing import latency, ratio, repeat

from sources.traces import clean, flows, load_skmob, privacy

PER_USER = 200  # 50 home, 50 moving, 50 work, 50 moving


def make_points(n_points: int, *, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    users = max(n_points // PER_USER, 1)
    home = np.column_stack([rng.uniform(-1.75, -1.60, users), rng.uniform(48.07, 48.15, users)])
    work = np.column_stack([rng.uniform(-1.72, -1.62, users), rng.uniform(48.09, 48.13, users)])
    # fewer distinct places, so that flows share tiles: snap to 40 x 40 anchors
    home = np.round(home * 250) / 250
    work = np.round(work * 250) / 250
    q = PER_USER // 4
    frac = np.linspace(0, 1, q)
    pos = np.empty((users, PER_USER, 2))
    pos[:, :q] = home[:, None]
    pos[:, q:2 * q] = home[:, None] + (work - home)[:, None] * frac[None, :, None]
    pos[:, 2 * q:3 * q] = work[:, None]
    pos[:, 3 * q:] = work[:, None] + (home - work)[:, None] * frac[None, :, None]
    pos += rng.normal(0, 6e-5, pos.shape)  # ~6 m
    jumps = rng.random((users, PER_USER)) < 0.005
    pos[jumps] += 0.2  # ~20 km GPS jumps
    step = np.empty((users, PER_USER))
    step[:, :q] = 120  # 2 min while staying
    step[:, q:2 * q] = 20
    step[:, 2 * q:3 * q] = 600  # 10 min at work
    step[:, 3 * q:] = 20
    start = np.datetime64("2011-11-15T06:00") + rng.integers(0, 3600, users).astype("timedelta64[s]")
    t = start[:, None] + np.cumsum(step, axis=1).astype("timedelta64[s]")
    modes = np.array(["stay"] * q + ["bike"] * q + ["stay"] * q + ["bike"] * q, dtype=object)
    frame = pd.DataFrame({
        "uid": np.repeat([f"u{i:06d}" for i in range(users)], PER_USER),
        "lat": pos[:, :, 1].ravel(), "lng": pos[:, :, 0].ravel(),
        "datetime": t.ravel().astype("datetime64[ns]"), "mode": np.tile(modes, users)})
    return frame.iloc[:n_points]


def timed(fn, repeats: int) -> tuple[list[float], object]:
    """Seconds of ``repeats`` runs of ``fn()`` and its last result."""
    return repeat(fn, repeats)


def fmt(times: list[float]) -> str:
    return latency(times, unit="s", width=7, decimals=2)


def pipeline(frame: pd.DataFrame, engine: str) -> tuple[object, object, object]:
    skmob = load_skmob()
    tdf = skmob.TrajDataFrame(frame)
    res = clean.clean_traces(tdf, engine=engine, compress_radius_km=0.02, minutes_for_a_stop=20)
    trips = flows.trips_from_stays(res.stays, res.points)
    fdf = flows.od_flows(trips, "grid200", by=("mode", "hour"))
    anon = privacy.anonymise_flows(trips, k=5, tiles="grid1000", temporal="period")
    return res, fdf, anon


def baseline(frame: pd.DataFrame) -> pd.DataFrame:
    cells = flows.grid_cell_ids(frame["lng"].to_numpy(), frame["lat"].to_numpy())
    return frame.assign(cell=cells).groupby(["uid", "cell"]).size().reset_index(name="n")


def people_case(n_people: int, repeats: int, bundle: str | None) -> None:
    """The traces page's analysis of ``n_people`` simulated commuters, new path vs old path."""
    from pathlib import Path

    from timing import clock, line

    from routing.planner import simulate
    from sources.traces import pipeline

    params = {"k": 5, "coarse_tiles": "communes", "temporal": "period", "by_mode": True}
    tdf = simulate.simulate_straight_commutes(n_people, seed=1, bundle_dir=Path(bundle) if bundle else None)
    print(f"{n_people} simulated people: {len(tdf):,} points")
    first, new = clock(lambda: pipeline.analyse_traces(tdf, **params))
    print(f"first analysis of the process (kernels from numba's disk cache): {first:.2f} s  target <= 5 s")
    times, new = timed(lambda: pipeline.analyse_traces(tdf, **params), repeats)
    fast_home = clean.home_locations

    def old_home(samples, **kw):  # the old path: skmob's per-user home_location
        return fast_home(samples, **{**kw, "engine": "skmob"})

    clean.home_locations = old_home
    try:
        old_times, old = timed(lambda: pipeline.analyse_traces(tdf, **params), max(1, repeats // 2))
    finally:
        clean.home_locations = fast_home
    line(f"analyse {n_people} people (warm)", times, old_times, of="the old path's (skmob home_location)",
         unit="s", decimals=2)
    same_hw = new.home_work.equals(old.home_work)
    same_flows = new.anonymised.flows.equals(old.anonymised.flows)
    same_risk = new.risk_table().equals(old.risk_table())
    print(f"same home/work: {same_hw}; same published flows: {same_flows}; same risk table: {same_risk}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=0,
                    help="only the dashboard's case: analyse this many simulated people")
    ap.add_argument("--bundle", default=None, help="bundle of the simulation (default $SPMD_BUNDLE)")
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--risk-users", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skmob-points", type=int, nargs=3, default=[5_000, 10_000, 20_000],
                    help="three sizes at which scikit-mobility's own cleaning is measured")
    ap.add_argument("--skmob-users", type=int, nargs=3, default=[10, 20, 30],
                    help="three user counts at which scikit-mobility's risk is measured")
    ap.add_argument("--skmob-full", action="store_true",
                    help="also clean all the points with skmob itself (minutes)")
    args = ap.parse_args()
    if args.people:
        people_case(args.people, args.repeats, args.bundle)
        return

    frame = make_points(args.points, seed=42)
    print(f"points: {len(frame):,}  users: {frame['uid'].nunique():,}")
    pipeline(make_points(2_000, seed=1), "numba")  # compile the numba kernels once

    # -- 1M points: clean + flows + anonymisation --------------------------------------------
    times, (res, fdf, anon) = timed(lambda: pipeline(frame, "numba"), args.repeats)
    print(f"clean+flows+anonymise (numba): {fmt(times)}  target <= 120 s")
    print(f"  steps {res.steps}; fine flows {len(fdf):,}; published flows "
          f"{len(anon.flows):,}; removed {anon.removed['flows_suppressed']:,} flows")
    base_times, _ = timed(lambda: baseline(frame), args.repeats)
    print(f"lower bound, NOT the same work (a pandas groupby of points per grid cell: no cleaning, "
          f"stays, trips nor anonymisation): {fmt(base_times)}; "
          f"ratio pipeline/lower bound {ratio(times, base_times):.1f}x")

    # -- the same cleaning by scikit-mobility itself, measured at three sizes (no extrapolation) --
    skmob = load_skmob()
    sizes, t_sks, t_nbs = [], [], []
    for n in args.skmob_points:
        sub = make_points(n, seed=42)
        t_sk, r_sk = timed(lambda s=sub: clean.clean_traces(skmob.TrajDataFrame(s), engine="skmob"), 1)
        t_nb, r_nb = timed(lambda s=sub: clean.clean_traces(skmob.TrajDataFrame(s), engine="numba"), 1)
        same = r_sk.steps == r_nb.steps and np.allclose(
            pd.DataFrame(r_sk.stays).sort_values(["uid", "datetime"])[["lat", "lng"]].to_numpy(),
            pd.DataFrame(r_nb.stays).sort_values(["uid", "datetime"])[["lat", "lng"]].to_numpy())
        sizes.append(len(sub))
        t_sks.append(t_sk[0])
        t_nbs.append(t_nb[0])
        print(f"clean {len(sub):,} points: skmob {t_sk[0]:.2f} s, numba {t_nb[0]:.3f} s "
              f"(x{t_sk[0] / max(t_nb[0], 1e-9):.0f}); same result: {same}")
    slope = np.polyfit(np.log(sizes), np.log(t_sks), 1)[0]
    print(f"skmob cleaning grows as n^{slope:.2f} over {sizes[0]:,}-{sizes[-1]:,} points (fitted on the "
          f"three measures; the 1M-point figure is not extrapolated: --skmob-full measures it)")

    if args.skmob_full:
        t_full, r_full = timed(lambda: clean.clean_traces(skmob.TrajDataFrame(frame),
                                                          engine="skmob"), 1)
        print(f"skmob clean on all {len(frame):,} points: {t_full[0]:.1f} s; same steps as numba: "
              f"{r_full.steps == res.steps}")

    # -- risk for N users ---------------------------------------------------------------------
    stays = pd.DataFrame(res.stays)
    users = stays["uid"].drop_duplicates().iloc[:args.risk_users]
    stays = stays.loc[stays["uid"].isin(users)]
    ids = flows.grid_cell_ids(stays["lng"].to_numpy(), stays["lat"].to_numpy())
    lon, lat = flows.grid_cell_centres(ids)
    traj = stays.assign(lat=lat, lng=lon)[["uid", "lat", "lng", "datetime"]]
    hw = clean.home_work_locations(res.stays.loc[res.stays["uid"].isin(users)])
    t_risk, risk = timed(lambda: privacy.assess_risk(traj, home_work=hw, engine="numpy"),
                         max(args.repeats, 5))
    print(f"risk, 3 attacks, k=2, {users.size:,} users ({len(traj):,} stays): {fmt(t_risk)}  "
          f"target <= 60 s")
    print(privacy.risk_summary(risk).to_string(index=False))
    counts, t_sks = [], []
    for n_users in args.skmob_users:
        few = users.iloc[:n_users]
        small, small_hw = traj.loc[traj["uid"].isin(few)], hw.loc[hw["uid"].isin(few)]
        t_sk, r_sk = timed(lambda a=small, b=small_hw: privacy.assess_risk(a, home_work=b, engine="skmob"), 1)
        t_np, r_np = timed(lambda a=small, b=small_hw: privacy.assess_risk(a, home_work=b, engine="numpy"), 1)
        same = np.allclose(r_sk["risk"].to_numpy(), r_np["risk"].to_numpy())
        counts.append(few.size)
        t_sks.append(t_sk[0])
        print(f"risk of {few.size} users: skmob {t_sk[0]:.1f} s, numpy {t_np[0]:.3f} s; same result: {same}")
    slope = np.polyfit(np.log(counts), np.log(t_sks), 1)[0]
    print(f"skmob risk grows as users^{slope:.2f} over {counts[0]}-{counts[-1]} users (fitted on the "
          f"three measures; not extrapolated to {users.size:,})")


if __name__ == "__main__":
    main()
