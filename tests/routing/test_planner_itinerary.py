"""Steps, grouped options, transfers, prices and CO2 of itineraries, exact on the tiny network of
:mod:`tests.planner_fixtures`; the service day of a date outside the feed; the Gares ->
Villejean-Université metro trip on the bundle."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from routing.clock import HOLIDAY, SATURDAY, SUNDAY, WEEKDAY, easter_sunday, same_kind_of_day
from routing.messages import render
from routing.planner import costs, steps
from routing.planner.itinerary import Itinerary, Leg
from routing.planner.planner import Planner, PlanParams, _merge_rides
from tests.planner_fixtures import at, dist_m, make_network, node_xy

TODAY = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def planner(tmp_path_factory: pytest.TempPathFactory) -> Planner:
    return Planner(make_network(tmp_path_factory.mktemp("tiny-itinerary")))


def _m(metres: float) -> str:
    return f"{round(metres / 10) * 10:.0f} m"


# -- steps ----------------------------------------------------------------------------------------

def test_transit_steps_name_streets_line_direction_stops(planner: Planner) -> None:
    res = planner.plan(node_xy(20), node_xy(13), at(7, 58), modes=("transit",),
                       params=PlanParams(price_date=TODAY))
    access, ride, egress = res.itineraries[0].legs
    assert [render(s, "fr") for s in access.steps] == [f"Prendre la rue à sens unique sur {_m(dist_m(20, 21))}"]
    assert [render(s, "en") for s in egress.steps] == [f"Take Rue 12-13 for {_m(dist_m(12, 13))}"]
    assert (ride.from_stop_id, ride.to_stop_id, ride.stops, ride.vehicle) == ("B", "C", 1, "bus")
    assert ride.headsign == "Clemenceau"  # no trip_headsign in the tiny feed: the trip's last stop
    assert [render(s, "fr") for s in ride.steps] == [
        "Prendre le bus ligne 1 direction Clemenceau à Gares (08:05)",
        "Descendre à Jacques Cartier après 1 arrêt (08:10)"]
    assert [render(s, "en") for s in ride.steps][1] == "Get off at Jacques Cartier after 1 stop (08:10)"


def test_street_runs_merge_a_street_and_count_short_bits_in_the_one_before() -> None:
    runs = steps.street_runs(["Rue de Paris", "Rue de Paris", "", "Boulevard de la Liberté", "Rue X"],
                             [150.0, 150.0, 10.0, 200.0, 30.0], [False, False, False, False, False], start_m=5.0)
    assert runs == [("Rue de Paris", 315.0, False), ("Boulevard de la Liberté", 200.0, False), ("Rue X", 30.0, False)]
    text = [render(s, "fr") for s in steps.street_steps(runs)]
    assert text == ["Prendre la rue de Paris sur 320 m", "puis le boulevard de la Liberté sur 200 m",
                    "puis la rue X sur 30 m"]
    unnamed = steps.street_steps(steps.street_runs(["", "Avenue Janvier"], [400.0, 100.0], [False, False]))
    assert [render(s, "fr") for s in unnamed] == ["Prendre une voie sans nom sur 400 m", "puis l'avenue Janvier sur 100 m"]
    approx = steps.street_steps([("", 80.0, True)], connector_start_m=1300.0, factor=1.3)
    assert [s.key for s in approx] == ["itin.step.connector", "itin.step.bus_road"]
    assert "1,3 km" in render(approx[0], "fr")


def test_a_bike_leg_says_its_streets_and_the_bike_share_its_stations(planner: Planner) -> None:
    res = planner.plan(node_xy(0), node_xy(3), at(8, 0), modes=("car", "bikeshare"),
                       params=PlanParams(price_date=TODAY))
    car = next(it for it in res.itineraries if it.label == "car")
    assert [render(s, "fr") for s in car.legs[0].steps] == [
        f"Prendre le boulevard Sud sur {_m(car.legs[0].distance_m)}"]
    share = next(it for it in res.itineraries if it.label == "bikeshare")
    ride = next(leg for leg in share.legs if leg.mode == "bikeshare")
    assert ride.steps[0].key == "itin.step.bikeshare_take" and ride.steps[-1].key == "itin.step.bikeshare_drop"


# -- one ride, one leg; grouped options -------------------------------------------------------------

def _ride(trip: str, route: str, a: str, b: str, dep: dt.datetime, arr: dt.datetime, n: int) -> Leg:
    return Leg(mode="transit", from_name=a, to_name=b, departure=dep, arrival=arr, distance_m=500.0,
               geometry=[(0.0, 0.0), (1.0, 1.0)], route=route, trip_id=trip, co2_g=52.0,
               from_stop_id=a, to_stop_id=b, stops=n)


def test_rides_on_the_same_trip_or_line_through_the_stop_are_one_leg_and_no_transfer() -> None:
    legs = [_ride("T1", "34", "A", "B", at(8, 0), at(8, 5), 2), _ride("T1", "34", "B", "C", at(8, 5), at(8, 9), 3),
            _ride("T9", "34", "C", "D", at(8, 12), at(8, 20), 4), _ride("T5", "12", "D", "E", at(8, 25), at(8, 30), 1)]
    merged = _merge_rides(legs)
    assert [(leg.from_stop_id, leg.to_stop_id, leg.stops, leg.route) for leg in merged] == [
        ("A", "D", 9, "34"), ("D", "E", 1, "12")]
    assert merged[0].arrival == at(8, 20) and merged[0].co2_g == 156.0
    assert Itinerary("transit", merged).transfers == 1


def test_the_same_option_later_is_one_itinerary_with_its_next_departures(planner: Planner) -> None:
    res = planner.plan(node_xy(30), node_xy(3), at(7, 55), modes=("transit",),
                       params=PlanParams(transit_alternatives=1, price_date=TODAY))
    assert len(res.itineraries) == 1
    it = res.itineraries[0]
    ride = next(leg for leg in it.legs if leg.mode == "transit")
    assert (ride.trip_id, ride.from_stop_id, ride.to_stop_id, ride.stops) == ("T1", "A", "D", 3)
    assert it.next_departures == [it.departure + dt.timedelta(minutes=20)]  # T2, 20 min later
    assert it.headway_s == 1200.0 and it.transfers == 0
    narrow = planner.plan(node_xy(30), node_xy(3), at(7, 55), modes=("transit",),
                          params=PlanParams(transit_alternatives=1, group_window_s=600, price_date=TODAY))
    assert len(narrow.itineraries) == 2 and not narrow.itineraries[0].next_departures


# -- prices and CO2 against the tables ---------------------------------------------------------------

def test_prices_and_co2_are_the_tables_figures(planner: Planner) -> None:
    table = costs.tables()
    res = planner.plan(node_xy(20), node_xy(13), at(7, 58), modes=("transit", "car", "walk"),
                       params=PlanParams(price_date=TODAY))
    by = {it.label: it for it in res.itineraries}
    ticket = table.price_row("star_ticket_1h", TODAY)
    assert ticket is not None and ticket.euros == 1.70
    assert by["transit"].price.euros == ticket.euros
    # one ticket: its price is the total, not repeated in the basis
    assert render(by["transit"].price.basis, "fr") == "1 ticket STAR 1 h, tarif depuis le 1 juillet 2023"
    assert by["transit"].price.source == "assets/costs/prices.csv"
    car = by["car"]
    assert car.price.euros == round(car.distance_m / 1000 * table.price_row("car_per_km", TODAY).euros, 2)
    assert by["walk"].price.euros == 0.0 and by["walk"].price.basis.key == "itin.price.free"
    ride = next(leg for leg in by["transit"].legs if leg.mode == "transit")
    assert ride.co2_g == round(table.co2_g_per_km["bus"] * ride.distance_m / 1000, 1)
    assert car.legs[0].co2_g == round(table.co2_g_per_km["car"] * car.legs[0].distance_m / 1000, 1)
    feed_year = planner.plan(node_xy(20), node_xy(13), at(7, 58), modes=("transit",),
                             params=PlanParams(price_date=dt.date(2011, 11, 15)))
    assert feed_year.itineraries[0].price.euros == table.price_row("star_ticket_1h", dt.date(2011, 11, 15)).euros == 1.40


def test_a_ticket_lasts_an_hour_transfers_included() -> None:
    assert costs.tickets_needed([at(8, 0), at(8, 40), at(9, 0)]) == 1
    assert costs.tickets_needed([at(8, 0), at(9, 1), at(9, 30)]) == 2


def test_every_mode_has_a_co2_factor_and_the_tables_name_their_sources() -> None:
    from routing.constants import STREET_MODES

    for mode in (*STREET_MODES, "bikeshare", "carpool", "ecar", *costs.VEHICLE_BY_ROUTE_TYPE.values()):
        assert costs.co2_g_per_km(mode) >= 0
    assert all(row.source and row.url for row in costs.tables().prices)


def test_a_bad_cost_table_names_its_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "prices.csv"
    bad.write_text("# x\nitem,euros,unit,valid_from,valid_to,source,url\nstar_ticket_1h,cher,ticket,,,s,u\n")
    with pytest.raises(costs.CostTableError, match=r"prices.csv, line 3: field 'euros'"):
        costs.read_tables(bad, costs.CO2_CSV)


# -- the service day of a date outside the feed ------------------------------------------------------

FEED_WEEK = [dt.date(2011, 11, 14) + dt.timedelta(days=k) for k in range(7)]


@pytest.mark.parametrize(("requested", "used", "kind"), [
    (dt.date(2026, 12, 6), dt.date(2011, 11, 20), SUNDAY),
    (dt.date(2026, 12, 5), dt.date(2011, 11, 19), SATURDAY),
    (dt.date(2026, 12, 8), dt.date(2011, 11, 15), WEEKDAY),
    (dt.date(2026, 12, 25), dt.date(2011, 11, 20), HOLIDAY),
    (dt.date(2026, 5, 14), dt.date(2011, 11, 20), HOLIDAY),  # Ascension: Easter 2026-04-05 + 39 days
    (dt.date(2011, 11, 16), dt.date(2011, 11, 16), WEEKDAY),
])
def test_a_date_outside_the_feed_uses_the_same_kind_of_day(requested: dt.date, used: dt.date, kind: str) -> None:
    served = same_kind_of_day(requested, FEED_WEEK)
    assert (served.used, served.kind) == (used, kind)
    assert (served.message() is None) == (requested == used)


def test_the_banner_names_both_dates() -> None:
    msg = same_kind_of_day(dt.date(2026, 12, 6), FEED_WEEK).message()
    assert render(msg, "fr") == "horaires du dimanche 20 novembre 2011 utilisés pour le dimanche 6 décembre 2026"
    assert render(msg, "en") == "timetable of Sunday, 20 November 2011 used for Sunday, 6 December 2026"
    assert [easter_sunday(y) for y in (2011, 2024, 2026)] == [
        dt.date(2011, 4, 24), dt.date(2024, 3, 31), dt.date(2026, 4, 5)]


# -- the bundle --------------------------------------------------------------------------------------

@pytest.mark.bundle
def test_gares_to_villejean_by_metro_a_towards_jf_kennedy(rennes_planner: Planner, bundle_dir: Path,
                                                          rennes_cache: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    when = dt.datetime.combine(rennes_planner.date, dt.time(8, 0))
    res = rennes_planner.plan("Gares", "Villejean-Université", when, modes=("transit",),
                              params=PlanParams(transit_alternatives=2))
    metro = [it for it in res.itineraries if any(leg.route == "a" for leg in it.legs)]
    assert metro, res.reason
    ride = next(leg for leg in metro[0].legs if leg.mode == "transit")
    tt = rennes_planner.tt
    trip = tt.trip_indices(ride.trip_id)[0]
    conns = tt.trip_connections[1][tt.trip_connections[0][trip]:tt.trip_connections[0][trip + 1]]
    a, b = tt.stop_index(ride.from_stop_id), tt.stop_index(ride.to_stop_id)
    board = next(int(tt.seq[c]) for c in conns if tt.dep_stop[c] == a)
    alight = next(int(tt.arr_seq[c]) for c in conns if tt.arr_stop[c] == b)
    assert ride.stops == alight - board == 6  # the feed's stop sequence: Gares to Villejean-Université
    assert (ride.route, ride.headsign, ride.vehicle) == ("a", "J.F. Kennedy", "metro")
    departures = sorted(it.departure for it in metro)
    assert all((b - a).total_seconds() >= 300 for a, b in zip(departures[:-1], departures[1:], strict=False))
    from routing.cli.main import main

    common = ["plan", "--bundle", str(bundle_dir), "--cache", str(rennes_cache), "--from", "Gares",
              "--to", "Villejean-Université", "--at", "08:00", "--modes", "transit"]
    main(common)
    text = capsys.readouterr().out
    assert "Prendre le métro ligne a direction J.F. Kennedy à Gares" in text and "après 6 arrêts" in text
    main([*common, "--json", "--lang", "en"])
    leg = next(leg for leg in json.loads(capsys.readouterr().out)["itineraries"][0]["legs"] if leg["mode"] == "transit")
    assert (leg["route"], leg["headsign"], leg["stops"]) == ("a", "J.F. Kennedy", 6)
    assert leg["from_stop_id"] == "metro:GAR" and leg["to_stop_id"] == "metro:VU"
    assert leg["steps"][0].startswith("Take metro line a towards J.F. Kennedy at Gares")


@pytest.mark.bundle
def test_a_sunday_is_answered_by_the_feeds_sunday_timetable(rennes_planner: Planner, bundle_dir: Path,
                                                            rennes_cache: Path) -> None:
    """The network of another day shares the streets and compiles that day's timetable: its GTFS trips
    are exactly those whose service runs that day, read independently from calendar.txt."""
    import zipfile

    import pandas as pd

    from routing.network import service_day_for

    served = service_day_for(dt.date(2026, 12, 6), bundle=bundle_dir, cache=rennes_cache)
    sunday = rennes_planner.on_day(served.used, bundle=bundle_dir, cache=rennes_cache)
    assert served.used == dt.date(2011, 11, 20) and sunday.date == served.used
    assert sunday.network.streets is rennes_planner.network.streets  # shared, not rebuilt
    with zipfile.ZipFile(bundle_dir / "gtfs" / "star-2011-11-14.zip") as z:
        cal = pd.read_csv(z.open("calendar.txt"), dtype=str)
        trips = pd.read_csv(z.open("trips.txt"), dtype=str)
    runs = cal[(cal["sunday"] == "1") & (cal["start_date"] <= "20111120") & (cal["end_date"] >= "20111120")]
    expected = set(trips.loc[trips["service_id"].isin(runs["service_id"]), "trip_id"])
    tt = sunday.tt
    today = {str(t) for t, off in zip(tt.trip_ids, tt.trip_day_offset, strict=True) if off == 0}
    assert today & set(trips["trip_id"]) == expected
    assert len(expected) < len({str(t) for t in rennes_planner.tt.trip_ids} & set(trips["trip_id"]))
    # the same trip planned both days: the Sunday's buses, the metro's estimated service on both
    res = sunday.plan("Gares", "Villejean-Université", dt.datetime.combine(sunday.date, dt.time(8, 0)),
                      modes=("transit",))
    assert res.ok and all(leg.trip_id in expected or leg.route == "a"
                          for it in res.itineraries for leg in it.legs if leg.mode == "transit")
    assert rennes_planner.on_day(rennes_planner.date) is rennes_planner
