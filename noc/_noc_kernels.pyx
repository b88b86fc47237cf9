# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Cycle-level mesh NoC kernel: the router model of ``noc/model.py`` in a typed, GIL-free loop.

State lives in flat integer arrays owned by one :class:`CycleKernel` and reused across calls (the packet
arrays grow geometrically). Indices:

- port ``pidx = router * n_ports + port`` (ports N, E, S, W, then one local port per core);
- virtual channel ``q = pidx * V + vc``; its buffer is a ring of ``cap = D // F`` packet slots at
  ``q * cap``. A ring holds, in order, packets that have left but whose credits are not back yet
  (``vc_ndep``; ``slot_ct`` holds the cycle their credits become usable) and packets that were sent to this
  VC and have not left (``vc_nwait``; on the link or in the buffer). Free slots = ``cap - ndep - nwait``:
  exactly the sender's credit count in packets. Credits are returned lazily, by popping expired entries when a
  sender looks.

Each cycle visits only the *active* routers (those holding or about to inject a packet), so the cost is
proportional to the packets in flight; when nothing is in flight the clock jumps to the next request.
Decisions in a cycle read the state at its start and change nothing that another router reads in the same
cycle (see ``noc/model.py``), so the visiting order is irrelevant.
"""

import numpy as np

from libc.stdint cimport int8_t, int32_t, int64_t
from libc.string cimport memset

ctypedef fused index_t:
    int32_t
    int64_t


def first_outside(const index_t[::1] a, int64_t lo, int64_t hi):
    """Index of the first value of ``a`` outside ``[lo, hi]``, or -1 (input checks without numpy overhead)."""
    cdef Py_ssize_t i
    for i in range(a.shape[0]):
        if a[i] < lo or a[i] > hi:
            return i
    return -1


def is_sorted(const int64_t[::1] a):
    """True if ``a`` is non-decreasing."""
    cdef Py_ssize_t i
    for i in range(1, a.shape[0]):
        if a[i] < a[i - 1]:
            return False
    return True


cdef enum:
    N_MESH = 4  # mesh ports N, E, S, W come first; local ports follow


cdef class CycleKernel:
    """Reusable state of one mesh; :meth:`run` simulates one batch of packets from an empty network."""

    cdef:
        int W, H, C, R, n_ports, V, cap, F, P, L, I, E, lc_mesh, lc_local
        int8_t[::1] route_tab
        int32_t[::1] link_id
        int32_t[::1] vc_start, vc_ndep, vc_nwait, slot_pkt
        int64_t[::1] slot_ct
        int64_t[::1] in_free, out_free, inj_free
        int32_t[::1] in_rr, out_rr, src_head, src_end
        int32_t[::1] load, active, touched
        int8_t[::1] is_active, is_touched
        int n_active, n_touched
        int32_t[::1] src_list, pkt_out, pkt_dst_router, pkt_dst_port
        int64_t[::1] ready
        Py_ssize_t pkt_capacity
        int32_t[::1] req_out, req_vc
        int8_t[::1] out_req
        int64_t n_ew, n_ns

    def __init__(self, int width, int height, int cores_per_router, int vcs, int slots_per_vc, int flits,
                 int pipeline, int link, int injection, int ejection, int lc_mesh, int lc_local,
                 int8_t[:, ::1] route_table, int32_t[:, ::1] link_id):
        self.W, self.H, self.C = width, height, cores_per_router
        self.R = width * height
        self.n_ports = N_MESH + cores_per_router
        self.V, self.cap, self.F = vcs, slots_per_vc, flits
        self.P, self.L, self.I, self.E = pipeline, link, injection, ejection
        self.lc_mesh, self.lc_local = lc_mesh, lc_local
        self.route_tab = np.ascontiguousarray(np.asarray(route_table).ravel(), dtype=np.int8)
        self.link_id = np.ascontiguousarray(np.asarray(link_id).ravel(), dtype=np.int32)
        n_port = self.R * self.n_ports
        n_vc = n_port * vcs
        self.vc_start = np.zeros(n_vc, np.int32)
        self.vc_ndep = np.zeros(n_vc, np.int32)
        self.vc_nwait = np.zeros(n_vc, np.int32)
        self.slot_pkt = np.zeros(n_vc * slots_per_vc, np.int32)
        self.slot_ct = np.zeros(n_vc * slots_per_vc, np.int64)
        self.in_free = np.zeros(n_port, np.int64)
        self.out_free = np.zeros(n_port, np.int64)
        self.in_rr = np.zeros(n_port, np.int32)
        self.out_rr = np.zeros(n_port, np.int32)
        self.inj_free = np.zeros(self.R * self.C, np.int64)
        self.src_head = np.zeros(self.R * self.C, np.int32)
        self.src_end = np.zeros(self.R * self.C, np.int32)
        self.load = np.zeros(self.R, np.int32)
        self.active = np.zeros(self.R, np.int32)
        self.touched = np.zeros(self.R, np.int32)
        self.is_active = np.zeros(self.R, np.int8)
        self.is_touched = np.zeros(self.R, np.int8)
        self.req_out = np.zeros(self.n_ports, np.int32)
        self.req_vc = np.zeros(self.n_ports, np.int32)
        self.out_req = np.zeros(self.n_ports, np.int8)
        self.pkt_capacity = 0
        self._ensure_packets(64)

    def _ensure_packets(self, Py_ssize_t n):
        """Grow the per-packet arrays geometrically so that they hold ``n`` packets."""
        if n <= self.pkt_capacity:
            return
        cap = max(n, 2 * self.pkt_capacity)
        self.src_list = np.empty(cap, np.int32)
        self.pkt_out = np.empty(cap, np.int32)
        self.pkt_dst_router = np.empty(cap, np.int32)
        self.pkt_dst_port = np.empty(cap, np.int32)
        self.ready = np.empty(cap, np.int64)
        self.pkt_capacity = cap

    def run(self, const int32_t[::1] src, const int32_t[::1] dst, const int64_t[::1] inject, int64_t until,
            int64_t[::1] deliver, int32_t[::1] hops, int32_t[::1] deliv_core, int64_t[::1] link_flits,
            int64_t[::1] peak):
        """Simulate packets (``inject`` non-decreasing) until all are delivered or cycle ``until``.

        Outputs are written into ``deliver`` (-1 if not delivered), ``hops``, ``deliv_core`` (-1 if not
        delivered), ``link_flits`` and ``peak`` (all zero-initialised by the caller except ``deliver`` and
        ``deliv_core``, which are written here). Returns ``(n_delivered, hops_ew, hops_ns, last_cycle)``
        with ``last_cycle`` the latest delivery cycle (-1 if none).
        """
        cdef Py_ssize_t n = src.shape[0], p
        cdef int64_t delivered, last = -1
        self._ensure_packets(n)
        with nogil:
            self._reset_touched()
            self._setup(src, dst, n, deliver, deliv_core)
            delivered = self._loop(src, inject, n, until, deliver, hops, deliv_core, link_flits, peak)
            for p in range(n):
                if deliver[p] > last:
                    last = deliver[p]
        return delivered, self.n_ew, self.n_ns, last

    # ----- per-call setup and reset ------------------------------------------------------------------
    cdef void _reset_touched(self) noexcept nogil:
        """Return every router the previous call touched to the empty state (cost ~ routers touched)."""
        cdef int k, r, i, c
        cdef Py_ssize_t pidx, q
        for k in range(self.n_touched):
            r = self.touched[k]
            for i in range(self.n_ports):
                pidx = r * self.n_ports + i
                self.in_free[pidx] = 0
                self.out_free[pidx] = 0
                self.in_rr[pidx] = 0
                self.out_rr[pidx] = 0
                for q in range(pidx * self.V, (pidx + 1) * self.V):
                    self.vc_start[q] = 0
                    self.vc_ndep[q] = 0
                    self.vc_nwait[q] = 0
            for c in range(r * self.C, (r + 1) * self.C):
                self.inj_free[c] = 0
            self.load[r] = 0
            self.is_active[r] = 0
            self.is_touched[r] = 0
        self.n_touched = 0
        self.n_active = 0
        self.n_ew = 0
        self.n_ns = 0

    cdef void _setup(self, const int32_t[::1] src, const int32_t[::1] dst, Py_ssize_t n,
                     int64_t[::1] deliver, int32_t[::1] deliv_core) noexcept nogil:
        """Per-core source queues by a stable counting sort (request order kept), per-packet fields."""
        cdef Py_ssize_t p
        cdef int c, acc = 0, cnt
        memset(&self.src_head[0], 0, self.R * self.C * sizeof(int32_t))
        memset(&self.src_end[0], 0, self.R * self.C * sizeof(int32_t))
        for p in range(n):
            self.src_end[src[p]] += 1
        for c in range(self.R * self.C):
            cnt = self.src_end[c]
            self.src_head[c] = acc
            self.src_end[c] = acc
            acc += cnt
        for p in range(n):
            self.src_list[self.src_end[src[p]]] = <int32_t>p
            self.src_end[src[p]] += 1
            self.pkt_dst_router[p] = dst[p] // self.C
            self.pkt_dst_port[p] = N_MESH + dst[p] % self.C
            deliver[p] = -1
            deliv_core[p] = -1

    # ----- main loop ---------------------------------------------------------------------------------
    cdef int64_t _loop(self, const int32_t[::1] src, const int64_t[::1] inject, Py_ssize_t n, int64_t until,
                       int64_t[::1] deliver, int32_t[::1] hops, int32_t[::1] deliv_core,
                       int64_t[::1] link_flits, int64_t[::1] peak) noexcept nogil:
        cdef int64_t t = inject[0], delivered = 0
        cdef Py_ssize_t next_new = 0
        cdef int k, n0, r
        while delivered < n and t < until:
            while next_new < n and inject[next_new] <= t:
                r = src[next_new] // self.C
                self.load[r] += 1  # requested and not injected yet: the router must be visited
                self._activate(r)
                next_new += 1
            if self.n_active == 0:
                if next_new >= n:
                    break  # unreachable: an undelivered packet is always queued or in a buffer
                t = inject[next_new]  # nothing in flight: jump to the next request
                continue
            n0 = self.n_active  # routers activated during this cycle wait for the next one
            for k in range(n0):
                delivered += self._step(self.active[k], t, inject, deliver, hops, deliv_core, link_flits, peak)
            self._compact_active()
            t += 1
        return delivered

    cdef inline void _activate(self, int r) noexcept nogil:
        if not self.is_active[r]:
            self.is_active[r] = 1
            self.active[self.n_active] = r
            self.n_active += 1
        if not self.is_touched[r]:
            self.is_touched[r] = 1
            self.touched[self.n_touched] = r
            self.n_touched += 1

    cdef inline void _compact_active(self) noexcept nogil:
        cdef int k, r, m = 0
        for k in range(self.n_active):
            r = self.active[k]
            if self.load[r] > 0:
                self.active[m] = r
                m += 1
            else:
                self.is_active[r] = 0
        self.n_active = m

    # ----- one router, one cycle ---------------------------------------------------------------------
    cdef int _step(self, int r, int64_t t, const int64_t[::1] inject, int64_t[::1] deliver, int32_t[::1] hops,
                   int32_t[::1] deliv_core, int64_t[::1] link_flits, int64_t[::1] peak) noexcept nogil:
        """Injection, then separable input-first switch allocation; returns the packets ejected."""
        cdef int i, o, k, nreq = 0, done = 0
        cdef Py_ssize_t oidx
        self._inject(r, t, inject, peak)
        for o in range(self.n_ports):
            self.out_req[o] = 0
        for i in range(self.n_ports):
            self.req_out[i] = self._input_request(r, i, t)
            if self.req_out[i] >= 0:
                self.out_req[self.req_out[i]] = 1
                nreq += 1
        if nreq == 0:
            return 0
        for o in range(self.n_ports):
            if not self.out_req[o]:
                continue
            oidx = r * self.n_ports + o
            for k in range(self.n_ports):
                i = (self.out_rr[oidx] + k) % self.n_ports
                if self.req_out[i] == o:
                    self.out_rr[oidx] = (i + 1) % self.n_ports
                    done += self._send(r, i, self.req_vc[i], o, t, deliver, hops, deliv_core, link_flits, peak)
                    break
        return done

    cdef void _inject(self, int r, int64_t t, const int64_t[::1] inject, int64_t[::1] peak) noexcept nogil:
        """Each local core hands its oldest requested packet to its local input port if there is room."""
        cdef int k, v, core, p
        cdef Py_ssize_t pidx
        for k in range(self.C):
            core = r * self.C + k
            if self.inj_free[core] > t or self.src_head[core] >= self.src_end[core]:
                continue
            p = self.src_list[self.src_head[core]]
            if inject[p] > t:
                continue
            pidx = r * self.n_ports + N_MESH + k
            v = self._pick_vc(pidx, t)
            if v < 0:
                continue
            self._push(pidx * self.V + v, p)
            self.ready[p] = t + self.I + self.P
            self.pkt_out[p] = self._route(r, p)
            self.inj_free[core] = t + self.F
            self.src_head[core] += 1
            self._note_peak(pidx, peak)

    cdef int _input_request(self, int r, int i, int64_t t) noexcept nogil:
        """Input arbiter of port ``i``: the output its chosen VC requests (``req_vc[i]``), or -1."""
        cdef Py_ssize_t pidx = r * self.n_ports + i, q
        cdef int k, v, p, o
        if self.in_free[pidx] > t:
            return -1
        for k in range(self.V):
            v = (self.in_rr[pidx] + k) % self.V
            q = pidx * self.V + v
            if self.vc_nwait[q] == 0:
                continue
            p = self.slot_pkt[q * self.cap + (self.vc_start[q] + self.vc_ndep[q]) % self.cap]
            if self.ready[p] > t:
                continue
            o = self.pkt_out[p]
            if self.out_free[r * self.n_ports + o] > t:
                continue
            if o < N_MESH and self._pick_vc(self._downstream_port(r, o), t) < 0:
                continue
            self.req_vc[i] = v
            return o
        return -1

    cdef int _send(self, int r, int i, int v, int o, int64_t t, int64_t[::1] deliver, int32_t[::1] hops,
                   int32_t[::1] deliv_core, int64_t[::1] link_flits, int64_t[::1] peak) noexcept nogil:
        """Move the head of VC ``v`` of input ``i`` out through output ``o``; returns 1 if it was ejected."""
        cdef Py_ssize_t pidx = r * self.n_ports + i, q = pidx * self.V + v, slot, pidx2
        cdef int p, r2, v2, lc = self.lc_mesh if i < N_MESH else self.lc_local
        slot = q * self.cap + (self.vc_start[q] + self.vc_ndep[q]) % self.cap
        p = self.slot_pkt[slot]
        self.slot_ct[slot] = t + self.F - 1 + lc  # the tail leaves at t + F - 1; credits travel lc cycles
        self.vc_ndep[q] += 1
        self.vc_nwait[q] -= 1
        self.in_rr[pidx] = (v + 1) % self.V
        self.in_free[pidx] = t + self.F
        self.out_free[r * self.n_ports + o] = t + self.F
        self.load[r] -= 1
        if o >= N_MESH:
            deliver[p] = t + self.E + self.F - 1
            deliv_core[p] = r * self.C + o - N_MESH
            return 1
        link_flits[self.link_id[r * N_MESH + o]] += self.F
        hops[p] += 1
        if o == 1 or o == 3:
            self.n_ew += 1
        else:
            self.n_ns += 1
        pidx2 = self._downstream_port(r, o)
        r2 = <int>(pidx2 // self.n_ports)
        v2 = self._pick_vc(pidx2, t)
        self._push(pidx2 * self.V + v2, p)
        self.ready[p] = t + self.L + self.P
        self.pkt_out[p] = self._route(r2, p)
        self._note_peak(pidx2, peak)
        self.load[r2] += 1
        self._activate(r2)
        return 0

    # ----- small helpers -----------------------------------------------------------------------------
    cdef inline Py_ssize_t _downstream_port(self, int r, int o) noexcept nogil:
        """Input port of the neighbour through which a packet leaving ``r`` by mesh port ``o`` enters."""
        cdef int r2
        if o == 0:
            r2 = r + self.W
        elif o == 1:
            r2 = r + 1
        elif o == 2:
            r2 = r - self.W
        else:
            r2 = r - 1
        return <Py_ssize_t>r2 * self.n_ports + (o + 2) % N_MESH

    cdef inline int _route(self, int r, int p) noexcept nogil:
        """Output port at router ``r`` for packet ``p``, from the routing function's sign table."""
        cdef int d = self.pkt_dst_router[p]
        cdef int dx = d % self.W - r % self.W, dy = d // self.W - r // self.W
        cdef int sx = (dx > 0) - (dx < 0), sy = (dy > 0) - (dy < 0)
        cdef int port = self.route_tab[(sx + 1) * 3 + sy + 1]
        return self.pkt_dst_port[p] if port >= N_MESH else port

    cdef inline int _pick_vc(self, Py_ssize_t pidx, int64_t t) noexcept nogil:
        """VC of port ``pidx`` with the most free packet slots at cycle ``t`` (lowest on ties), or -1."""
        cdef int v, free, best = -1, best_free = 0
        cdef Py_ssize_t q
        for v in range(self.V):
            q = pidx * self.V + v
            while self.vc_ndep[q] > 0 and self.slot_ct[q * self.cap + self.vc_start[q]] <= t:
                self.vc_start[q] = (self.vc_start[q] + 1) % self.cap  # credits are back: free the slot
                self.vc_ndep[q] -= 1
            free = self.cap - self.vc_ndep[q] - self.vc_nwait[q]
            if free > best_free:
                best, best_free = v, free
        return best

    cdef inline void _push(self, Py_ssize_t q, int p) noexcept nogil:
        cdef int pos = (self.vc_start[q] + self.vc_ndep[q] + self.vc_nwait[q]) % self.cap
        self.slot_pkt[q * self.cap + pos] = p
        self.vc_nwait[q] += 1

    cdef inline void _note_peak(self, Py_ssize_t pidx, int64_t[::1] peak) noexcept nogil:
        """Record the flits held or reserved in port ``pidx`` (its VCs were just brought up to date)."""
        cdef int64_t occ = 0
        cdef Py_ssize_t q
        for q in range(pidx * self.V, (pidx + 1) * self.V):
            occ += self.vc_ndep[q] + self.vc_nwait[q]
        occ *= self.F
        if occ > peak[pidx]:
            peak[pidx] = occ
