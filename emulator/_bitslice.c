/* Bit-sliced counters, read through masks.
 *
 * The fused kernel counts packets per destination core with bit-sliced adders: plane b, word w holds bit b of
 * the count of cores 64 w .. 64 w + 63. The number of packets towards a set of cores (a mesh column, row or
 * router: a mask) is then sum_b 2**b popcount(plane_b & mask). Built twice (GCC function multi-versioning):
 * with the POPCNT instruction (x86-64-v2) and for the baseline, picked by the loader.
 */
#include "_bitslice.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("arch=x86-64-v2", "default")))
#endif
void nm_bs_counts(const uint64_t *planes, int top, int n_words, const uint64_t *masks, const int32_t *words,
                  int n_masks, int64_t *out) {
    for (int l = 0; l < n_masks; l++) {
        const uint64_t *m = masks + (int64_t)l * n_words;
        const int w0 = words[2 * l], w1 = words[2 * l + 1];
        int64_t c = 0;
        for (int b = 0; b < top; b++) {
            const uint64_t *p = planes + (int64_t)b * n_words;
            int64_t s = 0;
            for (int w = w0; w < w1; w++)
                s += __builtin_popcountll(p[w] & m[w]);
            c += s << b;
        }
        out[l] = c;
    }
}
