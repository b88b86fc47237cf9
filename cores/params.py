"""Per-neuron parameter records of the two neuron models, their ranges, and their validation.

One frozen dataclass per model; fields are named by their hardware names and hold one int64 value per neuron
(or one per neuron and axon type). The allowed range of every field is derived from the :class:`ChipConfig`
(``cfg.neuron`` / ``cfg.core`` widths), never from literals, and the same range table drives validation and the
generation of edge and invalid values in the tests.

Every parameter defaults to 0 when omitted; a scalar is broadcast to every neuron.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from chip_configs.errors import ProgramError
from cores.fixed_point import half, register_range

MODELS = ("loihi_lif", "truenorth")


@dataclass(frozen=True)
class ParamRange:
    """Inclusive integer range of one parameter; ``typed`` parameters have shape (n, axon_types)."""

    lo: int
    hi: int
    unit: str = ""
    typed: bool = False

    def describe(self) -> str:
        return f"{self.lo}..{self.hi}"


def _signed(bits: int) -> tuple[int, int]:
    """Two's-complement range of a ``bits``-wide signed field."""
    return -half(bits), half(bits) - 1


def _unsigned(bits: int) -> tuple[int, int]:
    return 0, (1 << bits) - 1


@dataclass(frozen=True)
class LoihiLifParams:
    """Loihi current-based LIF, Lava's bit-accurate rules (``PyLifModelBitAcc``), generalised to config widths.

    With ``D = decay_bits`` (12), ``s_in = input_shift`` (6), ``s_th = threshold_shift`` (6), per tick::

        I    = shift(sum_synapses(w * count), weight_exp) << s_in       input, [state units]
        u[t] = ovf_u(decay(u[t-1], 2**D - (du + 1)) + I)                 current (wraps on Loihi)
        v[t] = ovf_v(decay(v[t-1], 2**D - dv) + u[t] + shift(bias_mant, bias_exp))   voltage (saturates)
        spike  where v[t] > vth << s_th (strictly);  then v[t] = 0 (u is not reset)

    ``decay(x, k) = trunc(x * k / 2**D)`` toward zero; ``shift(x, e)`` is ``x << e`` or ``x >> -e`` (floor).
    With ``cfg.neuron.refractory == "silicon"`` a spiking neuron then holds v = 0 for ``refractory_ticks``
    ticks (u keeps integrating).

    Attributes (one int64 per neuron; units are LSBs of the named register)
    ----------
    du, dv : current / voltage decay, 0..2**D - 1 [1/2**D per tick]. du = 0 still decays by 1/2**D (Lava's +1).
    vth : threshold mantissa, 0..2**threshold_mant_bits - 1 [2**s_th voltage LSB].
    bias_mant : signed bias mantissa, bias_mant_bits wide [voltage LSB].
    bias_exp : bias exponent, -(2**bias_exp_bits)..2**bias_exp_bits - 1. The chip field is unsigned; Lava
        accepts any int and shifts right (floor) for a negative exponent, so the signed range is accepted.
    weight_exp : exponent applied to the summed synaptic input, core.weight_exp_min..weight_exp_max.
    u0, v0 : initial current and voltage, within their register ranges (see ``fixed_point.register_range``).
    refractory_ticks : 0..refractory_ticks_max [ticks]; used only with ``refractory: silicon``.
    """

    du: np.ndarray
    dv: np.ndarray
    vth: np.ndarray
    bias_mant: np.ndarray
    bias_exp: np.ndarray
    weight_exp: np.ndarray
    u0: np.ndarray
    v0: np.ndarray
    refractory_ticks: np.ndarray

    model: ClassVar[str] = "loihi_lif"

    @staticmethod
    def ranges(cfg) -> dict[str, ParamRange]:
        """Allowed range of every parameter for chip config ``cfg``."""
        nn, cc = cfg.neuron, cfg.core
        return {
            "du": ParamRange(0, (1 << nn.decay_bits) - 1, "1/2**decay_bits per tick"),
            "dv": ParamRange(0, (1 << nn.decay_bits) - 1, "1/2**decay_bits per tick"),
            "vth": ParamRange(*_unsigned(nn.threshold_mant_bits), "2**threshold_shift voltage LSB"),
            "bias_mant": ParamRange(*_signed(nn.bias_mant_bits), "voltage LSB"),
            "bias_exp": ParamRange(-(1 << nn.bias_exp_bits), (1 << nn.bias_exp_bits) - 1, "power of 2"),
            "weight_exp": ParamRange(cc.weight_exp_min, cc.weight_exp_max, "power of 2"),
            "u0": ParamRange(*register_range(nn.current_bits, nn.current_overflow), "current LSB"),
            "v0": ParamRange(*register_range(nn.membrane_bits, nn.membrane_overflow), "voltage LSB"),
            "refractory_ticks": ParamRange(0, nn.refractory_ticks_max, "ticks"),
        }


