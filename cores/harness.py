"""Drive a group of neurons with a given per-tick synaptic input, without a crossbar or delays.

This is how the golden Lava vectors are replayed: ``inputs[t, i]`` is exactly Lava's ``a_in`` (the summed
synaptic input that reached neuron i at tick t, after Dense's weight_exp, before the ``<< 6``). It runs the
same Cython per-neuron update as :class:`cores.CoreArray` through the kernel's direct-input entry points.
"""

from __future__ import annotations

import numpy as np

from chip_configs.errors import SimulationError
from cores import tables
from cores.params import validate_params
from cores.prng import seed_key
from cores.tables import _kernels


def _default_cfg(model: str):
    from chip_configs.schema import load_config

    if model not in ("loihi_lif", "truenorth"):
        raise SimulationError(f"unknown model {model!r}; allowed: 'loihi_lif', 'truenorth'")
    return load_config("loihi" if model == "loihi_lif" else "truenorth")


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
    model : {"loihi_lif", "truenorth"}
    params : dict
        Per-neuron parameters by hardware name (scalars broadcast; missing ones are 0), see :mod:`cores.params`.
        loihi_lif: du, dv, vth, bias_mant, bias_exp, weight_exp, u0, v0, refractory_ticks.
        truenorth: leak, leak_reversal, leak_stochastic, alpha, beta, threshold_mask_bits, reset_mode, kappa,
        reset_value, v0 (weights / syn_stochastic are unused: the input is already summed).
    inputs : int array (ticks, n) or None
        Summed synaptic input per tick and neuron, in weight units (None: zeros).
    ticks : int
        Number of ticks; must equal ``inputs.shape[0]``.
    cfg : ChipConfig, optional
        Default: the ``loihi`` or ``truenorth`` preset.
    seed : int, optional
        TrueNorth PRNG seed (default ``cfg.neuron.prng_seed``); the draws are those of core 0.

    Returns
    -------
    dict of int64 arrays (ticks, n): ``u``, ``v``, ``spikes`` (truenorth: ``v``, ``spikes``).
    """
    cfg = cfg if cfg is not None else _default_cfg(model)
    if cfg.neuron.model != model:
        raise SimulationError(f"model {model!r} does not match cfg.neuron.model {cfg.neuron.model!r}")
    x = _inputs(inputs, int(ticks), _n_from_params(params))
    n = x.shape[1]
    p = validate_params(cfg, params, n, core_index=0)
    prm = tables.param_table(cfg, [p])
    opts = tables.kernel_options(cfg)
    v = p["v0"].copy()
    out_v, out_s = np.zeros_like(x), np.zeros_like(x)
    if model == "loihi_lif":
        u, out_u = p["u0"].copy(), np.zeros_like(x)
        refr = np.zeros(n, dtype=np.int32)
        _kernels.loihi_direct(prm, u, v, refr, x, out_u, out_v, out_s, **opts)
        return {"u": out_u, "v": out_v, "spikes": out_s}
    key = seed_key(seed if seed is not None else cfg.neuron.prng_seed)
    _kernels.truenorth_direct(prm, v, x, out_v, out_s, key=key, **opts)
    return {"v": out_v, "spikes": out_s}


__all__ = ["simulate_neurons"]
