"""Float network parameters -> the chip's integer formats, with the quantisation error per layer.

One quantiser per neuron model, looked up by ``cfg.neuron.model`` in :data:`QUANTIZERS`. Each takes one
population and the float weights of every synapse into it, and returns a :class:`QuantizedLayer`:
per-neuron hardware parameters, the integer weight of every synapse (Loihi) and an error report.

Loihi (``loihi_lif``), per neuron ``j`` (scaling ``"neuron"``, the default; ``"layer"`` uses one scale
for the whole population). The chip integrates ``u += (sum w_hw << e) << 6`` and compares
``v > vth << 6``, so with ``w_hw = round(w * s_j)`` and ``S_j = s_j * 2**e_j`` the hardware state is
``u_hw = 64 * S_j * i_float`` and ``v_hw = 64 * S_j * v_float``; hence::

    s_j      = w_max / max_i |W[j, i]|              (w_max = 255 for 9-bit signed weights)
    e_j      = weight_exp: the largest exponent in [weight_exp_min, weight_exp_max] that keeps
               vth below half its mantissa range and the worst-case |u| (all inputs at once) unwrapped
    vth_j    = round(threshold_j * S_j)              (17-bit mantissa; v_hw > vth << 6  <=>  v > threshold)
    bias     = 64 * S_j * bias_j = bias_mant * 2**bias_exp   (13-bit signed mantissa, smallest exponent)
    dv       = round(4096 * (1 - beta))              (v decays by (4096 - dv) / 4096)
    du       = round(4096 * (1 - alpha)) - 1, clipped to 0..4095   (Lava decays u by (4096 - (du + 1)) / 4096)
               LIF/IF (no current state): du = 4095, u carries just this tick's input

CubaLIF's ``current_bias`` (an Affine bias into the current) becomes a voltage bias ``c = current_bias /
(1 - alpha)`` and an initial current ``u0 = i0 - c``, exact up to rounding (:func:`_loihi_bias`).
LI readouts are non-spiking neurons (threshold mantissa at its maximum, out of reach of the worst-case |v|)
whose ``v`` is probed and decoded as ``v / (64 S_j)`` (``readout_scale``).
snnTorch's ``zero_next`` reset is reset to zero plus ``refractory_ticks = 1`` on a chip with the silicon
refractory counter (:func:`loihi_reset`), exact.
Approximations (named in the layer's notes): alpha = 1 cannot be expressed
(du = 0 still decays by 1/4096); ``zero_next`` without the refractory counter, ``subtract``, multi-spike
and ``>=`` are applied as Loihi's reset to zero, one spike, ``>`` (named in the notes).

TrueNorth (``truenorth``): integer membrane ``V`` in units of ``1 / s_j``; threshold ``alpha = floor(thr *
s_j) + 1`` (``V >= alpha`` <=> ``V > thr * s_j``); TrueNorth's leak is linear, not exponential: a decay
``beta < 1`` becomes a leak toward zero (leak reversal) of ``(1 - beta) * thr / 2`` per tick, the loss of
a neuron sitting at half its threshold; with a bias too, one signed constant leak ``bias - that drain``.
Per-synapse weights are set per core (the four axon types of a core, the four levels of a neuron and axon
duplication), see :mod:`mapping.truenorth_weights`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chip_configs.errors import MappingError
from mapping.network import Population
from mapping.truenorth_weights import truenorth_core_weights

SCALINGS = ("neuron", "layer")


@dataclass(frozen=True)
class QuantizedLayer:
    """Integer parameters of one population and their error report.

    Attributes
    ----------
    name : str
    params : dict of str -> int64 ndarray (size,)
        Per-neuron hardware parameters (TrueNorth ``weights`` are filled per core later).
    weights : int64 ndarray [S] or None
        Integer weight of every incoming synapse (order of the synapse table); None for TrueNorth.
    scale : float64 ndarray (size,)
        Hardware weight units per float weight unit, per neuron (``s_j``).
    error : dict
        ``weight_rel_rms``, ``frac_clipped``, ``frac_zeroed``, ``threshold_rel_err``, ``bias_rel_err``,
        ``notes`` (approximations made).
    leak_terms : dict
        TrueNorth: ``bias_hw``, ``drain`` (float per neuron, hardware units) and ``leak_lim``, to re-encode
        the leak per core after a bias correction; empty for Loihi.
    readout_scale : float64 ndarray (size,) or None
        LI readouts (Loihi): hardware voltage units per float membrane unit (``64 S_j``), to decode the probed
        ``v``; None for spiking populations.
    """

    name: str
    params: dict
    weights: np.ndarray | None
    scale: np.ndarray
    error: dict = field(default_factory=dict)
    leak_terms: dict = field(default_factory=dict)
    readout_scale: np.ndarray | None = None


# ----- shared helpers -------------------------------------------------------------------------------------


def _max_abs_per_neuron(post: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n)
    np.maximum.at(out, post, np.abs(w))
    return out


def weight_scale(pop: Population, post: np.ndarray, w: np.ndarray, w_max: int, scaling: str) -> np.ndarray:
    """``s_j = w_max / max|W[j, :]|`` per neuron (or one value per layer); neurons with no input get 1."""
    if scaling not in SCALINGS:
        raise MappingError(f"scaling {scaling!r}; allowed: {list(SCALINGS)}")
    m = _max_abs_per_neuron(post, w, pop.size)
    if scaling == "layer":
        m[:] = m.max() if m.size else 0.0
    return np.where(m > 0, w_max / np.where(m > 0, m, 1.0), 1.0)


def weight_error(w: np.ndarray, w_hw: np.ndarray, scale: np.ndarray, clipped: np.ndarray) -> dict:
    """Relative RMS error ``||w_hw / s - w|| / ||w||`` and the fractions clipped and zeroed."""
    if w.size == 0:
        return {"weight_rel_rms": 0.0, "frac_clipped": 0.0, "frac_zeroed": 0.0, "n_synapses": 0}
    err2 = w2 = 0.0
    zeroed = 0
    for lo in range(0, w.size, _CHUNK):  # in chunks: each temporary is per synapse (10^8 synapses: 0.8 GB)
        sl = slice(lo, lo + _CHUNK)
        err = w_hw[sl] / scale[sl] - w[sl]
        err2 += float(np.sum(err * err))
        w2 += float(np.sum(w[sl] * w[sl]))
        zeroed += int(np.count_nonzero((w_hw[sl] == 0) & (w[sl] != 0)))
    norm = float(np.sqrt(w2))
    return {
        "weight_rel_rms": float(np.sqrt(err2) / norm) if norm else 0.0,
        "frac_clipped": float(np.mean(clipped)),
        "frac_zeroed": zeroed / w.size,
        "n_synapses": int(w.size),
    }


_CHUNK = 1 << 22  # synapses per chunk of weight_error (one chunk, the same floats, below 4 M synapses)


def _rel_err(exact: np.ndarray, approx: np.ndarray) -> float:
    """Largest relative error, ``max |approx - exact| / max(|exact|, tiny)``."""
    exact, approx = np.asarray(exact, np.float64), np.asarray(approx, np.float64)
    if exact.size == 0:
        return 0.0
    denom = np.maximum(np.abs(exact), 1e-12)
    diff = np.abs(approx - exact)
    return float(np.max(np.where(diff == 0, 0.0, diff / denom)))


def _refuse(pop: Population, model: str, what: str, supported: str) -> None:
    raise MappingError(f"population {pop.name!r} ({pop.neuron.kind}): {what} is not supported by the {model} "
                       f"neuron; supported: {supported}")


# ----- Loihi ---------------------------------------------------------------------------------------------------


def _li_bound(pop: Population, post: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Worst-case |v| of an LI readout in float units: every input at once plus the bias, accumulated by
    ``1 / (1 - beta)`` (at most 4096 ticks' worth), or its initial state if larger."""
    total = np.zeros(pop.size)
    np.add.at(total, post, np.abs(w))
    drive = (total + np.abs(pop.param("bias"))) / np.maximum(1.0 - pop.param("beta"), 1.0 / 4096)
    return np.maximum(drive, np.abs(pop.param("v0")))


