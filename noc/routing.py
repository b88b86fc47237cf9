"""Routing functions, looked up by the name used in the chip config (``noc.routing``).

A routing function is pure: ``fn(current, destination) -> output port``, where ``current`` and ``destination``
are router coordinates ``(x, y)`` and the result is a mesh port (``N``, ``E``, ``S``, ``W`` from
:mod:`noc.topology`) or ``LOCAL`` when the packet has reached its destination router (the engine then picks
the local port of the destination core). Both are dimension-order (deterministic, minimal) and therefore free
of routing deadlock on a mesh: no packet ever turns from its second dimension back into its first, so the
channel dependency graph has no cycle.

Vectorised routes (every user of routes outside the cycle-level engines calls these, by the routing's YAML
name): :func:`segments` gives each packet's route as two straight runs (the first and second dimension of a
dimension-order route) -- the form the difference-array link counts of the flow model and the loads estimate
take; :func:`links` lists every packet's link ids in route order; :func:`link_loads` sums them per link (mapping
validation). The tests hold them equal to the scalar functions above on random meshes.

Arbitration (who wins an output port) lives apart, in :mod:`noc.arbitration`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from noc.errors import NocError
from noc.topology import DIRECTIONS, LOCAL, E, MeshTopology, N, S, W

Coord = tuple[int, int]
RouteFn = Callable[[Coord, Coord], int]


def _x_step(cx: int, dx: int) -> int:
    return E if dx > cx else W


def _y_step(cy: int, dy: int) -> int:
    return N if dy > cy else S


def route_xy(current: Coord, destination: Coord) -> int:
    """Dimension-order routing, x first: correct x (E/W), then y (N/S), then ``LOCAL``."""
    (cx, cy), (dx, dy) = current, destination
    if cx != dx:
        return _x_step(cx, dx)
    if cy != dy:
        return _y_step(cy, dy)
    return LOCAL


def route_yx(current: Coord, destination: Coord) -> int:
    """Dimension-order routing, y first: correct y (N/S), then x (E/W), then ``LOCAL``."""
    (cx, cy), (dx, dy) = current, destination
    if cy != dy:
        return _y_step(cy, dy)
    if cx != dx:
        return _x_step(cx, dx)
    return LOCAL


ROUTING: dict[str, RouteFn] = {"xy": route_xy, "yx": route_yx}


def get_routing(name: str) -> RouteFn:
    """The routing function registered under ``name`` (the YAML label)."""
    try:
        return ROUTING[name]
    except KeyError:
        raise NocError(f"noc.routing: unknown routing {name!r}; allowed: {', '.join(sorted(ROUTING))}") from None


def route_ports(topo: MeshTopology, fn: RouteFn, src_router: int, dst_router: int) -> list[tuple[int, int]]:
    """The whole route as ``(router, mesh output port)`` steps, ending before the local ejection."""
    cur, dst = topo.coords(src_router), topo.coords(dst_router)
    steps: list[tuple[int, int]] = []
    port = fn(cur, dst)
    while port != LOCAL:
        if port not in DIRECTIONS or len(steps) > topo.width + topo.height:
            raise NocError(f"routing function {fn.__name__} returned port {port} at {cur} towards {dst}")
        router = topo.router_at(*cur)
        if topo.neighbour(router, port) < 0:
            raise NocError(f"routing function {fn.__name__} leaves the mesh at {cur} through port {port}")
        steps.append((router, port))
        cur = topo.coords(topo.neighbour(router, port))
        port = fn(cur, dst)
    return steps


def route_links(topo: MeshTopology, fn: RouteFn, src_router: int, dst_router: int) -> list[int]:
    """Link ids traversed from ``src_router`` to ``dst_router``."""
    return [int(topo.link_id[r, p]) for r, p in route_ports(topo, fn, src_router, dst_router)]


def sign_table(fn: RouteFn, topo: MeshTopology) -> np.ndarray:
    """Tabulate ``fn`` by the signs of the remaining offsets: ``table[sign(dx) + 1, sign(dy) + 1] = port``.

    This is how the Cython engine evaluates a routing function without calling Python. It is exact for any
    routing function whose choice depends only on those signs (every dimension-order routing does); the
    function is checked against the table over all router pairs of small meshes, and a fixed sample of pairs
    on large ones, and refused with :class:`NocError` if it disagrees.
    """
    table = np.empty((3, 3), dtype=np.int8)
    for sx in (-1, 0, 1):
        for sy in (-1, 0, 1):
            table[sx + 1, sy + 1] = fn((1, 1), (1 + sx, 1 + sy))
    _check_sign_table(fn, topo, table)
    return table


def _check_sign_table(fn: RouteFn, topo: MeshTopology, table: np.ndarray) -> None:
    n = topo.n_routers
    if n * n <= 4096:
        pairs = [(a, b) for a in range(n) for b in range(n)]
    else:
        rng = np.random.default_rng(0)  # fixed sample: the check must not depend on the caller's seed
        pairs = list(zip(rng.integers(0, n, 4096).tolist(), rng.integers(0, n, 4096).tolist(), strict=True))
    for a, b in pairs:
        (ax, ay), (bx, by) = topo.coords(a), topo.coords(b)
        expect = table[int(np.sign(bx - ax)) + 1, int(np.sign(by - ay)) + 1]
        if fn((ax, ay), (bx, by)) != expect:
            raise NocError(
                f"routing function {fn.__name__} is not determined by the offset signs at {(ax, ay)} -> "
                f"{(bx, by)}; the fast engine supports dimension-order (sign-determined) routing only"
            )


# ----- vectorised routes ---------------------------------------------------------------------------------------

# The dimension each registered routing corrects first: 0 = x (along a row: E / W links), 1 = y (N / S).
FIRST_AXIS: dict[str, int] = {"xy": 0, "yx": 1}


def first_axis(name: str) -> int:
    """The dimension routing ``name`` corrects first (0: x, 1: y); only dimension-order routings have one."""
    get_routing(name)
    try:
        return FIRST_AXIS[name]
    except KeyError:
        raise NocError(f"noc.routing: {name!r} has no vectorised (dimension-order) form; allowed: "
                       f"{', '.join(sorted(FIRST_AXIS))}") from None


@dataclass(frozen=True)
class Segment:
    """One straight run of every packet's route (arrays over packets; a run of length 0 crosses no link).

    Attributes
    ----------
    axis : int
        0: along a row (x varies, E / W links, ``line`` is the row ``y``); 1: along a column (``line`` is ``x``).
    line, a, b : ndarray of int64
        The row or column, and the start and end coordinate along the axis.
    k0 : ndarray of int64
        Hop index, within the whole route, of the run's first link.
    """

    axis: int
    line: np.ndarray
    a: np.ndarray
    b: np.ndarray
    k0: np.ndarray

    @property
    def positive(self) -> np.ndarray:
        """Runs towards +x (E) or +y (N)."""
        return self.b > self.a

    @property
    def negative(self) -> np.ndarray:
        """Runs towards -x (W) or -y (S)."""
        return self.b < self.a

    @property
    def directions(self) -> tuple[int, int]:
        """The mesh directions of the positive and negative runs: (E, W) or (N, S)."""
        return (E, W) if self.axis == 0 else (N, S)

    @property
    def length(self) -> np.ndarray:
        return np.abs(self.b - self.a)

    @property
    def lo(self) -> np.ndarray:
        """First cell of the run in :meth:`MeshTopology.line_links` (its cells are ``lo .. hi - 1``)."""
        return np.minimum(self.a, self.b)

    @property
    def hi(self) -> np.ndarray:
        """One past the last cell of the run."""
        return np.maximum(self.a, self.b)


def segments(topo: MeshTopology, routing: str, src_router, dst_router) -> tuple[Segment, Segment]:
    """The routes from ``src_router`` to ``dst_router`` (int arrays) of dimension-order routing ``routing`` as
    two straight runs each, in route order: XY runs along the source row, then the destination column; YX
    along the source column, then the destination row."""
    xs, ys = topo.coords(np.asarray(src_router, np.int64))
    xd, yd = topo.coords(np.asarray(dst_router, np.int64))
    zero = np.zeros(np.shape(xs), np.int64)
    if first_axis(routing) == 0:
        return Segment(0, ys, xs, xd, zero), Segment(1, xd, ys, yd, np.abs(xd - xs))
    return Segment(1, xs, ys, yd, zero), Segment(0, yd, xs, xd, np.abs(yd - ys))


def links(topo: MeshTopology, routing: str, src_router, dst_router) -> tuple[np.ndarray, np.ndarray]:
    """Every link of every route: ``(packet int64[K], link int32[K])``, packet by packet in route order (the
    vectorised :func:`route_links`)."""
    pkt, hop, link = route_entries(topo, routing, src_router, dst_router)
    order = np.lexsort((hop, pkt))
    return pkt[order], link[order]


def route_entries(topo: MeshTopology, routing: str, src_router, dst_router):
    """Every link of every route, unordered: ``(packet int64[K], hop int64[K], link int32[K])``, ``hop`` the
    links before it on its route (:func:`links` sorts them into route order)."""
    parts = [_segment_links(topo, seg) for seg in segments(topo, routing, src_router, dst_router)]
    return tuple(np.concatenate([q[i] for q in parts]) for i in range(3))


def _segment_links(topo: MeshTopology, seg: Segment) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(packet, hop index, link id) of every link of one run of every packet."""
    n = seg.length
    pkt = np.repeat(np.arange(n.size, dtype=np.int64), n)
    k = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
    pos = seg.positive[pkt]
    at = np.where(pos, seg.a[pkt] + k, seg.a[pkt] - k)          # coordinate of the router the link leaves
    line = seg.line[pkt]
    router = topo.router_at(at, line) if seg.axis == 0 else topo.router_at(line, at)
    pos_d, neg_d = seg.directions
    link = topo.link_id[router, np.where(pos, pos_d, neg_d)]
    return pkt, seg.k0[pkt] + k, link.astype(np.int32)


def link_loads(topo: MeshTopology, routing: str, src_router, dst_router, weights=None) -> np.ndarray:
    """Per-link sum of ``weights`` (default 1 per packet) over the packets routed through it: float64[n_links]."""
    pkt, link = links(topo, routing, src_router, dst_router)
    w = None if weights is None else np.asarray(weights, np.float64)[pkt]
    return np.bincount(link, weights=w, minlength=topo.n_links).astype(np.float64)
