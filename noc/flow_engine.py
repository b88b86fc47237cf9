"""The flow engine: :class:`FlowNoc`, an *approximate* NoC model for speed, asked for by name only.

``make_engine(cfg, kind="flow")``. Same API and :class:`~noc.result.NocResult` fields as the exact engines.
Exact: routes, ``hops``, ``hops_ew`` / ``hops_ns``, per-link flits. Estimated: ``deliver_cycle`` (link
loads and one bottleneck queue per packet) and, coarsely, ``peak_buffer_flits``. In a system of chips each
packet's delivery is delayed by its off-chip links' extra zero-load latency, ``k (Lx + F (s - 1) - L)`` for
``k`` crossings; the off-chip links' serialisation and deeper buffers are not in its service times (it
underestimates queueing on them: use an exact engine for off-chip contention). The model is specified, in
NumPy, in :mod:`noc.flow_reference`; this engine runs the same computation compiled (``_flow_kernels.pyx``),
O(packets + links) per call, and the tests hold the two to identical results. Measured errors against the
exact engine: ``noc/README.md``.
"""

from __future__ import annotations

import numpy as np

from chip_configs.schema import ChipConfig, NetworkSpec, as_network_spec
from noc._flow_kernels import FlowKernel
from noc.engine import BatchLimits, check_batch
from noc.flow_reference import UNIFORM_WIDTH, estimate, hol_work_scale, router_outputs, service_times
from noc.model import RouterParams
from noc.result import NOT_DELIVERED, NocResult
from noc.routing import first_axis
from noc.topology import DIRECTIONS, MeshTopology


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
        if p.has_off_chip and p.off_land != p.link:
            # off-chip links: their own zero-load latency, ``Lx + F (s - 1)`` instead of ``L`` per crossing
            # (an approximation of the approximation: their serialisation is not in the service times)
            k = topo.chip_crossings(b.src_core, b.dst_core)
            deliver = np.where(deliver >= 0, deliver + k * (p.off_land - p.link), deliver)
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
