"""Encoders: turn input values into spike trains, looked up by name.

Every encoder maps values ``x`` of shape ``[batch, n_inputs]`` (floats, nominally in [0, 1]) to integer spike
counts of shape ``[batch, ticks, n_inputs]``. Random encoders take an explicit seed.

========  =====================================================================================================
name      rule
========  =====================================================================================================
rate      Bernoulli (Poisson-like) spikes, P(spike at a tick) = clip(x, 0, 1) * max_rate, seeded
ttfs      time to first spike: one spike at tick round((1 - x) * (ticks - 1)) for x > 0, none for x <= 0
direct    a constant integer count per tick, round(x * scale): graded input for models that integrate counts
========  =====================================================================================================
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chip_configs.errors import SimulationError
from cores.models import get_model


def _as_values(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise SimulationError(f"encoder input: expected values [batch, n_inputs], got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise SimulationError("encoder input: values must be finite (found NaN or inf)")
    return x


def rate(x: np.ndarray, ticks: int, seed: int = 0, max_rate: float = 1.0) -> np.ndarray:
    """Bernoulli spikes with probability ``clip(x, 0, 1) * max_rate`` per tick (seeded)."""
    x = _as_values(x)
    if not 0.0 < max_rate <= 1.0:
        raise SimulationError(f"rate encoder: max_rate {max_rate} out of range; allowed (0, 1]")
    p = np.clip(x, 0.0, 1.0) * max_rate
    rng = np.random.default_rng(seed)
    u = rng.random((x.shape[0], ticks, x.shape[1]))
    return (u < p[:, None, :]).astype(np.int32)


def ttfs(x: np.ndarray, ticks: int, seed: int = 0) -> np.ndarray:
    """One spike per input at tick ``round((1 - clip(x, 0, 1)) * (ticks - 1))``; larger x fires earlier."""
    x = np.clip(_as_values(x), 0.0, 1.0)
    out = np.zeros((x.shape[0], ticks, x.shape[1]), dtype=np.int32)
    b, i = np.nonzero(x > 0)
    t = np.rint((1.0 - x[b, i]) * (ticks - 1)).astype(np.int64)
    out[b, t, i] = 1
    return out


def direct(x: np.ndarray, ticks: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """A constant count ``round(x * scale)`` (>= 0) on every tick: graded, host-driven input."""
    x = _as_values(x)
    counts = np.rint(x * scale)
    if np.any(counts < 0):
        raise SimulationError("direct encoder: negative values cannot be sent as spike counts")
    return np.broadcast_to(counts.astype(np.int32)[:, None, :], (x.shape[0], ticks, x.shape[1])).copy()


ENCODERS: dict[str, Callable[..., np.ndarray]] = {"rate": rate, "ttfs": ttfs, "direct": direct}


def encode(name: str, x: np.ndarray, ticks: int, model: str, seed: int = 0, **options) -> np.ndarray:
    """Encode ``x`` with the encoder called ``name``; errors name the encoder and what is allowed."""
    if name not in ENCODERS:
        raise SimulationError(f"encoder {name!r} unknown; allowed: {', '.join(sorted(ENCODERS))}")
    # 'direct' needs models whose axons integrate more than one event per tick (TrueNorth's carry binary spikes).
    if name == "direct" and not get_model(model).capabilities.graded_input:
        raise SimulationError(f"encoder 'direct' needs graded input, which model {model!r} does not allow; "
                              "use 'rate' or 'ttfs'")
    if ticks < 1:
        raise SimulationError(f"ticks {ticks}: allowed >= 1")
    return ENCODERS[name](x, ticks, seed=seed, **options)
