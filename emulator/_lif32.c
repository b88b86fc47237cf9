/* The Loihi LIF rules of cores/nm_rules.h in 32-bit lanes, for chips whose registers and inputs fit:
 * emulator.fused.FusedPlan checks the bounds below before choosing it, else the fused kernel keeps the int64
 * rules of _lif_batch.c. Three named paths, every one callable whatever the CPU's best (nm_lif32_t.simd), all
 * the same rule functions over different lanes:
 *   - "avx512": sixteen neurons per instruction (nm_v16), one core at a time, so that each core's counts
 *     (syn-ops, active updates, spikes) come out of the registers and the spike list out of one
 *     compress-store;
 *   - "avx2": the same per-core loop with eight lanes (nm_v8); spikes listed through a permutation table;
 *   - "scalar": one branch-free pass over the chip (nm_s32; vectorised by the compiler for the baseline), then
 *     each core's counts and spikes from its flags, eight neurons a word.
 *
 * Exact in 32 bits when (checked by the plan, and per run for the state and input counts):
 *   - accumulator: |summed weight| < 2**(31 - cnt_bits) and fewer than 2**cnt_bits events per neuron and tick;
 *   - decay: trunc(x * k / 2**D) by the split (|x| >> D) * k + ((|x| & (2**D - 1)) * k >> D), D <= 15,
 *     k <= 2**D, |x| < 2**29: both products fit;
 *   - current: with wrap, the sum decay(u) + drive is needed only modulo 2h_u, which 32-bit modular arithmetic
 *     keeps (2h_u divides 2**32); with saturation, |drive| < 2**30 (plan bound) so the sum is exact;
 *   - voltage: |decay(v)| < 2**29, |u| <= h_u <= 2**29, |bias| < 2**28: the sum fits.
 * Quiet cores: a core whose last update was inactive throughout has u = v = 0 and no bias in every neuron
 * (a bias would have made v non-zero); with no input either, its update changes nothing, so the vector paths
 * skip it and count inactive updates after one look at its accumulators: an idle core costs a scan, not an
 * update (the flags are cleared whenever the state may have changed outside the kernel; the scalar path keeps
 * them current but updates every core, with the same result).
 * Silicon refractory is not here (the fused kernel runs the scalar int64 rules then).
 */
#include "_lif32.h"
#include "_events.h"
#include "nm_lanes_x86.h"
#include <string.h>

static void nm_lif32_cfg(const nm_lif32_t *p, nm_s32_cfg *c) {
    NM_CFG_FILL(nm_s32, c, p->decay_bits, p->input_shift, p->h_u, p->h_v, p->u_wrap, p->v_wrap);
}

static void nm_lif32_count(int64_t *ctr, int64_t k, int64_t n, int64_t syn, int64_t act, int64_t spikes) {
    int64_t *c = ctr + k * NM_NEV;
    c[NM_SYN] += syn;
    c[NM_ACT] += act;
    c[NM_INACT] += n - act;
    c[NM_SPK] += spikes;
}

/* ----- scalar ------------------------------------------------------------------------------------------ */

/* Every neuron of the chip in one long branch-free loop (per-core loops of a few dozen neurons would spend
   their time in loop tails): flags[i] gets bit 0 spike, bit 1 active, syn[i] the syn-ops. */
static void nm_lif32_all(const nm_lif32_t *p, int64_t n, int32_t *restrict acc, int32_t *restrict u,
                         int32_t *restrict v, uint8_t *restrict flags, int32_t *restrict syn) {
    nm_s32_cfg c;
    nm_lif32_cfg(p, &c);
    const int cb = p->cnt_bits;
    const int32_t cmask = (int32_t)((1u << cb) - 1);
    const int32_t *restrict k_u = p->k_u, *restrict k_v = p->k_v, *restrict vth = p->vth, *restrict bias = p->bias;
    const int8_t *restrict wexp = p->wexp;
    for (int64_t i = 0; i < n; i++) {
        const int32_t a = acc[i];
        acc[i] = 0;
        syn[i] = a & cmask;
        const int32_t inp = a >> cb;
        const int32_t u0 = u[i], v0 = v[i];
        const int32_t un = nm_s32_current(u0, k_u[i], nm_s32_drive(inp, wexp[i], &c), &c);
        int32_t vn = nm_s32_voltage(v0, k_v[i], un, bias[i], &c);
        const int s = nm_s32_fire(&vn, vth[i], 0);
        u[i] = un;
        v[i] = vn;
        flags[i] = (uint8_t)(s | (nm_s32_active(s, u0, v0, inp, vn) << 1));
    }
}

