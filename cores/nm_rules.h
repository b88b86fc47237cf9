/* The arithmetic of every neuron rule, written once for every compiled path.
 *
 * Included by the per-core kernels (cores/_kernels.pyx, through cores/_lif.pxd), the fused loop's int64 and
 * int32 updates (emulator/_lif_batch.c, emulator/_lif32.c) and, through cores/nm_lanes_x86.h, their AVX2 and
 * AVX-512 versions. The readable NumPy oracle of the same rules is cores/_reference.py (with
 * cores/fixed_point.py and cores/prng.py); tests/cores/test_compiled_paths.py holds every path to it.
 *
 * How one definition serves scalar code and vectors: a rule is written against a small vocabulary of lane
 * operations (add, mul, and, shifts, compare, select, ...) whose names carry a prefix P. NM_LANE_RULES(P, A)
 * then defines the rule functions P_decay, P_ovf, P_drive, P_current, P_voltage, P_fire for that vocabulary.
 * This header supplies two scalar vocabularies, nm_s64 (int64 registers: the per-core kernels and the
 * fused loop's int64 rules) and nm_s32 (int32: the fused loop's 32-bit path); cores/nm_lanes_x86.h supplies
 * nm_v8 (eight int32 lanes, AVX2) and nm_v16 (sixteen, AVX-512). A change of rule (say `>` into `>=`) is one
 * edit here, and every path follows.
 *
 * Defined C, whatever the build flags: every sum, difference, product and left shift that may wrap is done
 * in the unsigned type (modulo 2**n, defined), and converted back (implementation-defined, modulo 2**n on
 * every compiler we build with). Right shifts of negative values are arithmetic (implementation-defined,
 * checked below). Nothing relies on -fwrapv: setup.py adds it only as belt and braces, the code does not
 * need it.
 *
 * Loihi LIF (cores.params.LoihiLifParams, Lava's PyLifModelBitAcc), per tick, with D = decay_bits:
 *     drive = shift(shift(a_in, weight_exp), input_shift)
 *     u = ovf_u(decay(u, k_u) + drive)                       k_u = 2**D - (du + 1)
 *     v = ovf_v(decay(v, k_v) + u + bias_eff)                k_v = 2**D - dv
 *     spike where v > vth_eff (strictly); then v = 0 (u is not reset); optional silicon refractory.
 * TrueNorth (cores.params.TrueNorthParams, Cassidy et al. 2013): the nm_tn_* functions at the end.
 */
#ifndef NM_RULES_H
#define NM_RULES_H
#include <stdint.h>

/* Arithmetic right shift of negative values (implementation-defined in C; GCC, Clang and MSVC all shift in
   the sign). The rules' floor shifts (Lava's negative exponents) rely on it. */
_Static_assert((-8 >> 1) == -4 && ((int64_t)-1 >> 63) == -1, "signed right shift must be arithmetic");

/* ----- scalar lane vocabularies ----------------------------------------------------------------------- */

/* P: prefix; T / U: signed and unsigned lane type; W: bits. Masks are 0 or 1 in the lane type. Shifts by a count known
   per lane (sllv / srav) clamp the count so that the unused side is defined (a vectorisable select). */
