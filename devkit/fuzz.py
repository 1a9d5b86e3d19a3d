"""Fuzzing the loaders, shared by the bounded tests (tests/sources/test_loaders_fuzz.py) and the
long run (bench/fuzz_loaders.py): the loaders under test, the input strategies and the property.

The property: any byte string given to a loader yields a result or a clean error (a
:class:`sources.SourceError`, which :class:`sources.budgets.BudgetExceeded` is), never
another exception.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

import sources
from devkit.synthetic import gtfs_zip
from sources import Loaded, SourceError

#: (id, file suffix, loader) of every catalogue dataset read from one bundle file
LOADERS: list[tuple[str, str, Callable[..., Any]]] = []
for _ds in sources.all_datasets():
    if _ds.bundle_files:
        _suffix = "".join(Path(_ds.bundle_files[0]).suffixes) or ".bin"
        _fn = _ds.load_function()
        LOADERS.append((_ds.id, _suffix, lambda p, _f=_fn, _o=dict(_ds.options): _f(p, **_o)))

#: CSV-ish text: separators, quotes, line ends, digits, letters, a BOM and a few odd bytes
CSV_ALPHABET = list(b',;\t"\n\r .-:0123456789abcxyzABC') + [0xEF, 0xBB, 0xBF, 0xE9, 0x00]


def csv_like(max_size: int = 400) -> st.SearchStrategy[bytes]:
    return st.lists(st.sampled_from(CSV_ALPHABET), max_size=max_size).map(bytes)


def header_then(header: bytes, max_size: int = 400) -> st.SearchStrategy[bytes]:
    """A real header followed by fuzzed lines (reaches the per-row code, not only the header)."""
    return csv_like(max_size).map(lambda body: header + b"\n" + body)


def any_bytes(max_size: int = 400) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=max_size), csv_like(max_size))


def gtfs_zip_with(member: str, body: bytes) -> bytes:
    """The tiny feed of :mod:`devkit.synthetic` with ``member`` replaced by ``body``, as zip bytes."""
    return gtfs_zip({member: body})


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
