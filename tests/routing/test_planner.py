"""Door-to-door planning on the tiny network of :mod:`tests.planner_fixtures` (exact
expectations computed from its coordinates), and one integration test on the Rennes bundle."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.constants import TRIP_MODES
from routing.planner.itinerary import Leg, PlanResult
from routing.planner.planner import MODE_PLANS, MODES, Planner, PlanParams
from tests.planner_fixtures import DAY, OFF_STREET, at, dist_m, make_network, node_xy, path_m

WALK_MS = 4.8 / 3.6
BIKE_MS = 15.0 / 3.6
CAR_RESIDENTIAL_MS = 30 * 0.9 / 3.6  # speed limit x car_limit_factor
CAR_PRIMARY_MS = 50 * 0.9 / 3.6
CAR_PARK_S = 180.0
GRID = [10 * r + c for r in range(4) for c in range(4)]


@pytest.fixture(scope="module")
def planner(tmp_path_factory: pytest.TempPathFactory) -> Planner:
    return Planner(make_network(tmp_path_factory.mktemp("tiny")))


def secs(a: dt.datetime, b: dt.datetime) -> float:
    return (a - b).total_seconds()


def only(result: PlanResult, label: str):
    its = [it for it in result.itineraries if it.label == label]
    assert len(its) == 1, (result.reason, result.notes)
    return its[0]


def assert_continuous(result: PlanResult) -> None:
    for it in result.itineraries:
        for leg in it.legs:
            assert leg.arrival >= leg.departure, (it.label, leg)
        for prev, leg in zip(it.legs[:-1], it.legs[1:], strict=True):
            assert leg.departure >= prev.arrival, (it.label, prev, leg)


# -- direct modes -----------------------------------------------------------------------------

def test_every_mode_has_one_plan_in_the_table() -> None:
    assert list(MODE_PLANS) == list(TRIP_MODES) == list(MODES)
    assert all(callable(plan) and plan.__name__ == f"_plan_{mode}" for mode, plan in MODE_PLANS.items())


def test_walk_takes_the_footway(planner: Planner) -> None:
    res = planner.plan(node_xy(30), node_xy(21), at(8, 0), modes=("walk",))
    leg = only(res, "walk").legs[0]
    expected_m = dist_m(30, 21)  # the diagonal footway, not the 928 m around the block
    assert leg.mode == "walk"
    assert leg.distance_m == pytest.approx(expected_m, abs=0.1)
    assert leg.departure == at(8, 0)
    assert leg.duration_s == pytest.approx(expected_m / WALK_MS, abs=1)
    assert leg.geometry[1:-1] == [tuple(round(v, 6) for v in node_xy(n)) for n in (30, 21)]
    assert leg.co2_g == 0


def test_bike_takes_the_cycleway_and_car_cannot(planner: Planner) -> None:
    res = planner.plan(node_xy(21), node_xy(12), at(8, 0), modes=("bike", "car"))
    bike = only(res, "bike").legs[0]
    assert bike.distance_m == pytest.approx(dist_m(21, 12), abs=0.1)
    assert bike.duration_s == pytest.approx(dist_m(21, 12) / BIKE_MS, abs=1)
    car = only(res, "car").legs[0]
    assert car.distance_m == pytest.approx(path_m([21, 22, 12]), abs=0.5)
    assert car.distance_m > bike.distance_m + 100


def test_car_respects_one_way_and_parks(planner: Planner) -> None:
    res = planner.plan(node_xy(21), node_xy(20), at(8, 0), modes=("walk", "bike", "car"))
    walk, bike, car = (only(res, m).legs[0] for m in ("walk", "bike", "car"))
    assert walk.distance_m == pytest.approx(dist_m(21, 20), abs=0.1)
    assert bike.distance_m == pytest.approx(dist_m(21, 20), abs=0.1)  # contraflow allowed
    around = [21, 11, 10, 20]  # 20 -> 21 is one-way for cars
    assert car.distance_m == pytest.approx(path_m(around), abs=0.1)
    assert car.geometry[1:-1] == [tuple(round(v, 6) for v in node_xy(n)) for n in around]
    assert car.duration_s == pytest.approx(path_m(around) / CAR_RESIDENTIAL_MS + CAR_PARK_S, abs=1)
    assert car.co2_g == pytest.approx(217.6 * car.distance_m / 1000, abs=0.1)
    assert [it.label for it in res.itineraries] == ["bike", "walk", "car"]  # fastest first


def test_car_uses_the_faster_primary_road(planner: Planner) -> None:
    car = only(planner.plan(node_xy(0), node_xy(3), at(8, 0), modes=("car",)), "car").legs[0]
    assert car.distance_m == pytest.approx(path_m([0, 1, 2, 3]), abs=0.1)
    assert car.duration_s == pytest.approx(path_m([0, 1, 2, 3]) / CAR_PRIMARY_MS + CAR_PARK_S, abs=1)


def test_direct_modes_arrive_by_end_at_the_deadline(planner: Planner) -> None:
    res = planner.plan(node_xy(21), node_xy(20), at(9, 0), arrive_by=True, modes=("walk", "bike", "car"))
    assert len(res.itineraries) == 3
    for it in res.itineraries:
        assert it.arrival == at(9, 0)
    assert [it.label for it in res.itineraries] == ["bike", "walk", "car"]  # latest departure first


# -- transit ------------------------------------------------------------------------------------

def test_transit_walks_to_the_stop_and_leaves_as_late_as_possible(planner: Planner) -> None:
    res = planner.plan(node_xy(20), node_xy(13), at(7, 58), modes=("transit", "walk"))
    it = only(res, "transit")
    assert [leg.mode for leg in it.legs] == ["walk", "transit", "walk"]
    access, ride, egress = it.legs
    assert (access.to_name, ride.from_name, ride.to_name) == ("Gares", "Gares", "Jacques Cartier")
    assert (ride.route, ride.route_color, ride.trip_id) == ("1", "E3051B", "T1")
    assert (ride.departure, ride.arrival) == (at(8, 5), at(8, 10))
    # the walk to Gares ends when the bus leaves (no waiting at the stop)
    assert access.arrival == at(8, 5)
    assert secs(at(8, 5), access.departure) == pytest.approx(dist_m(20, 21) / WALK_MS, abs=1)
    assert access.departure > at(7, 58)
    assert egress.departure == at(8, 10)
    assert egress.duration_s == pytest.approx(dist_m(12, 13) / WALK_MS, abs=1)
    assert egress.distance_m == pytest.approx(dist_m(12, 13), abs=0.1)
    # the bus beats walking the whole way
    assert it.arrival < only(res, "walk").arrival
    assert ride.co2_g == pytest.approx(113.2 * ride.distance_m / 1000, abs=0.1)


def test_arrive_by_meets_the_deadline_and_departs_as_late_as_possible(planner: Planner) -> None:
    res = planner.plan(node_xy(20), node_xy(13), at(8, 15), arrive_by=True, modes=("transit",))
    it = only(res, "transit")
    assert it.arrival <= at(8, 15)
    assert [leg.trip_id for leg in it.legs if leg.mode == "transit"] == ["T1"]
    assert it.legs[0].arrival == at(8, 5)
    assert secs(at(8, 5), it.departure) == pytest.approx(dist_m(20, 21) / WALK_MS, abs=1)
    assert_continuous(res)


def test_arrive_by_too_early_has_no_transit_route(planner: Planner) -> None:
    res = planner.plan(node_xy(20), node_xy(13), at(8, 11), arrive_by=True, modes=("transit",))
    assert not res.ok
    assert res.reason.startswith("Bus / metro: ")


def test_night_trip_after_midnight_and_no_service_after_it(planner: Planner) -> None:
    params = PlanParams(max_walk_s=300)  # only A near the origin, only D near the destination
    res = planner.plan(node_xy(30), node_xy(3), at(23, 45), modes=("transit",), params=params)
    ride = [leg for leg in only(res, "transit").legs if leg.mode == "transit"]
    assert [leg.trip_id for leg in ride] == ["N1"]
    assert ride[0].departure == at(23, 50)
    # N1 reaches C at "24:06:00"; walking on to D (7 min) beats staying on until "25:00:00"
    next_day = DAY + dt.timedelta(days=1)
    assert (ride[-1].to_name, ride[-1].arrival) == ("Jacques Cartier", dt.datetime.combine(next_day, dt.time(0, 6)))
    it = only(res, "transit")
    assert it.legs[-1].mode == "walk" and it.legs[-1].to_name == "Clemenceau"
    assert secs(it.arrival, ride[-1].arrival) == pytest.approx(path_m([12, 13, 3]) / WALK_MS, abs=1)
    late = planner.plan(node_xy(30), node_xy(3), at(23, 55), modes=("transit",), params=params)
    assert not late.ok
    assert late.reason == "Bus / metro: no bus or metro reaches the destination that day after this time"
    assert late.itineraries == []


# -- bike share, park-and-ride, carpool, electric car ------------------------------------------

def test_bikeshare_skips_station_without_bikes_and_station_without_docks(planner: Planner) -> None:
    # "Sans vélos" lies at the origin but has no bike; "Complète" at the destination has no dock
    it = only(planner.plan(node_xy(20), node_xy(3), at(8, 0), modes=("bikeshare",)), "bikeshare")
    assert [leg.mode for leg in it.legs] == ["walk", "bikeshare", "walk"]
    walk1, ride, walk2 = it.legs
    assert (walk1.to_name, ride.from_name, ride.to_name, walk2.from_name) == (
        "Vélos dispo", "Vélos dispo", "Places libres", "Places libres")
    assert walk1.duration_s == pytest.approx(dist_m(20, 10) / WALK_MS, abs=1)
    assert secs(ride.departure, walk1.arrival) == 60  # take the bike
    assert ride.distance_m == pytest.approx(path_m([10, 11, 12, 13]), abs=0.1)
    assert ride.duration_s == pytest.approx(path_m([10, 11, 12, 13]) / BIKE_MS + 60, abs=1)  # + dock it
    assert walk2.duration_s == pytest.approx(dist_m(13, 3) / WALK_MS, abs=1)
    assert it.notes == ["3 bikes at Vélos dispo, 4 free docks at Places libres"]


def test_bikeshare_says_when_availability_is_unknown(tmp_path: Path) -> None:
    planner = Planner(make_network(tmp_path, bikeshare_known=False))
    it = only(planner.plan(node_xy(20), node_xy(3), at(8, 0), modes=("bikeshare",)), "bikeshare")
    # the nearest stations are used: the one at the origin, the one at the destination
    assert [leg.mode for leg in it.legs] == ["bikeshare"]
    assert (it.legs[0].from_name, it.legs[0].to_name) == ("Sans vélos", "Complète")
    assert it.notes == ["bike and dock availability unknown: check at the station"]


def test_park_and_ride(planner: Planner) -> None:
    res = planner.plan(node_xy(0), node_xy(13), at(7, 50), modes=("park_ride",))
    it = only(res, "park_ride")
    assert [leg.mode for leg in it.legs] == ["car", "walk", "transit", "walk"]
    car, walk, ride, egress = it.legs
    assert car.to_name == walk.from_name == "Parc Relais Test"  # not the ordinary car park
    assert walk.to_name == ride.from_name
    assert walk.arrival == ride.departure  # leave home as late as possible
    assert car.departure >= at(7, 50)
    assert car.duration_s == pytest.approx(car.distance_m / CAR_RESIDENTIAL_MS + CAR_PARK_S, rel=0.2)
    assert walk.duration_s == pytest.approx(dist_m(31, 21) / WALK_MS, abs=1)
    assert (ride.trip_id, ride.departure) == ("T1", at(8, 5))
    assert_continuous(res)


def test_carpool_both_sides_meet_at_the_same_place_and_time(planner: Planner) -> None:
    params = PlanParams(carpool_partner=node_xy(33))
    res = planner.plan(node_xy(0), node_xy(13), at(7, 50), modes=("carpool",), params=params)
    driver, passenger = only(res, "carpool"), only(res, "carpool_passenger")
    for it in (driver, passenger):
        assert [leg.mode for leg in it.legs] == ["car", "wait", "carpool"]
        assert it.legs[0].to_name == "Aire Test"  # "Aire Isolée" is unreachable
        assert it.legs[1].duration_s == params.carpool_wait_s
        assert it.notes == ["meet at Aire Test (12 places)"]
    # one shared ride, at the same time for both
    assert (driver.legs[2].departure, driver.legs[2].arrival) == (passenger.legs[2].departure,
                                                                  passenger.legs[2].arrival)
    assert driver.legs[0].arrival == passenger.legs[0].arrival
    # the passenger has the longer drive: leaves at the requested time, the driver later
    assert passenger.departure == at(7, 50)
    assert driver.departure > at(7, 50)
    assert driver.legs[0].duration_s == pytest.approx(path_m([0, 1]) / CAR_PRIMARY_MS
                                                      + dist_m(1, 11) / CAR_RESIDENTIAL_MS, abs=1)
    ride = driver.legs[2]
    assert ride.distance_m == pytest.approx(path_m([11, 12, 13]), abs=0.5)
    assert ride.co2_g == pytest.approx(108.8 * ride.distance_m / 1000, abs=0.1)
    by = planner.plan(node_xy(0), node_xy(13), at(8, 30), arrive_by=True, modes=("carpool",), params=params)
    assert {it.arrival for it in by.itineraries} == {at(8, 30)}


def test_carpool_needs_a_partner(planner: Planner) -> None:
    res = planner.plan(node_xy(0), node_xy(13), at(7, 50), modes=("carpool",))
    assert not res.ok and "passenger" in res.reason


def test_electric_car_without_charging_when_the_battery_suffices(planner: Planner) -> None:
    res = planner.plan(node_xy(30), node_xy(3), at(8, 0), modes=("ecar", "car"))
    ecar = only(res, "ecar")
    assert [leg.mode for leg in ecar.legs] == ["ecar"]
    assert ecar.duration_s == only(res, "car").duration_s
    soc_end = 0.8 - ecar.legs[0].distance_m * 0.17 / 1000 / 50.0
    assert ecar.notes[0] == f"battery {soc_end:.0%} on arrival"


def test_electric_car_stops_to_charge_when_the_battery_is_low(planner: Planner) -> None:
    params = PlanParams(battery_kwh=0.4)  # 0.28 kWh usable: 1.6 km, the trip is 2.2 km
    it = only(planner.plan(node_xy(30), node_xy(3), at(8, 0), modes=("ecar",), params=params), "ecar")
    assert [leg.mode for leg in it.legs] == ["ecar", "charge", "ecar"]
    first, charge, second = it.legs
    assert first.to_name == charge.from_name == second.from_name == "Borne Test"
    kwh = 0.17 / 1000  # per metre
    soc_in = 0.8 - first.distance_m * kwh / 0.4
    soc_out = 0.1 + second.distance_m * kwh / 0.4  # just enough to arrive at the minimum
    energy = (soc_out - soc_in) * 0.4
    assert charge.duration_s == pytest.approx(energy / (22 * 0.9) * 3600 + 300, abs=1)
    assert charge.notes == [f"charge {energy:.1f} kWh at 22 kW: {soc_in:.0%} -> {soc_out:.0%}"]
    assert it.notes[0] == "battery 10% on arrival"
    assert first.distance_m + second.distance_m == pytest.approx(path_m([30, 31, 21, 11, 1, 2, 3]), abs=1)


def test_electric_car_without_enough_charge_says_why(planner: Planner) -> None:
    res = planner.plan(node_xy(30), node_xy(3), at(8, 0), modes=("ecar",), params=PlanParams(battery_kwh=0.1))
    assert not res.ok
    assert res.reason.startswith("Electric car: not enough charge")


# -- no route, off-street points, dates ---------------------------------------------------------

def test_unknown_place_is_a_result_with_a_reason(planner: Planner) -> None:
    res = planner.plan("Nowhereville", node_xy(13), at(8, 0), modes=("walk",))
    assert not res.ok and res.itineraries == []
    assert res.reason == "no place matches 'Nowhereville'"
    assert res.to_frame().columns.tolist() == ["itinerary", "label", *Leg.COLUMNS]


def test_unreachable_destination_is_a_result_with_reasons(planner: Planner) -> None:
    far = (-1.6000, 48.1000)  # about 5 km east of the grid: beyond the 3 km off-network reach
    res = planner.plan(node_xy(20), far, at(8, 0), modes=("walk", "bike", "car"))
    assert not res.ok
    assert set(res.reasons) == {"walk", "bike", "car"}
    assert all(why.key == "plan.outside_data" and why.params["side"] == "destination"
               for why in res.reasons.values())
    assert "destination lies outside the offline street data (by car): the nearest road is" in res.reason
    assert res.reasons["car"].render("fr").startswith("l'arrivée est hors des données de rues")


def test_an_island_of_the_street_data_is_linked_to_the_main_component(planner: Planner) -> None:
    # nodes 90-91 form an island: ends link to the main component, approximately
    res = planner.plan(node_xy(20), node_xy(90), at(8, 0), modes=("walk", "car"))
    for label in ("walk", "car"):
        it = only(res, label)
        assert it.legs[-1].approximate
        assert any(getattr(n, "key", "") in ("plan.connector", "plan.straight_line") for n in it.notes)


def test_unknown_mode_is_a_result_with_a_reason(planner: Planner) -> None:
    res = planner.plan(node_xy(20), node_xy(13), at(8, 0), modes=("walk", "teleport"))
    assert not res.ok and "teleport" in res.reason


def test_point_far_from_streets_walks_straight_line_times_1_3(planner: Planner) -> None:
    res = planner.plan(OFF_STREET, "République", at(8, 0), modes=("walk", "bike"))
    walk = only(res, "walk")
    leg = walk.legs[0]
    assert leg.distance_m == pytest.approx(dist_m(OFF_STREET, 30) * 1.3, abs=0.1)
    assert leg.duration_s == pytest.approx(dist_m(OFF_STREET, 30) * 1.3 / WALK_MS, abs=1)
    assert leg.geometry[0] == tuple(round(v, 6) for v in OFF_STREET)
    assert leg.geometry[-1] == tuple(round(v, 6) for v in node_xy(30))
    assert leg.approximate
    assert [n.key for n in walk.notes] in (["plan.connector"], ["plan.straight_line"])
    # a bike also leaves from there, by the same straight connector at its own speed
    bike = only(res, "bike")
    assert bike.legs[0].approximate
    assert bike.duration_s == pytest.approx(dist_m(OFF_STREET, 30) * 1.3 / (15 / 3.6), abs=1)


def test_transit_from_a_point_far_from_streets(planner: Planner) -> None:
    # straight-line access to République (A), then line 1
    res = planner.plan(OFF_STREET, node_xy(3), at(7, 45), modes=("transit",))
    it = only(res, "transit")
    assert it.legs[0].approximate and it.legs[0].mode == "walk"
    assert it.legs[0].to_name == "République"
    assert any(getattr(n, "key", "") in ("plan.connector", "plan.straight_line") for n in it.notes)
    assert [leg.trip_id for leg in it.legs if leg.mode == "transit"] == ["T1"]


def test_another_date_uses_the_network_day_with_a_note(planner: Planner) -> None:
    res = planner.plan(node_xy(20), node_xy(13), dt.datetime(2024, 3, 12, 7, 58), modes=("transit",))
    assert only(res, "transit").legs[1].departure == at(8, 5)
    assert res.notes[0].startswith("timetable of 5 March 2024 used")


# -- results as data ----------------------------------------------------------------------------

def test_frame_and_geojson_round_trip(planner: Planner) -> None:
    res = planner.plan(node_xy(20), node_xy(3), at(8, 0), modes=("walk", "bikeshare", "transit", "car"))
    frame = res.to_frame()
    assert frame.columns.tolist() == ["itinerary", "label", *Leg.COLUMNS]
    assert len(frame) == sum(len(it.legs) for it in res.itineraries)
    gj = json.loads(json.dumps(res.to_geojson()))
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == len(frame)
    back = pd.DataFrame([{**f["properties"], "geometry": [tuple(p) for p in f["geometry"]["coordinates"]]}
                         for f in gj["features"]])
    for col in ("mode", "from_name", "to_name", "duration_s", "distance_m", "route", "trip_id", "co2_g"):
        assert back[col].tolist() == frame[col].tolist(), col
    assert back["departure"].map(dt.datetime.fromisoformat).tolist() == frame["departure"].tolist()
    assert back["arrival"].map(dt.datetime.fromisoformat).tolist() == frame["arrival"].tolist()
    assert back["itinerary_index"].tolist() == frame["itinerary"].tolist()
    assert back["itinerary"].tolist() == frame["label"].tolist()
    for g, f in zip(back["geometry"], frame["geometry"], strict=True):
        assert g == list(f) or (len(f) == 1 and g == list(f) * 2)
    payload = json.loads(res.to_json())
    assert [it["label"] for it in payload["itineraries"]] == [it.label for it in res.itineraries]
    empty = planner.plan("Nowhereville", node_xy(3), at(8, 0)).to_geojson()
    assert empty["features"] == [] and empty["properties"]["reason"] == "no place matches 'Nowhereville'"


@pytest.mark.parametrize("arrive_by", [False, True])
def test_leg_times_are_continuous_for_every_mode(planner: Planner, arrive_by: bool) -> None:
    params = PlanParams(carpool_partner=node_xy(33), battery_kwh=0.4)
    res = planner.plan(node_xy(0), node_xy(13), at(8, 20) if arrive_by else at(7, 50), arrive_by=arrive_by,
                       modes=MODES, params=params)
    labels = {it.label for it in res.itineraries}
    assert {"walk", "bike", "bikeshare", "car", "ecar", "carpool", "carpool_passenger"} <= labels
    assert_continuous(res)
    for it in res.itineraries:
        if arrive_by:
            assert it.arrival <= at(8, 20)
        else:
            assert it.departure >= at(7, 50)


@settings(max_examples=25, deadline=None)
@given(o=st.sampled_from(GRID), d=st.sampled_from(GRID), t1=st.integers(7 * 3600 + 1800, 8 * 3600 + 2400),
       wait=st.integers(0, 1800))
def test_later_departure_never_arrives_earlier(planner: Planner, o: int, d: int, t1: int, wait: int) -> None:
    base = dt.datetime.combine(DAY, dt.time())
    early = planner.plan(node_xy(o), node_xy(d), base + dt.timedelta(seconds=t1), modes=("walk", "transit"))
    late = planner.plan(node_xy(o), node_xy(d), base + dt.timedelta(seconds=t1 + wait), modes=("walk", "transit"))
    assert early.ok and late.ok  # walking always works on the grid
    assert min(it.arrival for it in early.itineraries) <= min(it.arrival for it in late.itineraries)
    te = [it for it in early.itineraries if it.label == "transit"]
    tl = [it for it in late.itineraries if it.label == "transit"]
    if te and tl:
        assert te[0].arrival <= tl[0].arrival


# -- the real bundle ----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.bundle
def test_bundle_gares_to_beaulieu(rennes_planner: Planner) -> None:
    planner = rennes_planner
    assert planner.network.day == dt.date(2011, 11, 15)
    res = planner.plan("Gares", "Beaulieu", dt.datetime(2011, 11, 15, 8, 0), modes=("transit",))
    it = only(res, "transit")
    buses = [leg for leg in it.legs if leg.mode == "transit"]
    assert buses and all(leg.route and leg.trip_id for leg in buses)
    assert any(leg.route_color for leg in buses)
    assert it.departure >= dt.datetime(2011, 11, 15, 8, 0)
    assert_continuous(res)
    by = planner.plan("Gares", "Beaulieu", dt.datetime(2011, 11, 15, 9, 0), arrive_by=True, modes=("transit",))
    it = only(by, "transit")
    assert it.departure < dt.datetime(2011, 11, 15, 9, 0)
    assert it.arrival <= dt.datetime(2011, 11, 15, 9, 0)
    assert any(leg.mode == "transit" for leg in it.legs)
    assert_continuous(by)


def test_walks_longer_than_the_cap_are_not_offered(planner: Planner) -> None:
    from routing.planner.planner import PlanParams

    ok = planner.plan(node_xy(20), node_xy(13), at(8, 0), modes=("walk",))
    walk_s = ok.itineraries[0].duration_s
    capped = planner.plan(node_xy(20), node_xy(13), at(8, 0), modes=("walk",),
                          params=PlanParams(max_walk_trip_s=walk_s - 1))
    assert capped.itineraries == []
    assert capped.reason.startswith("Walk: ") and "longer than" in capped.reason


def test_transit_alternatives_leave_later_on_other_trips(planner: Planner) -> None:
    from routing.planner.planner import PlanParams

    res = planner.plan(node_xy(20), node_xy(13), at(7, 58), modes=("transit",),
                       params=PlanParams(transit_alternatives=2))
    transit = [it for it in res.itineraries if it.label == "transit"]
    trips = [[leg.trip_id for leg in it.legs if leg.mode == "transit"] for it in transit]
    assert trips[0] == ["T1"]
    assert len(trips) == len({tuple(t) for t in trips})  # each alternative rides other trips
    assert all(later.departure > earlier.departure for earlier, later in zip(transit, transit[1:]))
    default = planner.plan(node_xy(20), node_xy(13), at(7, 58), modes=("transit",))
    assert len(default.itineraries) == 1
