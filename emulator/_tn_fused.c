/* TrueNorth in the fused loop: a whole chip's tick, core by core, with nothing allocated and no Python inside.
 *
 * Axons (binary, as TrueNorth's scheduler SRAM): one bit per axon and delay slot. A spike or input line sets the
 * bit of its destination axon in the slot of its delivery tick; a spike finding the bit already set is a dropped
 * duplicate (OR, not sum), counted in the slot and reported when the slot is delivered, as the exact engine
 * counts them (cores.crossbar.BitCrossbar.deliver). Two threads schedule at once, each into its own bitmap (no
 * line written by both, no atomics); the listing ORs them and counts an axon set in both as one more duplicate.
 * Timed runs of one-target chips (every neuron one entry; emulator.fused_events.OnePlan) schedule a tick's spikes
 * and count their packets' events in one pass (nm_tn_schedule_one, nm_one_packet of _events.h): the events need
 * only the source core (listed with the spike: spc) and the destination axon's core.
 *
 * Integration (per core and tick): for each set bit of the slot (axon a of type t), every neuron j of the core
 * with crossbar bit (a, j) adds weights[j, t]: the row's 16-bit chunks are lane masks, so one masked add of
 * sixteen int32 lanes covers sixteen synapses (AVX-512: the chunk is the __mmask16 itself; AVX2: eight lanes,
 * the byte broadcast and compared with the lane bits; scalar: one add per set bit). syn-ops += popcount(row).
 * A type with stochastic synapses on the core takes the scalar loop, drawing as cores._kernels does
 * (nm_draw(h_ct, j, SLOT_SYNAPSE + (local axon << 32)): one draw per axon and tick). The sums are exact in int32
 * (emulator.fused checks max axons per core x max |weight| < 2**31). Where that bound is below 2**15 and no
 * synapse is stochastic (lanes16, emulator.fused.bit_sums16; the operating point: 256 x 1) the vector levels sum
 * in int16 lanes instead, 32 (AVX-512 masked add) or 16 (AVX2) synapses per instruction, a core's weight of a
 * type broadcast when all its neurons share it, and widen the sums to int32 for the update.
 *
 * Update: the rule of cores/nm_rules.h (NM_TN_LANE_RULES), in int32 lanes when exact (lanes32, the plan's
 * bounds), sixteen (AVX-512) or eight (AVX2) neurons per instruction or one (scalar); else the int64 rule on the
 * CoreArray's register. Where the plan proves the rule keeps every value inside int16 (upd16,
 * emulator.fused.bit_update16: profiles, reset to R, no draws, small sums) and the register starts inside that
 * range (checked per run), the vector levels update 32 (AVX-512) or 16 (AVX2) neurons per instruction on an int16
 * membrane, reading the int16 crossbar sums directly.
 *
 * Every array a vector loop reads or writes starts a cache line (cores/buffers.py), the crossbar's rows too: a
 * 32-byte row 16 bytes past a line straddles two lines, two misses instead of one. Draws (threshold mask, stochastic leak) are made per neuron only on cores that have
 * them (core_draws). A quiet core (its last update inactive throughout; every neuron NM_TF_REST) with no axon
 * set is counted inactive without an update: its update would change nothing (cores._kernels skips it too).
 */
#define _GNU_SOURCE     /* pthread_setname_np */
#include "_tn_fused.h"
#include "_events.h"
#include "nm_lanes_x86.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int64_t nm_tn_min(int64_t a, int64_t b) { return a < b ? a : b; }

/* ----- scheduling -------------------------------------------------------------------------------------------- */

static inline void nm_tn_set(nm_tn_t *p, const int64_t *base, const int64_t *slot, uint32_t r, int64_t c) {
    const uint32_t bit = r >> 8, d = r & 0xFF;
    uint64_t *w = p->abits + base[d] + (bit >> 6);
    const uint64_t m = (uint64_t)1 << (bit & 63);
    p->dup[slot[d]] += c - ((*w & m) == 0);
    *w |= m;
}

void nm_tn_schedule(nm_tn_t *p, int64_t tick, const int64_t *ptr, const uint32_t *rec, const uint32_t *one,
                    const int32_t *src, const int32_t *count, int64_t n) {
    int64_t base[256], slot[256];
    for (int d = 0; d < p->ring && d < 256; d++) {
        slot[d] = (tick + d) % p->ring;
        base[d] = slot[d] * p->bit_words;
    }
    for (int64_t i = 0; i < n; i++) {
        const int32_t s = src[i];
        const int64_t c = count ? count[i] : 1;
        if (one) {
            /* a source's only entry, in one random access (TrueNorth: every neuron targets one axon) */
            if (i + NM_TN_AHEAD < n)
                __builtin_prefetch(one + src[i + NM_TN_AHEAD], 0, 3);
            const uint32_t r = one[s];
            if (r < NM_TN_MANY) {
                nm_tn_set(p, base, slot, r, c);
                continue;
            }
            if (r == NM_TN_NONE)
                continue;
        } else {
            /* the row pointers and entries of a spike list are random in memory: both fetched ahead, the
               pointer twice as far ahead as the entries it locates */
            if (i + 2 * NM_TN_AHEAD < n)
                __builtin_prefetch(ptr + src[i + 2 * NM_TN_AHEAD], 0, 3);
            if (i + NM_TN_AHEAD < n)
                __builtin_prefetch(rec + ptr[src[i + NM_TN_AHEAD]], 0, 3);
        }
        for (int64_t e = ptr[s]; e < ptr[s + 1]; e++)
            nm_tn_set(p, base, slot, rec[e], c);
    }
}

void nm_tn_schedule_one(nm_tn_t *p, int64_t tick, const uint32_t *one, const int32_t *src, const int32_t *src_core,
                        int64_t n, nm_events_t *e, const nm_one_t *o) {
    int64_t base[256], slot[256];
    for (int d = 0; d < p->ring && d < 256; d++) {
        slot[d] = (tick + d) % p->ring;
        base[d] = slot[d] * p->bit_words;
    }
    for (int64_t i = 0; i < n; i++) {
        const int32_t s = src[i];
        if (i + NM_TN_AHEAD < n)
            __builtin_prefetch(one + src[i + NM_TN_AHEAD], 0, 3);
        const int64_t k = src_core[i];  /* as listed (walking the neuron offsets mispredicted a branch a spike) */
        const uint32_t r = one[s];
        if (r >= NM_TN_MANY)
            continue;
        nm_tn_set(p, base, slot, r, 1);
        nm_one_packet(e, o, k, p->word_core[(r >> 8) >> 6]);
    }
}

/* ----- integration ---------------------------------------------------------------------------------------- */

static inline int32_t nm_tn_w(const nm_tn_t *p, int64_t i) { return p->w16 ? p->w16[i] : p->w32[i]; }

/* acc[j] += w[j] for the set bits j >= j0 of the row (j0 a multiple of 8); w: the core's weights of the type. */
static void nm_tn_row_scalar(const nm_tn_t *p, int32_t *acc, const uint64_t *row, int64_t w0, int64_t j0,
                             int64_t n) {
    for (int64_t i = j0 >> 6; i * 64 < n; i++) {
        uint64_t x = row[i];
        if (i * 64 < j0)
            x &= ~0ULL << (j0 - i * 64);
        while (x) {
            const int64_t j = i * 64 + __builtin_ctzll(x);
            acc[j] += nm_tn_w(p, w0 + j);
            x &= x - 1;
        }
    }
}