@dataclass(frozen=True)
class TrueNorthParams:
    """TrueNorth neuron (Cassidy et al., IJCNN 2013, as restated in reference/hardware.md).

    Per tick, with ``G(a)`` the type of axon ``a`` and ``c_a`` the spikes arriving on it::

        V += sum_{a active, crossbar[a, j]} c_a * weights[j, G(a)]          (deterministic type)
             or, per spike, sign(w) when (draw & 0xFF) < |w|                  (syn_stochastic[j, G(a)] = 1)
        V  = ovf(V)
        L  = leak * (sign(V) if leak_reversal else 1)                         (V == 0 under reversal: no leak)
        V += L, or sign(L) when (draw & 0xFF) < |leak|  if leak_stochastic;   V = ovf(V)
        eta = draw & (2**threshold_mask_bits - 1)
        if V >= alpha + eta:  spike; V = R (gamma 0) | V - (alpha + eta) (gamma 1) | V (gamma 2)
        elif kappa == 1 and V < -beta:             V = -beta
        elif kappa == 0 and V < -(beta + eta):     V = -R (gamma 0) | V + (beta + eta) (gamma 1) | V (gamma 2)
        V = ovf(V)

    Attributes (one int64 per neuron unless noted; membrane LSB units)
    ----------
    weights : (n, axon_types) signed core.weight_bits weight per axon type.
    syn_stochastic : (n, axon_types) 0/1 stochastic synapse mode per type.
    leak : signed leak_bits leak per tick.
    leak_reversal, leak_stochastic : 0/1.
    alpha : positive threshold, 0..2**threshold_bits - 1.
    beta : negative threshold magnitude, 0..2**threshold_bits - 1.
    threshold_mask_bits : 0..cfg.neuron.threshold_mask_bits, eta = draw & (2**bits - 1).
    reset_mode : gamma in {0, 1, 2} (reset to R, linear reset, no reset).
    kappa : 0/1, negative saturation at -beta.
    reset_value : R, symmetric membrane range (so that -R is representable too).
    v0 : initial membrane potential, within the membrane register range.
    """

    weights: np.ndarray
    syn_stochastic: np.ndarray
    leak: np.ndarray
    leak_reversal: np.ndarray
    leak_stochastic: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    threshold_mask_bits: np.ndarray
    reset_mode: np.ndarray
    kappa: np.ndarray
    reset_value: np.ndarray
    v0: np.ndarray

    model: ClassVar[str] = "truenorth"

    @staticmethod
    def ranges(cfg) -> dict[str, ParamRange]:
        """Allowed range of every parameter for chip config ``cfg``."""
        nn, cc = cfg.neuron, cfg.core
        h = half(nn.membrane_bits)
        return {
            "weights": ParamRange(cc.weight_min, cc.weight_max, "membrane LSB", typed=True),
            "syn_stochastic": ParamRange(0, 1, "flag", typed=True),
            "leak": ParamRange(*_signed(nn.leak_bits), "membrane LSB per tick"),
            "leak_reversal": ParamRange(0, 1, "flag"),
            "leak_stochastic": ParamRange(0, 1, "flag"),
            "alpha": ParamRange(*_unsigned(nn.threshold_bits), "membrane LSB"),
            "beta": ParamRange(*_unsigned(nn.threshold_bits), "membrane LSB"),
            "threshold_mask_bits": ParamRange(0, nn.threshold_mask_bits, "bits"),
            "reset_mode": ParamRange(0, 2, "gamma"),
            "kappa": ParamRange(0, 1, "flag"),
            "reset_value": ParamRange(-(h - 1), h - 1, "membrane LSB"),
            "v0": ParamRange(*register_range(nn.membrane_bits, nn.membrane_overflow), "membrane LSB"),
        }


