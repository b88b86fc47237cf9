/* Per-spike events of the fused kernel (emulator/_events.c): counts, deliveries and route counts. */
#ifndef NM_EVENTS_H
#define NM_EVENTS_H
#include <stdint.h>

/* Columns of the per-core count block: the twin of chip_configs.events.Event (NM_NEV = len(Event)). The
   numbers the compiler sees here are exposed by emulator/_tick.pyx (EVENT_COLUMNS) and checked against Event
   field by field when emulator._tick is imported (a mismatch is an ImportError naming the field); edit both
   together. */
enum { NM_SYN = 0, NM_ACT = 1, NM_INACT = 2, NM_SPK = 3, NM_PKT = 4, NM_HEW = 5, NM_HNS = 6, NM_DLV = 7, NM_NEV = 8 };

/* What a spike of one neuron adds besides its synapses, in one 64-byte record: its destination cores as bits
   (up to 256 cores; beyond, nm_events_t.dmask), its packets and hops, the list ranges of what the bits cannot
   say (further packets to a core already set, and their route differences), its longest route's hops, and
   its core, router and router group. NumPy twin: emulator.fused_events.META_DTYPE. */
typedef struct {
    uint64_t mask[4];
    int32_t pkt, hew, hns, ev_start, dl_start;
    int16_t hmax;
    uint16_t core, router, group, ev_n, dl_n;
} nm_meta_t;

typedef struct {
    /* per neuron */
    const nm_meta_t *meta;
    const uint64_t *dmask;     /* [N][n_words] destination bits when n_words > 4 */
    const uint8_t *lcnt;       /* [N][lines_pad] first packets per destination line (route counts) */
    const uint32_t *ev;        /* (increment << 16) | counter index */
    const uint16_t *dl;        /* destination core position of each listed packet */
    int n_words;               /* 64-bit words of a destination mask; 0: no masks, every packet listed */
    int lanes;                 /* counters per group row (n_words * 64) */
    int lines_pad;             /* counters per router row (a multiple of 32) */
    int simd;                  /* NM_SIMD_*: the counters' instruction set (at most nm_events_simd_available()) */
    /* this tick's accumulators */
    int64_t *ctr;              /* [C][NM_NEV] per-core counts, then the difference grids */
    int32_t *core_hmax;        /* [C] longest route of the tick's packets per core */
    int32_t *dlv;              /* [C] listed deliveries */
    int64_t *src_count;        /* [N] spikes per neuron (the zero-load latency histogram) */
    uint16_t *dg;              /* [groups][lanes] first packets per destination bit, per source group */
    uint16_t *cr;              /* [routers][lines_pad] first packets per destination line, per source router */
    uint8_t *g_used;           /* [groups] rows of dg with counts */
    uint8_t *r_used;           /* [routers] rows of cr with counts */
    int32_t *r_list;           /* [routers] the routers of r_used, in order of first use */
    int32_t n_r_list;
} nm_events_t;

/* Instruction sets of the vector paths, best last. */
enum { NM_SIMD_NONE = 0, NM_SIMD_AVX2 = 1, NM_SIMD_AVX512 = 2 };

/* The best this CPU runs: NM_SIMD_AVX512 (AVX512F + AVX512BW), NM_SIMD_AVX2 or NM_SIMD_NONE. */
int nm_events_simd_available(void);

/* The events of the n spikes spikes[0 .. n-1]: per-core packets, hops and longest route, listed deliveries and
   route differences, and, with masks, the route counts of dg and cr. */
void nm_events_tick(nm_events_t *e, const int32_t *spikes, int64_t n);

