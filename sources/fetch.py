"""Fetching: the ONLY module of the project that talks HTTP and writes the file cache.

``fetch(dataset_id)`` resolves the files of one catalogue record:

* with a bundle (``bundle=`` or ``$SPMD_BUNDLE``), the record's ``bundle_files`` globs in
  that directory, read-only;
* offline without a bundle (``offline=True`` or ``$SPMD_OFFLINE=1``), the cached copies,
  after checking them against the checksum manifest;
* otherwise every official URL is downloaded into ``<cache>/<dataset_id>/``.

A download is robust: timeouts, retries with exponential backoff on 5xx / 429 /
timeouts / connection errors (never on 4xx), conditional requests (``If-None-Match`` /
``If-Modified-Since`` from the manifest; 304 keeps the copy), streaming to a staging
file in the same directory, content checks (declared ``Content-Length`` against the bytes
received, a zip that is not a zip, an HTML page where data was expected), then
validation with the dataset's loader. Only a download that validates replaces the last
good copy (``os.replace``, atomic). The manifest ``<cache>/manifest.json`` records for
every file: url, file, sha256, size, etag, last_modified, fetched_at, validated; it is
written atomically. A cached file whose size or sha256 disagrees with the manifest
(half-written, edited) is never served: it is re-fetched, or reported when offline.

Base URLs can be redirected for tests: ``urls=`` replaces a record's URLs, and
``$SPMD_BASE_URL_OVERRIDE`` (e.g. ``http://127.0.0.1:8765``) replaces the scheme and host
of every official URL, keeping path and query.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import catalogue, settings, tempfiles
from .catalogue import Dataset
from .errors import DatasetNotFound, FetchError

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
USER_AGENT = "spmd-mobilite/0.1 (Rennes Métropole mobility data service)"
CHUNK_BYTES = 1 << 16
#: Cache file suffixes we recognise in a URL's last path segment.
KNOWN_SUFFIXES = (".zip", ".csv", ".json", ".geojson", ".pbf", ".pb", ".parquet", ".txt",
                  ".xml", ".osm", ".gz")
FORMAT_SUFFIX = {"GTFS": ".zip", "GTFS-RT": ".pb", "JSON": ".json", "GeoJSON": ".geojson",
                 "CSV": ".csv", "GBFS": ".json", "OSM PBF": ".osm.pbf", "Parquet": ".parquet",
                 "ZIP (CSV)": ".zip", "CSV.GZ": ".csv.gz"}
_RETRY_STATUS = {429, 500, 502, 503, 504}
_manifest_lock = threading.Lock()

Validator = Callable[[list[Path]], Any]


# --- public API ---------------------------------------------------------------------------------

def fetch(dataset_id: str, *, cache: str | os.PathLike | None = None,
          bundle: str | os.PathLike | None = None, offline: bool | None = None,
          session: Any | None = None, progress: bool = False,
          urls: Sequence[str] | None = None, timeout_s: float | None = None,
          retries: int | None = None, backoff_s: float = 0.5,
          validate: bool | Validator = True) -> list[Path]:
    """The local files of a dataset: from the bundle, the verified cache, or downloaded.

    Parameters
    ----------
    dataset_id
        A catalogue id.
    cache
        Cache directory (default :func:`sources.settings.cache_dir`, ``data/``).
    bundle
        Offline bundle directory (default ``$SPMD_BUNDLE``); when set, only the bundle is used.
    offline
        Never touch the network; serve verified cached copies (default ``$SPMD_OFFLINE``).
    session
        A ``requests.Session`` (or compatible) to use; one is made and closed otherwise.
    progress
        Show a byte progress bar per download on stderr.
    urls
        Replace the record's official URLs (tests, mirrors).
    timeout_s, retries, backoff_s
        HTTP timeout per request (default ``$SPMD_TIMEOUT_S``), number of retries after the
        first attempt (default ``$SPMD_RETRIES``), and the first backoff delay (doubled each retry).
    validate
        True: a new download must load with the dataset's loader before it replaces the cached
        copy; False: content checks only; a callable ``f(paths)`` that raises to reject.

    Returns
    -------
    list[Path]
        The files, in the order of the record's ``bundle_files`` globs or ``urls``.

    Raises
    ------
    DatasetNotFound
        Unknown id, no bundle file matching, or no official URL.
    FetchError
        A download failed after its retries or did not validate; offline with no verified copy.
    """
    ds = catalogue.get(dataset_id)
    bundle_root = settings.bundle_dir(bundle)
    if bundle_root is not None:
        return bundle_paths(ds, bundle_root)
    cache_root = settings.cache_dir(cache)
    targets = [(url, cache_name(ds, url, i, len(resolved)))
               for resolved in [official_urls(ds, urls=urls)] for i, url in enumerate(resolved)]
    if settings.offline() if offline is None else offline:
        return _cached_or_raise(ds, cache_root, targets)
    try:
        return _download_dataset(
            ds, cache_root, targets, session=session, progress=progress,
            timeout_s=settings.http_timeout_s() if timeout_s is None else timeout_s,
            retries=settings.http_retries() if retries is None else retries,
            backoff_s=backoff_s, validate=validate)
    except FetchError:
        raise
    except OSError as exc:  # a read-only or full cache directory
        tempfiles.caching_off(cache_root, exc)
        raise FetchError(f"{ds.id}: cannot write the download into the cache directory "
                         f"{cache_root} ({exc.strerror or exc}); caching is off: use the "
                         "offline bundle (--bundle DIR or SPMD_BUNDLE) or another --cache DIR"
                         ) from exc


def bundle_paths(ds: Dataset, bundle_root: Path) -> list[Path]:
    """The bundle files of ``ds``: each glob of ``ds.bundle_files`` must match at least one file."""
    if not ds.bundle_files:
        raise DatasetNotFound(f"dataset {ds.id!r} is not in the offline bundle (online only)")
    if not bundle_root.is_dir():
        raise DatasetNotFound(f"bundle directory {bundle_root} does not exist")
    out: list[Path] = []
    for pattern in ds.bundle_files:
        matches = sorted(p for p in bundle_root.glob(pattern) if p.is_file())
        if not matches:
            raise DatasetNotFound(
                f"dataset {ds.id!r}: no file matching {pattern!r} in bundle {bundle_root}")
        out += [m for m in matches if m not in out]
    return out


def official_urls(ds: Dataset, *, urls: Sequence[str] | None = None) -> tuple[str, ...]:
    """The URLs to download for ``ds`` (``urls`` if given), with ``$SPMD_BASE_URL_OVERRIDE`` applied."""
    resolved = tuple(urls) if urls is not None else ds.urls
    if not resolved:
        raise DatasetNotFound(
            f"dataset {ds.id!r} has no official URL; use the offline bundle (--bundle DIR)")
    base = os.environ.get("SPMD_BASE_URL_OVERRIDE", "").rstrip("/")
    if base and urls is None:
        resolved = tuple(_rebase(u, base) for u in resolved)
    return resolved


def cache_name(ds: Dataset, url: str, index: int = 0, count: int = 1) -> str:
    """The cache file name of ``url``: its last path segment when it has a data suffix,
    else ``<id>[-<index>]<suffix>`` with the suffix from the URL (``/exports/json``,
    ``?format=geojson``) or the record's format."""
    parts = urlsplit(url)
    segment = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    if segment.lower().endswith(KNOWN_SUFFIXES) and "/" not in segment and segment[0] != ".":
        return segment
    fmt = parse_qs(parts.query).get("format", [""])[0].lower()
    if segment.lower() in {"json", "csv", "geojson", "parquet"}:
        suffix = "." + segment.lower()
    elif fmt in {"json", "csv", "geojson"}:
        suffix = "." + fmt
    else:
        suffix = FORMAT_SUFFIX.get(ds.format, ".json" if "fields=" in parts.query else ".bin")
    return f"{ds.id}{'' if count == 1 else f'-{index}'}{suffix}"


