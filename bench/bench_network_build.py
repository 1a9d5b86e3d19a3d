"""Benchmark of the network build from the Rennes bundle: cold, warm, peak memory.

    uv run python bench/bench_network_build.py [--cold 3] [--warm 5] [--bundle DIR]

Each run is a fresh Python process (so that peak memory is its own, ``ru_maxrss``):

* cold: an empty cache directory (no frame cache, no network cache): load every input
  dataset, build the network (street layers, timetable, transfers, points), save it;
  and, in other fresh processes and caches, loading the inputs alone (for scale);
* warm: the same cache directory again: the network is read from its disk cache;
* baseline, in the cold processes: ``Network.to_networkx()`` (the NetworkX model of the same
  network), and the input loading alone, for scale.

Numba kernels are cached on disk by numba itself (``cache=True``); a first run after a
code change also compiles them. Targets: <= 20 s cold, <= 2 s warm, <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from timing import median_p95

ROOT = Path(__file__).resolve().parents[1]


def child(phase: str, bundle: str, cache: str) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    import logging

    logging.disable(logging.WARNING)
    from routing.network import inputs as build

    out: dict[str, Any] = {}
    t = time.perf_counter()
    if phase == "inputs":
        build.load_inputs(bundle=bundle, cache=cache)
        out["load_network_s"] = time.perf_counter() - t
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return out
    net = build.load_network(bundle=bundle, cache=cache)
    out["load_network_s"] = time.perf_counter() - t
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if phase == "cold":
        t = time.perf_counter()
        g = net.to_networkx()
        out["networkx_s"] = time.perf_counter() - t
        out["networkx_nodes"] = g.number_of_nodes()
        out["networkx_edges"] = g.number_of_edges()
    out["connections"] = net.timetable.n_connections
    out["day"] = net.day.isoformat()
    return out


def run(phase: str, bundle: str, cache: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--child", phase, "--bundle", bundle, "--cache", cache],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def show(name: str, values: list[float], unit: str = "s") -> tuple[float, float]:
    p50, p95 = median_p95(values, unit=unit)
    print(f"{name:<40} median {p50:8.2f} {unit}   p95 {p95:8.2f} {unit}   (n={len(values)})")
    return p50, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold", type=int, default=3)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE", str(ROOT.parent / "shared/data/rennes")))
    parser.add_argument("--child", choices=("cold", "warm", "inputs"), help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.bundle, args.cache)))
        return

    cold, warm, inputs = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-network-") as tmp:
        for i in range(args.cold):
            cache = str(Path(tmp) / f"cache{i}")
            cold.append(run("cold", args.bundle, cache))
            inputs.append(run("inputs", args.bundle, str(Path(tmp) / f"inputs{i}")))
        for _ in range(args.warm):
            warm.append(run("warm", args.bundle, str(Path(tmp) / "cache0")))
        size = sum(p.stat().st_size for p in (Path(tmp) / "cache0" / "networks").rglob("*") if p.is_file())
    print(f"network of {cold[0]['day']}: {cold[0]['connections']:,} connections; cached network on disk {size / 1e6:.1f} MB")
    c50, _ = show("cold: load inputs + build + save", [r["load_network_s"] for r in cold])
    show("  loading the inputs alone (cold)", [r["load_network_s"] for r in inputs])
    w50, _ = show("warm: from the network cache", [r["load_network_s"] for r in warm])
    nx50, _ = show("baseline: Network.to_networkx()", [r["networkx_s"] for r in cold])
    print(f"{'':<40} ({cold[0]['networkx_nodes']:,} nodes, {cold[0]['networkx_edges']:,} edges)")
    peak_cold = max(r["peak_rss_mb"] for r in cold)
    peak_warm = max(r["peak_rss_mb"] for r in warm)
    print(f"peak memory: cold {peak_cold:.0f} MB, warm {peak_warm:.0f} MB")
    print(f"ratios: cold/warm x{c50 / w50:.1f}; warm load is x{nx50 / w50:.1f} faster than building the NetworkX model")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"targets: cold {c50:.1f} s (<= 20: {'ok' if c50 <= 20 else 'MISSED'}), warm {w50:.2f} s "
          f"(<= 2: {'ok' if w50 <= 2 else 'MISSED'}), peak {peak_cold / 1024:.2f} GB "
          f"(<= 1.5: {'ok' if peak_cold <= 1536 else 'MISSED'})")


if __name__ == "__main__":
    main()
