"""Shared by the bounded fuzz tests (tests/sources/test_loaders_fuzz.py) and the long run
(bench/fuzz_loaders.py): the loaders under test and the input strategies.

The property: any byte string given to a loader yields a result or a clean error (a
:class:`sources.errors.SourceError`, which :class:`sources.budgets.BudgetExceeded` is), never
another exception.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from sources import catalogue
from sources.errors import SourceError
from sources.validate import Loaded

#: (name, file suffix, loader) for every catalogue loader that reads one file from the bundle.
LOADERS: list[tuple[str, str, Callable[..., Any]]] = []
for _ds in catalogue.all_datasets():
    if _ds.bundle_files:
        _suffix = "".join(Path(_ds.bundle_files[0]).suffixes) or ".bin"
        _fn = _ds.load_function()
        LOADERS.append((_ds.id, _suffix, lambda p, _f=_fn, _o=dict(_ds.options): _f(p, **_o)))

#: CSV-ish text: separators, quotes, line ends, digits, letters, a BOM and a few odd bytes.
CSV_ALPHABET = list(b',;\t"\n\r .-:0123456789abcxyzABC') + [0xEF, 0xBB, 0xBF, 0xE9, 0x00]


def csv_like(max_size: int = 400) -> st.SearchStrategy[bytes]:
    return st.lists(st.sampled_from(CSV_ALPHABET), max_size=max_size).map(bytes)


def header_then(header: bytes, max_size: int = 400) -> st.SearchStrategy[bytes]:
    """A real header followed by fuzzed lines (reaches the per-row code, not only the header)."""
    return csv_like(max_size).map(lambda body: header + b"\n" + body)


def any_bytes(max_size: int = 400) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=max_size), csv_like(max_size))


def gtfs_zip_with(name: str, body: bytes) -> bytes:
    """The tiny test feed with ``name`` replaced by ``body``, as zip bytes."""
    from tests.factories import gtfs_tables

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, text in gtfs_tables().items():
            zf.writestr(member, body if member == name else text)
    return buf.getvalue()


def run_on_bytes(loader: Callable[..., Any], data: bytes, suffix: str) -> Any:
    """Write ``data`` to a temporary file with ``suffix`` and load it; return the result or
    the clean error. Any other exception propagates (the property fails)."""
    with tempfile.TemporaryDirectory(prefix="spmd-fuzz-") as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            result = loader(path)
        except SourceError as exc:
            return exc
    assert isinstance(result, Loaded)
    report = result.report
    assert report.rows_kept <= report.rows_read or report.rows_read == 0
    return result