def read_manifest(cache: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """The checksum manifest ``{"<dataset_id>/<file>": entry}``; {} when absent or unreadable."""
    path = settings.cache_dir(cache) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("cache manifest %s unreadable (%s): every cached copy will be re-fetched",
                    path, exc)
        return {}
    entries = data.get("entries") if isinstance(data, dict) else None
    return entries if isinstance(entries, dict) else {}


def verify_cached(path: Path, entry: dict[str, Any] | None) -> str | None:
    """Why the cached ``path`` cannot be trusted (missing, half-written, ...), or None if it can."""
    if entry is None:
        return "not in the cache manifest" if path.exists() else "not in the cache"
    if not path.exists():
        return "missing from the cache"
    size = path.stat().st_size
    if size != entry.get("size"):
        return f"half-written: {size} bytes on disk, {entry.get('size')} in the manifest"
    if sha256_file(path) != entry.get("sha256"):
        return "sha256 differs from the manifest (corrupted or edited)"
    return None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- internals ---------------------------------------------------------------------------------

def _rebase(url: str, base: str) -> str:
    parts = urlsplit(url)
    return base + parts.path + (f"?{parts.query}" if parts.query else "")


def _cached_or_raise(ds: Dataset, cache_root: Path, targets: list[tuple[str, str]]) -> list[Path]:
    manifest = read_manifest(cache_root)
    out = []
    for url, name in targets:
        path = cache_root / ds.id / name
        why = verify_cached(path, manifest.get(f"{ds.id}/{name}"))
        if why:
            raise FetchError(f"offline: cached copy {path} of {url} is unusable ({why}); "
                             "fetch it online or use --bundle DIR")
        out.append(path)
    return out


def _write_manifest(cache_root: Path, updates: dict[str, dict[str, Any]]) -> None:
    with _manifest_lock:
        entries = read_manifest(cache_root)
        entries.update(updates)
        payload = json.dumps({"version": 1, "entries": dict(sorted(entries.items()))},
                             ensure_ascii=False, indent=1)

        def write(tmp: Path) -> None:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())  # the manifest vouches for the files: on disk before it replaces the old one

        tempfiles.atomic_write(cache_root / MANIFEST_NAME, write)


