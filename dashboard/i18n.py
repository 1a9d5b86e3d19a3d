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
from sources import i18n
from sources.i18n import DEFAULT_LANGUAGE, LANGUAGES, known, translate

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "date", "format_co2", "format_distance", "format_duration", "known",
           "language", "message", "money", "number", "percent", "plural", "published", "t", "table_text",
           "translate"]


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


def error_text(exc: BaseException) -> str:
    """An error of a file the reader gave, in the session's language with its file, row and field
    (:meth:`sources.UnusableInputError.render` and the like); another error by its own text."""
    render_in = getattr(exc, "render", None)
    return render_in(language()) if callable(render_in) else message(getattr(exc, "msg", exc), language())


#: the columns of a findings table, in the order shown
FINDING_COLUMNS = ("file", "row", "field", "code", "severity", "message", "value")


def findings_table(frame: Any, columns: tuple[str, ...] = FINDING_COLUMNS) -> Any:
    """Findings of a validation (a frame of :class:`sources.validate.Notice` fields) for a reader:
    the reason by its words, the severity by its word, the message in the session's language, the
    headers translated (keys ``cat.notice.<column>``)."""
    from sources import reason_name

    lang = language()
    out = frame.copy()
    if "code" in out:
        out["code"] = [reason_name(str(c), lang) for c in out["code"]]
    if "severity" in out:
        out["severity"] = [t(f"cat.severity.{s}") for s in out["severity"]]
    if "message" in out:
        out["message"] = [message(m, lang) for m in out["message"]]
    if "file" in out:  # the file's name, not where the server keeps it
        out["file"] = [str(f).replace("\\", "/").rsplit("/", 1)[-1] if f else "—" for f in out["file"]]
    keep = [c for c in columns if c in out]
    return table_text(out[keep].rename(columns={c: t(f"cat.notice.{c}") for c in keep}))


def format_duration(seconds: float, *, lang: str | None = None) -> str:
    """``1500`` -> ``"25 min"``; ``4500`` -> ``"1 h 15"``."""
    return i18n.format_duration(seconds, lang or language())


def format_distance(meters: float, *, lang: str | None = None) -> str:
    """``850`` -> ``"850 m"``; ``1530`` -> ``"1,5 km"`` in French."""
    return i18n.format_distance(meters, lang or language())


def format_co2(grams: float, *, lang: str | None = None) -> str:
    """``420`` -> ``"420 g"``; ``1530`` -> ``"1,5 kg"`` in French."""
    return i18n.format_co2(grams, lang or language())


def number(value: float, digits: int = 0) -> str:
    """A number in the session's format: ``"226 012"``, ``"0,83"``; an em dash for no value."""
    return i18n.format_number(value, language(), digits)


def percent(fraction: float, digits: int = 0) -> str:
    """A share in the session's format: ``"83 %"`` / ``"83%"``."""
    return i18n.format_percent(fraction, language(), digits)


def money(euros: float) -> str:
    """A price in the session's format: ``"1,70 €"`` / ``"€1.70"``."""
    return i18n.format_money(euros, language())


def date(value: Any, style: str = "medium") -> str:
    """A date in words in the session's language: ``"15 nov. 2011"``."""
    return i18n.format_date(value, language(), style)


def plural(key: str, n: float, **params: Any) -> str:
    """``plural("unit.departures", 2)`` -> ``"2 passages"`` in the session's language."""
    return i18n.plural(key, n, language(), **params)


def table_text(frame: Any, digits: dict[str, int] | None = None, *, percent_columns: tuple[str, ...] = ()) -> Any:
    """A copy of ``frame`` whose number columns are text in the session's format ("226 012", "0,83",
    "12 %"), an em dash for a missing value: a table shows no "None", "nan" nor "0.83" on a French page.
    ``digits`` per column (default: 0 for whole numbers, 1 for the others); ``percent_columns`` hold
    percentages (12.5 = 12.5 %)."""
    import pandas as pd

    digits = digits or {}
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if col in percent_columns:
            out[col] = [percent(v / 100.0, digits.get(col, 0)) if pd.notna(v) else "—" for v in values]
        elif pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            out[col] = ["—" if v is None or (isinstance(v, float) and v != v) else v for v in values]
        else:
            d = digits.get(col, 0 if pd.api.types.is_integer_dtype(values) else 1)
            out[col] = [number(v, d) if pd.notna(v) else "—" for v in values]
    return out


def published(dataset: Any) -> str:
    """When a catalogue dataset was published, in words ("14 nov. 2011"); an em dash when unknown."""
    from sources import published_datetime

    when = published_datetime(dataset)
    return date(when) if when is not None else "—"
