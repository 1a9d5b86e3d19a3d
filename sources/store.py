"""A cache of LOADED frames, so a warm start skips parsing and validation.

An entry is keyed by the sha256 of: the input files (name + content digest), the loader
(``"module:function"`` and a digest of its module's source), the load options, and
:data:`CODE_VERSION`. It lives in ``<cache>/frames/<key>/``:

* ``data.parquet`` for a DataFrame, GeoParquet for a GeoDataFrame (CRS kept);
* one parquet per table for objects with ``to_frames()`` / ``from_frames(frames, **meta)``
  (e.g. GtfsFeed); if the object has ``to_meta() -> dict`` (JSON-able), that dict is passed
  back to ``from_frames``;
* ``meta.json``: kind, class, table files with their size and sha256, and the full
  validation report (``Report.to_dict``).

Entries are written in a temporary directory then renamed (atomic). An entry that cannot
be read back (missing file, wrong digest, unreadable parquet or JSON) is ignored, removed
and rebuilt by the caller. Nothing is ever pickled.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
import shutil
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import settings, tempfiles
from .fetch import sha256_file
from .validate import Loaded, Report

log = logging.getLogger(__name__)

#: Bump when the shape of cached frames changes for reasons the loader digest cannot see.
CODE_VERSION = "1"
FRAMES_DIR = "frames"
META_NAME = "meta.json"
#: Classes rebuilt from a cache entry must live in these packages (or be imported already).
TRUSTED_PACKAGES = ("sources.", "routing.")

_digests: dict[tuple[str, int, int], str] = {}
_digests_lock = threading.Lock()


def file_digest(path: str | os.PathLike) -> str:
    """sha256 of a file's content, memoised in-process on (path, size, mtime)."""
    p = Path(path).resolve()
    st = p.stat()
    memo = (str(p), st.st_size, st.st_mtime_ns)
    with _digests_lock:
        if memo in _digests:
            return _digests[memo]
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    with _digests_lock:
        _digests[memo] = digest
    return digest


def loader_digest(loader: str | None) -> str:
    """sha256 of the loader module's source file ('' when it cannot be found)."""
    if not loader:
        return ""
    module = loader.partition(":")[0]
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return ""
    origin = spec.origin if spec else None
    if not origin or not os.path.isfile(origin):
        return ""
    return file_digest(origin)


def cache_key(paths: Sequence[str | os.PathLike], *, loader: str | None,
              options: dict[str, Any] | None = None) -> str:
    """The frame-cache key of loading ``paths`` with ``loader`` and ``options`` (hex sha256)."""
    payload = {
        "code_version": CODE_VERSION,
        "loader": loader,
        "loader_digest": loader_digest(loader),
        "options": options or {},
        "files": [[Path(p).name, file_digest(p)] for p in paths],
    }
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def frames_dir(cache: str | os.PathLike | None = None) -> Path:
    return settings.cache_dir(cache) / FRAMES_DIR


def save(key: str, loaded: Loaded, *, cache: str | os.PathLike | None = None) -> Path | None:
    """Store ``loaded`` under ``key``; returns the entry directory, or None when it cannot be
    stored (data of a kind parquet cannot hold: the load still succeeds, it is just not cached).
    """
    root = frames_dir(cache)
    final = root / key
    tmp: Path | None = None
    try:
        if (final / META_NAME).exists():
            return final
        root.mkdir(parents=True, exist_ok=True)
        tmp = tempfiles.make_temp_dir(f".tmp-{key[:16]}-", root)
        meta = _write_data(loaded.data, tmp)
        meta.update({"code_version": CODE_VERSION, "key": key,
                     "report": loaded.report.to_dict(max_rows=None)})
        (tmp / META_NAME).write_text(json.dumps(meta, ensure_ascii=False, default=str),
                                     encoding="utf-8")
        if final.exists():  # an unreadable leftover: replace it
            shutil.rmtree(final, ignore_errors=True)
        try:
            os.rename(tmp, final)
        except OSError:
            if (final / META_NAME).exists():  # another process stored it first
                shutil.rmtree(tmp, ignore_errors=True)
                return final
            raise
        return final
    except OSError as exc:  # read-only or full cache directory: caching is off, not a failure
        tempfiles.caching_off(settings.cache_dir(cache), exc)
    except Exception as exc:  # noqa: BLE001 - caching is an optimisation, never a failure
        log.warning("frame cache: %s not stored (%s: %s)", key[:12], type(exc).__name__, exc)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    return None


