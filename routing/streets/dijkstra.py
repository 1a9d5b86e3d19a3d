"""Dijkstra on a CSR graph, compiled with numba (binary heap with lazy deletion).

The kernels take plain arrays and know nothing of streets: see :mod:`routing.streets.graph`.
Compilation happens on the first call (``cache=True`` keeps the machine code on disk).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _push(keys: np.ndarray, vals: np.ndarray, size: int, key: float, val: int) -> int:
    i = size
    keys[i] = key
    vals[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        vals[i] = vals[parent]
        i = parent
    keys[i] = key
    vals[i] = val
    return size + 1


@njit(cache=True, nogil=True, inline="always")
def _pop(keys: np.ndarray, vals: np.ndarray, size: int) -> int:
    """Remove the root (read keys[0], vals[0] before calling); return the new size."""
    size -= 1
    if size == 0:
        return 0
    key = keys[size]
    val = vals[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        right = child + 1
        if right < size and keys[right] < keys[child]:
            child = right
        if keys[child] >= key:
            break
        keys[i] = keys[child]
        vals[i] = vals[child]
        i = child
    keys[i] = key
    vals[i] = val
    return size


@njit(cache=True, nogil=True)
def dijkstra_csr(indptr: np.ndarray, indices: np.ndarray, cost: np.ndarray, time_s: np.ndarray,
                 length_m: np.ndarray, sources: np.ndarray, initial_cost: np.ndarray,
                 target: int, cutoff: float):
    """Multi-source Dijkstra minimising ``cost``; also accumulates ``time_s`` and ``length_m``.

    Parameters
    ----------
    indptr, indices, cost, time_s, length_m
        CSR adjacency (arc ``e`` goes from the row owning ``e`` to ``indices[e]``).
    sources, initial_cost
        Start nodes and their initial costs (the initial time is the initial cost, the
        initial length 0).
    target
        Stop as soon as this node is settled (-1: settle everything).
    cutoff
        Nodes whose cost would exceed this are not reached.

    Returns
    -------
    dist, time, length : float64 arrays (inf when not reached)
    pred : int64, the CSR arc used to reach each node (-1 for sources and unreached nodes)
    root : int64, index in ``sources`` of the source each node was reached from (-1)
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    tim = np.full(n, np.inf)
    lng = np.full(n, np.inf)
    pred = np.full(n, -1, np.int64)
    root = np.full(n, -1, np.int64)
    done = np.zeros(n, np.bool_)
    capacity = indices.shape[0] + sources.shape[0] + 1
    keys = np.empty(capacity, np.float64)
    vals = np.empty(capacity, np.int64)
    size = 0
    for s in range(sources.shape[0]):
        node = sources[s]
        c = initial_cost[s]
        if c < dist[node] and c <= cutoff:
            dist[node] = c
            tim[node] = c
            lng[node] = 0.0
            root[node] = s
            pred[node] = -1
            size = _push(keys, vals, size, c, node)
    while size > 0:
        d = keys[0]
        u = vals[0]
        size = _pop(keys, vals, size)
        if done[u] or d > dist[u]:
            continue
        done[u] = True
        if u == target:
            break
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + cost[e]
            if nd < dist[v] and nd <= cutoff:
                dist[v] = nd
                tim[v] = tim[u] + time_s[e]
                lng[v] = lng[u] + length_m[e]
                pred[v] = e
                root[v] = root[u]
                size = _push(keys, vals, size, nd, v)
    return dist, tim, lng, pred, root


@njit(cache=True, nogil=True)
def dijkstra_settle(indptr: np.ndarray, indices: np.ndarray, cost: np.ndarray, time_s: np.ndarray,
                    source: int, cutoff: float, gen: int, seen: np.ndarray, closed: np.ndarray,
                    dist: np.ndarray, tim: np.ndarray, keys: np.ndarray, vals: np.ndarray,
                    settled: np.ndarray) -> int:
    """One-source Dijkstra minimising ``cost`` up to ``cutoff``, on reused work arrays.

    The same search as :func:`dijkstra_csr` from ``source`` (initial cost 0, no target), but it
    touches only what it reaches: ``seen``/``closed`` are int64 generation stamps (a node's
    ``dist``/``tim`` count only where ``seen`` equals ``gen``, which the caller increases before
    each call), and the settled nodes are written in order to ``settled``.

    Returns the number of settled nodes; ``tim[settled[k]]`` is the true time along the path.
    """
    seen[source] = gen
    dist[source] = 0.0
    tim[source] = 0.0
    size = _push(keys, vals, 0, 0.0, source)
    count = 0
    while size > 0:
        d = keys[0]
        u = vals[0]
        size = _pop(keys, vals, size)
        if closed[u] == gen or d > dist[u]:
            continue
        closed[u] = gen
        settled[count] = u
        count += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + cost[e]
            if (seen[v] != gen or nd < dist[v]) and nd <= cutoff:
                seen[v] = gen
                dist[v] = nd
                tim[v] = tim[u] + time_s[e]
                size = _push(keys, vals, size, nd, v)
    return count