def _loihi_threshold(cfg, pop: Population, post: np.ndarray, w: np.ndarray, notes: list[str]) -> np.ndarray:
    """The float threshold that sets the weight exponent: the neuron's, or an LI readout's worst-case |v|.

    An LI readout (``v = beta v + I + bias``, never spiking) is a Loihi neuron whose threshold mantissa is at
    its maximum, ``2**threshold_mant_bits - 1``, while the weight exponent keeps its worst-case |v| at or below
    half of it: it cannot spike, and its ``v`` is probed and decoded as ``v / (64 S_j)``.
    """
    if pop.neuron.spiking:
        return pop.param("threshold")
    notes.append("exact: LI readout as a non-spiking neuron (threshold mantissa at its maximum, twice the "
                 "worst-case |v|); its membrane is probed and decoded as v / (64 S_j)")
    return _li_bound(pop, post, w)


def silicon_refractory(cfg) -> bool:
    """Whether the chip holds v = 0 for a programmable number of ticks after a spike (at least one).

    Lava's bit-accurate rules (the ``loihi`` preset) have no refractory period; ``neuron.refractory:
    silicon`` with ``refractory_ticks_max >= 1`` models the silicon's refractory counter.
    """
    nn = cfg.neuron
    return getattr(nn, "refractory", "none") == "silicon" and getattr(nn, "refractory_ticks_max", 0) >= 1