#define NM_SCALAR_LANES(P, T, U, W)                                                                          \
    typedef T P##_v;                                                                                       \
    typedef T P##_m; /* lane-wide 0 / 1: no conversions between lane widths in vectorised loops */         \
    static inline T P##_set1(int64_t x) { return (T)x; }                                                   \
    static inline T P##_add(T a, T b) { return (T)((U)a + (U)b); }                                         \
    static inline T P##_sub(T a, T b) { return (T)((U)a - (U)b); }                                         \
    static inline T P##_mul(T a, T b) { return (T)((U)a * (U)b); }                                         \
    static inline T P##_and(T a, T b) { return a & b; }                                                    \
    static inline T P##_or(T a, T b) { return a | b; }                                                     \
    static inline T P##_sll(T a, int s) { return (T)((U)a << s); }                                        \
    static inline T P##_sra(T a, int s) { return a >> s; }                                                 \
    static inline T P##_srl(T a, int s) { return (T)((U)a >> s); }                                         \
    static inline T P##_sllv(T a, T s) { return (T)((U)a << (s >= 0 ? s : 0)); }                           \
    static inline T P##_srav(T a, T s) { return a >> (s >= 0 ? s : 0); }                                   \
    static inline T P##_neg(T a) { return (T)(0 - (U)a); }                                                 \
    /* |a| as an unsigned magnitude (a = -2**(W-1) gives 2**(W-1), read by the logical shifts below) */     \
    static inline T P##_abs(T a) { return a < 0 ? P##_neg(a) : a; }                                        \
    /* m: the magnitude of a product, with the sign of x put back (x = 0: m = 0 anyway) */                  \
    static inline T P##_signof(T m, T x) { return x < 0 ? P##_neg(m) : m; }                                \
    static inline T P##_min(T a, T b) { return a < b ? a : b; }                                            \
    static inline T P##_max(T a, T b) { return a > b ? a : b; }                                            \
    static inline P##_m P##_gt(T a, T b) { return a > b; }                                                 \
    static inline P##_m P##_ltz(T a) { return a < 0; }                                                     \
    static inline P##_m P##_nz(T a) { return a != 0; }                                                     \
    static inline P##_m P##_mor(P##_m a, P##_m b) { return a | b; }                                        \
    static inline P##_m P##_mandnot(P##_m a, P##_m b) { return (!a) & b; }                                 \
    static inline P##_m P##_mfalse(void) { return 0; }                                                     \
    static inline T P##_sel(P##_m m, T a, T b) { return m ? a : b; }

/* ----- the rules, once, over a lane vocabulary P (A: the functions' target attribute, or nothing) ------ */

/* NM_LANE_RULES(P, A): the Loihi rule functions over lane vocabulary P; P_cfg holds a chip's constants as
   lanes (overflow constants of a register of h = 2**(bits - 1): h - 1 and 2h - 1). */
