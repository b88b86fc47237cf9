"""Bit-exact integer neuron cores (Loihi LIF after Lava's bit-accurate model, TrueNorth after Cassidy 2013).

The Cython kernel (``cores._kernels``) is the only runtime path; importing this package fails loudly when it
is not built (``python setup.py build_ext --inplace``).
"""

from cores.core_array import COUNTER_NAMES, CoreArray
from cores.fixed_point import lava_dense_weights
from cores.harness import simulate_neurons
from cores.params import LoihiLifParams, ParamRange, TrueNorthParams, param_ranges, validate_params
from cores.program import CoreProgram

__all__ = [
    "COUNTER_NAMES",
    "CoreArray",
    "CoreProgram",
    "LoihiLifParams",
    "ParamRange",
    "TrueNorthParams",
    "lava_dense_weights",
    "param_ranges",
    "simulate_neurons",
    "validate_params",
]
