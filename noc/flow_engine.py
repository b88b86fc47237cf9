"""The flow engine: :class:`FlowNoc`, an *approximate* NoC model for speed, asked for by name only.

``make_engine(cfg, kind="flow")``. Same API and :class:`~noc.result.NocResult` fields as the exact engines.
Exact: routes, ``hops``, ``hops_ew`` / ``hops_ns``, per-link flits. Estimated: ``deliver_cycle`` (link
loads and one bottleneck queue per packet) and, coarsely, ``peak_buffer_flits``. In a system of chips each
packet's delivery is delayed by its off-chip links' extra zero-load latency, ``k (Lx + F (s - 1) - L)`` for
``k`` crossings, and its wait is the largest of the flow model's own bottleneck wait, its waits in a
first-come first-served queue at each off-chip link it crosses (:func:`off_chip_waits`) and its wait behind
packets queued for an off-chip link upstream of it (:func:`tree_saturation_waits`, compiled:
``TreeSaturation``; one wait per packet). The model is specified, in
NumPy, in :mod:`noc.flow_reference`; this engine runs the same computation compiled (``_flow_kernels.pyx``),
O(packets + links) per call, and the tests hold the two to identical results. Measured errors against the
exact engine: ``noc/README.md``.
"""

from __future__ import annotations

import numpy as np

from chip_configs.schema import ChipConfig, NetworkSpec, as_network_spec
from noc._flow_kernels import FlowKernel, TreeSaturation
from noc.engine import BatchLimits, check_batch
from noc.flow_reference import UNIFORM_WIDTH, estimate, hol_work_scale, router_outputs, service_times
from noc.model import RouterParams
from noc.result import NOT_DELIVERED, NocResult
from noc.routing import first_axis, route_entries
from noc.topology import DIRECTIONS, E, MeshTopology, N, S, W


class FlowNoc:
    """Approximate flow engine (see the module docstring).

    Parameters
    ----------
    cfg : ChipConfig or NetworkSpec
        The chip; its ``noc`` block gives the timing, buffering and routing.
    reference : bool
        Run the NumPy reference (:func:`noc.flow_reference.estimate`) instead of the compiled kernel.
    """

    kind = "flow"

    def __init__(self, cfg: ChipConfig | NetworkSpec, reference: bool = False):
        self.cfg = cfg = as_network_spec(cfg)
        self.params = p = RouterParams.from_config(cfg)
        self.topology = topo = MeshTopology.from_config(cfg)
        self._limits = BatchLimits.from_config(cfg)
        self.reference = reference
        s_inj, s_link, s_ej = service_times(p)
        self._kernel = FlowKernel(
            topo.width, topo.height, topo.cores_per_router, first_axis(p.routing) == 0, p.pipeline, p.link,
            p.injection, p.ejection, p.flits, s_inj, s_link, s_ej, p.vcs * p.slots_per_vc * p.flits,
            float(UNIFORM_WIDTH), topo.n_cores, [topo.line_links(d) for d in DIRECTIONS],
            np.ascontiguousarray(topo.link_dst), hol_work_scale(topo, p), router_outputs(topo),
        )
        self._tree = tree_saturation_kernel(topo, p) if p.has_off_chip and not reference else None

    def run(self, src_core, dst_core, inject_cycle, dst_axon=None, *, until: int | None = None) -> NocResult:
        """Estimate the delivery of the packets (arguments as for ``FastNoc.run``; ``until`` drops the
        deliveries the exact engines would not reach: ejections decided at or after ``until``)."""
        b = check_batch(self.cfg, src_core, dst_core, inject_cycle, dst_axon, self._limits)
        p, topo, n = self.params, self.topology, len(b)
        if n == 0:
            z32, z64 = np.zeros(0, np.int32), np.zeros(0, np.int64)
            out, ew, ns = (z64, z32, z64, z32, z64), 0, 0
        elif self.reference:
            out = estimate(topo, p, b.src_core, b.dst_core, b.inject_cycle)
            dx, dy = topo.offsets(b.src_core, b.dst_core)
            ew, ns = int(np.abs(dx).sum()), int(np.abs(dy).sum())
        else:
            *out, ew, ns = self._kernel.run(b.src_core, b.dst_core, b.inject_cycle)
        deliver, link_ids, link_counts, ports, peaks = out
        if p.has_off_chip:
            deliver = _off_chip_delivery(topo, p, b, deliver, self._tree)
        if until is not None:
            deliver = np.where(deliver - (p.ejection + p.flits - 1) < until, deliver, NOT_DELIVERED)
        delivered = deliver != NOT_DELIVERED
        n_delivered = int(delivered.sum())
        core = b.dst_core if n_delivered == n else np.where(delivered, b.dst_core, NOT_DELIVERED).astype(np.int32)
        axon = b.dst_axon if n_delivered == n else np.where(delivered, b.dst_axon, NOT_DELIVERED).astype(np.int32)
        hops = topo.hop_distance(b.src_core, b.dst_core).astype(np.int32)
        return NocResult(
            b.src_core, b.dst_core, b.inject_cycle, deliver, core, axon, hops, ew, ns, link_ids, link_counts,
            ports, peaks, n_delivered, int(deliver.max()) if n_delivered else NOT_DELIVERED, p.flits, topo,
        )


