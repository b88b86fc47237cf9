/* Per-spike events of the fused kernel, and the route counts that replace per-packet work.
 *
 * A spike of neuron i (source router r, router group g) adds its packets, hops and longest route to its core,
 * its listed entries (deliveries and route differences of further packets to a core), and, for its first
 * packet to each destination core (bit b of its mask):
 *
 *     dg[g][b] += 1          first packets per destination core, per source group (XY: source row)
 *     cr[r][l] += lcnt[i][l] first packets per destination line of the first route segment (XY: column)
 *
 * Read back once per tick (emulator._fused.FusedKernel._routes_to_grid), dg gives the per-core deliveries
 * and the second segments' link loads, cr the first segments'. Counters are uint16 (the plan checks that no
 * tick can carry them past 65,535: emulator.fused_events.Geometry.route_counts).
 *
 * The dg row update is 32 masked 16-bit adds per instruction with AVX-512 (a mask bit selects a lane), 16
 * compare-and-subtract lanes with AVX2, one add per set bit otherwise; all give the same counts
 * (tests/emulator/test_loads_engine.py runs each one the CPU has). Each is a named variant chosen by
 * nm_events_t.simd (FusedKernel.simd), not by the loader, so a test can run any of them.
 */
#include "_events.h"
#include "nm_lanes_x86.h"

#define NM_AHEAD 16  /* prefetch distance in spikes: the records of a spike list are random in memory */

/* The levels of cores/nm_lanes_x86.h (NM_SIMD_* = NM_LEVEL_*), one CPU check for every path of the kernel. */
int nm_events_simd_available(void) { return nm_cpu_level(); }

static inline void nm_counts_scalar(const uint64_t *mask, int n_words, uint16_t *dg, const uint8_t *lc,
                                    int lines_pad, uint16_t *cr) {
    for (int w = 0; w < n_words; w++) {
        uint64_t m = mask[w];
        while (m) {
            dg[w * 64 + __builtin_ctzll(m)] += 1;
            m &= m - 1;
        }
    }
    for (int l = 0; l < lines_pad; l++)
        cr[l] += lc[l];
}

#ifdef NM_X86
NM_AVX512
static inline void nm_counts_avx512(const uint64_t *mask, int n_words, uint16_t *dg, const uint8_t *lc,
                                    int lines_pad, uint16_t *cr) {
    const __m512i one = _mm512_set1_epi16(1);
    for (int w = 0; w < n_words; w++) {
        const uint64_t m = mask[w];
        uint16_t *d = dg + 64 * w;
        /* lanes 0-31 of the word's 64 counters take its low 32 bits, lanes 32-63 the high ones */
        __m512i lo = _mm512_loadu_si512((const void *)d);
        __m512i hi = _mm512_loadu_si512((const void *)(d + 32));
        _mm512_storeu_si512((void *)d, _mm512_mask_add_epi16(lo, (__mmask32)(uint32_t)m, lo, one));
        _mm512_storeu_si512((void *)(d + 32), _mm512_mask_add_epi16(hi, (__mmask32)(uint32_t)(m >> 32), hi, one));
    }
    for (int l = 0; l < lines_pad; l += 32) {
        __m512i c = _mm512_loadu_si512((const void *)(cr + l));
        __m512i x = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(lc + l)));
        _mm512_storeu_si512((void *)(cr + l), _mm512_add_epi16(c, x));
    }
}
#endif

#ifdef NM_X86
NM_AVX2
static inline void nm_counts_avx2(const uint64_t *mask, int n_words, uint16_t *dg, const uint8_t *lc,
                                  int lines_pad, uint16_t *cr) {
    /* sixteen counters at a time: the mask's 16 bits broadcast, each lane keeps its own bit, -1 where set */
    const __m256i bit = _mm256_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192,
                                          16384, (short)32768);
    for (int j = 0; j < 4 * n_words; j++) {
        const short m16 = (short)(uint16_t)(mask[j >> 2] >> (16 * (j & 3)));
        const __m256i on = _mm256_cmpeq_epi16(_mm256_and_si256(_mm256_set1_epi16(m16), bit), bit);
        __m256i *d = (__m256i *)(dg + 16 * j);
        _mm256_storeu_si256(d, _mm256_sub_epi16(_mm256_loadu_si256(d), on));
    }
    for (int l = 0; l < lines_pad; l += 16) {
        __m256i *c = (__m256i *)(cr + l);
        const __m256i x = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(lc + l)));
        _mm256_storeu_si256(c, _mm256_add_epi16(_mm256_loadu_si256(c), x));
    }
}
#endif

/* The spike loop, once per counter implementation (COUNTS): inlined into each, so the AVX-512 one is
   compiled with its target and the other runs on any x86-64 (or other) CPU. */
