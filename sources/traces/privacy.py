"""Re-identification risk, anonymisation of flows, and the only export of trace-derived data.

Risk
    :func:`assess_risk` runs scikit-mobility's ``LocationAttack``, ``UniqueLocationAttack``
    and ``HomeWorkAttack`` (``engine="skmob"``), or an exact vectorised equivalent
    (``engine="numpy"``, sparse user x location counts) for knowledge lengths 1 and 2:
    skmob re-scans every user for every instance of background knowledge, which takes
    hours for 1,000 users. Tests check both give the same risks.

Anonymisation
    :func:`anonymise_flows` generalises space (trips assigned to coarser tiles) and time
    (departure hour -> period), then suppresses every flow with fewer than ``k`` distinct
    users, and reports what was removed.

Export
    :func:`export_flows` / :func:`flows_to_csv_bytes` accept only :class:`AnonymisedFlows`,
    which only :func:`anonymise_flows` can create; raw traces, trips, stays or
    FlowDataFrames are refused with :class:`PrivacyError`, and the ``k`` invariant is
    checked again before writing.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sources.budgets import budgets
from sources.errors import SourceError

ATTACKS = ("location", "unique_location", "home_work")
RiskEngine = Literal["auto", "skmob", "numpy"]


class PrivacyError(SourceError, PermissionError):
    """Refused: the data is not an anonymised aggregate (or breaks its own ``k``)."""


# -- risk ---------------------------------------------------------------------------------

def _empty_risk() -> pd.DataFrame:
    return pd.DataFrame({"uid": pd.Series(dtype=object), "attack": pd.Series(dtype=object),
                         "risk": pd.Series(dtype=float)})


def _risk_skmob(traj: pd.DataFrame, attack: str, knowledge_length: int) -> pd.DataFrame:
    from sources.traces._skmob_compat import load_skmob, quiet

    skmob = load_skmob()
    attacks = skmob.privacy.attacks
    tdf = skmob.TrajDataFrame(traj[["uid", "lat", "lng", "datetime"]].reset_index(drop=True))
    make = {"location": lambda: attacks.LocationAttack(knowledge_length),
            "unique_location": lambda: attacks.UniqueLocationAttack(knowledge_length),
            "home_work": lambda: attacks.HomeWorkAttack()}[attack]
    with quiet():
        r = make().assess_risk(tdf)
    return pd.DataFrame({"uid": r["uid"].to_numpy(), "attack": attack,
                         "risk": r["risk"].astype(float).to_numpy()})


def _risk_numpy(traj: pd.DataFrame, attack: str, knowledge_length: int) -> pd.DataFrame:
    from scipy import sparse

    if attack != "home_work" and knowledge_length not in (1, 2):
        raise ValueError("engine='numpy' supports knowledge_length 1 and 2; use engine='skmob'")
    users, u = np.unique(traj["uid"].to_numpy(), return_inverse=True)
    loc = pd.factorize(pd.MultiIndex.from_arrays([traj["lat"].to_numpy(),
                                                  traj["lng"].to_numpy()]))[0]
    n_u, n_l = len(users), int(loc.max()) + 1
    counts = sparse.coo_matrix((np.ones(len(u)), (u, loc)), shape=(n_u, n_l)).tocsr()
    counts.sum_duplicates()
    present = (counts > 0).astype(np.int64)
    df = np.asarray(present.sum(axis=0)).ravel()
    coo = counts.tocoo()
    cu, cl, cc = coo.row, coo.col, coo.data
    if attack == "home_work":
        # HomeWorkAttack on one row per (user, location): the instance is the user's set of
        # (at most two) locations; a user matches when it holds every one of them.
        co = (present.T @ present).tocsr()
        n_loc = np.bincount(cu, minlength=n_u)
        matches = np.full(n_u, np.inf)
        one = n_loc[cu] == 1
        matches[cu[one]] = df[cl[one]]
        order = np.lexsort((cl, cu))
        su, sl = cu[order], cl[order]
        firsts = np.flatnonzero(np.r_[True, su[1:] != su[:-1]])
        two = n_loc[su[firsts]] == 2
        a, b = sl[firsts[two]], sl[firsts[two] + 1]
        matches[su[firsts[two]]] = np.asarray(co[a, b]).ravel()
        if np.any(n_loc > 2):
            raise ValueError("home_work risk expects at most two locations per user")
        return pd.DataFrame({"uid": users, "attack": attack, "risk": 1.0 / matches})
    if attack == "unique_location":
        cc = np.ones_like(cc)
    # k = 1: one location; k = 2: every pair of rows (two visits of one place need count >= 2)
    best = np.full(n_u, np.inf)
    n_rows = np.bincount(cu, weights=cc, minlength=n_u)
    single = (np.ones_like(cu, bool) if knowledge_length == 1 else n_rows[cu] == 1)
    np.minimum.at(best, cu[single], df[cl[single]])
    if knowledge_length == 2:
        twice = (counts >= 2).astype(np.int64) if attack == "location" else None
        if twice is not None:
            df2 = np.asarray(twice.sum(axis=0)).ravel()
            rep = (cc >= 2) & (n_rows[cu] > 1)
            np.minimum.at(best, cu[rep], df2[cl[rep]])
        co = (present.T @ present).tocsr()
        table = pd.DataFrame({"u": cu, "l": cl})
        pairs = table.merge(table, on="u")
        pairs = pairs.loc[pairs["l_x"] < pairs["l_y"]]
        if len(pairs):
            vals = np.asarray(co[pairs["l_x"].to_numpy(), pairs["l_y"].to_numpy()]).ravel()
            np.minimum.at(best, pairs["u"].to_numpy(), vals)
    return pd.DataFrame({"uid": users, "attack": attack, "risk": 1.0 / best})


def _use_skmob(engine: RiskEngine, data: pd.DataFrame, knowledge_length: int) -> bool:
    """Whether the risk of ``data`` runs on scikit-mobility. ``"auto"`` picks numpy wherever it
    applies (knowledge length 1 or 2, the same risks): skmob re-scans every user for every
    instance of background knowledge, a minute and more even for 50 users and 300 rows (a
    published view of few flows). Its attacks compare every user with every other (cost: the
    square of the users), so it runs only within the ``max_skmob_users`` budget: a forced
    ``"skmob"`` beyond it (or a knowledge length numpy does not cover) is refused before the
    work, naming the setting."""
    users = int(data["uid"].nunique())
    within = users <= budgets().max_skmob_users
    if engine == "numpy" or (engine == "auto" and knowledge_length in (1, 2)):
        return False
    if not within:
        why = "engine='skmob'" if engine == "skmob" else f"knowledge_length {knowledge_length} (numpy covers 1 and 2)"
        budgets().check("max_skmob_users", users, what=f"re-identification risk with {why}")
    return True


def assess_risk(traj: pd.DataFrame, *, home_work: pd.DataFrame | None = None,
                attacks: Sequence[str] = ATTACKS, knowledge_length: int = 2,
                engine: RiskEngine = "auto") -> pd.DataFrame:
    """Re-identification risk of each user under scikit-mobility's attacks.

    Locations match on exact (lat, lng): pass generalised points (tile centres), as the
    risk of raw GPS coordinates is trivially 1.

    Parameters
    ----------
    traj
        ``uid``, ``lat``, ``lng``, ``datetime``: what an adversary could see of each user.
    home_work
        ``uid``, ``home_lat``, ``home_lng``, ``work_lat``, ``work_lng`` (work may be NaN):
        the home-work attack uses one row per distinct location of each user. Without it,
        the home-work attack is skipped.
    attacks
        Among ``"location"``, ``"unique_location"``, ``"home_work"``.
    knowledge_length
        Number of points the adversary knows (location attacks).
    engine
        ``"skmob"``, ``"numpy"`` (knowledge length 1 or 2), or ``"auto"`` (numpy where it
        applies, skmob for other knowledge lengths). skmob over ``max_skmob_users`` users raises
        :class:`~sources.budgets.BudgetExceeded` before the work (its cost is quadratic).

    Returns
    -------
    DataFrame
        ``uid``, ``attack``, ``risk`` (1 / number of users matching the most revealing
        background knowledge: 1.0 means uniquely re-identified). Empty input, empty output.
    """
    if engine not in ("auto", "skmob", "numpy"):
        raise ValueError(f"engine must be 'auto', 'skmob' or 'numpy', not {engine!r}")
    unknown = set(attacks) - set(ATTACKS)
    if unknown:
        raise ValueError(f"unknown attacks {sorted(unknown)}; expected {ATTACKS}")
    frames = []
    for attack in attacks:
        if attack == "home_work":
            if home_work is None:
                continue
            data = home_work_points(home_work)
        else:
            data = pd.DataFrame(traj)[["uid", "lat", "lng", "datetime"]]
        if data.empty:
            continue
        run = _risk_skmob if _use_skmob(engine, data, knowledge_length) else _risk_numpy
        frames.append(run(data, attack, knowledge_length))
    if not frames:
        return _empty_risk()
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["attack", "uid"], kind="mergesort").reset_index(drop=True)


def home_work_points(home_work: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct home / work location of each user (``uid``, ``lat``, ``lng``, ``datetime``)."""
    hw = pd.DataFrame(home_work)
    home = pd.DataFrame({"uid": hw["uid"], "lat": hw["home_lat"], "lng": hw["home_lng"]})
    work = pd.DataFrame({"uid": hw["uid"], "lat": hw["work_lat"], "lng": hw["work_lng"]})
    out = pd.concat([home, work], ignore_index=True).dropna(subset=["lat", "lng"])
    out = out.drop_duplicates(["uid", "lat", "lng"]).sort_values("uid", kind="mergesort")
    out["datetime"] = pd.Timestamp("2000-01-01")
    return out.reset_index(drop=True)


