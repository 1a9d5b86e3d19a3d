"""Scenarios on the tiny feed: reading, refusals, every modification, baseline untouched, properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.reference_router import INF as REF_INF
from devkit.reference_router import ReferenceRouter, load_feed
from routing.constants import UNREACHABLE
from routing.scenarios.scenario import (
    MAX_SCENARIO_BYTES,
    ScenarioError,
    apply_scenario,
    apply_scenario_full,
    available_scenarios,
    load_scenario,
    parse_scenario,
)
from routing.transit import csa
from routing.transit.timetable import Timetable, build_timetable
from tests.factories import make_gtfs_dir

TUESDAY = dt.date(2024, 3, 5)
PROPS = settings(max_examples=40, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _h(hms: str) -> int:
    parts = [int(x) for x in hms.split(":")] + [0]
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


@pytest.fixture(scope="module")
def tt(tmp_path_factory: pytest.TempPathFactory) -> Timetable:
    feed = load_feed(make_gtfs_dir(tmp_path_factory.mktemp("gtfs") / "f"))
    return build_timetable(feed, TUESDAY)


LINE = """
name = "tram X"
description = "a test line"
[[sources]]
title = "made up for the test"
url = ""
[[modifications]]
type = "add_line"
id = "X"
name = "X"
mode = "tram"
both_directions = {both}
stops = ["A", {{ id = "N1", name = "Nouvelle", lon = -1.6650, lat = 48.1000 }}, "D"]
{service}
{timing}
dwell_s = 30
"""


def _line(*, service: str = 'periods = [{ start = "07:00", end = "09:00", headway_min = 5 }]',
          timing: str = "segment_s = [300, 240]", both: str = "false") -> str:
    return LINE.format(service=service, timing=timing, both=both)


def _snapshot(tt: Timetable) -> dict[str, bytes]:
    return {k: np.ascontiguousarray(v).tobytes() for k, v in tt.to_arrays().items()}


def test_add_line_with_headways_runs_and_links_new_stop(tt: Timetable) -> None:
    before = _snapshot(tt)
    sc = parse_scenario(_line(), file="x.toml")
    new = apply_scenario(tt, sc)
    assert _snapshot(tt) == before  # baseline never altered
    assert new.n_stops == tt.n_stops + 1 and new.stop_ids[-1] == "N1"
    runs = [i for i, t in enumerate(new.trip_ids) if t.startswith("X:0@")]
    assert len(runs) == 24  # 07:00..08:55 every 5 min
    assert {new.estimated_headway_s(i) for i in runs} == {300}
    conns = new.connections_frame()
    first = conns[conns.trip_id == "X:0@07:05:00"].sort_values("seq")
    # A 07:05 -> N1 07:10 (300 s), dwell 30 s, N1 07:10:30 -> D 07:14:30 (240 s)
    assert first.dep_time_s.tolist() == [_h("07:05"), _h("07:10:30")]
    assert first.arr_time_s.tolist() == [_h("07:10"), _h("07:14:30")]
    assert (np.diff(new.dep_time) >= 0).all()
    route = new.trip_route[runs[0]]
    assert (new.route_ids[route], int(new.route_types[route])) == ("X", 0)
    # the new stop has walking transfers to its neighbours, both ways
    fp = new.footpaths_frame()
    assert ((fp.from_stop_id == "N1").any() and (fp.to_stop_id == "N1").any())
    # and it is routable: A at 07:01 -> D by the 07:05 run at 07:14:30 (the bus is slower)
    res = csa.earliest_arrival(new, np.array([[new.stop_index("A"), _h("07:01")]], dtype=np.int64))
    assert int(res.time[new.stop_index("D")]) == _h("07:14:30")


def test_both_directions_explicit_departures_and_speed(tt: Timetable) -> None:
    sc = parse_scenario(_line(service='departures = ["06:00", "06:30"]', timing="speed_kmh = 36",
                              both="true"), file="x.toml")
    new = apply_scenario(tt, sc)
    ids = sorted(t for t in new.trip_ids if t.startswith("X:"))
    assert ids == ["X:0@06:00:00", "X:0@06:30:00", "X:1@06:00:00", "X:1@06:30:00"]
    assert all(new.estimated_headway_s(i) == 0 for i in new.trip_indices("X:0@06:00:00"))
    conns = new.connections_frame()
    back = conns[conns.trip_id == "X:1@06:00:00"].sort_values("seq")
    assert back.dep_stop_id.tolist() == ["D", "N1"] and back.arr_stop_id.tolist() == ["N1", "A"]


def test_end_to_end_time_is_kept_exactly(tt: Timetable) -> None:
    sc = parse_scenario(_line(timing="end_to_end_min = 9"), file="x.toml")
    conns = apply_scenario(tt, sc).connections_frame()
    run = conns[conns.trip_id == "X:0@07:00:00"]
    assert run.arr_time_s.max() - run.dep_time_s.min() == 9 * 60


def test_remove_line_and_trips_by_window(tt: Timetable) -> None:
    new = apply_scenario(tt, parse_scenario('name = "r"\n[[modifications]]\ntype = "remove_line"\nroute = "2"\n'))
    assert "T3" not in set(new.connections_frame().trip_id)
    assert new.n_connections == tt.n_connections - 3
    win = parse_scenario('name = "w"\n[[modifications]]\ntype = "remove_trips"\nroute = "L1"\n'
                         'start = "08:10"\nend = "09:00"\n')
    kept = set(apply_scenario(tt, win).connections_frame().trip_id)
    assert "T2" not in kept and {"T1", "N1", "T3"} <= kept


def test_change_speed_and_frequency(tt: Timetable) -> None:
    fast = parse_scenario('name = "s"\n[[modifications]]\ntype = "change_speed"\nroute = "L1"\nfactor = 0.5\n')
    conns = apply_scenario(tt, fast).connections_frame()
    t1 = conns[conns.trip_id == "T1"].sort_values("seq")
    assert t1.arr_time_s.tolist() == [_h("08:02:30"), _h("08:05"), _h("08:07:30")]
    # T1 08:00 and T2 08:20 (headway 20 min) in 08:00-09:00: factor 0.5 -> a run every 10 min
    freq = parse_scenario('name = "f"\n[[modifications]]\ntype = "change_frequency"\nroute = "L1"\n'
                          'start = "08:00"\nend = "09:00"\nfactor = 0.5\n')
    new = apply_scenario(tt, freq)
    c = new.connections_frame()
    firsts = sorted(c[c.dep_stop_id == "A"].groupby("trip_id").dep_time_s.min().tolist())
    assert [f for f in firsts if _h("08:00") <= f < _h("09:00")] == [_h(f"08:{m:02d}") for m in range(0, 60, 10)]


def test_points_are_recorded(tt: Timetable) -> None:
    sc = parse_scenario('name = "p"\n[[modifications]]\ntype = "add_park_ride"\nid = "PR1"\nname = "P+R"\n'
                        'lon = -1.65\nlat = 48.10\ncapacity = 400\n'
                        '[[modifications]]\ntype = "add_bikeshare_station"\nid = "V1"\nname = "Vélo"\n'
                        'lon = -1.66\nlat = 48.11\ncapacity = 20\n')
    applied = apply_scenario_full(tt, sc)
    assert applied.points["park_ride"]["capacity"].tolist() == [400.0]
    assert applied.points["bikeshare"]["point_id"].tolist() == ["V1"]


@pytest.mark.parametrize(("text", "field", "words"), [
    (_line().replace('"D"]', '"ZZ"]'), "stops[2]", "unknown stop"),
    (_line(service='periods = [{ start = "07:00", end = "09:00", headway_min = 0 }]'),
     "periods[0].headway_min", "headway"),
    (_line(service='periods = [{ start = "07:00", end = "09:00", headway_min = -3 }]'),
     "periods[0].headway_min", "headway"),
    (_line(service='periods = [{ start = "09:00", end = "07:00", headway_min = 5 }]'),
     "periods[0].end", "ends before it starts"),
    (_line().replace("lon = -1.6650, lat = 48.1000", "lon = -1.0, lat = 48.3"), "stops[1]", "km apart"),
    (_line().replace('type = "add_line"', 'type = "add_tunnel"'), "type", "unknown modification"),
    (_line().replace("dwell_s = 30", "dwell = 30"), "dwell", "unknown field"),
    (_line(service='departures = ["25h"]'), "departures[0]", "not a time"),
])
def test_bad_scenarios_are_refused_naming_file_modification_field(tt: Timetable, text: str, field: str,
                                                                   words: str) -> None:
    before = _snapshot(tt)
    with pytest.raises(ScenarioError) as err:
        apply_scenario(tt, parse_scenario(text, file="bad.toml"))
    assert err.value.file == "bad.toml" and err.value.field == field
    assert err.value.modification and err.value.modification.startswith("#1")
    assert words in str(err.value) and "bad.toml" in str(err.value)
    assert _snapshot(tt) == before


def test_new_stop_50_km_away_is_refused_before_applying() -> None:
    text = _line().replace('"A", {', '{ id = "F", name = "Far", lon = -1.0, lat = 48.5 }, {')
    with pytest.raises(ScenarioError, match="km apart") as err:
        parse_scenario(text, file="far.toml")
    assert err.value.field == "stops[1]"


def test_budget_bad_bytes_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="budget"):
        parse_scenario(b"#" * (MAX_SCENARIO_BYTES + 1), file="big.toml")
    with pytest.raises(ScenarioError, match="UTF-8"):
        parse_scenario(b"name = \"\xff\"", file="latin.toml")
    with pytest.raises(ScenarioError, match="TOML"):
        parse_scenario("name = ", file="broken.toml")
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "nope.toml")


def test_versioned_scenarios_load_with_their_sources() -> None:
    names = {p.stem for p in available_scenarios()}
    assert {"metro-a", "metro-b", "bus-2011"} <= names
    for path in available_scenarios():
        sc = load_scenario(path)
        assert sc.sources and all(s["title"] for s in sc.sources)
    b = load_scenario("metro-b")
    assert [m["id"] for m in b.added_lines] == ["metro-a", "metro-b"]  # extends metro-a


@pytest.mark.bundle
def test_metro_scenarios_match_the_bundle_stations(bundle_dir: Path) -> None:
    import json

    stations = json.loads((bundle_dir / "network" / "star-metro-stations-2023.json").read_text())
    by_code = {s["code"]: s for s in stations}
    for name, line in (("metro-a", "a"), ("metro-b", "b")):
        mod = load_scenario(name).added_lines[-1]
        members = {s["code"] for s in stations if s[f"codetechniquestationligne{line}"]}
        codes = [s["id"].split(":")[1] for s in mod["stops"]]
        assert set(codes) == members and len(codes) == 15
        for s in mod["stops"]:
            if s["new"]:
                ref = by_code[s["id"].split(":")[1]]
                assert abs(s["lon"] - ref["coordonnees"]["lon"]) < 1e-5
                assert abs(s["lat"] - ref["coordonnees"]["lat"]) < 1e-5


# -- properties -------------------------------------------------------------------------------

@PROPS
@given(data=st.data())
def test_engine_equals_reference_on_scenario_timetables(tt: Timetable, data: st.DataObject) -> None:
    head = data.draw(st.integers(2, 15))
    seg = data.draw(st.lists(st.integers(60, 600), min_size=2, max_size=2))
    sc = parse_scenario(_line(service=f'periods = [{{ start = "07:40", end = "08:40", headway_min = {head} }}]',
                              timing=f"segment_s = {seg}", both="true"), file="p.toml")
    new = apply_scenario(tt, sc)
    ref = ReferenceRouter(new)
    for _ in range(5):
        s = data.draw(st.integers(0, new.n_stops - 1))
        t = data.draw(st.integers(0, new.n_stops - 1))
        t0 = data.draw(st.integers(_h("07:30"), _h("09:00")))
        got = csa.earliest_arrival_time(new, s, t, t0)
        assert (got if got < UNREACHABLE else REF_INF) == ref.earliest_arrival([(s, t0)], t)


@PROPS
@given(t0=st.integers(_h("07:00"), _h("08:55")))
def test_five_minute_headway_never_waits_more_than_five_minutes(tt: Timetable, t0: int) -> None:
    new = apply_scenario(tt, parse_scenario(_line(), file="p.toml"))
    a = new.stop_index("A")
    offsets, order = new.stop_departures
    deps = new.dep_time[order[offsets[a]:offsets[a + 1]]]
    trips = new.trip[order[offsets[a]:offsets[a + 1]]]
    line = np.array([str(new.trip_ids[k]).startswith("X:") for k in trips])
    nxt = deps[line & (deps >= t0)]
    assert len(nxt) and nxt.min() - t0 <= 300


@PROPS
@given(data=st.data())
def test_removing_a_line_never_makes_an_arrival_earlier(tt: Timetable, data: st.DataObject) -> None:
    base = apply_scenario(tt, parse_scenario(_line(both="true"), file="p.toml"))
    route = data.draw(st.sampled_from(["L1", "L2", "X"]))
    cut = apply_scenario(base, parse_scenario(f'name = "c"\n[[modifications]]\ntype = "remove_line"\n'
                                              f'route = "{route}"\n'))
    s = data.draw(st.integers(0, base.n_stops - 1))
    t0 = data.draw(st.integers(_h("07:00"), _h("09:00")))
    lab = np.array([[s, t0]], dtype=np.int64)
    before = csa.earliest_arrival(base, lab).time
    after = csa.earliest_arrival(cut, lab).time
    assert (after >= before).all()


def test_thinning_a_route_and_cutting_an_added_line_by_window(tt: Timetable) -> None:
    # L1 runs T1 08:00 and T2 08:20 (headway 20 min); factor 3 -> one run per hour from 08:00
    thin = apply_scenario(tt, parse_scenario('name = "t"\n[[modifications]]\ntype = "change_frequency"\n'
                                             'route = "L1"\nstart = "08:00"\nend = "09:00"\nfactor = 3\n'))
    c = thin.connections_frame()
    firsts = sorted(c[c.dep_stop_id == "A"].groupby("trip_id").dep_time_s.min().tolist())
    assert [f for f in firsts if _h("08:00") <= f < _h("09:00")] == [_h("08:00")]
    # the line added by a scenario can be cut by a later modification of the same file
    text = _line() + '[[modifications]]\ntype = "remove_trips"\nroute = "X"\nstart = "08:00"\nend = "09:00"\n'
    new = apply_scenario(tt, parse_scenario(text, file="cut.toml"))
    left = new.connections_frame()
    left = left[left.trip_id.str.startswith("X:")]
    firsts = left.groupby("trip_id").dep_time_s.min()  # the window is on each run's first departure
    assert firsts.min() == _h("07:00") and firsts.max() == _h("07:55") and len(firsts) == 12


def test_every_shipped_scenario_speaks_both_languages() -> None:
    from routing.scenarios.scenario import available_scenarios, load_scenario

    paths = available_scenarios()
    assert paths
    for path in paths:
        sc = load_scenario(path)
        assert sc.name_en and sc.description_en and sc.name_in("en") != sc.name_in("fr"), path.name
        assert sc.description_in("en") != sc.description_in("fr"), path.name
        assert all(src.get("title_en") for src in sc.sources), path.name
