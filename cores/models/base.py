"""The interface every neuron model unit implements, and the small records the units share.

A unit (:class:`NeuronModel`) is the *behaviour* of a model; its *spec* is the config block in
:mod:`chip_configs.schema` (widths, overflow policies) and its parameter record (:class:`cores.params.ParamRecord`
subclass). See :mod:`cores.models` for what a new model provides.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

import numpy as np

from chip_configs.schema import as_core_spec
from cores import fixed_point as fx
from cores import prng
from cores.params import ParamRange, ParamRecord


@dataclass(frozen=True)
class Capabilities:
    """What a model's chip can do, looked up instead of branching on the model's name.

    Attributes
    ----------
    synapse_weights : each synapse carries its own weight (``CoreProgram.syn_weight``, required).
    typed_axons : axons have a type (``CoreProgram.axon_type``, ``cfg.core.axon_types`` of them) and a
        neuron's weight is per axon type.
    bit_crossbar : the crossbar is binary, one bit per (axon, neuron) point (a program may give it packed).
    stochastic : the update draws from the counter-based PRNG (:mod:`cores.prng`), so the seed matters.
    graded_input : an axon integrates any number of events per tick (the ``direct`` encoder may drive it).
    binary_axons : an axon holds one spike per tick (one bit per axon and delay slot, as TrueNorth's scheduler
        SRAM): spikes that reach one axon for the same tick count once (OR, not sum); the cores count the
        dropped ones (``CoreArray.last_duplicates``, the report's ``duplicate_axon_spikes``).
    fused_loop : the fused tick loop (:mod:`emulator.fused`, engine ``loads``) runs this model.
    """

    synapse_weights: bool = False
    typed_axons: bool = False
    bit_crossbar: bool = False
    stochastic: bool = False
    graded_input: bool = False
    binary_axons: bool = False
    fused_loop: bool = False


@dataclass(frozen=True)
class Register:
    """One per-neuron state register of a model under one config.

    Attributes
    ----------
    name : the state name (``CoreArray.state()`` key and CoreArray attribute).
    dtype : the dtype of the array the compiled kernels update.
    bits : hardware width [bits] (the memory rule: state bits = neurons x sum of the present widths).
    present : whether the register exists under this config; an absent one is an empty array for the kernels
        and is not part of ``state()``.
    initial : the parameter holding its initial value (None: 0).
    overflow : ``"wrap"`` or ``"saturate"`` for a value register, None for a counter.
    convention : how the hardware wraps it (``overflow == "wrap"``): ``"lava"``, into (-H, H] (Loihi's current
        as Lava holds it), or ``"twos_complement"``, into [-H, H) (TrueNorth's membrane, as its RTL holds it);
        ``H = 2**(bits - 1)``, see :mod:`cores.fixed_point`. The oracle applies it with :meth:`apply`, the
        compiled paths take it as a kernel option, and the initial-value parameter's range is :meth:`range`.
    """

    name: str
    dtype: type
    bits: int
    present: bool = True
    initial: str | None = None
    overflow: str | None = None
    convention: str = fx.LAVA

    def range(self) -> tuple[int, int]:
        """Inclusive (lo, hi) the register holds under its overflow policy and wrap convention."""
        return fx.register_range(self.bits, self.overflow, self.convention)

    def apply(self, x):
        """``x`` (int64) as the register holds it: wrapped (its convention) or saturated (its policy)."""
        return fx.overflow(x, self.bits, self.overflow, self.convention)

    @property
    def twos_complement(self) -> bool:
        """Whether it wraps as two's complement (the compiled paths' wrap-offset option)."""
        return self.overflow == "wrap" and self.convention == fx.TWOS_COMPLEMENT


@dataclass(frozen=True)
class Synapses:
    """Every synapse of a chip as flat COO arrays ([S]): the oracle's own layout, not the kernels'.

    ``axon`` / ``neuron`` are global ids, ``local_axon`` the axon's index inside its core (the PRNG slot of
    a stochastic synapse), ``axon_type`` its axon's type (models with ``typed_axons``, else 0), ``weight`` its
    weight and ``stochastic`` whether it adds ``sign(weight)`` with probability ``|weight| / 256`` per spike
    instead (bool). As read from the programs, ``weight`` is the synapse's own (models with
    ``synapse_weights``, else 0) and no synapse is stochastic; a model whose weights live in its parameters
    fills both from them once (:meth:`NeuronModel.bind_synapses`).
    """

    axon: np.ndarray
    neuron: np.ndarray
    local_axon: np.ndarray
    axon_type: np.ndarray
    weight: np.ndarray
    stochastic: np.ndarray | None = field(default=None)   # None: no stochastic synapse

    def __post_init__(self):
        if self.stochastic is None:
            object.__setattr__(self, "stochastic", np.zeros(self.axon.shape, dtype=bool))

    @classmethod
    def of_programs(cls, programs, axon_offset: np.ndarray, neuron_offset: np.ndarray,
                    caps: Capabilities) -> Synapses:
        """The synapses of ``programs`` (core k = position k), a bit crossbar unpacked once."""
        parts = [_core_synapses(p, int(axon_offset[k]), int(neuron_offset[k]), caps)
                 for k, p in enumerate(programs)]
        cols = list(zip(*parts, strict=True)) if parts else [()] * 5
        return cls(*(np.concatenate(c) if c else np.zeros(0, np.int64) for c in cols))


def _core_synapses(prog, a0: int, n0: int, caps: Capabilities) -> tuple[np.ndarray, ...]:
    a, n = (x.astype(np.int64) for x in prog.synapses())
    typ = prog.axon_type.astype(np.int64)[a] if caps.typed_axons else np.zeros(a.size, np.int64)
    weight = prog.syn_weight.astype(np.int64) if caps.synapse_weights else np.zeros(a.size, np.int64)
    return a + a0, n + n0, a, typ, weight


@dataclass(frozen=True)
class Draws:
    """The PRNG draws of one tick for neurons named by (core, local index): :func:`cores.prng.draw`.

    ``core`` and ``local`` are int64 per neuron (the oracle's chip-wide order); the per-neuron hash of the
    tick is computed once, on the first draw, and shared by every slot.
    """

    key: int
    tick: int
    core: np.ndarray
    local: np.ndarray

    @classmethod
    def one_core(cls, key: int, tick: int, n: int) -> Draws:
        """Draws of neurons 0..n-1 of core 0 (the direct-input harness's convention)."""
        return cls(key, tick, np.zeros(n, np.int64), np.arange(n, dtype=np.int64))

    @cached_property
    def _hash(self) -> np.ndarray:
        return prng.neuron_hash(self.key, self.core, self.tick, self.local)

    def neurons(self, slot: int) -> np.ndarray:
        """uint64 draw of every neuron for ``slot``."""
        return prng.mix64(self._hash ^ np.uint64(slot))

    def at(self, neurons: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """uint64 draw of each ``neurons[i]`` (index into the neuron order) for ``slots[i]``."""
        return prng.mix64(self._hash[neurons] ^ np.asarray(slots, dtype=np.int64).astype(np.uint64))


def flag_bits(table: dict[str, int], conds: dict[str, np.ndarray], n: int) -> np.ndarray:
    """uint8[n]: the OR of the kernel flag bits ``table[name]`` whose condition ``conds[name]`` is non-zero."""
    out = np.zeros(n, dtype=np.uint8)
    for name, bit in table.items():
        out |= np.where(conds[name] != 0, bit, 0).astype(np.uint8)
    return out


class NeuronModel(ABC):
    """One neuron model: everything model-specific, looked up by its YAML name (``cfg.neuron.model``).

    Every method taking ``cfg`` reads only the core view (:class:`chip_configs.schema.CoreSpec`: ``name``,
    ``core``, ``neuron``, ``num_cores``); the public ones also accept a ChipConfig and reduce it first.

    Class attributes
    ----------------
    name : the YAML name (the config block's ``model`` tag).
    config_block : the pydantic block of :mod:`chip_configs.schema` that configures it.
    preset : a bundled preset of this model (the default chip of :func:`cores.simulate_neurons`).
    Params : the frozen parameter record (:class:`cores.params.ParamRecord` subclass with its ranges).
    record_dtype : the NumPy twin of the kernels' per-neuron record (same field order and widths).
    kernel_record : the name of that record in ``cores._kernels.record_sizes()``.
    rest_flag : the record flag bit "at rest with no input, the update is a no-op" (the kernels' skips).
    capabilities : :class:`Capabilities`.
    """

    name: ClassVar[str]
    config_block: ClassVar[type]
    preset: ClassVar[str]
    Params: ClassVar[type[ParamRecord]]
    record_dtype: ClassVar[np.dtype]
    kernel_record: ClassVar[str]
    rest_flag: ClassVar[int]
    capabilities: ClassVar[Capabilities]

    # ----- parameters -----------------------------------------------------------------------------------
    def ranges(self, cfg) -> dict[str, ParamRange]:
        """Allowed range of every parameter under ``cfg``."""
        return self.Params.ranges(as_core_spec(cfg))

    def validate_params(self, cfg, params: dict, n_neurons: int, core_index: int = 0) -> ParamRecord:
        """The validated, frozen parameter record of ``params`` (name -> scalar or array; missing: 0)."""
        return self.Params.validate(as_core_spec(cfg), params, n_neurons, core_index)

    def default_seed(self, cfg) -> int:
        """PRNG seed when none is given (models without draws: 0)."""
        return 0

    # ----- state and memory -----------------------------------------------------------------------------
    @abstractmethod
    def registers(self, cfg) -> tuple[Register, ...]:
        """Every state register the kernels take, in their order (absent ones flagged ``present=False``)."""

    def state_names(self, cfg) -> tuple[str, ...]:
        return tuple(r.name for r in self.registers(as_core_spec(cfg)) if r.present)

    @abstractmethod
    def synapse_memory_bits(self, cfg, n_axons, n_neurons, n_synapses):
        """Bits of synapse memory a core uses (per core; arrays broadcast)."""

    @abstractmethod
    def synapse_capacity(self, cfg) -> int:
        """Synapses that fit one core's ``core.synapse_memory_bits``."""

    def neuron_weight_bits(self, cfg, n_neurons):
        """Bits of per-neuron weight tables besides the synapse memory (none unless the model has them)."""
        return 0 * np.asarray(n_neurons)

    def memory_bits(self, cfg, n_neurons, n_axons, n_synapses) -> dict[str, np.ndarray]:
        """Programmed footprint per core in bits (int64 per kind; arguments are per-core arrays).

        weights = synapse memory + per-neuron weight tables; state = neurons x the widths of the present
        registers; spikes = axons x delay_slots (one bit per axon per pending tick).
        """
        cfg = as_core_spec(cfg)
        n, a = np.asarray(n_neurons), np.asarray(n_axons)
        out = {"weights": self.synapse_memory_bits(cfg, a, n, n_synapses) + self.neuron_weight_bits(cfg, n),
               "state": n * sum(r.bits for r in self.registers(cfg) if r.present),
               "spikes": a * cfg.core.delay_slots}
        out = {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}
        out["total"] = out["weights"] + out["state"] + out["spikes"]
        return out

    # ----- compiled kernels -----------------------------------------------------------------------------
    @abstractmethod
    def input_scale_bits(self, cfg) -> int:
        """Left shift the kernels may apply to a summed input (for the int64 headroom check)."""

    def trace_lines(self, prm: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        """Levels worth drawing on a state trace, per register: ``{register: {name: value per neuron}}`` from
        kernel records ``prm`` (e.g. the firing threshold and the reset value of the membrane). None by
        default; plots only read them."""
        return {}

    @abstractmethod
    def record_columns(self, cfg, p: ParamRecord) -> dict[str, np.ndarray]:
        """Fields of the kernel record (``record_dtype``) from a validated parameter record."""

    @abstractmethod
    def kernel_options(self, cfg) -> dict:
        """Scalar options of the compiled update functions."""

    @abstractmethod
    def make_crossbar(self, cfg, axon_offset, neuron_offset, n_synapses, programs):
        """The crossbar storage (:mod:`cores.crossbar`) of a chip of this model."""

    @abstractmethod
    def update(self, ca) -> int:
        """Compiled update of every neuron of :class:`cores.CoreArray` ``ca`` (after delivery); spikes written."""

    @abstractmethod
    def direct(self, cfg, prm: np.ndarray, regs: dict[str, np.ndarray], inputs: np.ndarray, key: int) -> dict:
        """Compiled direct-input run (:func:`cores.simulate_neurons`): traces (ticks, n) by name, ``spikes``."""

    # ----- the NumPy oracle (free functions of the unit's module) ---------------------------------------
    def bind_synapses(self, cfg, p: ParamRecord, syn: Synapses) -> Synapses:
        """``syn`` with every per-synapse value that depends only on the parameters resolved, once (models
        whose weights are per neuron and axon type fill ``weight`` and ``stochastic``); default: as read."""
        return syn

    @staticmethod
    @abstractmethod
    def integrate(cfg, p: ParamRecord, syn: Synapses, count: np.ndarray, draws: Draws) -> np.ndarray:
        """Net synaptic input per neuron (int64) of ``count[a]`` spikes on every axon ``a`` (a model with
        ``binary_axons`` takes any ``count[a] > 0`` as one spike).

        ``syn`` is bound to ``p`` (:meth:`bind_synapses`).
        """

    @staticmethod
    @abstractmethod
    def step(cfg, p: ParamRecord, state: dict, inp: np.ndarray, draws: Draws):
        """One tick of every neuron: ``(spike, active, new state)`` (bool, bool, dict of int64 arrays)."""


__all__ = ["Capabilities", "Draws", "NeuronModel", "Register", "Synapses", "flag_bits"]
