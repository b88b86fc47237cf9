# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Per-tick kernels of the neuron cores: delay buffers, crossbar integration, Loihi LIF and TrueNorth updates.

All cores of a chip live in flat arrays (see :class:`cores.core_array.CoreArray`); one call steps every core.
The loops run without the GIL and touch no Python object. Costs follow events: the delay buffer keeps lists
of pending axon ids per slot and the crossbar is indexed by axon, so idle axons cost nothing. Every neuron is
visited every tick (as on the chip), but a neuron at rest whose rest is a fixed point of its update (no input,
zero state, flag ``REST``) is only counted, not updated: the result is the same and an idle tick is cheap.

Two crossbar layouts (chosen by the neuron model, built by :mod:`cores.core_array`):

- ``loihi_lif``: CSR by global axon; one packed record per synapse, ``(weight << S) | local target``: uint32
  records (int16 weight, S = 16) for cores up to 65,536 neurons, else uint64 (int32 weight, S = 32), so that
  a row costs one memory stream. With uint32 records (every Loihi config) the row pointers become one 16-byte
  record per axon holding the row's first two synapses, its start, length and core (``deliver_rec``): a
  spike on a short row (the usual case when a network spreads over many cores: ~1.2 synapses per row on
  bench-A) costs one random access, no merge pass and no data-dependent branch; records ahead are prefetched.
- ``truenorth``: the binary crossbar as bits, ``words[axon, w]`` (uint64), bit ``b`` of word ``w`` is local
  neuron ``64 w + b``; no per-synapse weight: the weight is ``weight_t[type[axon], neuron]`` (Cassidy 2013).
  Its axons are binary (``binary`` of ``deliver_bits``): the spikes that reach one axon for one tick count
  once, as the bit TrueNorth's scheduler sets for them (the merge below finds the duplicates; the caller
  counts them as dropped).

