"""One call per action: traces in, anonymised flows and risk before / after out.

:func:`analyse_traces` chains :mod:`clean` (filter, compression, stays, home / work),
:mod:`flows` (trips, tiles) and :mod:`privacy` (anonymisation, attacks), in two stages: what does
not depend on the anonymisation's parameters (:func:`prepare_traces`), then the anonymisation
and the risk after (:func:`anonymise_prepared`), so that another ``k`` starts from the first. The dashboard
page and the benchmark call it; tests call it on tiny traces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from sources.traces import clean as cl
from sources.traces import flows as fl
from sources.traces import privacy as pv


@dataclass
class TracesAnalysis:
    """Everything :func:`analyse_traces` computed.

    Only ``anonymised`` may leave the service (see :func:`privacy.export_flows`); the other
    fields are for display inside the service and are refused by the export.
    """

    steps: dict[str, int]
    stays: Any
    trips: pd.DataFrame
    home_work: pd.DataFrame
    fine_flows: Any  # FlowDataFrame on the fine tiles, before anonymisation (not exportable)
    anonymised: pv.AnonymisedFlows
    risk_before: pd.DataFrame
    risk_after: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def risk_table(self) -> pd.DataFrame:
        """``attack``, ``stage`` (before / after), ``users``, ``mean_risk``, ``share_unique``,
        ``share_over_half``."""
        b = pv.risk_summary(self.risk_before).assign(stage="before")
        a = pv.risk_summary(self.risk_after).assign(stage="after")
        out = pd.concat([b, a], ignore_index=True)
        return out[["attack", "stage", "users", "mean_risk", "share_unique", "share_over_half"]]


@dataclass
class PreparedTraces:
    """What an analysis computes before anonymisation (:func:`prepare_traces`): the same whatever
    ``k``, the published zones and time, so that an analysis with other such parameters starts
    from it. Not exportable (stays, trips)."""

    cleaned: Any
    trips: pd.DataFrame
    home_work: pd.DataFrame
    fine_flows: Any
    risk_before: pd.DataFrame
    users: np.ndarray
    knowledge_length: int
    risk_engine: pv.RiskEngine


def prepare_traces(tdf: pd.DataFrame, *, fine_tiles: str | Any = "grid200", knowledge_length: int = 2,
                   max_speed_kmh: float = 200.0, compress_radius_km: float = 0.02,
                   minutes_for_a_stop: float = 20.0, stay_radius_km: float = 0.2, engine: cl.Engine = "auto",
                   risk_engine: pv.RiskEngine = "auto") -> PreparedTraces:
    """Clean, detect stays, trips and home / work, and measure the risk *before* (see
    :func:`analyse_traces`)."""
    cleaned = cl.clean_traces(tdf, max_speed_kmh=max_speed_kmh,
                              compress_radius_km=compress_radius_km,
                              minutes_for_a_stop=minutes_for_a_stop, stay_radius_km=stay_radius_km,
                              engine=engine)
    stays = cleaned.stays
    trips = fl.trips_from_stays(stays, cleaned.points)
    hw = cl.home_work_locations(stays, engine=engine)
    fine = fl.resolve_tiles(fine_tiles)
    by = [c for c in ("mode", "hour") if c != "mode" or trips["mode"].notna().any()]
    fine_flows = fl.od_flows(trips, fine, by=by) if len(trips) else None
    stays_fine = pd.DataFrame(stays)[["uid", "lat", "lng", "datetime"]].copy()
    ids = fl.assign_tiles(stays_fine["lng"].to_numpy(), stays_fine["lat"].to_numpy(), fine)
    inside = np.array([i is not None for i in ids], dtype=bool)
    stays_fine = stays_fine.loc[inside]
    lon, lat = pv.tile_centres(ids[inside], fine)
    stays_fine["lat"], stays_fine["lng"] = lat, lon
    hw_fine = pv.home_work_on_tiles(hw, fine) if len(hw) else None
    risk_before = pv.assess_risk(stays_fine, home_work=hw_fine, knowledge_length=knowledge_length,
                                 engine=risk_engine)
    return PreparedTraces(cleaned=cleaned, trips=trips, home_work=hw, fine_flows=fine_flows,
                          risk_before=risk_before, users=pd.unique(pd.DataFrame(tdf)["uid"]),
                          knowledge_length=knowledge_length, risk_engine=risk_engine)


def anonymise_prepared(prepared: PreparedTraces, *, k: int = 5, coarse_tiles: str | Any = "grid1000",
                       temporal: Literal["period", "hour"] | None = "period",
                       by_mode: bool = True) -> TracesAnalysis:
    """Anonymise prepared traces and measure the risk *after* (see :func:`analyse_traces`)."""
    notes: list[str] = []
    trips, hw, cleaned = prepared.trips, prepared.home_work, prepared.cleaned
    coarse = fl.resolve_tiles(coarse_tiles)
    anonymised = pv.anonymise_flows(trips, k=k, tiles=coarse, temporal=temporal, by_mode=by_mode)
    if isinstance(coarse_tiles, str):
        anonymised.removed["tiles"] = coarse_tiles
    view = pv.published_view(trips, anonymised, tiles=coarse) if len(trips) else \
        pd.DataFrame(columns=["uid", "lat", "lng", "datetime"])
    hw_after = None
    if len(hw) and len(view):
        hw_c = pv.home_work_on_tiles(hw, coarse)
        seen = set(zip(view["uid"], view["lat"], view["lng"], strict=True))
        for p in ("home", "work"):
            ok = [(u, la, lo) in seen for u, la, lo in zip(hw_c["uid"], hw_c[f"{p}_lat"],
                                                           hw_c[f"{p}_lng"], strict=True)]
            hw_c.loc[~np.array(ok, dtype=bool), [f"{p}_lat", f"{p}_lng"]] = np.nan
        hw_after = hw_c.loc[hw_c["home_lat"].notna() | hw_c["work_lat"].notna()].copy()
        # a user with only work published: keep it as the single known place
        only_work = hw_after["home_lat"].isna()
        hw_after.loc[only_work, ["home_lat", "home_lng"]] = hw_after.loc[
            only_work, ["work_lat", "work_lng"]].to_numpy()
    risk_after = pv.assess_risk(view, home_work=hw_after, knowledge_length=prepared.knowledge_length,
                                engine=prepared.risk_engine)
    risk_after = _fill_absent(risk_after, prepared.risk_before, prepared.users)
    if not len(trips):
        notes.append("no trip found: nobody has two stays")
    fine_flows = prepared.fine_flows
    steps = {**cleaned.steps, "users": len(prepared.users), "trips": len(trips),
             "flows_fine": 0 if fine_flows is None else len(fine_flows),
             "flows_published": len(anonymised.flows)}
    return TracesAnalysis(steps=steps, stays=cleaned.stays, trips=trips, home_work=hw,
                          fine_flows=fine_flows, anonymised=anonymised, risk_before=prepared.risk_before,
                          risk_after=risk_after, notes=notes)


def analyse_traces(tdf: pd.DataFrame, *, k: int = 5, fine_tiles: str | Any = "grid200",
                   coarse_tiles: str | Any = "grid1000",
                   temporal: Literal["period", "hour"] | None = "period", by_mode: bool = True,
                   knowledge_length: int = 2, max_speed_kmh: float = 200.0,
                   compress_radius_km: float = 0.02, minutes_for_a_stop: float = 20.0,
                   stay_radius_km: float = 0.2, engine: cl.Engine = "auto",
                   risk_engine: pv.RiskEngine = "auto") -> TracesAnalysis:
    """Clean, detect stays and trips, aggregate, anonymise and measure the risk before / after:
    :func:`prepare_traces` then :func:`anonymise_prepared`.

    Risk *before*: stays on the centres of ``fine_tiles`` (what fine, unsuppressed
    aggregates would reveal) and home / work on the same tiles. Risk *after*: the origins and
    destinations of trips that survived suppression, on the centres of ``coarse_tiles``
    (:func:`privacy.published_view`), and home / work on ``coarse_tiles`` where they appear
    in the published trips; users absent from the published flows have risk 0.

    Returns
    -------
    TracesAnalysis
    """
    prepared = prepare_traces(tdf, fine_tiles=fine_tiles, knowledge_length=knowledge_length,
                              max_speed_kmh=max_speed_kmh, compress_radius_km=compress_radius_km,
                              minutes_for_a_stop=minutes_for_a_stop, stay_radius_km=stay_radius_km,
                              engine=engine, risk_engine=risk_engine)
    return anonymise_prepared(prepared, k=k, coarse_tiles=coarse_tiles, temporal=temporal, by_mode=by_mode)


def _fill_absent(after: pd.DataFrame, before: pd.DataFrame, users: np.ndarray) -> pd.DataFrame:
    """Users assessed before but absent after (nothing of them published) get risk 0."""
    if before.empty:
        return after
    have = set(zip(after["attack"], after["uid"], strict=True))
    missing = [(a, u) for a, u in zip(before["attack"], before["uid"], strict=True) if (a, u) not in have]
    if not missing:
        return after
    extra = pd.DataFrame({"uid": [u for _, u in missing], "attack": [a for a, _ in missing],
                          "risk": 0.0})
    out = pd.concat([after, extra], ignore_index=True) if len(after) else extra
    return out.sort_values(["attack", "uid"], kind="mergesort").reset_index(drop=True)


def arcs_table(anonymised: pv.AnonymisedFlows) -> pd.DataFrame:
    """Arcs for a map, built from the *anonymised* flows only (via their GeoJSON export).

    Returns
    -------
    DataFrame
        ``source`` [lon, lat], ``target`` [lon, lat], ``flow``, ``n_users``, ``width``
        (1..12 px, by flow), ``name`` (origin -> destination), ``info`` (keys and counts).
    """
    feats = pv.flows_to_geojson(anonymised)["features"]
    cols = ["source", "target", "flow", "n_users", "width", "name", "info"]
    if not feats:
        return pd.DataFrame(columns=cols)
    rows = []
    top = max(f["properties"]["flow"] for f in feats)
    for f in feats:
        p = f["properties"]
        keys = ", ".join(f"{k}: {v}" for k, v in p.items()
                         if k not in ("origin", "destination", "flow", "n_users"))
        rows.append({"source": f["geometry"]["coordinates"][0],
                     "target": f["geometry"]["coordinates"][1], "flow": p["flow"],
                     "n_users": p["n_users"], "width": 1 + 11 * p["flow"] / top,
                     "name": f"{p['origin']} → {p['destination']}",
                     "info": f"{keys}<br/>trips: {p['flow']}, users: {p['n_users']}"})
    return pd.DataFrame(rows, columns=cols)
