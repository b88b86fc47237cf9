"""The fused loop: the whole tick loop of a chip fused into one compiled call per inference.

``Chip.from_config(cfg, noc_engine="loads")`` (CLI ``--engine loads``): the fused loop times the loads estimate
(:mod:`noc.loads_estimate`), :mod:`emulator.loops`. Named, never a default. Its timing follows
:mod:`emulator.timing`; the kernel is built from the typed plan records below (:class:`NeuronPlan`,
:class:`SynapsePlan`, :class:`EventPlan`, :class:`MeshPlan`, :class:`TimingPlan`; for a bit-crossbar chip
:class:`BitNeuronPlan` and :class:`BitSynapsePlan`, :data:`MODEL_PLANS` picks by the unit's compiled record).
Chips whose neuron model has fused kernels only (:func:`fused_loop_supported`: Loihi LIF and TrueNorth).

What it keeps exact, and what it estimates (measured against the cycle-exact engine in
``tests/emulator/test_loads_engine.py``; figures in ``noc/README.md``):

- **exact**: every spike and output (bit-exact Loihi and TrueNorth neurons, the same rules as the per-core
  kernels, TrueNorth's stochastic synapse, leak and threshold with the same counter-based draws), every
  count and hence every energy figure (TrueNorth's dropped duplicate axon spikes too) (syn_ops, neuron updates, spikes, packets, hops east-west and
  north-south, deliveries, per core and per tick), the per-link flits, the compute phase of every tick;
- **estimated**: the network phase of each tick (its drain time from the tick's link, injection and ejection
  loads, :mod:`noc.loads_estimate`), hence tick and inference latency and static energy; the packet latency
  distribution (the drain-backlog model of :mod:`noc.loads_estimate`: each packet's ``T0(hops)`` plus a wait
  uniform over its tick's queueing backlog; flagged in the report's ``noc_estimate`` when the busiest link's
  offered utilisation passes :data:`~noc.loads_estimate.TRUSTED_UTILISATION`); buffer occupancy is not
  modelled (``peak_buffer_flits`` 0).

How it is fast (issue 6): :class:`FusedPlan` pre-folds, for every source (neuron or input line), the crossbar
rows of all its destination axons into one list of (global target, weight) records -- uint16 targets and a
single increment when the source's synapses share a weight -- so a spike costs one sequential stream of
additions instead of a packet per destination and a row lookup per axon. When :class:`_Bounds32` proves 32-bit
arithmetic exact for the chip (checked again per inference for its input counts), accumulators and registers
are int32 and the neuron update runs core by core, sixteen neurons per AVX-512 instruction, skipping quiet
cores (``_lif32.c``); otherwise the int64 rules of ``_lif_batch.c`` run. Each neuron's spike events (packets,
hops, destination cores as bits, source router) sit in one 64-byte record: deliveries per core and link loads
come from 16-bit counters per (source group, destination core) and (source router, destination line), one
masked vector add per 32 destination cores (``_events.c``), read back once per tick, not per packet. CPUs
without AVX-512 run scalar twins of every vector path (tested equal). One call runs all ticks of an inference
without the GIL (one tick at a time when probes need Python between ticks).

TrueNorth (issue 18, ``emulator/_tn_fused.c`` through :class:`emulator._fused.BitCores`): axons are bits per
delay slot, as the chip's scheduler holds them; a spike or input line sets its destination axon's bit in the slot
of its delivery tick (a bit already set: a dropped duplicate, counted when the slot is delivered, as the exact
engine counts them). Per tick and core, the set axons are listed (their crossbar rows prefetched: they are random
in 32 MiB) and each row is added as lane masks into the core's weights of the axon's type: ``acc[j] +=
weights[j, type(a)]`` for the row's set bits j, one AVX-512 masked add per 16 synapses (AVX2: 8; scalar: one
add per set bit); types with stochastic synapses on the core draw per synapse (scalar). The sums are int32
(refused beyond: axons per core x largest |weight| >= 2**31). The neuron rule is ``NM_TN_LANE_RULES`` of
cores/nm_rules.h -- the same definition as the per-core kernels' -- in int32 lanes when :func:`bit_lanes_exact`
proves them exact (the int64 rule on the CoreArray's register otherwise), with each core's shared parameters
as one profile; threshold and leak draws are made only on cores whose neurons draw. A one-target neuron's
spike sets its axon bit in one random access. Events, timing, the fixed-period violations and the network
estimate are the Loihi path's, from the wiring alone, so for TrueNorth too only the network phase (hence
latency, static energy and packet latencies) is estimated. Optionally two threads over cores within a tick
(``kernel.threads = 2`` or ``NEUROMESH_THREADS=2``): each owns whole cores, its scratch and its spike list,
joined in core order, so the results are those of one thread (tested); one thread is the default.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from chip_configs.errors import SimulationError
from cores import tables
from cores.buffers import aligned_zeros
from cores.models import model_of, models_with
from emulator import _fused
from emulator.fused_events import (
    META_DTYPE,
    EventPlan,
    Geometry,
    MeshPlan,
    delivery_tables,
    inline_lists,
    spike_records,
)
from emulator.off_chip import SourceCrossings
from emulator.simulator import LAT_HIST_BINS, InferenceRecord, Probes, RunResult, batch_result
from emulator.timing import TickTiming, core_overrun, link_overrun, port_overrun
from noc.loads_estimate import (
    TRUSTED_UTILISATION,
    WORK_END_LOW_MARGIN,
    LoadsEstimate,
    cell_tables,
    core_off_chip_extra,
    estimated_latency_histogram,
    off_chip_sources,
)
from noc.model import RouterParams

CNT_BITS = 24  # the accumulator trick of emulator._fused: weight << 24 | syn-event count


def fused_loop_supported(cfg) -> bool:
    """Whether the neuron model of ``cfg`` has compiled fused-loop kernels: its unit's ``fused_loop``
    capability (:mod:`cores.models`), the one question the fused loop asks of the model."""
    return model_of(cfg).capabilities.fused_loop


# ----- the typed records the compiled kernel is built from (emulator._fused.FusedKernel) ----------------------


@dataclass(frozen=True)
class NeuronPlan:
    """The neurons: the CoreArray's parameter records and registers (shared, not copied), core offsets, the
    model's kernel options, and the 32-bit path's accumulator split (``cnt_bits`` 0: not used)."""

    prm: np.ndarray
    u: np.ndarray
    v: np.ndarray
    refr: np.ndarray
    noff: np.ndarray
    options: dict
    cnt_bits: int


@dataclass(frozen=True)
class SynapsePlan:
    """Folded synapses per source (neurons, then input lines): general records, uniform-weight rows, delays and
    the ring of ``ring`` accumulators (max delay + 1)."""

    syn_ptr: np.ndarray
    rec: np.ndarray
    rec32: np.ndarray
    u_ptr: np.ndarray
    rec16: np.ndarray
    src_inc: np.ndarray
    syn_delay: np.ndarray
    delay0: int
    ring: int


@dataclass(frozen=True)
class TimingPlan:
    """The tick semantics (:class:`emulator.timing.TickTiming`), the loads estimate
    (:class:`noc.loads_estimate.LoadsEstimate`) and the neurons per core (injection times)."""

    tick: TickTiming
    network: LoadsEstimate
    n_per_core: np.ndarray


@dataclass(frozen=True)
class BitNeuronPlan:
    """The neurons of a bit-crossbar chip (TrueNorth, ``emulator/_tn_fused.c``): the kernel records and the
    membrane register of the CoreArray (shared), its options (``nm_tn_cfg``), the PRNG key, and the 32-bit lanes'
    tables: whether they are exact (``lanes32``, :func:`bit_lanes_exact`), parameter columns per neuron
    (``soa`` [8, n + 16] int32, or a dummy when every core has a profile), each core's profile (-1: per neuron)
    and the profiles [p, 8], whether a core draws (threshold mask or stochastic leak), whether it is all at rest;
    the range of the membrane when the update is exact in int16 lanes (:func:`bit_update16`), else None."""

    prm: np.ndarray
    v: np.ndarray
    noff: np.ndarray
    options: dict
    key: int
    lanes32: bool
    soa: np.ndarray
    core_profile: np.ndarray
    profiles: np.ndarray
    core_draws: np.ndarray
    all_rest: np.ndarray
    v16_range: tuple[int, int] | None = None


@dataclass(frozen=True)
class BitSynapsePlan:
    """The bit crossbar (``cores.crossbar.BitCrossbar``, shared: rows, axon types, weights per type as int16 or
    int32, stochastic flags or empty), which types are stochastic per core, each core's first axon and first word
    of a slot's axon bitmap, the slots held, and the destination entries of every neuron and input line packed as
    ``(bitmap bit << 8) | delay``; ``dest_one`` per neuron its only entry, or :data:`ONE_NONE` / :data:`ONE_MANY`
    (no entry / several: the rows), so that a spike of a one-target neuron costs one random access; whether the
    crossbar sums are exact in int16 lanes (:func:`bit_sums16`) and each core's uniform weight per type
    (:func:`_uniform_weights`)."""

    words: np.ndarray
    axon_type: np.ndarray
    w16: np.ndarray
    w32: np.ndarray
    stoch: np.ndarray
    core_stoch: np.ndarray
    types: int
    aoff: np.ndarray
    abase: np.ndarray
    ring: int
    dest_ptr: np.ndarray
    dest_rec: np.ndarray
    in_ptr: np.ndarray
    in_rec: np.ndarray
    dest_one: np.ndarray
    sums16: bool
    w_uni: np.ndarray


class FusedPlan:
    """Pre-folded synapses, per-spike events and the compiled :class:`emulator._fused.FusedKernel` of a chip."""

    def __init__(self, chip):
        if not fused_loop_supported(chip.cfg):
            allowed = ", ".join(repr(m) for m in models_with("fused_loop"))
            raise SimulationError(
                f"engine 'loads': chip {chip.cfg.name!r}: neuron.model is {chip.cfg.neuron.model!r}; allowed: {allowed} "
                "(run this chip with --engine fast, flow or simpy)")
        chip._require_program()
        self.chip = chip
        cores, w = chip.cores, chip.wiring
        self.n_neurons = cores.n_neurons
        # the model's part of the kernel, by the compiled record its unit names (cores.models: kernel_record)
        neurons, synapses = MODEL_PLANS[model_of(chip.cfg).kernel_record](self, chip)
        self.bits = isinstance(synapses, BitSynapsePlan)
        geo = Geometry(chip)
        events = self._events(geo, w, cores.n_cores)
        self.one_target = events.one is not None
        # the kernel's spike counts: per neuron, or for one-target chips packets per hop count (0 .. w + h - 2)
        # and chip crossings (0 .. chips_x + chips_y - 2; 0 on one chip), hop count fastest, then in a system
        # each core position's off-chip hops (east-west, north-south)
        topo = chip.topology
        self._hist_size = (geo.width + geo.height - 1) * (topo.chips_x + topo.chips_y - 1)
        self._count_size = self.n_neurons if not self.one_target else \
            self._hist_size + (2 * cores.n_cores if chip.cfg.system is not None else 0)
        self.entry_hops = geo.entry_hops
        self.params = RouterParams.from_config(chip.cfg)
        self._latency_pairs = self._packet_latencies()
        network = chip.network_params if isinstance(chip.network_params, LoadsEstimate) else \
            LoadsEstimate.from_router(self.params, chip.topology.cores_per_router)
        timing = TimingPlan(TickTiming.from_config(chip.cfg), network,
                            np.maximum(np.diff(cores.neuron_offset), 1).astype(np.float64))
        mesh = MeshPlan(geo.width, geo.height, geo.cell_link, geo.cell_peers)
        self.kernel = _fused.FusedKernel(neurons, synapses, events, mesh, timing)
        if network.has_off_chip:  # a system of chips: off-chip links estimated with their own figures
            self.kernel.set_off_chip(*off_chip_tables(network, chip, geo.cell_link))
        _return_freed_memory()
        self.is_out = np.full(self.n_neurons, -1, np.int32)
        self.is_out[w.out_neuron] = np.arange(w.out_neuron.size, dtype=np.int32)
        self.crossings = SourceCrossings.of(chip)   # a system's off-chip hops per spike of each neuron; None: one chip

    def _synapses(self, chip) -> tuple[SynapsePlan, dict]:
        """The folded synapses (and the 32-bit path's bounds, :attr:`bounds32`), and the kernel options."""
        cores, w = chip.cores, chip.wiring
        targets, weights = _axon_rows(chip)
        src_ptr, axon, delay = _source_entries(w)
        self.max_delay = int(delay.max(initial=1))
        syn_ptr, rec, syn_delay, delay0 = _fold(src_ptr, axon, delay, targets, weights, self.n_neurons)
        self.fan_in = _fan_in(rec, syn_ptr, self.n_neurons)
        opts = _without_idle_refractory(tables.kernel_options(chip.cfg), cores._prm)
        self.bounds32 = _Bounds32.of(opts, cores._prm, rec, syn_ptr, self.fan_in,
                                     int(np.diff(cores.neuron_offset).max(initial=0)))
        rec, rec32 = _narrow(rec, self.n_neurons)
        syn_ptr, rec32, u_ptr, rec16, src_inc = _uniform_rows(syn_ptr, rec32, delay0)
        return SynapsePlan(syn_ptr, rec, rec32, u_ptr, rec16, src_inc, syn_delay, delay0, self.max_delay + 1), opts

    def _events(self, geo: Geometry, w, n_cores: int) -> EventPlan:
        """Each spike's events: for one-target neurons (TrueNorth) their source and destination cores alone;
        else masks and route counts when they fit, else per-packet lists."""
        one = geo.one_target(w) if self.bits and _positions_are_cores(self.chip) else None
        if one is not None:
            self.uses_masks = False
            empty = np.zeros(0, np.uint32)
            return EventPlan(empty, np.zeros(0, np.uint16), np.zeros((0, 0), np.uint64), np.zeros(0, np.int32),
                             np.zeros(0, META_DTYPE), None, one)
        dl_ptr, dl, dmask, first = delivery_tables(w, n_cores, geo.bit_of_pos)
        # Route counts carry the links of every neuron's first packet to each core; the difference entries
        # only the rest (all packets when there are no masks, or when a count could overflow).
        routes = geo.route_counts(w, first) if dmask.shape[1] > 0 else None
        if routes is None:
            dl_ptr, dl, dmask, first = delivery_tables(w, n_cores, geo.bit_of_pos, masks=False)
        self.uses_masks = routes is not None
        ev_ptr, ev, per_neuron = geo.events(w, grid_for=None if routes is None else ~first)
        meta = spike_records(dmask, per_neuron, ev_ptr, dl_ptr, w.neuron_pos, routes)
        if dmask.shape[1] == 0:
            inline_lists(meta, ev, dl)
            if (meta["ev_start"] < 0).all():     # every list is in its record: the lists are not kept
                ev, dl = ev[:0].copy(), dl[:0].copy()
        return EventPlan(ev, dl, dmask, np.argsort(geo.bit_of_pos).astype(np.int32), meta, routes)

    def check_counts(self, spikes: np.ndarray) -> None:
        """The accumulator holds fewer than 2**24 synaptic events per neuron and tick (else SimulationError).
        Binary axons take any count as one spike: nothing to check."""
        if self.bits:
            return
        cmax = int(spikes.max(initial=0))
        worst = int(self.fan_in[0].max(initial=0)) + int(self.fan_in[1].max(initial=0)) * max(cmax, 1)
        if worst >= 1 << CNT_BITS:
            raise SimulationError(
                f"engine 'loads': up to {worst:,} synaptic events could reach one neuron in a tick (input counts "
                f"up to {cmax}); the fused accumulator holds fewer than {1 << CNT_BITS:,}; use --engine fast")

    def run_inference(self, spikes_in: np.ndarray, probes: Probes, bar=None, timed: bool = True) -> InferenceRecord:
        """One inference of ``spikes_in`` [T, n_in] from the current state."""
        T = spikes_in.shape[0]
        if self.kernel.compact and not self.bounds32.fits(int(spikes_in.max(initial=0))):
            self.kernel.widen()   # these input counts could overflow the 32-bit accumulators
        in_ptr, in_line, in_count, total = _fused.input_lists(np.ascontiguousarray(spikes_in))
        rec = InferenceRecord.empty(self.chip, T, int(total), probes)
        drain = np.zeros((T if timed else 0, _fused.DRAIN_COLS))
        src_count = np.zeros(self._count_size, np.int64)
        viol = np.full((T, _fused.VIOL_COLS), -1.0)
        activity = rec.activity if rec.activity is not None else np.zeros((0, 0, 0), np.int64)
        args = (in_ptr, in_line, in_count, self.is_out, rec.out_spikes, timed, rec.per_tick, rec.tick_ns,
                rec.per_core, rec.link_flits, src_count, viol, activity, drain)
        dup0 = self.kernel.duplicates
        step = probes.spike_neurons is not None or probes.state_neurons is not None
        chunk = 1 if step else (max(1, T // 50) if bar is not None else T)
        for t0 in range(0, T, chunk):
            t1 = min(T, t0 + chunk)
            self.kernel.run(t0, t1, *args)
            if step:
                rec.record_probes(t0, probes, self.kernel.last_spikes(), self.chip.cores)
            if bar is not None:
                bar.update(t1 - t0)
        rec.duplicate_axon_spikes = int(self.kernel.duplicates - dup0)
        if self.crossings is not None:   # a system: each source core's off-chip hops
            rec.per_core_off_chip = src_count[self._hist_size:].reshape(-1, 2).copy() if self.one_target \
                else self.crossings.per_core(src_count)
        if timed:
            rec.latency_hist = estimated_latency_histogram(self._zero_load_histogram(src_count), drain[:, 0],
                                                           drain[:, 1])
            rec.noc_estimate = estimate_note(drain, near_period_ticks(rec.tick_ns, drain, self.chip.cfg))
            self.last_drain = drain      # the per-tick drain records of the last timed inference (tests)
            rec.violations = self._violations(viol)
        return rec

    def _packet_latencies(self):
        """(neuron, T0 in cycles, packets per spike, bins): every neuron's packets grouped by zero-load latency;
        for one-target chips (None, T0 of each (hop count, chip crossings) bin of the kernel's counts, None,
        bins)."""
        w = self.chip.wiring
        crossings = _entry_crossings(self.chip)
        if self.one_target:
            top = self.params.zero_load_latency(self.entry_hops, crossings).max(initial=0)
            lines = self.chip.topology.width + self.chip.topology.height - 1
            hops, off = np.divmod(np.arange(self._hist_size, dtype=np.int64), lines)[::-1]
            lat = self.params.zero_load_latency(hops, off if self.chip.cfg.system is not None else 0)
            bins = max(LAT_HIST_BINS, int(top) + 1)
            # bins no packet of this wiring can reach (beyond its longest route) stay empty: kept in range
            return None, np.minimum(lat, bins - 1).astype(np.int64), None, bins
        lat = self.params.zero_load_latency(self.entry_hops, crossings).astype(np.int64)
        bins = max(LAT_HIST_BINS, int(lat.max(initial=0)) + 1)
        src = np.repeat(np.arange(self.n_neurons, dtype=np.int64), np.diff(w.dest_ptr))
        key, count = np.unique(src * bins + lat, return_counts=True)
        return key // bins, key % bins, count, bins

    def _zero_load_histogram(self, src_count: np.ndarray) -> np.ndarray:
        """Histogram of every packet's zero-load latency T0(hops) in cycles (before the drain-backlog waits)."""
        neuron, lat, count, bins = self._latency_pairs
        if neuron is None:    # one-target chips: src_count holds packets per hop count (and crossings) first
            return np.rint(np.bincount(lat, weights=src_count[:lat.size], minlength=bins)).astype(np.int64)
        # float64 weights: exact while a bin holds fewer than 2**53 packets
        return np.rint(np.bincount(lat, weights=src_count[neuron] * count, minlength=bins)).astype(np.int64)

    def _violations(self, viol: np.ndarray) -> list[dict]:
        """Fixed-period overruns, named by the rules of :mod:`emulator.timing` (core, link or local port)."""
        from emulator.links import chips_of_link, link_name

        out = []
        period = self.chip.cfg.sync.tick_period_ns or 0.0
        core_index = self.chip.wiring.core_index
        for t in np.flatnonzero(viol[:, 0] > 0).tolist():
            kind = _fused.VIOL_KIND[int(viol[t, 0])]
            k, net = int(viol[t, 1]), float(viol[t, 7])
            if kind == "core":
                out.append(core_overrun(t, int(core_index[k]), float(viol[t, 2]), period, int(viol[t, 3]),
                                        int(viol[t, 4])))
            elif kind == "link":
                link = int(viol[t, 5])
                out.append(link_overrun(t, period, net, link_name(self.chip.topology, link), int(viol[t, 6]),
                                        chips=chips_of_link(self.chip.topology, link)))
            else:
                out.append(port_overrun(t, period, net, int(core_index[k]), int(viol[t, 4])))
        return out


def estimate_note(drain: np.ndarray, near_period: int = 0) -> dict:
    """What the report says about the estimated packet latencies of one inference (``drain``: the kernel's
    per-tick (packets, backlog cycles, busiest-link utilisation)), and, when some fixed-period ticks ended
    within the estimate's measured error below the period (``near_period``, :func:`near_period_ticks`), how
    many (the keys are left out otherwise)."""
    busy = drain[drain[:, 0] > 0]
    rho = busy[:, 2] if busy.size else np.zeros(1)
    note = {"latency_model": "drain-backlog (estimated)", "busiest_link_utilisation_max": float(rho.max()),
            "trusted_utilisation": TRUSTED_UTILISATION, "ticks_above_trusted": int((rho > TRUSTED_UTILISATION).sum()),
            "backlog_cycles_max": float(busy[:, 1].max()) if busy.size else 0.0}
    if near_period:
        note.update(ticks_near_period=near_period, near_period_margin=WORK_END_LOW_MARGIN)
    return note


def near_period_ticks(tick_ns: np.ndarray, drain: np.ndarray, cfg) -> int:
    """Fixed-period ticks with packets whose estimated work ``max(compute, network end)`` (``tick_ns``: compute
    + network phase) ended no later than the period but within :data:`~noc.loads_estimate.WORK_END_LOW_MARGIN`
    of it: the estimate can err low by that much, so these may have overrun (0 under barrier sync)."""
    period = cfg.sync.tick_period_ns
    if cfg.sync.mode != "fixed" or not period:
        return 0
    work = tick_ns[:, 1] + tick_ns[:, 2]
    near = (drain[:, 0] > 0) & (work <= period) & (work > period * (1.0 - WORK_END_LOW_MARGIN))
    return int(np.count_nonzero(near))


def run_batch_fused(chip, spikes: np.ndarray, probes=None, progress: bool | None = None) -> RunResult:
    """The fused loop (:data:`emulator.loops.LOOPS`): :func:`emulator.simulator.run_batch` in one compiled call
    per inference (same result type and report)."""
    chip._require_program()
    probes = Probes.resolve(chip, probes)
    plan = chip.fused_plan()
    plan.check_counts(spikes)

    def reset() -> None:
        chip.cores.reset()
        plan.kernel.reset()

    return batch_result(chip, spikes, probes, progress, lambda s, bar: plan.run_inference(s, probes, bar), reset)


run_batch_loads = run_batch_fused   # the name of the fused loop before the loop registry


def _without_idle_refractory(opts: dict, prm) -> dict:
    """``opts`` with the silicon refractory counter switched off when no neuron of the chip holds
    (``refractory_ticks`` 0 everywhere). Exact: such a neuron's counter is set to 0 when it spikes and never
    holds v, so it stays 0 and the update is the one without the counter; the vectorised updates (which have
    no counter) then run instead of the one-neuron rules. The CoreArray keeps its (zero) register."""
    if not opts.get("refractory"):
        return opts
    p = np.asarray(prm)
    if p.size and "refractory_ticks" in p.dtype.names and np.any(p["refractory_ticks"] > 0):
        return opts
    return {**opts, "refractory": False}


# ----- building the plan --------------------------------------------------------------------------------


def _lif_plans(plan: FusedPlan, chip) -> tuple[NeuronPlan, SynapsePlan]:
    """Loihi's part of the kernel: folded synapses and the LIF updates (and the 32-bit path's bounds)."""
    cores = chip.cores
    synapses, opts = plan._synapses(chip)
    refr = cores.refractory if cores.refractory.size else np.zeros(1, np.int32)
    neurons = NeuronPlan(cores._prm, cores.u, cores.v, refr, cores.neuron_offset, opts,
                         plan.bounds32.cnt_bits if plan.bounds32 else 0)
    return neurons, synapses


# TrueNorth's profile columns, in the order of emulator/_tn_fused.h (NM_TP_*)
_TN_COLUMNS = ("alpha", "beta", "eta_mask", "leak", "reset_value", "flags", "reset_mode")
_PACKED_BITS = 24     # (bitmap bit << 8) | delay in a uint32, below ONE_MANY
ONE_MANY, ONE_NONE = 0xFFFFFFFE, 0xFFFFFFFF   # NM_TN_MANY / NM_TN_NONE of emulator/_tn_fused.h


def _bit_plans(plan: FusedPlan, chip) -> tuple[BitNeuronPlan, BitSynapsePlan]:
    """A bit-crossbar chip's part of the kernel: :func:`bit_plans` of its cores and wiring."""
    return bit_plans(chip.cores, chip.wiring)


def bit_plans(cores, w=None) -> tuple[BitNeuronPlan, BitSynapsePlan]:
    """The plans of :class:`emulator._fused.BitCores` from a CoreArray of a bit-crossbar model, through the tables
    its unit gives (``fused_tables``), and the destination entries of wiring ``w`` (None: none, and slots for
    every delay of the config; the conformance suite drives the cores alone)."""
    t = model_of(cores.cfg).fused_tables(cores)
    noff, aoff = cores.neuron_offset, cores.axon_offset
    prm = t["prm"]
    weights = t["weight_t"]
    reach = int(np.diff(aoff).max(initial=0)) * int(np.abs(weights).max(initial=0))
    if reach >= 1 << 31:
        raise SimulationError(f"engine 'loads': a neuron could integrate up to {reach:,} per tick (axons per core x "
                              f"largest |weight|); the fused accumulators hold less than {1 << 31:,}; use --engine fast")
    lanes32 = bit_lanes_exact(t["options"]["membrane_bits"], reach, prm)
    profile, profiles, soa = _tn_profiles(prm, noff)
    flags = prm["flags"].astype(np.int64)
    draws = (prm["eta_mask"] != 0) | ((flags & t["flag_bits"]["leak_stochastic"]) != 0)
    rest = (flags & t["flag_bits"]["rest"]) != 0
    neurons = BitNeuronPlan(prm, t["v"], noff, t["options"], int(t["key"]), lanes32, soa, profile, profiles,
                            _per_core(draws, noff, np.logical_or), _per_core(rest, noff, np.logical_and))
    stoch = t["stoch_t"]
    types = int(weights.shape[0])
    core_stoch = (np.stack([_per_core(stoch[k] != 0, noff, np.logical_or) for k in range(types)], axis=1).reshape(-1)
                  if stoch.size else np.zeros(0, np.uint8))
    abase = np.concatenate([[0], np.cumsum(-(-np.diff(aoff) // 64))]).astype(np.int64)
    empty = np.zeros(0, np.int32)
    dest_ptr, dest_axon, dest_delay, in_ptr, in_axon, in_delay = (
        (w.dest_ptr, w.dest_axon, w.dest_delay, w.in_ptr, w.in_axon, w.in_delay) if w is not None else
        (np.zeros(1, np.int64), empty, empty, np.zeros(1, np.int64), empty, empty))
    ring = int(max(dest_delay.max(initial=1), in_delay.max(initial=1))) + 1 if w is not None else \
        cores.delay_slots + 1
    bit_of_axon = _axon_bits(aoff, abase)
    dest_rec = _packed(bit_of_axon, dest_axon, dest_delay, ring)
    synapses = BitSynapsePlan(
        t["words"], t["axon_type"], weights.reshape(-1) if weights.dtype == np.int16 else np.zeros(0, np.int16),
        weights.astype(np.int32).reshape(-1) if weights.dtype != np.int16 else np.zeros(0, np.int32),
        stoch.reshape(-1) if stoch.size else np.zeros(0, np.uint8), core_stoch.astype(np.uint8), types, aoff, abase,
        ring, np.ascontiguousarray(dest_ptr, np.int64), dest_rec, np.ascontiguousarray(in_ptr, np.int64), _packed(bit_of_axon, in_axon, in_delay, ring),
        _only_entries(dest_ptr, dest_rec, cores.n_neurons), bit_sums16(reach, core_stoch, weights.dtype),
        _uniform_weights(weights, noff))
    v16 = bit_update16(t["options"]["membrane_bits"], reach, synapses.sums16 and lanes32, neurons.core_profile,
                       neurons.profiles, neurons.core_draws, noff, t["flag_bits"])
    return replace(neurons, v16_range=v16), synapses


W_MIXED = 1 << 30    # NM_TN_MIXED of emulator/_tn_fused.h: a core's neurons differ in the type's weight


def bit_sums16(reach: int, core_stoch: np.ndarray, dtype) -> bool:
    """Whether a tick's crossbar sums are exact in int16 lanes (``lanes16`` of emulator/_tn_fused.h): each axon's
    bit is set at most once per tick, so every partial sum of neuron j is a sum of distinct axons' weights,
    ``|sum| <= axons per core x max |weight| = reach``; exact when ``reach < 2**15``, the weights are int16 and
    no synapse is stochastic (those rows take the scalar draws on int32)."""
    return bool(reach < 1 << 15 and dtype == np.int16 and not np.any(core_stoch))


def bit_update16(membrane_bits: int, reach: int, sums16: bool, core_profile: np.ndarray, profiles: np.ndarray,
                 core_draws: np.ndarray, noff: np.ndarray, flag_bits: dict) -> tuple[int, int] | None:
    """The range ``(lo, hi)`` of every membrane value the TrueNorth rule can produce when its update is exact in
    int16 lanes (``upd16`` of emulator/_tn_fused.h), else None. The update then runs 32 (AVX-512) or 16 (AVX2)
    neurons per instruction on an int16 register, on the int16 crossbar sums directly.

    When: the sums are int16 (``sums16``), every core has a parameter profile and draws nothing (no threshold
    mask, no stochastic leak), and every neuron resets to R on a spike (gamma 0). Then a tick ends with

        V = R                            (spike)
        V = -beta  (kappa)  or  -R       (below the negative threshold -beta)
        V in [-beta, alpha - 1]          (otherwise)

    so every register value stays in ``[lo, hi] = [min(R, -R, -beta), max(R, -R, alpha - 1)]`` over the
    profiles (-R only for profiles without kappa; ``flag_bits``: the model's flag values, from ``fused_tables``),
    provided it starts there (``nm_tn_load`` checks the register each run and takes the int32 lanes when it does
    not); 0 is kept in the range (a conservative widening). Within a tick ``V + input`` and ``V + input + leak``
    stay in ``[lo - reach - |leak|, hi + reach + |leak|]``; when that is inside int16 and inside the membrane
    register (so its overflow rule never applies), every compared and kept value is exact in int16 (discarded
    alternatives of the rule's selects may wrap; they are not kept)."""
    used = core_profile[np.diff(noff) > 0]
    if not sums16 or used.size == 0 or (used < 0).any() or np.any(core_draws):
        return None
    pr = profiles[np.unique(used)].astype(np.int64)
    alpha, beta, eta, leak, r, flags, gamma = (pr[:, j] for j in range(7))
    if (gamma != 0).any() or (eta != 0).any() or (flags & flag_bits["leak_stochastic"]).any():
        return None
    no_kappa = (flags & flag_bits["kappa"]) == 0
    lo = int(min(r.min(), (-r)[no_kappa].min(initial=0), (-beta).min()))
    hi = int(max(r.max(), (-r)[no_kappa].max(initial=0), (alpha - 1).max()))
    span = reach + int(np.abs(leak).max())
    h = min(1 << 15, 1 << (membrane_bits - 1))
    if lo - span < -h or hi + span > h - 1 or int(max(alpha.max(), beta.max())) > h - 1:
        return None
    return lo, hi


def _uniform_weights(weights: np.ndarray, noff: np.ndarray) -> np.ndarray:
    """[cores x types] int32: the type's weight where every neuron of the core has the same one (the integration
    broadcasts it instead of loading the core's weights), else :data:`W_MIXED`."""
    n_cores, types = noff.size - 1, weights.shape[0]
    out = np.full((n_cores, types), W_MIXED, np.int32)
    has = np.flatnonzero(np.diff(noff) > 0)
    if weights.size and has.size:
        w = weights[:, : noff[-1]]
        lo = np.minimum.reduceat(w, noff[has], axis=1)
        hi = np.maximum.reduceat(w, noff[has], axis=1)
        same = (lo == hi).T
        out[has] = np.where(same, lo.T.astype(np.int32), W_MIXED)
    return out.reshape(-1)


def bit_lanes_exact(membrane_bits: int, reach: int, prm: np.ndarray) -> bool:
    """Whether the TrueNorth rule is exact in int32 lanes (``NM_TN_LANE_RULES`` of cores/nm_rules.h): with
    ``h = 2**(b-1)`` the largest membrane, every intermediate stays below 2**31 in magnitude -- ``V + input``
    (``h + reach``), ``V + leak`` (``h + 2**15``), ``V -/+ (alpha|beta + eta)`` (``h + alpha|beta + eta_mask``),
    ``R``; and the register constants ``h`` and ``2h - 1`` fit (b <= 31). Wrapping registers need this too (the
    saturating ones need it for min / max to see the true sum)."""
    if membrane_bits > 31:
        return False
    h = 1 << (membrane_bits - 1)
    lim = 1 << 31
    p = np.asarray(prm)
    if not p.size:
        return h + reach < lim
    thr = int(max(p["alpha"].max(), p["beta"].max())) + int(p["eta_mask"].max())
    return (h + reach < lim and h + (1 << 15) < lim and h + thr < lim
            and int(np.abs(p["reset_value"]).max()) < lim)


def _per_core(x: np.ndarray, noff: np.ndarray, op) -> np.ndarray:
    """uint8 per core: ``op`` (logical or / and) reduced over the core's neurons (an empty core: or 0, and 1)."""
    sizes = np.diff(noff)
    out = np.full(sizes.size, op is np.logical_and, bool)
    nonempty = sizes > 0
    if x.size:
        out[nonempty] = op.reduceat(x, noff[:-1][nonempty])
    return out.astype(np.uint8)


def _tn_profiles(prm: np.ndarray, noff: np.ndarray):
    """(profile per core or -1, profiles [p, 8] int32, per-neuron columns [8, n + 16] int32 or a dummy when every
    core has a profile): the parameter columns of :data:`_TN_COLUMNS` a whole core shares."""
    n = prm.size
    sizes = np.diff(noff)
    nonempty = sizes > 0
    starts = noff[:-1][nonempty]
    first = np.zeros((sizes.size, 8), np.int64)
    same = nonempty.copy()
    for j, name in enumerate(_TN_COLUMNS):
        x = prm[name]
        if not n:
            continue
        first[nonempty, j] = x[starts]
        same[nonempty] &= np.logical_and.reduceat(x == np.repeat(x[starts], sizes[nonempty]), starts)
    table, index = np.unique(first[same], axis=0, return_inverse=True)
    profile = np.full(sizes.size, -1, np.int32)
    profile[same] = index.reshape(-1)
    profiles = np.vstack([table, np.zeros((1, 8), np.int64)]).astype(np.int32)
    if (profile[nonempty] >= 0).all():
        return profile, profiles, np.zeros((8, 16), np.int32)
    # each column starts a cache line (the update loads 16 lanes at a time): n_pad a multiple of 16
    soa = aligned_zeros((8, -(-n // 16) * 16 + 16), np.int32)
    for j, name in enumerate(_TN_COLUMNS):
        soa[j, :n] = prm[name]
    return profile, profiles, soa


def _return_freed_memory() -> None:
    """Hand the heap's freed pages back to the OS (glibc ``malloc_trim``; elsewhere nothing): the plan's
    temporaries of a many-core chip (routes of every packet) are freed in pieces below the mmap threshold, and
    the process would otherwise keep ~400 MiB of them resident at TrueNorth's operating point (measured)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _axon_bits(aoff: np.ndarray, abase: np.ndarray) -> np.ndarray:
    """Each global axon's bit in a slot's bitmap: its core's first word x 64 + its local index."""
    sizes = np.diff(aoff)
    core = np.repeat(np.arange(sizes.size), sizes)
    return abase[core] * 64 + np.arange(int(aoff[-1]), dtype=np.int64) - aoff[core]


def _packed(bit_of_axon: np.ndarray, axon: np.ndarray, delay: np.ndarray, ring: int) -> np.ndarray:
    """Destination entries as uint32 ``(bitmap bit << 8) | delay`` (SimulationError when they do not fit)."""
    bits = bit_of_axon[axon.astype(np.int64)] if axon.size else np.zeros(0, np.int64)
    if ring > 256 or (bits.size and int(bits.max()) >= (1 << _PACKED_BITS) - 1):
        raise SimulationError(f"engine 'loads': {bits.size and int(bits.max()) + 1:,} axon bits and delays up to "
                              f"{ring - 1}; the packed entries hold fewer than {1 << _PACKED_BITS:,} bits and delays "
                              "up to 255; use --engine fast")
    return ((bits << 8) | delay.astype(np.int64)).astype(np.uint32)


def _only_entries(ptr: np.ndarray, rec: np.ndarray, n: int) -> np.ndarray:
    """uint32 per source: its only packed entry, ONE_NONE without one, ONE_MANY with several."""
    ptr = np.asarray(ptr, np.int64)
    lens = np.zeros(n, np.int64)
    m = min(n, ptr.size - 1)
    lens[:m] = np.diff(ptr)[:m]
    out = np.full(n, ONE_MANY, np.uint32)
    out[lens == 0] = ONE_NONE
    single = np.flatnonzero(lens == 1)
    out[single] = rec[ptr[single]]
    return out


# The model's part of the fused kernel, by the compiled record its unit names (cores.models: ``kernel_record``).
MODEL_PLANS = {"loihi": _lif_plans, "truenorth": _bit_plans}


def _axon_rows(chip) -> tuple[np.ndarray, np.ndarray]:
    """(targets int64[n_axons + 1] row pointers, then global target and weight per synapse) by global axon."""
    cores = chip.cores
    ga, gt, wt = [], [], []
    for k, mc in enumerate(chip.mapped.cores):
        p = mc.program
        ga.append(p.syn_axon.astype(np.int64) + cores.axon_offset[k])
        gt.append(p.syn_neuron.astype(np.int64) + cores.neuron_offset[k])
        wt.append(p.syn_weight.astype(np.int64))
    ga, gt, wt = (np.concatenate(x) if x else np.zeros(0, np.int64) for x in (ga, gt, wt))
    order = np.argsort(ga, kind="stable")
    ptr = np.zeros(cores.n_axons + 1, np.int64)
    np.cumsum(np.bincount(ga, minlength=cores.n_axons), out=ptr[1:])
    return (ptr, gt[order]), wt[order]


def _source_entries(w) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Destination entries of every source (neurons, then input lines): CSR pointers, global axon, delay."""
    ptr = np.concatenate([w.dest_ptr, w.in_ptr[1:] + w.dest_ptr[-1]]).astype(np.int64)
    return ptr, np.concatenate([w.dest_axon, w.in_axon]), np.concatenate([w.dest_delay, w.in_delay])


def _fold(src_ptr, axon, delay, rows, weights, n_neurons: int):
    """Each source's synapses over all its entries: (syn_ptr, records, per-synapse delays or empty, delay0).

    A record is ``(w * 2**24 + 1) * 2**24 + target``: the kernel adds ``record >> 24`` to the accumulator of
    ``record & (2**24 - 1)``. ``delay0`` is the single delay when every entry has it (then no per-synapse
    delays are stored), else 0.
    """
    axon_ptr, targets = rows
    if n_neurons >= 1 << CNT_BITS:
        raise SimulationError(f"engine 'loads': {n_neurons:,} neurons; the fused records address fewer than "
                              f"{1 << CNT_BITS:,}; use --engine fast")
    if weights.size and int(np.abs(weights).max()) >= 1 << 15:
        raise SimulationError("engine 'loads': weights beyond int16 do not fit the fused records; use --engine fast")
    lens = axon_ptr[axon + 1] - axon_ptr[axon]
    total = int(lens.sum())
    entry_of = np.repeat(np.arange(axon.size, dtype=np.int64), lens)
    first = np.cumsum(lens) - lens
    syn = axon_ptr[axon][entry_of] + (np.arange(total, dtype=np.int64) - first[entry_of])
    rec = (weights[syn] * (1 << CNT_BITS) + 1) * (1 << CNT_BITS) + targets[syn]
    per_entry = np.concatenate([[0], np.cumsum(lens)])
    syn_ptr = per_entry[src_ptr].astype(np.int64)
    uniform = delay.size == 0 or bool((delay == delay[0]).all())
    delay0 = int(delay[0]) if delay.size and uniform else (1 if uniform else 0)
    syn_delay = np.zeros(0, np.int32) if uniform else delay[entry_of].astype(np.int32)
    return syn_ptr, rec.astype(np.int64), syn_delay, delay0


def _narrow(rec: np.ndarray, n_neurons: int) -> tuple[np.ndarray, np.ndarray]:
    """(wide, narrow) records: with fewer than 2**16 neurons the uint32 ``(w << 16) | target`` halves the bytes
    streamed per spike (the kernel rebuilds ``w * 2**24 + 1``, or ``(w << cnt_bits) + 1`` on its 32-bit path);
    else the int64 records and an empty narrow."""
    if n_neurons > 1 << 16:
        return rec, np.zeros(0, np.uint32)
    w = rec >> (2 * CNT_BITS)
    narrow = ((w & 0xFFFF) << 16) | (rec & ((1 << CNT_BITS) - 1))
    return np.zeros(0, np.int64), narrow.astype(np.uint32)


def _uniform_rows(syn_ptr, rec32, delay0: int):
    """Split the narrow records by source: a source whose synapses all carry one weight (every source of
    bench-A: excitatory or inhibitory populations) keeps only uint16 targets and one accumulator increment
    ``w * 2**24 + 1`` (the 32-bit path derives its own), halving its bytes again; the others keep
    ``(w << 16) | target``.

    Returns (general pointers, general records, uniform pointers, uniform targets uint16, increments int64);
    everything general (empty uniform rows) without narrow records or with several delays.
    """
    n = syn_ptr.size - 1
    if rec32.size == 0 or delay0 <= 0:
        return syn_ptr, rec32, np.zeros(n + 1, np.int64), np.zeros(0, np.uint16), np.zeros(n, np.int64)
    lens = np.diff(syn_ptr)
    w = (rec32 >> np.uint32(16)).astype(np.uint16).view(np.int16).astype(np.int64)
    nonempty = lens > 0
    starts = syn_ptr[:-1][nonempty]
    wmin = np.zeros(n, np.int64)
    wmax = np.ones(n, np.int64)
    if starts.size:
        wmin[nonempty] = np.minimum.reduceat(w, starts)
        wmax[nonempty] = np.maximum.reduceat(w, starts)
    uniform = nonempty & (wmin == wmax)
    src_of = np.repeat(np.arange(n), lens)
    in_uniform = uniform[src_of]
    u_ptr = np.concatenate([[0], np.cumsum(np.where(uniform, lens, 0))]).astype(np.int64)
    g_ptr = np.concatenate([[0], np.cumsum(np.where(uniform, 0, lens))]).astype(np.int64)
    rec16 = (rec32[in_uniform] & np.uint32(0xFFFF)).astype(np.uint16)
    inc = np.where(uniform, wmin * (1 << CNT_BITS) + 1, 0).astype(np.int64)
    return g_ptr, rec32[~in_uniform], u_ptr, rec16, inc


class _Bounds32:
    """When the 32-bit path of the fused kernel (``emulator/_lif32.c``) is exact, and its accumulator layout.

    Its accumulator holds ``(summed weight << cnt_bits) + events`` in an int32; a tick's worst case per neuron
    is every source spiking, input lines ``c`` times (``c``: the run's largest input count). Registers and
    parameters must fit the bounds of ``_lif32.c``'s header comment; the kernel checks the state per call.
    """

    BIAS_MAX = 1 << 28
    PLANNED_INPUT_COUNT = 4   # cnt_bits leaves room for input lines spiking up to this many times per tick

    def __init__(self, cnt_bits, events, weights, drive_shift, u_wrap):
        self.cnt_bits = cnt_bits
        self.events = events          # (from neurons, from input lines) per neuron
        self.weights = weights        # sums of |w|, the same split
        self.drive_shift = drive_shift
        self.u_wrap = u_wrap

    @classmethod
    def of(cls, opts: dict, prm, rec, syn_ptr, fan_in, core_neurons: int):
        """The bounds of a programmed chip, or None when its neuron options or parameters rule the path out.

        ``fan_in``: :func:`_fan_in` of the records (synapses per neuron from neurons, from input lines);
        ``core_neurons``: the most neurons of a core (a core's syn-ops of a tick, summed in 32-bit lanes, stay
        below ``core_neurons << cnt_bits``)."""
        n_neurons = fan_in[0].size
        if opts["refractory"] or n_neurons > 1 << 16 or opts["decay_bits"] > 15:
            return None
        p = np.asarray(prm)
        if max(opts["current_bits"], opts["membrane_bits"]) - 1 > 29 or not p.size:
            return None
        d = 1 << opts["decay_bits"]
        if (np.abs(p["bias_eff"]).max() >= cls.BIAS_MAX or np.abs(p["vth_eff"]).max() >= 1 << 31
                or min(p["k_u"].min(), p["k_v"].min()) < 0 or max(p["k_u"].max(), p["k_v"].max()) > d):
            return None
        split = int(syn_ptr[n_neurons])
        tgt = rec & ((1 << CNT_BITS) - 1)
        w = np.abs(rec >> (2 * CNT_BITS))
        events = fan_in
        weights = (np.bincount(tgt[:split], weights=w[:split], minlength=n_neurons).astype(np.int64),
                   np.bincount(tgt[split:], weights=w[split:], minlength=n_neurons).astype(np.int64))
        drive_shift = max(0, int(p["weight_exp"].max()) + opts["input_shift"])
        bounds = cls(0, events, weights, drive_shift, opts["u_wrap"])
        worst = int((events[0] + events[1] * cls.PLANNED_INPUT_COUNT).max(initial=0))
        bounds.cnt_bits = max(1, worst.bit_length())
        if not bounds.fits(1):
            bounds.cnt_bits = max(1, int((events[0] + events[1]).max(initial=0)).bit_length())
        if core_neurons << bounds.cnt_bits >= 1 << 31:
            return None
        return bounds if bounds.fits(1) else None

    def fits(self, input_count: int) -> bool:
        """Exact for a run whose input lines spike at most ``input_count`` times per tick."""
        c = max(input_count, 1)
        n = int((self.events[0] + self.events[1] * c).max(initial=0))
        w = int((self.weights[0] + self.weights[1] * c).max(initial=0))
        if n >= 1 << self.cnt_bits or w >= 1 << (31 - self.cnt_bits):
            return False
        # a saturating current needs the true drive, summed with |decay(u)| < 2**29
        return self.u_wrap or w << self.drive_shift < 1 << 30


def _fan_in(rec, syn_ptr, n_neurons: int) -> tuple[np.ndarray, np.ndarray]:
    """Synapses reaching each neuron from neuron sources and from input lines (bounds the per-tick count)."""
    split = int(syn_ptr[n_neurons])
    tgt = rec & ((1 << CNT_BITS) - 1)
    return (np.bincount(tgt[:split], minlength=n_neurons), np.bincount(tgt[split:], minlength=n_neurons))


def _positions_are_cores(chip) -> bool:
    """Whether the wiring's core positions are the CoreArray's core indices (each neuron's and each destination
    axon's), as the bit-crossbar kernel's one-target events assume (``nm_tn_schedule_one``)."""
    w, cores = chip.wiring, chip.cores
    by_neuron = np.searchsorted(cores.neuron_offset, np.arange(cores.n_neurons), side="right") - 1
    by_axon = np.searchsorted(cores.axon_offset, w.dest_axon, side="right") - 1
    return np.array_equal(by_neuron, w.neuron_pos) and np.array_equal(by_axon, w.dest_pos)


def _entry_crossings(chip) -> np.ndarray | int:
    """Chip crossings of every packet route of the wiring (entries in ``dest_ptr`` order; 0 on one chip)."""
    if chip.cfg.system is None:
        return 0
    w = chip.wiring
    src_pos = w.neuron_pos[np.repeat(np.arange(w.dest_ptr.size - 1), np.diff(w.dest_ptr))]
    return chip.topology.chip_crossings(w.core_index[src_pos].astype(np.int64),
                                        w.core_index[w.dest_pos].astype(np.int64))


def off_chip_tables(network: LoadsEstimate, chip, cell_link: np.ndarray):
    """The compiled loop's off-chip tables (``FusedKernel.set_off_chip``): per link cell its cycles per packet
    and extra latency, per core position ``X_k`` (:func:`noc.loads_estimate.core_off_chip_extra`), and per link
    cell the sources of its first-arrival wait (:func:`noc.loads_estimate.off_chip_sources`, rows by cell)."""
    w, topo = chip.wiring, chip.topology
    src_pos = w.neuron_pos[np.repeat(np.arange(w.dest_ptr.size - 1), np.diff(w.dest_ptr))].astype(np.int64)
    core_x = core_off_chip_extra(network, topo, src_pos, w.core_index[src_pos].astype(np.int64),
                                 w.core_index[w.dest_pos].astype(np.int64), len(w.core_index))
    core = w.core_index.astype(np.int64)
    ptr, pos, reach = off_chip_sources(network, topo, chip.cfg.noc.routing, src_pos, core[src_pos], core[w.dest_pos])
    return (*cell_tables(network, topo, cell_link), core_x, *_rows_by_cell(ptr, pos, reach, cell_link))


def _rows_by_cell(ptr: np.ndarray, pos: np.ndarray, reach: np.ndarray, cell_link: np.ndarray):
    """CSR rows by link id re-indexed by the compiled loop's link cells (``cell_link``: link id per cell, -1:
    none): ``(ptr int64 [cells + 1], pos int32, reach float64)``."""
    real = cell_link >= 0
    link = np.where(real, cell_link, 0)
    n = np.where(real, ptr[link + 1] - ptr[link], 0)
    cell_ptr = np.zeros(cell_link.size + 1, np.int64)
    cell_ptr[1:] = np.cumsum(n)
    idx = np.repeat(ptr[link] - cell_ptr[:-1], n) + np.arange(int(cell_ptr[-1]), dtype=np.int64)
    return cell_ptr, np.ascontiguousarray(pos[idx], np.int32), np.ascontiguousarray(reach[idx], np.float64)
