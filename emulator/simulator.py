"""The stepped loop: the tick-by-tick chip simulation on a SimPy timeline, with a packet-level network model.

The timing rules (busy time, injection time, phases, synchronisation, violations) are those of
:mod:`emulator.timing`, shared with the fused loop (:mod:`emulator.fused`); :mod:`emulator.loops` picks the loop.

Per tick t (design.md, section 3):

1. every core integrates the axon inputs due at t, updates its neurons and emits spikes (one Cython call
   over all cores, :meth:`cores.CoreArray.step`);
2. each spike becomes one packet per destination entry (core, axon, delay); the mapper emits one entry per
   destination core, so this is one packet per destination core. Packets enter the mesh as their neuron is
   updated: a core first integrates (syn_ops x syn_op_ns), then sweeps its neurons in index order, so neuron j
   of n emits at ``integrate + (j + 1) / n x update`` plus ``spike_ns`` per packet already formed;
3. packets cross the NoC with contention (the cycle-level engine of :mod:`noc`); each delivery is written into
   the destination axon's delay buffer for tick t + delay; external input spikes of tick t are written the same
   way (host input does not cross the mesh);
4. the tick ends by synchronisation: ``barrier``: when every core is idle and the mesh drained, plus the
   barrier latency; ``fixed``: after the tick period, and work that overruns it is a timing violation naming
   the core or link responsible.

SimPy is the clock: one process advances through the phases of each tick (compute, network drain, sync) as
coarse timeouts; no per-neuron or per-spike processes. Components only count events; pricing happens after the
run (:mod:`emulator.energy`).

Functional results never depend on timing: spikes equal the tick-level reference run. In ``fixed`` mode an
overrun is reported, and the late packets are still delivered (the report says so), so the functional result
stays comparable; a chip that overruns its tick would lose or delay those spikes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np
import simpy

from emulator import _tick
from emulator.energy import EVENT_NAMES, N_EVENTS
from emulator.links import chips_of_link, link_busy_cycles, link_name
from emulator.off_chip import SourceCrossings
from emulator.timing import PKT, SYN, TickTiming, core_overrun, link_overrun, port_overrun

LAT_HIST_BINS = 64  # initial size; grows by doubling


@dataclass
class InferenceRecord:
    """Everything counted and timed during one inference (before pricing)."""

    out_spikes: np.ndarray  # int8 [T, O]
    per_core: np.ndarray  # int64 [C, N_EVENTS] event counts of each used core (position), whole inference
    per_tick: np.ndarray  # int64 [T, N_EVENTS] event counts of the whole chip, per tick
    tick_ns: np.ndarray  # float64 [T, 4]: duration, compute, network, sync
    latency_hist: np.ndarray  # int64 histogram of packet latency in cycles (grows to the largest latency)
    link_flits: np.ndarray  # int64 [n_links]
    peak_buffer_flits: int
    violations: list[dict]
    input_events: int
    probe_spikes: np.ndarray | None = None  # int8 [T, k]
    activity: np.ndarray | None = None  # int64 [T, C, N_EVENTS] per tick and core, when probed
    traces: dict[str, np.ndarray] = field(default_factory=dict)  # name -> int64 [T, k]
    # spikes dropped on binary axons (TrueNorth: a second spike on one axon for one tick ORs), whole inference
    duplicate_axon_spikes: int = 0
    noc_estimate: dict | None = None  # an estimating network model's notes on its latencies (emulator.fused)
    # a system of chips: off-chip hops (east-west, north-south) of each source core position, int64 [C, 2]
    # (emulator.off_chip); None on a single chip
    per_core_off_chip: np.ndarray | None = None

    @classmethod
    def empty(cls, chip, ticks: int, input_events: int, probes: Probes) -> InferenceRecord:
        """Zeroed counters for one inference of ``ticks`` on ``chip``, with the buffers ``probes`` asks for."""
        C = chip.cores.n_cores
        rec = cls(
            out_spikes=np.zeros((ticks, chip.wiring.out_neuron.size), np.int8),
            per_core=np.zeros((C, N_EVENTS), np.int64),
            per_tick=np.zeros((ticks, N_EVENTS), np.int64),
            tick_ns=np.zeros((ticks, 4), np.float64),
            latency_hist=np.zeros(LAT_HIST_BINS, np.int64),
            link_flits=np.zeros(chip.topology.n_links, np.int64),
            peak_buffer_flits=0,
            violations=[],
            input_events=input_events,
        )
        if probes.spike_neurons is not None:
            rec.probe_spikes = np.zeros((ticks, probes.spike_neurons.size), np.int8)
        if probes.activity:
            rec.activity = np.zeros((ticks, C, N_EVENTS), np.int64)
        return rec

    def record_probes(self, t: int, probes: Probes, spikes: np.ndarray, cores) -> None:
        """Tick t's probed spikes (of the sorted ``spikes``) and state registers of ``cores``."""
        if probes.spike_neurons is not None:
            self.probe_spikes[t] = np.isin(probes.spike_neurons, spikes)
        if probes.state_neurons is not None:
            for name, arr in cores.state().items():
                self.traces.setdefault(name, np.zeros((self.tick_ns.shape[0], probes.state_neurons.size),
                                                      np.int64))[t] = arr[probes.state_neurons]


