"""The hostile inputs of the second hardening pass, each run as a process: time, peak memory, exit.

    uv run python bench/hostile_inputs.py [--bundle DIR] [--timeout 150] [--only 4,6]

Each row runs in a fresh process under a 4 GB address-space limit (as the probe did) with a
fresh cache; the parent reads the child's own peak resident size from ``os.wait4``. Printed per
row: exit code, seconds, peak MB, and the last line of stderr (the message a person reads).
The rows are those of the hardening issue's table that a command line reaches (3, the upload
flood, is measured by tests/dashboard/test_upload_flood.py against a real server).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devkit.measure import run_measured  # noqa: E402


def run(argv: list[str], *, timeout_s: float) -> dict[str, object]:
    """``python argv[1:]`` measured by :func:`devkit.measure.run_measured` (4 GB address space, the
    child's own peak): exit code (None when killed at the timeout), seconds, peak MB, the last stderr
    line (else the first lines of the board on stdout)."""
    r = run_measured(argv[1:], timeout_s=timeout_s)
    lines = r.error_lines
    board = [ln.strip() for ln in r.stdout.splitlines() if "->" in ln or " at " in ln]
    shown = lines[-1][:160] if lines else (f"stdout: {' | '.join(board[:2])[:150]}" if board else "")
    return {"code": r.code, "seconds": r.seconds, "peak_mb": r.peak_mb, "stderr_lines": len(lines), "last": shown}


def gtfs_rt_feed(path: Path, *, entities: int = 1, time_value: int | None = None, delay: int | None = None,
                 trip_ids: list[str] | None = None) -> Path:
    """A TripUpdates FeedMessage with ``entities`` entities (one stop update each, at the trip's
    first stop), one per trip of ``trip_ids`` when given."""
    from google.transit import gtfs_realtime_pb2 as rt

    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.timestamp = 1321340400
    for i in range(len(trip_ids) if trip_ids else entities):
        ent = msg.entity.add()
        ent.id = str(i)
        ent.trip_update.trip.trip_id = trip_ids[i] if trip_ids else f"t{i}"
        stu = ent.trip_update.stop_time_update.add()
        stu.stop_sequence = 1
        if time_value is not None:
            stu.arrival.time = time_value
        if delay is not None:
            stu.arrival.delay = delay
    path.write_bytes(msg.SerializeToString())
    return path


def all_trips(bundle: str) -> list[str]:
    import csv
    import io
    import zipfile

    with zipfile.ZipFile(Path(bundle) / "gtfs" / "star-2011-11-14.zip") as zf:
        name = next(n for n in zf.namelist() if n.endswith("trips.txt"))
        rows = csv.DictReader(io.TextIOWrapper(zf.open(name), encoding="utf-8-sig"))
        return [row["trip_id"] for row in rows]


def traces_csv(path: Path, users: int = 200) -> Path:
    lines = ["user_id,lat,lon,time"]
    for u in range(users):
        lines.append(f"u{u},{48.10 + u * 1e-4:.5f},-1.67,2024-03-05T08:00:00")
        lines.append(f"u{u},{48.12 + u * 1e-4:.5f},-1.65,2024-03-05T08:30:00")
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE", str(ROOT.parent / "shared/data/rennes")))
    parser.add_argument("--timeout", type=float, default=150.0)
    parser.add_argument("--only", default="", help="comma-separated row numbers")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="spmd-hostile-"))
    bundle, py = args.bundle, sys.executable
    trips = all_trips(bundle)

    def routing(*a: str) -> list[str]:
        return [py, "-m", "routing", *a, "--bundle", bundle, "--cache", str(tmp / "cache")]

    at = ["--at", "2011-11-15T07:30"]
    fifo = tmp / "fifo.csv"
    os.mkfifo(fifo)
    (tmp / "folder.csv").mkdir()
    (tmp / "full.csv").symlink_to("/dev/full")
    rows: list[tuple[str, str, list[str]]] = [
        ("-", "departures, plain (fills the cache)", routing("departures", "--stop", "République", *at)),
        ("4", "arrival.time = 2**40", routing("departures", "--stop", "République", *at, "--trip-updates",
                                              str(gtfs_rt_feed(tmp / "t40.pb", time_value=2**40, trip_ids=trips)))),
        ("4", "delay = 2**31-1", routing("departures", "--stop", "République", *at, "--trip-updates",
                                         str(gtfs_rt_feed(tmp / "d31.pb", delay=2**31 - 1, trip_ids=trips)))),
        ("4", "delay = -(2**31-1)", routing("departures", "--stop", "République", *at, "--trip-updates",
                                            str(gtfs_rt_feed(tmp / "dm31.pb", delay=-(2**31 - 1), trip_ids=trips)))),
        ("6", "10^6 entities", routing("departures", "--stop", "République", *at, "--trip-updates",
                                       str(gtfs_rt_feed(tmp / "big.pb", entities=1_000_000)))),
        ("7", "traces analyse 200 users x 2", [py, "-m", "sources.traces", "analyse",
                                               str(traces_csv(tmp / "traces.csv")), "--tiles", "grid1000"]),
        ("8", "--trip-updates /dev/zero", routing("departures", "--stop", "République", *at,
                                                  "--trip-updates", "/dev/zero")),
        ("9", "arrival.time = 2**63-1", routing("departures", "--stop", "République", *at, "--trip-updates",
                                                str(gtfs_rt_feed(tmp / "t63.pb", time_value=2**63 - 1,
                                                                 trip_ids=trips)))),
        ("9", "arrival.time = -2**63", routing("departures", "--stop", "République", *at, "--trip-updates",
                                               str(gtfs_rt_feed(tmp / "tm63.pb", time_value=-2**63,
                                                                trip_ids=trips)))),
        ("11", "--at 0001-01-01T00:00", routing("departures", "--stop", "République", "--at", "0001-01-01T00:00")),
        ("11", "--at 2030-01-01T08:00 (outside the feed)", routing("departures", "--stop", "République",
                                                                   "--at", "2030-01-01T08:00")),
        ("11", "--horizon-min inf", routing("departures", "--stop", "République", *at, "--horizon-min", "inf")),
        ("11", "--horizon-min nan", routing("departures", "--stop", "République", *at, "--horizon-min", "nan")),
        ("11", "--at ...+14:00", routing("departures", "--stop", "République", "--at", "2011-11-15T20:00+14:00")),
        ("11", "--per-line -1", routing("departures", "--stop", "République", *at, "--per-line", "-1")),
        ("11", "--stop 100k chars", routing("departures", "--stop", "x" * 100_000, *at)),
        ("11", "journeys --from 100k chars", routing("journeys", "--from", "x" * 100_000, "--to", "Gares", *at)),
        ("12", "simulate --out /dev/full", routing("simulate-traces", "--users", "50", "--out", "/dev/full")),
        ("12", "simulate --out full.csv -> /dev/full", routing("simulate-traces", "--users", "50", "--out",
                                                               str(tmp / "full.csv"))),
        ("12", "simulate --out a folder", routing("simulate-traces", "--users", "50", "--out", str(tmp / "folder.csv"))),
        ("12", "simulate --out a FIFO", routing("simulate-traces", "--users", "50", "--out", str(fifo))),
        ("12", "simulate --out with a newline", routing("simulate-traces", "--users", "50", "--out",
                                                        str(tmp / "a\nb.csv"))),
    ]
    only = {r.strip() for r in args.only.split(",") if r.strip()}
    print(f"{'row':>3}  {'input':<42} {'exit':>4} {'s':>7} {'peak MB':>8} {'lines':>5}  message")
    for row, label, cmd in rows:
        if only and row not in only:
            continue
        r = run(cmd, timeout_s=args.timeout)
        code = "kill" if r["code"] is None else r["code"]
        print(f"{row:>3}  {label:<42} {code!s:>4} {r['seconds']:7.1f} {r['peak_mb']:8.0f} {r['stderr_lines']:>5}  "
              f"{r['last']}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
