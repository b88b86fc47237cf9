"""Drive a group of neurons with a given per-tick synaptic input, without a crossbar or delays.

This is how the golden Lava vectors are replayed: ``inputs[t, i]`` is exactly Lava's ``a_in`` (the summed
synaptic input that reached neuron i at tick t, after Dense's weight_exp, before the ``<< 6``). It runs the
same Cython per-neuron update as :class:`cores.CoreArray` through the kernel's direct-input entry points.
"""

from __future__ import annotations

import numpy as np

from chip_configs.errors import SimulationError
from chip_configs.schema import as_core_spec, load_config
from cores import tables
from cores.models import MODELS, model_of
from cores.prng import seed_key


def _unit(model: str):
    if model not in MODELS:
        raise SimulationError(f"unknown model {model!r}; allowed: {', '.join(repr(m) for m in MODELS)}")
    return MODELS[model]


def _inputs(inputs, ticks: int, n: int | None) -> np.ndarray:
    if inputs is None:
        if n is None:
            raise SimulationError("inputs is None and no parameter array gives the number of neurons")
        return np.zeros((ticks, n), dtype=np.int64)
    arr = np.asarray(inputs)
    if arr.ndim != 2 or arr.shape[0] != ticks or arr.dtype.kind not in "iub":
        raise SimulationError(f"inputs must be an integer array of shape ({ticks}, n); got {arr.dtype} {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.int64)


def _n_from_params(params: dict) -> int | None:
    sizes = {np.shape(v)[0] for v in params.values() if np.ndim(v) >= 1}
    return sizes.pop() if len(sizes) == 1 else None


def simulate_neurons(model: str, params: dict, inputs, ticks: int, cfg=None, seed: int | None = None) -> dict:
    """Run ``ticks`` ticks of ``n`` neurons of ``model`` fed with ``inputs``; record the state after each tick.

    Parameters
    ----------
    model : str
        A registered neuron model (:data:`cores.models.MODELS`: ``"loihi_lif"``, ``"truenorth"``).
    params : dict
        Per-neuron parameters by hardware name (scalars broadcast; missing ones are 0), see :mod:`cores.models`.
        loihi_lif: du, dv, vth, bias_mant, bias_exp, weight_exp, u0, v0, refractory_ticks.
        truenorth: leak, leak_reversal, leak_stochastic, alpha, beta, threshold_mask_bits, reset_mode, kappa,
        reset_value, v0 (weights / syn_stochastic are unused: the input is already summed).
    inputs : int array (ticks, n) or None
        Summed synaptic input per tick and neuron, in weight units (None: zeros).
    ticks : int
        Number of ticks; must equal ``inputs.shape[0]``.
    cfg : CoreSpec or ChipConfig, optional
        Default: the model's preset (``loihi``, ``truenorth``).
    seed : int, optional
        PRNG seed of a stochastic model (default: the model's, ``cfg.neuron.prng_seed`` on TrueNorth); the
        draws are those of core 0.

    Returns
    -------
    dict of int64 arrays (ticks, n): the model's traced registers and ``spikes`` (loihi_lif: ``u``, ``v``,
    ``spikes``; truenorth: ``v``, ``spikes``).
    """
    unit = _unit(model)
    cfg = as_core_spec(cfg if cfg is not None else load_config(unit.preset))
    if model_of(cfg) is not unit:
        raise SimulationError(f"model {model!r} does not match cfg.neuron.model {cfg.neuron.model!r}")
    x = _inputs(inputs, int(ticks), _n_from_params(params))
    p = unit.validate_params(cfg, params, x.shape[1], core_index=0)
    # Every register at full size (the direct entry points index them per neuron), from its initial value.
    regs = {r.name: (getattr(p, r.initial) if r.initial else np.zeros(x.shape[1])).astype(r.dtype)
            for r in unit.registers(cfg)}
    key = seed_key(seed if seed is not None else unit.default_seed(cfg))
    return unit.direct(cfg, tables.param_table(cfg, [p]), regs, x, key)


__all__ = ["simulate_neurons"]
