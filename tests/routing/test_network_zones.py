"""The LAEA 200 m grid, zones and the population spread, on polygons made in the tests."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from routing.network.zones import (
    cell_ids,
    commune_population,
    commune_zones,
    iris_zones,
    laea_grid,
    parse_cell_id,
    population_on_cells,
)

LAEA = "EPSG:3035"


def test_grid_aligned_on_laea_multiples_with_insee_ids() -> None:
    poly = shapely.box(3_450_050, 2_800_050, 3_450_550, 2_800_450)
    every = laea_grid(poly, crs=LAEA)
    assert len(every) == 9
    assert set(every["x_3035"]) == {3_450_000, 3_450_200, 3_450_400}
    assert set(every["y_3035"]) == {2_800_000, 2_800_200, 2_800_400}
    assert (every["x_3035"] % 200 == 0).all() and (every["y_3035"] % 200 == 0).all()
    assert every["cell_id"].iloc[0] == "CRS3035RES200mN2800000E3450000"
    # with more than half of the cell inside: the top row (25 % inside) goes
    half = laea_grid(poly, crs=LAEA, min_share=0.5)
    assert len(half) == 6 and set(half["y_3035"]) == {2_800_000, 2_800_200}
    assert half["area_in_m2"].min() == pytest.approx(150 * 150)
    # centroids are in WGS84 and go back to the cell centre
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", LAEA, always_xy=True).transform(half["lon"], half["lat"])
    np.testing.assert_allclose(x, half["x_3035"] + 100, atol=1e-4)
    np.testing.assert_allclose(y, half["y_3035"] + 100, atol=1e-4)
    # the WGS84 squares contain their centroids
    assert shapely.contains(half.geometry.to_numpy(), shapely.points(half["lon"], half["lat"])).all()


def test_grid_from_wgs84_polygon_and_empty() -> None:
    grid = laea_grid(shapely.box(-1.70, 48.10, -1.68, 48.11))
    assert 30 < len(grid) < 60  # about 1.5 km x 1.1 km
    assert grid["cell_id"].is_unique
    assert len(laea_grid(shapely.Polygon())) == 0


def test_cell_id_round_trip_and_bad_id() -> None:
    ids = cell_ids(np.array([3_450_200]), np.array([2_800_400]))
    assert parse_cell_id(ids[0]) == (200, 3_450_200, 2_800_400)
    with pytest.raises(ValueError, match="not a LAEA grid cell id"):
        parse_cell_id("N2800400E3450200")


def _communes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"insee": ["35001", "35002"], "name": ["X", "Y"], "in_rennes_metropole": [True, False]},
                            geometry=[shapely.box(3_450_000, 2_800_000, 3_450_400, 2_800_400),
                                      shapely.box(3_450_400, 2_800_000, 3_450_500, 2_800_200)], crs=LAEA)


def test_population_spread_by_area() -> None:
    communes = _communes()
    grid = laea_grid(shapely.union_all(communes.geometry.to_numpy()), crs=LAEA, communes=communes)
    assert len(grid) == 5
    pop = population_on_cells(grid, communes, population=pd.Series({"35001": 400.0, "35002": 50.0}))
    by_id = dict(zip(grid["cell_id"], pop, strict=True))
    assert by_id["CRS3035RES200mN2800000E3450000"] == pytest.approx(100.0)
    assert by_id["CRS3035RES200mN2800000E3450400"] == pytest.approx(50.0)
    assert pop.sum() == pytest.approx(450.0)
    assert dict(zip(grid["cell_id"], grid["insee"], strict=True))["CRS3035RES200mN2800000E3450400"] == "35002"


def test_commune_population_from_density() -> None:
    communes = _communes().assign(area_km2=[0.16, 0.02])
    indicators = pd.DataFrame({"territory_code": ["35001", "35002"], "level": "commune", "indicator": "densite",
                               "detail": None, "value": [2500.0, np.nan]})
    table = commune_population(communes, indicators)
    assert table["population"].tolist() == [400.0, 0.0]
    grid = laea_grid(communes.geometry.iloc[0], crs=LAEA)
    assert population_on_cells(grid, communes, indicators).sum() == pytest.approx(400.0)


def test_zones_from_communes_and_iris() -> None:
    communes = _communes().to_crs("EPSG:4326")
    zones = commune_zones(communes)
    assert zones["zone_id"].tolist() == ["35001"]
    assert shapely.contains(zones.geometry.iloc[0], shapely.Point(zones["lon"].iloc[0], zones["lat"].iloc[0]))
    iris = communes.rename(columns={"insee": "iris_code"}).assign(insee=["35001", "35002"])
    assert iris_zones(iris)[["zone_id", "insee"]].values.tolist() == [["35001", "35001"], ["35002", "35002"]]