def tree_saturation_kernel(topo: MeshTopology, p: RouterParams) -> TreeSaturation:
    """The compiled :func:`tree_saturation_waits` of one system (its buffers are reused from call to call)."""
    return TreeSaturation(
        topo.width, topo.height, topo.chip_width, topo.chip_height, topo.cores_per_router,
        first_axis(p.routing) == 0, np.ascontiguousarray(topo.link_id, np.int32).ravel(),
        np.ascontiguousarray(topo.link_off_chip, np.uint8), p.injection, p.pipeline, p.link, p.off_land,
    )


def _off_chip_delivery(topo: MeshTopology, p: RouterParams, b, deliver: np.ndarray,
                       tree: TreeSaturation | None = None) -> np.ndarray:
    """Delivery cycles in a system of chips (the on-chip model's ``deliver``, -1: none, adjusted).

    Off-chip links have their own zero-load latency, ``Lx + F (s - 1)`` instead of ``L`` per crossing, and a
    first-come first-served queue each (:func:`off_chip_waits`). **One wait per packet** (the flow model's
    rule, issue 12): a packet waits ``max(w_flow, w_off)`` cycles, the larger of its wait at the on-chip model's
    bottleneck ``w_flow = deliver - inject - T0(h)`` and its off-chip queueing ``w_off``, not their sum: a
    saturated off-chip link sets the pace of the packets behind it, and the on-chip model's wait of a packet
    crossing it is mostly the same queue seen at the on-chip rate (summing them counted it twice: bench-A on
    Kapoho Bay, network phase +53 %). ``tree``: the compiled off-chip queue and tree-saturation steps
    (:func:`tree_saturation_kernel`; None: their NumPy specifications, :func:`off_chip_waits` and
    :func:`tree_saturation_waits`)."""
    k = topo.chip_crossings(b.src_core, b.dst_core)
    zero = b.inject_cycle + p.zero_load_latency(topo.hop_distance(b.src_core, b.dst_core))
    if tree is None:
        w_off = off_chip_waits(topo, p, b.src_core, b.dst_core, b.inject_cycle)
        w_tree = tree_saturation_waits(topo, p, b.src_core, b.dst_core, b.inject_cycle, w_off)
    else:
        from noc.contention import off_chip_service_time

        w_off = tree.off_chip_waits(b.src_core, b.dst_core, b.inject_cycle, off_chip_service_time(p))
        w_tree = tree.waits(b.src_core, b.dst_core, b.inject_cycle, w_off)
    late = zero + k * (p.off_land - p.link) + np.maximum(np.maximum(deliver - zero, w_off), w_tree)
    return np.where(deliver >= 0, late, deliver)


