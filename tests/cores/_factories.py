"""Builders shared by the cores tests: config variants, random programs from the range table, golden data."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chip_configs.schema import config_from_dict, config_to_dict, load_config
from cores import CoreProgram, model_of, param_ranges

# Tracked copy of ../shared/reference/golden (Lava 0.10 bit-accurate LIF traces), so a fresh clone runs them.
GOLDEN_DIR = Path(__file__).resolve().parents[1] / "data" / "golden"
GOLDEN_FILE = GOLDEN_DIR / "lava_lif_golden.npz"


def golden():
    """The Lava golden vectors (tracked in tests/data/golden; a missing file is a failure, never a skip)."""
    return np.load(GOLDEN_FILE)


def golden_case(data, case: str) -> dict:
    """Arrays of one golden case by field name, plus its scalar parameters."""
    out = {k.split("__", 1)[1]: data[k] for k in data.files if k.startswith(case + "__")}
    out.update(dict(zip([str(c) for c in data["params_columns"]], out["params"].tolist(), strict=True)))
    return out


def variant(preset: str, **changes) -> object:
    """A preset with some ``block.key`` values changed, e.g. ``variant("loihi", **{"neuron.current_bits": 12})``."""
    d = config_to_dict(load_config(preset))
    for path, value in changes.items():
        block, key = path.split(".")
        d[block][key] = value
    return config_from_dict(d, f"{preset}-variant")


def random_values(rng, lo: int, hi: int, shape, edge_p: float = 0.2, zero_p: float = 0.15) -> np.ndarray:
    """Uniform integers in [lo, hi]; each value is lo or hi with probability ``edge_p`` and 0 (when in range)
    with probability ``zero_p``, so that edges and neurons at rest both occur."""
    vals = rng.integers(lo, hi, size=shape, endpoint=True)
    pick = rng.random(shape)
    vals = np.where(pick < edge_p, np.where(rng.random(shape) < 0.5, lo, hi), vals)
    if lo <= 0 <= hi:
        vals = np.where((pick >= edge_p) & (pick < edge_p + zero_p), 0, vals)
    return vals.astype(np.int64)


def random_params(cfg, rng, n: int, limits: dict | None = None) -> dict:
    """Parameters across the full ranges of the config (edges included); ``limits`` narrows some of them."""
    out = {}
    for name, r in param_ranges(cfg).items():
        lo, hi = (limits or {}).get(name, (r.lo, r.hi))
        shape = (n, cfg.core.axon_types) if r.typed else (n,)
        out[name] = random_values(rng, max(lo, r.lo), min(hi, r.hi), shape)
    return out


def random_program(cfg, rng, n: int, a: int, density: float, limits: dict | None = None) -> CoreProgram:
    """A random core program: ~density x a x n synapses, with weights and axon types as the model takes them."""
    s = int(density * a * n)
    idx = rng.choice(a * n, size=min(s, a * n, cfg.core.max_synapses_per_core), replace=False)
    sa, sn = (idx // n).astype(np.int32), (idx % n).astype(np.int32)
    params = random_params(cfg, rng, n, limits)
    caps = model_of(cfg).capabilities
    types = rng.integers(0, cfg.core.axon_types, a).astype(np.int8) if caps.typed_axons else None
    w = (random_values(rng, cfg.core.weight_min, cfg.core.weight_max, sa.shape, edge_p=0.3).astype(np.int32)
         if caps.synapse_weights else None)
    return CoreProgram(n, a, sa, sn, w, params, types)
