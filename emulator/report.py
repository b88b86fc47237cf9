"""Reports: price the counts of a run and present energy and latency per inference.

Everything here is derived after the run from :class:`~emulator.simulator.InferenceRecord` counts and the
config's tables, so every figure traces back to a count and a table entry:

    energy[kind]   = count[kind] x energy_table[kind]            (pJ)
    static         = static_power_mw x latency_ns                 (1 mW x 1 ns = 1 pJ)
    latency        = sum over ticks of tick duration               (ns)
    power          = energy / latency                              (pJ / ns = mW)
    EDP            = energy x latency                              (J s)

A system of chips (``cfg.system``) splits the network on-chip / off-chip, counts first (the per-link flits
every engine counts exactly; a link crossing a chip edge is off chip), prices after::

    hops_off[d]    = off-chip flits along direction d / F          (d = ew, ns; on chip: hops[d] - hops_off[d])
    energy[hops_d] = (hops[d] - hops_off[d]) x hop_d_pj            (on-chip hops only)
    energy[off_chip_flits] = off-chip flits x off_chip.energy_per_flit_pj    (instead of the hop energy)
    off-chip share of the network phase = hops_off x (Lx + F (s - 1)) / sum over packets of T0(h, k)
                   (cycles; zero-load attribution, an estimate: queueing is not attributed)

and the system barrier is the expanded config's ``sync.barrier_latency_ns``. Single chips carry none of it.
The per-core rows (``per_core``, dynamic energy) split a source core's hops the same way, from its off-chip
hops (``InferenceRecord.per_core_off_chip``, :mod:`emulator.off_chip`: the chip crossings of its packets'
routes times its neurons' spikes)::

    energy[k] = price(counts[k] with hops_d[k] - off_d[k]) + (off_ew[k] + off_ns[k]) x F x off-chip pJ per flit

so in a system as on one chip they add up to the dynamic total (``total - static``), on chip and off chip.

A report is a tree of frozen records (:class:`Report` at the root). ``to_dict()`` is the JSON schema (field
order = key order; the JSON is deterministic: sorted keys, no timestamps, so the same inputs and seed give
byte-identical files); ``to_text()`` the summary people read (:mod:`emulator.report_text`). What is known only
after the run (the accuracy against labels) is added with :meth:`Report.with_accuracy`, a new report: a report
is never mutated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np

from chip_configs.events import EVENT_NAMES, Event
from chip_configs.files import atomic_write_json
from cores.models import model_of
from cores.program_check import synapse_counts
from emulator.energy import price, static_energy_pj
from emulator.links import link_busy_cycles, link_name
from emulator.report_text import render_text

REPORT_VERSION = 1
PHASES = ("compute", "network", "sync")
PERCENTILES = (50, 90, 99)

Number = int | float  # per inference: counts are int; their means over inferences are float


def _frozen_map(items) -> Mapping:
    """A read-only mapping (the records below are frozen all the way down)."""
    return MappingProxyType(dict(items))


def _plain(value):
    """JSON-ready copy: records -> dicts (field order), mappings -> dicts, sequences -> lists."""
    if is_dataclass(value):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, CoreRows)):
        return [_plain(v) for v in value]
    return value


class _Record:
    """Base of the report records: frozen all the way down, and ``to_dict()`` (every field, in order, as plain
    JSON values)."""

    def __post_init__(self):
        # A dict or list given to a frozen record would still be mutable: store read-only views instead.
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dict):
                object.__setattr__(self, f.name, MappingProxyType(value))
            elif isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


# ----- one inference ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LatencyPercentiles(_Record):
    """Packet latency through the NoC (cycles): count, mean and nearest-rank percentiles."""

    count: Number
    mean: float
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def from_histogram(cls, hist: np.ndarray) -> LatencyPercentiles:
        """Exact percentiles (nearest rank: the smallest latency with ``ceil(q / 100 x n)`` packets at or below)
        and mean of integer latencies held as a histogram (``hist[c]`` packets took ``c`` cycles)."""
        n = int(hist.sum())
        if n == 0:
            return cls(0, 0.0, 0.0, 0.0, 0.0, 0.0)
        cum = np.cumsum(hist)
        pct = [float(np.searchsorted(cum, math.ceil(q / 100 * n))) for q in PERCENTILES]
        return cls(n, float((hist * np.arange(hist.size)).sum() / n), *pct, float(np.flatnonzero(hist)[-1]))


@dataclass(frozen=True)
class EnergyBreakdown(_Record):
    """Energy (pJ): ``total`` and ``by_op``, one entry per event kind (:data:`EVENT_NAMES`) plus ``static``."""

    total: float
    by_op: Mapping[str, float]

    @classmethod
    def priced(cls, counts: np.ndarray, cfg, latency_ns: float, off: OffChipCounts | None = None) -> EnergyBreakdown:
        """``by_op[e] = counts[e] x energy_table[e]``; ``static = static_power x latency``; total = their sum. In a
        system (``off``): hops priced on chip only, plus ``off_chip_flits`` x the off-chip energy per flit."""
        counts = np.asarray(counts, dtype=np.float64)
        if off is not None:
            counts = counts.copy()
            counts[Event.HOPS_EW] -= off.hops_ew
            counts[Event.HOPS_NS] -= off.hops_ns
        dyn = price(counts, cfg)
        by_op = {name: float(v) for name, v in zip(EVENT_NAMES, dyn, strict=True)}
        total = float(dyn.sum())
        if off is not None:
            by_op["off_chip_flits"] = off.flits * cfg.system.off_chip.energy_per_flit_pj(cfg.noc)
            total += by_op["off_chip_flits"]
        by_op["static"] = static_energy_pj(cfg, latency_ns)
        return cls(total + by_op["static"], _frozen_map(by_op))


@dataclass(frozen=True)
class OffChipCounts:
    """A system's off-chip link traffic of one inference: hops along x and y, flits (from per-link flits)."""

    hops_ew: int
    hops_ns: int
    flits: int

    @classmethod
    def of(cls, link_flits: np.ndarray, cfg) -> OffChipCounts:
        from noc.topology import MeshTopology

        topo = MeshTopology.from_config(cfg)
        off = topo.link_off_chip
        ew = int(link_flits[off & topo.link_is_ew].sum())
        ns = int(link_flits[off & ~topo.link_is_ew].sum())
        f = cfg.noc.flits_per_packet
        return cls(ew // f, ns // f, ew + ns)


@dataclass(frozen=True)
class OffChipSummary(_Record):
    """A system's network split on chip / off chip (module docstring): hops and flits, their energy (pJ), and
    the off-chip share of the network phase (zero-load attribution, an estimate) with that share in ns."""

    chips: Number
    hops_on_chip: Number
    hops_off_chip: Number
    flits_on_chip: Number
    flits_off_chip: Number
    energy_on_chip_pj: float
    energy_off_chip_pj: float
    network_off_chip_share: float
    network_off_chip_ns: float

    @classmethod
    def of(cls, counts: Mapping[str, Number], off: OffChipCounts, energy: EnergyBreakdown, network_ns: float,
           cfg) -> OffChipSummary:
        from noc.model import RouterParams

        p = RouterParams.from_config(cfg)
        hops = counts[Event.HOPS_EW.label] + counts[Event.HOPS_NS.label]
        off_hops = off.hops_ew + off.hops_ns
        # sum of the packets' zero-load latencies T0(h, k) (noc.model), and the off-chip links' part of it
        zero_load = (counts[Event.PACKETS.label] * (p.injection + p.pipeline + p.ejection + p.flits - 1)
                     + hops * p.pipeline + (hops - off_hops) * p.link + off_hops * p.off_land)
        share = off_hops * p.off_land / zero_load if zero_load else 0.0
        return cls(chips=cfg.n_chips, hops_on_chip=hops - off_hops, hops_off_chip=off_hops,
                   flits_on_chip=hops * p.flits - off.flits, flits_off_chip=off.flits,
                   energy_on_chip_pj=energy.by_op[Event.HOPS_EW.label] + energy.by_op[Event.HOPS_NS.label],
                   energy_off_chip_pj=energy.by_op["off_chip_flits"], network_off_chip_share=share,
                   network_off_chip_ns=share * network_ns)


@dataclass(frozen=True)
class LatencyBreakdown(_Record):
    """Latency (ns): ``total`` = the sum of tick durations; its phases compute + network + sync."""

    total: float
    compute: float
    network: float
    sync: float

    @classmethod
    def from_ticks(cls, tick_ns: np.ndarray) -> LatencyBreakdown:
        """From ``tick_ns`` [T, 4] (duration, compute, network, sync per tick)."""
        return cls(float(tick_ns[:, 0].sum()), *(float(tick_ns[:, i + 1].sum()) for i in range(len(PHASES))))


@dataclass(frozen=True)
class InferenceSummary(_Record):
    """One inference's priced figures (per-core arrays go in the aggregate), or their mean over inferences."""

    ticks: Number
    energy_pj: EnergyBreakdown
    latency_ns: LatencyBreakdown
    counts: Mapping[str, Number]  # event label -> count
    input_events: Number
    avg_hops: float
    noc_latency_cycles: LatencyPercentiles
    peak_buffer_flits: Number
    output_spike_count: Number
    power_mw: float
    timing_violations: Number  # how many
    # spikes dropped on binary axons (TrueNorth ORs spikes that reach one axon for one tick); None (and not in
    # the JSON) on chips whose axons sum them
    duplicate_axon_spikes: Number | None = None
    # a system of chips: the network split on chip / off chip; None (and not in the JSON) on a single chip
    off_chip: OffChipSummary | None = None

    def to_dict(self) -> dict:
        out = super().to_dict()
        for key in ("duplicate_axon_spikes", "off_chip"):
            if getattr(self, key) is None:
                del out[key]
        return out

    @classmethod
    def of(cls, rec, cfg) -> InferenceSummary:
        """Price one :class:`~emulator.simulator.InferenceRecord` with ``cfg``'s tables."""
        totals = rec.per_tick.sum(axis=0)
        latency = LatencyBreakdown.from_ticks(rec.tick_ns)
        off = OffChipCounts.of(rec.link_flits, cfg) if cfg.system is not None else None
        energy = EnergyBreakdown.priced(totals, cfg, latency.total, off)
        counts = {name: int(v) for name, v in zip(EVENT_NAMES, totals, strict=True)}
        packets = counts[Event.PACKETS.label]
        hops = counts[Event.HOPS_EW.label] + counts[Event.HOPS_NS.label]
        return cls(
            ticks=int(rec.tick_ns.shape[0]),
            energy_pj=energy,
            latency_ns=latency,
            counts=_frozen_map(counts),
            input_events=rec.input_events,
            avg_hops=float(hops / packets) if packets else 0.0,
            noc_latency_cycles=LatencyPercentiles.from_histogram(rec.latency_hist),
            peak_buffer_flits=rec.peak_buffer_flits,
            output_spike_count=int(np.count_nonzero(rec.out_spikes)),  # a 0/1 raster: no int64 copy
            power_mw=energy.total / latency.total if latency.total else 0.0,
            timing_violations=len(rec.violations),
            duplicate_axon_spikes=rec.duplicate_axon_spikes if model_of(cfg).capabilities.binary_axons else None,
            off_chip=None if off is None else OffChipSummary.of(counts, off, energy, latency.network, cfg),
        )


def mean_of(items: Sequence):
    """Element-wise mean of equal-shaped records (or mappings) of numbers; each leaf is ``fsum / n``, exactly
    rounded, so the mean does not depend on the order of the inferences' partial sums."""
    first = items[0]
    if first is None:   # a field the chip does not have (e.g. duplicate_axon_spikes on graded axons)
        return None
    if is_dataclass(first):
        return type(first)(**{f.name: mean_of([getattr(i, f.name) for i in items]) for f in fields(first)})
    if isinstance(first, Mapping):
        return _frozen_map((k, mean_of([i[k] for i in items])) for k in first)
    return math.fsum(items) / len(items)


# ----- the chip -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemoryBits(_Record):
    """Programmed footprint of the used cores (bits): weights + state + spike buffers = total."""

    weights: int
    state: int
    spikes: int
    total: int

    @classmethod
    def of(cls, chip) -> MemoryBits:
        return cls(**{k: int(np.sum(v)) for k, v in chip.cores.memory_bits().items()})


def _synapse_totals(chip) -> tuple[int, int, int]:
    """(synapses, non-zero synapses, crossbar points) of the chip's mapped network, computed once per mapped
    network (one popcount pass over the crossbars, ~30 ms on TrueNorth's 4,096 cores) and kept on the chip for
    its next runs: a run does not change the programs."""
    cached = getattr(chip, "_synapse_totals", None)
    if cached is not None and cached[0] is chip.mapped:
        return cached[1]
    progs = [c.program for c in chip.mapped.cores]
    per_core = synapse_counts(progs)   # one popcount pass over the crossbars, not one call per core
    nonzero = sum(int(n) if p.syn_weight is None else int(np.count_nonzero(p.syn_weight))
                  for n, p in zip(per_core, progs, strict=True))
    totals = (int(per_core.sum()), nonzero, sum(int(p.n_axons) * int(p.n_neurons) for p in progs))
    chip._synapse_totals = (chip.mapped, totals)
    return totals


@dataclass(frozen=True)
class CoreRow(_Record):
    """One used core, mean per inference: its priced energy (pJ) and main counts."""

    core: int
    energy_pj: float
    syn_ops: float
    spikes: float
    packets: float
    memory_bits: int
    # a system of chips: the flits this core's packets sent across chip edges; None (not in the JSON): one chip
    off_chip_flits: float | None = None

    def __post_init__(self):
        pass    # scalar fields only: nothing to freeze (a report has one row per core: 4,096 on TrueNorth)

    def to_dict(self) -> dict:
        out = super().to_dict()
        if self.off_chip_flits is None:
            del out["off_chip_flits"]
        return out


def _per_core_energy(counts: np.ndarray, off: np.ndarray | None, cfg) -> tuple[np.ndarray, np.ndarray | None]:
    """Dynamic energy (pJ) of each core from its mean counts [C, events]; in a system (``off``: mean off-chip
    hops [C, 2], east-west and north-south) the off-chip hops priced as flits instead (module docstring).
    Returns (energy [C], off-chip flits [C] or None)."""
    if off is None:
        return price(counts, cfg).sum(axis=1), None
    on = counts.copy()
    on[:, Event.HOPS_EW] -= off[:, 0]
    on[:, Event.HOPS_NS] -= off[:, 1]
    flits = off.sum(axis=1) * cfg.noc.flits_per_packet
    return price(on, cfg).sum(axis=1) + flits * cfg.system.off_chip.energy_per_flit_pj(cfg.noc), flits


class CoreRows(Sequence):
    """The per-core rows of a report as columns (a sequence of :class:`CoreRow`, each made when read): a
    TrueNorth report has 4,096 of them, and making them all costs ~5 ms a run that nobody may read (the JSON and
    the text report read them; a benchmark's loop over runs does not). Equal when every column is."""

    _FIELDS = tuple(f.name for f in fields(CoreRow))

    def __init__(self, columns: Sequence[list]):
        self._cols = tuple(tuple(c) for c in columns)

    def __len__(self) -> int:
        return len(self._cols[0])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        return CoreRow(*(c[i] for c in self._cols))

    def column(self, name: str) -> tuple:
        """One field of every row, in order (no rows made)."""
        return self._cols[self._FIELDS.index(name)]

    def __eq__(self, other) -> bool:
        if isinstance(other, CoreRows):
            return self._cols == other._cols
        return isinstance(other, tuple) and tuple(self) == other

    __hash__ = None

    def __repr__(self) -> str:
        return f"CoreRows({len(self)} cores)"


def _per_core(chip, records) -> CoreRows:
    counts = np.sum([r.per_core for r in records], axis=0) / len(records)
    off = None
    if chip.cfg.system is not None:
        off = np.sum([_off_chip_hops(r, counts.shape[0]) for r in records], axis=0) / len(records)
    energy, flits = _per_core_energy(counts, off, chip.cfg)
    mem = chip.cores.memory_bits()
    cols = (chip.wiring.core_index.tolist(), energy.astype(float).tolist(),
            counts[:, Event.SYN_OPS].astype(float).tolist(), counts[:, Event.SPIKES].astype(float).tolist(),
            counts[:, Event.PACKETS].astype(float).tolist(), np.asarray(mem["total"]).astype(int).tolist(),
            [None] * len(energy) if flits is None else flits.astype(float).tolist())
    return CoreRows(cols)


def _off_chip_hops(rec, n_cores: int) -> np.ndarray:
    """A system's per-core off-chip hops of one inference (zeros from a loop that did not count them)."""
    off = getattr(rec, "per_core_off_chip", None)
    return np.zeros((n_cores, 2), np.int64) if off is None else off


@dataclass(frozen=True)
class NocLinkStats(_Record):
    """Flits on the mesh links over the whole run; utilisation = flits per link per NoC cycle (a system's
    off-chip link: busy cycles, flits x serialisation, per cycle)."""

    flits_total: int
    utilisation_mean: float
    utilisation_max: float
    busiest_link: str | None  # None: no flit crossed a link


def _links(chip, flits: np.ndarray, util: np.ndarray) -> NocLinkStats:
    """Totals of the per-link flits; the busiest link is the most utilised (the most flits on one chip)."""
    k = int(np.argmax(util if chip.cfg.system is not None else flits)) if flits.size else 0
    return NocLinkStats(
        flits_total=int(flits.sum()),
        utilisation_mean=float(util.mean()) if util.size else 0.0,
        utilisation_max=float(util.max()) if util.size else 0.0,
        busiest_link=link_name(chip.topology, k) if flits.size and flits[k] else None,
    )


@dataclass(frozen=True)
class Violation(_Record):
    """A fixed-period overrun as the engine named it (``entry``: tick, kind, culprit, period_ns and the numbers
    of its kind), in inference ``inference``."""

    inference: int
    entry: Mapping[str, object]

    @property
    def tick(self) -> int:
        return self.entry["tick"]

    @property
    def culprit(self) -> str:
        return self.entry["culprit"]

    @property
    def period_ns(self) -> float:
        return self.entry["period_ns"]

    @property
    def overrun_ns(self) -> float | None:
        """How far the tick overran its period (ns); None when the engine does not know (loads estimate)."""
        return self.entry.get("overrun_ns")

    def to_dict(self) -> dict:
        return dict(_plain(self.entry), inference=self.inference)


@dataclass(frozen=True)
class UnitCosts(_Record):
    """The table entries every figure was priced with (the config's ``energy`` and ``timing`` blocks)."""

    energy: Mapping[str, float]
    timing: Mapping[str, float]
    noc_cycle_ns: float
    off_chip_flit_pj: float | None = None  # a system's off-chip energy per flit; None (not in the JSON): one chip

    @classmethod
    def of(cls, cfg) -> UnitCosts:
        off = None if cfg.system is None else cfg.system.off_chip.energy_per_flit_pj(cfg.noc)
        return cls(_frozen_map(cfg.energy.model_dump()), _frozen_map(cfg.timing.model_dump()), cfg.noc.cycle_ns, off)

    def to_dict(self) -> dict:
        out = super().to_dict()
        if self.off_chip_flit_pj is None:
            del out["off_chip_flit_pj"]
        return out


@dataclass(frozen=True)
class RunArrays:
    """Arrays behind the plots (read-only, not in the JSON)."""

    link_utilisation: np.ndarray  # [n_links] flits per cycle
    core_activity: np.ndarray  # [C] mean syn_ops per inference
    tick_ns: np.ndarray  # [B, T, 4] duration, compute, network, sync
    core_index: np.ndarray  # [C] chip core index of each used core

    def __post_init__(self):
        for f in fields(self):
            getattr(self, f.name).setflags(write=False)


# ----- the report ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeuroBenchMetrics(_Record):
    """The metrics NeuroBench (Yik et al., Nature Communications 2025) names, from what the run counted.

    Attributes
    ----------
    synaptic_operations : per inference: ``effective_acs`` the accumulates the chip performed (spike x
        synapse, the report's syn_ops), ``effective_macs`` 0 (integer cores accumulate, they never multiply),
        ``dense`` every programmed synapse every tick (what a dense, event-blind engine would do).
    activation_sparsity : 1 - spikes / (neurons x ticks), mean over inferences.
    connection_sparsity : 1 - non-zero synapses / crossbar points (sum over used cores of axons x neurons;
        a TrueNorth synapse is a set crossbar bit, a Loihi one a stored non-zero weight; relays included).
    footprint_bytes : the programmed state as the chip stores it (weights, neuron state, spike buffers: the
        report's memory_bits / 8).
    """

    synaptic_operations: Mapping[str, float]
    activation_sparsity: float
    connection_sparsity: float
    footprint_bytes: float

    @classmethod
    def of(cls, chip, mean: InferenceSummary, activation_sparsity: float, memory: MemoryBits) -> NeuroBenchMetrics:
        synapses, nonzero, points = _synapse_totals(chip)
        ops = {"effective_acs": float(mean.counts[Event.SYN_OPS.label]), "effective_macs": 0.0,
               "dense": float(synapses) * float(mean.ticks)}
        return cls(synaptic_operations=_frozen_map(ops), activation_sparsity=activation_sparsity,
                   connection_sparsity=1.0 - nonzero / points if points else 1.0,
                   footprint_bytes=memory.total / 8)


@dataclass(frozen=True)
class Report(_Record):
    """Priced results of a run; ``to_dict`` is the JSON schema, ``to_text`` the table for people."""

    report_version: int
    chip: str
    network: str
    noc_engine: str
    seed: int | None
    sync: str
    inferences: int
    per_inference: tuple[InferenceSummary, ...]
    mean: InferenceSummary
    inferences_per_second: float
    energy_delay_product_js: float
    memory_bits: MemoryBits
    cores_used: int
    cores_available: int
    neurons_used: int
    activation_sparsity: float
    per_core: CoreRows
    noc_links: NocLinkStats
    timing_violations: tuple[Violation, ...]
    unit_costs: UnitCosts
    neurobench: NeuroBenchMetrics
    accuracy: float | None = None  # fraction of inferences whose prediction equals the label; None: no labels
    noc_estimate: Mapping[str, object] | None = None  # an estimating network model's latency notes; None: exact
    # the outputs as the framework reads them when some are LI readouts (emulator.readout.OutputReadout); None
    # (and not in the JSON) when every output spikes
    readout: object | None = None
    arrays: RunArrays | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict:
        """The JSON schema: every field but the plot arrays; ``accuracy`` only when labels were given,
        ``noc_estimate`` only from an estimating network model, ``readout`` only when outputs are LI readouts."""
        skip = ("accuracy", "noc_estimate", "readout", "arrays")
        out = {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name not in skip}
        if self.accuracy is not None:
            out["accuracy"] = self.accuracy
        if self.noc_estimate is not None:
            out["noc_estimate"] = _plain(self.noc_estimate)
        if self.readout is not None:
            out["readout"] = _plain(self.readout)
        return out

    def with_accuracy(self, accuracy: float) -> Report:
        """This report with the accuracy against labels (a new record)."""
        return replace(self, accuracy=float(accuracy))

    def with_readout(self, readout) -> Report:
        """This report with the decoded outputs of LI readout lines (:class:`emulator.readout.OutputReadout`)."""
        return replace(self, readout=readout)

    def save_json(self, path: str | Path) -> Path:
        return atomic_write_json(path, self.to_dict())

    def to_text(self) -> str:
        return render_text(self)


def build_report(chip, records) -> Report:
    """Price every inference and aggregate; see the module docstring for the formulas."""
    cfg = chip.cfg
    per_inf = tuple(InferenceSummary.of(r, cfg) for r in records)
    mean = mean_of(per_inf)
    lat_s = mean.latency_ns.total * 1e-9
    e_j = mean.energy_pj.total * 1e-12
    meta = chip.mapped.metadata if chip.mapped is not None else {}
    flits = np.sum([r.link_flits for r in records], axis=0)
    cycles = sum(float(r.tick_ns[:, 0].sum()) for r in records) / cfg.noc.cycle_ns
    busy = link_busy_cycles(cfg, chip.topology, flits)   # flits; on an off-chip link x its serialisation
    util = busy / cycles if cycles else flits * 0.0
    per_core = _per_core(chip, records)
    memory = MemoryBits.of(chip)
    sparsity = _sparsity(mean, chip)
    return Report(
        report_version=REPORT_VERSION,
        chip=cfg.name,
        network=meta.get("name") or meta.get("network") or "unnamed",
        noc_engine=chip.noc_engine,
        seed=chip.seed,
        sync=cfg.sync.mode,
        inferences=len(records),
        per_inference=per_inf,
        mean=mean,
        inferences_per_second=1.0 / lat_s if lat_s else 0.0,
        energy_delay_product_js=e_j * lat_s,
        memory_bits=memory,
        cores_used=int(chip.cores.n_cores),
        cores_available=int(cfg.num_cores),
        neurons_used=int(chip.cores.n_neurons),
        activation_sparsity=sparsity,
        per_core=per_core,
        noc_links=_links(chip, flits, util),
        timing_violations=tuple(Violation(b, _frozen_map(v)) for b, r in enumerate(records) for v in r.violations),
        unit_costs=UnitCosts.of(cfg),
        neurobench=NeuroBenchMetrics.of(chip, mean, sparsity, memory),
        noc_estimate=_estimate_notes(records),
        arrays=RunArrays(
            link_utilisation=util if cycles else flits.astype(float),
            core_activity=np.asarray(per_core.column("syn_ops")),
            tick_ns=np.stack([r.tick_ns for r in records]),
            core_index=chip.wiring.core_index.copy(),
        ),
    )


def _estimate_notes(records) -> Mapping | None:
    """The estimating network model's notes over all inferences (worst case of each), with ``trusted``: whether
    no tick passed the utilisation up to which its latencies were measured, and, when some fixed-period ticks
    ended within the estimate's measured error below the period, ``ticks_near_period`` and
    ``fixed_period_trusted`` (False: an overrun may have been missed); None for exact models."""
    notes = [r.noc_estimate for r in records if getattr(r, "noc_estimate", None)]
    if not notes:
        return None
    out = dict(notes[0])
    out["busiest_link_utilisation_max"] = max(n["busiest_link_utilisation_max"] for n in notes)
    out["backlog_cycles_max"] = max(n["backlog_cycles_max"] for n in notes)
    out["ticks_above_trusted"] = sum(n["ticks_above_trusted"] for n in notes)
    out["trusted"] = out["ticks_above_trusted"] == 0
    # fixed sync: ticks that ended within the estimate's measured error below the period (may have overrun);
    # only when there are any
    near = sum(n.get("ticks_near_period", 0) for n in notes)
    if near:
        out["ticks_near_period"] = near
        out["near_period_margin"] = next(n["near_period_margin"] for n in notes if "near_period_margin" in n)
        out["fixed_period_trusted"] = False
    return _frozen_map(out)


def _sparsity(mean: InferenceSummary, chip) -> float:
    """1 - spikes / (neurons x ticks): NeuroBench's activation sparsity."""
    denom = chip.cores.n_neurons * mean.ticks
    return 1.0 - mean.counts[Event.SPIKES.label] / denom if denom else 1.0


__all__ = ["CoreRow", "CoreRows", "EnergyBreakdown", "OffChipCounts", "OffChipSummary", "InferenceSummary", "LatencyBreakdown", "LatencyPercentiles", "MemoryBits",
           "NeuroBenchMetrics", "NocLinkStats", "Report", "RunArrays", "UnitCosts", "Violation", "build_report", "mean_of"]
