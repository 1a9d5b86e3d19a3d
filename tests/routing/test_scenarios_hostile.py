"""Hostile and careless scenario files on the tiny feed: the work they ask for is counted and
refused before anything is built, numbers stay within their stated ranges, ``extends`` stays in
its folders, deep TOML is refused, and no scenario yields a connection that travels back in time."""

from __future__ import annotations

import datetime as dt
import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.services.scenarios import read_upload
from devkit.reference_router import load_feed
from routing.scenarios.scenario import (
    DAY_BOUND_S,
    MAX_EXTENDS_DEPTH,
    RANGES,
    SCENARIO_DIR,
    ScenarioError,
    added_connections,
    apply_scenario,
    load_scenario,
    parse_scenario,
)
from routing.transit.timetable import Timetable, build_timetable
from sources.budgets import budgets
from tests.factories import make_gtfs_dir

TUESDAY = dt.date(2024, 3, 5)
HEAD = 'name = "hostile"\n'
PROPS = settings(max_examples=40, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def tt(tmp_path_factory: pytest.TempPathFactory) -> Timetable:
    return build_timetable(load_feed(make_gtfs_dir(tmp_path_factory.mktemp("gtfs") / "f")), TUESDAY)


def lines(n: int = 4, *, stops: int = 200, headway_min: float = 0.5, end: str = "41:40") -> str:
    """``n`` add_line of ``stops`` stops (A, B, A, ...) every ``headway_min`` over 00:00-``end``."""
    stop_list = ", ".join('"A"' if k % 2 == 0 else '"B"' for k in range(stops))
    mod = ('[[modifications]]\ntype = "add_line"\nid = "X{i}"\nstops = [{stops}]\n'
           'periods = [{{ start = "00:00", end = "{end}", headway_min = {h} }}]\nspeed_kmh = 30\n')
    return HEAD + "".join(mod.format(i=i, stops=stop_list, end=end, h=headway_min) for i in range(n))


def one_line(extra: str, *, stops: str = '["A", "D"]', service: str = 'departures = ["07:00"]') -> str:
    return HEAD + f'[[modifications]]\ntype = "add_line"\nid = "X"\nstops = {stops}\n{service}\n{extra}\n'


def _peak_mb(fn) -> float:
    """Peak traced memory (MB) while ``fn`` runs (numpy's buffers included), its ScenarioError expected."""
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError):
            fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


# -- row 1: connections a scenario adds, counted from its periods ------------------------------

def test_the_issues_6_kB_scenario_is_refused_at_reading_on_the_page_and_the_cli(tt: Timetable) -> None:
    text = lines()  # 4 lines of 200 stops every 30 s over 00:00-41:40: 8 M connections once built
    assert len(text.encode()) < 7000
    peak = _peak_mb(lambda: read_upload(text.encode(), "hostile.toml"))
    assert peak < 100  # was 1.7 GB (and 10 such lines: a MemoryError)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, file="hostile.toml")
    assert err.value.field == "periods[0].headway_min" and "from 1 to 360 min" in str(err.value)


def test_a_scenario_adding_more_connections_than_the_budget_is_refused_naming_the_setting(tt: Timetable) -> None:
    text = lines(headway_min=1, end="47:00")  # every minute: 2,820 runs x 2 directions x 199 per line
    peak = _peak_mb(lambda: read_upload(text.encode(), "hostile.toml"))
    assert peak < 100
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, file="hostile.toml")
    msg = str(err.value)
    assert "SPMD_BUDGET_MAX_SCENARIO_CONNECTIONS" in msg and "1,122,360 connections" in msg
    assert err.value.file == "hostile.toml" and err.value.modification == "#1 (add_line 'X0')"
    assert err.value.field == "periods"