The neuron rules (Loihi LIF, TrueNorth) and the PRNG are the C functions of ``cores/nm_rules.h`` (declared in
:mod:`cores._lif`), written once for every compiled path; :mod:`cores._reference` is the readable NumPy oracle
they must equal bit for bit (tests/cores/test_compiled_paths.py).
"""

from libc.string cimport memcpy
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

from cores._lif cimport (F_ACTIVE, F_SPIKE, LF_REST, SLOT_SYNAPSE, TF_KAPPA, TF_LEAK_REV, TF_LEAK_STOCH, TF_REST,
                         LoihiCfg, LoihiNeuron, TnCfg, TrueNorthNeuron, core_tick_hash, loihi_at_rest, loihi_cfg,
                         loihi_neuron, mix64, sign, tn_at_rest, tn_cfg, tn_neuron)


cdef extern from *:
    """
    static inline int nm_ctz64(unsigned long long x) { return __builtin_ctzll(x); }
    static inline int nm_popcount64(unsigned long long x) { return __builtin_popcountll(x); }
    """
    int nm_ctz64(uint64_t x) noexcept nogil
    int nm_popcount64(uint64_t x) noexcept nogil

cdef extern from *:
    """
    #if defined(__GNUC__)
    #define nm_prefetch(p) __builtin_prefetch((const void*)(p), 0, 3)
    #else
    #define nm_prefetch(p) ((void)0)
    #endif
    """
    void nm_prefetch(const void* p) noexcept nogil


# Per-core state bits (core_state[k], uint8): CS_ALL_REST, set at build, when every neuron of core k has the
# REST flag; CS_QUIET, kept by the update, when core k's last update left every neuron inactive (so all of its
# state registers are 0). A core with both bits and no synaptic event this tick is skipped whole: each of its
# neurons would take the at-rest skip anyway. Writing state from outside (reset, set_state) clears CS_QUIET.
cdef enum:
    CS_ALL_REST = 1
    CS_QUIET = 2

CORE_STATE_BITS = {"all_rest": CS_ALL_REST, "quiet": CS_QUIET}
LOIHI_FLAGS = {"rest": LF_REST}
TRUENORTH_FLAGS = {"leak_reversal": TF_LEAK_REV, "leak_stochastic": TF_LEAK_STOCH, "kappa": TF_KAPPA,
                   "rest": TF_REST}

# Counter columns of last_counts[core, :]
cdef enum:
    C_SYN = 0
    C_ACTIVE = 1
    C_INACTIVE = 2
    C_SPIKES = 3


def record_sizes():
    """sizeof the C parameter records, checked against the NumPy dtypes by cores.tables."""
    return {"loihi": sizeof(LoihiNeuron), "truenorth": sizeof(TrueNorthNeuron)}


# ----- counter-based PRNG (C twin of cores/prng.py: nm_mix64 in cores/nm_rules.h) ------------------------------

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


def enqueue_checked(int32_t[:, ::1] pend, int64_t[::1] pend_len, const int32_t[::1] axons,
                    const int32_t[::1] delays, int64_t tick, int64_t n_axons, int64_t[::1] need):
    """Validate, then append each spike to the pending list of slot (tick + delay - 1) % slots.

    Returns -1 when done; ``-2 - i`` when entry i has an axon out of range; ``-2 - n - i`` when entry i has a
    delay out of range (n = number of entries); or the needed capacity (>= 0) when some slot's list is too
    short: nothing is written then, the caller grows ``pend`` and calls again.
    """
    return _enqueue_checked(pend, pend_len, axons, delays, tick, n_axons, need)


cdef int64_t _enqueue_checked(int32_t[:, ::1] pend, int64_t[::1] pend_len, const int32_t[::1] axons,
                              const int32_t[::1] delays, int64_t tick, int64_t n_axons,
                              int64_t[::1] need) noexcept nogil:
    cdef Py_ssize_t i, s, n = axons.shape[0], slots = pend.shape[0], base = tick % slots
    cdef int64_t worst = 0
    cdef int32_t d, dmin, dmax
    cdef bint bad = False
    if n == 0:
        return -1
    # Fast path, one pass of range checks: every delay equal (the usual case) sends the whole batch to one
    # slot, appended with one copy. Any entry out of range falls through to the loop that names it.
    dmin = dmax = delays[0]
    for i in range(n):
        d = delays[i]
        dmin = d if d < dmin else dmin
        dmax = d if d > dmax else dmax
        bad |= <uint32_t>axons[i] >= <uint64_t>n_axons
    if not bad and dmin == dmax and 1 <= dmin <= slots:
        s = base + dmin - 1
        s = s - slots if s >= slots else s
        if pend_len[s] + n > pend.shape[1]:
            return pend_len[s] + n
        memcpy(&pend[s, pend_len[s]], &axons[0], n * sizeof(int32_t))
        pend_len[s] += n
        return -1
    for s in range(slots):
        need[s] = pend_len[s]
    for i in range(n):
        d = delays[i]
        if axons[i] < 0 or axons[i] >= n_axons:
            return -2 - i
        if d < 1 or d > slots:
            return -2 - n - i
        s = base + d - 1
        s = s - slots if s >= slots else s
        need[s] += 1
        if need[s] > worst:
            worst = need[s]
    if worst > pend.shape[1]:
        return worst
    for i in range(n):
        s = base + delays[i] - 1
        s = s - slots if s >= slots else s
        pend[s, pend_len[s]] = axons[i]
        pend_len[s] += 1
    return -1


def enqueue_rows(int32_t[:, ::1] pend, int64_t[::1] pend_len, const int64_t[::1] ptr, const int32_t[::1] axons,
                 const int32_t[::1] delays, const int64_t[::1] rows, const int64_t[::1] reps, int64_t tick,
                 int64_t n_axons, int64_t[::1] need):
    """enqueue_checked of the entries of CSR rows: for each i, the entries ptr[rows[i]] .. ptr[rows[i] + 1]
    of ``axons`` / ``delays``, reps[i] times (``reps`` empty: once), in that order, without expanding them.

    Returns -1 when done; -2 when a row, a row's pointers, an axon or a delay is out of range, or a repetition
    is negative
    (nothing is written: the caller expands the rows and lets the checked path name the entry); or the
    needed capacity (>= 0) when some slot's list is too short (nothing written, as enqueue_checked).
    """
    return _enqueue_rows(pend, pend_len, ptr, axons, delays, rows, reps, tick, n_axons, need)


cdef int64_t _enqueue_rows(int32_t[:, ::1] pend, int64_t[::1] pend_len, const int64_t[::1] ptr,
                           const int32_t[::1] axons, const int32_t[::1] delays, const int64_t[::1] rows,
                           const int64_t[::1] reps, int64_t tick, int64_t n_axons,
                           int64_t[::1] need) noexcept nogil:
    cdef Py_ssize_t i, e, s, m, slots = pend.shape[0], base = tick % slots, n_rows = ptr.shape[0] - 1
    cdef Py_ssize_t cap = pend.shape[1], p0, p1
    cdef int64_t worst = 0, r, c
    cdef int32_t d, dmin = 0x7FFFFFFF, dmax = -1
    cdef bint with_reps = reps.shape[0] > 0
    cdef int32_t* dst
    cdef int32_t* pbase = &pend[0, 0]
    cdef int64_t* plen = &pend_len[0]
    cdef const int32_t* ax = &axons[0] if axons.shape[0] else NULL
    cdef const int32_t* dl = &delays[0] if delays.shape[0] else NULL
    cdef int64_t total = 0
    cdef uint32_t bad = 0
    # Pass 1: range checks and the delays' span, row by row (a branch-free loop the compiler vectorises);
    # the rows ahead are prefetched (fan-out rows of random sources are random accesses).
    for i in range(rows.shape[0]):
        if i + 4 < rows.shape[0] and 0 <= rows[i + 4] < n_rows:
            e = ptr[rows[i + 4]]
            if 0 <= e < axons.shape[0]:
                nm_prefetch(ax + e)
                nm_prefetch(ax + e + 16)
                nm_prefetch(dl + e)
                nm_prefetch(dl + e + 16)
        r = rows[i]
        c = reps[i] if with_reps else 1
        if r < 0 or r >= n_rows or c < 0 or ptr[r] < 0 or ptr[r] > ptr[r + 1] or ptr[r + 1] > axons.shape[0]:
            return -2
        p0, p1 = ptr[r], ptr[r + 1]
        total += c * (p1 - p0)
        for e in range(p0, p1):
            d = dl[e]
            bad |= <uint32_t>(<uint32_t>ax[e] >= <uint64_t>n_axons)
            dmin = d if d < dmin else dmin
            dmax = d if d > dmax else dmax
    if total == 0:
        return -1
    if bad or dmin < 1 or dmax > slots:
        return -2
    if dmin != dmax:
        # Several delays: count each slot's entries.
        for s in range(slots):
            need[s] = plen[s]
        for i in range(rows.shape[0]):
            r = rows[i]
            c = reps[i] if with_reps else 1
            for e in range(ptr[r], ptr[r + 1]):
                s = base + dl[e] - 1
                s = s - slots if s >= slots else s
                need[s] += c
                worst = need[s] if need[s] > worst else worst
    else:
        s = base + dmin - 1
        s = s - slots if s >= slots else s
        worst = plen[s] + total
    if worst > cap:
        return worst
    if dmin == dmax:
        # One delay (the usual wiring): every row is one copy into the single slot.
        s = base + dmin - 1
        s = s - slots if s >= slots else s
        dst = pbase + s * cap + plen[s]
        for i in range(rows.shape[0]):
            r = rows[i]
            c = reps[i] if with_reps else 1
            p0, p1 = ptr[r], ptr[r + 1]
            for m in range(c):
                memcpy(dst, ax + p0, (p1 - p0) * sizeof(int32_t))
                dst += p1 - p0
        plen[s] += total
        return -1
    for i in range(rows.shape[0]):
        r = rows[i]
        c = reps[i] if with_reps else 1
        for m in range(c):
            for e in range(ptr[r], ptr[r + 1]):
                s = base + dl[e] - 1
                s = s - slots if s >= slots else s
                pbase[s * cap + plen[s]] = ax[e]
                plen[s] += 1
    return -1


cdef Py_ssize_t merge_slot(int32_t[:, ::1] pend, int64_t[::1] pend_len, Py_ssize_t slot,
                           int32_t[::1] cnt, int32_t[::1] uniq) noexcept nogil:
    """Turn a slot's pending list (duplicates allowed) into unique axons with spike counts; empty the slot.

    Merging makes the per-axon count, and hence the stochastic draw slots, independent of arrival order; on
    binary axons it is the OR of the spikes (each unique axon counts once).
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


