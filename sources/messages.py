"""Messages written for people as keys with parameters: the planner's notes and "no route"
reasons, the loaders' findings and the errors of files a reader gives (traces, timetables).

A :class:`Msg` is a ``str`` (its English text, for command lines, logs and JSON) that also
carries its ``key`` and ``params``, so that the dashboard renders it in the reader's
language (:func:`render`). The keys and their French and English templates are in the one
translation catalogue, :data:`sources.i18n.CATALOGUE` (keys ``plan.*``, ``note.*``,
``place.*``, ``ev.*``, ``finding.*``, ``error.*``), rendered by :func:`sources.i18n.translate`
with its one fallback rule. It lives in ``sources`` (the bottom of the flow) so that the
loaders' findings and the planner's reasons are one kind of message; ``routing.messages``
names the same objects.

Parameters are rendered in the reader's language too, when the message is rendered:

* a code named in :data:`CODE_PARAMS` (``side``, ``mode``, ``mode_name``) becomes the word of its
  catalogue key (``plan.side.origin``: "le départ" / "the origin"); an unknown code stays as it is;
* a number (an ``int``/``float``, or a text the planner wrote as a number: ``"4.1"``, ``"85%"``)
  is formatted by Babel with the digits it was written with ("4,1" in French);
* an ISO date (``"2011-11-15"``) is written in words ("15 novembre 2011");
* a :class:`Msg` is rendered in the same language; a list of them is joined with "; ";
* a :class:`Fmt` says how its value is written: a price, a distance, a date with or without its
  weekday, a decimal with fixed digits, words that differ by language, or items joined by a sign.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

from .i18n import (
    DEFAULT_LANGUAGE,
    format_date,
    format_distance,
    format_money,
    format_number,
    format_percent,
    known,
    plural,
    translate,
)

#: parameter name -> catalogue prefix of the words of its codes
CODE_PARAMS = {"side": "plan.side.", "mode": "plan.by.", "mode_name": "mode."}
#: parameters that carry text as typed or named (a place, a street, a house number; a file, a field, a
#: value or a library's own words in a finding): never reformatted
VERBATIM_PARAMS = frozenset({"text", "q", "name", "place", "street", "a", "b", "number", "suggestions",
                             "field", "file", "files", "folder", "feed", "column", "columns", "fields", "keys",
                             "allowed", "default", "kind", "crs", "declared", "setting", "other", "start", "end",
                             "row_list", "encoding", "detail", "modification"})

_NUMBER = re.compile(r"-?\d+(?:\.(\d+))?(%?)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Fmt:
    """A parameter written in the reader's language when the message is rendered.

    ``kind``: ``money`` (euros: "1,70 €" / "€1.70"), ``distance`` (metres: "1,5 km"), ``date``
    ("15 novembre 2011"), ``day`` (with its weekday: "dimanche 20 novembre 2011"), ``decimal``
    (``digits`` fixed: "0,636"), ``words`` (``value`` a mapping language -> text, French when the
    language is missing: a street with its French article), ``join`` (``value`` a sequence of
    messages joined by ``sep``), ``plural`` (``value`` a count written by the plural pair ``key``:
    "1 ligne écartée", "2 lignes écartées")."""

    kind: str
    value: Any
    digits: int = 0
    sep: str = " + "
    key: str = ""

    def render(self, lang: str) -> str:
        if self.kind == "money":
            return format_money(self.value, lang)
        if self.kind == "distance":
            return format_distance(self.value, lang)
        if self.kind in ("date", "day"):
            return format_date(self.value, lang, "full" if self.kind == "day" else "long")
        if self.kind == "decimal":
            return format_number(self.value, lang, self.digits)
        if self.kind == "words":
            return str(self.value.get(lang) or self.value[DEFAULT_LANGUAGE])
        if self.kind == "plural":
            return plural(self.key, self.value, lang)
        if self.kind == "join":
            return self.sep.join(str(_param("", v, lang)) for v in self.value)
        raise ValueError(f"unknown parameter kind {self.kind!r}")


class Msg(str):
    """A message: its English text as a ``str``, with ``key`` and ``params`` for translation."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Msg:
        if not known(key):
            raise KeyError(f"unknown message key {key!r}")
        obj = super().__new__(cls, translate(key, "en", **_localised(params, "en")))
        obj.key = key
        obj.params = params
        return obj

    def render(self, lang: str = "fr") -> str:
        return render(self, lang)

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle keep the key
        return (_rebuild, (self.key, self.params))


def _rebuild(key: str, params: dict[str, Any]) -> Msg:
    return Msg(key, **params)


def _param(name: str, value: Any, lang: str) -> Any:
    """One parameter in ``lang`` (see the module docstring)."""
    if isinstance(value, Msg):
        return render(value, lang)
    if isinstance(value, Fmt):
        return value.render(lang)
    if isinstance(value, (list, tuple)):
        return (" ; " if lang == "fr" else "; ").join(str(_param(name, v, lang)) for v in value)
    if isinstance(value, bool) or name in VERBATIM_PARAMS:
        return value
    if name in CODE_PARAMS and known(CODE_PARAMS[name] + str(value)):
        return translate(CODE_PARAMS[name] + str(value), lang)
    if isinstance(value, int):
        return format_number(value, lang)
    if isinstance(value, float):
        digits = 0 if value.is_integer() else min(2, len(repr(value).split(".")[-1]))
        return format_number(value, lang, digits)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return format_date(value, lang, "long")
    if isinstance(value, str):
        number = _NUMBER.fullmatch(value)
        if number:
            digits = len(number.group(1) or "")
            if number.group(2):
                return format_percent(float(value[:-1]) / 100.0, lang, digits)
            return format_number(float(value), lang, digits)
        if _ISO_DATE.fullmatch(value):
            return format_date(_dt.date.fromisoformat(value), lang, "long")
    return value


def _localised(params: dict[str, Any], lang: str) -> dict[str, Any]:
    return {name: _param(name, value, lang) for name, value in params.items()}


def render(message: Any, lang: str = "fr") -> str:
    """The message in ``lang`` (fr or en); plain strings are returned as they are."""
    key = getattr(message, "key", None)
    if key is None or not known(key):
        return str(message)
    return translate(key, lang, **_localised(message.params, lang))
