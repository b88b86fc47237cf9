"""Chip configuration: the YAML schema, loading, validation and dumping.

A chip config is a frozen tree of pydantic models. Every block forbids unknown keys; values are checked
against their ranges at load; cross-field rules (weight bits within the membrane, mesh large enough for the
core count, a packet layout wide enough for the mesh) run after the fields themselves. Units are part of the
key names (``_ns``, ``_pj``, ``_mw``, ``_mhz``, ``_bits``, ``_cycles``).

The resulting :class:`ChipConfig` is the single source of truth for widths, limits, timing and energy: no
other module hard-codes a hardware number.

``noc/`` and ``cores/`` never see a whole :class:`ChipConfig`: they take a frozen view of their own blocks,
:class:`NetworkSpec` (mesh, NoC, packet layout) and :class:`CoreSpec` (core, neuron), from
:meth:`ChipConfig.network_spec` / :meth:`ChipConfig.core_spec`. Their entry points accept either and
normalise once with :func:`as_network_spec` / :func:`as_core_spec`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chip_configs.errors import ConfigError
from chip_configs.yaml_io import dump_yaml, format_validation_error, load_yaml_mapping

PROBLEM_SEP = " | "
PRESET_DIR = Path(__file__).resolve().parent


class _Block(BaseModel):
    """Base of every config block: frozen, unknown keys are errors, assignments validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)


PosInt = Annotated[int, Field(ge=1, strict=True)]
# Every real number in a config is finite and at most FLOAT_MAX in its unit (1e15 mW is a petawatt, 1e15 ns
# eleven days): reports multiply these by counts up to 2**63 and durations, and must stay finite JSON.
FLOAT_MAX = 1e15
NonNegFloat = Annotated[float, Field(ge=0.0, le=FLOAT_MAX, allow_inf_nan=False)]
PosFloat = Annotated[float, Field(gt=0.0, le=FLOAT_MAX, allow_inf_nan=False)]


MESH_SIDE_MAX = 1024   # routers along one side of a mesh (a system's whole mesh included)


class MeshConfig(_Block):
    """2D mesh of routers; each router serves ``cores_per_router`` cores (Loihi groups four per tile)."""

    width: Annotated[int, Field(ge=1, le=MESH_SIDE_MAX, strict=True, description="routers along x")]
    height: Annotated[int, Field(ge=1, le=MESH_SIDE_MAX, strict=True, description="routers along y")]
    cores_per_router: Annotated[int, Field(ge=1, le=64, strict=True)] = 1
    num_cores: Annotated[int | None, Field(ge=1, strict=True, description="cores present; default all")] = None

    @property
    def routers(self) -> int:
        return self.width * self.height

    @property
    def core_slots(self) -> int:
        return self.routers * self.cores_per_router

    @property
    def cores(self) -> int:
        return self.num_cores if self.num_cores is not None else self.core_slots


class CoreConfig(_Block):
    """Geometry and limits of one neuron core."""

    axons_per_core: Annotated[int, Field(ge=1, le=1 << 20, strict=True)]
    neurons_per_core: Annotated[int, Field(ge=1, le=1 << 20, strict=True)]
    max_synapses_per_core: Annotated[int, Field(ge=1, strict=True, description="synapse entries per core")]
    synapse_memory_bits: Annotated[int, Field(ge=1, strict=True, description="synaptic memory per core")]
    max_fan_in: Annotated[int, Field(ge=1, strict=True, description="synapses into one neuron")]
    max_fan_out: Annotated[int, Field(ge=1, strict=True, description="destinations (core, axon) per neuron")]
    max_output_axons_per_core: Annotated[
        int | None, Field(ge=1, strict=True, description="fan-out edges per core (Loihi: 4096)")
    ] = None
    weight_bits: Annotated[int, Field(ge=1, le=16, strict=True)]
    weight_signed: bool = True
    weight_exp_min: Annotated[int, Field(ge=-16, le=0, strict=True)] = 0
    weight_exp_max: Annotated[int, Field(ge=0, le=16, strict=True)] = 0
    delay_slots: Annotated[int, Field(ge=1, le=1024, strict=True, description="max axonal delay, ticks")]
    axon_types: Annotated[int | None, Field(ge=1, le=16, strict=True)] = None

    @property
    def weight_min(self) -> int:
        return -(1 << (self.weight_bits - 1)) if self.weight_signed else 0

    @property
    def weight_max(self) -> int:
        return (1 << (self.weight_bits - 1)) - 1 if self.weight_signed else (1 << self.weight_bits) - 1


Overflow = Literal["wrap", "saturate"]