def _download_dataset(ds: Dataset, cache_root: Path, targets: list[tuple[str, str]], *,
                      session: Any, progress: bool, timeout_s: float, retries: int,
                      backoff_s: float, validate: bool | Validator) -> list[Path]:
    import requests

    root = cache_root / ds.id
    root.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(cache_root)
    own_session = session is None
    session = requests.Session() if own_session else session
    tempfiles.clean_stale(cache_root)
    staging = tempfiles.make_temp_dir(".staging-", root)
    try:
        fetched: list[tuple[str, str, Path, dict[str, Any] | None]] = []
        for url, name in targets:
            target = root / name
            entry = manifest.get(f"{ds.id}/{name}")
            why = verify_cached(target, entry)
            if why and target.exists():
                log.warning("%s: cached %s is unusable (%s); downloading again", ds.id, target, why)
            info = _download(session, url, staging / name, entry=None if why else entry,
                             timeout_s=timeout_s, retries=retries, backoff_s=backoff_s,
                             progress=progress)
            fetched.append((url, name, target, info))
        if all(info is None for *_, info in fetched):
            return [target for _, _, target, _ in fetched]  # every copy still current (304)
        candidates = [staging / name if info else target for _, name, target, info in fetched]
        validated = _validate(ds, candidates, validate,
                              urls=[url for url, *_, info in fetched if info])
        updates = {}
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for url, name, target, info in fetched:
            if info is None:
                continue
            os.replace(staging / name, target)
            updates[f"{ds.id}/{name}"] = {
                "url": url, "file": f"{ds.id}/{name}", "sha256": info["sha256"],
                "size": info["size"], "etag": info["etag"],
                "last_modified": info["last_modified"], "fetched_at": now,
                "validated": validated}
        _write_manifest(cache_root, updates)
        return [target for _, _, target, _ in fetched]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if own_session:
            session.close()


def _download(session: Any, url: str, dest: Path, *, entry: dict[str, Any] | None,
              timeout_s: float, retries: int, backoff_s: float,
              progress: bool) -> dict[str, Any] | None:
    """Download ``url`` to ``dest``; None when the server says the cached copy is current (304)."""
    import requests

    headers = {"User-Agent": USER_AGENT}
    if entry:
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
    reason = "no attempt made"
    for attempt in range(max(retries, 0) + 1):
        if attempt:
            delay = backoff_s * 2 ** (attempt - 1)
            log.info("%s: %s; retry %d/%d in %.1f s", url, reason, attempt, retries, delay)
            time.sleep(delay)
        try:
            with session.get(url, headers=headers, timeout=timeout_s, stream=True) as resp:
                status = resp.status_code
                if status == 304 and entry:
                    return None
                if status in _RETRY_STATUS:
                    reason = f"HTTP {status} {resp.reason or ''}".strip()
                    continue
                if status != 200:
                    raise FetchError(f"{url}: HTTP {status} {resp.reason or ''}".strip())
                _check_content_type(url, dest.name, resp.headers.get("Content-Type", ""))
                sha, size = _stream(resp, dest, progress=progress)
                declared = resp.headers.get("Content-Length")
                if (declared and declared.isdigit() and not resp.headers.get("Content-Encoding")
                        and int(declared) != size):
                    dest.unlink(missing_ok=True)
                    reason = f"truncated body: {size} of {declared} declared bytes received"
                    continue
                _check_body(url, dest)
                return {"sha256": sha, "size": size, "etag": resp.headers.get("ETag"),
                        "last_modified": resp.headers.get("Last-Modified")}
        except requests.Timeout:
            reason = f"timed out after {timeout_s:g} s"
        except requests.exceptions.ChunkedEncodingError as exc:
            reason = f"truncated body (connection closed early: {_short(exc)})"
        except requests.ConnectionError as exc:
            reason = f"connection error: {_short(exc)}"
        dest.unlink(missing_ok=True)
    raise FetchError(f"{url}: {reason} (after {max(retries, 0) + 1} attempts)")