@dataclass
class RunResult:
    """Result of :meth:`Chip.run`: outputs, probes and the priced report."""

    output_spikes: np.ndarray  # int8 [B, T, O]
    records: list[InferenceRecord]
    report: object = None
    probe_neurons: np.ndarray | None = None

    @property
    def output_counts(self) -> np.ndarray:
        return self.output_spikes.sum(axis=1, dtype=np.int64)

    @property
    def predictions(self) -> np.ndarray:
        """Index of the output with most spikes per inference (ties to the lowest index)."""
        return np.argmax(self.output_counts, axis=1)


def _as_ids(v) -> np.ndarray | None:
    return None if v is None else np.asarray(v, dtype=np.int64).reshape(-1)


@dataclass(frozen=True)
class Probes:
    """What to record: spikes of ``spike_neurons``, state traces of ``state_neurons`` (global ids), and the
    per-tick event counts of every core (``activity``; ticks x cores x events int64, so off by default)."""

    spike_neurons: np.ndarray | None = None
    state_neurons: np.ndarray | None = None
    activity: bool = False

    @classmethod
    def resolve(cls, chip, probes) -> Probes:
        """Accept None, a Probes, or a dict {"spikes": ids|"all"|"outputs", "state": ids}."""
        if probes is None or isinstance(probes, Probes):
            return probes or cls()
        spikes = probes.get("spikes")
        if isinstance(spikes, str):
            spikes = np.arange(chip.cores.n_neurons) if spikes == "all" else chip.wiring.out_neuron
        return cls(_as_ids(spikes), _as_ids(probes.get("state")), bool(probes.get("activity", False)))


class PacketBuffers:
    """Per-packet arrays for the NoC (source, destination, injection cycle), reused across ticks and grown
    geometrically: nothing is allocated per packet."""

    def __init__(self, capacity: int = 1024):
        self._alloc(capacity)

    def _alloc(self, cap: int) -> None:
        self.capacity = cap
        self.src, self.dst = np.zeros(cap, np.int32), np.zeros(cap, np.int32)
        self.inject = np.zeros(cap, np.int64)

    def reserve(self, n: int) -> None:
        if n > self.capacity:
            self._alloc(max(n, 2 * self.capacity))


class TickTimer:
    """Turns a tick's counts and packets into injection cycles, NoC traffic and tick duration (ns), by the
    rules of :mod:`emulator.timing`."""

    def __init__(self, chip):
        self.cfg = chip.cfg
        self.noc = chip.noc
        self.timing = tm = TickTiming.from_config(chip.cfg)
        self.spk_ns, self.cycle_ns = tm.spk_ns, tm.cycle_ns
        self.core_index = chip.wiring.core_index.astype(np.int32)
        x, y = chip.topology.core_coords(self.core_index)
        self.x, self.y = np.asarray(x, np.int32), np.asarray(y, np.int32)
        self.buffers = PacketBuffers()
        self.n_per_core = np.maximum(np.diff(chip.cores.neuron_offset), 1).astype(np.float64)
        self.crossings = SourceCrossings.of(chip)   # a system's off-chip hops per spike of each neuron; None: one chip