class LoihiLifNeuron(_Block):
    """Current-based LIF as in Lava's bit-accurate Loihi model (``PyLifModelBitAcc``).

    u[t] = wrap(decay(u[t-1], 4096 - (du + 1)) + a_in[t] * 2**6)
    v[t] = sat(decay(v[t-1], 4096 - dv) + u[t] + bias_mant * 2**bias_exp)
    spike where v[t] > vth * 2**6, then v = 0 (u keeps its value).
    """

    model: Literal["loihi_lif"]
    membrane_bits: Annotated[int, Field(ge=2, le=62, strict=True)] = 24
    current_bits: Annotated[int, Field(ge=2, le=62, strict=True)] = 24
    membrane_overflow: Overflow = "saturate"
    current_overflow: Overflow = "wrap"
    decay_bits: Annotated[int, Field(ge=1, le=16, strict=True)] = 12
    threshold_mant_bits: Annotated[int, Field(ge=1, le=30, strict=True)] = 17
    threshold_shift: Annotated[int, Field(ge=0, le=16, strict=True)] = 6
    input_shift: Annotated[int, Field(ge=0, le=16, strict=True)] = 6
    bias_mant_bits: Annotated[int, Field(ge=1, le=30, strict=True)] = 13
    bias_exp_bits: Annotated[int, Field(ge=0, le=5, strict=True)] = 3
    refractory: Literal["none", "silicon"] = "none"
    refractory_ticks_max: Annotated[int, Field(ge=0, le=1024, strict=True)] = 0

    def problems(self, core: CoreConfig) -> list[str]:
        """Cross-field problems with the core block: Loihi has no axon types."""
        if core.axon_types is None:
            return []
        return [f"core.axon_types: {core.axon_types} given but neuron.model is 'loihi_lif', which has no axon "
                "types; allowed: omit the key (or use neuron.model 'truenorth')"]

    def core_memory_bits(self, core: CoreConfig) -> tuple[int, int]:
        """(weights, state) bits of a full core: the synapse memory; neurons x (membrane + current)."""
        return core.synapse_memory_bits, core.neurons_per_core * (self.membrane_bits + self.current_bits)


class TrueNorthNeuron(_Block):
    """TrueNorth neuron (Cassidy et al. 2013): typed axons, signed leak, masked random threshold, 6 resets."""

    model: Literal["truenorth"]
    membrane_bits: Annotated[int, Field(ge=2, le=62, strict=True)] = 20
    membrane_overflow: Overflow = "saturate"
    leak_bits: Annotated[int, Field(ge=1, le=16, strict=True)] = 9
    threshold_bits: Annotated[int, Field(ge=1, le=30, strict=True)] = 18
    threshold_mask_bits: Annotated[int, Field(ge=0, le=30, strict=True)] = 17
    prng_seed: Annotated[int, Field(ge=0, strict=True)] = 0

    def problems(self, core: CoreConfig) -> list[str]:
        """Cross-field problems with the core block: TrueNorth needs axon types."""
        if core.axon_types is None:
            return ["core.axon_types: missing; the truenorth model needs axon types (TrueNorth: 4)"]
        return []

    def core_memory_bits(self, core: CoreConfig) -> tuple[int, int]:
        """(weights, state) bits of a full core: axons x neurons crossbar bits + neurons x axon types x
        weight_bits; neurons x membrane."""
        weights = core.axons_per_core * core.neurons_per_core + core.neurons_per_core * (core.axon_types or 1) * \
            core.weight_bits
        return weights, core.neurons_per_core * self.membrane_bits


NeuronConfig = Annotated[LoihiLifNeuron | TrueNorthNeuron, Field(discriminator="model")]
# The neuron blocks by their YAML tag; each model's behaviour is its unit in cores/models/ (same name).
NEURON_BLOCKS = {get_args(b.model_fields["model"].annotation)[0]: b for b in get_args(get_args(NeuronConfig)[0])}


class PacketLayout(_Block):
    """Bit fields of an AER spike packet; omitted fields are derived from the mesh and core geometry."""

    dx_bits: Annotated[int | None, Field(ge=1, le=32, strict=True)] = None
    dy_bits: Annotated[int | None, Field(ge=1, le=32, strict=True)] = None
    core_bits: Annotated[int | None, Field(ge=0, le=16, strict=True)] = None
    axon_bits: Annotated[int | None, Field(ge=1, le=32, strict=True)] = None
    delay_bits: Annotated[int | None, Field(ge=0, le=16, strict=True)] = None


