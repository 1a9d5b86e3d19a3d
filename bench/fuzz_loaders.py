"""The long fuzz run over the loaders (a bounded one runs in the tests).

    uv run python bench/fuzz_loaders.py [--examples 500] [--max-size 4000] [--only ID ...]

For every catalogue loader (random bytes, CSV-like bytes, a real header followed by fuzzed
lines), the GTFS loader with one fuzzed member in the tiny feed, the traces loaders and the
CSV scanner: any input must give a result or a clean error (SourceError, BudgetExceeded
included). Prints, per target, the examples run, how many loaded / were refused, the median
and worst time per example; exits 1 on the first other exception (with the input).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from synthetic import gtfs_zip  # noqa: E402
from timing import clock, median  # noqa: E402

import sources  # noqa: E402
from sources import Loaded, SourceError  # noqa: E402
from sources.loaders import read_csv_bytes  # noqa: E402
from sources.loaders.gtfs import load_gtfs  # noqa: E402
from sources.traces.load import load_traces_csv, load_traces_gpx  # noqa: E402


def catalogue_loaders() -> list[tuple[str, str, Callable[..., Any]]]:
    """(id, file suffix, loader) of every catalogue dataset read from one bundle file."""
    out = []
    for ds in sources.all_datasets():
        if ds.bundle_files:
            suffix = "".join(Path(ds.bundle_files[0]).suffixes) or ".bin"
            fn = ds.load_function()
            out.append((ds.id, suffix, lambda p, _f=fn, _o=dict(ds.options): _f(p, **_o)))
    return out


#: CSV-ish text: separators, quotes, line ends, digits, letters, a BOM and a few odd bytes
CSV_ALPHABET = list(b',;\t"\n\r .-:0123456789abcxyzABC') + [0xEF, 0xBB, 0xBF, 0xE9, 0x00]


def csv_like(max_size: int) -> st.SearchStrategy[bytes]:
    return st.lists(st.sampled_from(CSV_ALPHABET), max_size=max_size).map(bytes)


def header_then(header: bytes, max_size: int) -> st.SearchStrategy[bytes]:
    """A real header followed by fuzzed lines (reaches the per-row code, not only the header)."""
    return csv_like(max_size).map(lambda body: header + b"\n" + body)


def any_bytes(max_size: int) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=max_size), csv_like(max_size))


def run_on_bytes(loader: Callable[..., Any], data: bytes, suffix: str) -> Any:
    """``data`` written to a temporary file with ``suffix`` and loaded: the result or the clean
    error. Any other exception, or a report keeping more rows than it read, is a failure."""
    with tempfile.TemporaryDirectory(prefix="spmd-fuzz-") as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            result = loader(path)
        except SourceError as exc:
            return exc
    if not isinstance(result, Loaded):
        raise TypeError(f"the loader returned {type(result).__name__}, not Loaded")
    report = result.report
    if report.rows_kept > report.rows_read and report.rows_read:
        raise AssertionError(f"rows kept {report.rows_kept} > rows read {report.rows_read}")
    return result


def _run(name: str, strategy: st.SearchStrategy[Any], target: Callable[[Any], Any],
         examples: int) -> None:
    times: list[float] = []
    outcomes = {"loaded": 0, "refused": 0}

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=strategy)
    def prop(data: Any) -> None:
        t, result = clock(target, data)
        times.append(t)
        outcomes["refused" if isinstance(result, SourceError) else "loaded"] += 1

    prop()
    print(f"{name:28s} examples={len(times):5d} loaded={outcomes['loaded']:5d} "
          f"refused={outcomes['refused']:5d} median={median(times, unit='ms'):8.1f} ms "
          f"worst={max(times) * 1e3:8.1f} ms", flush=True)


def _clean(fn: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def call(data: bytes) -> Any:
        try:
            return fn(data)
        except SourceError as exc:
            return exc
    return call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--max-size", type=int, default=2000)
    parser.add_argument("--only", nargs="*", default=None, help="catalogue ids to fuzz")
    args = parser.parse_args(argv)
    size = args.max_size
    for name, suffix, loader in catalogue_loaders():
        if args.only and name not in args.only:
            continue
        strategy = st.one_of(any_bytes(size), header_then(b"id,lon,lat,name", size))
        _run(name, strategy, lambda d, _l=loader, _s=suffix: run_on_bytes(_l, d, _s),
             args.examples)
    if args.only:
        return 0
    for member in ("stop_times.txt", "stops.txt", "trips.txt", "calendar.txt", "routes.txt"):
        body = st.one_of(csv_like(size), header_then(
            b"trip_id,arrival_time,departure_time,stop_id,stop_sequence", size))
        _run(f"gtfs:{member}", body,
             lambda d, _m=member: run_on_bytes(load_gtfs, gtfs_zip({_m: d}), ".zip"),
             args.examples)
    traces = st.one_of(any_bytes(size), header_then(b"user_id,lat,lon,time", size))
    _run("traces-csv", traces, _clean(load_traces_csv), args.examples)
    _run("traces-gpx", any_bytes(size), _clean(load_traces_gpx), args.examples)
    _run("csv-scanner", csv_like(size),
         _clean(lambda d: read_csv_bytes(d, label="fuzz.csv")), args.examples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
