"""The router model both engines implement, its parameters, and its zero-load latency.

This docstring is the specification; ``noc/simpy_engine.py`` and ``noc/_noc_kernels.pyx`` implement exactly
it and the conformance tests hold them to identical per-packet delivery cycles.

Microarchitecture
-----------------
An input-queued (IQ) virtual-channel router per tile -- BookSim's ``iq`` router -- with virtual cut-through
(VCT) flow control at packet granularity (a packet moves only when the next buffer has room for all of it;
BookSim's default is flit-level wormhole, which differs only for multi-flit packets), credit-based
backpressure, its routing / VC-allocation / switch-allocation / switch-traversal stages folded into a single
``router_pipeline_cycles`` (``P``) delay, and a separable input-first round-robin switch allocator (one
iteration, iSLIP pointer rule).

- Ports: N, E, S, W to the neighbours, plus one local port per attached core (an injection input and an
  ejection output). Every input port has ``virtual_channels`` (``V``) VC buffers of ``buffer_depth_flits``
  (``D``) flits each. A packet is ``F = flits_per_packet`` flits; a VC holds ``D // F`` whole packets.
- Sources: each core has an unbounded FIFO source queue (BookSim's), ordered by request cycle and then by the
  order of the arrays given to ``run``. The head packet enters its router's local input port when the
  injection channel is free and a VC there has room for all ``F`` flits; it lands ``injection_cycles``
  (``I``) later. The injection channel carries one flit per cycle, so it takes a new packet every ``F`` cycles.
- Route: computed by the routing function named in the config (dimension-order ``xy`` or ``yx``).
- Pipeline: a packet whose head arrives in a VC at cycle ``a`` may leave at the earliest at ``a + P``, and only
  from the head of its VC (FIFO; head-of-line blocking is modelled).
- Switch allocation, cycle ``t``: (1) each idle input port's arbiter picks one of its VCs whose head is ready,
  whose output port is idle and, for a mesh output, whose downstream input port has a VC with room for ``F``
  flits; (2) each output port's arbiter grants one of the input ports that picked it. Arbiters are
  round-robin (:mod:`noc.arbitration`); the input arbiter's priority moves only on an output grant (iSLIP).
  This is ``switch_allocator: input_first`` (the default).
- ``switch_allocator: islip`` (BookSim2's default ``sw_allocator = islip`` with ``alloc_iters = 1``,
  ``allocators/islip.cpp`` and ``IQRouter::_SWAllocAddReq``): (1) every ready head of an idle input port whose
  output is idle and (mesh outputs) has room downstream is a request; an input requests each output once, for
  the first such VC in round-robin order from its VC pointer; (2) each output's arbiter grants, round-robin from
  its pointer, one of the input ports requesting it; (3) each input port's accept arbiter (round-robin over
  outputs) accepts one of the outputs that granted it, and that VC's head leaves. An output whose grant is not
  accepted stays idle this cycle. Only an accept moves pointers: the output's to the input after the accepted
  one, the input's accept pointer to the output after the accepted one, its VC pointer to the VC after the
  one sent. With one VC each input has at most one request and both allocators decide alike.
- Traversal: the granted packet leaves at cycle ``d = t``. Its input port and output port are busy for ``F``
  cycles (one flit per cycle), i.e. free again at ``d + F``. On a mesh output it takes the downstream VC with
  the most free packet slots (lowest index on ties) -- VC allocation folded into the switch grant,
  ``vc_binding: at_switch`` -- or the VC bound to it (``at_vc_allocation``, below) -- and its
  head arrives there at ``d + link_latency_cycles`` (``L``).
- VC setup (``vc_setup_cycles``, ``S``; BookSim's ``iq`` router): an input VC serves one packet at a time, and
  when a packet leaves it at ``d`` (head granted; its tail wins the switch at ``d + F - 1``), the next packet of
  that VC must redo route computation and VC allocation before it may bid: it is ready at
  ``max(a + P, d + F + S)``, ``a`` its landing cycle. The rule holds whether it landed before or after ``d``
  (if after, ``a + P`` dominates unless ``F + S > L + P``, when BookSim too queues it behind the tail). With
  ``S = 0`` it is the input port's own ``d + F``; a packet reaching an empty VC pays only ``P``, so the
  zero-load latency does not depend on ``S``.
- VC reallocation (``vc_realloc_cycles``, ``A``, default 0; BookSim's VC allocation before switch allocation):
  a downstream VC belongs to the packet sent into it until its tail is sent and can be allocated to another
  packet ``A`` cycles later, so the next packet into that VC leaves at ``d + F + A`` at the earliest (BookSim:
  the VC is freed when the tail is sent, ``BufferState::SendingFlit``, reallocated by the next VC allocation
  and used by the switch allocation after it: ``A`` = ``vc_alloc_delay`` = 1). With ``A = 0`` it is the
  output's own ``d + F``. An ejection port has ``V`` VCs held the same way (a packet is ejected at ``t`` only if
  one is free; it takes the first); injection into the local input port is not held.
- VC binding (``vc_binding``): ``at_switch`` (default) is the rule above, the downstream VC chosen at the
  switch grant. ``at_vc_allocation`` is BookSim2's (``IQRouter::_VCAllocEvaluate`` / ``_SWAllocEvaluate``,
  ``vc_allocator = islip``, one iteration): in cycle ``t``, before switch allocation and on the state at the
  start of ``t``, every head with ``ready <= t`` that holds no VC requests each VC of its output (mesh: the
  downstream port's; local: the ejection port's) that is neither bound to another packet nor held
  (``vc_realloc_cycles``); credits are not looked at (BookSim's ``vc_busy_when_full = 0``). Each output VC
  ``o V + w`` grants the requesting input VC ``i V + v`` nearest at or after its grant pointer, each input VC
  accepts the granting output VC nearest at or after its accept pointer, both cyclic over the router's
  ``ports x V`` VCs with the ports in BookSim's order (E, W, N, S, then the local ports:
  :func:`booksim_port_rank`); an accept binds the pair and moves the grant pointer past the input VC and the
  accept pointer past the output VC. A bound head keeps its VC while it waits, bids for the switch (in the same
  cycle on) only while that VC has room for ``F`` flits, and is sent into it; the VC is free again when the
  packet is sent (then held ``A`` cycles, as above). VC allocation runs every cycle whether or not the head's
  input and output ports are busy. Sources take their local VC as BookSim's does (``TrafficManager::_Step``):
  the first VC with room in round-robin order after the one the core's last packet entered (before any: VC 0
  only). BookSim allocates VCs one cycle before the switch (``vc_alloc_delay``), on the state of that cycle;
  allocating in the switch's cycle with a VC held until ``d + F + A`` (``A = 1``) takes the same decisions,
  one cycle later on both sides.
- Credit return (``credit_return``): ``packet`` (default, as above), or ``flit``: the ``F`` credits come back
  one per cycle as the flits leave, from ``d + C`` to ``d + F - 1 + C``; a packet slot is reusable once the first
  is back (``d + C``): the next packet sent into it needs its ``k``-th flit's slot at ``t + k``, exactly when
  the ``k``-th credit is back (BookSim's default wormhole buffer reuse; packets still cross a link whole).
- Ejection: on a local output the packet is fully delivered to the core at ``d + ejection_cycles + F - 1``
  (``E``); the core always accepts.
- Credits: the sender reserves ``F`` flits of a downstream VC when it sends. They are returned when the
  packet's tail leaves that VC (``d + F - 1``) and become usable by the sender ``C`` cycles later, with ``C`` the
  latency of the channel that feeds the port (``L`` for a mesh port, or ``credit_delay_cycles`` if given; ``I``
  for the local port, or ``injection_credit_cycles``) but at least one cycle: a credit is never reused in the
  cycle it is freed. Nothing is ever dropped.
- Cycle discipline: every decision in cycle ``t`` sees the state at the start of ``t`` (credits returned and
  packets arrived by ``t``) and changes state only from ``t + 1`` on, as BookSim's read / evaluate / write
  phases do; so the order in which routers are evaluated within a cycle does not matter.

Off-chip links (systems of chips)
---------------------------------
In a system (``cfg.system``) the mesh is the chips' meshes tiled; a router-to-router link whose ends sit on
different chips is an off-chip link (:attr:`noc.topology.MeshTopology.link_off_chip`) with its own figures
(``system.off_chip``): latency ``Lx`` cycles (``latency(noc)``, instead of ``L``), serialisation ``s`` cycles
per flit (``serialisation()``: the link carries one flit every ``s`` cycles), buffer depth ``Dx`` flits
(``buffer_depth(noc)``: the VCs of the input port behind the link hold ``Dx // F`` packets each) and credit
latency ``max(1, Lx)`` (credits travel back over the link). Everything else is the router model above:

- the off-chip link's transmitter takes a granted packet at crossbar speed (its input port is busy ``F``
  cycles, as on chip) and serialises it: the output port -- the link -- is busy ``F s`` cycles, so packets
  queue for it as for any busy output (contention), at one packet per ``F s`` cycles at best;
- a packet sent over it at ``d`` lands at ``d + Lx + F (s - 1)``: its tail's last flit arrives ``F s - 1``
  cycles after the head starts, and the landing cycle is the one at which a packet forwarded at one flit per
  cycle from then on never overtakes its tail (``s = 1``: ``d + Lx``, an on-chip link with latency ``Lx``).

So an off-chip hop costs ``Lx + F (s - 1)`` cycles of latency instead of ``L``, and bandwidth ``1 / (F s)``
packets per cycle instead of ``1 / F``. Not modelled: the physical pins an edge's links share (TrueNorth's
merge/split blocks merge a chip edge's links onto fewer pins; Loihi's off-chip interfaces likewise): each
crossing link is its own channel, and the serialisation estimate stands for the narrower pins.

Latency and zero-load latency
-----------------------------
A packet's latency is its delivery cycle minus its request (``inject_cycle``) cycle, source queueing
included. A lone packet crossing ``h`` router-to-router links passes ``h + 1`` routers::

    T0(h) = I + (h + 1) * P + h * L + E + (F - 1)

e.g. ``tiny.yaml`` (I = P = L = E = 1, F = 1): ``T0(h) = 2 h + 3`` cycles. A packet to a core on its own router
has ``h = 0``: it goes through the router once. In a system, ``k`` of the ``h`` links off-chip::

    T0(h, k) = I + (h + 1) * P + (h - k) * L + k * (Lx + F (s - 1)) + E + (F - 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_configs.schema import ChipConfig, NetworkSpec, as_network_spec


def booksim_port_rank(port: int) -> int:
    """Place of ``port`` in the VC allocator's round-robin order (``vc_binding: at_vc_allocation``): BookSim2's
    port numbering, E, W, N, S (its +x, -x, +y, -y; ``KNCube::_BuildNet``), then the local ports. Ours are N 0,
    E 1, S 2, W 3, so 0, 1, 2, 3 -> 2, 0, 3, 1 (the compiled kernel's ``_rank`` is the same rule)."""
    return port if port >= 4 else (0 if port & 1 else 2) + (port >> 1)


@dataclass(frozen=True)
class RouterParams:
    """Timing and buffering of the router model, in cycles and flits (see the module docstring).

    Attributes
    ----------
    pipeline, link, injection, ejection : int
        ``P``, ``L``, ``I``, ``E`` in cycles.
    flits : int
        ``F``, flits per packet (cycles a packet occupies a channel).
    depth : int
        ``D``, flits per VC buffer.
    vcs : int
        ``V``, virtual channels per input port.
    credit_delay : int or None
        Credit latency of mesh ports (``credit_delay_cycles``; None: ``max(1, L)``).
    injection_credit : int or None
        Credit latency of local ports (``injection_credit_cycles``; None: ``max(1, I)``).
    vc_realloc : int
        ``A``: a downstream VC that took a packet sent at ``d`` takes the next one at ``d + F + A`` at the earliest.
    flit_credits : bool
        Credits return flit by flit (``credit_return: flit``) instead of with the tail.
    vc_setup : int
        ``S``, cycles the next packet of an input VC waits after the previous one leaves (route computation
        and VC allocation redone), beyond the ``F`` cycles the previous packet's flits occupy the port.
    routing, arbitration : str
        Names of the routing function and of the arbiter.
    switch_allocator : str
        ``input_first`` (the default) or ``islip`` (BookSim2's ``sw_allocator = islip``); see the module text.
    vc_binding : str
        ``at_switch`` (the default: the downstream VC is chosen at the switch grant) or ``at_vc_allocation``
        (BookSim2: bound by a VC allocator before switch allocation); see the module text.
    """

    pipeline: int
    link: int
    injection: int
    ejection: int
    flits: int
    depth: int
    vcs: int
    routing: str
    arbitration: str
    vc_setup: int = 0
    switch_allocator: str = "input_first"
    vc_binding: str = "at_switch"
    flit_credits: bool = False
    vc_realloc: int = 0
    credit_delay: int | None = None
    injection_credit: int | None = None
    off_latency: int | None = None
    off_serialisation: int = 1
    off_depth: int | None = None

    @classmethod
    def from_config(cls, cfg: ChipConfig | NetworkSpec) -> RouterParams:
        """The router of ``cfg``'s ``noc`` block."""
        spec = as_network_spec(cfg)
        n, off = spec.noc, (spec.system.off_chip if spec.system is not None else None)
        return cls(
            pipeline=n.router_pipeline_cycles,
            link=n.link_latency_cycles,
            injection=n.injection_cycles,
            ejection=n.ejection_cycles,
            flits=n.flits_per_packet,
            depth=n.buffer_depth_flits,
            vcs=n.virtual_channels,
            routing=n.routing,
            arbitration=n.arbitration,
            vc_setup=n.vc_setup_cycles,
            switch_allocator=n.switch_allocator,
            vc_binding=n.vc_binding,
            flit_credits=n.credit_return == "flit",
            vc_realloc=n.vc_realloc_cycles,
            credit_delay=n.credit_delay_cycles,
            injection_credit=n.injection_credit_cycles,
            off_latency=None if off is None else off.latency(n),
            off_serialisation=1 if off is None else off.serialisation(),
            off_depth=None if off is None else off.buffer_depth(n),
        )

    @property
    def has_off_chip(self) -> bool:
        """Whether the mesh is a system of chips (its off-chip links have their own figures)."""
        return self.off_latency is not None

    @property
    def off_land(self) -> int:
        """Cycles from a packet leaving on an off-chip link to its landing: ``Lx + F (s - 1)``."""
        return self.link if self.off_latency is None else self.off_latency + self.flits * (self.off_serialisation - 1)

    @property
    def off_busy(self) -> int:
        """Cycles an off-chip link is busy per packet: ``F s``."""
        return self.flits * self.off_serialisation

    @property
    def off_slots_per_vc(self) -> int:
        """Whole packets one VC behind an off-chip link holds (``Dx // F``)."""
        return (self.depth if self.off_depth is None else self.off_depth) // self.flits

    @property
    def off_credit_delay(self) -> int:
        """Credit latency of an input port behind an off-chip link: ``max(1, Lx)`` (back over the link)."""
        return self.link_credit_delay if self.off_latency is None else max(1, self.off_latency)

    @property
    def slots_per_vc(self) -> int:
        """Whole packets one VC buffer holds (VCT allocates buffer space a packet at a time)."""
        return self.depth // self.flits

    @property
    def credit_lag(self) -> int:
        """Cycles from a packet leaving a VC (``d``) to the departure its slot's reuse waits for: the tail's
        (``F - 1``), or with flit credits the head's (0)."""
        return 0 if self.flit_credits else self.flits - 1

    @property
    def link_credit_delay(self) -> int:
        """Cycles from a packet's tail leaving a mesh input port to its credits being usable upstream:
        ``credit_delay_cycles``, by default the link latency (at least 1)."""
        return max(1, self.link) if self.credit_delay is None else self.credit_delay

    @property
    def local_credit_delay(self) -> int:
        """Cycles from a packet's tail leaving a local input port to its credits being usable by the core:
        ``injection_credit_cycles``, by default the injection latency (at least 1)."""
        return max(1, self.injection) if self.injection_credit is None else self.injection_credit

    def zero_load_latency(self, hops, off_hops=0):
        """``T0(h, k) = I + (h + 1) P + (h - k) L + k (Lx + F (s - 1)) + E + F - 1`` cycles for ``hops``
        router-to-router links of which ``off_hops`` are off-chip (ints or arrays)."""
        h = np.asarray(hops, dtype=np.int64) if np.ndim(hops) else int(hops)
        t0 = self.injection + (h + 1) * self.pipeline + h * self.link + self.ejection + self.flits - 1
        if np.ndim(off_hops) or off_hops:
            k = np.asarray(off_hops, dtype=np.int64) if np.ndim(off_hops) else int(off_hops)
            t0 = t0 + k * (self.off_land - self.link)
        return t0
