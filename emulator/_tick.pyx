# cython: language_level=3
"""Per-tick packet formation in one pass (the emulator's hot path outside the cores and the NoC).

For the spikes of a tick (sorted global neuron ids, hence grouped by core position), :func:`form_packets`
walks each spiking neuron's destination row once and writes, per packet, the source and destination chip
core (for the NoC) and the injection cycle;
and it adds each packet to its core's counters (packets and hops by direction at the source, deliveries at the
destination). No Python objects, no allocation: the caller owns and grows the output arrays.

Injection time of a packet (ns), for a core that integrates first and then sweeps its n neurons in order::

    t = integ[k] + (local + 1) / n[k] * update[k] + (rank + 1) * spike_ns

where rank counts the packets the core formed before this one in the tick; the cycle is ceil(t / cycle_ns).
"""

from libc.math cimport ceil
from libc.stdlib cimport abs as iabs
from libc.stdint cimport int32_t, int64_t

from chip_configs.events import check_columns

# Columns of the emulator's count arrays, from the header every compiled user includes.
cdef extern from "_events.h":
    enum:
        NM_SYN, NM_ACT, NM_INACT, NM_SPK, NM_PKT, NM_HEW, NM_HNS, NM_DLV, NM_NEV

# The column numbers this module was compiled with, by event label (chip_configs.events.Event).
EVENT_COLUMNS = {"syn_ops": NM_SYN, "neuron_updates_active": NM_ACT, "neuron_updates_inactive": NM_INACT,
                 "spikes": NM_SPK, "packets": NM_PKT, "hops_ew": NM_HEW, "hops_ns": NM_HNS, "deliveries": NM_DLV,
                 "n_events": NM_NEV}
check_columns("emulator/_events.h", EVENT_COLUMNS)


def count_packets(const int32_t[::1] spikes, const int64_t[::1] dest_ptr):
    """Number of packets the spikes of a tick form (sum of their destination row lengths)."""
    cdef Py_ssize_t i
    cdef int64_t total = 0
    with nogil:
        for i in range(spikes.shape[0]):
            total += dest_ptr[spikes[i] + 1] - dest_ptr[spikes[i]]
    return total


def form_packets(const int32_t[::1] spikes, const int64_t[::1] dest_ptr, const int32_t[::1] dest_pos,
                 const int32_t[::1] neuron_pos, const int32_t[::1] neuron_local,
                 const int32_t[::1] core_index, const int32_t[::1] x, const int32_t[::1] y,
                 const double[::1] integ, const double[::1] update, const double[::1] n_per_core,
                 double spike_ns, double cycle_ns,
                 int32_t[::1] out_src, int32_t[::1] out_dst,
                 int64_t[::1] out_inject, int64_t[:, ::1] counts):
    """Fill the packet arrays for ``spikes``; returns the number of packets (outputs must be large enough)."""
    cdef Py_ssize_t i, e, p = 0
    cdef int32_t g, k, kd, prev = -1
    cdef int64_t rank = 0
    cdef double t
    with nogil:
        for i in range(spikes.shape[0]):
            g = spikes[i]
            k = neuron_pos[g]
            if k != prev:
                prev = k
                rank = 0
            for e in range(dest_ptr[g], dest_ptr[g + 1]):
                kd = dest_pos[e]
                out_src[p] = core_index[k]
                out_dst[p] = core_index[kd]
                rank += 1
                t = integ[k] + (neuron_local[g] + 1) / n_per_core[k] * update[k] + rank * spike_ns
                # ceil with a guard against float noise on exact multiples of the cycle
                out_inject[p] = <int64_t>ceil(t / cycle_ns - 1e-9)
                counts[k, NM_PKT] += 1
                counts[k, NM_HEW] += iabs(x[kd] - x[k])
                counts[k, NM_HNS] += iabs(y[kd] - y[k])
                counts[kd, NM_DLV] += 1
                p += 1
    return p


def max_latency(const int64_t[::1] deliver, const int64_t[::1] inject):
    """Largest latency (cycles) of a batch of packets."""
    cdef Py_ssize_t i
    cdef int64_t lat, mx = 0
    with nogil:
        for i in range(deliver.shape[0]):
            lat = deliver[i] - inject[i]
            if lat > mx:
                mx = lat
    return mx


def latency_histogram(const int64_t[::1] deliver, const int64_t[::1] inject, int64_t[::1] hist):
    """Add each packet's latency (cycles) to ``hist``, which must have more bins than the largest latency."""
    cdef Py_ssize_t i
    with nogil:
        for i in range(deliver.shape[0]):
            hist[deliver[i] - inject[i]] += 1
