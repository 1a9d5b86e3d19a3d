"""Fuzzing the loaders (bounded, for CI; the long run is ``bench/fuzz_loaders.py``).

Any byte string yields a result or a clean error (a SourceError, BudgetExceeded included),
never a traceback; the CSV scanner keeps its accounting (records + quarantined = lines read).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.fuzz import (
    LOADERS,
    any_bytes,
    csv_like,
    gtfs_zip_with,
    header_then,
    run_on_bytes,
)
from sources.errors import SourceError
from sources.loaders._csv import read_csv_bytes
from sources.loaders.gtfs import load_gtfs
from sources.traces.load import load_traces_csv, load_traces_gpx
from sources.validate import Report

FUZZ = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(("name", "suffix", "loader"), LOADERS, ids=[n for n, _, _ in LOADERS])
@FUZZ
@given(data=any_bytes())
def test_every_catalogue_loader_on_random_bytes(name, suffix, loader, data: bytes) -> None:
    run_on_bytes(loader, data, suffix)


@FUZZ
@given(data=csv_like(600))
def test_csv_scanner_accounting(data: bytes) -> None:
    report = Report("fuzz")
    try:
        frame = read_csv_bytes(data, label="f.csv", report=report)
    except SourceError:
        return
    assert frame.attrs["rows_read"] == len(frame) + report.n_quarantined
    assert list(frame["_row"]) == sorted(frame["_row"])  # rows follow the lines
    assert all(n.row is not None and n.row >= 1 for n in report.quarantined)


@pytest.mark.parametrize("member", ["stop_times.txt", "stops.txt", "trips.txt", "calendar.txt",
                                    "routes.txt"])
@FUZZ
@given(body=st.one_of(csv_like(), header_then(b"trip_id,arrival_time,departure_time,stop_id,"
                                               b"stop_sequence"),
                      header_then(b"stop_id,stop_name,stop_lat,stop_lon")))
def test_gtfs_with_one_fuzzed_file(member: str, body: bytes) -> None:
    run_on_bytes(load_gtfs, gtfs_zip_with(member, body), ".zip")


@FUZZ
@given(data=st.one_of(any_bytes(), header_then(b"user_id,lat,lon,time")))
def test_traces_loaders(data: bytes) -> None:
    for loader in (load_traces_csv, load_traces_gpx):
        try:
            loader(data)
        except SourceError:
            pass


#: examples of the frequencies property: a few dozen in CI (derandomised), more with SPMD_FUZZ_EXAMPLES
FREQ_FUZZ = settings(max_examples=int(os.environ.get("SPMD_FUZZ_EXAMPLES", "30")), deadline=None,
                     derandomize="SPMD_FUZZ_EXAMPLES" not in os.environ, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FREQ_PIECES = st.sampled_from(["T1", "T2", "N1", "X", "00:00:00", "47:59:59", "48:00:00", "08:00:00", "25:00:00",
                               "7:00:00", "1", "0", "-1", "1.5", "600", "3600", "1e9", "nan", "inf", "", "abc", "2",
                               '"', "9" * 30])


@FREQ_FUZZ
@given(body=st.one_of(
    st.lists(st.lists(FREQ_PIECES, min_size=4, max_size=5).map(",".join), max_size=12).map(
        lambda rows: ("trip_id,start_time,end_time,headway_secs,exact_times\n" + "\n".join(rows)).encode()),
    header_then(b"trip_id,start_time,end_time,headway_secs")))
def test_frequencies_rows_give_a_timetable_or_a_clean_error(body: bytes) -> None:
    """Loading and expanding any frequencies.txt: a timetable, or a SourceError (BudgetExceeded
    for runs past the budget), never a MemoryError nor another traceback."""
    import datetime as dt
    import tempfile
    from pathlib import Path

    from routing.transit.timetable import build_timetable
    from tests.factories import make_gtfs_zip

    with tempfile.TemporaryDirectory(prefix="spmd-fuzz-") as folder:
        path = make_gtfs_zip(Path(folder) / "feed.zip", raw={"frequencies.txt": body})
        result = run_on_bytes(load_gtfs, path.read_bytes(), ".zip")
    if isinstance(result, SourceError):
        return
    try:
        tt = build_timetable(result.data, dt.date(2024, 3, 5))
    except SourceError:
        return
    assert (tt.arr_time >= tt.dep_time).all() and (tt.dep_time >= 0).all()
