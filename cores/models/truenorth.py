"""TrueNorth neuron (YAML ``truenorth``, Cassidy et al., IJCNN 2013, as restated in reference/hardware.md).

Everything model-specific lives here: the parameter record and its ranges, the kernel record, the state
register, the memory rule, the NumPy oracle (:func:`integrate`, :func:`step`, with the counter-based draws of
:mod:`cores.prng`) and the calls into the compiled kernels (``cores._kernels.truenorth_update`` /
``truenorth_direct``).

Two properties of TrueNorth's RTL (checked against RANC, Mack et al. 2021, whose simulator equals its Verilog):

- **Axons are bits** (capability ``binary_axons``). A core's scheduler holds one bit per axon and delay slot
  (16 x 256 bits): a spike sets the bit of its axon in the slot of its delivery tick, so two spikes reaching
  one axon for the same tick, from one source or several, by equal or different delays, count once (OR, not
  sum); RANC's scheduler warns "duplicate spike in same time tick" and keeps the bit. Our choice for such
  input: **OR, and count the dropped duplicates** (never refuse: it is what the chip does, and a network may
  merge sources onto one axon on purpose). Every engine and the oracle OR them; the cores count the dropped
  spikes per tick (``CoreArray.last_duplicates``) and every report of a chip with binary axons carries the
  count per inference (``duplicate_axon_spikes``). The mapper never produces them (each axon takes one
  (source, delay) pair, :mod:`mapping.partition`, and a neuron fires at most once per tick), so they come
  from host input with counts above 1 on a line in a tick, or from hand-built networks that merge sources.
- **The membrane wraps as two's complement** (register convention ``twos_complement``): under
  ``membrane_overflow: wrap`` a ``b``-bit V holds [-2**(b-1), 2**(b-1)) (RANC's 9-bit potential adder keeps
  the low bits), not Lava's (-2**(b-1), 2**(b-1)] of Loihi's current; v0 ranges over the same interval.
  ``saturate`` keeps the symmetric [-(2**(b-1) - 1), 2**(b-1) - 1] (an estimate, as the preset says).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from chip_configs.schema import TrueNorthNeuron, as_core_spec
from cores import fixed_point as fx
from cores import prng
from cores._compiled import _kernels, check_record_size
from cores.crossbar import BitCrossbar
from cores.fixed_point import half
from cores.models.base import Capabilities, Draws, NeuronModel, Register, Synapses, flag_bits
from cores.params import ParamRange, ParamRecord, axon_types, signed_range, unsigned_range


@dataclass(frozen=True)
class TrueNorthParams(ParamRecord):
    """TrueNorth neuron (Cassidy et al., IJCNN 2013, as restated in reference/hardware.md).

    Per tick, with ``G(a)`` the type of axon ``a`` and ``b_a`` in {0, 1} whether any spike reached it for this
    tick (binary axons: spikes on one axon in one tick OR, they do not add)::

        V += sum_{a: b_a = 1, crossbar[a, j]} weights[j, G(a)]                (deterministic type)
             or, per active axon, sign(w) when (draw & 0xFF) < |w|            (syn_stochastic[j, G(a)] = 1)
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
    v0 : initial membrane potential, within the membrane register's range (:func:`membrane_register`: two's
        complement [-2**(b-1), 2**(b-1) - 1] when it wraps).
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
            "leak": ParamRange(*signed_range(nn.leak_bits), "membrane LSB per tick"),
            "leak_reversal": ParamRange(0, 1, "flag"),
            "leak_stochastic": ParamRange(0, 1, "flag"),
            "alpha": ParamRange(*unsigned_range(nn.threshold_bits), "membrane LSB"),
            "beta": ParamRange(*unsigned_range(nn.threshold_bits), "membrane LSB"),
            "threshold_mask_bits": ParamRange(0, nn.threshold_mask_bits, "bits"),
            "reset_mode": ParamRange(0, 2, "gamma"),
            "kappa": ParamRange(0, 1, "flag"),
            "reset_value": ParamRange(-(h - 1), h - 1, "membrane LSB"),
            "v0": ParamRange(*membrane_register(cfg).range(), "membrane LSB"),
        }


def membrane_register(cfg) -> Register:
    """The membrane V: ``membrane_bits`` wide; when it wraps, as two's complement (TrueNorth's RTL), into
    [-2**(b-1), 2**(b-1)): on 9 bits -256 stays -256, and +256 is held as -256."""
    nn = cfg.neuron
    return Register("v", np.int64, nn.membrane_bits, initial="v0", overflow=nn.membrane_overflow,
                    convention=fx.TWOS_COMPLEMENT)


