"""Dataset-level API: resolve the files of a catalogue record, load, validate, cache.

``load("velo-star")`` = :func:`sources.fetch.fetch` (bundle, verified cache or download)
-> the record's loader (or the frame cache, keyed by the files' digest) -> a
:class:`~sources.validate.Loaded` whose report carries the catalogue id and the
freshness of the copy against the record's update frequency.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from . import catalogue, settings, store, tempfiles
from .catalogue import Dataset
from .fetch import fetch, read_manifest
from .validate import Loaded, freshness


def load(dataset_id: str, *, bundle: str | os.PathLike | None = None,
         cache: str | os.PathLike | None = None, use_cache: bool = True, strict: bool = False,
         offline: bool | None = None, progress: bool = False, **options: Any) -> Loaded:
    """Load one catalogue dataset.

    Parameters
    ----------
    dataset_id
        A catalogue id (see ``python -m sources catalogue``).
    bundle
        Offline bundle directory (default ``$SPMD_BUNDLE``); without one the official URLs are
        fetched into ``cache``.
    cache
        Cache directory for downloads and loaded frames (default ``$SPMD_CACHE`` or ``data/``).
    use_cache
        Read and write the frame cache (``<cache>/frames``), keyed by the digest of the input
        files, the loader, its source and ``options``.
    strict
        Passed to the loader: bad rows raise :class:`~sources.errors.SchemaError` instead of
        being quarantined.
    offline, progress
        Passed to :func:`~sources.fetch.fetch`.
    **options
        Loader options (merged over the record's ``options``), e.g. ``date=`` for GTFS.

    Returns
    -------
    Loaded
        ``data`` as the loader documents it (typed DataFrame with ``lon``/``lat``,
        GeoDataFrame in EPSG:4326, or a multi-table object); ``report`` with
        ``dataset_id`` = the catalogue id and ``freshness`` = {published, age_days,
        expected_days, status}.

    Raises
    ------
    DatasetNotFound, FetchError, UnusableInputError
        Unknown id / no file; download failure; a file that cannot be used at all.
    """
    ds = catalogue.get(dataset_id)
    tempfiles.clean_stale(cache)  # leftovers of killed runs (once per process and cache)
    paths = fetch(dataset_id, cache=cache, bundle=bundle, offline=offline, progress=progress)
    opts = {**ds.options, **options}
    if strict:
        opts["strict"] = True
    loaded: Loaded | None = None
    key = store.cache_key(paths, loader=ds.loader, options=opts) if use_cache else None
    if key is not None:
        loaded = store.load(key, cache=cache)
    if loaded is None:
        func = ds.load_function()
        loaded = func(paths[0] if len(paths) == 1 else list(paths), **opts)
        if not isinstance(loaded, Loaded):
            raise TypeError(f"loader {ds.loader} returned {type(loaded).__name__}, not Loaded")
        loaded.report.dataset_id = ds.id
        if key is not None:
            store.save(key, loaded, cache=cache)
    loaded.report.dataset_id = ds.id
    loaded.report.freshness = freshness(published_of(ds, paths, cache=cache),
                                        ds.update_frequency_days)
    return loaded


def load_many(ids: Sequence[str] | None = None, *, bundle: str | os.PathLike | None = None,
              cache: str | os.PathLike | None = None, use_cache: bool = True,
              strict: bool = False, offline: bool | None = None, progress: bool = False,
              **options: Any) -> dict[str, Loaded | Exception]:
    """Load several datasets; a failing one is recorded as its exception, never stops the rest.

    ``ids`` defaults to :func:`default_ids`. Returns ``{id: Loaded | Exception}`` in order.
    """
    ids = default_ids(bundle=bundle) if ids is None else list(ids)
    out: dict[str, Loaded | Exception] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(ids), desc="datasets", unit="dataset", leave=False, disable=None)
    try:
        for dataset_id in ids:
            if bar is not None:
                bar.set_postfix_str(dataset_id)
            try:
                out[dataset_id] = load(dataset_id, bundle=bundle, cache=cache,
                                       use_cache=use_cache, strict=strict, offline=offline,
                                       **options)
            except Exception as exc:  # noqa: BLE001 - reported per dataset by the caller
                out[dataset_id] = exc
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return out


def default_ids(*, bundle: str | os.PathLike | None = None) -> list[str]:
    """Ids worth loading: with a bundle, those that have bundle files; else those with URLs."""
    if settings.bundle_dir(bundle) is not None:
        return [ds.id for ds in catalogue.all_datasets() if ds.bundle_files]
    return [ds.id for ds in catalogue.all_datasets() if ds.urls]


def published_of(ds: Dataset, paths: Sequence[Path], *,
                 cache: str | os.PathLike | None = None) -> datetime | None:
    """When the copy in hand was published.

    A downloaded copy: its ``Last-Modified`` header, else when it was fetched. A bundle
    copy: the latest date in its file names, else the record's ``published``.
    """
    cache_root = settings.cache_dir(cache)
    manifest: dict[str, dict[str, Any]] | None = None
    found: list[datetime] = []
    for p in paths:
        try:
            rel = Path(p).resolve().relative_to(cache_root).as_posix()
        except ValueError:
            continue
        manifest = read_manifest(cache_root) if manifest is None else manifest
        entry = manifest.get(rel) or {}
        when = _http_date(entry.get("last_modified")) or _iso(entry.get("fetched_at"))
        if when is not None:
            found.append(when)
    if found:
        return max(found)
    return catalogue.published_datetime(ds, [Path(p).name for p in paths])


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
