"""One source of truth for the routing constants: modes, speeds, detour factor, "unreachable".

Every module of ``routing`` (and the dashboard, through ``routing``'s public API) imports these
names; no other module retypes a speed, a detour factor or a mode list.
"""

from __future__ import annotations

import numpy as np

#: Every mode the trip planner answers, in the order the dashboard lists them.
TRIP_MODES = ("walk", "bike", "bikeshare", "transit", "bike_transit", "park_ride", "carpool", "car", "ecar")
#: The modes asked for when a request names none.
DEFAULT_MODES = ("walk", "bike", "bikeshare", "transit", "car")
#: The street layers (one graph per mode).
STREET_MODES = ("walk", "bike", "car")
#: The modes of the accessibility engine.
ACCESS_MODES = ("walk", "bike", "car", "transit")
#: The kinds of opportunities the accessibility engine counts (and the matrix's point sets).
OPPORTUNITY_KINDS = ("stops", "bikeshare", "carpool", "charger", "park_ride", "employers", "business_zones",
                     "population")

#: Speeds on and off the street layers, km/h (walk and bike also off-network; car off-network only:
#: on the car layer the speed comes from traffic, the limit or the road class).
WALK_KMH = 4.8
BIKE_KMH = 15.0
CAR_OFFNETWORK_KMH = 30.0
#: Straight line x this factor approximates the path along streets.
DETOUR_FACTOR = 1.3

#: "Unreachable" as an int64 time in seconds: an arrival later than every time (large enough to add
#: a day to without overflow). The connection scans' label of a stop not reached.
UNREACHABLE = np.int64(2**62)
#: Its mirror for backward scans (arrive-by): a departure earlier than every time, the label of a
#: stop from which no departure meets the deadline.
NO_DEPARTURE = -UNREACHABLE
#: "Unreachable" in int32 time tables (accessibility surfaces and matrices).
UNREACHABLE_I32 = np.int32(2**31 - 1)
# (durations and costs in float seconds, street searches and the planner, use math.inf itself)
