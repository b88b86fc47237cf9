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

from emulator.config import ChipConfig
from noc.errors import NocError

ENGINES = ("fast", "simpy")


@dataclass(frozen=True)
class PacketBatch:
    """Checked packet arrays: int32 cores and axons, int64 request cycles."""

    src_core: np.ndarray
    dst_core: np.ndarray
    inject_cycle: np.ndarray
    dst_axon: np.ndarray

    def __len__(self) -> int:
        return len(self.src_core)


def make_engine(cfg: ChipConfig, kind: str = "fast", **options):
    """An engine for ``cfg``: ``"fast"`` (Cython cycle loop) or ``"simpy"`` (SimPy processes).

    ``options`` go to the engine's constructor (``log=True`` asks the SimPy engine for an event log).
    """
    if kind == "fast":
        from noc.fast_engine import FastNoc

        return FastNoc(cfg, **options)
    if kind == "simpy":
        from noc.simpy_engine import SimpyNoc

        return SimpyNoc(cfg, **options)
    raise NocError(f"engine kind: unknown {kind!r}; allowed: {', '.join(ENGINES)}")


def check_batch(cfg: ChipConfig, src_core, dst_core, inject_cycle, dst_axon=None) -> PacketBatch:
    """Validate and convert the arrays given to ``run``; errors name the argument, index, value and range.

    Called once per emulated tick, so it avoids numpy reductions (microseconds each on small arrays): range
    checks run in one compiled pass per array.
    """
    src = _int_array("src_core", src_core, np.int32)
    n = len(src)
    dst = _int_array("dst_core", dst_core, np.int32, n)
    inject = _int_array("inject_cycle", inject_cycle, np.int64, n)
    _in_range("src_core", src, 0, cfg.num_cores - 1)
    _in_range("dst_core", dst, 0, cfg.num_cores - 1)
    _in_range("inject_cycle", inject, 0, MAX_CYCLE)
    if dst_axon is None:
        return PacketBatch(src, dst, inject, np.zeros(n, np.int32))
    axon = _int_array("dst_axon", dst_axon, np.int32, n)
    _in_range("dst_axon", axon, 0, cfg.core.axons_per_core - 1)
    return PacketBatch(src, dst, inject, axon)


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
