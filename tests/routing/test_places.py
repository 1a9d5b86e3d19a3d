"""Place search (routing.places), on tiny data made here: normalising, abbreviations, ranking rules,
aliases, communes, house numbers and readable names. The bundle's index: test_places_bundle.py."""

from __future__ import annotations

import pandas as pd
import pytest

from routing.places import (
    Place,
    PlaceIndex,
    PlaceNotFound,
    normalise,
    parse_coordinates,
    readable_name,
    search_key,
    split_house_number,
)


@pytest.fixture()
def index() -> PlaceIndex:
    return PlaceIndex(pd.DataFrame([
        {"name": "République", "kind": "stop", "lon": -1.678, "lat": 48.110, "id": "A"},
        {"name": "République", "kind": "stop", "lon": -1.680, "lat": 48.112, "id": "A2"},
        {"name": "Gares", "kind": "stop", "lon": -1.673, "lat": 48.105, "id": "B"},
        {"name": "Rue de Brest", "kind": "street", "lon": -1.690, "lat": 48.110, "id": ""},
        {"name": "Beaulieu Université", "kind": "stop", "lon": -1.640, "lat": 48.120, "id": "C"},
    ]))


@pytest.fixture()
def town() -> PlaceIndex:
    """Every kind once or twice, with communes and aliases, as place_table gives them."""
    rows = [
        ("Gares", "metro", -1.6722, 48.1038, "Rennes", "", ""),
        ("Gares", "stop", -1.6721, 48.1040, "Rennes", "", ""),
        ("Gare", "carpool", -1.4654, 48.1118, "Servon-sur-Vilaine", "", ""),
        ("Gare de Rennes", "landmark", -1.6722, 48.1038, "Rennes", "station", "Gare|Gares|Gare SNCF"),
        ("CHU Pontchaillou", "landmark", -1.6934, 48.1216, "Rennes", "hospital", "CHU|Hôpital Pontchaillou"),
        ("Pontchaillou", "metro", -1.6934, 48.1216, "Rennes", "", ""),
        ("Bruz", "commune", -1.7506, 48.0248, "Bruz", "main_stop", ""),
        ("Bruz Centre", "stop", -1.7451, 48.0246, "Bruz", "", ""),
        ("Bruz Nord", "neighbourhood", -1.75, 48.03, "Bruz", "iris", ""),
        ("Cesson-Sévigné", "commune", -1.6044, 48.1184, "Cesson-Sévigné", "town_hall", "Cesson"),
        ("Cesson Gare", "stop", -1.6033, 48.1140, "Cesson-Sévigné", "", ""),
        ("Mairie", "stop", -1.6795, 48.1110, "Rennes", "", ""),
        ("Mairie", "stop", -1.7321, 48.1771, "La Chapelle-des-Fougeretz", "", ""),
        ("Mairie", "stop", -1.7329, 48.1766, "La Chapelle-des-Fougeretz", "", ""),
        ("Rue de Saint-Malo", "street", -1.6850, 48.1244, "Rennes", "", ""),
        ("Route de Saint-Malo", "street", -1.6950, 48.1392, "Saint-Grégoire", "", ""),
        ("Boulevard de la Liberté", "street", -1.6780, 48.1070, "Rennes", "", ""),
        ("Place Sainte-Anne", "street", -1.6805, 48.1148, "Rennes", "", ""),
        ("Sainte-Anne", "metro", -1.6805, 48.1145, "Rennes", "", ""),
        ("Stade Rennais", "stop", -1.714, 48.108, "Rennes", "", ""),
        ("Cesson-Sévigné – Mail de Bourgchevreuil", "charger", -1.60, 48.12, "Cesson-Sévigné", "", ""),
    ]
    return PlaceIndex(pd.DataFrame(rows, columns=["name", "kind", "lon", "lat", "commune", "detail", "aliases"]))


def test_normalise_folds_accents_and_punctuation() -> None:
    assert normalise("Rue de l'Hôtel-Dieu") == "rue de l hotel dieu"


@pytest.mark.parametrize("text, key", [
    ("St-Jacques Mairie", "saint jacques mairie"), ("Ste Anne", "sainte anne"), ("Bd de la Liberté", "boulevard de la liberte"),
    ("av. Janvier", "avenue janvier"), ("Pl. de Bretagne", "place de bretagne"), ("12 r. de Brest", "12 rue de brest"),
    ("STADE", "stade"),  # a word that starts like an abbreviation is kept
])
def test_search_key_expands_abbreviations(text: str, key: str) -> None:
    assert search_key(text) == key


@pytest.mark.parametrize("text, expected", [
    ("48.1106,-1.6799", (-1.6799, 48.1106)),
    ("48.1106 -1.6799", (-1.6799, 48.1106)),
    ("-1.6799, 48.1106", (48.1106, -1.6799)),  # latitude first, always: never swapped
    ("91,-1.68", None),
    ("NaN,NaN", None),
    ("République", None),
])
def test_parse_coordinates(text: str, expected: tuple[float, float] | None) -> None:
    assert parse_coordinates(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("12 rue de Saint-Malo", ("12", "rue de Saint-Malo")), ("12bis rue X", ("12 bis", "rue X")),
    ("3, place Hoche", ("3", "place Hoche")), ("rue de Saint-Malo", (None, "rue de Saint-Malo")),
    ("Metropolis 2", (None, "Metropolis 2")), ("2011", (None, "2011")),
])
def test_split_house_number(text: str, expected: tuple[str | None, str]) -> None:
    assert split_house_number(text) == expected


