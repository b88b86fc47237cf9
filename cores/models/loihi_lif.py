"""Loihi current-based LIF (YAML ``loihi_lif``): Lava's bit-accurate rules, generalised to config widths.

Everything model-specific lives here: the parameter record and its ranges, the kernel record, the state
registers, the memory rule, the NumPy oracle (:func:`integrate`, :func:`step`) and the calls into the compiled
kernels (``cores._kernels.loihi_update`` / ``loihi_direct``, arithmetic in ``cores/_lif.pxd``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from chip_configs.schema import LoihiLifNeuron, as_core_spec
from cores import fixed_point as fx
from cores._compiled import _kernels, check_record_size
from cores.crossbar import CsrCrossbar
from cores.models.base import Capabilities, Draws, NeuronModel, Register, Synapses, flag_bits
from cores.params import ParamRange, ParamRecord, signed_range, unsigned_range


@dataclass(frozen=True)
class LoihiLifParams(ParamRecord):
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
    u0, v0 : initial current and voltage, within their register ranges (:func:`current_register`, :func:`voltage_register`).
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
            "vth": ParamRange(*unsigned_range(nn.threshold_mant_bits), "2**threshold_shift voltage LSB"),
            "bias_mant": ParamRange(*signed_range(nn.bias_mant_bits), "voltage LSB"),
            "bias_exp": ParamRange(-(1 << nn.bias_exp_bits), (1 << nn.bias_exp_bits) - 1, "power of 2"),
            "weight_exp": ParamRange(cc.weight_exp_min, cc.weight_exp_max, "power of 2"),
            "u0": ParamRange(*current_register(cfg).range(), "current LSB"),
            "v0": ParamRange(*voltage_register(cfg).range(), "voltage LSB"),
            "refractory_ticks": ParamRange(0, nn.refractory_ticks_max, "ticks"),
        }


# NumPy twin of the kernel's per-neuron record (cores/_lif.pxd, LoihiNeuron): same field order and widths,
# explicit padding. Widths follow the config bounds (chip_configs/schema.py): decay_bits <= 16 (k_u, k_v <
# 2**16), refractory_ticks_max <= 1024, |weight_exp| <= 16; vth_eff and bias_eff can need 62 bits.
RECORD_DTYPE = np.dtype([("vth_eff", "<i8"), ("bias_eff", "<i8"), ("k_u", "<i4"), ("k_v", "<i4"),
                         ("refractory_ticks", "<i2"), ("weight_exp", "i1"), ("flags", "u1"), ("pad", "<i4")])
check_record_size("loihi", RECORD_DTYPE)


def current_register(cfg) -> Register:
    """The current u: Lava's wrap convention, (-H, H] (``PyLifModelBitAcc``; one off two's complement)."""
    nn = cfg.neuron
    return Register("u", np.int64, nn.current_bits, initial="u0", overflow=nn.current_overflow, convention=fx.LAVA)


def voltage_register(cfg) -> Register:
    """The voltage v: Lava saturates it; a wrapping v (a config option) takes Lava's convention too."""
    nn = cfg.neuron
    return Register("v", np.int64, nn.membrane_bits, initial="v0", overflow=nn.membrane_overflow,
                    convention=fx.LAVA)


def _silicon(cfg) -> bool:
    """Whether a spiking neuron then holds v = 0 for refractory_ticks (the only case with a counter)."""
    return cfg.neuron.refractory == "silicon"


def _bits_for(n_values: int) -> int:
    """Bits of a counter holding ``n_values`` distinct values."""
    return max(int(n_values) - 1, 0).bit_length()


# ----- the NumPy oracle ------------------------------------------------------------------------------------


def integrate(cfg, p: LoihiLifParams, syn: Synapses, count: np.ndarray, draws: Draws | None = None) -> np.ndarray:
    """Net input per neuron: ``sum_s w_s * count[axon_s]`` over its synapses (before weight_exp)."""
    inp = np.zeros(p.n_neurons, dtype=np.int64)
    np.add.at(inp, syn.neuron, syn.weight * count[syn.axon])
    return inp


def step(cfg, p: LoihiLifParams, state: dict, inp: np.ndarray, draws: Draws | None = None):
    """One tick of every neuron (rules: :class:`LoihiLifParams`); returns ``(spike, active, new state)``.

    ``state`` holds ``u``, ``v`` and, with ``refractory: silicon``, ``refractory`` (int64 arrays). A neuron
    is *active* unless all of u, v, refractory, its input and its new v are 0 and it did not spike.
    """
    nn = cfg.neuron
    d = nn.decay_bits
    u, v = state["u"], state["v"]
    refr = state.get("refractory", np.zeros_like(v))
    drive = fx.shift(inp, p.weight_exp) << nn.input_shift
    u_new = current_register(cfg).apply(fx.decay(u, (1 << d) - (p.du + 1), d) + drive)
    bias = fx.shift(p.bias_mant, p.bias_exp)
    v_int = voltage_register(cfg).apply(fx.decay(v, (1 << d) - p.dv, d) + u_new + bias)
    held = refr > 0
    spike = ~held & (v_int > (p.vth << nn.threshold_shift))
    v_new = np.where(held | spike, 0, v_int)
    active = spike | (u != 0) | (v != 0) | (refr != 0) | (inp != 0) | (v_new != 0)
    new = {"u": u_new, "v": v_new}
    if _silicon(cfg):
        new["refractory"] = np.where(held, refr - 1, np.where(spike, p.refractory_ticks, 0))
    return spike, active, new


