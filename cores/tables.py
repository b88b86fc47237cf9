"""Derived per-neuron tables the kernels read, built once from validated parameters and the config.

The kernels take one record per neuron (:data:`LOIHI_DTYPE` / :data:`TRUENORTH_DTYPE`, 32 / 24 bytes);
everything that can be computed once (decay multipliers, shifted threshold and bias, threshold masks, the
"rest is a fixed point" flag) is computed here rather than every tick.
"""

from __future__ import annotations

import numpy as np

from chip_configs.errors import ConfigError
from cores.fixed_point import shift

try:
    from cores import _kernels
except ImportError as exc:  # no fallback: the Cython kernel is the only runtime path
    raise ImportError(
        "cores._kernels (Cython) is not built; run `python setup.py build_ext --inplace` in the repository"
    ) from exc

# Kernel arithmetic is int64; inputs and registers must leave headroom for one addition of three terms.
INT64_HEADROOM_BITS = 61


# NumPy twins of the kernel's per-neuron records (cores/_kernels.pyx, LoihiNeuron / TrueNorthNeuron): same
# field order and widths, explicit padding. Widths follow the config bounds (chip_configs/schema.py): decay_bits
# <= 16 (k_u, k_v < 2**16), refractory_ticks_max <= 1024, |weight_exp| <= 16, leak_bits <= 16,
# threshold_bits and threshold_mask_bits <= 30; vth_eff, bias_eff and reset_value can need 62 bits.
LOIHI_DTYPE = np.dtype([("vth_eff", "<i8"), ("bias_eff", "<i8"), ("k_u", "<i4"), ("k_v", "<i4"),
                        ("refractory_ticks", "<i2"), ("weight_exp", "i1"), ("flags", "u1"), ("pad", "<i4")])
TRUENORTH_DTYPE = np.dtype([("reset_value", "<i8"), ("alpha", "<i4"), ("beta", "<i4"), ("eta_mask", "<i4"),
                            ("leak", "<i2"), ("reset_mode", "u1"), ("flags", "u1")])


def _check_record_sizes() -> None:
    sizes = _kernels.record_sizes()
    if (sizes["loihi"], sizes["truenorth"]) != (LOIHI_DTYPE.itemsize, TRUENORTH_DTYPE.itemsize):
        raise ImportError(f"cores._kernels records {sizes} differ from cores.tables dtypes; rebuild the kernels")


_check_record_sizes()


def _flags(table: dict[str, int], p: dict[str, np.ndarray]) -> np.ndarray:
    """OR of the flag bits whose condition array (0/1 per neuron) is set."""
    out = np.zeros(next(iter(p.values())).shape[0], dtype=np.uint8)
    for name, bit in table.items():
        out |= np.where(p[name] != 0, bit, 0).astype(np.uint8)
    return out


def loihi_columns(cfg, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Fields of the Loihi record from validated parameters ``p`` (int64 arrays of n)."""
    nn = cfg.neuron
    unity = 1 << nn.decay_bits
    bias_eff = shift(p["bias_mant"], p["bias_exp"])
    return {
        # Quirk (Lava): the current decay uses du + 1, so du = 0 still decays u by 1/4096 per tick.
        "k_u": unity - (p["du"] + 1),
        "k_v": unity - p["dv"],
        # Threshold mantissa is MSB-aligned by threshold_shift (6 on Loihi); the bias is not shifted by 6.
        "vth_eff": p["vth"] << nn.threshold_shift,
        "bias_eff": bias_eff,
        "weight_exp": p["weight_exp"],
        "refractory_ticks": p["refractory_ticks"],
        # Without bias, a neuron at rest (u = v = 0, no input) stays at rest: the kernel may skip it.
        "flags": _flags(_kernels.LOIHI_FLAGS, {"rest": bias_eff == 0}),
    }


def truenorth_columns(cfg, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Fields of the TrueNorth record from validated parameters ``p`` (no config-derived scaling needed)."""
    cols = {name: p[name] for name in ("leak", "alpha", "beta", "reset_mode", "reset_value")}
    cols["eta_mask"] = (np.int64(1) << p["threshold_mask_bits"]) - 1
    # V = 0 with no input stays 0 when no leak moves it (none, or reversed: sign(0) = 0) and alpha > 0 (eta >= 0
    # so V = 0 cannot reach alpha + eta); the negative branches need V < -beta <= 0. The kernel may skip it.
    rest = ((p["leak"] == 0) | (p["leak_reversal"] != 0)) & (p["alpha"] > 0)
    conds = {"leak_reversal": p["leak_reversal"], "leak_stochastic": p["leak_stochastic"], "kappa": p["kappa"],
             "rest": rest}
    cols["flags"] = _flags(_kernels.TRUENORTH_FLAGS, conds)
    return cols


def record_dtype(cfg) -> np.dtype:
    """The per-neuron record dtype of ``cfg``'s neuron model."""
    return LOIHI_DTYPE if cfg.neuron.model == "loihi_lif" else TRUENORTH_DTYPE


def fill_records(cfg, out: np.ndarray, p: dict[str, np.ndarray]) -> None:
    """Write the records of one core's validated parameters ``p`` into ``out`` (a slice of the table)."""
    cols = (loihi_columns if cfg.neuron.model == "loihi_lif" else truenorth_columns)(cfg, p)
    for name, values in cols.items():
        out[name] = values


def param_table(cfg, per_core: list[dict[str, np.ndarray]]) -> np.ndarray:
    """Record array (one per neuron, global order) for the validated parameters of every core."""
    n = sum(int(p["v0"].shape[0]) for p in per_core)
    table = np.zeros(n, dtype=record_dtype(cfg))
    start = 0
    for p in per_core:
        stop = start + int(p["v0"].shape[0])
        fill_records(cfg, table[start:stop], p)
        start = stop
    return table


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


__all__ = ["LOIHI_DTYPE", "TRUENORTH_DTYPE", "check_headroom", "fill_records", "kernel_options", "loihi_columns",
           "param_table", "record_dtype", "truenorth_columns"]
