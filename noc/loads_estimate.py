"""The loads estimate: a tick's network drain time from its link, injection and ejection loads (approximate).

The network model of ``--engine loads``. Unlike the packet-level models (cycle-exact, SimPy, flow) it never sees
a packet: the fused loop (:mod:`emulator.fused`) counts each tick's loads without forming packets, and this
model turns them into the tick's network end. The compiled loop evaluates it per tick (``emulator/_fused.pyx``,
``_time`` and ``_link_service``) from the :class:`LoadsEstimate` record built here; :func:`network_end` is its
NumPy specification, and the tests hold the two equal tick by tick.

Drain estimate of one tick (ns from the tick start; ``T0(h) = I + (h+1)P + hL + E + F - 1`` cycles,
:mod:`noc.model`; ``cyc`` the cycle in ns)::

    a_k   = integ_k + update_k / n_k + spike_ns        earliest packet of core k (emulator.timing)
    t_a   = min over cores with packets of a_k
    inj   = max_k [ max(busy_k, a_k + pkt_k s_inj cyc) + T0(hmax_k) cyc ]
    link  = t_a + (T0(1) - F + n_link_max s_link' cyc)  busiest link, packets n_link_max (only if one carried any)
    eject = t_a + (T0(0) - F + n_dlv_max s_ej) cyc       busiest ejection port
    network end = max(inj, link, eject)                  (0 without packets)

with the credit-limited service times of :func:`noc.contention.credit_service_times`; the busiest link's
``s_link' = s_link / h`` when another mesh output of its router carries at least half its load (packets at the
heads of the router's input queues then wait for different outputs and block those behind them), else
``s_link``. ``h`` is the saturation throughput of a FIFO input-queued switch with as many inputs as can request
a mesh output of the router (:func:`noc.contention.hol_saturation` of ``3 + C`` inputs, ``C`` cores per router:
Karol et al.'s finite-switch value; Loihi, 7 inputs: 0.623; one core per router: 0.655). "Busiest" breaks ties by the first link in the order of the line grids
(:meth:`noc.topology.MeshTopology.line_links`: E rows, W rows, N columns, S columns; cell by cell). Its error
against the cycle-exact engine is measured and asserted (tests/emulator/test_loads_engine.py, noc/README.md).

**Systems of chips** (``cfg.system``): off-chip links are estimated like on-chip ones with their own figures
(:mod:`noc.model`): service ``s_off`` (:func:`noc.contention.off_chip_service_time`: ``F s`` or the credit round
trip over their ``Dx // F`` slots) and extra latency ``x = Lx + F (s - 1) - L`` cycles per crossing. Then::

    inj   = max_k [ max(busy_k, a_k + pkt_k s_inj cyc) + (T0(hmax_k) + X_k) cyc ]
    link  = t_a + (T0(1) + x_l + w_l - F + n_l s_l') cyc      l: the link with the largest x_l + w_l + n_l s_l'
    (s_l = s_off, x_l = x on an off-chip link; s_link, 0 on chip; s_l' = max(s_l, s_link / h) when contended)
    w_l   = min over the sources (k, r) of link l with packets this tick of (a_k - t_a) / cyc + r (P + L)
            (0 on chip)

The **first-arrival wait** ``w_l`` (cycles): an off-chip link's packets come from the cores whose routes cross
it (``(k, r)``: core position ``k``, its routes reach the link after at least ``r`` hops; static, from the wiring:
:func:`off_chip_sources`), so its busy period cannot start before the earliest of those cores' first packet has
travelled to it. ``t_a`` (the earliest packet of any core) starts it too early when the cores feeding the link
start late in the tick or far from the chip edge (60 random two-chip systems, ``benchmarks/loads_systems_error.py``:
latency per inference -15.2 .. +14.2 % without it, -7.8 .. +14.2 % with it, mean of abs 3.6 %; noc/README.md).
It is a lower bound of the arrival of the link's first packet, so the link bound stays a lower bound of that
link's drain. The estimate can still end a tick's work early (:data:`WORK_END_LOW_MARGIN`).

The **head-of-line feed bound** ``s_link / h``: a contended output loses service because the router's FIFO
inputs present packets for it at most ``h`` per on-chip service time; an output slower than that (an off-chip
link, ``s_off`` = 4.06 against ``s_link / h`` = 2.41 on Kapoho Bay) always finds a head waiting for it and serves
at its own rate (the exact engine drains bench-A's busiest off-chip link at 4.06-4.2 cycles per packet; scaling
``s_off`` by ``1 / h`` made the estimate +48.5 %). On chip ``s_l = s_link`` and ``s_l'`` is ``s_link / h`` as
above, to the bit. The blamed link is the one with the latest ``x_l + n_l s_l'`` (peers' loads included).

``X_k`` is ``x`` times the most chip crossings of any route of core ``k``'s neurons (static, from the wiring:
:func:`core_off_chip_extra`), not of this tick's spiking neurons only: an approximation that can only lengthen
the injection bound. The busiest link's utilisation ``rho_t`` takes that link's own cycles per packet
(``s_off`` for an off-chip link), so the trust flag sees an off-chip bottleneck at its real load. On one chip
every ``x`` and ``X_k`` is 0 and the estimate is the one above, to the bit.

**Packet latency: the drain-backlog model** (approximate, named; its error in ``noc/README.md``). The exact
engine's congested ticks (bench-A) drain in a burst: every packet waits, the waits are nearly independent of the
request order (correlation 0.1 - 0.3: round-robin arbitration mixes the queues) and spread from 0 to about the
time by which queueing stretches the drain. So each packet of tick ``t`` gets its zero-load latency plus a wait
drawn uniformly from ``[0, B_t]`` cycles, with the tick's *backlog*::

    B_t = (network end - inj) / cyc              inj: the injection bound above (no queueing), so B_t >= 0

``B_t`` is 0 whenever the link and ejection bounds do not exceed the injection bound (light load: latencies are
the zero-load ones, exactly as before). The report's histogram is the zero-load histogram (exact counts per
``T0(hops)``) convolved with the mixture over ticks of ``U[0, B_t]`` weighted by the tick's packets
(:func:`estimated_latency_histogram`); the fused loop writes ``(packets, B_t, rho_t)`` per tick
(:func:`drain_record` is the NumPy specification), with no per-packet work. ``rho_t = n_link s_l cyc /
(t_e - t_a)`` (``s_l``: the link's own cycles per packet) is the busiest link's offered utilisation over the tick's injection window (``t_e`` the last
request: the largest ``busy_k`` of a core with packets); above :data:`TRUSTED_UTILISATION` the report flags the
latencies as untrusted (``noc_estimate`` in the JSON).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_configs.schema import ChipConfig, NetworkSpec, as_network_spec
from noc.contention import (
    HOL_SATURATION,
    credit_service_times,
    hol_saturation,
    off_chip_service_time,
    router_contenders,
)
from noc.model import RouterParams
from noc.topology import DIRECTIONS, E, MeshTopology, N, S, W

# Busiest-link offered utilisation (over the tick's injection window) beyond which the report flags the
# drain-backlog latencies: the highest measured (bench-A, 3.2, errors within 25 %: noc/README.md) plus 25 %.
TRUSTED_UTILISATION = 4.0

# The estimate's network end can err low (it has no per-packet times: queues upstream of a bottleneck, credits
# returned late by a blocked downstream port). The largest underestimate of a tick's work end max(compute,
# network end) measured against the exact engine (noc/README.md, "Loads estimate" under "Off-chip links":
# random two-chip systems and single chips, benchmarks/loads_systems_error.py; the bench-A slice): a fixed-period
# tick with packets whose estimated work ends within this fraction below the period may have overrun it, and
# the report says so (``noc_estimate.ticks_near_period``, emulator.fused.near_period_ticks).
WORK_END_LOW_MARGIN = 0.36

# The order in which the estimate (and the compiled loop) scans the link grids for the busiest link.
GRID_ORDER = (E, W, N, S)


@dataclass(frozen=True)
class LoadsEstimate:
    """The loads estimate's constants for one chip (cycles; ``cycle_ns`` in ns).

    Attributes
    ----------
    injection, pipeline, link, ejection, flits : int
        ``I``, ``P``, ``L``, ``E``, ``F`` of the router model.
    s_inj, s_link, s_ej : float
        Credit-limited cycles per packet of an injection channel, a link, an ejection port.
    hol : float
        Head-of-line share applied to a contended busiest link (:func:`noc.contention.hol_saturation`).
    s_off, off_extra : float
        A system's off-chip links: cycles per packet, and latency beyond an on-chip link's per crossing
        (``Lx + F (s - 1) - L``); ``off_extra`` 0 and ``s_off`` = ``s_link`` on one chip.
    """

    injection: int
    pipeline: int
    link: int
    ejection: int
    flits: int
    s_inj: float
    s_link: float
    s_ej: float
    hol: float = HOL_SATURATION
    s_off: float = 0.0
    off_extra: float = 0.0

    @classmethod
    def from_router(cls, p: RouterParams, cores_per_router: int) -> LoadsEstimate:
        s_inj, s_link, s_ej = credit_service_times(p)
        hol = hol_saturation(router_contenders(cores_per_router))
        if not p.has_off_chip:
            return cls(p.injection, p.pipeline, p.link, p.ejection, p.flits, s_inj, s_link, s_ej, hol)
        return cls(p.injection, p.pipeline, p.link, p.ejection, p.flits, s_inj, s_link, s_ej, hol,
                   off_chip_service_time(p), float(p.off_land - p.link))

    @property
    def has_off_chip(self) -> bool:
        """Whether off-chip links have figures of their own (a system of chips)."""
        return self.s_off > 0.0

    def link_tables(self, topo: MeshTopology) -> tuple[np.ndarray, np.ndarray]:
        """Per link id: cycles per packet (``s_off`` off chip, ``s_link`` on chip) and extra latency (cycles)."""
        off = topo.link_off_chip
        return np.where(off, self.s_off, self.s_link), np.where(off, self.off_extra, 0.0)

    @classmethod
    def from_config(cls, cfg: ChipConfig | NetworkSpec) -> LoadsEstimate:
        spec = as_network_spec(cfg)
        return cls.from_router(RouterParams.from_config(spec), spec.mesh.cores_per_router)

    def t0(self, hops):
        """Zero-load latency ``T0(h)`` in cycles (float, as the compiled loop computes it)."""
        return self.injection + (hops + 1) * self.pipeline + hops * self.link + self.ejection + self.flits - 1

    def link_service(self, loads: np.ndarray, busiest: int, peers: np.ndarray, s: float | None = None) -> float:
        """Cycles per packet of link ``busiest`` (index into ``loads``; its own rate ``s``, default ``s_link``)
        given the loads of its router's other mesh outputs (indices ``peers``, -1: none)."""
        s = self.s_link if s is None else s
        n = loads[busiest]
        contended = any(q >= 0 and 2 * loads[q] >= n for q in peers)
        return max(s, self.s_link / self.hol) if contended else s


