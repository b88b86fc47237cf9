/* Counts from bit-sliced counters (emulator/_bitslice.c), for the fused kernel's link loads. */
#ifndef NM_BITSLICE_H
#define NM_BITSLICE_H
#include <stdint.h>

/* out[l] = sum over planes b < top of 2**b * popcount(planes[b][.] & masks[l][.]), words of n_words. */
void nm_bs_counts(const uint64_t *planes, int top, int n_words, const uint64_t *masks, int n_masks, int64_t *out);

#endif
