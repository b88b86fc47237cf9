"""What the two approximate NoC models share: credit-limited service times and the head-of-line constants.

Both the flow model (:mod:`noc.flow_reference`) and the loads estimate (:mod:`noc.loads_estimate`) price a
resource -- a core's injection channel, a directed link, a core's ejection port -- by the cycles it needs per
packet, and both correct that rate for head-of-line (HOL) blocking in the input-queued routers of
:mod:`noc.model`. They apply the correction differently, so each keeps its constant, named here side by side:

- :data:`HOL_EFFICIENCY` (flow model): every contended link and injection channel is slowed by it, always;
- :data:`HOL_SATURATION` (loads estimate): only the busiest link of a tick, and only when another output of
  its router carries at least half its load (the estimate's ``_link_service``); the loads estimate takes the
  finite-switch value :func:`hol_saturation` for the router inputs that can request the link
  (:func:`router_contenders`).

Their values are the measured and the textbook saturation of the same effect; both are kept (the figures of
each model are asserted against the cycle-exact engine with its own constant: ``noc/README.md``).
"""

from __future__ import annotations

import numpy as np

from noc.model import RouterParams

# Share of a link's (credit-limited) capacity that contended traffic gets: head-of-line blocking in the
# input-queued routers wastes the rest. The exact engine saturates at 63 - 78 % of it on the 8 x 8 uniform
# benchmark (noc/README.md, depths 2 - 8); 0.8 balances the flow model's errors below and at saturation.
HOL_EFFICIENCY = 0.8

# Saturation throughput of an input-queued switch with FIFO queues under uniform traffic, as a share of its
# capacity: 2 - sqrt(2) (Karol, Hluchyj & Morgan, IEEE Trans. Commun. 35(12), 1987). The exact engine drains a
# congested 16 x 4 mesh at 1.5 / 2.5 = 0.60 of the credit-limited link rate (bench-A and uniform traffic).
HOL_SATURATION = 2.0 - np.sqrt(2.0)


# Saturation throughput of an N x N FIFO input-queued switch under uniform traffic, N = 1 .. 8 (Karol, Hluchyj
# & Morgan 1987, Table I, exact Markov-chain values); it falls towards 2 - sqrt(2) as N grows.
FIFO_SATURATION = (1.0, 0.75, 0.6825, 0.6553, 0.6399, 0.6302, 0.6234, 0.6184)


def hol_saturation(n_inputs: int) -> float:
    """Head-of-line saturation share of an output requested by ``n_inputs`` FIFO input ports:
    :data:`FIFO_SATURATION` up to 8 inputs, the large-switch limit :data:`HOL_SATURATION` beyond (within 0.033
    of the 8-input value)."""
    n = max(int(n_inputs), 1)
    return FIFO_SATURATION[n - 1] if n <= len(FIFO_SATURATION) else float(HOL_SATURATION)


def router_contenders(cores_per_router: int) -> int:
    """Input ports of a mesh router that can request one of its mesh outputs: ``3 + C`` (the other three mesh
    inputs -- a packet never leaves by the port it came in -- and the ``C`` local ports): the ``N`` of the
    router seen as an N x N switch under uniform traffic."""
    return 3 + cores_per_router


def credit_service_times(p: RouterParams) -> tuple[float, float, float]:
    """Credit-limited cycles per packet of an injection channel, a link and an ejection port.

    ``s = max(F, RTT / (V (D // F)))`` for a link or injection channel -- no faster than one flit per cycle,
    nor than a buffer slot's credit round trip ``RTT = C + P + F - 1 + max(1, C)`` (``C = L`` for a link, ``I``
    for injection) over the port's ``V (D // F)`` slots -- and ``s = F`` for an ejection port (the core always
    accepts).
    """
    slots = p.vcs * p.slots_per_vc
    inj = max(p.flits, (p.injection + p.pipeline + p.flits - 1 + p.local_credit_delay) / slots)
    link = max(p.flits, (p.link + p.pipeline + p.flits - 1 + p.link_credit_delay) / slots)
    return float(inj), float(link), float(p.flits)


def off_chip_service_time(p: RouterParams) -> float:
    """Credit-limited cycles per packet of an off-chip link (a system's, :mod:`noc.model`):
    ``max(F s, RTTx / (V (Dx // F)))``, ``RTTx = (Lx + F (s - 1)) + P + F - 1 + max(1, Lx)`` -- the link is busy
    ``F s`` cycles per packet, and a slot of the buffer behind it comes back after the landing latency, the
    pipeline, the tail and the credit's trip back over the link. On one chip: the on-chip link's."""
    if not p.has_off_chip:
        return credit_service_times(p)[1]
    rtt = p.off_land + p.pipeline + p.flits - 1 + p.off_credit_delay
    return float(max(p.off_busy, rtt / (p.vcs * p.off_slots_per_vc)))