@njit(cache=True, nogil=True, inline="always")
def _bound(v: int, x: np.ndarray, y: np.ndarray, tx: float, ty: float, rate: float, lm_from: np.ndarray,
           lm_to: np.ndarray, t_from: np.ndarray, t_to: np.ndarray) -> float:
    """The A* lower bound of :func:`astar_path` at node ``v`` (NaN terms are skipped)."""
    h = rate * np.sqrt((x[v] - tx) ** 2 + (y[v] - ty) ** 2)
    for i in range(lm_from.shape[1]):
        a = t_from[i] - lm_from[v, i]
        if a > h:
            h = a
        b = lm_to[v, i] - t_to[i]
        if b > h:
            h = b
    return h


@njit(cache=True, nogil=True)
def astar_path(indptr: np.ndarray, indices: np.ndarray, tails: np.ndarray, cost: np.ndarray, time_s: np.ndarray,
               length_m: np.ndarray, x: np.ndarray, y: np.ndarray, rate: float, lm_from: np.ndarray,
               lm_to: np.ndarray, t_from: np.ndarray, t_to: np.ndarray, source: int,
               target: int, gen: int, seen: np.ndarray, closed: np.ndarray, dist: np.ndarray,
               tim: np.ndarray, lng: np.ndarray, pred: np.ndarray, keys: np.ndarray, vals: np.ndarray):
    """One-to-one A* from ``source`` to ``target`` minimising ``cost``, guided by a lower bound of
    the cost left: the largest of ``rate`` x (straight distance in the plane to the target) and
    the landmark bounds (ALT) ``t_from[i] - lm_from[v, i]`` and ``lm_to[v, i] - t_to[i]``.

    ``rate`` must not exceed ``cost[e] / |xy(tail) - xy(head)|`` for any arc ``e``; ``lm_from``
    (``lm_to``) holds the costs from (to) each landmark, (n, k), k may be 0; ``t_from`` / ``t_to``
    are the target's rows, lowered / raised by a small margin against rounding (-inf / +inf where
    the target is not reached). Each bound is then consistent, and the cost found is Dijkstra's.

    The work arrays (``seen``, ``closed``: int64 generation stamps; ``dist``, ``tim``, ``lng``,
    ``pred`` over nodes; ``keys``, ``vals``: heap of at least len(indices) + 2) are reused from
    call to call without being cleared: a node's entries count only where its stamp equals
    ``gen``, which the caller increases before each call. So a short search costs what it
    settles, not the size of the graph.

    Returns
    -------
    cost, time, length : float (inf when ``target`` is not reached)
    arcs : int64 array, the CSR arcs of the path in order (empty when not reached or source == target)
    """
    tx = x[target]
    ty = y[target]
    seen[source] = gen
    dist[source] = 0.0
    tim[source] = 0.0
    lng[source] = 0.0
    pred[source] = -1
    size = _push(keys, vals, 0, _bound(source, x, y, tx, ty, rate, lm_from, lm_to, t_from, t_to), source)
    found = False
    while size > 0:
        u = vals[0]
        size = _pop(keys, vals, size)
        if closed[u] == gen:
            continue
        closed[u] = gen
        if u == target:
            found = True
            break
        d = dist[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if closed[v] == gen:
                continue
            nd = d + cost[e]
            if seen[v] != gen or nd < dist[v]:
                seen[v] = gen
                dist[v] = nd
                tim[v] = tim[u] + time_s[e]
                lng[v] = lng[u] + length_m[e]
                pred[v] = e
                h = _bound(v, x, y, tx, ty, rate, lm_from, lm_to, t_from, t_to)
                size = _push(keys, vals, size, nd + h, v)
    if not found:
        return np.inf, np.inf, np.inf, np.empty(0, np.int64)
    return dist[target], tim[target], lng[target], trace_arcs(pred, tails, target)


@njit(cache=True, nogil=True)
def trace_arcs(pred: np.ndarray, tails: np.ndarray, target: int) -> np.ndarray:
    """CSR arcs from the tree's root to ``target`` (empty when ``target`` is a root)."""
    count = 0
    node = target
    while pred[node] >= 0:
        count += 1
        node = tails[pred[node]]
    out = np.empty(count, np.int64)
    node = target
    for i in range(count - 1, -1, -1):
        out[i] = pred[node]
        node = tails[pred[node]]
    return out
