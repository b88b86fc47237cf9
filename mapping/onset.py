"""Bias-onset alignment: start every layer's biases when its first input can arrive, as the framework does.

In snnTorch's timing every layer sees its bias from step 0, together with the first input. On the chip, a
layer ``L`` ticks from the inputs gets its first input at tick ``L`` but its bias from tick 0, so it has
integrated ``L`` ticks of bias before the inference really starts for it. We cancel that with the initial
state: the layer starts from ``v0`` (and ``i0``) chosen so that after ``L`` ticks of bias alone its state
is exactly zero, the framework's state before step 0. For LIF (``v[t] = beta v[t-1] + b``)::

    v[L-1] = beta**L v0 + b (1 + beta + ... + beta**(L-1)) = 0   =>   v0 = -b sum_{k<L} beta**k / beta**L

CubaLIF also cancels its current (``i0 = -current_bias sum alpha**k / alpha**L``), then ``v0`` from the
resulting voltage; IF is beta = 1. A neuron whose pre-onset trajectory would cross its threshold (a
large negative bias with a positive ``v0``), or with beta = 0 (no memory to cancel), is left at zero and
counted in the notes. The chip then matches ``same_step`` shifted by ``L`` ticks up to quantisation.
"""

from __future__ import annotations

import numpy as np

from mapping.network import Network


def onset_ticks(net: Network, extra_delay: dict | None = None) -> dict[str, int]:
    """Per population, the first tick at which an input spike can arrive (shortest forward path)."""
    extra = extra_delay or {}
    reach = {x.name: 0 for x in net.inputs}
    for pop in net.populations:
        cands = [reach[p.pre] + int(np.min(p.delay)) + extra.get(p.pre, 0)
                 for p in net.projections_into(pop.name) if net.is_forward(p) and p.pre in reach]
        if cands:
            reach[pop.name] = min(cands)
    return {p.name: reach[p.name] for p in net.populations if p.name in reach}


def _free_run(pop, v0: np.ndarray, i0: np.ndarray, ticks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(v, i, max v before the last tick) after ``ticks`` ticks of bias alone (no reset: none should occur)."""
    beta, alpha = pop.param("beta"), pop.param("alpha")
    b, cb = pop.param("bias"), pop.param("current_bias")
    v, i, vmax = v0.copy(), i0.copy(), np.full(v0.shape, -np.inf)
    for _ in range(ticks):
        i = alpha * i + cb
        v = beta * v + i + b
        vmax = np.maximum(vmax, v)
    return v, i, vmax


def _initial_state(pop, ticks: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(v0, i0, neurons left unaligned) cancelling ``ticks`` ticks of bias."""
    zero = np.zeros(pop.size)
    alpha, beta = pop.param("alpha"), pop.param("beta")
    i0 = zero
    if pop.neuron.kind == "CubaLIF":
        geo = sum(alpha ** k for k in range(ticks))
        i0 = np.where(alpha > 0, -pop.param("current_bias") * geo / np.where(alpha > 0, alpha, 1) ** ticks, 0.0)
    v_free, _, _ = _free_run(pop, zero, i0, ticks)
    v0 = np.where(beta > 0, -v_free / np.where(beta > 0, beta, 1) ** ticks, 0.0)
    _, _, vmax = _free_run(pop, v0, i0, ticks)
    # beta = 0 keeps no voltage to cancel (v0 is irrelevant: v[0] = i[0] + bias), but a CubaLIF's current
    # still is (mapping.subtract_reset's neurons); a CubaLIF with alpha = 0 keeps no current to cancel
    no_memory = (beta <= 0) & ((pop.neuron.kind != "CubaLIF") | (alpha <= 0))
    bad = (vmax > pop.param("threshold")) | no_memory | ((pop.neuron.kind == "CubaLIF") & (alpha <= 0)
                                                          & (pop.param("current_bias") != 0))
    return np.where(bad, 0.0, v0), np.where(bad, 0.0, i0), int(bad.sum())


def align_bias_onset(net: Network, onsets: dict[str, int]) -> tuple[Network, list[str]]:
    """``net`` with ``v0``/``i0`` cancelling the bias integrated before each layer's onset; and notes."""
    out, notes = net, []
    for pop in net.populations:
        ticks = int(onsets.get(pop.name, 0))
        if ticks <= 0 or not (np.any(pop.param("bias")) or np.any(pop.param("current_bias"))):
            continue
        v0, i0, left = _initial_state(pop, ticks)
        fields = {"v0": v0, **({"i0": i0} if pop.neuron.kind == "CubaLIF" else {})}
        out = out.with_neuron(pop.name, type(pop.neuron)(**{**_fields(pop.neuron), **fields}))
        if left:
            notes.append(f"population {pop.name!r}: bias onset not aligned on {left} neuron(s) (it would spike "
                         "before its first input, or it has no memory to cancel)")
    return out, notes


def _fields(neuron) -> dict:
    from dataclasses import fields

    return {f.name: getattr(neuron, f.name) for f in fields(neuron)}


__all__ = ["align_bias_onset", "onset_ticks"]
