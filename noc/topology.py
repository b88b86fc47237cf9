"""Mesh topology: cores to routers, router coordinates, ports and directed links.

Numbering
---------
- Router ``r`` sits at ``x = r % width``, ``y = r // width``.
- Core ``c`` is attached to router ``c // cores_per_router`` at local index ``c % cores_per_router``.
- Ports of a router: ``N = 0`` (towards y + 1), ``E = 1`` (x + 1), ``S = 2`` (y - 1), ``W = 3`` (x - 1), then one
  local port per attached core, ``LOCAL + k`` for local core ``k``. The same numbers name input ports (where a
  packet enters) and output ports (where it leaves). A packet that leaves through output ``N`` enters the next
  router through its input ``S``: ``opposite(port) = (port + 2) % 4``.
- Links are the directed router-to-router channels, numbered in order of source router and then output port
  (N, E, S, W); mesh edges have no link. East-west links are priced apart from north-south ones.

Systems of chips
----------------
A system (``cfg.system``, :class:`chip_configs.schema.SystemConfig`) is one mesh numbered as above, cut into
``chip_width`` x ``chip_height`` blocks of routers: chip ``(i, j)`` holds routers ``x // chip_width == i``,
``y // chip_height == j`` and has id ``j * chips_x + i`` (:attr:`MeshTopology.chip_of_router`). A link whose
two routers sit on different chips is an off-chip link (:attr:`MeshTopology.link_off_chip`); every other link
is on-chip. A single chip is the system of one chip (every link on-chip).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from chip_configs.schema import ChipConfig, NetworkSpec, as_network_spec

N, E, S, W = 0, 1, 2, 3
LOCAL = 4
DIRECTIONS = (N, E, S, W)
PORT_NAMES = ("N", "E", "S", "W")
# (dx, dy) of one step through each mesh output port.
STEP = ((0, 1), (1, 0), (0, -1), (-1, 0))


def opposite(port: int) -> int:
    """The input port through which a packet sent out of mesh port ``port`` enters the next router."""
    return (port + 2) % 4


def port_name(port: int) -> str:
    """``"N"``, ``"E"``, ``"S"``, ``"W"`` or ``"L<k>"`` for the local port of core ``k``."""
    return PORT_NAMES[port] if port < LOCAL else f"L{port - LOCAL}"


@dataclass(frozen=True)
class MeshTopology:
    """A ``width`` x ``height`` mesh with ``cores_per_router`` cores on each router.

    Attributes
    ----------
    link_id : ndarray of int32, shape (routers, 4)
        Id of the directed link leaving router ``r`` through mesh port ``p``, or -1 at the mesh edge.
    link_src, link_dst : ndarray of int32, shape (n_links,)
        Source and destination router of each link.
    link_port : ndarray of int8, shape (n_links,)
        Output port (N, E, S, W) of each link at its source router.
    link_is_ew : ndarray of bool, shape (n_links,)
        True for east-west links, False for north-south links.
    chip_width, chip_height : routers of one chip along x and y (the whole mesh for a single chip).
    """

    width: int
    height: int
    cores_per_router: int
    n_cores: int
    link_id: np.ndarray = field(repr=False, compare=False)
    link_src: np.ndarray = field(repr=False, compare=False)
    link_dst: np.ndarray = field(repr=False, compare=False)
    link_port: np.ndarray = field(repr=False, compare=False)
    chip_width: int = 0
    chip_height: int = 0

    def __post_init__(self):
        # 0 (the default): one chip covering the whole mesh
        if self.chip_width == 0:
            object.__setattr__(self, "chip_width", self.width)
        if self.chip_height == 0:
            object.__setattr__(self, "chip_height", self.height)
        if self.width % self.chip_width or self.height % self.chip_height:
            raise ValueError(f"a {self.width} x {self.height} mesh is not tiled by {self.chip_width} x "
                             f"{self.chip_height} chips")

    @classmethod
    def build(cls, width: int, height: int, cores_per_router: int = 1, n_cores: int | None = None,
              chip_width: int = 0, chip_height: int = 0):
        """Topology of a mesh; ``n_cores`` defaults to every core slot; chips of ``chip_width`` x
        ``chip_height`` routers (0: one chip)."""
        link_id, src, dst, port = _enumerate_links(width, height)
        cores = width * height * cores_per_router if n_cores is None else n_cores
        return cls(width, height, cores_per_router, cores, link_id, src, dst, port, chip_width, chip_height)

    @classmethod
    def from_config(cls, cfg: ChipConfig | NetworkSpec) -> MeshTopology:
        """Topology of the chip's or system's mesh (``cfg.mesh``, ``cfg.system``): one shared, read-only object
        per geometry, so every engine, estimate and mapping stage of a chip works on the same instance."""
        spec = as_network_spec(cfg)
        m, sysc = spec.mesh, spec.system
        cw, ch = (sysc.chip_width, sysc.chip_height) if sysc is not None else (0, 0)
        return _shared(m.width, m.height, m.cores_per_router, m.cores, cw, ch)

    # ----- chips of a system -----------------------------------------------------------------------------
    @property
    def chips_x(self) -> int:
        return self.width // self.chip_width

    @property
    def chips_y(self) -> int:
        return self.height // self.chip_height

    @property
    def n_chips(self) -> int:
        return self.chips_x * self.chips_y

    @property
    def chip_of_router(self) -> np.ndarray:
        """Chip id of every router (int32, ``[routers]``): ``(y // chip_height) * chips_x + x // chip_width``."""
        return self._chip_arrays()[0]

    @property
    def link_off_chip(self) -> np.ndarray:
        """Whether each link crosses a chip edge (bool, ``[n_links]``)."""
        return self._chip_arrays()[1]

    def chip_of_core(self, core):
        """Chip id of core(s) ``core`` (scalar or array)."""
        chip = self.chip_of_router[self.router_of_core(core)]
        return chip if np.ndim(core) else int(chip)

    def chip_crossings(self, src_core, dst_core):
        """Off-chip links on every minimal route from ``src_core`` to ``dst_core`` (scalar or array): the chip
        columns plus the chip rows it crosses, ``|sx // cw - tx // cw| + |sy // ch - ty // ch|``, whatever the
        dimension order (an x run crosses the same chip columns on any row)."""
        ew, ns = self.chip_crossings_xy(src_core, dst_core)
        return ew + ns

    def chip_crossings_xy(self, src_core, dst_core):
        """The off-chip links of :meth:`chip_crossings` by direction: ``(|sx // cw - tx // cw|, |sy // ch - ty //
        ch|)``, the east-west ones (chip columns crossed) and the north-south ones (chip rows crossed)."""
        sx, sy = self.coords(self.router_of_core(src_core))
        tx, ty = self.coords(self.router_of_core(dst_core))
        return abs(sx // self.chip_width - tx // self.chip_width), abs(sy // self.chip_height - ty // self.chip_height)

    def _chip_arrays(self):
        cached = self.__dict__.get("_chips")
        if cached is None:
            x, y = self.coords(np.arange(self.n_routers))
            chip = ((y // self.chip_height) * self.chips_x + x // self.chip_width).astype(np.int32)
            off = chip[self.link_src] != chip[self.link_dst]
            for arr in (chip, off):
                arr.flags.writeable = False
            cached = (chip, off)
            object.__setattr__(self, "_chips", cached)
        return cached

    @property
    def n_routers(self) -> int:
        return self.width * self.height

    @property
    def n_ports(self) -> int:
        """Ports per router: four mesh ports and one local port per core."""
        return LOCAL + self.cores_per_router

    @property
    def n_links(self) -> int:
        return len(self.link_src)

    @property
    def link_is_ew(self) -> np.ndarray:
        return (self.link_port == E) | (self.link_port == W)

    def router_of_core(self, core):
        """Router index of core(s) ``core`` (scalar or array)."""
        return np.asarray(core) // self.cores_per_router if np.ndim(core) else int(core) // self.cores_per_router

    def local_index(self, core):
        """Index of core(s) ``core`` among the cores of its router; its local port is ``LOCAL + index``."""
        return np.asarray(core) % self.cores_per_router if np.ndim(core) else int(core) % self.cores_per_router

    def coords(self, router):
        """``(x, y)`` of router(s) ``router``."""
        if np.ndim(router):
            r = np.asarray(router)
            return r % self.width, r // self.width
        return int(router) % self.width, int(router) // self.width

    def router_at(self, x, y):
        """Router index at ``(x, y)``."""
        return y * self.width + x

    def neighbour(self, router: int, port: int) -> int:
        """Router reached from ``router`` through mesh port ``port``, or -1 at the edge."""
        link = int(self.link_id[router, port])
        return -1 if link < 0 else int(self.link_dst[link])

    def offsets(self, src_core, dst_core):
        """Signed hop offsets ``(dx, dy)`` from the router of ``src_core`` to that of ``dst_core``."""
        sx, sy = self.coords(self.router_of_core(src_core))
        tx, ty = self.coords(self.router_of_core(dst_core))
        return tx - sx, ty - sy

    def hop_distance(self, src_core, dst_core):
        """Manhattan distance in router-to-router hops (the hop count of every minimal route)."""
        dx, dy = self.offsets(src_core, dst_core)
        return np.abs(dx) + np.abs(dy)

    def core_coords(self, core):
        """``(x, y)`` of the router of core(s) ``core``."""
        return self.coords(self.router_of_core(core))

    def hops(self, src_router, dst_router):
        """Router-to-router hops ``|dx| + |dy|`` between routers (int or int64 arrays): every minimal route's
        length, and the ``h`` of the zero-load latency ``T0(h)`` (:mod:`noc.model`)."""
        sx, sy = self.coords(src_router)
        tx, ty = self.coords(dst_router)
        return np.abs(tx - sx) + np.abs(ty - sy) if np.ndim(src_router) or np.ndim(dst_router) else \
            abs(tx - sx) + abs(ty - sy)

    def line_links(self, direction: int) -> np.ndarray:
        """Link ids of mesh direction ``direction`` as a grid ``[line, cell]`` (int32): E and W lines are the
        rows (``height`` lines of ``width - 1`` cells), N and S lines the columns (``width`` of ``height - 1``).
        Cell ``u`` is the link ``u -> u + 1`` (E, N) or ``u + 1 -> u`` (W, S), so a straight run between
        coordinates ``a`` and ``b`` of a line covers cells ``min(a, b) .. max(a, b) - 1``: the layout of every
        difference-array link count (flow model, loads estimate, :func:`noc.routing.link_loads`)."""
        ids = self.link_id.reshape(self.height, self.width, 4)
        grid = {E: ids[:, :-1, E], W: ids[:, 1:, W], N: ids[:-1, :, N].T, S: ids[1:, :, S].T}[direction]
        return np.ascontiguousarray(grid)


@lru_cache(maxsize=32)
def _shared(width: int, height: int, cores_per_router: int, n_cores: int, chip_width: int = 0,
            chip_height: int = 0) -> MeshTopology:
    """The one :class:`MeshTopology` of a mesh geometry, its arrays read-only (it is shared)."""
    topo = MeshTopology.build(width, height, cores_per_router, n_cores, chip_width, chip_height)
    for arr in (topo.link_id, topo.link_src, topo.link_dst, topo.link_port):
        arr.flags.writeable = False
    return topo


def _enumerate_links(width: int, height: int):
    """Directed links in order (source router, port N/E/S/W): id table, endpoints and ports (vectorised: a
    system's mesh has up to 256 x 256 routers)."""
    n_routers = width * height
    r = np.repeat(np.arange(n_routers, dtype=np.int64), 4)
    p = np.tile(np.arange(4, dtype=np.int64), n_routers)
    step = np.asarray(STEP, dtype=np.int64)
    nx, ny = r % width + step[p, 0], r // width + step[p, 1]
    ok = (nx >= 0) & (nx < width) & (ny >= 0) & (ny < height)
    link_id = np.full(n_routers * 4, -1, dtype=np.int32)
    link_id[ok] = np.arange(int(ok.sum()), dtype=np.int32)
    return (
        link_id.reshape(n_routers, 4),
        r[ok].astype(np.int32),
        (ny * width + nx)[ok].astype(np.int32),
        p[ok].astype(np.int8),
    )
