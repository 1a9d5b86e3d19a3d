"""Latency summaries shared by the benches: median and 95th percentile of timed samples.

The benches run as scripts (``uv run python bench/bench_x.py``), so they import this module as
``from timing import ...`` (their own folder is first on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: seconds -> the unit printed
SCALE = {"ms": 1000.0, "s": 1.0}


def median_p95(samples_s: Sequence[float], *, unit: str = "ms") -> tuple[float, float]:
    """(median, 95th percentile) of samples in seconds, in ``unit`` ("ms" or "s")."""
    a = np.asarray(samples_s, dtype="float64") * SCALE[unit]
    return float(np.median(a)), float(np.percentile(a, 95))


def latency(samples_s: Sequence[float], *, unit: str = "ms", width: int = 8, decimals: int = 1) -> str:
    """``"median    12.3 ms  p95    45.6 ms  (n=20)"`` for samples in seconds."""
    p50, p95 = median_p95(samples_s, unit=unit)
    return (f"median {p50:{width}.{decimals}f} {unit}  p95 {p95:{width}.{decimals}f} {unit}  "
            f"(n={len(samples_s)})")