def grid_links(topo: MeshTopology) -> np.ndarray:
    """Link ids in the estimate's scan order (:data:`GRID_ORDER`, line by line, cell by cell)."""
    return np.concatenate([topo.line_links(d).ravel() for d in GRID_ORDER]).astype(np.int64)


def router_peers(topo: MeshTopology, link: int) -> np.ndarray:
    """The other mesh output links of link ``link``'s source router (ids)."""
    row = router_peers_table(topo, np.array([link]))[0]
    return row[row >= 0]


def router_peers_table(topo: MeshTopology, links: np.ndarray) -> np.ndarray:
    """int64 ``[len(links), 3]``: for each link, the other mesh output links of its source router (ids in
    :data:`~noc.topology.DIRECTIONS` order, then -1), vectorised (261,120 links for NS16e)."""
    links = np.asarray(links, np.int64)
    outs = topo.link_id[topo.link_src[links]][:, list(DIRECTIONS)].astype(np.int64)
    keep = (outs >= 0) & (outs != links[:, None])
    first = np.argsort(~keep, axis=1, kind="stable")       # kept ids first, in direction order
    return np.take_along_axis(np.where(keep, outs, -1), first, axis=1)[:, :3]


def core_off_chip_extra(est: LoadsEstimate, topo: MeshTopology, src_pos: np.ndarray, src_core: np.ndarray,
                        dst_core: np.ndarray, n_pos: int) -> np.ndarray:
    """``X_k`` (cycles, float64 ``[n_pos]``): ``off_extra`` times the most chip crossings of the routes
    ``src_core -> dst_core`` (one entry per packet route of the wiring) of each core position ``src_pos``."""
    out = np.zeros(n_pos)
    if est.has_off_chip and len(src_pos):
        np.maximum.at(out, src_pos, topo.chip_crossings(src_core, dst_core) * est.off_extra)
    return out