/* The same where some neurons take the type stochastically: sign(w) when the draw's low byte < |w|. */
static void nm_tn_row_stoch(const nm_tn_t *p, int32_t *acc, const uint64_t *row, int64_t w0, int64_t n,
                            uint64_t h_ct, int64_t local_axon) {
    const uint64_t slot = (uint64_t)NM_SLOT_SYNAPSE + ((uint64_t)local_axon << 32);
    const uint8_t *st = p->stoch + w0;
    for (int64_t i = 0; i * 64 < n; i++) {
        uint64_t x = row[i];
        while (x) {
            const int64_t j = i * 64 + __builtin_ctzll(x);
            const int32_t w = nm_tn_w(p, w0 + j);
            if (!st[j])
                acc[j] += w;
            else if ((int64_t)(nm_draw(h_ct, j, slot) & 0xFF) < (w < 0 ? -(int64_t)w : w))
                acc[j] += (w > 0) - (w < 0);
            x &= x - 1;
        }
    }
}

/* Deterministic rows of one core, at most NM_TN_BATCH: rows[q] with the core's weights of its type at
   p->w16 / w32 + w0[q]. The vector versions add them chunk by chunk, the chunk's sums in one register. */
#define NM_TN_BATCH 64

static void nm_tn_rows_scalar(const nm_tn_t *p, int32_t *acc, const uint64_t *const *rows, const int64_t *w0,
                              const int32_t *wu, int nb, int64_t n) {
    (void)wu;
    for (int q = 0; q < nb; q++)
        nm_tn_row_scalar(p, acc, rows[q], w0[q], 0, n);
}

#ifdef NM_X86
/* Sixteen lanes per chunk: the row's 16 bits are the add's lane mask; the last chunk's weights are loaded under
   the lane mask of the core's neurons (no read past the array; acc is padded by 16). */
NM_AVX512 static void nm_tn_rows16(const nm_tn_t *p, int32_t *acc, const uint64_t *const *rows, const int64_t *w0,
                                   const int32_t *wu, int nb, int64_t n) {
    if (!p->w16) {
        nm_tn_rows_scalar(p, acc, rows, w0, wu, nb, n);
        return;
    }
    for (int64_t j = 0; j < n; j += 16) {
        const __mmask16 lanes = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1);
        __m512i a = _mm512_loadu_si512((const void *)(acc + j));
        for (int q = 0; q < nb; q++) {
            const __mmask16 m = (__mmask16)(rows[q][j >> 6] >> (j & 63));
            const __m512i wv = _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(lanes, p->w16 + w0[q] + j));
            a = _mm512_mask_add_epi32(a, m, a, wv);
        }
        _mm512_storeu_si512((void *)(acc + j), a);
    }
}

/* Eight lanes per chunk: the row's byte broadcast and compared with each lane's bit; the tail (fewer than
   eight neurons left) one add per set bit. */
NM_AVX2 static void nm_tn_rows8(const nm_tn_t *p, int32_t *acc, const uint64_t *const *rows, const int64_t *w0,
                                const int32_t *wu, int nb, int64_t n) {
    if (!p->w16) {
        nm_tn_rows_scalar(p, acc, rows, w0, wu, nb, n);
        return;
    }
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const int64_t full = n & ~(int64_t)7;
    for (int64_t j = 0; j < full; j += 8) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(acc + j));
        for (int q = 0; q < nb; q++) {
            const __m256i b = _mm256_set1_epi32((int32_t)((rows[q][j >> 6] >> (j & 63)) & 0xFF));
            const __m256i m = _mm256_cmpeq_epi32(_mm256_and_si256(b, bit), bit);
            const __m256i wv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(p->w16 + w0[q] + j)));
            a = _mm256_add_epi32(a, _mm256_and_si256(m, wv));
        }
        _mm256_storeu_si256((__m256i *)(acc + j), a);
    }
    for (int q = 0; full < n && q < nb; q++)
        nm_tn_row_scalar(p, acc, rows[q], w0[q], full, n);
}

/* The int16 lanes (lanes16): the same sums, twice the synapses per instruction. Exact: every partial sum of a
   neuron is bounded by axons per core x max |weight| < 2**15 (emulator.fused.bit_sums16). A row's weights are
   its type's weight broadcast when the whole core shares it (wu[q], the operating point's case: no weight
   stream at all), else the core's weights loaded; bits past the core's neurons are 0 (the crossbar's padding,
   checked by the program check), so the lanes past n add nothing, and loads past n are masked. */
NM_AVX512 static void nm_tn_rows32h(const nm_tn_t *p, int16_t *acc, const uint64_t *const *rows, const int64_t *w0,
                                    const int32_t *wu, int nb, int64_t n) {
    for (int64_t j = 0; j < n; j += 32) {
        const __mmask32 lanes = n - j >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << (n - j)) - 1);
        __m512i a = _mm512_loadu_si512((const void *)(acc + j));
        for (int q = 0; q < nb; q++) {
            const __mmask32 m = (__mmask32)(rows[q][j >> 6] >> (j & 63));
            const __m512i wv = wu[q] != NM_TN_MIXED ? _mm512_set1_epi16((int16_t)wu[q])
                                                    : _mm512_maskz_loadu_epi16(lanes, p->w16 + w0[q] + j);
            a = _mm512_mask_add_epi16(a, m, a, wv);
        }
        _mm512_storeu_si512((void *)(acc + j), a);
    }
}

/* Sixteen int16 lanes per chunk on AVX2: the chunk's 16 bits broadcast and compared with each lane's bit. */
NM_AVX2 static void nm_tn_rows16h(const nm_tn_t *p, int16_t *acc, const uint64_t *const *rows, const int64_t *w0,
                                  const int32_t *wu, int nb, int64_t n) {
    const __m256i bit = _mm256_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384,
                                          (int16_t)0x8000);
    for (int64_t j = 0; j < n; j += 16) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(acc + j));
        for (int q = 0; q < nb; q++) {
            const __m256i b = _mm256_set1_epi16((int16_t)(rows[q][j >> 6] >> (j & 63)));
            const __m256i m = _mm256_cmpeq_epi16(_mm256_and_si256(b, bit), bit);
            __m256i wv;
            if (wu[q] != NM_TN_MIXED) {
                wv = _mm256_set1_epi16((int16_t)wu[q]);
            } else if (n - j >= 16) {
                wv = _mm256_loadu_si256((const __m256i *)(p->w16 + w0[q] + j));
            } else {
                int16_t t[16] = {0};
                memcpy(t, p->w16 + w0[q] + j, (size_t)(n - j) * sizeof(int16_t));
                wv = _mm256_loadu_si256((const __m256i *)t);
            }
            a = _mm256_add_epi16(a, _mm256_and_si256(m, wv));
        }
        _mm256_storeu_si256((__m256i *)(acc + j), a);
    }
}

/* The int16 sums as the update's int32 input (acc16 and acc padded by 32 and 16). */
NM_AVX512 static void nm_tn_widen16(const int16_t *a16, int32_t *acc, int64_t n) {
    for (int64_t j = 0; j < n; j += 16)
        _mm512_storeu_si512((void *)(acc + j),
                            _mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i *)(a16 + j))));
}

NM_AVX2 static void nm_tn_widen8(const int16_t *a16, int32_t *acc, int64_t n) {
    for (int64_t j = 0; j < n; j += 8)
        _mm256_storeu_si256((__m256i *)(acc + j), _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(a16 + j))));
}
#endif

