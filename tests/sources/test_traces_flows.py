"""Tiles (200 m grid, communes, IRIS, stop catchments), trips and OD flows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from sources.traces import flows as fl

TO_WGS = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)


def _lonlat(e: float, n: float) -> tuple[float, float]:
    return TO_WGS.transform(e, n)


def test_grid_ids_centres_and_parents() -> None:
    lon, lat = _lonlat(3_450_150, 2_850_050)  # inside cell E 3450000..3450200, N 2850000..2850200
    ids = fl.grid_cell_ids([lon], [lat])
    assert ids.tolist() == ["CRS3035RES200mN2850000E3450000"]
    assert fl.grid_cell_ids([lon], [lat], cell_m=1000).tolist() == ["CRS3035RES1000mN2850000E3450000"]
    clon, clat = fl.grid_cell_centres(ids)
    assert (clon[0], clat[0]) == pytest.approx(_lonlat(3_450_100, 2_850_100))
    with pytest.raises(ValueError, match="not a CRS3035"):
        fl.parse_grid_ids(["35238"])


def test_grid_200m_over_polygon() -> None:
    square = box(3_450_000, 2_850_000, 3_450_400, 2_850_400)  # exactly 2 x 2 cells
    grid = fl.grid_200m(square, crs="EPSG:3035")
    assert sorted(grid["tile_ID"]) == sorted([
        "CRS3035RES200mN2850000E3450000", "CRS3035RES200mN2850000E3450200",
        "CRS3035RES200mN2850200E3450000", "CRS3035RES200mN2850200E3450200"])
    assert grid.crs.to_epsg() == 4326
    bigger = fl.grid_200m(square.buffer(10, join_style="mitre"), crs="EPSG:3035")
    assert len(bigger) == 16  # touching the next ring of cells


def _trips() -> pd.DataFrame:
    a, b, c = _lonlat(3_450_100, 2_850_100), _lonlat(3_452_100, 2_850_100), _lonlat(3_450_100, 2_853_100)
    rows = []
    dep = pd.Timestamp("2024-03-04 08:10")
    for uid, (o, d), mode, hour in [("u1", (a, b), "bike", 8), ("u1", (a, b), "bike", 8),
                                    ("u2", (a, b), "bike", 8), ("u3", (a, b), "walk", 8),
                                    ("u4", (b, a), "bike", 17), ("u5", (a, c), "bus", 8),
                                    ("u5", (a, a), "walk", 12)]:
        rows.append({"uid": uid, "o_lat": o[1], "o_lng": o[0], "d_lat": d[1], "d_lng": d[0],
                     "departure": dep.replace(hour=hour), "arrival": dep.replace(hour=hour, minute=40),
                     "mode": mode, "simulated": False})
    return pd.DataFrame(rows)


def test_od_flows_exact() -> None:
    flows = fl.od_flows(_trips(), "grid200")
    assert type(flows).__name__ == "FlowDataFrame"
    got = {(o[-16:], d[-16:]): (f, n) for o, d, f, n in
           zip(flows["origin"], flows["destination"], flows["flow"], flows["n_users"], strict=True)}
    assert got == {("N2850000E3450000", "N2850000E3452000"): (4, 3),
                   ("N2850000E3452000", "N2850000E3450000"): (1, 1),
                   ("N2850000E3450000", "N2853000E3450000"): (1, 1)}
    assert set(flows.tessellation["tile_ID"]) == set(flows["origin"]) | set(flows["destination"])
    by = fl.od_flows(_trips(), "grid200", by=("mode", "hour"), self_loops=True)
    first = by.iloc[0]
    assert (first["mode"], first["hour"], first["flow"], first["n_users"]) == ("bike", 8, 3, 2)
    assert len(by) == 5  # incl. the u5 self loop


def test_od_flows_on_polygons_and_period() -> None:
    a, b = _lonlat(3_450_100, 2_850_100), _lonlat(3_452_100, 2_850_100)
    tess = __import__("geopandas").GeoDataFrame(
        {"tile_ID": ["west", "east"]},
        geometry=[Point(a).buffer(0.01), Point(b).buffer(0.01)], crs="EPSG:4326")
    flows = fl.od_flows(_trips(), tess, by=("period",))
    assert flows[["origin", "destination", "period", "flow"]].values.tolist() == [
        ["west", "east", "morning_peak", 4], ["east", "west", "evening_peak", 1]]
    assert fl.hour_to_period(np.array([0, 6, 8, 9, 16, 19, 23])).tolist() == [
        "night", "morning_peak", "morning_peak", "day", "evening_peak", "evening", "evening"]


def test_trips_from_stays_with_modes() -> None:
    t = pd.Timestamp("2024-03-04 07:00")
    stays = pd.DataFrame({"uid": ["u", "u", "u", "v"], "lat": [1.0, 2.0, 1.0, 5.0],
                          "lng": [1.0, 2.0, 1.0, 5.0],
                          "datetime": [t, t + pd.Timedelta(hours=2), t + pd.Timedelta(hours=10), t],
                          "leaving_datetime": [t + pd.Timedelta(hours=1), t + pd.Timedelta(hours=9),
                                               t + pd.Timedelta(hours=12), t + pd.Timedelta(hours=1)]})
    points = pd.DataFrame({"uid": ["u"] * 4, "datetime": [t + pd.Timedelta(minutes=m) for m in
                                                          (70, 80, 90, 560)],
                           "mode": ["bike", "bike", "walk", "stay"]})
    trips = fl.trips_from_stays(stays, points)
    assert trips[["uid", "o_lat", "d_lat", "mode"]].values.tolist() == [
        ["u", 1.0, 2.0, "bike"], ["u", 2.0, 1.0, "unknown"]]
    assert trips["departure"].tolist() == [t + pd.Timedelta(hours=1), t + pd.Timedelta(hours=9)]


def test_stop_catchments() -> None:
    stops = pd.DataFrame({"stop_id": ["s1", "s2"], "stop_lon": [-1.68, -1.67],
                          "stop_lat": [48.11, 48.11]})
    tess = fl.stop_catchments(stops, max_distance_m=500)
    assert tess["tile_ID"].tolist() == ["s1", "s2"]
    assert tess.geometry.iloc[0].contains(Point(-1.68, 48.11))
    assert not tess.geometry.iloc[0].contains(Point(-1.67, 48.11))
    ids = fl.assign_tiles(np.array([-1.6801, -1.6699, -1.60]), np.array([48.11, 48.11, 48.11]), tess)
    assert ids.tolist() == ["s1", "s2", None]


@pytest.mark.bundle
def test_bundle_tessellations(bundle_dir) -> None:
    communes = fl.load_tessellation("communes", bundle_dir=bundle_dir)
    assert len(communes) == 43 and "35238" in set(communes["tile_ID"])  # Rennes
    iris = fl.load_tessellation("iris", bundle_dir=bundle_dir)
    assert len(iris) == 172
    ids = fl.assign_tiles(np.array([-1.6794]), np.array([48.1113]), communes)  # Rennes centre
    assert ids.tolist() == ["35238"]


def test_main_mode_of_a_multimodal_trip() -> None:
    t = pd.Timestamp("2024-03-04 07:00")
    stays = pd.DataFrame({"uid": ["u", "u"], "lat": [1.0, 2.0], "lng": [1.0, 2.0],
                          "datetime": [t, t + pd.Timedelta(hours=2)],
                          "leaving_datetime": [t + pd.Timedelta(hours=1), t + pd.Timedelta(hours=3)]})
    modes = ["walk"] * 10 + ["transit"] * 3 + ["walk"] * 8 + ["car"]  # one stray car point
    points = pd.DataFrame({"uid": "u", "mode": modes,
                           "datetime": [t + pd.Timedelta(minutes=61 + i) for i in range(len(modes))]})
    assert fl.trips_from_stays(stays, points)["mode"].tolist() == ["transit"]
