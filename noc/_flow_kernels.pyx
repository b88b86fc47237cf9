# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled flow model: :func:`noc.flow_reference.estimate` as typed loops, O(packets + links) per call.

Every step mirrors the NumPy reference operation for operation (same sums in the same order, same tie
breaks), so the two give identical delivery cycles; the reference documents the model. Directions index the
four link grids: N = 0 and S = 2 along columns (cells ``(x, y)``), E = 1 and W = 3 along rows (``(y, x)``);
cell ``u`` of a grid is the link ``u -> u + 1`` (N, E) or ``u + 1 -> u`` (S, W).
"""

import numpy as np

cimport numpy as cnp
from libc.math cimport INFINITY, ceil, rint, sqrt
from libc.stdint cimport int32_t, int64_t, uint8_t

cnp.import_array()

cdef int DST_PORT[4]
DST_PORT[:] = [2, 3, 0, 1]  # input port a link of direction d feeds at its far end


cdef class FlowKernel:
    """Mesh geometry and model constants of one engine; :meth:`run` estimates one batch."""

    cdef:
        int W, H, C, NP, Pc, Lc, Ic, Ec, F, full, n_cores
        bint x_first
        double s_inj, s_link, s_ej, uw, step
        object hol_scale    # float, or float64 [links] (noc.flow_reference.hol_work_scale)
        object outputs      # int64 [links, 4]: other outputs of each link's router (noc.flow_reference.router_outputs)
        int rows[4]
        int cols[4]
        object gid          # per direction: link id of each cell, int32 (rows, cols)
        const int32_t[::1] link_dst

    def __init__(self, int width, int height, int cores_per_router, bint x_first, int pipeline, int link,
                 int injection, int ejection, int flits, double s_inj, double s_link, double s_ej, int full,
                 double uniform_width, int n_cores, list line_links, const int32_t[::1] link_dst,
                 hol_scale=1.0, outputs=None):
        """``line_links``: the link grids of directions N, E, S, W (``MeshTopology.line_links``); ``x_first``:
        the routing's first dimension (``noc.routing.first_axis``); ``hol_scale`` and ``outputs``: the
        head-of-line work factor of links that queue beside another queueing output of their router
        (``noc.flow_reference.hol_work_scale``, ``router_outputs``; None: no factor)."""
        self.hol_scale = hol_scale
        self.outputs = outputs
        self.W, self.H, self.C, self.n_cores = width, height, cores_per_router, n_cores
        self.NP = 4 + cores_per_router
        self.x_first = x_first
        self.Pc, self.Lc, self.Ic, self.Ec, self.F, self.full = pipeline, link, injection, ejection, flits, full
        self.s_inj, self.s_link, self.s_ej, self.uw = s_inj, s_link, s_ej, uniform_width
        self.step = <double>(pipeline + link)
        self.gid = [np.ascontiguousarray(g, dtype=np.int32) for g in line_links]
        for d in range(4):
            self.rows[d], self.cols[d] = self.gid[d].shape
        self.link_dst = link_dst

    def run(self, const int32_t[::1] src, const int32_t[::1] dst, const int64_t[::1] inject):
        """``(deliver, link_ids, link_counts, ports, peaks, hops_ew, hops_ns)`` for ``n >= 1`` packets."""
        cdef Py_ssize_t n = src.shape[0], p
        cdef int64_t t_ref = inject[0]
        for p in range(n):
            t_ref = min(t_ref, inject[p])
        seg = _Segments(self, src, dst, inject, t_ref)
        grids = [self._grid(seg, d) for d in range(4)]
        ex_inj, n_inj = self._core_excess(src, seg.inj, self.s_inj)
        ex_ej, n_ej = self._core_excess(dst, seg.ej, self.s_ej)
        scale = self._work_scale(grids)
        res, arrive, work = self._bottlenecks(seg, grids, scale, src, dst, ex_inj, n_inj, ex_ej, n_ej)
        waits = _fifo_waits(res, arrive, work)
        deliver = np.asarray(seg.zero_load) + np.rint(waits).astype(np.int64)
        link_ids, link_counts = self._link_counts(grids)
        ports, peaks = self._peaks(grids, src, ex_inj)
        return deliver, link_ids, link_counts, ports, peaks, seg.hops_ew, seg.hops_ns

    # ----- link grids ---------------------------------------------------------------------------------
    def _grid(self, _Segments seg, int d):
        """(n, excess, sparse argmax table) of the links of direction ``d``."""
        cdef int rows = self.rows[d], cols = self.cols[d]
        n = np.zeros((rows, cols))
        s1 = np.zeros((rows, cols))
        s2 = np.zeros((rows, cols))
        if cols > 0:
            for k in range(2):
                if seg.has_dir(k, d):
                    self._accumulate(seg, k, d, n, s1, s2)
        ex = np.empty((rows, cols))
        _excess(n.ravel(), s1.ravel(), s2.ravel(), self.s_link, self.uw, ex.ravel())
        return n, ex, _sparse_argmax(ex)

    def _accumulate(self, _Segments seg, int k, int d, double[:, ::1] n, double[:, ::1] s1, double[:, ::1] s2):
        """Counts and arrival moments of the packets whose segment ``k`` runs in direction ``d``: difference
        arrays (``+v`` at ``lo``, ``-v`` after ``hi``, summed apart as NumPy's bincounts are), then prefix sums."""
        cdef int rows = self.rows[d], cols = self.cols[d], r, u, j
        cdef Py_ssize_t p, npk = seg.n
        cdef double slope = seg.slope(d), c, run_n, run_c, run_c2, su
        cdef double[:, :, ::1] plus = np.zeros((3, rows, cols + 1))
        cdef double[:, :, ::1] minus = np.zeros((3, rows, cols + 1))
        for p in range(npk):
            if seg.dir[k, p] != d:
                continue
            r, c = seg.line[k, p], seg.c[k, p]
            plus[0, r, seg.lo[k, p]] += 1.0
            plus[1, r, seg.lo[k, p]] += c
            plus[2, r, seg.lo[k, p]] += c * c
            minus[0, r, seg.hi[k, p] + 1] += 1.0
            minus[1, r, seg.hi[k, p] + 1] += c
            minus[2, r, seg.hi[k, p] + 1] += c * c
        for r in range(rows):
            run_n = run_c = run_c2 = 0.0
            for u in range(cols):
                run_n = run_n + (plus[0, r, u] - minus[0, r, u])
                run_c = run_c + (plus[1, r, u] - minus[1, r, u])
                run_c2 = run_c2 + (plus[2, r, u] - minus[2, r, u])
                su = slope * u
                n[r, u] = run_n
                s1[r, u] = run_c + su * run_n
                s2[r, u] = run_c2 + ((2 * slope) * u) * run_c + (su * su) * run_n

    def _work_scale(self, list grids):
        """Per direction, the work factor of each link cell (as ``flow_reference._Loads.set_work_scale``)."""
        from noc.flow_reference import link_work_scale
        if self.outputs is None or (np.ndim(self.hol_scale) == 0 and self.hol_scale == 1.0):
            return [np.ones((self.rows[d], self.cols[d])) for d in range(4)]
        ex = np.full(self.link_dst.shape[0] + 1, -np.inf)
        for d in range(4):
            if self.cols[d]:
                ex[self.gid[d].ravel()] = grids[d][1].ravel()
        factor = link_work_scale(ex, self.outputs, self.hol_scale)
        return [factor[self.gid[d]] if self.cols[d] else np.ones((self.rows[d], 0)) for d in range(4)]

    # ----- cores --------------------------------------------------------------------------------------
    def _core_excess(self, const int32_t[::1] core, const double[::1] arrive, double service):
        """(excess, count) per core of its injection channel or ejection port."""
        cdef Py_ssize_t p, m = self.n_cores
        n = np.zeros(m)
        s1 = np.zeros(m)
        s2 = np.zeros(m)
        cdef double[::1] nv = n, s1v = s1, s2v = s2
        for p in range(core.shape[0]):
            nv[core[p]] += 1.0
            s1v[core[p]] += arrive[p]
            s2v[core[p]] += arrive[p] * arrive[p]
        ex = np.empty(m)
        _excess(n, s1, s2, service, self.uw, ex)
        return ex, n

    # ----- bottleneck per packet ----------------------------------------------------------------------
    def _bottlenecks(self, _Segments seg, list grids, list scale, const int32_t[::1] src, const int32_t[::1] dst,
                     const double[::1] ex_inj, const double[::1] n_inj, const double[::1] ex_ej,
                     const double[::1] n_ej):
        """Per packet: resource, arrival and work of the candidate with the largest excess (first on ties)
        among injection channel, the two segments' worst links, ejection port."""
        cdef Py_ssize_t p, npk = seg.n
        cdef int k, d, u, line, cell, n_cores = self.n_cores
        cdef double best, ex
        # the four grids flattened, so that the loop below touches no Python object
        cdef Py_ssize_t goff[5]
        cdef Py_ssize_t toff[5]
        goff[0] = toff[0] = 0
        for d in range(4):
            goff[d + 1] = goff[d] + grids[d][0].size
            toff[d + 1] = toff[d] + grids[d][2].size
        cdef const double[::1] n_all = np.concatenate([g[0].ravel() for g in grids] + [np.zeros(1)])
        cdef const double[::1] ex_all = np.concatenate([g[1].ravel() for g in grids] + [np.zeros(1)])
        cdef const double[::1] sc_all = np.concatenate([np.ravel(f) for f in scale] + [np.ones(1)])
        cdef const int64_t[::1] tab_all = np.concatenate([g[2].ravel() for g in grids] + [np.zeros(1, np.int64)])
        cdef const int32_t[::1] gid_all = np.concatenate([g.ravel() for g in self.gid] + [np.zeros(1, np.int32)])
        res = np.empty(npk, np.int64)
        arrive = np.empty(npk)
        work = np.empty(npk)
        cdef int64_t[::1] resv = res
        cdef double[::1] arv = arrive, wv = work
        for p in range(npk):
            best, resv[p], arv[p], wv[p] = ex_inj[src[p]], src[p], seg.inj[p], self.s_inj * n_inj[src[p]]
            for k in range(2):
                d = seg.dir[k, p]
                if d < 0:
                    continue
                line = seg.line[k, p]
                u = _query(&ex_all[goff[d] + line * self.cols[d]], &tab_all[toff[d]], self.rows[d] * self.cols[d],
                           line * self.cols[d], seg.lo[k, p], seg.hi[k, p])
                cell = goff[d] + line * self.cols[d] + u
                ex = ex_all[cell]
                if ex > best:
                    best, resv[p] = ex, 2 * n_cores + gid_all[cell]
                    arv[p] = seg.c[k, p] + ((1.0 if d < 2 else -1.0) * self.step) * u
                    wv[p] = self.s_link * n_all[cell] * sc_all[cell]
            if ex_ej[dst[p]] > best:
                resv[p], arv[p], wv[p] = n_cores + dst[p], seg.ej[p], self.s_ej * n_ej[dst[p]]
        return res, arrive, work

    # ----- counters -----------------------------------------------------------------------------------
    def _link_counts(self, list grids):
        dense = np.zeros(self.link_dst.shape[0], np.int64)
        for d in range(4):
            if self.cols[d]:
                dense[self.gid[d].ravel()] = np.rint(grids[d][0]).astype(np.int64).ravel() * self.F
        ids = np.flatnonzero(dense).astype(np.int32)
        return ids, dense[ids]

    def _peaks(self, list grids, const int32_t[::1] src, const double[::1] ex_inj):
        """Coarse buffer peaks, as the reference: full behind a queueing link or injection channel, else F."""
        peak = np.zeros(self.W * self.H * self.NP, np.int64)
        cdef int64_t[::1] pk = peak
        cdef Py_ssize_t p
        cdef int d, r, u, core
        cdef const double[:, ::1] nd
        cdef const double[:, ::1] exd
        cdef const int32_t[:, ::1] gid
        for d in range(4):
            nd, exd = grids[d][0], grids[d][1]
            gid = self.gid[d]
            for r in range(self.rows[d]):
                for u in range(self.cols[d]):
                    if nd[r, u] > 0:
                        pk[self.link_dst[gid[r, u]] * self.NP + DST_PORT[d]] = self.full if exd[r, u] > 0 else self.F
        for p in range(src.shape[0]):
            core = src[p]
            pk[(core // self.C) * self.NP + 4 + core % self.C] = self.full if ex_inj[core] > 0 else self.F
        ids = np.flatnonzero(peak).astype(np.int32)
        return ids, peak[ids]


cdef class _Segments:
    """Per-packet route geometry (as ``noc.flow_reference._Routes``): segment ``k`` of packet ``p`` runs in
    direction ``dir[k, p]`` (-1: none) along ``line`` over grid cells ``lo .. hi``; the packet reaches cell
    ``u`` at ``c + u * step`` (N, E) or ``c - u * step`` (S, W) if it never waits (cycles after ``t_ref``)."""

    cdef:
        Py_ssize_t n
        double step
        int[:, ::1] dir, line, lo, hi
        double[:, ::1] c
        double[::1] inj, ej
        int64_t[::1] zero_load
        int64_t hops_ew, hops_ns

    def __init__(self, FlowKernel kn, const int32_t[::1] src, const int32_t[::1] dst, const int64_t[::1] inject,
                 int64_t t_ref):
        cdef Py_ssize_t p
        cdef int sr, dr, xs, ys, xd, yd, h
        cdef double base
        self.n, self.step = src.shape[0], kn.step
        self.dir, self.line = np.empty((2, self.n), np.intc), np.empty((2, self.n), np.intc)
        self.lo, self.hi = np.empty((2, self.n), np.intc), np.empty((2, self.n), np.intc)
        self.c = np.empty((2, self.n))
        self.inj, self.ej, self.zero_load = np.empty(self.n), np.empty(self.n), np.empty(self.n, np.int64)
        self.hops_ew = self.hops_ns = 0
        for p in range(self.n):
            sr, dr = src[p] // kn.C, dst[p] // kn.C
            xs, ys, xd, yd = sr % kn.W, sr // kn.W, dr % kn.W, dr // kn.W
            h = abs(xd - xs) + abs(yd - ys)
            self.hops_ew += abs(xd - xs)
            self.hops_ns += abs(yd - ys)
            self.zero_load[p] = inject[p] + kn.Ic + (h + 1) * kn.Pc + h * kn.Lc + kn.Ec + kn.F - 1
            self.inj[p] = <double>(inject[p] - t_ref)
            base = self.inj[p] + (kn.Ic + kn.Pc)
            self.ej[p] = base + h * kn.step
            if kn.x_first:
                self._set(0, p, 0, ys, xs, xd, 0, base)
                self._set(1, p, 1, xd, ys, yd, abs(xd - xs), base)
            else:
                self._set(0, p, 1, xs, ys, yd, 0, base)
                self._set(1, p, 0, yd, xs, xd, abs(yd - ys), base)

    cdef void _set(self, int k, Py_ssize_t p, int axis, int line, int a, int b, int k0, double base):
        """Segment ``k`` of packet ``p``: along ``axis`` (0: a row, 1: a column) from ``a`` to ``b``."""
        self.line[k, p] = line
        if b > a:
            self.dir[k, p] = 1 if axis == 0 else 0
            self.lo[k, p], self.hi[k, p] = a, b - 1
            self.c[k, p] = base + (k0 - a) * self.step
        elif b < a:
            self.dir[k, p] = 3 if axis == 0 else 2
            self.lo[k, p], self.hi[k, p] = b, a - 1
            self.c[k, p] = base + (k0 + a - 1) * self.step
        else:
            self.dir[k, p] = -1

    cdef bint has_dir(self, int k, int d):
        cdef Py_ssize_t p
        for p in range(self.n):
            if self.dir[k, p] == d:
                return True
        return False

    cdef double slope(self, int d):
        return self.step if d < 2 else -self.step


cdef void _excess(const double[::1] n, const double[::1] s1, const double[::1] s2, double service, double uw,
                  double[::1] out) noexcept:
    """``s n - uw std`` of the arrival times, ``-inf`` where ``n = 0`` (as ``flow_reference._excess``)."""
    cdef Py_ssize_t i
    cdef double mean, var
    for i in range(n.shape[0]):
        if n[i] > 0:
            mean = s1[i] / n[i]
            var = s2[i] / n[i] - mean * mean
            out[i] = service * n[i] - uw * sqrt(var if var > 0.0 else 0.0)
        else:
            out[i] = -INFINITY


def _sparse_argmax(double[:, ::1] values):
    """``table[j, r, u]``: index of the largest of ``values[r, u .. u + 2**j - 1]`` (clipped; first on ties)."""
    cdef int rows = values.shape[0], cols = values.shape[1], levels = 1, j, r, u, half, a, b
    while (1 << levels) <= cols:
        levels += 1
    table = np.empty((levels, rows, max(cols, 0)), np.int64)
    cdef int64_t[:, :, ::1] t = table
    for r in range(rows):
        for u in range(cols):
            t[0, r, u] = u
    for j in range(1, levels):
        half = 1 << (j - 1)
        for r in range(rows):
            for u in range(cols):
                a = t[j - 1, r, u]
                b = t[j - 1, r, u + half] if u + half < cols else t[j - 1, r, cols - 1]
                t[j, r, u] = b if values[r, b] > values[r, a] else a
    return table


cdef inline int _query(const double* row, const int64_t* table, Py_ssize_t level_size, Py_ssize_t row_start,
                       int lo, int hi) noexcept:
    """Index of the largest of ``row[lo .. hi]`` from the sparse table (``table + j * level_size + row_start``
    is level ``j`` of this row)."""
    cdef int span = hi - lo + 1, level = 0
    while (2 << level) <= span:
        level += 1
    cdef const int64_t* t = table + level * level_size + row_start
    cdef int i1 = t[lo], i2 = t[hi - (1 << level) + 1]
    return i2 if row[i2] > row[i1] else i1


def _fifo_waits(int64_t[::1] resource, double[::1] arrive, double[::1] work):
    """Waits at the bottleneck, FIFO on arrival, ``work / g`` cycles each (as ``flow_reference._fifo_waits``,
    including its lift of each group above the previous one, so that the sums round the same way)."""
    cdef Py_ssize_t n = resource.shape[0], i, start = 0, o
    cdef int64_t span = 1, group = 0
    cdef double vmax = -INFINITY, vmin = INFINITY, m = -INFINITY, lift, svc
    for i in range(n):
        span = max(span, <int64_t>arrive[i] + 1)
    key = np.empty(n, np.int64)
    cdef int64_t[::1] kv = key
    for i in range(n):
        kv[i] = resource[i] * span + <int64_t>arrive[i]
    cdef int64_t[::1] order = np.argsort(key, kind="stable")
    size = np.empty(n, np.int64)  # size of the group each sorted position is in
    v = np.empty(n)
    cdef int64_t[::1] sz = size
    cdef double[::1] vv = v
    for i in range(n + 1):
        if i == n or (i > 0 and resource[order[i]] != resource[order[i - 1]]):
            for o in range(start, i):
                sz[o] = i - start
            start = i
    for i in range(n):
        if i == 0 or resource[order[i]] != resource[order[i - 1]]:
            start = i
        svc = work[order[i]] / sz[i]
        vv[i] = arrive[order[i]] - (i - start) * svc
        vmax, vmin = max(vmax, vv[i]), min(vmin, vv[i])
    waits = np.empty(n)
    cdef double[::1] wt = waits
    for i in range(n):
        if i > 0 and resource[order[i]] != resource[order[i - 1]]:
            group += 1
            start = i
        elif i == 0:
            start = 0
        lift = (vmax - vmin + 1.0) * group
        m = max(m, vv[i] + lift)
        svc = work[order[i]] / sz[i]
        wt[order[i]] = ((i - start) * svc + m - lift) - arrive[order[i]]
    return waits


# ----- tree saturation on systems of chips ------------------------------------------------------------------

cdef struct _Seg:
    # one straight run of a dimension-order route: source positions a, a + dirn, ... (b excluded) along
    # ``axis`` on ``line``; its first link is the route's link number k0; cprev off-chip links lie before it;
    # chip[pos]: the chip column (axis 0) or row (axis 1) of a position, ``pos // size``
    int axis, line, a, b, dirn, k0, cprev, size, port
    const int32_t* chip


cdef class TreeSaturation:
    """Compiled :func:`noc.flow_engine.tree_saturation_waits` (the NumPy function is its specification; the
    tests hold the two to identical waits). Walks each packet's dimension-order route in place (no route
    entries are materialised), in three passes:

    1. the *blockers*: each packet ``q`` with ``w_off(q) > 0`` and its on-chip links before its last off-chip
       link (link number ``j < last_off(q)``), at ``tau = a + I + P + j (P + L) + c (Lx + F (s - 1) - L)``,
       released at ``r = tau + w_off(q)``; counted per link;
    2. sorted by (link, tau) with a radix sort on ``tau`` and a stable counting sort on the link, then a
       running maximum of ``r`` per link, kept only where it rises (a step function of ``tau``);
    3. the *queries*: every other on-chip route link ``l`` of every packet (all of them for ``w_off = 0``, those
       after ``last_off`` otherwise), clipped to the span of blocked links of its line, waits
       ``max(0, max{r : tau_q <= tau} - tau)`` (a binary search in its link's run); a packet keeps its largest.

    Integer cycles throughout; the buffers are kept between calls and grown when a call needs more."""

    cdef:
        int W, H, cw, ch, C, n_lines
        Py_ssize_t cap
        bint x_first
        int64_t t_first, step, off_extra
        const int32_t[::1] link_id       # [routers * 4]: link leaving each router through port N, E, S, W; -1: none
        const uint8_t[::1] link_off      # [links]: crosses a chip edge
        int32_t[::1] core_x, core_y      # [core slots]: the router coordinates of each core
        int32_t[::1] chip_x, chip_y      # [width], [height]: chip column / row of each router coordinate
        int64_t[::1] start               # [links + 1]: blockers per link, then the start of each link's run
        int64_t[::1] fill                # [links]: end of each link's run (after the sort)
        int32_t[::1] busy_lo, busy_hi    # [4 * lines]: span of blocked link source positions per (port, line)
        int32_t[::1] e_link, e_pkt       # blockers (crossings) in walk order
        double[::1] e_wait
        int64_t[::1] e_tau, e_rel, s_tau, s_max, digit
        int32_t[::1] ord_a, ord_b, ord_c

    def __init__(self, int width, int height, int chip_width, int chip_height, int cores_per_router,
                 bint x_first, const int32_t[::1] link_id, const uint8_t[::1] link_off, int injection,
                 int pipeline, int link, int off_land):
        """``link_id``: ``MeshTopology.link_id`` flattened; ``link_off``: ``MeshTopology.link_off_chip`` as
        bytes; the times of ``RouterParams`` (cycles)."""
        self.W, self.H, self.cw, self.ch, self.C = width, height, chip_width, chip_height, cores_per_router
        self.x_first = x_first
        self.t_first, self.step, self.off_extra = injection + pipeline, pipeline + link, off_land - link
        self.link_id, self.link_off = link_id, link_off
        self.n_lines = max(width, height)
        router = np.arange(width * height * cores_per_router, dtype=np.int32) // cores_per_router
        self.core_x, self.core_y = router % width, router // width
        self.chip_x = np.arange(width, dtype=np.int32) // chip_width
        self.chip_y = np.arange(height, dtype=np.int32) // chip_height
        self.start = np.zeros(link_off.shape[0] + 1, np.int64)
        self.fill = np.zeros(link_off.shape[0] + 1, np.int64)
        self.busy_lo = np.empty(4 * self.n_lines, np.int32)
        self.busy_hi = np.empty(4 * self.n_lines, np.int32)
        self.cap = -1
        self._grow(0)
        self.digit = np.empty(1, np.int64)

    cdef void _grow(self, Py_ssize_t m, Py_ssize_t keep=0) except *:
        """Blocker buffers for at least ``m`` entries (kept between calls), the first ``keep`` of the walk kept."""
        if self.cap >= m:
            return
        m = max(m, 2 * self.cap, 1024)
        self.cap = m
        link, tau, rel = self.e_link, self.e_tau, self.e_rel
        self.e_link, self.ord_a, self.ord_b = np.empty(m, np.int32), np.empty(m, np.int32), np.empty(m, np.int32)
        self.e_pkt, self.e_wait, self.ord_c = np.empty(m, np.int32), np.empty(m), np.empty(m, np.int32)
        self.e_tau, self.e_rel = np.empty(m, np.int64), np.empty(m, np.int64)
        self.s_tau, self.s_max = np.empty(m, np.int64), np.empty(m, np.int64)
        if keep:
            self.e_link[:keep], self.e_tau[:keep], self.e_rel[:keep] = link[:keep], tau[:keep], rel[:keep]

    cdef inline void _route(self, int32_t s, int32_t d, _Seg* seg) noexcept:
        """The two runs of the route from core ``s`` to core ``d`` (XY: row then column; YX: column then row)."""
        cdef int sx = self.core_x[s], sy = self.core_y[s], tx = self.core_x[d], ty = self.core_y[d]
        cdef const int32_t* cx = &self.chip_x[0]
        cdef const int32_t* cy = &self.chip_y[0]
        if self.x_first:
            _set_seg(&seg[0], 0, sy, sx, tx, 0, 0, self.cw, cx)
            _set_seg(&seg[1], 1, tx, sy, ty, _iabs(tx - sx), _iabs(cx[sx] - cx[tx]), self.ch, cy)
        else:
            _set_seg(&seg[0], 1, sx, sy, ty, 0, 0, self.ch, cy)
            _set_seg(&seg[1], 0, ty, sx, tx, _iabs(ty - sy), _iabs(cy[sy] - cy[ty]), self.cw, cx)

    cdef inline int _lid(self, const _Seg* g, int pos) noexcept:
        """Link id of the run's link leaving source position ``pos``."""
        cdef int router = g.line * self.W + pos if g.axis == 0 else pos * self.W + g.line
        return self.link_id[4 * router + g.port]

    def waits(self, const int32_t[::1] src, const int32_t[::1] dst, const int64_t[::1] inject,
              const int64_t[::1] w_off):
        """Per packet, int64 ``[n]``: its tree-saturation wait (cycles)."""
        cdef Py_ssize_t n = src.shape[0], p, m
        out = np.zeros(n, np.int64)
        for p in range(n):          # only the packets queued for an off-chip link block anyone
            if w_off[p] > 0:
                break
        else:
            return out
        m = self._blockers(src, dst, inject, w_off)
        if m == 0:
            return out
        self._sort(m)
        self._queries(src, dst, inject, w_off, out)
        return out

    def off_chip_waits(self, const int32_t[::1] src, const int32_t[::1] dst, const int64_t[::1] inject,
                       double s_off):
        """Compiled :func:`noc.flow_engine.off_chip_waits` (its specification; identical waits): each off-chip
        link a first-come first-served queue of service ``s_off`` cycles on zero-load arrivals, the same float
        operations in the same order (the crossings in :func:`noc.flow_engine.route_crossings` order, sorted
        stably by (link, tau), the lifted running maximum, per-packet sums in crossing order)."""
        cdef Py_ssize_t n = src.shape[0], p, m = 0
        out = np.zeros(n, np.int64)
        for p in range(n):
            m += (_iabs(self.chip_x[self.core_x[src[p]]] - self.chip_x[self.core_x[dst[p]]])
                  + _iabs(self.chip_y[self.core_y[src[p]]] - self.chip_y[self.core_y[dst[p]]]))
        if m == 0:
            return out
        self._grow(m)
        self._crossings(src, dst, inject, 1, self._crossings(src, dst, inject, 0, 0))
        self._fifo(m, s_off, n)
        cdef int64_t[::1] o = out
        cdef double[::1] total = np.zeros(n)
        for p in range(m):          # as np.bincount(pkt, weights=wait): summed in crossing order from 0.0
            total[self.e_pkt[p]] += self.e_wait[p]
        for p in range(n):
            o[p] = <int64_t>ceil(total[p] - 1e-9)
        return out

    cdef Py_ssize_t _crossings(self, const int32_t[::1] src, const int32_t[::1] dst, const int64_t[::1] inject,
                               int axis, Py_ssize_t at0) except -2:
        """The crossings of ``axis`` (0: x, 1: y) of every packet, packet by packet, written from entry
        ``at0`` (-1: only counted); their number."""
        cdef Py_ssize_t p, m = 0
        cdef int sx, sy, tx, ty, s, t, size, k, kx, ky, j, b, at, other, port, router, before, off_before
        cdef bint first = self.x_first == (axis == 0), up
        cdef const int32_t* chip = &self.chip_x[0] if axis == 0 else &self.chip_y[0]
        for p in range(src.shape[0]):
            sx, sy, tx, ty = self.core_x[src[p]], self.core_y[src[p]], self.core_x[dst[p]], self.core_y[dst[p]]
            kx = _iabs(self.chip_x[sx] - self.chip_x[tx])
            ky = _iabs(self.chip_y[sy] - self.chip_y[ty])
            k = kx if axis == 0 else ky
            if at0 < 0:
                m += k
                continue
            s, t, size = (sx, tx, self.cw) if axis == 0 else (sy, ty, self.ch)
            up = t > s
            for j in range(k):
                b = chip[s] + 1 + j if up else chip[s] - j         # the chip edge between b size - 1 and b size
                at = b * size - 1 if up else b * size              # the link's source position on the axis
                if axis == 0:
                    other = sy if first else ty
                    router, port = other * self.W + at, (1 if up else 3)
                    before = _iabs(at - s) + (0 if first else _iabs(ty - sy))
                    off_before = j + (0 if first else ky)
                else:
                    other = tx if not first else sx
                    router, port = at * self.W + other, (0 if up else 2)
                    before = _iabs(at - s) + (0 if first else _iabs(tx - sx))
                    off_before = j + (0 if first else kx)
                self.e_pkt[at0 + m] = <int32_t>p
                self.e_link[at0 + m] = self.link_id[4 * router + port]
                self.e_tau[at0 + m] = (inject[p] + self.t_first + before * self.step
                                       + off_before * self.off_extra)
                m += 1
        return m

    cdef void _fifo(self, Py_ssize_t m, double s, Py_ssize_t n) except *:
        """``e_wait``: each crossing's wait in its link's FIFO, ``d_i = max(tau_i, d_(i-1) + s)``, computed as
        the specification does: ``v = t - rank s``, ``d = rank s + max-accumulate(v + lift) - lift``."""
        cdef int32_t[::1] cur = self._by_tau(m), order = self.ord_c
        cdef Py_ssize_t i, j, nl = self.start.shape[0] - 1, first = 0, group = 0
        cdef int d
        cdef double vmax = -INFINITY, vmin = INFINITY, lift, acc = -INFINITY, v
        self.start[:] = 0
        for i in range(m):
            self.start[self.e_link[i] + 1] += 1
        for i in range(nl):
            self.start[i + 1] += self.start[i]
            self.fill[i] = self.start[i]
        for i in range(m):          # stable by link: the order of np.lexsort((tau, link))
            j = cur[i]
            d = self.e_link[j]
            order[self.fill[d]] = <int32_t>j
            self.fill[d] += 1
        for i in range(m):
            if i > 0 and self.e_link[order[i]] != self.e_link[order[i - 1]]:
                first = i
            v = <double>self.e_tau[order[i]] - <double>(i - first) * s
            vmax, vmin = max(vmax, v), min(vmin, v)
        first = 0
        for i in range(m):
            if i > 0 and self.e_link[order[i]] != self.e_link[order[i - 1]]:
                first, group = i, group + 1
            lift = <double>group * (vmax - vmin + 1.0)
            v = <double>self.e_tau[order[i]] - <double>(i - first) * s
            acc = max(acc, v + lift)
            self.e_wait[order[i]] = (<double>(i - first) * s + acc - lift) - <double>self.e_tau[order[i]]

    cdef Py_ssize_t _blockers(self, const int32_t[::1] src, const int32_t[::1] dst, const int64_t[::1] inject,
                              const int64_t[::1] w_off) except -1:
        """Pass 1: every blocker entry (link, tau, release) in walk order; counts per link and the span of blocked
        positions per (port, line)."""
        cdef Py_ssize_t p, m = 0
        cdef _Seg seg[2]
        cdef int k, last, hop, pos, lid, key
        cdef int64_t tau
        cdef _Seg* g
        self.start[:] = 0
        self.busy_lo[:] = 2147483647
        self.busy_hi[:] = -1
        for p in range(src.shape[0]):
            if w_off[p] <= 0:
                continue
            self._route(src[p], dst[p], seg)
            last = _last_off(seg)
            if last <= 0:
                continue
            if m + last > self.cap:
                self._grow(m + last, m)
            for k in range(2):
                g = &seg[k]
                for hop in range(g.k0, min(g.k0 + _iabs(g.b - g.a), last)):
                    pos = g.a + g.dirn * (hop - g.k0)
                    lid = self._lid(g, pos)
                    if self.link_off[lid]:
                        continue
                    tau = (inject[p] + self.t_first + hop * self.step
                           + (g.cprev + _iabs(g.chip[g.a] - g.chip[pos])) * self.off_extra)
                    self.e_link[m], self.e_tau[m], self.e_rel[m] = lid, tau, tau + w_off[p]
                    m += 1
                    self.start[lid + 1] += 1
                    key = g.port * self.n_lines + g.line
                    self.busy_lo[key] = min(self.busy_lo[key], pos)
                    self.busy_hi[key] = max(self.busy_hi[key], pos)
        return m

    cdef void _sort(self, Py_ssize_t m) except *:
        """Pass 2: blockers by (link, tau) into ``s_tau`` / ``s_max`` (LSD radix on tau, then a stable counting
        sort on the link), ``s_max`` the running maximum of the releases within each link."""
        cdef Py_ssize_t i, j, nl = self.start.shape[0] - 1
        cdef int64_t run
        cdef int d
        cdef int32_t[::1] cur = self._by_tau(m)
        for i in range(nl):
            self.start[i + 1] += self.start[i]
            self.fill[i] = self.start[i]
        for i in range(m):
            j = cur[i]
            d = self.e_link[j]
            self.s_tau[self.fill[d]] = self.e_tau[j]
            self.s_max[self.fill[d]] = self.e_rel[j]
            self.fill[d] += 1
        for d in range(nl):         # the running maximum, only where it rises (the rest answers no query)
            run = -9223372036854775807
            j = self.start[d]
            for i in range(self.start[d], self.start[d + 1]):
                if self.s_max[i] > run:
                    run = self.s_max[i]
                    self.s_tau[j], self.s_max[j] = self.s_tau[i], run
                    j += 1
            self.fill[d] = j

    cdef int32_t[::1] _by_tau(self, Py_ssize_t m):
        """The entries ``0 .. m - 1`` in order of ``e_tau``, equal ones in entry order (a stable LSD radix sort,
        16-bit digits or fewer): ``ord_a`` or ``ord_b``, the other one free."""
        cdef Py_ssize_t i, j
        cdef int64_t tmin = self.e_tau[0], tmax = self.e_tau[0], span
        cdef int bits = 0, passes, dbits, shift, d
        for i in range(m):
            tmin, tmax = min(tmin, self.e_tau[i]), max(tmax, self.e_tau[i])
        span = tmax - tmin
        while (span >> bits) > 0:
            bits += 1
        passes = max(1, (bits + 15) // 16)
        dbits = max(1, (bits + passes - 1) // passes)
        if self.digit.shape[0] < (1 << dbits) + 1:
            self.digit = np.empty((1 << dbits) + 1, np.int64)
        cdef int32_t[::1] cur = self.ord_a, nxt = self.ord_b, tmp
        for i in range(m):
            cur[i] = <int32_t>i
        shift = 0
        while shift < bits:
            self.digit[:(1 << dbits) + 1] = 0
            for i in range(m):
                self.digit[(((self.e_tau[i] - tmin) >> shift) & ((1 << dbits) - 1)) + 1] += 1
            for d in range(1 << dbits):
                self.digit[d + 1] += self.digit[d]
            for i in range(m):
                j = cur[i]
                d = ((self.e_tau[j] - tmin) >> shift) & ((1 << dbits) - 1)
                nxt[self.digit[d]] = <int32_t>j
                self.digit[d] += 1
            tmp = cur
            cur = nxt
            nxt = tmp
            shift += dbits
        return cur

    cdef void _queries(self, const int32_t[::1] src, const int32_t[::1] dst, const int64_t[::1] inject,
                       const int64_t[::1] w_off, int64_t[::1] out) noexcept:
        """Pass 3: each packet's largest wait over its non-blocker on-chip links that some blocker passes."""
        cdef Py_ssize_t p
        cdef _Seg seg[2]
        cdef int k, first, hi, lo_b, hi_b, hop, pos, lid, key
        cdef int64_t tau, wait, best
        cdef _Seg* g
        for p in range(src.shape[0]):
            self._route(src[p], dst[p], seg)
            first = _last_off(seg) + 1 if w_off[p] > 0 else 0     # a queued packet blocks up to its last crossing
            best = 0
            for k in range(2):
                g = &seg[k]
                if g.dirn == 0:
                    continue
                key = g.port * self.n_lines + g.line
                if self.busy_hi[key] < 0:
                    continue
                # the blocked span of this line as link numbers of the run
                if g.dirn > 0:
                    lo_b, hi_b = g.k0 + self.busy_lo[key] - g.a, g.k0 + self.busy_hi[key] - g.a
                else:
                    lo_b, hi_b = g.k0 + g.a - self.busy_hi[key], g.k0 + g.a - self.busy_lo[key]
                hi = min(g.k0 + _iabs(g.b - g.a) - 1, hi_b)
                for hop in range(max(g.k0, first, lo_b), hi + 1):
                    pos = g.a + g.dirn * (hop - g.k0)
                    lid = self._lid(g, pos)
                    if self.fill[lid] == self.start[lid] or self.link_off[lid]:
                        continue
                    tau = (inject[p] + self.t_first + hop * self.step
                           + (g.cprev + _iabs(g.chip[g.a] - g.chip[pos])) * self.off_extra)
                    wait = _released(&self.s_tau[0], &self.s_max[0], self.start[lid], self.fill[lid], tau) - tau
                    best = max(best, wait)
            out[p] = best


cdef inline int _iabs(int v) noexcept:
    return v if v >= 0 else -v


cdef inline void _set_seg(_Seg* g, int axis, int line, int a, int b, int k0, int cprev, int size,
                          const int32_t* chip) noexcept:
    g.axis, g.line, g.a, g.b, g.k0, g.cprev, g.size, g.chip = axis, line, a, b, k0, cprev, size, chip
    g.dirn = 1 if b > a else (-1 if b < a else 0)
    # ports N = 0, E = 1, S = 2, W = 3 (noc.topology): x grows east, y grows north
    g.port = (1 if b > a else 3) if axis == 0 else (0 if b > a else 2)


cdef inline int _crossings(const _Seg* g) noexcept:
    """Chip edges the run crosses."""
    return _iabs(g.chip[g.a] - g.chip[g.b])


cdef inline int _last_off(const _Seg* seg) noexcept:
    """Link number of the route's last off-chip link (-1: none): the last chip edge of the last run that crosses
    one, the link into the destination's chip along that run."""
    cdef int k, at
    cdef const _Seg* g
    for k in range(1, -1, -1):
        g = &seg[k]
        if _crossings(g):
            at = g.chip[g.b] * g.size - 1 if g.dirn > 0 else (g.chip[g.b] + 1) * g.size
            return g.k0 + _iabs(at - g.a)
    return -1


cdef inline int64_t _released(const int64_t* tau, const int64_t* run, int64_t lo, int64_t hi, int64_t t) noexcept:
    """The latest release of the blockers of one link's run ``lo .. hi - 1`` (sorted by ``tau``, ``run`` their
    running maximum) that arrived at or before ``t``; ``t`` if none or all released by then (no wait)."""
    if t < tau[lo] or run[hi - 1] <= t:
        return t
    cdef int64_t size = hi - lo, half
    while size > 1:             # branch-free: the answer lies in lo .. lo + size - 1, and tau[lo] <= t
        half = size >> 1
        lo = lo + half if tau[lo + half] <= t else lo
        size -= half
    return max(run[lo], t)