def load(key: str, *, cache: str | os.PathLike | None = None) -> Loaded | None:
    """The cached :class:`Loaded` for ``key``, or None (absent, or corrupt: then it is removed)."""
    entry = frames_dir(cache) / key
    meta_path = entry / META_NAME
    try:
        if not meta_path.exists():
            return None
    except OSError:  # an unreadable cache directory: nothing cached
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("code_version") != CODE_VERSION or meta.get("key") != key:
            raise ValueError("entry written by another code version")
        data = _read_data(meta, entry)
        report = Report.from_dict(meta["report"])
        return Loaded(data, report)
    except Exception as exc:  # noqa: BLE001 - any unreadable entry is rebuilt
        log.warning("frame cache: entry %s unusable (%s: %s); rebuilding", entry,
                    type(exc).__name__, exc)
        shutil.rmtree(entry, ignore_errors=True)
        return None


def clear(*, cache: str | os.PathLike | None = None) -> int:
    """Remove every frame-cache entry; returns how many were removed."""
    root = frames_dir(cache)
    if not root.exists():
        return 0
    n = 0
    for child in root.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
            n += 1
    return n


# --- internals -------------------------------------------------------------------------------

def _is_geo(frame: Any) -> bool:
    gpd = sys.modules.get("geopandas")
    return gpd is not None and isinstance(frame, gpd.GeoDataFrame)


def _write_table(frame: pd.DataFrame, path: Path) -> dict[str, Any]:
    geo = _is_geo(frame)
    if geo:
        frame.to_parquet(path)
    else:
        pd.DataFrame(frame).to_parquet(path)
    return {"file": path.name, "geo": geo, "size": path.stat().st_size,
            "sha256": sha256_file(path), "rows": len(frame)}


def _write_data(data: Any, directory: Path) -> dict[str, Any]:
    if isinstance(data, pd.DataFrame):
        table = _write_table(data, directory / "data.parquet")
        return {"kind": "geoframe" if table["geo"] else "frame", "tables": {"data": table}}
    cls = type(data)
    if hasattr(data, "to_frames") and hasattr(cls, "from_frames"):
        frames = data.to_frames()
        tables = {}
        for i, (name, frame) in enumerate(frames.items()):
            if not isinstance(frame, pd.DataFrame):
                raise TypeError(f"to_frames() gave a {type(frame).__name__} for {name!r}")
            tables[str(name)] = _write_table(frame, directory / f"table-{i:02d}.parquet")
        extra = data.to_meta() if hasattr(data, "to_meta") else {}
        json.dumps(extra)  # must be plain JSON: fail here rather than on reading
        return {"kind": "tables", "class": f"{cls.__module__}:{cls.__qualname__}",
                "tables": tables, "meta": extra}
    raise TypeError(f"cannot cache a {cls.__module__}.{cls.__qualname__}: "
                    "not a DataFrame and no to_frames()/from_frames()")


def _read_table(info: dict[str, Any], directory: Path) -> pd.DataFrame:
    path = directory / info["file"]
    if path.stat().st_size != info["size"] or sha256_file(path) != info["sha256"]:
        raise ValueError(f"{path.name} differs from its recorded size/sha256")
    if info.get("geo"):
        import geopandas as gpd

        return gpd.read_parquet(path)
    return pd.read_parquet(path)


def _read_data(meta: dict[str, Any], directory: Path) -> Any:
    kind = meta["kind"]
    tables = meta["tables"]
    if kind in {"frame", "geoframe"}:
        return _read_table(tables["data"], directory)
    if kind == "tables":
        module, _, qualname = meta["class"].partition(":")
        if not module.startswith(TRUSTED_PACKAGES) and module not in sys.modules:
            raise ValueError(f"class {meta['class']!r} is not from a trusted package")
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        frames = {name: _read_table(info, directory) for name, info in tables.items()}
        return obj.from_frames(frames, **(meta.get("meta") or {}))
    raise ValueError(f"unknown cache entry kind {kind!r}")


