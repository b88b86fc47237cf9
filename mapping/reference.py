"""Float discrete-time executor of a :class:`~mapping.network.Network` (NumPy): the functional yardstick.

Two timings, looked up by name in :data:`TIMINGS`:

``per_layer_delay`` (the chip's timing)
    A value sent at step ``t`` over a projection of delay ``d`` is integrated at step ``t + d`` (d >= 1), so
    every synapse costs at least one tick, exactly as on the chip. Quantisation effects can be measured
    against this timing with no timing effect mixed in.
``same_step`` (snnTorch's timing)
    Within a step, layers update in declaration order and a *forward* projection (pre declared before post,
    or pre an Input) delivers after ``d - 1`` steps: with ``d = 1`` a spike crosses the whole feed-forward
    chain in the step it is produced. A *recurrent* projection (self or backward) delivers after
    ``max(d - 1, 1)`` steps: snnTorch's recurrent layers see the previous step's spikes.

For a feed-forward network whose input-to-output paths all have the same length ``L`` (in ticks), the two
timings give the same spike trains shifted by ``L - 1`` steps per layer; self-recurrent layers keep that
property (their one-step loop is one tick on the chip too). Hence the chip is run for ``T + depth`` ticks,
the ``T`` input ticks followed by zeros, and compared with the ``same_step`` reference over ``T`` steps by
spike counts.

Neuron equations: see :mod:`mapping.network`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chip_configs.errors import MappingError, SimulationError
from mapping.network import Network, Population, Projection

_DENSE_LIMIT = 10_000_000  # entries; above this a projection is applied as a sparse matrix


@dataclass(frozen=True)
class ReferenceResult:
    """Outputs of a reference run.

    Attributes
    ----------
    output_spikes : ndarray float64 [batch, ticks, n_outputs]
        Spikes (0/1) of the output lines per step; an LI readout gives its membrane value instead.
    output_counts : ndarray float64 [batch, n_outputs]
        ``output_spikes`` summed over steps (for LI readouts: the summed membrane values).
    spikes : dict of str -> ndarray [batch, ticks, n]
        Every population's output per step (only when ``record=True``).
    """

    output_spikes: np.ndarray
    output_counts: np.ndarray
    spikes: dict = field(default_factory=dict)


def step_delay_per_layer(net: Network, proj: Projection, d: np.ndarray) -> np.ndarray:
    """Chip timing: delay ``d`` ticks."""
    return d


def step_delay_same_step(net: Network, proj: Projection, d: np.ndarray) -> np.ndarray:
    """snnTorch timing: ``d - 1`` for forward projections, ``max(d - 1, 1)`` for recurrent ones."""
    return d - 1 if net.is_forward(proj) else np.maximum(d - 1, 1)


TIMINGS = {"per_layer_delay": step_delay_per_layer, "same_step": step_delay_same_step}


# ----- compiled synapses -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Path:
    """The synapses of one projection that share one step delay."""

    pre: str
    lag: int
    matrix: object  # dense ndarray (n_post, n_pre) or a (rows, cols, vals) triple

    def apply(self, x: np.ndarray, n_post: int) -> np.ndarray:
        """Summed input ``x @ W.T`` for a batch ``x`` of shape (batch, n_pre)."""
        if isinstance(self.matrix, np.ndarray):
            return x @ self.matrix.T
        rows, cols, vals = self.matrix
        out = np.zeros((x.shape[0], n_post))
        for b in range(x.shape[0]):
            np.add.at(out[b], rows, x[b, cols] * vals)
        return out


def _compile(net: Network, timing: str) -> dict[str, list[_Path]]:
    """Per population, its incoming synapses grouped by step delay."""
    lag_of = _timing(timing)
    sizes = net.sizes
    paths: dict[str, list[_Path]] = {p.name: [] for p in net.populations}
    for proj in net.projections:
        rows, cols, vals, delay = proj.coo()
        lags = lag_of(net, proj, delay)
        for lag in np.unique(lags):
            m = lags == lag
            n_post, n_pre = sizes[proj.post], sizes[proj.pre]
            if n_post * n_pre <= _DENSE_LIMIT:
                w = np.zeros((n_post, n_pre))
                np.add.at(w, (rows[m], cols[m]), vals[m])
                matrix = w
            else:
                matrix = (rows[m], cols[m], vals[m])
            paths[proj.post].append(_Path(proj.pre, int(lag), matrix))
    return paths


def _timing(name: str):
    try:
        return TIMINGS[name]
    except KeyError:
        raise MappingError(f"unknown reference timing {name!r}; allowed: {sorted(TIMINGS)}") from None


# ----- neuron updates --------------------------------------------------------------------------------------


def _fire(pop: Population, state: dict, v: np.ndarray) -> np.ndarray:
    """Spikes of the new membrane ``v`` and the membrane after the reset (stored in ``state``).

    ``v`` first takes the previous step's delayed reset (snnTorch: ``zero_next`` holds it at 0,
    ``subtract_next`` removes the threshold), then spikes where ``v > threshold`` (or ``>=``), one per step
    or ``floor(v / threshold)`` (``spikes='multi'``), then the immediate reset (``zero``, ``subtract``).
    """
    n = pop.neuron
    thr, reset = n.threshold, n.reset
    prev = state.get("s")
    if prev is not None and reset == "zero_next":
        v = np.where(prev > 0, 0.0, v)
    elif prev is not None and reset == "subtract_next":
        v = v - prev * thr
    fired = v >= thr if n.spike_test == ">=" else v > thr
    if n.spikes == "multi":
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(fired, np.maximum(np.floor(v / thr), 1.0), 0.0)
    else:
        s = fired.astype(np.float64)
    if reset == "zero":
        v = np.where(fired, 0.0, v)
    elif reset == "subtract":
        v = v - s * thr
    state["v"], state["s"] = v, s
    return s


def _step_lif(pop: Population, state: dict, current: np.ndarray) -> np.ndarray:
    n = pop.neuron
    return _fire(pop, state, n.beta * state["v"] + current + n.bias)


def _step_if(pop: Population, state: dict, current: np.ndarray) -> np.ndarray:
    return _fire(pop, state, state["v"] + current + pop.neuron.bias)


def _step_cubalif(pop: Population, state: dict, current: np.ndarray) -> np.ndarray:
    n = pop.neuron
    state["i"] = n.alpha * state["i"] + current + n.current_bias
    return _fire(pop, state, n.beta * state["v"] + state["i"] + n.bias)


def _step_li(pop: Population, state: dict, current: np.ndarray) -> np.ndarray:
    n = pop.neuron
    state["v"] = n.beta * state["v"] + current + n.bias
    return state["v"].copy()


STEPS = {"LIF": _step_lif, "IF": _step_if, "CubaLIF": _step_cubalif, "LI": _step_li}


# ----- the run ------------------------------------------------------------------------------------------------


def _as_batch(net: Network, inputs, ticks: int | None) -> np.ndarray:
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[2] != net.n_inputs:
        raise SimulationError(f"inputs have shape {np.shape(inputs)}; expected [batch, ticks, {net.n_inputs}] "
                              f"or [ticks, {net.n_inputs}]")
    if ticks is not None and ticks != x.shape[1]:
        pad = max(0, ticks - x.shape[1])
        x = np.concatenate([x, np.zeros((x.shape[0], pad, x.shape[2]))], axis=1)[:, :ticks]
    return x


def run_reference(net: Network, inputs, ticks: int | None = None, timing: str = "per_layer_delay",
                  record: bool = False) -> ReferenceResult:
    """Run ``net`` in float discrete time.

    Parameters
    ----------
    net : Network
    inputs : array [batch, ticks, n_inputs] or [ticks, n_inputs]
        Input values per step (spikes 0/1, or any real value).
    ticks : int, optional
        Steps to run; inputs are zero-padded (or cut) to this length. Default: the input length.
    timing : {'per_layer_delay', 'same_step'}
        See the module docstring.
    record : bool
        Keep every population's output per step in ``spikes``.

    Returns
    -------
    ReferenceResult
    """
    x = _as_batch(net, inputs, ticks)
    batch, n_ticks, _ = x.shape
    paths = _compile(net, timing)
    max_lag = max((p.lag for ps in paths.values() for p in ps), default=0)
    hist = _history(net, batch, max_lag + 1)
    state = {p.name: {"v": np.tile(p.param("v0"), (batch, 1)), "i": np.tile(p.param("i0"), (batch, 1))}
             for p in net.populations}
    rec = {p.name: np.zeros((batch, n_ticks, p.size)) for p in net.populations} if record else {}
    outs = {o.source for o in net.outputs}
    keep = {name: np.zeros((batch, n_ticks, net.sizes[name])) for name in outs}
    offsets = net.input_offsets()
    for t in range(n_ticks):
        slot = t % (max_lag + 1)
        for inp in net.inputs:
            hist[inp.name][slot] = x[:, t, offsets[inp.name]:offsets[inp.name] + inp.size]
        for pop in net.populations:
            current = _gather(paths[pop.name], hist, t, max_lag + 1, batch, pop.size)
            out = STEPS[pop.neuron.kind](pop, state[pop.name], current)
            hist[pop.name][slot] = out
            if record:
                rec[pop.name][:, t] = out
            if pop.name in keep:
                keep[pop.name][:, t] = out
    spikes = np.concatenate([keep[o.source] for o in net.outputs], axis=2) if net.outputs else \
        np.zeros((batch, n_ticks, 0))
    return ReferenceResult(spikes, spikes.sum(axis=1), rec)


def _history(net: Network, batch: int, depth: int) -> dict[str, np.ndarray]:
    """Ring buffers of the last ``depth`` outputs of every input and population."""
    return {name: np.zeros((depth, batch, n)) for name, n in net.sizes.items()}


def _gather(paths: list[_Path], hist: dict, t: int, depth: int, batch: int, n: int) -> np.ndarray:
    """Summed synaptic input at step ``t`` (sources older than step 0 are silent)."""
    total = np.zeros((batch, n))
    for p in paths:
        if t - p.lag >= 0:
            total += p.apply(hist[p.pre][(t - p.lag) % depth], n)
    return total


def predicted_classes(counts: np.ndarray) -> np.ndarray:
    """Argmax of output counts per sample; ties go to the lowest index (as ``torch.argmax`` / NumPy)."""
    return np.argmax(np.asarray(counts), axis=-1)


__all__ = ["ReferenceResult", "TIMINGS", "predicted_classes", "run_reference"]