class NocConfig(_Block):
    """Mesh network-on-chip: input-queued routers, dimension-order routing, credit backpressure."""

    clock_mhz: PosFloat
    router_pipeline_cycles: Annotated[int, Field(ge=1, le=64, strict=True)] = 1
    link_latency_cycles: Annotated[int, Field(ge=1, le=64, strict=True)] = 1
    injection_cycles: Annotated[int, Field(ge=0, le=64, strict=True)] = 0
    ejection_cycles: Annotated[int, Field(ge=0, le=64, strict=True)] = 0
    buffer_depth_flits: Annotated[int, Field(ge=1, le=4096, strict=True)] = 4
    virtual_channels: Annotated[int, Field(ge=1, le=16, strict=True)] = 1
    vc_setup_cycles: Annotated[int, Field(ge=0, le=64, strict=True)] = 0
    credit_return: Literal["packet", "flit"] = "packet"
    vc_realloc_cycles: Annotated[int, Field(ge=0, le=64, strict=True)] = 0
    credit_delay_cycles: Annotated[int, Field(ge=1, le=64, strict=True)] | None = None
    injection_credit_cycles: Annotated[int, Field(ge=1, le=64, strict=True)] | None = None
    flit_width_bits: Annotated[int, Field(ge=1, le=1024, strict=True)] = 32
    packet_bits: Annotated[int, Field(ge=1, le=1024, strict=True)] = 32
    routing: Literal["xy", "yx"] = "xy"
    arbitration: Literal["round_robin"] = "round_robin"
    # switch allocator (noc/README.md "Router model"): "input_first" (each input picks one VC, outputs grant);
    # "islip" (BookSim2's default: each input requests every output its ready heads want, outputs grant,
    # inputs accept, one iteration)
    switch_allocator: Literal["input_first", "islip"] = "input_first"
    # when a packet gets its downstream VC (noc/README.md "Router model"): "at_switch" (the VC with the most free
    # slots, chosen at the switch grant); "at_vc_allocation" (BookSim2: a VC allocator binds a free output VC to
    # the ready head, which keeps it while it waits and bids for the switch only while that VC has room)
    vc_binding: Literal["at_switch", "at_vc_allocation"] = "at_switch"
    packet_layout: PacketLayout = PacketLayout()

    @property
    def flits_per_packet(self) -> int:
        return -(-self.packet_bits // self.flit_width_bits)

    @property
    def cycle_ns(self) -> float:
        return 1e3 / self.clock_mhz


class SyncConfig(_Block):
    """Tick synchronisation: ``barrier`` (Loihi) or ``fixed`` period (TrueNorth)."""

    mode: Literal["barrier", "fixed"]
    barrier_latency_ns: NonNegFloat | None = None
    tick_period_ns: PosFloat | None = None
    reset_between_inferences: bool = True

    @model_validator(mode="after")
    def _mode_fields(self) -> SyncConfig:
        if self.mode == "barrier" and self.barrier_latency_ns is None:
            raise ValueError("sync.barrier_latency_ns: missing; mode 'barrier' needs it (ns, >= 0)")
        if self.mode == "fixed" and self.tick_period_ns is None:
            raise ValueError("sync.tick_period_ns: missing; mode 'fixed' needs it (ns, > 0)")
        return self


class EnergyConfig(_Block):
    """Energy per counted event (pJ) and static power (mW); priced after the run (count, then price)."""

    syn_op_pj: NonNegFloat
    neuron_update_active_pj: NonNegFloat
    neuron_update_inactive_pj: NonNegFloat
    spike_pj: NonNegFloat
    packet_injected_pj: NonNegFloat = 0.0
    hop_ew_pj: NonNegFloat
    hop_ns_pj: NonNegFloat
    delivery_pj: NonNegFloat = 0.0
    static_power_mw: NonNegFloat = 0.0


class TimingConfig(_Block):
    """Time per operation inside a core (ns); a core's busy time is counts x these."""

    syn_op_ns: NonNegFloat
    neuron_update_active_ns: NonNegFloat
    neuron_update_inactive_ns: NonNegFloat
    spike_ns: NonNegFloat = 0.0


EdgeSet = Literal["all", "east_west", "north_south"]
# How a packet names its destination across chips: ``chip_id`` (Loihi's hierarchical addressing [Davies 2018]:
# a destination chip id field plus chip-local dx/dy) or ``offsets`` (TrueNorth: the signed dx/dy of the whole
# system's mesh, crossing chip edges, so they must span it).
Addressing = Literal["chip_id", "offsets"]


class OffChipLinkConfig(_Block):
    """The links between neighbouring chips of a system: where the mesh crosses a chip edge, the router-to-router
    link is an off-chip link instead of an on-chip one.

    Each quantity may be given in either of two units (exactly one of each pair, or neither where a default is
    stated); :meth:`latency` / :meth:`serialisation` / :meth:`energy_per_flit_pj` resolve them against the
    chip's NoC clock and flit width:

    - latency: ``latency_cycles`` (NoC cycles) or ``latency_ns``; replaces ``noc.link_latency_cycles`` on a
      crossing;
    - bandwidth: ``serialisation_cycles_per_flit`` (cycles the link is busy per flit, >= 1) or
      ``flits_per_cycle`` (<= 1; cycles per flit = ceil(1 / flits_per_cycle)); default 1 (an on-chip link's);
    - energy: ``energy_pj_per_flit`` or ``energy_pj_per_bit`` (x ``noc.flit_width_bits``), paid per flit per
      crossing instead of the on-chip hop energy;
    - ``buffer_depth_flits``: the input buffer behind an off-chip link (default: ``noc.buffer_depth_flits``);
    - ``edges``: which chip edges are connected (``all``; ``east_west`` only for a single row of chips;
      ``north_south`` only for a single column).
    """

    latency_cycles: Annotated[int, Field(ge=1, le=1 << 20, strict=True)] | None = None
    latency_ns: PosFloat | None = None
    serialisation_cycles_per_flit: Annotated[int, Field(ge=1, le=1 << 16, strict=True)] | None = None
    flits_per_cycle: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] | None = None
    energy_pj_per_flit: NonNegFloat | None = None
    energy_pj_per_bit: NonNegFloat | None = None
    buffer_depth_flits: Annotated[int, Field(ge=1, le=4096, strict=True)] | None = None
    edges: EdgeSet = "all"

    @model_validator(mode="after")
    def _one_unit_each(self) -> OffChipLinkConfig:
        pairs = (("latency_cycles", "latency_ns", True), ("serialisation_cycles_per_flit", "flits_per_cycle", False),
                 ("energy_pj_per_flit", "energy_pj_per_bit", True))
        for a, b, required in pairs:
            got_a, got_b = getattr(self, a) is not None, getattr(self, b) is not None
            if got_a and got_b:
                raise ValueError(f"system.off_chip: {a} = {getattr(self, a)!r} and {b} = {getattr(self, b)!r}; "
                                 f"allowed: one of them (the same quantity in two units)")
            if required and not (got_a or got_b):
                raise ValueError(f"system.off_chip: missing {a} (or {b}); allowed: one of them")
        return self

    def latency(self, noc: NocConfig) -> int:
        """Cycles a flit spends on the link (``latency_ns`` rounded up to whole NoC cycles)."""
        if self.latency_cycles is not None:
            return self.latency_cycles
        return max(1, math.ceil(self.latency_ns * noc.clock_mhz / 1e3 - 1e-9))

    def serialisation(self) -> int:
        """Cycles the link is busy per flit (1: one flit per cycle, an on-chip link's rate)."""
        if self.serialisation_cycles_per_flit is not None:
            return self.serialisation_cycles_per_flit
        return 1 if self.flits_per_cycle is None else math.ceil(1.0 / self.flits_per_cycle - 1e-9)

    def energy_per_flit_pj(self, noc: NocConfig) -> float:
        """Energy of one flit crossing the link [pJ]."""
        if self.energy_pj_per_flit is not None:
            return float(self.energy_pj_per_flit)
        return float(self.energy_pj_per_bit) * noc.flit_width_bits

    def buffer_depth(self, noc: NocConfig) -> int:
        """Input buffer behind the link [flits]."""
        return self.buffer_depth_flits if self.buffer_depth_flits is not None else noc.buffer_depth_flits