PARAM_RECORDS = {LoihiLifParams.model: LoihiLifParams, TrueNorthParams.model: TrueNorthParams}


def record_for(model: str):
    """The parameter record class of ``model`` ("loihi_lif" or "truenorth")."""
    try:
        return PARAM_RECORDS[model]
    except KeyError:
        raise ProgramError(f"unknown neuron model {model!r}; allowed: {', '.join(MODELS)}") from None


def param_ranges(cfg) -> dict[str, ParamRange]:
    """Ranges of the parameters of the model ``cfg.neuron.model``."""
    return record_for(cfg.neuron.model).ranges(cfg)


def _axon_types(cfg) -> int:
    return cfg.core.axon_types or 1


def _as_array(name: str, value, shape: tuple[int, ...], core_index: int) -> np.ndarray:
    """``value`` as an int64 array of ``shape`` (scalars broadcast); integer dtypes only."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iub":
        raise ProgramError(f"core {core_index}: parameter {name!r} must be integers, got dtype {arr.dtype}")
    if arr.ndim == 0:
        return np.full(shape, int(arr), dtype=np.int64)
    if arr.shape != shape:
        raise ProgramError(f"core {core_index}: parameter {name!r} has shape {arr.shape}; expected {shape}")
    return arr.astype(np.int64)


def _check_range(name: str, arr: np.ndarray, rng: ParamRange, core_index: int) -> None:
    """Raise ProgramError naming the first out-of-range neuron (and axon type), the value and the range."""
    bad = (arr < rng.lo) | (arr > rng.hi)
    if not bad.any():
        return
    idx = np.argwhere(bad)[0]
    where = f"neuron {idx[0]}" + (f", axon type {idx[1]}" if arr.ndim == 2 else "")
    raise ProgramError(
        f"core {core_index}: parameter {name!r} of {where} is {int(arr[tuple(idx)])}; allowed {rng.describe()} "
        f"({rng.unit}); {int(bad.sum())} value(s) out of range"
    )


def validate_params(cfg, params: dict, n_neurons: int, core_index: int = 0) -> dict[str, np.ndarray]:
    """Check per-neuron parameters against the config's ranges and return them as full int64 arrays.

    Parameters
    ----------
    cfg : ChipConfig
        Gives the model (``cfg.neuron.model``) and the widths.
    params : dict
        Parameter name -> scalar or array (n,) / (n, axon_types); missing names default to 0.
    n_neurons : int
        Neurons in the core.
    core_index : int
        Named in error messages.

    Raises
    ------
    ProgramError
        Unknown name, non-integer dtype, wrong shape, or a value out of range (names core, parameter, neuron,
        value, allowed range and the count of offenders).
    """
    ranges = param_ranges(cfg)
    unknown = sorted(set(params) - set(ranges))
    if unknown:
        raise ProgramError(
            f"core {core_index}: unknown parameter(s) {unknown} for model {cfg.neuron.model!r}; "
            f"allowed: {sorted(ranges)}"
        )
    out = {}
    for name, rng in ranges.items():
        shape = (n_neurons, _axon_types(cfg)) if rng.typed else (n_neurons,)
        arr = _as_array(name, params.get(name, 0), shape, core_index)
        _check_range(name, arr, rng, core_index)
        out[name] = arr
    return out


def make_record(cfg, params: dict, n_neurons: int, core_index: int = 0):
    """Validated parameter record (:class:`LoihiLifParams` or :class:`TrueNorthParams`)."""
    cls = record_for(cfg.neuron.model)
    arrays = validate_params(cfg, params, n_neurons, core_index)
    return cls(**{f.name: arrays[f.name] for f in fields(cls)})


__all__ = [
    "LoihiLifParams",
    "MODELS",
    "PARAM_RECORDS",
    "ParamRange",
    "TrueNorthParams",
    "make_record",
    "param_ranges",
    "record_for",
    "validate_params",
]
