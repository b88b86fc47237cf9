/* The end of a fused-loop tick over a range of cores and of link lines (emulator/_close.c): the per-core counts
   added to the run's totals and zeroed, and (timed ticks) the compute phase and the injection bound of the loads
   estimate per core, and the link loads from the route grids. Ranges are independent, so the two threads of a
   TrueNorth tick each close their half (emulator/_tn_fused.c) and the caller combines the parts
   (FusedKernel._finish in emulator/_fused.pyx, which does the rest of the network phase); one-range callers
   (Loihi, one thread) take the whole chip as one part. The NumPy specification is noc.loads_estimate
   (network_end): every sum here is the one of FusedKernel._time before, in the same order per core and cell, and
   the parts combine by max / min / first-of-equal, so the report does not depend on the split. */
#ifndef NM_CLOSE_H
#define NM_CLOSE_H
#include <stdint.h>
#include "_events.h"

typedef struct {
    /* per-core prices (emulator.timing.TickTiming): ns per syn-op, active and inactive update, packet sent */
    double syn_ns, act_ns, inact_ns, spk_ns, cycle_ns;
    double s_inj;                   /* injection cycles per packet (noc.loads_estimate) */
    int64_t I, P, L, E, F;          /* zero-load latency terms, cycles; F flits per packet */
    const double *n_per_core;       /* [C] neurons per core (the update's per-neuron share) */
    const double *core_x;           /* [C] a system's extra cycles per core position, or NULL (one chip) */
    double *core_a;                 /* [C] a system's first-packet time per core (+inf without packets) */
    int32_t *core_hmax;             /* [C] the tick's longest route per source core (zeroed here) */
    int32_t *dlv;                   /* [C] the tick's deliveries per core (zeroed here) */
    int64_t n_cores, width, height;
    int64_t *load;                  /* [4 w h] the tick's packets per link cell */
    const int32_t *cell_link;       /* [4 w h] the link of each cell (-1: a line's closing cell) */
    /* the run's outputs (set per run; activity per tick) */
    int timed;
    int64_t *per_core;              /* [C][NM_NEV] counts summed over the run */
    int64_t *link_flits;            /* [links] flits over the run */
    int64_t *activity;              /* [C][NM_NEV] this tick's counts, or NULL (not recorded) */
} nm_close_t;

/* What a range contributes to the tick's phases (busy_max, first packet t_a, last request t_e, injection
   bound inj), its culprits (the busiest core and its syn-ops and packets; the first core of the most
   deliveries), its packets and the busiest link cell (n_link, -1 none), and its count totals. */
typedef struct {
    double busy_max, t_a, t_e, inj;
    int64_t best_core, best_syn, best_pkt, n_dlv, dlv_core, npk, n_link, best_cell;
    int64_t tot[NM_NEV];
} nm_part_t;

/* Close cores k0 .. k1 - 1 into *o (initialised here): ctr [C][NM_NEV] the tick's counts; ctr_b / dlv_b (or
   NULL) a second thread's packets, hops and deliveries, added in (and zeroed). */
void nm_close_cores(const nm_close_t *c, int64_t *ctr, int64_t *ctr_b, int32_t *dlv_b, int64_t k0, int64_t k1,
                    nm_part_t *o);

/* Lines l0 .. l1 - 1 of the four difference grids (E, W: h lines of w cells; N, S: w lines of h cells, in that
   order; nm_close_lines_n of them) into link loads, link flits and o's busiest cell (on one chip: a system's
   caller weighs every cell's service itself); grid_b (or NULL): a second thread's grids, added in. Both grids
   zeroed. */
void nm_close_lines(const nm_close_t *c, int64_t *grid, int64_t *grid_b, int64_t l0, int64_t l1, nm_part_t *o);

static inline int64_t nm_close_lines_n(const nm_close_t *c) { return 2 * (c->width + c->height); }

/* Part b combined into a (b's cores and cells after a's: a first-of-equal stays a's). */
void nm_part_add(nm_part_t *a, const nm_part_t *b);

#endif
