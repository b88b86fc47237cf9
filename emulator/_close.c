/* The end of a fused-loop tick over ranges of cores and link lines (see _close.h). */
#include "_close.h"
#include <math.h>
#include <stddef.h>

/* Zero-load latency of a packet of h hops, cycles: injection, h + 1 router pipelines, h links, ejection, and
   the flits after the head (noc.loads_estimate.zero_load_cycles). */
static inline double nm_t0_cycles(const nm_close_t *c, int64_t h) {
    return (double)(c->I + (h + 1) * c->P + h * c->L + c->E + c->F - 1);
}

void nm_close_cores(const nm_close_t *c, int64_t *ctr, int64_t *ctr_b, int32_t *dlv_b, int64_t k0, int64_t k1,
                    nm_part_t *o) {
    double busy_max = 0.0, t_a = 1e300, t_e = 0.0, inj = 0.0;
    int64_t best_core = k0, best_syn = 0, best_pkt = 0, n_dlv = -1, dlv_core = k0, npk = 0;
    int64_t tot[NM_NEV] = {0};      /* in registers: per_core[k][j] += x is a store per core, tot is not */
    const double cyc = c->cycle_ns;
    int32_t *dlv = c->dlv;
    for (int64_t k = k0; k < k1; k++) {
        int64_t *x = ctr + k * NM_NEV;
        if (ctr_b) {
            for (int j = NM_PKT; j <= NM_HNS; j++) {
                x[j] += ctr_b[k * NM_NEV + j];
                ctr_b[k * NM_NEV + j] = 0;
            }
        }
        x[NM_DLV] += dlv[k];
        dlv[k] = 0;
        if (dlv_b) {
            x[NM_DLV] += dlv_b[k];
            dlv_b[k] = 0;
        }
        if (x[NM_DLV] > n_dlv) {    /* the first core of the most deliveries (the ejection culprit) */
            n_dlv = x[NM_DLV];
            dlv_core = k;
        }
        if (c->timed) {
            /* the core's compute time, and its packets' injection: the first at a, one per s_inj cycles, the
               last requested at busy; the last one's zero-load latency over its longest route */
            const double integ = x[NM_SYN] * c->syn_ns;
            const double upd = x[NM_ACT] * c->act_ns + x[NM_INACT] * c->inact_ns;
            const double busy = integ + upd + x[NM_PKT] * c->spk_ns;
            if (busy > busy_max || k == k0) {   /* k0: the range's culprit until one is busier */
                busy_max = busy;
                best_core = k;
                best_syn = x[NM_SYN];
                best_pkt = x[NM_PKT];
            }
            if (c->core_a)
                c->core_a[k] = INFINITY;
            if (x[NM_PKT] > 0) {
                npk += x[NM_PKT];
                const double a = integ + upd / c->n_per_core[k] + c->spk_ns;
                t_a = a < t_a ? a : t_a;
                if (c->core_a)
                    c->core_a[k] = a;
                t_e = busy > t_e ? busy : t_e;
                double end = a + x[NM_PKT] * c->s_inj * cyc;
                end = busy > end ? busy : end;
                end += (nm_t0_cycles(c, c->core_hmax[k]) + (c->core_x ? c->core_x[k] : 0.0)) * cyc;
                inj = end > inj ? end : inj;
                c->core_hmax[k] = 0;
            }
        }
        int64_t *pc = c->per_core + k * NM_NEV;
        for (int j = 0; j < NM_NEV; j++) {
            tot[j] += x[j];
            pc[j] += x[j];
        }
        if (c->activity) {
            for (int j = 0; j < NM_NEV; j++)
                c->activity[k * NM_NEV + j] = x[j];
        }
        for (int j = 0; j < NM_NEV; j++)
            x[j] = 0;
    }
    o->busy_max = busy_max;
    o->t_a = t_a;
    o->t_e = t_e;
    o->inj = inj;
    o->best_core = best_core;
    o->best_syn = best_syn;
    o->best_pkt = best_pkt;
    o->n_dlv = n_dlv < 0 ? 0 : n_dlv;
    o->dlv_core = dlv_core;
    o->npk = npk;
    o->n_link = 0;
    o->best_cell = -1;
    for (int j = 0; j < NM_NEV; j++)
        o->tot[j] = tot[j];
}

void nm_close_lines(const nm_close_t *c, int64_t *grid, int64_t *grid_b, int64_t l0, int64_t l1, nm_part_t *o) {
    const int64_t w = c->width, h = c->height, F = c->F;
    const int one_chip = c->core_x == NULL;
    int64_t *load = c->load, *flits = c->link_flits, n_link = 0, best_cell = -1;
    const int32_t *cell_link = c->cell_link;
    for (int64_t i = l0; i < l1; i++) {
        /* line i: E (base 0) and W (1) lines are rows of w cells, N (2) and S (3) columns of h cells */
        const int64_t base = i < 2 * h ? i / h : 2 + (i - 2 * h) / w;
        const int64_t line = i < 2 * h ? i % h : (i - 2 * h) % w, length = base < 2 ? w : h;
        const int64_t k0 = base * w * h + line * length;
        int64_t run = 0;
        for (int64_t k = k0; k < k0 + length; k++) {
            run += grid[k];
            grid[k] = 0;
            if (grid_b) {
                run += grid_b[k];
                grid_b[k] = 0;
            }
            load[k] = run;
            if (run) {
                flits[cell_link[k]] += run * F;
                if (one_chip && run > n_link) {
                    n_link = run;
                    best_cell = k;
                }
            }
        }
    }
    o->n_link = n_link;
    o->best_cell = best_cell;
}

void nm_part_add(nm_part_t *a, const nm_part_t *b) {
    if (b->busy_max > a->busy_max) {
        a->busy_max = b->busy_max;
        a->best_core = b->best_core;
        a->best_syn = b->best_syn;
        a->best_pkt = b->best_pkt;
    }
    a->t_a = b->t_a < a->t_a ? b->t_a : a->t_a;
    a->t_e = b->t_e > a->t_e ? b->t_e : a->t_e;
    a->inj = b->inj > a->inj ? b->inj : a->inj;
    if (b->n_dlv > a->n_dlv) {
        a->n_dlv = b->n_dlv;
        a->dlv_core = b->dlv_core;
    }
    a->npk += b->npk;
    if (b->n_link > a->n_link) {
        a->n_link = b->n_link;
        a->best_cell = b->best_cell;
    }
    for (int j = 0; j < NM_NEV; j++)
        a->tot[j] += b->tot[j];
}
