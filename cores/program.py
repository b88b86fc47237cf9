"""What is programmed into one neuron core: geometry, synapses (COO) and per-neuron parameters."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cores.params import validate_params
from emulator.errors import ProgramError


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


@dataclass(frozen=True)
class CoreProgram:
    """The contents of one core, as the mapper produces them.

    Parameters
    ----------
    n_neurons, n_axons : int
        Neurons and input axons used in this core (<= the config's per-core limits).
    syn_axon, syn_neuron : ndarray of int32, shape (n_syn,)
        Synapses as COO pairs: local input axon -> local neuron.
    syn_weight : ndarray of int32, shape (n_syn,), or None
        ``loihi_lif``: the synaptic weight, within ``cfg.core.weight_min..weight_max`` (required).
        ``truenorth``: ignored; the crossbar bit is implied by the synapse's presence and its weight is
        ``params["weights"][neuron, axon_type[axon]]``.
    params : dict of str -> ndarray
        Per-neuron parameters by hardware name (see :mod:`cores.params`); missing ones default to 0.
    axon_type : ndarray of int8, shape (n_axons,), or None
        Type of each axon, ``truenorth`` only (0..cfg.core.axon_types - 1).
    """

    n_neurons: int
    n_axons: int
    syn_axon: np.ndarray
    syn_neuron: np.ndarray
    syn_weight: np.ndarray | None = None
    params: dict = field(default_factory=dict)
    axon_type: np.ndarray | None = None

    def __post_init__(self):
        # Normalise array-likes once so that validation and CoreArray see ndarrays; an empty list (no
        # synapses) has no dtype of its own, so it becomes an empty int32 array.
        for name in ("syn_axon", "syn_neuron", "syn_weight", "axon_type"):
            value = getattr(self, name)
            if value is not None:
                value = np.asarray(value)
                object.__setattr__(self, name, value.astype(np.int32) if value.size == 0 else value)

    @property
    def n_synapses(self) -> int:
        return int(np.asarray(self.syn_axon).size)

    def validate(self, cfg, core_index: int = 0) -> dict[str, np.ndarray]:
        """Check this program against ``cfg``; return the validated per-neuron parameters (int64 arrays).

        Raises
        ------
        ProgramError
            Naming the core and the offending neuron, axon or synapse, the value and the limit.
        """
        self._check_geometry(cfg, core_index)
        self._check_synapse_indices(core_index)
        self._check_capacity(cfg, core_index)
        if cfg.neuron.model == "truenorth":
            self._check_truenorth(cfg, core_index)
        else:
            self._check_weights(cfg, core_index)
        return validate_params(cfg, self.params, self.n_neurons, core_index)

    # ----- individual checks ----------------------------------------------------------------------
    def _check_geometry(self, cfg, k: int) -> None:
        c = cfg.core
        for name, value, limit in (("neurons", self.n_neurons, c.neurons_per_core),
                                   ("axons", self.n_axons, c.axons_per_core)):
            if not 0 <= int(value) <= limit:
                raise ProgramError(f"core {k}: {name} ({value}) exceed the per-core maximum {limit}")

    def _check_synapse_indices(self, k: int) -> None:
        arrays = {"syn_axon": self.syn_axon, "syn_neuron": self.syn_neuron}
        for name, arr in arrays.items():
            if arr.ndim != 1 or arr.dtype.kind not in "iu":
                raise ProgramError(f"core {k}: {name} must be a 1-D integer array, got {arr.dtype} {arr.shape}")
        if self.syn_axon.shape != self.syn_neuron.shape:
            raise ProgramError(
                f"core {k}: syn_axon {self.syn_axon.shape} and syn_neuron {self.syn_neuron.shape} differ in length"
            )
        for name, arr, n in (("syn_axon", self.syn_axon, self.n_axons), ("syn_neuron", self.syn_neuron,
                                                                         self.n_neurons)):
            bad = (arr < 0) | (arr >= n)
            if bad.any():
                i = _first_bad(bad)
                raise ProgramError(f"core {k}: synapse {i} has {name} {int(arr[i])}; allowed 0..{n - 1}")

    def _check_capacity(self, cfg, k: int) -> None:
        c = cfg.core
        if self.n_synapses > c.max_synapses_per_core:
            raise ProgramError(
                f"core {k}: synapses ({self.n_synapses}) exceed max_synapses_per_core ({c.max_synapses_per_core})"
            )
        fan_in = np.bincount(self.syn_neuron.astype(np.int64), minlength=self.n_neurons)
        bad = fan_in > c.max_fan_in
        if bad.any():
            j = _first_bad(bad)
            raise ProgramError(
                f"core {k}: neuron {j} has fan-in {int(fan_in[j])}; max_fan_in is {c.max_fan_in} "
                f"({int(bad.sum())} neuron(s) over)"
            )

    def _check_weights(self, cfg, k: int) -> None:
        w = self.syn_weight
        if w is None or w.shape != self.syn_axon.shape or w.dtype.kind not in "iu":
            raise ProgramError(
                f"core {k}: syn_weight must be an integer array with one weight per synapse "
                f"({self.n_synapses}) for model 'loihi_lif'"
            )
        lo, hi = cfg.core.weight_min, cfg.core.weight_max
        bad = (w < lo) | (w > hi)
        if bad.any():
            i = _first_bad(bad)
            raise ProgramError(
                f"core {k}: synapse {i} (axon {int(self.syn_axon[i])} -> neuron {int(self.syn_neuron[i])}) has "
                f"weight {int(w[i])}; allowed {lo}..{hi} ({cfg.core.weight_bits}-bit "
                f"{'signed' if cfg.core.weight_signed else 'unsigned'}); {int(bad.sum())} out of range"
            )

    def _check_truenorth(self, cfg, k: int) -> None:
        t = self.axon_type
        n_types = cfg.core.axon_types or 1
        if t is None or t.shape != (self.n_axons,) or t.dtype.kind not in "iu":
            raise ProgramError(f"core {k}: axon_type must be an integer array of shape ({self.n_axons},)")
        bad = (t < 0) | (t >= n_types)
        if bad.any():
            a = _first_bad(bad)
            raise ProgramError(f"core {k}: axon {a} has type {int(t[a])}; allowed 0..{n_types - 1}")
        # The crossbar is binary: one (axon, neuron) point can be connected once only.
        key = self.syn_axon.astype(np.int64) * max(self.n_neurons, 1) + self.syn_neuron
        uniq, counts = np.unique(key, return_counts=True)
        if (counts > 1).any():
            dup = int(uniq[counts > 1][0])
            raise ProgramError(
                f"core {k}: crossbar point axon {dup // max(self.n_neurons, 1)} -> neuron "
                f"{dup % max(self.n_neurons, 1)} is given more than once (the TrueNorth crossbar is binary)"
            )


__all__ = ["CoreProgram"]