# ----- crossbar integration: Loihi CSR ----------------------------------------------------------------------

ctypedef fused syn_t:
    uint32_t
    uint64_t

ctypedef fused wt_t:
    int16_t
    int32_t


cdef inline void csr_row(int64_t* acc, const syn_t* row, int64_t length, int64_t c) noexcept nogil:
    """acc[target] += weight * c over one CSR row of packed records: uint32 = (int16 weight << 16) | uint16
    target, uint64 = (int32 weight << 32) | uint32 target (see cores.crossbar.CsrCrossbar)."""
    cdef int64_t j, w
    cdef syn_t s
    for j in range(length):
        s = row[j]
        if syn_t is uint32_t:
            w = <int16_t>(<uint16_t>(s >> 16))
            acc[<uint16_t>s] += w * c          # low half: the target
        else:
            w = <int32_t>(<uint32_t>(s >> 32))
            acc[<uint32_t>s] += w * c


def deliver_csr(int32_t[:, ::1] pend, int64_t[::1] pend_len, Py_ssize_t slot, int32_t[::1] cnt,
                int32_t[::1] uniq, const int64_t[::1] axon_ptr, const syn_t[::1] syn,
                const int32_t[::1] axon_core, const int64_t[::1] neuron_offset, int64_t[::1] acc,
                int64_t[:, ::1] counts):
    """Integrate the spikes due in ``slot`` through the CSR crossbar into ``acc`` (int64 per global neuron).

    Each spike on axon a costs len(row a) synaptic operations, counted on a's core. Returns the number of
    distinct axons that fired.
    """
    cdef Py_ssize_t nu, i
    cdef int32_t a, k
    cdef int64_t c, p0, p1
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
            if p1 > p0:
                csr_row(&acc[neuron_offset[k]], &syn[p0], p1 - p0, c)
    return nu