class SystemConfig(_Block):
    """A system of identical chips tiled ``chips_x`` x ``chips_y`` into one mesh (resolved form).

    A *system document* (a YAML with ``system:`` and no ``mesh:``) names the chip (``system.chip``: a preset,
    a path, or a nested chip block) and is expanded at load (:func:`expand_system`) into a :class:`ChipConfig`
    whose blocks describe the whole system: ``mesh`` is the global mesh (``chips_x * chip width`` routers
    along x; core and router numbering as one mesh, router ``r`` at ``x = r % width``), ``energy.static_power_mw``
    the sum over chips, ``sync.barrier_latency_ns`` the system barrier; this block records how (the chip's
    own figures included), so reports can split on-chip from off-chip. Chip ``(i, j)`` covers routers
    ``x in [i * chip_width, (i + 1) * chip_width)``, ``y in [j * chip_height, ...)``; its id is
    ``j * chips_x + i``.

    System barrier [ns] (a barrier token crosses the system and back):
    ``chip_barrier_latency_ns + 2 * barrier_hop_ns * ((chips_x - 1) + (chips_y - 1))``.
    """

    chip: Annotated[str, Field(min_length=1, max_length=120)]
    chips_x: Annotated[int, Field(ge=1, le=1024, strict=True)]
    chips_y: Annotated[int, Field(ge=1, le=1024, strict=True)] = 1
    chip_width: Annotated[int, Field(ge=1, le=1024, strict=True)]
    chip_height: Annotated[int, Field(ge=1, le=1024, strict=True)]
    off_chip: OffChipLinkConfig
    barrier_hop_ns: NonNegFloat = 0.0
    addressing: Addressing = "offsets"
    chip_barrier_latency_ns: NonNegFloat | None = None
    chip_static_power_mw: NonNegFloat = 0.0

    @property
    def n_chips(self) -> int:
        return self.chips_x * self.chips_y

    def barrier_latency_ns(self) -> float | None:
        """The system barrier [ns] (None for a fixed-period chip)."""
        if self.chip_barrier_latency_ns is None:
            return None
        return self.chip_barrier_latency_ns + 2.0 * self.barrier_hop_ns * (self.chips_x - 1 + self.chips_y - 1)


