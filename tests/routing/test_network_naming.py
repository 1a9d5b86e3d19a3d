"""Names of points (nearest named street + commune) and points of addresses (the BAN index)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from routing.network import AddressIndex, PointNamer, address_index
from routing.network.naming import house_number
from routing.places import normalise


def _edges() -> pd.DataFrame:
    lines = [shapely.LineString([(-1.6800, 48.1100), (-1.6760, 48.1100)]),  # west-east, at 48.1100
             shapely.LineString([(-1.6800, 48.1120), (-1.6760, 48.1120)]),  # no name
             shapely.LineString([(-1.6700, 48.1000), (-1.6700, 48.1050)]),  # a road closed to walkers
             shapely.LineString([(-1.6500, 48.1200), (-1.6450, 48.1200)])]
    return pd.DataFrame({"name": ["Rue de Paris", "", "Rocade", "Rue de Rennes"],
                         "walk": [True, True, False, True],
                         "geometry": shapely.to_wkb(lines)})


def _communes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["Rennes", "Cesson-Sévigné"]},
                            geometry=[shapely.box(-1.75, 48.07, -1.655, 48.15), shapely.box(-1.655, 48.07, -1.55, 48.15)],
                            crs="EPSG:4326")


def test_a_point_is_named_by_its_street_and_commune() -> None:
    namer = PointNamer(_edges(), _communes())
    assert namer.name(-1.6780, 48.1103) == "Rue de Paris, Rennes"  # 33 m north of it
    assert namer.name(-1.6780, 48.1112) == "Rue de Paris, Rennes"  # the unnamed street is nearer
    assert namer.name(-1.6701, 48.1020) == "Rennes"  # only a road closed to walkers near: the commune
    assert namer.name(-1.6470, 48.1201) == "Rue de Rennes, Cesson-Sévigné"
    assert namer.name(-3.0, 47.0) is None
    assert PointNamer(_edges()).name(-1.6780, 48.1103) == "Rue de Paris"
    place = namer.place(-1.6780, 48.1103)
    assert (place.kind, place.lon, place.lat) == ("coordinates", -1.6780, 48.1103)  # routed from the click
    assert "Rue de Paris" in place.name and "48.1" not in place.name
    assert namer.place(-3.0, 47.0).name == "47.00000, -3.00000"
    assert namer.name(float("nan"), 48.11) is None


def _ban() -> pd.DataFrame:
    rows = [("35238_a_00010", 10, None, "Rue de Saint-Malo", "Rennes", -1.68110, 48.11520),
            ("35238_a_00012", 12, None, "Rue de Saint-Malo", "Rennes", -1.68104, 48.11532),
            ("35238_a_00012_bis", 12, "bis", "Rue de Saint-Malo", "Rennes", -1.68101, 48.11540),
            ("35051_b_00012", 12, None, "Rue de Saint-Malo", "Betton", -1.64000, 48.18000),
            ("35051_c_00003", 3, None, "Rue de Rennes", "Cesson-Sévigné", -1.62000, 48.12000),
            ("35238_d_00001", 1, None, "Boulevard de la Liberté", "Rennes", -1.6790, 48.1060)]
    return pd.DataFrame(rows, columns=["id", "numero", "rep", "nom_voie", "nom_commune", "lon", "lat"])


@pytest.mark.parametrize(("text", "name", "lat"), [
    ("12 rue de Saint-Malo, Rennes", "12 Rue de Saint-Malo", 48.11532),
    ("12 rue de st malo", "12 Rue de Saint-Malo", 48.11532),  # Rennes first: the nearest to the centre
    ("12 bis rue de Saint-Malo rennes", "12 bis Rue de Saint-Malo", 48.11540),
    ("12, rue de saint malo 35000 Rennes", "12 Rue de Saint-Malo", 48.11532),
    ("11 rue de Saint-Malo, Rennes", "10 Rue de Saint-Malo", 48.11520),  # no 11: the nearest number
    ("12 rue de St-Malo, Betton", "12 Rue de Saint-Malo", 48.18000),
    ("3 rue de rennes", "3 Rue de Rennes", 48.12000),  # "Rennes" is the street here, not the commune
    ("1 bd de la liberte", "1 Boulevard de la Liberté", 48.1060),
    ("1 boulevard de la liberter", "1 Boulevard de la Liberté", 48.1060),  # a typo
])
def test_house_numbers_resolve_to_the_address_point(text: str, name: str, lat: float) -> None:
    best = AddressIndex(_ban()).search(text)[0]
    assert best.kind == "address" and best.lat == pytest.approx(lat)
    assert normalise(best.name).startswith(normalise(name))
    shown = best.name + " " + str(getattr(best, "commune", "") or "")
    assert "Rennes" in shown or "Betton" in shown or "Cesson" in shown  # the commune is said


def test_no_house_number_or_no_street_gives_nothing() -> None:
    index = AddressIndex(_ban())
    assert index.search("rue de Saint-Malo") == []
    assert index.search("12 avenue inconnue") == []
    assert len(index.search("12 rue de saint malo", limit=5)) == 2  # Rennes and Betton
    assert house_number("12bis, rue X") == (12, "bis", "rue X")
    assert house_number("12 b rue X") == (12, "b", "rue X")
    assert house_number("République") is None


def test_without_a_cached_copy_there_is_no_address_index(cache_dir) -> None:
    assert address_index(cache=cache_dir) is None


@pytest.mark.bundle
def test_a_click_in_rennes_is_named_on_the_real_streets(rennes_network, bundle_dir) -> None:
    from routing.network import load_frame

    namer = PointNamer.for_network(rennes_network, load_frame("communes", bundle=bundle_dir))
    name = namer.name(-1.6790, 48.1100)  # place de la République
    assert name is not None and name.endswith(", Rennes") and not name[0].isdigit()
    assert namer.name(-1.6107, 48.1254).endswith("Cesson-Sévigné")