def test_the_budget_is_a_setting_and_the_versioned_scenarios_pass_comfortably(
        tt: Timetable, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = budgets().max_scenario_connections
    for name in ("metro-a", "metro-b"):
        assert sum(added_connections(m) for m in load_scenario(name).modifications) * 20 < limit
    small = one_line("segment_s = [600]", service='departures = ["07:00", "08:00", "09:00"]')
    monkeypatch.setenv("SPMD_BUDGET_MAX_SCENARIO_CONNECTIONS", "2")
    with pytest.raises(ScenarioError, match="SPMD_BUDGET_MAX_SCENARIO_CONNECTIONS"):
        parse_scenario(small)
    monkeypatch.setenv("SPMD_BUDGET_MAX_SCENARIO_CONNECTIONS", "6")
    assert apply_scenario(tt, parse_scenario(small)).n_connections == tt.n_connections + 6


def test_connections_a_change_of_frequency_adds_are_counted_before_they_are_built(
        tt: Timetable, monkeypatch: pytest.MonkeyPatch) -> None:
    # L1 runs T1 08:00, T2 08:20 and N1 23:50; a hundredfold frequency is a run a minute (the floor)
    sc = parse_scenario(HEAD + '[[modifications]]\ntype = "change_frequency"\nroute = "L1"\nstart = "00:00"\n'
                        'end = "40:00"\nfactor = 0.01\n', file="often.toml")
    monkeypatch.setenv("SPMD_BUDGET_MAX_SCENARIO_CONNECTIONS", "1000")
    with pytest.raises(ScenarioError, match="SPMD_BUDGET_MAX_SCENARIO_CONNECTIONS") as err:
        apply_scenario(tt, sc)
    assert err.value.field == "factor" and err.value.modification == "#1 (change_frequency)"
    monkeypatch.delenv("SPMD_BUDGET_MAX_SCENARIO_CONNECTIONS")
    new = apply_scenario(tt, sc)
    conns = new.connections_frame()
    firsts = np.sort(conns[conns.dep_stop_id == "A"].groupby("trip_id").dep_time_s.min().to_numpy())
    assert np.diff(firsts[firsts >= 8 * 3600]).min() >= 60


# -- row 5: numbers finite and within their ranges ----------------------------------------------

@pytest.mark.parametrize(("extra", "field"), [
    ("segment_s = [inf]", "segment_s[0]"),
    ("segment_s = [1e300]", "segment_s[0]"),
    ("segment_s = [nan]", "segment_s[0]"),
    ("segment_s = [-60]", "segment_s[0]"),
    ("segment_s = [0.5]", "segment_s[0]"),
    ("speed_kmh = 1e-300", "speed_kmh"),
    ("speed_kmh = 151", "speed_kmh"),
    ("speed_kmh = -inf", "speed_kmh"),
    ("end_to_end_min = 1e300", "end_to_end_min"),
    ("end_to_end_min = 0", "end_to_end_min"),
    ("end_to_end_min = nan", "end_to_end_min"),
    ("speed_kmh = 30\ndwell_s = 601", "dwell_s"),
    ("speed_kmh = 30\ndwell_s = -1", "dwell_s"),
    ("speed_kmh = true", "speed_kmh"),
    ("speed_kmh = \"30\"", "speed_kmh"),
])
def test_numbers_out_of_range_are_refused_naming_file_modification_field_and_range(extra: str, field: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(one_line(extra), file="n.toml")
    lo, hi, _ = RANGES[field.split("[")[0]]
    assert (err.value.file, err.value.modification, err.value.field) == ("n.toml", "#1 (add_line 'X')", field)
    assert (err.value.msg.params["lo"], err.value.msg.params["hi"]) == (lo, hi) and "must be a number from" in str(err.value)
    assert err.value.render("fr").startswith(f"{field} doit être un nombre de ")  # the reader's language


@pytest.mark.parametrize(("text", "field"), [
    (one_line("speed_kmh = 30", service='periods = [{ start = "07:00", end = "08:00", headway_min = 1e-300 }]'),
     "periods[0].headway_min"),
    (one_line("speed_kmh = 30", service='periods = [{ start = "07:00", end = "08:00", headway_min = inf }]'),
     "periods[0].headway_min"),
    (HEAD + '[[modifications]]\ntype = "change_speed"\nroute = "L1"\nfactor = 1e300\n', "factor"),
    (HEAD + '[[modifications]]\ntype = "change_frequency"\nroute = "L1"\nstart = "07:00"\nend = "09:00"\n'
            'factor = nan\n', "factor"),
    (HEAD + '[[modifications]]\ntype = "add_park_ride"\nid = "P"\nname = "P"\nlon = -1.67\nlat = 48.1\n'
            'capacity = 1e300\n', "capacity"),
])
def test_headways_factors_and_capacities_out_of_range(text: str, field: str) -> None:
    with pytest.raises(ScenarioError, match=r"from [0-9.e+]+ to [0-9.e+]+") as err:
        parse_scenario(text, file="n.toml")
    assert err.value.field == field and err.value.modification.startswith("#1")


def test_a_run_arriving_after_48_00_is_refused_naming_the_modification(tt: Timetable) -> None:
    late = one_line("segment_s = [1200]", service='departures = ["47:50"]')
    with pytest.raises(ScenarioError, match="after 48:00") as err:
        apply_scenario(tt, parse_scenario(late, file="late.toml"))
    assert err.value.field == "departures" and err.value.modification == "#1 (add_line 'X')"
    slow = (one_line("segment_s = [3600]", service='departures = ["40:00"]')
            + '[[modifications]]\ntype = "change_speed"\nroute = "X"\nfactor = 10\n')
    before = tt.to_arrays()["dep_time"].copy()
    with pytest.raises(ScenarioError, match="after 48:00") as err:
        apply_scenario(tt, parse_scenario(slow, file="slow.toml"))
    assert err.value.field == "factor" and err.value.modification == "#2 (change_speed)"
    assert (tt.dep_time == before).all()


# -- row 10: TOML nested deeper than Python parses ----------------------------------------------

@pytest.mark.parametrize("nest", ["[" * 2000 + "]" * 2000, "{ a = " * 2000 + "1" + " }" * 2000])
def test_deeply_nested_toml_is_a_scenario_error_on_every_path(nest: str, tmp_path: Path) -> None:
    text = HEAD + f"x = {nest}\n"
    with pytest.raises(ScenarioError, match="nested too deeply"):
        parse_scenario(text, file="deep.toml")
    with pytest.raises(ScenarioError, match="nested too deeply"):
        read_upload(text.encode(), "deep.toml")
    (tmp_path / "deep.toml").write_text(text)
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load_scenario(tmp_path / "deep.toml")


# -- row 13: extends stays in the file's folder and assets/scenarios ----------------------------

@pytest.mark.parametrize("target", ["../../../../etc/passwd", "/proc/self/environ", "/etc/passwd", "..",
                                    "sub/metro-a.toml", "..\\\\metro-a.toml", "", 3])
def test_extends_out_of_the_folders_is_refused_before_reading(target: object, tmp_path: Path) -> None:
    value = f'"{target}"' if isinstance(target, str) else str(target)
    (tmp_path / "a.toml").write_text(HEAD + f"extends = {value}\n")
    with pytest.raises(ScenarioError, match="a file name, no folder part") as err:
        load_scenario(tmp_path / "a.toml")
    assert err.value.field == "extends" and err.value.file == "a.toml"
    with pytest.raises(ScenarioError, match="a file name, no folder part"):
        read_upload((HEAD + f"extends = {value}\n").encode(), "up.toml")


def test_extends_resolves_beside_the_file_then_in_assets_and_never_through_a_link_out(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(HEAD + one_line("speed_kmh = 30").removeprefix(HEAD))
    (tmp_path / "child.toml").write_text('name = "child"\nextends = "base"\n')
    assert [m["id"] for m in load_scenario(tmp_path / "child.toml").added_lines] == ["X"]
    (tmp_path / "metro.toml").write_text('name = "on metro a"\nextends = "metro-a.toml"\n')
    assert load_scenario(tmp_path / "metro.toml").added_lines[0]["id"] == "metro-a"
    assert read_upload(b'name = "up"\nextends = "metro-a"\n', "up.toml").added_lines[0]["id"] == "metro-a"
    with pytest.raises(ScenarioError, match="not found in"):  # an upload has no folder of its own
        read_upload(b'name = "up"\nextends = "child.toml"\n', "up.toml")
    (tmp_path / "evil.toml").symlink_to("/etc/passwd")
    (tmp_path / "uses-evil.toml").write_text('name = "e"\nextends = "evil.toml"\n')
    with pytest.raises(ScenarioError, match="not found in") as err:
        load_scenario(tmp_path / "uses-evil.toml")
    assert err.value.field == "extends"
    assert SCENARIO_DIR.name in str(err.value)


def test_an_extends_cycle_is_named_as_a_cycle_and_depth_stays_bounded(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('name = "a"\nextends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('name = "b"\nextends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="extends cycle: a.toml → b.toml → a.toml"):
        load_scenario(tmp_path / "a.toml")
    (tmp_path / "self.toml").write_text('name = "s"\nextends = "self"\n')
    with pytest.raises(ScenarioError, match="extends cycle: self.toml → self.toml"):
        load_scenario(tmp_path / "self.toml")
    for i in range(MAX_EXTENDS_DEPTH + 2):
        (tmp_path / f"c{i}.toml").write_text(f'name = "c{i}"\n' + (f'extends = "c{i + 1}"\n' if i else ""))
    (tmp_path / "c0.toml").write_text('name = "c0"\nextends = "c1"\n')
    (tmp_path / f"c{MAX_EXTENDS_DEPTH + 1}.toml").write_text('name = "last"\n')
    with pytest.raises(ScenarioError, match=f"more than {MAX_EXTENDS_DEPTH} levels"):
        load_scenario(tmp_path / "c0.toml")
    assert load_scenario(tmp_path / "c2.toml").name == "c2"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_scenario_file_that_is_a_pipe_a_device_or_a_folder_is_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero"), tmp_path):
        with pytest.raises(ScenarioError, match="not a regular file"):
            load_scenario(path)


# -- deliverable 3: no connection travels back in time, whatever the valid scenario -------------

STOP = st.sampled_from(["A", "B", "C", "D"])
CLOCK = st.integers(0, 47 * 60 + 59).map(lambda m: f"{m // 60:02d}:{m % 60:02d}")


@st.composite
def modification(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["add_line", "change_speed", "change_frequency", "remove_trips"]))
    if kind == "add_line":
        stops = draw(st.lists(STOP, min_size=2, max_size=5))
        timing = draw(st.sampled_from(["segment_s", "speed_kmh", "end_to_end_min"]))
        lo, hi, _ = RANGES[timing]
        value = (str(draw(st.lists(st.floats(lo, hi), min_size=len(stops) - 1, max_size=len(stops) - 1)))
                 if timing == "segment_s" else repr(draw(st.floats(max(lo, 1.0), hi))))
        deps = draw(st.lists(CLOCK, min_size=1, max_size=4))
        return (f'type = "add_line"\nid = "X{draw(st.integers(0, 10**6))}"\nstops = {stops!r}\n'.replace("'", '"')
                + f"departures = {deps!r}\n".replace("'", '"') + f"{timing} = {value}\n"
                + f"dwell_s = {draw(st.floats(0, 600))}\nboth_directions = {str(draw(st.booleans())).lower()}\n")
    route = draw(st.sampled_from(["L1", "L2", "1", "2"]))
    a, b = sorted(draw(st.lists(st.integers(0, 47 * 60 + 59), min_size=2, max_size=2, unique=True)))
    window = f'start = "{a // 60:02d}:{a % 60:02d}"\nend = "{b // 60:02d}:{b % 60:02d}"\n'
    if kind == "remove_trips":
        return f'type = "remove_trips"\nroute = "{route}"\n{window}'
    lo, hi, _ = RANGES[f"{kind}.factor"]
    return f'type = "{kind}"\nroute = "{route}"\n{window}factor = {draw(st.floats(lo, hi))}\n'


@PROPS
@given(mods=st.lists(modification(), min_size=1, max_size=4))
def test_no_valid_scenario_makes_a_connection_arrive_before_it_departs(tt: Timetable, mods: list[str]) -> None:
    text = HEAD + "".join(f"[[modifications]]\n{m}" for m in mods)
    sc = parse_scenario(text, file="p.toml")  # every number drawn within its range: always valid
    try:
        new = apply_scenario(tt, sc)
    except ScenarioError as exc:  # a run past 48:00, a duplicate route id: refused by name
        assert exc.modification or "invariant" in str(exc)
        return
    assert (new.dep_time >= 0).all() and (new.arr_time >= new.dep_time).all()
    assert (new.arr_time < DAY_BOUND_S).all()
    assert (np.diff(new.dep_time) >= 0).all()
