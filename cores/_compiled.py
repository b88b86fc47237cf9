"""The compiled kernels of the cores (``cores._kernels``), imported once with a message that says how to build them.

The Cython kernel is the only runtime path: there is no fallback, so importing :mod:`cores` fails loudly when it
is not built.
"""

from __future__ import annotations

import numpy as np

try:
    from cores import _kernels
except ImportError as exc:  # no fallback: the Cython kernel is the only runtime path
    raise ImportError(
        "cores._kernels (Cython) is not built; run `python setup.py build_ext --inplace` in the repository"
    ) from exc


def check_record_size(name: str, dtype: np.dtype) -> None:
    """Refuse a NumPy record ``dtype`` whose size differs from the C struct the kernels call ``name``."""
    size = _kernels.record_sizes()[name]
    if size != dtype.itemsize:
        raise ImportError(f"cores._kernels record {name!r} has {size} bytes, its NumPy dtype {dtype.itemsize}; "
                          "rebuild the kernels (python setup.py build_ext --inplace)")


__all__ = ["_kernels", "check_record_size"]
