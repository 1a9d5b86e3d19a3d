"""The kept-frame map: a Streamlit component (``components/deckmap/index.html``) that keeps its
frame across the page's runs, for the maps where people wait (layers, departures, lines).

What does not change from one run to the next is written once as JSON files under
``static/layers/`` named by their content (:func:`publish`, :mod:`dashboard.served`) and fetched
once by the frame: the street base map (:func:`dashboard.state.streets_url`, shared by every map)
and a page's layers (``data_url``). Each run then sends only which of those layers are visible, a
few small layers drawn over them (``overlay``, :func:`dashboard.maps.table_payload`) and the place
to show; the frame redraws once, in the browser, with the layers it already built. Zoom buttons, a
metric scale, names on hover and labels (with their accents) from :data:`dashboard.maps.LABEL_MIN_ZOOM`
on are drawn by the frame itself with pydeck's deck.gl bundle
(:data:`dashboard.services.transit.DECKGL_JS`), offline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import streamlit.components.v1 as components

from dashboard import maps, served
from dashboard.i18n import t
from dashboard.services import transit

FOLDER = Path(__file__).resolve().parent / "components" / "deckmap"
_component = components.declare_component("deckmap", path=str(FOLDER))


def publish(payload: Mapping[str, Any]) -> str | None:
    """``payload`` as a JSON file named by its content (:func:`dashboard.served.serve`); its address,
    or None when it cannot be written."""
    return served.serve(json.dumps(payload, separators=(",", ":"), ensure_ascii=False), "layers")


def words(title: str) -> dict[str, str]:
    """The frame's words in the reader's language: its name (``title``) and its controls'."""
    return {"title": title, **{k: t(f"map.{k}") for k in ("zoom_in", "zoom_out", "scale", "error")}}


def deck_map(*, lang: str, height_px: int, key: str, title: str, data_url: str | None = None,
             streets_url: str | None = None, visible: Iterable[str] | None = None,
             overlay: Sequence[Mapping[str, Any]] = (), view: tuple[float, float, float] | None = None,
             select: bool = False) -> dict[str, Any] | None:
    """The map of the layers in ``data_url`` (:func:`publish`: ``{"streets": [...], "layers": [...]}``,
    both optional) over the street base map in ``streets_url``, the ``visible`` ones drawn (every one
    when None), with ``overlay`` (layer payloads, sent at each run: keep them small) on top, showing
    ``view`` (lon, lat, zoom; the frame goes there whenever it changes). ``title`` names the frame.
    The same ``key`` keeps the same frame from one run to the next.

    With ``select``, a click on a named object returns ``{"layer", "index", "name", "click"}`` (the
    name as read, ``click`` counting the clicks), else None."""
    lon, lat, zoom = view or (maps.RENNES_CENTER[0], maps.RENNES_CENTER[1], 12.2)
    transit.ensure_deckgl_bundle()
    return _component(data_url=data_url, streets_url=streets_url, deckgl=transit.DECKGL_JS,
                      visible=None if visible is None else list(visible), overlay=list(overlay),
                      words=words(title), lang=lang, height=int(height_px), label_zoom=maps.LABEL_MIN_ZOOM,
                      view=[round(lon, 6), round(lat, 6), round(zoom, 3)], select=select, key=key, default=None)
