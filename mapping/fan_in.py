"""Fan-in splitting: a neuron with more synapses than a core's ``max_fan_in`` (TrueNorth: 256 axons) takes its
inputs through partial-sum relay neurons. A named approximation, optional (``map_network(split_fan_in=True)``,
``--split-fan-in``); without it such a neuron is refused (``CapacityError`` fan_in: need, limit).

Why it cannot be exact: a partial neuron passes its sum on as spikes, at most one per tick, each worth one
fixed weight ``q``, while a partial sum is any real number per tick. The construction keeps what it cannot
send in the partial neuron's membrane and sends it later (an integrate-and-fire with subtractive reset), so
over a run nothing is lost but the remainder ``< q`` per partial neuron, and the input reaches the neuron in
quanta of ``q``, later than it would directly:

For every neuron ``j`` of a population over the limit, its synapses (all projections into the population,
in order) are cut into chunks of at most ``max_fan_in - 1``; each chunk ``k`` with partial sum ``A[t] = sum_i
w_i x_i[t]`` feeds a sigma-delta pair of partial neurons (IF, threshold ``q_j``, spike where ``p >= q_j``,
then ``p -= q_j``), each of which also adds ``q_j`` to the other on its spikes (delay 1)::

    P+[j,k]:  p+[t] = p+[t-1] + A[t] + q_j s-[t-1]      P-[j,k]:  p-[t] = p-[t-1] - A[t] + q_j s+[t-1]
    j receives  +q_j  from P+[j,k] and  -q_j  from P-[j,k], delay 1

so both track the residual ``R = sum A - q_j (N+ - N-)`` (``p+ = R``, ``p- = -R`` up to the one-tick lag):
P+ fires while ``R >= q_j``, P- while ``R <= -q_j``, and the neuron has received the partial sum up to
``|R| < q_j``, in quanta of ``q_j``, at most one per tick and relay (more waits in R: a lag, not a loss).
``q_j = quantum * threshold_j`` (``quantum`` 1/2 by default). Every neuron of such a population is split,
so all its inputs take the same path (one tick more on the chip; ``latency_ticks`` follows). The neuron's own
dynamics (leak, bias, reset) are unchanged and its fan-in becomes ``2 ceil(F / max_fan_in)``. On TrueNorth
the relays' ``+q`` and ``-q`` are two of the neuron's four weight levels.
"""

from __future__ import annotations

import numpy as np

from chip_configs.errors import CapacityError, MappingError
from mapping.network import IF, Network, Population, Projection


def _incoming(net: Network, name: str) -> tuple[np.ndarray, list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]]:
    """Fan-in per neuron of population ``name`` and its synapses per projection (post, pre, w, delay)."""
    size = net.population(name).size
    parts, fan_in = [], np.zeros(size, np.int64)
    for proj in net.projections_into(name):
        post, pre, w, d = proj.coo()
        parts.append((proj.pre, post, pre, w, d))
        fan_in += np.bincount(post, minlength=size)
    return fan_in, parts


def _chunks(parts, size: int, limit: int):
    """Per synapse: (projection index, chunk index within its post neuron), chunks of at most ``limit``."""
    seen = np.zeros(size, np.int64)
    out = []
    for _, post, _, _, _ in parts:
        rank = np.zeros(post.size, np.int64)
        for j in np.unique(post):
            idx = np.flatnonzero(post == j)
            rank[idx] = seen[j] + np.arange(idx.size)
            seen[j] += idx.size
        out.append(rank // limit)
    return out, (seen + limit - 1) // limit


def split_population(net: Network, name: str, limit: int, quantum: float = 0.5, chunk: int | None = None
                     ) -> tuple[Network, str]:
    """``net`` with population ``name``'s inputs through partial-sum relays (module docstring); and a note."""
    pop = net.population(name)
    if not pop.neuron.spiking:
        raise MappingError(f"population {name!r} is an LI readout with fan-in over {limit}: its partial sums "
                           "cannot be split (a readout is read as its membrane)")
    thr = pop.param("threshold")
    q = quantum * thr
    fan_in, parts = _incoming(net, name)
    chunk_of, n_chunks = _chunks(parts, pop.size, min(chunk or max(limit // 4, 2), limit) - 1)  # + its partner
    if np.any(2 * n_chunks > limit):
        j = int(np.argmax(n_chunks))
        raise CapacityError("fan_in", int(2 * n_chunks[j]), limit, layer=name, neuron=j,
                            message="layer {layer!r}: neuron {neuron} needs {need} partial-sum relays; max_fan_in "
                                    "is {limit} (one level of fan-in splitting)")
    first = np.concatenate([[0], np.cumsum(n_chunks)[:-1]])  # partial neuron index of (j, chunk 0)
    n_part = int(n_chunks.sum())
    owner = np.repeat(np.arange(pop.size), n_chunks)
    pos, neg = f"{name}~fanin+", f"{name}~fanin-"
    relay = IF(threshold=q[owner], reset="subtract", spike_test=">=")
    projections = [p for p in net.projections if p.post != name]
    for (pre, post, pre_idx, w, d), chunk in zip(parts, chunk_of, strict=True):
        k = first[post] + chunk
        projections += [Projection(pre, pos, (k, pre_idx, w), d), Projection(pre, neg, (k, pre_idx, -w), d)]
    rows, qo = np.arange(n_part), q[owner]
    projections += [Projection(pos, neg, (rows, rows, qo), 1), Projection(neg, pos, (rows, rows, qo), 1),
                    Projection(pos, name, (owner, rows, qo), 1), Projection(neg, name, (owner, rows, -qo), 1)]
    pops = []
    for p in net.populations:
        pops += [Population(pos, n_part, relay), Population(neg, n_part, relay)] if p.name == name else []
        pops.append(p)
    note = (f"approximation: fan-in of {name!r} up to {int(fan_in.max())} over max_fan_in {limit}: split through "
            f"{n_part} sigma-delta pairs of partial-sum relays (IF, threshold {quantum:g} x the neuron's, subtractive "
            "reset; mapping/fan_in.py, mapping/README.md: measured error)")
    out = Network(net.inputs, pops, projections, net.outputs, net.name, dict(net.metadata))
    return out, note


def split_fan_in(net: Network, limit: int, quantum: float = 0.5, chunk: int | None = None
                 ) -> tuple[Network, list[str]]:
    """Split every population with a neuron over ``limit`` synapses (:func:`split_population`); notes."""
    notes = []
    for pop in net.populations:
        fan_in, _ = _incoming(net, pop.name)
        if fan_in.size and fan_in.max() > limit:
            net, note = split_population(net, pop.name, limit, quantum, chunk)
            notes.append(note)
    return net, notes


__all__ = ["split_fan_in", "split_population"]
