"""Map layers page: toggles in, prepared layer tables (cached in state.py) out as one deck.gl map."""

from __future__ import annotations

import streamlit as st

from dashboard import maps, state, ui
from dashboard.i18n import t


def page() -> None:
    st.title(t("layers.title"))
    specs = list(maps.LAYERS.values())
    with st.container(border=True):
        st.markdown(f"**{t('layers.choose')}**")
        cols = st.columns(3)
        chosen = [spec for i, spec in enumerate(specs)
                  if cols[i % 3].toggle(t(spec.label_key), value=spec.default_on, key=f"layer_{spec.id}")]
        reachable = state.tiles_reachable()  # never with SPMD_OFFLINE; else a 1 s probe, kept 5 min
        online = st.toggle(t("layers.online_tiles"), value=False, key="layer_online_tiles",
                           disabled=not reachable) and reachable

    with st.spinner(t("loading.data")):
        deck_layers = state.street_layers()
        shown = []
        for spec in chosen:
            table = state.layer_table(spec.id)
            if table is None:
                st.warning(t("error.data_unavailable", name=t(spec.label_key)), icon=":material/warning:")
                continue
            deck_layers.append(maps.deck_layer(spec.id, table, kind=spec.kind))
            shown.append((spec, len(table)))
    # the base map first, then paths, then points (markers stay clickable)
    deck_layers.sort(key=lambda layer: (0 if layer.id.startswith("streets") else
                                        1 if layer.type == "PathLayer" else 2))
    st.pydeck_chart(maps.make_deck(deck_layers, online_tiles=online, height_px=620),
                    width="stretch", key="layers_map")
    if not online:
        st.caption(t("layers.offline_base"))

    if shown:
        st.markdown(f"**{t('layers.legend')}**")
        for spec, n in shown:
            st.markdown(f"{t(spec.label_key)} — {t('layers.count', n=int(n))}")
            st.markdown(ui.legend_html(spec.legend), unsafe_allow_html=True)
    keys = ["attr.osm"] + [k for spec, _ in shown for k in spec.attribution_keys] + ["attr.star"]
    st.markdown(f"**{t('layers.attribution')}**")
    ui.attribution(keys)


ui.run_guarded(page, name="layers")
