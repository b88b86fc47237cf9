"""Synthetic traffic: a *pattern* says where packets go, an *injection process* says when (as in BookSim).

Nodes are the routers; each node injects through local core 0 of its router and sends to local core 0 of the
destination router. Patterns map source routers to destination routers:

- ``uniform``: any router with equal probability, the source included (BookSim's ``uniform``);
- ``transpose``: ``(x, y) -> (y, x)`` (square meshes);
- ``bitcomp``: ``(x, y) -> (W-1-x, H-1-y)``, which is the complement of the node number's bits when the sides
  are powers of two;
- ``neighbor``: ``(x, y) -> ((x+1) mod W, (y+1) mod H)`` (BookSim's ``neighbor``);
- ``hotspot``: a fraction of the packets go to the hotspot router(s), the rest uniformly;
- ``tornado``: each coordinate ``c -> (c + ceil(k/2) - 1) mod k`` with ``k`` that side's routers (BookSim's
  ``tornado``; on a mesh, which has no wraparound, the packets that wrap travel back along the row or column);
- ``bitrev``: node number ``x + W y`` to its bits reversed (BookSim's ``bitrev``; W x H a power of two);
- ``shuffle``: node number rotated left by one bit (BookSim's ``shuffle``; W x H a power of two).

Node numbers are BookSim's: ``x + W y``, which is also :meth:`MeshTopology.router_at`.

Injection: every node requests a packet in every cycle with probability ``rate`` (Bernoulli), independently.
Randomness comes from the numpy ``Generator`` passed in, so a seed fixes the traffic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from noc.errors import TrafficError
from noc.topology import MeshTopology

Pattern = Callable[[np.ndarray, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class Uniform:
    topo: MeshTopology

    def __call__(self, src: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, self.topo.n_routers, len(src))


@dataclass(frozen=True)
class Transpose:
    topo: MeshTopology

    def __post_init__(self):
        if self.topo.width != self.topo.height:
            raise TrafficError(
                f"--traffic transpose: needs a square mesh, this one is {self.topo.width} x {self.topo.height}"
            )

    def __call__(self, src: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x, y = self.topo.coords(src)
        return self.topo.router_at(y, x)


@dataclass(frozen=True)
class BitComplement:
    topo: MeshTopology

    def __call__(self, src: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x, y = self.topo.coords(src)
        return self.topo.router_at(self.topo.width - 1 - x, self.topo.height - 1 - y)


@dataclass(frozen=True)
class Neighbor:
    topo: MeshTopology

    def __call__(self, src: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x, y = self.topo.coords(src)
        return self.topo.router_at((x + 1) % self.topo.width, (y + 1) % self.topo.height)


@dataclass(frozen=True)
class Hotspot:
    """``fraction`` of the packets go to one of ``hotspots`` (router indices, uniformly), the rest uniformly."""

    topo: MeshTopology
    hotspots: tuple[int, ...]
    fraction: float

    def __post_init__(self):
        bad = [h for h in self.hotspots if not 0 <= h < self.topo.n_routers]
        if not self.hotspots or bad:
            raise TrafficError(
                f"--hotspots: {list(self.hotspots)} must name at least one router; allowed: 0 .. "
                f"{self.topo.n_routers - 1}"
            )
        if not 0.0 <= self.fraction <= 1.0:
            raise TrafficError(f"--hotspot-fraction: {self.fraction} is out of range; allowed: 0 .. 1")

    def __call__(self, src: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        uniform = rng.integers(0, self.topo.n_routers, len(src))
        spots = np.asarray(self.hotspots)[rng.integers(0, len(self.hotspots), len(src))]
        return np.where(rng.random(len(src)) < self.fraction, spots, uniform)


@dataclass(frozen=True)
class Tornado:
    """BookSim's ``tornado``: every coordinate moves ``ceil(k/2) - 1`` places along its side of ``k`` routers."""

    topo: MeshTopology

    def __call__(self, src: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x, y = self.topo.coords(src)
        w, h = self.topo.width, self.topo.height
        return self.topo.router_at((x + (w + 1) // 2 - 1) % w, (y + (h + 1) // 2 - 1) % h)


def _node_bits(topo: MeshTopology, name: str) -> int:
    """log2 of the node count; the bit permutations need a power of two (as BookSim refuses otherwise)."""
    n = topo.n_routers
    if n & (n - 1):
        raise TrafficError(f"--traffic {name}: needs a power-of-two number of routers; this mesh has "
                           f"{topo.width} x {topo.height} = {n}")
    return n.bit_length() - 1


@dataclass(frozen=True)
class _BitPermutation:
    """A BookSim bit pattern: a fixed permutation of the ``log2(nodes)``-bit node number (power-of-two meshes)."""

    topo: MeshTopology
    name = ""

    def __post_init__(self):
        _node_bits(self.topo, self.name)

    def __call__(self, src: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.permute(np.asarray(src, dtype=np.int64), _node_bits(self.topo, self.name))


class BitReverse(_BitPermutation):
    """BookSim's ``bitrev``: destination = the source node number with its ``log2(nodes)`` bits reversed."""

    name = "bitrev"

    def permute(self, src: np.ndarray, bits: int) -> np.ndarray:
        out = np.zeros_like(src)
        for b in range(bits):
            out |= ((src >> b) & 1) << (bits - 1 - b)
        return out


class Shuffle(_BitPermutation):
    """BookSim's ``shuffle``: destination = the source node number rotated left by one bit."""

    name = "shuffle"

    def permute(self, src: np.ndarray, bits: int) -> np.ndarray:
        if bits == 0:
            return src
        return ((src << 1) & (self.topo.n_routers - 1)) | ((src >> (bits - 1)) & 1)


PATTERNS = {
    "uniform": Uniform,
    "transpose": Transpose,
    "bitcomp": BitComplement,
    "hotspot": Hotspot,
    "neighbor": Neighbor,
    "tornado": Tornado,
    "bitrev": BitReverse,
    "shuffle": Shuffle,
}


def centre_router(topo: MeshTopology) -> int:
    return topo.router_at(topo.width // 2, topo.height // 2)


def make_pattern(name: str, topo: MeshTopology, hotspots=None, fraction: float = 0.2) -> Pattern:
    """The pattern registered as ``name``; ``hotspots`` (default: the centre router) and ``fraction`` are
    used by ``hotspot`` only."""
    if name not in PATTERNS:
        raise TrafficError(f"--traffic: unknown pattern {name!r}; allowed: {', '.join(sorted(PATTERNS))}")
    if name == "hotspot":
        spots = (centre_router(topo),) if hotspots is None else tuple(int(h) for h in hotspots)
        return Hotspot(topo, spots, float(fraction))
    return PATTERNS[name](topo)


def bernoulli_injections(n_nodes: int, rate: float, cycles: int, rng: np.random.Generator):
    """Request cycles of a Bernoulli process: each node, each cycle, with probability ``rate``.

    Returns ``(node, cycle)`` int arrays sorted by cycle, then node. Drawn in blocks of cycles to bound memory.
    """
    if not 0.0 <= rate <= 1.0:
        raise TrafficError(f"rate: {rate} packets/node/cycle is out of range; allowed: 0 .. 1")
    nodes, times, block = [], [], max(1, (1 << 22) // max(1, n_nodes))
    for t0 in range(0, cycles, block):
        hit = rng.random((min(block, cycles - t0), n_nodes)) < rate
        t, node = np.nonzero(hit)
        nodes.append(node)
        times.append(t + t0)
    if not nodes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(nodes), np.concatenate(times)


def synthetic_packets(topo: MeshTopology, pattern: Pattern, rate: float, cycles: int, rng: np.random.Generator):
    """Packets for ``cycles`` cycles of Bernoulli injection at ``rate`` with destinations from ``pattern``.

    Returns ``(src_core, dst_core, inject_cycle)``, ready for ``engine.run``.
    """
    c = topo.cores_per_router
    if (topo.n_routers - 1) * c >= topo.n_cores:
        raise TrafficError(
            f"synthetic traffic injects through local core 0 of every router, but router {topo.n_routers - 1} "
            f"has no core 0 (the chip has {topo.n_cores} cores); use a config with a core on every router"
        )
    node, cycle = bernoulli_injections(topo.n_routers, rate, cycles, rng)
    dst = pattern(node, rng)
    return (node * c).astype(np.int32), (np.asarray(dst) * c).astype(np.int32), cycle.astype(np.int64)


def uniform_channel_bound(topo: MeshTopology, flits_per_packet: int = 1) -> float:
    """Channel-load bound on uniform traffic with dimension-order routing (packets/node/cycle).

    The busiest link (across the mesh's middle) carries ``rate * floor(k/2) * ceil(k/2) / k`` packets per
    cycle for a side of ``k`` routers, at most one flit per cycle: the bound is ``4 / k`` for even ``k``.
    Infinite for a 1 x 1 mesh, which has no links.
    """
    worst = max((k // 2) * (k - k // 2) / k for k in (topo.width, topo.height))
    return float("inf") if worst == 0 else 1.0 / (worst * flits_per_packet)
