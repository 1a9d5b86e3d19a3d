"""``python -m routing scenario ...`` and ``plan --scenario``; the comparison from Python."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routing.cli.main import main
from tests.planner_fixtures import make_tiny_bundle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("scli")
    bundle = make_tiny_bundle(root / "bundle")
    return ["--bundle", str(bundle), "--cache", str(root / "cache"), "--day", "2024-03-05"]


def test_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "list"]) == 0
    out = capsys.readouterr().out
    assert "metro-a" in out and "metro-b" in out
    assert main(["scenario", "show", "metro-b"]) == 0
    out = capsys.readouterr().out
    assert "Wikipédia" in out and "#1 (add_line 'metro-a')" in out and "15 stops" in out


def test_apply_prints_what_changed(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "apply", *tiny[:4], "--day", "2024-03-05", "metro-a"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"stops_added: +15\n", out) and re.search(r"trips_added: +[1-9]", out)
    assert "apply_s" in out


def test_bad_scenario_exits_2_naming_file_and_field(tiny: list[str], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[modifications]]\ntype = "add_line"\nid = "L"\nstops = ["A", "B"]\n'
                   'periods = [{ start = "08:00", end = "07:00", headway_min = 5 }]\nspeed_kmh = 20\n')
    code = main(["plan", *tiny, "--from", "48.105,-1.678", "--to", "48.101,-1.668", "--scenario", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "bad.toml" in err and "periods[0].end" in err


def test_plan_with_a_scenario_file(tiny: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a fast shuttle between two stops of the tiny feed (Gares B -> Clemenceau D) every 2 minutes
    fast = tmp_path / "shuttle.toml"
    fast.write_text('name = "shuttle"\n[[modifications]]\ntype = "add_line"\nid = "S"\nname = "S"\n'
                    'mode = "tram"\nstops = ["B", "D"]\nperiods = [{ start = "07:00", end = "10:00", headway_min = 2 }]\n'
                    "segment_s = [60]\n")
    args = ["--from", "48.105,-1.678", "--to", "48.097,-1.668", "--at", "2024-03-05T07:58", "--modes", "transit",
            "--json"]
    assert main(["plan", *tiny, *args, "--scenario", "none"]) == 0
    bare = json.loads(capsys.readouterr().out)
    assert main(["plan", *tiny, *args, "--scenario", str(fast), "--lang", "en"]) == 0
    out = json.loads(capsys.readouterr().out)
    ride = [leg for leg in out["itineraries"][0]["legs"] if leg["mode"] == "transit"]
    assert ride[0]["route"] == "S" and any("estimated" in n for n in out["itineraries"][0]["notes"])
    assert out["itineraries"][0]["legs"][-1]["arrival"] < bare["itineraries"][0]["legs"][-1]["arrival"]


def test_compare_from_python_on_the_tiny_network(tmp_path: Path) -> None:
    import shapely

    from routing.network.zones import laea_grid
    from routing.scenarios.compare import compare_scenarios
    from routing.scenarios.scenario import parse_scenario
    from tests.planner_fixtures import make_network

    net = make_network(tmp_path / "net")
    grid = laea_grid(shapely.box(-1.684, 48.093, -1.662, 48.114))
    grid["insee"] = ["35238" if lon < -1.673 else "35051" for lon in grid["lon"]]
    grid["population"] = 10.0
    shuttle = parse_scenario('name = "shuttle"\n[[modifications]]\ntype = "add_line"\nid = "S"\nstops = ["B", "D"]\n'
                             'periods = [{ start = "07:00", end = "10:00", headway_min = 2 }]\nsegment_s = [60]\n')
    pairs = pd.DataFrame({"from_lon": [-1.6730], "from_lat": [48.1050], "to_lon": [-1.6680], "to_lat": [48.0970]})
    cmp = compare_scenarios(net, None, shuttle, grid=grid, opportunity="population", window="08:00-08:10",
                            cutoff_min=20, pairs=pairs, threshold=50)
    assert cmp.base_name == "none" and cmp.new_name == "shuttle"
    assert len(cmp.cells) == len(grid) and (cmp.cells["difference"] >= 0).all()  # adding a line never hurts
    assert np.allclose(cmp.cells["after"] - cmp.cells["before"], cmp.cells["difference"])
    assert set(cmp.communes["insee"]) == {"35238", "35051"}
    assert cmp.equity["people_better_off"] == 10.0 * (cmp.cells["difference"] > 0).sum()
    assert cmp.pairs["after_min"].iloc[0] <= cmp.pairs["before_min"].iloc[0]
    doc = cmp.to_geojson()
    assert len(doc["features"]) == len(grid) and doc["properties"]["scenario"] == "shuttle"


@pytest.mark.slow
@pytest.mark.bundle
def test_compare_metro_b_on_the_bundle(bundle_dir: Path, rennes_cache: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "diff.geojson"
    code = main(["scenario", "compare", "metro-a", "metro-b", "--bundle", str(bundle_dir), "--cache",
                 str(rennes_cache), "--opportunity", "jobs", "--window", "08:00-09:00", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0 and "commuter-survey respondents" in text and "Saint-Jacques-de-la-Lande" in text
    doc = json.loads(out.read_text())
    diff = [f["properties"]["difference"] for f in doc["features"]]
    assert len(diff) > 18000 and max(diff) > 0
    assert doc["properties"]["gini_after"] < doc["properties"]["gini_before"]


@pytest.mark.slow
def test_compare_on_dask_equals_in_process(tmp_path: Path) -> None:
    import shapely

    from routing.network.zones import laea_grid
    from routing.scenarios.compare import compare_scenarios
    from routing.scenarios.scenario import parse_scenario
    from tests.planner_fixtures import make_network

    net = make_network(tmp_path / "net")
    grid = laea_grid(shapely.box(-1.684, 48.093, -1.662, 48.114))
    grid["insee"] = "35238"
    grid["population"] = 10.0
    shuttle = parse_scenario('name = "s"\n[[modifications]]\ntype = "add_line"\nid = "S"\nstops = ["B", "D"]\n'
                             'periods = [{ start = "07:00", end = "10:00", headway_min = 2 }]\nsegment_s = [60]\n')
    kw = dict(grid=grid, opportunity="population", window="08:00-08:10", cutoff_min=20, batch_size=40)
    local = compare_scenarios(net, None, shuttle, **kw)
    from distributed import Client, LocalCluster

    # threads, not processes: a spawned worker re-imports __main__, which AppTest runs may have replaced
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        dask = compare_scenarios(net, None, shuttle, scheduler=client, **kw)
    assert np.array_equal(local.cells["before"], dask.cells["before"])
    assert np.array_equal(local.cells["after"], dask.cells["after"])


def _hostile_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """file -> (path, words of the error): the hardening issue's scenario files."""
    stops = ", ".join('"A"' if k % 2 == 0 else '"B"' for k in range(200))
    line = ('[[modifications]]\ntype = "add_line"\nid = "X{i}"\nstops = [' + stops + ']\n'
            'periods = [{{ start = "00:00", end = "47:00", headway_min = 1 }}]\nspeed_kmh = 30\n')
    texts = {
        "lines.toml": ('name = "x"\n' + "".join(line.format(i=i) for i in range(4)),
                       "SPMD_BUDGET_MAX_SCENARIO_CONNECTIONS"),
        "inf.toml": ('name = "x"\n[[modifications]]\ntype = "add_line"\nid = "X"\nstops = ["A", "B"]\n'
                     'departures = ["07:00"]\nsegment_s = [inf]\n', "segment_s[0]"),
        "deep.toml": ('name = "x"\nx = ' + "[" * 2000 + "]" * 2000 + "\n", "nested too deeply"),
        "passwd.toml": ('name = "x"\nextends = "../../../../etc/passwd"\n', "no folder part"),
    }
    out = {}
    for name, (text, words) in texts.items():
        (folder / name).write_text(text)
        out[name] = (folder / name, words)
    return out


def test_hostile_scenario_files_exit_2_before_the_network_is_loaded(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    missing = ["--bundle", str(tmp_path / "no-bundle"), "--cache", str(tmp_path / "cache")]
    for path, words in _hostile_files(tmp_path).values():
        for argv in (["scenario", "show", str(path)], ["scenario", "apply", *missing, str(path)],
                     ["scenario", "compare", *missing, "none", str(path)]):
            code = main(argv)
            err = capsys.readouterr().err
            assert code == 2 and path.name in err and words in err, (argv, err)
            assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
