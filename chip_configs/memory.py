"""Memory before allocation: estimates of what a job will hold, checked against a limit before building it.

Each estimate is a list of named terms in bytes; :func:`check_memory` refuses a job whose total exceeds
:func:`chip_configs.npz.memory_limit_bytes` (``neuromesh --max-memory``, ``NEUROMESH_MAX_MEMORY``, else the
available memory), naming the largest term and by how much the total is over. The per-item sizes are those
of the emulator's arrays (measured on this code: about 120 bytes per core for the empty chip of the fast
engine), rounded up; they are bounds for a refusal, not an accounting.
"""

from __future__ import annotations

from dataclasses import dataclass

from chip_configs.errors import NeuroMeshError
from chip_configs.npz import memory_limit_bytes

NEURON_BYTES = 48          # state registers and parameters of one neuron (int32 / int64 arrays)
SYNAPSE_BYTES = 12         # one COO synapse: axon, neuron, weight
CORE_BYTES = 128           # per-core NoC and timing tables of the empty chip (measured: ~120 with --engine fast)
ROUTER_PORT_BYTES = 16     # one flit slot of a router input buffer


class MemoryLimitError(NeuroMeshError):
    """A job whose estimated memory exceeds the limit; ``need`` and ``limit`` in bytes, ``terms`` by name."""

    def __init__(self, what: str, terms: dict[str, int], limit: int):
        self.terms, self.need, self.limit = dict(terms), sum(terms.values()), int(limit)
        big = max(self.terms, key=self.terms.get)
        super().__init__(
            f"{what}: would need about {_size(self.need)} of memory; the limit is {_size(limit)} (over by "
            f"{_size(self.need - limit)}); largest: {big} {_size(self.terms[big])}. Use a smaller job, or raise "
            "the limit with 'neuromesh --max-memory SIZE ...' (default: the available memory)")


def _size(n: int) -> str:
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,} bytes"


@dataclass(frozen=True)
class ChipShape:
    """The numbers an estimate of a chip needs (from a ChipConfig, kept apart so this module has no schema)."""

    cores: int
    routers: int
    neurons_per_core: int
    axons_per_core: int
    synapses_per_core: int
    delay_slots: int
    buffer_flits: int
    crossbar: bool          # synapses stored as one bit per axon x neuron (TrueNorth)


def chip_shape(cfg, crossbar: bool) -> ChipShape:
    """:class:`ChipShape` of a ChipConfig; ``crossbar``: its neuron model stores synapses as bits (the model
    unit's ``bit_crossbar`` capability, which this foundation module cannot look up: cores/ sits above it)."""
    m, c = cfg.mesh, cfg.core
    routers = int(m.width) * int(m.height)
    return ChipShape(cores=routers * int(m.cores_per_router), routers=routers,
                     neurons_per_core=int(c.neurons_per_core), axons_per_core=int(c.axons_per_core),
                     synapses_per_core=int(c.max_synapses_per_core), delay_slots=int(c.delay_slots),
                     buffer_flits=int(cfg.noc.buffer_depth_flits), crossbar=bool(crossbar))


def chip_terms(shape: ChipShape) -> dict[str, int]:
    """Bytes to emulate the chip with every core programmed to capacity, by term."""
    syn = (shape.axons_per_core * shape.neurons_per_core + 7) // 8 if shape.crossbar \
        else shape.synapses_per_core * SYNAPSE_BYTES
    return {
        "neuron state (cores x neurons)": shape.cores * shape.neurons_per_core * NEURON_BYTES,
        "synapses (cores x synapses)": shape.cores * syn,
        "axon delay rings (cores x axons x delay slots)": shape.cores * shape.axons_per_core * shape.delay_slots * 4,
        "per-core tables": shape.cores * CORE_BYTES,
        "router buffers": shape.routers * 5 * shape.buffer_flits * ROUTER_PORT_BYTES,
    }


def run_terms(batch: int, ticks: int, n_inputs: int, n_recorded: int, n_probed: int) -> dict[str, int]:
    """Bytes of a run's per-tick arrays: inputs (int64 read + int32 copy), the spike raster, state traces."""
    return {
        "inputs (batch x ticks x input lines)": batch * ticks * n_inputs * 12,
        "spike raster (batch x ticks x recorded neurons)": batch * ticks * n_recorded * 4,
        "state traces (batch x ticks x probes x registers)": batch * ticks * n_probed * 2 * 8,
    }


def check_memory(what: str, terms: dict[str, int], limit: int | None = None) -> int:
    """Total of ``terms`` if it fits ``limit`` (default :func:`memory_limit_bytes`), else MemoryLimitError."""
    limit = memory_limit_bytes() if limit is None else limit
    need = sum(terms.values())
    if need > limit:
        raise MemoryLimitError(what, terms, limit)
    return need


__all__ = ["ChipShape", "MemoryLimitError", "check_memory", "chip_shape", "chip_terms", "run_terms"]
