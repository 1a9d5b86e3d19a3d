"""Small hostile scenario files and frequencies.txt rows: time and peak memory of each.

    uv run python bench/bench_hostile_scenarios.py [--only NAME] [--limit-gb 4]

Each input runs in its own process under an address-space limit (``--limit-gb``); the parent
prints the outcome (the result, or the error's class and first words), the wall time and the
child's peak resident memory (``ru_maxrss`` from ``os.wait4``). The inputs are those of the
hardening issue: four ``add_line`` of 200 stops every 30 s over 00:00-41:40 (6 kB), a
frequencies.txt row ``headway_secs=1`` over 00:00:00-47:59:59 (one row, ten rows on ten trips),
scenario numbers out of range, TOML nested 2,000 deep, ``extends`` out of the folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devkit.measure import run_measured  # noqa: E402
from devkit.synthetic import gtfs_zip  # noqa: E402

DAY = dt.date(2024, 3, 5)
HEAD = 'name = "hostile"\n'


def hostile_lines(lines: int = 4, stops: int = 200, *, headway_min: float = 0.5, end: str = "41:40") -> str:
    """``lines`` add_line of ``stops`` stops (A, B, A, ...) every ``headway_min`` over 00:00-``end``."""
    stop_list = ", ".join('"A"' if k % 2 == 0 else '"B"' for k in range(stops))
    mod = ('[[modifications]]\ntype = "add_line"\nid = "X{i}"\nstops = [{stops}]\n'
           'periods = [{{ start = "00:00", end = "{end}", headway_min = {h} }}]\nspeed_kmh = 30\n')
    return HEAD + "".join(mod.format(i=i, stops=stop_list, end=end, h=headway_min) for i in range(lines))


def number_line(field: str) -> str:
    """One add_line between A and B whose running time is ``field`` (e.g. ``segment_s = [inf]``)."""
    return (HEAD + '[[modifications]]\ntype = "add_line"\nid = "X"\nstops = ["A", "B"]\n'
            f'departures = ["07:00"]\n{field}\n')


def frequencies_feed(rows: int) -> bytes:
    """The bench feed with ``rows`` trips (copies of T1), each run every second over 00:00:00-47:59:59."""
    trips = "route_id,service_id,trip_id,direction_id\n" + "".join(f"L1,WK,T{i},0\n" for i in range(1, rows + 1))
    st = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
        f"T{i},08:00:00,08:00:00,A,1\nT{i},08:05:00,08:05:00,B,2\n" for i in range(1, rows + 1))
    freq = "trip_id,start_time,end_time,headway_secs\n" + "".join(
        f"T{i},00:00:00,47:59:59,1\n" for i in range(1, rows + 1))
    return gtfs_zip({"trips.txt": trips, "stop_times.txt": st, "frequencies.txt": freq})


# -- the cases, run in the child ----------------------------------------------------------------

def _timetable():
    from routing.transit import build_timetable
    from sources.loaders.gtfs import load_gtfs

    folder = Path(tempfile.mkdtemp(prefix="spmd-hostile-"))
    (folder / "feed.zip").write_bytes(gtfs_zip())
    return build_timetable(load_gtfs(folder / "feed.zip").data, DAY)


def _upload_and_apply(text: str) -> str:
    from dashboard.services.scenarios import read_upload
    from routing.scenarios import apply_scenario

    sc = read_upload(text.encode(), "hostile.toml")
    tt = apply_scenario(_timetable(), sc)
    return f"applied: {tt.n_connections:,} connections, times {tt.dep_time.min()}..{tt.arr_time.max()} s"


def _frequencies(rows: int) -> str:
    from routing.transit import build_timetable
    from sources.loaders.gtfs import load_gtfs

    folder = Path(tempfile.mkdtemp(prefix="spmd-hostile-"))
    (folder / "feed.zip").write_bytes(frequencies_feed(rows))
    tt = build_timetable(load_gtfs(folder / "feed.zip").data, DAY)
    return f"built: {tt.n_connections:,} connections"


def _extends(target: str) -> str:
    from routing.scenarios import load_scenario

    folder = Path(tempfile.mkdtemp(prefix="spmd-hostile-"))
    (folder / "a.toml").write_text(HEAD + f'extends = "{target}"\n')
    (folder / "b.toml").write_text(HEAD + 'extends = "a.toml"\n')
    if target == "b.toml":
        (folder / "a.toml").write_text(HEAD + 'extends = "b.toml"\n')
    return f"loaded: {load_scenario(folder / 'a.toml').name}"


CASES = {
    "lines-4x200-every-30s": lambda: _upload_and_apply(hostile_lines()),
    "lines-10x200-every-30s": lambda: _upload_and_apply(hostile_lines(10)),
    "lines-4x200-every-60s": lambda: _upload_and_apply(hostile_lines(headway_min=1, end="47:00")),
    "frequencies-1-row-1s": lambda: _frequencies(1),
    "frequencies-10-rows-1s": lambda: _frequencies(10),
    "segment_s-inf": lambda: _upload_and_apply(number_line("segment_s = [inf]")),
    "segment_s-1e300": lambda: _upload_and_apply(number_line("segment_s = [1e300]")),
    "speed_kmh-1e-300": lambda: _upload_and_apply(number_line("speed_kmh = 1e-300")),
    "end_to_end_min-1e300": lambda: _upload_and_apply(number_line("end_to_end_min = 1e300")),
    "toml-nested-2000": lambda: _upload_and_apply(HEAD + "x = " + "[" * 2000 + "]" * 2000 + "\n"),
    "extends-etc-passwd": lambda: _extends("../../../../etc/passwd"),
    "extends-proc-environ": lambda: _extends("/proc/self/environ"),
    "extends-cycle": lambda: _extends("b.toml"),
}


def child(name: str, limit_gb: float) -> None:
    limit = int(limit_gb * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # the imports (numba, pandas, the dashboard's services) are not the input's cost
    from dashboard.services.scenarios import read_upload  # noqa: F401
    from routing.scenarios import apply_scenario  # noqa: F401
    from sources.loaders.gtfs import load_gtfs  # noqa: F401

    t0 = time.perf_counter()
    try:
        outcome = CASES[name]()
    except BaseException as exc:  # noqa: BLE001 - the outcome is what is measured
        outcome = f"{type(exc).__name__}: {' '.join(str(exc).split())[:150]}"
    print(f"{time.perf_counter() - t0:.2f}\t{outcome}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(CASES))
    parser.add_argument("--limit-gb", type=float, default=4.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.limit_gb)
        return 0
    print(f"{'input':<24} {'case_s':>7} {'peak_MB':>8}  outcome (case_s: the input's time, imports excluded)")
    for name in [args.only] if args.only else CASES:
        r = run_measured([__file__, "--child", name, "--limit-gb", str(args.limit_gb)], timeout_s=3600.0,
                         limit_bytes=int(args.limit_gb * 1024**3))
        out = (r.stdout + r.stderr).strip()
        last = out.splitlines()[-1] if out else "nan\t(no output)"
        seconds, _, outcome = last.partition("\t")
        print(f"{name:<24} {float(seconds):7.2f} {r.peak_mb:8.0f}  {outcome}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