/* One-target neurons (TrueNorth: each neuron drives exactly one axon): a spike is one packet from its core s to
   one destination core d, so its events follow from the two cores' router coordinates x, y alone, with no
   per-neuron record (emulator/_tn_fused.c finds s and d while it schedules the spike). Per packet: the source
   core's packets += 1, hops east-west += |xd - xs|, north-south += |yd - ys|, longest route max= h = their
   sum; the destination's deliveries += 1; hops[h + (width + height - 1) k] += 1 (the zero-load latency
   histogram, by hop count h and, in a system of chips, off-chip crossings k = |cxd - cxs| + |cyd - cys|, which
   also add to the source core's off-chip hops off[s]); the
   route's two straight runs (XY: the source row, then the destination column; YX: the other way round) as
   +1 / -1 entries of the difference grids after the per-core block (the layout of
   emulator.fused_events.Geometry: E, W lines of `width` cells, N, S lines of `height` cells). */
typedef struct {
    const int32_t *x, *y;      /* [C] router coordinates of each core position */
    const int32_t *cx, *cy;    /* [C] chip column and row of each core position; NULL on a single chip */
    int64_t *off;              /* [C][2] off-chip hops (east-west, north-south) by source core position, in a
                                  system (NULL otherwise): the per-core rows' off-chip flits (emulator/off_chip.py) */
    int64_t *hops;             /* [(width + height - 1) x (chip crossings + 1)] this run's packets by hop count
                                  and crossings */
    int64_t n_cores, width, height;
    int x_first;
} nm_one_t;

/* A straight run along a line from coordinate a to b: +1 at its first cell, -1 one past its last, on the
   positive (pos) or negative (neg) direction's line starting at cell `line0` of either grid. Either way the +1
   is at min(a, b) and the -1 at max(a, b): written without a branch (the direction of a random route is a coin
   toss, which the branch predictor lost half the time); a == b adds 0. */
static inline __attribute__((always_inline)) void nm_one_run(int64_t *grid, int64_t pos, int64_t neg, int64_t line0,
                                                             int64_t a, int64_t b) {
    int64_t *g = grid + (b > a ? pos : neg) + line0;
    const int64_t lo = a < b ? a : b, hi = a < b ? b : a, one = a != b;
    g[lo] += one;
    g[hi] -= one;
}

/* always inlined: called per packet in the scheduling loops (a call each cost ~6 % of a TrueNorth tick) */
static inline __attribute__((always_inline)) void nm_one_packet(nm_events_t *e, const nm_one_t *o, int64_t s,
                                                                int64_t d) {
    int64_t *grid = e->ctr + o->n_cores * NM_NEV;
    const int64_t w = o->width, h = o->height, wh = w * h;
    const int64_t xs = o->x[s], ys = o->y[s], xd = o->x[d], yd = o->y[d];
    const int64_t dx = xd > xs ? xd - xs : xs - xd, dy = yd > ys ? yd - ys : ys - yd;
    int64_t *c = e->ctr + s * NM_NEV;
    c[NM_PKT] += 1;
    c[NM_HEW] += dx;
    c[NM_HNS] += dy;
    const int32_t hm = e->core_hmax[s];
    e->core_hmax[s] = dx + dy > hm ? (int32_t)(dx + dy) : hm;
    e->dlv[d] += 1;
    int64_t k = dx + dy;
    if (o->cx) {   /* a system: off-chip links on the route, whatever the dimension order */
        const int64_t kx = o->cx[d] > o->cx[s] ? o->cx[d] - o->cx[s] : o->cx[s] - o->cx[d];
        const int64_t ky = o->cy[d] > o->cy[s] ? o->cy[d] - o->cy[s] : o->cy[s] - o->cy[d];
        if (o->off) {
            o->off[2 * s] += kx;
            o->off[2 * s + 1] += ky;
        }
        k += (w + h - 1) * (kx + ky);
    }
    if (o->hops)
        o->hops[k] += 1;
    if (o->x_first) {
        nm_one_run(grid, 0, wh, ys * w, xs, xd);
        nm_one_run(grid, 2 * wh, 3 * wh, xd * h, ys, yd);
    } else {
        nm_one_run(grid, 2 * wh, 3 * wh, xs * h, ys, yd);
        nm_one_run(grid, 0, wh, yd * w, xs, xd);
    }
}


#endif
