/* Vector lane vocabularies of the rules in cores/nm_rules.h (x86-64, GCC or Clang), and the CPU's levels.
 *
 * nm_v8: eight int32 lanes (AVX2; masks are vectors of 0 / -1). nm_v16: sixteen int32 lanes (AVX-512F; masks
 * are __mmask16). Each operation is one instruction or two; NM_LANE_RULES then writes the Loihi rules for them
 * (and TrueNorth's, NM_TN_LANE_RULES) from the same definition as the scalar paths, so a vector path cannot drift from the scalar ones.
 * The functions carry their target attribute: this file compiles for the x86-64 baseline, and a vector
 * function runs only after nm_cpu_level() says the CPU has its instructions.
 */
#ifndef NM_LANES_X86_H
#define NM_LANES_X86_H
#include "nm_rules.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define NM_X86 1
#include <immintrin.h>
#endif

/* Levels of the compiled paths, best last; a path named by level runs only if nm_cpu_level() >= its level. */
enum { NM_LEVEL_SCALAR = 0, NM_LEVEL_AVX2 = 1, NM_LEVEL_AVX512 = 2 };

/* The best level this CPU runs. AVX2 stands for x86-64-v3 (AVX2, FMA, BMI1/2: what the auto-vectorised
   variants are compiled for), AVX-512 for x86-64-v4 (F, BW, CD, DQ, VL). */
static inline int nm_cpu_level(void) {
#ifdef NM_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("bmi2"))
        return NM_LEVEL_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
        __builtin_cpu_supports("bmi2"))
        return NM_LEVEL_AVX2;
#endif
    return NM_LEVEL_SCALAR;
}

#ifdef NM_X86
#define NM_AVX2 __attribute__((target("arch=x86-64-v3")))
#define NM_AVX512 __attribute__((target("arch=x86-64-v4")))

/* ----- AVX2: eight int32 lanes ------------------------------------------------------------------------ */
typedef __m256i nm_v8_v;
typedef __m256i nm_v8_m;
NM_AVX2 static inline __m256i nm_v8_set1(int64_t x) { return _mm256_set1_epi32((int32_t)x); }
NM_AVX2 static inline __m256i nm_v8_add(__m256i a, __m256i b) { return _mm256_add_epi32(a, b); }
NM_AVX2 static inline __m256i nm_v8_sub(__m256i a, __m256i b) { return _mm256_sub_epi32(a, b); }
NM_AVX2 static inline __m256i nm_v8_mul(__m256i a, __m256i b) { return _mm256_mullo_epi32(a, b); }
NM_AVX2 static inline __m256i nm_v8_and(__m256i a, __m256i b) { return _mm256_and_si256(a, b); }
NM_AVX2 static inline __m256i nm_v8_or(__m256i a, __m256i b) { return _mm256_or_si256(a, b); }
NM_AVX2 static inline __m256i nm_v8_sll(__m256i a, int s) { return _mm256_sll_epi32(a, _mm_cvtsi32_si128(s)); }
NM_AVX2 static inline __m256i nm_v8_sra(__m256i a, int s) { return _mm256_sra_epi32(a, _mm_cvtsi32_si128(s)); }
NM_AVX2 static inline __m256i nm_v8_srl(__m256i a, int s) { return _mm256_srl_epi32(a, _mm_cvtsi32_si128(s)); }
/* counts < 0 are never selected (nm_rules.h's shift); the hardware gives 0 / sign fill for them */
NM_AVX2 static inline __m256i nm_v8_sllv(__m256i a, __m256i s) { return _mm256_sllv_epi32(a, s); }
NM_AVX2 static inline __m256i nm_v8_srav(__m256i a, __m256i s) { return _mm256_srav_epi32(a, s); }
NM_AVX2 static inline __m256i nm_v8_neg(__m256i a) { return _mm256_sub_epi32(_mm256_setzero_si256(), a); }
NM_AVX2 static inline __m256i nm_v8_abs(__m256i a) { return _mm256_abs_epi32(a); }
/* vpsignd: m negated where x < 0, zeroed where x = 0 (where m = 0 anyway) */
NM_AVX2 static inline __m256i nm_v8_signof(__m256i m, __m256i x) { return _mm256_sign_epi32(m, x); }
NM_AVX2 static inline __m256i nm_v8_min(__m256i a, __m256i b) { return _mm256_min_epi32(a, b); }
NM_AVX2 static inline __m256i nm_v8_max(__m256i a, __m256i b) { return _mm256_max_epi32(a, b); }
NM_AVX2 static inline __m256i nm_v8_gt(__m256i a, __m256i b) { return _mm256_cmpgt_epi32(a, b); }
NM_AVX2 static inline __m256i nm_v8_ltz(__m256i a) { return _mm256_srai_epi32(a, 31); }
NM_AVX2 static inline __m256i nm_v8_nz(__m256i a) {
    return _mm256_xor_si256(_mm256_cmpeq_epi32(a, _mm256_setzero_si256()), _mm256_set1_epi32(-1));
}
NM_AVX2 static inline __m256i nm_v8_mor(__m256i a, __m256i b) { return _mm256_or_si256(a, b); }
NM_AVX2 static inline __m256i nm_v8_mandnot(__m256i a, __m256i b) { return _mm256_andnot_si256(a, b); }
NM_AVX2 static inline __m256i nm_v8_mfalse(void) { return _mm256_setzero_si256(); }
NM_AVX2 static inline __m256i nm_v8_sel(__m256i m, __m256i a, __m256i b) { return _mm256_blendv_epi8(b, a, m); }
NM_LANE_RULES(nm_v8, NM_AVX2)
NM_TN_LANE_RULES(nm_v8, NM_AVX2)

