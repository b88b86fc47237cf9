"""NIR neuron nodes -> float neuron records, one builder per NIR type; the framework's reader supplies the numbers.

Each builder returns ``(gain, record)``: ``gain`` (per neuron) multiplies every incoming weight, and the
record holds the per-step float parameters; ``bias_in`` is the summed bias of the linear nodes feeding
the neuron. How a framework's exported parameters become per-step decays and gains is the reader's
(:mod:`mapping.nir_frameworks`, one class per framework); the record's reset, spike test and spike count
come from :meth:`~mapping.nir_frameworks.Reader.spiking`. See ``mapping/README.md`` for every parameter's path.
"""

from __future__ import annotations

import numpy as np

from chip_configs.errors import MappingError
from mapping.network import IF, LI, LIF, CubaLIF


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with inf/inf read as 1 (snnTorch exports beta = 1 as tau = r = inf)."""
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return np.where(np.isinf(num) & np.isinf(den), 1.0, out)


def _decays(b, key: str, node, **decays) -> None:
    """Refuse decays outside [0, 1]: the file's time constants do not fit this framework's reading."""
    for name, d in decays.items():
        d = np.asarray(d, np.float64)
        if d.size and (np.nanmin(d) < 0 or np.nanmax(d) > 1):
            raise MappingError(f"--framework {b.reader.name} reads node {key!r} ({type(node).__name__}) with a decay "
                               f"of {np.nanmin(d):.4g} per step ({name}; allowed 0..1): the file's time constants do "
                               "not fit this framework's conventions; was it exported by another framework?")


def _lif(b, key: str, node, bias_in: np.ndarray):
    """``v = beta*v + gain*(W x + b) + leak`` with (beta, gain, leak) from the reader."""
    beta, gain, leak = b.reader.lif_terms(b, key, node)
    _decays(b, key, node, beta=beta)
    nrn = LIF(beta=beta, threshold=b.vec(key, node.v_threshold), bias=leak + gain * bias_in,
              **b.spiking(key, node))
    return gain, nrn


def _cubalif(b, key: str, node, bias_in: np.ndarray):
    """Current first: ``i = alpha*i + gain*(W x + b)``, ``v = beta*v + i + leak`` (gain: both stages folded in)."""
    alpha, beta, gain, leak = b.reader.cubalif_terms(b, key, node)
    _decays(b, key, node, alpha=alpha, beta=beta)
    nrn = CubaLIF(alpha=alpha, beta=beta, threshold=b.vec(key, node.v_threshold), bias=leak,
                  current_bias=gain * bias_in, **b.spiking(key, node))
    return gain, nrn


def _if(b, key: str, node, bias_in: np.ndarray):
    """``v = v + gain*(W x + b)``; the gain is the reader's reading of ``r``."""
    gain = b.reader.if_gain(b, key, node)
    return gain, IF(threshold=b.vec(key, node.v_threshold), bias=gain * bias_in, **b.spiking(key, node))


def _li(b, key: str, node, bias_in: np.ndarray):
    """Leaky integrator readout, as LIF without spikes."""
    beta, gain, leak = b.reader.lif_terms(b, key, node)
    _decays(b, key, node, beta=beta)
    return gain, LI(beta=beta, bias=leak + gain * bias_in)


NEURON_BUILDERS = {"LIF": _lif, "CubaLIF": _cubalif, "IF": _if, "LI": _li}

__all__ = ["NEURON_BUILDERS", "ratio"]
