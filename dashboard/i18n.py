"""Words and numbers for the reader: the dashboard's access to the one translation catalogue.

The strings themselves, in French and English, are :data:`sources.i18n.CATALOGUE` (shared with
the planner's messages), rendered by :func:`sources.i18n.translate` with its one fallback rule
(French for a missing language, the key itself for a missing key). Here: the session's language
(``st.session_state["lang"]``, set by the language switch), :func:`t` (a key in that language),
:func:`message` (a planner note or reason in a given language) and the formatting of durations,
distances and CO₂. This module imports no page and no other dashboard module.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from routing.messages import render
from sources.i18n import DEFAULT_LANGUAGE, LANGUAGES, known, translate

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "format_co2", "format_distance", "format_duration", "known",
           "language", "message", "t", "translate"]


def language() -> str:
    """The session's language (``fr`` or ``en``; French when unset or unknown)."""
    lang = st.session_state.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **fmt: Any) -> str:
    """The string ``key`` in the session's language, formatted with ``fmt``."""
    return translate(key, language(), **fmt)


def message(msg: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A planner note or reason (:class:`routing.messages.Msg`, a key with parameters) in ``lang``;
    any other text is returned as it is."""
    return render(msg, lang)


def format_duration(seconds: float, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """``1500`` -> ``"25 min"``; ``4500`` -> ``"1 h 15"``."""
    minutes = max(0, int(round(seconds / 60.0)))
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"


def format_distance(meters: float) -> str:
    """``850`` -> ``"850 m"``; ``1530`` -> ``"1.5 km"``."""
    return f"{meters:.0f} m" if meters < 1000 else f"{meters / 1000:.1f} km"


def format_co2(grams: float) -> str:
    """``420`` -> ``"420 g"``; ``1530`` -> ``"1.5 kg"``."""
    return f"{grams:.0f} g" if grams < 1000 else f"{grams / 1000:.1f} kg"
