"""The SimPy engine: :class:`SimpyNoc`, routers as SimPy processes, VC buffers as Stores, credits as Containers.

Same semantics as :mod:`noc.model` and the same results as the Cython engine, packet for packet; slower, but
readable, and able to keep an event log ("packet 3 reached router (2, 1) at cycle 17").

Time is the cycle count. Within a cycle ``t`` two phases keep the model's "decide on the state at the start of
the cycle" rule without depending on SimPy's ordering of simultaneous events:

- at ``t``: state changes land -- a packet's head is written into an input buffer (``Store.put``), credits come
  back to the sender (``Container.put``);
- at ``t + 0.5``: routers decide -- injection, switch allocation, traversal -- each as one process step.

Per-event cost is kept down by waking a router only when something it waits for can have changed (a packet
becoming ready, a credit returning, a busy port or channel becoming free, a new request from a core) instead of
every cycle, and by building routers lazily, when a packet first needs one.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import simpy

from chip_configs.schema import ChipConfig, NetworkSpec, as_network_spec
from noc.arbitration import make_arbiter
from noc.engine import check_batch
from noc.model import RouterParams, booksim_port_rank
from noc.packet import Packet
from noc.result import NOT_DELIVERED, LogEvent, NocResult, StreamTotals, sparse_counts
from noc.routing import get_routing
from noc.topology import LOCAL, E, MeshTopology, W, opposite

DECIDE = 0.5  # routers decide half a cycle after the state changes of their cycle


class SimpyNoc:
    """NoC engine built on SimPy; same API and results as :class:`noc.fast_engine.FastNoc`.

    Parameters
    ----------
    cfg : ChipConfig or NetworkSpec
        The chip; its ``noc`` block gives the router model's parameters.
    log : bool
        Keep an event log (``result.log``: :class:`~noc.result.LogEvent` tuples sorted by cycle).
    """

    kind = "simpy"

    def __init__(self, cfg: ChipConfig | NetworkSpec, log: bool = False):
        self.cfg = cfg = as_network_spec(cfg)
        self.params = RouterParams.from_config(cfg)
        self.topology = MeshTopology.from_config(cfg)
        self.route = get_routing(self.params.routing)
        make_arbiter(self.params.arbitration, 1)  # refuse an unknown arbiter now, not mid-run
        self.keep_log = log

    def run(self, src_core, dst_core, inject_cycle, dst_axon=None, *, until: int | None = None) -> NocResult:
        """Simulate the packets from an empty network until all are delivered (see ``FastNoc.run``)."""
        batch = check_batch(self.cfg, src_core, dst_core, inject_cycle, dst_axon)
        net = _Network(self, batch)
        if until is None or until > 0:  # SimPy refuses to run until its start time; nothing happens before 0
            net.env.run(until=until)
        return net.result()

    def stream(self, window: tuple[int, int] = (0, 1 << 62), *, record: bool = False) -> SimpyStream:
        """Open a stream, as :meth:`noc.fast_engine.FastNoc.stream` (same interface and counters)."""
        return SimpyStream(self, window, record)


class _StreamNetwork:
    """The state of a stream: a :class:`_Network` whose per-packet fields are dicts of the live packets (ids
    in feeding order), fed window by window; deliveries go to counters (:class:`noc.result.StreamTotals`)."""

    def __init__(self, engine: SimpyNoc, window: tuple[int, int], record: bool):
        net = self.net = _Network.__new__(_Network)
        net.env = simpy.Environment()
        net.p, net.topo, net.route = engine.params, engine.topology, engine.route
        net.packets, net.dst_xy, net.dst_local, net.ready, net.out, net.hops = [], {}, {}, {}, {}, {}
        net.link_flits = np.zeros(net.topo.n_links, np.int64)
        net.peak = np.zeros((net.topo.n_routers, net.topo.n_ports), np.int64)
        net.hops_ew = net.hops_ns = net.n_delivered = 0
        net.log, net.routers = None, {}
        net.delivered = self._delivered
        self.window, self.record = window, record
        self.counts: dict[int, int] = {}
        self.n_meas = self.sum_lat = self.sum_hops = self.accepted = self.fed = self.last = 0
        self.last, self.now, self.log = -1, 0, []

    def _delivered(self, pkt: Packet, core: int, cycle: int) -> None:
        net, (start, end) = self.net, self.window
        hops = net.hops.pop(pkt.id)
        for table in (net.dst_xy, net.dst_local, net.ready, net.out):
            del table[pkt.id]
        self.last = max(self.last, cycle)
        self.accepted += start <= cycle < end
        if start <= pkt.inject_cycle < end:
            lat = cycle - pkt.inject_cycle
            self.n_meas += 1
            self.sum_lat += lat
            self.sum_hops += hops
            self.counts[lat] = self.counts.get(lat, 0) + 1
        if self.record:
            self.log.append((pkt.id, cycle, core, hops))

    def feed(self, batch, until: int) -> None:
        net, topo = self.net, self.net.topo
        dst_router = topo.router_of_core(batch.dst_core)
        xs, ys = (c.tolist() for c in topo.coords(dst_router))
        local = (LOCAL + topo.local_index(batch.dst_core)).tolist()
        kicks: dict[int, int] = {}
        for j, (s, d, c) in enumerate(zip(batch.src_core.tolist(), batch.dst_core.tolist(),
                                          batch.inject_cycle.tolist(), strict=True)):
            pkt = Packet(self.fed + j, s, d, 0, inject_cycle=c)
            net.dst_xy[pkt.id], net.dst_local[pkt.id] = (xs[j], ys[j]), local[j]
            net.ready[pkt.id], net.out[pkt.id], net.hops[pkt.id] = 0, 0, 0
            r = int(topo.router_of_core(s))
            queue = net.router(r).sources[int(topo.local_index(s))]
            if not queue:  # an empty source queue planned no wake: its new head's request wakes the router
                kicks[r] = min(kicks.get(r, c), c)
            queue.append(pkt)
        self.fed += len(batch)
        for r, c in kicks.items():
            net.routers[r].kick(c)
        if until > net.env.now:  # events at ``until`` and later stay queued for the next feed
            net.env.run(until=until)
        self.now = until


class SimpyStream:
    """An open stream of :class:`SimpyNoc` (the interface of :class:`noc.fast_engine.NocStream`)."""

    def __init__(self, engine: SimpyNoc, window: tuple[int, int], record: bool):
        self._engine, self.window = engine, (int(window[0]), int(window[1]))
        self._state = _StreamNetwork(engine, self.window, record)

    def feed(self, src_core, dst_core, inject_cycle, until: int):
        """See :meth:`noc.fast_engine.NocStream.feed`."""
        from noc.fast_engine import check_feed

        st = self._state
        b = check_feed(self._engine, src_core, dst_core, inject_cycle, st.now, until)
        st.log = []
        st.feed(b, int(until))
        if not st.record:
            return None
        rows = sorted(st.log)
        return (np.array([r[0] for r in rows], np.int64), np.array([r[1] for r in rows], np.int64),
                np.array([r[2] for r in rows], np.int32), np.array([r[3] for r in rows], np.int32))

    @property
    def now(self) -> int:
        return self._state.now

    @property
    def live(self) -> int:
        return len(self._state.net.ready)

    @property
    def measured_delivered(self) -> int:
        return self._state.n_meas

    def held_bytes(self, per_live_packet: int) -> int:
        """See :meth:`noc.fast_engine.NocStream.held_bytes` (the histogram is a dict: 100 bytes an entry)."""
        return self.live * per_live_packet + 100 * len(self._state.counts)

    def close(self) -> StreamTotals:
        st, net = self._state, self._state.net
        hist = np.zeros(max(st.counts) + 1 if st.counts else 0, np.int64)
        for lat, k in st.counts.items():
            hist[lat] = k
        return StreamTotals(self.window, st.n_meas, st.sum_lat, st.sum_hops, hist, st.accepted, net.n_delivered,
                            st.last, self.live, st.fed, net.hops_ew, net.hops_ns, *sparse_counts(net.link_flits),
                            *sparse_counts(net.peak))

    def __enter__(self) -> SimpyStream:
        return self

    def __exit__(self, *exc) -> None:
        pass


class _InputPort:
    """One router input port: ``V`` VC buffers and the credit counters that its sender holds for them.

    A VC buffer is a :class:`simpy.Store` of the packets whose head has arrived and that have not left. The
    sender's credits for that VC are a :class:`simpy.Container` of ``D`` flits: it takes ``F`` when it sends
    and gets them back ``credit_delay`` cycles after the packet's tail leaves.
    """

    def __init__(self, env: simpy.Environment, p: RouterParams, credit_delay: int, upstream: int,
                 depth: int | None = None):
        depth = p.depth if depth is None else depth  # behind an off-chip link: ``Dx``
        self.vcs = [simpy.Store(env, capacity=depth // p.flits) for _ in range(p.vcs)]
        self.credits = [simpy.Container(env, capacity=depth, init=depth) for _ in range(p.vcs)]
        self.arbiter = make_arbiter(p.arbitration, p.vcs)
        self.flits = p.flits
        self.depth = depth
        self.credit_delay = credit_delay
        self.upstream = upstream  # router to wake when credits come back
        self.free_at = 0  # the crossbar input is busy sending a packet until this cycle
        # per VC: the cycle its next packet may bid from, ``d + F + S`` of the last departure (``vc_setup_cycles``:
        # route computation and VC allocation redone for the packet behind a tail)
        self.setup_free = [0] * p.vcs
        # per VC: the cycle from which the sender may allocate it to a new packet (``vc_realloc_cycles``)
        self.held = [0] * p.vcs
        # ``vc_binding: at_vc_allocation``: per VC, whether the sender's VC allocator has bound it to a packet
        # waiting upstream (sender-side state, kept here beside ``held``), and per VC of this port, the
        # downstream VC bound to its head (None: not bound yet)
        self.bound = [False] * p.vcs
        self.va_out: list[int | None] = [None] * p.vcs

    def release_at(self, t: int) -> int | None:
        """First cycle after ``t`` at which a VC held for reallocation is released, or None."""
        later = [h for h in self.held if h > t]
        return min(later) if later else None

    def pick_vc(self, t: int) -> int | None:
        """VC with the most free whole-packet slots at cycle ``t`` (lowest index on ties), or None if none has
        room; a VC still allocated to the packet sent into it last (``held``) has none."""
        best, best_free = None, 0
        for v, c in enumerate(self.credits):
            free = int(c.level) // self.flits if self.held[v] <= t else 0
            if free > best_free:
                best, best_free = v, free
        return best

    def reserved_flits(self) -> int:
        """Flits held in or on their way to this port's buffers (buffer space minus the sender's credits)."""
        return sum(self.depth - int(c.level) for c in self.credits)


class _Network:
    """One run: the SimPy environment, the routers (built lazily) and the per-packet bookkeeping."""

    def __init__(self, engine: SimpyNoc, batch):
        self.env = simpy.Environment()
        self.p, self.topo, self.route = engine.params, engine.topology, engine.route
        n = len(batch)
        self.packets = [
            Packet(i, int(s), int(d), int(a), inject_cycle=int(c))
            for i, (s, d, a, c) in enumerate(
                zip(batch.src_core, batch.dst_core, batch.dst_axon, batch.inject_cycle, strict=True)
            )
        ]
        dst_router = self.topo.router_of_core(batch.dst_core)
        self.dst_xy = list(zip(*(c.tolist() for c in self.topo.coords(dst_router)), strict=True))
        self.dst_local = (LOCAL + self.topo.local_index(batch.dst_core)).tolist()  # ejection port
        self.ready = [0] * n  # cycle the packet may leave the buffer it is in
        self.out = [0] * n  # output port at the router it is in
        self.hops = np.zeros(n, np.int32)
        self.deliver = np.full(n, NOT_DELIVERED, np.int64)
        self.deliv_core = np.full(n, NOT_DELIVERED, np.int32)
        self.deliv_axon = np.full(n, NOT_DELIVERED, np.int32)
        self.link_flits = np.zeros(self.topo.n_links, np.int64)
        self.peak = np.zeros((self.topo.n_routers, self.topo.n_ports), np.int64)
        self.hops_ew = self.hops_ns = self.n_delivered = 0
        self.log: list[LogEvent] | None = [] if engine.keep_log else None
        self.routers: dict[int, _Router] = {}
        self._queue_sources(batch)

    def _queue_sources(self, batch) -> None:
        """Fill the per-core source queues in request order (array order on ties) and wake their routers."""
        order = np.lexsort((np.arange(len(batch)), batch.inject_cycle, batch.src_core))
        for i in order.tolist():
            pkt = self.packets[i]
            r = self.topo.router_of_core(pkt.src_core)
            self.router(r).sources[self.topo.local_index(pkt.src_core)].append(pkt)
        for router in list(self.routers.values()):
            router.kick(min(q[0].inject_cycle for q in router.sources if q))

    def delivered(self, pkt: Packet, core: int, cycle: int) -> None:
        """``pkt`` is fully ejected into ``core`` in ``cycle``: its per-packet results."""
        self.deliver[pkt.id] = cycle
        self.deliv_core[pkt.id] = core
        self.deliv_axon[pkt.id] = pkt.axon

    def router(self, r: int) -> _Router:
        if r not in self.routers:
            self.routers[r] = _Router(self, r)
        return self.routers[r]

    def at(self, cycle: int, action) -> None:
        """Run ``action()`` at the start of ``cycle`` (the state-change phase)."""
        self.env.timeout(cycle - self.env.now).callbacks.append(lambda _ev: action())

    def record(self, cycle: int, pkt: Packet, event: str, router: int) -> None:
        if self.log is not None:
            self.log.append(LogEvent(cycle, pkt.id, event, self.routers[router].xy))

    def note_peak(self, router: int, port: int, inport: _InputPort) -> None:
        self.peak[router, port] = max(self.peak[router, port], inport.reserved_flits())

    def result(self) -> NocResult:
        delivered = self.deliver != NOT_DELIVERED
        # by cycle, then packet; a packet's own events of one cycle stay in the order they happened
        log = None if self.log is None else sorted(self.log, key=lambda e: (e.cycle, e.packet))
        return NocResult(
            np.array([q.src_core for q in self.packets], np.int32),
            np.array([q.dst_core for q in self.packets], np.int32),
            np.array([q.inject_cycle for q in self.packets], np.int64),
            self.deliver, self.deliv_core, self.deliv_axon, self.hops, self.hops_ew, self.hops_ns,
            *sparse_counts(self.link_flits), *sparse_counts(self.peak), self.n_delivered,
            int(self.deliver.max()) if delivered.any() else NOT_DELIVERED, self.p.flits, self.topo, log,
        )


class _Router:
    """A router tile: input ports, output ports with their arbiters, the local cores' source queues.

    Its process sleeps on :attr:`wake` and runs one decision step per cycle it is woken for.
    """

    def __init__(self, net: _Network, r: int):
        self.net, self.r, p = net, r, net.p
        self.xy = net.topo.coords(r)
        self.next_router = [net.topo.neighbour(r, port) for port in range(LOCAL)]
        n_ports = net.topo.n_ports
        # off-chip links (systems of chips): out of each mesh port, and into each mesh input port
        off_out = [_off_chip(net.topo, r, port) for port in range(LOCAL)]
        off_in = [self.next_router[port] >= 0 and _off_chip(net.topo, self.next_router[port], opposite(port))
                  for port in range(LOCAL)]
        self.inputs = [
            _InputPort(net.env, p, p.off_credit_delay, self.next_router[port], p.off_slots_per_vc * p.flits)
            if off_in[port] else _InputPort(net.env, p, p.link_credit_delay, self.next_router[port])
            for port in range(LOCAL)
        ] + [_InputPort(net.env, p, p.local_credit_delay, r) for _ in range(LOCAL, n_ports)]
        # per output: cycles busy per packet (``F``; ``F s`` on an off-chip link) and landing latency
        self.busy = [p.off_busy if o < LOCAL and off_out[o] else p.flits for o in range(n_ports)]
        self.latency = [p.off_land if off_out[o] else p.link for o in range(LOCAL)]
        self.out_free = [0] * n_ports  # each output carries one packet at a time, ``busy[o]`` cycles each
        # per local output, its V VCs: held until d + F + A after a packet took one (``vc_realloc_cycles``)
        self.eject_held = [[0] * p.vcs for _ in range(LOCAL, n_ports)]
        # ``vc_binding: at_vc_allocation``: per local output, its VCs bound to a waiting packet; the VC
        # allocator's pointers: per output VC (``o V + v``) its grant pointer, per input VC its accept pointer
        self.bind = p.vc_binding == "at_vc_allocation"
        self.eject_bound = [[False] * p.vcs for _ in range(LOCAL, n_ports)]
        self.va_grant = [0] * (n_ports * p.vcs)
        self.va_accept = [0] * (n_ports * p.vcs)
        self.out_arbiters = [make_arbiter(p.arbitration, n_ports) for _ in range(n_ports)]
        # ``switch_allocator: islip``: per input, the arbiter accepting one of the outputs that granted it
        self.accept_arbiters = [make_arbiter(p.arbitration, n_ports) for _ in range(n_ports)]
        self.sources = [deque() for _ in range(net.topo.cores_per_router)]
        self.inj_free = [0] * net.topo.cores_per_router  # injection channel busy until
        self.inj_last = [-1] * net.topo.cores_per_router  # at_vc_allocation: local VC of the last packet injected
        self.wake = net.env.event()
        self.kicks: set[int] = set()
        self.last_step = -1
        net.env.process(self._process())

    # ----- process and wake-ups ----------------------------------------------------------------------
    def _process(self):
        while True:
            cycle = yield self.wake
            self.wake = self.net.env.event()
            if cycle != self.last_step:  # one allocation per cycle, however many reasons to wake
                self.last_step = cycle
                self._step(cycle)

    def kick(self, cycle: int) -> None:
        """Wake this router for the decision phase of ``cycle``."""
        if cycle in self.kicks:
            return
        self.kicks.add(cycle)
        ev = self.net.env.timeout(cycle + DECIDE - self.net.env.now)
        ev.callbacks.append(lambda _ev: self._fire(cycle))

    def _fire(self, cycle: int) -> None:
        self.kicks.discard(cycle)
        if not self.wake.triggered:
            self.wake.succeed(cycle)

    # ----- one decision step -------------------------------------------------------------------------
    def _step(self, t: int) -> None:
        for k in range(len(self.sources)):
            self._inject(k, t)
        if self.bind:
            self._allocate_vcs(t)
        if self.net.p.switch_allocator == "islip":
            self._allocate_islip(t)
        else:
            self._allocate_input_first(t)
        self._plan_wake(t)

    def _allocate_input_first(self, t: int) -> None:
        """Each input picks one VC, each output grants one of the inputs that picked it."""
        choice = [self._input_request(i, t) for i in range(len(self.inputs))]
        for o in {c[1] for c in choice if c is not None}:
            arb = self.out_arbiters[o]
            i = arb.pick([c is not None and c[1] == o for c in choice])
            arb.commit(i)
            self._send(i, choice[i][0], o, t)

    def _allocate_islip(self, t: int) -> None:
        """iSLIP, one iteration: inputs request every output their ready heads want, outputs grant, inputs
        accept; only accepts move the pointers."""
        requests = [self._input_requests(i, t) for i in range(len(self.inputs))]
        grant = {o: self.out_arbiters[o].pick([o in req for req in requests]) for req in requests for o in req}
        for i, req in enumerate(requests):
            o = self.accept_arbiters[i].pick([grant.get(o) == i for o in range(len(self.inputs))])
            if o is None:
                continue
            self.accept_arbiters[i].commit(o)
            self.out_arbiters[o].commit(i)
            self._send(i, req[o], o, t)

    def _allocate_vcs(self, t: int) -> None:
        """VC allocation (``vc_binding: at_vc_allocation``; BookSim2's ``vc_allocator = islip``, one iteration,
        ``IQRouter::_VCAllocEvaluate``): every ready head not bound yet requests each free VC of its output (not
        bound, not held: ``held <= t``; credits are not looked at, BookSim's ``vc_busy_when_full = 0``); each
        output VC ``o V + w`` grants the requesting input VC ``i V + v`` nearest at or after its grant pointer,
        each input VC accepts the granting output VC nearest at or after its accept pointer (both cyclic over
        the router's ``ports x V`` VCs, ports in BookSim's order, :func:`noc.model.booksim_port_rank`) and is
        bound to it; an accept moves both pointers past the pair. Runs before switch allocation, on the state at
        the start of the cycle; a head bound now may bid now."""
        net, V, rank = self.net, self.net.p.vcs, booksim_port_rank
        n = len(self.inputs) * V
        want: dict[int, tuple[int, int, int]] = {}  # requesting input VC (priority index) -> (input, VC, output)
        for i, port in enumerate(self.inputs):
            for v, store in enumerate(port.vcs):
                if store.items and port.va_out[v] is None and net.ready[store.items[0].id] <= t:
                    want[rank(i) * V + v] = (i, v, net.out[store.items[0].id])
        granted: dict[int, list[int]] = {}  # input VC -> the output VCs granting it
        for o in sorted({w[2] for w in want.values()}):
            asking = [iv for iv, w in want.items() if w[2] == o]
            for w in range(V):
                if self._ovc_free(o, w, t):
                    k = rank(o) * V + w
                    granted.setdefault(min(asking, key=lambda iv, k=k: (iv - self.va_grant[k]) % n), []).append(k)
        for iv, ks in granted.items():
            k = min(ks, key=lambda k, iv=iv: (k - self.va_accept[iv]) % n)
            self.va_grant[k], self.va_accept[iv] = (iv + 1) % n, (k + 1) % n
            i, v, o = want[iv]
            w = k % V
            self.inputs[i].va_out[v] = w
            if o < LOCAL:
                self._downstream(o).bound[w] = True
            else:
                self.eject_bound[o - LOCAL][w] = True

    def _ovc_free(self, o: int, w: int, t: int) -> bool:
        """Whether VC ``w`` of output ``o`` may be bound in cycle ``t`` (not bound, not held)."""
        if o < LOCAL:
            d = self._downstream(o)
            return not d.bound[w] and d.held[w] <= t
        return not self.eject_bound[o - LOCAL][w] and self.eject_held[o - LOCAL][w] <= t

    def _input_requests(self, i: int, t: int) -> dict[int, int]:
        """``{output: vc}`` of input ``i``'s iSLIP requests: per output, the first VC wanting it in round-robin
        order from the VC pointer (empty while the input is busy)."""
        port = self.inputs[i]
        if port.free_at > t:
            return {}
        req: dict[int, int] = {}
        n = len(port.vcs)
        for k in range(n):
            v = (port.arbiter.pointer + k) % n
            o = self._head_request(port, v, t)
            if o is not None and o not in req:
                req[o] = v
        return req

    def _inject(self, k: int, t: int) -> None:
        """Local core ``k`` hands its oldest requested packet to the local input port if there is room."""
        queue, port = self.sources[k], self.inputs[LOCAL + k]
        if not queue or queue[0].inject_cycle > t or self.inj_free[k] > t:
            return
        v = self._injection_vc(k, t) if self.bind else port.pick_vc(t)
        if v is None:
            return
        pkt = queue.popleft()
        if self.bind:
            self.inj_last[k] = v
        self.inj_free[k] = t + self.net.p.flits
        self.net.record(t, pkt, "inject", self.r)
        self._reserve(pkt, port, LOCAL + k, v, t, self.net.p.injection)

    def _injection_vc(self, k: int, t: int) -> int | None:
        """Local VC for core ``k``'s next packet (``vc_binding: at_vc_allocation``; BookSim2's source,
        ``TrafficManager::_Step``): the first VC with a free packet slot in round-robin order after the one its
        last packet entered (before any: VC 0 only), or None."""
        port, last = self.inputs[LOCAL + k], self.inj_last[k]
        for j in range(1, len(port.vcs) + 1):
            v = 0 if last < 0 else (last + j) % len(port.vcs)
            if int(port.credits[v].level) >= self.net.p.flits:
                return v
        return None

    def _input_request(self, i: int, t: int) -> tuple[int, int] | None:
        """Input arbiter of port ``i``: ``(vc, output)`` its chosen ready head asks for, or None."""
        port = self.inputs[i]
        if port.free_at > t:
            return None
        wants = [self._head_request(port, v, t) for v in range(len(port.vcs))]
        v = port.arbiter.pick([w is not None for w in wants])
        return None if v is None else (v, wants[v])

    def _head_request(self, port: _InputPort, v: int, t: int) -> int | None:
        """Output the head of VC ``v`` of ``port`` can use in cycle ``t`` (ready, bound to a downstream VC if
        binding at VC allocation, output idle, room downstream)."""
        store = port.vcs[v]
        if not store.items:
            return None
        pid = store.items[0].id
        o = self.net.out[pid]
        if self.net.ready[pid] > t or self._out_ready(o) > t or (self.bind and port.va_out[v] is None):
            return None
        if o < LOCAL and not self._room(o, port.va_out[v], t):
            return None
        return o

    def _room(self, o: int, bound: int | None, t: int) -> bool:
        """Whether mesh output ``o``'s downstream port has room for a packet: in the VC bound to it (``bound``),
        else in some VC."""
        d = self._downstream(o)
        if bound is None:
            return d.pick_vc(t) is not None
        return int(d.credits[bound].level) >= self.net.p.flits

    def _downstream(self, o: int) -> _InputPort:
        return self.net.router(self.next_router[o]).inputs[opposite(o)]

    def _send(self, i: int, v: int, o: int, t: int) -> None:
        """The head of VC ``v`` of input ``i`` leaves through output ``o`` in cycle ``t``."""
        net, p, port = self.net, self.net.p, self.inputs[i]
        pkt = port.vcs[v].get().value  # a Store hands over its item at once when it holds one
        bound, port.va_out[v] = port.va_out[v], None  # at_vc_allocation: the VC bound to it (its successor's
        # own VC allocation comes after its setup)
        port.arbiter.commit(v)
        port.free_at, self.out_free[o] = t + p.flits, t + self.busy[o]
        self._setup_next(port, v, t + p.flits + p.vc_setup)
        credits = port.credits[v]
        back = t + p.credit_lag + port.credit_delay  # the tail leaves at t + F - 1 (flit credits: the head's)
        net.at(back, lambda: (credits.put(p.flits), net.router(port.upstream).kick(back)))
        net.record(t, pkt, "depart", self.r)
        if o >= LOCAL:
            self._hold_ejection(o, t, bound)
            self._eject(pkt, o, t)
            return
        net.link_flits[net.topo.link_id[self.r, o]] += p.flits
        net.hops[pkt.id] += 1
        if o in (E, W):
            net.hops_ew += 1
        else:
            net.hops_ns += 1
        nxt = net.router(self.next_router[o])
        dport = nxt.inputs[opposite(o)]
        v2 = dport.pick_vc(t) if bound is None else bound
        dport.bound[v2] = False
        if p.vc_realloc:
            dport.held[v2] = t + p.flits + p.vc_realloc
        nxt._reserve(pkt, dport, opposite(o), v2, t, self.latency[o])

    def _reserve(self, pkt: Packet, port: _InputPort, port_no: int, v: int, t: int, latency: int) -> None:
        """``pkt`` is sent in cycle ``t`` to VC ``v`` of this router's input ``port``; it lands ``latency`` later."""
        net = self.net
        port.credits[v].get(net.p.flits)  # the sender's credits are taken at once (level was checked)
        net.note_peak(self.r, port_no, port)
        arrive = t + latency
        net.ready[pkt.id] = arrive + net.p.pipeline
        port_out = self.net.route(self.xy, net.dst_xy[pkt.id])
        net.out[pkt.id] = net.dst_local[pkt.id] if port_out == LOCAL else port_out

        def land():
            # behind a packet that left before it landed: not before that packet's setup is done
            net.ready[pkt.id] = max(net.ready[pkt.id], port.setup_free[v])
            port.vcs[v].put(pkt)
            net.record(arrive, pkt, "arrive", self.r)
            self.kick(net.ready[pkt.id])

        if latency:
            net.at(arrive, land)
        else:
            land()  # zero-latency injection: it lands in its own cycle, still p >= 1 cycles before it is ready

    def _out_ready(self, o: int) -> int:
        """First cycle output ``o`` can take a packet: idle and, for an ejection port, one of its VCs not held."""
        if o < LOCAL or not self.net.p.vc_realloc or self.bind:  # binding: its ejection VC is already bound
            return self.out_free[o]
        return max(self.out_free[o], min(self.eject_held[o - LOCAL]))

    def _hold_ejection(self, o: int, t: int, bound: int | None) -> None:
        """A packet ejected through ``o`` at ``t`` takes the VC bound to it (``bound``) or else the first free VC
        there, held until ``t + F + A``."""
        p, held = self.net.p, self.eject_held[o - LOCAL]
        if bound is not None:
            self.eject_bound[o - LOCAL][bound] = False
        if p.vc_realloc:
            v = next(v for v, h in enumerate(held) if h <= t) if bound is None else bound
            held[v] = t + p.flits + p.vc_realloc

    def _setup_next(self, port: _InputPort, v: int, free: int) -> None:
        """A packet left VC ``v`` of ``port``: the next one (there now, or landing later) bids from ``free`` on."""
        port.setup_free[v] = free
        if port.vcs[v].items:
            pid = port.vcs[v].items[0].id
            self.net.ready[pid] = max(self.net.ready[pid], free)

    def _eject(self, pkt: Packet, o: int, t: int) -> None:
        net = self.net
        done = t + net.p.ejection + net.p.flits - 1
        net.record(done, pkt, "deliver", self.r)
        net.n_delivered += 1
        net.delivered(pkt, self.r * net.topo.cores_per_router + o - LOCAL, done)

    def _plan_wake(self, t: int) -> None:
        """Wake again at the first cycle something here could move; credit returns wake us themselves."""
        times = [self._head_wake(i, v, t) for i in range(len(self.inputs)) for v in range(len(self.inputs[i].vcs))]
        times += [self._source_wake(k, t) for k in range(len(self.sources))]
        times = [c for c in times if c is not None]
        if times:
            self.kick(min(times))

    def _head_wake(self, i: int, v: int, t: int) -> int | None:
        port = self.inputs[i]
        store = port.vcs[v]
        if not store.items:
            return None
        pid = store.items[0].id
        ready, o = self.net.ready[pid], self.net.out[pid]
        if ready > t:
            return ready
        if self.bind and port.va_out[v] is None:
            return t + 1  # VC allocation again next cycle (it runs whether or not the ports are busy)
        if o < LOCAL and not self._room(o, port.va_out[v], t):
            # waiting for credits (they wake us) or a held VC
            return None if self.bind else self._downstream(o).release_at(t)
        return max(t + 1, self.inputs[i].free_at, self._out_ready(o))

    def _source_wake(self, k: int, t: int) -> int | None:
        queue = self.sources[k]
        if not queue:
            return None
        if queue[0].inject_cycle > t:
            return queue[0].inject_cycle
        if (self._injection_vc(k, t) if self.bind else self.inputs[LOCAL + k].pick_vc(t)) is None:
            return None  # waiting for credits
        return max(t + 1, self.inj_free[k])


def _off_chip(topo: MeshTopology, r: int, port: int) -> bool:
    """Whether the link out of router ``r`` through mesh port ``port`` crosses a chip edge (False at the mesh's
    edge, where there is no link)."""
    if r < 0:
        return False
    link = int(topo.link_id[r, port])
    return link >= 0 and bool(topo.link_off_chip[link])
