"""``python -m routing build|plan`` on a tiny offline bundle made here (and once on the real one).

Exit codes: 0 found, 1 no route, 2 unusable input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from routing.cli.main import main
from tests.planner_fixtures import make_tiny_bundle

ROOT = Path(__file__).resolve().parents[2]
# the tiny grid: B (Gares) and the node 20 west of it, node 13 east of C, isolated node 90
WEST_OF_B = "48.105,-1.678"
EAST_OF_C = "48.101,-1.668"
ISOLATED = "48.1,-1.60"  # about 5 km east of the tiny grid: beyond the 3 km off-network reach


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("cli")
    bundle = make_tiny_bundle(root / "bundle")
    return ["--bundle", str(bundle), "--cache", str(root / "cache"), "--day", "2024-03-05"]


def plan(tiny: list[str], *args: str) -> list[str]:
    return ["plan", *tiny, *args]


def test_plan_json_by_coordinates(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(plan(tiny, "--from", WEST_OF_B, "--to", EAST_OF_C, "--at", "2024-03-05T07:58",
                     "--modes", "transit,walk", "--json"))
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["reason"] is None
    assert [it["label"] for it in out["itineraries"]] == ["transit", "walk"]
    transit = out["itineraries"][0]
    assert [leg["mode"] for leg in transit["legs"]] == ["walk", "transit", "walk"]
    ride = transit["legs"][1]
    assert (ride["from_name"], ride["to_name"], ride["route"], ride["route_color"], ride["trip_id"]) == (
        "Gares", "Jacques Cartier", "1", "E3051B", "T1")
    assert (ride["departure"], ride["arrival"]) == ("2024-03-05T08:05:00", "2024-03-05T08:10:00")
    assert transit["transfers"] == 0


def test_plan_by_names_accent_insensitive_and_arrive_by(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(plan(tiny, "--from", "republique", "--to", "clemenceau", "--at", "2024-03-05T08:20",
                     "--arrive-by", "--modes", "transit", "--json"))
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    [it] = out["itineraries"]
    assert it["legs"][0]["from_name"] == "République"
    assert it["arrival"] <= "2024-03-05T08:20:00"
    assert [leg["trip_id"] for leg in it["legs"] if leg["mode"] == "transit"] == ["T1"]


def test_plan_text_and_geojson(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(plan(tiny, "--from", "Gares", "--to", "Jacques Cartier", "--at", "2024-03-05T08:00",
                     "--modes", "walk,bike,car")) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].startswith("Vélo ") and "0 correspondance " in text.splitlines()[0]
    assert "Gares -> Jacques Cartier" in text
    assert main(plan(tiny, "--from", "Gares", "--to", "Jacques Cartier", "--at", "2024-03-05T08:00",
                     "--modes", "bike", "--lang", "en")) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Bike ") and "0 transfers" in first
    assert main(plan(tiny, "--from", "Gares", "--to", "Jacques Cartier", "--at", "2024-03-05T08:00",
                     "--modes", "walk", "--geojson")) == 0
    gj = json.loads(capsys.readouterr().out)
    assert gj["type"] == "FeatureCollection"
    assert [f["properties"]["mode"] for f in gj["features"]] == ["walk"]


@pytest.mark.parametrize("where", [ISOLATED, "Nowhereville"])
def test_no_route_exits_1_with_the_reason(tiny: list[str], where: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(plan(tiny, "--from", "Gares", "--to", where, "--at", "2024-03-05T08:00", "--modes", "walk",
                     "--lang", "en"))
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("no route: ")
    assert ("outside the offline street data" in out) if where == ISOLATED \
        else ("no place matches 'Nowhereville'" in out)


def test_no_route_json_exits_1(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(plan(tiny, "--from", "Gares", "--to", ISOLATED, "--modes", "walk,car", "--json", "--lang", "en"))
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["itineraries"] == []
    assert out["reason"].startswith("Walk: the destination lies outside the offline street data")


@pytest.mark.parametrize("args, message", [
    (["--modes", "walk,teleport"], "unknown mode(s) 'teleport'"),
    (["--modes", ","], "--modes: no mode given"),
    (["--at", "tomorrow morning"], "--at 'tomorrow morning' is not an ISO date-time"),
    (["--at", "2011-11-15T25:99"], "is not an ISO date-time"),
    (["--at", "1789-07-14T08:00"], "year 1789 is not in"),
    (["--partner", "somewhere", "--modes", "carpool"], "--partner 'somewhere': expected \"lat,lon\""),
    (["--partner", "91,-1.68", "--modes", "carpool"], "latitude 91 is not in [-90, 90]"),
    (["--from", "NaN,NaN"], "--from 'NaN,NaN': latitude and longitude must be finite"),
    (["--from", "48.1,inf"], "must be finite"),
    (["--from", "48.1,-181"], "longitude -181 is not in [-180, 180]"),
    (["--from", "x" * 100_000], "over the limit of 200 characters (raise it with the setting SPMD_BUDGET_MAX_PLACE_CHARS)"),
    (["--from", "Gares\x00"], "control characters"),
    (["--to", "   "], "--to: empty place"),
    (["--soc", "nan"], "--soc 'nan': nan is not a finite number"),
    (["--soc", "1.5"], "--soc 1.5 is not in (0, 1]"),
    (["--battery-kwh", "-3"], "--battery-kwh -3 is not in [1, 300]"),
    (["--alternatives", "1e9"], "--alternatives '1e9' is not a whole number"),
    (["--alternatives", "11"], "--alternatives 11 is not in [0, 10]"),
    (["--trip-updates", "/no/such/file.pb"], "--trip-updates /no/such/file.pb: no such file"),
    (["--day", "2011-13-45"], "--day '2011-13-45' is not an ISO date"),
    (["--json", "--geojson"], "not allowed with argument"),
])
def test_bad_input_exits_2(tiny: list[str], args: list[str], message: str,
                           capsys: pytest.CaptureFixture[str]) -> None:
    code = main(plan(tiny, "--from", "Gares", "--to", "Clemenceau", *args))
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.startswith("error: ") and err.count("\n") == 1  # one line, no usage, no traceback


@pytest.mark.parametrize("argv, message", [
    (["isochrone", "--from", "Gares", "--bands", "inf"], "--bands 'inf': inf is not a finite number"),
    (["isochrone", "--from", "Gares", "--bands", "30,10"], "bands must be increasing"),
    (["isochrone", "--from", "Gares", "--bands", "10,-5"], "each band must be more than 0"),
    (["isochrone", "--from", "Gares", "--bands", "10,,20"], "must be comma-separated numbers"),
    (["isochrone", "--from", "Gares", "--at", "25:99"], "--at '25:99' is not a time of day"),
    (["isochrone", "--from", "Gares", "--at", "2011-11-15T08:00+99:00"], "is not an ISO date-time"),
    (["isochrone", "--from", "Gares", "--window", "09:00-08:00"], "the window ends before it starts"),
    (["isochrone", "--from", "Gares", "--window", "08:00"], "is not a window such as 08:00-09:00"),
    (["isochrone", "--from", "91,-1.68"], "latitude 91 is not in [-90, 90]"),
    (["isochrone", "--from", "Gares", "--mode", "teleport"], "invalid choice: 'teleport'"),
    (["isochrone", "--from", "Gares", "--out", "/no/such/folder/iso.geojson"],
     "the folder /no/such/folder does not exist"),
    (["isochrone", "--from", "Gares", "--out", "iso.txt"], "unknown suffix '.txt'"),
    (["accessibility", "--percentiles", "50,150"], "percentiles must be in [0, 100]"),
    (["accessibility", "--percentiles", "50,50"], "a percentile is repeated"),
    (["accessibility", "--cutoff", "-5"], "--cutoff -5 is not in (0, 600]"),
    (["accessibility", "--cutoff", "inf"], "is not a finite number"),
    (["accessibility", "--opportunities", "unicorns"], "invalid choice: 'unicorns'"),
    (["accessibility", "--k", "0"], "--k 0 is not in (0,"),
    (["matrix", "--out", "m.geojson"], "unknown suffix '.geojson' (use .parquet, .csv)"),
    (["matrix", "--origins", "planets"], "invalid choice: 'planets'"),
    (["matrix", "--window", "08:00-08:00"], "the window ends before it starts"),
    (["build", "--graphml", "/no/such/folder/n.graphml"], "the folder /no/such/folder does not exist"),
    (["build", "--day", "yesterday"], "--day 'yesterday' is not an ISO date"),
    (["scenario", "compare", "none", "default", "--window", "09:00-08:00"], "the window ends before it starts"),
    (["scenario", "compare", "none", "default", "--cutoff", "0"], "--cutoff 0 is not in [1, 600]"),
    (["scenario", "compare", "none", "default", "--out", "/no/such/folder/c.csv"], "does not exist"),
    (["scenario", "compare", "none", "default", "--pairs", "/no/such/pairs.csv"], "--pairs /no/such/pairs.csv: no such file"),
    (["scenario", "apply", "default", "--day", "2011-02-30"], "--day '2011-02-30' is not an ISO date"),
    (["isochrone", "--from", "-91.68,48.11"], "--from '-91.68,48.11': latitude -91.68 is not in [-90, 90]"),
    (["build", "\n\x1b[31mred"], "unrecognized arguments: \\n\\x1b[31mred"),  # shown, never obeyed
    (["plan", "--to", "x", "--from", "x", "--modes", "walk\x1b[0m"], "--modes: unknown mode(s) 'walk\\x1b[0m'"),
])
def test_bad_arguments_exit_2_in_one_line_before_any_load(argv: list[str], message: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    # the bundle does not exist: an argument checked after loading would fail on the bundle instead
    code = main([*argv, "--bundle", str(tmp_path / "no-bundle"), "--cache", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not (tmp_path / "c").exists()  # nothing loaded, nothing cached


def test_offset_date_times_are_converted_to_local_time(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    local = main(plan(tiny, "--from", WEST_OF_B, "--to", EAST_OF_C, "--at", "2024-03-05T07:58", "--modes", "walk",
                      "--json"))
    out_local = json.loads(capsys.readouterr().out)
    for at in ("2024-03-05T06:58Z", "2024-03-05T06:58+00:00", "2024-03-05T07:58+01:00", "2024-03-05T08:58+02:00"):
        assert main(plan(tiny, "--from", WEST_OF_B, "--to", EAST_OF_C, "--at", at, "--modes", "walk",
                         "--json")) == local
        out = json.loads(capsys.readouterr().out)
        assert out["itineraries"][0]["departure"] == out_local["itineraries"][0]["departure"]


def test_at_is_a_time_of_day_on_the_service_day(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """``--at HH:MM`` (the README's example) is that time on the service day, for every command
    that takes ``--at``: the same answer as the ISO date-time of that day."""
    for command, args in (
        (plan, ("--from", WEST_OF_B, "--to", EAST_OF_C, "--modes", "transit,walk", "--json")),
        (lambda tiny, *a: ["departures", *tiny, *a], ("--stop", "Gares", "--json")),
        (lambda tiny, *a: ["journeys", *tiny, *a], ("--from", "Gares", "--to", "Jacques Cartier", "--json")),
    ):
        iso = main(command(tiny, *args, "--at", "2024-03-05T07:58"))
        out_iso = capsys.readouterr().out
        assert main(command(tiny, *args, "--at", "07:58")) == iso
        assert capsys.readouterr().out == out_iso
    assert iso == 0 and json.loads(out_iso)["journeys"]


def test_duplicated_modes_are_planned_once(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(plan(tiny, "--from", WEST_OF_B, "--to", EAST_OF_C, "--modes", "walk,walk, walk", "--json"))
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [it["label"] for it in out["itineraries"]] == ["walk"]


@pytest.mark.parametrize("place", ["Nowhereville", "<script>alert(1)</script>", "![x](http://evil/)"])
def test_isochrone_from_an_unknown_place_exits_2(tiny: list[str], place: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("routing.network.zones")
    code = main(["isochrone", *tiny, "--from", place])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: no place matches ") and "Traceback" not in err


@pytest.mark.parametrize("command", [["isochrone", "--from", "Gares"], ["accessibility"], ["matrix"]])
def test_accessibility_commands_answer_on_the_planners_network(command: list[str]) -> None:
    """An isochrone and a trip of ``plan`` agree: both take ``--scenario``, by default the same."""
    from routing.cli.main import build_parser

    parser = build_parser()
    default = parser.parse_args(["plan", "--from", "A", "--to", "B"]).scenario
    assert parser.parse_args(command).scenario == default == "default"
    assert parser.parse_args([*command, "--scenario", "none"]).scenario == "none"


def test_missing_bundle_data_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty-bundle"
    empty.mkdir()
    code = main(["plan", "--bundle", str(empty), "--cache", str(tmp_path / "c"), "--from", "Gares", "--to", "B"])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_build_prints_sizes_and_exports(tiny: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graphml = tmp_path / "n.graphml"
    assert main(["build", *tiny, "--graphml", str(graphml)]) == 0
    out = capsys.readouterr().out
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    # per mode, the street layer's components before and after joining the layers
    assert any(line.split()[:2] == ["car", "after"] and "islands" in line for line in out.splitlines())
    assert (fields["stops"], fields["connections"], fields["day"]) == ("4", "13", "2024-03-05")
    assert float(fields["time_s"]) >= 0 and float(fields["peak_rss_mb"]) > 0
    assert {n.split(":")[0] for n in nx.read_graphml(graphml).nodes} >= {"walk", "bike", "car", "stop"}


def test_python_dash_m_routing(tiny: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "routing", *plan(tiny, "--from", "République", "--to", "Clemenceau",
                                                                  "--at", "2024-03-05T07:55", "--modes", "transit",
                                                                  "--json")],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["itineraries"][0]["label"] == "transit"
    bad = subprocess.run([sys.executable, "-m", "routing", *plan(tiny, "--from", "Gares", "--to", "Clemenceau",
                                                                 "--at", "25:99")],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert bad.returncode == 2 and "--at '25:99' is not a time of day" in bad.stderr


@pytest.mark.slow
@pytest.mark.bundle
def test_plan_on_the_bundle(bundle_dir: Path, rennes_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "--bundle", str(bundle_dir), "--cache", str(rennes_cache), "--from", "Gares",
                 "--to", "Beaulieu", "--at", "2011-11-15T08:00", "--modes", "transit,walk", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    transit = [it for it in out["itineraries"] if it["label"] == "transit"]
    assert transit and any(leg["mode"] == "transit" and leg["route"] for leg in transit[0]["legs"])


@pytest.mark.bundle
def test_accessibility_request_over_the_cells_x_departures_budget_is_refused(
        bundle_dir: Path, rennes_cache: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("routing.network.zones")
    monkeypatch.setenv("SPMD_BUDGET_MAX_CELL_DEPARTURES", "100000")  # the whole day would be 1,440 x the cells
    for argv in (["accessibility", "--window", "00:00-23:59"], ["matrix", "--origins", "cells", "--window", "06:00-22:00"]):
        code = main([*argv, "--bundle", str(bundle_dir), "--cache", str(rennes_cache)])
        err = capsys.readouterr().err
        assert code == 2
        assert "over the limit of 100,000 cells x departures" in err and "SPMD_BUDGET_MAX_CELL_DEPARTURES" in err
