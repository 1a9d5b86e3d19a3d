"""Errors of the data service. Each subclasses a builtin so callers can catch broadly."""

from __future__ import annotations


class SourceError(Exception):
    """Base class for every error raised by :mod:`sources`."""


class UnusableInputError(SourceError, ValueError):
    """A file cannot be used at all (corrupt zip, not the expected format, ...).

    The message names the file (and row / field when known). The CLI exits 2.
    """

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 field: str | None = None) -> None:
        self.file, self.row, self.field = file, row, field
        where = ", ".join(
            part for part in (
                f"file {file}" if file else "",
                f"row {row}" if row is not None else "",
                f"field {field!r}" if field else "",
            ) if part
        )
        super().__init__(f"{message} ({where})" if where else message)


class SchemaError(UnusableInputError):
    """Declared columns are missing or of the wrong type."""


class FetchError(SourceError, OSError):
    """A download failed after its retries, or did not validate."""


class DatasetNotFound(SourceError, KeyError):
    """No catalogue record with that id, or no file for it in the bundle / cache."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else "dataset not found"
