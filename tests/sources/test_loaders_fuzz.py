"""Fuzzing the loaders (bounded, for CI; the long run is ``bench/fuzz_loaders.py``).

Any byte string yields a result or a clean error (a SourceError, BudgetExceeded included),
never a traceback; the CSV scanner keeps its accounting (records + quarantined = lines read).
"""

from __future__ import annotations

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