/* Integrate core k's axons set in the slot, alist[0 .. m - 1] (local indices, ascending); returns the syn-ops.
   Rows of types with stochastic synapses on the core go one by one (scalar draws), the others in batches
   (ROWS). The rows are random in the crossbar (a cache miss each): the row NM_TN_AHEAD axons further on in the
   tick's list (which runs on into the next cores) is prefetched while this one is taken. One function per
   level (ATTR: its target, so that popcount is one instruction where the level has it). */
#define NM_TN_INTEGRATE(NAME, ATTR, ROWS, ACC_T, STOCH)                                                           \
    ATTR static int64_t NAME(const nm_tn_t *p, int64_t k, uint64_t h_ct, const int32_t *alist, int64_t m,         \
                             const int32_t *ahead, ACC_T *acc, int64_t n) {                                       \
        const uint64_t *rows[NM_TN_BATCH];                                                                        \
        int64_t w0[NM_TN_BATCH];                                                                                  \
        int32_t wu[NM_TN_BATCH];                                                                                  \
        const int32_t *uni = p->w_uni ? p->w_uni + k * p->types : NULL;                                           \
        int nb = 0;                                                                                               \
        int64_t syn = 0;                                                                                          \
        const int64_t a0 = p->aoff[k], n0 = p->noff[k];                                                           \
        for (int64_t q = 0; q < m; q++) {                                                                         \
            __builtin_prefetch(p->words + (int64_t)ahead[q] * p->n_words, 0, 3);                                  \
            const int64_t l = alist[q], a = a0 + l;                                                               \
            const uint64_t *row = p->words + a * p->n_words;                                                      \
            const int t = p->axon_type[a];                                                                        \
            int64_t pc = 0;                                                                                       \
            for (int i = 0; i < p->n_words; i++)                                                                  \
                pc += __builtin_popcountll(row[i]);                                                               \
            syn += pc;                                                                                            \
            if (!pc)                                                                                              \
                continue;                                                                                         \
            const int64_t wo = (int64_t)t * p->n_neurons + n0;                                                    \
            if (p->stoch && p->core_stoch[k * p->types + t]) {                                                    \
                STOCH(p, acc, row, wo, n, h_ct, l);                                                               \
                continue;                                                                                         \
            }                                                                                                     \
            rows[nb] = row;                                                                                       \
            wu[nb] = uni ? uni[t] : NM_TN_MIXED;                                                                  \
            w0[nb++] = wo;                                                                                        \
            if (nb == NM_TN_BATCH) {                                                                              \
                ROWS(p, acc, rows, w0, wu, nb, n);                                                                \
                nb = 0;                                                                                           \
            }                                                                                                     \
        }                                                                                                         \
        if (nb)                                                                                                   \
            ROWS(p, acc, rows, w0, wu, nb, n);                                                                    \
        return syn;                                                                                               \
    }

/* lanes16 chips have no stochastic synapse (p->stoch NULL): their STOCH branch is never taken */
#define NM_TN_NO_STOCH(p, acc, row, wo, n, h_ct, l) (void)0

NM_TN_INTEGRATE(nm_tn_integrate_s, , nm_tn_rows_scalar, int32_t, nm_tn_row_stoch)
#ifdef NM_X86
NM_TN_INTEGRATE(nm_tn_integrate16, NM_AVX512, nm_tn_rows16, int32_t, nm_tn_row_stoch)
NM_TN_INTEGRATE(nm_tn_integrate8, NM_AVX2, nm_tn_rows8, int32_t, nm_tn_row_stoch)
NM_TN_INTEGRATE(nm_tn_integrate32h, NM_AVX512, nm_tn_rows32h, int16_t, NM_TN_NO_STOCH)
NM_TN_INTEGRATE(nm_tn_integrate16h, NM_AVX2, nm_tn_rows16h, int16_t, NM_TN_NO_STOCH)
#endif

/* Core k's input from its axons alist[0 .. m - 1] into p->acc[0 .. n + 16) (zeros past n); returns the syn-ops.
   lanes16 chips on a vector level sum in int16 lanes (acc16) and widen the sums for the update. */
static int64_t nm_tn_input(const nm_tn_t *p, int64_t k, uint64_t h_ct, const int32_t *alist, int64_t m,
                           const int32_t *ahead, int64_t n) {
    int32_t *acc = p->acc;
#ifdef NM_X86
    if (p->v16_on) {    /* the int16 update reads the int16 sums themselves */
        memset(p->acc16, 0, (size_t)(n + 32) * sizeof(int16_t));
        if (!m)
            return 0;
        return p->simd == NM_LEVEL_AVX512 ? nm_tn_integrate32h(p, k, h_ct, alist, m, ahead, p->acc16, n)
                                          : nm_tn_integrate16h(p, k, h_ct, alist, m, ahead, p->acc16, n);
    }
    if (m && p->lanes16 && p->simd != NM_LEVEL_SCALAR) {
        memset(p->acc16, 0, (size_t)(n + 32) * sizeof(int16_t));
        int64_t syn;
        if (p->simd == NM_LEVEL_AVX512) {
            syn = nm_tn_integrate32h(p, k, h_ct, alist, m, ahead, p->acc16, n);
            nm_tn_widen16(p->acc16, acc, n);
        } else {
            syn = nm_tn_integrate16h(p, k, h_ct, alist, m, ahead, p->acc16, n);
            nm_tn_widen8(p->acc16, acc, n);
        }
        return syn;
    }
#endif
    memset(acc, 0, (size_t)(n + 16) * sizeof(int32_t));
    if (!m)
        return 0;
#ifdef NM_X86
    if (p->simd == NM_LEVEL_AVX512)
        return nm_tn_integrate16(p, k, h_ct, alist, m, ahead, acc, n);
    if (p->simd == NM_LEVEL_AVX2)
        return nm_tn_integrate8(p, k, h_ct, alist, m, ahead, acc, n);
#endif
    return nm_tn_integrate_s(p, k, h_ct, alist, m, ahead, acc, n);
}

/* ----- the neuron update ------------------------------------------------------------------------------------ */

/* The draws of core k's neurons this tick (only on cores whose neurons draw). */
static void nm_tn_draws(const nm_tn_t *p, int64_t n0, int64_t n, uint64_t h_ct) {
    for (int64_t j = 0; j < n; j++) {
        p->eta[j] = (int32_t)nm_tn_eta(p->prm + n0 + j, h_ct, j);
        p->rl[j] = (int32_t)nm_tn_rl(p->prm + n0 + j, h_ct, j);
    }
}

/* Column c of neuron i's parameters: its core's profile pr, or per neuron. */
static inline int32_t nm_tn_col(const nm_tn_t *p, const int32_t *pr, int c, int64_t i) {
    return pr ? pr[c] : p->soa[c * p->n_pad + i];
}

static int64_t nm_tn_update_s32(const nm_tn_t *p, int64_t n0, int64_t n, const int32_t *pr, int draws,
                                int32_t *sp, int64_t *act) {
    const int32_t *acc = p->acc;
    int64_t nsp = 0;
    for (int64_t j = 0; j < n; j++) {
        const int64_t i = n0 + j;
        const int32_t fl = nm_tn_col(p, pr, NM_TP_FLAGS, i), g = nm_tn_col(p, pr, NM_TP_GAMMA, i);
        int32_t vn, a;
        const int32_t s = nm_s32_tn_step(p->v32[i], acc[j], nm_tn_col(p, pr, NM_TP_LEAK, i), (fl & NM_TF_LEAK_REV) != 0,
                                         (fl & NM_TF_LEAK_STOCH) != 0, draws ? p->rl[j] : 0, draws ? p->eta[j] : 0,
                                         nm_tn_col(p, pr, NM_TP_ALPHA, i), nm_tn_col(p, pr, NM_TP_BETA, i),
                                         (fl & NM_TF_KAPPA) != 0, g == 0, g <= 1, nm_tn_col(p, pr, NM_TP_RESET, i),
                                         (int32_t)p->cfg.h1, (int32_t)p->cfg.m2h, p->cfg.wrap, &vn, &a);
        p->v32[i] = vn;
        *act += a;
        if (s)
            sp[nsp++] = (int32_t)i;
    }
    return nsp;
}