# ----- crossbar integration: Loihi per-axon records (short rows) --------------------------------------------


# Axon records (cores.crossbar.CsrCrossbar.rec, uint32[n_axons, 4], 16 bytes: one cache line access): the
# row's first two packed synapses (zero, i.e. weight 0 on local neuron 0, where the row is shorter), the
# row's start in ``syn`` (read only for rows of more than two synapses), and length | core << 16.
cdef enum:
    REC_AHEAD = 64       # prefetch distance (pending entries) of the axon records
    ROW_AHEAD = 32       # prefetch distance of the rows of more than two synapses


cdef inline void add_syn(int64_t* a, uint32_t s) noexcept nogil:
    a[<uint16_t>s] += <int16_t>(<uint16_t>(s >> 16))


cdef inline void rec_entry(const uint32_t* r, const uint32_t* synp, const int64_t* noff, int64_t* accp,
                           int64_t* syn_ops, Py_ssize_t cstride) noexcept nogil:
    """One pending entry of deliver_rec: its axon record r (see above)."""
    cdef uint32_t lc = r[3]
    cdef int64_t length = lc & 0xFFFF, j
    cdef Py_ssize_t k = lc >> 16
    cdef int64_t* a = accp + noff[k]
    cdef const uint32_t* row
    syn_ops[k * cstride] += length
    add_syn(a, r[0])
    add_syn(a, r[1])
    if length > 2:
        row = synp + r[2]
        for j in range(2, length):
            add_syn(a, row[j])


