/* TrueNorth in the fused loop (emulator/_tn_fused.c): binary axons as bits per delay slot, bit-parallel crossbar
   integration and the neuron rule of cores/nm_rules.h in 32-bit lanes, core by core. */
#ifndef NM_TN_FUSED_H
#define NM_TN_FUSED_H
#include <stdint.h>
#include "nm_rules.h"
#include "_events.h"
#include "_close.h"

/* Prefetch distance of the crossbar rows, in axons (a tick's list has this many entries of padding). */
#ifndef NM_TN_AHEAD
#define NM_TN_AHEAD 24
#endif

/* Parameter columns of the 32-bit lanes (per neuron, or one profile per core). */
enum { NM_TP_ALPHA = 0, NM_TP_BETA, NM_TP_ETA_MASK, NM_TP_LEAK, NM_TP_RESET, NM_TP_FLAGS, NM_TP_GAMMA, NM_TP_N = 8 };

typedef struct {
    /* the crossbar (cores.crossbar.BitCrossbar), read only */
    const uint64_t *words;          /* [n_axons][n_words] row bits: bit j = local neuron j of the axon's core */
    const uint8_t *axon_type;       /* [n_axons] */
    const int16_t *w16;             /* [types][n_neurons] weight of each neuron per axon type, or NULL ... */
    const int32_t *w32;             /* ... the same as int32 (weights beyond int16; scalar integration only) */
    const uint8_t *stoch;           /* [types][n_neurons] stochastic synapse flags, or NULL (none) */
    const uint8_t *core_stoch;      /* [n_cores][types]: some neuron of core k takes type t stochastically */
    const nm_tn_neuron_t *prm;      /* [n_neurons] the kernel records (cores._kernels) */
    const int64_t *noff, *aoff;     /* [n_cores + 1] first neuron / axon of each core */
    const int64_t *abase;           /* [n_cores + 1] first word of each core in a slot's axon bitmap */
    const int32_t *word_core;       /* [bit_words] the core of each word of a slot's axon bitmap */
    int64_t n_cores, n_neurons, bit_words, n_pad;
    int n_words, types, ring;       /* ring: delay slots held (> the largest delay) */
    int simd;                       /* NM_LEVEL_* of cores/nm_lanes_x86.h: the variant of the vector loops */
    int lanes32;                    /* the int32 lane rules are exact for this chip (emulator.fused checks) */
    int lanes16;                    /* the crossbar sums are exact in int16 lanes (emulator.fused.bit_sums16: no
                                       stochastic synapse, axons per core x max |weight| < 2**15): the vector
                                       levels integrate 32 (AVX-512) or 16 (AVX2) synapses per instruction */
    const int32_t *w_uni;           /* [n_cores * types]: the type's weight when every neuron of core k has it,
                                       else NM_TN_MIXED (lanes16; the weight broadcast instead of loaded) */
    uint64_t key;                   /* cores.prng.seed_key of the chip's seed */
    nm_tn_cfg_t cfg;                /* the membrane register */
    /* parameters of the 32-bit lanes */
    const int32_t *soa;             /* [NM_TP_N][n_pad] per neuron (padded by 16) */
    const int32_t *core_profile;    /* [n_cores]: the core's profile, or -1 (per neuron) */
    const int32_t (*profile)[NM_TP_N];
    const uint8_t *core_draws;      /* [n_cores]: a neuron of core k draws (threshold mask or stochastic leak) */
    const uint8_t *all_rest;        /* [n_cores]: every neuron of core k has NM_TF_REST */
    /* state */
    uint64_t *abits;                /* [ring][bit_words]: an axon's bit in the slot of its delivery tick */
    uint64_t *abits_b;              /* [ring][bit_words]: the same, set by the second thread's spikes (two
                                       threads, each scheduling its own: no line written by both) ... */
    int b_live;                     /* ... since the first such tick (the listing ORs it in from then on) */
    int64_t *dup;                   /* [ring]: spikes ORed into a set bit, counted when the slot is delivered */
    int64_t *dup_b;                 /* [ring]: the same, the second thread's; added to dup after the join */
    int32_t *acc, *eta, *rl;        /* [max core neurons + 16] one core's input and draws (scratch) */
    int16_t *acc16;                 /* [max core neurons + 32] one core's input in int16 lanes (lanes16) */
    int upd16;                      /* the update is exact in int16 lanes on a vector level (emulator.fused.
                                       bit_update16: profiles only, no draws, reset to R, the sums int16) while
                                       every register value lies in [v16_lo, v16_hi] (checked at load) */
    int32_t v16_lo, v16_hi;
    int v16_on;                     /* this run's update in int16 lanes (set by nm_tn_load) */
    int16_t *v16;                   /* [n_pad] the membrane in int16 lanes (v16_on) */
    int32_t *v32;                   /* [n_pad] the membrane on the 32-bit lanes (lanes32) ... */
    int64_t *v64;                   /* ... else the CoreArray's own register */
    uint8_t *quiet;                 /* [n_cores]: the core's last update was inactive throughout */
    int32_t *alist, *glist;         /* [bit_words * 64 + NM_TN_AHEAD] a tick's set axons: local, global ids */
    int32_t *spc;                   /* [n_neurons] the core of each spike the tick lists (the spike list's twin) */
    int64_t *lptr;                  /* [n_cores + 1] each core's range of them */
    /* threads over cores within a tick: with threads = 2 a second thread runs some of the cores with its own
       scratch, lists and spike list, the two claiming chunks of `chunk` cores from either end (the results do
       not depend on it); claim_n [n_cores + 1]: the second thread's spikes per chunk, in claim order */
    int threads;
    int64_t chunk;
    int64_t first_max;              /* the most chunks the first thread claims (the tests' cap; else INT64_MAX) */
    int64_t second_cores;           /* cores the second thread ran, summed over ticks (from 0 at reset) */
    int64_t *claim_n;
    int32_t *alist2, *glist2;
    int32_t *acc2, *eta2, *rl2, *sp2, *spc2;
    int16_t *acc16b;
    /* the tick's spikes scheduled by nm_tn_tick itself (sched_mode; NM_TN_SCHED_NONE: by the caller): in the
       one-target pass with their events (sched_one, sched_e, sched_o), or plain (sched_ptr, sched_rec,
       sched_one: nm_tn_schedule's tables) */
    int sched_mode;
    const uint32_t *sched_one, *sched_rec;
    const int64_t *sched_ptr;
    nm_events_t *sched_e;
    const nm_one_t *sched_o;
    /* the second thread, created at the first two-thread tick and kept (woken per tick) until nm_tn_pool_stop;
       NULL: none (opaque: nm_tn_pool_t of _tn_fused.c) */
    void *pool;
    /* the second thread's own accumulators, when it schedules its spikes with their events itself (timed
       one-target chips, NM_TN_SCHED_ONE; NULL: the first thread schedules every spike after the join instead):
       the events' counters and grids (ctr_b [ctr_n], like sched_e->ctr), deliveries (dlv_b [n_cores]) and the
       hop-count histogram with the off-chip hops (hops_b [hops_n], like sched_o->hops); added to the shared
       ones after the join, and zeroed */
    int64_t *ctr_b, *hops_b;
    int32_t *dlv_b;
    int64_t ctr_n, hops_n;
    /* the tick's end inside the tick (close, or NULL: the caller closes): each thread closes its half of the
       cores and link lines (emulator/_close.h) once both have scheduled; the parts combined into parts[0]
       (parts: two records) */
    const nm_close_t *close;
    nm_part_t *parts;
} nm_tn_t;

