# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The fused tick kernel of the ``loads`` engine: a whole Loihi chip, many ticks, one call, no Python inside.

Per tick ``t`` (the same order as :mod:`emulator.simulator`):

1. every neuron consumes its accumulator for tick t and is updated: on the 32-bit path (``_lif32.c``, when
   the plan's bounds allow) core by core with each core's counts and spikes; else by the branch-free int64
   rules of ``_lif_batch.c``, or, with silicon refractory, by the one-neuron rules; all three run the rule
   functions of ``cores/nm_rules.h``, each vector routine at the level :attr:`FusedKernel.simd` names
   (tests/cores/test_compiled_paths.py runs every one against the NumPy oracle); per core: syn_ops, active /
   inactive updates, spikes;
2. the input lines of tick t and the neurons that spiked add their *pre-folded* synapses -- for each source,
   every (destination core, axon) entry's crossbar row, as global targets -- into the accumulator of tick
   t + delay (a ring of ``R = max delay + 1`` accumulators). Records: uint16 targets and one increment per
   source when the source's synapses share one weight; ``(w << 16) | target`` otherwise; int64 records
   beyond 65,536 neurons;
3. each spike adds its *events* (``_events.c``) from one 64-byte record (``nm_meta_t``): packets and hops at
   its core, and its first packet to each destination core as a 16-bit count of its source group (the
   destination core's bit of its mask: one masked vector add per 32 cores on AVX-512) and per destination
   line of its source router; read back once per tick (``_routes_to_grid``), they give the per-core
   deliveries and the link loads. A list holds what the bits cannot say (a second packet to a core; beyond
   512 cores every packet, with its route differences);
4. the tick is timed: compute from the per-core counts (the same formula as the exact engine), network drain
   estimated from the link, injection and ejection loads (below), then barrier or fixed synchronisation; the
   tick's drain record (packets, queueing backlog, busiest-link utilisation: ``_drain``) feeds the
   drain-backlog packet latencies of :mod:`noc.loads_estimate`, built once per inference by the caller.

Accumulator trick: each synapse adds ``w * 2**24 + 1`` (int64), so one add integrates the weight and counts
the synaptic event: ``acc >> 24`` is the summed weight Lava calls ``a_in`` (exact while fewer than 2**24 events
reach a neuron in one tick, checked by the caller), ``acc & (2**24 - 1)`` its syn_ops. The 32-bit path packs
``(w << cnt_bits) + 1`` into an int32 the same way, ``cnt_bits`` chosen by the plan from the worst tick's event
count per neuron. Integer sums do not depend on order, so this equals the per-axon delivery of
:mod:`cores._kernels` bit for bit.

Timing of a tick: the compute phase, synchronisation and violations by the rules of :mod:`emulator.timing`
(fields of its ``TickTiming`` record), the network end by the loads estimate of :mod:`noc.loads_estimate`
(its ``LoadsEstimate`` record; ``noc.loads_estimate.network_end`` is the NumPy specification of ``_finish`` and
``_link_service``, held equal tick by tick in tests/emulator/test_loads_engine.py). Its error against the
cycle-exact engine is measured and asserted there too (noc/README.md).
"""

from libc.stdint cimport INT64_MAX, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy
from libc.string cimport memset

from cores._lif cimport (F_ACTIVE, F_SPIKE, LoihiCfg, LoihiNeuron, TnCfg, TrueNorthNeuron, loihi_at_rest, loihi_cfg,
                         loihi_neuron, tn_cfg)

cdef extern from "_events.h":
    enum:
        NM_SYN, NM_ACT, NM_INACT, NM_SPK, NM_PKT, NM_HEW, NM_HNS, NM_DLV, NM_NEV
    enum:
        NM_SIMD_NONE, NM_SIMD_AVX2, NM_SIMD_AVX512
    ctypedef struct nm_meta_t:
        uint64_t mask[4]
        int32_t pkt, hew, hns, ev_start, dl_start
        int16_t hmax
        uint16_t core, router, group, ev_n, dl_n
    ctypedef struct nm_events_t:
        const nm_meta_t* meta
        const uint64_t* dmask
        const uint8_t* lcnt
        const uint32_t* ev
        const uint16_t* dl
        int n_words, lanes, lines_pad, simd
        int64_t* ctr
        int32_t* core_hmax
        int32_t* dlv
        int64_t* src_count
        uint16_t* dg
        uint16_t* cr
        uint8_t* g_used
        uint8_t* r_used
        int32_t* r_list
        int32_t n_r_list
    int nm_events_simd_available() noexcept nogil
    void nm_events_tick(nm_events_t* e, const int32_t* spikes, int64_t n) noexcept nogil
    ctypedef struct nm_one_t:
        const int32_t* x
        const int32_t* y
        const int32_t* cx
        const int32_t* cy
        int64_t* off
        int64_t* hops
        int64_t n_cores, width, height
        int x_first

cdef extern from "_close.h":
    ctypedef struct nm_close_t:
        double syn_ns, act_ns, inact_ns, spk_ns, cycle_ns, s_inj
        int64_t I, P, L, E, F
        const double* n_per_core
        const double* core_x
        double* core_a
        int32_t* core_hmax
        int32_t* dlv
        int64_t n_cores, width, height
        int64_t* load
        const int32_t* cell_link
        int timed
        int64_t* per_core
        int64_t* link_flits
        int64_t* activity
    ctypedef struct nm_part_t:
        double busy_max, t_a, t_e, inj
        int64_t best_core, best_syn, best_pkt, n_dlv, dlv_core, npk, n_link, best_cell
        int64_t tot[NM_NEV]
    void nm_close_cores(const nm_close_t* c, int64_t* ctr, int64_t* ctr_b, int32_t* dlv_b, int64_t k0, int64_t k1,
                        nm_part_t* o) noexcept nogil
    void nm_close_lines(const nm_close_t* c, int64_t* grid, int64_t* grid_b, int64_t l0, int64_t l1,
                        nm_part_t* o) noexcept nogil
    int64_t nm_close_lines_n(const nm_close_t* c) noexcept nogil

cdef extern from "_lif32.h":
    ctypedef struct nm_lif32_t:
        const int32_t* k_u
        const int32_t* k_v
        const int32_t* vth
        const int32_t* bias
        const int8_t* wexp
        const int32_t* core_profile
        const int32_t (*profile)[5]
        int decay_bits, input_shift, u_wrap, v_wrap, cnt_bits
        int32_t h_u, h_v
        int simd
        uint8_t* quiet
        uint8_t* flags
        int32_t* syn
    int64_t nm_lif32_cores(const nm_lif32_t* p, int64_t n_cores, const int64_t* noff, int32_t* acc, int32_t* u,
                           int32_t* v, int32_t* sp, int64_t* ctr) noexcept nogil

cdef extern from "_tn_fused.h":
    ctypedef struct nm_tn_t:
        const uint64_t* words
        const uint8_t* axon_type
        const int16_t* w16
        const int32_t* w32
        const uint8_t* stoch
        const uint8_t* core_stoch
        const TrueNorthNeuron* prm
        const int64_t* noff
        const int64_t* aoff
        const int64_t* abase
        const int32_t* word_core
        int64_t n_cores, n_neurons, bit_words, n_pad
        int n_words, types, ring, simd, lanes32, lanes16
        const int32_t* w_uni
        uint64_t key
        TnCfg cfg
        const int32_t* soa
        const int32_t* core_profile
        const int32_t (*profile)[8]
        const uint8_t* core_draws
        const uint8_t* all_rest
        uint64_t* abits
        uint64_t* abits_b
        int b_live
        int64_t* dup
        int64_t* dup_b
        int32_t* acc
        int32_t* eta
        int32_t* rl
        int16_t* acc16
        int upd16, v16_on
        int32_t v16_lo, v16_hi
        int16_t* v16
        int32_t* v32
        int64_t* v64
        uint8_t* quiet
        int32_t* alist
        int32_t* glist
        int64_t* lptr
        int threads
        int64_t chunk, first_max, second_cores
        int64_t* claim_n
        int32_t* alist2
        int32_t* glist2
        int32_t* acc2
        int32_t* eta2
        int32_t* rl2
        int32_t* sp2
        int32_t* spc
        int32_t* spc2
        int16_t* acc16b
        int sched_mode
        const uint32_t* sched_one
        const uint32_t* sched_rec
        const int64_t* sched_ptr
        nm_events_t* sched_e
        const nm_one_t* sched_o
        int64_t* ctr_b
        int64_t* hops_b
        int32_t* dlv_b
        int64_t ctr_n, hops_n
        const nm_close_t* close
        nm_part_t* parts
    enum: NM_TN_SCHED_NONE, NM_TN_SCHED_ONE, NM_TN_SCHED_PLAIN
    int64_t nm_tn_tick(nm_tn_t* p, int64_t tick, int32_t* sp, int64_t* ctr, int64_t* dups) noexcept nogil
    void nm_tn_schedule(nm_tn_t* p, int64_t tick, const int64_t* ptr, const uint32_t* rec, const uint32_t* one,
                        const int32_t* src, const int32_t* count, int64_t n) noexcept nogil
    void nm_tn_load(nm_tn_t* p) noexcept nogil
    void nm_tn_pool_stop(nm_tn_t* p) noexcept nogil
    void nm_tn_store(nm_tn_t* p) noexcept nogil

cdef extern from "_lif_batch.h":
    ctypedef struct nm_lif_batch_t:
        const int64_t* k_u
        const int64_t* k_v
        const int64_t* vth
        const int64_t* bias
        const int64_t* wexp
        int decay_bits, input_shift, u_wrap, v_wrap
        int64_t h_u, h_v
        int simd
    int64_t nm_lif_batch(const nm_lif_batch_t* p, int64_t i0, int64_t i1, int64_t* acc, int64_t* u, int64_t* v,
                         uint8_t* spk, int64_t* syn) noexcept nogil

cdef extern from *:
    """
    #if defined(__GNUC__)
    #define nmf_prefetch(p) __builtin_prefetch((const void*)(p), 0, 3)
    #else
    #define nmf_prefetch(p) ((void)0)
    #endif
    """
    void nmf_prefetch(const void* p) noexcept nogil

def meta_size():
    """sizeof(nm_meta_t), the per-neuron spike record of _events.h, checked against emulator.fused_events.META_DTYPE."""
    return sizeof(nm_meta_t)


# The instruction-set levels of the fused kernel's compiled variants, by name (FusedKernel.simd), best last.
# Every C routine of the kernel with vector code has one variant per level under its own name (no loader
# dispatch): the neuron updates (_lif_batch.c, _lif32.c) and the per-spike route counts (_events.c). "avx2"
# stands for x86-64-v3, "avx512" for x86-64-v4 (cores/nm_lanes_x86.h).
SIMD_LEVELS = ("scalar", "avx2", "avx512")


def simd_available():
    """The levels this CPU runs, best last: a prefix of :data:`SIMD_LEVELS`. The environment variable
    ``NEUROMESH_SIMD_MAX`` (a level name) caps it, to run as on a smaller CPU (e.g. ``avx2``: an AVX2-only
    machine, its defaults and its test skips)."""
    import os
    n = nm_events_simd_available() + 1
    cap = os.environ.get("NEUROMESH_SIMD_MAX")
    if cap:
        if cap not in SIMD_LEVELS:
            raise ValueError(f"NEUROMESH_SIMD_MAX={cap!r}: unknown level; known: {', '.join(SIMD_LEVELS)}")
        n = min(n, SIMD_LEVELS.index(cap) + 1)
    return SIMD_LEVELS[:n]


def best_simd():
    """The index of the best level this CPU runs (under ``NEUROMESH_SIMD_MAX``): every routine's default."""
    return len(simd_available()) - 1


def check_simd(str level, str what="FusedKernel.simd"):
    """The index of ``level`` in :data:`SIMD_LEVELS`; ValueError naming the level, what this CPU runs and the
    known levels when the CPU lacks it (or the name is unknown)."""
    if level not in SIMD_LEVELS:
        raise ValueError(f"{what}: unknown level {level!r}; known: {', '.join(SIMD_LEVELS)}")
    allowed = simd_available()
    if level not in allowed:
        raise ValueError(f"{what}: this CPU does not run {level!r} (it runs {', '.join(allowed)})")
    return SIMD_LEVELS.index(level)


cdef enum:
    CNT_BITS = 24
    SPIKE_AHEAD = 2      # prefetch distance (spikes) of the folded synapse rows

cdef int64_t CNT_MASK = (<int64_t>1 << CNT_BITS) - 1

# ----- phase 1, the neuron updates (module level: FusedKernel and the conformance tests call the same code) ----

cdef Py_ssize_t update_rules(const LoihiNeuron* pp, int64_t* up, int64_t* vp, int32_t* rp, int64_t* acc,
                             const int64_t* noff, Py_ssize_t n_cores, int32_t* sp, int64_t* cnt,
                             const LoihiCfg* lif) noexcept nogil:
    """The one-neuron rules of cores/nm_rules.h, neuron by neuron (the path with silicon refractory: ``rp``
    the counters, or NULL without): consume and zero ``acc`` (weight << 24 | count), list the spikes in ``sp``,
    add each core's counts to ``cnt[k * NM_NEV + ...]``. Returns the number of spikes."""
    cdef Py_ssize_t k, i, n0, n1, nsp = 0, nsp0
    cdef int64_t a, inp, syn, n_active
    cdef int f
    cdef int32_t zero = 0
    cdef int32_t* r
    cdef int64_t mask = CNT_MASK
    for k in range(n_cores):
        n0, n1 = noff[k], noff[k + 1]
        syn = 0
        n_active = 0
        nsp0 = nsp
        for i in range(n0, n1):
            a = acc[i]
            acc[i] = 0
            syn += a & mask
            inp = a >> CNT_BITS
            r = rp + i if rp != NULL else &zero
            if loihi_at_rest(pp + i, up[i], vp[i], r[0], inp):
                continue
            f = loihi_neuron(pp + i, up + i, vp + i, r, inp, lif)
            n_active += (f & F_ACTIVE) != 0
            if f & F_SPIKE:
                sp[nsp] = <int32_t>i
                nsp += 1
        cnt[k * NM_NEV + NM_SYN] += syn
        cnt[k * NM_NEV + NM_ACT] += n_active
        cnt[k * NM_NEV + NM_INACT] += (n1 - n0) - n_active
        cnt[k * NM_NEV + NM_SPK] += nsp - nsp0
    return nsp


cdef Py_ssize_t update_batch(const nm_lif_batch_t* b, int64_t* acc, int64_t* up, int64_t* vp, uint8_t* flags,
                             const int64_t* noff, Py_ssize_t n_cores, int32_t* sp, int64_t* cnt) noexcept nogil:
    """The per-core syn-ops (a reduction over the accumulators), then every neuron of the chip in one call of
    the branch-free int64 rules (_lif_batch.c, variant ``b.simd``; long vector runs: per-core calls cost ~20 %
    in short loops), then each core's flags scanned eight at a time: active updates summed bytewise, spikes
    listed in order. Same contract as :func:`update_rules` (no refractory); ``flags`` has 8 bytes of padding."""
    cdef Py_ssize_t k, i, j, n0, n1, nsp = 0, nsp0
    cdef int64_t syn, n_active, total = 0
    cdef uint64_t word
    cdef int64_t mask = CNT_MASK
    cdef uint64_t ones = 0x0101010101010101ULL
    for k in range(n_cores):
        syn = 0
        for i in range(noff[k], noff[k + 1]):
            syn += acc[i] & mask
        cnt[k * NM_NEV + NM_SYN] += syn
    nm_lif_batch(b, 0, noff[n_cores], acc, up, vp, flags, &total)
    for k in range(n_cores):
        n0, n1 = noff[k], noff[k + 1]
        nsp0 = nsp
        n_active = 0
        i = n0
        while i < n1:
            if i + 8 <= n1:
                memcpy(&word, flags + i, 8)
                # bytewise sum of the active bits (each byte 0 or 1: the product's top byte is the sum)
                n_active += <int64_t>((((word >> 1) & ones) * ones) >> 56)
                if word & ones:
                    for j in range(i, i + 8):
                        if flags[j] & 1:
                            sp[nsp] = <int32_t>j
                            nsp += 1
                i += 8
            else:
                n_active += (flags[i] >> 1) & 1
                if flags[i] & 1:
                    sp[nsp] = <int32_t>i
                    nsp += 1
                i += 1
        cnt[k * NM_NEV + NM_ACT] += n_active
        cnt[k * NM_NEV + NM_INACT] += (n1 - n0) - n_active
        cnt[k * NM_NEV + NM_SPK] += nsp - nsp0
    return nsp


def core_profiles(p, noff):
    """(profile of each core or -1, profile table [n, 5] int32) of parameter records ``p``: the parameter sets
    (k_u, k_v, vth_eff, bias_eff, weight_exp) shared by a whole core, which the 32-bit path broadcasts."""
    import numpy as np
    cols = np.stack([p["k_u"], p["k_v"], p["vth_eff"], p["bias_eff"], p["weight_exp"]], axis=1).astype(np.int64)
    noff = np.asarray(noff)
    n_cores = noff.size - 1
    sizes = np.diff(noff)
    core_of = np.repeat(np.arange(n_cores), sizes)
    first = cols[np.minimum(noff[:n_cores], len(cols) - 1)]   # the 32-bit path has neurons (use_batch)
    same = np.ones(n_cores, bool)
    np.logical_and.at(same, core_of, (cols == first[core_of]).all(axis=1))
    table, index = np.unique(first[same], axis=0, return_inverse=True)
    core_profile = np.full(sizes.size, -1, np.int32)
    core_profile[same] = index.reshape(-1)
    return core_profile, np.ascontiguousarray(np.vstack([table, np.zeros((1, 5), np.int64)]).astype(np.int32))


# Violation record columns (fixed sync): kind, core position, busy ns, syn_ops, packets, link id, link flits,
# network end ns (named by emulator.timing)
VIOL_COLS = 8
# Drain record columns (per timed tick with packets): packets, backlog cycles, busiest-link utilisation
DRAIN_COLS = 3
VIOL_KIND = {1: "core", 2: "link", 3: "port"}


cdef class BitCores:
    """The cores of a bit-crossbar chip (TrueNorth) in the fused loop (``emulator/_tn_fused.c``): the tables of
    ``nm_tn_t`` point into the plans' arrays (``emulator.fused.BitNeuronPlan``, ``BitSynapsePlan``, kept alive
    here), and the state: axon bits per delay slot, their dropped duplicates, the 32-bit membrane and scratch.

    :class:`FusedKernel` runs it inside its tick loop; the conformance suite (tests/cores/test_compiled_paths.py)
    drives it alone through :meth:`schedule` and :meth:`step`, the interface of :class:`cores.CoreArray`.
    """

    cdef nm_tn_t tn
    cdef object plans
    cdef uint64_t[::1] abits, abits_b
    cdef int32_t[::1] word_core
    cdef int64_t[::1] dup, dup_b, lptr
    cdef int32_t[::1] acc, eta, rl, v32, alist, glist, alist2, glist2, acc2, eta2, rl2, sp2, spc, spc2
    cdef int64_t[::1] claim_n
    cdef int16_t[::1] acc16, acc16b, v16
    cdef const int32_t[::1] w_uni
    cdef uint8_t[::1] quiet
    cdef public int64_t duplicates
    cdef int64_t step_tick
    cdef int32_t[::1] sp
    cdef int64_t[::1] ctr

    def __init__(self, neurons, syn):
        import numpy as np

        from cores.buffers import aligned_zeros, lazy_zeros
        self.plans = (neurons, syn)
        cdef const uint64_t[:, ::1] words = syn.words
        cdef const uint8_t[::1] axon_type = syn.axon_type, stoch = syn.stoch, core_stoch = syn.core_stoch
        cdef const int16_t[::1] w16 = syn.w16
        cdef const int32_t[::1] w32 = syn.w32
        cdef const int64_t[::1] aoff = syn.aoff, abase = syn.abase, noff = neurons.noff
        cdef const TrueNorthNeuron[::1] prm = neurons.prm
        cdef const int32_t[:, ::1] soa = neurons.soa, profiles = neurons.profiles
        cdef const int32_t[::1] core_profile = neurons.core_profile
        cdef const uint8_t[::1] core_draws = neurons.core_draws, all_rest = neurons.all_rest
        cdef int64_t[::1] v64 = neurons.v
        cdef Py_ssize_t n_cores = noff.shape[0] - 1, n = noff[n_cores], bit_words = abase[n_cores]
        t = &self.tn
        t.words = &words[0, 0] if words.shape[0] else NULL
        t.n_words = words.shape[1]
        t.axon_type = &axon_type[0] if axon_type.shape[0] else NULL
        t.w16 = &w16[0] if w16.shape[0] else NULL
        t.w32 = &w32[0] if w32.shape[0] else NULL
        t.stoch = &stoch[0] if stoch.shape[0] else NULL
        t.core_stoch = &core_stoch[0] if core_stoch.shape[0] else NULL
        t.types = syn.types
        t.prm = &prm[0] if prm.shape[0] else NULL
        t.noff, t.aoff, t.abase = &noff[0], &aoff[0], &abase[0]
        self.word_core = np.repeat(np.arange(n_cores, dtype=np.int32), np.diff(np.asarray(abase)))
        t.word_core = &self.word_core[0] if self.word_core.shape[0] else NULL
        t.n_cores, t.n_neurons, t.bit_words = n_cores, n, bit_words
        t.ring = syn.ring
        t.lanes32 = neurons.lanes32
        t.lanes16 = syn.sums16
        self.w_uni = syn.w_uni
        t.w_uni = &self.w_uni[0] if self.w_uni.shape[0] else NULL
        t.key = neurons.key
        o = neurons.options
        t.cfg = tn_cfg(o["membrane_bits"], o["v_wrap"], o["v_twos_complement"])
        t.soa = &soa[0, 0]
        t.n_pad = soa.shape[1]
        t.core_profile = &core_profile[0] if core_profile.shape[0] else NULL
        t.profile = <const int32_t (*)[8]>&profiles[0, 0]
        t.core_draws = &core_draws[0] if core_draws.shape[0] else NULL
        t.all_rest = &all_rest[0] if all_rest.shape[0] else NULL
        t.simd = best_simd()
        n_max = int(np.diff(np.asarray(neurons.noff)).max(initial=0)) + 32
        # the axon bits per slot: the first thread's, and the second's (two-thread ticks, each thread scheduling
        # its own spikes; its pages are not touched before)
        self.abits = aligned_zeros(syn.ring * bit_words + 1, np.uint64)
        self.abits_b = aligned_zeros(syn.ring * bit_words + 1, np.uint64)
        self.dup, self.dup_b = np.zeros(max(syn.ring, 1), np.int64), np.zeros(max(syn.ring, 1), np.int64)
        # the vector loops' arrays start a cache line (cores.buffers: no load or store split across two lines)
        self.acc, self.eta, self.rl = (aligned_zeros(n_max, np.int32) for _ in range(3))
        self.v32 = aligned_zeros(n + 16, np.int32)
        self.v16 = aligned_zeros(n + 32, np.int16)
        t.v16 = &self.v16[0]
        t.upd16 = neurons.v16_range is not None       # emulator.fused.bit_update16
        t.v16_lo, t.v16_hi = neurons.v16_range or (0, 0)
        self.quiet = np.zeros(max(n_cores, 1), np.uint8)
        # lists sized for the worst case, written at their start (cores.buffers.lazy_zeros: no huge pages)
        self.alist = lazy_zeros(bit_words * 64 + 64, np.int32)
        self.glist = lazy_zeros(bit_words * 64 + 64, np.int32)
        self.alist2 = lazy_zeros(bit_words * 64 + 64, np.int32)     # the second thread's
        self.glist2 = lazy_zeros(bit_words * 64 + 64, np.int32)
        self.lptr = np.zeros(n_cores + 1, np.int64)
        t.abits, t.dup, t.abits_b, t.dup_b = &self.abits[0], &self.dup[0], &self.abits_b[0], &self.dup_b[0]
        t.b_live = 0
        t.acc, t.eta, t.rl, t.v32 = &self.acc[0], &self.eta[0], &self.rl[0], &self.v32[0]
        self.acc16, self.acc16b = aligned_zeros(n_max, np.int16), aligned_zeros(n_max, np.int16)
        t.acc16, t.acc16b = &self.acc16[0], &self.acc16b[0]
        t.v64 = &v64[0] if v64.shape[0] else NULL
        t.quiet = &self.quiet[0]
        t.alist, t.glist, t.lptr = &self.alist[0], &self.glist[0], &self.lptr[0]
        t.alist2, t.glist2 = &self.alist2[0], &self.glist2[0]
        self.sp = lazy_zeros(n + 16, np.int32)
        self.ctr = np.zeros(max(n_cores, 1) * NM_NEV, np.int64)
        self.step_tick = 0
        # the second thread's scratch
        self.acc2, self.eta2, self.rl2 = (aligned_zeros(n_max, np.int32) for _ in range(3))
        self.sp2 = lazy_zeros(n + 16, np.int32)
        self.spc, self.spc2 = lazy_zeros(n + 16, np.int32), lazy_zeros(n + 16, np.int32)
        t.spc, t.spc2 = &self.spc[0], &self.spc2[0]
        t.acc2, t.eta2, t.rl2, t.sp2 = &self.acc2[0], &self.eta2[0], &self.rl2[0], &self.sp2[0]
        self.claim_n = np.zeros(n_cores + 1, np.int64)
        t.claim_n = &self.claim_n[0]
        # 128 claims a tick on TrueNorth's 4,096 cores (a chunk ~10 us of one thread's work); small chips one or a
        # few cores a claim, so that both threads share them
        t.chunk = max(1, min(32, n_cores // 16))
        t.first_max = INT64_MAX
        t.second_cores = 0
        t.close, t.parts = NULL, NULL     # the caller closes its ticks (FusedKernel.run sets them)
        self.threads = default_threads()

    def __dealloc__(self):
        # the persistent second thread (started by the first two-thread tick) joined and freed with the kernel
        nm_tn_pool_stop(&self.tn)

    @property
    def threads(self):
        """Threads over cores within a tick: 1, or 2 (deterministic: the result does not depend on it). Default
        from the environment variable ``NEUROMESH_THREADS`` (:func:`default_threads`)."""
        return self.tn.threads

    @threads.setter
    def threads(self, int n):
        if n not in (1, 2):
            raise ValueError(f"threads: {n}; allowed: 1, 2")
        self.tn.threads = n
        if n == 1:
            nm_tn_pool_stop(&self.tn)   # the second thread released; the next two-thread tick starts one again

    @property
    def chunk(self):
        """With two threads, the cores of a claim: each thread claims the next chunk from its end of the chip
        (the first from core 0 up, the second from the last core down) until they meet, so the faster thread
        runs more cores. Settable (1 .. cores): the results do not depend on it."""
        return self.tn.chunk

    @chunk.setter
    def chunk(self, int64_t k):
        if not 0 < k <= self.tn.n_cores:
            raise ValueError(f"chunk: {k}; allowed: 1 .. {self.tn.n_cores}")
        self.tn.chunk = k

    @property
    def first_max(self):
        """With two threads, the most chunks the first thread claims (None: no cap, the default). A cap makes
        the second thread run the rest whatever the timing (the tests use it)."""
        return None if self.tn.first_max == INT64_MAX else self.tn.first_max

    @first_max.setter
    def first_max(self, n):
        if n is not None and n < 0:
            raise ValueError(f"first_max: {n}; allowed: None or >= 0")
        self.tn.first_max = INT64_MAX if n is None else n

    @property
    def second_cores(self):
        """Cores the second thread ran, summed over the two-thread ticks since the last reset."""
        return self.tn.second_cores

    @property
    def lanes16(self):
        """Whether the vector levels sum the crossbar in int16 lanes (``emulator.fused.bit_sums16``); settable to
        False (the int32 sums: the same results, for the tests and benchmarks)."""
        return bool(self.tn.lanes16)

    @lanes16.setter
    def lanes16(self, bint on):
        if on and not self.plans[1].sums16:
            raise ValueError("lanes16: this chip's crossbar sums are not exact in int16 (bit_sums16)")
        self.tn.lanes16 = on

    @property
    def update16(self):
        """Whether the last run or step updated the neurons in int16 lanes (``emulator.fused.bit_update16``: the
        chip qualifies, a vector level runs, and every register value was inside the proven range at its start;
        otherwise the 32-bit lanes ran)."""
        return bool(self.tn.v16_on)

    @property
    def lanes32(self):
        """Whether the neurons run the 32-bit lanes (else the int64 rule on the CoreArray's register)."""
        return bool(self.tn.lanes32)

    @property
    def simd(self):
        """The level of its vector loops (:data:`SIMD_LEVELS`; settable, as :attr:`FusedKernel.simd`)."""
        return SIMD_LEVELS[self.tn.simd]

    @simd.setter
    def simd(self, str level):
        self.tn.simd = check_simd(level, "BitCores.simd")

    def reset(self):
        """No axon set, no duplicate pending; tick 0 of :meth:`step` (the registers are the CoreArray's)."""
        self.abits[:] = 0
        self.abits_b[:] = 0
        self.tn.b_live = 0
        self.tn.second_cores = 0
        self.dup[:] = 0
        self.dup_b[:] = 0
        self.duplicates = 0
        self.step_tick = 0

    def schedule(self, axons, delays):
        """Spikes on global ``axons``, integrated at tick ``tick + delay - 1`` of :meth:`step` (as
        :meth:`cores.CoreArray.schedule`; for the tests). Axons and delays must be in range."""
        import numpy as np
        axons = np.asarray(axons, np.int64).reshape(-1)
        if axons.size == 0:
            return
        neurons, syn = self.plans
        bits = _axon_bit(np.asarray(syn.aoff), np.asarray(syn.abase), axons)
        rec = ((bits << 8) | np.broadcast_to(np.asarray(delays, np.int64), axons.shape)).astype(np.uint32)
        cdef uint32_t[::1] r = rec
        cdef int64_t[::1] ptr = np.arange(axons.size + 1, dtype=np.int64)
        cdef int32_t[::1] src = np.arange(axons.size, dtype=np.int32)
        nm_tn_schedule(&self.tn, self.step_tick - 1, &ptr[0], &r[0], NULL, &src[0], NULL, axons.size)

    def step(self):
        """Run one tick (for the tests): (sorted spiking neurons, counts [cores, 4], duplicates dropped)."""
        import numpy as np
        cdef int64_t dups = 0, nsp
        self.ctr[:] = 0
        nm_tn_load(&self.tn)
        nsp = nm_tn_tick(&self.tn, self.step_tick, &self.sp[0], &self.ctr[0], &dups)
        nm_tn_store(&self.tn)
        self.step_tick += 1
        counts = np.asarray(self.ctr).reshape(-1, NM_NEV)[:self.tn.n_cores, :4].copy()
        return np.array(self.sp[:nsp]), counts, int(dups)


def default_threads():
    """Threads of the fused loop's TrueNorth cores: ``NEUROMESH_THREADS`` (1 or 2), else 1 (one core)."""
    import os
    raw = os.environ.get("NEUROMESH_THREADS", "1")
    if raw not in ("1", "2"):
        raise ValueError(f"NEUROMESH_THREADS={raw!r}; allowed: 1, 2")
    return int(raw)


def _axon_bit(aoff, abase, axons):
    """The bitmap bit of each global axon (its core's first word x 64 + its local index)."""
    import numpy as np
    core = np.searchsorted(aoff, axons, side="right") - 1
    return abase[core] * 64 + axons - aoff[core]


cdef class FusedKernel:
    """State and tables of one programmed chip for the fused loop (built by :class:`emulator.fused.FusedPlan`).

    The neuron registers ``u``, ``v``, ``refr`` are the CoreArray's own arrays (shared, not copied), so the
    chip's state accessors see what the kernel does.
    """

    cdef LoihiCfg lif
    cdef nm_lif_batch_t batch            # the branch-free update (emulator/_lif_batch.c), when usable
    cdef public bint use_batch
    cdef int64_t[:, ::1] soa             # its parameters: k_u, k_v, vth, bias, weight_exp per neuron
    cdef uint8_t[::1] spk                # its spike flags (one per neuron, plus 8 bytes of padding)
    cdef LoihiNeuron[::1] prm
    cdef int64_t[::1] u, v
    cdef int32_t[::1] refr
    cdef bint refractory
    cdef int64_t[::1] noff
    cdef Py_ssize_t n_neurons, n_cores
    # folded synapses per source (neurons, then input lines)
    cdef int64_t[::1] syn_ptr
    cdef int64_t[::1] syn_rec            # wide records (w * 2**24 + 1) * 2**24 + target, or empty
    cdef uint32_t[::1] syn_rec32         # narrow records (w << 16) | target (fewer than 2**16 neurons), or empty
    cdef int64_t[::1] u_ptr              # uniform-weight rows: uint16 targets, one increment per source
    cdef uint16_t[::1] syn_rec16
    cdef int64_t[::1] src_inc
    cdef bint narrow
    cdef int32_t[::1] syn_delay          # empty when every delay equals ``delay0``
    cdef int delay0
    cdef int64_t[::1] ring
    cdef Py_ssize_t R, stride
    cdef int64_t[::1] slot_base          # per delay 0..R-1: offset of the accumulator of tick + delay
    # events per neuron (emulator/_events.c)
    cdef nm_events_t evs                 # the per-spike loop's tables and this tick's accumulators
    cdef uint32_t[::1] ev                # (increment << 16) | counter index, int16 increment
    cdef uint16_t[::1] dl                # destination core position of each packet
    cdef nm_meta_t[::1] meta
    cdef int64_t[::1] ctr                # [C * NM_NEV] per-core counts, then the 4 difference grids
    cdef int32_t[::1] core_hmax
    cdef int32_t[::1] dlv                # this tick's deliveries per core (dense: the per-spike loop's target)
    cdef uint64_t[:, ::1] dmask          # per neuron, a bit per destination core (first packet to each core)
    cdef Py_ssize_t n_words
    # Route counts (link loads and deliveries without per-packet entries, _events.c): first packets per
    # (source group, destination core bit) in dg, per (source router, destination line) in cr; read back once
    # per tick by _routes_to_grid.
    cdef bint route_counts, x_first
    cdef int32_t[::1] src_router, router_group, router_x, router_y, r_list
    cdef int32_t[:, ::1] router_bits     # [routers, 2]: the mask bits of each router's cores (a contiguous run)
    cdef Py_ssize_t n_routers, n_groups, n_lines, lanes, lines_pad
    cdef uint8_t[:, ::1] lcnt
    cdef uint16_t[::1] dg, cr
    cdef uint8_t[::1] g_used, r_used
    cdef int32_t[::1] pos_of_bit          # core position of each mask bit
    cdef int width, height
    cdef int32_t[::1] cell_link
    cdef int32_t[:, ::1] cell_peers      # cells of the other mesh outputs of each link cell's source router
    cdef int64_t[::1] load               # this tick's packets per cell (link)
    cdef bint has_off                    # a system of chips: per-cell service and extra latency, per-core X_k
    cdef double[::1] cell_s, cell_x, core_x
    # and per link cell the sources of its first-arrival wait (noc.loads_estimate.off_chip_sources, CSR by cell:
    # core position, reach in cycles), with each core's earliest packet of the tick (a_k, ns)
    cdef const int64_t[::1] src_ptr
    cdef const int32_t[::1] src_pos
    cdef const double[::1] src_reach
    cdef double[::1] core_a
    cdef double hol
    cdef int32_t[::1] spikes
    cdef Py_ssize_t n_spikes
    # timing
    cdef double cycle_ns, period, barrier      # the per-core prices are the tick's end's (cl)
    cdef double s_link, s_ej
    cdef int I, P, L, E, F
    cdef bint fixed
    cdef double[::1] n_per_core
    cdef public int64_t tick
    # the tick's end (emulator/_close.h): its tables, and the parts of a TrueNorth tick's two threads
    cdef nm_close_t cl
    cdef nm_part_t parts[2]
    # The 32-bit path (emulator/_lif32.c), when the plan's bounds allow it: int32 accumulators holding
    # (summed weight << cnt_bits) + count, and int32 copies of u and v (loaded from and stored back to the
    # CoreArray's int64 registers around every call).
    cdef readonly bint compact
    cdef nm_lif32_t l32
    cdef int32_t[::1] ring32, u32, v32, p32_k_u, p32_k_v, p32_vth, p32_bias, src_inc32, core_profile, syn32
    cdef int32_t[:, ::1] profiles
    cdef int8_t[::1] p32_wexp
    cdef uint8_t[::1] quiet
    cdef readonly int cnt_bits
    # A bit-crossbar chip (TrueNorth, emulator/_tn_fused.c; ``bits``): axons as bits per delay slot, the rows
    # masked into the per-type weights, the lane rules of nm_rules.h; spikes and inputs set axon bits through
    # packed (bit << 8) | delay entries. ``duplicates``: spikes dropped on binary axons since the last reset.
    cdef readonly bint bits
    cdef readonly BitCores bc
    cdef nm_tn_t* tn
    cdef const int64_t[::1] tn_dest_ptr, tn_in_ptr
    cdef uint32_t[::1] tn_dest, tn_in, tn_one
    # the second thread's own event accumulators (both threads schedule at once; nm_tn_t.ctr_b ...)
    cdef int64_t[::1] tn_ctr_b, tn_hops_b
    cdef int32_t[::1] tn_dlv_b
    # One-target neurons (emulator.fused_events.OnePlan): events from (source, destination) core pairs
    cdef readonly bint one_target
    cdef nm_one_t one
    cdef const int32_t[::1] one_x, one_y, one_cx, one_cy

    def __init__(self, neurons, synapses, events, mesh, timing):
        """Build from the typed, frozen plan records of :mod:`emulator.fused` (``NeuronPlan``, ``SynapsePlan``,
        ``TimingPlan``) and :mod:`emulator.fused_events` (``EventPlan``, ``MeshPlan``)."""
        import numpy as np

        from cores.buffers import lazy_zeros
        self.bits = hasattr(synapses, "words")
        if self.bits:
            self._init_bits(neurons, synapses)
        else:
            self._init_neurons(neurons)
            self._init_synapses(synapses)
        self.ev, self.dl, self.meta = events.ev, events.dl, events.meta
        self._init_mesh(mesh)
        self.ctr = np.zeros(self.n_cores * NM_NEV + 4 * self.width * self.height, np.int64)
        self.core_hmax = np.zeros(self.n_cores, np.int32)
        self.dlv = np.zeros(self.n_cores, np.int32)
        self.dmask = events.dmask
        self.pos_of_bit = events.pos_of_bit
        self.n_words = events.dmask.shape[1]
        self._init_routes(events.routes)
        self._init_one(events.one)
        self.spikes = lazy_zeros(self.n_neurons + 16, np.int32)   # written at its start (cores.buffers)
        self.n_spikes = 0
        self._init_timing(timing)
        self._init_close()
        self.tick = 0
        if self.bits:
            self.tn.simd = self.evs.simd
        else:
            self._init_compact(np.asarray(neurons.prm), neurons.options, neurons.cnt_bits)

    def _init_bits(self, neurons, syn):
        """A bit-crossbar chip (``emulator.fused.BitNeuronPlan`` and ``BitSynapsePlan``): its cores
        (:class:`BitCores`) and the packed destination entries of its neurons and input lines."""
        import numpy as np
        self.bc = BitCores(neurons, syn)
        self.tn = &self.bc.tn
        self.noff = neurons.noff
        self.n_cores = self.noff.shape[0] - 1
        self.n_neurons = self.noff[self.n_cores]
        self.use_batch = self.refractory = self.compact = False
        self.narrow = True
        self.R, self.stride = 0, 0
        self.tn_dest_ptr, self.tn_dest = syn.dest_ptr, syn.dest_rec
        self.tn_in_ptr, self.tn_in = syn.in_ptr, syn.in_rec
        self.tn_one = syn.dest_one
        self.ring = np.zeros(1, np.int64)
        self.slot_base = np.zeros(1, np.int64)

    def _init_neurons(self, neurons):
        """The neuron registers and parameters (``NeuronPlan``) and the branch-free update's table."""
        import numpy as np
        lif_opts = neurons.options
        prm = neurons.prm
        self.lif = loihi_cfg(lif_opts["decay_bits"], lif_opts["input_shift"], lif_opts["current_bits"],
                             lif_opts["u_wrap"], lif_opts["membrane_bits"], lif_opts["v_wrap"],
                             lif_opts["refractory"])
        self.prm, self.u, self.v = prm, neurons.u, neurons.v
        p = np.asarray(prm)
        self.soa = np.ascontiguousarray(np.stack([p["k_u"], p["k_v"], p["vth_eff"], p["bias_eff"],
                                                  p["weight_exp"]]).astype(np.int64).reshape(5, -1))
        self.spk = np.zeros(p.size + 8, np.uint8)
        n = p.size
        self.batch.k_u = &self.soa[0, 0] if n else NULL
        self.batch.k_v = &self.soa[1, 0] if n else NULL
        self.batch.vth = &self.soa[2, 0] if n else NULL
        self.batch.bias = &self.soa[3, 0] if n else NULL
        self.batch.wexp = &self.soa[4, 0] if n else NULL
        self.batch.decay_bits = lif_opts["decay_bits"]
        self.batch.input_shift = lif_opts["input_shift"]
        self.batch.u_wrap = lif_opts["u_wrap"]
        self.batch.v_wrap = lif_opts["v_wrap"]
        self.batch.h_u = <int64_t>1 << (lif_opts["current_bits"] - 1)
        self.batch.h_v = <int64_t>1 << (lif_opts["membrane_bits"] - 1)
        self.batch.simd = best_simd()
        # The branch-free rules have no silicon refractory counter.
        self.use_batch = not lif_opts["refractory"] and n > 0
        self.refractory = lif_opts["refractory"]
        self.refr = neurons.refr
        self.noff = neurons.noff
        self.n_cores = self.noff.shape[0] - 1
        self.n_neurons = self.noff[self.n_cores]

    def _init_synapses(self, syn):
        """The folded synapses and the accumulator ring (``SynapsePlan``)."""
        import numpy as np
        self.syn_ptr, self.syn_rec, self.syn_delay, self.delay0 = syn.syn_ptr, syn.rec, syn.syn_delay, syn.delay0
        self.syn_rec32 = syn.rec32
        self.u_ptr, self.syn_rec16, self.src_inc = syn.u_ptr, syn.rec16, syn.src_inc
        self.narrow = syn.rec32.shape[0] > 0 or syn.rec.shape[0] == 0
        self.R = syn.ring
        self.stride = self.n_neurons + 1
        self.ring = np.zeros(self.R * self.stride, np.int64)
        self.slot_base = np.zeros(self.R, np.int64)

    def _init_mesh(self, mesh):
        """The link grids (``MeshPlan``)."""
        import numpy as np
        self.width, self.height = mesh.width, mesh.height
        self.cell_link = mesh.cell_link
        self.cell_peers = mesh.cell_peers
        self.load = np.zeros(4 * mesh.width * mesh.height, np.int64)

    def set_off_chip(self, cell_s, cell_x, core_x, src_ptr, src_pos, src_reach):
        """A system's off-chip links (``noc.loads_estimate``): per link cell its cycles per packet and extra
        latency, per core position ``X_k`` (cycles), and per link cell the sources of its first-arrival wait
        ``w_l`` (CSR ``src_ptr`` [cells + 1] over core positions ``src_pos`` and reaches ``src_reach``, cycles)."""
        import numpy as np
        self.cell_s, self.cell_x, self.core_x, self.has_off = cell_s, cell_x, core_x, True
        self.src_ptr, self.src_pos, self.src_reach = src_ptr, src_pos, src_reach
        self.core_a = np.full(self.n_cores, np.inf)   # a core's first packet; +inf: none this tick
        self.cl.core_x, self.cl.core_a = &self.core_x[0], &self.core_a[0]

    def _init_timing(self, timing):
        """The tick semantics (``emulator.timing.TickTiming``) and the loads estimate
        (``noc.loads_estimate.LoadsEstimate``) of ``TimingPlan``: one record each, read field by field."""
        tick, net = timing.tick, timing.network
        self.cycle_ns = tick.cycle_ns
        self.fixed, self.period, self.barrier = tick.fixed, tick.period, tick.barrier
        self.s_link, self.s_ej, self.hol = net.s_link, net.s_ej, net.hol
        self.I, self.P, self.L, self.E, self.F = net.injection, net.pipeline, net.link, net.ejection, net.flits
        self.n_per_core = timing.n_per_core
        c = &self.cl    # the per-core terms, priced by the tick's end (emulator/_close.c)
        c.syn_ns, c.act_ns, c.inact_ns, c.spk_ns = tick.syn_ns, tick.act_ns, tick.inact_ns, tick.spk_ns
        c.cycle_ns, c.s_inj = tick.cycle_ns, net.s_inj
        c.I, c.P, c.L, c.E, c.F = self.I, self.P, self.L, self.E, self.F
        c.n_per_core = &self.n_per_core[0] if self.n_per_core.shape[0] else NULL

    def _init_close(self):
        """The tick's end (``nm_close_t``) over this kernel's arrays (its prices: ``_init_timing``); the run's
        outputs are set per run."""
        c = &self.cl
        c.core_x = c.core_a = NULL     # one chip (set_off_chip: a system)
        c.core_hmax, c.dlv = &self.core_hmax[0], &self.dlv[0]
        c.n_cores, c.width, c.height = self.n_cores, self.width, self.height
        c.load, c.cell_link = &self.load[0], &self.cell_link[0]
        c.timed = 0
        c.per_core = c.link_flits = c.activity = NULL

    def _init_compact(self, p, dict lif_opts, int cnt_bits):
        """The 32-bit path's tables (``cnt_bits`` 0: not used; the plan checked its bounds)."""
        import numpy as np
        self.compact = cnt_bits > 0 and self.use_batch and self.narrow
        self.cnt_bits = cnt_bits
        if not self.compact:
            return
        n = self.n_neurons + 16            # vector over-reads past the last core

        def padded(x, dtype):
            out = np.zeros(n, dtype)
            out[:self.n_neurons] = x
            return out
        self.p32_k_u, self.p32_k_v = padded(p["k_u"], np.int32), padded(p["k_v"], np.int32)
        self.p32_vth, self.p32_bias = padded(p["vth_eff"], np.int32), padded(p["bias_eff"], np.int32)
        self.p32_wexp = padded(p["weight_exp"], np.int8)
        self.u32, self.v32 = np.zeros(n, np.int32), np.zeros(n, np.int32)
        self.ring32 = np.zeros(self.R * self.stride + 16, np.int32)
        w = (np.asarray(self.src_inc) - 1) >> CNT_BITS
        self.src_inc32 = np.where(np.asarray(self.src_inc) != 0, w * (1 << cnt_bits) + 1, 0).astype(np.int32)
        l = &self.l32
        l.k_u, l.k_v, l.vth, l.bias = &self.p32_k_u[0], &self.p32_k_v[0], &self.p32_vth[0], &self.p32_bias[0]
        l.wexp = &self.p32_wexp[0]
        self.core_profile, self.profiles = core_profiles(p, np.asarray(self.noff))
        l.core_profile = &self.core_profile[0]
        l.profile = <const int32_t (*)[5]>&self.profiles[0, 0]
        l.decay_bits, l.input_shift = lif_opts["decay_bits"], lif_opts["input_shift"]
        l.u_wrap, l.v_wrap, l.cnt_bits = lif_opts["u_wrap"], lif_opts["v_wrap"], cnt_bits
        l.h_u, l.h_v = self.batch.h_u, self.batch.h_v
        l.simd = self.evs.simd
        self.quiet = np.zeros(max(self.n_cores, 1), np.uint8)
        l.quiet = &self.quiet[0]
        l.flags = &self.spk[0]           # the int64 update's flag bytes: the scalar version's scratch here
        self.syn32 = np.zeros(n, np.int32)
        l.syn = &self.syn32[0]

    def quiet_cores(self):
        """Per core, whether the 32-bit update will skip it while it gets no input (its last update was
        inactive throughout)."""
        import numpy as np
        return np.asarray(self.quiet).astype(bool) if self.compact else np.zeros(self.n_cores, bool)

    def core_profile_of_cores(self):
        """The parameter profile of each core on the 32-bit path (-1: parameters per neuron)."""
        import numpy as np
        return np.asarray(self.core_profile).copy() if self.compact else np.full(self.n_cores, -1, np.int32)

    def widen(self):
        """Leave the 32-bit path for good (a run's inputs or state passed its bounds): the pending accumulators
        move to the int64 ring, re-encoded as weight << 24 | count."""
        import numpy as np
        if not self.compact:
            return
        r32 = np.asarray(self.ring32)[:self.R * self.stride].astype(np.int64)
        np.asarray(self.ring)[:] = ((r32 >> self.cnt_bits) << CNT_BITS) + (r32 & ((1 << self.cnt_bits) - 1))
        self.compact = False

    def _init_one(self, one):
        """``one``: None, or the (source, destination) core pairs of one-target neurons (``OnePlan``)."""
        self.one_target = one is not None
        if not self.one_target:
            return
        self.one_x, self.one_y = one.x, one.y
        self.one.x, self.one.y = &self.one_x[0], &self.one_y[0]
        self.one.cx = self.one.cy = NULL
        if one.cx is not None:   # a system of chips: the zero-load histogram counts chip crossings too
            self.one_cx, self.one_cy = one.cx, one.cy
            self.one.cx, self.one.cy = &self.one_cx[0], &self.one_cy[0]
        self.one.hops = NULL
        self.one.n_cores, self.one.width, self.one.height = self.n_cores, self.width, self.height
        self.one.x_first = one.x_first

    def _init_routes(self, routes):
        """``routes``: None (link loads from the per-spike difference entries), or the route-count tables
        (``emulator.fused_events.RouteCountPlan``, built by ``Geometry.route_counts``)."""
        import numpy as np
        self.route_counts = routes is not None
        e = &self.evs
        e.meta = &self.meta[0] if self.meta.shape[0] else NULL
        e.dmask = &self.dmask[0, 0] if self.n_words > 4 else NULL
        e.ev = &self.ev[0] if self.ev.shape[0] else NULL
        e.dl = &self.dl[0] if self.dl.shape[0] else NULL
        e.n_words = self.n_words if self.route_counts else 0
        e.ctr, e.core_hmax, e.dlv = &self.ctr[0], &self.core_hmax[0], &self.dlv[0]
        e.simd = best_simd()
        e.n_r_list = 0
        if not self.route_counts:
            return
        self.x_first = routes.x_first
        self.src_router, self.router_group = routes.src_router, routes.router_group
        self.router_x, self.router_y = routes.router_x, routes.router_y
        self.router_bits = routes.router_bits
        self.lcnt = routes.lcnt
        self.n_routers, self.n_groups = self.router_x.shape[0], routes.n_groups
        self.n_lines, self.lines_pad = routes.n_lines, self.lcnt.shape[1]
        self.lanes = self.n_words * 64
        self.dg = np.zeros(self.n_groups * self.lanes, np.uint16)
        self.cr = np.zeros(self.n_routers * self.lines_pad, np.uint16)
        self.g_used = np.zeros(self.n_groups, np.uint8)
        self.r_used = np.zeros(self.n_routers, np.uint8)
        self.r_list = np.zeros(self.n_routers, np.int32)
        e.lcnt = &self.lcnt[0, 0]
        e.lanes, e.lines_pad = self.lanes, self.lines_pad
        e.dg, e.cr = &self.dg[0], &self.cr[0]
        e.g_used, e.r_used, e.r_list = &self.g_used[0], &self.r_used[0], &self.r_list[0]

    @property
    def simd(self):
        """The instruction-set level of every vector routine of the kernel, one of :data:`SIMD_LEVELS`: the
        32-bit and int64 neuron updates and the route counts all run their variant of that name. The best the
        CPU runs unless set (tests set each level by name); setting a level the CPU lacks raises ValueError."""
        return SIMD_LEVELS[self.evs.simd]

    @simd.setter
    def simd(self, str level):
        self.evs.simd = self.l32.simd = self.batch.simd = check_simd(level)
        if self.bits:
            self.tn.simd = self.evs.simd

    @property
    def threads(self):
        """Threads over cores within a tick (bit-crossbar chips: :attr:`BitCores.threads`; else 1)."""
        return self.bc.threads if self.bits else 1

    @threads.setter
    def threads(self, int n):
        if self.bits:
            self.bc.threads = n
        elif n != 1:
            raise ValueError(f"threads: {n}; only bit-crossbar chips (TrueNorth) run threads; allowed: 1")

    @property
    def duplicates(self):
        """Spikes dropped on binary axons since the last reset (bit-crossbar chips; else 0)."""
        return self.bc.duplicates if self.bits else 0

    @property
    def update_path(self):
        """The neuron update that runs: "int32" (_lif32.c), "int64" (_lif_batch.c) or "rules" (the scalar
        one-neuron rules with silicon refractory), each at level :attr:`simd` ("rules" has one variant); TrueNorth
        chips "bits-int16", "bits-int32" or "bits-int64" (emulator/_tn_fused.c)."""
        if self.bits:
            if self.tn.upd16 and SIMD_LEVELS[self.tn.simd] != "scalar":
                return "bits-int16"     # while the registers lie in the range bit_update16 proves (else int32)
            return "bits-int32" if self.tn.lanes32 else "bits-int64"
        return "int32" if self.compact else ("int64" if self.use_batch else "rules")

    def reset(self):
        """Empty the accumulators and the tick's counters; tick 0 (the registers are reset by the CoreArray)."""
        self.ring[:] = 0
        if self.compact:
            self.ring32[:] = 0
        if self.bits:
            self.bc.reset()
        self.ctr[:] = 0
        self.core_hmax[:] = 0
        self.dlv[:] = 0
        if self.route_counts:
            self.dg[:] = 0
            self.cr[:] = 0
            self.g_used[:] = 0
            self.r_used[:] = 0
        self.evs.n_r_list = 0
        self.n_spikes = 0
        self.tick = 0

    def last_spikes(self):
        """Sorted global ids (int32) of the neurons that spiked in the last tick run."""
        import numpy as np
        return np.array(self.spikes[:self.n_spikes])

    def run(self, Py_ssize_t t0, Py_ssize_t t1, const int64_t[::1] in_ptr, const int32_t[::1] in_line,
            const int32_t[::1] in_count, const int32_t[::1] is_out, int8_t[:, ::1] out_spikes,
            bint timed, int64_t[:, ::1] per_tick, double[:, ::1] tick_ns, int64_t[:, ::1] per_core,
            int64_t[::1] link_flits, int64_t[::1] src_count, double[:, ::1] viol, int64_t[:, :, ::1] activity,
            double[:, ::1] drain):
        """Run ticks t0 .. t1 - 1 of one inference (row t of the per-tick arrays is tick t).

        Inputs of tick t: entries ``in_ptr[t] .. in_ptr[t + 1]`` of ``in_line`` (input line) / ``in_count``
        (spikes). ``timed`` false runs the neurons and synapses alone (the "kernels alone" of the benchmarks:
        no events, no timing; ``per_tick`` still gets the core counts). ``activity`` with a first dimension of
        0 is not recorded. ``drain`` [T, DRAIN_COLS] gets each timed tick's packets, queueing backlog (cycles) and
        busiest-link utilisation (``_finish``), from which the caller builds the estimated latency distribution.
        """
        cdef Py_ssize_t t
        cdef bint act = activity.shape[0] > 0
        self.evs.src_count = &src_count[0] if src_count.shape[0] else NULL
        self.one.hops = self.evs.src_count    # one-target chips: packets by hop count instead (count_size)
        # ... and in a system, after the histogram, each core position's off-chip hops [C][2]
        self.one.off = &src_count[src_count.shape[0] - 2 * self.n_cores] \
            if self.one.cx != NULL and src_count.shape[0] >= 2 * self.n_cores else NULL
        if self.compact and not self._load32():
            self.widen()
        self.cl.timed = timed
        self.cl.per_core = &per_core[0, 0]
        self.cl.link_flits = &link_flits[0] if link_flits.shape[0] else NULL
        if self.bits:
            nm_tn_load(self.tn)
            self._tn_sched(timed, src_count.shape[0])
            # a tick that schedules its own spikes (and events) also closes itself, each thread its half
            self.tn.close = &self.cl if self.tn.sched_mode != NM_TN_SCHED_NONE else NULL
            self.tn.parts = &self.parts[0]
        with nogil:
            for t in range(t0, t1):
                self.cl.activity = &activity[t, 0, 0] if act else NULL
                self._update()
                self._inputs(in_ptr[t], in_ptr[t + 1], in_line, in_count)
                self._spikes_out(t, is_out, out_spikes, timed, src_count)
                self._end(t, timed, per_tick, tick_ns, viol, drain)
                self.tick += 1
            if self.compact:
                self._store32()
            if self.bits:
                nm_tn_store(self.tn)
                self.tn.close = NULL
        return None

    cdef void _tn_sched(self, bint timed, Py_ssize_t hops_n):
        """Who schedules a TrueNorth tick's spikes: nm_tn_tick itself, each thread its own half's at once into its
        own bitmap (one-target chips when timed, with their events, the second thread's into its own
        accumulators; every chip untimed, without events), else _spikes_out (timed chips of multi-target
        neurons: their events come after). ``hops_n``: the size of the run's hop histogram (src_count)."""
        import numpy as np
        t = self.tn
        t.sched_mode = NM_TN_SCHED_NONE
        t.ctr_b = t.hops_b = NULL
        t.dlv_b = NULL
        if self.tn_one.shape[0] == 0:
            return
        t.sched_one = &self.tn_one[0]
        t.sched_ptr = &self.tn_dest_ptr[0]
        t.sched_rec = &self.tn_dest[0] if self.tn_dest.shape[0] else NULL
        t.sched_e, t.sched_o = &self.evs, &self.one
        if timed and self.one_target:
            t.sched_mode = NM_TN_SCHED_ONE
            if self.tn_ctr_b is None or self.tn_ctr_b.shape[0] != self.ctr.shape[0] \
                    or self.tn_hops_b.shape[0] != max(hops_n, 1):
                self.tn_ctr_b = np.zeros(self.ctr.shape[0], np.int64)
                self.tn_dlv_b = np.zeros(max(self.n_cores, 1), np.int32)
                self.tn_hops_b = np.zeros(max(hops_n, 1), np.int64)
            t.ctr_b, t.dlv_b = &self.tn_ctr_b[0], &self.tn_dlv_b[0]
            t.hops_b = &self.tn_hops_b[0]
            t.ctr_n, t.hops_n = self.ctr.shape[0], hops_n
        elif not timed:
            t.sched_mode = NM_TN_SCHED_PLAIN

    cdef bint _load32(self) noexcept nogil:
        """The CoreArray's registers into the 32-bit ones; False if one is beyond the path's bound (2**29)."""
        cdef Py_ssize_t i
        cdef int64_t lim = <int64_t>1 << 29
        for i in range(self.n_neurons):
            if not (-lim < self.u[i] < lim and -lim < self.v[i] < lim):
                return False
        for i in range(self.n_neurons):
            self.u32[i] = <int32_t>self.u[i]
            self.v32[i] = <int32_t>self.v[i]
        memset(&self.quiet[0], 0, self.quiet.shape[0])   # the registers may have been set between calls
        return True

    cdef void _store32(self) noexcept nogil:
        cdef Py_ssize_t i
        for i in range(self.n_neurons):
            self.u[i] = self.u32[i]
            self.v[i] = self.v32[i]

    # ----- phase 1: neurons --------------------------------------------------------------------------
    cdef void _update(self) noexcept nogil:
        if self.bits:
            self.n_spikes = nm_tn_tick(self.tn, self.tick, &self.spikes[0], &self.ctr[0], &self.bc.duplicates)
        elif self.compact:
            self.n_spikes = nm_lif32_cores(&self.l32, self.n_cores, &self.noff[0],
                                           &self.ring32[(self.tick % self.R) * self.stride], &self.u32[0],
                                           &self.v32[0], &self.spikes[0], &self.ctr[0])
        elif self.use_batch:
            self._update_batch()
        else:
            self._update_scalar()

    cdef void _update_batch(self) noexcept nogil:
        self.n_spikes = update_batch(&self.batch, &self.ring[(self.tick % self.R) * self.stride], &self.u[0],
                                     &self.v[0], &self.spk[0], &self.noff[0], self.n_cores, &self.spikes[0],
                                     &self.ctr[0])

    cdef void _update_scalar(self) noexcept nogil:
        self.n_spikes = update_rules(&self.prm[0], &self.u[0], &self.v[0], &self.refr[0] if self.refractory else NULL,
                                     &self.ring[(self.tick % self.R) * self.stride], &self.noff[0], self.n_cores,
                                     &self.spikes[0], &self.ctr[0], &self.lif)

    # ----- phase 2: synapses -------------------------------------------------------------------------
    cdef inline void _set_slots(self) noexcept nogil:
        cdef Py_ssize_t d
        for d in range(self.R):
            self.slot_base[d] = ((self.tick + d) % self.R) * self.stride

    cdef inline void _fold(self, Py_ssize_t s, int64_t c) noexcept nogil:
        """Add source s's folded synapses, c spikes, to the accumulators of their delays."""
        cdef int64_t j, p0 = self.syn_ptr[s], p1 = self.syn_ptr[s + 1], rec, inc
        cdef uint32_t r32
        cdef int64_t* acc
        cdef int64_t* ring = &self.ring[0]
        cdef const int64_t* base = &self.slot_base[0]
        cdef const int64_t* recs
        cdef const uint32_t* recs32
        cdef int64_t mask = CNT_MASK
        cdef int64_t q0 = self.u_ptr[s], q1 = self.u_ptr[s + 1]
        cdef const uint16_t* t16
        if q1 > q0:
            # one weight for the whole row (uniform rows exist only with one delay)
            t16 = &self.syn_rec16[0]
            acc = ring + base[self.delay0]
            inc = self.src_inc[s] * c
            for j in range(q0, q1):
                acc[t16[j]] += inc
        if p1 == p0:
            return
        if self.narrow:
            # (w << 16) | target: the accumulator gets w * 2**24 + 1 per spike (module docstring).
            recs32 = &self.syn_rec32[0]
            if self.delay0 > 0 and c == 1:
                acc = ring + base[self.delay0]
                for j in range(p0, p1):
                    r32 = recs32[j]
                    acc[r32 & 0xFFFF] += <int64_t>(<int16_t>(r32 >> 16)) * (<int64_t>1 << CNT_BITS) + 1
            elif self.delay0 > 0:
                acc = ring + base[self.delay0]
                for j in range(p0, p1):
                    r32 = recs32[j]
                    inc = <int64_t>(<int16_t>(r32 >> 16)) * (<int64_t>1 << CNT_BITS) + 1
                    acc[r32 & 0xFFFF] += inc * c
            else:
                for j in range(p0, p1):
                    r32 = recs32[j]
                    inc = <int64_t>(<int16_t>(r32 >> 16)) * (<int64_t>1 << CNT_BITS) + 1
                    ring[base[self.syn_delay[j]] + (r32 & 0xFFFF)] += inc * c
            return
        recs = &self.syn_rec[0]
        if self.delay0 > 0:
            acc = ring + base[self.delay0]
            for j in range(p0, p1):
                rec = recs[j]
                acc[rec & mask] += (rec >> CNT_BITS) * c
        else:
            for j in range(p0, p1):
                rec = recs[j]
                ring[base[self.syn_delay[j]] + (rec & mask)] += (rec >> CNT_BITS) * c

    cdef inline void _fold32(self, Py_ssize_t s, int32_t c) noexcept nogil:
        """_fold on the 32-bit accumulators: each synapse adds (w << cnt_bits) + 1 (narrow records only)."""
        cdef int64_t j, p0 = self.syn_ptr[s], p1 = self.syn_ptr[s + 1]
        cdef int64_t q0 = self.u_ptr[s], q1 = self.u_ptr[s + 1]
        cdef int32_t inc
        cdef uint32_t r32
        cdef int32_t one = <int32_t>1 << self.cnt_bits
        cdef int32_t* ring = &self.ring32[0]
        cdef int32_t* acc = ring + self.slot_base[self.delay0]
        cdef const int64_t* base = &self.slot_base[0]
        cdef const uint16_t* t16
        cdef const uint32_t* recs32
        if q1 > q0:
            t16 = &self.syn_rec16[0]
            inc = self.src_inc32[s] * c
            for j in range(q0, q1):
                acc[t16[j]] += inc
        if p1 == p0:
            return
        recs32 = &self.syn_rec32[0]
        if self.delay0 > 0:
            for j in range(p0, p1):
                r32 = recs32[j]
                acc[r32 & 0xFFFF] += (<int32_t>(<int16_t>(r32 >> 16)) * one + 1) * c
        else:
            for j in range(p0, p1):
                r32 = recs32[j]
                ring[base[self.syn_delay[j]] + (r32 & 0xFFFF)] += (<int32_t>(<int16_t>(r32 >> 16)) * one + 1) * c

    cdef inline void _prefetch_rows(self, Py_ssize_t s) noexcept nogil:
        """Prefetch every cache line of source s's records: the rows are random in memory, too short for the
        hardware prefetcher to catch, and the loops are otherwise bound by their misses."""
        cdef const char* p
        cdef const char* end
        if self.narrow:
            if self.syn_rec32.shape[0]:
                p = <const char*>(&self.syn_rec32[0] + self.syn_ptr[s])
                end = <const char*>(&self.syn_rec32[0] + self.syn_ptr[s + 1])
            else:
                p = end = NULL
        else:
            p = <const char*>(&self.syn_rec[0] + self.syn_ptr[s])
            end = <const char*>(&self.syn_rec[0] + self.syn_ptr[s + 1])
        while p < end:
            nmf_prefetch(p)
            p += 64
        if self.syn_rec16.shape[0]:
            p = <const char*>(&self.syn_rec16[0] + self.u_ptr[s])
            end = <const char*>(&self.syn_rec16[0] + self.u_ptr[s + 1])
            while p < end:
                nmf_prefetch(p)
                p += 64

    cdef void _inputs(self, int64_t e0, int64_t e1, const int32_t[::1] in_line,
                      const int32_t[::1] in_count) noexcept nogil:
        cdef int64_t e
        if self.bits:
            if e1 > e0:
                nm_tn_schedule(self.tn, self.tick, &self.tn_in_ptr[0], &self.tn_in[0], NULL, &in_line[e0],
                               &in_count[e0], e1 - e0)
            return
        self._set_slots()
        for e in range(e0, e1):
            if e + SPIKE_AHEAD < e1:
                self._prefetch_rows(self.n_neurons + in_line[e + SPIKE_AHEAD])
            if self.compact:
                self._fold32(self.n_neurons + in_line[e], in_count[e])
            else:
                self._fold(self.n_neurons + in_line[e], in_count[e])

    cdef void _spikes_out(self, Py_ssize_t t, const int32_t[::1] is_out, int8_t[:, ::1] out_spikes, bint timed,
                          int64_t[::1] src_count) noexcept nogil:
        """The spikes' synapses, output raster and (timed) events: two passes, each with its own prefetches."""
        cdef Py_ssize_t m, n = self.n_spikes
        cdef int64_t i
        cdef int32_t o
        if self.bits and self.tn.sched_mode != NM_TN_SCHED_NONE:
            pass    # scheduled inside the tick (_tn_sched)
        elif self.bits and n:
            nm_tn_schedule(self.tn, self.tick, &self.tn_dest_ptr[0], &self.tn_dest[0], &self.tn_one[0],
                           &self.spikes[0], NULL, n)
        for m in range(0 if self.bits else n):
            i = self.spikes[m]
            if m + SPIKE_AHEAD < n:
                self._prefetch_rows(self.spikes[m + SPIKE_AHEAD])
            if self.compact:
                self._fold32(i, 1)
            else:
                self._fold(i, 1)
        # a pass of its own: these stores miss (a fresh raster row), the adds above must not wait; none without
        # output neurons (TrueNorth's operating point)
        for m in range(n if out_spikes.shape[1] else 0):
            if m + 4 * SPIKE_AHEAD < n:     # the output table is random in memory for a spread spike list
                nmf_prefetch(&is_out[self.spikes[m + 4 * SPIKE_AHEAD]])
            o = is_out[self.spikes[m]]
            if o >= 0:
                out_spikes[t, o] = 1
        if timed and n and not self.one_target:
            nm_events_tick(&self.evs, &self.spikes[0], n)

    cdef void _routes_to_grid(self) noexcept nogil:
        """The tick's route counts as difference entries of the link grids and per-core deliveries (module
        docstring); the counters zeroed.

        XY: the first segment runs along the source row from xs to each destination column (counts per
        source router and destination column: cr), the second along the destination column from the source
        row to the destination router (counts per source row and destination core bit: dg, summed over each
        router's bits). YX: columns and rows swap.
        """
        cdef Py_ssize_t j, l, k
        cdef int32_t r, g, a, b
        cdef int64_t n
        cdef int64_t* grid = &self.ctr[self.n_cores * NM_NEV]
        cdef uint16_t* row
        cdef int32_t* dlv = &self.dlv[0]
        cdef const int32_t* pob = &self.pos_of_bit[0]
        # E (0) / W (1) lines are rows of ``width`` cells; N (2) / S (3) lines are columns of ``height`` cells.
        cdef Py_ssize_t wh = self.width * self.height
        cdef Py_ssize_t pos_base = 0 if self.x_first else 2 * wh, neg_base = wh if self.x_first else 3 * wh
        cdef Py_ssize_t len1 = self.width if self.x_first else self.height
        cdef Py_ssize_t pos2 = 2 * wh if self.x_first else 0, neg2 = 3 * wh if self.x_first else wh
        cdef Py_ssize_t len2 = self.height if self.x_first else self.width
        for j in range(self.evs.n_r_list):
            r = self.r_list[j]
            row = &self.cr[r * self.lines_pad]
            # source coordinate along the first dimension (a), and the line it runs on (b)
            a = self.router_x[r] if self.x_first else self.router_y[r]
            b = self.router_y[r] if self.x_first else self.router_x[r]
            for l in range(self.n_lines):
                n = row[l]
                if n == 0 or l == a:
                    continue
                if l > a:
                    grid[pos_base + b * len1 + a] += n
                    grid[pos_base + b * len1 + l] -= n
                else:
                    grid[neg_base + b * len1 + l] += n
                    grid[neg_base + b * len1 + a] -= n
            memset(row, 0, self.lines_pad * sizeof(uint16_t))
            self.r_used[r] = 0
        self.evs.n_r_list = 0
        for g in range(self.n_groups):
            if not self.g_used[g]:
                continue
            self.g_used[g] = 0
            row = &self.dg[g * self.lanes]
            for k in range(self.n_cores):
                dlv[pob[k]] += row[k]
            for r in range(self.n_routers):
                n = 0
                for k in range(self.router_bits[r, 0], self.router_bits[r, 1]):
                    n += row[k]
                if n == 0:
                    continue
                # the second segment runs on the destination's line (b) from the group's coordinate (g) to a
                a = self.router_y[r] if self.x_first else self.router_x[r]
                b = self.router_x[r] if self.x_first else self.router_y[r]
                if a > g:
                    grid[pos2 + b * len2 + g] += n
                    grid[pos2 + b * len2 + a] -= n
                elif a < g:
                    grid[neg2 + b * len2 + a] += n
                    grid[neg2 + b * len2 + g] -= n
            memset(row, 0, self.lanes * sizeof(uint16_t))

    # ----- phase 4: timing ---------------------------------------------------------------------------
    cdef inline double t0_cycles(self, int64_t h) noexcept nogil:
        return self.I + (h + 1) * self.P + h * self.L + self.E + self.F - 1

    cdef void _end(self, Py_ssize_t t, bint timed, int64_t[:, ::1] per_tick, double[:, ::1] tick_ns,
                   double[:, ::1] viol, double[:, ::1] drain) noexcept nogil:
        """The tick's end: closed by the tick itself (a TrueNorth tick that schedules its spikes: each thread
        its half, combined into parts[0]) or here over the whole chip (emulator/_close.h); then, timed, the
        network phase and the tick's time (``_finish``); the totals into ``per_tick``."""
        cdef Py_ssize_t j
        cdef nm_part_t* part = &self.parts[0]
        if not (self.bits and self.tn.close != NULL):
            if timed and self.route_counts:
                self._routes_to_grid()
            nm_close_cores(&self.cl, &self.ctr[0], NULL, NULL, 0, self.n_cores, part)
            if timed:
                nm_close_lines(&self.cl, &self.ctr[self.n_cores * NM_NEV], NULL, 0, nm_close_lines_n(&self.cl),
                               part)
        if timed:
            self._finish(t, part, tick_ns, viol, drain)
        for j in range(NM_NEV):
            per_tick[t, j] += part.tot[j]

    cdef void _finish(self, Py_ssize_t t, const nm_part_t* part, double[:, ::1] tick_ns, double[:, ::1] viol,
                      double[:, ::1] drain) noexcept nogil:
        """The network phase and the tick's time from the closed tick (``part``: the compute phase, the
        injection bound, the busiest link; ``noc.loads_estimate.network_end`` is its NumPy specification)."""
        cdef Py_ssize_t k, best_cell = part.best_cell
        cdef double best_t = -1.0, w, best_w = 0.0, end, net = 0.0, work
        cdef double busy_max = part.busy_max, t_a = part.t_a, inj = part.inj
        cdef int64_t run, n_link = part.n_link
        cdef double cyc = self.cycle_ns
        if self.has_off:    # a system: the link that drains last, x_l + w_l + n_l s_l' (every peer's load known now)
            for k in range(4 * self.width * self.height):
                run = self.load[k]
                if run:
                    w = self._link_wait(k, t_a)
                    end = self.cell_x[k] + w + run * self._link_service(k, run)
                    if end > best_t:
                        best_t, n_link, best_cell, best_w = end, run, k, w
        if part.npk:
            net = inj
            end = t_a + (self.t0_cycles(1) + (self.cell_x[best_cell] if self.has_off and best_cell >= 0 else 0.0)
                         + best_w - self.F + n_link * self._link_service(best_cell, n_link)) * cyc
            net = end if n_link and end > net else net
            end = t_a + (self.t0_cycles(0) - self.F + part.n_dlv * self.s_ej) * cyc
            net = end if end > net else net
            self._drain(t, drain, part.npk, net - inj, n_link, best_cell, part.t_e - t_a)
        work = busy_max if busy_max > net else net
        tick_ns[t, 1] = busy_max
        tick_ns[t, 2] = work - busy_max
        if self.fixed:
            tick_ns[t, 0] = self.period
            tick_ns[t, 3] = self.period - work if self.period > work else 0.0
            if work > self.period:
                self._violation(t, viol, part, net, best_cell, n_link)
        else:
            tick_ns[t, 0] = work + self.barrier
            tick_ns[t, 3] = self.barrier

    cdef inline void _drain(self, Py_ssize_t t, double[:, ::1] drain, int64_t npk, double backlog_ns,
                            int64_t n_link, Py_ssize_t cell, double window_ns) noexcept nogil:
        """The drain-backlog record of tick t (``noc.loads_estimate.drain_backlog``): packets, the backlog
        ``B = (network end - injection bound) / cycle`` (cycles by which queueing stretches the drain), and the
        busiest link's offered utilisation ``n_link s_l cycle / (t_e - t_a)`` over the injection window, ``s_l``
        the link's own cycles per packet (``s_link`` on chip; an off-chip link's serialisation in a system)."""
        cdef double cyc = self.cycle_ns
        cdef double s = self.cell_s[cell] if self.has_off and cell >= 0 else self.s_link
        if drain.shape[0] == 0:
            return
        drain[t, 0] = npk
        drain[t, 1] = backlog_ns / cyc
        drain[t, 2] = n_link * s * cyc / (window_ns if window_ns > cyc else cyc)

    cdef double _link_wait(self, Py_ssize_t cell, double t_a) noexcept nogil:
        """The first-arrival wait ``w_l`` of a link cell (cycles; ``noc.loads_estimate.link_waits``): the least
        ``(a_k - t_a) / cycle + reach`` over its sources with packets this tick; 0 without any (on chip)."""
        cdef int64_t e
        cdef int32_t k
        cdef double w = 1e300, v
        for e in range(self.src_ptr[cell], self.src_ptr[cell + 1]):
            k = self.src_pos[e]
            if self.core_a[k] < 1e300:    # the source sent packets this tick (+inf: none)
                v = (self.core_a[k] - t_a) / self.cycle_ns + self.src_reach[e]
                w = v if v < w else w
        return w if w < 1e300 else 0.0

    cdef double _link_service(self, Py_ssize_t cell, int64_t n_link) noexcept nogil:
        """Cycles per packet of the busiest link: its credit-limited rate, or, when another output of the same
        router carries at least half as much (packets at the heads of the router's input queues then wait for
        different outputs and block those behind them), the slower of that rate and the head-of-line feed bound
        ``s_link / h`` (the router's inputs deliver an output at most ``h`` packets per on-chip service time; an
        off-chip link slower than that is kept busy at its own rate). On one chip ``s = s_link``: ``s_link / h``."""
        cdef Py_ssize_t j, other
        if cell < 0:
            return self.s_link
        cdef double s = self.cell_s[cell] if self.has_off else self.s_link
        cdef double fed = self.s_link / self.hol    # the head-of-line feed bound: s_link / h
        for j in range(3):
            other = self.cell_peers[cell, j]
            if other >= 0 and 2 * self.load[other] >= n_link:
                return s if s > fed else fed
        return s

    cdef void _violation(self, Py_ssize_t t, double[:, ::1] viol, const nm_part_t* part, double net,
                         Py_ssize_t cell, int64_t n_link) noexcept nogil:
        """Name the culprit of an overrun: the busiest core (compute), else the busiest link or, for traffic
        that never left its router, the busiest ejection port."""
        viol[t, 1] = part.best_core
        viol[t, 2] = part.busy_max
        viol[t, 7] = net
        viol[t, 3] = part.best_syn
        viol[t, 4] = part.best_pkt
        if part.busy_max > self.period:
            viol[t, 0] = 1
            return
        if cell >= 0:
            viol[t, 0] = 2
            viol[t, 5] = self.cell_link[cell]
            viol[t, 6] = n_link * self.F
            return
        viol[t, 0] = 3
        viol[t, 1] = part.dlv_core
        viol[t, 4] = part.n_dlv


# ----- helpers around the call (one pass each, instead of NumPy temporaries) --------------------------------

ctypedef fused spike_t:
    int8_t
    int16_t
    int32_t
    int64_t


def input_lists(const spike_t[:, ::1] spikes):
    """(in_ptr int64[T + 1], in_line int32, in_count int32, total spikes) of input spike counts [T, n_in]."""
    import numpy as np
    cdef Py_ssize_t t, j, n = 0, T = spikes.shape[0], L = spikes.shape[1]
    cdef int64_t total = 0
    for t in range(T):
        for j in range(L):
            n += spikes[t, j] != 0
    ptr = np.zeros(T + 1, np.int64)
    line = np.zeros(n, np.int32)
    count = np.zeros(n, np.int32)
    cdef int64_t[::1] p = ptr
    cdef int32_t[::1] li = line, co = count
    n = 0
    with nogil:
        for t in range(T):
            for j in range(L):
                if spikes[t, j] != 0:
                    li[n] = <int32_t>j
                    co[n] = <int32_t>spikes[t, j]
                    total += spikes[t, j]
                    n += 1
            p[t + 1] = n
    return ptr, line, count, total


# ----- the neuron updates by name (the conformance suite: tests/cores/test_compiled_paths.py) ---------------

UPDATES = ("rules", "int64", "int32")


def update_paths():
    """Every compiled neuron update of the kernel as (update, level): "rules" (the one-neuron rules of
    cores/nm_rules.h, the silicon-refractory path) has one variant, "int64" (_lif_batch.c) and "int32"
    (_lif32.c) one per level of :data:`SIMD_LEVELS`, whatever this CPU runs."""
    return [("rules", "scalar")] + [(u, lv) for u in UPDATES[1:] for lv in SIMD_LEVELS]


def run_update(str update, str simd, prm, noff, dict lif_opts, u, v, refr, a_in, count, int cnt_bits=8,
               bint profiles=False):
    """Ticks of one compiled neuron update chosen by name, whatever the kernel would pick (for the tests).

    ``prm``: the Loihi parameter records (cores.tables dtype) of the cores ``noff`` (neuron offsets);
    ``lif_opts``: cores.tables.kernel_options; ``u``, ``v``, ``refr``: the registers before the first tick
    (int64, int64, int32; not modified); ``a_in``, ``count`` [T, n]: each tick's summed weight and synaptic
    events per neuron, packed into the update's accumulator (int32: ``cnt_bits`` bits of count; the caller
    keeps to the bounds of _lif32.c); ``profiles``: the 32-bit path takes a uniform core's parameters from its
    profile. Returns spikes [T, n] (uint8), counts [T, cores, 4] (syn-ops, active, inactive, spikes) and the
    registers u, v, refr after each tick [T, n]. ValueError when the update is unknown or this CPU lacks the
    level."""
    import numpy as np
    if update not in UPDATES:
        raise ValueError(f"run_update: unknown update {update!r}; known: {', '.join(UPDATES)}")
    if update == "rules" and simd != "scalar":
        raise ValueError(f"run_update: update 'rules' has one variant, 'scalar'; got {simd!r}")
    cdef int level = check_simd(simd, f"run_update({update!r})")
    p = np.ascontiguousarray(prm)
    noff64 = np.ascontiguousarray(noff, np.int64)
    a_in, count = np.asarray(a_in, np.int64), np.asarray(count, np.int64)
    T, n, C = a_in.shape[0], p.size, noff64.size - 1
    out = {"spikes": np.zeros((T, n), np.uint8), "counts": np.zeros((T, C, 4), np.int64),
           "u": np.zeros((T, n), np.int64), "v": np.zeros((T, n), np.int64), "refr": np.zeros((T, n), np.int32)}
    regs = {"u": np.array(u, np.int64), "v": np.array(v, np.int64), "refr": np.array(refr, np.int32)}
    step = {"rules": _run_rules, "int64": _run_int64, "int32": _run_int32}[update]
    step(p, noff64, lif_opts, regs, a_in, count, level, cnt_bits, profiles, out)
    return out


def _record(out, Py_ssize_t t, regs, sp, Py_ssize_t nsp, ctr):
    out["spikes"][t, sp[:nsp]] = 1
    out["counts"][t] = ctr.reshape(-1, NM_NEV)[:out["counts"].shape[1], :4]
    for name in ("u", "v", "refr"):
        out[name][t] = regs[name][:out[name].shape[1]]


def _run_rules(p, noff, dict o, regs, a_in, count, int level, int cnt_bits, bint profiles, out):
    import numpy as np
    cdef LoihiCfg lif = loihi_cfg(o["decay_bits"], o["input_shift"], o["current_bits"], o["u_wrap"],
                                  o["membrane_bits"], o["v_wrap"], o["refractory"])
    cdef const LoihiNeuron[::1] prm = p
    cdef int64_t[::1] u = regs["u"], v = regs["v"], nf = noff
    cdef int32_t[::1] r = regs["refr"]
    cdef int64_t[::1] acc
    cdef int64_t[::1] ctr
    cdef int32_t[::1] sp = np.zeros(p.size + 1, np.int32)
    for t in range(a_in.shape[0]):
        acc = np.append((a_in[t] << CNT_BITS) + count[t], 0)
        ctr = np.zeros(nf.shape[0] * NM_NEV, np.int64)
        nsp = update_rules(&prm[0], &u[0], &v[0], &r[0] if o["refractory"] else NULL, &acc[0], &nf[0],
                           nf.shape[0] - 1, &sp[0], &ctr[0], &lif)
        _record(out, t, regs, np.asarray(sp), nsp, np.asarray(ctr))


def _run_int64(p, noff, dict o, regs, a_in, count, int level, int cnt_bits, bint profiles, out):
    import numpy as np
    soa = np.ascontiguousarray(np.stack([p["k_u"], p["k_v"], p["vth_eff"], p["bias_eff"], p["weight_exp"]])
                               .astype(np.int64).reshape(5, -1))
    cdef int64_t[:, ::1] s = soa
    cdef nm_lif_batch_t b
    b.k_u, b.k_v, b.vth, b.bias, b.wexp = &s[0, 0], &s[1, 0], &s[2, 0], &s[3, 0], &s[4, 0]
    b.decay_bits, b.input_shift, b.u_wrap, b.v_wrap = o["decay_bits"], o["input_shift"], o["u_wrap"], o["v_wrap"]
    b.h_u, b.h_v = <int64_t>1 << (o["current_bits"] - 1), <int64_t>1 << (o["membrane_bits"] - 1)
    b.simd = level
    cdef int64_t[::1] u = regs["u"], v = regs["v"], nf = noff
    cdef int64_t[::1] acc
    cdef int64_t[::1] ctr
    cdef uint8_t[::1] flags = np.zeros(p.size + 8, np.uint8)
    cdef int32_t[::1] sp = np.zeros(p.size + 1, np.int32)
    for t in range(a_in.shape[0]):
        acc = np.append((a_in[t] << CNT_BITS) + count[t], 0)
        ctr = np.zeros(nf.shape[0] * NM_NEV, np.int64)
        nsp = update_batch(&b, &acc[0], &u[0], &v[0], &flags[0], &nf[0], nf.shape[0] - 1, &sp[0], &ctr[0])
        _record(out, t, regs, np.asarray(sp), nsp, np.asarray(ctr))


def _run_int32(p, noff, dict o, regs, a_in, count, int level, int cnt_bits, bint profiles, out):
    import numpy as np
    n = p.size + 16                    # vector over-reads past the last core

    def padded(x, dtype):
        y = np.zeros(n, dtype)
        y[:p.size] = x
        return y
    cols = {name: padded(p[name], np.int32) for name in ("k_u", "k_v", "vth_eff", "bias_eff")}
    cdef int32_t[::1] ku = cols["k_u"], kv = cols["k_v"], vth = cols["vth_eff"], bias = cols["bias_eff"]
    cdef int8_t[::1] wexp = padded(p["weight_exp"], np.int8)
    core_profile, table = core_profiles(p, noff)
    if not profiles:
        core_profile[:] = -1
    cdef int32_t[::1] cp = np.ascontiguousarray(core_profile, np.int32)
    cdef int32_t[:, ::1] tab = table
    cdef uint8_t[::1] quiet = np.zeros(max(noff.size - 1, 1), np.uint8), flags = np.zeros(n, np.uint8)
    cdef int32_t[::1] syn = np.zeros(n, np.int32), sp = np.zeros(n, np.int32)
    cdef int32_t[::1] u32 = padded(regs["u"], np.int32), v32 = padded(regs["v"], np.int32)
    cdef int64_t[::1] nf = noff
    cdef int32_t[::1] acc
    cdef int64_t[::1] ctr
    cdef nm_lif32_t l
    l.k_u, l.k_v, l.vth, l.bias, l.wexp = &ku[0], &kv[0], &vth[0], &bias[0], &wexp[0]
    l.core_profile, l.profile = &cp[0], <const int32_t (*)[5]>&tab[0, 0]
    l.decay_bits, l.input_shift = o["decay_bits"], o["input_shift"]
    l.u_wrap, l.v_wrap, l.cnt_bits = o["u_wrap"], o["v_wrap"], cnt_bits
    l.h_u, l.h_v = <int32_t>1 << (o["current_bits"] - 1), <int32_t>1 << (o["membrane_bits"] - 1)
    l.simd = level
    l.quiet, l.flags, l.syn = &quiet[0], &flags[0], &syn[0]
    for t in range(a_in.shape[0]):
        acc = padded((a_in[t] << cnt_bits) + count[t], np.int32)
        ctr = np.zeros(nf.shape[0] * NM_NEV, np.int64)
        nsp = nm_lif32_cores(&l, nf.shape[0] - 1, &nf[0], &acc[0], &u32[0], &v32[0], &sp[0], &ctr[0])
        regs["u"][:], regs["v"][:] = np.asarray(u32)[:p.size], np.asarray(v32)[:p.size]
        _record(out, t, regs, np.asarray(sp), nsp, np.asarray(ctr))
