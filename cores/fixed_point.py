"""Fixed-point helpers with the hardware's (and Lava's) exact rounding and overflow boundaries.

These are the NumPy versions used by the reference oracle (:mod:`cores._reference`) and by the golden tests;
the Cython kernel (:mod:`cores._kernels`) has ``cdef inline`` twins that must agree with them bit for bit.
Every function works on int64 arrays (or Python ints) and never overflows 64 bits for widths <= 62.

Register ranges for a ``b``-bit signed register, ``H = 2**(b-1)``:

- wrap, convention ``lava``:            (-H, H]       Lava's current wrap (one off a two's-complement
  register at both ends: Loihi's current u, as Lava's bit-accurate model holds it)
- wrap, convention ``twos_complement``: [-H, H)       a plain two's-complement register (TrueNorth's membrane,
  as its RTL holds it: RANC, Mack et al. 2021)
- saturate:                             [-(H-1), H-1] Lava's voltage clip (symmetric, -H is never produced)

The convention is part of a register's description (:class:`cores.models.Register`): each neuron model names
it for each register, and the compiled paths take it as an option (``cores/nm_rules.h``: the wrap offset).
"""

from __future__ import annotations

import numpy as np


def half(bits: int) -> int:
    """``H = 2**(bits-1)``, half the span of a ``bits``-wide signed register."""
    return 1 << (bits - 1)


LAVA = "lava"
TWOS_COMPLEMENT = "twos_complement"
WRAP_CONVENTIONS = (LAVA, TWOS_COMPLEMENT)


def wrap_offset(bits: int, convention: str = LAVA) -> int:
    """``o`` such that a wrapping ``bits``-wide register holds ``[-o, 2H - 1 - o]``, ``H = 2**(bits-1)``.

    ``H - 1`` under Lava's convention (the interval (-H, H]), ``H`` under two's complement ([-H, H)).
    Wrapping is then ``((x + o) mod 2H) - o`` (:func:`wrap`; the compiled twin is ``P_ovf`` in
    ``cores/nm_rules.h``, which takes ``o``).
    """
    if convention not in WRAP_CONVENTIONS:
        raise ValueError(f"wrap convention {convention!r} unknown; allowed: {', '.join(WRAP_CONVENTIONS)}")
    h = half(bits)
    return h if convention == TWOS_COMPLEMENT else h - 1


def register_range(bits: int, overflow: str, convention: str = LAVA) -> tuple[int, int]:
    """Inclusive (lo, hi) a ``bits``-wide register can hold under policy ``"wrap"`` (with its wrap
    ``convention``, see the module docstring) or ``"saturate"`` (symmetric, whatever the convention)."""
    h = half(bits)
    if overflow == "wrap":
        o = wrap_offset(bits, convention)
        return -o, 2 * h - 1 - o
    return -(h - 1), h - 1


def wrap(x, bits: int, convention: str = LAVA):
    """Wrap ``x`` modulo ``2**bits`` into the register interval of ``convention``, ``H = 2**(bits-1)``:
    Lava's (-H, H] (default) or two's complement's [-H, H).

    Two's complement (TrueNorth's membrane; its RTL keeps the low ``bits`` bits of the sum): -H stays -H and
    +H becomes -H, e.g. on a 9-bit register -250 - 10 = -260 becomes -260 + 512 = +252.

    Quirk (Lava ``PyLifModelBitAcc``, current u): Lava wraps with
    ``if u > 2**23: u -= 2**24 elif u <= -2**23: u += 2**24``, so +2**23 is kept and -2**23 becomes +2**23,
    one off a true two's-complement register at both ends. Lava wraps once; with its int16 ``a_in`` one wrap
    always lands inside the interval, so the modular form below equals Lava's wherever Lava is well defined
    and stays a proper register value for wider inputs.

    Parameters
    ----------
    x : int or ndarray of int64
        Value(s) to wrap.
    bits : int
        Register width in bits (2..62).
    convention : str
        ``"lava"`` or ``"twos_complement"`` (:data:`WRAP_CONVENTIONS`).
    """
    h, o = half(bits), wrap_offset(bits, convention)
    # Representative of x mod 2**bits in [-o, 2H - 1 - o]: shift the interval to start at 0, mask, shift back.
    return ((np.asarray(x, dtype=np.int64) + o) & ((h << 1) - 1)) - o


def saturate(x, bits: int):
    """Clip ``x`` to the symmetric range [-(2**(bits-1) - 1), 2**(bits-1) - 1] (Lava's voltage clip)."""
    h = half(bits)
    return np.clip(np.asarray(x, dtype=np.int64), -(h - 1), h - 1)


