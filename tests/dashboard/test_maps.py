"""The table of map layers (dashboard/maps.py): every layer reads its loader's typed columns,
one generic preparation draws them all, on tiny frames built here and on the real bundle."""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import maps
from sources import SchemaError
from sources.catalogue import get
from sources.geo import in_bbox
from sources.loaders import bikeshare, carpool, irve, realtime
from tests.browser_helpers import contract_frame


def _contracts(dataset_id: str) -> list[dict[str, str]]:
    """The column contracts the catalogue loader of ``dataset_id`` publishes (one, or one per table)."""
    module = importlib.import_module(get(dataset_id).loader.split(":")[0])
    columns = module.COLUMNS
    if all(isinstance(v, dict) for v in columns.values()):
        return list(columns.values())
    return [columns]


@pytest.mark.parametrize("spec", list(maps.LAYERS.values()), ids=list(maps.LAYERS))
def test_every_layer_reads_only_its_loaders_contract(spec: maps.LayerSpec) -> None:
    # the spec's contract is the very object its catalogue loader publishes, not a copy
    assert any(spec.columns is c for c in _contracts(spec.dataset_id))
    derived = {name for name, _ in spec.derive}
    assert spec.read_columns() - set(spec.columns) - derived - set(spec.extra) == set()
    assert not (derived | set(spec.extra)) & set(spec.columns)  # a derived column never shadows one
    assert spec.kind in ("points", "paths")


def test_base_map_reads_street_networks() -> None:
    assert maps.STREETS.dataset_ids == ("osm-streets", "main-roads-traffic")
    for ds in maps.STREETS.dataset_ids:
        assert get(ds).loader == "sources.loaders.streets:load_streets"
        assert any("geometry" in c for c in _contracts(ds))


def test_generic_preparation_on_a_tiny_frame() -> None:
    frame = contract_frame(dict(name=["A<i>", "B", "C", None], lon=[-1.68, -1.67, np.nan, -1.66],
                   lat=[48.11, 48.10, 48.12, 48.13], capacity=[16, pd.NA, 10, 0],
                   bikes_available=[8, 3, 1, pd.NA], is_renting=[True, pd.NA, True, False]), bikeshare.COLUMNS)
    table = maps.prepare_layer(maps.LAYERS["bikeshare"], {"velo-star": frame})
    assert list(table.columns) == maps.POINT_COLUMNS
    # the row without a longitude is not drawn
    assert table["lon"].tolist() == [-1.68, -1.67, -1.66]
    # radius 12 + 4 sqrt(capacity): unknown capacity counts 10, a zero one 1
    assert table["radius_m"].tolist() == [28.0, 12 + 4 * math.sqrt(10), 16.0]
    assert table["name"].tolist() == ["A&lt;i&gt;", "B", ""]
    # a part with an unknown value is left out
    assert table["info"].tolist() == ["8 / 16", "", ""]
    # 8/16 bikes: many; unknown capacity: ratio 0, empty; not renting: red
    B = maps.BIKESHARE_PALETTE
    assert table["color"].tolist() == [B["many"], B["empty"], B["empty"]]


def test_out_of_contract_frame_names_layer_and_column_and_empty_data_gives_empty_table() -> None:
    raw = pd.DataFrame({"nom": ["A"], "lon": [-1.6], "lat": [48.1], "nbre_pl": [3]})  # raw BNLC names
    with pytest.raises(SchemaError, match=r"layer 'carpool'.*'bnlc'.*'places'"):
        maps.prepare_layer(maps.LAYERS["carpool"], {"bnlc": raw})
    for spec in maps.LAYERS.values():
        table = spec.prepare({})
        assert len(table) == 0
        assert list(table.columns) == (maps.POINT_COLUMNS if spec.kind == "points" else maps.PATH_COLUMNS)