def tree_saturation_waits(topo: MeshTopology, p: RouterParams, src_core: np.ndarray, dst_core: np.ndarray,
                          inject: np.ndarray, w_off: np.ndarray) -> np.ndarray:
    """Cycles each packet waits behind packets queued for an off-chip link (int64 ``[packets]``; an
    approximation: *tree saturation*).

    A packet that queues for an off-chip link (``w_off > 0``, :func:`off_chip_waits`) holds the FIFO input
    buffers of its route upstream of that link until it leaves the queue, so it blocks the packets behind it on
    those on-chip links, whether they cross a chip edge or not (with one VC the queue spreads back along the
    feeding line). So on every on-chip link ``l`` a crossing packet ``q`` passes before its last off-chip link,
    at its zero-load time ``tau_ql``, it is *released* at ``r_ql = tau_ql + w_off(q)``, and any other packet
    ``p`` passing ``l`` at ``tau_pl >= tau_ql`` (first come, first served) waits::

        w_tree(p) = max over p's on-chip links l of max(0, max{ r_ql : tau_ql <= tau_pl } - tau_pl)

    (``tau = a + I + P + j (P + L) + c (Lx + F (s - 1) - L)``, ``j`` links and ``c`` of them off chip before
    ``l``). :func:`_off_chip_delivery` keeps the largest of it, ``w_off`` and the flow model's own wait. It
    ignores how far back the queue really reaches (the buffers it fills), so it can overestimate a packet
    that joins the feeding line far upstream of a short queue; and a packet's own wait does not delay its
    arrival at its later links (the queue it joins there is not lengthened by it), so it can underestimate
    where blocked packets block others in turn. Whole cycles (every time is an integer).

    This NumPy function is the specification (and ``FlowNoc(reference=True)`` runs it); the engine runs the
    compiled :class:`noc._flow_kernels.TreeSaturation` (:func:`tree_saturation_kernel`), which walks the routes
    in place, and the tests hold the two to identical waits."""
    n = len(src_core)
    if not (w_off > 0).any():
        return np.zeros(n, np.int64)
    src = topo.router_of_core(np.asarray(src_core, np.int64))
    pkt, hop, link = route_entries(topo, p.routing, src, topo.router_of_core(np.asarray(dst_core, np.int64)))
    off = topo.link_off_chip[link]
    # off-chip links before each link: the chip columns and rows between the source and the link's router
    sx, sy = topo.coords(src[pkt])
    lx, ly = topo.coords(topo.link_src[link])
    off_before = (np.abs(sx // topo.chip_width - lx // topo.chip_width)
                  + np.abs(sy // topo.chip_height - ly // topo.chip_height))
    last_off = np.full(n, -1, np.int64)
    np.maximum.at(last_off, pkt[off], hop[off])
    blocker = ~off & (w_off[pkt] > 0) & (hop < last_off[pkt])
    if not blocker.any():      # the queued packets meet their off-chip link first: no on-chip link held
        return np.zeros(n, np.int64)
    # only the links some blocker passes can make anyone wait
    busy = np.zeros(topo.n_links, bool)
    busy[link[blocker]] = True
    keep = busy[link] & ~off
    pkt, link, blocker = pkt[keep], link[keep], blocker[keep]
    tau = (inject[pkt] + p.injection + p.pipeline + hop[keep] * (p.pipeline + p.link)
           + off_before[keep] * (p.off_land - p.link))
    return _released_after(link, tau, np.where(blocker, tau + w_off[pkt], -1), blocker, pkt, n)


def _released_after(link, tau, release, blocker, pkt, n: int) -> np.ndarray:
    """Per packet (int64 ``[n]``): the largest ``max(0, R - tau)`` over its entries that are not ``blocker``,
    ``R`` the latest ``release`` of the blockers on the same link at or before its ``tau`` (blockers first on
    ties): a segmented running maximum over the entries sorted by (link, tau, blocker first); integer cycles."""
    t0 = int(tau.min())
    span = 2 * (int(tau.max()) - t0 + 1)
    order = np.argsort(link.astype(np.int64) * span + 2 * (tau - t0) + ~blocker)   # equal keys: any order
    lk, t, r = link[order], tau[order], release[order]
    group = np.r_[0, np.cumsum(lk[1:] != lk[:-1])]
    floor = min(int(r.min()), t0) - 1                                  # below every tau: no wait without a blocker
    lift = group * (int(r.max()) - floor + 1)                          # later links lie above earlier ones
    run = np.maximum.accumulate(np.where(blocker[order], r, floor) + lift) - lift
    wait = np.zeros(link.size, np.int64)
    wait[order] = np.maximum(run - t, 0)
    out = np.zeros(n, np.int64)
    ask = ~blocker
    np.maximum.at(out, pkt[ask], wait[ask])
    return out


def off_chip_waits(topo: MeshTopology, p: RouterParams, src_core: np.ndarray, dst_core: np.ndarray,
                   inject: np.ndarray) -> np.ndarray:
    """Cycles each packet waits at the off-chip links of its route (int64 ``[packets]``; an approximation).

    Every off-chip link serves its packets first come, first served, one per ``s_off`` cycles
    (:func:`noc.contention.off_chip_service_time`), on their zero-load arrival times at the link,
    ``tau = a + I + P + j (P + L) + c (Lx + F (s - 1) - L)`` (``j`` links and ``c`` of them off chip before it):
    ``d_i = max(tau_i, d_(i-1) + s_off)``, wait ``d_i - tau_i``. Links are queued independently (a wait at one
    does not delay the arrival at the next); :func:`_off_chip_delivery` keeps the larger of this wait and the
    flow model's own bottleneck wait. Rounded up to whole cycles. The specification of the compiled
    ``TreeSaturation.off_chip_waits`` (identical waits; the engine runs that one).
    """
    from noc.contention import off_chip_service_time

    n = len(src_core)
    ent = route_crossings(topo, first_axis(p.routing) == 0, src_core, dst_core)
    if ent is None:
        return np.zeros(n, np.int64)
    pkt, link, hops_before, off_before = ent
    tau = inject[pkt] + p.injection + p.pipeline + hops_before * (p.pipeline + p.link) \
        + off_before * (p.off_land - p.link)
    s = off_chip_service_time(p)
    order = np.lexsort((tau, link))
    lk, t = link[order], tau[order].astype(np.float64)
    start = np.r_[0, np.flatnonzero(np.diff(lk)) + 1]
    group = np.cumsum(np.r_[0, np.diff(lk) != 0])
    rank = np.arange(lk.size) - start[group]
    v = t - rank * s
    lift = group * (v.max() - v.min() + 1.0)     # a segmented running maximum: later groups lie above
    d = rank * s + np.maximum.accumulate(v + lift) - lift
    wait = np.zeros(lk.size)
    wait[order] = d - t
    return np.ceil(np.bincount(pkt, weights=wait, minlength=n) - 1e-9).astype(np.int64)


def route_crossings(topo: MeshTopology, x_first: bool, src_core, dst_core):
    """Each chip crossing of each packet's dimension-order route: (packet, link id, links before it on the
    route, off-chip links before it), or None if no route crosses a chip edge. Also the sources of the loads
    estimate's first-arrival wait (:func:`noc.loads_estimate.off_chip_sources`)."""
    sx, sy = topo.coords(topo.router_of_core(np.asarray(src_core, np.int64)))
    tx, ty = topo.coords(topo.router_of_core(np.asarray(dst_core, np.int64)))
    kx = np.abs(sx // topo.chip_width - tx // topo.chip_width)
    ky = np.abs(sy // topo.chip_height - ty // topo.chip_height)
    if not (kx.sum() + ky.sum()):
        return None
    parts = []
    for axis, k in ((0, kx), (1, ky)):
        first = x_first == (axis == 0)
        pkt = np.repeat(np.arange(k.size), k)
        m = np.arange(pkt.size) - np.repeat(np.cumsum(k) - k, k)          # m-th crossing along this axis
        s, t, size = (sx, tx, topo.chip_width) if axis == 0 else (sy, ty, topo.chip_height)
        s, t = s[pkt], t[pkt]
        up = t > s
        b = np.where(up, s // size + 1 + m, s // size - m)                # chip edge between b size - 1 and b size
        at = np.where(up, b * size - 1, b * size)                          # the link's source position on the axis
        other = (sy[pkt] if first else ty[pkt]) if axis == 0 else (tx[pkt] if not first else sx[pkt])
        x, y = (at, other) if axis == 0 else (other, at)
        port = np.where(up, E, W) if axis == 0 else np.where(up, N, S)
        link = topo.link_id[y * topo.width + x, port]
        before = np.abs(at - s) + (0 if first else (np.abs(ty - sy) if axis == 0 else np.abs(tx - sx))[pkt])
        off_before = m + (0 if first else (ky if axis == 0 else kx)[pkt])
        parts.append((pkt, link.astype(np.int64), before, off_before))
    return tuple(np.concatenate([q[i] for q in parts]) for i in range(4))
