"""Errors of the data service. Each subclasses a builtin so callers can catch broadly.

An error of a file a reader gives (an upload) carries its message as a
:class:`~sources.messages.Msg` (``msg``) besides its English text, so that a page shows it in the
reader's language with the file, row and field named (:meth:`UnusableInputError.render`).
"""

from __future__ import annotations

from typing import Any

from .i18n import format_number, translate
from .messages import render


class SourceError(Exception):
    """Base class for every error raised by :mod:`sources`."""


class UnusableInputError(SourceError, ValueError):
    """A file cannot be used at all (corrupt zip, not the expected format, ...).

    The message names the file (and row / field when known). The CLI exits 2.
    """

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 field: str | None = None) -> None:
        self.file, self.row, self.field = file, row, field
        self.msg = message  # a Msg when the message is one (English text otherwise)
        where = ", ".join(
            part for part in (
                f"file {file}" if file else "",
                f"row {row}" if row is not None else "",
                f"field {field!r}" if field else "",
            ) if part
        )
        super().__init__(f"{message} ({where})" if where else message)

    def render(self, lang: str = "fr") -> str:
        """The message in ``lang``, with the file, row and field named in ``lang`` too."""
        return render_error(self.msg, lang, file=self.file, row=self.row, field=self.field)


def render_error(message: Any, lang: str, **where: Any) -> str:
    """``message`` (a Msg or a text) in ``lang`` followed by where it was found: ``where`` maps
    ``file``, ``row``, ``modification``, ``field`` to their values (None: not named)."""
    parts = [translate(f"error.where.{name}", lang,
                       **{name: format_number(value, lang) if name == "row" else value})
             for name, value in where.items() if value is not None and value != ""]
    text = render(message, lang)
    return translate("error.where", lang, message=text, where=", ".join(parts)) if parts else text


class SchemaError(UnusableInputError):
    """Declared columns are missing or of the wrong type."""


class FetchError(SourceError, OSError):
    """A download failed after its retries, or did not validate."""


class DatasetNotFound(SourceError, KeyError):
    """No catalogue record with that id, or no file for it in the bundle / cache."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else "dataset not found"