def loihi_reset(cfg, pop: Population) -> tuple[np.ndarray | None, list[str]]:
    """``(refractory_ticks or None, notes)``: how the population's reset is built on a Loihi chip.

    ``zero_next`` (snnTorch's Synaptic and RLeaky: ``v[t+1] = 0`` whatever the input after a spike at t) is
    exactly Loihi's reset to zero at t followed by one refractory tick (v held at 0 at t + 1, u integrating),
    on a chip with the silicon refractory counter; the two agree on v from t + 1 on, and neither spikes at
    t + 1. Without the counter (Lava's rules) it is applied as reset to zero, a named approximation.
    """
    reset = getattr(pop.neuron, "reset", "zero")
    if reset == "zero_next" and silicon_refractory(cfg):
        return np.ones(pop.size, np.int64), ["exact: reset = 'zero_next' built as Loihi's reset to zero plus one "
                                             "refractory tick (neuron.refractory: silicon)"]
    if reset == "zero_next":
        return None, ["approximation: reset = 'zero_next' applied as Loihi's 'zero' (mapping/README.md: measured "
                      "error; exact on a chip config with neuron.refractory: silicon, refractory_ticks_max >= 1)"]
    if reset != "zero":
        return None, [f"approximation: reset = {reset!r} applied as Loihi's 'zero' (mapping/README.md: measured "
                      "error; LIF/IF: --subtract-reset current builds it in the current register, closer)"]
    return None, []


def loihi_decays(pop: Population, decay_bits: int = 12) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(du, dv, notes)``; see the module docstring for the formulas and Lava's ``du + 1``. The reset's
    notes come from :func:`loihi_reset`."""
    one = 1 << decay_bits
    beta, alpha = pop.param("beta"), pop.param("alpha")
    dv = np.clip(np.rint(one * (1.0 - beta)), 0, one - 1).astype(np.int64)
    notes = [f"approximation: {k} = {v!r} applied as Loihi's {ok!r} (mapping/README.md: measured error)"
             for k, v, ok in (("spikes", getattr(pop.neuron, "spikes", "single"), "single"),
                              ("spike_test", getattr(pop.neuron, "spike_test", ">"), ">")) if v != ok]
    if pop.neuron.kind == "CubaLIF":
        du = np.clip(np.rint(one * (1.0 - alpha)) - 1, 0, one - 1).astype(np.int64)
        if np.any(alpha >= 1.0 - 0.5 / one):
            notes.append(f"alpha = 1 cannot be expressed: du = 0 still decays u by 1/{one} per tick")
    else:
        du = np.full(pop.size, one - 1, dtype=np.int64)  # u keeps no memory: LIF/IF integrate straight into v
    return du, dv, notes


def _u_bound(pop: Population, post: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Worst-case |current| per neuron in float units: all inputs at once, accumulated by 1/(1 - alpha)."""
    total = np.zeros(pop.size)
    np.add.at(total, post, np.abs(w))
    alpha = pop.param("alpha") if pop.neuron.kind == "CubaLIF" else np.zeros(pop.size)
    cb = np.abs(pop.param("current_bias"))
    return (total + cb) / np.maximum(1.0 - alpha, 1e-3)


