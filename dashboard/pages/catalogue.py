"""Data catalogue page: every dataset with producer, licence, freshness and validation report.

Datasets are named by their titles; their ids are only in the "identifiers" expander and the
exports (DCAT, JSON report).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import maps, state, ui
from dashboard.i18n import error_text, findings_table, language, number, published, t, table_text

#: the validation summary's fields shown in the whole-catalogue table, with their headers
SUMMARY_COLUMNS = {"rows_read": "cat.rows_read", "rows_kept": "cat.rows_kept", "quarantined": "cat.quarantine",
                   "warnings": "cat.warnings", "errors": "cat.errors"}


def _title(ds: Any, lang: str) -> str:
    return (ds.title_en if lang == "en" else ds.title_fr) or ds.title_fr or ds.id


def _catalogue_table(lang: str) -> pd.DataFrame:
    from sources import freshness, published_datetime

    datasets = state.catalogue()
    fresh = [freshness(published_datetime(ds), ds.update_frequency_days) for ds in datasets]
    frame = pd.DataFrame({
        t("cat.col.title"): [_title(ds, lang) for ds in datasets],
        t("cat.col.producer"): [ds.producer for ds in datasets],
        t("cat.col.licence"): [ds.licence.name for ds in datasets],
        t("cat.col.format"): [ds.format for ds in datasets],
        t("cat.col.published"): [published(ds) for ds in datasets],
        t("cat.col.age_days"): [f.get("age_days") for f in fresh],
        t("cat.col.freshness"): [t(f"cat.fresh.{f.get('status') or 'unknown'}") for f in fresh],
    })
    return table_text(frame, {t("cat.col.age_days"): 0})


def _metric(col: Any, key: str, value: float) -> None:
    col.metric(t(key), number(value), help=t(f"{key}_help"))


def _report_details(dataset_id: str) -> None:
    loaded = state.load_dataset(dataset_id)
    if loaded is None:
        ds = next((d for d in state.catalogue() if d.id == dataset_id), None)  # named by its title, not its id
        ui.say("warning", "error.data_unavailable", name=_title(ds, language()) if ds else dataset_id,
               icon=":material/warning:")
        why = state.load_error(dataset_id)
        if why is not None and callable(getattr(why, "render", None)):  # a file's own fault, in words
            st.text(error_text(why))
        return
    report = loaded.report
    summary = report.summary()
    cols = st.columns(4)
    _metric(cols[0], "cat.rows_read", summary["rows_read"])
    _metric(cols[1], "cat.rows_kept", summary["rows_kept"])
    _metric(cols[2], "cat.quarantine", summary["quarantined"])
    cols[3].metric(t("cat.col.freshness"), t(f"cat.fresh.{summary['freshness'] or 'unknown'}"))
    if report.notices:
        notices = pd.DataFrame([n.__dict__ for n in report.notices])
        ui.table(findings_table(notices))
    st.markdown(f"**{t('cat.quarantine')}**")
    frame = report.quarantine_frame()
    if len(frame):
        ui.table(findings_table(frame), height=260)
    else:
        st.caption(t("cat.no_quarantine"))
    st.download_button(t("cat.report_json"), report.to_json(), file_name=f"{dataset_id}-report.json",
                       mime="application/json", key=f"dl_report_{dataset_id}")


def _sources(urls: list[str]) -> None:
    """The official addresses as links whose text is the address itself: copied, it works."""
    links = " · ".join(f'<a href="{maps.esc(u)}" target="_blank" rel="noopener noreferrer">{maps.esc(u)}</a>'
                       for u in urls[:3] if str(u).startswith(("https://", "http://")))
    if links:
        html = f'<div class="spmd-sources">{maps.esc(t("cat.urls"))} : {links}</div>'
        st.markdown(html, unsafe_allow_html=True)  # escaped: every address and word through maps.esc


@st.fragment
def _dataset_details(datasets: list[Any], lang: str) -> None:
    """One dataset's details and validation: choosing or validating reruns this part only (the
    catalogue's tables above stay as they are)."""
    titles = {ds.id: _title(ds, lang) for ds in datasets}
    chosen = st.selectbox(t("cat.pick"), [ds.id for ds in datasets], key="cat_pick",
                          format_func=titles.__getitem__, label_visibility="collapsed")
    ds = next(d for d in datasets if d.id == chosen)
    st.markdown(f"**{t('cat.col.producer')}** : {ui.plain(ds.producer)} · **{t('cat.col.licence')}** : "
                f"{ui.plain(ds.licence.name)} · **{t('cat.col.published')}** : {ui.plain(published(ds))}")
    if ds.urls:
        _sources(list(ds.urls))
    if not ds.bundle_files:
        st.info(t("cat.not_in_bundle"))
    validated: set[str] = st.session_state.setdefault("validated", set())
    if ds.bundle_files and (st.button(t("cat.validate"), key="validate_one") or chosen in validated):
        validated.add(chosen)
        with st.spinner(t("loading.data")):
            _report_details(chosen)


def page() -> None:
    from sources import to_dcat

    lang = language()
    st.title(t("cat.title"))
    st.caption(t("cat.intro"))
    ui.table(_catalogue_table(lang))
    datasets = state.catalogue()
    with st.expander(t("cat.ids")):
        ui.table(pd.DataFrame({t("cat.col.title"): [_title(ds, lang) for ds in datasets],
                               t("cat.col.id"): [ds.id for ds in datasets]}))
    st.download_button(t("cat.dcat"), json.dumps(to_dcat(), ensure_ascii=False, indent=2),
                       file_name="catalogue-dcat.jsonld", mime="application/ld+json", key="dl_dcat")

    st.subheader(t("cat.pick"))
    _dataset_details(datasets, lang)
    titles = {ds.id: _title(ds, lang) for ds in datasets}

    if st.button(t("cat.validate_all"), key="validate_all"):
        ids = [d.id for d in datasets if d.bundle_files]
        bar = st.progress(0.0)
        rows = []
        for i, dataset_id in enumerate(ids):
            bar.progress(i / len(ids), text=titles[dataset_id])
            loaded = state.load_dataset(dataset_id)
            rows.append(loaded.report.summary() if loaded is not None else {"dataset": dataset_id})
        bar.empty()
        st.session_state["validation_all"] = rows
    if st.session_state.get("validation_all"):
        rows = pd.DataFrame(st.session_state["validation_all"])
        shown = pd.DataFrame({t("cat.col.title"): [titles.get(i, i) for i in rows["dataset"]]})
        for col, key in SUMMARY_COLUMNS.items():
            if col in rows:
                shown[t(key)] = pd.to_numeric(rows[col], errors="coerce")
        ui.table(table_text(shown, {t(k): 0 for k in SUMMARY_COLUMNS.values()}))


ui.run_guarded(page, name="catalogue")
