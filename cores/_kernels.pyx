# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Per-tick kernels of the neuron cores: delay buffers, crossbar integration, Loihi LIF and TrueNorth updates.

All cores of a chip live in flat arrays (see :class:`cores.core_array.CoreArray`); one call steps every core.
The loops run without the GIL and touch no Python object. Costs follow events: the delay buffer keeps lists
of pending axon ids per slot, the crossbar is CSR by axon, so idle axons cost nothing. Every neuron is updated
every tick (as on the chip), so the neuron loop is O(neurons).

The fixed-point helpers below are the C twins of :mod:`cores.fixed_point`; the PRNG is the C twin of
:mod:`cores.prng`. :mod:`cores._reference` is the readable NumPy oracle these loops must equal bit for bit.
"""

from libc.stdint cimport int32_t, int64_t, uint64_t

# Columns of the packed per-neuron parameter tables (int64[n_neurons, n_columns], one row per neuron, so
# that the update of a neuron reads one cache line). core_array.py builds the tables by these names.
LOIHI_COLUMNS = ("k_u", "k_v", "vth_eff", "bias_eff", "weight_exp", "refractory_ticks")
TRUENORTH_COLUMNS = ("leak", "leak_reversal", "leak_stochastic", "alpha", "beta", "eta_mask", "reset_mode",
                     "kappa", "reset_value")

cdef enum:
    L_KU = 0
    L_KV = 1
    L_VTH = 2
    L_BIAS = 3
    L_WEXP = 4
    L_REFR = 5

cdef enum:
    T_LEAK = 0
    T_LEAK_REV = 1
    T_LEAK_STOCH = 2
    T_ALPHA = 3
    T_BETA = 4
    T_MASK = 5
    T_GAMMA = 6
    T_KAPPA = 7
    T_RESET = 8

# Counter columns of last_counts[core, :]
cdef enum:
    C_SYN = 0
    C_ACTIVE = 1
    C_INACTIVE = 2
    C_SPIKES = 3

# Return flags of the per-neuron updates
cdef enum:
    F_SPIKE = 1
    F_ACTIVE = 2

cdef enum:
    SLOT_THRESHOLD = 0
    SLOT_LEAK = 1
    SLOT_SYNAPSE = 2


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
    cdef int64_t mag = (a >> d) * k + (((a & ((<int64_t>1 << d) - 1)) * k) >> d)
    return mag if x >= 0 else -mag


cdef inline int64_t shift(int64_t x, int64_t e) noexcept nogil:
    """x * 2**e, or the arithmetic (floor) right shift x >> -e for e < 0 (Lava's bias_exp / weight_exp)."""
    if e >= 0:
        return x * (<int64_t>1 << e)   # multiply: left-shifting a negative int is undefined in C
    return x >> (-e)


cdef inline int64_t sign(int64_t x) noexcept nogil:
    return (x > 0) - (x < 0)


# ----- counter-based PRNG (twin of cores/prng.py) -----------------------------------------------------------

cdef inline uint64_t mix64(uint64_t z) noexcept nogil:
    """SplitMix64 finaliser."""
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline uint64_t core_tick_hash(uint64_t key, int64_t core, int64_t tick) noexcept nogil:
    return mix64(mix64(key ^ <uint64_t>core) ^ <uint64_t>tick)


def prng_draw(uint64_t key, int64_t core, int64_t tick, int64_t neuron, int64_t slot):
    """One draw, for tests that check the C generator against cores.prng.draw."""
    return mix64(mix64(core_tick_hash(key, core, tick) ^ <uint64_t>neuron) ^ <uint64_t>slot)


# ----- delay ring buffer ------------------------------------------------------------------------------------

def enqueue(int32_t[:, ::1] pend, int64_t[::1] pend_len, const int32_t[::1] axons, const int64_t[::1] slots):
    """Append each axon id to its slot's pending list; capacity is ensured by the caller (grown outside)."""
    cdef Py_ssize_t i, s
    with nogil:
        for i in range(axons.shape[0]):
            s = slots[i]
            pend[s, pend_len[s]] = axons[i]
            pend_len[s] += 1


cdef Py_ssize_t merge_slot(int32_t[:, ::1] pend, int64_t[::1] pend_len, Py_ssize_t slot,
                           int32_t[::1] cnt, int32_t[::1] uniq) noexcept nogil:
    """Turn a slot's pending list (duplicates allowed) into unique axons with spike counts; empty the slot.

    Merging makes the per-axon count, and hence the stochastic draw slots, independent of arrival order.
    """
    cdef Py_ssize_t i, nu = 0
    cdef int32_t a
    for i in range(pend_len[slot]):
        a = pend[slot, i]
        if cnt[a] == 0:
            uniq[nu] = a
            nu += 1
        cnt[a] += 1
    pend_len[slot] = 0
    return nu


# ----- crossbar integration ---------------------------------------------------------------------------------

cdef inline void stochastic_synapse(int64_t[::1] acc, int64_t tgt, int64_t w, int64_t c, uint64_t h_ct,
                                    int64_t local_neuron, int64_t local_axon) noexcept nogil:
    """TrueNorth stochastic synapse: each of the c spikes adds sign(w) when (draw & 0xFF) < |w|."""
    cdef uint64_t h_n = mix64(h_ct ^ <uint64_t>local_neuron)
    cdef uint64_t base = <uint64_t>SLOT_SYNAPSE + (<uint64_t>local_axon << 32)
    cdef int64_t m, mag = w if w >= 0 else -w
    for m in range(c):
        if <int64_t>(mix64(h_n ^ (base + <uint64_t>m)) & 0xFF) < mag:
            acc[tgt] += sign(w)


cdef void stochastic_row(int64_t[::1] acc, const int32_t[::1] syn_target, const int32_t[::1] syn_weight,
                         const unsigned char[::1] syn_stoch, int64_t p0, int64_t p1, int64_t c,
                         uint64_t h_ct, int64_t local_axon, int64_t noff_k) noexcept nogil:
    cdef int64_t j, t
    for j in range(p0, p1):
        t = syn_target[j]
        if syn_stoch[j]:
            stochastic_synapse(acc, t, syn_weight[j], c, h_ct, t - noff_k, local_axon)
        else:
            acc[t] += syn_weight[j] * c


def deliver(int32_t[:, ::1] pend, int64_t[::1] pend_len, Py_ssize_t slot, int32_t[::1] cnt,
            int32_t[::1] uniq, const int64_t[::1] axon_ptr, const int32_t[::1] syn_target,
            const int32_t[::1] syn_weight, const int32_t[::1] axon_core, const int64_t[::1] axon_offset,
            const int64_t[::1] neuron_offset, const unsigned char[::1] syn_stoch,
            const unsigned char[::1] row_stoch, int64_t[::1] acc, int64_t[:, ::1] counts,
            uint64_t key, int64_t tick):
    """Integrate the spikes due in ``slot`` through the CSR crossbar into ``acc`` (int64 per global neuron).

    Each spike on axon a costs len(row a) synaptic operations, counted on a's core. ``row_stoch`` (one flag
    per axon, may be empty) sends rows holding stochastic TrueNorth synapses to the slow path.
    Returns the number of distinct axons that fired.
    """
    cdef Py_ssize_t nu, i
    cdef int32_t a, k
    cdef int64_t c, j, p0, p1, w
    cdef bint any_stoch = row_stoch.shape[0] > 0
    with nogil:
        nu = merge_slot(pend, pend_len, slot, cnt, uniq)
        for i in range(nu):
            a = uniq[i]
            c = cnt[a]
            cnt[a] = 0
            p0 = axon_ptr[a]
            p1 = axon_ptr[a + 1]
            k = axon_core[a]
            counts[k, C_SYN] += c * (p1 - p0)
            if any_stoch and row_stoch[a]:
                stochastic_row(acc, syn_target, syn_weight, syn_stoch, p0, p1, c,
                               core_tick_hash(key, k, tick), a - axon_offset[k], neuron_offset[k])
            elif c == 1:
                for j in range(p0, p1):
                    acc[syn_target[j]] += syn_weight[j]
            else:
                for j in range(p0, p1):
                    acc[syn_target[j]] += syn_weight[j] * c
    return nu


cdef inline void tally(int64_t[:, ::1] counts, Py_ssize_t k, Py_ssize_t n_active, Py_ssize_t n_neurons,
                       Py_ssize_t n_spikes) noexcept nogil:
    """Add one core's neuron-update and spike tallies of this tick to its counter row."""
    counts[k, C_ACTIVE] += n_active
    counts[k, C_INACTIVE] += n_neurons - n_active
    counts[k, C_SPIKES] += n_spikes


# ----- Loihi LIF --------------------------------------------------------------------------------------------

cdef struct LoihiCfg:
    int decay_bits
    int input_shift
    int64_t h_u          # 2**(current_bits - 1)
    int64_t h_v          # 2**(membrane_bits - 1)
    bint u_wrap
    bint v_wrap
    bint refractory


cdef inline int loihi_neuron(const int64_t* p, int64_t* u, int64_t* v, int32_t* refr, int64_t inp,
                             const LoihiCfg* c) noexcept nogil:
    """One neuron, one tick (rules of cores.params.LoihiLifParams). Returns F_SPIKE | F_ACTIVE flags."""
    cdef int64_t u0 = u[0], v0 = v[0], un, vn, drive = 0
    cdef int32_t r0 = refr[0] if c.refractory else 0
    cdef bint spike = False
    if inp != 0:
        drive = shift(shift(inp, p[L_WEXP]), c.input_shift)
    # decay(u, 2**D - (du + 1)): k_u already holds Lava's +1 (du = 0 still decays by 1/4096)
    un = ovf(decay(u0, p[L_KU], c.decay_bits) + drive, c.h_u, c.u_wrap)
    if r0 > 0:
        # Silicon refractory (option; Lava issue #282: the chip holds v at a refractory marker instead of
        # integrating): v stays 0 and cannot spike while the counter runs; u keeps integrating.
        refr[0] = r0 - 1
        vn = 0
    else:
        vn = ovf(decay(v0, p[L_KV], c.decay_bits) + un + p[L_BIAS], c.h_v, c.v_wrap)
        spike = vn > p[L_VTH]             # strictly greater (Lava)
        if spike:
            vn = 0                        # v resets to 0; u is not reset
            if c.refractory:
                refr[0] = <int32_t>p[L_REFR]
    u[0] = un
    v[0] = vn
    # Inactive = at rest (u = v = 0, no refractory count, no net input) and the update leaves it so.
    if spike or u0 != 0 or v0 != 0 or r0 != 0 or inp != 0 or vn != 0:
        return F_ACTIVE | (F_SPIKE if spike else 0)
    return 0


cdef LoihiCfg loihi_cfg(int decay_bits, int input_shift, int current_bits, bint u_wrap, int membrane_bits,
                        bint v_wrap, bint refractory) noexcept:
    cdef LoihiCfg c
    c.decay_bits = decay_bits
    c.input_shift = input_shift
    c.h_u = <int64_t>1 << (current_bits - 1)
    c.h_v = <int64_t>1 << (membrane_bits - 1)
    c.u_wrap = u_wrap
    c.v_wrap = v_wrap
    c.refractory = refractory
    return c


def loihi_update(const int64_t[:, ::1] prm, int64_t[::1] u, int64_t[::1] v, int32_t[::1] refr,
                 int64_t[::1] acc, const int64_t[::1] neuron_offset, int32_t[::1] spikes,
                 int64_t[:, ::1] counts, int decay_bits, int input_shift, int current_bits, bint u_wrap,
                 int membrane_bits, bint v_wrap, bint refractory):
    """Update every Loihi neuron of every core; consume and zero ``acc``; write sorted spike ids.

    Returns the number of spikes written to ``spikes``.
    """
    cdef LoihiCfg c = loihi_cfg(decay_bits, input_shift, current_bits, u_wrap, membrane_bits, v_wrap,
                                refractory)
    cdef Py_ssize_t k, i, nsp = 0, n_active, nsp0
    cdef int f
    cdef int64_t inp
    with nogil:
        for k in range(neuron_offset.shape[0] - 1):
            n_active = 0      # per-core tallies kept in registers, written once per core
            nsp0 = nsp
            for i in range(neuron_offset[k], neuron_offset[k + 1]):
                inp = acc[i]
                acc[i] = 0
                f = loihi_neuron(&prm[i, 0], &u[i], &v[i], &refr[i], inp, &c)
                n_active += (f & F_ACTIVE) != 0
                if f & F_SPIKE:
                    spikes[nsp] = <int32_t>i
                    nsp += 1
            tally(counts, k, n_active, neuron_offset[k + 1] - neuron_offset[k], nsp - nsp0)
    return nsp


def loihi_direct(const int64_t[:, ::1] prm, int64_t[::1] u, int64_t[::1] v, int32_t[::1] refr,
                 const int64_t[:, ::1] inputs, int64_t[:, ::1] out_u, int64_t[:, ::1] out_v,
                 int64_t[:, ::1] out_s, int decay_bits, int input_shift, int current_bits, bint u_wrap,
                 int membrane_bits, bint v_wrap, bint refractory):
    """Direct-input entry point: inputs[t, i] is neuron i's summed synaptic input at tick t (Lava's a_in,
    before weight_exp and the input shift). Records u, v and spikes after every tick."""
    cdef LoihiCfg c = loihi_cfg(decay_bits, input_shift, current_bits, u_wrap, membrane_bits, v_wrap,
                                refractory)
    cdef Py_ssize_t t, i
    cdef int f
    with nogil:
        for t in range(inputs.shape[0]):
            for i in range(inputs.shape[1]):
                f = loihi_neuron(&prm[i, 0], &u[i], &v[i], &refr[i], inputs[t, i], &c)
                out_u[t, i] = u[i]
                out_v[t, i] = v[i]
                out_s[t, i] = f & F_SPIKE


# ----- TrueNorth --------------------------------------------------------------------------------------------

cdef struct TnCfg:
    int64_t h_v          # 2**(membrane_bits - 1)
    bint v_wrap


cdef TnCfg tn_cfg(int membrane_bits, bint v_wrap) noexcept:
    cdef TnCfg c
    c.h_v = <int64_t>1 << (membrane_bits - 1)
    c.v_wrap = v_wrap
    return c


cdef inline int64_t tn_leak(const int64_t* p, int64_t vv, uint64_t h_n) noexcept nogil:
    """Leak added this tick (Cassidy 2013): with leak reversal the leak's sign follows sign(V) (V = 0: none);
    the stochastic leak adds sign(leak) with probability |leak|/256."""
    cdef int64_t lk = p[T_LEAK]
    if p[T_LEAK_REV]:
        lk = lk * sign(vv)
    if lk == 0 or not p[T_LEAK_STOCH]:
        return lk
    if <int64_t>(mix64(h_n ^ <uint64_t>SLOT_LEAK) & 0xFF) < (lk if lk > 0 else -lk):
        return sign(lk)
    return 0


cdef inline int64_t tn_reset(const int64_t* p, int64_t vv, int64_t eta, bint* spike) noexcept nogil:
    """Threshold and reset by (gamma, kappa), Cassidy 2013 table in reference/hardware.md."""
    cdef int64_t gamma = p[T_GAMMA]
    if vv >= p[T_ALPHA] + eta:
        spike[0] = True
        if gamma == 0:
            return p[T_RESET]
        if gamma == 1:
            return vv - (p[T_ALPHA] + eta)
        return vv
    if p[T_KAPPA]:
        # Negative saturation: the test ignores eta and V is pinned at -beta.
        return -p[T_BETA] if vv < -p[T_BETA] else vv
    if vv < -(p[T_BETA] + eta):
        if gamma == 0:
            return -p[T_RESET]
        if gamma == 1:
            return vv + (p[T_BETA] + eta)
    return vv


cdef inline int tn_neuron(const int64_t* p, int64_t* v, int64_t inp, uint64_t h_n,
                          const TnCfg* c) noexcept nogil:
    """One TrueNorth neuron, one tick: integrate, leak, threshold, reset; overflow policy after each stage."""
    cdef int64_t v0 = v[0], vv, eta = 0
    cdef bint spike = False
    vv = ovf(v0 + inp, c.h_v, c.v_wrap)
    vv = ovf(vv + tn_leak(p, vv, h_n), c.h_v, c.v_wrap)
    if p[T_MASK]:
        eta = <int64_t>(mix64(h_n ^ <uint64_t>SLOT_THRESHOLD) & <uint64_t>p[T_MASK])
    vv = ovf(tn_reset(p, vv, eta, &spike), c.h_v, c.v_wrap)
    v[0] = vv
    if spike or v0 != 0 or inp != 0 or vv != 0:
        return F_ACTIVE | (F_SPIKE if spike else 0)
    return 0


def truenorth_update(const int64_t[:, ::1] prm, int64_t[::1] v, int64_t[::1] acc,
                     const int64_t[::1] neuron_offset, int32_t[::1] spikes, int64_t[:, ::1] counts,
                     int membrane_bits, bint v_wrap, uint64_t key, int64_t tick):
    """Update every TrueNorth neuron of every core; consume and zero ``acc``; write sorted spike ids."""
    cdef TnCfg c = tn_cfg(membrane_bits, v_wrap)
    cdef Py_ssize_t k, i, nsp = 0, n_active, nsp0
    cdef int f
    cdef int64_t inp
    cdef uint64_t h_ct
    with nogil:
        for k in range(neuron_offset.shape[0] - 1):
            h_ct = core_tick_hash(key, k, tick)
            n_active = 0
            nsp0 = nsp
            for i in range(neuron_offset[k], neuron_offset[k + 1]):
                inp = acc[i]
                acc[i] = 0
                f = tn_neuron(&prm[i, 0], &v[i], inp, mix64(h_ct ^ <uint64_t>(i - neuron_offset[k])), &c)
                n_active += (f & F_ACTIVE) != 0
                if f & F_SPIKE:
                    spikes[nsp] = <int32_t>i
                    nsp += 1
            tally(counts, k, n_active, neuron_offset[k + 1] - neuron_offset[k], nsp - nsp0)
    return nsp


def truenorth_direct(const int64_t[:, ::1] prm, int64_t[::1] v, const int64_t[:, ::1] inputs,
                     int64_t[:, ::1] out_v, int64_t[:, ::1] out_s, int membrane_bits, bint v_wrap,
                     uint64_t key):
    """Direct-input entry point for one core (core 0): inputs[t, i] is the summed synaptic input."""
    cdef TnCfg c = tn_cfg(membrane_bits, v_wrap)
    cdef Py_ssize_t t, i
    cdef uint64_t h_ct
    with nogil:
        for t in range(inputs.shape[0]):
            h_ct = core_tick_hash(key, 0, t)
            for i in range(inputs.shape[1]):
                out_s[t, i] = tn_neuron(&prm[i, 0], &v[i], inputs[t, i], mix64(h_ct ^ <uint64_t>i), &c) & F_SPIKE
                out_v[t, i] = v[i]
