"""Workloads shared by the NoC speed and profiling scripts (``benchmarks/noc_*.py``).

- ``mesh8_uniform``: the 8 x 8 ``tiny`` mesh under uniform Bernoulli traffic (``noc_curve.py``'s speed workload
  at rate 0.15 is near the depth-2 saturation point, 0.18 - 0.20);
- ``chip_tick``: one emulated tick of a chip-scale network the way the emulator hands it to the NoC: every
  core emits a few packets to random cores, spread over its neuron-update sweep (TrueNorth at its operating
  point: 20,000 packets, ~42 hops each, requested between cycles ~2,500 and ~13,000);
- ``random_calls``: ``n`` random packets requested over 100 cycles (``noc_call_overhead.py``'s workload).
"""

from __future__ import annotations

import numpy as np

from chip_configs.schema import ChipConfig, config_from_dict, config_to_dict, load_config
from noc.topology import MeshTopology
from noc.traffic import make_pattern, synthetic_packets


def mesh8(depth: int = 2) -> ChipConfig:
    """``tiny.yaml`` with an 8 x 8 mesh and ``depth``-flit input buffers."""
    data = config_to_dict(load_config("tiny"))
    data["name"] = f"tiny-8x8-depth{depth}"
    data["mesh"].update(width=8, height=8, cores_per_router=1, num_cores=None)
    data["noc"].update(buffer_depth_flits=depth)
    return config_from_dict(data)


def mesh8_uniform(rate: float, cycles: int = 3000, seed: int = 1, depth: int = 2):
    """``(cfg, src, dst, inject)``: uniform traffic at ``rate`` packets/node/cycle for ``cycles`` cycles."""
    cfg = mesh8(depth)
    topo = MeshTopology.from_config(cfg)
    src, dst, inject = synthetic_packets(topo, make_pattern("uniform", topo), rate, cycles,
                                         np.random.default_rng(seed))
    return cfg, src, dst, inject


def chip_tick(cfg: ChipConfig, n_packets: int, seed: int = 0, start: int = 2500, sweep: int = 10_240,
              spacing: int = 10):
    """``(src, dst, inject)`` of one tick: ``n_packets`` to uniform random cores, in the emulator's shape.

    Each core's packets leave during its update sweep (``start`` .. ``start + sweep`` cycles) at the place of the
    spiking neuron, ``spacing`` cycles apart (one spike's packet formation), sorted by source core as the
    emulator gives them.
    """
    rng = np.random.default_rng(seed)
    src = np.sort(rng.integers(0, cfg.num_cores, n_packets)).astype(np.int32)
    dst = rng.integers(0, cfg.num_cores, n_packets).astype(np.int32)
    first = np.searchsorted(src, src, side="left")
    rank = np.arange(n_packets) - first
    inject = start + rng.integers(0, sweep, n_packets) + rank * spacing
    return src, dst, inject.astype(np.int64)


def random_calls(cfg: ChipConfig, n: int, seed: int = 0):
    """``(src, dst, inject)``: ``n`` random packets requested over 100 cycles, sorted by request cycle."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, cfg.num_cores, n).astype(np.int32)
    dst = rng.integers(0, cfg.num_cores, n).astype(np.int32)
    inject = np.sort(rng.integers(0, 100, n)).astype(np.int64)
    return src, dst, inject
