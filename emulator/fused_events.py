"""The fused loop's spike events and mesh geometry: what each spike adds to the tick's counters.

Built once per program by :class:`emulator.fused.FusedPlan`, from the chip's wiring, its
:class:`noc.topology.MeshTopology` (the link grids of :meth:`~noc.topology.MeshTopology.line_links`) and its
routing's vectorised routes (:func:`noc.routing.segments`): per-neuron records (:data:`META_DTYPE`),
destination-core masks and delivery lists, route counts (:class:`RouteCountPlan`), route difference entries,
and the link grids (:class:`MeshPlan`) the kernel's loads estimate reads (``emulator/_events.c``,
``emulator/_fused.pyx``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_configs.errors import SimulationError
from chip_configs.npz import memory_limit_bytes
from emulator import _fused
from emulator.energy import N_EVENTS
from noc.loads_estimate import router_peers_table
from noc.routing import first_axis, segments
from noc.topology import E, N, S, W


@dataclass(frozen=True)
class RouteCountPlan:
    """The route-count tables of :meth:`Geometry.route_counts` (``emulator/_events.c``)."""

    x_first: bool
    src_router: np.ndarray
    router_group: np.ndarray
    router_x: np.ndarray
    router_y: np.ndarray
    router_bits: np.ndarray
    lcnt: np.ndarray
    n_lines: int
    n_groups: int


@dataclass(frozen=True)
class OnePlan:
    """Events of a chip whose neurons have at most one packet each (``nm_one_t`` of ``emulator/_events.h``): the
    router coordinates ``x``, ``y`` of each core position and the routing's first axis, and in a system of chips
    each core position's chip column ``cx`` and row ``cy`` (None on one chip); the kernel finds each packet's
    source and destination cores as it schedules the spike."""

    x: np.ndarray
    y: np.ndarray
    x_first: bool
    cx: np.ndarray | None = None
    cy: np.ndarray | None = None


@dataclass(frozen=True)
class EventPlan:
    """Each spike's events: difference entries ``ev``, delivery lists ``dl``, destination masks, the mask bit
    order, the per-neuron records (:data:`META_DTYPE`) and the route counts (None: per-spike lists); or, for
    one-target neurons, ``one`` (the others empty)."""

    ev: np.ndarray
    dl: np.ndarray
    dmask: np.ndarray
    pos_of_bit: np.ndarray
    meta: np.ndarray
    routes: RouteCountPlan | None
    one: OnePlan | None = None


@dataclass(frozen=True)
class MeshPlan:
    """The link grids: ``width`` x ``height`` routers, the link id of each grid cell and its router peers."""

    width: int
    height: int
    cell_link: np.ndarray
    cell_peers: np.ndarray


MASK_WORDS_MAX = 8  # destination-core bit masks up to 512 cores; a list per neuron beyond
# The kernel's per-neuron spike record (nm_meta_t of emulator/_events.h), one 64-byte cache line.
META_DTYPE = np.dtype([("mask", "<u8", (4,)), ("pkt", "<i4"), ("hew", "<i4"), ("hns", "<i4"), ("ev_start", "<i4"),
                       ("dl_start", "<i4"), ("hmax", "<i2"), ("core", "<u2"), ("router", "<u2"), ("group", "<u2"),
                       ("ev_n", "<u2"), ("dl_n", "<u2")])


def spike_records(dmask, per_neuron: dict, ev_ptr, dl_ptr, neuron_pos, routes) -> np.ndarray:
    """The per-neuron spike records (:data:`META_DTYPE`); errors name the field that does not fit."""
    if META_DTYPE.itemsize != _fused.meta_size():
        raise SimulationError(f"internal: META_DTYPE is {META_DTYPE.itemsize} bytes, the kernel's record "
                              f"{_fused.meta_size()}")
    n = neuron_pos.size
    meta = np.zeros(n, META_DTYPE)
    if 0 < dmask.shape[1] <= 4:
        meta["mask"][:, :dmask.shape[1]] = dmask
    fields = {"pkt": per_neuron["pkt"], "hew": per_neuron["hew"], "hns": per_neuron["hns"],
              "hmax": per_neuron["hmax"], "core": neuron_pos, "ev_start": ev_ptr[:-1], "ev_n": np.diff(ev_ptr),
              "dl_start": dl_ptr[:-1], "dl_n": np.diff(dl_ptr)}
    if routes is not None:
        fields["router"] = routes.src_router
        fields["group"] = routes.router_group[routes.src_router]
    for name, values in fields.items():
        info = np.iinfo(META_DTYPE[name].base)
        if values.size and (values.max() > info.max or values.min() < info.min):
            raise SimulationError(f"engine 'loads': per-neuron {name} up to {int(values.max()):,} does not fit "
                                  f"the kernel's {META_DTYPE[name].base} field; use --engine fast or flow")
        meta[name] = values
    return meta


INLINE_EV, INLINE_DL = 6, 4   # list entries a record holds in its unused mask words (_events.c)


def inline_lists(meta: np.ndarray, ev: np.ndarray, dl: np.ndarray) -> None:
    """Without destination masks (beyond :data:`MASK_WORDS_MAX` x 64 cores) a record's 32 mask bytes are free:
    a neuron with at most :data:`INLINE_EV` route-difference entries and :data:`INLINE_DL` deliveries keeps them
    there (bytes 0-23 and 24-31), marked ``ev_start = -1``, so that its spike costs one random access instead of
    three (TrueNorth's operating point: every neuron, 4 entries and 1 delivery)."""
    ev_n, dl_n = meta["ev_n"].astype(np.int64), meta["dl_n"].astype(np.int64)
    inline = np.flatnonzero((ev_n <= INLINE_EV) & (dl_n <= INLINE_DL))
    words = meta["mask"].view(np.uint32).reshape(meta.size, 8)
    halves = meta["mask"].view(np.uint16).reshape(meta.size, 16)
    ev_start, dl_start = meta["ev_start"].astype(np.int64), meta["dl_start"].astype(np.int64)
    for j in range(INLINE_EV):
        rows = inline[ev_n[inline] > j]
        words[rows, j] = ev[ev_start[rows] + j]
    for j in range(INLINE_DL):
        rows = inline[dl_n[inline] > j]
        halves[rows, 12 + j] = dl[dl_start[rows] + j]
    meta["ev_start"][inline] = -1


def delivery_tables(w, n_cores: int, bit_of_pos: np.ndarray,
                masks: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each neuron's deliveries: (list pointers, destination cores uint16 of the list, bit masks uint64[N, W],
    and for each destination entry whether it is in the masks).

    Up to :data:`MASK_WORDS_MAX` x 64 cores, the first packet of a neuron to each core is a bit of its mask, bit
    ``bit_of_pos[core]`` (the kernel counts them per destination core: ``_events.c``) and only further packets
    to the same core stay in the list;
    beyond (or without ``masks``), every packet is in the list and the masks are empty.
    """
    n = w.dest_ptr.size - 1
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(w.dest_ptr))
    dst = w.dest_pos.astype(np.int64)
    n_words = -(-n_cores // 64)
    if n_words > MASK_WORDS_MAX or not masks:
        return (w.dest_ptr.astype(np.int64), dst.astype(np.uint16), np.zeros((n, 0), np.uint64),
                np.zeros(dst.size, bool))
    key = src * n_cores + dst
    _, first = np.unique(key, return_index=True)
    is_first = np.zeros(key.size, bool)
    is_first[first] = True
    masks = np.zeros((n, n_words), np.uint64)
    f_src, f_dst = src[is_first], bit_of_pos[dst[is_first]].astype(np.int64)
    np.bitwise_or.at(masks, (f_src, f_dst >> 6), np.left_shift(np.uint64(1), (f_dst & 63).astype(np.uint64)))
    extra = ~is_first
    ptr = np.searchsorted(src[extra], np.arange(n + 1)).astype(np.int64)
    return ptr, dst[extra].astype(np.uint16), masks, is_first



class Geometry:
    """Routes of every neuron's packets on the mesh, as per-spike events for the fused kernel.

    Difference grids (flat, in the kernel's counter array after the C x 8 per-core block): E and W, one line
    per row of ``width`` cells; N and S, one line per column of ``height`` cells. Cell ``u`` of a line is the
    link ``u -> u + 1`` (E, N) or ``u + 1 -> u`` (W, S); the last cell of a line only closes the differences.
    """

    def __init__(self, chip):
        topo = chip.topology
        self.topo = topo
        self.width, self.height = topo.width, topo.height
        self.routing = chip.cfg.noc.routing
        self.x_first = first_axis(self.routing) == 0
        self.C = chip.cores.n_cores
        self.system = chip.cfg.system is not None
        w, h = self.width, self.height
        self.base = {E: 0, W: w * h, N: 2 * w * h, S: 3 * w * h}
        # The topology's line grids (noc.topology.MeshTopology.line_links), each line padded by a closing cell.
        cell = np.full(4 * w * h, -1, np.int32)
        for d in (E, W, N, S):
            grid = topo.line_links(d)
            cell[self.base[d]:self.base[d] + w * h].reshape(grid.shape[0], -1)[:, :-1] = grid
        self.cell_link = cell
        self.cell_peers = self._peers(topo, cell)
        # Mask bits ordered by the first route segment's line, then router: every line and router
        # mask is a contiguous run of bits (a word or two to count instead of all of them).
        r = topo.router_of_core(chip.wiring.core_index).astype(np.int64)
        rx, ry = r % w, r // w
        order = np.lexsort((chip.wiring.core_index, ry, rx) if self.x_first else (chip.wiring.core_index, rx, ry))
        self.bit_of_pos = np.empty(self.C, np.int32)
        self.bit_of_pos[order] = np.arange(self.C, dtype=np.int32)
        self.entry_hops = np.zeros(0, np.int64)

    @staticmethod
    def _peers(topo, cell_link: np.ndarray) -> np.ndarray:
        """int32[cells, 3]: for each link cell, the cells of the other mesh outputs of its source router."""
        cell_of_link = np.full(topo.n_links, -1, np.int32)
        real = cell_link >= 0
        cell_of_link[cell_link[real]] = np.flatnonzero(real)
        peers = np.full((cell_link.size, 3), -1, np.int32)
        ids = router_peers_table(topo, cell_link[real])
        peers[real] = np.where(ids >= 0, cell_of_link[np.maximum(ids, 0)], -1)
        return peers

    def _segment(self, seg):
        """Difference entries (packet, cell, +-1) of one straight run of every packet (a
        :class:`noc.routing.Segment`): +1 at its first cell, -1 one past its last, on its direction's lines."""
        out = []
        line_len = self.width if seg.axis == 0 else self.height
        for d, m in zip(seg.directions, (seg.positive, seg.negative), strict=True):
            if m.any():
                start = self.base[d] + seg.line[m] * line_len
                out.append((np.flatnonzero(m), start + seg.lo[m], 1))
                out.append((np.flatnonzero(m), start + seg.hi[m], -1))
        return out

    def route_counts(self, wiring, first: np.ndarray) -> RouteCountPlan | None:
        """Tables of the kernel's route counts (``emulator/_events.c``, ``FusedKernel._routes_to_grid``) for
        the config's dimension-order routing (XY or YX: the only ones the schema allows), or None when a
        counter could pass its 16 bits in one tick (the kernel then lists every packet).

        ``first`` marks the destination entries that are a neuron's first packet to their core (its mask bits).
        ``lcnt[n, l]``: neuron n's first packets to destination line l (XY: column) of the first route segment.
        """
        topo = self.topo
        w, h = self.width, self.height
        x_first = self.x_first
        n = wiring.dest_ptr.size - 1
        router_of_pos = topo.router_of_core(wiring.core_index).astype(np.int64)
        n_routers = w * h
        all_r = np.arange(n_routers)
        src = np.repeat(np.arange(n, dtype=np.int64), np.diff(wiring.dest_ptr))[first]
        dst = wiring.dest_pos.astype(np.int64)[first]
        rd = router_of_pos[dst]
        line = rd % w if x_first else rd // w
        n_lines = w if x_first else h
        lines_pad = -(-n_lines // 32) * 32
        # Sparse counts first: a dense int64 [neurons, lines] or [routers, lines] table would take gigabytes on
        # a large mesh (1024 x 1024 routers: 8 GiB for the per-router sums alone) to read three maxima.
        key, cnt = np.unique(src * lines_pad + line, return_counts=True)
        src_router = router_of_pos[wiring.neuron_pos].astype(np.int64)
        group_of_router = all_r // w if x_first else all_r % w
        n_groups = h if x_first else w
        # Worst tick: every neuron spikes once. The per-router sums add lcnt over r's neurons; per_group counts
        # g's neurons with bit b.
        _, per_line = np.unique(src_router[key // lines_pad] * lines_pad + key % lines_pad, return_inverse=True)
        per_router_max = int(np.bincount(per_line.reshape(-1), weights=cnt).max(initial=0))
        per_group = np.bincount(group_of_router[src_router[src]] * self.C + self.bit_of_pos[dst],
                                minlength=n_groups * self.C)
        if int(cnt.max(initial=0)) > 255 or per_router_max > 0xFFFF or int(per_group.max(initial=0)) > 0xFFFF:
            return None
        if n * lines_pad > memory_limit_bytes() // 4:   # the table would crowd memory: list packets instead
            return None
        # The kernel's table: one byte per neuron and line, dense on purpose. On bench-A (16 x 4 mesh, XY) a
        # neuron's first packets reach 15.96 of the 16 columns on average: a sparse (line, count) list would
        # take more bytes per neuron than the 32-byte padded row and 16 scalar adds per spike where the row is
        # one vector add (emulator/_events.c). A mesh wide enough for the rows to crowd memory is caught above.
        lcnt = np.zeros((n, lines_pad), np.uint8)
        lcnt.reshape(-1)[key] = cnt
        bits = np.zeros((n_routers, 2), np.int32)
        for r in np.unique(router_of_pos):
            b = self.bit_of_pos[router_of_pos == r]
            if b.max() - b.min() + 1 != b.size:   # the bit order makes every router a contiguous run
                raise SimulationError(f"internal: router {r}'s mask bits are not contiguous")
            bits[r] = (b.min(), b.max() + 1)
        return RouteCountPlan(x_first=x_first, src_router=src_router.astype(np.int32),
                              router_group=group_of_router.astype(np.int32), router_x=(all_r % w).astype(np.int32),
                              router_y=(all_r // w).astype(np.int32), router_bits=bits, lcnt=lcnt,
                              n_lines=n_lines, n_groups=n_groups)

    def one_target(self, wiring) -> OnePlan | None:
        """The events of a wiring whose neurons have at most one destination entry each (TrueNorth: one axon
        per neuron) as :class:`OnePlan`, and :attr:`entry_hops`; None when some neuron has more. Built from
        coordinates alone: no per-packet route is materialised. In a system of chips the plan also carries each
        core's chip column and row: a packet's off-chip links (its chip crossings) add to its zero-load latency,
        and the link loads and off-chip figures come from the same grids as on one chip."""
        per = np.diff(wiring.dest_ptr)
        if per.size and int(per.max()) > 1:
            return None
        topo = self.topo
        router = topo.router_of_core(wiring.core_index).astype(np.int64)
        x, y = topo.coords(router)
        src = np.flatnonzero(per)
        s_pos = wiring.neuron_pos[src].astype(np.int64)
        d_pos = wiring.dest_pos.astype(np.int64)
        route = segments(topo, self.routing, router[s_pos], router[d_pos])
        self.entry_hops = sum(seg.length for seg in route).astype(np.int64)
        cx = cy = None
        if self.system:
            cx, cy = x // topo.chip_width, y // topo.chip_height
            cx, cy = np.ascontiguousarray(cx, np.int32), np.ascontiguousarray(cy, np.int32)
        return OnePlan(np.ascontiguousarray(x, np.int32), np.ascontiguousarray(y, np.int32), self.x_first, cx, cy)

    def events(self, wiring, grid_for: np.ndarray | None = None):
        """(ev_ptr int64[N+1], ev uint32 ``(increment << 16) | counter``, per-neuron sums) of every neuron's
        spike: the difference entries of the routes of its packets (of the entries selected by ``grid_for``;
        default all), and its packets, hops east-west / north-south and longest route (``pkt``, ``hew``,
        ``hns``, ``hmax``, int64[N])."""
        topo, C = self.topo, self.C
        n = wiring.dest_ptr.size - 1
        src = np.repeat(np.arange(n, dtype=np.int64), np.diff(wiring.dest_ptr))
        k, kd = wiring.neuron_pos[src].astype(np.int64), wiring.dest_pos.astype(np.int64)
        rs = topo.router_of_core(wiring.core_index[k]).astype(np.int64)
        rd = topo.router_of_core(wiring.core_index[kd]).astype(np.int64)
        route = segments(topo, self.routing, rs, rd)
        hew, hns = (sum(seg.length for seg in route if seg.axis == axis) for axis in (0, 1))
        self.entry_hops = (hew + hns).astype(np.int64)
        per_neuron = {"pkt": np.bincount(src, minlength=n), "hew": np.bincount(src, weights=hew, minlength=n),
                      "hns": np.bincount(src, weights=hns, minlength=n)}
        per_neuron = {key: v.astype(np.int64) for key, v in per_neuron.items()}
        grid0 = C * N_EVENTS
        w, h = self.width, self.height
        sel = np.arange(src.size) if grid_for is None else np.flatnonzero(grid_for)
        route = segments(topo, self.routing, rs[sel], rd[sel])
        parts = [(sel[e], grid0 + cell, np.full(e.size, sign)) for seg in route for e, cell, sign in self._segment(seg)]
        ent = np.concatenate([np.zeros(0, np.int64)] + [p[0] for p in parts])
        idx = np.concatenate([np.zeros(0, np.int64)] + [np.asarray(p[1], np.int64) for p in parts])
        inc = np.concatenate([np.zeros(0, np.int64)] + [np.asarray(p[2], np.int64) for p in parts])
        n_idx = grid0 + 4 * w * h
        key = src[ent] * n_idx + idx
        uniq, inv = np.unique(key, return_inverse=True)
        total = np.bincount(inv, weights=inc, minlength=uniq.size).astype(np.int64)
        keep = total != 0
        uniq, total = uniq[keep], total[keep]
        ev_src = uniq // n_idx
        ev_ptr = np.searchsorted(ev_src, np.arange(n + 1)).astype(np.int64)
        hmax = np.zeros(n, np.int64)
        np.maximum.at(hmax, src, hew + hns)
        per_neuron["hmax"] = hmax
        if n_idx > 1 << 16 or (total.size and int(np.abs(total).max()) >= 1 << 15):
            raise SimulationError(
                f"engine 'loads': {self.C} cores on a {w} x {h} mesh, or a neuron with more than 32,767 packets or "
                "hops per spike, exceed the fused kernel's 16-bit event fields; use --engine fast or flow")
        ev = ((total.astype(np.int64) & 0xFFFF) << 16) | (uniq % n_idx)
        return ev_ptr, ev.astype(np.uint32), per_neuron
