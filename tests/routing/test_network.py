"""The assembled network on tiny data: save/load round trip, GraphML and GeoPackage export,
the input digest and the disk cache of :mod:`routing.network.inputs`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from routing.network import inputs as build
from routing.network.assemble import ASSUMED_CHARGER_KW, POINT_COLUMNS, Network, prepare_points
from routing.planner.planner import MODES, Planner, PlanParams
from tests.planner_fixtures import DAY, at, dist_m, make_network, make_tiny_bundle, node_xy

WALK_MS = 4.8 / 3.6


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Network:
    return make_network(tmp_path_factory.mktemp("tiny"), digest="tiny-digest")


def test_summary_counts(net: Network) -> None:
    s = net.summary()
    assert (s["street_nodes"], s["street_edges"]) == (18, 27)
    assert (s["stops"], s["stops_on_streets"]) == (4, 4)
    # A B C D today, and yesterday's N1 still running after midnight (C -> D at 00:06)
    assert (s["trips"], s["connections"]) == (5, 13)
    # walking transfers up to 10 min on the walk graph: A-B, B-C, C-D both ways
    assert s["footpaths"] == 6
    assert (s["bikeshare"], s["carpool"], s["park_ride"], s["charger"]) == (4, 2, 1, 2)
    # one-way 20 -> 21 for cars: one arc fewer than both directions; footway/cycleway excluded
    assert (s["walk_arcs"], s["bike_arcs"], s["car_arcs"]) == (2 * 26, 2 * 26, 2 * 25 - 1)


def test_save_load_round_trip_gives_identical_arrays_and_plans(net: Network, tmp_path: Path) -> None:
    directory = net.save(tmp_path / "networks" / "tiny-digest")
    assert (directory / "meta.json").exists()
    assert not list((tmp_path / "networks").glob(".tmp-network-*"))  # atomic write cleaned up
    back = Network.load(directory)
    assert (back.day, back.digest, back.notes) == (net.day, net.digest, net.notes)
    for mode, g in net.graphs.items():
        h = back.graphs[mode]
        for name in ("indptr", "indices", "tails", "cost", "travel_time_s", "length_m", "edge_row",
                     "edge_reversed", "node_ids", "lon", "lat", "x", "y"):
            np.testing.assert_array_equal(getattr(h, name), getattr(g, name), err_msg=f"{mode}.{name}")
        assert list(h.geometry_wkb) == list(g.geometry_wkb)
    a, b = net.timetable.to_arrays(), back.timetable.to_arrays()
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert back.timetable.digest == net.timetable.digest
    np.testing.assert_array_equal(back.stop_walk_node, net.stop_walk_node)
    np.testing.assert_array_equal(back.stop_walk_m, net.stop_walk_m)
    assert back.points.keys() == net.points.keys()
    for kind in net.points:
        pd.testing.assert_frame_equal(back.points[kind], net.points[kind])
    pd.testing.assert_frame_equal(back.places.frame, net.places.frame)
    params = PlanParams(carpool_partner=node_xy(33), battery_kwh=0.4)
    for when, arrive_by in ((at(7, 50), False), (at(8, 20), True)):
        p1 = Planner(net).plan(node_xy(0), node_xy(13), when, arrive_by=arrive_by, modes=MODES, params=params)
        p2 = Planner(back).plan(node_xy(0), node_xy(13), when, arrive_by=arrive_by, modes=MODES, params=params)
        assert p1.ok and p1.to_json() == p2.to_json()
    assert Planner(back).plan("Gares", "Clemenceau", at(8, 0), modes=("transit",)).ok


def test_load_refuses_another_layout_version(net: Network, tmp_path: Path) -> None:
    directory = net.save(tmp_path / "n")
    meta = (directory / "meta.json").read_text().replace('"version": "', '"version": "old-')
    (directory / "meta.json").write_text(meta)
    with pytest.raises(ValueError, match="version"):
        Network.load(directory)


def test_networkx_graph_has_namespaced_nodes_and_typed_edges(net: Network) -> None:
    g = net.to_networkx()
    layers = {str(n).split(":", 1)[0] for n in g.nodes}
    assert layers == {"walk", "bike", "car", "stop", "bikeshare", "carpool", "park_ride", "charger"}
    for _, _, data in g.edges(data=True):
        assert {"mode", "length_m", "travel_time_s"} <= data.keys()
    modes = {data["mode"] for _, _, data in g.edges(data=True)}
    assert modes == {"walk", "bike", "car", "link", "transfer", "transit"}
    assert g.nodes["stop:A"]["name"] == "République"
    # the footway is walk only; the one-way street is one arc by car, two by bike
    assert g.has_edge("walk:30", "walk:21") and not g.has_edge("bike:30", "bike:21")
    assert g.has_edge("car:20", "car:21") and not g.has_edge("car:21", "car:20")
    assert g.has_edge("bike:21", "bike:20")
    [foot] = g.get_edge_data("walk:30", "walk:21").values()
    assert foot["length_m"] == pytest.approx(dist_m(30, 21))
    assert foot["travel_time_s"] == pytest.approx(dist_m(30, 21) / WALK_MS)
    [link] = g.get_edge_data("stop:A", "walk:30").values()
    assert (link["mode"], link["length_m"]) == ("link", 0.0)
    # line 1 between A and B: T1, T2 and the night trip N1, the fastest in 5 min
    rides = [d for d in g.get_edge_data("stop:A", "stop:B").values() if d["mode"] == "transit"]
    assert [(d["route"], d["trips"], d["travel_time_s"]) for d in rides] == [("1", 3, 300.0)]
    transfers = [d for d in g.get_edge_data("stop:A", "stop:B").values() if d["mode"] == "transfer"]
    assert len(transfers) == 1 and transfers[0]["travel_time_s"] == pytest.approx(dist_m(30, 21) / WALK_MS, abs=1)
    [pr_link] = [d for d in g.get_edge_data("park_ride:PR1", "car:31").values()]
    assert pr_link["mode"] == "link"
    assert not g.has_node("park_ride:P2")  # an ordinary car park is not a park-and-ride


def test_graphml_export_round_trips(net: Network, tmp_path: Path) -> None:
    path = net.write_graphml(tmp_path / "tiny.graphml")
    g = nx.read_graphml(path)
    ref = net.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    assert set(g.nodes) == set(ref.nodes)
    assert g.number_of_edges() == ref.number_of_edges()
    assert g.graph["day"] == "2024-03-05" and g.graph["digest"] == "tiny-digest"
    assert g.nodes["stop:C"]["name"] == "Jacques Cartier"
    assert g.nodes["bikeshare:S1"]["layer"] == "bikeshare"
    [foot] = g.get_edge_data("walk:30", "walk:21").values()
    assert foot["mode"] == "walk"
    assert float(foot["length_m"]) == pytest.approx(dist_m(30, 21))


def test_geopackage_export_has_every_layer(net: Network, tmp_path: Path) -> None:
    import geopandas as gpd

    path = net.write_geopackage(tmp_path / "tiny.gpkg")
    layers = dict(gpd.list_layers(path)[["name", "geometry_type"]].itertuples(index=False))
    assert set(layers) == {"streets", "stops", "bikeshare", "carpool", "park_ride", "charger"}
    streets = gpd.read_file(path, layer="streets")
    assert len(streets) == 27 and set(streets.geom_type) == {"LineString"}
    assert streets["length_m"].sum() == pytest.approx(net.streets.edges["length_m"].sum())
    stops = gpd.read_file(path, layer="stops")
    assert stops["stop_id"].tolist() == ["A", "B", "C", "D"]
    assert stops.geometry.x.tolist() == pytest.approx([node_xy(n)[0] for n in (30, 21, 12, 3)])
    assert gpd.read_file(path, layer="bikeshare")["name"].tolist() == [
        "Sans vélos", "Vélos dispo", "Complète", "Places libres"]
    net.write_geopackage(path)  # overwrites
    assert len(gpd.read_file(path, layer="charger")) == 2


# -- digest and disk cache (routing.network.inputs) ------------------------------------------------------

def test_digest_changes_when_an_input_or_the_day_changes(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("stops v1")
    b.write_text("streets v1")
    files = {"star-gtfs": [a], "osm-streets": [b]}
    d1 = build.network_digest(files, DAY)
    assert d1 == build.network_digest({"osm-streets": [b], "star-gtfs": [a]}, DAY)
    assert len(d1) == 24
    assert build.network_digest(files, DAY + dt.timedelta(days=1)) != d1
    assert build.network_digest({"star-gtfs": [a]}, DAY) != d1
    b.write_text("streets v2")
    d2 = build.network_digest(files, DAY)
    assert d2 != d1
    b.write_text("streets v1")
    assert build.network_digest(files, DAY) == d1


def test_load_network_caches_on_disk_and_rebuilds_when_an_input_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = make_tiny_bundle(tmp_path / "bundle")
    cache = tmp_path / "cache"
    first = build.load_network(bundle=bundle, cache=cache, day=DAY)
    assert first.digest and (build.network_dir(first.digest, cache=cache) / "meta.json").exists()
    assert first.summary()["stops"] == 4 and first.day == DAY

    def no_build(**kwargs: object) -> Network:
        raise AssertionError("the cached network should have been used")

    monkeypatch.setattr(build, "build_network", no_build)
    again = build.load_network(bundle=bundle, cache=cache, day=DAY)
    assert again.digest == first.digest
    for key in first.timetable.to_arrays():
        np.testing.assert_array_equal(again.timetable.to_arrays()[key], first.timetable.to_arrays()[key])
    monkeypatch.undo()
    # a changed street layer gives another digest, hence a rebuild
    streets = bundle / "streets" / "osm-rennes-named-streets-2013.geojson"
    streets.write_text(streets.read_text().replace("Boulevard Sud", "Boulevard du Sud"))
    changed = build.load_network(bundle=bundle, cache=cache, day=DAY)
    assert changed.digest != first.digest
    assert sorted(p.name for p in (cache / "networks").iterdir()) == sorted([first.digest, changed.digest])


def test_points_of_service_share_one_shape() -> None:
    def frame(id_column: str, **columns) -> pd.DataFrame:
        return pd.DataFrame({id_column: ["1", "2", "3"], "name": ["a", None, "c"],
                             "lon": [-1.68, -1.67, np.nan], "lat": [48.11, 48.12, 48.1], **columns})

    points = prepare_points(
        bikeshare=frame("station_id", capacity=["10", "x", "3"], status_known=[True, None, True]),
        carpool=frame("place_id"), parkings=frame("parking_id", is_park_and_ride=[True, False, True]),
        chargers=frame("station_id", power_kw=[50, None, 22], n_points=[2, 1, 1]))
    for kind, f in points.items():
        assert tuple(f.columns[:4]) == POINT_COLUMNS, kind
        assert f["name"].tolist() == ["a", ""][:len(f)], kind  # a missing name is "", never "nan"
    bikes = points["bikeshare"]
    assert bikes["capacity"].tolist()[0] == 10.0 and np.isnan(bikes["capacity"].tolist()[1])
    assert np.isnan(bikes["bikes_available"]).all() and bikes["status_known"].tolist() == [True, False]
    assert points["carpool"]["places"].isna().all() and len(points["park_ride"]) == 1
    chargers = points["charger"]
    assert chargers["power_kw"].tolist() == [50.0, ASSUMED_CHARGER_KW]
    assert chargers["power_known"].tolist() == [True, False]
