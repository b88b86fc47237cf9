"""Chips of a system for the mapper: which chip each slice goes to (the first stage of the ``hierarchical`` placer).

A system (``cfg.system``, :class:`chip_configs.schema.SystemConfig`) is ``chips_x`` x ``chips_y`` identical chips
of ``C`` cores each. Under dimension-order routing (XY or YX) a packet from chip ``p`` to chip ``q`` crosses
exactly ``D[p, q] = |px - qx| + |py - qy|`` chip edges (each one an off-chip link), so the chip-level cost of an
assignment ``chip[s]`` of slices to chips is::

    cost(chip) = sum over slice pairs (a, b) of traffic[a, b] * D[chip[a], chip[b]]   [off-chip link crossings per tick]

with ``traffic`` the slice graph of :class:`mapping.placement.Traffic` (packets per tick both ways). Every chip
holds at most ``C`` slices (one per core). :func:`assign_chips` minimises it in two steps, deterministically:

1. *growth*: the fewest chips that hold every slice, ``k = ceil(n / C)``, taken nearest the system's centre
   (:meth:`ChipGrid.order`); each is filled in turn with the unassigned slice that sends most traffic to the
   slices already on it (the heaviest unassigned slice when none does);
2. *refinement* (Kernighan-Lin / Fiduccia-Mattheyses style, on whole chips): a slice moves to the chip where its
   traffic costs least if that chip has a free core, else it swaps with the slice of that chip whose own move
   back gains most, when the exact change of the cost is negative (a swap of two neighbours ``s``, ``t`` gains
   ``g_s + g_t - 2 w_st D[p, q]``); passes repeat until none improves (at most ``max_passes``).

Cost is kept per slice and chip in ``TD = T @ D`` (``T[s, c]``: traffic of slice ``s`` to the slices on chip
``c``), updated along the moved slice's neighbour list only, so a pass is ``O(n (n + degree x chips))``.

Within a chip, a slice's traffic to other chips is kept as :class:`Anchors`: fixed points in the chip's local
coordinates that the within-chip placers pull towards. For a neighbour on a chip to the east the hop count
``gx_t - gx_s`` is ``const - lx_s`` exactly, as to a point just beyond the east edge (``lx = chip_width``);
likewise west (``-1``), north and south; along an axis where both chips share the column (row) the point is
the neighbour's own local coordinate when its chip is placed already, else the chip's middle (an estimate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_EPS = 1e-9  # a gain must beat this to be taken (floating sums of the same terms in another order)


@dataclass(frozen=True)
class ChipGrid:
    """The chips of a system as the mapper sees them: ``chips_x`` x ``chips_y``, ``capacity`` cores each."""

    chips_x: int
    chips_y: int
    capacity: int

    @classmethod
    def from_config(cls, cfg) -> ChipGrid:
        s = cfg.system
        if s is None:
            return cls(1, 1, cfg.num_cores)
        return cls(s.chips_x, s.chips_y, cfg.cores_per_chip)

    @property
    def n_chips(self) -> int:
        return self.chips_x * self.chips_y

    def coords(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of every chip id ``j * chips_x + i`` (int64)."""
        c = np.arange(self.n_chips, dtype=np.int64)
        return c % self.chips_x, c // self.chips_x

    def distance(self) -> np.ndarray:
        """``D[p, q]``: chip edges a packet from chip p to chip q crosses (int64 [chips, chips])."""
        x, y = self.coords()
        return np.abs(x[:, None] - x[None, :]) + np.abs(y[:, None] - y[None, :])

    def order(self) -> np.ndarray:
        """Chip ids by distance of the chip from the system's centre, ties by id: the first k are compact."""
        x, y = self.coords()
        d = np.abs(x - (self.chips_x - 1) / 2) + np.abs(y - (self.chips_y - 1) / 2)
        return np.lexsort((np.arange(self.n_chips), d))


