/* Counts from bit-sliced counters (emulator/_bitslice.c), for the fused kernel's link loads. */
#ifndef NM_BITSLICE_H
#define NM_BITSLICE_H
#include <stdint.h>

/* out[l] = sum over planes b < top of 2**b * popcount(planes[b][.] & masks[l][.]), over the words
   words[l][0] .. words[l][1] - 1 of each mask (its non-zero words; a plane has n_words). */
void nm_bs_counts(const uint64_t *planes, int top, int n_words, const uint64_t *masks, const int32_t *words,
                  int n_masks, int64_t *out);

#endif