#define NM_LANE_RULES(P, A)                                                                                  \
    typedef struct {                                                                                       \
        int d, u_wrap, v_wrap, ishift;  /* decay_bits, overflow policies (1: wrap), input_shift */        \
        P##_v dmask;                    /* 2**D - 1 */                                                     \
        P##_v hu1, m2hu, hv1, m2hv;     /* h - 1 and 2h - 1 of the current and voltage registers */        \
    } P##_cfg;                                                                                             \
                                                                                                           \
    /* trunc(x * k / 2**D) toward zero (Lava: sign(x k) (|x k| >> D)), split as (|x| >> D) k +            \
       ((|x| & (2**D - 1)) k >> D) so that no product needs more bits than |x| k / 2**D (equal exactly:      \
       |x| = q 2**D + r gives |x| k >> D = q k + (r k >> D)). */                                           \
    A static inline P##_v P##_decay(P##_v x, P##_v k, int d, P##_v dmask) {                                \
        const P##_v a = P##_abs(x);                                                                        \
        const P##_v mag = P##_add(P##_mul(P##_srl(a, d), k), P##_srl(P##_mul(P##_and(a, dmask), k), d));   \
        return P##_signof(mag, x);                                                                         \
    }                                                                                                      \
                                                                                                           \
    /* Register overflow, h = 2**(bits - 1): wrap x modulo 2h into [-h1, 2h - 1 - h1], or saturate into     \
       the symmetric [-h1, h1]. h1 = h - 1 gives Lava's conventions (wrap into (-h, h], one off two's       \
       complement at both ends: +h stays, -h becomes +h; Lava's voltage clip never reaches -h); a wrapping \
       register with h1 = h is two's complement, [-h, h) (cores.fixed_point.wrap_offset). */              \
    A static inline P##_v P##_ovf(P##_v x, P##_v h1, P##_v m2h, int wrap) {                                \
        if (wrap)                                                                                          \
            return P##_sub(P##_and(P##_add(x, h1), m2h), h1);                                              \
        return P##_max(P##_min(x, h1), P##_neg(h1));                                                       \
    }                                                                                                      \
                                                                                                           \
    /* shift(x, e): x 2**e modulo 2**W for e >= 0, else the floor shift x >> -e (per-lane e). */           \
    A static inline P##_v P##_shift(P##_v x, P##_v e) {                                                    \
        return P##_sel(P##_ltz(e), P##_srav(x, P##_neg(e)), P##_sllv(x, e));                               \
    }                                                                                                      \
                                                                                                           \
    /* shift(x, e) with one e for every lane */                                                            \
    A static inline P##_v P##_shift1(P##_v x, int e) { return e >= 0 ? P##_sll(x, e) : P##_sra(x, -e); }  \
                                                                                                           \
    /* The input stage: drive = shift(shift(a_in, weight_exp), input_shift) [current LSB]. */              \
    A static inline P##_v P##_drive(P##_v a_in, P##_v wexp, const P##_cfg *c) {                            \
        return P##_shift1(P##_shift(a_in, wexp), c->ishift);                                               \
    }                                                                                                      \
                                                                                                           \
    /* The same with one weight exponent for every lane (a core's shared profile): both shifts left make    \
       one shift by their sum (equal modulo 2**W). */                                                      \
    A static inline P##_v P##_drive1(P##_v a_in, int wexp, const P##_cfg *c) {                             \
        if (wexp >= 0 && c->ishift >= 0)                                                                   \
            return P##_sll(a_in, wexp + c->ishift);                                                        \
        return P##_shift1(P##_shift1(a_in, wexp), c->ishift);                                              \
    }                                                                                                      \
                                                                                                           \
    /* u' = ovf_u(decay(u, k_u) + drive) */                                                                \
    A static inline P##_v P##_current(P##_v u0, P##_v k_u, P##_v drive, const P##_cfg *c) {               \
        return P##_ovf(P##_add(P##_decay(u0, k_u, c->d, c->dmask), drive), c->hu1, c->m2hu, c->u_wrap);    \
    }                                                                                                      \
                                                                                                           \
    /* v' = ovf_v(decay(v, k_v) + u' + bias_eff) (before the threshold) */                                 \
    A static inline P##_v P##_voltage(P##_v v0, P##_v k_v, P##_v un, P##_v bias, const P##_cfg *c) {      \
        return P##_ovf(P##_add(P##_add(P##_decay(v0, k_v, c->d, c->dmask), un), bias), c->hv1, c->m2hv,    \
                       c->v_wrap);                                                                         \
    }                                                                                                      \
                                                                                                           \
    /* Threshold and reset: spike where v' > vth_eff (strictly, Lava) and the neuron is not held           \
       (refractory); v resets to 0 on a spike and stays 0 while held. Returns the spike mask. */           \
    A static inline P##_m P##_fire(P##_v *vn, P##_v vth, P##_m held) {                                     \
        const P##_m s = P##_mandnot(held, P##_gt(*vn, vth));                                               \
        *vn = P##_sel(P##_mor(s, held), P##_set1(0), *vn);                                                 \
        return s;                                                                                          \
    }                                                                                                      \
                                                                                                           \
    /* Active update: anything but a neuron at rest (u = v = 0, no input) left at rest; the caller ors in   \
       the refractory count. */                                                                            \
    A static inline P##_m P##_active(P##_m s, P##_v u0, P##_v v0, P##_v a_in, P##_v vn) {                  \
        return P##_mor(s, P##_nz(P##_or(P##_or(u0, v0), P##_or(a_in, vn))));   /* one test of the four */     \
    }

NM_SCALAR_LANES(nm_s64, int64_t, uint64_t, 64)
NM_LANE_RULES(nm_s64, )
NM_SCALAR_LANES(nm_s32, int32_t, uint32_t, 32)
NM_LANE_RULES(nm_s32, )

/* Config of one register width from the chip's options (h = 2**(bits - 1)). */
#define NM_CFG_FILL(P, c, decay_bits, input_shift, h_u, h_v, uw, vw)                                        \
    do {                                                                                                   \
        (c)->d = (decay_bits);                                                                             \
        (c)->ishift = (input_shift);                                                                       \
        (c)->u_wrap = (uw);                                                                                \
        (c)->v_wrap = (vw);                                                                                \
        (c)->dmask = P##_set1(((int64_t)1 << (decay_bits)) - 1);                                           \
        (c)->hu1 = P##_set1((int64_t)(h_u) - 1);                                                           \
        (c)->m2hu = P##_set1(2 * (int64_t)(h_u) - 1);                                                      \
        (c)->hv1 = P##_set1((int64_t)(h_v) - 1);                                                           \
        (c)->m2hv = P##_set1(2 * (int64_t)(h_v) - 1);                                                      \
    } while (0)

/* ----- Loihi LIF, one neuron with its record (the per-core kernels and the fused loop's scalar rules) --- */

/* Per-neuron parameter record, one struct per neuron so that an update reads one short record. NumPy twin
   (same field order, explicit padding): cores.tables.LOIHI_DTYPE. */
