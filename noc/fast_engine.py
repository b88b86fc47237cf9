"""The Cython engine: :class:`FastNoc`, an event-driven, cycle-exact loop with the semantics of :mod:`noc.model`.

Built for the chip emulator, which calls :meth:`FastNoc.run` once per tick with a few to tens of thousands of
packets: the kernel's state is allocated once per engine and reused, the per-packet arrays grow geometrically,
a router is visited only in the cycles where one of its packets can move, and per-link and per-port counters
come back sparse. A call costs a few microseconds plus work proportional to the packet-hops and the
contention events they cause, whatever the size of the mesh.
"""

from __future__ import annotations

import numpy as np

from chip_configs.schema import ChipConfig, NetworkSpec, as_network_spec
from noc._noc_kernels import CycleKernel
from noc.engine import BatchLimits, check_batch
from noc.errors import NocError
from noc.model import RouterParams
from noc.result import NOT_DELIVERED, NocResult, StreamTotals
from noc.routing import get_routing, sign_table
from noc.topology import MeshTopology

# Arbiters the kernel implements inline (by the rule of noc.arbitration.RoundRobinArbiter).
KERNEL_ARBITERS = ("round_robin",)
NO_LIMIT = np.iinfo(np.int64).max
EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32), 0, 0, 0, NOT_DELIVERED,
         np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int64))


class FastNoc:
    """Cycle-level NoC engine in Cython; same API and results as :class:`noc.simpy_engine.SimpyNoc`.

    Parameters
    ----------
    cfg : ChipConfig or NetworkSpec
        The chip; its ``noc`` block gives the router model's parameters.
    """

    kind = "fast"

    def __init__(self, cfg: ChipConfig | NetworkSpec):
        self.cfg = cfg = as_network_spec(cfg)
        self.params = p = RouterParams.from_config(cfg)
        self.topology = topo = MeshTopology.from_config(cfg)
        self._limits = BatchLimits.from_config(cfg)
        if p.arbitration not in KERNEL_ARBITERS:
            raise NocError(f"noc.arbitration: {p.arbitration!r} is not implemented by the fast engine; "
                           f"allowed: {', '.join(KERNEL_ARBITERS)}")
        table = sign_table(get_routing(p.routing), topo)
        self._kernel = CycleKernel(
            topo.width, topo.height, topo.cores_per_router, p.vcs, p.slots_per_vc, p.flits,
            p.pipeline, p.link, p.injection, p.ejection, p.link_credit_delay, p.local_credit_delay,
            table, topo.link_id, p.vc_setup, p.credit_lag, p.vc_realloc,
            # off-chip links of a system of chips (None on one chip: the kernel reads none of it)
            np.ascontiguousarray(topo.link_off_chip, dtype=np.int8) if p.has_off_chip else None,
            p.off_land, p.off_busy, p.off_credit_delay, p.off_slots_per_vc, p.switch_allocator == "islip",
            p.vc_binding == "at_vc_allocation",
        )

    def run(self, src_core, dst_core, inject_cycle, dst_axon=None, *, until: int | None = None) -> NocResult:
        """Simulate the packets from an empty network until all are delivered.

        Parameters
        ----------
        src_core, dst_core : array of int
            Sending and receiving core of each packet.
        inject_cycle : array of int
            Cycle each packet is requested (cycles, >= 0, any order; ties leave a core in array order).
        dst_axon : array of int, optional
            Destination axon of each packet (reported back in ``delivered_axon``).
        until : int, optional
            Stop before this cycle; packets not yet ejected get ``deliver_cycle = -1``.
        """
        b = check_batch(self.cfg, src_core, dst_core, inject_cycle, dst_axon, self._limits)
        out = self._kernel.run(b.src_core, b.dst_core, b.inject_cycle, NO_LIMIT if until is None else until) \
            if len(b) else EMPTY
        deliver, deliv_core, hops, n_delivered, hops_ew, hops_ns, last, link_ids, link_counts, ports, peaks = out
        axon = b.dst_axon if n_delivered == len(b) else np.where(deliv_core >= 0, b.dst_axon, NOT_DELIVERED)
        return NocResult(
            b.src_core, b.dst_core, b.inject_cycle, deliver, deliv_core, axon.astype(np.int32, copy=False), hops,
            hops_ew, hops_ns, link_ids, link_counts, ports, peaks, n_delivered, last, self.params.flits,
            self.topology,
        )

    def stream(self, window: tuple[int, int] = (0, NO_LIMIT), *, record: bool = False) -> NocStream:
        """Open a stream: the network starts empty at cycle 0 and packets are fed window by window
        (:meth:`NocStream.feed`) into the running state, which carries over between feeds. Instead of
        per-packet arrays it keeps counters (:class:`~noc.result.StreamTotals`) of the packets requested in
        ``window`` = ``[start, end)`` (cycles), so memory is the live packets', not the run's. Feeding a run in
        windows gives exactly what one :meth:`run` of all its packets gives (tests/noc/test_stream.py checks
        it packet for packet with ``record=True``, which returns each feed's deliveries)."""
        return NocStream(self, window, record)