def deliver_rec(int32_t[:, ::1] pend, int64_t[::1] pend_len, Py_ssize_t slot, const uint32_t[:, ::1] rec,
                const uint32_t[::1] syn, const int64_t[::1] neuron_offset, int64_t[::1] acc,
                int64_t[:, ::1] counts):
    """deliver_csr for the compact layout: one record per axon, rows of up to two synapses inline, no merge.

    Loihi has no stochastic synapse, so each pending entry is integrated on its own, in arrival order: the
    sums (integers) and the counters (count x row length) equal those of the merged delivery. The two inline
    synapses are always added (a missing one adds weight 0), so the usual rows take no data-dependent branch;
    the records and the longer rows of entries ahead are prefetched, so that the random accesses overlap.
    ``acc`` has one spare element past the last neuron (an empty core's padding lands there).
    Returns the number of pending entries integrated.
    """
    cdef Py_ssize_t i, n = pend_len[slot]
    cdef const int32_t* p
    cdef const uint32_t* r
    # Raw pointers in locals: the memoryview structs' fields (data, strides) would otherwise be reloaded after
    # every int64 store, as the compiler cannot rule out that the store aliases them.
    cdef const uint32_t* recp = &rec[0, 0]
    cdef const uint32_t* synp = &syn[0] if syn.shape[0] else NULL
    cdef const int64_t* noff = &neuron_offset[0]
    cdef int64_t* accp = &acc[0]
    cdef int64_t* syn_ops = &counts[0, C_SYN]
    cdef Py_ssize_t cstride = counts.strides[0] // sizeof(int64_t)
    if n == 0:
        return 0
    with nogil:
        p = &pend[slot, 0]
        # Main loop with the prefetches ahead, then the last entries without them (no bound test per entry).
        for i in range(n - REC_AHEAD if n > REC_AHEAD else 0):
            nm_prefetch(recp + 4 * <Py_ssize_t>p[i + REC_AHEAD])
            r = recp + 4 * <Py_ssize_t>p[i + ROW_AHEAD]
            if (r[3] & 0xFFFF) > 2:
                nm_prefetch(synp + r[2] + 2)
            rec_entry(recp + 4 * <Py_ssize_t>p[i], synp, noff, accp, syn_ops, cstride)
        for i in range(n - REC_AHEAD if n > REC_AHEAD else 0, n):
            rec_entry(recp + 4 * <Py_ssize_t>p[i], synp, noff, accp, syn_ops, cstride)
        pend_len[slot] = 0
    return n


# ----- crossbar integration: TrueNorth bit crossbar ---------------------------------------------------------

cdef inline int64_t row_popcount(const uint64_t* row, Py_ssize_t n_words) noexcept nogil:
    cdef int64_t n = 0
    cdef Py_ssize_t i
    for i in range(n_words):
        n += nm_popcount64(row[i])
    return n


cdef inline void bit_row(int64_t* acc, const wt_t* w, const uint64_t* row, Py_ssize_t n_words,
                         int64_t c) noexcept nogil:
    """acc[j] += w[j] * c for every set bit j of the row (ascending j: acc is walked forwards)."""
    cdef Py_ssize_t i
    cdef int64_t j
    cdef uint64_t bits
    for i in range(n_words):
        bits = row[i]
        if bits == <uint64_t>0xFFFFFFFFFFFFFFFFULL:
            # A full word: a plain loop the compiler can vectorise (dense crossbars).
            for j in range(64 * i, 64 * i + 64):
                acc[j] += w[j] * c
            continue
        while bits:
            j = 64 * i + nm_ctz64(bits)
            acc[j] += w[j] * c
            bits &= bits - 1