static int64_t nm_tn_update_s64(const nm_tn_t *p, int64_t n0, int64_t n, uint64_t h_ct, int32_t *sp,
                                int64_t *act) {
    int64_t nsp = 0;
    for (int64_t j = 0; j < n; j++) {
        const int f = nm_tn_neuron(p->prm + n0 + j, p->v64 + n0 + j, p->acc[j], h_ct, j, &p->cfg);
        *act += (f & NM_F_ACTIVE) != 0;
        if (f & NM_F_SPIKE)
            sp[nsp++] = (int32_t)(n0 + j);
    }
    return nsp;
}

/* Spike i listed; its destination entry (sched_one: the tick schedules it) fetched towards L2 now, where the
   scheduling after the cores finds it instead of missing (a two-thread tick at the operating point 0-7 % shorter
   over five runs in one process: benchmarks/README.md). */
static inline void nm_tn_spike(const nm_tn_t *p, int32_t *sp, int64_t *nsp, int32_t i) {
    sp[(*nsp)++] = i;
    if (p->sched_one)
        __builtin_prefetch(p->sched_one + i, 0, 2);
}

#ifdef NM_X86
/* One vector update over W lanes: LOAD(x) reads W int32, FLAGS(col) the parameter column as lanes. */
#define NM_TN_BLOCK(P, W, LOAD, MASKOF, STORE, POPCNT, LEAK, REV, LSTOCH, ALPHA, BETA, KAPPA, G0, G01, R, DRAWS) \
    {                                                                                                     \
        const int64_t i = n0 + j;                                                                         \
        const P##_v v0 = LOAD(p->v32 + i);                                                                \
        P##_v vn;                                                                                         \
        P##_m a;                                                                                          \
        const P##_m s = P##_tn_step(v0, LOAD(p->acc + j), LEAK, REV, LSTOCH, DRAWS ? LOAD(p->rl + j) : zero, \
                                    DRAWS ? LOAD(p->eta + j) : zero, ALPHA, BETA, KAPPA, G0, G01, R, h1, m2h, \
                                    p->cfg.wrap, &vn, &a);                                                \
        const unsigned lanes = n - j >= W ? (unsigned)((1ull << W) - 1) : (unsigned)((1u << (n - j)) - 1); \
        STORE(p->v32 + i, lanes, vn, v0);                                                                 \
        nact += POPCNT(MASKOF(a) & lanes);                                                                \
        for (unsigned b = MASKOF(s) & lanes; b; b &= b - 1)                                               \
            nm_tn_spike(p, sp, &nsp, (int32_t)(i + __builtin_ctz(b)));                                    \
    }

/* A core's neurons, W lanes a block: with a profile (pr) its parameters and the masks made of them are
   constants of the loop; else every column is loaded per block. */
#define NM_TN_BLOCKS(P, W, LOAD, MASKOF, STORE, POPCNT)                                                       \
    const P##_v h1 = P##_set1((int32_t)p->cfg.h1), m2h = P##_set1((int32_t)p->cfg.m2h), zero = P##_set1(0); \
    const P##_v one = P##_set1(1), two = P##_set1(2);                                                      \
    const P##_v frev = P##_set1(NM_TF_LEAK_REV), fstoch = P##_set1(NM_TF_LEAK_STOCH);                      \
    const P##_v fkappa = P##_set1(NM_TF_KAPPA);                                                            \
    int64_t nsp = 0, nact = 0;  /* counted in registers (through *act, every spike's store could alias it) */ \
    if (pr) {                                                                                             \
        const P##_v fl = P##_set1(pr[NM_TP_FLAGS]), g = P##_set1(pr[NM_TP_GAMMA]);                        \
        const P##_v leak = P##_set1(pr[NM_TP_LEAK]), alpha = P##_set1(pr[NM_TP_ALPHA]);                   \
        const P##_v beta = P##_set1(pr[NM_TP_BETA]), r = P##_set1(pr[NM_TP_RESET]);                       \
        const P##_m rev = P##_nz(P##_and(fl, frev)), lstoch = P##_nz(P##_and(fl, fstoch));                \
        const P##_m kappa = P##_nz(P##_and(fl, fkappa)), g0 = P##_gt(one, g), g01 = P##_gt(two, g);       \
        if (!draws && !(pr[NM_TP_FLAGS] & (NM_TF_LEAK_REV | NM_TF_LEAK_STOCH))) {                          \
            /* the common profile: a plain leak and no draws, known to the compiler, which drops those     \
               branches of the rule */                                                                    \
            for (int64_t j = 0; j < n; j += W)                                                            \
                NM_TN_BLOCK(P, W, LOAD, MASKOF, STORE, POPCNT, leak, P##_mfalse(), P##_mfalse(), alpha, beta, \
                            kappa, g0, g01, r, 0)                                                         \
        } else {                                                                                          \
            for (int64_t j = 0; j < n; j += W)                                                            \
                NM_TN_BLOCK(P, W, LOAD, MASKOF, STORE, POPCNT, leak, rev, lstoch, alpha, beta, kappa, g0, g01, r, \
                            draws)                                                                        \
        }                                                                                                 \
    } else {                                                                                              \
        for (int64_t j = 0; j < n; j += W) {                                                              \
            const int32_t *c = p->soa + n0 + j;                                                           \
            const P##_v fl = LOAD(c + NM_TP_FLAGS * p->n_pad), g = LOAD(c + NM_TP_GAMMA * p->n_pad);      \
            NM_TN_BLOCK(P, W, LOAD, MASKOF, STORE, POPCNT, LOAD(c + NM_TP_LEAK * p->n_pad),               \
                        P##_nz(P##_and(fl, frev)), P##_nz(P##_and(fl, fstoch)), LOAD(c + NM_TP_ALPHA * p->n_pad), \
                        LOAD(c + NM_TP_BETA * p->n_pad), P##_nz(P##_and(fl, fkappa)), P##_gt(one, g),     \
                        P##_gt(two, g), LOAD(c + NM_TP_RESET * p->n_pad), draws)                          \
        }                                                                                                 \
    }                                                                                                     \
    *act += nact;                                                                                         \
    return nsp;

NM_AVX512 static inline __m512i nm_tn_load16(const int32_t *x) { return _mm512_loadu_si512((const void *)x); }
NM_AVX512 static inline unsigned nm_tn_mask16(__mmask16 m) { return (unsigned)m; }
NM_AVX512 static inline void nm_tn_store16(int32_t *x, unsigned lanes, __m512i vn, __m512i old) {
    (void)old;
    _mm512_mask_storeu_epi32(x, (__mmask16)lanes, vn);
}

NM_AVX512 static int64_t nm_tn_update16(const nm_tn_t *p, int64_t n0, int64_t n, const int32_t *pr, int draws,
                                        int32_t *sp, int64_t *act) {
    NM_TN_BLOCKS(nm_v16, 16, nm_tn_load16, nm_tn_mask16, nm_tn_store16, __builtin_popcount)
}

NM_AVX2 static inline __m256i nm_tn_load8(const int32_t *x) { return _mm256_loadu_si256((const __m256i *)x); }
NM_AVX2 static inline unsigned nm_tn_mask8(__m256i m) { return (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(m)); }
/* the lanes past the core belong to the next core, maybe to another thread: a core's last block is stored
   under its lane mask (slow on AMD, but one block per core at most) */
NM_AVX2 static inline void nm_tn_store8(int32_t *x, unsigned lanes, __m256i vn, __m256i old) {
    (void)old;
    if (lanes == 0xFF) {
        _mm256_storeu_si256((__m256i *)x, vn);
        return;
    }
    const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(__builtin_popcount(lanes)),
                                         _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_epi32(x, m, vn);
}

NM_AVX2 static int64_t nm_tn_update8(const nm_tn_t *p, int64_t n0, int64_t n, const int32_t *pr, int draws,
                                     int32_t *sp, int64_t *act) {
    NM_TN_BLOCKS(nm_v8, 8, nm_tn_load8, nm_tn_mask8, nm_tn_store8, __builtin_popcount)
}
#endif

/* The update in int16 lanes (v16_on): the core's profile as constants, its int16 sums (acc16) as input, the
   int16 membrane (v16); W lanes a block, the last block of a core stored under its lane mask (the lanes past it
   are the next core's, maybe another thread's). */
#define NM_TN_BLOCKS16(P, W, LOAD, MASKOF, STORE)                                                           \
    const P##_v zero = P##_set1(0);                                                                       \
    const int fl = pr[NM_TP_FLAGS];                                                                       \
    const P##_m all = (P##_m)P##_gt(P##_set1(1), zero), none = P##_mfalse();                              \
    const P##_m rev = (fl & NM_TF_LEAK_REV) ? all : none, kappa = (fl & NM_TF_KAPPA) ? all : none;         \
    const P##_v leak = P##_set1(pr[NM_TP_LEAK]), alpha = P##_set1(pr[NM_TP_ALPHA]);                       \
    const P##_v beta = P##_set1(pr[NM_TP_BETA]), r = P##_set1(pr[NM_TP_RESET]);                           \
    int64_t nsp = 0, nact = 0;                                                                            \
    for (int64_t j = 0; j < n; j += W) {                                                                  \
        const int64_t i = n0 + j;                                                                         \
        const P##_v v0 = LOAD(p->v16 + i);                                                                \
        P##_v vn;                                                                                         \
        P##_m a;                                                                                          \
        const P##_m s = P##_tn_step(v0, LOAD(acc + j), leak, rev, none, zero, zero, alpha, beta, kappa, all, all, \
                                    r, zero, zero, 0, &vn, &a);                                           \
        const uint64_t lanes = (1ull << (n - j >= W ? W : n - j)) - 1;  /* W <= 32 */                  \
        STORE(p->v16 + i, lanes, vn);                                                                     \
        nact += __builtin_popcountll(MASKOF(a) & lanes);                                                  \
        for (uint64_t b = MASKOF(s) & lanes; b; b &= b - 1)                                               \
            nm_tn_spike(p, sp, &nsp, (int32_t)(i + __builtin_ctzll(b)));                                  \
    }                                                                                                     \
    *act += nact;                                                                                         \
    return nsp;