#define NM_EVENTS_LOOP(COUNTS)                                                                                \
    const nm_meta_t *meta = e->meta;                                                                          \
    int64_t *ctr = e->ctr;                                                                                    \
    const int nw = e->n_words, lp = e->lines_pad, lanes = e->lanes;                                           \
    for (int64_t m = 0; m < n && m < NM_AHEAD; m++) {                                                         \
        __builtin_prefetch(meta + spikes[m], 0, 3);                                                           \
        if (nw) __builtin_prefetch(e->lcnt + (int64_t)spikes[m] * lp, 0, 3);                                  \
    }                                                                                                         \
    for (int64_t m = 0; m < n; m++) {                                                                         \
        const int64_t i = spikes[m];                                                                          \
        if (m + NM_AHEAD < n) {                                                                               \
            const int64_t a = spikes[m + NM_AHEAD];                                                           \
            __builtin_prefetch(meta + a, 0, 3);                                                               \
            if (nw) __builtin_prefetch(e->lcnt + a * lp, 0, 3);                                               \
        }                                                                                                     \
        if (m + NM_AHEAD / 2 < n) {                                                                           \
            /* the lists a record points to, half as far ahead (its record has arrived by then) */           \
            const int64_t a = spikes[m + NM_AHEAD / 2];                                                       \
            const nm_meta_t *q = meta + a;                                                                    \
            __builtin_prefetch(e->src_count + a, 1, 3);                                                       \
            if (q->ev_start >= 0 && q->ev_n) __builtin_prefetch(e->ev + q->ev_start, 0, 3);                   \
            if (q->ev_start >= 0 && q->dl_n) __builtin_prefetch(e->dl + q->dl_start, 0, 3);                   \
        }                                                                                                     \
        const nm_meta_t *mp = meta + i;                                                                       \
        int64_t *c = ctr + (int64_t)mp->core * NM_NEV;                                                        \
        e->src_count[i] += 1;                                                                                 \
        c[NM_PKT] += mp->pkt;                                                                                 \
        c[NM_HEW] += mp->hew;                                                                                 \
        c[NM_HNS] += mp->hns;                                                                                 \
        if (mp->ev_start < 0) {                                                                               \
            /* lists held in the record's unused mask words (emulator.fused_events.inline_lists) */          \
            const uint32_t *iev = (const uint32_t *)mp->mask;                                                 \
            const uint16_t *idl = (const uint16_t *)mp->mask + 12;                                            \
            for (int x = 0; x < mp->ev_n; x++)                                                                \
                ctr[iev[x] & 0xFFFF] += (int16_t)(iev[x] >> 16);                                              \
            for (int x = 0; x < mp->dl_n; x++)                                                                \
                e->dlv[idl[x]] += 1;                                                                          \
        } else {                                                                                              \
            for (int32_t x = mp->ev_start; x < mp->ev_start + mp->ev_n; x++) {                              \
                const uint32_t v = e->ev[x];                                                                  \
                ctr[v & 0xFFFF] += (int16_t)(v >> 16);                                                        \
            }                                                                                                 \
            for (int32_t x = mp->dl_start; x < mp->dl_start + mp->dl_n; x++)                                \
                e->dlv[e->dl[x]] += 1;                                                                        \
        }                                                                                                     \
        if (nw) {                                                                                             \
            const uint64_t *mask = nw <= 4 ? mp->mask : e->dmask + i * nw;                                   \
            COUNTS(mask, nw, e->dg + (int64_t)mp->group * lanes, e->lcnt + i * lp, lp,                        \
                   e->cr + (int64_t)mp->router * lp);                                                         \
            if (!e->r_used[mp->router]) {                                                                     \
                e->r_used[mp->router] = 1;                                                                    \
                e->r_list[e->n_r_list++] = mp->router;                                                        \
            }                                                                                                 \
            e->g_used[mp->group] = 1;                                                                         \
        }                                                                                                     \
        if (mp->hmax > e->core_hmax[mp->core])                                                                \
            e->core_hmax[mp->core] = mp->hmax;                                                                \
    }

static void nm_events_scalar(nm_events_t *e, const int32_t *spikes, int64_t n) {
    NM_EVENTS_LOOP(nm_counts_scalar)
}

#ifdef NM_X86
NM_AVX512
static void nm_events_avx512(nm_events_t *e, const int32_t *spikes, int64_t n) {
    NM_EVENTS_LOOP(nm_counts_avx512)
}

NM_AVX2
static void nm_events_avx2(nm_events_t *e, const int32_t *spikes, int64_t n) {
    NM_EVENTS_LOOP(nm_counts_avx2)
}
#endif

void nm_events_tick(nm_events_t *e, const int32_t *spikes, int64_t n) {
#ifdef NM_X86
    if (e->simd == NM_SIMD_AVX512) {
        nm_events_avx512(e, spikes, n);
        return;
    }
    if (e->simd == NM_SIMD_AVX2) {
        nm_events_avx2(e, spikes, n);
        return;
    }
#endif
    nm_events_scalar(e, spikes, n);
}