cdef inline void stochastic_synapse(int64_t* acc, int64_t w, int64_t c, uint64_t h_ct, int64_t local_neuron,
                                    int64_t local_axon) noexcept nogil:
    """TrueNorth stochastic synapse: each of the c spikes adds sign(w) when (draw & 0xFF) < |w|."""
    cdef uint64_t h_n = mix64(h_ct ^ <uint64_t>local_neuron)
    cdef uint64_t base = <uint64_t>SLOT_SYNAPSE + (<uint64_t>local_axon << 32)
    cdef int64_t m, mag = w if w >= 0 else -w
    for m in range(c):
        if <int64_t>(mix64(h_n ^ (base + <uint64_t>m)) & 0xFF) < mag:
            acc[0] += sign(w)


cdef void stochastic_bit_row(int64_t* acc, const wt_t* w, const uint8_t* stoch, const uint64_t* row,
                             Py_ssize_t n_words, int64_t c, uint64_t h_ct, int64_t local_axon) noexcept nogil:
    """bit_row where some neurons take this axon type stochastically (stoch[j] = 1)."""
    cdef Py_ssize_t i
    cdef int64_t j
    cdef uint64_t bits
    for i in range(n_words):
        bits = row[i]
        while bits:
            j = 64 * i + nm_ctz64(bits)
            if stoch[j]:
                stochastic_synapse(&acc[j], w[j], c, h_ct, j, local_axon)
            else:
                acc[j] += w[j] * c
            bits &= bits - 1


def deliver_bits(int32_t[:, ::1] pend, int64_t[::1] pend_len, Py_ssize_t slot, int32_t[::1] cnt,
                 int32_t[::1] uniq, const uint64_t[:, ::1] words, const uint8_t[::1] axon_type,
                 const wt_t[:, ::1] weight_t, const uint8_t[:, ::1] stoch_t, const int32_t[::1] axon_core,
                 const int64_t[::1] axon_offset, const int64_t[::1] neuron_offset, int64_t[::1] acc,
                 int64_t[:, ::1] counts, uint64_t key, int64_t tick, bint binary):
    """Integrate the spikes due in ``slot`` through the TrueNorth bit crossbar into ``acc``.

    ``weight_t[t, i]`` is global neuron i's weight for axon type t; ``stoch_t`` (same shape, or empty when no
    synapse is stochastic) flags the stochastic ones. A spike on axon a costs popcount(row a) synaptic ops.
    ``binary`` (the model's ``binary_axons``): an axon that received c >= 1 spikes for this tick integrates
    once (one weight, one stochastic draw, popcount ops), the other c - 1 spikes are dropped; otherwise it
    integrates c times. Returns the number of distinct axons that fired (the dropped spikes are the slot's
    pending entries minus this).
    """
    cdef Py_ssize_t nu, i, n_words = words.shape[1]
    cdef int32_t a, k
    cdef int64_t c, noff, nsyn
    cdef int t
    cdef bint any_stoch = stoch_t.shape[0] > 0
    with nogil:
        nu = merge_slot(pend, pend_len, slot, cnt, uniq)
        for i in range(nu):
            a = uniq[i]
            c = 1 if binary else cnt[a]
            cnt[a] = 0
            k = axon_core[a]
            noff = neuron_offset[k]
            t = axon_type[a]
            nsyn = row_popcount(&words[a, 0], n_words)
            counts[k, C_SYN] += c * nsyn
            if nsyn == 0:
                continue
            if any_stoch:
                stochastic_bit_row(&acc[noff], &weight_t[t, noff], &stoch_t[t, noff], &words[a, 0], n_words, c,
                                   core_tick_hash(key, k, tick), a - axon_offset[k])
            else:
                bit_row(&acc[noff], &weight_t[t, noff], &words[a, 0], n_words, c)
    return nu


