"""A chip: built from a config, programmed with a mapped network, run tick by tick.

>>> chip = Chip.from_config("tiny")
>>> chip.program(mapped)                         # checks the program against the config
>>> result = chip.run(spikes)                    # spikes: int [ticks, n_inputs] or [batch, ticks, n_inputs]
>>> result.report.to_dict()                      # energy and latency per inference, with breakdowns

``program`` flattens the mapped network into chip-wide arrays: the core state (:class:`cores.CoreArray`,
global neuron and axon indices) and CSR tables from each global neuron (and each input line) to its
destinations as global axons. ``run`` hands those to :mod:`emulator.simulator`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chip_configs.errors import ProgramError, SimulationError
from chip_configs.memory import check_memory, chip_shape, chip_terms
from chip_configs.npz import quote
from chip_configs.schema import ChipConfig, load_config
from cores import CoreArray, model_of
from cores.program_check import core_groups
from emulator.encoders import encode
from emulator.loops import ENGINE_NAMES, resolve_engine
from emulator.mapped import MappedNetwork

# Engine names of a chip: every network model of noc.engine.NETWORK_MODELS (emulator.loops picks the loop).
CHIP_ENGINES = ENGINE_NAMES


@dataclass(frozen=True)
class Wiring:
    """Chip-wide routing tables of a programmed chip, over global neuron / axon indices.

    Attributes
    ----------
    core_index : int64[C]      chip core index of each used core (position k -> chip index)
    neuron_pos : int32[N]      position of the core holding each global neuron
    neuron_local : int32[N]    local index of each global neuron within its core
    dest_ptr : int64[N+1]      CSR rows: destinations of global neuron i
    dest_pos, dest_axon : int32[E]   destination core position, global axon index
    dest_delay : int32[E]      ticks
    in_ptr, in_axon, in_delay  the same for external input lines
    out_neuron : int64[O]      global neuron of each output
    """

    core_index: np.ndarray
    neuron_pos: np.ndarray
    neuron_local: np.ndarray
    dest_ptr: np.ndarray
    dest_pos: np.ndarray
    dest_axon: np.ndarray
    dest_delay: np.ndarray
    in_ptr: np.ndarray
    in_axon: np.ndarray
    in_delay: np.ndarray
    out_neuron: np.ndarray


def _position_lut(core_index: np.ndarray) -> np.ndarray:
    """int32 table chip core index -> position k in ``core_index`` (-1: not programmed)."""
    lut = np.full(int(core_index.max(initial=-1)) + 1, -1, dtype=np.int32)
    lut[core_index] = np.arange(core_index.size, dtype=np.int32)
    return lut


def _neuron_tables(cores: CoreArray) -> tuple[np.ndarray, np.ndarray]:
    """(position of each global neuron's core, its local index), int32[N] each."""
    sizes = np.diff(cores.neuron_offset)
    pos = np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
    local = np.arange(cores.n_neurons, dtype=np.int32)
    local -= np.repeat(cores.neuron_offset[:-1].astype(np.int32), sizes)
    return pos, local


def _destinations(mapped: MappedNetwork, cores: CoreArray, lut: np.ndarray) -> tuple[np.ndarray, ...]:
    """(dest_ptr int64[N+1], dest_pos, dest_axon, dest_delay int32[E]): every core's destination table in
    global indices, written a group of cores at a time into the final arrays (group-sized temporaries only,
    :func:`cores.program_check.core_groups`)."""
    lens = np.fromiter((len(mc.dest) for mc in mapped.cores), dtype=np.int64, count=len(mapped.cores))
    entry0 = np.concatenate([[0], np.cumsum(lens)])
    ptr = np.zeros(cores.n_neurons + 1, dtype=np.int64)
    pos, axon, delay = (np.empty(int(entry0[-1]), dtype=np.int32) for _ in range(3))
    for k0, k1 in core_groups(lens + np.diff(cores.neuron_offset)):
        group = mapped.cores[k0:k1]
        e0, e1 = int(entry0[k0]), int(entry0[k1])
        n0, n1 = int(cores.neuron_offset[k0]), int(cores.neuron_offset[k1])
        # Each core's row ends (widened: narrow files), shifted by the core's first entry.
        ends = np.concatenate([mc.dest.ptr[1:].astype(np.int64) for mc in group])
        ptr[n0 + 1: n1 + 1] = ends + np.repeat(entry0[k0:k1], np.diff(cores.neuron_offset[k0:k1 + 1]))
        pos[e0:e1] = lut[np.concatenate([mc.dest.core for mc in group]).astype(np.int64)]
        axon[e0:e1] = cores.axon_offset[pos[e0:e1]] + np.concatenate([mc.dest.axon for mc in group])
        delay[e0:e1] = np.concatenate([mc.dest.delay for mc in group])
    return ptr, pos, axon, delay


def build_wiring(mapped: MappedNetwork, cores: CoreArray) -> Wiring:
    """Translate per-core (chip core, local axon) destinations into global indices (vectorised per core)."""
    core_index = mapped.core_indices
    lut = _position_lut(core_index)
    neuron_pos, neuron_local = _neuron_tables(cores)
    dest_ptr, dest_pos, dest_axon, dest_delay = _destinations(mapped, cores, lut)
    in_axon = cores.axon_offset[lut[mapped.in_core]] + mapped.in_axon.astype(np.int64)
    out_neuron = cores.neuron_offset[lut[mapped.out_core]] + mapped.out_neuron.astype(np.int64)
    return Wiring(
        core_index=core_index,
        neuron_pos=neuron_pos,
        neuron_local=neuron_local,
        dest_ptr=dest_ptr,
        dest_pos=dest_pos,
        dest_axon=dest_axon,
        dest_delay=dest_delay,
        in_ptr=mapped.in_ptr.astype(np.int64),
        in_axon=in_axon.astype(np.int32),
        in_delay=mapped.in_delay.astype(np.int32),
        out_neuron=out_neuron,
    )


class Chip:
    """A chip built from a :class:`ChipConfig`; program it, then run inferences.

    Parameters
    ----------
    cfg : ChipConfig
    seed : int
        Seeds every random choice of a run (TrueNorth's stochastic modes, encoders).
    noc_engine : {"fast", "simpy", "flow", "loads"}
        A network model of :data:`noc.engine.NETWORK_MODELS`; :func:`emulator.loops.resolve_engine` picks the
        loop. ``fast``: the Cython cycle-level mesh; ``simpy``: the SimPy router model (same semantics,
        slower, for validation); ``flow``: the approximate flow model (exact counts and hops, estimated
        delivery cycles; named, never a default) -- each in the stepped loop; ``loads``: the fused loop
        (:mod:`emulator.fused`: the whole tick loop in one compiled call; exact spikes, counts and energy)
        times the loads estimate (:mod:`noc.loads_estimate`: network phase from the link loads; models with
        the fused-loop capability only: Loihi LIF and TrueNorth; named, never a default).
    """

    def __init__(self, cfg: ChipConfig, seed: int = 0, noc_engine: str = "fast"):
        from noc.topology import MeshTopology

        self.cfg = cfg
        self.topology = MeshTopology.from_config(cfg)
        self.seed = int(seed)
        shape = chip_shape(cfg, model_of(cfg).capabilities.bit_crossbar)
        check_memory(f"chip {cfg.name!r} ({shape.cores:,} cores, {shape.routers:,} routers)",
                     {k: v for k, v in chip_terms(shape).items() if k in ("per-core tables", "router buffers")})
        self.loop, self.network = resolve_engine(noc_engine)
        # A packet-level model is an engine with run(); a tick-level one (loads) is the fused loop's parameters.
        built = self.network.build(cfg)
        self.noc = built if self.network.per_packet else None
        self.network_params = None if self.network.per_packet else built
        self.noc_engine = noc_engine
        self._plan = None
        self.mapped: MappedNetwork | None = None
        self.cores: CoreArray | None = None
        self.wiring: Wiring | None = None

    @classmethod
    def from_config(cls, cfg: ChipConfig | str | Path, seed: int = 0, noc_engine: str = "fast") -> Chip:
        """Build from a config object, a YAML path or a preset name."""
        if not isinstance(cfg, ChipConfig):
            cfg = load_config(cfg)
        return cls(cfg, seed=seed, noc_engine=noc_engine)

    def program(self, mapped: MappedNetwork | str | Path) -> Chip:
        """Check ``mapped`` against the config and load it into the cores; returns self.

        Three stages, also callable one by one (the benchmarks time and measure them):
        :meth:`check_program`, :meth:`load_cores`, :meth:`load_wiring`.
        """
        mapped = self.check_program(mapped)
        self.load_cores(mapped)
        self.load_wiring(mapped)
        return self

    def check_program(self, mapped: MappedNetwork | str | Path) -> MappedNetwork:
        """Stage 1: load ``mapped`` if it is a path and check it against the config (ProgramError)."""
        if isinstance(mapped, MappedNetwork):
            mapped.check(self.cfg)
            return mapped
        loaded = MappedNetwork.load(mapped)
        try:
            loaded.check(self.cfg)
        except ProgramError as exc:   # the checks name cores and neurons; the user also needs the file
            raise ProgramError(f"{mapped}: {exc}") from None
        return loaded

    def load_cores(self, mapped: MappedNetwork) -> CoreArray:
        """Stage 2: build the chip's :class:`CoreArray` from the (checked) programs."""
        seed = self.seed if model_of(self.cfg).capabilities.stochastic else 0
        self.cores = CoreArray(self.cfg, [mc.program for mc in mapped.cores], seed=seed)
        self.mapped = None     # programmed only once the wiring matches the cores
        return self.cores

    def load_wiring(self, mapped: MappedNetwork) -> Wiring:
        """Stage 3: the chip-wide routing tables over the cores of stage 2; the chip is then programmed."""
        self.wiring = build_wiring(mapped, self.cores)
        self.mapped = mapped
        self._plan = None
        return self.wiring

    def fused_plan(self):
        """The pre-folded tables of the fused loop (:class:`emulator.fused.FusedPlan`), built once per
        program (also usable on a chip of any engine, e.g. to time the kernels alone)."""
        from emulator.fused import FusedPlan

        self._require_program()
        if self._plan is None:
            self._plan = FusedPlan(self)
        return self._plan

    # ----- helpers ---------------------------------------------------------------------------------
    def _require_program(self) -> None:
        if self.mapped is None:
            raise ProgramError("the chip is not programmed; call Chip.program(mapped) first")

    def global_neuron(self, core: int, neuron: int) -> int:
        """Global index of ``neuron`` on chip core ``core`` (for probes)."""
        self._require_program()
        hits = np.flatnonzero(self.wiring.core_index == core)
        if hits.size == 0:
            raise SimulationError(f"--probe {core}:{neuron}: core {core} is not programmed; programmed cores: "
                                  f"{quote(self.wiring.core_index.tolist())}")
        k = int(hits[0])
        n = int(self.cores.neuron_offset[k + 1] - self.cores.neuron_offset[k])
        if not 0 <= neuron < n:
            raise SimulationError(f"--probe {core}:{neuron}: neuron {neuron} out of range for core {core}; "
                                  f"allowed: 0..{n - 1}")
        return int(self.cores.neuron_offset[k]) + neuron

    def prepare_inputs(self, inputs: np.ndarray | None, ticks: int | None, encoder: str | None = None,
                       **encoder_options) -> np.ndarray:
        """Spike counts [batch, ticks, n_inputs] from spike trains or encoded values."""
        self._require_program()
        n_in = self.mapped.n_inputs
        if encoder is not None:
            if ticks is None:
                raise SimulationError(f"encoder {encoder!r}: give ticks (the length of each inference)")
            return encode(encoder, inputs, ticks, self.cfg.neuron.model, seed=self.seed, **encoder_options)
        if inputs is None:
            if ticks is None:
                raise SimulationError("no inputs: give ticks to run without input")
            return np.zeros((1, ticks, n_in), dtype=np.int32)
        x = np.asarray(inputs)
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or x.shape[2] != n_in or 0 in x.shape[:2]:
            raise SimulationError(
                f"inputs: expected spike counts [ticks, {n_in}] or [batch, ticks, {n_in}] with batch and ticks "
                f">= 1, got shape {x.shape}")
        if not np.issubdtype(x.dtype, np.integer) and not np.issubdtype(x.dtype, np.bool_):
            raise SimulationError(f"inputs: spike counts must be integers, got {x.dtype}; to encode values use "
                                  "encoder='rate'|'ttfs'|'direct'")
        if x.size and x.min() < 0:
            raise SimulationError(f"inputs: spike counts must be >= 0; received {int(x.min())}")
        if x.size and x.dtype.kind in "iu" and np.iinfo(x.dtype).max > _MAX_COUNT and int(x.max()) > _MAX_COUNT:
            # counts are carried as int32 from here on; a larger count would wrap silently (2**32 + 1 -> 1)
            raise SimulationError(f"inputs: a spike count of {int(x.max())} on one input line in one tick; "
                                  f"allowed: 0 .. {_MAX_COUNT}")
        if ticks is not None and ticks != x.shape[1]:
            x = _fit_ticks(x, ticks)
        return x.astype(np.int32, copy=False)

    # ----- running ---------------------------------------------------------------------------------
    def run(self, inputs: np.ndarray | None = None, ticks: int | None = None, *, encoder: str | None = None,
            probes=None, progress: bool | None = None, **encoder_options):
        """Run one inference per batch entry with the full hardware model (NoC, timing, energy).

        Returns a :class:`emulator.simulator.RunResult` with output spikes and counts, probes and a report.
        """
        spikes = self.prepare_inputs(inputs, ticks, encoder, **encoder_options)
        return self.loop.run_batch(self, spikes, probes=probes, progress=progress)

    def run_reference(self, inputs: np.ndarray | None = None, ticks: int | None = None, *,
                      encoder: str | None = None, **encoder_options):
        """Tick-level functional reference: the NumPy oracle cores, no NoC and no timing."""
        from emulator.reference_run import run_reference

        spikes = self.prepare_inputs(inputs, ticks, encoder, **encoder_options)
        return run_reference(self, spikes)


_MAX_COUNT = int(np.iinfo(np.int32).max)


def _fit_ticks(x: np.ndarray, ticks: int) -> np.ndarray:
    """Trim, or pad with silent ticks, to ``ticks`` (running past the input lets the network settle)."""
    if ticks < 1:
        raise SimulationError(f"ticks {ticks}: allowed >= 1")
    if ticks <= x.shape[1]:
        return x[:, :ticks]
    pad = np.zeros((x.shape[0], ticks - x.shape[1], x.shape[2]), dtype=x.dtype)
    return np.concatenate([x, pad], axis=1)