class ChipConfig(_Block):
    """A whole chip: mesh, cores, neuron model, NoC, synchronisation, energy and timing tables."""

    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: str = ""
    mesh: MeshConfig
    core: CoreConfig
    neuron: NeuronConfig
    noc: NocConfig
    sync: SyncConfig
    energy: EnergyConfig
    timing: TimingConfig
    system: SystemConfig | None = None

    @model_validator(mode="after")
    def _cross_field_rules(self) -> ChipConfig:
        problems = cross_field_problems(self)
        if problems:
            raise ValueError(PROBLEM_SEP.join(problems))
        return self

    # ----- derived quantities -------------------------------------------------------------------
    @property
    def num_cores(self) -> int:
        return self.mesh.cores

    @property
    def n_chips(self) -> int:
        """Chips in the system (1 for a single chip)."""
        return 1 if self.system is None else self.system.n_chips

    @property
    def cores_per_chip(self) -> int:
        return self.num_cores if self.system is None else self.num_cores // self.system.n_chips

    @property
    def total_neurons(self) -> int:
        return self.num_cores * self.core.neurons_per_core

    @property
    def total_synapses(self) -> int:
        return self.num_cores * self.core.max_synapses_per_core

    def packet_layout(self) -> dict[str, int]:
        """Resolved packet bit fields (explicit values from YAML, others derived)."""
        return resolve_packet_layout(self)

    def memory_bits_per_core(self) -> dict[str, int]:
        """Storage of one core in bits, by kind; see :func:`core_memory_bits`."""
        return core_memory_bits(self)

    def network_spec(self) -> NetworkSpec:
        """The view of this chip that ``noc/`` takes (cached: equal configs share one view)."""
        return _network_spec(self)

    def core_spec(self) -> CoreSpec:
        """The view of this chip that ``cores/`` takes (cached: equal configs share one view)."""
        return _core_spec(self)


# ----- the views noc/ and cores/ take -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    """What ``noc/`` reads of a chip: its name, ``mesh`` and ``noc`` blocks, the resolved packet layout and
    the axons per core (the largest ``dst_axon`` a packet may carry). Frozen and hashable, so caches keyed
    on it (one :class:`noc.topology.MeshTopology` per geometry) keep working."""

    name: str
    mesh: MeshConfig
    noc: NocConfig
    layout: tuple[tuple[str, int], ...]   # resolved packet fields (name_bits, width) in layout order
    axons_per_core: int
    system: SystemConfig | None = None    # chips tiled into the mesh and their off-chip links (None: one chip)

    @property
    def num_cores(self) -> int:
        return self.mesh.cores

    def packet_layout(self) -> dict[str, int]:
        """Resolved packet bit fields, as :meth:`ChipConfig.packet_layout`."""
        return dict(self.layout)


@dataclass(frozen=True, slots=True)
class CoreSpec:
    """What ``cores/`` reads of a chip: its name, ``core`` and ``neuron`` blocks and the number of cores."""

    name: str
    core: CoreConfig
    neuron: NeuronConfig
    num_cores: int


@lru_cache(maxsize=64)
def _network_spec(cfg: ChipConfig) -> NetworkSpec:
    return NetworkSpec(cfg.name, cfg.mesh, cfg.noc, tuple(cfg.packet_layout().items()), cfg.core.axons_per_core,
                       cfg.system)


@lru_cache(maxsize=64)
def _core_spec(cfg: ChipConfig) -> CoreSpec:
    return CoreSpec(cfg.name, cfg.core, cfg.neuron, cfg.num_cores)


def as_network_spec(cfg: ChipConfig | NetworkSpec) -> NetworkSpec:
    """``cfg`` as the view ``noc/`` takes (a :class:`NetworkSpec` is returned as it is)."""
    return cfg if isinstance(cfg, NetworkSpec) else cfg.network_spec()


def as_core_spec(cfg: ChipConfig | CoreSpec) -> CoreSpec:
    """``cfg`` as the view ``cores/`` takes (a :class:`CoreSpec` is returned as it is)."""
    return cfg if isinstance(cfg, CoreSpec) else cfg.core_spec()


def _bits_for(n_values: int) -> int:
    """Bits needed to hold ``n_values`` distinct unsigned values (at least 1 for n > 1, 0 for n == 1)."""
    return max(0, math.ceil(math.log2(n_values))) if n_values > 1 else 0


def _offset_span(cfg: ChipConfig) -> tuple[int, int]:
    """Routers along x and y that a packet's dx / dy must span: the whole mesh, or one chip of a system with
    ``chip_id`` addressing (the chip id names the chip; dx / dy are chip-local)."""
    s = cfg.system
    if s is not None and s.addressing == "chip_id":
        return s.chip_width, s.chip_height
    return cfg.mesh.width, cfg.mesh.height


def _minimum_packet_fields(cfg: ChipConfig) -> dict[str, int]:
    """Narrowest field widths that address this chip or system: signed dx/dy, core at router, axon, delay;
    and for a system with ``chip_id`` addressing, the destination chip id (``chip_bits``, after ``dx``)."""
    span_x, span_y = _offset_span(cfg)
    fields = {
        "dx_bits": _bits_for(span_x) + 1,
        "dy_bits": _bits_for(span_y) + 1,
        "core_bits": _bits_for(cfg.mesh.cores_per_router),
        "axon_bits": max(1, _bits_for(cfg.core.axons_per_core)),
        "delay_bits": _bits_for(cfg.core.delay_slots + 1),
    }
    if cfg.system is not None and cfg.system.addressing == "chip_id":
        fields["chip_bits"] = _bits_for(cfg.system.n_chips)
    return fields


def resolve_packet_layout(cfg: ChipConfig) -> dict[str, int]:
    """Packet fields in bits: the YAML's explicit widths, the minimum widths for the others (``chip_bits``,
    a system's chip id, is always derived)."""
    lay = cfg.noc.packet_layout
    return {k: (getattr(lay, k, None) if getattr(lay, k, None) is not None else v)
            for k, v in _minimum_packet_fields(cfg).items()}


