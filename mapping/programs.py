"""Core programs (:class:`cores.CoreProgram`) for partition slices: quantised synapses and per-neuron params.

One builder per neuron model in :data:`BUILDERS`. Relay (splitter) neurons fire once per input spike:
Loihi ``w = 1, du = dv = 4095, vth = 0`` (``v = 64 > 0``); TrueNorth ``weights[:, 0] = 1, alpha = 1``.
"""

from __future__ import annotations

import numpy as np

from chip_configs.errors import MappingError
from cores import CoreProgram
from mapping.partition import Slice, SynapseTable
from mapping.quantize import QuantizedLayer, encode_truenorth_leak
from mapping.truenorth_weights import effective_weights, truenorth_core_weights


def _param_slice(q: QuantizedLayer, s: Slice) -> dict:
    return {k: np.asarray(v)[s.start:s.stop].astype(np.int64) for k, v in q.params.items()}


# ----- Loihi -------------------------------------------------------------------------------------------------------


def loihi_program(cfg, s: Slice, table: SynapseTable | None, q: QuantizedLayer | None, seed: int,
                  bit_cost: float = 0.0, activity: np.ndarray | None = None):
    """Program of a population slice: integer weights picked from the layer's quantisation (``bit_cost``
    and ``activity`` are TrueNorth knobs: Loihi's per-synapse weights need neither)."""
    if q is None:
        return _loihi_relays(cfg, s), {}
    w = q.weights[s.syn_index].astype(np.int32)
    return CoreProgram(s.n_neurons, s.n_axons, s.syn_axon.astype(np.int32, copy=False), s.syn_neuron.astype(np.int32, copy=False), w,
                       _param_slice(q, s)), {}


def _loihi_relays(cfg, s: Slice) -> CoreProgram:
    n = s.n_neurons
    one = (1 << cfg.neuron.decay_bits) - 1
    params = {"du": np.full(n, one), "dv": np.full(n, one), "vth": np.zeros(n, np.int64)}
    return CoreProgram(n, s.n_axons, s.syn_axon.astype(np.int32, copy=False), s.syn_neuron.astype(np.int32, copy=False),
                       np.ones(n, np.int32), params)


# ----- TrueNorth ---------------------------------------------------------------------------------------------------


def truenorth_program(cfg, s: Slice, table: SynapseTable | None, q: QuantizedLayer | None, seed: int,
                      bit_cost: float = 0.0, activity: np.ndarray | None = None):
    """Program of a population slice: axon types, typed weights and the binary crossbar for this core.

    The slice's ``s.copies`` axons per source are fitted together (:func:`truenorth_core_weights`): the
    weight from source ``i`` to neuron ``j`` is the sum of ``L[j, type]`` over the copies ``j`` connects;
    ``bit_cost`` prices each connected crossbar point (fewer synaptic events, more weight error).
    ``activity`` (mean spikes per tick of every global source) enables the bias correction
    (:func:`bias_correction`).

    Returns (program, error terms) where the error terms are the sums needed for the layer's relative RMS
    weight error, its fraction of synapses zeroed and the bias correction.
    """
    if q is None:
        return _truenorth_relays(cfg, s), {}
    n_types = cfg.core.axon_types or 1
    scale = q.scale[table.post[s.syn_index]]
    scaled = table.weight[s.syn_index] * scale
    dense = np.zeros((s.n_sources, s.n_neurons))
    dense[s.syn_axon, s.syn_neuron] = scaled
    types, weights, crossbar = truenorth_core_weights(dense, n_types, cfg.core.weight_max, seed, s.copies, bit_cost)
    achieved = effective_weights(types, weights, crossbar, s.copies)[s.syn_axon, s.syn_neuron]
    err = (achieved - scaled) / scale
    terms = {"err2": float(np.sum(err ** 2)), "w2": float(np.sum(table.weight[s.syn_index] ** 2)),
             "zeroed": int(np.sum(achieved == 0)), "n": int(s.syn_axon.size),
             "copies_min": s.copies, "copies_max": s.copies}
    params = _param_slice(q, s)
    params["weights"] = weights
    params["syn_stochastic"] = np.zeros_like(weights)
    if activity is not None:
        delta = bias_correction(s, err, activity)
        lt, sl = q.leak_terms, slice(s.start, s.stop)
        params["leak"], params["leak_reversal"], _ = encode_truenorth_leak(
            lt["bias_hw"][sl] - delta * q.scale[sl], lt["drain"][sl], lt["leak_lim"])
        terms.update(bias_corr2=float(np.sum(delta ** 2)), n_corr=int(delta.size))
    ax, nrn = np.nonzero(crossbar)
    prog = CoreProgram(s.n_neurons, s.n_axons, ax.astype(np.int32), nrn.astype(np.int32), None, params,
                       types.astype(np.int8))
    return prog, terms


def bias_correction(s: Slice, err: np.ndarray, activity: np.ndarray) -> np.ndarray:
    """Mean input-current error of every neuron of the slice at the calibration activity (float units)::

        delta_j = sum_i e_ij a_i,     e_ij = achieved weight - float weight,  a_i = mean spikes per tick

    Subtracting it from the neuron's bias removes the systematic part of the weight error (what is left is
    zero-mean over the calibration samples). ``err`` is per synapse of the slice, ``activity`` per global
    source id.
    """
    src = s.axon_src[s.syn_axon * s.copies]  # the global source of every synapse (its first copy's axon)
    return np.bincount(s.syn_neuron, weights=err * activity[src], minlength=s.n_neurons)


def _truenorth_relays(cfg, s: Slice) -> CoreProgram:
    n = s.n_neurons
    n_types = cfg.core.axon_types or 1
    weights = np.zeros((n, n_types), np.int64)
    weights[:, 0] = 1
    floor = min((1 << cfg.neuron.threshold_bits) - 1, (1 << (cfg.neuron.membrane_bits - 1)) - 1)
    params = {"weights": weights, "alpha": np.ones(n, np.int64), "beta": np.full(n, floor, np.int64),
              "kappa": np.ones(n, np.int64)}
    return CoreProgram(n, s.n_axons, s.syn_axon.astype(np.int32, copy=False), s.syn_neuron.astype(np.int32, copy=False), None, params,
                       np.zeros(s.n_axons, np.int8))


# The program builder of each neuron model, keyed by its YAML name (cores.models); a model without one is refused.
BUILDERS = {"loihi_lif": loihi_program, "truenorth": truenorth_program}


def builder_for(cfg):
    """The program builder of ``cfg.neuron.model`` (MappingError naming the supported models otherwise)."""
    try:
        return BUILDERS[cfg.neuron.model]
    except KeyError:
        raise MappingError(f"no program builder for neuron model {cfg.neuron.model!r}; "
                           f"supported: {sorted(BUILDERS)}") from None


__all__ = ["BUILDERS", "builder_for", "loihi_program", "truenorth_program"]
