"""Pricing: counts of events times the config's energy table (BookSim's count-then-price).

During a run components only count events (columns: :class:`chip_configs.events.Event`). Afterwards
:func:`price` turns a count vector into energy by operation type::

    energy[..., e] = counts[..., e] x energy_table[ENERGY_KEY[e]]      (pJ; e = Event column)

Static energy is static power times simulated time: 1 mW x 1 ns = 1 pJ.
"""

from __future__ import annotations

import numpy as np

from chip_configs.events import ENERGY_KEY, EVENT_NAMES, N_EVENTS, Event
from chip_configs.schema import ChipConfig

# (report name, energy-table key) of every event kind, in column order.
EVENTS = tuple((e.label, ENERGY_KEY[e]) for e in Event)


def unit_costs_pj(cfg: ChipConfig) -> np.ndarray:
    """Energy per event (pJ), in :class:`~chip_configs.events.Event` column order."""
    return np.asarray([getattr(cfg.energy, ENERGY_KEY[e]) for e in Event], dtype=np.float64)


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


__all__ = ["EVENTS", "EVENT_NAMES", "N_EVENTS", "breakdown", "price", "static_energy_pj", "unit_costs_pj"]
