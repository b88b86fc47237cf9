"""The network description the mapper works on: inputs, populations, projections and outputs (float, discrete time).

One small frozen dataclass per primitive, fields named after the maths (like NIR's ``nir/ir``), shapes
checked when a :class:`Network` is built (a :class:`~chip_configs.errors.MappingError` naming the primitive,
never an ``assert``). NIR import (:mod:`mapping.from_nir`) produces these same objects, and benchmarks build
them directly.

Time is discrete: one step of the float model is one chip tick. Every neuron parameter may be a scalar or a
per-neuron array (broadcast to the population size when the network is built).

Neuron models, per step ``t`` with ``I[t]`` the summed synaptic input (``sum_j W[i, j] x_j[t - d]``)::

    LIF      v[t] = beta * v[t-1] + I[t] + bias
    CubaLIF  i[t] = alpha * i[t-1] + I[t] + current_bias      (current first, as snnTorch's Synaptic)
             v[t] = beta * v[t-1] + i[t] + bias
    IF       v[t] = v[t-1] + I[t] + bias                       (LIF with beta = 1)
    LI       v[t] = beta * v[t-1] + I[t] + bias                (no spikes: a readout, its output is v)

    spiking models: s[t] = v[t] > threshold (strict; spike_test='>=' for Sinabs, SpikingJelly, Rockpool)
                    then v[t] = 0                       (reset='zero')
                      or v[t] = v[t] - s[t] * threshold (reset='subtract')
                    or, one step later (snnTorch's delayed resets, applied to the new membrane):
                         v[t+1] = 0 whatever the input   (reset='zero_next': Synaptic, RLeaky)
                         v[t+1] -= s[t] * threshold      (reset='subtract_next': snnTorch's subtraction)
                    spikes='multi' (Sinabs, Rockpool): s[t] = floor(v[t] / threshold) spikes in one step
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from chip_configs.errors import MappingError

RESETS = ("zero", "subtract", "zero_next", "subtract_next")
SPIKE_TESTS = (">", ">=")
SPIKE_COUNTS = ("single", "multi")


# ----- neuron records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LIF:
    """Leaky integrate-and-fire: ``v = beta*v + I + bias``; spike when ``v > threshold``.

    Parameters
    ----------
    beta : float or array
        Membrane decay per step, in [0, 1] (snnTorch ``Leaky(beta)``).
    threshold : float or array
        Firing threshold [input units]; the test is strict (``v > threshold``).
    reset : {'zero', 'subtract', 'zero_next', 'subtract_next'}
        After a spike, ``v = 0`` or ``v -= threshold``; the ``_next`` forms act on the next step's membrane
        (module docstring).
    bias : float or array
        Constant added to ``v`` every step [input units per step].
    v0 : float or array
        Membrane at the start of an inference (0 in every framework; the mapper may set it, see
        :mod:`mapping.onset`).
    spike_test : {'>', '>='}
        Strict (snnTorch, Norse, Loihi) or not (Sinabs, SpikingJelly, Rockpool).
    spikes : {'single', 'multi'}
        At most one spike per step, or ``floor(v / threshold)`` (Sinabs, Rockpool).
    """

    beta: Any = 1.0
    threshold: Any = 1.0
    reset: str = "zero"
    bias: Any = 0.0
    v0: Any = 0.0
    spike_test: str = ">"
    spikes: str = "single"

    spiking = True
    kind = "LIF"


@dataclass(frozen=True)
class CubaLIF:
    """Current-based LIF: ``i = alpha*i + I + current_bias``; ``v = beta*v + i + bias`` (current first).

    Parameters
    ----------
    alpha : float or array
        Synaptic current decay per step, in [0, 1] (snnTorch ``Synaptic(alpha, ...)``).
    beta, threshold, reset, bias
        As :class:`LIF`; ``bias`` is added to ``v``.
    current_bias : float or array
        Constant added to ``i`` every step (where an NIR Affine's bias lands) [input units per step].
    v0, i0 : float or array
        Membrane and current at the start of an inference.
    """

    alpha: Any = 0.0
    beta: Any = 1.0
    threshold: Any = 1.0
    reset: str = "zero"
    bias: Any = 0.0
    current_bias: Any = 0.0
    v0: Any = 0.0
    i0: Any = 0.0
    spike_test: str = ">"
    spikes: str = "single"

    spiking = True
    kind = "CubaLIF"


@dataclass(frozen=True)
class IF:
    """Integrate-and-fire (no leak): ``v = v + I + bias``; spike when ``v > threshold``."""

    threshold: Any = 1.0
    reset: str = "zero"
    bias: Any = 0.0
    v0: Any = 0.0
    spike_test: str = ">"
    spikes: str = "single"

    spiking = True
    kind = "IF"


@dataclass(frozen=True)
class LI:
    """Leaky integrator readout: ``v = beta*v + I + bias``; never spikes, its output is ``v``."""

    beta: Any = 1.0
    bias: Any = 0.0
    v0: Any = 0.0

    spiking = False
    kind = "LI"


NEURON_TYPES = {cls.kind: cls for cls in (LIF, CubaLIF, IF, LI)}
_UNIT_RANGE = {"alpha", "beta"}


# ----- graph primitives -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """External input lines (spikes on chip; any real value in the float reference)."""

    name: str
    size: int


@dataclass(frozen=True)
class Population:
    """A group of ``size`` neurons of one model; parameters may be per neuron."""

    name: str
    size: int
    neuron: LIF | CubaLIF | IF | LI

    def param(self, name: str) -> np.ndarray:
        """Parameter ``name`` of every neuron, float64 of shape (size,) (IF reports beta = 1, alpha = 0)."""
        defaults = {"beta": 1.0, "alpha": 0.0, "bias": 0.0, "current_bias": 0.0, "threshold": np.inf, "v0": 0.0,
                    "i0": 0.0}
        value = getattr(self.neuron, name, defaults.get(name))
        return np.broadcast_to(np.asarray(value, dtype=np.float64), (self.size,)).copy()


@dataclass(frozen=True)
class Projection:
    """Synapses from ``pre`` (an Input or Population name) to ``post`` (a Population name).

    Parameters
    ----------
    pre, post : str
        Names of the source and target.
    weights : ndarray (post.size, pre.size) or tuple (rows, cols, values)
        Dense matrix (zeros are no synapse), or COO with ``rows`` = post index and ``cols`` = pre index
        (the NIR / PyTorch orientation, ``y = W @ x``). Duplicate COO pairs add up.
    delay : int or int array
        Ticks from a spike of ``pre`` to its integration by ``post`` (>= 1): one value, or one per
        synapse (dense: shape of ``weights``; sparse: one per COO entry).
    """

    pre: str
    post: str
    weights: Any
    delay: Any = 1

    def coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Synapses as arrays ``(post_idx int64, pre_idx int64, weight float64, delay int64)``, zeros dropped."""
        if isinstance(self.weights, tuple):
            rows, cols, vals = (np.asarray(a) for a in self.weights)
            delay = np.broadcast_to(np.asarray(self.delay, dtype=np.int64), rows.shape)
        else:
            w = np.asarray(self.weights, dtype=np.float64)
            rows, cols = np.nonzero(w)
            vals = w[rows, cols]
            d = np.asarray(self.delay, dtype=np.int64)
            delay = np.broadcast_to(d, w.shape)[rows, cols] if d.ndim else np.full(rows.shape, int(d))
        keep = np.asarray(vals) != 0
        return (np.asarray(rows, np.int64)[keep], np.asarray(cols, np.int64)[keep],
                np.asarray(vals, np.float64)[keep], np.asarray(delay, np.int64)[keep])

    def dense(self, n_post: int, n_pre: int) -> np.ndarray:
        """Weights as a dense (n_post, n_pre) float64 matrix (duplicates summed; delays ignored)."""
        r, c, v, _ = self.coo()
        out = np.zeros((n_post, n_pre))
        np.add.at(out, (r, c), v)
        return out

    @property
    def label(self) -> str:
        return f"{self.pre}->{self.post}"


@dataclass(frozen=True)
class Output:
    """Read ``source`` (a Population) out as output lines (spike counts, or v for an LI readout)."""

    name: str
    source: str


@dataclass(frozen=True)
class Network:
    """A whole network; checked when built.

    Populations are kept in the order given. That order matters only to the float reference's
    ``same_step`` timing (see :mod:`mapping.reference`): a projection whose ``pre`` is declared before its
    ``post`` is *forward*; any other (self or backward) is *recurrent*.

    Raises
    ------
    MappingError
        Duplicate or unknown names, bad sizes, shapes, indices, delays or neuron parameters.
    """

    inputs: tuple[Input, ...]
    populations: tuple[Population, ...]
    projections: tuple[Projection, ...]
    outputs: tuple[Output, ...]
    name: str = "network"
    metadata: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        for attr in ("inputs", "populations", "projections", "outputs"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        _check_names(self)
        object.__setattr__(self, "populations", tuple(_checked_population(p) for p in self.populations))
        sizes = self.sizes
        for proj in self.projections:
            _check_projection(proj, sizes, set(self.population_names))
        for out in self.outputs:
            if out.source not in self.population_names:
                raise MappingError(
                    f"output {out.name!r}: source {out.source!r} is not a population; "
                    f"populations: {list(self.population_names)}"
                )

    # ----- lookups -------------------------------------------------------------------------------
    @property
    def sizes(self) -> dict[str, int]:
        """Size of every input and population by name."""
        return {x.name: int(x.size) for x in (*self.inputs, *self.populations)}

    @property
    def population_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.populations)

    def population(self, name: str) -> Population:
        for p in self.populations:
            if p.name == name:
                return p
        raise MappingError(f"no population named {name!r}; populations: {list(self.population_names)}")

    @property
    def n_inputs(self) -> int:
        return sum(int(x.size) for x in self.inputs)

    @property
    def n_outputs(self) -> int:
        return sum(self.population(o.source).size for o in self.outputs)

    def input_offsets(self) -> dict[str, int]:
        """First external input line of each Input (lines are the Inputs concatenated in order)."""
        return _offsets(self.inputs)

    def output_labels(self) -> list[str]:
        """One label per output line: ``"<output>[k]"``."""
        return [f"{o.name}[{k}]" for o in self.outputs for k in range(self.population(o.source).size)]

    def projections_into(self, post: str) -> list[Projection]:
        return [p for p in self.projections if p.post == post]

    def is_forward(self, proj: Projection) -> bool:
        """True when ``pre`` is an Input or a population declared before ``post``."""
        order = {name: k for k, name in enumerate(self.population_names)}
        return proj.pre not in order or order[proj.pre] < order[proj.post]

    def depth(self) -> int:
        """Ticks from an input spike to the outputs along the longest forward path (sum of delays)."""
        return _longest_forward_path(self)

    def with_neuron(self, name: str, neuron) -> Network:
        """A copy with population ``name``'s neuron record replaced."""
        pops = tuple(replace(p, neuron=neuron) if p.name == name else p for p in self.populations)
        return replace(self, populations=pops)


# ----- checks -------------------------------------------------------------------------------------------


def _offsets(items) -> dict[str, int]:
    out, k = {}, 0
    for it in items:
        out[it.name] = k
        k += int(it.size)
    return out


def _check_names(net: Network) -> None:
    seen: set[str] = set()
    for item in (*net.inputs, *net.populations):
        if not isinstance(item.name, str) or not item.name:
            raise MappingError(f"{type(item).__name__}: name must be a non-empty string, got {item.name!r}")
        if item.name in seen:
            raise MappingError(f"{type(item).__name__} {item.name!r}: name used twice (inputs and populations "
                               "share one namespace)")
        seen.add(item.name)
        if int(item.size) < 1 or int(item.size) != item.size:
            raise MappingError(f"{type(item).__name__} {item.name!r}: size must be a positive integer, "
                               f"got {item.size!r}")


def _checked_population(pop: Population) -> Population:
    """``pop`` with every neuron parameter broadcast to (size,) float64; MappingError when impossible."""
    nrn = pop.neuron
    if type(nrn) not in NEURON_TYPES.values():
        raise MappingError(f"population {pop.name!r}: neuron must be one of {list(NEURON_TYPES)}, "
                           f"got {type(nrn).__name__}")
    updates = {}
    choices = {"reset": RESETS, "spike_test": SPIKE_TESTS, "spikes": SPIKE_COUNTS}
    for f in fields(nrn):
        if f.name in choices:
            if getattr(nrn, f.name) not in choices[f.name]:
                raise MappingError(f"population {pop.name!r}: {f.name} {getattr(nrn, f.name)!r}; allowed: "
                                   f"{list(choices[f.name])}")
            continue
        updates[f.name] = _param_array(pop, f.name, getattr(nrn, f.name))
    return replace(pop, size=int(pop.size), neuron=replace(nrn, **updates))


def _param_array(pop: Population, name: str, value) -> np.ndarray:
    try:
        arr = np.broadcast_to(np.asarray(value, dtype=np.float64).reshape(-1) if np.ndim(value) else
                              np.asarray(value, dtype=np.float64), (int(pop.size),)).copy()
    except (ValueError, TypeError):
        raise MappingError(f"population {pop.name!r}: parameter {name!r} has shape {np.shape(value)}; "
                           f"expected a scalar or ({pop.size},)") from None
    if not np.all(np.isfinite(arr)):
        raise MappingError(f"population {pop.name!r}: parameter {name!r} has non-finite values")
    if name in _UNIT_RANGE and ((arr < 0).any() or (arr > 1).any()):
        raise MappingError(f"population {pop.name!r}: {name} must lie in [0, 1] (a decay per step); "
                           f"got min {arr.min():g}, max {arr.max():g}")
    return arr


def _check_projection(proj: Projection, sizes: dict[str, int], pops: set[str]) -> None:
    if proj.pre not in sizes:
        raise MappingError(f"projection {proj.label}: unknown pre {proj.pre!r}; known: {sorted(sizes)}")
    if proj.post not in pops:
        raise MappingError(f"projection {proj.label}: post {proj.post!r} is not a population; "
                           f"populations: {sorted(pops)}")
    n_post, n_pre = sizes[proj.post], sizes[proj.pre]
    if isinstance(proj.weights, tuple):
        _check_sparse(proj, n_post, n_pre)
    else:
        _check_dense(proj, n_post, n_pre)
    d = np.asarray(proj.delay)
    if d.dtype.kind not in "iu" or (d.size and d.min() < 1):
        raise MappingError(f"projection {proj.label}: delay must be integers >= 1 (ticks), got "
                           f"{'dtype ' + str(d.dtype) if d.dtype.kind not in 'iu' else 'min ' + str(d.min())}")


def _check_dense(proj: Projection, n_post: int, n_pre: int) -> None:
    w = np.asarray(proj.weights)
    if w.shape != (n_post, n_pre):
        raise MappingError(f"projection {proj.label}: dense weights have shape {w.shape}; expected "
                           f"(post size, pre size) = ({n_post}, {n_pre})")
    if w.dtype.kind not in "iuf" or not np.all(np.isfinite(w)):
        raise MappingError(f"projection {proj.label}: weights must be finite numbers")
    d = np.asarray(proj.delay)
    if d.ndim and d.shape != w.shape:
        raise MappingError(f"projection {proj.label}: per-synapse delay has shape {d.shape}; expected {w.shape}")


def _check_sparse(proj: Projection, n_post: int, n_pre: int) -> None:
    if len(proj.weights) != 3:
        raise MappingError(f"projection {proj.label}: sparse weights must be (rows, cols, values)")
    rows, cols, vals = (np.asarray(a) for a in proj.weights)
    if not (rows.ndim == cols.ndim == vals.ndim == 1 and rows.shape == cols.shape == vals.shape):
        raise MappingError(f"projection {proj.label}: rows, cols, values must be 1-D of one length, got "
                           f"{rows.shape}, {cols.shape}, {vals.shape}")
    for what, idx, n in (("rows (post)", rows, n_post), ("cols (pre)", cols, n_pre)):
        if idx.size and (idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= n):
            raise MappingError(f"projection {proj.label}: {what} indices must be integers in 0..{n - 1}")
    if not np.all(np.isfinite(vals)):
        raise MappingError(f"projection {proj.label}: weights must be finite numbers")
    d = np.asarray(proj.delay)
    if d.ndim and d.shape != rows.shape:
        raise MappingError(f"projection {proj.label}: per-synapse delay has shape {d.shape}; expected "
                           f"{rows.shape}")


def _longest_forward_path(net: Network) -> int:
    """Longest sum of maximum delays from any input to any output over forward projections."""
    reach = {x.name: 0 for x in net.inputs}
    for pop in net.populations:
        best = None
        for proj in net.projections_into(pop.name):
            if net.is_forward(proj) and proj.pre in reach:
                d = int(np.max(proj.delay))
                best = reach[proj.pre] + d if best is None else max(best, reach[proj.pre] + d)
        if best is not None:
            reach[pop.name] = best
    return max((reach.get(o.source, 0) for o in net.outputs), default=0)


__all__ = ["CubaLIF", "IF", "Input", "LI", "LIF", "NEURON_TYPES", "Network", "Output", "Population", "Projection"]
