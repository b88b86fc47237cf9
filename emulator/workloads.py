"""Synthetic programmed chips at published operating points (hardware-level workloads).

These are built directly as :class:`~emulator.mapped.MappedNetwork` objects (no float network, no mapper),
because they reproduce a hardware measurement rather than a trained model.

``truenorth_operating_point``: the conditions of Merolla et al. 2014's 26 pJ-per-synaptic-event figure: every
core busy, each neuron with ``active_synapses`` crossbar connections (128), a mean firing rate (20 Hz at the
1 ms tick, i.e. one spike every 50 ticks), each neuron targeting exactly one axon anywhere on the chip.
"""

from __future__ import annotations

import numpy as np

from cores import CoreProgram
from emulator.config import ChipConfig
from emulator.errors import SimulationError
from emulator.mapped import Destinations, MappedCore, MappedNetwork, input_table


def _truenorth_core(cfg: ChipConfig, rng: np.random.Generator, active_synapses: int, period: int) -> CoreProgram:
    """One core: crossbar with ``active_synapses`` ones per neuron column; neurons fire every ``period`` ticks.

    Leak +1 per tick with threshold alpha = period and reset to 0 makes each neuron a period-``period`` clock;
    v0 is drawn in [0, period) so the cores' spikes are spread over the ticks. Axon types alternate 0 / 1
    with weights +1 / -1, so synaptic input jitters V without shifting the mean rate.
    """
    a, n = cfg.core.axons_per_core, cfg.core.neurons_per_core
    # For each neuron pick `active_synapses` distinct axons: argsort of random keys per column.
    keys = rng.random((n, a))
    axons = np.argsort(keys, axis=1)[:, :active_synapses].astype(np.int32)
    syn_neuron = np.repeat(np.arange(n, dtype=np.int32), active_synapses)
    order = np.lexsort((syn_neuron, axons.ravel()))
    types = cfg.core.axon_types
    weights = np.zeros((n, types), np.int64)
    weights[:, 0], weights[:, 1] = 1, -1
    params = {
        "weights": weights,
        "leak": np.ones(n, np.int64),
        "alpha": np.full(n, period, np.int64),
        "beta": np.full(n, period, np.int64),
        "kappa": np.ones(n, np.int64),
        "reset_mode": np.zeros(n, np.int64),
        "v0": rng.integers(0, period, n).astype(np.int64),
    }
    return CoreProgram(n_neurons=n, n_axons=a, syn_axon=axons.ravel()[order], syn_neuron=syn_neuron[order],
                       syn_weight=None, params=params, axon_type=(np.arange(a) % 2).astype(np.int8))


def truenorth_operating_point(cfg: ChipConfig, rate_hz: float = 20.0, active_synapses: int = 128,
                              seed: int = 0, n_cores: int | None = None) -> MappedNetwork:
    """Every core of a TrueNorth-like chip busy at ``rate_hz`` with ``active_synapses`` per neuron.

    Each neuron targets one axon, the axons of the chip taken in a random permutation (delay 1).
    """
    if cfg.neuron.model != "truenorth":
        raise SimulationError(f"truenorth_operating_point needs a truenorth chip; '{cfg.name}' is {cfg.neuron.model}")
    tick_s = (cfg.sync.tick_period_ns or 1e6) * 1e-9
    period = max(1, round(1.0 / (rate_hz * tick_s)))
    n_cores = n_cores or cfg.num_cores
    rng = np.random.default_rng(seed)
    a, n = cfg.core.axons_per_core, cfg.core.neurons_per_core
    slots = rng.permutation(n_cores * a)
    cores = []
    for c in range(n_cores):
        prog = _truenorth_core(cfg, rng, active_synapses, period)
        target = slots[c * n: (c + 1) * n]
        dest = Destinations(np.arange(n + 1, dtype=np.int64), (target // a).astype(np.int32),
                            (target % a).astype(np.int32), np.ones(n, np.int32))
        cores.append(MappedCore(c, prog, dest))
    ptr, core, axon, delay = input_table(0, {})
    return MappedNetwork(cfg.name, tuple(cores), 0, ptr, core, axon, delay, np.zeros(0, np.int32),
                         np.zeros(0, np.int32), {"name": f"operating point {rate_hz:g} Hz x {active_synapses} syn"})
