"""What is programmed into one neuron core: geometry, synapses (COO or a bit crossbar) and per-neuron parameters.

Synapses come in one of two forms:

- COO pairs ``syn_axon[s] -> syn_neuron[s]`` (any integer dtype; the mapper writes int32, the .npz reader keeps
  the narrow dtypes it finds), with ``syn_weight`` for models whose synapses carry weights (``loihi_lif``);
- models with a binary crossbar only (``truenorth``): ``crossbar``, the binary crossbar as packed bits,
  ``uint8[n_axons, ceil(n_neurons / 8)]`` with bit ``j % 8`` (least significant first,
  ``np.packbits(..., bitorder="little")``) of byte ``j // 8`` in row ``a`` set when axon ``a`` connects to
  neuron ``j``. This is the hardware's own layout (one bit per crosspoint) and 16x smaller than int8 COO pairs
  at TrueNorth's density.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chip_configs.errors import ProgramError
from chip_configs.schema import as_core_spec
from cores.models import model_of, models_with
from cores.params import ParamRecord


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


@dataclass(frozen=True)
class CoreProgram:
    """The contents of one core, as the mapper produces them.

    Parameters
    ----------
    n_neurons, n_axons : int
        Neurons and input axons used in this core (<= the config's per-core limits).
    syn_axon, syn_neuron : ndarray of int, shape (n_syn,), or None
        Synapses as COO pairs: local input axon -> local neuron (any integer dtype). None when ``crossbar``
        is given.
    syn_weight : ndarray of int32, shape (n_syn,), or None
        Models with ``synapse_weights`` (``loihi_lif``): the synaptic weight, within
        ``cfg.core.weight_min..weight_max`` (required). Others (``truenorth``): ignored; the crossbar bit is
        implied by the synapse's presence and its weight is ``params["weights"][neuron, axon_type[axon]]``.
    params : dict of str -> ndarray
        Per-neuron parameters by hardware name (the model's record, :mod:`cores.models`); missing ones are 0.
    axon_type : ndarray of int, shape (n_axons,), or None
        Type of each axon, models with ``typed_axons`` only (0..cfg.core.axon_types - 1).
    crossbar : ndarray of uint8, shape (n_axons, ceil(n_neurons / 8)), or None
        Models with a ``bit_crossbar`` only: the packed bit crossbar (see the module docstring), instead of
        COO pairs.
    """

    n_neurons: int
    n_axons: int
    syn_axon: np.ndarray | None = None
    syn_neuron: np.ndarray | None = None
    syn_weight: np.ndarray | None = None
    params: dict = field(default_factory=dict)
    axon_type: np.ndarray | None = None
    crossbar: np.ndarray | None = None

    def __post_init__(self):
        # Normalise array-likes once so that validation and CoreArray see ndarrays; an empty list (no
        # synapses) has no dtype of its own, so it becomes an empty int32 array.
        for name in ("syn_axon", "syn_neuron", "syn_weight", "axon_type", "crossbar"):
            value = getattr(self, name)
            if value is not None:
                value = np.asarray(value)
                object.__setattr__(self, name, value.astype(np.int32) if value.size == 0 and name != "crossbar"
                                   else value)

    @property
    def n_synapses(self) -> int:
        """Connected (axon, neuron) pairs: COO entries, or set bits of the crossbar."""
        if self.crossbar is not None:
            return int(np.bitwise_count(self.crossbar).sum(dtype=np.int64))
        return int(np.asarray(self.syn_axon).size)

    def _unpacked(self) -> np.ndarray:
        """The crossbar as bool[n_axons, n_neurons] (a temporary of n_axons x n_neurons bytes)."""
        return np.unpackbits(self.crossbar, axis=1, count=self.n_neurons, bitorder="little").view(bool)

    def synapses(self) -> tuple[np.ndarray, np.ndarray]:
        """(axon, neuron) COO pairs in either form (int32; the crossbar's in axon-then-neuron order)."""
        if self.crossbar is None:
            return self.syn_axon, self.syn_neuron
        a, n = np.nonzero(self._unpacked())
        return a.astype(np.int32), n.astype(np.int32)

    def fan_in(self) -> np.ndarray:
        """Synapses into each neuron, int64[n_neurons]."""
        if self.crossbar is not None:
            return self._unpacked().sum(axis=0, dtype=np.int64)
        return np.bincount(self.syn_neuron.astype(np.int64), minlength=self.n_neurons)

    def packed_crossbar(self) -> np.ndarray:
        """The binary crossbar as packed bits (see the module docstring), from either form."""
        if self.crossbar is not None:
            return self.crossbar
        dense = np.zeros((self.n_axons, self.n_neurons), dtype=bool)
        dense[self.syn_axon, self.syn_neuron] = True
        return np.packbits(dense, axis=1, bitorder="little")

    def validate(self, cfg, core_index: int = 0) -> ParamRecord:
        """Check this program against ``cfg``; return the model's validated, frozen parameter record.

        The model-specific checks follow the model's capabilities (:mod:`cores.models`): per-synapse weights,
        axon types, a binary crossbar.

        Raises
        ------
        ProgramError
            Naming the core and the offending neuron, axon or synapse, the value and the limit.
        """
        cfg = as_core_spec(cfg)
        model = model_of(cfg)
        caps = model.capabilities
        self._check_geometry(cfg, core_index)
        if self.crossbar is not None:
            self._check_crossbar(cfg, core_index)
        else:
            self._check_synapse_indices(core_index)
        self._check_capacity(cfg, core_index)
        if caps.typed_axons:
            self._check_axon_types(cfg, core_index)
        if caps.bit_crossbar and self.crossbar is None:
            self._check_no_duplicates(cfg, core_index)
        if caps.synapse_weights:
            self._check_weights(cfg, core_index)
        return model.validate_params(cfg, self.params, self.n_neurons, core_index)

    # ----- individual checks ----------------------------------------------------------------------
    def _check_geometry(self, cfg, k: int) -> None:
        c = cfg.core
        for name, value, limit in (("neurons", self.n_neurons, c.neurons_per_core),
                                   ("axons", self.n_axons, c.axons_per_core)):
            if not 0 <= int(value) <= limit:
                raise ProgramError(f"core {k}: {name} ({value}) exceed the per-core maximum {limit}")

    def _check_crossbar(self, cfg, k: int) -> None:
        x, nbytes = self.crossbar, -(-self.n_neurons // 8)
        if not model_of(cfg).capabilities.bit_crossbar:
            allowed = " or ".join(models_with("bit_crossbar"))
            raise ProgramError(f"core {k}: a bit crossbar is a {allowed} program (a binary crossbar); model "
                               f"{cfg.neuron.model!r} needs syn_axon, syn_neuron and syn_weight")
        if self.syn_axon is not None or self.syn_neuron is not None:
            raise ProgramError(f"core {k}: give either the crossbar or syn_axon / syn_neuron, not both")
        if x.dtype != np.uint8 or x.shape != (self.n_axons, nbytes):
            raise ProgramError(f"core {k}: crossbar must be uint8 of shape ({self.n_axons}, {nbytes}) (packed "
                               f"bits, n_axons x ceil(n_neurons / 8)); got {x.dtype} {x.shape}")
        spare = 8 * nbytes - self.n_neurons
        if spare and nbytes and (x[:, -1] >> (8 - spare)).any():
            a = _first_bad((x[:, -1] >> (8 - spare)) != 0)
            raise ProgramError(f"core {k}: crossbar row {a} sets bits past neuron {self.n_neurons - 1}")

    def _check_synapse_indices(self, k: int) -> None:
        arrays = {"syn_axon": self.syn_axon, "syn_neuron": self.syn_neuron}
        for name, arr in arrays.items():
            if arr is None:
                raise ProgramError(f"core {k}: {name} is missing (give COO synapses or, with a binary crossbar, the packed crossbar)")
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
        fan_in = self.fan_in()
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
                f"({self.n_synapses}) for model {cfg.neuron.model!r}"
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

    def _check_axon_types(self, cfg, k: int) -> None:
        t = self.axon_type
        n_types = cfg.core.axon_types or 1
        if t is None or t.shape != (self.n_axons,) or t.dtype.kind not in "iu":
            raise ProgramError(f"core {k}: axon_type must be an integer array of shape ({self.n_axons},)")
        bad = (t < 0) | (t >= n_types)
        if bad.any():
            a = _first_bad(bad)
            raise ProgramError(f"core {k}: axon {a} has type {int(t[a])}; allowed 0..{n_types - 1}")

    def _check_no_duplicates(self, cfg, k: int) -> None:
        """The crossbar is binary: one (axon, neuron) point can be connected once only."""
        key = np.sort(self.syn_axon.astype(np.int64) * max(self.n_neurons, 1) + self.syn_neuron)
        same = key[1:] == key[:-1]
        if same.any():
            dup = int(key[1:][same][0])
            raise ProgramError(
                f"core {k}: crossbar point axon {dup // max(self.n_neurons, 1)} -> neuron "
                f"{dup % max(self.n_neurons, 1)} is given more than once (the crossbar of model {cfg.neuron.model!r} is "
                "binary)"
            )


__all__ = ["CoreProgram"]
