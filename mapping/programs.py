"""Core programs (:class:`cores.CoreProgram`) for partition slices: quantised synapses and per-neuron params.

One builder per neuron model in :data:`BUILDERS`. Relay (splitter) neurons fire once per input spike:
Loihi ``w = 1, du = dv = 4095, vth = 0`` (``v = 64 > 0``); TrueNorth ``weights[:, 0] = 1, alpha = 1``.
"""

from __future__ import annotations

import numpy as np

from cores import CoreProgram
from mapping.partition import Slice, SynapseTable
from mapping.quantize import QuantizedLayer
from mapping.truenorth_weights import effective_weights, truenorth_core_weights


def _param_slice(q: QuantizedLayer, s: Slice) -> dict:
    return {k: np.asarray(v)[s.start:s.stop].astype(np.int64) for k, v in q.params.items()}


# ----- Loihi -------------------------------------------------------------------------------------------------------


def loihi_program(cfg, s: Slice, table: SynapseTable | None, q: QuantizedLayer | None, seed: int,
                  bit_cost: float = 0.0):
    """Program of a population slice: integer weights picked from the layer's quantisation."""
    if q is None:
        return _loihi_relays(cfg, s), {}
    w = q.weights[s.syn_index].astype(np.int32)
    return CoreProgram(s.n_neurons, s.n_axons, s.syn_axon.astype(np.int32), s.syn_neuron.astype(np.int32), w,
                       _param_slice(q, s)), {}


def _loihi_relays(cfg, s: Slice) -> CoreProgram:
    n = s.n_neurons
    one = (1 << cfg.neuron.decay_bits) - 1
    params = {"du": np.full(n, one), "dv": np.full(n, one), "vth": np.zeros(n, np.int64)}
    return CoreProgram(n, s.n_axons, s.syn_axon.astype(np.int32), s.syn_neuron.astype(np.int32),
                       np.ones(n, np.int32), params)


# ----- TrueNorth ---------------------------------------------------------------------------------------------------


def truenorth_program(cfg, s: Slice, table: SynapseTable | None, q: QuantizedLayer | None, seed: int,
                      bit_cost: float = 0.0):
    """Program of a population slice: axon types, typed weights and the binary crossbar for this core.

    The slice's ``s.copies`` axons per source are fitted together (:func:`truenorth_core_weights`): the
    weight from source ``i`` to neuron ``j`` is the sum of ``L[j, type]`` over the copies ``j`` connects;
    ``bit_cost`` prices each connected crossbar point (fewer synaptic events, more weight error).

    Returns (program, error terms) where the error terms are the sums needed for the layer's relative RMS
    weight error and its fraction of synapses zeroed.
    """
    if q is None:
        return _truenorth_relays(cfg, s), {}
    n_types = cfg.core.axon_types or 1
    scale = q.scale[table.post[s.syn_index]]
    scaled = table.weight[s.syn_index] * scale
    dense = np.zeros((s.n_sources, s.n_neurons))
    dense[s.syn_axon, s.syn_neuron] = scaled
    types, weights, crossbar = truenorth_core_weights(dense, n_types, cfg.core.weight_max, seed, s.copies, bit_cost)
    ax, nrn = np.nonzero(crossbar)
    params = _param_slice(q, s)
    params["weights"] = weights
    params["syn_stochastic"] = np.zeros_like(weights)
    prog = CoreProgram(s.n_neurons, s.n_axons, ax.astype(np.int32), nrn.astype(np.int32), None, params,
                       types.astype(np.int8))
    achieved = effective_weights(types, weights, crossbar, s.copies)[s.syn_axon, s.syn_neuron]
    err = (achieved - scaled) / scale
    terms = {"err2": float(np.sum(err ** 2)), "w2": float(np.sum(table.weight[s.syn_index] ** 2)),
             "zeroed": int(np.sum(achieved == 0)), "n": int(s.syn_axon.size),
             "copies_min": s.copies, "copies_max": s.copies}
    return prog, terms


def _truenorth_relays(cfg, s: Slice) -> CoreProgram:
    n = s.n_neurons
    n_types = cfg.core.axon_types or 1
    weights = np.zeros((n, n_types), np.int64)
    weights[:, 0] = 1
    floor = min((1 << cfg.neuron.threshold_bits) - 1, (1 << (cfg.neuron.membrane_bits - 1)) - 1)
    params = {"weights": weights, "alpha": np.ones(n, np.int64), "beta": np.full(n, floor, np.int64),
              "kappa": np.ones(n, np.int64)}
    return CoreProgram(n, s.n_axons, s.syn_axon.astype(np.int32), s.syn_neuron.astype(np.int32), None, params,
                       np.zeros(s.n_axons, np.int8))


BUILDERS = {"loihi_lif": loihi_program, "truenorth": truenorth_program}

__all__ = ["BUILDERS", "loihi_program", "truenorth_program"]