typedef struct {
    int64_t vth_eff;          /* vth << threshold_shift [voltage LSB] */
    int64_t bias_eff;         /* shift(bias_mant, bias_exp) [voltage LSB] */
    int32_t k_u;              /* 2**D - (du + 1): current decay multiplier */
    int32_t k_v;              /* 2**D - dv: voltage decay multiplier */
    int16_t refractory_ticks;
    int8_t weight_exp;
    uint8_t flags;            /* NM_LF_REST */
    int32_t pad;
} nm_loihi_neuron_t;

enum {
    NM_LF_REST = 1,           /* bias_eff == 0: u = v = 0 with no input stays at rest */
    NM_F_SPIKE = 1,           /* return flags of the one-neuron updates */
    NM_F_ACTIVE = 2
};

typedef struct {
    nm_s64_cfg r;             /* the lane rules' constants */
    int refractory;           /* silicon refractory (cores.params: refractory "silicon") */
} nm_loihi_cfg_t;

static inline nm_loihi_cfg_t nm_loihi_cfg(int decay_bits, int input_shift, int current_bits, int u_wrap,
                                          int membrane_bits, int v_wrap, int refractory) {
    nm_loihi_cfg_t c;
    NM_CFG_FILL(nm_s64, &c.r, decay_bits, input_shift, (int64_t)1 << (current_bits - 1),
                (int64_t)1 << (membrane_bits - 1), u_wrap, v_wrap);
    c.refractory = refractory;
    return c;
}

/* One neuron, one tick, from its summed input a_in (Lava's a_in, before the shifts). Silicon refractory
   (Lava issue #282: the chip holds v at a refractory marker instead of integrating): while the counter runs v
   stays 0 and cannot spike, u keeps integrating; a spike loads the counter. Returns NM_F_* flags. */
static inline int nm_loihi_neuron(const nm_loihi_neuron_t *p, int64_t *u, int64_t *v, int32_t *refr, int64_t a_in,
                                  const nm_loihi_cfg_t *c) {
    const int64_t u0 = *u, v0 = *v;
    const int32_t r0 = c->refractory ? *refr : 0;
    const int64_t un = nm_s64_current(u0, p->k_u, nm_s64_drive(a_in, p->weight_exp, &c->r), &c->r);
    int64_t vn = nm_s64_voltage(v0, p->k_v, un, p->bias_eff, &c->r);
    const int s = nm_s64_fire(&vn, p->vth_eff, r0 > 0);
    if (c->refractory)
        *refr = r0 > 0 ? r0 - 1 : (s ? p->refractory_ticks : 0);
    *u = un;
    *v = vn;
    return (nm_s64_active(s, u0, v0, a_in, vn) | (r0 != 0)) ? NM_F_ACTIVE | (s ? NM_F_SPIKE : 0) : 0;
}

/* True when the update provably leaves the neuron at rest: no input, u = v = refractory = 0 and no bias
   (decay(0) = 0, ovf(0) = 0, and 0 > vth_eff >= 0 is false). The caller then only counts it inactive. */
static inline int nm_loihi_at_rest(const nm_loihi_neuron_t *p, int64_t u, int64_t v, int32_t r, int64_t a_in) {
    return a_in == 0 && u == 0 && v == 0 && r == 0 && (p->flags & NM_LF_REST);
}

/* ----- counter-based PRNG (twin of cores/prng.py) ----------------------------------------------------- */

/* SplitMix64 finaliser (unsigned: the products wrap by definition). */
static inline uint64_t nm_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t nm_core_tick_hash(uint64_t key, int64_t core, int64_t tick) {
    return nm_mix64(nm_mix64(key ^ (uint64_t)core) ^ (uint64_t)tick);
}

/* Draw slots of one neuron and tick (cores.prng.SLOT_*); synapse draws use slot 2 + (local axon << 32) + m
   (m = 0 on binary axons: one draw per axon and tick). */
enum { NM_SLOT_THRESHOLD = 0, NM_SLOT_LEAK = 1, NM_SLOT_SYNAPSE = 2 };

/* The draw of (core-tick hash h_ct, local neuron, slot). */
static inline uint64_t nm_draw(uint64_t h_ct, int64_t local, uint64_t slot) {
    return nm_mix64(nm_mix64(h_ct ^ (uint64_t)local) ^ slot);
}

