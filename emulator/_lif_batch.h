/* Branch-free Loihi LIF update of a run of neurons (emulator/_lif_batch.c), for the fused kernel. */
#ifndef NM_LIF_BATCH_H
#define NM_LIF_BATCH_H
#include <stdint.h>

typedef struct {
    const int64_t *k_u, *k_v, *vth, *bias, *wexp;   /* per neuron, structure of arrays */
    int decay_bits, input_shift, u_wrap, v_wrap;
    int64_t h_u, h_v;                               /* 2**(bits - 1) of current and membrane */
    int simd;                                       /* the compiled variant: NM_LEVEL_* of cores/nm_lanes_x86.h
                                                       (the caller checks the CPU runs it) */
} nm_lif_batch_t;

/* Update neurons [i0, i1): consume acc (weight << 24 | count), write u, v and spk (bit 0: spiked, bit 1: the
   update was active); add the syn-ops to *syn and return the number of active updates. */
int64_t nm_lif_batch(const nm_lif_batch_t *p, int64_t i0, int64_t i1, int64_t *acc, int64_t *u, int64_t *v,
                     uint8_t *spk, int64_t *syn);

#endif
