"""Map layers page: toggles in, prepared layer tables (cached in state.py) out as one deck.gl map
with zoom buttons, a metric scale and names at close zoom, and a legend per visible layer."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from dashboard import maps, state, ui
from dashboard.i18n import language, number, t
from dashboard.services import transit

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


def _deck(chosen: tuple[str, ...]) -> tuple[object, list[tuple[maps.LayerSpec, pd.DataFrame]]]:
    deck_layers = state.street_layers()
    shown = []
    labels = []
    for layer_id in chosen:
        spec = maps.LAYERS[layer_id]
        table = state.layer_table(spec.id)
        if table is None:
            continue
        deck_layers.append(maps.deck_layer(spec.id, table, kind=spec.kind))
        if spec.labels and len(table):
            labels.append(maps.label_layer(spec.id, table))
        shown.append((spec, table))
    # the base map first, then bus lines (half transparent), other paths, points, labels on top
    deck_layers.sort(key=lambda layer: (0 if layer.id.startswith("streets") else 1 if layer.id == "lines" else
                                        2 if layer.type == "PathLayer" else 3))
    return maps.make_deck(deck_layers + labels, height_px=MAP_HEIGHT_PX), shown


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
        deck, shown = _deck(chosen)
        missing = [spec for spec in (maps.LAYERS[i] for i in chosen) if spec not in [s for s, _ in shown]]
        for spec in missing:
            st.warning(t("error.data_unavailable", name=t(spec.label_key)), icon=":material/warning:")
        if online:
            deck.map_provider, deck.map_style = "carto", "light"
            st.pydeck_chart(deck, width="stretch", key="layers_map")
        else:
            words = {k: t(f"map.{k}") for k in ("zoom_in", "zoom_out", "scale", "error")}
            transit.ensure_deckgl_bundle()
            page_html = state.deck_page(("layers", lang, *chosen), lambda: maps.deck_html(
                deck, script_url=transit.DECKGL_JS, words=words, lang=lang, height_px=MAP_HEIGHT_PX))
            components.html(page_html, height=MAP_HEIGHT_PX + 6)
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
