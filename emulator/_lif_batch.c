/* The Loihi LIF rules of cores/nm_rules.h (nm_s64: int64 registers) over a run of neurons, in one loop without
 * data-dependent branches, so that the compiler vectorises it (structure-of-arrays parameters, int64 lanes).
 *
 * The same rule functions as the per-core kernels (cores/_kernels.pyx) and the fused loop's scalar rules, with
 * no silicon refractory (the fused kernel takes the scalar rules then). A neuron at rest is updated rather
 * than skipped: with no input, zero state and no bias its update leaves it at rest, inactive and silent,
 * exactly what the skip records.
 *
 * One loop body, compiled three times under explicit names, each callable whatever the CPU's best
 * (nm_lif_batch_t.simd; the caller checks the CPU runs it): "scalar" (the x86-64 baseline, or any other
 * CPU), "avx2" (x86-64-v3) and "avx512" (x86-64-v4: 64-bit multiplies and arithmetic shifts in vector
 * registers). tests/cores/test_compiled_paths.py runs each one against the NumPy oracle.
 */
#include "_lif_batch.h"
#include "nm_lanes_x86.h"

#define NM_CNT_BITS 24

static inline __attribute__((always_inline)) int64_t nm_lif_batch_body(const nm_lif_batch_t *p, int64_t i0,
                                                                        int64_t i1, int64_t *restrict acc,
                                                                        int64_t *restrict u, int64_t *restrict v,
                                                                        uint8_t *restrict spk, int64_t *syn) {
    const int64_t *restrict k_u = p->k_u, *restrict k_v = p->k_v, *restrict vth = p->vth;
    const int64_t *restrict bias = p->bias, *restrict wexp = p->wexp;
    const int64_t cmask = ((int64_t)1 << NM_CNT_BITS) - 1;
    nm_s64_cfg c;
    NM_CFG_FILL(nm_s64, &c, p->decay_bits, p->input_shift, p->h_u, p->h_v, p->u_wrap, p->v_wrap);
    int64_t active = 0, ops = 0;
    for (int64_t i = i0; i < i1; i++) {
        const int64_t a = acc[i];
        acc[i] = 0;
        ops += a & cmask;
        const int64_t inp = a >> NM_CNT_BITS;
        const int64_t u0 = u[i], v0 = v[i];
        const int64_t un = nm_s64_current(u0, k_u[i], nm_s64_drive(inp, wexp[i], &c), &c);
        int64_t vn = nm_s64_voltage(v0, k_v[i], un, bias[i], &c);
        const int64_t s = nm_s64_fire(&vn, vth[i], 0);
        u[i] = un;
        v[i] = vn;
        const int64_t act = nm_s64_active(s, u0, v0, inp, vn);
        spk[i] = (uint8_t)(s | (act << 1));
        active += act;
    }
    *syn += ops;
    return active;
}

#define NM_BATCH_ARGS const nm_lif_batch_t *p, int64_t i0, int64_t i1, int64_t *restrict acc, int64_t *restrict u, \
                      int64_t *restrict v, uint8_t *restrict spk, int64_t *syn

static int64_t nm_lif_batch_scalar(NM_BATCH_ARGS) { return nm_lif_batch_body(p, i0, i1, acc, u, v, spk, syn); }
#ifdef NM_X86
NM_AVX2 static int64_t nm_lif_batch_avx2(NM_BATCH_ARGS) { return nm_lif_batch_body(p, i0, i1, acc, u, v, spk, syn); }
NM_AVX512 static int64_t nm_lif_batch_avx512(NM_BATCH_ARGS) {
    return nm_lif_batch_body(p, i0, i1, acc, u, v, spk, syn);
}
#endif

int64_t nm_lif_batch(NM_BATCH_ARGS) {
#ifdef NM_X86
    if (p->simd == NM_LEVEL_AVX512)
        return nm_lif_batch_avx512(p, i0, i1, acc, u, v, spk, syn);
    if (p->simd == NM_LEVEL_AVX2)
        return nm_lif_batch_avx2(p, i0, i1, acc, u, v, spk, syn);
#endif
    return nm_lif_batch_scalar(p, i0, i1, acc, u, v, spk, syn);
}
