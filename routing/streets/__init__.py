"""Street graphs per mode (walk, bike, car) compiled to CSR arrays, and the searches on them:
Dijkstra, A* with landmarks, one-to-all and many-to-many, components, snapping to nodes.
Knows nothing of timetables or of where a trip starts (that is :mod:`routing.linking`)."""

from routing.streets.graph import (
    ALT_LANDMARKS,
    ALT_MIN_NODES,
    ModeGraph,
    Snap,
    StreetParams,
    StreetPath,
    build_mode_graph,
    component_stats,
    landmarks,
    main_component,
    many_to_many,
    multi_source,
    nearest_nodes,
    one_to_all,
    one_to_one,
    path_coords,
)

__all__ = [
    "ALT_LANDMARKS", "ALT_MIN_NODES", "ModeGraph", "Snap", "StreetParams", "StreetPath",
    "build_mode_graph", "component_stats", "landmarks", "main_component",
    "many_to_many", "multi_source", "nearest_nodes", "one_to_all", "one_to_one", "path_coords",
]
