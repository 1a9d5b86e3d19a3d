"""Accessibility explorer page. Needs ``routing.accessibility``; explains itself when it is missing."""

from __future__ import annotations

import importlib.util

import streamlit as st

from dashboard import ui
from dashboard.i18n import t


def _available() -> bool:
    try:
        return importlib.util.find_spec("routing.accessibility") is not None
    except (ImportError, ValueError):
        return False


def page() -> None:
    st.title(t("acc.title"))
    if not _available():
        st.info(t("acc.unavailable"), icon=":material/construction:")
        return
    st.info(t("acc.unavailable"), icon=":material/construction:")


ui.run_guarded(page, name="accessibility")