class InferenceRun:
    """One inference: the tick loop as a SimPy process, counting into an :class:`InferenceRecord`."""

    def __init__(self, chip, spikes_in: np.ndarray, probes: Probes, timer: TickTimer, bar=None):
        self.chip, self.cores, self.w = chip, chip.cores, chip.wiring
        self.spikes_in = spikes_in
        self.probes = probes
        self.timer = timer
        self.bar = bar
        T, C = spikes_in.shape[0], self.cores.n_cores
        self.rec = InferenceRecord.empty(chip, T, int(spikes_in.sum()), probes)
        self.counts = np.zeros((C, N_EVENTS), np.int64)  # this tick's counts, reused
        self.is_out = np.full(self.cores.n_neurons, -1, np.int64)
        self.is_out[self.w.out_neuron] = np.arange(self.w.out_neuron.size)
        # a system: each neuron's spikes, turned into per-core off-chip hops when the inference ends (finish)
        self.spike_count = np.zeros(self.cores.n_neurons, np.int64) if timer.crossings is not None else None

    def finish(self) -> InferenceRecord:
        """The inference's record, with a system's per-core off-chip hops (:mod:`emulator.off_chip`)."""
        if self.spike_count is not None:
            self.rec.per_core_off_chip = self.timer.crossings.per_core(self.spike_count)
        return self.rec

    def process(self, env: simpy.Environment):
        for t in range(self.spikes_in.shape[0]):
            dur, compute, network, _ = self.tick(t)
            # A fixed-period tick ends on time even when its work overran (reported as a violation).
            compute = min(compute, dur)
            network = min(network, dur - compute)
            yield env.timeout(compute)
            yield env.timeout(network)
            yield env.timeout(dur - compute - network)
            if self.bar is not None:
                self.bar.update(1)

    def tick(self, t: int) -> tuple[float, float, float, float]:
        spikes = self.cores.step()
        counts = self.counts
        counts[:, 4:] = 0
        counts[:, :4] = self.cores.last_counts
        self.rec.duplicate_axon_spikes += self.cores.last_duplicates
        self._record_outputs(t, spikes)
        if self.spike_count is not None:
            self.spike_count[spikes] += 1      # a tick's spikes are distinct neurons
        self._deliver_inputs(t)
        busy_max, net_end = self._send_packets(t, spikes, counts)
        ph = self.timer.timing.phases(busy_max, net_end)
        self.rec.tick_ns[t] = ph
        self.rec.per_core += counts
        self.rec.per_tick[t] = counts.sum(axis=0)
        if self.rec.activity is not None:
            self.rec.activity[t] = counts
        if self.timer.timing.overran(busy_max, net_end):
            self._violation(t, busy_max, net_end)
        return ph

    def _record_outputs(self, t: int, spikes: np.ndarray) -> None:
        if spikes.size:
            o = self.is_out[spikes]
            self.rec.out_spikes[t, o[o >= 0]] = 1
        self.rec.record_probes(t, self.probes, spikes, self.cores)

    def _deliver_inputs(self, t: int) -> None:
        """External input spikes of tick t, integrated at t + delay (host input bypasses the mesh)."""
        row = self.spikes_in[t]
        lines = np.flatnonzero(row)
        if lines.size:
            self.cores.schedule_rows(self.w.in_ptr, self.w.in_axon, self.w.in_delay, lines, row[lines])

    def _send_packets(self, t: int, spikes: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
        """Form packets from this tick's spikes, deliver them functionally, and time them on the NoC."""
        tm, w, buf = self.timer, self.w, self.timer.buffers
        n = int(_tick.count_packets(spikes, w.dest_ptr)) if spikes.size else 0
        buf.reserve(n)
        integ, update = tm.timing.core_time(counts)
        if n:
            _tick.form_packets(spikes, w.dest_ptr, w.dest_pos, w.neuron_pos,
                               w.neuron_local, tm.core_index, tm.x, tm.y, integ, update, tm.n_per_core,
                               tm.spk_ns, tm.cycle_ns, buf.src, buf.dst, buf.inject, counts)
        busy = tm.timing.busy(integ, update, counts[:, PKT])
        busy_max = float(busy.max()) if busy.size else 0.0
        if n == 0:
            return busy_max, 0.0
        self.cores.schedule_rows(w.dest_ptr, w.dest_axon, w.dest_delay, spikes)
        inject = buf.inject[:n]
        res = tm.noc.run(buf.src[:n], buf.dst[:n], inject)
        self._fit_histogram(int(_tick.max_latency(res.deliver_cycle, inject)))
        _tick.latency_histogram(res.deliver_cycle, inject, self.rec.latency_hist)
        res.add_link_flits(self.rec.link_flits)
        self.rec.peak_buffer_flits = max(self.rec.peak_buffer_flits, res.peak_buffer_max)
        self._last_noc = (res, n)
        return busy_max, float(res.deliver_cycle.max()) * tm.cycle_ns

    def _fit_histogram(self, max_latency: int) -> None:
        """Grow the latency histogram (doubling) so that it has a bin for ``max_latency`` cycles."""
        size = self.rec.latency_hist.size
        if max_latency >= size:
            while size <= max_latency:
                size *= 2
            grown = np.zeros(size, np.int64)
            grown[: self.rec.latency_hist.size] = self.rec.latency_hist
            self.rec.latency_hist = grown

    def _violation(self, t: int, busy_max: float, net_end: float) -> None:
        """Name the core (compute overrun) or the busiest link (network overrun) of tick t (:mod:`emulator.timing`)."""
        period = self.timer.timing.period
        counts = self.counts
        if busy_max > period:
            busy = self.timer.timing.busy_ns(counts)
            k = int(np.argmax(busy))
            self.rec.violations.append(core_overrun(t, int(self.w.core_index[k]), float(busy[k]), period,
                                                    int(counts[k, SYN]), int(counts[k, PKT])))
            return
        res, n = self._last_noc
        last = int(np.argmax(res.deliver_cycle))
        src, dst = self.timer.buffers.src[:n], self.timer.buffers.dst[:n]
        latest = f"core {int(src[last])} -> core {int(dst[last])}"
        if res.link_counts.size:
            k = int(np.argmax(link_busy_cycles(self.chip.cfg, self.chip.topology, res.link_counts, res.link_ids)))
            link = int(res.link_ids[k])
            entry = link_overrun(t, period, net_end, link_name(self.chip.topology, link), int(res.link_counts[k]),
                                 latest, chips_of_link(self.chip.topology, link))
        else:
            busiest = int(np.bincount(dst).argmax())
            entry = port_overrun(t, period, net_end, busiest, int(np.count_nonzero(dst == busiest)), latest)
        self.rec.violations.append(entry)


def _progress_bar(total: int, progress: bool | None):
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="tick", desc="emulating", file=sys.stderr, leave=False)


