"""Data catalogue page: every dataset with producer, licence, freshness and validation report."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import state, ui
from dashboard.i18n import language, t


def _catalogue_table(lang: str) -> pd.DataFrame:
    from sources import freshness, published_datetime, to_frame

    frame = to_frame(state.catalogue())
    fresh = [freshness(published_datetime(ds), ds.update_frequency_days) for ds in state.catalogue()]
    return pd.DataFrame({
        t("cat.col.id"): frame["id"],
        t("cat.col.title"): frame["title_en" if lang == "en" else "title_fr"],
        t("cat.col.producer"): frame["producer"],
        t("cat.col.licence"): frame["licence_name"],
        t("cat.col.format"): frame["format"],
        t("cat.col.published"): frame["published"],
        t("cat.col.age_days"): [f.get("age_days") for f in fresh],
        t("cat.col.freshness"): [t(f"cat.fresh.{f.get('status', 'unknown')}") for f in fresh],
    })


def _report_details(dataset_id: str) -> None:
    loaded = state.load_dataset(dataset_id)
    if loaded is None:
        ui.say("warning", "error.data_unavailable", name=dataset_id, icon=":material/warning:")
        return
    report = loaded.report
    summary = report.summary()
    cols = st.columns(4)
    cols[0].metric(t("cat.summary"), f"{summary['rows_kept']:,}".replace(",", " "))
    cols[1].metric("rows_read", f"{summary['rows_read']:,}".replace(",", " "))
    cols[2].metric(t("cat.quarantine"), summary["quarantined"])
    cols[3].metric(t("cat.col.freshness"), t(f"cat.fresh.{summary['freshness'] or 'unknown'}"))
    if report.stats:
        st.json(report.to_dict(max_rows=0)["stats"], expanded=False)
    if report.notices:
        ui.table(pd.DataFrame([n.__dict__ for n in report.notices]))
    st.markdown(f"**{t('cat.quarantine')}**")
    frame = report.quarantine_frame()
    if len(frame):
        ui.table(frame, height=260)
    else:
        st.caption(t("cat.no_quarantine"))
    st.download_button(t("cat.report_json"), report.to_json(), file_name=f"{dataset_id}-report.json",
                       mime="application/json", key=f"dl_report_{dataset_id}")


def page() -> None:
    from sources import to_dcat

    st.title(t("cat.title"))
    st.caption(t("cat.intro"))
    ui.table(_catalogue_table(language()))
    st.download_button(t("cat.dcat"), json.dumps(to_dcat(), ensure_ascii=False, indent=2),
                       file_name="catalogue-dcat.jsonld", mime="application/ld+json", key="dl_dcat")

    st.subheader(t("cat.pick"))
    datasets = state.catalogue()
    titles = {ds.id: (ds.title_en if language() == "en" else ds.title_fr) for ds in datasets}
    chosen = st.selectbox(t("cat.pick"), [ds.id for ds in datasets], key="cat_pick",
                          format_func=lambda i: f"{titles[i]} ({i})", label_visibility="collapsed")
    ds = next(d for d in datasets if d.id == chosen)
    st.markdown(f"**{t('cat.col.producer')}** : {ui.plain(ds.producer)} · **{t('cat.col.licence')}** : "
                f"{ui.plain(ds.licence.name)}")
    if ds.urls:
        st.caption(f"{t('cat.urls')} : " + " · ".join(ui.plain(u) for u in ds.urls[:3]))
    if not ds.bundle_files:
        st.info(t("cat.not_in_bundle"))
    validated: set[str] = st.session_state.setdefault("validated", set())
    if ds.bundle_files and (st.button(t("cat.validate"), key="validate_one") or chosen in validated):
        validated.add(chosen)
        with st.spinner(t("loading.data")):
            _report_details(chosen)

    if st.button(t("cat.validate_all"), key="validate_all"):
        ids = [d.id for d in datasets if d.bundle_files]
        bar = st.progress(0.0)
        rows = []
        for i, dataset_id in enumerate(ids):
            bar.progress(i / len(ids), text=dataset_id)
            loaded = state.load_dataset(dataset_id)
            rows.append(loaded.report.summary() if loaded is not None else
                        {"dataset": dataset_id, "errors": "—"})
        bar.progress(1.0, text="OK")
        st.session_state["validation_all"] = rows
    if st.session_state.get("validation_all"):
        ui.table(pd.DataFrame(st.session_state["validation_all"]))


ui.run_guarded(page, name="catalogue")
