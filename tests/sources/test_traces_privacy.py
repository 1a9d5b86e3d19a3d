"""Re-identification risk, anonymisation, and the export that refuses raw data."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from sources.traces import flows as fl
from sources.traces import privacy as pv

T = pd.Timestamp("2024-03-04 08:00")
L1, L2, L3 = (48.10, -1.60), (48.20, -1.60), (48.30, -1.60)


def _traj(rows: list[tuple[str, tuple[float, float]]]) -> pd.DataFrame:
    return pd.DataFrame({"uid": [u for u, _ in rows], "lat": [p[0] for _, p in rows],
                         "lng": [p[1] for _, p in rows],
                         "datetime": [T + pd.Timedelta(minutes=i) for i in range(len(rows))]})


TRAJ = _traj([("u1", L1), ("u1", L2), ("u2", L1), ("u2", L2), ("u2", L2),
              ("u3", L1), ("u3", L3), ("u4", L1)])
HW = pd.DataFrame({"uid": ["u1", "u2", "u3", "u4"], "home_lat": [L1[0], L1[0], L1[0], L2[0]],
                   "home_lng": [-1.6] * 4, "work_lat": [L2[0], L2[0], L3[0], np.nan],
                   "work_lng": [-1.6, -1.6, -1.6, np.nan]})


def _risks(engine: str, k: int) -> dict[tuple[str, str], float]:
    r = pv.assess_risk(TRAJ, home_work=HW, knowledge_length=k, engine=engine)
    return {(a, u): round(x, 6) for a, u, x in zip(r["attack"], r["uid"], r["risk"], strict=True)}


def test_risk_exact_values() -> None:
    k1 = _risks("numpy", 1)
    # k=1: the rarest place visited; L1 is shared by 4, L2 by 2, L3 by 1
    assert [k1[("location", u)] for u in ("u1", "u2", "u3", "u4")] == [0.5, 0.5, 1.0, 0.25]
    k2 = _risks("numpy", 2)
    # u2 visited L2 twice: nobody else did -> unique; u1's pair {L1, L2} is shared with u2
    assert [k2[("location", u)] for u in ("u1", "u2", "u3", "u4")] == [0.5, 1.0, 1.0, 0.25]
    assert [k2[("unique_location", u)] for u in ("u1", "u2", "u3", "u4")] == [0.5, 0.5, 1.0, 0.25]
    # home-work: {L1, L2} is held by u1 and u2; u4 only has L2 (home), held by u1, u2, u4
    assert [k2[("home_work", u)] for u in ("u1", "u2", "u3", "u4")] == [0.5, 0.5, 1.0,
                                                                         round(1 / 3, 6)]


@pytest.mark.parametrize("k", [1, 2])
def test_numpy_engine_matches_skmob(k: int) -> None:
    assert _risks("numpy", k) == _risks("skmob", k)


def test_numpy_matches_skmob_random() -> None:
    rng = np.random.default_rng(7)
    rows = [(f"u{u}", (48.1 + 0.01 * int(rng.integers(0, 5)), -1.6))
            for u in range(10) for _ in range(int(rng.integers(1, 4)))]
    traj = _traj(rows)
    a = pv.assess_risk(traj, engine="skmob", attacks=("location", "unique_location"))
    b = pv.assess_risk(traj, engine="numpy", attacks=("location", "unique_location"))
    pd.testing.assert_frame_equal(a, b)


def test_risk_argument_errors() -> None:
    with pytest.raises(ValueError, match="unknown attacks"):
        pv.assess_risk(TRAJ, attacks=("time",))
    with pytest.raises(ValueError, match="knowledge_length 1 and 2"):
        pv.assess_risk(TRAJ, engine="numpy", knowledge_length=3, attacks=("location",))
    assert pv.assess_risk(TRAJ.iloc[:0]).empty


TO_WGS = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)


def _trips() -> pd.DataFrame:
    # 1 km cells: A (two 200 m cells inside it) -> B; C -> B for a single user
    a1, a2 = TO_WGS.transform(3_450_100, 2_850_100), TO_WGS.transform(3_450_700, 2_850_300)
    b = TO_WGS.transform(3_452_500, 2_850_500)
    c = TO_WGS.transform(3_455_500, 2_850_500)
    rows = []
    for uid, o, d, hour, mode in [("u1", a1, b, 7, "bike"), ("u2", a2, b, 8, "bike"),
                                  ("u3", a1, b, 8, "bike"), ("u3", a1, b, 8, "bike"),
                                  ("u4", a2, b, 12, "bike"), ("u5", c, b, 8, "bike"),
                                  ("u6", a1, b, 8, "walk")]:
        dep = T.replace(hour=hour)
        rows.append({"uid": uid, "o_lat": o[1], "o_lng": o[0], "d_lat": d[1], "d_lng": d[0],
                     "departure": dep, "arrival": dep + pd.Timedelta(minutes=20), "mode": mode,
                     "simulated": False})
    return pd.DataFrame(rows)


def test_anonymise_generalises_and_suppresses() -> None:
    anon = pv.anonymise_flows(_trips(), k=3, tiles="grid1000", temporal="period")
    f = anon.flows
    assert f[["origin", "destination", "period", "mode", "flow", "n_users"]].values.tolist() == [
        ["CRS3035RES1000mN2850000E3450000", "CRS3035RES1000mN2850000E3452000", "morning_peak",
         "bike", 4, 3]]
    r = anon.removed
    assert (r["flows_before"], r["flows_suppressed"], r["flows_published"]) == (4, 3, 1)
    assert (r["trips_suppressed"], r["trips_published"]) == (3, 4)
    assert (r["users"], r["users_fully_suppressed"]) == (6, 3)  # u4, u5, u6
    assert r["suppressed_by_key"] == {"period=day": 1, "period=morning_peak": 2,
                                      "mode=bike": 2, "mode=walk": 1}
    # without mode and time, u6's walk and u4's midday trip join the flow
    coarse = pv.anonymise_flows(_trips(), k=3, tiles="grid1000", temporal=None, by_mode=False)
    assert coarse.flows[["flow", "n_users"]].values.tolist() == [[6, 5]]
    # at 200 m nothing reaches k=3
    assert pv.anonymise_flows(_trips(), k=3, tiles="grid200").flows.empty
    with pytest.raises(ValueError, match="at least 2"):
        pv.anonymise_flows(_trips(), k=1)


def test_published_view_and_risk_drop() -> None:
    anon = pv.anonymise_flows(_trips(), k=3, tiles="grid1000", temporal="period")
    view = pv.published_view(_trips(), anon, tiles="grid1000")
    assert sorted(view["uid"].unique()) == ["u1", "u2", "u3"]
    assert view[["lat", "lng"]].drop_duplicates().shape[0] == 2
    risk = pv.assess_risk(view, attacks=("location",), engine="numpy")
    assert risk["risk"].max() == pytest.approx(1 / 3)


def test_export_only_anonymised(tmp_path: Path) -> None:
    trips = _trips()
    raw_flows = fl.od_flows(trips, "grid200")
    for raw in (trips, raw_flows, TRAJ, pd.DataFrame(raw_flows)):
        with pytest.raises(pv.PrivacyError, match="only anonymised aggregates"):
            pv.export_flows(raw, tmp_path / "out.csv")
        with pytest.raises(pv.PrivacyError):
            pv.flows_to_csv_bytes(raw)
    assert not (tmp_path / "out.csv").exists()
    anon = pv.anonymise_flows(trips, k=3, tiles="grid1000")
    with pytest.raises(pv.PrivacyError, match="only be made by anonymise_flows"):
        pv.AnonymisedFlows(flows=pd.DataFrame(raw_flows), tessellation=None, k=2, tiles="grid200",
                           temporal=None, by_mode=False, removed={})
    for copy in (dataclasses.replace(anon, k=1),
                 dataclasses.replace(anon, flows=pd.DataFrame(raw_flows))):
        with pytest.raises(pv.PrivacyError, match="not issued by anonymise_flows"):
            pv.export_flows(copy, tmp_path / "copy.csv")
    tampered = pv.anonymise_flows(trips, k=3, tiles="grid1000")
    object.__setattr__(tampered, "flows", tampered.flows.assign(n_users=1))
    with pytest.raises(pv.PrivacyError, match="break their own k=3"):
        pv.export_flows(tampered, tmp_path / "t.csv")
    path = pv.export_flows(anon, tmp_path / "flows.csv")
    back = pd.read_csv(path)
    assert back.columns.tolist() == ["origin", "destination", "period", "mode", "flow", "n_users"]
    assert back["n_users"].min() >= 3 and "uid" not in back.columns
    gj = json.loads(pv.export_flows(anon, tmp_path / "flows.geojson").read_text())
    assert gj["properties"]["anonymised"] is True and gj["properties"]["k"] == 3
    assert gj["features"][0]["geometry"]["type"] == "LineString"
    assert gj["features"][0]["properties"]["flow"] == 4


# -- the quadratic engine within a budget of users ------------------------------------------------

def _many_users(n: int) -> pd.DataFrame:
    return _traj([(f"u{i}", L1 if i % 2 else L2) for i in range(n) for _ in range(2)])


def test_auto_never_picks_skmob_beyond_the_user_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 7: 200 users x 2 points were given to skmob (tiny in rows), whose attacks compare every
    user with every other: killed at 120 s."""
    from sources.budgets import budgets

    def quadratic(*_: object) -> pd.DataFrame:
        raise AssertionError("skmob ran beyond its user budget")

    traj = _many_users(budgets().max_skmob_users + 1)
    monkeypatch.setattr(pv, "_risk_skmob", quadratic)
    risk = pv.assess_risk(traj, knowledge_length=2)
    assert set(risk["uid"]) == set(traj["uid"])


