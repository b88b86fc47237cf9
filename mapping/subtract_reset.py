"""Subtractive reset on Loihi (Lava's rules), built from the current register: a named approximation, optional
(``map_network(subtract_reset="current")``, ``--subtract-reset current``).

Loihi's soma resets ``v`` to zero at a spike and nothing else: the residue ``v - threshold`` that a subtractive
reset keeps (Sinabs, Rockpool, snnTorch's ``reset_mechanism="subtract"``) is lost, and no synapse can give it
back (a spike carries a fixed weight, the residue is any number). But Loihi does not reset the current ``u``.
The construction keeps the framework's membrane in ``u`` and uses ``v`` as a memoryless comparator:

    framework (LIF/IF, reset by subtraction):  V[t] = beta (V[t-1] - thr s[t-1]) + I[t] + b,   s[t] = V[t] > thr
    chip:  u[t] = alpha u[t-1] + I[t] - w_self s[t-1]        (alpha = beta; a self-synapse of weight -w_self,
                                                              delay 1: the subtraction, one tick later)
           v[t] = v[t-1] / 4096 + u[t] + c                   (dv = 4095, Lava's largest decay: v ~ u + c)
           spike where v > thr, v -> 0 (u keeps the residue)

with ``w_self = beta thr`` for ``subtract`` (``V`` is reduced before it decays) and ``thr`` for snnTorch's
``subtract_next`` (the subtraction applied to the next membrane). In the float model the population becomes
``CubaLIF(alpha = beta, beta = 0, current_bias = b)`` with that self-projection, which steps exactly the
framework's subtractive neuron (tested). The bias ``b`` must accumulate in ``u`` (Loihi's bias enters ``v``):

- LIF (beta < 1): the current bias becomes ``c = b / (1 - alpha)`` in ``v`` with ``u0 = -c``
  (:func:`mapping.quantize._loihi_bias`, exact up to rounding), so ``v = u + c = V``;
- IF (beta = 1) has no such ``c``: a **bias neuron** (one per population, ``NAME~bias``: an IF neuron whose
  bias exceeds its threshold, firing every tick from tick 0) sends ``b_j`` to neuron ``j`` over a delay equal
  to the population's onset tick (its first input tick, :func:`mapping.onset.onset_ticks`), so the bias
  enters ``u`` from framework step 0 on, as the framework's.

**Copies.** The self-synapse is one synapse (a crossbar has one per axon and neuron) and takes part in the
neuron's weight scale ``s_j = 255 / max |w|``: a threshold above the input weights (the shipped Sinabs MLPs:
1 against 0.26-0.46) would leave the input weights 70-120 levels instead of 255, the dominant error (with
13-bit weights the LIF MLP's identical counts rise from 43 % to 93 %). So the layer is mapped ``k`` times
(:func:`copies_for`: ``k = ceil(w_self / max_in)``, at most :data:`COPIES_MAX`): ``k`` identical populations
with the same inputs, each subtracting ``w_self / k`` from every copy on every copy's spike. Identical integer
state, identical spikes: each copy loses ``w_self`` per spike, through synapses no larger than its inputs.
The first copy keeps the layer's name (outputs and later layers read it); the others (``NAME~copyI``) cost
``k - 1`` times the layer's neurons and input synapses.

What the chip adds, measured in mapping/README.md:

- ``v`` keeps ``trunc(v[t-1] / 4096)`` (``dv`` cannot exceed 4095): ``v = V + V[t-1] / 4096``, a relative
  error of 1/4096 of the previous membrane, only where ``V`` is within that of the threshold;
- IF (beta = 1): ``alpha = 1`` cannot be expressed, ``du = 0`` still decays ``u`` by 1/4096 per tick (0.6 % of
  the membrane over 25 ticks), and the bias's ``c = 4096 b`` widens ``u``'s range (a coarser weight exponent);
- multi-spike (Sinabs, Rockpool): one spike per tick; the rest stays in ``u`` and fires on the next ticks (a
  lag, not a loss, unlike the reset to zero, which drops it);
- ``>=`` becomes ``>`` (the threshold's rounding absorbs it but on exact ties);
- the weights' rounding, and for IF the weight exponent that :data:`U_HORIZON` allows.

A CubaLIF with a synaptic current (Rockpool) has no register left for the membrane: it keeps the reset to zero.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mapping.network import IF, CubaLIF, Network, Population, Projection
from mapping.onset import onset_ticks

SUBTRACT_RESETS = ("zero", "current")
_RESETS = ("subtract", "subtract_next")
# Worst-case |u| of such a neuron, for its weight exponent: ``thr + (all inputs at once + |bias|) * min(1 / (1
# - alpha), U_HORIZON)``. The membrane is bounded above by the reset (thr + one tick's input) but an IF neuron
# integrates negative input without bound, and u wraps; 16 ticks of the worst case keep a 5.6-threshold
# all-inputs-at-once layer (the shipped digits MLPs) under 90 thresholds (the framework reached 34) at one bit
# of the summed input, where the 1000 ticks of a generic current would cost seven.
U_HORIZON = 16.0
COPIES_MAX = 4


def eligible(pop) -> bool:
    """An LIF or IF population with a subtractive reset (the ones this construction applies to)."""
    return pop.neuron.kind in ("LIF", "IF") and getattr(pop.neuron, "reset", "zero") in _RESETS


def self_weight(pop) -> np.ndarray:
    """``w_self`` per neuron: ``beta * thr`` (subtract) or ``thr`` (subtract_next); see the module docstring."""
    thr = pop.param("threshold")
    return thr if pop.neuron.reset == "subtract_next" else pop.param("beta") * thr


def _no_leak(pop) -> np.ndarray:
    """Neurons whose ``beta`` Loihi's current decay cannot express below 1 (``du = 0`` is the smallest decay)."""
    return pop.param("beta") >= 1.0 - 0.5 / 4096