def run_batch(chip, spikes: np.ndarray, probes=None, progress: bool | None = None) -> RunResult:
    """Run every inference of ``spikes`` [B, T, n_in]; state reset between them as the config says."""
    chip._require_program()
    probes = Probes.resolve(chip, probes)
    timer = TickTimer(chip)

    def one(spikes_in, bar) -> InferenceRecord:
        chip.cores.reset_counts()
        env = simpy.Environment()
        run = InferenceRun(chip, spikes_in, probes, timer, bar)
        env.process(run.process(env))
        env.run()
        return run.finish()

    return batch_result(chip, spikes, probes, progress, one, chip.cores.reset)


def batch_result(chip, spikes: np.ndarray, probes: Probes, progress: bool | None, run_one, reset) -> RunResult:
    """The batch loop every engine shares: ``reset()`` before the first inference and between inferences when
    the config resets state, ``run_one(spikes[b], bar)`` per inference, then the outputs and the priced report."""
    from emulator.report import build_report

    bar = _progress_bar(spikes.shape[0] * spikes.shape[1], progress)
    records = []
    for b in range(spikes.shape[0]):
        if b == 0 or chip.cfg.sync.reset_between_inferences:
            reset()
        records.append(run_one(spikes[b], bar))
    if bar is not None:
        bar.close()
    # one inference: its raster as a view (no copy of a [T, n_out] array)
    out = records[0].out_spikes[None] if len(records) == 1 else np.stack([r.out_spikes for r in records])
    result = RunResult(output_spikes=out, records=records, probe_neurons=probes.spike_neurons)
    result.report = build_report(chip, records)
    return result


__all__ = ["EVENT_NAMES", "InferenceRecord", "Probes", "RunResult", "run_batch"]
