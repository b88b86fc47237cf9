"""What an engine run returns: per-packet delivery, hop and link counters, buffer peaks, and an event log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from noc.topology import MeshTopology

NOT_DELIVERED = -1


class LogEvent(NamedTuple):
    """One line of the SimPy engine's event log.

    ``event`` is ``"inject"`` (the source queue hands the packet to its router's local input port),
    ``"arrive"`` (its head is written into an input buffer), ``"depart"`` (it wins the switch and starts to
    leave the router) or ``"deliver"`` (its tail has been ejected into the core). ``router`` is ``(x, y)``.
    """

    cycle: int
    packet: int
    event: str
    router: tuple[int, int]


@dataclass
class NocResult:
    """Outcome of ``engine.run``: the network simulated from empty until every packet is delivered.

    Attributes
    ----------
    src_core, dst_core : ndarray of int32
        The packets as given.
    inject_cycle : ndarray of int64
        Request cycles as given (cycles).
    deliver_cycle : ndarray of int64
        Cycle at which each packet is fully ejected into its destination core, ``-1`` if it was not
        delivered before ``until`` (cycles).
    delivered_core, delivered_axon : ndarray of int32
        Core and axon each packet was actually delivered to (``-1`` if not delivered).
    hops : ndarray of int32
        Router-to-router links each packet crossed.
    hops_ew, hops_ns : int
        Total east-west and north-south link traversals (energy is priced per direction).
    link_ids, link_counts : ndarray of int32, ndarray of int64
        The links that carried flits (ascending ids, from :class:`~noc.topology.MeshTopology`) and their flit
        counts: the per-link counters, sparse, so that a run costs nothing per idle link. ``link_flits`` is
        the dense view.
    buffer_ports, buffer_peaks : ndarray of int32, ndarray of int64
        The input ports (``router * ports + port``, ascending) that held a packet and their peak occupancy in
        flits (buffer space minus the sender's credits: flits in the buffer plus flits on their way to it).
        ``peak_buffer_flits`` is the dense view.
    n_delivered : int
        Deliveries counted by the engine (each packet is counted once per ejection).
    cycles : int
        Last delivery cycle (``-1`` if nothing was delivered).
    flits_per_packet : int
        ``F``, for utilisation figures.
    topology : MeshTopology
        The mesh the packets crossed.
    log : list of LogEvent or None
        Event log sorted by cycle and packet, when the engine was asked for one (SimPy engine).
    """

    src_core: np.ndarray
    dst_core: np.ndarray
    inject_cycle: np.ndarray
    deliver_cycle: np.ndarray
    delivered_core: np.ndarray
    delivered_axon: np.ndarray
    hops: np.ndarray
    hops_ew: int
    hops_ns: int
    link_ids: np.ndarray
    link_counts: np.ndarray
    buffer_ports: np.ndarray
    buffer_peaks: np.ndarray
    n_delivered: int
    cycles: int
    flits_per_packet: int
    topology: MeshTopology = field(repr=False)
    log: list[LogEvent] | None = field(default=None, repr=False)
    _dense: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def link_flits(self) -> np.ndarray:
        """Flits carried by each directed link, shape (n_links,) (built on first use from the sparse counts)."""
        if "links" not in self._dense:
            dense = np.zeros(self.topology.n_links, np.int64)
            dense[self.link_ids] = self.link_counts
            self._dense["links"] = dense
        return self._dense["links"]

    @property
    def peak_buffer_flits(self) -> np.ndarray:
        """Peak flits held or reserved in each input port, shape (routers, ports); ports N, E, S, W, L0, ..."""
        if "ports" not in self._dense:
            topo = self.topology
            dense = np.zeros(topo.n_routers * topo.n_ports, np.int64)
            dense[self.buffer_ports] = self.buffer_peaks
            self._dense["ports"] = dense.reshape(topo.n_routers, topo.n_ports)
        return self._dense["ports"]

    @property
    def peak_buffer_max(self) -> int:
        """Largest buffer occupancy of any port (flits), without building the dense array."""
        return int(self.buffer_peaks.max()) if self.buffer_peaks.size else 0

    def add_link_flits(self, total: np.ndarray) -> np.ndarray:
        """Add this run's per-link flits into ``total`` (shape (n_links,)) in place, touching only the links
        used, and return it: a per-tick accumulator without a dense temporary."""
        total[self.link_ids] += self.link_counts  # ids are unique: fancy-index add is exact
        return total

    @property
    def n_packets(self) -> int:
        return len(self.src_core)

    @property
    def delivered(self) -> np.ndarray:
        """Mask of the packets delivered."""
        return self.deliver_cycle != NOT_DELIVERED

    @property
    def latency(self) -> np.ndarray:
        """Delivery minus request cycle per packet, source queueing included; -1 where not delivered."""
        return np.where(self.delivered, self.deliver_cycle - self.inject_cycle, NOT_DELIVERED)

    def stats(self, window: tuple[int, int] | None = None, nodes: int | None = None, bins: int = 32):
        """Summary statistics; see :func:`noc.stats.compute_stats`."""
        from noc.stats import compute_stats

        return compute_stats(self, window=window, nodes=nodes, bins=bins)


def sparse_counts(dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, values)`` of the non-zero entries of a flat counter array (engines that count densely)."""
    flat = np.ravel(dense)
    ids = np.flatnonzero(flat).astype(np.int32)
    return ids, flat[ids].astype(np.int64)


@dataclass(frozen=True)
class StreamTotals:
    """What a stream (:meth:`noc.fast_engine.FastNoc.stream`) keeps instead of per-packet arrays: counters of a
    run fed window by window, in memory independent of its length.

    Attributes
    ----------
    window : tuple of int
        The measurement window ``[start, end)`` (cycles): packets requested in it are *measured*.
    measured_delivered : int
        Measured packets delivered.
    latency_sum, hops_sum : int
        Sums over the measured packets delivered of latency (delivery - request, cycles) and of hops.
    latency_counts : ndarray of int64
        Histogram of those latencies: ``latency_counts[c]`` packets took ``c`` cycles (length: the largest
        latency + 1; below saturation a few times the zero-load latency, whatever the run's length).
    accepted : int
        Packets (measured or not) delivered in a cycle of the window.
    delivered, cycles : int
        Deliveries in all; last delivery cycle (-1 if none).
    live : int
        Packets fed and not delivered when the stream was closed.
    fed : int
        Packets fed in all.
    hops_ew, hops_ns, link_ids, link_counts, buffer_ports, buffer_peaks :
        As in :class:`NocResult`, over the whole stream.
    """

    window: tuple[int, int]
    measured_delivered: int
    latency_sum: int
    hops_sum: int
    latency_counts: np.ndarray
    accepted: int
    delivered: int
    cycles: int
    live: int
    fed: int
    hops_ew: int
    hops_ns: int
    link_ids: np.ndarray
    link_counts: np.ndarray
    buffer_ports: np.ndarray
    buffer_peaks: np.ndarray
