"""All programmed neuron cores of one chip, stepped together by the Cython kernels.

Indexing: core ``k`` is the k-th entry of ``programs``. Its local neuron ``j`` is global neuron
``neuron_offset[k] + j`` and its local axon ``a`` is global axon ``axon_offset[k] + a``.

Timing contract (design.md section 3):

- ``step()`` runs tick ``self.tick``: it integrates the spikes due at that tick, updates every neuron, returns
  the spikes, then advances ``self.tick`` by one.
- ``schedule(axons, delays)`` is called between steps. A spike scheduled with delay ``d`` is integrated at tick
  ``self.tick + d - 1``, i.e. during the d-th ``step()`` call from now. Since ``self.tick`` is already t + 1 after
  the step of tick t, a spike emitted at tick t and scheduled right after that step with delay d is integrated
  at tick t + d (delay 1: the very next tick). Inputs for tick 0 are scheduled before the first step with
  delay 1.

Counters, per core and tick, in ``last_counts[k] = (syn_ops, active, inactive, spikes)``:

- syn_ops: spike x synapse accumulations; a spike on axon a costs len(row a) ops (zero-weight synapses too).
  On a model with ``binary_axons`` (TrueNorth) an axon that received several spikes for one tick integrates
  once (OR): len(row a) ops, and the other spikes are dropped and counted in ``last_duplicates`` (the whole
  chip's, this tick; ``total_duplicates`` since the last reset).
- a neuron update is *inactive* when the neuron is at rest and its update leaves it so: every state register
  (u, v, refractory counter) is 0 before the update, its net synaptic input (sum of weight x count before any
  shift) is 0, it does not spike and its state is still 0 after the update. Every other update is *active*
  (it received input, holds non-zero state, or a bias / leak / reset moved it).
- spikes: neurons that fired.

Memory (:meth:`CoreArray.nbytes`, the *programmed bytes*): the crossbar (:mod:`cores.crossbar`: TrueNorth's as
bits, n_axons x ceil(n / 64) x 8 bytes; Loihi's as CSR with 4-byte records and, with uint32 records, a
16-byte record per axon in place of the row pointers), one packed parameter record per neuron (32 bytes
Loihi, 24 TrueNorth) plus TrueNorth's typed weights (2 bytes per neuron and axon type), int64 state registers
and accumulator, per-axon merge buffers and axon -> core map (12 bytes per axon; not with the Loihi axon
records, whose delivery needs no merge) and the pending spike lists. Construction validates every program in
vectorised passes (:mod:`cores.program_check`) before allocating, then stores them a group of cores at a time,
so the build peak is these arrays plus one group's temporaries (~64 k values) and one int64 initial state.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chip_configs.errors import ProgramError, SimulationError
from chip_configs.events import CORE_EVENTS
from chip_configs.schema import as_core_spec
from cores import tables
from cores._compiled import _kernels
from cores.models import model_of
from cores.prng import seed_key
from cores.program import CoreProgram
from cores.program_check import param_records, synapse_counts, validate_programs

COUNTER_NAMES = tuple(e.label for e in CORE_EVENTS)  # columns of last_counts / total_counts
_INITIAL_PENDING = 256
_INT_DTYPES = (np.int8, np.int16, np.int32, np.int64)


def _offsets(sizes: Sequence[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.asarray(sizes, dtype=np.int64))]).astype(np.int64)


def narrowest(values: np.ndarray) -> np.ndarray:
    """``values`` in the narrowest signed integer dtype that holds them (initial states are mostly small)."""
    lo, hi = (int(values.min()), int(values.max())) if values.size else (0, 0)
    for dt in _INT_DTYPES:
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return values.astype(dt)
    return values


class StateRegisters:
    """State-register access shared by :class:`CoreArray` and the NumPy oracle (same names, same checks).

    Needs ``cfg``, ``unit`` (the model's :class:`cores.models.NeuronModel`, which names the registers),
    ``n_neurons`` and :meth:`_register` giving the array of a register by name.
    """

    def _state_names(self) -> tuple[str, ...]:
        return self.unit.state_names(self.cfg)

    def _register(self, name: str) -> np.ndarray:
        return getattr(self, name)

    def state(self) -> dict[str, np.ndarray]:
        """Copies of the state registers as int64 arrays over global neurons."""
        return {name: self._register(name).astype(np.int64) for name in self._state_names()}

    def set_state(self, **arrays) -> None:
        """Overwrite state registers by name (``u``, ``v``, ``refractory``), each of shape (n_neurons,)."""
        for name, value in arrays.items():
            if name not in self._state_names():
                raise SimulationError(f"unknown state {name!r}; allowed: {self._state_names()}")
            value = np.asarray(value)
            if value.shape != (self.n_neurons,):
                raise SimulationError(f"state {name!r} has shape {value.shape}; expected ({self.n_neurons},)")
            self._register(name)[:] = value
        self._state_written()

    def _state_written(self) -> None:
        """Hook after :meth:`set_state` (CoreArray drops its idle-core shortcuts)."""


class CoreArray(StateRegisters):
    """Flat state of every programmed core of a chip; :meth:`step` advances all of them by one tick.

    Parameters
    ----------
    cfg : CoreSpec or ChipConfig
        Widths, overflow policies, limits and the neuron model (a ChipConfig is reduced to its
        :class:`~chip_configs.schema.CoreSpec`; the array keeps only that, as ``self.cfg``).
    programs : sequence of CoreProgram
        One per core; core index k = position in this sequence.
    seed : int, optional
        Seed of the counter-based PRNG (TrueNorth stochastic modes). Default: the model's (``cfg.neuron.prng_seed``
        for TrueNorth, 0 for models without draws).

    Raises
    ------
    ProgramError
        A program does not fit ``cfg`` (the message names the core and the neuron / axon / synapse).
    """

    def __init__(self, cfg, programs: Sequence[CoreProgram], seed: int | None = None):
        cfg = as_core_spec(cfg)
        if len(programs) > cfg.num_cores:
            raise ProgramError(f"{len(programs)} core programs given; the chip has {cfg.num_cores} cores")
        tables.check_headroom(cfg)
        self.cfg = cfg
        self.unit = model_of(cfg)
        self.model = cfg.neuron.model
        self.seed = int(seed if seed is not None else self.unit.default_seed(cfg))
        self._key = seed_key(self.seed)
        self.n_cores = len(programs)
        self.neuron_offset = _offsets([p.n_neurons for p in programs])
        self.axon_offset = _offsets([p.n_axons for p in programs])
        self.n_neurons = int(self.neuron_offset[-1])
        self.n_axons = int(self.axon_offset[-1])
        self.delay_slots = cfg.core.delay_slots
        # Every program checked (vectorised) before anything chip-sized is allocated from its sizes.
        validate_programs(cfg, programs)
        self._syn_per_core = synapse_counts(programs)
        self._axon_core = np.repeat(np.arange(self.n_cores, dtype=np.int32), np.diff(self.axon_offset))
        self._opts = self.unit.kernel_options(cfg)
        self._program(programs)
        self._alloc()
        self.reset()

    # ----- construction helpers ---------------------------------------------------------------------
    def _program(self, programs: Sequence[CoreProgram]) -> None:
        """Store the (validated) programs a group of cores at a time (:func:`cores.program_check.param_records`):
        group-sized temporaries only, final arrays once."""
        self._xbar = self.unit.make_crossbar(self.cfg, self.axon_offset, self.neuron_offset, self._syn_per_core,
                                             programs)
        self._prm = np.zeros(self.n_neurons, dtype=self.unit.record_dtype)
        initial = {r.name: (r.initial, np.zeros(self.n_neurons, dtype=np.int64))
                   for r in self.unit.registers(self.cfg) if r.present and r.initial}
        for k0, k1, p in param_records(self.cfg, programs, self.neuron_offset):
            sl = slice(int(self.neuron_offset[k0]), int(self.neuron_offset[k1]))
            tables.fill_records(self.cfg, self._prm[sl], p)
            for param, values in initial.values():
                values[sl] = getattr(p, param)
            self._xbar.add_cores(k0, k1, programs[k0:k1], p)
        if hasattr(self._xbar, "finish"):
            self._xbar.finish()
        # Initial states kept for reset(), narrowed (they are mostly small).
        self._init = {name: narrowest(values) for name, (_, values) in initial.items()}
        self._core_state = self._all_rest_bits()

    def _all_rest_bits(self) -> np.ndarray:
        """uint8[n_cores] with the kernel's ALL_REST bit where every neuron of the core has the REST flag."""
        rest_flag = self.unit.rest_flag
        others = np.concatenate([[0], np.cumsum((self._prm["flags"] & rest_flag) == 0, dtype=np.int32)])
        per_core = others[self.neuron_offset[1:]] - others[self.neuron_offset[:-1]]
        return np.where(per_core == 0, _kernels.CORE_STATE_BITS["all_rest"], 0).astype(np.uint8)

    def _state_written(self) -> None:
        """State changed outside step(): no core may be assumed quiet (clears the kernel's QUIET bits)."""
        self._core_state &= np.uint8(~_kernels.CORE_STATE_BITS["quiet"] & 0xFF)

    def _alloc(self) -> None:
        """Every buffer the hot path uses, allocated once (the pending lists grow geometrically).

        One array attribute per state register of the model (:meth:`cores.models.NeuronModel.registers`); a
        register absent under this config (Loihi's refractory counter without ``refractory: silicon``) is an
        empty array.
        """
        self._registers = tuple(self.unit.registers(self.cfg))
        for r in self._registers:
            setattr(self, r.name, np.zeros(self.n_neurons if r.present else 0, dtype=r.dtype))
        # One spare element past the last neuron: the zero-weight padding of the axon records of an empty core
        # (cores.crossbar.CsrCrossbar.rec) may land there; the updates never read it.
        self._acc = np.zeros(self.n_neurons + 1, dtype=np.int64)
        self._spikes = np.zeros(self.n_neurons, dtype=np.int32)
        merge = self.n_axons if getattr(self._xbar, "merges", True) else 0   # per-axon merge buffers
        if not merge:
            self._axon_core = np.zeros(0, dtype=np.int32)   # the axon records hold the core
        self._cnt = np.zeros(merge, dtype=np.int32)
        self._uniq = np.zeros(merge, dtype=np.int32)
        self._pend = np.zeros((self.delay_slots, _INITIAL_PENDING), dtype=np.int32)
        self._pend_len = np.zeros(self.delay_slots, dtype=np.int64)
        self._need = np.zeros(self.delay_slots, dtype=np.int64)  # per-slot scratch of enqueue_checked
        self.last_counts = np.zeros((self.n_cores, 4), dtype=np.int64)
        self.total_counts = np.zeros((self.n_cores, 4), dtype=np.int64)
        self.last_duplicates = self.total_duplicates = 0

    # ----- run control ------------------------------------------------------------------------------
    def reset(self) -> None:
        """Initial state (u0, v0), empty delay buffers, tick 0, counters zero."""
        for r in self._registers:
            getattr(self, r.name)[:] = self._init.get(r.name, 0)
        self._acc[:] = 0
        self._cnt[:] = 0
        self._pend_len[:] = 0
        self._state_written()
        self.tick = 0
        self.reset_counts()

    def reset_counts(self) -> None:
        self.last_counts[:] = 0
        self.total_counts[:] = 0
        self.last_duplicates = self.total_duplicates = 0

    def schedule(self, axons, delays) -> None:
        """Queue one spike per entry on global ``axons``, integrated at tick ``self.tick + delays - 1``.

        Parameters
        ----------
        axons : array_like of int, shape (m,)
            Global axon ids (each entry is one spike: repeats add up, or OR on a model with ``binary_axons``).
        delays : int or array_like of int, shape (m,)
            1..cfg.core.delay_slots; delay d means "during the d-th step() from now" (see module docstring).

        Raises
        ------
        SimulationError
            An axon id or a delay out of range (names the entry, the value and the range).
        """
        axons = np.ascontiguousarray(np.asarray(axons).reshape(-1))
        if axons.size == 0:
            return
        delays = np.asarray(delays)
        for name, v in (("axon", axons), ("delay", delays)):
            if v.dtype.kind not in "iu":
                raise SimulationError(f"{name} ids must be integers, got dtype {v.dtype}")
        if delays.shape != axons.shape:
            delays = np.broadcast_to(delays, axons.shape)
        ax32 = axons if axons.dtype == np.int32 else _as_int32(axons, "axon", self.n_axons - 1)
        d32 = np.ascontiguousarray(delays if delays.dtype == np.int32 else _as_int32(delays, "delay", self.delay_slots))
        while True:
            code = _kernels.enqueue_checked(self._pend, self._pend_len, ax32, d32, self.tick, self.n_axons,
                                            self._need)
            if code == -1:
                return
            if code >= 0:
                self._grow_pending(int(code))
                continue
            i = -2 - int(code)
            name, values, hi = ("axon", ax32, self.n_axons - 1) if i < ax32.size else ("delay", d32, self.delay_slots)
            _check_entries(name, values, 1 if name == "delay" else 0, hi)

    def schedule_rows(self, ptr, axons, delays, rows, counts=None) -> None:
        """:meth:`schedule` of the entries of CSR rows, expanded in the kernel: a spike's fan-out in one call.

        Same as ``schedule(axons[idx], delays[idx])`` where ``idx`` lists, for each ``rows[i]`` in order and
        ``counts[i]`` times (default once), the entries ``ptr[rows[i]] .. ptr[rows[i] + 1] - 1``; for a wiring
        table (source -> axons, delays) this replaces the NumPy expansion of the index arrays.

        Parameters
        ----------
        ptr : int64 array, shape (n_rows + 1,)
            Row pointers into ``axons`` and ``delays``.
        axons, delays : int32 arrays
            Global axon and delay of each entry (other integer dtypes are converted on every call).
        rows : array_like of int
            Rows to schedule (sources that spiked).
        counts : array_like of int, optional
            Spikes per row (each repeats the row's entries).

        Raises
        ------
        SimulationError
            A row, axon, delay or count out of range (named as :meth:`schedule` names them).
        """
        rows = np.ascontiguousarray(np.asarray(rows).reshape(-1), dtype=np.int64)
        if rows.size == 0:
            return
        reps = _EMPTY_I64 if counts is None else np.ascontiguousarray(np.asarray(counts).reshape(-1),
                                                                        dtype=np.int64)
        ptr = np.ascontiguousarray(ptr, dtype=np.int64)
        axons, delays = np.asarray(axons), np.asarray(delays)
        for name, v in (("axon", axons), ("delay", delays)):
            if v.dtype.kind not in "iu":
                raise SimulationError(f"{name} ids must be integers, got dtype {v.dtype}")
        ax = np.ascontiguousarray(axons if axons.dtype == np.int32 else _as_int32(axons, "axon", self.n_axons - 1))
        dl = np.ascontiguousarray(delays if delays.dtype == np.int32 else _as_int32(delays, "delay", self.delay_slots))
        if reps.size not in (0, rows.size) or dl.shape != ax.shape:
            raise SimulationError(f"counts has {reps.size} entries for {rows.size} rows; axons {ax.shape}, "
                                  f"delays {dl.shape} (counts must match rows, delays axons)")
        while True:
            code = _kernels.enqueue_rows(self._pend, self._pend_len, ptr, ax, dl, rows, reps, self.tick,
                                         self.n_axons, self._need)
            if code == -1:
                return
            if code >= 0:
                self._grow_pending(int(code))
                continue
            # Something is out of range: expand in NumPy and let schedule() name it (or raise here for rows).
            n_rows = ptr.size - 1
            _check_entries("row", rows, 0, n_rows - 1)
            if reps.size:
                _check_entries("count", reps, 0, np.iinfo(np.int64).max)
            lo, hi = ptr[rows], ptr[rows + 1]
            if (lo < 0).any() or (lo > hi).any() or (hi > ax.size).any():
                raise SimulationError(f"ptr of the rows given is not a valid row pointer into {ax.size} entries")
            idx = _expand(ptr, rows, reps)
            self.schedule(np.asarray(axons)[idx], np.asarray(delays)[idx])
            return

    def _grow_pending(self, need: int) -> None:
        cap = self._pend.shape[1]
        grown = np.empty((self.delay_slots, max(2 * cap, need)), dtype=np.int32)  # only [:len] is ever read
        grown[:, :cap] = self._pend
        self._pend = grown

    def step(self) -> np.ndarray:
        """Run tick ``self.tick`` on every core; return the sorted global ids (int32) of the neurons that spiked."""
        counts = self.last_counts
        counts[:] = 0
        self.last_duplicates = self._xbar.deliver(self, self.tick % self.delay_slots)
        self.total_duplicates += self.last_duplicates
        n = self.unit.update(self)
        self.total_counts += counts
        self.tick += 1
        return self._spikes[:n].copy()

    # ----- state and footprint ----------------------------------------------------------------------
    def memory_bits(self) -> dict[str, np.ndarray]:
        """Programmed footprint per core in bits (int64[n_cores] per kind), from the config's widths.

        The model's rule (:meth:`cores.models.NeuronModel.memory_bits`). weights: loihi_lif, synapses x
        weight_bits; truenorth, axons x neurons crossbar bits plus neurons x axon_types x weight_bits. state:
        neurons x the widths of the present registers (membrane [+ current] [+ refractory counter]). spikes:
        axons x delay_slots (one bit per axon per pending tick).
        """
        return self.unit.memory_bits(self.cfg, np.diff(self.neuron_offset), np.diff(self.axon_offset),
                                     self._syn_per_core)

    def nbytes(self) -> dict[str, int]:
        """Bytes of every array these cores hold, by kind; ``total`` is the *programmed bytes*.

        synapses: the crossbar (TrueNorth bits and axon types; Loihi CSR pointers or axon records, and packed
        synapse records) and the axon -> core map (empty with the axon records). neuron_params: the per-neuron records, TrueNorth's typed weights and stochastic
        flags, the initial states kept for reset. state: u, v, refractory counters and the input accumulator.
        delay_buffers: pending spike lists per delay slot and the per-axon merge buffers (empty with the
        Loihi axon records). other: offsets,
        counters and the spike output buffer. Nothing else of size is held (checked by the tests).
        """
        groups = {
            "synapses": [*self._xbar_arrays("words", "axon_type", "axon_ptr", "rec", "syn", "syn_offset"),
                         self._axon_core],
            "neuron_params": [self._prm, *self._xbar_arrays("weight_t", "stoch_t"), *self._init.values()],
            "state": [*(getattr(self, r.name) for r in self._registers), self._acc],
            "delay_buffers": [self._pend, self._pend_len, self._need, self._cnt, self._uniq],
            "other": [self._spikes, self.last_counts, self.total_counts, self.neuron_offset, self.axon_offset,
                      self._syn_per_core, self._core_state],
        }
        out = {kind: int(sum(a.nbytes for a in arrays)) for kind, arrays in groups.items()}
        out["total"] = sum(out.values())
        return out

    def shared_bytes(self) -> int:
        """Bytes of :meth:`nbytes` that are views of the programs' own arrays (a TrueNorth crossbar given as
        one contiguous block, see :func:`cores.crossbar.shared_words`), so not held twice."""
        return int(self._xbar.words.nbytes) if getattr(self._xbar, "shared", False) else 0

    def _xbar_arrays(self, *names: str) -> list[np.ndarray]:
        held = self._xbar.arrays()
        return [held[n] for n in names if n in held]