def _field_need(cfg: ChipConfig, key: str, got: int, need: int) -> str:
    """Why ``key`` needs ``need`` bits: the offsets a system's mesh asks for, or this chip's geometry."""
    if cfg.system is not None and key in ("dx_bits", "dy_bits") and cfg.system.addressing == "offsets":
        span = cfg.mesh.width if key == "dx_bits" else cfg.mesh.height
        lim = (1 << (got - 1)) - 1
        return (f"noc.packet_layout.{key}: {got} bits reach offsets of +-{lim} routers, but this system's "
                f"{span}-router {'width' if key == 'dx_bits' else 'height'} (system.addressing: offsets) needs "
                f"+-{span - 1}: needs >= {need}; allowed: at most {lim + 1} routers along that axis")
    return f"noc.packet_layout.{key}: {got} bits cannot address this chip; needs >= {need}"


def _packet_problems(cfg: ChipConfig) -> list[str]:
    lay = cfg.noc.packet_layout
    problems = []
    for key, need in _minimum_packet_fields(cfg).items():
        got = getattr(lay, key, None)
        if got is not None and got < need:
            problems.append(_field_need(cfg, key, got, need))
    layout = resolve_packet_layout(cfg)
    if "chip_bits" in layout and sum(layout.values()) > cfg.noc.packet_bits:
        rest = sum(layout.values()) - layout["chip_bits"]
        problems.append(
            f"system.addressing: chip_id needs a {layout['chip_bits']}-bit chip field for "
            f"{cfg.system.n_chips} chips, but noc.packet_bits {cfg.noc.packet_bits} leaves "
            f"{cfg.noc.packet_bits - rest} bits beside the other fields; allowed: <= "
            f"{1 << max(0, cfg.noc.packet_bits - rest)} chips, or noc.packet_bits >= {sum(layout.values())} "
            "in the chip (an extra flit)"
        )
        return problems
    total = sum(layout.values())
    if total > cfg.noc.packet_bits:
        problems.append(
            f"noc.packet_bits: {cfg.noc.packet_bits} is too narrow for the packet fields "
            f"({layout} = {total} bits); allowed: >= {total}"
        )
    return problems


def cross_field_problems(cfg: ChipConfig) -> list[str]:
    """Rules that involve more than one field; each message names the fields, the values and the limit."""
    p: list[str] = []
    if cfg.mesh.num_cores is not None and cfg.mesh.num_cores > cfg.mesh.core_slots:
        p.append(
            f"mesh.num_cores: {cfg.mesh.num_cores} cores do not fit a {cfg.mesh.width} x {cfg.mesh.height} mesh "
            f"with {cfg.mesh.cores_per_router} core(s) per router; allowed: <= {cfg.mesh.core_slots}"
        )
    if cfg.core.weight_bits > cfg.neuron.membrane_bits:
        p.append(
            f"core.weight_bits: {cfg.core.weight_bits} exceeds neuron.membrane_bits "
            f"{cfg.neuron.membrane_bits}; allowed: <= neuron.membrane_bits"
        )
    if cfg.core.max_fan_in > cfg.core.axons_per_core:
        p.append(
            f"core.max_fan_in: {cfg.core.max_fan_in} exceeds core.axons_per_core {cfg.core.axons_per_core}; "
            "a neuron cannot have more inputs than its core has axons"
        )
    if cfg.core.max_synapses_per_core > cfg.core.axons_per_core * cfg.core.neurons_per_core:
        p.append(
            f"core.max_synapses_per_core: {cfg.core.max_synapses_per_core} exceeds axons x neurons "
            f"({cfg.core.axons_per_core * cfg.core.neurons_per_core})"
        )
    if cfg.noc.buffer_depth_flits < cfg.noc.flits_per_packet:
        p.append(
            f"noc.buffer_depth_flits: {cfg.noc.buffer_depth_flits} cannot hold one packet of "
            f"{cfg.noc.flits_per_packet} flits (packet_bits / flit_width_bits); allowed: >= "
            f"{cfg.noc.flits_per_packet}"
        )
    p += cfg.neuron.problems(cfg.core)
    p += _packet_problems(cfg)
    p += _system_problems(cfg)
    return p