def risk_summary(risk: pd.DataFrame) -> pd.DataFrame:
    """Per attack: ``users``, ``mean_risk``, ``share_unique`` (risk 1), ``share_over_half``."""
    if risk.empty:
        return pd.DataFrame(columns=["attack", "users", "mean_risk", "share_unique",
                                     "share_over_half"])
    g = risk.groupby("attack")["risk"]
    return pd.DataFrame({"users": g.size(), "mean_risk": g.mean(),
                         "share_unique": g.apply(lambda r: float((r >= 1.0).mean())),
                         "share_over_half": g.apply(lambda r: float((r >= 0.5).mean()))}
                        ).reset_index()


# -- anonymisation ------------------------------------------------------------------------

_TOKEN = object()
#: AnonymisedFlows issued by anonymise_flows (copies made with dataclasses.replace are not).
_ISSUED: weakref.WeakValueDictionary[int, AnonymisedFlows] = weakref.WeakValueDictionary()


@dataclass(frozen=True)
class AnonymisedFlows:
    """Flows that passed :func:`anonymise_flows`: the only thing that can be exported.

    ``flows`` columns: ``origin``, ``destination``, the time / mode keys kept, ``flow``
    (trips), ``n_users`` (distinct users, always >= ``k``).
    """

    flows: pd.DataFrame
    tessellation: Any
    k: int
    tiles: str
    temporal: str | None
    by_mode: bool
    removed: dict[str, Any]
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _TOKEN:
            raise PrivacyError("AnonymisedFlows can only be made by anonymise_flows()")


