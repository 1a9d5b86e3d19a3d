"""Timing for the benches, in one place: timing loops, medians and percentiles, the ratio to a
baseline measured in the same run, the agreement line and the load average.

One definition of a percentile: numpy's default, linear interpolation between the two closest
ranks (``np.percentile(samples, q)``; the p95 of 20 samples lies between the 19th and the 20th
smallest), and the median is the 50th percentile by the same rule. Samples are seconds;
``unit`` ("ms" or "s") only scales what is returned or printed.

The benches run as scripts (``uv run python bench/bench_x.py``), so they import this module as
``from timing import ...`` (their own folder is first on ``sys.path``).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

#: seconds -> the unit printed
SCALE = {"ms": 1000.0, "s": 1.0}


# -- summaries --------------------------------------------------------------------------------------

def percentile(samples_s: Sequence[float], q: float, *, unit: str = "s") -> float:
    """The ``q``-th percentile (0-100, linear interpolation) of samples in seconds, in ``unit``;
    NaN when there is no sample."""
    if len(samples_s) == 0:
        return math.nan
    return float(np.percentile(np.asarray(samples_s, dtype="float64"), q)) * SCALE[unit]


def median(samples_s: Sequence[float], *, unit: str = "s") -> float:
    """The median (the 50th percentile) of samples in seconds, in ``unit``."""
    return percentile(samples_s, 50, unit=unit)


def median_p95(samples_s: Sequence[float], *, unit: str = "ms") -> tuple[float, float]:
    """(median, 95th percentile) of samples in seconds, in ``unit``."""
    return percentile(samples_s, 50, unit=unit), percentile(samples_s, 95, unit=unit)


def latency(samples_s: Sequence[float], *, unit: str = "ms", width: int = 8, decimals: int = 1) -> str:
    """``"median    12.3 ms  p95    45.6 ms  (n=20)"`` for samples in seconds."""
    p50, p95 = median_p95(samples_s, unit=unit)
    return (f"median {p50:{width}.{decimals}f} {unit}  p95 {p95:{width}.{decimals}f} {unit}  "
            f"(n={len(samples_s)})")


# -- ratios to a baseline measured in the same run -------------------------------------------------

def ratio(samples_s: Sequence[float], base_s: Sequence[float]) -> float:
    """Median of ``samples_s`` over the median of ``base_s``."""
    return median(samples_s) / median(base_s)


def versus(samples_s: Sequence[float], base_s: Sequence[float], *, of: str, faster: bool = False) -> str:
    """The ratio of medians and of p95s to a baseline: ``"= x0.42 median, x0.12 p95 of {of}"``,
    or with ``faster`` the baseline over these samples, ``"{of}/this: x268 median, x137 p95"``."""
    (p50, p95), (b50, b95) = median_p95(samples_s), median_p95(base_s)
    if faster:
        return f"{of}/this: x{b50 / p50:,.0f} median, x{b95 / p95:,.0f} p95"
    return f"= x{p50 / b50:.2f} median, x{p95 / b95:.2f} p95 of {of}"


def line(name: str, samples_s: Sequence[float], base_s: Sequence[float] | None = None, *,
         of: str = "the baseline's", faster: bool = False, name_width: int = 38, unit: str = "ms",
         decimals: int = 3) -> None:
    """Print ``"{name}  median … ms   p95 … ms"``, and the ratio to ``base_s`` when given
    (:func:`versus`)."""
    p50, p95 = median_p95(samples_s, unit=unit)
    extra = f"   {versus(samples_s, base_s, of=of, faster=faster)}" if base_s is not None else ""
    print(f"{name:<{name_width}} median {p50:9.{decimals}f} {unit}   p95 {p95:9.{decimals}f} {unit}{extra}")


def agreement(label: str, equal: int, total: int) -> str:
    """``"{label}: 998/1000"``: how many answers of two methods agree, out of how many compared."""
    return f"{label}: {equal}/{total}"


def load_average() -> str:
    """``"load average during the run: 1.2 on 2 cores"`` (the machine's other work, for reading
    the figures)."""
    return f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


# -- timing loops ----------------------------------------------------------------------------------

def clock(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """(seconds, result) of one call ``fn(*args, **kwargs)`` (``time.perf_counter``)."""
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def repeat(fn: Callable[[], Any], n: int, *,
           ignore: tuple[type[BaseException], ...] = ()) -> tuple[list[float], Any]:
    """Seconds of ``n`` calls of ``fn()`` and the last result; an exception of ``ignore`` ends
    its call (timed up to the raise; the result is then the exception)."""
    times: list[float] = []
    out: Any = None
    for _ in range(n):
        t = time.perf_counter()
        try:
            out = fn()
        except ignore as exc:
            out = exc
        times.append(time.perf_counter() - t)
    return times, out


def each(fn: Callable[..., Any], items: Iterable[Any], *, star: bool = False) -> tuple[list[float], list[Any]]:
    """Seconds and result of one call per item, ``fn(item)`` (``fn(*item)`` with ``star``)."""
    times: list[float] = []
    out: list[Any] = []
    for item in items:
        t = time.perf_counter()
        out.append(fn(*item) if star else fn(item))
        times.append(time.perf_counter() - t)
    return times, out


def best_of(fn: Callable[[], Any], n: int) -> float:
    """The least seconds of ``n`` calls of ``fn()`` (one query's cost, the machine's noise out)."""
    return min(repeat(fn, n)[0])
