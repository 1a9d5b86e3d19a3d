"""The data options of every command line (``python -m sources`` and ``python -m routing``),
declared once: where the offline bundle and the cache are. Both default to the settings
(``$SPMD_BUNDLE``, ``$SPMD_CACHE`` or ``data/``), read when a command runs."""

from __future__ import annotations

import argparse


def add_data_options(p: argparse.ArgumentParser) -> None:
    """``--bundle DIR`` and ``--cache DIR`` (both None when not given)."""
    p.add_argument("--bundle", metavar="DIR", default=None, help="offline bundle directory (default: $SPMD_BUNDLE)")
    p.add_argument("--cache", metavar="DIR", default=None, help="cache directory (default: $SPMD_CACHE or data/)")
