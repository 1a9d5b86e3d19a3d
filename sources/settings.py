"""One settings module, read at call time.

Every value is a function so that environment variables set after import
(tests, the dashboard, the CLI's ``--bundle``) are honoured.

Environment variables
---------------------
SPMD_BUNDLE      offline bundle directory (e.g. ``../shared/data/rennes``)
SPMD_CACHE       cache directory for fetched files and loaded frames (default ``data/``)
SPMD_TIMEOUT_S   HTTP timeout in seconds (default 30)
SPMD_RETRIES     HTTP retries (default 3)
SPMD_OFFLINE     "1" never touches the network (bundle only)
"""

from __future__ import annotations

import os
from pathlib import Path

from sources.geo import BRITTANY_BBOX, FRANCE_BBOX, RENNES_METROPOLE_BBOX  # noqa: F401 (re-exported)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

RENNES_METROPOLE_SIREN = "243500139"


def bundle_dir(override: str | os.PathLike | None = None) -> Path | None:
    """The offline bundle directory: ``override``, else ``$SPMD_BUNDLE``, else None."""
    value = override if override is not None else os.environ.get("SPMD_BUNDLE")
    if not value:
        return None
    return Path(value).expanduser().resolve()


def default_bundle_candidate() -> Path:
    """Where the Rennes bundle lies beside a checkout (``../shared/data/rennes``)."""
    return (PROJECT_ROOT.parent / "shared" / "data" / "rennes").resolve()


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    value = override if override is not None else os.environ.get("SPMD_CACHE")
    path = Path(value).expanduser() if value else PROJECT_ROOT / "data"
    return path.resolve()


def http_timeout_s() -> float:
    return float(os.environ.get("SPMD_TIMEOUT_S", "30"))


def http_retries() -> int:
    return int(os.environ.get("SPMD_RETRIES", "3"))


def offline() -> bool:
    return os.environ.get("SPMD_OFFLINE", "") in {"1", "true", "yes"}
