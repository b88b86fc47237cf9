"""The ``loads`` engine: the whole tick loop of a Loihi chip fused into one compiled call per inference.

``Chip.from_config(cfg, noc_engine="loads")`` (CLI ``--engine loads``). Named, never a default.

What it keeps exact, and what it estimates (measured against the cycle-exact engine in
``tests/emulator/test_loads_engine.py``; figures in ``noc/README.md``):

- **exact**: every spike and output (bit-exact Loihi neurons, the same rules as the per-core kernels), every
  count and hence every energy figure (syn_ops, neuron updates, spikes, packets, hops east-west and
  north-south, deliveries, per core and per tick), the per-link flits, the compute phase of every tick;
- **estimated**: the network phase of each tick (its drain time from the tick's link, injection and ejection
  loads, :mod:`emulator._fused`), hence tick and inference latency and static energy; the packet latency
  distribution is the *zero-load* one (each packet's ``T0(hops)``: no queueing); buffer occupancy is not
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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_configs.errors import SimulationError
from cores import tables
from emulator import _fused
from emulator.energy import N_EVENTS
from emulator.simulator import LAT_HIST_BINS, InferenceRecord, Probes, RunResult, batch_result
from emulator.timing import TickTiming, core_overrun, link_overrun, port_overrun
from noc.loads_estimate import LoadsEstimate, router_peers
from noc.model import RouterParams
from noc.routing import first_axis, segments
from noc.topology import E, N, S, W

CNT_BITS = 24  # the accumulator trick of emulator._fused: weight << 24 | syn-event count


def fused_loop_supported(cfg) -> bool:
    """Whether the neuron model of ``cfg`` has compiled fused-loop kernels (the one question the fused loop
    asks of the model; with ``cores.models`` it is the model unit's capability)."""
    return cfg.neuron.model == "loihi_lif"


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
class RouteCountPlan:
    """The route-count tables of :meth:`_Geometry.route_counts` (``emulator/_events.c``)."""

    x_first: bool
    src_router: np.ndarray
    router_group: np.ndarray
    router_x: np.ndarray
    router_y: np.ndarray
    router_bits: np.ndarray
    lcnt: np.ndarray
    n_lines: int
    n_groups: int


@dataclass(frozen=True)
class EventPlan:
    """Each spike's events: difference entries ``ev``, delivery lists ``dl``, destination masks, the mask bit
    order, the per-neuron records (:data:`META_DTYPE`) and the route counts (None: per-spike lists)."""

    ev: np.ndarray
    dl: np.ndarray
    dmask: np.ndarray
    pos_of_bit: np.ndarray
    meta: np.ndarray
    routes: RouteCountPlan | None


@dataclass(frozen=True)
class MeshPlan:
    """The link grids: ``width`` x ``height`` routers, the link id of each grid cell and its router peers."""

    width: int
    height: int
    cell_link: np.ndarray
    cell_peers: np.ndarray


@dataclass(frozen=True)
class TimingPlan:
    """The tick semantics (:class:`emulator.timing.TickTiming`), the loads estimate
    (:class:`noc.loads_estimate.LoadsEstimate`) and the neurons per core (injection times)."""

    tick: TickTiming
    network: LoadsEstimate
    n_per_core: np.ndarray


class FusedPlan:
    """Pre-folded synapses, per-spike events and the compiled :class:`emulator._fused.FusedKernel` of a chip."""

    def __init__(self, chip):
        if not fused_loop_supported(chip.cfg):
            raise SimulationError(
                f"engine 'loads': chip {chip.cfg.name!r}: neuron.model is {chip.cfg.neuron.model!r}; allowed: 'loihi_lif' "
                "(run this chip with --engine fast, flow or simpy)")
        chip._require_program()
        self.chip = chip
        cores, w = chip.cores, chip.wiring
        self.n_neurons = cores.n_neurons
        synapses, opts = self._synapses(chip)
        geo = _Geometry(chip)
        events = self._events(geo, w, cores.n_cores)
        self.entry_hops = geo.entry_hops
        self.params = RouterParams.from_config(chip.cfg)
        self._latency_pairs = self._packet_latencies()
        refr = cores.refractory if cores.refractory.size else np.zeros(1, np.int32)
        neurons = NeuronPlan(cores._prm, cores.u, cores.v, refr, cores.neuron_offset, opts,
                             self.bounds32.cnt_bits if self.bounds32 else 0)
        network = chip.network_params if isinstance(chip.network_params, LoadsEstimate) else \
            LoadsEstimate.from_router(self.params)
        timing = TimingPlan(TickTiming.from_config(chip.cfg), network,
                            np.maximum(np.diff(cores.neuron_offset), 1).astype(np.float64))
        mesh = MeshPlan(geo.width, geo.height, geo.cell_link, geo.cell_peers)
        self.kernel = _fused.FusedKernel(neurons, synapses, events, mesh, timing)
        self.is_out = np.full(self.n_neurons, -1, np.int32)
        self.is_out[w.out_neuron] = np.arange(w.out_neuron.size, dtype=np.int32)

    def _synapses(self, chip) -> tuple[SynapsePlan, dict]:
        """The folded synapses (and the 32-bit path's bounds, :attr:`bounds32`), and the kernel options."""
        cores, w = chip.cores, chip.wiring
        targets, weights = _axon_rows(chip)
        src_ptr, axon, delay = _source_entries(w)
        self.max_delay = int(delay.max(initial=1))
        syn_ptr, rec, syn_delay, delay0 = _fold(src_ptr, axon, delay, targets, weights, self.n_neurons)
        self.fan_in = _fan_in(rec, syn_ptr, self.n_neurons)
        opts = tables.kernel_options(chip.cfg)
        self.bounds32 = _Bounds32.of(opts, cores._prm, rec, syn_ptr, self.fan_in,
                                     int(np.diff(cores.neuron_offset).max(initial=0)))
        rec, rec32 = _narrow(rec, self.n_neurons)
        syn_ptr, rec32, u_ptr, rec16, src_inc = _uniform_rows(syn_ptr, rec32, delay0)
        return SynapsePlan(syn_ptr, rec, rec32, u_ptr, rec16, src_inc, syn_delay, delay0, self.max_delay + 1), opts

    def _events(self, geo: _Geometry, w, n_cores: int) -> EventPlan:
        """Each spike's events: masks and route counts when they fit, else per-packet lists."""
        dl_ptr, dl, dmask, first = _deliveries(w, n_cores, geo.bit_of_pos)
        # Route counts carry the links of every neuron's first packet to each core; the difference entries
        # only the rest (all packets when there are no masks, or when a count could overflow).
        routes = geo.route_counts(w, first) if dmask.shape[1] > 0 else None
        if routes is None:
            dl_ptr, dl, dmask, first = _deliveries(w, n_cores, geo.bit_of_pos, masks=False)
        self.uses_masks = routes is not None
        ev_ptr, ev, per_neuron = geo.events(w, grid_for=None if routes is None else ~first)
        meta = _meta(dmask, per_neuron, ev_ptr, dl_ptr, w.neuron_pos, routes)
        return EventPlan(ev, dl, dmask, np.argsort(geo.bit_of_pos).astype(np.int32), meta, routes)

    def check_counts(self, spikes: np.ndarray) -> None:
        """The accumulator holds fewer than 2**24 synaptic events per neuron and tick (else SimulationError)."""
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
        src_count = np.zeros(self.n_neurons, np.int64)
        viol = np.full((T, _fused.VIOL_COLS), -1.0)
        activity = rec.activity if rec.activity is not None else np.zeros((0, 0, 0), np.int64)
        args = (in_ptr, in_line, in_count, self.is_out, rec.out_spikes, timed, rec.per_tick, rec.tick_ns,
                rec.per_core, rec.link_flits, src_count, viol, activity)
        step = probes.spike_neurons is not None or probes.state_neurons is not None
        chunk = 1 if step else (max(1, T // 50) if bar is not None else T)
        for t0 in range(0, T, chunk):
            t1 = min(T, t0 + chunk)
            self.kernel.run(t0, t1, *args)
            if step:
                rec.record_probes(t0, probes, self.kernel.last_spikes(), self.chip.cores)
            if bar is not None:
                bar.update(t1 - t0)
        if timed:
            rec.latency_hist = self._zero_load_histogram(src_count)
            rec.violations = self._violations(viol)
        return rec

    def _packet_latencies(self):
        """(neuron, T0 in cycles, packets per spike, bins): every neuron's packets grouped by zero-load latency."""
        w = self.chip.wiring
        lat = self.params.zero_load_latency(self.entry_hops).astype(np.int64)
        bins = max(LAT_HIST_BINS, int(lat.max(initial=0)) + 1)
        src = np.repeat(np.arange(self.n_neurons, dtype=np.int64), np.diff(w.dest_ptr))
        key, count = np.unique(src * bins + lat, return_counts=True)
        return key // bins, key % bins, count, bins

    def _zero_load_histogram(self, src_count: np.ndarray) -> np.ndarray:
        """Histogram of every packet's zero-load latency T0(hops) in cycles (the loads model has no queueing)."""
        neuron, lat, count, bins = self._latency_pairs
        # float64 weights: exact while a bin holds fewer than 2**53 packets
        return np.rint(np.bincount(lat, weights=src_count[neuron] * count, minlength=bins)).astype(np.int64)

    def _violations(self, viol: np.ndarray) -> list[dict]:
        """Fixed-period overruns, named by the rules of :mod:`emulator.timing` (core, link or local port)."""
        from emulator.links import link_name

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
                out.append(link_overrun(t, period, net, link_name(self.chip.topology, int(viol[t, 5])),
                                        int(viol[t, 6])))
            else:
                out.append(port_overrun(t, period, net, int(core_index[k]), int(viol[t, 4])))
        return out


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


# ----- building the plan --------------------------------------------------------------------------------


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


MASK_WORDS_MAX = 8  # destination-core bit masks up to 512 cores; a list per neuron beyond
# The kernel's per-neuron spike record (nm_meta_t of emulator/_events.h), one 64-byte cache line.
META_DTYPE = np.dtype([("mask", "<u8", (4,)), ("pkt", "<i4"), ("hew", "<i4"), ("hns", "<i4"), ("ev_start", "<i4"),
                       ("dl_start", "<i4"), ("hmax", "<i2"), ("core", "<u2"), ("router", "<u2"), ("group", "<u2"),
                       ("ev_n", "<u2"), ("dl_n", "<u2")])


def _meta(dmask, per_neuron: dict, ev_ptr, dl_ptr, neuron_pos, routes) -> np.ndarray:
    """The per-neuron spike records (:data:`META_DTYPE`); errors name the field that does not fit."""
    if META_DTYPE.itemsize != _fused.meta_size():
        raise SimulationError(f"internal: META_DTYPE is {META_DTYPE.itemsize} bytes, the kernel's record "
                              f"{_fused.meta_size()}")
    n = neuron_pos.size
    meta = np.zeros(n, META_DTYPE)
    if 0 < dmask.shape[1] <= 4:
        meta["mask"][:, :dmask.shape[1]] = dmask
    fields = {"pkt": per_neuron["pkt"], "hew": per_neuron["hew"], "hns": per_neuron["hns"],
              "hmax": per_neuron["hmax"], "core": neuron_pos, "ev_start": ev_ptr[:-1], "ev_n": np.diff(ev_ptr),
              "dl_start": dl_ptr[:-1], "dl_n": np.diff(dl_ptr)}
    if routes is not None:
        fields["router"] = routes.src_router
        fields["group"] = routes.router_group[routes.src_router]
    for name, values in fields.items():
        info = np.iinfo(META_DTYPE[name].base)
        if values.size and (values.max() > info.max or values.min() < info.min):
            raise SimulationError(f"engine 'loads': per-neuron {name} up to {int(values.max()):,} does not fit "
                                  f"the kernel's {META_DTYPE[name].base} field; use --engine fast or flow")
        meta[name] = values
    return meta


def _deliveries(w, n_cores: int, bit_of_pos: np.ndarray,
                masks: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each neuron's deliveries: (list pointers, destination cores uint16 of the list, bit masks uint64[N, W],
    and for each destination entry whether it is in the masks).

    Up to :data:`MASK_WORDS_MAX` x 64 cores, the first packet of a neuron to each core is a bit of its mask, bit
    ``bit_of_pos[core]`` (the kernel counts them per destination core: ``_events.c``) and only further packets
    to the same core stay in the list;
    beyond (or without ``masks``), every packet is in the list and the masks are empty.
    """
    n = w.dest_ptr.size - 1
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(w.dest_ptr))
    dst = w.dest_pos.astype(np.int64)
    n_words = -(-n_cores // 64)
    if n_words > MASK_WORDS_MAX or not masks:
        return (w.dest_ptr.astype(np.int64), dst.astype(np.uint16), np.zeros((n, 0), np.uint64),
                np.zeros(dst.size, bool))
    key = src * n_cores + dst
    _, first = np.unique(key, return_index=True)
    is_first = np.zeros(key.size, bool)
    is_first[first] = True
    masks = np.zeros((n, n_words), np.uint64)
    f_src, f_dst = src[is_first], bit_of_pos[dst[is_first]].astype(np.int64)
    np.bitwise_or.at(masks, (f_src, f_dst >> 6), np.left_shift(np.uint64(1), (f_dst & 63).astype(np.uint64)))
    extra = ~is_first
    ptr = np.searchsorted(src[extra], np.arange(n + 1)).astype(np.int64)
    return ptr, dst[extra].astype(np.uint16), masks, is_first


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


class _Geometry:
    """Routes of every neuron's packets on the mesh, as per-spike events for the fused kernel.

    Difference grids (flat, in the kernel's counter array after the C x 8 per-core block): E and W, one line
    per row of ``width`` cells; N and S, one line per column of ``height`` cells. Cell ``u`` of a line is the
    link ``u -> u + 1`` (E, N) or ``u + 1 -> u`` (W, S); the last cell of a line only closes the differences.
    """

    def __init__(self, chip):
        topo = chip.topology
        self.topo = topo
        self.width, self.height = topo.width, topo.height
        self.routing = chip.cfg.noc.routing
        self.x_first = first_axis(self.routing) == 0
        self.C = chip.cores.n_cores
        w, h = self.width, self.height
        self.base = {E: 0, W: w * h, N: 2 * w * h, S: 3 * w * h}
        # The topology's line grids (noc.topology.MeshTopology.line_links), each line padded by a closing cell.
        cell = np.full(4 * w * h, -1, np.int32)
        for d in (E, W, N, S):
            grid = topo.line_links(d)
            cell[self.base[d]:self.base[d] + w * h].reshape(grid.shape[0], -1)[:, :-1] = grid
        self.cell_link = cell
        self.cell_peers = self._peers(topo, cell)
        # Mask bits ordered by the first route segment's line, then router: every line and router
        # mask is a contiguous run of bits (a word or two to count instead of all of them).
        r = topo.router_of_core(chip.wiring.core_index).astype(np.int64)
        rx, ry = r % w, r // w
        order = np.lexsort((chip.wiring.core_index, ry, rx) if self.x_first else (chip.wiring.core_index, rx, ry))
        self.bit_of_pos = np.empty(self.C, np.int32)
        self.bit_of_pos[order] = np.arange(self.C, dtype=np.int32)
        self.entry_hops = np.zeros(0, np.int64)

    @staticmethod
    def _peers(topo, cell_link: np.ndarray) -> np.ndarray:
        """int32[cells, 3]: for each link cell, the cells of the other mesh outputs of its source router."""
        cell_of_link = np.full(topo.n_links, -1, np.int32)
        real = cell_link >= 0
        cell_of_link[cell_link[real]] = np.flatnonzero(real)
        peers = np.full((cell_link.size, 3), -1, np.int32)
        for c in np.flatnonzero(real):
            others = cell_of_link[router_peers(topo, int(cell_link[c]))]
            peers[c, :others.size] = others
        return peers

    def _segment(self, seg):
        """Difference entries (packet, cell, +-1) of one straight run of every packet (a
        :class:`noc.routing.Segment`): +1 at its first cell, -1 one past its last, on its direction's lines."""
        out = []
        line_len = self.width if seg.axis == 0 else self.height
        for d, m in zip(seg.directions, (seg.positive, seg.negative), strict=True):
            if m.any():
                start = self.base[d] + seg.line[m] * line_len
                out.append((np.flatnonzero(m), start + seg.lo[m], 1))
                out.append((np.flatnonzero(m), start + seg.hi[m], -1))
        return out

    def route_counts(self, wiring, first: np.ndarray) -> RouteCountPlan | None:
        """Tables of the kernel's route counts (``emulator/_events.c``, ``FusedKernel._routes_to_grid``) for
        the config's dimension-order routing (XY or YX: the only ones the schema allows), or None when a
        counter could pass its 16 bits in one tick (the kernel then lists every packet).

        ``first`` marks the destination entries that are a neuron's first packet to their core (its mask bits).
        ``lcnt[n, l]``: neuron n's first packets to destination line l (XY: column) of the first route segment.
        """
        topo = self.topo
        w, h = self.width, self.height
        x_first = self.x_first
        n = wiring.dest_ptr.size - 1
        router_of_pos = topo.router_of_core(wiring.core_index).astype(np.int64)
        n_routers = w * h
        all_r = np.arange(n_routers)
        src = np.repeat(np.arange(n, dtype=np.int64), np.diff(wiring.dest_ptr))[first]
        dst = wiring.dest_pos.astype(np.int64)[first]
        rd = router_of_pos[dst]
        line = rd % w if x_first else rd // w
        n_lines = w if x_first else h
        lines_pad = -(-n_lines // 32) * 32
        lcnt = np.zeros((n, lines_pad), np.int64)
        np.add.at(lcnt, (src, line), 1)
        src_router = router_of_pos[wiring.neuron_pos].astype(np.int64)
        group_of_router = all_r // w if x_first else all_r % w
        n_groups = h if x_first else w
        # Worst tick: every neuron spikes once. cr[r, l] sums lcnt over r's neurons; dg[g, b] counts g's
        # neurons with bit b.
        per_router = np.zeros((n_routers, lines_pad), np.int64)
        np.add.at(per_router, src_router, lcnt)
        per_group = np.bincount(group_of_router[src_router[src]] * self.C + self.bit_of_pos[dst],
                                minlength=n_groups * self.C)
        if int(lcnt.max(initial=0)) > 255 or int(per_router.max(initial=0)) > 0xFFFF or \
                int(per_group.max(initial=0)) > 0xFFFF:
            return None
        bits = np.zeros((n_routers, 2), np.int32)
        for r in np.unique(router_of_pos):
            b = self.bit_of_pos[router_of_pos == r]
            if b.max() - b.min() + 1 != b.size:   # the bit order makes every router a contiguous run
                raise SimulationError(f"internal: router {r}'s mask bits are not contiguous")
            bits[r] = (b.min(), b.max() + 1)
        return RouteCountPlan(x_first=x_first, src_router=src_router.astype(np.int32),
                              router_group=group_of_router.astype(np.int32), router_x=(all_r % w).astype(np.int32),
                              router_y=(all_r // w).astype(np.int32), router_bits=bits, lcnt=lcnt.astype(np.uint8),
                              n_lines=n_lines, n_groups=n_groups)

    def events(self, wiring, grid_for: np.ndarray | None = None):
        """(ev_ptr int64[N+1], ev uint32 ``(increment << 16) | counter``, per-neuron sums) of every neuron's
        spike: the difference entries of the routes of its packets (of the entries selected by ``grid_for``;
        default all), and its packets, hops east-west / north-south and longest route (``pkt``, ``hew``,
        ``hns``, ``hmax``, int64[N])."""
        topo, C = self.topo, self.C
        n = wiring.dest_ptr.size - 1
        src = np.repeat(np.arange(n, dtype=np.int64), np.diff(wiring.dest_ptr))
        k, kd = wiring.neuron_pos[src].astype(np.int64), wiring.dest_pos.astype(np.int64)
        rs = topo.router_of_core(wiring.core_index[k]).astype(np.int64)
        rd = topo.router_of_core(wiring.core_index[kd]).astype(np.int64)
        route = segments(topo, self.routing, rs, rd)
        hew, hns = (sum(seg.length for seg in route if seg.axis == axis) for axis in (0, 1))
        self.entry_hops = (hew + hns).astype(np.int64)
        per_neuron = {"pkt": np.bincount(src, minlength=n), "hew": np.bincount(src, weights=hew, minlength=n),
                      "hns": np.bincount(src, weights=hns, minlength=n)}
        per_neuron = {key: v.astype(np.int64) for key, v in per_neuron.items()}
        grid0 = C * N_EVENTS
        w, h = self.width, self.height
        sel = np.arange(src.size) if grid_for is None else np.flatnonzero(grid_for)
        route = segments(topo, self.routing, rs[sel], rd[sel])
        parts = [(sel[e], grid0 + cell, np.full(e.size, sign)) for seg in route for e, cell, sign in self._segment(seg)]
        ent = np.concatenate([np.zeros(0, np.int64)] + [p[0] for p in parts])
        idx = np.concatenate([np.zeros(0, np.int64)] + [np.asarray(p[1], np.int64) for p in parts])
        inc = np.concatenate([np.zeros(0, np.int64)] + [np.asarray(p[2], np.int64) for p in parts])
        n_idx = grid0 + 4 * w * h
        key = src[ent] * n_idx + idx
        uniq, inv = np.unique(key, return_inverse=True)
        total = np.bincount(inv, weights=inc, minlength=uniq.size).astype(np.int64)
        keep = total != 0
        uniq, total = uniq[keep], total[keep]
        ev_src = uniq // n_idx
        ev_ptr = np.searchsorted(ev_src, np.arange(n + 1)).astype(np.int64)
        hmax = np.zeros(n, np.int64)
        np.maximum.at(hmax, src, hew + hns)
        per_neuron["hmax"] = hmax
        if n_idx > 1 << 16 or (total.size and int(np.abs(total).max()) >= 1 << 15):
            raise SimulationError(
                f"engine 'loads': {self.C} cores on a {w} x {h} mesh, or a neuron with more than 32,767 packets or "
                "hops per spike, exceed the fused kernel's 16-bit event fields; use --engine fast or flow")
        ev = ((total.astype(np.int64) & 0xFFFF) << 16) | (uniq % n_idx)
        return ev_ptr, ev.astype(np.uint32), per_neuron
