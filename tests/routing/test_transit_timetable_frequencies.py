"""GTFS frequencies.txt: frequency-based trips expanded into runs when the service day is built."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from devkit.reference_router import load_feed
from routing.transit import csa
from routing.transit.timetable import Timetable, build_timetable
from sources.loaders.gtfs import load_gtfs
from tests.factories import make_gtfs_dir

TUESDAY = dt.date(2024, 3, 5)


def _h(hms: str) -> int:
    h, m, s = (int(x) for x in hms.split(":"))
    return h * 3600 + m * 60 + s


def _feed(tmp_path: Path, rows: list[dict[str, str]]):
    return load_feed(make_gtfs_dir(tmp_path / "gtfs", tables={"frequencies.txt": rows}))


def test_exact_times_1_expands_into_runs_keeping_running_times(tmp_path: Path) -> None:
    # T1 (A 08:00 B 08:05 C 08:10 D 08:15) runs every 10 min from 07:00 to 07:30 (exclusive)
    feed = _feed(tmp_path, [{"trip_id": "T1", "start_time": "07:00:00", "end_time": "07:30:00",
                             "headway_secs": "600", "exact_times": "1"}])
    assert feed.frequencies["headway_secs"].tolist() == [600]
    tt = build_timetable(feed, TUESDAY)
    runs = sorted(t for t in tt.trip_ids if t.startswith("T1"))
    assert runs == ["T1@07:00:00", "T1@07:10:00", "T1@07:20:00"]
    conns = tt.connections_frame()
    run = conns[conns.trip_id == "T1@07:10:00"].sort_values("seq")
    assert run.dep_time_s.tolist() == [_h("07:10:00"), _h("07:15:00"), _h("07:20:00")]
    assert run.arr_time_s.tolist() == [_h("07:15:00"), _h("07:20:00"), _h("07:25:00")]
    # the template itself does not run at 08:00 any more; scheduled trips are untouched
    assert not (conns.trip_id == "T1").any()
    assert (conns.trip_id == "T2").sum() == 3
    # exact times: not estimated
    assert all(tt.estimated_headway_s(i) == 0 for i in range(tt.n_trips))


def test_exact_times_0_runs_are_marked_estimated_and_routable(tmp_path: Path) -> None:
    feed = _feed(tmp_path, [{"trip_id": "T1", "start_time": "06:00:00", "end_time": "07:00:00",
                             "headway_secs": "300"}])  # exact_times absent = 0
    tt = build_timetable(feed, TUESDAY)
    runs = [i for i, t in enumerate(tt.trip_ids) if t.startswith("T1@")]
    assert len(runs) == 12
    assert {tt.estimated_headway_s(i) for i in runs} == {300}
    assert tt.estimated_headway_s(tt.trip_indices("T2")[0]) == 0
    # someone at A at 06:31 boards the 06:35 run and reaches D at 06:50
    res = csa.earliest_arrival(tt, np.array([[tt.stop_index("A"), _h("06:31:00")]], dtype=np.int64))
    assert int(res.time[tt.stop_index("D")]) == _h("06:50:00")
    # the headway survives the npz round trip
    back = Timetable.from_arrays(tt.to_arrays())
    assert back.trip_headway_s.tolist() == tt.trip_headway_s.tolist()
    assert back.digest == tt.digest


def test_bad_frequency_rows_are_quarantined_with_file_row_field(tmp_path: Path) -> None:
    rows = [
        {"trip_id": "T1", "start_time": "07:00:00", "end_time": "08:00:00", "headway_secs": "0"},
        {"trip_id": "NOPE", "start_time": "07:00:00", "end_time": "08:00:00", "headway_secs": "600"},
        {"trip_id": "T2", "start_time": "09:00:00", "end_time": "08:00:00", "headway_secs": "600"},
        {"trip_id": "T3", "start_time": "7h", "end_time": "08:00:00", "headway_secs": "600"},
    ]
    loaded = load_gtfs(make_gtfs_dir(tmp_path / "gtfs", tables={"frequencies.txt": rows}))
    got = {(q.file, q.row, q.field, q.code) for q in loaded.report.quarantined}
    assert got == {("frequencies.txt", 1, "headway_secs", "invalid_integer"),
                   ("frequencies.txt", 2, "trip_id", "foreign_key_violation"),
                   ("frequencies.txt", 3, "end_time", "start_and_end_range_out_of_order"),
                   ("frequencies.txt", 4, "start_time", "invalid_time")}
    assert len(loaded.data.frequencies) == 0
    assert loaded.report.rows_read == loaded.report.rows_kept + len(loaded.report.quarantined)
    # nothing expanded: the feed runs as scheduled
    tt = build_timetable(loaded.data, TUESDAY)
    assert "T1" in set(tt.trip_ids)


def test_feed_without_frequencies_is_unchanged(tmp_path: Path) -> None:
    feed = load_feed(make_gtfs_dir(tmp_path / "gtfs"))
    assert len(feed.frequencies) == 0
    frames = feed.to_frames()
    back = type(feed).from_frames(frames, **feed.to_meta())
    assert list(back.frequencies.columns) == list(feed.frequencies.columns)
    tt = build_timetable(feed, TUESDAY)
    assert "trip_headway_s" not in tt.to_arrays()


def test_a_feed_not_from_the_loader_is_counted_before_expanding_too(tmp_path: Path, monkeypatch) -> None:
    import pytest

    from sources.budgets import BudgetExceeded

    rows = [{"trip_id": "T1", "start_time": "00:00:00", "end_time": "47:59:59", "headway_secs": "1"}]
    monkeypatch.setenv("SPMD_BUDGET_MAX_FREQUENCY_STOP_TIMES", "10000000")
    feed = _feed(tmp_path, rows)  # loaded with the budget raised
    monkeypatch.delenv("SPMD_BUDGET_MAX_FREQUENCY_STOP_TIMES")
    with pytest.raises(BudgetExceeded) as err:
        build_timetable(feed, TUESDAY)
    assert (err.value.file, err.value.row, err.value.field) == ("frequencies.txt", 1, "headway_secs")


def test_runs_are_counted_as_numpy_arange_counts_them(tmp_path: Path) -> None:
    # 07:00:00 to 07:10:01 every 200 s: 07:00:00, 07:03:20, 07:06:40, 07:10:00 (4 runs, the last before end)
    feed = _feed(tmp_path, [{"trip_id": "T1", "start_time": "07:00:00", "end_time": "07:10:01",
                             "headway_secs": "200", "exact_times": "1"},
                            {"trip_id": "T3", "start_time": "30:00:00", "end_time": "30:00:01",
                             "headway_secs": "3600"}])
    from sources.loaders.gtfs import frequency_stop_times

    assert frequency_stop_times(feed.frequencies, feed.stop_times).tolist() == [16, 4]
    tt = build_timetable(feed, TUESDAY)
    assert sorted(t for t in tt.trip_ids if t.startswith("T1@")) == [
        "T1@07:00:00", "T1@07:03:20", "T1@07:06:40", "T1@07:10:00"]
    assert {t for t in tt.trip_ids if t.startswith("T3@")} == {"T3@30:00:00"}  # today's and yesterday's
    assert {tt.estimated_headway_s(i) for i in tt.trip_indices("T3@30:00:00")} == {3600}


def test_the_connections_invariant_is_checked_where_timetables_are_built() -> None:
    import pytest

    from routing.errors import TimetableError
    from routing.transit.timetable import check_connections

    check_connections(np.array([0, 10]), np.array([5, 10]))
    for dep, arr in (([10], [5]), ([-1], [5]), ([0], [2**31])):
        with pytest.raises(TimetableError, match="invariant"):
            check_connections(np.array(dep), np.array(arr))