def test_specific_colour_rules() -> None:
    assert maps.fill_ratio(3, 12) == 0.25 and maps.fill_ratio(None, 12) == 0.0 and maps.fill_ratio(3, 0) == 0.0
    assert maps.bikeshare_color(0.5, None) == maps.BIKESHARE_PALETTE["many"]  # unknown renting flag: renting
    assert maps.bikeshare_color(0.1, True) == maps.BIKESHARE_PALETTE["some"]
    assert maps.bikeshare_color(0.5, False) == maps.BIKESHARE_PALETTE["empty"]
    # declared power first, else the DC fast connectors decide 50 or 22 kW
    assert maps.charger_power_kw(7.4, 2) == 7.4
    assert maps.charger_power_kw(np.nan, 2) == 50.0 and maps.charger_power_kw(None, 0) == 22.0
    assert maps.charger_power_kw(None, None) == 22.0
    C = maps.CHARGER_PALETTE
    assert [maps.charger_color(p) for p in (150.0, 50.0, 22.0, 7.4)] == [C["fast"], C["fast"], C["mid"], C["slow"]]
    assert maps.charger_color(None) == maps.GREY
    T = maps.TRAFFIC_PALETTE
    assert maps.traffic_color("freeFlow") == T["free"] and maps.traffic_color(None) == T["unknown"]
    assert maps.rev_color("wip") == maps.REV_PALETTE["works"] and maps.rev_color(None) == maps.GREY
    assert maps.bus_color(True, 121.0) == maps.BUS_PALETTE["late"]
    assert maps.bus_color(True, None) == maps.BUS_PALETTE["on_time"]
    assert maps.bus_color(False, 600.0) == maps.GREY


def test_text_on_a_coloured_badge_is_black_or_white_by_contrast() -> None:
    black, white = [0, 0, 0], [255, 255, 255]
    assert maps.text_colour_on(maps.hex_to_rgb("FFE600")) == black  # line 34's yellow
    assert maps.text_colour_on([227, 5, 27]) == white and maps.text_colour_on([0, 90, 170]) == white
    assert maps.text_colour_on([255, 255, 255]) == black and maps.text_colour_on([0, 0, 0]) == white


def test_buses_latest_snapshot_in_service_and_chargers_cropped() -> None:
    buses = contract_frame({
        "line_name": ["54", None, "C4"], "state": ["En ligne", "Hors-service", "En ligne"],
        "in_service": [True, False, True], "delay_s": [130.0, None, -20.0],
        "lon": [-1.70, -1.68, -1.60], "lat": [48.10, 48.11, 48.12],
        "snapshot": ["b.json", "b.json", "a.json"]}, realtime.COLUMNS)
    table = maps.LAYERS["buses"].prepare({"star-bus-positions": buses})
    assert table["name"].tolist() == ["Bus 54", "Bus"]
    assert table["info"].tolist() == ["En ligne · +130 s", "Hors-service"]
    assert table["color"].tolist() == [maps.BUS_PALETTE["late"], maps.GREY]
    stations = contract_frame({"name": ["Alma", "Brest"], "lon": [-1.68, -4.48], "lat": [48.08, 48.39],
                               "n_points": [4, 2], "n_fast_points": [2, 0]}, irve.COLUMNS)
    table = maps.LAYERS["chargers"].prepare({"irve": stations})
    assert table["name"].tolist() == ["Alma"]  # Brest is outside the view
    assert table["info"].tolist() == ["50 kW"] and table["radius_m"].tolist() == [37.0]


def test_tooltip_words_are_translations() -> None:
    places = contract_frame({"name": ["Gare", "Alma"], "lon": [-1.67, -1.68], "lat": [48.10, 48.08],
                             "places": [12, None]}, carpool.COLUMNS)
    assert maps.LAYERS["carpool"].prepare({"bnlc": places})["info"].tolist() == ["12 places", ""]
    assert maps.LAYERS["carpool"].prepare({"bnlc": places}, "en")["info"].tolist() == ["12 spaces", ""]
    # every word field of every template has its French and English strings
    from sources.i18n import CATALOGUE

    for spec in maps.LAYERS.values():
        for part in (*spec.name, *spec.info):
            for word in (f for f in maps._template_fields(part) if f.startswith("_")):
                assert {"fr", "en"} <= set(CATALOGUE[f"map.{word[1:]}"]), (spec.id, word)