@dataclass(frozen=True)
class Adjacency:
    """The slice graph as CSR: neighbours ``nb[ptr[s]:ptr[s+1]]`` of slice s with weights ``w`` (both ways)."""

    ptr: np.ndarray
    nb: np.ndarray
    w: np.ndarray

    @classmethod
    def from_edges(cls, n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> Adjacency:
        src = np.concatenate([a, b]).astype(np.int64)
        dst = np.concatenate([b, a]).astype(np.int64)
        ww = np.concatenate([w, w]).astype(np.float64)
        order = np.argsort(src, kind="stable")
        ptr = np.searchsorted(src[order], np.arange(n + 1)).astype(np.int64)
        return cls(ptr, dst[order], ww[order])

    def of(self, s: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.ptr[s], self.ptr[s + 1]
        return self.nb[lo:hi], self.w[lo:hi]

    def totals(self) -> np.ndarray:
        """Traffic of every slice (sum of its edge weights)."""
        n = self.ptr.size - 1
        return np.bincount(np.repeat(np.arange(n), np.diff(self.ptr)), weights=self.w, minlength=n)


def chip_cost(adj: Adjacency, chip: np.ndarray, dist: np.ndarray) -> float:
    """``sum traffic * D`` over the slice graph (each undirected edge once)."""
    src = np.repeat(np.arange(adj.ptr.size - 1), np.diff(adj.ptr))
    return float(np.sum(adj.w * dist[chip[src], chip[adj.nb]])) / 2.0


def grow(adj: Adjacency, n: int, chips: np.ndarray, capacity: int) -> np.ndarray:
    """Fill ``chips`` in order, each with the slices most connected to it (step 1 of the module docstring)."""
    total = adj.totals()
    chip = np.full(n, -1, np.int64)
    left = n
    for c in chips.tolist():
        pull = np.zeros(n)
        for _ in range(min(capacity, left)):
            s = int(np.argmax(np.where(chip < 0, pull + _EPS * total, -np.inf)))
            chip[s] = c
            nb, w = adj.of(s)
            np.add.at(pull, nb, w)
        left -= min(capacity, left)
        if not left:
            break
    return chip


class _Refiner:
    """Moves and swaps of slices between chips with the exact cost change (step 2 of the module docstring)."""

    def __init__(self, adj: Adjacency, chip: np.ndarray, dist: np.ndarray, capacity: int):
        self.adj, self.chip, self.dist, self.capacity = adj, chip.copy(), dist.astype(np.float64), capacity
        n, n_chips = chip.size, dist.shape[0]
        src = np.repeat(np.arange(n), np.diff(adj.ptr))
        t = np.zeros((n, n_chips))
        np.add.at(t, (src, chip[adj.nb]), adj.w)
        self.td = t @ self.dist  # td[s, c]: cost of slice s's edges were s on chip c
        self.load = np.bincount(chip, minlength=n_chips)

    def gains(self, s: int) -> np.ndarray:
        """Cost saved by moving slice s to each chip (0 for its own)."""
        return self.td[s, self.chip[s]] - self.td[s]

    def move(self, s: int, c: int) -> None:
        old = int(self.chip[s])
        nb, w = self.adj.of(s)
        self.td[nb] += w[:, None] * (self.dist[c] - self.dist[old])[None, :]
        self.chip[s] = c
        self.load[old] -= 1
        self.load[c] += 1

    def edge(self, s: int, t: int) -> float:
        nb, w = self.adj.of(s)
        return float(w[nb == t].sum())

    def try_slice(self, s: int) -> bool:
        """Move or swap slice s where that lowers the cost; whether it did."""
        g = self.gains(s)
        c = int(np.argmax(g))
        if g[c] <= _EPS:
            return False
        if self.load[c] < self.capacity:
            self.move(s, c)
            return True
        p = int(self.chip[s])
        members = np.flatnonzero(self.chip == c)
        back = self.td[members, c] - self.td[members, p]
        t = int(members[int(np.argmax(back))])
        gain = g[c] + float(back.max()) - 2.0 * self.edge(s, t) * self.dist[p, c]
        if gain <= _EPS:
            return False
        self.move(s, c)
        self.move(t, p)
        return True

    def run(self, max_passes: int) -> np.ndarray:
        for _ in range(max_passes):
            best = (self.td[np.arange(self.chip.size), self.chip][:, None] - self.td).max(axis=1)
            order = np.lexsort((np.arange(best.size), -best))
            changed = sum(self.try_slice(int(s)) for s in order[best[order] > _EPS].tolist())
            if not changed:
                break
        return self.chip


def assign_chips(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, grid: ChipGrid,
                 max_passes: int = 8) -> np.ndarray:
    """Chip id of each of ``n`` slices, at most ``grid.capacity`` per chip, minimising :func:`chip_cost`.

    ``(a, b, w)`` are the slice graph's undirected edges (:class:`mapping.placement.Traffic`). Deterministic
    (no random choice: ties go to the lowest index).
    """
    adj = Adjacency.from_edges(n, np.asarray(a), np.asarray(b), np.asarray(w))
    k = -(-n // grid.capacity) if n else 0
    chip = grow(adj, n, grid.order()[:k], grid.capacity)
    if grid.n_chips == 1 or n == 0 or adj.w.size == 0:
        return chip
    return _Refiner(adj, chip, grid.distance(), grid.capacity).run(max_passes)


@dataclass(frozen=True)
class Anchors:
    """Traffic of a chip's slices to fixed points (chip-local router coordinates, possibly just outside the
    chip): CSR over the chip's slices, ``x[ptr[s]:ptr[s+1]]``, ``y``, ``w`` [packets per tick]. The cost of
    slice s at router (x, y) is ``sum w (|x - ax| + |y - ay|)`` [packet-hops per tick]."""

    ptr: np.ndarray
    x: np.ndarray
    y: np.ndarray
    w: np.ndarray

    def has(self, s: int) -> bool:
        return bool(self.ptr[s + 1] > self.ptr[s])

    def cost(self, s: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Cost of slice ``s`` at each of the positions ``(x, y)`` (arrays of one shape)."""
        lo, hi = self.ptr[s], self.ptr[s + 1]
        x, y = np.asarray(x, np.float64)[..., None], np.asarray(y, np.float64)[..., None]
        return (self.w[lo:hi] * (np.abs(x - self.x[lo:hi]) + np.abs(y - self.y[lo:hi]))).sum(axis=-1)

    def weights(self) -> np.ndarray:
        """Anchor traffic of every slice."""
        n = self.ptr.size - 1
        return np.bincount(np.repeat(np.arange(n), np.diff(self.ptr)), weights=self.w, minlength=n)


def chip_anchors(members: np.ndarray, c: int, chip: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray,
                 grid_x: int, width: int, height: int, local_x: np.ndarray, local_y: np.ndarray) -> Anchors:
    """The :class:`Anchors` of chip ``c``'s slices ``members`` (module docstring): every edge ``(a, b, w)`` with
    one end on chip ``c``; ``local_x/y`` the chip-local router coordinates of slices already placed (NaN:
    not yet)."""
    inside, outside = chip[a] == c, chip[b] == c
    one = inside ^ outside
    s = np.where(inside, a, b)[one]
    t = np.where(inside, b, a)[one]
    ww = np.asarray(w, np.float64)[one]
    ci, cj, qi, qj = c % grid_x, c // grid_x, chip[t] % grid_x, chip[t] // grid_x

    def point(q, mine, size, known):
        mid = np.where(np.isnan(known), (size - 1) / 2.0, known)
        return np.where(q < mine, -1.0, np.where(q > mine, float(size), mid))

    ax, ay = point(qi, ci, width, local_x[t]), point(qj, cj, height, local_y[t])
    local = np.full(chip.size, -1, np.int64)
    local[members] = np.arange(members.size)
    order = np.argsort(local[s], kind="stable")
    ptr = np.searchsorted(local[s][order], np.arange(members.size + 1)).astype(np.int64)
    return Anchors(ptr, ax[order], ay[order], ww[order])


__all__ = ["Adjacency", "Anchors", "ChipGrid", "assign_chips", "chip_anchors", "chip_cost", "grow"]
