"""About page: what the data is, how old, who produced it, and what the planner really rides."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state, ui
from dashboard.i18n import language, published, t


def page() -> None:
    st.title(t("about.title"))
    st.markdown(t("about.body"))
    st.subheader(t("about.data"))
    lang = language()
    rows = [{t("cat.col.title"): (ds.title_en if lang == "en" else ds.title_fr) or ds.title_fr,
             t("cat.col.producer"): ds.producer,
             t("cat.col.published"): published(ds),
             t("cat.col.licence"): ds.licence.name} for ds in state.catalogue()]
    ui.table(pd.DataFrame(rows))
    st.subheader(t("about.limits"))
    st.markdown(t("about.limits_body"))
    ui.attribution()
    st.caption(t("about.code"))


ui.run_guarded(page, name="about")
