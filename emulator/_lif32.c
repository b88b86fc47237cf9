/* The Loihi LIF rules of cores/_lif.pxd in 32-bit arithmetic, for chips whose registers and inputs fit:
 * emulator.fused.FusedPlan checks the bounds below before choosing it, else the fused kernel keeps the int64
 * rules of _lif_batch.c. Sixteen neurons per AVX-512 instruction, one core at a time, so that each core's
 * counts (syn-ops, active updates, spikes) come out of the registers and the spike list out of one
 * compress-store; elsewhere a branch-free loop with the same arithmetic (vectorised by the compiler for AVX2
 * CPUs) and a scan of its flags. Both are tested equal to the shared rules.
 *
 * Exact in 32 bits when (checked by the plan, and per run for the state and input counts):
 *   - accumulator: |summed weight| < 2**(31 - cnt_bits) and fewer than 2**cnt_bits events per neuron and tick;
 *   - decay: trunc(x * k / 2**D) by the split (|x| >> D) * k + ((|x| & (2**D - 1)) * k >> D), D <= 15,
 *     k <= 2**D, |x| < 2**29: both products fit;
 *   - current: with wrap, the sum decay(u) + drive is needed only modulo 2h_u, which 32-bit modular arithmetic
 *     keeps (2h_u divides 2**32); with saturation, |drive| < 2**30 (plan bound) so the sum is exact;
 *   - voltage: |decay(v)| < 2**29, |u| <= h_u <= 2**29, |bias| < 2**28: the sum fits.
 * Quiet cores: a core whose last update was inactive throughout has u = v = 0 and no bias in every neuron
 * (a bias would have made v non-zero); with no input either, its update changes nothing, so the AVX-512
 * version skips it and counts inactive updates after one look at its accumulators: an idle core costs a scan,
 * not an update (the flags are cleared whenever the state may have changed outside the kernel; the scalar
 * version keeps them current but updates every core, with the same result).
 * Silicon refractory is not here (the fused kernel runs the scalar int64 rules then).
 */
#include "_lif32.h"
#include "_events.h"
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define NM_HAVE_AVX512 1
#include <immintrin.h>
#endif

/* ----- scalar: modular arithmetic in uint32 where the rules wrap (signed overflow is undefined in C) ----- */

static inline int32_t s_shift(int32_t x, int e) {
    /* x * 2**e (modulo 2**32) for e >= 0, else x >> -e (floor) */
    return e >= 0 ? (int32_t)((uint32_t)x << e) : x >> -e;
}

static inline int32_t s_decay(int32_t x, int32_t k, int d) {
    int32_t a = x < 0 ? -x : x;
    int32_t mag = (a >> d) * k + (((a & ((1 << d) - 1)) * k) >> d);
    return x < 0 ? -mag : mag;
}

static inline int32_t s_ovf(int32_t x, int32_t h, int wrap) {
    if (wrap)
        return (int32_t)((((uint32_t)x + (uint32_t)(h - 1)) & (uint32_t)(2 * (uint32_t)h - 1)) - (uint32_t)(h - 1));
    return x > h - 1 ? h - 1 : (x < 1 - h ? 1 - h : x);
}

/* Every neuron of the chip, branch-free with per-neuron parameters so that the compiler vectorises it in one
   long loop (AVX2 clone; per-core loops of a few dozen neurons would spend their time in loop tails): flags[i]
   gets bit 0 spike, bit 1 active, syn[i] the syn-ops. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
static void nm_lif32_all(const nm_lif32_t *p, int64_t n, int32_t *restrict acc, int32_t *restrict u,
                         int32_t *restrict v, uint8_t *restrict flags, int32_t *restrict syn) {
    const int d = p->decay_bits, cb = p->cnt_bits, ishift = p->input_shift, uw = p->u_wrap, vw = p->v_wrap;
    const int32_t cmask = (int32_t)((1u << cb) - 1), h_u = p->h_u, h_v = p->h_v;
    const int32_t *restrict k_u = p->k_u, *restrict k_v = p->k_v, *restrict vth = p->vth, *restrict bias = p->bias;
    const int8_t *restrict wexp = p->wexp;
    for (int64_t i = 0; i < n; i++) {
        const int32_t a = acc[i];
        acc[i] = 0;
        syn[i] = a & cmask;
        const int32_t inp = a >> cb;
        const int32_t drive = s_shift(s_shift(inp, wexp[i]), ishift);
        const int32_t u0 = u[i], v0 = v[i];
        const int32_t un = s_ovf((int32_t)((uint32_t)s_decay(u0, k_u[i], d) + (uint32_t)drive), h_u, uw);
        int32_t vn = s_ovf(s_decay(v0, k_v[i], d) + un + bias[i], h_v, vw);
        const int s = vn > vth[i];
        vn = s ? 0 : vn;
        u[i] = un;
        v[i] = vn;
        flags[i] = (uint8_t)(s | (((s | u0 | v0 | inp | vn) != 0) << 1));
    }
}

/* Without AVX-512: one vectorised pass over the chip, then each core's counts and spikes from the flags, eight
   neurons a word. Quiet cores are updated too (their update changes nothing); their flags are kept current. */
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
        int64_t *c = ctr + k * NM_NEV;
        c[NM_SYN] += syn;
        c[NM_ACT] += act;
        c[NM_INACT] += (n1 - n0) - act;
        c[NM_SPK] += nsp - nsp0;
        p->quiet[k] = act == 0;
    }
    return nsp;
}

