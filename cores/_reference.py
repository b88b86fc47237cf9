"""Readable NumPy oracle of the neuron cores, with the same API as :class:`cores.CoreArray`.

Written independently of the kernels' data structures: pending spikes are a dict from tick to arrays of axon
ids, every synapse of the chip sits in one flat COO list (:class:`cores.models.Synapses`), and the neuron
rules are the model unit's free NumPy functions (``integrate`` and ``step`` of :mod:`cores.models`), applied to
every neuron of the chip at once: the per-neuron parameter records of the cores are concatenated once at
construction, and the counters are per-core sums of per-neuron (or per-axon) values. On a model with
``binary_axons`` (TrueNorth) the spikes that reach one axon for one tick count once: the count per axon is
clipped to 1 before the synapses see it, and the spikes dropped are counted (``last_duplicates``). Used by the
tests (and as the functional reference of whole-chip runs); never a runtime fallback.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from chip_configs.errors import ProgramError
from chip_configs.schema import as_core_spec
from cores import prng
from cores.core_array import StateRegisters, _check_entries
from cores.models import Draws, Synapses, model_of
from cores.program import CoreProgram


def _offsets(sizes) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)


def per_core(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over each range ``offsets[k]:offsets[k + 1]`` (int64, exact, empty ranges give 0)."""
    cs = np.concatenate([[0], np.cumsum(values, dtype=np.int64)])
    return cs[offsets[1:]] - cs[offsets[:-1]]


class ReferenceCoreArray(StateRegisters):
    """NumPy twin of :class:`cores.CoreArray` (same indexing, timing contract, counters and state)."""

    def __init__(self, cfg, programs: Sequence[CoreProgram], seed: int | None = None):
        cfg = as_core_spec(cfg)   # CoreSpec or ChipConfig; only the core view is kept
        if len(programs) > cfg.num_cores:
            raise ProgramError(f"{len(programs)} core programs given; the chip has {cfg.num_cores} cores")
        self.cfg = cfg
        self.unit = model_of(cfg)
        self.model = cfg.neuron.model
        self.seed = int(seed if seed is not None else self.unit.default_seed(cfg))
        self.key = prng.seed_key(self.seed)
        self.programs = list(programs)
        self.n_cores = len(programs)
        self.neuron_offset = _offsets([p.n_neurons for p in programs])
        self.axon_offset = _offsets([p.n_axons for p in programs])
        self.n_neurons = int(self.neuron_offset[-1])
        self.n_axons = int(self.axon_offset[-1])
        records = [p.validate(cfg, k) for k, p in enumerate(programs)]
        self.params = self.unit.Params.concat(records) if records else self.unit.validate_params(cfg, {}, 0)
        syn = Synapses.of_programs(programs, self.axon_offset, self.neuron_offset, self.unit.capabilities)
        self.synapses = self.unit.bind_synapses(cfg, self.params, syn)
        # Per neuron: its core and local index (the PRNG's coordinates); per axon: its synapses (syn_ops).
        sizes = np.diff(self.neuron_offset)
        self.core_of = np.repeat(np.arange(self.n_cores, dtype=np.int64), sizes)
        self.local = np.arange(self.n_neurons, dtype=np.int64) - np.repeat(self.neuron_offset[:-1], sizes)
        self.row_len = np.bincount(self.synapses.axon, minlength=self.n_axons).astype(np.int64)
        self.reset()

    # ----- run control ------------------------------------------------------------------------------
    def reset(self) -> None:
        self.regs = {r.name: (getattr(self.params, r.initial).copy() if r.initial else
                              np.zeros(self.n_neurons, dtype=np.int64))
                     for r in self.unit.registers(self.cfg) if r.present}
        self.pending: dict[int, list[np.ndarray]] = defaultdict(list)
        self.tick = 0
        self.last_counts = np.zeros((self.n_cores, 4), dtype=np.int64)
        self.total_counts = np.zeros((self.n_cores, 4), dtype=np.int64)
        self.last_duplicates = self.total_duplicates = 0

    def reset_counts(self) -> None:
        self.last_counts[:] = 0
        self.total_counts[:] = 0
        self.last_duplicates = self.total_duplicates = 0

    def _register(self, name: str) -> np.ndarray:
        return self.regs[name]

    def schedule(self, axons, delays) -> None:
        """Spikes on global ``axons`` integrated at tick ``self.tick + delay - 1`` (see cores.core_array)."""
        axons = np.asarray(axons).reshape(-1)
        delays = np.broadcast_to(np.asarray(delays), axons.shape)
        if axons.size == 0:
            return
        _check_entries("axon", axons, 0, self.n_axons - 1)
        _check_entries("delay", delays, 1, self.cfg.core.delay_slots)
        due = self.tick + delays.astype(np.int64) - 1
        order = np.argsort(due, kind="stable")
        ticks, first = np.unique(due[order], return_index=True)
        for t, part in zip(ticks.tolist(), np.split(axons[order].astype(np.int64), first[1:]), strict=True):
            self.pending[t].append(part)

    def step(self) -> np.ndarray:
        """Run tick ``self.tick`` on every neuron of the chip at once; return the global ids that spiked."""
        count = self._arrivals()
        draws = Draws(self.key, self.tick, self.core_of, self.local)
        inp = self.unit.integrate(self.cfg, self.params, self.synapses, count, draws)
        spike, active, self.regs = self.unit.step(self.cfg, self.params, self.regs, inp, draws)
        n_active = per_core(active, self.neuron_offset)
        self.last_counts[:] = np.stack([per_core(count * self.row_len, self.axon_offset), n_active,
                                        np.diff(self.neuron_offset) - n_active,
                                        per_core(spike, self.neuron_offset)], axis=1)
        self.total_counts += self.last_counts
        self.tick += 1
        return np.flatnonzero(spike).astype(np.int32)

    def _arrivals(self) -> np.ndarray:
        """Spikes per axon due this tick (int64[n_axons]); binary axons hold at most one (the rest are
        counted in ``last_duplicates`` and dropped)."""
        arrived = self.pending.pop(self.tick, [])
        count = np.bincount(np.concatenate(arrived), minlength=self.n_axons) if arrived else \
            np.zeros(self.n_axons, dtype=np.int64)
        self.last_duplicates = 0
        if self.unit.capabilities.binary_axons:
            bits = np.minimum(count, 1)
            self.last_duplicates = int(count.sum() - bits.sum())
            count = bits
        self.total_duplicates += self.last_duplicates
        return count


__all__ = ["ReferenceCoreArray", "per_core"]
