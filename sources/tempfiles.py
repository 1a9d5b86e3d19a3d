"""Temporary files of the data service: under the cache directory, cleaned at the next start.

Every temporary file or folder the project makes (extracted feeds ``spmd-feed-*``, download
staging ``.staging-*``, frame-cache entries being written ``.tmp-*``, networks being saved
``.tmp-network-*``, manifests ``.manifest-*.tmp``) lives under the cache directory and carries
the id of the process that made it in its name (``-p<pid>-``). A process killed in the middle
leaves them behind; :func:`clean_stale` removes those older than :func:`stale_after_s` whose
process is no longer alive. It runs once per process and cache directory, the first time
:func:`temp_dir` is asked for (so at the next start of any command that needs a temporary
folder), and at the start of ``python -m sources``.

A read-only or full cache directory is never a failure: :func:`temp_dir` then falls back to
the system temporary folder and :func:`caching_off` logs once that caching is off.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import settings

log = logging.getLogger(__name__)

#: Sub-folder of the cache directory for extracted archives and other scratch files.
TMP_DIR = "tmp"
#: Names of the temporary files and folders the project makes (glob patterns).
PATTERNS = ("spmd-feed-*", ".staging-*", ".tmp-*", ".manifest-*.tmp", "*.parquet.tmp")
#: Where under the cache directory they are looked for (``*`` = any first-level folder).
PLACES = (".", TMP_DIR, "*", "frames", "networks", "grids")
_PID = re.compile(r"-p(\d+)-")
_cleaned: set[str] = set()
_warned: set[str] = set()
_lock = threading.Lock()


def stale_after_s() -> float:
    """Age after which a leftover of a dead process is removed (``$SPMD_TMP_STALE_S``, 300)."""
    try:
        return float(os.environ.get("SPMD_TMP_STALE_S", "300"))
    except ValueError:
        return 300.0


def tagged(prefix: str) -> str:
    """``prefix`` with this process's id, for :func:`tempfile.mkdtemp` / ``mkstemp``."""
    return f"{prefix}p{os.getpid()}-"


def make_temp_dir(prefix: str, parent: str | os.PathLike) -> Path:
    """A fresh folder ``<parent>/<prefix>p<pid>-XXXX`` (the caller removes it)."""
    return Path(tempfile.mkdtemp(prefix=tagged(prefix), dir=parent))


def atomic_write(target: str | os.PathLike, write: Callable[[Path], Any], *, folder: bool = False,
                 replace: bool = True, suffix: str = ".tmp") -> Path:
    """Write the file (or ``folder``) ``target`` all at once: ``write(tmp)`` fills a temporary
    sibling tagged with this process's id, which then takes ``target``'s place.

    The one atomic-write helper of the project (frame cache, network cache, grid cache, GraphML,
    the fetch manifest).
    On any failure the temporary is removed and the error raised: callers that treat a cache
    write as optional catch it and say so (a log line), never silently. With ``replace=False``
    an existing ``target`` (written meanwhile by another process) is kept and the new copy
    dropped. ``suffix`` ends the temporary file's name (writers that choose a format by it).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".tmp-{target.name[:16]}-"
    if folder:
        tmp = make_temp_dir(prefix, target.parent)
    else:
        fd, name = tempfile.mkstemp(prefix=tagged(prefix), suffix=suffix, dir=target.parent)
        os.close(fd)
        tmp = Path(name)

    def discard() -> None:
        if folder:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)

    try:
        write(tmp)
        if replace and folder and target.exists():
            shutil.rmtree(target)
        try:
            os.replace(tmp, target)
        except OSError:
            if not replace and target.exists():  # another process stored it first
                discard()
                return target
            raise
    except BaseException:
        discard()
        raise
    return target


def caching_off(cache_root: str | os.PathLike, exc: BaseException) -> None:
    """Log once per cache directory that it cannot be written and caching is off."""
    key = str(cache_root)
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning("cache directory %s cannot be written (%s): caching is off, every input is "
                "read from the bundle or the source", cache_root,
                getattr(exc, "strerror", None) or exc)


def temp_dir(cache: str | os.PathLike | None = None) -> Path:
    """The folder for temporary files: ``<cache>/tmp`` (stale leftovers removed on first use),
    or the system temporary folder when the cache directory cannot be written."""
    root = settings.cache_dir(cache)
    folder = root / TMP_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=tagged(".tmp-probe-"))
        probe.close()
    except OSError as exc:
        caching_off(root, exc)
        return Path(tempfile.gettempdir())
    clean_stale(cache)
    return folder


def clean_stale(cache: str | os.PathLike | None = None, *, force: bool = False,
                now: float | None = None) -> list[Path]:
    """Remove the temporary leftovers of dead processes under the cache directory (and old
    ``spmd-feed-*`` folders in the system temporary folder, where earlier versions put them).

    Runs once per process and cache directory unless ``force``. A leftover is removed when it
    is older than :func:`stale_after_s` and the process named in it is not alive (a name
    without a process id: age only). Returns the removed paths; errors are logged, never raised.
    """
    root = settings.cache_dir(cache)
    with _lock:
        if not force and str(root) in _cleaned:
            return []
        _cleaned.add(str(root))
    now = time.time() if now is None else now
    limit = stale_after_s()
    candidates: list[Path] = []
    for place in PLACES:
        for folder in (root.glob(place) if "*" in place else [root / place]):
            if not folder.is_dir():
                continue
            for pattern in PATTERNS:
                candidates += folder.glob(pattern)
    candidates += Path(tempfile.gettempdir()).glob("spmd-feed-*")
    removed = []
    for path in sorted(set(candidates)):
        try:
            age = now - path.lstat().st_mtime
        except OSError:
            continue
        if age < limit or _owner_alive(path.name):
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError as exc:
            log.info("stale temporary %s not removed: %s", path, exc)
    if removed:
        log.info("removed %d stale temporary file(s) under %s", len(removed), root)
    return removed


def _owner_alive(name: str) -> bool:
    match = _PID.search(name)
    if not match:
        return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # alive but not ours (or cannot tell): keep it
    return True
