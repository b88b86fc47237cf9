"""Synthetic workloads built through the network API (bench-A and smaller random networks).

``random_network`` wires ``n_inputs`` input lines and one recurrent population of ``n_neurons`` LIF
neurons: every input line and every neuron sends ``fan_out`` synapses to distinct random neurons. A
fraction ``exc_fraction`` of the neurons (and every input line) is excitatory with weight ``w_exc``; the
rest inhibitory with weight ``w_inh`` (< 0). Deterministic for a seed.

``modular_network`` is the same construction scaled up to millions of neurons with locality, so that it fits a
system of chips: ``n_modules`` modules of ``module_size`` neurons, each fed by ``inputs_per_module`` input lines;
every input line sends ``fan_out`` synapses to distinct neurons of its module, every neuron ``fan_out``
synapses to distinct neurons: ``fan_out - far`` in its own module and ``far`` in the modules at distance
``1 .. reach`` along a ring of modules (either side, uniformly). Uniform random targets over a million neurons
would not fit Loihi at all: a core's 4,096 input axons would then hold ~37 neurons (each brings ~110 distinct
sources), ~28,000 cores for 1 M neurons against Nahuku-32's 4,096.
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


def _distinct_rows(draw, n_rows: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``[n_rows, k]`` values, distinct within each row (rows sorted): drawn by ``draw(rows, rng)`` (one new value
    for each row index given), every repeat drawn again until none is left (a few rounds, each on the rows that
    still hold a repeat only). Small integer dtypes sort by radix, so 10^8 values take about a second."""
    out = draw(np.repeat(np.arange(n_rows, dtype=np.int64), k), rng).reshape(n_rows, k)
    todo = np.arange(n_rows)
    while todo.size:
        sub = np.sort(out[todo], axis=1, kind="stable")
        dup = np.zeros(sub.shape, dtype=bool)
        dup[:, 1:] = sub[:, 1:] == sub[:, :-1]
        r, c = np.nonzero(dup)
        sub[r, c] = draw(todo[r], rng)
        out[todo] = sub
        todo = todo[np.unique(r)]
    return out


def modular_network(n_modules: int = 1024, module_size: int = 1024, fan_out: int = 100, far: int = 5,
                    reach: int = 4, inputs_per_module: int = 100, exc_fraction: float = 0.8,
                    w_input: float = 0.5, w_exc: float = 0.5, w_inh: float = -4.0, threshold: float = 4.0,
                    beta: float = 0.9, seed: int = 0, name: str = "bench-A-modular") -> Network:
    """bench-A's construction over ``n_modules x module_size`` neurons with local wiring (module docstring).

    Neuron ``j`` of module ``m`` is neuron ``m * module_size + j``; input line ``i`` of module ``m`` is line
    ``m * inputs_per_module + i``. The first ``exc_fraction`` of every module's neurons is excitatory.
    Targets are drawn as small offsets (int16 within a module) and stored int32: the COO of ~10^8 synapses is
    the largest table of the build.
    """
    if module_size > 32767 or n_modules * module_size >= 2**31:
        raise ValueError("modular_network: module_size <= 32767 and fewer than 2**31 neurons")
    rng = np.random.default_rng(seed)
    n, size = n_modules * module_size, module_size

    def offset(rows, g):
        return g.integers(0, size, rows.size, dtype=np.int16)

    def far_target(rows, g):
        hop = g.integers(1, reach + 1, rows.size) * np.where(g.random(rows.size) < 0.5, -1, 1)
        return (((rows // size + hop) % n_modules) * size + g.integers(0, size, rows.size)).astype(np.int32)

    n_in = n_modules * inputs_per_module
    module_of_line = (np.arange(n_in, dtype=np.int32) // inputs_per_module)[:, None]
    in_post = module_of_line * size + _distinct_rows(offset, n_in, fan_out, rng)
    own = (np.arange(n, dtype=np.int32) // size)[:, None] * size
    rec_post = np.concatenate([own + _distinct_rows(offset, n, fan_out - far, rng),
                               _distinct_rows(far_target, n, far, rng)], axis=1)
    in_pre = np.repeat(np.arange(n_in, dtype=np.int32), fan_out)
    rec_pre = np.repeat(np.arange(n, dtype=np.int32), fan_out)
    w_rec = np.where(rec_pre % size < int(exc_fraction * size), w_exc, w_inh)
    pop = Population("neurons", n, LIF(beta=beta, threshold=threshold))
    projs = [Projection("in", "neurons", (in_post.reshape(-1), in_pre, np.full(in_pre.size, w_input)), 1),
             Projection("neurons", "neurons", (rec_post.reshape(-1), rec_pre, w_rec), 1)]
    return Network([Input("in", n_in)], [pop], projs, [Output("spikes", "neurons")], name=name)


def poisson_inputs(n_inputs: int, ticks: int, p: float = 0.05, batch: int = 1, seed: int = 0) -> np.ndarray:
    """Bernoulli(p) spikes per line and tick, int8 [batch, ticks, n_inputs]."""
    rng = np.random.default_rng(seed)
    return (rng.random((batch, ticks, n_inputs)) < p).astype(np.int8)


__all__ = ["modular_network", "poisson_inputs", "random_network", "random_targets"]