def _tiles_label(tiles: str | Any) -> str:
    return tiles if isinstance(tiles, str) else f"custom({len(tiles)} tiles)"


def anonymise_flows(trips: pd.DataFrame, *, k: int = 5, tiles: str | Any = "grid1000",
                    temporal: Literal["period", "hour"] | None = "period", by_mode: bool = True,
                    self_loops: bool = True) -> AnonymisedFlows:
    """Generalise trips in space and time, aggregate, and suppress flows under ``k`` users.

    Parameters
    ----------
    trips
        From :func:`sources.traces.flows.trips_from_stays` (``uid``, origin / destination
        coordinates, ``departure``, ``mode``).
    k
        Minimum number of distinct users of a published flow (k >= 2).
    tiles
        Tiles of the published flows (spatial generalisation): ``"grid1000"`` (1 km),
        ``"grid200"``, ``"iris"``, ``"communes"`` or a tessellation GeoDataFrame.
    temporal
        ``"period"`` (hour -> night / morning_peak / day / evening_peak / evening), ``"hour"``,
        or None (whole period).
    by_mode
        Keep the mode as a key (when trips have one).

    Returns
    -------
    AnonymisedFlows
        With ``removed``: ``trips``, ``trips_outside_tiles``, ``flows_before``,
        ``flows_suppressed``, ``flows_published``, ``trips_suppressed``, ``trips_published``,
        ``users``, ``users_fully_suppressed``, ``suppressed_by_key`` (count of suppressed
        flows per time/mode value).
    """
    from sources.traces import flows as fl

    if int(k) < 2:
        raise ValueError("k must be at least 2")
    if temporal not in ("period", "hour", None):
        raise ValueError(f"temporal must be 'period', 'hour' or None, not {temporal!r}")
    resolved = fl.resolve_tiles(tiles)
    tiled = fl.add_time_keys(fl.tile_trips(trips, resolved))
    if not self_loops:
        tiled = tiled.loc[tiled["origin"] != tiled["destination"]]
    keys = ["origin", "destination"]
    if temporal:
        keys.append(temporal)
    if by_mode and "mode" in tiled.columns and tiled["mode"].notna().any():
        keys.append("mode")
        tiled = tiled.assign(mode=tiled["mode"].fillna("unknown"))
    g = tiled.groupby(keys)
    flows = g.size().rename("flow").to_frame().join(g["uid"].nunique().rename("n_users"))
    flows = flows.reset_index()
    keep = flows["n_users"] >= k
    published = flows.loc[keep].sort_values(["flow", *keys], ascending=[False] + [True] * len(keys),
                                            kind="mergesort").reset_index(drop=True)
    kept_keys = published[keys].assign(_kept=True)
    marked = tiled.merge(kept_keys, on=keys, how="left")
    kept_trip = marked["_kept"].notna().to_numpy(bool)
    users = set(pd.unique(tiled["uid"]))
    users_kept = set(pd.unique(marked.loc[kept_trip, "uid"]))
    suppressed = flows.loc[~keep]
    by_key: dict[str, int] = {}
    for key in keys[2:]:
        by_key.update({f"{key}={v}": int(n) for v, n in suppressed[key].value_counts().items()})
    removed = {"k": int(k), "tiles": _tiles_label(tiles), "temporal": temporal,
               "trips": len(trips), "trips_outside_tiles": len(trips) - len(fl.tile_trips(
                   trips, resolved)) if len(trips) else 0,
               "flows_before": len(flows), "flows_suppressed": int((~keep).sum()),
               "flows_published": int(keep.sum()),
               "trips_suppressed": int((~kept_trip).sum()), "trips_published": int(kept_trip.sum()),
               "users": len(users), "users_fully_suppressed": len(users - users_kept),
               "suppressed_by_key": by_key}
    ids = np.concatenate([published["origin"].to_numpy(object),
                          published["destination"].to_numpy(object)])
    tess = fl.tessellation_for(ids, resolved)
    if not isinstance(resolved, str):
        tess = tess.loc[tess["tile_ID"].isin(ids)].reset_index(drop=True)
    out = AnonymisedFlows(flows=published, tessellation=tess, k=int(k), tiles=_tiles_label(tiles),
                          temporal=temporal, by_mode="mode" in keys, removed=removed,
                          _token=_TOKEN)
    _ISSUED[id(out)] = out
    return out


