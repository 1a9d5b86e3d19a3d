"""Map layers page: toggles in, prepared layer tables (cached in state.py) out as one deck.gl map
with zoom buttons, a metric scale and names at close zoom, and a legend per visible layer.

The map (:mod:`dashboard.deckmap`) gets every layer's data once per language and keeps its frame:
switching layers sends it only the visible ones' ids."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard import deckmap, maps, state, ui
from dashboard.i18n import language, number, t

MAP_HEIGHT_PX = 620


def _set_all(value: bool) -> None:
    for spec in maps.LAYERS.values():
        st.session_state[f"layer_{spec.id}"] = value


def _line_legend(table: pd.DataFrame) -> list[tuple[list[int], str]]:
    """Each bus line's colour and name, in line-number order."""
    seen = table.drop_duplicates("name")
    names = [html.unescape(str(n)) for n in seen["name"]]
    order = sorted(range(len(names)), key=lambda i: maps.natural_key(names[i]))
    return [(list(seen["color"].iloc[i])[:3], names[i]) for i in order]


def _deck(shown: list[tuple[maps.LayerSpec, pd.DataFrame]]) -> object:
    """The shown layers as one pydeck map (with online tiles, drawn by Streamlit's own deck.gl)."""
    deck_layers = state.street_layers()
    labels = []
    for spec, table in shown:
        deck_layers.append(maps.deck_layer(spec.id, table, kind=spec.kind))
        if spec.labels and len(table):
            labels.append(maps.label_layer(spec.id, table))
    # the base map first, then bus lines (half transparent), other paths, points, labels on top
    deck_layers.sort(key=lambda layer: (0 if layer.id.startswith("streets") else 1 if layer.id == "lines" else
                                        2 if layer.type == "PathLayer" else 3))
    return maps.make_deck(deck_layers + labels, height_px=MAP_HEIGHT_PX)


def page() -> None:
    st.title(t("layers.title"))
    specs = list(maps.LAYERS.values())
    with st.container(border=True):
        st.markdown(f"**{t('layers.choose')}**")
        cols = st.columns(3)
        for spec in specs:  # defaults through the session state: "show all" sets the same keys
            st.session_state.setdefault(f"layer_{spec.id}", spec.default_on)
        chosen = tuple(spec.id for i, spec in enumerate(specs)
                       if cols[i % 3].toggle(t(spec.label_key), key=f"layer_{spec.id}"))
        b1, b2, b3 = st.columns([1, 1, 2])
        b1.button(t("layers.all"), key="layers_all", on_click=_set_all, args=(True,))
        b2.button(t("layers.none"), key="layers_none", on_click=_set_all, args=(False,))
        reachable = state.tiles_reachable()  # never with SPMD_OFFLINE; else a 1 s probe, kept 5 min
        online = b3.toggle(t("layers.online_tiles"), value=False, key="layer_online_tiles",
                           disabled=not reachable) and reachable

    lang = language()
    with st.spinner(t("loading.data")):
        available = [(spec, table) for spec in specs if (table := state.layer_table(spec.id)) is not None]
        shown = [(spec, table) for spec, table in available if spec.id in chosen]
        for layer_id in chosen:
            if layer_id not in {spec.id for spec, _ in available}:
                st.warning(t("error.data_unavailable", name=t(maps.LAYERS[layer_id].label_key)),
                           icon=":material/warning:")
        # every available layer's data, once per language: switching layers sends only their ids
        data_url = None if online else state.deck_page(
            ("layers", lang, *(spec.id for spec, _ in available)),
            lambda: deckmap.publish(maps.layers_payload(available)))
        if data_url is None:  # tiles online, or no file could be written: Streamlit's own map
            deck = _deck(shown)
            if online:
                deck.map_provider, deck.map_style = "carto", "light"
            st.pydeck_chart(deck, width="stretch", key="layers_map")
        else:
            deckmap.deck_map(data_url=data_url, streets_url=state.streets_url(),
                             visible=[spec.id for spec, _ in shown], lang=lang, title=t("layers.title"),
                             height_px=MAP_HEIGHT_PX, key="layers_deck")
    st.caption(t("map.labels_hint") + ("" if online else " " + t("layers.offline_base")))

    if shown:
        st.markdown(f"**{t('layers.legend')}**")
        for spec, table in shown:
            st.markdown(f"**{t(spec.label_key)}** — {t('layers.count', n=number(len(table)))}")
            if spec.unit_key:
                st.caption(t(spec.unit_key))
            if spec.legend_from_data:
                st.markdown(ui.legend_html_text(_line_legend(table)), unsafe_allow_html=True)
            else:
                st.markdown(ui.legend_html(spec.legend), unsafe_allow_html=True)
    keys = ["attr.osm"] + [k for spec, _ in shown for k in spec.attribution_keys] + ["attr.star"]
    st.markdown(f"**{t('layers.attribution')}**")
    ui.attribution(keys)


ui.run_guarded(page, name="layers")