cdef inline void tally(int64_t[:, ::1] counts, Py_ssize_t k, Py_ssize_t n_active, Py_ssize_t n_neurons,
                       Py_ssize_t n_spikes) noexcept nogil:
    """Add one core's neuron-update and spike tallies of this tick to its counter row."""
    counts[k, C_ACTIVE] += n_active
    counts[k, C_INACTIVE] += n_neurons - n_active
    counts[k, C_SPIKES] += n_spikes


cdef inline bint skip_core(uint8_t[::1] core_state, int64_t[:, ::1] counts, Py_ssize_t k,
                           Py_ssize_t n_neurons) noexcept nogil:
    """Whole-core at-rest skip (see CS_* above): count every neuron inactive and return True."""
    if (core_state[k] & (CS_ALL_REST | CS_QUIET)) == (CS_ALL_REST | CS_QUIET) and counts[k, C_SYN] == 0:
        counts[k, C_INACTIVE] += n_neurons
        return True
    return False


cdef inline void set_quiet(uint8_t[::1] core_state, Py_ssize_t k, bint quiet) noexcept nogil:
    core_state[k] = (core_state[k] | CS_QUIET) if quiet else (core_state[k] & ~CS_QUIET)


# ----- Loihi LIF --------------------------------------------------------------------------------------------

def loihi_update(const LoihiNeuron[::1] prm, int64_t[::1] u, int64_t[::1] v, int32_t[::1] refr,
                 int64_t[::1] acc, const int64_t[::1] neuron_offset, int32_t[::1] spikes,
                 int64_t[:, ::1] counts, uint8_t[::1] core_state, int decay_bits, int input_shift,
                 int current_bits, bint u_wrap, int membrane_bits, bint v_wrap, bint refractory):
    """Update every Loihi neuron of every core; consume and zero ``acc``; write sorted spike ids.

    ``refr`` may be empty when ``refractory`` is false; ``counts`` holds this tick's synaptic ops (deliver ran
    first). Returns the number of spikes written to ``spikes``.
    """
    cdef LoihiCfg c = loihi_cfg(decay_bits, input_shift, current_bits, u_wrap, membrane_bits, v_wrap,
                                refractory)
    cdef Py_ssize_t k, i, nsp = 0, n_active, nsp0
    cdef int f
    cdef int64_t inp
    cdef int32_t zero = 0
    cdef int32_t* r
    # Raw pointers in locals (not reloaded from the memoryview structs after every int64 store).
    cdef const LoihiNeuron* pp = &prm[0]
    cdef int64_t* up = &u[0]
    cdef int64_t* vp = &v[0]
    cdef int64_t* ap = &acc[0]
    cdef int32_t* rp = &refr[0]
    cdef int32_t* sp = &spikes[0]
    with nogil:
        for k in range(neuron_offset.shape[0] - 1):
            if skip_core(core_state, counts, k, neuron_offset[k + 1] - neuron_offset[k]):
                continue
            n_active = 0      # per-core tallies kept in registers, written once per core
            nsp0 = nsp
            for i in range(neuron_offset[k], neuron_offset[k + 1]):
                inp = ap[i]
                r = rp + i if refractory else &zero
                if loihi_at_rest(pp + i, up[i], vp[i], r[0], inp):
                    continue
                ap[i] = 0
                f = loihi_neuron(pp + i, up + i, vp + i, r, inp, &c)
                n_active += (f & F_ACTIVE) != 0
                if f & F_SPIKE:
                    sp[nsp] = <int32_t>i
                    nsp += 1
            tally(counts, k, n_active, neuron_offset[k + 1] - neuron_offset[k], nsp - nsp0)
            set_quiet(core_state, k, n_active == 0)
    return nsp


