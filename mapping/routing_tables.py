"""Per-neuron destination tables: logical (slice, axon, delay) routes, then (core, axon, delay) in packet format.

Logical routes come from the partition: a neuron sends to every (slice, axon) whose axon key is (it,
delay); a neuron whose fan-out needed splitters sends one spike to its relay axon instead (delay 1), and
the relays forward with the original delay. The other edges of a population that uses splitters get
``extra_delay`` ticks more so that all its paths stay equally long (see :mod:`mapping.partition`).

Physical tables replace slices by the cores the placer chose and check every field against the packet
layout (the ranges of :class:`noc.packet.PacketFormat`, the one home of the packet fields): signed
``dx``/``dy`` hop offsets, the core-at-router index, the axon index and the delivery delay (also within the
core's delay slots).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_configs.errors import CapacityError
from emulator.mapped import Destinations
from mapping.partition import SPLITTERS, Partition, destinations
from mapping.placement import Traffic
from noc.packet import FIELDS, PacketFormat
from noc.topology import MeshTopology


@dataclass(frozen=True)
class Routes:
    """Destinations of the neurons of one slice (CSR over local neurons), in slice terms."""

    ptr: np.ndarray  # int64[n + 1]
    slice: np.ndarray  # int64[E]
    axon: np.ndarray  # int64[E]
    delay: np.ndarray  # int64[E]


def _csr(counts: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def _population_routes(part: Partition, k: int, dest) -> Routes:
    """Routes of a population slice's neurons, vectorised over neurons: a neuron's row is its range of the
    destination CSR (delays + the population's ``extra_delay``), or one edge to its relay axon (delay 1)."""
    s = part.slices[k]
    ptr, sl, ax, dl = dest
    g = np.arange(part.offsets[s.pop] + s.start, part.offsets[s.pop] + s.stop)
    extra = part.extra_delay.get(s.pop, 0)
    split_gid = np.fromiter(part.splitter_sources, np.int64, len(part.splitter_sources))
    split = np.isin(g, split_gid)
    lo = ptr[g]
    counts = np.where(split, 1, ptr[g + 1] - lo)
    out_ptr = _csr(counts)
    idx = np.repeat(lo - out_ptr[:-1], counts) + np.arange(int(out_ptr[-1]))
    rows_sl, rows_ax, rows_dl = sl[idx].astype(np.int64), ax[idx].astype(np.int64), dl[idx].astype(np.int64) + extra
    for i in np.flatnonzero(split).tolist():
        ss, sa = part.splitter_sources[int(g[i])]
        at = out_ptr[i]
        rows_sl[at], rows_ax[at], rows_dl[at] = ss, sa, 1
    return Routes(out_ptr, rows_sl, rows_ax, rows_dl)


def _relay_routes(part: Partition, k: int) -> Routes:
    rel = part.slices[k].relay_dest
    flat = [d for chunk in rel for d in chunk]
    arr = np.asarray(flat, np.int64).reshape(-1, 3)
    return Routes(_csr(np.asarray([len(c) for c in rel], np.int64)), arr[:, 0], arr[:, 1], arr[:, 2])


def logical_routes(part: Partition) -> tuple[list[Routes], Routes]:
    """Routes of every slice's neurons, and of the external input lines (as a Routes over input lines)."""
    n_src = part.n_inputs + sum(t.ptr.size - 1 for t in part.tables.values())
    dest = destinations([s for s in part.slices if s.pop != SPLITTERS], n_src)
    per_slice = [(_relay_routes(part, k) if s.pop == SPLITTERS else _population_routes(part, k, dest))
                 for k, s in enumerate(part.slices)]
    ptr, sl, ax, dl = dest
    n_in = part.n_inputs
    inputs = Routes(ptr[:n_in + 1].copy(), sl[:ptr[n_in]], ax[:ptr[n_in]], dl[:ptr[n_in]])
    return per_slice, inputs


def slice_pairs(routes: list[Routes], rates: list[np.ndarray] | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed packets per tick between slices ``(src, dst, w)``: each neuron sends one packet per distinct
    destination slice per spike (pairs may repeat: one entry per sending neuron, self traffic included).

    ``rates[k]`` gives the expected spikes per tick of slice k's neurons (default 1).
    """
    src, dst, w = [], [], []
    for k, r in enumerate(routes):
        n = r.ptr.size - 1
        owner = np.repeat(np.arange(n), np.diff(r.ptr))
        pairs = np.unique(owner * (len(routes) + 1) + r.slice)
        nrn, ds = pairs // (len(routes) + 1), pairs % (len(routes) + 1)
        rate = np.ones(n) if rates is None else np.asarray(rates[k], np.float64)
        src.append(np.full(ds.size, k))
        dst.append(ds)
        w.append(rate[nrn])
    def cat(x):
        return (np.concatenate(x) if x else np.zeros(0))
    return cat(src).astype(np.int64), cat(dst).astype(np.int64), cat(w)


def slice_traffic(routes: list[Routes], rates: list[np.ndarray] | None = None) -> Traffic:
    """Packets per tick between slices (:func:`slice_pairs` merged into the placer's undirected graph)."""
    src, dst, w = slice_pairs(routes, rates)
    return Traffic.from_directed(len(routes), src, dst, w)


# ----- physical tables ------------------------------------------------------------------------------------------------


def _field_limits(cfg) -> dict[str, tuple[int, int]]:
    """(smallest, largest) value of each destination field: the packet layout's ranges, the delay also no more
    than the core's delay slots."""
    fmt = PacketFormat.from_config(cfg)
    lim = {name: fmt.field_range(name) for name in FIELDS}
    lim["delay"] = (lim["delay"][0], min(lim["delay"][1], cfg.core.delay_slots))
    return lim


def check_packet_fields(cfg, src_core: int, dst_core: np.ndarray, axon: np.ndarray, delay: np.ndarray,
                        what: str, layer: str | None = None) -> None:
    """Raise CapacityError if any destination does not fit the packet layout (names ``what`` and the field)."""
    if dst_core.size == 0:
        return
    lim = _field_limits(cfg)
    topo = MeshTopology.from_config(cfg)
    # the packet's address fields (a system addressed by chip id: chip + chip-local dx/dy; noc.packet)
    address = PacketFormat.from_config(cfg).address(topo, np.full(dst_core.shape, src_core, np.int64),
                                                    np.asarray(dst_core, np.int64))
    checks = {**address, "axon": axon, "delay": delay}
    for name, val in checks.items():
        lo, hi = lim[name]
        if val.max() > hi:
            raise CapacityError(name, int(val.max()), hi, layer=layer, chip=cfg.name, what=what,
                                message="{what}: {resource} {need} does not fit the packet field (max {limit})")
        if name != "delay" and val.min() < lo:
            raise CapacityError(name, int(val.min()), lo, layer=layer, chip=cfg.name, bound="min", what=what,
                                message="{what}: {resource} {need} does not fit the packet field (min {limit})")
    if delay.min() < 1:
        raise CapacityError("delay", int(delay.min()), 1, layer=layer, chip=cfg.name, bound="min", what=what,
                            message="{what}: delay {need}; the chip needs >= {limit}")


def physical(routes: Routes, assign: np.ndarray, cfg, src_core: int, what: str, layer: str | None = None
             ) -> Destinations:
    """Slice routes -> chip-core destinations, checked against the packet layout."""
    core = assign[routes.slice] if routes.slice.size else np.zeros(0, np.int64)
    check_packet_fields(cfg, src_core, core, routes.axon, routes.delay, what, layer)
    return Destinations(routes.ptr.astype(np.int64), core.astype(np.int32), routes.axon.astype(np.int32),
                        routes.delay.astype(np.int32))


def physical_inputs(routes: Routes, assign: np.ndarray, cfg) -> Destinations:
    """External input tables (no source core: only axon and delay widths are checked)."""
    core = assign[routes.slice] if routes.slice.size else np.zeros(0, np.int64)
    lim = _field_limits(cfg)
    for name, val in (("delay", routes.delay), ("axon", routes.axon)):
        if val.size and val.max() > lim[name][1]:
            raise CapacityError(name, int(val.max()), lim[name][1], chip=cfg.name, what="input lines",
                                message="{what}: {resource} {need} does not fit the packet field (max {limit})")
    return Destinations(routes.ptr.astype(np.int64), core.astype(np.int32), routes.axon.astype(np.int32),
                        routes.delay.astype(np.int32))


__all__ = ["Routes", "check_packet_fields", "logical_routes", "physical", "physical_inputs", "slice_pairs", "slice_traffic"]
