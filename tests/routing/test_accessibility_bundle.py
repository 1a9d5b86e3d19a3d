"""Accessibility on the real Rennes bundle (the network of the run's shared cache: slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from routing.accessibility import engine as acc
from routing.cli.accessibility import register

pytestmark = [pytest.mark.slow, pytest.mark.bundle]


def test_cli_rejects_bad_bands_before_loading() -> None:
    from routing.cli.main import main

    assert main(["isochrone", "--from", "48.11,-1.68", "--bands", "ten,20"]) == 2
    assert callable(register)


def test_rennes_isochrone_accessibility_and_published_comparison(bundle_dir: Path, rennes_cache: Path,
                                                                 rennes_network) -> None:
    from routing.accessibility.zones import laea_grid, population_on_cells
    from sources.datasets import load

    net = rennes_network
    communes = load("communes", bundle=bundle_dir, cache=rennes_cache).data
    indicators = load("indicators", bundle=bundle_dir, cache=rennes_cache).data
    rm = communes[communes["in_rennes_metropole"].astype(bool)]
    rennes = rm[rm["insee"] == "35238"]
    grid = laea_grid(rennes.geometry.iloc[0], communes=rm)
    grid["population"] = population_on_cells(grid, rm, indicators)
    assert 1000 < len(grid) < 1600  # the city of Rennes, 50 km2
    engine = acc.AccessibilityEngine(net)
    iso = acc.isochrone(engine, grid, (-1.6799, 48.1106), departure="08:00")
    geoms = iso.geometry.to_numpy()
    assert iso["cells"].iloc[-1] > iso["cells"].iloc[0] > 0
    assert all(shapely.covers(geoms[k + 1], geoms[k]) for k in range(len(geoms) - 1))
    cells = acc.Points.from_frame(grid, id_col="cell_id")
    res = acc.accessibility(engine, cells, acc.opportunities("bikeshare", net), window="08:00-08:30",
                            measure=acc.Measure(cutoff_s=1800))
    assert res["p50"].max() >= 10 and (res["p50"] > 0).mean() > 0.5
    # our share of people within 500 m of a stop follows the published share of buildings
    whole = laea_grid(shapely.union_all(rm.geometry.to_numpy()), communes=rm)
    whole["population"] = population_on_cells(whole, rm, indicators)
    cmp_ = acc.stop_coverage_comparison(whole, net, indicators, communes=rm)
    assert len(cmp_) == 43 and cmp_.attrs["pearson"] > 0.3
    eq = acc.equity_table(res["p50"].to_numpy(), grid["population"].to_numpy(), grid["insee"].to_numpy(),
                          threshold=5)
    assert 0 <= eq.loc["ALL", "gini"] <= 1 and np.isfinite(eq.loc["ALL", "mean"])