def _finite_paths(paths: pd.Series) -> bool:
    return all(len(p) >= 2 and all(math.isfinite(v) for pt in p for v in pt) for p in paths)


@pytest.mark.bundle
def test_every_layer_from_the_real_bundle_through_the_catalogue(bundle_dir: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from sources.datasets import load

    monkeypatch.setenv("SPMD_BUNDLE", str(bundle_dir))
    monkeypatch.setenv("SPMD_OFFLINE", "1")
    loaded: dict[str, object] = {}
    for spec in (*maps.LAYERS.values(), maps.STREETS):
        for ds in spec.dataset_ids:
            if ds not in loaded:
                loaded[ds] = load(ds).data
    tables = {spec.id: spec.prepare(loaded) for spec in (*maps.LAYERS.values(), maps.STREETS)}
    for layer_id, table in tables.items():
        assert len(table), layer_id
        if "lon" in table.columns:
            assert np.isfinite(table[["lon", "lat"]].to_numpy(dtype=float)).all(), layer_id
            assert table["radius_m"].gt(0).all(), layer_id
        else:
            assert _finite_paths(table["path"]), layer_id
        assert all(len(c) in (3, 4) and all(0 <= v <= 255 for v in c) for c in table["color"]), layer_id
    # what each layer shows on the bundle (counts checked against the loaded frames)
    assert len(tables["stops"]) == int((loaded["star-gtfs"].stops["location_type"] == 0).sum())
    assert len(tables["bikeshare"]) == len(loaded["velo-star"])
    assert len(tables["parkride"]) == int(loaded["parkings"]["is_park_and_ride"].sum())
    latest = loaded["star-bus-positions"]["snapshot"].max()
    assert len(tables["buses"]) == int((loaded["star-bus-positions"]["snapshot"] == latest).sum())
    assert len(tables["lines"]) >= loaded["star-gtfs"].trips["route_id"].nunique() > 0
    # chargers: the bundle's IRVE file gives no power, the connectors give the class
    chargers = tables["chargers"]
    assert set(chargers["info"]) == {"22 kW", "50 kW"}
    stations = loaded["irve"]
    shown = in_bbox(stations["lon"], stations["lat"], maps.VIEW_BBOX)
    assert (chargers["info"] == "50 kW").sum() == int((stations["n_fast_points"][shown] > 0).sum()) > 0
    assert tables["traffic"]["info"].str.fullmatch(r"\w+ · \d+ km/h").all()
    assert tables["rev"]["info"].str.startswith("REV ").all()


def test_layer_palettes_do_not_share_colours() -> None:
    """A colour means one thing on the layers page: no two legend entries of different layers
    (bus lines aside: their own GTFS colours) have the same colour."""
    owner: dict[tuple[int, ...], str] = {}
    for spec in maps.LAYERS.values():
        for rgb, key in spec.legend:
            rgb = tuple(rgb)
            if rgb == tuple(maps.GREY):  # "out of service" grey is only ever a lack of state
                continue
            assert owner.setdefault(rgb, spec.id) == spec.id, (rgb, key, owner[rgb], spec.id)
        assert spec.unit_key or len(spec.legend) == 1 or spec.id == "rev", spec.id


def test_text_colour_on_badges() -> None:
    assert maps.text_colour_on([255, 220, 0]) == [0, 0, 0]  # line 34's yellow: black text
    assert maps.text_colour_on([227, 5, 27]) == [255, 255, 255]
    assert maps.text_colour_on([0, 90, 170]) == [255, 255, 255]


def test_labels_keep_their_accents() -> None:
    table = maps.point_table([(-1.6778123, 48.1173987, "République <b>"), (-1.70, 48.12, "Villejean-Université"),
                              (-1.69, 48.10, ""), (-1.7003, 48.1201, "Villejean-Université"),
                              (-1.75, 48.12, "Villejean-Université")])
    # the layers page's map: its own deck.gl code draws the names with the glyphs they use
    payload = maps.layers_payload([(maps.LAYERS["stops"], table)])
    layer = payload["layers"][0]
    # as text (no HTML); a name written once within 150 m (a stop's two platforms)
    assert layer["labels"] == {"text": ["République <b>", "Villejean-Université", "Villejean-Université"],
                               "at": [0, 1, 4], "always": False}
    assert layer["name"][0] == "République &lt;b&gt;"  # escaped: the tooltip is HTML
    assert layer["xy"][:2] == [-1.67781, 48.1174] and layer["size"] == 60.0  # rounded; one size for all
    assert layer["palette"] == [[227, 5, 27]] and layer["ci"] == [0] * 5
    page = (Path(maps.__file__).parent / "components" / "deckmap" / "index.html").read_text(encoding="utf-8")
    assert "characterSet: 'auto'" in page and 'id="zin"' in page and "Intl.NumberFormat" in page
    # maps drawn by Streamlit (pydeck JSON): the character set reaches deck.gl as text, not an expression
    deck = json.loads(maps.make_deck([maps.label_layer("stops", table)]).to_json())
    text_layer = deck["layers"][0]
    assert text_layer["characterSet"] == "auto" and "Villejean-Université" in json.dumps(text_layer, ensure_ascii=False)


def test_layers_payload_is_small_and_in_drawing_order() -> None:
    paths = pd.DataFrame({"path": [[[-1.6, 48.1], [-1.60001, 48.10001], [-1.59, 48.11]]], "color": [[1, 2, 3]],
                          "width_m": [18.0], "name": [""], "info": ["REV"]})
    points = maps.point_table([(-1.68, 48.11, "P")])
    streets = pd.DataFrame({"path": [[[-1.6, 48.1], [-1.5, 48.2]]] * 2, "color": [[9, 9, 9]] * 2, "width_m": 4.0})
    payload = maps.layers_payload([(maps.LAYERS["carpool"], points), (maps.LAYERS["rev"], paths),
                                   (maps.LAYERS["lines"], paths)])
    assert [x["id"] for x in payload["layers"]] == ["lines", "rev", "carpool"]  # lines, paths, points
    assert maps.streets_payload(streets) == [{"color": [9, 9, 9], "width": 4.0, "paths": streets["path"].tolist()}]
    rev = payload["layers"][1]
    assert rev["paths"] == [[[-1.6, 48.1], [-1.59, 48.11]]] and "labels" not in rev  # simplified
    assert set(rev) == {"id", "kind", "palette", "ci", "name", "info", "paths", "size", "pickable"}


def test_base_map_drawn_as_segments_one_layer_per_colour_and_width():
    table = pd.DataFrame({"path": [[[-1.6, 48.1], [-1.59, 48.1], [-1.58, 48.11]], [[-1.7, 48.0], [-1.71, 48.0]],
                                   [[-1.5, 48.2], [-1.51, 48.2]]],
                          "color": [[1, 2, 3], [1, 2, 3], [9, 9, 9]], "width_m": [4.0, 4.0, 9.0]})
    layers = maps.base_layers(table)
    assert [layer.type for layer in layers] == ["LineLayer", "LineLayer"]
    thin = layers[0]
    assert thin.data == [{"s": [-1.6, 48.1], "t": [-1.59, 48.1]}, {"s": [-1.59, 48.1], "t": [-1.58, 48.11]},
                         {"s": [-1.7, 48.0], "t": [-1.71, 48.0]}]
    assert (thin.get_color, thin.get_width, thin.width_units) == ([1, 2, 3], 4.0, "meters")
    assert layers[1].data == [{"s": [-1.5, 48.2], "t": [-1.51, 48.2]}]