def test_search_is_accent_insensitive_typo_tolerant_and_merges_same_name(index: PlaceIndex) -> None:
    assert len(index) == 4  # the two "République" stops are one place
    hit = index.search("republique")[0]
    assert (hit.name, hit.kind) == ("République", "stop")
    assert hit.lon == pytest.approx(-1.679) and hit.lat == pytest.approx(48.111)
    assert index.search("Repuplique")[0].name == "République"
    assert index.resolve("beaulieu").name == "Beaulieu Université"
    assert index.resolve("48.11,-1.67").kind == "coordinates"


def test_resolve_unknown_place_raises_with_suggestions(index: PlaceIndex) -> None:
    with pytest.raises(PlaceNotFound) as err:
        index.resolve("zzzz qqqq")
    assert "zzzz qqqq" in str(err.value)


def test_same_name_in_two_communes_is_two_places(town: PlaceIndex) -> None:
    mairies = town.search("mairie", kinds=("stop",))
    assert sorted((p.commune, round(p.lon, 4)) for p in mairies) == [
        ("La Chapelle-des-Fougeretz", -1.7325), ("Rennes", -1.6795)]
    # the commune's words count: "mairie la chapelle" is the one of La Chapelle-des-Fougeretz
    assert town.resolve("mairie la chapelle").commune == "La Chapelle-des-Fougeretz"


@pytest.mark.parametrize("text, name, kind", [
    ("gare", "Gare de Rennes", "landmark"),  # an alias typed whole beats a carpool place named "Gare"
    ("gares", "Gares", "metro"),  # exact on both: the metro station's kind comes first
    ("gare sncf", "Gare de Rennes", "landmark"),
    ("chu", "CHU Pontchaillou", "landmark"),
    ("pontchaillou", "Pontchaillou", "metro"),
    ("bruz", "Bruz", "commune"),  # the whole name before "Bruz Centre"
    ("cesson", "Cesson-Sévigné", "commune"),  # alias
    ("cesson sevigne", "Cesson-Sévigné", "commune"),
    ("rue de st malo", "Rue de Saint-Malo", "street"),
    ("bd de la liberte", "Boulevard de la Liberté", "street"),
    ("pl ste anne", "Place Sainte-Anne", "street"),
    ("ste anne", "Sainte-Anne", "metro"),
    ("rennais st", "Stade Rennais", "stop"),  # the last word "st" may be "stade" being typed
    ("pontchailou", "Pontchaillou", "metro"),  # a typo
    ("cesson mail bourgchevreuil", "Cesson-Sévigné – Mail de Bourgchevreuil", "charger"),
])
def test_ranking_rules(town: PlaceIndex, text: str, name: str, kind: str) -> None:
    best = town.resolve(text)
    assert (best.name, best.kind) == (name, kind)


def test_exact_words_and_kind_before_fuzzy_score(town: PlaceIndex) -> None:
    # every word found exactly ranks before a typo match, whatever the WRatio says
    names = [p.name for p in town.search("gare", limit=5)]
    assert names.index("Gare de Rennes") < names.index("Gare")
    kinds = [p.kind for p in town.search("bruz", limit=3)]
    assert kinds == ["commune", "stop", "neighbourhood"]
    assert [p.score for p in town.search("bruz", limit=3)][0] == 100.0


def test_house_number_finds_the_street_and_says_so(town: PlaceIndex) -> None:
    best = town.resolve("12 rue de St-Malo")
    assert (best.name, best.kind) == ("Rue de Saint-Malo", "street")
    assert best.note.key == "place.no_house_numbers" and best.note.params["number"] == "12"
    assert "numéros" in best.note.render("fr") and "house numbers" in best.note.render("en")
    assert town.resolve("rue de St-Malo").note == ""


def test_label_and_json(town: PlaceIndex) -> None:
    mairie = town.search("mairie", kinds=("stop",))[0]
    assert mairie.label("fr") in ("Mairie, Rennes (arrêt)", "Mairie, La Chapelle-des-Fougeretz (arrêt)")
    bruz = town.resolve("bruz")
    assert bruz.label("en") == "Bruz (town)" and bruz.label("fr") == "Bruz (commune)"
    assert bruz.as_dict() == {"name": "Bruz", "kind": "commune", "commune": "Bruz", "lat": 48.0248,
                              "lon": -1.7506, "score": 100.0, "detail": "main_stop"}
    assert Place("a", "coordinates", 1.0, 2.0).label() == "a"


def test_index_round_trips_through_its_frame(town: PlaceIndex) -> None:
    again = PlaceIndex.from_frame(town.frame.copy())
    for text in ("gare", "chu", "12 rue de st malo", "mairie la chapelle"):
        assert again.search(text) == town.search(text)


@pytest.mark.parametrize("raw, readable", [
    ("CESSON SEVIGNE- MAIL DE BOURGCHEVREUIL", "Cesson-Sévigné – Mail de Bourgchevreuil"),
    ("BETTON - AVENUE D ARMORIQUE", "Betton – Avenue d'Armorique"),
    ("CHANTEPIE - AV ANDRE BONIN", "Chantepie – Avenue Andre Bonin"),
    ("LE RHEU - RUE DU DR WAGNER", "Le Rheu – Rue du Docteur Wagner"),
    ("MONTREUIL LE GAST - PLACE DE L EGLISE", "Montreuil-le-Gast – Place de l'Eglise"),
    ("Aire de covoiturage de Chevaigné", "Aire de covoiturage de Chevaigné"),  # already readable: kept
    ("  Mairie - Opéra ", "Mairie - Opéra"),
])
def test_readable_names(raw: str, readable: str) -> None:
    communes = {normalise(n): n for n in ("Cesson-Sévigné", "Betton", "Chantepie", "Le Rheu", "Montreuil-le-Gast")}
    assert readable_name(raw, communes=communes) == readable
