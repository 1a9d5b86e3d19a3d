"""Safe access to zipped (or foldered) tabular feeds such as GTFS.

:func:`open_feed_folder` turns a zip file or a directory into a flat folder of
the feed's files, whatever subfolder of the archive they sit in:

* a truncated or corrupt zip raises :class:`~sources.errors.UnusableInputError`
  naming the file (and the entry when known);
* entries with an absolute name, a drive letter or a ``..`` component are never
  written: each is skipped with a notice ``unsafe_zip_entry``;
* a zip bomb guard (:func:`check_archive`) refuses, before anything is decompressed,
  archives whose selected entries decompress to more than the ``max_archive_bytes``
  budget, any entry over ``max_entry_bytes`` (absolute sizes, not only a ratio), and large
  entries (over ``ratio_min_bytes``) that compress better than ``max_archive_ratio`` to 1
  (:mod:`sources.budgets`; each raises :class:`~sources.budgets.BudgetExceeded` naming the
  limit and its setting). While streaming, the bytes actually inflated are counted again, so
  an archive whose headers lie is stopped at the same limits;
* entries are streamed into a fresh temporary directory under the cache directory
  (:func:`sources.tempfiles.temp_dir`, by base name only), removed when the context exits.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from sources import tempfiles
from sources.budgets import BudgetExceeded, budgets
from sources.errors import UnusableInputError
from sources.messages import Msg
from sources.validate import INFO, WARNING, Report

#: Entries smaller than this are not subject to the ratio check.
RATIO_MIN_BYTES = 1024**2
_CHUNK = 1024 * 1024


def is_unsafe_member(name: str) -> bool:
    """True for archive names that could escape the extraction directory.

    Absolute names (``/etc/x``, ``\\\\server\\x``), drive letters (``C:x``) and
    any ``..`` component (with ``/`` or ``\\`` separators) are unsafe.
    """
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return True
    return ".." in PurePosixPath(norm).parts


def _skippable(name: str) -> bool:
    """Directories and macOS resource-fork debris, never part of a feed."""
    norm = name.replace("\\", "/")
    base = norm.rsplit("/", 1)[-1]
    return norm.endswith("/") or norm.startswith("__MACOSX/") or base.startswith("._") or not base


def _choose_root(names: list[str], wanted: Collection[str], anchor: str) -> str | None:
    """The folder (``""`` = archive root) holding the feed: the shallowest one with ``anchor``,
    else the one holding most ``wanted`` files."""
    by_dir: dict[str, set[str]] = {}
    for name in names:
        parent, _, base = name.replace("\\", "/").rpartition("/")
        if base in wanted:
            by_dir.setdefault(parent, set()).add(base)
    if not by_dir:
        return None
    with_anchor = [d for d, files in by_dir.items() if anchor in files]
    pool = with_anchor or list(by_dir)
    return min(pool, key=lambda d: (d.count("/") + (1 if d else 0), -len(by_dir[d]), d))


def extract_members(zip_path: Path, dest: Path, *, wanted: Collection[str], report: Report,
                    anchor: str = "stops.txt", max_total_bytes: int | None = None,
                    max_ratio: float | None = None, ratio_min_bytes: int = RATIO_MIN_BYTES,
                    max_entry_bytes: int | None = None) -> dict[str, Path]:
    """Extract the ``wanted`` files of the feed folder of ``zip_path`` into ``dest``.

    Returns ``{base name: extracted path}``. Only base names in ``wanted`` found in the
    chosen folder are written, each as ``dest / base``. Raises UnusableInputError for a
    corrupt/truncated zip or an archive holding none of ``wanted``, BudgetExceeded for a zip
    bomb (limits default to the budgets, see :func:`check_archive`).
    """
    label = zip_path.name
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise UnusableInputError(Msg("error.not_zip", detail=str(exc)),
                                 file=label) from exc
    with zf:
        safe: list[zipfile.ZipInfo] = []
        for info in zf.infolist():
            if is_unsafe_member(info.filename):
                report.notice("unsafe_zip_entry", Msg("finding.unsafe_zip_entry"),
                              severity=WARNING, file=label, value=info.filename)
            elif not _skippable(info.filename):
                safe.append(info)
        root = _choose_root([i.filename for i in safe], wanted, anchor)
        if root is None:
            raise UnusableInputError(Msg("error.no_feed_file", files=", ".join(sorted(wanted)[:6])), file=label)
        if root:
            report.notice("feed_in_subfolder", Msg("finding.feed_in_folder", folder=root),
                          severity=INFO, file=label, value=root)
        selected: list[zipfile.ZipInfo] = []
        for info in safe:
            parent, _, base = info.filename.replace("\\", "/").rpartition("/")
            if parent == root and base in wanted:
                selected.append(info)
        limits = check_archive(selected, label, max_total_bytes=max_total_bytes,
                               max_entry_bytes=max_entry_bytes, max_ratio=max_ratio,
                               ratio_min_bytes=ratio_min_bytes)
        out: dict[str, Path] = {}
        written = 0
        for info in selected:
            base = info.filename.replace("\\", "/").rpartition("/")[2]
            target = dest / base
            with open(target, "wb") as dst:
                for chunk in stream_member(zf, info, label, limits=limits, already=written):
                    written += len(chunk)
                    dst.write(chunk)
            out[base] = target
        return out


def check_archive(infos: Sequence[zipfile.ZipInfo], label: str, *,
                  max_total_bytes: int | None = None, max_entry_bytes: int | None = None,
                  max_ratio: float | None = None,
                  ratio_min_bytes: int = RATIO_MIN_BYTES) -> tuple[int, int]:
    """Refuse (BudgetExceeded) an archive whose ``infos`` would decompress past a budget.

    Limits default to the budgets ``max_archive_bytes`` (all entries), ``max_entry_bytes``
    (each entry, absolute) and ``max_archive_ratio`` (entries over ``ratio_min_bytes``).
    Returns ``(max_total_bytes, max_entry_bytes)`` for :func:`stream_member`.
    """
    b = budgets()
    total_limit = b.max_archive_bytes if max_total_bytes is None else max_total_bytes
    entry_limit = b.max_entry_bytes if max_entry_bytes is None else max_entry_bytes
    ratio_limit = b.max_archive_ratio if max_ratio is None else max_ratio
    for info in infos:
        where = f"{label}:{info.filename}"
        if info.file_size > entry_limit:
            raise BudgetExceeded("max_entry_bytes", info.file_size, entry_limit,
                                 what=f"{where} (zip bomb guard)", file=where)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > ratio_min_bytes and ratio > ratio_limit:
            raise BudgetExceeded("max_archive_ratio", round(ratio), ratio_limit,
                                 what=f"{where} (zip bomb guard)", file=where)
    total = sum(i.file_size for i in infos)
    if total > total_limit:
        raise BudgetExceeded("max_archive_bytes", total, total_limit,
                             what=f"{label} (zip bomb guard)", file=label)
    return total_limit, entry_limit


def stream_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, *,
                  limits: tuple[int, int], already: int = 0) -> Iterator[bytes]:
    """The decompressed chunks of one entry, counted against ``limits`` (total, entry) as they
    are inflated (an archive whose headers lie is stopped there). Corrupt data raises
    UnusableInputError naming the entry."""
    total_limit, entry_limit = limits
    where = f"{label}:{info.filename}"
    seen = 0
    try:
        with zf.open(info) as src:
            while chunk := src.read(_CHUNK):
                seen += len(chunk)
                if seen > entry_limit:
                    raise BudgetExceeded("max_entry_bytes", seen, entry_limit,
                                         what=f"{where} (zip bomb guard, inflated so far)",
                                         file=where)
                if already + seen > total_limit:
                    raise BudgetExceeded("max_archive_bytes", already + seen, total_limit,
                                         what=f"{label} (zip bomb guard, inflated so far)",
                                         file=where)
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        if isinstance(exc, UnusableInputError):
            raise
        raise UnusableInputError(Msg("error.corrupt_entry", detail=str(exc)), file=where) from exc


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, *,
                limits: tuple[int, int], already: int = 0) -> bytes:
    """The bytes of one entry, within ``limits`` (see :func:`stream_member`)."""
    return b"".join(stream_member(zf, info, label, limits=limits, already=already))


def _folder_files(folder: Path, *, wanted: Collection[str], report: Report,
                  anchor: str = "stops.txt", max_depth: int = 3) -> dict[str, Path]:
    """The ``wanted`` files of a feed directory (or of its shallowest subfolder holding them)."""
    names: list[str] = []
    base_depth = len(folder.parts)
    for dirpath, dirnames, filenames in os.walk(folder):
        depth = len(Path(dirpath).parts) - base_depth
        dirnames[:] = sorted(d for d in dirnames if d != "__MACOSX") if depth < max_depth else []
        rel = Path(dirpath).relative_to(folder).as_posix()
        names += [f if rel == "." else f"{rel}/{f}" for f in filenames if not f.startswith("._")]
    root = _choose_root(names, wanted, anchor)
    if root is None:
        raise UnusableInputError(Msg("error.no_feed_file", files="stops.txt, …"), file=str(folder))
    if root:
        report.notice("feed_in_subfolder", Msg("finding.feed_in_folder", folder=root),
                      severity=INFO, file=folder.name, value=root)
    where = folder / root if root else folder
    return {f: where / f for f in wanted if (where / f).is_file()}


@contextmanager
def open_feed_folder(path: Path, *, wanted: Collection[str], report: Report,
                     anchor: str = "stops.txt", max_total_bytes: int | None = None,
                     max_ratio: float | None = None) -> Iterator[dict[str, Path]]:
    """Yield ``{base name: path}`` of the feed files in a zip or a directory.

    For a zip, the files are extracted to a temporary directory removed on exit
    (also when an exception escapes). See the module docstring for the guards.
    """
    path = Path(path)
    if path.is_dir():
        yield _folder_files(path, wanted=wanted, report=report, anchor=anchor)
        return
    if not path.is_file():
        raise UnusableInputError(Msg("error.file_not_found"), file=str(path))
    folder = tempfiles.temp_dir()
    tmp = tempfiles.make_temp_dir("spmd-feed-", folder)
    try:
        try:
            files = extract_members(path, tmp, wanted=wanted, report=report, anchor=anchor,
                                    max_total_bytes=max_total_bytes, max_ratio=max_ratio)
        except UnusableInputError:
            raise
        except OSError as exc:  # the cache directory is full (or went read-only): retry outside
            system = Path(tempfile.gettempdir())
            if folder == system:
                raise UnusableInputError(Msg("error.cannot_extract", detail=exc.strerror or str(exc)),
                                         file=path.name) from exc
            tempfiles.caching_off(folder.parent, exc)
            shutil.rmtree(tmp, ignore_errors=True)
            tmp = tempfiles.make_temp_dir("spmd-feed-", system)
            files = extract_members(path, tmp, wanted=wanted, report=report, anchor=anchor,
                                    max_total_bytes=max_total_bytes, max_ratio=max_ratio)
        yield files
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
