"""Statistics of a NoC run: latency, hops, link load, buffer peaks, throughput.

Every figure is computed from the per-packet and per-link counters of a :class:`~noc.result.NocResult`; nothing
is sampled during the run (BookSim's passive-monitor habit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from noc.result import NocResult


@dataclass(frozen=True)
class NocStats:
    """Summary of a run over a measurement window ``[start, end)`` (cycles).

    Latency figures cover the packets requested in the window and delivered (cycles, source queueing
    included); throughput counts packets per node per cycle.

    Attributes
    ----------
    window : tuple of int
        ``(start, end)`` in cycles.
    packets, delivered : int
        Packets requested in the window, and how many of them were delivered.
    latency_mean, latency_p50, latency_p90, latency_p99, latency_max : float
        Latency statistics (cycles); NaN when nothing was delivered.
    latency_hist : tuple of ndarray
        ``(counts, bin_edges)`` of the latencies (cycles).
    hops_mean : float
        Mean router-to-router hops of the delivered packets.
    hops_ew, hops_ns : int
        Link traversals east-west and north-south over the whole run.
    offered_rate, accepted_rate : float
        Packets requested in, and ejected during, the window per node per cycle.
    link_flits : ndarray of int64
        Flits per directed link over the whole run.
    link_utilisation : ndarray of float
        ``link_flits / window length``: flits per cycle (a link carries at most one).
    peak_buffer_flits : int
        Largest input-port occupancy seen (flits held or reserved), over all routers and ports.
    """

    window: tuple[int, int]
    packets: int
    delivered: int
    latency_mean: float
    latency_p50: float
    latency_p90: float
    latency_p99: float
    latency_max: float
    latency_hist: tuple[np.ndarray, np.ndarray]
    hops_mean: float
    hops_ew: int
    hops_ns: int
    offered_rate: float
    accepted_rate: float
    link_flits: np.ndarray
    link_utilisation: np.ndarray
    peak_buffer_flits: int

    def summary(self) -> dict[str, float | int]:
        """The scalar figures, by name."""
        skip = {"latency_hist", "link_flits", "link_utilisation", "window"}
        out = {k: v for k, v in self.__dict__.items() if k not in skip}
        out["max_link_utilisation"] = float(self.link_utilisation.max()) if self.link_utilisation.size else 0.0
        return out


def compute_stats(
    res: NocResult, window: tuple[int, int] | None = None, nodes: int | None = None, bins: int = 32
) -> NocStats:
    """Statistics of ``res``.

    Parameters
    ----------
    res : NocResult
        A finished run.
    window : tuple of int, optional
        Measurement window ``[start, end)`` in cycles; default from the first request to the last delivery.
    nodes : int, optional
        Nodes that throughput is divided by; default every core of the chip.
    bins : int
        Latency histogram bins (at least one cycle wide).
    """
    start, end = window if window is not None else _whole_run(res)
    length = max(1, end - start)
    nodes = nodes or res.topology.n_cores
    measured = (res.inject_cycle >= start) & (res.inject_cycle < end)
    ok = measured & res.delivered
    lat = (res.deliver_cycle - res.inject_cycle)[ok]
    ejected = np.count_nonzero((res.deliver_cycle >= start) & (res.deliver_cycle < end))
    return NocStats(
        window=(start, end),
        packets=int(measured.sum()),
        delivered=int(ok.sum()),
        **latency_figures(lat),
        latency_hist=latency_histogram(lat, bins),
        hops_mean=float(res.hops[ok].mean()) if ok.any() else float("nan"),
        hops_ew=res.hops_ew,
        hops_ns=res.hops_ns,
        offered_rate=measured.sum() / nodes / length,
        accepted_rate=ejected / nodes / length,
        link_flits=res.link_flits,
        link_utilisation=res.link_flits / length,
        peak_buffer_flits=int(res.peak_buffer_flits.max()) if res.peak_buffer_flits.size else 0,
    )


def latency_figures(lat: np.ndarray) -> dict[str, float]:
    """Mean, p50, p90, p99 (linear interpolation) and max of latencies (cycles); NaN when empty."""
    names = ("latency_mean", "latency_p50", "latency_p90", "latency_p99", "latency_max")
    if lat.size == 0:
        return dict.fromkeys(names, float("nan"))
    p50, p90, p99 = np.percentile(lat, (50, 90, 99))
    return dict(zip(names, map(float, (lat.mean(), p50, p90, p99, lat.max())), strict=True))


def percentile_from_counts(counts: np.ndarray, q: float) -> float:
    """``np.percentile(lat, q)`` (linear interpolation) of the latencies whose histogram is ``counts``
    (``counts[c]`` values equal to ``c``), computed as numpy does, so that it is bit-identical to it: with
    ``n`` values sorted ``v``, the virtual index ``i = (n - 1) q / 100``, ``a = v[floor i]``, ``b`` the next
    value (``a`` at the top), ``g = i - floor i``; ``a + (b - a) g`` if ``g < 0.5`` else ``b - (b - a)(1 - g)``.
    NaN when empty. Cost O(len(counts)), memory O(len(counts)): no array of the values."""
    cum = np.cumsum(counts)
    n = int(cum[-1]) if cum.size else 0
    if n == 0:
        return float("nan")
    vi = (n - 1) * float(np.true_divide(q, 100))
    k = int(np.floor(vi))
    if vi >= n - 1:
        return float(np.searchsorted(cum, n - 1, side="right"))
    a, b = (int(v) for v in np.searchsorted(cum, [k, k + 1], side="right"))
    g = vi - k
    d = float(b - a)
    return float(a + d * g) if g < 0.5 else float(b - d * (1.0 - g))


def latency_histogram(lat: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts and edges over ``[min, max + 1)`` with at most ``bins`` bins, each a whole number of cycles."""
    if lat.size == 0:
        return np.zeros(0, np.int64), np.zeros(1)
    lo, hi = int(lat.min()), int(lat.max()) + 1
    width = max(1, -(-(hi - lo) // bins))
    return np.histogram(lat, bins=np.arange(lo, hi + width, width))


def _whole_run(res: NocResult) -> tuple[int, int]:
    if res.n_packets == 0:
        return 0, 1
    return int(res.inject_cycle.min()), max(int(res.cycles), int(res.inject_cycle.max())) + 1
