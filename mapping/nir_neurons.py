"""NIR neuron nodes -> float neuron records, one builder per NIR type (forward Euler at the convention's dt).

Each builder returns ``(gain, record)``: ``gain`` (per neuron) multiplies every incoming weight, and the
record holds the per-step float parameters; ``bias_in`` is the summed bias of the linear nodes feeding
the neuron. See ``mapping/README.md`` for the table of every parameter's path.
"""

from __future__ import annotations

import numpy as np

from mapping.network import IF, LI, LIF, CubaLIF


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with inf/inf read as 1 (snnTorch exports beta = 1 as tau = r = inf)."""
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return np.where(np.isinf(num) & np.isinf(den), 1.0, out)


def _decay(dt: float, tau) -> np.ndarray:
    """Forward-Euler decay per step, ``1 - dt/tau`` (tau = inf gives 1)."""
    return 1.0 - ratio(np.full(np.shape(tau), dt), tau)


def _lif(b, key: str, node, bias_in: np.ndarray):
    """``v += dt/tau*(v_leak - v + r*I)``: beta = 1 - dt/tau, gain = dt*r/tau, bias = dt/tau*v_leak + gain*b."""
    dt, tau = b.conv.dt, b.vec(key, node.tau)
    gain = ratio(dt * b.vec(key, node.r), tau)
    leak = ratio(np.full(tau.shape, dt), tau) * b.vec(key, node.v_leak)
    nrn = LIF(beta=_decay(dt, tau), threshold=b.vec(key, node.v_threshold), reset=b.check_reset(key, node),
              bias=leak + gain * bias_in)
    return gain, nrn


def _cubalif(b, key: str, node, bias_in: np.ndarray):
    """Current first: i' = alpha*i' + g*(W x + b) with g = (dt*w_in/tau_syn)*(dt*r/tau_mem) folded in."""
    dt = b.conv.dt
    tau_syn, tau_mem = b.vec(key, node.tau_syn), b.vec(key, node.tau_mem)
    g_i = ratio(dt * b.vec(key, node.w_in), tau_syn)
    g_v = ratio(dt * b.vec(key, node.r), tau_mem)
    leak = ratio(np.full(tau_mem.shape, dt), tau_mem) * b.vec(key, node.v_leak)
    nrn = CubaLIF(alpha=_decay(dt, tau_syn), beta=_decay(dt, tau_mem), threshold=b.vec(key, node.v_threshold),
                  reset=b.check_reset(key, node), bias=leak, current_bias=g_i * g_v * bias_in)
    return g_i * g_v, nrn


def _if(b, key: str, node, bias_in: np.ndarray):
    """``v += r*I`` (snnTorch's reading) or ``v += dt*r*I`` (Euler conventions)."""
    gain = b.vec(key, node.r) * (b.conv.dt if b.conv.if_gain_uses_dt else 1.0)
    return gain, IF(threshold=b.vec(key, node.v_threshold), reset=b.check_reset(key, node), bias=gain * bias_in)


def _li(b, key: str, node, bias_in: np.ndarray):
    """Leaky integrator readout, as LIF without spikes."""
    dt, tau = b.conv.dt, b.vec(key, node.tau)
    gain = ratio(dt * b.vec(key, node.r), tau)
    leak = ratio(np.full(tau.shape, dt), tau) * b.vec(key, node.v_leak)
    return gain, LI(beta=_decay(dt, tau), bias=leak + gain * bias_in)


NEURON_BUILDERS = {"LIF": _lif, "CubaLIF": _cubalif, "IF": _if, "LI": _li}

__all__ = ["NEURON_BUILDERS", "ratio"]
