"""The multimodal network: street layers, the timetable and the points of service assembled into
one :class:`Network` (:mod:`~routing.network.assemble`), and the one module of ``routing`` that
asks the catalogue and the cache for frames (:mod:`~routing.network.inputs`)."""

from routing.network.assemble import Network, build_network
from routing.network.inputs import (
    GTFS_ID,
    POINT_IDS,
    default_service_day,
    input_files,
    load_inputs,
    load_network,
    networkx_graph,
)

__all__ = [
    "GTFS_ID", "POINT_IDS", "Network", "build_network", "default_service_day", "input_files",
    "load_inputs", "load_network", "networkx_graph",
]