/* ----- TrueNorth (cores.params.TrueNorthParams; Cassidy et al., IJCNN 2013) ----------------------------- */

/* Per-neuron record; NumPy twin cores.tables.TRUENORTH_DTYPE. */
typedef struct {
    int64_t reset_value;      /* R [membrane LSB] */
    int32_t alpha;            /* positive threshold */
    int32_t beta;             /* negative threshold magnitude */
    int32_t eta_mask;         /* 2**threshold_mask_bits - 1 */
    int16_t leak;
    uint8_t reset_mode;       /* gamma: 0 reset to R, 1 linear, 2 none */
    uint8_t flags;            /* NM_TF_* */
} nm_tn_neuron_t;

enum {
    NM_TF_LEAK_REV = 1,       /* leak sign follows sign(V) */
    NM_TF_LEAK_STOCH = 2,     /* leak of sign(leak) with probability |leak| / 256 */
    NM_TF_KAPPA = 4,          /* negative saturation at -beta */
    NM_TF_REST = 8            /* (leak == 0 or leak reversal) and alpha > 0: V = 0 with no input stays 0 */
};

typedef struct {
    nm_s64_v h1, m2h;         /* overflow constants of the membrane register (nm_s64_ovf) */
    int wrap;
} nm_tn_cfg_t;

/* The membrane register: wrap (1) or saturate (0); a wrapping one as two's complement (twos = 1: [-h, h),
   TrueNorth's RTL, h1 = h) or with Lava's boundaries (twos = 0: (-h, h], h1 = h - 1). Saturation is
   symmetric either way ([-(h - 1), h - 1]). */
static inline nm_tn_cfg_t nm_tn_cfg(int membrane_bits, int wrap, int twos) {
    nm_tn_cfg_t c;
    const int64_t h = (int64_t)1 << (membrane_bits - 1);
    c.h1 = (wrap && twos) ? h : h - 1;
    c.m2h = 2 * h - 1;
    c.wrap = wrap;
    return c;
}

static inline int64_t nm_sign64(int64_t x) { return (x > 0) - (x < 0); }

/* Stochastic threshold: eta = draw & (2**threshold_mask_bits - 1) (0 without a mask). */
static inline int64_t nm_tn_eta(const nm_tn_neuron_t *p, uint64_t h_ct, int64_t local) {
    if (!p->eta_mask)
        return 0;
    return (int64_t)(nm_draw(h_ct, local, NM_SLOT_THRESHOLD) & (uint64_t)p->eta_mask);
}

/* ----- TrueNorth over a lane vocabulary, once for every path ------------------------------------------------
 *
 * NM_TN_LANE_RULES(P, A) defines P_tn_step over lane vocabulary P: the scalar int64 rule below (the per-core
 * kernels, the direct path and the fused loop's wide fallback), the fused loop's int32 scalar path (nm_s32) and
 * its AVX2 / AVX-512 lanes (nm_v8, nm_v16 in nm_lanes_x86.h) all run this one definition. Branch-free: every
 * branch of Cassidy 2013's rule is a select. The draws come in as lanes (the caller draws, or passes zeros where
 * no neuron draws): eta = draw(SLOT_THRESHOLD) & eta_mask, rl = draw(SLOT_LEAK) & 0xFF.
 *
 *     vv = ovf(v0 + a_in)
 *     lk = rev ? leak * sign(vv) : leak;  lk = lstoch ? (rl < |lk| ? sign(lk) : 0) : lk;  vv = ovf(vv + lk)
 *     pos = alpha + eta, neg = beta + eta
 *     vv >= pos:                       spike; V = R (gamma 0) | vv - pos (gamma 1) | vv (gamma 2)
 *     kappa and vv < -beta:            V = -beta (negative saturation ignores eta)
 *     not kappa and vv < -neg:         V = -R (gamma 0) | vv + neg (gamma 1) | vv (gamma 2)
 *     V = ovf(V)
 * g0: gamma == 0; g01: gamma <= 1. Returns the spike mask; *vout the new V, *act the active mask (spike, or V
 * before or after, or the input, non-zero). In 32-bit lanes this is exact when the sums stay below 2**31
 * (emulator.fused checks the bounds: |V| <= 2**(b-1), |a_in|, |leak|, alpha, beta, eta, |R|). */
