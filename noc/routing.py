"""Routing functions, looked up by the name used in the chip config (``noc.routing``).

A routing function is pure: ``fn(current, destination) -> output port``, where ``current`` and ``destination``
are router coordinates ``(x, y)`` and the result is a mesh port (``N``, ``E``, ``S``, ``W`` from
:mod:`noc.topology`) or ``LOCAL`` when the packet has reached its destination router (the engine then picks
the local port of the destination core). Both are dimension-order (deterministic, minimal) and therefore free
of routing deadlock on a mesh: no packet ever turns from its second dimension back into its first, so the
channel dependency graph has no cycle.

Arbitration (who wins an output port) lives apart, in :mod:`noc.arbitration`.
"""

from __future__ import annotations

from collections.abc import Callable

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
