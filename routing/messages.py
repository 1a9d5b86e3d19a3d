"""Messages the planner writes for people: notes and "no route" reasons, as keys with parameters.

A :class:`Msg` is a ``str`` (its English text, for command lines, logs and JSON) that also
carries its ``key`` and ``params``, so that the dashboard renders it in the reader's
language (:func:`render`). The keys and their French and English templates are in the one
translation catalogue, :data:`sources.i18n.CATALOGUE` (keys ``plan.*``, ``note.*``,
``place.*``), rendered by :func:`sources.i18n.translate` with its one fallback rule.
"""

from __future__ import annotations

from typing import Any

from sources.i18n import known, translate


class Msg(str):
    """A message: its English text as a ``str``, with ``key`` and ``params`` for translation."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Msg:
        if not known(key):
            raise KeyError(f"unknown message key {key!r}")
        params = _with_french(params)
        obj = super().__new__(cls, translate(key, "en", **params))
        obj.key = key
        obj.params = params
        return obj

    def render(self, lang: str = "fr") -> str:
        return render(self, lang)

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle keep the key
        return (_rebuild, (self.key, self.params))


def _rebuild(key: str, params: dict[str, Any]) -> Msg:
    return Msg(key, **params)


def _with_french(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with ``side_fr`` and ``mode_fr``: the French words for the ``side`` and ``mode``
    codes (catalogue keys ``plan.side.*``, ``plan.by.*``; an unknown code is shown as it is)."""
    out = dict(params)
    for name, prefix in (("side", "plan.side."), ("mode", "plan.by.")):
        if name in out and f"{name}_fr" not in out:
            code = str(out[name])
            out[f"{name}_fr"] = translate(prefix + code, "fr") if known(prefix + code) else code
    return out


def render(message: Any, lang: str = "fr") -> str:
    """The message in ``lang`` (fr or en); plain strings are returned as they are."""
    key = getattr(message, "key", None)
    if key is None or not known(key):
        return str(message)
    return translate(key, lang, **message.params)
