"""Simulated traces from itineraries, and the whole pipeline on them."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from routing.planner.itinerary import Itinerary, Leg
from routing.planner.simulate import simulate_straight_commutes, simulate_traces
from sources.budgets import BudgetExceeded
from sources.errors import UnusableInputError
from sources.traces import privacy as pv
from sources.traces.pipeline import analyse_traces

ROOT = Path(__file__).resolve().parents[2]

DEP = datetime(2011, 11, 15, 8, 0)
A, B, C = (-1.6800, 48.1100), (-1.6700, 48.1100), (-1.6700, 48.1200)


def _itinerary() -> Itinerary:
    walk = Leg(mode="walk", from_name="a", to_name="b", departure=DEP,
               arrival=DEP + timedelta(seconds=600), distance_m=740.0, geometry=[A, B])
    bus = Leg(mode="transit", from_name="b", to_name="c", departure=DEP + timedelta(seconds=600),
              arrival=DEP + timedelta(seconds=900), distance_m=1113.0, geometry=[B, C], route="C1")
    return Itinerary(label="transit", legs=[walk, bus])


def test_exact_points_without_noise() -> None:
    tdf = simulate_traces([("alice", _itinerary())], seed=0, sampling_s=60, noise_m=0,
                          drop_probability=0, dwell_before_s=0, dwell_after_s=0)
    assert type(tdf).__name__ == "TrajDataFrame"
    assert tdf.columns.tolist() == ["uid", "lat", "lng", "datetime", "mode", "trip", "simulated"]
    assert len(tdf) == 16  # 0..600 s every 60 s on the walk, 660..900 s on the bus (600 s once)
    assert tdf["simulated"].all() and set(tdf["uid"]) == {"alice"}
    assert tdf["mode"].tolist() == ["walk"] * 11 + ["transit"] * 5
    assert tdf["datetime"].iloc[5] == pd.Timestamp(DEP) + pd.Timedelta(seconds=300)
    assert tdf["lng"].iloc[5] == pytest.approx(-1.675)  # halfway along A-B at constant speed
    assert tdf["lat"].iloc[5] == pytest.approx(48.11)
    assert (tdf["lng"].iloc[-1], tdf["lat"].iloc[-1]) == pytest.approx(C)


def test_noise_gaps_dwell_and_seed() -> None:
    its = [_itinerary(), _itinerary()]
    a = simulate_traces(its, seed=3, sampling_s=5, noise_m=10, drop_probability=0.2)
    b = simulate_traces(its, seed=3, sampling_s=5, noise_m=10, drop_probability=0.2)
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
    assert sorted(a["uid"].unique()) == ["sim0001", "sim0002"]
    stay = a.loc[a["mode"] == "stay"]
    assert len(stay) == 2 * 2 * 6  # 30 min every 5 min, before and after, two users
    dwell = stay.loc[(stay["uid"] == "sim0001") & (stay["datetime"] < pd.Timestamp(DEP))]
    _, _, dist = Geod(ellps="WGS84").inv(np.full(len(dwell), A[0]), np.full(len(dwell), A[1]),
                                          dwell["lng"].to_numpy(), dwell["lat"].to_numpy())
    assert 2 < np.median(dist) < 30  # ~10 m noise
    moving = a.loc[(a["mode"] != "stay") & (a["uid"] == "sim0001")]
    assert 0.6 * 181 < len(moving) < 0.95 * 181  # ~20 % of the 5 s samples lost
    assert simulate_traces([], seed=1).empty


def test_pipeline_on_simulated_commuters() -> None:
    rng = np.random.default_rng(5)
    n = 8
    homes = np.column_stack([-1.700 + rng.normal(0, 0.0005, n), 48.100 + rng.normal(0, 0.0005, n)])
    work = np.column_stack([-1.650 + rng.normal(0, 0.0005, n), 48.120 + rng.normal(0, 0.0005, n)])
    homes[-1] = (-1.75, 48.15)  # one commuter living elsewhere
    tdf = simulate_straight_commutes(n, seed=5, homes=homes, workplaces=work)
    assert tdf["simulated"].all()
    result = analyse_traces(tdf, k=4, fine_tiles="grid200", coarse_tiles="grid1000",
                            temporal=None, by_mode=False)
    assert result.steps["users"] == n
    assert result.steps["trips"] == 2 * n
    hw = result.home_work.set_index("uid")
    assert hw["work_tile"].notna().all()
    flows = result.anonymised.flows
    assert flows["n_users"].tolist() == [7, 7]  # home cell <-> work cell, both ways
    assert result.anonymised.removed["users_fully_suppressed"] == 1
    before = result.risk_before.set_index(["attack", "uid"])["risk"]
    after = result.risk_after.set_index(["attack", "uid"])["risk"]
    for attack in ("location", "unique_location", "home_work"):
        assert before[(attack, "sim0008")] == 1.0  # alone in its 200 m home cell
        assert after[(attack, "sim0008")] == 0.0  # nothing of them published
        others = [after[(attack, f"sim{i:04d}")] for i in range(1, 8)]
        assert others == pytest.approx([1 / 7] * 7)  # hidden among the 7 of the flow
        assert max(before[(attack, f"sim{i:04d}")] for i in range(1, 8)) >= 1 / 3
    table = result.risk_table().set_index(["attack", "stage"])
    assert table.loc[("location", "after"), "mean_risk"] == pytest.approx(1 / 8)
    assert pv.flows_to_csv_bytes(result.anonymised).startswith(b"origin,destination,flow,n_users")
    with pytest.raises(pv.PrivacyError):
        pv.flows_to_csv_bytes(result.fine_flows)


def test_simulate_population_through_a_planner() -> None:
    from tests.browser_helpers import SmallPlanner

    planner = SmallPlanner()  # straight-line walk / bike itineraries (a real, small planner)
    homes = np.array([[-1.70, 48.10], [-1.69, 48.11], [-1.65, 48.12]])
    work = np.array([[-1.65, 48.12], [-1.67, 48.12], [-1.65, 48.12]])  # the third: home == work
    tdf, stats = __import__("routing.planner.simulate", fromlist=["x"]).simulate_population(
        planner, 3, seed=4, homes=homes, workplaces=work, modes=("walk", "bike"))
    assert stats == {"users": 3, "users_simulated": 2, "trips": 4, "no_route": 1,
                     "reasons": {"origin and destination are the same place": 1}}
    assert len(planner.calls) == 5
    assert [c["when"].hour for c in planner.calls[:2]] in ([7, 16], [7, 17], [7, 18], [8, 16],
                                                           [8, 17], [8, 18])
    assert sorted(tdf["uid"].unique()) == ["sim0001", "sim0002"]
    assert tdf["simulated"].all()
    first = tdf.loc[tdf["uid"] == "sim0001"]
    assert first["datetime"].min() < pd.Timestamp("2011-11-15 00:05")  # home dwell from midnight
    assert first["datetime"].max() <= pd.Timestamp("2011-11-15 23:00")
    moving = set(first["mode"]) - {"stay"}
    assert len(moving) == 1 and moving <= {"walk", "bike"}  # the same mode both ways


@pytest.mark.slow
@pytest.mark.bundle
def test_simulate_population_on_the_real_rennes_network(bundle_dir, rennes_network) -> None:
    """Commuters simulated through the real planner over the bundle's streets and 2011 timetable."""
    from routing.planner.planner import Planner
    from routing.planner.simulate import simulate_population

    planner = Planner(rennes_network)
    tdf, stats = simulate_population(planner, 12, seed=7, bundle_dir=bundle_dir,
                                     modes=("walk", "bike", "transit"))
    assert stats["users"] == 12
    assert stats["users_simulated"] + stats["no_route"] == 12
    assert stats["users_simulated"] >= 6  # most homes and workplaces are within the network
    assert stats["trips"] == 2 * stats["users_simulated"]
    assert tdf["simulated"].all()
    x0, y0, x1, y1 = (-2.1, 47.9, -1.3, 48.4)
    assert tdf["lng"].between(x0, x1).all() and tdf["lat"].between(y0, y1).all()
    assert set(tdf["mode"]) - {"stay"} <= {"walk", "bike", "transit"}
    # traces of one user are in time order and lie on 2011-11-15
    for _, user in tdf.groupby("uid"):
        assert user["datetime"].is_monotonic_increasing
        assert (user["datetime"].dt.date == pd.Timestamp("2011-11-15").date()).all()


@pytest.mark.parametrize("users", [100_000_000, 100_001])
def test_too_many_users_to_simulate_is_refused_up_front(users: int) -> None:
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_SIMULATED_USERS"):
        simulate_straight_commutes(users, seed=1)


@pytest.mark.parametrize("users", [0, -5, 2.5, True])
def test_user_count_must_be_a_positive_whole_number(users: object) -> None:
    with pytest.raises(UnusableInputError, match="whole number"):
        simulate_straight_commutes(users, seed=1)  # type: ignore[arg-type]


def test_simulate_cli_refuses_100_million_users(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "routing", "simulate-traces", "--users",
                          "100000000", "--out", str(tmp_path / "t.csv")], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 2
    assert "SPMD_BUDGET_MAX_SIMULATED_USERS" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "t.csv").exists()
