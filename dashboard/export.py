"""Itinerary exports (GeoJSON, GPX), without Streamlit."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import gpxpy.gpx


def itinerary_geojson(itinerary: Any) -> str:
    """The itinerary as a GeoJSON FeatureCollection (one LineString per leg), as text."""
    return json.dumps(itinerary.to_geojson(), ensure_ascii=False, default=str)


def itinerary_gpx(itinerary: Any, *, name: str = "Rennes") -> str:
    """The itinerary as GPX 1.1: one track, one segment per leg, with times at leg ends.

    Leg points get the leg's departure time on the first point and its arrival on
    the last; intermediate points carry no time (the planner gives none).
    """
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "spmd-mobilite"
    track = gpxpy.gpx.GPXTrack(name=f"{name} — {itinerary.label}")
    gpx.tracks.append(track)
    for leg in itinerary.legs:
        pts = list(leg.geometry or [])
        if not pts:
            continue
        seg = gpxpy.gpx.GPXTrackSegment()
        for i, (lon, lat) in enumerate(pts):
            when: datetime | None = None
            if i == 0:
                when = leg.departure
            elif i == len(pts) - 1:
                when = leg.arrival
            seg.points.append(gpxpy.gpx.GPXTrackPoint(latitude=float(lat), longitude=float(lon), time=when))
        track.segments.append(seg)
    return gpx.to_xml(version="1.1")