#ifdef NM_X86
NM_AVX512 static inline __m512i nm_tn_load32h(const int16_t *x) { return _mm512_loadu_si512((const void *)x); }
NM_AVX512 static inline uint64_t nm_tn_mask32h(__mmask32 m) { return (uint64_t)m; }
NM_AVX512 static inline void nm_tn_store32h(int16_t *x, uint64_t lanes, __m512i v) {
    _mm512_mask_storeu_epi16(x, (__mmask32)lanes, v);
}

NM_AVX512 static int64_t nm_tn_update32h(const nm_tn_t *p, const int16_t *acc, int64_t n0, int64_t n,
                                         const int32_t *pr, int32_t *sp, int64_t *act) {
    NM_TN_BLOCKS16(nm_h32, 32, nm_tn_load32h, nm_tn_mask32h, nm_tn_store32h)
}

NM_AVX2 static inline __m256i nm_tn_load16h(const int16_t *x) { return _mm256_loadu_si256((const __m256i *)x); }
/* a 16-bit lane mask from sixteen 0 / -1 words (packed to bytes, then their sign bits) */
NM_AVX2 static inline uint64_t nm_tn_mask16h(__m256i m) {
    return (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_packs_epi16(_mm256_castsi256_si128(m),
                                                                 _mm256_extracti128_si256(m, 1)));
}
NM_AVX2 static inline void nm_tn_store16h(int16_t *x, uint64_t lanes, __m256i v) {
    if (lanes == 0xFFFF) {
        _mm256_storeu_si256((__m256i *)x, v);
        return;
    }
    int16_t t[16];
    _mm256_storeu_si256((__m256i *)t, v);
    for (int l = 0; l < 16 && (lanes >> l) & 1; l++)
        x[l] = t[l];
}

NM_AVX2 static int64_t nm_tn_update16h(const nm_tn_t *p, const int16_t *acc, int64_t n0, int64_t n,
                                       const int32_t *pr, int32_t *sp, int64_t *act) {
    NM_TN_BLOCKS16(nm_h16, 16, nm_tn_load16h, nm_tn_mask16h, nm_tn_store16h)
}
#endif

/* Update core k's neurons from p->acc; returns its spikes (listed at sp), its active updates in *act. */
static int64_t nm_tn_update(const nm_tn_t *p, int64_t k, int64_t n0, int64_t n, uint64_t h_ct, int32_t *sp,
                            int64_t *act) {
    if (!p->lanes32)
        return nm_tn_update_s64(p, n0, n, h_ct, sp, act);
#ifdef NM_X86
    if (p->v16_on) {    /* profiles only, no draws (emulator.fused.bit_update16) */
        const int32_t *pr16 = p->profile[p->core_profile[k]];
        return p->simd == NM_LEVEL_AVX512 ? nm_tn_update32h(p, p->acc16, n0, n, pr16, sp, act)
                                          : nm_tn_update16h(p, p->acc16, n0, n, pr16, sp, act);
    }
#endif
    const int draws = p->core_draws[k];
    if (draws)
        nm_tn_draws(p, n0, n, h_ct);
    const int32_t *pr = p->core_profile[k] >= 0 ? p->profile[p->core_profile[k]] : NULL;
#ifdef NM_X86
    if (p->simd == NM_LEVEL_AVX512)
        return nm_tn_update16(p, n0, n, pr, draws, sp, act);
    if (p->simd == NM_LEVEL_AVX2)
        return nm_tn_update8(p, n0, n, pr, draws, sp, act);
#endif
    return nm_tn_update_s32(p, n0, n, pr, draws, sp, act);
}

/* ----- a tick ------------------------------------------------------------------------------------------------ */

static int64_t nm_tn_core(nm_tn_t *p, int64_t k, int64_t tick, const int32_t *alist, int64_t m,
                          const int32_t *ahead, int32_t *sp, int64_t *c) {
    const int64_t n0 = p->noff[k], n = p->noff[k + 1] - n0;
    if (!m && p->quiet[k] && p->all_rest[k]) {
        c[NM_INACT] += n;
        return 0;
    }
    const uint64_t h_ct = nm_core_tick_hash(p->key, k, tick);
    const int64_t syn = nm_tn_input(p, k, h_ct, alist, m, ahead, n);
    int64_t act = 0;
    const int64_t nsp = nm_tn_update(p, k, n0, n, h_ct, sp, &act);
    c[NM_SYN] += syn;
    c[NM_ACT] += act;
    c[NM_INACT] += n - act;
    c[NM_SPK] += nsp;
    p->quiet[k] = act == 0;
    return nsp;
}