def test_auto_picks_numpy_wherever_it_applies_even_for_a_few_users(monkeypatch: pytest.MonkeyPatch) -> None:
    """A published view of few flows (under 50 users, 300 rows) went to skmob: 2 min per analysis."""
    expected = pv.assess_risk(TRAJ, home_work=HW, knowledge_length=2, engine="numpy")
    monkeypatch.setattr(pv, "_risk_skmob", lambda *_: pytest.fail("skmob ran"))
    pd.testing.assert_frame_equal(pv.assess_risk(TRAJ, home_work=HW, knowledge_length=2), expected)


@pytest.mark.parametrize(("engine", "k"), [("skmob", 2), ("auto", 3)])
def test_skmob_beyond_the_user_budget_is_refused_before_the_work(engine: str, k: int,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from sources.budgets import BudgetExceeded

    monkeypatch.setenv("SPMD_BUDGET_MAX_SKMOB_USERS", "3")
    monkeypatch.setattr(pv, "_risk_skmob", lambda *_: pytest.fail("skmob ran"))
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_SKMOB_USERS") as err:
        pv.assess_risk(TRAJ, knowledge_length=k, engine=engine)
    assert err.value.value == 4 and "square of the users" in str(err.value)


@pytest.mark.slow
def test_analyse_of_200_users_with_two_points_each_finishes(tmp_path: Path) -> None:
    from devkit.measure import run_measured

    lines = ["user_id,lat,lon,time"]
    for u in range(200):
        lines += [f"u{u},{48.10 + u * 1e-4:.5f},-1.67,2024-03-05T08:00:00",
                  f"u{u},{48.12 + u * 1e-4:.5f},-1.65,2024-03-05T08:30:00"]
    (tmp_path / "traces.csv").write_text("\n".join(lines) + "\n")
    run = run_measured(["-m", "sources.traces", "analyse", str(tmp_path / "traces.csv"), "--tiles", "grid1000"],
                       timeout_s=240)
    assert run.code == 0, run.stderr[-2000:]
    assert run.peak_mb < 1024
