"""Messages the planner writes for people: notes and "no route" reasons, as keys with parameters.

A :class:`Msg` is a ``str`` (its English text, for command lines, logs and JSON) that also
carries its ``key`` and ``params``, so that the dashboard renders it in the reader's
language (:func:`render`). The keys and their French and English templates are in the one
translation catalogue, :data:`sources.i18n.CATALOGUE` (keys ``plan.*``, ``note.*``,
``place.*``, ``ev.*``), rendered by :func:`sources.i18n.translate` with its one fallback rule.

Parameters are rendered in the reader's language too, when the message is rendered:

* a code named in :data:`CODE_PARAMS` (``side``, ``mode``, ``mode_name``) becomes the word of its
  catalogue key (``plan.side.origin``: "le départ" / "the origin"); an unknown code stays as it is;
* a number (an ``int``/``float``, or a text the planner wrote as a number: ``"4.1"``, ``"85%"``)
  is formatted by Babel with the digits it was written with ("4,1" in French);
* an ISO date (``"2011-11-15"``) is written in words ("15 novembre 2011");
* a :class:`Msg` is rendered in the same language; a list of them is joined with "; ".
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from sources.i18n import format_date, format_number, format_percent, known, translate

#: parameter name -> catalogue prefix of the words of its codes
CODE_PARAMS = {"side": "plan.side.", "mode": "plan.by.", "mode_name": "mode."}
#: parameters that carry text as typed or named (a place, a street, a house number): never reformatted
VERBATIM_PARAMS = frozenset({"text", "q", "name", "place", "street", "a", "b", "number", "suggestions"})

_NUMBER = re.compile(r"-?\d+(?:\.(\d+))?(%?)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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
