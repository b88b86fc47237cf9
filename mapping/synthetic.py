"""Synthetic workloads built through the network API (bench-A and smaller random networks).

``random_network`` wires ``n_inputs`` input lines and one recurrent population of ``n_neurons`` LIF
neurons: every input line and every neuron sends ``fan_out`` synapses to distinct random neurons. A
fraction ``exc_fraction`` of the neurons (and every input line) is excitatory with weight ``w_exc``; the
rest inhibitory with weight ``w_inh`` (< 0). Deterministic for a seed.
"""

from __future__ import annotations

import numpy as np

from mapping.network import LIF, Input, Network, Output, Population, Projection


def random_targets(n_src: int, n_dst: int, fan_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``fan_out`` distinct random targets per source: (post, pre) index arrays of length n_src * fan_out."""
    fan_out = min(fan_out, n_dst)
    # argpartition of random keys gives distinct targets per row without a Python loop
    keys = rng.random((n_src, n_dst)) if n_src * n_dst <= 50_000_000 else None
    if keys is not None:
        post = np.argpartition(keys, fan_out - 1, axis=1)[:, :fan_out]
    else:
        post = np.stack([rng.choice(n_dst, fan_out, replace=False) for _ in range(n_src)])
    pre = np.repeat(np.arange(n_src), fan_out)
    return post.reshape(-1).astype(np.int64), pre.astype(np.int64)


def random_network(n_inputs: int = 1000, n_neurons: int = 10_000, fan_out: int = 100, exc_fraction: float = 0.8,
                   w_input: float = 0.5, w_exc: float = 0.5, w_inh: float = -4.0, threshold: float = 4.0,
                   beta: float = 0.9, delay: int = 1, seed: int = 0, name: str = "bench-A") -> Network:
    """A bench-A-like random recurrent network (see the module docstring); the population is the output.

    Parameters
    ----------
    n_inputs, n_neurons : int
    fan_out : int
        Synapses sent by every input line and every neuron (distinct targets).
    exc_fraction : float
        Fraction of excitatory neurons (the first ones).
    w_input, w_exc, w_inh : float
        Weights of input, excitatory and inhibitory synapses [threshold units].
    threshold, beta : float
        LIF parameters of every neuron.
    delay : int
        Ticks per synapse.
    seed : int
    """
    rng = np.random.default_rng(seed)
    ip, ipre = random_targets(n_inputs, n_neurons, fan_out, rng)
    rp, rpre = random_targets(n_neurons, n_neurons, fan_out, rng)
    w_rec = np.where(rpre < int(exc_fraction * n_neurons), w_exc, w_inh)
    pop = Population("neurons", n_neurons, LIF(beta=beta, threshold=threshold))
    projs = [Projection("in", "neurons", (ip, ipre, np.full(ip.size, w_input)), delay),
             Projection("neurons", "neurons", (rp, rpre, w_rec), delay)]
    return Network([Input("in", n_inputs)], [pop], projs, [Output("spikes", "neurons")], name=name)


def poisson_inputs(n_inputs: int, ticks: int, p: float = 0.05, batch: int = 1, seed: int = 0) -> np.ndarray:
    """Bernoulli(p) spikes per line and tick, int8 [batch, ticks, n_inputs]."""
    rng = np.random.default_rng(seed)
    return (rng.random((batch, ticks, n_inputs)) < p).astype(np.int8)


__all__ = ["poisson_inputs", "random_network", "random_targets"]
