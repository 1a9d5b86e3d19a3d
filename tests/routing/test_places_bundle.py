"""The place index of the Rennes bundle: queries typed as people type them, each with the place
expected (name and/or kind) and a distance tolerance around where that place really is; the
landmarks table's coordinates recomputed from the sources it names; the 43 communes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing.network.inputs import load_frame, load_landmarks
from sources.geo import haversine_m

pytestmark = pytest.mark.bundle

# text typed, expected name (None: any), expected kind (None: any), where the place is (lat, lon), tolerance m.
# The positions are the places' own (the station, the town hall, the stadium...), not the index's answer.
QUERIES = [
    ("Gare de Rennes", "Gare de Rennes", "landmark", 48.1036, -1.6722, 150),
    ("gare", "Gare de Rennes", None, 48.1036, -1.6722, 150),
    ("gares", "Gares", "metro", 48.1036, -1.6722, 150),
    ("gare sncf", "Gare de Rennes", None, 48.1036, -1.6722, 150),
    ("gare routiere", None, None, 48.1036, -1.6722, 300),
    ("Cesson-Sévigné", "Cesson-Sévigné", "commune", 48.1186, -1.6036, 300),
    ("cesson sevigne", "Cesson-Sévigné", "commune", 48.1186, -1.6036, 300),
    ("cesson", "Cesson-Sévigné", "commune", 48.1186, -1.6036, 300),
    ("saint jacques de la lande", "Saint-Jacques-de-la-Lande", "commune", 48.0806, -1.7124, 300),
    ("st jacques de la lande", "Saint-Jacques-de-la-Lande", "commune", 48.0806, -1.7124, 300),
    ("CHU", "CHU Pontchaillou", "landmark", 48.1207, -1.6943, 300),
    ("chu pontchaillou", "CHU Pontchaillou", "landmark", 48.1207, -1.6943, 300),
    ("Hotel de ville", "Hôtel de Ville de Rennes", "landmark", 48.1114, -1.6795, 150),
    ("hotel de ville rennes", "Hôtel de Ville de Rennes", "landmark", 48.1114, -1.6795, 150),
    ("Villejean", None, None, 48.1212, -1.7030, 600),
    ("Beaulieu", None, None, 48.1190, -1.6385, 800),
    ("campus beaulieu", "Campus de Beaulieu", None, 48.1190, -1.6385, 800),
    ("rennes 2", "Campus de Villejean", "landmark", 48.1212, -1.7030, 400),
    ("Bruz", "Bruz", "commune", 48.0247, -1.7455, 400),
    ("Pacé", "Pacé", "commune", 48.1481, -1.7733, 600),
    ("pace", "Pacé", "commune", 48.1481, -1.7733, 600),
    ("Betton", "Betton", "commune", 48.1820, -1.6415, 300),
    ("chantepie", "Chantepie", "commune", 48.0884, -1.6192, 300),
    ("st gregoire", "Saint-Grégoire", "commune", 48.1524, -1.6846, 600),
    ("thorigne", "Thorigné-Fouillard", "commune", 48.1533, -1.5796, 400),
    ("noyal chatillon", "Noyal-Châtillon-sur-Seiche", "commune", 48.0425, -1.6660, 400),
    ("vern", "Vern-sur-Seiche", "commune", 48.0471, -1.6026, 400),
    ("vezin le coquet", "Vezin-le-Coquet", "commune", 48.1190, -1.7547, 300),
    ("mordelles", "Mordelles", "commune", 48.0737, -1.8464, 400),
    ("lhermitage", "L'Hermitage", "commune", 48.1262, -1.8165, 800),
    ("place de la republique", "Place de la République", "street", 48.1098, -1.6790, 200),
    ("rue de st malo", "Rue de Saint-Malo", "street", 48.1240, -1.6850, 1200),
    ("12 rue de Saint-Malo", "Rue de Saint-Malo", "street", 48.1240, -1.6850, 1200),
    ("bd de la liberte", "Boulevard de la Liberté", "street", 48.1065, -1.6790, 600),
    ("rue de brest", "Rue de Brest", "street", 48.1110, -1.6950, 1200),
    ("republique", "République", "metro", 48.1098, -1.6792, 150),
    ("repubilque", "République", None, 48.1098, -1.6792, 150),
    ("pontchailou", "Pontchaillou", "metro", 48.1216, -1.6934, 150),
    ("ste anne", "Sainte-Anne", "metro", 48.1145, -1.6805, 150),
    ("sainte-anne", "Sainte-Anne", "metro", 48.1145, -1.6805, 150),
    ("la poterie", "La Poterie", "metro", 48.0875, -1.6446, 150),
    ("jf kennedy", "J.F. Kennedy", "metro", 48.1213, -1.7113, 150),
    ("henri freville", "Henri Fréville", "metro", 48.0877, -1.6748, 150),
    ("st jacques gaite", "Saint-Jacques - Gaîté", "metro", 48.0920, -1.7036, 150),
    ("viasilva", "Cesson - Viasilva", "metro", 48.1315, -1.6201, 150),
    ("roazhon park", "Roazhon Park", "landmark", 48.1077, -1.7130, 300),
    ("roazon park", "Roazhon Park", "landmark", 48.1077, -1.7130, 300),
    ("stade rennais", None, None, 48.1077, -1.7130, 300),
    ("champs libres", None, None, 48.1055, -1.6738, 150),
    ("les champs libres", "Les Champs Libres", "landmark", 48.1055, -1.6738, 150),
    ("le liberte", "Le Liberté", "landmark", 48.1072, -1.6756, 200),
    ("parlement de bretagne", "Parlement de Bretagne", "landmark", 48.1123, -1.6780, 150),
    ("hopital sud", "Hôpital Sud", None, 48.0846, -1.6555, 300),
    ("mairie de betton", "Mairie de Betton", "landmark", 48.1820, -1.6415, 300),
    ("la prevalaye", None, None, 48.0982, -1.7266, 1000),
    ("gayeulles", None, None, 48.1294, -1.6573, 800),
    ("Cesson-Sévigné Mail de Bourgchevreuil", "Cesson-Sévigné – Mail de Bourgchevreuil", "charger", 48.124, -1.600, 800),
    ("aire de covoiturage chevaigne", None, "carpool", 48.21, -1.63, 3000),
]


@pytest.fixture(scope="module")
def places(rennes_network):
    return rennes_network.places


def test_at_least_forty_queries() -> None:
    assert len(QUERIES) >= 40


@pytest.mark.parametrize("text, name, kind, lat, lon, tol_m", QUERIES, ids=[q[0] for q in QUERIES])
def test_people_find_what_they_type(places, text: str, name: str | None, kind: str | None, lat: float,
                                    lon: float, tol_m: float) -> None:
    best = places.resolve(text)
    if name is not None:
        assert best.name == name, best
    if kind is not None:
        assert best.kind == kind, best
    assert best.commune, best  # every match says its commune
    assert float(haversine_m(best.lon, best.lat, lon, lat)) <= tol_m, best


def test_a_house_number_is_said_to_be_missing(places) -> None:
    best = places.resolve("12 rue de Saint-Malo")
    assert best.note.key == "place.no_house_numbers" and "12" in best.note.render("fr")


def test_readable_point_names(places) -> None:
    frame = places.frame
    chargers = frame[frame["kind"] == "charger"]["name"]
    assert "Cesson-Sévigné – Mail de Bourgchevreuil" in set(chargers)
    letters = chargers.str.replace(r"[^A-Za-zÀ-ÿ]", "", regex=True)
    assert not (letters.str.len() > 3).mul(letters.str.isupper()).any()  # no name left in capitals


def test_one_place_per_stop_name_and_commune(places) -> None:
    stops = places.frame[places.frame["kind"] == "stop"]
    assert not stops.duplicated(["key", "commune"]).any()
    gares = places.search("gares", kinds=("stop",))[0]
    assert float(haversine_m(gares.lon, gares.lat, -1.6722, 48.1038)) < 150  # the platforms' centroid


def test_the_43_communes_at_their_town_centre(places, bundle_dir) -> None:
    towns = places.frame[places.frame["kind"] == "commune"].set_index("name")
    communes = load_frame("communes", bundle=bundle_dir)
    rm = communes[communes["in_rennes_metropole"].astype(bool)]
    assert set(towns.index) == set(rm["name"]) and len(towns) == 43
    assert set(towns["detail"]) <= {"town_hall", "centre_stop", "stop_medoid", "polygon"}
    halls = load_landmarks()
    halls = halls[halls["detail"] == "town_hall"].set_index("commune")
    for commune, row in halls.iterrows():
        assert towns.loc[commune, "detail"] == "town_hall"
        assert (towns.loc[commune, "lon"], towns.loc[commune, "lat"]) == pytest.approx((row["lon"], row["lat"]))
    # never the polygon's centroid where the commune has a stop
    assert (towns["detail"] == "polygon").sum() <= 5


def _source_point(source: str, bundle) -> tuple[float, float]:
    """A landmark's coordinate recomputed from its source: ``dataset:id+id`` (the mean of those rows)
    or ``osm-streets:<street name>`` (the mean of its segments' midpoints)."""
    ds, _, what = source.partition(":")
    if ds == "osm-streets":
        streets = load_frame(ds, bundle=bundle)
        e = streets.edges[streets.edges["name"] == what]
        n = streets.nodes
        assert len(e), source
        lon = (n.loc[e["u"], "x"].to_numpy() + n.loc[e["v"], "x"].to_numpy()) / 2
        lat = (n.loc[e["u"], "y"].to_numpy() + n.loc[e["v"], "y"].to_numpy()) / 2
        return float(np.mean(lon)), float(np.mean(lat))
    ids = what.split("+")
    frame = load_frame(ds, bundle=bundle)
    if ds == "star-gtfs":
        frame = frame.stops.rename(columns={"stop_lon": "lon", "stop_lat": "lat"})
    column = {"star-metro-stations": "station_id", "star-stops": "stop_id", "star-gtfs": "stop_id"}[ds]
    rows = frame[frame[column].astype(str).isin(ids)]
    assert len(rows) == len(ids), source
    return float(rows["lon"].mean()), float(rows["lat"].mean())


def test_every_landmark_coordinate_comes_from_its_source(bundle_dir) -> None:
    landmarks = load_landmarks()
    assert {"CHU Pontchaillou", "Hôpital Sud", "Campus de Beaulieu", "Campus de Villejean", "Hôtel de Ville de Rennes",
            "Parlement de Bretagne", "Les Champs Libres", "Roazhon Park", "Le Liberté", "Gare de Rennes"} <= set(
        landmarks["name"])
    assert landmarks["name"].is_unique
    for row in landmarks.itertuples(index=False):
        lon, lat = _source_point(row.source, bundle_dir)
        assert float(haversine_m(lon, lat, row.lon, row.lat)) < 1.0, row


def test_bad_landmark_rows_are_named(tmp_path) -> None:
    from sources.errors import SchemaError

    good = pd.read_csv(load_landmarks.__globals__["LANDMARKS_CSV"], dtype=str, keep_default_na=False)
    bad = good.copy()
    bad.loc[3, "lat"] = "north"
    bad.to_csv(tmp_path / "l.csv", index=False)
    with pytest.raises(SchemaError, match=r"not a number \(file .*, row 5, field 'lat'\)"):
        load_landmarks(tmp_path / "l.csv")
    bad = good.copy()
    bad.loc[0, "lon"] = "2.35"  # Paris
    bad.to_csv(tmp_path / "l.csv", index=False)
    with pytest.raises(SchemaError, match="outside the expected area .*row 2, field 'lon/lat'"):
        load_landmarks(tmp_path / "l.csv")


def test_places_command(bundle_dir, rennes_cache, capsys) -> None:
    import json

    from routing.cli.main import main

    data = ["--bundle", str(bundle_dir), "--cache", str(rennes_cache)]
    assert main(["places", "gare", "--limit", "3", "--json", *data]) == 0
    out = json.loads(capsys.readouterr().out)
    first = out["places"][0]
    assert (first["name"], first["kind"], first["commune"]) == ("Gare de Rennes", "landmark", "Rennes")
    assert set(first) >= {"name", "kind", "commune", "lat", "lon", "score"} and len(out["places"]) == 3
    assert main(["places", "cesson", "--kinds", "charger", *data]) == 0
    assert "Cesson-Sévigné – " in capsys.readouterr().out
    assert main(["places", "xyzzy qwv", *data]) == 1
    assert "no place matches" in capsys.readouterr().err
    assert main(["plan", "--from", "gare", "--to", "12 rue de st malo", "--modes", "walk", "--json", "--lang", "en", *data]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert (plan["from"]["name"], plan["from"]["kind"]) == ("Gare de Rennes", "landmark")
    assert (plan["to"]["name"], plan["to"]["kind"]) == ("Rue de Saint-Malo", "street")
    assert set(plan["to"]) >= {"name", "kind", "lat", "lon"} and "house numbers" in plan["notes"][0]
