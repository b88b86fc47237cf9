"""Counter-based pseudo-random draws for the TrueNorth model (NumPy version; the kernel has a C twin).

TrueNorth draws its stochastic synapse, leak and threshold numbers from a per-core LFSR whose sequence depends
on the order of the draws. We replace it with a counter-based generator: every draw is a 64-bit hash of
``(seed, core, tick, neuron, slot)``, so results are deterministic for a seed, independent of loop order and
of how cores are batched, and the NumPy reference can compute the same draws vectorised. The sequence differs
from silicon; what we model is the distribution (uniform 64-bit words, low bits used) and the determinism.

Construction (``mix64`` is the SplitMix64 finaliser, a bijection on 64-bit words)::

    key   = mix64(seed + GOLDEN)
    h     = mix64(mix64(mix64(key ^ core) ^ tick) ^ neuron)      # per (core, tick, local neuron)
    draw  = mix64(h ^ slot)

Slots: ``SLOT_THRESHOLD`` (eta), ``SLOT_LEAK`` (stochastic leak), and for the m-th spike (0-based) arriving
on local axon ``a`` in this tick, ``SLOT_SYNAPSE + (a << 32) + m`` (stochastic synapse). TrueNorth's axons are
binary (one spike per axon and tick, duplicates OR), so its synapses draw once per axon and tick: m = 0.
"""

from __future__ import annotations

import numpy as np

GOLDEN = 0x9E3779B97F4A7C15
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
MASK64 = (1 << 64) - 1

SLOT_THRESHOLD = 0
SLOT_LEAK = 1
SLOT_SYNAPSE = 2


def mix64(z) -> np.ndarray:
    """SplitMix64 finaliser on uint64 array(s); multiplication wraps modulo 2**64 as in C."""
    z = np.array(z, dtype=np.uint64, ndmin=1)
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


def seed_key(seed: int) -> int:
    """The 64-bit key derived from an integer seed (any Python int; taken modulo 2**64)."""
    return int(mix64((int(seed) + GOLDEN) & MASK64)[0])


def _u64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64).astype(np.uint64)


def neuron_hash(key: int, core, tick, neuron) -> np.ndarray:
    """Per (core, tick, local neuron) hash, vectorised over any broadcastable integer arrays."""
    h = mix64(np.uint64(key) ^ _u64(core))
    h = mix64(h ^ _u64(tick))
    return mix64(h ^ _u64(neuron))


def draw(key: int, core, tick, neuron, slot) -> np.ndarray:
    """The uint64 draw for ``(core, tick, neuron, slot)``; see the module docstring."""
    return mix64(neuron_hash(key, core, tick, neuron) ^ _u64(slot))


def synapse_slot(local_axon, m) -> np.ndarray:
    """Slot of the m-th spike on a local axon in a tick."""
    return SLOT_SYNAPSE + (np.asarray(local_axon, dtype=np.int64) << 32) + np.asarray(m, dtype=np.int64)


__all__ = ["SLOT_LEAK", "SLOT_SYNAPSE", "SLOT_THRESHOLD", "draw", "mix64", "neuron_hash", "seed_key",
           "synapse_slot"]
