"""Model-agnostic parts of the per-neuron parameter records: ranges, the record base class, validation.

Each neuron model (:mod:`cores.models`) declares one frozen dataclass of parameters, named by their hardware
names and holding one int64 value per neuron (or one per neuron and axon type), and a range table derived
from the :class:`ChipConfig` (``cfg.neuron`` / ``cfg.core`` widths), never from literals. The same table
drives validation (here) and the generation of edge and invalid values in the tests.

Every parameter defaults to 0 when omitted; a scalar is broadcast to every neuron.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from chip_configs.errors import ProgramError
from chip_configs.schema import as_core_spec
from cores.fixed_point import half


@dataclass(frozen=True)
class ParamRange:
    """Inclusive integer range of one parameter; ``typed`` parameters have shape (n, axon_types)."""

    lo: int
    hi: int
    unit: str = ""
    typed: bool = False

    def describe(self) -> str:
        return f"{self.lo}..{self.hi}"


def signed_range(bits: int) -> tuple[int, int]:
    """Two's-complement range of a ``bits``-wide signed field."""
    return -half(bits), half(bits) - 1


def unsigned_range(bits: int) -> tuple[int, int]:
    """Range of a ``bits``-wide unsigned field."""
    return 0, (1 << bits) - 1


def axon_types(cfg) -> int:
    """Columns of a typed parameter: ``cfg.core.axon_types`` (1 on chips without axon types)."""
    return as_core_spec(cfg).core.axon_types or 1


@dataclass(frozen=True)
class ParamRecord:
    """Base of the frozen per-neuron parameter records: validated int64 arrays, read-only, one row per neuron.

    Subclasses are dataclasses whose fields are the parameters, with a static ``ranges(cfg)`` giving the
    :class:`ParamRange` of every field (same names, same order).
    """

    model: ClassVar[str] = ""

    @staticmethod
    def ranges(cfg) -> dict[str, ParamRange]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def validate(cls, cfg, params: dict, n_neurons: int, core_index: int = 0):
        """The record of ``params`` (name -> scalar or array) checked against ``cls.ranges(cfg)``.

        Raises
        ------
        ProgramError
            Unknown name, non-integer dtype, wrong shape, or a value out of range (names core, parameter,
            neuron, value, allowed range and the count of offenders).
        """
        cfg = as_core_spec(cfg)
        ranges = cls.ranges(cfg)
        unknown = sorted(set(params) - set(ranges))
        if unknown:
            raise ProgramError(f"core {core_index}: unknown parameter(s) {unknown} for model {cls.model!r}; "
                               f"allowed: {sorted(ranges)}")
        out = {}
        for name, rng in ranges.items():
            shape = (n_neurons, axon_types(cfg)) if rng.typed else (n_neurons,)
            arr = _as_array(name, params.get(name, 0), shape, core_index)
            _check_range(name, arr, rng, core_index)
            arr.flags.writeable = False   # the record is frozen, and so are its arrays
            out[name] = arr
        return cls(**out)

    @classmethod
    def concat(cls, records: list):
        """One record over the neurons of ``records`` in order (the oracle's chip-wide parameter arrays)."""
        return cls(**{name: np.concatenate([getattr(r, name) for r in records]) for name in cls.names()})

    def as_dict(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.names()}

    @property
    def n_neurons(self) -> int:
        return int(getattr(self, self.names()[0]).shape[0])


def _as_array(name: str, value, shape: tuple[int, ...], core_index: int) -> np.ndarray:
    """``value`` as a fresh int64 array of ``shape`` (scalars broadcast); integer dtypes only."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iub":
        raise ProgramError(f"core {core_index}: parameter {name!r} must be integers, got dtype {arr.dtype}")
    if arr.ndim == 0:
        return np.full(shape, int(arr), dtype=np.int64)
    if arr.shape != shape:
        raise ProgramError(f"core {core_index}: parameter {name!r} has shape {arr.shape}; expected {shape}")
    return arr.astype(np.int64)


def _check_range(name: str, arr: np.ndarray, rng: ParamRange, core_index: int) -> None:
    """Raise ProgramError naming the first out-of-range neuron (and axon type), the value and the range."""
    bad = (arr < rng.lo) | (arr > rng.hi)
    if not bad.any():
        return
    idx = np.argwhere(bad)[0]
    where = f"neuron {idx[0]}" + (f", axon type {idx[1]}" if arr.ndim == 2 else "")
    raise ProgramError(
        f"core {core_index}: parameter {name!r} of {where} is {int(arr[tuple(idx)])}; allowed {rng.describe()} "
        f"({rng.unit}); {int(bad.sum())} value(s) out of range"
    )


__all__ = ["ParamRange", "ParamRecord", "axon_types", "signed_range", "unsigned_range"]
