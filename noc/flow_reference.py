"""The flow model, an approximate NoC model -- link loads and one bottleneck queue per packet -- in NumPy.

This is the readable reference (the specification below) of :class:`noc.flow_engine.FlowNoc`, whose compiled
kernel (``noc/_flow_kernels.pyx``) must give the same results, packet for packet; the tests hold them to it.
**Approximate**: the engine is used only when asked for by name (``make_engine(cfg, kind="flow")``).

Exact: every packet's route (dimension order, ``xy`` or ``yx``), so ``hops``, ``hops_ew`` / ``hops_ns`` and
the per-link flit counts (computed with difference arrays along the rows and columns of the mesh:
O(packets + links), no per-hop work).

Estimated: ``deliver_cycle`` (and ``peak_buffer_flits``, coarsely). The model, in cycles:

1. A packet requested at ``a`` that never waits is delivered at ``a + T0(h)`` (:mod:`noc.model`), and reaches
   the ``k``-th link of its route at ``tau_k = a + I + P + k (P + L)``, its destination's ejection port at
   ``a + I + (h + 1) P + h L``; its source core's injection channel at ``a``.
2. Every resource -- injection channel per core, directed link, ejection port per core -- serves one packet
   per ``s`` cycles: ``s = F`` for an ejection port; for a link or an injection channel also no faster than
   its credits come back, ``s = max(F, RTT / (V (D // F)))`` with the credit round trip
   ``RTT = C + P + F - 1 + max(1, C)`` (``C = L`` for a link, ``I`` for injection): a buffer slot reserved at
   ``t`` is usable again ``RTT`` cycles later, and a port has ``V (D // F)`` of them (tiny's 2-flit buffers:
   ``s = 1.5``); and divided by ``HOL_EFFICIENCY = 0.8``, the share of that capacity contended traffic gets
   past head-of-line blocking (the exact engine saturates at 63 - 78 % of it). With credit-limited buffers, a
   link that queues (excess > 0, below) while another mesh output of its router queues too has its work ``s n``
   scaled by ``HOL_EFFICIENCY / h`` (:func:`hol_work_scale`: ``h`` the finite-switch head-of-line share of a
   ``3 + C``-input router, :func:`noc.contention.hol_saturation`), bench-A's measured drain rate. For each resource the difference arrays also give the count ``n`` and the mean and spread of
   the zero-load arrival times of its packets; its *excess* ``s n - sqrt(12) std`` (service needed minus the
   width of a uniform arrival window of that spread) measures how much it queues.
3. Each packet waits at one resource only: the one with the largest excess on its route (a range-maximum
   query per row / column segment, sparse tables: O(links log width + packets)). The packets that share a
   bottleneck leave it first-come first-served on their zero-load arrival times, each taking ``s n / g``
   cycles (``g`` of the ``n`` packets through it have it as their bottleneck: the others use its time too):
   ``d_i = max(tau_i, d_(i-1) + s n / g)``. A packet's delivery is ``a + T0(h) + (d - tau)``.

So a burst that overloads a link or a port is drained at one packet per ``F`` cycles from the earliest
arrival, and the tick's drain time (the largest ``deliver_cycle``) is the bottleneck's busy period plus the
rest of the route. Not modelled: finite buffers and backpressure (a queue never spreads upstream), head-of-line
blocking, waiting at more than one resource, arbitration order. Hence it underestimates latency near
saturation. Measured errors against the exact engine are in ``noc/README.md`` and asserted in
``tests/noc/test_flow_model.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from noc.contention import HOL_EFFICIENCY, credit_service_times, hol_saturation, router_contenders
from noc.model import RouterParams
from noc.routing import first_axis, segments
from noc.topology import E, MeshTopology, N, S, W

UNIFORM_WIDTH = np.sqrt(12.0)  # width of a uniform distribution over its standard deviation


class FlowEstimate(NamedTuple):
    """What the flow model computes: per-packet delivery cycles, sparse per-link flits and buffer peaks."""

    deliver: np.ndarray  # int64, cycles
    link_ids: np.ndarray  # int32, ascending
    link_counts: np.ndarray  # int64, flits
    ports: np.ndarray  # int32, router * ports + port, ascending
    peaks: np.ndarray  # int64, flits


def estimate(topo: MeshTopology, p: RouterParams, src, dst, inject) -> FlowEstimate:
    """The flow model of the module docstring for checked packet arrays (int32 cores, int64 cycles, n >= 1)."""
    service = service_times(p)
    routes = _Routes(topo, src, dst, inject, p)
    loads = _LinkGrids(topo).loads(routes, p.pipeline + p.link)
    loads.set_work_scale(topo, service[1], hol_work_scale(topo, p))
    deliver = routes.zero_load + _bottleneck_waits(routes, loads, topo, p, service)
    return FlowEstimate(deliver, *loads.link_counts(p.flits), *_peak_estimate(loads, routes, topo, p, service))


def hol_work_scale(topo: MeshTopology, p: RouterParams) -> np.ndarray | float:
    """Per link, the factor on its work when it queues beside another queueing output of its router, with
    credit-limited buffers (``V (D // F)`` slots below the credit round trip): ``HOL_EFFICIENCY / h``, ``h`` the
    head-of-line share of an output requested by ``N`` FIFO input ports (:func:`noc.contention.hol_saturation`),
    ``N`` = :func:`output_contenders`; 1 with deeper buffers, which absorb the conflicts (the exact engine's
    share rises to ~0.78 with 8 slots). float64 [n_links], or the scalar 1.0."""
    if credit_service_times(p)[1] <= p.flits:
        return 1.0
    n = output_contenders(topo, p.routing)
    share = np.array([hol_saturation(k) for k in range(n.max(initial=0) + 1)])
    return HOL_EFFICIENCY / share[n]


def output_contenders(topo: MeshTopology, routing: str) -> np.ndarray:
    """int64 [n_links]: the input ports of a link's router that can request it under dimension-order routing
    (issue 12, "contenders per dimension"). A packet turns only from the first dimension into the second, so an
    output of the first dimension (E / W for ``xy``) is requested by the opposite input of that dimension and
    the ``C`` local ports, ``1 + C``; an output of the second by the other three mesh inputs and the local
    ports, ``3 + C`` (:func:`noc.contention.router_contenders`, which the loads estimate uses for every
    link)."""
    first = topo.link_is_ew if first_axis(routing) == 0 else ~topo.link_is_ew
    c = topo.cores_per_router
    return np.where(first, 1 + c, router_contenders(c)).astype(np.int64)


def router_outputs(topo: MeshTopology) -> np.ndarray:
    """int64 [links, 4]: the other mesh outputs of each link's source router (link ids; ``n_links`` where there
    is none, an index past the links)."""
    peers = topo.link_id[topo.link_src].astype(np.int64)
    own = np.arange(topo.n_links)[:, None]
    return np.where((peers >= 0) & (peers != own), peers, topo.n_links)


def link_work_scale(excess: np.ndarray, outputs: np.ndarray, scale: float) -> np.ndarray:
    """Per link, ``scale`` where it queues (``excess`` > 0; ``excess`` has one padding entry at the end, -inf)
    while another output of its router (``outputs``, :func:`router_outputs`) queues too, else 1."""
    hot = (excess[:-1] > 0) & (excess[outputs] > 0).any(axis=1)
    return np.where(hot, scale, 1.0)


def service_times(p: RouterParams) -> tuple[float, float, float]:
    """The flow model's cycles per packet (module docstring, 2): the credit-limited times, injection and links
    slowed by the head-of-line share :data:`HOL_EFFICIENCY`."""
    inj, link, ej = credit_service_times(p)
    return inj / HOL_EFFICIENCY, link / HOL_EFFICIENCY, ej


class _Routes:
    """Per-packet route geometry: two straight segments (:func:`noc.routing.segments`, first and second
    dimension) and zero-load times.

    ``base + k (P + L)`` is when the packet reaches the ``k``-th link of its route if it never waits (cycles,
    relative to ``t_ref`` to keep squares small).
    """

    def __init__(self, topo: MeshTopology, src, dst, inject, p: RouterParams):
        c = topo.cores_per_router
        sr, dr = src // c, dst // c
        self.src, self.dst = src, dst
        self.hops = topo.hops(sr, dr)
        self.zero_load = inject + p.zero_load_latency(self.hops)
        self.t_ref = int(inject.min()) if len(inject) else 0
        self.inject = (inject - self.t_ref).astype(np.float64)
        self.base = self.inject + (p.injection + p.pipeline)
        self.eject_time = self.base + self.hops * float(p.pipeline + p.link)
        self.segments = tuple(_Segment(seg) for seg in segments(topo, p.routing, sr, dr))


class _Segment:
    """A straight run of links of each packet (a :class:`noc.routing.Segment`) with the flow model's cell
    range ``lo .. hi`` (inclusive) in the link grids."""

    def __init__(self, seg):
        self.axis, self.line, self.a, self.b, self.k0 = seg.axis, seg.line, seg.a, seg.b, seg.k0
        self.pos = seg.positive  # towards +x (E) or +y (N)
        self.neg = seg.negative
        # links u -> u + 1 are indexed u; links u -> u - 1 are indexed u - 1: both cover [lo, hi]
        self.lo = seg.lo
        self.hi = seg.hi - 1

    def time_offset(self, base, step: float):
        """``c`` with the zero-load time at link index ``u`` = ``c + u * step`` (``+`` runs) or ``c - u * step``."""
        return np.where(self.pos, base + (self.k0 - self.a) * step, base + (self.k0 + self.a - 1) * step)


class _LinkGrids:
    """The directed links as four grids (E, W along rows; N, S along columns), link ids for each cell."""

    def __init__(self, topo: MeshTopology):
        # grid[line, u]: E link (u -> u+1) of row ``line``; W link (u+1 -> u); N (u -> u+1) / S (u+1 -> u) of a column
        self.ids = {d: topo.line_links(d) for d in (E, W, N, S)}
        self.shape = {d: self.ids[d].shape for d in (E, W, N, S)}
        self.n_links = topo.n_links

    def loads(self, routes: _Routes, step: float) -> _Loads:
        """Counts and arrival-time moments of every link, by difference arrays along rows and columns."""
        out = _Loads(self)
        for seg in routes.segments:
            c = seg.time_offset(routes.base, step) - 0.0
            for sign, mask in ((1, seg.pos), (-1, seg.neg)):
                d = (E if sign > 0 else W) if seg.axis == 0 else (N if sign > 0 else S)
                if mask.any():
                    out.add(d, seg.line[mask], seg.lo[mask], seg.hi[mask], c[mask], sign * step)
        return out


class _Loads:
    """Per-link count ``n`` and sums of zero-load arrival times and their squares, then excess per link."""

    def __init__(self, grids: _LinkGrids):
        self.grids = grids
        self.n = {d: np.zeros(s) for d, s in grids.shape.items()}
        self.s1 = {d: np.zeros(s) for d, s in grids.shape.items()}
        self.s2 = {d: np.zeros(s) for d, s in grids.shape.items()}
        self._tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def add(self, d: int, line, lo, hi, c, slope: float) -> None:
        """Packets covering cells ``lo .. hi`` of ``line`` with arrival ``c + slope * u`` at cell ``u``."""
        rows, cols = self.grids.shape[d]
        u = np.arange(cols, dtype=np.float64)
        n, sc, sc2 = (_range_sum(line, lo, hi, v, rows, cols) for v in (np.ones_like(c), c, c * c))
        self.n[d] += n
        self.s1[d] += sc + slope * u * n
        self.s2[d] += sc2 + 2 * slope * u * sc + (slope * u) ** 2 * n

    def excess(self, d: int, service: float) -> np.ndarray:
        """``s n - sqrt(12) std`` of each link of grid ``d`` (cycles); ``-inf`` where no packet passes."""
        return _excess(self.n[d], self.s1[d], self.s2[d], service)

    def bottlenecks(self, d: int, service: float) -> tuple[np.ndarray, np.ndarray]:
        """Excess of grid ``d`` and its range-argmax sparse table (built once per run and direction)."""
        if d not in self._tables:
            ex = self.excess(d, service)
            self._tables[d] = ex, _sparse_argmax(ex)
        return self._tables[d]

    def set_work_scale(self, topo: MeshTopology, service: float, scale: float) -> None:
        """``scale`` per link cell (:func:`hol_work_scale`) where the link queues (excess > 0) while another mesh
        output of its router queues too (head-of-line blocking between them), 1 elsewhere."""
        ex = np.full(self.grids.n_links + 1, -np.inf)
        for d, ids in self.grids.ids.items():
            if ids.size:
                ex[ids.ravel()] = self.excess(d, service).ravel()
        factor = link_work_scale(ex, router_outputs(topo), scale)
        self.scale = {d: factor[ids] for d, ids in self.grids.ids.items()}

    def link_counts(self, flits: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, flits) of the links that carried packets, ids ascending (exact)."""
        dense = np.zeros(self.grids.n_links, np.int64)
        for d, n in self.n.items():
            if n.size:
                dense[self.grids.ids[d].ravel()] = np.rint(n).astype(np.int64).ravel() * flits
        ids = np.flatnonzero(dense).astype(np.int32)
        return ids, dense[ids]


def _range_sum(line, lo, hi, v, rows: int, cols: int) -> np.ndarray:
    """Sum of ``v`` over the packets covering each cell: ``+v`` at ``lo``, ``-v`` after ``hi``, cumulative sum."""
    size = rows * (cols + 1)
    diff = np.bincount(line * (cols + 1) + lo, weights=v, minlength=size)
    diff -= np.bincount(line * (cols + 1) + hi + 1, weights=v, minlength=size)
    return np.cumsum(diff.reshape(rows, cols + 1), axis=1)[:, :cols]


def _excess(n, s1, s2, service: float):
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        std = np.sqrt(np.maximum(s2 / n - mean * mean, 0.0))
    return np.where(n > 0, service * n - UNIFORM_WIDTH * std, -np.inf)


def _bottleneck_waits(routes: _Routes, loads: _Loads, topo: MeshTopology, p: RouterParams, service) -> np.ndarray:
    """Per-packet wait (cycles) at the resource with the largest excess on its route (module docstring, 3)."""
    n_cores, step = topo.n_cores, float(p.pipeline + p.link)
    s_inj, s_link, s_ej = service
    cand = [_core_candidate(routes.src, routes.inject, n_cores, s_inj, 0)]  # injection channel
    for seg in routes.segments:
        cand.append(_segment_candidate(seg, routes, loads, step, s_link, 2 * n_cores))
    cand.append(_core_candidate(routes.dst, routes.eject_time, n_cores, s_ej, n_cores))  # ejection port
    excess = np.stack([c[0] for c in cand])
    pick = np.argmax(excess, axis=0)
    cols = np.arange(len(pick))
    resource, arrive, work = (np.stack([c[k] for c in cand])[pick, cols] for k in (1, 2, 3))
    return np.rint(_fifo_waits(resource, arrive, work)).astype(np.int64)


def _core_excess(core, arrive, n_cores: int, service: float) -> tuple[np.ndarray, np.ndarray]:
    """(excess, count) per core of its injection channel or ejection port, packets arriving at ``arrive``."""
    n = np.bincount(core, minlength=n_cores).astype(np.float64)
    s1 = np.bincount(core, weights=arrive, minlength=n_cores)
    s2 = np.bincount(core, weights=arrive * arrive, minlength=n_cores)
    return _excess(n, s1, s2, service), n


def _core_candidate(core, arrive, n_cores: int, service: float, offset: int):
    """(excess, resource id, arrival, work ``s n``) of the injection (``offset = 0``) or ejection port of each
    packet."""
    ex, n = _core_excess(core, arrive, n_cores, service)
    return ex[core], core + offset, arrive, service * n[core]


def _segment_candidate(seg: _Segment, routes: _Routes, loads: _Loads, step: float, service: float, offset: int):
    """(excess, resource id, arrival, work ``s n``) of the link with the largest excess on each packet's
    segment."""
    n_pkt = len(seg.a)
    best = np.full(n_pkt, -np.inf)
    res = np.zeros(n_pkt, np.int64)
    arrive = np.zeros(n_pkt)
    work = np.zeros(n_pkt)
    c = seg.time_offset(routes.base, step)
    for sign, mask in ((1, seg.pos), (-1, seg.neg)):
        d = (E if sign > 0 else W) if seg.axis == 0 else (N if sign > 0 else S)
        if not mask.any():
            continue
        ex, table = loads.bottlenecks(d, service)
        line = seg.line[mask]
        u = _range_argmax(ex, table, line, seg.lo[mask], seg.hi[mask])
        best[mask] = ex[line, u]
        res[mask] = offset + loads.grids.ids[d][line, u]
        arrive[mask] = c[mask] + sign * step * u
        work[mask] = service * loads.n[d][line, u] * loads.scale[d][line, u]
    return best, res, arrive, work


def _range_argmax(values: np.ndarray, table: np.ndarray, line, lo, hi) -> np.ndarray:
    """Index of the largest of ``values[line, lo .. hi]`` for each query (``table`` from
    :func:`_sparse_argmax`: O(1) per query)."""
    span = hi - lo + 1
    level = np.floor(np.log2(span)).astype(np.int64)
    i1 = table[level, line, lo]
    i2 = table[level, line, hi - (1 << level) + 1]
    return np.where(values[line, i2] > values[line, i1], i2, i1)


def _sparse_argmax(values: np.ndarray) -> np.ndarray:
    """``table[j, r, u]`` = index of the largest of ``values[r, u .. u + 2**j - 1]`` (clipped at the end)."""
    rows, cols = values.shape
    levels = max(1, int(np.floor(np.log2(max(cols, 1)))) + 1)
    table = np.empty((levels, rows, cols), np.int64)
    table[0] = np.arange(cols)
    r = np.arange(rows)[:, None]
    for j in range(1, levels):
        half = 1 << (j - 1)
        a = table[j - 1]
        b = np.concatenate([a[:, half:], a[:, -1:].repeat(half, axis=1)], axis=1)
        table[j] = np.where(values[r, b] > values[r, a], b, a)
    return table


def _fifo_waits(resource, arrive, work) -> np.ndarray:
    """Waits of packets served FIFO (on ``arrive``) by their bottleneck, ``s n / g`` cycles each (``work`` =
    ``s n`` of the packet's bottleneck, shared by the ``g`` packets that have it as theirs).

    ``d_i = max(tau_i, d_(i-1) + s)`` unrolls to ``d_i = i s + max_(j <= i) (tau_j - j s)``: a cumulative
    maximum within each group, done for all groups at once by lifting each group above the previous one.
    """
    span = int(arrive.max()) + 1 if len(arrive) else 1
    order = np.argsort(resource * span + arrive.astype(np.int64), kind="stable")  # by resource, then arrival
    res, tau = resource[order], arrive[order]
    start = np.flatnonzero(np.r_[True, res[1:] != res[:-1]])
    size = np.diff(np.r_[start, len(res)])
    group = np.repeat(np.arange(len(start)), size)
    rank = np.arange(len(res)) - start[group]
    service = work[order] / size[group]
    v = tau - rank * service
    lift = (v.max() - v.min() + 1.0) * group if len(v) else 0.0
    d = rank * service + np.maximum.accumulate(v + lift) - lift
    waits = np.empty(len(res))
    waits[order] = d - tau
    return waits


def _peak_estimate(loads: _Loads, routes: _Routes, topo: MeshTopology, p: RouterParams, service):
    """Coarse buffer peaks: a full input buffer (``V (D // F) F`` flits) behind a link or injection channel
    whose excess is positive (it queues), ``F`` flits behind one that carried a packet without queueing."""
    full, f = p.vcs * p.slots_per_vc * p.flits, p.flits
    peak = np.zeros(topo.n_routers * topo.n_ports, np.int64)
    dst_port = {E: W, W: E, N: S, S: N}  # the input port a link feeds at its far end
    for d, ids in loads.grids.ids.items():
        if not ids.size:
            continue
        ex, n = loads.excess(d, service[1]).ravel(), loads.n[d].ravel()
        links = ids.ravel()
        used = n > 0
        port = topo.link_dst[links[used]] * topo.n_ports + dst_port[d]
        peak[port] = np.where(ex[used] > 0, full, f)
    ex, _ = _core_excess(routes.src, routes.inject, topo.n_cores, service[0])
    cores = np.unique(routes.src)
    local = (cores // topo.cores_per_router) * topo.n_ports + 4 + cores % topo.cores_per_router
    peak[local] = np.where(ex[cores] > 0, full, f)
    ids = np.flatnonzero(peak).astype(np.int32)
    return ids, peak[ids]
