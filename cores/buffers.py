"""Arrays whose first byte starts a cache line.

The fused loop reads a tick's crossbar rows at random (a TrueNorth row is 32 bytes: 256 neurons' bits). In a
buffer that starts 16 bytes past a 64-byte line, as NumPy's allocations usually do, every other row straddles
two lines: two misses per row, and the kernels' prefetch of the row's first byte brings only one of them.
Measured at the TrueNorth operating point (21 k rows per tick, AMD EPYC Zen 4): the integration took twice as
long on the unaligned rows as on the same rows 64-byte aligned. Buffers that kernels read row by row at
random are therefore allocated here.
"""

from __future__ import annotations

import mmap

import numpy as np

CACHE_LINE = 64


def aligned_empty(shape, dtype, align: int = CACHE_LINE) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` whose data starts at a multiple of
    ``align`` bytes (a view into a slightly larger byte buffer, which it keeps alive)."""
    return _aligned(np.empty, shape, dtype, align)


def aligned_zeros(shape, dtype, align: int = CACHE_LINE) -> np.ndarray:
    """:func:`aligned_empty`, zeroed (as ``np.zeros``: a large buffer's pages stay untouched until written)."""
    return _aligned(np.zeros, shape, dtype, align)


def _aligned(make, shape, dtype, align: int) -> np.ndarray:
    dtype = np.dtype(dtype)
    shape = (shape,) if np.isscalar(shape) else tuple(shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = make(nbytes + align, dtype=np.uint8)
    skip = -raw.__array_interface__["data"][0] % align
    return raw[skip: skip + nbytes].view(dtype).reshape(shape)


def lazy_zeros(shape, dtype) -> np.ndarray:
    """A zeroed array on its own anonymous mapping (page-aligned), whose 4 KiB pages are allocated as they are
    first written: for lists sized for the worst case and written at their start (a tick's spikes, a slot's
    axons). NumPy asks the kernel for huge pages on buffers of 4 MiB and more, so there writing the first bytes
    makes 2 MiB resident. Measured at the TrueNorth operating point: (peak - baseline) / programmed 1.98 with
    the fused loop's seven worst-case lists on NumPy buffers, 1.73 on these."""
    dtype = np.dtype(dtype)
    shape = (shape,) if np.isscalar(shape) else tuple(shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes == 0:
        return np.zeros(shape, dtype)
    return np.frombuffer(mmap.mmap(-1, nbytes), dtype).reshape(shape)


def is_aligned(x: np.ndarray, align: int = CACHE_LINE) -> bool:
    """Whether ``x``'s data starts at a multiple of ``align`` bytes (an empty array has no data: True)."""
    return x.size == 0 or x.__array_interface__["data"][0] % align == 0


__all__ = ["CACHE_LINE", "aligned_empty", "aligned_zeros", "is_aligned", "lazy_zeros"]
