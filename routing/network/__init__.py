"""The multimodal network: street layers, the timetable and the points of service assembled into
one :class:`Network` (:mod:`~routing.network.assemble`); names of points and points of addresses
(:mod:`~routing.network.naming`); the wheelchair profile's network and speeds
(:mod:`~routing.network.wheelchair`); the zones results are counted on (the
200 m LAEA grid, communes, IRIS: :mod:`~routing.network.zones`); and the one module of ``routing``
that asks the catalogue and the cache for frames (:mod:`~routing.network.inputs`)."""

from routing.network.assemble import Network, build_network
from routing.network.inputs import (
    ADDRESS_ID,
    GTFS_ID,
    POINT_IDS,
    address_frame,
    default_service_day,
    input_files,
    load_frame,
    load_inputs,
    load_landmarks,
    load_network,
    load_timetable,
    network_on_day,
    networkx_graph,
    rennes_metropole_grid,
    service_day_for,
)
from routing.network.naming import AddressIndex, PointNamer, address_index
from routing.network.wheelchair import WHEELCHAIR, WheelchairProfile
from routing.network.zones import commune_zones, iris_zones, laea_grid, population_on_cells

__all__ = [
    "ADDRESS_ID", "AddressIndex", "PointNamer", "address_frame", "address_index",
    "GTFS_ID", "POINT_IDS", "Network", "build_network", "commune_zones", "default_service_day",
    "input_files", "iris_zones", "laea_grid", "load_frame", "load_inputs", "load_landmarks", "load_network",
    "load_timetable", "network_on_day", "networkx_graph", "population_on_cells", "rennes_metropole_grid", "service_day_for",
    "WHEELCHAIR", "WheelchairProfile",
]
