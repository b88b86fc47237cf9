"""Pricing: counts of events times the config's energy table (BookSim's count-then-price).

During a run components only count events. Afterwards :func:`price` turns a count vector into energy by
operation type. Static energy is static power times simulated time: 1 mW x 1 ns = 1 pJ.
"""

from __future__ import annotations

import numpy as np

from chip_configs.schema import ChipConfig

# Event kinds counted by the emulator, with the energy-table key that prices each (pJ per event).
EVENTS = (
    ("syn_ops", "syn_op_pj"),
    ("neuron_updates_active", "neuron_update_active_pj"),
    ("neuron_updates_inactive", "neuron_update_inactive_pj"),
    ("spikes", "spike_pj"),
    ("packets", "packet_injected_pj"),
    ("hops_ew", "hop_ew_pj"),
    ("hops_ns", "hop_ns_pj"),
    ("deliveries", "delivery_pj"),
)
EVENT_NAMES = tuple(name for name, _ in EVENTS)
N_EVENTS = len(EVENTS)


def unit_costs_pj(cfg: ChipConfig) -> np.ndarray:
    """Energy per event (pJ), in :data:`EVENTS` order."""
    return np.asarray([getattr(cfg.energy, key) for _, key in EVENTS], dtype=np.float64)


def price(counts: np.ndarray, cfg: ChipConfig) -> np.ndarray:
    """Dynamic energy (pJ) per event kind: ``counts[..., k] * unit_cost[k]`` (last axis = event kind)."""
    return np.asarray(counts, dtype=np.float64) * unit_costs_pj(cfg)


def static_energy_pj(cfg: ChipConfig, duration_ns: float) -> float:
    """Static energy (pJ) = static power (mW) x duration (ns)."""
    return float(cfg.energy.static_power_mw) * float(duration_ns)


def breakdown(counts: np.ndarray, cfg: ChipConfig, duration_ns: float) -> dict[str, float]:
    """Energy (pJ) by kind for one count vector, plus ``static`` and ``total``."""
    dyn = price(counts, cfg)
    out = {name: float(v) for name, v in zip(EVENT_NAMES, dyn, strict=True)}
    out["static"] = static_energy_pj(cfg, duration_ns)
    out["total"] = float(dyn.sum()) + out["static"]
    return out
