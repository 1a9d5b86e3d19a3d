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

from routing.cli import main

from .planner_fixtures import make_tiny_bundle

ROOT = Path(__file__).resolve().parents[1]
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
    assert text.splitlines()[0].startswith("bike ")
    assert "Gares -> Jacques Cartier" in text
    assert main(plan(tiny, "--from", "Gares", "--to", "Jacques Cartier", "--at", "2024-03-05T08:00",
                     "--modes", "walk", "--geojson")) == 0
    gj = json.loads(capsys.readouterr().out)
    assert gj["type"] == "FeatureCollection"
    assert [f["properties"]["mode"] for f in gj["features"]] == ["walk"]


@pytest.mark.parametrize("where", [ISOLATED, "Nowhereville"])
def test_no_route_exits_1_with_the_reason(tiny: list[str], where: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(plan(tiny, "--from", "Gares", "--to", where, "--at", "2024-03-05T08:00", "--modes", "walk"))
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("no route: ")
    assert ("outside the offline street data" in out) if where == ISOLATED \
        else ("no place matches 'Nowhereville'" in out)


def test_no_route_json_exits_1(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(plan(tiny, "--from", "Gares", "--to", ISOLATED, "--modes", "walk,car", "--json"))
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["itineraries"] == []
    assert out["reason"].startswith("walk: the destination lies outside the offline street data")


@pytest.mark.parametrize("args, message", [
    (["--modes", "walk,teleport"], "unknown mode(s) teleport"),
    (["--at", "tomorrow morning"], "--at 'tomorrow morning' is not an ISO date-time"),
    (["--partner", "somewhere", "--modes", "carpool"], "--partner 'somewhere' is not 'lat,lon'"),
])
def test_bad_input_exits_2(tiny: list[str], args: list[str], message: str,
                           capsys: pytest.CaptureFixture[str]) -> None:
    code = main(plan(tiny, "--from", "Gares", "--to", "Clemenceau", *args))
    err = capsys.readouterr().err
    assert code == 2
    assert message in err


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
    assert bad.returncode == 2 and "is not an ISO date-time" in bad.stderr


@pytest.mark.slow
@pytest.mark.bundle
def test_plan_on_the_bundle(bundle_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "--bundle", str(bundle_dir), "--cache", str(tmp_path / "cache"), "--from", "Gares",
                 "--to", "Beaulieu", "--at", "2011-11-15T08:00", "--modes", "transit,walk", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    transit = [it for it in out["itineraries"] if it["label"] == "transit"]
    assert transit and any(leg["mode"] == "transit" and leg["route"] for leg in transit[0]["legs"])
