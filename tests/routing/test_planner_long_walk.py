"""No refusal for a long walk (routing.planner.planner): points of the bundle in La Prévalaye and
the Gayeulles, with a stop within 900 m in a straight line but none within a 15-min walk, get a
transit itinerary that says the walk is long; the same for bike-share stations."""

from __future__ import annotations

import datetime as dt

import pytest

from routing.linking import LINK
from routing.planner.planner import PlanParams

pytestmark = pytest.mark.bundle

# (lat, lon) refused before ("no stop within 15 min walk"): La Prévalaye park, the Gayeulles park
FORMERLY_REFUSED = [(48.09094, -1.72515), (48.09157, -1.72468), (48.13955, -1.63868)]
SHORT = PlanParams(max_long_walk_s=LINK.max_access_s)  # the former rule: nothing past the 15-min walk


@pytest.fixture(scope="module")
def when(rennes_planner) -> dt.datetime:
    return dt.datetime.combine(rennes_planner.date, dt.time(8, 0))


@pytest.mark.parametrize("lat, lon", FORMERLY_REFUSED)
def test_a_long_walk_to_the_first_stop_is_tried_and_said(rennes_planner, when, lat: float, lon: float) -> None:
    before = rennes_planner.plan((lon, lat), "République", when, modes=("transit",), params=SHORT)
    assert not before.ok and before.reasons["transit"].key == "plan.no_stop_origin"
    result = rennes_planner.plan((lon, lat), "République", when, modes=("transit",))
    [it] = result.itineraries
    notes = [n for n in it.notes if getattr(n, "key", "").startswith("plan.long_walk")]
    assert [n.key for n in notes] == ["plan.long_walk.origin"]
    walk = it.legs[0]
    assert walk.mode == "walk" and LINK.max_access_s < walk.duration_s <= LINK.max_long_access_s + 60
    assert notes[0].params["minutes"] == f"{walk.duration_s / 60:.0f}"
    assert "longue marche" in notes[0].render("fr") and "long walk" in notes[0].render("en")


@pytest.mark.parametrize("lat, lon", FORMERLY_REFUSED[::2])
def test_a_long_walk_from_the_last_stop_is_tried_and_said(rennes_planner, when, lat: float, lon: float) -> None:
    result = rennes_planner.plan("République", (lon, lat), when, modes=("transit",))
    [it] = result.itineraries
    assert "plan.long_walk.destination" in [getattr(n, "key", "") for n in it.notes]
    assert it.legs[-1].mode == "walk" and it.legs[-1].duration_s > LINK.max_access_s


def test_a_near_stop_needs_no_note(rennes_planner, when) -> None:
    result = rennes_planner.plan("Gares", "République", when, modes=("transit",))
    assert result.ok
    assert not [n for it in result.itineraries for n in it.notes if getattr(n, "key", "").startswith("plan.long")]


def test_bike_share_station_beyond_the_short_walk(rennes_planner, when) -> None:
    far = (-1.7000, 48.0900)  # Saint-Jacques, 25 min on the offline streets from the nearest station
    before = rennes_planner.plan(far, "République", when, modes=("bikeshare",), params=SHORT)
    assert not before.ok
    result = rennes_planner.plan(far, "République", when, modes=("bikeshare",))
    [it] = result.itineraries
    assert "plan.long_walk_station.origin" in [getattr(n, "key", "") for n in it.notes]
