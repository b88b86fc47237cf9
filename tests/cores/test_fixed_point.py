"""Fixed-point helpers against Lava's literal formulas (Python big ints) and hand-picked boundaries."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cores import fixed_point as fx
from cores import lava_dense_weights


def lava_wrap_once(x: int, bits: int) -> int:
    """Lava's literal current wrap, generalised to ``bits``."""
    h = 1 << (bits - 1)
    if x > h:
        return x - 2 * h
    if x <= -h:
        return x + 2 * h
    return x


def lava_decay(x: int, k: int, d: int) -> int:
    p = x * k
    return (1 if p > 0 else -1 if p < 0 else 0) * (abs(p) >> d)


def test_wrap_boundaries_24_bits():
    h = 1 << 23
    xs = np.array([h, -h, h + 1, -h + 1, -h - 1, 0, 2 * h, -2 * h, 3 * h])
    # +2**23 is kept and -2**23 becomes +2**23: Lava's interval (-2**23, 2**23].
    np.testing.assert_array_equal(fx.wrap(xs, 24), [h, h, -h + 1, -h + 1, h - 1, 0, 0, 0, h])


def test_saturate_is_symmetric():
    h = 1 << 23
    np.testing.assert_array_equal(fx.saturate([h, -h, h - 1, -(h - 1), 5], 24), [h - 1, -(h - 1), h - 1, -(h - 1), 5])


def test_register_range():
    assert fx.register_range(24, "wrap") == (-(2**23 - 1), 2**23)
    assert fx.register_range(24, "saturate") == (-(2**23 - 1), 2**23 - 1)
    # two's complement (TrueNorth's membrane): [-H, H); saturation stays symmetric whatever the convention
    assert fx.register_range(9, "wrap", fx.TWOS_COMPLEMENT) == (-256, 255)
    assert fx.register_range(9, "saturate", fx.TWOS_COMPLEMENT) == (-255, 255)


def test_twos_complement_wrap_boundaries_9_bits():
    # [-256, 255]: -256 stays (Lava's convention holds it as +256), +256 becomes -256, -257 becomes +255,
    # -250 - 10 = -260 becomes -260 + 512 = 252, and 255 + 1 = 256 becomes -256.
    xs = np.array([-256, 256, -257, -260, 255, 0, 512, -512, 767])
    np.testing.assert_array_equal(fx.wrap(xs, 9, fx.TWOS_COMPLEMENT), [-256, -256, 255, 252, 255, 0, 0, 0, 255])
    np.testing.assert_array_equal(fx.wrap([-256, 256], 9), [256, 256])          # Lava: (-256, 256]
    np.testing.assert_array_equal(fx.overflow([-256, 256], 9, "wrap", fx.TWOS_COMPLEMENT), [-256, -256])


@given(bits=st.integers(2, 62), data=st.data())
def test_twos_complement_wrap_is_the_low_bits_as_signed(bits, data):
    """Two's complement keeps the low ``bits`` bits and reads them as signed: x mod 2**bits in [-H, H)."""
    h = 1 << (bits - 1)
    x = data.draw(st.integers(-(2**62), 2**62 - 1))
    low = x % (2 * h)
    assert int(fx.wrap(x, bits, fx.TWOS_COMPLEMENT)) == (low - 2 * h if low >= h else low)


def test_unknown_wrap_convention_is_refused_by_name():
    with pytest.raises(ValueError, match="'ones_complement' unknown; allowed: lava, twos_complement"):
        fx.wrap(3, 9, "ones_complement")


@given(bits=st.integers(2, 62), data=st.data())
def test_wrap_equals_lava_single_wrap_where_lava_is_defined(bits, data):
    h = 1 << (bits - 1)
    x = data.draw(st.integers(-3 * h + 1, 3 * h))
    assert int(fx.wrap(x, bits)) == lava_wrap_once(x, bits)


@given(d=st.integers(1, 16), data=st.data())
def test_decay_truncates_toward_zero_without_overflow(d, data):
    x = data.draw(st.integers(-(2**61), 2**61))
    k = data.draw(st.integers(0, 1 << d))
    assert int(fx.decay(x, k, d)) == lava_decay(x, k, d)


@pytest.mark.parametrize(("x", "e", "want"), [(5, 2, 20), (-5, 2, -20), (5, -1, 2), (-5, -1, -3), (-1, -3, -1),
                                              (4095, 7, 4095 * 128), (-4096, -8, -16)])
def test_shift_is_arithmetic(x, e, want):
    assert int(fx.shift(x, e)) == want


@pytest.mark.parametrize(("w", "bits", "want"), [
    ([[3, 5, 255, 300]], 8, [[3, 5, 255, 255]]),         # excitatory: clip to 255, no truncation at 8 bits
    ([[3, 5, -7, -300]], 8, [[2, 4, -8, -256]]),         # mixed: one bit for the sign, odd weights lose bit 0
    ([[-3, -5, -300]], 8, [[-3, -5, -255]]),             # inhibitory: negate, clip to 255, negate back
    ([[-3, -5, -300]], 6, [[0, -4, -252]]),              # inhibitory, 6 bits: truncation of the magnitude
    ([[0, -7, -1]], 7, [[0, -6, 0]]),                    # inhibitory (all <= 0), 7 bits
    ([[13, -13]], 6, [[8, -16]]),                        # mixed, 6 bits: shift 3, floor for negatives
])
def test_lava_dense_weights_hand(w, bits, want):
    np.testing.assert_array_equal(lava_dense_weights(w, bits), want)