/* The slot's set axons of cores k0 .. k1 - 1, core by core, from entry m0 of the lists on: alist gets each core's
   local axons (ascending), lptr[k] its first entry, glist the same axons' global ids (the prefetch targets, padded
   NM_TN_AHEAD entries past the end); the bits are cleared. Returns the end of the range. Each thread of a
   two-thread tick lists its chunks one after the other into its own lists.
   An axon is set when its bit is set in the first thread's bitmap (abits) or in the second's (abits_b, written
   by two-thread ticks only: b_live); one set in both took a spike from each thread, of which the second is a
   dropped duplicate as in one bitmap: their number is added to *dups. */
static int64_t nm_tn_list(nm_tn_t *p, int64_t slot, int64_t k0, int64_t k1, int64_t m0, int64_t *dups) {
    uint64_t *bits = p->abits + slot * p->bit_words;
    uint64_t *bits_b = p->b_live ? p->abits_b + slot * p->bit_words : NULL;
    int64_t m = m0, both = 0;
    for (int64_t k = k0; k < k1; k++) {
        p->lptr[k] = m;
        const int64_t a0 = p->aoff[k];
        for (int64_t wi = p->abase[k]; wi < p->abase[k + 1]; wi++) {
            uint64_t x = bits[wi];
            if (bits_b && bits_b[wi]) {
                const uint64_t twice = x & bits_b[wi];
                if (twice)      /* rare (and popcount a call on this file's baseline target) */
                    both += __builtin_popcountll(twice);
                x |= bits_b[wi];
                bits_b[wi] = 0;
            }
            if (!x)
                continue;
            bits[wi] = 0;
            const int64_t l0 = (wi - p->abase[k]) * 64;
            for (; x; x &= x - 1) {
                const int32_t l = (int32_t)(l0 + __builtin_ctzll(x));
                p->alist[m] = l;
                p->glist[m++] = (int32_t)(a0 + l);
                /* no prefetch of the row here: a thread's ~10 k rows a tick fill the miss queue and the listing
                   waits on it (42 % of its samples on the prefetch); the integration's NM_TN_AHEAD ones suffice
                   (measured, benchmarks/README.md) */
            }
        }
    }
    for (int64_t j = 0; j < NM_TN_AHEAD; j++)   /* the prefetches run past the end onto the first rows */
        p->glist[m + j] = m > m0 ? p->glist[m0 + (j < m - m0 ? j : 0)] : 0;
    for (int64_t j = 0; j < NM_TN_AHEAD && m0 + j < m; j++)
        __builtin_prefetch(p->words + (int64_t)p->glist[m0 + j] * p->n_words, 0, 3);
    *dups += both;
    return m;
}

/* Cores k0 .. k1 - 1 of the tick, their axons listed (nm_tn_list; `end`: the end of their entries), integrated
   and updated core by core; spikes at sp, in order, each one's core at spc. Returns the number of spikes. */
static int64_t nm_tn_run(nm_tn_t *p, int64_t k0, int64_t k1, int64_t end, int64_t tick, int32_t *sp,
                         int32_t *spc, int64_t *ctr) {
    int64_t nsp = 0;
    for (int64_t k = k0; k < k1; k++) {
        const int64_t q = p->lptr[k], q1 = k + 1 < k1 ? p->lptr[k + 1] : end;
        const int64_t c = nm_tn_core(p, k, tick, p->alist + q, q1 - q, p->glist + q + NM_TN_AHEAD, sp + nsp,
                                     ctr + k * NM_NEV);
        for (int64_t i = 0; i < c; i++)     /* each spike's core, for its events (nm_tn_schedule_one) */
            spc[nsp + i] = (int32_t)k;
        nsp += c;
    }
    return nsp;
}

/* Every core of the tick on one thread. */
static int64_t nm_tn_cores(nm_tn_t *p, int64_t tick, int32_t *sp, int64_t *ctr, int64_t *dups) {
    const int64_t end = nm_tn_list(p, tick % p->ring, 0, p->n_cores, 0, dups);
    return nm_tn_run(p, 0, p->n_cores, end, tick, sp, p->spc, ctr);
}

/* The spikes sp[0 .. n - 1] of tick `tick` scheduled as the tick's caller asked (sched_mode): with their
   packets' events (one-target chips, timed), or alone (NM_TN_SCHED_PLAIN), or not at all (the caller does). */
static void nm_tn_sched(nm_tn_t *p, int64_t tick, const int32_t *sp, int64_t n) {
    if (!n)
        return;
    if (p->sched_mode == NM_TN_SCHED_ONE)
        nm_tn_schedule_one(p, tick, p->sched_one, sp, p->spc, n, p->sched_e, p->sched_o);
    else if (p->sched_mode == NM_TN_SCHED_PLAIN)
        nm_tn_schedule(p, tick, p->sched_ptr, p->sched_rec, p->sched_one, sp, NULL, n);
}

/* The second thread's part: its share of the cores, with its own scratch, lists and spike list. */
typedef struct {
    nm_tn_t q;
    int64_t tick, nsp, dups;
    int64_t *ctr;
    uint64_t gen;                   /* the tick's generation (the pool's count) ... */
    uint64_t sched_a, sched_b;      /* ... stored by each thread once its spikes are scheduled (atomics) */
    /* the tick's chunks of p->chunk cores, claimed by the two threads from either end (nm_tn_claim): chunks,
       the first thread's count (up) and the second's (down), each written by its thread only, and the claims
       made, an atomic counter both write (alone on its cache line) */
    int64_t n_chunks, up, down;
    _Alignas(64) int64_t taken;
    char pad_[64 - sizeof(int64_t)];
} nm_tn_part_t;

/* Whether both threads of a two-thread tick schedule their own spikes, at once: plain, or with their events
   when the second thread has its own accumulators (timed one-target chips); else (the caller schedules, or no
   accumulators) the first thread schedules them all after the join. */
static int nm_tn_both(const nm_tn_t *p) {
    return p->sched_mode == NM_TN_SCHED_PLAIN ||
           (p->sched_mode == NM_TN_SCHED_ONE && p->ctr_b && p->dlv_b && p->hops_b && p->close);
}

#ifndef NM_TN_SPIN
#define NM_TN_SPIN 4096
#endif

/* Both threads of a tick meet once each has scheduled its spikes (its accumulators complete): store the
   generation in `mine`, wait until `other` holds it (spinning, yielding now and then: a descheduled partner
   gets the core back). */
static void nm_tn_meet(uint64_t *mine, const uint64_t *other, uint64_t g) {
    __atomic_store_n(mine, g, __ATOMIC_RELEASE);
    for (int i = 1; __atomic_load_n(other, __ATOMIC_ACQUIRE) != g; i++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (i % NM_TN_SPIN == 0)
            sched_yield();
    }
}

/* The tick's close over cores k0 .. k1 - 1 and link lines l0 .. l1 - 1 (the lines only when timed) into *o,
   the second thread's accumulators (ctr_b, dlv_b: NULL when it has none) added in. */