def _stream(resp: Any, dest: Path, *, progress: bool) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    bar = None
    if progress:
        from tqdm import tqdm

        total = resp.headers.get("Content-Length")
        bar = tqdm(total=int(total) if total and total.isdigit() else None, unit="B",
                   unit_scale=True, desc=dest.name, file=sys.stderr, leave=False)
    try:
        with open(dest, "wb") as fh:
            for chunk in resp.iter_content(CHUNK_BYTES):
                fh.write(chunk)
                h.update(chunk)
                size += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
            fh.flush()
            os.fsync(fh.fileno())
    finally:
        if bar is not None:
            bar.close()
    return h.hexdigest(), size


def _expects_html(name: str) -> bool:
    return name.lower().endswith((".html", ".htm"))


def _check_content_type(url: str, name: str, content_type: str) -> None:
    if "text/html" in content_type.lower() and not _expects_html(name):
        raise FetchError(f"{url}: the server sent an HTML page (Content-Type {content_type!r}) "
                         f"where {name} was expected")


def _check_body(url: str, path: Path) -> None:
    """Reject a body that is plainly not what the file name promises."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    name = path.name.lower()
    if not head:
        raise FetchError(f"{url}: empty body")
    text_head = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not _expects_html(name) and text_head.startswith((b"<!doctype html", b"<html", b"<head")):
        raise FetchError(f"{url}: received an HTML page where {path.name} was expected")
    if name.endswith(".zip"):
        if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")) or not zipfile.is_zipfile(path):
            raise FetchError(f"{url}: not a zip archive (starts with {head[:8]!r})")
        try:
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise FetchError(f"{url}: corrupt zip archive ({exc})") from None
        if bad is not None:
            raise FetchError(f"{url}: corrupt zip archive (bad CRC in {bad})")
    elif name.endswith(".gz") and not head.startswith(b"\x1f\x8b"):
        raise FetchError(f"{url}: not a gzip file (starts with {head[:8]!r})")
    elif name.endswith((".json", ".geojson")) and not text_head.startswith((b"{", b"[")):
        raise FetchError(f"{url}: not JSON (starts with {head[:16]!r})")


def _validate(ds: Dataset, paths: list[Path], validate: bool | Validator, *,
              urls: list[str]) -> bool:
    """Load the candidate files; raise FetchError when they do not validate.

    Returns True when a validator ran, False when none could (no loader available yet).
    """
    if validate is False:
        return False
    where = ", ".join(urls)
    if callable(validate):
        func: Callable[..., Any] = validate
        arg: Any = paths
    else:
        try:
            func = ds.load_function()
        except (DatasetNotFound, ImportError, AttributeError) as exc:
            log.warning("%s: no loader to validate the download (%s); content checks only",
                        ds.id, exc)
            return False
        arg = paths[0] if len(paths) == 1 else paths
    try:
        result = func(arg, **ds.options) if not callable(validate) else func(arg)
    except Exception as exc:  # noqa: BLE001 - any failure of the loader rejects the download
        raise FetchError(f"{where}: the new download does not validate ({type(exc).__name__}: "
                         f"{exc}); the last good copy is kept") from exc
    report = getattr(result, "report", None)
    if report is not None and getattr(report, "rows_read", 0) and not report.rows_kept:
        raise FetchError(f"{where}: the new download does not validate (no usable row out of "
                         f"{report.rows_read}); the last good copy is kept")
    return True


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 160 else text[:157] + "..."
