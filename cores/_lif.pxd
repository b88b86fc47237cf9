# cython: language_level=3
"""The Loihi LIF neuron rules in C, shared by the per-core kernels (:mod:`cores._kernels`) and the fused tick
kernel (:mod:`emulator._fused`): one definition, so both are bit-exact to the same rules (the NumPy twin is
:mod:`cores.fixed_point` / :mod:`cores._reference`).
"""

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint64_t


# Per-neuron parameter record, one struct per neuron so that an update reads one short record. The NumPy twin
# (same field order, explicit padding, no implicit holes) is cores.tables.LOIHI_DTYPE.
ctypedef struct LoihiNeuron:
    int64_t vth_eff           # vth << threshold_shift [voltage LSB]
    int64_t bias_eff          # shift(bias_mant, bias_exp) [voltage LSB]
    int32_t k_u               # 2**D - (du + 1): current decay multiplier
    int32_t k_v               # 2**D - dv: voltage decay multiplier
    int16_t refractory_ticks
    int8_t weight_exp
    uint8_t flags             # LF_REST
    int32_t pad

# Flag bit of the parameter records (cores.tables sets it) and return flags of the per-neuron update.
cdef enum:
    LF_REST = 1               # bias_eff == 0: u = v = 0 with no input stays at rest
    F_SPIKE = 1
    F_ACTIVE = 2


# ----- fixed point (twins of cores/fixed_point.py) ---------------------------------------------------------

cdef inline int64_t wrap_h(int64_t x, int64_t h) noexcept nogil:
    """x modulo 2h into (-h, h]: Lava's current-wrap interval, one off two's complement at both ends
    (Lava keeps +2**23 and turns -2**23 into +2**23)."""
    return ((x + (h - 1)) & ((h << 1) - 1)) - (h - 1)


cdef inline int64_t sat_h(int64_t x, int64_t h) noexcept nogil:
    """Clip to the symmetric [-(h-1), h-1] (Lava's voltage saturation never produces -h)."""
    if x > h - 1:
        return h - 1
    if x < 1 - h:
        return 1 - h
    return x


cdef inline int64_t ovf(int64_t x, int64_t h, bint do_wrap) noexcept nogil:
    return wrap_h(x, h) if do_wrap else sat_h(x, h)


cdef inline int64_t decay(int64_t x, int64_t k, int d) noexcept nogil:
    """trunc(x * k / 2**d) toward zero (Lava: sign(x*k) * (|x*k| >> d)), split so x*k never overflows."""
    cdef int64_t a = x if x >= 0 else -x
    cdef int64_t mag
    if <uint64_t>a < (<uint64_t>1 << 46):
        # k < 2**16 (decay_bits <= 16): a * k fits, and (a*k) >> d equals the split form exactly.
        mag = (a * k) >> d
    else:
        mag = (a >> d) * k + (((a & ((<int64_t>1 << d) - 1)) * k) >> d)
    return mag if x >= 0 else -mag


cdef inline int64_t shift(int64_t x, int64_t e) noexcept nogil:
    """x * 2**e, or the arithmetic (floor) right shift x >> -e for e < 0 (Lava's bias_exp / weight_exp)."""
    if e >= 0:
        return x * (<int64_t>1 << e)   # multiply: left-shifting a negative int is undefined in C
    return x >> (-e)


cdef struct LoihiCfg:
    int decay_bits
    int input_shift
    int64_t h_u          # 2**(current_bits - 1)
    int64_t h_v          # 2**(membrane_bits - 1)
    bint u_wrap
    bint v_wrap
    bint refractory


cdef inline int loihi_neuron(const LoihiNeuron* p, int64_t* u, int64_t* v, int32_t* refr, int64_t inp,
                             const LoihiCfg* c) noexcept nogil:
    """One neuron, one tick (rules of cores.params.LoihiLifParams). Returns F_SPIKE | F_ACTIVE flags."""
    cdef int64_t u0 = u[0], v0 = v[0], un, vn, drive = 0
    cdef int32_t r0 = refr[0] if c.refractory else 0
    cdef bint spike = False
    if inp != 0:
        drive = shift(shift(inp, p.weight_exp), c.input_shift)
    # decay(u, 2**D - (du + 1)): k_u already holds Lava's +1 (du = 0 still decays u by 1/4096)
    un = ovf(decay(u0, p.k_u, c.decay_bits) + drive, c.h_u, c.u_wrap)
    if r0 > 0:
        # Silicon refractory (option; Lava issue #282: the chip holds v at a refractory marker instead of
        # integrating): v stays 0 and cannot spike while the counter runs; u keeps integrating.
        refr[0] = r0 - 1
        vn = 0
    else:
        vn = ovf(decay(v0, p.k_v, c.decay_bits) + un + p.bias_eff, c.h_v, c.v_wrap)
        spike = vn > p.vth_eff            # strictly greater (Lava)
        if spike:
            vn = 0                        # v resets to 0; u is not reset
            if c.refractory:
                refr[0] = p.refractory_ticks
    u[0] = un
    v[0] = vn
    # Inactive = at rest (u = v = 0, no refractory count, no net input) and the update leaves it so.
    if spike or u0 != 0 or v0 != 0 or r0 != 0 or inp != 0 or vn != 0:
        return F_ACTIVE | (F_SPIKE if spike else 0)
    return 0


cdef inline LoihiCfg loihi_cfg(int decay_bits, int input_shift, int current_bits, bint u_wrap, int membrane_bits,
                        bint v_wrap, bint refractory) noexcept nogil:
    cdef LoihiCfg c
    c.decay_bits = decay_bits
    c.input_shift = input_shift
    c.h_u = <int64_t>1 << (current_bits - 1)
    c.h_v = <int64_t>1 << (membrane_bits - 1)
    c.u_wrap = u_wrap
    c.v_wrap = v_wrap
    c.refractory = refractory
    return c


cdef inline bint loihi_at_rest(const LoihiNeuron* p, int64_t u, int64_t v, int32_t r, int64_t inp) noexcept nogil:
    """True when the update provably leaves the neuron at rest: no input, u = v = refractory = 0, and no bias
    (decay(0) = 0, ovf(0) = 0, and 0 > vth_eff >= 0 is false, so no spike)."""
    return inp == 0 and u == 0 and v == 0 and r == 0 and (p.flags & LF_REST)

