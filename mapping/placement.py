"""Placement of slices (core programs) on the chip's cores, minimising hop-weighted traffic.

Core ``c`` sits on router ``c // cores_per_router`` at ``(x, y) = (r % width, r // width)``: the chip's
:class:`noc.topology.MeshTopology` (one per mesh, shared with the NoC); a packet between two cores costs the
Manhattan distance between their routers in hops (:meth:`MeshTopology.hops`; cores of one router: 0). The cost of a placement ``p`` is::

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
- ``hierarchical`` (the default for a system of chips, ``cfg.system``): slices to chips first, minimising the
  traffic crossing chip edges weighted by chip distance within each chip's cores (:mod:`mapping.chips`), then
  each chip's slices on its cores by ``anneal`` on that chip's own mesh and their traffic within the chip
  (seed ``seed + chip id``), a slice's traffic to other chips counting as traffic to fixed points beyond the
  chip's edge facing them (:class:`mapping.chips.Anchors`: exact along an axis where the chips differ, an
  estimate along a shared one); ``hierarchical-greedy`` the same with ``greedy`` within chips (faster). On a
  single chip it is the within-chip placer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_configs.errors import CapacityError, MappingError
from emulator.system_place import system_core  # chip-local core -> system core: one rule, shared with `run`
from mapping.chips import Anchors, ChipGrid, assign_chips, chip_anchors
from noc.topology import MeshTopology


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
    """Router coordinates ``(x, y)`` of chip core index(es) ``cores`` (int64 arrays)."""
    return MeshTopology.from_config(cfg).core_coords(np.asarray(cores, np.int64))


def hops(cfg, src_cores, dst_cores) -> np.ndarray:
    """Manhattan router distance between cores."""
    topo = MeshTopology.from_config(cfg)
    return topo.hops(topo.router_of_core(np.asarray(src_cores, np.int64)),
                     topo.router_of_core(np.asarray(dst_cores, np.int64)))


def placement_cost(traffic: Traffic, assign: np.ndarray, cfg) -> float:
    """``sum traffic * hops`` for slice -> core assignment ``assign``."""
    if traffic.a.size == 0:
        return 0.0
    return float(np.sum(traffic.w * hops(cfg, assign[traffic.a], assign[traffic.b])))


def _check_fits(n: int, cfg) -> None:
    if n > cfg.num_cores:
        raise CapacityError("cores", n, cfg.num_cores, chip=cfg.name,
                            message="cores: {need} slices need {need} cores; the chip has {limit}")


def default_placer(cfg) -> str:
    """``hierarchical`` for a system of chips, ``anneal`` for one chip."""
    return "hierarchical" if getattr(cfg, "system", None) is not None else "anneal"


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


def place_greedy(traffic: Traffic, cfg, seed: int = 0, anchors: Anchors | None = None) -> np.ndarray:
    """Traffic-aware constructive placement (see the module docstring); ``anchors`` (a chip of a system: its
    slices' traffic to other chips as fixed points, :class:`mapping.chips.Anchors`) count as placed
    neighbours."""
    n = traffic.n_slices
    _check_fits(n, cfg)
    adj = traffic.adjacency()
    total = np.asarray([w.sum() for _, w in adj]) if n else np.zeros(0)
    assign = np.full(n, -1, np.int64)
    free = np.ones(cfg.num_cores, bool)
    pull = np.zeros(n) if anchors is None else anchors.weights()  # traffic of each unplaced slice to placed ones
    centre = _centre_order(cfg)
    for _ in range(n):
        cand = np.where(assign < 0, pull + 1e-9 * total, -np.inf)
        s = int(np.argmax(cand))
        core = _best_core(s, adj, assign, free, centre, cfg, anchors)
        assign[s], free[core] = core, False
        nb, w = adj[s]
        np.add.at(pull, nb, w)
    return assign


def _best_core(s: int, adj, assign, free, centre, cfg, anchors=None) -> int:
    nb, w = adj[s]
    placed = assign[nb] >= 0
    cores = centre[free[centre]]
    anchored = anchors is not None and anchors.has(s)
    if not placed.any() and not anchored:
        return int(cores[0])
    cost = (w[placed][None, :] * hops(cfg, cores[:, None], assign[nb][placed][None, :])).sum(axis=1)
    if anchored:
        cost = cost + anchors.cost(s, *core_xy(cfg, cores))
    return int(cores[int(np.argmin(cost))])


_FULL_HOP_ROUTERS = 1024  # up to this many routers the annealer keeps a router x router hop matrix
_ANCHOR_TABLE_MAX = 4_000_000  # up to this many slice x router entries it keeps every slice's anchor cost


class _Annealer:
    """Move evaluation for :func:`place_anneal` on precomputed tables.

    ``hops`` between routers is one ``int64[R, R]`` matrix and every slice's router is kept up to date, so
    a move costs a few array operations on the slice's neighbour list. The cost change is computed term by
    term exactly as ``sum(w * (hops(new) - hops(old)))`` over the same neighbours in the same order (the
    same floats, so the same accept / reject decisions and the same placement for a seed).
    """

    def __init__(self, traffic: Traffic, assign: np.ndarray, cfg, anchors: Anchors | None = None):
        m = cfg.mesh
        self.anchors = anchors
        self.anchor_cost = self._anchor_table(anchors, m.width, m.height, traffic.n_slices)
        self.cpr, self.width, self.height, self.num_cores = m.cores_per_router, m.width, m.height, cfg.num_cores
        self.adj = traffic.adjacency()
        self.nb_list = [nb.tolist() for nb, _ in self.adj]
        self.nb_set = [set(lst) for lst in self.nb_list]
        self.router = assign // self.cpr  # router of each slice's core, kept in step with ``assign`` (see move)
        topo = MeshTopology.from_config(cfg)
        r = np.arange(topo.n_routers)
        if r.size <= _FULL_HOP_ROUTERS:  # one router x router matrix
            self.hop = topo.hops(r[:, None], r)
        else:  # large meshes (TrueNorth: 4096 routers): per-axis distances, |dx| and |dy| apart
            self.hop = None
            self.hx = np.abs(np.arange(m.width)[:, None] - np.arange(m.width))
            self.hy = np.abs(np.arange(m.height)[:, None] - np.arange(m.height))
            self.rx, self.ry = self.router % m.width, self.router // m.width

    def move(self, s: int, core: int) -> None:
        """Slice ``s`` is now on ``core``."""
        r = core // self.cpr
        self.router[s] = r
        if self.hop is None:
            self.rx[s], self.ry[s] = r % self.width, r // self.width

    def delta(self, s: int, old: int, new: int, skip: int = -1) -> float:
        """Cost change of moving slice ``s`` from core ``old`` to core ``new`` (its edge to ``skip`` left out)."""
        nb, w = self.adj[s]
        ro, rn = old // self.cpr, new // self.cpr
        if ro == rn:  # every term is w * 0
            return 0.0
        anchor = self._anchor_delta(s, ro, rn)
        if nb.size == 0:
            return anchor
        if skip >= 0 and skip in self.nb_set[s]:
            m = nb != skip
            nb, w = nb[m], w[m]
        if self.hop is not None:
            diff = (self.hop[rn] - self.hop[ro])[self.router[nb]]
        else:  # hops(new) - hops(old) = (|dx new| - |dx old|) + (|dy new| - |dy old|), exactly (integers)
            wd = self.width
            diff = ((self.hx[rn % wd] - self.hx[ro % wd])[self.rx[nb]]
                    + (self.hy[rn // wd] - self.hy[ro // wd])[self.ry[nb]])
        return float((w * diff).sum()) + anchor

    @staticmethod
    def _anchor_table(anchors, width: int, height: int, n: int):
        """Anchor cost of every slice at every router (``float[n, routers]``), when it is small enough to
        keep (a move then reads two entries); None to evaluate it per move."""
        if anchors is None or n * width * height > _ANCHOR_TABLE_MAX:
            return None
        r = np.arange(width * height)
        return np.stack([anchors.cost(s, r % width, r // width) for s in range(n)]) if n else None

    def _anchor_delta(self, s: int, ro: int, rn: int) -> float:
        """Change of slice s's anchor cost from router ``ro`` to ``rn`` (0 without anchors)."""
        a = self.anchors
        if a is None or not a.has(s):
            return 0.0
        if self.anchor_cost is not None:
            return float(self.anchor_cost[s, rn] - self.anchor_cost[s, ro])
        x = np.asarray([ro % self.width, rn % self.width])
        y = np.asarray([ro // self.width, rn // self.width])
        old, new = a.cost(s, x, y)
        return float(new - old)

    def propose(self, s: int, rng) -> int:
        """A target core: mostly near a random neighbour of ``s`` (local moves get accepted), else anywhere."""
        nb = self.nb_list[s]
        if not nb or rng.random() < 0.2:
            return int(rng.integers(self.num_cores))
        r = int(self.router[nb[int(rng.integers(len(nb)))]])
        x, y = r % self.width, r // self.width
        nx = min(max(x + int(rng.integers(-2, 3)), 0), self.width - 1)
        ny = min(max(y + int(rng.integers(-2, 3)), 0), self.height - 1)
        core = (ny * self.width + nx) * self.cpr + int(rng.integers(self.cpr))
        return core if core < self.num_cores else int(rng.integers(self.num_cores))


def place_anneal(traffic: Traffic, cfg, seed: int = 0, steps: int | None = None,
                 anchors: Anchors | None = None) -> np.ndarray:
    """Simulated annealing from the greedy placement; returns the best placement seen (``anchors``: see
    :func:`place_greedy`; their cost is part of the annealed cost)."""
    n = traffic.n_slices
    assign = place_greedy(traffic, cfg, seed, anchors)
    if n < 2 or (traffic.a.size == 0 and anchors is None):
        return assign
    rng = np.random.default_rng(seed)
    ann = _Annealer(traffic, assign, cfg, anchors)
    occupant = [-1] * cfg.num_cores
    for i, c in enumerate(assign.tolist()):
        occupant[c] = i
    where = assign.tolist()  # Python mirror of ``assign`` for scalar reads
    steps = steps if steps is not None else int(min(max(3000, 150 * n), 60000))
    cost = best_cost = placement_cost(traffic, assign, cfg)
    best = assign.copy()
    t0 = max(float(np.mean(traffic.w if traffic.w.size else anchors.w)), 1e-9)
    for k in range(steps):
        temp = t0 * (1e-3 ** (k / steps))
        s = int(rng.integers(n))
        core = ann.propose(s, rng)
        other = occupant[core]
        old = where[s]
        if core == old:
            continue
        d = ann.delta(s, old, core, skip=other)
        if other >= 0:
            d += ann.delta(other, core, old, skip=s)
        if d <= 0 or rng.random() < np.exp(-d / temp):
            where[s], assign[s], occupant[core] = core, core, s
            ann.move(s, core)
            occupant[old] = other
            if other >= 0:
                where[other], assign[other] = old, old
                ann.move(other, old)
            cost += d
            if cost < best_cost - 1e-9:
                best_cost, best = cost, assign.copy()
    return best


# ----- systems of chips -------------------------------------------------------------------------------------


def chip_config(cfg):
    """The config of one chip of system ``cfg``: its mesh (``chip_width`` x ``chip_height``), no system block."""
    s = cfg.system
    mesh = cfg.mesh.model_copy(update={"width": s.chip_width, "height": s.chip_height, "num_cores": None})
    return cfg.model_copy(update={"mesh": mesh, "system": None, "name": f"{cfg.name}:chip"})


def sub_traffic(traffic: Traffic, members: np.ndarray) -> Traffic:
    """The traffic among slices ``members`` (renumbered 0..len-1 in the order given)."""
    local = np.full(traffic.n_slices, -1, np.int64)
    local[members] = np.arange(members.size)
    keep = (local[traffic.a] >= 0) & (local[traffic.b] >= 0)
    return Traffic(members.size, local[traffic.a[keep]], local[traffic.b[keep]], traffic.w[keep])


def place_hierarchical(traffic: Traffic, cfg, seed: int = 0, within: str = "anneal") -> np.ndarray:
    """Chips first (:func:`mapping.chips.assign_chips`), then cores within each chip by placer ``within``."""
    _check_fits(traffic.n_slices, cfg)
    if getattr(cfg, "system", None) is None:
        return PLACERS[within](traffic, cfg, seed)
    chip = assign_chips(traffic.n_slices, traffic.a, traffic.b, traffic.w, ChipGrid.from_config(cfg))
    one, s = chip_config(cfg), cfg.system
    assign = np.full(traffic.n_slices, -1, np.int64)
    local_x, local_y = np.full(traffic.n_slices, np.nan), np.full(traffic.n_slices, np.nan)
    placer = {"anneal": place_anneal, "greedy": place_greedy}[within]
    for c in np.unique(chip).tolist():
        members = np.flatnonzero(chip == c)
        anchors = chip_anchors(members, c, chip, traffic.a, traffic.b, traffic.w, s.chips_x, s.chip_width,
                               s.chip_height, local_x, local_y)
        local = placer(sub_traffic(traffic, members), one, seed + c, anchors=anchors)
        local_x[members], local_y[members] = core_xy(one, local)
        assign[members] = system_core(cfg, c, local)
    return assign


def place_hierarchical_greedy(traffic: Traffic, cfg, seed: int = 0) -> np.ndarray:
    """:func:`place_hierarchical` with ``greedy`` within each chip."""
    return place_hierarchical(traffic, cfg, seed, within="greedy")


PLACERS = {"sequential": place_sequential, "greedy": place_greedy, "anneal": place_anneal,
           "hierarchical": place_hierarchical, "hierarchical-greedy": place_hierarchical_greedy}


def place(name: str, traffic: Traffic, cfg, seed: int = 0) -> np.ndarray:
    """Run placer ``name``; returns the chip core index of every slice."""
    try:
        fn = PLACERS[name]
    except KeyError:
        raise MappingError(f"unknown placer {name!r}; available: {', '.join(PLACERS)}") from None
    return fn(traffic, cfg, seed)


__all__ = ["PLACERS", "Traffic", "chip_config", "core_xy", "default_placer", "hops", "place",
           "placement_cost", "sub_traffic"]