# NumPy twin of the kernel's per-neuron record (cores/_kernels.pyx, TrueNorthNeuron): same field order and
# widths. leak_bits <= 16, threshold_bits and threshold_mask_bits <= 30 (chip_configs/schema.py); reset_value
# can need 62 bits.
RECORD_DTYPE = np.dtype([("reset_value", "<i8"), ("alpha", "<i4"), ("beta", "<i4"), ("eta_mask", "<i4"),
                         ("leak", "<i2"), ("reset_mode", "u1"), ("flags", "u1")])
check_record_size("truenorth", RECORD_DTYPE)

_LOW8 = np.uint64(0xFF)  # stochastic synapse and leak compare the draw's low byte with |weight| or |leak|


# ----- the NumPy oracle ------------------------------------------------------------------------------------


def integrate(cfg, p: TrueNorthParams, syn: Synapses, count: np.ndarray, draws: Draws) -> np.ndarray:
    """Net input per neuron from the axons that received any spike this tick (``count[a] > 0``: binary axons,
    so a count above 1 counts once): the typed weight ``w = weights[j, type(a)]``, or for a stochastic type
    ``sign(w)`` when the low byte of the draw of slot ``synapse_slot(a, 0)`` (one draw per axon and tick) is
    below ``|w|``. ``syn`` carries ``w`` and the mode (:meth:`TrueNorth.bind_synapses`).
    """
    on = count[syn.axon] > 0
    inp = np.zeros(p.n_neurons, dtype=np.int64)
    np.add.at(inp, syn.neuron, np.where(on & ~syn.stochastic, syn.weight, 0))
    s = np.flatnonzero(syn.stochastic & on)
    r = draws.at(syn.neuron[s], prng.synapse_slot(syn.local_axon[s], 0)) & _LOW8
    hit = r.astype(np.int64) < np.abs(syn.weight[s])
    np.add.at(inp, syn.neuron[s], np.where(hit, np.sign(syn.weight[s]), 0))
    return inp


def step(cfg, p: TrueNorthParams, state: dict, inp: np.ndarray, draws: Draws):
    """One tick of every neuron (rules: :class:`TrueNorthParams`); returns ``(spike, active, new state)``.

    A neuron is *active* unless its V before and after, and its input, are 0 and it did not spike.
    """
    ovf = membrane_register(cfg).apply
    v0 = state["v"]
    vv = ovf(v0 + inp)
    lk = np.where(p.leak_reversal == 1, p.leak * np.sign(vv), p.leak)
    r_leak = (draws.neurons(prng.SLOT_LEAK) & _LOW8).astype(np.int64)
    lk = np.where(p.leak_stochastic == 1, np.where(r_leak < np.abs(lk), np.sign(lk), 0), lk)
    vv = ovf(vv + lk)
    mask = (np.int64(1) << p.threshold_mask_bits) - 1
    eta = (draws.neurons(prng.SLOT_THRESHOLD) & mask.astype(np.uint64)).astype(np.int64)
    v_new, spike = _reset(p, vv, eta)
    v_new = ovf(v_new)
    active = spike | (v0 != 0) | (inp != 0) | (v_new != 0)
    return spike, active, {"v": v_new}


def _reset(p: TrueNorthParams, vv: np.ndarray, eta: np.ndarray):
    """Threshold test and the six (gamma, kappa) resets of Cassidy 2013; returns (new V, spike mask)."""
    alpha, beta, gamma, r = p.alpha, p.beta, p.reset_mode, p.reset_value
    spike = vv >= alpha + eta
    neg_sat = ~spike & (p.kappa == 1) & (vv < -beta)
    neg = ~spike & (p.kappa == 0) & (vv < -(beta + eta))
    out = vv.copy()
    out = np.where(spike & (gamma == 0), r, out)
    out = np.where(spike & (gamma == 1), vv - (alpha + eta), out)
    out = np.where(neg_sat, -beta, out)
    out = np.where(neg & (gamma == 0), -r, out)
    out = np.where(neg & (gamma == 1), vv + (beta + eta), out)
    return out, spike


# ----- the unit --------------------------------------------------------------------------------------------


