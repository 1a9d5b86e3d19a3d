"""What the budgets and the row-level recovery cost and save.

    uv run python bench/bench_budgets.py [--repeat 3] [--bundle DIR]

Prints medians (and ratios to a baseline measured in the same run):

* refusing a 200,000-column CSV header (traces loader, tabular loaders, GTFS), against
  parsing the same kind of header with the budget raised at 10,000 and 20,000 columns
  (duplicate names: pandas renames them in quadratic time), extrapolated to 200,000;
* refusing a GTFS zip whose stop_times.txt inflates to 1 GiB, against merely inflating it;
* loading the bundle's STAR feed with one stray quote in stop_times.txt (kept: one line
  quarantined), against the clean feed (the scan's cost).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import clock, median, repeat  # noqa: E402

from devkit.synthetic import TINY_GTFS, gtfs_zip, write_bomb_zip  # noqa: E402
from sources import SourceError  # noqa: E402
from sources.loaders import read_csv_table  # noqa: E402
from sources.loaders.gtfs import load_gtfs  # noqa: E402
from sources.traces.load import load_traces_csv  # noqa: E402


def _median(fn: Callable[[], object], n: int) -> float:
    """Median seconds of ``n`` calls of ``fn`` (a refusal by a clean error counts as done)."""
    return median(repeat(fn, n, ignore=(SourceError,))[0])


def _wide(columns: int, *, duplicate: bool) -> bytes:
    names = ["x"] * (columns - 4) if duplicate else [f"c{i}" for i in range(columns - 4)]
    header = ",".join(["user_id", "lat", "lon", "time", *names])
    return (header + "\n" + "u,48.1,-1.6,2024-01-01T08:00:00" + "," * (columns - 4) + "\n").encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE", "../shared/data/rennes"))
    args = parser.parse_args(argv)
    r = args.repeat
    tmp = Path(tempfile.mkdtemp(prefix="spmd-bench-budgets-"))

    print("== 200,000-column header")
    wide = _wide(200_000, duplicate=True)
    (tmp / "wide.csv").write_bytes(wide)
    stop_times = "trip_id," + ",".join(f"x{i}" for i in range(200_000)) + "\nT1\n"
    gtfs_wide = tmp / "wide.zip"
    gtfs_wide.write_bytes(gtfs_zip({"stop_times.txt": stop_times}))
    refuse = {
        "traces loader": _median(lambda: load_traces_csv(wide), r),
        "tabular loaders": _median(lambda: read_csv_table(tmp / "wide.csv"), r),
        "GTFS loader": _median(lambda: load_gtfs(gtfs_wide), r),
    }
    for what, seconds in refuse.items():
        print(f"refused by the {what:16s} median {seconds * 1e3:8.1f} ms")
    os.environ["SPMD_BUDGET_MAX_COLUMNS"] = "1000000"
    base = {}
    for n in (10_000, 20_000):
        data = _wide(n, duplicate=True)
        base[n] = _median(lambda d=data: load_traces_csv(d), r)
        print(f"parsed with the budget raised, {n:,} columns: median {base[n]:8.2f} s")
    del os.environ["SPMD_BUDGET_MAX_COLUMNS"]
    growth = base[20_000] / base[10_000]
    estimate = base[20_000] * (200_000 / 20_000) ** 2
    print(f"growth x{growth:.1f} for 2x the columns (quadratic); 200,000 columns extrapolated: "
          f"~{estimate / 60:.0f} min, refused in {refuse['traces loader'] * 1e3:.0f} ms "
          f"(ratio {estimate / refuse['traces loader']:,.0f}x)")

    print("== GTFS zip whose stop_times.txt inflates to 1 GiB")
    small = {k: v.encode() for k, v in TINY_GTFS.items() if k != "stop_times.txt"}
    built_s, bomb = clock(write_bomb_zip, tmp / "bomb.zip", small, bomb_name="stop_times.txt",
                          bomb_bytes=1 << 30,
                          header=b"trip_id,arrival_time,departure_time,stop_id,stop_sequence\n")
    print(f"archive built in {built_s:.1f} s, {bomb.stat().st_size:,} bytes")
    refused = _median(lambda: load_gtfs(bomb), r)

    def inflate() -> None:
        with zipfile.ZipFile(bomb) as zf, zf.open("stop_times.txt") as fh:
            while fh.read(1 << 24):
                pass

    inflated = _median(inflate, 1)
    print(f"refused in median {refused * 1e3:.1f} ms; only inflating it (no parsing) takes "
          f"{inflated:.1f} s (ratio {inflated / refused:,.0f}x)")

    feed = Path(args.bundle) / "gtfs" / "star-2011-11-14.zip"
    if feed.exists():
        print("== STAR 2011 feed (534,918 stop times) with one stray quote")
        stray = tmp / "stray.zip"
        with zipfile.ZipFile(feed) as zin, zipfile.ZipFile(stray, "w", zipfile.ZIP_DEFLATED) as zo:
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename.endswith("stop_times.txt"):
                    lines = data.replace(b'"', b"").split(b"\n")
                    lines[500_000] = lines[500_000].replace(b",", b',"', 1)
                    data = b"\n".join(lines)
                zo.writestr(info.filename, data)
        clean = _median(lambda: load_gtfs(feed), r)
        broken = _median(lambda: load_gtfs(stray), r)
        _, report = load_gtfs(stray)
        bad = [(n.code, n.row) for n in report.quarantined if n.code == "invalid_quoting"]
        print(f"clean feed median {clean:.2f} s; with the stray quote {broken:.2f} s "
              f"(ratio {broken / clean:.2f}); quarantined {bad}, "
              f"stop times kept {report.rows_kept:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
