"""Who can reach what: the accessibility engine (travel-time surfaces from many origins and
departures), isochrones, opportunity and equity indicators (:mod:`~routing.accessibility.engine`).
The grid and zones they are counted on live in :mod:`routing.network` and are re-exported here."""

from routing.accessibility.engine import (
    AccessibilityEngine,
    Measure,
    Points,
    accessibility,
    build_problem,
    dask_client,
    equity_table,
    isochrone,
    isochrone_polygons,
    opportunities,
    run_batches,
    travel_time_matrix,
    travel_time_surface,
)
from routing.network import laea_grid, population_on_cells, rennes_metropole_grid

__all__ = [
    "AccessibilityEngine", "Measure", "Points", "accessibility", "build_problem", "dask_client",
    "equity_table", "isochrone", "isochrone_polygons",
    "laea_grid", "opportunities", "population_on_cells", "rennes_metropole_grid", "run_batches",
    "travel_time_matrix", "travel_time_surface",
]