def _choose_weight_exp(cfg, thr: np.ndarray, s: np.ndarray, u_max: np.ndarray) -> np.ndarray:
    """Largest weight_exp per neuron keeping vth <= half the mantissa range and |u| unwrapped."""
    nn, cc = cfg.neuron, cfg.core
    vth_cap = float(1 << (nn.threshold_mant_bits - 1))
    u_cap = float(1 << (nn.current_bits - 2))  # a 2x margin under the wrap point
    best = np.full(s.shape, cc.weight_exp_min, dtype=np.int64)
    for e in range(cc.weight_exp_min, cc.weight_exp_max + 1):
        big = s * 2.0 ** e
        ok = (thr * big <= vth_cap) & ((1 << nn.input_shift) * big * u_max <= u_cap)
        best = np.where(ok, e, best)
    return best


def split_bias(b: np.ndarray, mant_bits: int, exp_bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``b ~ mant * 2**exp`` with a signed ``mant_bits`` mantissa and the smallest exponent 0..2**exp_bits-1.

    Returns (mant, exp, clipped mask).
    """
    lim = (1 << (mant_bits - 1)) - 1
    exp = np.zeros(b.shape, dtype=np.int64)
    for e in range((1 << exp_bits) - 1, -1, -1):
        fits = np.abs(np.rint(b / 2.0 ** e)) <= lim
        exp = np.where(fits, e, exp)
    top = (1 << exp_bits) - 1
    exp = np.where(np.abs(np.rint(b / 2.0 ** top)) > lim, top, exp)
    raw = np.rint(b / 2.0 ** exp)
    mant = np.clip(raw, -lim - 1, lim).astype(np.int64)
    return mant, exp, raw != mant


def quantize_loihi(cfg, pop: Population, post: np.ndarray, w: np.ndarray, scaling: str = "neuron",
                   membrane_in_current: bool = False) -> QuantizedLayer:
    """Quantise population ``pop`` (synapses ``post`` index, float weight ``w``) for a ``loihi_lif`` chip;
    ``membrane_in_current``: a subtractive-reset neuron built in the current register (its |u| bound is
    :func:`mapping.subtract_reset.u_bound`)."""
    nn, cc = cfg.neuron, cfg.core
    w_max = min(-cc.weight_min, cc.weight_max) if cc.weight_signed else cc.weight_max
    s = weight_scale(pop, post, w, w_max, scaling)
    s_post = s[post]  # one per-synapse scale array, shared with the error below (10^8 synapses: 0.8 GB each)
    raw = np.rint(w * s_post)
    w_hw = np.clip(raw, cc.weight_min, cc.weight_max).astype(np.int64)
    du, dv, notes = loihi_decays(pop, nn.decay_bits)
    refractory, reset_notes = loihi_reset(cfg, pop)
    notes = reset_notes + notes
    thr = _loihi_threshold(cfg, pop, post, w, notes)
    if membrane_in_current:
        from mapping.subtract_reset import u_bound

        u_max = u_bound(pop, np.bincount(post, np.abs(w), minlength=pop.size))
    else:
        u_max = _u_bound(pop, post, w)
    e = _choose_weight_exp(cfg, np.abs(thr), s, u_max)
    big = s * 2.0 ** e
    vth_max = (1 << nn.threshold_mant_bits) - 1
    vth_raw = np.rint(thr * big) if pop.neuron.spiking else np.full(pop.size, vth_max)
    vth = np.clip(vth_raw, 0, vth_max).astype(np.int64)
    bias_f, offset = _loihi_bias(pop, notes)
    mant, bexp, bclip = split_bias((1 << nn.input_shift) * big * bias_f, nn.bias_mant_bits, nn.bias_exp_bits)
    if np.any(vth_raw != vth):
        notes.append(f"threshold clipped to 0..{vth_max} on {int(np.sum(vth_raw != vth))} neuron(s)")
    params = {"du": du, "dv": dv, "vth": vth, "bias_mant": mant, "bias_exp": bexp, "weight_exp": e,
              "u0": _state((pop.param("i0") - offset) * (1 << nn.input_shift) * big, nn.current_bits),
              "v0": _state(pop.param("v0") * (1 << nn.input_shift) * big, nn.membrane_bits)}
    if refractory is not None:
        params["refractory_ticks"] = refractory
    err = weight_error(w, w_hw, s_post, raw != w_hw)
    del raw, s_post
    err.update(threshold_rel_err=_rel_err(thr, vth / big) if pop.neuron.spiking else 0.0,
               bias_rel_err=_rel_err(bias_f, mant * 2.0 ** bexp / ((1 << nn.input_shift) * big)),
               frac_bias_clipped=float(np.mean(bclip)), weight_exp=[int(e.min()), int(e.max())], notes=notes)
    readout = None if pop.neuron.spiking else (1 << nn.input_shift) * big
    return QuantizedLayer(pop.name, params, w_hw, s, err, readout_scale=readout)


def _state(x: np.ndarray, bits: int) -> np.ndarray:
    """An initial state rounded into a signed ``bits``-wide register (one LSB inside the bounds)."""
    lim = (1 << (bits - 1)) - 2
    return np.clip(np.rint(x), -lim, lim).astype(np.int64)


def _loihi_bias(pop: Population, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(voltage bias, current offset c)`` per neuron in float units.

    Loihi's bias enters v only. A CubaLIF current bias ``cb`` (``i[t] = alpha i[t-1] + I[t] + cb``) is
    built exactly from the chip's current without it, ``u = i - c`` with ``c = cb / (1 - alpha)``: then
    ``u[t] = alpha u[t-1] + I[t]`` (as ``i - c`` obeys it), and ``v[t] = beta v[t-1] + u[t] + c + bias`` is
    the framework's ``beta v[t-1] + i[t] + bias``, provided u starts at ``i0 - c`` (the caller's ``u0``).
    """
    bias, c = pop.param("bias"), np.zeros(pop.size)
    if pop.neuron.kind == "CubaLIF" and np.any(pop.param("current_bias")):
        c = pop.param("current_bias") / np.maximum(1.0 - pop.param("alpha"), 1.0 / 4096)
        bias = bias + c
        notes.append("exact: current_bias (Affine bias into the synaptic current) built as a voltage bias c = "
                     "current_bias / (1 - alpha) and an initial current u0 = i0 - c (exact up to rounding)")
    return bias, c


# ----- TrueNorth -------------------------------------------------------------------------------------------------


def _truenorth_checks(pop: Population) -> None:
    """Refuse what a TrueNorth neuron cannot hold, naming the layer, why, and where it maps instead.

    A TrueNorth neuron has one state register (the membrane ``V``), a linear leak (a constant per tick, not a
    fraction of ``V``) and sends only spikes: an LI readout's membrane cannot be read out, and a CubaLIF's
    decaying synaptic current has no register to live in.
    """
    n_alpha = int(np.sum(pop.param("alpha") != 0)) if pop.neuron.kind == "CubaLIF" else 0
    if pop.neuron.spiking and not n_alpha:
        return
    if not pop.neuron.spiking:
        what = ("is an LI readout (non-spiking: its output is its membrane): a TrueNorth neuron sends only "
                "spikes, its membrane is not read out, and its leak is linear (a constant per tick), not the "
                "readout's exponential decay")
    else:
        what = (f"is a CubaLIF with a synaptic current (alpha > 0 on {n_alpha} of {pop.size} neurons): a TrueNorth "
                "neuron has one state register (its membrane) and a linear leak, so a decaying current has "
                "nowhere to live")
    raise MappingError(f"population {pop.name!r} ({pop.neuron.kind}) {what}; map it on Loihi (the loihi preset: "
                       "LI readouts as probed non-spiking neurons, CubaLIF exactly), or change the layer "
                       "(TrueNorth maps LIF, IF and CubaLIF with alpha = 0)")


def _truenorth_leak(pop: Population, s: np.ndarray, leak_lim: int, notes: list[str]):
    """(leak, leak_reversal, leak terms) per neuron; see the module docstring for the linear-leak approximation.

    The leak terms (``bias_hw``, ``drain``: floats in hardware units, and ``leak_lim``) let a core program
    re-encode the leak after correcting the bias (:func:`encode_truenorth_leak`).
    """
    beta, thr = pop.param("beta"), pop.param("threshold")
    bias = pop.param("bias") + pop.param("current_bias")
    drain = (1.0 - beta) * np.abs(thr) * s / 2.0
    bias_hw = bias * s
    if np.any(beta < 1):
        notes.append("exponential decay beta < 1 approximated by a linear leak of (1 - beta) * threshold / 2 "
                     "per tick (toward zero with leak reversal, or folded into a constant leak with the bias)")
    out, reversal, clipped = encode_truenorth_leak(bias_hw, drain, leak_lim)
    if clipped:
        notes.append(f"leak clipped to +-{leak_lim} on {clipped} neuron(s)")
    return out, reversal, {"bias_hw": bias_hw, "drain": drain, "leak_lim": leak_lim}


def encode_truenorth_leak(bias_hw: np.ndarray, drain: np.ndarray, leak_lim: int):
    """TrueNorth ``(leak, leak_reversal, n clipped)`` for a bias ``bias_hw`` and a drain (both hardware units).

    A bias smaller than the drain becomes a pure leak toward zero (leak reversal, ``-drain``); otherwise one
    signed constant leak ``bias_hw - drain``.
    """
    reversal = (drain > 0) & (np.abs(bias_hw) < drain)
    leak = np.where(reversal, -drain, bias_hw - drain)
    raw = np.rint(leak)
    out = np.clip(raw, -leak_lim - 1, leak_lim).astype(np.int64)
    return out, reversal.astype(np.int64), int(np.sum(raw != out))


def quantize_truenorth(cfg, pop: Population, post: np.ndarray, w: np.ndarray, scaling: str = "neuron"
                       ) -> QuantizedLayer:
    """Per-neuron parameters for a ``truenorth`` chip; synaptic weights come per core later."""
    _truenorth_checks(pop)
    nn, cc = cfg.neuron, cfg.core
    s = weight_scale(pop, post, w, cc.weight_max, scaling)
    thr = pop.param("threshold")
    alpha_max = (1 << nn.threshold_bits) - 1
    s = np.minimum(s, (alpha_max - 1) / np.maximum(np.abs(thr), 1e-12))  # the threshold must fit
    notes: list[str] = []
    alpha = np.clip(np.floor(thr * s) + 1, 0, alpha_max).astype(np.int64)
    leak, rev, leak_terms = _truenorth_leak(pop, s, (1 << (nn.leak_bits - 1)) - 1, notes)
    floor_mag = min(alpha_max, (1 << (nn.membrane_bits - 1)) - 1)
    params = {
        "leak": leak, "leak_reversal": rev, "leak_stochastic": np.zeros(pop.size, np.int64),
        "alpha": alpha, "beta": np.full(pop.size, floor_mag, np.int64),
        "kappa": np.ones(pop.size, np.int64),  # saturate at -beta: a floor, not a reset
        "reset_mode": np.full(pop.size, 0 if pop.neuron.reset in ("zero", "zero_next") else 1, np.int64),
        "reset_value": np.zeros(pop.size, np.int64), "threshold_mask_bits": np.zeros(pop.size, np.int64),
        "v0": _state(pop.param("v0") * s, nn.membrane_bits),
    }
    err = {"threshold_rel_err": _rel_err(thr, (alpha - 0.5) / s), "notes": notes}
    return QuantizedLayer(pop.name, params, None, s, err, leak_terms)


# The quantiser of each neuron model, keyed by its YAML name (cores.models); a model without one is refused.
QUANTIZERS = {"loihi_lif": quantize_loihi, "truenorth": quantize_truenorth}


def quantize(cfg, pop: Population, post: np.ndarray, w: np.ndarray, scaling: str = "neuron",
             membrane_in_current: bool = False) -> QuantizedLayer:
    """Quantise one population with the quantiser of ``cfg.neuron.model`` (``membrane_in_current``: Loihi's
    subtractive-reset construction, :mod:`mapping.subtract_reset`)."""
    try:
        fn = QUANTIZERS[cfg.neuron.model]
    except KeyError:
        raise MappingError(f"no quantiser for neuron model {cfg.neuron.model!r}; "
                           f"supported: {sorted(QUANTIZERS)}") from None
    extra = {"membrane_in_current": True} if membrane_in_current else {}
    return fn(cfg, pop, np.asarray(post, np.int64), np.asarray(w, np.float64), scaling, **extra)


__all__ = ["QUANTIZERS", "QuantizedLayer", "encode_truenorth_leak", "quantize", "quantize_loihi", "quantize_truenorth",
           "split_bias", "truenorth_core_weights"]
