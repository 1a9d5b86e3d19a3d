"""The layers page's map: a Streamlit component (``components/deckmap/index.html``) that keeps its
frame across the page's runs.

Every layer's data (:func:`dashboard.maps.layers_payload`) is written once as a JSON file under
``static/layers/`` named by its content (:func:`publish`), fetched once by the frame; each run of
the page then sends only which layers are visible, and the frame switches them in the browser.
Zoom buttons, a metric scale, names on hover and labels (with their accents) from
:data:`dashboard.maps.LABEL_MIN_ZOOM` on are drawn by the frame itself with pydeck's deck.gl bundle
(:data:`dashboard.services.transit.DECKGL_JS`), offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import streamlit.components.v1 as components

from dashboard import maps
from dashboard.services import transit

FOLDER = Path(__file__).resolve().parent / "components" / "deckmap"
#: where the data files are written (served by Streamlit at :data:`DATA_URL`, not kept in git)
DATA_DIR = Path(__file__).resolve().parent / "static" / "layers"
DATA_URL = "/app/static/layers/"
#: data files not written again for this long are removed (an old bundle's, another language's)
KEEP_S = 7 * 86400

_component = components.declare_component("deckmap", path=str(FOLDER))


def publish(payload: Mapping[str, Any]) -> str:
    """``payload`` as a JSON file named by its content, under :data:`DATA_DIR`; returns its URL.

    The same content gives the same name, so a browser that has fetched it once keeps it; files
    not published again for :data:`KEEP_S` are removed."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    name = hashlib.sha256(body).hexdigest()[:24] + ".json"
    path = DATA_DIR / name
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if path.exists():
        os.utime(path)
    else:
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        tmp.write_bytes(body)
        os.replace(tmp, path)
    now = time.time()
    for old in DATA_DIR.glob("*.json"):
        try:
            if now - old.stat().st_mtime > KEEP_S:
                old.unlink()
        except OSError:  # removed by another server meanwhile
            pass
    return DATA_URL + name


def deck_map(*, data_url: str, visible: Iterable[str], words: Mapping[str, str], lang: str,
             height_px: int, key: str, view: tuple[float, float, float] | None = None) -> None:
    """The map of the layers in ``data_url`` (:func:`publish`), ``visible`` ones drawn. ``words``:
    ``title`` (the frame's name), ``zoom_in``, ``zoom_out``, ``scale``, ``error`` in the reader's language. The same ``key`` keeps
    the same frame from one run to the next."""
    lon, lat, zoom = view or (maps.RENNES_CENTER[0], maps.RENNES_CENTER[1], 12.2)
    transit.ensure_deckgl_bundle()
    _component(data_url=data_url, deckgl=transit.DECKGL_JS, visible=list(visible), words=dict(words),
               lang=lang, height=int(height_px), label_zoom=maps.LABEL_MIN_ZOOM, view=[lon, lat, zoom],
               key=key, default=None)