/* ----- AVX-512 ----------------------------------------------------------------------------------------- */
#ifdef NM_HAVE_AVX512
#define NM_T __attribute__((target("avx512f,popcnt")))

NM_T static inline __m512i v_decay(__m512i x, __m512i k, int d, __m512i dmask) {
    const __m512i a = _mm512_abs_epi32(x);
    const __m512i hi = _mm512_mullo_epi32(_mm512_srai_epi32(a, d), k);
    const __m512i lo = _mm512_srai_epi32(_mm512_mullo_epi32(_mm512_and_si512(a, dmask), k), d);
    const __m512i mag = _mm512_add_epi32(hi, lo);
    return _mm512_mask_sub_epi32(mag, _mm512_cmplt_epi32_mask(x, _mm512_setzero_si512()), _mm512_setzero_si512(), mag);
}

NM_T static inline __m512i v_ovf(__m512i x, __m512i hm1, __m512i mask2h, int wrap) {
    if (wrap)
        return _mm512_sub_epi32(_mm512_and_si512(_mm512_add_epi32(x, hm1), mask2h), hm1);
    return _mm512_max_epi32(_mm512_min_epi32(x, hm1), _mm512_sub_epi32(_mm512_setzero_si512(), hm1));
}

typedef struct {
    __m512i zero, cmask, dmask, hu1, hv1, m2hu, m2hv, lane;
} nm_consts_t;

/* Sixteen neurons i .. i + 15 (lanes m of the current core) with parameters ku, kv, vth, bias and weight
   exponents e (vectors: per neuron, or one profile broadcast). Adds to *syn and *act, compress-stores the
   spiking neurons' ids at sp and returns how many. */
NM_T static inline int nm_block(const nm_lif32_t *p, const nm_consts_t *c, int64_t i, __mmask16 m, __m512i ku,
                                __m512i kv, __m512i vth, __m512i bias, __m512i e, int ushift, int32_t *acc,
                                int32_t *u, int32_t *v, int32_t *sp, __m512i *syn, int64_t *act) {
    const int d = p->decay_bits, cb = p->cnt_bits, ishift = p->input_shift;
    const __m512i zero = c->zero;
    /* the loads may read the next core's lanes (or the padding); only lanes m are stored */
    const __m512i a = _mm512_loadu_si512((const void *)(acc + i));
    _mm512_mask_storeu_epi32(acc + i, m, zero);
    *syn = _mm512_mask_add_epi32(*syn, m, *syn, _mm512_and_si512(a, c->cmask));
    const __m512i inp = _mm512_srai_epi32(a, cb);
    __m512i drive;
    if (ushift >= 0) {
        /* both shifts left (modulo 2**32, as the scalar rule): one shift by their sum */
        drive = _mm512_sll_epi32(inp, _mm_cvtsi32_si128(ushift));
    } else {
        const __mmask16 eneg = _mm512_cmplt_epi32_mask(e, zero);
        drive = _mm512_mask_srav_epi32(_mm512_sllv_epi32(inp, e), eneg, inp, _mm512_sub_epi32(zero, e));
        drive = ishift >= 0 ? _mm512_sllv_epi32(drive, _mm512_set1_epi32(ishift))
                            : _mm512_srav_epi32(drive, _mm512_set1_epi32(-ishift));
    }
    const __m512i u0 = _mm512_loadu_si512((const void *)(u + i));
    const __m512i v0 = _mm512_loadu_si512((const void *)(v + i));
    const __m512i un = v_ovf(_mm512_add_epi32(v_decay(u0, ku, d, c->dmask), drive), c->hu1, c->m2hu, p->u_wrap);
    __m512i vn = v_ovf(_mm512_add_epi32(_mm512_add_epi32(v_decay(v0, kv, d, c->dmask), un), bias), c->hv1, c->m2hv,
                       p->v_wrap);
    const __mmask16 s = _mm512_mask_cmpgt_epi32_mask(m, vn, vth);
    vn = _mm512_mask_mov_epi32(vn, s, zero);
    _mm512_mask_storeu_epi32(u + i, m, un);
    _mm512_mask_storeu_epi32(v + i, m, vn);
    const __mmask16 active = (__mmask16)(s | _mm512_test_epi32_mask(u0, u0) | _mm512_test_epi32_mask(v0, v0)
                                         | _mm512_test_epi32_mask(inp, inp) | _mm512_test_epi32_mask(vn, vn));
    *act += __builtin_popcount((unsigned)(active & m));
    /* unconditionally: a branch on "any spike" (a third of the blocks) would be mispredicted */
    _mm512_mask_compressstoreu_epi32(sp, s, _mm512_add_epi32(c->lane, _mm512_set1_epi32((int32_t)i)));
    return __builtin_popcount((unsigned)s);
}