def published_view(trips: pd.DataFrame, anonymised: AnonymisedFlows, *,
                   tiles: str | Any) -> pd.DataFrame:
    """What the published flows could reveal of each user, as generalised points.

    For each user and published flow they contribute to (once, however many trips): its
    origin (at departure) and destination (at arrival) as the centres of the published tiles. Running the attacks on this is an upper
    bound of the risk of the aggregates (as if each user's generalised trips were published).

    Returns
    -------
    DataFrame
        ``uid``, ``lat``, ``lng``, ``datetime``.
    """
    from sources.traces import flows as fl

    resolved = fl.resolve_tiles(tiles)
    tiled = fl.add_time_keys(fl.tile_trips(trips, resolved))
    keys = [c for c in anonymised.flows.columns if c not in ("flow", "n_users")]
    if "mode" in keys:
        tiled = tiled.assign(mode=tiled["mode"].fillna("unknown"))
    kept = tiled.merge(anonymised.flows[keys], on=keys, how="inner")
    # aggregates count distinct users: a user's repeated trips on one flow reveal nothing more
    kept = kept.drop_duplicates(["uid", *keys])
    return tile_points(kept, resolved)


def tile_points(tiled_trips: pd.DataFrame, tiles: str | Any) -> pd.DataFrame:
    """Origin and destination of tiled trips as tile centres (``uid``, ``lat``, ``lng``, ``datetime``)."""
    o = pd.DataFrame({"uid": tiled_trips["uid"], "tile": tiled_trips["origin"],
                      "datetime": tiled_trips["departure"]})
    d = pd.DataFrame({"uid": tiled_trips["uid"], "tile": tiled_trips["destination"],
                      "datetime": tiled_trips["arrival"]})
    pts = pd.concat([o, d], ignore_index=True)
    lon, lat = tile_centres(pts["tile"].to_numpy(object), tiles)
    return pd.DataFrame({"uid": pts["uid"].to_numpy(), "lat": lat, "lng": lon,
                         "datetime": pd.to_datetime(pts["datetime"]).to_numpy()})