def loihi_direct(const LoihiNeuron[::1] prm, int64_t[::1] u, int64_t[::1] v, int32_t[::1] refr,
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
                f = loihi_neuron(&prm[i], &u[i], &v[i], &refr[i], inputs[t, i], &c)
                out_u[t, i] = u[i]
                out_v[t, i] = v[i]
                out_s[t, i] = f & F_SPIKE


# ----- TrueNorth --------------------------------------------------------------------------------------------

def truenorth_update(const TrueNorthNeuron[::1] prm, int64_t[::1] v, int64_t[::1] acc,
                     const int64_t[::1] neuron_offset, int32_t[::1] spikes, int64_t[:, ::1] counts,
                     uint8_t[::1] core_state, int membrane_bits, bint v_wrap, bint v_twos_complement,
                     uint64_t key, int64_t tick):
    """Update every TrueNorth neuron of every core; consume and zero ``acc``; write sorted spike ids.

    ``v_wrap`` / ``v_twos_complement``: the membrane register's overflow (``nm_tn_cfg``; TrueNorth's wraps as
    two's complement).

    A neuron with V = 0, no input and flag TF_REST is skipped: leak 0 (or reversed at V = 0) keeps V = 0 and
    alpha > 0 with eta >= 0 cannot fire at V = 0, so its update would be an inactive no-op. A quiet core of
    such neurons with no synaptic event is skipped whole (CS_* bits).
    """
    cdef TnCfg c = tn_cfg(membrane_bits, v_wrap, v_twos_complement)
    cdef Py_ssize_t k, i, nsp = 0, n_active, nsp0, noff
    cdef int f
    cdef int64_t inp
    cdef uint64_t h_ct
    with nogil:
        for k in range(neuron_offset.shape[0] - 1):
            if skip_core(core_state, counts, k, neuron_offset[k + 1] - neuron_offset[k]):
                continue
            h_ct = core_tick_hash(key, k, tick)
            n_active = 0
            nsp0 = nsp
            noff = neuron_offset[k]
            for i in range(noff, neuron_offset[k + 1]):
                inp = acc[i]
                if tn_at_rest(&prm[i], v[i], inp):
                    continue
                acc[i] = 0
                f = tn_neuron(&prm[i], &v[i], inp, h_ct, i - noff, &c)
                n_active += (f & F_ACTIVE) != 0
                if f & F_SPIKE:
                    spikes[nsp] = <int32_t>i
                    nsp += 1
            tally(counts, k, n_active, neuron_offset[k + 1] - noff, nsp - nsp0)
            set_quiet(core_state, k, n_active == 0)
    return nsp


def truenorth_direct(const TrueNorthNeuron[::1] prm, int64_t[::1] v, const int64_t[:, ::1] inputs,
                     int64_t[:, ::1] out_v, int64_t[:, ::1] out_s, int membrane_bits, bint v_wrap,
                     bint v_twos_complement, uint64_t key):
    """Direct-input entry point for one core (core 0): inputs[t, i] is the summed synaptic input."""
    cdef TnCfg c = tn_cfg(membrane_bits, v_wrap, v_twos_complement)
    cdef Py_ssize_t t, i
    cdef uint64_t h_ct
    with nogil:
        for t in range(inputs.shape[0]):
            h_ct = core_tick_hash(key, 0, t)
            for i in range(inputs.shape[1]):
                out_s[t, i] = tn_neuron(&prm[i], &v[i], inputs[t, i], h_ct, i, &c) & F_SPIKE
                out_v[t, i] = v[i]


# ----- the counter columns against the one event enumeration ------------------------------------------------

from chip_configs.events import CORE_EVENTS, check_columns

# The C_* counter columns as compiled, by event label: chip_configs.events.CORE_EVENTS, checked at import (the
# width of a counter row is the caller's array, so there is no count field).
COUNTER_COLUMNS = {"syn_ops": C_SYN, "neuron_updates_active": C_ACTIVE, "neuron_updates_inactive": C_INACTIVE,
                   "spikes": C_SPIKES}
check_columns("cores/_kernels.pyx", COUNTER_COLUMNS, CORE_EVENTS, count=False)