def off_chip_sources(est: LoadsEstimate, topo: MeshTopology, routing: str, src_pos: np.ndarray,
                     src_core: np.ndarray, dst_core: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sources of every off-chip link (module docstring, ``w_l``) as CSR rows by link id: ``(ptr int64
    [n_links + 1], pos int32, reach float64 cycles)``, one entry per (link, core position) with the fewest hops
    ``r`` before the link of any of that core's routes, ``reach = r (P + L)`` (every hop priced on chip: a lower
    bound). The routes are ``src_core -> dst_core`` (chip core ids) of core positions ``src_pos`` (one per packet
    route of the wiring); their chip crossings are :func:`noc.flow_engine.route_crossings`'. Empty rows on one
    chip."""
    from noc.flow_engine import route_crossings
    from noc.routing import first_axis

    ptr = np.zeros(topo.n_links + 1, np.int64)
    empty = ptr, np.zeros(0, np.int32), np.zeros(0)
    if not est.has_off_chip or not len(src_pos):
        return empty
    key = np.unique(np.asarray(src_pos, np.int64) * topo.n_cores + np.asarray(dst_core, np.int64))
    pos = key // topo.n_cores
    core_of_pos = np.zeros(int(pos.max()) + 1, np.int64)
    core_of_pos[np.asarray(src_pos, np.int64)] = np.asarray(src_core, np.int64)
    ent = route_crossings(topo, first_axis(routing) == 0, core_of_pos[pos], key % topo.n_cores)
    if ent is None:
        return empty
    pair, link, hops, _ = ent
    at = pos[pair]
    order = np.lexsort((hops, at, link))          # per (link, position) the fewest hops first
    link, at, hops = link[order], at[order], hops[order]
    keep = np.ones(link.size, bool)
    keep[1:] = (link[1:] != link[:-1]) | (at[1:] != at[:-1])
    link, at, hops = link[keep], at[keep], hops[keep]
    ptr[1:] = np.cumsum(np.bincount(link, minlength=topo.n_links))
    return ptr, at.astype(np.int32), hops * float(est.pipeline + est.link)


def link_waits(est: LoadsEstimate, cycle_ns: float, core: dict, a: np.ndarray, t_a: float,
               link_packets: np.ndarray) -> np.ndarray:
    """``w_l`` (cycles, float64 per link id; module docstring) of the links with packets, from the sources of
    ``core["link_sources"]`` (:func:`off_chip_sources`; none: all 0) and ``a`` (each core's earliest packet, ns;
    cores without packets are not sources this tick)."""
    w = np.zeros(link_packets.size)
    sources = core.get("link_sources")
    if sources is None:
        return w
    ptr, pos, reach = sources
    for lk in np.flatnonzero((link_packets > 0) & (np.diff(ptr) > 0)).tolist():
        k, r = pos[ptr[lk]:ptr[lk + 1]], reach[ptr[lk]:ptr[lk + 1]]
        live = core["packets"][k] > 0
        if live.any():
            w[lk] = float(((a[k[live]] - t_a) / cycle_ns + r[live]).min())
    return w


def cell_tables(est: LoadsEstimate, topo: MeshTopology, cell_link: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`LoadsEstimate.link_tables` per cell of the compiled loop's link grids (``cell_link``: link id per
    cell, -1 where there is none: on-chip figures)."""
    s_l, x_l = est.link_tables(topo)
    real = cell_link >= 0
    ids = np.where(real, cell_link, 0)
    return (np.ascontiguousarray(np.where(real, s_l[ids], est.s_link), np.float64),
            np.ascontiguousarray(np.where(real, x_l[ids], 0.0), np.float64))


