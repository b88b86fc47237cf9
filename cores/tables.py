"""Derived per-neuron tables the kernels read, built once from validated parameter records and the core view
(:class:`chip_configs.schema.CoreSpec`; each function also accepts a ChipConfig and reduces it to that).

The kernels take one record per neuron, of the model's ``record_dtype`` (:mod:`cores.models`); everything that
can be computed once (decay multipliers, shifted threshold and bias, threshold masks, the "rest is a fixed
point" flag) is computed there, by the unit's ``record_columns``, rather than every tick. This module holds
the model-agnostic parts: filling the table and the int64 headroom check.
"""

from __future__ import annotations

import numpy as np

from chip_configs.errors import ConfigError
from chip_configs.schema import as_core_spec
from cores._compiled import _kernels
from cores.models import model_of
from cores.params import ParamRecord

# Kernel arithmetic is int64; inputs and registers must leave headroom for one addition of three terms.
INT64_HEADROOM_BITS = 61


def fill_records(cfg, out: np.ndarray, p: ParamRecord) -> None:
    """Write the kernel records of one core's validated parameters ``p`` into ``out`` (a slice of the table)."""
    cfg = as_core_spec(cfg)
    for name, values in model_of(cfg).record_columns(cfg, p).items():
        out[name] = values


def param_table(cfg, records: list[ParamRecord]) -> np.ndarray:
    """Record array (one per neuron, global order) for the validated parameter records of every core."""
    cfg = as_core_spec(cfg)
    table = np.zeros(sum(p.n_neurons for p in records), dtype=model_of(cfg).record_dtype)
    start = 0
    for p in records:
        fill_records(cfg, table[start:start + p.n_neurons], p)
        start += p.n_neurons
    return table


def check_headroom(cfg) -> None:
    """Refuse configs whose worst-case per-tick input would not fit the kernels' exact int64 arithmetic.

    Bound (one spike per axon per tick): max_fan_in * 2**weight_bits * 2**(the model's input_scale_bits;
    Loihi: weight_exp_max + input_shift).
    """
    cfg = as_core_spec(cfg)
    c = cfg.core
    worst = c.max_fan_in * (1 << c.weight_bits) << model_of(cfg).input_scale_bits(cfg)
    if worst.bit_length() > INT64_HEADROOM_BITS:
        raise ConfigError(
            f"core.max_fan_in x weight range x 2**(weight_exp_max + input_shift) needs {worst.bit_length()} bits "
            f"per tick; the exact int64 kernels allow <= {INT64_HEADROOM_BITS}",
            cfg.name,
        )


def kernel_options(cfg) -> dict:
    """Scalar options passed to the kernel update functions for ``cfg``'s neuron model."""
    cfg = as_core_spec(cfg)
    return model_of(cfg).kernel_options(cfg)


__all__ = ["INT64_HEADROOM_BITS", "_kernels", "check_headroom", "fill_records", "kernel_options", "param_table"]
