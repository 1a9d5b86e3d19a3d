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
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from timing import clock, median  # noqa: E402

from devkit.fuzz import LOADERS, any_bytes, csv_like, gtfs_zip_with, header_then, run_on_bytes  # noqa: E402
from sources import SourceError  # noqa: E402
from sources.loaders import read_csv_bytes  # noqa: E402
from sources.loaders.gtfs import load_gtfs  # noqa: E402
from sources.traces.load import load_traces_csv, load_traces_gpx  # noqa: E402


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
    for name, suffix, loader in LOADERS:
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
             lambda d, _m=member: run_on_bytes(load_gtfs, gtfs_zip_with(_m, d), ".zip"),
             args.examples)
    traces = st.one_of(any_bytes(size), header_then(b"user_id,lat,lon,time", size))
    _run("traces-csv", traces, _clean(load_traces_csv), args.examples)
    _run("traces-gpx", any_bytes(size), _clean(load_traces_gpx), args.examples)
    _run("csv-scanner", csv_like(size),
         _clean(lambda d: read_csv_bytes(d, label="fuzz.csv")), args.examples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