/* One vectorised pass over the chip, then each core's counts and spikes from the flags, eight neurons a word.
   Quiet cores are updated too (their update changes nothing); their flags are kept current. */
static int64_t nm_lif32_scalar(const nm_lif32_t *p, int64_t n_cores, const int64_t *noff, int32_t *acc, int32_t *u,
                               int32_t *v, int32_t *sp, int64_t *ctr) {
    const uint64_t ones = 0x0101010101010101ULL;
    const uint8_t *flags = p->flags;
    nm_lif32_all(p, noff[n_cores], acc, u, v, p->flags, p->syn);
    int64_t nsp = 0;
    for (int64_t k = 0; k < n_cores; k++) {
        const int64_t n0 = noff[k], n1 = noff[k + 1];
        int64_t syn = 0, act = 0, nsp0 = nsp, i = n0;
        for (; i + 8 <= n1; i += 8) {
            uint64_t w;
            memcpy(&w, flags + i, 8);
            act += (int64_t)((((w >> 1) & ones) * ones) >> 56);   /* bytewise sum of the active bits */
            for (uint64_t sb = w & ones; sb; sb &= sb - 1)
                sp[nsp++] = (int32_t)(i + (__builtin_ctzll(sb) >> 3));
            for (int j = 0; j < 8; j++)
                syn += p->syn[i + j];
        }
        for (; i < n1; i++) {
            act += flags[i] >> 1;
            if (flags[i] & 1)
                sp[nsp++] = (int32_t)i;
            syn += p->syn[i];
        }
        nm_lif32_count(ctr, k, n1 - n0, syn, act, nsp - nsp0);
        p->quiet[k] = act == 0;
    }
    return nsp;
}

#ifdef NM_X86
/* ----- the per-core vector loop, once for both widths ----------------------------------------------------
 *
 * BLOCK(p, c, i, n1, ku, kv, vth, bias, e, e1, acc, u, v, sp, &syn, &act) updates the lanes i .. min(i + W,
 * n1) - 1 (parameters ku .. e as vectors: per neuron, or one profile broadcast; e1 the profile's weight
 * exponent, or NM_PER_LANE), adds to the per-lane syn-op sums and *act, lists the spiking neurons at sp and
 * returns how many. QUIET(acc, n0, n1) is true when a core's accumulators are all 0. */
#define NM_PER_LANE (-1000)
#define NM_LIF32_CORES(W, SYN_T, SYN_ZERO, SYN_SUM, LOADV, LOADE, SET1, QUIET, BLOCK)                       \
    int64_t nsp = 0;                                                                                      \
    for (int64_t k = 0; k < n_cores; k++) {                                                               \
        const int64_t n0 = noff[k], n1 = noff[k + 1];                                                     \
        if (p->quiet[k] && QUIET(acc, n0, n1)) {                                                          \
            ctr[k * NM_NEV + NM_INACT] += n1 - n0;                                                        \
            continue;                                                                                     \
        }                                                                                                 \
        int64_t act = 0, nsp0 = nsp;                                                                      \
        SYN_T syn = SYN_ZERO; /* per-lane syn-op sums: below 2**cnt_bits per neuron, a core's lanes fit */ \
        const int32_t pk = p->core_profile[k];                                                            \
        if (pk >= 0) {                                                                                    \
            const int32_t *pr = p->profile[pk];                                                           \
            for (int64_t i = n0; i < n1; i += W)                                                          \
                nsp += BLOCK(p, &c, i, n1, SET1(pr[0]), SET1(pr[1]), SET1(pr[2]), SET1(pr[3]), SET1(pr[4]), \
                             pr[4], acc, u, v, sp + nsp, &syn, &act);                                     \
        } else {                                                                                          \
            for (int64_t i = n0; i < n1; i += W)                                                          \
                nsp += BLOCK(p, &c, i, n1, LOADV(p->k_u + i), LOADV(p->k_v + i), LOADV(p->vth + i),        \
                             LOADV(p->bias + i), LOADE(p->wexp + i), NM_PER_LANE, acc, u, v, sp + nsp, &syn, \
                             &act);                                                                       \
        }                                                                                                 \
        nm_lif32_count(ctr, k, n1 - n0, SYN_SUM(syn), act, nsp - nsp0);                                   \
        p->quiet[k] = act == 0;                                                                           \
    }                                                                                                     \
    return nsp;

/* ----- AVX2: eight lanes -------------------------------------------------------------------------------- */

/* For each 8-bit spike mask, the lanes of its set bits in order, one byte each (a compress by permutation). */
static uint64_t nm_compress8[256];