enum { NM_TN_SCHED_NONE = 0, NM_TN_SCHED_ONE = 1, NM_TN_SCHED_PLAIN = 2 };

/* Run tick `tick` on every core: integrate the axons of the tick's slot (their bits cleared), update every
   neuron, list the spikes in sp (ascending), add each core's syn-ops, active / inactive updates and spikes to
   ctr[k * NM_NEV + ...] and the slot's dropped duplicates to *dups; then schedule the spikes (sched_mode) and,
   with p->close, close the tick into p->parts[0] (ctr's per-core counts and grids zeroed). Returns the number
   of spikes. */
int64_t nm_tn_tick(nm_tn_t *p, int64_t tick, int32_t *sp, int64_t *ctr, int64_t *dups);

/* Schedule, after tick `tick`, the entries of rows src[0 .. n-1] (count[i] spikes each; count NULL: one):
   rows ptr[s] .. ptr[s + 1] of rec, each (bit << 8) | delay, set the axon's bit in the slot of tick + delay.
   one (or NULL): per source, its only entry, or NM_TN_NONE (no entry) or NM_TN_MANY (several: the rows). */
enum { NM_TN_MANY = 0xFFFFFFFE, NM_TN_NONE = 0xFFFFFFFF };

/* w_uni of a core and type whose neurons' weights differ (outside int16). */
#define NM_TN_MIXED (1 << 30)
void nm_tn_schedule(nm_tn_t *p, int64_t tick, const int64_t *ptr, const uint32_t *rec, const uint32_t *one,
                    const int32_t *src, const int32_t *count, int64_t n);

/* nm_tn_schedule of one-target neurons (one: every entry < NM_TN_MANY or NM_TN_NONE) with their packets' events
   (nm_one_packet of _events.h): the spike's source core src_core[i] (listed with the spike: spc), its
   destination core the core of its axon bit (word_core). */
void nm_tn_schedule_one(nm_tn_t *p, int64_t tick, const uint32_t *one, const int32_t *src, const int32_t *src_core,
                        int64_t n, nm_events_t *e, const nm_one_t *o);

/* The persistent second thread stopped and joined, its resources freed (the kernel's destructor; threads = 1).
   Idempotent; the next two-thread tick starts a new one. */
void nm_tn_pool_stop(nm_tn_t *p);

/* The 32-bit (or, with upd16 and every value in its range, the 16-bit) membrane from / to the CoreArray's int64
   register (lanes32; load also clears the quiet flags and decides v16_on). */
void nm_tn_load(nm_tn_t *p);
void nm_tn_store(nm_tn_t *p);

#endif
