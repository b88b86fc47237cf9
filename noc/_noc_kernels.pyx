# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Event-driven, cycle-exact mesh NoC kernel: the router model of ``noc/model.py`` in a typed, GIL-free loop.

The model is defined cycle by cycle, but a router's step in a cycle where nothing can move is a no-op (its
round-robin pointers move only on grants). So instead of visiting every router holding a packet every
cycle, a router is visited only in the cycles where something it waits for can change -- the rule the SimPy
engine uses -- and the results are identical, cycle for cycle:

- a request: a packet's ``inject_cycle`` wakes its router in that cycle;
- an arrival: a packet sent to an empty VC wakes the receiving port when it becomes ready (``t + L + P``);
- each input port examined plans its own next wake (the timing wheel keeps, per router and cycle, the mask of
  ports to examine), the earliest cycle its head could move: its ready cycle, or the cycle its input and
  output ports are free again; so a visit examines only the ports that may move, not every occupied one;
- credits: a head (or source) that waits for room downstream wakes when the first credit of that port is
  usable; if every slot there holds a packet that has not left yet, the port is flagged (``cwait``) and the
  send that frees a slot wakes the waiting router.

Wakes are never more than ``Dmax = max(L + P, I + P, F, F - 1 + credit delay)`` cycles ahead, so they live in
a timing wheel of ``WS > Dmax`` slots (one intrusive list per slot, a router at most once per slot); requests
come from the packets sorted by request cycle; when the wheel is empty the clock jumps to the next request.
The cost of a call is therefore proportional to the packets and the events they cause, not to routers x
cycles. State lives in C arrays allocated once per engine (per-packet arrays grow geometrically); a call
resets only the routers, cores, links and ports it touched. The per-link flit counts and per-port buffer
peaks are returned sparse (the entries touched), so a call does no O(mesh) work.

Streams (:meth:`CycleKernel.stream_begin` / ``stream_feed`` / ``stream_end``, used by ``noc-sweep``): the
packets of a long run are fed window by window into the running network -- the state above, the source queues
(one linked list per core), the wheel's pending wakes and the clock carry over from one feed to the next, so
the result is the one batch's, cycle for cycle -- and each delivery is folded into counters (latency sum and
histogram of the packets requested in a measurement window, their hops, the deliveries in it) instead of
per-packet arrays; packet ids are recycled on delivery, so the per-packet arrays hold only the live packets.

Off-chip links (systems of chips, ``noc/model.py``): ``off_out[r * 4 + o]`` marks an output whose link crosses a
chip edge (it lands ``Lx + F (s - 1)`` cycles after the send, ``off_land``, and is busy ``F s`` cycles, ``off_busy``),
``off_in[r * 4 + i]`` an input port behind one (its VCs hold ``off_slots`` packets, its credits return after
``off_credit`` cycles). Rings are ``cap = max(on-chip, off-chip slots)`` long; a port's room is checked against
its own slot count (:meth:`_cap_of`). On one chip none of this is read (``has_off`` is False).