#define NM_TN_LANE_RULES(P, A)                                                                               \
    A static inline P##_v P##_sgn(P##_v x) {                                                               \
        return P##_sel(P##_gt(x, P##_set1(0)), P##_set1(1), P##_sel(P##_ltz(x), P##_set1(-1), P##_set1(0))); \
    }                                                                                                      \
    A static inline P##_m P##_tn_step(P##_v v0, P##_v a_in, P##_v leak, P##_m rev, P##_m lstoch, P##_v rl,     \
                                      P##_v eta, P##_v alpha, P##_v beta, P##_m kappa, P##_m g0, P##_m g01,   \
                                      P##_v r, P##_v h1, P##_v m2h, int wrap, P##_v *vout, P##_m *act) {      \
        const P##_v zero = P##_set1(0);                                                                    \
        P##_v vv = P##_ovf(P##_add(v0, a_in), h1, m2h, wrap);                                              \
        P##_v lk = P##_sel(rev, P##_sel(P##_gt(vv, zero), leak, P##_sel(P##_ltz(vv), P##_neg(leak), zero)), leak); \
        lk = P##_sel(lstoch, P##_sel(P##_gt(P##_abs(lk), rl), P##_sgn(lk), zero), lk);                     \
        vv = P##_ovf(P##_add(vv, lk), h1, m2h, wrap);                                                      \
        const P##_v pos = P##_add(alpha, eta), neg = P##_add(beta, eta);                                   \
        const P##_m spike = P##_gt(vv, P##_sub(pos, P##_set1(1)));                                          \
        const P##_v up = P##_sel(g0, r, P##_sub(vv, P##_sel(g01, pos, zero)));                             \
        const P##_v down = P##_sel(g0, P##_neg(r), P##_add(vv, P##_sel(g01, neg, zero)));                  \
        const P##_v nbeta = P##_neg(beta);                                                                 \
        const P##_v below = P##_sel(kappa, P##_sel(P##_gt(nbeta, vv), nbeta, vv),                          \
                                    P##_sel(P##_gt(P##_neg(neg), vv), down, vv));                          \
        const P##_v vn = P##_ovf(P##_sel(spike, up, below), h1, m2h, wrap);                                \
        *vout = vn;                                                                                        \
        *act = P##_mor(spike, P##_nz(P##_or(P##_or(v0, a_in), vn)));   /* one test of the three values */   \
        return spike;                                                                                      \
    }

NM_TN_LANE_RULES(nm_s64, )
NM_TN_LANE_RULES(nm_s32, )

/* The leak draw's low byte (0 when the neuron's leak is not stochastic: then it is not read). */
static inline int64_t nm_tn_rl(const nm_tn_neuron_t *p, uint64_t h_ct, int64_t local) {
    return (p->flags & NM_TF_LEAK_STOCH) ? (int64_t)(nm_draw(h_ct, local, NM_SLOT_LEAK) & 0xFF) : 0;
}

/* One neuron, one tick: the lane rule with one int64 lane. Its draws hash (h_ct, local neuron). Returns NM_F_*
   flags. */
static inline int nm_tn_neuron(const nm_tn_neuron_t *p, int64_t *v, int64_t a_in, uint64_t h_ct, int64_t local,
                               const nm_tn_cfg_t *c) {
    int64_t act = 0;
    const int64_t g = p->reset_mode;
    const int64_t spike = nm_s64_tn_step(*v, a_in, p->leak, (p->flags & NM_TF_LEAK_REV) != 0,
                                         (p->flags & NM_TF_LEAK_STOCH) != 0, nm_tn_rl(p, h_ct, local),
                                         nm_tn_eta(p, h_ct, local), p->alpha, p->beta,
                                         (p->flags & NM_TF_KAPPA) != 0, g == 0, g <= 1, p->reset_value, c->h1,
                                         c->m2h, c->wrap, v, &act);
    return act ? NM_F_ACTIVE | (spike ? NM_F_SPIKE : 0) : 0;
}

/* A neuron with V = 0, no input and NM_TF_REST: leak 0 (or reversed at V = 0) keeps V = 0 and alpha > 0 with
   eta >= 0 cannot fire at V = 0; its update would be an inactive no-op. */
static inline int nm_tn_at_rest(const nm_tn_neuron_t *p, int64_t v, int64_t a_in) {
    return a_in == 0 && v == 0 && (p->flags & NM_TF_REST);
}

#endif
