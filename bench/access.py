"""Where a trip's end meets the timetable, for the benches that time the engine below the planner.

Through :mod:`routing.linking` (the one set of linking rules the planner and the accessibility
engine share): a point linked to every street layer, as the planner links an origin or a
destination, and the stops within a walk of it (:func:`routing.linking.street_times` towards
every stop linked to the walk layer, what ``Planner.stop_access`` computes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from routing import linking


class StopAccess:
    """Links points to a network's street layers and finds the stops a walk away from them."""

    def __init__(self, network: Any, mode: str = "walk") -> None:
        self.network = network
        self.mode = mode
        self.graph = network.graphs[mode]
        tt = network.timetable
        self.stop_lon, self.stop_lat = tt.stop_lon, tt.stop_lat
        self.stop_links = linking.link(self.graph, tt.stop_lon, tt.stop_lat)

    def link(self, lon: float, lat: float) -> dict[str, linking.Links]:
        """The point linked to every street layer, as the planner links a trip end."""
        return linking.link_every_layer(self.network.graphs, lon, lat)

    def stops(self, lon: float, lat: float, links: dict[str, linking.Links],
              cutoff_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Stop indices and seconds (float) within ``cutoff_s`` of the point by the mode; empty
        when the point is beyond the layer (``links`` from :meth:`link`)."""
        own = links[self.mode]
        if own.node[0] < 0:
            return np.zeros(0, np.int64), np.zeros(0)
        _, j, t = linking.street_times(self.graph, lon, lat, self.stop_lon, self.stop_lat, cutoff_s,
                                       a_links=own, b_links=self.stop_links)
        return j, t.astype(float)
