"""Plane geometry for outlines: simplification, clipping, areas, point in ring (numpy only).

Used by the maps (simplifying outlines to the map's pixels) and by the converter that made the
package's outline files (:mod:`sim.plots.geodata.convert_world_atlas`).
"""

from __future__ import annotations

import numpy as np


def simplify(pts: np.ndarray, tol: float) -> np.ndarray:
    """Douglas–Peucker with tolerance ``tol``, keeping both end points (a closed line is split at its far point)."""
    n = len(pts)
    if n < 3 or tol <= 0:
        return pts
    if np.array_equal(pts[0], pts[-1]):
        far = int(np.argmax(np.hypot(*(pts - pts[0]).T)))
        if far == 0:
            return pts[[0, -1]]
        return np.concatenate([simplify(pts[: far + 1], tol), simplify(pts[far:], tol)[1:]])
    keep = np.zeros(n, dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        chord = pts[j] - pts[i]
        rel = pts[i + 1: j] - pts[i]
        length = float(np.hypot(*chord))
        dist = np.hypot(*rel.T) if length == 0 else np.abs(chord[0] * rel[:, 1] - chord[1] * rel[:, 0]) / length
        k = int(np.argmax(dist))
        if dist[k] > tol:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return pts[keep]


def clip_ring(ring: np.ndarray, box) -> np.ndarray:
    """Sutherland–Hodgman clip of a closed ring to ``box`` = (x0, y0, x1, y1); empty when it is outside."""
    pts = ring[:-1]
    for axis, limit, keep_above in ((0, box[0], True), (0, box[2], False), (1, box[1], True), (1, box[3], False)):
        if not len(pts):
            break
        out = []
        prev = pts[-1]
        prev_in = prev[axis] >= limit if keep_above else prev[axis] <= limit
        for cur in pts:
            cur_in = cur[axis] >= limit if keep_above else cur[axis] <= limit
            if cur_in != prev_in:
                out.append(prev + (limit - prev[axis]) / (cur[axis] - prev[axis]) * (cur - prev))
            if cur_in:
                out.append(cur)
            prev, prev_in = cur, cur_in
        pts = np.asarray(out, dtype=float).reshape(-1, 2)
    return np.vstack([pts, pts[:1]]) if len(pts) >= 3 else np.empty((0, 2))


def clip_line(line: np.ndarray, box) -> list[np.ndarray]:
    """The pieces of a polyline that run through ``box`` = (x0, y0, x1, y1), each with one point beyond a cut end."""
    x, y = line[:, 0], line[:, 1]
    within = (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])
    near = within.copy()
    near[1:] |= within[:-1]
    near[:-1] |= within[1:]
    pieces, start = [], None
    for k, flag in enumerate([*near, False]):
        if flag and start is None:
            start = k
        elif not flag and start is not None:
            if k - start >= 2:
                pieces.append(line[start:k])
            start = None
    return pieces


def signed_area(ring: np.ndarray) -> float:
    """Shoelace area of a closed ring: positive when counter-clockwise (with y up)."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def inside(point, ring: np.ndarray) -> bool:
    """Whether ``point`` lies inside a closed ring (even-odd rule)."""
    x, y = point
    xa, ya, xb, yb = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
    crosses = (ya > y) != (yb > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = xa + (y - ya) * (xb - xa) / (yb - ya)
    return bool(np.count_nonzero(crosses & (x < at)) % 2)


def bbox_meets(pts: np.ndarray, box, margin: float = 0.0) -> bool:
    """Whether the bounding box of ``pts`` meets ``box`` = (x0, y0, x1, y1) widened by ``margin``."""
    return not (pts[:, 0].max() < box[0] - margin or pts[:, 0].min() > box[2] + margin
                or pts[:, 1].max() < box[1] - margin or pts[:, 1].min() > box[3] + margin)
