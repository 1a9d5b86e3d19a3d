"""Benchmark: load the whole bundle cold (no frame cache) and warm (from the frame cache).

    uv run python bench/bench_sources_load.py [--bundle DIR] [--runs 3]

Each run is a fresh Python process (nothing memoised from an earlier run, and its own memory).
Cold: a fresh, empty cache directory (what a first start does: parse + validate every file,
then write the frame cache). Warm: the same cache directory, already filled (what every later
start does). Loader modules are imported before timing (their import time is printed
separately). Prints the median and every run, peak RSS per phase (psutil, sampled every 10 ms),
the warm/cold ratio and the per-dataset times. Targets: cold <= 30 s, warm <= 3 s.
Datasets whose loader is not written yet are listed and skipped.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import clock, median  # noqa: E402

import sources  # noqa: E402
from sources import settings  # noqa: E402


def measure(func: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``func``; return (result, seconds, peak RSS in MiB during the run)."""
    proc = psutil.Process()
    peak = proc.memory_info().rss
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.01):
            peak = max(peak, proc.memory_info().rss)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        elapsed, result = clock(func)
    finally:
        done.set()
        thread.join()
    peak = max(peak, proc.memory_info().rss)
    return result, elapsed, peak / 2**20


def loadable_ids() -> tuple[list[str], dict[str, str], float]:
    """Ids with bundle files and an importable loader; skipped ids with the reason; import s."""
    ids, skipped = [], {}

    def import_loaders() -> None:
        for ds in sources.all_datasets():
            if not ds.bundle_files:
                continue
            try:
                ds.load_function()
            except (ImportError, AttributeError, sources.DatasetNotFound) as exc:
                skipped[ds.id] = f"{type(exc).__name__}: {exc}"
                continue
            ids.append(ds.id)

    seconds, _ = clock(import_loaders)
    return ids, skipped, seconds


def load_all(ids: list[str], bundle: Path, cache: Path) -> dict[str, Any]:
    """Every dataset loaded, one after the other, all kept in memory (as a start holds them)."""
    times: dict[str, float] = {}
    kept: dict[str, Any] = {}
    for dataset_id in ids:
        times[dataset_id], out = clock(sources.load_many, [dataset_id], bundle=bundle, cache=cache)
        kept[dataset_id] = out[dataset_id]
    failures = {k: str(v) for k, v in kept.items() if not isinstance(v, sources.Loaded)}
    return {"times": times, "failures": failures}


def child(bundle: Path, cache: Path) -> dict[str, Any]:
    """One run in this fresh process: the loaders imported, then every dataset loaded and timed."""
    ids, _, _ = loadable_ids()
    res, seconds, peak_mib = measure(lambda: load_all(ids, bundle, cache))
    return {**res, "seconds": seconds, "peak_mib": peak_mib}


def run(bundle: Path, cache: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--bundle", str(bundle), "--child", str(cache)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=None, help="bundle dir (default $SPMD_BUNDLE or "
                                                       "../shared/data/rennes)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    bundle = settings.bundle_dir(args.bundle) or settings.default_bundle_candidate()
    if args.child:
        print(json.dumps(child(bundle, Path(args.child))))
        return 0
    if not bundle.is_dir():
        print(f"bundle not found: {bundle}", file=sys.stderr)
        return 2

    ids, skipped, import_s = loadable_ids()
    print(f"bundle {bundle}: {len(ids)} datasets with a loader "
          f"(loader imports {import_s:.2f} s, not timed below)")
    for dataset_id, why in skipped.items():
        print(f"  skipped {dataset_id}: {why}")

    cold, warm = [], []
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as warm_dir:
        for i in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="bench-cold-") as cold_dir:
                # the first cold run fills the warm cache; the others use throw-away dirs
                cold.append(run(bundle, Path(warm_dir) if i == 0 else Path(cold_dir)))
        failures = cold[-1]["failures"]
        for _ in range(args.runs):
            warm.append(run(bundle, Path(warm_dir)))
        entries = sum(1 for p in (Path(warm_dir) / "frames").iterdir() if p.is_dir())
        size_mb = sum(f.stat().st_size for f in (Path(warm_dir) / "frames").rglob("*")
                      if f.is_file()) / 2**20

    cold_s, warm_s = [r["seconds"] for r in cold], [r["seconds"] for r in warm]
    cold_m, warm_m = median(cold_s), median(warm_s)
    print(f"\ncold: median {cold_m:.2f} s  runs {', '.join(f'{x:.2f}' for x in cold_s)}  "
          f"peak RSS {max(r['peak_mib'] for r in cold):.0f} MiB   (target <= 30 s)")
    print(f"warm: median {warm_m:.2f} s  runs {', '.join(f'{x:.2f}' for x in warm_s)}  "
          f"peak RSS {max(r['peak_mib'] for r in warm):.0f} MiB   (target <= 3 s)")
    print(f"ratio warm/cold: {warm_m / cold_m:.3f}  (x{cold_m / warm_m:.1f} faster); frame cache "
          f"{entries} entries, {size_mb:.1f} MiB")
    print("\nper dataset (median s)      cold     warm")
    for dataset_id in ids:
        c = median([r["times"][dataset_id] for r in cold])
        w = median([r["times"][dataset_id] for r in warm])
        flag = "" if dataset_id not in failures else f"  FAILED: {failures[dataset_id]}"
        print(f"  {dataset_id:<28} {c:7.3f}  {w:7.3f}{flag}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
