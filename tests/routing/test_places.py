"""Place search (routing.places), on tiny data made here; the electric-car plans are in test_planner_ev.py."""

from __future__ import annotations

import pandas as pd
import pytest

from routing.places import PlaceIndex, PlaceNotFound, normalise, parse_coordinates


@pytest.fixture()
def index() -> PlaceIndex:
    return PlaceIndex(pd.DataFrame([
        {"name": "République", "kind": "stop", "lon": -1.678, "lat": 48.110, "id": "A"},
        {"name": "République", "kind": "stop", "lon": -1.680, "lat": 48.112, "id": "A2"},
        {"name": "Gares", "kind": "stop", "lon": -1.673, "lat": 48.105, "id": "B"},
        {"name": "Rue de Brest", "kind": "street", "lon": -1.690, "lat": 48.110, "id": ""},
        {"name": "Beaulieu Université", "kind": "stop", "lon": -1.640, "lat": 48.120, "id": "C"},
    ]))


def test_normalise_folds_accents_and_punctuation() -> None:
    assert normalise("Rue de l'Hôtel-Dieu") == "rue de l hotel dieu"


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