class TrueNorth(NeuronModel):
    """The ``truenorth`` unit: bit crossbar with typed binary axons, one register v (two's-complement wrap),
    stochastic modes."""

    name = "truenorth"
    config_block = TrueNorthNeuron
    preset = "truenorth"
    Params = TrueNorthParams
    record_dtype = RECORD_DTYPE
    kernel_record = "truenorth"
    rest_flag = _kernels.TRUENORTH_FLAGS["rest"]
    capabilities = Capabilities(typed_axons=True, bit_crossbar=True, stochastic=True, binary_axons=True,
                                fused_loop=True)

    integrate = staticmethod(integrate)
    step = staticmethod(step)

    def bind_synapses(self, cfg, p: TrueNorthParams, syn: Synapses) -> Synapses:
        """The typed weight ``weights[j, type(a)]`` and stochastic mode of every synapse, looked up once."""
        return replace(syn, weight=p.weights[syn.neuron, syn.axon_type],
                       stochastic=p.syn_stochastic[syn.neuron, syn.axon_type] != 0)

    def default_seed(self, cfg) -> int:
        return cfg.neuron.prng_seed

    def registers(self, cfg) -> tuple[Register, ...]:
        return (membrane_register(as_core_spec(cfg)),)

    def synapse_memory_bits(self, cfg, n_axons, n_neurons, n_synapses):
        """The binary crossbar: axons x neurons bits, connected or not."""
        return np.asarray(n_axons) * n_neurons

    def synapse_capacity(self, cfg) -> int:
        """One bit per crossbar point, so the crossbar size bounds the synapses, not the weight width."""
        return as_core_spec(cfg).core.max_synapses_per_core

    def neuron_weight_bits(self, cfg, n_neurons):
        """The typed weights: neurons x axon_types x weight_bits."""
        return np.asarray(n_neurons) * axon_types(cfg) * cfg.core.weight_bits

    def input_scale_bits(self, cfg) -> int:
        # No input shift; weight_exp_max is kept in the bound (as before the units) although no exponent applies.
        return max(cfg.core.weight_exp_max, 0)

    def record_columns(self, cfg, p: TrueNorthParams) -> dict[str, np.ndarray]:
        cols = {"leak": p.leak, "alpha": p.alpha, "beta": p.beta, "reset_mode": p.reset_mode,
                "reset_value": p.reset_value, "eta_mask": (np.int64(1) << p.threshold_mask_bits) - 1}
        # V = 0 with no input stays 0 when no leak moves it (none, or reversed: sign(0) = 0) and alpha > 0 (eta
        # >= 0 so V = 0 cannot reach alpha + eta); the negative branches need V < -beta <= 0. The kernel may
        # skip it.
        rest = ((p.leak == 0) | (p.leak_reversal != 0)) & (p.alpha > 0)
        conds = {"leak_reversal": p.leak_reversal, "leak_stochastic": p.leak_stochastic, "kappa": p.kappa,
                 "rest": rest}
        cols["flags"] = flag_bits(_kernels.TRUENORTH_FLAGS, conds, p.n_neurons)
        return cols

    def kernel_options(self, cfg) -> dict:
        """The membrane's width and overflow as the compiled rule takes them (``nm_tn_cfg``)."""
        v = membrane_register(cfg)
        return {"membrane_bits": v.bits, "v_wrap": v.overflow == "wrap", "v_twos_complement": v.twos_complement}

    def fused_tables(self, ca) -> dict:
        """What the fused loop's bit-crossbar kernel (``emulator/_tn_fused.c``) takes from CoreArray ``ca`` of
        this model, shared, not copied: the kernel records and membrane register, the crossbar's rows, axon types,
        typed weights and stochastic flags, the PRNG key, the rule's options and the record's flag bits."""
        x = ca._xbar
        return {"prm": ca._prm, "v": ca.v, "words": x.words, "axon_type": x.axon_type, "weight_t": x.weight_t,
                "stoch_t": x.stoch_t, "key": ca._key, "options": self.kernel_options(ca.cfg),
                "flag_bits": _kernels.TRUENORTH_FLAGS}

    def make_crossbar(self, cfg, axon_offset, neuron_offset, n_synapses, programs):
        return BitCrossbar(cfg, axon_offset, neuron_offset, programs, binary=self.capabilities.binary_axons)

    def update(self, ca) -> int:
        return _kernels.truenorth_update(ca._prm, ca.v, ca._acc, ca.neuron_offset, ca._spikes, ca.last_counts,
                                         ca._core_state, key=ca._key, tick=ca.tick, **ca._opts)

    def direct(self, cfg, prm, regs, inputs, key) -> dict:
        out_v, out_s = np.zeros_like(inputs), np.zeros_like(inputs)
        _kernels.truenorth_direct(prm, regs["v"], inputs, out_v, out_s, key=key, **self.kernel_options(cfg))
        return {"v": out_v, "spikes": out_s}

    def trace_lines(self, prm: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        # V spikes when V >= alpha + eta (eta = 0 without a threshold mask) and resets to R (gamma 0); the
        # negative threshold -beta bounds it from below
        return {"v": {"threshold alpha": prm["alpha"], "reset R": prm["reset_value"],
                      "negative threshold -beta": -prm["beta"].astype(np.int64)}}


MODEL = TrueNorth()

__all__ = ["MODEL", "RECORD_DTYPE", "TrueNorth", "TrueNorthParams", "integrate", "membrane_register", "step"]
