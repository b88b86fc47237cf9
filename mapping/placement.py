"""Placement of slices (core programs) on the chip's cores, minimising hop-weighted traffic.

Core ``c`` sits on router ``c // cores_per_router`` at ``(x, y) = (r % width, r // width)`` (the NoC's
convention, :mod:`noc.topology`); a packet between two cores costs the Manhattan distance between their
routers in hops (cores of one router: 0). The cost of a placement ``p`` is::

    cost(p) = sum over slice pairs (a, b) of traffic[a, b] * hops(p[a], p[b])     [packet-hops per tick]

with ``traffic[a, b]`` the packets per tick from slice a to slice b (the number of (neuron, destination
core) pairs, each weighted by the neuron's expected spikes per tick; 1 when no activity is known).
External inputs are not counted: they enter at their destination core.

Placers, looked up by name in :data:`PLACERS`, all deterministic for a seed:

- ``sequential``: slice k on core k (the naive baseline).
- ``greedy``: the slice with the most traffic first, at the core nearest the mesh centre; then repeatedly
  the unplaced slice with the most traffic to placed ones, on the free core where its traffic to them
  costs least.
- ``anneal``: simulated annealing from the greedy placement; a move sends a random slice to a core near
  one of its neighbours (within two routers; 20 % of moves: any core), swapping with the occupant if any;
  accepted with probability ``exp(-delta / T)``, ``T`` cooling geometrically from the mean traffic
  weight to 1/1000 of it; the best placement seen is kept, so ``anneal <= greedy`` always.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emulator.errors import CapacityError, MappingError


@dataclass(frozen=True)
class Traffic:
    """Symmetric slice graph: edge ``(a, b, w)`` with ``a < b`` carries ``w`` packets per tick both ways."""

    n_slices: int
    a: np.ndarray
    b: np.ndarray
    w: np.ndarray

    @classmethod
    def from_directed(cls, n: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> Traffic:
        """Merge directed (src, dst, w) triples into undirected edges (self traffic dropped: 0 hops)."""
        src, dst, w = np.asarray(src, np.int64), np.asarray(dst, np.int64), np.asarray(w, np.float64)
        keep = src != dst
        lo, hi = np.minimum(src, dst)[keep], np.maximum(src, dst)[keep]
        key = lo * max(n, 1) + hi
        uniq, inv = np.unique(key, return_inverse=True)
        tot = np.zeros(uniq.size)
        np.add.at(tot, inv, w[keep])
        return cls(n, uniq // max(n, 1), uniq % max(n, 1), tot)

    def adjacency(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per slice: (neighbour slices, weights)."""
        nb = [[] for _ in range(self.n_slices)]
        for a, b, w in zip(self.a.tolist(), self.b.tolist(), self.w.tolist(), strict=True):
            nb[a].append((b, w))
            nb[b].append((a, w))
        return [(np.asarray([x for x, _ in lst], np.int64), np.asarray([y for _, y in lst])) for lst in nb]


def core_xy(cfg, cores) -> tuple[np.ndarray, np.ndarray]:
    """Router coordinates ``(x, y)`` of chip core index(es) ``cores``."""
    r = np.asarray(cores, np.int64) // cfg.mesh.cores_per_router
    return r % cfg.mesh.width, r // cfg.mesh.width


def hops(cfg, src_cores, dst_cores) -> np.ndarray:
    """Manhattan router distance between cores."""
    sx, sy = core_xy(cfg, src_cores)
    tx, ty = core_xy(cfg, dst_cores)
    return np.abs(tx - sx) + np.abs(ty - sy)


def placement_cost(traffic: Traffic, assign: np.ndarray, cfg) -> float:
    """``sum traffic * hops`` for slice -> core assignment ``assign``."""
    if traffic.a.size == 0:
        return 0.0
    return float(np.sum(traffic.w * hops(cfg, assign[traffic.a], assign[traffic.b])))


def _check_fits(n: int, cfg) -> None:
    if n > cfg.num_cores:
        raise CapacityError(f"cores: {n} slices need {n} cores; the chip has {cfg.num_cores}")


# ----- placers ------------------------------------------------------------------------------------------------


def place_sequential(traffic: Traffic, cfg, seed: int = 0) -> np.ndarray:
    """Slice k on core k."""
    _check_fits(traffic.n_slices, cfg)
    return np.arange(traffic.n_slices, dtype=np.int64)


def _centre_order(cfg) -> np.ndarray:
    """Cores sorted by distance of their router from the mesh centre (ties by index)."""
    x, y = core_xy(cfg, np.arange(cfg.num_cores))
    d = np.abs(x - (cfg.mesh.width - 1) / 2) + np.abs(y - (cfg.mesh.height - 1) / 2)
    return np.lexsort((np.arange(cfg.num_cores), d))