def busiest_link(est: LoadsEstimate, topo: MeshTopology, link_packets: np.ndarray,
                 wait: np.ndarray | None = None) -> int | None:
    """The link the estimate blames (id; None without link traffic): the most packets on one chip, in a system
    the latest drain ``x_l + w_l + n_l s_l'`` (``s_l'``: :meth:`LoadsEstimate.link_service`, the head-of-line
    share included; ``w_l``: ``wait``, :func:`link_waits`, default 0); the first in the scan order
    (:func:`grid_links`) on ties."""
    order = grid_links(topo)
    scan = link_packets[order]
    if not scan.size or scan.max() <= 0:
        return None
    if not est.has_off_chip:
        return int(order[int(np.argmax(scan))])
    s_l, x_l = est.link_tables(topo)
    w = np.zeros(link_packets.size) if wait is None else wait
    drain = [x_l[lk] + w[lk] + link_packets[lk] * est.link_service(link_packets, lk, router_peers(topo, lk), s_l[lk])
             if link_packets[lk] > 0 else -np.inf for lk in order]
    return int(order[int(np.argmax(drain))])


def network_end(est: LoadsEstimate, cycle_ns: float, spike_ns: float, topo: MeshTopology, core: dict,
                link_packets: np.ndarray, deliveries: np.ndarray) -> float:
    """The tick's network end (ns) by the module docstring.

    ``core``: per-core arrays ``integ``, ``update``, ``busy`` (ns), ``packets``, ``hmax`` (longest route, hops),
    ``n`` (neurons), and in a system ``off_x`` (``X_k``, :func:`core_off_chip_extra`) and ``link_sources``
    (:func:`off_chip_sources`; optional: no first-arrival waits); ``link_packets``: packets per link id;
    ``deliveries``: packets delivered per core.
    """
    has = core["packets"] > 0
    if not has.any():
        return 0.0
    a_all = core["integ"] + core["update"] / core["n"] + spike_ns
    a = a_all[has]
    inj_end = np.maximum(core["busy"][has], a + core["packets"][has] * est.s_inj * cycle_ns)
    t0 = est.t0(core["hmax"][has]) + (core["off_x"][has] if est.has_off_chip else 0.0)
    inj = float((inj_end + t0 * cycle_ns).max())
    t_a = float(a.min())
    net = inj
    wait = link_waits(est, cycle_ns, core, a_all, t_a, link_packets) if est.has_off_chip else None
    busiest = busiest_link(est, topo, link_packets, wait)
    if busiest is not None:
        s_l, x_l = est.link_tables(topo) if est.has_off_chip else (None, None)
        x = 0.0 if s_l is None else float(x_l[busiest])
        w = 0.0 if wait is None else float(wait[busiest])
        s = est.link_service(link_packets, busiest, router_peers(topo, busiest),
                             None if s_l is None else float(s_l[busiest]))
        net = max(net, t_a + (est.t0(1) + x + w - est.flits + link_packets[busiest] * s) * cycle_ns)
    return max(net, t_a + (est.t0(0) - est.flits + int(deliveries.max(initial=0)) * est.s_ej) * cycle_ns)


