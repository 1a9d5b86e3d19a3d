"""The data layer: the catalogue of datasets, fetching, loading and validating them, the shared
geometry, and the mobility-trace pipeline (``sources.traces``).

The public API is the names below (imported on first use, so that ``import sources`` stays
light); ``routing``, the dashboard, the command lines and the benches use only these, or the
public names of the submodules listed in the README's layout section. ``sources`` never imports
``routing``.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> the submodule that defines it
_EXPORTS: dict[str, str] = {
    # the catalogue and loading
    "Dataset": "catalogue", "all_datasets": "catalogue", "get_dataset": "catalogue",
    "to_frame": "catalogue", "to_dcat": "catalogue", "published_datetime": "catalogue",
    "load": "datasets", "load_many": "datasets",
    "Loaded": "validate", "Report": "validate", "freshness": "validate", "reason_name": "validate",
    # messages as keys with parameters (findings, planner notes), rendered in a language
    "Msg": "messages", "render_message": "messages",
    # errors
    "SourceError": "errors", "UnusableInputError": "errors", "SchemaError": "errors",
    "DatasetNotFound": "errors", "FetchError": "errors",
    # limits on untrusted input (the function sources.budgets.budgets, under a name that its module's
    # own attribute on the package cannot shadow)
    "get_budgets": "budgets",
    # geometry
    "EARTH_RADIUS_M": "geo", "haversine_m": "geo", "line_length_m": "geo", "project_xy": "geo",
    "metric_crs": "geo", "grid_ids": "geo", "parse_grid_ids": "geo", "point_grid_ids": "geo",
    "RENNES_METROPOLE_BBOX": "geo", "BRITTANY_BBOX": "geo", "FRANCE_BBOX": "geo",
}
_ALIASES = {"get_dataset": "get", "get_budgets": "budgets", "render_message": "render"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sources' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"sources.{module}"), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
