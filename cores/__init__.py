"""Bit-exact integer neuron cores (Loihi LIF after Lava's bit-accurate model, TrueNorth after Cassidy 2013).

Each neuron model is one unit in :mod:`cores.models`, found by its YAML name. The Cython kernel
(``cores._kernels``) is the only runtime path; importing this package fails loudly when it is not built
(``python setup.py build_ext --inplace``).
"""

from cores.core_array import COUNTER_NAMES, CoreArray
from cores.fixed_point import lava_dense_weights
from cores.harness import simulate_neurons
from cores.models import MODELS, get_model, model_of, param_ranges, validate_params
from cores.models.loihi_lif import LoihiLifParams
from cores.models.truenorth import TrueNorthParams
from cores.params import ParamRange
from cores.program import CoreProgram

__all__ = [
    "COUNTER_NAMES",
    "MODELS",
    "CoreArray",
    "CoreProgram",
    "LoihiLifParams",
    "ParamRange",
    "TrueNorthParams",
    "get_model",
    "lava_dense_weights",
    "model_of",
    "param_ranges",
    "simulate_neurons",
    "validate_params",
]