# ----- the unit --------------------------------------------------------------------------------------------


class LoihiLif(NeuronModel):
    """The ``loihi_lif`` unit: CSR crossbar of per-synapse weights, registers u, v (and a refractory counter)."""

    name = "loihi_lif"
    config_block = LoihiLifNeuron
    preset = "loihi"
    Params = LoihiLifParams
    record_dtype = RECORD_DTYPE
    kernel_record = "loihi"
    rest_flag = _kernels.LOIHI_FLAGS["rest"]
    capabilities = Capabilities(synapse_weights=True, graded_input=True, fused_loop=True)

    integrate = staticmethod(integrate)
    step = staticmethod(step)

    def registers(self, cfg) -> tuple[Register, ...]:
        cfg = as_core_spec(cfg)
        nn = cfg.neuron
        return (current_register(cfg), voltage_register(cfg),
                Register("refractory", np.int32, _bits_for(nn.refractory_ticks_max + 1), present=_silicon(cfg)))

    def synapse_memory_bits(self, cfg, n_axons, n_neurons, n_synapses):
        """One weight per synapse: synapses x weight_bits."""
        return np.asarray(n_synapses) * as_core_spec(cfg).core.weight_bits

    def synapse_capacity(self, cfg) -> int:
        c = as_core_spec(cfg).core
        return c.synapse_memory_bits // max(c.weight_bits, 1)

    def input_scale_bits(self, cfg) -> int:
        return max(cfg.core.weight_exp_max, 0) + cfg.neuron.input_shift

    def record_columns(self, cfg, p: LoihiLifParams) -> dict[str, np.ndarray]:
        nn = cfg.neuron
        unity = 1 << nn.decay_bits
        bias_eff = fx.shift(p.bias_mant, p.bias_exp)
        return {
            # Quirk (Lava): the current decay uses du + 1, so du = 0 still decays u by 1/4096 per tick.
            "k_u": unity - (p.du + 1),
            "k_v": unity - p.dv,
            # Threshold mantissa is MSB-aligned by threshold_shift (6 on Loihi); the bias is not shifted by 6.
            "vth_eff": p.vth << nn.threshold_shift,
            "bias_eff": bias_eff,
            "weight_exp": p.weight_exp,
            "refractory_ticks": p.refractory_ticks,
            # Without bias, a neuron at rest (u = v = 0, no input) stays at rest: the kernel may skip it.
            "flags": flag_bits(_kernels.LOIHI_FLAGS, {"rest": bias_eff == 0}, p.n_neurons),
        }

    def kernel_options(self, cfg) -> dict:
        """The compiled Loihi paths (per-core kernels and the fused loop) wrap with Lava's convention only."""
        nn = cfg.neuron
        u, v = current_register(cfg), voltage_register(cfg)
        return {
            "decay_bits": nn.decay_bits,
            "input_shift": nn.input_shift,
            "current_bits": u.bits,
            "u_wrap": u.overflow == "wrap",
            "membrane_bits": v.bits,
            "v_wrap": v.overflow == "wrap",
            "refractory": _silicon(cfg),
        }

    def make_crossbar(self, cfg, axon_offset, neuron_offset, n_synapses, programs):
        return CsrCrossbar(cfg, axon_offset, neuron_offset, n_synapses)

    def update(self, ca) -> int:
        return _kernels.loihi_update(ca._prm, ca.u, ca.v, ca.refractory, ca._acc, ca.neuron_offset, ca._spikes,
                                     ca.last_counts, ca._core_state, **ca._opts)

    def direct(self, cfg, prm, regs, inputs, key) -> dict:
        out_u, out_v, out_s = np.zeros_like(inputs), np.zeros_like(inputs), np.zeros_like(inputs)
        _kernels.loihi_direct(prm, regs["u"], regs["v"], regs["refractory"], inputs, out_u, out_v, out_s,
                              **self.kernel_options(cfg))
        return {"u": out_u, "v": out_v, "spikes": out_s}

    def trace_lines(self, prm: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        # v spikes when strictly above vth << threshold_shift, then resets to 0 (Lava's rule)
        return {"v": {"threshold (spike when above)": prm["vth_eff"], "reset": np.zeros(len(prm), np.int64)}}


MODEL = LoihiLif()

__all__ = ["MODEL", "RECORD_DTYPE", "LoihiLif", "LoihiLifParams", "current_register", "integrate", "step",
           "voltage_register"]