static void nm_tn_close(const nm_tn_t *p, int64_t *ctr, int64_t k0, int64_t k1, int64_t l0, int64_t l1,
                        nm_part_t *o) {
    const int b = p->sched_mode == NM_TN_SCHED_ONE && p->ctr_b;
    nm_close_cores(p->close, ctr, b ? p->ctr_b : NULL, b ? p->dlv_b : NULL, k0, k1, o);
    if (p->close->timed)
        nm_close_lines(p->close, ctr + p->n_cores * NM_NEV, b ? p->ctr_b + p->n_cores * NM_NEV : NULL, l0, l1, o);
}

/* The next chunk of a two-thread tick for the first thread (from the bottom: first) or the second (from the
   top), or -1 when every chunk is taken. Each successful claim counts once in `taken`, so the two ranges never
   overlap and meet where the slower thread stopped: the faster thread takes more cores, whichever is faster in
   this tick (a thread of a virtual machine runs up to 2x slower than the other some minutes). */
static int64_t nm_tn_claim(nm_tn_part_t *w, int first, int64_t *mine) {
    if (first && *mine >= w->q.first_max)   /* the tests' cap on the first thread's share */
        return -1;
    if (__atomic_fetch_add(&w->taken, 1, __ATOMIC_RELAXED) >= w->n_chunks)
        return -1;
    return first ? (*mine)++ : w->n_chunks - 1 - (*mine)++;
}

/* One thread's share of a two-thread tick: chunks claimed until none is left, each listed (into this thread's
   lists: one after the other) before the previous one is run, so that the integration's row prefetches run on
   into it. Spikes at sp (each one's core at spc), chunk after chunk; claim_n (or NULL) gets each chunk's spike
   count, in claim order. Returns the number of spikes. */
static int64_t nm_tn_chunks(nm_tn_t *p, nm_tn_part_t *w, int first, int64_t tick, int32_t *sp, int32_t *spc,
                            int64_t *claim_n, int64_t *ctr, int64_t *dups) {
    const int64_t slot = tick % p->ring, size = p->chunk;
    int64_t mine = 0;   /* this thread's claims (in a register: w's line is the other thread's too) */
    int64_t c = nm_tn_claim(w, first, &mine), nsp = 0, j = 0;
    int64_t end = c < 0 ? 0 : nm_tn_list(p, slot, c * size, nm_tn_min(p->n_cores, (c + 1) * size), 0, dups);
    while (c >= 0) {
        const int64_t k0 = c * size, k1 = nm_tn_min(p->n_cores, k0 + size);
        const int64_t next = nm_tn_claim(w, first, &mine);
        const int64_t end_c = end;
        if (next >= 0)
            end = nm_tn_list(p, slot, next * size, nm_tn_min(p->n_cores, (next + 1) * size), end_c, dups);
        const int64_t n = nm_tn_run(p, k0, k1, end_c, tick, sp + nsp, spc + nsp, ctr);
        if (claim_n)
            claim_n[j++] = n;
        nsp += n;
        c = next;
    }
    *(first ? &w->up : &w->down) = mine;
    return nsp;
}

/* The second thread's share (nm_tn_chunks from the top), then (nm_tn_both) its spikes: scheduled into its own
   bitmap (abits_b) with its own duplicate counts (dup_b), so that neither thread writes a word the other writes
   (no atomics). With their events, into its own accumulators: its source cores are its own, so the longest
   routes it writes are its cores' (nobody else's); its packets and hops per core, deliveries, route grids and
   hop histogram are its copies. Then, once the first thread has scheduled too (nm_tn_meet), it closes its
   cores (from the first core it ran: `low`) and its half of the link lines, adding its copies in
   (nm_tn_close); the duplicates and the histogram are added after the join (nm_tn_merge). */
static void nm_tn_part(nm_tn_part_t *w) {
    nm_tn_t *q = &w->q;
    w->nsp = nm_tn_chunks(q, w, 0, w->tick, q->sp2, q->spc, q->claim_n, w->ctr, &w->dups);
    const int64_t low = nm_tn_min(q->n_cores, (w->n_chunks - w->down) * q->chunk);
    if (!nm_tn_both(q))
        return;
    q->abits = q->abits_b;
    q->dup = q->dup_b;
    if (q->sched_mode == NM_TN_SCHED_PLAIN) {
        nm_tn_sched(q, w->tick, q->sp2, w->nsp);
    } else {
        nm_events_t e = *q->sched_e;
        nm_one_t o = *q->sched_o;
        e.ctr = q->ctr_b;
        e.dlv = q->dlv_b;
        if (o.off)
            o.off = q->hops_b + (o.off - o.hops);
        o.hops = o.hops ? q->hops_b : NULL;
        nm_tn_schedule_one(q, w->tick, q->sched_one, q->sp2, q->spc, w->nsp, &e, &o);
    }
    if (q->close) {
        nm_tn_meet(&w->sched_b, &w->sched_a, w->gen);
        nm_tn_close(q, w->ctr, low, q->n_cores, nm_close_lines_n(q->close) / 2, nm_close_lines_n(q->close),
                    q->parts + 1);
    }
}

/* The second thread's duplicates per slot and (with events) hop histogram added to the shared ones, and zeroed
   for the next tick (its packets, deliveries and route grids are added in by the close: nm_tn_close). */
static void nm_tn_merge(nm_tn_t *p) {
    for (int d = 0; d < p->ring; d++) {
        p->dup[d] += p->dup_b[d];
        p->dup_b[d] = 0;
    }
    int64_t *hops = p->sched_mode == NM_TN_SCHED_ONE ? p->sched_o->hops : NULL;
    for (int64_t i = 0; hops && i < p->hops_n; i++) {
        hops[i] += p->hops_b[i];
        p->hops_b[i] = 0;
    }
}

/* The persistent second thread: created once (the first two-thread tick), woken per tick by a generation count
   (spinning NM_TN_SPIN rounds first, as the next tick usually follows within microseconds, then sleeping on a
   condition variable, so an idle kernel costs no CPU), joined by nm_tn_pool_stop. `pid`: the creating process
   (a forked child has no such thread and starts its own). Nothing is allocated per tick. */
typedef struct {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    uint64_t gen, done;             /* ticks posted / finished (atomics; written under mu) */
    int stop, sleeping, waiting;    /* under mu: quit; the worker / the tick's thread sleeps on its condition */
    pid_t pid;
    nm_tn_part_t w;                 /* the posted tick */
} nm_tn_pool_t;

static inline void nm_tn_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* Spin up to NM_TN_SPIN rounds until *x differs from `old` (want_diff) or equals it (!want_diff). */
static inline uint64_t nm_tn_spin(const uint64_t *x, uint64_t old, int want_diff) {
    uint64_t v = __atomic_load_n(x, __ATOMIC_ACQUIRE);
    for (int i = 0; i < NM_TN_SPIN && (v != old) != want_diff; i++) {
        nm_tn_relax();
        v = __atomic_load_n(x, __ATOMIC_ACQUIRE);
    }
    return v;
}

static void *nm_tn_pool_main(void *arg) {
    nm_tn_pool_t *t = (nm_tn_pool_t *)arg;
    uint64_t seen = 0;
#ifdef __linux__
    pthread_setname_np(pthread_self(), "neuromesh-tn");    /* as `top -H` and the tests see it */
#endif
    for (;;) {
        uint64_t g = nm_tn_spin(&t->gen, seen, 1);
        pthread_mutex_lock(&t->mu);
        while ((g = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE)) == seen) {
            t->sleeping = 1;
            pthread_cond_wait(&t->cv_work, &t->mu);
        }
        t->sleeping = 0;
        const int stop = t->stop;
        pthread_mutex_unlock(&t->mu);
        seen = g;
        if (stop)
            return NULL;
        nm_tn_part(&t->w);
        pthread_mutex_lock(&t->mu);
        __atomic_store_n(&t->done, g, __ATOMIC_RELEASE);
        if (t->waiting)
            pthread_cond_signal(&t->cv_done);
        pthread_mutex_unlock(&t->mu);
    }
}