NM_T static int64_t nm_lif32_avx512(const nm_lif32_t *p, int64_t n_cores, const int64_t *noff, int32_t *acc,
                                    int32_t *u, int32_t *v, int32_t *sp, int64_t *ctr) {
    nm_consts_t c;
    c.zero = _mm512_setzero_si512();
    c.cmask = _mm512_set1_epi32((int32_t)((1u << p->cnt_bits) - 1));
    c.dmask = _mm512_set1_epi32((1 << p->decay_bits) - 1);
    c.hu1 = _mm512_set1_epi32(p->h_u - 1);
    c.hv1 = _mm512_set1_epi32(p->h_v - 1);
    c.m2hu = _mm512_set1_epi32((int32_t)(2 * (uint32_t)p->h_u - 1));
    c.m2hv = _mm512_set1_epi32((int32_t)(2 * (uint32_t)p->h_v - 1));
    c.lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    int64_t nsp = 0;
    for (int64_t k = 0; k < n_cores; k++) {
        const int64_t n0 = noff[k], n1 = noff[k + 1];
        if (p->quiet[k]) {
            __m512i any = c.zero;
            for (int64_t i = n0; i < n1; i += 16) {
                const __mmask16 m = n1 - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n1 - i)) - 1);
                any = _mm512_or_si512(any, _mm512_maskz_loadu_epi32(m, acc + i));
            }
            if (!_mm512_test_epi32_mask(any, any)) {
                ctr[k * NM_NEV + NM_INACT] += n1 - n0;
                continue;
            }
        }
        int64_t act = 0, nsp0 = nsp;
        __m512i syn = c.zero;   /* per-lane syn-op sums: below 2**cnt_bits per neuron, a core's lanes fit */
        const int32_t pk = p->core_profile[k];
        if (pk >= 0) {
            const int32_t *pr = p->profile[pk];
            const __m512i ku = _mm512_set1_epi32(pr[0]), kv = _mm512_set1_epi32(pr[1]);
            const __m512i vth = _mm512_set1_epi32(pr[2]), bias = _mm512_set1_epi32(pr[3]);
            const __m512i e = _mm512_set1_epi32(pr[4]);
            const int ushift = pr[4] >= 0 && p->input_shift >= 0 ? pr[4] + p->input_shift : -1;
            for (int64_t i = n0; i < n1; i += 16) {
                const __mmask16 m = n1 - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n1 - i)) - 1);
                nsp += nm_block(p, &c, i, m, ku, kv, vth, bias, e, ushift, acc, u, v, sp + nsp, &syn, &act);
            }
        } else {
            for (int64_t i = n0; i < n1; i += 16) {
                const __mmask16 m = n1 - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n1 - i)) - 1);
                nsp += nm_block(p, &c, i, m, _mm512_loadu_si512((const void *)(p->k_u + i)),
                                _mm512_loadu_si512((const void *)(p->k_v + i)),
                                _mm512_loadu_si512((const void *)(p->vth + i)),
                                _mm512_loadu_si512((const void *)(p->bias + i)),
                                _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(p->wexp + i))), -1,
                                acc, u, v, sp + nsp, &syn, &act);
            }
        }
        int64_t *ct = ctr + k * NM_NEV;
        ct[NM_SYN] += _mm512_reduce_add_epi32(syn);
        ct[NM_ACT] += act;
        ct[NM_INACT] += (n1 - n0) - act;
        ct[NM_SPK] += nsp - nsp0;
        p->quiet[k] = act == 0;
    }
    return nsp;
}
#endif

int64_t nm_lif32_cores(const nm_lif32_t *p, int64_t n_cores, const int64_t *noff, int32_t *acc, int32_t *u,
                       int32_t *v, int32_t *sp, int64_t *ctr) {
#ifdef NM_HAVE_AVX512
    if (p->simd)
        return nm_lif32_avx512(p, n_cores, noff, acc, u, v, sp, ctr);
#endif
    return nm_lif32_scalar(p, n_cores, noff, acc, u, v, sp, ctr);
}
