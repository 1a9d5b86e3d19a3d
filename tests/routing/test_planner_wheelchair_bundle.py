"""The wheelchair profile on the Rennes bundle, checked independently of the planner.

Every boarding and alighting stop of a wheelchair trip must be accessible according to the
feed's own ``stops_extensions.txt`` (or a metro station: every one is step-free, STAR's
``accespmr``), and every route according to ``routes_extensions.txt`` (or the metro), read
here with pandas straight from the zip.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routing.planner.planner import PlanParams

pytestmark = pytest.mark.bundle
FEED = "gtfs/star-2011-11-14.zip"


def _extensions(bundle_dir: Path) -> tuple[set[str], set[str]]:
    with zipfile.ZipFile(bundle_dir / FEED) as zf:
        stops = pd.read_csv(zf.open("stops_extensions.txt"), dtype=str)
        routes = pd.read_csv(zf.open("routes_extensions.txt"), dtype=str)
        names = pd.read_csv(zf.open("routes.txt"), dtype=str)
    ok_routes = set(routes.loc[routes["route_accessible"] == "1", "route_id"])
    short = set(names.loc[names["route_id"].isin(ok_routes), "route_short_name"])
    return set(stops.loc[stops["stop_accessible"] == "1", "stop_id"]), short


def _check(result, ok_stops: set[str], ok_routes: set[str]) -> int:
    rides = 0
    for it in result.itineraries:
        for leg in it.legs:
            if leg.mode != "transit":
                continue
            rides += 1
            for stop in (leg.from_stop_id, leg.to_stop_id):
                assert stop in ok_stops or str(stop).startswith("metro"), (stop, leg.route)
            assert leg.route in ok_routes or leg.route == "a", leg.route
    return rides


def test_wheelchair_trips_use_accessible_stops_and_routes_only(bundle_dir: Path, rennes_planner) -> None:
    ok_stops, ok_routes = _extensions(bundle_dir)
    tt = rennes_planner.tt
    rng = np.random.default_rng(24)
    busy = np.flatnonzero(np.bincount(tt.dep_stop, minlength=tt.n_stops) > 50)
    pairs = rng.choice(busy, size=(60, 2), replace=False)
    when = dt.datetime.combine(rennes_planner.date, dt.time(8, 0))
    rides = answered = 0
    for a, b in pairs:
        res = rennes_planner.plan((float(tt.stop_lon[a]), float(tt.stop_lat[a])),
                                  (float(tt.stop_lon[b]), float(tt.stop_lat[b])), when, modes=["transit"],
                                  params=PlanParams(wheelchair=True))
        if res.ok:
            answered += 1
        else:
            assert res.reasons["transit"].key.startswith("wheelchair.")
        rides += _check(res, ok_stops, ok_routes)
    assert answered >= 30 and rides >= 30


def test_plan_wheelchair_json_on_the_command_line(bundle_dir: Path, rennes_cache: Path) -> None:
    ok_stops, ok_routes = _extensions(bundle_dir)
    env = {**os.environ, "SPMD_BUNDLE": str(bundle_dir), "SPMD_CACHE": str(rennes_cache)}
    out = subprocess.run([sys.executable, "-m", "routing", "plan", "--from", "Gare de Rennes", "--to", "Beaulieu",
                          "--at", "08:00", "--modes", "transit", "--wheelchair", "--json"],
                         capture_output=True, text=True, env=env, timeout=600, check=True)
    doc = json.loads(out.stdout)
    legs = [leg for it in doc["itineraries"] for leg in it["legs"] if leg["mode"] == "transit"]
    assert legs
    for leg in legs:
        for stop in (leg["from_stop_id"], leg["to_stop_id"]):
            assert stop in ok_stops or stop.startswith("metro")
        assert leg["route"] in ok_routes or leg["route"] == "a"


def test_first_ranked_stop_gain_is_reproduced_by_its_modification(rennes_network, rennes_cache: Path,
                                                                   bundle_dir: Path) -> None:
    from routing.accessibility.engine import opportunities
    from routing.network.inputs import rennes_metropole_grid
    from routing.scenarios.rank import rank_stops, wheelchair_total
    from routing.scenarios.scenario import network_with_scenario, with_scenario

    net = network_with_scenario(rennes_network, "default")
    grid = rennes_metropole_grid(bundle=bundle_dir, cache=rennes_cache)
    opp = opportunities("employers", net, grid=grid, bundle=bundle_dir, cache=rennes_cache)
    ranking = rank_stops(net, grid, opp, top=1, candidates=6)
    assert len(ranking.table) == 1 and ranking.table["gain"].iloc[0] > 0
    before = wheelchair_total(net, grid, opp)
    after = wheelchair_total(with_scenario(net, ranking.scenario(1)), grid, opp)
    assert before == pytest.approx(ranking.baseline, rel=1e-9)
    assert after - before == pytest.approx(ranking.table["gain"].iloc[0], rel=1e-9)
