"""Fixtures shared by the tests of ``sources``."""

from __future__ import annotations

import pytest

from sources import tempfiles


@pytest.fixture()
def fresh_tempfiles_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """sources.tempfiles as in a new process: no cache directory cleaned yet, no warning given."""
    monkeypatch.setattr(tempfiles, "_cleaned", set())
    monkeypatch.setattr(tempfiles, "_warned", set())