static void nm_compress8_init(void) {
    for (int m = 0; m < 256; m++) {
        uint64_t t = 0;
        int j = 0;
        for (int b = 0; b < 8; b++)
            if (m >> b & 1)
                t |= (uint64_t)b << (8 * j++);
        nm_compress8[m] = t;
    }
}

NM_AVX2 static inline __m256i nm_v8_load(const int32_t *x) { return _mm256_loadu_si256((const __m256i *)x); }
NM_AVX2 static inline __m256i nm_v8_load_e(const int8_t *x) {
    return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)x));
}
/* lanes i .. n1 - 1 of the block starting at i (vector mask) */
NM_AVX2 static inline __m256i nm_v8_lanes(int64_t i, int64_t n1) {
    const int64_t r = n1 - i;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)(r < 8 ? r : 8)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
NM_AVX2 static inline int64_t nm_v8_sum(__m256i x) {
    const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
    const __m128i t = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    return (int64_t)_mm_cvtsi128_si32(_mm_add_epi32(t, _mm_shuffle_epi32(t, 0xB1)));
}
NM_AVX2 static inline int nm_v8_quiet(const int32_t *acc, int64_t n0, int64_t n1) {
    __m256i any = _mm256_setzero_si256();
    for (int64_t i = n0; i < n1; i += 8)
        any = _mm256_or_si256(any, _mm256_and_si256(nm_v8_load(acc + i), nm_v8_lanes(i, n1)));
    return _mm256_testz_si256(any, any);
}
/* Stores only lanes m: the other lanes write back what they held (a masked store is slow on AMD), which the
   next core, not yet updated, finds unchanged. */
NM_AVX2 static inline void nm_v8_store(int32_t *x, __m256i m, __m256i new, __m256i old) {
    _mm256_storeu_si256((__m256i *)x, _mm256_blendv_epi8(old, new, m));
}

NM_AVX2 static inline int nm_block8(const nm_lif32_t *p, const nm_v8_cfg *c, int64_t i, int64_t n1, __m256i ku,
                                    __m256i kv, __m256i vth, __m256i bias, __m256i e, int e1, int32_t *acc,
                                    int32_t *u, int32_t *v, int32_t *sp, __m256i *syn, int64_t *act) {
    const __m256i m = nm_v8_lanes(i, n1), zero = _mm256_setzero_si256();
    const __m256i a = nm_v8_load(acc + i);
    nm_v8_store(acc + i, m, zero, a);
    *syn = _mm256_add_epi32(*syn, _mm256_and_si256(_mm256_and_si256(a, nm_v8_set1((1u << p->cnt_bits) - 1)), m));
    const __m256i inp = _mm256_srai_epi32(a, p->cnt_bits);
    const __m256i drive = e1 == NM_PER_LANE ? nm_v8_drive(inp, e, c) : nm_v8_drive1(inp, e1, c);
    const __m256i u0 = nm_v8_load(u + i), v0 = nm_v8_load(v + i);
    const __m256i un = nm_v8_current(u0, ku, drive, c);
    __m256i vn = nm_v8_voltage(v0, kv, un, bias, c);
    const __m256i s = _mm256_and_si256(nm_v8_fire(&vn, vth, nm_v8_mfalse()), m);
    nm_v8_store(u + i, m, un, u0);
    nm_v8_store(v + i, m, vn, v0);
    const __m256i active = _mm256_and_si256(nm_v8_active(s, u0, v0, inp, vn), m);
    *act += __builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(active)));
    /* unconditionally, as the AVX-512 compress-store: a branch on "any spike" would be mispredicted; the
       store's lanes past the spikes are overwritten by the next block (sp has 16 entries of padding) */
    const int bits = _mm256_movemask_ps(_mm256_castsi256_ps(s));
    const __m256i idx = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)nm_compress8[bits]));
    _mm256_storeu_si256((__m256i *)sp, _mm256_add_epi32(_mm256_permutevar8x32_epi32(
        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), idx), _mm256_set1_epi32((int32_t)i)));
    return __builtin_popcount((unsigned)bits);
}

NM_AVX2 static int64_t nm_lif32_avx2(const nm_lif32_t *p, int64_t n_cores, const int64_t *noff, int32_t *acc,
                                     int32_t *u, int32_t *v, int32_t *sp, int64_t *ctr) {
    if (!nm_compress8[255])
        nm_compress8_init();
    nm_v8_cfg c;
    NM_CFG_FILL(nm_v8, &c, p->decay_bits, p->input_shift, p->h_u, p->h_v, p->u_wrap, p->v_wrap);
    NM_LIF32_CORES(8, __m256i, _mm256_setzero_si256(), nm_v8_sum, nm_v8_load, nm_v8_load_e, nm_v8_set1,
                   nm_v8_quiet, nm_block8)
}

