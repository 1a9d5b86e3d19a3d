"""Safe access to zipped (or foldered) tabular feeds such as GTFS.

:func:`open_feed_folder` turns a zip file or a directory into a flat folder of
the feed's files, whatever subfolder of the archive they sit in:

* a truncated or corrupt zip raises :class:`~sources.errors.UnusableInputError`
  naming the file (and the entry when known);
* entries with an absolute name, a drive letter or a ``..`` component are never
  written: each is skipped with a notice ``unsafe_zip_entry``;
* a zip bomb guard refuses archives whose selected entries decompress to more
  than ``max_total_bytes`` (default 2 GiB), or whose large entries (over
  ``ratio_min_bytes``) compress better than ``max_ratio`` to 1;
* entries are streamed into a fresh temporary directory (by base name only),
  which is removed when the context exits.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from sources.errors import UnusableInputError
from sources.validate import INFO, WARNING, Report

#: Refuse archives whose selected entries decompress to more than this.
MAX_TOTAL_BYTES = 2 * 1024**3
#: Refuse large entries that compress better than this ratio (deflate tops out near 1000:1).
MAX_RATIO = 100.0
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
                    anchor: str = "stops.txt", max_total_bytes: int = MAX_TOTAL_BYTES,
                    max_ratio: float = MAX_RATIO, ratio_min_bytes: int = RATIO_MIN_BYTES
                    ) -> dict[str, Path]:
    """Extract the ``wanted`` files of the feed folder of ``zip_path`` into ``dest``.

    Returns ``{base name: extracted path}``. Only base names in ``wanted`` found in the
    chosen folder are written, each as ``dest / base``. Raises UnusableInputError for a
    corrupt/truncated zip, a zip bomb, or an archive holding none of ``wanted``.
    """
    label = zip_path.name
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise UnusableInputError(f"not a readable zip archive (truncated or corrupt): {exc}",
                                 file=label) from exc
    with zf:
        safe: list[zipfile.ZipInfo] = []
        for info in zf.infolist():
            if is_unsafe_member(info.filename):
                report.notice("unsafe_zip_entry",
                              "archive entry with an absolute or '..' path: not extracted",
                              severity=WARNING, file=label, value=info.filename)
            elif not _skippable(info.filename):
                safe.append(info)
        root = _choose_root([i.filename for i in safe], wanted, anchor)
        if root is None:
            raise UnusableInputError(
                f"no feed file ({', '.join(sorted(wanted)[:6])}, ...) in the archive", file=label)
        if root:
            report.notice("feed_in_subfolder", f"feed files found in the archive folder {root!r}",
                          severity=INFO, file=label, value=root)
        selected: list[zipfile.ZipInfo] = []
        for info in safe:
            parent, _, base = info.filename.replace("\\", "/").rpartition("/")
            if parent == root and base in wanted:
                selected.append(info)
        total = sum(i.file_size for i in selected)
        if total > max_total_bytes:
            raise UnusableInputError(
                f"archive would decompress to {total:,} bytes, over the {max_total_bytes:,} byte "
                "limit (zip bomb guard)", file=label)
        for info in selected:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > ratio_min_bytes and ratio > max_ratio:
                raise UnusableInputError(
                    f"entry compresses {ratio:.0f}:1, over the {max_ratio:.0f}:1 limit (zip bomb guard)",
                    file=f"{label}:{info.filename}")
        out: dict[str, Path] = {}
        written = 0
        for info in selected:
            base = info.filename.replace("\\", "/").rpartition("/")[2]
            target = dest / base
            try:
                with zf.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > max_total_bytes:
                            raise UnusableInputError(
                                "archive decompresses beyond the size limit (zip bomb guard)",
                                file=f"{label}:{info.filename}")
                        dst.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
                if isinstance(exc, UnusableInputError):
                    raise
                raise UnusableInputError(f"corrupt archive entry: {exc}",
                                         file=f"{label}:{info.filename}") from exc
            out[base] = target
        return out


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
        raise UnusableInputError("no feed file in the directory", file=str(folder))
    if root:
        report.notice("feed_in_subfolder", f"feed files found in the subfolder {root!r}",
                      severity=INFO, file=folder.name, value=root)
    where = folder / root if root else folder
    return {f: where / f for f in wanted if (where / f).is_file()}


@contextmanager
def open_feed_folder(path: Path, *, wanted: Collection[str], report: Report,
                     anchor: str = "stops.txt", max_total_bytes: int = MAX_TOTAL_BYTES,
                     max_ratio: float = MAX_RATIO) -> Iterator[dict[str, Path]]:
    """Yield ``{base name: path}`` of the feed files in a zip or a directory.

    For a zip, the files are extracted to a temporary directory removed on exit
    (also when an exception escapes). See the module docstring for the guards.
    """
    path = Path(path)
    if path.is_dir():
        yield _folder_files(path, wanted=wanted, report=report, anchor=anchor)
        return
    if not path.is_file():
        raise UnusableInputError("file not found", file=str(path))
    tmp = Path(tempfile.mkdtemp(prefix="spmd-feed-"))
    try:
        yield extract_members(path, tmp, wanted=wanted, report=report, anchor=anchor,
                              max_total_bytes=max_total_bytes, max_ratio=max_ratio)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