_EMPTY_I64 = np.zeros(0, dtype=np.int64)


def _expand(ptr: np.ndarray, rows: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """Entry indices of CSR ``rows`` (each ``reps[i]`` times when given), in order."""
    if reps.size:
        rows = np.repeat(rows, reps)
    starts, lens = ptr[rows], ptr[rows + 1] - ptr[rows]
    if lens.sum() == 0:
        return np.zeros(0, np.int64)
    first = np.cumsum(lens) - lens
    return np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(first - starts, lens)


def _as_int32(values: np.ndarray, name: str, hi: int) -> np.ndarray:
    """int32 copy of integer ids; values beyond int32 are out of range anyway (reported as such)."""
    if values.size and (values.max() > np.iinfo(np.int32).max or values.min() < np.iinfo(np.int32).min):
        _check_entries(name, values, 0 if name == "axon" else 1, hi)
    return values.astype(np.int32)


def _check_entries(name: str, values: np.ndarray, lo: int, hi: int) -> None:
    if values.dtype.kind not in "iu":
        raise SimulationError(f"{name} ids must be integers, got dtype {values.dtype}")
    if values.min() >= lo and values.max() <= hi:   # the common case: two reductions, no temporaries
        return
    bad = (values < lo) | (values > hi)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SimulationError(
            f"{name} entry {i} is {int(values[i])}; allowed {lo}..{hi} ({int(bad.sum())} out of range)"
        )


__all__ = ["COUNTER_NAMES", "CoreArray", "narrowest"]