def check_feed(engine, src_core, dst_core, inject_cycle, now: int, until: int):
    """The checked packets of one feed of a stream of ``engine`` (either exact engine): in range, request
    cycles sorted and within ``[now, until)`` (the cycles already simulated cannot take new requests)."""
    b = check_batch(engine.cfg, src_core, dst_core, inject_cycle, None, getattr(engine, "_limits", None))
    if len(b) and (np.any(np.diff(b.inject_cycle) < 0) or b.inject_cycle[0] < now or b.inject_cycle[-1] >= until):
        raise NocError(f"inject_cycle: a stream's feed must be sorted and within [{now}, {until}) (the cycles "
                       f"already simulated cannot take new requests); got {b.inject_cycle.min()} .. "
                       f"{b.inject_cycle.max()}")
    return b


class NocStream:
    """An open stream of :class:`FastNoc` (one at a time per engine; a context manager that closes it)."""

    def __init__(self, engine: FastNoc, window: tuple[int, int], record: bool):
        self._engine, self.window = engine, (int(window[0]), int(window[1]))
        engine._kernel.stream_begin(self.window[0], self.window[1], record)
        self._open = True

    def feed(self, src_core, dst_core, inject_cycle, until: int):
        """Add packets requested in ``[now, until)`` (cycles sorted ascending, ties leave a core in array order)
        and simulate every cycle before ``until``. Returns ``(seq, deliver_cycle, delivered_core, hops)`` of
        the packets delivered by this feed when recording (``seq``: the packet's number in feeding order)."""
        eng = self._engine
        b = check_feed(eng, src_core, dst_core, inject_cycle, self.now, until)
        return eng._kernel.stream_feed(b.src_core, b.dst_core, b.inject_cycle, int(until))

    @property
    def now(self) -> int:
        """The clock: every cycle before it has been simulated."""
        return int(self._engine._kernel.stream_state()[0])

    @property
    def live(self) -> int:
        """Packets fed and not yet delivered (in flight or in source queues)."""
        return int(self._engine._kernel.stream_state()[1])

    @property
    def measured_delivered(self) -> int:
        """Packets requested in the window and delivered so far."""
        return int(self._engine._kernel.stream_state()[3])

    def held_bytes(self, per_live_packet: int) -> int:
        """Memory the stream holds beyond its fixed state: ``per_live_packet`` bytes per live packet and the
        latency histogram (8 bytes per cycle of the largest measured latency)."""
        _, live, _, _, max_lat = self._engine._kernel.stream_state()
        return int(live) * per_live_packet + 8 * (int(max_lat) + 1)

    def close(self) -> StreamTotals:
        """End the stream (the engine is empty and reusable) and return its counters."""
        if not self._open:
            raise NocError("this stream is already closed")
        self._open = False
        (meas, lat_sum, hop_sum, acc, hist, delivered, last, live, ew, ns, link_ids, link_counts, ports,
         peaks) = self._engine._kernel.stream_end()
        return StreamTotals(self.window, meas, lat_sum, hop_sum, hist, acc, delivered, last, live,
                            delivered + live, ew, ns, link_ids, link_counts, ports, peaks)

    def __enter__(self) -> NocStream:
        return self

    def __exit__(self, *exc) -> None:
        if self._open:
            self.close()
