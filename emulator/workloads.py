"""Synthetic programmed chips at published operating points (hardware-level workloads).

These are built directly as :class:`~emulator.mapped.MappedNetwork` objects (no float network, no mapper),
because they reproduce a hardware measurement rather than a trained model.

``truenorth_operating_point``: the conditions of Merolla et al. 2014's 26 pJ-per-synaptic-event figure: every
core busy, each neuron with ``active_synapses`` crossbar connections (128; 256 gives the fully dense
crossbar), a mean firing rate (20 Hz at the 1 ms tick, i.e. one spike every 50 ticks), each neuron targeting
exactly one axon anywhere on the chip.

The generator is vectorised over cores and writes the programs in their compact forms: packed bit crossbars
(8 KiB per TrueNorth core), int8 / int16 arrays, and parameter arrays shared by every core where they are
equal, so the whole 4,096-core chip takes ~40 MB and a few seconds to build.
"""

from __future__ import annotations

import numpy as np

from chip_configs.errors import SimulationError
from chip_configs.schema import ChipConfig
from cores import CoreProgram, model_of
from cores.buffers import aligned_empty
from cores.core_array import narrowest
from emulator.mapped import Destinations, MappedCore, MappedNetwork, input_table

# Random keys drawn at once when choosing synapses: bounds the generator's temporaries (~10 MB).
_CHUNK_ELEMENTS = 1 << 20