/* ----- AVX-512: sixteen int32 lanes ------------------------------------------------------------------- */
typedef __m512i nm_v16_v;
typedef __mmask16 nm_v16_m;
NM_AVX512 static inline __m512i nm_v16_set1(int64_t x) { return _mm512_set1_epi32((int32_t)x); }
NM_AVX512 static inline __m512i nm_v16_add(__m512i a, __m512i b) { return _mm512_add_epi32(a, b); }
NM_AVX512 static inline __m512i nm_v16_sub(__m512i a, __m512i b) { return _mm512_sub_epi32(a, b); }
NM_AVX512 static inline __m512i nm_v16_mul(__m512i a, __m512i b) { return _mm512_mullo_epi32(a, b); }
NM_AVX512 static inline __m512i nm_v16_and(__m512i a, __m512i b) { return _mm512_and_si512(a, b); }
NM_AVX512 static inline __m512i nm_v16_or(__m512i a, __m512i b) { return _mm512_or_si512(a, b); }
NM_AVX512 static inline __m512i nm_v16_sll(__m512i a, int s) { return _mm512_sll_epi32(a, _mm_cvtsi32_si128(s)); }
NM_AVX512 static inline __m512i nm_v16_sra(__m512i a, int s) { return _mm512_sra_epi32(a, _mm_cvtsi32_si128(s)); }
NM_AVX512 static inline __m512i nm_v16_srl(__m512i a, int s) { return _mm512_srl_epi32(a, _mm_cvtsi32_si128(s)); }
NM_AVX512 static inline __m512i nm_v16_sllv(__m512i a, __m512i s) { return _mm512_sllv_epi32(a, s); }
NM_AVX512 static inline __m512i nm_v16_srav(__m512i a, __m512i s) { return _mm512_srav_epi32(a, s); }
NM_AVX512 static inline __m512i nm_v16_neg(__m512i a) { return _mm512_sub_epi32(_mm512_setzero_si512(), a); }
NM_AVX512 static inline __m512i nm_v16_abs(__m512i a) { return _mm512_abs_epi32(a); }
NM_AVX512 static inline __m512i nm_v16_signof(__m512i m, __m512i x) {
    return _mm512_mask_sub_epi32(m, _mm512_movepi32_mask(x), _mm512_setzero_si512(), m);
}
NM_AVX512 static inline __m512i nm_v16_min(__m512i a, __m512i b) { return _mm512_min_epi32(a, b); }
NM_AVX512 static inline __m512i nm_v16_max(__m512i a, __m512i b) { return _mm512_max_epi32(a, b); }
NM_AVX512 static inline __mmask16 nm_v16_gt(__m512i a, __m512i b) { return _mm512_cmpgt_epi32_mask(a, b); }
NM_AVX512 static inline __mmask16 nm_v16_ltz(__m512i a) { return _mm512_movepi32_mask(a); }
NM_AVX512 static inline __mmask16 nm_v16_nz(__m512i a) { return _mm512_test_epi32_mask(a, a); }
NM_AVX512 static inline __mmask16 nm_v16_mor(__mmask16 a, __mmask16 b) { return (__mmask16)(a | b); }
NM_AVX512 static inline __mmask16 nm_v16_mandnot(__mmask16 a, __mmask16 b) { return (__mmask16)(~a & b); }
NM_AVX512 static inline __mmask16 nm_v16_mfalse(void) { return 0; }
NM_AVX512 static inline __m512i nm_v16_sel(__mmask16 m, __m512i a, __m512i b) { return _mm512_mask_blend_epi32(m, b, a); }
NM_LANE_RULES(nm_v16, NM_AVX512)
NM_TN_LANE_RULES(nm_v16, NM_AVX512)

