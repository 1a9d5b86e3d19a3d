"""Data the browser fetches as static files: one JSON file per content under ``dashboard/static/<folder>/``,
served by Streamlit at ``/app/static/<folder>/`` (``server.enableStaticServing``), never kept in git.

A map whose data changes between reruns is parsed anew by the browser and deck.gl rebuilds every
layer whose data changed; data given by the address of a file named by its content is fetched
once, kept by the browser's cache, and a layer whose address is unchanged is kept as drawn. The
page itself then carries only small JSON. Used by the layers page's map
(:mod:`dashboard.deckmap`), the frozen base maps and result layers (:func:`dashboard.maps.frozen`)
and a day of buses' animation (:func:`dashboard.services.transit.day_json_url`).
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent / "static"
URL = "/app/static"
#: files kept per folder at most, the least recently served removed first (isochrones, grids...)
MAX_FILES = 400


def serve(content: str | bytes, folder: str, *, max_files: int = MAX_FILES) -> str | None:
    """The address of ``content`` (JSON text) written as ``<digest>.json`` in ``folder``; None when it
    cannot be written (the caller then sends the data within the page). Served again, a file is
    marked as recent; beyond ``max_files`` the oldest go."""
    body = content.encode("utf-8") if isinstance(content, str) else content
    name = hashlib.sha256(body).hexdigest()[:24] + ".json"
    directory = ROOT / folder
    path = directory / name
    try:
        if path.exists():
            os.utime(path)
        else:
            directory.mkdir(parents=True, exist_ok=True)
            files = sorted(directory.glob("*.json"), key=lambda f: f.stat().st_mtime)
            for old in files[: max(0, len(files) - max_files + 1)]:
                old.unlink(missing_ok=True)
            tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
            tmp.write_bytes(body)
            os.replace(tmp, path)
    except OSError as exc:
        log.warning("%s data not served as a file (%s): sent within the page", folder, exc)
        return None
    return f"{URL}/{folder}/{name}"


def path_of(url: str) -> Path:
    """The file behind an address given by :func:`serve` (tests read it back)."""
    return ROOT / url.removeprefix(URL + "/")


#: folders of files that never change once written (named by their content)
FOLDERS = ("layers", "maps", "day")


def cache_control(path: str) -> str | None:
    """The ``Cache-Control`` of a static file (Streamlit's static serving sends none, so a browser
    asked again for deck.gl's 4 MB bundle at each visit): files named by their content never change;
    the map libraries (deck.gl, Leaflet) change only with the project's version."""
    if not path.startswith(URL + "/"):
        return None
    folder = path[len(URL) + 1:].split("/", 1)[0]
    if folder in FOLDERS and path.endswith(".json"):
        return "public, max-age=31536000, immutable"
    if folder in ("deckgl", "leaflet"):
        return "public, max-age=86400"
    return None
