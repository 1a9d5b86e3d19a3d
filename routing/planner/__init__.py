"""Door-to-door trips: the multimodal :class:`Planner` (walk, bike, bike share, transit,
park-and-ride, carpool, car, electric car with charging stops), its results as legs and
itineraries, and GPS-like traces simulated from its itineraries."""

from routing.planner import simulate
from routing.planner.ev import EVParams, NoEVRoute
from routing.planner.itinerary import Itinerary, Leg, PlanResult, Price
from routing.planner.planner import MODES, NoRoute, Planner, PlanParams

__all__ = [
    "EVParams", "Itinerary", "Leg", "MODES", "NoEVRoute", "NoRoute", "PlanParams", "PlanResult",
    "Planner", "Price", "simulate",
]
