"""One loader per source format (see each module); the shared readers below are public for the
benches and fuzzers (imported on first use)."""

from __future__ import annotations

from typing import Any

_EXPORTS = {"read_csv_table": "_tabular", "read_csv_bytes": "_csv"}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sources.loaders' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"sources.loaders.{_EXPORTS[name]}"), name)
