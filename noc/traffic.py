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

    def windowed(self, rng: np.random.Generator, total: int) -> Callable[[np.ndarray], np.ndarray]:
        """The destinations of one call on ``total`` sources, drawn piece by piece: a call draws three
        sequences of ``total`` numbers one after the other (uniform routers, hotspot choices, coin flips), so
        each piece draws from three generators started where each sequence starts (found by drawing and
        discarding the earlier ones in blocks: memory O(block))."""
        spots = np.asarray(self.hotspots)
        uniform_rng = _copy_rng(rng)
        _discard(rng, total, lambda g, m: g.integers(0, self.topo.n_routers, m))
        spot_rng = _copy_rng(rng)
        _discard(rng, total, lambda g, m: g.integers(0, len(spots), m))

        def piece(src: np.ndarray) -> np.ndarray:
            m = len(src)
            uniform = uniform_rng.integers(0, self.topo.n_routers, m)
            chosen = spots[spot_rng.integers(0, len(spots), m)]
            return np.where(rng.random(m) < self.fraction, chosen, uniform)

        return piece


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


# Node-cycles of Bernoulli draws per window of a stream (:func:`synthetic_windows`): 512 KiB of draws and at
# most 64 Ki packets per window, whatever the run's length.
WINDOW_DRAWS = 1 << 16
_STATELESS = (Uniform, Transpose, BitComplement, Neighbor, Tornado, _BitPermutation)


def _copy_rng(rng: np.random.Generator) -> np.random.Generator:
    """An independent generator in ``rng``'s exact state (the bit generator's, buffered half-words included)."""
    bits = type(rng.bit_generator)()
    bits.state = rng.bit_generator.state
    return np.random.Generator(bits)


def _discard(rng: np.random.Generator, total: int, draw, block: int = WINDOW_DRAWS) -> None:
    """Advance ``rng`` past ``draw(rng, total)`` by drawing in blocks (the same numbers, in the same order:
    numpy's fills draw value by value, so a fill of ``a + b`` values equals a fill of ``a`` then one of ``b``)."""
    for k in range(0, total, block):
        draw(rng, min(block, total - k))


def _skip_uniforms(rng: np.random.Generator, count: int) -> None:
    """Advance ``rng`` past ``count`` doubles of ``rng.random`` (one 64-bit output each): a jump for the
    counter-like bit generators (PCG64 family, Philox) when no half-word is buffered, else by drawing."""
    bits = rng.bit_generator
    if hasattr(bits, "advance") and not bits.state.get("has_uint32", 0):
        bits.advance(count)
    else:
        _discard(rng, count, lambda g, m: g.random(m))


def destination_pieces(pattern: Pattern, rng: np.random.Generator, total) -> Callable[[np.ndarray], np.ndarray] | None:
    """``piece(src)`` giving, call after call on consecutive pieces of the sources, what one ``pattern(src,
    rng)`` on all of them gives; ``total()`` is their count (only asked for if the pattern needs it). None for a
    pattern this module does not know (the caller then draws everything at once)."""
    if isinstance(pattern, Hotspot):
        return pattern.windowed(rng, total())
    if isinstance(pattern, _STATELESS):  # one fill (uniform) or no draw at all: pieces draw in order
        return lambda src: pattern(src, rng)
    return None


def streamable(pattern: Pattern) -> bool:
    """True if :func:`synthetic_windows` can draw ``pattern``'s destinations window by window."""
    return isinstance(pattern, (Hotspot, *_STATELESS))


def bernoulli_count(n_nodes: int, rate: float, cycles: int, rng: np.random.Generator) -> int:
    """How many requests :func:`bernoulli_injections` draws (from a copy of ``rng``: ``rng`` is not moved)."""
    g, count, block = _copy_rng(rng), 0, max(1, WINDOW_DRAWS // max(1, n_nodes))
    for t0 in range(0, cycles, block):
        count += int(np.count_nonzero(g.random((min(block, cycles - t0), n_nodes)) < rate))
    return count


def synthetic_windows(topo: MeshTopology, pattern: Pattern, rate: float, cycles: int, rng: np.random.Generator,
                      window: int | None = None):
    """:func:`synthetic_packets` window by window: yields ``(src_core, dst_core, inject_cycle, end)`` for the
    consecutive cycle windows ``[end - window, end)`` covering ``[0, cycles)``, whose concatenation is exactly
    what :func:`synthetic_packets` returns for the same generator state (the same draws in the same order).

    :func:`synthetic_packets` draws every request first (``cycles x nodes`` doubles, cycle by cycle), then the
    destinations of all of them. So the requests are drawn from ``rng`` window by window, and the destinations
    from a copy of it moved past all the request draws (a jump: :func:`_skip_uniforms`); patterns that draw
    several sequences get a generator per sequence (:meth:`Hotspot.windowed`). Memory: one window
    (``window x nodes`` draws, default :data:`WINDOW_DRAWS`), independent of ``cycles``. Raises TrafficError for
    a pattern that cannot be drawn in pieces (see :func:`destination_pieces`).
    """
    _check_core0(topo)
    n, c = topo.n_routers, topo.cores_per_router
    if not 0.0 <= rate <= 1.0:
        raise TrafficError(f"rate: {rate} packets/node/cycle is out of range; allowed: 0 .. 1")
    window = window or max(1, WINDOW_DRAWS // n)
    dest_rng = _copy_rng(rng)
    _skip_uniforms(dest_rng, cycles * n)
    piece = destination_pieces(pattern, dest_rng, lambda: bernoulli_count(n, rate, cycles, rng))
    if piece is None:
        raise TrafficError(f"traffic pattern {pattern!r} cannot be drawn window by window")
    for t0 in range(0, cycles, window):
        t1 = min(cycles, t0 + window)
        t, node = np.nonzero(rng.random((t1 - t0, n)) < rate)
        dst = np.asarray(piece(node)) if node.size else np.zeros(0, np.int64)
        yield (node * c).astype(np.int32), (dst * c).astype(np.int32), (t + t0).astype(np.int64), t1
    rng.bit_generator.state = dest_rng.bit_generator.state  # where synthetic_packets leaves it


def _check_core0(topo: MeshTopology) -> None:
    if (topo.n_routers - 1) * topo.cores_per_router >= topo.n_cores:
        raise TrafficError(
            f"synthetic traffic injects through local core 0 of every router, but router {topo.n_routers - 1} "
            f"has no core 0 (the chip has {topo.n_cores} cores); use a config with a core on every router"
        )


def synthetic_packets(topo: MeshTopology, pattern: Pattern, rate: float, cycles: int, rng: np.random.Generator):
    """Packets for ``cycles`` cycles of Bernoulli injection at ``rate`` with destinations from ``pattern``.

    Returns ``(src_core, dst_core, inject_cycle)``, ready for ``engine.run``.
    """
    c = topo.cores_per_router
    _check_core0(topo)
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