def _system_problems(cfg: ChipConfig) -> list[str]:
    """A resolved system's mesh is its chips' meshes tiled, every core slot present, edges that connect it."""
    s = cfg.system
    if s is None:
        return []
    p = []
    for axis, chips, chip_dim, total in (("x", s.chips_x, s.chip_width, cfg.mesh.width),
                                         ("y", s.chips_y, s.chip_height, cfg.mesh.height)):
        if chips * chip_dim != total:
            p.append(f"system.chips_{axis}: {chips} chips x {chip_dim} routers != mesh "
                     f"{'width' if axis == 'x' else 'height'} {total}; allowed: the product equals the mesh")
    if cfg.mesh.num_cores is not None and cfg.mesh.num_cores != cfg.mesh.core_slots:
        p.append(f"mesh.num_cores: {cfg.mesh.num_cores}; a system has every core slot of its chips "
                 f"present (allowed: {cfg.mesh.core_slots} or unset)")
    if s.chips_y > 1 and s.off_chip.edges == "east_west":
        p.append(f"system.off_chip.edges: east_west leaves the {s.chips_y} rows of chips unconnected; "
                 "allowed: all or north_south when chips_y > 1")
    if s.chips_x > 1 and s.off_chip.edges == "north_south":
        p.append(f"system.off_chip.edges: north_south leaves the {s.chips_x} columns of chips unconnected; "
                 "allowed: all or east_west when chips_x > 1")
    depth, flits = s.off_chip.buffer_depth(cfg.noc), cfg.noc.flits_per_packet
    if depth < flits:
        p.append(f"system.off_chip.buffer_depth_flits: {depth} cannot hold one {flits}-flit packet (virtual "
                 f"cut-through); allowed: >= {flits}")
    return p


def core_memory_bits(cfg: ChipConfig) -> dict[str, int]:
    """Storage of one fully used core, in bits.

    weights   = synapse memory (Loihi) or axons x neurons crossbar bits + per-neuron typed weights (TrueNorth)
    state     = neurons x (membrane_bits [+ current_bits])
    spikes    = axons x delay_slots (one bit per axon per pending tick in the delay ring buffer)
    """
    c = cfg.core
    weights, state = cfg.neuron.core_memory_bits(c)
    spikes = c.axons_per_core * c.delay_slots
    return {"weights": weights, "state": state, "spikes": spikes, "total": weights + state + spikes}


# ----- loading and dumping ----------------------------------------------------------------------------


def config_from_dict(data: Any, source: str = "<dict>", _depth: int = 0) -> ChipConfig:
    """Validate a plain mapping into a :class:`ChipConfig`, raising :class:`ConfigError` on bad input. A
    system document (``system:`` and no ``mesh:``) is expanded first (:func:`expand_system`)."""
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise ConfigError(f"<root>: expected a mapping of config blocks, got {type(data).__name__}", source)
    if "system" in data and "mesh" not in data:
        data = expand_system(data, source, _depth)
    try:
        return ChipConfig.model_validate(data)
    except ValidationError as exc:
        lines = format_validation_error(exc, ChipConfig, data, tags=tuple(NEURON_BLOCKS))
        raise ConfigError(lines, source) from None


SYSTEM_DOC_KEYS = ("name", "description", "system")
SYSTEM_RESOLVED_KEYS = ("chip_width", "chip_height", "chip_barrier_latency_ns", "chip_static_power_mw")


def expand_system(doc: dict, source: str, depth: int = 0) -> dict:
    """A system document as the plain data of the whole system's :class:`ChipConfig`.

    ``system.chip`` is a preset name, a path (relative to the document's directory first) or a nested chip
    block. The chip's blocks are kept, except: ``mesh.width`` x ``chips_x``, ``mesh.height`` x ``chips_y``
    (every core slot present); ``energy.static_power_mw`` x chips; ``sync.barrier_latency_ns`` the system
    barrier (:meth:`SystemConfig.barrier_latency_ns`); ``name`` / ``description`` the document's.
    """
    extra = sorted(set(doc) - set(SYSTEM_DOC_KEYS))
    if extra:
        raise ConfigError(f"{extra[0]}: not allowed in a system document (allowed: {', '.join(SYSTEM_DOC_KEYS)}); "
                          "put changes to the chip in a nested chip block under system.chip", source)
    sys_doc = doc["system"]
    if not isinstance(sys_doc, dict):
        raise ConfigError(f"system: expected a mapping, got {type(sys_doc).__name__}", source)
    for key in SYSTEM_RESOLVED_KEYS:
        if key in sys_doc:
            raise ConfigError(f"system.{key}: derived from the chip; not allowed in a system document", source)
    chip = _system_chip(sys_doc.get("chip"), source, depth)
    if chip.system is not None:
        raise ConfigError(f"system.chip: {chip.name!r} is itself a system; allowed: a single chip", source)
    d = config_to_dict(chip)
    cx, cy = sys_doc.get("chips_x", 1), sys_doc.get("chips_y", 1)
    resolved = {**sys_doc, "chip": chip.name, "chip_width": chip.mesh.width, "chip_height": chip.mesh.height,
                "chip_barrier_latency_ns": chip.sync.barrier_latency_ns,
                "chip_static_power_mw": chip.energy.static_power_mw}
    if chip.mesh.num_cores is not None and chip.mesh.num_cores != chip.mesh.core_slots:
        raise ConfigError(f"system.chip: {chip.name!r} has mesh.num_cores {chip.mesh.num_cores} of "
                          f"{chip.mesh.core_slots} slots; a system's chips have every core slot present", source)
    if _chip_counts_valid(cx, cy):
        _check_system_mesh(chip, cx, cy, source)
        d["mesh"] = {**d["mesh"], "width": chip.mesh.width * cx, "height": chip.mesh.height * cy,
                     "num_cores": None}
        d["energy"] = {**d["energy"], "static_power_mw": chip.energy.static_power_mw * cx * cy}
        barrier = _system_barrier(resolved)
        if barrier is not None:
            d["sync"] = {**d["sync"], "barrier_latency_ns": barrier}
    d["name"] = doc.get("name", f"{chip.name}-x{cx}x{cy}")
    d["description"] = doc.get("description", "")
    d["system"] = resolved
    return d