def as_current_membrane(pop) -> CubaLIF:
    """The population's neuron with its membrane in the current: ``CubaLIF(alpha = beta, beta = 0, ...)``; an
    IF neuron's bias is left to the bias neuron (:func:`build_subtractive_reset`)."""
    n = pop.neuron
    bias = np.where(_no_leak(pop), 0.0, pop.param("bias"))
    return CubaLIF(alpha=pop.param("beta"), beta=0.0, threshold=n.threshold, reset="zero", bias=0.0,
                   current_bias=bias, v0=0.0, i0=pop.param("v0"), spike_test=n.spike_test, spikes="single")


def _bias_neuron(pop, onset: int) -> tuple[Population, Projection] | tuple[None, None]:
    """An always-firing neuron sending an IF population's bias into its current from its onset tick on."""
    b = np.where(_no_leak(pop), pop.param("bias"), 0.0)
    if not np.any(b):
        return None, None
    name = f"{pop.name}~bias"
    idx = np.flatnonzero(b)
    always = Population(name, 1, IF(threshold=0.5, bias=1.0))   # v = 1 > 0.5 every tick, then reset to 0
    return always, Projection(name, pop.name, (idx, np.zeros(idx.size, np.int64), b[idx]), delay=max(onset, 1))


def _max_in(net: Network, pop) -> np.ndarray:
    """Largest |w| of each neuron's input synapses (an IF bias included: the bias neuron's weight)."""
    out = np.abs(np.where(_no_leak(pop), pop.param("bias"), 0.0))
    for proj in net.projections_into(pop.name):
        post, _, w, _ = proj.coo()
        np.maximum.at(out, post, np.abs(w))
    return out


def copies_for(net: Network, pop) -> int:
    """How many identical copies of the population share its subtraction: ``k = ceil(w_self / max_in)`` (the
    90th percentile over its neurons, at most :data:`COPIES_MAX`), so that no subtraction synapse outweighs
    the input weights and sets the weight scale (see :func:`build_subtractive_reset`)."""
    ratio = self_weight(pop) / np.maximum(_max_in(net, pop), 1e-12)
    return int(min(COPIES_MAX, max(1.0, np.ceil(np.quantile(ratio, 0.9) - 1e-9))))


def _copies(net: Network, pop, k: int, always, feed) -> tuple[list[Population], list[Projection]]:
    """``k`` copies of the rebuilt population (the first keeps its name), each with the population's inputs
    (and the bias neuron's), and every copy subtracting ``w_self / k`` from every copy (itself included)."""
    names = [pop.name] + [f"{pop.name}~copy{i}" for i in range(1, k)]
    neuron = as_current_membrane(pop)
    incoming = list(net.projections_into(pop.name)) + ([feed] if feed is not None else [])
    pops = ([always] if always is not None else []) + [Population(n, pop.size, neuron) for n in names]
    idx = np.arange(pop.size)
    projs = [replace(p, post=n) for p in incoming for n in names[1:]] + ([feed] if feed is not None else [])
    projs += [Projection(a, b, (idx, idx, -self_weight(pop) / k), delay=1) for a in names for b in names]
    return pops, projs


def build_subtractive_reset(net: Network) -> tuple[Network, dict[str, list[str]]]:
    """``net`` with every eligible population rebuilt (module docstring); notes per population."""
    onsets = onset_ticks(net)
    pops, projs, notes = [], list(net.projections), {}
    for pop in net.populations:
        if not eligible(pop):
            pops.append(pop)
            continue
        always, feed = _bias_neuron(pop, onsets.get(pop.name, 1))
        k = copies_for(net, pop)
        new_pops, new_projs = _copies(net, pop, k, always, feed)
        pops += new_pops
        projs += new_projs
        notes[pop.name] = [
            f"approximation: reset = {pop.neuron.reset!r} built in Loihi's current register (membrane in u, a "
            "self-synapse subtracting the threshold, v a comparator"
            + (f"; {k} identical copies of the layer share the subtraction, w_self / {k} each, so that it does "
               "not coarsen the input weights" if k > 1 else "")
            + (f", the bias through the always-firing neuron {always.name!r}" if always is not None else "")
            + (", multi-spike as one spike per tick, the rest kept in u" if pop.neuron.spikes == "multi" else "")
            + "; --subtract-reset current, mapping/README.md: measured error)"]
        for copy in new_pops[-(k - 1):] if k > 1 else []:
            notes[copy.name] = [f"identical copy of {pop.name!r}, sharing its subtraction (--subtract-reset current)"]
    return replace(net, populations=tuple(pops), projections=tuple(projs)), notes


def u_bound(pop, total: np.ndarray) -> np.ndarray:
    """Worst-case |u| in float units of a population built here (see :data:`U_HORIZON`); ``total``: the sum
    of |w| over each neuron's synapses (the self-synapse included)."""
    alpha = pop.param("alpha")
    ticks = np.minimum(1.0 / np.maximum(1.0 - alpha, 1e-9), U_HORIZON)
    return np.abs(pop.param("threshold")) + (total + np.abs(pop.param("current_bias"))) * ticks


# The construction per neuron model (looked up by cfg.neuron.model); a model absent here subtracts natively
# (TrueNorth's reset_mode 1) or cannot hold it.
BUILDERS = {"loihi_lif": build_subtractive_reset}

__all__ = ["BUILDERS", "SUBTRACT_RESETS", "U_HORIZON", "as_current_membrane", "build_subtractive_reset", "eligible",
           "self_weight", "u_bound"]
