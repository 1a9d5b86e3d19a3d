"""The layers page's map: a Streamlit component (``components/deckmap/index.html``) that keeps its
frame across the page's runs.

Every layer's data (:func:`dashboard.maps.layers_payload`) is written once as a JSON file under
``static/layers/`` named by its content (:func:`publish`, :mod:`dashboard.served`), fetched once by the frame; each run of
the page then sends only which layers are visible, and the frame switches them in the browser.
Zoom buttons, a metric scale, names on hover and labels (with their accents) from
:data:`dashboard.maps.LABEL_MIN_ZOOM` on are drawn by the frame itself with pydeck's deck.gl bundle
(:data:`dashboard.services.transit.DECKGL_JS`), offline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import streamlit.components.v1 as components

from dashboard import maps, served
from dashboard.services import transit

FOLDER = Path(__file__).resolve().parent / "components" / "deckmap"
_component = components.declare_component("deckmap", path=str(FOLDER))


def publish(payload: Mapping[str, Any]) -> str | None:
    """``payload`` as a JSON file named by its content (:func:`dashboard.served.serve`); its address,
    or None when it cannot be written."""
    return served.serve(json.dumps(payload, separators=(",", ":"), ensure_ascii=False), "layers")


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
