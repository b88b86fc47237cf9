/* The Loihi LIF rules of cores/_lif.pxd, rewritten without data-dependent branches so that the compiler
 * vectorises a run of neurons (structure-of-arrays parameters, int64 lanes).
 *
 * Bit-exact to cores/_lif.pxd's loihi_neuron for every state (tests/emulator/test_loads_engine.py compares
 * them on random and extreme registers), with no silicon refractory (the fused kernel takes the scalar rules
 * then). Two differences of form, not of result:
 *   - decay uses the split product (a >> D) * k + ((a & (2**D - 1)) * k >> D) for every magnitude (the scalar
 *     rule uses it only above 2**46; both equal trunc(a * k / 2**D));
 *   - a neuron at rest is updated rather than skipped: with no input, zero state and no bias its update
 *     leaves it at rest, inactive and silent, exactly what the skip records.
 *
 * Built twice (function multi-versioning, GCC): for x86-64-v4 (AVX-512: 64-bit multiplies and arithmetic
 * shifts in vector registers) and for the baseline; the loader picks the one the CPU runs.
 */
#include "_lif_batch.h"

#define NM_CNT_BITS 24

static inline int64_t nm_shift(int64_t x, int64_t e) {
    /* x * 2**e for e >= 0 (two's complement, as the scalar multiply under -fwrapv), else x >> -e (floor) */
    int64_t l = (int64_t)((uint64_t)x << (e >= 0 ? e : 0));
    int64_t r = x >> (e < 0 ? -e : 0);
    return e >= 0 ? l : r;
}

static inline int64_t nm_decay(int64_t x, int64_t k, int d, int64_t dmask) {
    /* trunc(x * k / 2**d) toward zero */
    int64_t a = x < 0 ? -x : x;
    int64_t mag = (a >> d) * k + (((a & dmask) * k) >> d);
    return x < 0 ? -mag : mag;
}

static inline int64_t nm_ovf(int64_t x, int64_t h, int wrap) {
    int64_t w = ((x + (h - 1)) & ((h << 1) - 1)) - (h - 1);   /* Lava's (-h, h] wrap */
    int64_t s = x > h - 1 ? h - 1 : (x < 1 - h ? 1 - h : x);  /* symmetric saturation */
    return wrap ? w : s;
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("arch=x86-64-v4", "default")))
#endif
int64_t nm_lif_batch(const nm_lif_batch_t *p, int64_t i0, int64_t i1, int64_t *restrict acc,
                     int64_t *restrict u, int64_t *restrict v, uint8_t *restrict spk, int64_t *syn) {
    const int64_t *restrict k_u = p->k_u, *restrict k_v = p->k_v, *restrict vth = p->vth;
    const int64_t *restrict bias = p->bias, *restrict wexp = p->wexp;
    const int d = p->decay_bits, u_wrap = p->u_wrap, v_wrap = p->v_wrap;
    const int64_t ishift = p->input_shift, h_u = p->h_u, h_v = p->h_v;
    const int64_t dmask = ((int64_t)1 << d) - 1, cmask = ((int64_t)1 << NM_CNT_BITS) - 1;
    int64_t active = 0, ops = 0;
    for (int64_t i = i0; i < i1; i++) {
        int64_t a = acc[i];
        acc[i] = 0;
        ops += a & cmask;
        int64_t inp = a >> NM_CNT_BITS;
        int64_t drive = nm_shift(nm_shift(inp, wexp[i]), ishift);
        int64_t u0 = u[i], v0 = v[i];
        int64_t un = nm_ovf(nm_decay(u0, k_u[i], d, dmask) + drive, h_u, u_wrap);
        int64_t vn = nm_ovf(nm_decay(v0, k_v[i], d, dmask) + un + bias[i], h_v, v_wrap);
        int64_t s = vn > vth[i];
        vn = s ? 0 : vn;
        u[i] = un;
        v[i] = vn;
        int64_t act = (s | (u0 != 0) | (v0 != 0) | (inp != 0) | (vn != 0)) != 0;
        spk[i] = (uint8_t)(s | (act << 1));
        active += act;
    }
    *syn += ops;
    return active;
}
