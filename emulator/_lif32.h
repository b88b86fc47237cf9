/* The Loihi LIF update in 32-bit lanes, core by core, with its per-core counts (emulator/_lif32.c). */
#ifndef NM_LIF32_H
#define NM_LIF32_H
#include <stdint.h>

typedef struct {
    const int32_t *k_u, *k_v, *vth, *bias;   /* per neuron (arrays padded by 16 entries: vector over-reads) */
    const int8_t *wexp;
    /* Parameter profiles: a core whose neurons all share one parameter set (k_u, k_v, vth, bias, weight
       exponent) reads it from profile[core_profile[k]] instead of per-neuron arrays (-1: per neuron). Loihi
       itself keeps compartment settings as a few shared profiles per core. */
    const int32_t *core_profile;
    const int32_t (*profile)[5];
    int decay_bits, input_shift, u_wrap, v_wrap;
    int cnt_bits;                            /* accumulator: (summed weight << cnt_bits) + syn-event count */
    int32_t h_u, h_v;                        /* 2**(bits - 1) of current and membrane */
    int simd;                                /* the variant: NM_LEVEL_* of cores/nm_lanes_x86.h (the caller
                                                checks the CPU runs it) */
    uint8_t *quiet;                          /* per core: its last update was inactive throughout (_lif32.c) */
    uint8_t *flags;                          /* per neuron, scratch of the scalar version: spike | active << 1 */
    int32_t *syn;                            /* per neuron, scratch of the scalar version: syn-ops */
} nm_lif32_t;

/* Update every neuron of cores 0 .. n_cores - 1 (core k: neurons noff[k] .. noff[k+1] - 1): consume and zero
   acc, write u and v, list the spiking neurons in sp (ascending) and add each core's syn-ops, active and
   inactive updates and spikes to ctr[k * NM_NEV + ...]. Returns the number of spikes. acc, u and v are padded
   by 16 entries. */
int64_t nm_lif32_cores(const nm_lif32_t *p, int64_t n_cores, const int64_t *noff, int32_t *acc, int32_t *u,
                       int32_t *v, int32_t *sp, int64_t *ctr);

#endif
