"""Derived per-neuron tables the kernels read, built once from validated parameters and the config.

The kernels take one int64 row per neuron with the columns named in ``_kernels.LOIHI_COLUMNS`` /
``_kernels.TRUENORTH_COLUMNS``; everything that can be computed once (decay multipliers, shifted threshold and
bias, threshold masks) is computed here rather than every tick.
"""

from __future__ import annotations

import numpy as np

from cores.fixed_point import shift
from emulator.errors import ConfigError

try:
    from cores import _kernels
except ImportError as exc:  # no fallback: the Cython kernel is the only runtime path
    raise ImportError(
        "cores._kernels (Cython) is not built; run `python setup.py build_ext --inplace` in the repository"
    ) from exc

# Kernel arithmetic is int64; inputs and registers must leave headroom for one addition of three terms.
INT64_HEADROOM_BITS = 61


def loihi_columns(cfg, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Columns of the Loihi table from validated parameters ``p`` (int64 arrays of n)."""
    nn = cfg.neuron
    unity = 1 << nn.decay_bits
    return {
        # Quirk (Lava): the current decay uses du + 1, so du = 0 still decays u by 1/4096 per tick.
        "k_u": unity - (p["du"] + 1),
        "k_v": unity - p["dv"],
        # Threshold mantissa is MSB-aligned by threshold_shift (6 on Loihi); the bias is not shifted by 6.
        "vth_eff": p["vth"] << nn.threshold_shift,
        "bias_eff": shift(p["bias_mant"], p["bias_exp"]),
        "weight_exp": p["weight_exp"],
        "refractory_ticks": p["refractory_ticks"],
    }


def truenorth_columns(cfg, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Columns of the TrueNorth table from validated parameters ``p`` (no config-derived scaling needed)."""
    cols = {name: p[name] for name in ("leak", "leak_reversal", "leak_stochastic", "alpha", "beta",
                                       "reset_mode", "kappa", "reset_value")}
    cols["eta_mask"] = (np.int64(1) << p["threshold_mask_bits"]) - 1
    return cols


def param_table(cfg, per_core: list[dict[str, np.ndarray]]) -> np.ndarray:
    """int64[n_neurons, n_columns] table for all cores, rows in global neuron order."""
    loihi = cfg.neuron.model == "loihi_lif"
    names = _kernels.LOIHI_COLUMNS if loihi else _kernels.TRUENORTH_COLUMNS
    build = loihi_columns if loihi else truenorth_columns
    if not per_core:
        return np.zeros((0, len(names)), dtype=np.int64)
    blocks = []
    for p in per_core:
        cols = build(cfg, p)
        blocks.append(np.stack([np.asarray(cols[c], dtype=np.int64) for c in names], axis=1))
    return np.ascontiguousarray(np.concatenate(blocks, axis=0), dtype=np.int64)


def check_headroom(cfg) -> None:
    """Refuse configs whose worst-case per-tick input would not fit the kernels' exact int64 arithmetic.

    Bound (one spike per axon per tick): max_fan_in * 2**weight_bits * 2**(weight_exp_max + input_shift).
    """
    c, nn = cfg.core, cfg.neuron
    extra = max(c.weight_exp_max, 0) + getattr(nn, "input_shift", 0)
    worst = c.max_fan_in * (1 << c.weight_bits) << extra
    if worst.bit_length() > INT64_HEADROOM_BITS:
        raise ConfigError(
            f"core.max_fan_in x weight range x 2**(weight_exp_max + input_shift) needs {worst.bit_length()} bits "
            f"per tick; the exact int64 kernels allow <= {INT64_HEADROOM_BITS}",
            cfg.name,
        )


def kernel_options(cfg) -> dict:
    """Scalar options passed to the kernel update functions for ``cfg``'s neuron model."""
    nn = cfg.neuron
    if nn.model == "loihi_lif":
        return {
            "decay_bits": nn.decay_bits,
            "input_shift": nn.input_shift,
            "current_bits": nn.current_bits,
            "u_wrap": nn.current_overflow == "wrap",
            "membrane_bits": nn.membrane_bits,
            "v_wrap": nn.membrane_overflow == "wrap",
            "refractory": nn.refractory == "silicon",
        }
    return {"membrane_bits": nn.membrane_bits, "v_wrap": nn.membrane_overflow == "wrap"}


__all__ = ["check_headroom", "kernel_options", "loihi_columns", "param_table", "truenorth_columns"]