/* ----- AVX-512: sixteen lanes --------------------------------------------------------------------------- */

NM_AVX512 static inline __m512i nm_v16_load(const int32_t *x) { return _mm512_loadu_si512((const void *)x); }
NM_AVX512 static inline __m512i nm_v16_load_e(const int8_t *x) {
    return _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)x));
}
NM_AVX512 static inline __mmask16 nm_v16_lanes(int64_t i, int64_t n1) {
    return n1 - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n1 - i)) - 1);
}
NM_AVX512 static inline int64_t nm_v16_sum(__m512i x) { return _mm512_reduce_add_epi32(x); }
NM_AVX512 static inline int nm_v16_quiet(const int32_t *acc, int64_t n0, int64_t n1) {
    __m512i any = _mm512_setzero_si512();
    for (int64_t i = n0; i < n1; i += 16)
        any = _mm512_or_si512(any, _mm512_maskz_loadu_epi32(nm_v16_lanes(i, n1), acc + i));
    return !_mm512_test_epi32_mask(any, any);
}

NM_AVX512 static inline int nm_block16(const nm_lif32_t *p, const nm_v16_cfg *c, int64_t i, int64_t n1,
                                       __m512i ku, __m512i kv, __m512i vth, __m512i bias, __m512i e, int e1,
                                       int32_t *acc, int32_t *u, int32_t *v, int32_t *sp, __m512i *syn,
                                       int64_t *act) {
    const __mmask16 m = nm_v16_lanes(i, n1);
    /* the loads may read the next core's lanes (or the padding); only lanes m are stored */
    const __m512i a = nm_v16_load(acc + i);
    _mm512_mask_storeu_epi32(acc + i, m, _mm512_setzero_si512());
    *syn = _mm512_mask_add_epi32(*syn, m, *syn, _mm512_and_si512(a, nm_v16_set1((1u << p->cnt_bits) - 1)));
    const __m512i inp = _mm512_srai_epi32(a, p->cnt_bits);
    const __m512i drive = e1 == NM_PER_LANE ? nm_v16_drive(inp, e, c) : nm_v16_drive1(inp, e1, c);
    const __m512i u0 = nm_v16_load(u + i), v0 = nm_v16_load(v + i);
    const __m512i un = nm_v16_current(u0, ku, drive, c);
    __m512i vn = nm_v16_voltage(v0, kv, un, bias, c);
    const __mmask16 s = (__mmask16)(nm_v16_fire(&vn, vth, nm_v16_mfalse()) & m);
    _mm512_mask_storeu_epi32(u + i, m, un);
    _mm512_mask_storeu_epi32(v + i, m, vn);
    *act += __builtin_popcount((unsigned)(nm_v16_active(s, u0, v0, inp, vn) & m));
    /* unconditionally: a branch on "any spike" (a third of the blocks) would be mispredicted. Compressed in a
       register and stored whole (a compress straight to memory is microcoded on AMD Zen 4); the lanes past
       the spikes are overwritten by the next block (sp has 16 entries of padding). */
    _mm512_storeu_si512((void *)sp, _mm512_maskz_compress_epi32(s, _mm512_add_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32((int32_t)i))));
    return __builtin_popcount((unsigned)s);
}

NM_AVX512 static int64_t nm_lif32_avx512(const nm_lif32_t *p, int64_t n_cores, const int64_t *noff, int32_t *acc,
                                         int32_t *u, int32_t *v, int32_t *sp, int64_t *ctr) {
    nm_v16_cfg c;
    NM_CFG_FILL(nm_v16, &c, p->decay_bits, p->input_shift, p->h_u, p->h_v, p->u_wrap, p->v_wrap);
    NM_LIF32_CORES(16, __m512i, _mm512_setzero_si512(), nm_v16_sum, nm_v16_load, nm_v16_load_e, nm_v16_set1,
                   nm_v16_quiet, nm_block16)
}
#endif

int64_t nm_lif32_cores(const nm_lif32_t *p, int64_t n_cores, const int64_t *noff, int32_t *acc, int32_t *u,
                       int32_t *v, int32_t *sp, int64_t *ctr) {
#ifdef NM_X86
    if (p->simd == NM_LEVEL_AVX512)
        return nm_lif32_avx512(p, n_cores, noff, acc, u, v, sp, ctr);
    if (p->simd == NM_LEVEL_AVX2)
        return nm_lif32_avx2(p, n_cores, noff, acc, u, v, sp, ctr);
#endif
    return nm_lif32_scalar(p, n_cores, noff, acc, u, v, sp, ctr);
}