def _chip_counts_valid(cx, cy) -> bool:
    """Both chip counts are whole numbers >= 1 (anything else is refused by the system block's own fields,
    and the mesh is then left as the chip's so that no derived field is blamed)."""
    return all(isinstance(c, int) and not isinstance(c, bool) and c >= 1 for c in (cx, cy))


def _check_system_mesh(chip: ChipConfig, cx: int, cy: int, source: str) -> None:
    """The whole system's mesh fits :data:`MESH_SIDE_MAX` routers per side, refused by the chip count that
    overflows it (not by the derived ``mesh.width`` / ``mesh.height`` the user did not write)."""
    for axis, n, side in (("x", cx, chip.mesh.width), ("y", cy, chip.mesh.height)):
        if n * side > MESH_SIDE_MAX:
            raise ConfigError(f"system.chips_{axis}: received {n}; {n} chips x {side} routers = {n * side} routers "
                              f"along {axis}; allowed: <= {MESH_SIDE_MAX // side} chips of {chip.name!r} "
                              f"(a mesh has at most {MESH_SIDE_MAX} routers per side)", source)


def _system_barrier(resolved: dict) -> float | None:
    """The system barrier of a resolved system block, or None when the block is invalid (the full validation
    then reports the field with its path) or the chip has no barrier."""
    from pydantic import ValidationError

    try:
        return SystemConfig.model_validate(resolved).barrier_latency_ns()
    except ValidationError:
        return None


def _system_chip(chip, source: str, depth: int) -> ChipConfig:
    """The chip of a system document: a preset or path (relative to the document first), or a nested block."""
    if depth > 2:
        raise ConfigError(f"system.chip: received {chip!r}, which nests systems more than two documents deep "
                          "(a system naming a system naming a system); allowed: a chip", source)
    if isinstance(chip, dict):
        return config_from_dict(chip, f"{source}: system.chip", depth + 1)
    if not isinstance(chip, str) or not chip:
        raise ConfigError(f"system.chip: expected a preset name, a path or a chip block, got {chip!r}", source)
    here = Path(source).parent / chip if source and not source.startswith("<") else None
    if here is not None and here.is_file():
        path = here
    else:
        try:
            path = resolve_config_path(chip)
        except ConfigError:   # name the document and the field that asked for it, not only the missing file
            where = f"{here.parent}/, the working directory or " if here is not None else ""
            raise ConfigError(f"system.chip: received {chip!r}: no such file in {where}the presets "
                              f"({', '.join(list_presets())})", source) from None
    if not path.is_file():
        raise ConfigError(f"system.chip: received {chip!r}, which is not a file ({path}); allowed: a preset name, "
                          "a chip config file or a chip block", source)
    return config_from_dict(load_yaml_mapping(path), str(path), depth + 1)


def resolve_config_path(path: str | Path) -> Path:
    """A path as given, or a preset name (``loihi``, ``truenorth.yaml``) from ``chip_configs/``."""
    p = Path(path)
    if p.exists():
        return p
    for cand in (PRESET_DIR / p.name, PRESET_DIR / f"{p.name}.yaml"):
        if not p.parent.parts and cand.exists():
            return cand
    raise ConfigError(f"file not found: {path} (presets: {', '.join(list_presets())})", str(path))



def load_config(path: str | Path) -> ChipConfig:
    """Load and validate a chip config from a YAML file or a preset name."""
    p = resolve_config_path(path)
    return config_from_dict(load_yaml_mapping(p), str(p))


def loads_config(text: str, source: str = "<string>") -> ChipConfig:
    """Load and validate a chip config from YAML text."""
    from chip_configs.yaml_io import parse_yaml

    return config_from_dict(parse_yaml(text, source), source)


def config_to_dict(cfg: ChipConfig) -> dict:
    """The fully resolved config as plain data, defaults included."""
    return cfg.model_dump(mode="json")


def dump_config(cfg: ChipConfig) -> str:
    """The fully resolved config as YAML text; ``loads_config(dump_config(c)) == c``."""
    return dump_yaml(config_to_dict(cfg))


def list_presets() -> list[str]:
    """The bundled presets' names (``chip_configs/*.yaml``), sorted."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


__all__ = [
    "ChipConfig",
    "CoreConfig",
    "EnergyConfig",
    "LoihiLifNeuron",
    "MeshConfig",
    "NEURON_BLOCKS",
    "OffChipLinkConfig",
    "SystemConfig",
    "NocConfig",
    "SyncConfig",
    "TimingConfig",
    "TrueNorthNeuron",
    "config_from_dict",
    "config_to_dict",
    "dump_config",
    "expand_system",
    "list_presets",
    "load_config",
    "loads_config",
]