/* The kernel's pool, started if it has none (NULL if no thread can be made: the tick runs on one). */
static nm_tn_pool_t *nm_tn_pool(nm_tn_t *p) {
    nm_tn_pool_t *t = (nm_tn_pool_t *)p->pool;
    if (t && t->pid == getpid())
        return t;
    p->pool = NULL;     /* a forked child's copy: the thread is not in this process (its memory leaks, once) */
    t = (nm_tn_pool_t *)calloc(1, sizeof(nm_tn_pool_t));
    if (!t)
        return NULL;
    t->pid = getpid();
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv_work, NULL);
    pthread_cond_init(&t->cv_done, NULL);
    if (pthread_create(&t->th, NULL, nm_tn_pool_main, t) != 0) {
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv_work);
        pthread_cond_destroy(&t->cv_done);
        free(t);
        return NULL;
    }
    p->pool = t;
    return t;
}

static void nm_tn_post(nm_tn_pool_t *t, int stop) {
    pthread_mutex_lock(&t->mu);
    t->stop = stop;
    __atomic_store_n(&t->gen, t->gen + 1, __ATOMIC_RELEASE);
    if (t->sleeping)
        pthread_cond_signal(&t->cv_work);
    pthread_mutex_unlock(&t->mu);
}

static void nm_tn_wait(nm_tn_pool_t *t) {
    const uint64_t g = t->gen;
    if (nm_tn_spin(&t->done, g, 0) == g)
        return;
    pthread_mutex_lock(&t->mu);
    while (__atomic_load_n(&t->done, __ATOMIC_ACQUIRE) != g) {
        t->waiting = 1;
        pthread_cond_wait(&t->cv_done, &t->mu);
    }
    t->waiting = 0;
    pthread_mutex_unlock(&t->mu);
}

void nm_tn_pool_stop(nm_tn_t *p) {
    nm_tn_pool_t *t = (nm_tn_pool_t *)p->pool;
    p->pool = NULL;
    if (!t || t->pid != getpid())
        return;
    nm_tn_post(t, 1);
    pthread_join(t->th, NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv_work);
    pthread_cond_destroy(&t->cv_done);
    free(t);
}

int64_t nm_tn_tick(nm_tn_t *p, int64_t tick, int32_t *sp, int64_t *ctr, int64_t *dups) {
    const int64_t slot = tick % p->ring;
    *dups += p->dup[slot];
    p->dup[slot] = 0;
    nm_tn_pool_t *t = p->threads > 1 && p->n_cores > 1 ? nm_tn_pool(p) : NULL;
    if (t) {
        /* two threads over disjoint cores, claimed chunk by chunk from either end (nm_tn_claim): each lists and
           runs its own cores, writing only their registers, counts and quiet flags, and its own spike list; the
           spikes set bits of the next slots only, which neither thread's cores read this tick. Each thread then
           schedules its own spikes (nm_tn_both), into its own bitmap, the second thread's duplicates and events
           into its own accumulators, and closes its cores and half of the link lines once both have scheduled
           (the counts are sums and the parts combine by max, min and first-of-equal: the totals and culprits
           are the one-thread ones whatever the interleaving). Otherwise the first thread schedules them all
           after the join, in core order, and closes the tick. */
        const int both = nm_tn_both(p);
        p->b_live |= both;
        nm_tn_part_t *w = &t->w;
        w->q = *p;
        w->q.acc = p->acc2;
        w->q.eta = p->eta2;
        w->q.rl = p->rl2;
        w->q.acc16 = p->acc16b;
        w->q.spc = p->spc2;
        w->q.alist = p->alist2;
        w->q.glist = p->glist2;
        w->tick = tick;
        w->ctr = ctr;
        w->nsp = w->dups = 0;
        w->taken = w->up = w->down = 0;
        w->n_chunks = (p->n_cores + p->chunk - 1) / p->chunk;
        w->gen = t->gen + 1;        /* the generation nm_tn_post gives the tick */
        nm_tn_post(t, 0);
        const int64_t nsp = nm_tn_chunks(p, w, 1, tick, sp, p->spc, NULL, ctr, dups);
        const int64_t high = nm_tn_min(p->n_cores, w->up * p->chunk);     /* the cores this thread ran */
        if (both) {
            nm_tn_sched(p, tick, sp, nsp);
            if (p->close) {     /* each closes its cores once both have scheduled */
                nm_tn_meet(&w->sched_a, &w->sched_b, w->gen);
                nm_tn_close(p, ctr, 0, high, 0, nm_close_lines_n(p->close) / 2, p->parts);
            }
        }
        nm_tn_wait(t);
        *dups += w->dups;
        /* the second thread's spikes in core order after this thread's: its chunks, last claimed first */
        int64_t pos = nsp, start = w->nsp;
        for (int64_t j = w->down - 1; j >= 0; j--) {
            start -= p->claim_n[j];
            memcpy(sp + pos, p->sp2 + start, (size_t)p->claim_n[j] * sizeof(int32_t));
            if (!both)
                memcpy(p->spc + pos, p->spc2 + start, (size_t)p->claim_n[j] * sizeof(int32_t));
            pos += p->claim_n[j];
        }
        if (both) {
            nm_tn_merge(p);
            if (p->close)
                nm_part_add(p->parts, p->parts + 1);
        } else {
            nm_tn_sched(p, tick, sp, nsp + w->nsp);
            if (p->close)
                nm_tn_close(p, ctr, 0, p->n_cores, 0, nm_close_lines_n(p->close), p->parts);
        }
        p->second_cores += p->n_cores - high;
        return nsp + w->nsp;
    }
    const int64_t nsp = nm_tn_cores(p, tick, sp, ctr, dups);
    nm_tn_sched(p, tick, sp, nsp);
    if (p->close)
        nm_tn_close(p, ctr, 0, p->n_cores, 0, nm_close_lines_n(p->close), p->parts);
    return nsp;
}

void nm_tn_load(nm_tn_t *p) {
    /* the int16 update while every value lies in the range the rule keeps it in (it may have been written from
       outside between calls) */
    p->v16_on = p->upd16 && p->v16 && p->simd != NM_LEVEL_SCALAR;
    for (int64_t i = 0; p->v16_on && i < p->n_neurons; i++)
        p->v16_on = p->v64[i] >= p->v16_lo && p->v64[i] <= p->v16_hi;
    for (int64_t i = 0; p->v16_on && i < p->n_neurons; i++)
        p->v16[i] = (int16_t)p->v64[i];
    for (int64_t i = 0; !p->v16_on && p->lanes32 && i < p->n_neurons; i++)
        p->v32[i] = (int32_t)p->v64[i];
    memset(p->quiet, 0, (size_t)p->n_cores);   /* the register may have been written between calls */
}

void nm_tn_store(nm_tn_t *p) {
    for (int64_t i = 0; p->v16_on && i < p->n_neurons; i++)
        p->v64[i] = p->v16[i];
    for (int64_t i = 0; !p->v16_on && p->lanes32 && i < p->n_neurons; i++)
        p->v64[i] = p->v32[i];
}