def place_greedy(traffic: Traffic, cfg, seed: int = 0) -> np.ndarray:
    """Traffic-aware constructive placement (see the module docstring)."""
    n = traffic.n_slices
    _check_fits(n, cfg)
    adj = traffic.adjacency()
    total = np.asarray([w.sum() for _, w in adj]) if n else np.zeros(0)
    assign = np.full(n, -1, np.int64)
    free = np.ones(cfg.num_cores, bool)
    pull = np.zeros(n)  # traffic of each unplaced slice to placed ones
    centre = _centre_order(cfg)
    for _ in range(n):
        cand = np.where(assign < 0, pull + 1e-9 * total, -np.inf)
        s = int(np.argmax(cand))
        core = _best_core(s, adj, assign, free, centre, cfg)
        assign[s], free[core] = core, False
        nb, w = adj[s]
        np.add.at(pull, nb, w)
    return assign


def _best_core(s: int, adj, assign, free, centre, cfg) -> int:
    nb, w = adj[s]
    placed = assign[nb] >= 0
    cores = centre[free[centre]]
    if not placed.any():
        return int(cores[0])
    cost = (w[placed][None, :] * hops(cfg, cores[:, None], assign[nb][placed][None, :])).sum(axis=1)
    return int(cores[int(np.argmin(cost))])


def _delta(s: int, new: int, assign: np.ndarray, adj, cfg, skip: int = -1) -> float:
    """Cost change of moving slice ``s`` to core ``new`` (its edge to ``skip`` is left out)."""
    nb, w = adj[s]
    if nb.size == 0:
        return 0.0
    m = nb != skip
    pos = assign[nb[m]]
    return float(np.sum(w[m] * (hops(cfg, new, pos) - hops(cfg, assign[s], pos))))


def place_anneal(traffic: Traffic, cfg, seed: int = 0, steps: int | None = None) -> np.ndarray:
    """Simulated annealing from the greedy placement; returns the best placement seen."""
    n = traffic.n_slices
    assign = place_greedy(traffic, cfg, seed)
    if n < 2 or traffic.a.size == 0:
        return assign
    rng = np.random.default_rng(seed)
    adj = traffic.adjacency()
    occupant = np.full(cfg.num_cores, -1, np.int64)
    occupant[assign] = np.arange(n)
    steps = steps if steps is not None else int(min(max(3000, 150 * n), 60000))
    cost = best_cost = placement_cost(traffic, assign, cfg)
    best = assign.copy()
    t0 = max(float(np.mean(traffic.w)), 1e-9)
    for k in range(steps):
        temp = t0 * (1e-3 ** (k / steps))
        s = int(rng.integers(n))
        core = _propose(s, assign, adj, cfg, rng)
        other = int(occupant[core])
        if core == assign[s]:
            continue
        d = _delta(s, core, assign, adj, cfg, skip=other)
        if other >= 0:
            d += _delta(other, int(assign[s]), assign, adj, cfg, skip=s)
        if d <= 0 or rng.random() < np.exp(-d / temp):
            _apply_move(s, core, other, assign, occupant)
            cost += d
            if cost < best_cost - 1e-9:
                best_cost, best = cost, assign.copy()
    return best


def _propose(s: int, assign: np.ndarray, adj, cfg, rng) -> int:
    """A target core: mostly near a random neighbour of ``s`` (local moves get accepted), else anywhere."""
    nb, _ = adj[s]
    if nb.size == 0 or rng.random() < 0.2:
        return int(rng.integers(cfg.num_cores))
    x, y = core_xy(cfg, assign[int(nb[rng.integers(nb.size)])])
    m = cfg.mesh
    nx = int(np.clip(x + rng.integers(-2, 3), 0, m.width - 1))
    ny = int(np.clip(y + rng.integers(-2, 3), 0, m.height - 1))
    core = (ny * m.width + nx) * m.cores_per_router + int(rng.integers(m.cores_per_router))
    return core if core < cfg.num_cores else int(rng.integers(cfg.num_cores))


def _apply_move(s: int, core: int, other: int, assign: np.ndarray, occupant: np.ndarray) -> None:
    old = int(assign[s])
    assign[s], occupant[core] = core, s
    occupant[old] = other
    if other >= 0:
        assign[other] = old


PLACERS = {"sequential": place_sequential, "greedy": place_greedy, "anneal": place_anneal}


def place(name: str, traffic: Traffic, cfg, seed: int = 0) -> np.ndarray:
    """Run placer ``name``; returns the chip core index of every slice."""
    try:
        fn = PLACERS[name]
    except KeyError:
        raise MappingError(f"unknown placer {name!r}; available: {', '.join(PLACERS)}") from None
    return fn(traffic, cfg, seed)


__all__ = ["PLACERS", "Traffic", "core_xy", "hops", "place", "placement_cost"]