def drain_record(est: LoadsEstimate, cycle_ns: float, spike_ns: float, topo: MeshTopology, core: dict,
                 link_packets: np.ndarray, deliveries: np.ndarray) -> tuple[float, float, float]:
    """``(packets, B_t cycles, rho_t)`` of one tick with packets (module docstring; arguments as
    :func:`network_end`): the record the compiled loop writes per tick."""
    has = core["packets"] > 0
    a = core["integ"][has] + core["update"][has] / core["n"][has] + spike_ns
    inj_end = np.maximum(core["busy"][has], a + core["packets"][has] * est.s_inj * cycle_ns)
    t0 = est.t0(core["hmax"][has]) + (core["off_x"][has] if est.has_off_chip else 0.0)
    inj = float((inj_end + t0 * cycle_ns).max())
    net = network_end(est, cycle_ns, spike_ns, topo, core, link_packets, deliveries)
    window = float(core["busy"][has].max() - a.min())
    wait = None
    if est.has_off_chip:
        wait = link_waits(est, cycle_ns, core, core["integ"] + core["update"] / core["n"] + spike_ns, float(a.min()),
                          link_packets)
    busiest = busiest_link(est, topo, link_packets, wait)
    n_link = 0.0 if busiest is None else float(link_packets[busiest])
    s_own = est.s_link    # the busiest link's own cycles per packet: an off-chip link's in a system
    if est.has_off_chip and busiest is not None:
        s_own = float(est.link_tables(topo)[0][busiest])
    rho = n_link * s_own * cycle_ns / max(window, cycle_ns)
    return float(core["packets"].sum()), (net - inj) / cycle_ns, rho


def wait_histogram(packets: np.ndarray, backlog: np.ndarray) -> np.ndarray:
    """Packets per wait (cycles, float): each tick's ``packets`` spread uniformly over the integer waits
    ``0 .. floor(B_t)`` (one bin when ``B_t < 1``), summed over ticks by a difference array (O(ticks + bins))."""
    top = np.floor(np.maximum(backlog, 0.0)).astype(np.int64)
    diff = np.zeros(int(top.max(initial=0)) + 2)
    np.add.at(diff, np.zeros_like(top), packets / (top + 1))
    np.add.at(diff, top + 1, -packets / (top + 1))
    return np.cumsum(diff)[:-1]


def estimated_latency_histogram(zero_load: np.ndarray, packets: np.ndarray, backlog: np.ndarray) -> np.ndarray:
    """The drain-backlog latency histogram (int64, cycles): ``zero_load`` (packets per ``T0``) convolved with the
    normalised :func:`wait_histogram`; rounded on the cumulative sum, so the total equals ``zero_load``'s."""
    total = int(zero_load.sum())
    if total == 0 or packets.sum() <= 0:
        return zero_load.copy()
    wait = wait_histogram(packets, backlog)
    dens = np.convolve(zero_load.astype(np.float64), wait / wait.sum())
    cum = np.rint(np.cumsum(dens) * (total / dens.sum())).astype(np.int64)
    cum[-1] = total
    return np.diff(cum, prepend=0)