/* ----- int16 lanes of the TrueNorth update (emulator.fused.bit_update16: every value the rule compares or keeps
   is proven inside int16 and inside the membrane register, so the register's overflow rule is the identity) --- */
typedef __m256i nm_h16_v;
typedef __m256i nm_h16_m;
NM_AVX2 static inline __m256i nm_h16_set1(int64_t x) { return _mm256_set1_epi16((int16_t)x); }
NM_AVX2 static inline __m256i nm_h16_add(__m256i a, __m256i b) { return _mm256_add_epi16(a, b); }
NM_AVX2 static inline __m256i nm_h16_sub(__m256i a, __m256i b) { return _mm256_sub_epi16(a, b); }
NM_AVX2 static inline __m256i nm_h16_or(__m256i a, __m256i b) { return _mm256_or_si256(a, b); }
NM_AVX2 static inline __m256i nm_h16_neg(__m256i a) { return _mm256_sub_epi16(_mm256_setzero_si256(), a); }
NM_AVX2 static inline __m256i nm_h16_abs(__m256i a) { return _mm256_abs_epi16(a); }
NM_AVX2 static inline __m256i nm_h16_gt(__m256i a, __m256i b) { return _mm256_cmpgt_epi16(a, b); }
NM_AVX2 static inline __m256i nm_h16_ltz(__m256i a) { return _mm256_srai_epi16(a, 15); }
NM_AVX2 static inline __m256i nm_h16_nz(__m256i a) {
    return _mm256_xor_si256(_mm256_cmpeq_epi16(a, _mm256_setzero_si256()), _mm256_set1_epi16(-1));
}
NM_AVX2 static inline __m256i nm_h16_mor(__m256i a, __m256i b) { return _mm256_or_si256(a, b); }
NM_AVX2 static inline __m256i nm_h16_mfalse(void) { return _mm256_setzero_si256(); }
NM_AVX2 static inline __m256i nm_h16_sel(__m256i m, __m256i a, __m256i b) { return _mm256_blendv_epi8(b, a, m); }
NM_AVX2 static inline __m256i nm_h16_ovf(__m256i x, __m256i h1, __m256i m2h, int wrap) {
    (void)h1, (void)m2h, (void)wrap;
    return x;
}
NM_TN_LANE_RULES(nm_h16, NM_AVX2)

typedef __m512i nm_h32_v;
typedef __mmask32 nm_h32_m;
NM_AVX512 static inline __m512i nm_h32_set1(int64_t x) { return _mm512_set1_epi16((int16_t)x); }
NM_AVX512 static inline __m512i nm_h32_add(__m512i a, __m512i b) { return _mm512_add_epi16(a, b); }
NM_AVX512 static inline __m512i nm_h32_sub(__m512i a, __m512i b) { return _mm512_sub_epi16(a, b); }
NM_AVX512 static inline __m512i nm_h32_or(__m512i a, __m512i b) { return _mm512_or_si512(a, b); }
NM_AVX512 static inline __m512i nm_h32_neg(__m512i a) { return _mm512_sub_epi16(_mm512_setzero_si512(), a); }
NM_AVX512 static inline __m512i nm_h32_abs(__m512i a) { return _mm512_abs_epi16(a); }
NM_AVX512 static inline __mmask32 nm_h32_gt(__m512i a, __m512i b) { return _mm512_cmpgt_epi16_mask(a, b); }
NM_AVX512 static inline __mmask32 nm_h32_ltz(__m512i a) { return _mm512_movepi16_mask(a); }
NM_AVX512 static inline __mmask32 nm_h32_nz(__m512i a) { return _mm512_test_epi16_mask(a, a); }
NM_AVX512 static inline __mmask32 nm_h32_mor(__mmask32 a, __mmask32 b) { return (__mmask32)(a | b); }
NM_AVX512 static inline __mmask32 nm_h32_mfalse(void) { return 0; }
NM_AVX512 static inline __m512i nm_h32_sel(__mmask32 m, __m512i a, __m512i b) { return _mm512_mask_blend_epi16(m, b, a); }
NM_AVX512 static inline __m512i nm_h32_ovf(__m512i x, __m512i h1, __m512i m2h, int wrap) {
    (void)h1, (void)m2h, (void)wrap;
    return x;
}
NM_TN_LANE_RULES(nm_h32, NM_AVX512)
#endif

#endif