def tile_centres(ids: np.ndarray, tiles: str | Any) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of tile centres: grid cell centres, or representative points of polygons."""
    from sources.traces import flows as fl

    if len(ids) == 0:
        return np.array([], float), np.array([], float)
    if isinstance(tiles, str):
        return fl.grid_cell_centres(ids)
    reps = tiles.set_index("tile_ID").geometry.representative_point()
    pts = reps.reindex(ids)
    return pts.x.to_numpy(float), pts.y.to_numpy(float)


def home_work_on_tiles(home_work: pd.DataFrame, tiles: str | Any) -> pd.DataFrame:
    """Home and work snapped to the centres of ``tiles`` (same columns as the input)."""
    from sources.traces import flows as fl

    hw = pd.DataFrame(home_work).copy()
    resolved = fl.resolve_tiles(tiles)
    for p in ("home", "work"):
        ok = hw[f"{p}_lat"].notna().to_numpy()
        ids = np.full(len(hw), None, dtype=object)
        ids[ok] = fl.assign_tiles(hw.loc[ok, f"{p}_lng"].to_numpy(), hw.loc[ok, f"{p}_lat"].to_numpy(),
                                  resolved)
        has = np.array([i is not None for i in ids])
        lon, lat = np.full(len(hw), np.nan), np.full(len(hw), np.nan)
        if has.any():
            lon[has], lat[has] = tile_centres(ids[has], resolved)
        hw[f"{p}_tile"], hw[f"{p}_lat"], hw[f"{p}_lng"] = ids, lat, lon
    return hw


# -- export -------------------------------------------------------------------------------

def _check_exportable(obj: Any) -> AnonymisedFlows:
    if not isinstance(obj, AnonymisedFlows):
        raise PrivacyError(
            f"refusing to export {type(obj).__name__}: only anonymised aggregates "
            "(AnonymisedFlows from anonymise_flows) can leave the service")
    if _ISSUED.get(id(obj)) is not obj:
        raise PrivacyError("these flows were not issued by anonymise_flows (copied or altered): "
                           "refusing to export")
    f = obj.flows
    if obj.k < 2:
        raise PrivacyError(f"k={obj.k} is not an anonymisation: refusing to export")
    if "uid" in f.columns or "n_users" not in f.columns or (f["n_users"] < obj.k).any():
        raise PrivacyError(f"flows break their own k={obj.k}: refusing to export")
    return obj


def flows_to_csv_bytes(anonymised: AnonymisedFlows) -> bytes:
    """CSV (UTF-8) of anonymised flows; refuses anything else (:class:`PrivacyError`)."""
    a = _check_exportable(anonymised)
    return a.flows.to_csv(index=False).encode("utf-8")


def flows_to_geojson(anonymised: AnonymisedFlows) -> dict[str, Any]:
    """FeatureCollection of LineStrings (origin centre -> destination centre), one per flow."""
    a = _check_exportable(anonymised)
    f = a.flows
    tiles: str | Any = a.tiles if a.tiles.startswith("grid") else a.tessellation
    olon, olat = tile_centres(f["origin"].to_numpy(object), tiles)
    dlon, dlat = tile_centres(f["destination"].to_numpy(object), tiles)
    feats = []
    for i, row in enumerate(f.to_dict("records")):
        props = {k: (int(v) if isinstance(v, np.integer) else v) for k, v in row.items()}
        feats.append({"type": "Feature", "properties": props, "geometry": {
            "type": "LineString", "coordinates": [[round(float(olon[i]), 6), round(float(olat[i]), 6)],
                                                  [round(float(dlon[i]), 6), round(float(dlat[i]), 6)]]}})
    return {"type": "FeatureCollection", "features": feats,
            "properties": {"k": a.k, "tiles": a.tiles, "temporal": a.temporal,
                           "removed": a.removed, "anonymised": True}}


def export_flows(anonymised: AnonymisedFlows, path: str | Path) -> Path:
    """Write anonymised flows to ``.csv`` or ``.geojson``; anything else is refused.

    Raises
    ------
    PrivacyError
        ``anonymised`` is not an :class:`AnonymisedFlows` (raw traces, trips, FlowDataFrame,
        ...) or has a flow under its ``k``.
    """
    _check_exportable(anonymised)
    path = Path(path)
    if path.suffix.lower() == ".csv":
        data = flows_to_csv_bytes(anonymised)
    elif path.suffix.lower() in (".geojson", ".json"):
        data = json.dumps(flows_to_geojson(anonymised), ensure_ascii=False,
                          default=str).encode("utf-8")
    else:
        raise ValueError(f"export format must be .csv or .geojson, not {path.suffix!r}")
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