def overflow(x, bits: int, policy: str, convention: str = LAVA):
    """Apply the register overflow ``policy`` (``"wrap"`` with its ``convention``, or ``"saturate"``) for a
    ``bits``-wide register."""
    return wrap(x, bits, convention) if policy == "wrap" else saturate(x, bits)


def decay(x, k, decay_bits: int):
    """``x * k / 2**decay_bits`` rounded toward zero: Lava's ``sign(x*k) * (|x*k| >> decay_bits)``.

    Computed as ``q*k + ((r*k) >> D)`` with ``|x| = q*2**D + r`` so that the product never overflows 64 bits
    (exact: ``q*k*2**D`` is a multiple of ``2**D``, so the floor of the sum splits).

    Parameters
    ----------
    x : ndarray of int64
        Register value(s).
    k : int or ndarray of int64
        Multiplier in [0, 2**decay_bits] (Loihi: ``4096 - (du + 1)`` or ``4096 - dv``).
    decay_bits : int
        ``D``; the decay divides by ``2**D`` (Loihi: 12).
    """
    x = np.asarray(x, dtype=np.int64)
    k = np.asarray(k, dtype=np.int64)
    a = np.abs(x)
    mag = (a >> decay_bits) * k + (((a & ((1 << decay_bits) - 1)) * k) >> decay_bits)
    return np.where(x < 0, -mag, mag)


def shift(x, e):
    """``x * 2**e`` for ``e >= 0``, arithmetic (floor) right shift ``x >> -e`` for ``e < 0``.

    This is how Lava applies ``bias_exp`` to ``bias_mant`` and ``weight_exp`` to the summed weights
    (``np.right_shift`` on signed integers rounds toward minus infinity: -1 >> 1 == -1).
    """
    x = np.asarray(x, dtype=np.int64)
    e = np.asarray(e, dtype=np.int64)
    return np.where(e >= 0, x << np.maximum(e, 0), x >> np.maximum(-e, 0))


def _sign_mode(w: np.ndarray) -> str:
    """Lava Dense sign mode of a whole weight matrix: 'exc' (all >= 0), 'inh' (all <= 0) or 'mixed'."""
    if np.all(w >= 0):
        return "exc"
    return "inh" if np.all(w <= 0) else "mixed"


def lava_dense_weights(weights, num_weight_bits: int = 8) -> np.ndarray:
    """The integer weights Lava's bit-accurate Dense (``PyDenseModelBitAcc``) actually uses.

    Quirks reproduced (Lava 0.10 ``lava/utils/weightutils.py``: ``clip_weights`` then ``truncate_weights``,
    8-bit weight mantissa):

    1. The sign mode comes from the whole matrix, not per synapse: excitatory if every weight >= 0, inhibitory
       if every weight <= 0 (and one is negative), mixed otherwise; an all-zero matrix is excitatory.
    2. Clip to 8 bits: [0, 255] excitatory, [-256, 255] mixed; inhibitory weights are negated, clipped to
       [0, 255] and negated back, so -256 is not reachable in inhibitory mode.
    3. Drop low bits: ``w = (w >> s) << s`` with ``s = 8 - num_weight_bits + (1 if mixed)``. In mixed mode the
       sign takes one bit, so every odd weight loses its lowest bit even at 8 bits, and the arithmetic shift
       floors negative weights (-7 -> -8). Inhibitory matrices are truncated on their magnitude (Lava negates
       around the shift too), so there -7 -> -6 at 7 bits: the golden README's ``(w >> s) << s`` applies to
       the magnitudes in that mode.

    Parameters
    ----------
    weights : array_like of int
        Weight matrix as given to Dense (any shape).
    num_weight_bits : int
        Dense's ``num_weight_bits`` (1..8).

    Returns
    -------
    ndarray of int64, same shape.
    """
    w = np.asarray(weights, dtype=np.int64)
    mode = _sign_mode(w)
    sign = -1 if mode == "inh" else 1
    w = np.clip(sign * w, -256 if mode == "mixed" else 0, 255)
    s = 8 - num_weight_bits + (1 if mode == "mixed" else 0)
    return sign * ((w >> s) << s)


__all__ = [
    "LAVA",
    "TWOS_COMPLEMENT",
    "WRAP_CONVENTIONS",
    "decay",
    "half",
    "lava_dense_weights",
    "overflow",
    "register_range",
    "saturate",
    "shift",
    "wrap",
    "wrap_offset",
]