def random_crossbars(rng: np.random.Generator, n_cores: int, n_axons: int, n_neurons: int,
                     per_neuron: int) -> np.ndarray:
    """Packed bit crossbars, uint8[n_cores, n_axons, ceil(n_neurons / 8)] (``CoreProgram.crossbar`` layout).

    Every neuron column connects to exactly ``per_neuron`` distinct axons chosen uniformly: the axons whose
    random key is at most the column's ``per_neuron``-th smallest key (the rare columns where float32 keys
    tie at that rank are redone with argpartition, which breaks ties); ``per_neuron >= n_axons`` gives the
    full crossbar without drawing anything.
    """
    # cache-line aligned: the fused loop reads its rows at random (cores.buffers)
    out = aligned_empty((n_cores, n_axons, -(-n_neurons // 8)), np.uint8)
    if per_neuron >= n_axons:
        out[:] = np.packbits(np.ones((n_axons, n_neurons), dtype=bool), axis=1, bitorder="little")
        return out
    step = max(1, _CHUNK_ELEMENTS // max(n_axons * n_neurons, 1))
    # Buffers reused by every chunk (fresh multi-MB arrays per chunk cost a page fault per 4 KiB each time).
    keys = np.empty((step, n_neurons, n_axons), dtype=np.float32)
    work = np.empty_like(keys)
    mask = np.empty(keys.shape, dtype=bool)
    rows = np.empty((step, n_axons, n_neurons), dtype=bool)
    for c0 in range(0, n_cores, step):
        c = min(n_cores, c0 + step) - c0
        rng.random(out=keys[:c], dtype=np.float32)
        _choose(keys[:c], per_neuron, work[:c], mask[:c])
        # Axon-major bits: transpose the bytes first so that packbits runs along contiguous rows (packing
        # along the strided axis of the transposed view directly is ~3x slower).
        np.copyto(rows[:c], mask[:c].transpose(0, 2, 1))
        out[c0:c0 + c] = np.packbits(rows[:c], axis=2, bitorder="little")
    return out


def _choose(keys: np.ndarray, k: int, work: np.ndarray, mask: np.ndarray) -> None:
    """``mask`` = the ``k`` smallest keys along the last axis (exactly k per row); ``work``: scratch of
    ``keys``' shape and dtype."""
    np.copyto(work, keys)
    work.partition(k - 1, axis=-1)
    np.less_equal(keys, work[..., k - 1: k], out=mask)
    # At least k keys of a row are <= its k-th smallest, more only where keys tie at that rank: one count over
    # the whole chunk says whether any row needs the per-row count.
    if np.count_nonzero(mask) == k * (mask.size // max(mask.shape[-1], 1)):
        return
    tied = np.count_nonzero(mask, axis=-1) != k
    if tied.any():
        rows = keys[tied]
        fix = np.zeros(rows.shape, dtype=bool)
        np.put_along_axis(fix, np.argpartition(rows, k - 1, axis=-1)[:, :k], True, axis=-1)
        mask[tied] = fix


def _axon_permutation(rng: np.random.Generator, n_axons: int) -> np.ndarray:
    """A random permutation of the chip's axons in int32 (half the bytes of ``rng.permutation``'s int64)."""
    slots = np.arange(n_axons, dtype=np.int32)
    rng.shuffle(slots)
    return slots


def _shared_params(cfg: ChipConfig, n: int, period: int, leak: int) -> dict:
    """Parameters equal on every core, as scalars or one shared array.

    Leak +1 per tick with threshold alpha = period and reset to 0 makes each neuron a period-``period``
    clock (leak 0 with v0 = 0: a neuron at rest forever). Axon types alternate 0 / 1 with weights +1 / -1, so
    synaptic input jitters V without shifting the mean rate.
    """
    weights = np.zeros((n, cfg.core.axon_types), np.int8)
    weights[:, 0], weights[:, 1] = 1, -1
    p = narrowest(np.asarray(period, dtype=np.int64))
    return {"weights": weights, "leak": np.int8(leak), "alpha": p, "beta": p, "kappa": np.int8(1),
            "reset_mode": np.int8(0)}


# What the operating point programs: a binary crossbar with typed axons, and these neuron parameters.
_OPERATING_POINT_PARAMS = {"weights", "leak", "alpha", "beta", "kappa", "reset_mode", "v0"}


def _check_truenorth(cfg: ChipConfig) -> None:
    unit = model_of(cfg)
    fits = unit.capabilities.bit_crossbar and unit.capabilities.typed_axons
    if not (fits and set(unit.Params.names()) >= _OPERATING_POINT_PARAMS):
        raise SimulationError(f"truenorth_operating_point needs a truenorth chip (a typed binary crossbar and "
                              f"the parameters {sorted(_OPERATING_POINT_PARAMS)}); '{cfg.name}' is {cfg.neuron.model}")


def truenorth_operating_point(cfg: ChipConfig, rate_hz: float = 20.0, active_synapses: int = 128,
                              seed: int = 0, n_cores: int | None = None) -> MappedNetwork:
    """Every core of a TrueNorth-like chip busy at ``rate_hz`` with ``active_synapses`` per neuron.

    Each neuron targets one axon, the axons of the chip taken in a random permutation (delay 1); v0 is drawn
    in [0, period) so the cores' spikes are spread over the ticks.

    Parameters
    ----------
    cfg : ChipConfig
        A ``truenorth`` chip.
    rate_hz : float
        Mean firing rate [Hz] at the config's tick period (1 ms if none). 0: the idle chip (leak 0, v0 = 0,
        no spike ever), the same crossbars and wiring for the same seed.
    active_synapses : int
        Crossbar connections per neuron; >= axons_per_core gives the fully dense crossbar.
    seed : int
    n_cores : int, optional
        Cores to use (default: all).
    """
    _check_truenorth(cfg)
    tick_s = (cfg.sync.tick_period_ns or 1e6) * 1e-9
    idle = rate_hz <= 0
    period = 1 if idle else max(1, round(1.0 / (rate_hz * tick_s)))
    n_cores = n_cores or cfg.num_cores
    rng = np.random.default_rng(seed)
    a, n = cfg.core.axons_per_core, cfg.core.neurons_per_core
    bits = random_crossbars(rng, n_cores, a, n, active_synapses)
    target = _axon_permutation(rng, n_cores * a)[: n_cores * n].reshape(n_cores, n)
    dest_core, dest_axon = narrowest(target // a), narrowest(target % a)
    v0_dtype = narrowest(np.asarray(period)).dtype
    v0 = np.zeros((n_cores, n), np.int8) if idle else rng.integers(0, period, (n_cores, n), dtype=v0_dtype)
    shared = _shared_params(cfg, n, period, leak=0 if idle else 1)
    axon_type = (np.arange(a) % 2).astype(np.int8)
    ptr, delay = np.arange(n + 1, dtype=np.int32), np.ones(n, np.int8)
    cores = tuple(
        MappedCore(c, CoreProgram(n, a, params=shared | {"v0": v0[c]}, axon_type=axon_type, crossbar=bits[c]),
                   Destinations(ptr, dest_core[c], dest_axon[c], delay))
        for c in range(n_cores))
    in_ptr, in_core, in_axon, in_delay = input_table(0, {})
    return MappedNetwork(cfg.name, cores, 0, in_ptr, in_core, in_axon, in_delay, np.zeros(0, np.int32),
                         np.zeros(0, np.int32),
                         {"name": f"operating point {rate_hz:g} Hz x {min(active_synapses, a)} syn"})


__all__ = ["random_crossbars", "truenorth_operating_point"]
