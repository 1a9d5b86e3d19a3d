"""Cleaning: speed filter, compression, stays, home / work; skmob and numba agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sources.traces import clean
from sources.traces._skmob_compat import load_skmob

T0 = pd.Timestamp("2024-03-04 07:00")  # a Monday


def _tdf(rows: list[tuple]) -> object:
    frame = pd.DataFrame(rows, columns=["uid", "lat", "lng", "datetime", "mode"])
    return load_skmob().TrajDataFrame(frame)


def _random_traces(seed: int, users: int = 5, n: int = 240) -> object:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(users):
        t, lat, lng = T0, 48.11 + rng.normal() * 0.01, -1.68 + rng.normal() * 0.01
        for j in range(n):
            moving = (j // 40) % 2 == 1
            if moving:
                lat += rng.normal(4e-4, 2e-4)
                lng += rng.normal(3e-4, 2e-4)
            jitter = rng.normal(0, 5e-5, 2)
            if rng.random() < 0.03:
                jitter += 0.05  # a GPS jump of ~5 km
            t += pd.Timedelta(seconds=int(rng.integers(0, 90)))  # 0 s: same-time points
            rows.append((f"u{u}", lat + jitter[0], lng + jitter[1], t, "bike" if moving else "walk"))
    return _tdf(rows)


def _same(a: object, b: object, cols: list[str]) -> None:
    x = pd.DataFrame(a)[cols].sort_values(["uid", "datetime"]).reset_index(drop=True)
    y = pd.DataFrame(b)[cols].sort_values(["uid", "datetime"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(x, y, check_dtype=False)


def test_filter_speed_drops_jump_and_same_time() -> None:
    tdf = _tdf([
        ("a", 48.1000, -1.680, T0, "walk"),
        ("a", 48.2000, -1.680, T0 + pd.Timedelta(seconds=10), "walk"),  # 11 km in 10 s
        ("a", 48.1001, -1.680, T0 + pd.Timedelta(seconds=20), "walk"),
        ("a", 48.1002, -1.680, T0 + pd.Timedelta(seconds=20), "walk"),  # same time as previous
        ("a", 48.1003, -1.680, T0 + pd.Timedelta(seconds=40), "walk"),
        ("a", 48.3000, -1.680, T0 + pd.Timedelta(seconds=50), "walk"),  # last point: kept by skmob
    ])
    for engine in ("skmob", "numba"):
        out = clean.filter_speed(tdf, max_speed_kmh=100, engine=engine)
        assert out["lat"].tolist() == [48.1, 48.1001, 48.1003, 48.3], engine


def test_stays_exact() -> None:
    rows = [("a", 48.1000 + 1e-5 * i, -1.68, T0 + pd.Timedelta(minutes=5 * i), "stay")
            for i in range(7)]  # 30 min at A
    rows += [("a", 48.1100, -1.67, T0 + pd.Timedelta(minutes=40), "bike")]
    rows += [("a", 48.1200 + 1e-5 * i, -1.66, T0 + pd.Timedelta(minutes=50 + 5 * i), "stay")
             for i in range(9)]  # 40 min at B
    tdf = _tdf(rows)
    for engine in ("skmob", "numba"):
        stays = clean.detect_stays(tdf, minutes_for_a_stop=20, spatial_radius_km=0.2, engine=engine)
        assert len(stays) == 2, engine
        assert stays["datetime"].tolist() == [T0, T0 + pd.Timedelta(minutes=50)]
        # leaving: first point out of the radius; the last stay ends at the last point
        assert stays["leaving_datetime"].tolist() == [T0 + pd.Timedelta(minutes=40),
                                                      T0 + pd.Timedelta(minutes=90)]
        assert stays["lat"].tolist() == pytest.approx([48.10003, 48.120035])


@pytest.mark.parametrize("seed", [1, 2])
def test_numba_engine_matches_skmob(seed: int) -> None:
    tdf = _random_traces(seed)
    a = clean.clean_traces(tdf, engine="skmob", minutes_for_a_stop=10, compress_radius_km=0.03)
    b = clean.clean_traces(tdf, engine="numba", minutes_for_a_stop=10, compress_radius_km=0.03)
    assert a.steps == b.steps
    assert a.steps["filtered"] < a.steps["input"] and a.steps["stays"] > 0
    _same(a.points, b.points, ["uid", "lat", "lng", "datetime", "mode"])
    _same(a.stays, b.stays, ["uid", "lat", "lng", "datetime", "leaving_datetime", "mode"])


def test_inputs_not_mutated() -> None:
    tdf = _random_traces(3, users=2, n=60)
    before = pd.DataFrame(tdf).copy()
    clean.clean_traces(tdf, engine="numba")
    clean.clean_traces(tdf, engine="skmob")
    pd.testing.assert_frame_equal(pd.DataFrame(tdf), before)


def test_presence_samples_cover_the_night() -> None:
    stays = pd.DataFrame({"uid": ["a", "a"], "lat": [1.0, 2.0], "lng": [1.0, 2.0],
                          "datetime": pd.to_datetime(["2024-03-04 18:10", "2024-03-05 08:05"]),
                          "leaving_datetime": pd.to_datetime(["2024-03-05 07:30",
                                                              "2024-03-05 08:40"])})
    s = clean.presence_samples(stays)
    assert s["datetime"].dt.hour.tolist()[:3] == [19, 20, 21]
    assert (s["lat"] == 1.0).sum() == 13  # 19:00 .. 07:00
    assert s.loc[s["lat"] == 2.0, "datetime"].tolist() == [pd.Timestamp("2024-03-05 08:05")]


def test_home_and_work() -> None:
    home, work, other = (48.1100, -1.6800), (48.1300, -1.6500), (48.0900, -1.7000)

    def stay(p: tuple[float, float], a: str, b: str) -> dict:
        return {"uid": "u", "lat": p[0], "lng": p[1], "datetime": pd.Timestamp(a),
                "leaving_datetime": pd.Timestamp(b)}

    stays = pd.DataFrame([
        stay(home, "2024-03-03 19:00", "2024-03-04 08:00"),
        stay(work, "2024-03-04 08:30", "2024-03-04 17:30"),
        stay(home, "2024-03-04 18:00", "2024-03-05 08:00"),
        stay(work, "2024-03-05 08:30", "2024-03-05 12:00"),
        stay(other, "2024-03-05 12:20", "2024-03-05 13:50"),  # lunch elsewhere: fewer hours
        stay(work, "2024-03-05 14:00", "2024-03-05 17:30"),
        stay(other, "2024-03-09 10:00", "2024-03-09 20:00"),  # Saturday: not work
    ])
    hw = clean.home_work_locations(stays)
    assert len(hw) == 1
    from sources.traces.flows import grid_cell_ids

    assert hw["home_tile"].iloc[0] == grid_cell_ids([home[1]], [home[0]])[0]
    assert hw["work_tile"].iloc[0] == grid_cell_ids([work[1]], [work[0]])[0]
    assert abs(hw["home_lat"].iloc[0] - home[0]) < 0.002


def test_auto_engine_is_skmob_only_within_the_user_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPMD_BUDGET_MAX_SKMOB_USERS", "3")
    t = pd.Timestamp("2024-03-05 08:00")
    rows = [(f"u{u}", 48.1 + u * 1e-3, -1.67, t + pd.Timedelta(minutes=30 * i)) for u in range(4) for i in range(2)]
    tdf = pd.DataFrame(rows, columns=["uid", "lat", "lng", "datetime"])
    assert clean.clean_traces(tdf).engine == "numba"  # 4 users: over the budget, 8 points only
    assert clean._use_skmob("auto", tdf[tdf["uid"] != "u3"])  # 3 users: within it


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_home_locations_match_skmob(seed: int) -> None:
    """Whole-column home locations = skmob's per-user home_location, ties and day-only users
    included (few places and hours, so that equal counts are common)."""
    rng = np.random.default_rng(seed)
    n = 3000
    places = rng.integers(0, 24, n)  # 24 places: more than numpy's small-sort threshold
    frame = pd.DataFrame({
        "uid": rng.choice([f"u{i}" for i in range(60)], n),
        "lat": 48.0 + places // 6 / 100, "lng": -1.7 + places % 6 / 100,
        "datetime": pd.Timestamp("2024-03-04") + pd.to_timedelta(rng.integers(0, 48, n), unit="h")})
    day_only = frame["uid"] == "u0"
    frame.loc[day_only, "datetime"] = pd.Timestamp("2024-03-04 12:00")
    a = clean.home_locations(frame, engine="skmob").sort_values("uid").reset_index(drop=True)
    b = clean.home_locations(frame).sort_values("uid").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
