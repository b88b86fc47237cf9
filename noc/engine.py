"""Engine factory and the input checks shared by both engines.

Both engines take the same packet arrays and return a :class:`~noc.result.NocResult`:

>>> engine = make_engine(cfg, kind="fast")            # or kind="simpy"
>>> res = engine.run(src_core, dst_core, inject_cycle, dst_axon=None)

``run`` simulates the network from empty until every packet has been delivered (or until the optional cycle
``until``). ``inject_cycle`` need not be sorted; packets a core requests in the same cycle leave in array order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_configs.schema import ChipConfig
from noc.errors import NocError

ENGINES = ("fast", "simpy", "flow")


class PacketBatch:
    """Checked packet arrays: int32 cores and axons, int64 request cycles (a plain slotted class: one is built
    per emulated tick, and a frozen dataclass costs a microsecond to build)."""

    __slots__ = ("src_core", "dst_core", "inject_cycle", "dst_axon")

    def __init__(self, src_core: np.ndarray, dst_core: np.ndarray, inject_cycle: np.ndarray, dst_axon: np.ndarray):
        self.src_core, self.dst_core, self.inject_cycle, self.dst_axon = src_core, dst_core, inject_cycle, dst_axon

    def __len__(self) -> int:
        return len(self.src_core)


@dataclass(frozen=True)
class BatchLimits:
    """What ``run`` accepts on one chip, read from the config once per engine (config properties are slow)."""

    n_cores: int
    n_axons: int

    @classmethod
    def from_config(cls, cfg: ChipConfig) -> BatchLimits:
        return cls(cfg.num_cores, cfg.core.axons_per_core)


def make_engine(cfg: ChipConfig, kind: str = "fast", **options):
    """An engine for ``cfg``: ``"fast"`` (exact, Cython), ``"simpy"`` (exact, SimPy processes) or ``"flow"``.

    ``"fast"`` and ``"simpy"`` implement the router model of :mod:`noc.model` and agree packet for packet.
    ``"flow"`` is an *approximate* link-load model (:mod:`noc.flow_engine`): exact hops and per-link flits,
    estimated delivery cycles; it is used only when asked for by name. ``options`` go to the engine's
    constructor (``log=True`` asks the SimPy engine for an event log).
    """
    if kind == "flow":
        from noc.flow_engine import FlowNoc

        return FlowNoc(cfg, **options)
    if kind == "fast":
        from noc.fast_engine import FastNoc

        return FastNoc(cfg, **options)
    if kind == "simpy":
        from noc.simpy_engine import SimpyNoc

        return SimpyNoc(cfg, **options)
    raise NocError(f"engine kind: unknown {kind!r}; allowed: {', '.join(ENGINES)}")


def check_batch(cfg: ChipConfig, src_core, dst_core, inject_cycle, dst_axon=None,
                limits: BatchLimits | None = None) -> PacketBatch:
    """Validate and convert the arrays given to ``run``; errors name the argument, index, value and range.

    Called once per emulated tick, so the common case -- contiguous int32 cores and int64 cycles, as the
    emulator passes them -- is checked in one compiled pass; anything else is converted and checked array by
    array. ``limits`` (from :meth:`BatchLimits.from_config`) saves reading the config on every call.
    """
    lim = limits or BatchLimits.from_config(cfg)
    if dst_axon is None and _is_ready(src_core, np.int32) and _is_ready(dst_core, np.int32) \
            and _is_ready(inject_cycle, np.int64) and len(src_core) == len(dst_core) == len(inject_cycle):
        from noc._noc_kernels import first_bad_packet

        if first_bad_packet(src_core, dst_core, inject_cycle, lim.n_cores, MAX_CYCLE) == 0:
            return PacketBatch(src_core, dst_core, inject_cycle, np.zeros(len(src_core), np.int32))
    src = _int_array("src_core", src_core, np.int32)
    n = len(src)
    dst = _int_array("dst_core", dst_core, np.int32, n)
    inject = _int_array("inject_cycle", inject_cycle, np.int64, n)
    _in_range("src_core", src, 0, lim.n_cores - 1)
    _in_range("dst_core", dst, 0, lim.n_cores - 1)
    _in_range("inject_cycle", inject, 0, MAX_CYCLE)
    if dst_axon is None:
        return PacketBatch(src, dst, inject, np.zeros(n, np.int32))
    axon = _int_array("dst_axon", dst_axon, np.int32, n)
    _in_range("dst_axon", axon, 0, lim.n_axons - 1)
    return PacketBatch(src, dst, inject, axon)


def _is_ready(arr, dtype) -> bool:
    """True for a 1-D C-contiguous array of exactly ``dtype``: usable by the kernels as it is."""
    return type(arr) is np.ndarray and arr.dtype == dtype and arr.ndim == 1 and arr.flags.c_contiguous


MAX_CYCLE = np.iinfo(np.int64).max // 4  # leaves head-room for cycle arithmetic in the engines


def _int_array(name: str, values, dtype, length: int | None = None) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise NocError(f"run(): {name} must be a 1-D array, got shape {arr.shape}")
    if length is not None and len(arr) != length:
        raise NocError(f"run(): {name} has {len(arr)} entries but src_core has {length}; they must match")
    if arr.dtype != dtype:
        if arr.size and arr.dtype.kind not in "iu":
            raise NocError(f"run(): {name} must hold integers, got dtype {arr.dtype}")
        if arr.size and not np.can_cast(arr.dtype, dtype):
            info = np.iinfo(dtype)
            _in_range(name, arr.astype(np.int64), info.min, info.max)
        arr = arr.astype(dtype)
    return np.ascontiguousarray(arr)


def _in_range(name: str, arr: np.ndarray, lo: int, hi: int) -> None:
    from noc._noc_kernels import first_outside

    i = first_outside(arr, lo, hi)
    if i >= 0:
        raise NocError(f"run(): {name}[{i}] = {int(arr[i])} is out of range; allowed: {lo} .. {hi}")