VC binding (``vc_binding: at_vc_allocation``, ``bind``): before switch allocation a visit runs BookSim's iSLIP VC
allocator (:meth:`_allocate_vcs`) over the unbound ready heads of the ports it examines; ``va_out`` holds each
input VC's bound downstream VC, ``ovc_bound`` / ``ej_bound`` the sender-side "bound" flag of each VC. A head that
fails VC allocation wakes its port the next cycle (whatever its ports' state), so every unbound ready head is
examined every cycle, as the SimPy engine examines them all; a bound head waits for a credit of its own VC only
(:meth:`_await_vc`). The one-VC path (:meth:`_allocate1`, :meth:`_examine1`) is not taken.

Indices: port ``pidx = router * NP + port`` (ports N, E, S, W, then one local port per core); virtual channel
``q = pidx * V + v``, its state (``VCState``, in the slot at ``q * (cap + 1)``) followed by its buffer, a ring of
``cap = D // F`` packet slots (state and ring adjacent: one visit's cache misses). A ring holds, in
order, packets that have left but whose credits are not usable yet (``VCState.ndep``; ``Slot.ct`` holds the
cycle they become usable) and packets sent to this VC that have not left (``VCState.nwait``). Free slots =
``cap - ndep - nwait``: exactly the sender's credit count in packets. Credits are popped lazily.
"""

import numpy as np

cimport cython
cimport numpy as cnp
from libc.stdint cimport int8_t, int32_t, int64_t, uint64_t
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memcpy, memset

cnp.import_array()

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


def first_bad_packet(cnp.ndarray src, cnp.ndarray dst, cnp.ndarray inject, int64_t n_cores, int64_t max_cycle):
    """0 if every packet is in range (int32 cores in ``[0, n_cores)``, int64 cycles in ``[0, max_cycle]``),
    else 1 + the argument at fault (the caller then builds the message). One pass, no memoryview set-up."""
    cdef Py_ssize_t i, n = src.shape[0]
    cdef int32_t* s = <int32_t*>cnp.PyArray_DATA(src)
    cdef int32_t* d = <int32_t*>cnp.PyArray_DATA(dst)
    cdef int64_t* c = <int64_t*>cnp.PyArray_DATA(inject)
    for i in range(n):
        if s[i] < 0 or s[i] >= n_cores:
            return 1
        if d[i] < 0 or d[i] >= n_cores:
            return 2
        if c[i] < 0 or c[i] > max_cycle:
            return 3
    return 0


# Structures of arrays would scatter one port's state over many cache lines: at chip scale (4,096 routers) a
# visit's cost is its cache misses, so what one visit reads sits together.
ctypedef struct PortState:        # input port ``pidx`` and the output port with the same index
    int64_t in_free                # the input is busy sending a packet until this cycle
    int64_t out_free               # the output is busy until this cycle
    int64_t peak                   # peak flits held or reserved (reported; V = 1: ``VCState.peak``)
    int32_t nwait                  # packets sent to this port's VCs that have not left (V > 1; V = 1: the VC's)
    int32_t in_rr, out_rr          # round-robin pointers: input arbiter (over VCs), output arbiter (inputs)
    int32_t acc_rr                 # ``islip``: the input's accept pointer (over outputs)
    uint64_t cwait                 # input ports of the sender feeding this port that wait for room (bit i & 63);
                                   # any non-zero value on a local port: its core's source queue waits

ctypedef struct VCState:
    int32_t start, ndep, nwait     # ring of ``cap`` slots: credits in flight, then packets not yet left
    int32_t peak                   # one VC per port: the port's peak flits (``PortState.peak`` otherwise),
                                   # so that a send downstream touches only the VC's block, not the port

ctypedef struct Slot:
    int64_t ct                     # cycle the slot's credits are usable again (once its packet has left);
                                   # before: the packet's ready cycle (``PacketState.ready``)
    int32_t pkt
    int32_t out                    # the packet's output port here (``PacketState.out``): the one-VC path
                                   # examines a head without touching the per-packet array

ctypedef struct WheelEntry:       # router ``r`` in wheel slot ``c & WM``: one cache line holds what a wake reads
    uint64_t mask                  # the input ports to examine (bit i & 63)
    int32_t next                   # next router in the slot's list
    int32_t in_slot                # 1 when ``r`` is in the slot's list

ctypedef struct PacketState:
    int64_t ready                  # cycle it may leave the buffer it is in
    int32_t out                    # output port at the router it is in
    int32_t x, y, port             # destination router coordinates and ejection port
    int32_t hops                   # links crossed so far

cdef enum:
    N_MESH = 4         # mesh ports N, E, S, W come first; local ports follow
    RADIX_BITS = 11    # request-order radix sort: 2,048 buckets per pass
    SMALL_SORT = 32    # below this many packets an insertion sort is cheaper than a radix pass

cdef int64_t NEVER = 0x3FFFFFFFFFFFFFFF

cdef extern from *:
    int ctz64 "__builtin_ctzll"(uint64_t) nogil


cdef void* _alloc(Py_ssize_t count, size_t size) except NULL:
    """Zeroed C array (freed in ``__dealloc__``)."""
    cdef void* p = calloc(max(count, 1), size)
    if p == NULL:
        raise MemoryError(f"NoC kernel: cannot allocate {count} x {size} bytes")
    return p


@cython.final  # direct (inlinable) calls of the cdef methods instead of calls through the vtable
cdef class CycleKernel:
    """Reusable state of one mesh; :meth:`run` simulates one batch of packets from an empty network."""

    cdef:
        int W, H, C, R, NP, V, cap, F, Pc, Lc, Ic, Ec, Sc, Kc, Ac, lc_mesh, lc_local, WS, WM, n_links
        int8_t route_tab[9]
        # static tables
        int32_t *core_router
        int32_t *core_x
        int32_t *core_y
        int32_t *core_port
        int32_t *rx
        int32_t *ry
        int32_t *link_id
        int8_t *link_dir
        # off-chip links (systems of chips; only read when ``has_off``)
        bint has_off
        int off_land, off_busy, off_credit, cap_on, cap_off
        int8_t *off_out      # per router and mesh output: its link crosses a chip edge
        int8_t *off_in       # per router and mesh input: it is fed by a link crossing a chip edge
        # per port, VC and slot
        PortState *ports
        Slot *slots          # per VC, ``S = cap + 1`` slots: its VCState, then its ring of ``cap``
        int64_t *vc_setup    # per VC (only when ``Sc > 0`` or ``bind``): cycle from which its next packet may bid, the
                             # last departure ``d + F + Sc`` (route computation and VC allocation redone)
        int64_t *vc_hold     # per VC (only when ``Ac > 0``): cycle from which its sender may allocate it to a
                             # new packet, ``d + F + Ac`` after the last packet sent into it (VA before SA)
        int64_t *ej_hold     # per core and VC of its ejection port (only when ``Ac > 0``): the same for ejection
        # ``vc_binding: at_vc_allocation`` (only allocated when ``bind``): the VC allocator's state
        bint bind
        int8_t *va_out       # per input VC: 1 + the downstream VC bound to its head (0: not bound yet)
        int8_t *ovc_bound    # per VC: its sender's VC allocator has bound it to a packet waiting upstream
        int8_t *ej_bound     # per core and VC of its ejection port: the same
        int32_t *va_grant    # per router and output VC (``o V + w``): grant pointer over the input VCs
        int32_t *va_accept   # per router and input VC (``i V + v``): accept pointer over the output VCs
        int32_t *va_iv       # per step scratch: the requesting input VCs (in priority order, :meth:`_rank`), their
        int32_t *va_in       # input VCs (``i V + v``), their outputs, per output VC (priority order) its grant
        int32_t *va_o
        int32_t *va_gr
        int S
        int32_t *tports
        int n_tports
        # per router
        uint64_t *occ_mask   # per router, NW words: bit i set when input port i holds a packet not yet left
        int NW
        int32_t *n_req
        int8_t *is_touched
        int32_t *touched
        int n_touched
        # timing wheel
        int32_t *wheel_head
        WheelEntry *wheel    # per router and slot
        int64_t n_sched
        # per core
        int64_t *inj_free
        int32_t *inj_last    # per core (``bind``): the local VC its last packet entered (-1: none yet)
        int32_t *src_head    # per core: its oldest packet not yet injected (its source queue's head), or -1
        int32_t *src_tail    # per core: its newest queued packet (valid while ``src_head >= 0``)
        int32_t *src_cnt     # per core: packets given this call (non-zero: the core is in ``tcores``)
        int32_t *tcores
        int n_tcores
        # per link
        int64_t *link_acc
        int32_t *tlinks
        int n_tlinks
        # per packet (grown geometrically)
        Py_ssize_t pkt_cap
        int32_t *src_next    # per packet: the next packet of its core's source queue, or -1
        int32_t *order
        int32_t *order_tmp
        PacketState *pk
        int32_t *radix_cnt
        # per step scratch
        int32_t *req_in
        int32_t *req_o
        int32_t *req_vc
        int32_t *req_dvc
        Py_ssize_t *req_pd
        int8_t *req_win
        uint64_t *req_mask   # fast path: per output, the inputs requesting it (bit i)
        int32_t *win_of      # fast path: per output, the input granted
        bint fast1           # one VC, one-flit packets, at most 64 ports per router: :meth:`_allocate1`
        bint islip           # ``switch_allocator: islip`` (V > 1; with one VC both allocators decide alike)
        int32_t *isl_vc      # islip, per input i and output o (i * NP + o): the VC requesting o, or -1
        int32_t *isl_dvc     # ... its downstream VC
        Py_ssize_t *isl_pd   # ... its downstream port
        int32_t *isl_grant   # islip, per output: the input it grants, or -1
        # per call
        int64_t n_ew, n_ns, delivered, last
        public int64_t n_steps, n_cycles  # diagnostics (router visits, cycles simulated), cumulative
        const int64_t *inject
        int64_t *deliver
        int32_t *hops
        int32_t *deliv_core
        # streaming (:meth:`stream_begin`, :meth:`stream_feed`, :meth:`stream_end`): packets are fed window by
        # window into the running network; packet ids are recycled on delivery, so the per-packet arrays hold
        # only the live packets (fed and not delivered) and per-packet results are folded into the counters
        bint streaming, recording
        int64_t t_now                        # the clock: every cycle before it is simulated
        int64_t *p_inject                    # per packet id: request cycle (``inject`` points to it)
        int32_t *p_src                       # per packet id: source core
        int64_t *p_seq                       # per packet id (recording): its number in feeding order
        int32_t *free_ids                    # stack of free packet ids
        Py_ssize_t n_free, n_live
        int64_t n_fed
        int64_t m_start, m_end               # measurement window [m_start, m_end) (cycles)
        int64_t n_meas, sum_lat, sum_hops, n_acc
        int64_t *hist                        # latency histogram of the measured packets (index: cycles)
        Py_ssize_t hist_cap
        int64_t max_lat
        bint oom                             # a histogram regrowth failed (raised after the loop)
        int64_t *log_seq                     # recording: the deliveries of the current feed
        int64_t *log_cycle
        int32_t *log_core
        int32_t *log_hops
        Py_ssize_t n_log

    def __cinit__(self):
        self.pkt_cap = 0

    def __init__(self, int width, int height, int cores_per_router, int vcs, int slots_per_vc, int flits,
                 int pipeline, int link, int injection, int ejection, int lc_mesh, int lc_local,
                 int8_t[:, ::1] route_table, const int32_t[:, ::1] link_id, int vc_setup=0,
                 int credit_lag=-1, int vc_realloc=0, const int8_t[::1] link_off=None, int off_land=0,
                 int off_busy=0, int off_credit=0, int off_slots=0, bint islip=False, bint vc_binding=False):
        cdef int k, r, c
        self.W, self.H, self.C = width, height, cores_per_router
        self.R = width * height
        self.NP = N_MESH + cores_per_router
        self.has_off = link_off is not None and off_busy > 0
        self.cap_on, self.cap_off = slots_per_vc, (off_slots if self.has_off else slots_per_vc)
        self.off_land = off_land if self.has_off else link
        self.off_busy = off_busy if self.has_off else flits
        self.off_credit = off_credit if self.has_off else lc_mesh
        self.V, self.cap, self.F = vcs, max(self.cap_on, self.cap_off), flits
        self.Pc, self.Lc, self.Ic, self.Ec, self.Sc = pipeline, link, injection, ejection, vc_setup
        self.Kc = flits - 1 if credit_lag < 0 else credit_lag  # d to the departure whose credits free a slot
        self.Ac = vc_realloc
        self.islip = islip and vcs > 1
        self.bind = vc_binding
        self.lc_mesh, self.lc_local = lc_mesh, lc_local
        for k in range(9):
            self.route_tab[k] = route_table[k // 3, k % 3]
        dmax = max(link + pipeline, injection + pipeline, flits + max(vc_setup, vc_realloc), flits - 1 + max(lc_mesh, lc_local), 1,
                   self.off_land + pipeline, self.off_busy, flits - 1 + self.off_credit)
        self.WS = 1
        while self.WS <= dmax:  # a wake is never more than dmax cycles ahead
            self.WS *= 2
        self.WM = self.WS - 1
        self._alloc_static(link_id)
        for r in range(self.R):
            self.rx[r], self.ry[r] = r % width, r // width
        if self.has_off:
            for k in range(self.R * N_MESH):
                if self.link_id[k] >= 0 and link_off[self.link_id[k]]:
                    self.off_out[k] = 1
                    self.off_in[self._neighbour(k // N_MESH, k % N_MESH) * N_MESH + ((k % N_MESH + 2) & 3)] = 1
        for c in range(self.R * self.C):
            self.core_router[c] = c // cores_per_router
            self.core_x[c] = self.rx[c // cores_per_router]
            self.core_y[c] = self.ry[c // cores_per_router]
            self.core_port[c] = N_MESH + c % cores_per_router
        for k in range(self.WS):
            self.wheel_head[k] = -1
        for k in range(self.NP):
            self.req_vc[k] = -1  # no request formed
        self.specialised = True
        self._ensure_packets(64)

    @property
    def specialised(self):
        """True when switch allocation takes the one-VC, one-flit path (:meth:`_allocate1`); set False to force
        the general path (tests compare the two); setting True takes effect only where the path applies."""
        return self.fast1

    @specialised.setter
    def specialised(self, bint on):
        self.fast1 = on and self.V == 1 and self.F == 1 and self.NP <= 64 and self.Sc == 0 and self.Ac == 0 \
            and not self.bind

    def _alloc_static(self, const int32_t[:, ::1] link_id):
        cdef Py_ssize_t R = self.R, n_cores = self.R * self.C, n_port = self.R * self.NP
        cdef Py_ssize_t n_vc = n_port * self.V, k
        self.n_links = 0
        self.link_id, self.link_dir = <int32_t*>_alloc(R * N_MESH, 4), <int8_t*>_alloc(R * N_MESH, 1)
        self.off_out = <int8_t*>_alloc(R * N_MESH if self.has_off else 0, 1)
        self.off_in = <int8_t*>_alloc(R * N_MESH if self.has_off else 0, 1)
        for k in range(R * N_MESH):
            self.link_id[k] = link_id[k // N_MESH, k % N_MESH]
            if self.link_id[k] >= 0:
                self.link_dir[self.link_id[k]] = k % N_MESH
                self.n_links += 1
        self.core_router, self.core_x = <int32_t*>_alloc(n_cores, 4), <int32_t*>_alloc(n_cores, 4)
        self.core_y, self.core_port = <int32_t*>_alloc(n_cores, 4), <int32_t*>_alloc(n_cores, 4)
        self.rx, self.ry = <int32_t*>_alloc(R, 4), <int32_t*>_alloc(R, 4)
        self.ports = <PortState*>_alloc(n_port, sizeof(PortState))
        self.S = self.cap + 1  # a VC's state (header) and ring are adjacent: an examination's cache misses
        self.slots = <Slot*>_alloc(n_vc * self.S, sizeof(Slot))
        self.vc_setup = <int64_t*>_alloc(n_vc if self.Sc or self.bind else 0, 8)
        self.vc_hold = <int64_t*>_alloc(n_vc if self.Ac else 0, 8)
        self.ej_hold = <int64_t*>_alloc(n_cores * self.V if self.Ac else 0, 8)
        self.va_out = <int8_t*>_alloc(n_vc if self.bind else 0, 1)
        self.ovc_bound = <int8_t*>_alloc(n_vc if self.bind else 0, 1)
        self.ej_bound = <int8_t*>_alloc(n_cores * self.V if self.bind else 0, 1)
        self.va_grant = <int32_t*>_alloc(n_vc if self.bind else 0, 4)
        self.va_accept = <int32_t*>_alloc(n_vc if self.bind else 0, 4)
        k = self.NP * self.V if self.bind else 0
        self.va_iv, self.va_o, self.va_gr = <int32_t*>_alloc(k, 4), <int32_t*>_alloc(k, 4), <int32_t*>_alloc(k, 4)
        self.va_in = <int32_t*>_alloc(k, 4)
        for k in range(self.NP * self.V if self.bind else 0):
            self.va_gr[k] = -1
        self.tports = <int32_t*>_alloc(n_port, 4)
        self.NW = (self.NP + 63) // 64
        self.occ_mask, self.n_req = <uint64_t*>_alloc(R * self.NW, 8), <int32_t*>_alloc(R, 4)
        self.is_touched, self.touched = <int8_t*>_alloc(R, 1), <int32_t*>_alloc(R, 4)
        self.wheel_head = <int32_t*>_alloc(self.WS, 4)
        self.wheel = <WheelEntry*>_alloc(R * self.WS, sizeof(WheelEntry))
        self.inj_free, self.src_head = <int64_t*>_alloc(n_cores, 8), <int32_t*>_alloc(n_cores, 4)
        self.inj_last = <int32_t*>_alloc(n_cores if self.bind else 0, 4)
        for k in range(n_cores if self.bind else 0):
            self.inj_last[k] = -1
        self.src_tail, self.src_cnt = <int32_t*>_alloc(n_cores, 4), <int32_t*>_alloc(n_cores, 4)
        for k in range(n_cores):
            self.src_head[k] = -1  # empty source queues
        self.tcores = <int32_t*>_alloc(n_cores, 4)
        self.link_acc, self.tlinks = <int64_t*>_alloc(R * N_MESH, 8), <int32_t*>_alloc(R * N_MESH, 4)
        self.req_in, self.req_o = <int32_t*>_alloc(self.NP, 4), <int32_t*>_alloc(self.NP, 4)
        self.req_vc, self.req_win = <int32_t*>_alloc(self.NP, 4), <int8_t*>_alloc(self.NP, 1)
        self.req_dvc, self.req_pd = <int32_t*>_alloc(self.NP, 4), <Py_ssize_t*>_alloc(self.NP, sizeof(Py_ssize_t))
        self.radix_cnt = <int32_t*>_alloc(1 << RADIX_BITS, 4)
        self.req_mask, self.win_of = <uint64_t*>_alloc(self.NP, 8), <int32_t*>_alloc(self.NP, 4)
        k = self.NP * self.NP if self.islip else 0
        self.isl_vc, self.isl_dvc = <int32_t*>_alloc(k, 4), <int32_t*>_alloc(k, 4)
        self.isl_pd, self.isl_grant = <Py_ssize_t*>_alloc(k, sizeof(Py_ssize_t)), <int32_t*>_alloc(self.NP, 4)
        for k in range(self.NP * self.NP if self.islip else 0):
            self.isl_vc[k] = -1

    def __dealloc__(self):
        # free(NULL) is a no-op: safe if __init__ failed half-way
        free(self.link_id); free(self.link_dir); free(self.off_out); free(self.off_in); free(self.core_router); free(self.core_x); free(self.core_y); free(self.core_port)
        free(self.rx); free(self.ry); free(self.ports); free(self.slots); free(self.tports); free(self.vc_setup); free(self.vc_hold); free(self.ej_hold)
        free(self.occ_mask); free(self.n_req); free(self.is_touched); free(self.touched); free(self.wheel_head)
        free(self.wheel); free(self.inj_free); free(self.inj_last); free(self.src_head); free(self.src_tail)
        free(self.src_cnt); free(self.tcores); free(self.link_acc); free(self.tlinks); free(self.req_in)
        free(self.req_o); free(self.req_vc); free(self.req_dvc); free(self.req_pd); free(self.req_win); free(self.radix_cnt)
        free(self.req_mask); free(self.win_of); free(self.isl_vc); free(self.isl_dvc); free(self.isl_pd)
        free(self.isl_grant)
        free(self.va_out); free(self.ovc_bound); free(self.ej_bound); free(self.va_grant); free(self.va_accept)
        free(self.va_iv); free(self.va_in); free(self.va_o); free(self.va_gr)
        self._free_packets()
        free(self.hist); self.hist = NULL; self.hist_cap = 0

    cdef void _free_packets(self) noexcept:
        # Every pointer is cleared as it is freed and the capacity zeroed: a failed regrowth below leaves NULLs
        # (free(NULL) is a no-op), so __dealloc__ never frees a block twice.
        free(self.src_next); free(self.order); free(self.order_tmp); free(self.pk)
        self.src_next = NULL; self.order = NULL; self.order_tmp = NULL; self.pk = NULL
        free(self.p_inject); free(self.p_src); free(self.p_seq); free(self.free_ids)
        self.p_inject = NULL; self.p_src = NULL; self.p_seq = NULL; self.free_ids = NULL
        free(self.log_seq); free(self.log_cycle); free(self.log_core); free(self.log_hops)
        self.log_seq = NULL; self.log_cycle = NULL; self.log_core = NULL; self.log_hops = NULL
        self.pkt_cap = 0

    def _ensure_packets(self, Py_ssize_t n):
        """Grow the per-packet arrays geometrically so that they hold ``n`` packets."""
        if n <= self.pkt_cap:
            return
        if self.streaming:
            raise RuntimeError("NoC kernel: a stream is open (call stream_end first)")
        cdef Py_ssize_t cap = max(n, 2 * self.pkt_cap)
        self._free_packets()
        # One assignment per allocation: each block is owned by self as soon as it exists, so a MemoryError
        # part-way leaks nothing and leaves the kernel empty (pkt_cap 0) and reusable.
        self.src_next = <int32_t*>_alloc(cap, 4)
        self.order = <int32_t*>_alloc(cap, 4)
        self.order_tmp = <int32_t*>_alloc(cap, 4)
        self.pk = <PacketState*>_alloc(cap, sizeof(PacketState))
        self.pkt_cap = cap

    def run(self, cnp.ndarray src, cnp.ndarray dst, cnp.ndarray inject, int64_t until):
        """Simulate checked packets (int32 cores, int64 request cycles in any order) until all are delivered
        or cycle ``until``.

        Returns ``(deliver, deliv_core, hops, n_delivered, hops_ew, hops_ns, last, link_ids, link_flits,
        port_ids, port_peaks)``: per-packet delivery cycles (-1 if not delivered), delivered cores (-1 if not),
        hop counts; totals; the last delivery cycle (-1 if none); the links that carried flits with their flit
        counts (ascending ids), and the input ports (``router * ports + port``) with their peak occupancy.
        """
        cdef Py_ssize_t n = src.shape[0], p
        cdef cnp.npy_intp dims[1]
        if self.streaming:
            raise RuntimeError("NoC kernel: a stream is open (call stream_end first)")
        dims[0] = n
        deliver = cnp.PyArray_EMPTY(1, dims, cnp.NPY_INT64, 0)
        deliv_core = cnp.PyArray_EMPTY(1, dims, cnp.NPY_INT32, 0)
        hops = cnp.PyArray_EMPTY(1, dims, cnp.NPY_INT32, 0)
        self._ensure_packets(n)
        cdef const int32_t* s = <int32_t*>cnp.PyArray_DATA(src)
        cdef const int32_t* d = <int32_t*>cnp.PyArray_DATA(dst)
        self.inject = <int64_t*>cnp.PyArray_DATA(inject)
        self.deliver = <int64_t*>cnp.PyArray_DATA(deliver)
        self.deliv_core = <int32_t*>cnp.PyArray_DATA(deliv_core)
        self.hops = <int32_t*>cnp.PyArray_DATA(hops)
        with nogil:
            self.delivered = 0
            self.last = -1
            if n:
                self._request_order(n)
                self._setup(s, d, n)
                self._loop(s, n, until)
                for p in range(n):
                    self.hops[p] = self.pk[p].hops
        links = self._take_links()  # also counts hops by direction (energy is priced per direction)
        ports = self._take_ports()
        with nogil:
            self._reset()
        return (deliver, deliv_core, hops, self.delivered, self.n_ew, self.n_ns, self.last) + links + ports

    # ----- per-call setup ----------------------------------------------------------------------------
    cdef void _request_order(self, Py_ssize_t n) noexcept nogil:
        """``order``: packet indices by request cycle, array order among ties (stable LSD radix sort)."""
        cdef Py_ssize_t p, j
        cdef int64_t lo = self.inject[0], hi = self.inject[0]
        cdef bint is_sorted = True
        for p in range(n):
            self.order[p] = <int32_t>p
            if p and self.inject[p] < self.inject[p - 1]:
                is_sorted = False
            lo = min(lo, self.inject[p])
            hi = max(hi, self.inject[p])
        if is_sorted:
            return
        if n < SMALL_SORT:
            self._insertion_sort(n)
            return
        cdef uint64_t span = <uint64_t>(hi - lo)
        cdef int shift = 0
        while shift == 0 or (span >> shift) > 0:
            self._radix_pass(n, lo, shift)
            shift += RADIX_BITS
            if shift >= 64:
                break

    cdef void _insertion_sort(self, Py_ssize_t n) noexcept nogil:
        cdef Py_ssize_t i, j
        cdef int32_t p
        for i in range(1, n):
            p = self.order[i]
            j = i - 1
            while j >= 0 and self.inject[self.order[j]] > self.inject[p]:
                self.order[j + 1] = self.order[j]
                j -= 1
            self.order[j + 1] = p

    cdef void _radix_pass(self, Py_ssize_t n, int64_t lo, int shift) noexcept nogil:
        """One stable counting-sort pass of ``order`` on bits ``shift .. shift + RADIX_BITS`` of the cycle."""
        cdef Py_ssize_t j
        cdef int32_t k, acc = 0, cnt
        cdef int32_t* tmp
        cdef uint64_t mask = (1 << RADIX_BITS) - 1
        memset(self.radix_cnt, 0, (1 << RADIX_BITS) * sizeof(int32_t))
        for j in range(n):
            self.radix_cnt[((<uint64_t>(self.inject[self.order[j]] - lo)) >> shift) & mask] += 1
        for k in range(1 << RADIX_BITS):
            cnt = self.radix_cnt[k]
            self.radix_cnt[k] = acc
            acc += cnt
        for j in range(n):
            k = <int32_t>(((<uint64_t>(self.inject[self.order[j]] - lo)) >> shift) & mask)
            self.order_tmp[self.radix_cnt[k]] = self.order[j]
            self.radix_cnt[k] += 1
        tmp = self.order
        self.order = self.order_tmp
        self.order_tmp = tmp

    cdef void _setup(self, const int32_t* src, const int32_t* dst, Py_ssize_t n) noexcept nogil:
        """Per-core source queues in request order, per-packet fields."""
        cdef Py_ssize_t p, j
        for p in range(n):
            self._packet_fields(<int>p, dst[p])
            self.deliver[p] = -1
            self.deliv_core[p] = -1
        for j in range(n):
            p = self.order[j]
            self._enqueue(<int>p, src[p])

    cdef inline void _packet_fields(self, int p, int dst) noexcept nogil:
        """Packet ``p`` for core ``dst``: its destination router, ejection port, no hop yet."""
        self.pk[p].x, self.pk[p].y, self.pk[p].port = self.core_x[dst], self.core_y[dst], self.core_port[dst]
        self.pk[p].hops = 0

    cdef inline void _enqueue(self, int p, int c) noexcept nogil:
        """Append packet ``p`` to core ``c``'s source queue (packets come in request order)."""
        if self.src_cnt[c] == 0:
            self.tcores[self.n_tcores] = c
            self.n_tcores += 1
            self._touch(self.core_router[c])
            self.src_cnt[c] = 1
        self.src_next[p] = -1
        if self.src_head[c] < 0:
            self.src_head[c] = p
        else:
            self.src_next[self.src_tail[c]] = p
        self.src_tail[c] = p

    # ----- main loop ---------------------------------------------------------------------------------
    cdef void _loop(self, const int32_t* src, Py_ssize_t n, int64_t until) noexcept nogil:
        cdef Py_ssize_t next_new = 0
        cdef int64_t t = self.inject[self.order[0]]
        cdef int r
        while t < until:
            while next_new < n and self.inject[self.order[next_new]] <= t:
                r = self.core_router[src[self.order[next_new]]]
                self.n_req[r] += 1  # requested and not injected yet
                self._wake(r, t, 0)
                next_new += 1
            self._cycle(t)
            if self.delivered == n:
                break
            if self.n_sched > 0:
                t += 1
            elif next_new < n:
                t = self.inject[self.order[next_new]]  # nothing in flight: jump to the next request
            else:
                break  # unreachable: an undelivered packet always has a wake pending or a credit to wait for

    # ----- delivery: per-packet results (one batch) or bounded counters (a stream) -------------------
    cdef inline void _deliver(self, int p, int core, int64_t c) noexcept nogil:
        """Packet ``p`` is fully ejected into ``core`` in cycle ``c``."""
        self.last = max(self.last, c)
        self.delivered += 1
        if not self.streaming:
            self.deliver[p] = c
            self.deliv_core[p] = core
            return
        self._record(p, core, c)

    cdef void _record(self, int p, int core, int64_t c) noexcept nogil:
        """A stream's delivery: count it as accepted if ``c`` is in the measurement window, add the latency
        ``c - request`` and hops of a packet requested in the window to the sums and the histogram, then free
        the packet's id (nothing reads a packet's state once it has been ejected)."""
        cdef int64_t req = self.inject[p], lat = c - self.inject[p]
        cdef Py_ssize_t cap
        cdef int64_t* grown
        if self.m_start <= c < self.m_end:
            self.n_acc += 1
        if self.m_start <= req < self.m_end:
            self.n_meas += 1
            self.sum_lat += lat
            self.sum_hops += self.pk[p].hops
            if lat >= self.hist_cap:  # latencies stay small below saturation: grow on demand
                cap = max(2 * self.hist_cap, lat + 1)
                grown = <int64_t*>realloc(self.hist, cap * sizeof(int64_t))
                if grown == NULL:
                    self.oom = True  # the old block is still ours; the run stops and raises MemoryError
                else:
                    memset(&grown[self.hist_cap], 0, (cap - self.hist_cap) * sizeof(int64_t))
                    self.hist, self.hist_cap = grown, cap
            if lat < self.hist_cap:
                self.hist[lat] += 1
            self.max_lat = max(self.max_lat, lat)
        if self.recording:
            self.log_seq[self.n_log] = self.p_seq[p]
            self.log_cycle[self.n_log] = c
            self.log_core[self.n_log] = core
            self.log_hops[self.n_log] = self.pk[p].hops
            self.n_log += 1
        self.free_ids[self.n_free] = p
        self.n_free += 1
        self.n_live -= 1

    # ----- streaming: windows of packets fed into the running network ----------------------------------
    def stream_begin(self, int64_t m_start, int64_t m_end, bint record=False):
        """Open a stream from an empty network at cycle 0; deliveries of packets requested in
        ``[m_start, m_end)`` are measured. ``record``: also return every delivery of each feed (tests)."""
        if self.streaming:
            raise RuntimeError("NoC kernel: a stream is already open")
        self.recording = record
        self._free_packets()  # the per-packet arrays of :meth:`run` are not a stream's
        self.n_free = 0
        self._grow_stream(64)  # fills the free-id stack (a MemoryError leaves no stream open)
        self.inject = self.p_inject
        self.streaming = True
        self.t_now, self.n_fed, self.n_live, self.n_log = 0, 0, 0, 0
        self.delivered, self.last = 0, -1
        self.m_start, self.m_end = m_start, m_end
        self.n_meas = self.sum_lat = self.sum_hops = self.n_acc = 0
        self.max_lat = -1
        self.oom = False
        if self.hist_cap:
            memset(self.hist, 0, self.hist_cap * sizeof(int64_t))

    def _grow_stream(self, Py_ssize_t n):
        """Room for ``n`` live packets, keeping the live ones (ids, fields, queues): new blocks are allocated,
        filled and swapped in; if an allocation fails the old ones stay in place (MemoryError)."""
        if n <= self.pkt_cap:
            return
        cdef Py_ssize_t cap = max(n, 2 * self.pkt_cap), old = self.pkt_cap, k
        cdef void* blocks[12]
        cdef size_t sizes[12]
        cdef int j
        sizes[:] = [sizeof(PacketState), 4, 8, 4, 8, 4, 4, 4, 8, 8, 4, 4]
        for j in range(12):
            blocks[j] = NULL
        try:
            for j in range(12):  # the feed numbers and the delivery log only when recording; no radix sort
                blocks[j] = _alloc(0 if (j == 4 or j == 7 or j >= 8) and not self.recording else cap, sizes[j])
        except MemoryError:
            for j in range(12):
                free(blocks[j])
            raise
        if old:
            memcpy(blocks[0], self.pk, old * sizeof(PacketState))
            memcpy(blocks[1], self.src_next, old * 4)
            memcpy(blocks[2], self.p_inject, old * 8)
            memcpy(blocks[3], self.p_src, old * 4)
            if self.recording:
                memcpy(blocks[4], self.p_seq, old * 8)
            memcpy(blocks[5], self.free_ids, self.n_free * 4)
        self._free_packets()
        self.pk, self.src_next = <PacketState*>blocks[0], <int32_t*>blocks[1]
        self.p_inject, self.p_src, self.p_seq = <int64_t*>blocks[2], <int32_t*>blocks[3], <int64_t*>blocks[4]
        self.free_ids, self.order, self.order_tmp = <int32_t*>blocks[5], <int32_t*>blocks[6], <int32_t*>blocks[7]
        self.log_seq, self.log_cycle = <int64_t*>blocks[8], <int64_t*>blocks[9]
        self.log_core, self.log_hops = <int32_t*>blocks[10], <int32_t*>blocks[11]
        self.pkt_cap = cap
        self.inject = self.p_inject
        for k in range(cap - 1, old - 1, -1):  # the new ids, lowest on top
            self.free_ids[self.n_free] = <int32_t>k
            self.n_free += 1

    def stream_feed(self, cnp.ndarray src, cnp.ndarray dst, cnp.ndarray inject, int64_t t_end):
        """Add checked packets requested in ``[t_now, t_end)`` (int32 cores, int64 cycles sorted ascending,
        ties in array order) to the running network and simulate every cycle before ``t_end``.

        The state -- buffers, credits, VC state, arbiters, the packets in flight and in the source queues,
        the wheel of pending wakes and the clock -- carries over from the previous feed, so feeding a run's
        packets in windows gives what one :meth:`run` of them all gives, cycle for cycle. Returns the
        deliveries of this feed as ``(seq, cycle, core, hops)`` arrays when recording (``seq``: the packet's
        number in feeding order), else None."""
        cdef Py_ssize_t n = src.shape[0], j
        cdef int p
        cdef const int32_t* s = <int32_t*>cnp.PyArray_DATA(src)
        cdef const int32_t* d = <int32_t*>cnp.PyArray_DATA(dst)
        cdef const int64_t* c = <int64_t*>cnp.PyArray_DATA(inject)
        if not self.streaming:
            raise RuntimeError("NoC kernel: no stream is open (call stream_begin first)")
        if n and (c[0] < self.t_now or c[n - 1] >= t_end):
            raise ValueError(f"NoC kernel: a feed's requests must lie in [{self.t_now}, {t_end}); "
                             f"got {c[0]} .. {c[n - 1]}")
        self._grow_stream(self.n_live + n)
        with nogil:
            self.n_log = 0
            for j in range(n):
                self.n_free -= 1
                p = self.free_ids[self.n_free]
                self.order[j] = p
                self.p_inject[p], self.p_src[p] = c[j], s[j]
                if self.recording:
                    self.p_seq[p] = self.n_fed + j
                self._packet_fields(p, d[j])
                self._enqueue(p, s[j])
            self.n_fed += n
            self.n_live += n
            self._loop_stream(n, t_end)
        if self.oom:
            raise MemoryError("NoC kernel: cannot grow the latency histogram")
        if not self.recording:
            return None
        return (np.array(<int64_t[:self.n_log]>self.log_seq) if self.n_log else np.zeros(0, np.int64),
                np.array(<int64_t[:self.n_log]>self.log_cycle) if self.n_log else np.zeros(0, np.int64),
                np.array(<int32_t[:self.n_log]>self.log_core) if self.n_log else np.zeros(0, np.int32),
                np.array(<int32_t[:self.n_log]>self.log_hops) if self.n_log else np.zeros(0, np.int32))

    cdef void _loop_stream(self, Py_ssize_t n, int64_t t_end) noexcept nogil:
        """:meth:`_loop` over the cycles ``[t_now, t_end)`` with this feed's ``n`` packets (``order``)."""
        cdef Py_ssize_t next_new = 0
        cdef int64_t t = self.t_now
        cdef int r
        while t < t_end and not self.oom:
            while next_new < n and self.inject[self.order[next_new]] <= t:
                r = self.core_router[self.p_src[self.order[next_new]]]
                self.n_req[r] += 1  # requested and not injected yet
                self._wake(r, t, 0)
                next_new += 1
            self._cycle(t)
            if self.n_sched > 0:
                t += 1
            elif next_new < n:
                t = self.inject[self.order[next_new]]  # nothing in flight: jump to the next request
            else:
                t = t_end  # nothing in flight and no request left before t_end
        self.t_now = t

    def stream_state(self):
        """``(t_now, live packets, delivered, measured delivered, largest measured latency)`` of the open
        stream."""
        return self.t_now, self.n_live, self.delivered, self.n_meas, self.max_lat

    def stream_end(self):
        """Close the stream and return its counters: ``(measured delivered, latency sum, hops sum, accepted,
        histogram (index: latency in cycles), delivered, last delivery cycle, live packets, hops_ew,
        hops_ns, link_ids, link_flits, port_ids, port_peaks)``; the kernel is empty again."""
        if not self.streaming:
            raise RuntimeError("NoC kernel: no stream is open")
        hist = np.array(<int64_t[:self.max_lat + 1]>self.hist) if self.max_lat >= 0 else np.zeros(0, np.int64)
        out = (self.n_meas, self.sum_lat, self.sum_hops, self.n_acc, hist, self.delivered, self.last, self.n_live)
        links = self._take_links()
        ports = self._take_ports()
        with nogil:
            self._reset()
        self.streaming = self.recording = False
        self._free_packets()  # the stream's arrays (sized for it, some not at all) go; :meth:`run` makes its own
        free(self.hist); self.hist = NULL; self.hist_cap = 0
        return out + (self.n_ew, self.n_ns) + links + ports

    cdef inline void _cycle(self, int64_t t) noexcept nogil:
        """Visit the routers woken for cycle ``t`` (its wheel slot), each examining the ports in its mask."""
        cdef int slot = <int>(t & self.WM), r, nxt
        cdef Py_ssize_t k
        cdef uint64_t ports
        self.n_cycles += 1
        r = self.wheel_head[slot]
        self.wheel_head[slot] = -1
        while r >= 0:
            k = <Py_ssize_t>r * self.WS + slot
            nxt, ports = self.wheel[k].next, self.wheel[k].mask
            self.wheel[k].in_slot = 0
            self.wheel[k].mask = 0
            self.n_sched -= 1
            self.n_steps += 1
            self._step(r, t, ports)
            r = nxt

    cdef inline void _wake(self, int r, int64_t c, uint64_t ports) noexcept nogil:
        """Visit router ``r`` in cycle ``c`` (``t <= c <= t + Dmax``; once per router and slot) and examine its
        input ports in ``ports`` (bit ``i & 63``; 0: only its source queues)."""
        cdef int slot = <int>(c & self.WM)
        cdef Py_ssize_t k = <Py_ssize_t>r * self.WS + slot
        cdef WheelEntry* e = &self.wheel[k]
        e.mask |= ports
        if e.in_slot:
            return
        e.in_slot = 1
        e.next = self.wheel_head[slot]
        self.wheel_head[slot] = r
        self.n_sched += 1

    cdef inline void _touch(self, int r) noexcept nogil:
        if not self.is_touched[r]:
            self.is_touched[r] = 1
            self.touched[self.n_touched] = r
            self.n_touched += 1

    # ----- one router, one cycle ---------------------------------------------------------------------
    cdef void _step(self, int r, int64_t t, uint64_t ports) noexcept nogil:
        """Injection, then switch allocation among the input ports woken (``ports``) and traversal, at router
        ``r`` in cycle ``t``; each port examined plans its own next wake.

        A port is woken at the first cycle its head could move, worked out when it is examined. The wake may
        come early (a head that waits for a busy port is not checked for credits too): that examination is a
        no-op and plans again. It never comes late: what lets a head move earlier than planned is a credit
        (:meth:`_await_credit`) or becoming the head (a packet sent to an empty VC, or the previous head
        leaving), and both wake the port; other routers' and ports' actions only delay it. Ports not woken
        cannot request, so the allocation is the one over all ports.
        """
        cdef int64_t w
        if self.n_req[r] > 0:
            w = self._inject(r, t)
            if w != NEVER:
                self._wake(r, w, 0)
        if ports:
            if self.bind:
                self._allocate_vcs(r, t, ports)
            if self.fast1:
                self._allocate1(r, t, ports)
            elif self.islip:
                self._allocate_islip(r, t, ports)
            else:
                self._allocate(r, t, ports)

    # ----- VC allocation (``vc_binding: at_vc_allocation``) ---------------------------------------------
    cdef void _allocate_vcs(self, int r, int64_t t, uint64_t ports) noexcept nogil:
        """BookSim2's iSLIP VC allocator, one iteration (``IQRouter::_VCAllocEvaluate``), before switch
        allocation and on the state at the start of cycle ``t``: every ready head not bound yet (of the occupied
        ports in ``ports``; an unbound ready head's port is woken every cycle) requests each free VC of its
        output (:meth:`_ovc_free`); each output VC ``o V + w`` grants the requesting input VC ``i V + v``
        nearest at or after its grant pointer, each input VC accepts the granting output VC nearest at or after
        its accept pointer (cyclic over the router's ``NP V`` VCs) and is bound to it; an accept moves both
        pointers past the pair. A head bound now may bid in this cycle's switch allocation."""
        cdef Py_ssize_t base = <Py_ssize_t>r * self.NP, q
        cdef int V = self.V, NV = self.NP * self.V, wd, i, v, p, n = 0, j, o, w, k, d, dbest, best, iv
        cdef uint64_t m
        for wd in range(self.NW):
            m = self.occ_mask[<Py_ssize_t>r * self.NW + wd] & ports
            while m:
                i = (wd << 6) + ctz64(m)
                m &= m - 1
                for v in range(V):
                    q = (base + i) * V + v
                    if self._vcp(q).nwait == 0 or self.va_out[q]:
                        continue
                    p = self._head(q)
                    if self.pk[p].ready <= t:
                        self.va_iv[n], self.va_in[n] = self._rank(i) * V + v, i * V + v
                        self.va_o[n] = self.pk[p].out
                        n += 1
        for j in range(n):  # grant: per free output VC, the requesting input VC nearest after its pointer
            o, iv = self.va_o[j], self.va_iv[j]
            for w in range(V):
                k = self._rank(o) * V + w
                if not self._ovc_free(r, o, w, t):
                    continue
                d = iv - self.va_grant[base * V + k]
                d += NV if d < 0 else 0
                if self.va_gr[k] >= 0:
                    dbest = self.va_gr[k] - self.va_grant[base * V + k]
                    dbest += NV if dbest < 0 else 0
                    if dbest <= d:
                        continue
                self.va_gr[k] = iv
        for j in range(n):  # accept: per input VC, the granting output VC nearest after its pointer
            o, iv = self.va_o[j], self.va_iv[j]
            best, dbest = -1, NV
            for w in range(V):
                k = self._rank(o) * V + w
                if self.va_gr[k] == iv:
                    d = k - self.va_accept[base * V + iv]
                    d += NV if d < 0 else 0
                    if d < dbest:
                        best, dbest = w, d
            if best >= 0:
                k = self._rank(o) * V + best
                self.va_grant[base * V + k] = 0 if iv + 1 == NV else iv + 1
                self.va_accept[base * V + iv] = 0 if k + 1 == NV else k + 1
                self.va_out[base * V + self.va_in[j]] = <int8_t>(best + 1)
                if o < N_MESH:
                    self.ovc_bound[self._downstream_port(r, o) * V + best] = 1
                    self._touch(self._neighbour(r, o))  # its state is reset with the router's (early stops)
                else:
                    self.ej_bound[(<Py_ssize_t>r * self.C + o - N_MESH) * V + best] = 1
        for j in range(n):
            for w in range(V):
                self.va_gr[self._rank(self.va_o[j]) * V + w] = -1

    cdef inline int _rank(self, int port) noexcept nogil:
        """Place of ``port`` in the VC allocator's round-robin order, BookSim's port numbering: E, W, N, S (its
        +x, -x, +y, -y), then the local ports (ours: N 0, E 1, S 2, W 3 -> 2, 0, 3, 1)."""
        if port >= N_MESH:
            return port
        return (0 if port & 1 else 2) + (port >> 1)

    cdef inline bint _ovc_free(self, int r, int o, int w, int64_t t) noexcept nogil:
        """Whether VC ``w`` of output ``o`` of router ``r`` may be bound in cycle ``t``: not bound and not held
        (``vc_realloc_cycles``); its credits are not looked at (BookSim's ``vc_busy_when_full = 0``)."""
        cdef Py_ssize_t q
        if o < N_MESH:
            q = self._downstream_port(r, o) * self.V + w
            return not self.ovc_bound[q] and (self.Ac == 0 or self.vc_hold[q] <= t)
        q = (<Py_ssize_t>r * self.C + o - N_MESH) * self.V + w
        return not self.ej_bound[q] and (self.Ac == 0 or self.ej_hold[q] <= t)

    cdef inline bint _vc_room(self, Py_ssize_t pd, int w, int64_t t) noexcept nogil:
        """Whether VC ``w`` of port ``pd`` has a free packet slot at cycle ``t`` (the VC bound to a head)."""
        cdef Py_ssize_t q = pd * self.V + w
        while self._vcp(q).ndep > 0 and self.slots[q * self.S + 1 + self._vcp(q).start].ct <= t:
            self._vcp(q).start += 1  # credits are back: free the slot
            if self._vcp(q).start == self.cap:
                self._vcp(q).start = 0
            self._vcp(q).ndep -= 1
        return self._vcp(q).ndep + self._vcp(q).nwait < self._cap_of(pd)

    cdef inline void _await_vc(self, Py_ssize_t pd, int w, int waiter, int i) noexcept nogil:
        """Input ``i`` of router ``waiter`` waits for room in VC ``w`` of port ``pd`` (bound to its head): wake it
        when that VC's first credit in flight is usable, or flag the port so that the next packet to leave it
        wakes the waiter (credits come back in departure order, a fixed delay after it)."""
        cdef Py_ssize_t q = pd * self.V + w
        cdef uint64_t bit = (<uint64_t>1) << (i & 63)
        if self._vcp(q).ndep > 0:
            self._wake(waiter, self.slots[q * self.S + 1 + self._vcp(q).start].ct, bit)
        else:
            self.ports[pd].cwait |= bit

    cdef int64_t _inject(self, int r, int64_t t) noexcept nogil:
        """Each local core hands its oldest requested packet to its local input port if there is room.

        Returns the first cycle a core's next requested packet could be injected (``NEVER`` if none is
        waiting, or if it waits for credits: then the credit wakes the router)."""
        cdef int k, v, core, p
        cdef int64_t w = NEVER
        cdef Py_ssize_t pidx
        for k in range(self.C):
            core = r * self.C + k
            p = self.src_head[core]
            if p < 0:
                continue
            if self.inject[p] > t:
                continue  # its request wakes the router
            if self.inj_free[core] > t:
                w = min(w, self.inj_free[core])
                continue
            pidx = <Py_ssize_t>r * self.NP + N_MESH + k
            v = self._pick_vc_rr(pidx, core, t) if self.bind else self._pick_vc(pidx, t)
            if v < 0:
                self._await_credit(pidx, r, -1, t)
                continue
            self.pk[p].ready = self._after_setup(pidx * self.V + v, t + self.Ic + self.Pc)
            self.pk[p].out = self._route(r, p)
            if self._push(r, pidx, N_MESH + k, v, p):  # the head of its VC: wake its port when it is ready
                self._wake(r, self.pk[p].ready, (<uint64_t>1) << ((N_MESH + k) & 63))
            self.inj_free[core] = t + self.F
            self.src_head[core] = p = self.src_next[p]
            self.n_req[r] -= 1
            self._note_peak(pidx)
            if p >= 0 and self.inject[p] <= t:
                w = min(w, t + self.F)
        return w

    cdef inline int _requests(self, int r, Py_ssize_t base, int64_t t, uint64_t ports) noexcept nogil:
        """Examine the occupied input ports in ``ports`` (:meth:`_examine`), wake each again when it could
        move, and list those whose head requests an output in ``req_in``; returns how many. The first stage of
        both switch allocators."""
        cdef int i, wd, nreq = 0
        cdef int64_t w
        cdef uint64_t m
        for wd in range(self.NW):
            m = self.occ_mask[<Py_ssize_t>r * self.NW + wd] & ports  # ports >= 64 share bits: early wakes only
            while m:
                i = (wd << 6) + ctz64(m)
                m &= m - 1
                w = self._examine(r, base + i, i, t)
                if w != NEVER:
                    self._wake(r, w, (<uint64_t>1) << (i & 63))
                if self.req_vc[i] >= 0:
                    self.req_in[nreq] = i
                    nreq += 1
        return nreq

    cdef void _allocate(self, int r, int64_t t, uint64_t ports) noexcept nogil:
        """Separable input-first switch allocation (one iteration, iSLIP pointers) among the occupied input
        ports in ``ports``, then the traversals; every port examined is woken again when it could move."""
        cdef Py_ssize_t base = <Py_ssize_t>r * self.NP
        cdef int i, o, j
        cdef int nreq = self._requests(r, base, t, ports)
        if nreq == 0:
            return
        if nreq > 1:
            self._arbitrate(base, nreq)
        else:
            self.req_win[0] = 1  # the common case: a lone request is granted
        for j in range(nreq):
            i = self.req_in[j]
            o = self.req_o[i]
            if self.req_win[j]:
                self.ports[base + o].out_rr = 0 if i + 1 == self.NP else i + 1
                self._send(r, i, self.req_vc[i], o, t, self.req_pd[i], self.req_dvc[i])
                w = self._head_wake(r, base + i, self.req_vc[i], t)
            else:
                w = max(t + 1, self._out_free(r, o))  # lost the output: try when it is free
            if w != NEVER:
                self._wake(r, w, (<uint64_t>1) << (i & 63))
            self.req_vc[i] = -1

    cdef void _allocate1(self, int r, int64_t t, uint64_t ports) noexcept nogil:
        """:meth:`_allocate` for one VC per port and one-flit packets (every preset), at most 64 ports.

        Same decisions, wakes and wake order as the general path. With ``F = 1`` a port sends for one cycle:
        the input and output ports granted in cycle ``t`` are free again at ``t + 1``, and a router is visited
        at most once per cycle, so an examination never finds them busy (``in_free`` / ``out_free`` are not
        needed), a head that lost its output or follows a granted one may move at ``t + 1`` at the earliest,
        and the output arbiters are bit masks of the requesting inputs (first at or after the pointer)."""
        cdef Py_ssize_t base = <Py_ssize_t>r * self.NP, pidx, pd
        cdef int i, o, j, p, pos, nreq = 0, nout = 0, cap = self.cap
        cdef int64_t ready
        cdef uint64_t m = self.occ_mask[r] & ports, bit, hi
        cdef VCState* vc
        cdef Slot* sl
        while m:
            i = ctz64(m)
            m &= m - 1
            bit = (<uint64_t>1) << i
            pidx = base + i
            vc = self._vcp(pidx)
            pos = vc.start + vc.ndep
            pos -= cap if pos >= cap else 0
            sl = &self.slots[pidx * self.S + 1 + pos]
            ready = sl.ct  # a head's ready cycle
            if ready > t:
                self._wake(r, ready, bit)
                continue
            o = sl.out
            pd = 0
            if self.has_off and o < N_MESH and self.ports[base + o].out_free > t:
                self._wake(r, self.ports[base + o].out_free, bit)  # an off-chip link still serialising
                continue
            if o < N_MESH:
                pd = self._downstream_port(r, o)
                if self._pick_vc1(pd, t) < 0:
                    self._await_credit(pd, r, i, t)
                    continue
            self.req_o[i], self.req_pd[i] = o, pd
            self.req_in[nreq] = i
            nreq += 1
            if self.req_mask[o] == 0:
                self.req_vc[nout] = o  # outputs requested (req_vc is free scratch on this path)
                nout += 1
            self.req_mask[o] |= bit
        if nreq == 0:
            return
        if nreq == 1:  # the common case: a lone request is granted
            i = self.req_in[0]
            o = self.req_o[i]
            self.req_mask[o] = 0
            self.req_vc[0] = -1
            self.win_of[o] = i
            nout = 0
        for j in range(nout):
            o = self.req_vc[j]
            m = self.req_mask[o]
            self.req_mask[o] = 0
            hi = m & ((<uint64_t>0xFFFFFFFFFFFFFFFF) << self.ports[base + o].out_rr)
            self.win_of[o] = ctz64(hi if hi else m)
        for j in range(nout):
            self.req_vc[j] = -1
        for j in range(nreq):
            i = self.req_in[j]
            o = self.req_o[i]
            if self.win_of[o] == i:
                self.ports[base + o].out_rr = 0 if i + 1 == self.NP else i + 1
                self._send1(r, i, o, t, self.req_pd[i])
                vc = self._vcp(base + i)
                if vc.nwait == 0:
                    continue
                pos = vc.start + vc.ndep
                pos -= cap if pos >= cap else 0
                ready = self.slots[(base + i) * self.S + 1 + pos].ct
                self._wake(r, ready if ready > t else t + 1, (<uint64_t>1) << i)
            else:
                self._wake(r, t + 1, (<uint64_t>1) << i)  # lost the output: try when it is free

    cdef inline void _send1(self, int r, int i, int o, int64_t t, Py_ssize_t pidx2) noexcept nogil:
        """:meth:`_send` for :meth:`_allocate1` (one VC, one flit: ports busy for one cycle, tracked by nobody)."""
        cdef Py_ssize_t pidx = <Py_ssize_t>r * self.NP + i
        cdef int p, r2, link, pos
        cdef int64_t ct = t + (self.lc_mesh if i < N_MESH else self.lc_local)
        cdef int lat = self.Lc
        cdef PortState* port = &self.ports[pidx]
        cdef VCState* vc = self._vcp(pidx)
        if self.has_off:
            if i < N_MESH and self.off_in[r * N_MESH + i]:
                ct = t + self.off_credit
            if o < N_MESH and self.off_out[r * N_MESH + o]:
                lat = self.off_land
                self.ports[<Py_ssize_t>r * self.NP + o].out_free = t + self.off_busy
        pos = vc.start + vc.ndep
        pos -= self.cap if pos >= self.cap else 0
        p = self.slots[pidx * self.S + 1 + pos].pkt
        self.slots[pidx * self.S + 1 + pos].ct = ct
        vc.ndep += 1
        vc.nwait -= 1
        if vc.nwait == 0:
            self.occ_mask[r] &= ~((<uint64_t>1) << i)
        if port.cwait:  # the sender feeding this port waits for room: wake it when the credit is usable
            self._wake(self._upstream(r, i), ct, port.cwait if i < N_MESH else 0)
            port.cwait = 0
        if o >= N_MESH:
            self._deliver(p, r * self.C + o - N_MESH, t + self.Ec)
            return
        link = self.link_id[r * N_MESH + o]
        if self.link_acc[link] == 0:
            self.tlinks[self.n_tlinks] = link
            self.n_tlinks += 1
        self.link_acc[link] += 1
        self.pk[p].hops += 1
        r2 = self._neighbour(r, o)
        self.pk[p].ready = t + lat + self.Pc
        self.pk[p].out = self._route(r2, p)
        if self._push(r2, pidx2, (o + 2) & 3, 0, p):  # it is the head of its VC: nothing else would wake r2
            self._wake(r2, t + lat + self.Pc, (<uint64_t>1) << ((o + 2) & 3))
        self._note_peak(pidx2)

    cdef void _allocate_islip(self, int r, int64_t t, uint64_t ports) noexcept nogil:
        """``switch_allocator: islip`` (V > 1), one iteration: the occupied input ports in ``ports`` request
        every output one of their ready heads wants (:meth:`_examine`), each output grants the requesting input
        nearest after its pointer, each input accepts the granting output nearest after its accept pointer; an
        accept moves both pointers and sends. A port that requested is woken at ``t + 1`` if it lost, at its
        ``in_free`` if it sent (its other VCs wait for the port)."""
        cdef Py_ssize_t base = <Py_ssize_t>r * self.NP, q
        cdef int i, o, j, NP = self.NP, best, d, dbest
        cdef int nreq = self._requests(r, base, t, ports)
        if nreq == 0:
            return
        for o in range(NP):  # grant: per output, the requesting input nearest after its pointer
            best, dbest = -1, NP
            for j in range(nreq):
                i = self.req_in[j]
                if self.isl_vc[i * NP + o] >= 0:
                    d = i - self.ports[base + o].out_rr
                    d += NP if d < 0 else 0
                    if d < dbest:
                        best, dbest = i, d
            self.isl_grant[o] = best
        for j in range(nreq):  # accept: per input, the granting output nearest after its accept pointer
            i = self.req_in[j]
            best, dbest = -1, NP
            for o in range(NP):
                if self.isl_grant[o] == i:
                    d = o - self.ports[base + i].acc_rr
                    d += NP if d < 0 else 0
                    if d < dbest:
                        best, dbest = o, d
            if best >= 0:
                q = i * NP + best
                self.ports[base + best].out_rr = 0 if i + 1 == NP else i + 1
                self.ports[base + i].acc_rr = 0 if best + 1 == NP else best + 1
                self._send(r, i, self.isl_vc[q], best, t, self.isl_pd[q], self.isl_dvc[q])
                w = self.ports[base + i].in_free
                if self.bind:  # the sent VC's new head allocates its VC while the port is busy
                    w = min(w, self._head_wake(r, base + i, self.isl_vc[q], t))
            else:
                w = t + 1
            self._wake(r, w, (<uint64_t>1) << (i & 63))
            for o in range(NP):
                self.isl_vc[i * NP + o] = -1
            self.req_vc[i] = -1

    cdef void _arbitrate(self, Py_ssize_t base, int nreq) noexcept nogil:
        """Output arbiters: each output grants the requesting input nearest after its round-robin pointer
        (``req_win``). All requests were formed before any grant, so one output's grant cannot change another's."""
        cdef int j, k, o, dj, dk
        for j in range(nreq):
            o = self.req_o[self.req_in[j]]
            dj = self.req_in[j] - self.ports[base + o].out_rr
            dj += self.NP if dj < 0 else 0
            self.req_win[j] = 1
            for k in range(nreq):
                if k != j and self.req_o[self.req_in[k]] == o:
                    dk = self.req_in[k] - self.ports[base + o].out_rr
                    dk += self.NP if dk < 0 else 0
                    if dk < dj:
                        self.req_win[j] = 0
                        break

    cdef inline int64_t _examine(self, int r, Py_ssize_t pidx, int i, int64_t t) noexcept nogil:
        """Input arbiter of port ``pidx``: pick the first VC (round-robin) whose head is ready, whose output is
        idle and (mesh outputs) whose downstream port has room; record it in ``req_vc[i]`` (else -1),
        ``req_o[i]`` and ``req_dvc[i]`` (the downstream VC). Returns the first cycle one of the other heads
        of this port could move."""
        cdef int k, v, p, o, dv
        cdef int64_t w = NEVER, of
        cdef Py_ssize_t q, pd, qo
        cdef bint busy = self.ports[pidx].in_free > t
        cdef int V = self.V
        if V == 1 and not self.bind:
            return self._examine1(r, pidx, i, t)
        self.req_vc[i] = -1
        for k in range(V):
            v = 0
            if V > 1:
                v = self.ports[pidx].in_rr + k
                v -= V if v >= V else 0
            q = pidx * V + v
            if self._vcp(q).nwait == 0:
                continue
            p = self._head(q)
            if self.pk[p].ready > t:
                w = min(w, self.pk[p].ready)
                continue
            if self.bind and not self.va_out[q]:
                w = min(w, t + 1)  # VC allocation again next cycle (it runs whether or not the ports are busy)
                continue
            o = self.pk[p].out
            of = self._out_free(r, o)
            if busy or of > t or (self.isl_vc[i * self.NP + o] >= 0 if self.islip else self.req_vc[i] >= 0):
                w = min(w, max(t + 1, max(self.ports[pidx].in_free, of)))
                continue
            dv, pd = 0, 0
            if o < N_MESH:
                pd = self._downstream_port(r, o)
                if self.bind:
                    dv = self.va_out[q] - 1
                    if not self._vc_room(pd, dv, t):
                        self._await_vc(pd, dv, r, i)
                        continue
                else:
                    dv = self._pick_vc(pd, t)
                    if dv < 0:
                        self._await_credit(pd, r, i, t)
                        continue
            self.req_vc[i], self.req_o[i], self.req_dvc[i], self.req_pd[i] = v, o, dv, pd
            if self.islip:  # every output its heads want: the first VC in round-robin order asks for it
                qo = i * self.NP + o
                self.isl_vc[qo], self.isl_dvc[qo], self.isl_pd[qo] = v, dv, pd
        return w

    cdef inline int64_t _examine1(self, int r, Py_ssize_t pidx, int i, int64_t t) noexcept nogil:
        """:meth:`_examine` for one VC per port (every preset): the port's only head requests or waits."""
        cdef VCState* vc = self._vcp(pidx)
        cdef int pos = vc.start + vc.ndep, p, o
        cdef int64_t ready, of, inf
        cdef Py_ssize_t pd = 0
        self.req_vc[i] = -1
        pos -= self.cap if pos >= self.cap else 0
        p = self.slots[pidx * self.S + 1 + pos].pkt
        ready = self.pk[p].ready
        if ready > t:
            return ready
        o = self.pk[p].out
        of = self._out_free(r, o)
        inf = self.ports[pidx].in_free
        if inf > t or of > t:
            return max(t + 1, max(inf, of))
        if o < N_MESH:
            pd = self._downstream_port(r, o)
            if self._pick_vc1(pd, t) < 0:
                self._await_credit(pd, r, i, t)
                return NEVER
        self.req_vc[i], self.req_o[i], self.req_dvc[i], self.req_pd[i] = 0, o, 0, pd
        return NEVER

    cdef inline int64_t _head_wake(self, int r, Py_ssize_t pidx, int v, int64_t t) noexcept nogil:
        """First cycle the new head of VC ``v`` of port ``pidx`` could move (its port was just granted)."""
        cdef Py_ssize_t q = pidx * self.V + v
        cdef int p
        if self._vcp(q).nwait == 0:
            return NEVER
        p = self._head(q)
        if self.pk[p].ready > t:
            return self.pk[p].ready
        if self.bind and not self.va_out[q]:
            return t + 1  # its VC allocation: next cycle
        return max(self.ports[pidx].in_free, self._out_free(r, self.pk[p].out))

    cdef inline void _send(self, int r, int i, int v, int o, int64_t t, Py_ssize_t pidx2, int v2) noexcept nogil:
        """Move the head of VC ``v`` of input ``i`` out through output ``o`` in cycle ``t``; on a mesh output
        into VC ``v2`` of port ``pidx2`` downstream (chosen when the request was formed: nothing else
        reserves that port in this cycle)."""
        cdef Py_ssize_t pidx = <Py_ssize_t>r * self.NP + i, q = pidx * self.V + v, slot
        cdef int p, r2, link, F = self.F
        # slot reusable when the tail's credits are back (tail leaves at t + F - 1), or with flit credits the
        # head's: the later flits' credits then come back one per cycle, as the next packet's flits need them
        cdef int64_t ct = t + self.Kc + (self.lc_mesh if i < N_MESH else self.lc_local)
        cdef int lat = self.Lc, busy = F
        cdef PortState* port = &self.ports[pidx]
        if self.has_off:
            if i < N_MESH and self.off_in[r * N_MESH + i]:
                ct = t + self.Kc + self.off_credit
            if o < N_MESH and self.off_out[r * N_MESH + o]:
                lat, busy = self.off_land, self.off_busy
        cdef int bv = -1
        if self.bind:
            bv = self.va_out[q] - 1  # the VC bound to it; its successor's VC allocation comes after its setup
            self.va_out[q] = 0
        slot = self._head_slot(q)
        p = self.slots[slot].pkt
        self.slots[slot].ct = ct
        self._vcp(q).ndep += 1
        self._vcp(q).nwait -= 1
        if self.V > 1:
            port.nwait -= 1
        if (self._vcp(q).nwait if self.V == 1 else port.nwait) == 0:
            self.occ_mask[<Py_ssize_t>r * self.NW + (i >> 6)] &= ~((<uint64_t>1) << (i & 63))
        if port.cwait:  # the sender feeding this port waits for room: wake it when the credit is usable
            self._wake(self._upstream(r, i), ct, port.cwait if i < N_MESH else 0)
            port.cwait = 0
        if self.V > 1:
            port.in_rr = 0 if v + 1 == self.V else v + 1
        port.in_free = t + F
        if self.Sc or self.bind:  # binding: VC allocation does not wait for the input port, so it reads this
            self._setup_next(q, t + F + self.Sc)
        self.ports[<Py_ssize_t>r * self.NP + o].out_free = t + busy
        if o >= N_MESH:
            if self.Ac or self.bind:
                self._hold_ejection(r, o, t, bv)
            self._deliver(p, r * self.C + o - N_MESH, t + self.Ec + F - 1)
            return
        link = self.link_id[r * N_MESH + o]
        if self.link_acc[link] == 0:
            self.tlinks[self.n_tlinks] = link
            self.n_tlinks += 1
        self.link_acc[link] += F
        self.pk[p].hops += 1
        r2 = self._neighbour(r, o)
        if self.bind:
            self.ovc_bound[pidx2 * self.V + v2] = 0
            self._pick_vc(pidx2, t)  # brings every VC's credits up to date (only the bound one was) for the peak
        if self.Ac:
            self.vc_hold[pidx2 * self.V + v2] = t + F + self.Ac
        self.pk[p].ready = self._after_setup(pidx2 * self.V + v2, t + lat + self.Pc)
        self.pk[p].out = self._route(r2, p)
        if self._push(r2, pidx2, (o + 2) & 3, v2, p):  # it is the head of its VC: nothing else would wake r2
            self._wake(r2, self.pk[p].ready, (<uint64_t>1) << ((o + 2) & 3))
        self._note_peak(pidx2)

    cdef void _await_credit(self, Py_ssize_t pd, int waiter, int i, int64_t t) noexcept nogil:
        """Input ``i`` of router ``waiter`` (``i = -1``: a source queue of ``waiter``) needs room in port ``pd``:
        wake it when the first credit in flight there is usable or a VC held for reallocation is released, or
        flag the port so that the next packet to leave it wakes the waiter (every slot holds a packet still
        there)."""
        cdef int64_t first = NEVER, held = NEVER
        cdef Py_ssize_t q
        cdef uint64_t bit = 0 if i < 0 else (<uint64_t>1) << (i & 63)
        for q in range(pd * self.V, (pd + 1) * self.V):
            if self._vcp(q).ndep > 0:
                first = min(first, self.slots[q * self.S + 1 + self._vcp(q).start].ct)
            if self.Ac and self.vc_hold[q] > t:
                held = min(held, self.vc_hold[q])
        if first == NEVER:  # a departure frees room first (a held VC may be released only later)
            self.ports[pd].cwait |= bit if i >= 0 else 1
        first = min(first, held)
        if first != NEVER:
            self._wake(waiter, first, bit)

    # ----- VC setup (``vc_setup_cycles``) --------------------------------------------------------------
    cdef inline int64_t _after_setup(self, Py_ssize_t q, int64_t ready) noexcept nogil:
        """Ready cycle of a packet entering VC ``q`` that would be ready at ``ready``: not before the VC's
        setup for it is done (``vc_setup[q]``, set when its predecessor left; 0 before any departure)."""
        if (self.Sc or self.bind) and self.vc_setup[q] > ready:
            return self.vc_setup[q]
        return ready

    cdef inline void _setup_next(self, Py_ssize_t q, int64_t free) noexcept nogil:
        """A packet left VC ``q``: its successor, already in it or still to come, bids from ``free`` on."""
        cdef Py_ssize_t slot
        cdef int p
        self.vc_setup[q] = free
        if self._vcp(q).nwait == 0:
            return
        slot = self._head_slot(q)
        p = self.slots[slot].pkt
        if self.pk[p].ready < free:
            self.pk[p].ready = free
            self.slots[slot].ct = free

    cdef inline int64_t _out_free(self, int r, int o) noexcept nogil:
        """First cycle output ``o`` of router ``r`` can take a packet: when it is idle and, for an ejection port
        with VC reallocation, one of its ``V`` VCs is no longer held."""
        cdef int64_t of = self.ports[<Py_ssize_t>r * self.NP + o].out_free, held
        cdef Py_ssize_t e
        cdef int v
        if self.Ac == 0 or o < N_MESH or self.bind:  # binding: its ejection VC is already bound
            return of
        e = (<Py_ssize_t>r * self.C + o - N_MESH) * self.V
        held = self.ej_hold[e]
        for v in range(1, self.V):
            held = min(held, self.ej_hold[e + v])
        return max(of, held)

    cdef inline void _hold_ejection(self, int r, int o, int64_t t, int bv) noexcept nogil:
        """A packet is ejected through ``o`` in cycle ``t``: it takes the VC bound to it (``bv``) or else the
        first free VC of the ejection port, held until ``t + F + Ac``."""
        cdef Py_ssize_t e = (<Py_ssize_t>r * self.C + o - N_MESH) * self.V
        cdef int v
        if bv >= 0:
            self.ej_bound[e + bv] = 0
            if self.Ac:
                self.ej_hold[e + bv] = t + self.F + self.Ac
            return
        for v in range(self.V):
            if self.ej_hold[e + v] <= t:
                self.ej_hold[e + v] = t + self.F + self.Ac
                return

    # ----- small helpers -----------------------------------------------------------------------------
    cdef inline VCState* _vcp(self, Py_ssize_t q) noexcept nogil:
        """State of VC ``q``: the first slot of its block (its ring follows)."""
        return <VCState*>&self.slots[q * self.S]

    cdef inline int _neighbour(self, int r, int o) noexcept nogil:
        """Router reached from ``r`` through mesh port ``o`` (N towards y + 1, E towards x + 1)."""
        if o == 0:
            return r + self.W
        if o == 1:
            return r + 1
        if o == 2:
            return r - self.W
        return r - 1

    cdef inline Py_ssize_t _downstream_port(self, int r, int o) noexcept nogil:
        """Input port of the neighbour through which a packet leaving ``r`` by mesh port ``o`` enters."""
        return <Py_ssize_t>self._neighbour(r, o) * self.NP + ((o + 2) & 3)

    cdef inline int _upstream(self, int r, int i) noexcept nogil:
        """Router that feeds input ``i`` of ``r``: the neighbour in that direction, or ``r`` for a local port."""
        return self._neighbour(r, i) if i < N_MESH else r

    cdef inline int _route(self, int r, int p) noexcept nogil:
        """Output port at router ``r`` for packet ``p``, from the routing function's sign table."""
        cdef int dx = self.pk[p].x - self.rx[r], dy = self.pk[p].y - self.ry[r]
        cdef int port = self.route_tab[((dx > 0) - (dx < 0) + 1) * 3 + (dy > 0) - (dy < 0) + 1]
        return self.pk[p].port if port >= N_MESH else port

    cdef inline Py_ssize_t _head_slot(self, Py_ssize_t q) noexcept nogil:
        """Slot of the oldest packet of VC ``q`` that has not left (past those awaiting credits)."""
        cdef int pos = self._vcp(q).start + self._vcp(q).ndep
        pos -= self.cap if pos >= self.cap else 0
        return q * self.S + 1 + pos

    cdef inline int _head(self, Py_ssize_t q) noexcept nogil:
        return self.slots[self._head_slot(q)].pkt

    cdef inline int _cap_of(self, Py_ssize_t pidx) noexcept nogil:
        """Packet slots of each VC of port ``pidx`` (``Dx // F`` behind an off-chip link, else ``D // F``)."""
        cdef Py_ssize_t r, i
        if not self.has_off:
            return self.cap_on
        r = pidx // self.NP
        i = pidx - r * self.NP
        return self.cap_off if i < N_MESH and self.off_in[r * N_MESH + i] else self.cap_on

    cdef inline int _pick_vc1(self, Py_ssize_t pidx, int64_t t) noexcept nogil:
        """:meth:`_pick_vc` for one VC per port: 0 if it has a free slot at cycle ``t``, else -1."""
        cdef VCState* vc = self._vcp(pidx)
        cdef Slot* ring = &self.slots[pidx * self.S + 1]
        while vc.ndep > 0 and ring[vc.start].ct <= t:
            vc.start += 1  # credits are back: free the slot
            if vc.start == self.cap:
                vc.start = 0
            vc.ndep -= 1
        if self.Ac and self.vc_hold[pidx] > t:
            return -1  # still allocated to the packet sent into it last
        return 0 if vc.ndep + vc.nwait < self._cap_of(pidx) else -1

    cdef inline int _pick_vc(self, Py_ssize_t pidx, int64_t t) noexcept nogil:
        """VC of port ``pidx`` with the most free packet slots at cycle ``t`` (lowest on ties), or -1."""
        if self.V == 1:
            return self._pick_vc1(pidx, t)
        cdef int v, free, best = -1, best_free = 0, cap = self._cap_of(pidx)
        cdef Py_ssize_t q = pidx * self.V
        for v in range(self.V):
            while self._vcp(q).ndep > 0 and self.slots[q * self.S + 1 + self._vcp(q).start].ct <= t:
                self._vcp(q).start += 1  # credits are back: free the slot
                if self._vcp(q).start == self.cap:
                    self._vcp(q).start = 0
                self._vcp(q).ndep -= 1
            free = cap - self._vcp(q).ndep - self._vcp(q).nwait
            if self.Ac and self.vc_hold[q] > t:
                free = 0  # still allocated to the packet sent into it last
            if free > best_free:
                best, best_free = v, free
            q += 1
        return best

    cdef inline int _pick_vc_rr(self, Py_ssize_t pidx, int core, int64_t t) noexcept nogil:
        """Injection VC of ``core`` (``vc_binding: at_vc_allocation``; BookSim2's source, ``TrafficManager::_Step``):
        the first VC of its local port with a free packet slot at cycle ``t`` in round-robin order after the one
        its last packet entered (before any: VC 0 only), or -1; the choice is remembered."""
        cdef int k, v, last = self.inj_last[core]
        self._pick_vc(pidx, t)  # brings every VC's credits up to date (the port's peak is noted after)
        for k in range(1, self.V + 1):
            v = 0 if last < 0 else (last + k) % self.V
            if self._vc_room(pidx, v, t):
                self.inj_last[core] = v
                return v
        return -1

    cdef inline bint _push(self, int r, Py_ssize_t pidx, int i, int v, int p) noexcept nogil:
        """Append packet ``p`` to VC ``v`` of port ``pidx`` (port ``i`` of router ``r``); True if the VC was
        empty (``p`` is its head)."""
        cdef Py_ssize_t q = pidx * self.V + v
        cdef VCState* vc = self._vcp(q)
        cdef int pos = vc.start + vc.ndep + vc.nwait
        pos -= self.cap if pos >= self.cap else 0
        self.slots[q * self.S + 1 + pos].pkt = p
        self.slots[q * self.S + 1 + pos].ct = self.pk[p].ready
        self.slots[q * self.S + 1 + pos].out = self.pk[p].out
        vc.nwait += 1
        if self.V == 1:  # the port's packets are the VC's (``PortState.nwait`` is not kept)
            if vc.nwait == 1:
                self.occ_mask[<Py_ssize_t>r * self.NW + (i >> 6)] |= (<uint64_t>1) << (i & 63)
        else:
            if self.ports[pidx].nwait == 0:
                self.occ_mask[<Py_ssize_t>r * self.NW + (i >> 6)] |= (<uint64_t>1) << (i & 63)
            self.ports[pidx].nwait += 1
        self._touch(r)
        return vc.nwait == 1

    cdef inline void _note_peak(self, Py_ssize_t pidx) noexcept nogil:
        """Record the flits held or reserved in port ``pidx`` (its VCs were just brought up to date)."""
        cdef int64_t occ = 0
        cdef Py_ssize_t q
        cdef VCState* vc
        if self.V == 1:
            vc = self._vcp(pidx)
            occ = (vc.ndep + vc.nwait) * self.F
            if occ > vc.peak:
                if vc.peak == 0:
                    self.tports[self.n_tports] = <int32_t>pidx
                    self.n_tports += 1
                vc.peak = <int32_t>occ
            return
        for q in range(pidx * self.V, (pidx + 1) * self.V):
            occ += self._vcp(q).ndep + self._vcp(q).nwait
        occ *= self.F
        if occ > self.ports[pidx].peak:
            if self.ports[pidx].peak == 0:
                self.tports[self.n_tports] = <int32_t>pidx
                self.n_tports += 1
            self.ports[pidx].peak = occ

    # ----- results and reset -------------------------------------------------------------------------
    cdef tuple _take_links(self):
        """(ids, flits) of the links that carried flits, ids ascending."""
        cdef cnp.npy_intp dims[1]
        cdef Py_ssize_t k
        dims[0] = self.n_tlinks
        ids = cnp.PyArray_EMPTY(1, dims, cnp.NPY_INT32, 0)
        cdef int32_t* idp = <int32_t*>cnp.PyArray_DATA(ids)
        for k in range(self.n_tlinks):
            idp[k] = self.tlinks[k]
        ids.sort()
        flits = cnp.PyArray_EMPTY(1, dims, cnp.NPY_INT64, 0)
        cdef int64_t* fp = <int64_t*>cnp.PyArray_DATA(flits)
        self.n_ew = self.n_ns = 0
        for k in range(self.n_tlinks):
            fp[k] = self.link_acc[idp[k]]
            self.link_acc[idp[k]] = 0
            if self.link_dir[idp[k]] & 1:  # E or W
                self.n_ew += fp[k] // self.F
            else:
                self.n_ns += fp[k] // self.F
        self.n_tlinks = 0
        return ids, flits

    cdef tuple _take_ports(self):
        """(ids, peak flits) of the input ports that held a packet, ids ascending."""
        cdef cnp.npy_intp dims[1]
        cdef Py_ssize_t k
        dims[0] = self.n_tports
        ids = cnp.PyArray_EMPTY(1, dims, cnp.NPY_INT32, 0)
        cdef int32_t* idp = <int32_t*>cnp.PyArray_DATA(ids)
        for k in range(self.n_tports):
            idp[k] = self.tports[k]
        ids.sort()
        peaks = cnp.PyArray_EMPTY(1, dims, cnp.NPY_INT64, 0)
        cdef int64_t* pp = <int64_t*>cnp.PyArray_DATA(peaks)
        for k in range(self.n_tports):
            if self.V == 1:
                pp[k] = self._vcp(idp[k]).peak
                self._vcp(idp[k]).peak = 0
            else:
                pp[k] = self.ports[idp[k]].peak
                self.ports[idp[k]].peak = 0
        self.n_tports = 0
        return ids, peaks

    cdef void _reset(self) noexcept nogil:
        """Return what this call touched to the empty state (cost ~ routers and cores touched)."""
        cdef int k, r, c
        cdef Py_ssize_t base, q
        for k in range(self.n_touched):
            r = self.touched[k]
            base = <Py_ssize_t>r * self.NP
            memset(&self.ports[base], 0, self.NP * sizeof(PortState))
            for q in range(base * self.V, (base + self.NP) * self.V):  # VC states only: rings need no reset
                memset(self._vcp(q), 0, sizeof(VCState))
            if self.Sc or self.bind:
                memset(&self.vc_setup[base * self.V], 0, self.NP * self.V * sizeof(int64_t))
            if self.Ac:
                memset(&self.vc_hold[base * self.V], 0, self.NP * self.V * sizeof(int64_t))
                memset(&self.ej_hold[<Py_ssize_t>r * self.C * self.V], 0, self.C * self.V * sizeof(int64_t))
            if self.bind:
                memset(&self.va_out[base * self.V], 0, self.NP * self.V)
                memset(&self.ovc_bound[base * self.V], 0, self.NP * self.V)
                memset(&self.va_grant[base * self.V], 0, self.NP * self.V * sizeof(int32_t))
                memset(&self.va_accept[base * self.V], 0, self.NP * self.V * sizeof(int32_t))
                memset(&self.ej_bound[<Py_ssize_t>r * self.C * self.V], 0, self.C * self.V)
            memset(&self.occ_mask[<Py_ssize_t>r * self.NW], 0, self.NW * sizeof(uint64_t))
            self.n_req[r] = 0
            self.is_touched[r] = 0
        for k in range(self.n_tcores):
            c = self.tcores[k]
            self.inj_free[c] = 0
            if self.bind:
                self.inj_last[c] = -1
            self.src_cnt[c] = 0
            self.src_head[c] = -1
        for k in range(self.WS):  # wakes still pending (a visit clears its own entry): unlink them
            r = self.wheel_head[k]
            while r >= 0:
                q = <Py_ssize_t>r * self.WS + k
                r = self.wheel[q].next
                self.wheel[q].mask = 0
                self.wheel[q].in_slot = 0
            self.wheel_head[k] = -1
        self.n_touched = self.n_tcores = 0
        self.n_sched = 0
